# impair.mk: impaired links (issue 10; csrc/net/bus_impair.c, linked through net.mk; tests
# test/c/bus_impair_test.c, tcp_impair_test.c by kern.mk's pattern rule).
# bench/impair_bench.c: the bus's fast path against the impaired path, same run.

BENCH_CMDS += $(BUILD)/bench/impair_bench
bench: $(BUILD)/bench/impair_bench

$(BUILD)/bench/impair_bench: bench/impair_bench.c test/c/inet_nb.h csrc/net/bus.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
