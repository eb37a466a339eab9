// ucsd's persistence: SqliteStore against a real file in a temporary directory, GroupCommitStore
// (its thread and batches), MemoryStore (the engine tests' stand-in) against the same behavioural
// cases, the demo directory against SANDBOX.md, and the libphonenumber-backed E.164 normaliser.

#include "core/auth/scram.hpp"
#include "core/json.hpp"
#include "server/phone/phone_numbers.hpp"
#include "server/store/demo_data.hpp"
#include "server/store/group_commit_store.hpp"
#include "server/store/sqlite_store.hpp"
#include "server/store/system_random.hpp"
#include "support/memory_store.hpp"

#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <boost/json.hpp>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using ucs::AccountCode;
using ucs::Call;
using ucs::Direction;
using ucs::HistoryEntry;
using ucs::server::Directory;
using ucs::server::HistoryQuery;
using ucs::server::SqliteStore;

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "ucs-store-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Reproducible salts.
class CountingRandom final : public ucs::server::Random {
public:
    std::string bytes(std::size_t count) override {
        std::string out(count, '\0');
        for (char& c : out) c = static_cast<char>(++state_);
        return out;
    }

private:
    unsigned char state_ = 0;
};

Directory demo() {
    CountingRandom random;
    return ucs::server::demo_directory(random);
}

// Someone's own directory, not the demo: the demo's phones and queues (a queue named Support among
// them) but only one of its users, agent1.
Directory not_demo() {
    auto directory = demo();
    directory.users.resize(1);
    directory.memberships.clear();
    return directory;
}

std::string hex(const std::string& bytes) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0xf];
    }
    return out;
}

// Every field of a directory as JSON, so a failed comparison shows where the two differ.
json::value dump(const Directory& d) {
    json::object out;
    json::array users;
    for (const auto& u : d.users) {
        users.push_back(json::object{{"id", u.id},
                                     {"username", u.username},
                                     {"firstname", u.firstname},
                                     {"lastname", u.lastname},
                                     {"email", ucs::to_json(u.email)},
                                     {"locale", u.locale},
                                     {"superuser", u.superuser},
                                     {"group_id", ucs::to_json(u.group_id)},
                                     {"number", ucs::to_json(u.number)},
                                     {"data", u.data},
                                     {"salt", hex(u.verifier.salt)},
                                     {"iterations", u.verifier.iterations},
                                     {"stored_key", hex(u.verifier.stored_key)},
                                     {"server_key", hex(u.verifier.server_key)}});
    }
    out["users"] = std::move(users);
    json::array devices;
    for (const auto& r : d.devices)
        devices.push_back(json::object{{"device", ucs::to_json(r.device)}, {"address", ucs::to_json(r.address)}});
    out["devices"] = std::move(devices);
    json::array queues;
    for (const auto& q : d.queues) {
        queues.push_back(json::object{{"info", ucs::to_json(q.info)},
                                      {"wrapup_seconds", q.wrapup_seconds},
                                      {"ring_timeout_seconds", q.ring_timeout_seconds}});
    }
    out["queues"] = std::move(queues);
    json::array memberships;
    for (const auto& m : d.memberships) {
        memberships.push_back(json::object{{"user_id", m.user_id},
                                           {"queue_id", m.queue_id},
                                           {"priority", m.priority},
                                           {"supervisor", m.supervisor},
                                           {"suspended", m.suspended},
                                           {"team_id", ucs::to_json(m.team_id)}});
    }
    out["memberships"] = std::move(memberships);
    out["groups"] = ucs::to_json(d.groups);
    out["aux_reasons"] = ucs::to_json(d.aux_reasons);
    out["call_reasons"] = ucs::to_json(d.call_reasons);
    json::array tokens;
    for (const auto& t : d.remember_tokens) {
        tokens.push_back(json::object{{"token_hash", hex(t.token_hash)}, {"user_id", t.user_id}, {"issued", t.issued}});
    }
    out["remember_tokens"] = std::move(tokens);
    json::object user_statistics;
    for (const auto& [id, s] : d.user_statistics) {
        user_statistics[std::to_string(id)] = json::array{s.acwtime,
                                                          s.auxtime,
                                                          ucs::to_json(s.auxtimes),
                                                          s.idletime,
                                                          s.in_calls_answered,
                                                          s.in_calls_unanswered,
                                                          s.in_ringtime,
                                                          s.in_talktime,
                                                          s.out_calls_answered,
                                                          s.out_calls_unanswered,
                                                          s.out_ringtime,
                                                          s.out_talktime,
                                                          s.readytime,
                                                          s.ringtime,
                                                          s.talktime,
                                                          s.transferred,
                                                          s.transferred_external};
    }
    out["user_statistics"] = std::move(user_statistics);
    json::object queue_statistics;
    for (const auto& [key, s] : d.queue_statistics) {
        queue_statistics[std::to_string(key.first) + "/" + std::to_string(key.second)] = json::array{
            s.answered, s.unanswered, s.ringtime, s.talktime, s.suspendtime, s.transferred, s.transferred_external};
    }
    out["queue_statistics"] = std::move(queue_statistics);
    out["last_call_sequence"] = d.last_call_sequence;
    return out;
}

std::string dump_text(const Directory& d) {
    return json::serialize(dump(d));
}

