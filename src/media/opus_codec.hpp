#pragma once
// Opus (RFC 6716) for the media path: one encoder and one decoder per direction, 48 kHz mono, 20 ms
// frames of float samples in [-1, 1]. RAII over libopus (Debian's natively, our wasm32 build in the
// browser); errors are values. <opus.h> stays out of this header, so users need not see libopus.

#include "core/expected.hpp"
#include "media/frame.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

struct OpusEncoder;  // libopus's own opaque types
struct OpusDecoder;

namespace ucs::media {

enum class CodecError : std::uint8_t {
    bad_argument,      // OPUS_BAD_ARG: a setting out of range
    buffer_too_small,  // OPUS_BUFFER_TOO_SMALL
    internal_error,    // OPUS_INTERNAL_ERROR
    invalid_packet,    // OPUS_INVALID_PACKET, or a packet that is not 20 ms of audio
    unimplemented,     // OPUS_UNIMPLEMENTED
    invalid_state,     // OPUS_INVALID_STATE
    out_of_memory,     // OPUS_ALLOC_FAIL, or creating the state failed
};

std::string_view to_string(CodecError error);

struct EncoderSettings {
    int bitrate = 24000;  // bit/s; 24 kbit/s is wideband speech with room for FEC
    int complexity = 5;   // 0..10: CPU against quality; 5 costs half of 10, and speech barely shows it
    // In-band FEC: each frame also carries a coarse copy of the one before, so the receiver can rebuild
    // a single lost frame from the next one (Decoder::recover) instead of concealing it.
    bool inband_fec = true;
    int expected_loss_percent = 5;  // how much redundancy FEC spends bits on
};

class Encoder {
public:
    static Expected<Encoder, CodecError> create(const EncoderSettings& settings = {});

    // Encodes 20 ms at 48 kHz into `out` (max_payload_size bytes always suffice); returns the
    // payload's size.
    Expected<std::size_t, CodecError> encode(std::span<const float, frame_samples> pcm, std::span<std::uint8_t> out);

    // Changes the bitrate between frames (bit/s, 6000..510000).
    Expected<int, CodecError> set_bitrate(int bitrate);
    // Forgets the signal so far (a new stream).
    void reset();

private:
    struct Destroy {
        void operator()(OpusEncoder* state) const;
    };
    explicit Encoder(std::unique_ptr<OpusEncoder, Destroy> state) : state_(std::move(state)) {}
    std::unique_ptr<OpusEncoder, Destroy> state_;
};

class Decoder {
public:
    // `output_rate`: 48000, or 8000, 12000, 16000 or 24000 to have libopus decode straight to that
    // rate (ucsd's simulated parties keep what they hear at 16 kHz; no resampler needed). A 20 ms
    // frame is then output_rate / 50 samples, at the front of `out`.
    static Expected<Decoder, CodecError> create(int output_rate = sample_rate);

    // Decodes one payload (20 ms of Opus, as the frame format guarantees) into `out`; returns the
    // number of samples (frame_samples at 48 kHz).
    Expected<std::size_t, CodecError> decode(std::span<const std::uint8_t> payload,
                                             std::span<float, frame_samples> out);
    // 20 ms of loss concealment for a frame that did not come (Opus's PLC, fading to silence).
    Expected<std::size_t, CodecError> conceal(std::span<float, frame_samples> out);
    // The missing frame rebuilt from the in-band FEC carried by `next` (the frame after it); PLC when
    // `next` carries none. `next` is decoded normally afterwards, in its own turn.
    Expected<std::size_t, CodecError> recover(std::span<const std::uint8_t> next, std::span<float, frame_samples> out);
    // Forgets the signal so far (a new stream: JitterBuffer's reset_decoder).
    void reset();

private:
    struct Destroy {
        void operator()(OpusDecoder* state) const;
    };
    Decoder(std::unique_ptr<OpusDecoder, Destroy> state, int output_rate)
        : state_(std::move(state)), output_samples_(output_rate / (1000 / frame_ms)) {}
    std::unique_ptr<OpusDecoder, Destroy> state_;
    int output_samples_;  // per 20 ms frame
};

}  // namespace ucs::media
