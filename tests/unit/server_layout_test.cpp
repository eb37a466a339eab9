// A user's layout in ucsd (kept per user, set through the sandbox API, sent with every login and to
// the user's bars when it changes), and the bar's side in memory against the real engine: sso's
// provider opens the tab of that name (core/rules/layout.hpp).
#include "core/auth/sso.hpp"
#include "core/json.hpp"
#include "core/protocol.hpp"
#include "core/rules/layout.hpp"
#include "server/store/demo_data.hpp"
#include "support/agent_harness.hpp"

#include <catch2/catch.hpp>

namespace json = boost::json;
using ucs::test::AgentHarness;
using ucs::test::Harness;

namespace {

const std::string crm_layout =
    R"({"layout":[{"name":"Acme CRM","url":"https://crm.example.com/desk"},{"name":"Wiki","url":"http://wiki.example.com/"}]})";

std::string layout_path(const std::string& username) { return "/api/v1.0/sandbox/users/" + username + "/layout"; }

json::value tabs_of(std::string_view body) { return json::parse(body).at("layout"); }

json::object sso_params(Harness& h, const std::string& username, const std::string& provider) {
    return {{"username", username}, {"token", ucs::auth::make_sso_token("demo-sso-secret", username, h.now_seconds())}, {"provider", provider}};
}

// The bar with the URL identifier 101, on a CRM page at https://crm.example.com.
AgentHarness bar_on_crm_page() {
    ucs::agent::Environment environment;
    environment.url_identifier = "101";
    environment.origin.page_url = "https://crm.example.com/contacts/42";
    return AgentHarness(json::object{{"identifyURL", true}}, std::move(environment));
}

json::value bar_layout(AgentHarness& h) { return h.agent().view(h.server().now()).at("layout"); }

}  // namespace

TEST_CASE("the sandbox API sets a user's layout and every later login's result carries it", "[server][layout]") {
    Harness h;
    auto before = h.http("GET", layout_path("agent2"));
    REQUIRE(before.status == 200);
    CHECK(before.body == json::parse(R"({"username":"agent2","layout":[]})"));

    auto set = h.http("POST", layout_path("agent2"), crm_layout);
    REQUIRE(set.status == 200);
    CHECK(set.body.at("layout") == tabs_of(crm_layout));
    CHECK(h.http("GET", layout_path("agent2")).body.at("layout") == tabs_of(crm_layout));

    auto& c = h.connect();
    c.hello();
    const json::value result = c.ok(ucs::protocol::method::sso, sso_params(h, "agent2", "Acme CRM"));
    CHECK(result.at("layout") == tabs_of(crm_layout));

    auto& other = h.connect();
    other.hello();
    CHECK(other.ok(ucs::protocol::method::sso, sso_params(h, "agent3", "Acme CRM")).at("layout") == json::array{});
}

