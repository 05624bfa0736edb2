/*
 * sleep.c: kernel mutexes, condition variables and callouts.
 *
 * A sleeper takes k_sched_mtx, counts itself in cv->waiters, drops its interlock and its
 * virtual CPU, and waits on the host condvar under k_sched_mtx.  A waker holds the
 * interlock (or, with one vCPU, the vCPU itself) when it changes the condition, and
 * signals only if cv->waiters is non-zero, taking k_sched_mtx to do so; since the sleeper
 * counted itself before it let go of the interlock, no wakeup is lost.
 */
#include "kern/kern.h"

void
mutex_init(kmutex_t *mtx, struct kern *k)
{
	mtx->k = k;
	hyp_mutex_init(&mtx->m);
}

void
mutex_destroy(kmutex_t *mtx)
{
	hyp_mutex_destroy(&mtx->m);
}

void
mutex_enter(kmutex_t *mtx)
{
	if (mtx->k->k_ncpu > 1)
		hyp_mutex_lock(&mtx->m);
}

void
mutex_exit(kmutex_t *mtx)
{
	if (mtx->k->k_ncpu > 1)
		hyp_mutex_unlock(&mtx->m);
}

void
cv_init(kcondvar_t *cv, struct kern *k)
{
	cv->k = k;
	atomic_init(&cv->waiters, 0);
	hyp_cond_init(&cv->c);
}

void
cv_destroy(kcondvar_t *cv)
{
	hyp_cond_destroy(&cv->c);
}

int
cv_timedwait_gen(kcondvar_t *cv, kmutex_t *interlock, uint64_t deadline, atomic_uint *gen,
    unsigned seen)
{
	struct kern *k = cv->k;
	int error = 0, virt;

	hyp_mutex_lock(&k->k_sched_mtx);
	atomic_fetch_add(&cv->waiters, 1);
	if (gen != NULL && atomic_load(gen) != seen) {
		atomic_fetch_sub(&cv->waiters, 1);
		hyp_mutex_unlock(&k->k_sched_mtx);
		return 0;
	}
	if (interlock != NULL)
		mutex_exit(interlock);
	atomic_fetch_add(&k->k_sleepers, 1);
	virt = atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed);
	if (virt)
		hyp_sched_sleeping(1);
	vcpu_release(k);
	if (deadline != 0) {
		if (hyp_cond_timedwait(&cv->c, &k->k_sched_mtx, deadline) != 0)
			error = EWOULDBLOCK;
	} else
		hyp_cond_wait(&cv->c, &k->k_sched_mtx);
	atomic_fetch_sub(&cv->waiters, 1);
	hyp_mutex_unlock(&k->k_sched_mtx);
	vcpu_take(k);
	if (virt)
		hyp_sched_sleeping(-1);
	atomic_fetch_sub(&k->k_sleepers, 1);
	if (interlock != NULL)
		mutex_enter(interlock);
	if (atomic_load_explicit(&k->k_halted, memory_order_relaxed))
		error = ENXIO;
	return error;
}

int
cv_timedwait(kcondvar_t *cv, kmutex_t *interlock, uint64_t deadline)
{
	return cv_timedwait_gen(cv, interlock, deadline, NULL, 0);
}

int
cv_wait(kcondvar_t *cv, kmutex_t *interlock)
{
	return cv_timedwait_gen(cv, interlock, 0, NULL, 0);
}

void
cv_signal(kcondvar_t *cv)
{
	if (atomic_load(&cv->waiters) == 0)
		return;
	hyp_mutex_lock(&cv->k->k_sched_mtx);
	hyp_cond_signal(&cv->c);
	hyp_mutex_unlock(&cv->k->k_sched_mtx);
}

void
cv_broadcast(kcondvar_t *cv)
{
	if (atomic_load(&cv->waiters) == 0)
		return;
	hyp_mutex_lock(&cv->k->k_sched_mtx);
	hyp_cond_broadcast(&cv->c);
	hyp_mutex_unlock(&cv->k->k_sched_mtx);
}

void
kern_pollnotify(struct kern *k)
{
	atomic_fetch_add(&k->k_pollgen, 1);
	cv_broadcast(&k->k_pollcv);
}

/* ---------------------------------------------------------------- callouts */

static void
callout_unlink_locked(struct callout *c)
{
	struct kern *k = c->k;

	if (!c->linked)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		k->k_callouts = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	c->linked = false;
}

static void
callout_fire(void *arg)
{
	struct callout *c = arg;
	struct kern *k = c->k;
	struct lwp implicit, *prev;
	bool run;

	if (atomic_load(&k->k_halted))
		return;
	if (kern_enter(k, &implicit, &prev) != 0)
		return;
	hyp_mutex_lock(&k->k_callout_lock);
	/* Stopped while we waited for the vCPU, or armed again: nothing to do now. */
	run = c->linked && !hyp_timer_pending(&c->t) && !atomic_load(&k->k_halted);
	if (run)
		callout_unlink_locked(c);
	hyp_mutex_unlock(&k->k_callout_lock);
	if (run)
		c->fn(c->arg);
	kern_leave(k, prev);
}

void
callout_init(struct callout *c, struct kern *k, void (*fn)(void *), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->fn = fn;
	c->arg = arg;
	hyp_timer_init(&c->t, callout_fire, c);
}

void
callout_schedule_ns(struct callout *c, uint64_t delay)
{
	struct kern *k = c->k;

	if (atomic_load(&k->k_halted))
		return;
	hyp_mutex_lock(&k->k_callout_lock);
	if (!c->linked) {
		c->prev = NULL;
		c->next = k->k_callouts;
		if (c->next != NULL)
			c->next->prev = c;
		k->k_callouts = c;
		c->linked = true;
	}
	hyp_mutex_unlock(&k->k_callout_lock);
	hyp_timer_arm(&c->t, hyp_clock_mono() + delay);
}

bool
callout_stop(struct callout *c)
{
	struct kern *k = c->k;
	bool was;

	hyp_timer_cancel(&c->t);
	hyp_mutex_lock(&k->k_callout_lock);
	was = c->linked;
	callout_unlink_locked(c);
	hyp_mutex_unlock(&k->k_callout_lock);
	return was;
}

bool
callout_halt(struct callout *c)
{
	bool was = callout_stop(c);

	hyp_timer_disarm(&c->t);	/* waits for a running callout_fire */
	return was;
}
