#pragma once
// One frequency's share of a signal (the Goertzel algorithm): tests and ucsd's simulated parties ask
// "is the 1 kHz tone there?" without a whole FFT. share() is about 1 for a pure tone at the frequency
// (over a whole number of its periods) and near 0 for other tones, silence or noise.

#include <cstddef>
#include <span>

namespace ucs::media {

class Goertzel {
public:
    Goertzel(double frequency, int sample_rate);

    void add(std::span<const float> samples);
    // Power at the frequency, as the squared amplitude of a sinusoid there (0.25 for one of amplitude 0.5).
    [[nodiscard]] double amplitude_squared() const;
    // That power over the block's total power: the frequency's share of the signal, in [0, ~1].
    [[nodiscard]] double share() const;
    [[nodiscard]] std::size_t samples() const { return count_; }
    void reset();

private:
    double coefficient_;
    double s1_ = 0;
    double s2_ = 0;
    double energy_ = 0;
    std::size_t count_ = 0;
};

// Goertzel over one block: the share of `frequency` in `samples`.
double tone_share(std::span<const float> samples, int sample_rate, double frequency);

}  // namespace ucs::media
