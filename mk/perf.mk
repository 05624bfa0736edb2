# perf.mk: the performance work of issue 16 (docs/bench.md).
#   $(BUILD)/bench/nullsys_bench   the null syscall beside the entries it replaced (in-process)
BENCH_CMDS += $(BUILD)/bench/nullsys_bench

$(BUILD)/bench/nullsys_bench: bench/nullsys_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)

#   $(BUILD)/bench/vcpu_bench      two processes on a kernel's two vCPUs against one alone
BENCH_CMDS += $(BUILD)/bench/vcpu_bench

$(BUILD)/bench/vcpu_bench: bench/vcpu_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
