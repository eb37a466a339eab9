#include "agent/agent.hpp"

#include "core/auth/base64.hpp"
#include "core/auth/scram.hpp"
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <stdexcept>

namespace ucs::agent {

namespace json = boost::json;
namespace m = protocol::method;
namespace ev = protocol::event;

inline constexpr std::string_view version = "4.0.0";
inline constexpr std::string_view remember_cookie = "ucsOperatorRemember";
inline constexpr std::string_view identifier_cookie = "ucsOperatorIdentifier";
inline constexpr std::string_view ringing_sound_cookie = "ucsOperatorRingingSound";
inline constexpr std::int64_t cookie_year = 365LL * 24 * 3600;
inline constexpr Millis max_reconnect_delay = 30'000;

const char* to_string(AppState state) {
    switch (state) {
    case AppState::CONNECTING: return "CONNECTING";
    case AppState::CREDENTIALS: return "CREDENTIALS";
    case AppState::IDENTIFY: return "IDENTIFY";
    case AppState::DEVICE: return "DEVICE";
    case AppState::READY: return "READY";
    }
    return "?";
}

namespace {

// The document's "method allowed in state" table, with the aliases and the methods it omits.
using StateMask = unsigned;
constexpr StateMask bit(AppState s) { return 1U << static_cast<unsigned>(s); }
constexpr StateMask any_state = bit(AppState::CONNECTING) | bit(AppState::CREDENTIALS) | bit(AppState::IDENTIFY) |
                                bit(AppState::DEVICE) | bit(AppState::READY);
constexpr StateMask ready = bit(AppState::READY);

struct MethodRule {
    std::string_view name;
    StateMask allowed;
    bool documented = true;  // installed on window.ucsOperator; the others are the GUI's
};

constexpr std::array method_rules{
    MethodRule{"login", bit(AppState::CREDENTIALS)},
    MethodRule{"sso", bit(AppState::CREDENTIALS)},
    MethodRule{"logout", bit(AppState::IDENTIFY) | bit(AppState::DEVICE) | ready},
    MethodRule{"identifier", bit(AppState::IDENTIFY) | bit(AppState::DEVICE)},
    MethodRule{"selectIdentifier", bit(AppState::IDENTIFY) | bit(AppState::DEVICE)},
    MethodRule{"provision", bit(AppState::IDENTIFY) | bit(AppState::DEVICE)},
    MethodRule{"identify", bit(AppState::DEVICE) | ready},
    MethodRule{"changeStatus", ready},
    MethodRule{"suspend", ready},
    MethodRule{"resume", ready},
    MethodRule{"answer", ready},
    MethodRule{"dial", ready},
    MethodRule{"hangup", ready},
    MethodRule{"transfer", ready},
    MethodRule{"finishTransfer", ready},
    MethodRule{"blindTransfer", ready},
    MethodRule{"tribute", ready},
    MethodRule{"hold", ready},
    MethodRule{"unhold", ready},
    MethodRule{"mute", ready},
    MethodRule{"notify", any_state},
    MethodRule{"state", ready},
    MethodRule{"setAccountCode", ready},
    MethodRule{"selectRingingSound", ready},
    MethodRule{"testRingingSound", ready},
    MethodRule{"stopRingingSoundTest", ready},
    MethodRule{"history", ready, false},           // call history for the GUI, debounced when asked
    MethodRule{"closeAccountCode", ready, false},  // the GUI closed the account-code table
    MethodRule{"dismiss", any_state, false},       // the GUI closed a notification
};

constexpr std::array ringing_sounds{"default", "christmas", "lovingYou", "quest", "rush"};

// The callbacks fired for server call events.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> call_callbacks{{
    {ev::call_new, "onCallNew"},
    {ev::call_ringing, "onCallRinging"},
    {ev::call_connect, "onCallConnect"},
    {ev::call_hold, "onCallHold"},
    {ev::call_resume, "onCallResume"},
    {ev::call_mute, "onCallMute"},
    {ev::call_unmute, "onCallUnmute"},
    {ev::call_hangup, "onCallHangup"},
}};

struct RpcFailure {
    std::int64_t code = 0;
    std::string name;  // data.code: "INVALID_STATE", ...
    std::string message;
    json::object data;
};

std::string token_text(std::string_view bytes) {
    std::string text = auth::base64_encode(bytes);
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
        if (c == '=') c = '.';
    }
    return text;
}

}  // namespace

const std::vector<std::string_view>& method_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& rule : method_rules)
            if (rule.documented) out.push_back(rule.name);
        return out;
    }();
    return names;
}

struct Agent::Impl {
    Impl(Config config_in, Environment environment_in, RandomSource& random_in)
        : config(std::move(config_in)), environment(std::move(environment_in)), random(random_in) {
        if (auto it = environment.cookies.find(std::string(ringing_sound_cookie)); it != environment.cookies.end()) {
            if (std::find(ringing_sounds.begin(), ringing_sounds.end(), it->second) != ringing_sounds.end()) ringing_sound = it->second;
        }
    }

    Config config;
    Environment environment;
    RandomSource& random;
    std::vector<Effect> effects;
    Millis now = 0;
    AppState state = AppState::CONNECTING;

    // Connection.
    bool socket_up = false;
    bool ever_connected = false;
    bool connection_warning_sent = false;
    int reconnect_attempt = 0;
    std::optional<std::string> session;
    std::uint64_t last_seq = 0;
    bool handshake_done = false;
    Millis heartbeat_ms = 15'000;
    bool ping_outstanding = false;
    bool was_logged_in = false;  // to log in again when the server forgot the session

    // Requests in flight and requests waiting for the connection.
    struct Pending {
        std::optional<PromiseId> promise;
        std::function<void(const json::value&)> on_result;
        std::function<void(const RpcFailure&)> on_error;
    };
    std::int64_t next_request_id = 1;
    std::map<std::int64_t, Pending> pending;
    std::deque<std::string> outbox;

    // Login.
    std::optional<auth::scram::Client> scram;
    std::optional<std::string> sso_provider;

    // What the server told us.
    json::object user;
    std::optional<json::object> device;
    std::optional<json::object> ready_state;  // onReady's object, kept current
    std::string status = "OFFLINE";
    json::value reason;
    std::map<std::string, json::object> calls;  // the call book, by uniqueid
    std::int64_t waiting_callers = 0;
    std::string ringing_sound = "default";

