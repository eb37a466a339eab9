// The simulated telephone network and the ACD: calls between phone lines and trunks, queue
// offers with ring timeouts, wrap-up, hold, mute, transfers, account codes, and per-agent
// statistics. Every change a participant must hear about becomes an event to their sessions;
// a participant's history row is saved before their hangup event is sent.
#include "server/engine/engine_impl.hpp"

#include "core/json.hpp"

#include <boost/describe/class.hpp>

#include <algorithm>
#include <cstdio>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_live(CallState state) {
    return state == CallState::new_call || state == CallState::connecting || state == CallState::invitation ||
           state == CallState::connected;
}

struct DialParams {
    std::string number;
    std::optional<json::value> queue;  // int, "directCall", "undefined" or absent
    std::optional<int> line;
    std::optional<json::object> data;
};
BOOST_DESCRIBE_STRUCT(DialParams, (), (number, queue, line, data))

struct TransferParams {
    std::optional<std::string> number;
};
BOOST_DESCRIBE_STRUCT(TransferParams, (), (number))

struct BlindTransferParams {
    std::string number;
};
BOOST_DESCRIBE_STRUCT(BlindTransferParams, (), (number))

struct AccountCodeParams {
    std::string uniqueid;
    std::string accountCode;
    std::optional<std::string> subAccountCode;
    std::optional<bool> override;
};
BOOST_DESCRIBE_STRUCT(AccountCodeParams, (), (uniqueid, accountCode, subAccountCode, override))

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
    auto id_in_use = [&](int id) {
        return std::any_of(calls.begin(), calls.end(), [&](const auto& entry) { return entry.second.id == id; });
    };
    do {
        call.id = next_call_id;
        next_call_id = next_call_id == 65535 ? 1 : next_call_id + 1;
    } while (id_in_use(call.id));
    ++directory.last_call_sequence;
    store.save_call_sequence(directory.last_call_sequence);
    call.uniqueid = std::to_string(now_seconds()) + "." + std::to_string(directory.last_call_sequence);
    call.caller = std::move(caller);
    call.called_number = std::move(called_number);
    call.called_name = std::move(called_name);
    call.created = now_seconds();
    const std::string key = call.uniqueid;
    return calls.emplace(key, std::move(call)).first->second;
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

void Engine::Impl::notify_call(const ActiveCall& call, std::string_view event, std::optional<int> only_user) {
    for (int user_id : participants(call)) {
        if (only_user && *only_user != user_id) continue;
        json::object params{{"call", to_json(to_call(call, user_id))}};
        // The bar's rulebook tells a consultation from a plain second call by this link.
        if (call.consultation_of && call.caller.user_id == user_id) params["consultation_of"] = *call.consultation_of;
        push_to_user(user_id, event, params);
    }
}

std::optional<std::string> Engine::Impl::call_of_agent(int user_id, bool prefer_active) const {
    std::optional<std::string> found;
    for (const auto& [uniqueid, call] : calls) {
        const bool mine = call.caller.user_id == user_id || (call.callee && call.callee->user_id == user_id);
        if (!mine) continue;
        if (!prefer_active || is_live(call.state)) return uniqueid;
        if (!found) found = uniqueid;
    }
    return found;
}

// ---- statistics -------------------------------------------------------------------------------

