// libFuzzer: SCRAM-SHA-256 messages (RFC 5802) from a hostile peer, both ways. The first input byte
// picks the side: the server reading client-first, the server reading client-final (after a real
// client-first), or the bar reading server-first and server-final. Server-firsts asking for more than
// 4096 iterations are skipped: the bar accepts up to a million (scram.hpp), and all such an input
// adds is hashing time, which would stall the run.
// Oracles: no sanitizer report, no exception; a wrong proof is never accepted.
#include "core/auth/scram.hpp"
#include "fuzz_support.hpp"

namespace scram = ucs::auth::scram;

namespace {

const scram::Verifier& verifier() {
    static const scram::Verifier v = scram::make_verifier("demo", "salt-for-fuzzing", 2);
    return v;
}

bool asks_many_iterations(std::string_view message) {
    for (std::size_t at = message.find("i="); at != std::string_view::npos; at = message.find("i=", at + 1)) {
        std::size_t digits = at + 2;
        while (digits < message.size() && message[digits] == '0') ++digits;  // leading zeros
        std::size_t end = digits;
        while (end < message.size() && message[end] >= '0' && message[end] <= '9') ++end;
        if (end - digits > 4 || (end > digits && std::stoi(std::string(message.substr(digits, end - digits))) > 4096))
            return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view message(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0: {
            const auto first = scram::parse_client_first(message);
            if (first) {
                ucs::fuzz::require(first->bare.find("r=" + first->nonce) != std::string::npos,
                                   "client-first's bare part holds its nonce", message);
            }
            break;
        }
        case 1: {
            auto first = scram::parse_client_first("n,,n=agent1,r=fuzznonce");
            ucs::fuzz::require(first.has_value(), "a well-formed client-first parses");
            scram::ServerExchange exchange(std::move(first).value(), verifier(), "servernonce");
            const auto final = exchange.verify_client_final(message);
            // Only the password "demo" can prove; the fuzzer does not know the keys' bytes.
            ucs::fuzz::require(!final.has_value(), "a fuzzed client-final is accepted as a proof", message);
            break;
        }
        case 2: {
            if (asks_many_iterations(message)) return 0;
            const std::size_t split = message.find('\n');
            scram::Client client("agent1", "demo", "fuzznonce", 2);
            const auto client_final = client.client_final(message.substr(0, split));
            if (client_final && split != std::string_view::npos)
                (void)client.verify_server_final(message.substr(split + 1));
            break;
        }
    }
    return 0;
}
