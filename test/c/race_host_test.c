/*
 * race_host_test.c: host threads of a world (rumpus_det_*, rump/rumpus_race.h): pthreads
 * making system calls on one kernel run one at a time in the deterministic mode, the
 * scheduler choosing at their syscall entries and exits, sleeps and ends.
 *
 * - a check-then-act race between two pthreads on tmpfs (a janitor reads /data and
 *   unlinks it when it holds the stale "v1"; an updater renames a new /data over it) is
 *   found from scratch by the random and the PCT scheduler, replays from its seed and
 *   from its choice list (same list, same trace digest), and shrinks to one preemption;
 * - determinism across 50 seeds: three threads (a pipe's writer and its blocking reader,
 *   a thread sleeping and polling with a timeout on tmpfs) give the same choices and the
 *   same trace digest (frames, timers, scheduling, every syscall result) twice per seed,
 *   and the seeds give different interleavings;
 * - every thread asleep with nothing pending: EDEADLK, and the world ends cleanly once
 *   the kernel is destroyed; bad use gives EINVAL / EBUSY.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"
#include "race_run.h"

static struct rumpus_kernel *K;

/* ------------------------------------------------------------ the tmpfs race */

static void
janitor(void *arg)
{
	char buf[8] = { 0 };
	int fd;
	long n;

	(void)arg;
	rumpus_kernel_switch(K);
	fd = rump_sys_open("/data", NB_O_RDONLY, 0);
	note(1, fd);
	if (fd >= 0) {
		n = rump_sys_read(fd, buf, sizeof(buf) - 1);
		note(2, n);
		rump_sys_close(fd);
		if (n == 2 && strcmp(buf, "v1") == 0)
			note(3, rump_sys_unlink("/data"));	/* stale: clean it up */
	}
	rumpus_kernel_switch(NULL);
}

static void
updater(void *arg)
{
	int fd;

	(void)arg;
	rumpus_kernel_switch(K);
	fd = rump_sys_open("/data.tmp", NB_O_WRONLY | NB_O_CREAT | NB_O_TRUNC, 0644);
	note(4, fd);
	note(5, rump_sys_write(fd, "v2", 2));
	rump_sys_close(fd);
	note(6, rump_sys_rename("/data.tmp", "/data"));
	rumpus_kernel_switch(NULL);
}

static void
boot(void)
{
	K = vt_boot(0);
}

static void
down(void)
{
	vt_down(K);
	K = NULL;
}

/* One run of a scenario on a fresh kernel: seeded, traced, its world run. */
static void (*unstick)(void);	/* after a deadlock: what makes the threads finish */

static void
world_run(struct run *r, void (*setup)(void), void (**fns)(void *), int nfn,
    int (*check)(void))
{
	struct rumpus_det_opts o = { .seed = r->seed, .strategy = r->strategy, .depth = 3,
	    .choices = r->replay, .nchoices = r->nreplay };
	int i;

	rumpus_seed(r->seed);
	rumpus_trace_start(0);
	boot();
	setup();
	rumpus_kernel_switch(NULL);
	r->err = rumpus_det_world(&o);
	for (i = 0; i < nfn && r->err == 0; i++)
		if (rumpus_det_spawn(fns[i], NULL) < 0)
			r->err = -1;
	if (r->err == 0)
		r->err = rumpus_det_run();
	r->n = rumpus_det_choices(r->choices, MAXC);
	if (r->n > MAXC)
		r->n = MAXC;
	if (r->err != 0) {
		/* the world runs free: end what its threads wait for, then join them */
		rumpus_kernel_switch(K);
		if (unstick != NULL)
			unstick();
		rumpus_kernel_switch(NULL);
		rumpus_det_end();
		down();
	} else {
		rumpus_det_end();
		rumpus_kernel_switch(K);
		r->failed = check();
		down();
	}
	rumpus_trace_digest(&r->digest, NULL);
	rumpus_trace_stop();
}

static void
tmpfs_setup(void)
{
	int fd = rump_sys_open("/data", NB_O_WRONLY | NB_O_CREAT, 0644);

	rump_sys_write(fd, "v1", 2);
	rump_sys_close(fd);
}

/* the invariant: the update survives */
static int
tmpfs_check(void)
{
	char buf[8] = { 0 };
	int fd = rump_sys_open("/data", NB_O_RDONLY, 0);

	if (fd < 0)
		return 1;
	rump_sys_read(fd, buf, sizeof(buf) - 1);
	rump_sys_close(fd);
	return strcmp(buf, "v2") != 0;
}

static void (*tmpfs_fns[])(void *) = { janitor, updater };

