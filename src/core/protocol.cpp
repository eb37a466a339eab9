#include "core/protocol.hpp"

#include <boost/json/serialize.hpp>

namespace ucs::protocol {

std::string_view error_name(ErrorCode code) {
    switch (code) {
    case ErrorCode::parse_error: return "PARSE_ERROR";
    case ErrorCode::invalid_request: return "INVALID_REQUEST";
    case ErrorCode::method_not_found: return "METHOD_NOT_FOUND";
    case ErrorCode::invalid_params: return "INVALID_PARAMS";
    case ErrorCode::internal_error: return "INTERNAL_ERROR";
    case ErrorCode::invalid_state: return "INVALID_STATE";
    case ErrorCode::bad_credentials: return "BAD_CREDENTIALS";
    case ErrorCode::rate_limited: return "RATE_LIMITED";
    case ErrorCode::sso_refused: return "SSO_REFUSED";
    case ErrorCode::bad_identifier: return "BAD_IDENTIFIER";
    case ErrorCode::device_in_use: return "DEVICE_IN_USE";
    case ErrorCode::no_device: return "NO_DEVICE";
    case ErrorCode::no_call: return "NO_CALL";
    case ErrorCode::not_found: return "NOT_FOUND";
    case ErrorCode::unsupported_version: return "UNSUPPORTED_VERSION";
    case ErrorCode::session_expired: return "SESSION_EXPIRED";
    case ErrorCode::frame_too_large: return "FRAME_TOO_LARGE";
    case ErrorCode::network_busy: return "NETWORK_BUSY";
    }
    return "UNKNOWN";
}

std::string result_frame(const boost::json::value& id, boost::json::value result) {
    return boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

std::string error_frame(const boost::json::value& id, ErrorCode code, std::string_view message,
                        boost::json::object data) {
    data["code"] = error_name(code);
    boost::json::object error{{"code", static_cast<int>(code)}, {"message", message}, {"data", std::move(data)}};
    return boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}});
}

std::string event_frame(std::string_view name, std::uint64_t seq, boost::json::object params) {
    params["seq"] = seq;
    return boost::json::serialize(
        boost::json::object{{"jsonrpc", "2.0"}, {"method", name}, {"params", std::move(params)}});
}

std::string event_head(std::string_view name, const boost::json::object& params) {
    std::string frame =
        boost::json::serialize(boost::json::object{{"jsonrpc", "2.0"}, {"method", name}, {"params", params}});
    frame.resize(frame.size() - 2);  // the "}}" closing params and the envelope: the tail adds seq first
    return frame;
}

std::string event_tail(std::string_view head, std::uint64_t seq) {
    // event_frame appends seq as params' last member: after a comma unless params are empty.
    std::string tail = head.ends_with('{') ? "\"seq\":" : ",\"seq\":";
    tail += std::to_string(seq);
    tail += "}}";
    return tail;
}

std::string request_frame(std::int64_t id, std::string_view method, boost::json::object params) {
    return boost::json::serialize(
        boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
}

}  // namespace ucs::protocol
