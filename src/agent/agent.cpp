// The agent engine's routing: page methods through the method table, ucsd's replies by kind, its
// events through the event table. The units do the work (connection.cpp, login.cpp, call_book.cpp,
// notifications.cpp, view_model.cpp); what is left here is short glue and the few events and
// methods that need no unit of their own.
#include "agent/agent.hpp"

#include "agent/login.hpp"
#include "agent/messages.hpp"
#include "agent/model.hpp"
#include "agent/softphone.hpp"
#include "agent/view_model.hpp"
#include "core/json.hpp"
#include "core/protocol.hpp"
#include "core/rules/catalog.hpp"
#include "core/rules/methods.hpp"
#include "core/texts.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <span>
#include <stdexcept>

namespace ucs::agent {

namespace json = boost::json;
namespace m = protocol::method;
namespace ev = protocol::event;

namespace {

constexpr std::string_view version = "4.0.0";
// How long a method called before the bar has connected waits for its state (API-DECISIONS.md:
// nothing an integrator calls early is lost).
constexpr Millis early_call_patience = 30'000;

// What a positional argument must be.
enum class Arg : std::uint8_t {
    string,
    boolean,
    whole,     // a whole number (JS numbers arrive as integers when whole)
    object,
    dialable,  // a number to dial: a string, or a number written as one
    queue,     // dial's queue: a queue id, "directCall" or "undefined"
};

struct ArgSpec {
    std::array<Arg, 4> kinds{};
    std::size_t count = 0;
    std::size_t required = 0;
};

constexpr ArgSpec none{};
constexpr ArgSpec args(std::initializer_list<Arg> kinds, std::size_t required) {
    ArgSpec spec;
    for (Arg kind : kinds) spec.kinds.at(spec.count++) = kind;
    spec.required = required;
    return spec;
}

const char* label(Arg kind) {
    switch (kind) {
    case Arg::string:
    case Arg::dialable: return "a string";
    case Arg::boolean: return "a boolean";
    case Arg::whole: return "a whole number";
    case Arg::object: return "an object";
    case Arg::queue: return "a queue id, \"directCall\" or \"undefined\"";
    }
    return "a value";
}

bool matches(const json::value& v, Arg kind) {
    switch (kind) {
    case Arg::string: return v.is_string();
    case Arg::boolean: return v.is_bool();
    case Arg::whole: return v.is_int64() || v.is_uint64();
    case Arg::object: return v.is_object();
    case Arg::dialable: return v.is_string() || v.is_number();
    case Arg::queue: return v.is_int64() || (v.is_string() && (v.get_string() == "directCall" || v.get_string() == "undefined"));
    }
    return false;
}

const json::value& nth(const json::array& list, std::size_t i) {
    static const json::value null_value;
    return i < list.size() ? list[i] : null_value;
}

std::optional<std::string> optional_string(const json::value& v) {
    return v.is_string() ? std::optional<std::string>(std::string(v.get_string())) : std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& method_names() { return documented_method_names(); }

struct Agent::Impl {
    Impl(Config config_in, Environment environment_in, RandomSource& random_in)
        : config(std::move(config_in)),
          environment(std::move(environment_in)),
          link(out, random_in, config.websocket_url(), "operator.js/" + std::string(version)),
          ctx{out, link, config, environment, random_in, model, 0},
          login(ctx),
          softphone(ctx) {
    }
    // An independent engine in the same state: every member copied, the parts that point at their
    // neighbours pointed at the copy's. A member added to Impl is copied here too (the test "a copied
    // agent goes on exactly like the original" in tests/unit/agent_units_test.cpp checks it).
    Impl(const Impl& other)
        : config(other.config),
          environment(other.environment),
          out(other.out),
          model(other.model),
          link(other.link),
          ctx{out, link, config, environment, other.ctx.random, model, other.ctx.now},
          login(other.login),
          softphone(other.softphone),
          early_calls(other.early_calls) {
        link.rebind(out);
        login.rebind(ctx);
        softphone.rebind(ctx);
    }
    Impl& operator=(const Impl&) = delete;

    Config config;
    Environment environment;
    Outputs out;
    Model model;
    Connection link;
    Context ctx;
    Login login;
    Softphone softphone;

    // Methods called while the bar was still connecting, waiting for a state that allows them.
    struct EarlyCall {
        std::string method;
        json::array args;
        PromiseId promise = 0;
    };
    std::vector<EarlyCall> early_calls;

    // Every input ends here: calls made early run once connected, and the softphone's sounds and
    // microphone follow what changed.
    void settle_input() {
        if (!early_calls.empty() && model.app != AppState::CONNECTING) run_early_calls();
        softphone.follow();
    }

    void run_early_calls() {
        out.cancel_timer(Timer::early_calls);
        for (auto& early : std::exchange(early_calls, {})) call(early.method, early.args, early.promise);
    }

    void early_calls_expired() {
        for (const auto& early : std::exchange(early_calls, {})) {
            out.refuse(early.promise, ErrorCode::invalid_state,
                       early.method + " waited " + std::to_string(early_call_patience / 1000) + " s for the bar to connect to UCS in vain");
        }
    }

    // ---- frames and replies ----
    void receive(std::string_view text) {
        Incoming incoming = link.receive(text);
        std::visit([this](auto& what) { handle(what); }, incoming);
    }
    void handle(std::monostate&) {}
    void handle(Greeted& greeted) {
        answer_all(greeted.failed);
        if (greeted.first) out.fire("onConnect", {json::value(version)});
        login.enter_credentials(!greeted.first && model.was_logged_in);
    }
    void handle(Resumed& resumed) {
        if (resumed.rebuild_from) reconcile(*resumed.rebuild_from);
    }
    void handle(Answered& answer) { answered(answer); }
    void handle(EventIn& event) { handle_event(event.name, event.params); }

    void answer_all(const std::vector<Answered>& answers) {
        for (const Answered& answer : answers) answered(answer);
    }

    void answered(const Answered& answer) {
        switch (answer.request.reply) {
        case Reply::ping: return;
        case Reply::plain: {
            if (const auto* failure = std::get_if<RpcFailure>(&answer.outcome)) return report_failure(ctx, answer.request.promise, *failure);
            // A change the page asked for is confirmed (the document's example of onInfo).
            if (!answer.request.confirmation.empty()) out.fire("onInfo", {json::value(answer.request.confirmation)});
            return out.resolve(answer.request.promise, std::get<json::value>(answer.outcome));
        }
        case Reply::history: return history_answered(answer);
        case Reply::ringing_sound: return ringing_sound_answered(answer);
        case Reply::recording_url: return recording_url_answered(answer);
        default: return login.answered(answer);
        }
    }

    // A resume that could not replay: rebuild from the snapshot and report what changed as callbacks.
    void reconcile(const json::object& result) {
        auto rebuild = from_json<message::Rebuild>(result);
        if (!rebuild) return out.warn("UCS sent an unreadable snapshot: " + rebuild.error().message());
        if (rebuild->user) model.known.user = *rebuild->user;
        if (!rebuild->snapshot) {
            if (rebuild->state == AppState::CREDENTIALS) login.enter_credentials(true);
            return;
        }
        ReadyState& snapshot = *rebuild->snapshot;
        const std::optional<Call> now_call = snapshot.call;
        for (const auto& [uniqueid, entry] : model.calls.entries()) {
            if (now_call && now_call->uniqueid == uniqueid) continue;
            Call ended = entry.call;
            ended.cause = HangupCause::unknown;  // it ended while we were away; how is unknown
            out.fire("onCallHangup", {to_json(ended)});
        }
        const bool call_known = now_call && model.calls.contains(now_call->uniqueid);
        const AgentState status{snapshot.status, snapshot.reason};
        adopt_ready_state(model, std::move(snapshot));
        if (now_call && !call_known) {
            out.fire(now_call->state == CallState::connected ? "onCallConnect" : "onCallRinging", {to_json(*now_call)});
        }
        out.fire("onStateChange", {to_json(status)});
        out.view_changed();
    }

    // ---- events ----
    struct EventRow;
    using EventHandler = void (Impl::*)(const EventRow& row, const json::object& params);
    struct EventRow {
        std::string_view name;
        std::string_view callback;  // the call events' documented callback
        EventHandler handler;
    };
    static std::span<const EventRow> event_table();

    void handle_event(std::string_view name, const json::object& params) {
        out.fire("onDebug", {json::value("event " + std::string(name))});
        const auto& table = event_table();
        const auto row = std::find_if(table.begin(), table.end(), [&](const EventRow& r) { return r.name == name; });
        if (row == table.end()) {
            out.warn("unknown event from UCS: " + std::string(name));
        } else {
            (this->*row->handler)(*row, params);
        }
        out.view_changed();
    }

    // Reads an event's params, or says why not (onWarning) and drops it.
    template <class T>
    std::optional<T> read_event(std::string_view name, const json::object& params, std::string_view what = "params") {
        auto parsed = from_json<T>(params);
        if (parsed) return std::move(parsed).value();
        out.warn("UCS sent " + std::string(name) + " with invalid " + std::string(what) + ": " + parsed.error().message());
        return std::nullopt;
    }

    void call_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        auto event = read_event<message::CallEvent>(name, params, "call");
        if (!event) return;
        const Call& call = event->call;
        if (name == ev::call_hangup) {
            model.calls.remove(call.uniqueid);
            if (config.autoOpenAccountCode) model.account_code_for = call.uniqueid;
            softphone.call_ended(call);
        } else {
            model.calls.update(call, event->consultation_of);
        }
        out.fire(row.callback, {to_json(call)});
        if (name == ev::call_ringing && config.crmAutoOpen) {
            if (const json::value* url = call.data.if_contains("crm_url"); url != nullptr && url->is_string()) {
                out.emit(OpenUrl{std::string(url->get_string())});
            }
        }
    }

    void agent_state_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        auto event = read_event<message::AgentStateEvent>(name, params);
        if (!event) return;
        model.known.status = event->status;
        model.known.reason = event->reason;
        model.acw_until = event->until;
        out.fire("onStateChange", {to_json(AgentState{event->status, event->reason})});
    }

