#include "core/auth/capability.hpp"

#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"

#include <openssl/crypto.h>

#include <charconv>

namespace ucs::auth {

namespace {

std::string mac_of(std::string_view key, std::string_view scope, int user_id, std::int64_t expires) {
    const std::string message = std::string(scope) + "\n" + std::to_string(user_id) + "\n" + std::to_string(expires);
    return base64url_token(as_bytes(hmac_sha256(key, message)));
}

template <typename Int>
bool parse_decimal(std::string_view text, Int& value) {
    if (text.empty()) return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

const char* to_string(CapabilityError error) {
    switch (error) {
        case CapabilityError::malformed: return "malformed token";
        case CapabilityError::expired: return "the token has expired";
        case CapabilityError::bad_signature: return "the token's signature does not match";
    }
    return "bad token";
}

std::string make_capability(std::string_view key, std::string_view scope, int user_id, std::int64_t expires) {
    return std::to_string(expires) + "." + std::to_string(user_id) + "." + mac_of(key, scope, user_id, expires);
}

Expected<Capability, CapabilityError> verify_capability(std::string_view token, std::string_view key,
                                                        std::string_view scope, std::int64_t now) {
    const std::size_t first = token.find('.');
    const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos) return Unexpected(CapabilityError::malformed);
    Capability capability;
    if (!parse_decimal(token.substr(0, first), capability.expires) ||
        !parse_decimal(token.substr(first + 1, second - first - 1), capability.user_id))
        return Unexpected(CapabilityError::malformed);
    const std::string_view mac = token.substr(second + 1);
    const std::string expected = mac_of(key, scope, capability.user_id, capability.expires);
    if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0)
        return Unexpected(CapabilityError::bad_signature);
    if (capability.expires <= now) return Unexpected(CapabilityError::expired);
    return capability;
}

}  // namespace ucs::auth
