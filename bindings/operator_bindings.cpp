// The browser edge of the agent bar: the only C++ that knows the page. It builds the sans-IO
// engine (src/agent) from window.ucsOperator and carries out the effects the engine returns:
// WebSocket, timers, CRM callbacks, promises, cookies, new tabs, and the view model handed to the GUI.
// No rules live here; everything the bar decides, the engine decides.
//
// JS entry points (one EMSCRIPTEN_BINDINGS block at the end; web/loader.js is the only caller):
//   _preconnect(configJson, envJson)     at most once, before _start: opens the engine's WebSocket early
//   _start(configJson, envJson, settle)  once, after the page's `load` event (or at once with legacyStartup)
//   _call(method, argsJson, promiseId)   a documented method; settle(promiseId, ok, valueJson) answers it
//   _state()                             state() as JSON text ("null" outside READY)
//   _view()                              the GUI's view model as JSON text (web/gui/gui.js)
//   _tonePcm(name, sampleRate)           one cycle of a tone as a Float32Array (web/audio/softphone.js)
//   _audioOutput(running)                the softphone's audio reports: autoplay allowed or not,
//   _microphone(ok, why)                 and how getUserMedia went
//   _mediaOwner(owner)                   whether this tab holds the agent's media lock (Web Locks)
//   _pageFrozen(frozen)                  Page Lifecycle freeze/resume (installed with the unload hooks)
// Values cross the boundary as JSON text: small, and no per-type marshalling code to keep in step.

#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "audio/tones.hpp"
#include "core/json_text.hpp"
#include "core/percent_encoding.hpp"

#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>

#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/eventloop.h>
#include <emscripten/html5.h>
#include <emscripten/val.h>
#include <emscripten/websocket.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace {

namespace json = boost::json;
namespace agent = ucs::agent;
using emscripten::val;

// ---- the few page operations that can throw: JS try/catch is the only way to keep them contained ----

// window.ucsOperator[name](...args) with this === window.ucsOperator, looked up now (callbacks may be
// assigned or replaced at any time). Whatever a CRM callback throws (or an async one rejects with)
// is logged and goes no further: a broken callback never breaks the bar.
EM_JS(void, ucs_fire_callback, (const char* name, const char* args_json), {
    var key = UTF8ToString(name);
    Module.ucsFired(key);  // the loader's: its GUI waits for onConnect before the first draw
    var target = window.ucsOperator;
    var fn = target && target[key];
    if (typeof fn != "function") return;
    var report = function(e) {
        console.error("ucsOperator." + key + " threw:", e);
    };
    try {
        var result = fn.apply(target, JSON.parse(UTF8ToString(args_json)));
        if (result && typeof result.then == "function") result.then(undefined, report);
    } catch (e) {
        report(e);
    }
});

// document.cookie, or "" where the page may not read it (a sandboxed frame throws SecurityError).
// The caller frees the returned copy.
EM_JS(char*, ucs_read_cookies, (), {
    var text = "";
    try {
        text = String(document.cookie);
    } catch (e) {
    }
    var size = lengthBytesUTF8(text) + 1;
    var copy = _malloc(size);
    stringToUTF8(text, copy, size);
    return copy;
});

// One cookie of the page's own origin; max_age 0 deletes it. Secure on https pages: the remember
// cookie is a credential.
EM_JS(void, ucs_write_cookie, (const char* name, const char* value, double max_age), {
    try {
        document.cookie = encodeURIComponent(UTF8ToString(name)) + "=" + encodeURIComponent(UTF8ToString(value)) +
                          "; path=/; SameSite=Lax; max-age=" + max_age +
                          (location.protocol == "https:" ? "; Secure" : "");
    } catch (e) {
        console.warn("ucsOperator: cannot write cookie " + UTF8ToString(name) + ":", e);
    }
});

