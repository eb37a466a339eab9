// The media socket's frame (docs/media.md): the exact bytes, round trips, and every way bytes can fail
// to be a frame.
#include "media/frame.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using ucs::media::encode_frame;
using ucs::media::FrameError;
using ucs::media::FrameHeader;
using ucs::media::parse_frame;

namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
    std::vector<std::uint8_t> out;
    for (const int v : values) out.push_back(static_cast<std::uint8_t>(v));
    return out;
}

std::vector<std::uint8_t> header_with(std::uint8_t version, std::uint8_t flags) {
    return bytes({version, flags, 0, 7, 0, 0, 0, 1, 0, 0, 3, 0xC0});
}

}  // namespace

TEST_CASE("a frame's header is written big-endian in the documented order", "[media]") {
    const FrameHeader header{
        .silence = false, .restart = true, .stream = 0x1234, .seq = 0xDEADBEEF, .timestamp = 0x01020304};
    const auto payload = bytes({0xAA, 0xBB});
    const auto frame = encode_frame(header, payload);
    REQUIRE(frame);
    CHECK(*frame == bytes({1, 0x02, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB}));
}

TEST_CASE("a frame round-trips through encode and parse, extreme values included", "[media]") {
    std::vector<std::uint8_t> payload(ucs::media::max_payload_size);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
    for (const FrameHeader& header :
         {FrameHeader{false, false, 0, 0, 0}, FrameHeader{false, true, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF},
          FrameHeader{false, false, 42, 123456, 960 * 123456U}}) {
        const auto frame = encode_frame(header, payload);
        REQUIRE(frame);
        CHECK(frame->size() == ucs::media::max_frame_size);
        const auto parsed = parse_frame(*frame);
        REQUIRE(parsed);
        CHECK(parsed->header == header);
        CHECK(std::vector<std::uint8_t>(parsed->payload.begin(), parsed->payload.end()) == payload);
    }
}

TEST_CASE("a silence frame is a bare header and round-trips", "[media]") {
    const FrameHeader header{.silence = true, .restart = false, .stream = 3, .seq = 9, .timestamp = 8640};
    const auto frame = encode_frame(header, {});
    REQUIRE(frame);
    CHECK(frame->size() == ucs::media::frame_header_size);
    CHECK((*frame)[1] == 0x01);
    const auto parsed = parse_frame(*frame);
    REQUIRE(parsed);
    CHECK(parsed->header == header);
    CHECK(parsed->payload.empty());
}

TEST_CASE("a frame shorter than its header is refused as too short", "[media]") {
    CHECK(parse_frame({}).error() == FrameError::too_short);
    auto eleven = header_with(1, 1);
    eleven.pop_back();
    CHECK(parse_frame(eleven).error() == FrameError::too_short);
}

TEST_CASE("a frame of another version is refused, whatever follows", "[media]") {
    for (const std::uint8_t version : {0, 2, 255}) {
        auto frame = header_with(version, 0);
        frame.push_back(0xF8);
        CHECK(parse_frame(frame).error() == FrameError::unknown_version);
    }
}

TEST_CASE("a payload longer than 1275 bytes is refused as oversize", "[media]") {
    auto frame = header_with(1, 0);
    frame.resize(ucs::media::max_frame_size + 1, 0x55);
    CHECK(parse_frame(frame).error() == FrameError::payload_too_large);
    frame.pop_back();
    CHECK(parse_frame(frame));
}

TEST_CASE("a silence frame that carries a payload is refused", "[media]") {
    auto frame = header_with(1, 0x01);
    frame.push_back(0xF8);
    CHECK(parse_frame(frame).error() == FrameError::silence_with_payload);
}

TEST_CASE("an audio frame without a payload is refused", "[media]") {
    CHECK(parse_frame(header_with(1, 0x00)).error() == FrameError::missing_payload);
    CHECK(parse_frame(header_with(1, 0x02)).error() == FrameError::missing_payload);
}

TEST_CASE("reserved flag bits are ignored, so later senders can use them", "[media]") {
    auto frame = header_with(1, 0xFD);  // every bit but restart: silence and six reserved ones
    const auto parsed = parse_frame(frame);
    REQUIRE(parsed);
    CHECK(parsed->header.silence);
    CHECK_FALSE(parsed->header.restart);
    CHECK(parsed->header.stream == 7);
    CHECK(parsed->header.seq == 1);
    CHECK(parsed->header.timestamp == 960);
}

TEST_CASE("encoding refuses what parsing would refuse, and a buffer too small for the frame", "[media]") {
    const auto one = bytes({0xF8});
    CHECK(encode_frame(FrameHeader{.silence = true}, one).error() == FrameError::silence_with_payload);
    CHECK(encode_frame(FrameHeader{}, {}).error() == FrameError::missing_payload);
    const std::vector<std::uint8_t> big(ucs::media::max_payload_size + 1);
    CHECK(encode_frame(FrameHeader{}, big).error() == FrameError::payload_too_large);

    std::vector<std::uint8_t> out(ucs::media::frame_header_size);
    CHECK(encode_frame(FrameHeader{}, one, out).error() == FrameError::buffer_too_small);
    out.resize(ucs::media::frame_header_size + 1);
    CHECK(*encode_frame(FrameHeader{}, one, out) == out.size());
}

TEST_CASE("every frame error has a message", "[media]") {
    for (const auto error :
         {FrameError::too_short, FrameError::unknown_version, FrameError::payload_too_large,
          FrameError::silence_with_payload, FrameError::missing_payload, FrameError::buffer_too_small}) {
        CHECK_FALSE(ucs::media::to_string(error).empty());
        CHECK(ucs::media::to_string(error) != "unknown frame error");
    }
}
