#pragma once
// Ogg Opus files (RFC 7845 on the Ogg framing of RFC 3533), sans-IO: the writer turns Opus packets
// into the bytes of Ogg pages and the caller appends them to a file wherever it likes (ucsd: on its
// recording thread). The reader parses such bytes back into packets (tests, and checking a file).
//
// - Page 0 holds only OpusHead (BOS), page 1 only OpusTags; audio starts on page 2 (RFC 7845 §3).
// - Granule positions count 48 kHz samples decoded so far, pre-skip included (§4); the last page
//   carries EOS.
// - Every page's CRC is Ogg's CRC-32 (polynomial 0x04c11db7, no reflection, initial 0).

#include "core/expected.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ucs::server::media_bridge {

// Ogg's CRC-32 of `bytes` (the page with its CRC field zeroed).
std::uint32_t ogg_crc(std::span<const std::uint8_t> bytes);

struct OpusHead {
    int channels = 1;
    std::uint16_t pre_skip = 0;  // 48 kHz samples the decoder drops at the start (the encoder's lookahead)
    std::uint32_t input_rate = 48000;
    // Channel mapping family (RFC 7845 §5.1.1): 0, one Opus stream of one or two channels; 1, here
    // always one uncoupled mono stream per channel, channel i being stream i (packets are then
    // multistream_packet()s).
    std::uint8_t mapping_family = 0;
    int streams = 1;  // read back: family 0 has one
    int coupled = 0;
};

// One packet of a multistream Opus stream (RFC 7845 §5.1.1) from one Opus packet per stream, in
// stream order and all of the same duration: each but the last re-framed self-delimited (RFC 6716
// Appendix B), the last as it is. The packets' coded frames are copied, never decoded. The error
// says which packet is empty or does not parse.
Expected<std::string, std::string> multistream_packet(std::span<const std::span<const std::uint8_t>> packets);

class OggOpusWriter {
public:
    // `serial`: the logical stream's serial number (any value, unique within the file).
    OggOpusWriter(std::uint32_t serial, OpusHead head, std::string_view vendor);

    // The two header pages (OpusHead, OpusTags): the first bytes of the file.
    std::string headers();
    // One Opus packet of `samples` 48 kHz samples (960 for 20 ms), buffered until the next page.
    void add(std::span<const std::uint8_t> packet, std::uint32_t samples);
    // Packets buffered and not yet written.
    [[nodiscard]] std::size_t pending() const { return packets_.size(); }
    // The buffered packets as pages ("" when none). `last` ends the stream: its page carries EOS
    // (an empty page when nothing is pending).
    std::string flush(bool last = false);

private:
    std::string page(std::span<const std::string> packets, std::uint8_t flags, std::int64_t granule);

    std::uint32_t serial_;
    OpusHead head_;
    std::string vendor_;
    std::uint32_t sequence_ = 0;
    std::int64_t granule_ = 0;
    std::vector<std::string> packets_;
    std::vector<std::uint32_t> sample_counts_;  // per pending packet
};

// ---- reading -------------------------------------------------------------------------------------

struct OggPage {
    std::uint8_t flags = 0;  // 0x01 continued, 0x02 BOS, 0x04 EOS
    std::int64_t granule = 0;
    std::uint32_t serial = 0;
    std::uint32_t sequence = 0;
};

struct OggStream {
    std::vector<OggPage> pages;
    std::vector<std::string> packets;  // every packet, headers first
};

// Parses a whole Ogg file of one logical stream; the error names the page and what is wrong
// (capture pattern, version, CRC, truncated).
Expected<OggStream, std::string> read_ogg(std::string_view bytes);

// OpusHead of a packet ("not an OpusHead" when it is not one).
Expected<OpusHead, std::string> read_opus_head(std::string_view packet);

}  // namespace ucs::server::media_bridge
