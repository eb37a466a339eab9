#include "media/endpoint.hpp"

#include <algorithm>

namespace ucs::media {

std::string_view to_string(EndpointError error) {
    switch (error) {
        case EndpointError::unsupported_rate: return "unsupported_rate";
        case EndpointError::codec_failed: return "codec_failed";
    }
    return "unknown";
}

// ---- sending ----

Expected<MediaSender, EndpointError> MediaSender::create(int device_rate, const EncoderSettings& settings) {
    auto assembler = FrameAssembler::create(device_rate);
    if (!assembler) return Unexpected(EndpointError::unsupported_rate);
    auto encoder = Encoder::create(settings);
    if (!encoder) return Unexpected(EndpointError::codec_failed);
    return MediaSender(std::move(assembler).value(), std::move(encoder).value());
}

void MediaSender::start_stream(std::uint16_t stream) {
    stream_ = stream;
    seq_ = 0;
    restart_ = true;
    encoder_.reset();
    ++stats_.streams;
}

void MediaSender::attach(std::uint16_t stream) {
    attached_ = true;
    assembler_.reset();
    start_stream(stream);
}

void MediaSender::detach() {
    attached_ = false;
    assembler_.reset();
    restart_ = true;
}

void MediaSender::follow(std::uint16_t stream) {
    if (attached_ && stream != stream_) start_stream(stream);
}

void MediaSender::pause() {
    assembler_.reset();
    restart_ = true;
}

std::span<const std::uint8_t> MediaSender::next_frame(std::span<const float, frame_samples> pcm) {
    FrameHeader header{.silence = muted_, .restart = restart_, .stream = stream_, .seq = seq_, .timestamp = timestamp_};
    std::size_t payload_size = 0;
    if (!muted_) {
        const auto encoded = encoder_.encode(pcm, payload_);
        if (encoded) {
            payload_size = *encoded;
        } else {
            // Nothing to send for these 20 ms; the seq is used up so the receiver sees a loss.
            ++stats_.encode_errors;
            ++seq_;
            timestamp_ += timestamp_step;
            return {};
        }
    }
    const auto size = encode_frame(header, std::span<const std::uint8_t>(payload_.data(), payload_size), frame_);
    ++seq_;
    timestamp_ += timestamp_step;
    if (!size) {
        ++stats_.encode_errors;
        return {};
    }
    restart_ = false;
    ++stats_.frames;
    if (muted_) ++stats_.silence;
    return std::span<const std::uint8_t>(frame_.data(), *size);
}

// ---- receiving ----

Expected<MediaReceiver, EndpointError> MediaReceiver::create(int device_rate, const JitterConfig& config) {
    auto splitter = FrameSplitter::create(device_rate);
    if (!splitter) return Unexpected(EndpointError::unsupported_rate);
    auto decoder = Decoder::create();
    if (!decoder) return Unexpected(EndpointError::codec_failed);
    return MediaReceiver(std::move(splitter).value(), std::move(decoder).value(), config);
}

std::optional<std::uint16_t> MediaReceiver::receive(std::span<const std::uint8_t> bytes, std::int64_t arrival_ms) {
    const auto frame = parse_frame(bytes);
    if (!frame) {
        ++stats_.invalid;
        return std::nullopt;
    }
    if (jitter_.push(*frame, arrival_ms) == PushResult::other_stream) return std::nullopt;
    return frame->header.stream;
}

void MediaReceiver::decode_next(std::int64_t now_ms) {
    const Playout out = jitter_.pop(now_ms);
    if (out.reset_decoder) decoder_.reset();
    bool ok = false;
    switch (out.play) {
        case Play::payload:
            ok = static_cast<bool>(decoder_.decode(out.payload, pcm_));
            if (!ok) ++stats_.decode_errors;
            last_timestamp_ = out.timestamp;
            break;
        case Play::conceal:
            ok = static_cast<bool>(out.payload.empty() ? decoder_.conceal(pcm_) : decoder_.recover(out.payload, pcm_));
            break;
        case Play::silence: break;
    }
    if (!ok) pcm_.fill(0.0F);
    splitter_.push_frame(pcm_);
}

void MediaReceiver::render(std::span<float> out, std::int64_t now_ms) {
    ++stats_.blocks;
    std::size_t done = 0;
    while (done < out.size()) {
        if (splitter_.available() == 0) {
            if (!splitter_.wants_frame()) break;
            decode_next(now_ms);
        }
        const std::size_t pulled = splitter_.pull(out.subspan(done));
        if (pulled == 0) break;
        done += pulled;
    }
    if (done < out.size()) {
        stats_.underruns += out.size() - done;
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), 0.0F);
    }
}

void MediaReceiver::reset() {
    jitter_.reset();
    decoder_.reset();
    splitter_.reset();
}

}  // namespace ucs::media
