#include "server/media/recorder.hpp"

#include "media/frame.hpp"

#include <opus.h>

#include <functional>

namespace ucs::server::media_bridge {

namespace {

// What the ends' encoders (media::Encoder, OPUS_APPLICATION_VOIP at 48 kHz: the bars' and the
// simulated parties' clips) look ahead: 2.5 ms plus 4 ms of delay compensation. The decoder drops
// these samples at the start (OpusHead's pre-skip).
constexpr std::uint16_t encoder_lookahead = 312;
// An end that sends faster than ucsd's ticks (clock drift, a burst after a stall) keeps at most this
// many packets waiting; older ones are dropped so the ends stay in step.
constexpr std::size_t max_pending = 5;
constexpr std::size_t packets_per_page = 50;  // about a second of audio per Ogg page
// 20 ms of silence in Opus: one CELT fullband frame whose range-coded payload decodes to zeros.
constexpr std::array<std::uint8_t, 3> silence_packet{0xF8, 0xFF, 0xFE};

std::size_t channel_of(media::Side end) { return end == media::Side::caller ? 0 : 1; }

}  // namespace

CallRecorder::CallRecorder(const std::string& uniqueid)
    : writer_(static_cast<std::uint32_t>(std::hash<std::string>{}(uniqueid)),
              OpusHead{.channels = 2, .pre_skip = encoder_lookahead, .input_rate = media::sample_rate, .mapping_family = 1},
              "ucsd") {}

void CallRecorder::said(media::Side end, std::span<const std::uint8_t> packet) {
    if (packet.empty()) return;  // silence: tick() fills it in
    const auto size = static_cast<opus_int32>(packet.size());
    std::array<const unsigned char*, 48> frames{};
    std::array<opus_int16, 48> sizes{};
    unsigned char toc = 0;
    if (opus_packet_parse(packet.data(), size, &toc, frames.data(), sizes.data(), nullptr) < 1 ||
        opus_packet_get_nb_samples(packet.data(), size, media::sample_rate) != static_cast<int>(media::frame_samples))
        return;
    auto& pending = pending_[channel_of(end)];
    pending.emplace_back(packet.begin(), packet.end());
    while (pending.size() > max_pending) pending.pop_front();
}

std::string CallRecorder::tick() {
    std::string out;
    if (!headers_written_) {
        out = writer_.headers();
        headers_written_ = true;
    }
    std::array<std::vector<std::uint8_t>, 2> now;
    std::array<std::span<const std::uint8_t>, 2> packets;
    for (std::size_t channel = 0; channel < now.size(); ++channel) {
        auto& pending = pending_[channel];
        if (!pending.empty()) {
            now[channel] = std::move(pending.front());
            pending.pop_front();
            packets[channel] = now[channel];
        } else {
            packets[channel] = silence_packet;
        }
    }
    auto packet = multistream_packet(packets);
    if (!packet) packet = multistream_packet(std::array<std::span<const std::uint8_t>, 2>{silence_packet, silence_packet});
    if (packet) {
        const std::span bytes(reinterpret_cast<const std::uint8_t*>(packet->data()), packet->size());
        writer_.add(bytes, media::frame_samples);
    }
    if (writer_.pending() >= packets_per_page) out += writer_.flush();
    return out;
}

std::string CallRecorder::finish() {
    if (!headers_written_) return {};  // never talked: no file
    return writer_.flush(true);
}

}  // namespace ucs::server::media_bridge
