#pragma once
// Internal state of the engine, shared by its translation units (engine.cpp: sessions, login,
// pairing, status; calls.cpp: the simulated telephone network and ACD; rest.cpp: REST + sandbox).
// Not part of the engine's API.

#include "core/auth/scram.hpp"
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/protocol.hpp"
#include "server/engine/engine.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ucs::server {

// The bar's application states, mirrored on the server to gate methods (the document's table).
enum class AppState { CREDENTIALS, IDENTIFY, DEVICE, READY };

// A JSON-RPC failure of one request.
struct RpcError {
    protocol::ErrorCode code;
    std::string message;
    boost::json::object data = {};
};
using RpcResult = Expected<boost::json::value, RpcError>;

struct Connection {
    ConnectionId id = 0;
    std::string address;
    Millis last_seen = 0;
    std::optional<std::string> session;  // key, once hello or session.resume succeeded
};

// A logical session: outlives its connection for session_grace_ms so the bar can resume it.
struct Session {
    std::string key;
    std::optional<ConnectionId> connection;
    Millis detached_since = 0;
    std::uint64_t seq = 0;
    std::deque<std::pair<std::uint64_t, std::string>> replay;  // (seq, frame), bounded
    AppState state = AppState::CREDENTIALS;
    std::optional<int> user_id;
    std::optional<std::string> remember_hash;  // the remember token this session issued or used
    std::optional<std::string> sso_provider;
    // A SCRAM exchange between `login` and `login.proof`.
    struct PendingLogin {
        int user_id = 0;  // 0 for an unknown user (the exchange will fail at the proof)
        std::string username;
        auth::scram::ServerExchange exchange;
    };
    std::optional<PendingLogin> pending_login;
};

// An agent's live state (one per user, shared by all of the user's sessions).
struct Agent {
    int user_id = 0;
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
    Millis status_since = 0;
    std::optional<Millis> acw_until;       // automatic READY after wrap-up
    std::optional<Millis> idle_since;      // READY with a free line: for longest-idle ACD and idletime
    std::optional<int> device_id;          // the paired phone
    std::optional<std::string> transfer_of;  // transfer mode: the held call the next dial consults about
    int last_waiting_callers = 0;
};

// One end of a call.
struct Party {
    ChannelType type = ChannelType::trunk;
    std::string number;  // an extension for lines, a phone number for trunks
    std::optional<std::string> name;
    std::optional<int> line_id;
    std::optional<int> user_id;
    std::optional<std::string> username;
    std::optional<int> group_id;
    std::string channel;
    bool muted = false;
};

// A call on the simulated network, stored once; each participant sees it through to_call().
struct ActiveCall {
    int id = 0;
    std::string uniqueid;
    Party caller;
    std::optional<Party> callee;  // null while a queue call waits
    std::string called_number;
    std::optional<std::string> called_name;
    CallState state = CallState::new_call;
    Timestamp created = 0;
    std::optional<Timestamp> connected;
    boost::json::object data;
    std::optional<int> queue_id;     // an incoming queue call
    std::optional<int> outbound_id;  // an outgoing campaign call
    bool recorded = false;
    std::optional<std::string> external_id;
    std::vector<AccountCode> account_codes;
    // Timers.
    std::optional<Millis> ring_deadline;     // a queue offer rings out
    std::optional<Millis> far_end_deadline;  // the simulated far end acts
    Millis ring_started = 0;
    // Transfers: a consultation call knows the held call it consults about.
    std::optional<std::string> consultation_of;
    // What happens when far_end_deadline passes.
    enum class FarEnd { none, answer, busy, invalid, reject } far_end = FarEnd::none;
};

struct RestToken {
    std::string client_id;
    Millis expires = 0;
};

struct Engine::Impl {
    Impl(EngineConfig config_in, Store& store_in, const PhoneNumbers& phones_in, Random& random_in, Millis now);

    EngineConfig config;
    Store& store;
    const PhoneNumbers& phones;
    Random& random;
    Directory directory;
    std::string server_secret;  // per process: fake SCRAM salts for unknown users

    std::map<ConnectionId, Connection> connections;
    std::map<std::string, Session> sessions;
    std::map<int, Agent> agents;
    std::map<std::string, ActiveCall> calls;        // by uniqueid
    std::map<int, std::deque<std::string>> waiting;  // queue id -> waiting calls (uniqueids), FIFO
    std::map<std::string, std::deque<Millis>> failed_logins_by_user;
    std::map<std::string, std::deque<Millis>> failed_logins_by_address;
    std::map<std::string, RestToken> rest_tokens;
    int next_call_id = 1;
    mutable std::uint32_t next_channel = 1;  // channel names are cosmetic; const renderers may draw them
    Output* out = nullptr;  // where the current operation's frames go
    std::vector<std::string> pending_replay;  // events session.resume replays after its result
    Millis now = 0;

