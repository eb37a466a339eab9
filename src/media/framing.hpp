#pragma once
// Between the audio device's blocks and the codec's frames. The capture side gets blocks of any size
// at the device's rate (128 samples at 44.1 kHz from an AudioWorklet) and needs 20 ms frames of 960
// samples at 48 kHz for Opus; the playback side gets such frames from the decoder and must fill
// blocks of the device's size and rate. Both keep exact long-run sample counts (see resampler.hpp)
// and allocate only in create().

#include "media/frame.hpp"
#include "media/resampler.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace ucs::media {

// Capture: device blocks in, 20 ms frames at 48 kHz out.
class FrameAssembler {
public:
    static Expected<FrameAssembler, ResamplerError> create(int device_rate);

    // Resamples `block` and calls on_frame(std::span<const float, frame_samples>) for every frame it
    // completes, in order (none, one or several, depending on the block's length).
    template <class OnFrame>
    void push(std::span<const float> block, OnFrame&& on_frame) {
        while (!block.empty()) {
            block = block.subspan(feed(block));
            while (pending_ >= frame_samples) {
                on_frame(std::span<const float, frame_samples>(buffer_.data(), frame_samples));
                take_frame();
            }
        }
    }

    // Samples waiting for the next frame, at 48 kHz.
    [[nodiscard]] std::size_t pending() const { return pending_; }
    [[nodiscard]] int device_rate() const { return resampler_.in_rate(); }
    void reset();

private:
    explicit FrameAssembler(Resampler resampler);
    std::size_t feed(std::span<const float> block);
    void take_frame();

    Resampler resampler_;
    std::vector<float> buffer_;  // 48 kHz samples not yet handed out, from the front
    std::size_t pending_ = 0;
};

// Playback: 20 ms frames at 48 kHz in, device blocks out.
class FrameSplitter {
public:
    static Expected<FrameSplitter, ResamplerError> create(int device_rate);

    // Room for one more frame? The buffer holds what two frames make at the device's rate.
    [[nodiscard]] bool wants_frame() const;
    // Resamples a decoded frame into the buffer. False (and nothing taken) when it has no room.
    bool push_frame(std::span<const float, frame_samples> frame);
    // Device-rate samples ready to play.
    [[nodiscard]] std::size_t available() const { return size_; }
    // Moves up to out.size() samples into `out`; returns how many (fewer only when not enough are
    // available: the caller plays what it got and silence for the rest).
    std::size_t pull(std::span<float> out);
    [[nodiscard]] int device_rate() const { return resampler_.out_rate(); }
    void reset();

private:
    explicit FrameSplitter(Resampler resampler);

    Resampler resampler_;
    std::vector<float> ring_;
    std::vector<float> scratch_;  // one frame's worth at the device rate
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace ucs::media
