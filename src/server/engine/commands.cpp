// The simulated outside world that the sandbox API drives: callers calling queues and extensions,
// far ends answering and hanging up, desk phones lifted. Failures are CommandError values; the API
// layer (src/server/api) turns them into HTTP answers.
#include "server/engine/engine_impl.hpp"

namespace ucs::server {

namespace json = boost::json;

ActiveCall& Engine::Impl::incoming_queue_call(std::string from, const QueueRecord& queue,
                                              std::optional<std::string> caller_name, json::object data) {
    ActiveCall& call = create_call(trunk_party(std::move(from), std::move(caller_name)),
                                   queue.info.number.value_or(std::to_string(queue.info.id)), queue.info.name);
    call.queue_id = queue.info.id;
    call.data = std::move(data);
    call.recorded = queue.recorded;
    transition(call, CallInput{CallEvent::route});
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
    if (target_user && has_calls(*target_user)) {
        // The line is busy: the network ends the call right away.
        transition(call, CallInput{CallEvent::route});
        call.far_end = ActiveCall::FarEnd::busy;
        set_far_end_deadline(call, now);
        return call;
    }
    ring_line(call, device);
    return call;
}

Expected<std::string, CommandError> Engine::Impl::place_call(const SandboxCall& request) {
    if (calls.size() >= config.max_active_calls) return Unexpected(CommandError::network_full);
    if (const int* queue_id = std::get_if<int>(&request.destination)) {
        const QueueRecord* queue = queue_by_id(*queue_id);
        if (queue == nullptr) return Unexpected(CommandError::unknown_queue);
        if (queue->info.type != QueueType::incoming) return Unexpected(CommandError::not_an_incoming_queue);
        return incoming_queue_call(request.from, *queue, request.caller_name, request.data).uniqueid;
    }
    const DeviceRecord* device = device_by_extension(std::get<std::string>(request.destination));
    if (device == nullptr) return Unexpected(CommandError::unknown_extension);
    return incoming_direct_call(request.from, *device, request.caller_name, request.data).uniqueid;
}

Expected<std::string, CommandError> Engine::Impl::far_end_answer(ActiveCall& call) {
    if (call.state != CallState::invitation || !call.callee || call.callee->type != ChannelType::trunk) {
        return Unexpected(CommandError::not_ringing_outside);
    }
    const std::string uniqueid = call.uniqueid;
    transition(call, CallInput{CallEvent::answer});
    return uniqueid;
}

Expected<std::string, CommandError> Engine::Impl::far_end_hangup(ActiveCall& call) {
    const std::string uniqueid = call.uniqueid;
    if (call.caller.type == ChannelType::trunk) {
        end_call(call, HangupCause::caller_hung_up);
    } else if (call.callee && call.callee->type == ChannelType::trunk) {
        end_call(call, HangupCause::called_hung_up);
    } else {
        return Unexpected(CommandError::no_outside_party);
    }
    return uniqueid;
}

Expected<std::string, CommandError> Engine::Impl::offhook(const DeviceRecord& device) {
    for (auto& [uniqueid, call] : calls) {
        if (call.state == CallState::invitation && call.callee && call.callee->line_id == device.device.id) {
            const std::string answered_call = uniqueid;
            transition(call, CallInput{CallEvent::answer});
            return answered_call;
        }
    }
    return Unexpected(CommandError::nothing_ringing);
}

}  // namespace ucs::server
