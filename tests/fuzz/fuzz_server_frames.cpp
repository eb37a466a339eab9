// libFuzzer: client frames to ucsd's engine, in each app state a client can reach. The first input
// byte picks the state (CREDENTIALS after hello; IDENTIFY after an SSO login; DEVICE after pairing;
// READY; READY with a call ringing; READY with a call connected), the second the agent; every
// following line is one WebSocket text frame. The engine is built once and serves
// many inputs: each input gets a fresh connection and its session is ended after it. What they keep
// (call history, used SSO tokens) grows and every provision and history reply carries more of it,
// so they are rebuilt every 16 inputs (every 64 cost a third of the inputs per second). At most 16 frames an
// input: longer sequences reached no more coverage and cost the fuzzer most of its speed.
//
// Oracles: no sanitizer report, no exception out of the engine, every frame it sends is one valid
// UTF-8 JSON document (checked by Boost's parser without building the value).
#include "core/auth/sso.hpp"
#include "core/protocol.hpp"
#include "fuzz_support.hpp"
#include "server/engine/engine.hpp"
#include "server/store/demo_data.hpp"
#include "support/engine_fakes.hpp"
#include "support/memory_store.hpp"

#include <array>
#include <memory>
#include <optional>

namespace {

namespace json = boost::json;
using namespace ucs;  // NOLINT: a fuzz target, not a header

server::EngineConfig fuzz_config() {
    server::EngineConfig config;
    config.sso_secret = "demo-sso-secret";
    config.session_grace_ms = 1'000;  // sessions end within the clean-up step after each input
    return config;
}

// The demo's users, queues and phones, made once: their SCRAM verifiers (PBKDF2) were most of a
// World's construction.
const server::Directory& demo() {
    static const server::Directory directory = [] {
        test::CountingRandom random{42};
        return server::demo_directory(random);
    }();
    return directory;
}

struct World {
    World()
        : store(demo()),
          engine(fuzz_config(), store, phones, random, now) {}

    // The oracle reads what ucsd sends from the fuzzed frames on; the set-up before them is the same
    // for every input of a state (and checked by the unit tests), and checking it was a fifth of each run.
    void deliver(const server::Output& out) const {
        if (!checking) return;
        for (const auto& frame : out.frames) {
            fuzz::require_json_text(frame.frame.text(), "a frame ucsd sends");
        }
    }
    void send(std::string_view frame) { deliver(engine.receive(connection, frame, now)); }
    void request(std::int64_t id, std::string_view method, json::object params) {
        send(protocol::request_frame(id, method, std::move(params)));
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

    test::CountingRandom random{42};
    test::SimplePhoneNumbers phones;
    test::MemoryStore store;
    server::Millis now = 1'700'000'000'000;
    server::Engine engine;
    server::ConnectionId connection = 0;
    bool checking = false;
};

enum class State : std::uint8_t { credentials, identify, device, ready, ringing, connected, count };

constexpr std::array agents{std::pair{"agent1", "101"}, std::pair{"agent2", "102"}, std::pair{"agent3", "103"}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<World> world_holder;
    static unsigned inputs = 0;
    if (size < 2) return 0;
    if (inputs++ % 16 == 0) world_holder = std::make_unique<World>();
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
        // The sandbox's call, placed on the engine directly (the REST API has its own target).
        server::SandboxCall call;
        call.from = "601234567";
        call.destination = username == std::string_view("agent3") ? 2 : 1;
        server::Output out;
        if (auto placed = w.engine.place_call(call, w.now, out)) uniqueid = *placed;
        w.deliver(out);
    }
    if (state >= State::connected) w.request(6, protocol::method::answer, {});

    w.checking = true;
    for (const std::string_view frame : fuzz::lines_of(frames, 16)) w.send(frame);

    // Clean up: the call ends, the connection closes and the session ends after its grace.
    if (!uniqueid.empty()) {
        server::Output out;
        (void)w.engine.far_end_hangup(uniqueid, w.now, out);  // refused when the input already ended it
        w.deliver(out);
    }
    w.deliver(w.engine.disconnect(w.connection, w.now));
    w.advance(60'000);
    w.checking = false;
    return 0;
}
