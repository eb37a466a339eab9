// Sample-rate conversion and 20 ms framing: a tone keeps its frequency and level, the counts come out
// exact over a long run whatever the block sizes, and what lies above the lower Nyquist frequency
// does not fold back.
#include "media/framing.hpp"
#include "media/resampler.hpp"
#include "media/tone_detector.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

using ucs::media::FrameAssembler;
using ucs::media::FrameSplitter;
using ucs::media::Resampler;

namespace {

std::vector<float> tone(double frequency, int rate, std::size_t samples, float amplitude = 0.5F) {
    std::vector<float> out(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        out[i] =
            amplitude * static_cast<float>(std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / rate));
    }
    return out;
}

double rms(std::span<const float> x) {
    double sum = 0;
    for (const float v : x) sum += static_cast<double>(v) * v;
    return x.empty() ? 0 : std::sqrt(sum / static_cast<double>(x.size()));
}

// Feeds `in` in blocks of random sizes (1..max_block), as a device or a network would.
std::vector<float> resample_in_blocks(Resampler& r, const std::vector<float>& in, std::size_t max_block,
                                      unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<float> out;
    std::vector<float> block_out;
    std::size_t at = 0;
    while (at < in.size()) {
        const std::size_t n = std::min<std::size_t>(in.size() - at, 1 + rng() % max_block);
        block_out.resize(r.output_size(n));
        const std::size_t produced = r.process(std::span<const float>(in).subspan(at, n), block_out);
        REQUIRE(produced == block_out.size());
        out.insert(out.end(), block_out.begin(), block_out.end());
        at += n;
    }
    return out;
}

std::size_t exact_count(std::size_t in, int in_rate, int out_rate) {
    // ceil(in * out / in_rate), the documented long-run count.
    const auto num = static_cast<std::uint64_t>(in) * static_cast<std::uint64_t>(out_rate);
    return static_cast<std::size_t>((num + static_cast<std::uint64_t>(in_rate) - 1) /
                                    static_cast<std::uint64_t>(in_rate));
}

void check_tone_and_count(int in_rate, int out_rate, double frequency) {
    INFO(in_rate << " Hz -> " << out_rate << " Hz, a " << frequency << " Hz tone");
    auto r = Resampler::create(in_rate, out_rate);
    REQUIRE(r);
    const std::size_t seconds = 20;
    const auto in = tone(frequency, in_rate, seconds * static_cast<std::size_t>(in_rate));
    const auto out = resample_in_blocks(*r, in, 700, 3);
    CHECK(out.size() == exact_count(in.size(), in_rate, out_rate));
    CHECK(out.size() == seconds * static_cast<std::size_t>(out_rate));  // not one sample of drift in 20 s
    // The last second: the tone at its frequency and level, nothing else to speak of.
    const auto last = std::span<const float>(out).last(static_cast<std::size_t>(out_rate));
    CHECK(ucs::media::tone_share(last, out_rate, frequency) > 0.999);
    CHECK(ucs::media::tone_share(last, out_rate, frequency * 1.1) < 0.01);
    CHECK(rms(last) == Approx(0.5 / std::sqrt(2)).epsilon(0.01));
}

}  // namespace

TEST_CASE("44.1 kHz to 48 kHz keeps a tone's frequency and level and the exact sample count", "[media]") {
    check_tone_and_count(44100, 48000, 1000);
    check_tone_and_count(44100, 48000, 3150);
}

TEST_CASE("48 kHz to 44.1 kHz keeps a tone's frequency and level and the exact sample count", "[media]") {
    check_tone_and_count(48000, 44100, 1000);
    check_tone_and_count(48000, 44100, 6000);
}

TEST_CASE("16 kHz to 48 kHz keeps a tone's frequency and level and the exact sample count", "[media]") {
    check_tone_and_count(16000, 48000, 1000);
    check_tone_and_count(16000, 48000, 5000);
}

