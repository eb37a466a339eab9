#pragma once
// Starting a connection's session: HTTP first, upgraded to WebSocket on the WebSocket path. The
// plain and TLS variants are compiled in separate translation units (session_plain.cpp,
// session_tls.cpp) because each instantiates all of Beast's HTTP and WebSocket machinery.

#include "server/net/connection_limits.hpp"
#include "server/net/hub.hpp"
#include "server/net/media_hub.hpp"
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
    MediaHub& media;
    Router& router;
    std::vector<std::string> allowed_origins;  // empty: any
};

// `address` is the peer's (peer_address); `slot` is its place under the per-address cap, held for the
// connection's life.
void start_plain_session(boost::asio::ip::tcp::socket socket, std::string address, ConnectionSlot slot,
                         SessionContext& context);
void start_tls_session(boost::asio::ip::tcp::socket socket, std::string address, ConnectionSlot slot,
                       boost::asio::ssl::context& tls, SessionContext& context);

// The peer's address as the engine wants it: IPv4 in dotted form even on a dual-stack socket.
std::string peer_address(const boost::asio::ip::tcp::socket& socket);

}  // namespace ucs::server::net
