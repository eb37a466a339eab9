#include "server/net/held_frames.hpp"

#include <iterator>
#include <utility>

namespace ucs::server::net {

void HeldFrames::add(ConnectionId connection, StoreTicket ticket, std::optional<Frame> frame,
                     std::vector<Release>& now) {
    const auto it = held_.find(connection);
    // Are we holding something for this connection already? Then this waits behind it.
    if (it == held_.end() && ticket <= durable_) {
        now.push_back(Release{connection, std::move(frame)});
        return;
    }
    held_[connection].push_back(Held{ticket, Release{connection, std::move(frame)}});
}

std::vector<Release> HeldFrames::admit(Output& output) {
    std::vector<Release> now;
    now.reserve(output.frames.size() + output.closes.size());
    for (Outbound& outbound : output.frames)
        add(outbound.connection, outbound.ticket, std::move(outbound.frame), now);
    for (const ConnectionId connection : output.closes) add(connection, 0, std::nullopt, now);
    return now;
}

std::vector<Release> HeldFrames::durable(StoreTicket ticket) {
    std::vector<Release> now;
    if (ticket <= durable_) return now;
    durable_ = ticket;
    for (auto it = held_.begin(); it != held_.end();) {
        std::deque<Held>& queue = it->second;
        while (!queue.empty() && queue.front().ticket <= durable_) {
            now.push_back(std::move(queue.front().release));
            queue.pop_front();
        }
        it = queue.empty() ? held_.erase(it) : std::next(it);
    }
    return now;
}

void HeldFrames::forget(ConnectionId connection) {
    held_.erase(connection);
}

std::size_t HeldFrames::held() const {
    std::size_t count = 0;
    for (const auto& [connection, queue] : held_) count += queue.size();
    return count;
}

}  // namespace ucs::server::net
