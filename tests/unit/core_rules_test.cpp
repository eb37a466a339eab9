#include "core/protocol.hpp"
#include "core/rules/call_actions.hpp"
#include "core/rules/catalog.hpp"
#include "core/rules/methods.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <regex>
#include <sstream>
#include <string>

using ucs::AppState;
using ucs::CallAction;
using ucs::CallLeg;
using ucs::CallSituation;
using ucs::CallState;
using ucs::protocol::ErrorCode;

namespace {

// "- login: CREDENTIALS" lines of the document's "Component control" section.
std::map<std::string, std::vector<std::string>> documented_state_table() {
    std::ifstream in(std::string(UCS_DOCS_DIR) + "/ucs-agent-bar-v4.txt");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto start = doc.find("The function can be called in the following states:");
    const auto end = doc.find("login (v4.0.0)", start);
    REQUIRE(start != std::string::npos);
    const std::string section = doc.substr(start, end - start);
    std::map<std::string, std::vector<std::string>> table;
    const std::regex line(R"(- (\w+): ([A-Z, ]+|any)(?: \(v[\d.]+\))?)");
    for (auto it = std::sregex_iterator(section.begin(), section.end(), line); it != std::sregex_iterator(); ++it) {
        std::vector<std::string> states;
        const std::string list = (*it)[2];
        const std::regex word(R"([A-Za-z]+)");
        for (auto w = std::sregex_iterator(list.begin(), list.end(), word); w != std::sregex_iterator(); ++w) states.push_back(w->str());
        table[(*it)[1]] = states;
    }
    return table;
}

CallLeg leg(std::string uniqueid, CallState state, bool agent_placed, std::optional<std::string> consultation_of = std::nullopt) {
    return CallLeg{std::move(uniqueid), state, agent_placed, true, std::move(consultation_of)};
}

std::vector<CallAction> allowed(const CallSituation& situation) {
    std::vector<CallAction> out;
    const auto set = ucs::allowed_actions(situation);
    for (CallAction a : ucs::all_call_actions)
        if (set.contains(a)) out.push_back(a);
    return out;
}

}  // namespace

TEST_CASE("the method table allows each documented method in exactly the document's states", "[core][rules]") {
    const auto table = documented_state_table();
    REQUIRE(table.size() == 18);
    for (const auto& [name, state_names] : table) {
        INFO(name);
        const ucs::MethodRule* rule = ucs::find_page_method(name);
        REQUIRE(rule != nullptr);
        for (AppState state : ucs::all_app_states) {
            const bool documented = state_names == std::vector<std::string>{"any"} ||
                                    std::find(state_names.begin(), state_names.end(), std::string(ucs::to_string(state))) != state_names.end();
            // "any" includes CONNECTING for notify; every other documented state list leaves it out.
            CHECK(rule->states.contains(state) == documented);
        }
    }
}

TEST_CASE("aliases carry the same wire method and rules as their twins", "[core][rules]") {
    CHECK(ucs::find_page_method("tribute")->wire == ucs::find_page_method("hold")->wire);
    CHECK(ucs::find_page_method("selectIdentifier")->states == ucs::find_page_method("identifier")->states);
    CHECK(ucs::find_wire_method("login.proof")->states == ucs::states::credentials);
    CHECK(ucs::find_wire_method("ping")->states.contains(AppState::CREDENTIALS));
    CHECK(ucs::find_page_method("ping") == nullptr);
    CHECK(ucs::find_page_method("") == nullptr);
}

TEST_CASE("call control needs a paired phone and names the method when there is none", "[core][rules]") {
    const CallSituation no_phone{false, {}};
    const auto decision = ucs::decide(CallAction::dial, no_phone);
    REQUIRE_FALSE(decision.allowed());
    CHECK(decision.refusal->code == ErrorCode::no_device);
    CHECK(decision.refusal->message == "dial needs a paired phone");
    CHECK(allowed(no_phone).empty());
    for (const ucs::MethodRule& rule : ucs::method_rules()) CHECK(rule.needs_device == rule.action.has_value());
}

TEST_CASE("an idle agent may only dial", "[core][rules]") {
    CHECK(allowed(CallSituation{true, {}}) == std::vector{CallAction::dial});
    const auto hold = ucs::decide(CallAction::hold, CallSituation{true, {}});
    CHECK(hold.refusal->code == ErrorCode::no_call);
    CHECK(hold.refusal->message == "there is no connected call to hold");
}

TEST_CASE("a ringing offer may be answered or declined and nothing else", "[core][rules]") {
    const CallSituation ringing{true, {leg("1.1", CallState::invitation, false)}};
    CHECK(allowed(ringing) == std::vector{CallAction::answer, CallAction::hangup});
    // The agent's own outgoing call ringing at the far end cannot be answered by the agent.
    const CallSituation dialling{true, {leg("1.1", CallState::invitation, true)}};
    CHECK(allowed(dialling) == std::vector{CallAction::hangup});
    CHECK(ucs::decide(CallAction::dial, dialling).refusal->code == ErrorCode::invalid_state);
}

