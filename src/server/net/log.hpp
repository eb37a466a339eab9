#pragma once
// ucsd's log: one terse line per event on stderr (journald or the terminal adds the time).

#include <cstdio>
#include <string_view>

namespace ucs::server::net {

inline void log_line(std::string_view message) {
    std::fprintf(stderr, "ucsd: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace ucs::server::net
