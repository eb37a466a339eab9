#include "server/api/rest_api.hpp"

#include "server/api/byte_range.hpp"

#include "core/json.hpp"
#include "core/percent_encoding.hpp"
#include "core/protocol.hpp"
#include "core/rules/dial.hpp"
#include "core/rules/layout.hpp"
#include "core/utf8.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace ucs::server {

namespace json = boost::json;

namespace {

// Messages echo what the client sent (a path, an id), which may be any bytes: the body stays UTF-8.
HttpResponse error_response(int status, std::string_view code, std::string_view message, std::optional<std::string> field = {}) {
    json::object error{{"code", code}, {"message", to_valid_utf8(message)}};
    if (field) error["field"] = *field;
    return HttpResponse{status, json::object{{"error", std::move(error)}}};
}

HttpResponse bad_request(std::string_view message, std::string field) {
    return error_response(400, "BAD_REQUEST", message, std::move(field));
}

HttpResponse bad_field(const ParseError& error) {
    return error_response(400, "BAD_REQUEST", error.message(), error.field.empty() ? std::nullopt : std::optional(error.field));
}

HttpResponse not_found(std::string_view target) { return error_response(404, "NOT_FOUND", "no such path: " + std::string(target)); }

// ---- the request target --------------------------------------------------------------------------

using Query = std::map<std::string, std::string>;

// "/api/v1.0/calls/x/answer" -> {"api", "v1.0", "calls", "x", "answer"}, each percent-decoded.
std::vector<std::string> path_segments(std::string_view path) {
    std::vector<std::string> segments;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        if (!segment.empty()) segments.push_back(percent_decode_lenient(segment));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

// "a=1&b=x%20y" -> {a: "1", b: "x y"}; a name without '=' has an empty value.
Query query_parameters(std::string_view query) {
    Query out;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (!pair.empty()) {
            out[percent_decode_lenient(pair.substr(0, eq), true)] =
                eq == std::string_view::npos ? "" : percent_decode_lenient(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

// A route's path: segments separated by '/', "{}" matching any one segment.
bool path_matches(std::string_view pattern, const std::vector<std::string>& segments, std::string& captured) {
    std::size_t index = 0;
    for (const std::string_view segment : path_segments(pattern)) {
        if (index == segments.size()) return false;
        if (segment == "{}") {
            captured = segments[index];
        } else if (segment != segments[index]) {
            return false;
        }
        ++index;
    }
    return index == segments.size();
}

bool under_api(const std::vector<std::string>& segments) {
    return segments.size() >= 3 && segments[0] == "api" && segments[1] == "v1.0";
}

enum class Verb : std::uint8_t { get, post, other };

// HEAD is GET without the body (RFC 9110 §9.3.2): the route and the answer are GET's, and the HTTP
// layer sends the headers (Content-Length included) but not the body.
Verb verb_of(std::string_view name) {
    constexpr std::array<std::pair<std::string_view, Verb>, 3> verbs{
        {{"GET", Verb::get}, {"HEAD", Verb::get}, {"POST", Verb::post}}};
    for (const auto& [text, verb] : verbs)
        if (text == name) return verb;
    return Verb::other;
}

// ---- bodies and parameters ---------------------------------------------------------------------

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
    std::optional<json::object> audio;
};
BOOST_DESCRIBE_STRUCT(SandboxCallRequest, (), (from, queue, to, caller_name, data, audio))

struct LayoutRequest {
    std::vector<LayoutTab> layout;
};
BOOST_DESCRIBE_STRUCT(LayoutRequest, (), (layout))

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

std::optional<std::int64_t> integer_param(const Query& query, const std::string& name, std::optional<HttpResponse>& error) {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec != std::errc() || end != it->second.data() + it->second.size()) {
        error = bad_request(name + ": expected an integer, got \"" + it->second + "\"", name);
        return std::nullopt;
    }
    return value;
}

// The history filter from the query string (direction, number, since, until, limit, offset).
Expected<HistoryQuery, HttpResponse> history_filter(const Query& parameters) {
    HistoryQuery query;
    std::optional<HttpResponse> error;
    query.since = integer_param(parameters, "since", error);
    query.until = integer_param(parameters, "until", error);
    const auto limit = integer_param(parameters, "limit", error);
    const auto offset = integer_param(parameters, "offset", error);
    if (error) return Unexpected(std::move(*error));
    query.limit = static_cast<int>(std::clamp<std::int64_t>(limit.value_or(50), 1, 500));
    query.offset = static_cast<int>(std::max<std::int64_t>(offset.value_or(0), 0));
    if (auto number = parameters.find("number"); number != parameters.end()) query.number = number->second;
    if (auto direction = parameters.find("direction"); direction != parameters.end()) {
        auto parsed = from_json<Direction>(json::value(direction->second));
        if (!parsed) return Unexpected(bad_request("direction: " + parsed.error().problem, "direction"));
        query.direction = *parsed;
    }
    return query;
}

// The sandbox's "audio": exactly one of {"say": "text"}, {"tone": hertz}, {"silence": true}.
constexpr double min_tone_hz = 20;
constexpr double max_tone_hz = 20000;
constexpr std::size_t max_say_bytes = 1000;

Expected<PartyAudio, HttpResponse> party_audio(const json::object& audio) {
    if (audio.size() != 1) return Unexpected(bad_request("audio: give exactly one of \"say\", \"tone\", \"silence\"", "audio"));
    const auto& [key, value] = *audio.begin();
    PartyAudio parsed;
    if (key == "say") {
        if (!value.is_string() || value.get_string().empty() || value.get_string().size() > max_say_bytes)
            return Unexpected(bad_request("audio.say: expected a non-empty string of at most 1000 bytes", "audio.say"));
        parsed.kind = PartyAudio::Kind::say;
        parsed.text = std::string(value.get_string());
    } else if (key == "tone") {
        const bool number = value.is_number();
        const double hz = number ? value.to_number<double>() : 0;
        if (!number || hz < min_tone_hz || hz > max_tone_hz)
            return Unexpected(bad_request("audio.tone: expected a frequency in Hz from 20 to 20000", "audio.tone"));
        parsed.kind = PartyAudio::Kind::tone;
        parsed.tone_hz = hz;
    } else if (key == "silence") {
        if (!value.is_bool() || !value.get_bool()) return Unexpected(bad_request("audio.silence: expected true", "audio.silence"));
    } else {
        return Unexpected(bad_request("audio: unknown kind \"" + std::string(key) + "\" (say, tone or silence)", "audio"));
    }
    return parsed;
}

HttpResponse no_audio() {
    return error_response(501, "NOT_IMPLEMENTED", "this server has no media bridge: no sandbox audio");
}

// ---- command errors ------------------------------------------------------------------------------

// How each CommandError is answered; "{}" in the message is the subject (an id, a name...).
struct ErrorAnswer {
    CommandError error;
    int status;
    std::string_view code;
    std::string_view field;  // "" when the answer names none
    std::string_view message;
};

constexpr std::array error_answers{
    ErrorAnswer{CommandError::network_full, 429, "TOO_MANY_CALLS", "", "the simulated network carries at most {} calls at once"},
    ErrorAnswer{CommandError::unknown_queue, 404, "NOT_FOUND", "queue", "queue: no queue {}"},
    ErrorAnswer{CommandError::not_an_incoming_queue, 400, "BAD_REQUEST", "queue", "queue: queue {} is not an incoming queue"},
    ErrorAnswer{CommandError::unknown_extension, 404, "NOT_FOUND", "to", "to: no extension \"{}\""},
    ErrorAnswer{CommandError::unknown_call, 404, "NOT_FOUND", "uniqueid", "no active call {}"},
    ErrorAnswer{CommandError::not_ringing_outside, 409, "CONFLICT", "", "the call is not ringing at an outside number"},
    ErrorAnswer{CommandError::no_outside_party, 409, "CONFLICT", "", "the call has no outside party"},
    ErrorAnswer{CommandError::unknown_device, 404, "NOT_FOUND", "identifier", "no device {}"},
    ErrorAnswer{CommandError::nothing_ringing, 409, "CONFLICT", "", "nothing is ringing on phone {}"},
    ErrorAnswer{CommandError::softphone, 409, "CONFLICT", "", "phone {} is a softphone: the agent answers it in the browser"},
    ErrorAnswer{CommandError::unknown_user, 404, "NOT_FOUND", "user", "user: no user \"{}\""},
    ErrorAnswer{CommandError::unknown_session, 404, "NOT_FOUND", "session", "session: unknown or already ended"},
    ErrorAnswer{CommandError::invalid_layout, 400, "BAD_REQUEST", "layout", "layout: not a valid layout"},
};

std::string fill(std::string_view message, const std::string& subject) {
    const std::size_t at = message.find("{}");
    if (at == std::string_view::npos) return std::string(message);
    return std::string(message.substr(0, at)) + subject + std::string(message.substr(at + 2));
}

}  // namespace

// ---- routing -------------------------------------------------------------------------------------

// A request on its way to a handler.
struct RestApi::Routed {
    const HttpRequest& http;
    std::string captured;  // the route's "{}" segment
    Query query;
    Millis now = 0;
    Output& out;
};

struct RestApi::Route {
    enum class Access : std::uint8_t { open, bearer };
    std::string_view path;
    Verb verb;
    Access access;
    HttpResponse (RestApi::*handler)(Routed&);
};

std::span<const RestApi::Route> RestApi::routes() {
    using enum Route::Access;
    static constexpr std::array table{
        Route{"/login/oauth2/token", Verb::post, open, &RestApi::issue_token},
        // The bar's unload beacon (API-DECISIONS.md): the session key is the credential; a beacon
        // cannot send a bearer token.
        Route{"/api/v1.0/session/logout", Verb::post, open, &RestApi::end_session},
        Route{"/api/v1.0/status", Verb::get, bearer, &RestApi::status},
        Route{"/api/v1.0/agents", Verb::get, bearer, &RestApi::agents},
        Route{"/api/v1.0/queues", Verb::get, bearer, &RestApi::queues},
        Route{"/api/v1.0/calls", Verb::get, bearer, &RestApi::calls},
        Route{"/api/v1.0/devices", Verb::get, bearer, &RestApi::devices},
        Route{"/api/v1.0/history", Verb::get, bearer, &RestApi::history},
        Route{"/api/v1.0/sandbox/calls", Verb::post, bearer, &RestApi::place_call},
        Route{"/api/v1.0/sandbox/calls/{}/answer", Verb::post, bearer, &RestApi::far_end_answer},
        Route{"/api/v1.0/sandbox/calls/{}/hangup", Verb::post, bearer, &RestApi::far_end_hangup},
        Route{"/api/v1.0/sandbox/calls/{}/heard", Verb::get, bearer, &RestApi::heard},
        Route{"/api/v1.0/sandbox/devices/{}/offhook", Verb::post, bearer, &RestApi::offhook},
        Route{"/api/v1.0/sandbox/users/{}/layout", Verb::get, bearer, &RestApi::layout},
        Route{"/api/v1.0/sandbox/users/{}/layout", Verb::post, bearer, &RestApi::set_layout},
        // The api.recording service: a bearer token or a recordingUrl token (an <audio> sends no
        // header), checked by the handler.
        Route{"/recordings/{}", Verb::get, open, &RestApi::recording},
    };
    return table;
}

RestApi::RestApi(ApiConfig config, Engine& engine, Random& random)
    : config_(std::move(config)), engine_(engine), random_(random) {}

HttpResponse RestApi::handle(const HttpRequest& request, Millis now, Output& out) {
    const std::string_view target = request.target;
    const std::size_t question = target.find('?');
    const std::vector<std::string> segments = path_segments(target.substr(0, question));
    Routed routed{request, {}, question == std::string_view::npos ? Query{} : query_parameters(target.substr(question + 1)), now, out};
    const auto& table = routes();
    // A path may have a route per verb: the one of this verb, else any (answered 405 below).
    const Verb verb = verb_of(request.method);
    auto route = std::find_if(table.begin(), table.end(),
                              [&](const Route& r) { return r.verb == verb && path_matches(r.path, segments, routed.captured); });
    if (route == table.end()) {
        route = std::find_if(table.begin(), table.end(), [&](const Route& r) { return path_matches(r.path, segments, routed.captured); });
    }
    const bool found = route != table.end();
    // Open routes answer before the bearer check; every other path under /api/v1.0 needs a token
    // first, so an unauthorised client learns nothing about which paths exist.
    if (!(found && route->access == Route::Access::open)) {
        if (!under_api(segments)) return not_found(target);
        if (!authorized(request, now)) return error_response(401, "UNAUTHORIZED", "a valid bearer token is required (POST /login/oauth2/token)");
        if (!found) return not_found(target);
    }
    if (verb != route->verb) {
        return error_response(405, "METHOD_NOT_ALLOWED", request.method + " is not allowed on " + request.target);
    }
    HttpResponse response = (this->*route->handler)(routed);
    response.durable_after = out.wrote;
    return response;
}

bool RestApi::authorized(const HttpRequest& request, Millis now) const {
    constexpr std::string_view bearer = "Bearer ";
    if (!request.authorization.starts_with(bearer)) return false;
    const auto known = tokens_.find(request.authorization.substr(bearer.size()));
    return known != tokens_.end() && known->second.expires > now;
}

HttpResponse RestApi::failed(CommandError error, const std::string& subject) {
    const auto* answer = std::find_if(error_answers.begin(), error_answers.end(), [&](const ErrorAnswer& a) { return a.error == error; });
    if (answer == error_answers.end()) return error_response(500, "INTERNAL_ERROR", "internal error");
    std::optional<std::string> field;
    if (!answer->field.empty()) field = std::string(answer->field);
    return error_response(answer->status, answer->code, fill(answer->message, subject), std::move(field));
}

// ---- handlers ------------------------------------------------------------------------------------

HttpResponse RestApi::issue_token(Routed& request) {
    auto body = read_body<TokenRequest>(request.http.body);
    if (!body) return std::move(body).error();
    if (body->grant_type != "client_credentials") {
        return error_response(400, "UNSUPPORTED_GRANT_TYPE", "grant_type: only \"client_credentials\" is supported", "grant_type");
    }
    auto client = config_.clients.find(body->client_id);
    const bool secret_matches = client != config_.clients.end() && client->second.size() == body->client_secret.size() &&
                                CRYPTO_memcmp(client->second.data(), body->client_secret.data(), body->client_secret.size()) == 0;
    if (!secret_matches) return error_response(401, "INVALID_CLIENT", "unknown client_id or wrong client_secret");
    std::erase_if(tokens_, [&](const auto& entry) { return entry.second.expires <= request.now; });
    std::string token;
    for (const unsigned char c : random_.bytes(24)) {
        static constexpr char digits[] = "0123456789abcdef";
        token += digits[c >> 4];
        token += digits[c & 15];
    }
    tokens_[token] = Token{body->client_id, request.now + config_.token_seconds * 1000};
    return HttpResponse{200, json::object{{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", config_.token_seconds}}};
}

HttpResponse RestApi::end_session(Routed& request) {
    auto body = read_body<SessionLogoutRequest>(request.http.body);
    if (!body) return std::move(body).error();
    auto ended = engine_.end_session(body->session, request.now, request.out);
    if (!ended) return failed(ended.error(), body->session);
    return HttpResponse{200, json::object{{"session", "ended"}}};
}

HttpResponse RestApi::status(Routed& request) {
    const ServerStatus now = engine_.status(request.now, request.out);
    return HttpResponse{200, json::object{{"server", now.server}, {"protocol", now.protocol}, {"now", now.now},
                                          {"agents_logged_in", now.agents_logged_in},
                                          {"active_calls", now.active_calls}, {"waiting_callers", now.waiting_callers}}};
}

HttpResponse RestApi::agents(Routed& request) {
    json::array list;
    for (const AgentOverview& overview : engine_.agents(request.now, request.out)) {
        json::object entry = to_json(overview.agent).as_object();
        entry["logged_in"] = overview.logged_in;
        entry["bar_live"] = overview.bar_live;
        json::array queues;
        for (const auto& m : overview.queues)
            queues.push_back(json::object{{"queue_id", m.queue_id}, {"suspended", m.suspended}, {"priorities", m.priorities}});
        entry["queues"] = std::move(queues);
        list.push_back(std::move(entry));
    }
    return HttpResponse{200, std::move(list)};
}

HttpResponse RestApi::queues(Routed& request) {
    json::array list;
    for (const QueueOverview& overview : engine_.queues(request.now, request.out)) {
        json::object entry = to_json(overview.queue).as_object();
        entry["waiting"] = overview.waiting;
        json::array members;
        for (int user_id : overview.members) members.push_back(user_id);
        entry["members"] = std::move(members);
        entry["wrapup_seconds"] = overview.wrapup_seconds;
        entry["ring_timeout_seconds"] = overview.ring_timeout_seconds;
        list.push_back(std::move(entry));
    }
    return HttpResponse{200, std::move(list)};
}

HttpResponse RestApi::calls(Routed& request) {
    json::array list;
    for (const Call& call : engine_.active_calls(request.now, request.out)) list.push_back(to_json(call));
    return HttpResponse{200, std::move(list)};
}

HttpResponse RestApi::devices(Routed& request) {
    json::array list;
    for (const DeviceOverview& overview : engine_.devices(request.now, request.out)) {
        json::object entry = to_json(overview.device).as_object();
        entry["paired_by"] = to_json(overview.paired_by);
        list.push_back(std::move(entry));
    }
    return HttpResponse{200, std::move(list)};
}

HttpResponse RestApi::history(Routed& request) {
    auto user = request.query.find("user");
    if (user == request.query.end()) return bad_request("user: required (a username)", "user");
    auto filter = history_filter(request.query);
    if (!filter) return std::move(filter).error();
    auto entries = engine_.history(user->second, std::move(filter).value(), request.now, request.out);
    if (!entries) return failed(entries.error(), user->second);
    return HttpResponse{200, to_json(entries.value())};
}

HttpResponse RestApi::layout(Routed& request) {
    auto layout = engine_.layout(request.captured, request.now, request.out);
    if (!layout) return failed(layout.error(), request.captured);
    return HttpResponse{200, json::object{{"username", request.captured}, {"layout", to_json(layout.value())}}};
}

HttpResponse RestApi::set_layout(Routed& request) {
    auto body = read_body<LayoutRequest>(request.http.body);
    if (!body) return std::move(body).error();
    if (auto problem = find_layout_problem(body->layout)) return bad_request(*layout_problem(body->layout), layout_field(*problem));
    auto layout = engine_.set_layout(request.captured, std::move(body->layout), request.now, request.out);
    if (!layout) return failed(layout.error(), request.captured);
    return HttpResponse{200, json::object{{"username", request.captured}, {"layout", to_json(layout.value())}}};
}

HttpResponse RestApi::place_call(Routed& request) {
    auto body = read_body<SandboxCallRequest>(request.http.body);
    if (!body) return std::move(body).error();
    if (body->from.empty()) return bad_request("from: must not be empty", "from");
    // The caller's number as the network carries it (core/rules/dial.hpp), however it was written.
    auto from = dialable_number(body->from);
    if (!from) return bad_request("from: " + from.error(), "from");
    body->from = std::move(from).value();
    if (body->queue.has_value() == body->to.has_value()) {
        return bad_request("queue or to: give exactly one of them", body->queue ? "to" : "queue");
    }
    std::optional<PartyAudio> audio;
    if (body->audio) {
        auto parsed = party_audio(*body->audio);
        if (!parsed) return std::move(parsed).error();
        if (audio_ == nullptr) return no_audio();
        if (auto refused = audio_->prepare(*parsed)) return error_response(422, "UNPROCESSABLE", *refused, "audio");
        audio = std::move(parsed).value();
    }
    SandboxCall call{body->from, 0, body->caller_name, body->data.value_or(json::object{})};
    std::string subject;
    if (body->queue) {
        call.destination = *body->queue;
        subject = std::to_string(*body->queue);
    } else {
        call.destination = *body->to;
        subject = *body->to;
    }
    auto placed = engine_.place_call(call, request.now, request.out);
    if (!placed) {
        const bool full = placed.error() == CommandError::network_full;
        return failed(placed.error(), full ? std::to_string(engine_.config().max_active_calls) : subject);
    }
    if (audio) audio_->play(placed.value(), *audio);
    return HttpResponse{201, json::object{{"uniqueid", placed.value()}}};
}

HttpResponse RestApi::heard(Routed& request) {
    if (audio_ == nullptr) return no_audio();
    auto wav = audio_->heard_wav(request.captured);
    if (!wav && wav.error() == HeardMissing::dropped) {
        return error_response(410, "GONE", "call " + request.captured +
                                               " ended and what its party heard was dropped to stay within ucsd's heard budget (--heard-budget-mb)",
                              "uniqueid");
    }
    if (!wav) return error_response(404, "NOT_FOUND", "no simulated party in call " + request.captured, "uniqueid");
    HttpResponse response;
    response.raw = HttpResponse::Raw{"audio/wav", std::move(*wav)};
    return response;
}

// GET /recordings/{uniqueid}: REST clients (bearer), else the user of a recordingUrl token who may
// hear it (core/rules/recording.hpp); a Range header gets one range (byte_range.hpp).
HttpResponse RestApi::recording(Routed& request) {
    const std::string& uniqueid = request.captured;
    if (!authorized(request.http, request.now)) {
        const auto token = request.query.find("token");
        if (token == request.query.end()) {
            return error_response(401, "UNAUTHORIZED", "token: a recordingUrl token or a bearer token is required", "token");
        }
        auto user = engine_.recording_token_user(token->second, uniqueid, request.now);
        if (!user) return error_response(401, "UNAUTHORIZED", "token: " + user.error(), "token");
        if (!engine_.may_hear_recording(*user, uniqueid)) {
            return error_response(403, "FORBIDDEN", "only the call's agents and superusers may hear the recording of call " + uniqueid, "uniqueid");
        }
    }
    auto file = recordings_ != nullptr ? recordings_->read(uniqueid) : std::nullopt;
    if (!file) return error_response(404, "NOT_FOUND", "no recording of call " + uniqueid, "uniqueid");
    const std::size_t size = file->size();
    const ByteRange range = parse_byte_range(request.http.range, size);
    HttpResponse response;
    response.raw = HttpResponse::Raw{"audio/ogg", {}, {{"Accept-Ranges", "bytes"}}};
    switch (range.kind) {
        case ByteRange::Kind::whole: response.raw->bytes = std::move(*file); break;
        case ByteRange::Kind::partial:
            response.status = 206;
            response.raw->bytes = file->substr(range.first, range.last - range.first + 1);
            response.raw->headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                                    std::to_string(range.last) + "/" + std::to_string(size));
            break;
        case ByteRange::Kind::unsatisfiable: {
            HttpResponse refused = error_response(416, "RANGE_NOT_SATISFIABLE", "range: the recording has " + std::to_string(size) + " bytes", "range");
            refused.raw = HttpResponse::Raw{"application/json; charset=utf-8", json::serialize(refused.body),
                                            {{"Content-Range", "bytes */" + std::to_string(size)}}};
            return refused;
        }
    }
    return response;
}

// The sandbox commands on one call or phone named in the path: {key: that id} when done.
HttpResponse RestApi::act_on(Routed& request, SandboxCommand command, std::string_view key) {
    auto done = (engine_.*command)(request.captured, request.now, request.out);
    if (!done) return failed(done.error(), request.captured);
    return HttpResponse{200, json::object{{key, request.captured}}};
}

HttpResponse RestApi::far_end_answer(Routed& request) { return act_on(request, &Engine::far_end_answer, "uniqueid"); }

HttpResponse RestApi::far_end_hangup(Routed& request) { return act_on(request, &Engine::far_end_hangup, "uniqueid"); }

HttpResponse RestApi::offhook(Routed& request) { return act_on(request, &Engine::offhook, "identifier"); }

}  // namespace ucs::server
