// The server engine's tables, each on its own: the session and call state tables against fake ports
// (set a state, fire one event, assert the new state and the effects), and the dispatch table
// against the rulebook's method table.
#include "core/protocol.hpp"
#include "core/rules/methods.hpp"
#include "server/engine/call.hpp"
#include "server/engine/dispatch.hpp"
#include "server/engine/session.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using ucs::AppState;
using ucs::CallState;
using ucs::HangupCause;
using ucs::server::ActiveCall;
using ucs::server::CallEvent;
using ucs::server::CallInput;
using ucs::server::Session;
using ucs::server::SessionEvent;
using Effects = std::vector<std::string>;

namespace {

// ---- sessions ----

class FakeSessionPorts final : public ucs::server::SessionPorts {
public:
    bool phone = false;  // what agent_has_phone answers
    Effects effects;

    [[nodiscard]] bool agent_has_phone(const Session& /*session*/) const override { return phone; }
    void forget_login(Session& /*session*/) override { effects.emplace_back("forget login"); }
    void release_agent(const Session& /*session*/) override { effects.emplace_back("release agent"); }
    void tell_logged_out(Session& /*session*/, std::string_view why) override { effects.push_back("logged out: " + std::string(why)); }
    void tell_replaced(Session& /*session*/) override { effects.emplace_back("replaced"); }
    void unexpected(std::string what) override { effects.push_back("unexpected: " + what); }
};

Session session_in(AppState state) {
    Session session;
    session.key = "golden-session-key";
    session.state = state;
    session.user_id = 1;
    return session;
}

// ---- calls ----

class FakeCallPorts final : public ucs::server::CallPorts {
public:
    Effects effects;

    void ringing_started(ActiveCall& /*call*/) override { effects.emplace_back("ringing"); }
    void answered(ActiveCall& /*call*/) override { effects.emplace_back("answered"); }
    void tell(const ActiveCall& /*call*/, std::string_view event, std::optional<int> only_user) override {
        effects.push_back(std::string(event) + (only_user ? " to " + std::to_string(*only_user) : ""));
    }
    void transferred(ActiveCall& /*call*/, std::optional<int> party, bool connected) override {
        effects.push_back(std::string(connected ? "connected" : "ringing") + " to " + (party ? std::to_string(*party) : "outside"));
    }
    void ended(ActiveCall& /*call*/, HangupCause cause) override {
        effects.push_back("ended with cause " + std::to_string(static_cast<int>(cause)));
    }
    void unexpected(std::string what) override { effects.push_back("unexpected: " + what); }
};

ActiveCall call_in(CallState state) {
    ActiveCall call;
    call.uniqueid = "1700000000.1";
    call.state = state;
    return call;
}

}  // namespace

// ---- the session table ------------------------------------------------------------------------------

TEST_CASE("a login takes a session from CREDENTIALS to IDENTIFY", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session session = session_in(AppState::CREDENTIALS);
    CHECK(fire(ports, session, SessionEvent::logged_in));
    CHECK(session.state == AppState::IDENTIFY);
    CHECK(ports.effects.empty());
}

TEST_CASE("a login of an agent whose phone is paired goes straight to DEVICE", "[engine][session-table]") {
    FakeSessionPorts ports;
    ports.phone = true;
    Session session = session_in(AppState::CREDENTIALS);
    CHECK(fire(ports, session, SessionEvent::logged_in));
    CHECK(session.state == AppState::DEVICE);
}

TEST_CASE("pairing takes IDENTIFY and DEVICE to DEVICE and leaves a ready mirror READY", "[engine][session-table]") {
    FakeSessionPorts ports;
    for (const auto& [from, to] : std::vector<std::pair<AppState, AppState>>{
             {AppState::IDENTIFY, AppState::DEVICE}, {AppState::DEVICE, AppState::DEVICE}, {AppState::READY, AppState::READY}}) {
        Session session = session_in(from);
        CHECK(fire(ports, session, SessionEvent::paired));
        CHECK(session.state == to);
    }
    CHECK(ports.effects.empty());
}

TEST_CASE("provision makes a pairing session READY, with or without a phone", "[engine][session-table]") {
    FakeSessionPorts ports;
    for (AppState from : {AppState::IDENTIFY, AppState::DEVICE}) {
        Session session = session_in(from);
        CHECK(fire(ports, session, SessionEvent::provisioned));
        CHECK(session.state == AppState::READY);
    }
}