// A finished call as the engine would save it.
Call make_call(const std::string& uniqueid, Direction direction, const std::string& number, std::int64_t created) {
    Call call;
    call.uniqueid = uniqueid;
    call.direction = direction;
    call.number = number;
    call.created = created;
    call.now = created + 60;
    call.connected = created + 5;
    call.disconnected = created + 60;
    call.cause = ucs::HangupCause::caller_hung_up;
    call.state = ucs::CallState::connected;
    call.caller_number = direction == Direction::INCOMING ? number : "101";
    call.called_number = direction == Direction::INCOMING ? "800100200" : number;
    call.caller_number_norm = "+420" + number;
    call.caller_name = "Jan Novák";
    call.caller_user_id = 1;
    call.caller_line_id = 101;
    call.data = json::object{{"crm_ticket", 42}, {"tags", json::array{"vip", "přednost"}}};
    call.id = 7;
    return call;
}

std::vector<std::string> uniqueids(const std::vector<HistoryEntry>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries) ids.push_back(e.call.uniqueid);
    return ids;
}

// The two stores behind the shared behavioural cases. reopen() is a restart: for SQLite a new
// connection on the same file; memory has nothing to lose within a test.
struct SqliteStoreFixture {
    TempDir dir;
    std::unique_ptr<SqliteStore> store;

    SqliteStoreFixture() : store(std::make_unique<SqliteStore>(dir.path())) { store->seed(demo()); }
    ucs::server::Store& get() { return *store; }
    void reopen() {
        store.reset();  // closes the connection first, as a stopped process would
        store = std::make_unique<SqliteStore>(dir.path());
    }
};

struct MemoryStoreFixture {
    ucs::test::MemoryStore store{demo()};

    ucs::server::Store& get() { return store; }
    void reopen() {}
};

HistoryQuery query_for(int user_id) {
    HistoryQuery query;
    query.user_id = user_id;
    return query;
}

}  // namespace

// ---- SqliteStore only ---------------------------------------------------------------------------

TEST_CASE("the demo directory seeded into a new store loads back unchanged after a restart", "[store]") {
    TempDir dir;
    const Directory seeded = demo();
    {
        SqliteStore store(dir.path());
        CHECK(store.empty());
        store.seed(seeded);
        CHECK_FALSE(store.empty());
        CHECK(dump_text(store.load()) == dump_text(seeded));
    }
    SqliteStore reopened(dir.path());
    CHECK_FALSE(reopened.empty());
    CHECK(dump_text(reopened.load()) == dump_text(seeded));
}

TEST_CASE("a directory with every field set loads back from the store exactly as seeded", "[store]") {
    Directory d = demo();
    d.users[0].email = "alice@example.com";
    d.users[0].number = "+420601000001";
    d.users[0].data = json::object{{"crm_id", "A-1"}, {"skills", json::array{"cs", "en"}}};
    d.users[1].group_id.reset();
    d.users[2].verifier.salt = std::string("\0\xff\0salt", 7);  // raw bytes with NULs survive as BLOBs
    d.memberships[0].team_id = 9;
    d.memberships[0].suspended = true;
    d.memberships[1].priority = 3;
    d.remember_tokens = {{std::string("\x01\x00\x02", 3), 1, 1'700'000'000}, {"hash-b", 2, 1'700'000'100}};
    ucs::server::UserStatistics stats;
    stats.acwtime = 11;
    stats.auxtime = 12;
    stats.auxtimes = {{"Lunch", 1800}, {"No answer", 5}};
    stats.in_calls_answered = 3;
    stats.out_talktime = 99;
    stats.transferred_external = 1;
    d.user_statistics[1] = stats;
    d.user_statistics[4] = {};
    ucs::server::QueueStatistics queue_stats;
    queue_stats.answered = 4;
    queue_stats.suspendtime = 77;
    d.queue_statistics[{1, 1}] = queue_stats;
    d.queue_statistics[{3, 2}] = {};
    d.last_call_sequence = 0xFFFF'FFFF'FFFF'FFF0ULL;  // above INT64_MAX: stored bit for bit

    TempDir dir;
    SqliteStore(dir.path()).seed(d);
    CHECK(dump_text(SqliteStore(dir.path()).load()) == dump_text(d));
}

TEST_CASE("seeding the store is all or nothing", "[store]") {
    TempDir dir;
    SqliteStore store(dir.path());
    Directory broken = demo();
    broken.users.push_back(broken.users.front());  // a duplicate id fails half-way
    CHECK_THROWS(store.seed(broken));
    CHECK(store.empty());
    CHECK(store.load().queues.empty());
}

TEST_CASE("the store keeps its database file in WAL mode with full sync at the current schema version", "[store]") {
    TempDir dir;
    {
        SqliteStore store(dir.path());
        CHECK(store.journal_mode() == "wal");
        CHECK(store.synchronous() == 2);  // FULL
    }
    REQUIRE(fs::exists(dir.path() / SqliteStore::file_name));
    // A second connection sees what the file itself records.
    SQLite::Database raw((dir.path() / SqliteStore::file_name).string());
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version);
}

TEST_CASE("the store refuses a database written by a newer ucsd", "[store]") {
    TempDir dir;
    { SqliteStore store(dir.path()); }
    {
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA user_version = " + std::to_string(SqliteStore::schema_version + 1));
    }
    CHECK_THROWS_WITH(SqliteStore(dir.path()), Catch::Contains("newer than this ucsd"));
}

TEST_CASE("the store refuses a history row for an unknown user", "[store]") {
    TempDir dir;
    SqliteStore store(dir.path());
    store.seed(demo());
    CHECK_THROWS(store.save_history({make_call("u-1", Direction::INCOMING, "601000001", 100), {}}, {99}));
    CHECK(store.history_users("u-1").empty());
}

