#pragma once
// The wire protocol between operator.js and ucsd: JSON-RPC 2.0 over WebSocket text frames.
// docs/protocol.md is the prose version; this header is the one place the names and codes live.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ucs::protocol {

inline constexpr std::string_view version = "ucs-agent/1";

// Client -> server requests.
namespace method {
inline constexpr std::string_view hello = "hello";                    // {protocol, client} first frame
inline constexpr std::string_view resume_session = "session.resume";  // {session, last_seq} instead of hello
inline constexpr std::string_view ping = "ping";                      // heartbeat
inline constexpr std::string_view login = "login";                    // SCRAM client-first
inline constexpr std::string_view login_proof = "login.proof";        // SCRAM client-final
inline constexpr std::string_view login_remember = "login.remember";  // remember token from the cookie
inline constexpr std::string_view sso = "sso";
inline constexpr std::string_view logout = "logout";
inline constexpr std::string_view devices = "devices";        // listDevices
inline constexpr std::string_view identify_ip = "identifyIP";  // the device bound to the client address
inline constexpr std::string_view identifier = "identifier";   // pair by identifier (selectIdentifier)
inline constexpr std::string_view provision = "provision";
inline constexpr std::string_view identify = "identify";  // unpair, choose another phone
inline constexpr std::string_view change_status = "changeStatus";
inline constexpr std::string_view suspend = "suspend";
inline constexpr std::string_view resume = "resume";
inline constexpr std::string_view answer = "answer";
inline constexpr std::string_view dial = "dial";
inline constexpr std::string_view hangup = "hangup";
inline constexpr std::string_view transfer = "transfer";
inline constexpr std::string_view finish_transfer = "finishTransfer";
inline constexpr std::string_view blind_transfer = "blindTransfer";
inline constexpr std::string_view hold = "hold";  // the document's `tribute`
inline constexpr std::string_view unhold = "unhold";
inline constexpr std::string_view mute = "mute";
inline constexpr std::string_view set_account_code = "setAccountCode";
inline constexpr std::string_view history = "history";
// {uniqueid} -> {uniqueid, path, expires}: a short-lived URL path for GET /recordings/{uniqueid}
inline constexpr std::string_view recording_url = "recordingUrl";
inline constexpr std::string_view state = "state";
inline constexpr std::string_view select_ringing_sound = "selectRingingSound";  // {ringingSound}
}  // namespace method

// Server -> client notifications; every one carries params.seq.
namespace event {
inline constexpr std::string_view agent_state = "agent.state";  // {status, reason}
inline constexpr std::string_view user = "user";                // {user} statistics changed
inline constexpr std::string_view call_new = "call.new";
inline constexpr std::string_view call_ringing = "call.ringing";
inline constexpr std::string_view call_connect = "call.connect";
inline constexpr std::string_view call_hold = "call.hold";
inline constexpr std::string_view call_resume = "call.resume";
inline constexpr std::string_view call_mute = "call.mute";
inline constexpr std::string_view call_unmute = "call.unmute";
inline constexpr std::string_view call_hangup = "call.hangup";
inline constexpr std::string_view queue_suspend = "queue.suspend";  // {queueId}
inline constexpr std::string_view queue_resume = "queue.resume";    // {queueId}
inline constexpr std::string_view waiting_callers = "waitingCallers";  // {waitingCallers}
inline constexpr std::string_view message = "message";             // {message, type, group, data}
inline constexpr std::string_view logged_out = "session.loggedOut";  // {reason}
inline constexpr std::string_view ringing_sound = "ringingSound";   // {ringingSound}: chosen in another session
// {state, device}: another session of the agent moved this one (paired a phone, chose identify)
inline constexpr std::string_view session_state = "session.state";
// {layout}: the user's layout changed (the sandbox API); the bar redraws its tabs
inline constexpr std::string_view layout = "layout";
}  // namespace event

// JSON-RPC error codes: the standard ones, then ours (-32000..-32099 is the server range).
enum class ErrorCode : int {
    parse_error = -32700,
    invalid_request = -32600,
    method_not_found = -32601,
    invalid_params = -32602,
    internal_error = -32603,
    invalid_state = -32001,       // method not allowed in the session's current state
    bad_credentials = -32002,     // login or remember token refused
    rate_limited = -32003,        // too many failed logins; data.retry_after seconds
    sso_refused = -32004,         // data.reason: expired, replayed, bad signature...
    bad_identifier = -32005,      // data.identifier
    device_in_use = -32006,       // another agent has the phone paired
    no_device = -32007,           // call control without a paired phone
    no_call = -32008,             // no call in a state the method needs
    not_found = -32009,           // unknown queue, call, reason...
    unsupported_version = -32010, // hello with a protocol this server does not speak
    session_expired = -32011,     // session.resume for a session that is gone
    frame_too_large = -32012,
    network_busy = -32013,        // the simulated telephone network carries as many calls as it can
};

inline constexpr std::array all_error_codes{
    ErrorCode::parse_error,     ErrorCode::invalid_request, ErrorCode::method_not_found,    ErrorCode::invalid_params,
    ErrorCode::internal_error,  ErrorCode::invalid_state,   ErrorCode::bad_credentials,     ErrorCode::rate_limited,
    ErrorCode::sso_refused,     ErrorCode::bad_identifier,  ErrorCode::device_in_use,       ErrorCode::no_device,
    ErrorCode::no_call,         ErrorCode::not_found,       ErrorCode::unsupported_version, ErrorCode::session_expired,
    ErrorCode::frame_too_large, ErrorCode::network_busy,
};

// The stable name of a code, sent as error.data.code so JS sees "INVALID_STATE" and friends.
std::string_view error_name(ErrorCode code);

// Envelopes. `id` is the request's id echoed back (null when the request had none we could read).
std::string result_frame(const boost::json::value& id, boost::json::value result);
std::string error_frame(const boost::json::value& id, ErrorCode code, std::string_view message,
                        boost::json::object data = {});
std::string event_frame(std::string_view name, std::uint64_t seq, boost::json::object params);
// The same frame in two parts, so one encoding serves every session an event goes to:
// event_frame(name, seq, params) == event_head(name, params) + event_tail(head, seq).
std::string event_head(std::string_view name, const boost::json::object& params);
std::string event_tail(std::string_view head, std::uint64_t seq);
std::string request_frame(std::int64_t id, std::string_view method, boost::json::object params);

}  // namespace ucs::protocol
