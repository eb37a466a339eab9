#!/usr/bin/env bash
# The bounded fuzz step of the test command: each libFuzzer target in tests/fuzz (built by the
# native-asan preset) mutates its committed corpus for UCS_FUZZ_SECONDS (default 20) with its
# dictionary, one target per core at a time (UCS_FUZZ_JOBS, default nproc). Prints one summary line
# per target, in the order given (execs, execs per second of wall time and of CPU time, coverage), and
# exits non-zero on any finding; a finding's input is kept under build/native-asan/fuzz/findings/ to
# add to the corpus.
#   toolchain/fuzz.sh [target...]      (default: every target)
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build/native-asan"
seconds=${UCS_FUZZ_SECONDS:-20}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(server_frames rest_api agent config sso scram codecs media_frames media_bridge)

# While fuzzing, ASan keeps 16 MB of freed memory in quarantine (not 256: a use after free is caught
# within the same input, and cycling the big quarantine cost a page fault per allocation), records no
# allocation stacks and does not pre-fill allocations. ASan's allocator was half of every run of the
# engine targets (perf: Allocate, StackDepot::Put, unwinding); together these options give 1.9x (agent)
# and 3.3x (server_frames) the inputs per CPU-second of the defaults. A finding is then reproduced with
# full diagnostics by running the target on the saved input with the default options (printed below).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:quarantine_size_mb=16:malloc_context_size=0:max_malloc_fill_size=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/fuzz/findings" "$build/fuzz/results"
# One target: fuzzes it, writes its summary line (and, on a finding, what to look at) to
# $build/fuzz/results/<target>.txt and exits non-zero on a finding or a missing binary.
fuzz_one() {
  local target=$1
  local result="$build/fuzz/results/$target.txt"
  local binary="$build/tests/fuzz/fuzz_$target"
  if [ ! -x "$binary" ]; then
    printf 'fuzz %-14s MISSING %s (build the native-asan preset)\n' "$target" "$binary" >"$result"
    return 1
  fi
  local dict="$repo/tests/fuzz/jsonrpc.dict"
  [ "$target" = scram ] && dict="$repo/tests/fuzz/scram.dict"
  [ "$target" = sso ] && dict=""
  [ "$target" = media_frames ] && dict=""
  # rest_api keeps one engine across inputs, so an input may end with more allocated than
  # it started with by design: libFuzzer's leak check after such inputs would cost more than the
  # input. Leaks still show at exit (LSan) and in the corpus replay under ctest.
  local leaks=1
  case "$target" in rest_api) leaks=0 ;; esac
  # The engine targets reach 30-40k features per input; libFuzzer's entropic schedule updates a
  # frequency per feature per run and took half their time (measured with perf), so it is off there.
  local entropic=1
  case "$target" in server_frames | agent) entropic=0 ;; esac
  # New inputs go to a scratch directory; the committed corpus is read only.
  local work="$build/fuzz/work/$target"
  rm -rf "$work" && mkdir -p "$work"
  local log="$build/fuzz/$target.log"
  # `time` (bash's keyword) gives the CPU seconds the target used, so the rate holds on a loaded machine too.
  local TIMEFORMAT='%U %S'
  { time "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -detect_leaks=$leaks -entropic=$entropic ${dict:+-dict="$dict"} -artifact_prefix="$build/fuzz/findings/$target-" \
      "$work" "$repo/tests/fuzz/corpus/$target" >"$log" 2>&1; } 2>"$log.cpu"
  local status=$?
  local execs rate cpu_rate cov ft corpus verdict=ok
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cpu_rate=$(awk -v execs="$execs" '{ cpu = $1 + $2; if (cpu > 0 && execs != "") printf "%d", execs / cpu; else print "?" }' "$log.cpu")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  [ $status -eq 0 ] || verdict="FINDING (exit $status; log $log)"
  {
    printf 'fuzz %-14s %9s execs in %ss, %6s execs/s (%6s per CPU-second), cov %5s, ft %6s, corpus %5s: %s\n' \
      "$target" "${execs:-?}" "$seconds" "${rate:-?}" "${cpu_rate:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "$verdict"
    if [ $status -ne 0 ]; then
      grep -m1 -A12 -E 'FUZZ FINDING|ERROR: (Address|Undefined|libFuzzer)|runtime error|deadly signal' "$log" | sed 's/^/    /'
      printf '    reproduce with full stacks: ASAN_OPTIONS= %s %s\n' "$binary" "$build/fuzz/findings/$target-*"
    fi
  } >"$result"
  return $status
}

# The targets are single-threaded: as many run at once as there are cores (UCS_FUZZ_JOBS), so the
# step takes targets x seconds / cores of wall time and every target still gets its full seconds of one core.
jobs=${UCS_FUZZ_JOBS:-$(nproc)}
declare -A pid_of
running=0
for target in "${targets[@]}"; do
  if [ $running -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  rm -f "$build/fuzz/results/$target.txt"
  fuzz_one "$target" &
  pid_of[$target]=$!
  running=$((running + 1))
done
failed=()
for target in "${targets[@]}"; do
  wait "${pid_of[$target]}" || failed+=("$target")
  cat "$build/fuzz/results/$target.txt" 2>/dev/null || printf 'fuzz %-14s no result (the run was interrupted)\n' "$target"
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: findings or failures in: %s (inputs under %s)\n' "${failed[*]}" "$build/fuzz/findings"
  exit 1
fi
printf 'fuzz: %d targets, %ss each, no finding\n' "${#targets[@]}" "$seconds"
