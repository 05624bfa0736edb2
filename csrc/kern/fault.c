/*
 * fault.c: the public face of allocation-failure injection (rump/rumpus_fault.h).  The
 * mechanism is the hypercall layer's (hyper/fault.c); a kernel's own state lives in
 * k->k_fault and kmem_alloc consults it.
 */
#include "kern/kern.h"
#include "rump/rumpus.h"
#include "rump/rumpus_fault.h"

_Static_assert(RUMPUS_FAULT_OFF == HYP_FAULT_OFF && RUMPUS_FAULT_NTH == HYP_FAULT_NTH &&
    RUMPUS_FAULT_RATE == HYP_FAULT_RATE, "fault modes");

KERN_EXPORT int
rumpus_fault_set(struct rumpus_kernel *rk, int mode, double n_or_rate, uint64_t seed)
{
	struct hyp_fault *f = rk ? &((struct kern *)rk)->k_fault : &hyp_fault_proc;
	int error = hyp_fault_set(f, mode, n_or_rate, seed);

	if (error != 0)
		kern_seterror("fault mode %d with %g: expected nth (a whole number >= 1) "
		    "or rate (0..1)", mode, n_or_rate);
	return error;
}

KERN_EXPORT int
rumpus_fault_stats(const struct rumpus_kernel *rk, struct rumpus_fault_stats *st)
{
	struct hyp_fault *f = rk ? &((struct kern *)rk)->k_fault : &hyp_fault_proc;

	if (st == NULL)
		return EINVAL;
	hyp_fault_get(f, &st->mode, &st->calls, &st->injected);
	return 0;
}
