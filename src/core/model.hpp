#pragma once
// The objects of the integration document (ucs-agent-bar-v4.txt, "Structure of objects") and the
// few it uses without defining (Device, AUX and call reasons, agent state). Member names are the
// document's field names: the JSON codec (json.hpp) derives the wire shape from these descriptions,
// so a field is named in exactly one place. std::optional members are nullable on the wire.

#include "core/wire_traits.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ucs {

// Unix epoch seconds, as the document's `timestamp` fields are sent.
using Timestamp = std::int64_t;

// Agent availability (onStateChange, User.status, changeStatus).
enum class AgentStatus { OFFLINE, READY, ACW, AUX };
BOOST_DESCRIBE_ENUM(AgentStatus, OFFLINE, READY, ACW, AUX)

// Call.caller_type / Call.connected_type.
enum class ChannelType { line, trunk };
BOOST_DESCRIBE_ENUM(ChannelType, line, trunk)

// Call.direction.
enum class Direction { OUTGOING, INCOMING };
BOOST_DESCRIBE_ENUM(Direction, OUTGOING, INCOMING)

// Call.state, sent as its number.
enum class CallState : int {
    new_call = 0,
    connecting = 1,
    invitation = 2,  // ringing
    connected = 3,
    suspended = 4,
    held = 5,  // "tribute"
};
BOOST_DESCRIBE_ENUM(CallState, new_call, connecting, invitation, connected, suspended, held)

// Call.cause, sent as its number.
enum class HangupCause : int {
    not_set = -1,  // the call has not been hung up yet
    unknown = 0,
    busy = 1,  // "occupied"
    invalid_number = 2,
    caller_hung_up = 3,
    called_hung_up = 4,
    rejected = 5,
    unavailable = 6,
    pickup = 7,
    transfer = 8,
};
BOOST_DESCRIBE_ENUM(HangupCause, not_set, unknown, busy, invalid_number, caller_hung_up, called_hung_up,
                    rejected, unavailable, pickup, transfer)

// Queue.type, sent as its number.
enum class QueueType : int { outgoing = 0, incoming = 1 };
BOOST_DESCRIBE_ENUM(QueueType, outgoing, incoming)

template <>
inline constexpr bool sent_as_number<CallState> = true;
template <>
inline constexpr bool sent_as_number<HangupCause> = true;
template <>
inline constexpr bool sent_as_number<QueueType> = true;

// Call (v4.0.0): every documented field, in the document's order.
struct Call {
    std::optional<std::string> called_name;
    std::string called_number;
    std::optional<std::string> called_number_norm;  // E.164; null when the number has no E.164 form
    std::optional<std::string> caller_channel;
    std::optional<std::string> caller_extension;
    std::optional<int> caller_group_id;
    bool caller_internal = false;
    std::optional<int> caller_line_id;
    bool caller_muted = false;
    std::optional<std::string> caller_name;
    std::string caller_number;
    std::optional<std::string> caller_number_norm;
    ChannelType caller_type = ChannelType::trunk;
    std::optional<int> caller_user_id;
    std::optional<std::string> caller_username;
    HangupCause cause = HangupCause::not_set;
    std::optional<Timestamp> connected;
    std::optional<std::string> connected_channel;
    std::optional<int> connected_group_id;
    bool connected_internal = false;
    std::optional<int> connected_line_id;
    bool connected_muted = false;
    std::optional<std::string> connected_name;
    std::optional<std::string> connected_number;
    std::optional<std::string> connected_number_norm;
    ChannelType connected_type = ChannelType::trunk;
    std::optional<int> connected_user_id;
    std::optional<std::string> connected_username;
    Timestamp created = 0;
    boost::json::object data;
    Direction direction = Direction::INCOMING;
    std::optional<Timestamp> disconnected;
    std::optional<std::string> external_id;
    int id = 0;  // rotates in 1..65535; uniqueid identifies a call
    std::optional<std::string> name;
    Timestamp now = 0;
    std::string number;
    std::optional<int> outbound_id;
    bool recorded = false;
    CallState state = CallState::new_call;
    int subcalls = 0;
    std::string uniqueid;

