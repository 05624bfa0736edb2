# rumpus: the one entry point.  `make test` and `make demo` work on a fresh Debian 12 machine
# as root: every target depends on `deps`, which installs what is missing.
#
# Parts of the tree add their own rules in mk/*.mk; each fragment appends to these lists:
#   BUILD_TARGETS  files `make all` builds            C_TEST_BINS  C test programs (TAP output)
#   BENCH_CMDS     programs `make bench` runs          ASAN_TARGETS what `make asan` builds
#   BENCH_LUA      Lua benchmark scripts (run with LuaJIT)
#   DEPS_PKGS      Debian packages the part needs

SHELL      := /bin/bash
BUILD      ?= build
CC         ?= cc
LUAJIT     ?= luajit
OPT        ?= -O2
CFLAGS     ?= $(OPT) -g
WARN       := -Wall -Wextra
ALL_CFLAGS := $(WARN) -std=gnu11 -fPIC $(CFLAGS)
PREFIX     ?= /usr/local

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;
export LUA_CPATH := ;;
export RUMPUS_BUILD := $(CURDIR)/$(BUILD)

DEPS_PKGS   := luajit libluajit-5.1-dev lua5.3 liblua5.3-dev lua5.4 liblua5.4-dev libffi-dev \
               pkg-config gcc make luarocks lua-busted
BUILD_TARGETS :=
C_TEST_BINS   :=
BENCH_CMDS    :=
BENCH_LUA     :=
ASAN_TARGETS  :=

-include $(sort $(wildcard mk/*.mk))

.PHONY: deps all test demo bench asan asan-run fuzz install clean check-lua env rock rock-install

# `eval "$(make -s env)"`: this checkout's Lua paths for LuaJIT, Lua 5.3 and 5.4 (each reads its
# own LUA_CPATH_5_x) and RUMPUS_BUILD, in the current shell.  ./rumpus does the same per script.
env:
	@echo "export LUA_PATH='$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;';"
	@echo "export LUA_CPATH_5_3='$(CURDIR)/$(BUILD)/lua5.3/?.so;;';"
	@echo "export LUA_CPATH_5_4='$(CURDIR)/$(BUILD)/lua5.4/?.so;;';"
	@echo "export RUMPUS_BUILD='$(CURDIR)/$(BUILD)';"

deps: $(BUILD)/.deps
$(BUILD)/.deps: tools/deps.sh $(wildcard mk/*.mk) Makefile
	@mkdir -p $(BUILD)
	@tools/deps.sh $(sort $(DEPS_PKGS))
	@touch $@

all: deps $(BUILD_TARGETS)

# Every test: C unit tests and Lua tests all run through the Lua test runner, which prints the
# one closing line "N passed, N failed".
# The Lua suite runs on every interpreter in TEST_LUAS (PUC Lua through csrc/ffi).
# The runner runs as many files at once as there are CPUs (--parallel), the longest first as
# test/durations/<step> says (how long each file took in an earlier run; refresh with
# TESTFLAGS="--write-durations test/durations/test", a missing entry only starts that file first).
TEST_LUAS ?= luajit,lua5.3,lua5.4
TEST_LUAJIT_ONLY ?=
test: all $(C_TEST_BINS)
	@$(LUAJIT) test/run.lua --durations test/durations/test --lua $(TEST_LUAS) \
	  $(if $(TEST_LUAJIT_ONLY),--luajit-only $(TEST_LUAJIT_ONLY)) $(TESTFLAGS)

demo: all
	@$(LUAJIT) examples/demo.lua

# Every benchmark in a fresh process, then one table of figures beside their baselines
# (mk/bench.mk, docs/bench.md).  BENCH_BINS: the programs they need, built first.
bench: all $(BENCH_BINS)
	@LUAJIT=$(LUAJIT) $(LUAJIT) bench/run.lua $(BENCH_FLAGS) $(BENCH_CMDS) $(BENCH_LUA)

# Sanitizer build: the C code with ASan and UBSan, then the tests that touch it.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1" \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" asan-run

# The C tests, then the Lua tests that drive the kernel library (test/rump), with the
# sanitizer runtimes preloaded into LuaJIT and leak detection on: each test file's Lua
# state is closed on exit (RUMPUS_TEST_CLOSE), so kernels the file left to the GC are
# destroyed by their finalisers and whatever is left is a real leak.  LuaJIT's own heap
# is mmap'd, not malloc'd; test/lsan.supp holds suppressions for what LuaJIT does malloc.
# With TESTFLAGS, a step that runs nothing (the runner's exit status 3: no file, or no case
# matched) is passed over; the run fails only when neither step ran anything.  Files named
# in TESTFLAGS replace the Lua step's default list (each step takes its own kind of them).
ASAN_PRELOAD = $(shell $(CC) -print-file-name=libasan.so) $(shell $(CC) -print-file-name=libubsan.so)
ASAN_LUA_FILES = $(if $(filter %.lua %/,$(TESTFLAGS))$(wildcard $(filter %_test,$(TESTFLAGS))),,$(wildcard test/rump/*_test.lua))
asan-run: all $(C_TEST_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(LUAJIT) test/run.lua --c-only \
	  --durations test/durations/asan $(TESTFLAGS); c=$$?; \
	[ $$c = 0 ] || [ $$c = 3 ] || exit $$c; \
	LD_PRELOAD="$(ASAN_PRELOAD)" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0 RUMPUS_TEST_CLOSE=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(LUAJIT) test/run.lua --lua-only --lua luajit --durations test/durations/asan \
	  $(ASAN_LUA_FILES) $(TESTFLAGS); l=$$?; \
	[ $$l = 3 ] || exit $$l; \
	if [ $$c = 3 ]; then echo "make asan: nothing matched TESTFLAGS=$(TESTFLAGS)"; exit 1; fi

install: all
	@tools/install.sh "$(PREFIX)" "$(BUILD)"

# LuaRocks (`luarocks make rockspec/rumpus-scm-1.rockspec`) runs these two with LUA,
# LUA_INCDIR, LUADIR and LIBDIR of the Lua it builds for: the kernel library, and for PUC Lua
# rumpus_ffi.so against those headers; no apt-get (tools/rock.sh).
rock: $(BUILD)/lib/librumpus.so
	@tools/rock.sh build "$(LUA)" "$(LUA_INCDIR)" "$(BUILD)" "$(CC)" "$(ALL_CFLAGS)"
rock-install:
	@tools/rock.sh install "$(LUA)" "$(LUADIR)" "$(LIBDIR)" "$(BUILD)"

clean:
	rm -rf build build-asan build-tsan
