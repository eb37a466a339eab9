// The agent engine's units on their own: the link (connection.hpp), the call book, notifications,
// the view model, and login driven with canned frames from a pretend ucsd. Native and wasm.
#include "agent/call_book.hpp"
#include "agent/connection.hpp"
#include "agent/login.hpp"
#include "agent/notifications.hpp"
#include "agent/softphone.hpp"
#include "core/json.hpp"
#include "support/canned_server.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>

namespace json = boost::json;
using ucs::test::CannedServer;
using Lines = std::vector<std::string>;

namespace {

bool has_line(const Lines& lines, const std::string& prefix) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(prefix); });
}

ucs::Call call(std::string uniqueid, ucs::CallState state, ucs::Direction direction) {
    ucs::Call c;
    c.uniqueid = std::move(uniqueid);
    c.state = state;
    c.direction = direction;
    c.caller_number = "601234567";
    c.called_number = "101";
    c.number = "601234567";
    c.connected_channel = "SIP/101-00000001";
    return c;
}

ucs::User user() {
    ucs::User u;
    u.id = 1;
    u.displayname = "Alice Nováková";
    u.firstname = "Alice";
    u.lastname = "Nováková";
    u.locale = "en";
    return u;
}

// A link that is up, for the Connection tests.
struct Link {
    ucs::agent::Outputs out;
    ucs::test::FixedAgentRandom random;
    ucs::agent::Connection connection{out, random, "ws://ucs/ws", "test/1"};

    Lines lines() {
        Lines out_lines;
        for (const auto& e : out.take()) {
            if (auto line = ucs::test::effect_line(e); line != "view") out_lines.push_back(line);
        }
        return out_lines;
    }
    void up(const char* session = "s1") {
        connection.start();
        connection.opened();
        connection.receive(CannedServer::result(1, json::object{{"session", session}, {"heartbeat_ms", 15000}}));
        lines();
    }
};

}  // namespace

// ---- the link ------------------------------------------------------------------------------------

TEST_CASE("a new link greets with hello and a known session resumes from its last event", "[agent][connection]") {
    Link link;
    link.connection.start();
    link.connection.opened();
    CHECK(link.lines() == Lines{"open ws://ucs/ws",
                                R"(send {"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocol":"ucs-agent/1","client":"test/1"}})"});
    auto greeted = link.connection.receive(CannedServer::result(1, json::object{{"session", "s1"}, {"heartbeat_ms", 10000}}));
    REQUIRE(std::holds_alternative<ucs::agent::Greeted>(greeted));
    CHECK(std::get<ucs::agent::Greeted>(greeted).first);
    CHECK(link.lines() == Lines{"timer heartbeat 10000"});
    link.connection.receive(CannedServer::event("user", 7, {}));
    (void)link.connection.closed();
    link.lines();
    link.connection.opened();
    CHECK(link.lines() == Lines{R"(send {"jsonrpc":"2.0","id":2,"method":"session.resume","params":{"session":"s1","last_seq":7}})"});
}

TEST_CASE("events already handled before a reconnect are dropped by their sequence number", "[agent][connection]") {
    Link link;
    link.up();
    CHECK(std::holds_alternative<ucs::agent::EventIn>(link.connection.receive(CannedServer::event("user", 3, {}))));
    CHECK(std::holds_alternative<std::monostate>(link.connection.receive(CannedServer::event("user", 3, {}))));
    CHECK(std::holds_alternative<std::monostate>(link.connection.receive(CannedServer::event("user", 2, {}))));
    CHECK(std::holds_alternative<ucs::agent::EventIn>(link.connection.receive(CannedServer::event("user", 4, {}))));
}

TEST_CASE("a heartbeat left unanswered drops the link and schedules a reconnect", "[agent][connection]") {
    Link link;
    link.up();
    CHECK(link.connection.heartbeat_due().empty());
    CHECK(link.lines() == Lines{R"(send {"jsonrpc":"2.0","id":2,"method":"ping","params":{}})", "timer heartbeat 15000"});
    auto failed = link.connection.heartbeat_due();
    const Lines lines = link.lines();
    CHECK(lines.at(0) == "close");
    CHECK(has_line(lines, "callback onWarning [\"connection to UCS lost; reconnecting\"]"));
    CHECK(has_line(lines, "timer reconnect "));
    REQUIRE(failed.size() == 1);  // the unanswered ping itself
    CHECK(failed[0].request.reply == ucs::agent::Reply::ping);
}

