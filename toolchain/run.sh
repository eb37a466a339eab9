#!/usr/bin/env bash
# The README's run command: sets up a fresh Debian machine if needed, builds the server and the
# agent bar, and starts the product.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"
cd "$repo"

"$repo/toolchain/setup.sh"
"$repo/toolchain/build.sh" native-release wasm-release

ucsd="$repo/build/native-release/src/server/ucsd"
if [ -x "$ucsd" ]; then
  exec "$ucsd" --demo "$@"
fi
# Until the server lands there is nothing to serve: say what was built instead of pretending.
echo "ucsd is not part of this build yet; built so far:"
"$repo/bench/size"
ls -1 "$repo/build/native-release/examples/crm-sso/sso-token"
