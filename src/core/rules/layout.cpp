#include "core/rules/layout.hpp"

#include "core/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

namespace ucs {

namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
}

bool control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
bool unsafe_in_url(char c) { return control(c) || c == ' ' || c == '\\'; }
bool blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

constexpr std::array<std::string_view, 2> web_schemes{"http://", "https://"};

// The scheme's length ("http://": 7), or 0 when the URL is not http(s).
std::size_t web_scheme_length(std::string_view url) {
    const auto* scheme = std::find_if(web_schemes.begin(), web_schemes.end(), [&](std::string_view s) { return starts_with_ignoring_case(url, s); });
    return scheme == web_schemes.end() ? 0 : scheme->size();
}

// "host[:port]" of an http(s) URL, after any user info.
std::string_view authority_of(std::string_view url, std::size_t scheme_length) {
    const std::string_view rest = url.substr(scheme_length);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    return authority;
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal number as a browser writes it: no leading zero, at most `max`.
bool plain_number(std::string_view text, unsigned max) {
    if (!all_digits(text) || (text.size() > 1 && text.front() == '0') || text.size() > 5) return false;
    unsigned value = 0;
    for (const char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
    return value <= max;
}

bool host_character(char c) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '.' || l == '_';
}

std::vector<std::string_view> labels_of(std::string_view host) {
    std::vector<std::string_view> labels;
    for (std::size_t start = 0;;) {
        const std::size_t dot = host.find('.', start);
        labels.push_back(host.substr(start, dot - start));
        if (dot == std::string_view::npos) return labels;
        start = dot + 1;
    }
}

// Whether "host[:port]" is in the form the browser's URL parser leaves unchanged (but for case): ASCII
// labels (punycode for international names) without empty ones (a trailing dot), an IPv4 address
// only as four plain decimal numbers, a port without leading zeros. Percent escapes, other spellings
// of addresses (127.1, 0x7f.0.0.1, 0177.0.0.1) and IPv6 literals are not.
bool plain_authority(std::string_view authority) {
    std::string_view host = authority;
    if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        if (!port.empty() && !plain_number(port, 65535)) return false;
        host = authority.substr(0, colon);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_character)) return false;
    const std::vector<std::string_view> labels = labels_of(host);
    if (std::any_of(labels.begin(), labels.end(), [](std::string_view label) { return label.empty(); })) return false;
    const std::string_view last = labels.back();
    const bool numeric = all_digits(last) || starts_with_ignoring_case(last, "0x");
    if (!numeric) return true;
    return labels.size() == 4 && std::all_of(labels.begin(), labels.end(), [](std::string_view label) { return plain_number(label, 255); });
}

std::optional<LayoutFault> name_fault(std::string_view name) {
    if (name.empty() || blank(name)) return LayoutFault::name_empty;
    if (name.size() > max_tab_name_bytes) return LayoutFault::name_too_long;
    if (!is_valid_utf8(name)) return LayoutFault::name_not_utf8;
    if (std::any_of(name.begin(), name.end(), control)) return LayoutFault::name_control;
    return std::nullopt;
}

std::optional<LayoutProblem> tab_problem(const std::vector<LayoutTab>& layout, std::size_t index) {
    const LayoutTab& tab = layout[index];
    if (auto fault = name_fault(tab.name)) return LayoutProblem{index, *fault};
    for (std::size_t earlier = 0; earlier < index; ++earlier) {
        if (layout[earlier].name == tab.name) return LayoutProblem{index, LayoutFault::name_repeated, earlier};
    }
    if (auto fault = url_fault(tab.url)) return LayoutProblem{index, *fault};
    return std::nullopt;
}

