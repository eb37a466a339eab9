#pragma once
// Drives the contact-centre engine in memory on a fake clock: clients are connections that send
// JSON-RPC requests and collect the frames the engine addresses to them; the sandbox is the REST API
// (src/server/api) on the same engine. No sockets, no threads, no waiting: advance() jumps the clock and fires
// every timer that falls due on the way, in order.

#include "core/auth/scram.hpp"
#include "core/auth/sso.hpp"
#include "core/protocol.hpp"
#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/store/demo_data.hpp"
#include "support/engine_fakes.hpp"
#include "support/memory_store.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ucs::test {

namespace json = boost::json;

inline constexpr std::int64_t demo_epoch_ms = 1'700'000'000'000;

inline server::EngineConfig demo_config() {
    server::EngineConfig config;
    config.sso_secret = "demo-sso-secret";
    return config;
}

// The REST client the sandbox helpers use (--demo's).
inline server::ApiConfig demo_api_config() {
    server::ApiConfig config;
    config.clients = {{"sandbox", "sandbox"}};
    return config;
}

class Harness;

// One WebSocket connection as the engine sees it.
class Client {
public:
    Client(Harness& harness, server::ConnectionId id, std::string address);

    // Sends a request and returns its response (the whole {"jsonrpc","id","result"|"error"} object).
    json::object request(std::string_view method, json::object params = {});
    // The result of a request that must succeed.
    json::value ok(std::string_view method, json::object params = {});
    // The error of a request that must fail.
    json::object error(std::string_view method, json::object params = {});
    void send_raw(std::string_view frame);

    // Events (notifications) received so far, oldest first; take() removes them.
    std::vector<json::object> take_events();
    std::vector<std::string> take_event_names();
    // The next event of this name (removing it and everything before it), or nullopt.
    std::optional<json::object> next_event(std::string_view name);
    std::deque<json::object>& inbox() { return inbox_; }

    // Convenience flows.
    void hello();
    void login_sso(const std::string& username, bool autologout = false);
    void login_password(const std::string& username, const std::string& password, bool remember = false,
                        bool autologout = false);
    void pair(const std::string& identifier);
    json::object provision();
    void ready_agent(const std::string& username, const std::string& identifier);  // hello..provision..READY

    server::ConnectionId id() const { return id_; }
    std::string session_key;
    std::uint64_t last_seq = 0;

private:
    friend class Harness;
    Harness& harness_;
    server::ConnectionId id_;
    std::int64_t next_request_id_ = 1;
    std::deque<json::object> inbox_;
};

class Harness {
public:
    explicit Harness(server::EngineConfig config = demo_config())
        : config_(std::move(config)), store_(server::demo_directory(random_)) {
        start();
    }

    // ucsd restarts on the same store: every connection is gone (and every bearer token), everything
    // stored stays.
    void restart() {
        start();
        for (auto& client : clients_) closed_.insert(client->id_);
        raw_.clear();
        rest_token_.clear();
    }

    server::Engine& engine() { return *engine_; }
    server::RestApi& api() { return *api_; }
    // What the engine logged: events its state tables did not expect.
    const std::vector<std::string>& log() const { return log_; }
    MemoryStore& store() { return store_; }
    std::int64_t now() const { return now_; }
    std::int64_t now_seconds() const { return now_ / 1000; }

    Client& connect(std::string address = "127.0.0.1") {
        const server::ConnectionId id = next_connection_++;
        clients_.push_back(std::make_unique<Client>(*this, id, address));
        deliver(engine_->connect(id, address, now_));
        return *clients_.back();
    }
    void disconnect(Client& client) { deliver(engine_->disconnect(client.id(), now_)); }
    // A brand-new connection object for a client whose socket dropped (same inbox continues).
    void reconnect(Client& client, std::string address = "127.0.0.1") {
        client.id_ = next_connection_++;
        deliver(engine_->connect(client.id_, address, now_));
    }

