#include "server/store/sqlite_store.hpp"

#include "core/json.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <boost/describe/members.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ucs::server {

namespace {

// Schema migrations: entry i takes a database from user_version i to i + 1. A released entry is
// never edited (databases in the field already ran it); a change is a new entry appended here.
constexpr std::array migrations{
    // 1: the first schema.
    R"sql(
CREATE TABLE user_groups (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT NOT NULL UNIQUE,
    firstname  TEXT NOT NULL,
    lastname   TEXT NOT NULL,
    email      TEXT,
    locale     TEXT NOT NULL,
    superuser  INTEGER NOT NULL,
    group_id   INTEGER REFERENCES user_groups (id),
    number     TEXT,
    data       TEXT NOT NULL,     -- JSON object
    -- SCRAM-SHA-256 verifier: the password itself is never stored.
    salt       BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    stored_key BLOB NOT NULL,
    server_key BLOB NOT NULL
);
CREATE TABLE devices (
    id         INTEGER PRIMARY KEY,  -- the line id
    identifier TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    extension  TEXT NOT NULL,
    address    TEXT                  -- client address bound to it for identifyIP
);
CREATE TABLE queues (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    type                 INTEGER NOT NULL,  -- Queue.type: 0 outgoing, 1 incoming
    number               TEXT,
    wrapup_seconds       INTEGER NOT NULL,
    ring_timeout_seconds INTEGER NOT NULL
);
CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    queue_id   INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    priority   INTEGER NOT NULL,
    supervisor INTEGER NOT NULL,
    suspended  INTEGER NOT NULL,
    team_id    INTEGER,
    PRIMARY KEY (user_id, queue_id)
);
CREATE TABLE aux_reasons (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE        -- changeStatus("AUX", name) names it
);
CREATE TABLE call_reasons (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE call_sub_reasons (
    reason_id INTEGER NOT NULL REFERENCES call_reasons (id) ON DELETE CASCADE,
    id        INTEGER NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (reason_id, id)
);
CREATE TABLE remember_tokens (
    token_hash BLOB PRIMARY KEY,     -- SHA-256 of the token; the token is only in the browser's cookie
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued     INTEGER NOT NULL      -- Unix seconds
);
CREATE TABLE user_statistics (
    user_id              INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    acwtime              INTEGER NOT NULL,
    auxtime              INTEGER NOT NULL,
    auxtimes             TEXT NOT NULL,  -- JSON object: AUX reason name -> seconds
    idletime             INTEGER NOT NULL,
    in_calls_answered    INTEGER NOT NULL,
    in_calls_unanswered  INTEGER NOT NULL,
    in_ringtime          INTEGER NOT NULL,
    in_talktime          INTEGER NOT NULL,
    out_calls_answered   INTEGER NOT NULL,
    out_calls_unanswered INTEGER NOT NULL,
    out_ringtime         INTEGER NOT NULL,
    out_talktime         INTEGER NOT NULL,
    readytime            INTEGER NOT NULL,
    ringtime             INTEGER NOT NULL,
    talktime             INTEGER NOT NULL,
    transferred          INTEGER NOT NULL,
    transferred_external INTEGER NOT NULL
);
CREATE TABLE queue_statistics (
    user_id              INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    queue_id             INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    answered             INTEGER NOT NULL,
    unanswered           INTEGER NOT NULL,
    ringtime             INTEGER NOT NULL,
    talktime             INTEGER NOT NULL,
    suspendtime          INTEGER NOT NULL,
    transferred          INTEGER NOT NULL,
    transferred_external INTEGER NOT NULL,
    PRIMARY KEY (user_id, queue_id)
);
-- One row: the last call sequence number handed out, so uniqueids stay unique across restarts.
CREATE TABLE call_sequence (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL            -- uint64 stored bit for bit in SQLite's int64
);
INSERT INTO call_sequence (id, last) VALUES (1, 0);
-- One row per (user, call): the call as it ended for that user, plus the columns filters use.
CREATE TABLE history (
    id        INTEGER PRIMARY KEY,   -- the order saved: the tie-break of "newest first"
    uniqueid  TEXT NOT NULL,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    direction TEXT NOT NULL,         -- Call.direction: INCOMING or OUTGOING
    number    TEXT NOT NULL,         -- Call.number
    created   INTEGER NOT NULL,      -- Call.created, Unix seconds
    call      TEXT NOT NULL,         -- the whole Call as JSON (core/json.hpp)
    UNIQUE (user_id, uniqueid)
);
CREATE INDEX history_by_user_newest ON history (user_id, created DESC, id DESC);
CREATE INDEX history_by_call ON history (uniqueid);
-- Account codes belong to the call, not to a history row: every participant sees the same ones.
CREATE TABLE account_codes (
    uniqueid TEXT NOT NULL,
    position INTEGER NOT NULL,
    code     TEXT NOT NULL,
    sub      TEXT,
    PRIMARY KEY (uniqueid, position)
);
)sql",
    // 2: SSO tokens already used, so a replay is refused across restarts too (until their window passes).
    R"sql(
CREATE TABLE used_sso_tokens (
    token_hash   BLOB PRIMARY KEY,
    forget_after INTEGER NOT NULL
);
)sql",
    // 3: softphones (a device's type) and what users choose for themselves (the ringtone).
    R"sql(