TEST_CASE("reconnect attempts back off exponentially up to thirty seconds", "[agent][connection]") {
    Link link;
    link.connection.start();
    std::vector<std::int64_t> delays;
    for (int attempt = 0; attempt < 9; ++attempt) {
        (void)link.connection.closed();
        for (const auto& e : link.out.take())
            if (const auto* timer = std::get_if<ucs::agent::StartTimer>(&e)) delays.push_back(timer->delay);
    }
    // FixedAgentRandom's 0x42 puts the jitter at 0.8 + 0.4 * 66/255.
    const double jitter = 0.8 + 0.4 * (66.0 / 255.0);
    const std::vector<std::int64_t> expected_base{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    REQUIRE(delays.size() == expected_base.size());
    for (std::size_t i = 0; i < delays.size(); ++i) CHECK(delays[i] == static_cast<std::int64_t>(static_cast<double>(expected_base[i]) * jitter));
}

TEST_CASE("requests made while the link is down wait for it, and fail if it closes again", "[agent][connection]") {
    Link link;
    link.up();
    (void)link.connection.closed();
    link.lines();
    link.connection.send("hangup", {}, ucs::agent::Request(ucs::agent::Reply::plain, 9));
    CHECK(link.lines().empty());  // nothing goes out while down
    auto failed = link.connection.closed();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].request.promise == 9U);
    CHECK(std::get<ucs::agent::RpcFailure>(failed[0].outcome).name == "NETWORK_ERROR");
}

TEST_CASE("a resume that cannot replay asks to be rebuilt from the snapshot", "[agent][connection]") {
    Link link;
    link.up();
    (void)link.connection.closed();
    link.connection.opened();
    auto resumed = link.connection.receive(CannedServer::result(2, json::object{{"session", "s1"}, {"replayed", nullptr}, {"state", "READY"}}));
    REQUIRE(std::holds_alternative<ucs::agent::Resumed>(resumed));
    CHECK(std::get<ucs::agent::Resumed>(resumed).rebuild_from.has_value());
}

TEST_CASE("a reply nobody asked for and a frame that is not JSON are ignored, the latter with a warning", "[agent][connection]") {
    Link link;
    link.up();
    CHECK(std::holds_alternative<std::monostate>(link.connection.receive(CannedServer::result(77, nullptr))));
    CHECK(link.lines().empty());
    CHECK(std::holds_alternative<std::monostate>(link.connection.receive("{not json")));
    CHECK(link.lines() == Lines{R"(callback onWarning ["UCS sent a frame that is not a JSON object"])"});
}

// ---- the call book -------------------------------------------------------------------------------

TEST_CASE("the current call is the live one, else the first held one", "[agent][calls]") {
    ucs::agent::CallBook book;
    CHECK(book.current() == nullptr);
    book.update(call("1.1", ucs::CallState::held, ucs::Direction::INCOMING), std::nullopt);
    CHECK(book.current()->uniqueid == "1.1");
    book.update(call("1.2", ucs::CallState::invitation, ucs::Direction::OUTGOING), std::string("1.1"));
    CHECK(book.current()->uniqueid == "1.2");
    book.remove("1.2");
    CHECK(book.current()->uniqueid == "1.1");
}

TEST_CASE("the call situation carries the consultation link and the agent's side of each call", "[agent][calls]") {
    ucs::agent::CallBook book;
    book.update(call("1.1", ucs::CallState::held, ucs::Direction::INCOMING), std::nullopt);
    book.update(call("1.2", ucs::CallState::connected, ucs::Direction::OUTGOING), std::string("1.1"));
    const ucs::CallSituation situation = book.situation(true);
    REQUIRE(situation.legs.size() == 2);
    CHECK_FALSE(situation.legs[0].agent_placed);
    CHECK(situation.legs[1].agent_placed);
    CHECK(situation.legs[1].consultation_of == "1.1");
    CHECK(ucs::decide(ucs::CallAction::finishTransfer, situation).allowed());
    CHECK_FALSE(book.situation(false).has_device);
}

// ---- notifications --------------------------------------------------------------------------------

TEST_CASE("a unique notification replaces its twin of the same group only", "[agent][notify]") {
    ucs::agent::Notifications list;
    list.add({"Saved", "success", true, std::nullopt, std::nullopt, std::string("a"), {}}, 0);
    list.add({"Saved", "success", true, std::nullopt, std::nullopt, std::string("b"), {}}, 0);
    list.add({"Saved", "success", true, std::nullopt, std::nullopt, std::string("a"), {}}, 0);
    CHECK(list.all().size() == 2);
}

