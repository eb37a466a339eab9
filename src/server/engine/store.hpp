#pragma once
// Persistence as the engine sees it. Every call returns only once the change is durable
// (committed), so the engine can send what depends on it right after: a call's history row is
// saved before its hangup event leaves. Implementations: SqliteStore (src/server/store) and
// MemoryStore (tests).

#include "server/engine/directory.hpp"

#include <string>
#include <vector>

namespace ucs::server {

class Store {
public:
    virtual ~Store() = default;

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
