#include "server/media/bridge.hpp"

#include "audio/tones.hpp"
#include "media/frame.hpp"
#include "server/engine/engine.hpp"
#include "server/media/recorder.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

namespace ucs::server::media_bridge {

namespace {

using media::Endpoint;
using media::Source;
using media::SourceKind;

constexpr std::size_t heard_max_samples = std::size_t{heard_rate} * heard_seconds;
constexpr std::size_t heard_frame_samples = media::frame_samples * heard_rate / media::sample_rate;
constexpr std::size_t retired_parties_kept = 256;  // ended calls whose /heard stays available
constexpr std::size_t speech_cache_size = 64;
constexpr std::size_t dropped_calls_kept = 4096;  // /heard answers 410 rather than 404 for these

// "a is after b" on a wrapping 32-bit counter (seq, timestamp).
bool after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

}  // namespace

// An agent's media socket and what it was last sent.
struct Listener {
    MediaSocket socket = 0;
    std::uint16_t stream = 0;
    std::string call;              // the call the stream belongs to ("" before the first)
    bool sent_on_stream = false;  // the bar was sent a frame of `stream`, so it knows the stream
    // What the bar was sent: the next seq and timestamp, and where the audio came from ("fwd:<from>:<stream>",
    // "gen:<kind>"). A new origin continues the numbers and sets `restart`.
    std::uint32_t next_seq = 0;
    std::uint32_t next_ts = 0;
    std::string origin;
    std::uint32_t seq_offset = 0;  // forwarding: receiver's seq = sender's + offset
    std::uint32_t ts_offset = 0;
    std::size_t clip_at = 0;  // music on hold: the listener's place in the loop
    bool timing_lost = false;  // ticks were missed: the next generated frame says restart
};

// A simulated party: what it plays and what it has heard.
struct Party {
    std::shared_ptr<const Clip> voice;  // null: silence
    std::size_t voice_at = 0;
    std::size_t music_at = 0;  // its place in the music on hold it hears while its agent holds the call
    // What it heard: the audio decoded so far, then the frames heard since as they came (an empty
    // one is 20 ms of silence). Frames are decoded when /heard asks, not as they arrive: decoding was
    // most of the bridge's work per call, for audio that most calls never have read back.
    std::optional<media::Decoder> decoder;
    std::deque<std::int16_t> heard;
    std::deque<std::vector<std::uint8_t>> undecoded;
    bool retired = false;

    // Samples it keeps, counting each undecoded frame as the 20 ms it will decode to.
    [[nodiscard]] std::size_t heard_size() const { return heard.size() + undecoded.size() * heard_frame_samples; }
};

struct MediaBridge::Impl {
    Impl(SpeechRenderer speech_in, std::size_t heard_budget_bytes)
        : heard_budget_samples(heard_budget_bytes / sizeof(std::int16_t)), speech(std::move(speech_in)) {}

    std::size_t heard_budget_samples;
    std::size_t heard_samples = 0;         // over all parties
    std::set<std::string> dropped_calls;   // calls whose heard audio the budget dropped (bounded)
    std::deque<std::string> dropped_order;

    void forget_party(const std::string& id, bool dropped) {
        const auto party = parties.find(id);
        if (party == parties.end()) return;
        heard_samples -= party->second.heard_size();
        parties.erase(party);
        for (auto it = party_of_call.begin(); it != party_of_call.end();) {
            if (it->second != id) {
                ++it;
                continue;
            }
            if (dropped && dropped_calls.insert(it->first).second) dropped_order.push_back(it->first);
            it = party_of_call.erase(it);
        }
        while (dropped_order.size() > dropped_calls_kept) {
            dropped_calls.erase(dropped_order.front());
            dropped_order.pop_front();
        }
    }

