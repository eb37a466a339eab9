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

// ---- WebSocket: what the agents' and the media sockets share -------------------------------------

// What a WebSocket runs on: a plain connection leaves Beast's tcp_stream behind at the upgrade (its
// per-connection timers and state cost ~0.9 KB, and the WebSocket stream keeps timeouts of its own);
// a TLS one keeps its stream.
template <class Stream>
struct WebSocketLayer {
    using type = Stream;
    static Stream take(Stream& stream) { return std::move(stream); }
};
template <>
struct WebSocketLayer<PlainStream> {
    using type = asio::ip::tcp::socket;
    static type take(PlainStream& stream) { return stream.release_socket(); }
};

// Without permessage-deflate (never negotiated: the frames are small JSON and audio).
template <class Stream>
using WebSocketStream = websocket::stream<typename WebSocketLayer<Stream>::type, false>;

// Beast's async_read asks its buffer for min(1536, max_size() - size()) bytes before the first byte
// of a message has arrived, so each idle connection would hold 1.5 KB that only a message uses.
// This buffer says it can grow by what it already holds (at least idle_read_bytes) at a time:
// an idle connection holds idle_read_bytes, a larger message takes a few reads more (Beast copies
// them from its own read buffer). The size limit stays read_message_max's.
class IdleLightBuffer {
public:
    static constexpr std::size_t idle_read_bytes = 128;
    using const_buffers_type = beast::flat_buffer::const_buffers_type;
    using mutable_buffers_type = beast::flat_buffer::mutable_buffers_type;

    [[nodiscard]] std::size_t size() const { return inner_.size(); }
    [[nodiscard]] std::size_t max_size() const {
        const std::size_t step = std::max(idle_read_bytes, inner_.size());
        return std::min(inner_.max_size(), inner_.size() + step);
    }
    [[nodiscard]] std::size_t capacity() const { return inner_.capacity(); }
    [[nodiscard]] const_buffers_type data() const { return inner_.data(); }
    mutable_buffers_type prepare(std::size_t n) { return inner_.prepare(n); }
    void commit(std::size_t n) { inner_.commit(n); }
    void consume(std::size_t n) { inner_.consume(n); }
    void shrink_to_fit() { inner_.shrink_to_fit(); }

private:
    beast::flat_buffer inner_;
};

// The part of a WebSocket session that does not depend on what it carries: the handshake, reading
// one message at a time, a queue of outgoing messages written one at a time, closing after the queue
// is written, and aborting. Derived (CRTP) supplies:
//   static constexpr std::string_view tag;                  // "ws", "media": log lines
//   static constexpr std::uint16_t abort_code;               // the close code an abort records
//   void opened();                                           // accepted: register with its hub
//   void received(std::string_view text or binary bytes);    // via on_message(), below
//   void on_message();                                       // one whole message is in buffer_
//   void write_front();                                      // start writing queue_.front()
//   void written(const Message&);                            // the front message left: accounting
//   void trimmed();                                          // abort dropped all but the front
//   void ended();                                            // the connection is gone: tell its hub
template <class Derived, class Stream, class Message>
class WebSocketBase : public std::enable_shared_from_this<Derived> {
public:
    WebSocketBase(Stream&& stream, SessionContext& context, ConnectionSlot slot)
        : ws_(WebSocketLayer<Stream>::take(stream)), context_(context), slot_(std::move(slot)) {}

protected:
    // Handshake with `request` and the timeouts given; the engine adds its own heartbeat.
    void accept(http::request<http::string_body> request, std::size_t max_message,
                websocket::stream_base::timeout timeouts) {
        ws_.set_option(timeouts);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& response) { response.set(http::field::server, "ucsd"); }));
        // Beast fails a larger message with message_too_big and closes with 1009 by itself.
        ws_.read_message_max(max_message);
        ws_.async_accept(request, beast::bind_front_handler(&WebSocketBase::on_accept, self()));
    }

    // Closes with `code` once the queue is written.
    void close_when_written(std::uint16_t code) {
        if (close_code_) return;
        close_code_ = code;
        if (queue_.empty()) do_close();  // otherwise on_write closes after the last message
    }

    // Appends to the queue and starts writing if nothing is being written.
    void enqueue(Message message) {
        queue_.push_back(std::move(message));
        if (queue_.size() == 1) derived().write_front();
    }

    template <class Buffers>
    void write(const Buffers& buffers) {
        ws_.async_write(buffers, beast::bind_front_handler(&WebSocketBase::on_write, self()));
    }

    // Drop the connection without a closing handshake; the pending read fails and ends the session.
    void abort() {
        if (aborted_) return;
        aborted_ = true;
        close_code_ = close_code_.value_or(Derived::abort_code);
        // The front message may be under an async_write until its handler runs: keep it alive.
        if (queue_.size() > 1) queue_.erase(std::next(queue_.begin()), queue_.end());
        derived().trimmed();
        beast::get_lowest_layer(ws_).close();
    }

    [[nodiscard]] std::string name() const { return std::string(Derived::tag) + "#" + std::to_string(id_); }

    WebSocketStream<Stream> ws_;
    SessionContext& context_;
    ConnectionSlot slot_;  // this connection's place under the per-address cap
    IdleLightBuffer buffer_;
    // Front: being written. A list, not a deque: an idle connection's empty queue then costs no heap.
    std::list<Message> queue_;
    std::uint64_t id_ = 0;
    std::optional<std::uint16_t> close_code_;
    bool aborted_ = false;  // socket closed under us: no more writes or closes

