#pragma once
// The REST and sandbox API (SANDBOX.md, docs/server.md): routing, OAuth2 client-credentials bearer
// tokens, JSON bodies and query parameters. It turns each HTTP request into one of the engine's typed
// commands, and the command's result or CommandError into the HTTP answer: the engine knows no HTTP.
// Sans-IO like the engine: the network shell (src/server/net) and the tests hand it requests and the
// time. Every error is a JSON body {"error": {"code", "message", "field"?}} with a 4xx status.

#include "server/engine/engine.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ucs::server {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query, e.g. "/api/v1.0/history?user=agent1"
    std::string body;
    std::string authorization;  // the Authorization header, if any
    std::string client_address;
    std::string range = {};  // the Range header, if any (GET /recordings/...)
};

struct HttpResponse {
    HttpResponse() = default;
    HttpResponse(int status_in, boost::json::value body_in) : status(status_in), body(std::move(body_in)) {}
    int status = 200;
    boost::json::value body;  // a JSON document, unless `raw`; errors are always {"error": {...}}
    struct Raw {
        std::string content_type;
        std::string bytes;
        std::vector<std::pair<std::string, std::string>> headers = {};  // more headers (Content-Range...)
    };
    std::optional<Raw> raw;  // a body that is not JSON (GET .../heard: audio/wav)
    // Send only once the store has made this write durable (Output::wrote of the request); 0: at
    // once. A client told 200 may count on what it changed surviving a crash.
    StoreTicket durable_after = 0;
};

// The simulated parties' audio, played and heard by the media bridge (src/server/media) in ucsd.
// A RestApi without one refuses "audio" and /heard with 501.
class SandboxAudio {
public:
    SandboxAudio() = default;
    SandboxAudio(const SandboxAudio&) = delete;
    SandboxAudio& operator=(const SandboxAudio&) = delete;
    SandboxAudio(SandboxAudio&&) = delete;
    SandboxAudio& operator=(SandboxAudio&&) = delete;
    virtual ~SandboxAudio() = default;
    // Why the audio cannot be played, if it cannot (speech is rendered here, once per text).
    virtual std::optional<std::string> prepare(const PartyAudio& audio) = 0;
    // The simulated party of call `uniqueid` plays `audio` from now on (prepared already).
    virtual void play(const std::string& uniqueid, const PartyAudio& audio) = 0;
    // What that party heard, as a WAV file; why not when there is none.
    virtual Expected<std::string, HeardMissing> heard_wav(const std::string& uniqueid) = 0;
};

// The recordings' files (docs/server.md, "Recordings"), read by ucsd's shell from its data directory.
class RecordingFiles {
public:
    RecordingFiles() = default;
    RecordingFiles(const RecordingFiles&) = delete;
    RecordingFiles& operator=(const RecordingFiles&) = delete;
    RecordingFiles(RecordingFiles&&) = delete;
    RecordingFiles& operator=(RecordingFiles&&) = delete;
    virtual ~RecordingFiles() = default;
    // The Ogg Opus file of call `uniqueid` as written so far; nullopt when there is none.
    virtual std::optional<std::string> read(const std::string& uniqueid) = 0;
};

struct ApiConfig {
    // REST clients (client_id -> client_secret) and the lifetime of their bearer tokens.
    std::map<std::string, std::string> clients;
    std::int64_t token_seconds = 3600;
};

class RestApi {
public:
    RestApi(ApiConfig config, Engine& engine, Random& random);
    // ucsd's media bridge; null (the default) when there is none, as in the engine's tests.
    void set_sandbox_audio(SandboxAudio* audio) { audio_ = audio; }
    // ucsd's recordings; null (the default): GET /recordings/... answers 404.
    void set_recording_files(RecordingFiles* files) { recordings_ = files; }

    // One request. Events it causes (a call ringing an agent) go to `out`.
    HttpResponse handle(const HttpRequest& request, Millis now, Output& out);

private:
    struct Routed;
    struct Route;
    static std::span<const Route> routes();

    bool authorized(const HttpRequest& request, Millis now) const;
    static HttpResponse failed(CommandError error, const std::string& subject);

    HttpResponse issue_token(Routed& request);
    HttpResponse end_session(Routed& request);
    HttpResponse status(Routed& request);
    HttpResponse agents(Routed& request);
    HttpResponse queues(Routed& request);
    HttpResponse calls(Routed& request);
    HttpResponse devices(Routed& request);
    HttpResponse history(Routed& request);
    HttpResponse place_call(Routed& request);
    HttpResponse layout(Routed& request);
    HttpResponse set_layout(Routed& request);
    using SandboxCommand = Expected<std::string, CommandError> (Engine::*)(const std::string&, Millis, Output&);
    HttpResponse act_on(Routed& request, SandboxCommand command, std::string_view key);
    HttpResponse far_end_answer(Routed& request);
    HttpResponse far_end_hangup(Routed& request);
    HttpResponse offhook(Routed& request);
    HttpResponse heard(Routed& request);
    HttpResponse recording(Routed& request);

    struct Token {
        std::string client_id;
        Millis expires = 0;
    };
    ApiConfig config_;
    Engine& engine_;
    Random& random_;
    SandboxAudio* audio_ = nullptr;
    RecordingFiles* recordings_ = nullptr;
    std::map<std::string, Token> tokens_;  // bearer token -> its client and expiry
};

}  // namespace ucs::server
