# sysproxy.mk: our sysproxy server (csrc/sysproxy/, host sockets in csrc/hyper/sp.c):
# rumpus kernels served to NetBSD's librumpclient.  docs/netbsd.md "Our sysproxy server".
#
#   $(BUILD)/bin/rumpus_server      rump_server's command line, one kernel per URL
#   test/c/sysproxy_test.c          our server against a wire client of our own (always)
#   test/c/sysproxy_nb_prog.c       a program linked with NetBSD's librumpclient, run by
#                                   sysproxy_test when $RUMPUS_NETBSD_RUMP has it
#   test/c/sysproxy_hijack_prog.c   a plain program run with NetBSD's librumphijack.so
#                                   preloaded, likewise

RUMPUS_SRCS += csrc/sysproxy/sp_serv.c
$(BUILD)/obj/sysproxy/sp_serv.o: csrc/sysproxy/sp_wire.h csrc/hyper/sp.h csrc/include/rump/rumpus_sp.h
$(BUILD)/obj/hyper/sp.o: csrc/hyper/sp.h

BUILD_TARGETS += $(BUILD)/bin/rumpus_server
$(BUILD)/bin/rumpus_server: csrc/sysproxy/server_main.c $(BUILD)/lib/librumpus.so
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc/include -pthread -o $@ $< -L$(BUILD)/lib -lrumpus \
	  -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS)

$(BUILD)/test/sysproxy_test: test/c/sysproxy_test.c csrc/sysproxy/sp_wire.h test/c/tap.h \
    test/c/nb_resolve.h $(BUILD)/bin/rumpus_server $(BUILD)/test/sysproxy_hijack_prog
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icsrc -Itest/c -pthread -o $@ $< $(LDFLAGS)

# The program linked with NetBSD's librumpclient: built when the NetBSD build is there at
# make time ($RUMPUS_NETBSD_RUMP, the only place it is looked up); sysproxy_test skips it
# with the reason otherwise.  Linked against the real file (the build's .so links are
# text files); at run time the test gives it a directory with a real librumpclient.so.0.
SP_NBRUMP := $(RUMPUS_NETBSD_RUMP)
SP_NBCLIENT := $(firstword $(wildcard $(SP_NBRUMP)/lib/librumpclient.so.0.0))
ifneq ($(SP_NBCLIENT),)
BUILD_TARGETS += $(BUILD)/test/sysproxy_nb_prog
$(BUILD)/test/sysproxy_test: $(BUILD)/test/sysproxy_nb_prog
endif
# A plain program NetBSD's librumphijack.so is preloaded into (nothing of rump linked);
# unsanitized: ASan's runtime must come first among the preloaded libraries
BUILD_TARGETS += $(BUILD)/test/sysproxy_hijack_prog
$(BUILD)/test/sysproxy_hijack_prog: test/c/sysproxy_hijack_prog.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=%,$(ALL_CFLAGS)) -o $@ $< $(filter-out -fsanitize=%,$(LDFLAGS))

# Not sanitized (make tsan/asan): librumpclient is not instrumented, and its receiving
# thread reads other threads' buffers to answer the server's copy requests, ordered by
# the round trip through the server, which ThreadSanitizer cannot see.
$(BUILD)/test/sysproxy_nb_prog: test/c/sysproxy_nb_prog.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=%,$(ALL_CFLAGS)) -pthread -o $@ $< $(SP_NBCLIENT) \
	  $(filter-out -fsanitize=%,$(LDFLAGS))

# getpid round trip through sysproxy, and getpid throughput of 1, 2, 4 client threads on one
# connection: our server and NetBSD's rump_server, same run
BENCH_CMDS += $(BUILD)/bench/sysproxy_bench
$(BUILD)/bench/sysproxy_bench: bench/sysproxy_bench.c csrc/sysproxy/sp_wire.h test/c/nb_resolve.h \
    $(BUILD)/bin/rumpus_server
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -Icsrc -Itest/c -pthread -o $@ $< $(LDFLAGS)
