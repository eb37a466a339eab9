// Sessions: the handshake and resume, events and their replay buffer, pairing a phone, logout, and
// the ports the session table's guards and actions use.
#include "core/auth/base64.hpp"
#include "core/texts.hpp"
#include "server/engine/engine_impl.hpp"

#include <algorithm>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

// ---- events ------------------------------------------------------------------------------------

void Engine::Impl::send(ConnectionId connection, std::string frame) {
    out->frames.push_back(Outbound{connection, Frame(std::move(frame)), store_wait});
}

void Engine::Impl::push_event(Session& session, const std::shared_ptr<const std::string>& head) {
    ++session.seq;
    session.replay.push_back(Session::Replayed{session.seq, head, now});
    session.replay_bytes += head->size();
    auto too_much = [&] {
        const Session::Replayed& oldest = session.replay.front();
        return session.replay.size() > config.resume_buffer_events ||
               session.replay_bytes > config.resume_buffer_bytes || now - oldest.at > config.resume_buffer_ms;
    };
    // The newest event always stays: a resume right after it must not need a snapshot.
    while (session.replay.size() > 1 && too_much()) {
        session.replay_bytes -= session.replay.front().head->size();
        session.replay.pop_front();
    }
    if (session.connection)
        out->frames.push_back(
            Outbound{*session.connection, Frame(head, protocol::event_tail(*head, session.seq)), store_wait});
}

void Engine::Impl::push_event(Session& session, std::string_view name, const json::object& params) {
    push_event(session, std::make_shared<const std::string>(protocol::event_head(name, params)));
}

// In session key order, as when every session was scanned: event order stays what it was.
std::vector<Session*> Engine::Impl::sessions_of(int user_id) {
    std::vector<Session*> found;
    const auto it = sessions_by_user.find(user_id);
    if (it == sessions_by_user.end()) return found;
    for (const std::string& key : it->second) {
        Session& session = sessions.at(key);
        if (session.state != AppState::CREDENTIALS) found.push_back(&session);
    }
    return found;
}

bool Engine::Impl::user_logged_in(int user_id) const {
    const auto it = sessions_by_user.find(user_id);
    if (it == sessions_by_user.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& key) { return sessions.at(key).state != AppState::CREDENTIALS; });
}

void Engine::Impl::push_to_user(int user_id, std::string_view name, const json::object& params) {
    const std::vector<Session*> targets = sessions_of(user_id);
    if (targets.empty()) return;
    const auto head = std::make_shared<const std::string>(protocol::event_head(name, params));  // encoded once
    for (Session* session : targets) push_event(*session, head);
}

// The agent's last session is gone: the phone is unpaired and the agent leaves the queues.
void Engine::Impl::leave_agent(int user_id) {
    if (user_logged_in(user_id)) return;
    Agent& a = agent(user_id);
    // A queue caller offered to this agent goes back to the front of the queue; the agent's other
    // calls end (their phone is no longer the agent's, and nobody else could end them).
    while (ActiveCall* call = first_call_of(user_id)) {
        const bool is_callee = call->callee && call->callee->user_id == user_id;
        if (is_callee && call->queue_id && call->state == CallState::invitation) {
            requeue_offer(*call, user_id, HangupCause::unavailable);
        } else {
            end_call(*call, is_callee ? HangupCause::called_hung_up : HangupCause::caller_hung_up);
        }
    }
    if (a.status != AgentStatus::OFFLINE) set_status(user_id, AgentStatus::OFFLINE, std::nullopt);
    set_line(a, std::nullopt);
    a.transfer_of.reset();
    refresh_idle(a);
    account_suspend_time(a);
}

// ---- the session table's ports ---------------------------------------------------------------------

bool Engine::Impl::agent_has_phone(const Session& session) const {
    if (!session.user_id) return false;
    const auto it = agents.find(*session.user_id);
    return it != agents.end() && it->second.device_id.has_value();
}

void Engine::Impl::forget_login(Session& session) {
    if (session.remember_hash) {
        store.revoke_remember_token(*session.remember_hash);
        frames_wait_for_store();
        std::erase_if(directory.remember_tokens,
                      [&](const RememberTokenRecord& t) { return t.token_hash == *session.remember_hash; });
        session.remember_hash.reset();
    }
    session.sso_provider.reset();
}

