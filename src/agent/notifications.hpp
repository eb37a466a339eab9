#pragma once
// The bar's notifications (notify(), messages from ucsd, login and pairing errors): unique ones
// replace their twin, timed ones expire, bound ones show only in their state, groups are removed
// together. The engine asks for the next expiry and arms one timer for it.

#include "core/rules/app_state.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ucs::agent {

using Millis = std::int64_t;

struct Notification {
    std::uint32_t id = 0;
    std::string title;  // placeholders already filled
    std::string type;   // error, warning, success, info
    std::optional<Millis> expires;
    std::optional<AppState> bound_state;
    std::optional<std::string> group;
    // other.code: a text of core/texts.hpp, shown in the bar's language (placeholders from
    // other.values); `title` then keeps its English text.
    boost::json::object other;
};

// What notify() (or the engine) asks for.
struct NotificationRequest {
    std::string title;  // may hold {name} placeholders, filled from other.values
    std::string type = "info";
    bool unique = false;
    std::optional<Millis> timeout;
    std::optional<AppState> bound_state;
    std::optional<std::string> group;
    boost::json::object other;  // other.code: a text of core/texts.hpp (title: its English text)
};

class Notifications {
public:
    // Adds one; returns its id.
    std::uint32_t add(NotificationRequest request, Millis now);
    // Removes expired ones; true when any went.
    bool expire(Millis now);
    bool remove_group(const std::string& group);
    bool dismiss(std::uint32_t id);

    [[nodiscard]] std::optional<Millis> next_expiry() const;
    [[nodiscard]] const std::vector<Notification>& all() const { return list_; }

private:
    std::vector<Notification> list_;
    std::uint32_t next_id_ = 1;
};

// "{name}" placeholders of a title filled from other.values.
std::string fill_placeholders(std::string title, const boost::json::object& other);

}  // namespace ucs::agent
