#pragma once
// Starting a connection's session: HTTP first, upgraded to WebSocket on the WebSocket path. The
// plain and TLS variants are compiled in separate translation units (session_plain.cpp,
// session_tls.cpp) because each instantiates all of Beast's HTTP and WebSocket machinery.

#include "server/net/hub.hpp"
#include "server/net/router.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string>
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
};

void start_plain_session(boost::asio::ip::tcp::socket socket, SessionContext& context);
void start_tls_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, SessionContext& context);

}  // namespace ucs::server::net