    void user_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        if (auto event = read_event<message::UserEvent>(name, params)) model.known.user = std::move(event->user);
    }

    void queue_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        auto event = read_event<message::QueueEvent>(name, params);
        if (!event) return;
        const bool suspended = name == ev::queue_suspend;
        // The membership in user.queues follows at once (every session of the agent sees it).
        if (auto it = model.known.user.queues.find(event->queueId); it != model.known.user.queues.end()) it->second.suspended = suspended;
        out.fire(suspended ? "onAgentSuspend" : "onAgentResume", {json::value(event->queueId)});
    }

    void waiting_callers_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        auto event = read_event<message::WaitingCallersEvent>(name, params);
        if (!event) return;
        const int before = model.known.waitingCallers;
        const int waiting = event->waitingCallers;
        model.known.waitingCallers = waiting;
        out.fire("onWaitingCallersChange", {json::value(waiting)});
        // notifyWaitingCallers: agents away from the phone hear about new callers.
        const AgentStatus status = model.known.status;
        if (!config.notifyWaitingCallers || waiting <= before || (status != AgentStatus::ACW && status != AgentStatus::AUX)) return;
        const json::object values{{"n", waiting}};
        const std::string lang = bar_language(model, config);
        out.emit(SystemNotification{texts::render(texts::waiting_callers_title, lang).value_or(""),
                                    texts::render(texts::waiting_callers, lang, values).value_or("")});
        post(ctx, NotificationRequest{texts::render(texts::waiting_callers, "en", values).value_or(""), "info", true, Millis{10'000},
                                      AppState::READY, std::string("waiting"),
                                      json::object{{"values", values}, {"code", texts::waiting_callers}}});
    }

    void message_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        auto event = read_event<message::MessageEvent>(name, params);
        if (!event) return;
        out.fire("onMessage", {to_json(*event)});
        // ucsd names its texts by code: shown in the bar's language when the bar knows the code.
        if (const json::value* code = event->data.is_object() ? event->data.get_object().if_contains("code") : nullptr;
            code != nullptr && code->is_string() && texts::render(code->get_string(), "en")) {
            return post_coded(ctx, code->get_string(), {}, event->type, std::nullopt);
        }
        post_text(ctx, event->message, event->type, std::nullopt);
    }

    void ringing_sound_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        if (auto event = read_event<message::RingingSound>(name, params)) take_ringing_sound(event->ringingSound);
    }

    void session_state_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        if (auto event = read_event<message::SessionStateEvent>(name, params)) login.moved_by_other_session(event->state, event->device);
    }

    void layout_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        if (auto event = read_event<message::LayoutEvent>(name, params)) login.take_layout(event->layout);
    }

    void logged_out_event(const EventRow& row, const json::object& params) {
        const std::string_view name = row.name;
        if (read_event<message::LoggedOutEvent>(name, params)) login.logged_out_by_server();
    }

    // ---- methods ----
    using MethodHandler = void (Impl::*)(std::string_view method, const json::array& args, PromiseId promise);
    struct MethodRow {
        std::string_view page;
        ArgSpec spec;
        MethodHandler handler;
    };
    static std::span<const MethodRow> method_table();

    void call(std::string_view method, const json::array& args, PromiseId promise) {
        out.open(promise);
        const auto& table = method_table();
        const auto row = std::find_if(table.begin(), table.end(), [&](const MethodRow& r) { return r.page == method; });
        const MethodRule* rule = find_page_method(method);
        if (row == table.end() || rule == nullptr) {
            return out.reject(promise, ErrorCode::unknown_method, "ucsOperator has no method " + std::string(method));
        }
        if (!rule->states.contains(model.app) && model.app == AppState::CONNECTING) {
            // Called before the bar has connected: it waits for its state (checked now, run then).
            if (!arguments_ok(method, args, row->spec, promise)) return;
            if (early_calls.empty()) out.start_timer(Timer::early_calls, early_call_patience);
            early_calls.push_back({std::string(method), args, promise});
            return;
        }
        if (!rule->states.contains(model.app)) {
            return out.refuse(promise, ErrorCode::invalid_state,
                              std::string(method) + " is not allowed in state " + std::string(to_string(model.app)));
        }
        if (!arguments_ok(method, args, row->spec, promise)) return;
        (this->*row->handler)(method, args, promise);
    }

    // The first `required` arguments must be present; present ones must be of their kind
    // (null/undefined counts as absent for optional ones).
    bool arguments_ok(std::string_view method, const json::array& args, const ArgSpec& spec, PromiseId promise) {
        for (std::size_t i = 0; i < spec.count; ++i) {
            const json::value& arg = nth(args, i);
            if (arg.is_null() && i < spec.required) {
                out.refuse(promise, ErrorCode::invalid_argument, std::string(method) + ": argument " + std::to_string(i + 1) + " is required");
                return false;
            }
            if (!arg.is_null() && !matches(arg, spec.kinds.at(i))) {
                const std::string message = spec.kinds.at(i) == Arg::queue
                                                ? std::string(method) + ": queue should be " + label(Arg::queue)
                                                : std::string(method) + ": argument " + std::to_string(i + 1) + " should be " + label(spec.kinds.at(i));
                out.refuse(promise, ErrorCode::invalid_argument, message);
                return false;
            }
        }
        return true;
    }

    // Sends the method's own wire request; the result settles the promise as it is, and onInfo
    // reports `confirmation` when there is one.
    void forward(std::string_view method, json::object params, PromiseId promise, std::string confirmation = {}) {
        Request request{Reply::plain, promise};
        request.confirmation = std::move(confirmation);
        link.send(find_page_method(method)->wire, std::move(params), std::move(request));
    }

    void login_method(std::string_view, const json::array& a, PromiseId p) {
        login.password(std::string(a[0].get_string()), std::string(a[1].get_string()), nth(a, 2).is_bool() && nth(a, 2).get_bool(), p);
    }
    void sso_method(std::string_view, const json::array& a, PromiseId p) {
        login.sso(std::string(a[0].get_string()), std::string(a[1].get_string()), optional_string(nth(a, 2)), p);
    }
    void logout_method(std::string_view, const json::array&, PromiseId p) { login.logout(p); }
    void identifier_method(std::string_view, const json::array& a, PromiseId p) { login.select_identifier(std::string(a[0].get_string()), p); }
    void provision_method(std::string_view, const json::array&, PromiseId p) { login.provision(p); }
    void identify_method(std::string_view, const json::array&, PromiseId p) { login.identify(p); }
    void no_params(std::string_view method, const json::array&, PromiseId p) { forward(method, {}, p); }

    void change_status(std::string_view method, const json::array& a, PromiseId p) {
        json::object params{{"status", a[0]}};
        std::string confirmation = "status changed to " + std::string(a[0].get_string());
        if (nth(a, 1).is_string()) {
            params["reason"] = a[1];
            confirmation += " (" + std::string(a[1].get_string()) + ")";
        }
        forward(method, std::move(params), p, std::move(confirmation));
    }
    void queue_membership(std::string_view method, const json::array& a, PromiseId p, std::string_view done) {
        const auto queue = a[0].to_number<std::int64_t>();
        forward(method, json::object{{"queue", queue}}, p, "queue " + std::to_string(queue) + " " + std::string(done));
    }
    void suspend_queue(std::string_view method, const json::array& a, PromiseId p) { queue_membership(method, a, p, "suspended"); }
    void resume_queue(std::string_view method, const json::array& a, PromiseId p) { queue_membership(method, a, p, "resumed"); }
    void dial(std::string_view method, const json::array& a, PromiseId p) {
        // dial(800123456) is forgiven: the number as it was written.
        json::object params{{"number", a[0].is_string() ? a[0] : json::value(json::serialize(a[0]))}};
        if (!nth(a, 1).is_null()) params["queue"] = a[1];
        if (nth(a, 2).is_int64()) params["line"] = a[2];
        if (nth(a, 3).is_object()) params["data"] = a[3];
        forward(method, std::move(params), p);
    }
    void transfer(std::string_view method, const json::array& a, PromiseId p) {
        json::object params;
        if (nth(a, 0).is_string()) params["number"] = a[0];
        forward(method, std::move(params), p);
    }
    void blind_transfer(std::string_view method, const json::array& a, PromiseId p) {
        forward(method, json::object{{"number", a[0]}}, p, "call transferred to " + std::string(a[0].get_string()));
    }
    void finish_transfer(std::string_view method, const json::array&, PromiseId p) { forward(method, {}, p, "transfer completed"); }
    void set_account_code(std::string_view method, const json::array& a, PromiseId p) {
        json::object params{{"uniqueid", a[0]}, {"accountCode", a[1]}, {"override", nth(a, 3).is_bool() && nth(a, 3).get_bool()}};
        std::string code(a[1].get_string());
        if (nth(a, 2).is_string()) {
            params["subAccountCode"] = a[2];
            code += " / " + std::string(a[2].get_string());
        }
        forward(method, std::move(params), p, "account code " + code + " saved for call " + std::string(a[0].get_string()));
    }
    void notify(std::string_view method, const json::array& a, PromiseId p);
    void state_method(std::string_view, const json::array&, PromiseId p) { out.resolve(p, ready_object(model)); }
    // The ringtone is the user's, kept by ucsd (it follows the agent to another PC).
    void select_ringing_sound(std::string_view method, const json::array& a, PromiseId p) {
        const std::string sound(a[0].get_string());
        if (!is_one_of(ringing_sounds, sound)) {
            return out.refuse(p, ErrorCode::invalid_argument,
                              std::string(method) + ": unknown sound \"" + sound + "\" (allowed: " + names_list(ringing_sounds) + ")");
        }
        link.send(m::select_ringing_sound, json::object{{"ringingSound", sound}}, Request{Reply::ringing_sound, p});
    }
    // A call's recording for the history's <audio>: ucsd's signed path on the api.recording service.
    void recording_url(std::string_view, const json::array& a, PromiseId p) {
        link.send(m::recording_url, json::object{{"uniqueid", a[0]}}, Request{Reply::recording_url, p});
    }
    void recording_url_answered(const Answered& answer) {
        auto granted = result_as<message::RecordingUrl>(answer);
        if (!granted) return report_failure(ctx, answer.request.promise, granted.error());
        out.resolve(answer.request.promise,
                    json::object{{"url", config.recording_url(granted->path)}, {"expires", granted->expires}});
    }
    void ringing_sound_answered(const Answered& answer) {
        auto chosen = result_as<message::RingingSound>(answer);
        if (!chosen) return report_failure(ctx, answer.request.promise, chosen.error());
        take_ringing_sound(chosen->ringingSound);
        out.resolve(answer.request.promise, json::value(chosen->ringingSound));
    }
    void take_ringing_sound(const std::string& sound) {
        if (!is_one_of(ringing_sounds, sound) || sound == model.known.ringingSound) return;
        model.known.ringingSound = sound;
        out.view_changed();
    }
    void test_ringing_sound(std::string_view, const json::array&, PromiseId p) {
        softphone.test();
        out.resolve(p);
    }
    void stop_ringing_sound_test(std::string_view, const json::array&, PromiseId p) {
        softphone.stop_test();
        out.resolve(p);
    }
    void history(std::string_view, const json::array& a, PromiseId p) {
        // The GUI's filter: {direction?, number?, since?, until?, limit?, offset?}.
        model.history_filter = nth(a, 0).is_object() ? a[0].get_object() : json::object{};
        if (model.history_promise) out.resolve(model.history_promise, model.history);  // superseded by this newer filter
        model.history_promise = p;
        if (config.debounceRequests) return out.start_timer(Timer::history_debounce, 500);
        send_history_query();
    }
    void close_account_code(std::string_view, const json::array&, PromiseId p) {
        model.account_code_for.reset();
        out.view_changed();
        out.resolve(p);
    }
    void dismiss(std::string_view, const json::array& a, PromiseId p) {
        if (nth(a, 0).is_int64() && model.notifications.dismiss(static_cast<std::uint32_t>(a[0].get_int64()))) out.view_changed();
        out.resolve(p);
    }

    void send_history_query() {
        link.send(m::history, model.history_filter, Request{Reply::history, std::exchange(model.history_promise, std::nullopt)});
    }
    void history_answered(const Answered& answer) {
        auto rows = result_as<std::vector<HistoryEntry>>(answer);
        if (!rows) return out.reject(answer.request.promise, rows.error().name, rows.error().message);
        model.history = to_json(*rows);
        out.view_changed();
        out.resolve(answer.request.promise, model.history);
    }

    // ---- timers ----
    void timer_fired(Timer timer) {
        switch (timer) {
        case Timer::reconnect: return link.reconnect_due();
        case Timer::heartbeat: return answer_all(link.heartbeat_due());
        case Timer::notification_expiry: {
            const bool removed = model.notifications.expire(ctx.now);
            arm_notification_expiry(ctx);
            if (removed) out.view_changed();
            return;
        }
        case Timer::history_debounce: return send_history_query();
        case Timer::early_calls: return early_calls_expired();
        }
    }
};

