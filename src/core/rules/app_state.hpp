#pragma once
// The bar's application states (the integration document's "Component control"), one enum for the
// agent engine, its view model and ucsd, which mirrors each session's state to gate methods.
// ucsd never sees CONNECTING: a session starts in CREDENTIALS.

#include <boost/describe/enum.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ucs {

enum class AppState : std::uint8_t { CONNECTING, CREDENTIALS, IDENTIFY, DEVICE, READY };
BOOST_DESCRIBE_ENUM(AppState, CONNECTING, CREDENTIALS, IDENTIFY, DEVICE, READY)

inline constexpr std::array all_app_states{AppState::CONNECTING, AppState::CREDENTIALS, AppState::IDENTIFY,
                                           AppState::DEVICE, AppState::READY};

// The document's name of a state ("READY").
constexpr std::string_view to_string(AppState state) {
    switch (state) {
    case AppState::CONNECTING: return "CONNECTING";
    case AppState::CREDENTIALS: return "CREDENTIALS";
    case AppState::IDENTIFY: return "IDENTIFY";
    case AppState::DEVICE: return "DEVICE";
    case AppState::READY: return "READY";
    }
    return "?";
}

constexpr std::optional<AppState> parse_app_state(std::string_view name) {
    for (AppState state : all_app_states)
        if (to_string(state) == name) return state;
    return std::nullopt;
}

// A set of states, as the method table lists them.
class StateSet {
public:
    constexpr StateSet() = default;
    constexpr StateSet(std::initializer_list<AppState> states) {
        for (AppState s : states) bits_ |= bit(s);
    }
    [[nodiscard]] constexpr bool contains(AppState state) const { return (bits_ & bit(state)) != 0; }
    constexpr StateSet operator|(StateSet other) const { return StateSet(bits_ | other.bits_); }
    friend constexpr bool operator==(StateSet, StateSet) = default;

private:
    constexpr explicit StateSet(unsigned bits) : bits_(bits) {}
    static constexpr unsigned bit(AppState state) { return 1U << static_cast<unsigned>(state); }
    unsigned bits_ = 0;
};

namespace states {
inline constexpr StateSet credentials{AppState::CREDENTIALS};
inline constexpr StateSet logged_in{AppState::IDENTIFY, AppState::DEVICE, AppState::READY};
inline constexpr StateSet pairing{AppState::IDENTIFY, AppState::DEVICE};
inline constexpr StateSet paired{AppState::DEVICE, AppState::READY};
inline constexpr StateSet ready{AppState::READY};
inline constexpr StateSet any = StateSet{AppState::CONNECTING} | credentials | logged_in;
}  // namespace states

}  // namespace ucs
