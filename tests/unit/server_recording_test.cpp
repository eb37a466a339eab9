// Recording in ucsd (docs/media.md, "Recording"): the Ogg Opus page writer (CRC, lacing, granule
// positions, OpusHead/OpusTags) read back by our own parser, a recorded call's audio decoded back and
// its tones found, and the bridge's budget for what simulated parties heard.
#include "audio/tones.hpp"
#include "media/opus_codec.hpp"
#include "media/tone_detector.hpp"
#include "server/media/bridge.hpp"
#include "server/media/ogg_opus.hpp"
#include "server/media/recorder.hpp"
#include "support/engine_harness.hpp"
#include "support/tone_frames.hpp"

#include <catch2/catch.hpp>
#include <opus.h>
#include <opus_multistream.h>

#include <array>
#include <memory>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

namespace mb = ucs::server::media_bridge;
namespace media = ucs::media;
using ucs::test::tone_frame;
using ucs::server::agent_endpoint;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::vector<std::uint8_t> encoded(media::Encoder& encoder, const std::array<float, media::frame_samples>& pcm) {
    std::vector<std::uint8_t> payload(media::max_payload_size);
    auto size = encoder.encode(pcm, payload);
    REQUIRE(size);
    payload.resize(*size);
    return payload;
}

// An Ogg Opus file parsed: its pages and packets (OpusHead, OpusTags, then audio) and its OpusHead.
std::pair<mb::OggStream, mb::OpusHead> read_opus_file(const std::string& file) {
    auto stream = mb::read_ogg(file);
    INFO((stream ? std::string() : stream.error()));
    REQUIRE(stream);
    REQUIRE(stream->packets.size() >= 2);
    auto head = mb::read_opus_head(stream->packets[0]);
    REQUIRE(head);
    REQUIRE(stream->packets[1].starts_with("OpusTags"));
    return {*stream, *head};
}

// Every audio packet of an Ogg Opus file decoded in order, at 48 kHz, pre-skip dropped.
std::vector<float> decode_file(const std::string& file) {
    const auto [stream, head] = read_opus_file(file);
    auto decoder = media::Decoder::create();
    REQUIRE(decoder);
    std::vector<float> pcm;
    for (std::size_t i = 2; i < stream.packets.size(); ++i) {
        std::array<float, media::frame_samples> out{};
        REQUIRE(decoder->decode(bytes_of(stream.packets[i]), out));
        pcm.insert(pcm.end(), out.begin(), out.end());
    }
    pcm.erase(pcm.begin(), pcm.begin() + head.pre_skip);
    return pcm;
}

// A two-channel Ogg Opus file (mapping family 1, one mono stream per channel) decoded at 48 kHz,
// pre-skip dropped: each channel's samples.
std::array<std::vector<float>, 2> decode_channels(const std::string& file) {
    const auto [stream, head] = read_opus_file(file);
    REQUIRE((head.channels == 2 && head.mapping_family == 1 && head.streams == 2 && head.coupled == 0));
    const std::array<unsigned char, 2> mapping{0, 1};
    int error = 0;
    std::unique_ptr<OpusMSDecoder, decltype(&opus_multistream_decoder_destroy)> decoder(
        opus_multistream_decoder_create(48000, 2, 2, 0, mapping.data(), &error), &opus_multistream_decoder_destroy);
    REQUIRE(error == OPUS_OK);
    std::array<std::vector<float>, 2> channels;
    for (std::size_t i = 2; i < stream.packets.size(); ++i) {
        const std::string& packet = stream.packets[i];
        std::array<float, 2 * media::frame_samples> out{};
        const int samples = opus_multistream_decode_float(decoder.get(), reinterpret_cast<const unsigned char*>(packet.data()),
                                                          static_cast<opus_int32>(packet.size()), out.data(),
                                                          static_cast<int>(media::frame_samples), 0);
        REQUIRE(samples == static_cast<int>(media::frame_samples));
        for (int k = 0; k < samples; ++k) {
            channels[0].push_back(out[2 * k]);
            channels[1].push_back(out[2 * k + 1]);
        }
    }
    for (auto& channel : channels) channel.erase(channel.begin(), channel.begin() + head.pre_skip);
    return channels;
}

