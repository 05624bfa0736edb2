/*
 * race_host_bench.c: host threads of a world (rumpus_det_*, docs/race.md "Host threads"):
 *
 * - runs per second of a world run (boot a one-vCPU kernel, two pipes, two host threads
 *   exchanging five bytes each way, destroy) with wakeups and vCPU hand-offs as points,
 *   beside the same with RUMPUS_DET_NOWAKE (the points before session 5), interleaved
 *   batches in this process, medians;
 * - runs to hit the torn sendmmsg batch of test/c/race_wake_test.c (2 vCPUs; reachable
 *   only through a wakeup point), random against PCT (depth 3), mean over 20 starting
 *   seeds, at most 500 runs each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rump/rumpus.h"
#include "rump/rumpus_race.h"
#include "rump/rump_syscalls.h"
#define BENCH_OWN_CLOCK
#include "bench.h"

static struct rumpus_kernel *K;
static int P1[2], P2[2], SV[2], TORN;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
fig(const char *key, const char *label, double v, const char *unit, const char *note)
{
	printf("  %-58s %10.2f %-6s %s\n", label, v, unit, note ? note : "");
	printf("@fig\t%s\t%s\t%.17g\t%s\t%s\n", key, label, v, unit, note ? note : "");
}

static void
cmpfig(const char *key, const char *base, const char *how)
{
	printf("@cmp\t%s\t%s\t%s\n", key, base, how);
}

static struct rumpus_kernel *
boot(unsigned ncpu, const char *const *comps)
{
	struct rumpus_config cfg = { .ncpu = ncpu };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, &err);

	if (k == NULL) {
		fprintf(stderr, "race_host_bench: create: error %d: %s\n", err, rumpus_error());
		exit(1);
	}
	return k;
}

static void
pinger(void *arg)
{
	char c = 'x';

	(void)arg;
	rumpus_kernel_switch(K);
	for (int i = 0; i < 5; i++) {
		rump_sys_write(P1[1], &c, 1);
		rump_sys_read(P2[0], &c, 1);
	}
	rumpus_kernel_switch(NULL);
}

static void
ponger(void *arg)
{
	char c;

	(void)arg;
	rumpus_kernel_switch(K);
	for (int i = 0; i < 5; i++) {
		rump_sys_read(P1[0], &c, 1);
		rump_sys_write(P2[1], &c, 1);
	}
	rumpus_kernel_switch(NULL);
}

static void
pingpong(uint64_t seed, unsigned flags)
{
	struct rumpus_det_opts o = { .seed = seed, .flags = flags };

	rumpus_seed(seed);
	K = boot(1, NULL);
	rumpus_kernel_switch(K);
	if (rump_sys_pipe(P1) != 0 || rump_sys_pipe(P2) != 0)
		exit(1);
	rumpus_kernel_switch(NULL);
	if (rumpus_det_world(&o) != 0 || rumpus_det_spawn(pinger, NULL) < 0 ||
	    rumpus_det_spawn(ponger, NULL) < 0 || rumpus_det_run() != 0) {
		fprintf(stderr, "race_host_bench: world failed\n");
		exit(1);
	}
	rumpus_det_end();
	rumpus_kernel_destroy(K);
}

struct nb_iov { const void *base; size_t len; };
struct nb_msg { void *name; uint32_t namelen; struct nb_iov *iov; int iovlen; void *control;
	uint32_t controllen; int flags; };
struct nb_mmsg { struct nb_msg hdr; unsigned len; };

static void
sender(void *arg)
{
	struct nb_iov iov[2] = { { "a", 1 }, { "b", 1 } };
	struct nb_mmsg mm[2];

	(void)arg;
	memset(mm, 0, sizeof(mm));
	mm[0].hdr.iov = &iov[0];
	mm[0].hdr.iovlen = 1;
	mm[1].hdr.iov = &iov[1];
	mm[1].hdr.iovlen = 1;
	rumpus_kernel_switch(K);
	rump_sys_sendmmsg(SV[0], (void *)mm, 2, 0);
	rumpus_kernel_switch(NULL);
}

static void
receiver(void *arg)
{
	char c[2];

	(void)arg;
	rumpus_kernel_switch(K);
	rump_sys_recvfrom(SV[1], c, 1, 0, NULL, NULL);
	if (rump_sys_recvfrom(SV[1], c + 1, 1, 0x80 /* MSG_DONTWAIT */, NULL, NULL) < 0)
		TORN = 1;
	rumpus_kernel_switch(NULL);
}

