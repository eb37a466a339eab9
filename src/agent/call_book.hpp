#pragma once
// The agent's calls as ucsd reported them, by uniqueid, each with the held call it consults about
// (a consultation transfer). It answers the questions the bar asks of its calls: which one is
// current (onReady's `call`), and the call situation the rulebook decides actions from.

#include "core/model.hpp"
#include "core/rules/call_actions.hpp"

#include <map>
#include <optional>
#include <string>

namespace ucs::agent {

struct CallEntry {
    Call call;
    std::optional<std::string> consultation_of;
};

// Whether the agent's own side of the call is muted: the caller's side when the agent placed it.
bool agent_muted(const Call& call, std::optional<int> agent_user_id);

class CallBook {
public:
    // A call event: the call as it is now (hangup removes it).
    void update(const Call& call, std::optional<std::string> consultation_of);
    void remove(const std::string& uniqueid) { calls_.erase(uniqueid); }
    void clear() { calls_.clear(); }
    // Replaces the book with ucsd's one current call (provision, a snapshot).
    void reset_to(const std::optional<Call>& call);

    [[nodiscard]] bool contains(const std::string& uniqueid) const { return calls_.contains(uniqueid); }
    [[nodiscard]] bool empty() const { return calls_.empty(); }
    [[nodiscard]] const std::map<std::string, CallEntry>& entries() const { return calls_; }
    // The call onReady and state() name: the live one, else a held one.
    [[nodiscard]] const Call* current() const;
    [[nodiscard]] CallSituation situation(bool has_device) const;

private:
    std::map<std::string, CallEntry> calls_;  // ordered by uniqueid, as ucsd orders them
};

}  // namespace ucs::agent