// A simulated caller talking to `agent`, who is muted: the caller hears 20 ms of silence per tick.
media::BridgeLeg muted_caller_call(const std::string& id, int agent) {
    media::BridgeLeg leg;
    leg.uniqueid = id;
    leg.caller = media::Endpoint{"trunk:" + id, true};
    leg.callee = agent_endpoint(agent);
    leg.state = media::LegState::talking;
    leg.callee_muted = true;
    return leg;
}

}  // namespace

TEST_CASE("ogg's crc is the unreflected crc-32 with polynomial 04c11db7 and no final xor", "[recording]") {
    // CRC-32/CKSUM checks "123456789" as 0x765e7680 with a final xor of all ones; Ogg's has none.
    CHECK(mb::ogg_crc(bytes_of("123456789")) == (0x765e7680U ^ 0xffffffffU));
    CHECK(mb::ogg_crc({}) == 0);
}

TEST_CASE("an ogg opus file starts with OpusHead alone on a BOS page, then OpusTags, and ends with EOS", "[recording]") {
    mb::OggOpusWriter writer(0x1234, mb::OpusHead{1, 312, 48000}, "ucsd");
    std::string file = writer.headers();
    const std::vector<std::uint8_t> packet(100, 0xAB);
    for (int i = 0; i < 3; ++i) writer.add(packet, 960);
    file += writer.flush();
    writer.add(packet, 960);
    file += writer.flush(true);

    auto stream = mb::read_ogg(file);
    INFO((stream ? std::string() : stream.error()));
    REQUIRE(stream);
    REQUIRE(stream->pages.size() == 4);
    CHECK(stream->pages[0].flags == 0x02);
    CHECK(stream->pages[0].granule == 0);
    CHECK(stream->pages[1].flags == 0);
    CHECK(stream->pages[1].granule == 0);
    CHECK(stream->pages[2].granule == 3 * 960);  // samples decoded by the end of the page, pre-skip included
    CHECK(stream->pages[3].flags == 0x04);
    CHECK(stream->pages[3].granule == 4 * 960);
    for (std::size_t i = 0; i < stream->pages.size(); ++i) {
        CHECK(stream->pages[i].serial == 0x1234);
        CHECK(stream->pages[i].sequence == i);
    }
    REQUIRE(stream->packets.size() == 6);
    auto head = mb::read_opus_head(stream->packets[0]);
    REQUIRE(head);
    CHECK(head->channels == 1);
    CHECK(head->pre_skip == 312);
    CHECK(head->input_rate == 48000);
    CHECK(head->mapping_family == 0);
    CHECK(stream->packets[0].size() == 19);
    CHECK(stream->packets[1] == std::string("OpusTags\x04\0\0\0ucsd\0\0\0\0", 20));
    CHECK(stream->packets[5] == std::string(packet.begin(), packet.end()));
}

TEST_CASE("a two-channel opus head of mapping family 1 lists one uncoupled stream per channel", "[recording]") {
    mb::OggOpusWriter writer(1, mb::OpusHead{.channels = 2, .pre_skip = 312, .input_rate = 48000, .mapping_family = 1}, "ucsd");
    auto stream = mb::read_ogg(writer.headers());
    REQUIRE(stream);
    REQUIRE(stream->packets[0].size() == 21 + 2);
    CHECK(stream->packets[0].substr(18) == std::string("\x01\x02\x00\x00\x01", 5));  // family, streams, coupled, mapping
    auto head = mb::read_opus_head(stream->packets[0]);
    REQUIRE(head);
    CHECK((head->channels == 2 && head->mapping_family == 1 && head->streams == 2 && head->coupled == 0));
    CHECK_FALSE(mb::read_opus_head(stream->packets[0].substr(0, 21)));  // its mapping table cut off
}

