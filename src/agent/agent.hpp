#pragma once
// The agent bar's engine, sans-IO: the app state machine CONNECTING -> CREDENTIALS -> IDENTIFY ->
// DEVICE -> READY, the document's method-per-state table, login (SCRAM, remember, SSO), pairing,
// the call book, notifications, reconnect with back-off and session.resume, and the heartbeat.
//
// Inputs: start, socket open/message/close, timer fires, method calls from the page. Outputs
// (take_effects): frames to send, sockets to open/close, timers to arm, callbacks to fire,
// promises to settle, cookies to write. The same engine runs natively in tests and as wasm in the
// browser, where bindings/ carries out the effects.

#include "agent/config.hpp"
#include "core/model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ucs::agent {

using Millis = std::int64_t;
using PromiseId = std::uint32_t;

enum class AppState { CONNECTING, CREDENTIALS, IDENTIFY, DEVICE, READY };
const char* to_string(AppState state);

// Timers the engine arms; one of each kind at a time.
enum class Timer { reconnect, heartbeat, history_debounce, notification_expiry };

// ---- effects ----------------------------------------------------------------------------------
struct OpenSocket {
    std::string url;
};
struct CloseSocket {};
struct SendFrame {
    std::string text;
};
struct StartTimer {
    Timer timer;
    Millis delay = 0;
};
struct CancelTimer {
    Timer timer;
};
// Call window.ucsOperator[name](...args) with this === window.ucsOperator.
struct FireCallback {
    std::string name;
    boost::json::array args;
};
// Resolve (ok) or reject the promise a method call returned; rejections carry {code, message}.
struct SettlePromise {
    PromiseId promise = 0;
    bool ok = true;
    boost::json::value value;
};
// max_age_seconds 0 deletes the cookie.
struct SetCookie {
    std::string name;
    std::string value;
    std::int64_t max_age_seconds = 0;
};
// crmAutoOpen: a ringing call carries data.crm_url.
struct OpenUrl {
    std::string url;
};
// The view model changed: the GUI re-renders.
struct ViewChanged {};
// notifyWaitingCallers: a system notification (Notification API); the bar also shows it itself.
struct SystemNotification {
    std::string title;
    std::string body;
};
// What to send with navigator.sendBeacon when the page goes away (empty url: nothing). An SSO login
// with a provider logs the agent out when the tab closes, unless disableIntegratedAutoLogout.
struct UnloadBeacon {
    std::string url;
    std::string body;
};

using Effect = std::variant<OpenSocket, CloseSocket, SendFrame, StartTimer, CancelTimer, FireCallback, SettlePromise,
                            SetCookie, OpenUrl, ViewChanged, SystemNotification, UnloadBeacon>;

// Randomness for SCRAM nonces and reconnect jitter (crypto.getRandomValues in the browser).
class RandomSource {
public:
    virtual ~RandomSource() = default;
    virtual std::string bytes(std::size_t count) = 0;
};

// What the page provides once at start.
struct Environment {
    Origin origin;
    std::map<std::string, std::string> cookies;  // the document's cookies, decoded
    std::optional<std::string> url_identifier;   // ?identifier=... of the page URL
};

// A notification (notify(), server messages, login errors), as the GUI shows it.
struct Notification {
    std::uint32_t id = 0;
    std::string title;  // placeholders already filled
    std::string type;   // error, warning, success, info
    std::optional<Millis> expires;
    std::optional<AppState> bound_state;
    std::optional<std::string> group;
    boost::json::object other;
};

class Agent {
public:
    Agent(Config config, Environment environment, RandomSource& random);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    void start(Millis now);
    void socket_open(Millis now);
    void socket_message(std::string_view text, Millis now);
    void socket_closed(Millis now);
    void timer_fired(Timer timer, Millis now);

    // A documented method called by the page (or queued before the engine was ready).
    // Always settles `promise`, now or later.
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
