#pragma once
// SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding ("n,," gs2 header), for the agent
// bar's login: the client side runs in the browser (wasm), the server side in ucsd. The password
// never crosses the wire and the server keeps only a salted verifier; the server proves it knows
// the verifier with its final message.
//
// Built on digest.hpp (low-level SHA-256, own HMAC and PBKDF2) so the wasm bundle stays small.

#include "core/expected.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ucs::auth::scram {

inline constexpr int default_iterations = 4096;
// A client computes PBKDF2 in the browser's main thread: a hostile server must not make it hang.
inline constexpr int max_iterations = 1'000'000;

enum class Error {
    malformed,        // a message that does not follow RFC 5802's grammar
    nonce_mismatch,   // the server's nonce does not extend the client's
    bad_proof,        // the client proved the wrong password
    bad_server_signature,  // the server does not know the verifier
    weak_iterations,  // the server asked for fewer iterations than the client accepts
    excessive_iterations,  // the server asked for so many that hashing would freeze the page
};

const char* to_string(Error error);

// What the server stores instead of the password. All byte strings are raw bytes.
struct Verifier {
    std::string salt;
    int iterations = default_iterations;
    std::string stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
    std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// PBKDF2-HMAC-SHA-256 with a 32-byte output (RFC 5802's Hi()).
std::string salted_password(std::string_view password, std::string_view salt, int iterations);
Verifier make_verifier(std::string_view password, std::string_view salt, int iterations = default_iterations);

// RFC 5802 saslname escaping: ',' -> "=2C", '=' -> "=3D"; unescape refuses other '=' sequences.
std::string escape_username(std::string_view username);
std::optional<std::string> unescape_username(std::string_view saslname);

// The client's side of one exchange.
class Client {
public:
    // `nonce` must be printable ASCII without ',' (the caller draws it from a CSPRNG and encodes it).
    Client(std::string username, std::string password, std::string nonce, int min_iterations = default_iterations);

    // "n,,n=<user>,r=<nonce>"
    [[nodiscard]] std::string client_first() const;
    // Takes "r=<nonce>,s=<salt b64>,i=<n>", returns "c=biws,r=<nonce>,p=<proof b64>".
    Expected<std::string, Error> client_final(std::string_view server_first);
    // Takes "v=<signature b64>"; nullopt when the server proved it knows the verifier.
    [[nodiscard]] std::optional<Error> verify_server_final(std::string_view server_final) const;

private:
    std::string username_;
    std::string password_;
    std::string nonce_;
    int min_iterations_;
    std::string client_first_bare_;
    std::string expected_server_signature_;  // raw bytes, known after client_final()
};

// The client's first message as the server reads it.
struct ClientFirst {
    std::string username;  // unescaped
    std::string nonce;
    std::string bare;  // "n=<user>,r=<nonce>", needed for the AuthMessage
};
Expected<ClientFirst, Error> parse_client_first(std::string_view message);

// The server's side of one exchange, for a user whose verifier it holds. For an unknown user the
// caller passes a made-up verifier derived from the username, so the exchange fails only at the
// proof and does not reveal which usernames exist.
class ServerExchange {
public:
    // `server_nonce` is appended to the client's nonce (printable ASCII without ',').
    ServerExchange(ClientFirst client_first, Verifier verifier, std::string_view server_nonce);

    // "r=<client nonce + server nonce>,s=<salt b64>,i=<iterations>"
    [[nodiscard]] const std::string& server_first() const { return server_first_; }
    // Takes "c=biws,r=...,p=..."; returns "v=<server signature b64>" when the proof is right.
    Expected<std::string, Error> verify_client_final(std::string_view client_final) const;

private:
    ClientFirst client_first_;
    Verifier verifier_;
    std::string combined_nonce_;
    std::string server_first_;
};

}  // namespace ucs::auth::scram