TEST_CASE("a layout the rules refuse is answered 400 naming the field, and the stored one stays", "[server][layout]") {
    Harness h;
    REQUIRE(h.http("POST", layout_path("agent1"), crm_layout).status == 200);
    struct Refused {
        std::string body;
        std::string field;
    };
    for (const auto& [body, field] : {
             Refused{R"j({"layout":[{"name":"Evil","url":"javascript:alert(1)"}]})j", "layout[0].url"},
             Refused{R"({"layout":[{"name":"A","url":"https://a.example/"},{"name":"A","url":"https://b.example/"}]})", "layout[1].name"},
             Refused{R"({"layout":[{"name":"","url":"https://a.example/"}]})", "layout[0].name"},
             Refused{R"({"layout":[{"name":"Rel","url":"/tabs/acme.html"}]})", "layout[0].url"},
             Refused{R"({"layout":"Acme"})", "layout"},
             Refused{R"({"tabs":[]})", "layout"},
         }) {
        INFO(body);
        auto refused = h.http("POST", layout_path("agent1"), body);
        CHECK(refused.status == 400);
        CHECK(refused.body.at("error").at("code") == "BAD_REQUEST");
        CHECK(refused.body.at("error").at("field") == json::value(field));
    }
    CHECK(h.http("POST", layout_path("agent1"), R"({"layout":[{"name":"Evil","url":"data:text/html,x"}]})").body.at("error").at("message") ==
          "layout[0].url: only http:// and https:// pages can be shown in a tab");
    CHECK(h.http("GET", layout_path("agent1")).body.at("layout") == tabs_of(crm_layout));
    CHECK(h.http("GET", layout_path("nobody")).status == 404);
    CHECK(h.http("POST", layout_path("nobody"), crm_layout).status == 404);
    CHECK(h.http("POST", layout_path("agent1"), crm_layout, false).status == 401);
}

TEST_CASE("a user's layout survives a restart of ucsd", "[server][layout]") {
    Harness h;
    REQUIRE(h.http("POST", layout_path("agent1"), crm_layout).status == 200);
    h.restart();
    auto& c = h.connect();
    c.hello();
    CHECK(c.ok(ucs::protocol::method::sso, sso_params(h, "agent1", "Wiki")).at("layout") == tabs_of(crm_layout));
}

TEST_CASE("a changed layout reaches the user's bars at once and nobody else's", "[server][layout]") {
    Harness h;
    auto& alice = h.connect();
    alice.hello();
    alice.login_sso("agent1");
    auto& bob = h.connect();
    bob.hello();
    bob.login_sso("agent2");
    alice.take_events();
    bob.take_events();
    REQUIRE(h.http("POST", layout_path("agent1"), crm_layout).status == 200);
    auto event = alice.next_event(ucs::protocol::event::layout);
    REQUIRE(event);
    CHECK(event->at("layout") == tabs_of(crm_layout));
    CHECK(bob.take_event_names().empty());
    // The same layout again changes nothing and says nothing.
    REQUIRE(h.http("POST", layout_path("agent1"), crm_layout).status == 200);
    CHECK(alice.take_event_names().empty());
}

TEST_CASE("the demo's Acme CRM tab passes the layout rules", "[server][layout]") {
    const auto tabs = ucs::server::demo_layout("http://127.0.0.1:8080/");
    CHECK_FALSE(ucs::layout_problem(tabs));
    REQUIRE(tabs.size() == 1);
    CHECK(tabs[0].name == "Acme CRM");
    CHECK(tabs[0].url == "http://127.0.0.1:8080/tabs/acme.html");
}

TEST_CASE("sso with a provider naming a layout tab opens that tab when the bar is ready", "[agent][layout]") {
    AgentHarness h = bar_on_crm_page();
    REQUIRE(h.server().http("POST", layout_path("agent1"), crm_layout).status == 200);
    h.call("sso", {"agent1", ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.server().now_seconds()), "Acme CRM"});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
    const json::value layout = bar_layout(h);
    CHECK(layout.at("active") == "Acme CRM");
    // The page's own origin runs opaque; another origin keeps its own (its login cookies).
    CHECK(layout.at("tabs") == json::parse(R"([
        {"name":"Acme CRM","url":"https://crm.example.com/desk","sandbox":"allow-scripts allow-forms allow-popups"},
        {"name":"Wiki","url":"http://wiki.example.com/","sandbox":"allow-scripts allow-forms allow-popups allow-same-origin"}])"));
}

TEST_CASE("sso with a provider that names no tab, or a password login, leaves the bar's default view", "[agent][layout]") {
    AgentHarness h = bar_on_crm_page();
    REQUIRE(h.server().http("POST", layout_path("agent1"), crm_layout).status == 200);
    h.call("sso", {"agent1", ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.server().now_seconds()), "acme crm"});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
    CHECK(bar_layout(h).at("active").is_null());
    CHECK(bar_layout(h).at("tabs").as_array().size() == 2);

    h.call("logout");
    CHECK(bar_layout(h).at("tabs").as_array().empty());
    h.call("login", {"agent1", "demo"});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
    CHECK(bar_layout(h).at("active").is_null());
    CHECK(bar_layout(h).at("tabs").as_array().size() == 2);
}

TEST_CASE("the bar redraws its tabs when the user's layout changes", "[agent][layout]") {
    AgentHarness h = bar_on_crm_page();
    h.call("sso", {"agent1", ucs::auth::make_sso_token("demo-sso-secret", "agent1", h.server().now_seconds()), "Wiki"});
    REQUIRE(h.agent().app_state() == ucs::agent::AppState::READY);
    CHECK(bar_layout(h).at("tabs").as_array().empty());
    CHECK(bar_layout(h).at("active").is_null());
    REQUIRE(h.server().http("POST", layout_path("agent1"), crm_layout).status == 200);
    h.advance(0);  // the event travels to the bar
    CHECK(bar_layout(h).at("tabs").as_array().size() == 2);
    CHECK(bar_layout(h).at("active") == "Wiki");  // the login's provider names a tab now
}

TEST_CASE("a layout set through the sandbox API is answered only once the store has made it durable", "[server][layout][store]") {
    Harness h;
    h.store().number_writes(true);
    const auto set = h.http("POST", layout_path("agent2"), crm_layout);
    REQUIRE(set.status == 200);
    CHECK(set.durable_after > 0);
    CHECK(set.durable_after == h.store().last_write());
    const auto read = h.http("GET", layout_path("agent2"));
    REQUIRE(read.status == 200);
    CHECK(read.durable_after == 0);  // a read waits for nothing
    const auto refused = h.http("POST", layout_path("agent2"), R"({"layout":[{"name":"","url":"https://a.example/"}]})");
    CHECK(refused.status == 400);
    CHECK(refused.durable_after == 0);
}