void Engine::Impl::call_ended_for_agent(int user_id, const ActiveCall& call) {
    UserStatistics& stats = directory.user_statistics[user_id];
    const bool is_callee = call.callee && call.callee->user_id == user_id;
    const std::int64_t ring_seconds = std::max<Millis>(0, (call.connected ? *call.connected * 1000 : now) - call.ring_started) / 1000;
    const std::int64_t talk_seconds = call.connected ? now_seconds() - *call.connected : 0;
    if (is_callee && call.queue_id) {
        QueueStatistics& queue_stats = directory.queue_statistics[{user_id, *call.queue_id}];
        if (!call.connected) {
            ++stats.in_calls_unanswered;
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
    } else if (!is_callee) {  // the agent placed the call
        if (!call.connected) {
            ++stats.out_calls_unanswered;
            stats.out_ringtime += ring_seconds;
        } else {
            stats.out_talktime += talk_seconds;
            if (call.outbound_id) stats.talktime += talk_seconds;
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

// ---- the life of a call -----------------------------------------------------------------------

void Engine::Impl::offer(ActiveCall& call, int user_id, std::string_view event) {
    const DeviceRecord* device = device_by_id(*agent(user_id).device_id);
    call.callee = line_party(*device);
    call.state = CallState::invitation;
    call.ring_started = now;
    const QueueRecord* queue = call.queue_id ? queue_by_id(*call.queue_id) : nullptr;
    call.ring_deadline = now + Millis{queue != nullptr ? queue->ring_timeout_seconds : 20} * 1000;
    refresh_idle(agent(user_id));
    notify_call(call, event);
}

void Engine::Impl::ring_line(ActiveCall& call, const DeviceRecord& device) {
    call.callee = line_party(device);
    call.state = CallState::invitation;
    call.ring_started = now;
    if (call.callee->user_id) refresh_idle(agent(*call.callee->user_id));
    notify_call(call, protocol::event::call_ringing);
}

void Engine::Impl::connect_call(ActiveCall& call) {
    call.state = CallState::connected;
    call.connected = now_seconds();
    call.ring_deadline.reset();
    call.far_end_deadline.reset();
    call.far_end = ActiveCall::FarEnd::none;
    const std::int64_t ring_seconds = std::max<Millis>(0, now - call.ring_started) / 1000;
    for (int user_id : participants(call)) {
        UserStatistics& stats = directory.user_statistics[user_id];
        const bool is_callee = call.callee && call.callee->user_id == user_id;
        if (is_callee && call.queue_id) {
            QueueStatistics& queue_stats = directory.queue_statistics[{user_id, *call.queue_id}];
            ++stats.in_calls_answered;
            ++queue_stats.answered;
            stats.ringtime += ring_seconds;
            stats.in_ringtime += ring_seconds;
            queue_stats.ringtime += ring_seconds;
            store.save_queue_statistics(user_id, *call.queue_id, queue_stats);
        } else if (!is_callee) {
            ++stats.out_calls_answered;
            stats.out_ringtime += ring_seconds;
        }
    }
    notify_call(call, protocol::event::call_connect);
    for (int user_id : participants(call)) user_changed(user_id);
}

void Engine::Impl::leave_call(ActiveCall& call, int user_id, HangupCause cause) {
    Call view = to_call(call, user_id);
    view.cause = cause;
    view.disconnected = now_seconds();
    // Durable before anybody hears of the hangup.
    store.save_history(HistoryEntry{view, call.account_codes}, {user_id});
    call_ended_for_agent(user_id, call);
    push_to_user(user_id, protocol::event::call_hangup, json::object{{"call", to_json(view)}});

    Agent& a = agent(user_id);
    if (a.transfer_of == call.uniqueid) a.transfer_of.reset();
    const bool answered_queue_call = call.queue_id && call.connected && call.callee && call.callee->user_id == user_id;
    if (call.caller.user_id == user_id) call.caller.user_id.reset();
    if (call.callee && call.callee->user_id == user_id) call.callee->user_id.reset();
    if (answered_queue_call && user_logged_in(user_id)) {
        const QueueRecord* queue = queue_by_id(*call.queue_id);
        set_status(user_id, AgentStatus::ACW, std::nullopt, now + Millis{queue != nullptr ? queue->wrapup_seconds : 10} * 1000);
    }
    refresh_idle(a);
    user_changed(user_id);
}

void Engine::Impl::end_call(ActiveCall& call, HangupCause cause) {
    const std::string uniqueid = call.uniqueid;
    for (int user_id : participants(call)) leave_call(call, user_id, cause);
    if (call.queue_id) {
        auto& queue = waiting[*call.queue_id];
        queue.erase(std::remove(queue.begin(), queue.end(), uniqueid), queue.end());
    }
    calls.erase(uniqueid);
    refresh_waiting_callers();
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
    call.state = CallState::connecting;
    waiting[*call.queue_id].push_front(call.uniqueid);
    refresh_waiting_callers();
}

// The outside party at `far_number` answers, is busy, does not exist, rejects or rings on.
void Engine::Impl::arm_far_end(ActiveCall& call, const std::string& far_number) {
    const std::string& number = far_number;
    if (ends_with(number, "0000")) {
        call.far_end = ActiveCall::FarEnd::none;  // rings until the sandbox answers or someone hangs up
        call.far_end_deadline.reset();
        return;
    }
    if (ends_with(number, "0486")) {
        call.far_end = ActiveCall::FarEnd::busy;
    } else if (ends_with(number, "0404")) {
        call.far_end = ActiveCall::FarEnd::invalid;
    } else if (ends_with(number, "0603")) {
        call.far_end = ActiveCall::FarEnd::reject;
    } else {
        call.far_end = ActiveCall::FarEnd::answer;
    }
    // A busy or unknown number is known at once; an answer or a rejection takes a moment of ringing.
    const bool immediate = call.far_end == ActiveCall::FarEnd::busy || call.far_end == ActiveCall::FarEnd::invalid;
    call.far_end_deadline = now + (immediate ? config.far_end_answer_ms / 4 : config.far_end_answer_ms);
}

void Engine::Impl::far_end_acts(ActiveCall& call) {
    call.far_end_deadline.reset();
    switch (call.far_end) {
    case ActiveCall::FarEnd::answer: connect_call(call); break;
    case ActiveCall::FarEnd::busy: end_call(call, HangupCause::busy); break;
    case ActiveCall::FarEnd::invalid: end_call(call, HangupCause::invalid_number); break;
    case ActiveCall::FarEnd::reject: end_call(call, HangupCause::rejected); break;
    case ActiveCall::FarEnd::none: break;
    }
}

void Engine::Impl::dispatch_queues() {
    for (auto& [queue_id, waiting_calls] : waiting) {
        while (!waiting_calls.empty()) {
            // Eligible: READY in a provisioned session, phone paired and free, membership not suspended.
            std::optional<int> chosen;
            const MembershipRecord* chosen_membership = nullptr;
            for (const MembershipRecord& m : directory.memberships) {
                if (m.queue_id != queue_id || m.suspended) continue;
                const Agent& a = agent(m.user_id);
                if (a.status != AgentStatus::READY || !a.device_id || call_of_agent(m.user_id, false)) continue;
                const bool provisioned = std::any_of(sessions.begin(), sessions.end(), [&](const auto& entry) {
                    return entry.second.user_id == m.user_id && entry.second.state == AppState::READY;
                });
                if (!provisioned) continue;
                // Best priority first, then the longest idle.
                const bool better = !chosen || m.priority < chosen_membership->priority ||
                                    (m.priority == chosen_membership->priority &&
                                     a.idle_since.value_or(now) < agent(*chosen).idle_since.value_or(now));
                if (better) {
                    chosen = m.user_id;
                    chosen_membership = &m;
                }
            }
            if (!chosen) break;
            const std::string uniqueid = waiting_calls.front();
            waiting_calls.pop_front();
            auto it = calls.find(uniqueid);
            if (it == calls.end()) continue;
            offer(it->second, *chosen, protocol::event::call_ringing);
        }
    }
    refresh_waiting_callers();
}

// ---- the agent's call control ---------------------------------------------------------------

RpcResult Engine::Impl::answer(int user_id) {
    for (auto& [uniqueid, call] : calls) {
        if (call.state == CallState::invitation && call.callee && call.callee->user_id == user_id) {
            connect_call(call);
            return json::object{{"call", to_json(to_call(call, user_id))}};
        }
    }
    return rpc_fail(ErrorCode::no_call, "no call is ringing on your phone");
}

RpcResult Engine::Impl::dial(int user_id, const json::object& params) {
    auto p = read_params<DialParams>(params);
    if (!p) return Unexpected(p.error());
    const std::string number = p->number;
    if (number.empty() || number.size() > 64 ||
        !std::all_of(number.begin(), number.end(), [](char c) { return (c >= '0' && c <= '9') || c == '+' || c == '*' || c == '#'; })) {
        return rpc_fail(ErrorCode::invalid_params, "params.number: not a phone number: \"" + number + "\"",
                    {{"field", "params.number"}});
    }
    Agent& a = agent(user_id);
    if (auto current = call_of_agent(user_id); current && is_live(calls.at(*current).state)) {
        return rpc_fail(ErrorCode::invalid_state, "hang up or hold the current call before dialling");
    }
    if (calls.size() >= config.max_active_calls) return rpc_fail(ErrorCode::network_busy, "the telephone network is full; try again later");
    const DeviceRecord* own = device_by_id(*a.device_id);
    if (p->line && *p->line != own->device.id) {
        return rpc_fail(ErrorCode::not_found, "line " + std::to_string(*p->line) + " is not your phone",
                    {{"field", "params.line"}});
    }
    std::optional<int> outbound_id;
    if (p->queue && p->queue->is_int64()) {
        const auto queue_id = static_cast<int>(p->queue->get_int64());
        const QueueRecord* queue = queue_by_id(queue_id);
        if (queue == nullptr || queue->info.type != QueueType::outgoing) {
            return rpc_fail(ErrorCode::not_found, "no outgoing queue " + std::to_string(queue_id), {{"field", "params.queue"}});
        }
        if (membership(user_id, queue_id) == nullptr) {
            return rpc_fail(ErrorCode::not_found, "not a member of outgoing queue " + std::to_string(queue_id),
                        {{"field", "params.queue"}});
        }
        outbound_id = queue_id;
    } else if (p->queue && p->queue->is_string() && p->queue->get_string() == "directCall") {
        // no outgoing queue
    } else if (!p->queue || (p->queue->is_string() && p->queue->get_string() == "undefined")) {
        // UCS decides: the agent's first outgoing campaign that is not suspended, if any.
        for (const MembershipRecord* m : memberships_of(user_id)) {
            const QueueRecord* queue = queue_by_id(m->queue_id);
            if (queue != nullptr && queue->info.type == QueueType::outgoing && !m->suspended) {
                outbound_id = m->queue_id;
                break;
            }
        }
    } else {
        return rpc_fail(ErrorCode::invalid_params, "params.queue: expected a queue id, \"directCall\" or \"undefined\"",
                    {{"field", "params.queue"}});
    }
    if (number == own->device.extension) {
        return rpc_fail(ErrorCode::invalid_params, "params.number: that is your own phone", {{"field", "params.number"}});
    }

    ActiveCall& call = create_call(line_party(*own), number, std::nullopt);
    call.data = p->data.value_or(json::object{});
    call.outbound_id = outbound_id;
    call.recorded = outbound_id.has_value();
    call.ring_started = now;
    if (a.transfer_of) {
        call.consultation_of = a.transfer_of;
        a.transfer_of.reset();
    }
    refresh_idle(a);
    notify_call(call, protocol::event::call_new);
    const std::string uniqueid = call.uniqueid;

    if (const DeviceRecord* target = device_by_extension(number)) {
        const auto target_user = agent_on_line(target->device.id);
        if (target_user && call_of_agent(*target_user, false)) {
            end_call(call, HangupCause::busy);
        } else {
            call.called_name = target->device.name;
            ring_line(call, *target);
        }
    } else {
        call.callee = trunk_party(number, std::nullopt);
        arm_far_end(call, number);
        if (call.far_end == ActiveCall::FarEnd::busy || call.far_end == ActiveCall::FarEnd::invalid) {
            call.state = CallState::connecting;
        } else {
            call.state = CallState::invitation;
            notify_call(call, protocol::event::call_ringing);
        }
    }
    auto it = calls.find(uniqueid);
    json::object result{{"uniqueid", uniqueid}};
    if (it != calls.end()) result["call"] = to_json(to_call(it->second, user_id));
    return result;
}

RpcResult Engine::Impl::hangup(int user_id) {
    auto uniqueid = call_of_agent(user_id);
    if (!uniqueid) return rpc_fail(ErrorCode::no_call, "there is no call to hang up");
    ActiveCall& call = calls.at(*uniqueid);
    const bool is_callee = call.callee && call.callee->user_id == user_id;
    if (is_callee && call.state == CallState::invitation && call.queue_id) {
        // Declining a queue offer puts the caller back at the front of the queue.
        requeue_offer(call, user_id, HangupCause::rejected);
        return json::object{{"uniqueid", *uniqueid}};
    }
    HangupCause cause = is_callee ? HangupCause::called_hung_up : HangupCause::caller_hung_up;
    if (is_callee && call.state == CallState::invitation) cause = HangupCause::rejected;
    end_call(call, cause);
    return json::object{{"uniqueid", *uniqueid}};
}

RpcResult Engine::Impl::hold(int user_id) {
    auto uniqueid = call_of_agent(user_id);
    if (!uniqueid || calls.at(*uniqueid).state != CallState::connected) return rpc_fail(ErrorCode::no_call, "there is no connected call to hold");
    ActiveCall& call = calls.at(*uniqueid);
    call.state = CallState::held;
    notify_call(call, protocol::event::call_hold);
    return json::object{{"uniqueid", *uniqueid}};
}

RpcResult Engine::Impl::unhold(int user_id) {
    if (auto live = call_of_agent(user_id); live && is_live(calls.at(*live).state)) {
        return rpc_fail(ErrorCode::invalid_state, "finish or hang up the other call before resuming the held one");
    }
    auto uniqueid = call_of_agent(user_id, false);
    if (!uniqueid || calls.at(*uniqueid).state != CallState::held) return rpc_fail(ErrorCode::no_call, "there is no held call");
    ActiveCall& call = calls.at(*uniqueid);
    call.state = CallState::connected;
    Agent& a = agent(user_id);
    if (a.transfer_of == call.uniqueid) a.transfer_of.reset();  // resuming leaves transfer mode
    notify_call(call, protocol::event::call_resume);
    return json::object{{"uniqueid", *uniqueid}};
}

RpcResult Engine::Impl::mute(int user_id) {
    auto uniqueid = call_of_agent(user_id, false);
    if (!uniqueid) return rpc_fail(ErrorCode::no_call, "there is no call to mute");
    ActiveCall& call = calls.at(*uniqueid);
    if (call.state != CallState::connected && call.state != CallState::held) return rpc_fail(ErrorCode::no_call, "the call is not connected");
    Party& own = call.caller.user_id == user_id ? call.caller : *call.callee;
    own.muted = !own.muted;
    notify_call(call, own.muted ? protocol::event::call_mute : protocol::event::call_unmute, user_id);
    return json::object{{"uniqueid", *uniqueid}, {"muted", own.muted}};
}

RpcResult Engine::Impl::transfer(int user_id, const json::object& params) {
    auto p = read_params<TransferParams>(params);
    if (!p) return Unexpected(p.error());
    auto uniqueid = call_of_agent(user_id);
    if (!uniqueid || calls.at(*uniqueid).state != CallState::connected) {
        return rpc_fail(ErrorCode::no_call, "there is no connected call to transfer");
    }
    ActiveCall& call = calls.at(*uniqueid);
    call.state = CallState::held;
    notify_call(call, protocol::event::call_hold);
    agent(user_id).transfer_of = *uniqueid;
    if (!p->number) return json::object{{"uniqueid", *uniqueid}, {"mode", "transfer"}};
    auto consultation = dial(user_id, json::object{{"number", *p->number}, {"queue", "directCall"}});
    if (!consultation) {
        // Nothing was dialled: the caller comes back off hold.
        agent(user_id).transfer_of.reset();
        call.state = CallState::connected;
        notify_call(call, protocol::event::call_resume);
    }
    return consultation;
}

RpcResult Engine::Impl::finish_transfer(int user_id) {
    auto consultation_it = std::find_if(calls.begin(), calls.end(), [&](const auto& entry) {
        return entry.second.caller.user_id == user_id && entry.second.consultation_of;
    });
    if (consultation_it == calls.end()) return rpc_fail(ErrorCode::no_call, "there is no consultation call to finish");
    ActiveCall& consultation = consultation_it->second;
    auto original_it = calls.find(*consultation.consultation_of);
    if (original_it == calls.end()) return rpc_fail(ErrorCode::no_call, "the call being transferred has ended");
    ActiveCall& original = original_it->second;
    if (!consultation.callee) return rpc_fail(ErrorCode::no_call, "the consultation call is not ringing yet");

    Party target = *consultation.callee;
    const bool external = target.type == ChannelType::trunk;
    const std::optional<int> target_user = target.user_id;
    const CallState target_state = consultation.state == CallState::connected ? CallState::connected : CallState::invitation;

    // The agent leaves both calls; the consultation call ends for the target too.
    const bool agent_was_callee = original.callee && original.callee->user_id == user_id;
    count_transfer(user_id, original, external);
    leave_call(original, user_id, HangupCause::transfer);
    const std::string consultation_id = consultation.uniqueid;
    consultation.consultation_of.reset();
    end_call(consultation, HangupCause::transfer);

    // The caller now talks to (or rings) the target.
    target.muted = false;
    if (agent_was_callee) {
        original.callee = target;
    } else {
        original.caller = target;
    }
    original.state = target_state;
    original.ring_started = now;
    original.ring_deadline.reset();
    if (external && target_state != CallState::connected) arm_far_end(original, target.number);
    if (target_user) {
        notify_call(original, target_state == CallState::connected ? protocol::event::call_connect : protocol::event::call_ringing,
                    target_user);
        refresh_idle(agent(*target_user));
    }
    return json::object{{"uniqueid", original.uniqueid}, {"consultation", consultation_id}};
}

RpcResult Engine::Impl::blind_transfer(int user_id, const json::object& params) {
    auto p = read_params<BlindTransferParams>(params);
    if (!p) return Unexpected(p.error());
    if (p->number.empty()) return rpc_fail(ErrorCode::invalid_params, "params.number: must not be empty", {{"field", "params.number"}});
    auto uniqueid = call_of_agent(user_id, false);
    if (!uniqueid) return rpc_fail(ErrorCode::no_call, "there is no call to transfer");
    ActiveCall& call = calls.at(*uniqueid);
    if (call.state != CallState::connected && call.state != CallState::held) return rpc_fail(ErrorCode::no_call, "the call is not connected");
    const DeviceRecord* own = device_by_id(*agent(user_id).device_id);
    if (p->number == own->device.extension) return rpc_fail(ErrorCode::invalid_params, "params.number: that is your own phone", {{"field", "params.number"}});

    const DeviceRecord* target_device = device_by_extension(p->number);
    if (target_device != nullptr) {
        if (auto target_user = agent_on_line(target_device->device.id); target_user && call_of_agent(*target_user, false)) {
            return rpc_fail(ErrorCode::invalid_state, "extension " + p->number + " is busy", {{"field", "params.number"}});
        }
    }
    count_transfer(user_id, call, target_device == nullptr);
    const bool agent_was_callee = call.callee && call.callee->user_id == user_id;
    leave_call(call, user_id, HangupCause::transfer);
    Party target = target_device != nullptr ? line_party(*target_device) : trunk_party(p->number, std::nullopt);
    if (agent_was_callee) {
        call.callee = target;
    } else {
        call.caller = target;
    }
    call.state = CallState::invitation;
    call.ring_started = now;
    if (target_device == nullptr) {
        arm_far_end(call, p->number);
    } else if (target.user_id) {
        refresh_idle(agent(*target.user_id));
        notify_call(call, protocol::event::call_ringing, target.user_id);
    }
    return json::object{{"uniqueid", *uniqueid}};
}

RpcResult Engine::Impl::set_account_code(int user_id, const json::object& params) {
    auto p = read_params<AccountCodeParams>(params);
    if (!p) return Unexpected(p.error());
    const auto reason = std::find_if(directory.call_reasons.begin(), directory.call_reasons.end(),
                                     [&](const CallReason& r) { return r.name == p->accountCode; });
    if (reason == directory.call_reasons.end()) {
        return rpc_fail(ErrorCode::not_found, "params.accountCode: unknown account code \"" + p->accountCode + "\"",
                    {{"field", "params.accountCode"}});
    }
    if (p->subAccountCode) {
        const bool known = std::any_of(reason->subcodes.begin(), reason->subcodes.end(),
                                       [&](const CallSubReason& s) { return s.name == *p->subAccountCode; });
        if (!known) {
            return rpc_fail(ErrorCode::not_found,
                        "params.subAccountCode: \"" + *p->subAccountCode + "\" is not a sub-code of \"" + p->accountCode + "\"",
                        {{"field", "params.subAccountCode"}});
        }
    }
    std::vector<AccountCode> codes;
    auto active = calls.find(p->uniqueid);
    const bool is_active = active != calls.end() &&
                           (active->second.caller.user_id == user_id ||
                            (active->second.callee && active->second.callee->user_id == user_id));
    if (is_active) {
        codes = active->second.account_codes;
    } else {
        const std::vector<int> users = store.history_users(p->uniqueid);
        if (std::find(users.begin(), users.end(), user_id) == users.end()) {
            return rpc_fail(ErrorCode::not_found, "params.uniqueid: no call " + p->uniqueid + " among your calls",
                        {{"field", "params.uniqueid"}});
        }
        codes = store.account_codes(p->uniqueid);
    }
    AccountCode code{p->accountCode, p->subAccountCode};
    if (p->override.value_or(false)) {
        codes = {code};
    } else if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        codes.push_back(code);
    }
    store.save_account_codes(p->uniqueid, codes);
    if (is_active) active->second.account_codes = codes;
    return json::object{{"uniqueid", p->uniqueid}, {"accountCodes", to_json(codes)}};
}

// ---- the outside world ------------------------------------------------------------------------

ActiveCall& Engine::Impl::incoming_queue_call(std::string from, const QueueRecord& queue,
                                              std::optional<std::string> caller_name, json::object data) {
    ActiveCall& call = create_call(trunk_party(std::move(from), std::move(caller_name)),
                                   queue.info.number.value_or(std::to_string(queue.info.id)), queue.info.name);
    call.queue_id = queue.info.id;
    call.data = std::move(data);
    call.recorded = true;  // queue calls are recorded on this (simulated) system
    call.state = CallState::connecting;
    waiting[queue.info.id].push_back(call.uniqueid);
    refresh_waiting_callers();
    return call;
}

ActiveCall& Engine::Impl::incoming_direct_call(std::string from, const DeviceRecord& device,
                                               std::optional<std::string> caller_name, json::object data) {
    ActiveCall& call = create_call(trunk_party(std::move(from), std::move(caller_name)), device.device.extension,
                                   device.device.name);
    call.data = std::move(data);
    const auto target_user = agent_on_line(device.device.id);
    if (target_user && call_of_agent(*target_user, false)) {
        call.state = CallState::connecting;
        call.far_end = ActiveCall::FarEnd::busy;  // the line is busy: the network ends it right away
        call.far_end_deadline = now;
        return call;
    }
    ring_line(call, device);
    return call;
}

std::string Engine::Impl::far_end_answer(ActiveCall& call) {
    if (call.state != CallState::invitation || !call.callee || call.callee->type != ChannelType::trunk) {
        return "the call is not ringing at an outside number";
    }
    connect_call(call);
    return {};
}

std::string Engine::Impl::far_end_hangup(ActiveCall& call) {
    if (call.caller.type == ChannelType::trunk) {
        end_call(call, HangupCause::caller_hung_up);
    } else if (call.callee && call.callee->type == ChannelType::trunk) {
        end_call(call, HangupCause::called_hung_up);
    } else {
        return "the call has no outside party";
    }
    return {};
}

std::string Engine::Impl::offhook(const DeviceRecord& device) {
    for (auto& [uniqueid, call] : calls) {
        if (call.state == CallState::invitation && call.callee && call.callee->line_id == device.device.id) {
            connect_call(call);
            return {};
        }
    }
    return "nothing is ringing on phone " + device.device.identifier;
}

}  // namespace ucs::server
