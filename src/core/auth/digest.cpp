// The low-level digest calls are deprecated in OpenSSL 3 in favour of EVP; we keep them on purpose
// for the wasm size (see digest.hpp).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

namespace ucs::auth {

struct Sha1::State {
    SHA_CTX ctx;
};

Sha1::Sha1() : state_(std::make_unique<State>()) { SHA1_Init(&state_->ctx); }
Sha1::~Sha1() { OPENSSL_cleanse(&state_->ctx, sizeof(state_->ctx)); }
void Sha1::update(std::string_view bytes) { SHA1_Update(&state_->ctx, bytes.data(), bytes.size()); }
Sha1Digest Sha1::finish() {
    Sha1Digest out{};
    SHA1_Final(out.data(), &state_->ctx);
    return out;
}

struct Sha256::State {
    SHA256_CTX ctx;
};

Sha256::Sha256() : state_(std::make_unique<State>()) { SHA256_Init(&state_->ctx); }
Sha256::~Sha256() { OPENSSL_cleanse(&state_->ctx, sizeof(state_->ctx)); }
void Sha256::update(std::string_view bytes) { SHA256_Update(&state_->ctx, bytes.data(), bytes.size()); }
Sha256Digest Sha256::finish() {
    Sha256Digest out{};
    SHA256_Final(out.data(), &state_->ctx);
    return out;
}

Sha256Digest sha256(std::string_view bytes) {
    Sha256 hash;
    hash.update(bytes);
    return hash.finish();
}

// RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), block size 64. The state keeps both hashes with
// their pad block already absorbed; mac() continues copies of them.
struct HmacSha256::State {
    SHA256_CTX inner;
    SHA256_CTX outer;
};

HmacSha256::HmacSha256(std::string_view key) : state_(std::make_unique<State>()) {
    constexpr std::size_t block_size = 64;
    std::array<std::uint8_t, block_size> block{};
    if (key.size() > block_size) {
        const Sha256Digest hashed_key = sha256(key);
        std::copy(hashed_key.begin(), hashed_key.end(), block.begin());
    } else {
        std::copy(key.begin(), key.end(), block.begin());
    }
    std::array<std::uint8_t, block_size> pad{};
    for (std::size_t i = 0; i < block_size; ++i) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&state_->inner);
    SHA256_Update(&state_->inner, pad.data(), pad.size());
    for (std::size_t i = 0; i < block_size; ++i) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&state_->outer);
    SHA256_Update(&state_->outer, pad.data(), pad.size());
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha256::~HmacSha256() { OPENSSL_cleanse(state_.get(), sizeof(State)); }

Sha256Digest HmacSha256::mac(std::string_view message) const {
    State running = *state_;
    Sha256Digest inner_digest{};
    SHA256_Update(&running.inner, message.data(), message.size());
    SHA256_Final(inner_digest.data(), &running.inner);
    Sha256Digest out{};
    SHA256_Update(&running.outer, inner_digest.data(), inner_digest.size());
    SHA256_Final(out.data(), &running.outer);
    OPENSSL_cleanse(&running, sizeof(running));
    OPENSSL_cleanse(inner_digest.data(), inner_digest.size());
    return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) { return HmacSha256(key).mac(message); }

}  // namespace ucs::auth