ALTER TABLE devices ADD COLUMN type TEXT NOT NULL DEFAULT 'desk';  -- Device.type: desk or softphone
CREATE TABLE user_settings (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    ringing_sound TEXT NOT NULL
);
)sql",
    // 4: the ACD's per-queue choice for desk phones without a live bar, and a user's default campaign.
    R"sql(
ALTER TABLE queues ADD COLUMN ring_unattended_desk_phones INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN default_campaign INTEGER NOT NULL DEFAULT 0;
)sql",
    // 5: the user's layout, the bar's tabs after its own (core/rules/layout.hpp).
    R"sql(
ALTER TABLE user_settings ADD COLUMN layout TEXT NOT NULL DEFAULT '[]';  -- JSON array of {name, url}
)sql",
    // 6: which queues' calls are recorded (QueueRecord::recorded).
    R"sql(
ALTER TABLE queues ADD COLUMN recorded INTEGER NOT NULL DEFAULT 0;
)sql",
    // 7: a demo database that 6 migrated records the demo's Support queue, as a freshly seeded demo
    // does (SANDBOX.md). Like the demo's softphones for older demo databases, only the demo's own row
    // is touched, and only in a demo database: its Support queue as seeded (id 1, incoming, 800100200)
    // beside the demo's users. Any other database, and every other queue, stays as it was.
    R"sql(
UPDATE queues SET recorded = 1
WHERE id = 1 AND name = 'Support' AND type = 1 AND number = '800100200'
  AND (SELECT COUNT(*) FROM users WHERE username IN ('agent1', 'agent2', 'agent3', 'super')) = 4;
)sql",
};

// ---- binding and reading values ------------------------------------------------------------

// Byte strings (salts, keys, hashes) go in as BLOBs; std::string alone binds as TEXT.
struct Blob {
    const std::string& bytes;
};

void bind_value(SQLite::Statement& statement, int index, int value) {
    statement.bind(index, value);
}
void bind_value(SQLite::Statement& statement, int index, bool value) {
    statement.bind(index, value ? 1 : 0);
}
void bind_value(SQLite::Statement& statement, int index, std::int64_t value) {
    statement.bind(index, value);
}
void bind_value(SQLite::Statement& statement, int index, const std::string& value) {
    statement.bind(index, value);
}
void bind_value(SQLite::Statement& statement, int index, const char* value) {
    statement.bind(index, value);
}
void bind_value(SQLite::Statement& statement, int index, Blob value) {
    statement.bind(index, value.bytes.data(), static_cast<int>(value.bytes.size()));
}
template <class T>
void bind_value(SQLite::Statement& statement, int index, const std::optional<T>& value) {
    if (value) {
        bind_value(statement, index, *value);
    } else {
        statement.bind(index);  // NULL
    }
}

template <class... Values>
void bind_all(SQLite::Statement& statement, const Values&... values) {
    int index = 0;
    (bind_value(statement, ++index, values), ...);
}

// Prepares, binds and runs one statement that returns no rows.
template <class... Values>
void run(SQLite::Database& db, const char* sql, const Values&... values) {
    SQLite::Statement statement(db, sql);
    bind_all(statement, values...);
    statement.exec();
}

