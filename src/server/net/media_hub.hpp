#pragma once
// The media sockets' side of ucsd (docs/media.md): like the Hub for control sockets, the one place
// the media sockets meet the media bridge (src/server/media). It answers media.attach from the
// engine's sessions, hands binary frames to the bridge, and owns the 20 ms timer that paces generated
// audio: the bridge itself has no clock. It also serves the sandbox's audio to the REST API.

#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/media/bridge.hpp"
#include "server/net/recordings.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace ucs::server::net {

// A media WebSocket as the media hub sees it. No call re-enters the hub synchronously.
class MediaConnection {
public:
    MediaConnection() = default;
    MediaConnection(const MediaConnection&) = delete;
    MediaConnection& operator=(const MediaConnection&) = delete;
    MediaConnection(MediaConnection&&) = delete;
    MediaConnection& operator=(MediaConnection&&) = delete;
    virtual ~MediaConnection() = default;
    virtual void send_text(std::string text) = 0;
    // One audio frame; the connection drops the oldest queued audio beyond 100 ms.
    virtual void send_audio(std::vector<std::uint8_t> frame) = 0;
    virtual void close_after_flush(std::uint16_t code) = 0;
};

class MediaHub final : public SandboxAudio {
public:
    // `recordings_dir`: where recorded calls are written (empty: nowhere).
    MediaHub(boost::asio::io_context& io, Engine& engine, media_bridge::SpeechRenderer speech,
             std::filesystem::path recordings_dir = {},
             std::size_t heard_budget_bytes = media_bridge::default_heard_budget_bytes);
    ~MediaHub() override;
    MediaHub(const MediaHub&) = delete;
    MediaHub& operator=(const MediaHub&) = delete;
    MediaHub(MediaHub&&) = delete;
    MediaHub& operator=(MediaHub&&) = delete;

    media_bridge::MediaSocket open(std::weak_ptr<MediaConnection> connection);
    void receive_text(media_bridge::MediaSocket id, std::string_view text);
    void receive_binary(media_bridge::MediaSocket id, std::span<const std::uint8_t> frame);
    void closed(media_bridge::MediaSocket id);
    void shutdown();

    // SandboxAudio
    std::optional<std::string> prepare(const PartyAudio& audio) override;
    void play(const std::string& uniqueid, const PartyAudio& audio) override;
    Expected<std::string, HeardMissing> heard_wav(const std::string& uniqueid) override;

    RecordingFiles& recordings() { return recordings_; }

private:
    void deliver(media_bridge::MediaOutput out);
    void read_calls();
    void close_ended_sessions();
    void arm_timer();
    void on_timer();

    struct Timer;
    Engine& engine_;
    media_bridge::MediaBridge bridge_;
    Recordings recordings_;
    std::unique_ptr<Timer> timer_;
    std::map<media_bridge::MediaSocket, std::weak_ptr<MediaConnection>> connections_;
    struct Attached {
        std::string session;
        int user_id = 0;
    };
    std::map<media_bridge::MediaSocket, Attached> attached_;  // what each attached socket was attached with
    int ticks_ = 0;
    // engine_.inputs_taken() when the bridge last read the calls: a tick without an input since
    // reads nothing (it was every call, 50 times a second, however many were talking).
    std::optional<std::uint64_t> calls_read_at_;
    media_bridge::MediaSocket next_id_ = 1;
    bool stopping_ = false;
};

}  // namespace ucs::server::net