TEST_CASE("timed notifications expire in order and the earliest sets the next expiry", "[agent][notify]") {
    ucs::agent::Notifications list;
    list.add({"later", "info", false, 5000, std::nullopt, std::nullopt, {}}, 1000);
    list.add({"sooner", "info", false, 2000, std::nullopt, std::nullopt, {}}, 1000);
    list.add({"stays", "error", false, std::nullopt, std::nullopt, std::nullopt, {}}, 1000);
    CHECK(list.next_expiry() == 3000);
    CHECK(list.expire(3000));
    CHECK(list.next_expiry() == 6000);
    CHECK(list.expire(6000));
    CHECK(list.all().size() == 1);
    CHECK_FALSE(list.next_expiry());
}

TEST_CASE("a notify timeout past the end of time never expires instead of overflowing", "[agent][notify]") {
    ucs::agent::Notifications list;
    list.add({"forever", "info", false, std::numeric_limits<std::int64_t>::max(), std::nullopt, std::nullopt, {}}, 1'700'000'000'000);
    CHECK_FALSE(list.next_expiry());
}

TEST_CASE("placeholders are filled from other.values, numbers written as JSON", "[agent][notify]") {
    const json::object other{{"values", json::object{{"identifier", "cisco"}, {"count", 3}}}};
    CHECK(ucs::agent::fill_placeholders("Bad identifier: {identifier} ({count}, {identifier})", other) ==
          "Bad identifier: cisco (3, cisco)");
    CHECK(ucs::agent::fill_placeholders("{x}", json::object{}) == "{x}");
}

// ---- login and events, with canned frames ------------------------------------------------------------

TEST_CASE("an sso answer of the wrong shape rejects its promise once, with a warning naming the field", "[agent][login]") {
    CannedServer bar;
    bar.greeted();
    bar.call("sso", {"agent1", "token", "CRM"}, 5);
    const Lines lines = bar.frame(CannedServer::result(2, json::object{{"user", json::object{{"id", "one"}}}}));
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("settle #5 "); }) == 1);
    CHECK(has_line(lines, "settle #5 error {\"code\":\"PROTOCOL_ERROR\""));
    CHECK(has_line(lines, "callback onLoginError "));
    // A late duplicate of the answer settles nothing.
    CHECK_FALSE(has_line(bar.frame(CannedServer::result(2, json::object{{"user", ucs::to_json(user())}, {"state", "IDENTIFY"}})), "settle"));
    CHECK(bar.agent().app_state() == ucs::AppState::CREDENTIALS);
}

TEST_CASE("a login answer for a mirrored session with a paired phone goes to DEVICE without pairing again", "[agent][login]") {
    CannedServer bar(json::object{{"confirmDevice", true}});
    bar.greeted();
    bar.call("sso", {"agent1", "token"}, 5);
    ucs::Device phone{101, "101", "Desk phone 101", "101"};
    const Lines lines = bar.frame(CannedServer::result(2, json::object{{"user", ucs::to_json(user())}, {"state", "DEVICE"}, {"device", ucs::to_json(phone)}}));
    CHECK(bar.agent().app_state() == ucs::AppState::DEVICE);
    CHECK(has_line(lines, "callback onDevice "));
    CHECK_FALSE(has_line(lines, "send {\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"identifier\""));
}

TEST_CASE("a second login while one is in flight is refused whatever its kind", "[agent][login]") {
    CannedServer bar;
    bar.greeted();
    bar.call("login", {"agent1", "demo"}, 1);
    const Lines lines = bar.call("sso", {"agent1", "token"}, 2);
    CHECK(has_line(lines, "settle #2 error {\"code\":\"INVALID_STATE\""));
}

TEST_CASE("a call event without caller_user_id is kept and the view renders it", "[agent][view]") {
    CannedServer bar(json::object{{"identifyURL", true}}, [] {
        ucs::agent::Environment e;
        e.url_identifier = "101";
        return e;
    }());
    bar.greeted();
    json::value incoming = ucs::to_json(call("1.1", ucs::CallState::invitation, ucs::Direction::INCOMING));
    incoming.as_object().erase("caller_user_id");
    bar.frame(CannedServer::event("call.ringing", 1, json::object{{"call", incoming}}));
    const json::value view = bar.agent().view(bar.now);
    CHECK(view.at("calls").as_array().size() == 1);
    CHECK(view.at("calls").at(0).at("agentMuted") == false);
}

TEST_CASE("wrap-up that ends at an absurd time counts down without overflowing", "[agent][view]") {
    CannedServer bar;
    bar.greeted();
    for (std::int64_t until : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
        bar.frame(CannedServer::event("agent.state", until == std::numeric_limits<std::int64_t>::min() ? 1 : 2,
                                      json::object{{"status", "ACW"}, {"reason", nullptr}, {"until", until}}));
        const json::value remaining = bar.agent().view(bar.now).at("acwRemaining");
        CHECK(remaining.as_int64() >= 0);
    }
}

