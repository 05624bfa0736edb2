/*
 * workers.h: the test threads of the vCPU tests (vcpu_lock_test.c, vcpu_udp_test.c):
 * each keeps its failures and the first one's reason, joined and reported together.
 * Include after tap.h.
 */
#ifndef TEST_WORKERS_H
#define TEST_WORKERS_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

struct worker {
	pthread_t t;
	int id, failures;
	char why[160];
	long count;
	void *arg;
};

/* a failure of w: the first one's what, errno and detail are kept */
static inline void
fail(struct worker *w, const char *what, long detail)
{
	if (w->failures++ == 0)
		snprintf(w->why, sizeof(w->why), "%s (errno %d, %ld)", what, errno, detail);
}

/* joins w[0..n): 1 when none failed; each that did is reported (what: the test) */
static inline int
join_all(struct worker *w, int n, const char *what)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].failures) {
			diag("%s: thread %d: %d failures, first: %s", what, i, w[i].failures,
			    w[i].why);
			bad++;
		}
	}
	return bad == 0;
}

#endif
