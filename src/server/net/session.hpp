#pragma once
// Starting a connection's session: HTTP first, upgraded to WebSocket on the WebSocket path. The
// plain and TLS variants are compiled in separate translation units (session_plain.cpp,
// session_tls.cpp) because each instantiates all of Beast's HTTP and WebSocket machinery.

#include "server/net/hub.hpp"
#include "server/net/router.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace ucs::server::net {

// What every session of one server shares. Lives as long as the server.
struct SessionContext {
    Hub& hub;
    Router& router;
    std::vector<std::string> allowed_origins;  // empty: any
    // Open connections; shared, since sessions the io_context still holds may outlive the server.
    std::shared_ptr<std::size_t> open_connections = std::make_shared<std::size_t>(0);
};

// Counts one connection as open for as long as it lives (the HTTP session hands it on to the
// WebSocket session it upgrades to).
class ConnectionSlot {
public:
    explicit ConnectionSlot(std::shared_ptr<std::size_t> open) : open_(std::move(open)) { ++*open_; }
    ConnectionSlot(ConnectionSlot&& other) noexcept : open_(std::move(other.open_)) {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() {
        if (open_) --*open_;
    }

private:
    std::shared_ptr<std::size_t> open_;
};

void start_plain_session(boost::asio::ip::tcp::socket socket, SessionContext& context);
void start_tls_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, SessionContext& context);

}  // namespace ucs::server::net
