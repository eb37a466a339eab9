#pragma once
// What the bar knows (Model) and what its units share (Context). Internal to src/agent.

#include "agent/agent.hpp"
#include "agent/call_book.hpp"
#include "agent/connection.hpp"
#include "agent/effects.hpp"
#include "agent/notifications.hpp"
#include "core/json.hpp"
#include "core/model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ucs::agent {

struct Model {
    AppState app = AppState::CONNECTING;
    bool logged_in = false;    // `known.user` is the logged-in user
    bool provisioned = false;  // `known` is the whole onReady object (READY)
    // onReady's object, kept current by events: user and device from login and pairing, the rest
    // from provision. Its `call` is left empty: the call book answers for it.
    ReadyState known;
    std::optional<Timestamp> acw_until;  // automatic wrap-up ends (Unix seconds)
    CallBook calls;
    Notifications notifications;
    std::optional<std::string> sso_provider;  // sso() named one: the unload beacon logs out
    std::vector<LayoutTab> layout;            // the user's tabs, as ucsd keeps them (the valid ones)
    std::optional<std::size_t> active_tab;    // the layout's tab sso's provider names (shown at READY)
    bool was_logged_in = false;               // to log in again when ucsd forgot the session
    bool audio_running = false;               // the browser lets the bar's audio play (autoplay)
    bool audio_known = false;                 // the bindings reported it (audio starts lazily, on first need)

    // For the GUI.
    std::vector<Device> devices;                  // the phones offered in IDENTIFY (listDevices)
    std::optional<std::string> account_code_for;  // autoOpenAccountCode: the call to classify
    boost::json::value history = boost::json::array{};
    boost::json::object history_filter;
    std::optional<PromiseId> history_promise;
};

struct Context {
    Outputs& out;
    Connection& link;
    const Config& config;
    Environment& environment;
    RandomSource& random;
    Model& model;
    Millis now = 0;
};

// The result of a reply read as T, or why not: ucsd's failure, or a result of an unexpected shape
// (PROTOCOL_ERROR naming the field).
template <class T>
Expected<T, RpcFailure> result_as(const Answered& answer) {
    if (const auto* failure = std::get_if<RpcFailure>(&answer.outcome)) return Unexpected(*failure);
    auto parsed = from_json<T>(std::get<boost::json::value>(answer.outcome));
    if (!parsed) {
        return Unexpected(RpcFailure{0, std::string(error_name(ErrorCode::protocol_error)),
                                     "unexpected answer from UCS: " + parsed.error().message(), {}});
    }
    return std::move(parsed).value();
}

// The onReady object plus ringingSound (state()), or null before READY.
boost::json::value ready_object(const Model& model);
// Takes provision's (or a snapshot's) state as what the bar knows.
void adopt_ready_state(Model& model, ReadyState state);

// A request failed and nobody handles it specially: onWarning, and the page's promise rejects
// with ucsd's code and message.
void report_failure(Context& ctx, std::optional<PromiseId> promise, const RpcFailure& failure);

// Shows a notification and keeps the expiry timer on the earliest one.
std::uint32_t post(Context& ctx, NotificationRequest request);
// A notification of the engine's own: unique, and gone after 8 s unless it is an error.
void post_text(Context& ctx, std::string text, std::string type, std::optional<AppState> bound_state,
               std::optional<std::string> group = std::nullopt);
void arm_notification_expiry(Context& ctx);
// The same for a text of core/texts.hpp (`code`, values for its placeholders): shown in the bar's
// language, English in `title`.
void post_coded(Context& ctx, std::string_view code, boost::json::object values, std::string type,
                std::optional<AppState> bound_state, std::optional<std::string> group = std::nullopt);
// The language the bar speaks: the user's locale once logged in (if the bar has it), else the page's lang.
std::string bar_language(const Model& model, const Config& config);

}  // namespace ucs::agent
