BENCH_CMDS += $(LUAJIT) bench/rump_bench.lua
