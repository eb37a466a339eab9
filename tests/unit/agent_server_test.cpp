// The agent engine against the real server engine, in memory on one fake clock: the documented
// callbacks, in order, with documented arguments; reconnects; every promise settles once.
#include "core/auth/sso.hpp"
#include "core/json.hpp"
#include "core/model.hpp"
#include "support/agent_harness.hpp"

#include <catch2/catch.hpp>

namespace json = boost::json;
using ucs::test::AgentHarness;

namespace {

using Names = std::vector<std::string>;

std::string sso_token(AgentHarness& h, const std::string& user) {
    return ucs::auth::make_sso_token("demo-sso-secret", user, h.server().now_seconds());
}

ucs::Call call_arg(const AgentHarness::Callback& callback) {
    auto call = ucs::from_json<ucs::Call>(callback.args.at(0));
    INFO(json::serialize(callback.args));
    REQUIRE(call.has_value());
    return *call;
}

// Logs agent1 in by SSO with the URL identifier 101 and waits for onReady.
void ready_by_sso(AgentHarness& h) {
    h.call("sso", {"agent1", sso_token(h, "agent1"), "Test CRM"});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
}

json::object url_identifier_config() { return json::object{{"identifyURL", true}, {"headless", true}}; }
ucs::agent::Environment url_identifier(std::string identifier = "101") {
    ucs::agent::Environment environment;
    environment.url_identifier = std::move(identifier);
    return environment;
}

}  // namespace

TEST_CASE("the bar connects, reports its version and asks for credentials", "[agent][flow]") {
    AgentHarness h;
    auto callbacks = h.take_callbacks();
    REQUIRE(callbacks.size() == 2);
    CHECK(callbacks[0].name == "onConnect");
    CHECK(callbacks[0].args.at(0) == "4.0.0");
    CHECK(callbacks[1].name == "onCredentials");
    CHECK(h.agent().app_state() == ucs::agent::AppState::CREDENTIALS);
}

TEST_CASE("sso login with the URL identifier goes through onUser, onIdentifier, onDevice to onReady", "[agent][flow]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    h.take_callbacks();
    const auto promise = h.call("sso", {"agent1", sso_token(h, "agent1"), "Test CRM"});
    CHECK(h.take_callback_names() == Names{"onUser", "onIdentifier", "onDevice", "onReady"});
    REQUIRE(h.settled(promise));
    CHECK(h.settled(promise)->first);
    auto state = h.agent().state();
    REQUIRE(state.is_object());
    CHECK(state.at("device").at("identifier") == "101");
    CHECK(state.at("ringingSound") == "default");
    auto ready = ucs::from_json<ucs::ReadyState>(state);
    CHECK(ready.has_value());
    CHECK(h.cookies().at("ucsOperatorIdentifier") == "101");
}

TEST_CASE("password login runs SCRAM inside the engine", "[agent][flow]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.take_callbacks();
    const auto promise = h.call("login", {"agent1", "demo", false});
    REQUIRE(h.settled(promise));
    CHECK(h.settled(promise)->first);
    CHECK(h.settled(promise)->second.at("displayname") == "Alice Nováková");
    CHECK(h.take_callback_names() == Names{"onUser", "onReady"});
}

TEST_CASE("a wrong password calls onLoginError and shows the error under the form", "[agent][flow]") {
    AgentHarness h;
    h.take_callbacks();
    const auto promise = h.call("login", {"agent1", "wrong", false});
    auto error = h.last("onLoginError");
    REQUIRE(error);
    CHECK(error->args.at(0) == -32002);
    CHECK(error->args.at(1) == "invalid username or password");
    CHECK_FALSE(h.settled(promise)->first);
    CHECK(h.settled(promise)->second.at("code") == "BAD_CREDENTIALS");
    REQUIRE(h.agent().notifications().size() == 1);
    CHECK(h.agent().notifications()[0].bound_state == ucs::agent::AppState::CREDENTIALS);
}

TEST_CASE("login with remember stores username and token in a cookie, never the password", "[agent][flow]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.call("login", {"agent1", "demo", true});
    REQUIRE(h.cookies().contains("ucsOperatorRemember"));
    const std::string cookie = h.cookies().at("ucsOperatorRemember");
    CHECK(cookie.rfind("agent1 ", 0) == 0);
    CHECK(cookie.find("demo") == std::string::npos);
}