TEST_CASE("rates with many phases (11025 Hz) and the extremes (8 and 192 kHz) convert as well", "[media]") {
    check_tone_and_count(11025, 48000, 440);
    check_tone_and_count(48000, 11025, 440);
    check_tone_and_count(8000, 48000, 1000);
    check_tone_and_count(192000, 48000, 1000);
}

TEST_CASE("block sizes change nothing: one block or many give the same samples", "[media]") {
    const auto in = tone(1234, 44100, 44100);
    auto whole = Resampler::create(44100, 48000);
    auto pieces = Resampler::create(44100, 48000);
    REQUIRE(whole);
    REQUIRE(pieces);
    std::vector<float> one(whole->output_size(in.size()));
    one.resize(whole->process(in, one));
    CHECK(resample_in_blocks(*pieces, in, 130, 9) == one);
    // And after reset() the same input gives the same output again.
    pieces->reset();
    CHECK(resample_in_blocks(*pieces, in, 1000, 10) == one);
}

TEST_CASE("a tone above the lower rate's Nyquist frequency does not fold back", "[media]") {
    auto down = Resampler::create(48000, 16000);
    REQUIRE(down);
    const auto in = tone(10000, 48000, 48000);  // 2 kHz above 8 kHz: would alias to 6 kHz
    std::vector<float> out(down->output_size(in.size()));
    down->process(in, out);
    const auto last = std::span<const float>(out).last(8000);
    CHECK(20 * std::log10(rms(last) / (0.5 / std::sqrt(2))) < -60);
}

TEST_CASE("a constant stays the same constant through any conversion", "[media]") {
    for (const int rate : {8000, 16000, 22050, 44100, 96000}) {
        auto r = Resampler::create(rate, 48000);
        REQUIRE(r);
        const std::vector<float> in(static_cast<std::size_t>(rate) / 10, 0.25F);
        std::vector<float> out(r->output_size(in.size()));
        r->process(in, out);
        for (std::size_t i = out.size() / 2; i < out.size(); ++i) CHECK(out[i] == Approx(0.25).margin(1e-5));
    }
}

TEST_CASE("equal rates pass samples through untouched", "[media]") {
    auto r = Resampler::create(48000, 48000);
    REQUIRE(r);
    const auto in = tone(700, 48000, 1000);
    std::vector<float> out(r->output_size(in.size()));
    CHECK(r->process(in, out) == in.size());
    CHECK(out == in);
    CHECK(r->delay_seconds() == 0);
}

TEST_CASE("rates outside 8 to 192 kHz are refused", "[media]") {
    CHECK(Resampler::create(7999, 48000).error() == ucs::media::ResamplerError::unsupported_rate);
    CHECK(Resampler::create(48000, 192001).error() == ucs::media::ResamplerError::unsupported_rate);
    CHECK(Resampler::create(0, 48000).error() == ucs::media::ResamplerError::unsupported_rate);
    CHECK_FALSE(FrameAssembler::create(4000));
    CHECK_FALSE(FrameSplitter::create(-1));
    CHECK(Resampler::create(8000, 192000));
}

TEST_CASE("the filter delays the signal by a few samples only", "[media]") {
    for (const int rate : {16000, 44100, 48000 * 2}) {
        auto r = Resampler::create(rate, 48000);
        REQUIRE(r);
        CHECK(r->delay_seconds() < 0.003);
    }
}

TEST_CASE("capture blocks of 128 samples at 44.1 kHz become exact 20 ms frames at 48 kHz", "[media]") {
    auto assembler = FrameAssembler::create(44100);
    REQUIRE(assembler);
    const auto in = tone(1000, 44100, 44100 * 10);
    std::vector<float> frames;
    std::size_t count = 0;
    for (std::size_t at = 0; at < in.size(); at += 128) {
        const auto block = std::span<const float>(in).subspan(at, std::min<std::size_t>(128, in.size() - at));
        assembler->push(block, [&](std::span<const float, ucs::media::frame_samples> frame) {
            frames.insert(frames.end(), frame.begin(), frame.end());
            ++count;
        });
    }
    // 10 s at 48 kHz is exactly 500 frames, nothing left over.
    CHECK(count == 500);
    CHECK(assembler->pending() == 0);
    const auto last = std::span<const float>(frames).last(48000);
    CHECK(ucs::media::tone_share(last, 48000, 1000) > 0.999);
}

