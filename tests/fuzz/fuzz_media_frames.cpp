// libFuzzer: binary audio frames from the media socket (docs/media.md) into the receiving end both
// sides run: parse_frame -> JitterBuffer -> Opus decoder (src/media). The input is a sequence of
// records, each:
//   byte 0      arrival: the frame comes this many ms after the previous one (0-255: bursts, gaps)
//   byte 1      pops: the playout asks for this many 20 ms frames (mod 8) before the frame arrives
//   bytes 2-3   the frame's length, big-endian (clamped to what is left)
//   bytes 4-    the frame's bytes, exactly as a WebSocket message would bring them
// The decoder and jitter buffer are made once per process and reset per input, as the bar's worklet
// and ucsd's bridge reuse theirs for a whole shift. Only the first few outputs of an input are decoded:
// a decode is libopus's work (uninstrumented, ~20 us), and decoding every frame cut the target to a
// few hundred inputs a second without reaching more of our code.
//
// Oracles: no sanitizer report; a frame that parses writes back (encode_frame) to the same bytes
// apart from reserved flag bits; the jitter buffer holds at most its capacity, never hands out a
// payload larger than the format allows, and its counters add up (every pushed frame is buffered or
// counted as dropped exactly once); every decode, concealment or recovery yields 20 ms of finite
// samples or a codec error, never more.
#include "fuzz_support.hpp"
#include "media/frame.hpp"
#include "media/jitter_buffer.hpp"
#include "media/opus_codec.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

namespace {

namespace media = ucs::media;
namespace fuzz = ucs::fuzz;

struct Receiver {
    Receiver() : decoder(media::Decoder::create().value()) {}

    void start() {
        buffer.reset();
        decoder.reset();
        now_ms = 0;
        decodes_left = max_decodes_per_input;
        pushed = 0;
        refused = 0;
        start_stats = buffer.stats();
    }

    void arrive(std::span<const std::uint8_t> bytes, int after_ms) {
        now_ms += after_ms;
        const auto frame = media::parse_frame(bytes);
        if (!frame) return;
        check_round_trip(*frame, bytes);
        ++pushed;
        if (buffer.push(*frame, now_ms) != media::PushResult::buffered) ++refused;
        fuzz::require(buffer.buffered_frames() <= buffer.capacity_frames(), "the jitter buffer holds more than its capacity");
    }

    void play(int frames) {
        for (int i = 0; i < frames; ++i) {
            const media::Playout out = buffer.pop(now_ms);
            now_ms += media::frame_ms;
            fuzz::require(out.payload.size() <= media::max_payload_size, "the jitter buffer hands out an oversize payload");
            if (out.reset_decoder) decoder.reset();
            if (out.play == media::Play::payload)
                fuzz::require(!out.payload.empty(), "the jitter buffer says play but gives no payload");
            if (decodes_left == 0) continue;
            --decodes_left;
            switch (out.play) {
                case media::Play::payload:
                    check_samples(decoder.decode(out.payload, pcm), "decode");
                    break;
                case media::Play::conceal:
                    check_samples(out.payload.empty() ? decoder.conceal(pcm) : decoder.recover(out.payload, pcm),
                                  "concealment");
                    break;
                case media::Play::silence:
                    break;
            }
        }
    }

    // Every frame pushed in this input is either still buffered, or was dropped and counted.
    void check_counters() const {
        const media::JitterStats& now = buffer.stats();
        fuzz::require(now.received - start_stats.received == pushed, "the jitter buffer miscounts received frames");
        const std::uint64_t counted_refusals = (now.late - start_stats.late) +
                                               (now.duplicates - start_stats.duplicates) +
                                               (now.other_stream - start_stats.other_stream);
        fuzz::require(counted_refusals == refused, "a refused frame is not counted as late, duplicate or other stream",
                      std::to_string(counted_refusals) + " counted, " + std::to_string(refused) + " refused");
    }

    media::JitterBuffer buffer;
    media::Decoder decoder;
    std::array<float, media::frame_samples> pcm{};
    static constexpr int max_decodes_per_input = 6;
    std::int64_t now_ms = 0;
    int decodes_left = 0;
    std::uint64_t pushed = 0;
    std::uint64_t refused = 0;
    media::JitterStats start_stats;

private:
    void check_samples(const ucs::Expected<std::size_t, media::CodecError>& decoded, std::string_view what) {
        if (!decoded) return;  // a packet libopus refuses is counted and dropped by the callers
        fuzz::require(*decoded == media::frame_samples, std::string(what) + " did not yield 20 ms");
        for (const float sample : pcm) fuzz::require(std::isfinite(sample), std::string(what) + " yielded a non-finite sample");
    }

    static void check_round_trip(const media::FrameView& frame, std::span<const std::uint8_t> bytes) {
        std::array<std::uint8_t, media::max_frame_size> written{};
        const auto size = media::encode_frame(frame.header, frame.payload, written);
        fuzz::require(size.has_value() && *size == bytes.size(), "a parsed frame does not write back to its size");
        // Reserved flag bits (2-7) are ignored on receipt and written as 0.
        fuzz::require((written[1] & 0x03U) == (bytes[1] & 0x03U) && (written[1] & 0xfcU) == 0,
                      "a parsed frame's flags do not write back");
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (i != 1) fuzz::require(written[i] == bytes[i], "a parsed frame does not write back to its bytes");
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Receiver receiver;
    receiver.start();
    std::span<const std::uint8_t> input(data, size);
    while (input.size() >= 4) {
        const int after_ms = input[0];
        const int pops = input[1] % 8;
        const std::size_t length = std::min<std::size_t>((std::size_t{input[2]} << 8) | input[3], input.size() - 4);
        receiver.play(pops);
        receiver.arrive(input.subspan(4, length), after_ms);
        input = input.subspan(4 + length);
    }
    receiver.play(16);  // drain: what is buffered plays out
    receiver.check_counters();
    return 0;
}
