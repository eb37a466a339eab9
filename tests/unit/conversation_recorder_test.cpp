// Records the agent's golden conversations (tests/vectors/conversations/agent/) from real runs against
// the server engine. Hidden ([.record]); run it when the protocol changes, then review the diff:
//   UCS_TRANSCRIPT_DIR=/tmp/t build/native-debug/tests/rulebook_tests "[.record]"
// The files' comment and config lines, the `include`s and the wildcards are kept by hand.
#include "core/auth/sso.hpp"
#include "support/agent_harness.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

namespace json = boost::json;
using ucs::test::AgentHarness;

namespace {

void save(const AgentHarness& h, const std::string& name, std::size_t skip = 0) {
    const char* dir = std::getenv("UCS_TRANSCRIPT_DIR");
    REQUIRE(dir != nullptr);
    std::ofstream out(std::string(dir) + "/" + name);
    for (std::size_t i = skip; i < h.transcript().size(); ++i) out << h.transcript()[i] << "\n";
}
ucs::agent::Environment url() {
    ucs::agent::Environment e;
    e.url_identifier = "101";
    return e;
}
json::object cfg() { return json::object{{"identifyURL", true}, {"headless", true}}; }
std::string tok(AgentHarness& h) { return ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.server().now_seconds()); }

}  // namespace

TEST_CASE("record the agent's golden conversations", "[.record]") {
    {
        AgentHarness h(cfg(), url());
        h.call("sso", {"agent1", tok(h), "Acme CRM"});
        save(h, "sso_login_to_ready.txt");
    }
    {
        AgentHarness h(cfg(), url());
        h.call("sso", {"agent1", tok(h), "Acme CRM"});
        const auto skip = h.transcript().size();
        h.call("changeStatus", {"READY"});
        const std::string id = h.ring_queue(1);
        h.call("answer");
        h.advance(3'000);
        h.http("POST", "/api/v1.0/sandbox/calls/" + id + "/hangup");
        h.advance(10'000);
        save(h, "queue_call.txt", skip);
    }
    {
        AgentHarness h(cfg(), url());
        h.call("sso", {"agent1", tok(h), "Acme CRM"});
        const auto skip = h.transcript().size();
        h.call("changeStatus", {"READY"});
        h.set_unreachable(true);
        h.drop_connection();
        h.ring_queue(1);  // rings while the bar is away
        h.advance(700);
        h.set_unreachable(false);
        h.advance(2'000);
        save(h, "resume_after_drop.txt", skip);
    }
    {
        AgentHarness h(cfg(), url());
        h.call("sso", {"agent1", tok(h), "Acme CRM"});
        const auto skip = h.transcript().size();
        h.call("changeStatus", {42});
        h.call("teleport", {});
        h.call("hold");
        h.call("selectRingingSound", {"jingle"});
        h.agent().socket_message(R"({"jsonrpc":"2.0","method":"call.new","params":{"seq":999,"call":{"uniqueid":"x"}}})", h.server().now());
        h.pump();
        h.call("logout");
        h.call("dial", {"601234567"});
        save(h, "refusals.txt", skip);
    }
}
