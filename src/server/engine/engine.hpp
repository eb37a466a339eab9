#pragma once
// The contact-centre engine: agents, sessions, queues and ACD, calls on a simulated telephone
// network, transfers, wrap-up, account codes and history.
//
// Sans-IO: it never touches a socket or a clock. The network shell (src/server/net) hands it
// connection events, text frames and the current time, and gets back the frames to send and
// connections to close; it asks next_deadline() when to call tick() again. The REST and sandbox API
// (src/server/api) speaks HTTP and calls the typed commands below; the engine knows no HTTP.
// Storage, phone-number normalisation and randomness are injected.

#include "core/expected.hpp"
#include "core/model.hpp"
#include "media/bridge_routes.hpp"
#include "server/engine/store.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ucs::server {

using ConnectionId = std::uint64_t;
using Millis = std::int64_t;  // Unix time in milliseconds

// Normalises phone numbers to E.164; nullopt when the number has no E.164 form (an extension).
class PhoneNumbers {
public:
    virtual ~PhoneNumbers() = default;
    virtual std::optional<std::string> to_e164(std::string_view number) const = 0;
};

// Randomness for nonces, salts, tokens and back-off jitter.
class Random {
public:
    virtual ~Random() = default;
    virtual std::string bytes(std::size_t count) = 0;
};

struct EngineConfig {
    std::string server_name = "ucsd";
    std::string sso_secret;
    std::int64_t sso_window_seconds = 300;
    // Liveness: a connection silent for this long is closed; a session without a connection for
    // session_grace_ms is ended (its agent logged out). Clients ping every heartbeat_ms.
    Millis heartbeat_ms = 15'000;
    Millis silence_timeout_ms = 45'000;
    Millis session_grace_ms = 120'000;
    // The unload beacon cannot tell a closed tab from a reload or a navigation: it only starts this
    // grace. A page that logs the agent in again (or resumes the session) within it keeps the agent,
    // the phone and the call; otherwise the session logs out as if closed.
    Millis page_close_grace_ms = 5'000;
    // Events kept per session for session.resume: at most this many, this many bytes (counting each
    // event in full although sessions share it), and none older than resume_buffer_ms.
    std::size_t resume_buffer_events = 512;
    std::size_t resume_buffer_bytes = std::size_t{256} * 1024;
    Millis resume_buffer_ms = 600'000;
    // Failed logins: at most this many per user / per address in the window, then refused.
    int max_failed_logins_per_user = 5;
    int max_failed_logins_per_address = 20;
    Millis failed_login_window_ms = 300'000;
    // Simulated far ends of outgoing calls answer after this long (SANDBOX.md: 2 s).
    Millis far_end_answer_ms = 2'000;
    // Calls on the simulated network at once; beyond this dial and the sandbox are refused. Well
    // below 65535, so a free call id (1..65535) always exists.
    std::size_t max_active_calls = 10'000;
};

// One WebSocket text frame in two parts: `shared`, encoded once and shared by every session an
// event goes to (in their send queues and replay buffers alike), then `tail`, the bytes of this
// session only (an event's seq and closing braces; empty for replies and errors).
struct Frame {
    Frame() = default;
    explicit Frame(std::string text);
    Frame(std::shared_ptr<const std::string> shared_part, std::string tail_part);
    std::shared_ptr<const std::string> shared;  // never null
    std::string tail;
    [[nodiscard]] std::size_t size() const { return shared->size() + tail.size(); }
    [[nodiscard]] std::string text() const { return *shared + tail; }
};

struct Outbound {
    ConnectionId connection = 0;
    Frame frame;  // one WebSocket text frame
    // Send once the store has made this write durable, and after every earlier frame to the same
    // connection (store.hpp). 0: nothing to wait for.
    StoreTicket ticket = 0;
};

struct Output {
    std::vector<Outbound> frames;          // in order
    std::vector<ConnectionId> closes;      // close these after their frames are sent
    std::vector<std::string> log;          // what the operator should read: an event no rule expected
    // The store's newest write this input made (0: none). What answers the input outside a frame (a
    // REST response) is sent only once it is durable, as the frames' tickets are.
    StoreTicket wrote = 0;
    void append(Output&& other);
};

