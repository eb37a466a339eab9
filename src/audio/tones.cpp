#include "audio/tones.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace ucs::audio {

namespace {

constexpr float rest = -1;

// A note: MIDI pitch (69 = A4 = 440 Hz) or a rest, and its length in sixteenths.
struct Note {
    float pitch;
    int sixteenths;
};

// How an instrument sounds: partials (multiples of the note's frequency with their amplitudes)
// and an envelope (a short attack, then an exponential decay).
struct Voice {
    std::array<float, 4> multiples;
    std::array<float, 4> amplitudes;
    double attack_seconds;
    double decay_per_second;
};

struct Melody {
    Tone tone;
    std::string_view name;  // the documented ringingSound
    int beats_per_minute;
    Voice voice;
    std::span<const Note> notes;
    double pause_seconds;  // silence before the melody comes round again
};

// Our own melodies (written for this product, not taken from any recording or song).
constexpr Voice bell{{1, 2, 3, 4.2F}, {1, 0.5F, 0.25F, 0.12F}, 0.004, 3.0};
constexpr Voice sleigh{{1, 2, 3, 5}, {1, 0.3F, 0.55F, 0.2F}, 0.003, 4.5};
constexpr Voice warm{{1, 2, 3, 4}, {1, 0.4F, 0.1F, 0.05F}, 0.03, 1.2};
constexpr Voice square_ish{{1, 3, 5, 7}, {1, 0.33F, 0.2F, 0.14F}, 0.006, 2.0};
constexpr Voice pluck{{1, 2, 3, 4}, {1, 0.6F, 0.4F, 0.3F}, 0.002, 7.0};

// A rising C major arpeggio answered by itself: a bright, plain office ring.
constexpr std::array default_notes{Note{76, 2}, Note{79, 2}, Note{84, 2}, Note{79, 2}, Note{76, 2}, Note{79, 2}, Note{84, 4}, Note{rest, 4}};
// A G major phrase with bells on the off-beats, festive without borrowing a carol.
constexpr std::array christmas_notes{Note{74, 2}, Note{79, 1}, Note{79, 1}, Note{81, 2}, Note{83, 2}, Note{79, 2},
                                     Note{76, 2}, Note{81, 1}, Note{81, 1}, Note{83, 2}, Note{84, 2}, Note{81, 2},
                                     Note{86, 2}, Note{83, 2}, Note{79, 2}, Note{81, 2}, Note{79, 6}, Note{rest, 2}};
// A slow F major line that rises and settles: soft enough for a quiet office.
constexpr std::array loving_you_notes{Note{69, 3}, Note{72, 1}, Note{77, 4}, Note{76, 2}, Note{74, 2},
                                      Note{72, 4}, Note{69, 2}, Note{70, 2}, Note{72, 6}, Note{rest, 2}};
// A D minor arpeggio that climbs and runs back down: a call to adventure.
constexpr std::array quest_notes{Note{74, 2}, Note{77, 2}, Note{81, 2}, Note{86, 4}, Note{84, 2}, Note{81, 2},
                                 Note{82, 2}, Note{81, 2}, Note{79, 2}, Note{77, 2}, Note{76, 2}, Note{74, 6}, Note{rest, 2}};
// Sixteenth-note runs in E major: urgent, for a busy line.
constexpr std::array rush_notes{Note{76, 1}, Note{80, 1}, Note{83, 1}, Note{88, 1}, Note{83, 1}, Note{80, 1},
                                Note{76, 1}, Note{80, 1}, Note{83, 1}, Note{88, 1}, Note{90, 1}, Note{88, 1},
                                Note{88, 2}, Note{rest, 2}, Note{88, 1}, Note{88, 1}, Note{rest, 2}};
// A slow C major walk through I-vi-IV-V and home, in long notes: calm to wait on, not a tune anyone
// hums back.
constexpr std::array hold_notes{Note{72, 4}, Note{76, 4}, Note{79, 8}, Note{69, 4}, Note{72, 4}, Note{76, 8},
                                Note{65, 4}, Note{69, 4}, Note{72, 8}, Note{67, 4}, Note{71, 4}, Note{74, 4},
                                Note{72, 4}, Note{64, 4}, Note{67, 4}, Note{72, 12}, Note{rest, 4}};

constexpr std::array melodies{
    Melody{Tone::ringtone_default, "default", 120, bell, default_notes, 1.5},
    Melody{Tone::ringtone_christmas, "christmas", 144, sleigh, christmas_notes, 0.8},
    Melody{Tone::ringtone_loving_you, "lovingYou", 104, warm, loving_you_notes, 0.6},
    Melody{Tone::ringtone_quest, "quest", 140, square_ish, quest_notes, 1.2},
    Melody{Tone::ringtone_rush, "rush", 176, pluck, rush_notes, 0.8},
    Melody{Tone::music_on_hold, "musicOnHold", 84, warm, hold_notes, 0.0},
};

const Melody* melody_of(Tone tone) {
    const auto it = std::find_if(melodies.begin(), melodies.end(), [&](const Melody& m) { return m.tone == tone; });
    return it == melodies.end() ? nullptr : &*it;
}

double sixteenth_seconds(const Melody& m) { return 60.0 / m.beats_per_minute / 4.0; }

double melody_seconds(const Melody& m) {
    int sixteenths = 0;
    for (const Note& n : m.notes) sixteenths += n.sixteenths;
    return sixteenths * sixteenth_seconds(m) + m.pause_seconds;
}

constexpr double ramp_seconds = 0.008;  // fades at every start and stop: no clicks
constexpr float melody_peak = 0.5F;     // -6 dBFS: loud enough to hear, room for the speaker
constexpr float progress_level = 0.25F;  // call progress tones are quieter than a ringtone

std::size_t samples_for(double seconds, int rate) { return static_cast<std::size_t>(std::llround(seconds * rate)); }

// Adds one note into `out` at `start`.
void add_note(std::vector<float>& out, std::size_t start, std::size_t length, double frequency, const Voice& voice, int rate) {
    const double ramp = ramp_seconds * rate;
    for (std::size_t i = 0; i < length && start + i < out.size(); ++i) {
        const double t = static_cast<double>(i) / rate;
        const double attack = std::min(1.0, t / std::max(voice.attack_seconds, 1e-4));
        const double release = std::min(1.0, static_cast<double>(length - i) / ramp);
        const double envelope = attack * std::exp(-voice.decay_per_second * t) * release;
        double sample = 0;
        for (std::size_t k = 0; k < voice.multiples.size(); ++k) {
            const double partial = frequency * voice.multiples[k];
            if (partial >= rate / 2.0) continue;  // nothing above Nyquist: no aliasing
            sample += voice.amplitudes[k] * std::sin(2 * std::numbers::pi * partial * t);
        }
        out[start + i] += static_cast<float>(sample * envelope);
    }
}

std::vector<float> render_melody(const Melody& m, int rate) {
    std::vector<float> out(samples_for(melody_seconds(m), rate), 0.0F);
    double at = 0;
    for (const Note& n : m.notes) {
        const double seconds = n.sixteenths * sixteenth_seconds(m);
        if (n.pitch != rest) {
            const double frequency = 440.0 * std::pow(2.0, (n.pitch - 69.0) / 12.0);
            add_note(out, samples_for(at, rate), samples_for(seconds, rate), frequency, m.voice, rate);
        }
        at += seconds;
    }
    const float loudest = static_cast<float>(peak(out));
    if (loudest > 0) {
        for (float& s : out) s *= melody_peak / loudest;
    }
    return out;
}

// A steady sine burst with ramps, for the call progress cadences.
void add_burst(std::vector<float>& out, double from, double seconds, double frequency, int rate) {
    const std::size_t start = samples_for(from, rate);
    const std::size_t length = samples_for(seconds, rate);
    const double ramp = ramp_seconds * rate;
    for (std::size_t i = 0; i < length && start + i < out.size(); ++i) {
        const double fade = std::min({1.0, static_cast<double>(i) / ramp, static_cast<double>(length - i) / ramp});
        out[start + i] += static_cast<float>(progress_level * fade * std::sin(2 * std::numbers::pi * frequency * i / rate));
    }
}

}  // namespace

