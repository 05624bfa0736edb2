# race.mk: race hunting's C benchmark (docs/race.md): host threads of a world, wakeup and
# vCPU hand-off points against the points before them, runs to hit a wakeup-only race.
BENCH_CMDS += $(BUILD)/bench/race_host_bench

$(BUILD)/bench/race_host_bench: bench/race_host_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
