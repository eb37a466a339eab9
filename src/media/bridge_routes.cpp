#include "media/bridge_routes.hpp"



namespace ucs::media {
namespace {

// Among several calls of one endpoint, the one it listens to: the talking call, then one being set
// up (ringing, waiting), then a held one (a consultation while the caller waits on hold).
int rank(LegState state) {
    switch (state) {
        case LegState::talking: return 3;
        case LegState::ringing:
        case LegState::waiting: return 2;
        case LegState::held: return 1;
        case LegState::ended: break;
    }
    return 0;
}

// What `listener` hears through `leg`, the other end being `other`.
Source through(const BridgeLeg& leg, Side listener, const std::optional<Endpoint>& other, bool other_muted) {
    switch (leg.state) {
        case LegState::talking:
            if (!other || other_muted) return {SourceKind::silence, std::nullopt, leg.uniqueid};
            return {SourceKind::endpoint, other, leg.uniqueid};
        case LegState::held:
            if (leg.held_by == listener) return {SourceKind::silence, std::nullopt, leg.uniqueid};
            return {SourceKind::music_on_hold, std::nullopt, leg.uniqueid};
        case LegState::waiting:
            if (listener == Side::caller) return {SourceKind::music_on_hold, std::nullopt, leg.uniqueid};
            return {SourceKind::silence, std::nullopt, leg.uniqueid};
        case LegState::ringing:
            if (listener == Side::caller && leg.caller.simulated) return {SourceKind::ringback, std::nullopt, leg.uniqueid};
            return {SourceKind::silence, std::nullopt, leg.uniqueid};
        case LegState::ended: break;
    }
    return {};
}

struct Ranked {
    int rank = 0;
    Source source;
};

void offer(std::map<Endpoint, Ranked>& heard, const Endpoint& listener, const BridgeLeg& leg, Source source) {
    const int r = rank(leg.state);
    auto [at, inserted] = heard.try_emplace(listener, Ranked{r, source});
    if (!inserted && r > at->second.rank) at->second = Ranked{r, std::move(source)};
}

}  // namespace

std::map<Endpoint, Source> who_hears_what(std::span<const BridgeLeg> legs) {
    std::map<Endpoint, Ranked> ranked;
    for (const BridgeLeg& leg : legs) {
        if (leg.state == LegState::ended) continue;
        offer(ranked, leg.caller, leg, through(leg, Side::caller, leg.callee, leg.callee_muted));
        if (leg.callee) offer(ranked, *leg.callee, leg, through(leg, Side::callee, leg.caller, leg.caller_muted));
    }
    std::map<Endpoint, Source> heard;
    for (auto& [endpoint, entry] : ranked) heard.emplace(endpoint, std::move(entry.source));
    return heard;
}

}  // namespace ucs::media
