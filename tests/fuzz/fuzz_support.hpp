#pragma once
// Shared by the libFuzzer targets (tests/fuzz/*.cpp): splitting an input into frames, the oracles
// every target applies to what comes out, and the deterministic stand-ins the engines take. No
// Catch2 here: a failed check prints what failed and aborts, which libFuzzer reports as a finding.

#include "core/utf8.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

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

namespace detail {
// A parser handler that keeps nothing: Boost.JSON's basic_parser still checks the grammar, the
// nesting and the UTF-8 of every string, which is all the frame oracle needs.
struct ValidateOnly {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    using ec = boost::json::error_code;
    using sv = boost::json::string_view;
    bool on_document_begin(ec&) { return true; }
    bool on_document_end(ec&) { return true; }
    bool on_object_begin(ec&) { return true; }
    bool on_object_end(std::size_t, ec&) { return true; }
    bool on_array_begin(ec&) { return true; }
    bool on_array_end(std::size_t, ec&) { return true; }
    bool on_key_part(sv, std::size_t, ec&) { return true; }
    bool on_key(sv, std::size_t, ec&) { return true; }
    bool on_string_part(sv, std::size_t, ec&) { return true; }
    bool on_string(sv, std::size_t, ec&) { return true; }
    bool on_number_part(sv, ec&) { return true; }
    bool on_int64(std::int64_t, sv, ec&) { return true; }
    bool on_uint64(std::uint64_t, sv, ec&) { return true; }
    bool on_double(double, sv, ec&) { return true; }
    bool on_bool(bool, ec&) { return true; }
    bool on_null(ec&) { return true; }
    bool on_comment_part(sv, ec&) { return true; }
    bool on_comment(sv, ec&) { return true; }
};
}  // namespace detail

// The same promise as require_json, checked without building the value: the engine targets check
// every frame ucsd sends, and building a DOM for each was a large share of their time per input.
inline void require_json_text(std::string_view text, std::string_view what) {
    boost::json::basic_parser<detail::ValidateOnly> parser{boost::json::parse_options{}};
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || used != text.size()) finding(std::string(what) + " is not one JSON document", text);
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
