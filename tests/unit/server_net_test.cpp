// ucsd's network shell, the parts that need no socket: the per-address connection cap, the
// abuse-limit flags, and the frames held until the store has made what they acknowledge durable. (The refusal on a real socket is in tests/protocol/test_http.py.)
#include "server/net/connection_limits.hpp"
#include "server/net/held_frames.hpp"
#include "server/net/options.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using ucs::server::net::ConnectionLimits;
using ucs::server::net::ConnectionSlot;
using ucs::server::net::parse_options;

TEST_CASE("connections over the per-address cap are refused and a closed one frees its place", "[net][limits]") {
    ConnectionLimits limits(3);
    std::vector<ConnectionSlot> office;
    for (int i = 0; i < 3; ++i) {
        auto slot = limits.acquire("192.0.2.1");
        REQUIRE(slot);
        office.push_back(std::move(*slot));
    }
    CHECK_FALSE(limits.acquire("192.0.2.1"));
    CHECK(limits.open_from("192.0.2.1") == 3);
    CHECK(limits.acquire("192.0.2.2"));  // another address is not affected
    office.pop_back();
    CHECK(limits.open_from("192.0.2.1") == 2);
    auto again = limits.acquire("192.0.2.1");
    CHECK(again);
    CHECK(limits.open_from("192.0.2.2") == 0);  // its slot went out of scope above
}

TEST_CASE("a moved connection slot is released once, and a slot may outlive its limits", "[net][limits]") {
    std::optional<ConnectionSlot> kept;
    {
        ConnectionLimits limits(1);
        auto slot = limits.acquire("a");
        REQUIRE(slot);
        ConnectionSlot moved = std::move(*slot);  // the upgrade to WebSocket hands it on
        slot.reset();
        CHECK(limits.open_from("a") == 1);
        ConnectionSlot assigned;
        assigned = std::move(moved);
        CHECK(limits.open_from("a") == 1);
        kept.emplace(std::move(assigned));
    }
    kept.reset();  // ASan would report a use after free here if the slot pointed into the limits
    SUCCEED("released after its ConnectionLimits");
}

TEST_CASE("at the total cap every address is refused and says full, and one closed connection lets the next in", "[net][limits]") {
    ConnectionLimits limits(2, 3);  // 2 per address, 3 in all
    std::vector<ConnectionSlot> open;
    for (const char* address : {"192.0.2.1", "192.0.2.1", "192.0.2.2"}) {
        auto slot = limits.acquire(address);
        REQUIRE(slot);
        open.push_back(std::move(*slot));
    }
    CHECK(limits.full());
    CHECK(limits.open_total() == 3);
    CHECK_FALSE(limits.acquire("192.0.2.3"));  // a new address too: ucsd holds all it can
    open.pop_back();
    CHECK_FALSE(limits.full());
    CHECK_FALSE(limits.acquire("192.0.2.1"));  // not full, but this address has its two
    CHECK_FALSE(limits.full());
    CHECK(limits.acquire("192.0.2.3"));
}

TEST_CASE("a cap of 0 lets every connection through", "[net][limits]") {
    ConnectionLimits limits(0);
    std::vector<ConnectionSlot> many;
    for (int i = 0; i < 1000; ++i) many.push_back(std::move(*limits.acquire("a")));
    CHECK(limits.open_from("a") == 1000);
}

TEST_CASE("the abuse limits are flags with documented defaults and clear errors", "[net][options]") {
    const auto defaults = parse_options({});
    REQUIRE(defaults);
    CHECK(defaults->max_connections_per_address == 256);
    CHECK(defaults->max_failed_logins_per_user == 5);
    CHECK(defaults->max_failed_logins_per_address == 20);
    CHECK(defaults->failed_login_window_seconds == 300);

    const auto set = parse_options({"--max-connections-per-address", "0", "--max-failed-logins-per-user=3",
                                    "--max-failed-logins-per-address", "100", "--failed-login-window=60"});
    REQUIRE(set);
    CHECK(set->max_connections_per_address == 0);
    CHECK(set->max_failed_logins_per_user == 3);
    CHECK(set->max_failed_logins_per_address == 100);
    CHECK(set->failed_login_window_seconds == 60);

    const auto negative = parse_options({"--max-connections-per-address=-1"});
    REQUIRE_FALSE(negative);
    CHECK(negative.error() == "--max-connections-per-address wants a whole number from 0 to 1000000, got \"-1\"");
    const auto zero = parse_options({"--max-failed-logins-per-user", "0"});
    REQUIRE_FALSE(zero);
    CHECK(zero.error() == "--max-failed-logins-per-user wants a whole number from 1 to 1000000, got \"0\"");
    CHECK_FALSE(parse_options({"--failed-login-window", "1e3"}));
    CHECK_FALSE(parse_options({"--failed-login-window"}));
}

