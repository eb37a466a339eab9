// GET /recordings/{uniqueid} (docs/server.md, "Recordings"): who may hear a recording, the
// recordingUrl token a browser's <audio> carries in its URL, range requests; and the pieces they
// rest on: the capability token (core/auth), the access rule (core/rules) and range parsing.
#include "core/auth/capability.hpp"
#include "core/rules/recording.hpp"
#include "server/api/byte_range.hpp"
#include "support/engine_harness.hpp"

#include <catch2/catch.hpp>

#include <map>

using ucs::test::Client;
using ucs::test::Harness;
namespace json = boost::json;
namespace method = ucs::protocol::method;
using Kind = ucs::server::ByteRange::Kind;

namespace {

class FakeFiles final : public ucs::server::RecordingFiles {
public:
    std::map<std::string, std::string> files;
    std::optional<std::string> read(const std::string& uniqueid) override {
        const auto it = files.find(uniqueid);
        if (it == files.end()) return std::nullopt;
        return it->second;
    }
};

std::string header(const ucs::server::HttpResponse& response, std::string_view name) {
    if (!response.raw) return {};
    for (const auto& [key, value] : response.raw->headers)
        if (key == name) return value;
    return {};
}

// Alice (agent1) took a Support call, which ended; its recording is a file.
struct RecordedCall {
    Harness h;
    FakeFiles files;
    Client& alice = h.connect();
    Client& bob = h.connect();
    Client& dana = h.connect();
    std::string uniqueid;
    RecordedCall() {
        h.api().set_recording_files(&files);
        alice.ready_agent("agent1", "101");
        bob.ready_agent("agent2", "102");
        dana.ready_agent("super", "104");
        bob.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});  // the call rings Alice
        dana.ok(method::change_status, {{"status", "AUX"}, {"reason", "Break"}});
        uniqueid = h.ring_queue(1);
        alice.ok(method::answer);
        alice.ok(method::hangup);
        files.files[uniqueid] = "OggS0123456789";
    }
    std::string path_for(Client& client) {
        auto answer = client.ok(method::recording_url, {{"uniqueid", uniqueid}});
        return std::string(answer.at("path").as_string());
    }
    ucs::server::HttpResponse get(const std::string& target, std::string range = {}, std::string bearer = {}) {
        return request("GET", target, std::move(range), std::move(bearer));
    }
    ucs::server::HttpResponse request(std::string method, const std::string& target, std::string range = {},
                                      std::string bearer = {}) {
        ucs::server::Output out;
        return h.api().handle({std::move(method), target, "", std::move(bearer), "127.0.0.1", std::move(range)}, h.now(), out);
    }
};

}  // namespace

TEST_CASE("only the call's agents and superusers may hear a recording", "[recording][rules]") {
    const std::vector<int> agents{1, 5};
    CHECK(ucs::may_hear_recording({1, false}, agents));
    CHECK(ucs::may_hear_recording({5, false}, agents));
    CHECK_FALSE(ucs::may_hear_recording({2, false}, agents));
    CHECK(ucs::may_hear_recording({4, true}, agents));
    CHECK_FALSE(ucs::may_hear_recording({2, false}, {}));
}

TEST_CASE("a capability token opens its scope until it expires, and nothing else", "[recording][auth]") {
    const std::string token = ucs::auth::make_capability("key", "recording A", 7, 1000);
    auto good = ucs::auth::verify_capability(token, "key", "recording A", 999);
    REQUIRE(good);
    CHECK(good->user_id == 7);
    CHECK(good->expires == 1000);
    CHECK(ucs::auth::verify_capability(token, "key", "recording A", 1000).error() == ucs::auth::CapabilityError::expired);
    CHECK(ucs::auth::verify_capability(token, "key", "recording B", 999).error() == ucs::auth::CapabilityError::bad_signature);
    CHECK(ucs::auth::verify_capability(token, "other", "recording A", 999).error() == ucs::auth::CapabilityError::bad_signature);
    std::string other_user = token;
    other_user.replace(other_user.find(".7.") + 1, 1, "8");  // another user id, same MAC
    CHECK(ucs::auth::verify_capability(other_user, "key", "recording A", 999).error() == ucs::auth::CapabilityError::bad_signature);
    CHECK(ucs::auth::verify_capability("nonsense", "key", "recording A", 0).error() == ucs::auth::CapabilityError::malformed);
    CHECK(ucs::auth::verify_capability("1.x.abc", "key", "recording A", 0).error() == ucs::auth::CapabilityError::malformed);
}

