#pragma once
// Standard base64 (RFC 4648 section 4, with padding) on OpenSSL's encoder.

#include <optional>
#include <string>
#include <string_view>

namespace ucs::auth {

std::string base64_encode(std::string_view bytes);

// base64url without padding (RFC 4648 section 5): random tokens that travel in cookies, URLs and
// SCRAM nonces (no ',' and no '=').
std::string base64url_token(std::string_view bytes);

// Decodes canonical padded base64; anything else (bad characters, bad length) is nullopt.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ucs::auth
