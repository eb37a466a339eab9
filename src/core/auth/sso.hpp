#pragma once
// The integration document's SSO token:
//   token = base64(sha1_binary(secret + username + timestamp) + username + timestamp)
// A CRM back end creates it with the preshared secret; ucsd verifies it. Replay protection needs
// memory of used tokens and lives with the server's session state, not here.

#include "core/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ucs::auth {

inline constexpr std::int64_t default_sso_window_seconds = 300;

enum class SsoError {
    malformed,         // not base64, too short, or no decimal timestamp after the username
    wrong_user,        // the token was made for another username
    outside_window,    // the timestamp is further from now than the window allows
    bad_signature,     // the digest does not match: wrong secret or altered token
};

const char* to_string(SsoError error);

// The token for this secret, username and Unix timestamp (seconds).
std::string make_sso_token(std::string_view secret, std::string_view username, std::int64_t timestamp);

// Checks a token presented by `username` at time `now`: it must carry that username and a timestamp
// within `window_seconds` of now (either side), and its digest must match, compared in constant time.
// Returns the token's timestamp.
Expected<std::int64_t, SsoError> verify_sso_token(std::string_view token, std::string_view secret,
                                                  std::string_view username, std::int64_t now,
                                                  std::int64_t window_seconds = default_sso_window_seconds);

}  // namespace ucs::auth
