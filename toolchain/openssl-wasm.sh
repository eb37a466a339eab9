#!/usr/bin/env bash
# Builds OpenSSL's libcrypto for wasm32 with Debian's Emscripten from Debian's source package, into
# $UCS_CACHE_DIR/openssl-wasm/<installed libssl-dev version>-<recipe hash>/. The source is the installed
# version when the archive has it, else the newest it carries. A cached build is reused; a missing one is
# rebuilt (about 90 s on 2 cores).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"

log() { printf '[openssl-wasm] %s\n' "$*"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Only what the agent bar needs: hashes and HMAC through the low-level API, base64, CRYPTO_memcmp.
# Everything that needs an OS the browser lacks (sockets, threads, dlopen, engines) is left out.
configure_options=(
  linux-generic32 no-asm no-threads no-shared no-dso no-engine no-sock no-ui-console no-tests
  no-afalgeng no-async -DOPENSSL_NO_SECURE_MEMORY
)
recipe=$(printf '%s\n' "${configure_options[@]}" | sha256sum | cut -c1-8)

version=$(dpkg-query -W -f='${source:Version}' libssl-dev)
prefix="$UCS_CACHE_DIR/openssl-wasm/$version-$recipe"

if [ -f "$prefix/lib/libcrypto.a" ] && [ -f "$prefix/include/openssl/sha.h" ]; then
  log "cached: $prefix"
  echo "$prefix" >"$UCS_CACHE_DIR/openssl-wasm/current"
  exit 0
fi

# Debian's source packages need a deb-src entry; derive it from the machine's own binary sources.
ensure_deb_src() {
  local known
  known=$(apt-cache showsrc openssl 2>/dev/null || true)
  if [[ $known == *"Package: openssl"* ]]; then
    return
  fi
  local list=/etc/apt/sources.list.d/ucs-operator-src
  log "adding deb-src entries ($list.*)"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | as_root tee "$list.sources" >/dev/null
  fi
  if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | as_root tee "$list.list" >/dev/null
  fi
  as_root apt-get update -qq
}

ensure_deb_src
work=$(mktemp -d "${TMPDIR:-/tmp}/openssl-wasm.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# The installed version first; an archive may not carry its source (security updates, say), so then
# the newest source version it does carry.
fetched=""
candidates=$( (echo "$version"; apt-cache showsrc openssl | awk '/^Version:/{print $2}' | sort -Vr) | awk '!seen[$0]++')
for candidate in $candidates; do
  log "fetching Debian source package openssl $candidate"
  if apt-get source --download-only -qq "openssl=$candidate" </dev/null >fetch.log 2>&1; then
    fetched=$candidate
    break
  fi
  rm -f openssl_*
done
[ -n "$fetched" ] || { cat fetch.log; log "no openssl source package could be fetched"; exit 1; }
dsc=$(ls openssl_*.dsc | head -n1)
dpkg-source --no-check -x "$dsc" src >/dev/null
cd src

log "configuring and building libcrypto.a for wasm32 (emcc $(emcc -dumpversion))"
# Plain Configure with CC=emcc: emconfigure would prefix the compiler twice.
./Configure "${configure_options[@]}" CC=emcc AR=emar RANLIB=emranlib >configure.log 2>&1 ||
  { cat configure.log; exit 1; }
make -j"$(nproc)" build_generated >make.log 2>&1 || { tail -n 50 make.log; exit 1; }
make -j"$(nproc)" libcrypto.a >>make.log 2>&1 || { tail -n 50 make.log; exit 1; }

staging="$prefix.partial"
rm -rf "$staging"
mkdir -p "$staging/lib" "$staging/include"
cp libcrypto.a "$staging/lib/"
cp -r include/openssl "$staging/include/"
printf 'openssl source %s (installed libssl-dev %s)\nconfigure %s\n' "$fetched" "$version" "${configure_options[*]}" >"$staging/BUILD-INFO"
rm -rf "$prefix"
mv "$staging" "$prefix"
echo "$prefix" >"$UCS_CACHE_DIR/openssl-wasm/current"
log "installed: $prefix"