    // ---- lookups ----
    const UserRecord* user_by_id(int id) const;
    const UserRecord* user_by_name(std::string_view username) const;
    const DeviceRecord* device_by_id(int id) const;
    const DeviceRecord* device_by_identifier(std::string_view identifier) const;
    const DeviceRecord* device_by_extension(std::string_view extension) const;
    const QueueRecord* queue_by_id(int id) const;
    MembershipRecord* membership(int user_id, int queue_id);
    std::vector<MembershipRecord*> memberships_of(int user_id);
    Agent& agent(int user_id);
    std::optional<int> agent_on_line(int line_id) const;
    Timestamp now_seconds() const { return now / 1000; }

    // ---- sessions and events (engine.cpp) ----
    void send(ConnectionId connection, std::string frame);
    void push_event(Session& session, std::string_view name, boost::json::object params);
    void push_to_user(int user_id, std::string_view name, const boost::json::object& params);
    std::vector<Session*> sessions_of(int user_id);
    bool user_logged_in(int user_id) const;
    void end_session(Session& session, const std::string& why);
    void leave_agent(int user_id);
    void handle_frame(Connection& connection, std::string_view frame);
    RpcResult dispatch(Connection& connection, std::string_view method, const boost::json::object& params);
    RpcResult login(Connection& connection, Session& session, std::string_view method,
                    const boost::json::object& params);

    // ---- agents (engine.cpp) ----
    void set_status(int user_id, AgentStatus status, std::optional<std::string> reason,
                    std::optional<Millis> acw_until = std::nullopt);
    void account_status_time(Agent& agent);
    void refresh_idle(Agent& agent);
    User render_user(int user_id);
    ReadyState ready_state(int user_id);
    std::vector<AgentInfo> agent_list() const;
    void user_changed(int user_id);  // statistics changed: persist and tell the user's sessions
    int waiting_callers_for(int user_id) const;
    void refresh_waiting_callers();

    // ---- calls (calls.cpp) ----
    Party line_party(const DeviceRecord& device) const;
    Party trunk_party(std::string number, std::optional<std::string> name) const;
    ActiveCall& create_call(Party caller, std::string called_number, std::optional<std::string> called_name);
    Call to_call(const ActiveCall& call, std::optional<int> viewer) const;
    std::vector<int> participants(const ActiveCall& call) const;
    void notify_call(const ActiveCall& call, std::string_view event, std::optional<int> only_user = std::nullopt);
    std::optional<std::string> call_of_agent(int user_id, bool prefer_active = true) const;
    void offer(ActiveCall& call, int user_id, std::string_view event);
    void connect_call(ActiveCall& call);
    void end_call(ActiveCall& call, HangupCause cause);
    void leave_call(ActiveCall& call, int user_id, HangupCause cause);
    void dispatch_queues();
    void ring_out(ActiveCall& call);
    // A queue offer ends for this agent and the caller goes back to the front of the queue.
    void requeue_offer(ActiveCall& call, int user_id, HangupCause cause);
    void far_end_acts(ActiveCall& call);
    void arm_far_end(ActiveCall& call, const std::string& far_number);
    void ring_line(ActiveCall& call, const DeviceRecord& device);
    void call_ended_for_agent(int user_id, const ActiveCall& call);
    void count_transfer(int user_id, const ActiveCall& call, bool external);  // transferred / transferred_external

    RpcResult answer(int user_id);
    RpcResult dial(int user_id, const boost::json::object& params);
    RpcResult hangup(int user_id);
    RpcResult hold(int user_id);
    RpcResult unhold(int user_id);
    RpcResult mute(int user_id);
    RpcResult transfer(int user_id, const boost::json::object& params);
    RpcResult finish_transfer(int user_id);
    RpcResult blind_transfer(int user_id, const boost::json::object& params);
    RpcResult set_account_code(int user_id, const boost::json::object& params);

    // The simulated outside world (the sandbox API drives these).
    ActiveCall& incoming_queue_call(std::string from, const QueueRecord& queue, std::optional<std::string> caller_name,
                                    boost::json::object data);
    ActiveCall& incoming_direct_call(std::string from, const DeviceRecord& device, std::optional<std::string> caller_name,
                                     boost::json::object data);
    // Empty string on success, else why the far end cannot do it.
    std::string far_end_answer(ActiveCall& call);
    std::string far_end_hangup(ActiveCall& call);
    std::string offhook(const DeviceRecord& device);

    // ---- timers ----
    void tick();
    std::optional<Millis> next_deadline() const;

    // ---- REST (rest.cpp) ----
    HttpResponse http(const HttpRequest& request);
};

// An RpcError for bad params, from the JSON codec's ParseError.
RpcError invalid_params(const ParseError& error);

// Reads a request's params into a described struct; a bad field becomes INVALID_PARAMS naming it.
template <class T>
Expected<T, RpcError> read_params(const boost::json::object& params) {
    auto parsed = from_json<T>(boost::json::value(params));
    if (!parsed) return Unexpected(invalid_params(parsed.error()));
    return std::move(parsed).value();
}

inline Unexpected<RpcError> rpc_fail(protocol::ErrorCode code, std::string message, boost::json::object data = {}) {
    return Unexpected(RpcError{code, std::move(message), std::move(data)});
}

}  // namespace ucs::server
