// libFuzzer: what reaches the agent engine from outside — server frames and the page's method calls
// — in each state the golden conversations (tests/vectors/conversations/agent/) pass through. The
// transcripts are read once per process; the first input byte picks a point in one of them (every
// point after a server frame: CREDENTIALS, IDENTIFY, DEVICE, READY, ringing, connected, ACW, after a
// drop...). The engine is replayed to each point once per process and kept as a snapshot; an input
// starts from a copy of it, and then each following line (at most 16) is one input:
//   !<method> <json args>   the page calls a method      ~<c>   a timer fires (c picks which)
//   ^                       the socket drops and reopens  @<n>  the clock moves n ms
//   anything else           one text frame from the server
//
// Oracles: no sanitizer report, no exception (from the engine, or from state() and view() after the
// input), each promise is settled at most once, and every frame the bar sends is one valid UTF-8
// JSON document.
#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "fuzz_support.hpp"

#include <charconv>
#include <deque>
#include <memory>
#include <set>
#include <sstream>

namespace {

namespace json = boost::json;
using namespace ucs;  // NOLINT: a fuzz target, not a header

class FixedRandom final : public agent::RandomSource {
public:
    std::string bytes(std::size_t count) override { return std::string(count, '\x42'); }
};

struct Transcript {
    json::object config;
    agent::Environment environment;
    std::vector<std::string> inputs;  // "> " lines without the marker
};

void read_transcript(const std::string& name, Transcript& out) {
    std::istringstream in(fuzz::read_file(std::string(UCS_TEST_VECTORS_DIR) + "/conversations/agent/" + name));
    std::string text;
    while (std::getline(in, text)) {
        if (text.starts_with("include ")) read_transcript(text.substr(8), out);
        if (text.starts_with("> ")) out.inputs.push_back(text.substr(2));
        if (text.starts_with("config ")) out.config = json::parse(text.substr(7)).as_object();
        if (text.starts_with("environment ")) {
            const json::object environment = json::parse(text.substr(12)).as_object();
            if (const auto* id = environment.if_contains("url_identifier"))
                out.environment.url_identifier = std::string(id->as_string());
            if (const auto* cookies = environment.if_contains("cookies")) {
                for (const auto& [key, value] : cookies->as_object())
                    out.environment.cookies[std::string(key)] = std::string(value.as_string());
            }
        }
    }
}

class Run;

struct Point {
    const Transcript* transcript;
    std::size_t inputs;  // replay this many
    // The engine replayed to this point, made the first time the point is chosen; every input at the
    // point starts from a copy of it instead of replaying the transcript again.
    std::shared_ptr<const Run> snapshot;
};

struct Corpus {
    Corpus() {
        for (const char* name : {"sso_login_to_ready.txt", "queue_call.txt", "refusals.txt", "resume_after_drop.txt"}) {
            Transcript& t = transcripts.emplace_back();
            read_transcript(name, t);
        }
        for (const Transcript& t : transcripts) {
            for (std::size_t i = 0; i < t.inputs.size(); ++i) {
                if (t.inputs[i].starts_with("frame ")) points.push_back({&t, i + 1, nullptr});
            }
        }
        fuzz::require(!points.empty(), "the agent transcripts have server frames");
    }
    std::deque<Transcript> transcripts;  // stable addresses for the points
    std::vector<Point> points;
};

// The engines' randomness (fixed bytes): one for the process, shared by every snapshot and its copies.
FixedRandom random;

class Run {
public:
    explicit Run(const Transcript& t) {
        std::vector<std::string> warnings;
        agent::Origin origin;
        origin.script_url = "http://127.0.0.1:8080/operator/operator-v4.0.0.js";
        agent::Environment environment = t.environment;
        environment.origin = origin;
        agent_ = std::make_unique<agent::Agent>(agent::parse_config(t.config, origin, warnings), std::move(environment),
                                                random);
    }
    // A run that goes on from another's state (Agent's copy constructor: a snapshot).
    Run(const Run& other)
        : agent_(std::make_unique<agent::Agent>(*other.agent_)),
          now_(other.now_),
          next_promise_(other.next_promise_),
          settled_(other.settled_) {}
    Run& operator=(const Run&) = delete;

