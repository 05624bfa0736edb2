/*
 * race_run.h: the run records of the world tests (race_host_test, race_wake_test): one run
 * of a scenario in a world (rumpus_det_*, rump/rumpus_race.h), its seed, strategy, flags
 * and replayed choice list going in, its choices, per-point candidate counts, error,
 * verdict and trace digest coming out; a trace note of a system call's result; and main's
 * frame for the tests (run_tests).
 */
#ifndef TEST_RACE_RUN_H
#define TEST_RACE_RUN_H

#include <errno.h>
#include <string.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rumpus_race.h"

#define MAXC	4096

struct run {
	uint64_t seed, digest;
	int strategy, failed, err;
	unsigned flags;
	const uint32_t *replay;		/* NULL: the strategy */
	size_t nreplay, n;
	uint32_t choices[MAXC], ns[MAXC];
};

/* r cleared for a run of seed with strategy, flags and the replay list c[n] */
static void
run_init(struct run *r, uint64_t seed, int strategy, unsigned flags, const uint32_t *c,
    size_t n)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
	r->strategy = strategy;
	r->flags = flags;
	r->replay = c;
	r->nreplay = n;
}

/* the same choices (and, with digest, the same trace digest) */
static int
same_run(const struct run *a, const struct run *b, int digest)
{
	return a->n == b->n && memcmp(a->choices, b->choices, a->n * sizeof(uint32_t)) == 0 &&
	    (!digest || a->digest == b->digest);
}

/* how many of the n choices are not 0 (preemptions) */
static int
nonzero(const uint32_t *c, size_t n)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++)
		k += c[i] != 0;
	return k;
}

/* a trace event what with a system call's result r (-errno when it failed) */
static void
note(int what, long r)
{
	long v[2] = { what, r < 0 ? -errno : r };

	rumpus_trace_note((uint32_t)what, v, sizeof(v));
}

/* The program's tests (a NULL-terminated list) in the deterministic mode with the virtual
 * clock, then the check that they leaked no kernel byte: tap_done's status. */
static int
run_tests(void (*const *tests)(void))
{
	struct rumpus_memstats m0, m1;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	rumpus_seed(1);
	ok(rumpus_deterministic() == 1, "the deterministic mode");
	rumpus_memstats(&m0);
	for (; *tests != NULL; tests++)
		(*tests)();
	rumpus_memstats(&m1);
	ok(m1.leaked == 0 && m1.bytes == m0.bytes, "no kernel bytes leaked (%llu -> %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	rumpus_seed_clear();
	rumpus_clock_virtual(0);
	return tap_done();
}

#endif
