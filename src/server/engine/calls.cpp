// The simulated telephone network and the ACD: calls between phone lines and trunks, queue offers
// with ring timeouts, wrap-up, the simulated far ends, per-agent statistics, and the ports the call
// table's actions use. Every change a participant must hear about becomes an event to their
// sessions; a participant's history row is saved before their hangup event is sent.
#include "server/engine/engine_impl.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_set>
#include <cstdio>

namespace ucs::server {

namespace json = boost::json;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

// ---- parties and calls ------------------------------------------------------------------------

Party Engine::Impl::line_party(const DeviceRecord& device) const {
    Party party;
    party.type = ChannelType::line;
    party.number = device.device.extension;
    party.name = device.device.name;
    party.line_id = device.device.id;
    if (auto user_id = agent_on_line(device.device.id)) {
        const UserRecord* user = user_by_id(*user_id);
        party.user_id = user_id;
        party.username = user->username;
        party.name = user->firstname + " " + user->lastname;
        party.group_id = user->group_id;
    }
    char channel[64];
    std::snprintf(channel, sizeof channel, "SIP/%s-%08x", device.device.extension.c_str(),
                  next_channel++);
    party.channel = channel;
    return party;
}

Party Engine::Impl::trunk_party(std::string number, std::optional<std::string> name) const {
    Party party;
    party.type = ChannelType::trunk;
    party.number = std::move(number);
    party.name = std::move(name);
    char channel[64];
    std::snprintf(channel, sizeof channel, "SIP/trunk-%08x", next_channel++);
    party.channel = channel;
    return party;
}

ActiveCall& Engine::Impl::create_call(Party caller, std::string called_number, std::optional<std::string> called_name) {
    ActiveCall call;
    // `id` rotates in 1..65535 and skips ids still in use.
    do {
        call.id = next_call_id;
        next_call_id = next_call_id == 65535 ? 1 : next_call_id + 1;
    } while (call_ids.contains(call.id));
    call_ids.insert(call.id);
    ++directory.last_call_sequence;
    store.save_call_sequence(directory.last_call_sequence);
    call.uniqueid = std::to_string(now_seconds()) + "." + std::to_string(directory.last_call_sequence);
    call.caller = std::move(caller);
    call.called_number = std::move(called_number);
    call.called_name = std::move(called_name);
    call.created = now_seconds();
    const std::string key = call.uniqueid;
    ActiveCall& created = calls.emplace(key, std::move(call)).first->second;
    file_call(created);
    return created;
}

Call Engine::Impl::to_call(const ActiveCall& active, std::optional<int> viewer) const {
    Call call;
    call.called_name = active.called_name;
    call.called_number = active.called_number;
    call.called_number_norm = phones.to_e164(active.called_number);
    const Party& caller = active.caller;
    call.caller_channel = caller.channel;
    if (caller.type == ChannelType::line) call.caller_extension = caller.number;
    call.caller_group_id = caller.group_id;
    call.caller_internal = caller.type == ChannelType::line;
    call.caller_line_id = caller.line_id;
    call.caller_muted = caller.muted;
    call.caller_name = caller.name;
    call.caller_number = caller.number;
    call.caller_number_norm = phones.to_e164(caller.number);
    call.caller_type = caller.type;
    call.caller_user_id = caller.user_id;
    call.caller_username = caller.username;
    call.cause = HangupCause::not_set;
    call.connected = active.connected;
    if (active.callee) {
        const Party& callee = *active.callee;
        call.connected_channel = callee.channel;
        call.connected_group_id = callee.group_id;
        call.connected_internal = callee.type == ChannelType::line;
        call.connected_line_id = callee.line_id;
        call.connected_muted = callee.muted;
        call.connected_name = callee.name;
        call.connected_number = callee.number;
        call.connected_number_norm = phones.to_e164(callee.number);
        call.connected_type = callee.type;
        call.connected_user_id = callee.user_id;
        call.connected_username = callee.username;
    } else if (caller.type == ChannelType::line) {
        // Dialled but not routed yet: whether the other end is a colleague's line is already known.
        const bool internal = device_by_extension(active.called_number) != nullptr;
        call.connected_internal = internal;
        call.connected_type = internal ? ChannelType::line : ChannelType::trunk;
    }
    call.created = active.created;
    call.data = active.data;
    const bool outgoing = viewer ? caller.user_id == viewer : caller.type == ChannelType::line;
    call.direction = outgoing ? Direction::OUTGOING : Direction::INCOMING;
    call.external_id = active.external_id;
    call.id = active.id;
    call.name = outgoing ? (active.callee ? active.callee->name : std::nullopt) : caller.name;
    call.now = now_seconds();
    call.number = outgoing ? active.called_number : caller.number;
    call.outbound_id = active.outbound_id;
    call.recorded = active.recorded;
    call.state = active.state;
    call.subcalls = active.state == CallState::invitation && active.callee && active.callee->type == ChannelType::line ? 1 : 0;
    call.uniqueid = active.uniqueid;
    return call;
}

std::vector<int> Engine::Impl::participants(const ActiveCall& call) const {
    std::vector<int> users;
    if (call.caller.user_id) users.push_back(*call.caller.user_id);
    if (call.callee && call.callee->user_id && call.callee->user_id != call.caller.user_id) users.push_back(*call.callee->user_id);
    return users;
}

std::unordered_set<int> Engine::Impl::users_on_calls() const {
    std::unordered_set<int> users;
    for (const auto& [uniqueid, call] : calls) {
        if (call.caller.user_id) users.insert(*call.caller.user_id);
        if (call.callee && call.callee->user_id) users.insert(*call.callee->user_id);
    }
    return users;
}

bool Engine::Impl::has_calls(int user_id) const { return first_call_of(user_id) != nullptr; }

ActiveCall* Engine::Impl::first_call_of(int user_id) {
    return const_cast<ActiveCall*>(std::as_const(*this).first_call_of(user_id));  // NOLINT: same object
}

const ActiveCall* Engine::Impl::first_call_of(int user_id) const {
    const ActiveCall* found = nullptr;
    if (const auto filed = calls_by_user.find(user_id); filed != calls_by_user.end()) {
        for (const std::string& uniqueid : filed->second) {
            const auto it = calls.find(uniqueid);
            if (it != calls.end() && takes_part(it->second, user_id)) {
                found = &it->second;
                break;
            }
        }
    }
    // Debug builds check the index against the scan it replaced (every test runs through here).
    assert(found == [&]() -> const ActiveCall* {
        for (const auto& [uniqueid, call] : calls)
            if (takes_part(call, user_id)) return &call;
        return nullptr;
    }());
    return found;
}

void Engine::Impl::file_call(ActiveCall& call) {
    for (const std::optional<int>& user : {call.caller.user_id, call.callee ? call.callee->user_id : std::nullopt}) {
        if (!user || !calls_by_user[*user].insert(call.uniqueid).second) continue;
        if (std::find(call.filed_under.begin(), call.filed_under.end(), *user) == call.filed_under.end())
            call.filed_under.push_back(*user);
    }
}

void Engine::Impl::forget_call(const ActiveCall& call) {
    for (int user_id : call.filed_under) {
        const auto it = calls_by_user.find(user_id);
        if (it == calls_by_user.end()) continue;
        it->second.erase(call.uniqueid);
        if (it->second.empty()) calls_by_user.erase(it);
    }
    call_ids.erase(call.id);
}

void Engine::Impl::notify_call(const ActiveCall& call, std::string_view event, std::optional<int> only_user) {
    for (int user_id : participants(call)) {
        if (only_user && *only_user != user_id) continue;
        json::object params{{"call", to_json(to_call(call, user_id))}};
        // The bar's rulebook tells a consultation from a plain second call by this link.
        if (auto consulted = consultation_seen_by(call, user_id)) params["consultation_of"] = *consulted;
        push_to_user(user_id, event, params);
    }
}

// ---- statistics -------------------------------------------------------------------------------

// The counts (in_calls_*, out_calls_*) take every call of the agent, queue or not; the times take
// only calls of queues (incoming) and campaigns (outgoing), as the integration document defines them.
void Engine::Impl::call_ended_for_agent(int user_id, const ActiveCall& call) {
    UserStatistics& stats = directory.user_statistics[user_id];
    const bool callee = is_callee(call, user_id);
    const std::int64_t ring_seconds = std::max<Millis>(0, (call.connected ? *call.connected * 1000 : now) - call.ring_started) / 1000;
    const std::int64_t talk_seconds = call.connected ? now_seconds() - *call.connected : 0;
    if (callee) {
        if (!call.connected) ++stats.in_calls_unanswered;
        if (!call.queue_id) return;
        QueueStatistics& queue_stats = directory.queue_statistics[{user_id, *call.queue_id}];
        if (!call.connected) {
            ++queue_stats.unanswered;
            stats.ringtime += ring_seconds;
            stats.in_ringtime += ring_seconds;
            queue_stats.ringtime += ring_seconds;
        } else {
            stats.talktime += talk_seconds;
            stats.in_talktime += talk_seconds;
            queue_stats.talktime += talk_seconds;
        }
        store.save_queue_statistics(user_id, *call.queue_id, queue_stats);
    } else {  // the agent placed the call
        if (!call.connected) ++stats.out_calls_unanswered;
        if (!call.outbound_id) return;
        if (!call.connected) {
            stats.out_ringtime += ring_seconds;
            stats.ringtime += ring_seconds;
        } else {
            stats.out_talktime += talk_seconds;
            stats.talktime += talk_seconds;
        }
    }
}

void Engine::Impl::count_answered(const ActiveCall& call) {
    const std::int64_t ring_seconds = std::max<Millis>(0, now - call.ring_started) / 1000;
    for (int user_id : participants(call)) {
        UserStatistics& stats = directory.user_statistics[user_id];
        if (is_callee(call, user_id)) {
            ++stats.in_calls_answered;
            if (!call.queue_id) continue;
            QueueStatistics& queue_stats = directory.queue_statistics[{user_id, *call.queue_id}];
            ++queue_stats.answered;
            stats.ringtime += ring_seconds;
            stats.in_ringtime += ring_seconds;
            queue_stats.ringtime += ring_seconds;
            store.save_queue_statistics(user_id, *call.queue_id, queue_stats);
        } else {
            ++stats.out_calls_answered;
            if (!call.outbound_id) continue;
            stats.out_ringtime += ring_seconds;
            stats.ringtime += ring_seconds;
        }
    }
}

void Engine::Impl::count_transfer(int user_id, const ActiveCall& call, bool external) {
    UserStatistics& stats = directory.user_statistics[user_id];
    ++(external ? stats.transferred_external : stats.transferred);
    if (call.queue_id) {
        QueueStatistics& queue_stats = directory.queue_statistics[{user_id, *call.queue_id}];
        ++(external ? queue_stats.transferred_external : queue_stats.transferred);
        store.save_queue_statistics(user_id, *call.queue_id, queue_stats);
    }
}

// ---- the call table's ports -------------------------------------------------------------------

void Engine::Impl::ringing_started(ActiveCall& call) {
    call.ring_started = now;
    if (call.callee && call.callee->user_id) refresh_idle(agent(*call.callee->user_id));
    notify_call(call, protocol::event::call_ringing);
}

void Engine::Impl::answered(ActiveCall& call) {
    call.connected = now_seconds();
    call.ring_deadline.reset();
    call.far_end_deadline.reset();
    call.far_end = ActiveCall::FarEnd::none;
    count_answered(call);
    notify_call(call, protocol::event::call_connect);
    for (int user_id : participants(call)) user_changed(user_id);
}

void Engine::Impl::tell(const ActiveCall& call, std::string_view event, std::optional<int> only_user) {
    notify_call(call, event, only_user);
}

void Engine::Impl::transferred(ActiveCall& call, std::optional<int> party, bool connected) {
    call.ring_started = now;
    call.ring_deadline.reset();
    if (!party) return;
    refresh_idle(agent(*party));
    notify_call(call, connected ? protocol::event::call_connect : protocol::event::call_ringing, party);
}

void Engine::Impl::ended(ActiveCall& call, HangupCause cause) {
    const std::string uniqueid = call.uniqueid;
    for (int user_id : participants(call)) leave_call(call, user_id, cause);
    if (call.queue_id) {
        auto& queue = waiting[*call.queue_id];
        queue.erase(std::remove(queue.begin(), queue.end(), uniqueid), queue.end());
    }
    forget_call(call);
    calls.erase(uniqueid);
    refresh_waiting_callers();
}

// ---- the life of a call -----------------------------------------------------------------------

void Engine::Impl::offer(ActiveCall& call, int user_id) {
    const DeviceRecord* device = device_by_id(*agent(user_id).device_id);
    call.callee = line_party(*device);
    file_call(call);
    const QueueRecord* queue = call.queue_id ? queue_by_id(*call.queue_id) : nullptr;
    set_ring_deadline(call, now + Millis{queue != nullptr ? queue->ring_timeout_seconds : 20} * 1000);
    transition(call, CallInput{CallEvent::ring});
}

void Engine::Impl::ring_line(ActiveCall& call, const DeviceRecord& device) {
    call.callee = line_party(device);
    file_call(call);
    transition(call, CallInput{CallEvent::ring});
}

void Engine::Impl::leave_call(ActiveCall& call, int user_id, HangupCause cause) {
    Call view = to_call(call, user_id);
    view.cause = cause;
    view.disconnected = now_seconds();
    // Durable before the participant hears of the hangup: it and every later frame of this input
    // wait for the row.
    store.save_history(HistoryEntry{view, call.account_codes}, {user_id});
    frames_wait_for_store();
    call_ended_for_agent(user_id, call);
    push_to_user(user_id, protocol::event::call_hangup, json::object{{"call", to_json(view)}});

    Agent& a = agent(user_id);
    if (a.transfer_of == call.uniqueid) a.transfer_of.reset();
    const bool answered_queue_call = call.queue_id && call.connected && is_callee(call, user_id);
    if (call.caller.user_id == user_id) call.caller.user_id.reset();
    if (is_callee(call, user_id)) call.callee->user_id.reset();
    if (answered_queue_call && user_logged_in(user_id)) {
        const QueueRecord* queue = queue_by_id(*call.queue_id);
        set_status(user_id, AgentStatus::ACW, std::nullopt, now + Millis{queue != nullptr ? queue->wrapup_seconds : 10} * 1000);
    }
    refresh_idle(a);
    user_changed(user_id);
}

// The offered agent let it ring: they go to AUX "No answer" and the caller back to the front.
void Engine::Impl::ring_out(ActiveCall& call) {
    call.ring_deadline.reset();
    if (!call.callee || !call.callee->user_id || !call.queue_id) return;
    const int user_id = *call.callee->user_id;
    requeue_offer(call, user_id, HangupCause::unavailable);
    set_status(user_id, AgentStatus::AUX, std::string("No answer"));
}

void Engine::Impl::requeue_offer(ActiveCall& call, int user_id, HangupCause cause) {
    call.ring_deadline.reset();
    leave_call(call, user_id, cause);
    call.callee.reset();
    transition(call, CallInput{CallEvent::requeue});
    waiting[*call.queue_id].push_front(call.uniqueid);
    refresh_waiting_callers();
}

// The outside party at `far_number` answers, is busy, does not exist, rejects or rings on.
void Engine::Impl::arm_far_end(ActiveCall& call, const std::string& far_number) {
    if (ends_with(far_number, "0000")) {
        call.far_end = ActiveCall::FarEnd::none;  // rings until the sandbox answers or someone hangs up
        call.far_end_deadline.reset();
        return;
    }
    if (ends_with(far_number, "0486")) {
        call.far_end = ActiveCall::FarEnd::busy;
    } else if (ends_with(far_number, "0404")) {
        call.far_end = ActiveCall::FarEnd::invalid;
    } else if (ends_with(far_number, "0603")) {
        call.far_end = ActiveCall::FarEnd::reject;
    } else {
        call.far_end = ActiveCall::FarEnd::answer;
    }
    // A busy or unknown number is known at once; an answer or a rejection takes a moment of ringing.
    const bool immediate = call.far_end == ActiveCall::FarEnd::busy || call.far_end == ActiveCall::FarEnd::invalid;
    set_far_end_deadline(call, now + (immediate ? config.far_end_answer_ms / 4 : config.far_end_answer_ms));
}

void Engine::Impl::far_end_acts(ActiveCall& call) {
    call.far_end_deadline.reset();
    switch (call.far_end) {
    case ActiveCall::FarEnd::answer: transition(call, CallInput{CallEvent::answer}); break;
    case ActiveCall::FarEnd::busy: end_call(call, HangupCause::busy); break;
    case ActiveCall::FarEnd::invalid: end_call(call, HangupCause::invalid_number); break;
    case ActiveCall::FarEnd::reject: end_call(call, HangupCause::rejected); break;
    case ActiveCall::FarEnd::none: break;
    }
}

// ---- the ACD ------------------------------------------------------------------------------------

// One queue member as the ACD rule (core/rules/acd.hpp) sees it for this call.
OfferCandidate Engine::Impl::offer_candidate(const MembershipRecord& m, const ActiveCall& call,
                                             const std::unordered_set<int>& on_a_call) {
    const Agent& a = agent(m.user_id);
    OfferCandidate candidate;
    candidate.ready = a.status == AgentStatus::READY;
    candidate.phone_free = a.device_id && !on_a_call.contains(m.user_id);
    candidate.suspended = m.suspended;
    for (const Session* session : sessions_of(m.user_id)) {
        if (session->state != AppState::READY) continue;
        candidate.provisioned = true;
        if (session->connection && !session->frozen) candidate.live = true;
    }
    const DeviceRecord* device = a.device_id ? device_by_id(*a.device_id) : nullptr;
    candidate.softphone = device != nullptr && device->device.type == DeviceType::softphone;
    if (auto it = call.rejected_by.find(m.user_id); it != call.rejected_by.end()) candidate.rejected_at = it->second;
    return candidate;
}

// Who gets this caller of a queue: the rulebook (core/rules/acd.hpp) sorts the members into tiers;
// the best tier wins, and within it the best priority, then the longest idle.
std::optional<int> Engine::Impl::choose_agent(const ActiveCall& call) {
    const int queue_id = *call.queue_id;
    const QueueRecord* queue = queue_by_id(queue_id);
    QueueOfferPolicy policy;
    if (queue != nullptr) policy.ring_unattended_desk_phones = queue->ring_unattended_desk_phones;
    struct Best {
        int user_id = 0;
        int priority = 0;
        Millis idle_since = 0;
    };
    std::optional<Best> best[2];  // first tier, fallback tier
    const auto members = members_by_queue.find(queue_id);
    if (members == members_by_queue.end()) return std::nullopt;
    // Who is on a call, found once per choice rather than once per member (has_calls scans every
    // call: with 1,000 members and hundreds of calls that was the biggest part of ucsd's time).
    const std::unordered_set<int> on_a_call = users_on_calls();
    for (const std::size_t i : members->second) {
        const MembershipRecord& m = directory.memberships[i];
        const Agent& a = agent(m.user_id);
        const OfferCandidate candidate = offer_candidate(m, call, on_a_call);
        const OfferVerdict verdict = offer_tier(candidate, policy, now);
        if (verdict.tier == OfferTier::never) continue;
        std::optional<Best>& slot = best[verdict.tier == OfferTier::first ? 0 : 1];
        const Best mine{m.user_id, m.priority, a.idle_since.value_or(now)};
        if (!slot || mine.priority < slot->priority || (mine.priority == slot->priority && mine.idle_since < slot->idle_since)) slot = mine;
    }
    if (best[0]) return best[0]->user_id;
    if (best[1]) return best[1]->user_id;
    return std::nullopt;
}

// Each waiting caller, in order, goes to the agent the rules choose; a caller nobody can take now
// (everyone rejected it recently, say) does not hold up the callers behind it.
void Engine::Impl::dispatch_queues() {
    for (auto& [queue_id, waiting_calls] : waiting) {
        for (std::size_t i = 0; i < waiting_calls.size();) {
            auto it = calls.find(waiting_calls[i]);
            if (it == calls.end()) {
                waiting_calls.erase(waiting_calls.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
            const std::optional<int> chosen = choose_agent(it->second);
            if (!chosen) {
                ++i;
                continue;
            }
            waiting_calls.erase(waiting_calls.begin() + static_cast<std::ptrdiff_t>(i));
            offer(it->second, *chosen);
        }
    }
    refresh_waiting_callers();
}

}  // namespace ucs::server
