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
INET_TEST_DEPS += test/c/bus_raw.h test/c/vsleep.h test/c/tshark.h test/c/compat_run.h
$(BUILD)/test/inet_%_test: test/c/inet_%_test.c $(INET_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

# Denial-of-service floods against a victim kernel (issue 9), same link.
$(BUILD)/test/dos_%_test: test/c/dos_%_test.c $(INET_TEST_DEPS)
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

# NetBSD's library names for the inet components: thin libraries as kern.mk's (whose
# variables are not defined yet when this fragment is read, hence the own rule).
INET_COMPAT_DIR = $(BUILD)/netbsd-compat/lib
INET_THIN = rumpnet_net:net.net rumpnet_netinet:net.netinet rumpnet_shmif:net.shmif
define inet_thin_lib
$(INET_COMPAT_DIR)/lib$(1).so: csrc/kern/netbsd_thin.c.in $(INET_COMPAT_DIR)/librump.so
	@mkdir -p $$(dir $$@) $(BUILD)/obj
	sed 's/@COMPONENT@/$(2)/' csrc/kern/netbsd_thin.c.in > $(BUILD)/obj/thin_$(1).c
	$$(CC) $$(ALL_CFLAGS) -shared -Wl,-soname,lib$(1).so.0 -o $$@.0 $(BUILD)/obj/thin_$(1).c \
	  -L$(INET_COMPAT_DIR) -l:librump.so.0 $$(LDFLAGS)
	ln -sf lib$(1).so.0 $$@
endef
$(foreach t,$(INET_THIN),$(eval $(call inet_thin_lib,$(firstword $(subst :, ,$(t))),$(word 2,$(subst :, ,$(t))))))
BUILD_TARGETS += $(foreach t,$(INET_THIN),$(INET_COMPAT_DIR)/lib$(firstword $(subst :, ,$(t))).so)
INET_COMPAT_LIBS = $(INET_COMPAT_DIR)/librump.so $(INET_COMPAT_DIR)/librumpuser.so \
                   $(INET_COMPAT_DIR)/librumpnet.so \
                   $(foreach t,$(INET_THIN),$(INET_COMPAT_DIR)/lib$(firstword $(subst :, ,$(t))).so)
$(BUILD)/test/inet_compat_prog: test/c/inet_compat_prog.c test/c/inet_nb.h $(INET_COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc/include -Itest/c -o $@ $< -L$(INET_COMPAT_DIR) -Wl,--no-as-needed \
	  -lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net -lrumpnet -lrump -lrumpuser $(LDFLAGS)
$(BUILD)/test/inet_compat_test: $(BUILD)/test/inet_compat_prog