std::optional<std::string> optional_text(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return column.getString();
}

std::optional<int> optional_int(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return column.getInt();
}

bool flag(const SQLite::Column& column) {
    return column.getInt() != 0;
}

// JSON the store wrote itself; failing to read it back means the file was damaged or edited by hand.
template <class T>
T parse_stored(const std::string& text, const char* what) {
    auto parsed = from_json_text<T>(text);
    if (!parsed)
        throw std::runtime_error(std::string("ucsd.sqlite3: unreadable ") + what + ": " + parsed.error().message());
    return std::move(parsed).value();
}

const char* direction_name(Direction direction) {
    return direction == Direction::INCOMING ? "INCOMING" : "OUTGOING";
}

QueueType queue_type(int stored) {
    if (stored == static_cast<int>(QueueType::incoming)) return QueueType::incoming;
    if (stored == static_cast<int>(QueueType::outgoing)) return QueueType::outgoing;
    throw std::runtime_error("ucsd.sqlite3: unknown queue type " + std::to_string(stored));
}

// ---- writers shared by seed() and the save_* methods ---------------------------------------

// `or_ignore`: a device whose id or identifier exists already is left as it is.
void insert_device(SQLite::Database& db, const DeviceRecord& r, bool or_ignore) {
    run(db,
        or_ignore ? "INSERT OR IGNORE INTO devices (id, identifier, name, extension, address, type) VALUES (?, ?, ?, ?, ?, ?)"
                  : "INSERT INTO devices (id, identifier, name, extension, address, type) VALUES (?, ?, ?, ?, ?, ?)",
        r.device.id, r.device.identifier, r.device.name, r.device.extension, r.address,
        std::string(boost::json::value(to_json(r.device.type)).as_string()));
}

void upsert_user_settings(SQLite::Database& db, int user_id, const UserSettings& settings) {
    run(db, "INSERT OR REPLACE INTO user_settings (user_id, ringing_sound, layout) VALUES (?, ?, ?)", user_id,
        settings.ringing_sound, to_json_text(settings.layout));
}

void upsert_membership(SQLite::Database& db, const MembershipRecord& m) {
    // An upsert, not INSERT OR REPLACE: the row keeps its rowid, so load() keeps its order.
    run(db,
        "INSERT INTO memberships (user_id, queue_id, priority, supervisor, suspended, team_id, default_campaign)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id, queue_id) DO UPDATE SET priority = excluded.priority,"
        " supervisor = excluded.supervisor, suspended = excluded.suspended, team_id = excluded.team_id,"
        " default_campaign = excluded.default_campaign",
        m.user_id, m.queue_id, m.priority, m.supervisor, m.suspended, m.team_id, m.default_campaign);
}

void upsert_remember_token(SQLite::Database& db, const RememberTokenRecord& token) {
    run(db,
        "INSERT INTO remember_tokens (token_hash, user_id, issued) VALUES (?, ?, ?)"
        " ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, issued = excluded.issued",
        Blob{token.token_hash}, token.user_id, token.issued);
}

// ---- user_statistics: one column per UserStatistics member, named and ordered as the members ----

template <class F>
void for_each_user_counter(F&& visit) {
    boost::mp11::mp_for_each<boost::describe::describe_members<UserStatistics, boost::describe::mod_public>>(visit);
}

// "acwtime, auxtime, ..." and the "?, ?, ..." that go with them.
std::string user_counter_columns() {
    std::string columns;
    for_each_user_counter([&](auto member) {
        if (!columns.empty()) columns += ", ";
        columns += member.name;
    });
    return columns;
}

std::string user_counter_placeholders() {
    std::string marks;
    for_each_user_counter([&](auto) { marks += marks.empty() ? "?" : ", ?"; });
    return marks;
}

// Counters are integers; the per-reason AUX times are a JSON object in a TEXT column.
template <class Counter>
void bind_counter(SQLite::Statement& statement, int index, const Counter& value) {
    if constexpr (std::is_integral_v<Counter>) {
        statement.bind(index, static_cast<std::int64_t>(value));
    } else {
        statement.bind(index, to_json_text(value));
    }
}