std::optional<Tone> ringtone_named(std::string_view name) {
    for (const Melody& m : melodies)
        if (m.name == name && m.tone != Tone::music_on_hold) return m.tone;
    return std::nullopt;
}

std::string_view tone_name(Tone tone) {
    if (const Melody* m = melody_of(tone)) return m->name;
    switch (tone) {
    case Tone::ringback: return "ringback";
    case Tone::busy: return "busy";
    case Tone::unobtainable: return "unobtainable";
    default: return "?";
    }
}

double cycle_seconds(Tone tone) {
    if (const Melody* m = melody_of(tone)) return melody_seconds(*m);
    switch (tone) {
    case Tone::ringback: return 5.0;
    case Tone::busy: return 1.0;
    case Tone::unobtainable: return 3 * 0.33 + 1.0;
    default: return 0;
    }
}

std::vector<float> render(Tone tone, int sample_rate) {
    const int rate = std::clamp(sample_rate, 8'000, 192'000);
    if (const Melody* m = melody_of(tone)) return render_melody(*m, rate);
    std::vector<float> out(samples_for(cycle_seconds(tone), rate), 0.0F);
    switch (tone) {
    case Tone::ringback: add_burst(out, 0, 1.0, 425, rate); break;
    case Tone::busy: add_burst(out, 0, 0.5, 425, rate); break;
    case Tone::unobtainable:
        add_burst(out, 0, 0.33, 950, rate);
        add_burst(out, 0.33, 0.33, 1400, rate);
        add_burst(out, 0.66, 0.33, 1800, rate);
        break;
    default: break;
    }
    return out;
}

double rms_dbfs(std::span<const float> samples) {
    if (samples.empty()) return -200;
    double sum = 0;
    for (float s : samples) sum += static_cast<double>(s) * s;
    const double rms = std::sqrt(sum / static_cast<double>(samples.size()));
    return rms <= 1e-10 ? -200 : 20 * std::log10(rms);
}

double peak(std::span<const float> samples) {
    double loudest = 0;
    for (float s : samples) loudest = std::max(loudest, static_cast<double>(std::fabs(s)));
    return loudest;
}

}  // namespace ucs::audio
