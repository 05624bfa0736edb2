# pkt.mk: the packet path at scale (issue 16).  The switching bus lives in csrc/net/bus.c
# (linked through net.mk); its test test/c/bus_switch_test.c is built by kern.mk's pattern
# rule.  bench/bus_bench.c: a 1,000-kernel bus, switching against the hub it was.

BENCH_CMDS += $(BUILD)/bench/bus_bench
bench: $(BUILD)/bench/bus_bench

$(BUILD)/bench/bus_bench: bench/bus_bench.c test/c/inet_nb.h csrc/net/bus.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
