#pragma once
// JSON codec for the model: one generic reader and writer driven by the Boost.Describe
// descriptions in model.hpp, so the wire names are the member names and nothing is spelled twice.
//
// Writing emits every field in declaration order (nullable fields as null), which makes the
// output byte-for-byte stable: the golden vectors in tests/vectors/ rely on it.
// Reading is strict: a wrong type, a missing required field or an unknown enum value is a
// ParseError naming the field by its path ("queues.2.priorities", "lines[0].id"). Unknown keys are
// ignored so older clients keep working against newer servers.
//
// Size: the browser downloads every instantiation. A struct's reader and writer are one loop of calls
// to non-template helpers (read_member, write_member) through one reader/writer per member TYPE
// (read_erased<M>, write_erased<M>), and an enum is a table of names and numbers read by one function
// (read_enum_at), instead of each member's and enumerator's code inlined into every struct.

#include "core/expected.hpp"
#include "core/json_text.hpp"
#include "core/wire_traits.hpp"

#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ucs {

// Why a JSON value could not be read into a model type.
struct ParseError {
    std::string field;    // path of the offending field; empty for the value itself
    std::string problem;  // what is wrong with it

    [[nodiscard]] std::string message() const { return field.empty() ? problem : field + ": " + problem; }
    friend bool operator==(const ParseError&, const ParseError&) = default;
};

namespace json_detail {

namespace json = boost::json;
namespace describe = boost::describe;

template <class T>
concept DescribedStruct = describe::has_describe_members<T>::value && std::is_class_v<T>;
template <class T>
concept DescribedEnum = describe::has_describe_enumerators<T>::value && std::is_enum_v<T>;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

inline const char* kind_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a fractional number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    }
    return "an unknown kind";
}

inline std::string join_path(std::string_view parent, std::string_view child) {
    if (parent.empty()) return std::string(child);
    return std::string(parent) + "." + std::string(child);
}

inline ParseError wrong_kind(std::string_view path, const char* expected, const json::value& got) {
    return ParseError{std::string(path), std::string("expected ") + expected + ", got " + kind_name(got)};
}

// An enum's enumerators as arrays in declaration order, which the non-template code below loops over.
template <class E>
struct EnumTable {
    template <template <class...> class List, class... D>
    static constexpr auto names_of(List<D...>) {
        return std::array<const char*, sizeof...(D)>{D::name...};
    }
    template <template <class...> class List, class... D>
    static constexpr auto values_of(List<D...>) {
        return std::array<E, sizeof...(D)>{D::value...};
    }
    template <template <class...> class List, class... D>
    static constexpr auto numbers_of(List<D...>) {
        return std::array<int, sizeof...(D)>{static_cast<int>(D::value)...};
    }
    static constexpr auto names = names_of(describe::describe_enumerators<E>{});
    static constexpr auto values = values_of(describe::describe_enumerators<E>{});
    static constexpr auto numbers = numbers_of(describe::describe_enumerators<E>{});
};

// "a, b, c" (or "0, 1, 2" for enums sent as numbers): the error message's list of accepted values.
inline std::string enumerator_list(const char* const* names, const int* numbers, std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) {
        if (!list.empty()) list += ", ";
        if (numbers != nullptr) {
            list += std::to_string(numbers[i]);
        } else {
            list += names[i];
        }
    }
    return list;
}

template <class E>
std::string enumerator_list() {
    using Table = EnumTable<E>;
    return enumerator_list(Table::names.data(), sent_as_number<E> ? Table::numbers.data() : nullptr, Table::names.size());
}

// ---- writing ---------------------------------------------------------------------------------

template <class T>
json::value write(const T& in);

// The enumerator's name, "?" when `value` is none of them (the last one wins if two are equal, as
// boost::describe::enum_to_string does).
inline const char* enumerator_name(const char* const* names, const int* numbers, std::size_t count, int value) {
    const char* name = "?";
    for (std::size_t i = 0; i < count; ++i) {
        if (numbers[i] == value) name = names[i];
    }
    return name;
}

// One writer per member type, shared by every struct that has a member of that type.
template <class M>
json::value write_erased(const void* member) {
    return write(*static_cast<const M*>(member));
}

inline void write_member(json::object& out, const char* name, const void* member, json::value (*writer)(const void*)) {
    out.emplace(name, writer(member));
}

