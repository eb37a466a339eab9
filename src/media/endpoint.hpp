#pragma once
// The bar's end of the media socket (docs/media.md, "The bar's side"), sans-IO: the AudioWorklet's
// wasm (bindings/media_module.cpp) wraps one MediaSender and one MediaReceiver and does nothing but
// move samples and bytes. Device blocks of any size and rate go in; frames come out (sender), and
// frames go in as they arrive, device blocks come out (receiver). The caller's clock comes in as
// arguments; nothing here allocates after create().
//
// The sender follows ucsd's streams: it sends on the stream of the last frame the receiver accepted
// (the attach answer's until then), numbers frames from 0 per stream and sets `restart` on the first
// frame of a stream and after any gap in its sending (capture stopped, a new attach). While muted it
// sends silence frames, one per 20 ms, so ucsd sees no loss and the far end hears nothing.

#include "media/frame.hpp"
#include "media/framing.hpp"
#include "media/jitter_buffer.hpp"
#include "media/opus_codec.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace ucs::media {

enum class EndpointError : std::uint8_t {
    unsupported_rate,  // the device's rate is outside what the resampler takes
    codec_failed,      // libopus could not make its encoder or decoder
};

std::string_view to_string(EndpointError error);

struct SenderStats {
    std::uint64_t frames = 0;   // frames handed out (audio and silence)
    std::uint64_t silence = 0;  // of which silence frames (muted)
    std::uint64_t streams = 0;  // streams started (attach answers and followed streams)
    std::uint64_t encode_errors = 0;
};

class MediaSender {
public:
    static Expected<MediaSender, EndpointError> create(int device_rate, const EncoderSettings& settings = {});

    // media.attach's answer: send on `stream` from seq 0, restart set, capture timing afresh.
    void attach(std::uint16_t stream);
    // Nothing is sent before attach() (and after detach()).
    void detach();
    // The receiver accepted a frame of `stream`: a new one is followed from its first frame on.
    void follow(std::uint16_t stream);
    // Muted: silence frames instead of audio (the track is disabled too, but ucsd must know).
    void set_muted(bool muted) { muted_ = muted; }
    // The capture stopped (no microphone, a gap): the next frame says restart.
    void pause();

    // One device block captured. Calls on_frame(std::span<const std::uint8_t>) with the bytes of
    // every frame it completes (none, one or several); they are valid only during the call.
    template <class OnFrame>
    void capture(std::span<const float> block, OnFrame&& on_frame) {
        if (!attached_) return;
        assembler_.push(block, [&](std::span<const float, frame_samples> pcm) {
            const auto bytes = next_frame(pcm);
            if (!bytes.empty()) on_frame(bytes);
        });
    }

    [[nodiscard]] bool attached() const { return attached_; }
    [[nodiscard]] std::uint16_t stream() const { return stream_; }
    [[nodiscard]] std::uint32_t next_seq() const { return seq_; }
    [[nodiscard]] bool muted() const { return muted_; }
    [[nodiscard]] const SenderStats& stats() const { return stats_; }

private:
    MediaSender(FrameAssembler assembler, Encoder encoder)
        : assembler_(std::move(assembler)), encoder_(std::move(encoder)) {}
    void start_stream(std::uint16_t stream);
    std::span<const std::uint8_t> next_frame(std::span<const float, frame_samples> pcm);

    FrameAssembler assembler_;
    Encoder encoder_;
    SenderStats stats_;
    bool attached_ = false;
    bool muted_ = false;
    bool restart_ = true;
    std::uint16_t stream_ = 0;
    std::uint32_t seq_ = 0;
    std::uint32_t timestamp_ = 0;
    std::array<std::uint8_t, max_payload_size> payload_{};
    std::array<std::uint8_t, max_frame_size> frame_{};
};

struct ReceiverStats {
    std::uint64_t invalid = 0;        // binary messages that are not frames (dropped, counted)
    std::uint64_t decode_errors = 0;  // payloads libopus refused (played as concealment)
    std::uint64_t blocks = 0;         // device blocks rendered
    std::uint64_t underruns = 0;      // device samples filled with silence because nothing was decoded
};

class MediaReceiver {
public:
    static Expected<MediaReceiver, EndpointError> create(int device_rate, const JitterConfig& config = {});

    // A binary message arrived at `arrival_ms`. Returns the frame's stream when the jitter buffer
    // took it as the current stream (for MediaSender::follow), nothing when it was dropped as not a
    // frame or as a straggler of a stream left behind.
    std::optional<std::uint16_t> receive(std::span<const std::uint8_t> bytes, std::int64_t arrival_ms);

    // Fills `out` (one device block) with what to play from `now_ms` on: decoded frames, Opus
    // concealment for missing ones, silence when there is nothing.
    void render(std::span<float> out, std::int64_t now_ms);

    // A new attach: forget the stream and its timing (keeps the stats).
    void reset();

    [[nodiscard]] const JitterStats& jitter() const { return jitter_.stats(); }
    [[nodiscard]] const ReceiverStats& stats() const { return stats_; }
    // The capture timestamp (48 kHz ticks) of the last frame handed to the decoder, for latency probes.
    [[nodiscard]] std::uint32_t last_timestamp() const { return last_timestamp_; }

private:
    MediaReceiver(FrameSplitter splitter, Decoder decoder, const JitterConfig& config)
        : splitter_(std::move(splitter)), decoder_(std::move(decoder)), jitter_(config) {}
    void decode_next(std::int64_t now_ms);

    FrameSplitter splitter_;
    Decoder decoder_;
    JitterBuffer jitter_;
    ReceiverStats stats_;
    std::uint32_t last_timestamp_ = 0;
    std::array<float, frame_samples> pcm_{};
};

}  // namespace ucs::media
