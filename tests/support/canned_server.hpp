#pragma once
// The agent engine alone, with ucsd played by the test: set a state, feed one frame, assert the
// effects (STYLE.md: sml's tests). Every effect is rendered as one line of text, the same lines
// the golden conversations under tests/vectors/conversations/agent/ are written in.

#include "agent/agent.hpp"
#include "agent/config.hpp"

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ucs::test {

// Reproducible "randomness": nonces and jitter the transcripts can spell out.
class FixedAgentRandom final : public agent::RandomSource {
public:
    std::string bytes(std::size_t count) override { return std::string(count, '\x42'); }
};

inline const char* timer_name(agent::Timer timer) {
    switch (timer) {
    case agent::Timer::reconnect: return "reconnect";
    case agent::Timer::heartbeat: return "heartbeat";
    case agent::Timer::history_debounce: return "history_debounce";
    case agent::Timer::notification_expiry: return "notification_expiry";
    case agent::Timer::early_calls: return "early_calls";
    }
    return "?";
}

inline std::optional<agent::Timer> parse_timer(std::string_view name) {
    for (auto timer : {agent::Timer::reconnect, agent::Timer::heartbeat, agent::Timer::history_debounce, agent::Timer::notification_expiry,
                       agent::Timer::early_calls}) {
        if (name == timer_name(timer)) return timer;
    }
    return std::nullopt;
}

// One effect as a transcript line; ViewChanged renders as "view".
inline std::string effect_line(const agent::Effect& effect) {
    namespace json = boost::json;
    return std::visit(
        [](const auto& e) -> std::string {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, agent::OpenSocket>) return "open " + e.url;
            if constexpr (std::is_same_v<E, agent::CloseSocket>) return "close";
            if constexpr (std::is_same_v<E, agent::SendFrame>) return "send " + e.text;
            if constexpr (std::is_same_v<E, agent::StartTimer>) return std::string("timer ") + timer_name(e.timer) + " " + std::to_string(e.delay);
            if constexpr (std::is_same_v<E, agent::CancelTimer>) return std::string("cancel ") + timer_name(e.timer);
            if constexpr (std::is_same_v<E, agent::FireCallback>) return "callback " + e.name + " " + json::serialize(e.args);
            if constexpr (std::is_same_v<E, agent::SettlePromise>) {
                return "settle #" + std::to_string(e.promise) + (e.ok ? " ok " : " error ") + json::serialize(e.value);
            }
            if constexpr (std::is_same_v<E, agent::SetCookie>) return "cookie " + e.name + "=" + e.value + " " + std::to_string(e.max_age_seconds);
            if constexpr (std::is_same_v<E, agent::OpenUrl>) return "open-url " + e.url;
            if constexpr (std::is_same_v<E, agent::ViewChanged>) return "view";
            if constexpr (std::is_same_v<E, agent::SystemNotification>) return "system-notification " + e.title + ": " + e.body;
            if constexpr (std::is_same_v<E, agent::UnloadBeacon>) return "beacon " + e.url + " " + e.body;
            if constexpr (std::is_same_v<E, agent::PlaySound>) {
                return "play " + e.tone + " x" + std::to_string(e.cycles) + (e.speaker == agent::Speaker::ringer ? " ringer" : " call");
            }
            if constexpr (std::is_same_v<E, agent::StopSound>) return "stop-sound";
            if constexpr (std::is_same_v<E, agent::PrepareAudio>) return "prepare-audio";
            if constexpr (std::is_same_v<E, agent::ClaimMediaOwner>) return "claim-media-owner " + e.lock;
            if constexpr (std::is_same_v<E, agent::ReleaseMediaOwner>) return "release-media-owner";
            if constexpr (std::is_same_v<E, agent::OpenMicrophone>) {
                return std::string("microphone open echoCancellation=") + (e.echo_cancellation ? "1" : "0") + " noiseSuppression=" +
                       (e.noise_suppression ? "1" : "0") + " autoGainControl=" + (e.auto_gain_control ? "1" : "0");
            }
            if constexpr (std::is_same_v<E, agent::CloseMicrophone>) return "microphone close";
            if constexpr (std::is_same_v<E, agent::MuteMicrophone>) return std::string("microphone ") + (e.muted ? "mute" : "unmute");
            if constexpr (std::is_same_v<E, agent::AttachMedia>) return "media attach " + e.url + " " + e.session;
            if constexpr (std::is_same_v<E, agent::DetachMedia>) return "media detach";
        },
        effect);
}

class CannedServer {
public:
    explicit CannedServer(boost::json::object page_config = {}, agent::Environment environment = {}) {
        environment.origin.script_url = "http://127.0.0.1:8080/operator/operator-v4.0.0.js";
        std::vector<std::string> warnings;
        auto config = agent::parse_config(page_config, environment.origin, warnings);
        agent_ = std::make_unique<agent::Agent>(std::move(config), std::move(environment), random_);
    }

    agent::Agent& agent() { return *agent_; }
    agent::Millis now = 1'700'000'000'000;

    // Inputs; each returns the effect lines it produced, without "view" and onDebug lines.
    std::vector<std::string> start() { return after([&] { agent_->start(now); }); }
    std::vector<std::string> open() { return after([&] { agent_->socket_open(now); }); }
    std::vector<std::string> closed() { return after([&] { agent_->socket_closed(now); }); }
    std::vector<std::string> frame(const std::string& text) { return after([&] { agent_->socket_message(text, now); }); }
    std::vector<std::string> audio_output(bool running) { return after([&] { agent_->audio_output(running, now); }); }
    std::vector<std::string> timer(agent::Timer timer) { return after([&] { agent_->timer_fired(timer, now); }); }
    std::vector<std::string> call(std::string_view method, boost::json::array args, agent::PromiseId promise) {
        return after([&] { agent_->call(method, args, promise, now); });
    }

    // The result for the request with this id, as ucsd would frame it.
    static std::string result(std::int64_t id, boost::json::value value) {
        return boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(value)}});
    }
    static std::string error(std::int64_t id, int code, std::string_view name, std::string_view message) {
        return boost::json::serialize(boost::json::object{
            {"jsonrpc", "2.0"}, {"id", id},
            {"error", boost::json::object{{"code", code}, {"message", message}, {"data", boost::json::object{{"code", name}}}}}});
    }
    static std::string event(std::string_view name, std::uint64_t seq, boost::json::object params) {
        params["seq"] = seq;
        return boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"method", name}, {"params", std::move(params)}});
    }

    // Connected and greeted: the bar is in CREDENTIALS with session "s1".
    void greeted() {
        start();
        open();
        frame(result(1, boost::json::object{{"protocol", "ucs-agent/1"}, {"session", "s1"}, {"seq", 0}, {"heartbeat_ms", 15000}}));
    }

    bool keep_views = false;  // "view" lines are dropped unless asked for

private:
    template <class F>
    std::vector<std::string> after(F&& input) {
        input();
        std::vector<std::string> lines;
        for (const auto& effect : agent_->take_effects()) {
            std::string line = effect_line(effect);
            if ((line == "view" && !keep_views) || line.starts_with("callback onDebug ")) continue;
            lines.push_back(std::move(line));
        }
        return lines;
    }

    FixedAgentRandom random_;
    std::unique_ptr<agent::Agent> agent_;
};

}  // namespace ucs::test
