#pragma once
// The engine's method table: one row per JSON-RPC method, naming its params type (decoded once,
// before the handler runs) and its handler. Which states allow a method and whether it needs a
// paired phone are not here: they are the rulebook's (core/rules/methods.hpp), which the bar reads too.

#include "server/engine/engine.hpp"
#include "server/engine/rpc.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace ucs::server {

enum class Gate : std::uint8_t {
    handshake,  // hello, session.resume: only as a connection's first request
    rulebook,   // the rest: in a session, in the states and with the phone the rulebook requires
};

struct DispatchRow {
    std::string_view method;
    Gate gate;
    // Decodes the params into the row's params type (INVALID_PARAMS naming a bad field) and calls
    // the row's handler with them.
    RpcResult (*run)(Engine::Impl& engine, RpcContext& request, const boost::json::object& params);
};

std::span<const DispatchRow> dispatch_rows();
const DispatchRow* find_dispatch_row(std::string_view method);

}  // namespace ucs::server