TEST_CASE("identify takes every logged-in state back to IDENTIFY", "[engine][session-table]") {
    FakeSessionPorts ports;
    for (AppState from : {AppState::IDENTIFY, AppState::DEVICE, AppState::READY}) {
        Session session = session_in(from);
        CHECK(fire(ports, session, SessionEvent::unpaired));
        CHECK(session.state == AppState::IDENTIFY);
    }
}

TEST_CASE("logout forgets the login and releases the agent from every logged-in state", "[engine][session-table]") {
    for (AppState from : {AppState::IDENTIFY, AppState::DEVICE, AppState::READY}) {
        FakeSessionPorts ports;
        Session session = session_in(from);
        CHECK(fire(ports, session, SessionEvent::logout));
        CHECK(session.state == AppState::CREDENTIALS);
        CHECK(ports.effects == Effects{"forget login", "release agent"});
    }
}

TEST_CASE("the unload beacon tells the session why and releases the agent", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session session = session_in(AppState::READY);
    CHECK(fire(ports, session, SessionEvent::page_closed));
    CHECK(session.state == AppState::CREDENTIALS);
    CHECK(ports.effects == Effects{"logged out: the page was closed", "release agent"});
}

TEST_CASE("the unload beacon of a session that never logged in changes nothing", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session session = session_in(AppState::CREDENTIALS);
    CHECK(fire(ports, session, SessionEvent::page_closed));
    CHECK(session.state == AppState::CREDENTIALS);
    CHECK(ports.effects.empty());
}

TEST_CASE("autologout tells the older session and keeps the agent for the new one", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session session = session_in(AppState::READY);
    CHECK(fire(ports, session, SessionEvent::replaced));
    CHECK(session.state == AppState::CREDENTIALS);
    CHECK(ports.effects == Effects{"replaced"});
}

TEST_CASE("a session nobody resumed releases its agent, unless it never logged in", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session logged_in = session_in(AppState::DEVICE);
    CHECK(fire(ports, logged_in, SessionEvent::expired));
    CHECK(ports.effects == Effects{"release agent"});
    ports.effects.clear();
    Session greeted = session_in(AppState::CREDENTIALS);
    CHECK(fire(ports, greeted, SessionEvent::expired));
    CHECK(ports.effects.empty());
}

TEST_CASE("a session event its state does not expect is reported and changes nothing", "[engine][session-table]") {
    FakeSessionPorts ports;
    Session session = session_in(AppState::CREDENTIALS);
    CHECK_FALSE(fire(ports, session, SessionEvent::provisioned));
    CHECK(session.state == AppState::CREDENTIALS);
    REQUIRE(ports.effects.size() == 1);
    CHECK(ports.effects[0] == "unexpected: session golden...: provisioned is not expected in state CREDENTIALS");
    ports.effects.clear();
    Session ready = session_in(AppState::READY);
    CHECK_FALSE(fire(ports, ready, SessionEvent::logged_in));
    CHECK(ready.state == AppState::READY);
}

TEST_CASE("every logged-in state has a way back to CREDENTIALS for every way out", "[engine][session-table]") {
    for (AppState from : {AppState::IDENTIFY, AppState::DEVICE, AppState::READY}) {
        for (SessionEvent event : {SessionEvent::logout, SessionEvent::page_closed, SessionEvent::replaced, SessionEvent::expired}) {
            FakeSessionPorts ports;
            Session session = session_in(from);
            INFO(ucs::to_string(from) << " " << ucs::server::to_string(event));
            CHECK(fire(ports, session, event));
            CHECK(session.state == AppState::CREDENTIALS);
        }
    }
}

// ---- the call table ---------------------------------------------------------------------------------

TEST_CASE("a new call the network takes without ringing waits in connecting", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::new_call);
    CHECK(fire(ports, call, CallInput{CallEvent::route}));
    CHECK(call.state == CallState::connecting);
    CHECK(ports.effects.empty());
}

TEST_CASE("a new or waiting call rings and its participants hear of it", "[engine][call-table]") {
    for (CallState from : {CallState::new_call, CallState::connecting}) {
        FakeCallPorts ports;
        ActiveCall call = call_in(from);
        CHECK(fire(ports, call, CallInput{CallEvent::ring}));
        CHECK(call.state == CallState::invitation);
        CHECK(ports.effects == Effects{"ringing"});
    }
}

