#include "server/media/ogg_opus.hpp"

#include <opus.h>

#include <array>
#include <cstring>
#include <utility>

namespace ucs::server::media_bridge {

namespace {

constexpr std::size_t page_header_size = 27;
constexpr std::size_t max_segments = 255;
constexpr std::uint8_t flag_bos = 0x02;
constexpr std::uint8_t flag_eos = 0x04;

constexpr std::array<std::uint32_t, 256> crc_table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t r = i << 24;
        for (int bit = 0; bit < 8; ++bit) r = (r & 0x80000000U) != 0 ? (r << 1) ^ 0x04c11db7U : r << 1;
        table[i] = r;
    }
    return table;
}();

void put_le(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= std::uint64_t{static_cast<std::uint8_t>(in[at + i])} << (8 * i);
    return value;
}

std::span<const std::uint8_t> as_span(std::string_view bytes) {
    return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

std::size_t segments_of(std::size_t packet_size) { return packet_size / 255 + 1; }

}  // namespace

std::uint32_t ogg_crc(std::span<const std::uint8_t> bytes) {
    std::uint32_t crc = 0;
    for (const std::uint8_t byte : bytes) crc = (crc << 8) ^ crc_table[((crc >> 24) ^ byte) & 0xFF];
    return crc;
}

OggOpusWriter::OggOpusWriter(std::uint32_t serial, OpusHead head, std::string_view vendor)
    : serial_(serial), head_(head), vendor_(vendor) {}

std::string OggOpusWriter::headers() {
    std::string opus_head = "OpusHead";
    opus_head.push_back(1);  // version
    opus_head.push_back(static_cast<char>(head_.channels));
    put_le(opus_head, head_.pre_skip, 2);
    put_le(opus_head, head_.input_rate, 4);
    put_le(opus_head, 0, 2);  // output gain
    opus_head.push_back(static_cast<char>(head_.mapping_family));
    if (head_.mapping_family != 0) {
        opus_head.push_back(static_cast<char>(head_.channels));  // streams: one per channel
        opus_head.push_back(0);                                   // none of them coupled
        for (int channel = 0; channel < head_.channels; ++channel) opus_head.push_back(static_cast<char>(channel));
    }
    std::string tags = "OpusTags";
    put_le(tags, vendor_.size(), 4);
    tags += vendor_;
    put_le(tags, 0, 4);  // no user comments
    std::string out = page(std::span(&opus_head, 1), flag_bos, 0);
    out += page(std::span(&tags, 1), 0, 0);
    return out;
}

void OggOpusWriter::add(std::span<const std::uint8_t> packet, std::uint32_t samples) {
    packets_.emplace_back(reinterpret_cast<const char*>(packet.data()), packet.size());
    sample_counts_.push_back(samples);
    granule_ += samples;
}

std::string OggOpusWriter::flush(bool last) {
    std::string out;
    std::size_t begin = 0;
    while (begin < packets_.size()) {
        std::size_t segments = 0;
        std::size_t end = begin;
        while (end < packets_.size() && segments + segments_of(packets_[end].size()) <= max_segments) {
            segments += segments_of(packets_[end].size());
            ++end;
        }
        const bool final_page = last && end == packets_.size();
        std::int64_t page_granule = granule_;
        for (std::size_t i = end; i < packets_.size(); ++i) page_granule -= sample_counts_[i];
        out += page(std::span(packets_).subspan(begin, end - begin), final_page ? flag_eos : 0,
                    page_granule);
        begin = end;
    }
    if (last && packets_.empty()) out += page({}, flag_eos, granule_);
    packets_.clear();
    sample_counts_.clear();
    return out;
}

