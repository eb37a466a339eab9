#pragma once
// The bar's own sounds, synthesised here (no audio files to fetch): the five documented ringtones,
// each a short original melody written down as notes, and the call progress tones a softphone
// plays (ringback, busy, number unobtainable). render() gives one cycle as mono float PCM at the
// AudioContext's rate; the bindings only copy it into an AudioBuffer and loop or repeat it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ucs::audio {

enum class Tone : std::uint8_t {
    // Ringtones, in the order of core/rules/catalog.hpp's ringing_sounds.
    ringtone_default,
    ringtone_christmas,
    ringtone_loving_you,
    ringtone_quest,
    ringtone_rush,
    // Call progress (ETSI EG 201 188 / ITU-T E.180 values used in Europe).
    ringback,      // the far end is ringing: 425 Hz, 1 s on, 4 s off
    busy,          // 425 Hz, 0.5 s on, 0.5 s off
    unobtainable,  // special information tone: 950, 1400, 1800 Hz, 330 ms each, then 1 s silence
    // What a held party hears from ucsd's media bridge: a calm original melody.
    music_on_hold,
};

// The ringtone of a documented ringingSound name ("lovingYou"), if it is one (never music on hold).
std::optional<Tone> ringtone_named(std::string_view name);
std::string_view tone_name(Tone tone);

// Seconds one cycle of the tone lasts (a melody with its pause; a cadence).
double cycle_seconds(Tone tone);

// One cycle as mono samples in [-1, 1] at `sample_rate` (8 kHz .. 192 kHz). Starts and ends at
// silence, so repeating it does not click.
std::vector<float> render(Tone tone, int sample_rate);

// Loudness of samples in dB relative to full scale (RMS); -inf dB is returned as -200.
double rms_dbfs(std::span<const float> samples);
double peak(std::span<const float> samples);

}  // namespace ucs::audio
