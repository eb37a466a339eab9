// ucsd's media bridge (src/server/media) on calls set up by hand: Opus frames forwarded between agents
// with only their header re-stamped, music on hold to the held party and nothing to the holder,
// silence frames for a muted far end, stale and malformed frames dropped and counted, simulated
// parties that play a tone and keep what they heard.
#include "audio/tones.hpp"
#include "media/frame.hpp"
#include "media/opus_codec.hpp"
#include "media/tone_detector.hpp"
#include "server/media/bridge.hpp"
#include "support/engine_harness.hpp"
#include "support/tone_frames.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

namespace mb = ucs::server::media_bridge;
namespace media = ucs::media;
using ucs::test::tone_frame;
using ucs::server::agent_endpoint;

namespace {

constexpr mb::MediaSocket socket_a = 11;
constexpr mb::MediaSocket socket_b = 12;

media::BridgeLeg agents_call(media::LegState state = media::LegState::talking) {
    media::BridgeLeg leg;
    leg.uniqueid = "call-1";
    leg.caller = agent_endpoint(1);
    leg.callee = agent_endpoint(2);
    leg.state = state;
    return leg;
}

media::BridgeLeg caller_call(media::LegState state = media::LegState::talking) {
    media::BridgeLeg leg;
    leg.uniqueid = "call-2";
    leg.caller = media::Endpoint{"trunk:SIP/trunk-00000001", true};
    leg.callee = agent_endpoint(1);
    leg.state = state;
    return leg;
}

// Two agents attached and in `leg`.
struct TwoAgents {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    explicit TwoAgents(const media::BridgeLeg& leg) {
        bridge.attach(1, socket_a, out);
        bridge.attach(2, socket_b, out);
        bridge.set_legs({leg});
    }
};

std::vector<std::uint8_t> frame_bytes(std::uint16_t stream, std::uint32_t seq, std::uint32_t timestamp,
                                      std::vector<std::uint8_t> payload, bool restart = false) {
    media::FrameHeader header;
    header.stream = stream;
    header.seq = seq;
    header.timestamp = timestamp;
    header.restart = restart;
    header.silence = payload.empty();
    auto bytes = media::encode_frame(header, payload);
    REQUIRE(bytes);
    return *bytes;
}

std::vector<media::FrameView> frames_to(const mb::MediaOutput& out, mb::MediaSocket socket) {
    std::vector<media::FrameView> frames;
    for (const auto& sent : out.frames) {
        if (sent.socket != socket) continue;
        auto frame = media::parse_frame(sent.bytes);
        REQUIRE(frame);
        frames.push_back(*frame);
    }
    return frames;
}

// The frames' audio decoded in order (silence frames as zeros).
std::vector<float> decode_all(const std::vector<media::FrameView>& frames) {
    auto decoder = media::Decoder::create();
    REQUIRE(decoder);
    std::vector<float> pcm;
    for (const auto& frame : frames) {
        std::array<float, media::frame_samples> out{};
        if (!frame.header.silence) REQUIRE(decoder->decode(frame.payload, out));
        pcm.insert(pcm.end(), out.begin(), out.end());
    }
    return pcm;
}

}  // namespace

