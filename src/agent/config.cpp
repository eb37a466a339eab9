#include "agent/config.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace ucs::agent {

namespace json = boost::json;

namespace {

constexpr std::array callback_names{
    "onError",       "onWarning",      "onInfo",         "onDebug",          "onMessage",     "onConnect",
    "onCredentials", "onLoginError",   "onUser",         "onIdentify",       "onIdentifier",  "onDevice",
    "onReady",       "onStateChange",  "onCallNew",      "onCallRinging",    "onCallConnect", "onCallHold",
    "onCallResume",  "onCallHangup",   "onCallMute",     "onCallUnmute",     "onAgentSuspend", "onAgentResume",
    "onWaitingCallersChange",
};

const char* kind_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    }
    return "something else";
}

// Parts of a URL that api defaults come from.
struct UrlParts {
    std::string scheme;
    std::string hostname;
    std::string port;
};

std::optional<UrlParts> split_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    UrlParts parts;
    parts.scheme = std::string(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') {  // IPv6 literal
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        parts.hostname = std::string(rest.substr(0, close + 1));
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() == ':') parts.port = std::string(rest.substr(1));
    } else {
        const auto colon = rest.find(':');
        parts.hostname = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) parts.port = std::string(rest.substr(colon + 1));
    }
    if (parts.hostname.empty()) return std::nullopt;
    if (parts.port.empty()) parts.port = parts.scheme == "https" ? "443" : "80";
    return parts;
}

class Reader {
public:
    Reader(const json::object& object, std::string prefix, std::vector<std::string>& warnings)
        : object_(object), prefix_(std::move(prefix)), warnings_(warnings) {}

    void boolean(std::string_view key, bool& out) {
        if (const json::value* v = find(key)) {
            if (v->is_bool()) {
                out = v->get_bool();
            } else {
                wrong(key, "a boolean", *v);
            }
        }
    }
    void string(std::string_view key, std::string& out) {
        if (const json::value* v = find(key)) {
            if (v->is_string()) {
                out = std::string(v->get_string());
            } else {
                wrong(key, "a string", *v);
            }
        }
    }
    void optional_boolean(std::string_view key, std::optional<bool>& out) {
        if (const json::value* v = find(key)) {
            if (v->is_bool()) {
                out = v->get_bool();
            } else {
                wrong(key, "a boolean", *v);
            }
        }
    }
    // A port may be a string or a whole number between 1 and 65535.
    void port(std::string_view key, std::string& out) {
        const json::value* v = find(key);
        if (v == nullptr) return;
        std::int64_t number = 0;
        if (v->is_int64()) {
            number = v->get_int64();
        } else if (v->is_double()) {
            // Range first: casting a double outside int64's range (1e300) is undefined behaviour.
            const double d = v->get_double();
            if (!(d >= 1 && d <= 65535) || d != std::floor(d)) return wrong(key, "a port number", *v);
            number = static_cast<std::int64_t>(d);
        } else if (v->is_string()) {
            const std::string_view text = v->get_string();
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
            if (ec != std::errc() || end != text.data() + text.size()) number = 0;
        } else {
            return wrong(key, "a port number", *v);
        }
        if (number < 1 || number > 65535) return wrong(key, "a port number", *v);
        out = std::to_string(number);
    }
    const json::object* object(std::string_view key) {
        const json::value* v = find(key);
        if (v == nullptr) return nullptr;
        if (!v->is_object()) {
            wrong(key, "an object", *v);
            return nullptr;
        }
        return &v->get_object();
    }
    void warn_unknown(std::initializer_list<std::string_view> known, bool allow_callbacks) {
        for (const auto& entry : object_) {
            const std::string_view key = entry.key();
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            if (allow_callbacks && is_callback_name(key)) continue;
            warnings_.push_back("ucsOperator: unknown parameter \"" + prefix_ + std::string(key) + "\" is ignored");
        }
    }

private:
    const json::value* find(std::string_view key) const {
        const json::value* v = object_.if_contains(key);
        return v == nullptr || v->is_null() ? nullptr : v;
    }
    void wrong(std::string_view key, const char* expected, const json::value& got) {
        warnings_.push_back("ucsOperator: parameter \"" + prefix_ + std::string(key) + "\" should be " + expected + ", got " +
                            kind_name(got) + "; using the default");
    }

    const json::object& object_;
    std::string prefix_;
    std::vector<std::string>& warnings_;
};

Endpoint read_endpoint(const json::object& object, const std::string& prefix, const Endpoint& defaults,
                       std::vector<std::string>& warnings) {
    Endpoint endpoint = defaults;
    Reader reader(object, prefix, warnings);
    reader.string("hostname", endpoint.hostname);
    reader.port("port", endpoint.port);
    reader.string("path", endpoint.path);
    reader.boolean("secure", endpoint.secure);
    return endpoint;
}

}  // namespace

bool is_callback_name(std::string_view name) {
    return std::find(callback_names.begin(), callback_names.end(), name) != callback_names.end();
}

