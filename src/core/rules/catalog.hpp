#pragma once
// Closed lists of names the document defines, kept once: the engines validate against them, and the
// build writes them into the GUI and operator.d.ts (bindings/catalog.cpp), so nothing retypes them.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace ucs {

// selectRingingSound's values and state().ringingSound's (the document, v4.43.5/v4.55.0).
inline constexpr std::array<std::string_view, 5> ringing_sounds{"default", "christmas", "lovingYou", "quest", "rush"};
inline constexpr std::string_view default_ringing_sound = ringing_sounds[0];

// notify()'s `type` and onMessage's.
inline constexpr std::array<std::string_view, 4> notification_types{"error", "warning", "success", "info"};

template <std::size_t N>
constexpr bool is_one_of(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// "a, b or c", for messages that name the allowed values.
template <std::size_t N>
std::string names_list(const std::array<std::string_view, N>& names) {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
        if (i > 0) out += i + 1 == N ? " or " : ", ";
        out += names[i];
    }
    return out;
}

}  // namespace ucs
