/*
 * race_wake_test.c: wakeups and vCPU hand-offs as preemption points of a world's host
 * threads (rumpus_det_*, rump/rumpus_race.h; docs/race.md, "Host threads").
 *
 * The race: a sender's one sendmmsg of two datagrams on an AF_LOCAL datagram
 * socketpair, and a receiver that takes the first with a blocking recv and then drains
 * the socket without waiting, assuming the batch arrived whole.  On a kernel with two
 * vCPUs the receiver, woken by the first datagram, can run while the sender is still
 * inside its sendmmsg: the drain finds nothing (EAGAIN), the batch is torn.  Only a
 * preemption at the wakeup reaches that order (entries, exits and sleeps put the whole
 * sendmmsg before or after the receiver's calls), so:
 *
 * - with RUMPUS_DET_NOWAKE (the points before session 5) no seed tears the batch, for
 *   the random and the PCT scheduler;
 * - with wakeup points the random and the PCT scheduler find it from scratch, the seed
 *   alone replays it (same choice list, same trace digest), its choice list replays it,
 *   and shrinking leaves one preemption;
 * - on a kernel with one vCPU the receiver woken inside sendmmsg needs the vCPU the
 *   sender holds: never torn; it is no candidate while that vCPU is held (choosing it
 *   would only make it wait), so every seed makes the choices it makes without the new
 *   points, and gives the same choices and digest twice;
 * - a pipe ping-pong between two threads of a one-vCPU kernel (a wakeup at every
 *   exchange) replays exactly from 30 seeds, and its seeds differ; with a third thread
 *   entering the kernel, chosen at a wakeup point it waits for the waker's vCPU through
 *   the world and the release is a hand-off point: more choices, still exact.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "net_sock_nb.h"
#include "race_run.h"

static struct rumpus_kernel *K;
static int SV[2], TORN;
static unsigned NCPU = 2;

struct nb_mmsg {
	struct nb_msghdr_t hdr;
	unsigned len;
};
_Static_assert(sizeof(struct nb_mmsg) == 56, "mmsghdr");

static void
sender(void *arg)
{
	struct nb_iovec_t iov[2] = { { "a", 1 }, { "b", 1 } };
	struct nb_mmsg mm[2];

	(void)arg;
	memset(mm, 0, sizeof(mm));
	mm[0].hdr.msg_iov = &iov[0];
	mm[0].hdr.msg_iovlen = 1;
	mm[1].hdr.msg_iov = &iov[1];
	mm[1].hdr.msg_iovlen = 1;
	rumpus_kernel_switch(K);
	note(1, rump_sys_sendmmsg(SV[0], (void *)mm, 2, 0));
	rumpus_kernel_switch(NULL);
}

static void
receiver(void *arg)
{
	char c[2];
	long n;

	(void)arg;
	rumpus_kernel_switch(K);
	note(2, rump_sys_recvfrom(SV[1], c, 1, 0, NULL, NULL));	/* blocks for "a" */
	n = rump_sys_recvfrom(SV[1], c + 1, 1, NB_MSG_DONTWAIT, NULL, NULL);
	note(3, n);
	if (n < 0 && errno == NB_EAGAIN)
		TORN = 1;		/* the batch's second datagram is not there yet */
	rumpus_kernel_switch(NULL);
}

/* a run's start: its seed, the trace on, a kernel K (exit 2 if none) */
static void
run_start(const struct run *r, const char **comps, unsigned ncpu)
{
	struct rumpus_config cfg = { .ncpu = ncpu };
	int e = 0;

	rumpus_seed(r->seed);
	rumpus_trace_start(0);
	K = rumpus_kernel_create(comps, &cfg, &e);
	if (K == NULL) {
		diag("kernel create failed: %d %s", e, rumpus_error());
		exit(2);
	}
}

/* the rest of a run: the world o with the threads spawn() makes, run to its end; r gets
 * its choices, failed (*failed after the run) and trace digest, and K is destroyed */
static void
run_world(struct run *r, const struct rumpus_det_opts *o, int (*spawn)(void),
    const int *failed)
{
	r->err = rumpus_det_world(o);
	if (r->err == 0 && spawn() != 0)
		r->err = -1;
	if (r->err == 0)
		r->err = rumpus_det_run();
	r->n = rumpus_det_choices(r->choices, MAXC);
	(void)rumpus_det_choice_counts(r->ns, MAXC);
	if (r->n > MAXC)
		r->n = MAXC;
	rumpus_det_end();
	r->failed = *failed;
	rumpus_kernel_destroy(K);
	K = NULL;
	rumpus_trace_digest(&r->digest, NULL);
	rumpus_trace_stop();
}

