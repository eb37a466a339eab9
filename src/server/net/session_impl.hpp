#pragma once
// The HTTP and WebSocket sessions, for a plain (beast::tcp_stream) or a TLS
// (beast::ssl_stream<beast::tcp_stream>) stream. Only session_plain.cpp and session_tls.cpp include
// this. Shaped after Beast's advanced_server and chat-multi examples: sessions do I/O only and hand
// everything else to the Router (HTTP) or the Hub (WebSocket frames).

#include "core/protocol.hpp"
#include "server/net/log.hpp"
#include "server/net/session.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <vector>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ucs::server::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
inline constexpr bool is_tls = std::is_same_v<Stream, TlsStream>;

// Request bodies (REST JSON) and WebSocket messages above this are refused. The engine itself
// answers FRAME_TOO_LARGE for frames over 64 KiB; this limit is what the socket layer buffers.
inline constexpr std::size_t max_body_bytes = 1U << 20;
inline constexpr std::size_t max_message_bytes = 1U << 20;
inline constexpr std::uint32_t max_header_bytes = 16U << 10;
// A client that stops reading while events pile up for it is dropped rather than held in memory.
inline constexpr std::size_t max_queued_bytes = 16U << 20;
inline constexpr auto http_timeout = std::chrono::seconds(30);

// Logs a failed operation, except the ones that are just a connection ending normally.
inline void fail(const beast::error_code& ec, std::string_view what) {
    if (ec == asio::error::operation_aborted || ec == websocket::error::closed || ec == http::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
        return;
    log_line(std::string(what) + ": " + ec.message());
}

inline bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

// Browsers always send Origin on a WebSocket handshake, so the list protects agents' browsers
// from other sites' pages. A client without Origin is not a browser and could send any Origin it
// liked, so refusing it would protect nothing.
inline bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) {
    if (allowed.empty() || origin.empty()) return true;
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) { return iequals(a, origin); });
}

// ---- WebSocket ---------------------------------------------------------------------------------

template <class Stream>
class WebSocketSession : public Connection, public std::enable_shared_from_this<WebSocketSession<Stream>> {
public:
    WebSocketSession(Stream&& stream, SessionContext& context, std::string address, ConnectionSlot slot)
        : ws_(std::move(stream)), context_(context), address_(std::move(address)), slot_(std::move(slot)) {}

