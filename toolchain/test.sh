#!/usr/bin/env bash
# The README's test command: sets up a fresh Debian machine if needed, builds everything and runs
# every test suite (native Catch2, the same suites as wasm under node, and the script checks).
# Exits non-zero if any suite fails; every suite runs either way.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=toolchain/env.sh
source "$repo/toolchain/env.sh"
cd "$repo"

"$repo/toolchain/setup.sh" || exit 1
"$repo/toolchain/build.sh" native-debug wasm-release native-asan || exit 1

failed=()
run_suite() {
  local name=$1
  shift
  printf '\n=== %s ===\n' "$name"
  if ! "$@"; then failed+=("$name"); fi
}

# Two at a time (each test is its own process); the browser end to end runs alone after them, so its
# timing-sensitive audio checks do not share the two cores with the other suites.
run_suite "native unit tests (ctest, native-debug)" ctest --preset native-debug --progress -j2 -LE e2e
run_suite "browser end to end (ctest, native-debug)" ctest --preset native-debug --progress -L e2e
run_suite "wasm unit tests (ctest, wasm-release under node)" ctest --preset wasm-release --progress -j2
# The same suites (but the browser end to end) with ASan + UBSan, plus the fuzz corpora replayed;
# then each libFuzzer target for a bounded time (UCS_FUZZ_SECONDS each, default 20).
run_suite "sanitizer tests (ctest, native-asan: ASan + UBSan)" ctest --preset native-asan --progress -j2
run_suite "fuzzing (tests/fuzz, libFuzzer, bounded)" "$repo/toolchain/fuzz.sh"
run_suite "artifact sizes (bench/size)" "$repo/bench/size"

printf '\n'
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
printf 'all suites passed\n'
