#pragma once
// Speech for the sandbox's simulated parties ("audio": {"say": "text"}), rendered at run time through
// Debian's libespeak-ng (docs/server.md says why not a build-time asset: the text is the CRM
// developer's, known only when the call is placed). Not thread-safe (libespeak-ng is not): call it
// from ucsd's one io_context thread only.

#include "server/media/bridge.hpp"

namespace ucs::server::media_bridge {

// The renderer, or an empty one when ucsd was built without libespeak-ng (then "say" is refused
// with a message saying so).
SpeechRenderer espeak_renderer();

}  // namespace ucs::server::media_bridge
