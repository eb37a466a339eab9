#pragma once
// Who may hear a call's recording (GET /recordings/{uniqueid}, docs/server.md): the agents who took
// part in the call, superusers, and REST clients (their bearer token; checked by the API layer,
// which has no user). Nobody else: another agent is refused, whatever queues they share.

#include <span>

namespace ucs {

struct RecordingListener {
    int user_id = 0;
    bool superuser = false;
};

// `call_agents`: the users who took part in the call (its history rows, the live call's agents).
bool may_hear_recording(const RecordingListener& who, std::span<const int> call_agents);

}  // namespace ucs
