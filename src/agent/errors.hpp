#pragma once
// The codes the bar itself rejects a page's promise with ({code, message}). A rejection that comes
// from ucsd carries ucsd's code instead (core/protocol.hpp's error_name); operator.d.ts unites both
// lists, generated from these enums (bindings/catalog.cpp).

#include <array>
#include <cstdint>
#include <string_view>

namespace ucs::agent {

enum class ErrorCode : std::uint8_t {
    invalid_state,        // the method is not allowed in the bar's state (the document's table)
    invalid_argument,     // an argument of the wrong type, missing, or not one of the allowed values
    unknown_method,       // ucsOperator has no such method
    network_error,        // the connection to UCS was lost before the answer came
    protocol_error,       // UCS answered in a shape the bar does not understand
    login_failed,         // the login could not be completed
    server_not_verified,  // SCRAM: UCS could not prove it knows the password verifier
    internal_error,       // a bug in the bar; the page still gets an answer
    unavailable,          // the engine could not be loaded at all (web/loader.js)
};

inline constexpr std::array all_error_codes{ErrorCode::invalid_state,  ErrorCode::invalid_argument,
                                            ErrorCode::unknown_method, ErrorCode::network_error,
                                            ErrorCode::protocol_error, ErrorCode::login_failed,
                                            ErrorCode::server_not_verified, ErrorCode::internal_error,
                                            ErrorCode::unavailable};

constexpr std::string_view error_name(ErrorCode code) {
    switch (code) {
    case ErrorCode::invalid_state: return "INVALID_STATE";
    case ErrorCode::invalid_argument: return "INVALID_ARGUMENT";
    case ErrorCode::unknown_method: return "UNKNOWN_METHOD";
    case ErrorCode::network_error: return "NETWORK_ERROR";
    case ErrorCode::protocol_error: return "PROTOCOL_ERROR";
    case ErrorCode::login_failed: return "LOGIN_FAILED";
    case ErrorCode::server_not_verified: return "SERVER_NOT_VERIFIED";
    case ErrorCode::internal_error: return "INTERNAL_ERROR";
    case ErrorCode::unavailable: return "UNAVAILABLE";
    }
    return "INTERNAL_ERROR";
}

}  // namespace ucs::agent
