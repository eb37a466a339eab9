// https and wss:// sessions (--cert and --key given: the port speaks TLS only).
#include "server/net/session_impl.hpp"

#include <boost/asio/ssl/context.hpp>

namespace ucs::server::net {

void start_tls_session(boost::asio::ip::tcp::socket socket, std::string address, ConnectionSlot slot,
                       boost::asio::ssl::context& tls, SessionContext& context) {
    std::make_shared<detail::HttpSession<detail::TlsStream>>(context, std::move(address), std::move(slot),
                                                              std::move(socket), tls)
        ->run();
}

}  // namespace ucs::server::net