TEST_CASE("odd block sizes at any rate still give whole frames and keep the count", "[media]") {
    for (const int rate : {8000, 22050, 48000, 192000}) {
        INFO(rate);
        auto assembler = FrameAssembler::create(rate);
        REQUIRE(assembler);
        const auto in = tone(500, rate, static_cast<std::size_t>(rate) * 3 + 77);
        std::mt19937 rng(5);
        std::size_t count = 0;
        std::size_t at = 0;
        while (at < in.size()) {
            const std::size_t n = std::min<std::size_t>(in.size() - at, 1 + rng() % 5000);
            assembler->push(std::span<const float>(in).subspan(at, n), [&](auto) { ++count; });
            at += n;
        }
        CHECK(count * ucs::media::frame_samples + assembler->pending() == exact_count(in.size(), rate, 48000));
    }
}

TEST_CASE("decoded frames become device blocks at 44.1 kHz with the exact count", "[media]") {
    auto splitter = FrameSplitter::create(44100);
    REQUIRE(splitter);
    const auto source = tone(1000, 48000, 48000 * 10);
    std::vector<float> played;
    std::size_t next_frame = 0;
    std::vector<float> block(128);
    // The worklet's loop: a 128-sample block per call, a frame pushed whenever too few are left.
    while (next_frame < 500 || splitter->available() > 0) {
        while (splitter->available() < block.size() && next_frame < 500) {
            REQUIRE(splitter->wants_frame());
            CHECK(splitter->push_frame(std::span<const float, ucs::media::frame_samples>(
                source.data() + next_frame * ucs::media::frame_samples, ucs::media::frame_samples)));
            ++next_frame;
        }
        const std::size_t n = splitter->pull(block);
        played.insert(played.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    }
    CHECK(played.size() == 441000);
    CHECK(ucs::media::tone_share(std::span<const float>(played).last(44100), 44100, 1000) > 0.999);
}

TEST_CASE("the playback buffer refuses a frame it has no room for", "[media]") {
    auto splitter = FrameSplitter::create(48000);
    REQUIRE(splitter);
    const std::vector<float> frame(ucs::media::frame_samples, 0.1F);
    const std::span<const float, ucs::media::frame_samples> view(frame.data(), ucs::media::frame_samples);
    CHECK(splitter->push_frame(view));
    CHECK(splitter->push_frame(view));
    CHECK_FALSE(splitter->wants_frame());
    CHECK_FALSE(splitter->push_frame(view));
    CHECK(splitter->available() == 2 * ucs::media::frame_samples);
}

TEST_CASE("the tone detector tells a tone from its neighbours, from noise and from silence", "[media]") {
    const auto a = tone(1000, 48000, 4800, 0.3F);
    CHECK(ucs::media::tone_share(a, 48000, 1000) > 0.99);
    CHECK(ucs::media::tone_share(a, 48000, 1200) < 0.01);
    ucs::media::Goertzel g(1000, 48000);
    g.add(a);
    CHECK(g.amplitude_squared() == Approx(0.09).epsilon(0.01));
    std::mt19937 rng(1);
    std::vector<float> noise(4800);
    for (float& x : noise) x = static_cast<float>(rng() % 2001) / 1000.0F - 1.0F;
    CHECK(ucs::media::tone_share(noise, 48000, 1000) < 0.01);
    CHECK(ucs::media::tone_share(std::vector<float>(4800, 0.0F), 48000, 1000) == 0);
}
