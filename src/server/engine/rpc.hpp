#pragma once
// One JSON-RPC request as the engine's handlers see it: the context it came in, its result or error.

#include "core/json.hpp"
#include "core/protocol.hpp"
#include "server/engine/session.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <utility>

namespace ucs::server {

// A JSON-RPC failure of one request.
struct RpcError {
    protocol::ErrorCode code;
    std::string message;
    boost::json::object data = {};
};
using RpcResult = Expected<boost::json::value, RpcError>;

// Where a request came from: its connection, its session (null during the handshake) and the
// session's user (0 before a login).
struct RpcContext {
    Connection& connection;
    Session* session = nullptr;
    int user_id = 0;
};

// An RpcError for bad params, from the JSON codec's ParseError.
RpcError invalid_params(const ParseError& error);

// Reads a request's params into a described struct; a bad field becomes INVALID_PARAMS naming it.
template <class T>
Expected<T, RpcError> read_params(const boost::json::object& params) {
    auto parsed = from_json<T>(boost::json::value(params));
    if (!parsed) return Unexpected(invalid_params(parsed.error()));
    return std::move(parsed).value();
}

inline Unexpected<RpcError> rpc_fail(protocol::ErrorCode code, std::string message, boost::json::object data = {}) {
    return Unexpected(RpcError{code, std::move(message), std::move(data)});
}

// INVALID_PARAMS naming `field` ("params.number").
inline Unexpected<RpcError> bad_param(const std::string& field, const std::string& problem) {
    return rpc_fail(protocol::ErrorCode::invalid_params, field + ": " + problem, {{"field", field}});
}

}  // namespace ucs::server
