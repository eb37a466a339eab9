#pragma once
// What ucsd sends the bar (docs/protocol.md), as typed values: every result and event is read with
// the model's codec before the engine acts on it, so a frame of an unexpected shape is a ParseError
// naming the field (and an onWarning), never an exception half-way through a change.

#include "core/json.hpp"
#include "core/model.hpp"
#include "core/rules/app_state.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ucs::agent::message {

// ---- results ----
struct ScramFirst {
    std::string server_first;
};
BOOST_DESCRIBE_STRUCT(ScramFirst, (), (server_first))

// login.proof, login.remember and sso: who logged in, and the phone a mirrored session already has.
struct LoggedIn {
    User user;
    AppState state = AppState::IDENTIFY;
    std::optional<Device> device;
    std::optional<std::string> server_final;    // login.proof
    std::optional<std::string> remember_token;  // login.proof with remember
    std::optional<std::vector<LayoutTab>> layout;  // the user's tabs (core/rules/layout.hpp)
};
BOOST_DESCRIBE_STRUCT(LoggedIn, (), (user, state, device, server_final, remember_token, layout))

struct Paired {
    Device device;
    std::string identifier;
};
BOOST_DESCRIBE_STRUCT(Paired, (), (device, identifier))

// ---- events ----
struct CallEvent {
    Call call;
    std::optional<std::string> consultation_of;  // a consultation call: the held call it is about
};
BOOST_DESCRIBE_STRUCT(CallEvent, (), (call, consultation_of))

struct AgentStateEvent {
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
    std::optional<Timestamp> until;  // automatic wrap-up ends (Unix seconds)
};
BOOST_DESCRIBE_STRUCT(AgentStateEvent, (), (status, reason, until))

struct UserEvent {
    User user;
};
BOOST_DESCRIBE_STRUCT(UserEvent, (), (user))

struct QueueEvent {
    int queueId = 0;
};
BOOST_DESCRIBE_STRUCT(QueueEvent, (), (queueId))

struct WaitingCallersEvent {
    int waitingCallers = 0;
};
BOOST_DESCRIBE_STRUCT(WaitingCallersEvent, (), (waitingCallers))

struct MessageEvent {
    std::string message;
    std::string type;
    std::optional<std::string> group;
    boost::json::value data;
};
BOOST_DESCRIBE_STRUCT(MessageEvent, (), (message, type, group, data))

// selectRingingSound's answer, and the event telling the agent's other sessions of the choice.
struct RingingSound {
    std::string ringingSound;
};
BOOST_DESCRIBE_STRUCT(RingingSound, (), (ringingSound))

// recordingUrl's answer: a signed path for GET /recordings/{uniqueid} (docs/protocol.md).
struct RecordingUrl {
    std::string uniqueid;
    std::string path;
    std::int64_t expires = 0;
};
BOOST_DESCRIBE_STRUCT(RecordingUrl, (), (uniqueid, path, expires))

// layout: the user's tabs changed.
struct LayoutEvent {
    std::vector<LayoutTab> layout;
};
BOOST_DESCRIBE_STRUCT(LayoutEvent, (), (layout))

// session.state: another session of the agent moved this one.
struct SessionStateEvent {
    AppState state = AppState::CREDENTIALS;
    std::optional<Device> device;
};
BOOST_DESCRIBE_STRUCT(SessionStateEvent, (), (state, device))

struct LoggedOutEvent {
    std::string reason;
};
BOOST_DESCRIBE_STRUCT(LoggedOutEvent, (), (reason))

// session.resume's answer when the events could not be replayed.
struct Rebuild {
    AppState state = AppState::CREDENTIALS;
    std::optional<ReadyState> snapshot;
    std::optional<User> user;
};
BOOST_DESCRIBE_STRUCT(Rebuild, (), (state, snapshot, user))

}  // namespace ucs::agent::message
