// Plain HTTP and ws:// sessions (no --cert/--key).
#include "server/net/session_impl.hpp"

namespace ucs::server::net {

std::string peer_address(const boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return {};
    const auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

void start_plain_session(boost::asio::ip::tcp::socket socket, std::string address, ConnectionSlot slot,
                         SessionContext& context) {
    std::make_shared<detail::HttpSession<detail::PlainStream>>(context, std::move(address), std::move(slot),
                                                                std::move(socket))
        ->run();
}

}  // namespace ucs::server::net
