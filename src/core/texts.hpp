#pragma once
// Every text the bar's engine or ucsd makes for an agent to read, in each language of the bar, by a
// stable code. The engine keeps the code (CRMs get it, e.g. as a notification's `code`) and renders
// the text in the bar's language when it shows it; ucsd sends the code beside its English message so
// the bar can do the same. {name} placeholders are filled from `values`.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ucs::texts {

inline constexpr std::string_view waiting_callers = "WAITING_CALLERS";  // {n}, plural
inline constexpr std::string_view waiting_callers_title = "WAITING_CALLERS_TITLE";
inline constexpr std::string_view bad_identifier = "BAD_IDENTIFIER";  // {identifier}
inline constexpr std::string_view device_in_use = "DEVICE_IN_USE";    // {identifier}
inline constexpr std::string_view session_ended = "SESSION_ENDED";
inline constexpr std::string_view logged_in_elsewhere = "LOGGED_IN_ELSEWHERE";
inline constexpr std::string_view login_bad_credentials = "BAD_CREDENTIALS";
inline constexpr std::string_view login_rate_limited = "RATE_LIMITED";
inline constexpr std::string_view login_sso_refused = "SSO_REFUSED";

// The text of `code` in `lang` ("en", "cs"; anything else: English), placeholders filled, or nothing
// for an unknown code. A code with plural forms picks the form by values.n.
std::optional<std::string> render(std::string_view code, std::string_view lang, const boost::json::object& values = {});

// The languages every code has a text in.
inline constexpr std::string_view languages[] = {"en", "cs"};

}  // namespace ucs::texts
