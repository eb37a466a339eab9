#pragma once
// UTF-8 validity (RFC 3629) for text that goes back out in a JSON body: request paths, ids and other
// bytes a client sent. JSON documents must be UTF-8, and Boost.JSON serialises strings as they are.

#include <string>
#include <string_view>

namespace ucs {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with each byte that does not start a well-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace ucs