    // Keeps all parties' heard audio within the budget: ended calls' parties go first, oldest first;
    // then the oldest audio of the live parties that hold the most.
    void enforce_heard_budget() {
        while (heard_samples > heard_budget_samples && !retired.empty()) {
            const std::string id = retired.front();
            retired.pop_front();
            if (auto party = parties.find(id); party != parties.end() && party->second.retired) forget_party(id, true);
        }
        if (heard_samples <= heard_budget_samples) return;
        // Every party above a level is cut to it, the level as high as brings all parties to the
        // budget less a slack: cutting to the budget exactly ran this (a scan of every party) with
        // every frame heard once the budget was full.
        const std::size_t target = heard_budget_samples - heard_budget_samples / 32;
        std::vector<std::size_t> sizes;
        sizes.reserve(parties.size());
        for (const auto& [id, party] : parties) sizes.push_back(party.heard_size());
        std::sort(sizes.begin(), sizes.end(), std::greater<>());
        const std::size_t excess = heard_samples - target;
        std::size_t above = 0;  // samples of the k largest parties
        std::size_t level = 0;
        for (std::size_t k = 1; k <= sizes.size(); ++k) {
            above += sizes[k - 1];
            const std::size_t next = k < sizes.size() ? sizes[k] : 0;
            if (above - k * next >= excess) {  // cutting the k largest to `next` would be enough
                level = (above - excess) / k;
                break;
            }
        }
        for (auto& [id, party] : parties) {
            if (party.heard_size() > level) forget_oldest(party, party.heard_size() - level);
        }
    }

    // Forgets the oldest `samples` a party heard: decoded audio first, then whole undecoded frames
    // (so up to a frame more than asked).
    void forget_oldest(Party& party, std::size_t samples) {
        const std::size_t decoded = std::min(samples, party.heard.size());
        party.heard.erase(party.heard.begin(), party.heard.begin() + static_cast<std::ptrdiff_t>(decoded));
        std::size_t forgotten = decoded;
        while (forgotten < samples && !party.undecoded.empty()) {
            party.undecoded.pop_front();
            forgotten += heard_frame_samples;
        }
        heard_samples -= forgotten;
    }

    SpeechRenderer speech;
    std::map<int, Listener> listeners;           // by user id
    std::map<MediaSocket, int> sockets;          // attached socket -> user id
    std::map<std::string, Party> parties;        // by endpoint id
    std::map<std::string, std::string> party_of_call;   // uniqueid -> its simulated party's endpoint id
    std::map<std::string, PartyAudio> pending_audio;    // uniqueid -> audio for a party not seen yet
    std::deque<std::string> retired;             // parties of ended calls, oldest first
    std::map<Endpoint, Source> routes;
    std::map<std::string, std::vector<Endpoint>> hearers;  // endpoint id -> who hears it
    // What the bridge keeps of each call in the legs: its state, and who called (the recording's
    // left channel).
    struct Leg {
        media::LegState state = media::LegState::waiting;
        std::string caller;  // the caller's endpoint id
    };
    std::map<std::string, Leg> call_legs;  // by uniqueid
    std::uint16_t next_stream = 1;
    const std::vector<std::uint8_t> no_payload;
    std::shared_ptr<const Clip> music;
    std::map<std::string, std::shared_ptr<const Clip>> speech_cache;
    std::map<double, std::shared_ptr<const Clip>> tone_cache;
    std::set<std::string> recorded;                  // uniqueids the engine records
    std::map<std::string, CallRecorder> recorders;   // by uniqueid: recordings under way

    // `from` said `payload` into call `call`: the call's recording hears it too, on the caller's
    // channel or the called end's.
    void record(const std::string& call, const std::string& from, std::span<const std::uint8_t> payload) {
        const auto recorder = recorders.find(call);
        if (recorder == recorders.end()) return;
        const auto leg = call_legs.find(call);
        const bool is_caller = leg != call_legs.end() && leg->second.caller == from;
        recorder->second.said(is_caller ? media::Side::caller : media::Side::callee, payload);
    }

