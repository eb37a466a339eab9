// libFuzzer: what an agent's media socket sends to ucsd (docs/media.md), into the code that takes it:
// the `media.attach` text frame (read_attach, against an engine) and the binary audio frames that the
// bridge routes (MediaBridge::receive) while calls change under them (set_legs) and time passes
// (tick). The input is a sequence of records, each:
//   byte 0      what happens (mod 5): 0 a binary frame from socket (byte 1 mod 4), 1 a tick, 2 a change
//               of call (byte 1: which call, what state, who muted, who holds), 3 the socket (byte 1
//               mod 4) attaches again or detaches, 4 a text frame as the socket's first (media.attach)
//   byte 1      the record's argument
//   bytes 2-3   the length of what follows, big-endian (clamped to what is left)
//   bytes 4-    the frame's bytes (ops 0 and 4)
// The bridge and its calls are those of a small contact centre: agent 1 talks to a simulated caller
// (who plays a tone), agents 2 and 3 talk to each other, a caller waits in a queue (music on hold),
// agent 4 is attached with no call. The bridge is built once (its music on hold is rendered then, and
// rendering it per input was most of the run) and reset before each input: every socket detached and
// attached again, the calls back to that picture. What carries over between inputs is bounded: the
// parties' ears share a heard budget of 4 s (so the budget's cuts are fuzzed too, and reading the ears
// back after every input stays cheap: with ucsd's 64 MB they grew to 2 minutes each and copying them
// was most of an input), and the calls never change their ids.
//
// Oracles: no sanitizer report, no exception; every frame the bridge sends goes to an attached socket,
// parses as a media frame and carries that socket's agent's current stream; only a replaced socket is
// closed, with close_replaced; every binary frame is forwarded, decoded, dropped or counted (the
// counters never go back); what a party heard never exceeds what it keeps; calls 1 and 2 are
// recorded, and every recording's bytes are Ogg pages of 20 ms two-stream Opus packets. read_attach refuses
// every attach here (the engine has no sessions) with one JSON-RPC error frame, valid UTF-8 JSON.
#include "fuzz_support.hpp"
#include "media/frame.hpp"
#include "server/engine/engine.hpp"
#include "server/media/attach.hpp"
#include "server/media/bridge.hpp"
#include "server/media/ogg_opus.hpp"
#include "support/engine_fakes.hpp"
#include "support/memory_store.hpp"

#include <opus.h>
#include <opus_multistream.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

namespace server = ucs::server;
namespace bridge = ucs::server::media_bridge;
namespace media = ucs::media;
namespace fuzz = ucs::fuzz;

constexpr std::array<int, 4> agents{1, 2, 3, 4};

std::vector<media::BridgeLeg> contact_centre() {
    const media::Endpoint caller{"trunk:caller-1", true};
    const media::Endpoint waiting{"trunk:waiting-1", true};
    return {
        media::BridgeLeg{.uniqueid = "call-1", .caller = caller, .callee = server::agent_endpoint(1), .state = media::LegState::talking},
        media::BridgeLeg{.uniqueid = "call-2", .caller = server::agent_endpoint(2), .callee = server::agent_endpoint(3),
                         .state = media::LegState::talking},
        media::BridgeLeg{.uniqueid = "call-3", .caller = waiting, .callee = std::nullopt, .state = media::LegState::waiting},
    };
}

// The engine read_attach checks sessions against: no users, so no session is ever known.
struct AttachWorld {
    AttachWorld() : engine(server::EngineConfig{}, store, phones, random, 1'700'000'000'000) {}
    ucs::test::CountingRandom random{7};
    ucs::test::SimplePhoneNumbers phones;
    ucs::test::MemoryStore store;
    server::Engine engine;
};

// 4 s of 16 kHz 16-bit audio over all simulated parties.
constexpr std::size_t heard_budget_bytes = std::size_t{4} * bridge::heard_rate * sizeof(std::int16_t);

class World {
public:
    World() { reset(); }

    void reset() {
        if (!bridge_) {
            bridge_ = std::make_unique<bridge::MediaBridge>(bridge::SpeechRenderer{}, heard_budget_bytes);
            fuzz::require(!bridge_->prepare_audio(tone()), "a tone cannot be prepared");
        }
        for (const bridge::MediaSocket socket : sockets_) bridge_->detach(socket);
        legs_ = contact_centre();
        bridge_->set_legs(legs_);
        bridge_->set_recorded({"call-1", "call-2"});
        fuzz::require(!bridge_->set_party_audio("call-1", tone()), "the caller of call-1 cannot play a tone");
        bridge::MediaOutput out;
        for (std::size_t i = 0; i < agents.size(); ++i) {
            sockets_[i] = next_socket_++;
            bridge_->attach(agents[i], sockets_[i], out);
        }
        check(out, {});
    }

    void binary(std::uint8_t which, std::span<const std::uint8_t> bytes) {
        bridge::MediaOutput out;
        bridge_->receive(sockets_[which % agents.size()], bytes, out);
        check(out, {});
    }

    void tick() {
        bridge::MediaOutput out;
        bridge_->tick(out);
        check(out, {});
    }

    // byte: bits 0-1 which call, bits 2-4 its state, bit 5 caller muted, bit 6 callee muted, bit 7 who holds.
    void change_call(std::uint8_t byte) {
        media::BridgeLeg& leg = legs_[(byte & 3U) % legs_.size()];
        leg.state = static_cast<media::LegState>(((byte >> 2U) & 7U) % 5U);
        leg.caller_muted = (byte & 0x20U) != 0;
        leg.callee_muted = (byte & 0x40U) != 0;
        leg.held_by = (byte & 0x80U) != 0 ? media::Side::callee : media::Side::caller;
        bridge_->set_legs(legs_);
    }

