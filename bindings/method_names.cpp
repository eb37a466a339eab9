// Build-time tool (run under node): prints ucs::agent::method_names() as a JSON array. bundle.cmake
// writes it into operator.js, so the stubs the loader installs before the wasm has loaded are
// exactly the engine's methods, with no second list to keep in step.
#include "agent/agent.hpp"

#include <cstdio>
#include <string>

int main() {
    std::string out = "[";
    for (const std::string_view name : ucs::agent::method_names()) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += name;  // plain identifiers: nothing to escape
        out += '"';
    }
    out += ']';
    std::puts(out.c_str());
    return 0;
}
