#include "media/framing.hpp"

#include <algorithm>

namespace ucs::media {

namespace {

// Room for a frame being filled plus what one large device block can add before frames are taken.
constexpr std::size_t assembler_capacity = 4 * frame_samples;

}  // namespace

// ---- capture ----

Expected<FrameAssembler, ResamplerError> FrameAssembler::create(int device_rate) {
    auto resampler = Resampler::create(device_rate, sample_rate);
    if (!resampler) return Unexpected(resampler.error());
    return FrameAssembler(std::move(resampler).value());
}

FrameAssembler::FrameAssembler(Resampler resampler) : resampler_(std::move(resampler)), buffer_(assembler_capacity) {}

std::size_t FrameAssembler::feed(std::span<const float> block) {
    // As much of the block as fits after what is pending; frames are taken before the next feed.
    const std::size_t room = buffer_.size() - pending_;
    const std::size_t take = std::min(block.size(), resampler_.max_input_for(room));
    pending_ += resampler_.process(block.first(take), std::span<float>(buffer_).subspan(pending_));
    return take;
}

void FrameAssembler::take_frame() {
    std::copy(buffer_.begin() + frame_samples, buffer_.begin() + static_cast<std::ptrdiff_t>(pending_),
              buffer_.begin());
    pending_ -= frame_samples;
}

void FrameAssembler::reset() {
    resampler_.reset();
    pending_ = 0;
}

// ---- playback ----

Expected<FrameSplitter, ResamplerError> FrameSplitter::create(int device_rate) {
    auto resampler = Resampler::create(sample_rate, device_rate);
    if (!resampler) return Unexpected(resampler.error());
    return FrameSplitter(std::move(resampler).value());
}

FrameSplitter::FrameSplitter(Resampler resampler) : resampler_(std::move(resampler)) {
    // A frame at the device rate is at most one sample longer than its exact length.
    const std::size_t per_frame = frame_samples * static_cast<std::size_t>(resampler_.out_rate()) / sample_rate + 1;
    scratch_.resize(per_frame);
    ring_.resize(2 * per_frame);
}

bool FrameSplitter::wants_frame() const {
    return ring_.size() - size_ >= resampler_.output_size(frame_samples);
}

bool FrameSplitter::push_frame(std::span<const float, frame_samples> frame) {
    if (!wants_frame()) return false;
    const std::size_t n = resampler_.process(frame, scratch_);
    for (std::size_t i = 0; i < n; ++i) ring_[(head_ + size_ + i) % ring_.size()] = scratch_[i];
    size_ += n;
    return true;
}

std::size_t FrameSplitter::pull(std::span<float> out) {
    const std::size_t n = std::min(out.size(), size_);
    for (std::size_t i = 0; i < n; ++i) out[i] = ring_[(head_ + i) % ring_.size()];
    head_ = (head_ + n) % ring_.size();
    size_ -= n;
    return n;
}

void FrameSplitter::reset() {
    resampler_.reset();
    head_ = 0;
    size_ = 0;
}

}  // namespace ucs::media
