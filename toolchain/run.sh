#!/usr/bin/env bash
# The README's run command: sets up a fresh Debian machine if needed, builds the server and the
# agent bar, and starts `ucsd --demo` on http://127.0.0.1:8080/ (extra arguments go to ucsd).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"
cd "$repo"

"$repo/toolchain/setup.sh"
"$repo/toolchain/build.sh" native-release wasm-release

# The demo's database lives outside the clone and survives restarts (delete it to start afresh).
data_dir=${UCSD_DATA_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/ucs-operator/demo}
echo "[run] ucsd --demo (data: $data_dir); the example CRM page is http://127.0.0.1:8080/, the sandbox console /sandbox/"
exec "$repo/build/native-release/src/server/ucsd" --demo --data "$data_dir" "$@"
