#include "server/engine/call.hpp"

#include "core/protocol.hpp"

#include <boost/describe/enum_to_string.hpp>

#include <array>

namespace ucs::server {

namespace {

// ---- guards ----

bool target_answered(const ActiveCall& /*call*/, const CallInput& input) { return input.answered; }

// ---- actions ----

void ring_everyone(CallPorts& ports, ActiveCall& call, const CallInput& /*input*/) { ports.ringing_started(call); }

void connect_everyone(CallPorts& ports, ActiveCall& call, const CallInput& /*input*/) { ports.answered(call); }

void tell_held(CallPorts& ports, ActiveCall& call, const CallInput& /*input*/) {
    ports.tell(call, protocol::event::call_hold, std::nullopt);
}

void tell_resumed(CallPorts& ports, ActiveCall& call, const CallInput& /*input*/) {
    ports.tell(call, protocol::event::call_resume, std::nullopt);
}

void connect_target(CallPorts& ports, ActiveCall& call, const CallInput& input) {
    ports.transferred(call, input.party, true);
}

void ring_target(CallPorts& ports, ActiveCall& call, const CallInput& input) {
    ports.transferred(call, input.party, false);
}

void end_for_everyone(CallPorts& ports, ActiveCall& call, const CallInput& input) { ports.ended(call, input.cause); }

using enum CallState;
using E = CallEvent;
constexpr std::optional<CallState> gone = std::nullopt;
constexpr CallStates any_state{new_call, connecting, invitation, connected, suspended, held};

// First match wins: a guarded row comes before the row that catches the rest.
constexpr std::array transitions{
    CallTransition{{new_call}, E::route, nullptr, nullptr, connecting},
    CallTransition{{new_call, connecting}, E::ring, nullptr, ring_everyone, invitation},
    CallTransition{{invitation}, E::answer, nullptr, connect_everyone, connected},
    CallTransition{{connected}, E::hold, nullptr, tell_held, held},
    CallTransition{{held}, E::unhold, nullptr, tell_resumed, connected},
    CallTransition{{invitation}, E::requeue, nullptr, nullptr, connecting},
    CallTransition{{held}, E::join_transfer, target_answered, connect_target, connected},
    CallTransition{{held}, E::join_transfer, nullptr, ring_target, invitation},
    CallTransition{{connected, held}, E::blind_transfer, nullptr, ring_target, invitation},
    CallTransition{any_state, E::end, nullptr, end_for_everyone, gone},
};

}  // namespace

std::string_view to_string(CallEvent event) { return boost::describe::enum_to_string(event, "?"); }

std::span<const CallTransition> call_transitions() { return transitions; }

bool fire(CallPorts& ports, ActiveCall& call, const CallInput& input) {
    for (const CallTransition& row : transitions) {
        if (row.event != input.event || !row.from.contains(call.state)) continue;
        if (row.guard != nullptr && !row.guard(call, input)) continue;
        if (row.to) call.state = *row.to;
        if (row.action != nullptr) row.action(ports, call, input);  // after `end`, `call` is gone
        return true;
    }
    ports.unexpected("call " + call.uniqueid + ": " + std::string(to_string(input.event)) +
                     " is not expected in state " + std::to_string(static_cast<int>(call.state)));
    return false;
}

}  // namespace ucs::server
