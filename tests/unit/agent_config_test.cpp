// The agent engine's own rules that need no server: config parsing, api derivation, the method
// table. Runs natively and as wasm under node.
#include "agent/agent.hpp"
#include "agent/config.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

namespace json = boost::json;
using ucs::agent::Config;
using ucs::agent::Origin;
using ucs::agent::parse_config;

namespace {

Config parse(const char* text, std::vector<std::string>& warnings, Origin origin = {}) {
    return parse_config(json::parse(text).as_object(), origin, warnings);
}

class FixedRandom final : public ucs::agent::RandomSource {
public:
    std::string bytes(std::size_t count) override { return std::string(count, '\x42'); }
};

}  // namespace

TEST_CASE("the documented snippet's config parses without warnings", "[agent][config]") {
    std::vector<std::string> warnings;
    const Config config = parse(R"({"api":{"hostname":"ucs.zakaznik.cz","port":443},"renderTo":"ucsOperator",
        "headless":false,"autologin":true,"listDevices":true,"confirmDevice":false,"crmAutoOpen":true})",
                                warnings);
    CHECK(warnings.empty());
    CHECK(config.renderTo == "ucsOperator");
    CHECK(config.autologin);
    CHECK(config.listDevices);
    CHECK(config.crmAutoOpen);
    CHECK(config.api.secure);  // port 443 means TLS
    CHECK(config.websocket_url() == "wss://ucs.zakaznik.cz/ws");
}

TEST_CASE("defaults are the documented ones", "[agent][config]") {
    std::vector<std::string> warnings;
    const Config config = parse("{}", warnings);
    CHECK(warnings.empty());
    CHECK(config.renderTo == "app");
    CHECK(config.lang == "en");
    CHECK_FALSE(config.headless);
    CHECK_FALSE(config.autologin);
    CHECK_FALSE(config.withoutDevice);
    CHECK_FALSE(config.legacyStartup);
}

TEST_CASE("api comes from the script's URL when unset", "[agent][config]") {
    std::vector<std::string> warnings;
    Config config = parse("{}", warnings, Origin{"https://ucs.example:8443/operator/operator-v4.0.0.js", "http://crm.example/"});
    CHECK(config.websocket_url() == "wss://ucs.example:8443/ws");
    config = parse("{}", warnings, Origin{"http://127.0.0.1:8080/operator/operator.js", "http://localhost:3000/crm"});
    CHECK(config.websocket_url() == "ws://127.0.0.1:8080/ws");
    config = parse("{}", warnings, Origin{"", "https://crm.example/page"});
    CHECK(config.websocket_url() == "wss://crm.example/ws");
    CHECK(warnings.empty());
}

TEST_CASE("api.ws overrides the websocket endpoint and ports may be strings", "[agent][config]") {
    std::vector<std::string> warnings;
    const Config config = parse(R"({"api":{"hostname":"ucs","port":"8080","secure":false,
        "ws":{"hostname":"ws.ucs","port":"9000","path":"/agent/ws"}}})",
                                warnings);
    CHECK(warnings.empty());
    CHECK(config.websocket_url() == "ws://ws.ucs:9000/agent/ws");
}

TEST_CASE("a parameter of the wrong type warns and keeps the default", "[agent][config]") {
    std::vector<std::string> warnings;
    const Config config = parse(R"({"headless":"yes","renderTo":42,"api":{"port":"http"}})", warnings);
    CHECK_FALSE(config.headless);
    CHECK(config.renderTo == "app");
    REQUIRE(warnings.size() == 3);
    CHECK(warnings[0] == "ucsOperator: parameter \"api.port\" should be a port number, got a string; using the default");
    CHECK(warnings[1] == "ucsOperator: parameter \"renderTo\" should be a string, got a number; using the default");
    CHECK(warnings[2] == "ucsOperator: parameter \"headless\" should be a boolean, got a string; using the default");
}

