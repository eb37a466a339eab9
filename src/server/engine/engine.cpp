// The engine's sessions, JSON-RPC dispatch, login (SCRAM, remember tokens, SSO), pairing, agent
// status and statistics, and timers. Calls and ACD are in calls.cpp, REST in rest.cpp.
#include "server/engine/engine_impl.hpp"

#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/sso.hpp"
#include "core/json.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

// Frames larger than this are answered with an error instead of being parsed.
constexpr std::size_t max_frame_bytes = 64 * 1024;
constexpr unsigned max_json_depth = 32;

const char* state_name(AppState state) {
    switch (state) {
    case AppState::CREDENTIALS: return "CREDENTIALS";
    case AppState::IDENTIFY: return "IDENTIFY";
    case AppState::DEVICE: return "DEVICE";
    case AppState::READY: return "READY";
    }
    return "?";
}

// Request parameters, read with the model's codec so a bad field is named in the error.
struct HelloParams {
    std::string protocol;
    std::optional<std::string> client;
};
BOOST_DESCRIBE_STRUCT(HelloParams, (), (protocol, client))

struct ResumeParams {
    std::string session;
    std::int64_t last_seq = 0;
};
BOOST_DESCRIBE_STRUCT(ResumeParams, (), (session, last_seq))

struct LoginParams {
    std::string username;
    std::string client_first;
};
BOOST_DESCRIBE_STRUCT(LoginParams, (), (username, client_first))