TEST_CASE("autologin false leaves a remembered login to the form", "[agent][flow]") {
    ucs::agent::Environment environment;
    environment.cookies["ucsOperatorRemember"] = "agent1 sometoken";
    AgentHarness h(json::object{{"autologin", false}}, environment);
    CHECK(h.agent().app_state() == ucs::agent::AppState::CREDENTIALS);
    CHECK_FALSE(h.last("onLoginError"));
    CHECK_FALSE(h.last("onUser"));
}

TEST_CASE("autologin with a stale remember cookie reports the login error and drops the cookie", "[agent][flow]") {
    ucs::agent::Environment environment;
    environment.cookies["ucsOperatorRemember"] = "agent1 revokedtoken";
    AgentHarness h(json::object{{"autologin", true}}, environment);
    auto error = h.last("onLoginError");
    REQUIRE(error);
    CHECK(error->args.at(1) == "remembered login is no longer valid");
    CHECK(h.agent().app_state() == ucs::agent::AppState::CREDENTIALS);
    // The harness only records cookies the agent writes: the deletion is a write with max-age 0.
    CHECK_FALSE(h.cookies().contains("ucsOperatorRemember"));
}

TEST_CASE("listDevices offers the phones with onIdentify and a bad identifier says so", "[agent][flow]") {
    AgentHarness h(json::object{{"listDevices", true}});
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    auto identify = h.last("onIdentify");
    REQUIRE(identify);
    CHECK(identify->args.at(0).as_array().size() == 8);  // desk phones 101-104, softphones 201-204
    const auto promise = h.call("selectIdentifier", {"cisco"});
    CHECK_FALSE(h.settled(promise)->first);
    CHECK(h.settled(promise)->second.at("code") == "BAD_IDENTIFIER");
    CHECK(h.agent().app_state() == ucs::agent::AppState::IDENTIFY);
    bool shown = false;
    for (const auto& n : h.agent().notifications()) shown |= n.title == "Bad identifier: cisco";
    CHECK(shown);
    h.call("identifier", {"102"});
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
}

TEST_CASE("confirmDevice waits in DEVICE until provision", "[agent][flow]") {
    AgentHarness h(json::object{{"identifyURL", true}, {"confirmDevice", true}}, url_identifier());
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    CHECK(h.agent().app_state() == ucs::agent::AppState::DEVICE);
    CHECK_FALSE(h.last("onReady"));
    h.call("provision");
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
    CHECK(h.last("onReady"));
}

TEST_CASE("identifyIP pairs the phone bound to the client address", "[agent][flow]") {
    AgentHarness h(json::object{{"identifyIP", true}});
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    auto identifier = h.last("onIdentifier");
    REQUIRE(identifier);
    CHECK(identifier->args.at(0) == "101");
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
}

TEST_CASE("identifyCookie pairs the phone used last time", "[agent][flow]") {
    ucs::agent::Environment environment;
    environment.cookies["ucsOperatorIdentifier"] = "103";
    AgentHarness h(json::object{{"identifyCookie", true}}, environment);
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    CHECK(h.agent().state().at("device").at("identifier") == "103");
}

TEST_CASE("withoutDevice skips pairing and call control rejects NO_DEVICE", "[agent][flow]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
    const auto promise = h.call("dial", {"601234567"});
    CHECK(h.settled(promise)->second.at("code") == "NO_DEVICE");
}

TEST_CASE("a queue call produces onCallRinging, onCallConnect and onCallHangup with documented calls", "[agent][calls]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    h.take_callbacks();
    const std::string uniqueid = h.ring_queue(1);
    h.advance(2'000);
    h.call("answer");
    h.advance(10'000);
    h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");
    std::vector<AgentHarness::Callback> calls;
    for (auto& c : h.take_callbacks())
        if (c.name.rfind("onCall", 0) == 0) calls.push_back(c);
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].name == "onCallRinging");
    CHECK(calls[1].name == "onCallConnect");
    CHECK(calls[2].name == "onCallHangup");
    CHECK(call_arg(calls[0]).uniqueid == uniqueid);
    CHECK(call_arg(calls[2]).cause == ucs::HangupCause::caller_hung_up);
    CHECK(h.agent().state().at("call").is_null());
}

