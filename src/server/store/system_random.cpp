#include "server/store/system_random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace ucs::server {

std::string SystemRandom::bytes(std::size_t count) {
    std::string out(count, '\0');
    // RAND_bytes takes an int length: fill in chunks.
    for (std::size_t done = 0; done < count;) {
        const std::size_t chunk = std::min<std::size_t>(count - done, INT_MAX);
        if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) != 1) {
            throw std::runtime_error("OpenSSL RAND_bytes failed");
        }
        done += chunk;
    }
    return out;
}

}  // namespace ucs::server
