#!/usr/bin/env bash
# Builds libopus for wasm32 with Debian's Emscripten from Debian's `opus` source package, into
# $UCS_CACHE_DIR/opus-wasm/<installed libopus-dev version>-<recipe hash>/ (lib/libopus.a,
# include/opus/*.h). The source is the installed version when the archive has it, else the newest it
# carries. A cached build is reused; a missing one is rebuilt (about a minute on 2 cores).
#
# Neither autotools nor the tarball's CMakeLists.txt work here (config.sub does not know
# wasm32-unknown-emscripten; CMakeLists.txt includes a missing opus_buildtype.cmake), so the sources
# are compiled directly: the lists come from the package's own celt_sources.mk, silk_sources.mk and
# opus_sources.mk, chosen the way its Makefile.am chooses them for a float build without intrinsics.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"

log() { printf '[opus-wasm] %s\n' "$*"; }
# shellcheck source=toolchain/debian-source.sh
source "$repo/toolchain/debian-source.sh"

# The recipe. Float build: the AudioWorklet hands us floats, Debian's native libopus (ucsd) is the float
# build too, and fixed-point would save only ~20 KB gzip (bench/README.md has the figures). -Os: 21 KB
# less gzip than -O2 for the same speed under node. VAR_ARRAYS is what configure picks for a C99
# compiler; HAVE_LRINT(F) is what it finds in Emscripten's libc. No SSE/NEON lists, no run-time CPU
# detection: wasm32 has neither.
source_lists=(CELT_SOURCES SILK_SOURCES SILK_SOURCES_FLOAT OPUS_SOURCES OPUS_SOURCES_FLOAT)
# What configure would have put in config.h (PACKAGE_VERSION is added from the package).
config_h='#define OPUS_BUILD 1
#define VAR_ARRAYS 1
#define HAVE_LRINTF 1
#define HAVE_LRINT 1'
cflags=(-Os -DNDEBUG -DHAVE_CONFIG_H -I. -Iinclude -Icelt -Isilk -Isilk/float)
# Objects from another Emscripten may not link with ours: its version is part of the recipe (read from
# dpkg, not `emcc -dumpversion`, which would cost the cached path most of a second).
emscripten=$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || echo unknown)
recipe=$(printf '%s\n' "${source_lists[@]}" "$config_h" "${cflags[@]}" "emscripten $emscripten" | sha256sum | cut -c1-8)

version=$(dpkg-query -W -f='${source:Version}' libopus-dev 2>/dev/null || true)
[ -n "$version" ] || { log "libopus-dev is not installed: run toolchain/setup.sh"; exit 1; }
cache="$UCS_CACHE_DIR/opus-wasm"
prefix="$cache/$version-$recipe"

if [ -f "$prefix/lib/libopus.a" ] && [ -f "$prefix/include/opus/opus.h" ]; then
  log "cached: $prefix"
  echo "$prefix" >"$cache/current"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/opus-wasm.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fetched=$(fetch_debian_source opus "$version")
cd src

# The files of one make variable (`NAME = a.c \ b.c ...`) in the package's *_sources.mk.
make_list() {
  awk -v name="$1" '
    $1 == name && $2 == "=" { on = 1; $1 = ""; $2 = "" }
    on {
      line = $0; more = sub(/\\[ \t]*$/, "", line)
      n = split(line, words, /[ \t]+/)
      for (i = 1; i <= n; i++) if (words[i] != "") print words[i]
      if (!more) on = 0
    }' celt_sources.mk silk_sources.mk opus_sources.mk
}
sources=()
for list in "${source_lists[@]}"; do
  mapfile -t -O "${#sources[@]}" sources < <(make_list "$list")
done
[ "${#sources[@]}" -gt 100 ] || { log "only ${#sources[@]} sources found in the *_sources.mk files"; exit 1; }

# celt.c reports PACKAGE_VERSION from opus_get_version_string().
package_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' package_version)
printf '%s\n#define PACKAGE_VERSION "%s"\n' "$config_h" "$package_version" >config.h
log "compiling ${#sources[@]} files of opus $package_version for wasm32 (emcc $(emcc -dumpversion))"
# Objects are named after their path (celt/bands.c -> obj/celt_bands.o) so no two collide in the archive.
mkdir -p obj
printf '%s\n' "${sources[@]}" |
  CC=$(wasm_cc_wrapper "$work") xargs -P"$(nproc)" -I{} sh -c 'exec "$CC" -c "$0" -o "obj/$(echo "${0%.c}" | tr / _).o" "$@"' {} "${cflags[@]}" >build.log 2>&1 ||
  { tail -n 50 build.log; exit 1; }
emar rcs libopus.a obj/*.o

staging="$prefix.partial"
rm -rf "$staging"
mkdir -p "$staging/lib" "$staging/include/opus"
cp libopus.a "$staging/lib/"
cp include/*.h "$staging/include/opus/"
printf 'opus source %s (installed libopus-dev %s), %d files from %s\ncflags %s\nemcc %s (Debian emscripten %s)\n' \
  "$fetched" "$version" "${#sources[@]}" "${source_lists[*]}" "${cflags[*]}" "$(emcc -dumpversion)" "$emscripten" >"$staging/BUILD-INFO"
rm -rf "$prefix"
mv "$staging" "$prefix"
echo "$prefix" >"$cache/current"
log "installed: $prefix"
