# Benchmarks: the C baseline that bench/host.lua prints beside the Lua figures.
# `make bench` runs bench/host.lua (from the top Makefile), which runs $(BUILD)/bench/getpid
# itself so both sides are measured in the same run and shown in one table.
BENCH_BINS := $(BUILD)/bench/getpid

bench: $(BENCH_BINS)

$(BUILD)/bench/getpid: bench/getpid.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)
