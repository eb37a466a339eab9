#include "core/auth/scram.hpp"

#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <string>
#include <utility>

// Message grammar: RFC 5802 section 7. We speak its strict subset: no channel binding, no authzid and no
// extensions, since both ends are ours; anything else is Error::malformed. SASLprep is not applied: both
// ends use this code, so a password is hashed as the same bytes on both sides.
//
// Crypto (RFC 5802 section 3):
//   SaltedPassword  = Hi(password, salt, i)               (PBKDF2-HMAC-SHA-256, 32 bytes)
//   ClientKey       = HMAC(SaltedPassword, "Client Key")
//   StoredKey       = H(ClientKey)
//   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
//   ClientSignature = HMAC(StoredKey, AuthMessage)
//   ClientProof     = ClientKey XOR ClientSignature
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   ServerSignature = HMAC(ServerKey, AuthMessage)

namespace ucs::auth::scram {

namespace {

// "n,,": no channel binding support, no authzid. "c=biws" is its base64, echoed in the client's final message.
constexpr std::string_view gs2_header = "n,,";
constexpr std::string_view channel_binding = "biws";

// Wipes a secret temporary when it goes out of scope, whichever way the function returns.
template <class Bytes>
class Wiped {
public:
    explicit Wiped(Bytes bytes) : bytes_(std::move(bytes)) {}
    ~Wiped() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
    Wiped(const Wiped&) = delete;
    Wiped& operator=(const Wiped&) = delete;
    const Bytes& operator*() const { return bytes_; }
    [[nodiscard]] std::string_view view() const {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }

private:
    Bytes bytes_;
};

// Reads "x=value" attributes one by one in the order the grammar fixes; values never contain ','.
class AttributeReader {
public:
    explicit AttributeReader(std::string_view message) : rest_(message) {}

    // The next attribute's value if that attribute is `name`; nullopt for anything else or at the end.
    std::optional<std::string_view> next(char name) {
        if (finished_ || rest_.size() < 2 || rest_[0] != name || rest_[1] != '=') return std::nullopt;
        const std::size_t comma = rest_.find(',', 2);
        if (comma == std::string_view::npos) {
            finished_ = true;
            return rest_.substr(2);
        }
        const std::string_view value = rest_.substr(2, comma - 2);
        rest_.remove_prefix(comma + 1);
        return value;
    }

