#pragma once
// Short-lived capabilities that travel in a URL where no header can (a browser's <audio src>):
//   token = <expires>.<user id>.<base64url(HMAC-SHA-256(key, scope "\n" user id "\n" expires))>
// `scope` names what the token opens (ucsd: "recording " + uniqueid), so a token for one call opens
// no other. The key is the server's own; nothing but the server can make or check one.

#include "core/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ucs::auth {

enum class CapabilityError : std::uint8_t {
    malformed,      // not <digits>.<digits>.<mac>
    expired,        // its expiry is not after now
    bad_signature,  // made with another key or for another scope, or altered
};

const char* to_string(CapabilityError error);

struct Capability {
    int user_id = 0;
    std::int64_t expires = 0;  // Unix seconds
};

std::string make_capability(std::string_view key, std::string_view scope, int user_id, std::int64_t expires);

// Checks a token for `scope` at `now` (Unix seconds); the MAC is compared in constant time.
Expected<Capability, CapabilityError> verify_capability(std::string_view token, std::string_view key,
                                                        std::string_view scope, std::int64_t now);

}  // namespace ucs::auth
