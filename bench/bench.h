/*
 * bench.h: what the C benchmarks share (docs/bench.md): the host's monotonic clock in
 * nanoseconds, the comparisons qsort takes for doubles and uint64_t, and the median of
 * doubles.  A benchmark whose kernel headers carry NetBSD's clock ids, or that reads the
 * host clock through hyper/, defines BENCH_OWN_CLOCK first and keeps its own now_ns().
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdint.h>
#include <stdlib.h>

#ifndef BENCH_OWN_CLOCK
#include <time.h>

#define BENCH_HOST_CLOCK_MONOTONIC	1	/* Linux's CLOCK_MONOTONIC */

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(BENCH_HOST_CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

static inline int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline int
cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* the median of v[0..n) (sorts v): the upper one of an even n */
static inline double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return v[n / 2];
}

#endif
