#pragma once
// HTTP range requests (RFC 9110 §14) for one representation of a known size, sans-IO: what a
// browser's <audio> asks for when it seeks. One range of bytes is served (206); a header we do not
// serve ranges for (several ranges, another unit, bad syntax) gets the whole body (200), as RFC 9110
// allows; a range that starts beyond the end is unsatisfiable (416).

#include <cstddef>
#include <string_view>

namespace ucs::server {

struct ByteRange {
    enum class Kind : unsigned char { whole, partial, unsatisfiable };
    Kind kind = Kind::whole;
    std::size_t first = 0;  // for partial: the first and last byte, inclusive
    std::size_t last = 0;
};

ByteRange parse_byte_range(std::string_view header, std::size_t size);

}  // namespace ucs::server
