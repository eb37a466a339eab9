// bench/jitter: a minute of 20 ms frames through the jitter buffer on a simulated clock, with injected
// delay jitter and 5 % random loss, and what the listener would notice: audible gaps, added delay,
// late drops. Then what Opus costs per frame here (encode + decode, median). Figures, not a test.
//
//   build/native-release/bench/jitter_bench [--seconds=60] [--loss=5] [--seed=1]
#include "media/frame.hpp"
#include "media/jitter_buffer.hpp"
#include "media/opus_codec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace media = ucs::media;

struct Options {
    int seconds = 60;
    int loss_percent = 5;
    unsigned seed = 1;
};

// A network: the transit time of frame `i` sent at `sent_ms`; its fastest possible transit.
struct Profile {
    std::string_view name;
    int min_transit_ms;
    std::function<std::int64_t(int i, std::int64_t sent_ms, std::mt19937& rng)> transit;
};

struct Result {
    double gaps_per_minute = 0;        // 20 ms pops of concealment or silence while audio was expected
    double gap_events_per_minute = 0;  // runs of such pops (what a listener counts as dropouts)
    double fec_share = 0;              // concealments that had the next frame at hand for in-band FEC
    double lost_per_minute = 0;        // frames the network lost (the floor for gaps without FEC)
    double mean_delay_ms = 0;          // play time - (send time + fastest transit), over played frames
    double p95_delay_ms = 0;
    std::uint64_t late = 0;
    std::uint64_t dropped = 0;
    int final_target_ms = 0;
};

int uniform(std::mt19937& rng, int lo, int hi) {
    return lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1));
}

Result simulate(const Profile& profile, const Options& options) {
    std::mt19937 rng(options.seed);  // NOLINT(cert-msc32-c,cert-msc51-cpp): the same network every run
    const int frames = options.seconds * 1000 / media::frame_ms;
    struct Arrival {
        std::int64_t at;
        std::uint32_t seq;
    };
    std::vector<Arrival> arrivals;
    int network_lost = 0;
    for (int i = 0; i < frames; ++i) {
        const std::int64_t sent = std::int64_t{media::frame_ms} * i;
        const std::int64_t transit = profile.transit(i, sent, rng);
        if (static_cast<int>(rng() % 100) < options.loss_percent) {
            ++network_lost;
            continue;
        }
        arrivals.push_back({sent + transit, static_cast<std::uint32_t>(i)});
    }
    std::stable_sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });

    media::JitterBuffer jb;
    const std::array<std::uint8_t, 40> payload{0xF8};
    std::vector<std::uint8_t> bytes;
    std::vector<double> delays;
    Result r;
    std::size_t next = 0;
    bool started = false;
    bool in_gap = false;
    int gaps = 0;
    int gap_events = 0;
    int with_fec = 0;
    int concealed = 0;
    // The player's 20 ms clock runs at its own phase against the sender's.
    const std::int64_t end = std::int64_t{frames} * media::frame_ms + 400;
    for (std::int64_t now = 7; now < end; now += media::frame_ms) {
        for (; next < arrivals.size() && arrivals[next].at <= now; ++next) {
            const media::FrameHeader header{
                .stream = 1, .seq = arrivals[next].seq, .timestamp = arrivals[next].seq * media::timestamp_step};
            bytes.resize(media::max_frame_size);
            bytes.resize(*media::encode_frame(header, payload, bytes));
            jb.push(*media::parse_frame(bytes), arrivals[next].at);
        }
        const media::Playout out = jb.pop(now);
        if (out.play == media::Play::payload) {
            started = true;
            in_gap = false;
            const auto sent = static_cast<std::int64_t>(out.seq) * media::frame_ms;
            delays.push_back(static_cast<double>(now - (sent + profile.min_transit_ms)));
            if (out.seq + 1U == static_cast<std::uint32_t>(frames)) break;  // the last frame: audio is over
            continue;
        }
        if (!started) continue;
        ++gaps;
        if (!in_gap) ++gap_events;
        in_gap = true;
        if (out.play == media::Play::conceal) {
            ++concealed;
            if (!out.payload.empty()) ++with_fec;
        }
    }
    const double minutes = options.seconds / 60.0;
    r.gaps_per_minute = gaps / minutes;
    r.gap_events_per_minute = gap_events / minutes;
    r.fec_share = concealed == 0 ? 0 : static_cast<double>(with_fec) / concealed;
    r.lost_per_minute = network_lost / minutes;
    std::sort(delays.begin(), delays.end());
    double sum = 0;
    for (const double d : delays) sum += d;
    r.mean_delay_ms = delays.empty() ? 0 : sum / static_cast<double>(delays.size());
    r.p95_delay_ms =
        delays.empty() ? 0 : delays[static_cast<std::size_t>(0.95 * static_cast<double>(delays.size() - 1))];
    r.late = jb.stats().late;
    r.dropped = jb.stats().dropped;
    r.final_target_ms = jb.stats().target_delay_ms;
    return r;
}

