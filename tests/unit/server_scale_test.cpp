// The engine at scale, as behaviour: an event for many sessions is encoded once, replay buffers stay
// within their bounds, and deadlines come from ordered indexes instead of a walk over everything.
#include "core/protocol.hpp"
#include "support/engine_harness.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ucs::test::Client;
using ucs::test::Harness;
namespace json = boost::json;
namespace method = ucs::protocol::method;

namespace {

std::string request_text(std::int64_t id, std::string_view name, json::object params) {
    return ucs::protocol::request_frame(id, name, std::move(params));
}

// The frames of `out` that carry event `name`.
std::vector<const ucs::server::Outbound*> events_named(const ucs::server::Output& out, std::string_view name) {
    std::vector<const ucs::server::Outbound*> found;
    for (const auto& frame : out.frames) {
        const json::value parsed = json::parse(frame.frame.text());
        const json::value* m = parsed.as_object().if_contains("method");
        if (m != nullptr && m->is_string() && m->get_string() == name) found.push_back(&frame);
    }
    return found;
}

bool logged_in(Harness& h, std::string_view username) {
    const auto response = h.http("GET", "/api/v1.0/agents");
    for (const auto& agent : response.body.as_array())
        if (agent.at("username").as_string() == username) return agent.at("logged_in").as_bool();
    return false;
}

}  // namespace

TEST_CASE("an event frame split into a shared head and a per-session tail is the same frame", "[protocol][scale]") {
    const json::object params{{"status", "AUX"}, {"reason", "Break"}};
    const std::string head = ucs::protocol::event_head("agent.state", params);
    CHECK(head + ucs::protocol::event_tail(head, 7) == ucs::protocol::event_frame("agent.state", 7, params));
    const std::string empty = ucs::protocol::event_head("ping.me", {});
    CHECK(empty + ucs::protocol::event_tail(empty, 12345678901) ==
          ucs::protocol::event_frame("ping.me", 12345678901, {}));
}

TEST_CASE("an event for every session of one agent is encoded once and only its seq differs", "[engine][scale]") {
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

    const ucs::server::Output out = h.engine().receive(
        second.id(), request_text(99, method::change_status, {{"status", "AUX"}, {"reason", "Break"}}), h.now());
    const auto states = events_named(out, "agent.state");
    REQUIRE(states.size() == 2);
    CHECK(states[0]->connection != states[1]->connection);
    CHECK(states[0]->frame.shared == states[1]->frame.shared);  // one encoding, shared
    for (const auto* frame : states) {
        const json::value event = json::parse(frame->frame.text());
        CHECK(event.at("params").at("reason") == "Break");
        const Client& to = frame->connection == first.id() ? first : second;
        CHECK(event.at("params").at("seq").to_number<std::uint64_t>() == to.last_seq + 1);
    }
}

