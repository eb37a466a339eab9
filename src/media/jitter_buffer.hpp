#pragma once
// The receiving end of a media stream (docs/media.md): frames go in as they arrive, in any order, and
// come out one per 20 ms in seq order, each at its playout time or not at all.
//
// Sans-IO: the caller's clock comes in as arguments (arrival_ms to push, now_ms to pop, both on one
// monotonic clock); nothing here reads a clock, allocates after construction or blocks, so the same
// object runs in the bar's AudioWorklet and in ucsd's media bridge.
//
// How it adapts. A frame's transit offset is its arrival time minus 20 ms per seq; the smallest offset
// of the last 2 s is the fastest path (a short window, so clock drift does not inflate it), and a
// frame's jitter is how much slower than that it came. The target delay is the 97th percentile of the
// last 10 s of jitter, raised at once when a second frame within 2 s comes later than the target (to
// the smaller of the two: one late frame alone is an outlier), that peak held for a second and then
// let down by 20 ms a second; all clamped to [min_delay_ms, max_delay_ms].
//
// The playout delay follows in 20 ms steps: 20 ms of concealment (or silence) inserted to grow, as
// soon as it is needed; one frame dropped to shrink, a silence frame whenever one is due but an audio
// frame at most once a second, and never within 2 s of growing, so it comes down slowly once the
// network calms. When there is
// nothing at all to play the buffer waits (concealment, then silence) rather than skip ahead: a stream
// that is late grows the delay instead of losing frames, and frames found missing afterwards are
// skipped at once while there is delay to spare.

#include "media/frame.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ucs::media {

struct JitterConfig {
    int min_delay_ms = 20;   // clamped to [0, 200]
    int max_delay_ms = 300;  // clamped to [min_delay_ms + 20, 1000]; the buffer never plays later than this
    // Concealment frames played for missing audio before the buffer says silence instead and waits
    // (Opus's PLC has faded out by 100 ms anyway).
    int max_conceal_frames = 5;
};

struct JitterStats {
    std::uint64_t received = 0;      // frames pushed
    std::uint64_t played = 0;        // payloads handed out for decoding
    std::uint64_t concealed = 0;     // pops that asked for concealment (a frame missing, or the delay growing)
    std::uint64_t silence = 0;       // pops that said silence (no stream, silence frames, a stalled stream)
    std::uint64_t late = 0;          // frames dropped because they came after their playout time
    std::uint64_t lost = 0;          // frames missing at their playout time that have not come since
    std::uint64_t duplicates = 0;    // frames dropped because the same seq was already buffered or played
    std::uint64_t dropped = 0;       // frames dropped to shrink the delay or to stay within max_delay_ms
    std::uint64_t other_stream = 0;  // frames of a stream the buffer has left behind
    std::uint64_t restarts = 0;      // timelines started: the first frame, restart flags, new streams, jumps
    int target_delay_ms = 0;         // what the buffer aims for now
    int current_delay_ms = 0;        // how long the fastest frame waits at the moment
};

enum class PushResult : std::uint8_t {
    buffered,      // kept for its playout time
    late,          // dropped: it came after its playout time (it is never played late)
    duplicate,     // dropped: this seq is already buffered or was played
    other_stream,  // dropped: a frame of a stream the buffer has left
};

enum class Play : std::uint8_t {
    payload,  // decode `payload`
    conceal,  // a frame is missing: run the decoder's PLC, or its FEC on `payload` when that is not empty
    silence,  // play silence (no stream yet, a silence frame, the stream has stopped)
};

struct Playout {
    Play play = Play::silence;
    // Play::payload: the Opus frame. Play::conceal: the next frame's payload when it is already here,
    // so the decoder can rebuild the missing one from its in-band FEC; empty otherwise.
    // Valid until the next push or pop.
    std::span<const std::uint8_t> payload;
    // The first output of a new stream or after a restart: reset the decoder before using this one.
    bool reset_decoder = false;
    std::uint32_t seq = 0;        // the frame this 20 ms belongs to (payload and silence frames)
    std::uint32_t timestamp = 0;  // its capture time in 48 kHz ticks, for latency measurements
};

class JitterBuffer {
public:
    explicit JitterBuffer(const JitterConfig& config = {});

    // A parsed frame arrived at `arrival_ms`. Frames of the current stream are reordered by seq
    // (which wraps at 2^32); a frame of a new stream, a restart flag or a jump in seq starts a new
    // timeline; frames of a stream the buffer has left are dropped unless one says restart.
    PushResult push(const FrameView& frame, std::int64_t arrival_ms);

    // What to play for the 20 ms that start at `now_ms`. Call once per 20 ms of output.
    Playout pop(std::int64_t now_ms);

