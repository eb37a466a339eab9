#include "server/media/clip.hpp"

#include "media/frame.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace ucs::server::media_bridge {

Expected<std::shared_ptr<const Clip>, media::CodecError> encode_clip(std::span<const float> pcm) {
    auto encoder = media::Encoder::create();
    if (!encoder) return Unexpected(encoder.error());
    auto clip = std::make_shared<Clip>();
    std::array<float, media::frame_samples> frame{};
    std::array<std::uint8_t, media::max_payload_size> packet{};
    for (std::size_t at = 0; at < pcm.size(); at += media::frame_samples) {
        const std::size_t count = std::min(media::frame_samples, pcm.size() - at);
        std::fill(frame.begin(), frame.end(), 0.0F);
        std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(at), count, frame.begin());
        auto size = encoder->encode(frame, packet);
        if (!size) return Unexpected(size.error());
        clip->packets.emplace_back(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(*size));
    }
    return std::shared_ptr<const Clip>(std::move(clip));
}

std::vector<float> tone_second(double frequency) {
    std::vector<float> samples(media::sample_rate);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        samples[i] = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) /
                                                        media::sample_rate));
    }
    return samples;
}

}  // namespace ucs::server::media_bridge
