#pragma once
// Golden conversations with the server engine: llhttp-style transcripts of frames in and frames out
// (tests/vectors/conversations/README.md), replayed on the in-memory harness and its fake clock.
// Every frame the engine sends must be written down, in order per client; values that change from
// run to run (uniqueids, channels, session keys) are matched by "*" or captured by "$name".
//
// With UCS_RECORD_CONVERSATION set in the environment, the player asserts nothing and prints the
// transcript with the frames actually received instead: how a new conversation is drafted.

#include "support/engine_harness.hpp"
#include "support/vectors.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace ucs::test {

class ConversationPlayer {
public:
    explicit ConversationPlayer(const std::string& name) : name_(name), text_(read_vector(name)) {
        recording_ = std::getenv("UCS_RECORD_CONVERSATION") != nullptr;
    }

    void play() {
        for (const auto& [number, line] : logical_lines()) {
            line_number_ = number;
            step(line);
        }
        settle();
        if (recording_) std::cout << recorded_.str();
    }

private:
    // A line that starts with a space or a tab continues the one before (long frames fold that way).
    std::vector<std::pair<int, std::string>> logical_lines() const {
        std::vector<std::pair<int, std::string>> lines;
        std::istringstream text(text_);
        std::string line;
        int number = 0;
        while (std::getline(text, line)) {
            ++number;
            const bool continues = !line.empty() && (line[0] == ' ' || line[0] == '\t');
            if (continues && !lines.empty() && !trimmed(lines.back().second).empty()) {
                lines.back().second += " " + trimmed(line);
            } else {
                lines.emplace_back(number, line);
            }
        }
        return lines;
    }

    // ---- one line ----

    void step(const std::string& raw) {
        const std::string line = trimmed(raw);
        const bool expectation = is_expectation(line);
        if (recording_) {
            if (!expectation) {
                settle();
                recorded_ << raw << "\n";
            }
            if (!expectation && !line.empty() && line[0] != '#') act(line);
            return;
        }
        if (line.empty() || line[0] == '#') return;
        INFO(where() << line);
        if (expectation) {
            expect(line);
        } else {
            settle();
            act(line);
        }
    }

    static bool is_expectation(const std::string& line) {
        const std::size_t space = line.find(' ');
        return space != std::string::npos && line.compare(space, 3, " < ") == 0;
    }

    void act(const std::string& line) {
        std::istringstream words(line);
        std::string first;
        std::string second;
        words >> first >> second;
        if (first == "connect") {
            std::string address = "127.0.0.1";
            words >> address;
            clients_[second] = &h_.connect(address);
        } else if (first == "disconnect") {
            h_.disconnect(client(second));
        } else if (first == "advance") {
            h_.advance(std::stoll(second));
        } else if (first == "http") {
            std::string target;
            words >> target;
            std::string body;
            std::getline(words, body);
            const server::HttpResponse response = h_.http(second, substituted(target), substituted(trimmed(body)));
            http_answer_ = json::object{{"status", response.status}, {"body", response.body}};
        } else if (second == ">") {
            client(first).send_raw(substituted(line.substr(line.find('>') + 2)));
        } else {
            FAIL(where() << "cannot read this line: " << line);
        }
    }

    void expect(const std::string& line) {
        const std::size_t space = line.find(' ');
        const std::string who = line.substr(0, space);
        const std::string rest = line.substr(space + 3);
        if (who == "http") {
            REQUIRE(http_answer_.has_value());
            const std::size_t gap = rest.find(' ');
            const json::value expected = json::object{{"status", std::stoi(rest.substr(0, gap))}, {"body", parsed(rest.substr(gap + 1))}};
            check(expected, *http_answer_);
            http_answer_.reset();
            return;
        }
        auto& inbox = client(who).inbox();
        {
            INFO(who << " received nothing more");
            REQUIRE_FALSE(inbox.empty());
        }
        const json::value actual = inbox.front();
        inbox.pop_front();
        check(parsed(rest), actual);
    }

    // Before the next input and at the end: every frame out was expected, nothing went unreported.
    void settle() {
        for (auto& [who, c] : clients_) {
            for (json::object& frame : c->inbox()) {
                if (recording_) {
                    recorded_ << who << " < " << json::serialize(frame) << "\n";
                } else {
                    FAIL(where() << who << " received a frame the transcript does not expect: " << json::serialize(frame));
                }
            }
            c->inbox().clear();
        }
        if (http_answer_) {
            if (!recording_) FAIL(where() << "an http answer the transcript does not expect: " << json::serialize(*http_answer_));
            recorded_ << "http < " << http_answer_->at("status") << " " << json::serialize(http_answer_->at("body")) << "\n";
            http_answer_.reset();
        }
        if (!recording_) {
            INFO(where() << "the engine logged an unexpected event");
            CHECK(h_.log().empty());
        }
    }

