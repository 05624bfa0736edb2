# rump.mk: require "rump" (Lua over the kernel library): benchmarks.
bench: $(BUILD)/bench/kern_bench
BENCH_LUA += bench/rump_bench.lua
BENCH_CMDS += bench/three_luas.sh
BENCH_LUA += bench/udp_rtt.lua