    // Starts, continues and ends recordings: 20 ms more of each while its call talks or is held.
    void tick_recordings(MediaOutput& out, BridgeCounters& counters) {
        for (auto it = recorders.begin(); it != recorders.end();) {
            if (recorded.contains(it->first) && call_legs.contains(it->first)) {
                ++it;
                continue;
            }
            out.recordings.push_back({it->first, it->second.finish(), true});
            it = recorders.erase(it);
        }
        for (const auto& [uniqueid, leg] : call_legs) {
            if (leg.state != media::LegState::talking && leg.state != media::LegState::held) continue;
            if (!recorded.contains(uniqueid)) continue;
            auto recorder = recorders.find(uniqueid);
            if (recorder == recorders.end()) {
                recorder = recorders.try_emplace(uniqueid, uniqueid).first;
                ++counters.recordings;
            }
            if (std::string bytes = recorder->second.tick(); !bytes.empty())
                out.recordings.push_back({uniqueid, std::move(bytes), false});
        }
    }

    std::uint16_t new_stream() {
        const std::uint16_t stream = next_stream++;
        if (next_stream == 0) next_stream = 1;
        return stream;
    }

    static int user_of(const Endpoint& endpoint) {
        constexpr std::string_view prefix = "agent:";
        if (!endpoint.id.starts_with(prefix)) return 0;
        int user = 0;
        std::from_chars(endpoint.id.data() + prefix.size(), endpoint.id.data() + endpoint.id.size(), user);
        return user;
    }

    Listener* listener_of(const Endpoint& endpoint) {
        const auto it = listeners.find(user_of(endpoint));
        return it == listeners.end() ? nullptr : &it->second;
    }

    [[nodiscard]] const Source* route_of(const Endpoint& endpoint) const {
        const auto it = routes.find(endpoint);
        return it == routes.end() ? nullptr : &it->second;
    }

    [[nodiscard]] bool talking(const std::string& uniqueid) const { return state_is(uniqueid, media::LegState::talking); }
    [[nodiscard]] bool held(const std::string& uniqueid) const { return state_is(uniqueid, media::LegState::held); }
    [[nodiscard]] bool state_is(const std::string& uniqueid, media::LegState state) const {
        const auto it = call_legs.find(uniqueid);
        return it != call_legs.end() && it->second.state == state;
    }

    // The call an agent's stream belongs to changed: a new stream, numbered afresh.
    void follow_call(Listener& listener, const std::string& call) {
        if (call.empty() || call == listener.call) return;
        listener.call = call;
        listener.stream = new_stream();
        listener.sent_on_stream = false;
        listener.next_seq = 0;
        listener.origin.clear();
    }

    void send(Listener& listener, media::FrameHeader header, std::span<const std::uint8_t> payload, MediaOutput& out) {
        header.stream = listener.stream;
        auto bytes = media::encode_frame(header, payload);
        if (!bytes) return;  // cannot happen for a payload that parsed or that our encoder made
        if (after(header.seq + 1, listener.next_seq)) listener.next_seq = header.seq + 1;
        if (after(header.timestamp + media::timestamp_step, listener.next_ts))
            listener.next_ts = header.timestamp + media::timestamp_step;
        out.frames.push_back({listener.socket, std::move(bytes).value()});
        listener.sent_on_stream = true;
        listener.timing_lost = false;
    }

    // A frame made here (not forwarded): the next numbers of the listener's stream.
    void generate(Listener& listener, std::string origin, std::span<const std::uint8_t> payload, MediaOutput& out) {
        media::FrameHeader header;
        if (origin != listener.origin) listener.clip_at = 0;
        header.restart = origin != listener.origin || listener.timing_lost;
        listener.origin = std::move(origin);
        header.silence = payload.empty();
        header.seq = listener.next_seq;
        header.timestamp = listener.next_ts;
        send(listener, header, payload, out);
    }

