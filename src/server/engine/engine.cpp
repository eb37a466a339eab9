// The engine's public face, construction and lookups, frames in (JSON-RPC envelopes), and timers.
#include "server/engine/engine_impl.hpp"

#include "core/json_text.hpp"
#include "core/rules/layout.hpp"


#include <algorithm>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

// Frames larger than this are answered with an error instead of being parsed.
constexpr std::size_t max_frame_bytes = std::size_t{64} * 1024;
constexpr unsigned max_json_depth = 32;

bool is_request_id(const json::value* id) { return id != nullptr && (id->is_string() || id->is_int64() || id->is_uint64()); }

// The parts of a request envelope, or the error that answers it.
struct Envelope {
    json::value id;  // echoed back; null when the request has none we could read
    std::string method;
    const json::object* params = nullptr;
};

struct EnvelopeError {
    json::value id;
    ErrorCode code;
    std::string message;
};

Expected<Envelope, EnvelopeError> read_envelope(const json::value& request) {
    if (request.is_array()) return Unexpected(EnvelopeError{nullptr, ErrorCode::invalid_request, "batch requests are not supported"});
    if (!request.is_object()) return Unexpected(EnvelopeError{nullptr, ErrorCode::invalid_request, "a request must be a JSON object"});
    const json::object& object = request.get_object();
    const json::value* id = object.if_contains("id");
    const json::value reply_id = is_request_id(id) ? *id : json::value();
    auto reject = [&](ErrorCode code, std::string message) {
        return Unexpected(EnvelopeError{reply_id, code, std::move(message)});
    };
    const json::value* version = object.if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
        return reject(ErrorCode::invalid_request, "jsonrpc must be \"2.0\"");
    }
    if (!is_request_id(id)) return reject(ErrorCode::invalid_request, "id must be a string or an integer");
    const json::value* method = object.if_contains("method");
    if (method == nullptr || !method->is_string()) return reject(ErrorCode::invalid_request, "method must be a string");
    static const json::object no_params;
    Envelope envelope{reply_id, std::string(method->get_string()), &no_params};
    if (const json::value* p = object.if_contains("params"); p != nullptr && !p->is_null()) {
        if (!p->is_object()) return reject(ErrorCode::invalid_params, "params must be an object");
        envelope.params = &p->get_object();
    }
    return envelope;
}

// Points the engine's output at `out` for one operation.
class OutputScope {
public:
    OutputScope(Engine::Impl& impl, Output& out, Millis now) : slot_(impl.out) {
        slot_ = &out;
        ++impl.inputs_taken;
        impl.now = std::max(impl.now, now);  // time never runs backwards inside the engine
        impl.store_wait = 0;  // no frame of this input waits for a write of an earlier one
    }
    ~OutputScope() { slot_ = nullptr; }
    OutputScope(const OutputScope&) = delete;
    OutputScope& operator=(const OutputScope&) = delete;
    OutputScope(OutputScope&&) = delete;
    OutputScope& operator=(OutputScope&&) = delete;

private:
    Output*& slot_;
};

// One REST or sandbox command: the clock moves to `now`, its events go to `out`, and the ACD looks
// for work afterwards, as after every input.
template <class F>
auto run_command(Engine::Impl& impl, Millis now, Output& out, F&& command) {
    OutputScope scope(impl, out, now);
    const StoreTicket written_before = impl.store.last_write();
    auto result = command(impl);
    impl.dispatch_queues();
    if (impl.store.last_write() != written_before) out.wrote = std::max(out.wrote, impl.store.last_write());
    return result;
}

}  // namespace

RpcError invalid_params(const ParseError& error) {
    const std::string field = error.field.empty() ? "params" : "params." + error.field;
    return RpcError{ErrorCode::invalid_params, field + ": " + error.problem, json::object{{"field", field}}};
}

Frame::Frame(std::string text) : shared(std::make_shared<const std::string>(std::move(text))) {}

Frame::Frame(std::shared_ptr<const std::string> shared_part, std::string tail_part)
    : shared(std::move(shared_part)), tail(std::move(tail_part)) {}

void Output::append(Output&& other) {
    frames.insert(frames.end(), std::make_move_iterator(other.frames.begin()), std::make_move_iterator(other.frames.end()));
    closes.insert(closes.end(), other.closes.begin(), other.closes.end());
    log.insert(log.end(), std::make_move_iterator(other.log.begin()), std::make_move_iterator(other.log.end()));
    wrote = std::max(wrote, other.wrote);
}

