#pragma once
// Persistence as the engine sees it. A write may return before it is durable: each write gets the
// next ticket (1, 2, 3...; last_write() tells the newest) and the store later reports "durable up to
// N" to the network shell, in ticket order. A frame that acknowledges a write (a participant's
// call.hangup after their history row, the reply to a stored change) carries that write's ticket
// (Outbound::ticket) and the shell holds it, and every later frame to the same connection, until
// the ticket is durable. Reads see every write made before them. A store whose writes are durable
// on return (SqliteStore on its own, MemoryStore in the tests) keeps last_write() at 0: nothing
// waits. ucsd runs SqliteStore behind GroupCommitStore (src/server/store): writes are committed on
// the store's own thread, everything queued during one commit going into the next.

#include "server/engine/directory.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ucs::server {

// Writes in the order made; 0 is "no write to wait for".
using StoreTicket = std::uint64_t;

class Store {
public:
    virtual ~Store() = default;

    // The ticket of the newest write; 0 when every write is durable on return.
    [[nodiscard]] virtual StoreTicket last_write() const { return 0; }

    // Everything, at start-up.
    virtual Directory load() = 0;

    virtual void save_membership(const MembershipRecord& membership) = 0;
    virtual void save_remember_token(const RememberTokenRecord& token) = 0;
    virtual void revoke_remember_token(const std::string& token_hash) = 0;
    // An SSO token has been used; refuse it again until forget_after_ms (Unix ms).
    virtual void save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) = 0;
    virtual void save_user_statistics(int user_id, const UserStatistics& statistics) = 0;
    virtual void save_queue_statistics(int user_id, int queue_id, const QueueStatistics& statistics) = 0;
    virtual void save_call_sequence(std::uint64_t last_call_sequence) = 0;
    virtual void save_user_settings(int user_id, const UserSettings& settings) = 0;

    // A finished call, for each user who took part (user_ids), with its account codes so far.
    virtual void save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) = 0;
    // Replaces the account codes of a call in every history row that has it.
    virtual void save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) = 0;
    virtual std::vector<HistoryEntry> history(const HistoryQuery& query) = 0;
    // The history rows of one call, for any user (empty when unknown).
    virtual std::vector<int> history_users(const std::string& uniqueid) = 0;
    virtual std::vector<AccountCode> account_codes(const std::string& uniqueid) = 0;
};

}  // namespace ucs::server
