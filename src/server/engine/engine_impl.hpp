#pragma once
// Internal state of the engine, shared by its units. Not part of the engine's API.
//
//   engine.cpp        construction, lookups, frames in, timers, the public face
//   dispatch.cpp      the method table: params decoded once, then the named handler
//   sessions.cpp      handshake, resume, pairing, logout; the session ports
//   login.cpp         SCRAM, remember tokens, SSO, failed-login limits
//   agents.cpp        agent status, statistics, the User and onReady views, queue membership
//   calls.cpp         the simulated network and the ACD; the call ports
//   call_control.cpp  the agent's call control, decided by the rulebook (core/rules/call_actions)
//   commands.cpp      the REST and sandbox API's commands

#include "core/auth/scram.hpp"
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/protocol.hpp"
#include "core/rules/acd.hpp"
#include "core/rules/call_actions.hpp"
#include "core/rules/dial.hpp"
#include "server/engine/call.hpp"
#include "server/engine/engine.hpp"
#include "server/engine/params.hpp"
#include "server/engine/rpc.hpp"
#include "server/engine/session.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <unordered_set>
#include <vector>

namespace ucs::server {

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
    std::map<int, Millis> suspended_since;  // queue id -> counted into suspendtime up to here
};

// Everything the engine holds apart from its ports, as values: copying it copies the engine's whole
// state (Engine's copying constructor). The one thing a copy must fix up is the list iterators that
// connections and sessions keep (Impl::relink).
struct EngineState {
    EngineConfig config;
    Directory directory;
    std::string server_secret;  // per process: fake SCRAM salts for unknown users

    std::map<ConnectionId, Connection> connections;
    std::map<std::string, Session> sessions;
    // Indexes that keep the work per frame independent of the number of sessions. The engine's
    // clock never runs backwards, so a list kept in the order things happened is also ordered by
    // deadline: its front is the next to fall due (ngtcp2's get_expiry, read in O(1)).
    std::list<ConnectionId> by_silence;                     // connections by last_seen, oldest first
    std::list<std::string> detached;                        // sessions without a connection, by detached_since
    std::map<int, std::set<std::string>> sessions_by_user;  // user id -> keys of sessions logged in as them
    // directory.memberships never changes size after load: indexes into it, by queue and by user.
    std::map<int, std::vector<std::size_t>> members_by_queue;
    std::map<int, std::vector<std::size_t>> memberships_by_user;
    // Calls by the users taking part (uniqueids, in the calls map's order), so has_calls and
    // first_call_of read one user's few calls instead of every call. An entry may be stale (the user
    // left that call, or it ended mid-input): readers check takes_part, and a call leaves all its
    // entries when it ends. file_call() adds a call's parties after every change of them.
    mutable std::map<int, std::set<std::string>> calls_by_user;
    std::set<int> call_ids;  // ActiveCall::id in use: create_call finds a free one without a scan
    // Users by the line (device id) their agent is paired with; agent_on_line keeps the first who
    // is logged in, as the scan over agents did. Kept by set_line().
    std::map<int, std::set<int>> users_by_line;
    // Wrap-up ends and call timers, earliest first. Lazily deleted: an entry whose agent or call no
    // longer has that deadline is dropped when it reaches the top.
    template <class Key>
    using TimerHeap = std::priority_queue<std::pair<Millis, Key>, std::vector<std::pair<Millis, Key>>, std::greater<>>;
    mutable TimerHeap<int> acw_timers;
    mutable TimerHeap<std::string> call_timers;
    // Unload beacons (when, session key), in the order they came: the front's grace ends first.
    // An entry whose session resumed or is gone is dropped when it falls due.
    std::list<std::pair<Millis, std::string>> closing_pages;
    std::map<int, std::size_t> last_waiting_sizes;  // queue id -> waiting callers last told to agents
    std::map<int, Agent> agents;
    std::map<std::string, ActiveCall> calls;        // by uniqueid
    std::map<int, std::deque<std::string>> waiting;  // queue id -> waiting calls (uniqueids), FIFO
    std::map<std::string, std::deque<Millis>> failed_logins_by_user;
    std::map<std::string, std::deque<Millis>> failed_logins_by_address;
    int next_call_id = 1;
    mutable std::uint32_t next_channel = 1;  // channel names are cosmetic; const renderers may draw them
    Output* out = nullptr;  // where the current operation's frames go
    std::uint64_t inputs_taken = 0;  // Engine::inputs_taken()
    std::vector<Frame> pending_replay;  // events session.resume replays after its result
    // The store's newest write that the current input's later frames acknowledge: they carry its
    // ticket, so the shell sends them only once it is durable (store.hpp). 0 at every input.
    StoreTicket store_wait = 0;
    Millis now = 0;
};

struct Engine::Impl final : EngineState, SessionPorts, CallPorts {
    Impl(EngineConfig config_in, Store& store_in, const PhoneNumbers& phones_in, Random& random_in, Millis now);
    // A copy of `state` working on other ports.
    Impl(const EngineState& state, Store& store_in, const PhoneNumbers& phones_in, Random& random_in);

