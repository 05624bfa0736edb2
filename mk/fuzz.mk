# fuzz.mk: fuzz harnesses (fuzz/) and `make fuzz`.  See fuzz/README.md.
#
# make test builds and runs, with the plain compiler, the harness decoders over the
# committed seed corpus and the regression inputs (test/c/fuzz_sys_test.c,
# fuzz_cdef_test.c, fuzz_regress_test.c; kern.mk lists every test/c/*_test.c, the rules
# below say how these three link).  Nothing here needs clang unless you run `make fuzz`,
# which installs FUZZ_PKGS itself, builds the libFuzzer binaries (ASan+UBSan) and runs each
# harness for FUZZ_SECONDS seconds.

FUZZ_PKGS     := clang libclang-rt-14-dev
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_HARNESSES ?= sys cdef packet
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SAN      ?= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   := -g -O1 -std=gnu11 -fno-omit-frame-pointer -fPIE $(FUZZ_SAN) -Icsrc -Icsrc/include \
                 -Ifuzz -pthread
FUZZ_HDRS     := fuzz/fz.h test/c/fuzz_replay.h test/c/tap.h
FUZZ_SYS_SRCS := fuzz/sys.c fuzz/mem.c
FUZZ_LUA      := lua5.4
FUZZ_LUA_CFLAGS = $(shell pkg-config --cflags $(FUZZ_LUA) libffi)
FUZZ_LUA_LIBS   = $(shell pkg-config --libs $(FUZZ_LUA) libffi) -ldl -lm

# ---- plain-compiler replay tests (part of make test and make asan)
$(BUILD)/test/fuzz_sys_test: test/c/fuzz_sys_test.c $(FUZZ_SYS_SRCS) $(FUZZ_HDRS) \
    $(BUILD)/lib/librumpus.a mk/fuzz.mk
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -Itest/c -Ifuzz -DFUZZ_SRCDIR='"$(CURDIR)"' -o $@ $< $(FUZZ_SYS_SRCS) \
	  -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

$(BUILD)/test/fuzz_packet_test: test/c/fuzz_packet_test.c fuzz/packet.c $(FUZZ_HDRS) \
    $(BUILD)/lib/librumpus.a mk/fuzz.mk
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -Itest/c -Ifuzz -DFUZZ_SRCDIR='"$(CURDIR)"' -o $@ $< fuzz/packet.c \
	  -Wl,--whole-archive $(BUILD)/lib/librumpus.a -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) -ldl

$(BUILD)/test/fuzz_cdef_test: test/c/fuzz_cdef_test.c fuzz/cdef.c $(FUZZ_HDRS) $(FFI_SRCS) \
    $(FFI_HDRS) mk/fuzz.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itest/c -Ifuzz -DFUZZ_SRCDIR='"$(CURDIR)"' $(FUZZ_LUA_CFLAGS) -o $@ $< \
	  fuzz/cdef.c $(FFI_SRCS) $(LDFLAGS) $(FUZZ_LUA_LIBS)

$(BUILD)/test/fuzz_regress_test: test/c/fuzz_regress_test.c $(FUZZ_SYS_SRCS) fuzz/cdef.c fuzz/packet.c \
    $(FUZZ_HDRS) $(FFI_SRCS) $(FFI_HDRS) $(BUILD)/lib/librumpus.a mk/fuzz.mk
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -Itest/c -Ifuzz -DFUZZ_SRCDIR='"$(CURDIR)"' $(FUZZ_LUA_CFLAGS) -o $@ $< \
	  $(FUZZ_SYS_SRCS) fuzz/cdef.c fuzz/packet.c $(FFI_SRCS) -Wl,--whole-archive $(BUILD)/lib/librumpus.a \
	  -Wl,--no-whole-archive $(LDFLAGS) $(KERN_LIBS) $(FUZZ_LUA_LIBS)

