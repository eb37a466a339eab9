// ucsd's rules as a CRM integrator meets them (issue 14): whom the ACD offers a call to when a bar
// is gone, frozen or just rejected it; provisioning without a phone; what a dial means (numbers as
// CRMs write them, the campaign rule); the statistics and the call fields before connect.
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/rules/acd.hpp"
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

std::string error_code(const json::object& error) {
    return std::string(error.at("data").at("code").as_string());
}

// Alice (agent1) READY on 101 first, so she is the longest idle; Bob (agent2) READY on 102 later.
// Both are members of queue 1.
struct AliceIdleLongerThanBob {
    Harness h;
    Client& alice = h.connect();
    Client& bob = ready_later();
    AliceIdleLongerThanBob() = default;

private:
    Client& ready_later() {
        alice.ready_agent("agent1", "101");
        h.advance(5'000);
        Client& c = h.connect();
        c.ready_agent("agent2", "102");
        return c;
    }
};

// Alice READY on a phone, alone in queue 1 (Bob is not logged in).
struct AliceAlone {
    Harness h;
    Client& alice = h.connect();
    AliceAlone() { alice.ready_agent("agent1", "101"); }
};

}  // namespace

// ---- item 4: a dead bar is not offered calls ------------------------------------------------------

TEST_CASE_METHOD(AliceIdleLongerThanBob, "a queue call skips the longest idle agent whose bar lost its connection",
                 "[engine][acd][page-life]") {
    h.disconnect(alice);  // socket aborted, no logout: the session waits for a resume
    const std::string uniqueid = h.ring_queue(1);
    auto ringing = bob.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == uniqueid);
    const auto agents = h.http("GET", "/api/v1.0/agents").body.as_array();
    CHECK(agents[0].at("logged_in") == true);  // her session waits for a resume
    CHECK(agents[0].at("bar_live") == false);
    CHECK(agents[1].at("bar_live") == true);
}

TEST_CASE_METHOD(AliceAlone,
                 "a caller waits while the only agent's bar is disconnected and rings as soon as it resumes",
                 "[engine][acd][page-life]") {
    alice.take_events();
    const std::uint64_t seen = alice.last_seq;
    h.disconnect(alice);
    h.ring_queue(1);
    h.advance(3'000);
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[0].at("waiting") == 1);
    h.reconnect(alice);
    alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", seen}});
    CHECK(alice.next_event("call.ringing"));
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[0].at("waiting") == 0);
}

TEST_CASE_METHOD(AliceIdleLongerThanBob, "a bar whose page is frozen is skipped until it says it resumed",
                 "[engine][acd][page-life]") {
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("bar_live") == true);
    CHECK(alice.ok(method::ping, {{"frozen", true}}).at("frozen") == true);
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("bar_live") == false);  // reported
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("logged_in") == true);
    h.ring_queue(1);
    CHECK(bob.next_event("call.ringing"));
    CHECK_FALSE(alice.next_event("call.ringing"));
    bob.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
    h.ring_queue(1, "601000002");
    CHECK_FALSE(alice.next_event("call.ringing"));
    CHECK(alice.ok(method::ping, {{"frozen", false}}).at("frozen") == false);
    CHECK(alice.next_event("call.ringing"));
    CHECK(alice.ok(method::ping).at("frozen") == false);  // a plain heartbeat changes nothing
}

TEST_CASE("a queue may ring a desk phone whose bar is disconnected, but never a softphone",
          "[engine][acd][page-life]") {
    Harness h;
    for (auto& queue : h.store().directory().queues) queue.ring_unattended_desk_phones = queue.info.id == 1;
    h.restart();
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");  // desk phone
    alice.take_events();
    h.disconnect(alice);
    h.ring_queue(1);
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[0].at("waiting") == 0);  // rings on her desk
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("connected_username") == "agent1");

    Client& carol = h.connect();
    carol.ready_agent("agent3", "203");  // a softphone in queue 2, which keeps the default
    h.disconnect(carol);
    h.ring_queue(2);
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[1].at("waiting") == 1);
}

TEST_CASE("with the per-queue setting a disconnected softphone is still skipped", "[engine][acd][page-life]") {
    Harness h;
    for (auto& queue : h.store().directory().queues) queue.ring_unattended_desk_phones = true;
    h.restart();
    Client& carol = h.connect();
    carol.ready_agent("agent3", "203");
    h.disconnect(carol);
    h.ring_queue(2);
    CHECK(h.http("GET", "/api/v1.0/queues").body.as_array()[1].at("waiting") == 1);
}

