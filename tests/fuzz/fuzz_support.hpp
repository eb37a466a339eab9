#pragma once
// Shared by the libFuzzer targets (tests/fuzz/*.cpp): splitting an input into frames, the oracles
// every target applies to what comes out, and the deterministic stand-ins the engines take. No
// Catch2 here: a failed check prints what failed and aborts, which libFuzzer reports as a finding.

#include "core/utf8.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ucs::fuzz {

// A finding: the input breaks a rule the product promises.
[[noreturn]] inline void finding(std::string_view rule, std::string_view detail = {}) {
    std::fprintf(stderr, "\nFUZZ FINDING: %.*s\n  %.*s\n", static_cast<int>(rule.size()), rule.data(),
                 static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
    std::abort();
}

inline void require(bool ok, std::string_view rule, std::string_view detail = {}) {
    if (!ok) finding(rule, detail);
}

// Every frame and body the product sends is one valid UTF-8 JSON document.
inline boost::json::value require_json(std::string_view text, std::string_view what) {
    require(ucs::is_valid_utf8(text), std::string(what) + " is not valid UTF-8", text);
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    require(!ec, std::string(what) + " is not JSON", text);
    return parsed;
}

// The input as text lines ('\n'-separated), at most `max` of them.
inline std::vector<std::string_view> lines_of(std::string_view text, std::size_t max = 64) {
    std::vector<std::string_view> lines;
    while (!text.empty() && lines.size() < max) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) finding("cannot read a fuzz fixture", path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace ucs::fuzz
