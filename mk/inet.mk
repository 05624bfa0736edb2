# inet.mk: interfaces, buses, routing and IPv4 (components net.net, net.shmif,
# net.netinet).  Sources: csrc/net/{if,bus,route,rtsock,pcap}*.c (linked through
# net.mk's csrc/net/*.c) and csrc/netinet/*.c (added here).

RUMPUS_SRCS += $(wildcard csrc/netinet/*.c)
INET_SRCS := $(wildcard csrc/net/if*.c csrc/net/bus*.c csrc/net/route*.c csrc/net/rtsock.c \
                        csrc/net/pcap*.c csrc/netinet/*.c)
INET_HDRS := $(wildcard csrc/net/if.h csrc/net/net.h csrc/netinet/*.h)
$(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(INET_SRCS)): $(INET_HDRS) mk/inet.mk

# Tests link the whole archive: components register through a linker section.
INET_TEST_DEPS = test/c/tap.h test/c/inet_util.h $(INET_HDRS) $(BUILD)/lib/librumpus.a
$(BUILD)/test/inet_%_test: test/c/inet_%_test.c $(INET_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

DEPS_PKGS += tshark
BENCH_CMDS += $(BUILD)/bench/inet_bench
bench: $(BUILD)/bench/inet_bench

$(BUILD)/bench/inet_bench: bench/inet_bench.c $(INET_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
