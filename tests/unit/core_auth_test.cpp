#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/sso.hpp"

#include <catch2/catch.hpp>

#include "support/hex.hpp"

using ucs::test::hex;

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using ucs::auth::SsoError;
using ucs::auth::make_sso_token;
using ucs::auth::verify_sso_token;

namespace {

constexpr std::int64_t issued_at = 1700000000;
// Computed independently: base64(hashlib.sha1(b"demo-sso-secretagent11700000000").digest() + b"agent11700000000")
const std::string demo_token = "/hm/wyJ1ud940/pVXyx4dI4U1ithZ2VudDExNzAwMDAwMDAw";


}  // namespace

TEST_CASE("the sso token for the demo user is the documented construction", "[auth]") {
    CHECK(make_sso_token("demo-sso-secret", "agent1", issued_at) == demo_token);
}

TEST_CASE("a fresh sso token is accepted and yields its timestamp", "[auth]") {
    const auto verified = verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at + 10);
    REQUIRE(verified.has_value());
    CHECK(*verified == issued_at);
}

TEST_CASE("sso token at the edge of the window is accepted on both sides", "[auth]") {
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at + 300).has_value());
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at - 300).has_value());
}

TEST_CASE("sso token older than the window is refused", "[auth]") {
    const auto verified = verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at + 301);
    REQUIRE_FALSE(verified.has_value());
    CHECK(verified.error() == SsoError::outside_window);
}

TEST_CASE("sso token from the future beyond the window is refused", "[auth]") {
    const auto verified = verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at - 301);
    REQUIRE_FALSE(verified.has_value());
    CHECK(verified.error() == SsoError::outside_window);
}

TEST_CASE("sso token window is configurable", "[auth]") {
    CHECK_FALSE(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at + 61, 60).has_value());
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at + 3000, 3600).has_value());
}

TEST_CASE("sso window arithmetic holds at the ends of the clock", "[auth]") {
    // now ± window once overflowed int64 (UBSan aborts the native-asan build); found by tests/fuzz/fuzz_sso.
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at, max).has_value());
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", max, max).has_value());
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", min, max).error() == SsoError::outside_window);  // 2^63 + 1.7e9 s away
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", max).error() == SsoError::outside_window);
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", min).error() == SsoError::outside_window);
    CHECK(verify_sso_token(demo_token, "demo-sso-secret", "agent1", issued_at, -1).error() == SsoError::outside_window);
}

TEST_CASE("sso token made with another secret is refused", "[auth]") {
    const auto verified = verify_sso_token(make_sso_token("not-the-secret", "agent1", issued_at), "demo-sso-secret",
                                           "agent1", issued_at);
    REQUIRE_FALSE(verified.has_value());
    CHECK(verified.error() == SsoError::bad_signature);
}

TEST_CASE("sso token with any single byte changed is refused", "[auth]") {
    const std::string payload = *ucs::auth::base64_decode(demo_token);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        std::string altered = payload;
        altered[i] = static_cast<char>(altered[i] ^ 0x01);
        INFO("byte " << i);
        CHECK_FALSE(verify_sso_token(ucs::auth::base64_encode(altered), "demo-sso-secret", "agent1", issued_at).has_value());
    }
    // And in its text form: one character changed.
    std::string text = demo_token;
    text[5] = text[5] == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_sso_token(text, "demo-sso-secret", "agent1", issued_at).has_value());
}

TEST_CASE("sso token issued for another user is refused", "[auth]") {
    const auto verified = verify_sso_token(demo_token, "demo-sso-secret", "agent2", issued_at);
    REQUIRE_FALSE(verified.has_value());
    CHECK(verified.error() == SsoError::wrong_user);
    // A username that is a prefix of the real one must not borrow its token either.
    CHECK_FALSE(verify_sso_token(demo_token, "demo-sso-secret", "agent", issued_at).has_value());
}

TEST_CASE("malformed sso tokens are refused as malformed", "[auth]") {
    for (const std::string& token : std::vector<std::string>{"", "not base64!", "YWJj", "/hm/wyJ1ud940/pVXyx4dI4U1ithZ2VudDE=",
                                    ucs::auth::base64_encode(std::string(20, 'x') + "agent1"),
                                    ucs::auth::base64_encode(std::string(20, 'x') + "agent1-5"),
                                    ucs::auth::base64_encode(std::string(20, 'x') + "agent1" + std::string(19, '9'))}) {
        INFO("token \"" << token << "\"");
        const auto verified = verify_sso_token(token, "demo-sso-secret", "agent1", issued_at);
        REQUIRE_FALSE(verified.has_value());
        CHECK(verified.error() == SsoError::malformed);
    }
}

TEST_CASE("base64 round-trips every length and refuses non-canonical text", "[auth]") {
    std::string bytes;
    for (int length = 0; length < 40; ++length) {
        CHECK(ucs::auth::base64_decode(ucs::auth::base64_encode(bytes)) == bytes);
        bytes += static_cast<char>(length * 37);
    }
    CHECK(ucs::auth::base64_encode("agent1") == "YWdlbnQx");
    CHECK_FALSE(ucs::auth::base64_decode("YWdlbnQ").has_value());   // bad length
    CHECK_FALSE(ucs::auth::base64_decode("YWdl bnQ=").has_value()); // whitespace
    CHECK_FALSE(ucs::auth::base64_decode("YWdlbnR=").has_value());  // non-zero padding bits
}

TEST_CASE("sha1, sha256 and hmac-sha256 match their published test vectors", "[auth]") {
    CHECK(hex(ucs::auth::as_bytes([] {
              ucs::auth::Sha1 h;
              h.update("abc");
              return h.finish();
          }())) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex(ucs::auth::as_bytes(ucs::auth::sha256("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test cases 2 and 6 (a key longer than the block).
    CHECK(hex(ucs::auth::as_bytes(ucs::auth::hmac_sha256("Jefe", "what do ya want for nothing?"))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex(ucs::auth::as_bytes(ucs::auth::hmac_sha256(
              std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"))) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("sso token of a user whose name ends in 0 does not log in the shorter name", "[auth]") {
    // "agent0" + "1700000000" reads as "agent" + "01700000000": the same bytes, the same number.
    const std::string token = make_sso_token("demo-sso-secret", "agent0", issued_at);
    CHECK(verify_sso_token(token, "demo-sso-secret", "agent0", issued_at).has_value());
    const auto verified = verify_sso_token(token, "demo-sso-secret", "agent", issued_at);
    REQUIRE_FALSE(verified.has_value());
    CHECK(verified.error() == SsoError::malformed);
}
