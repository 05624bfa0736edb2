/*
 * vsleep.h: sleeping in a kernel from a test: nanosleep(2) as a syscall of the current
 * kernel, or of another one; under the virtual clock (rumpus_clock_virtual) the time is
 * virtual and nothing waits for real.
 */
#ifndef TEST_VSLEEP_H
#define TEST_VSLEEP_H

#include <stdint.h>
#include <stddef.h>

#include "rump/rumpus.h"

struct nb_ts { int64_t sec; long nsec; };
int rump___sysimpl_nanosleep50(const struct nb_ts *, struct nb_ts *);

/* nanosleep in the current kernel: sec s and nsec ns of its clock */
static inline void
x_vsleep(int64_t sec, long nsec)
{
	struct nb_ts ts = { sec, nsec };

	rump___sysimpl_nanosleep50(&ts, NULL);
}

/* the same in kernel k, from any kernel (or none): the caller's is current again after */
static inline void
x_vsleep_in(struct rumpus_kernel *k, int64_t sec, long nsec)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);

	x_vsleep(sec, nsec);
	rumpus_kernel_switch(old);
}

#endif
