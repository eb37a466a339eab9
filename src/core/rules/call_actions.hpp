#pragma once
// Which call actions a participant may take in each call situation, and on which of their calls
// each acts. One function decides: ucsd's preconditions call decide() and refuse with its code and
// message; the bar's view model enables exactly what allowed_actions() returns for the same
// situation. Both build the situation from the Call objects the agent sees (situation_leg), so
// the two cannot drift.

#include "core/model.hpp"
#include "core/protocol.hpp"

#include <boost/describe/enum.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ucs {

enum class CallAction : std::uint8_t { answer, hangup, hold, unhold, mute, transfer, finishTransfer, blindTransfer, dial };
BOOST_DESCRIBE_ENUM(CallAction, answer, hangup, hold, unhold, mute, transfer, finishTransfer, blindTransfer, dial)

inline constexpr std::array all_call_actions{CallAction::answer,        CallAction::hangup,   CallAction::hold,
                                             CallAction::unhold,        CallAction::mute,     CallAction::transfer,
                                             CallAction::finishTransfer, CallAction::blindTransfer, CallAction::dial};

// The method name of an action ("finishTransfer").
std::string_view to_string(CallAction action);

// One of the agent's calls, reduced to what the rules look at.
struct CallLeg {
    std::string uniqueid;
    CallState state = CallState::new_call;
    bool agent_placed = false;  // the agent's phone is the caller (OUTGOING from the agent's side)
    bool has_far_end = false;   // the call reaches someone (a ringing line or trunk); false while a queue call waits
    std::optional<std::string> consultation_of;  // a consultation call: the held call it is about

    friend bool operator==(const CallLeg&, const CallLeg&) = default;
};

// Everything the rules need: whether a phone is paired and the agent's calls, ordered by uniqueid
// (as both sides keep them).
struct CallSituation {
    bool has_device = false;
    std::vector<CallLeg> legs;

    friend bool operator==(const CallSituation&, const CallSituation&) = default;
};

// A leg from a Call as the agent sees it (direction from the agent's side) and the consultation
// link ucsd sends beside the call.
CallLeg situation_leg(const Call& call, std::optional<std::string> consultation_of);

struct Refusal {
    protocol::ErrorCode code = protocol::ErrorCode::invalid_state;
    std::string message;
};

// What an action would do now: act on `leg` (an index into situation.legs; none for dial), or be
// refused.
struct Decision {
    std::optional<std::size_t> leg;
    std::optional<Refusal> refusal;

    [[nodiscard]] bool allowed() const { return !refusal.has_value(); }
};

Decision decide(CallAction action, const CallSituation& situation);

// The call the agent is on now: the live one (an agent has at most one), else the first held one.
// The call actions without a choice act on it; onReady's `call` is it.
std::optional<std::size_t> current_leg(const CallSituation& situation);

// The set of actions decide() allows, for the view model.
class ActionSet {
public:
    void insert(CallAction action) { bits_ |= bit(action); }
    [[nodiscard]] bool contains(CallAction action) const { return (bits_ & bit(action)) != 0; }
    friend bool operator==(ActionSet, ActionSet) = default;

private:
    static unsigned bit(CallAction action) { return 1U << static_cast<unsigned>(action); }
    unsigned bits_ = 0;
};

ActionSet allowed_actions(const CallSituation& situation);

}  // namespace ucs
