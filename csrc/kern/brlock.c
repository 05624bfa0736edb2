/*
 * brlock.c: the big reader lock of kern/brlock.h (docs/locking.md).
 */
#include "kern/brlock.h"

/* The reader slot this thread took last (a hint: any free slot will do). */
static __thread uint8_t br_hint __attribute__((tls_model("initial-exec")));

/* Spins while the holder is likely running (a few hundred ns), then sleeps on the word. */
void
br_lock_slow(br_lock_t *l)
{
	if (hyp_word_spin(&l->w, 1, hyp_spin_ns(2000)) && br_cas(l))
		return;
	while (atomic_exchange_explicit(&l->w, 2, memory_order_acquire) != 0)
		hyp_word_wait(&l->w, 2, 0);
}

#define BR_MEMSIZE(n)	(sizeof(struct brslot) * (size_t)((n) + BR_NSTRIPE) + 63)

int
br_init(struct brlock *b, struct kern *k)
{
	int i, n = k->k_ncpu > 1 ? k->k_ncpu : 0;

	mutex_init(&b->br_x, k);
	b->br_kern = k;
	b->br_n = n;
	b->br_slots = NULL;
	b->br_mem = NULL;
	b->br_fold = NULL;
	if (n == 0)
		return 0;
	if ((b->br_mem = kmem_alloc(k, BR_MEMSIZE(n))) == NULL) {
		mutex_destroy(&b->br_x);
		return ENOMEM;
	}
	b->br_slots = (struct brslot *)(((uintptr_t)b->br_mem + 63) & ~(uintptr_t)63);
	for (i = 0; i < n + BR_NSTRIPE; i++) {
		atomic_init(&b->br_slots[i].m.w, 0);
		memset(b->br_slots[i].c, 0, sizeof(b->br_slots[i].c));
	}
	return 0;
}

void
br_destroy(struct brlock *b)
{
	if (b->br_n != 0) {
		kmem_free(b->br_kern, b->br_mem, BR_MEMSIZE(b->br_n));
		b->br_slots = NULL;
		b->br_mem = NULL;
	}
	mutex_destroy(&b->br_x);
}

void
br_slots_enter(struct brlock *b)
{
	int i;

	for (i = 0; i < b->br_n; i++)
		br_lock(&b->br_slots[i].m);
}

void
br_slots_exit(struct brlock *b)
{
	int i;

	for (i = b->br_n - 1; i >= 0; i--)
		br_unlock(&b->br_slots[i].m);
}

/* What the reader slots counted goes to the subsystem (every slot held). */
static void
br_fold_slots(struct brlock *b)
{
	uint64_t sum[BR_NCOUNT] = { 0 }, any = 0;
	int i, j;

	for (i = 0; i < b->br_n; i++)
		for (j = 0; j < BR_NCOUNT; j++) {
			any |= b->br_slots[i].c[j];
			sum[j] += b->br_slots[i].c[j];
			b->br_slots[i].c[j] = 0;
		}
	if (any != 0)
		b->br_fold(b, sum);
}

void
br_enter(struct brlock *b)
{
	mutex_enter(&b->br_x);
	if (b->br_n != 0) {
		br_slots_enter(b);
		if (b->br_fold != NULL)
			br_fold_slots(b);
	}
}

void
br_exit(struct brlock *b)
{
	br_slots_exit(b);
	mutex_exit(&b->br_x);
}

int
br_shared_enter(struct brlock *b)
{
	int i, s, n = b->br_n;

	if (n == 0) {
		mutex_enter(&b->br_x);
		return -1;
	}
	/* the slot used last, else any free one, else wait for the one used last */
	s = br_hint < n ? br_hint : 0;
	if (__predict_true(br_trylock(&b->br_slots[s].m)))
		return s;
	for (i = 1; i < n; i++) {
		int t = s + i < n ? s + i : s + i - n;

		if (br_trylock(&b->br_slots[t].m)) {
			br_hint = (uint8_t)t;
			return t;
		}
	}
	br_lock(&b->br_slots[s].m);
	return s;
}

void
br_shared_exit(struct brlock *b, int slot)
{
	if (slot < 0)
		mutex_exit(&b->br_x);
	else
		br_unlock(&b->br_slots[slot].m);
}

int
br_tryenter(struct brlock *b)
{
	int i;

	if (b->br_kern->k_ncpu > 1 && !br_trylock(&b->br_x.m))
		return EBUSY;
	for (i = 0; i < b->br_n; i++)
		if (!br_trylock(&b->br_slots[i].m)) {
			while (--i >= 0)
				br_unlock(&b->br_slots[i].m);
			mutex_exit(&b->br_x);
			return EBUSY;
		}
	if (b->br_fold != NULL)
		br_fold_slots(b);
	return 0;
}

/* The slots go only after the sleeper registered (cv_timedwait_x): a shared holder that
 * wakes cv right then finds it. */
int
br_cv_timedwait(kcondvar_t *cv, struct brlock *b, uint64_t deadline)
{
	return cv_timedwait_x(cv, &b->br_x, b, deadline, NULL, 0);
}

int
br_cv_wait(kcondvar_t *cv, struct brlock *b)
{
	return br_cv_timedwait(cv, b, 0);
}
