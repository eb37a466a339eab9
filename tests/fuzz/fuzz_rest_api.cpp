// libFuzzer: HTTP requests to ucsd's REST and sandbox API (src/server/api). Input: the method on the
// first line, the target on the second, then the body; the first byte of the method line picks the
// Authorization header (a valid bearer token, a wrong one, or none) and is not part of the method.
// The engine and API are built once and serve many inputs (rebuilt every 1024: the calls and tokens
// they keep grow).
//
// Oracles: no sanitizer report, no exception, never a 5xx, and every body is one valid UTF-8 JSON
// document; an error body is {"error":{"code","message",...}}.
#include "fuzz_support.hpp"
#include "server/api/rest_api.hpp"
#include "server/engine/engine.hpp"
#include "server/store/demo_data.hpp"
#include "support/engine_fakes.hpp"
#include "support/memory_store.hpp"

#include <memory>
#include <optional>

namespace {

namespace json = boost::json;
using namespace ucs;  // NOLINT: a fuzz target, not a header

struct World {
    World()
        : store(server::demo_directory(random)),
          engine(config(), store, phones, random, now),
          api(api_config(), engine, random) {
        server::Output ignored;
        auto token = api.handle(
            {"POST", "/login/oauth2/token",
             R"({"client_id":"sandbox","client_secret":"sandbox","grant_type":"client_credentials"})", "", "127.0.0.1"},
            now, ignored);
        bearer = "Bearer " + std::string(token.body.at("access_token").as_string());
    }
    static server::EngineConfig config() {
        server::EngineConfig c;
        c.sso_secret = "demo-sso-secret";
        c.max_active_calls = 50;  // calls the fuzzer places do not pile up without end
        return c;
    }
    static server::ApiConfig api_config() {
        server::ApiConfig c;
        c.clients = {{"sandbox", "sandbox"}};
        c.token_seconds = 100LL * 365 * 24 * 3600;
        return c;
    }

    test::CountingRandom random{7};
    test::SimplePhoneNumbers phones;
    test::MemoryStore store;
    server::Millis now = 1'700'000'000'000;
    server::Engine engine;
    server::RestApi api;
    std::string bearer;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<World> world_holder;
    static unsigned inputs = 0;
    if (inputs++ % 1024 == 0) world_holder = std::make_unique<World>();
    World& world = *world_holder;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t first = input.find('\n');
    if (first == std::string_view::npos || first == 0) return 0;
    const std::size_t second = input.find('\n', first + 1);
    if (second == std::string_view::npos) return 0;

    server::HttpRequest request;
    const char auth = input[0];
    request.method = std::string(input.substr(1, first - 1));
    request.target = std::string(input.substr(first + 1, second - first - 1));
    request.body = std::string(input.substr(second + 1));
    request.authorization = auth % 3 == 0 ? world.bearer : auth % 3 == 1 ? "Bearer nope" : "";
    request.client_address = "192.0.2.1";

    server::Output out;
    const server::HttpResponse response = world.api.handle(request, world.now, out);
    for (const auto& frame : out.frames) fuzz::require_json_text(frame.frame.text(), "a frame ucsd sends after a REST request");
    fuzz::require(response.status >= 200 && response.status < 500, "the REST API answers with a 5xx",
                  request.method + " " + request.target + " -> " + std::to_string(response.status));
    const std::string body = json::serialize(response.body);
    const json::value parsed = fuzz::require_json(body, "a REST body");
    if (response.status >= 400) {
        const json::object* error = parsed.is_object() ? parsed.as_object().if_contains("error") != nullptr
                                                             ? parsed.as_object().at("error").if_object()
                                                             : nullptr
                                                       : nullptr;
        fuzz::require(error != nullptr && error->contains("code") && error->contains("message"),
                      "a REST error body is {\"error\":{\"code\",\"message\"}}", body);
    }
    world.now += 500;
    server::Output ticked = world.engine.tick(world.now);
    for (const auto& frame : ticked.frames) fuzz::require_json_text(frame.frame.text(), "a frame ucsd sends on a timer");
    return 0;
}
