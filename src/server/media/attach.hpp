#pragma once
// media.attach, the one text frame a media socket sends (docs/media.md, "Connection"):
//   {"jsonrpc":"2.0","id":1,"method":"media.attach","params":{"session":"<key>","last_seq":0}}
// answered {"stream", "codec": "opus", "rate": 48000, "channels": 1, "frame_ms": 20} or an error
// (INVALID_REQUEST / INVALID_PARAMS / METHOD_NOT_FOUND for a bad frame, SESSION_EXPIRED, INVALID_STATE).

#include "core/expected.hpp"
#include "server/engine/engine.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ucs::server::media_bridge {

struct AttachRequest {
    boost::json::value id;
    std::string session;
    int user_id = 0;  // the session's agent
};

// The request, checked against the engine's sessions; on failure the error frame to send back.
Expected<AttachRequest, std::string> read_attach(std::string_view text, const Engine& engine);
// The answer to an attach that succeeded.
std::string attach_result(const boost::json::value& id, std::uint16_t stream);

}  // namespace ucs::server::media_bridge
