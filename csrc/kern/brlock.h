/*
 * brlock.h: a kernel's big reader lock (docs/locking.md).
 *
 * One lock a subsystem's code takes exclusively (br_enter/br_exit: everything its old
 * single mutex guarded) and its hot paths take shared (br_shared_enter/_exit) when they
 * touch only state that has a finer lock of its own (a vnode's or a socket's stripe,
 * br_stripe).  A kernel with one vCPU has no reader slots: both modes are its one kmutex,
 * which costs nothing there.  With more, shared holders each take one of k_ncpu reader
 * slots (a word lock on a cache line of its own, the one the thread used last if free),
 * and the exclusive holder takes the exclusive mutex and then every slot in order, so it
 * excludes every shared holder.  A shared holder never asks for the exclusive lock (nor
 * for a second slot); sleeping with the exclusive lock as the interlock goes through
 * br_cv_wait, which lets the slots go first.
 *
 * Stripes: br_stripe(b, obj) is one of BR_NSTRIPE word locks (kernels with several
 * vCPUs only), chosen by the object's address, that shared holders take around the
 * object's state.  Taken only inside a shared hold, never two at once except through
 * br_stripe2 (index order), never with the exclusive lock held.
 *
 * Slot counters: each reader slot carries BR_NCOUNT counters on its own cache line
 * (br_slot_count), which only its holder writes, so a shared path counts without an
 * atomic or a shared line.  The exclusive lock (br_enter, br_tryenter) adds what the
 * slots counted to the subsystem's own counters through br_fold and zeroes them, so
 * every exclusive holder reads totals.
 */
#ifndef KERN_BRLOCK_H
#define KERN_BRLOCK_H

#include "kern/kern.h"

#define BR_NSTRIPE	64
#define BR_NCOUNT	3

/*
 * The lock of a reader slot or a stripe: a word, 0 free, 1 held, 2 held with sleepers
 * (Drepper's futex mutex).  Taken inline with one compare-and-swap and given back with
 * one exchange, without a call into the host while nobody waits (a host mutex cost two
 * calls and its checks each way: the lone thread on a kernel with several vCPUs paid that
 * four times a file read or write); a taker that finds it held spins briefly, then
 * sleeps on the word (hyp_word_wait).
 */
/* br_lock_t is in kern/kern.h (kmutex_t is one too). */
void br_lock_slow(br_lock_t *l) KERN_HIDDEN;

static inline bool
br_cas(br_lock_t *l)
{
	unsigned z = 0;

	return atomic_compare_exchange_strong_explicit(&l->w, &z, 1, memory_order_acquire,
	    memory_order_relaxed);
}

/* While a world of host threads exists (issue 11), a world thread counts the word locks it
 * holds as it counts host locks: it is never preempted holding one, since the thread the
 * scheduler runs next would sleep on the word where the scheduler cannot see it. */
#define BR_WORLD()	__builtin_expect(atomic_load_explicit(&hyp_world_act, memory_order_relaxed), 0)

static inline bool
br_trylock(br_lock_t *l)
{
	if (!br_cas(l))
		return false;
	if (BR_WORLD())
		hyp_world_locked(1);
	return true;
}

static inline void
br_lock(br_lock_t *l)
{
	if (!br_cas(l))
		br_lock_slow(l);
	if (BR_WORLD())
		hyp_world_locked(1);
}

static inline void
br_unlock(br_lock_t *l)
{
	if (atomic_exchange_explicit(&l->w, 0, memory_order_release) == 2)
		hyp_word_wake(&l->w);
	if (BR_WORLD())
		hyp_world_locked(-1);
}

struct brslot {
	br_lock_t m;
	uint64_t c[BR_NCOUNT];	/* a reader slot's counters (its holder's) */
} __attribute__((aligned(64)));

struct brlock {
	kmutex_t br_x;			/* the exclusive lock; cv_wait's interlock */
	int br_n;			/* reader slots (0: one vCPU) */
	struct brslot *br_slots;	/* br_n slots, then BR_NSTRIPE stripes (aligned) */
	void *br_mem;			/* ... as allocated */
	struct kern *br_kern;
	/* Adds a slot's nonzero counters to the subsystem's (exclusive lock held). */
	void (*br_fold)(struct brlock *b, const uint64_t *c);
};

int  br_init(struct brlock *b, struct kern *k) KERN_HIDDEN;	/* 0 or ENOMEM */
void br_destroy(struct brlock *b) KERN_HIDDEN;
void br_enter(struct brlock *b) KERN_HIDDEN;
void br_exit(struct brlock *b) KERN_HIDDEN;
/* Returns the slot to give to br_shared_exit. */
int  br_shared_enter(struct brlock *b) KERN_HIDDEN;
void br_shared_exit(struct brlock *b, int slot) KERN_HIDDEN;
/* The exclusive lock without waiting for it (several vCPUs): 0 or EBUSY. */
int  br_tryenter(struct brlock *b) KERN_HIDDEN;
/* cv_wait with the exclusive lock held as interlock: returns with it held again. */
int  br_cv_wait(kcondvar_t *cv, struct brlock *b) KERN_HIDDEN;
int  br_cv_timedwait(kcondvar_t *cv, struct brlock *b, uint64_t deadline) KERN_HIDDEN;

/* The reader slots alone (cv_timedwait_x, kern/sleep.c). */
void br_slots_enter(struct brlock *b) KERN_HIDDEN;
void br_slots_exit(struct brlock *b) KERN_HIDDEN;
int  cv_timedwait_x(kcondvar_t *cv, kmutex_t *interlock, struct brlock *br,
    uint64_t deadline, atomic_uint *gen, unsigned seen) KERN_HIDDEN;

/* The counters of the reader slot a shared holder holds (several vCPUs only). */
static inline uint64_t *
br_slot_count(struct brlock *b, int slot)
{
	return b->br_slots[slot].c;
}

/* The stripe of obj (NULL with one vCPU: nothing to take). */
static inline br_lock_t *
br_stripe(struct brlock *b, const void *obj)
{
	uint64_t h;

	if (b->br_n == 0)
		return NULL;
	h = ((uint64_t)(uintptr_t)obj >> 4) * 0x9e3779b97f4a7c15ull;
	return &b->br_slots[b->br_n + (int)(h >> 58)].m;	/* 64 stripes */
}

static inline void
br_stripe_lock(br_lock_t *m)
{
	if (m != NULL)
		br_lock(m);
}

static inline void
br_stripe_unlock(br_lock_t *m)
{
	if (m != NULL)
		br_unlock(m);
}

/* Two objects' stripes in a fixed (address) order; *m2 is NULL when they share one. */
static inline void
br_stripe2_lock(struct brlock *b, const void *o1, const void *o2, br_lock_t **m1,
    br_lock_t **m2)
{
	br_lock_t *a = br_stripe(b, o1), *c = br_stripe(b, o2), *t;

	if (a == c)
		c = NULL;
	else if (a != NULL && c != NULL && c < a) {
		t = a;
		a = c;
		c = t;
	}
	br_stripe_lock(a);
	br_stripe_lock(c);
	*m1 = a;
	*m2 = c;
}

static inline void
br_stripe2_unlock(br_lock_t *m1, br_lock_t *m2)
{
	br_stripe_unlock(m2);
	br_stripe_unlock(m1);
}

#endif