TEST_CASE("a session's replay buffer keeps no more bytes than configured and resume then rebuilds from a snapshot",
          "[engine][scale][resume]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.resume_buffer_bytes = 400;  // less than one call event
    Harness h(config);
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    alice.take_events();
    const std::uint64_t seen = alice.last_seq;
    // Events while alice's bar is away: a disconnected bar is offered no calls (core/rules/acd.hpp), so
    // they come from another session of hers (a second tab) changing her status.
    Client& tab = h.connect();
    tab.hello();
    h.advance(1'000);
    tab.login_sso("agent1", false);
    tab.provision();
    h.disconnect(alice);
    tab.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
    tab.ok(method::change_status, {{"status", "READY"}});
    h.reconnect(alice);
    const auto resumed = alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", seen}});
    CHECK(resumed.at("replayed").is_null());
    CHECK(resumed.at("snapshot").at("status") == "READY");
}

TEST_CASE("events older than the replay age are not replayed", "[engine][scale][resume]") {
    for (const bool aged : {false, true}) {
        ucs::server::EngineConfig config = ucs::test::demo_config();
        if (aged) config.resume_buffer_ms = 10'000;
        Harness h(config);
        Client& alice = h.connect();
        alice.ready_agent("agent1", "101");
        alice.take_events();
        const std::uint64_t seen = alice.last_seq;
        h.disconnect(alice);
        const std::string uniqueid = h.ring_queue(2);  // the missed events begin here
        h.advance(11'000);
        h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");  // newer events push the old ones out
        h.reconnect(alice);
        const auto resumed = alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", seen}});
        INFO("aged " << aged);
        CHECK(resumed.at("replayed").is_null() == aged);
    }
}

TEST_CASE("the next deadline is the silence of the connection heard from longest ago", "[engine][scale]") {
    Harness h;
    Client& a = h.connect();
    h.advance(1'000);
    Client& b = h.connect();
    h.advance(1'000);
    Client& c = h.connect();
    const std::int64_t b_opened = h.now() - 1'000;
    h.advance(1'000);
    a.hello();  // a speaks: b is now the one heard from longest ago
    REQUIRE(h.next_deadline());
    CHECK(*h.next_deadline() == b_opened + 45'000);
    h.tick_at(b_opened + 45'000);
    CHECK(h.closed(b));
    CHECK_FALSE(h.closed(a));
    CHECK_FALSE(h.closed(c));
    CHECK(*h.next_deadline() == b_opened + 1'000 + 45'000);  // c's
}

TEST_CASE("a session resumed within its grace does not end when the grace would have run out",
          "[engine][scale][resume]") {
    Harness h;
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    h.disconnect(alice);
    h.advance(60'000);
    h.reconnect(alice);
    alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", alice.last_seq}});
    for (int i = 0; i < 8; ++i) {  // 120 s of heartbeats: past the first grace
        h.advance(15'000);
        alice.ok(method::ping);
    }
    CHECK(logged_in(h, "agent1"));
    h.disconnect(alice);
    h.advance(119'000);
    CHECK(logged_in(h, "agent1"));
    h.advance(1'000);
    CHECK_FALSE(logged_in(h, "agent1"));
    CHECK_FALSE(h.next_deadline());  // nothing left to wait for
}

// The engine finds who is on a call (has_calls, first_call_of) and who holds a phone (agent_on_line)
// through indexes kept as calls and pairings change; debug builds also check each answer against a
// scan of every call. These follow the index through the changes a scan never had to notice.
namespace {

std::string error_code_of(const json::object& error) { return std::string(error.at("data").at("code").as_string()); }

// identify is refused during a call: it asks whether the agent has one.
bool on_a_call(Client& agent) {
    const json::object answer = agent.request(method::identify);
    if (answer.contains("error")) return error_code_of(answer.at("error").as_object()) == "INVALID_STATE";
    return false;
}

// Alice (agent1) READY on 101 and Bob (agent2) READY on 102.
struct TwoAgentsReady {
    Harness h;
    Client& alice = h.connect();
    Client& bob = h.connect();
    TwoAgentsReady() {
        alice.ready_agent("agent1", "101");
        bob.ready_agent("agent2", "102");
    }
};

}  // namespace

TEST_CASE_METHOD(TwoAgentsReady, "who is on a call follows an internal call from ringing to its end", "[engine][scale][calls]") {

    alice.ok(method::dial, {{"number", "102"}});
    REQUIRE(bob.next_event("call.ringing"));
    CHECK(error_code_of(alice.error(method::identify)) == "INVALID_STATE");
    CHECK(error_code_of(bob.error(method::identify)) == "INVALID_STATE");
    bob.ok(method::answer);
    bob.ok(method::hangup);
    REQUIRE(alice.next_event("call.hangup"));
    // The call ended for both: each may choose another phone.
    CHECK(!on_a_call(alice));
    CHECK(!on_a_call(bob));
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
}

TEST_CASE_METHOD(TwoAgentsReady, "an agent who blind-transfers a call is off it and the target is on it", "[engine][scale][transfer]") {

    const std::string uniqueid(alice.ok(method::dial, {{"number", "601550000"}}).at("uniqueid").as_string());
    h.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/answer");
    alice.ok(method::blind_transfer, {{"number", "102"}});
    REQUIRE(bob.next_event("call.ringing"));
    CHECK(!on_a_call(alice));  // identify succeeded: alice is off the call
    CHECK(error_code_of(bob.error(method::identify)) == "INVALID_STATE");
    // The transferred call now belongs to bob: his logout ends it.
    bob.ok(method::logout);
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
}

TEST_CASE_METHOD(TwoAgentsReady, "a logout ends each of the agent's calls and no other agent's", "[engine][scale][calls]") {

    alice.ok(method::dial, {{"number", "601550000"}});
    bob.ok(method::dial, {{"number", "601660000"}});
    REQUIRE(h.http("GET", "/api/v1.0/calls").body.as_array().size() == 2);
    alice.ok(method::logout);
    const auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("caller_username") == "agent2");
    CHECK(error_code_of(bob.error(method::identify)) == "INVALID_STATE");
}

TEST_CASE_METHOD(TwoAgentsReady, "the agent on a phone follows pairing, unpairing and logout", "[engine][scale][pairing]") {
    bob.ok(method::identify);  // bob gives up 102 and chooses again
    CHECK(error_code_of(bob.error(method::identifier, {{"identifier", "101"}})) == "DEVICE_IN_USE");
    alice.ok(method::identify);  // alice unpairs 101
    bob.pair("101");
    bob.provision();
    bob.ok(method::change_status, {{"status", "READY"}});
    // A direct call to 101 now rings bob, who holds it.
    REQUIRE(h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601999888","to":"101"})").status == 201);
    REQUIRE(bob.next_event("call.ringing"));
    CHECK(!alice.next_event("call.ringing"));
    bob.ok(method::logout);  // the call ends with bob's logout and 101 is free again
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
    alice.pair("101");
}
