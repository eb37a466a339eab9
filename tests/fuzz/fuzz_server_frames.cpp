// libFuzzer: client frames to ucsd's engine, in each app state a client can reach. The first input
// byte picks the state (CREDENTIALS after hello; IDENTIFY after an SSO login; DEVICE after pairing;
// READY; READY with a call ringing; READY with a call connected), the second the agent; every
// following line is one WebSocket text frame. The engine and its REST API are built once and serve
// many inputs: each input gets a fresh connection and its session is ended after it. What they keep
// (call history, used SSO tokens) grows, so they are rebuilt every 256 inputs.
//
// Oracles: no sanitizer report, no exception out of the engine, every frame it sends is one valid
// UTF-8 JSON document.
#include "core/auth/sso.hpp"
#include "core/protocol.hpp"
#include "fuzz_support.hpp"
#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/store/demo_data.hpp"
#include "support/memory_store.hpp"

#include <array>
#include <memory>
#include <optional>

namespace {

namespace json = boost::json;
using namespace ucs;  // NOLINT: a fuzz target, not a header

class CountingRandom final : public server::Random {
public:
    std::string bytes(std::size_t count) override {
        std::string out(count, '\0');
        for (char& c : out)
            c = static_cast<char>((state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
        return out;
    }

private:
    std::uint64_t state_ = 42;
};

class SimplePhoneNumbers final : public server::PhoneNumbers {
public:
    std::optional<std::string> to_e164(std::string_view number) const override {
        if (number.size() == 9 && number.find_first_not_of("0123456789") == std::string_view::npos)
            return "+420" + std::string(number);
        if (number.size() > 8 && number.front() == '+') return std::string(number);
        return std::nullopt;
    }
};

server::EngineConfig fuzz_config() {
    server::EngineConfig config;
    config.sso_secret = "demo-sso-secret";
    config.session_grace_ms = 1'000;  // sessions end within the clean-up step after each input
    return config;
}

struct World {
    World()
        : store(server::demo_directory(random)),
          engine(fuzz_config(), store, phones, random, now),
          api(api_config(), engine, random) {
        server::Output ignored;
        auto token = api.handle(
            {"POST", "/login/oauth2/token",
             R"({"client_id":"sandbox","client_secret":"sandbox","grant_type":"client_credentials"})", "", "127.0.0.1"},
            now, ignored);
        bearer = "Bearer " + std::string(token.body.at("access_token").as_string());
    }
    static server::ApiConfig api_config() {
        server::ApiConfig config;
        config.clients = {{"sandbox", "sandbox"}};
        config.token_seconds = 100LL * 365 * 24 * 3600;  // the clock runs fast here
        return config;
    }

    void deliver(const server::Output& out) {
        for (const auto& frame : out.frames) {
            fuzz::require_json(frame.frame.text(), "a frame ucsd sends");
        }
    }
    void send(std::string_view frame) { deliver(engine.receive(connection, frame, now)); }
    void request(std::int64_t id, std::string_view method, json::object params) {
        send(protocol::request_frame(id, method, std::move(params)));
    }
    server::HttpResponse http(std::string method, std::string target, std::string body = {}) {
        server::Output out;
        auto response =
            api.handle({std::move(method), std::move(target), std::move(body), bearer, "127.0.0.1"}, now, out);
        deliver(out);
        return response;
    }
    void advance(server::Millis ms) {
        const server::Millis target = now + ms;
        while (true) {
            const auto deadline = engine.next_deadline();
            if (!deadline || *deadline > target) break;
            now = std::max(now, *deadline);
            deliver(engine.tick(now));
        }
        now = target;
        deliver(engine.tick(now));
    }

    CountingRandom random;
    SimplePhoneNumbers phones;
    test::MemoryStore store;
    server::Millis now = 1'700'000'000'000;
    server::Engine engine;
    server::RestApi api;
    std::string bearer;
    server::ConnectionId connection = 0;
};

enum class State : std::uint8_t { credentials, identify, device, ready, ringing, connected, count };

constexpr std::array agents{std::pair{"agent1", "101"}, std::pair{"agent2", "102"}, std::pair{"agent3", "103"}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<World> world_holder;
    static unsigned inputs = 0;
    if (size < 2) return 0;
    if (inputs++ % 256 == 0) world_holder = std::make_unique<World>();
    World& world = *world_holder;
    const auto state = static_cast<State>(data[0] % static_cast<std::uint8_t>(State::count));
    const auto& [username, phone] = agents[data[1] % agents.size()];
    const std::string_view frames(reinterpret_cast<const char*>(data) + 2, size - 2);

    World& w = world;
    w.connection += 1;
    w.deliver(w.engine.connect(w.connection, "192.0.2.1", w.now));
    w.request(1, protocol::method::hello, {{"protocol", "ucs-agent/1"}, {"client", "fuzz"}});
    std::string uniqueid;
    if (state >= State::identify) {
        const std::string token = auth::make_sso_token("demo-sso-secret", username, w.now / 1000);
        w.request(2, protocol::method::sso, {{"username", username}, {"token", token}, {"autologout", true}});
    }
    if (state >= State::device) w.request(3, protocol::method::identifier, {{"identifier", phone}});
    if (state >= State::ready) {
        w.request(4, protocol::method::provision, {});
        w.request(5, protocol::method::change_status, {{"status", "READY"}});
    }
    if (state >= State::ringing) {
        const std::string queue = username == std::string_view("agent3") ? "2" : "1";
        auto created = w.http("POST", "/api/v1.0/sandbox/calls", R"({"from":"601234567","queue":)" + queue + "}");
        if (created.status == 201) uniqueid = std::string(created.body.at("uniqueid").as_string());
    }
    if (state >= State::connected) w.request(6, protocol::method::answer, {});

    for (const std::string_view frame : fuzz::lines_of(frames)) w.send(frame);

    // Clean up: the call ends, the connection closes and the session ends after its grace.
    if (!uniqueid.empty()) w.http("POST", "/api/v1.0/sandbox/calls/" + uniqueid + "/hangup");
    w.deliver(w.engine.disconnect(w.connection, w.now));
    w.advance(60'000);
    return 0;
}
