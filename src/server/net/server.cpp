#include "server/net/server.hpp"

#include "server/net/connection_limits.hpp"
#include "server/net/hub.hpp"
#include "server/media/speech.hpp"
#include "server/net/log.hpp"
#include "server/net/router.hpp"
#include "server/net/session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ucs::server::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

asio::ssl::context make_tls_context(const std::filesystem::path& cert_file, const std::filesystem::path& key_file) {
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
    try {
        tls.use_certificate_chain_file(cert_file.string());
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot load certificate " + cert_file.string() + ": " + e.code().message());
    }
    try {
        tls.use_private_key_file(key_file.string(), asio::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot load private key " + key_file.string() + ": " + e.code().message());
    }
    return tls;
}

// A connection ucsd will not serve (beyond the total or the per-address cap) gets a JSON answer written
// before anything is read; the request the client sends meanwhile is read and dropped until it closes
// (or 2 s pass), so closing does not reset the connection before the client has read the answer. On a
// TLS port the client would read these bytes as a broken handshake, so there it is only closed.
struct Refusal {
    std::string_view status;  // "503 Service Unavailable"
    std::string_view code;    // the JSON error code
    std::string message;
    int retry_after_seconds = 5;
};

void refuse(tcp::socket socket, const Refusal& why, bool plain) {
    if (!plain) return;  // the socket closes as it goes out of scope
    struct Closing {
        explicit Closing(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        tcp::socket socket;
        asio::steady_timer timer;
        std::string text;
        std::array<char, 1024> sink{};
        void drain(const std::shared_ptr<Closing>& self) {
            socket.async_read_some(asio::buffer(sink), [self](const boost::system::error_code& ec, std::size_t) {
                if (ec) {
                    self->timer.cancel();  // the client closed (or the socket failed): close now
                    return;
                }
                self->drain(self);
            });
        }
    };
    boost::json::object error{{"code", why.code}, {"message", why.message}};
    const std::string body = boost::json::serialize(boost::json::object{{"error", std::move(error)}});
    auto closing = std::make_shared<Closing>(std::move(socket));
    closing->text = "HTTP/1.1 " + std::string(why.status) +
                    "\r\nServer: ucsd\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n"
                    "Retry-After: " + std::to_string(why.retry_after_seconds) +
                    "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    asio::async_write(closing->socket, asio::buffer(closing->text), [closing](const boost::system::error_code& ec, std::size_t) {
        if (ec) return;
        boost::system::error_code ignored;
        closing->socket.shutdown(tcp::socket::shutdown_send, ignored);
        closing->timer.expires_after(std::chrono::seconds(2));
        closing->timer.async_wait([closing](const boost::system::error_code&) {
            boost::system::error_code ignored_close;
            closing->socket.close(ignored_close);
        });
        closing->drain(closing);
    });
}

}  // namespace

std::size_t raise_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY) return std::size_t{1} << 20;
    return static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t connection_capacity(std::size_t file_limit) {
    // stdio, SQLite's database, journal and WAL files, epoll, eventfd, timerfd, the listening
    // socket(s), a static file being read, and room for refusals beyond the limit.
    constexpr std::size_t reserved = 64;
    return file_limit > 2 * reserved ? file_limit - reserved : file_limit / 2;
}

struct Server::Impl {
    Impl(const ServerConfig& config, Engine& engine, RestApi& api)
        : hub(io, engine, api),
          media(io, engine, media_bridge::espeak_renderer(), config.recordings_dir, config.heard_budget_bytes),
          router(RouterConfig{config.dist_dir, config.crm_dir, config.console_dir}, hub),
          context{hub, media, router, config.allowed_origins},
          api_(api),
          limits(config.max_connections_per_address, config.max_connections) {
        api_.set_sandbox_audio(&media);
        api_.set_recording_files(&media.recordings());
        if (config.cert_file && config.key_file) tls.emplace(make_tls_context(*config.cert_file, *config.key_file));
        listen(config.host, config.port);
    }