std::span<const Agent::Impl::EventRow> Agent::Impl::event_table() {
    static const auto table = std::to_array<EventRow>({
        {ev::call_new, "onCallNew", &Impl::call_event},
        {ev::call_ringing, "onCallRinging", &Impl::call_event},
        {ev::call_connect, "onCallConnect", &Impl::call_event},
        {ev::call_hold, "onCallHold", &Impl::call_event},
        {ev::call_resume, "onCallResume", &Impl::call_event},
        {ev::call_mute, "onCallMute", &Impl::call_event},
        {ev::call_unmute, "onCallUnmute", &Impl::call_event},
        {ev::call_hangup, "onCallHangup", &Impl::call_event},
        {ev::agent_state, "", &Impl::agent_state_event},
        {ev::user, "", &Impl::user_event},
        {ev::queue_suspend, "", &Impl::queue_event},
        {ev::queue_resume, "", &Impl::queue_event},
        {ev::waiting_callers, "", &Impl::waiting_callers_event},
        {ev::message, "", &Impl::message_event},
        {ev::logged_out, "", &Impl::logged_out_event},
        {ev::session_state, "", &Impl::session_state_event},
        {ev::ringing_sound, "", &Impl::ringing_sound_event},
        {ev::layout, "", &Impl::layout_event},
    });
    return table;
}