    // True once the last attribute has been read and nothing (not even a trailing ',') follows it.
    [[nodiscard]] bool finished() const { return finished_; }

private:
    std::string_view rest_;
    bool finished_ = false;
};

// RFC 5802's "printable": %x21-2B / %x2D-7E, at least one of them.
bool is_valid_nonce(std::string_view nonce) {
    if (nonce.empty()) return false;
    for (const char c : nonce) {
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    }
    return true;
}

// RFC 5802's "posit-number" (%x31-39 *DIGIT), refused when it does not fit an int.
std::optional<int> parse_iteration_count(std::string_view text) {
    if (text.empty() || text[0] < '1' || text[0] > '9') return std::nullopt;
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const int digit = c - '0';
        if (value > (INT_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

Sha256Digest xor_bytes(const Sha256Digest& a, const Sha256Digest& b) {
    Sha256Digest out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
    return out;
}

Sha256Digest to_digest(std::string_view bytes) {
    assert(bytes.size() == sha256_digest_size);
    Sha256Digest out{};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

// Constant-time comparison of secrets; different sizes are simply unequal.
bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

const char* to_string(Error error) {
    switch (error) {
        case Error::malformed:
            return "malformed SCRAM message";
        case Error::nonce_mismatch:
            return "SCRAM nonce does not match";
        case Error::bad_proof:
            return "wrong password";
        case Error::bad_server_signature:
            return "the server did not prove it knows the password";
        case Error::weak_iterations:
            return "the server asked for too few SCRAM iterations";
        case Error::excessive_iterations:
            return "the server asked for too many SCRAM iterations";
    }
    return "unknown SCRAM error";
}

// RFC 8018 PBKDF2 with dkLen = hLen = 32: a single block T_1 = U_1 ^ ... ^ U_c, U_1 = PRF(P, S || INT(1)).
std::string salted_password(std::string_view password, std::string_view salt, int iterations) {
    assert(iterations >= 1);  // fewer runs U_1 alone, like a count of 1
    const HmacSha256 prf(password);
    std::string first_input(salt);
    first_input.append("\0\0\0\1", 4);  // INT(1), big-endian
    Sha256Digest u = prf.mac(first_input);
    Sha256Digest result = u;
    for (int i = 1; i < iterations; ++i) {
        u = prf.mac(as_bytes(u));
        for (std::size_t k = 0; k < result.size(); ++k) result[k] ^= u[k];
    }
    std::string out(as_bytes(result));
    OPENSSL_cleanse(u.data(), u.size());
    OPENSSL_cleanse(result.data(), result.size());
    return out;
}

Verifier make_verifier(std::string_view password, std::string_view salt, int iterations) {
    const Wiped<std::string> salted(salted_password(password, salt, iterations));
    const Wiped<Sha256Digest> client_key(hmac_sha256(*salted, "Client Key"));
    Verifier verifier;
    verifier.salt = std::string(salt);
    verifier.iterations = iterations;
    verifier.stored_key = std::string(as_bytes(sha256(client_key.view())));
    verifier.server_key = std::string(as_bytes(hmac_sha256(*salted, "Server Key")));
    return verifier;
}

std::string escape_username(std::string_view username) {
    std::string out;
    out.reserve(username.size());
    for (const char c : username) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

// RFC 5802's "saslname": 1*(value-safe-char / "=2C" / "=3D"); value-safe-char excludes NUL, ',' and '='.
std::optional<std::string> unescape_username(std::string_view saslname) {
    if (saslname.empty()) return std::nullopt;
    std::string out;
    out.reserve(saslname.size());
    for (std::size_t i = 0; i < saslname.size(); ++i) {
        const char c = saslname[i];
        if (c == '\0' || c == ',') return std::nullopt;
        if (c != '=') {
            out += c;
            continue;
        }
        const std::string_view escape = saslname.substr(i + 1, 2);
        if (escape == "2C") {
            out += ',';
        } else if (escape == "3D") {
            out += '=';
        } else {
            return std::nullopt;
        }
        i += 2;
    }
    return out;
}

// ---- client ----

Client::Client(std::string username, std::string password, std::string nonce, int min_iterations)
    : username_(std::move(username)),
      password_(std::move(password)),
      nonce_(std::move(nonce)),
      min_iterations_(min_iterations),
      client_first_bare_("n=" + escape_username(username_) + ",r=" + nonce_) {
    assert(is_valid_nonce(nonce_));
}

std::string Client::client_first() const {
    return std::string(gs2_header) + client_first_bare_;
}

Expected<std::string, Error> Client::client_final(std::string_view server_first) {
    expected_server_signature_.clear();  // a failed call leaves nothing verify_server_final() could accept

    AttributeReader reader(server_first);
    const auto nonce = reader.next('r');
    const auto salt_text = reader.next('s');
    const auto iterations_text = reader.next('i');
    if (!nonce || !salt_text || !iterations_text || !reader.finished()) return Unexpected(Error::malformed);
    if (!is_valid_nonce(*nonce)) return Unexpected(Error::malformed);
    const auto salt = base64_decode(*salt_text);
    if (!salt || salt->empty()) return Unexpected(Error::malformed);
    const auto iterations = parse_iteration_count(*iterations_text);
    if (!iterations) return Unexpected(Error::malformed);

    // The server must extend our nonce with one of its own, or the exchange could be a replay.
    if (nonce->size() <= nonce_.size() || nonce->substr(0, nonce_.size()) != nonce_) {
        return Unexpected(Error::nonce_mismatch);
    }
    // A low count would let whoever sees the exchange guess passwords cheaply.
    if (*iterations < min_iterations_) return Unexpected(Error::weak_iterations);
    if (*iterations > max_iterations) return Unexpected(Error::excessive_iterations);

    const Wiped<std::string> salted(salted_password(password_, *salt, *iterations));
    const Wiped<Sha256Digest> client_key(hmac_sha256(*salted, "Client Key"));
    const Sha256Digest stored_key = sha256(client_key.view());
    const Wiped<Sha256Digest> server_key(hmac_sha256(*salted, "Server Key"));

    const std::string without_proof = "c=" + std::string(channel_binding) + ",r=" + std::string(*nonce);
    const std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    const Sha256Digest client_signature = hmac_sha256(as_bytes(stored_key), auth_message);
    const Wiped<Sha256Digest> proof(xor_bytes(*client_key, client_signature));

    expected_server_signature_ = std::string(as_bytes(hmac_sha256(server_key.view(), auth_message)));
    return without_proof + ",p=" + base64_encode(proof.view());
}

std::optional<Error> Client::verify_server_final(std::string_view server_final) const {
    // Called before a successful client_final(): nothing has been proved.
    if (expected_server_signature_.empty()) return Error::bad_server_signature;

    AttributeReader reader(server_final);
    const auto signature_text = reader.next('v');
    if (!signature_text || !reader.finished()) return Error::malformed;
    const auto signature = base64_decode(*signature_text);
    if (!signature) return Error::malformed;
    if (!same_secret(*signature, expected_server_signature_)) return Error::bad_server_signature;
    return std::nullopt;
}

// ---- server ----

Expected<ClientFirst, Error> parse_client_first(std::string_view message) {
    // Refuses "y,," and "p=..." (channel binding) and "n,a=...," (authzid) alike.
    if (!message.starts_with(gs2_header)) return Unexpected(Error::malformed);
    const std::string_view bare = message.substr(gs2_header.size());

    AttributeReader reader(bare);
    const auto saslname = reader.next('n');  // also refuses a leading "m=" extension
    const auto nonce = reader.next('r');
    if (!saslname || !nonce || !reader.finished()) return Unexpected(Error::malformed);
    auto username = unescape_username(*saslname);
    if (!username || !is_valid_nonce(*nonce)) return Unexpected(Error::malformed);
    return ClientFirst{std::move(*username), std::string(*nonce), std::string(bare)};
}

ServerExchange::ServerExchange(ClientFirst client_first, Verifier verifier, std::string_view server_nonce)
    : client_first_(std::move(client_first)),
      verifier_(std::move(verifier)),
      combined_nonce_(client_first_.nonce + std::string(server_nonce)),
      server_first_("r=" + combined_nonce_ + ",s=" + base64_encode(verifier_.salt) +
                    ",i=" + std::to_string(verifier_.iterations)) {
    assert(is_valid_nonce(server_nonce));
}

Expected<std::string, Error> ServerExchange::verify_client_final(std::string_view client_final) const {
    AttributeReader reader(client_final);
    const auto binding = reader.next('c');
    const auto nonce = reader.next('r');
    const auto proof_text = reader.next('p');
    if (!binding || !nonce || !proof_text || !reader.finished()) return Unexpected(Error::malformed);
    if (*binding != channel_binding || !is_valid_nonce(*nonce)) return Unexpected(Error::malformed);
    const auto proof = base64_decode(*proof_text);
    if (!proof) return Unexpected(Error::malformed);
    if (*nonce != combined_nonce_) return Unexpected(Error::nonce_mismatch);
    if (proof->size() != sha256_digest_size || verifier_.stored_key.size() != sha256_digest_size) {
        return Unexpected(Error::bad_proof);
    }

    const std::string without_proof = "c=" + std::string(channel_binding) + ",r=" + combined_nonce_;
    const std::string auth_message = client_first_.bare + "," + server_first_ + "," + without_proof;
    const Sha256Digest client_signature = hmac_sha256(verifier_.stored_key, auth_message);
    // The proof hides ClientKey under ClientSignature; unmasked, it must hash to the stored key.
    const Wiped<Sha256Digest> client_key(xor_bytes(to_digest(*proof), client_signature));
    if (!same_secret(as_bytes(sha256(client_key.view())), verifier_.stored_key)) return Unexpected(Error::bad_proof);

    return "v=" + base64_encode(as_bytes(hmac_sha256(verifier_.server_key, auth_message)));
}

}  // namespace ucs::auth::scram
