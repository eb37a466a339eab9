#include "server/media/attach.hpp"

#include "core/json_text.hpp"
#include "core/protocol.hpp"
#include "media/frame.hpp"

#include <boost/json/object.hpp>

namespace ucs::server::media_bridge {

namespace {

namespace json = boost::json;
using protocol::ErrorCode;

constexpr std::string_view attach_method = "media.attach";

Unexpected<std::string> refuse(const json::value& id, ErrorCode code, std::string_view message, std::string_view field = {}) {
    json::object data;
    if (!field.empty()) data["field"] = field;
    return Unexpected(protocol::error_frame(id, code, message, std::move(data)));
}

}  // namespace

Expected<AttachRequest, std::string> read_attach(std::string_view text, const Engine& engine) {
    boost::system::error_code ec;
    const json::value frame = parse_json(text, ec);
    if (ec || !frame.is_object()) return refuse(nullptr, ErrorCode::parse_error, "not a JSON object");
    const json::object& request = frame.get_object();
    const json::value* id = request.if_contains("id");
    const json::value reply_id = id != nullptr ? *id : json::value(nullptr);
    const json::value* method = request.if_contains("method");
    if (method == nullptr || !method->is_string()) return refuse(reply_id, ErrorCode::invalid_request, "method: missing", "method");
    if (method->get_string() != attach_method)
        return refuse(reply_id, ErrorCode::method_not_found, "a media socket takes media.attach only", "method");
    const json::value* params = request.if_contains("params");
    const json::value* session = params != nullptr && params->is_object() ? params->get_object().if_contains("session") : nullptr;
    if (session == nullptr || !session->is_string())
        return refuse(reply_id, ErrorCode::invalid_params, "params.session: expected the control session's key", "params.session");
    const json::value* last_seq = params->get_object().if_contains("last_seq");
    if (last_seq != nullptr && !last_seq->is_number())
        return refuse(reply_id, ErrorCode::invalid_params, "params.last_seq: expected a number", "params.last_seq");
    auto user = engine.media_user(std::string(session->get_string()));
    if (!user) {
        if (user.error() == MediaAttachError::unknown_session)
            return refuse(reply_id, ErrorCode::session_expired, "params.session: no such session", "params.session");
        return refuse(reply_id, ErrorCode::invalid_state, "the session is not logged in");
    }
    return AttachRequest{reply_id, std::string(session->get_string()), *user};
}

std::string attach_result(const json::value& id, std::uint16_t stream) {
    return protocol::result_frame(id, json::object{{"stream", stream},
                                                   {"codec", "opus"},
                                                   {"rate", media::sample_rate},
                                                   {"channels", 1},
                                                   {"frame_ms", media::frame_ms}});
}

}  // namespace ucs::server::media_bridge