static int
spawn_batch(void)
{
	/* the receiver first: it blocks before the sender runs in most schedules */
	return rumpus_det_spawn(receiver, NULL) < 0 || rumpus_det_spawn(sender, NULL) < 0 ?
	    -1 : 0;
}

static void
batch_run(struct run *r)
{
	const char *comps[] = { "vfs", "net", "net.local", NULL };
	struct rumpus_det_opts o = { .seed = r->seed, .strategy = r->strategy, .depth = 3,
	    .choices = r->replay, .nchoices = r->nreplay, .flags = r->flags };

	run_start(r, comps, NCPU);
	rumpus_kernel_switch(K);
	if (rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, SV) != 0) {
		diag("socketpair: %d", errno);
		exit(2);
	}
	rumpus_kernel_switch(NULL);
	TORN = 0;
	run_world(r, &o, spawn_batch, &TORN);
}

static void
show(const char *what, const uint32_t *c, size_t n)
{
	char buf[512];
	size_t i, o = 0;

	for (i = 0; i < n && o + 12 < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u", i ? "," : "", c[i]);
	buf[o] = '\0';
	diag("%s: %s", what, buf);
}

/* shrink f's failing list: zero one non-zero choice at a time while run() of the list
 * still fails and has fewer non-zero choices; best[] gets the list, its trailing zeros
 * cut (its length returned), s the run of it */
static size_t
shrink(const struct run *f, void (*run)(struct run *), uint32_t *best, struct run *s)
{
	static uint32_t cand[MAXC];
	size_t nb = f->n, i;
	int changed;

	memcpy(best, f->choices, nb * sizeof(uint32_t));
	do {
		changed = 0;
		for (i = 0; i < nb; i++) {
			if (best[i] == 0)
				continue;
			memcpy(cand, best, nb * sizeof(uint32_t));
			cand[i] = 0;
			run_init(s, f->seed, 0, 0, cand, nb);
			run(s);
			if (s->failed && nonzero(s->choices, s->n) < nonzero(best, nb)) {
				nb = s->n;
				memcpy(best, s->choices, nb * sizeof(uint32_t));
				changed = 1;
			}
		}
	} while (changed);
	while (nb > 0 && best[nb - 1] == 0)
		nb--;
	show("shrunk", best, nb);
	run_init(s, f->seed, 0, 0, best, nb);
	run(s);
	return nb;
}

/* seeds 1..max: the first that fails (0: none), counting runs that errored */
static uint64_t
hunt(int strategy, unsigned flags, int max, struct run *f, int *errs, size_t *maxn)
{
	int i;

	*errs = 0;
	*maxn = 0;
	for (i = 1; i <= max; i++) {
		run_init(f, (uint64_t)i, strategy, flags, NULL, 0);
		batch_run(f);
		*errs += f->err != 0;
		if (f->n > *maxn)
			*maxn = f->n;
		if (f->failed)
			return f->seed;
	}
	return 0;
}

static void
test_torn_batch(void)
{
	static struct run f, g, h, s;
	static uint32_t best[MAXC];
	uint64_t seed;
	int errs;
	size_t maxn, nb;

	NCPU = 2;
	seed = hunt(RUMPUS_DET_RANDOM, RUMPUS_DET_NOWAKE, 200, &f, &errs, &maxn);
	ok(seed == 0 && errs == 0, "2 vCPUs, no wakeup points: 200 random seeds, never torn "
	    "(%llu), no error (%d); at most %zu choices", (unsigned long long)seed, errs, maxn);
	seed = hunt(RUMPUS_DET_PCT, RUMPUS_DET_NOWAKE, 200, &f, &errs, &maxn);
	ok(seed == 0 && errs == 0, "no wakeup points: 200 PCT seeds, never torn (%llu)",
	    (unsigned long long)seed);

	seed = hunt(RUMPUS_DET_PCT, 0, 200, &f, &errs, &maxn);
	ok(seed != 0 && errs == 0, "wakeup points: PCT tears the batch (seed %llu)",
	    (unsigned long long)seed);
	seed = hunt(RUMPUS_DET_RANDOM, 0, 200, &f, &errs, &maxn);
	ok(seed != 0 && errs == 0, "wakeup points: random tears the batch (seed %llu)",
	    (unsigned long long)seed);
	show("its choice list", f.choices, f.n);

	run_init(&g, f.seed, RUMPUS_DET_RANDOM, 0, NULL, 0);
	batch_run(&g);
	ok(g.failed && g.err == 0 && same_run(&g, &f, 1),
	    "the seed alone replays it: torn, the same %zu choices, the same trace digest", f.n);

	run_init(&h, f.seed, 0, 0, f.choices, f.n);
	batch_run(&h);
	ok(h.failed && same_run(&h, &f, 1), "its choice list replays it (same list, same digest)");

	/* shrink: zero one non-zero choice at a time while the replay still tears */
	nb = shrink(&f, batch_run, best, &s);
	ok(s.failed && nonzero(best, nb) == 1, "shrinking (zeroing choices while it fails) keeps %d -> %d non-zero (one "
	    "preemption: at the sender's wakeup of the receiver), and the shrunk list tears it",
	    nonzero(f.choices, f.n), nonzero(best, nb));
}

/* Exhaustive: depth-first over the choices, each run the previous one's list with its last
 * choice that has an untried alternative moved on.  1: a run failed (f), 0: the tree was
 * exhausted (*runs runs), -1: the bound. */
static int
dfs(unsigned flags, int max, int *runs, struct run *f)
{
	static uint32_t prefix[MAXC];
	size_t np = 0, p;

	for (*runs = 1; *runs <= max; (*runs)++) {
		run_init(f, 1, 0, flags, prefix, np);
		batch_run(f);
		if (f->err != 0)
			return -1;
		if (f->failed)
			return 1;
		for (p = f->n; p > 0 && f->choices[p - 1] + 1 >= f->ns[p - 1]; p--)
			;
		if (p == 0)
			return 0;
		memcpy(prefix, f->choices, (p - 1) * sizeof(uint32_t));
		prefix[p - 1] = f->choices[p - 1] + 1;
		np = p;
	}
	return -1;
}

static void
test_exhaustive(void)
{
	static struct run f;
	int runs, r;

	NCPU = 2;
	r = dfs(RUMPUS_DET_NOWAKE, 1000, &runs, &f);
	ok(r == 0, "exhaustive search without wakeup points: every schedule tried (%d runs), "
	    "none tears the batch (%d)", runs, r);
	r = dfs(0, 1000, &runs, &f);
	ok(r == 1, "with them: it finds the torn batch in run %d (%d)", runs, r);
	show("the schedule", f.choices, f.n);
}

static void
test_one_vcpu(void)
{
	static struct run f, g;
	uint64_t seed;
	int errs, i, same = 1, errs2 = 0, eq = 1;
	size_t maxn;

	NCPU = 1;
	seed = hunt(RUMPUS_DET_RANDOM, 0, 200, &f, &errs, &maxn);
	ok(seed == 0 && errs == 0, "1 vCPU, wakeup points: the receiver woken inside "
	    "sendmmsg needs the sender's vCPU: 200 seeds, never torn, no deadlock (%d)", errs);
	for (i = 1; i <= 100; i++) {
		run_init(&f, (uint64_t)i, 0, 0, NULL, 0);
		run_init(&g, (uint64_t)i, 0, RUMPUS_DET_NOWAKE, NULL, 0);
		batch_run(&f);
		batch_run(&g);
		if (!same_run(&f, &g, 0))
			eq = 0;
	}
	ok(eq, "and it is no candidate while the sender holds that vCPU (choosing it would only "
	    "make it wait): 100 seeds make the same choices as without wakeup points");
	for (i = 1; i <= 30; i++) {
		run_init(&f, (uint64_t)i, 0, 0, NULL, 0);
		run_init(&g, (uint64_t)i, 0, 0, NULL, 0);
		batch_run(&f);
		batch_run(&g);
		errs2 += f.err != 0 || g.err != 0;
		if (!same_run(&f, &g, 1))
			same = 0;
	}
	ok(same && errs2 == 0, "30 seeds twice each: the same choices and trace digest");
	NCPU = 2;
}

/* ---------------------------------------------------------- a pipe ping-pong */

static int P1[2], P2[2];

static void
pinger(void *arg)
{
	char c = 'x';
	int i;

	(void)arg;
	rumpus_kernel_switch(K);
	for (i = 0; i < 5; i++) {
		note(10, rump_sys_write(P1[1], &c, 1));
		note(11, rump_sys_read(P2[0], &c, 1));
	}
	rumpus_kernel_switch(NULL);
}

static void
ponger(void *arg)
{
	char c;
	int i;

	(void)arg;
	rumpus_kernel_switch(K);
	for (i = 0; i < 5; i++) {
		note(12, rump_sys_read(P1[0], &c, 1));
		note(13, rump_sys_write(P2[1], &c, 1));
	}
	rumpus_kernel_switch(NULL);
}

static void
bystander(void *arg)
{
	int i;

	(void)arg;
	rumpus_kernel_switch(K);
	for (i = 0; i < 5; i++)
		note(14, rump_sys_getpid());
	rumpus_kernel_switch(NULL);
}

static int THIRD;	/* pipe_run: a third thread, entering the kernel now and then */

static int
spawn_pipe(void)
{
	return rumpus_det_spawn(pinger, NULL) < 0 || rumpus_det_spawn(ponger, NULL) < 0 ||
	    (THIRD && rumpus_det_spawn(bystander, NULL) < 0) ? -1 : 0;
}

static void
pipe_run(struct run *r)
{
	struct rumpus_det_opts o = { .seed = r->seed, .strategy = r->strategy, .flags = r->flags };
	static const int never;

	run_start(r, NULL, 1);
	rumpus_kernel_switch(K);
	if (rump_sys_pipe(P1) != 0 || rump_sys_pipe(P2) != 0) {
		diag("set-up failed: %d", errno);
		exit(2);
	}
	rumpus_kernel_switch(NULL);
	run_world(r, &o, spawn_pipe, &never);
}

static void
test_pingpong(void)
{
	static struct run f, g;
	uint64_t d0 = 0;
	int i, same = 1, errs = 0, differ = 0;

	for (i = 1; i <= 30; i++) {
		run_init(&f, (uint64_t)i, i % 2 ? RUMPUS_DET_RANDOM : RUMPUS_DET_PCT, 0, NULL, 0);
		run_init(&g, (uint64_t)i, f.strategy, 0, NULL, 0);
		pipe_run(&f);
		pipe_run(&g);
		errs += f.err != 0 || g.err != 0;
		if (!same_run(&f, &g, 1))
			same = 0;
		if (i == 1)
			d0 = f.digest;
		else if (f.digest != d0)
			differ++;
	}
	ok(same && errs == 0, "a pipe ping-pong on one vCPU (a wakeup at every "
	    "exchange), 30 seeds twice each: the same choices and trace digest (errors %d)", errs);
	ok(differ > 0, "and the seeds give other interleavings (%d of 29 differ from seed 1)",
	    differ);

	/* a third thread: picked at a wakeup point while the waker holds the vCPU, it waits
	 * for it through the world; the waker's release is a hand-off point */
	size_t max1 = 0, max0 = 0;

	THIRD = 1;
	same = 1;
	errs = 0;
	for (i = 1; i <= 40; i++) {
		run_init(&f, (uint64_t)i, 0, 0, NULL, 0);
		run_init(&g, (uint64_t)i, 0, 0, NULL, 0);
		pipe_run(&f);
		pipe_run(&g);
		errs += f.err != 0 || g.err != 0;
		if (!same_run(&f, &g, 1))
			same = 0;
		if (f.n > max1)
			max1 = f.n;
		run_init(&g, (uint64_t)i, 0, RUMPUS_DET_NOWAKE, NULL, 0);
		pipe_run(&g);
		errs += g.err != 0;
		if (g.n > max0)
			max0 = g.n;
	}
	THIRD = 0;
	ok(same && errs == 0, "with a third thread entering the kernel: 40 seeds twice each, the "
	    "same choices and digest (errors %d)", errs);
	ok(max1 > max0, "its wakeup points and vCPU hand-offs are choices: at most %zu a run, "
	    "%zu without them", max1, max0);
}

/* ---------------------------------------------------------- the allocation fault site */

#define NB_O_RDWR	0x0002
#define NB_O_CREAT	0x0200

static int FAILS, ODD;	/* calls that failed (ENOMEM/ENOSPC/ENOBUFS), other errors */

static void
churn(void *arg)
{
	char path[32];
	int i, fd;

	rumpus_kernel_switch(K);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/f%d_%d", (int)(intptr_t)arg, i);
		fd = rump_sys_open(path, NB_O_RDWR | NB_O_CREAT, 0644);
		note(20, fd);
		if (fd < 0) {
			if (errno == 12 || errno == 28 || errno == 55)
				FAILS++;
			else
				ODD++;
			continue;
		}
		if (rump_sys_write(fd, "x", 1) != 1)
			FAILS++;
		rump_sys_close(fd);
		note(21, rump_sys_unlink(path));
	}
	rumpus_kernel_switch(NULL);
}

