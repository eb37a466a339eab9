// bindings/media_module.cpp: the softphone's codec module (operator-media-v<version>.wasm), which the
// bar's AudioWorklet (web/audio/media-worklet.js) instantiates on the audio thread. It wraps one
// ucs::media::MediaSender and one MediaReceiver (src/media/endpoint.hpp) and only converts: plain C
// exports over fixed buffers in the module's memory, no JS glue, no embind, so the worklet needs
// nothing but WebAssembly. Downloaded only by the tab that owns a paired softphone's audio.
//
// Memory rule: the buffers below are the module's own and live as long as it does; JS writes samples
// and frames into them and reads results out, never keeping views across a memory growth (there is
// none: the heap is fixed at link time).
#include "media/endpoint.hpp"

#include <emscripten/emscripten.h>

#include <array>
#include <cstdint>
#include <optional>

namespace {

using ucs::media::max_frame_size;

constexpr std::size_t max_block = 2048;   // samples per capture or render call (a quantum is 128)
constexpr std::size_t outbox_frames = 8;  // frames one capture call can complete (a 2048-block at 8 kHz: 6)

struct Module {
    std::optional<ucs::media::MediaSender> sender;
    std::optional<ucs::media::MediaReceiver> receiver;
    std::array<float, max_block> input{};
    std::array<float, max_block> output{};
    std::array<std::uint8_t, max_frame_size> inbox{};
    std::array<std::uint8_t, outbox_frames * max_frame_size> outbox{};
    std::array<std::uint32_t, outbox_frames> outbox_sizes{};
};

Module& module() {
    static Module instance;
    return instance;
}

std::size_t clamp_samples(int n) { return n <= 0 ? 0 : std::min(static_cast<std::size_t>(n), max_block); }

}  // namespace

extern "C" {

// 0 on success; 1 for a device rate the resampler does not take, 2 when libopus failed.
EMSCRIPTEN_KEEPALIVE int ucs_media_init(int device_rate) {
    auto& m = module();
    auto sender = ucs::media::MediaSender::create(device_rate);
    if (!sender) return sender.error() == ucs::media::EndpointError::unsupported_rate ? 1 : 2;
    auto receiver = ucs::media::MediaReceiver::create(device_rate);
    if (!receiver) return receiver.error() == ucs::media::EndpointError::unsupported_rate ? 1 : 2;
    m.sender.emplace(std::move(sender).value());
    m.receiver.emplace(std::move(receiver).value());
    return 0;
}

EMSCRIPTEN_KEEPALIVE float* ucs_media_input() { return module().input.data(); }
EMSCRIPTEN_KEEPALIVE float* ucs_media_output() { return module().output.data(); }
EMSCRIPTEN_KEEPALIVE std::uint8_t* ucs_media_inbox() { return module().inbox.data(); }
EMSCRIPTEN_KEEPALIVE std::uint8_t* ucs_media_outbox() { return module().outbox.data(); }
EMSCRIPTEN_KEEPALIVE std::uint32_t* ucs_media_outbox_sizes() { return module().outbox_sizes.data(); }
EMSCRIPTEN_KEEPALIVE int ucs_media_block_capacity() { return static_cast<int>(max_block); }

// media.attach's answer: a new stream; the receiver starts afresh too.
EMSCRIPTEN_KEEPALIVE void ucs_media_attach(int stream) {
    auto& m = module();
    if (!m.sender) return;
    m.sender->attach(static_cast<std::uint16_t>(stream));
    m.receiver->reset();
}

EMSCRIPTEN_KEEPALIVE void ucs_media_detach() {
    auto& m = module();
    if (m.sender) m.sender->detach();
}

EMSCRIPTEN_KEEPALIVE void ucs_media_mute(int muted) {
    auto& m = module();
    if (m.sender) m.sender->set_muted(muted != 0);
}

EMSCRIPTEN_KEEPALIVE void ucs_media_pause() {
    auto& m = module();
    if (m.sender) m.sender->pause();
}

// `n` samples in input() were captured: returns how many frames are now in the outbox (their sizes in
// outbox_sizes(), each at outbox() + i * max_frame_size).
EMSCRIPTEN_KEEPALIVE int ucs_media_capture(int n) {
    auto& m = module();
    if (!m.sender) return 0;
    std::size_t count = 0;
    m.sender->capture(std::span<const float>(m.input.data(), clamp_samples(n)), [&](std::span<const std::uint8_t> bytes) {
        if (count == outbox_frames) return;  // cannot happen with max_block; dropped rather than overrun
        std::copy(bytes.begin(), bytes.end(), m.outbox.begin() + static_cast<std::ptrdiff_t>(count * max_frame_size));
        m.outbox_sizes[count++] = static_cast<std::uint32_t>(bytes.size());
    });
    return static_cast<int>(count);
}

// `size` bytes in inbox() arrived at `arrival_ms`: returns the stream the sender now follows, or -1
// when the frame was dropped (not a frame, a straggler of a stream left behind).
EMSCRIPTEN_KEEPALIVE int ucs_media_receive(int size, double arrival_ms) {
    auto& m = module();
    if (!m.receiver || size < 0) return -1;
    const auto bytes = std::span<const std::uint8_t>(m.inbox.data(), std::min(static_cast<std::size_t>(size), max_frame_size));
    const auto stream = m.receiver->receive(bytes, static_cast<std::int64_t>(arrival_ms));
    if (!stream) return -1;
    m.sender->follow(*stream);
    return *stream;
}

// Fills output() with `n` samples to play from `now_ms` on.
EMSCRIPTEN_KEEPALIVE void ucs_media_render(int n, double now_ms) {
    auto& m = module();
    if (!m.receiver) return;
    m.receiver->render(std::span<float>(m.output.data(), clamp_samples(n)), static_cast<std::int64_t>(now_ms));
}

// Counters for tests and benches, by index: 0 frames sent, 1 silence frames sent, 2 frames received
// into the jitter buffer, 3 payloads played, 4 concealed, 5 late, 6 lost, 7 invalid, 8 the jitter
// buffer's current delay (ms), 9 the capture timestamp of the last frame played (48 kHz ticks),
// 10 duplicates (a seq already buffered or played, dropped), 11 frames of a stream left behind.
// Read-only; they survive attaches (MediaReceiver::reset keeps the stats).
EMSCRIPTEN_KEEPALIVE double ucs_media_stat(int which) {
    auto& m = module();
    if (!m.sender) return 0;
    const auto& jitter = m.receiver->jitter();
    switch (which) {
        case 0: return static_cast<double>(m.sender->stats().frames);
        case 1: return static_cast<double>(m.sender->stats().silence);
        case 2: return static_cast<double>(jitter.received);
        case 3: return static_cast<double>(jitter.played);
        case 4: return static_cast<double>(jitter.concealed);
        case 5: return static_cast<double>(jitter.late);
        case 6: return static_cast<double>(jitter.lost);
        case 7: return static_cast<double>(m.receiver->stats().invalid);
        case 8: return static_cast<double>(jitter.current_delay_ms);
        case 9: return static_cast<double>(m.receiver->last_timestamp());
        case 10: return static_cast<double>(jitter.duplicates);
        case 11: return static_cast<double>(jitter.other_stream);
        default: return 0;
    }
}

}  // extern "C"
