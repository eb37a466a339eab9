#pragma once
// What a dial means: the number as the network dials it, and the campaign (outgoing queue) the
// call belongs to. ucsd's dial, transfer and blindTransfer, the sandbox API and the bar's own
// checks all take the number through dialable_number(); ucsd decides the campaign with
// campaign_of_dial(). docs/server.md ("Dialling") states both rules in prose.

#include "core/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ucs {

inline constexpr std::size_t max_dial_digits = 32;

// A number as CRMs store it, reduced to what is dialled: the visual separators people and CRMs
// write ("+420 777 000 111", "(0800) 123-456", "0800-123-456", "0800.123.456", "0800/123456", a
// no-break space) are dropped; what remains is an optional leading '+' followed by digits, or
// digits with '*' and '#' (service codes). "00420…" stays as dialled (the network treats 00 as
// the international prefix; E.164 normalisation is ucsd's, on libphonenumber). Anything else
// (letters, a '+' in the middle, nothing left) is refused with a message saying why.
Expected<std::string, std::string> dialable_number(std::string_view text);

// How a dial names its campaign (dial's `queue` argument).
enum class CampaignRequest : std::uint8_t {
    ucs_decides,  // absent or "undefined"
    direct,       // "directCall"
    queue,        // an outgoing queue id
};

struct DialCampaignInput {
    CampaignRequest request = CampaignRequest::ucs_decides;
    std::optional<int> queue;             // for CampaignRequest::queue (already checked to be the agent's)
    bool consultation = false;            // the dial consults about a held call (transfer mode)
    std::optional<int> default_campaign;  // the agent's default campaign, if one is set and not suspended
};

// The outgoing queue the call belongs to (recorded, counted as campaign talk time), or none for a
// direct call:
//  - a consultation is never a campaign call;
//  - an explicit queue is that queue, "directCall" is a direct call;
//  - "UCS decides": the agent's default campaign if they have one (set per membership, and not
//    suspended), otherwise a direct call. A plain dial('0800123456') of an agent without a default
//    campaign is therefore a plain call.
std::optional<int> campaign_of_dial(const DialCampaignInput& input);

}  // namespace ucs
