#pragma once
// The demo directory that `ucsd --demo` loads into a fresh database: exactly the data documented
// in SANDBOX.md (users, phones, queues, reasons), which integrators' tests rely on.

#include "server/engine/directory.hpp"
#include "server/engine/engine.hpp"

#include <string>
#include <vector>

namespace ucs::server {

// Every user's password is "demo"; `random` draws each user's SCRAM salt.
Directory demo_directory(Random& random);

// agent1's layout: a tab "Acme CRM" showing the demo CRM's own customer page, which ucsd --demo
// serves itself (examples/crm-demo/tabs/acme.html) at `server_url` ("http://127.0.0.1:8080/"), so
// it works offline. Set once the server knows its address, on a freshly seeded database.
std::vector<LayoutTab> demo_layout(const std::string& server_url);

}  // namespace ucs::server