// ---- construction and lookups -------------------------------------------------------------

Engine::Impl::Impl(EngineConfig config_in, Store& store_in, const PhoneNumbers& phones_in, Random& random_in,
                   Millis now_in)
    : store(store_in), phones(phones_in), random(random_in) {
    config = std::move(config_in);
    now = now_in;
    directory = store.load();
    for (std::size_t i = 0; i < directory.memberships.size(); ++i) {
        members_by_queue[directory.memberships[i].queue_id].push_back(i);
        memberships_by_user[directory.memberships[i].user_id].push_back(i);
    }
    server_secret = random.bytes(32);
    for (const UserRecord& user : directory.users) {
        Agent& a = agents[user.id];
        a.user_id = user.id;
        a.status_since = now;
    }
}

Engine::Impl::Impl(const EngineState& state, Store& store_in, const PhoneNumbers& phones_in, Random& random_in)
    : EngineState(state), store(store_in), phones(phones_in), random(random_in) {
    relink();
}

void Engine::Impl::relink() {
    for (auto it = by_silence.begin(); it != by_silence.end(); ++it) connections.at(*it).by_silence = it;
    for (auto it = detached.begin(); it != detached.end(); ++it) sessions.at(*it).detached_at = it;
}

namespace {

template <class Records, class Matches>
auto* find_record(Records& records, Matches matches) {
    const auto it = std::find_if(records.begin(), records.end(), matches);
    return it == records.end() ? nullptr : &*it;
}

}  // namespace

const UserRecord* Engine::Impl::user_by_id(int id) const {
    return find_record(directory.users, [&](const UserRecord& user) { return user.id == id; });
}

const UserRecord* Engine::Impl::user_by_name(std::string_view username) const {
    return find_record(directory.users, [&](const UserRecord& user) { return user.username == username; });
}

const DeviceRecord* Engine::Impl::device_by_id(int id) const {
    return find_record(directory.devices, [&](const DeviceRecord& d) { return d.device.id == id; });
}

const DeviceRecord* Engine::Impl::device_by_identifier(std::string_view identifier) const {
    return find_record(directory.devices, [&](const DeviceRecord& d) { return d.device.identifier == identifier; });
}

const DeviceRecord* Engine::Impl::device_by_extension(std::string_view extension) const {
    return find_record(directory.devices, [&](const DeviceRecord& d) { return d.device.extension == extension; });
}

const QueueRecord* Engine::Impl::queue_by_id(int id) const {
    return find_record(directory.queues, [&](const QueueRecord& queue) { return queue.info.id == id; });
}

MembershipRecord* Engine::Impl::membership(int user_id, int queue_id) {
    for (MembershipRecord* m : memberships_of(user_id))
        if (m->queue_id == queue_id) return m;
    return nullptr;
}

std::vector<MembershipRecord*> Engine::Impl::memberships_of(int user_id) {
    std::vector<MembershipRecord*> found;
    if (auto it = memberships_by_user.find(user_id); it != memberships_by_user.end())
        for (const std::size_t i : it->second) found.push_back(&directory.memberships[i]);
    return found;
}

Agent& Engine::Impl::agent(int user_id) {
    Agent& a = agents[user_id];
    a.user_id = user_id;
    return a;
}

std::optional<int> Engine::Impl::agent_on_line(int line_id) const {
    const auto it = users_by_line.find(line_id);
    if (it == users_by_line.end()) return std::nullopt;
    for (int user_id : it->second)
        if (user_logged_in(user_id)) return user_id;
    return std::nullopt;
}

void Engine::Impl::set_line(Agent& a, std::optional<int> device_id) {
    if (a.device_id == device_id) return;
    if (a.device_id) {
        const auto it = users_by_line.find(*a.device_id);
        it->second.erase(a.user_id);
        if (it->second.empty()) users_by_line.erase(it);
    }
    a.device_id = device_id;
    if (device_id) users_by_line[*device_id].insert(a.user_id);
}

// ---- frames ------------------------------------------------------------------------------------