TEST_CASE("a bar's frame reaches the other agent with its payload untouched and a header of the receiver's stream",
          "[media][server]") {
    TwoAgents call(agents_call());
    // Not even Opus: the bridge must not look inside, let alone re-encode.
    const std::vector<std::uint8_t> payload{0xF8, 0x01, 0x02, 0x03, 0x04};
    call.bridge.receive(socket_a, frame_bytes(call.bridge.stream_of(1), 700, 90'000, payload), call.out);
    call.bridge.receive(socket_a, frame_bytes(call.bridge.stream_of(1), 701, 90'960, payload), call.out);
    const auto frames = frames_to(call.out, socket_b);
    REQUIRE(frames.size() == 2);
    CHECK(std::vector<std::uint8_t>(frames[0].payload.begin(), frames[0].payload.end()) == payload);
    CHECK(frames[0].header.stream == call.bridge.stream_of(2));
    CHECK(frames[0].header.restart);  // the first frame from this sender: the receiver's timing starts over
    CHECK_FALSE(frames[1].header.restart);
    CHECK(frames[1].header.seq == frames[0].header.seq + 1);
    CHECK(frames[1].header.timestamp == frames[0].header.timestamp + media::timestamp_step);
    CHECK(frames_to(call.out, socket_a).empty());  // nobody hears themselves
    CHECK(call.bridge.counters().forwarded == 2);
}

TEST_CASE("a frame the sender dropped stays a loss after re-stamping", "[media][server]") {
    TwoAgents call(agents_call());
    const std::uint16_t stream = call.bridge.stream_of(1);
    call.bridge.receive(socket_a, frame_bytes(stream, 10, 0, {0xF8, 1}), call.out);
    call.bridge.receive(socket_a, frame_bytes(stream, 13, 3 * 960, {0xF8, 2}), call.out);
    const auto frames = frames_to(call.out, socket_b);
    REQUIRE(frames.size() == 2);
    CHECK(frames[1].header.seq - frames[0].header.seq == 3);
    CHECK(frames[1].header.timestamp - frames[0].header.timestamp == 3 * 960);
}

TEST_CASE("a frame of a stream that is not the agent's current one is dropped and counted", "[media][server]") {
    TwoAgents call(agents_call());
    const auto stale = static_cast<std::uint16_t>(call.bridge.stream_of(1) + 1000);
    call.bridge.receive(socket_a, frame_bytes(stale, 1, 0, {0xF8, 1}), call.out);
    CHECK(frames_to(call.out, socket_b).empty());
    CHECK(call.bridge.counters().stale == 1);
}

TEST_CASE("frames that do not parse are dropped and counted, and the socket carries on", "[media][server]") {
    TwoAgents call(agents_call());
    call.bridge.receive(socket_a, std::vector<std::uint8_t>{1, 2, 3}, call.out);                      // short
    call.bridge.receive(socket_a, std::vector<std::uint8_t>(12, 0), call.out);                         // version 0
    call.bridge.receive(socket_a, std::vector<std::uint8_t>(media::max_frame_size + 1, 1), call.out);  // too large
    CHECK(call.bridge.counters().malformed == 3);
    call.bridge.receive(socket_a, frame_bytes(call.bridge.stream_of(1), 1, 0, {0xF8, 1}), call.out);
    CHECK(frames_to(call.out, socket_b).size() == 1);
}

TEST_CASE("the held agent hears music on hold, the holder hears nothing and is not heard", "[media][server]") {
    media::BridgeLeg leg = agents_call(media::LegState::held);
    leg.held_by = media::Side::caller;  // agent 1 held agent 2
    TwoAgents call(leg);
    call.bridge.receive(socket_a, frame_bytes(call.bridge.stream_of(1), 1, 0, {0xF8, 1}), call.out);
    CHECK(call.out.frames.empty());
    for (int i = 0; i < 100; ++i) call.bridge.tick(call.out);
    CHECK(frames_to(call.out, socket_a).empty());
    const auto music = frames_to(call.out, socket_b);
    REQUIRE(music.size() == 100);
    CHECK(music[0].header.restart);
    CHECK(music[99].header.seq == music[0].header.seq + 99);
    const std::vector<float> pcm = decode_all(music);
    CHECK(ucs::audio::rms_dbfs(pcm) > -40.0);  // a melody, not silence
}

TEST_CASE("after ticks were missed the next generated frame says restart, and the music carries on where it was",
          "[media][server]") {
    media::BridgeLeg leg = agents_call(media::LegState::held);
    leg.held_by = media::Side::caller;
    TwoAgents stalled(leg);
    TwoAgents steady(leg);
    for (int i = 0; i < 10; ++i) {
        stalled.bridge.tick(stalled.out);
        steady.bridge.tick(steady.out);
    }
    // The shell's loop stalled: it skips the ticks it missed and says so.
    stalled.bridge.ticks_missed();
    for (int i = 0; i < 3; ++i) {
        stalled.bridge.tick(stalled.out);
        steady.bridge.tick(steady.out);
    }
    const auto after_stall = frames_to(stalled.out, socket_b);
    const auto uninterrupted = frames_to(steady.out, socket_b);
    REQUIRE(after_stall.size() == 13);
    REQUIRE(uninterrupted.size() == 13);
    CHECK_FALSE(after_stall[9].header.restart);
    CHECK(after_stall[10].header.restart);  // the bar times the stream afresh instead of hearing it late
    CHECK_FALSE(after_stall[11].header.restart);
    CHECK_FALSE(uninterrupted[10].header.restart);
    CHECK(after_stall[10].header.seq == after_stall[9].header.seq + 1);
    for (std::size_t i = 10; i < 13; ++i) {
        CHECK(std::vector<std::uint8_t>(after_stall[i].payload.begin(), after_stall[i].payload.end()) ==
              std::vector<std::uint8_t>(uninterrupted[i].payload.begin(), uninterrupted[i].payload.end()));
    }
}

TEST_CASE("a muted agent's far end gets silence frames every tick and none of the muted agent's audio", "[media][server]") {
    media::BridgeLeg leg = agents_call();
    leg.caller_muted = true;
    TwoAgents call(leg);
    call.bridge.receive(socket_a, frame_bytes(call.bridge.stream_of(1), 1, 0, {0xF8, 1}), call.out);
    CHECK(frames_to(call.out, socket_b).empty());
    for (int i = 0; i < 5; ++i) call.bridge.tick(call.out);
    const auto frames = frames_to(call.out, socket_b);
    REQUIRE(frames.size() == 5);
    for (const auto& frame : frames) CHECK(frame.header.silence);
}

TEST_CASE("a newer media socket of the agent replaces the older, which is closed with 4001", "[media][server]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    const std::uint16_t first = bridge.attach(1, socket_a, out);
    const std::uint16_t second = bridge.attach(1, socket_b, out);
    REQUIRE(out.closes.size() == 1);
    CHECK(out.closes[0] == std::pair<mb::MediaSocket, std::uint16_t>{socket_a, mb::close_replaced});
    CHECK(first != second);
    CHECK_FALSE(bridge.attached(socket_a));
    CHECK(bridge.attached(socket_b));
}

TEST_CASE("a simulated caller's tone reaches the agent's socket and decodes to its frequency", "[media][server]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    bridge.attach(1, socket_a, out);
    REQUIRE_FALSE(bridge.set_party_audio("call-2", ucs::server::PartyAudio{ucs::server::PartyAudio::Kind::tone, 440, ""}));
    bridge.set_legs({caller_call()});
    for (int i = 0; i < 50; ++i) bridge.tick(out);
    const auto frames = frames_to(out, socket_a);
    REQUIRE(frames.size() == 50);
    CHECK(frames[0].header.stream == bridge.stream_of(1));
    const std::vector<float> pcm = decode_all(frames);
    // Past the codec's start-up, a whole number of 440 Hz periods (0.5 s).
    const std::span<const float> steady = std::span(pcm).subspan(media::sample_rate / 4, media::sample_rate / 2);
    CHECK(media::tone_share(steady, media::sample_rate, 440) > 0.8);
}

TEST_CASE("a simulated caller keeps what the agent said, at 16 kHz, and silence while the agent is muted",
          "[media][server]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    const std::uint16_t stream = [&] {
        bridge.attach(1, socket_a, out);
        bridge.set_legs({caller_call()});
        return bridge.stream_of(1);
    }();
    auto encoder = media::Encoder::create();
    REQUIRE(encoder);
    for (std::uint32_t i = 0; i < 50; ++i) {
        std::vector<std::uint8_t> payload(media::max_payload_size);
        auto size = encoder->encode(tone_frame(1000, i), payload);
        REQUIRE(size);
        payload.resize(*size);
        bridge.receive(socket_a, frame_bytes(stream, i, i * 960, payload), out);
    }
    auto heard = bridge.heard("call-2");
    REQUIRE(heard);
    REQUIRE(heard->size() == 50 * 320);
    std::vector<float> pcm(heard->begin() + 4000, heard->begin() + 12000);  // 0.5 s, past the start
    for (float& sample : pcm) sample /= 32768.0F;
    CHECK(media::tone_share(pcm, mb::heard_rate, 1000) > 0.8);

    media::BridgeLeg muted = caller_call();
    muted.callee_muted = true;
    bridge.set_legs({muted});
    for (int i = 0; i < 10; ++i) bridge.tick(out);
    heard = bridge.heard("call-2");
    REQUIRE(heard->size() == 60 * 320);
    CHECK(std::all_of(heard->end() - 320, heard->end(), [](std::int16_t s) { return s == 0; }));
    CHECK_FALSE(bridge.heard("no-such-call"));
}

TEST_CASE("a simulated caller its agent holds hears music on hold; waiting in a queue it keeps nothing", "[media][server]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    bridge.attach(1, socket_a, out);
    media::BridgeLeg held = caller_call(media::LegState::held);
    held.held_by = media::Side::callee;  // the agent pressed hold
    media::BridgeLeg queued;
    queued.uniqueid = "call-3";
    queued.caller = media::Endpoint{"trunk:SIP/trunk-00000003", true};
    queued.state = media::LegState::waiting;
    bridge.set_legs({held, queued});
    for (int i = 0; i < 50; ++i) bridge.tick(out);
    CHECK(frames_to(out, socket_a).empty());  // the holder hears nothing

    auto heard = bridge.heard("call-2");
    REQUIRE(heard);
    REQUIRE(heard->size() == 50 * 320);
    std::vector<float> pcm(heard->begin(), heard->end());
    for (float& sample : pcm) sample /= 32768.0F;
    CHECK(ucs::audio::rms_dbfs(pcm) > -40.0);  // the melody, not silence
    const auto queued_heard = bridge.heard("call-3");
    REQUIRE(queued_heard);
    CHECK(queued_heard->empty());
}

TEST_CASE("a simulated caller decodes what it heard only when it is read, and each frame once", "[media][server]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    bridge.attach(1, socket_a, out);
    bridge.set_legs({caller_call()});
    const std::uint16_t stream = bridge.stream_of(1);
    auto encoder = media::Encoder::create();
    REQUIRE(encoder);
    auto send = [&](std::uint32_t from, std::uint32_t count) {
        for (std::uint32_t i = from; i < from + count; ++i) {
            std::vector<std::uint8_t> payload(media::max_payload_size);
            auto size = encoder->encode(tone_frame(1000, i), payload);
            REQUIRE(size);
            payload.resize(*size);
            bridge.receive(socket_a, frame_bytes(stream, i, i * 960, payload), out);
        }
    };
    send(0, 30);
    CHECK(bridge.counters().decoded == 0);  // kept as the frames came
    CHECK(bridge.heard_bytes() == 30 * 320 * sizeof(std::int16_t));
    REQUIRE(bridge.heard("call-2")->size() == 30 * 320);
    CHECK(bridge.counters().decoded == 30);
    send(30, 20);
    const auto heard = bridge.heard("call-2");
    REQUIRE(heard->size() == 50 * 320);
    CHECK(bridge.counters().decoded == 50);  // the first 30 were not decoded again
    // Decoded in two reads with one decoder, the audio runs on without a seam: the tone is there
    // across the frames where the second read began.
    std::vector<float> pcm(heard->begin() + 25 * 320, heard->begin() + 35 * 320);
    for (float& sample : pcm) sample /= 32768.0F;
    CHECK(media::tone_share(pcm, mb::heard_rate, 1000) > 0.8);
}

TEST_CASE("speech for a simulated party comes from the injected renderer, and its failure is reported", "[media][server]") {
    int renders = 0;
    mb::MediaBridge bridge([&](std::string_view text) -> ucs::Expected<std::vector<float>, std::string> {
        ++renders;
        if (text == "fail") return ucs::Unexpected(std::string("cannot"));
        return std::vector<float>(media::sample_rate / 2, 0.1F);
    });
    using Kind = ucs::server::PartyAudio::Kind;
    CHECK_FALSE(bridge.prepare_audio({Kind::say, 0, "hello"}));
    CHECK_FALSE(bridge.prepare_audio({Kind::say, 0, "hello"}));
    CHECK(renders == 1);  // cached per text
    const auto refused = bridge.prepare_audio({Kind::say, 0, "fail"});
    REQUIRE(refused);
    CHECK(refused->find("cannot") != std::string::npos);
    mb::MediaBridge mute_bridge;
    CHECK(mute_bridge.prepare_audio({Kind::say, 0, "hello"}));  // no renderer: refused, not a crash
}

TEST_CASE("a WAV file has a 44-byte RIFF header and the samples little-endian", "[media][server]") {
    const std::vector<std::int16_t> samples{0, 1, -1, 32767};
    const std::string wav = mb::wav_file(samples, 16000);
    REQUIRE(wav.size() == 44 + 8);
    CHECK(wav.substr(0, 4) == "RIFF");
    CHECK(wav.substr(8, 8) == "WAVEfmt ");
    CHECK(static_cast<unsigned char>(wav[24]) == 0x80);  // 16000 = 0x3E80
    CHECK(static_cast<unsigned char>(wav[25]) == 0x3E);
    CHECK(wav.substr(36, 4) == "data");
    CHECK(static_cast<unsigned char>(wav[46]) == 0x01);
    CHECK(static_cast<unsigned char>(wav[48]) == 0xFF);
    CHECK(static_cast<unsigned char>(wav[49]) == 0xFF);
}

// ---- the engine's calls through the bridge ---------------------------------------------------------

namespace {

namespace method = ucs::protocol::method;

int user_of(const media::Endpoint& endpoint) { return std::stoi(endpoint.id.substr(endpoint.id.find(':') + 1)); }

// Alice (agent1) called Bob (agent2) on his extension and Bob answered; both bars attached.
struct AgentsTalking {
    ucs::test::Harness h;
    ucs::test::Client& alice = h.connect();
    ucs::test::Client& bob = h.connect();
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    int alice_id = 0;
    int bob_id = 0;

    AgentsTalking() {
        alice.ready_agent("agent1", "101");
        bob.ready_agent("agent2", "102");
        alice.ok(method::dial, {{"number", "102"}});
        bob.ok(method::answer);
        const auto legs = h.engine().media_legs();
        REQUIRE(legs.size() == 1);
        REQUIRE(legs[0].callee);
        alice_id = user_of(legs[0].caller);
        bob_id = user_of(*legs[0].callee);
        bridge.attach(alice_id, socket_a, out);
        bridge.attach(bob_id, socket_b, out);
        refresh();
    }
    void refresh() { bridge.set_legs(h.engine().media_legs()); }
    void ticks(int count) {
        out = {};
        for (int i = 0; i < count; ++i) bridge.tick(out);
    }
};

}  // namespace

TEST_CASE_METHOD(AgentsTalking, "two agents in a new call each get a silence frame that announces their stream",
                 "[media][server]") {
    ticks(1);
    const auto to_alice = frames_to(out, socket_a);
    const auto to_bob = frames_to(out, socket_b);
    REQUIRE(to_alice.size() == 1);
    REQUIRE(to_bob.size() == 1);
    CHECK(to_alice[0].header.stream == bridge.stream_of(alice_id));
    CHECK(to_alice[0].header.silence);
    CHECK(to_alice[0].header.restart);
    // One announcement is enough: then Bob hears Alice's frames as she sends them, and nothing else.
    ticks(5);
    CHECK(out.frames.empty());
    bridge.receive(socket_a, frame_bytes(bridge.stream_of(alice_id), 0, 0, {0xF8, 1}), out);
    const auto forwarded = frames_to(out, socket_b);
    REQUIRE(forwarded.size() == 1);
    CHECK(forwarded[0].header.restart);  // from another origin than the announcement
    CHECK(forwarded[0].header.seq == to_bob[0].header.seq + 1);
}

TEST_CASE_METHOD(AgentsTalking, "every input moves the engine's input count and reading the calls does not, so the bridge "
                                 "re-reads them only after a change",
                 "[media][server]") {
    const std::uint64_t at_start = h.engine().inputs_taken();
    (void)h.engine().media_legs();
    (void)h.engine().recorded_calls();
    CHECK(h.engine().inputs_taken() == at_start);
    alice.ok(method::hold);  // a frame
    const std::uint64_t after_hold = h.engine().inputs_taken();
    CHECK(after_hold > at_start);
    h.tick_at(h.now() + 1);  // a timer
    CHECK(h.engine().inputs_taken() > after_hold);
    // What the bridge re-reads after the count moved is the changed call.
    const auto legs = h.engine().media_legs();
    REQUIRE(legs.size() == 1);
    CHECK(legs[0].state == media::LegState::held);
}

TEST_CASE_METHOD(AgentsTalking, "the engine's hold plays music to the held agent and nothing to the holder",
                 "[media][server]") {
    alice.ok(method::hold);
    refresh();
    ticks(50);
    CHECK(frames_to(out, socket_a).empty());
    const auto music = frames_to(out, socket_b);
    REQUIRE(music.size() == 50);
    CHECK(std::none_of(music.begin(), music.end(), [](const media::FrameView& f) { return f.header.silence; }));
    CHECK(ucs::audio::rms_dbfs(decode_all(music)) > -40.0);

    alice.ok(method::unhold);
    alice.ok(method::mute);
    refresh();
    bridge.receive(socket_a, frame_bytes(bridge.stream_of(alice_id), 0, 0, {0xF8, 1}), out);
    ticks(3);
    const auto muted = frames_to(out, socket_b);
    REQUIRE(muted.size() == 3);
    CHECK(std::all_of(muted.begin(), muted.end(), [](const media::FrameView& f) { return f.header.silence; }));
}