// new WebSocket(url) throws (instead of failing with a close event) on a malformed URL and on an
// insecure ws: from an https page; emscripten_websocket_new would let that escape through the
// wasm stack. 1 when the constructor will accept the URL.
EM_JS(int, ucs_websocket_url_usable, (const char* url), {
    try {
        var u = new URL(UTF8ToString(url));
        if ((u.protocol != "ws:" && u.protocol != "wss:") || u.hash) return 0;
        var h = u.hostname;
        var local = h == "localhost" || h == "[::1]" || h.indexOf("127.") == 0;
        return location.protocol == "https:" && u.protocol == "ws:" && !local ? 0 : 1;
    } catch (e) {
        return 0;
    }
});

// The page going away: pagehide sends the logout beacon (sso with a provider), beforeunload asks the
// agent to confirm (confirmUnload while logged in). The engine decides both; these only keep what it
// said last in one small JS object and act on it.
EM_JS(void, ucs_install_unload_hooks, (), {
    var page = Module.ucsUnload = {beaconUrl: "", beaconBody: "", ask: false};
    window.addEventListener("pagehide", function() {
        if (!page.beaconUrl || !navigator.sendBeacon) return;
        // text/plain keeps the cross-origin beacon a simple request (no preflight).
        navigator.sendBeacon(page.beaconUrl, new Blob([page.beaconBody], {type: "text/plain"}));
    });
    // A frozen page cannot show a call: ucsd skips it in the ACD until it resumes.
    document.addEventListener("freeze", function() { Module._pageFrozen(true); });
    document.addEventListener("resume", function() { Module._pageFrozen(false); });
    window.addEventListener("beforeunload", function(event) {
        if (!page.ask) return;
        event.preventDefault();
        event.returnValue = "";
    });
});

EM_JS(void, ucs_set_unload_beacon, (const char* url, const char* body), {
    Module.ucsUnload.beaconUrl = UTF8ToString(url);
    Module.ucsUnload.beaconBody = UTF8ToString(body);
});

EM_JS(void, ucs_set_ask_before_unload, (int ask), { Module.ucsUnload.ask = ask != 0; });

// notifyWaitingCallers: a system notification when the page may show one. The bar shows the same
// message itself (the engine adds it to its notifications), so a refusal costs nothing.
EM_JS(void, ucs_system_notification, (const char* title, const char* body), {
    try {
        if (typeof Notification == "undefined") return;
        var t = UTF8ToString(title), b = UTF8ToString(body);
        var show = function() { new Notification(t, {body: b, tag: "ucs-waiting"}); };
        if (Notification.permission == "granted") show();
        else if (Notification.permission == "default") Notification.requestPermission().then(function(p) { if (p == "granted") show(); });
    } catch (e) {
    }
});

// The GUI draws the engine's view model (web/gui/gui.js). The loader's Module.ucsGui (there only when
// the bar has a GUI) keeps the latest view and draws it on the next animation frame.
EM_JS(void, ucs_gui_render, (const char* element_id, const char* view_json), {
    Module.ucsGui(UTF8ToString(element_id), UTF8ToString(view_json));
});

// The engine hit a bug (built without exceptions: bindings/CMakeLists.txt). The loader's handler
// (Module.ucsBug) tells the page through onError; the throw then unwinds every wasm frame back to the
// browser's event loop, or to the loader, which answers the method call that was running.
EM_JS(void, ucs_engine_bug, (const char* what), {
    var message = "ucsOperator: internal error: " + UTF8ToString(what);
    if (Module.ucsBug) Module.ucsBug(message);
    throw new Error(message);
});

// A JSON number with a fraction or an exponent (ucs::decimal_to_double, src/core/json_text.hpp):
// Number() rounds to the nearest double, as strtod does natively, and gives Infinity past the largest.
EM_JS(double, ucs_decimal_to_double, (const char* text), { return Number(UTF8ToString(text)); });

// ---- small helpers ----

agent::Millis now() {
    return static_cast<agent::Millis>(emscripten_date_now());
}

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string_view trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

// "a=1; b=x%20y" -> {a: "1", b: "x y"}; the first of two same-named cookies wins, as in browsers'
// most-specific-path-first order.
std::map<std::string, std::string> parse_cookies(std::string_view text) {
    std::map<std::string, std::string> cookies;
    while (!text.empty()) {
        const auto end = text.find(';');
        const std::string_view pair = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        cookies.emplace(ucs::percent_decode_lenient(trim(pair.substr(0, eq))), ucs::percent_decode_lenient(trim(pair.substr(eq + 1))));
    }
    return cookies;
}

