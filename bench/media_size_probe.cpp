// Links the media core without the codec (frame parsing, jitter buffer, resampling to and from 48 kHz
// frames) into a wasm module, for bench/size: the baseline opus_size_probe is compared with. Running it
// under node pushes one frame through and prints "ok".
#include "media/frame.hpp"
#include "media/framing.hpp"
#include "media/jitter_buffer.hpp"

#include <array>
#include <cstdio>

int main() {
    const std::array<std::uint8_t, 2> payload{0xF8, 0xFF};
    std::array<std::uint8_t, ucs::media::max_frame_size> bytes{};
    const auto size = ucs::media::encode_frame(ucs::media::FrameHeader{.stream = 1, .seq = 1}, payload, bytes);
    if (!size) return 1;
    const auto frame = ucs::media::parse_frame(std::span<const std::uint8_t>(bytes.data(), *size));
    if (!frame) return 2;
    ucs::media::JitterBuffer jb;
    jb.push(*frame, 0);
    if (jb.pop(40).play != ucs::media::Play::payload) return 3;

    auto capture = ucs::media::FrameAssembler::create(44100);
    auto playback = ucs::media::FrameSplitter::create(44100);
    if (!capture || !playback) return 4;
    std::array<float, 1024> block{};
    std::size_t frames = 0;
    capture->push(
        block, [&](std::span<const float, ucs::media::frame_samples> f) { frames += playback->push_frame(f) ? 1 : 0; });
    std::printf("ok %zu\n", frames);
    return 0;
}