// ---- what the REST API reads -------------------------------------------------------------------

struct ServerStatus {
    std::string server;
    std::string protocol;
    Timestamp now = 0;
    int agents_logged_in = 0;
    std::size_t active_calls = 0;
    int waiting_callers = 0;
};

struct AgentOverview {
    struct Membership {
        int queue_id = 0;
        bool suspended = false;
        int priorities = 0;
    };
    AgentInfo agent;
    bool logged_in = false;
    std::vector<Membership> queues;
    // Logged in with a bar that is connected and not frozen: false while every bar of the agent is
    // gone or frozen, when the ACD skips the agent (core/rules/acd.hpp).
    bool bar_live = false;
};

struct QueueOverview {
    QueueInfo queue;
    std::size_t waiting = 0;
    std::vector<int> members;  // user ids
    int wrapup_seconds = 0;
    int ring_timeout_seconds = 0;
};

struct DeviceOverview {
    Device device;
    std::optional<std::string> paired_by;  // the username of the agent who has it paired
};

// ---- what the sandbox does -----------------------------------------------------------------------

// An outside caller calls a queue (by id) or an extension.
struct SandboxCall {
    std::string from;
    std::variant<int, std::string> destination;  // queue id, or extension
    std::optional<std::string> caller_name;
    boost::json::object data;
};

// What a simulated party plays (the sandbox's "audio": {"say": "text"} | {"tone": 440} | {"silence": true}).
// The media bridge (src/server/media) plays it; the engine only carries calls.
// Why a simulated party's heard audio (GET .../heard) is not there.
enum class HeardMissing : std::uint8_t {
    unknown,  // no simulated party of this call was seen (or it was forgotten long ago)
    dropped,  // the call ended and its audio was dropped to stay within ucsd's heard budget
};

struct PartyAudio {
    enum class Kind : std::uint8_t { silence, tone, say };
    Kind kind = Kind::silence;
    double tone_hz = 0;
    std::string text;
};

// Why a REST or sandbox command could not be carried out.
enum class CommandError : std::uint8_t {
    network_full,           // the simulated network carries max_active_calls already
    unknown_queue,
    not_an_incoming_queue,  // outside callers call incoming queues only
    unknown_extension,
    unknown_call,           // no active call with that uniqueid
    not_ringing_outside,    // the far end can answer only a call ringing at an outside number
    no_outside_party,       // the far end can hang up only a call that has one
    unknown_device,
    nothing_ringing,        // a lifted handset answers only what rings on it
    softphone,              // a softphone has no handset: the agent answers in the browser
    unknown_user,
    unknown_session,
    invalid_layout,         // a layout core/rules/layout.hpp refuses (the API checks it first, naming the field)
};

// An agent's softphone as an endpoint of the media bridge: "agent:<user id>", whichever line is paired.
media::Endpoint agent_endpoint(int user_id);

// Why a media socket cannot attach to a session (docs/media.md, media.attach).
enum class MediaAttachError : std::uint8_t {
    unknown_session,  // SESSION_EXPIRED: no such session (ended, or never was)
    not_logged_in,    // INVALID_STATE: the session has no agent yet
};

class Engine {
public:
    Engine(EngineConfig config, Store& store, const PhoneNumbers& phone_numbers, Random& random, Millis now);
    // A copy of `other`'s whole state (sessions, calls, timers, counters) that works on other ports
    // and shares nothing with it from then on. ucsd has one engine; tests and the fuzz targets start
    // many runs from one engine brought to a state once. The store must hold what other's store holds.
    Engine(const Engine& other, Store& store, const PhoneNumbers& phone_numbers, Random& random);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;
    Engine(Engine&&) = delete;
    Engine& operator=(Engine&&) = delete;