TEST_CASE("an event with params of the wrong shape is a warning naming the field, and nothing changes", "[agent][events]") {
    CannedServer bar;
    bar.greeted();
    const Lines lines = bar.frame(CannedServer::event("waitingCallers", 1, json::object{{"waitingCallers", "many"}}));
    CHECK(lines == Lines{R"(callback onWarning ["UCS sent waitingCallers with invalid params: waitingCallers: expected an integer, got a string"])"});
    CHECK(bar.agent().view(bar.now).at("waitingCallers") == 0);
}

TEST_CASE("an unknown event is reported, not ignored", "[agent][events]") {
    CannedServer bar;
    bar.greeted();
    CHECK(bar.frame(CannedServer::event("call.teleport", 1, {})) == Lines{R"(callback onWarning ["unknown event from UCS: call.teleport"])"});
}

TEST_CASE("the app state only moves along its transitions", "[agent][login]") {
    using ucs::AppState;
    using ucs::agent::app_transition_allowed;
    CHECK(app_transition_allowed(AppState::CONNECTING, AppState::CREDENTIALS));
    CHECK(app_transition_allowed(AppState::READY, AppState::CREDENTIALS));  // logged out from anywhere
    CHECK(app_transition_allowed(AppState::CREDENTIALS, AppState::IDENTIFY));
    CHECK(app_transition_allowed(AppState::IDENTIFY, AppState::READY));  // withoutDevice
    CHECK(app_transition_allowed(AppState::READY, AppState::IDENTIFY));  // identify()
    CHECK_FALSE(app_transition_allowed(AppState::CREDENTIALS, AppState::READY));
    CHECK_FALSE(app_transition_allowed(AppState::CONNECTING, AppState::IDENTIFY));
    CHECK_FALSE(app_transition_allowed(AppState::READY, AppState::DEVICE));
}

// ---- the softphone ---------------------------------------------------------------------------------

namespace {

ucs::Device phone(ucs::DeviceType type) {
    return type == ucs::DeviceType::softphone ? ucs::Device{201, "201", "Softphone 201", "201", type}
                                              : ucs::Device{101, "101", "Desk phone 101", "101", type};
}

// READY on the given phone: sso (request 2), pairing by the URL identifier (3), provision (4). A
// softphone's tab is told it owns the agent's audio, as a browser with one tab of the CRM answers.
CannedServer ready_on(ucs::DeviceType type, json::object config = {}, bool media_owner = true, Lines* paired_lines = nullptr) {
    config["identifyURL"] = true;
    ucs::agent::Environment environment;
    environment.url_identifier = phone(type).identifier;
    CannedServer bar(config, environment);
    bar.greeted();
    bar.call("sso", {"agent1", "token"}, 1);
    bar.frame(CannedServer::result(2, json::object{{"user", ucs::to_json(user())}, {"state", "IDENTIFY"}}));
    bar.frame(CannedServer::result(3, json::object{{"device", ucs::to_json(phone(type))}, {"identifier", phone(type).identifier}}));
    ucs::ReadyState state;
    state.status = ucs::AgentStatus::READY;
    state.user = user();
    state.device = phone(type);
    const Lines paired = bar.frame(CannedServer::result(4, ucs::to_json(state)));
    REQUIRE(bar.agent().app_state() == ucs::AppState::READY);
    if (paired_lines != nullptr) *paired_lines = paired;
    if (type == ucs::DeviceType::softphone) {
        CHECK(has_line(paired, "claim-media-owner ucsOperator.media "));
        bar.agent().media_owner(media_owner, bar.now);
        (void)bar.agent().take_effects();
    } else {
        CHECK_FALSE(has_line(paired, "claim-media-owner"));
    }
    return bar;
}

std::string call_event(const char* name, std::uint64_t seq, const ucs::Call& c) {
    return CannedServer::event(name, seq, json::object{{"call", ucs::to_json(c)}});
}

// A queue call offered to agent1 (user 1) on line 201.
ucs::Call offered(ucs::CallState state) {
    ucs::Call c = call("1.1", state, ucs::Direction::INCOMING);
    c.connected_user_id = 1;
    return c;
}

Lines sound_lines(const Lines& lines) {
    Lines out;
    for (const auto& l : lines)
        if (l.starts_with("play ") || l == "stop-sound" || l.starts_with("microphone ") || l.starts_with("callback onWarning") ||
            l.starts_with("callback onError")) {
            out.push_back(l);
        }
    return out;
}

}  // namespace