template <class T>
json::value write_one(const T& in) {
    if constexpr (std::is_same_v<T, bool>) {
        return json::value(in);
    } else if constexpr (std::is_integral_v<T>) {
        return json::value(static_cast<std::int64_t>(in));
    } else if constexpr (std::is_same_v<T, std::string>) {
        return json::value(json::string_view(in.data(), in.size()));
    } else if constexpr (std::is_same_v<T, json::object> || std::is_same_v<T, json::value>) {
        return json::value(in);
    } else if constexpr (DescribedEnum<T>) {
        if constexpr (sent_as_number<T>) {
            return json::value(static_cast<std::int64_t>(in));
        } else {
            using Table = EnumTable<T>;
            return json::value(enumerator_name(Table::names.data(), Table::numbers.data(), Table::names.size(), static_cast<int>(in)));
        }
    } else if constexpr (is_optional<T>::value) {
        return in ? write(*in) : json::value(nullptr);
    } else if constexpr (DescribedStruct<T>) {
        json::object out;
        boost::mp11::mp_for_each<describe::describe_members<T, describe::mod_public>>([&](auto d) {
            using Member = std::remove_cvref_t<decltype(in.*d.pointer)>;
            write_member(out, d.name, &(in.*d.pointer), &write_erased<Member>);
        });
        return out;
    } else {
        static_assert(sizeof(T) == 0, "no JSON writer for this type");
    }
}

template <class T>
json::value write_vector(const std::vector<T>& in) {
    json::array out;
    out.reserve(in.size());
    for (const auto& item : in) out.push_back(write(item));
    return out;
}

template <class K, class T>
json::value write_map(const std::map<K, T>& in) {
    json::object out;
    for (const auto& [key, item] : in) {
        if constexpr (std::is_integral_v<K>) {
            out.emplace(std::to_string(key), write(item));
        } else {
            out.emplace(key, write(item));
        }
    }
    return out;
}

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class K, class T>
struct is_map<std::map<K, T>> : std::true_type {};

template <class T>
json::value write(const T& in) {
    if constexpr (is_vector<T>::value) {
        return write_vector(in);
    } else if constexpr (is_map<T>::value) {
        return write_map(in);
    } else {
        return write_one(in);
    }
}

// ---- reading ---------------------------------------------------------------------------------

template <class T>
std::optional<ParseError> read(const json::value& in, T& out, const std::string& path);

template <class Int>
std::optional<ParseError> read_integer(const json::value& in, Int& out, const std::string& path) {
    std::int64_t wide = 0;
    if (in.is_int64()) {
        wide = in.get_int64();
    } else if (in.is_uint64() && in.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        wide = static_cast<std::int64_t>(in.get_uint64());
    } else if (in.is_uint64()) {
        return ParseError{path, "integer out of range"};
    } else {
        return wrong_kind(path, "an integer", in);
    }
    if (wide < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
        wide > static_cast<std::int64_t>(std::numeric_limits<Int>::max())) {
        return ParseError{path, "integer out of range"};
    }
    out = static_cast<Int>(wide);
    return std::nullopt;
}

// Which enumerator `in` names (by number when `numbers` is given, else by name): its index in the
// table, or an error. The last of two equal enumerators wins, as before these tables.
inline std::optional<ParseError> read_enum_at(const json::value& in, const char* const* names, const int* numbers,
                                              std::size_t count, std::size_t& index, const std::string& path) {
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    index = none;
    if (numbers != nullptr) {
        int number = 0;
        if (auto err = read_integer(in, number, path)) return err;
        for (std::size_t i = 0; i < count; ++i) {
            if (numbers[i] == number) index = i;
        }
        if (index == none) {
            return ParseError{path, "unknown value " + std::to_string(number) + " (expected one of " +
                                        enumerator_list(names, numbers, count) + ")"};
        }
    } else {
        if (!in.is_string()) return wrong_kind(path, "a string", in);
        const json::string& text = in.get_string();
        for (std::size_t i = 0; i < count; ++i) {
            if (text == names[i]) index = i;
        }
        if (index == none) {
            return ParseError{path, "unknown value \"" + std::string(text) + "\" (expected one of " +
                                        enumerator_list(names, nullptr, count) + ")"};
        }
    }
    return std::nullopt;
}

template <class E>
std::optional<ParseError> read_enum(const json::value& in, E& out, const std::string& path) {
    using Table = EnumTable<E>;
    std::size_t index = 0;
    if (auto err = read_enum_at(in, Table::names.data(), sent_as_number<E> ? Table::numbers.data() : nullptr,
                                Table::names.size(), index, path))
        return err;
    out = Table::values[index];
    return std::nullopt;
}

// One reader per member type, shared by every struct that has a member of that type.
template <class M>
std::optional<ParseError> read_erased(const json::value& in, void* member, const std::string& path) {
    return read(in, *static_cast<M*>(member), path);
}

template <class M>
void reset_erased(void* member) {
    static_cast<M*>(member)->reset();
}

using MemberReader = std::optional<ParseError> (*)(const json::value&, void*, const std::string&);

