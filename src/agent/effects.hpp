#pragma once
// What the agent engine asks its host to do (the bindings in a browser, a harness in tests), and
// Outputs, the one place its units put those requests. Outputs also keeps the promise ledger: every
// promise a method call returned is settled exactly once, whatever path the engine takes.

#include "agent/errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ucs::agent {

using Millis = std::int64_t;
using PromiseId = std::uint32_t;

// Timers the engine arms; one of each kind at a time.
enum class Timer { reconnect, heartbeat, history_debounce, notification_expiry, early_calls };
inline constexpr std::size_t timer_kinds = 5;

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

// The softphone's sounds (src/audio renders them; the bindings play them through WebAudio).
enum class Speaker : std::uint8_t {
    ringer,  // the speaker chosen for the ringtone
    call,    // the speaker chosen for calls (ringback, busy, the call itself)
};
// Plays a tone (audio/tones.hpp's tone_name) `cycles` times, or until stopped when cycles is 0.
// A new sound replaces the one playing.
struct PlaySound {
    std::string tone;
    int cycles = 0;
    Speaker speaker = Speaker::ringer;
};
struct StopSound {};
// A softphone was paired: make the audio output now (not at page load), so the bar learns at once
// whether the browser lets it play, before anything rings.
struct PrepareAudio {};
// A softphone was paired: ask the browser which tab owns this agent's audio (docs/media.md, "One media
// owner"). The bindings hold the Web Lock `lock` while the tab lives and answer media_owner(true) when
// they hold it, media_owner(false) while another tab does (and true later, when it is handed over).
struct ClaimMediaOwner {
    std::string lock;
};
// The softphone is no longer paired (or the agent left): let another tab have the audio.
struct ReleaseMediaOwner {};
// getUserMedia with the page's audioInputConstraints; the bindings answer microphone_opened()
// or microphone_failed().
struct OpenMicrophone {
    bool echo_cancellation = true;
    bool noise_suppression = true;
    bool auto_gain_control = true;
};
// Every track stopped: the browser's recording indicator goes off.
struct CloseMicrophone {};
// The track disabled (muted) or enabled again: nothing is captured while muted.
struct MuteMicrophone {
    bool muted = false;
};
// This tab owns the audio of a paired softphone and the session is up: open the media socket at `url`
// and attach it with the control session key (docs/media.md, "The bar's side"). A new AttachMedia
// (another session) replaces the socket of the previous one.
struct AttachMedia {
    std::string url;
    std::string session;
};
// The audio is no longer this tab's (handed to another tab, unpaired, logged out): close the socket.
struct DetachMedia {};

using Effect = std::variant<OpenSocket, CloseSocket, SendFrame, StartTimer, CancelTimer, FireCallback, SettlePromise,
                            SetCookie, OpenUrl, ViewChanged, SystemNotification, UnloadBeacon, PlaySound, StopSound,
                            PrepareAudio, ClaimMediaOwner, ReleaseMediaOwner, OpenMicrophone, CloseMicrophone,
                            MuteMicrophone, AttachMedia, DetachMedia>;

class Outputs {
public:
    void emit(Effect effect) { effects_.push_back(std::move(effect)); }
    std::vector<Effect> take() { return std::exchange(effects_, {}); }

    void fire(std::string_view callback, boost::json::array args = {});
    void warn(const std::string& message);
    void view_changed() { emit(ViewChanged{}); }
    void start_timer(Timer timer, Millis delay) { emit(StartTimer{timer, delay}); }
    void cancel_timer(Timer timer) { emit(CancelTimer{timer}); }

    // The promise of a method call is open until settled; settling twice (or a promise never
    // opened) does nothing.
    void open(PromiseId promise) { open_.insert(promise); }
    void resolve(std::optional<PromiseId> promise, boost::json::value value = nullptr);
    void reject(std::optional<PromiseId> promise, std::string_view code, const std::string& message);
    void reject(std::optional<PromiseId> promise, ErrorCode code, const std::string& message) {
        reject(promise, error_name(code), message);
    }
    // onWarning and a rejection with the same message: a refused method call.
    void refuse(std::optional<PromiseId> promise, ErrorCode code, const std::string& message) {
        warn(message);
        reject(promise, code, message);
    }
    [[nodiscard]] bool is_open(PromiseId promise) const { return open_.contains(promise); }

private:
    void settle(std::optional<PromiseId> promise, bool ok, boost::json::value value);

    std::vector<Effect> effects_;
    std::set<PromiseId> open_;
};

}  // namespace ucs::agent
