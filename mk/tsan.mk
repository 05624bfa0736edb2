# tsan.mk: `make tsan`, the C code with ThreadSanitizer and the threaded C tests under it.
#
# Builds the kernel and TSAN_TESTS in $(TSAN_BUILD) (build-tsan) with -fsanitize=thread and
# runs them through the test runner; any report fails the run (halt_on_error, exit code
# 66).  test/tsan.supp holds the suppressions, each a documented false positive with its
# reason; there are none for real races.  `.ci/run` runs it after make asan.

TSAN_PKGS  := libtsan2
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= stress_thread_test thread_test inet_thread_test inet6_thread_test bus_switch_test wake_test vfs_stress_test vfs_pipe_test \
              net_unix_test net_sock_test kqueue_test files_test vclock_test fault_alloc_test fault_sigmask_test
# one line per part (merges stay simple)
TSAN_TESTS += bus_impair_test tcp_impair_test
TSAN_TESTS += inet_shmfile_test
TSAN_TESTS += reliab_cred_test perf_cred_test perf_mem_test
TSAN_TESTS += inet_tables_test inet_arpsup_test inet_radix_test
TSAN_TESTS += tcp_urg_test tcp_sigpipe_test tcp_synflood_test
TSAN_TESTS += sysproxy_test
TSAN_TESTS += inet_mcast_test
TSAN_TESTS += tcp6_dual_test
TSAN_TESTS += tcp_autosize_test
TSAN_TESTS += tcp_syncache_test
TSAN_TESTS += vclock_xwake_test race_host_test race_host_hunt_test race_host_tcp_test
TSAN_TESTS += tcp_recovery_test
TSAN_TESTS += inet6_rtthread_test inet6_radix_test
TSAN_TESTS += vcpu_lock_test
TSAN_TESTS += inet_softnet_test
TSAN_TESTS += tcp_sigurg_test
TSAN_TESTS += race_wake_test
TSAN_TESTS += inet_lastcache_test
TSAN_TESTS += tcp_tso_test
TSAN_TESTS += inet6_rtcache_test inet6_mtuopt_test
TSAN_TESTS += vcpu_udp_test
TSAN_TESTS += tcp_fsm_test
TSAN_TESTS += tcp_tsofwd_test bus_order_test tcp6_tso_test
TSAN_OPTIONS_RUN = halt_on_error=1 exitcode=66 second_deadlock_stack=1 history_size=4 \
                   suppressions=$(CURDIR)/test/tsan.supp

.PHONY: tsan tsan-run
tsan: deps
	@tools/deps.sh $(TSAN_PKGS)
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) OPT="-O1" \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" LDFLAGS="-fsanitize=thread" tsan-run

tsan-run: $(foreach t,$(TSAN_TESTS),$(BUILD)/test/$(t))
	@TSAN_OPTIONS="$(TSAN_OPTIONS_RUN)" $(LUAJIT) test/run.lua --c-only --durations test/durations/tsan \
	  $(foreach t,$(TSAN_TESTS),$(BUILD)/test/$(t)) $(TESTFLAGS)
