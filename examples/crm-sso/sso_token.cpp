// Example CRM back end: generate the agent bar's SSO token for a user.
//
//   sso-token SECRET USERNAME [TIMESTAMP]
//
// Prints the token for the given Unix timestamp (default: now). A CRM renders it into its page and
// the page calls window.ucsOperator.sso(USERNAME, token, "My CRM") after onCredentials.
#include "core/auth/sso.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: %s SECRET USERNAME [TIMESTAMP]\n", argv[0]);
        return 2;
    }
    std::int64_t timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (argc == 4) {
        const std::string_view text = argv[3];
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), timestamp);
        if (ec != std::errc() || end != text.data() + text.size() || timestamp < 0) {
            std::fprintf(stderr, "TIMESTAMP must be Unix seconds, got \"%s\"\n", argv[3]);
            return 2;
        }
    }
    std::puts(ucs::auth::make_sso_token(argv[1], argv[2], timestamp).c_str());
    return 0;
}