private:
    Derived& derived() { return static_cast<Derived&>(*this); }
    std::shared_ptr<Derived> self() { return this->shared_from_this(); }

    void on_accept(beast::error_code ec) {
        if (ec) return fail(ec, std::string(Derived::tag) + " accept");
        derived().opened();
        open_ = true;
        do_read();
    }

    void do_read() { ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketBase::on_read, self())); }

    void on_read(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) {
            if (ec == websocket::error::message_too_big)
                log_line(name() + ": message over " + std::to_string(ws_.read_message_max()) +
                         " bytes, closed with 1009");
            else
                fail(ec, name() + " read");
            return end();
        }
        // Once the hub has closed this connection, what the client sends meanwhile is dropped.
        if (!close_code_) derived().on_message();
        buffer_.consume(buffer_.size());
        buffer_.shrink_to_fit();  // an idle connection holds no read buffer between messages
        do_read();
    }

    void on_write(beast::error_code ec, std::size_t /*bytes*/) {
        if (aborted_) return;
        if (ec) {
            fail(ec, name() + " write");
            return abort();
        }
        derived().written(queue_.front());
        queue_.pop_front();
        if (!queue_.empty()) return derived().write_front();
        if (close_code_) do_close();
    }

    void do_close() {
        if (closing_ || aborted_) return;
        closing_ = true;
        ws_.async_close(websocket::close_reason(*close_code_),
                        beast::bind_front_handler(&WebSocketBase::on_close, self()));
    }

    void on_close(beast::error_code ec) {
        // The pending read completes with `closed` once the peer answers, and ends the session.
        if (ec && !aborted_) {
            fail(ec, name() + " close");
            abort();
        }
    }

    void end() {
        if (!open_) return;
        open_ = false;
        derived().ended();
    }

    bool open_ = false;     // known to the hub
    bool closing_ = false;  // async_close started
};

// ---- the agents' WebSocket -----------------------------------------------------------------------

template <class Stream>
class WebSocketSession : public Connection, public WebSocketBase<WebSocketSession<Stream>, Stream, Frame> {
    using Base = WebSocketBase<WebSocketSession<Stream>, Stream, Frame>;
    friend Base;

public:
    static constexpr std::string_view tag = "ws";
    static constexpr std::uint16_t abort_code = 1011;

    WebSocketSession(Stream&& stream, SessionContext& context, std::string address, ConnectionSlot slot)
        : Base(std::move(stream), context, std::move(slot)), address_(std::move(address)) {}

    void run(http::request<http::string_body> request) {
        // No idle timeout: the engine's heartbeat closes a silent connection long before Beast's
        // 300 s would, and Beast's idle timer would be re-armed on every message read. The
        // handshake and closing timeouts stay.
        auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeouts.idle_timeout = websocket::stream_base::none();
        this->ws_.text(true);
        this->accept(std::move(request), max_message_bytes, timeouts);
    }

    void send(Frame frame) override {
        if (this->close_code_) return;  // closing: the engine has said its last word to this connection
        queued_bytes_ += frame.size();
        this->queue_.push_back(std::move(frame));
        if (queued_bytes_ > max_queued_bytes) {
            log_line(this->name() + ": client does not read, dropped");
            this->abort();
            return;
        }
        // Are we already writing?
        if (this->queue_.size() == 1) write_front();
    }

    void close_after_flush(std::uint16_t code) override { this->close_when_written(code); }

private:
    void opened() { this->id_ = this->context_.hub.open(this->weak_from_this(), address_); }

