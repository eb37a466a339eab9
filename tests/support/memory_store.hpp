#pragma once
// The Store in memory, for the engine's unit tests: the same semantics as SqliteStore (upserts,
// history filters, newest first, account codes kept per call and replaced whole), checked by the
// same behavioural cases in tests/unit/server_store_test.cpp. Counters let a test assert that the
// engine saved something, not just that it kept it in memory.

#include "server/engine/store.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ucs::test {

class MemoryStore final : public server::Store {
public:
    MemoryStore() = default;
    // Starts from a directory, as SqliteStore::seed would.
    explicit MemoryStore(server::Directory directory) : directory_(std::move(directory)) {}

    server::Directory load() override { return directory_; }

    // Off (the default) every write is durable on return, as SqliteStore's on its own: nothing
    // waits. On, each write gets a ticket (the count of writes so far), as behind GroupCommitStore.
    void number_writes(bool on) { number_writes_ = on; }
    [[nodiscard]] server::StoreTicket last_write() const override { return number_writes_ ? saves_ : 0; }

    void save_membership(const server::MembershipRecord& membership) override {
        ++saves_;
        auto& all = directory_.memberships;
        auto it = std::find_if(all.begin(), all.end(), [&](const server::MembershipRecord& m) {
            return m.user_id == membership.user_id && m.queue_id == membership.queue_id;
        });
        if (it == all.end()) {
            all.push_back(membership);
        } else {
            *it = membership;  // in place: load() keeps the order of first saving, like SQLite's rowid
        }
    }

    void save_remember_token(const server::RememberTokenRecord& token) override {
        ++saves_;
        auto& all = directory_.remember_tokens;
        auto it = std::find_if(all.begin(), all.end(),
                               [&](const server::RememberTokenRecord& t) { return t.token_hash == token.token_hash; });
        if (it == all.end()) {
            all.push_back(token);
        } else {
            *it = token;
        }
    }

    void save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) override {
        ++saves_;
        directory_.used_sso_tokens[token_hash] = forget_after_ms;
    }

    void revoke_remember_token(const std::string& token_hash) override {
        ++saves_;
        std::erase_if(directory_.remember_tokens,
                      [&](const server::RememberTokenRecord& t) { return t.token_hash == token_hash; });
    }

    void save_user_statistics(int user_id, const server::UserStatistics& statistics) override {
        ++saves_;
        directory_.user_statistics[user_id] = statistics;
    }

    void save_queue_statistics(int user_id, int queue_id, const server::QueueStatistics& statistics) override {
        ++saves_;
        directory_.queue_statistics[{user_id, queue_id}] = statistics;
    }

    void save_call_sequence(std::uint64_t last_call_sequence) override {
        ++saves_;
        directory_.last_call_sequence = last_call_sequence;
    }

    void save_user_settings(int user_id, const server::UserSettings& settings) override {
        ++saves_;
        directory_.user_settings[user_id] = settings;
    }

    void save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) override {
        ++saves_;
        ++history_saves_;
        for (int user_id : user_ids) {
            auto it = std::find_if(rows_.begin(), rows_.end(), [&](const Row& row) {
                return row.user_id == user_id && row.call.uniqueid == entry.call.uniqueid;
            });
            if (it == rows_.end()) {
                rows_.push_back(Row{next_row_id_++, user_id, entry.call});
            } else {
                it->call = entry.call;  // keeps its place in the order saved
            }
        }
        account_codes_[entry.call.uniqueid] = entry.account_codes;
    }

    void save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) override {
        ++saves_;
        account_codes_[uniqueid] = codes;
    }

    std::vector<HistoryEntry> history(const server::HistoryQuery& query) override {
        std::vector<const Row*> matches;
        for (const Row& row : rows_) {
            const Call& call = row.call;
            if (row.user_id != query.user_id) continue;
            if (query.direction && call.direction != *query.direction) continue;
            if (query.number && call.number.find(*query.number) == std::string::npos) continue;
            if (query.since && call.created < *query.since) continue;
            if (query.until && call.created >= *query.until) continue;
            matches.push_back(&row);
        }
        // Newest first; among equal times the one saved last first.
        std::sort(matches.begin(), matches.end(), [](const Row* a, const Row* b) {
            if (a->call.created != b->call.created) return a->call.created > b->call.created;
            return a->id > b->id;
        });
        const std::size_t offset = static_cast<std::size_t>(std::max(query.offset, 0));
        // As in SQL, a negative limit means none.
        const std::size_t limit = query.limit < 0 ? matches.size() : static_cast<std::size_t>(query.limit);
        std::vector<HistoryEntry> out;
        for (std::size_t i = offset; i < matches.size() && out.size() < limit; ++i) {
            out.push_back(HistoryEntry{matches[i]->call, account_codes(matches[i]->call.uniqueid)});
        }
        return out;
    }

    std::vector<int> history_users(const std::string& uniqueid) override {
        std::vector<int> users;
        for (const Row& row : rows_) {
            if (row.call.uniqueid == uniqueid) users.push_back(row.user_id);
        }
        return users;
    }

    std::vector<AccountCode> account_codes(const std::string& uniqueid) override {
        auto it = account_codes_.find(uniqueid);
        return it == account_codes_.end() ? std::vector<AccountCode>{} : it->second;
    }

    // ---- for assertions ------------------------------------------------------------------------
    [[nodiscard]] const server::Directory& directory() const { return directory_; }
    // What the next load() (a restart) sees: tests configure queues and memberships here.
    server::Directory& directory() { return directory_; }
    // Every save_*/revoke_* call so far.
    [[nodiscard]] std::size_t saves() const { return saves_; }
    // save_history calls so far, and the (user, call) rows they left.
    [[nodiscard]] std::size_t history_saves() const { return history_saves_; }
    [[nodiscard]] std::size_t history_rows() const { return rows_.size(); }
    [[nodiscard]] std::size_t remember_token_count() const { return directory_.remember_tokens.size(); }

private:
    struct Row {
        std::uint64_t id = 0;  // order saved
        int user_id = 0;
        Call call;
    };

    server::Directory directory_;
    std::vector<Row> rows_;
    std::map<std::string, std::vector<AccountCode>> account_codes_;
    std::uint64_t next_row_id_ = 1;
    std::size_t saves_ = 0;
    std::size_t history_saves_ = 0;
    bool number_writes_ = false;
};

}  // namespace ucs::test
