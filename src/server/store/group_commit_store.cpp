#include "server/store/group_commit_store.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <string>
#include <utility>

namespace ucs::server {

GroupCommitStore::GroupCommitStore(std::unique_ptr<BatchingStore> store, Log log)
    : store_(std::move(store)),
      log_(log ? std::move(log) : Log([](const std::string&) {})),
      thread_([this] { run_thread(); }) {}

GroupCommitStore::~GroupCommitStore() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void GroupCommitStore::on_durable(Durable callback) {
    const std::lock_guard lock(callback_mutex_);
    on_durable_ = std::move(callback);
}

StoreTicket GroupCommitStore::last_write() const {
    const std::lock_guard lock(mutex_);
    return issued_;
}

void GroupCommitStore::write(std::function<void(BatchingStore&)> change) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(Job{++issued_, std::move(change)});
    }
    wake_.notify_one();
}

template <class Result>
Result GroupCommitStore::read(std::function<Result(BatchingStore&)> query) {
    std::promise<Result> answer;
    std::future<Result> result = answer.get_future();
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(Job{0, [&](BatchingStore& store) {
                                 try {
                                     answer.set_value(query(store));
                                 } catch (...) {
                                     answer.set_exception(std::current_exception());
                                 }
                             }});
    }
    wake_.notify_one();
    return result.get();  // rethrows what the query threw
}

void GroupCommitStore::run_thread() {
    std::vector<Job> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is done
            batch.swap(queue_);
        }
        commit(batch);
        // Reads last, outside the transaction: they see every write before them, committed. The
        // engine waits for each read, so nothing it queued can come after one in the same batch.
        for (Job& job : batch)
            if (job.ticket == 0) job.run(*store_);
        batch.clear();
    }
}

void GroupCommitStore::commit(std::vector<Job>& batch) {
    StoreTicket newest = 0;
    for (const Job& job : batch) newest = std::max(newest, job.ticket);
    if (newest == 0) return;  // reads only
    try {
        store_->begin_batch();
        std::vector<Job*> applied;
        for (Job& job : batch)
            if (job.ticket != 0) apply(job, applied);
        store_->commit_batch();
        ++commits_;
    } catch (const std::exception& e) {
        log_("store: commit up to write " + std::to_string(newest) + " failed, its writes are lost: " + e.what());
        try {
            store_->rollback_batch();
        } catch (const std::exception& again) {
            log_(std::string("store: rollback failed too: ") + again.what());
        }
    }
    durable_ = newest;
    const std::lock_guard lock(callback_mutex_);
    if (on_durable_) on_durable_(newest);
}

// Runs one write of the open batch; a write that fails is skipped, and when its failure took the
// whole transaction with it the writes applied before it are applied again in a new one.
void GroupCommitStore::apply(Job& job, std::vector<Job*>& applied) {
    try {
        job.run(*store_);
        applied.push_back(&job);
    } catch (const std::exception& e) {
        log_("store: write " + std::to_string(job.ticket) + " failed and is skipped: " + e.what());
        if (!store_->batch_open()) reapply(applied);
    }
}

void GroupCommitStore::reapply(std::vector<Job*>& applied) {
    log_("store: the database rolled back the batch; applying its " + std::to_string(applied.size()) +
         " earlier writes again");
    store_->begin_batch();
    std::vector<Job*> again;
    // A write that fails now fails on its own (the batch is open again), so apply() recurses at most
    // once per write of the batch.
    for (Job* job : applied) apply(*job, again);
    applied = std::move(again);
}

// ---- the Store, queued ----------------------------------------------------------------------------
// Arguments are copied into the job: the caller's may be gone by the time it runs.

Directory GroupCommitStore::load() {
    return read<Directory>([](BatchingStore& store) { return store.load(); });
}

void GroupCommitStore::save_membership(const MembershipRecord& membership) {
    write([membership](BatchingStore& store) { store.save_membership(membership); });
}

void GroupCommitStore::save_remember_token(const RememberTokenRecord& token) {
    write([token](BatchingStore& store) { store.save_remember_token(token); });
}

void GroupCommitStore::revoke_remember_token(const std::string& token_hash) {
    write([token_hash](BatchingStore& store) { store.revoke_remember_token(token_hash); });
}

void GroupCommitStore::save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) {
    write([token_hash, forget_after_ms](BatchingStore& store) { store.save_used_sso_token(token_hash, forget_after_ms); });
}

void GroupCommitStore::save_user_statistics(int user_id, const UserStatistics& statistics) {
    write([user_id, statistics](BatchingStore& store) { store.save_user_statistics(user_id, statistics); });
}

void GroupCommitStore::save_queue_statistics(int user_id, int queue_id, const QueueStatistics& statistics) {
    write([user_id, queue_id, statistics](BatchingStore& store) {
        store.save_queue_statistics(user_id, queue_id, statistics);
    });
}

void GroupCommitStore::save_call_sequence(std::uint64_t last_call_sequence) {
    write([last_call_sequence](BatchingStore& store) { store.save_call_sequence(last_call_sequence); });
}

void GroupCommitStore::save_user_settings(int user_id, const UserSettings& settings) {
    write([user_id, settings](BatchingStore& store) { store.save_user_settings(user_id, settings); });
}

void GroupCommitStore::save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) {
    write([entry, user_ids](BatchingStore& store) { store.save_history(entry, user_ids); });
}

void GroupCommitStore::save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) {
    write([uniqueid, codes](BatchingStore& store) { store.save_account_codes(uniqueid, codes); });
}

std::vector<HistoryEntry> GroupCommitStore::history(const HistoryQuery& query) {
    return read<std::vector<HistoryEntry>>([&query](BatchingStore& store) { return store.history(query); });
}

std::vector<int> GroupCommitStore::history_users(const std::string& uniqueid) {
    return read<std::vector<int>>([&uniqueid](BatchingStore& store) { return store.history_users(uniqueid); });
}

std::vector<AccountCode> GroupCommitStore::account_codes(const std::string& uniqueid) {
    return read<std::vector<AccountCode>>([&uniqueid](BatchingStore& store) { return store.account_codes(uniqueid); });
}

}  // namespace ucs::server
