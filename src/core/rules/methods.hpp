#pragma once
// The document's "method allowed in state" table as data, the one copy both sides read: the bar
// refuses a method outside its states before anything is sent, ucsd refuses the request that
// carries it, and the GUI enables what the table allows.
//
// A row is one operation: the name the page calls (window.ucsOperator.<page>), the JSON-RPC method
// that carries it to ucsd (docs/protocol.md), the states it is allowed in, whether it needs a
// paired phone, and which call action it is (call_actions.hpp decides those per call situation).

#include "core/rules/app_state.hpp"
#include "core/rules/call_actions.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ucs {

enum class Exposure : std::uint8_t {
    documented,  // installed on window.ucsOperator (the document's methods and aliases)
    gui,         // the bar's own GUI calls it through the same entry point
    protocol,    // only on the wire (steps of a documented method, the heartbeat)
};

struct MethodRule {
    std::string_view page;  // "" when the page has no such method
    std::string_view wire;  // "" when the bar answers it alone
    StateSet states;
    bool needs_device = false;  // call control: NO_DEVICE without a paired phone
    std::optional<CallAction> action;
    Exposure exposure = Exposure::documented;
};

// Every row; page names and wire names are each unique except for aliases (tribute/hold,
// identifier/selectIdentifier), which share their wire method and its states.
std::span<const MethodRule> method_rules();

const MethodRule* find_page_method(std::string_view page_name);
// The states and device rule of a wire method (the first row that carries it).
const MethodRule* find_wire_method(std::string_view wire_name);

// The names the loader installs on window.ucsOperator, in table order.
const std::vector<std::string_view>& documented_method_names();

}  // namespace ucs
