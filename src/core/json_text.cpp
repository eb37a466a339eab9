#include "core/json_text.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>
#include <string>

namespace ucs {
namespace {

namespace json = boost::json;

// Builds the value exactly as json::parser does (on a value_stack), except for fractional numbers,
// which are converted from their text by decimal_to_double (correctly rounded) and refused when no
// double holds them.
struct ValueBuilder {
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    json::value_stack stack;
    std::string number;  // the text of the number being read, when it arrives in parts

    bool on_document_begin(json::error_code&) {
        stack.reset();
        return true;
    }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return true; }
    bool on_object_end(std::size_t n, json::error_code&) {
        stack.push_object(n);
        return true;
    }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t n, json::error_code&) {
        stack.push_array(n);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        stack.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        stack.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        stack.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        stack.push_string(s);
        return true;
    }
    bool on_number_part(json::string_view s, json::error_code&) {
        number.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        number.clear();
        stack.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        number.clear();
        stack.push_uint64(u);
        return true;
    }
    bool on_double(double, json::string_view s, json::error_code& ec) {
        number.append(s.data(), s.size());
        const double exact = decimal_to_double(number);
        number.clear();
        // Boost.JSON reads 1e400 as infinity and writes it back as "Infinity", which is not JSON.
        if (!std::isfinite(exact)) {
            ec = json::error::exponent_overflow;
            return false;
        }
        stack.push_double(exact);
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        stack.push_bool(b);
        return true;
    }
    bool on_null(json::error_code&) {
        stack.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace
}  // namespace ucs

// Boost.JSON's write_some resumes a parse that an earlier call suspended (more = true), which builds a
// second copy of the whole parser (every parse_* with StackEmpty false). parse_json parses a whole
// text in one call on a fresh parser, so its write_some starts every parse afresh: the resuming copy
// is never built (bench/README.md, "What the bytes are"). Otherwise as Boost 1.81's write_some.
template <>
std::size_t boost::json::basic_parser<ucs::ValueBuilder>::write_some(bool more, const char* data, std::size_t size,
                                                                     error_code& ec) {
    BOOST_ASSERT(more == false && st_.empty() && !done_);  // one whole text per parser
    more_ = more;
    end_ = data + size;
    depth_ = opt_.max_depth;
    const char* p = data;
    if (h_.on_document_begin(ec_)) {
        p = parse_document(data, std::true_type());
        if (p != sentinel()) {
            done_ = true;
            h_.on_document_end(ec_);
        } else {
            if (!ec_) {
                BOOST_JSON_FAIL(ec_, error::incomplete);
            }
            p = end_;
        }
    }
    ec = ec_;
    return static_cast<std::size_t>(p - data);
}

namespace ucs {

json::value parse_json(std::string_view text, boost::system::error_code& ec, const json::parse_options& options) {
    json::basic_parser<ValueBuilder> parser(options);
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used != text.size()) ec = json::error::extra_data;
    if (ec) return nullptr;
    return parser.handler().stack.release();
}

}  // namespace ucs