std::string read_cookies() {
    const std::unique_ptr<char, decltype(&std::free)> raw(ucs_read_cookies(), &std::free);
    return {raw.get()};
}

std::optional<std::string> string_member(const json::object& object, std::string_view key) {
    const json::value* v = object.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

// crypto.getRandomValues: SCRAM nonces and reconnect jitter.
class BrowserRandom final : public agent::RandomSource {
public:
    std::string bytes(std::size_t count) override {
        std::string out(count, '\0');
        val array = val::global("Uint8Array").new_(count);
        val::global("crypto").call<void>("getRandomValues", array);
        // Copy straight into `out`: nothing allocates between taking the view and using it.
        val(emscripten::typed_memory_view(count, reinterpret_cast<unsigned char*>(out.data())))
            .call<void>("set", array);
        return out;
    }
};

// ---- the socket opened before the engine starts ----

// The page is still loading, the engine waits for `load`, but its WebSocket can connect already: the
// loader calls _preconnect with the configuration as it is then, and opens the socket the engine would
// open. When the engine opens a socket to the same URL, it gets this one (connecting or open); a spare
// that closed, heard anything, or is for another URL (the configuration changed) is closed unused.
// The server hears nothing until the engine's own first frame.
struct SpareSocket {
    EMSCRIPTEN_WEBSOCKET_T socket = 0;
    std::string url;
    bool open = false;
};
SpareSocket spare;

void discard_spare() {
    if (spare.socket > 0) {
        emscripten_websocket_close(spare.socket, 1000, "");
        emscripten_websocket_delete(spare.socket);
    }
    spare = SpareSocket{};
}

EM_BOOL on_spare_open(int /*event_type*/, const EmscriptenWebSocketOpenEvent* event, void* /*data*/) {
    if (event->socket == spare.socket) spare.open = true;
    return EM_TRUE;
}

// A message before the engine's first frame, or a close: not a socket to hand over.
EM_BOOL on_spare_message(int /*event_type*/, const EmscriptenWebSocketMessageEvent* event, void* /*data*/) {
    if (event->socket == spare.socket) discard_spare();
    return EM_TRUE;
}

EM_BOOL on_spare_close(int /*event_type*/, const EmscriptenWebSocketCloseEvent* event, void* /*data*/) {
    if (event->socket == spare.socket) discard_spare();
    return EM_TRUE;
}

// ---- the host: one engine per page ----

class Host {
public:
    Host(agent::Config config, agent::Environment environment, val settle, bool headless)
        : engine_(std::move(config), std::move(environment), random_),
          settle_(std::move(settle)),
          headless_(headless) {}

    void start() {
        ucs_install_unload_hooks();
        engine_.start(now());
        view_dirty_ = true;
        pump();
    }

    void call(const std::string& method, const std::string& args_json, agent::PromiseId promise) {
        boost::system::error_code ec;
        json::value args = ucs::parse_json(args_json, ec);
        if (ec || !args.is_array()) {
            // The loader hands "null" when JSON.stringify refused the arguments (a cycle, a BigInt).
            const std::string message = method + ": the arguments cannot be passed to the agent bar (not JSON)";
            fire("onWarning", json::array{json::value(message)});
            settle(promise, false, json::object{{"code", "INVALID_ARGUMENT"}, {"message", message}});
            return;
        }
        engine_.call(method, args.get_array(), promise, now());
        pump();
    }

    [[nodiscard]] std::string state_json() const { return json::serialize(engine_.state()); }

    // The softphone's audio (web/audio/softphone.js, Module.ucsAudio) reports what the browser allowed.
    void audio_output(bool running) {
        engine_.audio_output(running, now());
        pump();
    }
    void page_frozen(bool frozen) {
        engine_.page_frozen(frozen, now());
        pump();
    }
    void media_owner(bool owner) {
        engine_.media_owner(owner, now());
        pump();
    }
    void microphone(bool ok, const std::string& why) {
        if (ok) {
            engine_.microphone_opened(now());
        } else {
            engine_.microphone_failed(why, now());
        }
        pump();
    }
    // The view model now: the GUI re-reads it every second for a call's timer and the ACW countdown.
    [[nodiscard]] std::string view_json() const { return json::serialize(engine_.view(now())); }

    // A bug is unwinding every wasm frame (engine_bug): no batch is being carried out any more, and
    // the next event pumps again.
    void unwound() { pumping_ = false; }

    static void fire(const std::string& name, const json::array& args) {
        ucs_fire_callback(name.c_str(), json::serialize(args).c_str());
    }

private:
    static constexpr std::size_t timer_count = agent::timer_kinds;

    // Carries out the engine's effects until there are none. A CRM callback may call a method
    // (and so come back here) while a batch is being carried out: its effects are appended to the
    // engine's queue and carried out after the current batch, in the engine's order.
    void pump() {
        if (pumping_) return;
        pumping_ = true;
        for (auto effects = engine_.take_effects(); !effects.empty(); effects = engine_.take_effects()) {
            for (auto& effect : effects) carry_out(effect);
        }
        pumping_ = false;
        if (view_dirty_) render();
    }

    void carry_out(agent::Effect& effect) {
        std::visit(Overloaded{
                       [this](agent::OpenSocket& e) { open_socket(e.url); },
                       [this](agent::CloseSocket&) { close_socket(); },
                       [this](agent::SendFrame& e) {
                           if (socket_ > 0) emscripten_websocket_send_utf8_text(socket_, e.text.c_str());
                       },
                       [this](agent::StartTimer& e) { start_timer(e.timer, e.delay); },
                       [this](agent::CancelTimer& e) { cancel_timer(e.timer); },
                       [](agent::FireCallback& e) { fire(e.name, e.args); },
                       [this](agent::SettlePromise& e) { settle(e.promise, e.ok, e.value); },
                       [](agent::SetCookie& e) {
                           ucs_write_cookie(e.name.c_str(), e.value.c_str(), static_cast<double>(e.max_age_seconds));
                       },
                       [](agent::OpenUrl& e) { open_url(e.url); },
                       [this](agent::ViewChanged&) { view_dirty_ = true; },
                       [](agent::SystemNotification& e) { ucs_system_notification(e.title.c_str(), e.body.c_str()); },
                       [](agent::UnloadBeacon& e) { ucs_set_unload_beacon(e.url.c_str(), e.body.c_str()); },
                       [](agent::PlaySound& e) {
                           audio().call<void>("play", e.tone, e.cycles, std::string(e.speaker == agent::Speaker::ringer ? "ringer" : "call"));
                       },
                       [](agent::StopSound&) { audio().call<void>("stop"); },
                       [](agent::PrepareAudio&) { audio().call<void>("prepare"); },
                       [](agent::ClaimMediaOwner& e) { audio().call<void>("claimOwner", e.lock); },
                       [](agent::ReleaseMediaOwner&) { audio().call<void>("releaseOwner"); },
                       [](agent::OpenMicrophone& e) {
                           val constraints = val::object();
                           constraints.set("echoCancellation", e.echo_cancellation);
                           constraints.set("noiseSuppression", e.noise_suppression);
                           constraints.set("autoGainControl", e.auto_gain_control);
                           audio().call<void>("openMicrophone", constraints);
                       },
                       [](agent::CloseMicrophone&) { audio().call<void>("closeMicrophone"); },
                       [](agent::MuteMicrophone& e) { audio().call<void>("muteMicrophone", e.muted); },
                       [](agent::AttachMedia& e) { audio().call<void>("attachMedia", e.url, e.session); },
                       [](agent::DetachMedia&) { audio().call<void>("detachMedia"); },
                   },
                   effect);
    }

    void settle(agent::PromiseId promise, bool ok, const json::value& value) {
        settle_(promise, ok, json::serialize(value));
    }

    // ---- WebSocket ----
    void open_socket(const std::string& url) {
        close_socket();
        if (spare.socket > 0 && spare.url == url) {
            adopt_spare();
            return;
        }
        discard_spare();
        if (ucs_websocket_url_usable(url.c_str()) == 0) {
            console_error("ucsOperator: the browser refuses a WebSocket to " + url);
            socket_failed_soon();
            return;
        }
        EmscriptenWebSocketCreateAttributes attributes;
        emscripten_websocket_init_create_attributes(&attributes);
        attributes.url = url.c_str();
        attributes.createOnMainThread = EM_TRUE;
        const EMSCRIPTEN_WEBSOCKET_T socket = emscripten_websocket_new(&attributes);
        if (socket <= 0) {
            socket_failed_soon();
            return;
        }
        socket_ = socket;
        emscripten_websocket_set_onopen_callback(socket, this, on_socket_open);
        emscripten_websocket_set_onmessage_callback(socket, this, on_socket_message);
        emscripten_websocket_set_onclose_callback(socket, this, on_socket_close);
        // onerror is always followed by onclose, which is what the engine hears about.
    }

    // The early socket becomes the engine's: from now on its events come here. If it is open already,
    // the engine hears so after the current batch, as it would from a new socket.
    void adopt_spare() {
        socket_ = spare.socket;
        const bool open = spare.open;
        spare = SpareSocket{};
        emscripten_websocket_set_onopen_callback(socket_, this, on_socket_open);
        emscripten_websocket_set_onmessage_callback(socket_, this, on_socket_message);
        emscripten_websocket_set_onclose_callback(socket_, this, on_socket_close);
        if (!open) return;
        adopted_open_ = socket_;
        emscripten_set_timeout(
            [](void* self) {
                auto* host = static_cast<Host*>(self);
                const bool current = host->adopted_open_ == host->socket_ && host->socket_ > 0;
                host->adopted_open_ = 0;
                if (!current) return;
                host->engine_.socket_open(now());
                host->pump();
            },
            0, this);
    }

    void close_socket() {
        if (socket_ <= 0) return;
        // Deleting drops the handlers: nothing more is heard from this socket.
        emscripten_websocket_close(socket_, 1000, "");
        emscripten_websocket_delete(socket_);
        socket_ = 0;
    }

    // A socket that could not even be created is reported as closed, after the current batch
    // (the engine does not expect to hear back while it is still producing effects).
    void socket_failed_soon() {
        emscripten_set_timeout(
            [](void* self) {
                auto* host = static_cast<Host*>(self);
                host->engine_.socket_closed(now());
                host->pump();
            },
            0, this);
    }

    static EM_BOOL on_socket_open(int /*event_type*/, const EmscriptenWebSocketOpenEvent* event, void* self) {
        auto* host = static_cast<Host*>(self);
        if (event->socket != host->socket_) return EM_TRUE;
        host->engine_.socket_open(now());
        host->pump();
        return EM_TRUE;
    }

    static EM_BOOL on_socket_message(int /*event_type*/, const EmscriptenWebSocketMessageEvent* event, void* self) {
        auto* host = static_cast<Host*>(self);
        if (event->socket != host->socket_) return EM_TRUE;
        std::string_view text(reinterpret_cast<const char*>(event->data), event->numBytes);
        if (event->isText != 0 && !text.empty() && text.back() == '\0') text.remove_suffix(1);  // the glue adds a NUL
        host->engine_.socket_message(text, now());
        host->pump();
        return EM_TRUE;
    }

    static EM_BOOL on_socket_close(int /*event_type*/, const EmscriptenWebSocketCloseEvent* event, void* self) {
        auto* host = static_cast<Host*>(self);
        if (event->socket != host->socket_) return EM_TRUE;
        emscripten_websocket_delete(host->socket_);
        host->socket_ = 0;
        host->engine_.socket_closed(now());
        host->pump();
        return EM_TRUE;
    }

    // ---- timers: one of each kind ----
    struct TimerSlot {
        Host* host = nullptr;
        agent::Timer timer{};
        long id = 0;  // emscripten_set_timeout's handle; 0 when not armed
    };

    void start_timer(agent::Timer timer, agent::Millis delay) {
        cancel_timer(timer);
        TimerSlot& slot = timers_.at(static_cast<std::size_t>(timer));
        slot.host = this;
        slot.timer = timer;
        slot.id = emscripten_set_timeout(on_timer, static_cast<double>(delay), &slot);
    }

    void cancel_timer(agent::Timer timer) {
        TimerSlot& slot = timers_.at(static_cast<std::size_t>(timer));
        if (slot.id != 0) emscripten_clear_timeout(slot.id);
        slot.id = 0;
    }

    static void on_timer(void* data) {
        auto* slot = static_cast<TimerSlot*>(data);
        slot->id = 0;
        slot->host->engine_.timer_fired(slot->timer, now());
        slot->host->pump();
    }

    // ---- the page ----
    static void open_url(const std::string& url) {
        // Only web addresses: a javascript: URL from call data must never run in the CRM's origin.
        const std::string_view scheme = std::string_view(url).substr(0, url.find(':'));
        if (scheme != "https" && scheme != "http") {
            console_error("ucsOperator: not opening a non-web URL from call data: " + url);
            return;
        }
        val::global("window").call<val>("open", url, std::string("_blank"), std::string("noopener"));
    }

    static void console_error(const std::string& message) { val::global("console").call<void>("error", message); }

    // web/audio/softphone.js, reached through the loader's Module.ucsAudio (made on first use).
    static val audio() { return val::module_property("ucsAudio"); }

    // The GUI (web/gui/, reached through the loader's Module.ucsGui) draws the view model into a
    // shadow root under renderTo; headless, there is no GUI at all.
    void render() {
        view_dirty_ = false;
        const json::value view = engine_.view(now());
        ucs_set_ask_before_unload(view.at("askBeforeUnload").as_bool() ? 1 : 0);
        if (headless_) return;
        ucs_gui_render(engine_.config().renderTo.c_str(), json::serialize(view).c_str());
    }

    BrowserRandom random_;  // before engine_, which keeps a reference to it
    agent::Agent engine_;
    val settle_;
    bool headless_ = false;
    bool pumping_ = false;
    bool view_dirty_ = false;
    EMSCRIPTEN_WEBSOCKET_T socket_ = 0;
    EMSCRIPTEN_WEBSOCKET_T adopted_open_ = 0;  // an adopted socket that was open already, until the engine hears so
    std::array<TimerSlot, timer_count> timers_{};
};

std::unique_ptr<Host> host;

[[noreturn]] void engine_bug(const char* what) {
    if (host) host->unwound();
    ucs_engine_bug(what);
    __builtin_unreachable();  // ucs_engine_bug always throws
}

// ---- the exports ----

// The page's configuration object and origin (JSON text from the loader); warnings are appended.
agent::Config read_config(const std::string& config_json, const std::string& env_json, agent::Origin& origin,
                          std::vector<std::string>& warnings) {
    boost::system::error_code ec;
    json::value config_value = ucs::parse_json(config_json, ec);
    if (ec || !config_value.is_object()) {
        warnings.emplace_back("ucsOperator: the configuration cannot be read as JSON; using the defaults");
        config_value = json::object{};
    }
    json::value env_value = ucs::parse_json(env_json, ec);
    if (ec || !env_value.is_object()) env_value = json::object{};
    origin.script_url = string_member(env_value.get_object(), "scriptUrl").value_or("");
    origin.page_url = string_member(env_value.get_object(), "pageUrl").value_or("");
    return agent::parse_config(config_value.get_object(), origin, warnings);
}

void preconnect(const std::string& config_json, const std::string& env_json) {
    if (host || spare.socket > 0) return;
    agent::Origin origin;
    std::vector<std::string> warnings;  // said by _start, about the configuration the engine really gets
    const std::string url = read_config(config_json, env_json, origin, warnings).websocket_url();
    if (ucs_websocket_url_usable(url.c_str()) == 0) return;
    EmscriptenWebSocketCreateAttributes attributes;
    emscripten_websocket_init_create_attributes(&attributes);
    attributes.url = url.c_str();
    attributes.createOnMainThread = EM_TRUE;
    const EMSCRIPTEN_WEBSOCKET_T socket = emscripten_websocket_new(&attributes);
    if (socket <= 0) return;
    spare = SpareSocket{socket, url, false};
    emscripten_websocket_set_onopen_callback(socket, nullptr, on_spare_open);
    emscripten_websocket_set_onmessage_callback(socket, nullptr, on_spare_message);
    emscripten_websocket_set_onclose_callback(socket, nullptr, on_spare_close);
}

void start(const std::string& config_json, const std::string& env_json, val settle) {
    if (host) return;  // one engine per page; the loader guards this too

    std::vector<std::string> warnings;
    agent::Environment environment;
    agent::Config config = read_config(config_json, env_json, environment.origin, warnings);
    environment.cookies = parse_cookies(read_cookies());
    val identifier = val::global("URLSearchParams")
                         .new_(val::global("location")["search"])
                         .call<val>("get", std::string("identifier"));
    if (identifier.isString()) environment.url_identifier = identifier.as<std::string>();

    for (const std::string& warning : warnings) Host::fire("onWarning", json::array{json::value(warning)});

    bool headless = config.headless;
    if (!headless) {
        val element = val::global("document").call<val>("getElementById", config.renderTo);
        if (element.isNull() || element.isUndefined()) {
            Host::fire("onError", json::array{json::value("ucsOperator: renderTo element #" + config.renderTo +
                                                          " does not exist; the agent bar runs headless")});
            headless = true;
        }
    }

    host = std::make_unique<Host>(std::move(config), std::move(environment), std::move(settle), headless);
    host->start();
    // The engine opened its socket in start(): a spare it did not take is not needed any more.
    discard_spare();
}

void call(const std::string& method, const std::string& args_json, agent::PromiseId promise) {
    if (host) host->call(method, args_json, promise);
}

std::string state_json() {
    return host ? host->state_json() : std::string("null");
}

std::string view_json() {
    return host ? host->view_json() : std::string("null");
}

// One cycle of a tone, rendered by the engine, copied into a new Float32Array for an AudioBuffer.
val tone_pcm(const std::string& name, int sample_rate) {
    auto tone = ucs::audio::ringtone_named(name);
    for (auto progress : {ucs::audio::Tone::ringback, ucs::audio::Tone::busy, ucs::audio::Tone::unobtainable}) {
        if (!tone && ucs::audio::tone_name(progress) == name) tone = progress;
    }
    if (!tone) return val::global("Float32Array").new_(0);
    const std::vector<float> pcm = ucs::audio::render(*tone, sample_rate);
    val copy = val::global("Float32Array").new_(pcm.size());
    copy.call<void>("set", val(emscripten::typed_memory_view(pcm.size(), pcm.data())));
    return copy;
}

void audio_output(bool running) {
    if (host) host->audio_output(running);
}

void microphone(bool ok, const std::string& why) {
    if (host) host->microphone(ok, why);
}

void page_frozen(bool frozen) {
    if (host) host->page_frozen(frozen);
}

void media_owner(bool owner) {
    if (host) host->media_owner(owner);
}

}  // namespace

