// The user's layout (core/rules/layout.hpp): which tab sso's provider activates, which pages a tab
// may show, how a layout's problems are named, and the sandbox of a tab's frame.
#include "core/rules/layout.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ucs::LayoutTab;

namespace {

std::vector<LayoutTab> crm_tabs() {
    return {LayoutTab{"Acme CRM", "https://crm.example.com/desk"}, LayoutTab{"Wiki", "http://wiki.example.com/"}};
}

}  // namespace

TEST_CASE("sso's provider activates the tab with exactly its name", "[core][layout]") {
    const auto tabs = crm_tabs();
    CHECK(ucs::tab_for_provider(tabs, std::string("Acme CRM")) == std::optional<std::size_t>(0));
    CHECK(ucs::tab_for_provider(tabs, std::string("Wiki")) == std::optional<std::size_t>(1));
}

TEST_CASE("a provider that is not a tab's exact name activates no tab", "[core][layout]") {
    const auto tabs = crm_tabs();
    CHECK_FALSE(ucs::tab_for_provider(tabs, std::nullopt));
    CHECK_FALSE(ucs::tab_for_provider(tabs, std::string("Other CRM")));
    CHECK_FALSE(ucs::tab_for_provider(tabs, std::string("acme crm")));   // case counts
    CHECK_FALSE(ucs::tab_for_provider(tabs, std::string(" Acme CRM")));  // spaces count
    CHECK_FALSE(ucs::tab_for_provider(tabs, std::string("")));
    CHECK_FALSE(ucs::tab_for_provider({}, std::string("Acme CRM")));
}

TEST_CASE("a layout tab shows only absolute http and https pages", "[core][layout]") {
    for (const char* url : {"http://crm.example.com", "https://crm.example.com/a?b=c#d", "HTTPS://Crm.Example.com:8443/x",
                            "http://127.0.0.1:8080/tabs/acme.html", "https://crm-2.example.com:65535/", "https://my_crm.example.com/"}) {
        INFO(url);
        CHECK_FALSE(ucs::tab_url_problem(url));
    }
    for (const char* url : {"javascript:alert(1)", "JavaScript://crm.example.com/%0aalert(1)", "data:text/html,<b>x</b>",
                            "file:///etc/passwd", "blob:https://crm.example.com/1", "/tabs/acme.html", "//crm.example.com/",
                            "crm.example.com", "ftp://crm.example.com/", "", "http://", "https:///path", "http://:80/",
                            "http://crm.example.com/a b", "http://crm.example.com\\@evil.example/", "http://crm.example.com/\n"}) {
        INFO(url);
        CHECK(ucs::tab_url_problem(url));
    }
    CHECK(*ucs::tab_url_problem("javascript:alert(1)") == "only http:// and https:// pages can be shown in a tab");
    CHECK(ucs::tab_url_problem("https://crm.example.com/" + std::string(ucs::max_tab_url_bytes, 'a')));
}

TEST_CASE("a layout's first problem names its field", "[core][layout]") {
    CHECK_FALSE(ucs::layout_problem({}));
    CHECK_FALSE(ucs::layout_problem(crm_tabs()));
    CHECK(ucs::layout_problem({LayoutTab{"Acme", "javascript:alert(1)"}}) ==
          "layout[0].url: only http:// and https:// pages can be shown in a tab");
    CHECK(ucs::layout_problem({LayoutTab{"Acme", "https://a.example/"}, LayoutTab{"  ", "https://b.example/"}}) ==
          "layout[1].name: must not be empty");
    CHECK(ucs::layout_problem({LayoutTab{"Acme", "https://a.example/"}, LayoutTab{"Acme", "https://b.example/"}}) ==
          "layout[1].name: \"Acme\" is the name of layout[0] too");
    CHECK(ucs::layout_problem({LayoutTab{std::string(ucs::max_tab_name_bytes + 1, 'x'), "https://a.example/"}}) ==
          "layout[0].name: at most 64 bytes");
    CHECK(ucs::layout_problem({LayoutTab{"A\xff", "https://a.example/"}}) == "layout[0].name: must be UTF-8 text");
    CHECK(ucs::layout_problem({LayoutTab{"A\tB", "https://a.example/"}}) == "layout[0].name: must not contain control characters");
    CHECK(ucs::layout_problem({LayoutTab{"Zákazníci – CRM", "https://a.example/"}}) == std::nullopt);
    std::vector<LayoutTab> many;
    for (std::size_t i = 0; i <= ucs::max_layout_tabs; ++i) many.push_back(LayoutTab{"T" + std::to_string(i), "https://a.example/"});
    CHECK(ucs::layout_problem(many) == "layout: at most 12 tabs");
}

