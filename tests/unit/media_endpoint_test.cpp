// The bar's end of the media socket (src/media/endpoint.hpp), as the AudioWorklet's wasm uses it:
// the sender numbers frames per stream, follows ucsd's streams, restarts after gaps and sends silence
// frames while muted; the receiver plays what a sender captured, at the device's rate.
#include "media/endpoint.hpp"
#include "media/tone_detector.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

using ucs::media::FrameHeader;
using ucs::media::MediaReceiver;
using ucs::media::MediaSender;

namespace {

constexpr int device_rate = 44100;  // headless Chromium's AudioContext
constexpr std::size_t block = 128;  // one AudioWorklet render quantum

struct Sent {
    FrameHeader header;
    std::size_t payload = 0;
    std::vector<std::uint8_t> bytes;
};

// A continuous tone in device blocks.
class ToneSource {
public:
    ToneSource(double frequency, float amplitude) : frequency_(frequency), amplitude_(amplitude) {}
    std::vector<float> next(std::size_t n) {
        std::vector<float> out(n);
        for (auto& sample : out) {
            sample = amplitude_ * static_cast<float>(std::sin(2 * std::numbers::pi * frequency_ * static_cast<double>(t_++) / device_rate));
        }
        return out;
    }

private:
    double frequency_;
    float amplitude_;
    std::int64_t t_ = 0;
};

MediaSender make_sender() {
    auto sender = MediaSender::create(device_rate);
    REQUIRE(sender);
    return std::move(sender).value();
}

MediaReceiver make_receiver() {
    auto receiver = MediaReceiver::create(device_rate);
    REQUIRE(receiver);
    return std::move(receiver).value();
}

// Captures `ms` of a tone (or silence with amplitude 0) and returns the frames sent.
std::vector<Sent> capture(MediaSender& sender, ToneSource& source, int ms) {
    std::vector<Sent> sent;
    const auto samples = static_cast<std::size_t>(device_rate) * static_cast<std::size_t>(ms) / 1000;
    for (std::size_t done = 0; done < samples; done += block) {
        const auto pcm = source.next(block);
        sender.capture(pcm, [&](std::span<const std::uint8_t> bytes) {
            const auto frame = ucs::media::parse_frame(bytes);
            REQUIRE(frame);
            sent.push_back({frame->header, frame->payload.size(), {bytes.begin(), bytes.end()}});
        });
    }
    return sent;
}

}  // namespace

TEST_CASE("the sender sends nothing before the attach answer", "[media][endpoint]") {
    auto sender = make_sender();
    ToneSource tone(1000, 0.3F);
    CHECK(capture(sender, tone, 100).empty());
}

TEST_CASE("the sender numbers frames from 0 on the answer's stream, restart on the first only", "[media][endpoint]") {
    auto sender = make_sender();
    ToneSource tone(1000, 0.3F);
    sender.attach(7);
    const auto sent = capture(sender, tone, 200);
    REQUIRE(sent.size() >= 9);  // 200 ms at 44.1 kHz in 128-sample blocks: 9 or 10 frames
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CHECK(sent[i].header.stream == 7);
        CHECK(sent[i].header.seq == i);
        CHECK(sent[i].header.restart == (i == 0));
        CHECK_FALSE(sent[i].header.silence);
        CHECK(sent[i].payload > 0);
        if (i > 0) CHECK(sent[i].header.timestamp - sent[i - 1].header.timestamp == ucs::media::timestamp_step);
    }
}

TEST_CASE("the sender follows a new stream from seq 0 with restart, and ignores its current one", "[media][endpoint]") {
    auto sender = make_sender();
    ToneSource tone(1000, 0.3F);
    sender.attach(3);
    capture(sender, tone, 100);
    sender.follow(3);
    auto same = capture(sender, tone, 40);
    REQUIRE_FALSE(same.empty());
    CHECK(same.front().header.stream == 3);
    CHECK(same.front().header.seq > 0);
    CHECK_FALSE(same.front().header.restart);

    sender.follow(4);
    const auto moved = capture(sender, tone, 60);
    REQUIRE(moved.size() >= 2);
    CHECK(moved[0].header.stream == 4);
    CHECK(moved[0].header.seq == 0);
    CHECK(moved[0].header.restart);
    CHECK(moved[1].header.seq == 1);
    CHECK_FALSE(moved[1].header.restart);
    CHECK(sender.stats().streams == 2);
}

TEST_CASE("muted, the sender sends silence frames every 20 ms without losing a seq", "[media][endpoint]") {
    auto sender = make_sender();
    ToneSource tone(1000, 0.3F);
    sender.attach(1);
    const auto before = capture(sender, tone, 60);
    sender.set_muted(true);
    const auto muted = capture(sender, tone, 100);
    sender.set_muted(false);
    const auto after = capture(sender, tone, 60);
    REQUIRE(muted.size() >= 4);
    for (const auto& frame : muted) {
        CHECK(frame.header.silence);
        CHECK(frame.payload == 0);
        CHECK(frame.bytes.size() == ucs::media::frame_header_size);
    }
    CHECK(muted.front().header.seq == before.back().header.seq + 1);
    REQUIRE_FALSE(after.empty());
    CHECK_FALSE(after.front().header.silence);
    CHECK(after.front().header.seq == muted.back().header.seq + 1);
    CHECK(sender.stats().silence == muted.size());
}