TEST_CASE("a history row the store saved survives its process being killed right after", "[store]") {
    TempDir dir;
    SqliteStore(dir.path()).seed(demo());
    const Call call = make_call("killed-1", Direction::INCOMING, "601000001", 1000);
    const std::vector<AccountCode> codes{{"Order", "New"}};
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // As the engine does: save, then (here) die at once, with no destructor, close or checkpoint.
        // This checks commit-before-return and WAL recovery; the fsync part (power loss) is
        // synchronous=FULL, checked above.
        try {
            SqliteStore store(dir.path());
            store.save_history({call, codes}, {1});
            kill(getpid(), SIGKILL);
        } catch (...) {
        }
        _exit(1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    SqliteStore reopened(dir.path());
    const auto rows = reopened.history(query_for(1));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].call == call);
    CHECK(rows[0].account_codes == codes);
}

// ---- both stores: the semantics the engine relies on ----------------------------------------------

TEMPLATE_TEST_CASE("the store keeps saved memberships, tokens, statistics and the call sequence across a restart",
                   "[store]", SqliteStoreFixture, MemoryStoreFixture) {
    TestType fixture;
    ucs::server::MembershipRecord membership{3, 1, 2, false, true, 5};  // agent3 joins Support, suspended
    fixture.get().save_membership(membership);
    fixture.get().save_remember_token({"token-hash", 2, 1'700'000'000});
    ucs::server::UserStatistics stats;
    stats.talktime = 120;
    stats.auxtimes = {{"Break", 300}};
    fixture.get().save_user_statistics(2, stats);
    ucs::server::QueueStatistics queue_stats;
    queue_stats.answered = 2;
    queue_stats.ringtime = 14;
    fixture.get().save_queue_statistics(2, 1, queue_stats);
    fixture.get().save_call_sequence(41);

    fixture.reopen();
    const Directory d = fixture.get().load();
    REQUIRE(d.memberships.size() == demo().memberships.size() + 1);
    const auto& saved = d.memberships.back();
    CHECK(saved.user_id == 3);
    CHECK(saved.queue_id == 1);
    CHECK(saved.priority == 2);
    CHECK(saved.suspended);
    CHECK(saved.team_id == 5);
    REQUIRE(d.remember_tokens.size() == 1);
    CHECK(d.remember_tokens[0].token_hash == "token-hash");
    CHECK(d.remember_tokens[0].user_id == 2);
    CHECK(d.remember_tokens[0].issued == 1'700'000'000);
    REQUIRE(d.user_statistics.contains(2));
    CHECK(d.user_statistics.at(2).talktime == 120);
    CHECK(d.user_statistics.at(2).auxtimes == std::map<std::string, std::int64_t>{{"Break", 300}});
    REQUIRE(d.queue_statistics.contains({2, 1}));
    CHECK(d.queue_statistics.at({2, 1}).answered == 2);
    CHECK(d.queue_statistics.at({2, 1}).ringtime == 14);
    CHECK(d.last_call_sequence == 41);
}

TEMPLATE_TEST_CASE("a membership saved again is updated in place in the store", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    auto membership = demo().memberships[1];  // agent1 in Sales
    membership.suspended = true;
    membership.priority = 4;
    fixture.get().save_membership(membership);
    fixture.reopen();
    const Directory d = fixture.get().load();
    REQUIRE(d.memberships.size() == demo().memberships.size());
    CHECK(d.memberships[1].user_id == 1);
    CHECK(d.memberships[1].queue_id == 2);
    CHECK(d.memberships[1].suspended);
    CHECK(d.memberships[1].priority == 4);
}

TEMPLATE_TEST_CASE("statistics saved again replace the earlier figures in the store", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    ucs::server::UserStatistics first;
    first.auxtimes = {{"Lunch", 10}, {"Break", 20}};
    fixture.get().save_user_statistics(1, first);
    ucs::server::UserStatistics second;
    second.auxtimes = {{"Lunch", 15}};
    second.readytime = 3;
    fixture.get().save_user_statistics(1, second);
    fixture.reopen();
    const auto d = fixture.get().load();
    CHECK(d.user_statistics.at(1).auxtimes == std::map<std::string, std::int64_t>{{"Lunch", 15}});
    CHECK(d.user_statistics.at(1).readytime == 3);
}

TEMPLATE_TEST_CASE("a remember token revoked from the store is gone after a restart", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    fixture.get().save_remember_token({"keep", 1, 100});
    fixture.get().save_remember_token({"drop", 1, 200});
    fixture.get().revoke_remember_token("drop");
    fixture.get().revoke_remember_token("never-issued");  // harmless
    fixture.reopen();
    const auto tokens = fixture.get().load().remember_tokens;
    REQUIRE(tokens.size() == 1);
    CHECK(tokens[0].token_hash == "keep");
}

TEMPLATE_TEST_CASE("used sso tokens are still known to the store after a restart", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    fixture.get().save_used_sso_token(std::string("\x00\xff hash", 7), 1'700'000'600'000);
    fixture.reopen();
    const auto used = fixture.get().load().used_sso_tokens;
    REQUIRE(used.size() == 1);
    CHECK(used.at(std::string("\x00\xff hash", 7)) == 1'700'000'600'000);
}

TEST_CASE("a database of the first schema gains the used sso token table when opened", "[store]") {
    TempDir dir;
    {
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("PRAGMA user_version = 0");
    }
    { SqliteStore store(dir.path()); }  // migrates 0 -> 1 -> 2 -> 3 -> 4
    {
        // Simulate a database left at version 1 by an older ucsd: drop what 2, 3 and 4 added.
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TABLE used_sso_tokens; DROP TABLE user_settings; ALTER TABLE devices DROP COLUMN type;"
                 " ALTER TABLE queues DROP COLUMN ring_unattended_desk_phones;"
                 " ALTER TABLE memberships DROP COLUMN default_campaign; ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 1");
    }
    SqliteStore store(dir.path());
    store.save_used_sso_token("h", 5);
    CHECK(store.load().used_sso_tokens.size() == 1);
}

TEST_CASE("a database of the second schema keeps its phones as desk phones and gains user settings", "[store]") {
    TempDir dir;
    {
        SqliteStore store(dir.path());
        store.seed(demo());
    }
    {
        // Simulate a database left at version 2 by an older ucsd: drop what 3 and 4 added.
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TABLE user_settings; ALTER TABLE devices DROP COLUMN type;"
                 " ALTER TABLE queues DROP COLUMN ring_unattended_desk_phones;"
                 " ALTER TABLE memberships DROP COLUMN default_campaign; ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 2");
    }
    SqliteStore store(dir.path());
    for (const auto& r : store.load().devices) CHECK(r.device.type == ucs::DeviceType::desk);
    store.save_user_settings(1, {"quest", {}});
    CHECK(store.load().user_settings.at(1).ringing_sound == "quest");
}

TEST_CASE("a database of the third schema gains the ACD's per-queue choice and default campaigns, both off", "[store]") {
    TempDir dir;
    {
        SqliteStore store(dir.path());
        store.seed(demo());
    }
    {
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("ALTER TABLE queues DROP COLUMN ring_unattended_desk_phones;"
                 " ALTER TABLE memberships DROP COLUMN default_campaign; ALTER TABLE user_settings DROP COLUMN layout;"
                 " ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 3");
    }
    SqliteStore store(dir.path());
    const auto directory = store.load();
    REQUIRE_FALSE(directory.queues.empty());
    for (const auto& q : directory.queues) CHECK_FALSE(q.ring_unattended_desk_phones);
    for (const auto& m : directory.memberships) CHECK_FALSE(m.default_campaign);
}

TEMPLATE_TEST_CASE("a queue's choice for unattended desk phones and a default campaign come back after a restart", "[store]",
                   SqliteStoreFixture) {
    TestType fixture;
    auto membership = fixture.get().load().memberships.front();
    membership.default_campaign = true;
    fixture.get().save_membership(membership);
    fixture.reopen();
    const auto memberships = fixture.get().load().memberships;
    CHECK(memberships.front().default_campaign);
}

TEMPLATE_TEST_CASE("a user's settings and a softphone's type come back after a restart", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    fixture.get().save_user_settings(2, {"lovingYou", {}});
    fixture.reopen();
    const auto d = fixture.get().load();
    CHECK(d.user_settings.at(2).ringing_sound == "lovingYou");
    const auto softphone = std::find_if(d.devices.begin(), d.devices.end(), [](const auto& r) { return r.device.identifier == "201"; });
    REQUIRE(softphone != d.devices.end());
    CHECK(softphone->device.type == ucs::DeviceType::softphone);
}

TEMPLATE_TEST_CASE("a user's layout comes back after a restart exactly as saved", "[store][layout]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    const std::vector<ucs::LayoutTab> layout{{"Acme CRM", "http://127.0.0.1:8080/tabs/acme.html"},
                                             {"Zákazníci \"VIP\"", "https://crm.example.com/a?b=c&d=%22e%22#f"}};
    fixture.get().save_user_settings(1, {"quest", layout});
    fixture.get().save_user_settings(2, {"rush", {}});
    fixture.reopen();
    const auto d = fixture.get().load();
    CHECK(d.user_settings.at(1) == ucs::server::UserSettings{"quest", layout});
    CHECK(d.user_settings.at(2).layout.empty());
}

