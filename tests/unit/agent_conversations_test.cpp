// Golden conversations (llhttp style): tests/vectors/conversations/agent/*.txt are readable
// transcripts of the agent engine talking to a pretend ucsd, inputs ("> ...") followed by the
// effects they must produce ("< ..."), replayed here natively and as wasm under node.
//
//   # a comment                         config {...}          environment {"url_identifier": "101", "cookies": {...}}
//   include <another transcript>        (its lines, first: a conversation that goes on from where that one ends)
//   > start | open | closed             > frame <json>        > timer <heartbeat|reconnect|...>
//   > call <method> <args json> #<id>   > advance <ms>
//   < <effect line>                     (as tests/support/canned_server.hpp renders it; `*` matches anything)
//
// "view" effects and onDebug callbacks are not written down. Every effect of an input must be
// listed, in order.
#include "support/canned_server.hpp"
#include "support/vectors.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sstream>

namespace json = boost::json;

namespace {

// Glob match where '*' stands for any run of characters.
bool glob_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

struct Line {
    int number = 0;
    char kind = 0;  // '>' input, '<' expected effect, 'c' config, 'e' environment
    std::string text;
};

std::vector<Line> read_transcript(const std::string& name) {
    std::istringstream in(ucs::test::read_vector("conversations/agent/" + name));
    std::vector<Line> lines;
    std::string text;
    for (int number = 1; std::getline(in, text); ++number) {
        if (text.empty() || text[0] == '#') continue;
        if (text.starts_with("include ")) {
            auto included = read_transcript(text.substr(8));
            lines.insert(lines.end(), included.begin(), included.end());
        } else if (text.starts_with("> ") || text.starts_with("< ")) {
            lines.push_back({number, text[0], text.substr(2)});
        } else if (text.starts_with("config ")) {
            lines.push_back({number, 'c', text.substr(7)});
        } else if (text.starts_with("environment ")) {
            lines.push_back({number, 'e', text.substr(12)});
        } else {
            FAIL(name << ":" << number << ": not a transcript line: " << text);
        }
    }
    return lines;
}

ucs::agent::Environment environment_of(const json::value& v) {
    ucs::agent::Environment environment;
    if (const auto* id = v.as_object().if_contains("url_identifier")) environment.url_identifier = std::string(id->as_string());
    if (const auto* cookies = v.as_object().if_contains("cookies")) {
        for (const auto& [key, value] : cookies->as_object()) environment.cookies[std::string(key)] = std::string(value.as_string());
    }
    return environment;
}

std::vector<std::string> run_input(ucs::test::CannedServer& bar, const std::string& input) {
    const auto space = input.find(' ');
    const std::string verb = input.substr(0, space);
    const std::string rest = space == std::string::npos ? "" : input.substr(space + 1);
    if (verb == "start") return bar.start();
    if (verb == "open") return bar.open();
    if (verb == "closed") return bar.closed();
    if (verb == "frame") return bar.frame(rest);
    if (verb == "advance") {
        bar.now += std::stoll(rest);
        return {};
    }
    if (verb == "timer") {
        auto timer = ucs::test::parse_timer(rest);
        REQUIRE(timer);
        return bar.timer(*timer);
    }
    if (verb == "call") {
        // call <method> <args> #<promise>
        const auto method_end = rest.find(' ');
        const auto hash = rest.rfind(" #");
        REQUIRE(method_end != std::string::npos);
        REQUIRE(hash != std::string::npos);
        const json::value args = json::parse(rest.substr(method_end + 1, hash - method_end - 1));
        return bar.call(rest.substr(0, method_end), args.as_array(), static_cast<ucs::agent::PromiseId>(std::stoul(rest.substr(hash + 2))));
    }
    FAIL("unknown input: " << input);
    return {};
}

// Replays one transcript; on a mismatch, reports the line and the effects as they really were.
void replay(const std::string& name) {
    const std::vector<Line> lines = read_transcript(name);
    json::object config;
    ucs::agent::Environment environment;
    std::size_t i = 0;
    for (; i < lines.size() && lines[i].kind != '>'; ++i) {
        if (lines[i].kind == 'c') config = json::parse(lines[i].text).as_object();
        if (lines[i].kind == 'e') environment = environment_of(json::parse(lines[i].text));
    }
    ucs::test::CannedServer bar(config, environment);
    while (i < lines.size()) {
        const Line& input = lines[i++];
        REQUIRE(input.kind == '>');
        const std::vector<std::string> effects = run_input(bar, input.text);
        std::string actual;
        for (const auto& e : effects) actual += "< " + e + "\n";
        std::size_t matched = 0;
        for (; i < lines.size() && lines[i].kind == '<'; ++i, ++matched) {
            INFO(name << ":" << lines[i].number << " after \"> " << input.text << "\"\nexpected: < " << lines[i].text
                      << "\nthe input really produced:\n" << actual);
            REQUIRE(matched < effects.size());
            REQUIRE(glob_match(lines[i].text, effects[matched]));
        }
        INFO(name << ":" << input.number << " \"> " << input.text << "\" produced more than the transcript lists:\n" << actual);
        REQUIRE(matched == effects.size());
    }
}

}  // namespace

TEST_CASE("conversation: sso with the URL identifier reaches READY through onUser, onIdentifier, onDevice, onReady", "[agent][conversation]") {
    replay("sso_login_to_ready.txt");
}

TEST_CASE("conversation: a queue call rings, is answered and hung up, then wrap-up counts down", "[agent][conversation]") {
    replay("queue_call.txt");
}

TEST_CASE("conversation: a dropped link resumes with the missed events once each", "[agent][conversation]") {
    replay("resume_after_drop.txt");
}

TEST_CASE("conversation: refusals by state, by argument and by ucsd each warn and reject once", "[agent][conversation]") {
    replay("refusals.txt");
}

TEST_CASE("transcript lines match with wildcards", "[agent][conversation]") {
    CHECK(glob_match("send {*\"method\":\"sso\"*}", R"(send {"id":2,"method":"sso","params":{}})"));
    CHECK_FALSE(glob_match("send {*\"method\":\"sso\"}", R"(send {"id":2,"method":"ssox"})"));
    CHECK(glob_match("*", ""));
}
