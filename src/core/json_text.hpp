#pragma once
// Parsing JSON text into a Boost.JSON value, for every JSON text the product reads (frames, config,
// stored rows). Boost.JSON 1.81's parser converts fractional numbers imprecisely: it can miss the nearest
// double by an ulp, so a value written out (shortest round-trip form) and read back changes on every
// trip. parse_json converts each fractional number from its own text with correct rounding instead,
// so what is written reads back bit for bit, and refuses a number no double holds (1e400), which
// Boost.JSON would read as infinity and write as "Infinity", not JSON.

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace ucs {

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              const boost::json::parse_options& options = {});

// A JSON number with a fraction or an exponent (JSON's number syntax), correctly rounded to the nearest
// double; infinity when it is too large for one. strtod natively (json_number.cpp); in the bar's
// wasm the browser's Number() (bindings/operator_bindings.cpp), which rounds the same way without
// linking musl's strtod and its software long double arithmetic.
double decimal_to_double(const std::string& text);

}  // namespace ucs