TEST_CASE("a call ringing on a paired softphone loops the selected ringtone until it is answered", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    bar.agent().audio_output(true, bar.now);
    bar.call("selectRingingSound", {"quest"}, 10);
    bar.frame(CannedServer::result(5, json::object{{"ringingSound", "quest"}}));
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)))) == Lines{"play quest x0 ringer"});
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 2, offered(ucs::CallState::invitation)))).empty());  // still ringing
    CHECK(sound_lines(bar.frame(call_event("call.connect", 3, offered(ucs::CallState::connected)))) ==
          Lines{"stop-sound", "microphone open echoCancellation=1 noiseSuppression=1 autoGainControl=1"});
}

TEST_CASE("a ringing call that is rejected, picked up elsewhere or hung up stops the ringtone", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    bar.agent().audio_output(true, bar.now);
    bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)));
    ucs::Call gone = offered(ucs::CallState::invitation);
    gone.cause = ucs::HangupCause::pickup;
    CHECK(sound_lines(bar.frame(call_event("call.hangup", 2, gone))) == Lines{"stop-sound"});
}

TEST_CASE("ringback plays on the call speaker while the far end rings and stops when it answers", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    ucs::Call out = call("1.2", ucs::CallState::new_call, ucs::Direction::OUTGOING);
    out.caller_user_id = 1;
    out.connected_channel.reset();
    CHECK(sound_lines(bar.frame(call_event("call.new", 1, out))).empty());
    out.state = ucs::CallState::invitation;
    out.connected_channel = "SIP/trunk-00000002";
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 2, out))) == Lines{"play ringback x0 call"});
    out.state = ucs::CallState::connected;
    CHECK(sound_lines(bar.frame(call_event("call.connect", 3, out))) ==
          Lines{"stop-sound", "microphone open echoCancellation=1 noiseSuppression=1 autoGainControl=1"});
}

TEST_CASE("a busy number plays the busy tone three times, an unknown one the three-tone signal twice", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    ucs::Call out = call("1.2", ucs::CallState::connecting, ucs::Direction::OUTGOING);
    out.cause = ucs::HangupCause::busy;
    CHECK(sound_lines(bar.frame(call_event("call.hangup", 1, out))) == Lines{"play busy x3 call"});
    out.uniqueid = "1.3";
    out.cause = ucs::HangupCause::invalid_number;
    CHECK(sound_lines(bar.frame(call_event("call.hangup", 2, out))) == Lines{"play unobtainable x2 call"});
    CHECK(sound_lines(bar.frame(CannedServer::event("waitingCallers", 3, json::object{{"waitingCallers", 1}}))).empty());  // plays out
}

TEST_CASE("a desk phone rings on the desk: the bar makes no sound and opens no microphone", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::desk);
    bar.agent().audio_output(true, bar.now);
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)))).empty());
    CHECK(sound_lines(bar.frame(call_event("call.connect", 2, offered(ucs::CallState::connected)))).empty());
}

TEST_CASE("the ringtone test plays the selected ringtone twice on any phone and stopping it stops only the test", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::desk);
    // Chosen in another session of the agent: the event tells this one.
    bar.frame(CannedServer::event("ringingSound", 1, json::object{{"ringingSound", "rush"}}));
    CHECK(sound_lines(bar.call("testRingingSound", {}, 11)) == Lines{"play rush x2 ringer"});
    CHECK(sound_lines(bar.call("stopRingingSoundTest", {}, 12)) == Lines{"stop-sound"});
    CHECK(sound_lines(bar.call("stopRingingSoundTest", {}, 13)).empty());
}

TEST_CASE("a ring before the browser said whether it plays sound warns only when the browser reports it blocked", "[agent][softphone]") {
    // The audio output is created on the first ring, so its report comes after the ring started.
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)))) == Lines{"play default x0 ringer"});
    const Lines reported = sound_lines(bar.audio_output(false));
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].starts_with("callback onWarning [\"a call is ringing but cannot be heard"));
    CHECK(bar.agent().state().at("audio") == "blocked");
}

TEST_CASE("a ring into audio the browser reports as playing does not warn", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)))) == Lines{"play default x0 ringer"});
    CHECK(sound_lines(bar.audio_output(true)).empty());
    CHECK(bar.agent().state().at("audio") == "ready");
}

