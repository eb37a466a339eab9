# Sourced by the scripts that build a Debian source package for wasm32 (openssl-wasm.sh, opus-wasm.sh).
# Expects log() from the caller.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian's source packages need a deb-src entry; derive it from the machine's own binary sources.
ensure_deb_src() {
  local package=$1 known
  known=$(apt-cache showsrc "$package" 2>/dev/null || true)
  if [[ $known == *"Package: $package"* ]]; then
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

# Fetches and unpacks (with Debian's patches) source package $1 into ./src of the current directory:
# version $2 when the archive has it (an archive may not carry the source of, say, a security update),
# else the newest version it carries. Prints the version fetched.
fetch_debian_source() {
  local package=$1 version=$2 fetched="" candidate candidates
  ensure_deb_src "$package" >&2
  candidates=$( (echo "$version"; apt-cache showsrc "$package" | awk '/^Version:/{print $2}' | sort -Vr) | awk '!seen[$0]++')
  for candidate in $candidates; do
    log "fetching Debian source package $package $candidate" >&2
    if apt-get source --download-only -qq "$package=$candidate" </dev/null >fetch.log 2>&1; then
      fetched=$candidate
      break
    fi
    rm -f "${package}"_*
  done
  [ -n "$fetched" ] || { cat fetch.log >&2; log "no $package source package could be fetched" >&2; return 1; }
  dpkg-source --no-check -x "$(ls "${package}"_*.dsc | head -n1)" src >/dev/null
  echo "$fetched"
}

# Writes $1/wasm-cc and prints its path: the clang that emcc runs for a C file, with the flags emcc adds
# (`emcc --cflags`, and -fno-inline-functions at -Os and -Oz). emcc starts Python for every file, about
# 0.6 s of CPU each: most of a fresh machine's OpenSSL build (5 min 47 s with emcc, 1 min 41 s with
# this). Its objects and emcc's are byte-identical. Linking and archiving stay with emcc and emar.
wasm_cc_wrapper() {
  local dir=$1 clang flags
  : >"$dir/probe.c"
  clang=$(cd "$dir" && emcc -v -c probe.c -o probe.o 2>&1 | sed -n 's/^ "\([^"]*clang[^"]*\)" -target wasm32.*/\1/p' | head -n1)
  flags=$(emcc --cflags)
  rm -f "$dir/probe.c" "$dir/probe.o"
  if [ -z "$clang" ] || [ ! -x "$clang" ] || [ -z "$flags" ]; then
    log "could not read the compiler emcc runs; compiling with emcc" >&2
    echo emcc
    return
  fi
  # emcc also turns off inlining at -Os and -Oz.
  printf '#!/bin/sh\nextra=\nfor arg in "$@"; do case $arg in -Os | -Oz) extra=-fno-inline-functions ;; esac; done\nexec %s %s $extra "$@"\n' \
    "$clang" "$flags" >"$dir/wasm-cc"
  chmod +x "$dir/wasm-cc"
  echo "$dir/wasm-cc"
}