    Store& store;
    const PhoneNumbers& phones;
    Random& random;
    // Called right after a write that the frames made from here on depend on (a history row before
    // its call.hangup, a stored change before its reply).
    void frames_wait_for_store() { store_wait = store.last_write(); }
    // Points the connections' and sessions' iterators into this engine's own lists (after a copy).
    void relink();

    // ---- lookups (engine.cpp) ----
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
    void set_line(Agent& agent, std::optional<int> device_id);  // pairs or unpairs, keeping users_by_line
    Timestamp now_seconds() const { return now / 1000; }

    // ---- frames and timers (engine.cpp) ----
    void handle_frame(Connection& connection, std::string_view frame);
    void detach(ConnectionId connection);  // its session waits for a resume
    void tick();
    void close_silent_connections();
    void close_pages();  // unload beacons whose grace passed
    void end_unresumed_sessions();
    void fire_call_timers();
    std::optional<Millis> next_deadline() const;
    void prune_timers() const;  // drops stale entries from the top of the timer heaps
    void set_ring_deadline(ActiveCall& call, Millis at);
    void set_far_end_deadline(ActiveCall& call, Millis at);
    void arm_reoffer(ActiveCall& call);  // the earliest end of a rejection's back-off still ahead
    void track_connection(ConnectionId id, Connection& connection);
    void heard_from(Connection& connection);  // it sent a frame: its silence starts again
    void attach(Session& session, ConnectionId connection);
    void set_session_user(Session& session, int user_id);
    void forget_session(const std::string& key);

    // ---- dispatch (dispatch.cpp): the rows of the method table name these handlers ----
    RpcResult dispatch(Connection& connection, std::string_view method, const boost::json::object& params);

    // handshake and sessions (sessions.cpp)
    RpcResult hello(RpcContext& request, const HelloParams& params);
    RpcResult resume_session(RpcContext& request, const ResumeParams& params);
    RpcResult ping(RpcContext& request, const PingParams& params);
    RpcResult logout(RpcContext& request, const NoParams& params);
    RpcResult list_devices(RpcContext& request, const NoParams& params);
    RpcResult pair_by_address(RpcContext& request, const NoParams& params);
    RpcResult pair_by_identifier(RpcContext& request, const IdentifierParams& params);
    RpcResult provision(RpcContext& request, const ProvisionParams& params);
    RpcResult unpair(RpcContext& request, const NoParams& params);
    // login (login.cpp)
    RpcResult login_start(RpcContext& request, const LoginParams& params);
    RpcResult login_proof(RpcContext& request, const LoginProofParams& params);
    RpcResult login_remember(RpcContext& request, const RememberParams& params);
    RpcResult login_sso(RpcContext& request, const SsoParams& params);
    // the agent (agents.cpp)
    RpcResult change_status(RpcContext& request, const ChangeStatusParams& params);
    RpcResult suspend_queue(RpcContext& request, const QueueParams& params);
    RpcResult resume_queue(RpcContext& request, const QueueParams& params);
    RpcResult call_history(RpcContext& request, const HistoryParams& params);
    RpcResult recording_url(RpcContext& request, const RecordingUrlParams& params);
    bool may_hear_recording(int user_id, const std::string& uniqueid);
    RpcResult ready_snapshot(RpcContext& request, const NoParams& params);
    RpcResult select_ringing_sound(RpcContext& request, const RingingSoundParams& params);
    // call control (call_control.cpp)
    RpcResult answer(RpcContext& request, const NoParams& params);
    RpcResult dial(RpcContext& request, const DialParams& params);
    RpcResult hangup(RpcContext& request, const NoParams& params);
    RpcResult hold(RpcContext& request, const NoParams& params);
    RpcResult unhold(RpcContext& request, const NoParams& params);
    RpcResult mute(RpcContext& request, const NoParams& params);
    RpcResult transfer(RpcContext& request, const TransferParams& params);
    RpcResult finish_transfer(RpcContext& request, const NoParams& params);
    RpcResult blind_transfer(RpcContext& request, const BlindTransferParams& params);
    RpcResult set_account_code(RpcContext& request, const AccountCodeParams& params);

    // ---- sessions and events (sessions.cpp) ----
    void send(ConnectionId connection, std::string frame);
    // An event encoded once (protocol::event_head) goes to each session with the session's seq.
    void push_event(Session& session, const std::shared_ptr<const std::string>& head);
    void push_event(Session& session, std::string_view name, const boost::json::object& params);
    void push_to_user(int user_id, std::string_view name, const boost::json::object& params);
    std::vector<Session*> sessions_of(int user_id);
    bool user_logged_in(int user_id) const;
    void leave_agent(int user_id);
    bool transition(Session& session, SessionEvent event) { return fire(*this, session, event); }
    Expected<Agent*, RpcError> pairable(int user_id, const DeviceRecord& device);
    RpcResult pair(int user_id, Session& session, const DeviceRecord& device);

    // SessionPorts
    bool agent_has_phone(const Session& session) const override;
    void forget_login(Session& session) override;
    void release_agent(const Session& session) override;
    void tell_logged_out(Session& session, std::string_view why) override;
    void tell_replaced(Session& session) override;
    void tell_session_state(Session& session);  // session.state: another session moved this one
    void unexpected(std::string what) override;  // also CallPorts'