TEST_CASE("after a pause or a new attach the next frame says restart", "[media][endpoint]") {
    auto sender = make_sender();
    ToneSource tone(1000, 0.3F);
    sender.attach(1);
    const auto first = capture(sender, tone, 60);
    sender.pause();
    const auto resumed = capture(sender, tone, 60);
    REQUIRE_FALSE(resumed.empty());
    CHECK(resumed.front().header.restart);
    CHECK(resumed.front().header.seq == first.back().header.seq + 1);  // same stream: numbering goes on

    sender.detach();
    CHECK(capture(sender, tone, 60).empty());
    sender.attach(9);
    const auto again = capture(sender, tone, 60);
    REQUIRE_FALSE(again.empty());
    CHECK(again.front().header.stream == 9);
    CHECK(again.front().header.seq == 0);
    CHECK(again.front().header.restart);
}

TEST_CASE("a tone captured by one end is played by the other at its frequency", "[media][endpoint]") {
    auto sender = make_sender();
    auto receiver = make_receiver();
    ToneSource tone(1000, 0.3F);
    sender.attach(5);
    std::vector<float> played;
    std::int64_t now_ms = 0;
    // 600 ms in render quanta: every frame arrives as it is captured (a perfect network).
    for (std::int64_t t = 0; t < device_rate * 6 / 10; t += block) {
        now_ms = t * 1000 / device_rate;
        sender.capture(tone.next(block), [&](std::span<const std::uint8_t> bytes) {
            CHECK(receiver.receive(bytes, now_ms) == std::optional<std::uint16_t>(5));
        });
        std::vector<float> out(block);
        receiver.render(out, now_ms);
        played.insert(played.end(), out.begin(), out.end());
    }
    // The last 200 ms: the 1 kHz tone dominates, 440 Hz is absent.
    const std::span<const float> tail(played.data() + played.size() - device_rate / 5, device_rate / 5);
    CHECK(ucs::media::tone_share(tail, device_rate, 1000) > 0.8);
    CHECK(ucs::media::tone_share(tail, device_rate, 440) < 0.05);
    CHECK(receiver.jitter().played > 10);
}

TEST_CASE("silence frames play as silence, and nothing received plays as silence", "[media][endpoint]") {
    auto sender = make_sender();
    auto receiver = make_receiver();
    ToneSource tone(1000, 0.3F);
    sender.attach(2);
    sender.set_muted(true);
    std::vector<float> out(block);
    float loudest = 0;
    for (std::int64_t t = 0; t < device_rate / 2; t += block) {
        const std::int64_t now_ms = t * 1000 / device_rate;
        sender.capture(tone.next(block), [&](std::span<const std::uint8_t> bytes) { receiver.receive(bytes, now_ms); });
        receiver.render(out, now_ms);
        for (float s : out) loudest = std::max(loudest, std::abs(s));
    }
    CHECK(loudest == 0.0F);
    CHECK(receiver.jitter().silence > 10);

    auto idle = make_receiver();
    std::vector<float> quiet(block, 1.0F);
    idle.render(quiet, 0);
    CHECK(std::all_of(quiet.begin(), quiet.end(), [](float s) { return s == 0.0F; }));
}

TEST_CASE("bytes that are not a frame are counted and not followed", "[media][endpoint]") {
    auto receiver = make_receiver();
    const std::vector<std::uint8_t> junk{1, 2, 3};
    CHECK_FALSE(receiver.receive(junk, 0));
    CHECK(receiver.stats().invalid == 1);
}

TEST_CASE("a straggler of a stream the receiver left is not followed", "[media][endpoint]") {
    auto receiver = make_receiver();
    const std::vector<std::uint8_t> payload{0xF8, 0xFF, 0xFE};
    auto frame = [&](std::uint16_t stream, std::uint32_t seq, bool restart) {
        auto bytes = ucs::media::encode_frame(FrameHeader{.restart = restart, .stream = stream, .seq = seq}, payload);
        REQUIRE(bytes);
        return std::move(bytes).value();
    };
    CHECK(receiver.receive(frame(1, 0, true), 0) == std::optional<std::uint16_t>(1));
    CHECK(receiver.receive(frame(2, 0, true), 20) == std::optional<std::uint16_t>(2));
    CHECK_FALSE(receiver.receive(frame(1, 1, false), 40));
}

TEST_CASE("a device rate the resampler does not take is an error value", "[media][endpoint]") {
    CHECK(MediaSender::create(4000).error() == ucs::media::EndpointError::unsupported_rate);
    CHECK(MediaReceiver::create(400000).error() == ucs::media::EndpointError::unsupported_rate);
}
