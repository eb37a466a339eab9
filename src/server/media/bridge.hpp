#pragma once
// ucsd's media bridge (docs/media.md), sans-IO: the agents' media sockets and the simulated parties
// of every call, routed by media::who_hears_what() over the calls the engine reports.
//
// - Opus frames from a bar are forwarded to whoever hears that agent, never re-encoded: only the
//   header is re-stamped per receiver (its stream; seq and timestamp continued from what that
//   receiver had, keeping the sender's gaps so a loss stays a loss).
// - Generated audio (music on hold, a simulated party's prompt or tone, silence frames while the far
//   end is muted) is one frame per tick(): the IO shell calls tick() every 20 ms; the core has no clock.
// - A simulated party keeps the last heard_seconds of what it hears from the agent's side (the
//   agent, silence while muted, music on hold while held), decoded only when asked for (heard()).
// - A call the engine marks recorded goes into a two-channel Ogg Opus file (recorder.hpp), each
//   end's packets as they came; the bytes go out for the IO shell to append to the call's file.
// - A frame of a stream that is not the agent's current one, or one that does not parse, is dropped
//   and counted; nothing a bar sends is fatal here.
//
// Output names sockets by MediaSocket ids the IO shell chose; the shell sends, closes and times.

#include "core/expected.hpp"
#include "media/bridge_routes.hpp"
#include "media/opus_codec.hpp"
#include "server/engine/engine.hpp"
#include "server/media/clip.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ucs::server::media_bridge {

using MediaSocket = std::uint64_t;

// Close code for a media socket that a newer attach replaced (docs/media.md).
inline constexpr std::uint16_t close_replaced = 4001;

struct MediaOutput {
    struct Sent {
        MediaSocket socket = 0;
        std::vector<std::uint8_t> bytes;  // one binary frame
    };
    std::vector<Sent> frames;
    std::vector<std::pair<MediaSocket, std::uint16_t>> closes;  // socket, WebSocket close code
    // Bytes of recordings to append to their files (recorder.hpp), in order.
    struct Recorded {
        std::string uniqueid;
        std::string bytes;
        bool last = false;  // the call ended: the file is complete
    };
    std::vector<Recorded> recordings;
};

using server::PartyAudio;

// Speech for "say": 48 kHz mono samples of the text, or a message saying why not. Injected, so the
// core needs no speech synthesiser (ucsd passes libespeak-ng's; tests pass their own).
using SpeechRenderer = std::function<Expected<std::vector<float>, std::string>(std::string_view text)>;

struct BridgeCounters {
    std::uint64_t malformed = 0;   // binary frames that did not parse
    std::uint64_t stale = 0;       // frames of another stream than the agent's current one
    std::uint64_t unattached = 0;  // binary frames before media.attach
    std::uint64_t forwarded = 0;   // frames forwarded to agents
    std::uint64_t generated = 0;   // frames generated for agents (music on hold, parties, silence)
    std::uint64_t decoded = 0;     // frames simulated parties decoded (when their heard audio was read)
    std::uint64_t recordings = 0;  // recordings started
};

// 16 kHz mono, what a simulated party keeps of what it heard (GET .../heard as WAV).
inline constexpr int heard_rate = 16000;
inline constexpr int heard_seconds = 120;
// What all simulated parties together keep of what they heard, in bytes (16-bit samples), unless
// ucsd is told otherwise (--heard-budget-mb): over it, the parties of the oldest ended calls are
// forgotten first, then the oldest audio of the party that kept the most.
inline constexpr std::size_t default_heard_budget_bytes = std::size_t{64} << 20;

using server::HeardMissing;

class MediaBridge {
public:
    explicit MediaBridge(SpeechRenderer speech = {}, std::size_t heard_budget_bytes = default_heard_budget_bytes);
    ~MediaBridge();
    MediaBridge(const MediaBridge&) = delete;
    MediaBridge& operator=(const MediaBridge&) = delete;
    MediaBridge(MediaBridge&&) = delete;
    MediaBridge& operator=(MediaBridge&&) = delete;

    // A media socket attached for the agent `user_id`; returns the stream its frames must carry. An
    // older socket of the same agent is closed with close_replaced (in `out`).
    std::uint16_t attach(int user_id, MediaSocket socket, MediaOutput& out);
    // The socket is gone (either side closed it).
    void detach(MediaSocket socket);
    [[nodiscard]] bool attached(MediaSocket socket) const;

    // One binary frame from a socket.
    void receive(MediaSocket socket, std::span<const std::uint8_t> bytes, MediaOutput& out);
    // The calls now (Engine::media_legs()): routes follow them; an agent whose call changed gets a
    // new stream.
    void set_legs(std::vector<media::BridgeLeg> legs);
    // The calls being recorded (Call.recorded, Engine::recorded_calls()): each is recorded while it
    // talks or is held, from its first talking moment until it leaves the legs.
    void set_recorded(std::set<std::string> uniqueids);
    // One 20 ms period: a frame of generated audio to every agent that hears one, and silence into
    // the ears of simulated parties whose agent is muted; 20 ms more of every recording.
    void tick(MediaOutput& out);
    // The shell missed ticks (its loop stalled) and carries on from now rather than catching up:
    // without a word, every bar would hear its generated stream late by the stall from then on. So
    // the next generated frame to each agent says restart, and its bar times the stream afresh;
    // music and prompts carry on where they were.
    void ticks_missed();

    // Why `audio` cannot be played, if it cannot. Speech is rendered here (once per text, cached).
    std::optional<std::string> prepare_audio(const PartyAudio& audio);
    // What the simulated party of call `uniqueid` (its outside caller, or the outside number an agent
    // dialled) plays from now on; why not, if it cannot.
    std::optional<std::string> set_party_audio(const std::string& uniqueid, const PartyAudio& audio);
    // What that party heard, 16 kHz mono. Decoded now: a party keeps the frames it heard as they
    // came until this asks (about 20 us a frame in bench/media-bridge, so 2 minutes of audio take
    // about 0.1 s here).
    [[nodiscard]] Expected<std::vector<std::int16_t>, HeardMissing> heard(const std::string& uniqueid);
    // Bytes all parties keep of what they heard now (at most the budget).
    [[nodiscard]] std::size_t heard_bytes() const;

    [[nodiscard]] std::uint16_t stream_of(int user_id) const;
    [[nodiscard]] const BridgeCounters& counters() const { return counters_; }
    // Work left for tick(): false when nobody hears generated audio (the shell may stop its timer).
    [[nodiscard]] bool busy() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    BridgeCounters counters_;
};

// A WAV file (RIFF, PCM 16-bit, mono) of `samples` at `rate`.
std::string wav_file(std::span<const std::int16_t> samples, int rate);

}  // namespace ucs::server::media_bridge