TEST_CASE("a database of the fourth schema gains empty layouts and keeps the users' ringtones", "[store][layout]") {
    TempDir dir;
    {
        SqliteStore store(dir.path());
        store.seed(demo());
        store.save_user_settings(3, {"christmas", {}});
    }
    {
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("ALTER TABLE user_settings DROP COLUMN layout; ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 4");
    }
    SqliteStore store(dir.path());
    const auto d = store.load();
    CHECK(d.user_settings.at(3) == ucs::server::UserSettings{"christmas", {}});
}

TEST_CASE("a database of the fifth schema that is not the demo gains the queues' recorded flag, off, a Support queue too",
          "[store][recording]") {
    TempDir dir;
    {
        SqliteStore store(dir.path());
        store.seed(not_demo());
        const auto seeded = store.load().queues;
        REQUIRE(seeded.size() == 3);
        for (const auto& q : seeded) CHECK(q.recorded == (q.info.id == 1));
    }
    {
        SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
        raw.exec("ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 5");
    }
    SqliteStore store(dir.path());
    for (const auto& q : store.load().queues) CHECK_FALSE(q.recorded);
}

// Migration 6 added the flag off everywhere: a demo database from before it did not record Support,
// unlike a freshly seeded demo.
TEST_CASE("an older demo database records the demo's Support queue once migrated, and no other queue", "[store][recording]") {
    for (const int version : {5, 6}) {
        TempDir dir;
        {
            SqliteStore store(dir.path());
            store.seed(demo());
        }
        {
            SQLite::Database raw((dir.path() / SqliteStore::file_name).string(), SQLite::OPEN_READWRITE);
            raw.exec(version == 5 ? "ALTER TABLE queues DROP COLUMN recorded; PRAGMA user_version = 5"
                                  : "UPDATE queues SET recorded = 0; PRAGMA user_version = 6");
        }
        SqliteStore store(dir.path());
        const auto queues = store.load().queues;
        REQUIRE(queues.size() == 3);
        INFO("a demo database of schema " << version);
        for (const auto& q : queues) CHECK(q.recorded == (q.info.id == 1));
    }
}