TEST_CASE("a packet of a multiple of 255 bytes ends its lacing with a zero, and a flipped bit fails the crc",
          "[recording]") {
    mb::OggOpusWriter writer(7, mb::OpusHead{}, "x");
    std::string file = writer.headers();
    const std::vector<std::uint8_t> packet(510, 0x11);
    writer.add(packet, 960);
    writer.add(std::vector<std::uint8_t>(3, 0x22), 960);
    const std::string audio = writer.flush(true);
    CHECK(static_cast<unsigned char>(audio[26]) == 4);  // segments: 255, 255, 0, then 3
    CHECK(static_cast<unsigned char>(audio[27 + 2]) == 0);
    file += audio;
    auto stream = mb::read_ogg(file);
    REQUIRE(stream);
    REQUIRE(stream->packets.size() == 4);
    CHECK(stream->packets[2].size() == 510);
    CHECK(stream->packets[3].size() == 3);
    file[file.size() - 1] ^= 0x01;
    auto broken = mb::read_ogg(file);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().find("CRC") != std::string::npos);
}

TEST_CASE("a tone encoded into an ogg opus file decodes back to the tone", "[recording]") {
    auto encoder = media::Encoder::create();
    REQUIRE(encoder);
    mb::OggOpusWriter writer(1, mb::OpusHead{1, 312, 48000}, "ucsd");
    std::string file = writer.headers();
    for (std::size_t i = 0; i < 100; ++i) {
        writer.add(encoded(*encoder, tone_frame(440, i)), 960);
        if (writer.pending() == 50) file += writer.flush();
    }
    file += writer.flush(true);
    const std::vector<float> pcm = decode_file(file);
    REQUIRE(pcm.size() == 100 * 960 - 312);
    CHECK(media::tone_share(std::span(pcm).subspan(media::sample_rate / 2, media::sample_rate / 2), media::sample_rate, 440) > 0.8);
}

TEST_CASE("a call recorder keeps the caller on the left channel and the called end on the right, each end's packets as they came",
          "[recording]") {
    mb::CallRecorder recorder("call-9");
    auto agent = media::Encoder::create();
    auto caller = media::Encoder::create();
    REQUIRE(agent);
    REQUIRE(caller);
    std::string file;
    std::vector<std::vector<std::uint8_t>> agent_said;
    // One second the caller speaks (440 Hz), then one second the agent (1000 Hz).
    for (std::size_t i = 0; i < 100; ++i) {
        if (i < 50) {
            recorder.said(media::Side::caller, encoded(*caller, tone_frame(440, i)));
        } else {
            agent_said.push_back(encoded(*agent, tone_frame(1000, i)));
            recorder.said(media::Side::callee, agent_said.back());
        }
        file += recorder.tick();
    }
    file += recorder.finish();

    // The agent's packets are in the file byte for byte: copied, not decoded and encoded again.
    auto stream = mb::read_ogg(file);
    REQUIRE(stream);
    REQUIRE(stream->packets.size() == 2 + 100);
    for (std::size_t i = 0; i < agent_said.size(); ++i)
        CHECK(stream->packets[2 + 50 + i].ends_with(std::string(agent_said[i].begin(), agent_said[i].end())));

    const auto [left, right] = decode_channels(file);
    REQUIRE(left.size() == 100 * media::frame_samples - 312);
    const auto first = [](const std::vector<float>& pcm) { return std::span(pcm).subspan(media::sample_rate / 5, media::sample_rate / 2); };
    const auto second = [](const std::vector<float>& pcm) { return std::span(pcm).subspan(media::sample_rate * 6 / 5, media::sample_rate / 2); };
    CHECK(media::tone_share(first(left), media::sample_rate, 440) > 0.8);
    CHECK(ucs::audio::rms_dbfs(first(right)) < -60.0);  // the agent said nothing yet: silence
    CHECK(media::tone_share(second(right), media::sample_rate, 1000) > 0.8);
    CHECK(ucs::audio::rms_dbfs(second(left)) < -60.0);
}

