#include "agent/connection.hpp"

#include "core/json_text.hpp"
#include "core/protocol.hpp"


#include <algorithm>

namespace ucs::agent {

namespace json = boost::json;
namespace m = protocol::method;

namespace {

constexpr Millis max_reconnect_delay = 30'000;

RpcFailure failure_of(const json::object& frame) {
    RpcFailure failure;
    const json::value* error = frame.if_contains("error");
    if (error == nullptr || !error->is_object()) return failure;
    const json::object& e = error->get_object();
    if (auto c = e.if_contains("code"); c && c->is_int64()) failure.code = c->get_int64();
    if (auto msg = e.if_contains("message"); msg && msg->is_string()) failure.message = std::string(msg->get_string());
    if (auto data = e.if_contains("data"); data && data->is_object()) {
        failure.data = data->get_object();
        if (auto name = failure.data.if_contains("code"); name && name->is_string()) failure.name = std::string(name->get_string());
    }
    return failure;
}

}  // namespace

Connection::Connection(Outputs& out, RandomSource& random, std::string url, std::string client_name)
    : out_(&out), random_(&random), url_(std::move(url)), client_name_(std::move(client_name)) {}

void Connection::opened() {
    socket_up_ = true;
    handshake_done_ = false;
    send_handshake();
}

void Connection::send_handshake() {
    const std::int64_t id = next_id_++;
    pending_[id] = Pending{Request{}, true};
    json::object params = session_ ? json::object{{"session", *session_}, {"last_seq", last_seq_}}
                                   : json::object{{"protocol", protocol::version}, {"client", client_name_}};
    out_->emit(SendFrame{protocol::request_frame(id, session_ ? m::resume_session : m::hello, std::move(params))});
}

std::vector<Answered> Connection::fail_all(const std::string& message) {
    std::vector<Answered> failed;
    waiting_.clear();
    for (auto& [id, entry] : std::exchange(pending_, {})) {
        if (entry.handshake) continue;
        failed.push_back(Answered{std::move(entry.request), RpcFailure{0, std::string(error_name(ErrorCode::network_error)), message, {}}});
    }
    return failed;
}

std::vector<Answered> Connection::closed() {
    socket_up_ = false;
    handshake_done_ = false;
    ping_outstanding_ = false;
    out_->cancel_timer(Timer::heartbeat);
    // Requests in flight have unknown outcomes (the event stream will tell what happened); requests
    // not sent yet are dropped with them, so a rejected call is never carried out later.
    auto failed = fail_all("the connection to UCS was lost");
    if (!lost_reported_) {
        lost_reported_ = true;
        if (ever_connected_) {
            out_->warn("connection to UCS lost; reconnecting");
        } else {
            out_->fire("onError", {json::value("cannot connect to UCS at " + url_)});
        }
    }
    // Exponential back-off with +-20 % jitter, capped.
    const Millis base = std::min<Millis>(max_reconnect_delay, Millis{500} << std::min(reconnect_attempt_, 6));
    const std::string noise = random_->bytes(1);
    const double jitter = 0.8 + 0.4 * (static_cast<unsigned char>(noise[0]) / 255.0);
    ++reconnect_attempt_;
    out_->start_timer(Timer::reconnect, static_cast<Millis>(static_cast<double>(base) * jitter));
    out_->view_changed();
    return failed;
}

std::vector<Answered> Connection::heartbeat_due() {
    if (!up()) return {};
    if (ping_outstanding_) {
        // A whole heartbeat without an answer: the link is dead even if the socket has not noticed.
        out_->emit(CloseSocket{});
        return closed();
    }
    ping_outstanding_ = true;
    send(m::ping, {}, Request{Reply::ping});
    out_->start_timer(Timer::heartbeat, heartbeat_ms_);
    return {};
}

void Connection::page_frozen(bool frozen) {
    if (up()) send(m::ping, json::object{{"frozen", frozen}}, Request{Reply::ping});
}

void Connection::send(std::string_view method, json::object params, Request request) {
    const std::int64_t id = next_id_++;
    std::string frame = protocol::request_frame(id, method, std::move(params));
    pending_[id] = Pending{std::move(request), false};
    if (up()) {
        out_->emit(SendFrame{std::move(frame)});
    } else {
        waiting_.emplace_back(id, std::move(frame));
    }
}

Incoming Connection::receive(std::string_view text) {
    boost::system::error_code ec;
    json::value frame = parse_json(text, ec);
    if (ec || !frame.is_object()) {
        out_->warn("UCS sent a frame that is not a JSON object");
        return {};
    }
    const json::object& object = frame.get_object();
    if (const json::value* method = object.if_contains("method"); method != nullptr && method->is_string()) {
        static const json::object no_params;
        const json::value* params = object.if_contains("params");
        return event(method->get_string(), params != nullptr && params->is_object() ? params->get_object() : no_params);
    }
    return reply(object);
}

Incoming Connection::event(std::string_view name, const json::object& params) {
    if (const json::value* seq = params.if_contains("seq"); seq != nullptr && (seq->is_int64() || seq->is_uint64())) {
        const auto n = seq->is_uint64() ? seq->get_uint64() : static_cast<std::uint64_t>(std::max<std::int64_t>(seq->get_int64(), 0));
        if (n <= last_seq_) return {};  // handled before a reconnect
        last_seq_ = n;
    }
    return EventIn{std::string(name), params};
}

Incoming Connection::reply(const json::object& frame) {
    const json::value* id = frame.if_contains("id");
    if (id == nullptr || !id->is_int64()) return {};
    auto it = pending_.find(id->get_int64());
    if (it == pending_.end()) return {};
    Pending entry = std::move(it->second);
    pending_.erase(it);
    std::variant<json::value, RpcFailure> outcome = failure_of(frame);
    if (const json::value* result = frame.if_contains("result")) outcome = *result;
    if (entry.handshake) return handshake_reply(outcome);
    if (entry.request.reply == Reply::ping) ping_outstanding_ = false;
    return Answered{std::move(entry.request), std::move(outcome)};
}

Incoming Connection::handshake_reply(const std::variant<json::value, RpcFailure>& outcome) {
    const json::value* result = std::get_if<json::value>(&outcome);
    const bool resuming = session_.has_value();
    if (result == nullptr || !result->is_object()) {
        if (resuming) {
            // The server forgot the session: a new one, and the bar logs in again where it can.
            session_.reset();
            last_seq_ = 0;
            send_handshake();
            return {};
        }
        const auto* failure = std::get_if<RpcFailure>(&outcome);
        out_->fire("onError", {json::value("UCS refused the connection: " + (failure != nullptr ? failure->message : std::string("no session")))});
        return {};
    }
    const json::object& r = result->get_object();
    if (!resuming) {
        const json::value* key = r.if_contains("session");
        if (key == nullptr || !key->is_string()) {
            out_->fire("onError", {json::value("UCS refused the connection: the greeting has no session")});
            return {};
        }
        session_ = std::string(key->get_string());
        last_seq_ = 0;
        // A new session: requests made for the old one cannot be carried out.
        auto failed = fail_all("the session with UCS was lost");
        handshake_complete(r);
        const bool first = !ever_connected_;
        ever_connected_ = true;
        return Greeted{first, std::move(failed)};
    }
    handshake_complete(r);
    for (auto& [id, frame] : std::exchange(waiting_, {})) out_->emit(SendFrame{std::move(frame)});
    const json::value* replayed = r.if_contains("replayed");
    // Replayed events follow this result and are handled as they come; null: too much was missed.
    if (replayed == nullptr || replayed->is_null()) return Resumed{r};
    return Resumed{};
}

void Connection::handshake_complete(const json::object& result) {
    handshake_done_ = true;
    ping_outstanding_ = false;
    reconnect_attempt_ = 0;
    if (auto hb = result.if_contains("heartbeat_ms"); hb && hb->is_int64() && hb->get_int64() > 0) heartbeat_ms_ = hb->get_int64();
    out_->start_timer(Timer::heartbeat, heartbeat_ms_);
    if (lost_reported_) {
        out_->fire("onInfo", {json::value("connection to UCS restored")});
        lost_reported_ = false;
    }
}

}  // namespace ucs::agent
