#include "media/opus_codec.hpp"

#include <opus.h>

#include <algorithm>
#include <array>

namespace ucs::media {

namespace {

constexpr int channels = 1;

CodecError from_opus(int code) {
    switch (code) {
        case OPUS_BAD_ARG:
            return CodecError::bad_argument;
        case OPUS_BUFFER_TOO_SMALL:
            return CodecError::buffer_too_small;
        case OPUS_INVALID_PACKET:
            return CodecError::invalid_packet;
        case OPUS_UNIMPLEMENTED:
            return CodecError::unimplemented;
        case OPUS_INVALID_STATE:
            return CodecError::invalid_state;
        case OPUS_ALLOC_FAIL:
            return CodecError::out_of_memory;
        default:
            return CodecError::internal_error;
    }
}

// A decode call's result: 20 ms of samples, or the error.
Expected<std::size_t, CodecError> samples_or_error(int result) {
    if (result < 0) return Unexpected(from_opus(result));
    return static_cast<std::size_t>(result);
}

}  // namespace

std::string_view to_string(CodecError error) {
    switch (error) {
        case CodecError::bad_argument:
            return "opus: invalid argument";
        case CodecError::buffer_too_small:
            return "opus: buffer too small";
        case CodecError::internal_error:
            return "opus: internal error";
        case CodecError::invalid_packet:
            return "opus: invalid or not a 20 ms packet";
        case CodecError::unimplemented:
            return "opus: unimplemented request";
        case CodecError::invalid_state:
            return "opus: invalid state";
        case CodecError::out_of_memory:
            return "opus: out of memory";
    }
    return "opus: unknown error";
}

// ---- encoder ----

void Encoder::Destroy::operator()(OpusEncoder* state) const {
    opus_encoder_destroy(state);
}

Expected<Encoder, CodecError> Encoder::create(const EncoderSettings& settings) {
    int error = OPUS_OK;
    std::unique_ptr<OpusEncoder, Destroy> state(
        opus_encoder_create(sample_rate, channels, OPUS_APPLICATION_VOIP, &error));
    if (error != OPUS_OK || !state) return Unexpected(error != OPUS_OK ? from_opus(error) : CodecError::out_of_memory);
    // libopus's ctl API is variadic; its macros check each argument's type.
    // NOLINTBEGIN(cppcoreguidelines-pro-type-vararg)
    const std::array results{
        opus_encoder_ctl(state.get(), OPUS_SET_BITRATE(settings.bitrate)),
        opus_encoder_ctl(state.get(), OPUS_SET_COMPLEXITY(settings.complexity)),
        opus_encoder_ctl(state.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)),
        opus_encoder_ctl(state.get(), OPUS_SET_INBAND_FEC(settings.inband_fec ? 1 : 0)),
        opus_encoder_ctl(state.get(), OPUS_SET_PACKET_LOSS_PERC(settings.expected_loss_percent)),
    };
    // NOLINTEND(cppcoreguidelines-pro-type-vararg)
    for (const int result : results) {
        if (result != OPUS_OK) return Unexpected(from_opus(result));
    }
    return Encoder(std::move(state));
}

Expected<std::size_t, CodecError> Encoder::encode(std::span<const float, frame_samples> pcm,
                                                  std::span<std::uint8_t> out) {
    if (out.empty()) return Unexpected(CodecError::buffer_too_small);
    const auto capacity = static_cast<opus_int32>(std::min(out.size(), max_payload_size));
    const opus_int32 size =
        opus_encode_float(state_.get(), pcm.data(), static_cast<int>(frame_samples), out.data(), capacity);
    if (size < 0) return Unexpected(from_opus(size));
    return static_cast<std::size_t>(size);
}

Expected<int, CodecError> Encoder::set_bitrate(int bitrate) {
    const int result = opus_encoder_ctl(state_.get(), OPUS_SET_BITRATE(bitrate));  // NOLINT(*-vararg): libopus's API
    if (result != OPUS_OK) return Unexpected(from_opus(result));
    return bitrate;
}

void Encoder::reset() {
    opus_encoder_ctl(state_.get(), OPUS_RESET_STATE);  // NOLINT(*-vararg): libopus's API
}

// ---- decoder ----

void Decoder::Destroy::operator()(OpusDecoder* state) const {
    opus_decoder_destroy(state);
}

Expected<Decoder, CodecError> Decoder::create(int output_rate) {
    int error = OPUS_OK;
    std::unique_ptr<OpusDecoder, Destroy> state(opus_decoder_create(output_rate, channels, &error));
    if (error != OPUS_OK || !state) return Unexpected(error != OPUS_OK ? from_opus(error) : CodecError::out_of_memory);
    return Decoder(std::move(state), output_rate);
}

Expected<std::size_t, CodecError> Decoder::decode(std::span<const std::uint8_t> payload,
                                                  std::span<float, frame_samples> out) {
    // An empty packet would mean "lost" to libopus, and other durations break the 20 ms clock.
    if (payload.empty() || payload.size() > max_payload_size) return Unexpected(CodecError::invalid_packet);
    const auto size = static_cast<opus_int32>(payload.size());
    if (opus_packet_get_nb_samples(payload.data(), size, sample_rate) != static_cast<int>(frame_samples)) {
        return Unexpected(CodecError::invalid_packet);
    }
    return samples_or_error(
        opus_decode_float(state_.get(), payload.data(), size, out.data(), output_samples_, 0));
}

Expected<std::size_t, CodecError> Decoder::conceal(std::span<float, frame_samples> out) {
    return samples_or_error(
        opus_decode_float(state_.get(), nullptr, 0, out.data(), output_samples_, 0));
}

Expected<std::size_t, CodecError> Decoder::recover(std::span<const std::uint8_t> next,
                                                   std::span<float, frame_samples> out) {
    if (next.empty() || next.size() > max_payload_size) return conceal(out);
    const auto size = static_cast<opus_int32>(next.size());
    if (opus_packet_get_nb_samples(next.data(), size, sample_rate) != static_cast<int>(frame_samples)) {
        return conceal(out);
    }
    // decode_fec = 1: the previous frame from `next`'s redundancy (libopus conceals if it has none).
    return samples_or_error(
        opus_decode_float(state_.get(), next.data(), size, out.data(), output_samples_, 1));
}

void Decoder::reset() {
    opus_decoder_ctl(state_.get(), OPUS_RESET_STATE);  // NOLINT(*-vararg): libopus's API
}

}  // namespace ucs::media
