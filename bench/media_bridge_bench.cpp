// bench: ucsd's media bridge, sans-IO, on this machine: N calls of an agent talking to a simulated
// caller that plays a tone (every agent's bar sending a frame per 20 ms period into the simulated
// caller's ear), then N calls between two agents (forwarding only). Prints the CPU time of one 20 ms
// period and the share of one core, for several N, and what reading back what the callers heard costs
// (the decode a sandbox `GET .../heard` does). A figure to read in the native-release build, not a
// test: `media_bridge_bench [calls...]`.
#include "media/frame.hpp"
#include "media/opus_codec.hpp"
#include "server/engine/engine.hpp"
#include "server/media/bridge.hpp"

#include <array>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

namespace mb = ucs::server::media_bridge;
namespace media = ucs::media;

namespace {

// CPU time of this thread, not wall time: the machine is shared and its load is printed beside.
double cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double load_average() {
    std::ifstream in("/proc/loadavg");
    double load = 0;
    in >> load;
    return load;
}

// A 20 ms Opus packet of speech-level noise-free tone, as a bar would send.
std::vector<std::uint8_t> sample_packet() {
    auto encoder = media::Encoder::create();
    std::array<float, media::frame_samples> pcm{};
    std::vector<std::uint8_t> packet(media::max_payload_size);
    std::size_t size = 0;
    for (int frame = 0; frame < 10; ++frame) {
        for (std::size_t i = 0; i < pcm.size(); ++i)
            pcm[i] = 0.3F * static_cast<float>(std::sin(2 * std::numbers::pi * 1000 * static_cast<double>(frame * 960 + i) / 48000));
        size = encoder->encode(pcm, packet).value();
    }
    packet.resize(size);
    return packet;
}

// `agents`: every call is agent <-> agent (pure forwarding), else agent <-> simulated caller.
void run(int calls, int periods, const std::vector<std::uint8_t>& packet, bool agents) {
    mb::MediaBridge bridge;
    mb::MediaOutput out;
    std::vector<media::BridgeLeg> legs;
    const int bars = agents ? 2 * calls : calls;
    for (int i = 1; i <= calls; ++i) {
        media::BridgeLeg leg;
        leg.uniqueid = "call-" + std::to_string(i);
        leg.caller = agents ? ucs::server::agent_endpoint(calls + i) : media::Endpoint{"trunk:" + std::to_string(i), true};
        leg.callee = ucs::server::agent_endpoint(i);
        leg.state = media::LegState::talking;
        legs.push_back(leg);
        if (!agents) (void)bridge.set_party_audio(leg.uniqueid, {ucs::server::PartyAudio::Kind::tone, 440, ""});
    }
    for (int i = 1; i <= bars; ++i) bridge.attach(i, static_cast<mb::MediaSocket>(i), out);
    bridge.set_legs(legs);
    std::vector<std::uint16_t> streams;
    for (int i = 1; i <= bars; ++i) streams.push_back(bridge.stream_of(i));
    std::size_t frames_out = 0;
    const double start = cpu_seconds();
    for (int period = 0; period < periods; ++period) {
        out = {};
        bridge.set_legs(legs);  // the IO shell refreshes the calls every period
        for (int i = 1; i <= bars; ++i) {
            media::FrameHeader header{false, false, streams[static_cast<std::size_t>(i - 1)],
                                      static_cast<std::uint32_t>(period), static_cast<std::uint32_t>(period * 960)};
            const auto bytes = media::encode_frame(header, packet).value();
            bridge.receive(static_cast<mb::MediaSocket>(i), bytes, out);
        }
        bridge.tick(out);
        frames_out += out.frames.size();
    }
    const double seconds = cpu_seconds() - start;
    const double per_period_ms = seconds * 1000 / periods;
    std::printf("%5d calls %-16s %7.3f ms CPU per 20 ms period = %5.1f %% of one core (%zu frames out, %llu decoded)\n",
                calls, agents ? "agent<->agent:" : "agent<->caller:", per_period_ms, per_period_ms / 20 * 100, frames_out,
                static_cast<unsigned long long>(bridge.counters().decoded));
    if (agents) return;
    // What the callers kept (the heard budget may have dropped some), decoded by reading it back.
    const double read_start = cpu_seconds();
    for (const auto& leg : legs) (void)bridge.heard(leg.uniqueid);
    const double read_us = (cpu_seconds() - read_start) * 1e6;
    const auto decoded = bridge.counters().decoded;
    std::printf("%5d calls %-16s %7.3f ms CPU to read what every caller kept (%.1f us per 20 ms frame, %llu decoded)\n", calls,
                "/heard of each:", read_us / 1000, decoded > 0 ? read_us / static_cast<double>(decoded) : 0.0,
                static_cast<unsigned long long>(decoded));
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {100, 500, 1000};
    std::printf("media bridge, per call: the agent's frame forwarded to a simulated caller that keeps it and the "
                "caller's tone to the agent, or two agents' frames forwarded both ways; load %.2f\n",
                load_average());
    const auto packet = sample_packet();
    for (const bool agents : {false, true})
        for (const int calls : sizes) run(calls, 250, packet, agents);  // 5 s of audio each
    return 0;
}
