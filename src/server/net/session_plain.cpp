// Plain HTTP and ws:// sessions (no --cert/--key).
#include "server/net/session_impl.hpp"

namespace ucs::server::net {

void start_plain_session(boost::asio::ip::tcp::socket socket, SessionContext& context) {
    std::string address = detail::peer_address(socket);
    std::make_shared<detail::HttpSession<detail::PlainStream>>(context, std::move(address), std::move(socket))->run();
}

}  // namespace ucs::server::net
