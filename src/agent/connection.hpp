#pragma once
// The bar's link to ucsd: the WebSocket's life (open, hello or session.resume, heartbeat, reconnect
// with capped back-off), the JSON-RPC requests in flight or waiting for the link, and the event
// sequence numbers that make a resume lossless and free of duplicates. It reports what a frame
// was (a reply to one of the bar's requests, an event, a handshake outcome); it never decides what
// the bar does about it.

#include "agent/effects.hpp"
#include "core/model.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ucs::agent {

// Randomness for SCRAM nonces and reconnect jitter (crypto.getRandomValues in the browser).
class RandomSource {
public:
    virtual ~RandomSource() = default;
    virtual std::string bytes(std::size_t count) = 0;
};

// Which of the bar's requests a reply answers: the engine routes each kind to its handler.
enum class Reply : std::uint8_t {
    plain,           // settles the page's promise with the result as it is
    ping,
    login_first,     // SCRAM client-first
    login_proof,     // SCRAM client-final
    login_remember,  // the remember cookie
    sso,
    logout,
    devices,
    identify_ip,
    identifier,
    provision,
    identify,
    history,
    ringing_sound,
    recording_url,   // resolves with the full URL on the api.recording service
};

// A request's purpose, kept until its reply: the kind, the page's promise (if a method call made
// it), the identifier being paired (for the "Bad identifier" notice), and what onInfo says when a
// change the page asked for is confirmed.
struct Request {
    explicit Request(Reply kind = Reply::plain, std::optional<PromiseId> page_promise = std::nullopt, std::string paired = {})
        : reply(kind), promise(page_promise), identifier(std::move(paired)) {}

    Reply reply;
    std::optional<PromiseId> promise;
    std::string identifier;
    std::string confirmation;
};

// A JSON-RPC error, or a failure of the link itself (code 0).
struct RpcFailure {
    std::int64_t code = 0;
    std::string name;  // data.code: "INVALID_STATE", ...; the bar's own ErrorCode names for local failures
    std::string message;
    boost::json::object data;
};

// What one frame from ucsd was.
struct Answered {
    Request request;
    std::variant<boost::json::value, RpcFailure> outcome;  // result or failure
};
struct Greeted {
    bool first = false;  // the first connection of this page: onConnect
    std::vector<Answered> failed;  // requests made for the old session: they cannot be carried out
};
struct Resumed {
    // Present when too much was missed to replay: rebuild from it.
    std::optional<boost::json::object> rebuild_from;
};
struct EventIn {
    std::string name;
    boost::json::object params;
};
using Incoming = std::variant<std::monostate, Greeted, Resumed, Answered, EventIn>;

class Connection {
public:
    Connection(Outputs& out, RandomSource& random, std::string url, std::string client_name);

    void start() { out_->emit(OpenSocket{url_}); }
    // The socket opened: hello for a new session, session.resume for a known one.
    void opened();
    // The socket closed (or failed). Requests in flight and waiting fail; a reconnect is scheduled.
    [[nodiscard]] std::vector<Answered> closed();
    void reconnect_due() { start(); }
    // The heartbeat timer: ping, or drop a link that left the last ping unanswered.
    [[nodiscard]] std::vector<Answered> heartbeat_due();

    // Sends now, or once the link is up again.
    void send(std::string_view method, boost::json::object params, Request request);
    // A heartbeat that says whether the page is frozen (the regular heartbeat goes on as before).
    void page_frozen(bool frozen);

    Incoming receive(std::string_view text);

    [[nodiscard]] bool up() const { return socket_up_ && handshake_done_; }
    [[nodiscard]] const std::optional<std::string>& session() const { return session_; }
    [[nodiscard]] const std::string& url() const { return url_; }

    // After a copy (Agent's copy constructor): emit into `out` from now on.
    void rebind(Outputs& out) { out_ = &out; }

private:
    struct Pending {
        Request request;
        bool handshake = false;  // hello or session.resume, answered by the connection itself
    };

    Incoming reply(const boost::json::object& frame);
    Incoming event(std::string_view name, const boost::json::object& params);
    Incoming handshake_reply(const std::variant<boost::json::value, RpcFailure>& outcome);
    void handshake_complete(const boost::json::object& result);
    std::vector<Answered> fail_all(const std::string& message);
    void send_handshake();

    // Not owned. Pointers, not references, so that a copy of the agent can point its copy at its
    // own outputs (rebind()).
    Outputs* out_;
    RandomSource* random_;
    std::string url_;
    std::string client_name_;
    bool socket_up_ = false;
    bool handshake_done_ = false;
    bool ever_connected_ = false;
    bool lost_reported_ = false;
    int reconnect_attempt_ = 0;
    std::optional<std::string> session_;
    std::uint64_t last_seq_ = 0;
    Millis heartbeat_ms_ = 15'000;
    bool ping_outstanding_ = false;
    std::int64_t next_id_ = 1;
    std::map<std::int64_t, Pending> pending_;
    std::deque<std::pair<std::int64_t, std::string>> waiting_;  // (id, frame) until the link is up
};

}  // namespace ucs::agent
