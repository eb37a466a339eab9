#pragma once
// Random on OpenSSL's CSPRNG (RAND_bytes): what ucsd uses for salts, nonces and tokens. Tests
// inject a deterministic Random instead.

#include "server/engine/engine.hpp"

#include <cstddef>
#include <string>

namespace ucs::server {

class SystemRandom final : public Random {
public:
    // Throws std::runtime_error when the CSPRNG fails (not seeded): no secret may come from a weak source.
    std::string bytes(std::size_t count) override;
};

}  // namespace ucs::server
