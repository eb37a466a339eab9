#pragma once
// The one place the network shell talks to the engine (the "shared_state" of Beast's chat-multi
// example). Sessions do I/O only and report to the hub; the hub calls the engine, delivers its
// Output to the connections it names, and keeps the engine's timer armed. Everything runs on the
// single io_context thread: the engine is not thread-safe and needs no locks that way.

#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/net/held_frames.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace ucs::server::net {

// Unix milliseconds from the system clock: the only clock reading the engine ever gets.
Millis now_ms();

// A WebSocket connection as the hub sees it. Neither call may re-enter the hub synchronously.
class Connection {
public:
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    Connection(Connection&&) = delete;
    Connection& operator=(Connection&&) = delete;
    virtual ~Connection() = default;
    // Queue one text frame (its shared part is written as it is, never copied).
    virtual void send(Frame frame) = 0;
    // Close with `code` (a WebSocket close code) once the frames queued so far are written.
    virtual void close_after_flush(std::uint16_t code) = 0;
};

class Hub {
public:
    Hub(boost::asio::io_context& io, Engine& engine, RestApi& api);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;
    Hub(Hub&&) = delete;
    Hub& operator=(Hub&&) = delete;

    // A WebSocket connection is open; returns its id for the calls below.
    ConnectionId open(std::weak_ptr<Connection> connection, std::string client_address);
    void receive(ConnectionId id, std::string_view frame);
    // The connection ended for whatever reason. Call once per id; later calls are ignored.
    void closed(ConnectionId id);

    // The REST and sandbox API (src/server/api), on the same engine. A response whose durable_after
    // is set goes out through when_durable.
    HttpResponse http(const HttpRequest& request);
    // Runs `then` once the store has made `ticket` durable: at once when it is already.
    void when_durable(StoreTicket ticket, std::function<void()> then);

    // The store has made every write up to `ticket` durable: the frames that waited for it go.
    void durable(StoreTicket ticket);

    // Shutting down: stop the timer and ask every connection to close with "going away".
    void shutdown();

private:
    void deliver(Output output);
    void release(std::vector<Release> releases);
    void arm_timer();
    void on_timer();

    struct Timer;
    Engine& engine_;
    RestApi& api_;
    std::unique_ptr<Timer> timer_;
    std::map<ConnectionId, std::weak_ptr<Connection>> connections_;
    HeldFrames held_;  // frames waiting for the store to make what they acknowledge durable
    std::multimap<StoreTicket, std::function<void()>> durable_waiters_;  // HTTP responses, by ticket
    std::optional<Millis> armed_deadline_;  // what the timer waits for now, if anything
    ConnectionId next_id_ = 1;
    bool stopping_ = false;
};

}  // namespace ucs::server::net
