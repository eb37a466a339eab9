#pragma once
// The page's configuration object (window.ucsOperator) as the agent engine reads it: every
// documented parameter with its documented default. Functions (callbacks) stay in JS; the
// bindings hand over the rest as JSON. A wrong type or an unknown key is a warning, never a
// failure: the bar starts with the default instead.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ucs::agent {

// One endpoint of `api` (and its per-service overrides api.ws, api.recording, ...).
struct Endpoint {
    std::string hostname;
    std::string port;  // documented as a string; numbers are accepted
    std::string path;
    bool secure = true;
};

struct AudioInputConstraints {
    std::optional<bool> echoCancellation;
    std::optional<bool> noiseSuppression;
    std::optional<bool> autoGainControl;
};

struct Config {
    Endpoint api;  // resolved: explicit values, else from the script's URL, else from the page's
    Endpoint ws;   // api.ws over api
    Endpoint recording;  // api.recording over api: GET /recordings/{uniqueid}
    std::string lang = "en";
    std::string renderTo = "app";
    bool headless = false;
    bool autologin = false;
    bool autologout = false;
    bool identifyURL = false;
    bool identifyIP = false;
    bool identifyCookie = false;
    bool listDevices = false;
    bool confirmDevice = false;
    bool crmAutoOpen = false;
    bool showDialControl = false;
    bool confirmUnload = false;
    bool notifyWaitingCallers = false;
    std::string topMenuNameContent = "%icon% %name%";
    bool showBottomMenu = false;
    bool autoOpenAccountCode = false;
    AudioInputConstraints audioInputConstraints;
    bool withoutDevice = false;
    bool legacyStartup = false;
    bool disableIntegratedAutoLogout = false;
    bool debounceRequests = false;

    // The WebSocket URL the bar connects to.
    [[nodiscard]] std::string websocket_url() const;
    // The URL of an HTTP path on the UCS server (api, not api.ws).
    [[nodiscard]] std::string http_url(std::string_view path) const;
    // A path ucsd gave for a recording (recordingUrl) on the api.recording service, after its `path` prefix.
    [[nodiscard]] std::string recording_url(std::string_view path) const;
};

// Where the page and the script come from; `api` defaults are derived from these.
struct Origin {
    std::string script_url;  // the operator script's own URL ("" when unknown)
    std::string page_url;    // window.location.href
};

// Reads the page's configuration. `page_config` holds the non-function members of
// window.ucsOperator (callbacks are the bindings' business and are skipped here by name).
Config parse_config(const boost::json::object& page_config, const Origin& origin, std::vector<std::string>& warnings);

// The documented callback names, which parse_config does not warn about.
bool is_callback_name(std::string_view name);

}  // namespace ucs::agent
