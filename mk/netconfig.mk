# netconfig.mk: NetBSD's rump_pub_netconfig_* / rump_netconfig_* (csrc/netconfig/), linked
# into the kernel library (librumpus.so and librump.so export them), the NetBSD-named
# librumpnet_config.so, and the tests.  The calls configure a kernel through its own
# system calls; see docs/netinet.md ("NetBSD's netconfig calls").

RUMPUS_SRCS += csrc/netconfig/netconfig.c
$(BUILD)/obj/netconfig/netconfig.o: csrc/net/if.h csrc/net/net.h csrc/include/rump/netconfig.h \
                                    mk/netconfig.mk

# librumpnet_config.so: a thin library like kern.mk's, with no component of its own: the
# calls live in librump.so.  Its own rule because nothing in it references librump.so, so
# the dependency is kept explicitly (--no-as-needed) and found beside it ($ORIGIN): then
# dlopen("librumpnet_config.so") + dlsym finds all 29 of NetBSD's names.
$(COMPAT_DIR)/librumpnet_config.so: csrc/kern/netbsd_thin.c.in $(COMPAT_DIR)/librump.so mk/netconfig.mk
	@mkdir -p $(dir $@) $(BUILD)/obj
	sed 's/@COMPONENT@//' csrc/kern/netbsd_thin.c.in > $(BUILD)/obj/thin_rumpnet_config.c
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,librumpnet_config.so.0 -o $@.0 \
	  $(BUILD)/obj/thin_rumpnet_config.c -Wl,-rpath,'$$ORIGIN' -L$(COMPAT_DIR) \
	  -Wl,--no-as-needed -l:librump.so.0 $(LDFLAGS)
	ln -sf librumpnet_config.so.0 $@
BUILD_TARGETS += $(COMPAT_DIR)/librumpnet_config.so

# The C test links the whole archive (components register through a linker section).
$(BUILD)/test/netconfig_test: test/c/netconfig_test.c test/c/tap.h test/c/inet_nb.h \
                              csrc/include/rump/netconfig.h $(BUILD)/lib/librumpus.a \
                              $(BUILD)/test/netconfig_prog
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

# A program written for NetBSD's libraries, linked by their names only.
NETCONFIG_COMPAT_LIBS = $(COMPAT_DIR)/librump.so $(COMPAT_DIR)/librumpuser.so \
  $(COMPAT_DIR)/librumpnet.so $(COMPAT_DIR)/librumpnet_net.so $(COMPAT_DIR)/librumpnet_netinet.so \
  $(COMPAT_DIR)/librumpnet_shmif.so $(COMPAT_DIR)/librumpnet_config.so
$(BUILD)/test/netconfig_prog: test/c/netconfig_prog.c test/c/inet_nb.h csrc/include/rump/netconfig.h \
                              $(NETCONFIG_COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc/include -Itest/c -o $@ $< -L$(COMPAT_DIR) -Wl,--no-as-needed \
	  -lrump -lrumpnet -lrumpnet_net -lrumpnet_netinet -lrumpnet_shmif -lrumpnet_config \
	  -lrumpuser -lpthread $(LDFLAGS)
