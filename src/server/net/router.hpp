#pragma once
// HTTP routing for ucsd, without Beast: the session turns a request into a WebRequest and the
// WebResponse back into Beast's message, so every rule here (paths, methods, CORS, caching) is plain
// data in and out.
//
//   OPTIONS anything          204 with CORS headers (preflight)
//   /operator/<file>          the agent bar bundle (--dist), CORS and CORP for CRM origins
//   /sandbox, /sandbox/<file> the sandbox console
//   /api/..., /login/oauth2/token   the REST and sandbox API (src/server/api)
//   /recordings/<uniqueid>    the api.recording service (src/server/api: its own auth, ranges); GET, HEAD
//   .../ws, .../media         WebSocket only (upgrades never get here)
//   /, /<file>                the example CRM page
//   anything else             404 JSON

#include "server/net/hub.hpp"
#include "server/net/static_files.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ucs::server::net {

struct WebRequest {
    std::string method;
    std::string target;  // origin-form: path and query
    std::string body;
    std::string authorization;
    std::string origin;
    std::string accept_encoding;
    std::string if_none_match;
    std::string client_address;
    std::string range = {};  // the Range header (GET /recordings/...)
};

struct WebResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::shared_ptr<const std::string> body;  // null: empty
    bool head = false;                        // HEAD: Content-Length describes a body that is not sent
    StoreTicket durable_after = 0;            // send once the store has made this write durable
};

struct RouterConfig {
    std::filesystem::path dist_dir;     // /operator/
    std::filesystem::path crm_dir;      // /
    std::filesystem::path console_dir;  // /sandbox/
};

class Router {
public:
    Router(RouterConfig config, Hub& hub);

    WebResponse handle(const WebRequest& request);

    // The WebSocket endpoint: /ws, or any path ending in /ws (the bar's default is derived from
    // where operator.js was loaded and may sit under a prefix on a reverse proxy).
    static bool is_websocket_path(std::string_view target);
    // The media socket (docs/media.md): /media, or any path ending in /media.
    static bool is_media_path(std::string_view target);

    // {"error": {"code", "message"}} with the headers every JSON answer carries.
    static WebResponse json_error(int status, std::string_view code, std::string_view message);

private:
    // Who may use a file: pages of this origin only; any origin (the bar's files, which CRMs load);
    // or, for the demo CRM's layout-tab pages (/tabs/), any page may show it in a frame.
    enum class Audience : std::uint8_t { own, cross_origin, framed_anywhere };
    WebResponse serve_file(const WebRequest& request, const std::filesystem::path& root, std::string_view relative,
                           Audience audience);
    WebResponse api(const WebRequest& request);

    RouterConfig config_;
    Hub& hub_;
    StaticFiles files_;
};

}  // namespace ucs::server::net