    std::vector<Notification> notifications;
    std::uint32_t next_notification = 1;

    // For the GUI.
    json::array devices;                          // the phones offered in IDENTIFY (listDevices)
    std::optional<std::int64_t> acw_until;        // Unix seconds when automatic wrap-up ends
    std::optional<std::string> account_code_for;  // autoOpenAccountCode: the call to classify
    json::value history = json::array{};
    json::object history_filter;
    std::optional<PromiseId> history_promise;

    // ---- effects helpers ----
    void fire(std::string_view callback, json::array args = {}) { effects.emplace_back(FireCallback{std::string(callback), std::move(args)}); }
    void warn(const std::string& message) { fire("onWarning", {json::value(message)}); }
    void resolve(std::optional<PromiseId> promise, json::value value = nullptr) {
        if (promise) effects.emplace_back(SettlePromise{*promise, true, std::move(value)});
    }
    void reject(std::optional<PromiseId> promise, std::string_view code, const std::string& message) {
        if (promise) effects.emplace_back(SettlePromise{*promise, false, json::object{{"code", code}, {"message", message}}});
    }
    void view_changed() { effects.emplace_back(ViewChanged{}); }

    void set_state(AppState next) {
        if (state == next) return;
        state = next;
        view_changed();
    }

    // ---- requests ----
    void request(std::string_view method, json::object params, std::optional<PromiseId> promise,
                 std::function<void(const json::value&)> on_result = {}, std::function<void(const RpcFailure&)> on_error = {}) {
        const std::int64_t id = next_request_id++;
        pending[id] = Pending{promise, std::move(on_result), std::move(on_error)};
        std::string frame = protocol::request_frame(id, method, std::move(params));
        if (socket_up && handshake_done) {
            effects.emplace_back(SendFrame{std::move(frame)});
        } else {
            outbox.push_back(std::move(frame));
        }
    }
    // A request whose result settles the promise as it is.
    void simple_request(std::string_view method, json::object params, PromiseId promise) { request(method, std::move(params), promise); }

    // Every request in flight or waiting fails with NETWORK_ERROR: its promise settles exactly once,
    // through its own error handler where it has one.
    void fail_pending(const std::string& message) {
        outbox.clear();
        std::map<std::int64_t, Pending> failed;
        failed.swap(pending);
        for (auto& [id, entry] : failed) {
            if (entry.on_error) {
                entry.on_error(RpcFailure{0, "NETWORK_ERROR", message, {}});
            } else {
                reject(entry.promise, "NETWORK_ERROR", message);
            }
        }
    }

    void handle_response(const json::object& frame) {
        const json::value* id = frame.if_contains("id");
        if (id == nullptr || !id->is_int64()) return;
        auto it = pending.find(id->get_int64());
        if (it == pending.end()) return;
        Pending entry = std::move(it->second);
        pending.erase(it);
        if (const json::value* result = frame.if_contains("result")) {
            if (!entry.on_result) {
                resolve(entry.promise, *result);
                return;
            }
            try {
                entry.on_result(*result);
            } catch (const std::exception& e) {
                // A result of an unexpected shape: the request fails instead of leaving its promise open.
                const RpcFailure failure{0, "PROTOCOL_ERROR", std::string("unexpected answer from UCS: ") + e.what(), {}};
                if (entry.on_error) {
                    entry.on_error(failure);
                } else {
                    warn(failure.message);
                    reject(entry.promise, failure.name, failure.message);
                }
            }
            return;
        }
        RpcFailure failure;
        if (const json::value* error = frame.if_contains("error"); error != nullptr && error->is_object()) {
            const json::object& e = error->get_object();
            if (auto c = e.if_contains("code"); c && c->is_int64()) failure.code = c->get_int64();
            if (auto msg = e.if_contains("message"); msg && msg->is_string()) failure.message = std::string(msg->get_string());
            if (auto data = e.if_contains("data"); data && data->is_object()) {
                failure.data = data->get_object();
                if (auto name = failure.data.if_contains("code"); name && name->is_string()) failure.name = std::string(name->get_string());
            }
        }
        if (entry.on_error) {
            entry.on_error(failure);
        } else {
            warn(failure.message);
            reject(entry.promise, failure.name, failure.message);
        }
    }

    // ---- connection ----
    void open_socket() { effects.emplace_back(OpenSocket{config.websocket_url()}); }

    void on_open() {
        socket_up = true;
        handshake_done = false;
        const std::int64_t id = next_request_id++;
        if (session) {
            pending[id] = Pending{std::nullopt, [this](const json::value& r) { resumed(r); },
                                  [this](const RpcFailure& f) { resume_failed(f); }};
            effects.emplace_back(SendFrame{protocol::request_frame(
                id, m::resume_session, json::object{{"session", *session}, {"last_seq", last_seq}})});
        } else {
            pending[id] = Pending{std::nullopt, [this](const json::value& r) { greeted(r); },
                                  [this](const RpcFailure& f) { fire("onError", {json::value("UCS refused the connection: " + f.message)}); }};
            effects.emplace_back(SendFrame{protocol::request_frame(
                id, m::hello, json::object{{"protocol", protocol::version}, {"client", "operator.js/" + std::string(version)}})});
        }
    }

    void handshake_complete(const json::object& result) {
        handshake_done = true;
        ping_outstanding = false;
        reconnect_attempt = 0;
        if (auto hb = result.if_contains("heartbeat_ms"); hb && hb->is_int64() && hb->get_int64() > 0) heartbeat_ms = hb->get_int64();
        effects.emplace_back(StartTimer{Timer::heartbeat, heartbeat_ms});
        if (connection_warning_sent) {
            fire("onInfo", {json::value("connection to UCS restored")});
            connection_warning_sent = false;
        }
    }

    // sso() with a provider: closing the tab logs the agent out (API-DECISIONS.md).
    void update_unload_beacon(bool logged_in_now) {
        if (logged_in_now && sso_provider && session && !config.disableIntegratedAutoLogout) {
            effects.emplace_back(UnloadBeacon{config.http_url("/api/v1.0/session/logout"),
                                              json::serialize(json::object{{"session", *session}})});
        } else {
            effects.emplace_back(UnloadBeacon{});
        }
    }

