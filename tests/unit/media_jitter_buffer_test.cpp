// The adaptive jitter buffer on a fake clock: a sender's frames arrive at chosen times, the player pops
// every 20 ms, and the test reads what was played, concealed or dropped.
#include "media/jitter_buffer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using ucs::media::FrameHeader;
using ucs::media::JitterBuffer;
using ucs::media::JitterConfig;
using ucs::media::Play;
using ucs::media::PushResult;

namespace {

// One frame on its way: when it arrives and its bytes. The payload names its seq, so what is played
// (or offered for FEC) can be told apart.
struct Arrival {
    std::int64_t at = 0;
    std::vector<std::uint8_t> bytes;
};

std::vector<std::uint8_t> frame_bytes(std::uint32_t seq, std::uint16_t stream = 1, bool restart = false,
                                      bool silence = false) {
    const FrameHeader header{.silence = silence,
                             .restart = restart,
                             .stream = stream,
                             .seq = seq,
                             .timestamp = seq * ucs::media::timestamp_step};
    const std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(seq >> 24U),
                                            static_cast<std::uint8_t>(seq >> 16U), static_cast<std::uint8_t>(seq >> 8U),
                                            static_cast<std::uint8_t>(seq), 0xF8};
    return *ucs::media::encode_frame(header, silence ? std::vector<std::uint8_t>{} : payload);
}

std::uint32_t seq_in(std::span<const std::uint8_t> payload) {
    REQUIRE(payload.size() >= 4);
    return (std::uint32_t{payload[0]} << 24U) | (std::uint32_t{payload[1]} << 16U) | (std::uint32_t{payload[2]} << 8U) |
           payload[3];
}

struct Played {
    std::int64_t at = 0;
    Play play = Play::silence;
    std::uint32_t seq = 0;  // the payload's own seq (payload), or the frame's (silence frames)
    bool has_fec = false;
    std::uint32_t fec_seq = 0;  // the frame offered for FEC (conceal)
    bool reset_decoder = false;
};

// Pushes each arrival at its time and pops every 20 ms (at from, from + 20, ... < to); an arrival at
// the same millisecond as a pop comes first. Returns the pops.
std::vector<Played> run(JitterBuffer& jb, std::vector<Arrival> arrivals, std::int64_t from, std::int64_t to,
                        std::vector<PushResult>* results = nullptr) {
    std::stable_sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    std::vector<Played> out;
    std::size_t next = 0;
    for (std::int64_t now = from; now < to; now += ucs::media::frame_ms) {
        for (; next < arrivals.size() && arrivals[next].at <= now; ++next) {
            const auto frame = ucs::media::parse_frame(arrivals[next].bytes);
            REQUIRE(frame);
            const PushResult r = jb.push(*frame, arrivals[next].at);
            if (results) results->push_back(r);
        }
        const auto p = jb.pop(now);
        Played played{.at = now, .play = p.play, .seq = p.seq, .reset_decoder = p.reset_decoder};
        if (p.play == Play::payload) played.seq = seq_in(p.payload);
        if (p.play == Play::conceal && !p.payload.empty()) {
            played.has_fec = true;
            played.fec_seq = seq_in(p.payload);
        }
        out.push_back(played);
    }
    return out;
}

std::vector<std::uint32_t> payload_seqs(const std::vector<Played>& played) {
    std::vector<std::uint32_t> seqs;
    for (const auto& p : played) {
        if (p.play == Play::payload) seqs.push_back(p.seq);
    }
    return seqs;
}

// Frames first..first+count-1 sent every 20 ms from t = 0, each arriving `transit(i)` ms later.
template <class Transit>
std::vector<Arrival> stream(std::uint32_t first, int count, Transit transit, std::uint16_t stream_id = 1) {
    std::vector<Arrival> arrivals;
    for (int i = 0; i < count; ++i) {
        arrivals.push_back(
            {std::int64_t{20} * i + transit(i), frame_bytes(first + static_cast<std::uint32_t>(i), stream_id)});
    }
    return arrivals;
}

// Concealment while audio was still to come (after the last payload the stream has simply ended).
long concealed_in_stream(const std::vector<Played>& played) {
    const auto last =
        std::find_if(played.rbegin(), played.rend(), [](const Played& p) { return p.play == Play::payload; });
    return std::count_if(played.begin(), last.base(), [](const Played& p) { return p.play == Play::conceal; });
}

std::vector<std::uint32_t> iota(std::uint32_t first, int count) {
    std::vector<std::uint32_t> v;
    for (int i = 0; i < count; ++i) v.push_back(first + static_cast<std::uint32_t>(i));
    return v;
}

}  // namespace

