#pragma once
// The agent bar's engine, sans-IO: the app state machine CONNECTING -> CREDENTIALS -> IDENTIFY ->
// DEVICE -> READY, the document's method-per-state table (core/rules), login (SCRAM, remember,
// SSO), pairing, the call book, notifications, reconnect with back-off and session.resume, and the
// heartbeat.
//
// Inputs: start, socket open/message/close, timer fires, method calls from the page. Outputs
// (take_effects, effects.hpp): frames to send, sockets to open/close, timers to arm, callbacks to
// fire, promises to settle, cookies to write. The same engine runs natively in tests and as wasm in
// the browser, where bindings/ carries out the effects.
//
// Units (each with its own tests): connection.hpp (the link, resume, heartbeat), login.hpp (login
// and pairing), call_book.hpp, notifications.hpp, view_model.hpp; agent.cpp routes between them
// through tables (methods by page name, replies by kind, events by name).

#include "agent/config.hpp"
#include "agent/connection.hpp"
#include "agent/effects.hpp"
#include "agent/notifications.hpp"
#include "core/rules/app_state.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ucs::agent {

using ucs::AppState;

// What the page provides once at start.
struct Environment {
    Origin origin;
    std::map<std::string, std::string> cookies;  // the document's cookies, decoded
    std::optional<std::string> url_identifier;   // ?identifier=... of the page URL
};

class Agent {
public:
    Agent(Config config, Environment environment, RandomSource& random);
    ~Agent();
    // A snapshot: an independent engine in this one's state (its effects not yet taken included),
    // sharing only the RandomSource. The fuzz target branches many inputs off one replayed state.
    Agent(const Agent& other);
    Agent& operator=(const Agent&) = delete;

    void start(Millis now);
    void socket_open(Millis now);
    void socket_message(std::string_view text, Millis now);
    void socket_closed(Millis now);
    void timer_fired(Timer timer, Millis now);
    // The softphone's audio, as the bindings find it: whether the browser lets sound play (an
    // AudioContext running, not held back by the autoplay policy), and how getUserMedia went.
    void audio_output(bool running, Millis now);
    void microphone_opened(Millis now);
    void microphone_failed(const std::string& why, Millis now);
    // ClaimMediaOwner's answer: whether this tab holds the agent's audio (again, when it changes).
    void media_owner(bool owner, Millis now);
    // Page Lifecycle: the page is being frozen (`freeze`) or came back (`resume`). ucsd offers no
    // queue calls to a frozen bar, so the engine tells it at once with a heartbeat.
    void page_frozen(bool frozen, Millis now);

    // A documented method called by the page (or queued before the engine was ready).
    // Always settles `promise`, exactly once, now or later.
    void call(std::string_view method, const boost::json::array& args, PromiseId promise, Millis now);
    // state(): the onReady object plus ringingSound, or null outside READY.
    [[nodiscard]] boost::json::value state() const;
    // Everything the GUI renders, with the engine's decisions made (which buttons are enabled,
    // which notifications show in this state, whether the account-code table is open).
    [[nodiscard]] boost::json::value view(Millis now) const;

    [[nodiscard]] AppState app_state() const;
    [[nodiscard]] const std::vector<Notification>& notifications() const;
    [[nodiscard]] const Config& config() const;

    std::vector<Effect> take_effects();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// The method names the loader installs on window.ucsOperator (documented ones and aliases).
// The GUI also calls internal ones ("history", "closeAccountCode") through the same entry point.
const std::vector<std::string_view>& method_names();

}  // namespace ucs::agent