TEST_CASE("a ring the browser will not let play warns once, and again only after sound was allowed in between", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    CHECK(bar.agent().state().at("audio") == "blocked");
    bar.agent().audio_output(false, bar.now);  // the page had no gesture yet
    const Lines first = sound_lines(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation))));
    REQUIRE(first.size() == 2);
    CHECK(first[1].starts_with("callback onWarning [\"a call is ringing but cannot be heard"));
    ucs::Call gone = offered(ucs::CallState::invitation);
    gone.cause = ucs::HangupCause::caller_hung_up;
    bar.frame(call_event("call.hangup", 2, gone));
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 3, offered(ucs::CallState::invitation)))) == Lines{"play default x0 ringer"});
    CHECK(bar.agent().view(bar.now).at("audio") == json::object{{"softphone", true}, {"blocked", true}});
    bar.agent().audio_output(true, bar.now);
    CHECK(bar.agent().state().at("audio") == "ready");
    bar.frame(call_event("call.hangup", 4, gone));
    bar.agent().audio_output(false, bar.now);
    CHECK(sound_lines(bar.frame(call_event("call.ringing", 5, offered(ucs::CallState::invitation)))).size() == 2);
}

TEST_CASE("the microphone opens with the page's constraints, follows mute and closes after the call", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone, json::object{{"audioInputConstraints", json::object{{"echoCancellation", false}}}});
    CHECK(sound_lines(bar.frame(call_event("call.connect", 1, offered(ucs::CallState::connected)))) ==
          Lines{"microphone open echoCancellation=0 noiseSuppression=1 autoGainControl=1"});
    bar.agent().microphone_opened(bar.now);
    ucs::Call muted = offered(ucs::CallState::connected);
    muted.connected_muted = true;  // agent1 is the called side of an incoming call
    CHECK(sound_lines(bar.frame(call_event("call.mute", 2, muted))) == Lines{"microphone mute"});
    muted.connected_muted = false;
    CHECK(sound_lines(bar.frame(call_event("call.unmute", 3, muted))) == Lines{"microphone unmute"});
    muted.state = ucs::CallState::held;
    CHECK(sound_lines(bar.frame(call_event("call.hold", 4, muted))).empty());  // still the agent's call
    muted.cause = ucs::HangupCause::caller_hung_up;
    CHECK(sound_lines(bar.frame(call_event("call.hangup", 5, muted))) == Lines{"microphone close"});
}

TEST_CASE("a refused microphone is onError and a notice; the call goes on and the next call asks again", "[agent][softphone]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone);
    bar.frame(call_event("call.connect", 1, offered(ucs::CallState::connected)));
    bar.agent().microphone_failed("Permission denied", bar.now);
    const Lines lines = sound_lines(bar.frame(CannedServer::event("waitingCallers", 2, json::object{{"waitingCallers", 0}})));
    // Said once, and the microphone is not asked for again during this call.
    CHECK(lines == Lines{R"(callback onError ["the microphone could not be opened: Permission denied"])"});
    const auto notes = bar.agent().notifications();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].title == "the microphone could not be opened: Permission denied");
    CHECK(has_line(bar.call("hold", {}, 9), "send {\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"hold\""));
    ucs::Call ended = offered(ucs::CallState::connected);
    ended.cause = ucs::HangupCause::caller_hung_up;
    bar.frame(call_event("call.hangup", 3, ended));
    CHECK(sound_lines(bar.frame(call_event("call.connect", 4, offered(ucs::CallState::connected)))) ==
          Lines{"microphone open echoCancellation=1 noiseSuppression=1 autoGainControl=1"});
}

TEST_CASE("a softphone claims the agent's media lock, per agent and ucsd, and lets it go when logged out", "[agent][softphone][owner]") {
    Lines paired;
    CannedServer bar = ready_on(ucs::DeviceType::softphone, {}, true, &paired);
    // The lock's name says which ucsd and which agent: other agents and other ucsds do not compete.
    CHECK(std::find(paired.begin(), paired.end(), "claim-media-owner ucsOperator.media ws://127.0.0.1:8080/ws user 1") != paired.end());
    Lines elsewhere;
    ready_on(ucs::DeviceType::softphone, json::object{{"api", json::object{{"hostname", "ucs.example.com"}}}}, true, &elsewhere);
    CHECK(has_line(elsewhere, "claim-media-owner ucsOperator.media ws://ucs.example.com"));
    CHECK(has_line(bar.frame(CannedServer::event("session.loggedOut", 1, json::object{{"reason", "logout"}})), "release-media-owner"));
    CHECK(bar.agent().app_state() == ucs::AppState::CREDENTIALS);
}

TEST_CASE("a tab that does not own the agent's audio shows a ringing call but neither rings nor opens the microphone", "[agent][softphone][owner]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone, {}, false);
    bar.agent().audio_output(true, bar.now);
    const Lines ringing = bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)));
    CHECK(has_line(ringing, "callback onCallRinging "));
    CHECK(sound_lines(ringing).empty());
    CHECK(sound_lines(bar.frame(call_event("call.connect", 2, offered(ucs::CallState::connected)))).empty());
    CHECK(has_line(bar.call("hold", {}, 9), "send {\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"hold\""));  // controls it all the same
}

