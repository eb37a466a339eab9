// Opus through our RAII wrapper, natively (Debian's libopus) and in wasm (our wasm32 build): a tone
// survives encoding at its frequency, lost frames are concealed or rebuilt from FEC, and what is not a
// 20 ms Opus frame is refused as a value.
#include "media/opus_codec.hpp"
#include "media/tone_detector.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

using ucs::media::CodecError;
using ucs::media::Decoder;
using ucs::media::Encoder;
using ucs::media::frame_samples;

namespace {

using Pcm = std::array<float, frame_samples>;

// Frame `index` of a continuous tone at 48 kHz.
Pcm tone_frame(double frequency, std::size_t index, float amplitude = 0.3F) {
    Pcm pcm{};
    for (std::size_t i = 0; i < frame_samples; ++i) {
        const double t = static_cast<double>(index * frame_samples + i) / ucs::media::sample_rate;
        pcm[i] = amplitude * static_cast<float>(std::sin(2 * std::numbers::pi * frequency * t));
    }
    return pcm;
}

std::vector<std::uint8_t> encode(Encoder& encoder, const Pcm& pcm) {
    std::vector<std::uint8_t> payload(ucs::media::max_payload_size);
    const auto size = encoder.encode(pcm, payload);
    REQUIRE(size);
    payload.resize(*size);
    return payload;
}

double energy(const Pcm& pcm) {
    double sum = 0;
    for (const float x : pcm) sum += static_cast<double>(x) * x;
    return sum / frame_samples;
}

}  // namespace

TEST_CASE("a tone survives encoding and decoding at its frequency", "[media]") {
    auto encoder = Encoder::create();
    auto decoder = Decoder::create();
    REQUIRE(encoder);
    REQUIRE(decoder);
    ucs::media::Goertzel at_tone(1000, ucs::media::sample_rate);
    ucs::media::Goertzel beside(1300, ucs::media::sample_rate);
    for (std::size_t f = 0; f < 50; ++f) {
        const auto payload = encode(*encoder, tone_frame(1000, f));
        Pcm out{};
        const auto samples = decoder->decode(payload, out);
        REQUIRE(samples);
        CHECK(*samples == frame_samples);
        if (f >= 25) {  // past the codec's start-up
            at_tone.add(out);
            beside.add(out);
        }
    }
    CHECK(at_tone.share() > 0.9);
    CHECK(beside.share() < 0.01);
    CHECK(std::sqrt(at_tone.amplitude_squared()) == Approx(0.3).epsilon(0.2));  // about the same level
}

TEST_CASE("payload sizes fit 24 kbit/s, with room for FEC", "[media]") {
    auto encoder = Encoder::create();
    REQUIRE(encoder);
    std::size_t total = 0;
    std::size_t largest = 0;
    for (std::size_t f = 0; f < 100; ++f) {
        // A tone gliding up, so the codec has something to spend bits on.
        const auto payload = encode(*encoder, tone_frame(300 + 20.0 * static_cast<double>(f), f));
        total += payload.size();
        largest = std::max(largest, payload.size());
    }
    const double mean = static_cast<double>(total) / 100;
    INFO("mean " << mean << " bytes, largest " << largest);
    CHECK(mean > 30);  // 24 kbit/s is 60 bytes per 20 ms
    CHECK(mean < 90);
    CHECK(largest < 200);
}

TEST_CASE("even at the highest bitrate a payload fits the frame format's 1275 bytes", "[media]") {
    auto encoder = Encoder::create(ucs::media::EncoderSettings{.bitrate = 510000, .inband_fec = false});
    REQUIRE(encoder);
    std::uint32_t noise = 1;
    std::size_t largest = 0;
    for (std::size_t f = 0; f < 20; ++f) {
        Pcm pcm{};
        for (float& x : pcm) {
            noise = noise * 1664525U + 1013904223U;
            x = static_cast<float>(noise >> 8U) / static_cast<float>(1U << 24U) - 0.5F;
        }
        largest = std::max(largest, encode(*encoder, pcm).size());
    }
    CHECK(largest > 500);
    CHECK(largest <= ucs::media::max_payload_size);
}

TEST_CASE("silence encodes to fewer bytes than sound", "[media]") {
    auto encoder = Encoder::create();
    REQUIRE(encoder);
    const Pcm quiet{};
    std::size_t last = 0;
    for (int f = 0; f < 20; ++f) last = encode(*encoder, quiet).size();
    std::size_t sound = 0;
    for (std::size_t f = 0; f < 20; ++f) sound = encode(*encoder, tone_frame(500, f)).size();
    INFO("silence " << last << " bytes, a tone " << sound << " bytes");
    CHECK(last * 2 < sound);
}

