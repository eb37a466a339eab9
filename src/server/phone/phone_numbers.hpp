#pragma once
// PhoneNumbers on Google's libphonenumber. Kept free of libphonenumber's headers (protobuf, abseil):
// only phone_numbers.cpp sees them.

#include "server/engine/engine.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ucs::server {

// Numbers written as people dial them in the default region ("601 234 567", "00420 601 234 567")
// or internationally ("+1 650 253 0000") become E.164 ("+420601234567"). Anything that is not a
// valid number of its country has no E.164 form: internal extensions ("101"), short codes, text.
class LibPhoneNumbers final : public PhoneNumbers {
public:
    // `default_region` is a CLDR region code ("CZ"); throws std::invalid_argument for one that
    // libphonenumber does not know, since every national number would then fail to normalise.
    explicit LibPhoneNumbers(std::string default_region);

    [[nodiscard]] std::optional<std::string> to_e164(std::string_view number) const override;

private:
    std::string region_;
};

}  // namespace ucs::server
