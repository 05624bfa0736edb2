/*
 * vclock_xwake_test.c: under the virtual clock, a long timed sleep in one thread against a
 * wake-up from another thread that computes between its system calls (issue 11: a poll of
 * 10 s for POLLPRI timed out although another thread had sent the urgent byte, 16 of 40
 * loaded runs).  Virtual time used to jump to the poller's deadline whenever no thread was
 * *inside* a kernel, so in the moment between the waker's nanosleep and its write (here a
 * few microseconds of host work) the poller timed out.  A thread between two calls now
 * holds virtual time while the host runs it, and lets it go when it blocks in the host.
 *
 * Each round: the poller polls a pipe for 10 s; the main thread sleeps 10 ms (virtual),
 * computes a little, writes a byte.  The poller must wake with POLLIN at 10 ms of virtual
 * time, every round, on the plain virtual clock and in the seeded deterministic mode.  And
 * the clock still moves when the other thread blocks in the host: a poll nobody answers
 * times out at exactly its deadline while main waits in pthread_join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"
#include "rump/rumpus_race.h"

#define ROUNDS	200
#define MS	1000000ULL

static struct rumpus_kernel *K;

struct poller {
	int fd, ms, rev;
	uint64_t t0, t1;
};

static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	struct nb_pollfd pfd = { p->fd, NB_POLLIN, 0 };

	rumpus_kernel_switch(K);
	p->t0 = rumpus_clock_now();
	p->rev = rump_sys_poll((void *)&pfd, 1, p->ms);
	if (p->rev == 1)
		p->rev = pfd.revents;
	p->t1 = rumpus_clock_now();
	rumpus_kernel_switch(NULL);
	return NULL;
}

/* host work between two system calls, a few microseconds */
static volatile unsigned sink;

static void
compute(void)
{
	unsigned i, x = sink;

	for (i = 0; i < 20000; i++)
		x = x * 1103515245u + 12345u;
	sink = x;
}

static void
rounds(const char *mode)
{
	int i, woke = 0, late = 0;
	uint64_t worst = 0;

	for (i = 0; i < ROUNDS; i++) {
		int p[2];
		pthread_t t;
		struct poller pl = { .ms = 10000, .rev = -1 };
		struct nb_timespec ts = { 0, 10 * (long)MS };
		uint64_t w0;

		if (rump_sys_pipe(p) != 0)
			break;
		pl.fd = p[0];
		w0 = rumpus_clock_now();
		pthread_create(&t, NULL, poller_main, &pl);
		compute();
		rump_sys_nanosleep((void *)&ts, NULL);
		compute();
		rump_sys_write(p[1], "x", 1);
		pthread_join(t, NULL);
		if (pl.rev == NB_POLLIN)
			woke++;
		if (pl.t1 - w0 > 10 * MS)
			late++;
		if (pl.t1 - w0 > worst)
			worst = pl.t1 - w0;
		rump_sys_close(p[0]);
		rump_sys_close(p[1]);
	}
	ok(woke == ROUNDS, "%s: the 10 s poll woke with POLLIN in %d of %d rounds", mode, woke,
	    ROUNDS);
	ok(late == 0, "%s: every poller woke by the write at 10 ms (%d later, latest %llu ms)",
	    mode, late, (unsigned long long)(worst / MS));
}

static void
unanswered(const char *mode)
{
	int p[2];
	pthread_t t;
	struct poller pl = { .ms = 10000, .rev = -1 };

	ok(rump_sys_pipe(p) == 0, "%s: a pipe", mode);
	pl.fd = p[0];
	pthread_create(&t, NULL, poller_main, &pl);
	pthread_join(t, NULL);	/* blocked in the host: virtual time moves */
	ok(pl.rev == 0 && pl.t1 - pl.t0 == 10000 * MS,
	    "%s: an unanswered poll times out at its deadline while main waits in the host "
	    "(%d after %llu ms)", mode, pl.rev, (unsigned long long)((pl.t1 - pl.t0) / MS));
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

int
main(void)
{
	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	K = vt_boot(0);
	rounds("virtual clock");
	unanswered("virtual clock");
	vt_down(K);

	ok(rumpus_seed(11) == 0 && rumpus_deterministic() == 1, "seeded: the deterministic mode");
	K = vt_boot(0);
	rounds("deterministic");
	unanswered("deterministic");
	vt_down(K);
	rumpus_seed_clear();
	rumpus_clock_virtual(0);
	return tap_done();
}