template <class Counter>
void read_counter(const SQLite::Column& column, Counter& value, const char* name) {
    if constexpr (std::is_integral_v<Counter>) {
        value = static_cast<Counter>(column.getInt64());
    } else {
        value = parse_stored<Counter>(column.getString(), (std::string("user_statistics.") + name).c_str());
    }
}

void upsert_user_statistics(SQLite::Database& db, int user_id, const UserStatistics& s) {
    static const std::string sql = "INSERT OR REPLACE INTO user_statistics (user_id, " + user_counter_columns() +
                                   ") VALUES (?, " + user_counter_placeholders() + ")";
    SQLite::Statement statement(db, sql);
    statement.bind(1, user_id);
    int index = 1;
    for_each_user_counter([&](auto member) { bind_counter(statement, ++index, s.*member.pointer); });
    statement.exec();
}

void upsert_queue_statistics(SQLite::Database& db, int user_id, int queue_id, const QueueStatistics& s) {
    run(db,
        "INSERT OR REPLACE INTO queue_statistics (user_id, queue_id, answered, unanswered, ringtime, talktime,"
        " suspendtime, transferred, transferred_external) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        user_id, queue_id, s.answered, s.unanswered, s.ringtime, s.talktime, s.suspendtime, s.transferred,
        s.transferred_external);
}

void update_call_sequence(SQLite::Database& db, std::uint64_t last) {
    // Two's complement round trip: values above INT64_MAX come back unchanged.
    run(db, "UPDATE call_sequence SET last = ? WHERE id = 1", static_cast<std::int64_t>(last));
}

void replace_account_codes(SQLite::Database& db, const std::string& uniqueid, const std::vector<AccountCode>& codes) {
    run(db, "DELETE FROM account_codes WHERE uniqueid = ?", uniqueid);
    SQLite::Statement insert(db, "INSERT INTO account_codes (uniqueid, position, code, sub) VALUES (?, ?, ?, ?)");
    int position = 0;
    for (const AccountCode& code : codes) {
        insert.reset();
        bind_all(insert, uniqueid, position++, code.code, code.sub);
        insert.exec();
    }
}

std::vector<AccountCode> read_account_codes(SQLite::Statement& select, const std::string& uniqueid) {
    select.reset();
    bind_all(select, uniqueid);
    std::vector<AccountCode> codes;
    while (select.executeStep())
        codes.push_back(AccountCode{select.getColumn(0).getString(), optional_text(select.getColumn(1))});
    return codes;
}

// One write: a savepoint released when done() is reached, rolled back (alone) when it is not.
class WriteScope {
public:
    explicit WriteScope(SQLite::Database& db) : db_(db) { db_.exec("SAVEPOINT write"); }
    ~WriteScope() {
        if (done_) return;
        try {
            db_.exec("ROLLBACK TO write");
            db_.exec("RELEASE write");
        } catch (const SQLite::Exception&) {  // NOLINT(bugprone-empty-catch): the write's own error is on its way
        }
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    WriteScope(WriteScope&&) = delete;
    WriteScope& operator=(WriteScope&&) = delete;
    void done() {
        db_.exec("RELEASE write");
        done_ = true;
    }

private:
    SQLite::Database& db_;
    bool done_ = false;
};

constexpr const char* select_account_codes = "SELECT code, sub FROM account_codes WHERE uniqueid = ? ORDER BY position";

}  // namespace

// ---- opening ------------------------------------------------------------------------------------

