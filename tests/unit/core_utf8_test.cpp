// UTF-8 validity for text echoed back in JSON bodies (src/core/utf8.hpp).
#include "core/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

TEST_CASE("well-formed utf-8 is valid and kept as it is", "[core][utf8]") {
    for (const std::string& text :
         std::vector<std::string>{"", "/api/v1.0/x", "P\xC5\x99\xC3\xAD\x6C\x69\xC5\xA1", "\xE2\x82\xAC",
                                  "\xF0\x9F\x93\x9E", "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF", std::string("a\0b", 3)}) {
        CAPTURE(text);
        CHECK(ucs::is_valid_utf8(text));
        CHECK(ucs::to_valid_utf8(text) == text);
    }
}

TEST_CASE("stray, truncated, overlong, surrogate and out-of-range bytes are invalid and replaced", "[core][utf8]") {
    const std::string fffd = "\xEF\xBF\xBD";
    struct Case {
        std::string in;
        std::string out;
    };
    for (const auto& [in, out] :
         {Case{"/\xFF", "/" + fffd}, Case{"\x80x", fffd + "x"}, Case{"\xC3", fffd}, Case{"\xC0\xAF", fffd + fffd},
          Case{"\xE0\x80\xAF", fffd + fffd + fffd}, Case{"\xED\xA0\x80", fffd + fffd + fffd},
          Case{"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd}, Case{"\xE2\x82", fffd + fffd}, Case{"\xF5", fffd},
          Case{"ok\xE2\x82\xAC\xFE", "ok\xE2\x82\xAC" + fffd}}) {
        CAPTURE(in);
        CHECK_FALSE(ucs::is_valid_utf8(in));
        CHECK(ucs::to_valid_utf8(in) == out);
        CHECK(ucs::is_valid_utf8(ucs::to_valid_utf8(in)));
    }
}
