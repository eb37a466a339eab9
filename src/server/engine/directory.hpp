#pragma once
// What the contact centre is configured with (users, phones, queues, reasons) and what it keeps
// across restarts. The Store loads it at start-up; the engine owns it in memory afterwards and
// reports each change back to the Store before anything that depends on it is sent.

#include "core/model.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ucs::server {

// SCRAM-SHA-256 verifier (RFC 5802): the server never stores the password.
struct PasswordVerifier {
    std::string salt;  // raw bytes
    int iterations = 4096;
    std::string stored_key;  // raw bytes, H(ClientKey)
    std::string server_key;  // raw bytes
};

struct UserRecord {
    int id = 0;
    std::string username;
    std::string firstname;
    std::string lastname;
    std::optional<std::string> email;
    std::string locale = "en";
    bool superuser = false;
    std::optional<int> group_id;
    std::optional<std::string> number;
    boost::json::object data;
    PasswordVerifier verifier;
};

struct DeviceRecord {
    Device device;
    std::optional<std::string> address;  // client address bound to it for identifyIP
};

struct QueueRecord {
    QueueInfo info;
    int wrapup_seconds = 10;
    int ring_timeout_seconds = 20;
    // Offer calls to a desk phone whose every bar is disconnected or frozen (core/rules/acd.hpp):
    // the phone still rings, but the agent has no screen pop and no call control. Off by default.
    bool ring_unattended_desk_phones = false;
    // The queue's calls are recorded (ucsd's media bridge writes them; Call.recorded says so).
    bool recorded = false;
};

struct MembershipRecord {
    int user_id = 0;
    int queue_id = 0;
    int priority = 1;  // lower rings first
    bool supervisor = false;
    bool suspended = false;
    std::optional<int> team_id;
    // For an outgoing queue: the agent's default campaign, used by a dial that lets UCS decide
    // (core/rules/dial.hpp). At most one per user is honoured: the lowest queue id.
    bool default_campaign = false;
};

// What a user chose for themselves, kept across sessions and PCs.
struct UserSettings {
    std::string ringing_sound = "default";
    std::vector<LayoutTab> layout;  // the bar's tabs after its own (core/rules/layout.hpp), checked when set

    friend bool operator==(const UserSettings&, const UserSettings&) = default;
};

struct RememberTokenRecord {
    std::string token_hash;  // raw SHA-256 of the token; the token itself is only in the browser's cookie
    int user_id = 0;
    std::int64_t issued = 0;  // Unix seconds
};

// Per-user counters that survive a restart: the User object's statistics, declared once in the
// model (core/model.hpp).
using UserStatistics = ucs::UserStatistics;

// Per-user, per-queue counters (the Queue object's figures).
struct QueueStatistics {
    int answered = 0;
    int unanswered = 0;
    std::int64_t ringtime = 0;
    std::int64_t talktime = 0;
    std::int64_t suspendtime = 0;
    int transferred = 0;
    int transferred_external = 0;
};

struct Directory {
    std::vector<UserRecord> users;
    std::vector<DeviceRecord> devices;
    std::vector<QueueRecord> queues;
    std::vector<MembershipRecord> memberships;
    std::vector<Group> groups;
    std::vector<AuxReason> aux_reasons;
    std::vector<CallReason> call_reasons;
    std::vector<RememberTokenRecord> remember_tokens;
    std::map<int, UserSettings> user_settings;  // by user id; absent: the defaults
    std::map<std::string, std::int64_t> used_sso_tokens;  // SHA-256 of a used SSO token -> forget after (Unix ms)
    std::map<int, UserStatistics> user_statistics;                        // by user id
    std::map<std::pair<int, int>, QueueStatistics> queue_statistics;      // by (user id, queue id)
    std::uint64_t last_call_sequence = 0;  // uniqueids stay unique across restarts
};

// Filter for a user's call history (the `history` request); every field optional.
struct HistoryQuery {
    int user_id = 0;
    std::optional<Direction> direction;
    std::optional<std::string> number;  // substring of the call's number
    std::optional<std::int64_t> since;  // created >= since (Unix seconds)
    std::optional<std::int64_t> until;  // created < until
    int limit = 50;
    int offset = 0;
};

}  // namespace ucs::server