TEST_CASE("a lost frame is concealed with sound like the tone, and long loss fades out", "[media]") {
    auto encoder = Encoder::create();
    auto decoder = Decoder::create();
    REQUIRE(encoder);
    REQUIRE(decoder);
    Pcm out{};
    for (std::size_t f = 0; f < 30; ++f) REQUIRE(decoder->decode(encode(*encoder, tone_frame(1000, f)), out));
    const double before = energy(out);
    REQUIRE(decoder->conceal(out));
    CHECK(energy(out) > before / 10);
    CHECK(ucs::media::tone_share(out, ucs::media::sample_rate, 1000) > 0.5);
    for (int f = 0; f < 15; ++f) REQUIRE(decoder->conceal(out));
    CHECK(energy(out) < before / 100);  // 300 ms into a gap PLC has faded
}

TEST_CASE("in-band FEC rebuilds a lost frame from the one after it", "[media]") {
    auto encoder = Encoder::create(ucs::media::EncoderSettings{.inband_fec = true, .expected_loss_percent = 20});
    auto decoder = Decoder::create();
    REQUIRE(encoder);
    REQUIRE(decoder);
    std::vector<std::vector<std::uint8_t>> payloads;
    for (std::size_t f = 0; f < 40; ++f) payloads.push_back(encode(*encoder, tone_frame(600, f)));
    Pcm out{};
    for (std::size_t f = 0; f < 30; ++f) REQUIRE(decoder->decode(payloads[f], out));
    // Frame 30 is lost; 31 is here and carries 30's redundancy.
    REQUIRE(decoder->recover(payloads[31], out));
    CHECK(ucs::media::tone_share(out, ucs::media::sample_rate, 600) > 0.5);
    CHECK(energy(out) > 0.3 * 0.3 / 2 / 10);
    REQUIRE(decoder->decode(payloads[31], out));
    CHECK(ucs::media::tone_share(out, ucs::media::sample_rate, 600) > 0.5);
}

TEST_CASE("recovering without a next frame conceals instead", "[media]") {
    auto decoder = Decoder::create();
    REQUIRE(decoder);
    Pcm out{};
    const auto samples = decoder->recover({}, out);
    REQUIRE(samples);
    CHECK(*samples == frame_samples);
}

TEST_CASE("what is not a 20 ms Opus frame is refused as a value", "[media]") {
    auto decoder = Decoder::create();
    REQUIRE(decoder);
    Pcm out{};
    CHECK(decoder->decode({}, out).error() == CodecError::invalid_packet);
    // TOC config 0 is SILK narrowband 10 ms: valid Opus, but not our 20 ms frame.
    const std::vector<std::uint8_t> ten_ms{0x00, 0x01, 0x02};
    CHECK(decoder->decode(ten_ms, out).error() == CodecError::invalid_packet);
    // Code 3 with a frame count of 0 is malformed (RFC 6716 3.2.5).
    const std::vector<std::uint8_t> malformed{0x0B, 0x00};
    CHECK_FALSE(decoder->decode(malformed, out));
    // The decoder still works afterwards.
    auto encoder = Encoder::create();
    REQUIRE(encoder);
    CHECK(decoder->decode(encode(*encoder, tone_frame(440, 0)), out));
}

TEST_CASE("encoder settings out of range are errors, not crashes", "[media]") {
    CHECK(Encoder::create(ucs::media::EncoderSettings{.complexity = 11}).error() == CodecError::bad_argument);
    CHECK(Encoder::create(ucs::media::EncoderSettings{.expected_loss_percent = 101}).error() ==
          CodecError::bad_argument);
    auto encoder = Encoder::create();
    REQUIRE(encoder);
    CHECK(encoder->set_bitrate(0).error() == CodecError::bad_argument);
    CHECK(*encoder->set_bitrate(32000) == 32000);
    std::vector<std::uint8_t> none;
    CHECK(encoder->encode(tone_frame(440, 0), none).error() == CodecError::buffer_too_small);
}

TEST_CASE("every codec error has a message", "[media]") {
    for (const auto error : {CodecError::bad_argument, CodecError::buffer_too_small, CodecError::internal_error,
                             CodecError::invalid_packet, CodecError::unimplemented, CodecError::invalid_state,
                             CodecError::out_of_memory}) {
        CHECK(ucs::media::to_string(error).starts_with("opus: "));
    }
}
