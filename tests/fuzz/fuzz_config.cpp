// libFuzzer: the page's configuration object (window.ucsOperator) as JSON, read by parse_config and
// then used to start an agent engine. Oracles: no sanitizer report (1e300 as api.port was undefined
// behaviour), no exception, a wrong value is a warning, and the URLs it derives are usable.
#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "fuzz_support.hpp"

namespace {

namespace json = boost::json;

class FixedRandom final : public ucs::agent::RandomSource {
public:
    std::string bytes(std::size_t count) override { return std::string(count, '\x42'); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return 0;
    ucs::agent::Origin origin;
    origin.script_url = "https://ucs.example.com:8443/operator/operator-v4.0.0.js";
    origin.page_url = "https://crm.example.com/page";
    std::vector<std::string> warnings;
    const ucs::agent::Config config = ucs::agent::parse_config(value.as_object(), origin, warnings);
    for (const std::string& warning : warnings) {
        ucs::fuzz::require(warning.starts_with("ucsOperator: "), "a config warning names the bar", warning);
    }
    const std::string ws = config.websocket_url();
    ucs::fuzz::require(ws.starts_with("ws://") || ws.starts_with("wss://"), "the websocket URL is ws:// or wss://", ws);
    (void)config.http_url("/api/v1.0/session/logout");
    FixedRandom random;
    ucs::agent::Agent agent(config, ucs::agent::Environment{origin, {}, std::nullopt}, random);
    agent.start(1'700'000'000'000);
    (void)agent.take_effects();
    (void)json::serialize(agent.view(1'700'000'000'000));
    return 0;
}