    // A connection whose frames go to `sink` as text (for the agent engine) instead of an inbox.
    server::ConnectionId open_raw(std::function<void(const std::string&)> sink, std::function<void()> on_close,
                                  std::string address = "127.0.0.1") {
        const server::ConnectionId id = next_connection_++;
        raw_[id] = RawConnection{std::move(sink), std::move(on_close)};
        deliver(engine_->connect(id, std::move(address), now_));
        return id;
    }
    void send_raw(server::ConnectionId id, std::string_view frame) { deliver(engine_->receive(id, frame, now_)); }
    // A raw connection ends: the server hears of it, and the client too unless it closed it itself.
    void drop_raw(server::ConnectionId id, bool tell_client = true) {
        auto it = raw_.find(id);
        if (it == raw_.end()) return;
        auto on_close = std::move(it->second.on_close);
        raw_.erase(it);
        deliver(engine_->disconnect(id, now_));
        if (tell_client) on_close();
    }
    std::optional<std::int64_t> next_deadline() const { return engine_->next_deadline(); }
    // Sets the clock (never backwards) and runs the engine's timers due by then.
    void tick_at(std::int64_t at) {
        now_ = std::max(now_, at);
        deliver(engine_->tick(now_));
    }

    // Moves the clock forward, firing every deadline on the way in order.
    void advance(std::int64_t ms) {
        const std::int64_t target = now_ + ms;
        while (true) {
            const auto deadline = engine_->next_deadline();
            if (!deadline || *deadline > target) break;
            now_ = std::max(now_, *deadline);
            deliver(engine_->tick(now_));
        }
        now_ = target;
        deliver(engine_->tick(now_));
    }

    void deliver(server::Output out) {
        for (auto& line : out.log) log_.push_back(std::move(line));
        for (auto& frame : out.frames) {
            if (auto raw = raw_.find(frame.connection); raw != raw_.end()) {
                raw->second.sink(frame.frame.text());
                continue;
            }
            for (auto& client : clients_) {
                if (client->id_ != frame.connection || closed_.contains(frame.connection)) continue;
                json::value parsed = json::parse(frame.frame.text());
                client->inbox_.push_back(parsed.as_object());
            }
        }
        for (auto id : out.closes) {
            closed_.insert(id);
            if (raw_.contains(id)) drop_raw(id);
        }
    }
    bool closed(const Client& client) const { return closed_.contains(client.id()); }

    server::HttpResponse http(std::string method, std::string target, std::string body = {}, bool authorized = true) {
        if (authorized && rest_token_.empty()) {
            server::Output ignored;
            auto token = api_->handle({"POST", "/login/oauth2/token",
                                       R"({"client_id":"sandbox","client_secret":"sandbox","grant_type":"client_credentials"})",
                                       "", "127.0.0.1"},
                                      now_, ignored);
            REQUIRE(token.status == 200);
            rest_token_ = std::string(token.body.at("access_token").as_string());
        }
        server::Output out;
        auto response = api_->handle({std::move(method), std::move(target), std::move(body),
                                      authorized ? "Bearer " + rest_token_ : "", "127.0.0.1"},
                                     now_, out);
        deliver(std::move(out));
        return response;
    }
    // An outside caller rings a queue; returns the call's uniqueid.
    std::string ring_queue(int queue, const std::string& from = "601234567", const std::string& name = "Jan Novák") {
        auto response = http("POST", "/api/v1.0/sandbox/calls",
                             json::serialize(json::object{{"from", from}, {"queue", queue}, {"caller_name", name}}));
        REQUIRE(response.status == 201);
        return std::string(response.body.at("uniqueid").as_string());
    }

private:
    void start() {
        api_.reset();  // it refers to the engine
        engine_ = std::make_unique<server::Engine>(config_, store_, phones_, random_, now_);
        api_ = std::make_unique<server::RestApi>(demo_api_config(), *engine_, random_);
    }

    server::EngineConfig config_;
    CountingRandom random_;
    SimplePhoneNumbers phones_;
    MemoryStore store_;
    std::int64_t now_ = demo_epoch_ms;
    std::unique_ptr<server::Engine> engine_;
    std::unique_ptr<server::RestApi> api_;
    std::vector<std::string> log_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::set<server::ConnectionId> closed_;
    server::ConnectionId next_connection_ = 1;
    std::string rest_token_;
    struct RawConnection {
        std::function<void(const std::string&)> sink;
        std::function<void()> on_close;
    };
    std::map<server::ConnectionId, RawConnection> raw_;
};