std::string OggOpusWriter::page(std::span<const std::string> packets, std::uint8_t flags, std::int64_t granule) {
    std::string out = "OggS";
    out.push_back(0);  // version
    out.push_back(static_cast<char>(flags));
    put_le(out, static_cast<std::uint64_t>(granule), 8);
    put_le(out, serial_, 4);
    put_le(out, sequence_++, 4);
    put_le(out, 0, 4);  // CRC, filled in below
    std::size_t segments = 0;
    for (const std::string& packet : packets) segments += segments_of(packet.size());
    out.push_back(static_cast<char>(segments));
    for (const std::string& packet : packets) {
        for (std::size_t left = packet.size(); ; left -= 255) {
            out.push_back(static_cast<char>(left >= 255 ? 255 : left));
            if (left < 255) break;
        }
    }
    for (const std::string& packet : packets) out += packet;
    const std::uint32_t crc = ogg_crc(as_span(out));
    for (int i = 0; i < 4; ++i) out[22 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
    return out;
}

Expected<OggStream, std::string> read_ogg(std::string_view bytes) {
    OggStream stream;
    std::string partial;  // a packet continued on the next page
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string where = "page " + std::to_string(stream.pages.size());
        if (bytes.size() - at < page_header_size) return Unexpected(where + ": truncated header");
        if (bytes.substr(at, 4) != "OggS") return Unexpected(where + ": no OggS capture pattern");
        if (bytes[at + 4] != 0) return Unexpected(where + ": unknown version");
        OggPage page;
        page.flags = static_cast<std::uint8_t>(bytes[at + 5]);
        page.granule = static_cast<std::int64_t>(get_le(bytes, at + 6, 8));
        page.serial = static_cast<std::uint32_t>(get_le(bytes, at + 14, 4));
        page.sequence = static_cast<std::uint32_t>(get_le(bytes, at + 18, 4));
        const auto crc = static_cast<std::uint32_t>(get_le(bytes, at + 22, 4));
        const auto segments = static_cast<std::uint8_t>(bytes[at + 26]);
        if (bytes.size() - at < page_header_size + segments) return Unexpected(where + ": truncated segment table");
        std::size_t body = 0;
        for (std::size_t i = 0; i < segments; ++i) body += static_cast<std::uint8_t>(bytes[at + page_header_size + i]);
        const std::size_t size = page_header_size + segments + body;
        if (bytes.size() - at < size) return Unexpected(where + ": truncated body");
        std::string copy(bytes.substr(at, size));
        std::memset(copy.data() + 22, 0, 4);
        if (ogg_crc(as_span(copy)) != crc) return Unexpected(where + ": CRC mismatch");
        if (!stream.pages.empty() && page.serial != stream.pages.front().serial)
            return Unexpected(where + ": another logical stream");
        std::size_t data = at + page_header_size + segments;
        for (std::size_t i = 0; i < segments; ++i) {
            const auto lace = static_cast<std::uint8_t>(bytes[at + page_header_size + i]);
            partial.append(bytes.substr(data, lace));
            data += lace;
            if (lace < 255) stream.packets.push_back(std::exchange(partial, {}));
        }
        stream.pages.push_back(page);
        at += size;
    }
    return stream;
}

Expected<OpusHead, std::string> read_opus_head(std::string_view packet) {
    if (packet.size() < 19 || packet.substr(0, 8) != "OpusHead") return Unexpected(std::string("not an OpusHead"));
    OpusHead head;
    head.channels = static_cast<std::uint8_t>(packet[9]);
    head.pre_skip = static_cast<std::uint16_t>(get_le(packet, 10, 2));
    head.input_rate = static_cast<std::uint32_t>(get_le(packet, 12, 4));
    head.mapping_family = static_cast<std::uint8_t>(packet[18]);
    if (head.mapping_family != 0) {
        if (packet.size() < 21 + static_cast<std::size_t>(head.channels))
            return Unexpected(std::string("OpusHead: truncated channel mapping table"));
        head.streams = static_cast<std::uint8_t>(packet[19]);
        head.coupled = static_cast<std::uint8_t>(packet[20]);
    }
    return head;
}

namespace {

// RFC 6716 §3.2.1: a frame length of one byte below 252, else two.
void put_frame_length(std::string& out, std::size_t length) {
    if (length < 252) {
        out.push_back(static_cast<char>(length));
        return;
    }
    const std::size_t first = 252 + (length & 3);
    out.push_back(static_cast<char>(first));
    out.push_back(static_cast<char>((length - first) / 4));
}

}  // namespace

Expected<std::string, std::string> multistream_packet(std::span<const std::span<const std::uint8_t>> packets) {
    std::string out;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const std::span<const std::uint8_t> packet = packets[i];
        if (packet.empty()) return Unexpected("stream " + std::to_string(i) + ": an empty packet");
        if (i + 1 == packets.size()) {
            out.append(reinterpret_cast<const char*>(packet.data()), packet.size());
            break;
        }
        unsigned char toc = 0;
        std::array<const unsigned char*, 48> frames{};
        std::array<opus_int16, 48> sizes{};
        const int count = opus_packet_parse(packet.data(), static_cast<opus_int32>(packet.size()), &toc, frames.data(),
                                            sizes.data(), nullptr);
        if (count < 1) return Unexpected("stream " + std::to_string(i) + ": not an Opus packet");
        // Appendix B: code 0 (one frame) with its length; more frames as code 3, VBR, no padding,
        // every frame's length given (the last one's too, which makes it self-delimiting).
        const auto config = static_cast<char>(toc & 0xFC);
        if (count == 1) {
            out.push_back(config);
        } else {
            out.push_back(static_cast<char>(config | 3));
            out.push_back(static_cast<char>(0x80 | count));
        }
        for (int frame = 0; frame < count; ++frame) put_frame_length(out, static_cast<std::size_t>(sizes[frame]));
        for (int frame = 0; frame < count; ++frame)
            out.append(reinterpret_cast<const char*>(frames[frame]), static_cast<std::size_t>(sizes[frame]));
    }
    return out;
}

}  // namespace ucs::server::media_bridge
