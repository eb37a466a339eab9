#include "core/rules/recording.hpp"

#include <algorithm>

namespace ucs {

bool may_hear_recording(const RecordingListener& who, std::span<const int> call_agents) {
    if (who.superuser) return true;
    return std::find(call_agents.begin(), call_agents.end(), who.user_id) != call_agents.end();
}

}  // namespace ucs
