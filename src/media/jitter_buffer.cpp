#include "media/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace ucs::media {

namespace {

constexpr std::size_t history_frames = 500;  // 10 s of jitter for the delay statistics
constexpr std::size_t fastest_frames = 100;  // the fastest path is the best of the last 2 s (clocks drift)
constexpr double jitter_quantile = 0.97;     // the share of frames the target delay is to catch
constexpr int confirm_window_ms = 2000;      // two frames later than the target within this: grow
constexpr int peak_hold_ms = 1000;           // a jitter peak holds the target this long...
constexpr int peak_decay_per_s = 20;         // ...then lets it down by this much per second
constexpr int shrink_interval_ms = 1000;     // drop at most one audio frame this often to shrink
constexpr int calm_after_growth_ms = 2000;   // and not this soon after growing
constexpr int far_ahead_frames = 50;         // a seq this far ahead (1 s) is a jump, not jitter
constexpr int far_behind_frames = 64;        // the outcome bitmaps cover this far back
constexpr int far_behind_to_follow = 3;      // this many far-behind frames in a row: the sender renumbered
constexpr std::size_t spare_slots = 8;       // room beyond max_delay for frames that come early

JitterConfig sanitized(JitterConfig config) {
    config.min_delay_ms = std::clamp(config.min_delay_ms, 0, 200);
    config.max_delay_ms = std::clamp(config.max_delay_ms, config.min_delay_ms + frame_ms, 1000);
    config.max_conceal_frames = std::clamp(config.max_conceal_frames, 0, 50);
    return config;
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterConfig& config)
    : JitterBuffer(sanitized(config),
                   Rings{.slots = std::vector<Slot>(
                             static_cast<std::size_t>(sanitized(config).max_delay_ms / frame_ms) + spare_slots),
                         .offsets = std::vector<std::int64_t>(fastest_frames),
                         .jitters = std::vector<int>(history_frames),
                         .scratch = std::vector<int>(history_frames)}) {}

JitterBuffer::JitterBuffer(const JitterConfig& config, Rings rings)
    : config_(config),
      slots_(std::move(rings.slots)),
      offsets_(std::move(rings.offsets)),
      jitters_(std::move(rings.jitters)),
      scratch_(std::move(rings.scratch)),
      target_ms_(config_.min_delay_ms) {
    for (Slot& s : slots_) s.used = false;
    stats_.target_delay_ms = target_ms_;
}

void JitterBuffer::reset() {
    // A new buffer's state in the same memory: no allocation, so the audio thread may call this.
    const JitterStats kept = stats_;
    *this = JitterBuffer(config_, Rings{.slots = std::move(slots_),
                                        .offsets = std::move(offsets_),
                                        .jitters = std::move(jitters_),
                                        .scratch = std::move(scratch_)});
    stats_ = kept;
    stats_.target_delay_ms = target_ms_;
    stats_.current_delay_ms = 0;
}

std::size_t JitterBuffer::buffered_frames() const {
    return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

// ---- arrivals ----

bool JitterBuffer::holds(std::int64_t index) const {
    const Slot& s = slot(index);
    return s.used && s.seq == seq_at(index);
}

bool JitterBuffer::buffered_after_next() const {
    return std::any_of(slots_.begin(), slots_.end(),
                       [&](const Slot& s) { return s.used && static_cast<std::int32_t>(s.seq - seq_at(next_)) > 0; });
}

std::int64_t JitterBuffer::newest_index() const {
    std::int64_t newest = next_ - 1;
    for (const Slot& s : slots_) {
        if (s.used) newest = std::max(newest, next_ + static_cast<std::int32_t>(s.seq - seq_at(next_)));
    }
    return newest;
}

PushResult JitterBuffer::push(const FrameView& frame, std::int64_t arrival_ms) {
    ++stats_.received;
    const FrameHeader& h = frame.header;
    if (!have_stream_ || h.stream != stream_) return switch_stream(frame, arrival_ms);

    const auto rel = static_cast<std::int32_t>(h.seq - seq_at(next_));
    const std::int64_t index = next_ + rel;
    if (rel < 0) return push_behind(frame, index, arrival_ms);
    far_behind_run_ = 0;
    if (holds(index)) {
        ++stats_.duplicates;
        return PushResult::duplicate;
    }
    // A restart, a jump, or a stream coming back after a wait longer than the buffer ever delays:
    // the old timing says nothing about this frame.
    if (h.restart || rel >= far_ahead_frames || (stalled_ && delay_at(arrival_ms) > config_.max_delay_ms)) {
        start_timeline(frame, arrival_ms);
        return PushResult::buffered;
    }
    // Never hold more than the ring: make room by letting the oldest go (the delay shrinks with it).
    while (index - next_ >= static_cast<std::int64_t>(slots_.size())) drop_one();
    store(index, frame);
    record_offset(index, arrival_ms);
    return PushResult::buffered;
}

// A frame of another stream than the current one.
PushResult JitterBuffer::switch_stream(const FrameView& frame, std::int64_t arrival_ms) {
    const FrameHeader& h = frame.header;
    if (have_stream_) {
        std::uint16_t* const left_begin = left_streams_.data();
        std::uint16_t* const left_end = left_begin + left_count_;
        if (std::find(left_begin, left_end, h.stream) != left_end) {
            // A straggler of a stream left behind; only a restart brings one back (the agent
            // returning to a call after a consultation, say).
            if (!h.restart) {
                ++stats_.other_stream;
                return PushResult::other_stream;
            }
            left_count_ = static_cast<std::size_t>(std::remove(left_begin, left_end, h.stream) - left_begin);
        }
        // Remember the stream left behind (the oldest is forgotten when the list is full).
        if (left_count_ == left_streams_.size()) {
            std::rotate(left_streams_.begin(), left_streams_.begin() + 1, left_streams_.end());
            --left_count_;
        }
        left_streams_[left_count_++] = stream_;
        timeline_ = false;  // the new stream's seq has nothing to do with the old one's
    }
    have_stream_ = true;
    stream_ = h.stream;
    start_timeline(frame, arrival_ms);
    return PushResult::buffered;
}

// A frame of the current stream whose seq is before the next one to play.
PushResult JitterBuffer::push_behind(const FrameView& frame, std::int64_t index, std::int64_t arrival_ms) {
    if (next_ - index > far_behind_frames) {
        // Far behind: a straggler, or a sender that started counting again without saying so.
        if (++far_behind_run_ >= far_behind_to_follow) {
            timeline_ = false;
            start_timeline(frame, arrival_ms);
            return PushResult::buffered;
        }
        ++stats_.late;
        return PushResult::late;
    }
    far_behind_run_ = 0;
    if (!playing_ && extendable_ && !holds(index) &&
        newest_index() - index < static_cast<std::int64_t>(slots_.size())) {
        // Nothing played yet: a frame older than the first one extends the timeline backwards,
        // unless the first one said restart (what came before it belongs to before the gap).
        next_ = index;
        store(index, frame);
        record_offset(index, arrival_ms);
        return PushResult::buffered;
    }
    const PushResult result = behind(index);
    if (result == PushResult::late) record_offset(index, arrival_ms);  // how late is what the target learns
    return result;
}

// A frame whose seq is shortly before the next one to play: played already, or too late.
PushResult JitterBuffer::behind(std::int64_t index) {
    const auto bit = static_cast<unsigned>(next_ - index - 1);
    const std::uint64_t mask = std::uint64_t{1} << bit;
    if ((seen_bits_ & mask) != 0) {
        ++stats_.duplicates;
        return PushResult::duplicate;
    }
    if ((missed_bits_ & mask) != 0) {
        missed_bits_ &= ~mask;  // not lost after all, only late
        if (stats_.lost > 0) --stats_.lost;
    }
    ++stats_.late;
    return PushResult::late;
}

void JitterBuffer::start_timeline(const FrameView& frame, std::int64_t arrival_ms) {
    ++stats_.restarts;
    // New timing, same network: the transit offsets go, the jitter learnt stays.
    offsets_count_ = 0;
    offsets_head_ = 0;
    const auto rel = static_cast<std::int32_t>(frame.header.seq - seq_at(next_));
    const auto ring = static_cast<std::int32_t>(slots_.size());
    if (timeline_ && rel > -ring && rel < ring) {
        // Same numbering: keep frames newer than this one, drop the older (from before the gap).
        for (Slot& s : slots_) {
            if (s.used && static_cast<std::int32_t>(s.seq - frame.header.seq) <= 0) {
                s.used = false;
                ++stats_.dropped;
            }
        }
        next_ += rel;
    } else {
        for (Slot& s : slots_) {
            if (s.used) ++stats_.dropped;
            s.used = false;
        }
        base_seq_ = frame.header.seq;
        next_ = 0;
    }
    timeline_ = true;
    extendable_ = !frame.header.restart;
    playing_ = false;
    last_was_silence_ = true;
    stalled_ = false;
    reset_pending_ = true;
    conceal_run_ = 0;
    far_behind_run_ = 0;
    seen_bits_ = 0;
    missed_bits_ = 0;
    store(next_, frame);
    record_offset(next_, arrival_ms);
}

void JitterBuffer::store(std::int64_t index, const FrameView& frame) {
    Slot& s = slot(index);
    s.used = true;
    s.silence = frame.header.silence;
    s.seq = frame.header.seq;
    s.timestamp = frame.header.timestamp;
    const std::size_t size = std::min(frame.payload.size(), max_payload_size);
    s.size = static_cast<std::uint16_t>(size);
    std::copy_n(frame.payload.begin(), size, s.bytes.begin());
}

// ---- delay estimation ----

void JitterBuffer::record_offset(std::int64_t index, std::int64_t arrival_ms) {
    const std::int64_t offset = arrival_ms - std::int64_t{frame_ms} * index;
    offsets_[offsets_head_] = offset;
    offsets_head_ = (offsets_head_ + 1) % offsets_.size();
    offsets_count_ = std::min(offsets_count_ + 1, offsets_.size());

    // This frame's jitter: how much slower than the fastest recent path it came.
    const std::int64_t fastest = min_offset();
    const auto jitter = static_cast<int>(std::min<std::int64_t>(offset - fastest, config_.max_delay_ms));
    jitters_[jitters_head_] = jitter;
    jitters_head_ = (jitters_head_ + 1) % jitters_.size();
    jitters_count_ = std::min(jitters_count_ + 1, jitters_.size());
    std::copy_n(jitters_.begin(), jitters_count_, scratch_.begin());
    const auto rank =
        static_cast<std::ptrdiff_t>(std::lround(jitter_quantile * static_cast<double>(jitters_count_ - 1)));
    std::nth_element(scratch_.begin(), scratch_.begin() + rank,
                     scratch_.begin() + static_cast<std::ptrdiff_t>(jitters_count_));
    quantile_ms_ = scratch_[static_cast<std::size_t>(rank)];

    // Grow at once when a second frame within the window needs more than the target: frames this
    // late now will be late again soon. One alone is an outlier the quantile already weighs.
    update_target(arrival_ms);
    if (jitter > target_ms_) {
        if (exceeded_ && arrival_ms - exceeded_at_ms_ <= confirm_window_ms) {
            peak_ms_ = std::min(jitter, exceeded_ms_);
            peak_at_ms_ = arrival_ms;
            update_target(arrival_ms);
        }
        exceeded_ = true;
        exceeded_ms_ = jitter;
        exceeded_at_ms_ = arrival_ms;
    }
}

void JitterBuffer::update_target(std::int64_t now_ms) {
    const std::int64_t since = now_ms - peak_at_ms_ - peak_hold_ms;
    const std::int64_t decay = since > 0 ? since * peak_decay_per_s / 1000 : 0;
    const auto peak = static_cast<int>(std::max<std::int64_t>(0, peak_ms_ - decay));
    target_ms_ = std::clamp(std::max(quantile_ms_, peak), config_.min_delay_ms, config_.max_delay_ms);
    stats_.target_delay_ms = target_ms_;
}

std::int64_t JitterBuffer::min_offset() const {
    std::int64_t fastest = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 0; i < offsets_count_; ++i) fastest = std::min(fastest, offsets_[i]);
    return offsets_count_ == 0 ? 0 : fastest;
}

// How long a frame that came by the fastest path waits before the pop at `now_ms` plays it.
std::int64_t JitterBuffer::delay_at(std::int64_t now_ms) const {
    return now_ms - min_offset() - std::int64_t{frame_ms} * next_;
}

// ---- playout ----

void JitterBuffer::advance() {
    slot(next_).used = false;
    seen_bits_ <<= 1U;
    missed_bits_ <<= 1U;
    ++next_;
}

// Lets the frame due now go unplayed (or skips its hole) to shorten the delay by 20 ms.
void JitterBuffer::drop_one() {
    const bool here = holds(next_);
    advance();
    if (here) {
        ++stats_.dropped;
        seen_bits_ |= 1U;
    } else {
        ++stats_.lost;
        missed_bits_ |= 1U;
    }
}

Playout JitterBuffer::silence_out() {
    ++stats_.silence;
    last_was_silence_ = true;
    return Playout{};
}

Playout JitterBuffer::conceal_out(std::span<const std::uint8_t> fec) {
    // Concealment after silence is silence; after max_conceal_frames of it, PLC has faded anyway.
    if (last_was_silence_ || conceal_run_ >= config_.max_conceal_frames) return silence_out();
    ++conceal_run_;
    ++stats_.concealed;
    Playout out;
    out.play = Play::conceal;
    out.payload = fec;
    out.reset_decoder = std::exchange(reset_pending_, false);
    return out;
}

std::span<const std::uint8_t> JitterBuffer::fec_for_next() const {
    if (!holds(next_ + 1)) return {};
    const Slot& s = slot(next_ + 1);
    if (s.silence) return {};
    return {s.bytes.data(), s.size};
}

Playout JitterBuffer::pop(std::int64_t now_ms) {
    if (!timeline_) return silence_out();
    update_target(now_ms);
    std::int64_t delay = delay_at(now_ms);
    if (!playing_) {
        stats_.current_delay_ms = 0;
        if (delay < target_ms_) return silence_out();  // the first frames wait out the target
        playing_ = true;
    }
    // Never later than max_delay_ms: what is due too late goes at once, not slowly.
    while (delay > config_.max_delay_ms && buffered_after_next()) {
        drop_one();
        delay -= frame_ms;
    }
    // Missing frames are free to skip while there is delay to spare (after a stall, say): nothing
    // that is here is lost by it, and the delay comes back at once.
    while (!holds(next_) && buffered_after_next() && delay >= target_ms_ + frame_ms) {
        drop_one();
        delay -= frame_ms;
    }
    stats_.current_delay_ms = static_cast<int>(std::clamp<std::int64_t>(delay, 0, 100000));

    const bool here = holds(next_);
    if (!here && !buffered_after_next()) {
        // Nothing to play at all: the stream paused, or its frames are late. Wait for them rather
        // than skip them (the delay grows by these 20 ms); silence once concealment has run out.
        stalled_ = true;
        last_grow_ms_ = now_ms;
        return conceal_out({});
    }
    stalled_ = false;
    if (delay < target_ms_) {
        // Grow now: 20 ms more before the frame due, so frames as late as the target come in time.
        last_grow_ms_ = now_ms;
        if (here && slot(next_).silence) return silence_out();
        return conceal_out({});
    }
    if (!here) {
        // A hole with frames after it: lost, or later than its playout time. Conceal and move on.
        Playout out = conceal_out(fec_for_next());
        advance();
        ++stats_.lost;
        missed_bits_ |= 1U;
        return out;
    }
    // A whole frame to spare: after shrinking the delay is still at least the target (the 20 ms band
    // between growing and shrinking keeps it from see-sawing).
    const bool spare = delay >= target_ms_ + frame_ms;
    if (spare && holds(next_ + 1) && now_ms - last_grow_ms_ >= calm_after_growth_ms &&
        (slot(next_).silence || now_ms - last_shrink_ms_ >= shrink_interval_ms)) {
        // Shrink: skip the frame due (a silence frame by preference) and play the next in its place.
        last_shrink_ms_ = now_ms;
        drop_one();
    }
    return play_due();
}

Playout JitterBuffer::play_due() {
    const Slot& s = slot(next_);
    Playout out;
    out.seq = s.seq;
    out.timestamp = s.timestamp;
    if (s.silence) {
        ++stats_.silence;
        last_was_silence_ = true;
    } else {
        out.play = Play::payload;
        out.payload = {s.bytes.data(), s.size};
        out.reset_decoder = std::exchange(reset_pending_, false);
        ++stats_.played;
        last_was_silence_ = false;
    }
    conceal_run_ = 0;
    advance();
    seen_bits_ |= 1U;
    return out;
}

}  // namespace ucs::media
