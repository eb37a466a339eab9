// libFuzzer: client frames to ucsd's engine, in each app state a client can reach. The first input
// byte picks the state (CREDENTIALS after hello; IDENTIFY after an SSO login; DEVICE after pairing;
// READY; READY with a call ringing; READY with a call connected), the second the agent; every
// following line (at most 16: longer sequences reached no more coverage) is one WebSocket text frame.
// Each state is reached once per process and kept: an input starts from a copy of that engine, its
// store and clock (server::Engine's copying constructor), so inputs cost only their own frames, do not
// see what earlier inputs did, and reproduce alone.
//
// Oracles: no sanitizer report, no exception out of the engine, every frame it sends from the fuzzed
// frames on (and through the call's end, the close and the session's expiry after them) is one valid
// UTF-8 JSON document (checked by Boost's parser without building the value).
#include "core/auth/sso.hpp"
#include "core/protocol.hpp"
#include "fuzz_support.hpp"
#include "server/engine/engine.hpp"
#include "server/store/demo_data.hpp"
#include "support/engine_fakes.hpp"
#include "support/memory_store.hpp"

#include <array>
#include <string>
#include <vector>
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

// The outside world of one engine: its store, randomness and clock. The engine refers to them, so a
// World stays where it was made.
struct World {
    // A new engine on the demo's data.
    World() : engine(fuzz_config(), store, phones(), random, now) {}
    // A copy of `other`'s engine, store, randomness and clock: it shares nothing with `other`.
    explicit World(const World& other)
        : random(other.random),
          store(other.store),
          now(other.now),
          engine(other.engine, store, phones(), random),
          connection(other.connection),
          uniqueid(other.uniqueid) {}
    World& operator=(const World&) = delete;

    static const test::SimplePhoneNumbers& phones() {
        static const test::SimplePhoneNumbers numbers;
        return numbers;
    }

    // The oracle reads what ucsd sends from the fuzzed frames on; the set-up before them is the same
    // for every input of a state (and checked by the unit tests).
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
    test::MemoryStore store{demo()};
    server::Millis now = 1'700'000'000'000;
    server::Engine engine;
    server::ConnectionId connection = 1;
    std::string uniqueid;  // the call of the ringing and connected states
    bool checking = false;
};

enum class State : std::uint8_t { credentials, identify, device, ready, ringing, connected, count };

constexpr std::array agents{std::pair{"agent1", "101"}, std::pair{"agent2", "102"}, std::pair{"agent3", "103"}};

// A connection brought to `state` as `username` on `phone`: what every input of that state starts from.
std::unique_ptr<const World> reach(State state, const char* username, const char* phone) {
    auto w = std::make_unique<World>();
    w->deliver(w->engine.connect(w->connection, "192.0.2.1", w->now));
    w->request(1, protocol::method::hello, {{"protocol", "ucs-agent/1"}, {"client", "fuzz"}});
    if (state >= State::identify) {
        const std::string token = auth::make_sso_token("demo-sso-secret", username, w->now / 1000);
        w->request(2, protocol::method::sso, {{"username", username}, {"token", token}, {"autologout", true}});
    }
    if (state >= State::device) w->request(3, protocol::method::identifier, {{"identifier", phone}});
    // The sandbox's call, placed on the engine directly (the REST API has its own target).
    auto place_call = [&] {
        server::SandboxCall call;
        call.from = "601234567";
        call.destination = username == std::string_view("agent3") ? 2 : 1;
        server::Output out;
        auto placed = w->engine.place_call(call, w->now, out);
        fuzz::require(placed.has_value(), "the sandbox call of the ringing state is placed");
        return *placed;
    };
    if (state >= State::ready) {
        w->request(4, protocol::method::provision, {});
        w->request(5, protocol::method::change_status, {{"status", "READY"}});
        // One call taken and ended, and its wrap-up over: history, statistics and account codes
        // have a row to show.
        const std::string earlier = place_call();
        w->request(6, protocol::method::answer, {});
        server::Output out;
        fuzz::require(w->engine.far_end_hangup(earlier, w->now, out).has_value(), "the earlier call ends");
        w->advance(11'000);
    }
    if (state >= State::ringing) w->uniqueid = place_call();
    if (state >= State::connected) w->request(7, protocol::method::answer, {});
    return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto snapshots = [] {
        std::vector<std::unique_ptr<const World>> made;
        for (std::uint8_t state = 0; state < static_cast<std::uint8_t>(State::count); ++state) {
            for (const auto& [username, phone] : agents) made.push_back(reach(static_cast<State>(state), username, phone));
        }
        return made;
    }();
    if (size < 2) return 0;
    const std::size_t state = data[0] % static_cast<std::uint8_t>(State::count);
    World w(*snapshots[state * agents.size() + data[1] % agents.size()]);
    const std::string_view frames(reinterpret_cast<const char*>(data) + 2, size - 2);

    w.checking = true;
    for (const std::string_view frame : fuzz::lines_of(frames, 16)) w.send(frame);

    // What follows an input still runs checked: the call ends, the connection closes and the session
    // ends after its grace (timers over whatever state the frames left).
    if (!w.uniqueid.empty()) {
        server::Output out;
        (void)w.engine.far_end_hangup(w.uniqueid, w.now, out);  // refused when the input already ended it
        w.deliver(out);
    }
    w.deliver(w.engine.disconnect(w.connection, w.now));
    w.advance(60'000);
    return 0;
}
