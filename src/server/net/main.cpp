// ucsd: the UCS server. Wires the parts together: command line, SQLite store (seeded with the demo
// directory on --demo) on its own thread, phone-number library, engine, and the network shell that
// runs it.

#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/net/hub.hpp"
#include "server/net/log.hpp"
#include "server/net/options.hpp"
#include "server/net/server.hpp"
#include "server/phone/phone_numbers.hpp"
#include "server/store/demo_data.hpp"
#include "server/store/group_commit_store.hpp"
#include "server/store/system_random.hpp"
#include "server/store/sqlite_store.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace net = ucs::server::net;

std::string url_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6 literal
}

// The host a browser on this machine reaches ucsd by: a wildcard listen address is not one.
std::string demo_host(const std::string& host) {
    return host == "0.0.0.0" || host == "::" || host.empty() ? std::string("localhost") : url_host(host);
}

int serve(const net::Options& options) {
    std::filesystem::create_directories(options.data_dir);
    auto sqlite = std::make_unique<ucs::server::SqliteStore>(options.data_dir);
    ucs::server::SystemRandom random;
    const bool fresh_demo = options.demo && sqlite->empty();
    if (fresh_demo) {
        sqlite->seed(ucs::server::demo_directory(random));
        net::log_line("demo directory loaded into " + options.data_dir.string());
    } else if (options.demo) {
        // A demo database from an older ucsd gains the phones the demo has now (the softphones).
        sqlite->add_missing_devices(ucs::server::demo_directory(random).devices);
    }
    // From here on the database belongs to the store's thread (unless --store-on-loop); its
    // destructor commits what is still queued.
    std::unique_ptr<ucs::server::GroupCommitStore> grouped;
    ucs::server::Store* store = sqlite.get();
    if (!options.store_on_loop) {
        grouped = std::make_unique<ucs::server::GroupCommitStore>(
            std::move(sqlite), [](const std::string& line) { net::log_line(line); });
        store = grouped.get();
    }
    const ucs::server::LibPhoneNumbers phone_numbers(options.region);

    ucs::server::EngineConfig config;
    ucs::server::ApiConfig api_config;
    if (options.demo) {
        config.sso_secret = "demo-sso-secret";
        api_config.clients["sandbox"] = "sandbox";
    }
    // The environment keeps the secret out of `ps`; the flag wins over both.
    if (const char* secret = std::getenv("UCSD_SSO_SECRET"); secret != nullptr && *secret != '\0')
        config.sso_secret = secret;
    if (options.sso_secret) config.sso_secret = *options.sso_secret;
    for (const auto& [id, secret] : options.rest_clients) api_config.clients[id] = secret;
    if (options.page_close_grace_ms) config.page_close_grace_ms = *options.page_close_grace_ms;
    if (config.sso_secret.empty()) net::log_line("SSO disabled: no --sso-secret");
    config.max_failed_logins_per_user = options.max_failed_logins_per_user;
    config.max_failed_logins_per_address = options.max_failed_logins_per_address;
    config.failed_login_window_ms = options.failed_login_window_seconds * 1000;

    ucs::server::Engine engine(std::move(config), *store, phone_numbers, random, net::now_ms());
    ucs::server::RestApi api(std::move(api_config), engine, random);

    net::ServerConfig server_config;
    server_config.host = options.host;
    server_config.port = options.port;
    server_config.cert_file = options.cert_file;
    server_config.key_file = options.key_file;
    server_config.allowed_origins = options.allowed_origins;
    server_config.max_connections_per_address = options.max_connections_per_address;
    server_config.dist_dir = options.dist_dir;
    server_config.crm_dir = options.www_dir / "examples" / "crm-demo";
    server_config.console_dir = options.www_dir / "src" / "server" / "console";
    server_config.recordings_dir = options.data_dir / "recordings";
    server_config.heard_budget_bytes = options.heard_budget_mb << 20;
    const std::size_t file_limit = net::raise_file_limit();
    const std::size_t capacity = net::connection_capacity(file_limit);
    server_config.max_connections = std::min(capacity, options.max_connections.value_or(capacity));
    net::log_line("open files limit " + std::to_string(file_limit) + ": holding up to " +
                  std::to_string(server_config.max_connections) + " connections; beyond them HTTP 503");
    net::Server server(server_config, engine, api);
    // Frames that acknowledge a write wait in the hub until the store reports it durable. Unhooked
    // before the server goes (the store outlives it and still commits while draining).
    if (grouped) {
        grouped->on_durable([&server](ucs::server::StoreTicket ticket) { server.store_durable(ticket); });
        server.store_durable(grouped->durable());  // what was committed before the hook
    }
    struct Unhook {
        ucs::server::GroupCommitStore* store;
        ~Unhook() {
            if (store != nullptr) store->on_durable({});
        }
    } unhook{grouped.get()};

    const std::string server_url = std::string(server.secure() ? "https" : "http") + "://" + demo_host(options.host) + ":" +
                                   std::to_string(server.port()) + "/";
    if (fresh_demo) {
        // The demo tab's page is served by this ucsd, so its URL needs the port just bound.
        ucs::server::Output ignored;  // nobody is logged in yet
        if (!engine.set_layout("agent1", ucs::server::demo_layout(server_url), net::now_ms(), ignored)) {
            net::log_line("demo layout of agent1 refused");
        }
    }

    // Scripts and tests wait for this line (and read the port from it when --listen used port 0).
    std::printf("ucsd listening on %s://%s:%u/ (data: %s)\n", server.secure() ? "https" : "http",
                url_host(options.host).c_str(), static_cast<unsigned>(server.port()),
                std::filesystem::absolute(options.data_dir).string().c_str());
    std::fflush(stdout);

    server.run();
    net::log_line("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "ucsd";
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    const auto options = net::parse_options(args);
    if (!options) {
        std::cerr << program << ": " << options.error() << "\n\n" << net::usage(program);
        return 2;
    }
    if (options->help) {
        std::cout << net::usage(program);
        return 0;
    }
    try {
        return serve(*options);
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}
