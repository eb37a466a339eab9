#include "agent/notifications.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

namespace ucs::agent {

namespace json = boost::json;

std::string fill_placeholders(std::string title, const json::object& other) {
    const json::value* values = other.if_contains("values");
    if (values == nullptr || !values->is_object()) return title;
    for (const auto& entry : values->get_object()) {
        const std::string placeholder = "{" + std::string(entry.key()) + "}";
        const std::string replacement = entry.value().is_string() ? std::string(entry.value().get_string()) : json::serialize(entry.value());
        for (auto pos = title.find(placeholder); pos != std::string::npos; pos = title.find(placeholder, pos + replacement.size())) {
            title.replace(pos, placeholder.size(), replacement);
        }
    }
    return title;
}

std::uint32_t Notifications::add(NotificationRequest request, Millis now) {
    std::string title = fill_placeholders(std::move(request.title), request.other);
    if (request.unique) {
        std::erase_if(list_, [&](const Notification& n) { return n.title == title && n.group == request.group; });
    }
    Notification n;
    n.id = next_id_++;
    n.title = std::move(title);
    n.type = std::move(request.type);
    if (request.timeout) {
        // A timeout past the end of time never expires (and never overflows).
        const Millis room = std::numeric_limits<Millis>::max() - now;
        if (*request.timeout < room) n.expires = now + *request.timeout;
    }
    n.bound_state = request.bound_state;
    n.group = std::move(request.group);
    n.other = std::move(request.other);
    list_.push_back(std::move(n));
    return list_.back().id;
}

bool Notifications::expire(Millis now) {
    return std::erase_if(list_, [&](const Notification& n) { return n.expires && *n.expires <= now; }) > 0;
}

bool Notifications::remove_group(const std::string& group) {
    return std::erase_if(list_, [&](const Notification& n) { return n.group == group; }) > 0;
}

bool Notifications::dismiss(std::uint32_t id) {
    return std::erase_if(list_, [&](const Notification& n) { return n.id == id; }) > 0;
}

std::optional<Millis> Notifications::next_expiry() const {
    std::optional<Millis> next;
    for (const auto& n : list_)
        if (n.expires && (!next || *n.expires < *next)) next = n.expires;
    return next;
}

}  // namespace ucs::agent
