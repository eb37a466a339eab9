#include "server/engine/session.hpp"

#include <boost/describe/enum_to_string.hpp>

#include <array>

namespace ucs::server {

namespace {

// ---- guards ----

bool agent_has_phone(const SessionPorts& ports, const Session& session) { return ports.agent_has_phone(session); }

// ---- actions ----

void log_out(SessionPorts& ports, Session& session) {
    ports.forget_login(session);
    ports.release_agent(session);
}

void close_page(SessionPorts& ports, Session& session) {
    ports.tell_logged_out(session, "the page was closed");
    session.pending_login.reset();
    ports.release_agent(session);
}

// The agent stays: the new session has them now.
void hand_over(SessionPorts& ports, Session& session) { ports.tell_replaced(session); }

void release_agent(SessionPorts& ports, Session& session) { ports.release_agent(session); }

using enum AppState;
using E = SessionEvent;
constexpr StateSet credentials = states::credentials;
constexpr StateSet logged_in = states::logged_in;
constexpr StateSet pairing = states::pairing;

// First match wins: a guarded row comes before the row that catches the rest.
constexpr std::array transitions{
    SessionTransition{credentials, E::logged_in, agent_has_phone, nullptr, DEVICE},  // a mirror of a paired agent
    SessionTransition{credentials, E::logged_in, nullptr, nullptr, IDENTIFY},
    SessionTransition{pairing, E::paired, nullptr, nullptr, DEVICE},
    SessionTransition{StateSet{READY}, E::paired, nullptr, nullptr, READY},  // a mirror keeps working on the new phone
    SessionTransition{pairing, E::provisioned, nullptr, nullptr, READY},
    SessionTransition{logged_in, E::unpaired, nullptr, nullptr, IDENTIFY},
    SessionTransition{logged_in, E::logout, nullptr, log_out, CREDENTIALS},
    SessionTransition{credentials, E::page_closed, nullptr, nullptr, CREDENTIALS},
    SessionTransition{logged_in, E::page_closed, nullptr, close_page, CREDENTIALS},
    SessionTransition{logged_in, E::replaced, nullptr, hand_over, CREDENTIALS},
    SessionTransition{credentials, E::expired, nullptr, nullptr, CREDENTIALS},
    SessionTransition{logged_in, E::expired, nullptr, release_agent, CREDENTIALS},
};

}  // namespace

std::string_view to_string(SessionEvent event) { return boost::describe::enum_to_string(event, "?"); }

std::span<const SessionTransition> session_transitions() { return transitions; }

bool fire(SessionPorts& ports, Session& session, SessionEvent event) {
    for (const SessionTransition& row : transitions) {
        if (row.event != event || !row.from.contains(session.state)) continue;
        if (row.guard != nullptr && !row.guard(ports, session)) continue;
        session.state = row.to;
        if (row.action != nullptr) row.action(ports, session);
        return true;
    }
    ports.unexpected("session " + session.key.substr(0, 6) + "...: " + std::string(to_string(event)) +
                     " is not expected in state " + std::string(to_string(session.state)));
    return false;
}

}  // namespace ucs::server
