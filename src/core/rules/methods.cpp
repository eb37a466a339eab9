#include "core/rules/methods.hpp"

#include "core/protocol.hpp"

#include <algorithm>
#include <array>

namespace ucs {

namespace {

namespace wire = protocol::method;
using A = CallAction;
constexpr auto documented = Exposure::documented;
constexpr auto gui = Exposure::gui;
constexpr auto protocol_only = Exposure::protocol;

// The integration document's table ("Component control"), with the aliases API-DECISIONS.md names,
// the methods it lists without states (READY, like the other call control), the GUI's own methods
// and the protocol's extra steps.
constexpr std::array rules{
    MethodRule{"login", wire::login, states::credentials, false, std::nullopt, documented},
    MethodRule{"", wire::login_proof, states::credentials, false, std::nullopt, protocol_only},
    MethodRule{"", wire::login_remember, states::credentials, false, std::nullopt, protocol_only},
    MethodRule{"sso", wire::sso, states::credentials, false, std::nullopt, documented},
    MethodRule{"logout", wire::logout, states::logged_in, false, std::nullopt, documented},
    MethodRule{"", wire::devices, states::logged_in, false, std::nullopt, protocol_only},
    MethodRule{"", wire::identify_ip, states::pairing, false, std::nullopt, protocol_only},
    MethodRule{"identifier", wire::identifier, states::pairing, false, std::nullopt, documented},
    MethodRule{"selectIdentifier", wire::identifier, states::pairing, false, std::nullopt, documented},
    MethodRule{"provision", wire::provision, states::pairing, false, std::nullopt, documented},
    MethodRule{"identify", wire::identify, states::paired, false, std::nullopt, documented},
    MethodRule{"changeStatus", wire::change_status, states::ready, false, std::nullopt, documented},
    MethodRule{"suspend", wire::suspend, states::ready, false, std::nullopt, documented},
    MethodRule{"resume", wire::resume, states::ready, false, std::nullopt, documented},
    MethodRule{"answer", wire::answer, states::ready, true, A::answer, documented},
    MethodRule{"dial", wire::dial, states::ready, true, A::dial, documented},
    MethodRule{"hangup", wire::hangup, states::ready, true, A::hangup, documented},
    MethodRule{"transfer", wire::transfer, states::ready, true, A::transfer, documented},
    MethodRule{"finishTransfer", wire::finish_transfer, states::ready, true, A::finishTransfer, documented},
    MethodRule{"blindTransfer", wire::blind_transfer, states::ready, true, A::blindTransfer, documented},
    MethodRule{"tribute", wire::hold, states::ready, true, A::hold, documented},
    MethodRule{"hold", wire::hold, states::ready, true, A::hold, documented},
    MethodRule{"unhold", wire::unhold, states::ready, true, A::unhold, documented},
    MethodRule{"mute", wire::mute, states::ready, true, A::mute, documented},
    MethodRule{"notify", "", states::any, false, std::nullopt, documented},
    MethodRule{"state", wire::state, states::ready, false, std::nullopt, documented},
    MethodRule{"setAccountCode", wire::set_account_code, states::ready, false, std::nullopt, documented},
    MethodRule{"selectRingingSound", wire::select_ringing_sound, states::ready, false, std::nullopt, documented},
    MethodRule{"testRingingSound", "", states::ready, false, std::nullopt, documented},
    MethodRule{"stopRingingSoundTest", "", states::ready, false, std::nullopt, documented},
    MethodRule{"history", wire::history, states::ready, false, std::nullopt, gui},  // debounced when asked
    MethodRule{"recordingUrl", wire::recording_url, states::ready, false, std::nullopt, gui},  // history's <audio>
    MethodRule{"closeAccountCode", "", states::ready, false, std::nullopt, gui},
    MethodRule{"dismiss", "", states::any, false, std::nullopt, gui},  // the GUI closed a notification
    MethodRule{"", wire::ping, states::any, false, std::nullopt, protocol_only},
};

// Aliases share their wire method: the states of every row that carries one wire method agree.
constexpr bool wire_rows_agree() {
    for (const MethodRule& a : rules)
        for (const MethodRule& b : rules)
            if (!a.wire.empty() && a.wire == b.wire && (a.states != b.states || a.needs_device != b.needs_device || a.action != b.action))
                return false;
    return true;
}
static_assert(wire_rows_agree(), "rows that share a wire method must share its rules");

}  // namespace

std::span<const MethodRule> method_rules() { return rules; }

const MethodRule* find_page_method(std::string_view page_name) {
    if (page_name.empty()) return nullptr;
    const auto it = std::find_if(rules.begin(), rules.end(), [&](const MethodRule& r) { return r.page == page_name; });
    return it == rules.end() ? nullptr : &*it;
}

const MethodRule* find_wire_method(std::string_view wire_name) {
    if (wire_name.empty()) return nullptr;
    const auto it = std::find_if(rules.begin(), rules.end(), [&](const MethodRule& r) { return r.wire == wire_name; });
    return it == rules.end() ? nullptr : &*it;
}

const std::vector<std::string_view>& documented_method_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const MethodRule& rule : rules)
            if (rule.exposure == Exposure::documented) out.push_back(rule.page);
        return out;
    }();
    return names;
}

}  // namespace ucs
