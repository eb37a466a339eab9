#include "agent/view_model.hpp"

#include "agent/softphone.hpp"
#include "core/json.hpp"
#include "core/texts.hpp"
#include "core/rules/call_actions.hpp"
#include "core/rules/layout.hpp"
#include "core/rules/methods.hpp"

#include <limits>

namespace ucs::agent {

namespace json = boost::json;

namespace {

constexpr std::string_view remember_cookie = "ucsOperatorRemember";

// Seconds from now until `until`, never negative, never overflowing on absurd values.
std::int64_t seconds_left(Timestamp until, Millis now) {
    const std::int64_t now_seconds = now / 1000;
    if (until <= now_seconds) return 0;
    if (now_seconds < 0 && until > std::numeric_limits<std::int64_t>::max() + now_seconds) return std::numeric_limits<std::int64_t>::max();
    return until - now_seconds;
}

json::object login_form(const Environment& environment) {
    json::object login{{"username", ""}, {"remembered", false}};
    if (auto it = environment.cookies.find(std::string(remember_cookie)); it != environment.cookies.end()) {
        login["username"] = it->second.substr(0, it->second.find(' '));
        login["remembered"] = true;
    }
    return login;
}

bool page_method_allowed(std::string_view name, AppState state) {
    const MethodRule* rule = find_page_method(name);
    return rule != nullptr && rule->states.contains(state);
}

// The calls with the agent's own mute state (whose microphone `mute` toggles), and the buttons.
void add_calls(json::object& v, const Model& model) {
    const std::optional<int> own_id = model.logged_in ? std::optional(model.known.user.id) : std::nullopt;
    json::array calls;
    bool muted = false;
    for (const auto& [uniqueid, entry] : model.calls.entries()) {
        const bool own_side_muted = agent_muted(entry.call, own_id);
        muted |= own_side_muted;
        json::value shown = to_json(entry.call);
        shown.as_object()["agentMuted"] = own_side_muted;
        calls.push_back(std::move(shown));
    }
    v["calls"] = std::move(calls);
    v["muted"] = muted;

    const ActionSet allowed = allowed_actions(model.calls.situation(model.known.device.has_value()));
    json::object actions;
    for (CallAction action : all_call_actions) {
        actions[to_string(action)] = page_method_allowed(to_string(action), model.app) && allowed.contains(action);
    }
    actions["changeStatus"] = page_method_allowed("changeStatus", model.app);
    v["actions"] = std::move(actions);
}

json::array shown_notifications(const Model& model, const std::string& lang) {
    json::array shown;
    for (const auto& n : model.notifications.all()) {
        if (n.bound_state && *n.bound_state != model.app) continue;
        std::string title = n.title;
        const json::value* code = n.other.if_contains("code");
        if (code != nullptr && code->is_string()) {
            const json::value* values = n.other.if_contains("values");
            const json::object none;
            title = texts::render(code->get_string(), lang, values != nullptr && values->is_object() ? values->get_object() : none).value_or(title);
        }
        shown.push_back(json::object{{"id", n.id}, {"title", title}, {"type", n.type},
                                     {"group", n.group ? json::value(*n.group) : json::value(nullptr)},
                                     {"bound", n.bound_state.has_value()},
                                     {"code", code != nullptr ? *code : json::value(nullptr)}});
    }
    return shown;
}

// The user's tabs with their frames' sandbox, and the one sso's provider activated (null: the
// bar's default view).
json::object layout_view(const Model& model, const Environment& environment) {
    json::array tabs;
    for (const LayoutTab& tab : model.layout) {
        tabs.push_back(json::object{{"name", tab.name}, {"url", tab.url}, {"sandbox", frame_sandbox(tab.url, environment.origin.page_url)}});
    }
    return json::object{{"tabs", std::move(tabs)}, {"active", model.active_tab ? json::value(model.layout.at(*model.active_tab).name) : json::value(nullptr)}};
}

json::object options(const Config& config) {
    return json::object{
        {"showDialControl", config.showDialControl}, {"showBottomMenu", config.showBottomMenu},
        {"topMenuNameContent", config.topMenuNameContent}, {"listDevices", config.listDevices},
        {"confirmUnload", config.confirmUnload}, {"notifyWaitingCallers", config.notifyWaitingCallers},
        {"debounceRequests", config.debounceRequests}, {"autoOpenAccountCode", config.autoOpenAccountCode},
    };
}

}  // namespace

json::value render_view(const ViewInputs& in) {
    const Model& model = in.model;
    const ReadyState& known = model.known;
    json::object v;
    v["state"] = to_string(model.app);
    v["connected"] = in.connected;
    // The user's locale wins over the page's lang once known (API-DECISIONS.md).
    const std::string lang = bar_language(model, in.config);
    v["lang"] = lang;
    v["login"] = login_form(in.environment);
    v["devices"] = to_json(model.devices);
    v["device"] = to_json(known.device);
    v["confirmDevice"] = model.app == AppState::DEVICE && in.config.confirmDevice;
    v["user"] = model.logged_in ? to_json(known.user) : json::object{};
    v["status"] = to_json(known.status);
    v["reason"] = to_json(known.reason);
    v["acwRemaining"] = known.status == AgentStatus::ACW && model.acw_until ? json::value(seconds_left(*model.acw_until, in.now)) : nullptr;
    if (model.provisioned) {
        v["auxReasons"] = to_json(known.auxReasons);
        v["callReasons"] = to_json(known.callReasons);
        v["queueNames"] = to_json(known.queues);
        v["agents"] = to_json(known.agents);
    }
    v["waitingCallers"] = known.waitingCallers;
    v["ringingSound"] = model.known.ringingSound;
    // The GUI offers a one-click "enable sound" while the browser blocks a softphone's audio.
    v["audio"] = json::object{{"softphone", softphone_paired(model)}, {"blocked", !model.audio_running}};
    add_calls(v, model);
    v["accountCodeFor"] = to_json(model.account_code_for);
    v["askBeforeUnload"] = in.config.confirmUnload && model.app != AppState::CONNECTING && model.app != AppState::CREDENTIALS;
    v["history"] = model.history;
    v["historyFilter"] = model.history_filter;
    v["notifications"] = shown_notifications(model, lang);
    v["options"] = options(in.config);
    v["layout"] = layout_view(model, in.environment);
    return v;
}

}  // namespace ucs::agent