    void run(http::request<http::string_body> request) {
        // Handshake and idle timeouts with keep-alive pings; the engine adds its own heartbeat.
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& response) { response.set(http::field::server, "ucsd"); }));
        // Beast fails a larger message with message_too_big and closes with 1009 by itself.
        ws_.read_message_max(max_message_bytes);
        ws_.text(true);
        ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
    }

    void send(Frame frame) override {
        if (close_code_) return;  // closing: the engine has said its last word to this connection
        queued_bytes_ += frame.size();
        queue_.push_back(std::move(frame));
        if (queued_bytes_ > max_queued_bytes) {
            log_line("ws#" + std::to_string(id_) + ": client does not read, dropped");
            abort();
            return;
        }
        // Are we already writing?
        if (queue_.size() > 1) return;
        write_next();
    }

    void close_after_flush(std::uint16_t code) override {
        if (close_code_) return;
        close_code_ = code;
        if (queue_.empty()) do_close();  // otherwise on_write closes after the last frame
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return fail(ec, "ws accept");
        id_ = context_.hub.open(this->weak_from_this(), address_);
        open_ = true;
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) {
            if (ec == websocket::error::message_too_big)
                log_line("ws#" + std::to_string(id_) + ": message over " + std::to_string(max_message_bytes) +
                         " bytes, closed with 1009");
            else
                fail(ec, "ws#" + std::to_string(id_) + " read");
            return end();
        }
        if (close_code_) {
            // The engine has closed this connection; what the client sends meanwhile is dropped.
        } else if (ws_.got_binary()) {
            // Binary frames are reserved for audio; until then they get an error and the
            // connection carries on.
            send(Frame(protocol::error_frame(nullptr, protocol::ErrorCode::invalid_request,
                                             "binary frames are reserved for audio and not accepted yet")));
        } else {
            const auto data = buffer_.data();
            context_.hub.receive(id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
        }
        buffer_.consume(buffer_.size());
        buffer_.shrink_to_fit();  // an idle connection holds no read buffer between messages
        do_read();
    }

    void write_next() {
        // One message from two buffers: the bytes shared with other sessions, then this one's tail.
        const Frame& frame = queue_.front();
        const std::array<asio::const_buffer, 2> parts{asio::buffer(*frame.shared), asio::buffer(frame.tail)};
        ws_.async_write(parts, beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t /*bytes*/) {
        if (aborted_) return;
        if (ec) {
            fail(ec, "ws#" + std::to_string(id_) + " write");
            return abort();
        }
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        if (!queue_.empty()) return write_next();
        if (close_code_) do_close();
    }

    void do_close() {
        if (closing_ || aborted_) return;
        closing_ = true;
        ws_.async_close(websocket::close_reason(*close_code_),
                        beast::bind_front_handler(&WebSocketSession::on_close, this->shared_from_this()));
    }

    void on_close(beast::error_code ec) {
        // The pending read completes with `closed` once the peer answers, and ends the session.
        if (ec && !aborted_) {
            fail(ec, "ws#" + std::to_string(id_) + " close");
            abort();
        }
    }

    // Drop the connection without a closing handshake; the pending read fails and ends the session.
    void abort() {
        if (aborted_) return;
        aborted_ = true;
        close_code_ = close_code_.value_or(1011);
        // The front frame may be under an async_write until its handler runs: keep it alive.
        if (queue_.size() > 1) queue_.erase(std::next(queue_.begin()), queue_.end());
        queued_bytes_ = queue_.empty() ? 0 : queue_.front().size();
        beast::get_lowest_layer(ws_).close();
    }

    void end() {
        if (!open_) return;
        open_ = false;
        context_.hub.closed(id_);
    }

    websocket::stream<Stream> ws_;
    SessionContext& context_;
    std::string address_;
    ConnectionSlot slot_;  // this connection's place under the per-address cap
    beast::flat_buffer buffer_;
    // Front: being written. A list, not a deque: an idle connection's empty queue then costs no heap.
    std::list<Frame> queue_;
    std::size_t queued_bytes_ = 0;
    ConnectionId id_ = 0;
    bool open_ = false;  // known to the hub
    std::optional<std::uint16_t> close_code_;
    bool closing_ = false;  // async_close started
    bool aborted_ = false;  // socket closed under us: no more writes or closes
};

// ---- media WebSocket (docs/media.md) -----------------------------------------------------------

// Audio frames queued beyond the one being written: 100 ms of 20 ms frames. Beyond it the oldest
// queued audio is dropped (audio is worth nothing late); text frames are never dropped.
inline constexpr std::size_t max_queued_audio_frames = 5;
// A media socket takes the attach request and 20 ms Opus frames: nothing larger than this.
inline constexpr std::size_t max_media_message_bytes = 4096;
// Text queued to a media socket (attach answers, errors) beyond which the client is cut off: it sends
// faster than it reads, and nothing but audio (dropped above) may wait for a slow reader.
inline constexpr std::size_t max_queued_media_text_bytes = 64U << 10;

template <class Stream>
class MediaSession : public MediaConnection, public std::enable_shared_from_this<MediaSession<Stream>> {
public:
    MediaSession(Stream&& stream, SessionContext& context, ConnectionSlot slot)
        : ws_(std::move(stream)), context_(context), slot_(std::move(slot)) {}

    void run(http::request<http::string_body> request) {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& response) { response.set(http::field::server, "ucsd"); }));
        ws_.read_message_max(max_media_message_bytes);
        ws_.async_accept(request, beast::bind_front_handler(&MediaSession::on_accept, this->shared_from_this()));
    }

    void send_text(std::string text) override { push(Out{std::vector<std::uint8_t>(text.begin(), text.end()), true}); }

    void send_audio(std::vector<std::uint8_t> frame) override {
        if (!push(Out{std::move(frame), false}) || queue_.size() < 2) return;
        // Back-pressure: drop the oldest queued audio frame that is not being written.
        std::size_t audio = 0;
        for (auto it = std::next(queue_.begin()); it != queue_.end(); ++it) audio += it->text ? 0 : 1;
        for (auto it = std::next(queue_.begin()); audio > max_queued_audio_frames && it != queue_.end();) {
            if (it->text) {
                ++it;
                continue;
            }
            it = queue_.erase(it);
            --audio;
            ++dropped_;
        }
    }

    void close_after_flush(std::uint16_t code) override {
        if (close_code_) return;
        close_code_ = code;
        if (queue_.empty()) do_close();
    }