std::string lower(std::string_view text) {
    std::string out;
    for (const char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<LayoutFault> url_fault(std::string_view url) {
    const std::size_t scheme = web_scheme_length(url);
    if (scheme == 0) return LayoutFault::url_not_web;
    if (url.size() > max_tab_url_bytes) return LayoutFault::url_too_long;
    if (std::any_of(url.begin(), url.end(), unsafe_in_url)) return LayoutFault::url_unsafe_characters;
    const std::string_view host = authority_of(url, scheme);
    if (host.empty() || host.front() == ':') return LayoutFault::url_no_host;
    const std::string_view rest = url.substr(scheme);
    const bool user_info = rest.substr(0, rest.find_first_of("/?#")).find('@') != std::string_view::npos;
    if (user_info || !plain_authority(host)) return LayoutFault::url_host_not_plain;
    return std::nullopt;
}

std::optional<LayoutProblem> find_layout_problem(const std::vector<LayoutTab>& layout) {
    if (layout.size() > max_layout_tabs) return LayoutProblem{max_layout_tabs, LayoutFault::too_many_tabs};
    for (std::size_t i = 0; i < layout.size(); ++i) {
        if (auto problem = tab_problem(layout, i)) return problem;
    }
    return std::nullopt;
}

std::string describe(LayoutFault fault) {
    switch (fault) {
    case LayoutFault::too_many_tabs: return "at most " + std::to_string(max_layout_tabs) + " tabs";
    case LayoutFault::name_empty: return "must not be empty";
    case LayoutFault::name_too_long: return "at most " + std::to_string(max_tab_name_bytes) + " bytes";
    case LayoutFault::name_not_utf8: return "must be UTF-8 text";
    case LayoutFault::name_control: return "must not contain control characters";
    case LayoutFault::name_repeated: return "is the name of an earlier tab too";
    case LayoutFault::url_not_web: return "only http:// and https:// pages can be shown in a tab";
    case LayoutFault::url_too_long: return "at most " + std::to_string(max_tab_url_bytes) + " bytes";
    case LayoutFault::url_unsafe_characters: return "must not contain spaces, control characters or backslashes";
    case LayoutFault::url_no_host: return "has no host";
    case LayoutFault::url_host_not_plain:
        return "the host must be written plainly: ASCII (punycode for an international name), no user name, "
               "percent escapes or trailing dot, an IPv4 address as four plain numbers, no IPv6 literal, a port "
               "without leading zeros";
    }
    return "invalid";
}

std::string layout_field(const LayoutProblem& problem) {
    if (problem.fault == LayoutFault::too_many_tabs) return "layout";
    const bool about_name = problem.fault <= LayoutFault::name_repeated;
    return "layout[" + std::to_string(problem.index) + "]." + (about_name ? "name" : "url");
}

std::optional<std::string> tab_url_problem(std::string_view url) {
    if (auto fault = url_fault(url)) return describe(*fault);
    return std::nullopt;
}

std::optional<std::string> layout_problem(const std::vector<LayoutTab>& layout) {
    const auto problem = find_layout_problem(layout);
    if (!problem) return std::nullopt;
    std::string message = layout_field(*problem) + ": ";
    if (problem->fault == LayoutFault::name_repeated) {
        return message + "\"" + layout[problem->index].name + "\" is the name of layout[" + std::to_string(problem->earlier) + "] too";
    }
    return message + describe(problem->fault);
}

std::vector<LayoutTab> valid_tabs(const std::vector<LayoutTab>& layout) {
    std::vector<LayoutTab> kept;
    for (std::size_t i = 0; i < layout.size() && kept.size() < max_layout_tabs; ++i) {
        kept.push_back(layout[i]);
        if (find_layout_problem(kept)) kept.pop_back();
    }
    return kept;
}

std::string web_origin(std::string_view url) {
    if (url_fault(url)) return {};
    const std::size_t scheme = web_scheme_length(url);
    const std::string origin = lower(url.substr(0, scheme));  // "https://"
    std::string host = lower(authority_of(url, scheme));
    const std::string_view default_port = origin == "https://" ? ":443" : ":80";
    if (host.ends_with(default_port)) host.resize(host.size() - default_port.size());
    if (host.ends_with(':')) host.pop_back();
    return origin + host;
}

std::string frame_sandbox(std::string_view tab_url, std::string_view page_url) {
    std::string tokens = "allow-scripts allow-forms allow-popups";
    const std::string page = web_origin(page_url);
    if (!page.empty() && web_origin(tab_url) != page) tokens += " allow-same-origin";
    return tokens;
}

std::optional<std::size_t> tab_for_provider(const std::vector<LayoutTab>& layout, const std::optional<std::string>& provider) {
    if (!provider) return std::nullopt;
    const auto tab = std::find_if(layout.begin(), layout.end(), [&](const LayoutTab& t) { return t.name == *provider; });
    if (tab == layout.end()) return std::nullopt;
    return static_cast<std::size_t>(tab - layout.begin());
}

}  // namespace ucs