void Engine::Impl::handle_frame(Connection& connection, std::string_view frame) {
    heard_from(connection);
    if (frame.size() > max_frame_bytes) {
        send(connection.id, protocol::error_frame(nullptr, ErrorCode::frame_too_large,
                                                  "frame of " + std::to_string(frame.size()) +
                                                      " bytes exceeds the limit of " + std::to_string(max_frame_bytes)));
        return;
    }
    json::parse_options options;
    options.max_depth = max_json_depth;
    boost::system::error_code ec;
    const json::value request = parse_json(frame, ec, options);
    if (ec) {
        send(connection.id, protocol::error_frame(nullptr, ErrorCode::parse_error, "not valid JSON: " + ec.message()));
        return;
    }
    auto envelope = read_envelope(request);
    if (!envelope) {
        const EnvelopeError& error = envelope.error();
        send(connection.id, protocol::error_frame(error.id, error.code, error.message));
        return;
    }
    RpcResult result = rpc_fail(ErrorCode::internal_error, "internal error");
    try {
        result = dispatch(connection, envelope->method, *envelope->params);
    } catch (const std::exception& e) {
        // A bug must cost one request, never the connection or the server.
        result = rpc_fail(ErrorCode::internal_error, "internal error in " + envelope->method + ": " + e.what());
    }
    if (result) {
        send(connection.id, protocol::result_frame(envelope->id, std::move(result).value()));
    } else {
        const RpcError& error = result.error();
        send(connection.id, protocol::error_frame(envelope->id, error.code, error.message, error.data));
    }
}

void Engine::Impl::detach(ConnectionId connection) {
    auto it = connections.find(connection);
    if (it == connections.end()) return;
    if (it->second.session) {
        auto s = sessions.find(*it->second.session);
        if (s != sessions.end() && s->second.connection == connection) {
            s->second.connection.reset();
            s->second.detached_since = now;
            s->second.detached_at = detached.insert(detached.end(), s->first);
        }
    }
    by_silence.erase(it->second.by_silence);
    connections.erase(it);
}

void Engine::Impl::track_connection(ConnectionId id, Connection& connection) {
    connection.by_silence = by_silence.insert(by_silence.end(), id);
}

void Engine::Impl::heard_from(Connection& connection) {
    connection.last_seen = now;
    by_silence.splice(by_silence.end(), by_silence, connection.by_silence);
}

// The session is on `connection` now; if it was waiting for a resume, it no longer is.
void Engine::Impl::attach(Session& session, ConnectionId connection) {
    session.connection = connection;
    if (session.detached_at) {
        detached.erase(*session.detached_at);
        session.detached_at.reset();
    }
}

void Engine::Impl::set_session_user(Session& session, int user_id) {
    if (session.user_id == user_id) return;
    if (session.user_id) {
        auto it = sessions_by_user.find(*session.user_id);
        it->second.erase(session.key);
        if (it->second.empty()) sessions_by_user.erase(it);
    }
    session.user_id = user_id;
    sessions_by_user[user_id].insert(session.key);
}

void Engine::Impl::forget_session(const std::string& key) {
    auto it = sessions.find(key);
    if (it == sessions.end()) return;
    Session& session = it->second;
    if (session.detached_at) detached.erase(*session.detached_at);
    if (session.user_id) {
        auto by_user = sessions_by_user.find(*session.user_id);
        by_user->second.erase(key);
        if (by_user->second.empty()) sessions_by_user.erase(by_user);
    }
    if (session.connection) {
        if (auto c = connections.find(*session.connection); c != connections.end()) c->second.session.reset();
    }
    sessions.erase(it);
}

void Engine::Impl::set_ring_deadline(ActiveCall& call, Millis at) {
    call.ring_deadline = at;
    call_timers.emplace(at, call.uniqueid);
}

void Engine::Impl::set_far_end_deadline(ActiveCall& call, Millis at) {
    call.far_end_deadline = at;
    call_timers.emplace(at, call.uniqueid);
}

void Engine::Impl::arm_reoffer(ActiveCall& call) {
    call.reoffer_deadline.reset();
    for (const auto& [user_id, rejected_at] : call.rejected_by) {
        const Millis at = reoffer_after(rejected_at);
        if (at > now && (!call.reoffer_deadline || at < *call.reoffer_deadline)) call.reoffer_deadline = at;
    }
    if (call.reoffer_deadline) call_timers.emplace(*call.reoffer_deadline, call.uniqueid);
}

// ---- timers --------------------------------------------------------------------------------

void Engine::Impl::tick() {
    close_silent_connections();
    close_pages();
    end_unresumed_sessions();
    // Wrap-up ends by itself (in user id order, whatever order the deadlines fell in).
    std::set<int> wrapped_up;
    while (!acw_timers.empty() && acw_timers.top().first <= now) {
        wrapped_up.insert(acw_timers.top().second);
        acw_timers.pop();
    }
    for (const int user_id : wrapped_up) {
        const Agent& a = agent(user_id);
        if (a.status == AgentStatus::ACW && a.acw_until && *a.acw_until <= now) set_status(user_id, AgentStatus::READY, std::nullopt);
    }
    fire_call_timers();
    dispatch_queues();
}

