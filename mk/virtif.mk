# virtif.mk: net.virtif, interfaces on a host tap device (csrc/net/if_virt.c, built by
# net.mk's wildcard; the host side is csrc/hyper/tap.c, built by kern.mk's), its
# NetBSD-named library librumpnet_virtif.so and its tests (test/c/virtif_test.c,
# test/rump/virtif_test.lua: as root, in network namespaces the tests make).

# tc (netem) and ip for the Linux side of the tests
DEPS_PKGS += iproute2

VIRTIF_COMPAT_DIR = $(BUILD)/netbsd-compat/lib
$(eval $(call inet_thin_lib,rumpnet_virtif,net.virtif))
BUILD_TARGETS += $(VIRTIF_COMPAT_DIR)/librumpnet_virtif.so

$(BUILD)/obj/net/if_virt.o $(BUILD)/obj/hyper/tap.o: csrc/hyper/tap.h csrc/net/if.h

# A NetBSD-style program linked against the drop-in libraries only (virtif_test runs it).
VIRTIF_COMPAT_LIBS = $(INET_COMPAT_LIBS) $(VIRTIF_COMPAT_DIR)/librumpnet_virtif.so
$(BUILD)/test/virtif_compat_prog: test/c/virtif_compat_prog.c test/c/inet_nb.h $(VIRTIF_COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc/include -Itest/c -o $@ $< -L$(VIRTIF_COMPAT_DIR) -Wl,--no-as-needed \
	  -lrumpnet_virtif -lrumpnet_netinet -lrumpnet_net -lrumpnet -lrump -lrumpuser $(LDFLAGS)

$(BUILD)/test/virtif_test: $(BUILD)/test/virtif_compat_prog
$(BUILD)/test/virtif_test: test/c/virtif_test.c test/c/tap.h test/c/inet_nb.h test/c/tcp_nb.h \
  csrc/hyper/tap.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

# The tap's receive thread against kernel tear-down, under ThreadSanitizer (mk/tsan.mk).
TSAN_TESTS += virtif_test
tsan-run: $(BUILD)/test/virtif_test

# TCP bulk kernel <-> Linux through a tap, both ways, beside veth (root; docs/virtif.md).
BUILD_TARGETS += $(BUILD)/bench/virtif_bench
$(BUILD)/bench/virtif_bench: bench/virtif_bench.c bench/bench.h test/c/inet_nb.h test/c/tcp_nb.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
BENCH_CMDS += $(BUILD)/bench/virtif_bench
