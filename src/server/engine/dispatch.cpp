// JSON-RPC dispatch by table: the gates every request passes (handshake first, then the rulebook's
// states and phone), then the row's params type is decoded once and its named handler runs.
#include "server/engine/dispatch.hpp"

#include "core/rules/methods.hpp"
#include "server/engine/engine_impl.hpp"

#include <algorithm>
#include <array>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

template <class Params, RpcResult (Engine::Impl::*handler)(RpcContext&, const Params&)>
RpcResult decode_then_handle(Engine::Impl& engine, RpcContext& request, const json::object& params) {
    auto decoded = read_params<Params>(params);
    if (!decoded) return Unexpected(decoded.error());
    return (engine.*handler)(request, *decoded);
}

template <class Params, RpcResult (Engine::Impl::*handler)(RpcContext&, const Params&)>
constexpr DispatchRow row(std::string_view method, Gate gate = Gate::rulebook) {
    return DispatchRow{method, gate, &decode_then_handle<Params, handler>};
}

using Impl = Engine::Impl;
namespace m = protocol::method;

constexpr std::array rows{
    row<HelloParams, &Impl::hello>(m::hello, Gate::handshake),
    row<ResumeParams, &Impl::resume_session>(m::resume_session, Gate::handshake),
    row<PingParams, &Impl::ping>(m::ping),
    row<LoginParams, &Impl::login_start>(m::login),
    row<LoginProofParams, &Impl::login_proof>(m::login_proof),
    row<RememberParams, &Impl::login_remember>(m::login_remember),
    row<SsoParams, &Impl::login_sso>(m::sso),
    row<NoParams, &Impl::logout>(m::logout),
    row<NoParams, &Impl::list_devices>(m::devices),
    row<NoParams, &Impl::pair_by_address>(m::identify_ip),
    row<IdentifierParams, &Impl::pair_by_identifier>(m::identifier),
    row<ProvisionParams, &Impl::provision>(m::provision),
    row<NoParams, &Impl::unpair>(m::identify),
    row<ChangeStatusParams, &Impl::change_status>(m::change_status),
    row<QueueParams, &Impl::suspend_queue>(m::suspend),
    row<QueueParams, &Impl::resume_queue>(m::resume),
    row<NoParams, &Impl::answer>(m::answer),
    row<DialParams, &Impl::dial>(m::dial),
    row<NoParams, &Impl::hangup>(m::hangup),
    row<NoParams, &Impl::hold>(m::hold),
    row<NoParams, &Impl::unhold>(m::unhold),
    row<NoParams, &Impl::mute>(m::mute),
    row<TransferParams, &Impl::transfer>(m::transfer),
    row<NoParams, &Impl::finish_transfer>(m::finish_transfer),
    row<BlindTransferParams, &Impl::blind_transfer>(m::blind_transfer),
    row<AccountCodeParams, &Impl::set_account_code>(m::set_account_code),
    row<HistoryParams, &Impl::call_history>(m::history),
    row<RecordingUrlParams, &Impl::recording_url>(m::recording_url),
    row<NoParams, &Impl::ready_snapshot>(m::state),
    row<RingingSoundParams, &Impl::select_ringing_sound>(m::select_ringing_sound),
};

}  // namespace

std::span<const DispatchRow> dispatch_rows() { return rows; }

const DispatchRow* find_dispatch_row(std::string_view method) {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const DispatchRow& r) { return r.method == method; });
    return it == rows.end() ? nullptr : &*it;
}

RpcResult Engine::Impl::dispatch(Connection& connection, std::string_view method, const json::object& params) {
    const DispatchRow* handler = find_dispatch_row(method);
    // Before a session exists only the handshake is understood.
    if (handler != nullptr && handler->gate == Gate::handshake) {
        if (connection.session) return rpc_fail(ErrorCode::invalid_state, std::string(method) + " is only valid as the first request");
        RpcContext request{connection};
        return handler->run(*this, request, params);
    }
    if (!connection.session) return rpc_fail(ErrorCode::invalid_state, "send hello (or session.resume) first");
    Session& session = sessions.at(*connection.session);

    const MethodRule* rule = find_wire_method(method);
    if (handler == nullptr || rule == nullptr) return rpc_fail(ErrorCode::method_not_found, "unknown method \"" + std::string(method) + "\"");
    if (!rule->states.contains(session.state)) {
        const std::string state(to_string(session.state));
        return rpc_fail(ErrorCode::invalid_state, std::string(method) + " is not allowed in state " + state, {{"state", state}});
    }
    const int user_id = session.user_id.value_or(0);
    if (rule->needs_device && !agent(user_id).device_id) {
        return rpc_fail(ErrorCode::no_device, std::string(method) + " needs a paired phone");
    }
    RpcContext request{connection, &session, user_id};
    return handler->run(*this, request, params);
}

}  // namespace ucs::server
