#include "agent/model.hpp"

#include "agent/softphone.hpp"
#include "core/json.hpp"
#include "core/texts.hpp"

#include <algorithm>

namespace ucs::agent {

namespace json = boost::json;

json::value ready_object(const Model& model) {
    if (!model.provisioned) return nullptr;
    ReadyState state = model.known;
    if (const Call* call = model.calls.current()) state.call = *call;
    json::value out = to_json(state);
    out.as_object()["audio"] = audio_states.at(model.audio_running ? 0 : 1);
    return out;
}

void adopt_ready_state(Model& model, ReadyState state) {
    if (!state.device) state.device = model.known.device;  // withoutDevice: none either way
    model.calls.reset_to(state.call);
    state.call.reset();  // the call book answers for it from now on
    model.known = std::move(state);
    model.logged_in = true;
    model.provisioned = true;
}

void report_failure(Context& ctx, std::optional<PromiseId> promise, const RpcFailure& failure) {
    ctx.out.warn(failure.message);
    ctx.out.reject(promise, failure.name, failure.message);
}

void arm_notification_expiry(Context& ctx) {
    if (auto next = ctx.model.notifications.next_expiry()) {
        ctx.out.start_timer(Timer::notification_expiry, std::max<Millis>(0, *next - ctx.now));
    } else {
        ctx.out.cancel_timer(Timer::notification_expiry);
    }
}

std::uint32_t post(Context& ctx, NotificationRequest request) {
    const std::uint32_t id = ctx.model.notifications.add(std::move(request), ctx.now);
    arm_notification_expiry(ctx);
    ctx.out.view_changed();
    return id;
}

void post_coded(Context& ctx, std::string_view code, json::object values, std::string type, std::optional<AppState> bound_state,
                std::optional<std::string> group) {
    NotificationRequest request;
    request.title = texts::render(code, "en", values).value_or(std::string(code));
    request.timeout = type == "error" ? std::nullopt : std::optional<Millis>(8'000);
    request.type = std::move(type);
    request.unique = true;
    request.bound_state = bound_state;
    request.group = std::move(group);
    request.other = json::object{{"values", std::move(values)}, {"code", code}};
    post(ctx, std::move(request));
}

std::string bar_language(const Model& model, const Config& config) {
    const std::string& locale = model.known.user.locale;
    return model.logged_in && (locale == "cs" || locale == "en") ? locale : config.lang;
}

void post_text(Context& ctx, std::string text, std::string type, std::optional<AppState> bound_state, std::optional<std::string> group) {
    NotificationRequest request;
    request.title = std::move(text);
    request.timeout = type == "error" ? std::nullopt : std::optional<Millis>(8'000);
    request.type = std::move(type);
    request.unique = true;
    request.bound_state = bound_state;
    request.group = std::move(group);
    post(ctx, std::move(request));
}

}  // namespace ucs::agent
