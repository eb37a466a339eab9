#pragma once
// Streaming sample-rate conversion between an AudioContext's rate (44.1 kHz in headless Chromium,
// 48 kHz on many machines, anything from 8 to 192 kHz) and Opus's 48 kHz.
//
// A polyphase windowed-sinc (Kaiser, about 80 dB stopband) at the exact rational ratio: the position
// of every output sample is an exact fraction, so after N input samples exactly ceil(N * out / in)
// have come out, whatever the block sizes were, and no drift accumulates over a call. The band edge
// sits just below the lower rate's Nyquist frequency (a 44.1 kHz device keeps everything up to 17 kHz,
// a 16 kHz one up to 6 kHz), which is more than speech needs. Ratios with more than 512 phases (such
// as 11025 <-> 48000) interpolate between 512 precomputed phases. Equal rates are a plain copy.
//
// No allocation after create(): process() writes into the caller's span, so it may run on the audio
// thread.

#include "core/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ucs::media {

enum class ResamplerError : std::uint8_t {
    unsupported_rate,  // a rate outside [min_rate, max_rate]
};

std::string_view to_string(ResamplerError error);

class Resampler {
public:
    static constexpr int min_rate = 8000;
    static constexpr int max_rate = 192000;

    static Expected<Resampler, ResamplerError> create(int in_rate, int out_rate);

    [[nodiscard]] int in_rate() const { return in_rate_; }
    [[nodiscard]] int out_rate() const { return out_rate_; }

    // Exactly how many samples process() gives for the next `in_samples` input samples.
    [[nodiscard]] std::size_t output_size(std::size_t in_samples) const;
    // The most input samples whose output fits in `out_samples` (the inverse of output_size).
    [[nodiscard]] std::size_t max_input_for(std::size_t out_samples) const;

    // Converts `in` and writes the result to the front of `out`, which must hold output_size(in.size())
    // samples (less is a bug: it asserts). Returns the number written.
    std::size_t process(std::span<const float> in, std::span<float> out);

    // How far the output lags the input, in seconds of signal (the filter's half length).
    [[nodiscard]] double delay_seconds() const;

    // Forgets the signal (history and position), as if newly created.
    void reset();

private:
    Resampler() = default;
    [[nodiscard]] float convolve(const float* window) const;

    int in_rate_ = 0;
    int out_rate_ = 0;
    std::int64_t up_ = 1;  // out/in = up_/down_, in lowest terms
    std::int64_t down_ = 1;
    std::size_t taps_ = 0;        // filter length, in input samples
    std::size_t rows_ = 0;        // phases in the table
    bool interpolate_ = false;    // rows_ + 1 rows sampled evenly, interpolated between
    std::vector<float> table_;    // rows x taps_, each row a filter for one fractional position
    std::vector<float> history_;  // the last taps_ inputs, stored twice so a window is contiguous
    std::size_t write_ = 0;
    // The next output's position in the input: sample `index_` plus phase_ / up_.
    std::int64_t consumed_ = 0;
    std::int64_t index_ = 0;
    std::int64_t phase_ = 0;
};

}  // namespace ucs::media
