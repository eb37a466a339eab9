#include "core/rules/dial.hpp"

#include <array>

namespace ucs {

namespace {

// Separators CRMs and people write inside numbers; UTF-8 ones as byte sequences.
constexpr std::array<std::string_view, 5> wide_separators{
    "\xC2\xA0",      // no-break space
    "\xE2\x80\xAF",  // narrow no-break space
    "\xE2\x80\x90",  // hyphen
    "\xE2\x80\x91",  // non-breaking hyphen
    "\xE2\x80\x93",  // en dash
};

bool ascii_separator(char c) {
    return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

}  // namespace

Expected<std::string, std::string> dialable_number(std::string_view text) {
    std::string dialled;
    bool service_code = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (ascii_separator(c)) {
            ++i;
            continue;
        }
        bool wide = false;
        for (std::string_view separator : wide_separators) {
            if (text.substr(i, separator.size()) == separator) {
                i += separator.size();
                wide = true;
                break;
            }
        }
        if (wide) continue;
        if (c == '+') {
            if (!dialled.empty()) return Unexpected(std::string("'+' may only start the number"));
        } else if (c == '*' || c == '#') {
            service_code = true;
        } else if (c < '0' || c > '9') {
            const bool printable = c > ' ' && c < 127;
            return Unexpected("not a phone number: \"" + std::string(text) + "\" has " +
                              (printable ? "'" + std::string(1, c) + "'" : std::string("a character")) +
                              " that cannot be dialled");
        }
        dialled.push_back(c);
        ++i;
    }
    const std::size_t digits = dialled.size() - (!dialled.empty() && dialled.front() == '+' ? 1 : 0);
    if (digits == 0) return Unexpected("nothing to dial in \"" + std::string(text) + "\"");
    if (service_code && dialled.front() == '+')
        return Unexpected(std::string("an international number has only digits after '+'"));
    if (digits > max_dial_digits) return Unexpected("more than " + std::to_string(max_dial_digits) + " digits");
    return dialled;
}

std::optional<int> campaign_of_dial(const DialCampaignInput& input) {
    if (input.consultation) return std::nullopt;
    switch (input.request) {
        case CampaignRequest::queue:
            return input.queue;
        case CampaignRequest::direct:
            return std::nullopt;
        case CampaignRequest::ucs_decides:
            return input.default_campaign;
    }
    return std::nullopt;
}

}  // namespace ucs
