# tcp6.mk: the TCP over IPv6 / dual-stack benchmark (bench/tcp6_bench.c: IPv6 beside IPv4,
# pcb lookups with 10 and 10,000 connections).  In `make bench` (BENCH_CMDS); alone:
#   make tcp6-bench
BUILD_TARGETS += $(BUILD)/bench/tcp6_bench
$(BUILD)/bench/tcp6_bench: bench/tcp6_bench.c test/c/inet_nb.h test/c/tcp_nb.h test/c/inet6_nb.h \
  $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
.PHONY: tcp6-bench
tcp6-bench: $(BUILD)/bench/tcp6_bench
	$(BUILD)/bench/tcp6_bench
BENCH_CMDS += $(BUILD)/bench/tcp6_bench