TEST_CASE("a packet that is not 20 ms of opus is not recorded, and its end is silent for that period", "[recording]") {
    mb::CallRecorder recorder("call-10");
    std::string file;
    for (int i = 0; i < 20; ++i) {
        recorder.said(media::Side::caller, std::vector<std::uint8_t>{0x03});        // code 3 without its frame count
        recorder.said(media::Side::callee, std::vector<std::uint8_t>{0x00, 0x00});  // 10 ms of SILK, not 20
        file += recorder.tick();
    }
    file += recorder.finish();
    const auto [left, right] = decode_channels(file);
    CHECK(left.size() == 20 * media::frame_samples - 312);
    CHECK(ucs::audio::rms_dbfs(left) < -60.0);
    CHECK(ucs::audio::rms_dbfs(right) < -60.0);
}

TEST_CASE("a multistream packet frames every stream but the last self-delimited, long frames and several frames too",
          "[recording]") {
    int error = 0;
    std::unique_ptr<OpusEncoder, decltype(&opus_encoder_destroy)> encoder(
        opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &error), &opus_encoder_destroy);
    REQUIRE(error == OPUS_OK);
    opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(256000));  // frames over 252 bytes: two-byte lengths
    auto encode = [&](std::size_t seq, double hz) {
        std::vector<std::uint8_t> packet(1500);
        const auto pcm = tone_frame(hz, seq);
        const int size = opus_encode_float(encoder.get(), pcm.data(), static_cast<int>(pcm.size()), packet.data(),
                                           static_cast<opus_int32>(packet.size()));
        REQUIRE(size > 0);
        packet.resize(static_cast<std::size_t>(size));
        return packet;
    };
    // 40 ms packets of two 20 ms frames each (code 1 or 3), so the re-framing must list both lengths.
    auto two_frames = [&](std::size_t seq, double hz) {
        const auto a = encode(seq, hz);
        const auto b = encode(seq + 1, hz);
        std::unique_ptr<OpusRepacketizer, decltype(&opus_repacketizer_destroy)> joiner(opus_repacketizer_create(),
                                                                                      &opus_repacketizer_destroy);
        REQUIRE(opus_repacketizer_cat(joiner.get(), a.data(), static_cast<opus_int32>(a.size())) == OPUS_OK);
        REQUIRE(opus_repacketizer_cat(joiner.get(), b.data(), static_cast<opus_int32>(b.size())) == OPUS_OK);
        std::vector<std::uint8_t> packet(3000);
        const int size = opus_repacketizer_out(joiner.get(), packet.data(), static_cast<opus_int32>(packet.size()));
        REQUIRE(size > 0);
        packet.resize(static_cast<std::size_t>(size));
        return packet;
    };
    for (const bool several : {false, true}) {
        const auto left = several ? two_frames(0, 440) : encode(0, 440);
        const auto right = several ? two_frames(10, 1000) : encode(10, 1000);
        REQUIRE(left.size() > 2 * 252 / (several ? 1 : 2));
        auto packet = mb::multistream_packet(std::array<std::span<const std::uint8_t>, 2>{left, right});
        REQUIRE(packet);
        // libopus's multistream decoder gives exactly what two mono decoders give for the originals.
        const std::array<unsigned char, 2> mapping{0, 1};
        std::unique_ptr<OpusMSDecoder, decltype(&opus_multistream_decoder_destroy)> both(
            opus_multistream_decoder_create(48000, 2, 2, 0, mapping.data(), &error), &opus_multistream_decoder_destroy);
        REQUIRE(error == OPUS_OK);
        const int frame = several ? 1920 : 960;
        std::vector<float> stereo(2 * static_cast<std::size_t>(frame));
        REQUIRE(opus_multistream_decode_float(both.get(), reinterpret_cast<const unsigned char*>(packet->data()),
                                              static_cast<opus_int32>(packet->size()), stereo.data(), frame, 0) == frame);
        for (const auto& [channel, original] : {std::pair{0, &left}, std::pair{1, &right}}) {
            std::unique_ptr<OpusDecoder, decltype(&opus_decoder_destroy)> mono(opus_decoder_create(48000, 1, &error),
                                                                               &opus_decoder_destroy);
            std::vector<float> pcm(static_cast<std::size_t>(frame));
            REQUIRE(opus_decode_float(mono.get(), original->data(), static_cast<opus_int32>(original->size()), pcm.data(),
                                      frame, 0) == frame);
            for (int k = 0; k < frame; ++k) REQUIRE(stereo[2 * static_cast<std::size_t>(k) + channel] == pcm[static_cast<std::size_t>(k)]);
        }
    }
    CHECK_FALSE(mb::multistream_packet(std::array<std::span<const std::uint8_t>, 2>{std::span<const std::uint8_t>{}, std::span<const std::uint8_t>{}}));
}