    void forward(Listener& listener, const Endpoint& from, const media::FrameView& frame, MediaOutput& out) {
        std::string origin = "fwd:" + from.id + ":" + std::to_string(frame.header.stream);
        media::FrameHeader header = frame.header;
        if (origin != listener.origin) {
            listener.origin = std::move(origin);
            listener.seq_offset = listener.next_seq - frame.header.seq;
            listener.ts_offset = listener.next_ts - frame.header.timestamp;
            header.restart = true;
        }
        header.seq = frame.header.seq + listener.seq_offset;
        header.timestamp = frame.header.timestamp + listener.ts_offset;
        send(listener, header, frame.payload, out);
    }

    // 20 ms into a simulated party's ear: an Opus frame, or silence (an empty payload). Kept as it
    // came; decode_heard() decodes it when asked.
    void hear(Party& party, std::span<const std::uint8_t> payload) {
        party.undecoded.emplace_back(payload.begin(), payload.end());
        heard_samples += heard_frame_samples;
        if (party.heard_size() > heard_max_samples) forget_oldest(party, party.heard_size() - heard_max_samples);
        if (heard_samples > heard_budget_samples) enforce_heard_budget();
    }

    // Decodes what the party heard and has not been decoded yet, in order, with the party's own
    // decoder (its state carries from frame to frame). libopus decodes straight to heard_rate: no
    // resampler. A broken packet is not heard, as a frame that never came.
    void decode_heard(Party& party, BridgeCounters& counters) {
        while (!party.undecoded.empty()) {
            const std::vector<std::uint8_t> payload = std::move(party.undecoded.front());
            party.undecoded.pop_front();
            std::array<float, media::frame_samples> pcm{};
            if (!payload.empty()) {
                if (!party.decoder) {
                    auto decoder = media::Decoder::create(heard_rate);
                    if (decoder) party.decoder.emplace(std::move(decoder).value());
                }
                if (!party.decoder || !party.decoder->decode(payload, pcm)) {
                    heard_samples -= heard_frame_samples;
                    continue;
                }
                ++counters.decoded;
            }
            for (std::size_t i = 0; i < heard_frame_samples; ++i) {
                const float clamped = std::clamp(pcm[i], -1.0F, 1.0F);
                party.heard.push_back(static_cast<std::int16_t>(std::lround(clamped * 32767.0F)));
            }
        }
        if (party.retired) party.decoder.reset();  // nothing more will come
    }

    Expected<std::shared_ptr<const Clip>, std::string> clip_for(const PartyAudio& audio) {
        switch (audio.kind) {
            case PartyAudio::Kind::silence: return std::shared_ptr<const Clip>();
            case PartyAudio::Kind::tone: return tone_clip(audio.tone_hz);
            case PartyAudio::Kind::say: return speech_clip(audio.text);
        }
        return Unexpected(std::string("unknown audio"));
    }

    Expected<std::shared_ptr<const Clip>, std::string> tone_clip(double hz) {
        if (auto cached = tone_cache.find(hz); cached != tone_cache.end()) return cached->second;
        auto clip = encode_clip(tone_second(hz));
        if (!clip) return Unexpected(std::string("tone: ") + std::string(media::to_string(clip.error())));
        if (tone_cache.size() >= speech_cache_size) tone_cache.erase(tone_cache.begin());
        return tone_cache[hz] = *clip;
    }

    Expected<std::shared_ptr<const Clip>, std::string> speech_clip(const std::string& text) {
        if (auto cached = speech_cache.find(text); cached != speech_cache.end()) return cached->second;
        if (!speech) return Unexpected(std::string("say: this ucsd was built without a speech synthesiser"));
        auto samples = speech(text);
        if (!samples) return Unexpected("say: " + samples.error());
        // The prompt, then a second of silence, over and over.
        samples->resize(samples->size() + media::sample_rate, 0.0F);
        auto clip = encode_clip(*samples);
        if (!clip) return Unexpected(std::string("say: ") + std::string(media::to_string(clip.error())));
        if (speech_cache.size() >= speech_cache_size) speech_cache.erase(speech_cache.begin());
        return speech_cache[text] = *clip;
    }

