# inet.mk: interfaces, buses, routing and IPv4 (components net.net, net.shmif,
# net.netinet): csrc/net/{if,bus,route,rtsock}*.c and csrc/netinet/.
# C tests test/c/inet_*_test.c and test/c/if_*_test.c are built by kern.mk's rule.

INET_SRCS := $(wildcard csrc/net/if*.c csrc/net/bus*.c csrc/net/route*.c csrc/net/rtsock.c \
                        csrc/net/pcap*.c csrc/netinet/*.c)
RUMPUS_SRCS += $(INET_SRCS)
INET_HDRS := $(wildcard csrc/net/if.h csrc/netinet/*.h)
$(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(INET_SRCS)): $(INET_HDRS) mk/inet.mk
$(patsubst test/c/%.c,$(BUILD)/test/%,$(wildcard test/c/inet_*_test.c test/c/if_*_test.c)): \
    $(INET_HDRS) test/c/inet_util.h

DEPS_PKGS += tshark
BENCH_CMDS += $(BUILD)/bench/net_bench

$(BUILD)/bench/net_bench: bench/net_bench.c $(BUILD)/lib/librumpus.a test/c/inet_util.h $(INET_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< $(BUILD)/lib/librumpus.a $(LDFLAGS) $(KERN_LIBS)