TEST_CASE("the bridge records a recorded call from its first talking moment, both ways, and ends the file with the call",
          "[recording]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    REQUIRE_FALSE(bridge.set_party_audio("call-2", ucs::server::PartyAudio{ucs::server::PartyAudio::Kind::tone, 440, ""}));
    bridge.attach(1, 11, out);
    media::BridgeLeg leg;
    leg.uniqueid = "call-2";
    leg.caller = media::Endpoint{"trunk:SIP/trunk-00000001", true};
    leg.callee = agent_endpoint(1);
    leg.state = media::LegState::ringing;
    bridge.set_legs({leg});
    bridge.set_recorded({"call-2"});
    for (int i = 0; i < 10; ++i) bridge.tick(out);
    CHECK(out.recordings.empty());  // ringing: not recorded yet
    leg.state = media::LegState::talking;
    bridge.set_legs({leg});
    auto agent = media::Encoder::create();
    REQUIRE(agent);
    const std::uint16_t stream = bridge.stream_of(1);
    std::string file;
    for (std::uint32_t i = 0; i < 100; ++i) {
        if (i >= 50) {  // the agent speaks too in the second half
            media::FrameHeader header;
            header.stream = stream;
            header.seq = i;
            header.timestamp = i * 960;
            auto frame = media::encode_frame(header, encoded(*agent, tone_frame(1000, i)));
            REQUIRE(frame);
            bridge.receive(11, *frame, out);
        }
        bridge.tick(out);
    }
    bridge.set_legs({});
    bridge.tick(out);
    REQUIRE_FALSE(out.recordings.empty());
    CHECK(out.recordings.back().last);
    for (const auto& chunk : out.recordings) {
        CHECK(chunk.uniqueid == "call-2");
        file += chunk.bytes;
    }
    CHECK(bridge.counters().recordings == 1);
    const auto [left, right] = decode_channels(file);
    REQUIRE(left.size() > media::sample_rate * 19 / 10);
    const auto first = [](const std::vector<float>& pcm) { return std::span(pcm).subspan(media::sample_rate / 5, media::sample_rate / 2); };
    const auto second = [](const std::vector<float>& pcm) { return std::span(pcm).subspan(media::sample_rate * 6 / 5, media::sample_rate / 2); };
    CHECK(media::tone_share(first(left), media::sample_rate, 440) > 0.8);  // the caller, all along
    CHECK(media::tone_share(second(left), media::sample_rate, 440) > 0.8);
    CHECK(ucs::audio::rms_dbfs(first(right)) < -60.0);  // the agent, from the second half
    CHECK(media::tone_share(second(right), media::sample_rate, 1000) > 0.8);
}