// Silent connections are treated as gone.
void Engine::Impl::close_silent_connections() {
    std::vector<ConnectionId> silent;
    for (const ConnectionId id : by_silence) {
        if (now - connections.at(id).last_seen < config.silence_timeout_ms) break;  // the rest spoke later
        silent.push_back(id);
    }
    for (ConnectionId id : silent) {
        out->closes.push_back(id);
        detach(id);
    }
}

// Pages whose unload beacon came and that nobody resumed within the grace: logged out as closed
// (the agent stays if another session of theirs, say the reloaded page's new one, keeps them).
void Engine::Impl::close_pages() {
    while (!closing_pages.empty() && closing_pages.front().first + config.page_close_grace_ms <= now) {
        const auto [at, key] = closing_pages.front();
        closing_pages.pop_front();
        auto it = sessions.find(key);
        if (it == sessions.end() || it->second.page_closed_at != at) continue;  // resumed, or gone
        it->second.page_closed_at.reset();
        transition(it->second, SessionEvent::page_closed);
    }
}

// Sessions nobody resumed in time end, and with the last one the agent leaves.
void Engine::Impl::end_unresumed_sessions() {
    std::set<std::string> expired;  // in key order, as sessions were ended before they were indexed
    for (const std::string& key : detached) {
        if (now - sessions.at(key).detached_since < config.session_grace_ms) break;  // the rest left later
        expired.insert(key);
    }
    for (const std::string& key : expired) {
        auto it = sessions.find(key);
        if (it == sessions.end() || it->second.connection) continue;
        transition(it->second, SessionEvent::expired);
        forget_session(key);
    }
}

// Ring timeouts and simulated far ends (collected first: handlers change `calls`).
void Engine::Impl::fire_call_timers() {
    auto due = [&](const std::optional<Millis>& deadline) { return deadline && *deadline <= now; };
    std::set<std::string> uniqueids;  // in uniqueid order, whatever order the deadlines fell in
    while (!call_timers.empty() && call_timers.top().first <= now) {
        uniqueids.insert(call_timers.top().second);
        call_timers.pop();
    }
    for (const std::string& uniqueid : uniqueids) {
        auto it = calls.find(uniqueid);
        if (it == calls.end()) continue;
        // A back-off ended: nothing to do here, the ACD looks again after the tick.
        if (due(it->second.reoffer_deadline)) arm_reoffer(it->second);
        if (due(it->second.ring_deadline)) {
            ring_out(it->second);
        } else if (due(it->second.far_end_deadline)) {
            far_end_acts(it->second);
        }
    }
    // A call's other deadline (both were due, one acted on) lost its entry above: put it back.
    for (const std::string& uniqueid : uniqueids) {
        auto it = calls.find(uniqueid);
        if (it == calls.end()) continue;
        if (it->second.ring_deadline) call_timers.emplace(*it->second.ring_deadline, uniqueid);
        if (it->second.far_end_deadline) call_timers.emplace(*it->second.far_end_deadline, uniqueid);
        if (it->second.reoffer_deadline) call_timers.emplace(*it->second.reoffer_deadline, uniqueid);
    }
}

void Engine::Impl::prune_timers() const {
    while (!acw_timers.empty()) {
        const auto& [at, user_id] = acw_timers.top();
        const auto it = agents.find(user_id);
        if (it != agents.end() && it->second.status == AgentStatus::ACW && it->second.acw_until == at) break;
        acw_timers.pop();
    }
    while (!call_timers.empty()) {
        const auto& [at, uniqueid] = call_timers.top();
        const auto it = calls.find(uniqueid);
        if (it != calls.end() &&
            (it->second.ring_deadline == at || it->second.far_end_deadline == at || it->second.reoffer_deadline == at))
            break;
        call_timers.pop();
    }
}

// O(1) apart from dropping stale timer entries, each of which is dropped once.
std::optional<Millis> Engine::Impl::next_deadline() const {
    prune_timers();
    std::optional<Millis> next;
    auto consider = [&](Millis at) {
        if (!next || at < *next) next = at;
    };
    if (!by_silence.empty()) consider(connections.at(by_silence.front()).last_seen + config.silence_timeout_ms);
    if (!detached.empty()) consider(sessions.at(detached.front()).detached_since + config.session_grace_ms);
    if (!closing_pages.empty()) consider(closing_pages.front().first + config.page_close_grace_ms);
    if (!acw_timers.empty()) consider(acw_timers.top().first);
    if (!call_timers.empty()) consider(call_timers.top().first);
    return next;
}