    friend bool operator==(const Call&, const Call&) = default;
};
BOOST_DESCRIBE_STRUCT(Call, (),
                      (called_name, called_number, called_number_norm, caller_channel, caller_extension,
                       caller_group_id, caller_internal, caller_line_id, caller_muted, caller_name, caller_number,
                       caller_number_norm, caller_type, caller_user_id, caller_username, cause, connected,
                       connected_channel, connected_group_id, connected_internal, connected_line_id, connected_muted,
                       connected_name, connected_number, connected_number_norm, connected_type, connected_user_id,
                       connected_username, created, data, direction, disconnected, external_id, id, name, now, number,
                       outbound_id, recorded, state, subcalls, uniqueid))

// Queue (v4.0.0): an agent's membership of one queue, with the agent's figures in it.
struct Queue {
    int answered = 0;
    int priorities = 0;
    int queue_id = 0;
    std::int64_t ringtime = 0;
    bool supervisor = false;
    bool suspended = false;
    std::int64_t suspendtime = 0;
    std::int64_t talktime = 0;
    std::optional<int> team_id;
    int transferred = 0;
    int transferred_external = 0;
    QueueType type = QueueType::incoming;
    int unanswered = 0;

    friend bool operator==(const Queue&, const Queue&) = default;
};
BOOST_DESCRIBE_STRUCT(Queue, (),
                      (answered, priorities, queue_id, ringtime, supervisor, suspended, suspendtime, talktime, team_id,
                       transferred, transferred_external, type, unanswered))

// What kind of phone a line is: a desk phone rings on the desk (the sandbox lifts its handset);
// a softphone is the browser itself, which rings, listens and speaks.
enum class DeviceType { desk, softphone };
BOOST_DESCRIBE_ENUM(DeviceType, desk, softphone)

// A phone (line) that an agent pairs with the bar by its identifier. The document passes it to
// onDevice and lists a user's lines; dial's `line` argument is its id.
struct Device {
    int id = 0;  // the line id (Call.*_line_id)
    std::string identifier;
    std::string name;
    std::string extension;
    DeviceType type = DeviceType::desk;

    friend bool operator==(const Device&, const Device&) = default;
};
BOOST_DESCRIBE_STRUCT(Device, (), (id, identifier, name, extension, type))

// The statistics of a User: the counters ucsd keeps per agent and saves across restarts. Declared
// once, here: User carries them as its base, ucsd's engine counts them and its store saves them
// (one column per member, in this order).
struct UserStatistics {
    std::int64_t acwtime = 0;
    std::int64_t auxtime = 0;
    std::map<std::string, std::int64_t> auxtimes;  // AUX reason name -> seconds
    std::int64_t idletime = 0;
    int in_calls_answered = 0;
    int in_calls_unanswered = 0;
    std::int64_t in_ringtime = 0;
    std::int64_t in_talktime = 0;
    int out_calls_answered = 0;
    int out_calls_unanswered = 0;
    std::int64_t out_ringtime = 0;
    std::int64_t out_talktime = 0;
    std::int64_t readytime = 0;
    std::int64_t ringtime = 0;
    std::int64_t talktime = 0;
    int transferred = 0;
    int transferred_external = 0;

    friend bool operator==(const UserStatistics&, const UserStatistics&) = default;
};
BOOST_DESCRIBE_STRUCT(UserStatistics, (),
                      (acwtime, auxtime, auxtimes, idletime, in_calls_answered, in_calls_unanswered, in_ringtime,
                       in_talktime, out_calls_answered, out_calls_unanswered, out_ringtime, out_talktime, readytime,
                       ringtime, talktime, transferred, transferred_external))

// User (v4.0.0): every documented field, in the document's order. The counters come from
// UserStatistics; the description below names them among the other fields so the wire order stays
// the document's (the base is deliberately not listed as a described base: the codec would then
// see its members twice).
struct User : UserStatistics {
    boost::json::object data;
    std::string displayname;
    std::optional<std::string> email;
    std::optional<std::string> external_id;
    std::string firstname;
    std::optional<int> group_id;
    int id = 0;
    std::string lastname;
    std::vector<Device> lines;
    std::string locale;
    std::optional<std::string> number;
    std::optional<int> primary_extension;
    std::map<int, Queue> queues;  // queue id -> membership
    AgentStatus status = AgentStatus::OFFLINE;
    bool superuser = false;

    friend bool operator==(const User&, const User&) = default;
};
BOOST_DESCRIBE_STRUCT(User, (),
                      (acwtime, auxtime, auxtimes, data, displayname, email, external_id, firstname, group_id, id,
                       idletime, in_calls_answered, in_calls_unanswered, in_ringtime, in_talktime, lastname, lines,
                       locale, number, out_calls_answered, out_calls_unanswered, out_ringtime, out_talktime,
                       primary_extension, queues, readytime, ringtime, status, superuser, talktime, transferred,
                       transferred_external))

