// What the media bridge reads from the engine: who may attach a media socket, and every call as a
// BridgeLeg (media/bridge_routes.hpp). Reads only: the bridge never changes a call.

#include "server/engine/engine_impl.hpp"

namespace ucs::server {

namespace {

// A line's end is its agent's softphone; an outside party is simulated by ucsd, named by its channel
// (a party keeps its channel through transfers, so its audio and what it heard follow it).
media::Endpoint endpoint_of(const Party& party) {
    if (party.type == ChannelType::trunk) return media::Endpoint{"trunk:" + party.channel, true};
    if (party.user_id) return agent_endpoint(*party.user_id);
    return media::Endpoint{"line:" + std::to_string(party.line_id.value_or(0)), false};
}

media::LegState leg_state(const ActiveCall& call) {
    switch (call.state) {
        case CallState::connected: return media::LegState::talking;
        case CallState::held: return media::LegState::held;
        case CallState::invitation: return media::LegState::ringing;
        case CallState::new_call:
        case CallState::connecting: return call.callee ? media::LegState::ringing : media::LegState::waiting;
        case CallState::suspended: break;
    }
    return media::LegState::ended;
}

media::BridgeLeg leg_of(const ActiveCall& call) {
    media::BridgeLeg leg;
    leg.uniqueid = call.uniqueid;
    leg.caller = endpoint_of(call.caller);
    if (call.callee) leg.callee = endpoint_of(*call.callee);
    leg.state = leg_state(call);
    leg.caller_muted = call.caller.muted;
    leg.callee_muted = call.callee && call.callee->muted;
    if (leg.state == media::LegState::held && call.held_by) {
        leg.held_by = call.caller.user_id == call.held_by ? media::Side::caller : media::Side::callee;
    }
    return leg;
}

}  // namespace

media::Endpoint agent_endpoint(int user_id) { return media::Endpoint{"agent:" + std::to_string(user_id), false}; }

Expected<int, MediaAttachError> Engine::media_user(const std::string& session_key) const {
    const auto session = impl_->sessions.find(session_key);
    if (session == impl_->sessions.end()) return Unexpected(MediaAttachError::unknown_session);
    // A logged-out session keeps its user id until the next login: its state says it is logged out.
    if (!session->second.user_id || session->second.state == AppState::CREDENTIALS)
        return Unexpected(MediaAttachError::not_logged_in);
    return *session->second.user_id;
}

std::vector<media::BridgeLeg> Engine::media_legs() const {
    std::vector<media::BridgeLeg> legs;
    legs.reserve(impl_->calls.size());
    for (const auto& [uniqueid, call] : impl_->calls) legs.push_back(leg_of(call));
    return legs;
}

}  // namespace ucs::server
