// The bar's sounds, as PCM: the five ringtones (our own melodies) and the call progress tones.
#include "audio/tones.hpp"
#include "core/rules/catalog.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <span>
#include <vector>

using ucs::audio::Tone;

namespace {

constexpr std::array ringtones{Tone::ringtone_default, Tone::ringtone_christmas, Tone::ringtone_loving_you, Tone::ringtone_quest,
                               Tone::ringtone_rush};

// Power of one frequency in a block (Goertzel), relative to the block's total power.
double share_of(std::span<const float> block, int rate, double frequency) {
    const double w = 2 * std::numbers::pi * frequency / rate;
    double s1 = 0, s2 = 0, total = 0;
    for (float x : block) {
        const double s0 = x + 2 * std::cos(w) * s1 - s2;
        s2 = s1;
        s1 = s0;
        total += static_cast<double>(x) * x;
    }
    const double power = s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2;
    return total <= 0 ? 0 : power / (total * static_cast<double>(block.size()) / 2);
}

std::span<const float> seconds(const std::vector<float>& pcm, int rate, double from, double to) {
    const auto a = static_cast<std::size_t>(from * rate);
    const auto b = std::min(pcm.size(), static_cast<std::size_t>(to * rate));
    return std::span<const float>(pcm).subspan(a, b - a);
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
    const std::size_t n = std::min(a.size(), b.size());
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ab += static_cast<double>(a[i]) * b[i];
        aa += static_cast<double>(a[i]) * a[i];
        bb += static_cast<double>(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_CASE("the ringtones are the documented ringing sounds, by name, in the catalog's order", "[audio]") {
    for (std::size_t i = 0; i < ucs::ringing_sounds.size(); ++i) {
        INFO(ucs::ringing_sounds[i]);
        CHECK(ucs::audio::ringtone_named(ucs::ringing_sounds[i]) == ringtones[i]);
        CHECK(ucs::audio::tone_name(ringtones[i]) == ucs::ringing_sounds[i]);
    }
    CHECK_FALSE(ucs::audio::ringtone_named("jingle"));
}

TEST_CASE("each ringtone is one cycle of melody and pause, two to five seconds, at any sample rate", "[audio]") {
    for (Tone tone : ringtones) {
        for (int rate : {8'000, 44'100, 48'000}) {
            INFO(ucs::audio::tone_name(tone) << " at " << rate);
            const auto pcm = ucs::audio::render(tone, rate);
            CHECK(pcm.size() == static_cast<std::size_t>(std::llround(ucs::audio::cycle_seconds(tone) * rate)));
            CHECK(ucs::audio::cycle_seconds(tone) >= 2.0);
            CHECK(ucs::audio::cycle_seconds(tone) <= 5.0);
        }
    }
}

TEST_CASE("ringtones are clearly audible and never clip", "[audio]") {
    for (Tone tone : ringtones) {
        INFO(ucs::audio::tone_name(tone));
        const auto pcm = ucs::audio::render(tone, 48'000);
        CHECK(ucs::audio::peak(pcm) == Approx(0.5).epsilon(0.01));
        const double loudness = ucs::audio::rms_dbfs(pcm);
        CHECK(loudness > -30);
        CHECK(loudness < -8);
    }
}

TEST_CASE("the five ringtones are five different melodies", "[audio]") {
    for (std::size_t a = 0; a < ringtones.size(); ++a) {
        for (std::size_t b = a + 1; b < ringtones.size(); ++b) {
            INFO(ucs::audio::tone_name(ringtones[a]) << " vs " << ucs::audio::tone_name(ringtones[b]));
            CHECK(std::fabs(correlation(ucs::audio::render(ringtones[a], 16'000), ucs::audio::render(ringtones[b], 16'000))) < 0.5);
        }
    }
}

TEST_CASE("every tone starts and ends in silence, so repeating it does not click", "[audio]") {
    for (Tone tone : {Tone::ringtone_default, Tone::ringtone_christmas, Tone::ringtone_loving_you, Tone::ringtone_quest,
                      Tone::ringtone_rush, Tone::ringback, Tone::busy, Tone::unobtainable, Tone::music_on_hold}) {
        INFO(ucs::audio::tone_name(tone));
        const auto pcm = ucs::audio::render(tone, 44'100);
        REQUIRE(pcm.size() > 100);
        CHECK(std::fabs(pcm.front()) < 0.01);
        CHECK(std::fabs(pcm.back()) < 0.01);
    }
}

TEST_CASE("ringback is 425 Hz for one second in five", "[audio]") {
    const int rate = 16'000;
    const auto pcm = ucs::audio::render(Tone::ringback, rate);
    CHECK(share_of(seconds(pcm, rate, 0.1, 0.9), rate, 425) > 0.9);
    CHECK(ucs::audio::rms_dbfs(seconds(pcm, rate, 1.05, 4.95)) < -100);
}

TEST_CASE("busy is 425 Hz half a second on, half a second off", "[audio]") {
    const int rate = 16'000;
    const auto pcm = ucs::audio::render(Tone::busy, rate);
    CHECK(ucs::audio::cycle_seconds(Tone::busy) == 1.0);
    CHECK(share_of(seconds(pcm, rate, 0.05, 0.45), rate, 425) > 0.9);
    CHECK(ucs::audio::rms_dbfs(seconds(pcm, rate, 0.55, 0.95)) < -100);
}

TEST_CASE("number unobtainable is the rising three-tone signal, then silence", "[audio]") {
    const int rate = 16'000;
    const auto pcm = ucs::audio::render(Tone::unobtainable, rate);
    CHECK(share_of(seconds(pcm, rate, 0.02, 0.31), rate, 950) > 0.9);
    CHECK(share_of(seconds(pcm, rate, 0.35, 0.64), rate, 1400) > 0.9);
    CHECK(share_of(seconds(pcm, rate, 0.68, 0.97), rate, 1800) > 0.9);
    CHECK(ucs::audio::rms_dbfs(seconds(pcm, rate, 1.0, 1.95)) < -100);
}

TEST_CASE("music on hold is a calm melody of ten seconds or more, audible, unclipped and no ringtone", "[audio]") {
    const auto pcm = ucs::audio::render(Tone::music_on_hold, 48'000);
    CHECK(ucs::audio::cycle_seconds(Tone::music_on_hold) >= 10.0);
    CHECK(ucs::audio::peak(pcm) <= 0.51);
    CHECK(ucs::audio::rms_dbfs(pcm) > -30);
    CHECK_FALSE(ucs::audio::ringtone_named(ucs::audio::tone_name(Tone::music_on_hold)));  // not selectable as a ringtone
    for (Tone ringtone : ringtones) {
        INFO(ucs::audio::tone_name(ringtone));
        CHECK(std::fabs(correlation(ucs::audio::render(Tone::music_on_hold, 16'000), ucs::audio::render(ringtone, 16'000))) < 0.5);
    }
    // Never a second of silence inside the melody: a held caller must not think the line dropped.
    for (double at = 0; at + 1.0 <= ucs::audio::cycle_seconds(Tone::music_on_hold) - 0.5; at += 0.5) {
        INFO("at " << at << " s");
        CHECK(ucs::audio::rms_dbfs(seconds(pcm, 48'000, at, at + 1.0)) > -50);
    }
}