TEST_CASE("a port number out of range or not whole warns and keeps the default", "[agent][config]") {
    // 1e300 once reached a double-to-int64 cast (undefined behaviour; UBSan aborts the native-asan build).
    std::vector<std::string> none;
    const std::string default_port = parse(R"({"api":{"hostname":"ucs"}})", none).api.port;
    for (const char* port : {"1e300", "-1e300", "9.3e18", "65536", "0", "443.5", "-0.0", "1e-300"}) {
        CAPTURE(port);
        std::vector<std::string> warnings;
        const Config config =
            parse((std::string(R"({"api":{"hostname":"ucs","port":)") + port + "}}").c_str(), warnings);
        REQUIRE(warnings.size() == 1);
        CHECK(warnings[0] ==
              "ucsOperator: parameter \"api.port\" should be a port number, got a number; using the default");
        CHECK(config.api.port == default_port);
    }
    std::vector<std::string> warnings;
    CHECK(parse(R"({"api":{"hostname":"ucs","port":8443.0}})", warnings).api.port == "8443");
    CHECK(warnings.empty());
}

TEST_CASE("an unknown parameter warns, callbacks do not", "[agent][config]") {
    std::vector<std::string> warnings;
    parse(R"({"onReady":null,"onCallRinging":null,"autoLogin":true})", warnings);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "ucsOperator: unknown parameter \"autoLogin\" is ignored");
}

TEST_CASE("an unsupported language falls back to English with a warning", "[agent][config]") {
    std::vector<std::string> warnings;
    CHECK(parse(R"({"lang":"cs"})", warnings).lang == "cs");
    CHECK(warnings.empty());
    CHECK(parse(R"({"lang":"de"})", warnings).lang == "en");
    CHECK(warnings.size() == 1);
}

TEST_CASE("every documented method and alias is installed", "[agent][methods]") {
    const auto& names = ucs::agent::method_names();
    for (const char* documented : {"login", "sso", "logout", "identifier", "selectIdentifier", "provision", "identify",
                                   "changeStatus", "suspend", "resume", "answer", "dial", "hangup", "transfer",
                                   "finishTransfer", "blindTransfer", "tribute", "hold", "unhold", "mute", "notify",
                                   "state", "setAccountCode", "selectRingingSound", "testRingingSound",
                                   "stopRingingSoundTest"}) {
        INFO(documented);
        CHECK(std::find(names.begin(), names.end(), documented) != names.end());
    }
}

TEST_CASE("a method called before the bar connects waits, and is refused with INVALID_STATE only if it never does", "[agent][methods]") {
    FixedRandom random;
    std::vector<std::string> warnings;
    ucs::agent::Agent agent(parse("{}", warnings), {}, random);
    agent.start(0);
    agent.take_effects();
    agent.call("login", json::array{"agent1", "demo"}, 7, 0);
    for (auto& effect : agent.take_effects()) CHECK_FALSE(std::holds_alternative<ucs::agent::SettlePromise>(effect));
    agent.timer_fired(ucs::agent::Timer::early_calls, 30'000);
    bool warned = false;
    bool rejected = false;
    for (auto& effect : agent.take_effects()) {
        if (auto* callback = std::get_if<ucs::agent::FireCallback>(&effect)) {
            warned |= callback->name == "onWarning" && callback->args[0] == "login waited 30 s for the bar to connect to UCS in vain";
        }
        if (auto* settle = std::get_if<ucs::agent::SettlePromise>(&effect)) {
            rejected = settle->promise == 7 && !settle->ok && settle->value.at("code") == "INVALID_STATE";
        }
    }
    CHECK(warned);
    CHECK(rejected);
}

TEST_CASE("notify works in any state and fills placeholders", "[agent][notify]") {
    FixedRandom random;
    std::vector<std::string> warnings;
    ucs::agent::Agent agent(parse("{}", warnings), {}, random);
    agent.start(0);
    agent.call("notify", json::array{"Bad identifier: {identifier}", "error", true, nullptr, nullptr, "identify",
                                     json::object{{"values", json::object{{"identifier", "cisco"}}}}},
               1, 0);
    agent.call("notify", json::array{json::object{{"title", "Bad identifier: {identifier}"}, {"type", "error"}, {"unique", true},
                                                  {"group", "identify"}, {"other", json::object{{"values", json::object{{"identifier", "cisco"}}}}}}},
               2, 0);
    REQUIRE(agent.notifications().size() == 1);  // unique replaced the first
    CHECK(agent.notifications()[0].title == "Bad identifier: cisco");
    agent.call("notify", json::array{"Saved", "success", false, 3000}, 3, 0);
    REQUIRE(agent.notifications().size() == 2);
    agent.timer_fired(ucs::agent::Timer::notification_expiry, 3000);
    CHECK(agent.notifications().size() == 1);
}