// ---- frames held for the store ---------------------------------------------------------------------

namespace {

using ucs::server::net::HeldFrames;
using ucs::server::net::Release;

ucs::server::Outbound frame_to(ucs::server::ConnectionId connection, std::string text, ucs::server::StoreTicket ticket) {
    return ucs::server::Outbound{connection, ucs::server::Frame(std::move(text)), ticket};
}

// "3:hello" for a frame to connection 3, "3:close" for its close.
std::vector<std::string> described(const std::vector<Release>& releases) {
    std::vector<std::string> out;
    for (const Release& r : releases)
        out.push_back(std::to_string(r.connection) + ":" + (r.frame ? r.frame->text() : std::string("close")));
    return out;
}

}  // namespace

TEST_CASE("a hangup is not released before its ticket is durable", "[net][store]") {
    HeldFrames held;
    ucs::server::Output out;
    out.frames.push_back(frame_to(1, "hangup", 5));
    CHECK(held.admit(out).empty());
    CHECK(held.held() == 1);
    CHECK(held.durable(4).empty());  // an earlier commit is not enough
    CHECK(described(held.durable(5)) == std::vector<std::string>{"1:hangup"});
    CHECK(held.held() == 0);
}

TEST_CASE("frames behind a held frame keep their order, a close included, and wait with it", "[net][store]") {
    HeldFrames held;
    ucs::server::Output out;
    out.frames.push_back(frame_to(1, "before", 0));
    out.frames.push_back(frame_to(1, "hangup", 7));
    out.frames.push_back(frame_to(1, "status", 0));  // nothing to wait for of its own
    out.frames.push_back(frame_to(2, "other", 0));   // another connection is not held up
    out.closes.push_back(1);
    CHECK(described(held.admit(out)) == std::vector<std::string>{"1:before", "2:other"});

    ucs::server::Output later;
    later.frames.push_back(frame_to(1, "reply", 0));
    CHECK(held.admit(later).empty());
    CHECK(described(held.durable(9)) == std::vector<std::string>{"1:hangup", "1:status", "1:close", "1:reply"});
    // Once released, the connection's frames go straight out again.
    ucs::server::Output after;
    after.frames.push_back(frame_to(1, "next", 8));
    CHECK(described(held.admit(after)) == std::vector<std::string>{"1:next"});
}

TEST_CASE("a durable report releases each connection up to its first frame still waiting", "[net][store]") {
    HeldFrames held;
    ucs::server::Output out;
    out.frames.push_back(frame_to(1, "a1", 3));
    out.frames.push_back(frame_to(2, "b1", 4));
    out.frames.push_back(frame_to(1, "a2", 6));
    out.frames.push_back(frame_to(2, "b2", 0));
    CHECK(held.admit(out).empty());
    CHECK(described(held.durable(4)) == std::vector<std::string>{"1:a1", "2:b1", "2:b2"});
    CHECK(held.held() == 1);
    CHECK(held.durable(3).empty());  // reports never go backwards
    CHECK(described(held.durable(6)) == std::vector<std::string>{"1:a2"});
}

TEST_CASE("what a closed connection still held is dropped", "[net][store]") {
    HeldFrames held;
    ucs::server::Output out;
    out.frames.push_back(frame_to(1, "hangup", 2));
    CHECK(held.admit(out).empty());
    held.forget(1);
    CHECK(held.held() == 0);
    CHECK(held.durable(2).empty());
}
