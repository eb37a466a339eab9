#pragma once
// The Store on SQLite: one file, <dir>/ucsd.sqlite3, in WAL mode with synchronous=FULL. On its own
// every method returns only once its change is committed and survives a kill -9 (or a power cut)
// right after; between begin_batch() and commit_batch() the writes share one transaction and are
// durable when commit_batch() returns (ucsd runs it so, behind GroupCommitStore). The schema is
// versioned with PRAGMA user_version and migrated forward on open.
//
// Not thread-safe: one thread at a time (GroupCommitStore's, in ucsd). Failures of the database
// itself (disk full, a corrupt file) are SQLite::Exception; a failed write leaves the batch as it
// was before that write.

#include "server/store/group_commit_store.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace ucs::server {

class SqliteStore final : public BatchingStore {
public:
    // Opens <dir>/ucsd.sqlite3, creating it (not the directory) and its schema when missing.
    explicit SqliteStore(const std::filesystem::path& dir);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;
    SqliteStore(SqliteStore&&) = delete;
    SqliteStore& operator=(SqliteStore&&) = delete;

    static constexpr const char* file_name = "ucsd.sqlite3";
    // The schema version this build writes; older files are migrated to it, newer ones refused.
    static constexpr int schema_version = 7;

    // True when no user has been configured yet (a fresh database).
    bool empty();
    // Writes a whole directory (the demo data) in one transaction: all of it or nothing.
    void seed(const Directory& directory);
    // Adds the devices whose id and identifier are not taken yet (an older demo database gains the
    // demo's newer phones); existing ones stay as they are.
    void add_missing_devices(const std::vector<DeviceRecord>& devices);
    // The durability settings in effect: journal mode "wal" and synchronous 2 (FULL). For the tests.
    std::string journal_mode();
    int synchronous();

    // Lists keyed by an id (users, devices, queues, groups, reasons) come back in id order; the
    // others (memberships, sub-reasons, remember tokens) in the order they were first saved.
    Directory load() override;

    // Reads (load, history...) are made outside a batch.
    void begin_batch() override;
    void commit_batch() override;
    void rollback_batch() override;
    [[nodiscard]] bool batch_open() const override;

    void save_membership(const MembershipRecord& membership) override;
    void save_remember_token(const RememberTokenRecord& token) override;
    void revoke_remember_token(const std::string& token_hash) override;
    void save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) override;
    void save_user_statistics(int user_id, const UserStatistics& statistics) override;
    void save_queue_statistics(int user_id, int queue_id, const QueueStatistics& statistics) override;
    void save_call_sequence(std::uint64_t last_call_sequence) override;
    void save_user_settings(int user_id, const UserSettings& settings) override;

    // Saving the same call for the same user again replaces that row. The entry's account codes
    // become the call's codes (they are kept per call, shared by all its rows).
    void save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) override;
    void save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) override;
    // Newest first (by created, then by the order saved). A limit below 0 means no limit.
    std::vector<HistoryEntry> history(const HistoryQuery& query) override;
    std::vector<int> history_users(const std::string& uniqueid) override;
    std::vector<AccountCode> account_codes(const std::string& uniqueid) override;

private:
    void migrate();

    std::unique_ptr<SQLite::Database> db_;
};

}  // namespace ucs::server