namespace ucs {
double decimal_to_double(const std::string& text) {
    return ucs_decimal_to_double(text.c_str());
}
}  // namespace ucs

// What would have been an exception (Boost.JSON's value::at on a missing key, say) is a bug: the
// page hears of it and the bar carries on with the next event.
namespace boost {
void throw_exception(const std::exception& e) {
    engine_bug(e.what());
}
void throw_exception(const std::exception& e, const boost::source_location& /*where*/) {
    engine_bug(e.what());
}
}  // namespace boost

// libc++ without exceptions aborts where it would throw (std::out_of_range from at(), a bad variant
// access): the same bug path, instead of Emscripten's abort, which would stop the module for good.
extern "C" void abort() {
    engine_bug("abort");
}

EMSCRIPTEN_BINDINGS(ucs_operator) {
    emscripten::function("_preconnect", &preconnect);
    emscripten::function("_start", &start);
    emscripten::function("_call", &call);
    emscripten::function("_state", &state_json);
    emscripten::function("_view", &view_json);
    emscripten::function("_tonePcm", &tone_pcm);
    emscripten::function("_audioOutput", &audio_output);
    emscripten::function("_microphone", &microphone);
    emscripten::function("_pageFrozen", &page_frozen);
    emscripten::function("_mediaOwner", &media_owner);
}