TEST_CASE("a connected call may be held, muted, transferred or hung up", "[core][rules]") {
    const CallSituation talking{true, {leg("1.1", CallState::connected, false)}};
    CHECK(allowed(talking) ==
          std::vector{CallAction::hangup, CallAction::hold, CallAction::mute, CallAction::transfer, CallAction::blindTransfer});
    CHECK(ucs::decide(CallAction::hold, talking).leg == 0U);
}

TEST_CASE("a held call may be resumed and the agent may dial beside it", "[core][rules]") {
    const CallSituation held{true, {leg("1.1", CallState::held, false)}};
    CHECK(allowed(held) == std::vector{CallAction::hangup, CallAction::unhold, CallAction::mute, CallAction::blindTransfer,
                                       CallAction::dial});
}

TEST_CASE("while a consultation call rings, the held call cannot be resumed and nothing more dialled", "[core][rules]") {
    // The case the two engines disagreed on: the bar enabled unhold and dial here, ucsd refused both.
    const CallSituation consulting{true, {leg("1.1", CallState::held, false), leg("1.2", CallState::invitation, true, "1.1")}};
    CHECK(allowed(consulting) == std::vector{CallAction::hangup, CallAction::finishTransfer});
    const auto unhold = ucs::decide(CallAction::unhold, consulting);
    CHECK(unhold.refusal->code == ErrorCode::invalid_state);
    CHECK(ucs::decide(CallAction::hangup, consulting).leg == 1U);  // the live call, not the held one
    CHECK(ucs::decide(CallAction::finishTransfer, consulting).leg == 1U);
}

TEST_CASE("a connected consultation may be finished, muted or hung up, not transferred again", "[core][rules]") {
    const CallSituation consulting{true, {leg("1.1", CallState::held, false), leg("1.2", CallState::connected, true, "1.1")}};
    CHECK(allowed(consulting) == std::vector{CallAction::hangup, CallAction::hold, CallAction::mute, CallAction::finishTransfer});
    CHECK(ucs::decide(CallAction::transfer, consulting).refusal->code == ErrorCode::invalid_state);
    CHECK(ucs::decide(CallAction::mute, consulting).leg == 1U);
}

TEST_CASE("a consultation whose held call has ended cannot be finished", "[core][rules]") {
    const CallSituation orphan{true, {leg("1.2", CallState::connected, true, "1.1")}};
    const auto finish = ucs::decide(CallAction::finishTransfer, orphan);
    CHECK(finish.refusal->code == ErrorCode::no_call);
    CHECK(finish.refusal->message == "the call being transferred has ended");
    CHECK(ucs::decide(CallAction::transfer, orphan).allowed());  // it is an ordinary call now
}

TEST_CASE("a plain call placed beside a held one is not a consultation", "[core][rules]") {
    const CallSituation two{true, {leg("1.1", CallState::held, false), leg("1.2", CallState::connected, true)}};
    CHECK(ucs::decide(CallAction::finishTransfer, two).refusal->message == "there is no consultation call to finish");
}

TEST_CASE("a situation leg reads the agent's side from the call's direction", "[core][rules]") {
    ucs::Call call;
    call.uniqueid = "1700000000.7";
    call.state = CallState::invitation;
    call.direction = ucs::Direction::OUTGOING;
    CHECK_FALSE(ucs::situation_leg(call, std::nullopt).has_far_end);  // nobody reached yet
    call.connected_channel = "SIP/trunk-00000001";
    const CallLeg l = ucs::situation_leg(call, std::string("1700000000.6"));
    CHECK(l.agent_placed);
    CHECK(l.has_far_end);
    CHECK(l.consultation_of == "1700000000.6");
}

TEST_CASE("every error code has a stable distinct name", "[core][rules]") {
    std::set<std::string_view> names;
    for (ErrorCode code : ucs::protocol::all_error_codes) names.insert(ucs::protocol::error_name(code));
    CHECK(names.size() == ucs::protocol::all_error_codes.size());
    CHECK_FALSE(names.contains("UNKNOWN"));
}

TEST_CASE("ringing sounds are the document's five and listed in plain words", "[core][rules]") {
    CHECK(ucs::is_one_of(ucs::ringing_sounds, "lovingYou"));
    CHECK_FALSE(ucs::is_one_of(ucs::ringing_sounds, "loving_you"));
    CHECK(ucs::names_list(ucs::ringing_sounds) == "default, christmas, lovingYou, quest or rush");
}