TEST_CASE("an older demo database gains the demo's softphones and keeps its own phones", "[store]") {
    TempDir dir;
    SqliteStore store(dir.path());
    auto older = demo();
    older.devices.resize(4);  // the desk phones only
    older.devices[1].device.name = "Reception";
    store.seed(older);
    store.add_missing_devices(demo().devices);
    const auto devices = store.load().devices;
    REQUIRE(devices.size() == 8);
    CHECK(devices[1].device.name == "Reception");
    CHECK(devices[4].device == ucs::Device{201, "201", "Softphone 201", "201", ucs::DeviceType::softphone});
}

TEMPLATE_TEST_CASE("a history row comes back from the store after a restart with the call exactly as saved", "[store]",
                   SqliteStoreFixture, MemoryStoreFixture) {
    TestType fixture;
    const Call call = make_call("ucs-1", Direction::INCOMING, "601000001", 1'700'000'000);
    const std::vector<AccountCode> codes{{"Order", "New"}, {"Complaint", std::nullopt}};
    fixture.get().save_history({call, codes}, {1, 2});
    fixture.reopen();

    const auto alice = fixture.get().history(query_for(1));
    REQUIRE(alice.size() == 1);
    CHECK(alice[0].call == call);
    CHECK(alice[0].account_codes == codes);
    CHECK(fixture.get().history(query_for(2)).size() == 1);
    CHECK(fixture.get().history(query_for(3)).empty());
    CHECK(fixture.get().history_users("ucs-1") == std::vector<int>{1, 2});
    CHECK(fixture.get().history_users("unknown").empty());
    CHECK(fixture.get().account_codes("ucs-1") == codes);
    CHECK(fixture.get().account_codes("unknown").empty());
}

TEMPLATE_TEST_CASE("store history comes newest first and filters by direction, number, time and page", "[store]",
                   SqliteStoreFixture, MemoryStoreFixture) {
    TestType fixture;
    auto& store = fixture.get();
    store.save_history({make_call("c1", Direction::INCOMING, "601000001", 1000), {}}, {1});
    store.save_history({make_call("c2", Direction::OUTGOING, "601000002", 2000), {}}, {1});
    store.save_history({make_call("c3", Direction::INCOMING, "777000003", 3000), {}}, {1});
    store.save_history({make_call("c4", Direction::OUTGOING, "601000004", 3000), {}}, {1});  // same second as c3
    store.save_history({make_call("c5", Direction::INCOMING, "601000005", 5000), {}}, {2});  // someone else's

    auto query = query_for(1);
    SECTION("newest first, the later saved first within a second") {
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c4", "c3", "c2", "c1"});
    }
    SECTION("by direction") {
        query.direction = Direction::OUTGOING;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c4", "c2"});
        query.direction = Direction::INCOMING;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c3", "c1"});
    }
    SECTION("by a substring of the number, taken literally") {
        query.number = "6010000";
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c4", "c2", "c1"});
        query.number = "0003";
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c3"});
        query.number = "60%";  // no LIKE wildcards
        CHECK(store.history(query).empty());
    }
    SECTION("since is inclusive, until exclusive") {
        query.since = 2000;
        query.until = 3000;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c2"});
        query.until.reset();
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c4", "c3", "c2"});
    }
    SECTION("limit and offset page through the newest-first list") {
        query.limit = 2;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c4", "c3"});
        query.offset = 2;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c2", "c1"});
        query.offset = 4;
        CHECK(store.history(query).empty());
    }
    SECTION("filters combine") {
        query.direction = Direction::INCOMING;
        query.number = "601";
        query.since = 500;
        CHECK(uniqueids(store.history(query)) == std::vector<std::string>{"c1"});
    }
}

TEMPLATE_TEST_CASE("saving account codes replaces them in every store row of the call", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    auto& store = fixture.get();
    store.save_history({make_call("t1", Direction::INCOMING, "601000001", 1000), {{"Complaint", std::nullopt}}}, {1});
    // The call was transferred to agent2, who hangs up later with the codes as they are then.
    store.save_history({make_call("t1", Direction::INCOMING, "601000001", 1000), {{"Complaint", std::nullopt}}}, {2});
    const std::vector<AccountCode> replaced{{"Order", "Change"}, {"Information", std::nullopt}};
    store.save_account_codes("t1", replaced);
    fixture.reopen();
    CHECK(fixture.get().account_codes("t1") == replaced);
    CHECK(fixture.get().history(query_for(1)).at(0).account_codes == replaced);
    CHECK(fixture.get().history(query_for(2)).at(0).account_codes == replaced);
    fixture.get().save_account_codes("t1", {});
    CHECK(fixture.get().history(query_for(1)).at(0).account_codes.empty());
}

TEMPLATE_TEST_CASE("a call saved again for the same user replaces its store row", "[store]", SqliteStoreFixture,
                   MemoryStoreFixture) {
    TestType fixture;
    auto& store = fixture.get();
    store.save_history({make_call("r1", Direction::INCOMING, "601000001", 1000), {}}, {1});
    store.save_history({make_call("r2", Direction::INCOMING, "601000002", 1000), {}}, {1});
    Call again = make_call("r1", Direction::INCOMING, "601000001", 1000);
    again.cause = ucs::HangupCause::transfer;
    store.save_history({again, {}}, {1});
    const auto rows = store.history(query_for(1));
    REQUIRE(uniqueids(rows) == std::vector<std::string>{"r2", "r1"});  // r1 keeps its place
    CHECK(rows[1].call.cause == ucs::HangupCause::transfer);
    CHECK(store.history_users("r1") == std::vector<int>{1});
}

TEST_CASE("the memory store counts what the engine saves", "[store]") {
    ucs::test::MemoryStore store(demo());
    store.save_history({make_call("m1", Direction::INCOMING, "601000001", 1000), {}}, {1, 2});
    store.save_remember_token({"hash", 1, 1});
    CHECK(store.history_saves() == 1);
    CHECK(store.history_rows() == 2);
    CHECK(store.remember_token_count() == 1);
    CHECK(store.saves() == 2);
}

// ---- the demo directory (SANDBOX.md) ------------------------------------------------------------

TEST_CASE("the demo directory for the store is the one SANDBOX.md documents", "[store]") {
    const Directory d = demo();

    REQUIRE(d.users.size() == 4);
    const std::vector<std::vector<std::string>> users{{"agent1", "Alice", "Nováková"},
                                                      {"agent2", "Bořivoj", "Dvořák"},
                                                      {"agent3", "Cyril", "Svoboda"},
                                                      {"super", "Dana", "Veselá"}};
    for (std::size_t i = 0; i < users.size(); ++i) {
        INFO(users[i][0]);
        CHECK(d.users[i].id == static_cast<int>(i) + 1);
        CHECK(d.users[i].username == users[i][0]);
        CHECK(d.users[i].firstname == users[i][1]);
        CHECK(d.users[i].lastname == users[i][2]);
        CHECK(d.users[i].locale == "cs");
        CHECK(d.users[i].superuser == (users[i][0] == "super"));
        CHECK(d.users[i].group_id.has_value());
        CHECK(d.users[i].verifier.iterations == 4096);
        CHECK(d.users[i].verifier.salt.size() == 16);
    }
    std::set<std::string> salts;
    for (const auto& u : d.users) salts.insert(u.verifier.salt);
    CHECK(salts.size() == 4);  // one salt per user

    std::set<std::tuple<int, int, bool>> memberships;
    for (const auto& m : d.memberships) memberships.insert({m.user_id, m.queue_id, m.supervisor});
    CHECK(memberships ==
          std::set<std::tuple<int, int, bool>>{
              {1, 1, false}, {1, 2, false}, {1, 3, false}, {2, 1, false}, {3, 2, false}, {4, 1, true}, {4, 2, true}});

    REQUIRE(d.devices.size() == 8);
    for (int i = 0; i < 4; ++i) {
        const std::string number = std::to_string(101 + i);
        const auto& r = d.devices[static_cast<std::size_t>(i)];
        CHECK(r.device == ucs::Device{101 + i, number, "Desk phone " + number, number, ucs::DeviceType::desk});
        CHECK(r.address == (i == 0 ? std::optional<std::string>("127.0.0.1") : std::nullopt));
        const std::string soft = std::to_string(201 + i);
        const auto& s = d.devices[static_cast<std::size_t>(i + 4)];
        CHECK(s.device == ucs::Device{201 + i, soft, "Softphone " + soft, soft, ucs::DeviceType::softphone});
        CHECK_FALSE(s.address);
    }

    REQUIRE(d.queues.size() == 3);
    CHECK(d.queues[0].info == ucs::QueueInfo{1, "Support", ucs::QueueType::incoming, "800100200"});
    CHECK(d.queues[1].info == ucs::QueueInfo{2, "Sales", ucs::QueueType::incoming, "800100300"});
    CHECK(d.queues[2].info == ucs::QueueInfo{3, "Callback campaign", ucs::QueueType::outgoing, std::nullopt});
    for (const auto& q : d.queues) {
        CHECK(q.wrapup_seconds == 10);
        CHECK(q.ring_timeout_seconds == 20);
    }

    CHECK(d.aux_reasons ==
          std::vector<ucs::AuxReason>{{1, "Lunch"}, {2, "Break"}, {3, "Training"}, {4, "Meeting"}, {5, "No answer"}});
    CHECK(d.call_reasons == std::vector<ucs::CallReason>{{1, "Complaint", {}},
                                                         {2, "Order", {{1, "New"}, {2, "Change"}}},
                                                         {3, "Information", {}}});
    REQUIRE_FALSE(d.groups.empty());
    for (const auto& u : d.users) {
        const bool known =
            std::any_of(d.groups.begin(), d.groups.end(), [&](const ucs::Group& g) { return g.id == *u.group_id; });
        CHECK(known);
    }
    CHECK(d.remember_tokens.empty());
    CHECK(d.last_call_sequence == 0);
}

TEST_CASE("agent1 logs in with password demo against the verifier in the store", "[store]") {
    TempDir dir;
    ucs::server::SystemRandom random;
    SqliteStore(dir.path()).seed(ucs::server::demo_directory(random));
    const Directory d = SqliteStore(dir.path()).load();
    const auto& stored = d.users.at(0).verifier;
    const ucs::auth::scram::Verifier verifier{stored.salt, stored.iterations, stored.stored_key, stored.server_key};

    SECTION("the right password") {
        ucs::auth::scram::Client client("agent1", "demo", "clientnonce123");
        auto first = ucs::auth::scram::parse_client_first(client.client_first());
        REQUIRE(first.has_value());
        ucs::auth::scram::ServerExchange server(*first, verifier, "servernonce456");
        auto client_final = client.client_final(server.server_first());
        REQUIRE(client_final.has_value());
        auto server_final = server.verify_client_final(*client_final);
        REQUIRE(server_final.has_value());
        CHECK_FALSE(client.verify_server_final(*server_final).has_value());
    }
    SECTION("a wrong password") {
        ucs::auth::scram::Client client("agent1", "wrong", "clientnonce123");
        auto first = ucs::auth::scram::parse_client_first(client.client_first());
        REQUIRE(first.has_value());
        ucs::auth::scram::ServerExchange server(*first, verifier, "servernonce456");
        auto client_final = client.client_final(server.server_first());
        REQUIRE(client_final.has_value());
        auto server_final = server.verify_client_final(*client_final);
        REQUIRE_FALSE(server_final.has_value());
        CHECK(server_final.error() == ucs::auth::scram::Error::bad_proof);
    }
}

TEST_CASE("system random returns as many bytes as asked, different each time", "[store]") {
    ucs::server::SystemRandom random;
    CHECK(random.bytes(0).empty());
    const std::string a = random.bytes(32);
    const std::string b = random.bytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);
}

