/*
 * race_next_test.c: rumpus_det_next (rump/rumpus_race.h), the first pending timer's
 * deadline, where race hunting's cooperative scheduler moves virtual time when every
 * thread of control it runs waits (lua/rump/race_sched.lua).  In the seeded deterministic
 * mode: nothing pending gives 0; armed callouts give the earliest deadline, to the
 * nanosecond, whatever their arming order; advancing there fires it; NULL gives 0.
 */
#include "tap.h"
#include "testfile.h"
#include "rump/rumpus_race.h"

#define MS	1000000ULL

static int fired;

static void
count_fn(void *arg)
{
	(void)arg;
	fired++;
}

static void
arm(struct rumpus_kernel *rk, struct callout *c, uint64_t delay)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;

	kern_enter(k, &implicit, &prev);
	callout_init(c, k, count_fn, NULL);
	callout_schedule_ns(c, delay);
	kern_leave(k, prev);
}

static void
halt(struct rumpus_kernel *rk, struct callout *c)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;

	kern_enter(k, &implicit, &prev);
	callout_halt(c);
	kern_leave(k, prev);
}

int
main(void)
{
	struct rumpus_kernel *k;
	struct callout c1, c2;
	uint64_t d = 0, t0;
	int err;

	ok(rumpus_seed(3) == 0, "seeded");
	ok(rumpus_clock_virtual(1) == 0, "virtual clock on");
	ok(rumpus_deterministic() == 1, "the deterministic mode");
	ok(rumpus_det_next(NULL) == 0, "NULL: 0");
	k = rumpus_kernel_create(NULL, NULL, &err);
	ok(k != NULL, "a kernel");
	ok(rumpus_det_next(&d) == 0, "a fresh kernel: no timer pending");
	t0 = rumpus_clock_now();
	arm(k, &c1, 30 * MS);
	arm(k, &c2, 10 * MS);
	ok(rumpus_det_next(&d) == 1 && d == t0 + 10 * MS, "the earlier of two callouts, armed second");
	rumpus_clock_advance(d - rumpus_clock_now());
	ok(fired == 1, "advancing to it fires it (on the caller)");
	ok(rumpus_det_next(&d) == 1 && d == t0 + 30 * MS, "then the later one");
	halt(k, &c1);
	ok(rumpus_det_next(&d) == 0, "halted: nothing pending");
	ok(fired == 1, "the halted callout never ran");
	ok(rumpus_kernel_destroy(k) == 0, "kernel destroyed");
	rumpus_clock_virtual(0);
	rumpus_seed_clear();
	return tap_done();
}