TEST_CASE("a ringing call is answered and connected", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::invitation);
    CHECK(fire(ports, call, CallInput{CallEvent::answer}));
    CHECK(call.state == CallState::connected);
    CHECK(ports.effects == Effects{"answered"});
}

TEST_CASE("a connected call is held and resumed, and the participants hear both", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::connected);
    CHECK(fire(ports, call, CallInput{CallEvent::hold}));
    CHECK(call.state == CallState::held);
    CHECK(fire(ports, call, CallInput{CallEvent::unhold}));
    CHECK(call.state == CallState::connected);
    CHECK(ports.effects == Effects{"call.hold", "call.resume"});
}

TEST_CASE("a queue offer that ends unanswered waits in the queue again", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::invitation);
    CHECK(fire(ports, call, CallInput{CallEvent::requeue}));
    CHECK(call.state == CallState::connecting);
    CHECK(ports.effects.empty());
}

TEST_CASE("a finished transfer connects the held caller to a target who answered", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::held);
    CHECK(fire(ports, call, CallInput{CallEvent::join_transfer, HangupCause::not_set, 2, true}));
    CHECK(call.state == CallState::connected);
    CHECK(ports.effects == Effects{"connected to 2"});
}

TEST_CASE("a finished transfer rings a target who has not answered yet", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::held);
    CHECK(fire(ports, call, CallInput{CallEvent::join_transfer, HangupCause::not_set, std::nullopt, false}));
    CHECK(call.state == CallState::invitation);
    CHECK(ports.effects == Effects{"ringing to outside"});
}

TEST_CASE("a blind transfer rings the target instead of the agent", "[engine][call-table]") {
    for (CallState from : {CallState::connected, CallState::held}) {
        FakeCallPorts ports;
        ActiveCall call = call_in(from);
        CHECK(fire(ports, call, CallInput{CallEvent::blind_transfer, HangupCause::not_set, 3}));
        CHECK(call.state == CallState::invitation);
        CHECK(ports.effects == Effects{"ringing to 3"});
    }
}

TEST_CASE("a call ends from any state with its cause and keeps its last state for the hangup events", "[engine][call-table]") {
    for (CallState from : {CallState::new_call, CallState::connecting, CallState::invitation, CallState::connected, CallState::held}) {
        FakeCallPorts ports;
        ActiveCall call = call_in(from);
        CHECK(fire(ports, call, CallInput{CallEvent::end, HangupCause::busy}));
        CHECK(call.state == from);
        CHECK(ports.effects == Effects{"ended with cause 1"});
    }
}

TEST_CASE("a call event its state does not expect is reported and changes nothing", "[engine][call-table]") {
    FakeCallPorts ports;
    ActiveCall call = call_in(CallState::invitation);
    CHECK_FALSE(fire(ports, call, CallInput{CallEvent::hold}));
    CHECK(call.state == CallState::invitation);
    CHECK(ports.effects == Effects{"unexpected: call 1700000000.1: hold is not expected in state 2"});
    ports.effects.clear();
    ActiveCall held = call_in(CallState::held);
    CHECK_FALSE(fire(ports, held, CallInput{CallEvent::answer}));
    CHECK(held.state == CallState::held);
}

// ---- the dispatch table -----------------------------------------------------------------------------

TEST_CASE("every wire method of the rulebook has a dispatch row", "[engine][dispatch]") {
    for (const ucs::MethodRule& rule : ucs::method_rules()) {
        if (rule.wire.empty()) continue;
        INFO(rule.wire);
        const auto* row = ucs::server::find_dispatch_row(rule.wire);
        REQUIRE(row != nullptr);
        CHECK(row->gate == ucs::server::Gate::rulebook);
    }
}

TEST_CASE("every dispatch row past the handshake is gated by the rulebook", "[engine][dispatch]") {
    for (const auto& row : ucs::server::dispatch_rows()) {
        INFO(row.method);
        if (row.gate == ucs::server::Gate::handshake) {
            CHECK((row.method == ucs::protocol::method::hello || row.method == ucs::protocol::method::resume_session));
        } else {
            CHECK(ucs::find_wire_method(row.method) != nullptr);
        }
    }
}

TEST_CASE("each method has exactly one dispatch row and a handler", "[engine][dispatch]") {
    std::set<std::string_view> seen;
    for (const auto& row : ucs::server::dispatch_rows()) {
        INFO(row.method);
        CHECK(seen.insert(row.method).second);
        CHECK(row.run != nullptr);
    }
    CHECK(ucs::server::find_dispatch_row("teleport") == nullptr);
}