private:
    struct Out {
        std::vector<std::uint8_t> bytes;
        bool text = false;
    };

    // Queues a message; false when it was not queued (closing, or the client was cut off).
    bool push(Out out) {
        if (close_code_ || aborted_) return false;
        if (out.text) {
            queued_text_bytes_ += out.bytes.size();
            if (queued_text_bytes_ > max_queued_media_text_bytes) {
                log_line("media#" + std::to_string(id_) + ": client does not read its answers, dropped");
                abort();
                return false;
            }
        }
        queue_.push_back(std::move(out));
        // Are we already writing?
        if (queue_.size() == 1) write_next();
        return true;
    }

    // Drop the connection without a closing handshake; the pending read fails and ends the session.
    void abort() {
        aborted_ = true;
        close_code_ = close_code_.value_or(1008);
        // The front message may be under an async_write until its handler runs: keep it alive.
        if (queue_.size() > 1) queue_.erase(std::next(queue_.begin()), queue_.end());
        beast::get_lowest_layer(ws_).close();
    }

    void on_accept(beast::error_code ec) {
        if (ec) return fail(ec, "media accept");
        id_ = context_.media.open(this->weak_from_this());
        open_ = true;
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_, beast::bind_front_handler(&MediaSession::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) {
            fail(ec, "media#" + std::to_string(id_) + " read");
            return end();
        }
        if (!close_code_) {
            const auto data = buffer_.data();
            if (ws_.got_binary()) {
                context_.media.receive_binary(id_, std::span(static_cast<const std::uint8_t*>(data.data()), data.size()));
            } else {
                context_.media.receive_text(id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
            }
        }
        buffer_.consume(buffer_.size());
        do_read();
    }

    void write_next() {
        const Out& out = queue_.front();
        ws_.text(out.text);
        ws_.async_write(asio::buffer(out.bytes), beast::bind_front_handler(&MediaSession::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t /*bytes*/) {
        if (aborted_) return;
        if (ec) {
            fail(ec, "media#" + std::to_string(id_) + " write");
            return abort();
        }
        if (queue_.front().text) queued_text_bytes_ -= queue_.front().bytes.size();
        queue_.pop_front();
        if (!queue_.empty()) return write_next();
        if (close_code_) do_close();
    }

    void do_close() {
        if (closing_ || aborted_) return;
        closing_ = true;
        ws_.async_close(websocket::close_reason(*close_code_),
                        beast::bind_front_handler(&MediaSession::on_close, this->shared_from_this()));
    }

    void on_close(beast::error_code ec) {
        if (ec && !aborted_) {
            fail(ec, "media#" + std::to_string(id_) + " close");
            aborted_ = true;
            beast::get_lowest_layer(ws_).close();
        }
    }

    void end() {
        if (!open_) return;
        open_ = false;
        if (dropped_ > 0) log_line("media#" + std::to_string(id_) + ": " + std::to_string(dropped_) + " late audio frames dropped");
        context_.media.closed(id_);
    }

    websocket::stream<Stream> ws_;
    SessionContext& context_;
    ConnectionSlot slot_;
    beast::flat_buffer buffer_;
    std::list<Out> queue_;  // front: being written
    std::size_t queued_text_bytes_ = 0;
    std::uint64_t id_ = 0;
    std::uint64_t dropped_ = 0;
    bool open_ = false;
    std::optional<std::uint16_t> close_code_;
    bool closing_ = false;
    bool aborted_ = false;
};

// ---- HTTP --------------------------------------------------------------------------------------

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    template <class... StreamArgs>
    HttpSession(SessionContext& context, std::string address, ConnectionSlot slot, StreamArgs&&... stream_args)
        : stream_(std::forward<StreamArgs>(stream_args)...), context_(context), address_(std::move(address)),
          slot_(std::move(slot)) {}

    void run() {
        if constexpr (is_tls<Stream>) {
            beast::get_lowest_layer(stream_).expires_after(http_timeout);
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
        } else {
            do_read();
        }
    }

private:
    void on_handshake(beast::error_code ec) {
        if (ec) return fail(ec, "tls handshake");
        do_read();
    }

    void do_read() {
        // A new parser per request: its limits and state must not carry over between requests.
        parser_.emplace();
        parser_->body_limit(max_body_bytes);
        parser_->header_limit(max_header_bytes);
        beast::get_lowest_layer(stream_).expires_after(http_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec == http::error::end_of_stream) return do_close();
        if (ec == beast::error::timeout) return;  // an idle keep-alive connection: tcp_stream closed it
        if (ec) {
            // A malformed request gets an answer naming the problem; then the connection ends,
            // since the parser cannot know where the next request would start.
            if (ec == http::error::body_limit)
                return reply(Router::json_error(413, "PAYLOAD_TOO_LARGE", "request body over 1 MiB"), 11, false);
            if (ec == http::error::header_limit)
                return reply(Router::json_error(431, "HEADERS_TOO_LARGE", "request headers over 16 KiB"), 11, false);
            if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                ec != http::error::partial_message)
                return reply(Router::json_error(400, "BAD_REQUEST", "malformed HTTP request: " + ec.message()), 11,
                             false);
            return fail(ec, "http read");
        }

        http::request<http::string_body> request = parser_->release();
        const bool media = Router::is_media_path(request.target());
        if (websocket::is_upgrade(request) && (media || Router::is_websocket_path(request.target()))) {
            if (!origin_allowed(context_.allowed_origins, request[http::field::origin])) {
                log_line("ws: origin refused: " + std::string(request[http::field::origin]));
                return reply(Router::json_error(403, "ORIGIN_NOT_ALLOWED",
                                                "origin not allowed: " + std::string(request[http::field::origin])),
                             request.version(), false);
            }
            // The WebSocket stream keeps its own timeouts; the HTTP ones would cut it off.
            beast::get_lowest_layer(stream_).expires_never();
            if (media) {
                std::make_shared<MediaSession<Stream>>(std::move(stream_), context_, std::move(slot_))
                    ->run(std::move(request));
            } else {
                std::make_shared<WebSocketSession<Stream>>(std::move(stream_), context_, address_, std::move(slot_))
                    ->run(std::move(request));
            }
            return;
        }

        WebRequest web;
        web.method = std::string(request.method_string());
        web.target = std::string(request.target());
        web.body = std::move(request.body());
        web.authorization = std::string(request[http::field::authorization]);
        web.origin = std::string(request[http::field::origin]);
        web.accept_encoding = std::string(request[http::field::accept_encoding]);
        web.if_none_match = std::string(request[http::field::if_none_match]);
        web.range = std::string(request[http::field::range]);
        web.client_address = address_;
        reply(context_.router.handle(web), request.version(), request.keep_alive());
    }

    void reply(const WebResponse& web, unsigned version, bool keep_alive) {
        http::response<http::string_body> response{static_cast<http::status>(web.status), version};
        response.set(http::field::server, "ucsd");
        response.set("X-Content-Type-Options", "nosniff");
        for (const auto& [name, value] : web.headers) response.insert(name, value);
        if (web.head) {
            response.content_length(web.body ? web.body->size() : 0);
        } else {
            if (web.body) response.body() = *web.body;
            response.prepare_payload();
        }
        response.keep_alive(keep_alive);
        beast::async_write(stream_, http::message_generator(std::move(response)),
                           beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), keep_alive));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) return fail(ec, "http write");
        if (!keep_alive) return do_close();
        do_read();
    }

    void do_close() {
        if constexpr (is_tls<Stream>) {
            beast::get_lowest_layer(stream_).expires_after(http_timeout);
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code ec) {
                if (ec) fail(ec, "tls shutdown");
            });
        } else {
            beast::error_code ec;
            stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);  // the peer sees EOF
        }
    }

    Stream stream_;
    SessionContext& context_;
    std::string address_;
    ConnectionSlot slot_;  // passed on to the WebSocket session after an upgrade
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace ucs::server::net::detail
