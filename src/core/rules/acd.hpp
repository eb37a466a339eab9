#pragma once
// Who the ACD may offer a queue call to, as data the engine fills in and one function that decides.
// ucsd's ACD (server/engine/calls.cpp) asks offer_tier() for each member of the queue and offers
// the call to the best agent of the best tier (priority, then the longest idle).
//
// The rules (docs/server.md, "The ACD"):
//  - READY, phone paired and free, membership not suspended, a session that provisioned;
//  - at least one of the agent's sessions is live: connected and not frozen (Page Lifecycle). A
//    softphone whose every bar is gone cannot ring at all; a desk phone can, but the agent has lost
//    the screen pop and call control, so it is skipped too unless its queue says otherwise
//    (QueueOfferPolicy::ring_unattended_desk_phones);
//  - an agent who rejected this call is offered it again only when no other agent can take it, and
//    not before `reject_backoff_ms` has passed since the rejection.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ucs {

// One queue member as the ACD sees them when a call is waiting.
struct OfferCandidate {
    bool ready = false;                       // status READY
    bool phone_free = false;                  // a paired phone and no call
    bool suspended = false;                   // the membership of this queue is suspended
    bool provisioned = false;                 // a session of the agent reached READY (the bar shows the agent)
    bool live = false;                        // one of those sessions has a connection and its page is not frozen
    bool softphone = false;                   // the paired phone is the browser itself
    std::optional<std::int64_t> rejected_at;  // ms: when this agent rejected this very call
};

// Per queue.
struct QueueOfferPolicy {
    bool ring_unattended_desk_phones = false;  // offer to a desk phone whose bar is disconnected or frozen
};

inline constexpr std::int64_t reject_backoff_ms = 10'000;

enum class OfferTier : std::uint8_t {
    never,     // cannot be offered this call now
    first,     // may be offered it
    fallback,  // rejected it: only when no agent of the first tier can take it
};

// Why an agent cannot be offered a call now (never), or in which tier they are.
struct OfferVerdict {
    OfferTier tier = OfferTier::never;
    std::string_view why;  // for never: the rule that skips the agent
};

OfferVerdict offer_tier(const OfferCandidate& candidate, const QueueOfferPolicy& policy, std::int64_t now);

// The earliest time a rejected candidate becomes a fallback (the engine's deadline to try again).
std::int64_t reoffer_after(std::int64_t rejected_at);

}  // namespace ucs