TEST_CASE("the audio handed to this tab mid-call rings or opens the microphone at once; handed away, it stops", "[agent][softphone][owner]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone, {}, false);
    bar.agent().audio_output(true, bar.now);
    bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation)));
    bar.agent().media_owner(true, bar.now);  // the owner tab closed
    Lines handed;
    for (const auto& effect : bar.agent().take_effects()) handed.push_back(ucs::test::effect_line(effect));
    CHECK(sound_lines(handed) == Lines{"play default x0 ringer"});
    CHECK(sound_lines(bar.frame(call_event("call.connect", 2, offered(ucs::CallState::connected)))) ==
          Lines{"stop-sound", "microphone open echoCancellation=1 noiseSuppression=1 autoGainControl=1"});
    bar.agent().media_owner(false, bar.now);
    Lines taken;
    for (const auto& effect : bar.agent().take_effects()) taken.push_back(ucs::test::effect_line(effect));
    CHECK(sound_lines(taken) == Lines{"microphone close"});
}

TEST_CASE("the tab that owns a softphone's audio attaches the media socket with its session, and detaches when it loses it", "[agent][softphone][owner][media]") {
    CannedServer bar = ready_on(ucs::DeviceType::softphone, {}, false);
    bar.agent().media_owner(true, bar.now);
    Lines owned;
    for (const auto& effect : bar.agent().take_effects()) owned.push_back(ucs::test::effect_line(effect));
    CHECK(owned == Lines{"media attach ws://127.0.0.1:8080/media s1"});
    // Calls come and go on the same attachment: no new attach.
    CHECK_FALSE(has_line(bar.frame(call_event("call.ringing", 1, offered(ucs::CallState::invitation))), "media "));
    bar.agent().media_owner(false, bar.now);
    Lines handed;
    for (const auto& effect : bar.agent().take_effects()) handed.push_back(ucs::test::effect_line(effect));
    CHECK(has_line(handed, "media detach"));
    CHECK_FALSE(has_line(handed, "media attach"));

    bar.agent().media_owner(true, bar.now);
    (void)bar.agent().take_effects();
    const Lines out = bar.frame(CannedServer::event("session.loggedOut", 2, json::object{{"reason", "logout"}}));
    CHECK(has_line(out, "media detach"));
}

TEST_CASE("a desk phone and a tab that does not own the audio attach no media socket", "[agent][softphone][owner][media]") {
    Lines desk;
    ready_on(ucs::DeviceType::desk, {}, true, &desk);
    CHECK_FALSE(has_line(desk, "media "));
    Lines other;
    CannedServer bar = ready_on(ucs::DeviceType::softphone, {}, false, &other);
    CHECK_FALSE(has_line(other, "media "));
    CHECK_FALSE(has_line(bar.frame(call_event("call.connect", 1, offered(ucs::CallState::connected))), "media "));
}

TEST_CASE("the media socket's URL sits beside the control socket's", "[agent][media]") {
    CHECK(ucs::agent::media_url("ws://127.0.0.1:8080/ws") == "ws://127.0.0.1:8080/media");
    CHECK(ucs::agent::media_url("wss://ucs.example.com/operator/ws") == "wss://ucs.example.com/operator/media");
    CHECK(ucs::agent::media_url("ws://ucs.example.com") == "ws://ucs.example.com/media");
}

// ---- calls made early ------------------------------------------------------------------------------

TEST_CASE("sso called while the bar is still connecting is sent once it reaches CREDENTIALS", "[agent][methods]") {
    CannedServer bar;
    bar.start();
    CHECK(bar.call("sso", {"agent1", "token", "CRM"}, 1) == Lines{"timer early_calls 30000"});
    bar.open();
    const Lines lines = bar.frame(CannedServer::result(1, json::object{{"session", "s1"}, {"heartbeat_ms", 15000}}));
    CHECK(has_line(lines, "cancel early_calls"));
    CHECK(has_line(lines, R"(send {"jsonrpc":"2.0","id":2,"method":"sso","params":{"username":"agent1","token":"token","autologout":false,"provider":"CRM"}})"));
    CHECK_FALSE(has_line(lines, "settle #1"));
}

TEST_CASE("an early call with wrong arguments is refused at once, without waiting", "[agent][methods]") {
    CannedServer bar;
    bar.start();
    const Lines lines = bar.call("sso", {42}, 1);
    CHECK(has_line(lines, R"(settle #1 error {"code":"INVALID_ARGUMENT","message":"sso: argument 1 should be a string"})"));
}