    void replay(const std::string& input) {
        const auto space = input.find(' ');
        const std::string_view verb = std::string_view(input).substr(0, space);
        const std::string_view rest =
            space == std::string::npos ? std::string_view{} : std::string_view(input).substr(space + 1);
        if (verb == "start") agent_->start(now_);
        if (verb == "open") agent_->socket_open(now_);
        if (verb == "closed") agent_->socket_closed(now_);
        if (verb == "frame") agent_->socket_message(rest, now_);
        if (verb == "advance") now_ += std::stoll(std::string(rest));
        if (verb == "timer") {
            for (auto timer : {agent::Timer::reconnect, agent::Timer::heartbeat, agent::Timer::history_debounce,
                               agent::Timer::notification_expiry, agent::Timer::early_calls}) {
                if (rest == timer_name(timer)) agent_->timer_fired(timer, now_);
            }
        }
        if (verb == "call") {
            const auto method_end = rest.find(' ');
            const auto hash = rest.rfind(" #");
            const json::value args = json::parse(rest.substr(method_end + 1, hash - method_end - 1));
            agent_->call(rest.substr(0, method_end), args.as_array(),
                         static_cast<agent::PromiseId>(std::stoul(std::string(rest.substr(hash + 2)))), now_);
        }
        check();
    }

    void fuzz_line(std::string_view line) {
        if (line.starts_with('!')) {
            line.remove_prefix(1);
            const auto space = line.find(' ');
            json::array args;
            if (space != std::string_view::npos) {
                boost::system::error_code ec;
                json::value parsed = json::parse(line.substr(space + 1), ec);
                if (!ec && parsed.is_array()) args = std::move(parsed.as_array());
                if (!ec && !parsed.is_array()) args.push_back(std::move(parsed));
            }
            agent_->call(line.substr(0, space), args, next_promise_++, now_);
        } else if (line.starts_with('~')) {
            const std::size_t which = line.size() > 1 ? static_cast<unsigned char>(line[1]) % agent::timer_kinds : 0;
            now_ += 1'000;
            agent_->timer_fired(static_cast<agent::Timer>(which), now_);
        } else if (line == "^") {
            agent_->socket_closed(now_);
            agent_->socket_open(now_);
        } else if (line.starts_with('@')) {
            std::int64_t ms = 0;
            std::from_chars(line.data() + 1, line.data() + line.size(), ms);
            if (ms > 0 && ms < 86'400'000) now_ += ms;
        } else {
            agent_->socket_message(line, now_);
        }
        check();
    }

    static const char* timer_name(agent::Timer timer) {
        switch (timer) {
            case agent::Timer::reconnect:
                return "reconnect";
            case agent::Timer::heartbeat:
                return "heartbeat";
            case agent::Timer::history_debounce:
                return "history_debounce";
            case agent::Timer::notification_expiry:
                return "notification_expiry";
            case agent::Timer::early_calls:
                return "early_calls";
        }
        return "?";
    }

    // What the GUI and the page read must not throw; rendered once per input (it is the dearest step).
    void render() {
        (void)agent_->state();
        (void)json::serialize(agent_->view(now_));
    }

private:
    void check() {
        for (const auto& effect : agent_->take_effects()) {
            if (const auto* settle = std::get_if<agent::SettlePromise>(&effect)) {
                fuzz::require(settled_.insert(settle->promise).second, "a promise is settled twice",
                              "promise #" + std::to_string(settle->promise) + " settled again with " +
                                  json::serialize(settle->value));
            }
            if (const auto* send = std::get_if<agent::SendFrame>(&effect))
                fuzz::require_json_text(send->text, "a frame the bar sends");
        }
    }

    std::unique_ptr<agent::Agent> agent_;
    agent::Millis now_ = 1'700'000'000'000;
    agent::PromiseId next_promise_ = 1'000;
    std::set<agent::PromiseId> settled_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Corpus corpus;
    if (size < 1) return 0;
    Point& point = corpus.points[data[0] % corpus.points.size()];
    if (!point.snapshot) {
        auto replayed = std::make_shared<Run>(*point.transcript);
        for (std::size_t i = 0; i < point.inputs; ++i) replayed->replay(point.transcript->inputs[i]);
        point.snapshot = std::move(replayed);
    }
    Run run(*point.snapshot);
    for (const std::string_view line :
         fuzz::lines_of(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), 16)) {
        run.fuzz_line(line);
    }
    run.render();
    return 0;
}
