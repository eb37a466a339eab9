#pragma once
// One call's recording (docs/media.md, "Recording"), sans-IO: what each end of the call says comes in
// as the Opus packets the bridge routes anyway, and every 20 ms tick the two ends' packets of that
// period become one packet of a two-channel Ogg Opus stream (ogg_opus.hpp): the caller on the left
// channel, the called end (the agent of a queue call) on the right. The bytes go out to the IO
// shell, which appends them to the call's file; nothing here touches a file.
//
// Why two channels of the packets as they came: no decoding and no encoding at all. A mix (one
// channel) costs a decode per end and an encode per call every 20 ms, which made recording about 70 %
// of a recorded call's CPU in ucsd (bench/media-load.mjs), and re-encodes what was already encoded.
// Two uncoupled mono streams (channel mapping family 1) carry each end's packets unchanged, at each
// end's own bit rate; a browser's <audio> plays them as stereo, and speech analytics get each
// speaker on a channel of their own. Two logical Ogg streams instead would have played one side only.

#include "media/bridge_routes.hpp"
#include "server/media/ogg_opus.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace ucs::server::media_bridge {

class CallRecorder {
public:
    explicit CallRecorder(const std::string& uniqueid);

    // 20 ms that one end of the call said (one Opus packet of a 20 ms frame; empty for silence).
    // A packet that is not 20 ms of Opus is not recorded, as it could not be heard.
    void said(media::Side end, std::span<const std::uint8_t> packet);
    // One 20 ms period of the call: each end's next packet (silence for an end that said nothing)
    // added to the stream. Returns bytes to append to the file (the headers first, then a page
    // about once a second).
    std::string tick();
    // The call ended: the rest of the stream, its last page marked EOS.
    std::string finish();

private:
    OggOpusWriter writer_;
    std::array<std::deque<std::vector<std::uint8_t>>, 2> pending_;  // per end, caller first
    bool headers_written_ = false;
};

}  // namespace ucs::server::media_bridge