    // A WebSocket connection opened from this client address.
    Output connect(ConnectionId connection, std::string client_address, Millis now);
    // One text frame from it. Never throws on bad input: errors go back as JSON-RPC errors.
    Output receive(ConnectionId connection, std::string_view frame, Millis now);
    // The connection is gone (closed by either side or failed). Its session waits for a resume.
    Output disconnect(ConnectionId connection, Millis now);
    // Timers: ring timeouts, wrap-up, far ends, heartbeats. Call at or after next_deadline().
    Output tick(Millis now);
    std::optional<Millis> next_deadline() const;

    // ---- commands of the REST and sandbox API (SANDBOX.md); events they cause go to `out` ----
    ServerStatus status(Millis now, Output& out);
    std::vector<AgentOverview> agents(Millis now, Output& out);
    std::vector<QueueOverview> queues(Millis now, Output& out);
    std::vector<Call> active_calls(Millis now, Output& out);  // as an observer sees them
    std::vector<DeviceOverview> devices(Millis now, Output& out);
    // A user's ended calls; `query.user_id` is ignored (the username chooses the user).
    Expected<std::vector<HistoryEntry>, CommandError> history(const std::string& username, HistoryQuery query,
                                                              Millis now, Output& out);
    // The bar's unload beacon: the session's agent is logged out. Returns the session key.
    Expected<std::string, CommandError> end_session(const std::string& session_key, Millis now, Output& out);
    // A user's layout (core/rules/layout.hpp). set_layout stores one layout_problem() accepts and
    // sends it to the user's sessions (event `layout`); it returns the layout now in effect.
    Expected<std::vector<LayoutTab>, CommandError> layout(const std::string& username, Millis now, Output& out);
    Expected<std::vector<LayoutTab>, CommandError> set_layout(const std::string& username, std::vector<LayoutTab> layout,
                                                              Millis now, Output& out);
    // The simulated outside world. Each returns the uniqueid of the call it acted on.
    Expected<std::string, CommandError> place_call(const SandboxCall& call, Millis now, Output& out);
    Expected<std::string, CommandError> far_end_answer(const std::string& uniqueid, Millis now, Output& out);
    Expected<std::string, CommandError> far_end_hangup(const std::string& uniqueid, Millis now, Output& out);
    Expected<std::string, CommandError> offhook(const std::string& identifier, Millis now, Output& out);

    // ---- what the media bridge reads (src/server/media); no events, no state changes ----
    // The agent whose audio a media socket attached with this session key carries.
    [[nodiscard]] Expected<int, MediaAttachError> media_user(const std::string& session_key) const;
    // Every call on the network as the media bridge sees it. An agent's line is the endpoint
    // agent_endpoint(user id); outside parties are simulated endpoints named by their channel.
    [[nodiscard]] std::vector<media::BridgeLeg> media_legs() const;
    // The live calls that are recorded (Call.recorded): the bridge records exactly these.
    [[nodiscard]] std::set<std::string> recorded_calls() const;
    // How many inputs (connects, frames, disconnects, ticks, commands) the engine has taken. Nothing
    // the engine holds changes between two inputs, so while this stands still the bridge need not
    // read the calls again.
    [[nodiscard]] std::uint64_t inputs_taken() const;
    // May this user hear the recording of call `uniqueid` (core/rules/recording.hpp)? Reads the
    // call's history rows, so it also answers for calls that ended before a restart.
    [[nodiscard]] bool may_hear_recording(int user_id, const std::string& uniqueid) const;
    // The user a recording URL's token (the recordingUrl request's answer) was made for, if it is
    // one for this call and has not expired; why not otherwise.
    [[nodiscard]] Expected<int, std::string> recording_token_user(std::string_view token, const std::string& uniqueid,
                                                                  Millis now) const;

    [[nodiscard]] const EngineConfig& config() const;

    // The engine's state, defined in engine_impl.hpp; public only so the engine's own units (its
    // dispatch table and state machines) can name it.
    struct Impl;

private:
    template <class F>
    auto run(Millis now, Output& out, F&& command);

    std::unique_ptr<Impl> impl_;
};

}  // namespace ucs::server
