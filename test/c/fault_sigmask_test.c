/*
 * fault_sigmask_test.c: hyp_copy recovers from one bad pointer after another when its
 * SIGSEGV handler is called by a wrapper that blocks every signal around it, as
 * ThreadSanitizer's does.  hyp_copy does not save the signal mask per copy, so the
 * handler must leave with the interrupted code's mask; it used not to, and the second
 * fault killed the process (files_test under make tsan).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "tap.h"
#include "hyper/hyper.h"

static struct sigaction inner;

static void
wrapper(int sig, siginfo_t *si, void *uc)
{
	inner.sa_sigaction(sig, si, uc);
}

int
main(void)
{
	struct sigaction sa;
	char *page, buf[8];
	int i, faults = 0;
	sigset_t now;

	ok(hyp_fault_init() == 1, "the fault handler is installed");
	sigaction(SIGSEGV, NULL, &inner);
	ok((inner.sa_flags & SA_SIGINFO) && inner.sa_sigaction != NULL, "it is a SA_SIGINFO handler");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = wrapper;
	sa.sa_flags = SA_SIGINFO;		/* no SA_NODEFER, every signal blocked */
	sigfillset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 5; i++)
		faults += hyp_copy(buf, page + i, 4) == 14 && hyp_copy(page, buf, 4) == 14;
	ok(faults == 5, "ten faulting copies in a row each return EFAULT (%d pairs)", faults);
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(!sigismember(&now, SIGSEGV) && !sigismember(&now, SIGUSR1),
	    "the mask after the faults is the mask before them");
	ok(hyp_copy(buf, "abcdefg", 8) == 0 && strcmp(buf, "abcdefg") == 0, "a good copy still works");
	munmap(page, 4096);
	return tap_done();
}
