# net.mk: the socket layer (component "net") and AF_UNIX (component "net.local").
# Sources are linked into the kernel library; C tests test/c/net_*_test.c are built by
# kern.mk's pattern rule.

RUMPUS_SRCS += $(wildcard csrc/net/*.c)

$(BUILD)/obj/net/%.o: $(wildcard csrc/net/*.h)

# The net tests link the whole archive: components register through a linker section,
# which nothing references, so a plain static link would leave csrc/net out.  (This
# pattern is more specific than kern.mk's %_test and wins.)  They share a header of
# NetBSD socket ABI values.
$(BUILD)/test/net_%_test: test/c/net_%_test.c test/c/tap.h test/c/net_sock_nb.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

BENCH_CMDS += $(BUILD)/bench/net_bench
$(BUILD)/bench/net_bench: bench/net_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)
bench: $(BUILD)/bench/net_bench

# NetBSD's library names for the net components (thin libraries, see kern.mk)
NET_THIN = rumpnet:net rumpnet_local:net.local
$(foreach t,$(NET_THIN),$(eval $(call thin_lib,$(firstword $(subst :, ,$(t))),$(word 2,$(subst :, ,$(t))))))
BUILD_TARGETS += $(foreach t,$(NET_THIN),$(COMPAT_DIR)/lib$(firstword $(subst :, ,$(t))).so)

NET_COMPAT_LIBS = $(COMPAT_DIR)/librump.so $(COMPAT_DIR)/librumpuser.so \
                  $(COMPAT_DIR)/librumpnet.so $(COMPAT_DIR)/librumpnet_local.so
$(BUILD)/test/net_compat_prog: test/c/net_compat_prog.c $(NET_COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(COMPAT_DIR) -Wl,--no-as-needed -lrumpnet_local -lrumpnet \
	  -lrump -lrumpuser $(LDFLAGS)
$(BUILD)/test/net_compat_prog_nonet: test/c/net_compat_prog.c $(NET_COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNO_NET -o $@ $< -L$(COMPAT_DIR) -lrump -lrumpuser $(LDFLAGS)
$(BUILD)/test/net_sock_compat_test: $(BUILD)/test/net_compat_prog $(BUILD)/test/net_compat_prog_nonet
