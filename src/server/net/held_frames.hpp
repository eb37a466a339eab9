#pragma once
// Frames that wait for the store (store.hpp): a frame carrying a ticket leaves only once the store
// has reported that ticket durable, and a frame or close behind a held one on the same connection
// waits with it, so each connection keeps its order. Other connections are not held up. Pure
// bookkeeping, no I/O: the hub sends what admit() and durable() release.

#include "server/engine/engine.hpp"

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace ucs::server::net {

struct Release {
    ConnectionId connection = 0;
    std::optional<Frame> frame;  // nullopt: close the connection (after the frames before it)
};

class HeldFrames {
public:
    // The output of one engine call: returns what may go now, in order; the rest is held.
    std::vector<Release> admit(Output& output);
    // The store has made every write up to `ticket` durable: returns what may go now, each
    // connection's in order.
    std::vector<Release> durable(StoreTicket ticket);
    // The connection is gone: what it still held is dropped.
    void forget(ConnectionId connection);

    [[nodiscard]] StoreTicket durable_ticket() const { return durable_; }
    [[nodiscard]] std::size_t held() const;

private:
    struct Held {
        StoreTicket ticket = 0;
        Release release;
    };
    void add(ConnectionId connection, StoreTicket ticket, std::optional<Frame> frame, std::vector<Release>& now);

    StoreTicket durable_ = 0;
    std::map<ConnectionId, std::deque<Held>> held_;  // only connections that hold something
};

}  // namespace ucs::server::net