// ---- item 1: the unload beacon starts a grace ----------------------------------------------------

namespace {

ucs::server::HttpResponse beacon(Harness& h, const Client& page) {
    return h.http("POST", "/api/v1.0/session/logout", json::serialize(json::object{{"session", page.session_key}}),
                  false);
}

}  // namespace

TEST_CASE_METHOD(AliceAlone, "a reload that logs in again within the grace keeps the agent, the phone and the call",
                 "[engine][page-life]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    REQUIRE(beacon(h, alice).status == 200);
    h.disconnect(alice);  // the page goes away
    h.advance(1'500);     // (also makes a fresh SSO token)
    Client& reloaded = h.connect();
    reloaded.hello();
    reloaded.login_sso("agent1");  // the documented sso() on the new page
    auto state = reloaded.provision();
    CHECK(state.at("device").at("identifier") == "101");
    REQUIRE(state.at("call").is_object());
    CHECK(state.at("call").at("uniqueid") == uniqueid.c_str());
    h.advance(10'000);  // the old page's grace passes: it logs out, the agent stays with the new page
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("uniqueid") == uniqueid.c_str());
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("logged_in") == true);
    reloaded.take_events();
    reloaded.ok(method::hangup);  // and the new page controls the call
    auto ended = reloaded.next_event("call.hangup");
    REQUIRE(ended);
    CHECK(call_of(*ended).uniqueid == uniqueid);
}