TEST_CASE("frames arriving in order play in order, one per 20 ms, after the minimum delay", "[media]") {
    JitterBuffer jb;
    const auto played = run(jb, stream(0, 100, [](int) { return 10; }), 0, 2200);
    CHECK(payload_seqs(played) == iota(0, 100));
    // Nothing before the first frame and its minimum wait; then one payload per pop, never concealed.
    const auto first =
        std::find_if(played.begin(), played.end(), [](const Played& p) { return p.play == Play::payload; });
    REQUIRE(first != played.end());
    CHECK(first->at - 10 >= 20);
    CHECK(first->at - 10 <= 40);
    CHECK(first->reset_decoder);
    CHECK(concealed_in_stream(played) == 0);
    CHECK(jb.stats().played == 100);
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().lost == 0);
    CHECK(jb.stats().target_delay_ms == 20);
}

TEST_CASE("frames arriving out of order are played in seq order", "[media]") {
    JitterBuffer jb;
    // Every even frame takes 25 ms longer than the odd one after it, so each pair arrives swapped
    // (the very first frame to arrive is seq 1).
    const auto played = run(jb, stream(0, 200, [](int i) { return i % 2 == 0 ? 35 : 10; }), 0, 4400);
    CHECK(payload_seqs(played) == iota(0, 200));
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().lost == 0);
    CHECK(jb.stats().target_delay_ms >= 25);
}

TEST_CASE("a lost frame is concealed, and the next frame is offered for in-band FEC", "[media]") {
    JitterBuffer jb;
    auto arrivals = stream(0, 50, [](int) { return 10; });
    arrivals.erase(arrivals.begin() + 20);
    const auto played = run(jb, arrivals, 0, 1200);
    auto expected = iota(0, 50);
    expected.erase(expected.begin() + 20);
    CHECK(payload_seqs(played) == expected);
    const auto hole =
        std::find_if(played.begin(), played.end(), [](const Played& p) { return p.play == Play::conceal; });
    REQUIRE(hole != played.end());
    CHECK(hole->has_fec);
    CHECK(hole->fec_seq == 21);
    CHECK((hole - 1)->seq == 19);
    CHECK((hole + 1)->seq == 21);
    CHECK(concealed_in_stream(played) == 1);
    CHECK(jb.stats().lost == 1);
}

TEST_CASE("a frame that arrives after its playout time is dropped, never played late", "[media]") {
    JitterBuffer jb;
    std::vector<PushResult> results;
    auto arrivals = stream(0, 60, [](int i) { return i == 30 ? 10 + 200 : 10; });
    const auto played = run(jb, arrivals, 0, 1600, &results);
    const auto seqs = payload_seqs(played);
    CHECK(std::find(seqs.begin(), seqs.end(), 30U) == seqs.end());
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    CHECK(std::count(results.begin(), results.end(), PushResult::late) == 1);
    CHECK(jb.stats().late == 1);
    CHECK(jb.stats().lost == 0);              // it came, only too late
    CHECK(jb.stats().target_delay_ms <= 40);  // one late frame alone is an outlier, not a reason to wait longer
    // What is played is never older than its playout time: every payload is a frame not yet due
    // when the one before it was played.
    for (std::size_t i = 1; i < seqs.size(); ++i) CHECK(seqs[i] > seqs[i - 1]);
}

TEST_CASE("a duplicate is dropped whether it is still buffered or already played", "[media]") {
    JitterBuffer jb;
    std::vector<PushResult> results;
    auto arrivals = stream(0, 40, [](int) { return 10; });
    arrivals.push_back({20 * 10 + 12, frame_bytes(10)});  // 2 ms after the original, still waiting
    arrivals.push_back({20 * 30, frame_bytes(5)});        // long after it was played
    const auto played = run(jb, arrivals, 0, 1000, &results);
    CHECK(payload_seqs(played) == iota(0, 40));
    CHECK(std::count(results.begin(), results.end(), PushResult::duplicate) == 2);
    CHECK(jb.stats().duplicates == 2);
}

TEST_CASE("seq and timestamp wrap at 2^32 without a hiccup", "[media]") {
    JitterBuffer jb;
    const std::uint32_t first = 0xFFFFFFFFU - 20;
    auto arrivals = stream(first, 60, [](int i) { return i % 3 == 0 ? 30 : 10; });
    const auto played = run(jb, arrivals, 0, 1600);
    CHECK(payload_seqs(played) == iota(first, 60));
    CHECK(concealed_in_stream(played) == 0);
    CHECK(jb.stats().late == 0);
    // The timestamps wrap with the seq (960 per frame).
    JitterBuffer again;
    for (const auto& a : stream(first, 30, [](int) { return 10; })) again.push(*ucs::media::parse_frame(a.bytes), a.at);
    std::uint32_t previous = 0;
    bool have_previous = false;
    for (std::int64_t now = 0; now < 900; now += 20) {
        const auto p = again.pop(now);
        if (p.play != Play::payload) continue;
        if (have_previous) CHECK(p.timestamp - previous == ucs::media::timestamp_step);
        previous = p.timestamp;
        have_previous = true;
    }
}

