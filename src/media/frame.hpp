#pragma once
// The media socket's frame (docs/media.md, "Frames"): a 12-byte big-endian header and at most one
// 20 ms Opus frame. Parsing trusts nothing and never throws: bytes that are not a frame give an
// error value, which the receiver counts and drops.

#include "core/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ucs::media {

// The audio every frame carries: 20 ms of mono at Opus's 48 kHz clock.
inline constexpr int sample_rate = 48000;
inline constexpr int frame_ms = 20;
inline constexpr std::size_t frame_samples = 960;
inline constexpr std::uint32_t timestamp_step = 960;  // 48 kHz ticks per frame

inline constexpr std::uint8_t frame_version = 1;
inline constexpr std::size_t frame_header_size = 12;
// An Opus packet of one frame can be 1276 bytes (TOC + 1275); the frame format caps it at 1275.
inline constexpr std::size_t max_payload_size = 1275;
inline constexpr std::size_t max_frame_size = frame_header_size + max_payload_size;

struct FrameHeader {
    bool silence = false;  // no payload: muted or nothing to send
    bool restart = false;  // first frame after a gap: the receiver resets its timing
    std::uint16_t stream = 0;
    std::uint32_t seq = 0;
    std::uint32_t timestamp = 0;

    friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// A parsed frame; `payload` points into the bytes it was parsed from.
struct FrameView {
    FrameHeader header;
    std::span<const std::uint8_t> payload;
};

enum class FrameError : std::uint8_t {
    too_short,             // fewer bytes than the header
    unknown_version,       // the version byte is not frame_version
    payload_too_large,     // more than max_payload_size bytes after the header
    silence_with_payload,  // the silence flag on a frame that has a payload
    missing_payload,       // no payload and no silence flag (an empty Opus packet would mean "lost")
    buffer_too_small,      // encode_frame: the output cannot hold the frame
};

std::string_view to_string(FrameError error);

// Parses one binary WebSocket message. Reserved flag bits are ignored (docs/media.md).
Expected<FrameView, FrameError> parse_frame(std::span<const std::uint8_t> bytes);

// The bytes of a frame: written into `out`, returning their count (no allocation, for the audio
// thread), or as a new vector. A header and payload that parse_frame would refuse are refused here.
Expected<std::size_t, FrameError> encode_frame(const FrameHeader& header, std::span<const std::uint8_t> payload,
                                               std::span<std::uint8_t> out);
Expected<std::vector<std::uint8_t>, FrameError> encode_frame(const FrameHeader& header,
                                                             std::span<const std::uint8_t> payload);

}  // namespace ucs::media