TEST_CASE("a byte range is served when it is one satisfiable range, the whole body otherwise", "[recording][http]") {
    using ucs::server::parse_byte_range;
    const auto range = [](std::string_view header, std::size_t size) {
        const auto r = parse_byte_range(header, size);
        return std::tuple(r.kind, r.first, r.last);
    };
    CHECK(range("bytes=0-99", 1000) == std::tuple(Kind::partial, 0U, 99U));
    CHECK(range("bytes=500-", 1000) == std::tuple(Kind::partial, 500U, 999U));
    CHECK(range("bytes=900-5000", 1000) == std::tuple(Kind::partial, 900U, 999U));
    CHECK(range("bytes=-100", 1000) == std::tuple(Kind::partial, 900U, 999U));
    CHECK(range("bytes=-5000", 1000) == std::tuple(Kind::partial, 0U, 999U));
    CHECK(parse_byte_range("bytes=1000-", 1000).kind == Kind::unsatisfiable);
    CHECK(parse_byte_range("bytes=-0", 1000).kind == Kind::unsatisfiable);
    CHECK(parse_byte_range("bytes=0-", 0).kind == Kind::unsatisfiable);
    CHECK(parse_byte_range("", 1000).kind == Kind::whole);
    CHECK(parse_byte_range("bytes=0-1,5-6", 1000).kind == Kind::whole);  // several ranges: the whole body
    CHECK(parse_byte_range("items=0-1", 1000).kind == Kind::whole);
    CHECK(parse_byte_range("bytes=5-1", 1000).kind == Kind::whole);      // invalid: ignored
    CHECK(parse_byte_range("bytes=a-", 1000).kind == Kind::whole);
}

TEST_CASE_METHOD(RecordedCall, "the agent who took a call fetches its recording with the recordingUrl token, in ranges too",
                 "[recording][api]") {
    const std::string path = path_for(alice);
    CHECK(path.starts_with("/recordings/" + uniqueid + "?token="));
    auto whole = get(path);
    CHECK(whole.status == 200);
    REQUIRE(whole.raw);
    CHECK(whole.raw->content_type == "audio/ogg");
    CHECK(whole.raw->bytes == "OggS0123456789");
    CHECK(header(whole, "Accept-Ranges") == "bytes");

    auto part = get(path, "bytes=4-7");
    CHECK(part.status == 206);
    CHECK(part.raw->bytes == "0123");
    CHECK(header(part, "Content-Range") == "bytes 4-7/14");

    auto beyond = get(path, "bytes=14-");
    CHECK(beyond.status == 416);
    CHECK(header(beyond, "Content-Range") == "bytes */14");
    CHECK(beyond.body.at("error").at("code") == "RANGE_NOT_SATISFIABLE");
}

TEST_CASE_METHOD(RecordedCall, "another agent is refused a recording with 403, a superuser and a REST client are not",
                 "[recording][api]") {
    auto refused = get(path_for(bob));
    CHECK(refused.status == 403);
    CHECK(refused.body.at("error").at("code") == "FORBIDDEN");
    CHECK(refused.body.at("error").at("field") == "uniqueid");
    CHECK(get(path_for(dana)).status == 200);
    auto rest = h.http("GET", "/recordings/" + uniqueid);
    CHECK(rest.status == 200);
    CHECK(rest.raw->bytes == "OggS0123456789");
    auto unknown = h.http("GET", "/recordings/no-such-call");
    CHECK(unknown.status == 404);
    CHECK(unknown.body.at("error").at("field") == "uniqueid");
}

TEST_CASE_METHOD(RecordedCall, "a recording URL without a token, with an altered or expired one, or of another call is 401",
                 "[recording][api]") {
    CHECK(get("/recordings/" + uniqueid).status == 401);
    const std::string path = path_for(alice);
    CHECK(get(path + "x").status == 401);
    const std::string token = path.substr(path.find("?token="));
    files.files["other"] = "OggS";
    CHECK(get("/recordings/other" + token).status == 401);  // the token names its call
    h.advance(601'000);
    auto expired = get(path);
    CHECK(expired.status == 401);
    CHECK(std::string(expired.body.at("error").at("message").as_string()).find("expired") != std::string::npos);
}

// A browser's <audio> and download tools may ask HEAD first. The REST API answers it as GET (the
// network layer sends the headers and Content-Length, from the body's size, but not the body).
TEST_CASE_METHOD(RecordedCall, "HEAD on a recording is answered as GET, with the same authorisation, headers and length",
                 "[recording][api]") {
    const std::string path = path_for(alice);
    const auto as_get = get(path);
    const auto head = request("HEAD", path);
    CHECK(head.status == 200);
    REQUIRE(head.raw);
    CHECK(head.raw->content_type == "audio/ogg");
    CHECK(header(head, "Accept-Ranges") == "bytes");
    CHECK(head.raw->bytes.size() == as_get.raw->bytes.size());  // what Content-Length says

    const auto part = request("HEAD", path, "bytes=4-7");
    CHECK(part.status == 206);
    CHECK(header(part, "Content-Range") == "bytes 4-7/14");
    CHECK(part.raw->bytes.size() == 4);

    CHECK(request("HEAD", path_for(bob)).status == 403);
    CHECK(request("HEAD", "/recordings/" + uniqueid).status == 401);
    CHECK(request("HEAD", "/recordings/no-such-call" + path.substr(path.find("?token="))).status == 401);
    CHECK(request("PUT", path).status == 405);
}
