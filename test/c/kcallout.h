/*
 * kcallout.h: a callout of a kernel armed and halted from a test's thread, inside the
 * kernel as a syscall would be (include after testfile.h, which brings kern/kern.h).
 */
#ifndef TEST_KCALLOUT_H
#define TEST_KCALLOUT_H

/* callout_init(c, fn, arg) + callout_schedule_ns(c, delay) in kernel rk */
static inline void
kc_arm(struct rumpus_kernel *rk, struct callout *c, void (*fn)(void *), void *arg,
    uint64_t delay)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;

	kern_enter(k, &implicit, &prev);
	callout_init(c, k, fn, arg);
	callout_schedule_ns(c, delay);
	kern_leave(k, prev);
}

/* callout_halt(c) in kernel rk */
static inline void
kc_halt(struct rumpus_kernel *rk, struct callout *c)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;

	kern_enter(k, &implicit, &prev);
	callout_halt(c);
	kern_leave(k, prev);
}

#endif
