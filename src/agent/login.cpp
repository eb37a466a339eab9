#include "agent/login.hpp"

#include "core/auth/base64.hpp"
#include "core/json.hpp"
#include "core/protocol.hpp"
#include "core/rules/layout.hpp"
#include "core/texts.hpp"

#include <boost/json/serialize.hpp>

#include <array>

namespace ucs::agent {

namespace json = boost::json;
namespace m = protocol::method;

namespace {

constexpr std::string_view remember_cookie = "ucsOperatorRemember";
constexpr std::string_view identifier_cookie = "ucsOperatorIdentifier";
constexpr std::int64_t cookie_year = 365LL * 24 * 3600;

// The app state's edges: a step to a state not reachable from the current one is a bug (or a
// confused server) and is reported instead of taken.
struct AppTransition {
    StateSet from;
    AppState to;
};
constexpr std::array app_transitions{
    AppTransition{states::any, AppState::CREDENTIALS},                           // greeted, logged out
    AppTransition{states::credentials | states::pairing, AppState::IDENTIFY},    // logged in; pairing again
    AppTransition{states::paired, AppState::IDENTIFY},                           // identify
    AppTransition{states::pairing, AppState::DEVICE},                            // paired
    AppTransition{states::pairing, AppState::READY},                             // provisioned
};

}  // namespace

bool app_transition_allowed(AppState from, AppState to) {
    if (from == to) return true;
    for (const AppTransition& t : app_transitions)
        if (t.to == to && t.from.contains(from)) return true;
    return false;
}

void Login::move_to(AppState next) {
    Model& model = ctx_->model;
    if (model.app == next) return;
    if (!app_transition_allowed(model.app, next)) {
        ctx_->out.warn("ignored a move from " + std::string(to_string(model.app)) + " to " + std::string(to_string(next)));
        return;
    }
    model.app = next;
    ctx_->out.view_changed();
}

// ---- credentials ------------------------------------------------------------------------------

void Login::enter_credentials(bool relogin) {
    Model& model = ctx_->model;
    move_to(AppState::CREDENTIALS);
    step_ = Step::idle;
    scram_.reset();
    update_unload_beacon(false);
    model.logged_in = false;
    model.provisioned = false;
    model.known = ReadyState{};
    model.layout.clear();
    model.active_tab.reset();
    ctx_->out.fire("onCredentials");
    const auto remembered = ctx_->environment.cookies.find(std::string(remember_cookie));
    if (remembered != ctx_->environment.cookies.end() && (ctx_->config.autologin || relogin)) {
        const std::string& value = remembered->second;
        const auto separator = value.find(' ');
        if (separator == std::string::npos) return;
        step_ = Step::remembered;
        ctx_->link.send(m::login_remember,
                       json::object{{"username", value.substr(0, separator)},
                                    {"token", value.substr(separator + 1)},
                                    {"autologout", ctx_->config.autologout}},
                       Request{Reply::login_remember});
    } else if (relogin) {
        post_coded(*ctx_, texts::session_ended, {}, "warning", AppState::CREDENTIALS);
    }
}

void Login::password(const std::string& username, const std::string& password, bool remember, PromiseId promise) {
    if (step_ != Step::idle) return ctx_->out.refuse(promise, ErrorCode::invalid_state, "login: a login is already in progress");
    scram_.emplace(username, password, auth::base64url_token(ctx_->random.bytes(18)));
    ctx_->model.sso_provider.reset();
    step_ = Step::scram_first;
    attempt_promise_ = promise;
    attempt_username_ = username;
    attempt_remember_ = remember;
    ctx_->link.send(m::login, json::object{{"username", username}, {"client_first", scram_->client_first()}}, Request{Reply::login_first});
}

void Login::sso(const std::string& username, const std::string& token, std::optional<std::string> provider, PromiseId promise) {
    if (step_ != Step::idle) return ctx_->out.refuse(promise, ErrorCode::invalid_state, "sso: a login is already in progress");
    json::object params{{"username", username}, {"token", token}, {"autologout", ctx_->config.autologout}};
    if (provider) params["provider"] = *provider;
    ctx_->model.sso_provider = std::move(provider);
    step_ = Step::sso;
    attempt_promise_ = promise;
    ctx_->link.send(m::sso, std::move(params), Request{Reply::sso});
}

void Login::scram_challenge(const Answered& answer) {
    auto challenge = result_as<message::ScramFirst>(answer);
    std::optional<std::string> client_final;
    if (challenge && scram_) {
        if (auto message = scram_->client_final(challenge->server_first)) client_final = std::move(message).value();
    }
    if (!challenge || !client_final) {
        login_failed(challenge ? RpcFailure{0, std::string(error_name(ErrorCode::login_failed)), "UCS answered the login in an unexpected way", {}}
                               : challenge.error(),
                     attempt_promise_);
        return;
    }
    step_ = Step::scram_proof;
    ctx_->link.send(m::login_proof,
                   json::object{{"client_final", *client_final}, {"remember", attempt_remember_}, {"autologout", ctx_->config.autologout}},
                   Request{Reply::login_proof});
}

void Login::scram_verdict(const Answered& answer) {
    auto verdict = result_as<message::LoggedIn>(answer);
    if (!verdict) return login_failed(verdict.error(), attempt_promise_);
    const auto problem = scram_ ? scram_->verify_server_final(verdict->server_final.value_or("")) : std::optional(auth::scram::Error::malformed);
    if (problem) {
        ctx_->out.fire("onError", {json::value("UCS could not prove its identity; login aborted")});
        return login_failed(RpcFailure{0, std::string(error_name(ErrorCode::server_not_verified)), "UCS could not prove its identity", {}},
                            attempt_promise_);
    }
    if (verdict->remember_token) {
        const std::string value = attempt_username_ + " " + *verdict->remember_token;
        ctx_->environment.cookies[std::string(remember_cookie)] = value;
        ctx_->out.emit(SetCookie{std::string(remember_cookie), value, cookie_year});
    }
    logged_in(*verdict, attempt_promise_);
}

// login.remember and sso.
void Login::login_reply(const Answered& answer) {
    const bool remembered = answer.request.reply == Reply::login_remember;
    const auto promise = remembered ? std::nullopt : attempt_promise_;
    auto result = result_as<message::LoggedIn>(answer);
    if (result) return logged_in(*result, promise);
    if (remembered) forget_remembered();
    if (!remembered) ctx_->model.sso_provider.reset();
    login_failed(result.error(), promise);
}

void Login::login_failed(const RpcFailure& failure, std::optional<PromiseId> promise) {
    step_ = Step::idle;
    scram_.reset();
    attempt_promise_.reset();
    ctx_->out.fire("onLoginError", {json::value(failure.code), json::value(failure.message)});
    // ucsd's refusals the agent can act on are shown in the bar's language; anything else as ucsd said it.
    if (texts::render(failure.name, "en") && failure.name != texts::bad_identifier && failure.name != texts::device_in_use) {
        post_coded(*ctx_, failure.name, {}, "error", AppState::CREDENTIALS, std::string("login"));
    } else {
        post_text(*ctx_, failure.message, "error", AppState::CREDENTIALS, "login");
    }
    ctx_->out.reject(promise, failure.name.empty() ? error_name(ErrorCode::login_failed) : std::string_view(failure.name), failure.message);
}

void Login::logged_in(const message::LoggedIn& result, std::optional<PromiseId> promise) {
    Model& model = ctx_->model;
    step_ = Step::idle;
    scram_.reset();
    attempt_promise_.reset();
    model.was_logged_in = true;
    model.logged_in = true;
    model.known.user = result.user;
    take_layout(result.layout.value_or(std::vector<LayoutTab>{}));
    if (ctx_->model.notifications.remove_group("login")) ctx_->out.view_changed();
    update_unload_beacon(true);
    const json::value user = to_json(result.user);
    ctx_->out.fire("onUser", {user});
    ctx_->out.resolve(promise, user);
    move_to(AppState::IDENTIFY);
    // A mirrored session of an agent whose phone is paired skips pairing.
    if (result.device && result.state == AppState::DEVICE) return paired(*result.device, std::nullopt);
    find_identifier();
}

// The user's tabs, and the one sso's provider activates (core/rules/layout.hpp). Tabs that break
// the rules are left out: the bar shows only http(s) pages, whatever it is sent.
void Login::take_layout(const std::vector<LayoutTab>& layout) {
    Model& model = ctx_->model;
    model.layout = valid_tabs(layout);
    model.active_tab = tab_for_provider(model.layout, model.sso_provider);
    if (layout.size() != model.layout.size()) ctx_->out.warn("UCS sent layout tabs the bar cannot show; they are left out");
    ctx_->out.view_changed();
}

void Login::forget_remembered() {
    ctx_->environment.cookies.erase(std::string(remember_cookie));
    ctx_->out.emit(SetCookie{std::string(remember_cookie), "", 0});
}

// sso() with a provider: closing the tab logs the agent out (API-DECISIONS.md).
void Login::update_unload_beacon(bool logged_in_now) {
    const auto& session = ctx_->link.session();
    if (logged_in_now && ctx_->model.sso_provider && session && !ctx_->config.disableIntegratedAutoLogout) {
        ctx_->out.emit(UnloadBeacon{ctx_->config.http_url("/api/v1.0/session/logout"), json::serialize(json::object{{"session", *session}})});
    } else {
        ctx_->out.emit(UnloadBeacon{});
    }
}

void Login::logout(PromiseId promise) { ctx_->link.send(m::logout, {}, Request{Reply::logout, promise}); }

void Login::logout_done(const Answered& answer) {
    if (const auto* failure = std::get_if<RpcFailure>(&answer.outcome)) return report_failure(*ctx_, answer.request.promise, *failure);
    forget_remembered();
    ctx_->model.calls.clear();
    ctx_->model.was_logged_in = false;
    ctx_->model.sso_provider.reset();
    ctx_->out.resolve(answer.request.promise);
    enter_credentials(false);
}

void Login::logged_out_by_server() {
    ctx_->model.calls.clear();
    ctx_->model.was_logged_in = false;
    enter_credentials(false);
}

void Login::moved_by_other_session(AppState state, const std::optional<Device>& device) {
    Model& model = ctx_->model;
    switch (state) {
    case AppState::IDENTIFY:
        model.known.device.reset();
        model.provisioned = false;
        return ask_for_identifier();
    case AppState::DEVICE:
        if (device) paired(*device, std::nullopt);  // provisions unless confirmDevice, like a pairing of its own
        return;
    case AppState::READY:
        // Still READY, on the phone the other tab chose.
        if (device) {
            model.known.device = device;
            ctx_->out.fire("onDevice", {to_json(*device)});
            ctx_->out.view_changed();
        }
        return;
    case AppState::CONNECTING:
    case AppState::CREDENTIALS: return;  // session.loggedOut says that
    }
}

// ---- pairing ------------------------------------------------------------------------------------

// Identifier sources in the documented order; the first found is paired at once.
void Login::find_identifier() {
    const Config& config = ctx_->config;
    const Environment& environment = ctx_->environment;
    if (config.withoutDevice) return provision(std::nullopt);
    if (config.identifyURL && environment.url_identifier && !environment.url_identifier->empty()) {
        return pair(*environment.url_identifier, std::nullopt);
    }
    if (config.identifyCookie) {
        if (auto it = environment.cookies.find(std::string(identifier_cookie)); it != environment.cookies.end() && !it->second.empty()) {
            return pair(it->second, std::nullopt);
        }
    }
    if (config.identifyIP) return ctx_->link.send(m::identify_ip, {}, Request{Reply::identify_ip});
    ask_for_identifier();
}

void Login::ask_for_identifier() {
    move_to(AppState::IDENTIFY);
    if (!ctx_->config.listDevices) return ctx_->out.fire("onIdentify", json::array{json::value(json::array{})});
    ctx_->link.send(m::devices, {}, Request{Reply::devices});
}

void Login::devices_listed(const Answered& answer) {
    auto list = result_as<std::vector<Device>>(answer);
    if (!list) {
        ctx_->out.warn("could not list phones: " + list.error().message);
        return ctx_->out.fire("onIdentify", json::array{json::value(json::array{})});
    }
    ctx_->model.devices = *list;
    ctx_->out.view_changed();
    ctx_->out.fire("onIdentify", {to_json(*list)});
}

void Login::select_identifier(const std::string& identifier, PromiseId promise) { pair(identifier, promise); }

void Login::pair(const std::string& identifier, std::optional<PromiseId> promise) {
    ctx_->out.fire("onIdentifier", {json::value(identifier)});
    ctx_->link.send(m::identifier, json::object{{"identifier", identifier}}, Request{Reply::identifier, promise, identifier});
}

void Login::paired(const Device& device, std::optional<PromiseId> promise) {
    Model& model = ctx_->model;
    model.known.device = device;
    if (model.notifications.remove_group("identify")) ctx_->out.view_changed();
    ctx_->environment.cookies[std::string(identifier_cookie)] = device.identifier;
    ctx_->out.emit(SetCookie{std::string(identifier_cookie), device.identifier, cookie_year});
    move_to(AppState::DEVICE);
    const json::value shown = to_json(device);
    ctx_->out.fire("onDevice", {shown});
    ctx_->out.resolve(promise, shown);
    if (!ctx_->config.confirmDevice) provision(std::nullopt);
}

void Login::pairing_refused(const Answered& answer) {
    const RpcFailure failure = std::holds_alternative<RpcFailure>(answer.outcome) ? std::get<RpcFailure>(answer.outcome)
                                                                                   : result_as<message::Paired>(answer).error();
    const std::string& identifier = answer.request.identifier;
    if (failure.name == protocol::error_name(protocol::ErrorCode::bad_identifier) ||
        failure.name == protocol::error_name(protocol::ErrorCode::device_in_use)) {
        NotificationRequest notice;
        const bool bad = failure.name == protocol::error_name(protocol::ErrorCode::bad_identifier);
        const std::string_view code = bad ? texts::bad_identifier : texts::device_in_use;
        notice.title = texts::render(code, "en").value_or(failure.message);
        notice.type = "error";
        notice.unique = true;
        notice.bound_state = AppState::IDENTIFY;
        notice.group = "identify";
        notice.other = json::object{{"values", json::object{{"identifier", identifier}}}, {"code", code}};
        post(*ctx_, std::move(notice));
    } else {
        ctx_->out.warn("pairing failed: " + failure.message);
    }
    ctx_->out.reject(answer.request.promise, failure.name, failure.message);
    if (ctx_->environment.cookies.erase(std::string(identifier_cookie)) > 0) {
        ctx_->out.emit(SetCookie{std::string(identifier_cookie), "", 0});
    }
    ask_for_identifier();
}

// Without a phone, ucsd provisions only a bar configured withoutDevice (otherwise NO_DEVICE).
void Login::provision(std::optional<PromiseId> promise) {
    json::object params;
    if (ctx_->config.withoutDevice) params["withoutDevice"] = true;
    ctx_->link.send(m::provision, std::move(params), Request{Reply::provision, promise});
}

void Login::provisioned(const Answered& answer) {
    auto state = result_as<ReadyState>(answer);
    if (!state) return report_failure(*ctx_, answer.request.promise, state.error());
    adopt_ready_state(ctx_->model, std::move(state).value());
    move_to(AppState::READY);
    const json::value shown = ready_object(ctx_->model);
    ctx_->out.fire("onReady", {shown});
    ctx_->out.resolve(answer.request.promise, shown);
}

void Login::identify(PromiseId promise) { ctx_->link.send(m::identify, {}, Request{Reply::identify, promise}); }

void Login::unpaired(const Answered& answer) {
    if (const auto* failure = std::get_if<RpcFailure>(&answer.outcome)) return report_failure(*ctx_, answer.request.promise, *failure);
    ctx_->model.known.device.reset();
    ctx_->model.provisioned = false;
    ctx_->out.resolve(answer.request.promise);
    ask_for_identifier();
}

// ---- replies ------------------------------------------------------------------------------------

void Login::answered(const Answered& answer) {
    switch (answer.request.reply) {
    case Reply::login_first: return scram_challenge(answer);
    case Reply::login_proof: return scram_verdict(answer);
    case Reply::login_remember:
    case Reply::sso: return login_reply(answer);
    case Reply::logout: return logout_done(answer);
    case Reply::devices: return devices_listed(answer);
    case Reply::identify_ip: {
        auto found = result_as<message::Paired>(answer);
        if (!found) return ask_for_identifier();
        ctx_->out.fire("onIdentifier", {json::value(found->identifier)});
        return paired(found->device, std::nullopt);
    }
    case Reply::identifier: {
        auto found = result_as<message::Paired>(answer);
        if (!found) return pairing_refused(answer);
        return paired(found->device, answer.request.promise);
    }
    case Reply::provision: return provisioned(answer);
    case Reply::identify: return unpaired(answer);
    case Reply::plain:
    case Reply::ping:
    case Reply::history:
    case Reply::ringing_sound:
    case Reply::recording_url: break;
    }
}

}  // namespace ucs::agent