// One member of a struct being read; does nothing once `error` is set (the first error wins).
// `reset` is given for optional members: a missing one is reset, any other missing one is an error.
inline void read_member(const json::object& object, const char* name, void* member, MemberReader reader,
                        void (*reset)(void*), const std::string& path, std::optional<ParseError>& error) {
    if (error) return;
    const std::string member_path = join_path(path, name);
    const json::value* field = object.if_contains(name);
    if (field == nullptr) {
        if (reset != nullptr) {
            reset(member);
        } else {
            error = ParseError{member_path, "missing"};
        }
        return;
    }
    error = reader(*field, member, member_path);
}

template <class T>
std::optional<ParseError> read_struct(const json::value& in, T& out, const std::string& path) {
    if (!in.is_object()) return wrong_kind(path, "an object", in);
    const json::object& object = in.get_object();
    std::optional<ParseError> error;
    boost::mp11::mp_for_each<describe::describe_members<T, describe::mod_public>>([&](auto d) {
        using Member = std::remove_cvref_t<decltype(out.*d.pointer)>;
        void (*reset)(void*) = nullptr;
        if constexpr (is_optional<Member>::value) reset = &reset_erased<Member>;
        read_member(object, d.name, &(out.*d.pointer), &read_erased<Member>, reset, path, error);
    });
    return error;
}

template <class T>
std::optional<ParseError> read_vector(const json::value& in, std::vector<T>& out, const std::string& path) {
    if (!in.is_array()) return wrong_kind(path, "an array", in);
    out.clear();
    const json::array& array = in.get_array();
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        T item{};
        if (auto err = read(array[i], item, path + "[" + std::to_string(i) + "]")) return err;
        out.push_back(std::move(item));
    }
    return std::nullopt;
}

template <class K, class T>
std::optional<ParseError> read_map(const json::value& in, std::map<K, T>& out, const std::string& path) {
    if (!in.is_object()) return wrong_kind(path, "an object", in);
    out.clear();
    for (const auto& entry : in.get_object()) {
        const std::string key(entry.key());
        const std::string item_path = join_path(path, key);
        K parsed_key{};
        if constexpr (std::is_integral_v<K>) {
            const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), parsed_key);
            if (ec != std::errc() || end != key.data() + key.size()) return ParseError{item_path, "key is not an integer"};
        } else {
            parsed_key = key;
        }
        T item{};
        if (auto err = read(entry.value(), item, item_path)) return err;
        out.emplace(std::move(parsed_key), std::move(item));
    }
    return std::nullopt;
}

template <class T>
std::optional<ParseError> read(const json::value& in, T& out, const std::string& path) {
    if constexpr (is_optional<T>::value) {
        if (in.is_null()) {
            out.reset();
            return std::nullopt;
        }
        typename T::value_type inner{};
        if (auto err = read(in, inner, path)) return err;
        out = std::move(inner);
        return std::nullopt;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!in.is_bool()) return wrong_kind(path, "a boolean", in);
        out = in.get_bool();
        return std::nullopt;
    } else if constexpr (std::is_integral_v<T>) {
        return read_integer(in, out, path);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!in.is_string()) return wrong_kind(path, "a string", in);
        out = std::string(in.get_string());
        return std::nullopt;
    } else if constexpr (std::is_same_v<T, json::object>) {
        if (!in.is_object()) return wrong_kind(path, "an object", in);
        out = in.get_object();
        return std::nullopt;
    } else if constexpr (std::is_same_v<T, json::value>) {
        out = in;
        return std::nullopt;
    } else if constexpr (DescribedEnum<T>) {
        return read_enum(in, out, path);
    } else if constexpr (is_vector<T>::value) {
        return read_vector(in, out, path);
    } else if constexpr (is_map<T>::value) {
        return read_map(in, out, path);
    } else if constexpr (DescribedStruct<T>) {
        return read_struct(in, out, path);
    } else {
        static_assert(sizeof(T) == 0, "no JSON reader for this type");
    }
}

}  // namespace json_detail

// The JSON value of a model object (or of a vector, map or optional of them).
template <class T>
boost::json::value to_json(const T& in) {
    return json_detail::write(in);
}

// Compact JSON text of a model object; stable byte for byte (declaration order, no spaces).
template <class T>
std::string to_json_text(const T& in) {
    return boost::json::serialize(to_json(in));
}

// Reads a model object from a JSON value, or says which field is wrong and why.
template <class T>
Expected<T, ParseError> from_json(const boost::json::value& in) {
    T out{};
    if (auto err = json_detail::read(in, out, std::string())) return Unexpected(std::move(*err));
    return out;
}

// Parses JSON text, then reads it as from_json does; text that is not JSON is a ParseError too.
template <class T>
Expected<T, ParseError> from_json_text(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value parsed = parse_json(text, ec);
    if (ec) return Unexpected(ParseError{std::string(), "not valid JSON: " + ec.message()});
    return from_json<T>(parsed);
}

// Boost.JSON's value_from finds the model types through this, so they nest in hand-built values.
template <class T>
    requires json_detail::DescribedStruct<T>
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const T& in) {
    out = to_json(in);
}

}  // namespace ucs
