#pragma once
// Who hears what on ucsd's media bridge, as one pure function of the calls: the rule the bridge
// applies to every frame it forwards (docs/media.md). A call's audio follows its signalling state,
// so hold, mute, consultation, finishTransfer and blind transfer need no rules of their own: the
// engine changes the calls, and the routes follow.
//
//   talking             each end hears the other, or silence while the other is muted
//   held                the held end hears music on hold; the holder hears nothing from this call
//   ringing             a simulated caller hears the network's ringback (a softphone plays its own)
//   waiting in a queue  the caller hears music on hold
//   several calls       a talking call wins over held ones (a consultation while the caller waits)

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace ucs::media {

// One end of a call: an agent's softphone line ("line:201") or a simulated party ("trunk:…").
struct Endpoint {
    std::string id;
    bool simulated = false;  // ucsd plays and hears for it (the sandbox's callers and called numbers)

    friend bool operator==(const Endpoint& a, const Endpoint& b) { return a.id == b.id; }
    friend std::strong_ordering operator<=>(const Endpoint& a, const Endpoint& b) { return a.id <=> b.id; }
};

enum class LegState : std::uint8_t { waiting, ringing, talking, held, ended };
enum class Side : std::uint8_t { caller, callee };

// A call as the bridge sees it.
struct BridgeLeg {
    std::string uniqueid;
    Endpoint caller;
    std::optional<Endpoint> callee;  // none while a queue call waits
    LegState state = LegState::waiting;
    bool caller_muted = false;
    bool callee_muted = false;
    std::optional<Side> held_by;  // for LegState::held: the end that put the call on hold
};

enum class SourceKind : std::uint8_t { silence, endpoint, music_on_hold, ringback };

struct Source {
    SourceKind kind = SourceKind::silence;
    std::optional<Endpoint> from;  // for SourceKind::endpoint
    std::string call;              // the call this comes through ("" for silence)

    friend bool operator==(const Source&, const Source&) = default;
};

// What every endpoint taking part in `legs` hears. Endpoints in no live call are absent.
std::map<Endpoint, Source> who_hears_what(std::span<const BridgeLeg> legs);

}  // namespace ucs::media