TEST_CASE("a frozen page tells ucsd, whose ACD keeps its queue calls until the page resumes", "[agent][page-life]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    h.agent().page_frozen(true, h.server().now());
    h.pump();
    h.take_callbacks();
    h.ring_queue(1);
    h.advance(2'000);
    CHECK_FALSE(h.last("onCallRinging"));
    h.agent().page_frozen(false, h.server().now());
    h.pump();
    CHECK(h.last("onCallRinging"));
}

TEST_CASE("dial produces onCallNew, onCallRinging and onCallConnect", "[agent][calls]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.take_callbacks();
    const auto promise = h.call("dial", {"0800123456"});
    CHECK(h.settled(promise)->first);
    h.advance(2'000);
    Names names;
    for (auto& name : h.take_callback_names())
        if (name.rfind("onCall", 0) == 0) names.push_back(name);
    CHECK(names == Names{"onCallNew", "onCallRinging", "onCallConnect"});
}

TEST_CASE("changeStatus AUX Lunch produces onStateChange", "[agent][status]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.take_callbacks();
    const auto promise = h.call("changeStatus", {"AUX", "Lunch"});
    CHECK(h.settled(promise)->first);
    auto change = h.last("onStateChange");
    REQUIRE(change);
    CHECK(change->args.at(0) == json::object{{"status", "AUX"}, {"reason", "Lunch"}});
    CHECK(h.agent().state().at("status") == "AUX");
}

TEST_CASE("a method in a forbidden state warns, does nothing on the server and rejects", "[agent][methods]") {
    AgentHarness h;
    h.take_callbacks();
    const auto promise = h.call("dial", {"601234567"});
    CHECK(h.settled(promise)->second == json::object{{"code", "INVALID_STATE"}, {"message", "dial is not allowed in state CREDENTIALS"}});
    CHECK(h.take_callback_names() == Names{"onWarning"});
}

TEST_CASE("wrong argument types are refused with a warning naming the argument", "[agent][methods]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.take_callbacks();
    auto promise = h.call("changeStatus", {42});
    CHECK(h.settled(promise)->second.at("message") == "changeStatus: argument 1 should be a string");
    promise = h.call("dial", {"601234567", "sideways"});
    CHECK(h.settled(promise)->second.at("code") == "INVALID_ARGUMENT");
    promise = h.call("suspend", {});
    CHECK(h.settled(promise)->second.at("message") == "suspend: argument 1 is required");
    promise = h.call("changeStatus", {"AUX", "Nap"});
    CHECK(h.settled(promise)->second.at("code") == "INVALID_PARAMS");
}

TEST_CASE("after a dropped connection the bar resumes with exactly the missed events", "[agent][reconnect]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    const std::string uniqueid = h.ring_queue(1);
    h.call("answer");
    h.take_callbacks();

    h.set_unreachable(true);
    h.drop_connection();
    CHECK(h.last("onWarning"));
    h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");  // happens while we are away
    h.advance(3'000);  // a few failed attempts with back-off
    CHECK_FALSE(h.socket_open());
    h.set_unreachable(false);
    h.advance(30'000);
    REQUIRE(h.socket_open());
    // Missed while away: the hangup, wrap-up and the end of wrap-up; each exactly once, in order.
    std::vector<std::string> seen;
    for (auto& c : h.take_callbacks()) {
        if (c.name == "onCallHangup") seen.push_back("hangup");
        if (c.name == "onStateChange") seen.push_back(std::string(c.args.at(0).at("status").as_string()));
    }
    CHECK(seen == Names{"hangup", "ACW", "READY"});
    CHECK(h.agent().state().at("status") == "READY");
    CHECK(h.agent().state().at("call").is_null());
}

TEST_CASE("a resume too late for the buffer rebuilds from the snapshot", "[agent][reconnect]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.resume_buffer_events = 1;
    AgentHarness h(url_identifier_config(), url_identifier(), config);
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    h.take_callbacks();
    h.set_unreachable(true);
    h.drop_connection();
    h.ring_queue(1);
    h.ring_queue(2);
    h.set_unreachable(false);
    h.advance(5'000);
    REQUIRE(h.socket_open());
    auto ringing = h.last("onCallRinging");
    REQUIRE(ringing);
    CHECK(h.agent().state().at("call").at("state") == 2);
}

TEST_CASE("when the server forgot the session the bar logs in again from the remember cookie", "[agent][reconnect]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.call("login", {"agent1", "demo", true});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
    h.set_unreachable(true);
    h.drop_connection();
    h.advance(200'000);  // longer than the server's session grace
    h.set_unreachable(false);
    h.take_callbacks();
    h.advance(31'000);
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
    auto names = h.take_callback_names();
    CHECK(std::find(names.begin(), names.end(), "onReady") != names.end());
}

TEST_CASE("a ringing call with data.crm_url opens it when crmAutoOpen is on", "[agent][calls]") {
    json::object config = url_identifier_config();
    config["crmAutoOpen"] = true;
    AgentHarness h(config, url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601000111","queue":1,"data":{"crm_url":"https://crm.example/c/9"}})");
    REQUIRE(h.opened_urls().size() == 1);
    CHECK(h.opened_urls()[0] == "https://crm.example/c/9");
}

TEST_CASE("selectRingingSound accepts the documented sounds only", "[agent][methods]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    CHECK(h.settled(h.call("selectRingingSound", {"rush"}))->first);
    CHECK(h.agent().state().at("ringingSound") == "rush");
    CHECK_FALSE(h.settled(h.call("selectRingingSound", {"disco"}))->first);
}

TEST_CASE("logout returns to credentials and forgets the remember cookie", "[agent][flow]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.call("login", {"agent1", "demo", true});
    h.take_callbacks();
    CHECK(h.settled(h.call("logout"))->first);
    CHECK(h.agent().app_state() == ucs::agent::AppState::CREDENTIALS);
    CHECK_FALSE(h.cookies().contains("ucsOperatorRemember"));
    CHECK(h.last("onCredentials"));
}

TEST_CASE("the view enables exactly the call buttons the call's state allows", "[agent][view]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    auto actions = [&] { return h.agent().view(h.server().now()).at("actions").as_object(); };
    CHECK(actions().at("dial") == true);
    CHECK(actions().at("answer") == false);
    CHECK(actions().at("hangup") == false);
    h.ring_queue(1);
    CHECK(actions().at("answer") == true);
    CHECK(actions().at("hold") == false);
    h.call("answer");
    CHECK(actions().at("answer") == false);
    CHECK(actions().at("hold") == true);
    CHECK(actions().at("transfer") == true);
    CHECK(actions().at("dial") == false);
    h.call("hold");
    CHECK(actions().at("unhold") == true);
    CHECK(actions().at("hold") == false);
    CHECK(actions().at("dial") == true);
}

TEST_CASE("the view counts wrap-up down and opens the account codes after a call", "[agent][view]") {
    json::object config = url_identifier_config();
    config["autoOpenAccountCode"] = true;
    AgentHarness h(config, url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    const std::string uniqueid = h.ring_queue(1);
    h.call("answer");
    h.call("hangup");
    auto view = h.agent().view(h.server().now());
    CHECK(view.at("status") == "ACW");
    CHECK(view.at("acwRemaining") == 10);
    CHECK(view.at("accountCodeFor") == uniqueid.c_str());
    h.advance(4'000);
    CHECK(h.agent().view(h.server().now()).at("acwRemaining") == 6);
    h.call("closeAccountCode");
    CHECK(h.agent().view(h.server().now()).at("accountCodeFor").is_null());
}

TEST_CASE("notifications bound to a state show only in that state", "[agent][view]") {
    AgentHarness h;
    h.call("notify", {"Bad password", "error", true, nullptr, "CREDENTIALS"});
    h.call("notify", {"Welcome", "info"});
    CHECK(h.agent().view(h.server().now()).at("notifications").as_array().size() == 2);
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    auto shown = h.agent().view(h.server().now()).at("notifications").as_array();
    REQUIRE(shown.size() == 1);
    CHECK(shown[0].at("title") == "Welcome");
}

TEST_CASE("the call history filter is debounced by 500 ms when asked", "[agent][view]") {
    json::object config = url_identifier_config();
    config["debounceRequests"] = true;
    AgentHarness h(config, url_identifier());
    ready_by_sso(h);
    h.call("dial", {"601555123"});
    h.call("hangup");
    const auto first = h.call("history", {json::object{{"number", "6"}}});
    h.advance(300);
    const auto second = h.call("history", {json::object{{"number", "601"}}});
    CHECK(h.settled(first));  // superseded at once
    h.advance(499);
    CHECK_FALSE(h.settled(second));
    h.advance(1);
    REQUIRE(h.settled(second));
    CHECK(h.settled(second)->second.as_array().size() == 1);
    CHECK(h.agent().view(h.server().now()).at("history").as_array().size() == 1);
}

TEST_CASE("recordingUrl resolves with ucsd's signed path on the api.recording service", "[agent][recording]") {
    json::object config = url_identifier_config();
    config["api"] = json::object{{"hostname", "127.0.0.1"}, {"port", 8080}, {"secure", false},
                                 {"recording", json::object{{"hostname", "rec.example"}, {"port", 443}, {"secure", true}, {"path", "/ucs/"}}}};
    AgentHarness h(config, url_identifier());
    ready_by_sso(h);
    const auto dialled = h.call("dial", {"601555123"});
    REQUIRE(h.settled(dialled));
    const std::string uniqueid(h.settled(dialled)->second.at("uniqueid").as_string());
    h.call("hangup");
    const auto promise = h.call("recordingUrl", {uniqueid});
    REQUIRE(h.settled(promise));
    INFO(json::serialize(h.settled(promise)->second));
    REQUIRE(h.settled(promise)->first);
    const std::string url(h.settled(promise)->second.at("url").as_string());
    CHECK(url.starts_with("https://rec.example/ucs/recordings/" + uniqueid + "?token="));
    CHECK(h.settled(promise)->second.at("expires").as_int64() > h.server().now() / 1000);
}

TEST_CASE("an sso login with a provider arms the logout beacon unless disabled", "[agent][unload]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    CHECK(h.beacon().url == "http://127.0.0.1:8080/api/v1.0/session/logout");
    CHECK(json::parse(h.beacon().body).at("session").is_string());
    h.call("logout");
    CHECK(h.beacon().url.empty());

    json::object config = url_identifier_config();
    config["disableIntegratedAutoLogout"] = true;
    AgentHarness disabled(config, url_identifier());
    ready_by_sso(disabled);
    CHECK(disabled.beacon().url.empty());
}

TEST_CASE("agents in AUX hear about new waiting callers when notifyWaitingCallers is on", "[agent][view]") {
    json::object config = url_identifier_config();
    config["notifyWaitingCallers"] = true;
    AgentHarness h(config, url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"AUX", "Lunch"});
    h.ring_queue(1);
    REQUIRE(h.system_notifications().size() == 1);
    CHECK(h.system_notifications()[0] == "Ve vašich frontách čeká 1 volající");  // agent1's locale is cs
    h.call("changeStatus", {"READY"});  // the caller now rings this agent: no new alert
    CHECK(h.system_notifications().size() == 1);
}

TEST_CASE("in a Czech bar the texts the engine and ucsd make are Czech, and CRMs keep their codes", "[agent][view][texts]") {
    AgentHarness h(json::object{{"listDevices", true}, {"lang", "en"}, {"notifyWaitingCallers", true}});
    h.call("sso", {"agent1", sso_token(h, "agent1")});  // agent1's locale (cs) wins over the page's lang
    const auto promise = h.call("selectIdentifier", {"cisco"});
    CHECK(h.settled(promise)->second.at("code") == "BAD_IDENTIFIER");
    auto titles = [&] {
        std::vector<std::pair<std::string, std::string>> shown;
        const json::value view = h.agent().view(h.server().now());
        for (const auto& n : view.at("notifications").as_array()) {
            shown.emplace_back(n.at("title").as_string(), n.at("code").is_string() ? std::string(n.at("code").as_string()) : "");
        }
        return shown;
    };
    CHECK(titles() == std::vector<std::pair<std::string, std::string>>{{"Neplatný identifikátor: cisco", "BAD_IDENTIFIER"}});
    h.call("identifier", {"102"});
    h.call("changeStatus", {"AUX", "Lunch"});
    h.ring_queue(1);
    h.ring_queue(1, "601000002");
    h.ring_queue(1, "601000003");
    CHECK(h.system_notifications().back() == "Ve vašich frontách čekají 3 volající");
    CHECK(titles().back() == std::pair<std::string, std::string>{"Ve vašich frontách čekají 3 volající", "WAITING_CALLERS"});
}

TEST_CASE("a login refused by ucsd is explained in the bar's language", "[agent][view][texts]") {
    AgentHarness h(json::object{{"lang", "cs"}});
    const auto promise = h.call("login", {"agent1", "wrong"});
    CHECK(h.settled(promise)->second.at("code") == "BAD_CREDENTIALS");  // the CRM's code stays
    auto shown = h.agent().view(h.server().now()).at("notifications").as_array();
    REQUIRE(shown.size() == 1);
    CHECK(shown[0].at("title") == "Nesprávné uživatelské jméno nebo heslo.");
    CHECK(shown[0].at("code") == "BAD_CREDENTIALS");
}

TEST_CASE("a heartbeat without an answer drops the connection and reconnects", "[agent][reconnect]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.set_unreachable(false);
    h.take_callbacks();
    // The server stops answering (a half-open TCP connection): frames to it vanish.
    h.blackhole(true);
    h.advance(31'000);  // one heartbeat sent, the next finds it unanswered
    CHECK(h.last("onWarning"));
    h.blackhole(false);
    h.advance(40'000);
    CHECK(h.socket_open());
    CHECK(h.agent().app_state() == ucs::agent::AppState::READY);
}

TEST_CASE("fractional numbers are refused where whole ones belong", "[agent][methods]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    auto promise = h.call("suspend", {1.5});
    CHECK(h.settled(promise)->second.at("message") == "suspend: argument 1 should be a whole number");
    promise = h.call("notify", {"x", "info", false, 1.5});
    CHECK(h.settled(promise)->first);
}

TEST_CASE("without listDevices onIdentify still gets its argument, an empty list", "[agent][flow]") {
    AgentHarness h;
    h.call("sso", {"agent1", sso_token(h, "agent1")});
    auto identify = h.last("onIdentify");
    REQUIRE(identify);
    REQUIRE(identify->args.size() == 1);
    CHECK(identify->args[0] == json::array{});
}

TEST_CASE("every promise settles when the connection drops with requests in flight", "[agent][reconnect]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    h.blackhole(true);  // the sso request goes out but never comes back
    const auto promise = h.call("sso", {"agent1", sso_token(h, "agent1")});
    CHECK_FALSE(h.settled(promise));
    h.blackhole(false);
    h.drop_connection();
    REQUIRE(h.settled(promise));
    CHECK(h.settled(promise)->second.at("code") == "NETWORK_ERROR");
}

TEST_CASE("a call made while disconnected and rejected is not carried out after the reconnect", "[agent][reconnect]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.set_unreachable(true);
    h.drop_connection();
    const auto promise = h.call("dial", {"601555123"});
    h.advance(2'000);  // a failed reconnect attempt rejects it
    REQUIRE(h.settled(promise));
    CHECK_FALSE(h.settled(promise)->first);
    h.set_unreachable(false);
    h.advance(30'000);
    REQUIRE(h.socket_open());
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
}

TEST_CASE("identify refused by the server rejects its promise", "[agent][methods]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("changeStatus", {"READY"});
    h.ring_queue(1);
    h.call("answer");
    const auto promise = h.call("identify");
    REQUIRE(h.settled(promise));
    CHECK(h.settled(promise)->second.at("code") == "INVALID_STATE");
}

TEST_CASE("a second login while one is in flight is refused, not mixed up", "[agent][methods]") {
    AgentHarness h(json::object{{"withoutDevice", true}});
    h.blackhole(true);
    const auto first = h.call("login", {"agent1", "demo", false});
    const auto second = h.call("login", {"agent1", "demo", false});
    REQUIRE(h.settled(second));
    CHECK(h.settled(second)->second.at("code") == "INVALID_STATE");
    CHECK_FALSE(h.settled(first));
}

TEST_CASE("a malformed call event from the server is refused and the view still renders", "[agent][calls]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.take_callbacks();
    h.agent().socket_message(R"({"jsonrpc":"2.0","method":"call.new","params":{"seq":999,"call":{"uniqueid":"x"}}})", h.server().now());
    h.pump();
    auto warning = h.last("onWarning");
    REQUIRE(warning);
    CHECK(std::string(warning->args.at(0).as_string()).find("invalid call") != std::string::npos);
    CHECK_FALSE(h.last("onCallNew"));
    CHECK_NOTHROW(h.agent().view(h.server().now()));
    CHECK(h.agent().state().at("call").is_null());
}

TEST_CASE("suspending a queue shows in the user's queues at once", "[agent][view]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("suspend", {1});
    CHECK(h.agent().view(h.server().now()).at("user").at("queues").at("1").at("suspended") == true);
    CHECK(h.last("onAgentSuspend")->args.at(0) == 1);
    h.call("resume", {1});
    CHECK(h.agent().view(h.server().now()).at("user").at("queues").at("1").at("suspended") == false);
}

TEST_CASE("the view says whether the agent's own side of the call is muted", "[agent][view]") {
    AgentHarness h(url_identifier_config(), url_identifier());
    ready_by_sso(h);
    h.call("dial", {"601555123"});  // the agent is the caller here
    h.advance(2'000);
    h.call("mute");
    auto view = h.agent().view(h.server().now());
    CHECK(view.at("muted") == true);
    CHECK(view.at("calls").at(0).at("agentMuted") == true);
    h.call("mute");
    CHECK(h.agent().view(h.server().now()).at("muted") == false);
}
