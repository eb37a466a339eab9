#include "server/media/recorder.hpp"

#include <algorithm>
#include <array>
#include <functional>

namespace ucs::server::media_bridge {

namespace {

// libopus's lookahead for OPUS_APPLICATION_VOIP at 48 kHz (what media::Encoder creates): 2.5 ms plus
// 4 ms of delay compensation. The decoder drops these samples at the start (OpusHead's pre-skip).
constexpr std::uint16_t encoder_lookahead = 312;
// An end that sends faster than ucsd's ticks (clock drift, a burst after a stall) keeps at most this
// much waiting; older audio is dropped so the ends stay in step.
constexpr std::size_t max_pending = media::frame_samples * 5;
constexpr std::size_t packets_per_page = 50;  // about a second of audio per Ogg page

}  // namespace

CallRecorder::CallRecorder(media::Encoder encoder, OggOpusWriter writer)
    : encoder_(std::move(encoder)), writer_(std::move(writer)) {}

Expected<CallRecorder, std::string> CallRecorder::create(const std::string& uniqueid) {
    media::EncoderSettings settings;
    settings.inband_fec = false;  // a file loses nothing
    settings.expected_loss_percent = 0;
    // Every recorded call encodes 50 frames a second on ucsd's event loop; at the codec's default (5)
    // that was most of a recorded call's CPU (bench/media-load.mjs). Speech at 24 kbit/s barely
    // differs at 1.
    settings.complexity = 1;
    auto encoder = media::Encoder::create(settings);
    if (!encoder) return Unexpected("recording: " + std::string(media::to_string(encoder.error())));
    const auto serial = static_cast<std::uint32_t>(std::hash<std::string>{}(uniqueid));
    return CallRecorder(std::move(encoder).value(),
                        OggOpusWriter(serial, OpusHead{1, encoder_lookahead, media::sample_rate}, "ucsd"));
}

void CallRecorder::said(const std::string& from, std::span<const std::uint8_t> packet) {
    if (packet.empty()) return;  // silence: nothing to mix in
    End& end = ends_[from];
    if (!end.decoder) {
        auto decoder = media::Decoder::create();
        if (!decoder) return;
        end.decoder.emplace(std::move(decoder).value());
    }
    std::array<float, media::frame_samples> pcm{};
    auto decoded = end.decoder->decode(packet, pcm);
    if (!decoded) return;  // a broken packet is not recorded, as it was not heard
    end.pending.insert(end.pending.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(*decoded));
    while (end.pending.size() > max_pending) end.pending.pop_front();
}

std::string CallRecorder::tick() {
    std::string out;
    if (!headers_written_) {
        out = writer_.headers();
        headers_written_ = true;
    }
    std::array<float, media::frame_samples> mix{};
    for (auto& [id, end] : ends_) {
        const std::size_t n = std::min(end.pending.size(), mix.size());
        for (std::size_t i = 0; i < n; ++i) mix[i] += end.pending[i];
        end.pending.erase(end.pending.begin(), end.pending.begin() + static_cast<std::ptrdiff_t>(n));
    }
    for (float& sample : mix) sample = std::clamp(sample, -1.0F, 1.0F);
    std::array<std::uint8_t, media::max_payload_size> packet{};
    auto size = encoder_.encode(mix, packet);
    if (size) writer_.add(std::span(packet).first(*size), media::frame_samples);
    if (writer_.pending() >= packets_per_page) out += writer_.flush();
    return out;
}

std::string CallRecorder::finish() {
    if (!headers_written_) return {};  // never talked: no file
    return writer_.flush(true);
}

}  // namespace ucs::server::media_bridge
