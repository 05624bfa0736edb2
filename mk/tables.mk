# tables.mk: bench/tables_bench.c (issue 16): route lookups with 10,000 routes against 10,
# UDP send/recv with 100,000 bound sockets against 10, memory per socket.  Linked as the
# inet tests are (the whole archive), built by `make bench`.
BENCH_CMDS += $(BUILD)/bench/tables_bench
bench: $(BUILD)/bench/tables_bench

$(BUILD)/bench/tables_bench: bench/tables_bench.c $(INET_TEST_DEPS) mk/tables.mk
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
