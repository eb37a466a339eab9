#pragma once
// A bar's session with ucsd and the table its app state moves along (boost-ext/sml style): rows of
// {from, event, guard, action, to}. Guards and actions are named functions over SessionPorts, the
// few things they need from the engine; the engine implements the ports, tests fake them. An event
// with no row for the session's state is reported through SessionPorts::unexpected and changes
// nothing: never a silent drop.
//
//   CREDENTIALS --logged_in [agent has a phone]--> DEVICE
//   CREDENTIALS --logged_in--> IDENTIFY --paired--> DEVICE --provisioned--> READY
//   IDENTIFY --provisioned--> READY (without a phone)
//   DEVICE, READY --unpaired (identify)--> IDENTIFY
//   any --logout / page_closed / replaced (autologout) / expired--> CREDENTIALS

#include "core/auth/scram.hpp"
#include "core/rules/app_state.hpp"
#include "server/engine/engine.hpp"

#include <boost/describe/enum.hpp>

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ucs::server {

struct Connection {
    ConnectionId id = 0;
    std::string address;
    Millis last_seen = 0;
    std::optional<std::string> session;  // key, once hello or session.resume succeeded
    std::list<ConnectionId>::iterator by_silence;  // its place in Engine::Impl::by_silence
};

// A value kept on the heap, or none: std::optional's meaning (a copy copies the value, so a copied
// engine shares nothing with its original) without its size inline. For members most objects never use.
template <class T>
class OutOfLine {
public:
    OutOfLine() = default;
    OutOfLine(const OutOfLine& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
    OutOfLine& operator=(const OutOfLine& other) {
        if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
        return *this;
    }
    OutOfLine(OutOfLine&&) noexcept = default;
    OutOfLine& operator=(OutOfLine&&) noexcept = default;
    ~OutOfLine() = default;

    [[nodiscard]] explicit operator bool() const { return value_ != nullptr; }
    [[nodiscard]] T& operator*() const { return *value_; }
    [[nodiscard]] T* operator->() const { return value_.get(); }
    template <class... Args>
    T& emplace(Args&&... args) {
        value_ = std::make_unique<T>(std::forward<Args>(args)...);
        return *value_;
    }
    void reset() { value_.reset(); }

private:
    std::unique_ptr<T> value_;
};

// A FIFO that holds no heap while empty. libstdc++'s std::deque allocates about 576 B as soon as it
// is constructed, which was most of an idle session's engine state (a session that never logs in
// never gets an event); the deque is made at the first push_back.
template <class T>
class ReplayBuffer {
public:
    [[nodiscard]] bool empty() const { return !items_ || items_->empty(); }
    [[nodiscard]] std::size_t size() const { return items_ ? items_->size() : 0; }
    [[nodiscard]] const T& front() const { return items_->front(); }
    void push_back(T item) {
        if (!items_) items_.emplace();
        items_->push_back(std::move(item));
    }
    void pop_front() { items_->pop_front(); }
    [[nodiscard]] auto begin() const { return items_ ? items_->cbegin() : typename std::deque<T>::const_iterator(); }
    [[nodiscard]] auto end() const { return items_ ? items_->cend() : typename std::deque<T>::const_iterator(); }

private:
    OutOfLine<std::deque<T>> items_;
};

// A logical session: outlives its connection for session_grace_ms so the bar can resume it.
struct Session {
    std::string key;
    std::optional<ConnectionId> connection;
    Millis detached_since = 0;
    std::optional<std::list<std::string>::iterator> detached_at;  // its place in Engine::Impl::detached
    std::uint64_t seq = 0;
    // The last events for session.resume, bounded by count, bytes and age. Each holds the event's
    // shared encoding; the frame is that plus event_tail(seq).
    struct Replayed {
        std::uint64_t seq = 0;
        std::shared_ptr<const std::string> head;
        Millis at = 0;
    };
    ReplayBuffer<Replayed> replay;
    std::size_t replay_bytes = 0;            // sum of the heads' sizes (as if each were this session's own)
    AppState state = AppState::CREDENTIALS;  // moved only by fire() below
    std::optional<int> user_id;
    std::optional<std::string> remember_hash;  // the remember token this session issued or used
    std::optional<std::string> sso_provider;
    bool frozen = false;  // the bar said its page is frozen (Page Lifecycle); the ACD skips it until it resumes
    std::optional<Millis> page_closed_at;  // the unload beacon came: logged out at + page_close_grace_ms
    // A SCRAM exchange between `login` and `login.proof`.
    struct PendingLogin {
        int user_id = 0;  // 0 for an unknown user (the exchange will fail at the proof)
        std::string username;
        auth::scram::ServerExchange exchange;
    };
    // Out of line: 300 B that a session needs only between `login` and `login.proof`.
    OutOfLine<PendingLogin> pending_login;
};

enum class SessionEvent : std::uint8_t {
    logged_in,    // a login succeeded (password, remember token or SSO); session.user_id is set
    paired,       // the agent's phone was paired, by this session or another of the agent's
    provisioned,  // provision: the bar shows the agent's state
    unpaired,     // identify: the agent chooses a phone again
    logout,       // the agent logged out
    page_closed,  // the bar's unload beacon
    replaced,     // the agent logged in elsewhere with autologout
    expired,      // nobody resumed the session in time; the engine forgets it next
};
BOOST_DESCRIBE_ENUM(SessionEvent, logged_in, paired, provisioned, unpaired, logout, page_closed, replaced, expired)

std::string_view to_string(SessionEvent event);

// What the session table's guards ask and its actions do.
class SessionPorts {
public:
    SessionPorts() = default;
    SessionPorts(const SessionPorts&) = delete;
    SessionPorts& operator=(const SessionPorts&) = delete;
    SessionPorts(SessionPorts&&) = delete;
    SessionPorts& operator=(SessionPorts&&) = delete;
    virtual ~SessionPorts() = default;

    [[nodiscard]] virtual bool agent_has_phone(const Session& session) const = 0;
    // Revokes the remember token the session used and forgets its SSO provider.
    virtual void forget_login(Session& session) = 0;
    // The session's agent leaves (phone unpaired, calls ended) unless another session keeps them.
    virtual void release_agent(const Session& session) = 0;
    // session.loggedOut (and before it, for `replaced`, the message saying why).
    virtual void tell_logged_out(Session& session, std::string_view why) = 0;
    virtual void tell_replaced(Session& session) = 0;
    // An event no row expected: a bug worth reporting, never dropped silently.
    virtual void unexpected(std::string what) = 0;
};

struct SessionTransition {
    StateSet from;
    SessionEvent event = SessionEvent::logged_in;
    bool (*guard)(const SessionPorts&, const Session&) = nullptr;  // null: always
    void (*action)(SessionPorts&, Session&) = nullptr;             // null: none; runs in the new state
    AppState to = AppState::CREDENTIALS;
};

std::span<const SessionTransition> session_transitions();

// Moves the session along the first row that matches its state, the event and the guard, then runs
// the row's action. False, after SessionPorts::unexpected, when no row does.
bool fire(SessionPorts& ports, Session& session, SessionEvent event);

}  // namespace ucs::server
