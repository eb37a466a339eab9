#!/usr/bin/env bash
# Configures and builds the given CMake presets (default: all three). Used by run.sh and test.sh.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"
cd "$repo"

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(native-debug native-release wasm-release)
for preset in "${presets[@]}"; do
  printf '[build] %s\n' "$preset"
  cmake --preset "$preset" >"build-$preset.configure.log" 2>&1 || { cat "build-$preset.configure.log"; exit 1; }
  rm -f "build-$preset.configure.log"
  cmake --build --preset "$preset" -- -k 0 | grep -v '^\[[0-9]*/[0-9]*\] ' || [ "${PIPESTATUS[0]}" -eq 0 ]
done