TEST_CASE_METHOD(AliceAlone, "a page that resumes its session within the grace continues as if nothing happened",
                 "[engine][page-life]") {
    h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    const std::uint64_t seen = alice.last_seq;
    REQUIRE(beacon(h, alice).status == 200);
    h.disconnect(alice);
    h.advance(1'000);
    h.reconnect(alice);
    CHECK(alice.ok(method::resume_session, {{"session", alice.session_key}, {"last_seq", seen}}).at("state") ==
          "READY");
    h.advance(30'000);
    alice.ok(method::ping);
    CHECK_FALSE(alice.next_event("session.loggedOut"));
    CHECK(alice.ok(method::state).at("call").is_object());
}

TEST_CASE_METHOD(AliceAlone, "a closed page nobody comes back to logs the agent out and ends the call after the grace",
                 "[engine][page-life]") {
    const std::string uniqueid = h.ring_queue(1);
    alice.ok(method::answer);
    alice.take_events();
    REQUIRE(beacon(h, alice).status == 200);
    h.advance(ucs::server::EngineConfig{}.page_close_grace_ms - 1);
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().size() == 1);
    CHECK_FALSE(alice.next_event("session.loggedOut"));
    h.advance(1);
    CHECK(alice.next_event("session.loggedOut"));
    CHECK(h.http("GET", "/api/v1.0/calls").body.as_array().empty());
    CHECK(h.http("GET", "/api/v1.0/agents").body.as_array()[0].at("logged_in") == false);
    (void)uniqueid;
}

TEST_CASE("the grace after the unload beacon is configurable", "[engine][page-life]") {
    ucs::server::EngineConfig config = ucs::test::demo_config();
    config.page_close_grace_ms = 0;
    Harness h(config);
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    REQUIRE(beacon(h, alice).status == 200);
    h.advance(0);
    CHECK(alice.next_event("session.loggedOut"));
}

// ---- item 2: two tabs of one agent stay in step ---------------------------------------------------

TEST_CASE("identify in one tab tells the other tab, which can pair again and carry on",
          "[engine][page-life][pairing]") {
    Harness h;
    Client& tab_a = h.connect();
    tab_a.ready_agent("agent1", "101");
    Client& tab_b = h.connect();
    tab_b.hello();
    h.advance(1'000);  // a fresh SSO token
    tab_b.login_sso("agent1", false);
    tab_b.provision();
    tab_a.take_events();
    tab_b.take_events();

    tab_a.ok(method::identify);
    auto moved = tab_b.next_event("session.state");
    REQUIRE(moved);
    CHECK(moved->at("state") == "IDENTIFY");
    CHECK(moved->at("device").is_null());
    CHECK_FALSE(tab_a.next_event("session.state"));  // the tab that asked has its answer

    tab_b.pair("102");  // tab B continues where A left off
    auto paired = tab_a.next_event("session.state");
    REQUIRE(paired);
    CHECK(paired->at("state") == "DEVICE");
    CHECK(paired->at("device").at("identifier") == "102");
    tab_b.provision();
    tab_a.provision();
    tab_b.ok(method::change_status, {{"status", "READY"}});
    CHECK(tab_a.next_event("agent.state"));
}

// ---- item 10: a rejected call goes to the next agent ----------------------------------------------

TEST_CASE_METHOD(AliceIdleLongerThanBob, "a rejected queue call rings the next agent, not the one who rejected it",
                 "[engine][acd]") {
    const std::string uniqueid = h.ring_queue(1);
    REQUIRE(alice.next_event("call.ringing"));
    alice.ok(method::hangup);
    auto ringing = bob.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == uniqueid);
    CHECK_FALSE(alice.next_event("call.ringing"));
}

TEST_CASE_METHOD(AliceAlone, "the only agent who rejected a call is offered it again only after the back-off",
                 "[engine][acd]") {
    h.ring_queue(1);
    REQUIRE(alice.next_event("call.ringing"));
    alice.ok(method::hangup);
    alice.take_events();
    h.advance(1'000);
    CHECK_FALSE(alice.next_event("call.ringing"));
    h.advance(ucs::reject_backoff_ms - 1'001);
    CHECK_FALSE(alice.next_event("call.ringing"));
    h.advance(1);
    CHECK(alice.next_event("call.ringing"));
}

TEST_CASE_METHOD(AliceIdleLongerThanBob, "when everyone rejected a call, the first whose back-off ends gets it again then", "[engine][acd]") {
    const std::string uniqueid = h.ring_queue(1);
    REQUIRE(alice.next_event("call.ringing"));
    alice.ok(method::hangup);  // t0
    REQUIRE(bob.next_event("call.ringing"));
    h.advance(3'000);
    bob.ok(method::hangup);  // t0 + 3 s
    alice.take_events();
    h.advance(ucs::reject_backoff_ms - 3'001);
    CHECK_FALSE(alice.next_event("call.ringing"));
    h.advance(1);  // alice's back-off ends, bob's not yet
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == uniqueid);
    CHECK_FALSE(bob.next_event("call.ringing"));
}

TEST_CASE_METHOD(AliceAlone, "a caller rejected by one agent does not hold up the callers behind it", "[engine][acd]") {
    const std::string first = h.ring_queue(1, "601000001");
    REQUIRE(alice.next_event("call.ringing"));
    const std::string second = h.ring_queue(1, "601000002");
    alice.ok(method::hangup);
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).uniqueid == second);
    (void)first;
}

// ---- item 7: provision without a phone --------------------------------------------------------------

TEST_CASE("provision without a phone is refused with NO_DEVICE unless the bar is withoutDevice", "[engine][pairing]") {
    Harness h;
    Client& c = h.connect();
    c.hello();
    c.login_sso("agent1");
    auto refused = c.error(method::provision);
    CHECK(error_code(refused) == "NO_DEVICE");
    CHECK(std::string(refused.at("message").as_string()).find("withoutDevice") != std::string::npos);
    CHECK(error_code(c.error(method::change_status, {{"status", "READY"}})) == "INVALID_STATE");  // still IDENTIFY
    auto state = c.ok(method::provision, {{"withoutDevice", true}});
    CHECK(state.at("device").is_null());
    c.ok(method::change_status, {{"status", "READY"}});
}

TEST_CASE("provision with a paired phone needs no flag", "[engine][pairing]") {
    Harness h;
    Client& c = h.connect();
    c.hello();
    c.login_sso("agent1");
    c.pair("101");
    CHECK(c.ok(method::provision).at("device").at("identifier") == "101");
}

// ---- item 5: numbers as CRMs store them ------------------------------------------------------------

TEST_CASE_METHOD(AliceAlone, "dial accepts numbers written with spaces, brackets and dashes and dials their digits",
                 "[engine][calls][dial]") {
    for (const char* written : {"+420 777 000 111", "(0800) 123-456", "0800-123-456", "00420 777 000 111"}) {
        INFO(written);
        auto result = alice.ok(method::dial, {{"number", written}});
        const ucs::Call call = *ucs::from_json<ucs::Call>(result.at("call"));
        std::string digits;
        for (char ch : std::string(written))
            if ((ch >= '0' && ch <= '9') || ch == '+') digits.push_back(ch);
        CHECK(call.number == digits);
        alice.ok(method::hangup);
    }
    auto refused = alice.error(method::dial, {{"number", "call me"}});
    CHECK(refused.at("data").at("field") == "params.number");
    CHECK(alice.error(method::dial, {{"number", " - "}}).at("data").at("field") == "params.number");
}

TEST_CASE_METHOD(AliceAlone, "blind transfer and the consultation of transfer take formatted numbers too",
                 "[engine][transfer][dial]") {
    h.ring_queue(1);
    alice.ok(method::answer);
    auto consultation = alice.ok(method::transfer, {{"number", "601 555 123"}});
    CHECK(ucs::from_json<ucs::Call>(consultation.at("call"))->number == "601555123");
    alice.ok(method::hangup);  // the consultation
    alice.ok(method::unhold);
    CHECK(alice.error(method::blind_transfer, {{"number", "abc"}}).at("data").at("field") == "params.number");
    alice.ok(method::blind_transfer, {{"number", "(601) 555-124"}});
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("connected_number") == "601555124");
}

TEST_CASE("the sandbox takes a caller's formatted number and names the field when nothing is dialable",
          "[engine][rest][dial]") {
    Harness h;
    auto placed = h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"+420 601 000 001","queue":1})");
    REQUIRE(placed.status == 201);
    auto calls = h.http("GET", "/api/v1.0/calls").body.as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("caller_number") == "+420601000001");
    auto refused = h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"anonymous","queue":1})");
    CHECK(refused.status == 400);
    CHECK(refused.body.at("error").at("field") == "from");
}

