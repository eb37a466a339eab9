#include "media/frame.hpp"

#include <algorithm>
#include <optional>

namespace ucs::media {

namespace {

constexpr std::uint8_t silence_bit = 0x01;
constexpr std::uint8_t restart_bit = 0x02;

std::uint16_t read_u16(std::span<const std::uint8_t> b) {
    return static_cast<std::uint16_t>((b[0] << 8U) | b[1]);
}

std::uint32_t read_u32(std::span<const std::uint8_t> b) {
    return (std::uint32_t{b[0]} << 24U) | (std::uint32_t{b[1]} << 16U) | (std::uint32_t{b[2]} << 8U) |
           std::uint32_t{b[3]};
}

void write_u16(std::span<std::uint8_t> b, std::uint16_t v) {
    b[0] = static_cast<std::uint8_t>(v >> 8U);
    b[1] = static_cast<std::uint8_t>(v);
}

void write_u32(std::span<std::uint8_t> b, std::uint32_t v) {
    b[0] = static_cast<std::uint8_t>(v >> 24U);
    b[1] = static_cast<std::uint8_t>(v >> 16U);
    b[2] = static_cast<std::uint8_t>(v >> 8U);
    b[3] = static_cast<std::uint8_t>(v);
}

// The rules a frame obeys whichever way it travels.
std::optional<FrameError> check(bool silence, std::size_t payload_size) {
    if (payload_size > max_payload_size) return FrameError::payload_too_large;
    if (silence && payload_size > 0) return FrameError::silence_with_payload;
    if (!silence && payload_size == 0) return FrameError::missing_payload;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(FrameError error) {
    switch (error) {
        case FrameError::too_short:
            return "frame shorter than its 12-byte header";
        case FrameError::unknown_version:
            return "unknown frame version";
        case FrameError::payload_too_large:
            return "payload larger than 1275 bytes";
        case FrameError::silence_with_payload:
            return "silence frame with a payload";
        case FrameError::missing_payload:
            return "audio frame without a payload";
        case FrameError::buffer_too_small:
            return "output buffer too small for the frame";
    }
    return "unknown frame error";
}

Expected<FrameView, FrameError> parse_frame(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < frame_header_size) return Unexpected(FrameError::too_short);
    if (bytes[0] != frame_version) return Unexpected(FrameError::unknown_version);
    FrameView frame;
    frame.header.silence = (bytes[1] & silence_bit) != 0;
    frame.header.restart = (bytes[1] & restart_bit) != 0;
    frame.header.stream = read_u16(bytes.subspan(2, 2));
    frame.header.seq = read_u32(bytes.subspan(4, 4));
    frame.header.timestamp = read_u32(bytes.subspan(8, 4));
    frame.payload = bytes.subspan(frame_header_size);
    if (auto error = check(frame.header.silence, frame.payload.size())) return Unexpected(*error);
    return frame;
}

Expected<std::size_t, FrameError> encode_frame(const FrameHeader& header, std::span<const std::uint8_t> payload,
                                               std::span<std::uint8_t> out) {
    if (auto error = check(header.silence, payload.size())) return Unexpected(*error);
    const std::size_t size = frame_header_size + payload.size();
    if (out.size() < size) return Unexpected(FrameError::buffer_too_small);
    out[0] = frame_version;
    out[1] = static_cast<std::uint8_t>((header.silence ? silence_bit : 0U) | (header.restart ? restart_bit : 0U));
    write_u16(out.subspan(2, 2), header.stream);
    write_u32(out.subspan(4, 4), header.seq);
    write_u32(out.subspan(8, 4), header.timestamp);
    std::copy(payload.begin(), payload.end(), out.begin() + frame_header_size);
    return size;
}

Expected<std::vector<std::uint8_t>, FrameError> encode_frame(const FrameHeader& header,
                                                             std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> bytes(frame_header_size + std::min(payload.size(), max_payload_size));
    auto written = encode_frame(header, payload, bytes);
    if (!written) return Unexpected(written.error());
    return bytes;
}

}  // namespace ucs::media