static void
tmpfs_run(struct run *r)
{
	r->failed = 0;
	world_run(r, tmpfs_setup, tmpfs_fns, 2, tmpfs_check);
}

/* from seed 1 on: the first failing run's seed, or 0 after max runs */
static uint64_t
explore(int strategy, int max, struct run *f)
{
	int i;

	for (i = 1; i <= max; i++) {
		run_init(f, (uint64_t)i, strategy, 0, NULL, 0);
		tmpfs_run(f);
		if (f->err != 0) {
			diag("seed %d: error %d", i, f->err);
			return 0;
		}
		if (f->failed)
			return f->seed;
	}
	return 0;
}

/* replays (seed, list): 1 when it fails again */
static int
replay(uint64_t seed, const uint32_t *c, size_t n, struct run *out)
{
	run_init(out, seed, RUMPUS_DET_RANDOM, 0, c, n);
	tmpfs_run(out);
	return out->err == 0 && out->failed;
}

/* Shrinks a failing list: each non-zero choice set to 0 while the run still fails, then
 * trailing zeros cut (delta debugging with chunks of one; these lists are short). */
static size_t
shrink(uint64_t seed, uint32_t *c, size_t n)
{
	static struct run t;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t v = c[i];

		if (v == 0)
			continue;
		c[i] = 0;
		if (!replay(seed, c, n, &t))
			c[i] = v;
	}
	while (n > 0 && c[n - 1] == 0)
		n--;
	/* then a single preemption anywhere in that prefix, earliest first */
	if (nonzero(c, n) > 1) {
		static uint32_t one[MAXC];

		for (i = 0; i < n; i++) {
			memset(one, 0, (i + 1) * sizeof(*one));
			one[i] = 1;
			if (replay(seed, one, i + 1, &t)) {
				memcpy(c, one, (i + 1) * sizeof(*c));
				return i + 1;
			}
		}
	}
	return n;
}

static void
test_tmpfs_race(void)
{
	static struct run f, a, b, p;
	static uint32_t list[MAXC], s[MAXC];
	uint64_t seed = explore(RUMPUS_DET_RANDOM, 200, &f);
	size_t n, sn;

	ok(seed != 0, "random scheduling finds the lost update (seed %llu, %zu choices, %d "
	    "non-zero)", (unsigned long long)seed, f.n, nonzero(f.choices, f.n));
	if (seed == 0)
		return;
	n = f.n;
	memcpy(list, f.choices, n * sizeof(*list));

	run_init(&a, seed, RUMPUS_DET_RANDOM, 0, NULL, 0);
	tmpfs_run(&a);
	ok(a.failed && same_run(&a, &f, 1), "its seed replays it: the same choices, the same trace digest "
	    "(%016llx)", (unsigned long long)a.digest);
	ok(replay(seed, list, n, &b) && b.digest == f.digest && b.n == n,
	    "its choice list replays it: the same trace digest");

	memcpy(s, list, n * sizeof(*s));
	sn = shrink(seed, s, n);
	ok(replay(seed, s, sn, &b), "the shrunk list still fails");
	ok(nonzero(s, sn) == 1 && sn <= n, "shrunk to one preemption (%d non-zero of %zu, "
	    "from %d of %zu)", nonzero(s, sn), sn, nonzero(list, n), n);
	{
		static uint32_t zero[1];

		ok(!replay(seed, zero, 0, &b) && b.n > 0, "no preemption at all: no loss");
	}
	seed = explore(RUMPUS_DET_PCT, 200, &p);
	ok(seed != 0, "PCT finds it too (seed %llu)", (unsigned long long)seed);
}

/* ------------------------------------------------------------ determinism */

static int P[2];

static void
pipe_writer(void *arg)
{
	int i;

	(void)arg;
	rumpus_kernel_switch(K);
	for (i = 0; i < 4; i++)
		note(10, rump_sys_write(P[1], "abc", 3));
	note(11, rump_sys_close(P[1]));
	rumpus_kernel_switch(NULL);
}

static void
pipe_reader(void *arg)
{
	char buf[16];
	long n, total = 0;

	(void)arg;
	rumpus_kernel_switch(K);
	while ((n = rump_sys_read(P[0], buf, sizeof(buf))) > 0) {	/* blocks */
		note(12, n);
		total += n;
	}
	note(13, total);
	rumpus_kernel_switch(NULL);
}

