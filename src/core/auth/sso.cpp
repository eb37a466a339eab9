#include "core/auth/sso.hpp"

#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

namespace ucs::auth {

const char* to_string(SsoError error) {
    switch (error) {
    case SsoError::malformed: return "malformed SSO token";
    case SsoError::wrong_user: return "SSO token was issued for another user";
    case SsoError::outside_window: return "SSO token has expired or is not valid yet";
    case SsoError::bad_signature: return "SSO token signature does not match";
    }
    return "SSO token refused";
}

namespace {

Sha1Digest sso_digest(std::string_view secret, std::string_view username, std::string_view timestamp) {
    Sha1 hash;
    hash.update(secret);
    hash.update(username);
    hash.update(timestamp);
    return hash.finish();
}

}  // namespace

std::string make_sso_token(std::string_view secret, std::string_view username, std::int64_t timestamp) {
    const std::string stamp = std::to_string(timestamp);
    const Sha1Digest digest = sso_digest(secret, username, stamp);
    std::string payload(reinterpret_cast<const char*>(digest.data()), digest.size());
    payload.append(username);
    payload.append(stamp);
    return base64_encode(payload);
}

Expected<std::int64_t, SsoError> verify_sso_token(std::string_view token, std::string_view secret,
                                                  std::string_view username, std::int64_t now,
                                                  std::int64_t window_seconds) {
    const std::optional<std::string> payload = base64_decode(token);
    if (!payload || payload->size() <= sha1_digest_size) return Unexpected(SsoError::malformed);

    const std::string_view claimed(payload->data() + sha1_digest_size, payload->size() - sha1_digest_size);
    if (!claimed.starts_with(username)) return Unexpected(SsoError::wrong_user);
    const std::string_view stamp = claimed.substr(username.size());
    // The timestamp is what follows the username: decimal digits only, at most 18 of them.
    // No leading zero either: "agent0" + "123" must not read as "agent" + "0123".
    if (stamp.empty() || stamp.size() > 18 || (stamp.size() > 1 && stamp.front() == '0') ||
        !std::all_of(stamp.begin(), stamp.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Unexpected(SsoError::malformed);
    }
    std::int64_t timestamp = 0;
    std::from_chars(stamp.data(), stamp.data() + stamp.size(), timestamp);

    const Sha1Digest expected = sso_digest(secret, username, stamp);
    if (CRYPTO_memcmp(expected.data(), payload->data(), sha1_digest_size) != 0) return Unexpected(SsoError::bad_signature);
    // Checked after the signature so an unauthenticated token never learns which window applies.
    // |timestamp - now| in unsigned arithmetic: the distance between two int64s always fits a uint64,
    // while now ± window may not fit an int64 (a window of INT64_MAX meant "any time" and overflowed).
    const std::uint64_t distance = timestamp < now ? static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(timestamp)
                                                   : static_cast<std::uint64_t>(timestamp) - static_cast<std::uint64_t>(now);
    if (window_seconds < 0 || distance > static_cast<std::uint64_t>(window_seconds)) return Unexpected(SsoError::outside_window);
    return timestamp;
}

}  // namespace ucs::auth