    // ---- matching ----

    void check(const json::value& expected, const json::value& actual) {
        std::string why;
        INFO("expected " << json::serialize(expected) << "\n     got " << json::serialize(actual));
        const bool same = matches(expected, actual, "", why);
        INFO(why);
        CHECK(same);
    }

    // "*" matches anything, "$name" captures a value or must equal the one captured, an object with
    // the key "..." may have more keys than it lists.
    bool matches(const json::value& expected, const json::value& actual, const std::string& path, std::string& why) {
        if (expected.is_string()) {
            const std::string text(expected.get_string());
            if (text == "*") return true;
            if (is_capture(text)) {
                const auto [it, fresh] = captures_.emplace(text.substr(1), actual);
                if (fresh || it->second == actual) return true;
                why = path + ": " + text + " was " + json::serialize(it->second);
                return false;
            }
        }
        if (expected.is_object() && actual.is_object()) return objects_match(expected.get_object(), actual.get_object(), path, why);
        if (expected.is_array() && actual.is_array()) {
            const auto& e = expected.get_array();
            const auto& a = actual.get_array();
            if (e.size() != a.size()) return fail(why, path, "array sizes differ");
            for (std::size_t i = 0; i < e.size(); ++i)
                if (!matches(e[i], a[i], path + "[" + std::to_string(i) + "]", why)) return false;
            return true;
        }
        if (expected.is_number() && actual.is_number() && expected.to_number<double>() == actual.to_number<double>()) return true;
        return expected == actual || fail(why, path, "differs");
    }

    bool objects_match(const json::object& expected, const json::object& actual, const std::string& path, std::string& why) {
        const bool open = expected.contains("...");
        for (const auto& [key, value] : expected) {
            if (key == "...") continue;
            const std::string at = path + "." + std::string(key);
            const json::value* got = actual.if_contains(key);
            if (got == nullptr) return fail(why, at, "missing");
            if (!matches(value, *got, at, why)) return false;
        }
        if (open) return true;
        for (const auto& [key, value] : actual)
            if (!expected.contains(key)) return fail(why, path + "." + std::string(key), "not in the transcript");
        return true;
    }

    static bool fail(std::string& why, const std::string& path, const std::string& problem) {
        why = (path.empty() ? std::string("the frame") : path) + ": " + problem;
        return false;
    }

    static bool is_capture(const std::string& text) { return std::regex_match(text, std::regex(R"(\$[A-Za-z_][A-Za-z0-9_]*)")); }

    // Inputs may use captured values: "$name" becomes the value (a string's text, else its JSON).
    std::string substituted(const std::string& text) const {
        static const std::regex name(R"(\$([A-Za-z_][A-Za-z0-9_]*))");
        std::string out;
        auto last = text.cbegin();
        for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
            out.append(last, text.cbegin() + it->position());
            const auto captured = captures_.find((*it)[1]);
            if (captured == captures_.end()) {
                out += it->str();
            } else {
                out += captured->second.is_string() ? std::string(captured->second.get_string()) : json::serialize(captured->second);
            }
            last = text.cbegin() + it->position() + it->length();
        }
        out.append(last, text.cend());
        return out;
    }

    json::value parsed(const std::string& text) const {
        boost::system::error_code ec;
        json::value value = json::parse(text, ec);
        INFO(where() << "not JSON: " << text);
        REQUIRE_FALSE(ec);
        return value;
    }

    Client& client(const std::string& who) {
        auto it = clients_.find(who);
        INFO(where() << "no connection named " << who << " (connect it first)");
        REQUIRE(it != clients_.end());
        return *it->second;
    }

    static std::string trimmed(const std::string& text) {
        const auto start = text.find_first_not_of(" \t\r");
        if (start == std::string::npos) return {};
        return text.substr(start, text.find_last_not_of(" \t\r") - start + 1);
    }

    std::string where() const { return name_ + ":" + std::to_string(line_number_) + ": "; }

    std::string name_;
    std::string text_;
    bool recording_ = false;
    std::ostringstream recorded_;
    int line_number_ = 0;
    Harness h_;
    std::map<std::string, Client*> clients_;
    std::map<std::string, json::value> captures_;
    std::optional<json::value> http_answer_;
};

}  // namespace ucs::test
