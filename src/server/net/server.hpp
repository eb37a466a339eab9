#pragma once
// ucsd's network side: one port for HTTP and WebSocket (TLS-only when a certificate is given), run
// on one thread around one Engine and its RestApi. Beast stays behind this header.

#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ucs::server::net {

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;                       // 0: any free port; port() tells which
    std::optional<std::filesystem::path> cert_file;  // with key_file: TLS only
    std::optional<std::filesystem::path> key_file;
    std::vector<std::string> allowed_origins;  // WebSocket Origin allow-list; empty: any
    std::filesystem::path dist_dir;            // /operator/
    std::filesystem::path crm_dir;             // /
    std::filesystem::path console_dir;         // /sandbox/
    std::filesystem::path recordings_dir;      // recorded calls (docs/server.md, "Recordings"); empty: none
    std::size_t heard_budget_bytes = std::size_t{64} << 20;  // all simulated parties' heard audio
    // Open connections (HTTP and WebSocket) held at most; beyond them a new one is answered 503 and
    // closed. The default is what a file-descriptor limit allows (connection_capacity).
    std::size_t max_connections = 1024;
    // Open connections (HTTP and WebSocket) per client address; one more is refused with 429. 0: no cap.
    std::size_t max_connections_per_address = 256;
};

// Raises the soft limit on open files to the hard limit; returns the soft limit now in force.
std::size_t raise_file_limit();
// Connections a process allowed `file_limit` descriptors can hold: some stay for the database,
// the listening socket, the event loop, static files and refusing connections beyond the limit.
std::size_t connection_capacity(std::size_t file_limit);

class Server {
public:
    // Binds and listens (throws std::system_error / std::runtime_error naming what failed).
    Server(const ServerConfig& config, Engine& engine, RestApi& api);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    Server(Server&&) = delete;
    Server& operator=(Server&&) = delete;

    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] bool secure() const;
    [[nodiscard]] std::size_t open_connections() const;

    // The store has made every write up to `ticket` durable. Any thread may call it: the news is
    // posted to the event loop, where the frames that waited for it are sent.
    void store_durable(StoreTicket ticket);

    // Serves until SIGINT or SIGTERM, then closes WebSockets with "going away" and returns.
    void run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ucs::server::net
