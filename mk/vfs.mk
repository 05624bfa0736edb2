# vfs.mk: the VFS, tmpfs and pipes of the rumpus kernel (csrc/vfs).  Its C tests are
# test/c/vfs_*_test.c and test/c/tmpfs_*_test.c (built by the generic rule of kern.mk).

RUMPUS_SRCS += $(wildcard csrc/vfs/*.c csrc/vfs/fs/*.c)
BENCH_CMDS += $(BUILD)/bench/vfs_bench

$(BUILD)/obj/vfs/%.o: $$(wildcard csrc/vfs/*.h)

$(BUILD)/bench/vfs_bench: bench/vfs_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< $(BUILD)/lib/librumpus.a $(LDFLAGS) $(KERN_LIBS)
