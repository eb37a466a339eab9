// Links only the SCRAM-SHA-256 code (SHA-256, HMAC, PBKDF2 and base64 from libcrypto) into a wasm module;
// bench/size reports its size. It runs one full exchange, the client against the server side, with the
// RFC 7677 example's values, and prints "ok" when both sides accepted each other, so the probe is known to work.
#include "core/auth/base64.hpp"
#include "core/auth/scram.hpp"

#include <cstdio>
#include <utility>

namespace scram = ucs::auth::scram;

int main() {
    scram::Client client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    auto first = scram::parse_client_first(client.client_first());
    if (!first) return 1;
    const auto salt = ucs::auth::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    if (!salt) return 1;
    const scram::ServerExchange server(std::move(*first), scram::make_verifier("pencil", *salt),
                                       "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    const auto client_final = client.client_final(server.server_first());
    if (!client_final) return 1;
    const auto server_final = server.verify_client_final(*client_final);
    if (!server_final || client.verify_server_final(*server_final)) return 1;
    std::puts("ok");
    return 0;
}