// ---- item 6: a plain dial is a plain call ---------------------------------------------------------

TEST_CASE_METHOD(AliceAlone, "a plain dial of an agent without a default campaign is a direct call",
                 "[engine][calls][campaign]") {
    auto result = alice.ok(method::dial, {{"number", "0800123456"}});
    const ucs::Call call = *ucs::from_json<ucs::Call>(result.at("call"));
    CHECK_FALSE(call.outbound_id.has_value());
    CHECK_FALSE(call.recorded);
    alice.ok(method::hangup);
    auto campaign = alice.ok(method::dial, {{"number", "0800123456"}, {"queue", 3}});
    CHECK(ucs::from_json<ucs::Call>(campaign.at("call"))->outbound_id == 3);
}

TEST_CASE("a plain dial of an agent with a default campaign belongs to it, a consultation never does",
          "[engine][calls][campaign]") {
    Harness h;
    for (auto& m : h.store().directory().memberships) m.default_campaign = m.user_id == 1 && m.queue_id == 3;
    h.restart();
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    auto plain = alice.ok(method::dial, {{"number", "0800123456"}});
    CHECK(ucs::from_json<ucs::Call>(plain.at("call"))->outbound_id == 3);
    alice.ok(method::hangup);

    h.ring_queue(1);
    alice.ok(method::answer);
    alice.ok(method::transfer);
    auto consultation = alice.ok(method::dial, {{"number", "601555123"}});
    const ucs::Call call = *ucs::from_json<ucs::Call>(consultation.at("call"));
    CHECK_FALSE(call.outbound_id.has_value());
    CHECK_FALSE(call.recorded);
    alice.ok(method::suspend, {{"queue", 3}});
    alice.ok(method::hangup);
    alice.ok(method::unhold);
    alice.ok(method::hangup);
    h.advance(20'000);  // wrap-up
    auto suspended = alice.ok(method::dial, {{"number", "0800123456"}});
    CHECK_FALSE(ucs::from_json<ucs::Call>(suspended.at("call"))->outbound_id.has_value());
}

// ---- recording: Call.recorded tells the truth ----------------------------------------------------

TEST_CASE_METHOD(AliceAlone, "only calls of a recorded queue say they are recorded", "[engine][calls][recording]") {
    h.ring_queue(2);  // Sales: not recorded (SANDBOX.md)
    auto sales = alice.next_event("call.ringing");
    REQUIRE(sales);
    CHECK_FALSE(ucs::from_json<ucs::Call>(sales->at("call"))->recorded);
    alice.ok(method::answer);
    alice.ok(method::hangup);
    h.advance(20'000);  // wrap-up
    h.ring_queue(1);  // Support: recorded
    auto support = alice.next_event("call.ringing");
    REQUIRE(support);
    CHECK(ucs::from_json<ucs::Call>(support->at("call"))->recorded);
}

TEST_CASE("a campaign call is recorded exactly when its outgoing queue is", "[engine][calls][recording]") {
    Harness h;
    for (auto& q : h.store().directory().queues) q.recorded = q.info.id == 3;
    h.restart();
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    auto campaign = alice.ok(method::dial, {{"number", "0800123456"}, {"queue", 3}});
    CHECK(ucs::from_json<ucs::Call>(campaign.at("call"))->recorded);
    alice.ok(method::hangup);
    h.advance(20'000);
    alice.inbox().clear();  // the campaign call's own events
    h.ring_queue(1);  // Support, no longer recorded in this directory
    auto support = alice.next_event("call.ringing");
    REQUIRE(support);
    CHECK_FALSE(ucs::from_json<ucs::Call>(support->at("call"))->recorded);
}

// ---- item 8: statistics --------------------------------------------------------------------------

TEST_CASE_METHOD(AliceAlone, "suspendtime grows while suspended and keeps growing only until resume",
                 "[engine][statistics]") {
    alice.ok(method::suspend, {{"queue", 1}});
    h.advance(2'000);
    alice.ok(method::resume, {{"queue", 1}});
    h.advance(5'000);
    CHECK(alice.ok(method::state).at("user").at("queues").at("1").at("suspendtime") == 2);
    alice.ok(method::suspend, {{"queue", 1}});
    h.advance(3'500);
    CHECK(alice.ok(method::state).at("user").at("queues").at("1").at("suspendtime") == 5);  // counted while suspended
    h.advance(500);
    alice.ok(method::resume, {{"queue", 1}});
    CHECK(alice.ok(method::state).at("user").at("queues").at("1").at("suspendtime") == 6);
}

TEST_CASE("incoming calls count as answered whether or not they came through a queue", "[engine][statistics]") {
    Harness h;
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    Client& bob = h.connect();
    bob.ready_agent("agent2", "102");
    alice.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
    bob.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
    alice.ok(method::dial, {{"number", "102"}});  // internal, no queue
    bob.ok(method::answer);
    h.advance(3'000);
    bob.ok(method::hangup);
    auto placed =
        h.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601000009","to":"102"})");  // direct from outside
    REQUIRE(placed.status == 201);
    bob.ok(method::hangup);  // rejected
    auto bob_user = bob.ok(method::state).at("user");
    CHECK(bob_user.at("in_calls_answered") == 1);
    CHECK(bob_user.at("in_calls_unanswered") == 1);
    CHECK(bob_user.at("in_talktime") == 0);  // times are the queues' only
    auto alice_user = alice.ok(method::state).at("user");
    CHECK(alice_user.at("out_calls_answered") == 1);
    CHECK(alice_user.at("out_talktime") == 0);  // not a campaign call
}

// ---- item 9: call fields before connect -------------------------------------------------------------

TEST_CASE("dialling an internal extension says line from the first event on", "[engine][calls]") {
    Harness h;
    Client& alice = h.connect();
    alice.ready_agent("agent1", "101");
    Client& bob = h.connect();
    bob.ready_agent("agent2", "102");
    alice.ok(method::dial, {{"number", "102"}});
    auto created = alice.next_event("call.new");
    REQUIRE(created);
    CHECK(call_of(*created).connected_type == ucs::ChannelType::line);
    CHECK(call_of(*created).connected_internal);
    auto ringing = alice.next_event("call.ringing");
    REQUIRE(ringing);
    CHECK(call_of(*ringing).connected_type == ucs::ChannelType::line);
    alice.ok(method::hangup);
    alice.take_events();
    alice.ok(method::dial, {{"number", "601555123"}});
    auto outside = alice.next_event("call.new");
    REQUIRE(outside);
    CHECK(call_of(*outside).connected_type == ucs::ChannelType::trunk);
    CHECK_FALSE(call_of(*outside).connected_internal);
}