    ~Impl() {
        api_.set_sandbox_audio(nullptr);
        api_.set_recording_files(nullptr);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    void listen(const std::string& host, std::uint16_t port) {
        const std::string where = host + ":" + std::to_string(port);
        try {
            tcp::resolver resolver(io);
            const tcp::endpoint endpoint =
                resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service)
                    .begin()
                    ->endpoint();
            acceptor.open(endpoint.protocol());
            // A restarted ucsd can bind while the old one's connections sit in TIME_WAIT.
            acceptor.set_option(asio::socket_base::reuse_address(true));
            acceptor.bind(endpoint);
            acceptor.listen(asio::socket_base::max_listen_connections);
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("cannot listen on " + where + ": " + e.code().message());
        }
    }

    void accept() {
        acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            if (ec) {
                // Out of file descriptors and the like: back off instead of spinning on the error.
                log_line("accept: " + ec.message());
                retry.expires_after(std::chrono::milliseconds(100));
                retry.async_wait([this](const boost::system::error_code& wait_ec) {
                    if (!wait_ec) accept();
                });
                return;
            }
            std::string address = peer_address(socket);
            std::optional<ConnectionSlot> slot = limits.acquire(address);
            if (!slot && limits.full()) {
                if (!warned_full)
                    log_line("full: " + std::to_string(limits.max_total()) + " connections open, refusing new ones with 503");
                warned_full = true;
                refuse(std::move(socket),
                       {"503 Service Unavailable", "SERVER_FULL", "ucsd holds as many connections as it can; try again later", 5},
                       !tls);
                return accept();
            }
            warned_full = false;
            if (!slot) {
                log_line("refused a connection from " + address + ": " + std::to_string(limits.max_per_address()) +
                         " open already");
                refuse(std::move(socket),
                       {"429 Too Many Requests", "TOO_MANY_CONNECTIONS",
                        "at most " + std::to_string(limits.max_per_address()) + " open connections from one address", 10},
                       !tls);
                return accept();
            }
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);  // small JSON frames: latency matters
            if (tls)
                start_tls_session(std::move(socket), std::move(address), std::move(*slot), *tls, context);
            else
                start_plain_session(std::move(socket), std::move(address), std::move(*slot), context);
            accept();
        });
    }

    void wait_for_signal() {
        signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
            if (ec) return;
            if (stopping) {
                log_line("second signal, stopping now");
                io.stop();
                return;
            }
            stopping = true;
            log_line(std::string("stopping (") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ")");
            boost::system::error_code ignored;
            acceptor.close(ignored);
            retry.cancel();
            hub.shutdown();
            media.shutdown();
            // Give WebSocket closing handshakes a moment; idle keep-alive HTTP connections would
            // otherwise hold the loop for their full timeout.
            grace.expires_after(std::chrono::seconds(1));
            grace.async_wait([this](const boost::system::error_code&) { io.stop(); });
            wait_for_signal();
        });
    }

    // Declared first, destroyed last: every I/O object below belongs to it.
    asio::io_context io{1};
    Hub hub;
    MediaHub media;
    Router router;
    SessionContext context;
    RestApi& api_;
    ConnectionLimits limits;
    std::optional<asio::ssl::context> tls;
    tcp::acceptor acceptor{io};
    asio::steady_timer retry{io};
    asio::steady_timer grace{io};
    asio::signal_set signals{io, SIGINT, SIGTERM};
    bool warned_full = false;  // logged once per spell of being full
    bool stopping = false;
};

Server::Server(const ServerConfig& config, Engine& engine, RestApi& api)
    : impl_(std::make_unique<Impl>(config, engine, api)) {}

Server::~Server() = default;

std::uint16_t Server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

std::size_t Server::open_connections() const {
    return impl_->limits.open_total();
}

bool Server::secure() const {
    return impl_->tls.has_value();
}

void Server::store_durable(StoreTicket ticket) {
    asio::post(impl_->io, [impl = impl_.get(), ticket] { impl->hub.durable(ticket); });
}

void Server::run() {
    impl_->accept();
    impl_->wait_for_signal();
    impl_->io.run();
}

}  // namespace ucs::server::net
