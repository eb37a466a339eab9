#!/usr/bin/env bash
# Builds OpenSSL's libcrypto for wasm32 with Debian's Emscripten from Debian's source package, into
# $UCS_CACHE_DIR/openssl-wasm/<installed libssl-dev version>-<recipe hash>/. The source is the installed
# version when the archive has it, else the newest it carries. A cached build is reused; a missing one is
# rebuilt (about 3 min on 2 cores).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"

log() { printf '[openssl-wasm] %s\n' "$*"; }
# shellcheck source=toolchain/debian-source.sh
source "$repo/toolchain/debian-source.sh"

# Only what the agent bar needs: hashes and HMAC through the low-level API, base64, CRYPTO_memcmp.
# Everything that needs an OS the browser lacks (sockets, threads, dlopen, engines) is left out, and so
# are the algorithms and formats it never calls (no-bulk: EC, DH, DSA, the legacy ciphers, CMS, OCSP,
# TS...; the legacy provider, scrypt, GOST, error strings): a third fewer files to compile on a fresh
# machine. The low-level SHA API is deprecated in OpenSSL 3, so `deprecated` stays enabled.
configure_options=(
  linux-generic32 no-asm no-threads no-shared no-dso no-engine no-sock no-ui-console no-tests
  no-afalgeng no-async no-bulk no-legacy no-module no-scrypt no-rfc3779 no-gost no-err
  -DOPENSSL_NO_SECURE_MEMORY
)
recipe=$(printf '%s\n' "${configure_options[@]}" | sha256sum | cut -c1-8)

version=$(dpkg-query -W -f='${source:Version}' libssl-dev)
prefix="$UCS_CACHE_DIR/openssl-wasm/$version-$recipe"

if [ -f "$prefix/lib/libcrypto.a" ] && [ -f "$prefix/include/openssl/sha.h" ]; then
  log "cached: $prefix"
  echo "$prefix" >"$UCS_CACHE_DIR/openssl-wasm/current"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/openssl-wasm.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fetched=$(fetch_debian_source openssl "$version")
cd src

log "configuring and building libcrypto.a for wasm32 (emcc $(emcc -dumpversion))"
# Plain Configure with the compiler emcc runs (wasm_cc_wrapper): emconfigure would prefix the compiler twice.
./Configure "${configure_options[@]}" CC="$(wasm_cc_wrapper "$work")" AR=emar RANLIB=emranlib >configure.log 2>&1 ||
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
