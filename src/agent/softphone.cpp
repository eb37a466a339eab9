#include "agent/softphone.hpp"

#include "audio/tones.hpp"

#include <algorithm>

namespace ucs::agent {

namespace json = boost::json;

namespace {

constexpr int test_cycles = 2;          // testRingingSound: the melody twice, then silence
constexpr int busy_cycles = 3;          // three seconds of busy tone
constexpr int unobtainable_cycles = 2;  // the three-tone signal twice

}  // namespace

bool softphone_paired(const Model& model) {
    const auto& device = model.known.device;
    return device && device->type == DeviceType::softphone && model.app == AppState::READY;
}

void Softphone::follow() {
    if (!prepared_ && softphone_paired(ctx_->model)) {
        prepared_ = true;
        ctx_->out.emit(PrepareAudio{});
    }
    follow_owner();
    follow_sound();
    follow_microphone();
    follow_media();
}

// The lock is per agent and per ucsd: two agents in two tabs, or two ucsds, do not compete.
void Softphone::follow_owner() {
    const bool paired = softphone_paired(ctx_->model);
    if (paired && owner_ == Owner::unclaimed) {
        owner_ = Owner::claimed;
        ctx_->out.emit(ClaimMediaOwner{"ucsOperator.media " + ctx_->config.websocket_url() + " user " +
                                       std::to_string(ctx_->model.known.user.id)});
    } else if (!paired && owner_ != Owner::unclaimed) {
        owner_ = Owner::unclaimed;
        ctx_->out.emit(ReleaseMediaOwner{});
    }
}

bool Softphone::audible() const { return softphone_paired(ctx_->model) && owner_ == Owner::owner; }

void Softphone::media_owner(bool owner) {
    if (owner_ == Owner::unclaimed) return;  // an answer to a claim already released
    owner_ = owner ? Owner::owner : Owner::other_tab;
}

// What should sound while the calls are as they are: a ringing offer rings, a call the agent placed
// rings back; anything else is silence (a one-off tone or the test may still be finishing).
std::optional<Softphone::Sounding> Softphone::steady_sound() const {
    if (!audible()) return std::nullopt;
    const CallSituation situation = ctx_->model.calls.situation(true);
    const auto ringing = std::any_of(situation.legs.begin(), situation.legs.end(),
                                     [](const CallLeg& leg) { return leg.state == CallState::invitation && !leg.agent_placed; });
    if (ringing) return Sounding{ctx_->model.known.ringingSound, Why::ring};
    const auto far_end_ringing = std::any_of(situation.legs.begin(), situation.legs.end(), [](const CallLeg& leg) {
        return leg.agent_placed && leg.has_far_end && leg.state == CallState::invitation;
    });
    if (far_end_ringing) return Sounding{std::string(audio::tone_name(audio::Tone::ringback)), Why::ringback};
    return std::nullopt;
}

void Softphone::follow_sound() {
    const auto wanted = steady_sound();
    if (wanted) {
        if (sounding_ && sounding_->tone == wanted->tone && sounding_->why == wanted->why) return;
        const Speaker speaker = wanted->why == Why::ring ? Speaker::ringer : Speaker::call;
        play(wanted->tone, 0, speaker, wanted->why);
        // Before the first sound the browser has not said whether it will play: the report decides.
        if (wanted->why == Why::ring && ctx_->model.audio_known) warn_if_unheard();
        return;
    }
    // A ring or ringback that is no longer wanted stops; a one-off tone or the test plays out.
    if (sounding_ && (sounding_->why == Why::ring || sounding_->why == Why::ringback)) {
        sounding_.reset();
        ctx_->out.emit(StopSound{});
    }
}

void Softphone::play(std::string tone, int cycles, Speaker speaker, Why why) {
    ctx_->out.emit(PlaySound{tone, cycles, speaker});
    sounding_ = Sounding{std::move(tone), why};
}

void Softphone::call_ended(const Call& call) {
    if (!audible() || call.direction != Direction::OUTGOING || call.connected) return;
    if (call.cause == HangupCause::busy) {
        play(std::string(audio::tone_name(audio::Tone::busy)), busy_cycles, Speaker::call, Why::progress);
    } else if (call.cause == HangupCause::invalid_number) {
        play(std::string(audio::tone_name(audio::Tone::unobtainable)), unobtainable_cycles, Speaker::call, Why::progress);
    }
}

void Softphone::test() { play(ctx_->model.known.ringingSound, test_cycles, Speaker::ringer, Why::test); }

void Softphone::stop_test() {
    if (!sounding_ || sounding_->why != Why::test) return;
    sounding_.reset();
    ctx_->out.emit(StopSound{});
}

void Softphone::warn_if_unheard() {
    if (ctx_->model.audio_running || blocked_warned_) return;
    blocked_warned_ = true;
    ctx_->out.warn("a call is ringing but cannot be heard: the browser plays the bar's sound only after the agent "
                  "clicks or types on the page");
}

void Softphone::audio_output(bool running) {
    const bool known_before = ctx_->model.audio_known;
    ctx_->model.audio_known = true;
    if (known_before && running == ctx_->model.audio_running) return;
    ctx_->model.audio_running = running;
    if (running) blocked_warned_ = false;  // a later block warns again
    if (sounding_ && sounding_->why == Why::ring) warn_if_unheard();
    ctx_->out.view_changed();
}

// The microphone is open while a call on the softphone is connected or held, muted as the
// agent's side of the current call is.
void Softphone::follow_microphone() {
    const Model& model = ctx_->model;
    const auto& calls = model.calls.entries();
    const bool needed = audible() && std::any_of(calls.begin(), calls.end(), [](const auto& entry) {
                            const CallState s = entry.second.call.state;
                            return s == CallState::connected || s == CallState::held;
                        });
    if (!needed) {
        if (microphone_ == Microphone::opening || microphone_ == Microphone::open) ctx_->out.emit(CloseMicrophone{});
        microphone_ = Microphone::closed;
        microphone_muted_ = false;
        return;
    }
    if (microphone_ == Microphone::failed) return;  // said once; tried again with the next call
    if (microphone_ == Microphone::closed) {
        const AudioInputConstraints& c = ctx_->config.audioInputConstraints;
        ctx_->out.emit(OpenMicrophone{c.echoCancellation.value_or(true), c.noiseSuppression.value_or(true), c.autoGainControl.value_or(true)});
        microphone_ = Microphone::opening;
        microphone_muted_ = false;
    }
    const Call* current = model.calls.current();
    const bool muted = current != nullptr && agent_muted(*current, model.logged_in ? std::optional(model.known.user.id) : std::nullopt);
    if (muted != microphone_muted_) {
        microphone_muted_ = muted;
        ctx_->out.emit(MuteMicrophone{muted});
    }
}

// The owner of a paired softphone keeps a media socket attached with its control session for the
// whole shift (docs/media.md): attached when the session is up, again when the session changes (a
// login after the old one ended), detached when the audio goes to another tab, unpair or logout.
void Softphone::follow_media() {
    const auto& session = ctx_->link.session();
    const bool wanted = audible() && ctx_->link.up() && session.has_value();
    if (wanted && media_session_ != session) {
        media_session_ = session;
        ctx_->out.emit(AttachMedia{media_url(ctx_->config.websocket_url()), *session});
    } else if (!audible() && media_session_) {
        media_session_.reset();
        ctx_->out.emit(DetachMedia{});
    }
}

std::string media_url(std::string_view websocket_url) {
    // Same host and port, a path ending in /media beside the control socket's.
    const auto scheme_end = websocket_url.find("://");
    const auto path_start = websocket_url.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
    if (path_start == std::string_view::npos) return std::string(websocket_url) + "/media";
    const auto last_slash = websocket_url.find_last_of('/');
    return std::string(websocket_url.substr(0, last_slash)) + "/media";
}

void Softphone::microphone_opened() {
    if (microphone_ == Microphone::opening) microphone_ = Microphone::open;
}

void Softphone::microphone_failed(const std::string& why) {
    if (microphone_ != Microphone::opening && microphone_ != Microphone::open) return;
    microphone_ = Microphone::failed;
    const std::string message = "the microphone could not be opened: " + why;
    ctx_->out.fire("onError", {json::value(message)});
    post_text(*ctx_, message, "error", AppState::READY, std::string("audio"));
}

}  // namespace ucs::agent