TEST_CASE("the target delay grows within a second under +-40 ms jitter and shrinks back after it calms", "[media]") {
    JitterBuffer jb;
    std::mt19937 rng(7);       // the engine is specified exactly, unlike the distributions
    const int jittery = 1000;  // frames 0..999 (20 s) with uniform +-40 ms, then 40 s calm
    const auto arrivals =
        stream(0, 3000, [&](int i) { return i < jittery ? 50 + static_cast<int>(rng() % 81) - 40 : 50; });

    std::vector<PushResult> results;
    std::vector<int> target_at_second(60);
    std::vector<int> delay_at_second(60);
    std::vector<std::uint64_t> dropped_by_second(60);
    // Run second by second to watch the target.
    std::vector<Arrival> pending = arrivals;
    std::stable_sort(pending.begin(), pending.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    std::size_t sent = 0;
    for (int second = 0; second < 60; ++second) {
        const std::int64_t from = std::int64_t{second} * 1000;
        std::vector<Arrival> now_arriving;
        while (sent < pending.size() && pending[sent].at < from + 1000) now_arriving.push_back(pending[sent++]);
        run(jb, now_arriving, from, from + 1000, &results);
        target_at_second[static_cast<std::size_t>(second)] = jb.stats().target_delay_ms;
        delay_at_second[static_cast<std::size_t>(second)] = jb.stats().current_delay_ms;
        dropped_by_second[static_cast<std::size_t>(second)] = jb.stats().dropped;
    }
    INFO("target per second: " << Catch::Detail::stringify(target_at_second));
    INFO("delay per second: " << Catch::Detail::stringify(delay_at_second));
    CHECK(target_at_second[0] >= 60);  // grown within the first second
    for (int s = 1; s < 20; ++s) CHECK(target_at_second[static_cast<std::size_t>(s)] >= 60);
    // While jittery, few frames come too late (the target is a 97th percentile).
    const auto late = std::count(results.begin(), results.begin() + jittery, PushResult::late);
    CHECK(late < jittery * 3 / 100);
    // Calm again: not at once (the last seconds still count), but down to the minimum within 30 s,
    // and the played delay follows it.
    CHECK(target_at_second[21] >= 40);
    CHECK(target_at_second[50] <= 30);
    CHECK(delay_at_second[59] <= 60);
    CHECK(delay_at_second[25] > delay_at_second[59]);
    // It shrank slowly: at most one frame (20 ms) dropped per second.
    CHECK(dropped_by_second[59] > dropped_by_second[20]);
    for (std::size_t s = 21; s < 60; ++s) CHECK(dropped_by_second[s] - dropped_by_second[s - 1] <= 1);
}

TEST_CASE("a sender whose clock runs 1 % fast or slow is followed by dropping or stretching now and then", "[media]") {
    for (const double period : {19.8, 20.2}) {
        INFO("the sender sends every " << period << " ms");
        JitterBuffer jb;
        std::vector<Arrival> arrivals;
        for (std::uint32_t seq = 0; seq < 3000; ++seq) {
            arrivals.push_back({std::llround(period * seq) + 10, frame_bytes(seq)});
        }
        // Until the last frame is due: the delay is read while the stream still runs.
        const auto played = run(jb, arrivals, 0, arrivals.back().at + 40);
        const auto seqs = payload_seqs(played);
        CHECK(std::is_sorted(seqs.begin(), seqs.end()));
        CHECK(seqs.size() >= 2960);
        CHECK(jb.stats().late == 0);
        // 1 % of 3000 frames is 30 frames' worth of drift, made up one frame at a time.
        if (period < 20) {
            CHECK(jb.stats().dropped >= 20);
            CHECK(jb.stats().dropped <= 40);
        } else {
            CHECK(concealed_in_stream(played) >= 20);
            CHECK(concealed_in_stream(played) <= 40);
        }
        CHECK(jb.stats().current_delay_ms <= 60);
    }
}

TEST_CASE("memory is bounded: a flood of frames without pops keeps only the newest", "[media]") {
    JitterBuffer jb;
    const std::size_t capacity = jb.capacity_frames();
    CHECK(capacity <= 300 / 20 + 8);
    for (std::uint32_t seq = 0; seq < 10000; ++seq) {
        jb.push(*ucs::media::parse_frame(frame_bytes(seq)), 5);
        REQUIRE(jb.buffered_frames() <= capacity);
    }
    CHECK(jb.stats().dropped >= 10000 - capacity);
    // What remains plays in order and ends with the newest frame.
    std::vector<std::uint32_t> seqs;
    for (std::int64_t now = 400; now < 2000; now += 20) {
        const auto p = jb.pop(now);
        if (p.play == Play::payload) seqs.push_back(seq_in(p.payload));
    }
    REQUIRE_FALSE(seqs.empty());
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    CHECK(seqs.back() == 9999);
}

TEST_CASE("the buffer never delays more than max_delay_ms, even when the network does", "[media]") {
    JitterBuffer jb(JitterConfig{.min_delay_ms = 20, .max_delay_ms = 120});
    // Every 50th frame takes 400 ms: the target wants to grow that far but may not.
    std::vector<PushResult> results;
    const auto arrivals = stream(0, 500, [](int i) { return i % 50 == 25 ? 400 : 10; });
    const auto played = run(jb, arrivals, 0, 10500, &results);
    CHECK(jb.stats().target_delay_ms <= 120);
    // Each payload was played at most 120 ms (+ one pop) after the fastest frames' arrival time.
    for (const auto& p : played) {
        if (p.play == Play::payload) CHECK(p.at - (std::int64_t{20} * p.seq + 10) <= 120 + 20);
    }
    CHECK(std::count(results.begin(), results.end(), PushResult::late) == 10);
}

TEST_CASE("a restart frame after a pause resets the timing and the decoder", "[media]") {
    JitterBuffer jb;
    auto arrivals = stream(0, 50, [](int) { return 10; });
    // 3 s of nothing (held), then the same stream again, numbering on from where it stopped.
    for (int i = 0; i < 50; ++i) {
        arrivals.push_back({4000 + 20 * i + 10, frame_bytes(static_cast<std::uint32_t>(50 + i), 1, i == 0)});
    }
    const auto played = run(jb, arrivals, 0, 5500);
    CHECK(payload_seqs(played) == iota(0, 100));
    // The pause: a little concealment, then silence, not 3 s of PLC.
    CHECK(concealed_in_stream(played) <= 5);
    const auto resumed = std::find_if(played.begin(), played.end(), [](const Played& p) { return p.seq == 50; });
    REQUIRE(resumed != played.end());
    CHECK(resumed->reset_decoder);
    CHECK(resumed->at - 4010 <= 60);  // played after the target delay, not after the 3 s gap
    CHECK(jb.stats().restarts == 2);
}

TEST_CASE("a pause without a restart flag is followed too, on the new timing", "[media]") {
    JitterBuffer jb;
    auto arrivals = stream(0, 50, [](int) { return 10; });
    for (int i = 0; i < 50; ++i)
        arrivals.push_back({4000 + 20 * i + 10, frame_bytes(static_cast<std::uint32_t>(50 + i))});
    const auto played = run(jb, arrivals, 0, 5500);
    CHECK(payload_seqs(played) == iota(0, 100));
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().target_delay_ms <= 40);  // the pause is not jitter
}

