// Links Opus (encoder + decoder, through src/media's wrapper) into a wasm module; bench/size reports
// what it costs: the bytes the softphone's codec module adds. Compare media_size_probe, the same
// without the codec. Running it under node encodes and decodes one frame and prints "ok <bytes>".
#include "media/opus_codec.hpp"

#include <array>
#include <cmath>
#include <cstdio>

int main() {
    auto encoder = ucs::media::Encoder::create();
    auto decoder = ucs::media::Decoder::create();
    if (!encoder || !decoder) return 1;
    std::array<float, ucs::media::frame_samples> pcm{};
    for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = 0.3F * std::sin(0.13F * static_cast<float>(i));
    std::array<std::uint8_t, ucs::media::max_payload_size> packet{};
    const auto size = encoder->encode(pcm, packet);
    if (!size) return 2;
    if (!decoder->decode(std::span<const std::uint8_t>(packet.data(), *size), pcm)) return 3;
    std::printf("ok %zu\n", *size);
    return 0;
}
