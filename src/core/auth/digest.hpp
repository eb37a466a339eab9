#pragma once
// SHA-1, SHA-256 and HMAC-SHA-256 on OpenSSL's low-level digest API.
//
// Why not EVP or the one-shot SHA1()/HMAC(): in OpenSSL 3 those go through the provider machinery,
// which links about 1.3 MB of wasm into the browser bundle; the low-level calls link about 20 KB
// (see docs/TOOLCHAIN notes in the README and bench/size). HMAC is a few lines on top of them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace ucs::auth {

inline constexpr std::size_t sha1_digest_size = 20;
inline constexpr std::size_t sha256_digest_size = 32;
using Sha1Digest = std::array<std::uint8_t, sha1_digest_size>;
using Sha256Digest = std::array<std::uint8_t, sha256_digest_size>;

// Incremental SHA-1 (the SSO token's hash).
class Sha1 {
public:
    Sha1();
    ~Sha1();
    Sha1(const Sha1&) = delete;
    Sha1& operator=(const Sha1&) = delete;
    void update(std::string_view bytes);
    Sha1Digest finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Incremental SHA-256 (SCRAM-SHA-256).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view bytes);
    Sha256Digest finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

Sha256Digest sha256(std::string_view bytes);

// HMAC-SHA-256 under one key. The key's padded blocks are hashed once, here, so each mac() costs two
// compression rounds fewer: PBKDF2 (SCRAM's Hi()) computes thousands of MACs under one key, in the browser.
class HmacSha256 {
public:
    explicit HmacSha256(std::string_view key);
    ~HmacSha256();
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;
    [[nodiscard]] Sha256Digest mac(std::string_view message) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

inline std::string_view as_bytes(const auto& digest) {
    return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace ucs::auth