// One row per page method of core/rules/methods.cpp (its states and wire method come from there).
std::span<const Agent::Impl::MethodRow> Agent::Impl::method_table() {
    using A = Arg;
    static const auto table = std::to_array<MethodRow>({
        {"login", args({A::string, A::string, A::boolean}, 2), &Impl::login_method},
        {"sso", args({A::string, A::string, A::string}, 2), &Impl::sso_method},
        {"logout", none, &Impl::logout_method},
        {"identifier", args({A::string}, 1), &Impl::identifier_method},
        {"selectIdentifier", args({A::string}, 1), &Impl::identifier_method},
        {"provision", none, &Impl::provision_method},
        {"identify", none, &Impl::identify_method},
        {"changeStatus", args({A::string, A::string}, 1), &Impl::change_status},
        {"suspend", args({A::whole}, 1), &Impl::suspend_queue},
        {"resume", args({A::whole}, 1), &Impl::resume_queue},
        {"answer", none, &Impl::no_params},
        {"dial", args({A::dialable, A::queue, A::whole, A::object}, 1), &Impl::dial},
        {"hangup", none, &Impl::no_params},
        {"transfer", args({A::string}, 0), &Impl::transfer},
        {"finishTransfer", none, &Impl::finish_transfer},
        {"blindTransfer", args({A::string}, 1), &Impl::blind_transfer},
        {"tribute", none, &Impl::no_params},
        {"hold", none, &Impl::no_params},
        {"unhold", none, &Impl::no_params},
        {"mute", none, &Impl::no_params},
        {"notify", none, &Impl::notify},
        {"state", none, &Impl::state_method},
        {"setAccountCode", args({A::string, A::string, A::string, A::boolean}, 2), &Impl::set_account_code},
        {"selectRingingSound", args({A::string}, 1), &Impl::select_ringing_sound},
        {"testRingingSound", none, &Impl::test_ringing_sound},
        {"stopRingingSoundTest", none, &Impl::stop_ringing_sound_test},
        {"history", none, &Impl::history},
        {"recordingUrl", args({A::string}, 1), &Impl::recording_url},
        {"closeAccountCode", none, &Impl::close_account_code},
        {"dismiss", none, &Impl::dismiss},
    });
    return table;
}

