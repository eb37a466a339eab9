#!/usr/bin/env bash
# Unpacks libphonenumber's headers (Debian's libphonenumber-dev) into
# $UCS_CACHE_DIR/libphonenumber-dev/<installed libphonenumber8 version>/ without installing the package:
# it depends on libboost-thread1.74-dev, which conflicts with the libboost1.81-dev that Boost.JSON needs.
# setup.sh installs what the headers and the library really need (libphonenumber8, libprotobuf-dev,
# libabsl-dev); the -dev package's own dependencies are not installed. A cached copy is reused; a missing
# one is fetched again (seconds).
#
# Layout: include/phonenumbers/*.h, and lib/libphonenumber.so pointing at the installed runtime library
# (the -dev package's own link is relative and would dangle outside /usr/lib).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"

log() { printf '[phonenumber-dev] %s\n' "$*"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The headers must match the library ucsd links at run time, so the runtime's version is the key.
version=$(dpkg-query -W -f='${Version}' libphonenumber8)
cache="$UCS_CACHE_DIR/libphonenumber-dev"
prefix="$cache/$version"

if [ -f "$prefix/include/phonenumbers/phonenumberutil.h" ] && [ -e "$prefix/lib/libphonenumber.so" ]; then
  log "cached: $prefix"
  echo "$prefix" >"$cache/current"
  exit 0
fi

# The installed runtime library, by its SONAME file name (libphonenumber.so.8). The list is captured
# first: a pipe into a reader that stops early would SIGPIPE dpkg-query and fail under pipefail.
runtime_files=$(dpkg-query -L libphonenumber8)
runtime_lib=$(awk '/\/libphonenumber\.so\.[0-9]+$/ { found = $0 } END { print found }' <<<"$runtime_files")
if [ -z "$runtime_lib" ] || [ ! -e "$runtime_lib" ]; then
  log "libphonenumber8 $version has no libphonenumber.so.N"
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/phonenumber-dev.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# apt-get download needs the package lists, which a fresh container may not have yet: update once, retry.
log "fetching Debian package libphonenumber-dev $version (files only, no dependencies)"
if ! apt-get download -qq "libphonenumber-dev=$version" </dev/null >fetch.log 2>&1; then
  as_root apt-get update -qq
  apt-get download -qq "libphonenumber-dev=$version" </dev/null >fetch.log 2>&1 ||
    { cat fetch.log; log "libphonenumber-dev $version could not be fetched"; exit 1; }
fi
deb=$(ls libphonenumber-dev_*.deb)
dpkg-deb -x "$deb" root

staging="$prefix.partial"
rm -rf "$staging"
mkdir -p "$staging/lib"
cp -r root/usr/include "$staging/include"
ln -s "$runtime_lib" "$staging/lib/libphonenumber.so"
[ -f "$staging/include/phonenumbers/phonenumberutil.h" ] || { log "$deb has no phonenumberutil.h"; exit 1; }
printf 'Debian libphonenumber-dev %s (headers only; runtime %s)\n' "$version" "$runtime_lib" >"$staging/BUILD-INFO"
rm -rf "$prefix"
mv "$staging" "$prefix"
echo "$prefix" >"$cache/current"
log "installed: $prefix"
