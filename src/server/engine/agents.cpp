// Agents: status and the time spent in it, idle time for the ACD, the User and onReady views, queue
// membership, and the agent's own requests (changeStatus, suspend, resume, history, state).
#include "server/engine/engine_impl.hpp"

#include "core/rules/catalog.hpp"

#include <algorithm>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

Queue queue_view(const MembershipRecord& m, const QueueRecord* queue, const QueueStatistics& qs) {
    Queue q;
    q.answered = qs.answered;
    q.priorities = m.priority;
    q.queue_id = m.queue_id;
    q.ringtime = qs.ringtime;
    q.supervisor = m.supervisor;
    q.suspended = m.suspended;
    q.suspendtime = qs.suspendtime;
    q.talktime = qs.talktime;
    q.team_id = m.team_id;
    q.transferred = qs.transferred;
    q.transferred_external = qs.transferred_external;
    q.type = queue != nullptr ? queue->info.type : QueueType::incoming;
    q.unanswered = qs.unanswered;
    return q;
}

}  // namespace

// ---- status and time ----------------------------------------------------------------------------

void Engine::Impl::account_status_time(Agent& a) {
    UserStatistics& stats = directory.user_statistics[a.user_id];
    const std::int64_t seconds = (now - a.status_since) / 1000;
    switch (a.status) {
    case AgentStatus::READY: stats.readytime += seconds; break;
    case AgentStatus::ACW: stats.acwtime += seconds; break;
    case AgentStatus::AUX:
        stats.auxtime += seconds;
        if (a.reason) stats.auxtimes[*a.reason] += seconds;
        break;
    case AgentStatus::OFFLINE: break;
    }
    // Keep the remainder so repeated accounting does not lose fractions of seconds.
    a.status_since += seconds * 1000;
}

// Time suspended from a queue counts while the agent is logged in; whole seconds are added and the
// remainder kept, like the status times.
void Engine::Impl::account_suspend_time(Agent& a) {
    const bool logged_in = user_logged_in(a.user_id);
    for (const MembershipRecord* m : memberships_of(a.user_id)) {
        auto since = a.suspended_since.find(m->queue_id);
        if (since != a.suspended_since.end()) {
            const std::int64_t seconds = (now - since->second) / 1000;
            if (seconds > 0) {
                QueueStatistics& queue_stats = directory.queue_statistics[{a.user_id, m->queue_id}];
                queue_stats.suspendtime += seconds;
                store.save_queue_statistics(a.user_id, m->queue_id, queue_stats);
                since->second += seconds * 1000;
            }
        }
        const bool counting = m->suspended && logged_in;
        if (counting && since == a.suspended_since.end()) a.suspended_since.emplace(m->queue_id, now);
        if (!counting && since != a.suspended_since.end()) a.suspended_since.erase(since);
    }
}

void Engine::Impl::refresh_idle(Agent& a) {
    const bool idle = a.status == AgentStatus::READY && a.device_id && user_logged_in(a.user_id) && !has_calls(a.user_id);
    if (idle && !a.idle_since) a.idle_since = now;
    if (!idle && a.idle_since) {
        directory.user_statistics[a.user_id].idletime += (now - *a.idle_since) / 1000;
        a.idle_since.reset();
    }
}

void Engine::Impl::set_status(int user_id, AgentStatus status, std::optional<std::string> reason,
                              std::optional<Millis> acw_until) {
    Agent& a = agent(user_id);
    account_status_time(a);
    a.status_since = now;
    a.status = status;
    a.reason = status == AgentStatus::AUX ? std::move(reason) : std::nullopt;
    a.acw_until = status == AgentStatus::ACW ? acw_until : std::nullopt;
    if (a.acw_until) acw_timers.emplace(*a.acw_until, user_id);
    refresh_idle(a);
    json::object params{{"status", to_json(a.status)}, {"reason", a.reason ? json::value(*a.reason) : json::value()}};
    // Automatic wrap-up says when it ends, so the bar can count down.
    if (a.acw_until) params["until"] = *a.acw_until / 1000;
    push_to_user(user_id, protocol::event::agent_state, params);
    user_changed(user_id);
}

