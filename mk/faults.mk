# faults.mk: `make faults`, the kernel tests under injected allocation failures
# (rump/rumpus_fault.h).  In the ASan build (build-asan, with LeakSanitizer):
#   1. fault_alloc_test with FAULTS_SEEDS random seeds per rate (its nth sweep fails every
#      allocation of its workload in turn; `make test` runs it with 4 seeds);
#   2. every C test program with RUMPUS_FAULT="alloc:rate=FAULTS_RATE,seed=S", S = 1..
#      FAULTS_RUNS (test/faults.sh): crashes, hangs, sanitizer reports and leaks are listed
#      as findings with their logs; FAULTS_STRICT=1 makes them fail the run (most are the
#      tests' own doing today: they were not written for failing allocations).
FAULTS_STRICT ?= 0
FAULTS_SEEDS ?= 64
FAULTS_RUNS  ?= 2
FAULTS_RATE  ?= 0.02

.PHONY: faults faults-run
faults: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1" \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" faults-run

# C_TEST_BINS is complete only after every fragment was read (kern.mk comes later)
.SECONDEXPANSION:
faults-run: all $$(C_TEST_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 FAULT_SEEDS=$(FAULTS_SEEDS) \
	  $(LUAJIT) test/run.lua --c-only $(BUILD)/test/fault_alloc_test
	@STRICT=$(FAULTS_STRICT) TIMEOUT=60 test/faults.sh $(BUILD) $(FAULTS_RUNS) $(FAULTS_RATE)
