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
