#!/bin/bash
# run.sh BUILD_FUZZ_DIR SECONDS HARNESS...: the body of `make fuzz`.  Runs each libFuzzer
# harness (in parallel, as many at once as there are cores) for SECONDS from its committed
# seed corpus (fuzz/corpus/<h>) plus what earlier runs found (<dir>/work/<h>), then prints
# one line per harness: executions, executions/s, coverage.  A crash (or a broken harness
# invariant, a timeout, a leak) leaves the input in <dir>/crash-<h>-* and fails the run.
set -u
dir=$1 secs=$2
shift 2
ncpu=$(nproc 2>/dev/null || echo 1)
# ASan's alternate signal stack stays on (its default), although every caught fault (a
# kernel EFAULT) then re-reads /proc/self/maps when siglongjmp leaves the handler (fewer
# executions): without it a stack overflow kills the process before ASan and libFuzzer can
# report it and write the input, and a finding must always be a saved, replayable input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-use_sigaltstack=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local h=$1 dict=()
  mkdir -p "$dir/work/$h"
  [ -f "fuzz/$h.dict" ] && dict=(-dict="fuzz/$h.dict")
  "$dir/${h}_fuzz" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -max_len=4096 \
    -rss_limit_mb=2048 -artifact_prefix="$dir/crash-$h-" "${dict[@]}" \
    "$dir/work/$h" "fuzz/corpus/$h" > "$dir/$h.log" 2>&1
  echo $? > "$dir/$h.rc"
}

running=0
for h in "$@"; do
  rm -f "$dir/$h.rc"
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$ncpu" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0
for h in "$@"; do
  log=$dir/$h.log rc=$(cat "$dir/$h.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' | tail -1)
  cov=$(echo "$last" | sed -n 's/cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  printf 'fuzz %-5s %8s runs in %ss, %6s exec/s, coverage %s edges, %s features, corpus %s inputs' \
    "$h" "${runs:-?}" "$secs" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  if [ "$rc" -ne 0 ]; then
    failed=1
    printf ' -- FAILED (exit %s)\n' "$rc"
    grep -E 'ERROR|runtime error|harness:|SUMMARY|Test unit written|timeout' "$log" | head -8 | sed 's/^/    /'
    ls "$dir"/crash-"$h"-* "$dir"/timeout-"$h"-* "$dir"/leak-"$h"-* "$dir"/oom-"$h"-* 2>/dev/null |
      sed 's/^/    input: /'
    echo "    replay: $(dirname "$dir")/test/fuzz_${h}_test <input>   (full log: $log)"
  else
    printf '\n'
  fi
done
exit $failed
