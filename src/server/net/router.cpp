#include "server/net/router.hpp"

#include "core/percent_encoding.hpp"
#include "core/utf8.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

namespace ucs::server::net {

namespace {

// Our own HTML pages load scripts only from files (no inline script), the bar's wasm needs
// 'wasm-unsafe-eval', and its WebSocket may go to another port of the same host.
constexpr std::string_view page_csp =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob: data:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'self'";
// A layout tab's page (the demo CRM's /tabs/): any CRM page hosting the bar may frame it.
constexpr std::string_view tab_page_csp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors *";

constexpr std::string_view api_methods = "GET, POST, OPTIONS";
constexpr std::string_view api_headers = "Authorization, Content-Type";

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

void add_cors(WebResponse& response, std::string_view origin) {
    // Bearer tokens, not cookies, authorise the API, so any origin may read its answers.
    if (origin.empty()) {
        response.headers.emplace_back("Access-Control-Allow-Origin", "*");
    } else {
        response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
        response.headers.emplace_back("Vary", "Origin");
    }
    response.headers.emplace_back("Access-Control-Allow-Headers", std::string(api_headers));
    response.headers.emplace_back("Access-Control-Allow-Methods", std::string(api_methods));
}

WebResponse method_not_allowed(std::string_view method, std::string_view path, std::string_view allow) {
    WebResponse response =
        Router::json_error(405, "METHOD_NOT_ALLOWED", std::string(method) + " is not allowed on " + std::string(path));
    response.headers.emplace_back("Allow", std::string(allow));
    return response;
}

}  // namespace

Router::Router(RouterConfig config, Hub& hub) : config_(std::move(config)), hub_(hub) {}

bool Router::is_websocket_path(std::string_view target) {
    const std::string_view path = path_of(target);
    return path == "/ws" || path.ends_with("/ws");
}

bool Router::is_media_path(std::string_view target) {
    const std::string_view path = path_of(target);
    return path == "/media" || path.ends_with("/media");
}

// Messages echo the request's path, which may hold any bytes: the body stays UTF-8.
WebResponse Router::json_error(int status, std::string_view code, std::string_view message) {
    WebResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    response.headers.emplace_back("Cache-Control", "no-store");
    response.body = std::make_shared<const std::string>(boost::json::serialize(
        boost::json::object{{"error", boost::json::object{{"code", code}, {"message", ucs::to_valid_utf8(message)}}}}));
    return response;
}

WebResponse Router::handle(const WebRequest& request) {
    if (request.target.empty() || request.target.front() != '/')
        return json_error(400, "BAD_REQUEST", "the request target must be a path");
    const std::string_view raw_path = path_of(request.target);
    const std::optional<std::string> decoded = ucs::percent_decode(raw_path);
    if (!decoded) return json_error(400, "BAD_REQUEST", "bad percent-encoding in the path");
    const std::string_view path = *decoded;

    if (request.method == "OPTIONS") {
        WebResponse response;
        response.status = 204;
        add_cors(response, request.origin);
        response.headers.emplace_back("Access-Control-Max-Age", "600");
        return response;
    }

    if (path.starts_with("/api/") || path == "/login/oauth2/token") {
        if (request.method != "GET" && request.method != "POST") {
            WebResponse response = method_not_allowed(request.method, path, api_methods);
            add_cors(response, request.origin);
            return response;
        }
        return api(request);
    }

    if (path.starts_with("/recordings/")) {
        if (request.method != "GET" && request.method != "HEAD")
            return method_not_allowed(request.method, path, "GET, HEAD, OPTIONS");
        WebResponse response = api(request);  // the REST API answers HEAD as GET
        response.head = request.method == "HEAD";
        return response;
    }

    if (is_websocket_path(path) || is_media_path(path)) {
        WebResponse response = json_error(426, "UPGRADE_REQUIRED", "this path takes WebSocket connections only");
        response.headers.emplace_back("Upgrade", "websocket");
        return response;
    }

    if (request.method != "GET" && request.method != "HEAD")
        return method_not_allowed(request.method, path, "GET, HEAD, OPTIONS");

    using enum Audience;
    if (path.starts_with("/operator/")) return serve_file(request, config_.dist_dir, path.substr(10), cross_origin);
    if (path == "/sandbox" || path == "/sandbox/") return serve_file(request, config_.console_dir, "index.html", own);
    if (path.starts_with("/sandbox/")) return serve_file(request, config_.console_dir, path.substr(9), own);
    if (path == "/") return serve_file(request, config_.crm_dir, "index.html", own);
    if (path.starts_with("/tabs/")) return serve_file(request, config_.crm_dir, path.substr(1), framed_anywhere);
    return serve_file(request, config_.crm_dir, path.substr(1), own);
}

WebResponse Router::serve_file(const WebRequest& request, const std::filesystem::path& root, std::string_view relative,
                               Audience audience) {
    if (!safe_relative_path(relative))
        return json_error(400, "BAD_PATH", "path not allowed: " + std::string(path_of(request.target)));
    std::optional<StaticFile> file = files_.get(root, relative, request.accept_encoding);
    if (!file) return json_error(404, "NOT_FOUND", "no such path: " + std::string(path_of(request.target)));

    WebResponse response;
    response.head = request.method == "HEAD";
    response.headers.emplace_back("ETag", file->etag);
    response.headers.emplace_back("Cache-Control",
                                  file->versioned ? "public, max-age=31536000, immutable" : "no-cache");
    if (file->compressible) response.headers.emplace_back("Vary", "Accept-Encoding");
    if (audience == Audience::cross_origin) {
        // CRMs load the bar from their own origin: the wasm fetch and any other request the bar
        // makes for its files is cross-origin and must be readable there.
        response.headers.emplace_back("Access-Control-Allow-Origin", "*");
        response.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");
    }
    if (etag_matches(request.if_none_match, file->etag)) {
        response.status = 304;
        return response;
    }
    response.headers.emplace_back("Content-Type", file->content_type);
    if (!file->content_encoding.empty()) response.headers.emplace_back("Content-Encoding", file->content_encoding);
    if (file->content_type.starts_with("text/html")) {
        response.headers.emplace_back("Content-Security-Policy",
                                      std::string(audience == Audience::framed_anywhere ? tab_page_csp : page_csp));
        response.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    response.body = std::move(file->body);
    return response;
}

WebResponse Router::api(const WebRequest& request) {
    HttpRequest engine_request;
    engine_request.method = request.method;
    engine_request.target = request.target;
    engine_request.body = request.body;
    engine_request.authorization = request.authorization;
    engine_request.client_address = request.client_address;
    engine_request.range = request.range;
    const HttpResponse answer = hub_.http(engine_request);

    WebResponse response;
    response.status = answer.status;
    response.headers.emplace_back("Content-Type", answer.raw ? answer.raw->content_type : "application/json; charset=utf-8");
    response.headers.emplace_back("Cache-Control", "no-store");  // bearer tokens and live state
    add_cors(response, request.origin);
    if (answer.raw) response.headers.insert(response.headers.end(), answer.raw->headers.begin(), answer.raw->headers.end());
    response.body = std::make_shared<const std::string>(answer.raw ? answer.raw->bytes : boost::json::serialize(answer.body));
    response.durable_after = answer.durable_after;
    return response;
}

}  // namespace ucs::server::net
