# The FFI module for PUC Lua 5.3 and 5.4 (csrc/ffi/, `require "rumpus_ffi"`; code uses the
# syscall.ffi shim, which is LuaJIT's ffi on LuaJIT), its layout-check helper and benchmarks.

FFI_SRCS    := $(wildcard csrc/ffi/*.c)
FFI_HDRS    := $(wildcard csrc/ffi/*.h)
FFI_LUAVERS := 5.3 5.4
FFI_SOS     := $(foreach v,$(FFI_LUAVERS),$(BUILD)/lua$(v)/rumpus_ffi.so)
FFI_LAYOUT  := $(BUILD)/ffi/libffitest.so

BUILD_TARGETS += $(FFI_SOS) $(FFI_LAYOUT)
ASAN_TARGETS  += $(FFI_SOS) $(FFI_LAYOUT)
DEPS_PKGS     += libffi-dev liblua5.3-dev liblua5.4-dev lua5.3 lua5.4 pkg-config luajit
BENCH_CMDS    += bench/ffi_bench.sh

define FFI_SO_RULE
$(BUILD)/lua$(1)/rumpus_ffi.so: $(FFI_SRCS) $(FFI_HDRS) mk/ffi.mk
	@mkdir -p $$(@D)
	@rm -f $$(@D)/ffi.so   # the module's old name: a PUC `require "ffi"` must not find it
	$$(CC) $$(ALL_CFLAGS) -fvisibility=hidden $$(shell pkg-config --cflags lua$(1) libffi) \
	  -shared -o $$@ $(FFI_SRCS) $$(LDFLAGS) $$(shell pkg-config --libs libffi) -ldl
endef
$(foreach v,$(FFI_LUAVERS),$(eval $(call FFI_SO_RULE,$(v))))

# The test helper: test/ffi/helper.h compiled by the C compiler; the Lua tests cdef the same
# header and compares sizes, alignments and offsets with what this library reports.
$(FFI_LAYOUT): test/ffi/helper.c test/ffi/helper.h mk/ffi.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -shared -o $@ test/ffi/helper.c $(LDFLAGS)

# The FFI tests inside an embedded Lua 5.3 and 5.4 (TAP), so `make asan` checks the FFI's C code.
define FFI_PUC_TEST_RULE
C_TEST_BINS += $(BUILD)/test/ffi_lua$(1)_test
$(BUILD)/test/ffi_lua$(1)_test: test/ffi/puc_test.c $(FFI_SRCS) $(FFI_HDRS) $(FFI_LAYOUT) mk/ffi.mk
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) -DFFI_SRCDIR='"$$(CURDIR)"' $$(shell pkg-config --cflags lua$(1) libffi) \
	  -o $$@ test/ffi/puc_test.c $(FFI_SRCS) $$(LDFLAGS) $$(shell pkg-config --libs lua$(1) libffi) -ldl -lm
endef
$(foreach v,$(FFI_LUAVERS),$(eval $(call FFI_PUC_TEST_RULE,$(v))))
