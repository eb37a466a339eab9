#include "core/rules/layout.hpp"

#include "core/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ucs {

namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
}

bool unsafe_byte(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '\\';
}

bool blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

std::optional<std::string> tab_name_problem(std::string_view name) {
    if (name.empty() || blank(name)) return "must not be empty";
    if (name.size() > max_tab_name_bytes) return "at most " + std::to_string(max_tab_name_bytes) + " bytes";
    if (!is_valid_utf8(name)) return "must be UTF-8 text";
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return "must not contain control characters";
    }
    return std::nullopt;
}

std::optional<std::string> tab_problem(const std::vector<LayoutTab>& layout, std::size_t index) {
    const LayoutTab& tab = layout[index];
    const std::string at = "layout[" + std::to_string(index) + "]";
    if (auto problem = tab_name_problem(tab.name)) return at + ".name: " + *problem;
    for (std::size_t earlier = 0; earlier < index; ++earlier) {
        if (layout[earlier].name == tab.name) return at + ".name: \"" + tab.name + "\" is the name of layout[" + std::to_string(earlier) + "] too";
    }
    if (auto problem = tab_url_problem(tab.url)) return at + ".url: " + *problem;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> tab_url_problem(std::string_view url) {
    static constexpr std::array<std::string_view, 2> schemes{"http://", "https://"};
    const auto* scheme = std::find_if(schemes.begin(), schemes.end(), [&](std::string_view s) { return starts_with_ignoring_case(url, s); });
    if (scheme == schemes.end()) return std::string("only http:// and https:// pages can be shown in a tab");
    if (url.size() > max_tab_url_bytes) return "at most " + std::to_string(max_tab_url_bytes) + " bytes";
    if (std::any_of(url.begin(), url.end(), unsafe_byte)) return std::string("must not contain spaces, control characters or backslashes");
    const std::string_view rest = url.substr(scheme->size());
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const std::string_view host = authority.substr(authority.rfind('@') == std::string_view::npos ? 0 : authority.rfind('@') + 1);
    if (host.empty() || host.front() == ':') return std::string("has no host");
    return std::nullopt;
}

std::optional<std::string> layout_problem(const std::vector<LayoutTab>& layout) {
    if (layout.size() > max_layout_tabs) return "layout: at most " + std::to_string(max_layout_tabs) + " tabs";
    for (std::size_t i = 0; i < layout.size(); ++i) {
        if (auto problem = tab_problem(layout, i)) return problem;
    }
    return std::nullopt;
}

std::vector<LayoutTab> valid_tabs(const std::vector<LayoutTab>& layout) {
    std::vector<LayoutTab> kept;
    for (std::size_t i = 0; i < layout.size() && kept.size() < max_layout_tabs; ++i) {
        kept.push_back(layout[i]);
        if (layout_problem(kept)) kept.pop_back();
    }
    return kept;
}

std::string web_origin(std::string_view url) {
    if (tab_url_problem(url)) return {};
    const std::size_t colon = url.find(':');
    std::string origin;
    for (const char c : url.substr(0, colon)) origin += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string_view rest = url.substr(colon + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string host;
    for (const char c : authority) host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string default_port = origin == "https" ? ":443" : ":80";
    if (host.ends_with(default_port)) host.resize(host.size() - default_port.size());
    if (host.ends_with(':')) host.pop_back();
    return origin + "://" + host;
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