void Engine::Impl::release_agent(const Session& session) {
    if (session.user_id) leave_agent(*session.user_id);
}

void Engine::Impl::tell_logged_out(Session& session, std::string_view why) {
    push_event(session, protocol::event::logged_out, json::object{{"reason", why}});
}

void Engine::Impl::tell_replaced(Session& session) {
    push_event(session, protocol::event::message,
               json::object{{"message", "You were logged out because you logged in elsewhere."},
                            {"type", "warning"}, {"group", "session"}, {"data", json::object{{"code", texts::logged_in_elsewhere}}}});
    tell_logged_out(session, "logged in elsewhere");
}

void Engine::Impl::tell_session_state(Session& session) {
    json::object params{{"state", to_string(session.state)}, {"device", nullptr}};
    if (session.user_id) {
        const Agent& a = agent(*session.user_id);
        if (const DeviceRecord* device = a.device_id ? device_by_id(*a.device_id) : nullptr) params["device"] = to_json(device->device);
    }
    push_event(session, protocol::event::session_state, std::move(params));
}

void Engine::Impl::unexpected(std::string what) { out->log.push_back(std::move(what)); }

// ---- handshake ---------------------------------------------------------------------------------

RpcResult Engine::Impl::hello(RpcContext& request, const HelloParams& params) {
    if (params.protocol != protocol::version) {
        return rpc_fail(ErrorCode::unsupported_version, "protocol \"" + params.protocol + "\" is not supported",
                        json::object{{"supported", protocol::version}});
    }
    Session session;
    session.key = auth::base64url_token(random.bytes(18));
    session.connection = request.connection.id;
    request.connection.session = session.key;
    const std::string key = session.key;
    sessions.emplace(key, std::move(session));
    return json::object{{"protocol", protocol::version}, {"server", config.server_name}, {"session", key},
                        {"seq", 0}, {"now", now_seconds()}, {"heartbeat_ms", config.heartbeat_ms},
                        {"state", to_string(AppState::CREDENTIALS)}};
}

RpcResult Engine::Impl::resume_session(RpcContext& request, const ResumeParams& params) {
    auto it = sessions.find(params.session);
    if (it == sessions.end()) return rpc_fail(ErrorCode::session_expired, "session is unknown or has expired");
    Session& session = it->second;
    Connection& connection = request.connection;
    if (session.connection && *session.connection != connection.id) {
        // The old socket is a ghost (the client would not resume otherwise): close it.
        auto old = connections.find(*session.connection);
        if (old != connections.end()) old->second.session.reset();
        out->closes.push_back(*session.connection);
    }
    attach(session, connection.id);
    connection.session = session.key;
    session.page_closed_at.reset();  // the page came back (a reload or a navigation of the same tab)
    session.frozen = false;          // a new page is not frozen
    const auto last_seq = static_cast<std::uint64_t>(std::max<std::int64_t>(params.last_seq, 0));
    json::object result{{"session", session.key}, {"seq", session.seq}, {"state", to_string(session.state)},
                        {"now", now_seconds()}};
    const bool replayable =
        last_seq <= session.seq &&
        (last_seq == session.seq || (!session.replay.empty() && session.replay.front().seq <= last_seq + 1));
    // What the resumed client is told (the replayed events, or a snapshot) may rest on writes still
    // being committed, e.g. a call.hangup whose history row is queued: it waits for them like the
    // original frames did (those were dropped with the old connection).
    frames_wait_for_store();
    if (replayable) {
        // receive() sends these right after this request's result.
        std::vector<Frame> missed;
        for (const Session::Replayed& event : session.replay)
            if (event.seq > last_seq) missed.emplace_back(event.head, protocol::event_tail(*event.head, event.seq));
        result["replayed"] = missed.size();
        pending_replay = std::move(missed);
        return result;
    }
    // Too much was missed: the client rebuilds from a snapshot.
    result["replayed"] = nullptr;
    if (session.state == AppState::READY && session.user_id) result["snapshot"] = to_json(ready_state(*session.user_id));
    if (session.user_id && session.state != AppState::CREDENTIALS) result["user"] = to_json(render_user(*session.user_id));
    return result;
}