TEST_CASE("a new stream replaces the old one and the old one's stragglers are dropped", "[media]") {
    JitterBuffer jb;
    std::vector<PushResult> results;
    auto arrivals = stream(
        100, 50, [](int) { return 10; }, 1);
    for (int i = 0; i < 50; ++i)
        arrivals.push_back({1000 + 20 * i + 10, frame_bytes(static_cast<std::uint32_t>(7 + i), 2)});
    arrivals.push_back({1100, frame_bytes(149, 1)});  // the old call's last frame, very late
    const auto played = run(jb, arrivals, 0, 2200, &results);
    const auto seqs = payload_seqs(played);
    CHECK(std::count(results.begin(), results.end(), PushResult::other_stream) == 1);
    CHECK(jb.stats().other_stream == 1);
    // The new stream's frames play in order to the end, after a decoder reset.
    const auto first_new = std::find(seqs.begin(), seqs.end(), 7U);
    REQUIRE(first_new != seqs.end());
    CHECK(std::vector<std::uint32_t>(first_new, seqs.end()) == iota(7, 50));
    const auto switch_pop = std::find_if(played.begin(), played.end(),
                                         [](const Played& p) { return p.play == Play::payload && p.seq == 7; });
    CHECK(switch_pop->reset_decoder);
    // The old stream played in order up to the switch, which cut at most its last buffered frame.
    const auto old_count = static_cast<int>(first_new - seqs.begin());
    CHECK(old_count >= 49);
    CHECK(std::vector<std::uint32_t>(seqs.begin(), first_new) == iota(100, old_count));
}