    void on_message() {
        if (this->ws_.got_binary()) {
            // Binary frames are reserved for audio; until then they get an error and the
            // connection carries on.
            send(Frame(protocol::error_frame(nullptr, protocol::ErrorCode::invalid_request,
                                             "binary frames are reserved for audio and not accepted yet")));
            return;
        }
        const auto data = this->buffer_.data();
        this->context_.hub.receive(this->id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
    }

    void write_front() {
        // One message from two buffers: the bytes shared with other sessions, then this one's tail.
        const Frame& frame = this->queue_.front();
        this->write(std::array<asio::const_buffer, 2>{asio::buffer(*frame.shared), asio::buffer(frame.tail)});
    }

    void written(const Frame& frame) { queued_bytes_ -= frame.size(); }
    void trimmed() { queued_bytes_ = this->queue_.empty() ? 0 : this->queue_.front().size(); }
    void ended() { this->context_.hub.closed(this->id_); }

    std::string address_;
    std::size_t queued_bytes_ = 0;
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

struct MediaOut {
    std::vector<std::uint8_t> bytes;
    bool text = false;
};

template <class Stream>
class MediaSession : public MediaConnection, public WebSocketBase<MediaSession<Stream>, Stream, MediaOut> {
    using Base = WebSocketBase<MediaSession<Stream>, Stream, MediaOut>;
    friend Base;

public:
    static constexpr std::string_view tag = "media";
    static constexpr std::uint16_t abort_code = 1008;

    MediaSession(Stream&& stream, SessionContext& context, ConnectionSlot slot)
        : Base(std::move(stream), context, std::move(slot)) {}

    void run(http::request<http::string_body> request) {
        this->accept(std::move(request), max_media_message_bytes,
                     websocket::stream_base::timeout::suggested(beast::role_type::server));
    }

    void send_text(std::string text) override {
        push(MediaOut{std::vector<std::uint8_t>(text.begin(), text.end()), true});
    }

    void send_audio(std::vector<std::uint8_t> frame) override {
        if (!push(MediaOut{std::move(frame), false}) || this->queue_.size() < 2) return;
        // Back-pressure: drop the oldest queued audio frame that is not being written.
        auto& queue = this->queue_;
        std::size_t audio = 0;
        for (auto it = std::next(queue.begin()); it != queue.end(); ++it) audio += it->text ? 0 : 1;
        for (auto it = std::next(queue.begin()); audio > max_queued_audio_frames && it != queue.end();) {
            if (it->text) {
                ++it;
                continue;
            }
            it = queue.erase(it);
            --audio;
            ++dropped_;
        }
    }

    void close_after_flush(std::uint16_t code) override { this->close_when_written(code); }

private:
    // Queues a message; false when it was not queued (closing, or the client was cut off).
    bool push(MediaOut out) {
        if (this->close_code_ || this->aborted_) return false;
        if (out.text) {
            queued_text_bytes_ += out.bytes.size();
            if (queued_text_bytes_ > max_queued_media_text_bytes) {
                log_line(this->name() + ": client does not read its answers, dropped");
                this->abort();
                return false;
            }
        }
        this->enqueue(std::move(out));
        return true;
    }

    void opened() { this->id_ = this->context_.media.open(this->weak_from_this()); }

    void on_message() {
        const auto data = this->buffer_.data();
        if (this->ws_.got_binary()) {
            this->context_.media.receive_binary(this->id_,
                                                std::span(static_cast<const std::uint8_t*>(data.data()), data.size()));
        } else {
            this->context_.media.receive_text(this->id_,
                                              std::string_view(static_cast<const char*>(data.data()), data.size()));
        }
    }

    void write_front() {
        const MediaOut& out = this->queue_.front();
        this->ws_.text(out.text);
        this->write(asio::buffer(out.bytes));
    }

    void written(const MediaOut& out) {
        if (out.text) queued_text_bytes_ -= out.bytes.size();
    }
    void trimmed() {}
    void ended() {
        if (dropped_ > 0)
            log_line(this->name() + ": " + std::to_string(dropped_) + " late audio frames dropped");
        this->context_.media.closed(this->id_);
    }

    std::size_t queued_text_bytes_ = 0;
    std::uint64_t dropped_ = 0;
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
        WebResponse response = context_.router.handle(web);
        if (response.durable_after == 0) return reply(response, request.version(), request.keep_alive());
        // Told 200, the client may count on its change surviving a crash: wait for the store. Nothing
        // else is read from this connection meanwhile, so its responses keep their order.
        context_.hub.when_durable(response.durable_after, [self = this->shared_from_this(), response = std::move(response),
                                                           version = request.version(), keep_alive = request.keep_alive()] {
            self->reply(response, version, keep_alive);
        });
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
