#pragma once
// The contact-centre engine: agents, sessions, queues and ACD, calls on a simulated telephone
// network, transfers, wrap-up, account codes, history and the REST/sandbox API.
//
// Sans-IO: it never touches a socket or a clock. The network shell (src/server/net) hands it
// connection events, text frames, HTTP requests and the current time, and gets back the frames to
// send and connections to close; it asks next_deadline() when to call tick() again. Storage,
// phone-number normalisation and randomness are injected.

#include "server/engine/store.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    // REST clients (client_id -> client_secret) and the lifetime of their bearer tokens.
    std::map<std::string, std::string> rest_clients;
    std::int64_t rest_token_seconds = 3600;
    // Liveness: a connection silent for this long is closed; a session without a connection for
    // session_grace_ms is ended (its agent logged out). Clients ping every heartbeat_ms.
    Millis heartbeat_ms = 15'000;
    Millis silence_timeout_ms = 45'000;
    Millis session_grace_ms = 120'000;
    std::size_t resume_buffer_events = 512;  // events kept per session for session.resume
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

struct Outbound {
    ConnectionId connection = 0;
    std::string frame;  // one WebSocket text frame
};

struct Output {
    std::vector<Outbound> frames;          // in order
    std::vector<ConnectionId> closes;      // close these after their frames are sent
    void append(Output&& other);
};

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query, e.g. "/api/v1.0/history?user=agent1"
    std::string body;
    std::string authorization;  // the Authorization header, if any
    std::string client_address;
};

struct HttpResponse {
    int status = 200;
    boost::json::value body;  // always a JSON document; errors are {"error": {...}}
};

class Engine {
public:
    Engine(EngineConfig config, Store& store, const PhoneNumbers& phone_numbers, Random& random, Millis now);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // A WebSocket connection opened from this client address.
    Output connect(ConnectionId connection, std::string client_address, Millis now);
    // One text frame from it. Never throws on bad input: errors go back as JSON-RPC errors.
    Output receive(ConnectionId connection, std::string_view frame, Millis now);
    // The connection is gone (closed by either side or failed). Its session waits for a resume.
    Output disconnect(ConnectionId connection, Millis now);
    // Timers: ring timeouts, wrap-up, far ends, heartbeats. Call at or after next_deadline().
    Output tick(Millis now);
    std::optional<Millis> next_deadline() const;

    // REST and sandbox API (SANDBOX.md). Events caused by it (a call ringing an agent) go to `out`.
    HttpResponse http(const HttpRequest& request, Millis now, Output& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ucs::server