TEST_CASE("an early call the reached state does not allow is refused then, not sent", "[agent][methods]") {
    CannedServer bar;
    bar.start();
    bar.call("dial", {"601234567"}, 1);
    bar.open();
    const Lines lines = bar.frame(CannedServer::result(1, json::object{{"session", "s1"}, {"heartbeat_ms", 15000}}));
    CHECK(has_line(lines, R"(settle #1 error {"code":"INVALID_STATE","message":"dial is not allowed in state CREDENTIALS"})"));
}

TEST_CASE("a confirmed change the page asked for is reported through onInfo", "[agent][methods]") {
    CannedServer bar = ready_on(ucs::DeviceType::desk);
    bar.call("changeStatus", {"AUX", "Lunch"}, 10);
    CHECK(has_line(bar.frame(CannedServer::result(5, json::object{{"status", "AUX"}, {"reason", "Lunch"}})),
                   R"x(callback onInfo ["status changed to AUX (Lunch)"])x"));
    bar.call("suspend", {2}, 11);
    CHECK(has_line(bar.frame(CannedServer::result(6, json::object{{"queueId", 2}, {"suspended", true}})), R"(callback onInfo ["queue 2 suspended"])"));
    bar.call("setAccountCode", {"1.1", "Order", "New"}, 12);
    CHECK(has_line(bar.frame(CannedServer::result(7, json::object{})), R"(callback onInfo ["account code Order / New saved for call 1.1"])"));
    bar.call("finishTransfer", {}, 13);
    CHECK(has_line(bar.frame(CannedServer::result(8, json::object{})), R"(callback onInfo ["transfer completed"])"));
    bar.call("hold", {}, 14);
    CHECK_FALSE(has_line(bar.frame(CannedServer::error(9, -32008, "NO_CALL", "there is no connected call to hold")), "callback onInfo"));
}

// ---- snapshots -------------------------------------------------------------------------------------

namespace {

Lines effect_lines(ucs::agent::Agent& agent) {
    Lines out;
    for (const auto& effect : agent.take_effects()) out.push_back(ucs::test::effect_line(effect));
    return out;
}

}  // namespace

TEST_CASE("a copied agent goes on exactly like the original, and independently of it", "[agent][snapshot]") {
    // Copies taken where each part of the engine holds state: while connecting with a method waiting
    // for its state (early call) and the greeting unanswered; then with a login in flight, its promise
    // open, the link's session and request ids set. From then on every input goes to all of them.
    CannedServer bar(json::object{{"confirmDevice", true}});
    ucs::agent::Agent& original = bar.agent();
    std::vector<std::unique_ptr<ucs::agent::Agent>> copies;
    const auto each = [&](const std::function<void(ucs::agent::Agent&)>& input) {
        input(original);
        const Lines expected = effect_lines(original);
        for (auto& copy : copies) {
            input(*copy);
            CHECK(effect_lines(*copy) == expected);
            CHECK(json::serialize(copy->view(bar.now)) == json::serialize(original.view(bar.now)));
        }
        return expected;
    };
    const auto now = bar.now;
    each([&](auto& a) { a.start(now); });
    each([&](auto& a) { a.call("changeStatus", json::array{"READY"}, 3, now); });  // waits for its state
    each([&](auto& a) { a.socket_open(now); });
    copies.push_back(std::make_unique<ucs::agent::Agent>(original));

    const std::string greeting =
        CannedServer::result(1, json::object{{"protocol", "ucs-agent/1"}, {"session", "s1"}, {"seq", 0}, {"heartbeat_ms", 15000}});
    CHECK(has_line(each([&](auto& a) { a.socket_message(greeting, now); }), "settle #3 error"));
    each([&](auto& a) { a.call("sso", json::array{"agent1", "token", "CRM"}, 5, now); });
    copies.push_back(std::make_unique<ucs::agent::Agent>(original));

    ucs::Device phone{101, "101", "Desk phone 101", "101"};
    const std::string answer = CannedServer::result(
        2, json::object{{"user", ucs::to_json(user())}, {"state", "DEVICE"}, {"device", ucs::to_json(phone)}});
    CHECK(has_line(each([&](auto& a) { a.socket_message(answer, now); }), "settle #5 ok"));
    CHECK(has_line(each([&](auto& a) { a.call("logout", json::array{}, 9, now); }),
                   "send {\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logout\""));

    // What happens to a copy afterwards leaves the original alone.
    copies.back()->socket_closed(now);
    CHECK(has_line(effect_lines(*copies.back()), "timer reconnect"));
    CHECK(effect_lines(original).empty());
    CHECK(original.app_state() == ucs::AppState::DEVICE);
}
