// Build-time tool (run under node): prints the engine's closed lists as one JSON object.
// bundle.cmake writes it into operator.js (the loader's method stubs, the GUI's ringtone and status
// choices) and into operator.d.ts (its string unions), so no list is typed a second time.
#include "agent/agent.hpp"
#include "agent/errors.hpp"
#include "agent/softphone.hpp"
#include "core/model.hpp"
#include "core/protocol.hpp"
#include "core/rules/app_state.hpp"
#include "core/rules/call_actions.hpp"
#include "core/rules/catalog.hpp"

#include <boost/describe/enumerators.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace {

namespace json = boost::json;

template <class Range>
json::array names(const Range& range) {
    json::array out;
    for (const auto& name : range) out.emplace_back(std::string_view(name));
    return out;
}

template <class E>
json::array enumerator_names() {
    json::array out;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) { out.emplace_back(d.name); });
    return out;
}

// Every code a page's rejected promise can carry: the bar's own and ucsd's, without repeats.
json::array error_codes() {
    std::set<std::string_view> seen;
    json::array out;
    auto add = [&](std::string_view name) {
        if (seen.insert(name).second) out.emplace_back(name);
    };
    for (auto code : ucs::agent::all_error_codes) add(ucs::agent::error_name(code));
    for (auto code : ucs::protocol::all_error_codes) add(ucs::protocol::error_name(code));
    return out;
}

}  // namespace

int main() {
    json::object catalog;
    catalog["methods"] = names(ucs::agent::method_names());
    catalog["appStates"] = enumerator_names<ucs::AppState>();
    catalog["agentStatuses"] = enumerator_names<ucs::AgentStatus>();
    catalog["callActions"] = enumerator_names<ucs::CallAction>();
    catalog["ringingSounds"] = names(ucs::ringing_sounds);
    catalog["notificationTypes"] = names(ucs::notification_types);
    catalog["errorCodes"] = error_codes();
    catalog["deviceTypes"] = enumerator_names<ucs::DeviceType>();
    catalog["audioStates"] = names(ucs::agent::audio_states);
    std::puts(json::serialize(catalog).c_str());
    return 0;
}
