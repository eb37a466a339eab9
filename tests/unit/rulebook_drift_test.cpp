// The bar's view model and ucsd must agree on every call action in every call situation: a button
// the bar enables is a request ucsd accepts, and a request ucsd accepts is a button the bar
// enables. Both call the rulebook (core/rules/call_actions.hpp) on the situation each builds from
// its own state; this test proves the two situations are the same by exploring the situations
// an agent can reach and trying every action in each.
#include "core/auth/sso.hpp"
#include "core/rules/call_actions.hpp"
#include "support/agent_harness.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace json = boost::json;
using ucs::test::AgentHarness;

namespace {

// agent1 on phone 101, READY in queue 1; agent2 on phone 102 in AUX (a colleague to consult, who
// takes no queue calls).
struct World {
    AgentHarness bar{json::object{{"identifyURL", true}, {"headless", true}}, [] {
                         ucs::agent::Environment environment;
                         environment.url_identifier = "101";
                         return environment;
                     }()};
    ucs::test::Client* colleague = nullptr;
    std::vector<std::string> outside_calls;  // sandbox calls, newest last

    World() {
        bar.call("sso", {"agent1", ucs::auth::make_sso_token("demo-sso-secret", "agent1", bar.server().now_seconds())});
        REQUIRE(bar.agent().app_state() == ucs::AppState::READY);
        bar.call("changeStatus", {"READY"});
        colleague = &bar.server().connect();
        colleague->ready_agent("agent2", "102");
        colleague->ok("changeStatus", {{"status", "AUX"}, {"reason", "Training"}});
        bar.pump();
    }

    json::object actions() { return bar.agent().view(bar.server().now()).at("actions").as_object(); }

    // The uniqueids of calls the sandbox can act on (active calls with an outside party).
    std::vector<std::string> active_calls() {
        std::vector<std::string> ids;
        const json::value calls = bar.http("GET", "/api/v1.0/calls").body;
        for (const auto& call : calls.as_array()) ids.emplace_back(call.at("uniqueid").as_string());
        return ids;
    }
};

// What can happen next: the agent's own actions and what the outside world does.
struct Step {
    const char* name;
    std::function<void(World&)> run;
};

void sandbox_on_each_call(World& w, const std::string& verb) {
    for (const std::string& id : w.active_calls()) w.bar.http("POST", "/api/v1.0/sandbox/calls/" + id + "/" + verb);
}

const std::vector<Step>& steps() {
    static const std::vector<Step> all{
        {"a caller rings the queue", [](World& w) { w.bar.ring_queue(1); }},
        {"an outside caller rings the phone",
         [](World& w) { w.bar.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601000111","to":"101"})"); }},
        {"answer", [](World& w) { w.bar.call("answer"); }},
        {"hangup", [](World& w) { w.bar.call("hangup"); }},
        {"hold", [](World& w) { w.bar.call("hold"); }},
        {"unhold", [](World& w) { w.bar.call("unhold"); }},
        {"mute", [](World& w) { w.bar.call("mute"); }},
        {"transfer mode", [](World& w) { w.bar.call("transfer"); }},
        {"transfer to the colleague", [](World& w) { w.bar.call("transfer", {"102"}); }},
        {"transfer outside", [](World& w) { w.bar.call("transfer", {"601555123"}); }},
        {"dial the colleague", [](World& w) { w.bar.call("dial", {"102"}); }},
        {"dial outside", [](World& w) { w.bar.call("dial", {"601555123"}); }},
        {"dial a number that rings on", [](World& w) { w.bar.call("dial", {"601550000"}); }},
        {"finish the transfer", [](World& w) { w.bar.call("finishTransfer"); }},
        {"the colleague answers", [](World& w) { w.colleague->request("answer"); w.bar.pump(); }},
        {"the colleague hangs up", [](World& w) { w.colleague->request("hangup"); w.bar.pump(); }},
        {"the far end answers", [](World& w) { sandbox_on_each_call(w, "answer"); }},
        {"the far end hangs up", [](World& w) { sandbox_on_each_call(w, "hangup"); }},
        {"time passes", [](World& w) { w.bar.advance(2'500); }},
    };
    return all;
}

// How each action is tried: arguments that the situation, not the target, decides on.
const std::map<ucs::CallAction, std::pair<const char*, json::array>>& attempts() {
    static const std::map<ucs::CallAction, std::pair<const char*, json::array>> all{
        {ucs::CallAction::answer, {"answer", {}}},
        {ucs::CallAction::hangup, {"hangup", {}}},
        {ucs::CallAction::hold, {"hold", {}}},
        {ucs::CallAction::unhold, {"unhold", {}}},
        {ucs::CallAction::mute, {"mute", {}}},
        {ucs::CallAction::transfer, {"transfer", {}}},
        {ucs::CallAction::finishTransfer, {"finishTransfer", {}}},
        {ucs::CallAction::blindTransfer, {"blindTransfer", {"601555124"}}},
        {ucs::CallAction::dial, {"dial", {"601555125"}}},
    };
    return all;
}

using Path = std::vector<std::size_t>;

std::unique_ptr<World> replay(const Path& path) {
    auto world = std::make_unique<World>();
    for (std::size_t step : path) steps()[step].run(*world);
    return world;
}

// A situation as the bar sees it: its calls (state, direction, whether the far end is reached)
// and what it enables.
std::string situation_key(World& w) {
    json::array calls;
    const json::value view = w.bar.agent().view(w.bar.server().now());
    for (const auto& call : view.at("calls").as_array()) {
        calls.push_back(json::array{call.at("state"), call.at("direction"), !call.at("connected_channel").is_null()});
    }
    return json::serialize(json::array{calls, w.actions()});
}

std::string describe(const Path& path) {
    std::string out;
    for (std::size_t step : path) out += std::string(out.empty() ? "" : ", then ") + steps()[step].name;
    return out.empty() ? "idle" : out;
}

}  // namespace

TEST_CASE("in every reachable call situation the bar enables exactly the call actions ucsd accepts", "[rulebook][drift]") {
    std::map<std::string, Path> seen;
    std::deque<Path> frontier{Path{}};
    constexpr std::size_t max_depth = 5;
    std::size_t checked = 0;
    while (!frontier.empty()) {
        const Path path = frontier.front();
        frontier.pop_front();
        auto world = replay(path);
        const std::string key = situation_key(*world);
        if (seen.contains(key)) continue;
        seen.emplace(key, path);

        // Every action, each from a fresh replay of this situation.
        const json::object enabled = world->actions();
        for (const auto& [action, attempt] : attempts()) {
            auto trial = replay(path);
            const auto promise = trial->bar.call(attempt.first, attempt.second);
            const auto settled = trial->bar.settled(promise);
            INFO("situation: " << describe(path) << " (" << key << ")");
            INFO("action: " << attempt.first << " -> " << (settled ? json::serialize(settled->second) : "unsettled"));
            REQUIRE(settled);
            CHECK(enabled.at(ucs::to_string(action)).as_bool() == settled->first);
            ++checked;
        }
        if (path.size() < max_depth) {
            for (std::size_t step = 0; step < steps().size(); ++step) {
                Path next = path;
                next.push_back(step);
                frontier.push_back(std::move(next));
            }
        }
    }
    WARN("explored " << seen.size() << " call situations, " << checked << " attempts");  // printed on success too
    CHECK(seen.size() >= 10);  // the exploration reaches ringing, talking, held, consulting, dialling...
}
