#pragma once
// The softphone's decisions (the browser is the agent's phone when a softphone line is paired):
// what sounds now — the selected ringtone while a call rings on the browser, ringback while the
// far end rings, busy or number-unobtainable once when a call fails, the ringtone test — and
// whether the microphone is open and muted. It follows the model after every input and emits only
// the changes; the bindings carry them out with WebAudio and getUserMedia.

#include "agent/model.hpp"

#include <array>
#include <optional>
#include <string_view>
#include <string>

namespace ucs::agent {

// state().audio: whether the browser lets the bar's audio play.
inline constexpr std::array<std::string_view, 2> audio_states{"ready", "blocked"};

// A softphone line is paired and the bar is READY: the browser rings and speaks.
bool softphone_paired(const Model& model);

// The media socket's URL (docs/media.md) beside the control socket's: ws://host:port/ws -> .../media.
std::string media_url(std::string_view websocket_url);

class Softphone {
public:
    explicit Softphone(Context& context) : ctx_(&context) {}
    // After a copy (Agent's copy constructor): work on `context` from now on.
    void rebind(Context& context) { ctx_ = &context; }

    // Brings sounds and the microphone in line with the model (call after every input).
    void follow();
    // A call of the agent's ended: a failed outgoing call plays its progress tone once.
    void call_ended(const Call& call);

    // testRingingSound / stopRingingSoundTest: the selected ringtone twice, on any phone.
    void test();
    void stop_test();

    // The bindings' reports: whether the browser lets the bar's audio play (autoplay), and how
    // getUserMedia went.
    void audio_output(bool running);
    void microphone_opened();
    void microphone_failed(const std::string& why);
    // Whether this tab owns the agent's audio (ClaimMediaOwner's answer). Only the owner rings and
    // opens the microphone; the other tabs of the agent show and control the same calls silently.
    void media_owner(bool owner);


private:
    enum class Why : std::uint8_t { ring, ringback, progress, test };
    struct Sounding {
        std::string tone;
        Why why;
    };
    enum class Microphone : std::uint8_t { closed, opening, open, failed };

    void play(std::string tone, int cycles, Speaker speaker, Why why);
    void follow_owner();
    void follow_sound();
    void follow_microphone();
    void follow_media();
    [[nodiscard]] bool audible() const;  // paired, and this tab owns the audio
    void warn_if_unheard();  // onWarning once while a ring sounds into an audio output the browser holds back
    [[nodiscard]] std::optional<Sounding> steady_sound() const;

    Context* ctx_;  // not owned; a pointer so that a copy can be rebound
    std::optional<Sounding> sounding_;
    bool blocked_warned_ = false;
    bool prepared_ = false;
    Microphone microphone_ = Microphone::closed;
    bool microphone_muted_ = false;
    // One tab of a browser owns the agent's audio: unclaimed until a softphone is paired, then
    // claimed until the bindings say whether this tab holds the lock.
    enum class Owner : std::uint8_t { unclaimed, claimed, owner, other_tab };
    Owner owner_ = Owner::unclaimed;
    // The session the media socket is attached with (AttachMedia), none while detached.
    std::optional<std::string> media_session_;
};

}  // namespace ucs::agent