SqliteStore::SqliteStore(const std::filesystem::path& dir)
    : db_(std::make_unique<SQLite::Database>((dir / file_name).string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                             /*busy timeout, ms: another process holding the lock*/ 5000)) {
    // WAL: a commit is one append to the log (fast), and readers never block the writer. Persistent.
    if (db_->execAndGet("PRAGMA journal_mode = WAL").getString() != "wal") {
        throw std::runtime_error("ucsd.sqlite3: the file system does not support WAL mode");
    }
    // FULL: the log is fsynced at every commit, so a saved history row survives kill -9 and power
    // loss (NORMAL, WAL's usual partner, can lose the last commits on power loss). Per connection.
    db_->exec("PRAGMA synchronous = FULL");
    db_->exec("PRAGMA foreign_keys = ON");  // per connection, off by default
    migrate();
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::migrate() {
    while (true) {
        // IMMEDIATE takes the write lock before reading the version: two processes opening a new
        // file at once cannot both run the same migration.
        SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        const int version = db_->execAndGet("PRAGMA user_version").getInt();
        if (version > static_cast<int>(migrations.size())) {
            throw std::runtime_error("ucsd.sqlite3: schema version " + std::to_string(version) +
                                     " is newer than this ucsd understands (" + std::to_string(migrations.size()) +
                                     ")");
        }
        if (version == static_cast<int>(migrations.size())) return;  // rolls back the empty transaction
        db_->exec(migrations[static_cast<std::size_t>(version)]);
        db_->exec("PRAGMA user_version = " + std::to_string(version + 1));  // transactional, like the DDL
        transaction.commit();
    }
}

static_assert(static_cast<std::size_t>(SqliteStore::schema_version) == migrations.size(),
              "schema_version is the number of migrations");

bool SqliteStore::empty() {
    return db_->execAndGet("SELECT NOT EXISTS (SELECT 1 FROM users)").getInt() != 0;
}

std::string SqliteStore::journal_mode() {
    return db_->execAndGet("PRAGMA journal_mode").getString();
}

int SqliteStore::synchronous() {
    return db_->execAndGet("PRAGMA synchronous").getInt();
}

// ---- the directory ------------------------------------------------------------------------------

void SqliteStore::seed(const Directory& d) {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (const Group& group : d.groups)
        run(*db_, "INSERT INTO user_groups (id, name) VALUES (?, ?)", group.id, group.name);
    for (const UserRecord& u : d.users) {
        run(*db_,
            "INSERT INTO users (id, username, firstname, lastname, email, locale, superuser, group_id, number, data,"
            " salt, iterations, stored_key, server_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            u.id, u.username, u.firstname, u.lastname, u.email, u.locale, u.superuser, u.group_id, u.number,
            boost::json::serialize(u.data), Blob{u.verifier.salt}, u.verifier.iterations, Blob{u.verifier.stored_key},
            Blob{u.verifier.server_key});
    }
    for (const DeviceRecord& r : d.devices) insert_device(*db_, r, false);
    for (const QueueRecord& q : d.queues) {
        run(*db_,
            "INSERT INTO queues (id, name, type, number, wrapup_seconds, ring_timeout_seconds,"
            " ring_unattended_desk_phones, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            q.info.id, q.info.name, static_cast<int>(q.info.type), q.info.number, q.wrapup_seconds,
            q.ring_timeout_seconds, q.ring_unattended_desk_phones, q.recorded);
    }
    for (const MembershipRecord& m : d.memberships) upsert_membership(*db_, m);
    for (const AuxReason& r : d.aux_reasons)
        run(*db_, "INSERT INTO aux_reasons (id, name) VALUES (?, ?)", r.id, r.name);
    for (const CallReason& r : d.call_reasons) {
        run(*db_, "INSERT INTO call_reasons (id, name) VALUES (?, ?)", r.id, r.name);
        for (const CallSubReason& s : r.subcodes) {
            run(*db_, "INSERT INTO call_sub_reasons (reason_id, id, name) VALUES (?, ?, ?)", r.id, s.id, s.name);
        }
    }
    for (const RememberTokenRecord& t : d.remember_tokens) upsert_remember_token(*db_, t);
    for (const auto& [user_id, settings] : d.user_settings) upsert_user_settings(*db_, user_id, settings);
    for (const auto& [user_id, statistics] : d.user_statistics) upsert_user_statistics(*db_, user_id, statistics);
    for (const auto& [key, statistics] : d.queue_statistics)
        upsert_queue_statistics(*db_, key.first, key.second, statistics);
    update_call_sequence(*db_, d.last_call_sequence);
    transaction.commit();
}

Directory SqliteStore::load() {
    Directory d;
    // One read transaction: a consistent snapshot of every table.
    SQLite::Transaction transaction(*db_);

    SQLite::Statement groups(*db_, "SELECT id, name FROM user_groups ORDER BY id");
    while (groups.executeStep())
        d.groups.push_back(Group{groups.getColumn(0).getInt(), groups.getColumn(1).getString()});

    SQLite::Statement users(
        *db_,
        "SELECT id, username, firstname, lastname, email, locale, superuser, group_id, number, data,"
        " salt, iterations, stored_key, server_key FROM users ORDER BY id");
    while (users.executeStep()) {
        UserRecord u;
        u.id = users.getColumn(0).getInt();
        u.username = users.getColumn(1).getString();
        u.firstname = users.getColumn(2).getString();
        u.lastname = users.getColumn(3).getString();
        u.email = optional_text(users.getColumn(4));
        u.locale = users.getColumn(5).getString();
        u.superuser = flag(users.getColumn(6));
        u.group_id = optional_int(users.getColumn(7));
        u.number = optional_text(users.getColumn(8));
        u.data = parse_stored<boost::json::object>(users.getColumn(9).getString(), "users.data");
        u.verifier.salt = users.getColumn(10).getString();
        u.verifier.iterations = users.getColumn(11).getInt();
        u.verifier.stored_key = users.getColumn(12).getString();
        u.verifier.server_key = users.getColumn(13).getString();
        d.users.push_back(std::move(u));
    }

    SQLite::Statement devices(*db_, "SELECT id, identifier, name, extension, address, type FROM devices ORDER BY id");
    while (devices.executeStep()) {
        const auto type = from_json<DeviceType>(boost::json::value(devices.getColumn(5).getString()));
        d.devices.push_back(DeviceRecord{Device{devices.getColumn(0).getInt(), devices.getColumn(1).getString(),
                                                devices.getColumn(2).getString(), devices.getColumn(3).getString(),
                                                type ? *type : DeviceType::desk},
                                         optional_text(devices.getColumn(4))});
    }
    SQLite::Statement settings(*db_, "SELECT user_id, ringing_sound, layout FROM user_settings ORDER BY user_id");
    while (settings.executeStep()) {
        d.user_settings[settings.getColumn(0).getInt()] =
            UserSettings{settings.getColumn(1).getString(),
                         parse_stored<std::vector<LayoutTab>>(settings.getColumn(2).getString(), "user_settings.layout")};
    }

    SQLite::Statement queues(
        *db_,
        "SELECT id, name, type, number, wrapup_seconds, ring_timeout_seconds, ring_unattended_desk_phones, recorded FROM queues"
        " ORDER BY id");
    while (queues.executeStep()) {
        d.queues.push_back(
            QueueRecord{QueueInfo{queues.getColumn(0).getInt(), queues.getColumn(1).getString(),
                                  queue_type(queues.getColumn(2).getInt()), optional_text(queues.getColumn(3))},
                        queues.getColumn(4).getInt(), queues.getColumn(5).getInt(), flag(queues.getColumn(6)),
                        flag(queues.getColumn(7))});
    }

    SQLite::Statement memberships(*db_,
                                  "SELECT user_id, queue_id, priority, supervisor, suspended, team_id, default_campaign"
                                  " FROM memberships ORDER BY rowid");
    while (memberships.executeStep()) {
        d.memberships.push_back(MembershipRecord{
            memberships.getColumn(0).getInt(), memberships.getColumn(1).getInt(), memberships.getColumn(2).getInt(),
            flag(memberships.getColumn(3)), flag(memberships.getColumn(4)), optional_int(memberships.getColumn(5)),
            flag(memberships.getColumn(6))});
    }

    SQLite::Statement aux(*db_, "SELECT id, name FROM aux_reasons ORDER BY id");
    while (aux.executeStep())
        d.aux_reasons.push_back(AuxReason{aux.getColumn(0).getInt(), aux.getColumn(1).getString()});

    SQLite::Statement reasons(*db_, "SELECT id, name FROM call_reasons ORDER BY id");
    std::map<int, std::size_t> reason_index;
    while (reasons.executeStep()) {
        reason_index[reasons.getColumn(0).getInt()] = d.call_reasons.size();
        d.call_reasons.push_back(CallReason{reasons.getColumn(0).getInt(), reasons.getColumn(1).getString(), {}});
    }
    SQLite::Statement subs(*db_, "SELECT reason_id, id, name FROM call_sub_reasons ORDER BY rowid");
    while (subs.executeStep()) {
        // The foreign key guarantees the reason exists.
        d.call_reasons[reason_index.at(subs.getColumn(0).getInt())].subcodes.push_back(
            CallSubReason{subs.getColumn(1).getInt(), subs.getColumn(2).getString()});
    }

    SQLite::Statement used(*db_, "SELECT token_hash, forget_after FROM used_sso_tokens");
    while (used.executeStep()) d.used_sso_tokens[used.getColumn(0).getString()] = used.getColumn(1).getInt64();

    SQLite::Statement tokens(*db_, "SELECT token_hash, user_id, issued FROM remember_tokens ORDER BY rowid");
    while (tokens.executeStep()) {
        d.remember_tokens.push_back(RememberTokenRecord{tokens.getColumn(0).getString(), tokens.getColumn(1).getInt(),
                                                        tokens.getColumn(2).getInt64()});
    }

    SQLite::Statement user_stats(*db_, "SELECT user_id, " + user_counter_columns() + " FROM user_statistics ORDER BY user_id");
    while (user_stats.executeStep()) {
        UserStatistics s;
        int column = 0;
        for_each_user_counter([&](auto member) { read_counter(user_stats.getColumn(++column), s.*member.pointer, member.name); });
        d.user_statistics[user_stats.getColumn(0).getInt()] = std::move(s);
    }

    SQLite::Statement queue_stats(*db_,
                                  "SELECT user_id, queue_id, answered, unanswered, ringtime, talktime, suspendtime,"
                                  " transferred, transferred_external FROM queue_statistics");
    while (queue_stats.executeStep()) {
        QueueStatistics s;
        s.answered = queue_stats.getColumn(2).getInt();
        s.unanswered = queue_stats.getColumn(3).getInt();
        s.ringtime = queue_stats.getColumn(4).getInt64();
        s.talktime = queue_stats.getColumn(5).getInt64();
        s.suspendtime = queue_stats.getColumn(6).getInt64();
        s.transferred = queue_stats.getColumn(7).getInt();
        s.transferred_external = queue_stats.getColumn(8).getInt();
        d.queue_statistics[{queue_stats.getColumn(0).getInt(), queue_stats.getColumn(1).getInt()}] = s;
    }

    d.last_call_sequence =
        static_cast<std::uint64_t>(db_->execAndGet("SELECT last FROM call_sequence WHERE id = 1").getInt64());
    transaction.commit();
    return d;
}

// ---- changes ------------------------------------------------------------------------------------
// Each method is one savepoint. Outside a batch that is a transaction of its own, committed (and,
// with synchronous=FULL, on disk) before it returns; inside one it is part of the batch's
// transaction, and a write that fails rolls back alone.

void SqliteStore::save_membership(const MembershipRecord& membership) {
    WriteScope write(*db_);
    upsert_membership(*db_, membership);
    write.done();
}

void SqliteStore::save_remember_token(const RememberTokenRecord& token) {
    WriteScope write(*db_);
    upsert_remember_token(*db_, token);
    write.done();
}

void SqliteStore::save_used_sso_token(const std::string& token_hash, std::int64_t forget_after_ms) {
    WriteScope write(*db_);
    // Tokens whose window has passed are refused by the window anyway: no need to keep them.
    run(*db_, "DELETE FROM used_sso_tokens WHERE forget_after < ?", std::int64_t{forget_after_ms - 2 * 3600 * 1000});
    run(*db_, "INSERT OR REPLACE INTO used_sso_tokens (token_hash, forget_after) VALUES (?, ?)", Blob{token_hash},
        forget_after_ms);
    write.done();
}

void SqliteStore::revoke_remember_token(const std::string& token_hash) {
    WriteScope write(*db_);
    run(*db_, "DELETE FROM remember_tokens WHERE token_hash = ?", Blob{token_hash});
    write.done();
}

void SqliteStore::save_user_statistics(int user_id, const UserStatistics& statistics) {
    WriteScope write(*db_);
    upsert_user_statistics(*db_, user_id, statistics);
    write.done();
}

void SqliteStore::save_queue_statistics(int user_id, int queue_id, const QueueStatistics& statistics) {
    WriteScope write(*db_);
    upsert_queue_statistics(*db_, user_id, queue_id, statistics);
    write.done();
}

void SqliteStore::save_call_sequence(std::uint64_t last_call_sequence) {
    WriteScope write(*db_);
    update_call_sequence(*db_, last_call_sequence);
    write.done();
}

void SqliteStore::save_user_settings(int user_id, const UserSettings& settings) {
    WriteScope write(*db_);
    upsert_user_settings(*db_, user_id, settings);
    write.done();
}

void SqliteStore::add_missing_devices(const std::vector<DeviceRecord>& devices) {
    WriteScope write(*db_);
    for (const DeviceRecord& r : devices) insert_device(*db_, r, true);
    write.done();
}

// ---- history ------------------------------------------------------------------------------------

void SqliteStore::save_history(const HistoryEntry& entry, const std::vector<int>& user_ids) {
    const Call& call = entry.call;
    const std::string call_json = to_json_text(call);
    WriteScope write(*db_);
    SQLite::Statement upsert(*db_,
                             "INSERT INTO history (uniqueid, user_id, direction, number, created, call)"
                             " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, uniqueid) DO UPDATE SET"
                             " direction = excluded.direction, number = excluded.number,"
                             " created = excluded.created, call = excluded.call");
    for (int user_id : user_ids) {
        upsert.reset();
        bind_all(upsert, call.uniqueid, user_id, direction_name(call.direction), call.number, call.created, call_json);
        upsert.exec();
    }
    replace_account_codes(*db_, call.uniqueid, entry.account_codes);
    write.done();
}

void SqliteStore::save_account_codes(const std::string& uniqueid, const std::vector<AccountCode>& codes) {
    WriteScope write(*db_);
    replace_account_codes(*db_, uniqueid, codes);
    write.done();
}

// ---- batches ------------------------------------------------------------------------------------

void SqliteStore::begin_batch() {
    db_->exec("BEGIN IMMEDIATE");
}

void SqliteStore::commit_batch() {
    db_->exec("COMMIT");
}

void SqliteStore::rollback_batch() {
    if (sqlite3_get_autocommit(db_->getHandle()) == 0) db_->exec("ROLLBACK");
}

bool SqliteStore::batch_open() const {
    return sqlite3_get_autocommit(db_->getHandle()) == 0;
}

std::vector<HistoryEntry> SqliteStore::history(const HistoryQuery& query) {
    // Only the clauses in use are added, so each filter is a bound parameter and the index on
    // (user_id, created DESC, id DESC) serves the ordering.
    std::string sql = "SELECT call FROM history WHERE user_id = ?";
    if (query.direction) sql += " AND direction = ?";
    if (query.number) sql += " AND instr(number, ?) > 0";  // a plain substring: no LIKE wildcards to escape
    if (query.since) sql += " AND created >= ?";
    if (query.until) sql += " AND created < ?";
    sql += " ORDER BY created DESC, id DESC LIMIT ? OFFSET ?";

    SQLite::Transaction transaction(*db_);
    SQLite::Statement select(*db_, sql);
    int index = 0;
    bind_value(select, ++index, query.user_id);
    if (query.direction) bind_value(select, ++index, direction_name(*query.direction));
    if (query.number) bind_value(select, ++index, *query.number);
    if (query.since) bind_value(select, ++index, *query.since);
    if (query.until) bind_value(select, ++index, *query.until);
    bind_value(select, ++index, query.limit < 0 ? -1 : query.limit);  // SQLite: a negative LIMIT is none
    bind_value(select, ++index, query.offset < 0 ? 0 : query.offset);

    std::vector<HistoryEntry> entries;
    SQLite::Statement codes(*db_, select_account_codes);
    while (select.executeStep()) {
        HistoryEntry entry;
        entry.call = parse_stored<Call>(select.getColumn(0).getString(), "history.call");
        entry.account_codes = read_account_codes(codes, entry.call.uniqueid);
        entries.push_back(std::move(entry));
    }
    transaction.commit();
    return entries;
}

std::vector<int> SqliteStore::history_users(const std::string& uniqueid) {
    SQLite::Statement select(*db_, "SELECT user_id FROM history WHERE uniqueid = ? ORDER BY id");
    bind_all(select, uniqueid);
    std::vector<int> users;
    while (select.executeStep()) users.push_back(select.getColumn(0).getInt());
    return users;
}

std::vector<AccountCode> SqliteStore::account_codes(const std::string& uniqueid) {
    SQLite::Statement select(*db_, select_account_codes);
    return read_account_codes(select, uniqueid);
}

}  // namespace ucs::server
