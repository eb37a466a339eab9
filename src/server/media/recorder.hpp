#pragma once
// One call's recording (docs/media.md, "Recording"), sans-IO: what each end of the call says comes in
// as the Opus packets the bridge routes anyway; every 20 ms tick the two ends are decoded, mixed into
// one mono channel, encoded once and appended to an Ogg Opus stream (ogg_opus.hpp). The bytes go out
// to the IO shell, which appends them to the call's file; nothing here touches a file.
//
// Why a mono mix and not the original packets: a browser's <audio> plays one logical stream of an Ogg
// file, so two multiplexed streams (each end's packets as they came) would play one side only; a
// stereo file (one end per channel) needs the same one encode as a mix, but a supervisor on one
// earbud or a laptop speaker would hear one side louder or not at all. A mix plays the whole
// conversation everywhere, like a phone recording; the cost is one decode per end and one encode
// per recorded call and 20 ms.

#include "core/expected.hpp"
#include "media/opus_codec.hpp"
#include "server/media/ogg_opus.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace ucs::server::media_bridge {

class CallRecorder {
public:
    static Expected<CallRecorder, std::string> create(const std::string& uniqueid);

    // 20 ms that the end `from` said (one Opus packet of a frame), heard by the other end.
    void said(const std::string& from, std::span<const std::uint8_t> packet);
    // One 20 ms period of the call: the ends' audio so far mixed, encoded and added to the stream.
    // Returns bytes to append to the file (the headers first, then a page about once a second).
    std::string tick();
    // The call ended: the rest of the stream, its last page marked EOS.
    std::string finish();

private:
    CallRecorder(media::Encoder encoder, OggOpusWriter writer);
    struct End {
        std::optional<media::Decoder> decoder;
        std::deque<float> pending;  // decoded, not yet mixed
    };
    media::Encoder encoder_;
    OggOpusWriter writer_;
    std::map<std::string, End> ends_;
    bool headers_written_ = false;
};

}  // namespace ucs::server::media_bridge
