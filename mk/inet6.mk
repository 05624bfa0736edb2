# inet6.mk: IPv6 (component net.netinet6, NetBSD's librumpnet_netinet6), csrc/netinet6/.
# Its hooks in csrc/net/if.c are filled in at init; docs/netinet6.md.

RUMPUS_SRCS += $(wildcard csrc/netinet6/*.c)
INET6_HDRS := $(wildcard csrc/netinet6/*.h) csrc/net/if.h csrc/net/net.h csrc/netinet/in_var.h
$(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(wildcard csrc/netinet6/*.c)): $(INET6_HDRS) mk/inet6.mk

INET6_TEST_DEPS = test/c/tap.h test/c/inet_nb.h test/c/inet6_nb.h test/c/tcp_nb.h $(INET6_HDRS) \
                  $(BUILD)/lib/librumpus.a
INET6_TEST_DEPS += test/c/bus_raw.h test/c/vsleep.h test/c/inet6_msg.h test/c/tshark.h \
                   test/c/compat_run.h
$(BUILD)/test/inet6_%_test: test/c/inet6_%_test.c $(INET6_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

# NetBSD's library name: a thin library as inet.mk's (the rule is defined there).
$(eval $(call inet_thin_lib,rumpnet_netinet6,net.netinet6))
BUILD_TARGETS += $(INET_COMPAT_DIR)/librumpnet_netinet6.so

# The UDP round trip over IPv6 beside IPv4 (make bench).
BENCH_CMDS += $(BUILD)/bench/inet6_bench
$(BUILD)/bench/inet6_bench: bench/inet6_bench.c $(INET6_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)

# The drop-in library from a NetBSD-style program (inet6_compat_test runs it).
$(BUILD)/test/inet6_compat_prog: test/c/inet6_compat_prog.c test/c/inet_nb.h test/c/inet6_nb.h \
                                 $(INET_COMPAT_LIBS) $(INET_COMPAT_DIR)/librumpnet_netinet6.so
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc/include -Itest/c -o $@ $< -L$(INET_COMPAT_DIR) -Wl,--no-as-needed \
	  -lrumpnet_netinet6 -lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net -lrumpnet -lrump \
	  -lrumpuser $(LDFLAGS)
$(BUILD)/test/inet6_compat_test: $(BUILD)/test/inet6_compat_prog

# IPv6 route lookups in 10,000 prefixes beside 10 (make bench).
BENCH_CMDS += $(BUILD)/bench/inet6_route_bench
$(BUILD)/bench/inet6_route_bench: bench/inet6_route_bench.c $(INET6_TEST_DEPS) test/c/inet_util.h
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