// ---- E.164 normalisation (libphonenumber) -------------------------------------------------------

TEST_CASE("phone numbers become E.164 in the default region", "[store][phone]") {
    const ucs::server::LibPhoneNumbers phones("CZ");
    CHECK(phones.to_e164("601234567") == "+420601234567");
    CHECK(phones.to_e164("601 234 567") == "+420601234567");
    CHECK(phones.to_e164("+1 650 253 0000") == "+16502530000");
    CHECK(phones.to_e164("00420 601 234 567") == "+420601234567");
    CHECK(phones.to_e164("800100200") == "+420800100200");  // the demo Support queue's number
}

TEST_CASE("extensions, empty input and text have no E.164 form", "[store][phone]") {
    const ucs::server::LibPhoneNumbers phones("CZ");
    CHECK(phones.to_e164("101") == std::nullopt);
    CHECK(phones.to_e164("") == std::nullopt);
    CHECK(phones.to_e164("abc") == std::nullopt);
    CHECK(phones.to_e164("12345678901234567890") == std::nullopt);
    CHECK(phones.to_e164("601234567 ext. 12") == std::nullopt);
}

TEST_CASE("an unknown default region is refused at start-up", "[store][phone]") {
    CHECK_THROWS_AS(ucs::server::LibPhoneNumbers("XX"), std::invalid_argument);
    CHECK_NOTHROW(ucs::server::LibPhoneNumbers("US"));
}