TEST_CASE("the bar keeps only the tabs of a layout that pass the rules, in order", "[core][layout]") {
    const std::vector<LayoutTab> sent{LayoutTab{"Acme CRM", "https://crm.example.com/"}, LayoutTab{"Evil", "javascript:alert(1)"},
                                      LayoutTab{"Acme CRM", "https://other.example.com/"}, LayoutTab{"Wiki", "http://wiki.example.com/"}};
    CHECK(ucs::valid_tabs(sent) == std::vector<LayoutTab>{sent[0], sent[3]});
}

TEST_CASE("a tab's frame keeps its own origin only when it is not the CRM page's", "[core][layout]") {
    CHECK(ucs::web_origin("HTTPS://CRM.example.com:443/desk?x=1") == "https://crm.example.com");
    CHECK(ucs::web_origin("http://127.0.0.1:8080/tabs/acme.html") == "http://127.0.0.1:8080");
    CHECK(ucs::web_origin("http://crm.example.com:80") == "http://crm.example.com");
    CHECK(ucs::web_origin("javascript:alert(1)").empty());

    const std::string page = "https://crm.example.com/contacts/42";
    CHECK(ucs::frame_sandbox("https://wiki.example.com/", page) == "allow-scripts allow-forms allow-popups allow-same-origin");
    CHECK(ucs::frame_sandbox("http://crm.example.com/", page) == "allow-scripts allow-forms allow-popups allow-same-origin");
    CHECK(ucs::frame_sandbox("https://crm.example.com:443/desk", page) == "allow-scripts allow-forms allow-popups");
    CHECK(ucs::frame_sandbox("https://wiki.example.com/", "") == "allow-scripts allow-forms allow-popups");
}

TEST_CASE("a tab whose host a browser would rewrite is refused, so it cannot pass for the CRM page's origin", "[core][layout]") {
    // Each is the origin https://crm.example.com (or http://127.0.0.1) once a browser has parsed it, but
    // not as text: before this rule such a tab kept allow-same-origin on the CRM's own origin.
    for (const char* url : {"https://crm%2Eexample.com/", "https://crm.example.com:0443/", "https://crm.example.com./",
                            "https://user@crm.example.com/", "https://user:pw@crm.example.com/", "http://127.1/",
                            "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://2130706433/", "http://127.0.0.01/",
                            "http://[::1]:80/", "https://čez.example/", "https://crm..example.com/", "https://crm.example.com:99999/",
                            "https://crm.example.com:8a/", "https://.crm.example.com/", "http://127.0.0.256/"}) {
        INFO(url);
        const auto problem = ucs::find_layout_problem({LayoutTab{"CRM", url}});
        REQUIRE(problem);
        CHECK(problem->fault == ucs::LayoutFault::url_host_not_plain);
    }
    CHECK(ucs::layout_problem({LayoutTab{"CRM", "https://crm.example.com:0443/"}})->starts_with("layout[0].url: the host must be written plainly"));
    CHECK_FALSE(ucs::tab_url_problem("http://192.168.0.10:8080/x"));
    CHECK_FALSE(ucs::tab_url_problem("https://xn--ez-9ia.example/"));
    CHECK_FALSE(ucs::tab_url_problem("https://crm.example.com:/"));
}

TEST_CASE("a layout's problem is data: the fault and the field it is about", "[core][layout]") {
    const auto scheme = ucs::find_layout_problem({LayoutTab{"Acme", "https://a.example/"}, LayoutTab{"Evil", "javascript:alert(1)"}});
    REQUIRE(scheme);
    CHECK(scheme->fault == ucs::LayoutFault::url_not_web);
    CHECK(ucs::layout_field(*scheme) == "layout[1].url");
    const auto repeated = ucs::find_layout_problem({LayoutTab{"A", "https://a.example/"}, LayoutTab{"A", "https://b.example/"}});
    REQUIRE(repeated);
    CHECK(repeated->fault == ucs::LayoutFault::name_repeated);
    CHECK(repeated->earlier == 0);
    CHECK(ucs::layout_field(*repeated) == "layout[1].name");
    CHECK(ucs::url_fault("http://crm.example.com/a b") == ucs::LayoutFault::url_unsafe_characters);
    CHECK(ucs::url_fault("https:///x") == ucs::LayoutFault::url_no_host);
}
