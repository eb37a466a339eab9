#pragma once
// A sine tone cut into the media path's 20 ms frames (48 kHz mono), for tests that encode audio and
// look for the tone again at the far end (tone_detector).

#include "media/frame.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>

namespace ucs::test {

// Frame `index` of a continuous tone of `frequency` Hz at amplitude 0.4.
inline std::array<float, media::frame_samples> tone_frame(double frequency, std::size_t index) {
    std::array<float, media::frame_samples> pcm{};
    for (std::size_t i = 0; i < media::frame_samples; ++i) {
        const double t = static_cast<double>(index * media::frame_samples + i) / media::sample_rate;
        pcm[i] = 0.4F * static_cast<float>(std::sin(2 * std::numbers::pi * frequency * t));
    }
    return pcm;
}

}  // namespace ucs::test
