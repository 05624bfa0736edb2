# vfs.mk: the VFS, tmpfs and pipes of the rumpus kernel (csrc/vfs).  Its C tests are
# test/c/vfs_*_test.c and test/c/tmpfs_*_test.c, built by the rules below (whole-archive link).

RUMPUS_SRCS += $(wildcard csrc/vfs/*.c csrc/vfs/fs/*.c)
BENCH_CMDS += $(BUILD)/bench/vfs_bench

# the VFS objects also depend on the VFS headers
$(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(wildcard csrc/vfs/*.c csrc/vfs/fs/*.c)): $(wildcard csrc/vfs/*.h)

$(BUILD)/bench/vfs_bench: bench/vfs_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< $(VFS_TEST_LINK) $(LDFLAGS) $(KERN_LIBS)

# The VFS tests link the whole archive: components are found through a linker section,
# which nothing references by symbol, so a plain archive link would leave them out.
VFS_TEST_LINK = -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive
$(BUILD)/test/vfs_%_test: test/c/vfs_%_test.c test/c/tap.h test/c/vfs_util.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< $(VFS_TEST_LINK) $(LDFLAGS) $(KERN_LIBS) -ldl
$(BUILD)/test/tmpfs_%_test: test/c/tmpfs_%_test.c test/c/tap.h test/c/vfs_util.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< $(VFS_TEST_LINK) $(LDFLAGS) $(KERN_LIBS) -ldl
