// The contact-centre engine on a fake clock: every rule of issue "ucsd" that does not need a socket.
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/utf8.hpp"
#include "support/engine_harness.hpp"

#include <catch2/catch.hpp>

using ucs::test::Client;
using ucs::test::Harness;
namespace json = boost::json;
namespace method = ucs::protocol::method;

namespace {

ucs::Call call_of(const json::object& params) {
    auto call = ucs::from_json<ucs::Call>(params.at("call"));
    INFO(json::serialize(params));
    REQUIRE(call.has_value());
    return *call;
}

std::string error_code(const json::object& error) { return std::string(error.at("data").at("code").as_string()); }

// ---- fixtures: the set-ups most cases start from ------------------------------------------------

// A connection that said hello: a session in CREDENTIALS.
struct GreetedClient {
    Harness h;
    Client& c = h.connect();
    GreetedClient() { c.hello(); }
};

// agent1 logged in by SSO, in IDENTIFY.
struct LoggedInClient : GreetedClient {
    LoggedInClient() { c.login_sso("agent1"); }
};

// agent1 READY on phone 101 (ready_agent: hello, SSO, pair, provision, READY).
struct ReadyClient {
    Harness h;
    Client& c = h.connect();
    ReadyClient() { c.ready_agent("agent1", "101"); }
};

// Alice (agent1) READY on 101.
struct AliceReady {
    Harness h;
    Client& alice = h.connect();
    AliceReady() { alice.ready_agent("agent1", "101"); }
};

// Bob (agent2) READY on 102.
struct BobReady {
    Harness h;
    Client& bob = h.connect();
    BobReady() { bob.ready_agent("agent2", "102"); }
};

// Alice on 101, then Bob on 102, both READY.
struct AliceAndBobReady : AliceReady {
    Client& bob = h.connect();
    AliceAndBobReady() { bob.ready_agent("agent2", "102"); }
};

// Bob READY five seconds before Alice: Bob has been idle longer.
struct BobThenAliceReady : BobReady {
    Client& alice = connect_later();
    BobThenAliceReady() { alice.ready_agent("agent1", "101"); }

private:
    Client& connect_later() {
        h.advance(5'000);
        return h.connect();
    }
};

}  // namespace

TEST_CASE_METHOD(AliceReady, "a queue call rings the agent, is answered, held, resumed and hung up, then wrap-up ends by itself", "[engine][acd]") {

    const std::string uniqueid = h.ring_queue(1);
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    ucs::Call call = call_of(*ringing);
    CHECK(call.uniqueid == uniqueid);
    CHECK(call.direction == ucs::Direction::INCOMING);
    CHECK(call.state == ucs::CallState::invitation);
    CHECK(call.cause == ucs::HangupCause::not_set);
    CHECK(call.caller_number == "601234567");
    CHECK(call.caller_number_norm == "+420601234567");
    CHECK(call.caller_name == "Jan Novák");
    CHECK(call.caller_type == ucs::ChannelType::trunk);
    CHECK_FALSE(call.caller_internal);
    CHECK(call.called_number == "800100200");
    CHECK(call.called_name == "Support");
    CHECK(call.connected_username == "agent1");
    CHECK(call.connected_user_id == 1);
    CHECK(call.connected_line_id == 101);
    CHECK(call.connected_type == ucs::ChannelType::line);
    CHECK(call.connected_internal);
    CHECK(call.number == "601234567");
    CHECK(call.subcalls == 1);
    CHECK(call.recorded);
    CHECK(call.id >= 1);
    CHECK(call.created == h.now_seconds());

    h.advance(3'000);
    auto answered = alice.ok(method::answer);
    CHECK(call_of(answered.as_object()).state == ucs::CallState::connected);
    auto connect = alice.next_event("call.connect");
    REQUIRE(connect);
    CHECK(call_of(*connect).connected == h.now_seconds());

    alice.ok(method::hold);
    REQUIRE(alice.next_event("call.hold"));
    alice.ok(method::unhold);
    REQUIRE(alice.next_event("call.resume"));

    h.advance(30'000);
    alice.ok(method::hangup);
    auto hangup = alice.next_event("call.hangup");
    REQUIRE(hangup);
    call = call_of(*hangup);
    CHECK(call.cause == ucs::HangupCause::called_hung_up);
    CHECK(call.disconnected == h.now_seconds());

    auto acw = alice.next_event("agent.state");
    REQUIRE(acw);
    CHECK(acw->at("status") == "ACW");
    CHECK(acw->at("until") == h.now_seconds() + 10);
    h.advance(9'900);
    CHECK_FALSE(alice.next_event("agent.state"));
    h.advance(200);
    auto ready = alice.next_event("agent.state");
    REQUIRE(ready);
    CHECK(ready->at("status") == "READY");

    // The history row is there, and the statistics count the call.
    auto history = alice.ok(method::history).as_array();
    REQUIRE(history.size() == 1);
    CHECK(history[0].at("call").at("uniqueid") == uniqueid.c_str());
    auto user = alice.ok(method::state).at("user");
    CHECK(user.at("in_calls_answered") == 1);
    CHECK(user.at("in_talktime") == 30);
    CHECK(user.at("talktime") == 30);
    CHECK(user.at("ringtime") == 3);
    CHECK(user.at("acwtime") == 10);
    CHECK(user.at("queues").at("1").at("answered") == 1);
}

TEST_CASE_METHOD(GreetedClient, "a method outside its documented states is refused with INVALID_STATE naming the state", "[engine][protocol]") {
    auto error = c.error(method::dial, {{"number", "0800123456"}});
    CHECK(error_code(error) == "INVALID_STATE");
    CHECK(error.at("message") == "dial is not allowed in state CREDENTIALS");
    CHECK(error.at("data").at("state") == "CREDENTIALS");
    c.login_sso("agent1");
    CHECK(error_code(c.error(method::sso, {{"username", "agent1"}, {"token", "x"}})) == "INVALID_STATE");
    CHECK(error_code(c.error(method::change_status, {{"status", "READY"}})) == "INVALID_STATE");
}

TEST_CASE("requests before hello, a second hello and unknown methods are errors", "[engine][protocol]") {
    Harness h;
    Client& c = h.connect();
    CHECK(error_code(c.error(method::ping)) == "INVALID_STATE");
    CHECK(error_code(c.error(method::hello, {{"protocol", "ucs-agent/0"}})) == "UNSUPPORTED_VERSION");
    c.hello();
    CHECK(error_code(c.error(method::hello, {{"protocol", ucs::protocol::version}})) == "INVALID_STATE");
    auto unknown = c.error("teleport");
    CHECK(unknown.at("code") == -32601);
    CHECK(unknown.at("message") == "unknown method \"teleport\"");
}

TEST_CASE_METHOD(GreetedClient, "malformed frames each get a JSON-RPC error naming the problem and the connection carries on", "[engine][protocol]") {
    const std::string deep = std::string(100, '[') + std::string(100, ']');
    const std::vector<std::pair<std::string, int>> cases{
        {"not json at all", -32700},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", -32700},
        {deep, -32700},
        // Read as infinity, such a number would have gone out to other clients as "Infinity", not JSON.
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"n\":1e400}}", -32700},
        {"[1,2,3]", -32600},
        {"42", -32600},
        {"{\"id\":1,\"method\":\"ping\"}", -32600},
        {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}", -32602},
        {std::string(70'000, ' '), -32012},
    };
    for (const auto& [frame, code] : cases) {
        INFO(frame.substr(0, 60));
        c.send_raw(frame);
        REQUIRE(c.inbox().size() == 1);
        const json::object reply = c.inbox().front();
        c.inbox().pop_front();
        REQUIRE(reply.contains("error"));
        CHECK(reply.at("error").at("code") == code);
        CHECK_FALSE(reply.at("error").at("message").as_string().empty());
    }
    CHECK(c.ok(method::ping).at("now") == h.now_seconds());
    CHECK_FALSE(h.closed(c));
}

TEST_CASE_METHOD(LoggedInClient, "a parameter of the wrong type is refused naming the field", "[engine][protocol]") {
    auto error = c.error(method::identifier, {{"identifier", 101}});
    CHECK(error.at("code") == -32602);
    CHECK(error.at("message") == "params.identifier: expected a string, got an integer");
    CHECK(error.at("data").at("field") == "params.identifier");
    error = c.error(method::identifier, {});
    CHECK(error.at("message") == "params.identifier: missing");
}

TEST_CASE("sso with a fresh token logs in and the same token cannot be used twice", "[engine][auth]") {
    Harness h;
    Client& first = h.connect();
    first.hello();
    const std::string token = ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.now_seconds());
    auto result = first.ok(method::sso, {{"username", "agent1"}, {"token", token}, {"provider", "CRM"}});
    CHECK(result.at("state") == "IDENTIFY");
    CHECK(result.at("user").at("displayname") == "Alice Nováková");

    Client& second = h.connect();
    second.hello();
    auto replay = second.error(method::sso, {{"username", "agent1"}, {"token", token}, {"provider", "CRM"}});
    CHECK(error_code(replay) == "SSO_REFUSED");
    CHECK(replay.at("data").at("reason") == "replayed");
}

TEST_CASE("a used sso token is still refused after a restart", "[engine][auth]") {
    Harness h;
    Client& first = h.connect();
    first.hello();
    const std::string token = ucs::auth::make_sso_token("demo-sso-secret", "agent3", h.now_seconds());
    first.ok(method::sso, {{"username", "agent3"}, {"token", token}});
    h.restart();
    h.advance(5'000);
    Client& again = h.connect();
    again.hello();
    auto replay = again.error(method::sso, {{"username", "agent3"}, {"token", token}});
    CHECK(replay.at("data").at("reason") == "replayed");
}

TEST_CASE_METHOD(GreetedClient, "sso tokens that expired, were made for someone else or with a wrong secret are refused", "[engine][auth]") {
    auto expired = c.error(method::sso, {{"username", "agent1"},
                                         {"token", ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.now_seconds() - 301)}});
    CHECK(expired.at("data").at("reason") == "expired");
    auto wrong_secret = c.error(method::sso, {{"username", "agent1"},
                                              {"token", ucs::auth::make_sso_token("guess", "agent1", h.now_seconds())}});
    CHECK(wrong_secret.at("data").at("reason") == "bad_signature");
    auto other_user = c.error(method::sso, {{"username", "agent2"},
                                            {"token", ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.now_seconds())}});
    CHECK(other_user.at("data").at("reason") == "wrong_user");
}

TEST_CASE_METHOD(GreetedClient, "password login runs SCRAM and the server proves it knows the verifier", "[engine][auth]") {
    c.login_password("agent1", "demo");
    CHECK(c.ok(method::devices).as_array().size() == 8);  // desk phones 101-104, softphones 201-204
}

TEST_CASE_METHOD(GreetedClient, "a wrong password or an unknown user is refused alike", "[engine][auth]") {
    for (const char* username : {"agent1", "nobody"}) {
        ucs::auth::scram::Client scram(username, "wrong", "nonce123");
        auto first = c.ok(method::login, {{"username", username}, {"client_first", scram.client_first()}});
        auto client_final = scram.client_final(std::string(first.at("server_first").as_string()));
        REQUIRE(client_final.has_value());
        auto error = c.error(method::login_proof, {{"client_final", *client_final}});
        CHECK(error_code(error) == "BAD_CREDENTIALS");
        CHECK(error.at("message") == "invalid username or password");
    }
}

TEST_CASE("failed logins are rate-limited per user", "[engine][auth]") {
    Harness h;
    Client* client = &h.connect();
    client->hello();
    auto fail_once = [&] {
        Client& c = *client;
        ucs::auth::scram::Client scram("agent2", "wrong", "nonce");
        auto first = c.request(method::login, {{"username", "agent2"}, {"client_first", scram.client_first()}});
        if (first.contains("error")) return first.at("error").as_object();
        auto client_final = scram.client_final(std::string(first.at("result").at("server_first").as_string()));
        return c.error(method::login_proof, {{"client_final", *client_final}});
    };
    for (int i = 0; i < 5; ++i) CHECK(error_code(fail_once()) == "BAD_CREDENTIALS");
    auto limited = fail_once();
    CHECK(error_code(limited) == "RATE_LIMITED");
    CHECK(limited.at("data").at("retry_after").as_int64() > 0);
    h.advance(300'001);
    client = &h.connect();  // the old connection went silent and was closed
    client->hello();
    CHECK(error_code(fail_once()) == "BAD_CREDENTIALS");
}

TEST_CASE("a flood of malformed login frames from one address is not a failed login", "[engine][auth]") {
    // 1,000 malformed frames from one NAT address once locked every agent behind it out for 5 minutes.
    Harness h;
    Client& flood = h.connect("192.0.2.7");
    flood.hello();
    for (int i = 0; i < 1000; ++i) {
        switch (i % 5) {
        case 0: flood.send_raw("not json"); break;
        case 1: flood.error(method::sso, {{"username", "agent1"}, {"token", "%%% not a token"}}); break;
        case 2: flood.error(method::login, {{"username", "agent1"}, {"client_first", "garbage"}}); break;
        case 3: flood.error(method::login_proof, {{"client_final", "c=biws,r=x,p=x"}}); break;  // no login first
        case 4: {
            ucs::auth::scram::Client scram("agent1", "demo", "nonce-flood");
            flood.ok(method::login, {{"username", "agent1"}, {"client_first", scram.client_first()}});
            CHECK(error_code(flood.error(method::login_proof, {{"client_final", "garbage"}})) != "RATE_LIMITED");
            break;
        }
        }
    }
    CHECK_FALSE(h.closed(flood));
    Client& colleague = h.connect("192.0.2.7");
    colleague.hello();
    colleague.login_password("agent1", "demo");
    Client& other = h.connect("192.0.2.7");
    other.hello();
    other.login_sso("agent2");
}

TEST_CASE("sso attempts on a server without sso are not failed logins", "[engine][auth]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.sso_secret.clear();
    Harness h(config);
    Client& c = h.connect("192.0.2.8");
    c.hello();
    for (int i = 0; i < 30; ++i) {
        const auto error = c.error(method::sso, {{"username", "agent1"}, {"token", "anything"}});
        CHECK(error.at("data").at("reason") == "disabled");
    }
    c.login_password("agent1", "demo");
}

TEST_CASE_METHOD(GreetedClient, "a remember token logs in again until logout revokes it", "[engine][auth]") {
    ucs::auth::scram::Client scram("agent1", "demo", "nonce-r");
    auto first = c.ok(method::login, {{"username", "agent1"}, {"client_first", scram.client_first()}});
    auto result = c.ok(method::login_proof, {{"client_final", *scram.client_final(std::string(first.at("server_first").as_string()))},
                                             {"remember", true}});
    const std::string token(result.at("remember_token").as_string());
    CHECK(token.size() >= 40);
    CHECK(h.store().remember_token_count() == 1);
    c.ok(method::logout);
    CHECK(h.store().remember_token_count() == 0);

    Client& later = h.connect();
    later.hello();
    CHECK(error_code(later.error(method::login_remember, {{"username", "agent1"}, {"token", token}})) == "BAD_CREDENTIALS");
}

TEST_CASE_METHOD(GreetedClient, "a remember token is accepted on a new connection", "[engine][auth]") {
    ucs::auth::scram::Client scram("agent1", "demo", "nonce-r");
    auto first = c.ok(method::login, {{"username", "agent1"}, {"client_first", scram.client_first()}});
    auto result = c.ok(method::login_proof, {{"client_final", *scram.client_final(std::string(first.at("server_first").as_string()))},
                                             {"remember", true}});
    Client& other = h.connect();
    other.hello();
    auto again = other.ok(method::login_remember, {{"username", "agent1"}, {"token", result.at("remember_token")}});
    CHECK(again.at("user").at("id") == 1);
}

TEST_CASE("with autologout a second login ends the older session with a message", "[engine][auth]") {
    Harness h;
    Client& first = h.connect();
    first.ready_agent("agent1", "101");
    Client& second = h.connect();
    second.hello();
    h.advance(1'000);
    second.login_sso("agent1", true);
    auto message = first.next_event("message");
    REQUIRE(message);
    CHECK(message->at("type") == "warning");
    REQUIRE(first.next_event("session.loggedOut"));
    CHECK(error_code(first.error(method::state)) == "INVALID_STATE");
}

TEST_CASE("without autologout both sessions mirror the same agent", "[engine][auth]") {
    Harness h;
    Client& first = h.connect();
    first.ready_agent("agent1", "101");
    Client& second = h.connect();
    second.hello();
    h.advance(1'000);
    second.login_sso("agent1", false);
    second.provision();
    first.take_events();
    second.take_events();
    second.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
    auto seen = first.next_event("agent.state");
    REQUIRE(seen);
    CHECK(seen->at("reason") == "Break");
}

TEST_CASE_METHOD(LoggedInClient, "pairing by a bad identifier says Bad identifier and stays in IDENTIFY", "[engine][pairing]") {
    auto error = c.error(method::identifier, {{"identifier", "cisco"}});
    CHECK(error_code(error) == "BAD_IDENTIFIER");
    CHECK(error.at("message") == "Bad identifier: cisco");
    CHECK(error.at("data").at("identifier") == "cisco");
    CHECK(error_code(c.error(method::provision)) == "NO_DEVICE");  // still IDENTIFY, without a phone
    CHECK(c.ok(method::provision, {{"withoutDevice", true}}).at("device").is_null());
}

TEST_CASE("identifyIP finds the phone bound to the client address", "[engine][pairing]") {
    Harness h;
    Client& local = h.connect("127.0.0.1");
    local.hello();
    local.login_sso("agent1");
    auto paired = local.ok(method::identify_ip);
    CHECK(paired.at("device").at("identifier") == "101");

    Client& remote = h.connect("10.9.8.7");
    remote.hello();
    h.advance(1'000);
    remote.login_sso("agent2");
    CHECK(error_code(remote.error(method::identify_ip)) == "BAD_IDENTIFIER");
}

TEST_CASE_METHOD(AliceReady, "a phone paired by one agent cannot be paired by another", "[engine][pairing]") {
    Client& bob = h.connect();
    bob.hello();
    bob.login_sso("agent2");
    CHECK(error_code(bob.error(method::identifier, {{"identifier", "101"}})) == "DEVICE_IN_USE");
    bob.pair("102");
}

TEST_CASE_METHOD(ReadyClient, "identify unpairs the phone and returns to IDENTIFY", "[engine][pairing]") {
    CHECK(c.ok(method::identify).at("state") == "IDENTIFY");
    c.pair("103");
    auto state = c.provision();
    CHECK(state.at("device").at("identifier") == "103");
}

TEST_CASE_METHOD(LoggedInClient, "without a device call control is refused with NO_DEVICE", "[engine][pairing]") {
    c.ok(method::provision, {{"withoutDevice", true}});
    CHECK(error_code(c.error(method::dial, {{"number", "601234567"}})) == "NO_DEVICE");
    CHECK(error_code(c.error(method::answer)) == "NO_DEVICE");
    c.ok(method::change_status, {{"status", "READY"}});
}

TEST_CASE_METHOD(LoggedInClient, "provision returns the documented onReady state", "[engine][pairing]") {
    c.pair("101");
    auto state = ucs::from_json<ucs::ReadyState>(json::value(c.provision()));
    REQUIRE(state.has_value());
    CHECK(state->status == ucs::AgentStatus::OFFLINE);
    CHECK(state->device->identifier == "101");
    CHECK(state->user.id == 1);
    CHECK(state->user.displayname == "Alice Nováková");
    CHECK(state->auxReasons.size() >= 4);
    CHECK(state->callReasons.size() == 3);
    CHECK(state->queues.size() == 3);
    CHECK(state->agents.size() == 4);
    CHECK(state->now == h.now_seconds());
}

TEST_CASE_METHOD(ReadyClient, "AUX needs one of the configured reasons", "[engine][status]") {
    auto error = c.error(method::change_status, {{"status", "AUX"}, {"reason", "Nap"}});
    CHECK(error.at("message") == "params.reason: unknown AUX reason \"Nap\"");
    CHECK(c.error(method::change_status, {{"status", "AUX"}}).at("data").at("field") == "params.reason");
    CHECK(c.error(method::change_status, {{"status", "ASLEEP"}}).at("data").at("field") == "params.status");
    c.ok(method::change_status, {{"status", "AUX"}, {"reason", "Lunch"}});
    auto state = c.next_event("agent.state");
    REQUIRE(state);
    CHECK(state->at("status") == "AUX");
    CHECK(state->at("reason") == "Lunch");
    h.advance(40'000);
    c.ok(method::ping);  // the connection stays alive only while the client talks
    h.advance(20'000);
    c.ok(method::change_status, {{"status", "READY"}});
    auto user = c.ok(method::state).at("user");
    CHECK(user.at("auxtimes").at("Lunch") == 60);
    CHECK(user.at("auxtime") == 60);
}

TEST_CASE_METHOD(BobThenAliceReady, "the longest idle READY member gets the queue call", "[engine][acd]") {
    h.ring_queue(1);
    CHECK(bob.next_event("call.ringing"));
    CHECK_FALSE(alice.next_event("call.ringing"));
}

TEST_CASE_METHOD(BobThenAliceReady, "an agent who lets a queue call ring out goes to AUX No answer and the next agent rings", "[engine][acd]") {
    const std::string uniqueid = h.ring_queue(1);
    REQUIRE(bob.next_event("call.ringing"));
    h.advance(19'999);
    CHECK_FALSE(alice.next_event("call.ringing"));
    h.advance(1);
    auto gone = bob.next_event("call.hangup");
    REQUIRE(gone);
    CHECK(call_of(*gone).cause == ucs::HangupCause::unavailable);
    auto aux = bob.next_event("agent.state");
    REQUIRE(aux);
    CHECK(aux->at("status") == "AUX");
    CHECK(aux->at("reason") == "No answer");
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == uniqueid);
    CHECK(bob.ok(method::state).at("user").at("in_calls_unanswered") == 1);
}

TEST_CASE_METHOD(AliceReady, "callers wait in FIFO order and each agent sees the waiting count change", "[engine][acd]") {
    alice.ok(method::change_status, {{"status", "AUX"}, {"reason", "Meeting"}});
    alice.take_events();
    const std::string first = h.ring_queue(1, "601000001");
    const std::string second = h.ring_queue(2, "601000002");
    const std::string third = h.ring_queue(1, "601000003");
    std::vector<std::int64_t> counts;
    for (auto& event : alice.take_events())
        if (event.at("method") == "waitingCallers") counts.push_back(event.at("params").at("waitingCallers").as_int64());
    CHECK(counts == std::vector<std::int64_t>{1, 2, 3});

    alice.ok(method::change_status, {{"status", "READY"}});
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == first);  // queue 1 first, its first caller
    auto count = alice.next_event("waitingCallers");
    REQUIRE(count);
    CHECK(count->at("waitingCallers") == 2);
    (void)second;
    (void)third;
}

TEST_CASE_METHOD(AliceReady, "a suspended queue member gets no calls until resumed", "[engine][acd]") {
    alice.ok(method::suspend, {{"queue", 1}});
    auto suspended = alice.next_event("queue.suspend");
    REQUIRE(suspended);
    CHECK(suspended->at("queueId") == 1);
    h.ring_queue(1);
    CHECK_FALSE(alice.next_event("call.ringing"));
    alice.ok(method::resume, {{"queue", 1}});
    CHECK(alice.next_event("queue.resume"));
    CHECK(alice.next_event("call.ringing"));
    CHECK(error_code(alice.error(method::suspend, {{"queue", 99}})) == "NOT_FOUND");
}

TEST_CASE_METHOD(AliceReady, "an outgoing call goes new, ringing, connected when the far end answers after two seconds", "[engine][calls]") {
    auto result = alice.ok(method::dial, {{"number", "601555123"}, {"data", {{"crm_id", 7}}}});
    CHECK(alice.take_event_names() == std::vector<std::string>{"call.new", "call.ringing"});
    h.advance(1'999);
    CHECK_FALSE(alice.next_event("call.connect"));
    h.advance(1);
    auto connect = alice.next_event("call.connect");
    REQUIRE(connect);
    ucs::Call call = call_of(*connect);
    CHECK(call.direction == ucs::Direction::OUTGOING);
    CHECK(call.number == "601555123");
    CHECK(call.called_number_norm == "+420601555123");
    CHECK(call.caller_username == "agent1");
    CHECK(call.caller_extension == "101");
    CHECK(call.data.at("crm_id") == 7);
    CHECK_FALSE(call.outbound_id.has_value());  // no queue given, no default campaign: a direct call
    CHECK(result.at("uniqueid") == call.uniqueid.c_str());
}

TEST_CASE("numbers ending 0486, 0404 and 0603 end busy, invalid and rejected", "[engine][calls]") {
    for (const auto& [number, cause] : std::vector<std::pair<std::string, ucs::HangupCause>>{
             {"601550486", ucs::HangupCause::busy},
             {"601550404", ucs::HangupCause::invalid_number},
             {"601550603", ucs::HangupCause::rejected}}) {
        Harness h;
        Client& alice = h.connect();
        alice.ready_agent("agent1", "101");
        alice.ok(method::dial, {{"number", number}, {"queue", "directCall"}});
        h.advance(2'000);
        auto hangup = alice.next_event("call.hangup");
        INFO(number);
        REQUIRE(hangup);
        CHECK(call_of(*hangup).cause == cause);
    }
}

TEST_CASE_METHOD(AliceReady, "a number ending 0000 rings until the sandbox answers, and the far end hangs up with cause 4", "[engine][calls]") {
    const std::string uniqueid(alice.ok(method::dial, {{"number", "601550000"}}).at("uniqueid").as_string());
    for (int i = 0; i < 4; ++i) {
        h.advance(30'000);
        alice.ok(method::ping);
    }
    CHECK_FALSE(alice.next_event("call.connect"));
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/answer").status == 200);
    REQUIRE(alice.next_event("call.connect"));
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup").status == 200);
    auto hangup = alice.next_event("call.hangup");
    REQUIRE(hangup);
    CHECK(call_of(*hangup).cause == ucs::HangupCause::called_hung_up);
}

TEST_CASE_METHOD(AliceReady, "dial validates its queue and line arguments", "[engine][calls]") {
    CHECK(alice.error(method::dial, {{"number", "601555123"}, {"queue", 1}}).at("data").at("field") == "params.queue");
    CHECK(alice.error(method::dial, {{"number", "601555123"}, {"queue", "sideways"}}).at("data").at("field") == "params.queue");
    CHECK(alice.error(method::dial, {{"number", "601555123"}, {"line", 102}}).at("data").at("field") == "params.line");
    CHECK(alice.error(method::dial, {{"number", "call me"}}).at("data").at("field") == "params.number");
    auto campaign = alice.ok(method::dial, {{"number", "601555123"}, {"queue", 3}, {"line", 101}});
    CHECK(campaign.at("call").at("outbound_id") == 3);
    alice.ok(method::hangup);
    auto undecided = alice.ok(method::dial, {{"number", "601555124"}, {"queue", "undefined"}});
    CHECK(undecided.at("call").at("outbound_id").is_null());  // agent1 has no default campaign
    alice.ok(method::hangup);
    auto direct = alice.ok(method::dial, {{"number", "601555125"}, {"queue", "directCall"}});
    CHECK(direct.at("call").at("outbound_id").is_null());
}

TEST_CASE_METHOD(AliceReady, "mute toggles the agent's side of the call", "[engine][calls]") {
    h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    alice.ok(method::mute);
    auto muted = alice.next_event("call.mute");
    REQUIRE(muted);
    CHECK(call_of(*muted).connected_muted);
    CHECK_FALSE(call_of(*muted).caller_muted);
    alice.ok(method::mute);
    auto unmuted = alice.next_event("call.unmute");
    REQUIRE(unmuted);
    CHECK_FALSE(call_of(*unmuted).connected_muted);
}

TEST_CASE_METHOD(AliceAndBobReady, "an internal call is outgoing for the caller and incoming for the callee", "[engine][calls]") {
    alice.ok(method::dial, {{"number", "102"}});
    auto incoming = bob.next_event("call.ringing");
    REQUIRE(incoming);
    CHECK(call_of(*incoming).direction == ucs::Direction::INCOMING);
    CHECK(call_of(*incoming).caller_internal);
    CHECK(call_of(*incoming).number == "101");
    bob.ok(method::answer);
    auto connected = alice.next_event("call.connect");
    REQUIRE(connected);
    CHECK(call_of(*connected).direction == ucs::Direction::OUTGOING);
    CHECK(call_of(*connected).connected_username == "agent2");
}

TEST_CASE_METHOD(AliceAndBobReady, "an attended transfer consults the target, then joins caller and target", "[engine][transfer]") {
    bob.ok(method::change_status, {{"status", "AUX"}, {"reason", "Training"}});  // keep the queue call off bob
    const std::string customer = h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();

    alice.ok(method::transfer, {{"number", "102"}});
    auto held = alice.next_event("call.hold");
    REQUIRE(held);
    CHECK(call_of(*held).uniqueid == customer);
    auto consult = bob.next_event("call.ringing");
    REQUIRE(consult);
    CHECK(call_of(*consult).caller_username == "agent1");
    bob.ok(method::answer);
    bob.take_events();
    alice.ok(method::finish_transfer);

    std::vector<ucs::HangupCause> causes;
    for (auto& event : alice.take_events())
        if (event.at("method") == "call.hangup") causes.push_back(call_of(event.at("params").as_object()).cause);
    CHECK(causes == std::vector<ucs::HangupCause>{ucs::HangupCause::transfer, ucs::HangupCause::transfer});
    auto joined = bob.next_event("call.connect");
    REQUIRE(joined);
    const ucs::Call call = call_of(*joined);
    CHECK(call.uniqueid == customer);
    CHECK(call.caller_number == "601234567");
    CHECK(call.connected_username == "agent2");
    CHECK(alice.ok(method::state).at("user").at("transferred") == 1);
}

TEST_CASE_METHOD(AliceReady, "transfer without a number holds the call and the next dial is the consultation", "[engine][transfer]") {
    const std::string customer = h.ring_queue(1);
    alice.ok(method::answer);
    CHECK(alice.ok(method::transfer).at("mode") == "transfer");
    REQUIRE(alice.next_event("call.hold"));
    alice.ok(method::dial, {{"number", "601555123"}});
    h.advance(2'000);
    alice.ok(method::finish_transfer);
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("uniqueid") == customer.c_str());
    CHECK(calls[0].at("connected_number") == "601555123");
    CHECK(alice.ok(method::state).at("user").at("transferred_external") == 1);
}

TEST_CASE_METHOD(AliceAndBobReady, "a blind transfer rings the target with the caller's call", "[engine][transfer]") {
    bob.ok(method::change_status, {{"status", "AUX"}, {"reason", "Training"}});
    const std::string customer = h.ring_queue(1);
    alice.ok(method::answer);
    CHECK(alice.error(method::blind_transfer).at("data").at("field") == "params.number");
    alice.ok(method::blind_transfer, {{"number", "102"}});
    auto gone = alice.next_event("call.hangup");
    REQUIRE(gone);
    CHECK(call_of(*gone).cause == ucs::HangupCause::transfer);
    auto ringing = bob.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == customer);
    CHECK(call_of(*ringing).caller_number == "601234567");
}

TEST_CASE_METHOD(AliceReady, "account codes are validated, appended, and replaced with override", "[engine][codes]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.ok(method::hangup);
    auto set = [&](json::object params) { return alice.ok(method::set_account_code, std::move(params)).at("accountCodes").as_array(); };
    CHECK(set({{"uniqueid", uniqueid}, {"accountCode", "Complaint"}}).size() == 1);
    CHECK(set({{"uniqueid", uniqueid}, {"accountCode", "Order"}, {"subAccountCode", "New"}}).size() == 2);
    auto replaced = set({{"uniqueid", uniqueid}, {"accountCode", "Information"}, {"override", true}});
    REQUIRE(replaced.size() == 1);
    CHECK(replaced[0].at("code") == "Information");
    CHECK(alice.error(method::set_account_code, {{"uniqueid", uniqueid}, {"accountCode", "Gossip"}}).at("data").at("field") ==
          "params.accountCode");
    CHECK(alice.error(method::set_account_code, {{"uniqueid", uniqueid}, {"accountCode", "Order"}, {"subAccountCode", "Old"}})
              .at("data").at("field") == "params.subAccountCode");
    CHECK(alice.error(method::set_account_code, {{"uniqueid", "1.1"}, {"accountCode", "Order"}}).at("data").at("field") ==
          "params.uniqueid");
    auto history = alice.ok(method::history).as_array();
    REQUIRE(history.size() == 1);
    CHECK(history[0].at("account_codes").as_array().size() == 1);
}

TEST_CASE_METHOD(AliceReady, "history filters by direction and number", "[engine][history]") {
    h.ring_queue(1, "601000001");
    alice.ok(method::answer);
    alice.ok(method::hangup);
    h.advance(10'000);
    alice.ok(method::dial, {{"number", "602000002"}});
    alice.ok(method::hangup);
    CHECK(alice.ok(method::history).as_array().size() == 2);
    CHECK(alice.ok(method::history, {{"direction", "OUTGOING"}}).as_array().size() == 1);
    CHECK(alice.ok(method::history, {{"number", "601000001"}}).as_array().size() == 1);
    CHECK(alice.ok(method::history, {{"limit", 1}}).as_array().size() == 1);
    auto rest = h.http("GET", "/api/v1.0/history?user=agent1&direction=INCOMING");
    REQUIRE(rest.status == 200);
    CHECK(rest.body.as_array().size() == 1);
}

TEST_CASE_METHOD(AliceReady, "session.resume replays exactly the missed events", "[engine][resume]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    const std::uint64_t seen = alice.last_seq;

    h.disconnect(alice);
    h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");  // the caller hangs up meanwhile
    h.reconnect(alice);
    auto resumed = alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", seen}});
    CHECK(resumed.at("state") == "READY");
    const auto replayed = resumed.at("replayed").as_int64();
    CHECK(replayed >= 2);
    auto events = alice.take_events();
    REQUIRE(static_cast<std::int64_t>(events.size()) == replayed);
    CHECK(events.front().at("params").at("seq").to_number<std::uint64_t>() == seen + 1);
    bool hangup_seen = false;
    for (auto& event : events) hangup_seen |= event.at("method") == "call.hangup";
    CHECK(hangup_seen);
    // Nothing is delivered twice: a second resume from the new position replays nothing.
    h.disconnect(alice);
    h.reconnect(alice);
    CHECK(alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", alice.last_seq}}).at("replayed") == 0);
}

TEST_CASE("session.resume from too far back answers with a snapshot", "[engine][resume]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.resume_buffer_events = 2;
    Harness h(config);
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    h.disconnect(alice);
    // Callers wait meanwhile (a disconnected bar is not offered calls): three waitingCallers events.
    for (int i = 0; i < 3; ++i) h.ring_queue(2, "60100000" + std::to_string(i));
    h.reconnect(alice);
    auto resumed = alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", 1}});
    CHECK(resumed.at("replayed").is_null());
    CHECK(resumed.at("snapshot").at("status") == "READY");
    CHECK(resumed.at("snapshot").at("waitingCallers") == 3);
    CHECK(alice.next_event("call.ringing"));  // back, she is offered the first caller
}

TEST_CASE("session.resume of an unknown session is SESSION_EXPIRED", "[engine][resume]") {
    Harness h;
    Client& c = h.connect();
    CHECK(error_code(c.error(method::resume_session, {{"session", "nope"}, {"last_seq", 0}})) == "SESSION_EXPIRED");
}

TEST_CASE_METHOD(AliceAndBobReady, "a copied engine carries on alone and its original never sees what the copy did", "[engine][copy]") {
    h.disconnect(bob);  // Bob's session waits for a resume: in the engine's list of detached sessions
    ucs::test::MemoryStore store = h.store();
    ucs::test::CountingRandom random{7};
    ucs::test::SimplePhoneNumbers phones;
    ucs::server::Engine copy(h.engine(), store, phones, random);
    auto agents_of = [](ucs::server::Engine& engine, std::int64_t now) {
        ucs::server::Output ignored;
        std::map<std::string, std::pair<bool, ucs::AgentStatus>> by_name;
        for (const auto& overview : engine.agents(now, ignored)) {
            by_name[overview.agent.username] = {overview.logged_in, overview.agent.status};
        }
        return by_name;
    };

    // The copy: Alice logs out and her connection closes; Bob's session is never resumed.
    std::int64_t now = h.now();
    const auto logout = copy.receive(alice.id(), ucs::protocol::request_frame(99, method::logout, {}), now);
    REQUIRE(logout.frames.size() >= 1);
    CHECK(json::parse(logout.frames.front().frame.text()).at("id") == 99);
    (void)copy.disconnect(alice.id(), now);
    now += 130'000;
    while (const auto deadline = copy.next_deadline()) {
        if (*deadline > now) break;
        (void)copy.tick(*deadline);
    }
    (void)copy.tick(now);
    auto in_copy = agents_of(copy, now);
    CHECK(in_copy["agent1"] == std::pair{false, ucs::AgentStatus::OFFLINE});
    CHECK(in_copy["agent2"] == std::pair{false, ucs::AgentStatus::OFFLINE});

    // The original: nothing of that happened. Alice is READY on a live connection, Bob waits.
    auto in_original = agents_of(h.engine(), h.now());
    CHECK(in_original["agent1"] == std::pair{true, ucs::AgentStatus::READY});
    CHECK(in_original["agent2"].first);
    alice.ok(method::ping);
    // And its own timers still find both: Alice's connection is closed for silence (the copy's
    // close of it must not have taken her out of the original's list), Bob's session ends.
    h.advance(44'000);
    CHECK_FALSE(h.closed(alice));
    h.advance(2'000);
    CHECK(h.closed(alice));
    h.advance(120'000);
    in_original = agents_of(h.engine(), h.now());
    CHECK_FALSE(in_original["agent2"].first);
    CHECK(h.log().empty());
}

TEST_CASE_METHOD(AliceReady, "a silent connection is closed and an unresumed session logs the agent out", "[engine][resume]") {
    h.advance(44'000);
    CHECK_FALSE(h.closed(alice));
    alice.ok(method::ping);
    h.advance(44'000);
    CHECK_FALSE(h.closed(alice));
    h.advance(1'000);
    CHECK(h.closed(alice));
    auto agents = h.http("GET", "/api/v1.0/agents").body.as_array();
    CHECK(agents[0].at("logged_in") == true);  // the session waits for a resume
    h.advance(120'000);
    agents = h.http("GET", "/api/v1.0/agents").body.as_array();
    CHECK(agents[0].at("logged_in") == false);
    CHECK(agents[0].at("status") == "OFFLINE");
}

TEST_CASE("the REST API wants a bearer token from the client-credentials grant", "[engine][rest]") {
    Harness h;
    CHECK(h.http("GET", "/api/v1.0/status", "", false).status == 401);
    ucs::server::Output out;
    auto bad = h.api().handle({"POST", "/login/oauth2/token", R"({"client_id":"sandbox","client_secret":"nope","grant_type":"client_credentials"})", "", ""}, h.now(), out);
    CHECK(bad.status == 401);
    auto missing = h.api().handle({"POST", "/login/oauth2/token", R"({"client_id":"sandbox","grant_type":"client_credentials"})", "", ""}, h.now(), out);
    CHECK(missing.status == 400);
    CHECK(missing.body.at("error").at("field") == "client_secret");
    auto grant = h.api().handle({"POST", "/login/oauth2/token", R"({"client_id":"sandbox","client_secret":"sandbox","grant_type":"password"})", "", ""}, h.now(), out);
    CHECK(grant.status == 400);
    auto ok = h.http("GET", "/api/v1.0/status");
    CHECK(ok.status == 200);
    CHECK(ok.body.at("active_calls") == 0);
}

TEST_CASE("sandbox errors name the field and unknown ids get 404", "[engine][rest]") {
    Harness h;
    auto no_from = h.http("POST", "/api/v1.0/sandbox/calls", R"({"queue":1})");
    CHECK(no_from.status == 400);
    CHECK(no_from.body.at("error").at("field") == "from");
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"1","queue":9})").status == 404);
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"1","queue":1,"to":"101"})").status == 400);
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"1","queue":"one"})").body.at("error").at("field") == "queue");
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls", "not json").status == 400);
    CHECK(h.http("POST", "/api/v1.0/sandbox/calls/123.4/answer").status == 404);
    CHECK(h.http("POST", "/api/v1.0/sandbox/devices/999/offhook").status == 404);
    CHECK(h.http("GET", "/api/v1.0/sandbox/calls").status == 405);
    CHECK(h.http("GET", "/api/v1.0/nothing").status == 404);
    CHECK(h.http("GET", "/api/v1.0/history").status == 400);
    CHECK(h.http("GET", "/api/v1.0/history?user=agent1&limit=ten").body.at("error").at("field") == "limit");
}

TEST_CASE("404 and 405 bodies are valid utf-8 json when the path holds invalid bytes", "[engine][rest]") {
    // The path was once echoed raw: a JSON body that is not UTF-8.
    Harness h;
    struct Case {
        const char* method;
        const char* target;
        int status;
        bool replaced;  // raw invalid bytes in the echo become U+FFFD; %XX escapes are echoed as written
    };
    for (const auto& [method, target, status, replaced] :
         {Case{"GET", "/api/v1.0/\xFF\xFE", 404, true}, Case{"GET", "/nowhere/\xC0\xAF", 404, true},
          Case{"GET", "/api/v1.0/%FF%C3", 404, false}, Case{"GET", "/api/v1.0/sandbox/calls?\xFF", 405, true},
          Case{"POST", "/api/v1.0/sandbox/calls/%FF%FE/answer", 404, true}}) {
        CAPTURE(target);
        const auto answer = h.http(method, target);
        CHECK(answer.status == status);
        const std::string body = json::serialize(answer.body);
        CHECK(ucs::is_valid_utf8(body));
        const bool has_replacement = json::parse(body).at("error").at("message").as_string().find("\xEF\xBF\xBD") != json::string::npos;
        CHECK(has_replacement == replaced);
    }
}

TEST_CASE_METHOD(AliceReady, "a direct call to an extension rings the paired agent and offhook answers it", "[engine][rest]") {
    auto created = h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601999888","to":"101","data":{"crm_url":"https://crm.example/1"}})");
    REQUIRE(created.status == 201);
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).data.at("crm_url") == "https://crm.example/1");
    CHECK(h.http("POST", "/api/v1.0/sandbox/devices/101/offhook").status == 200);
    REQUIRE(alice.next_event("call.connect"));
    CHECK(h.http("POST", "/api/v1.0/sandbox/devices/101/offhook").status == 409);
}

TEST_CASE("call ids rotate within 1..65535 and uniqueids never repeat", "[engine][calls]") {
    Harness h;
    std::set<std::string> uniqueids;
    for (int i = 0; i < 50; ++i) {
        const std::string uniqueid = h.ring_queue(2, "60100" + std::to_string(1000 + i));
        CHECK(uniqueids.insert(uniqueid).second);
        h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");
    }
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    CHECK(calls.empty());
}

TEST_CASE_METHOD(AliceReady, "the unload beacon ends a session by its key without a bearer token", "[engine][rest]") {
    auto ended = h.http("POST", "/api/v1.0/session/logout", json::serialize(json::object{{"session", alice.session_key}}), false);
    CHECK(ended.status == 200);
    h.advance(ucs::server::EngineConfig{}.page_close_grace_ms);  // nobody came back (server_rules_test: who does)
    REQUIRE(alice.next_event("session.loggedOut"));
    CHECK(error_code(alice.error(method::state)) == "INVALID_STATE");
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("logged_in") == false);
    CHECK(h.http("POST", "/api/v1.0/session/logout", R"({"session":"nope"})", false).status == 404);
    CHECK(h.http("POST", "/api/v1.0/session/logout", R"({})", false).body.at("error").at("field") == "session");
}

TEST_CASE("the simulated network refuses calls beyond its capacity instead of running out of call ids", "[engine][rest]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.max_active_calls = 3;
    Harness h(config);
    for (int i = 0; i < 3; ++i) h.ring_queue(1);
    auto refused = h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601000001","queue":1})");
    CHECK(refused.status == 429);
    CHECK(refused.body.at("error").at("code") == "TOO_MANY_CALLS");
    CHECK(ucs::server::EngineConfig{}.max_active_calls < 65535);
}

TEST_CASE_METHOD(BobReady, "a queue caller ringing an agent who logs out goes back to the queue for the next agent", "[engine][acd]") {
    const std::string uniqueid = h.ring_queue(1);
    REQUIRE(bob.next_event("call.ringing"));
    bob.ok(method::logout);
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[0].at("waiting") == 1);
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");  // READY: the waiting caller rings alice at once
    auto call = alice.ok(method::state).at("call");
    REQUIRE(call.is_object());
    CHECK(call.at("uniqueid") == uniqueid.c_str());
    CHECK(call.at("state") == 2);
}

TEST_CASE_METHOD(AliceReady, "an agent's own outgoing call ends when the agent leaves", "[engine][calls]") {
    alice.ok(method::dial, {{"number", "601550000"}});
    alice.ok(method::logout);
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
}

TEST_CASE_METHOD(AliceAndBobReady, "an attended transfer of the agent's own outgoing call keeps the outside party", "[engine][transfer]") {
    const std::string outside(alice.ok(method::dial, {{"number", "601234567"}}).at("uniqueid").as_string());
    h.advance(2'000);
    alice.ok(method::transfer, {{"number", "102"}});
    bob.ok(method::answer);
    alice.ok(method::finish_transfer);
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("uniqueid") == outside.c_str());
    CHECK(calls[0].at("connected_number") == "601234567");
    CHECK(calls[0].at("caller_username") == "agent2");
}

TEST_CASE_METHOD(AliceReady, "a blind transfer to an outside number follows that number's behaviour", "[engine][transfer]") {
    const std::string uniqueid(alice.ok(method::dial, {{"number", "601550000"}}).at("uniqueid").as_string());
    h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/answer");
    alice.ok(method::blind_transfer, {{"number", "777000486"}});  // busy
    h.advance(2'000);
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
}

TEST_CASE("many logins started at once still get only the limited number of wrong guesses", "[engine][auth]") {
    Harness h;
    std::vector<std::pair<Client*, std::string>> attempts;
    for (int i = 0; i < 8; ++i) {
        Client& c = h.connect();
        c.hello();
        ucs::auth::scram::Client scram("agent1", "wrong", "nonce" + std::to_string(i));
        auto first = c.ok(method::login, {{"username", "agent1"}, {"client_first", scram.client_first()}});
        attempts.emplace_back(&c, *scram.client_final(std::string(first.at("server_first").as_string())));
    }
    int refused_by_limit = 0;
    for (auto& [client, client_final] : attempts) {
        if (error_code(client->error(method::login_proof, {{"client_final", client_final}})) == "RATE_LIMITED") ++refused_by_limit;
    }
    CHECK(refused_by_limit == 3);  // 5 wrong guesses counted, the other 3 refused unchecked
}

TEST_CASE_METHOD(AliceReady, "the phone cannot be changed during a call", "[engine][pairing]") {
    Client& mirror = h.connect();
    mirror.hello();
    h.advance(1'000);
    mirror.login_sso("agent1");  // a second session of the same agent, in DEVICE
    h.ring_queue(1);
    alice.ok(method::answer);
    CHECK(error_code(mirror.error(method::identifier, {{"identifier", "102"}})) == "INVALID_STATE");
}

TEST_CASE_METHOD(AliceAndBobReady, "a blind transfer to a busy colleague is refused and the call stays", "[engine][transfer]") {
    bob.ok(method::dial, {{"number", "601550000"}});  // bob is on a call
    h.ring_queue(1);
    alice.ok(method::answer);
    auto error = alice.error(method::blind_transfer, {{"number", "102"}});
    CHECK(error.at("message") == "extension 102 is busy");
    CHECK(alice.ok(method::state).at("call").at("state") == 3);
}

// ---- softphones and the user's ringtone ------------------------------------------------------------

TEST_CASE_METHOD(AliceReady, "the ringtone a user selects is kept by ucsd, told to the user's other sessions, and survives a restart", "[engine][softphone]") {
    h.advance(1'000);  // a fresh SSO token: the last one cannot be used again
    Client& other_tab = h.connect();
    other_tab.hello();
    other_tab.login_sso("agent1");
    other_tab.take_events();
    CHECK(alice.ok(method::state).at("ringingSound") == "default");
    CHECK(alice.ok("selectRingingSound", {{"ringingSound", "lovingYou"}}) == json::object{{"ringingSound", "lovingYou"}});
    auto told = other_tab.next_event("ringingSound");
    REQUIRE(told);
    CHECK(told->at("ringingSound") == "lovingYou");
    h.restart();
    h.advance(1'000);
    Client& later = h.connect();
    later.hello();
    later.login_sso("agent1");
    later.pair("102");
    CHECK(later.provision().at("ringingSound") == "lovingYou");
}

TEST_CASE_METHOD(AliceReady, "a ringtone that is not one of the documented five is refused naming the allowed ones", "[engine][softphone]") {
    const json::object error = alice.error("selectRingingSound", {{"ringingSound", "jingle"}});
    CHECK(error_code(error) == "INVALID_PARAMS");
    CHECK(error.at("message") == "params.ringingSound: unknown sound \"jingle\" (allowed: default, christmas, lovingYou, quest or rush)");
    CHECK(error.at("data").at("field") == "params.ringingSound");
}

TEST_CASE_METHOD(LoggedInClient, "a softphone line pairs like any phone and says what kind it is", "[engine][softphone]") {
    c.pair("201");
    const json::object state = c.provision();
    CHECK(state.at("device") == json::object{{"id", 201}, {"identifier", "201"}, {"name", "Softphone 201"}, {"extension", "201"}, {"type", "softphone"}});
}

TEST_CASE_METHOD(LoggedInClient, "a softphone has no handset to lift: the sandbox's offhook is refused, the agent answers in the browser", "[engine][softphone]") {
    c.pair("201");
    c.provision();
    c.ok(method::change_status, {{"status", "READY"}});
    h.ring_queue(1);
    const auto refused = h.http("POST", "/api/v1.0/sandbox/devices/201/offhook");
    CHECK(refused.status == 409);
    CHECK(refused.body.at("error").at("message") == "phone 201 is a softphone: the agent answers it in the browser");
    c.ok(method::answer);
}

TEST_CASE_METHOD(AliceReady, "the REST API lists desk phones and softphones and who has them paired", "[engine][rest][softphone]") {
    const auto response = h.http("GET", "/api/v1.0/devices");
    REQUIRE(response.status == 200);
    const json::array& devices = response.body.as_array();
    REQUIRE(devices.size() == 8);
    CHECK(devices[0] == json::object{{"id", 101}, {"identifier", "101"}, {"name", "Desk phone 101"}, {"extension", "101"},
                                     {"type", "desk"}, {"paired_by", "agent1"}});
    CHECK(devices[4].at("type") == "softphone");
    CHECK(devices[4].at("paired_by").is_null());
    CHECK(h.http("GET", "/api/v1.0/devices", {}, false).status == 401);
}

// ---- frames that wait for the store (store.hpp) ------------------------------------------------

namespace {

// The frames of `out` to `connection` whose text names `what`.
std::vector<const ucs::server::Outbound*> frames_naming(const ucs::server::Output& out, ucs::server::ConnectionId connection,
                                                       std::string_view what) {
    std::vector<const ucs::server::Outbound*> found;
    for (const auto& outbound : out.frames)
        if (outbound.connection == connection && outbound.frame.text().find(what) != std::string::npos)
            found.push_back(&outbound);
    return found;
}

}  // namespace

TEST_CASE_METHOD(AliceReady, "a call.hangup carries the ticket of its history row and every later frame of the input too",
                 "[engine][store]") {
    h.store().number_writes(true);
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    const std::size_t rows_before = h.store().history_rows();

    ucs::server::Output out;
    REQUIRE(h.engine().far_end_hangup(uniqueid, h.now(), out));
    CHECK(h.store().history_rows() == rows_before + 1);
    const auto hangups = frames_naming(out, alice.id(), "\"call.hangup\"");
    REQUIRE(hangups.size() == 1);
    const ucs::server::StoreTicket ticket = hangups.front()->ticket;
    CHECK(ticket > 0);
    CHECK(ticket <= h.store().last_write());
    // Frames made after the row (alice's user and status events) wait at least as long: in order.
    bool after = false;
    for (const auto& outbound : out.frames) {
        if (&outbound == hangups.front()) after = true;
        if (after) CHECK(outbound.ticket >= ticket);
    }
    h.deliver(std::move(out));
    CHECK(alice.next_event("call.hangup"));
}

TEST_CASE_METHOD(AliceReady, "the reply to setAccountCode waits for the codes to be stored, the next input does not",
                 "[engine][store]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.ok(method::hangup);
    h.store().number_writes(true);
    const json::object request{{"jsonrpc", "2.0"},
                               {"id", 77},
                               {"method", method::set_account_code},
                               {"params", {{"uniqueid", uniqueid}, {"accountCode", "Complaint"}}}};
    ucs::server::Output out = h.engine().receive(alice.id(), json::serialize(request), h.now());
    const auto replies = frames_naming(out, alice.id(), "\"id\":77");
    REQUIRE(replies.size() == 1);
    CHECK(replies.front()->ticket == h.store().last_write());
    CHECK(replies.front()->ticket > 0);

    const json::object ping{{"jsonrpc", "2.0"}, {"id", 78}, {"method", method::ping}};
    ucs::server::Output next = h.engine().receive(alice.id(), json::serialize(ping), h.now());
    const auto pongs = frames_naming(next, alice.id(), "\"id\":78");
    REQUIRE(pongs.size() == 1);
    CHECK(pongs.front()->ticket == 0);
}

TEST_CASE_METHOD(AliceReady, "a call.hangup replayed after a resume still waits for its history row", "[engine][store][resume]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    const std::uint64_t seen = alice.last_seq;
    h.store().number_writes(true);
    h.disconnect(alice);  // the frames held for the old connection go with it
    ucs::server::Output hangup;
    REQUIRE(h.engine().far_end_hangup(uniqueid, h.now(), hangup));
    h.deliver(std::move(hangup));
    const ucs::server::StoreTicket row = h.store().last_write();
    REQUIRE(row > 0);

    h.reconnect(alice);
    const json::object resume{{"jsonrpc", "2.0"},
                              {"id", 90},
                              {"method", method::resume_session},
                              {"params", {{"session", alice.session_key}, {"last_seq", seen}}}};
    ucs::server::Output out = h.engine().receive(alice.id(), json::serialize(resume), h.now());
    const auto replayed = frames_naming(out, alice.id(), "\"call.hangup\"");
    REQUIRE(replayed.size() == 1);
    CHECK(replayed.front()->ticket >= row);
    h.deliver(std::move(out));
}

TEST_CASE_METHOD(AliceReady, "with a store durable on return no frame waits", "[engine][store]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    ucs::server::Output out;
    REQUIRE(h.engine().far_end_hangup(uniqueid, h.now(), out));
    REQUIRE_FALSE(out.frames.empty());
    for (const auto& outbound : out.frames) CHECK(outbound.ticket == 0);
    h.deliver(std::move(out));
}
