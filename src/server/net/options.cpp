#include "server/net/options.hpp"

#include <charconv>
#include <string_view>
#include <system_error>

namespace ucs::server::net {

namespace {

// "HOST:PORT" or "[V6]:PORT".
Expected<std::pair<std::string, std::uint16_t>, std::string> parse_listen(std::string_view text) {
    const auto bad = [&] {
        return Unexpected(std::string("--listen wants HOST:PORT (e.g. 127.0.0.1:8080), got \"") + std::string(text) +
                          "\"");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return bad();
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return bad();
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
    return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

// A whole number in [min, max] for `flag`.
Expected<std::int64_t, std::string> parse_count(const std::string& flag, std::string_view text, std::int64_t min,
                                                std::int64_t max) {
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number < min || number > max)
        return Unexpected(flag + " wants a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                          ", got \"" + std::string(text) + "\"");
    return number;
}

}  // namespace

Options default_options() {
    Options options;
    options.dist_dir = UCS_DEFAULT_DIST_DIR;
    options.www_dir = UCS_DEFAULT_WWW_DIR;
    return options;
}

Expected<Options, std::string> parse_options(const std::vector<std::string>& args) {
    Options options = default_options();
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag.resize(eq);
        }
        // The value of a flag that takes one: "--flag=value" or the next argument.
        const auto value = [&]() -> Expected<std::string, std::string> {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) return Unexpected(flag + " needs a value");
            return args[++i];
        };
        const auto no_value = [&]() -> std::optional<std::string> {
            if (inline_value) return flag + " takes no value";
            return std::nullopt;
        };

        if (flag == "--help" || flag == "-h") {
            if (auto e = no_value()) return Unexpected(*e);
            options.help = true;
        } else if (flag == "--demo") {
            if (auto e = no_value()) return Unexpected(*e);
            options.demo = true;
        } else if (flag == "--store-on-loop") {
            if (auto e = no_value()) return Unexpected(*e);
            options.store_on_loop = true;
        } else if (flag == "--listen") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            auto listen = parse_listen(*v);
            if (!listen) return Unexpected(listen.error());
            options.host = listen->first;
            options.port = listen->second;
        } else if (flag == "--page-close-grace") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            std::int64_t ms = -1;
            const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
            if (ec != std::errc{} || end != v->data() + v->size() || ms < 0 || ms > 600'000)
                return Unexpected("--page-close-grace wants milliseconds from 0 to 600000, got \"" + *v + "\"");
            options.page_close_grace_ms = ms;
        } else if (flag == "--max-connections") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            std::size_t count = 0;
            const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), count);
            if (ec != std::errc() || end != v->data() + v->size() || count == 0)
                return Unexpected("--max-connections wants a positive number, got \"" + *v + "\"");
            options.max_connections = count;
        } else if (flag == "--data" || flag == "--cert" || flag == "--key" || flag == "--dist" || flag == "--www" ||
                   flag == "--allowed-origin" || flag == "--sso-secret" || flag == "--region" ||
                   flag == "--rest-client") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            if (v->empty()) return Unexpected(flag + " needs a non-empty value");
            if (flag == "--data") options.data_dir = *v;
            if (flag == "--cert") options.cert_file = *v;
            if (flag == "--key") options.key_file = *v;
            if (flag == "--dist") options.dist_dir = *v;
            if (flag == "--www") options.www_dir = *v;
            if (flag == "--sso-secret") options.sso_secret = *v;
            if (flag == "--region") options.region = *v;
            if (flag == "--allowed-origin") {
                // Browsers send the origin without a trailing slash; a pasted URL often has one.
                std::string origin = *v;
                while (origin.ends_with('/')) origin.pop_back();
                options.allowed_origins.push_back(origin);
            }
            if (flag == "--rest-client") {
                const auto colon = v->find(':');
                if (colon == 0 || colon == std::string::npos || colon + 1 == v->size())
                    return Unexpected(std::string("--rest-client wants ID:SECRET"));
                options.rest_clients[v->substr(0, colon)] = v->substr(colon + 1);
            }
        } else if (flag == "--heard-budget-mb") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            auto number = parse_count(flag, *v, 1, 65'536);
            if (!number) return Unexpected(number.error());
            options.heard_budget_mb = static_cast<std::size_t>(*number);
        } else if (flag == "--max-connections-per-address" || flag == "--max-failed-logins-per-user" ||
                   flag == "--max-failed-logins-per-address" || flag == "--failed-login-window") {
            auto v = value();
            if (!v) return Unexpected(v.error());
            const bool window = flag == "--failed-login-window";
            const bool connections = flag == "--max-connections-per-address";
            // A cap of 0 connections means none; 0 failed logins or a 0 s window would refuse every login.
            auto number = parse_count(flag, *v, connections ? 0 : 1, window ? 86'400 : 1'000'000);
            if (!number) return Unexpected(number.error());
            if (connections) options.max_connections_per_address = static_cast<std::size_t>(*number);
            if (flag == "--max-failed-logins-per-user") options.max_failed_logins_per_user = static_cast<int>(*number);
            if (flag == "--max-failed-logins-per-address") options.max_failed_logins_per_address = static_cast<int>(*number);
            if (window) options.failed_login_window_seconds = *number;
        } else {
            return Unexpected("unknown argument \"" + args[i] + "\"");
        }
    }
    if (options.cert_file.has_value() != options.key_file.has_value())
        return Unexpected(std::string("--cert and --key go together"));
    return options;
}

std::string usage(const std::string& program) {
    return "usage: " + program + R"( [options]

  --listen HOST:PORT        address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
  --demo                    load the demo directory into an empty database; REST client sandbox/sandbox,
                            SSO secret demo-sso-secret unless --sso-secret says otherwise
  --data DIR                database directory, created if missing (default ./ucsd-data)
  --cert FILE --key FILE    PEM certificate chain and private key: the port then speaks only https/wss
  --allowed-origin ORIGIN   a page origin allowed to open the WebSocket (repeatable; default: any)
  --dist DIR                the built agent bar served under /operator/ (default: the source tree's dist/operator)
  --www DIR                 root holding examples/crm-demo/ and src/server/console/ (default: the source tree)
  --sso-secret SECRET       shared SSO secret (or the UCSD_SSO_SECRET environment variable)
  --rest-client ID:SECRET   a REST API client (repeatable)
  --region CC               default region for phone numbers without a country code (default CZ)
  --page-close-grace MS     after the bar's unload beacon, how long a reload or navigation may take to
                            come back and keep the agent and the call (default 5000)
  --max-connections N       hold at most N connections (default: what the file-descriptor limit allows,
                            raised to its hard limit at start-up); beyond them new ones get HTTP 503
  --heard-budget-mb N       what all simulated parties keep of what they heard (GET .../heard), in MiB
                            (default 64); the oldest ended calls' audio is dropped first (then 410)
  --max-connections-per-address N
                            open HTTP/WebSocket connections from one client address; one more gets
                            429 TOO_MANY_CONNECTIONS (default 256; 0: no cap)
  --max-failed-logins-per-user N
                            wrong passwords or SSO tokens per user name in the window (default 5)
  --max-failed-logins-per-address N
                            the same per client address (default 20)
  --failed-login-window SECONDS
                            how long a failed login counts (default 300)
  --store-on-loop           commit each database write on the event loop, as ucsd did before group
                            commit (for comparison; default: a store thread commits writes in batches)
  --help                    this text
)";
}

}  // namespace ucs::server::net