    void greeted(const json::value& result) {
        const json::object& r = result.as_object();
        session = std::string(r.at("session").as_string());
        last_seq = 0;
        // A new session: requests queued for the old one cannot be carried out.
        fail_pending("the session with UCS was lost");
        handshake_complete(r);
        const bool first = !ever_connected;
        ever_connected = true;
        if (first) fire("onConnect", {json::value(version)});
        enter_credentials(!first && was_logged_in);
    }

    void resumed(const json::value& result) {
        const json::object& r = result.as_object();
        handshake_complete(r);
        for (auto& frame : outbox) effects.emplace_back(SendFrame{std::move(frame)});
        outbox.clear();
        if (const json::value* replayed = r.if_contains("replayed"); replayed && replayed->is_null()) {
            reconcile(r);  // too much was missed: rebuild from the snapshot
        }
        // Otherwise the missed events follow this result and are handled as they come.
    }

    void resume_failed(const RpcFailure&) {
        // The server forgot us: start a new session and log in again where possible.
        session.reset();
        last_seq = 0;
        fail_pending("the session with UCS was lost");
        on_open();
    }

    void on_closed() {
        socket_up = false;
        handshake_done = false;
        effects.emplace_back(CancelTimer{Timer::heartbeat});
        // Requests in flight have unknown outcomes (the event stream will tell what happened); requests
        // not sent yet are dropped with them, so a rejected call is never carried out later.
        fail_pending("the connection to UCS was lost");
        if (!connection_warning_sent) {
            connection_warning_sent = true;
            if (ever_connected) {
                warn("connection to UCS lost; reconnecting");
            } else {
                fire("onError", {json::value("cannot connect to UCS at " + config.websocket_url())});
            }
        }
        // Exponential back-off with +-20 % jitter, capped.
        const Millis base = std::min<Millis>(max_reconnect_delay, Millis{500} << std::min(reconnect_attempt, 6));
        const std::string noise = random.bytes(1);
        const double jitter = 0.8 + 0.4 * (static_cast<unsigned char>(noise[0]) / 255.0);
        ++reconnect_attempt;
        effects.emplace_back(StartTimer{Timer::reconnect, static_cast<Millis>(static_cast<double>(base) * jitter)});
        view_changed();
    }

    // ---- login and pairing ----
    void enter_credentials(bool relogin) {
        set_state(AppState::CREDENTIALS);
        update_unload_beacon(false);
        user = {};
        device.reset();
        ready_state.reset();
        fire("onCredentials");
        const auto remembered = environment.cookies.find(std::string(remember_cookie));
        if (remembered != environment.cookies.end() && (config.autologin || relogin)) {
            const std::string& value = remembered->second;
            const auto separator = value.find(' ');
            if (separator != std::string::npos) {
                const std::string username = value.substr(0, separator);
                request(m::login_remember,
                        json::object{{"username", username}, {"token", value.substr(separator + 1)}, {"autologout", config.autologout}},
                        std::nullopt, [this](const json::value& r) { logged_in(r, std::nullopt); },
                        [this](const RpcFailure& f) {
                            forget_remembered();
                            login_failed(f, std::nullopt);
                        });
            }
        } else if (relogin) {
            notify_text("Your session with UCS ended; please log in again.", "warning", AppState::CREDENTIALS);
        }
    }

    void forget_remembered() {
        environment.cookies.erase(std::string(remember_cookie));
        effects.emplace_back(SetCookie{std::string(remember_cookie), "", 0});
    }

    void login_failed(const RpcFailure& failure, std::optional<PromiseId> promise) {
        fire("onLoginError", {json::value(failure.code), json::value(failure.message)});
        notify_text(failure.message, "error", AppState::CREDENTIALS, "login");
        reject(promise, failure.name.empty() ? "LOGIN_FAILED" : failure.name, failure.message);
    }

    void logged_in(const json::value& result, std::optional<PromiseId> promise) {
        const json::object& r = result.as_object();
        was_logged_in = true;
        user = r.at("user").as_object();
        remove_group("login");
        update_unload_beacon(true);
        fire("onUser", {user});
        resolve(promise, user);
        if (auto d = r.if_contains("device"); d && d->is_object() && r.at("state") == "DEVICE") {
            paired(d->get_object(), std::nullopt);
            return;
        }
        set_state(AppState::IDENTIFY);
        find_identifier();
    }

    // Identifier sources in the documented order; the first found is paired at once.
    void find_identifier() {
        if (config.withoutDevice) {
            provision(std::nullopt);
            return;
        }
        if (config.identifyURL && environment.url_identifier && !environment.url_identifier->empty()) {
            pair(*environment.url_identifier, std::nullopt);
            return;
        }
        if (config.identifyCookie) {
            if (auto it = environment.cookies.find(std::string(identifier_cookie)); it != environment.cookies.end() && !it->second.empty()) {
                pair(it->second, std::nullopt);
                return;
            }
        }
        if (config.identifyIP) {
            request(m::identify_ip, {}, std::nullopt,
                    [this](const json::value& r) {
                        fire("onIdentifier", {r.at("identifier")});
                        paired(r.at("device").as_object(), std::nullopt);
                    },
                    [this](const RpcFailure&) { ask_for_identifier(); });
            return;
        }
        ask_for_identifier();
    }

    void ask_for_identifier() {
        set_state(AppState::IDENTIFY);
        if (!config.listDevices) {
            fire("onIdentify", json::array{json::value(json::array{})});
            return;
        }
        request(m::devices, {}, std::nullopt,
                [this](const json::value& list) {
                    devices = list.as_array();
                    view_changed();
                    fire("onIdentify", {list});
                },
                [this](const RpcFailure& f) {
                    warn("could not list phones: " + f.message);
                    fire("onIdentify", json::array{json::value(json::array{})});
                });
    }

    void pair(const std::string& identifier, std::optional<PromiseId> promise) {
        fire("onIdentifier", {json::value(identifier)});
        request(m::identifier, json::object{{"identifier", identifier}}, std::nullopt,
                [this, promise](const json::value& r) { paired(r.at("device").as_object(), promise); },
                [this, promise, identifier](const RpcFailure& f) {
                    if (f.name == "BAD_IDENTIFIER" || f.name == "DEVICE_IN_USE") {
                        json::object other{{"values", json::object{{"identifier", identifier}}}};
                        notify(f.name == "BAD_IDENTIFIER" ? "Bad identifier: {identifier}" : f.message, "error", true, std::nullopt,
                               AppState::IDENTIFY, std::string("identify"), other);
                    }
                    reject(promise, f.name, f.message);
                    if (environment.cookies.contains(std::string(identifier_cookie))) {
                        environment.cookies.erase(std::string(identifier_cookie));
                        effects.emplace_back(SetCookie{std::string(identifier_cookie), "", 0});
                    }
                    ask_for_identifier();
                });
    }