struct LoginProofParams {
    std::string client_final;
    std::optional<bool> remember;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(LoginProofParams, (), (client_final, remember, autologout))

struct RememberParams {
    std::string username;
    std::string token;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(RememberParams, (), (username, token, autologout))

struct SsoParams {
    std::string username;
    std::string token;
    std::optional<std::string> provider;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(SsoParams, (), (username, token, provider, autologout))

struct IdentifierParams {
    std::string identifier;
};
BOOST_DESCRIBE_STRUCT(IdentifierParams, (), (identifier))

struct ChangeStatusParams {
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
};
BOOST_DESCRIBE_STRUCT(ChangeStatusParams, (), (status, reason))

struct QueueParams {
    int queue = 0;
};
BOOST_DESCRIBE_STRUCT(QueueParams, (), (queue))

struct HistoryParams {
    std::optional<Direction> direction;
    std::optional<std::string> number;
    std::optional<std::int64_t> since;
    std::optional<std::int64_t> until;
    std::optional<int> limit;
    std::optional<int> offset;
};
BOOST_DESCRIBE_STRUCT(HistoryParams, (), (direction, number, since, until, limit, offset))

// base64url without padding: for tokens that travel in cookies and URLs.
std::string token_text(std::string_view bytes) {
    std::string text = auth::base64_encode(bytes);
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
}

std::string remember_hash(std::string_view token) { return std::string(auth::as_bytes(auth::sha256(token))); }

// error.data.reason of a refused SSO login.
const char* sso_refusal_reason(auth::SsoError error) {
    switch (error) {
    case auth::SsoError::malformed: return "malformed";
    case auth::SsoError::wrong_user: return "wrong_user";
    case auth::SsoError::outside_window: return "expired";
    case auth::SsoError::bad_signature: return "bad_signature";
    }
    return "refused";
}

// Drops timestamps older than the window; true when `limit` or more remain.
bool over_limit(std::deque<Millis>& failures, Millis now, Millis window, int limit, Millis& retry_at) {
    while (!failures.empty() && failures.front() <= now - window) failures.pop_front();
    if (static_cast<int>(failures.size()) < limit) return false;
    retry_at = failures.front() + window;
    return true;
}

}  // namespace

RpcError invalid_params(const ParseError& error) {
    const std::string field = error.field.empty() ? "params" : "params." + error.field;
    return RpcError{ErrorCode::invalid_params, field + ": " + error.problem, json::object{{"field", field}}};
}

void Output::append(Output&& other) {
    frames.insert(frames.end(), std::make_move_iterator(other.frames.begin()),
                  std::make_move_iterator(other.frames.end()));
    closes.insert(closes.end(), other.closes.begin(), other.closes.end());
}

// ---- construction and lookups -------------------------------------------------------------

Engine::Impl::Impl(EngineConfig config_in, Store& store_in, const PhoneNumbers& phones_in, Random& random_in,
                   Millis now_in)
    : config(std::move(config_in)), store(store_in), phones(phones_in), random(random_in), now(now_in) {
    directory = store.load();
    server_secret = random.bytes(32);
    for (const UserRecord& user : directory.users) {
        Agent& a = agents[user.id];
        a.user_id = user.id;
        a.status_since = now;
    }
}

const UserRecord* Engine::Impl::user_by_id(int id) const {
    for (const auto& user : directory.users)
        if (user.id == id) return &user;
    return nullptr;
}

const UserRecord* Engine::Impl::user_by_name(std::string_view username) const {
    for (const auto& user : directory.users)
        if (user.username == username) return &user;
    return nullptr;
}

const DeviceRecord* Engine::Impl::device_by_id(int id) const {
    for (const auto& device : directory.devices)
        if (device.device.id == id) return &device;
    return nullptr;
}

const DeviceRecord* Engine::Impl::device_by_identifier(std::string_view identifier) const {
    for (const auto& device : directory.devices)
        if (device.device.identifier == identifier) return &device;
    return nullptr;
}

const DeviceRecord* Engine::Impl::device_by_extension(std::string_view extension) const {
    for (const auto& device : directory.devices)
        if (device.device.extension == extension) return &device;
    return nullptr;
}

const QueueRecord* Engine::Impl::queue_by_id(int id) const {
    for (const auto& queue : directory.queues)
        if (queue.info.id == id) return &queue;
    return nullptr;
}

MembershipRecord* Engine::Impl::membership(int user_id, int queue_id) {
    for (auto& m : directory.memberships)
        if (m.user_id == user_id && m.queue_id == queue_id) return &m;
    return nullptr;
}

std::vector<MembershipRecord*> Engine::Impl::memberships_of(int user_id) {
    std::vector<MembershipRecord*> found;
    for (auto& m : directory.memberships)
        if (m.user_id == user_id) found.push_back(&m);
    return found;
}

Agent& Engine::Impl::agent(int user_id) {
    Agent& a = agents[user_id];
    a.user_id = user_id;
    return a;
}

std::optional<int> Engine::Impl::agent_on_line(int line_id) const {
    for (const auto& [user_id, a] : agents)
        if (a.device_id == line_id && user_logged_in(user_id)) return user_id;
    return std::nullopt;
}

// ---- sessions and events ------------------------------------------------------------------

void Engine::Impl::send(ConnectionId connection, std::string frame) {
    out->frames.push_back(Outbound{connection, std::move(frame)});
}

void Engine::Impl::push_event(Session& session, std::string_view name, json::object params) {
    std::string frame = protocol::event_frame(name, ++session.seq, std::move(params));
    session.replay.emplace_back(session.seq, frame);
    while (session.replay.size() > config.resume_buffer_events) session.replay.pop_front();
    if (session.connection) send(*session.connection, std::move(frame));
}

std::vector<Session*> Engine::Impl::sessions_of(int user_id) {
    std::vector<Session*> out_sessions;
    for (auto& [key, session] : sessions)
        if (session.user_id == user_id && session.state != AppState::CREDENTIALS) out_sessions.push_back(&session);
    return out_sessions;
}

bool Engine::Impl::user_logged_in(int user_id) const {
    return std::any_of(sessions.begin(), sessions.end(), [&](const auto& entry) {
        return entry.second.user_id == user_id && entry.second.state != AppState::CREDENTIALS;
    });
}

void Engine::Impl::push_to_user(int user_id, std::string_view name, const json::object& params) {
    for (Session* session : sessions_of(user_id)) push_event(*session, name, params);
}

// The agent's last session is gone: the phone is unpaired and the agent leaves the queues.
void Engine::Impl::leave_agent(int user_id) {
    if (user_logged_in(user_id)) return;
    Agent& a = agent(user_id);
    // A queue caller offered to this agent goes back to the front of the queue; the agent's other
    // calls end (their phone is no longer the agent's, and nobody else could end them).
    while (auto uniqueid = call_of_agent(user_id, false)) {
        ActiveCall& call = calls.at(*uniqueid);
        const bool is_callee = call.callee && call.callee->user_id == user_id;
        if (is_callee && call.queue_id && call.state == CallState::invitation) {
            requeue_offer(call, user_id, HangupCause::unavailable);
        } else {
            end_call(call, is_callee ? HangupCause::called_hung_up : HangupCause::caller_hung_up);
        }
    }
    if (a.status != AgentStatus::OFFLINE) set_status(user_id, AgentStatus::OFFLINE, std::nullopt);
    a.device_id.reset();
    a.transfer_of.reset();
    refresh_idle(a);
}

// Logs the session out (back to CREDENTIALS); it stays connected and can log in again.
void Engine::Impl::end_session(Session& session, const std::string& why) {
    if (!session.user_id || session.state == AppState::CREDENTIALS) {
        session.state = AppState::CREDENTIALS;
        return;
    }
    const int user_id = *session.user_id;
    push_event(session, protocol::event::logged_out, json::object{{"reason", why}});
    session.state = AppState::CREDENTIALS;
    session.pending_login.reset();
    leave_agent(user_id);
}

void Engine::Impl::handle_frame(Connection& connection, std::string_view frame) {
    connection.last_seen = now;
    const json::value null_id;
    if (frame.size() > max_frame_bytes) {
        send(connection.id, protocol::error_frame(null_id, ErrorCode::frame_too_large,
                                                  "frame of " + std::to_string(frame.size()) +
                                                      " bytes exceeds the limit of " +
                                                      std::to_string(max_frame_bytes)));
        return;
    }
    json::parse_options options;
    options.max_depth = max_json_depth;
    boost::system::error_code ec;
    json::value request = json::parse(json::string_view(frame.data(), frame.size()), ec, {}, options);
    if (ec) {
        send(connection.id, protocol::error_frame(null_id, ErrorCode::parse_error, "not valid JSON: " + ec.message()));
        return;
    }
    if (request.is_array()) {
        send(connection.id, protocol::error_frame(null_id, ErrorCode::invalid_request, "batch requests are not supported"));
        return;
    }
    if (!request.is_object()) {
        send(connection.id, protocol::error_frame(null_id, ErrorCode::invalid_request, "a request must be a JSON object"));
        return;
    }
    const json::object& object = request.get_object();
    const json::value* id = object.if_contains("id");
    const json::value reply_id = (id != nullptr && (id->is_string() || id->is_int64() || id->is_uint64())) ? *id : null_id;
    auto reject = [&](ErrorCode code, const std::string& message) {
        send(connection.id, protocol::error_frame(reply_id, code, message));
    };
    const json::value* version = object.if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
        return reject(ErrorCode::invalid_request, "jsonrpc must be \"2.0\"");
    }
    if (id == nullptr || !(id->is_string() || id->is_int64() || id->is_uint64())) {
        return reject(ErrorCode::invalid_request, "id must be a string or an integer");
    }
    const json::value* method = object.if_contains("method");
    if (method == nullptr || !method->is_string()) return reject(ErrorCode::invalid_request, "method must be a string");
    static const json::object no_params;
    const json::object* params = &no_params;
    if (const json::value* p = object.if_contains("params"); p != nullptr && !p->is_null()) {
        if (!p->is_object()) return reject(ErrorCode::invalid_params, "params must be an object");
        params = &p->get_object();
    }
    const std::string method_name(method->get_string());
    RpcResult result = rpc_fail(ErrorCode::internal_error, "internal error");
    try {
        result = dispatch(connection, method_name, *params);
    } catch (const std::exception& e) {
        // A bug must cost one request, never the connection or the server.
        result = rpc_fail(ErrorCode::internal_error, std::string("internal error in ") + method_name + ": " + e.what());
    }
    if (result) {
        send(connection.id, protocol::result_frame(reply_id, std::move(result).value()));
    } else {
        const RpcError& error = result.error();
        send(connection.id, protocol::error_frame(reply_id, error.code, error.message, error.data));
    }
}

// ---- dispatch: the document's "method allowed in state" table as data -----------------------

namespace {

using StateMask = unsigned;
constexpr StateMask bit(AppState s) { return 1U << static_cast<unsigned>(s); }
constexpr StateMask credentials = bit(AppState::CREDENTIALS);
constexpr StateMask logged_in = bit(AppState::IDENTIFY) | bit(AppState::DEVICE) | bit(AppState::READY);
constexpr StateMask pairing = bit(AppState::IDENTIFY) | bit(AppState::DEVICE);
constexpr StateMask paired = bit(AppState::DEVICE) | bit(AppState::READY);
constexpr StateMask ready = bit(AppState::READY);
constexpr StateMask any_state = credentials | logged_in;

struct MethodRule {
    std::string_view name;
    StateMask allowed;
    bool needs_device;  // call control: refused with NO_DEVICE when the agent has no phone
};

constexpr std::array method_rules{
    MethodRule{protocol::method::ping, any_state, false},
    MethodRule{protocol::method::login, credentials, false},
    MethodRule{protocol::method::login_proof, credentials, false},
    MethodRule{protocol::method::login_remember, credentials, false},
    MethodRule{protocol::method::sso, credentials, false},
    MethodRule{protocol::method::logout, logged_in, false},
    MethodRule{protocol::method::devices, logged_in, false},
    MethodRule{protocol::method::identify_ip, pairing, false},
    MethodRule{protocol::method::identifier, pairing, false},
    MethodRule{protocol::method::provision, pairing, false},
    MethodRule{protocol::method::identify, paired, false},
    MethodRule{protocol::method::change_status, ready, false},
    MethodRule{protocol::method::suspend, ready, false},
    MethodRule{protocol::method::resume, ready, false},
    MethodRule{protocol::method::answer, ready, true},
    MethodRule{protocol::method::dial, ready, true},
    MethodRule{protocol::method::hangup, ready, true},
    MethodRule{protocol::method::transfer, ready, true},
    MethodRule{protocol::method::finish_transfer, ready, true},
    MethodRule{protocol::method::blind_transfer, ready, true},
    MethodRule{protocol::method::hold, ready, true},
    MethodRule{protocol::method::unhold, ready, true},
    MethodRule{protocol::method::mute, ready, true},
    MethodRule{protocol::method::set_account_code, ready, false},
    MethodRule{protocol::method::history, ready, false},
    MethodRule{protocol::method::state, ready, false},
};

}  // namespace

RpcResult Engine::Impl::dispatch(Connection& connection, std::string_view method, const json::object& params) {
    namespace m = protocol::method;

    // Before a session exists only the handshake is understood.
    if (method == m::hello || method == m::resume_session) {
        if (connection.session) return rpc_fail(ErrorCode::invalid_state, std::string(method) + " is only valid as the first request");
        if (method == m::hello) {
            auto hello = read_params<HelloParams>(params);
            if (!hello) return Unexpected(hello.error());
            if (hello->protocol != protocol::version) {
                return rpc_fail(ErrorCode::unsupported_version, "protocol \"" + hello->protocol + "\" is not supported",
                            json::object{{"supported", protocol::version}});
            }
            Session session;
            session.key = token_text(random.bytes(18));
            connection.session = session.key;
            session.connection = connection.id;
            const std::string key = session.key;
            sessions.emplace(key, std::move(session));
            return json::object{{"protocol", protocol::version}, {"server", config.server_name}, {"session", key},
                                {"seq", 0}, {"now", now_seconds()}, {"heartbeat_ms", config.heartbeat_ms},
                                {"state", "CREDENTIALS"}};
        }
        auto resume = read_params<ResumeParams>(params);
        if (!resume) return Unexpected(resume.error());
        auto it = sessions.find(resume->session);
        if (it == sessions.end()) return rpc_fail(ErrorCode::session_expired, "session is unknown or has expired");
        Session& session = it->second;
        if (session.connection && *session.connection != connection.id) {
            // The old socket is a ghost (the client would not resume otherwise): close it.
            auto old = connections.find(*session.connection);
            if (old != connections.end()) old->second.session.reset();
            out->closes.push_back(*session.connection);
        }
        session.connection = connection.id;
        connection.session = session.key;
        const auto last_seq = static_cast<std::uint64_t>(std::max<std::int64_t>(resume->last_seq, 0));
        json::object result{{"session", session.key}, {"seq", session.seq}, {"state", state_name(session.state)},
                            {"now", now_seconds()}};
        const bool replayable = last_seq <= session.seq &&
                                (last_seq == session.seq || (!session.replay.empty() && session.replay.front().first <= last_seq + 1));
        if (replayable) {
            // receive() sends these right after this request's result.
            std::vector<std::string> missed;
            for (const auto& [seq, frame] : session.replay)
                if (seq > last_seq) missed.push_back(frame);
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

    if (!connection.session) return rpc_fail(ErrorCode::invalid_state, "send hello (or session.resume) first");
    Session& session = sessions.at(*connection.session);

    const auto rule = std::find_if(method_rules.begin(), method_rules.end(),
                                   [&](const MethodRule& r) { return r.name == method; });
    if (rule == method_rules.end()) return rpc_fail(ErrorCode::method_not_found, "unknown method \"" + std::string(method) + "\"");
    if ((rule->allowed & bit(session.state)) == 0) {
        return rpc_fail(ErrorCode::invalid_state,
                    std::string(method) + " is not allowed in state " + state_name(session.state),
                    json::object{{"state", state_name(session.state)}});
    }
    const int user_id = session.user_id.value_or(0);
    if (rule->needs_device && !agent(user_id).device_id) {
        return rpc_fail(ErrorCode::no_device, std::string(method) + " needs a paired phone");
    }

    if (method == m::ping) return json::object{{"now", now_seconds()}};
    if (method == m::login || method == m::login_proof || method == m::login_remember || method == m::sso) {
        return login(connection, session, method, params);
    }
    if (method == m::logout) {
        if (session.remember_hash) {
            store.revoke_remember_token(*session.remember_hash);
            std::erase_if(directory.remember_tokens,
                          [&](const RememberTokenRecord& t) { return t.token_hash == *session.remember_hash; });
            session.remember_hash.reset();
        }
        session.state = AppState::CREDENTIALS;
        session.sso_provider.reset();
        leave_agent(user_id);
        return json::object{{"state", "CREDENTIALS"}};
    }
    if (method == m::devices) {
        json::array list;
        for (const auto& device : directory.devices) list.push_back(to_json(device.device));
        return list;
    }
    if (method == m::identify_ip || method == m::identifier) {
        const DeviceRecord* device = nullptr;
        std::string identifier;
        if (method == m::identify_ip) {
            for (const auto& d : directory.devices)
                if (d.address == connection.address) device = &d;
            if (device == nullptr) {
                return rpc_fail(ErrorCode::bad_identifier, "no phone is bound to address " + connection.address,
                            json::object{{"identifier", connection.address}});
            }
        } else {
            auto p = read_params<IdentifierParams>(params);
            if (!p) return Unexpected(p.error());
            identifier = p->identifier;
            device = device_by_identifier(identifier);
            if (device == nullptr) {
                return rpc_fail(ErrorCode::bad_identifier, "Bad identifier: " + identifier,
                            json::object{{"identifier", identifier}});
            }
        }
        if (const Agent& current = agent(user_id); current.device_id && *current.device_id != device->device.id &&
                                                   call_of_agent(user_id, false)) {
            return rpc_fail(ErrorCode::invalid_state, "the phone cannot change during a call");
        }
        if (auto holder = agent_on_line(device->device.id); holder && *holder != user_id) {
            return rpc_fail(ErrorCode::device_in_use, "phone " + device->device.identifier + " is paired by another agent",
                        json::object{{"identifier", device->device.identifier}});
        }
        Agent& a = agent(user_id);
        a.device_id = device->device.id;
        refresh_idle(a);
        for (Session* s : sessions_of(user_id))
            if (s->state == AppState::IDENTIFY) s->state = AppState::DEVICE;
        session.state = AppState::DEVICE;
        return json::object{{"device", to_json(device->device)}, {"identifier", device->device.identifier}};
    }
    if (method == m::provision) {
        session.state = AppState::READY;
        return to_json(ready_state(user_id));
    }
    if (method == m::identify) {
        if (call_of_agent(user_id, false)) return rpc_fail(ErrorCode::invalid_state, "identify is not possible during a call");
        Agent& a = agent(user_id);
        a.device_id.reset();
        refresh_idle(a);
        for (Session* s : sessions_of(user_id)) s->state = AppState::IDENTIFY;
        return json::object{{"state", "IDENTIFY"}};
    }
    if (method == m::change_status) {
        auto p = read_params<ChangeStatusParams>(params);
        if (!p) return Unexpected(p.error());
        std::optional<std::string> reason;
        if (p->status == AgentStatus::AUX) {
            if (!p->reason) return rpc_fail(ErrorCode::invalid_params, "params.reason: AUX needs a reason", {{"field", "params.reason"}});
            const bool known = std::any_of(directory.aux_reasons.begin(), directory.aux_reasons.end(),
                                           [&](const AuxReason& r) { return r.name == *p->reason; });
            if (!known) {
                return rpc_fail(ErrorCode::invalid_params, "params.reason: unknown AUX reason \"" + *p->reason + "\"",
                            {{"field", "params.reason"}});
            }
            reason = p->reason;
        }
        set_status(user_id, p->status, reason);
        return json::object{{"status", to_json(p->status)}, {"reason", reason ? json::value(*reason) : json::value()}};
    }
    if (method == m::suspend || method == m::resume) {
        auto p = read_params<QueueParams>(params);
        if (!p) return Unexpected(p.error());
        MembershipRecord* member = membership(user_id, p->queue);
        if (member == nullptr) {
            return rpc_fail(ErrorCode::not_found, "not a member of queue " + std::to_string(p->queue),
                        {{"queue", p->queue}});
        }
        const bool suspend = method == m::suspend;
        if (member->suspended != suspend) {
            member->suspended = suspend;
            store.save_membership(*member);
            push_to_user(user_id, suspend ? protocol::event::queue_suspend : protocol::event::queue_resume,
                         json::object{{"queueId", p->queue}});
        }
        return json::object{{"queueId", p->queue}, {"suspended", suspend}};
    }
    if (method == m::answer) return answer(user_id);
    if (method == m::dial) return dial(user_id, params);
    if (method == m::hangup) return hangup(user_id);
    if (method == m::hold) return hold(user_id);
    if (method == m::unhold) return unhold(user_id);
    if (method == m::mute) return mute(user_id);
    if (method == m::transfer) return transfer(user_id, params);
    if (method == m::finish_transfer) return finish_transfer(user_id);
    if (method == m::blind_transfer) return blind_transfer(user_id, params);
    if (method == m::set_account_code) return set_account_code(user_id, params);
    if (method == m::history) {
        auto p = read_params<HistoryParams>(params);
        if (!p) return Unexpected(p.error());
        HistoryQuery query;
        query.user_id = user_id;
        query.direction = p->direction;
        query.number = p->number;
        query.since = p->since;
        query.until = p->until;
        query.limit = std::clamp(p->limit.value_or(50), 1, 500);
        query.offset = std::max(p->offset.value_or(0), 0);
        return to_json(store.history(query));
    }
    if (method == m::state) return to_json(ready_state(user_id));
    return rpc_fail(ErrorCode::internal_error, "method \"" + std::string(method) + "\" has no handler");
}

// ---- login ---------------------------------------------------------------------------------

RpcResult Engine::Impl::login(Connection& connection, Session& session, std::string_view method,
                              const json::object& params) {
    namespace m = protocol::method;
    auto refuse_if_limited = [&](const std::string& username) -> std::optional<RpcError> {
        Millis retry_at = 0;
        // Only names and addresses that failed have entries, and they go once their failures age out.
        auto limited_in = [&](std::map<std::string, std::deque<Millis>>& failures, const std::string& key, int limit) {
            auto it = failures.find(key);
            if (it == failures.end()) return false;
            const bool over = over_limit(it->second, now, config.failed_login_window_ms, limit, retry_at);
            if (it->second.empty()) failures.erase(it);
            return over;
        };
        if (limited_in(failed_logins_by_user, username, config.max_failed_logins_per_user) ||
            limited_in(failed_logins_by_address, connection.address, config.max_failed_logins_per_address)) {
            const auto seconds = (retry_at - now + 999) / 1000;
            return RpcError{ErrorCode::rate_limited,
                            "too many failed logins; try again in " + std::to_string(seconds) + " s",
                            json::object{{"retry_after", seconds}}};
        }
        return std::nullopt;
    };
    auto record_failure = [&](const std::string& username) {
        failed_logins_by_user[username].push_back(now);
        failed_logins_by_address[connection.address].push_back(now);
    };

    if (method == m::login) {
        auto p = read_params<LoginParams>(params);
        if (!p) return Unexpected(p.error());
        if (auto limited = refuse_if_limited(p->username)) return Unexpected(std::move(*limited));
        auto first = auth::scram::parse_client_first(p->client_first);
        if (!first) {
            return rpc_fail(ErrorCode::invalid_params, std::string("params.client_first: ") + auth::scram::to_string(first.error()),
                        {{"field", "params.client_first"}});
        }
        if (first->username != p->username) {
            return rpc_fail(ErrorCode::invalid_params, "params.client_first: names another user than params.username",
                        {{"field", "params.client_first"}});
        }
        const UserRecord* user = user_by_name(p->username);
        auth::scram::Verifier verifier;
        if (user != nullptr) {
            verifier = auth::scram::Verifier{user->verifier.salt, user->verifier.iterations, user->verifier.stored_key,
                                             user->verifier.server_key};
        } else {
            // An unknown user gets a stable made-up salt, so the reply does not tell whether the name exists.
            const auto fake = auth::hmac_sha256(server_secret, p->username);
            verifier.salt = std::string(auth::as_bytes(fake)).substr(0, 16);
            verifier.iterations = auth::scram::default_iterations;
            verifier.stored_key = random.bytes(32);
            verifier.server_key = random.bytes(32);
        }
        auth::scram::ServerExchange exchange(std::move(first).value(), verifier, token_text(random.bytes(18)));
        const std::string server_first = exchange.server_first();
        session.pending_login.emplace(Session::PendingLogin{user != nullptr ? user->id : 0, p->username, std::move(exchange)});
        return json::object{{"server_first", server_first}};
    }

    int user_id = 0;
    bool autologout = false;
    json::object extra;
    if (method == m::login_proof) {
        auto p = read_params<LoginProofParams>(params);
        if (!p) return Unexpected(p.error());
        if (!session.pending_login) return rpc_fail(ErrorCode::invalid_state, "login.proof without a login first");
        Session::PendingLogin pending = std::move(*session.pending_login);
        session.pending_login.reset();
        // Checked again here: many `login`s started before the first wrong proof must not each
        // get a guess past the limit.
        if (auto limited = refuse_if_limited(pending.username)) return Unexpected(std::move(*limited));
        auto server_final = pending.exchange.verify_client_final(p->client_final);
        if (!server_final || pending.user_id == 0) {
            record_failure(pending.username);
            if (server_final || server_final.error() == auth::scram::Error::bad_proof) {
                return rpc_fail(ErrorCode::bad_credentials, "invalid username or password");
            }
            return rpc_fail(ErrorCode::invalid_params,
                        std::string("params.client_final: ") + auth::scram::to_string(server_final.error()),
                        {{"field", "params.client_final"}});
        }
        user_id = pending.user_id;
        autologout = p->autologout.value_or(false);
        extra["server_final"] = server_final.value();
        if (p->remember.value_or(false)) {
            const std::string token = token_text(random.bytes(32));
            RememberTokenRecord record{remember_hash(token), user_id, now_seconds()};
            store.save_remember_token(record);
            directory.remember_tokens.push_back(record);
            session.remember_hash = record.token_hash;
            extra["remember_token"] = token;
        }
    } else if (method == m::login_remember) {
        auto p = read_params<RememberParams>(params);
        if (!p) return Unexpected(p.error());
        if (auto limited = refuse_if_limited(p->username)) return Unexpected(std::move(*limited));
        const std::string hash = remember_hash(p->token);
        const UserRecord* user = user_by_name(p->username);
        const auto token = std::find_if(directory.remember_tokens.begin(), directory.remember_tokens.end(),
                                        [&](const RememberTokenRecord& t) { return t.token_hash == hash; });
        if (user == nullptr || token == directory.remember_tokens.end() || token->user_id != user->id) {
            record_failure(p->username);
            return rpc_fail(ErrorCode::bad_credentials, "remembered login is no longer valid");
        }
        user_id = user->id;
        autologout = p->autologout.value_or(false);
        session.remember_hash = hash;
    } else {  // sso
        auto p = read_params<SsoParams>(params);
        if (!p) return Unexpected(p.error());
        if (auto limited = refuse_if_limited(p->username)) return Unexpected(std::move(*limited));
        std::erase_if(directory.used_sso_tokens, [&](const auto& entry) { return entry.second <= now; });
        const std::string token_hash(auth::as_bytes(auth::sha256(p->token)));
        const UserRecord* user = user_by_name(p->username);
        auto refused = [&](const char* reason, const std::string& message) {
            record_failure(p->username);
            return rpc_fail(ErrorCode::sso_refused, message, {{"reason", reason}});
        };
        if (config.sso_secret.empty()) return refused("disabled", "SSO is not configured on this server");
        if (directory.used_sso_tokens.contains(token_hash)) return refused("replayed", "SSO token has been used already");
        auto verified = auth::verify_sso_token(p->token, config.sso_secret, p->username, now_seconds(),
                                               config.sso_window_seconds);
        if (!verified) {
            return refused(sso_refusal_reason(verified.error()), auth::to_string(verified.error()));
        }
        if (user == nullptr) return refused("unknown_user", "no such user");
        // Remember it until its window has passed; after that the window refuses it anyway.
        const Millis forget_after = (*verified + config.sso_window_seconds + 1) * 1000;
        store.save_used_sso_token(token_hash, forget_after);  // refused after a restart too
        directory.used_sso_tokens[token_hash] = forget_after;
        user_id = user->id;
        autologout = p->autologout.value_or(false);
        session.sso_provider = p->provider;
    }

    // Logged in.
    if (autologout) {
        for (auto& [key, other] : sessions) {
            if (&other == &session || other.user_id != user_id || other.state == AppState::CREDENTIALS) continue;
            push_event(other, protocol::event::message,
                       json::object{{"message", "You were logged out because you logged in elsewhere."},
                                    {"type", "warning"}, {"group", "session"}, {"data", json::object{}}});
            other.state = AppState::CREDENTIALS;  // the agent stays with the new session
            push_event(other, protocol::event::logged_out, json::object{{"reason", "logged in elsewhere"}});
        }
    }
    session.user_id = user_id;
    session.state = AppState::IDENTIFY;
    // A mirrored session of an agent whose phone is paired skips pairing.
    if (agent(user_id).device_id) session.state = AppState::DEVICE;
    extra["user"] = to_json(render_user(user_id));
    extra["state"] = state_name(session.state);
    if (const Agent& a = agent(user_id); a.device_id) {
        if (const DeviceRecord* device = device_by_id(*a.device_id)) extra["device"] = to_json(device->device);
    }
    return extra;
}

// ---- agents ------------------------------------------------------------------------------------

void Engine::Impl::account_status_time(Agent& a) {
    UserStatistics& stats = directory.user_statistics[a.user_id];
    const std::int64_t seconds = (now - a.status_since) / 1000;
    switch (a.status) {
    case AgentStatus::READY: stats.readytime += seconds; break;
    case AgentStatus::ACW: stats.acwtime += seconds; break;
    case AgentStatus::AUX:
        stats.auxtime += seconds;
        if (a.reason) stats.auxtimes[*a.reason] += seconds;
        break;
    case AgentStatus::OFFLINE: break;
    }
    // Keep the remainder so repeated accounting does not lose fractions of seconds.
    a.status_since += seconds * 1000;
}

void Engine::Impl::refresh_idle(Agent& a) {
    const bool idle = a.status == AgentStatus::READY && a.device_id && user_logged_in(a.user_id) &&
                      !call_of_agent(a.user_id, false);
    if (idle && !a.idle_since) a.idle_since = now;
    if (!idle && a.idle_since) {
        directory.user_statistics[a.user_id].idletime += (now - *a.idle_since) / 1000;
        a.idle_since.reset();
    }
}

void Engine::Impl::set_status(int user_id, AgentStatus status, std::optional<std::string> reason,
                              std::optional<Millis> acw_until) {
    Agent& a = agent(user_id);
    account_status_time(a);
    a.status_since = now;
    a.status = status;
    a.reason = status == AgentStatus::AUX ? std::move(reason) : std::nullopt;
    a.acw_until = status == AgentStatus::ACW ? acw_until : std::nullopt;
    refresh_idle(a);
    json::object params{{"status", to_json(a.status)}, {"reason", a.reason ? json::value(*a.reason) : json::value()}};
    // Automatic wrap-up says when it ends, so the bar can count down.
    if (a.acw_until) params["until"] = *a.acw_until / 1000;
    push_to_user(user_id, protocol::event::agent_state, params);
    user_changed(user_id);
}

void Engine::Impl::user_changed(int user_id) {
    store.save_user_statistics(user_id, directory.user_statistics[user_id]);
    push_to_user(user_id, protocol::event::user, json::object{{"user", to_json(render_user(user_id))}});
}

User Engine::Impl::render_user(int user_id) {
    const UserRecord* record = user_by_id(user_id);
    User user;
    if (record == nullptr) return user;
    Agent& a = agent(user_id);
    // Time in the current status and idle period counts too: the figures are current.
    account_status_time(a);
    if (a.idle_since) {
        directory.user_statistics[user_id].idletime += (now - *a.idle_since) / 1000;
        a.idle_since = *a.idle_since + ((now - *a.idle_since) / 1000) * 1000;
    }
    const UserStatistics& stats = directory.user_statistics[user_id];
    user.acwtime = stats.acwtime;
    user.auxtime = stats.auxtime;
    user.auxtimes = stats.auxtimes;
    user.data = record->data;
    user.displayname = record->firstname + " " + record->lastname;
    user.email = record->email;
    user.firstname = record->firstname;
    user.group_id = record->group_id;
    user.id = record->id;
    user.idletime = stats.idletime;
    user.in_calls_answered = stats.in_calls_answered;
    user.in_calls_unanswered = stats.in_calls_unanswered;
    user.in_ringtime = stats.in_ringtime;
    user.in_talktime = stats.in_talktime;
    user.lastname = record->lastname;
    if (a.device_id) {
        if (const DeviceRecord* device = device_by_id(*a.device_id)) user.lines.push_back(device->device);
    }
    user.locale = record->locale;
    user.number = record->number;
    user.out_calls_answered = stats.out_calls_answered;
    user.out_calls_unanswered = stats.out_calls_unanswered;
    user.out_ringtime = stats.out_ringtime;
    user.out_talktime = stats.out_talktime;
    if (a.device_id) user.primary_extension = a.device_id;
    for (const MembershipRecord* m : memberships_of(user_id)) {
        const QueueRecord* queue = queue_by_id(m->queue_id);
        const QueueStatistics& qs = directory.queue_statistics[{user_id, m->queue_id}];
        Queue q;
        q.answered = qs.answered;
        q.priorities = m->priority;
        q.queue_id = m->queue_id;
        q.ringtime = qs.ringtime;
        q.supervisor = m->supervisor;
        q.suspended = m->suspended;
        q.suspendtime = qs.suspendtime;
        q.talktime = qs.talktime;
        q.team_id = m->team_id;
        q.transferred = qs.transferred;
        q.transferred_external = qs.transferred_external;
        q.type = queue != nullptr ? queue->info.type : QueueType::incoming;
        q.unanswered = qs.unanswered;
        user.queues.emplace(m->queue_id, q);
    }
    user.readytime = stats.readytime;
    user.ringtime = stats.ringtime;
    user.status = a.status;
    user.superuser = record->superuser;
    user.talktime = stats.talktime;
    user.transferred = stats.transferred;
    user.transferred_external = stats.transferred_external;
    return user;
}

std::vector<AgentInfo> Engine::Impl::agent_list() const {
    std::vector<AgentInfo> list;
    for (const UserRecord& user : directory.users) {
        AgentInfo info;
        info.id = user.id;
        info.username = user.username;
        info.displayname = user.firstname + " " + user.lastname;
        if (auto it = agents.find(user.id); it != agents.end()) {
            info.status = it->second.status;
            info.reason = it->second.reason;
            if (it->second.device_id && user_logged_in(user.id)) {
                if (const DeviceRecord* device = device_by_id(*it->second.device_id)) info.extension = device->device.extension;
            }
        }
        list.push_back(std::move(info));
    }
    return list;
}

int Engine::Impl::waiting_callers_for(int user_id) const {
    int count = 0;
    for (const auto& m : directory.memberships) {
        if (m.user_id != user_id) continue;
        if (auto it = waiting.find(m.queue_id); it != waiting.end()) count += static_cast<int>(it->second.size());
    }
    return count;
}

void Engine::Impl::refresh_waiting_callers() {
    for (auto& [user_id, a] : agents) {
        const int count = waiting_callers_for(user_id);
        if (count == a.last_waiting_callers) continue;
        a.last_waiting_callers = count;
        push_to_user(user_id, protocol::event::waiting_callers, json::object{{"waitingCallers", count}});
    }
}

ReadyState Engine::Impl::ready_state(int user_id) {
    ReadyState state;
    const Agent& a = agent(user_id);
    state.status = a.status;
    state.reason = a.reason;
    if (auto uniqueid = call_of_agent(user_id)) state.call = to_call(calls.at(*uniqueid), user_id);
    state.user = render_user(user_id);
    if (a.device_id) {
        if (const DeviceRecord* device = device_by_id(*a.device_id)) state.device = device->device;
    }
    state.auxReasons = directory.aux_reasons;
    state.callReasons = directory.call_reasons;
    for (const QueueRecord& queue : directory.queues) state.queues.push_back(queue.info);
    state.groups = directory.groups;
    state.agents = agent_list();
    state.waitingCallers = waiting_callers_for(user_id);
    state.now = now_seconds();
    return state;
}

// ---- timers --------------------------------------------------------------------------------

void Engine::Impl::tick() {
    // Silent connections are treated as gone.
    std::vector<ConnectionId> silent;
    for (const auto& [id, connection] : connections)
        if (now - connection.last_seen >= config.silence_timeout_ms) silent.push_back(id);
    for (ConnectionId id : silent) {
        out->closes.push_back(id);
        auto it = connections.find(id);
        if (it->second.session) {
            auto s = sessions.find(*it->second.session);
            if (s != sessions.end() && s->second.connection == id) {
                s->second.connection.reset();
                s->second.detached_since = now;
            }
        }
        connections.erase(it);
    }
    // Sessions nobody resumed in time end, and with the last one the agent leaves.
    std::vector<std::string> expired;
    for (const auto& [key, session] : sessions)
        if (!session.connection && now - session.detached_since >= config.session_grace_ms) expired.push_back(key);
    for (const std::string& key : expired) {
        Session& session = sessions.at(key);
        const std::optional<int> user_id = session.state != AppState::CREDENTIALS ? session.user_id : std::nullopt;
        sessions.erase(key);
        if (user_id) leave_agent(*user_id);
    }
    // Wrap-up ends by itself.
    for (auto& [user_id, a] : agents) {
        if (a.status == AgentStatus::ACW && a.acw_until && *a.acw_until <= now) set_status(user_id, AgentStatus::READY, std::nullopt);
    }
    // Ring timeouts and simulated far ends (collect first: handlers change `calls`).
    std::vector<std::string> due;
    for (const auto& [uniqueid, call] : calls) {
        if ((call.ring_deadline && *call.ring_deadline <= now) || (call.far_end_deadline && *call.far_end_deadline <= now)) {
            due.push_back(uniqueid);
        }
    }
    for (const std::string& uniqueid : due) {
        auto it = calls.find(uniqueid);
        if (it == calls.end()) continue;
        if (it->second.ring_deadline && *it->second.ring_deadline <= now) {
            ring_out(it->second);
        } else if (it->second.far_end_deadline && *it->second.far_end_deadline <= now) {
            far_end_acts(it->second);
        }
    }
    dispatch_queues();
}

std::optional<Millis> Engine::Impl::next_deadline() const {
    std::optional<Millis> next;
    auto consider = [&](Millis at) {
        if (!next || at < *next) next = at;
    };
    for (const auto& [id, connection] : connections) consider(connection.last_seen + config.silence_timeout_ms);
    for (const auto& [key, session] : sessions)
        if (!session.connection) consider(session.detached_since + config.session_grace_ms);
    for (const auto& [user_id, a] : agents)
        if (a.status == AgentStatus::ACW && a.acw_until) consider(*a.acw_until);
    for (const auto& [uniqueid, call] : calls) {
        if (call.ring_deadline) consider(*call.ring_deadline);
        if (call.far_end_deadline) consider(*call.far_end_deadline);
    }
    return next;
}

// ---- the public face ------------------------------------------------------------------------

Engine::Engine(EngineConfig config, Store& store, const PhoneNumbers& phone_numbers, Random& random, Millis now)
    : impl_(std::make_unique<Impl>(std::move(config), store, phone_numbers, random, now)) {}

Engine::~Engine() = default;

namespace {

// Points the engine's output at `out` for one operation.
class OutputScope {
public:
    OutputScope(Output*& slot, Millis& clock, Output& out, Millis now) : slot_(slot) {
        slot_ = &out;
        clock = std::max(clock, now);  // time never runs backwards inside the engine
    }
    ~OutputScope() { slot_ = nullptr; }
    OutputScope(const OutputScope&) = delete;
    OutputScope& operator=(const OutputScope&) = delete;

private:
    Output*& slot_;
};

}  // namespace

Output Engine::connect(ConnectionId connection, std::string client_address, Millis now) {
    Output out;
    OutputScope scope(impl_->out, impl_->now, out, now);
    impl_->connections[connection] = Connection{connection, std::move(client_address), impl_->now, std::nullopt};
    return out;
}

Output Engine::receive(ConnectionId connection, std::string_view frame, Millis now) {
    Output out;
    OutputScope scope(impl_->out, impl_->now, out, now);
    auto it = impl_->connections.find(connection);
    if (it == impl_->connections.end()) return out;
    impl_->handle_frame(it->second, frame);
    // Events replayed by session.resume follow its result.
    for (std::string& missed : impl_->pending_replay) impl_->send(connection, std::move(missed));
    impl_->pending_replay.clear();
    // After every input the ACD looks for work (an agent became READY, a queue was resumed...).
    impl_->dispatch_queues();
    return out;
}

Output Engine::disconnect(ConnectionId connection, Millis now) {
    Output out;
    OutputScope scope(impl_->out, impl_->now, out, now);
    auto it = impl_->connections.find(connection);
    if (it == impl_->connections.end()) return out;
    if (it->second.session) {
        auto s = impl_->sessions.find(*it->second.session);
        if (s != impl_->sessions.end() && s->second.connection == connection) {
            s->second.connection.reset();
            s->second.detached_since = impl_->now;
        }
    }
    impl_->connections.erase(it);
    return out;
}

Output Engine::tick(Millis now) {
    Output out;
    OutputScope scope(impl_->out, impl_->now, out, now);
    impl_->tick();
    return out;
}

std::optional<Millis> Engine::next_deadline() const { return impl_->next_deadline(); }

HttpResponse Engine::http(const HttpRequest& request, Millis now, Output& out) {
    OutputScope scope(impl_->out, impl_->now, out, now);
    HttpResponse response = impl_->http(request);
    impl_->dispatch_queues();
    return response;
}

}  // namespace ucs::server
