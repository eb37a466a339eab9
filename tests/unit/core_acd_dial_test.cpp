// The ACD's offer rule and the dial rules of core/rules, and the texts of core/texts, as tables of cases.
#include "core/rules/acd.hpp"
#include "core/rules/dial.hpp"
#include "core/texts.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

ucs::OfferCandidate offerable() {
    ucs::OfferCandidate c;
    c.ready = true;
    c.phone_free = true;
    c.provisioned = true;
    c.live = true;
    return c;
}

}  // namespace

TEST_CASE("an agent READY with a free phone and a live bar is offered calls", "[rules][acd]") {
    CHECK(ucs::offer_tier(offerable(), {}, 0).tier == ucs::OfferTier::first);
}

TEST_CASE("an agent whose every bar is disconnected or frozen is skipped, a desk phone only by the queue's choice",
          "[rules][acd]") {
    ucs::OfferCandidate desk = offerable();
    desk.live = false;
    const auto skipped = ucs::offer_tier(desk, {}, 0);
    CHECK(skipped.tier == ucs::OfferTier::never);
    CHECK(skipped.why == "no live bar");
    CHECK(ucs::offer_tier(desk, ucs::QueueOfferPolicy{true}, 0).tier == ucs::OfferTier::first);

    ucs::OfferCandidate softphone = desk;
    softphone.softphone = true;
    CHECK(ucs::offer_tier(softphone, ucs::QueueOfferPolicy{true}, 0).tier == ucs::OfferTier::never);
}

TEST_CASE("not READY, a busy phone, a suspended membership or no provisioned session each skip the agent",
          "[rules][acd]") {
    auto with = [](auto change) {
        ucs::OfferCandidate c = offerable();
        change(c);
        return ucs::offer_tier(c, {}, 0).tier;
    };
    CHECK(with([](auto& c) { c.ready = false; }) == ucs::OfferTier::never);
    CHECK(with([](auto& c) { c.phone_free = false; }) == ucs::OfferTier::never);
    CHECK(with([](auto& c) { c.suspended = true; }) == ucs::OfferTier::never);
    CHECK(with([](auto& c) { c.provisioned = false; }) == ucs::OfferTier::never);
}

TEST_CASE("an agent who rejected the call is a fallback only after the back-off", "[rules][acd]") {
    ucs::OfferCandidate c = offerable();
    c.rejected_at = 1'000;
    CHECK(ucs::offer_tier(c, {}, 1'000).tier == ucs::OfferTier::never);
    CHECK(ucs::offer_tier(c, {}, 1'000 + ucs::reject_backoff_ms - 1).tier == ucs::OfferTier::never);
    CHECK(ucs::offer_tier(c, {}, 1'000 + ucs::reject_backoff_ms).tier == ucs::OfferTier::fallback);
    CHECK(ucs::reoffer_after(1'000) == 1'000 + ucs::reject_backoff_ms);
    CHECK(ucs::reject_backoff_ms >= 1'000);  // never "again within a second"
}

TEST_CASE("numbers as CRMs write them become the digits that are dialled", "[rules][dial]") {
    const std::pair<const char*, const char*> cases[] = {
        {"+420 777 000 111", "+420777000111"},
        {"(0800) 123-456", "0800123456"},
        {"0800-123-456", "0800123456"},
        {"00420 777 000 111", "00420777000111"},
        {"0800.123.456", "0800123456"},
        {"0800/123 456", "0800123456"},
        {"601\xC2\xA0"
         "234\xE2\x80\x93"
         "567",
         "601234567"},  // no-break space and en dash
        {"102", "102"},
        {"*21#", "*21#"},
        {" 601234567 ", "601234567"},
    };
    for (const auto& [written, dialled] : cases) {
        INFO(written);
        auto number = ucs::dialable_number(written);
        REQUIRE(number.has_value());
        CHECK(*number == dialled);
    }
}

TEST_CASE("strings with nothing dialable, letters or a misplaced plus are refused saying why", "[rules][dial]") {
    const std::pair<const char*, const char*> cases[] = {
        {"", "nothing to dial"},
        {" - ( ) ", "nothing to dial"},
        {"+", "nothing to dial"},
        {"call 601234567", "'c'"},
        {"601+234", "'+' may only start"},
        {"+420*1", "only digits after '+'"},
        {"1234567890123456789012345678901234", "more than 32 digits"},
        {"601\xE2\x82\xAC", "a character"},  // a euro sign
    };
    for (const auto& [written, why] : cases) {
        INFO(written);
        auto number = ucs::dialable_number(written);
        REQUIRE_FALSE(number.has_value());
        CHECK(number.error().find(why) != std::string::npos);
    }
}

TEST_CASE("a dial belongs to a campaign only when named or the agent's default, never as a consultation",
          "[rules][dial]") {
    using ucs::CampaignRequest;
    using ucs::DialCampaignInput;
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::ucs_decides, std::nullopt, false, std::nullopt}) ==
          std::nullopt);
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::ucs_decides, std::nullopt, false, 3}) == 3);
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::direct, std::nullopt, false, 3}) == std::nullopt);
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::queue, 5, false, 3}) == 5);
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::queue, 5, true, 3}) == std::nullopt);
    CHECK(ucs::campaign_of_dial(DialCampaignInput{CampaignRequest::ucs_decides, std::nullopt, true, 3}) ==
          std::nullopt);
}

// ---- texts (core/texts.hpp) ----------------------------------------------------------------------

TEST_CASE("every text an agent reads exists in English and Czech with its placeholders", "[rules][texts]") {
    const std::string_view codes[] = {
        ucs::texts::waiting_callers,       ucs::texts::waiting_callers_title, ucs::texts::bad_identifier,
        ucs::texts::device_in_use,         ucs::texts::session_ended,         ucs::texts::logged_in_elsewhere,
        ucs::texts::login_bad_credentials, ucs::texts::login_rate_limited,    ucs::texts::login_sso_refused};
    for (std::string_view code : codes) {
        for (std::string_view lang : ucs::texts::languages) {
            INFO(code << " " << lang);
            auto text = ucs::texts::render(code, lang, boost::json::object{{"n", 2}, {"identifier", "cisco"}});
            REQUIRE(text.has_value());
            CHECK_FALSE(text->empty());
            CHECK(text->find('{') == std::string::npos);
        }
        CHECK(ucs::texts::render(code, "cs") != ucs::texts::render(code, "en"));
    }
    CHECK_FALSE(ucs::texts::render("NO_SUCH_TEXT", "en").has_value());
    CHECK(ucs::texts::render(ucs::texts::bad_identifier, "de", boost::json::object{{"identifier", "x"}}) ==
          "Bad identifier: x");
}

TEST_CASE("Czech and English plurals pick their form by the count", "[rules][texts]") {
    auto waiting = [](std::string_view lang, int n) {
        return *ucs::texts::render(ucs::texts::waiting_callers, lang, boost::json::object{{"n", n}});
    };
    CHECK(waiting("en", 1) == "1 caller is waiting in your queues");
    CHECK(waiting("en", 2) == "2 callers are waiting in your queues");
    CHECK(waiting("cs", 1) == "Ve vašich frontách čeká 1 volající");
    CHECK(waiting("cs", 3) == "Ve vašich frontách čekají 3 volající");
    CHECK(waiting("cs", 5) == "Ve vašich frontách čeká 5 volajících");
}