# ---- libFuzzer binaries (clang; only for make fuzz).  RUMPUS_SRCS is complete only after
# every fragment was read (kern.mk comes later): second expansion.
.SECONDEXPANSION:
FUZZ_KOBJS = $(patsubst csrc/%.c,$(FUZZ_DIR)/obj/%.o,$(RUMPUS_SRCS))
FUZZ_FFI_OBJS = $(patsubst csrc/%.c,$(FUZZ_DIR)/obj/%.o,$(FFI_SRCS))
FUZZ_KHDRS = $(wildcard csrc/*/*.h csrc/*/*/*.h csrc/include/rump/*.h)

$(FUZZ_DIR)/obj/ffi/%.o: csrc/ffi/%.c $(FFI_HDRS) mk/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_LUA_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/%.o: csrc/%.c $(FUZZ_KHDRS) mk/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -fvisibility=hidden -c $< -o $@

# The pointer sanitizer of the user memory (fuzz/mem.c) runs over 80 KiB per call that reads
# pointers: without coverage instrumentation, so it neither slows the search nor feeds it.
$(FUZZ_DIR)/obj/fuzz_mem.o: fuzz/mem.c fuzz/fz.h mk/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -O2 -c $< -o $@

$(FUZZ_DIR)/sys_fuzz: fuzz/sys_fuzz.c fuzz/sys.c fuzz/fz.h $(FUZZ_DIR)/obj/fuzz_mem.o $$(FUZZ_KOBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ fuzz/sys_fuzz.c fuzz/sys.c \
	  $(FUZZ_DIR)/obj/fuzz_mem.o $(FUZZ_KOBJS) -ldl

$(FUZZ_DIR)/cdef_fuzz: fuzz/cdef_fuzz.c fuzz/cdef.c fuzz/fz.h $$(FUZZ_FFI_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_LUA_CFLAGS) -o $@ fuzz/cdef_fuzz.c \
	  fuzz/cdef.c $(FUZZ_FFI_OBJS) $(FUZZ_LUA_LIBS)

$(FUZZ_DIR)/packet_fuzz: fuzz/packet_fuzz.c fuzz/packet.c fuzz/fz.h $$(FUZZ_KOBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ fuzz/packet_fuzz.c fuzz/packet.c \
	  $(FUZZ_KOBJS) -ldl

.PHONY: fuzz-build
fuzz-build: $(foreach h,$(FUZZ_HARNESSES),$(FUZZ_DIR)/$(h)_fuzz)

# Runs every harness (in parallel, one per core) for FUZZ_SECONDS from the committed seed
# corpus; prints executions/s and coverage; non-zero exit and the crashing input left in
# $(FUZZ_DIR)/crash-<harness>-* when a harness crashed.
fuzz: deps
	@tools/deps.sh $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory fuzz-build
	@fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
	@for h in $(FUZZ_HARNESSES); do \
	  n=$$(ls $(FUZZ_DIR)/work/$$h 2>/dev/null | wc -l); \
	  echo "fuzz $$h: $$n inputs in $(FUZZ_DIR)/work/$$h (make fuzz-merge adds the new coverage to fuzz/corpus/$$h)"; \
	done

# The CI smoke (.ci/run): every harness replays its committed corpus (fuzz/corpus/<h>,
# with its dictionary fuzz/<h>.dict) and then fuzzes for FUZZ_SMOKE_SECONDS, from a
# scratch work directory so that earlier local runs do not change what CI does.  The
# replay of the corpus takes well under a second; the 10 s after it (two harnesses at a
# time on two cores) are a smoke, not a search: `make fuzz` is the search (FUZZ_SECONDS).
FUZZ_SMOKE_SECONDS ?= 10
.PHONY: fuzz-smoke fuzz-merge
fuzz-smoke: deps
	@tools/deps.sh $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory fuzz-build
	@rm -rf $(FUZZ_DIR)/smoke && mkdir -p $(FUZZ_DIR)/smoke && \
	  for h in $(FUZZ_HARNESSES); do ln -sf ../$${h}_fuzz $(FUZZ_DIR)/smoke/$${h}_fuzz; done
	@fuzz/run.sh $(FUZZ_DIR)/smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_HARNESSES)

# Adds what `make fuzz` found (build/fuzz/work/<h>) to the committed corpus, keeping only
# inputs that add coverage (libFuzzer -merge=1): review and commit fuzz/corpus afterwards.
fuzz-merge: deps
	@tools/deps.sh $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory fuzz-build
	@for h in $(FUZZ_HARNESSES); do \
	  before=$$(ls fuzz/corpus/$$h | wc -l); \
	  ASAN_OPTIONS=detect_leaks=0 $(FUZZ_DIR)/$${h}_fuzz -merge=1 -max_len=4096 -timeout=10 \
	    fuzz/corpus/$$h $(FUZZ_DIR)/work/$$h > $(FUZZ_DIR)/merge-$$h.log 2>&1 || \
	    { echo "fuzz-merge $$h failed: $(FUZZ_DIR)/merge-$$h.log"; exit 1; }; \
	  echo "fuzz-merge $$h: $$before -> $$(ls fuzz/corpus/$$h | wc -l) inputs in fuzz/corpus/$$h"; \
	done