// ---- GroupCommitStore: storage on its own thread, commits in batches -------------------------------

namespace {

using ucs::server::GroupCommitStore;
using ucs::server::StoreTicket;

// Waits (up to 10 s) until `done` holds; false when it never did.
template <class Done>
bool eventually(Done&& done) {
    for (int i = 0; i < 10'000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
}

// A BatchingStore that records its batches. The first commit can be made to wait for release(),
// so a test can queue writes while it runs. save_call_sequence(0) fails, as a refused write would;
// save_call_sequence(disk_full) fails and rolls the whole batch back, as SQLite does on SQLITE_FULL.
class RecordingStore final : public ucs::server::BatchingStore {
public:
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        bool hold_first_commit = false;
        bool committing = false;  // the held commit has started
        bool released = false;
        std::vector<std::vector<std::uint64_t>> commits;  // the call sequences written, per commit
    };
    explicit RecordingStore(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

    static constexpr std::uint64_t disk_full = 999;

    void begin_batch() override {
        batch_.clear();
        open_ = true;
    }
    [[nodiscard]] bool batch_open() const override { return open_; }
    void commit_batch() override {
        std::unique_lock lock(shared_->mutex);
        if (shared_->hold_first_commit && shared_->commits.empty()) {
            shared_->committing = true;
            shared_->changed.notify_all();
            shared_->changed.wait(lock, [&] { return shared_->released; });
        }
        shared_->commits.push_back(batch_);
    }
    void rollback_batch() override { batch_.clear(); }

    Directory load() override { return {}; }
    void save_call_sequence(std::uint64_t last) override {
        if (last == 0) throw std::runtime_error("refused");
        if (last == disk_full) {
            batch_.clear();
            open_ = false;
            throw std::runtime_error("database or disk is full");
        }
        batch_.push_back(last);
    }
    void save_membership(const ucs::server::MembershipRecord&) override {}
    void save_remember_token(const ucs::server::RememberTokenRecord&) override {}
    void revoke_remember_token(const std::string&) override {}
    void save_used_sso_token(const std::string&, std::int64_t) override {}
    void save_user_statistics(int, const ucs::server::UserStatistics&) override {}
    void save_queue_statistics(int, int, const ucs::server::QueueStatistics&) override {}
    void save_user_settings(int, const ucs::server::UserSettings&) override {}
    void save_history(const HistoryEntry&, const std::vector<int>&) override {}
    void save_account_codes(const std::string&, const std::vector<AccountCode>&) override {}
    std::vector<HistoryEntry> history(const HistoryQuery&) override { return {}; }
    std::vector<int> history_users(const std::string&) override { return {}; }
    std::vector<AccountCode> account_codes(const std::string&) override { return {}; }

private:
    std::shared_ptr<Shared> shared_;
    std::vector<std::uint64_t> batch_;
    bool open_ = false;
};

}  // namespace

TEST_CASE("writes queued while a commit runs land together in the next commit", "[store][group-commit]") {
    auto shared = std::make_shared<RecordingStore::Shared>();
    shared->hold_first_commit = true;
    std::mutex reported_mutex;
    std::vector<StoreTicket> reported;
    GroupCommitStore store(std::make_unique<RecordingStore>(shared), [](const std::string&) {});
    store.on_durable([&](StoreTicket ticket) {
        const std::lock_guard lock(reported_mutex);
        reported.push_back(ticket);
    });

    store.save_call_sequence(1);
    CHECK(store.last_write() == 1);
    {
        std::unique_lock lock(shared->mutex);
        REQUIRE(shared->changed.wait_for(lock, std::chrono::seconds(10), [&] { return shared->committing; }));
    }
    constexpr std::uint64_t queued = 50;
    for (std::uint64_t i = 2; i <= queued + 1; ++i) store.save_call_sequence(i);
    CHECK(store.last_write() == queued + 1);
    CHECK(store.durable() == 0);  // the first commit is still running: nothing is durable yet
    {
        const std::lock_guard lock(shared->mutex);
        shared->released = true;
    }
    shared->changed.notify_all();
    REQUIRE(eventually([&] { return store.durable() == queued + 1; }));

    CHECK(store.commits() == 2);
    const std::lock_guard lock(shared->mutex);
    REQUIRE(shared->commits.size() == 2);
    CHECK(shared->commits[0] == std::vector<std::uint64_t>{1});
    CHECK(shared->commits[1].size() == queued);
    CHECK(shared->commits[1].front() == 2);  // in the order queued
    CHECK(shared->commits[1].back() == queued + 1);
    const std::lock_guard reported_lock(reported_mutex);
    CHECK(reported == std::vector<StoreTicket>{1, queued + 1});
}

namespace {

struct StoreRun {
    std::vector<std::uint64_t> written;  // the call sequences committed, in order
    std::vector<std::string> logged;
    std::size_t logged_with(std::string_view text) const {
        return static_cast<std::size_t>(
            std::count_if(logged.begin(), logged.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; }));
    }
};

// Writes `sequences` through a GroupCommitStore over a RecordingStore, waits until every one is
// reported durable, and says what was committed and what was logged.
StoreRun write_sequences(const std::vector<std::uint64_t>& sequences) {
    auto shared = std::make_shared<RecordingStore::Shared>();
    std::mutex log_mutex;
    StoreRun run;
    {
        GroupCommitStore store(std::make_unique<RecordingStore>(shared), [&](const std::string& line) {
            const std::lock_guard lock(log_mutex);
            run.logged.push_back(line);
        });
        for (const std::uint64_t sequence : sequences) store.save_call_sequence(sequence);
        REQUIRE(eventually([&] { return store.durable() == sequences.size(); }));  // nothing waits for ever
    }
    for (const auto& commit : shared->commits) run.written.insert(run.written.end(), commit.begin(), commit.end());
    return run;
}

}  // namespace