RpcResult Engine::Impl::ping(RpcContext& request, const PingParams& params) {
    json::object result{{"now", now_seconds()}};
    if (request.session != nullptr) {
        // The ACD looks again after every request: a thawed page gets calls at once.
        if (params.frozen) request.session->frozen = *params.frozen;
        result["frozen"] = request.session->frozen;
    }
    return result;
}

// ---- logout and pairing ------------------------------------------------------------------------

RpcResult Engine::Impl::logout(RpcContext& request, const NoParams& /*params*/) {
    transition(*request.session, SessionEvent::logout);
    return json::object{{"state", to_string(request.session->state)}};
}

RpcResult Engine::Impl::list_devices(RpcContext& /*request*/, const NoParams& /*params*/) {
    json::array list;
    for (const auto& device : directory.devices) list.push_back(to_json(device.device));
    return list;
}

// The agent may take this phone: not another one during a call, and not one another agent has.
Expected<Agent*, RpcError> Engine::Impl::pairable(int user_id, const DeviceRecord& device) {
    Agent& a = agent(user_id);
    if (a.device_id && *a.device_id != device.device.id && has_calls(user_id)) {
        return rpc_fail(ErrorCode::invalid_state, "the phone cannot change during a call");
    }
    if (auto holder = agent_on_line(device.device.id); holder && *holder != user_id) {
        return rpc_fail(ErrorCode::device_in_use, "phone " + device.device.identifier + " is paired by another agent",
                        json::object{{"identifier", device.device.identifier}});
    }
    return &a;
}

RpcResult Engine::Impl::pair(int user_id, Session& session, const DeviceRecord& device) {
    auto a = pairable(user_id, device);
    if (!a) return Unexpected(a.error());
    set_line(**a, device.device.id);
    refresh_idle(**a);
    // Every session of the agent learns of the phone; this one first, as it asked. The others hear
    // of their new state, so their bars follow (two tabs of one agent stay in step).
    transition(session, SessionEvent::paired);
    for (Session* other : sessions_of(user_id)) {
        if (other == &session) continue;
        transition(*other, SessionEvent::paired);
        tell_session_state(*other);
    }
    return json::object{{"device", to_json(device.device)}, {"identifier", device.device.identifier}};
}

RpcResult Engine::Impl::pair_by_address(RpcContext& request, const NoParams& /*params*/) {
    const std::string& address = request.connection.address;
    const DeviceRecord* device = nullptr;
    for (const auto& d : directory.devices)
        if (d.address == address) device = &d;
    if (device == nullptr) {
        return rpc_fail(ErrorCode::bad_identifier, "no phone is bound to address " + address,
                        json::object{{"identifier", address}});
    }
    return pair(request.user_id, *request.session, *device);
}

RpcResult Engine::Impl::pair_by_identifier(RpcContext& request, const IdentifierParams& params) {
    const DeviceRecord* device = device_by_identifier(params.identifier);
    if (device == nullptr) {
        return rpc_fail(ErrorCode::bad_identifier, "Bad identifier: " + params.identifier,
                        json::object{{"identifier", params.identifier}});
    }
    return pair(request.user_id, *request.session, *device);
}

RpcResult Engine::Impl::provision(RpcContext& request, const ProvisionParams& params) {
    // Without a phone only a bar configured withoutDevice may go on: anything else would reach READY
    // with no phone, where every call would be refused anyway.
    if (!agent(request.user_id).device_id && !params.withoutDevice.value_or(false)) {
        return rpc_fail(ErrorCode::no_device, "no phone is paired: pair one first, or provision with withoutDevice");
    }
    transition(*request.session, SessionEvent::provisioned);
    return to_json(ready_state(request.user_id));
}

RpcResult Engine::Impl::unpair(RpcContext& request, const NoParams& /*params*/) {
    if (has_calls(request.user_id)) return rpc_fail(ErrorCode::invalid_state, "identify is not possible during a call");
    Agent& a = agent(request.user_id);
    set_line(a, std::nullopt);
    refresh_idle(a);
    for (Session* s : sessions_of(request.user_id)) {
        transition(*s, SessionEvent::unpaired);
        if (s != request.session) tell_session_state(*s);
    }
    return json::object{{"state", to_string(AppState::IDENTIFY)}};
}

}  // namespace ucs::server