// ---- the public face ------------------------------------------------------------------------

Engine::Engine(EngineConfig config, Store& store, const PhoneNumbers& phone_numbers, Random& random, Millis now)
    : impl_(std::make_unique<Impl>(std::move(config), store, phone_numbers, random, now)) {}

Engine::Engine(const Engine& other, Store& store, const PhoneNumbers& phone_numbers, Random& random)
    : impl_(std::make_unique<Impl>(*other.impl_, store, phone_numbers, random)) {}

Engine::~Engine() = default;

Output Engine::connect(ConnectionId connection, std::string client_address, Millis now) {
    Output out;
    OutputScope scope(*impl_, out, now);
    impl_->detach(connection);  // an id is never reused while open; be safe if it were
    Connection& added = impl_->connections[connection];
    added = Connection{connection, std::move(client_address), impl_->now, std::nullopt, {}};
    impl_->track_connection(connection, added);
    return out;
}

Output Engine::receive(ConnectionId connection, std::string_view frame, Millis now) {
    Output out;
    OutputScope scope(*impl_, out, now);
    auto it = impl_->connections.find(connection);
    if (it == impl_->connections.end()) return out;
    impl_->handle_frame(it->second, frame);
    // Events replayed by session.resume follow its result.
    for (Frame& missed : impl_->pending_replay)
        impl_->out->frames.push_back(Outbound{connection, std::move(missed), impl_->store_wait});
    impl_->pending_replay.clear();
    // After every input the ACD looks for work (an agent became READY, a queue was resumed...).
    impl_->dispatch_queues();
    return out;
}

Output Engine::disconnect(ConnectionId connection, Millis now) {
    Output out;
    OutputScope scope(*impl_, out, now);
    impl_->detach(connection);
    return out;
}

Output Engine::tick(Millis now) {
    Output out;
    OutputScope scope(*impl_, out, now);
    impl_->tick();
    return out;
}

std::optional<Millis> Engine::next_deadline() const { return impl_->next_deadline(); }

std::uint64_t Engine::inputs_taken() const { return impl_->inputs_taken; }

const EngineConfig& Engine::config() const { return impl_->config; }

ServerStatus Engine::status(Millis now, Output& out) {
    return run_command(*impl_, now, out, [](Impl& impl) {
        ServerStatus status{impl.config.server_name, std::string(protocol::version), impl.now_seconds()};
        for (const UserRecord& user : impl.directory.users) status.agents_logged_in += impl.user_logged_in(user.id) ? 1 : 0;
        for (const auto& [queue_id, queue] : impl.waiting) status.waiting_callers += static_cast<int>(queue.size());
        status.active_calls = impl.calls.size();
        return status;
    });
}

std::vector<AgentOverview> Engine::agents(Millis now, Output& out) {
    return run_command(*impl_, now, out, [](Impl& impl) {
        std::vector<AgentOverview> list;
        for (AgentInfo& info : impl.agent_list()) {
            const bool logged_in = impl.user_logged_in(info.id);
            const bool bar_live = std::any_of(impl.sessions.begin(), impl.sessions.end(), [&](const auto& entry) {
                const Session& s = entry.second;
                return s.user_id == info.id && s.state != AppState::CREDENTIALS && s.connection && !s.frozen;
            });
            AgentOverview overview{std::move(info), logged_in, {}, bar_live};
            for (const MembershipRecord* m : impl.memberships_of(overview.agent.id))
                overview.queues.push_back({m->queue_id, m->suspended, m->priority});
            list.push_back(std::move(overview));
        }
        return list;
    });
}

std::vector<QueueOverview> Engine::queues(Millis now, Output& out) {
    return run_command(*impl_, now, out, [](Impl& impl) {
        std::vector<QueueOverview> list;
        for (const QueueRecord& queue : impl.directory.queues) {
            QueueOverview overview{queue.info, 0, {}, queue.wrapup_seconds, queue.ring_timeout_seconds};
            if (auto it = impl.waiting.find(queue.info.id); it != impl.waiting.end()) overview.waiting = it->second.size();
            for (const MembershipRecord& m : impl.directory.memberships)
                if (m.queue_id == queue.info.id) overview.members.push_back(m.user_id);
            list.push_back(std::move(overview));
        }
        return list;
    });
}

