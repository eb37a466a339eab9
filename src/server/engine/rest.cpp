// The REST and sandbox API (SANDBOX.md): OAuth2 client-credentials tokens, read-only views of
// agents, queues, calls and history, and the sandbox's stand-in for the telephone network.
// Every error is a JSON body {"error": {"code", "message", "field"?}} with a 4xx status.
#include "server/engine/engine_impl.hpp"

#include "core/json.hpp"
#include "core/percent_encoding.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/parse.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

namespace ucs::server {

namespace json = boost::json;

namespace {

HttpResponse error_response(int status, std::string_view code, std::string message, std::optional<std::string> field = {}) {
    json::object error{{"code", code}, {"message", std::move(message)}};
    if (field) error["field"] = *field;
    return HttpResponse{status, json::object{{"error", std::move(error)}}};
}

HttpResponse bad_field(const ParseError& error) {
    return error_response(400, "BAD_REQUEST", error.message(), error.field.empty() ? std::nullopt : std::optional(error.field));
}

struct Target {
    std::vector<std::string> segments;  // "/api/v1.0/calls/x/answer" -> {"api","v1.0","calls","x","answer"}
    std::map<std::string, std::string> query;
};

Target split_target(std::string_view target) {
    Target out;
    const std::size_t question = target.find('?');
    std::string_view path = target.substr(0, question);
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        if (!segment.empty()) out.segments.push_back(percent_decode_lenient(segment));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    if (question != std::string_view::npos) {
        std::string_view query = target.substr(question + 1);
        while (!query.empty()) {
            const std::size_t amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            const std::size_t eq = pair.find('=');
            if (!pair.empty()) {
                out.query[percent_decode_lenient(pair.substr(0, eq), true)] =
                    eq == std::string_view::npos ? "" : percent_decode_lenient(pair.substr(eq + 1), true);
            }
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    return out;
}

struct TokenRequest {
    std::string client_id;
    std::string client_secret;
    std::string grant_type;
};
BOOST_DESCRIBE_STRUCT(TokenRequest, (), (client_id, client_secret, grant_type))

struct SandboxCallRequest {
    std::string from;
    std::optional<int> queue;
    std::optional<std::string> to;
    std::optional<std::string> caller_name;
    std::optional<json::object> data;
};
BOOST_DESCRIBE_STRUCT(SandboxCallRequest, (), (from, queue, to, caller_name, data))

struct SessionLogoutRequest {
    std::string session;
};
BOOST_DESCRIBE_STRUCT(SessionLogoutRequest, (), (session))

template <class T>
Expected<T, HttpResponse> read_body(std::string_view body) {
    auto parsed = from_json_text<T>(body);
    if (!parsed) return Unexpected(bad_field(parsed.error()));
    return std::move(parsed).value();
}

std::optional<std::int64_t> integer_param(const std::map<std::string, std::string>& query, const std::string& name,
                                          std::optional<HttpResponse>& error) {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec != std::errc() || end != it->second.data() + it->second.size()) {
        error = error_response(400, "BAD_REQUEST", name + ": expected an integer, got \"" + it->second + "\"", name);
        return std::nullopt;
    }
    return value;
}

}  // namespace

HttpResponse Engine::Impl::http(const HttpRequest& request) {
    const Target target = split_target(request.target);
    const auto& s = target.segments;
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    auto wrong_method = [&] { return error_response(405, "METHOD_NOT_ALLOWED", request.method + " is not allowed on " + request.target); };

    // POST /login/oauth2/token
    if (s.size() == 3 && s[0] == "login" && s[1] == "oauth2" && s[2] == "token") {
        if (!post) return wrong_method();
        auto body = read_body<TokenRequest>(request.body);
        if (!body) return std::move(body).error();
        if (body->grant_type != "client_credentials") {
            return error_response(400, "UNSUPPORTED_GRANT_TYPE", "grant_type: only \"client_credentials\" is supported", "grant_type");
        }
        auto client = config.rest_clients.find(body->client_id);
        const bool secret_matches = client != config.rest_clients.end() &&
                                    client->second.size() == body->client_secret.size() &&
                                    CRYPTO_memcmp(client->second.data(), body->client_secret.data(), body->client_secret.size()) == 0;
        if (!secret_matches) {
            return error_response(401, "INVALID_CLIENT", "unknown client_id or wrong client_secret");
        }
        std::erase_if(rest_tokens, [&](const auto& entry) { return entry.second.expires <= now; });
        std::string token;
        for (const unsigned char c : random.bytes(24)) {
            static constexpr char digits[] = "0123456789abcdef";
            token += digits[c >> 4];
            token += digits[c & 15];
        }
        rest_tokens[token] = RestToken{body->client_id, now + config.rest_token_seconds * 1000};
        return HttpResponse{200, json::object{{"access_token", token}, {"token_type", "Bearer"},
                                              {"expires_in", config.rest_token_seconds}}};
    }

    if (s.size() < 3 || s[0] != "api" || s[1] != "v1.0") {
        return error_response(404, "NOT_FOUND", "no such path: " + request.target);
    }
    // POST /api/v1.0/session/logout {session}: the bar's beacon when its tab closes after an SSO login
    // (API-DECISIONS.md). The session key is the credential; no bearer token (a beacon cannot send one).
    if (s.size() == 4 && s[2] == "session" && s[3] == "logout") {
        if (!post) return wrong_method();
        auto body = read_body<SessionLogoutRequest>(request.body);
        if (!body) return std::move(body).error();
        auto it = sessions.find(body->session);
        if (it == sessions.end()) return error_response(404, "NOT_FOUND", "session: unknown or already ended", "session");
        end_session(it->second, "the page was closed");
        return HttpResponse{200, json::object{{"session", "ended"}}};
    }
    // Bearer token.
    constexpr std::string_view bearer = "Bearer ";
    const std::string token = request.authorization.starts_with(bearer) ? request.authorization.substr(bearer.size()) : "";
    auto known = rest_tokens.find(token);
    if (token.empty() || known == rest_tokens.end() || known->second.expires <= now) {
        return error_response(401, "UNAUTHORIZED", "a valid bearer token is required (POST /login/oauth2/token)");
    }

    const std::string& resource = s[2];
    if (s.size() == 3 && resource == "status") {
        if (!get) return wrong_method();
        int logged_in = 0;
        for (const UserRecord& user : directory.users) logged_in += user_logged_in(user.id) ? 1 : 0;
        int waiting_total = 0;
        for (const auto& [queue_id, queue] : waiting) waiting_total += static_cast<int>(queue.size());
        return HttpResponse{200, json::object{{"server", config.server_name}, {"protocol", protocol::version},
                                              {"now", now_seconds()}, {"agents_logged_in", logged_in},
                                              {"active_calls", calls.size()}, {"waiting_callers", waiting_total}}};
    }
    if (s.size() == 3 && resource == "agents") {
        if (!get) return wrong_method();
        json::array list;
        for (const AgentInfo& info : agent_list()) {
            json::object entry = to_json(info).as_object();
            entry["logged_in"] = user_logged_in(info.id);
            json::array queues;
            for (const MembershipRecord* m : memberships_of(info.id)) {
                queues.push_back(json::object{{"queue_id", m->queue_id}, {"suspended", m->suspended}, {"priorities", m->priority}});
            }
            entry["queues"] = std::move(queues);
            list.push_back(std::move(entry));
        }
        return HttpResponse{200, std::move(list)};
    }
    if (s.size() == 3 && resource == "queues") {
        if (!get) return wrong_method();
        json::array list;
        for (const QueueRecord& queue : directory.queues) {
            json::object entry = to_json(queue.info).as_object();
            auto it = waiting.find(queue.info.id);
            entry["waiting"] = it == waiting.end() ? 0 : it->second.size();
            json::array members;
            for (const MembershipRecord& m : directory.memberships)
                if (m.queue_id == queue.info.id) members.push_back(m.user_id);
            entry["members"] = std::move(members);
            entry["wrapup_seconds"] = queue.wrapup_seconds;
            entry["ring_timeout_seconds"] = queue.ring_timeout_seconds;
            list.push_back(std::move(entry));
        }
        return HttpResponse{200, std::move(list)};
    }
    if (s.size() == 3 && resource == "calls") {
        if (!get) return wrong_method();
        json::array list;
        for (const auto& [uniqueid, call] : calls) list.push_back(to_json(to_call(call, std::nullopt)));
        return HttpResponse{200, std::move(list)};
    }
    if (s.size() == 3 && resource == "history") {
        if (!get) return wrong_method();
        auto user_param = target.query.find("user");
        if (user_param == target.query.end()) return error_response(400, "BAD_REQUEST", "user: required (a username)", "user");
        const UserRecord* user = user_by_name(user_param->second);
        if (user == nullptr) return error_response(404, "NOT_FOUND", "user: no user \"" + user_param->second + "\"", "user");
        HistoryQuery query;
        query.user_id = user->id;
        std::optional<HttpResponse> error;
        query.since = integer_param(target.query, "since", error);
        query.until = integer_param(target.query, "until", error);
        const auto limit = integer_param(target.query, "limit", error);
        const auto offset = integer_param(target.query, "offset", error);
        if (error) return *error;
        query.limit = static_cast<int>(std::clamp<std::int64_t>(limit.value_or(50), 1, 500));
        query.offset = static_cast<int>(std::max<std::int64_t>(offset.value_or(0), 0));
        if (auto number = target.query.find("number"); number != target.query.end()) query.number = number->second;
        if (auto direction = target.query.find("direction"); direction != target.query.end()) {
            auto parsed = from_json<Direction>(json::value(direction->second));
            if (!parsed) return error_response(400, "BAD_REQUEST", "direction: " + parsed.error().problem, "direction");
            query.direction = *parsed;
        }
        return HttpResponse{200, to_json(store.history(query))};
    }

    if (resource != "sandbox" || s.size() < 4) return error_response(404, "NOT_FOUND", "no such path: " + request.target);
    // POST /api/v1.0/sandbox/calls
    if (s.size() == 4 && s[3] == "calls") {
        if (!post) return wrong_method();
        auto body = read_body<SandboxCallRequest>(request.body);
        if (!body) return std::move(body).error();
        if (body->from.empty()) return error_response(400, "BAD_REQUEST", "from: must not be empty", "from");
        if (calls.size() >= config.max_active_calls) {
            return error_response(429, "TOO_MANY_CALLS", "the simulated network carries at most " +
                                                           std::to_string(config.max_active_calls) + " calls at once");
        }
        if (body->queue.has_value() == body->to.has_value()) {
            return error_response(400, "BAD_REQUEST", "queue or to: give exactly one of them", body->queue ? "to" : "queue");
        }
        json::object data = body->data.value_or(json::object{});
        if (body->queue) {
            const QueueRecord* queue = queue_by_id(*body->queue);
            if (queue == nullptr) return error_response(404, "NOT_FOUND", "queue: no queue " + std::to_string(*body->queue), "queue");
            if (queue->info.type != QueueType::incoming) {
                return error_response(400, "BAD_REQUEST", "queue: queue " + std::to_string(*body->queue) + " is not an incoming queue", "queue");
            }
            ActiveCall& call = incoming_queue_call(body->from, *queue, body->caller_name, std::move(data));
            return HttpResponse{201, json::object{{"uniqueid", call.uniqueid}}};
        }
        const DeviceRecord* device = device_by_extension(*body->to);
        if (device == nullptr) return error_response(404, "NOT_FOUND", "to: no extension \"" + *body->to + "\"", "to");
        ActiveCall& call = incoming_direct_call(body->from, *device, body->caller_name, std::move(data));
        return HttpResponse{201, json::object{{"uniqueid", call.uniqueid}}};
    }
    // POST /api/v1.0/sandbox/calls/{uniqueid}/answer|hangup
    if (s.size() == 6 && s[3] == "calls" && (s[5] == "answer" || s[5] == "hangup")) {
        if (!post) return wrong_method();
        auto it = calls.find(s[4]);
        if (it == calls.end()) return error_response(404, "NOT_FOUND", "no active call " + s[4], "uniqueid");
        const std::string problem = s[5] == "answer" ? far_end_answer(it->second) : far_end_hangup(it->second);
        if (!problem.empty()) return error_response(409, "CONFLICT", problem);
        return HttpResponse{200, json::object{{"uniqueid", s[4]}}};
    }
    // POST /api/v1.0/sandbox/devices/{identifier}/offhook
    if (s.size() == 6 && s[3] == "devices" && s[5] == "offhook") {
        if (!post) return wrong_method();
        const DeviceRecord* device = device_by_identifier(s[4]);
        if (device == nullptr) return error_response(404, "NOT_FOUND", "no device " + s[4], "identifier");
        const std::string problem = offhook(*device);
        if (!problem.empty()) return error_response(409, "CONFLICT", problem);
        return HttpResponse{200, json::object{{"identifier", s[4]}}};
    }
    return error_response(404, "NOT_FOUND", "no such path: " + request.target);
}

}  // namespace ucs::server