static int
spawn_churn(void)
{
	return rumpus_det_spawn(churn, (void *)1) < 0 || rumpus_det_spawn(churn, (void *)2) < 0 ?
	    -1 : 0;
}

static void
churn_run(struct run *r, uint32_t ppm)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_det_opts o = { .seed = r->seed, .strategy = r->strategy, .flags = r->flags,
	    .alloc_ppm = ppm, .choices = r->replay, .nchoices = r->nreplay };

	run_start(r, comps, 1);
	FAILS = ODD = 0;
	run_world(r, &o, spawn_churn, &FAILS);
}

/* the allocation site at 25% */
static void
churn_faulty(struct run *r)
{
	churn_run(r, 250000);
}

static void
test_alloc_faults(void)
{
	static struct run f, g, s;
	static uint32_t best[MAXC];
	int i, found = 0, odd = 0, with = 0, without = 0;
	size_t nb;

	for (i = 1; i <= 40 && !found; i++) {
		run_init(&f, (uint64_t)i, 0, 0, NULL, 0);
		churn_faulty(&f);
		odd += ODD;
		if (f.failed)
			found = i;
	}
	ok(found && f.err == 0 && odd == 0, "allocation site at 25%%: seed %d makes a call fail with "
	    "ENOMEM/ENOSPC/ENOBUFS (%d calls), nothing else fails", found, f.failed);
	run_init(&g, f.seed, 0, 0, f.choices, f.n);
	churn_faulty(&g);
	ok(g.failed == f.failed && same_run(&g, &f, 1), "its list replays it: the same failures, "
	    "choices and trace digest");
	run_init(&g, f.seed, 0, 0, NULL, 0);
	churn_run(&g, 0);
	ok(g.failed == 0, "the same seed with the site off: no call fails");

	/* shrink: zero each non-zero choice while some call still fails */
	nb = shrink(&f, churn_faulty, best, &s);
	ok(s.failed && nonzero(best, nb) == 1, "shrunk from %d non-zero choices to one (the "
	    "fault), which still fails a call", nonzero(f.choices, f.n));

	for (i = 1; i <= 20; i++) {
		run_init(&g, (uint64_t)i, 0, RUMPUS_DET_SWARM, NULL, 0);
		churn_run(&g, 0);
		run_init(&s, (uint64_t)i, 0, 0, NULL, 0);
		churn_run(&s, 0);
		/* with the site on, every entry adds a choice */
		if (g.n > s.n)
			with++;
		else
			without++;
	}
	ok(with > 0 && without > 0, "swarm: the site is on for some seeds (%d of 20) and off for "
	    "the others (%d)", with, without);
}

static void
test_bad_flags(void)
{
	struct rumpus_det_opts o = { .seed = 1, .flags = 0x80 };

	ok(rumpus_det_world(&o) == NB_EINVAL, "an unknown flag: EINVAL");
	o.flags = 0;
	o.alloc_ppm = 1000001;
	ok(rumpus_det_world(&o) == NB_EINVAL, "a fault probability above 1: EINVAL");
	o.alloc_ppm = 0;
	ok(rumpus_det_world(&o) == 0, "a world");
	ok(rumpus_det_spawn_lua("return 1", 8, "x") == -78, "a Lua thread in a process without "
	    "Lua (this C program): -ENOSYS");
	ok(rumpus_det_spawn_lua(NULL, 0, "x") == -22, "no chunk: -EINVAL");
	ok(rumpus_det_lua_result(0, NULL, 0, NULL) == -1, "no result for a thread never made");
	ok(rumpus_det_run() == 0 && rumpus_det_end() == 0, "the world runs and ends, empty");
}

int
main(void)
{
	static void (*const tests[])(void) = { test_torn_batch, test_exhaustive, test_one_vcpu,
	    test_pingpong, test_alloc_faults, test_bad_flags, NULL };

	return run_tests(tests);
}