    // A party's next 20 ms packet (an empty payload for silence).
    const std::vector<std::uint8_t>* next_said(Party& party) const {
        if (!party.voice || party.voice->packets.empty()) return &no_payload;
        return &party.voice->packets[party.voice_at++ % party.voice->packets.size()];
    }

    // One tick of generated audio for an agent hearing `source`; false when it gets nothing.
    bool play_to(Listener& listener, const Source& source,
                 const std::map<std::string, const std::vector<std::uint8_t>*>& said, MediaOutput& out) {
        const bool is_talking = talking(source.call);
        switch (source.kind) {
            case SourceKind::endpoint:
                if (auto spoken = said.find(source.from->id); spoken != said.end()) {
                    generate(listener, "gen:" + spoken->first, *spoken->second, out);
                    return true;
                }
                // Agent to agent: neither bar knows its new stream until it is sent a frame of it,
                // and neither speaks on it before: one silence frame tells it.
                if (!is_talking || listener.sent_on_stream) return false;
                generate(listener, "gen:announce", no_payload, out);
                return true;
            case SourceKind::music_on_hold: {
                if (!music || music->packets.empty()) return false;
                const std::size_t at = listener.origin == "gen:music" ? listener.clip_at : 0;
                generate(listener, "gen:music", music->packets[at % music->packets.size()], out);
                listener.clip_at = at + 1;
                return true;
            }
            case SourceKind::silence:
                // The far end is muted: silence frames. A holder, or a call still ringing: nothing.
                if (is_talking) {
                    generate(listener, "gen:silence", no_payload, out);
                    return true;
                }
                listener.origin.clear();
                return false;
            case SourceKind::ringback: break;  // a softphone plays its own
        }
        return false;
    }

    void meet_party(const Endpoint& endpoint, const std::string& uniqueid) {
        auto [party, is_new] = parties.try_emplace(endpoint.id);
        party->second.retired = false;
        party_of_call.try_emplace(uniqueid, endpoint.id);
        if (!is_new) return;
        if (auto audio = pending_audio.find(uniqueid); audio != pending_audio.end()) {
            if (auto clip = clip_for(audio->second)) party->second.voice = *clip;
            pending_audio.erase(audio);
        }
    }