    // ---- login (login.cpp) ----
    std::optional<RpcError> refused_by_limit(const std::string& username, const std::string& address);
    void record_failed_login(const std::string& username, const std::string& address);
    RpcResult logged_in(RpcContext& request, int user_id, bool autologout, boost::json::object result);

    // ---- agents (agents.cpp) ----
    void set_status(int user_id, AgentStatus status, std::optional<std::string> reason,
                    std::optional<Millis> acw_until = std::nullopt);
    void account_status_time(Agent& agent);
    void account_suspend_time(Agent& agent);  // Queue.suspendtime: suspended while logged in
    void refresh_idle(Agent& agent);
    User render_user(int user_id);
    ReadyState ready_state(int user_id);
    // The user's layout as stored (empty when none was set).
    std::vector<LayoutTab> layout_of(int user_id) const;
    std::vector<AgentInfo> agent_list() const;
    void user_changed(int user_id);  // statistics changed: persist and tell the user's sessions
    int waiting_callers_for(int user_id) const;
    void refresh_waiting_callers();
    RpcResult set_suspended(int user_id, int queue_id, bool suspend);

    // ---- calls (calls.cpp) ----
    Party line_party(const DeviceRecord& device) const;
    Party trunk_party(std::string number, std::optional<std::string> name) const;
    ActiveCall& create_call(Party caller, std::string called_number, std::optional<std::string> called_name);
    Call to_call(const ActiveCall& active, std::optional<int> viewer) const;
    std::vector<int> participants(const ActiveCall& call) const;
    bool has_calls(int user_id) const;
    std::unordered_set<int> users_on_calls() const;  // everyone taking part in a call, in one pass
    ActiveCall* first_call_of(int user_id);  // by uniqueid
    const ActiveCall* first_call_of(int user_id) const;
    void file_call(ActiveCall& call);  // its parties changed: file it under their users
    void forget_call(const ActiveCall& call);  // it ends: out of calls_by_user and call_ids
    void notify_call(const ActiveCall& call, std::string_view event, std::optional<int> only_user = std::nullopt);
    bool transition(ActiveCall& call, const CallInput& input) { return fire(*this, call, input); }
    void offer(ActiveCall& call, int user_id);
    void end_call(ActiveCall& call, HangupCause cause) { transition(call, CallInput{CallEvent::end, cause}); }
    void leave_call(ActiveCall& call, int user_id, HangupCause cause);
    void dispatch_queues();
    std::optional<int> choose_agent(const ActiveCall& call);  // a waiting queue call
    // What the ACD rule reads about a member; on_a_call is users_on_calls(), made once per choice.
    OfferCandidate offer_candidate(const MembershipRecord& member, const ActiveCall& call,
                                   const std::unordered_set<int>& on_a_call);
    void ring_out(ActiveCall& call);
    // A queue offer ends for this agent and the caller goes back to the front of the queue.
    void requeue_offer(ActiveCall& call, int user_id, HangupCause cause);
    void far_end_acts(ActiveCall& call);
    void arm_far_end(ActiveCall& call, const std::string& far_number);
    void ring_line(ActiveCall& call, const DeviceRecord& device);
    void call_ended_for_agent(int user_id, const ActiveCall& call);
    void count_answered(const ActiveCall& call);
    void count_transfer(int user_id, const ActiveCall& call, bool external);  // transferred / transferred_external

    // CallPorts
    void ringing_started(ActiveCall& call) override;
    void answered(ActiveCall& call) override;
    void tell(const ActiveCall& call, std::string_view event, std::optional<int> only_user) override;
    void transferred(ActiveCall& call, std::optional<int> party, bool connected) override;
    void ended(ActiveCall& call, HangupCause cause) override;

    // ---- call control (call_control.cpp) ----
    // The agent's calls as the bar sees them (ordered by uniqueid, consultation links included):
    // what the rulebook decides on.
    CallSituation situation_of(int user_id) const;
    // The call the rulebook says `action` acts on now (null for dial), or its refusal.
    Expected<ActiveCall*, RpcError> rulebook_target(CallAction action, int user_id);
    std::optional<RpcError> refuse_busy_extension(const std::string& number) const;
    Expected<std::optional<int>, RpcError> outbound_queue_for(int user_id, const DialParams& params);
    void route_dialled(ActiveCall& call, const std::string& number);

    // ---- the outside world (commands.cpp) ----
    ActiveCall& incoming_queue_call(std::string from, const QueueRecord& queue, std::optional<std::string> caller_name,
                                    boost::json::object data);
    ActiveCall& incoming_direct_call(std::string from, const DeviceRecord& device, std::optional<std::string> caller_name,
                                     boost::json::object data);
    Expected<std::string, CommandError> place_call(const SandboxCall& request);
    Expected<std::string, CommandError> far_end_answer(ActiveCall& call);
    Expected<std::string, CommandError> far_end_hangup(ActiveCall& call);
    Expected<std::string, CommandError> offhook(const DeviceRecord& device);
};

}  // namespace ucs::server