TEST_CASE("a stream left behind comes back only with a restart frame", "[media]") {
    JitterBuffer jb;
    std::vector<PushResult> results;
    auto arrivals = stream(
        0, 25, [](int) { return 10; }, 1);  // the caller
    for (int i = 0; i < 25; ++i)
        arrivals.push_back({500 + 20 * i + 10, frame_bytes(static_cast<std::uint32_t>(i), 2)});  // a consultation
    arrivals.push_back({1005, frame_bytes(24, 1)});  // a straggler of the caller's stream
    for (int i = 0; i < 25; ++i) {                   // back to the caller: ucsd's first frame says restart
        arrivals.push_back({1500 + 20 * i + 10, frame_bytes(static_cast<std::uint32_t>(25 + i), 1, i == 0)});
    }
    const auto played = run(jb, arrivals, 0, 2200, &results);
    CHECK(std::count(results.begin(), results.end(), PushResult::other_stream) == 1);
    const auto seqs = payload_seqs(played);
    REQUIRE(seqs.size() >= 70);
    CHECK(std::vector<std::uint32_t>(seqs.end() - 25, seqs.end()) == iota(25, 25));
}

TEST_CASE("reset forgets the stream but keeps the stats and the memory", "[media]") {
    JitterBuffer jb;
    run(jb, stream(0, 30, [](int) { return 10; }), 0, 700);
    const auto played_before = jb.stats().played;
    jb.reset();
    CHECK(jb.buffered_frames() == 0);
    CHECK(jb.pop(700).play == Play::silence);
    // The same seqs again are a new stream's, not duplicates.
    std::vector<Arrival> again;
    for (const auto& a : stream(0, 30, [](int) { return 10; })) again.push_back({a.at + 1000, a.bytes});
    const auto played = run(jb, again, 1000, 1700);
    CHECK(payload_seqs(played) == iota(0, 30));
    CHECK(jb.stats().played == played_before + 30);
    CHECK(jb.stats().duplicates == 0);
}

TEST_CASE("silence frames play as silence without concealment and keep the stream going", "[media]") {
    JitterBuffer jb;
    std::vector<Arrival> arrivals;
    for (std::uint32_t seq = 0; seq < 150; ++seq) {
        const bool muted = seq >= 50 && seq < 100;
        arrivals.push_back({20 * std::int64_t{seq} + 10, frame_bytes(seq, 1, false, muted)});
    }
    const auto played = run(jb, arrivals, 0, 3200);
    auto expected = iota(0, 50);
    const auto tail = iota(100, 50);
    expected.insert(expected.end(), tail.begin(), tail.end());
    CHECK(payload_seqs(played) == expected);
    CHECK(concealed_in_stream(played) == 0);
    const auto muted = std::count_if(played.begin(), played.end(), [](const Played& p) {
        return p.play == Play::silence && p.seq >= 50 && p.seq < 100;
    });
    CHECK(muted == 50);
}

TEST_CASE("a long gap in the stream is concealed briefly, then silence", "[media]") {
    JitterBuffer jb(JitterConfig{.max_conceal_frames = 5});
    auto arrivals = stream(0, 100, [](int) { return 10; });
    arrivals.erase(arrivals.begin() + 40, arrivals.begin() + 60);  // 400 ms lost
    const auto played = run(jb, arrivals, 0, 2200);
    CHECK(concealed_in_stream(played) == 5);
    CHECK(payload_seqs(played).size() == 80);
    const auto seqs = payload_seqs(played);
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
}

TEST_CASE("5 % random loss is concealed frame by frame and counted as lost", "[media]") {
    JitterBuffer jb;
    std::mt19937 rng(11);
    std::vector<Arrival> arrivals;
    int sent_lost = 0;
    for (std::uint32_t seq = 0; seq < 2000; ++seq) {
        if (seq > 0 && seq < 1990 && rng() % 100 < 5) {
            ++sent_lost;
            continue;
        }
        arrivals.push_back({20 * std::int64_t{seq} + 10, frame_bytes(seq)});
    }
    const auto played = run(jb, arrivals, 0, 40300);
    CHECK(jb.stats().lost == static_cast<std::uint64_t>(sent_lost));
    CHECK(payload_seqs(played).size() == 2000U - static_cast<std::size_t>(sent_lost));
    CHECK(jb.stats().late == 0);
}
