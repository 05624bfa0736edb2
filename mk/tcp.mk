# tcp.mk: TCP in net.netinet (csrc/netinet/tcp*.c, built by inet.mk's wildcard), its C
# tests (test/c/tcp_*_test.c, which reach kernel internals through the archive) and the
# TCP benchmark (bench/tcp_bench.c).

TCP_HDRS := $(wildcard csrc/netinet/tcp*.h) $(wildcard csrc/netinet/in_var.h csrc/net/*.h)
TCP_TEST_DEPS = test/c/tap.h test/c/inet_nb.h test/c/tcp_nb.h test/c/tcp_pkt.h test/c/tso_xfer.h $(TCP_HDRS) $(BUILD)/lib/librumpus.a
$(BUILD)/test/tcp_%_test: test/c/tcp_%_test.c $(TCP_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

# In `make bench` (BENCH_CMDS, last line); alone:
#   make tcp-bench
BUILD_TARGETS += $(BUILD)/bench/tcp_bench
$(BUILD)/bench/tcp_bench: bench/tcp_bench.c test/c/inet_nb.h test/c/tcp_nb.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
.PHONY: tcp-bench
tcp-bench: $(BUILD)/bench/tcp_bench
	$(BUILD)/bench/tcp_bench
BENCH_CMDS += $(BUILD)/bench/tcp_bench

# Shared test headers (test/c/tshark.h, tcp_xfer.h) of the tests that include them
$(BUILD)/test/tcp_pcap_test: test/c/tshark.h
$(BUILD)/test/tcp_impair_test $(BUILD)/test/tcp_loss_test $(BUILD)/test/tcp_autosize_test: test/c/tcp_xfer.h
