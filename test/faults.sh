#!/bin/bash
# faults.sh BUILD SEEDS RATE: the second half of `make faults` (mk/faults.mk).  Runs every
# C test program of BUILD (an ASan build) with allocation failures injected process-wide
# (RUMPUS_FAULT="alloc:rate=RATE,seed=S" for S in 1..SEEDS).  The tests were written for
# a machine with memory, so their own assertions may fail (a syscall says ENOMEM where the
# test wanted success): that is counted, not judged.  Listed as findings: a crash or a
# signal, a sanitizer report (ASan, UBSan, LeakSanitizer: exit code 66), a hang (TIMEOUT
# seconds), each with its log.  Most are the test's own doing today (it goes on with the
# NULL kernel or socket whose creation failed, or blocks reading what a failed send never
# sent), so findings fail the run only with STRICT=1; triage them by the top frame.
set -u
build=$1 seeds=$2 rate=$3
timeout=${TIMEOUT:-120}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=66:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=66}
bad=0 runs=0 tapfail=0
for t in "$build"/test/*_test; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  for s in $(seq 1 "$seeds"); do
    runs=$((runs + 1))
    log=$build/faults/$name.$s.log
    mkdir -p "$build/faults"
    RUMPUS_FAULT="alloc:rate=$rate,seed=$s" timeout -s KILL "$timeout" "$t" > "$log" 2>&1
    rc=$?
    nfail=$(grep -c '^not ok' "$log")
    tapfail=$((tapfail + nfail))
    if [ "$rc" -ge 128 ] || [ "$rc" -eq 66 ] || grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$log"; then
      bad=$((bad + 1))
      what="exit $rc"
      [ "$rc" -eq 137 ] && what="hang (killed after ${timeout}s)"
      [ "$rc" -ge 128 ] && [ "$rc" -ne 137 ] && what="signal $((rc - 128))"
      echo "finding: $name seed $s: $what; log $log"
      grep -m3 'ERROR:\|SUMMARY:\|runtime error' "$log" | sed 's/^/    /'
    fi
  done
done
echo "faults: $runs runs of the C tests at rate $rate ($seeds seeds each): $bad crashed, hung or" \
  "reported by a sanitizer (findings above); $tapfail test assertions failed (expected)"
[ "$bad" -eq 0 ] || [ "${STRICT:-0}" != 1 ]
