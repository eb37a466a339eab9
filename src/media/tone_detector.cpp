#include "media/tone_detector.hpp"

#include <cmath>
#include <numbers>

namespace ucs::media {

Goertzel::Goertzel(double frequency, int sample_rate)
    : coefficient_(2 * std::cos(2 * std::numbers::pi * frequency / sample_rate)) {}

void Goertzel::add(std::span<const float> samples) {
    for (const float x : samples) {
        const double s0 = x + coefficient_ * s1_ - s2_;
        s2_ = s1_;
        s1_ = s0;
        energy_ += static_cast<double>(x) * x;
    }
    count_ += samples.size();
}

double Goertzel::amplitude_squared() const {
    if (count_ == 0) return 0;
    // |X(k)|^2 of the block; a sinusoid of amplitude A over N samples gives (A N / 2)^2.
    const double power = s1_ * s1_ + s2_ * s2_ - coefficient_ * s1_ * s2_;
    const auto n = static_cast<double>(count_);
    return 4 * power / (n * n);
}

double Goertzel::share() const {
    if (energy_ <= 0) return 0;
    // The sinusoid's power (A^2 / 2) over the block's mean power.
    return amplitude_squared() / 2 / (energy_ / static_cast<double>(count_));
}

void Goertzel::reset() {
    s1_ = s2_ = energy_ = 0;
    count_ = 0;
}

double tone_share(std::span<const float> samples, int sample_rate, double frequency) {
    Goertzel g(frequency, sample_rate);
    g.add(samples);
    return g.share();
}

}  // namespace ucs::media
