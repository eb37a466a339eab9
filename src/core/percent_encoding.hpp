#pragma once
// Percent-decoding (RFC 3986), shared by ucsd's router and REST API and the bar's cookie reader.

#include <optional>
#include <string>
#include <string_view>

namespace ucs {

// Decodes %XX escapes. A malformed escape makes the whole text invalid (nullopt): paths and
// queries from the network are refused rather than guessed at.
std::optional<std::string> percent_decode(std::string_view text);

// Like percent_decode, but a malformed escape stays as it is, as browsers treat cookies other
// scripts wrote; query strings also read '+' as a space when `plus_is_space`.
std::string percent_decode_lenient(std::string_view text, bool plus_is_space = false);

}  // namespace ucs
