#pragma once
// The agent engine and the server engine connected in memory, on one fake clock (STYLE.md:
// ngtcp2's sim). Frames travel through queues pumped in order, as a socket would carry them;
// the agent's timers and the server's deadlines fire in time order; callbacks and settled
// promises are recorded for assertions.

#include "agent/agent.hpp"
#include "support/canned_server.hpp"
#include "support/engine_harness.hpp"

#include <boost/json.hpp>

#include <deque>
#include <utility>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ucs::test {

// The agent's randomness in tests: the same reproducible sequence as the server's.
class CountingAgentRandom final : public agent::RandomSource {
public:
    std::string bytes(std::size_t count) override { return source_.bytes(count); }

private:
    CountingRandom source_;
};

class AgentHarness {
public:
    struct Callback {
        std::string name;
        boost::json::array args;
    };

    explicit AgentHarness(boost::json::object page_config = {}, agent::Environment environment = {},
                          server::EngineConfig server_config = demo_config())
        : server_(std::move(server_config)) {
        environment.origin.script_url = "http://127.0.0.1:8080/operator/operator-v4.0.0.js";
        std::vector<std::string> warnings;
        auto config = agent::parse_config(page_config, environment.origin, warnings);
        for (auto& w : warnings) callbacks_.push_back({"onWarning", {boost::json::value(w)}});
        agent_ = std::make_unique<agent::Agent>(std::move(config), std::move(environment), random_);
        note_input("start");
        agent_->start(server_.now());
        pump();
    }

    Harness& server() { return server_; }
    agent::Agent& agent() { return *agent_; }

    // Calls a documented method; returns the promise id (see settled()).
    agent::PromiseId call(std::string_view method, boost::json::array args = {}) {
        const agent::PromiseId id = next_promise_++;
        note_input("call " + std::string(method) + " " + boost::json::serialize(args) + " #" + std::to_string(id));
        agent_->call(method, args, id, server_.now());
        pump();
        return id;
    }
    // The settlement of a promise, if it has settled: {ok, value}.
    std::optional<std::pair<bool, boost::json::value>> settled(agent::PromiseId id) const {
        auto it = settled_.find(id);
        if (it == settled_.end()) return std::nullopt;
        return it->second;
    }

    // Callbacks fired so far (and forget them).
    std::vector<Callback> take_callbacks() {
        std::vector<Callback> out;
        out.swap(callbacks_);
        return out;
    }
    // Names of the callbacks fired so far, without the chatty onDebug ones.
    std::vector<std::string> take_callback_names() {
        std::vector<std::string> names;
        for (auto& c : take_callbacks())
            if (c.name != "onDebug") names.push_back(c.name);
        return names;
    }
    const std::vector<Callback>& callbacks() const { return callbacks_; }
    std::optional<Callback> last(std::string_view name) const {
        for (auto it = callbacks_.rbegin(); it != callbacks_.rend(); ++it)
            if (it->name == name) return *it;
        return std::nullopt;
    }
    std::map<std::string, std::string>& cookies() { return cookies_; }
    std::vector<std::string>& opened_urls() { return opened_urls_; }
    std::vector<std::string>& system_notifications() { return system_notifications_; }
    const agent::UnloadBeacon& beacon() const { return beacon_; }
    bool socket_open() const { return connection_.has_value(); }

    // The server drops the socket (ucsd restarting its network, a proxy timing out...).
    void drop_connection() {
        if (connection_) server_.drop_raw(*connection_);
        pump();
    }
    // While true, the agent's attempts to connect fail.
    void set_unreachable(bool unreachable) { unreachable_ = unreachable; }
    // While true, frames from the agent vanish on the way (a half-open connection).
    void blackhole(bool on) { blackhole_ = on; }

    // Moves time forward; server deadlines and agent timers fire in order.
    void advance(std::int64_t ms) {
        const std::int64_t target = server_.now() + ms;
        while (true) {
            std::optional<std::int64_t> next = server_.next_deadline();
            std::optional<agent::Timer> timer;
            for (const auto& [kind, due] : timers_) {
                if (!next || due < *next || (due == *next && !timer)) {
                    next = due;
                    timer = kind;
                }
            }
            if (!next || *next > target) break;
            if (timer && timers_.at(*timer) == *next) {
                server_.tick_at(*next);
                timers_.erase(*timer);
                note_input(std::string("timer ") + timer_name(*timer));
                agent_->timer_fired(*timer, server_.now());
            } else {
                server_.tick_at(*next);
            }
            pump();
        }
        server_.tick_at(target);
        pump();
    }

    // Server-side helpers.
    std::string ring_queue(int queue, const std::string& from = "601234567") {
        auto uniqueid = server_.ring_queue(queue, from);
        pump();
        return uniqueid;
    }
    server::HttpResponse http(std::string method, std::string target, std::string body = {}) {
        auto response = server_.http(std::move(method), std::move(target), std::move(body));
        pump();
        return response;
    }

