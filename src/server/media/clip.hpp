#pragma once
// Generated audio as the media bridge plays it: a loop of Opus packets encoded once and shared by
// every listener (music on hold for all held parties, one rendering per spoken text or tone), so
// playing it to a listener costs a copy, not an encoder.

#include "core/expected.hpp"
#include "media/opus_codec.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ucs::server::media_bridge {

struct Clip {
    std::vector<std::vector<std::uint8_t>> packets;  // one 20 ms Opus packet each, played in a loop
};

// `pcm` (48 kHz mono in [-1, 1]) as 20 ms packets; the last frame is padded with silence.
Expected<std::shared_ptr<const Clip>, media::CodecError> encode_clip(std::span<const float> pcm);

// One second of a sine at `frequency` Hz, amplitude 0.5 (an integer frequency loops without a click).
std::vector<float> tone_second(double frequency);

}  // namespace ucs::server::media_bridge
