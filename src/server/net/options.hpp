#pragma once
// ucsd's command line. Parsing is separate from main() so a bad flag is a value, not an exit.

#include "core/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ucs::server::net {

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: any free port (the listening line tells which)
    bool demo = false;
    std::filesystem::path data_dir = "ucsd-data";
    std::optional<std::filesystem::path> cert_file;
    std::optional<std::filesystem::path> key_file;
    std::vector<std::string> allowed_origins;  // empty: any origin may open a WebSocket
    std::filesystem::path dist_dir;            // the built agent bar, served under /operator/
    std::filesystem::path www_dir;             // holds examples/crm-demo/ and src/server/console/
    std::optional<std::string> sso_secret;
    std::map<std::string, std::string> rest_clients;  // client_id -> client_secret
    std::string region = "CZ";
    std::optional<std::int64_t> page_close_grace_ms;  // EngineConfig::page_close_grace_ms
    std::optional<std::size_t> max_connections;  // lower than what the file-descriptor limit allows
    // Abuse limits (docs/server.md, "Abuse limits").
    std::size_t max_connections_per_address = 256;  // 0: no cap
    int max_failed_logins_per_user = 5;
    int max_failed_logins_per_address = 20;
    std::int64_t failed_login_window_seconds = 300;
    // For comparison and as a fallback: SQLite on the event loop, each write its own commit (ucsd
    // before group commit). Off: the store runs on its own thread and commits in batches.
    bool store_on_loop = false;
    std::size_t heard_budget_mb = 64;  // what all simulated parties keep of what they heard
    bool help = false;
};

// Defaults for dist_dir and www_dir are the source tree this binary was built from.
Options default_options();

// argv without the program name. The error names the flag and what is wrong with it.
Expected<Options, std::string> parse_options(const std::vector<std::string>& args);

std::string usage(const std::string& program);

}  // namespace ucs::server::net