    // Delivers queued frames both ways and carries out the agent's effects until quiet.
    void pump() {
        for (int guard = 0; guard < 10'000; ++guard) {
            bool busy = false;
            for (auto& effect : agent_->take_effects()) {
                busy = true;
                if (std::string line = effect_line(effect); line != "view" && !line.starts_with("callback onDebug ")) {
                    transcript_.push_back("< " + line);
                }
                apply(effect);
            }
            if (!to_agent_.empty()) {
                busy = true;
                std::string frame = std::move(to_agent_.front());
                to_agent_.pop_front();
                note_input("frame " + frame);
                agent_->socket_message(frame, server_.now());
            } else if (!to_server_.empty()) {
                busy = true;
                std::string frame = std::move(to_server_.front());
                to_server_.pop_front();
                if (connection_ && !blackhole_) server_.send_raw(*connection_, frame);
            }
            if (!busy) return;
        }
        FAIL("the agent and the server never went quiet");
    }

    // Everything the agent engine heard and did so far, as a golden-conversation transcript
    // (tests/unit/agent_conversations_test.cpp reads that format): for writing new ones.
    const std::vector<std::string>& transcript() const { return transcript_; }

private:
    void note_input(const std::string& line) {
        if (server_.now() != transcript_clock_) {
            transcript_.push_back("> advance " + std::to_string(server_.now() - transcript_clock_));
            transcript_clock_ = server_.now();
        }
        transcript_.push_back("> " + line);
    }

    void apply(agent::Effect& effect) {
        std::visit(
            [&](auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, agent::OpenSocket>) {
                    CHECK(e.url == "ws://127.0.0.1:8080/ws");
                    if (unreachable_) {
                        note_input("closed");
                        agent_->socket_closed(server_.now());
                        return;
                    }
                    connection_ = server_.open_raw([this](const std::string& frame) { to_agent_.push_back(frame); },
                                                   [this] {
                                                       connection_.reset();
                                                       to_server_.clear();
                                                       note_input("closed");
                                                       agent_->socket_closed(server_.now());
                                                   });
                    note_input("open");
                    agent_->socket_open(server_.now());
                } else if constexpr (std::is_same_v<E, agent::CloseSocket>) {
                    if (connection_) server_.drop_raw(*std::exchange(connection_, std::nullopt), false);
                    to_server_.clear();
                } else if constexpr (std::is_same_v<E, agent::SendFrame>) {
                    to_server_.push_back(std::move(e.text));
                } else if constexpr (std::is_same_v<E, agent::StartTimer>) {
                    timers_[e.timer] = server_.now() + e.delay;
                } else if constexpr (std::is_same_v<E, agent::CancelTimer>) {
                    timers_.erase(e.timer);
                } else if constexpr (std::is_same_v<E, agent::FireCallback>) {
                    callbacks_.push_back({std::move(e.name), std::move(e.args)});
                } else if constexpr (std::is_same_v<E, agent::SettlePromise>) {
                    CHECK_FALSE(settled_.contains(e.promise));  // a promise settles once
                    settled_[e.promise] = {e.ok, std::move(e.value)};
                } else if constexpr (std::is_same_v<E, agent::SetCookie>) {
                    if (e.max_age_seconds == 0) {
                        cookies_.erase(e.name);
                    } else {
                        cookies_[e.name] = e.value;
                    }
                } else if constexpr (std::is_same_v<E, agent::OpenUrl>) {
                    opened_urls_.push_back(e.url);
                } else if constexpr (std::is_same_v<E, agent::SystemNotification>) {
                    system_notifications_.push_back(e.body);
                } else if constexpr (std::is_same_v<E, agent::UnloadBeacon>) {
                    beacon_ = e;
                }
            },
            effect);
    }

    CountingAgentRandom random_;
    std::vector<std::string> transcript_;
    std::int64_t transcript_clock_ = demo_epoch_ms;
    Harness server_;
    std::unique_ptr<agent::Agent> agent_;
    std::optional<server::ConnectionId> connection_;
    std::deque<std::string> to_agent_;
    std::deque<std::string> to_server_;
    std::map<agent::Timer, std::int64_t> timers_;
    std::vector<Callback> callbacks_;
    std::map<agent::PromiseId, std::pair<bool, boost::json::value>> settled_;
    std::map<std::string, std::string> cookies_;
    std::vector<std::string> opened_urls_;
    std::vector<std::string> system_notifications_;
    agent::UnloadBeacon beacon_;
    agent::PromiseId next_promise_ = 1;
    bool unreachable_ = false;
    bool blackhole_ = false;
};

}  // namespace ucs::test
