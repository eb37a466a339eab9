#include "server/phone/phone_numbers.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <set>
#include <stdexcept>
#include <utility>

namespace ucs::server {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// A process-wide singleton, created thread-safely on first use and read-only afterwards.
const PhoneNumberUtil& util() {
    return *PhoneNumberUtil::GetInstance();
}

}  // namespace

LibPhoneNumbers::LibPhoneNumbers(std::string default_region) : region_(std::move(default_region)) {
    std::set<std::string> regions;
    util().GetSupportedRegions(&regions);
    if (!regions.contains(region_)) {
        throw std::invalid_argument("unknown phone number region \"" + region_ + "\" (expected a code such as CZ)");
    }
}

std::optional<std::string> LibPhoneNumbers::to_e164(std::string_view number) const {
    PhoneNumber parsed;
    if (util().Parse(std::string(number), region_, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
    // Parse accepts any digit string of plausible length; "101" parses as +420 101, which no one can dial.
    if (!util().IsValidNumber(parsed)) return std::nullopt;
    // E.164 has no room for an extension: the normalised number would reach someone else.
    if (parsed.has_extension()) return std::nullopt;
    std::string e164;
    util().Format(parsed, PhoneNumberUtil::E164, &e164);
    return e164;
}

}  // namespace ucs::server
