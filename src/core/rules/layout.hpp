#pragma once
// The user's layout: the bar's own tabs (queues, history, statistics, settings) followed by the
// tabs ucsd keeps for the user, each a web page of the CRM's choosing shown in a sandboxed frame.
// ucsd validates a layout with layout_problem() before storing it; the bar keeps only the tabs
// that pass the same rule. sso(username, token, provider) activates the tab tab_for_provider()
// names (the integration document: "if in the layout user there is a tab with the same name, then
// it is activated"). docs/protocol.md ("Layout") states these rules in prose.

#include "core/model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ucs {

inline constexpr std::size_t max_layout_tabs = 12;
inline constexpr std::size_t max_tab_name_bytes = 64;
inline constexpr std::size_t max_tab_url_bytes = 2048;

// What is wrong with a layout, as data: the bar checks tabs without building messages (its bytes
// count), ucsd words the problem for the API (layout_problem).
enum class LayoutFault : std::uint8_t {
    too_many_tabs,
    name_empty,
    name_too_long,
    name_not_utf8,
    name_control,
    name_repeated,  // the last of the name faults: field "name" up to here, "url" after
    url_not_web,
    url_too_long,
    url_unsafe_characters,
    url_no_host,
    // Same-origin sandboxing compares origins as text, so a host must be in the one form a browser
    // gives it: anything it would rewrite (case aside) could pass for another origin.
    url_host_not_plain,
};
struct LayoutProblem {
    std::size_t index = 0;  // the tab (max_layout_tabs for too_many_tabs)
    LayoutFault fault = LayoutFault::too_many_tabs;
    std::size_t earlier = 0;  // name_repeated: the tab that has the name first
};
std::optional<LayoutFault> url_fault(std::string_view url);
std::optional<LayoutProblem> find_layout_problem(const std::vector<LayoutTab>& layout);
std::string describe(LayoutFault fault);
// The field a problem is about: "layout", "layout[1].name", "layout[0].url".
std::string layout_field(const LayoutProblem& problem);

// Why a tab's URL cannot be shown, or nullopt: an absolute http:// or https:// URL (scheme in any
// case) with a host, at most max_tab_url_bytes, and no spaces, control characters or backslashes.
// Every other scheme (javascript:, data:, file:, blob:...) and relative URLs are refused.
std::optional<std::string> tab_url_problem(std::string_view url);

// Why a layout cannot be stored, naming the field ("layout[1].url: ..."), or nullopt: at most
// max_layout_tabs tabs; each name 1..max_tab_name_bytes bytes of valid UTF-8 with something besides
// spaces, and unique within the layout; each URL as tab_url_problem() wants it.
std::optional<std::string> layout_problem(const std::vector<LayoutTab>& layout);

// The tabs of `layout` that pass the rules above, in order (a later tab of a repeated name is dropped).
std::vector<LayoutTab> valid_tabs(const std::vector<LayoutTab>& layout);

// The tab sso's `provider` activates: the tab whose name is exactly the provider, byte for byte
// ("the same name": case and spaces count), or nullopt (no provider, or no such tab: the bar shows
// its default view).
std::optional<std::size_t> tab_for_provider(const std::vector<LayoutTab>& layout, const std::optional<std::string>& provider);

// The origin of an http(s) URL, "scheme://host[:port]" in lower case without the scheme's default
// port, or "" when it is not an http(s) URL.
std::string web_origin(std::string_view url);

// The `sandbox` attribute of a tab's frame on the page at `page_url`. A CRM page needs scripts and
// forms, and opens links in new windows (popups). It keeps its own origin (its cookies and storage:
// its login) with allow-same-origin only when that origin differs from the page's: a same-origin
// page allowed both scripts and its origin could lift its own sandbox and reach the bar, so it runs
// in an opaque origin instead. An unknown page URL counts as the same origin.
std::string frame_sandbox(std::string_view tab_url, std::string_view page_url);

}  // namespace ucs
