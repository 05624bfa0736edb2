/*
 * rumpus_fault.h: allocation-failure injection, for testing how kernels and the programs
 * above them cope with running out of memory.
 *
 * A fault setting applies to one kernel (its kmem allocations) or, with k NULL, to the
 * whole process (every allocation of every kernel, kernel creation included):
 *
 *	rumpus_fault_set(k, RUMPUS_FAULT_NTH, 100, 0);     fail k's 100th allocation from now
 *	rumpus_fault_set(NULL, RUMPUS_FAULT_RATE, 0.01, 7); fail 1% of all, seeded with 7
 *	rumpus_fault_set(k, RUMPUS_FAULT_OFF, 0, 0);
 *
 * "nth" fails exactly one allocation, the n-th counted from the call (n from 1); "rate"
 * fails each allocation with probability n_or_rate (0..1), drawn from a hash of seed and
 * the allocation's index, so a single-threaded workload fails the same allocations on
 * every run.  Setting resets the counters.  A failed allocation reaches the caller of the
 * syscall as ENOMEM, ENOBUFS or ENOSPC, as in NetBSD under memory pressure.
 *
 * The environment variable RUMPUS_FAULT sets the process-wide state when the library is
 * loaded: RUMPUS_FAULT="alloc:nth=100" or RUMPUS_FAULT="alloc:rate=0.01,seed=7".
 * When off, the check is one predictable branch per allocation.
 */
#ifndef RUMP_RUMPUS_FAULT_H
#define RUMP_RUMPUS_FAULT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rumpus_kernel;

#define RUMPUS_FAULT_OFF	0
#define RUMPUS_FAULT_NTH	1
#define RUMPUS_FAULT_RATE	2

/* 0, or EINVAL for an unknown mode, an n that is not a whole number from 1 to 2^53 or a
 * rate outside 0..1. */
int rumpus_fault_set(struct rumpus_kernel *k, int mode, double n_or_rate, uint64_t seed);

struct rumpus_fault_stats {
	int mode;			/* RUMPUS_FAULT_* */
	uint64_t calls;			/* allocations seen since the setting */
	uint64_t injected;		/* of which were failed */
};
/* 0, or EINVAL if st is NULL. */
int rumpus_fault_stats(const struct rumpus_kernel *k, struct rumpus_fault_stats *st);

#ifdef __cplusplus
}
#endif
#endif
