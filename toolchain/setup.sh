#!/usr/bin/env bash
# Installs whatever a fresh Debian 12 machine is missing to build and test ucs-operator:
# Debian packages, the npm packages from the committed lockfile, and OpenSSL's libcrypto for
# wasm32 and libopus for wasm32 (each built once into a cache outside the clone). Safe and fast to run again.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Package list: compilers and libraries for both builds, the browser for end-to-end tests.
apt_packages=(
  build-essential cmake ninja-build pkg-config git python3 python3-websockets
  clang-format clang-tidy
  clang libclang-rt-14-dev  # the native-asan preset: ASan + UBSan, and libFuzzer for tests/fuzz
  emscripten
  libboost1.81-dev libboost-json1.81-dev
  libssl-dev libsqlite3-dev libsqlitecpp-dev
  catch2
  libopus-dev  # the softphone's codec natively; toolchain/opus-wasm.sh builds the same version for wasm32
  espeak-ng libespeak-ng-dev  # ucsd's simulated parties speak the sandbox's {"say": "text"} (docs/server.md)
  chromium
  dpkg-dev
  # libphonenumber's runtime and what its headers include; the headers themselves come from
  # phonenumber-dev.sh (libphonenumber-dev conflicts with libboost1.81-dev).
  libphonenumber8 libprotobuf-dev libabsl-dev
)

missing_packages() {
  local pkg
  # node and npm may come from elsewhere than Debian (npm ships inside some nodejs builds).
  command -v node >/dev/null || echo nodejs
  command -v npm >/dev/null || echo npm
  for pkg in "${apt_packages[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || echo "$pkg"
  done
}

install_apt_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all present"
    return
  fi
  log "Debian packages: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# npm ci is skipped when node_modules already matches the committed lockfile.
install_npm_packages() {
  local stamp="$repo/node_modules/.ucs-lock-sha256"
  local want
  want=$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "npm packages: up to date"
    return
  fi
  log "npm packages: npm ci"
  (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  echo "$want" >"$stamp"
}

install_apt_packages
install_npm_packages
"$repo/toolchain/openssl-wasm.sh"
"$repo/toolchain/opus-wasm.sh"
"$repo/toolchain/phonenumber-dev.sh"
log "done"
