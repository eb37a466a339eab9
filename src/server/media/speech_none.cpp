#include "server/media/speech.hpp"

namespace ucs::server::media_bridge {

SpeechRenderer espeak_renderer() { return {}; }

}  // namespace ucs::server::media_bridge
