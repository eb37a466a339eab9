#include "server/net/media_hub.hpp"

#include "server/media/attach.hpp"
#include "server/net/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace ucs::server::net {

namespace {

constexpr auto tick_period = std::chrono::milliseconds(20);
// Behind by more than this (a stalled loop): start the pacing afresh instead of catching up in a burst.
constexpr auto max_lag = std::chrono::milliseconds(100);
constexpr auto stall_log_interval = std::chrono::seconds(10);  // an overloaded loop stalls every tick
constexpr std::uint16_t close_unsupported_data = 1003;
// docs/media.md: the session a media socket was attached with has ended (logout, expiry).
constexpr std::uint16_t close_session_ended = 4002;
constexpr int session_check_ticks = 50;  // once a second

}  // namespace

struct MediaHub::Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point next;
    std::uint64_t stalls = 0;  // since the last log line about them
    std::chrono::steady_clock::time_point next_stall_log;
};

MediaHub::MediaHub(boost::asio::io_context& io, Engine& engine, media_bridge::SpeechRenderer speech,
                   std::filesystem::path recordings_dir, std::size_t heard_budget_bytes)
    : engine_(engine), bridge_(std::move(speech), heard_budget_bytes), recordings_(std::move(recordings_dir)), timer_(std::make_unique<Timer>(io)) {
    timer_->next = std::chrono::steady_clock::now() + tick_period;
    arm_timer();
}

MediaHub::~MediaHub() = default;

media_bridge::MediaSocket MediaHub::open(std::weak_ptr<MediaConnection> connection) {
    const media_bridge::MediaSocket id = next_id_++;
    connections_.emplace(id, std::move(connection));
    return id;
}

void MediaHub::receive_text(media_bridge::MediaSocket id, std::string_view text) {
    const auto it = connections_.find(id);
    if (it == connections_.end()) return;
    auto connection = it->second.lock();
    if (!connection) return;
    if (bridge_.attached(id)) {
        // After the answer only binary frames follow (docs/media.md).
        bridge_.detach(id);
        attached_.erase(id);
        connection->close_after_flush(close_unsupported_data);
        return;
    }
    auto request = media_bridge::read_attach(text, engine_);
    if (!request) return connection->send_text(std::move(request).error());
    // The routes as they are now, so the answer's stream is the current call's; the new listener
    // follows its call from here.
    read_calls();
    media_bridge::MediaOutput out;
    const std::uint16_t stream = bridge_.attach(request->user_id, id, out);
    attached_[id] = Attached{request->session, request->user_id};
    for (const auto& [replaced, code] : out.closes) attached_.erase(replaced);
    connection->send_text(media_bridge::attach_result(request->id, stream));
    deliver(std::move(out));
}

void MediaHub::receive_binary(media_bridge::MediaSocket id, std::span<const std::uint8_t> frame) {
    media_bridge::MediaOutput out;
    bridge_.receive(id, frame, out);
    deliver(std::move(out));
}

void MediaHub::closed(media_bridge::MediaSocket id) {
    bridge_.detach(id);
    attached_.erase(id);
    connections_.erase(id);
}

void MediaHub::close_ended_sessions() {
    for (auto it = attached_.begin(); it != attached_.end();) {
        const auto user = engine_.media_user(it->second.session);
        if (user && *user == it->second.user_id) {
            ++it;
            continue;
        }
        bridge_.detach(it->first);
        if (auto connection = connections_.contains(it->first) ? connections_[it->first].lock() : nullptr)
            connection->close_after_flush(close_session_ended);
        it = attached_.erase(it);
    }
}

void MediaHub::shutdown() {
    stopping_ = true;
    timer_->timer.cancel();
    for (const auto& [id, weak] : connections_)
        if (auto connection = weak.lock()) connection->close_after_flush(1001);  // going away
}

std::optional<std::string> MediaHub::prepare(const PartyAudio& audio) { return bridge_.prepare_audio(audio); }

void MediaHub::play(const std::string& uniqueid, const PartyAudio& audio) {
    if (auto refused = bridge_.set_party_audio(uniqueid, audio)) log_line("media: " + *refused);
}

Expected<std::string, HeardMissing> MediaHub::heard_wav(const std::string& uniqueid) {
    auto samples = bridge_.heard(uniqueid);
    if (!samples) return Unexpected(samples.error());
    return media_bridge::wav_file(*samples, media_bridge::heard_rate);
}

void MediaHub::deliver(media_bridge::MediaOutput out) {
    for (auto& sent : out.frames) {
        const auto it = connections_.find(sent.socket);
        if (it == connections_.end()) continue;
        if (auto connection = it->second.lock()) connection->send_audio(std::move(sent.bytes));
    }
    for (const auto& [socket, code] : out.closes) {
        const auto it = connections_.find(socket);
        if (it == connections_.end()) continue;
        if (auto connection = it->second.lock()) connection->close_after_flush(code);
    }
    for (auto& recorded : out.recordings) recordings_.append(std::move(recorded.uniqueid), std::move(recorded.bytes));
}

void MediaHub::read_calls() {
    bridge_.set_legs(engine_.media_legs());
    bridge_.set_recorded(engine_.recorded_calls());
    calls_read_at_ = engine_.inputs_taken();
}

void MediaHub::arm_timer() {
    if (stopping_) return;
    timer_->timer.expires_at(timer_->next);
    timer_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled: `this` may be gone
        on_timer();
    });
}

void MediaHub::on_timer() {
    const auto now = std::chrono::steady_clock::now();
    timer_->next += tick_period;
    try {
        if (now - timer_->next > max_lag) {
            ++timer_->stalls;
            if (bridge_.busy() && now >= timer_->next_stall_log) {
                const auto behind = std::chrono::duration_cast<std::chrono::milliseconds>(now - timer_->next);
                log_line("media: the event loop fell " + std::to_string(behind.count()) + " ms behind (" +
                         std::to_string(timer_->stalls) +
                         " time(s) since the last such line); generated audio restarts its timing");
                timer_->stalls = 0;
                timer_->next_stall_log = now + stall_log_interval;
            }
            timer_->next = now + tick_period;
            bridge_.ticks_missed();
        }
        if (++ticks_ % session_check_ticks == 0) close_ended_sessions();
        if (calls_read_at_ != engine_.inputs_taken()) read_calls();
        media_bridge::MediaOutput out;
        bridge_.tick(out);
        deliver(std::move(out));
    } catch (const std::exception& e) {
        log_line(std::string("media bridge bug in tick: ") + e.what());
    }
    arm_timer();
}

}  // namespace ucs::server::net