    // byte: bits 0-1 which agent; bit 7 set: its socket closes, else a new socket of the agent attaches
    // (a reload, another tab) and replaces it.
    void reattach(std::uint8_t byte) {
        const std::size_t which = byte % agents.size();
        const bridge::MediaSocket old = sockets_[which];
        bridge::MediaOutput out;
        if ((byte & 0x80U) != 0) {
            bridge_->detach(old);
            check(out, {});
            return;
        }
        const bool old_attached = bridge_->attached(old);
        sockets_[which] = next_socket_++;
        bridge_->attach(agents[which], sockets_[which], out);
        const bool old_closed = std::any_of(out.closes.begin(), out.closes.end(), [&](const auto& close) { return close.first == old; });
        fuzz::require(old_closed == old_attached, "a replaced socket was not closed, or a closed one closed again");
        check(out, old);
        bridge_->detach(old);  // as the shell does once the close is done
    }

    void attach_text(std::string_view text) {
        static const AttachWorld world;
        const auto request = bridge::read_attach(text, world.engine);
        fuzz::require(!request.has_value(), "an attach was accepted without any session", text);
        const auto error = fuzz::require_json(request.error(), "the refusal of an attach");
        fuzz::require(error.is_object() && error.as_object().contains("error"), "the refusal of an attach is no JSON-RPC error",
                      request.error());
    }

    void check_counters_and_ears() {
        const bridge::BridgeCounters& now = bridge_->counters();
        fuzz::require(now.malformed >= seen_.malformed && now.stale >= seen_.stale && now.unattached >= seen_.unattached &&
                          now.forwarded >= seen_.forwarded && now.generated >= seen_.generated && now.decoded >= seen_.decoded,
                      "a bridge counter went back");
        seen_ = now;
        for (const char* call : {"call-1", "call-3"}) {
            if (const auto heard = bridge_->heard(call))
                fuzz::require(heard->size() <= std::size_t{bridge::heard_rate} * bridge::heard_seconds,
                              "a simulated party kept more than it may");
        fuzz::require(bridge_->heard_bytes() <= heard_budget_bytes, "the simulated parties kept more than the heard budget");
        }
    }

private:
    static server::PartyAudio tone() { return server::PartyAudio{server::PartyAudio::Kind::tone, 440.0, {}}; }

    // `replaced`: the one socket this step may close.
    void check(const bridge::MediaOutput& out, std::optional<bridge::MediaSocket> replaced) const {
        for (const auto& sent : out.frames) {
            const auto* agent = std::find(sockets_.begin(), sockets_.end(), sent.socket);
            fuzz::require(agent != sockets_.end() && bridge_->attached(sent.socket), "the bridge sent to a socket that is not attached");
            const auto frame = media::parse_frame(sent.bytes);
            fuzz::require(frame.has_value(), "the bridge sent a frame that does not parse");
            fuzz::require(frame->header.stream == bridge_->stream_of(agents[static_cast<std::size_t>(agent - sockets_.begin())]),
                          "the bridge sent a frame on another stream than the agent's");
        }
        for (const auto& [socket, code] : out.closes) {
            fuzz::require(replaced == socket, "the bridge closed a socket nobody replaced");
            fuzz::require(code == bridge::close_replaced, "the bridge closed a replaced socket with another code than 4001");
        }
        for (const auto& recorded : out.recordings) check_recording(recorded.bytes);
    }

    // Whatever the bars sent, a recording's bytes are whole Ogg pages whose audio packets are
    // two-stream Opus packets of 20 ms that libopus can take apart.
    static void check_recording(const std::string& bytes) {
        const auto stream = bridge::read_ogg(bytes);
        fuzz::require(stream.has_value(), "a recording's bytes are not whole Ogg pages");
        for (const std::string& packet : stream->packets) {
            if (packet.starts_with("OpusHead") || packet.starts_with("OpusTags")) continue;
            std::vector<unsigned char> copy(packet.begin(), packet.end());
            const auto size = static_cast<opus_int32>(copy.size());
            fuzz::require(opus_multistream_packet_unpad(copy.data(), size, 2) > 0, "a recorded packet is not two Opus streams");
            fuzz::require(opus_packet_get_nb_samples(copy.data(), size, 48000) == 960, "a recorded packet is not 20 ms");
        }
    }

    std::unique_ptr<bridge::MediaBridge> bridge_;
    std::array<bridge::MediaSocket, agents.size()> sockets_{};
    bridge::MediaSocket next_socket_ = 1;
    std::vector<media::BridgeLeg> legs_;
    bridge::BridgeCounters seen_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    world.reset();
    std::span<const std::uint8_t> input(data, size);
    int records = 0;
    while (input.size() >= 4 && records++ < 64) {
        const std::uint8_t op = input[0] % 5;
        const std::uint8_t argument = input[1];
        const std::size_t length = std::min<std::size_t>((std::size_t{input[2]} << 8U) | input[3], input.size() - 4);
        const std::span<const std::uint8_t> bytes = input.subspan(4, length);
        switch (op) {
            case 0: world.binary(argument, bytes); break;
            case 1: world.tick(); break;
            case 2: world.change_call(argument); break;
            case 3: world.reattach(argument); break;
            case 4: world.attach_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())); break;
        }
        input = input.subspan(4 + length);
    }
    world.check_counters_and_ears();
    return 0;
}
