// Who hears what on ucsd's media bridge, per call situation: the routes follow the calls.
#include "media/bridge_routes.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace {

using ucs::media::BridgeLeg;
using ucs::media::Endpoint;
using ucs::media::LegState;
using ucs::media::Side;
using ucs::media::Source;
using ucs::media::SourceKind;

const Endpoint caller{"trunk:+420777123456", true};
const Endpoint agent_a{"line:201", false};
const Endpoint agent_b{"line:202", false};

BridgeLeg leg(std::string uniqueid, Endpoint from, std::optional<Endpoint> to, LegState state) {
    BridgeLeg l;
    l.uniqueid = std::move(uniqueid);
    l.caller = std::move(from);
    l.callee = std::move(to);
    l.state = state;
    return l;
}

Source hears(const Endpoint& who, const std::string& call) { return {SourceKind::endpoint, who, call}; }
Source music(const std::string& call) { return {SourceKind::music_on_hold, std::nullopt, call}; }
Source silence(const std::string& call) { return {SourceKind::silence, std::nullopt, call}; }

}  // namespace

TEST_CASE("a caller waiting in a queue hears music on hold", "[media][bridge]") {
    const std::vector legs{leg("1.1", caller, std::nullopt, LegState::waiting)};
    const auto heard = ucs::media::who_hears_what(legs);
    REQUIRE(heard.size() == 1);
    CHECK(heard.at(caller) == music("1.1"));
}

TEST_CASE("a simulated caller hears ringback while an agent's softphone rings, the softphone hears nothing", "[media][bridge]") {
    const std::vector legs{leg("1.1", caller, agent_a, LegState::ringing)};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller).kind == SourceKind::ringback);
    CHECK(heard.at(agent_a) == silence("1.1"));
}

TEST_CASE("an agent's own outgoing call rings without network ringback: the bar plays its own", "[media][bridge]") {
    const std::vector legs{leg("1.2", agent_a, Endpoint{"trunk:+420601234567", true}, LegState::ringing)};
    CHECK(ucs::media::who_hears_what(legs).at(agent_a) == silence("1.2"));
}

TEST_CASE("in a connected call each end hears the other, agent with caller and agent with agent", "[media][bridge]") {
    const std::vector legs{leg("1.1", caller, agent_a, LegState::talking), leg("1.3", agent_b, Endpoint{"line:203"}, LegState::talking)};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == hears(agent_a, "1.1"));
    CHECK(heard.at(agent_a) == hears(caller, "1.1"));
    CHECK(heard.at(agent_b) == hears(Endpoint{"line:203"}, "1.3"));
    CHECK(heard.at(Endpoint{"line:203"}) == hears(agent_b, "1.3"));
}

TEST_CASE("a muted end is heard as silence by the other end, and still hears", "[media][bridge]") {
    BridgeLeg call = leg("1.1", caller, agent_a, LegState::talking);
    call.callee_muted = true;  // the agent pressed mute
    const std::vector legs{call};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == silence("1.1"));
    CHECK(heard.at(agent_a) == hears(caller, "1.1"));
}

TEST_CASE("hold: the held caller hears music, the agent who held hears silence", "[media][bridge]") {
    BridgeLeg call = leg("1.1", caller, agent_a, LegState::held);
    call.held_by = Side::callee;
    const std::vector legs{call};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == music("1.1"));
    CHECK(heard.at(agent_a) == silence("1.1"));
}

TEST_CASE("hold between two agents: the one who held hears silence, the other music", "[media][bridge]") {
    BridgeLeg call = leg("1.3", agent_a, agent_b, LegState::held);
    call.held_by = Side::caller;
    const std::vector legs{call};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(agent_a) == silence("1.3"));
    CHECK(heard.at(agent_b) == music("1.3"));
}

TEST_CASE("consultation: the agent talks with the target while the caller on hold hears music", "[media][bridge]") {
    BridgeLeg held = leg("1.1", caller, agent_a, LegState::held);
    held.held_by = Side::callee;
    const std::vector legs{held, leg("1.4", agent_a, agent_b, LegState::talking)};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == music("1.1"));
    CHECK(heard.at(agent_a) == hears(agent_b, "1.4"));
    CHECK(heard.at(agent_b) == hears(agent_a, "1.4"));
}

TEST_CASE("consultation order does not matter: the talking call wins whichever comes first", "[media][bridge]") {
    BridgeLeg held = leg("1.5", caller, agent_a, LegState::held);
    held.held_by = Side::callee;
    const std::vector legs{leg("1.4", agent_a, agent_b, LegState::talking), held};
    CHECK(ucs::media::who_hears_what(legs).at(agent_a) == hears(agent_b, "1.4"));
}

TEST_CASE("while the consultation target still rings, the consulting agent hears nothing and the caller music", "[media][bridge]") {
    BridgeLeg held = leg("1.1", caller, agent_a, LegState::held);
    held.held_by = Side::callee;
    const std::vector legs{held, leg("1.4", agent_a, agent_b, LegState::ringing)};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == music("1.1"));
    CHECK(heard.at(agent_a) == silence("1.4"));
    CHECK(heard.at(agent_b) == silence("1.4"));
}

TEST_CASE("after finishTransfer the caller and the target hear each other and the transferring agent is out", "[media][bridge]") {
    // The engine ends the consultation and joins the caller's call to the target.
    const std::vector legs{leg("1.1", caller, agent_b, LegState::talking), leg("1.4", agent_a, agent_b, LegState::ended)};
    const auto heard = ucs::media::who_hears_what(legs);
    CHECK(heard.at(caller) == hears(agent_b, "1.1"));
    CHECK(heard.at(agent_b) == hears(caller, "1.1"));
    CHECK_FALSE(heard.contains(agent_a));
}

TEST_CASE("a blind transfer rings the new agent: the caller hears ringback, then the new agent once answered", "[media][bridge]") {
    std::vector legs{leg("1.1", caller, agent_b, LegState::ringing)};
    CHECK(ucs::media::who_hears_what(legs).at(caller).kind == SourceKind::ringback);
    CHECK_FALSE(ucs::media::who_hears_what(legs).contains(agent_a));
    legs[0].state = LegState::talking;
    CHECK(ucs::media::who_hears_what(legs).at(caller) == hears(agent_b, "1.1"));
}

TEST_CASE("ended calls route nothing", "[media][bridge]") {
    const std::vector legs{leg("1.1", caller, agent_a, LegState::ended)};
    CHECK(ucs::media::who_hears_what(legs).empty());
}
