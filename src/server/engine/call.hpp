#pragma once
// A call on the simulated network and the table its state moves along (boost-ext/sml style): rows
// of {from, event, guard, action, to}. Guards and actions are named functions; actions reach the
// engine through CallPorts (the engine implements them, tests fake them). An event with no row for
// the call's state is reported through CallPorts::unexpected and changes nothing.
//
//   new --route--> connecting (a queue caller waits; a busy or unknown number is about to fail)
//   new, connecting --ring--> invitation --answer--> connected --hold--> held --unhold--> connected
//   invitation --requeue--> connecting (a queue offer ended unanswered)
//   held --join_transfer [target answered]--> connected, else --> invitation
//   connected, held --blind_transfer--> invitation
//   any --end--> ended (the call leaves the network; its last state stays in the hangup events)

#include "core/model.hpp"
#include "server/engine/engine.hpp"

#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ucs::server {

// One end of a call.
struct Party {
    ChannelType type = ChannelType::trunk;
    std::string number;  // an extension for lines, a phone number for trunks
    std::optional<std::string> name;
    std::optional<int> line_id;
    std::optional<int> user_id;
    std::optional<std::string> username;
    std::optional<int> group_id;
    std::string channel;
    bool muted = false;
};

// A call on the simulated network, stored once; each participant sees it through to_call().
struct ActiveCall {
    int id = 0;
    std::string uniqueid;
    Party caller;
    std::optional<Party> callee;  // null while a queue call waits
    std::string called_number;
    std::optional<std::string> called_name;
    CallState state = CallState::new_call;  // moved only by fire() below
    Timestamp created = 0;
    std::optional<Timestamp> connected;
    boost::json::object data;
    std::optional<int> queue_id;     // an incoming queue call
    std::optional<int> outbound_id;  // an outgoing campaign call
    bool recorded = false;
    std::optional<std::string> external_id;
    std::vector<AccountCode> account_codes;
    // Timers.
    std::optional<Millis> ring_deadline;     // a queue offer rings out
    std::optional<Millis> far_end_deadline;  // the simulated far end acts
    Millis ring_started = 0;
    // Agents who rejected this queue call, and when (core/rules/acd.hpp: offered again only as a
    // fallback, after a back-off).
    std::map<int, Millis> rejected_by;
    std::optional<Millis> reoffer_deadline;  // the next back-off of those ends: the ACD looks again
    // Transfers: a consultation call knows the held call it consults about.
    std::optional<std::string> consultation_of;
    // The agent who last put the call on hold (hold, transfer): the media bridge plays music on hold
    // to the other end and nothing to this one (media/bridge_routes.hpp).
    std::optional<int> held_by;
    // What happens when far_end_deadline passes.
    enum class FarEnd : std::uint8_t { none, answer, busy, invalid, reject } far_end = FarEnd::none;
    // The users this call is filed under in Engine::Impl::calls_by_user (who ever took part), so it
    // leaves every entry when it ends.
    std::vector<int> filed_under;
};

inline bool is_callee(const ActiveCall& call, int user_id) { return call.callee && call.callee->user_id == user_id; }
inline bool takes_part(const ActiveCall& call, int user_id) { return call.caller.user_id == user_id || is_callee(call, user_id); }

// The consultation link the bar gets beside a call (docs/protocol.md): only the agent who placed
// the consultation sees it.
inline std::optional<std::string> consultation_seen_by(const ActiveCall& call, int user_id) {
    if (call.consultation_of && call.caller.user_id == user_id) return call.consultation_of;
    return std::nullopt;
}

// A set of call states, as the table's `from` lists them.
class CallStates {
public:
    constexpr CallStates(std::initializer_list<CallState> states) {
        for (CallState s : states) bits_ |= bit(s);
    }
    [[nodiscard]] constexpr bool contains(CallState state) const { return (bits_ & bit(state)) != 0; }

private:
    static constexpr unsigned bit(CallState state) { return 1U << static_cast<unsigned>(state); }
    unsigned bits_ = 0;
};

enum class CallEvent : std::uint8_t {
    route,           // the network takes the call without ringing anyone yet
    ring,            // a phone or an outside number rings
    answer,          // the ringing party answers: an agent, the far end, a lifted handset
    hold,            // hold, and the first step of a transfer
    unhold,          // unhold, or a consultation that could not be dialled
    requeue,         // a queue offer ended unanswered: the caller waits again
    join_transfer,   // finishTransfer: the held caller now talks to (or rings) the target
    blind_transfer,  // the call rings the transfer target instead of the agent
    end,             // hung up, busy, invalid, rejected: the call leaves the network
};
BOOST_DESCRIBE_ENUM(CallEvent, route, ring, answer, hold, unhold, requeue, join_transfer, blind_transfer, end)

std::string_view to_string(CallEvent event);

// An event and what it carries.
struct CallInput {
    explicit CallInput(CallEvent event_in, HangupCause cause_in = HangupCause::not_set,
                       std::optional<int> party_in = std::nullopt, bool answered_in = false)
        : event(event_in), cause(cause_in), party(party_in), answered(answered_in) {}

    CallEvent event;
    HangupCause cause;          // end: why
    std::optional<int> party;   // transfers: the target's user, if an agent
    bool answered;              // join_transfer: the target had answered the consultation
};

// What the call table's actions do to the rest of the engine.
class CallPorts {
public:
    CallPorts() = default;
    CallPorts(const CallPorts&) = delete;
    CallPorts& operator=(const CallPorts&) = delete;
    CallPorts(CallPorts&&) = delete;
    CallPorts& operator=(CallPorts&&) = delete;
    virtual ~CallPorts() = default;

    // The ringing starts now; the participants hear call.ringing.
    virtual void ringing_started(ActiveCall& call) = 0;
    // The call is answered now: its connect time, statistics, call.connect to the participants.
    virtual void answered(ActiveCall& call) = 0;
    // `event` (call.hold, ...) to the call's participants, or only to `only_user`.
    virtual void tell(const ActiveCall& call, std::string_view event, std::optional<int> only_user) = 0;
    // A transfer moved the call to a new party (the user `party`, if an agent): it rings, or is
    // connected, from now on, and only that party hears of it.
    virtual void transferred(ActiveCall& call, std::optional<int> party, bool connected) = 0;
    // Every participant leaves with `cause` (history saved first) and the call is gone.
    virtual void ended(ActiveCall& call, HangupCause cause) = 0;
    // An event no row expected: a bug worth reporting, never dropped silently.
    virtual void unexpected(std::string what) = 0;
};

struct CallTransition {
    CallStates from;
    CallEvent event = CallEvent::end;
    bool (*guard)(const ActiveCall&, const CallInput&) = nullptr;         // null: always
    void (*action)(CallPorts&, ActiveCall&, const CallInput&) = nullptr;  // null: none; runs in the new state
    std::optional<CallState> to;  // nullopt: ended (the call is gone after the action)
};

std::span<const CallTransition> call_transitions();

// Moves the call along the first row that matches its state, the event and the guard, then runs
// the row's action. After an `end` the call no longer exists. False, after CallPorts::unexpected,
// when no row matches.
bool fire(CallPorts& ports, ActiveCall& call, const CallInput& input);

}  // namespace ucs::server
