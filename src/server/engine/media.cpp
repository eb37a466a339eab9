// What the media bridge reads from the engine: who may attach a media socket, and every call as a
// BridgeLeg (media/bridge_routes.hpp). Reads only: the bridge never changes a call.

#include "server/engine/engine_impl.hpp"

#include "core/auth/capability.hpp"
#include "core/rules/recording.hpp"

namespace ucs::server {

namespace json = boost::json;

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

std::set<std::string> Engine::recorded_calls() const {
    std::set<std::string> recorded;
    for (const auto& [uniqueid, call] : impl_->calls)
        if (call.recorded) recorded.insert(uniqueid);
    return recorded;
}

bool Engine::Impl::may_hear_recording(int user_id, const std::string& uniqueid) {
    const UserRecord* user = user_by_id(user_id);
    if (user == nullptr) return false;
    std::vector<int> call_agents = store.history_users(uniqueid);
    if (auto live = calls.find(uniqueid); live != calls.end()) {
        for (const Party* party : {&live->second.caller, live->second.callee ? &*live->second.callee : nullptr})
            if (party != nullptr && party->user_id) call_agents.push_back(*party->user_id);
    }
    return ucs::may_hear_recording(RecordingListener{user_id, user->superuser}, call_agents);
}

bool Engine::may_hear_recording(int user_id, const std::string& uniqueid) const {
    return impl_->may_hear_recording(user_id, uniqueid);
}

namespace {

constexpr std::int64_t recording_url_seconds = 600;  // long enough to listen and seek; the bar asks again after

std::string recording_scope(const std::string& uniqueid) { return "recording " + uniqueid; }

}  // namespace

RpcResult Engine::Impl::recording_url(RpcContext& request, const RecordingUrlParams& params) {
    if (params.uniqueid.empty()) return bad_param("params.uniqueid", "a call's uniqueid is required");
    // The token names the user and the call; whether that user may hear it is decided when the URL
    // is fetched (GET /recordings/..., one rule in one place).
    const std::int64_t expires = now_seconds() + recording_url_seconds;
    const std::string token = auth::make_capability(server_secret, recording_scope(params.uniqueid), request.user_id, expires);
    return json::object{{"uniqueid", params.uniqueid},
                        {"path", "/recordings/" + params.uniqueid + "?token=" + token},
                        {"expires", expires}};
}

Expected<int, std::string> Engine::recording_token_user(std::string_view token, const std::string& uniqueid,
                                                        Millis now) const {
    auto capability = auth::verify_capability(token, impl_->server_secret, recording_scope(uniqueid), now / 1000);
    if (!capability) return Unexpected(std::string(auth::to_string(capability.error())));
    return capability->user_id;
}

}  // namespace ucs::server