TEST_CASE("a write the database refuses is logged and skipped, the rest of its batch commits", "[store][group-commit]") {
    const StoreRun run = write_sequences({7, 0 /* refused */, 8});
    CHECK(run.written == std::vector<std::uint64_t>{7, 8});
    REQUIRE(run.logged.size() == 1);
    CHECK(run.logged[0].find("write 2 failed") != std::string::npos);
    CHECK(run.logged[0].find("refused") != std::string::npos);
}

TEST_CASE("a write that makes the database roll back its whole batch takes none of the batch's other writes with it",
          "[store][group-commit]") {
    const StoreRun run = write_sequences({7, 8, RecordingStore::disk_full, 9, RecordingStore::disk_full, 10});
    CHECK(run.written == std::vector<std::uint64_t>{7, 8, 9, 10});
    CHECK(run.logged_with("failed and is skipped: database or disk is full") == 2);
    CHECK(run.logged_with("rolled back the batch") >= 1);
}

TEST_CASE("behind the store thread, SQLite reads see every write queued before them", "[store][group-commit]") {
    TempDir dir;
    SqliteStore(dir.path()).seed(demo());
    std::vector<std::string> logged;
    GroupCommitStore store(std::make_unique<SqliteStore>(dir.path()), [&](const std::string& line) { logged.push_back(line); });
    CHECK(store.load().users.size() == demo().users.size());
    for (int i = 0; i < 20; ++i)
        store.save_history({make_call("ryw-" + std::to_string(i), Direction::INCOMING, "601000001", 1000 + i), {}}, {1});
    store.save_history({make_call("ryw-x", Direction::INCOMING, "601000001", 2000), {}}, {99});  // no user 99: refused
    store.save_account_codes("ryw-3", {{"Order", "New"}});
    CHECK(store.history(query_for(1)).size() == 20);
    CHECK(store.history_users("ryw-19") == std::vector<int>{1});
    CHECK(store.account_codes("ryw-3") == std::vector<AccountCode>{{"Order", "New"}});
    CHECK(store.durable() == store.last_write());  // a read waits for the commit before it
    CHECK(store.commits() <= 22);
    CHECK(logged.size() == 1);  // the refused row, and only it
}

TEST_CASE("destroying the store thread commits every write still queued", "[store][group-commit]") {
    TempDir dir;
    SqliteStore(dir.path()).seed(demo());
    {
        GroupCommitStore store(std::make_unique<SqliteStore>(dir.path()), [](const std::string&) {});
        for (int i = 0; i < 200; ++i)
            store.save_history({make_call("drain-" + std::to_string(i), Direction::OUTGOING, "602000002", 1000 + i), {}}, {1});
    }
    HistoryQuery all = query_for(1);
    all.limit = -1;
    CHECK(SqliteStore(dir.path()).history(all).size() == 200);
}

TEST_CASE("a history row reported durable by the store thread survives a kill -9 right after", "[store][group-commit]") {
    TempDir dir;
    SqliteStore(dir.path()).seed(demo());
    const Call call = make_call("grouped-1", Direction::INCOMING, "601000001", 1000);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // As ucsd does: queue the row, and once the store reports its ticket durable (when the
        // hangup would be sent) die at once.
        try {
            GroupCommitStore store(std::make_unique<SqliteStore>(dir.path()), [](const std::string&) {});
            store.on_durable([](StoreTicket) { kill(getpid(), SIGKILL); });
            store.save_history({call, {}}, {1});
            std::this_thread::sleep_for(std::chrono::seconds(10));
        } catch (...) {
        }
        _exit(1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    const auto rows = SqliteStore(dir.path()).history(query_for(1));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].call == call);
}
