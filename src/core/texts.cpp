#include "core/texts.hpp"

#include <boost/json/serialize.hpp>

#include <array>

namespace ucs::texts {

namespace {

// Plural forms: English one/other; Czech one (1), few (2-4), other.
struct Row {
    std::string_view code;
    std::string_view en_one, en_other;
    std::string_view cs_one, cs_few, cs_other;
};

constexpr std::array rows{
    Row{waiting_callers, "{n} caller is waiting in your queues", "{n} callers are waiting in your queues",
        "Ve vašich frontách čeká {n} volající", "Ve vašich frontách čekají {n} volající",
        "Ve vašich frontách čeká {n} volajících"},
    Row{waiting_callers_title, "UCS: callers waiting", {}, "UCS: čekající volající", {}, {}},
    Row{bad_identifier, "Bad identifier: {identifier}", {}, "Neplatný identifikátor: {identifier}", {}, {}},
    Row{device_in_use,
        "Phone {identifier} is paired by another agent",
        {},
        "Telefon {identifier} má spárovaný jiný operátor",
        {},
        {}},
    Row{session_ended,
        "Your session with UCS ended; please log in again.",
        {},
        "Vaše relace s UCS skončila, přihlaste se prosím znovu.",
        {},
        {}},
    Row{logged_in_elsewhere,
        "You were logged out because you logged in elsewhere.",
        {},
        "Byli jste odhlášeni, protože jste se přihlásili jinde.",
        {},
        {}},
    Row{login_bad_credentials, "Wrong username or password.", {}, "Nesprávné uživatelské jméno nebo heslo.", {}, {}},
    Row{login_rate_limited,
        "Too many failed logins; try again later.",
        {},
        "Příliš mnoho neúspěšných přihlášení, zkuste to později.",
        {},
        {}},
    Row{login_sso_refused,
        "Single sign-on was refused; open the bar from your CRM again.",
        {},
        "Jednotné přihlášení bylo odmítnuto, otevřete lištu z CRM znovu.",
        {},
        {}},
};

std::string fill(std::string_view pattern, const boost::json::object& values) {
    std::string text(pattern);
    for (const auto& entry : values) {
        const std::string placeholder = "{" + std::string(entry.key()) + "}";
        const std::string value =
            entry.value().is_string() ? std::string(entry.value().get_string()) : boost::json::serialize(entry.value());
        for (auto pos = text.find(placeholder); pos != std::string::npos;
             pos = text.find(placeholder, pos + value.size())) {
            text.replace(pos, placeholder.size(), value);
        }
    }
    return text;
}

}  // namespace

std::optional<std::string> render(std::string_view code, std::string_view lang, const boost::json::object& values) {
    for (const Row& row : rows) {
        if (row.code != code) continue;
        std::int64_t n = 1;
        if (const auto* count = values.if_contains("n"); count != nullptr && count->is_int64()) n = count->get_int64();
        std::string_view pattern;
        if (lang == "cs") {
            pattern = n == 1 || row.cs_few.empty() ? row.cs_one : (n >= 2 && n <= 4 ? row.cs_few : row.cs_other);
        } else {
            pattern = n == 1 || row.en_other.empty() ? row.en_one : row.en_other;
        }
        return fill(pattern, values);
    }
    return std::nullopt;
}

}  // namespace ucs::texts
