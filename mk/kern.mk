# kern.mk: the rumpus kernel (csrc/hyper, csrc/kern and what other parts add), its
# NetBSD-named drop-in libraries, C tests and benchmarks.
#
# Other parts add kernel sources with   RUMPUS_SRCS += csrc/vfs/vfs.c ...
# (any mk/*.mk; the link rules expand the list after every fragment was read).
#
#   $(BUILD)/lib/librumpus.so     the kernel, only the public API exported
#   $(BUILD)/lib/librumpus.a      the same objects, for C tests that reach internals
#   $(BUILD)/netbsd-compat/lib/   librump.so (the kernel again, under NetBSD's name),
#                                 librumpuser.so, librumpvfs.so, librumpfs_tmpfs.so: thin
#                                 libraries whose constructors say "this component is linked"

.SECONDEXPANSION:

RUMPUS_SRCS += $(wildcard csrc/hyper/*.c) $(wildcard csrc/kern/*.c)
RUMPUS_OBJS = $(patsubst csrc/%.c,$(BUILD)/obj/%.o,$(RUMPUS_SRCS))
KERN_CFLAGS = $(ALL_CFLAGS) -Icsrc -Icsrc/include -fvisibility=hidden -pthread
KERN_LIBS = -pthread -ldl
KERN_SOFLAGS = -Wl,--version-script=csrc/kern/exports.map
COMPAT_DIR = $(BUILD)/netbsd-compat/lib
# NetBSD library name -> component it links in (empty: base or hypercalls only)
COMPAT_THIN = rumpuser: rumpvfs:vfs rumpfs_tmpfs:fs.tmpfs
KERN_GEN_OUT = csrc/kern/sysargs_gen.h csrc/kern/sysent_gen.c csrc/kern/syscalls_gen.c \
               csrc/include/rump/rump_syscalls.h lua/syscall/netbsd/syscalls_gen.lua

DEPS_PKGS += binutils
BUILD_TARGETS += $(BUILD)/lib/librumpus.so $(BUILD)/lib/librumpus.a $(BUILD)/bench/kern_bench \
                 $(COMPAT_DIR)/librump.so $(foreach t,$(COMPAT_THIN),$(COMPAT_DIR)/lib$(firstword $(subst :, ,$(t))).so)
KERN_TESTS = $(patsubst test/c/%.c,$(BUILD)/test/%,$(wildcard test/c/*_test.c))
C_TEST_BINS += $(KERN_TESTS)
BENCH_CMDS += $(BUILD)/bench/kern_bench
ASAN_TARGETS += $(KERN_TESTS)

# Regenerate the syscall glue (generated files are committed; test/c/gen_test checks them).
.PHONY: kern-gen
kern-gen:
	$(LUAJIT) csrc/gen/syscalls.lua csrc/syscalls.master .

$(BUILD)/obj/%.o: csrc/%.c $$(wildcard csrc/hyper/*.h csrc/kern/*.h csrc/include/rump/*.h) Makefile mk/kern.mk
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -MMD -MP -c $< -o $@

# Header dependencies as the compiler saw them (-MMD), so a changed header rebuilds every
# object that includes it, wherever it lives.
-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d)

$(BUILD)/lib/librumpus.a: $$(RUMPUS_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/librumpus.so: $$(RUMPUS_OBJS) csrc/kern/exports.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(KERN_SOFLAGS) -Wl,-soname,librumpus.so -o $@ $(filter %.o,$^) $(LDFLAGS) $(KERN_LIBS)

$(COMPAT_DIR)/librump.so: $$(RUMPUS_OBJS) csrc/kern/exports.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(KERN_SOFLAGS) -Wl,-soname,librump.so.0 -o $@.0 $(filter %.o,$^) $(LDFLAGS) $(KERN_LIBS)
	ln -sf librump.so.0 $@

define thin_lib
$(COMPAT_DIR)/lib$(1).so: csrc/kern/netbsd_thin.c.in $(COMPAT_DIR)/librump.so
	@mkdir -p $$(dir $$@)
	sed 's/@COMPONENT@/$(2)/' csrc/kern/netbsd_thin.c.in > $(BUILD)/obj/thin_$(1).c
	$$(CC) $$(ALL_CFLAGS) -shared -Wl,-soname,lib$(1).so.0 -o $$@.0 $(BUILD)/obj/thin_$(1).c \
	  -L$(COMPAT_DIR) -l:librump.so.0 $$(LDFLAGS)
	ln -sf lib$(1).so.0 $$@
endef
$(foreach t,$(COMPAT_THIN),$(eval $(call thin_lib,$(firstword $(subst :, ,$(t))),$(word 2,$(subst :, ,$(t))))))

$(BUILD)/test/%_test: test/c/%_test.c test/c/tap.h $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -Itest/c -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

$(BUILD)/bench/kern_bench: bench/kern_bench.c $(BUILD)/lib/librumpus.a
	@mkdir -p $(dir $@)
	$(CC) $(KERN_CFLAGS) -O2 -o $@ $< -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS)

# A program written for NetBSD's rump kernels, linked against the drop-in libraries only.
COMPAT_LIBS = $(COMPAT_DIR)/librump.so $(COMPAT_DIR)/librumpuser.so $(COMPAT_DIR)/librumpvfs.so
$(BUILD)/test/netbsd_prog: test/c/netbsd_prog.c $(COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(COMPAT_DIR) -lrump -lrumpuser $(LDFLAGS)
$(BUILD)/test/netbsd_prog_vfs: test/c/netbsd_prog.c $(COMPAT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DWANT_VFS -o $@ $< -L$(COMPAT_DIR) -Wl,--no-as-needed -lrumpvfs -lrump -lrumpuser $(LDFLAGS)
$(BUILD)/test/compat_test: $(BUILD)/test/netbsd_prog $(BUILD)/test/netbsd_prog_vfs
