# Shared environment for the set-up, build and test scripts (sourced, not run).

# Debian's em++ needs node-acorn, which Debian installs where node 20 does not look.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

# Slow third-party builds live outside the clone, keyed by version, so a fresh clone reuses them.
export UCS_CACHE_DIR=${UCS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ucs-operator}

# Where the OpenSSL wasm32 build for the current source version is installed (set by openssl-wasm.sh).
ucs_openssl_wasm_dir() {
  local f="$UCS_CACHE_DIR/openssl-wasm/current"
  [ -f "$f" ] && cat "$f"
}
