#include "server/net/hub.hpp"

#include "core/protocol.hpp"
#include "server/net/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ucs::server::net {

Millis now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Hub::Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
};

Hub::Hub(boost::asio::io_context& io, Engine& engine, RestApi& api)
    : engine_(engine), api_(api), timer_(std::make_unique<Timer>(io)) {
    arm_timer();
}

Hub::~Hub() = default;

namespace {

// Engine calls never throw on bad input; an exception is a bug in the engine. It is logged and the
// server carries on rather than dropping every other agent's connection with it.
template <class F>
bool guarded(std::string_view what, F&& call) {
    try {
        call();
        return true;
    } catch (const std::exception& e) {
        log_line("engine bug in " + std::string(what) + ": " + e.what());
        return false;
    }
}

}  // namespace

ConnectionId Hub::open(std::weak_ptr<Connection> connection, std::string client_address) {
    const ConnectionId id = next_id_++;
    connections_.emplace(id, std::move(connection));
    guarded("connect", [&] { deliver(engine_.connect(id, std::move(client_address), now_ms())); });
    arm_timer();
    return id;
}

void Hub::receive(ConnectionId id, std::string_view frame) {
    if (!connections_.contains(id)) return;
    if (!guarded("receive", [&] { deliver(engine_.receive(id, frame, now_ms())); })) {
        Output reply;
        reply.frames.push_back({id, Frame(protocol::error_frame(nullptr, protocol::ErrorCode::internal_error,
                                                                "internal error while handling the frame"))});
        deliver(std::move(reply));
    }
    arm_timer();
}

void Hub::closed(ConnectionId id) {
    if (connections_.erase(id) == 0) return;
    held_.forget(id);
    guarded("disconnect", [&] { deliver(engine_.disconnect(id, now_ms())); });
    arm_timer();
}

HttpResponse Hub::http(const HttpRequest& request) {
    Output out;
    HttpResponse response;
    if (!guarded("http", [&] { response = api_.handle(request, now_ms(), out); })) {
        response.status = 500;
        response.body = {{"error", {{"code", "INTERNAL_ERROR"}, {"message", "internal error"}}}};
    }
    deliver(std::move(out));
    arm_timer();
    return response;
}

void Hub::when_durable(StoreTicket ticket, std::function<void()> then) {
    if (ticket <= held_.durable_ticket()) return then();
    durable_waiters_.emplace(ticket, std::move(then));
}

void Hub::shutdown() {
    stopping_ = true;
    timer_->timer.cancel();
    armed_deadline_.reset();
    // Copy first: close_after_flush does not re-enter, but be robust against it anyway.
    std::vector<std::shared_ptr<Connection>> live;
    for (const auto& [id, weak] : connections_)
        if (auto connection = weak.lock()) live.push_back(std::move(connection));
    for (const auto& connection : live) connection->close_after_flush(1001);  // going away
}

void Hub::deliver(Output output) {
    for (const std::string& line : output.log) log_line("engine: " + line);
    release(held_.admit(output));
}

void Hub::durable(StoreTicket ticket) {
    release(held_.durable(ticket));
    const auto ready_end = durable_waiters_.upper_bound(held_.durable_ticket());
    std::vector<std::function<void()>> ready;
    for (auto it = durable_waiters_.begin(); it != ready_end; ++it) ready.push_back(std::move(it->second));
    durable_waiters_.erase(durable_waiters_.begin(), ready_end);
    for (auto& then : ready) then();  // after the erase: a waiter may add another
}

void Hub::release(std::vector<Release> releases) {
    for (Release& item : releases) {
        const auto it = connections_.find(item.connection);
        if (it == connections_.end()) continue;  // gone already: the engine learns through closed()
        const auto connection = it->second.lock();
        if (!connection) continue;
        if (item.frame) {
            connection->send(std::move(*item.frame));
        } else {
            connection->close_after_flush(1000);  // normal
        }
    }
}

void Hub::arm_timer() {
    if (stopping_) return;
    const std::optional<Millis> deadline = engine_.next_deadline();
    // Re-arm only for an earlier deadline. A frame usually moves the deadline later (its connection
    // was the oldest and just spoke): the armed wait then ends early, ticks for nothing (cheap: the
    // engine keeps its deadlines ordered) and arms again, instead of re-arming after every frame.
    if (!deadline) return;  // a wait still armed ends in a harmless, empty tick
    if (armed_deadline_ && *armed_deadline_ <= *deadline) return;
    armed_deadline_ = deadline;
    // The deadline is wall-clock time; the wait is measured on the steady clock from now. At
    // least 1 ms, so an engine that keeps a past deadline cannot starve the sockets.
    const Millis delay = std::max<Millis>(*deadline - now_ms(), 1);
    timer_->timer.expires_after(std::chrono::milliseconds(delay));  // cancels the previous wait
    timer_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;  // re-armed or cancelled: `this` may be gone, touch nothing
        on_timer();
    });
}

void Hub::on_timer() {
    const Millis now = now_ms();
    const bool early = armed_deadline_ && now < *armed_deadline_;
    armed_deadline_.reset();
    // Early: a wake-up that was already queued when the timer was re-armed, or the wall clock
    // stepped back. Wait again for the real deadline instead of ticking.
    if (!early) guarded("tick", [&] { deliver(engine_.tick(now)); });
    arm_timer();
}

}  // namespace ucs::server::net