    void paired(const json::object& paired_device, std::optional<PromiseId> promise) {
        device = paired_device;
        remove_group("identify");
        if (auto identifier = paired_device.if_contains("identifier"); identifier && identifier->is_string()) {
            const std::string value(identifier->get_string());
            environment.cookies[std::string(identifier_cookie)] = value;
            effects.emplace_back(SetCookie{std::string(identifier_cookie), value, cookie_year});
        }
        set_state(AppState::DEVICE);
        fire("onDevice", {*device});
        resolve(promise, *device);
        if (!config.confirmDevice) provision(std::nullopt);
    }

    void provision(std::optional<PromiseId> promise) {
        request(m::provision, {}, std::nullopt,
                [this, promise](const json::value& r) {
                    adopt_ready_state(r.as_object());
                    set_state(AppState::READY);
                    fire("onReady", {state_object()});
                    resolve(promise, state_object());
                },
                [this, promise](const RpcFailure& f) {
                    warn(f.message);
                    reject(promise, f.name, f.message);
                });
    }

    void adopt_ready_state(const json::object& r) {
        // Checked whole before anything is taken from it: the view reads it without checks.
        if (auto valid = from_json<ReadyState>(json::value(r)); !valid) {
            throw std::runtime_error("the state from UCS is invalid: " + valid.error().message());
        }
        ready_state = r;
        status = std::string(r.at("status").as_string());
        reason = r.at("reason");
        user = r.at("user").as_object();
        if (auto d = r.if_contains("device"); d && d->is_object()) device = d->get_object();
        waiting_callers = r.at("waitingCallers").to_number<std::int64_t>();
        calls.clear();
        if (auto call = r.if_contains("call"); call && call->is_object()) {
            calls[std::string(call->at("uniqueid").as_string())] = call->get_object();
        }
    }

    json::value state_object() const {
        if (!ready_state) return nullptr;
        json::object out = *ready_state;
        out["status"] = status;
        out["reason"] = reason;
        out["user"] = user;
        out["device"] = device ? json::value(*device) : json::value(nullptr);
        out["call"] = current_call() ? json::value(*current_call()) : json::value(nullptr);
        out["waitingCallers"] = waiting_callers;
        out["ringingSound"] = ringing_sound;
        return out;
    }

    const json::object* current_call() const {
        const json::object* held = nullptr;
        for (const auto& [uniqueid, call] : calls) {
            const auto state_value = call.at("state").to_number<int>();
            if (state_value != 4 && state_value != 5) return &call;
            held = &call;
        }
        return held;
    }

    // Rebuild after a resume that could not replay: report what changed as callbacks.
    void reconcile(const json::object& r) {
        if (auto u = r.if_contains("user"); u && u->is_object()) user = u->get_object();
        const json::value* snapshot = r.if_contains("snapshot");
        if (snapshot == nullptr || !snapshot->is_object()) {
            if (r.at("state") == "CREDENTIALS") enter_credentials(true);
            return;
        }
        const json::object& s = snapshot->get_object();
        const std::string new_status(s.at("status").as_string());
        const json::value new_reason = s.at("reason");
        std::optional<json::object> now_call;
        if (auto call = s.if_contains("call"); call && call->is_object()) now_call = call->get_object();
        for (auto& [uniqueid, call] : calls) {
            if (now_call && now_call->at("uniqueid") == uniqueid.c_str()) continue;
            json::object ended = call;
            ended["cause"] = 0;  // it ended while we were away; how is unknown
            fire("onCallHangup", {ended});
        }
        const bool call_known = now_call && calls.contains(std::string(now_call->at("uniqueid").as_string()));
        adopt_ready_state(s);
        if (now_call && !call_known) {
            fire(now_call->at("state").to_number<int>() == 3 ? "onCallConnect" : "onCallRinging", {*now_call});
        }
        fire("onStateChange", {json::object{{"status", new_status}, {"reason", new_reason}}});
        view_changed();
    }