// notify(title, type, unique, timeout, boundState, group, other), positional or as one object.
void Agent::Impl::notify(std::string_view method, const json::array& a, PromiseId p) {
    json::object fields;
    if (a.size() == 1 && a[0].is_object()) {
        fields = a[0].get_object();
    } else {
        static constexpr std::array names{"title", "type", "unique", "timeout", "boundState", "group", "other"};
        for (std::size_t i = 0; i < names.size() && i < a.size(); ++i) fields[names.at(i)] = a[i];
    }
    auto field = [&](const char* key) -> const json::value& {
        static const json::value null_value;
        const json::value* v = fields.if_contains(key);
        return v != nullptr ? *v : null_value;
    };
    if (!field("title").is_string()) return out.refuse(p, ErrorCode::invalid_argument, std::string(method) + ": title should be a string");
    NotificationRequest request;
    request.title = std::string(field("title").get_string());
    request.type = field("type").is_string() ? std::string(field("type").get_string()) : "info";
    if (!is_one_of(notification_types, request.type)) {
        out.warn("notify: type \"" + request.type + "\" is not one of " + names_list(notification_types) + "; using info");
        request.type = "info";
    }
    if (!field("boundState").is_null()) {
        request.bound_state = field("boundState").is_string() ? parse_app_state(field("boundState").get_string()) : std::nullopt;
        if (!request.bound_state) out.warn("notify: boundState should be a state name; showing it in any state");
    }
    if (field("timeout").is_int64() && field("timeout").get_int64() >= 0) {
        request.timeout = field("timeout").get_int64();
    } else if (!field("timeout").is_null()) {
        out.warn("notify: timeout should be a whole number of milliseconds or null; the notification stays");
    }
    request.unique = field("unique").is_bool() && field("unique").get_bool();
    request.group = optional_string(field("group"));
    if (field("other").is_object()) request.other = field("other").get_object();
    out.resolve(p, post(ctx, std::move(request)));
}

