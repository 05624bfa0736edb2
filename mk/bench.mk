# bench.mk: `make bench` (docs/bench.md).  bench/run.lua runs every benchmark the parts list
# (BENCH_CMDS, BENCH_LUA), each in a fresh process, and ends with one table of figures and
# their baselines.  Every program in BENCH_CMDS that lives in $(BUILD) is built first, so
# `make bench` works on a bare clone whatever part added it.
#
#   $(BUILD)/bench/libbench.so   C loops the Lua benchmarks call through the FFI, so a Lua
#                                figure and its C baseline come from the same process and run
BENCH_LIB  := $(BUILD)/bench/libbench.so
BENCH_BINS  = $(BENCH_LIB) $(filter $(BUILD)/%,$(BENCH_CMDS))
BENCH_LUA  += bench/host.lua bench/lua_rss.lua
BENCH_LUA  += bench/race_bench.lua
# BENCH_QUICK=1: fewer rounds (a smoke run); BENCH_LOAD=1: also the two-thread UDP round
# trip with background load.
BENCH_FLAGS ?=

$(BENCH_LIB): bench/benchlib.c $(BUILD)/lib/librumpus.so mk/bench.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -O2 -Icsrc/include -fvisibility=hidden -pthread -shared -o $@ $< \
	  -L$(BUILD)/lib -l:librumpus.so -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS) -pthread

# bench/bench.h (clock, qsort comparisons, median): the C benchmarks that include it
BENCH_H_USERS := impair inet inet6 kern net nullsys sysproxy tables vfs
BENCH_H_USERS += bus tcp6 inet6_route vcpu race_host
$(patsubst %,$(BUILD)/bench/%_bench,$(BENCH_H_USERS)): bench/bench.h
