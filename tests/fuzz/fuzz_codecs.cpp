// libFuzzer: the JSON codecs of the model (src/core/model.hpp) every frame goes through: Call, User,
// Queue, Device, AgentState, ReadyState, HistoryEntry. The first input byte picks the type, the rest
// is the JSON text. Oracles: no sanitizer report, no exception, and a value that parses writes JSON
// that parses back to the same JSON (the codec is a fixed point after one round).
#include "core/json.hpp"
#include "core/model.hpp"
#include "fuzz_support.hpp"

namespace {

template <class T>
void round_trip(std::string_view text) {
    const auto parsed = ucs::from_json_text<T>(text);
    if (!parsed) {
        ucs::fuzz::require(!parsed.error().message().empty(), "a parse error says what is wrong", text);
        return;
    }
    const std::string once = ucs::to_json_text(*parsed);
    ucs::fuzz::require_json(once, "a codec's output");
    const auto again = ucs::from_json_text<T>(once);
    ucs::fuzz::require(again.has_value(), "a codec's output parses back", once);
    ucs::fuzz::require(ucs::to_json_text(*again) == once, "a codec round trip is stable", once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 7) {
        case 0:
            round_trip<ucs::Call>(text);
            break;
        case 1:
            round_trip<ucs::User>(text);
            break;
        case 2:
            round_trip<ucs::Queue>(text);
            break;
        case 3:
            round_trip<ucs::Device>(text);
            break;
        case 4:
            round_trip<ucs::AgentState>(text);
            break;
        case 5:
            round_trip<ucs::ReadyState>(text);
            break;
        case 6:
            round_trip<ucs::HistoryEntry>(text);
            break;
    }
    return 0;
}