// ---- the public face ------------------------------------------------------------------------------

Agent::Agent(Config config, Environment environment, RandomSource& random)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(environment), random)) {}

Agent::~Agent() = default;

Agent::Agent(const Agent& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}

void Agent::start(Millis now) {
    impl_->ctx.now = now;
    impl_->link.start();
}

void Agent::socket_open(Millis now) {
    impl_->ctx.now = now;
    impl_->link.opened();
}

void Agent::socket_message(std::string_view text, Millis now) {
    impl_->ctx.now = now;
    impl_->receive(text);
    impl_->settle_input();
}

void Agent::socket_closed(Millis now) {
    impl_->ctx.now = now;
    impl_->answer_all(impl_->link.closed());
    impl_->settle_input();
}

void Agent::timer_fired(Timer timer, Millis now) {
    impl_->ctx.now = now;
    impl_->timer_fired(timer);
    impl_->settle_input();
}

void Agent::audio_output(bool running, Millis now) {
    impl_->ctx.now = now;
    impl_->softphone.audio_output(running);
}

void Agent::page_frozen(bool frozen, Millis now) {
    impl_->ctx.now = now;
    impl_->link.page_frozen(frozen);
}

void Agent::microphone_opened(Millis now) {
    impl_->ctx.now = now;
    impl_->softphone.microphone_opened();
}