// Something voice-like for the codec: a gliding pitch with harmonics, syllable-shaped, a little noise.
std::vector<float> voiced(int frames) {
    std::vector<float> pcm(static_cast<std::size_t>(frames) * media::frame_samples);
    std::mt19937 rng(3);  // NOLINT(cert-msc32-c,cert-msc51-cpp): the same signal every run
    double phase = 0;
    for (std::size_t i = 0; i < pcm.size(); ++i) {
        const double t = static_cast<double>(i) / media::sample_rate;
        const double f0 = 140 + 30 * std::sin(2 * std::numbers::pi * 0.7 * t);
        const double envelope = 0.5 + 0.5 * std::sin(2 * std::numbers::pi * 2.5 * t);
        phase += 2 * std::numbers::pi * f0 / media::sample_rate;
        double v = 0;
        for (int h = 1; h <= 20; ++h) v += std::sin(h * phase) / h * (h < 6 ? 1 : 0.5);
        const double noise = static_cast<double>(rng() % 1000) / 1000 - 0.5;
        pcm[i] = static_cast<float>(0.18 * envelope * v + 0.01 * noise);
    }
    return pcm;
}

struct CodecCost {
    double encode_us = 0;
    double decode_us = 0;
    double total_us = 0;
    double total_p95_us = 0;
    double bytes_per_frame = 0;
};

CodecCost codec_cost(const media::EncoderSettings& settings) {
    const int frames = 1500;  // 30 s
    const auto pcm = voiced(frames);
    auto encoder = media::Encoder::create(settings);
    auto decoder = media::Decoder::create();
    if (!encoder || !decoder) return {};
    std::vector<double> enc;
    std::vector<double> dec;
    std::vector<double> total;
    std::array<std::uint8_t, media::max_payload_size> packet{};
    std::array<float, media::frame_samples> out{};
    std::size_t bytes = 0;
    using clock = std::chrono::steady_clock;
    for (int f = 0; f < frames; ++f) {
        const std::span<const float, media::frame_samples> frame(
            pcm.data() + static_cast<std::size_t>(f) * media::frame_samples, media::frame_samples);
        const auto t0 = clock::now();
        const auto size = encoder->encode(frame, packet);
        const auto t1 = clock::now();
        if (!size) return {};
        (void)decoder->decode(std::span<const std::uint8_t>(packet.data(), *size), out);
        const auto t2 = clock::now();
        bytes += *size;
        enc.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        dec.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
        total.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
    }
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::vector<double> sorted = total;
    std::sort(sorted.begin(), sorted.end());
    return {median(enc), median(dec), median(total), sorted[sorted.size() * 95 / 100],
            static_cast<double>(bytes) / frames};
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    std::string five;
    std::string fifteen;
    if (!(in >> one >> five >> fifteen)) return "unknown";
    return one + " " + five + " " + fifteen;
}

// --name=<integer>: its value, or `fallback` when `arg` is not that option or not a number.
int option(std::string_view arg, std::string_view name, int fallback) {
    if (!arg.starts_with(name)) return fallback;
    int value = fallback;
    const auto digits = arg.substr(name.size());
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size() ? value : fallback;
}

Options parse(int argc, char** argv) {
    Options o;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (const std::string_view arg : args) {
        o.seconds = std::max(1, option(arg, "--seconds=", o.seconds));
        o.loss_percent = std::clamp(option(arg, "--loss=", o.loss_percent), 0, 100);
        o.seed = static_cast<unsigned>(option(arg, "--seed=", static_cast<int>(o.seed)));
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    std::printf("# bench/jitter: %d s of 20 ms frames, %d %% random loss, seed %u; load average %s\n\n",
                options.seconds, options.loss_percent, options.seed, load_average().c_str());

    const std::vector<Profile> profiles{
        {"steady (20 ms transit)", 20, [](int, std::int64_t, std::mt19937&) { return std::int64_t{20}; }},
        {"uniform +-40 ms (20..100 ms)", 20,
         [](int, std::int64_t, std::mt19937& rng) { return std::int64_t{60 + uniform(rng, -40, 40)}; }},
        // Mostly calm (20..30 ms), but every 5 s on average the path stalls for 100..300 ms and what
        // was sent meanwhile arrives together when it clears (Wi-Fi hiccups, TCP retransmissions).
        {"bursty (stalls of 100..300 ms)", 20,
         [stall_until = std::int64_t{-1}](int, std::int64_t sent, std::mt19937& rng) mutable {
             if (sent >= stall_until && rng() % 250 == 0) stall_until = sent + uniform(rng, 100, 300);
             const std::int64_t transit = 20 + uniform(rng, 0, 10);
             return sent < stall_until ? std::max(transit, stall_until - sent + transit) : transit;
         }},
    };

    std::printf(
        "| network | audible gaps/min (20 ms pops) | gap events/min | of which FEC-recoverable | "
        "lost by network/min | added delay mean | added delay p95 | late drops | shrink drops | target at end |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const Profile& p : profiles) {
        const Result r = simulate(p, options);
        std::printf("| %s | %.0f | %.0f | %.0f %% | %.0f | %.0f ms | %.0f ms | %llu | %llu | %d ms |\n",
                    std::string(p.name).c_str(), r.gaps_per_minute, r.gap_events_per_minute, 100 * r.fec_share,
                    r.lost_per_minute, r.mean_delay_ms, r.p95_delay_ms, static_cast<unsigned long long>(r.late),
                    static_cast<unsigned long long>(r.dropped), r.final_target_ms);
    }

    std::printf(
        "\n| Opus 48 kHz mono, 24 kbit/s, VOIP, FEC | encode | decode | encode + decode (median) | p95 | bytes/frame "
        "|\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const int complexity : {5, 10}) {
        media::EncoderSettings settings;
        settings.complexity = complexity;
        const CodecCost c = codec_cost(settings);
        std::printf("| complexity %d, native | %.0f us | %.0f us | **%.0f us** | %.0f us | %.1f |\n", complexity,
                    c.encode_us, c.decode_us, c.total_us, c.total_p95_us, c.bytes_per_frame);
    }
    return 0;
}