std::vector<Call> Engine::active_calls(Millis now, Output& out) {
    return run_command(*impl_, now, out, [](Impl& impl) {
        std::vector<Call> list;
        for (const auto& [uniqueid, call] : impl.calls) list.push_back(impl.to_call(call, std::nullopt));
        return list;
    });
}

Expected<std::vector<HistoryEntry>, CommandError> Engine::history(const std::string& username, HistoryQuery query,
                                                                  Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::vector<HistoryEntry>, CommandError> {
        const UserRecord* user = impl.user_by_name(username);
        if (user == nullptr) return Unexpected(CommandError::unknown_user);
        query.user_id = user->id;
        return impl.store.history(query);
    });
}

Expected<std::vector<LayoutTab>, CommandError> Engine::layout(const std::string& username, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::vector<LayoutTab>, CommandError> {
        const UserRecord* user = impl.user_by_name(username);
        if (user == nullptr) return Unexpected(CommandError::unknown_user);
        return impl.layout_of(user->id);
    });
}

Expected<std::vector<LayoutTab>, CommandError> Engine::set_layout(const std::string& username, std::vector<LayoutTab> layout,
                                                                  Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::vector<LayoutTab>, CommandError> {
        const UserRecord* user = impl.user_by_name(username);
        if (user == nullptr) return Unexpected(CommandError::unknown_user);
        if (find_layout_problem(layout)) return Unexpected(CommandError::invalid_layout);
        UserSettings& settings = impl.directory.user_settings[user->id];
        if (settings.layout != layout) {
            settings.layout = std::move(layout);
            impl.store.save_user_settings(user->id, settings);
            impl.frames_wait_for_store();  // durable before the bars hear of it
            impl.push_to_user(user->id, protocol::event::layout, json::object{{"layout", to_json(settings.layout)}});
        }
        return settings.layout;
    });
}

Expected<std::string, CommandError> Engine::end_session(const std::string& session_key, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::string, CommandError> {
        auto it = impl.sessions.find(session_key);
        if (it == impl.sessions.end()) return Unexpected(CommandError::unknown_session);
        Session& session = it->second;
        // Logged in: only a grace starts (a reload or a navigation comes back within it). Otherwise
        // there is nothing to keep.
        if (session.state == AppState::CREDENTIALS) {
            impl.transition(session, SessionEvent::page_closed);
        } else if (!session.page_closed_at) {
            session.page_closed_at = now;
            impl.closing_pages.emplace_back(now, session_key);
        }
        return session_key;
    });
}

Expected<std::string, CommandError> Engine::place_call(const SandboxCall& call, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) { return impl.place_call(call); });
}

Expected<std::string, CommandError> Engine::far_end_answer(const std::string& uniqueid, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::string, CommandError> {
        auto it = impl.calls.find(uniqueid);
        if (it == impl.calls.end()) return Unexpected(CommandError::unknown_call);
        return impl.far_end_answer(it->second);
    });
}

Expected<std::string, CommandError> Engine::far_end_hangup(const std::string& uniqueid, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::string, CommandError> {
        auto it = impl.calls.find(uniqueid);
        if (it == impl.calls.end()) return Unexpected(CommandError::unknown_call);
        return impl.far_end_hangup(it->second);
    });
}

Expected<std::string, CommandError> Engine::offhook(const std::string& identifier, Millis now, Output& out) {
    return run_command(*impl_, now, out, [&](Impl& impl) -> Expected<std::string, CommandError> {
        const DeviceRecord* device = impl.device_by_identifier(identifier);
        if (device == nullptr) return Unexpected(CommandError::unknown_device);
        if (device->device.type == DeviceType::softphone) return Unexpected(CommandError::softphone);
        return impl.offhook(*device);
    });
}

std::vector<DeviceOverview> Engine::devices(Millis now, Output& out) {
    return run_command(*impl_, now, out, [](Impl& impl) {
        std::vector<DeviceOverview> list;
        for (const DeviceRecord& record : impl.directory.devices) {
            DeviceOverview overview{record.device, std::nullopt};
            if (auto user_id = impl.agent_on_line(record.device.id)) {
                if (const UserRecord* user = impl.user_by_id(*user_id)) overview.paired_by = user->username;
            }
            list.push_back(std::move(overview));
        }
        return list;
    });
}

}  // namespace ucs::server
