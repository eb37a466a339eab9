#include "core/rules/call_actions.hpp"

#include <boost/describe/enum_to_string.hpp>

#include <algorithm>

namespace ucs {

namespace {

using protocol::ErrorCode;

bool is_live(CallState state) {
    return state == CallState::new_call || state == CallState::connecting || state == CallState::invitation ||
           state == CallState::connected;
}

bool is_talking(CallState state) { return state == CallState::connected || state == CallState::held; }

using Legs = std::vector<CallLeg>;

std::optional<std::size_t> first_where(const Legs& legs, auto predicate) {
    const auto it = std::find_if(legs.begin(), legs.end(), predicate);
    if (it == legs.end()) return std::nullopt;
    return static_cast<std::size_t>(it - legs.begin());
}

std::optional<std::size_t> current_of(const Legs& legs) {
    if (auto live = first_where(legs, [](const CallLeg& leg) { return is_live(leg.state); })) return live;
    if (legs.empty()) return std::nullopt;
    return 0;
}

bool has_live_leg(const Legs& legs) { return first_where(legs, [](const CallLeg& leg) { return is_live(leg.state); }).has_value(); }

bool holds_leg(const Legs& legs, const std::string& uniqueid) {
    return first_where(legs, [&](const CallLeg& leg) { return leg.uniqueid == uniqueid; }).has_value();
}

// A consultation whose held call is still the agent's: a transfer in progress.
std::optional<std::size_t> consultation_leg(const Legs& legs) {
    return first_where(legs, [&](const CallLeg& leg) {
        return leg.agent_placed && leg.consultation_of && holds_leg(legs, *leg.consultation_of);
    });
}

// What an action acts on.
enum class Target : std::uint8_t {
    none,           // dial: a new call
    ringing_offer,  // a call ringing on the agent's phone
    current,        // the live call, else the first held one
    first_held,
    consultation,   // a consultation call the agent placed
};

// Conditions an action needs, checked in a rule's order; the first unmet one refuses it.
enum class Check : std::uint8_t {
    target_exists,
    target_connected,
    target_talking,            // connected or held
    target_consults_held_call,  // the call it consults about is still the agent's
    target_has_far_end,
    no_live_call,
    no_transfer_in_progress,
};

struct Guard {
    Check check;
    ErrorCode code;
    std::string_view message;  // what a CRM sees when the action is refused
};

struct ActionRule {
    CallAction action;
    Target target;
    std::array<std::optional<Guard>, 3> guards;
};

constexpr std::string_view transfer_in_progress = "a transfer is in progress: finish it or hang up the consultation call";

// The rulebook (docs/protocol.md, "Call control").
constexpr std::array action_rules{
    ActionRule{CallAction::answer, Target::ringing_offer,
               {Guard{Check::target_exists, ErrorCode::no_call, "no call is ringing on your phone"}}},
    ActionRule{CallAction::hangup, Target::current, {Guard{Check::target_exists, ErrorCode::no_call, "there is no call to hang up"}}},
    ActionRule{CallAction::hold, Target::current,
               {Guard{Check::target_connected, ErrorCode::no_call, "there is no connected call to hold"}}},
    ActionRule{CallAction::unhold, Target::first_held,
               {Guard{Check::no_live_call, ErrorCode::invalid_state, "finish or hang up the other call before resuming the held one"},
                Guard{Check::target_exists, ErrorCode::no_call, "there is no held call"}}},
    ActionRule{CallAction::mute, Target::current,
               {Guard{Check::target_exists, ErrorCode::no_call, "there is no call to mute"},
                Guard{Check::target_talking, ErrorCode::no_call, "the call is not connected"}}},
    ActionRule{CallAction::transfer, Target::current,
               {Guard{Check::no_transfer_in_progress, ErrorCode::invalid_state, transfer_in_progress},
                Guard{Check::target_connected, ErrorCode::no_call, "there is no connected call to transfer"}}},
    ActionRule{CallAction::finishTransfer, Target::consultation,
               {Guard{Check::target_exists, ErrorCode::no_call, "there is no consultation call to finish"},
                Guard{Check::target_consults_held_call, ErrorCode::no_call, "the call being transferred has ended"},
                Guard{Check::target_has_far_end, ErrorCode::no_call, "the consultation call is not ringing yet"}}},
    ActionRule{CallAction::blindTransfer, Target::current,
               {Guard{Check::no_transfer_in_progress, ErrorCode::invalid_state, transfer_in_progress},
                Guard{Check::target_exists, ErrorCode::no_call, "there is no call to transfer"},
                Guard{Check::target_talking, ErrorCode::no_call, "the call is not connected"}}},
    ActionRule{CallAction::dial, Target::none,
               {Guard{Check::no_live_call, ErrorCode::invalid_state, "hang up or hold the current call before dialling"}}},
};

std::optional<std::size_t> find_target(Target target, const Legs& legs) {
    switch (target) {
    case Target::none: return std::nullopt;
    case Target::ringing_offer:
        return first_where(legs, [](const CallLeg& leg) { return leg.state == CallState::invitation && !leg.agent_placed; });
    case Target::current: return current_of(legs);
    case Target::first_held: return first_where(legs, [](const CallLeg& leg) { return leg.state == CallState::held; });
    case Target::consultation: return first_where(legs, [](const CallLeg& leg) { return leg.agent_placed && leg.consultation_of; });
    }
    return std::nullopt;
}

bool holds(Check check, const Legs& legs, const CallLeg* target) {
    switch (check) {
    case Check::target_exists: return target != nullptr;
    case Check::target_connected: return target != nullptr && target->state == CallState::connected;
    case Check::target_talking: return target != nullptr && is_talking(target->state);
    case Check::target_consults_held_call: return target != nullptr && target->consultation_of && holds_leg(legs, *target->consultation_of);
    case Check::target_has_far_end: return target != nullptr && target->has_far_end;
    case Check::no_live_call: return !has_live_leg(legs);
    case Check::no_transfer_in_progress: return !consultation_leg(legs);
    }
    return false;
}

const ActionRule& rule_of(CallAction action) {
    return *std::find_if(action_rules.begin(), action_rules.end(), [&](const ActionRule& r) { return r.action == action; });
}

static_assert(action_rules.size() == all_call_actions.size(), "every call action has its rule");

}  // namespace

std::string_view to_string(CallAction action) { return boost::describe::enum_to_string(action, "?"); }

CallLeg situation_leg(const Call& call, std::optional<std::string> consultation_of) {
    CallLeg leg;
    leg.uniqueid = call.uniqueid;
    leg.state = call.state;
    leg.agent_placed = call.direction == Direction::OUTGOING;
    leg.has_far_end = call.direction == Direction::INCOMING || call.connected_channel.has_value();
    leg.consultation_of = std::move(consultation_of);
    return leg;
}

Decision decide(CallAction action, const CallSituation& situation) {
    if (!situation.has_device) {
        return Decision{std::nullopt, Refusal{ErrorCode::no_device, std::string(to_string(action)) + " needs a paired phone"}};
    }
    const ActionRule& rule = rule_of(action);
    const auto target = find_target(rule.target, situation.legs);
    const CallLeg* leg = target ? &situation.legs[*target] : nullptr;
    for (const auto& guard : rule.guards) {
        if (guard && !holds(guard->check, situation.legs, leg)) {
            return Decision{std::nullopt, Refusal{guard->code, std::string(guard->message)}};
        }
    }
    return Decision{target, std::nullopt};
}

std::optional<std::size_t> current_leg(const CallSituation& situation) { return current_of(situation.legs); }

ActionSet allowed_actions(const CallSituation& situation) {
    ActionSet allowed;
    for (CallAction action : all_call_actions)
        if (decide(action, situation).allowed()) allowed.insert(action);
    return allowed;
}

}  // namespace ucs
