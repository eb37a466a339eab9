#include "core/rules/acd.hpp"

namespace ucs {

OfferVerdict offer_tier(const OfferCandidate& c, const QueueOfferPolicy& policy, std::int64_t now) {
    if (!c.ready) return {OfferTier::never, "not READY"};
    if (!c.phone_free) return {OfferTier::never, "no free phone"};
    if (c.suspended) return {OfferTier::never, "queue suspended"};
    if (!c.provisioned) return {OfferTier::never, "no provisioned session"};
    if (!c.live) {
        if (c.softphone) return {OfferTier::never, "softphone without a live bar"};
        if (!policy.ring_unattended_desk_phones) return {OfferTier::never, "no live bar"};
    }
    if (c.rejected_at) {
        if (now < reoffer_after(*c.rejected_at)) return {OfferTier::never, "rejected this call recently"};
        return {OfferTier::fallback, {}};
    }
    return {OfferTier::first, {}};
}

std::int64_t reoffer_after(std::int64_t rejected_at) {
    return rejected_at + reject_backoff_ms;
}

}  // namespace ucs
