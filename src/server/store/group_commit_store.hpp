#pragma once
// Storage off the event loop, with group commit. GroupCommitStore is the Store the engine sees in
// ucsd: a write is queued and returns at once with the next ticket (store.hpp); a thread of its own
// owns the database and commits in batches, everything queued while one commit ran going into the
// next, one transaction and one fdatasync for all of it. After each commit it reports "durable up
// to N" through on_durable (on its thread: the shell posts it to its event loop), and the shell then
// sends the frames that waited for tickets up to N.
//
// Reads (load, history, history_users, account_codes) are queued behind the writes made before
// them and wait for their answer: they see every one of those writes, committed. A write that fails
// (the database refuses it) is logged and skipped, the rest of its batch still commits. Where the
// database abandoned the whole transaction on that failure (SQLite does on a full disk or an I/O
// error), the writes before it are applied again in a new one, so a refused write never takes its
// neighbours with it. A commit that fails is logged and its batch is lost. Either way its tickets are
// reported durable, so no frame waits for ever. Destruction drains the queue: every write queued
// before it is committed.

#include "server/engine/store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ucs::server {

// A Store whose writes can be grouped into one transaction: between begin_batch() and
// commit_batch() each write applies (and a failed one rolls back alone, throwing) but nothing is
// durable before commit_batch() returns. Outside a batch every write is durable on return.
class BatchingStore : public Store {
public:
    virtual void begin_batch() = 0;
    virtual void commit_batch() = 0;
    virtual void rollback_batch() = 0;  // after a failed commit; harmless when none is open
    // Whether the transaction begin_batch() opened still stands: a database may roll it back whole
    // when a write fails (SQLite on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM).
    [[nodiscard]] virtual bool batch_open() const = 0;
};

class GroupCommitStore final : public Store {
public:
    using Log = std::function<void(const std::string&)>;
    using Durable = std::function<void(StoreTicket)>;

    // Takes the store over: from now on only the store thread touches it. `log` gets a line for each
    // failed write or commit, on the store thread (empty: none).
    GroupCommitStore(std::unique_ptr<BatchingStore> store, Log log);
    ~GroupCommitStore() override;
    GroupCommitStore(const GroupCommitStore&) = delete;
    GroupCommitStore& operator=(const GroupCommitStore&) = delete;
    GroupCommitStore(GroupCommitStore&&) = delete;
    GroupCommitStore& operator=(GroupCommitStore&&) = delete;

    // Called on the store thread after each commit with the newest ticket now durable. Replacing it
    // (with an empty one, say, before what it posts to goes away) waits for a call in progress.
    void on_durable(Durable callback);

    [[nodiscard]] StoreTicket last_write() const override;
    // The newest ticket committed so far, and how many commits (transactions) that took.
    [[nodiscard]] StoreTicket durable() const { return durable_.load(); }
    [[nodiscard]] std::uint64_t commits() const { return commits_.load(); }

    Directory load() override;
    void save_membership(const MembershipRecord& membership) override;
    void save_remember_token(const RememberTokenRecord& token) override;
    void revoke_remember_token(const std::string& token_hash) override;
    void save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) override;
    void save_user_statistics(int user_id, const UserStatistics& statistics) override;
    void save_queue_statistics(int user_id, int queue_id, const QueueStatistics& statistics) override;
    void save_call_sequence(std::uint64_t last_call_sequence) override;
    void save_user_settings(int user_id, const UserSettings& settings) override;
    void save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) override;
    void save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) override;
    std::vector<HistoryEntry> history(const HistoryQuery& query) override;
    std::vector<int> history_users(const std::string& uniqueid) override;
    std::vector<AccountCode> account_codes(const std::string& uniqueid) override;

private:
    struct Job {
        StoreTicket ticket = 0;  // 0: a read
        std::function<void(BatchingStore&)> run;
    };

    void write(std::function<void(BatchingStore&)> change);
    template <class Result>
    Result read(std::function<Result(BatchingStore&)> query);
    void run_thread();
    void commit(std::vector<Job>& batch);
    void apply(Job& job, std::vector<Job*>& applied);
    void reapply(std::vector<Job*>& applied);

    std::unique_ptr<BatchingStore> store_;
    Log log_;
    mutable std::mutex mutex_;  // guards queue_, issued_, stopping_
    std::condition_variable wake_;
    std::vector<Job> queue_;
    StoreTicket issued_ = 0;
    bool stopping_ = false;
    std::mutex callback_mutex_;  // held while on_durable_ runs
    Durable on_durable_;
    std::atomic<StoreTicket> durable_{0};
    std::atomic<std::uint64_t> commits_{0};
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace ucs::server
