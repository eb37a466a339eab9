#include "media/resampler.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>
#include <numeric>

namespace ucs::media {

namespace {

constexpr double stopband_db = 80;
constexpr std::size_t taps_at_lower_rate = 48;  // filter length in samples of the lower of the two rates
constexpr std::int64_t max_exact_rows = 512;    // more phases than this: interpolate between 512

// Zeroth-order modified Bessel function of the first kind (the Kaiser window's), by its series.
double bessel_i0(double x) {
    double sum = 1;
    double term = 1;
    for (int k = 1; k < 50; ++k) {
        term *= (x / (2 * k)) * (x / (2 * k));
        sum += term;
        if (term < sum * 1e-17) break;
    }
    return sum;
}

}  // namespace

std::string_view to_string(ResamplerError error) {
    switch (error) {
        case ResamplerError::unsupported_rate:
            return "sample rate outside 8000..192000 Hz";
    }
    return "unknown resampler error";
}

Expected<Resampler, ResamplerError> Resampler::create(int in_rate, int out_rate) {
    if (in_rate < min_rate || in_rate > max_rate || out_rate < min_rate || out_rate > max_rate) {
        return Unexpected(ResamplerError::unsupported_rate);
    }
    Resampler r;
    r.in_rate_ = in_rate;
    r.out_rate_ = out_rate;
    const int common = std::gcd(in_rate, out_rate);
    r.up_ = out_rate / common;
    r.down_ = in_rate / common;
    if (r.up_ == r.down_) return r;  // a copy

    // Kaiser's design formulas: the transition band this length affords at this attenuation, placed
    // so the stopband starts at the lower rate's Nyquist frequency (nothing folds back or images).
    const double scale = std::min(1.0, static_cast<double>(r.up_) / static_cast<double>(r.down_));
    const double transition = (stopband_db - 7.95) / (14.36 * static_cast<double>(taps_at_lower_rate));
    const double cutoff = scale * (0.5 - transition / 2);  // cycles per input sample
    const double beta = 0.1102 * (stopband_db - 8.7);
    const auto half = static_cast<std::size_t>(std::ceil(static_cast<double>(taps_at_lower_rate) / 2 / scale));
    r.taps_ = 2 * half;

    r.interpolate_ = r.up_ > max_exact_rows;
    r.rows_ = static_cast<std::size_t>(r.interpolate_ ? max_exact_rows : r.up_);
    const std::size_t stored_rows = r.rows_ + (r.interpolate_ ? 1 : 0);
    r.table_.resize(stored_rows * r.taps_);
    const double norm = bessel_i0(beta);
    const auto h = static_cast<double>(half);
    for (std::size_t row = 0; row < stored_rows; ++row) {
        const double fraction = static_cast<double>(row) / static_cast<double>(r.rows_);
        double sum = 0;
        for (std::size_t j = 0; j < r.taps_; ++j) {
            // Distance from the output's position to input j of the window (oldest first).
            const double x = h - 1 - static_cast<double>(j) + fraction;
            const double u = x / h;
            const double window = std::abs(u) >= 1 ? 0 : bessel_i0(beta * std::sqrt(1 - u * u)) / norm;
            const double arg = 2 * cutoff * x;
            const double sinc = arg == 0 ? 1 : std::sin(std::numbers::pi * arg) / (std::numbers::pi * arg);
            const double c = 2 * cutoff * sinc * window;
            r.table_[row * r.taps_ + j] = static_cast<float>(c);
            sum += c;
        }
        // Unity gain at DC for every phase: a constant in is the same constant out.
        for (std::size_t j = 0; j < r.taps_; ++j) {
            r.table_[row * r.taps_ + j] = static_cast<float>(r.table_[row * r.taps_ + j] / sum);
        }
    }
    r.history_.assign(2 * r.taps_, 0.0F);
    return r;
}

std::size_t Resampler::output_size(std::size_t in_samples) const {
    if (up_ == down_) return in_samples;
    // Outputs m = 0, 1, ... from the next lie at index_ + floor((phase_ + m * down_) / up_); they
    // come out once that input is in, i.e. while that is below consumed_ + in_samples.
    const std::int64_t room = consumed_ + static_cast<std::int64_t>(in_samples) - index_;
    if (room <= 0) return 0;
    return static_cast<std::size_t>((room * up_ - phase_ + down_ - 1) / down_);
}

std::size_t Resampler::max_input_for(std::size_t out_samples) const {
    if (up_ == down_) return out_samples;
    // Output number out_samples (counting from 0) must stay unproduced: stop just before its input.
    const std::int64_t needs = index_ + (phase_ + static_cast<std::int64_t>(out_samples) * down_) / up_;
    return static_cast<std::size_t>(std::max<std::int64_t>(0, needs - consumed_));
}

double Resampler::delay_seconds() const {
    return static_cast<double>(taps_) / 2 / in_rate_;  // taps_ is even
}

void Resampler::reset() {
    std::fill(history_.begin(), history_.end(), 0.0F);
    write_ = 0;
    consumed_ = 0;
    index_ = 0;
    phase_ = 0;
}

float Resampler::convolve(const float* window) const {
    const auto dot = [&](std::size_t row) {
        const float* c = &table_[row * taps_];
        float acc = 0;
        for (std::size_t j = 0; j < taps_; ++j) acc += window[j] * c[j];
        return acc;
    };
    if (!interpolate_) return dot(static_cast<std::size_t>(phase_));
    const double position = static_cast<double>(phase_) * static_cast<double>(rows_) / static_cast<double>(up_);
    const auto row = static_cast<std::size_t>(position);
    const auto t = static_cast<float>(position - static_cast<double>(row));
    return (1 - t) * dot(row) + t * dot(row + 1);
}

std::size_t Resampler::process(std::span<const float> in, std::span<float> out) {
    assert(out.size() >= output_size(in.size()));
    if (up_ == down_) {
        std::copy(in.begin(), in.end(), out.begin());
        consumed_ += static_cast<std::int64_t>(in.size());
        return in.size();
    }
    std::size_t produced = 0;
    for (const float x : in) {
        history_[write_] = x;
        history_[write_ + taps_] = x;
        write_ = (write_ + 1) % taps_;
        ++consumed_;
        // Every output whose window ends at this input (one or more when upsampling, often none
        // when downsampling).
        while (index_ < consumed_) {
            out[produced++] = convolve(&history_[write_]);
            phase_ += down_;
            index_ += phase_ / up_;
            phase_ %= up_;
        }
    }
    return produced;
}

}  // namespace ucs::media
