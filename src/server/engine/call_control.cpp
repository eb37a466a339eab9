// The agent's call control. Whether an action is allowed now, and on which call, is the rulebook's
// decision (core/rules/call_actions.hpp), taken on the agent's calls exactly as the bar receives
// them: so the bar enables exactly what is accepted here. Handlers check their parameters first,
// then ask the rulebook, then act on the call it chose.
#include "server/engine/engine_impl.hpp"

#include <algorithm>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

bool is_text(const std::optional<json::value>& value, std::string_view text) {
    return value && value->is_string() && value->get_string() == text;
}

}  // namespace

// ---- the rulebook's view -------------------------------------------------------------------------

CallSituation Engine::Impl::situation_of(int user_id) const {
    CallSituation situation;
    const auto a = agents.find(user_id);
    situation.has_device = a != agents.end() && a->second.device_id.has_value();
    for (const auto& [uniqueid, call] : calls) {
        if (takes_part(call, user_id)) situation.legs.push_back(situation_leg(to_call(call, user_id), consultation_seen_by(call, user_id)));
    }
    return situation;
}

Expected<ActiveCall*, RpcError> Engine::Impl::rulebook_target(CallAction action, int user_id) {
    const CallSituation situation = situation_of(user_id);
    const Decision decision = decide(action, situation);
    if (decision.refusal) return rpc_fail(decision.refusal->code, decision.refusal->message);
    if (!decision.leg) return static_cast<ActiveCall*>(nullptr);
    return &calls.at(situation.legs[*decision.leg].uniqueid);
}

// ---- answer, hang up, hold, mute -------------------------------------------------------------------