static void
sleeper(void *arg)
{
	struct nb_timespec ts = { 0, 5000000 };
	struct nb_pollfd pfd;
	int fd;

	(void)arg;
	rumpus_kernel_switch(K);
	fd = rump_sys_open("/f", NB_O_RDWR | NB_O_CREAT, 0644);
	note(20, fd);
	note(21, rump_sys_nanosleep((void *)&ts, NULL));
	note(22, rump_sys_write(fd, "xyz", 3));
	note(23, (long)(rumpus_clock_now() / 1000));
	pfd.fd = P[0];
	pfd.events = NB_POLLOUT;	/* never on a read end: times out */
	pfd.revents = 0;
	note(24, rump_sys_poll((void *)&pfd, 1, 20));
	note(25, (long)(rumpus_clock_now() / 1000));
	note(26, rump_sys_rename("/f", "/g"));
	rump_sys_close(fd);
	rumpus_kernel_switch(NULL);
}

static void
det_setup(void)
{
	rump_sys_pipe(P);
}

static int
det_check(void)
{
	rump_sys_close(P[0]);
	return rump_sys_access("/g", 0) != 0;
}

static void (*det_fns[])(void *) = { pipe_writer, pipe_reader, sleeper };

static void
test_determinism(void)
{
	static struct run a, b;
	int s, same = 0, bad = 0, ok_runs = 0, distinct = 0;
	uint64_t first = 0;

	for (s = 1; s <= 50; s++) {
		run_init(&a, (uint64_t)s, s % 2 ? RUMPUS_DET_RANDOM : RUMPUS_DET_PCT, 0, NULL, 0);
		run_init(&b, (uint64_t)s, s % 2 ? RUMPUS_DET_RANDOM : RUMPUS_DET_PCT, 0, NULL, 0);
		world_run(&a, det_setup, det_fns, 3, det_check);
		world_run(&b, det_setup, det_fns, 3, det_check);
		if (a.err == 0 && !a.failed && b.err == 0 && !b.failed)
			ok_runs++;
		if (same_run(&a, &b, 1))
			same++;
		else if (bad++ == 0)
			diag("seed %d: digests %016llx %016llx, %zu and %zu choices", s,
			    (unsigned long long)a.digest, (unsigned long long)b.digest, a.n, b.n);
		if (s == 1)
			first = a.digest;
		else if (a.digest != first)
			distinct++;
	}
	ok(ok_runs == 50, "50 seeds: every run ends, every thread done (%d)", ok_runs);
	ok(same == 50, "50 seeds, each twice: the same choices and trace digest (%d of 50)",
	    same);
	ok(distinct > 0, "and the seeds differ (%d digests other than seed 1's)", distinct);
}

/* ------------------------------------------------------------ deadlock, bad use */

static void
stuck_reader(void *arg)
{
	char c;

	(void)arg;
	rumpus_kernel_switch(K);
	note(30, rump_sys_read(P[0], &c, 1));
	rumpus_kernel_switch(NULL);
}

static void
close_writer(void)
{
	rump_sys_close(P[1]);	/* EOF for the readers, running free */
}

static void
test_deadlock_and_errors(void)
{
	struct rumpus_det_opts o = { .seed = 1 };
	static struct run r;
	void (*fns[])(void *) = { stuck_reader, stuck_reader };

	run_init(&r, 5, 0, 0, NULL, 0);
	unstick = close_writer;
	world_run(&r, det_setup, fns, 2, det_check);
	unstick = NULL;
	ok(r.err == 11, "two readers of a pipe nobody writes: EDEADLK (%d); running "
	    "free, they end once the writer closes", r.err);

	ok(rumpus_det_world(NULL) == NB_EINVAL, "no options: EINVAL");
	ok(rumpus_det_spawn(janitor, NULL) == -NB_EINVAL, "spawn without a world: -EINVAL");
	o.strategy = 7;
	ok(rumpus_det_world(&o) == NB_EINVAL, "an unknown strategy: EINVAL");
	o.strategy = RUMPUS_DET_RANDOM;
	rumpus_seed_clear();
	ok(rumpus_det_world(&o) == NB_EINVAL, "not in the deterministic mode: EINVAL");
	rumpus_seed(1);
	ok(rumpus_det_world(&o) == 0, "a world");
	ok(rumpus_det_world(&o) == NB_EBUSY, "a second one: EBUSY");
	ok(rumpus_det_run() == 0, "run with no thread: 0");
	ok(rumpus_det_spawn(janitor, NULL) == -NB_EINVAL, "spawn after run: -EINVAL");
	ok(rumpus_det_end() == 0, "end");
	ok(rumpus_det_end() == NB_EBUSY, "end again: EBUSY");
}

int
main(void)
{
	static void (*const tests[])(void) = { test_tmpfs_race, test_determinism,
	    test_deadlock_and_errors, NULL };

	return run_tests(tests);
}