TEST_CASE("a call that is not recorded yields no recording bytes", "[recording]") {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    media::BridgeLeg leg;
    leg.uniqueid = "call-3";
    leg.caller = media::Endpoint{"trunk:SIP/trunk-00000003", true};
    leg.callee = agent_endpoint(1);
    leg.state = media::LegState::talking;
    bridge.set_legs({leg});
    for (int i = 0; i < 60; ++i) bridge.tick(out);
    bridge.set_legs({});
    bridge.tick(out);
    CHECK(out.recordings.empty());
}

TEST_CASE("simulated parties share one heard budget: the oldest ended call is dropped first and says so",
          "[recording][media]") {
    // Room for 3 s of 16 kHz audio over all parties.
    constexpr std::size_t budget = std::size_t{3} * mb::heard_rate * sizeof(std::int16_t);
    mb::MediaBridge bridge({}, budget);
    mb::MediaOutput out;
    bridge.set_legs({muted_caller_call("old", 1)});
    for (int i = 0; i < 50; ++i) bridge.tick(out);  // 1 s
    bridge.set_legs({muted_caller_call("newer", 2)});  // "old" ended
    for (int i = 0; i < 50; ++i) bridge.tick(out);
    bridge.set_legs({muted_caller_call("live", 3)});  // "newer" ended
    CHECK(bridge.heard("old"));
    CHECK(bridge.heard_bytes() == 2 * mb::heard_rate * sizeof(std::int16_t));
    for (int i = 0; i < 75; ++i) bridge.tick(out);  // 1.5 s more: over budget by 0.5 s
    CHECK(bridge.heard_bytes() <= budget);
    auto dropped = bridge.heard("old");
    REQUIRE_FALSE(dropped);
    CHECK(dropped.error() == mb::HeardMissing::dropped);
    REQUIRE(bridge.heard("newer"));
    CHECK(bridge.heard("newer")->size() == std::size_t{mb::heard_rate});
    CHECK(bridge.heard("live")->size() == std::size_t{mb::heard_rate} * 3 / 2);
    CHECK(bridge.heard("never").error() == mb::HeardMissing::unknown);
    // Only live audio over the budget: the live party's oldest audio goes, the call keeps its newest.
    for (int i = 0; i < 200; ++i) bridge.tick(out);
    CHECK(bridge.heard_bytes() <= budget);
    CHECK(bridge.heard("live"));
}

TEST_CASE("over the heard budget, the live parties that keep the most lose their oldest audio, evened out and with room to spare",
          "[recording][media]") {
    constexpr std::size_t second = std::size_t{mb::heard_rate} * sizeof(std::int16_t);
    constexpr std::size_t budget = 3 * second;
    mb::MediaBridge bridge({}, budget);
    mb::MediaOutput out;
    auto ticks = [&](int count) {
        for (int i = 0; i < count; ++i) bridge.tick(out);
    };
    constexpr std::size_t frame = 320;  // samples of 20 ms at 16 kHz
    bridge.set_legs({muted_caller_call("first", 1)});
    ticks(75);
    bridge.set_legs({muted_caller_call("first", 1), muted_caller_call("second", 2)});
    ticks(25);
    bridge.set_legs({muted_caller_call("first", 1), muted_caller_call("second", 2), muted_caller_call("third", 3)});
    ticks(8);
    CHECK(bridge.heard_bytes() == 149 * frame * sizeof(std::int16_t));  // 2.98 s, within the budget
    // The next tick goes over: the first party, which holds the most, loses its oldest audio until
    // all three fit in the budget less a thirty-second of it; the others keep everything.
    ticks(1);
    auto samples = [&](const std::string& id) { return bridge.heard(id)->size(); };
    CHECK(samples("second") == 34 * frame);
    CHECK(samples("third") == 9 * frame);
    CHECK(samples("first") < 109 * frame);
    CHECK(bridge.heard_bytes() <= budget - budget / 32 + 2 * frame * sizeof(std::int16_t));
    // The room to spare: the next tick's frames fit without cutting anything.
    const std::size_t first_now = samples("first");
    ticks(1);
    CHECK(samples("first") == first_now + frame);
    CHECK(samples("second") == 35 * frame);
}