    // Forgets the stream and the network's history, as if newly constructed; keeps the stats and the
    // memory (no allocation).
    void reset();

    [[nodiscard]] const JitterStats& stats() const { return stats_; }
    [[nodiscard]] std::size_t buffered_frames() const;
    // The most frames it will ever hold: its memory is fixed when it is constructed.
    [[nodiscard]] std::size_t capacity_frames() const { return slots_.size(); }

private:
    struct Slot {
        bool used = false;
        bool silence = false;
        std::uint32_t seq = 0;
        std::uint32_t timestamp = 0;
        std::uint16_t size = 0;
        std::array<std::uint8_t, max_payload_size> bytes{};
    };

    // The buffer's memory, sized from the config once and handed on by reset().
    struct Rings {
        std::vector<Slot> slots;
        std::vector<std::int64_t> offsets;
        std::vector<int> jitters;
        std::vector<int> scratch;
    };
    JitterBuffer(const JitterConfig& config, Rings rings);

    // Indices can go below 0 (frames older than a timeline's first), hence the positive modulo.
    [[nodiscard]] std::size_t position(std::int64_t index) const {
        const auto n = static_cast<std::int64_t>(slots_.size());
        return static_cast<std::size_t>(((index % n) + n) % n);
    }
    Slot& slot(std::int64_t index) { return slots_[position(index)]; }
    [[nodiscard]] const Slot& slot(std::int64_t index) const { return slots_[position(index)]; }
    [[nodiscard]] std::uint32_t seq_at(std::int64_t index) const {
        return base_seq_ + static_cast<std::uint32_t>(index);
    }
    [[nodiscard]] bool holds(std::int64_t index) const;
    [[nodiscard]] bool buffered_after_next() const;
    [[nodiscard]] std::int64_t newest_index() const;
    void start_timeline(const FrameView& frame, std::int64_t arrival_ms);
    void store(std::int64_t index, const FrameView& frame);
    PushResult switch_stream(const FrameView& frame, std::int64_t arrival_ms);
    PushResult push_behind(const FrameView& frame, std::int64_t index, std::int64_t arrival_ms);
    PushResult behind(std::int64_t index);
    void record_offset(std::int64_t index, std::int64_t arrival_ms);
    void update_target(std::int64_t now_ms);
    [[nodiscard]] std::int64_t min_offset() const;
    [[nodiscard]] std::int64_t delay_at(std::int64_t now_ms) const;
    void advance();
    void drop_one();
    Playout silence_out();
    Playout conceal_out(std::span<const std::uint8_t> fec);
    Playout play_due();
    [[nodiscard]] std::span<const std::uint8_t> fec_for_next() const;

    JitterConfig config_;
    JitterStats stats_;
    std::vector<Slot> slots_;  // a ring indexed by timeline index

    // The stream and its timeline: index 0 is the frame that started it; seq_at() maps back.
    bool have_stream_ = false;
    std::uint16_t stream_ = 0;
    std::array<std::uint16_t, 8> left_streams_{};  // streams left behind, whose stragglers are dropped
    std::size_t left_count_ = 0;
    bool timeline_ = false;
    bool extendable_ = false;  // frames older than the first may still join the timeline
    bool playing_ = false;     // false while the first frames of a timeline wait out the target delay
    bool reset_pending_ = false;
    bool stalled_ = false;          // the last pop had nothing to play: waiting for the stream
    bool last_was_silence_ = true;  // concealment continues audio, never silence
    std::uint32_t base_seq_ = 0;
    std::int64_t next_ = 0;  // the index the next pop plays
    int conceal_run_ = 0;
    int far_behind_run_ = 0;
    // Outcome of the 64 indices before next_ (bit 0 = next_ - 1): handed out, or missed.
    std::uint64_t seen_bits_ = 0;
    std::uint64_t missed_bits_ = 0;

    // Delay estimation: transit offsets of the last frames (the fastest path), the jitter of more
    // (its quantile), the target and its peak. Rings, sized once.
    std::vector<std::int64_t> offsets_;
    std::vector<int> jitters_;
    std::vector<int> scratch_;
    std::size_t offsets_head_ = 0;
    std::size_t offsets_count_ = 0;
    std::size_t jitters_head_ = 0;
    std::size_t jitters_count_ = 0;
    int quantile_ms_ = 0;
    int peak_ms_ = 0;
    std::int64_t peak_at_ms_ = 0;
    int exceeded_ms_ = 0;  // the last jitter above the target, and when: one alone is an outlier
    std::int64_t exceeded_at_ms_ = 0;
    bool exceeded_ = false;
    int target_ms_ = 0;
    std::int64_t last_shrink_ms_ = 0;
    std::int64_t last_grow_ms_ = 0;
};

}  // namespace ucs::media