RpcResult Engine::Impl::answer(RpcContext& request, const NoParams& /*params*/) {
    auto target = rulebook_target(CallAction::answer, request.user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    transition(call, CallInput{CallEvent::answer});
    return json::object{{"call", to_json(to_call(call, request.user_id))}};
}

RpcResult Engine::Impl::hangup(RpcContext& request, const NoParams& /*params*/) {
    auto target = rulebook_target(CallAction::hangup, request.user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    const std::string uniqueid = call.uniqueid;
    const bool callee = is_callee(call, request.user_id);
    const bool ringing = call.state == CallState::invitation;
    if (callee && ringing && call.queue_id) {
        // Declining a queue offer puts the caller back at the front of the queue, for the other
        // agents first (core/rules/acd.hpp).
        call.rejected_by[request.user_id] = now;
        requeue_offer(call, request.user_id, HangupCause::rejected);
        arm_reoffer(call);
    } else if (callee) {
        end_call(call, ringing ? HangupCause::rejected : HangupCause::called_hung_up);
    } else {
        end_call(call, HangupCause::caller_hung_up);
    }
    return json::object{{"uniqueid", uniqueid}};
}

RpcResult Engine::Impl::hold(RpcContext& request, const NoParams& /*params*/) {
    auto target = rulebook_target(CallAction::hold, request.user_id);
    if (!target) return Unexpected(target.error());
    (*target)->held_by = request.user_id;
    transition(**target, CallInput{CallEvent::hold});
    return json::object{{"uniqueid", (*target)->uniqueid}};
}

RpcResult Engine::Impl::unhold(RpcContext& request, const NoParams& /*params*/) {
    auto target = rulebook_target(CallAction::unhold, request.user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    transition(call, CallInput{CallEvent::unhold});
    Agent& a = agent(request.user_id);
    if (a.transfer_of == call.uniqueid) a.transfer_of.reset();  // resuming leaves transfer mode
    return json::object{{"uniqueid", call.uniqueid}};
}

RpcResult Engine::Impl::mute(RpcContext& request, const NoParams& /*params*/) {
    auto target = rulebook_target(CallAction::mute, request.user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    Party& own = call.caller.user_id == request.user_id ? call.caller : *call.callee;
    own.muted = !own.muted;
    notify_call(call, own.muted ? protocol::event::call_mute : protocol::event::call_unmute, request.user_id);
    return json::object{{"uniqueid", call.uniqueid}, {"muted", own.muted}};
}

// ---- dial -------------------------------------------------------------------------------------------

// The outgoing campaign a dial belongs to, by the rulebook (core/rules/dial.hpp): the queue named
// (checked here), none for "directCall" or a consultation, and for "undefined" or nothing the
// agent's default campaign if one is set and not suspended.
Expected<std::optional<int>, RpcError> Engine::Impl::outbound_queue_for(int user_id, const DialParams& params) {
    DialCampaignInput input;
    input.consultation = agent(user_id).transfer_of.has_value();
    if (params.queue && params.queue->is_int64()) {
        const auto queue_id = static_cast<int>(params.queue->get_int64());
        const QueueRecord* queue = queue_by_id(queue_id);
        if (queue == nullptr || queue->info.type != QueueType::outgoing) {
            return rpc_fail(ErrorCode::not_found, "no outgoing queue " + std::to_string(queue_id), {{"field", "params.queue"}});
        }
        if (membership(user_id, queue_id) == nullptr) {
            return rpc_fail(ErrorCode::not_found, "not a member of outgoing queue " + std::to_string(queue_id),
                            {{"field", "params.queue"}});
        }
        input.request = CampaignRequest::queue;
        input.queue = queue_id;
    } else if (is_text(params.queue, "directCall")) {
        input.request = CampaignRequest::direct;
    } else if (!params.queue || is_text(params.queue, "undefined")) {
        input.request = CampaignRequest::ucs_decides;
        for (const MembershipRecord* m : memberships_of(user_id)) {
            const QueueRecord* queue = queue_by_id(m->queue_id);
            if (m->default_campaign && !m->suspended && queue != nullptr && queue->info.type == QueueType::outgoing &&
                (!input.default_campaign || m->queue_id < *input.default_campaign)) {
                input.default_campaign = m->queue_id;
            }
        }
    } else {
        return bad_param("params.queue", R"(expected a queue id, "directCall" or "undefined")");
    }
    return campaign_of_dial(input);
}

// A dialled call rings a colleague's phone (unless they are on a call) or goes out on a trunk.
void Engine::Impl::route_dialled(ActiveCall& call, const std::string& number) {
    if (const DeviceRecord* target = device_by_extension(number)) {
        const auto target_user = agent_on_line(target->device.id);
        if (target_user && has_calls(*target_user)) {
            end_call(call, HangupCause::busy);
            return;
        }
        call.called_name = target->device.name;
        ring_line(call, *target);
        return;
    }
    call.callee = trunk_party(number, std::nullopt);
    file_call(call);
    arm_far_end(call, number);
    const bool fails_at_once = call.far_end == ActiveCall::FarEnd::busy || call.far_end == ActiveCall::FarEnd::invalid;
    transition(call, CallInput{fails_at_once ? CallEvent::route : CallEvent::ring});
}

RpcResult Engine::Impl::dial(RpcContext& request, const DialParams& params) {
    const int user_id = request.user_id;
    auto dialled = dialable_number(params.number);
    if (!dialled) return bad_param("params.number", dialled.error());
    const std::string& number = *dialled;
    if (auto allowed = rulebook_target(CallAction::dial, user_id); !allowed) return Unexpected(allowed.error());
    if (calls.size() >= config.max_active_calls) return rpc_fail(ErrorCode::network_busy, "the telephone network is full; try again later");
    Agent& a = agent(user_id);
    const DeviceRecord* own = device_by_id(*a.device_id);
    if (params.line && *params.line != own->device.id) {
        return rpc_fail(ErrorCode::not_found, "line " + std::to_string(*params.line) + " is not your phone", {{"field", "params.line"}});
    }
    auto outbound_id = outbound_queue_for(user_id, params);
    if (!outbound_id) return Unexpected(outbound_id.error());
    if (number == own->device.extension) return bad_param("params.number", "that is your own phone");

    ActiveCall& call = create_call(line_party(*own), number, std::nullopt);
    call.data = params.data.value_or(json::object{});
    call.outbound_id = *outbound_id;
    if (*outbound_id) {
        const QueueRecord* campaign = queue_by_id(**outbound_id);
        call.recorded = campaign != nullptr && campaign->recorded;
    }
    call.ring_started = now;
    if (a.transfer_of) {
        call.consultation_of = a.transfer_of;
        a.transfer_of.reset();
    }
    refresh_idle(a);
    notify_call(call, protocol::event::call_new);
    const std::string uniqueid = call.uniqueid;
    route_dialled(call, number);
    json::object result{{"uniqueid", uniqueid}};
    if (auto it = calls.find(uniqueid); it != calls.end()) result["call"] = to_json(to_call(it->second, user_id));
    return result;
}

// ---- transfers ----------------------------------------------------------------------------------

RpcResult Engine::Impl::transfer(RpcContext& request, const TransferParams& params) {
    auto target = rulebook_target(CallAction::transfer, request.user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    const std::string uniqueid = call.uniqueid;
    call.held_by = request.user_id;
    transition(call, CallInput{CallEvent::hold});
    agent(request.user_id).transfer_of = uniqueid;
    if (!params.number) return json::object{{"uniqueid", uniqueid}, {"mode", "transfer"}};
    auto consultation = dial(request, DialParams{*params.number, json::value("directCall"), std::nullopt, std::nullopt});
    if (!consultation) {
        // Nothing was dialled: the caller comes back off hold.
        agent(request.user_id).transfer_of.reset();
        transition(call, CallInput{CallEvent::unhold});
    }
    return consultation;
}

RpcResult Engine::Impl::finish_transfer(RpcContext& request, const NoParams& /*params*/) {
    const int user_id = request.user_id;
    auto target = rulebook_target(CallAction::finishTransfer, user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& consultation = **target;
    ActiveCall& original = calls.at(*consultation.consultation_of);
    Party party = *consultation.callee;
    const bool external = party.type == ChannelType::trunk;
    const bool target_answered = consultation.state == CallState::connected;

    // The agent leaves both calls; the consultation call ends for the target too.
    const bool agent_was_callee = is_callee(original, user_id);
    count_transfer(user_id, original, external);
    leave_call(original, user_id, HangupCause::transfer);
    const std::string consultation_id = consultation.uniqueid;
    consultation.consultation_of.reset();
    end_call(consultation, HangupCause::transfer);

    // The caller now talks to (or rings) the target.
    party.muted = false;
    if (agent_was_callee) {
        original.callee = party;
    } else {
        original.caller = party;
    }
    file_call(original);
    if (external && !target_answered) arm_far_end(original, party.number);
    transition(original, CallInput{CallEvent::join_transfer, HangupCause::not_set, party.user_id, target_answered});
    return json::object{{"uniqueid", original.uniqueid}, {"consultation", consultation_id}};
}

std::optional<RpcError> Engine::Impl::refuse_busy_extension(const std::string& number) const {
    const DeviceRecord* device = device_by_extension(number);
    if (device == nullptr) return std::nullopt;
    const auto user = agent_on_line(device->device.id);
    if (!user || !has_calls(*user)) return std::nullopt;
    return RpcError{ErrorCode::invalid_state, "extension " + number + " is busy", {{"field", "params.number"}}};
}

RpcResult Engine::Impl::blind_transfer(RpcContext& request, const BlindTransferParams& params) {
    const int user_id = request.user_id;
    auto dialled = dialable_number(params.number);
    if (!dialled) return bad_param("params.number", dialled.error());
    const std::string& number = *dialled;
    auto target = rulebook_target(CallAction::blindTransfer, user_id);
    if (!target) return Unexpected(target.error());
    ActiveCall& call = **target;
    const DeviceRecord* own = device_by_id(*agent(user_id).device_id);
    if (number == own->device.extension) return bad_param("params.number", "that is your own phone");
    if (auto busy = refuse_busy_extension(number)) return Unexpected(std::move(*busy));

    const DeviceRecord* target_device = device_by_extension(number);
    count_transfer(user_id, call, target_device == nullptr);
    const bool agent_was_callee = is_callee(call, user_id);
    leave_call(call, user_id, HangupCause::transfer);
    Party party = target_device != nullptr ? line_party(*target_device) : trunk_party(number, std::nullopt);
    if (agent_was_callee) {
        call.callee = party;
    } else {
        call.caller = party;
    }
    file_call(call);
    if (target_device == nullptr) arm_far_end(call, number);
    transition(call, CallInput{CallEvent::blind_transfer, HangupCause::not_set, party.user_id});
    return json::object{{"uniqueid", call.uniqueid}};
}

// ---- account codes ------------------------------------------------------------------------------

RpcResult Engine::Impl::set_account_code(RpcContext& request, const AccountCodeParams& params) {
    const int user_id = request.user_id;
    const auto reason = std::find_if(directory.call_reasons.begin(), directory.call_reasons.end(),
                                     [&](const CallReason& r) { return r.name == params.accountCode; });
    if (reason == directory.call_reasons.end()) {
        return rpc_fail(ErrorCode::not_found, "params.accountCode: unknown account code \"" + params.accountCode + "\"",
                        {{"field", "params.accountCode"}});
    }
    if (params.subAccountCode) {
        const bool known = std::any_of(reason->subcodes.begin(), reason->subcodes.end(),
                                       [&](const CallSubReason& s) { return s.name == *params.subAccountCode; });
        if (!known) {
            return rpc_fail(ErrorCode::not_found,
                            "params.subAccountCode: \"" + *params.subAccountCode + "\" is not a sub-code of \"" +
                                params.accountCode + "\"",
                            {{"field", "params.subAccountCode"}});
        }
    }
    auto active = calls.find(params.uniqueid);
    const bool is_active = active != calls.end() && takes_part(active->second, user_id);
    if (!is_active) {
        const std::vector<int> users = store.history_users(params.uniqueid);
        if (std::find(users.begin(), users.end(), user_id) == users.end()) {
            return rpc_fail(ErrorCode::not_found, "params.uniqueid: no call " + params.uniqueid + " among your calls",
                            {{"field", "params.uniqueid"}});
        }
    }
    std::vector<AccountCode> codes = is_active ? active->second.account_codes : store.account_codes(params.uniqueid);
    const AccountCode code{params.accountCode, params.subAccountCode};
    if (params.override.value_or(false)) {
        codes = {code};
    } else if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        codes.push_back(code);
    }
    store.save_account_codes(params.uniqueid, codes);
    frames_wait_for_store();
    if (is_active) active->second.account_codes = codes;
    return json::object{{"uniqueid", params.uniqueid}, {"accountCodes", to_json(codes)}};
}

}  // namespace ucs::server