std::string Config::websocket_url() const {
    std::string path = ws.path.empty() ? "/ws" : ws.path;
    if (path.front() != '/') path.insert(path.begin(), '/');
    const bool default_port = (ws.secure && ws.port == "443") || (!ws.secure && ws.port == "80");
    return std::string(ws.secure ? "wss://" : "ws://") + ws.hostname + (default_port ? "" : ":" + ws.port) + path;
}

namespace {

std::string origin_of(const Endpoint& endpoint) {
    const bool default_port = (endpoint.secure && endpoint.port == "443") || (!endpoint.secure && endpoint.port == "80");
    return std::string(endpoint.secure ? "https://" : "http://") + endpoint.hostname +
           (default_port ? "" : ":" + endpoint.port);
}

}  // namespace

std::string Config::http_url(std::string_view path) const { return origin_of(api) + std::string(path); }

std::string Config::recording_url(std::string_view path) const {
    std::string prefix = recording.path;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!prefix.empty() && prefix.front() != '/') prefix.insert(prefix.begin(), '/');
    return origin_of(recording) + prefix + std::string(path);
}

Config parse_config(const json::object& page_config, const Origin& origin, std::vector<std::string>& warnings) {
    Config config;
    // api defaults: the script's own URL (ucsd serves it), else the page's.
    Endpoint derived{"127.0.0.1", "8080", "", false};
    auto from = split_url(origin.script_url);
    if (!from) from = split_url(origin.page_url);
    if (from) {
        derived.hostname = from->hostname;
        derived.port = from->port;
        derived.secure = from->scheme == "https";
    }
    Reader reader(page_config, "", warnings);
    const json::object* api = reader.object("api");
    config.api = derived;
    if (api != nullptr) {
        config.api = read_endpoint(*api, "api.", derived, warnings);
        // An explicit port 443 without `secure` means TLS (API-DECISIONS.md).
        if (!api->contains("secure") && api->contains("port")) config.api.secure = config.api.port == "443" || derived.secure;
    }
    config.ws = config.api;
    config.recording = config.api;
    if (api != nullptr) {
        Reader api_reader(*api, "api.", warnings);
        for (const char* service : {"ws", "recording", "report", "email", "template"}) {
            if (const json::object* override_object = api_reader.object(service)) {
                Endpoint endpoint = read_endpoint(*override_object, std::string("api.") + service + ".", config.api, warnings);
                if (std::string_view(service) == "ws") config.ws = endpoint;
                if (std::string_view(service) == "recording") config.recording = endpoint;
            }
        }
        api_reader.warn_unknown({"hostname", "port", "path", "secure", "ws", "recording", "report", "email", "template"}, false);
    }
    reader.string("lang", config.lang);
    if (config.lang != "en" && config.lang != "cs") {
        warnings.push_back("ucsOperator: lang \"" + config.lang + "\" is not available; using \"en\"");
        config.lang = "en";
    }
    reader.string("renderTo", config.renderTo);
    reader.boolean("headless", config.headless);
    reader.boolean("autologin", config.autologin);
    reader.boolean("autologout", config.autologout);
    reader.boolean("identifyURL", config.identifyURL);
    reader.boolean("identifyIP", config.identifyIP);
    reader.boolean("identifyCookie", config.identifyCookie);
    reader.boolean("listDevices", config.listDevices);
    reader.boolean("confirmDevice", config.confirmDevice);
    reader.boolean("crmAutoOpen", config.crmAutoOpen);
    reader.boolean("showDialControl", config.showDialControl);
    reader.boolean("confirmUnload", config.confirmUnload);
    reader.boolean("notifyWaitingCallers", config.notifyWaitingCallers);
    reader.string("topMenuNameContent", config.topMenuNameContent);
    reader.boolean("showBottomMenu", config.showBottomMenu);
    reader.boolean("autoOpenAccountCode", config.autoOpenAccountCode);
    if (const json::object* audio = reader.object("audioInputConstraints")) {
        Reader audio_reader(*audio, "audioInputConstraints.", warnings);
        audio_reader.optional_boolean("echoCancellation", config.audioInputConstraints.echoCancellation);
        audio_reader.optional_boolean("noiseSuppression", config.audioInputConstraints.noiseSuppression);
        audio_reader.optional_boolean("autoGainControl", config.audioInputConstraints.autoGainControl);
        audio_reader.warn_unknown({"echoCancellation", "noiseSuppression", "autoGainControl"}, false);
    }
    reader.boolean("withoutDevice", config.withoutDevice);
    reader.boolean("legacyStartup", config.legacyStartup);
    reader.boolean("disableIntegratedAutoLogout", config.disableIntegratedAutoLogout);
    reader.boolean("debounceRequests", config.debounceRequests);
    reader.warn_unknown({"api", "lang", "renderTo", "headless", "autologin", "autologout", "identifyURL", "identifyIP",
                         "identifyCookie", "listDevices", "confirmDevice", "crmAutoOpen", "showDialControl",
                         "confirmUnload", "notifyWaitingCallers", "topMenuNameContent", "showBottomMenu",
                         "autoOpenAccountCode", "audioInputConstraints", "withoutDevice", "legacyStartup",
                         "disableIntegratedAutoLogout", "debounceRequests"},
                        true);
    return config;
}

}  // namespace ucs::agent
