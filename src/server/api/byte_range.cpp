#include "server/api/byte_range.hpp"

#include <charconv>
#include <optional>

namespace ucs::server {

namespace {

std::optional<std::size_t> decimal(std::string_view text) {
    std::size_t value = 0;
    if (text.empty()) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

ByteRange parse_byte_range(std::string_view header, std::size_t size) {
    using Kind = ByteRange::Kind;
    header = trim(header);
    constexpr std::string_view unit = "bytes=";
    if (!header.starts_with(unit)) return {};
    const std::string_view spec = trim(header.substr(unit.size()));
    const std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return {};
    const std::string_view from = trim(spec.substr(0, dash));
    const std::string_view to = trim(spec.substr(dash + 1));
    if (from.empty()) {  // bytes=-N: the last N bytes
        const auto suffix = decimal(to);
        if (!suffix) return {};
        if (*suffix == 0 || size == 0) return {Kind::unsatisfiable};
        return {Kind::partial, *suffix >= size ? 0 : size - *suffix, size - 1};
    }
    const auto first = decimal(from);
    if (!first) return {};
    std::optional<std::size_t> last;
    if (!to.empty()) {
        last = decimal(to);
        if (!last || *last < *first) return {};  // invalid: ignored
    }
    if (*first >= size) return {Kind::unsatisfiable};
    return {Kind::partial, *first, last && *last < size ? *last : size - 1};
}

}  // namespace ucs::server
