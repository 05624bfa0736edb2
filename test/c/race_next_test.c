/*
 * race_next_test.c: rumpus_det_next (rump/rumpus_race.h), the first pending timer's
 * deadline, where race hunting's cooperative scheduler moves virtual time when every
 * thread of control it runs waits (lua/rump/race_sched.lua).  In the seeded deterministic
 * mode: nothing pending gives 0; armed callouts give the earliest deadline, to the
 * nanosecond, whatever their arming order; advancing there fires it; NULL gives 0.
 */
#include "tap.h"
#include "testfile.h"
#include "kcallout.h"
#include "rump/rumpus_race.h"

#define MS	1000000ULL

static int fired;

static void
count_fn(void *arg)
{
	(void)arg;
	fired++;
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
	kc_arm(k, &c1, count_fn, NULL, 30 * MS);
	kc_arm(k, &c2, count_fn, NULL, 10 * MS);
	ok(rumpus_det_next(&d) == 1 && d == t0 + 10 * MS, "the earlier of two callouts, armed second");
	rumpus_clock_advance(d - rumpus_clock_now());
	ok(fired == 1, "advancing to it fires it (on the caller)");
	ok(rumpus_det_next(&d) == 1 && d == t0 + 30 * MS, "then the later one");
	kc_halt(k, &c1);
	ok(rumpus_det_next(&d) == 0, "halted: nothing pending");
	ok(fired == 1, "the halted callout never ran");
	ok(rumpus_kernel_destroy(k) == 0, "kernel destroyed");
	rumpus_clock_virtual(0);
	rumpus_seed_clear();
	return tap_done();
}