    // ---- events ----
    void handle_event(std::string_view name, const json::object& params) {
        if (auto seq = params.if_contains("seq"); seq && seq->is_number()) {
            const auto n = seq->to_number<std::uint64_t>();
            if (n <= last_seq) return;  // already handled before a reconnect
            last_seq = n;
        }
        fire("onDebug", {json::value("event " + std::string(name))});
        for (const auto& [event, callback] : call_callbacks) {
            if (name != event) continue;
            // Only documented Call objects enter the call book (the view and state() read it unchecked).
            const json::value* raw_call = params.if_contains("call");
            auto valid = raw_call != nullptr ? from_json<Call>(*raw_call) : from_json<Call>(json::value());
            if (!valid) {
                warn("UCS sent " + std::string(name) + " with an invalid call: " + valid.error().message());
                return;
            }
            const json::object& call = raw_call->as_object();
            const std::string uniqueid(call.at("uniqueid").as_string());
            if (name == ev::call_hangup) {
                calls.erase(uniqueid);
                if (config.autoOpenAccountCode) account_code_for = uniqueid;
            } else {
                calls[uniqueid] = call;
            }
            fire(callback, {call});
            if (name == ev::call_ringing && config.crmAutoOpen) {
                if (auto data = call.if_contains("data"); data && data->is_object()) {
                    if (auto url = data->get_object().if_contains("crm_url"); url && url->is_string()) {
                        effects.emplace_back(OpenUrl{std::string(url->get_string())});
                    }
                }
            }
            view_changed();
            return;
        }
        if (name == ev::agent_state) {
            status = std::string(params.at("status").as_string());
            reason = params.at("reason");
            const json::value* until = params.if_contains("until");
            acw_until = until != nullptr && until->is_number() ? std::optional(until->to_number<std::int64_t>()) : std::nullopt;
            fire("onStateChange", {json::object{{"status", status}, {"reason", reason}}});
        } else if (name == ev::user) {
            user = params.at("user").as_object();
        } else if (name == ev::queue_suspend || name == ev::queue_resume) {
            // The membership in user.queues follows at once (every session of the agent sees it).
            if (auto queues = user.if_contains("queues"); queues && queues->is_object()) {
                const std::string key = json::serialize(params.at("queueId"));
                if (auto member = queues->get_object().if_contains(key); member && member->is_object()) {
                    member->get_object()["suspended"] = name == ev::queue_suspend;
                }
            }
            fire(name == ev::queue_suspend ? "onAgentSuspend" : "onAgentResume", {params.at("queueId")});
        } else if (name == ev::waiting_callers) {
            const auto before = waiting_callers;
            waiting_callers = params.at("waitingCallers").to_number<std::int64_t>();
            fire("onWaitingCallersChange", {json::value(waiting_callers)});
            // notifyWaitingCallers: agents away from the phone hear about new callers.
            if (config.notifyWaitingCallers && waiting_callers > before && (status == "ACW" || status == "AUX")) {
                const std::string body = std::to_string(waiting_callers) + (waiting_callers == 1 ? " caller is" : " callers are") +
                                         " waiting in your queues";
                effects.emplace_back(SystemNotification{"UCS: callers waiting", body});
                notify(body, "info", true, Millis{10'000}, AppState::READY, std::string("waiting"), {});
            }
        } else if (name == ev::message) {
            json::object message{{"message", params.at("message")}, {"type", params.at("type")},
                                 {"group", params.at("group")}, {"data", params.at("data")}};
            fire("onMessage", {message});
            notify_text(std::string(params.at("message").as_string()), std::string(params.at("type").as_string()), std::nullopt);
        } else if (name == ev::logged_out) {
            calls.clear();
            was_logged_in = false;
            enter_credentials(false);
        } else {
            warn("unknown event from UCS: " + std::string(name));
        }
        view_changed();
    }

    // ---- notifications ----
    std::uint32_t notify(std::string title, std::string type, bool unique, std::optional<Millis> timeout,
                         std::optional<AppState> bound_state, std::optional<std::string> group, json::object other) {
        // {name} placeholders come from other.values.
        if (auto values = other.if_contains("values"); values && values->is_object()) {
            for (const auto& entry : values->get_object()) {
                const std::string placeholder = "{" + std::string(entry.key()) + "}";
                const std::string replacement = entry.value().is_string() ? std::string(entry.value().get_string())
                                                                           : json::serialize(entry.value());
                for (auto pos = title.find(placeholder); pos != std::string::npos; pos = title.find(placeholder, pos + replacement.size())) {
                    title.replace(pos, placeholder.size(), replacement);
                }
            }
        }
        if (unique) {
            std::erase_if(notifications, [&](const Notification& n) { return n.title == title && n.group == group; });
        }
        Notification n;
        n.id = next_notification++;
        n.title = std::move(title);
        n.type = std::move(type);
        if (timeout) n.expires = now + *timeout;
        n.bound_state = bound_state;
        n.group = std::move(group);
        n.other = std::move(other);
        notifications.push_back(std::move(n));
        arm_notification_expiry();
        view_changed();
        return notifications.back().id;
    }
    void notify_text(const std::string& text, const std::string& type, std::optional<AppState> bound_state,
                     std::optional<std::string> group = std::nullopt) {
        notify(text, type, true, type == "error" ? std::nullopt : std::optional<Millis>(8'000), bound_state, std::move(group), {});
    }
    void remove_group(const std::string& group) {
        if (std::erase_if(notifications, [&](const Notification& n) { return n.group == group; }) > 0) view_changed();
    }
    void arm_notification_expiry() {
        std::optional<Millis> next;
        for (const auto& n : notifications)
            if (n.expires && (!next || *n.expires < *next)) next = n.expires;
        if (next) {
            effects.emplace_back(StartTimer{Timer::notification_expiry, std::max<Millis>(0, *next - now)});
        } else {
            effects.emplace_back(CancelTimer{Timer::notification_expiry});
        }
    }

    void send_history_query() {
        const auto promise = history_promise;
        history_promise.reset();
        request(m::history, history_filter, std::nullopt,
                [this, promise](const json::value& rows) {
                    history = rows;
                    view_changed();
                    resolve(promise, rows);
                },
                [this, promise](const RpcFailure& f) { reject(promise, f.name, f.message); });
    }

    json::value view(Millis at) const;

    // ---- methods ----
    void call(std::string_view method, const json::array& args, PromiseId promise);
    bool check_args(std::string_view method, const json::array& args, std::initializer_list<json::kind> kinds,
                    std::size_t required, PromiseId promise);
};

namespace {

const char* kind_label(json::kind kind) {
    switch (kind) {
    case json::kind::string: return "a string";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64: return "a whole number";
    case json::kind::object: return "an object";
    default: return "a value";
    }
}

// JS numbers arrive as integers when whole; a fraction where an id or a count belongs is refused.
bool kind_matches(const json::value& v, json::kind kind) {
    if (kind == json::kind::int64) return v.is_int64() || v.is_uint64();
    return v.kind() == kind;
}

std::optional<AppState> parse_state(const json::value& v) {
    if (!v.is_string()) return std::nullopt;
    for (AppState s : {AppState::CONNECTING, AppState::CREDENTIALS, AppState::IDENTIFY, AppState::DEVICE, AppState::READY}) {
        if (v.get_string() == to_string(s)) return s;
    }
    return std::nullopt;
}

}  // namespace

// Checks positional arguments: the first `required` must be present; present ones must have the
// given kinds (null/undefined counts as absent for optional ones).
bool Agent::Impl::check_args(std::string_view method, const json::array& args, std::initializer_list<json::kind> kinds,
                             std::size_t required, PromiseId promise) {
    std::size_t index = 0;
    for (json::kind kind : kinds) {
        const bool present = index < args.size() && !args[index].is_null();
        if (!present && index < required) {
            const std::string message = std::string(method) + ": argument " + std::to_string(index + 1) + " is required";
            warn(message);
            reject(promise, "INVALID_ARGUMENT", message);
            return false;
        }
        if (present && !kind_matches(args[index], kind)) {
            const std::string message = std::string(method) + ": argument " + std::to_string(index + 1) + " should be " + kind_label(kind);
            warn(message);
            reject(promise, "INVALID_ARGUMENT", message);
            return false;
        }
        ++index;
    }
    return true;
}

void Agent::Impl::call(std::string_view method, const json::array& args, PromiseId promise) {
    const auto rule = std::find_if(method_rules.begin(), method_rules.end(), [&](const MethodRule& r) { return r.name == method; });
    if (rule == method_rules.end()) {
        reject(promise, "UNKNOWN_METHOD", "ucsOperator has no method " + std::string(method));
        return;
    }
    if ((rule->allowed & bit(state)) == 0) {
        const std::string message = std::string(method) + " is not allowed in state " + to_string(state);
        warn(message);
        reject(promise, "INVALID_STATE", message);
        return;
    }
    auto arg = [&](std::size_t i) -> const json::value& {
        static const json::value null_value;
        return i < args.size() ? args[i] : null_value;
    };
    using K = json::kind;

    if (method == "login") {
        if (!check_args(method, args, {K::string, K::string, K::bool_}, 2, promise)) return;
        if (scram) {
            const std::string message = "login: a login is already in progress";
            warn(message);
            reject(promise, "INVALID_STATE", message);
            return;
        }
        const std::string username(arg(0).get_string());
        const std::string password(arg(1).get_string());
        const bool remember = arg(2).is_bool() && arg(2).get_bool();
        scram.emplace(username, password, token_text(random.bytes(18)));
        sso_provider.reset();
        request(m::login, json::object{{"username", username}, {"client_first", scram->client_first()}}, std::nullopt,
                [this, promise, remember, username](const json::value& r) {
                    auto client_final = scram->client_final(std::string(r.at("server_first").as_string()));
                    if (!client_final) {
                        login_failed(RpcFailure{0, "LOGIN_FAILED", "UCS answered the login in an unexpected way", {}}, promise);
                        return;
                    }
                    request(m::login_proof,
                            json::object{{"client_final", *client_final}, {"remember", remember}, {"autologout", config.autologout}},
                            std::nullopt,
                            [this, promise, username](const json::value& proof) {
                                const auto problem = scram->verify_server_final(std::string(proof.at("server_final").as_string()));
                                scram.reset();
                                if (problem) {
                                    fire("onError", {json::value("UCS could not prove its identity; login aborted")});
                                    login_failed(RpcFailure{0, "SERVER_NOT_VERIFIED", "UCS could not prove its identity", {}}, promise);
                                    return;
                                }
                                if (auto token = proof.as_object().if_contains("remember_token"); token && token->is_string()) {
                                    const std::string value = username + " " + std::string(token->get_string());
                                    environment.cookies[std::string(remember_cookie)] = value;
                                    effects.emplace_back(SetCookie{std::string(remember_cookie), value, cookie_year});
                                }
                                logged_in(proof, promise);
                            },
                            [this, promise](const RpcFailure& f) {
                                scram.reset();
                                login_failed(f, promise);
                            });
                },
                [this, promise](const RpcFailure& f) {
                    scram.reset();
                    login_failed(f, promise);
                });
    } else if (method == "sso") {
        if (!check_args(method, args, {K::string, K::string, K::string}, 2, promise)) return;
        json::object params{{"username", arg(0)}, {"token", arg(1)}, {"autologout", config.autologout}};
        if (arg(2).is_string()) {
            params["provider"] = arg(2);
            sso_provider = std::string(arg(2).get_string());
        }
        request(m::sso, std::move(params), std::nullopt, [this, promise](const json::value& r) { logged_in(r, promise); },
                [this, promise](const RpcFailure& f) {
                    sso_provider.reset();
                    login_failed(f, promise);
                });
    } else if (method == "logout") {
        request(m::logout, {}, promise, [this, promise](const json::value&) {
            forget_remembered();
            calls.clear();
            was_logged_in = false;
            sso_provider.reset();
            resolve(promise);
            enter_credentials(false);
        });
    } else if (method == "identifier" || method == "selectIdentifier") {
        if (!check_args(method, args, {K::string}, 1, promise)) return;
        pair(std::string(arg(0).get_string()), promise);
    } else if (method == "provision") {
        provision(promise);
    } else if (method == "identify") {
        request(m::identify, {}, promise, [this, promise](const json::value&) {
            device.reset();
            ready_state.reset();
            resolve(promise);
            ask_for_identifier();
        });
    } else if (method == "changeStatus") {
        if (!check_args(method, args, {K::string, K::string}, 1, promise)) return;
        json::object params{{"status", arg(0)}};
        if (arg(1).is_string()) params["reason"] = arg(1);
        simple_request(m::change_status, std::move(params), promise);
    } else if (method == "suspend" || method == "resume") {
        if (!check_args(method, args, {K::int64}, 1, promise)) return;
        simple_request(method == "suspend" ? m::suspend : m::resume, json::object{{"queue", arg(0).to_number<std::int64_t>()}}, promise);
    } else if (method == "answer" || method == "hangup" || method == "unhold" || method == "mute" || method == "finishTransfer") {
        simple_request(method, {}, promise);
    } else if (method == "tribute" || method == "hold") {
        simple_request(m::hold, {}, promise);
    } else if (method == "dial") {
        json::array normalized = args;
        if (!normalized.empty() && normalized[0].is_number()) normalized[0] = json::serialize(normalized[0]);  // dial(800123456) is forgiven
        if (normalized.size() > 1 && normalized[1].is_string() && normalized[1].get_string() != "directCall" &&
            normalized[1].get_string() != "undefined") {
            const std::string message = "dial: queue should be a queue id, \"directCall\" or \"undefined\"";
            warn(message);
            reject(promise, "INVALID_ARGUMENT", message);
            return;
        }
        if (normalized.size() > 1 && normalized[1].is_number()) normalized[1] = json::value(nullptr);  // checked below
        if (!check_args(method, normalized, {K::string, K::string, K::int64, K::object}, 1, promise)) return;
        json::object params{{"number", normalized[0]}};
        if (arg(1).is_number()) {
            params["queue"] = arg(1).to_number<std::int64_t>();
        } else if (arg(1).is_string()) {
            params["queue"] = arg(1);
        }
        if (arg(2).is_number()) params["line"] = arg(2).to_number<std::int64_t>();
        if (arg(3).is_object()) params["data"] = arg(3);
        simple_request(m::dial, std::move(params), promise);
    } else if (method == "transfer") {
        if (!check_args(method, args, {K::string}, 0, promise)) return;
        json::object params;
        if (arg(0).is_string()) params["number"] = arg(0);
        simple_request(m::transfer, std::move(params), promise);
    } else if (method == "blindTransfer") {
        if (!check_args(method, args, {K::string}, 1, promise)) return;
        simple_request(m::blind_transfer, json::object{{"number", arg(0)}}, promise);
    } else if (method == "setAccountCode") {
        if (!check_args(method, args, {K::string, K::string, K::string, K::bool_}, 2, promise)) return;
        json::object params{{"uniqueid", arg(0)}, {"accountCode", arg(1)}, {"override", arg(3).is_bool() && arg(3).get_bool()}};
        if (arg(2).is_string()) params["subAccountCode"] = arg(2);
        simple_request(m::set_account_code, std::move(params), promise);
    } else if (method == "notify") {
        // Positional (title, type, unique, timeout, boundState, group, other) or one object.
        json::object fields;
        if (args.size() == 1 && args[0].is_object()) {
            fields = args[0].get_object();
        } else {
            static constexpr std::array names{"title", "type", "unique", "timeout", "boundState", "group", "other"};
            for (std::size_t i = 0; i < names.size() && i < args.size(); ++i) fields[names[i]] = args[i];
        }
        auto field = [&](const char* key) -> const json::value& {
            static const json::value null_value;
            const json::value* v = fields.if_contains(key);
            return v != nullptr ? *v : null_value;
        };
        if (!field("title").is_string()) {
            warn("notify: title should be a string");
            reject(promise, "INVALID_ARGUMENT", "notify: title should be a string");
            return;
        }
        std::string type = field("type").is_string() ? std::string(field("type").get_string()) : "info";
        if (type != "error" && type != "warning" && type != "success" && type != "info") {
            warn("notify: type \"" + type + "\" is not one of error, warning, success, info; using info");
            type = "info";
        }
        std::optional<AppState> bound;
        if (!field("boundState").is_null()) {
            bound = parse_state(field("boundState"));
            if (!bound) warn("notify: boundState should be a state name; showing it in any state");
        }
        std::optional<Millis> timeout;
        if (field("timeout").is_int64() && field("timeout").get_int64() >= 0) {
            timeout = field("timeout").get_int64();
        } else if (!field("timeout").is_null()) {
            warn("notify: timeout should be a whole number of milliseconds or null; the notification stays");
        }
        const std::uint32_t id = notify(std::string(field("title").get_string()), type, field("unique").is_bool() && field("unique").get_bool(),
                                        timeout,
                                        bound, field("group").is_string() ? std::optional<std::string>(std::string(field("group").get_string())) : std::nullopt,
                                        field("other").is_object() ? field("other").get_object() : json::object{});
        resolve(promise, id);
    } else if (method == "state") {
        resolve(promise, state_object());
    } else if (method == "selectRingingSound") {
        if (!check_args(method, args, {K::string}, 1, promise)) return;
        const std::string sound(arg(0).get_string());
        if (std::find(ringing_sounds.begin(), ringing_sounds.end(), sound) == ringing_sounds.end()) {
            const std::string message = "selectRingingSound: unknown sound \"" + sound + "\"";
            warn(message);
            reject(promise, "INVALID_ARGUMENT", message);
            return;
        }
        ringing_sound = sound;
        effects.emplace_back(SetCookie{std::string(ringing_sound_cookie), sound, cookie_year});
        view_changed();
        resolve(promise, json::value(sound));
    } else if (method == "history") {
        // The GUI's filter: {direction?, number?, since?, until?, limit?, offset?}.
        history_filter = arg(0).is_object() ? arg(0).get_object() : json::object{};
        if (history_promise) resolve(history_promise, history);  // superseded by this newer filter
        history_promise = promise;
        if (config.debounceRequests) {
            effects.emplace_back(StartTimer{Timer::history_debounce, 500});
        } else {
            send_history_query();
        }
    } else if (method == "closeAccountCode") {
        account_code_for.reset();
        view_changed();
        resolve(promise);
    } else if (method == "dismiss") {
        if (arg(0).is_int64()) {
            const auto id = static_cast<std::uint32_t>(arg(0).get_int64());
            std::erase_if(notifications, [&](const Notification& n) { return n.id == id; });
            view_changed();
        }
        resolve(promise);
    } else if (method == "testRingingSound" || method == "stopRingingSoundTest") {
        // The ringtones come with the softphone; until then there is nothing to play.
        resolve(promise);
    }
}


// ---- the GUI's view model -----------------------------------------------------------------------

json::value Agent::Impl::view(Millis at) const {
    json::object v;
    v["state"] = to_string(state);
    v["connected"] = socket_up && handshake_done;
    // The user's locale wins over the page's lang once known (API-DECISIONS.md).
    std::string lang = config.lang;
    if (auto locale = user.if_contains("locale"); locale && locale->is_string() && (locale->get_string() == "cs" || locale->get_string() == "en")) {
        lang = std::string(locale->get_string());
    }
    v["lang"] = lang;
    json::object login{{"username", ""}, {"remembered", false}};
    if (auto it = environment.cookies.find(std::string(remember_cookie)); it != environment.cookies.end()) {
        login["username"] = it->second.substr(0, it->second.find(' '));
        login["remembered"] = true;
    }
    v["login"] = login;
    v["devices"] = devices;
    v["device"] = device ? json::value(*device) : json::value(nullptr);
    v["confirmDevice"] = state == AppState::DEVICE && config.confirmDevice;
    v["user"] = user;
    v["status"] = status;
    v["reason"] = reason;
    v["acwRemaining"] = status == "ACW" && acw_until ? json::value(std::max<std::int64_t>(0, *acw_until - at / 1000)) : json::value(nullptr);
    if (ready_state) {
        v["auxReasons"] = ready_state->at("auxReasons");
        v["callReasons"] = ready_state->at("callReasons");
        v["queueNames"] = ready_state->at("queues");
        v["agents"] = ready_state->at("agents");
    }
    v["waitingCallers"] = waiting_callers;
    v["ringingSound"] = ringing_sound;

    // Calls and what may be done with them now.
    json::array call_list;
    bool ringing_in = false, connected = false, held = false, consulting = false, muted = false;
    const json::value* own_id = user.if_contains("id");
    for (const auto& [uniqueid, call] : calls) {
        // Which side of the call is the agent's decides whose microphone `mute` toggles.
        const bool agent_is_caller = own_id != nullptr && call.at("caller_user_id") == *own_id;
        const bool agent_muted = call.at(agent_is_caller ? "caller_muted" : "connected_muted") == true;
        muted |= agent_muted;
        json::object shown = call;
        shown["agentMuted"] = agent_muted;
        call_list.push_back(std::move(shown));
        const int s = call.at("state").to_number<int>();
        const bool incoming = call.at("direction") == "INCOMING";
        ringing_in |= s == 2 && incoming;
        connected |= s == 3;
        held |= s == 4 || s == 5;
    }
    consulting = held && calls.size() > 1;
    const bool ready_with_phone = state == AppState::READY && device.has_value();
    v["calls"] = std::move(call_list);
    v["muted"] = muted;
    v["actions"] = json::object{
        {"answer", ready_with_phone && ringing_in},
        {"hangup", ready_with_phone && !calls.empty()},
        {"hold", ready_with_phone && connected},
        {"unhold", ready_with_phone && held && !connected},
        {"mute", ready_with_phone && (connected || held)},
        {"transfer", ready_with_phone && connected && !consulting},
        {"finishTransfer", ready_with_phone && consulting},
        {"blindTransfer", ready_with_phone && (connected || held)},
        {"dial", ready_with_phone && !connected && (calls.empty() || held)},
        {"changeStatus", state == AppState::READY},
    };
    v["accountCodeFor"] = account_code_for ? json::value(*account_code_for) : json::value(nullptr);
    v["askBeforeUnload"] = config.confirmUnload && state != AppState::CONNECTING && state != AppState::CREDENTIALS;
    v["history"] = history;
    v["historyFilter"] = history_filter;

    // Notifications for this state: bound ones only in theirs.
    json::array shown;
    for (const auto& n : notifications) {
        if (n.bound_state && *n.bound_state != state) continue;
        shown.push_back(json::object{{"id", n.id}, {"title", n.title}, {"type", n.type},
                                     {"group", n.group ? json::value(*n.group) : json::value(nullptr)},
                                     {"bound", n.bound_state.has_value()}});
    }
    v["notifications"] = std::move(shown);
    v["options"] = json::object{
        {"showDialControl", config.showDialControl}, {"showBottomMenu", config.showBottomMenu},
        {"topMenuNameContent", config.topMenuNameContent}, {"listDevices", config.listDevices},
        {"confirmUnload", config.confirmUnload}, {"notifyWaitingCallers", config.notifyWaitingCallers},
        {"debounceRequests", config.debounceRequests}, {"autoOpenAccountCode", config.autoOpenAccountCode},
    };
    return v;
}

// ---- the public face ------------------------------------------------------------------------------

Agent::Agent(Config config, Environment environment, RandomSource& random)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(environment), random)) {}

Agent::~Agent() = default;

void Agent::start(Millis now) {
    impl_->now = now;
    impl_->open_socket();
}

void Agent::socket_open(Millis now) {
    impl_->now = now;
    impl_->on_open();
}

void Agent::socket_message(std::string_view text, Millis now) {
    impl_->now = now;
    boost::system::error_code ec;
    json::value frame = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec || !frame.is_object()) {
        impl_->warn("UCS sent a frame that is not a JSON object");
        return;
    }
    const json::object& object = frame.get_object();
    try {
        if (const json::value* method = object.if_contains("method"); method != nullptr && method->is_string()) {
            const json::value* params = object.if_contains("params");
            static const json::object no_params;
            impl_->handle_event(method->get_string(), params != nullptr && params->is_object() ? params->get_object() : no_params);
        } else {
            impl_->handle_response(object);
        }
    } catch (const std::exception& e) {
        // A frame of an unexpected shape must not stop the bar (Boost.JSON's at() throws).
        impl_->warn(std::string("could not process a frame from UCS: ") + e.what());
    }
}

void Agent::socket_closed(Millis now) {
    impl_->now = now;
    impl_->on_closed();
}

void Agent::timer_fired(Timer timer, Millis now) {
    impl_->now = now;
    switch (timer) {
    case Timer::reconnect: impl_->open_socket(); break;
    case Timer::heartbeat:
        if (impl_->socket_up && impl_->handshake_done) {
            if (impl_->ping_outstanding) {
                // A whole heartbeat without an answer: the connection is dead even if the socket
                // has not noticed. Drop it and reconnect.
                impl_->effects.emplace_back(CloseSocket{});
                impl_->on_closed();
                break;
            }
            impl_->ping_outstanding = true;
            impl_->request(m::ping, {}, std::nullopt, [impl = impl_.get()](const json::value&) { impl->ping_outstanding = false; },
                           [impl = impl_.get()](const RpcFailure&) { impl->ping_outstanding = false; });
            impl_->effects.emplace_back(StartTimer{Timer::heartbeat, impl_->heartbeat_ms});
        }
        break;
    case Timer::notification_expiry: {
        const auto removed = std::erase_if(impl_->notifications, [&](const Notification& n) { return n.expires && *n.expires <= now; });
        impl_->arm_notification_expiry();
        if (removed > 0) impl_->view_changed();
        break;
    }
    case Timer::history_debounce: impl_->send_history_query(); break;
    }
}

void Agent::call(std::string_view method, const json::array& args, PromiseId promise, Millis now) {
    impl_->now = now;
    try {
        impl_->call(method, args, promise);
    } catch (const std::exception& e) {
        impl_->warn(std::string(method) + ": " + e.what());
        impl_->reject(promise, "INTERNAL_ERROR", e.what());
    }
}

json::value Agent::state() const { return impl_->state == AppState::READY ? impl_->state_object() : json::value(nullptr); }
json::value Agent::view(Millis now) const { return impl_->view(now); }
AppState Agent::app_state() const { return impl_->state; }
const std::vector<Notification>& Agent::notifications() const { return impl_->notifications; }
const Config& Agent::config() const { return impl_->config; }

std::vector<Effect> Agent::take_effects() {
    std::vector<Effect> out;
    out.swap(impl_->effects);
    return out;
}

}  // namespace ucs::agent