// onStateChange's argument: {status, reason}; reason names the AUX reason and is null otherwise.
struct AgentState {
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;

    friend bool operator==(const AgentState&, const AgentState&) = default;
};
BOOST_DESCRIBE_STRUCT(AgentState, (), (status, reason))

// A reason for AUX (not ready), as configured on the server; changeStatus("AUX", name) names one.
struct AuxReason {
    int id = 0;
    std::string name;

    friend bool operator==(const AuxReason&, const AuxReason&) = default;
};
BOOST_DESCRIBE_STRUCT(AuxReason, (), (id, name))

// Second level of a call reason (setAccountCode's subAccountCode).
struct CallSubReason {
    int id = 0;
    std::string name;

    friend bool operator==(const CallSubReason&, const CallSubReason&) = default;
};
BOOST_DESCRIBE_STRUCT(CallSubReason, (), (id, name))

// A call reason (account code) with its optional sub-codes.
struct CallReason {
    int id = 0;
    std::string name;
    std::vector<CallSubReason> subcodes;

    friend bool operator==(const CallReason&, const CallReason&) = default;
};
BOOST_DESCRIBE_STRUCT(CallReason, (), (id, name, subcodes))

}  // namespace ucs

namespace ucs {

// An entry of onReady's `queues`: a queue the agent can see (calls in, or dials out under).
struct QueueInfo {
    int id = 0;
    std::string name;
    QueueType type = QueueType::incoming;
    std::optional<std::string> number;  // the number callers dial to reach it

    friend bool operator==(const QueueInfo&, const QueueInfo&) = default;
};
BOOST_DESCRIBE_STRUCT(QueueInfo, (), (id, name, type, number))

// An entry of onReady's `groups` (the enum behind *_group_id).
struct Group {
    int id = 0;
    std::string name;

    friend bool operator==(const Group&, const Group&) = default;
};
BOOST_DESCRIBE_STRUCT(Group, (), (id, name))

// An entry of onReady's `agents`: a colleague as the bar shows them (for transfers, say).
struct AgentInfo {
    int id = 0;
    std::string username;
    std::string displayname;
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
    std::optional<std::string> extension;  // the paired phone, when there is one

    friend bool operator==(const AgentInfo&, const AgentInfo&) = default;
};
BOOST_DESCRIBE_STRUCT(AgentInfo, (), (id, username, displayname, status, reason, extension))

// The object onReady receives and state() returns (API-DECISIONS.md), less `audio`, which only the
// browser knows and the bar adds.
struct ReadyState {
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
    std::optional<Call> call;
    User user;
    std::optional<Device> device;
    std::vector<AuxReason> auxReasons;
    std::vector<CallReason> callReasons;
    std::vector<QueueInfo> queues;
    std::vector<Group> groups;
    std::vector<AgentInfo> agents;
    int waitingCallers = 0;
    Timestamp now = 0;
    std::string ringingSound = "default";  // the user's ringtone, kept by ucsd (it follows the agent)

    friend bool operator==(const ReadyState&, const ReadyState&) = default;
};
BOOST_DESCRIBE_STRUCT(ReadyState, (),
                      (status, reason, call, user, device, auxReasons, callReasons, queues, groups, agents,
                       waitingCallers, now, ringingSound))

// A tab of a user's layout (core/rules/layout.hpp): a web page of the CRM's choosing, shown in a
// sandboxed frame in the bar, after the bar's own tabs. ucsd keeps the layout per user.
struct LayoutTab {
    std::string name;
    std::string url;  // http:// or https:// only

    friend bool operator==(const LayoutTab&, const LayoutTab&) = default;
};
BOOST_DESCRIBE_STRUCT(LayoutTab, (), (name, url))

// An account code set on a call (setAccountCode); sub is the second level.
struct AccountCode {
    std::string code;
    std::optional<std::string> sub;

    friend bool operator==(const AccountCode&, const AccountCode&) = default;
};
BOOST_DESCRIBE_STRUCT(AccountCode, (), (code, sub))

// A row of a user's call history: the call as it ended and the account codes set on it.
struct HistoryEntry {
    Call call;
    std::vector<AccountCode> account_codes;

    friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};
BOOST_DESCRIBE_STRUCT(HistoryEntry, (), (call, account_codes))

}  // namespace ucs
