#pragma once
// Lower-case hex of a byte string, for comparing digests with published test vectors.

#include <string>
#include <string_view>

namespace ucs::test {

inline std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

}  // namespace ucs::test