inline Client::Client(Harness& harness, server::ConnectionId id, std::string /*address*/) : harness_(harness), id_(id) {}

inline void Client::send_raw(std::string_view frame) { harness_.deliver(harness_.engine().receive(id_, frame, harness_.now())); }

inline json::object Client::request(std::string_view method, json::object params) {
    const std::int64_t request_id = next_request_id_++;
    send_raw(protocol::request_frame(request_id, method, std::move(params)));
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
        const json::value* id = it->if_contains("id");
        if (id != nullptr && id->is_int64() && id->get_int64() == request_id) {
            json::object response = std::move(*it);
            inbox_.erase(it);
            return response;
        }
    }
    FAIL("no response to " << method);
    return {};
}

inline json::value Client::ok(std::string_view method, json::object params) {
    json::object response = request(method, std::move(params));
    INFO(method << " -> " << json::serialize(response));
    REQUIRE(response.contains("result"));
    return response.at("result");
}

inline json::object Client::error(std::string_view method, json::object params) {
    json::object response = request(method, std::move(params));
    INFO(method << " -> " << json::serialize(response));
    REQUIRE(response.contains("error"));
    return response.at("error").as_object();
}

inline std::vector<json::object> Client::take_events() {
    std::vector<json::object> events;
    for (auto it = inbox_.begin(); it != inbox_.end();) {
        if (it->contains("method")) {
            last_seq = it->at("params").at("seq").to_number<std::uint64_t>();
            events.push_back(std::move(*it));
            it = inbox_.erase(it);
        } else {
            ++it;
        }
    }
    return events;
}

inline std::vector<std::string> Client::take_event_names() {
    std::vector<std::string> names;
    for (auto& event : take_events()) names.emplace_back(event.at("method").as_string());
    return names;
}

inline std::optional<json::object> Client::next_event(std::string_view name) {
    while (!inbox_.empty()) {
        json::object frame = std::move(inbox_.front());
        inbox_.pop_front();
        if (!frame.contains("method")) continue;
        last_seq = frame.at("params").at("seq").to_number<std::uint64_t>();
        if (frame.at("method").as_string() == name) return frame.at("params").as_object();
    }
    return std::nullopt;
}

inline void Client::hello() {
    auto result = ok(protocol::method::hello, {{"protocol", protocol::version}, {"client", "test"}});
    session_key = std::string(result.at("session").as_string());
}

inline void Client::login_sso(const std::string& username, bool autologout) {
    const std::string token = auth::make_sso_token("demo-sso-secret", username, harness_.now_seconds());
    ok(protocol::method::sso, {{"username", username}, {"token", token}, {"provider", "Test CRM"}, {"autologout", autologout}});
}

inline void Client::login_password(const std::string& username, const std::string& password, bool remember,
                                   bool autologout) {
    auth::scram::Client scram(username, password, "clientnonce" + std::to_string(id_));
    auto first = ok(protocol::method::login, {{"username", username}, {"client_first", scram.client_first()}});
    auto client_final = scram.client_final(std::string(first.at("server_first").as_string()));
    REQUIRE(client_final.has_value());
    auto result = ok(protocol::method::login_proof,
                     {{"client_final", *client_final}, {"remember", remember}, {"autologout", autologout}});
    CHECK_FALSE(scram.verify_server_final(std::string(result.at("server_final").as_string())).has_value());
}

inline void Client::pair(const std::string& identifier) { ok(protocol::method::identifier, {{"identifier", identifier}}); }

inline json::object Client::provision() { return ok(protocol::method::provision).as_object(); }

inline void Client::ready_agent(const std::string& username, const std::string& identifier) {
    hello();
    login_sso(username);
    pair(identifier);
    provision();
    ok(protocol::method::change_status, {{"status", "READY"}});
    take_events();
}

}  // namespace ucs::test