static int
batch(uint64_t seed, int strategy)
{
	static const char *comps[] = { "vfs", "net", "net.local", NULL };
	struct rumpus_det_opts o = { .seed = seed, .strategy = strategy, .depth = 3 };

	rumpus_seed(seed);
	K = boot(2, comps);
	rumpus_kernel_switch(K);
	if (rump_sys_socketpair(1 /* AF_LOCAL */, 2 /* SOCK_DGRAM */, 0, SV) != 0)
		exit(1);
	rumpus_kernel_switch(NULL);
	TORN = 0;
	if (rumpus_det_world(&o) != 0 || rumpus_det_spawn(receiver, NULL) < 0 ||
	    rumpus_det_spawn(sender, NULL) < 0 || rumpus_det_run() != 0) {
		fprintf(stderr, "race_host_bench: world failed\n");
		exit(1);
	}
	rumpus_det_end();
	rumpus_kernel_destroy(K);
	return TORN;
}

int
main(void)
{
	enum { ROUNDS = 21, BATCH = 50, STARTS = 20, MAXRUNS = 500 };
	double t[2][ROUNDS], med[2];
	uint64_t seed = 1;
	char note[128];
	int r, m, s, strat;

	rumpus_clock_virtual(1);
	printf("== race hunting: host threads of a world (rumpus_det_*)\n");
	for (r = 0; r < ROUNDS; r++)
		for (m = 0; m < 2; m++) {
			double t0 = now();

			for (int i = 0; i < BATCH; i++)
				pingpong(seed++, m == 0 ? 0 : RUMPUS_DET_NOWAKE);
			t[m][r] = (now() - t0) / BATCH;
		}
	for (m = 0; m < 2; m++) {
		qsort(t[m], ROUNDS, sizeof(double), cmpd);
		med[m] = t[m][ROUNDS / 2];
	}
	snprintf(note, sizeof(note), "%.1f us a run", med[0] / 1e3);
	fig("race.host.pingpong", "host-thread world: boot, 2 threads ping-pong 5x on pipes, destroy",
	    1e9 / med[0], "runs/s", note);
	snprintf(note, sizeof(note), "%.1f us a run", med[1] / 1e3);
	fig("race.host.pingpong.nowake", "the same, RUMPUS_DET_NOWAKE (no wakeup/hand-off points)",
	    1e9 / med[1], "runs/s", note);
	cmpfig("race.host.pingpong", "race.host.pingpong.nowake",
	    "same process, interleaved batches of 50 runs, medians of 21");

	for (strat = 0; strat < 2; strat++) {
		double total = 0;
		int missed = 0;

		for (s = 1; s <= STARTS; s++) {
			int n;

			for (n = 1; n <= MAXRUNS; n++)
				if (batch((uint64_t)s * 1000 + (uint64_t)n, strat))
					break;
			if (n > MAXRUNS) {
				missed++;
				n = MAXRUNS;
			}
			total += n;
		}
		snprintf(note, sizeof(note), "mean over %d starting seeds%s", STARTS,
		    missed ? ", some not found in 500" : "");
		fig(strat == 0 ? "race.host.hit.batch.random" : "race.host.hit.batch.pct",
		    strat == 0 ? "runs to hit the torn sendmmsg batch (wakeup point), random" :
		    "runs to hit the torn sendmmsg batch (wakeup point), PCT d=3",
		    total / STARTS, "runs", note);
	}
	cmpfig("race.host.hit.batch.pct", "race.host.hit.batch.random",
	    "same process, runs until the first failure (fewer is better)");
	rumpus_seed_clear();
	rumpus_clock_virtual(0);
	return 0;
}