void Agent::media_owner(bool owner, Millis now) {
    impl_->ctx.now = now;
    impl_->softphone.media_owner(owner);
    impl_->settle_input();
}

void Agent::microphone_failed(const std::string& why, Millis now) {
    impl_->ctx.now = now;
    impl_->softphone.microphone_failed(why);
}

void Agent::call(std::string_view method, const json::array& args, PromiseId promise, Millis now) {
    impl_->ctx.now = now;
    try {
        impl_->call(method, args, promise);
    } catch (const std::exception& e) {
        // A bug: the page still gets its answer (once).
        impl_->out.refuse(promise, ErrorCode::internal_error, std::string(method) + ": " + e.what());
    }
    impl_->settle_input();
}

json::value Agent::state() const { return impl_->model.app == AppState::READY ? ready_object(impl_->model) : json::value(nullptr); }
json::value Agent::view(Millis now) const {
    return render_view(ViewInputs{impl_->model, impl_->config, impl_->environment, impl_->link.up(), now});
}
AppState Agent::app_state() const { return impl_->model.app; }
const std::vector<Notification>& Agent::notifications() const { return impl_->model.notifications.all(); }
const Config& Agent::config() const { return impl_->config; }

std::vector<Effect> Agent::take_effects() { return impl_->out.take(); }

}  // namespace ucs::agent
