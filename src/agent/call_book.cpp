#include "agent/call_book.hpp"

namespace ucs::agent {

bool agent_muted(const Call& call, std::optional<int> agent_user_id) {
    const bool agent_is_caller = agent_user_id && call.caller_user_id == agent_user_id;
    return agent_is_caller ? call.caller_muted : call.connected_muted;
}

void CallBook::update(const Call& call, std::optional<std::string> consultation_of) {
    calls_[call.uniqueid] = CallEntry{call, std::move(consultation_of)};
}

void CallBook::reset_to(const std::optional<Call>& call) {
    calls_.clear();
    if (call) calls_[call->uniqueid] = CallEntry{*call, std::nullopt};
}

CallSituation CallBook::situation(bool has_device) const {
    CallSituation situation;
    situation.has_device = has_device;
    for (const auto& [uniqueid, entry] : calls_) situation.legs.push_back(situation_leg(entry.call, entry.consultation_of));
    return situation;
}

const Call* CallBook::current() const {
    const CallSituation all = situation(true);
    const auto leg = current_leg(all);
    if (!leg) return nullptr;
    return &calls_.at(all.legs[*leg].uniqueid).call;
}

}  // namespace ucs::agent
