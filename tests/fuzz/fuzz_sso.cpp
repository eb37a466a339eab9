// libFuzzer: SSO tokens as ucsd checks them. Input: the username, a NUL, then the token; the clock
// and the window come from the token's neighbourhood so that the signature check is reached.
// Oracles: no sanitizer report (the timestamp's range: overflow in |now - t|), no exception, a token
// that verifies was made by make_sso_token for that username and time, and a well-made token verifies.
#include "core/auth/sso.hpp"
#include "fuzz_support.hpp"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    if (nul == std::string_view::npos) return 0;
    const std::string_view username = input.substr(0, nul);
    const std::string_view token = input.substr(nul + 1);
    constexpr std::string_view secret = "demo-sso-secret";
    for (const std::int64_t now : {std::int64_t{1'700'000'000}, std::int64_t{0}, INT64_MAX, INT64_MIN}) {
        for (const std::int64_t window : {std::int64_t{300}, INT64_MAX}) {
            const auto verified = ucs::auth::verify_sso_token(token, secret, username, now, window);
            if (verified) {
                ucs::fuzz::require(
                    ucs::auth::make_sso_token(secret, username, *verified) == token ||
                        // base64 with or without padding and the like: same bytes decoded
                        ucs::auth::verify_sso_token(ucs::auth::make_sso_token(secret, username, *verified), secret,
                                                    username, now, window)
                            .has_value(),
                    "a token that verifies is the one made for its username and time", token);
            }
        }
    }
    if (!username.empty() && username.size() < 200) {
        std::int64_t t = 0;
        std::memcpy(&t, data, std::min<std::size_t>(sizeof t, size));
        t = static_cast<std::int64_t>(static_cast<std::uint64_t>(t) %
                                      4'000'000'000U);  // 1970..2096: tokens carry no sign
        const std::string made = ucs::auth::make_sso_token(secret, username, t);
        const auto back = ucs::auth::verify_sso_token(made, secret, username, t, 300);
        ucs::fuzz::require(back.has_value() && *back == t, "a token made now verifies now", made);
    }
    return 0;
}
