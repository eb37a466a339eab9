#include "server/media/speech.hpp"

#include "media/frame.hpp"
#include "media/resampler.hpp"

#include <espeak-ng/speak_lib.h>

#include <string>
#include <vector>

namespace ucs::server::media_bridge {

namespace {

constexpr std::size_t max_text_bytes = 1000;

int on_samples(short* samples, int count, espeak_EVENT* events) {
    if (samples == nullptr || count <= 0 || events == nullptr) return 0;
    auto* out = static_cast<std::vector<short>*>(events->user_data);
    out->insert(out->end(), samples, samples + count);
    return 0;  // go on
}

// libespeak-ng's rate, or 0 when it cannot start (no voice data).
int espeak_rate() {
    static const int rate = [] {
        const int r = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, 0);
        if (r <= 0) return 0;
        espeak_SetSynthCallback(on_samples);
        espeak_SetVoiceByName("en");
        return r;
    }();
    return rate;
}

Expected<std::vector<float>, std::string> render(std::string_view text) {
    if (text.empty()) return Unexpected(std::string("the text is empty"));
    if (text.size() > max_text_bytes) return Unexpected(std::string("the text is over 1000 bytes"));
    const int rate = espeak_rate();
    if (rate == 0) return Unexpected(std::string("libespeak-ng could not start (is espeak-ng-data installed?)"));
    std::vector<short> samples;
    const std::string terminated(text);
    if (espeak_Synth(terminated.c_str(), terminated.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr,
                     &samples) != EE_OK)
        return Unexpected(std::string("libespeak-ng failed to speak it"));
    auto up = media::Resampler::create(rate, media::sample_rate);
    if (!up) return Unexpected(std::string("libespeak-ng's sample rate is not supported"));
    std::vector<float> in(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) in[i] = static_cast<float>(samples[i]) / 32768.0F;
    std::vector<float> out(up->output_size(in.size()));
    out.resize(up->process(in, out));
    return out;
}

}  // namespace

SpeechRenderer espeak_renderer() { return render; }

}  // namespace ucs::server::media_bridge
