// Links only the SSO token code (SHA-1 + base64 from libcrypto) into a wasm module; bench/size
// reports its size. Running it under node prints the demo token, so the probe is known to work.
#include "core/auth/sso.hpp"

#include <cstdio>

int main() {
    std::puts(ucs::auth::make_sso_token("demo-sso-secret", "agent1", 1700000000).c_str());
    return 0;
}
