#pragma once
// The deterministic stand-ins ucsd's engine takes in tests and fuzz targets (no Catch2 here, so the
// fuzz targets can include it): reproducible "randomness" and a small E.164 normaliser.

#include "server/engine/engine.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ucs::test {

// Deterministic "randomness": reproducible transcripts. A linear congruential generator from `seed`.
class CountingRandom final : public server::Random {
public:
    explicit CountingRandom(std::uint64_t seed = 42) : state_(seed) {}

    std::string bytes(std::size_t count) override {
        std::string out(count, '\0');
        for (char& c : out) c = static_cast<char>((state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
        return out;
    }

private:
    std::uint64_t state_;
};

// E.164 for tests: 9 national digits get +420, numbers with + stay, anything else has no E.164 form.
// (The real normaliser, on libphonenumber, has its own tests.)
class SimplePhoneNumbers final : public server::PhoneNumbers {
public:
    std::optional<std::string> to_e164(std::string_view number) const override {
        if (number.size() == 9 && number.find_first_not_of("0123456789") == std::string_view::npos) return "+420" + std::string(number);
        if (number.size() > 8 && number.front() == '+') return std::string(number);
        return std::nullopt;
    }
};

}  // namespace ucs::test