    // Parties of ended calls are kept (for /heard) up to retired_parties_kept, the oldest forgotten first.
    void retire_parties(const std::set<std::string>& live) {
        for (auto& [id, party] : parties) {
            if (party.retired || live.contains(id)) continue;
            party.retired = true;
            if (party.undecoded.empty()) party.decoder.reset();  // else decode_heard() still needs it
            retired.push_back(id);
        }
        while (retired.size() > retired_parties_kept) {
            const std::string id = retired.front();
            retired.pop_front();
            const auto party = parties.find(id);
            if (party == parties.end() || !party->second.retired) continue;
            forget_party(id, false);
        }
    }
};

MediaBridge::MediaBridge(SpeechRenderer speech, std::size_t heard_budget_bytes)
    : impl_(std::make_unique<Impl>(std::move(speech), heard_budget_bytes)) {
    auto music = encode_clip(audio::render(audio::Tone::music_on_hold, media::sample_rate));
    if (music) impl_->music = *music;
}

MediaBridge::~MediaBridge() = default;

std::uint16_t MediaBridge::attach(int user_id, MediaSocket socket, MediaOutput& out) {
    Listener& listener = impl_->listeners[user_id];
    if (listener.socket != 0 && listener.socket != socket) {
        out.closes.emplace_back(listener.socket, close_replaced);
        impl_->sockets.erase(listener.socket);
    }
    if (auto previous = impl_->sockets.find(socket); previous != impl_->sockets.end() && previous->second != user_id) {
        impl_->listeners.erase(previous->second);  // the same socket attached again, as another agent
    }
    listener = Listener{};
    listener.socket = socket;
    listener.stream = impl_->new_stream();
    if (const Source* source = impl_->route_of(agent_endpoint(user_id))) listener.call = source->call;
    impl_->sockets[socket] = user_id;
    return listener.stream;
}

void MediaBridge::detach(MediaSocket socket) {
    const auto it = impl_->sockets.find(socket);
    if (it == impl_->sockets.end()) return;
    impl_->listeners.erase(it->second);
    impl_->sockets.erase(it);
}

bool MediaBridge::attached(MediaSocket socket) const { return impl_->sockets.contains(socket); }

std::uint16_t MediaBridge::stream_of(int user_id) const {
    const auto it = impl_->listeners.find(user_id);
    return it == impl_->listeners.end() ? 0 : it->second.stream;
}

void MediaBridge::receive(MediaSocket socket, std::span<const std::uint8_t> bytes, MediaOutput& out) {
    const auto user = impl_->sockets.find(socket);
    if (user == impl_->sockets.end()) {
        ++counters_.unattached;
        return;
    }
    const auto frame = media::parse_frame(bytes);
    if (!frame) {
        ++counters_.malformed;
        return;
    }
    if (frame->header.stream != impl_->listeners.at(user->second).stream) {
        ++counters_.stale;
        return;
    }
    const Endpoint from = agent_endpoint(user->second);
    const auto hearers = impl_->hearers.find(from.id);
    if (hearers == impl_->hearers.end()) return;  // nobody hears this agent now (held, muted, no call)
    for (const Endpoint& hearer : hearers->second) {
        if (const Source* source = impl_->route_of(hearer)) impl_->record(source->call, from.id, frame->payload);
        if (hearer.simulated) {
            if (auto party = impl_->parties.find(hearer.id); party != impl_->parties.end())
                impl_->hear(party->second, frame->payload);
        } else if (Listener* listener = impl_->listener_of(hearer)) {
            impl_->forward(*listener, from, *frame, out);
            ++counters_.forwarded;
        }
    }
}

void MediaBridge::set_legs(std::vector<media::BridgeLeg> legs) {
    Impl& impl = *impl_;
    impl.routes = media::who_hears_what(legs);
    impl.hearers.clear();
    impl.call_legs.clear();
    std::set<std::string> live;
    for (const media::BridgeLeg& leg : legs) {
        impl.call_legs[leg.uniqueid] = Impl::Leg{leg.state, leg.caller.id};
        // The outside party of a call: its caller, else the number an agent dialled.
        for (const Endpoint* end : {&leg.caller, leg.callee ? &*leg.callee : nullptr}) {
            if (end == nullptr || !end->simulated) continue;
            impl.meet_party(*end, leg.uniqueid);
            live.insert(end->id);
        }
    }
    for (const auto& [listener, source] : impl.routes) {
        if (source.kind == SourceKind::endpoint && source.from) impl.hearers[source.from->id].push_back(listener);
        if (Listener* agent = listener.simulated ? nullptr : impl.listener_of(listener)) impl.follow_call(*agent, source.call);
    }
    impl.retire_parties(live);
}

void MediaBridge::tick(MediaOutput& out) {
    Impl& impl = *impl_;
    // Each simulated party that someone hears says its next 20 ms, once for all of them.
    std::map<std::string, const std::vector<std::uint8_t>*> said;
    for (const auto& [id, hearers] : impl.hearers) {
        const auto party = impl.parties.find(id);
        if (party == impl.parties.end()) continue;
        said[id] = impl.next_said(party->second);
        for (const Endpoint& hearer : hearers)
            if (const Source* source = impl.route_of(hearer)) impl.record(source->call, id, *said[id]);
    }
    for (auto& [user_id, listener] : impl.listeners) {
        const Source* source = impl.route_of(agent_endpoint(user_id));
        if (source == nullptr) {
            listener.origin.clear();  // the next frame, whenever it comes, restarts the bar's timing
            continue;
        }
        if (impl.play_to(listener, *source, said, out)) ++counters_.generated;
    }
    // Simulated parties their agent does not speak to hear what the agent's side plays instead: 20 ms
    // of silence while the agent is muted, of music on hold while the agent holds the call. (A caller
    // still waiting in a queue hears music too, but /heard keeps what came from the agent's side.)
    for (const auto& [endpoint, source] : impl.routes) {
        if (!endpoint.simulated) continue;
        const auto party = impl.parties.find(endpoint.id);
        if (party == impl.parties.end()) continue;
        if (source.kind == SourceKind::silence && impl.talking(source.call)) {
            impl.hear(party->second, {});
        } else if (source.kind == SourceKind::music_on_hold && impl.held(source.call) && impl.music &&
                   !impl.music->packets.empty()) {
            impl.hear(party->second, impl.music->packets[party->second.music_at++ % impl.music->packets.size()]);
        }
    }
    impl.tick_recordings(out, counters_);
}

bool MediaBridge::busy() const { return !impl_->routes.empty() || !impl_->recorders.empty(); }

void MediaBridge::ticks_missed() {
    for (auto& [user_id, listener] : impl_->listeners) listener.timing_lost = true;
}

void MediaBridge::set_recorded(std::set<std::string> uniqueids) { impl_->recorded = std::move(uniqueids); }

std::optional<std::string> MediaBridge::prepare_audio(const PartyAudio& audio) {
    auto clip = impl_->clip_for(audio);
    if (!clip) return clip.error();
    return std::nullopt;
}

std::optional<std::string> MediaBridge::set_party_audio(const std::string& uniqueid, const PartyAudio& audio) {
    auto clip = impl_->clip_for(audio);
    if (!clip) return clip.error();
    if (auto known = impl_->party_of_call.find(uniqueid); known != impl_->party_of_call.end()) {
        Party& party = impl_->parties[known->second];
        party.voice = *clip;
        party.voice_at = 0;
    } else {
        impl_->pending_audio[uniqueid] = audio;
        if (impl_->pending_audio.size() > retired_parties_kept) impl_->pending_audio.erase(impl_->pending_audio.begin());
    }
    return std::nullopt;
}

std::size_t MediaBridge::heard_bytes() const { return impl_->heard_samples * sizeof(std::int16_t); }

Expected<std::vector<std::int16_t>, HeardMissing> MediaBridge::heard(const std::string& uniqueid) {
    const auto known = impl_->party_of_call.find(uniqueid);
    if (known == impl_->party_of_call.end())
        return Unexpected(impl_->dropped_calls.contains(uniqueid) ? HeardMissing::dropped : HeardMissing::unknown);
    const auto party = impl_->parties.find(known->second);
    if (party == impl_->parties.end()) return Unexpected(HeardMissing::unknown);
    impl_->decode_heard(party->second, counters_);
    return std::vector<std::int16_t>(party->second.heard.begin(), party->second.heard.end());
}

std::string wav_file(std::span<const std::int16_t> samples, int rate) {
    std::string out;
    auto put = [&](std::uint32_t value, int bytes) {
        for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    };
    const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
    out += "RIFF";
    put(36 + data_bytes, 4);
    out += "WAVEfmt ";
    put(16, 4);                                    // fmt chunk size
    put(1, 2);                                     // PCM
    put(1, 2);                                     // mono
    put(static_cast<std::uint32_t>(rate), 4);      // sample rate
    put(static_cast<std::uint32_t>(rate) * 2, 4);  // byte rate
    put(2, 2);                                     // block align
    put(16, 2);                                    // bits per sample
    out += "data";
    put(data_bytes, 4);
    for (const std::int16_t sample : samples) put(static_cast<std::uint16_t>(sample), 2);
    return out;
}

}  // namespace ucs::server::media_bridge