void Engine::Impl::user_changed(int user_id) {
    store.save_user_statistics(user_id, directory.user_statistics[user_id]);
    push_to_user(user_id, protocol::event::user, json::object{{"user", to_json(render_user(user_id))}});
}

// ---- views ---------------------------------------------------------------------------------------

User Engine::Impl::render_user(int user_id) {
    const UserRecord* record = user_by_id(user_id);
    User user;
    if (record == nullptr) return user;
    Agent& a = agent(user_id);
    // Time in the current status and idle period counts too: the figures are current.
    account_status_time(a);
    if (a.idle_since) {
        directory.user_statistics[user_id].idletime += (now - *a.idle_since) / 1000;
        a.idle_since = *a.idle_since + ((now - *a.idle_since) / 1000) * 1000;
    }
    static_cast<UserStatistics&>(user) = directory.user_statistics[user_id];
    user.data = record->data;
    user.displayname = record->firstname + " " + record->lastname;
    user.email = record->email;
    user.firstname = record->firstname;
    user.group_id = record->group_id;
    user.id = record->id;
    user.lastname = record->lastname;
    const DeviceRecord* device = a.device_id ? device_by_id(*a.device_id) : nullptr;
    if (device != nullptr) user.lines.push_back(device->device);
    user.locale = record->locale;
    account_suspend_time(a);
    user.number = record->number;
    if (a.device_id) user.primary_extension = a.device_id;
    for (const MembershipRecord* m : memberships_of(user_id)) {
        user.queues.emplace(m->queue_id,
                            queue_view(*m, queue_by_id(m->queue_id), directory.queue_statistics[{user_id, m->queue_id}]));
    }
    user.status = a.status;
    user.superuser = record->superuser;
    return user;
}

std::vector<AgentInfo> Engine::Impl::agent_list() const {
    std::vector<AgentInfo> list;
    for (const UserRecord& user : directory.users) {
        AgentInfo info;
        info.id = user.id;
        info.username = user.username;
        info.displayname = user.firstname + " " + user.lastname;
        if (auto it = agents.find(user.id); it != agents.end()) {
            info.status = it->second.status;
            info.reason = it->second.reason;
            if (it->second.device_id && user_logged_in(user.id)) {
                if (const DeviceRecord* device = device_by_id(*it->second.device_id)) info.extension = device->device.extension;
            }
        }
        list.push_back(std::move(info));
    }
    return list;
}

int Engine::Impl::waiting_callers_for(int user_id) const {
    int count = 0;
    const auto own = memberships_by_user.find(user_id);
    if (own == memberships_by_user.end()) return 0;
    for (const std::size_t i : own->second) {
        const MembershipRecord& m = directory.memberships[i];
        if (auto it = waiting.find(m.queue_id); it != waiting.end()) count += static_cast<int>(it->second.size());
    }
    return count;
}

void Engine::Impl::refresh_waiting_callers() {
    // Runs after every input: nothing to tell while no queue's length changed.
    bool changed = false;
    for (const auto& [queue_id, queue] : waiting) {
        auto [it, added] = last_waiting_sizes.try_emplace(queue_id, queue.size());
        if (added || it->second != queue.size()) changed = true;
        it->second = queue.size();
    }
    if (!changed) return;
    for (auto& [user_id, a] : agents) {
        const int count = waiting_callers_for(user_id);
        if (count == a.last_waiting_callers) continue;
        a.last_waiting_callers = count;
        push_to_user(user_id, protocol::event::waiting_callers, json::object{{"waitingCallers", count}});
    }
}

