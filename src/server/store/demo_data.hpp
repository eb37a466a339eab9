#pragma once
// The demo directory that `ucsd --demo` loads into a fresh database: exactly the data documented
// in SANDBOX.md (users, phones, queues, reasons), which integrators' tests rely on.

#include "server/engine/directory.hpp"
#include "server/engine/engine.hpp"

namespace ucs::server {

// Every user's password is "demo"; `random` draws each user's SCRAM salt.
Directory demo_directory(Random& random);

}  // namespace ucs::server
