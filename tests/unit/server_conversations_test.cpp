// Golden conversations with the server engine (tests/vectors/conversations/server/): frames in,
// frames out, replayed natively and as wasm under node.
#include "support/conversation.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

using ucs::test::ConversationPlayer;

namespace {

// Each transcript has its case below; a new file must get one too.
const std::set<std::string> transcripts{"queue_call.txt", "attended_transfer.txt", "refusals.txt"};

void replay(const std::string& file) {
    REQUIRE(transcripts.contains(file));
    ConversationPlayer("conversations/server/" + file).play();
}

}  // namespace

TEST_CASE("golden: sso login, pairing, a queue call answered and hung up, wrap-up, READY again",
          "[engine][conversation]") {
    replay("queue_call.txt");
}

TEST_CASE("golden: an attended transfer whose consultation events carry consultation_of", "[engine][conversation]") {
    replay("attended_transfer.txt");
}

TEST_CASE("golden: what the rules refuse gets its documented code and changes nothing", "[engine][conversation]") {
    replay("refusals.txt");
}

TEST_CASE("every transcript under conversations/server is replayed by a case here", "[engine][conversation]") {
    std::set<std::string> on_disk;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(UCS_TEST_VECTORS_DIR) + "/conversations/server"))
        if (entry.path().extension() == ".txt") on_disk.insert(entry.path().filename().string());
    CHECK(on_disk == transcripts);
}