ReadyState Engine::Impl::ready_state(int user_id) {
    ReadyState state;
    const Agent& a = agent(user_id);
    state.status = a.status;
    state.reason = a.reason;
    // onReady's call is the one the agent is on now, as the rulebook defines it.
    const CallSituation situation = situation_of(user_id);
    if (auto current = current_leg(situation)) state.call = to_call(calls.at(situation.legs[*current].uniqueid), user_id);
    state.user = render_user(user_id);
    if (a.device_id) {
        if (const DeviceRecord* device = device_by_id(*a.device_id)) state.device = device->device;
    }
    state.auxReasons = directory.aux_reasons;
    state.callReasons = directory.call_reasons;
    for (const QueueRecord& queue : directory.queues) state.queues.push_back(queue.info);
    state.groups = directory.groups;
    state.agents = agent_list();
    state.waitingCallers = waiting_callers_for(user_id);
    state.now = now_seconds();
    if (auto it = directory.user_settings.find(user_id); it != directory.user_settings.end()) state.ringingSound = it->second.ringing_sound;
    return state;
}

// ---- the agent's requests ------------------------------------------------------------------------

RpcResult Engine::Impl::change_status(RpcContext& request, const ChangeStatusParams& params) {
    std::optional<std::string> reason;
    if (params.status == AgentStatus::AUX) {
        if (!params.reason) return bad_param("params.reason", "AUX needs a reason");
        const bool known = std::any_of(directory.aux_reasons.begin(), directory.aux_reasons.end(),
                                       [&](const AuxReason& r) { return r.name == *params.reason; });
        if (!known) return bad_param("params.reason", "unknown AUX reason \"" + *params.reason + "\"");
        reason = params.reason;
    }
    set_status(request.user_id, params.status, reason);
    return json::object{{"status", to_json(params.status)}, {"reason", reason ? json::value(*reason) : json::value()}};
}

RpcResult Engine::Impl::set_suspended(int user_id, int queue_id, bool suspend) {
    MembershipRecord* member = membership(user_id, queue_id);
    if (member == nullptr) {
        return rpc_fail(ErrorCode::not_found, "not a member of queue " + std::to_string(queue_id), {{"queue", queue_id}});
    }
    if (member->suspended != suspend) {
        account_suspend_time(agent(user_id));
        member->suspended = suspend;
        account_suspend_time(agent(user_id));
        store.save_membership(*member);
        frames_wait_for_store();
        push_to_user(user_id, suspend ? protocol::event::queue_suspend : protocol::event::queue_resume,
                     json::object{{"queueId", queue_id}});
    }
    return json::object{{"queueId", queue_id}, {"suspended", suspend}};
}

RpcResult Engine::Impl::suspend_queue(RpcContext& request, const QueueParams& params) {
    return set_suspended(request.user_id, params.queue, true);
}

RpcResult Engine::Impl::resume_queue(RpcContext& request, const QueueParams& params) {
    return set_suspended(request.user_id, params.queue, false);
}

RpcResult Engine::Impl::call_history(RpcContext& request, const HistoryParams& params) {
    HistoryQuery query;
    query.user_id = request.user_id;
    query.direction = params.direction;
    query.number = params.number;
    query.since = params.since;
    query.until = params.until;
    query.limit = std::clamp(params.limit.value_or(50), 1, 500);
    query.offset = std::max(params.offset.value_or(0), 0);
    return to_json(store.history(query));
}

RpcResult Engine::Impl::ready_snapshot(RpcContext& request, const NoParams& /*params*/) {
    return to_json(ready_state(request.user_id));
}

// The ringtone is the user's: kept here, it follows the agent to another PC, and the agent's other
// sessions hear of the change.
RpcResult Engine::Impl::select_ringing_sound(RpcContext& request, const RingingSoundParams& params) {
    if (!is_one_of(ringing_sounds, params.ringingSound)) {
        return bad_param("params.ringingSound", "unknown sound \"" + params.ringingSound + "\" (allowed: " + names_list(ringing_sounds) + ")");
    }
    UserSettings& settings = directory.user_settings[request.user_id];
    if (settings.ringing_sound != params.ringingSound) {
        settings.ringing_sound = params.ringingSound;
        store.save_user_settings(request.user_id, settings);
        frames_wait_for_store();
        push_to_user(request.user_id, protocol::event::ringing_sound, json::object{{"ringingSound", params.ringingSound}});
    }
    return json::object{{"ringingSound", params.ringingSound}};
}

}  // namespace ucs::server
