/*
 * sleep.c: kernel mutexes, condition variables and callouts.
 *
 * A sleeper takes k_sched_mtx, counts itself in cv->waiters, drops its interlock and its
 * virtual CPU, and waits on a word of its own (below).  A waker holds the
 * interlock (or, with one vCPU, the vCPU itself) when it changes the condition, and
 * signals only if cv->waiters is non-zero, taking k_sched_mtx to do so; since the sleeper
 * counted itself before it let go of the interlock, no wakeup is lost.
 *
 * Cheap cross-thread wake-ups (issue 16).  A sleeper sleeps on a word of its own
 * (me.word, a futex), not on a host condvar: a waker marks it (under k_sched_mtx) and
 * wakes exactly it, one system call, and the sleeper wakes without a mutex to retake
 * (glibc's condvar retakes its mutex as contended, so the next unlock always made a
 * system call too).  A waker that holds k's only vCPU (a frame delivered inline from
 * another kernel, a syscall) defers the wake until it releases that vCPU (k_wakeq): the
 * woken thread needs the vCPU first, and woken earlier it only went to sleep again in
 * vcpu_take_slow (a membarrier, a futex wait, and a wake from the releasing side).  Two
 * threads' UDP round trip went from 8.5 futex calls to 3.
 */
#include "kern/kern.h"
#include "kern/brlock.h"

void
mutex_init(kmutex_t *mtx, struct kern *k)
{
	mtx->k = k;
	atomic_init(&mtx->m.w, 0);
}

void
mutex_destroy(kmutex_t *mtx)
{
	(void)mtx;
}

void
mutex_enter(kmutex_t *mtx)
{
	if (mtx->k->k_ncpu > 1)
		br_lock(&mtx->m);
}

void
mutex_exit(kmutex_t *mtx)
{
	if (mtx->k->k_ncpu > 1)
		br_unlock(&mtx->m);
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

/* A timed sleep's deadline under the virtual clock, on hyper's scheduler thread.  It
 * makes the sleeper runnable before the scheduler looks at the clock again. */
static void
sleep_timeout(void *arg)
{
	struct ksleeper *s = arg;
	struct kern *k = s->cv->k;

	hyp_mutex_lock(&k->k_sched_mtx);
	s->timedout = true;
	hyp_vsleep_wake(&s->vs);
	atomic_store(&s->word, 1);
	hyp_word_wake(&s->word);	/* under the lock: s lives until its sleeper dequeues */
	hyp_mutex_unlock(&k->k_sched_mtx);
}

/* How long a sleeper spins before its futex wait (hyp_word_spin) unless RUMPUS_SPIN_NS
 * says otherwise (0: off).  Session 3 found a 3 us spin useless on the shared 2-CPU VM:
 * shorter than a futex wake-up there, and the woken spinner often waited for the waker's
 * vCPU anyway.  Since the wake-ups of an inline delivery wait for the sender's last
 * release (kern_wake_defer), 20 us (longer than the host's wake-up latency, so two
 * threads that answer each other stay awake) took the two-thread round trip's p99 from
 * 0.04-2.3x to 0.8-14x two Linux processes' (mostly above 1.5x) and its median from
 * 1.5-2.0x to 1.6-2.6x, quiet and with a spinning process per CPU, measured in one
 * process (bench/ab/rtt2_ab.sh). */
#define SLEEP_SPIN_NS	20000

int
cv_timedwait_gen(kcondvar_t *cv, kmutex_t *interlock, uint64_t deadline, atomic_uint *gen,
    unsigned seen)
{
	/* 0 when woken (or gen moved), EWOULDBLOCK at the deadline, ENXIO once halted */
	return cv_timedwait_x(cv, interlock, NULL, deadline, gen, seen);
}

/* The same with a big reader lock held exclusively as the interlock (kern/brlock.h): its
 * reader slots go after the sleeper registered, as the interlock does, so a waker
 * running with the lock shared cannot slip in between. */
int
cv_timedwait_x(kcondvar_t *cv, kmutex_t *interlock, struct brlock *br, uint64_t deadline,
    atomic_uint *gen, unsigned seen)
{
	struct kern *k = cv->k;
	struct ksleeper me;
	bool vtimer = false, spun = false;
	uint64_t spin = 0;
	int error = 0;

	me.cv = cv;
	me.next = me.prev = NULL;
	me.woken = me.timedout = false;
	me.proc = kern_tls.cur != NULL ? kern_tls.cur->l_proc : NULL;
	if (me.proc != NULL && me.proc->p_rcopy != NULL && me.proc->p_rcopy->rc_block != NULL)
		me.proc->p_rcopy->rc_block(me.proc->p_rcopy);	/* a sysproxy client's */
	atomic_init(&me.word, 0);
	atomic_init(&me.spinning, 0);
	hyp_mutex_lock(&k->k_sched_mtx);
	if (atomic_load(&k->k_halted)) {
		hyp_mutex_unlock(&k->k_sched_mtx);
		return ENXIO;	/* kern_halt wakes sleepers after setting k_halted under this lock */
	}
	if (me.proc != NULL && atomic_load(&me.proc->p_intr)) {
		hyp_mutex_unlock(&k->k_sched_mtx);
		return EINTR;	/* kern_proc_interrupt: likewise */
	}
	if (gen != NULL && atomic_load(gen) != seen) {
		hyp_mutex_unlock(&k->k_sched_mtx);
		return 0;
	}
	if (deadline != 0 && atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed)) {
		if (hyp_clock_mono() >= deadline) {
			hyp_mutex_unlock(&k->k_sched_mtx);
			return EWOULDBLOCK;
		}
		vtimer = true;
		hyp_timer_init(&me.t, sleep_timeout, &me);
	}
	atomic_fetch_add(&cv->waiters, 1);
	me.next = k->k_sleepq;
	if (me.next != NULL)
		me.next->prev = &me;
	k->k_sleepq = &me;
	/* counted as sleeping, with its deadline armed, while it still holds the vCPU */
	hyp_vsleep_begin(&me.vs);
	if (__predict_false(me.vs.owner != NULL) && k->k_vcpus == NULL)
		hyp_world_gate(&k->k_vcpu_free);	/* a world's host thread (race hunting) */
	if (vtimer)
		hyp_timer_arm(&me.t, deadline);
	hyp_mutex_unlock(&k->k_sched_mtx);

	/* Registered: a wakeup from now on sets me.woken, so the locks can go first. */
	if (br != NULL)
		br_slots_exit(br);
	if (interlock != NULL)
		mutex_exit(interlock);
	atomic_fetch_add(&k->k_sleepers, 1);
	cred_pin(k, kern_tls.cur);	/* a borrowed snapshot outlives the vCPU from here */
	vcpu_release(k);

	/* A short spin first (real clock, several host CPUs): the answer of a thread that runs
	 * now comes without a futex wait, and its waker, seeing spinning, makes no wake call.
	 * spinning goes back to 0 before the wait, and the wait rechecks word after it: a
	 * waker that saw spinning set has stored word first (both sequentially consistent). */
	if (!vtimer && !atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed) &&
	    (spin = hyp_spin_ns(SLEEP_SPIN_NS)) != 0) {
		struct kern_tls *t = &kern_tls;

		/* adaptive: a spin that failed makes this thread skip the next ones (1, 2, 4...
		 * up to 64 waits), so a busy host, where the waker is not running, pays little */
		if (t->spin_skip > 0)
			t->spin_skip--;
		else {
			atomic_store(&me.spinning, 1);
			if (hyp_word_spin(&me.word, 0, spin)) {
				t->spin_fail = 0;
				spun = true;
			}
			else {
				t->spin_fail = t->spin_fail < 6 ? t->spin_fail + 1 : 6;
				t->spin_skip = 1u << t->spin_fail;
			}
			atomic_store(&me.spinning, 0);
		}
	}
	/* me.word goes to 1 (under k_sched_mtx) when woken, timed out (virtual clock) or
	 * halted; a real deadline ends the wait here */
	while (atomic_load(&me.word) == 0)
		if (hyp_word_sleep(&me.word, vtimer ? 0 : deadline) != 0)
			break;
	hyp_mutex_lock(&k->k_sched_mtx);
	if (!me.woken && !atomic_load(&k->k_halted) &&
	    (me.timedout || (deadline != 0 && !vtimer)))
		error = EWOULDBLOCK;
	if (me.proc != NULL && atomic_load(&me.proc->p_intr))
		error = EINTR;
	/* runnable from here until it holds a vCPU: virtual time waits for it */
	hyp_vsleep_wake(&me.vs);
	atomic_fetch_sub(&cv->waiters, 1);
	if (me.prev != NULL)
		me.prev->next = me.next;
	else
		k->k_sleepq = me.next;
	if (me.next != NULL)
		me.next->prev = me.prev;
	hyp_mutex_unlock(&k->k_sched_mtx);
	if (vtimer)
		hyp_timer_disarm(&me.t);	/* waits for a sleep_timeout in progress */

	/* woken while spinning: the waker most likely still holds the vCPU it woke us from
	 * and gives it back in a moment; wait for that spinning too, not in vcpu_take_slow
	 * (a host condition variable, and a wake call at the waker's release) */
	if (spun && k->k_vcpus == NULL)	/* (several vCPUs: no count to watch) */
		(void)hyp_word_spin((atomic_uint *)&k->k_vcpu_free, 0, spin);
	vcpu_take(k);
	hyp_vsleep_end(&me.vs);
	atomic_fetch_sub(&k->k_sleepers, 1);
	if (interlock != NULL)
		mutex_enter(interlock);
	if (br != NULL)
		br_slots_enter(br);
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

int
kern_wake_take(struct kern *k, atomic_uint **w)
{
	int n = k->k_nwake;

	if (n != 0) {
		memcpy(w, k->k_wakeq, (size_t)n * sizeof(*w));
		k->k_nwake = 0;
	}
	return n;
}

void
kern_wake_run(atomic_uint **w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		hyp_word_wake(w[i]);
}

/* A thread that entered k from inside kernel `to` (a frame delivered inline, both with
 * one vCPU, both held by this thread) is leaving k: the wake-ups it deferred in k move to
 * to's release, as many as fit.  Woken at k's release, a sleeper of k (a client whose
 * answer just arrived) could run at once, even preempt this thread on its CPU, while
 * this thread still holds `to` (the server, inside sendto), and then find `to` busy
 * with its next datagram: queued, and run by hyper's scheduler thread later. */
void
kern_wake_defer(struct kern *k, struct kern *to)
{
	while (k->k_nwake > 0 && to->k_nwake < KERN_WAKEQ)
		to->k_wakeq[to->k_nwake++] = k->k_wakeq[--k->k_nwake];
}

void
vcpu_release_wake(struct kern *k)
{
	atomic_uint *w[KERN_WAKEQ];
	int n = kern_wake_take(k, w);

	vcpu_release_nowake(k);
	kern_wake_run(w, n);
}

/* Marks one (or every) sleeper on cv woken and wakes it.  A waker holding k's only vCPU
 * defers the wake to its release of that vCPU (k_wakeq, at most KERN_WAKEQ; more wake
 * after the unlock): a woken sleeper needs that vCPU before anything else.  Its word may
 * be reused stack by then: a futex wake there is at worst a spurious wake-up, which
 * every futex sleeper tolerates.  Others wake under the lock, where the sleeper's
 * ksleeper is alive. */
static void
cv_wake(kcondvar_t *cv, bool all)
{
	struct kern *k = cv->k;
	struct ksleeper *s;
	struct lwp *cur = kern_tls.cur;
	atomic_uint *later[KERN_WAKEQ];
	int n = 0;
	bool holder;

	if (atomic_load(&cv->waiters) == 0)
		return;
	/* a world's host thread wakes now: its vCPU release is a preemption point where it
	 * may wait for the baton, with the deferred wakes not yet made */
	holder = k->k_ncpu == 1 && cur != NULL && cur->l_kern == k && !hyp_world_self();
	hyp_mutex_lock(&k->k_sched_mtx);
	for (s = k->k_sleepq; s != NULL; s = s->next)
		if (s->cv == cv && !s->woken) {
			s->woken = true;
			hyp_vsleep_wake(&s->vs);
			atomic_store(&s->word, 1);
			if (atomic_load(&s->spinning))
				;	/* it sees word itself (cv_timedwait_gen) */
			else if (holder && k->k_nwake < KERN_WAKEQ)
				k->k_wakeq[k->k_nwake++] = &s->word;
			else if (holder && n < KERN_WAKEQ)
				later[n++] = &s->word;
			else
				hyp_word_wake(&s->word);
			if (!all)
				break;
		}
	hyp_mutex_unlock(&k->k_sched_mtx);
	kern_wake_run(later, n);
}

void
cv_signal(kcondvar_t *cv)
{
	cv_wake(cv, false);
}

void
cv_broadcast(kcondvar_t *cv)
{
	cv_wake(cv, true);
}

void
kern_halt(struct kern *k)
{
	struct ksleeper *s;

	hyp_mutex_lock(&k->k_sched_mtx);
	atomic_store(&k->k_halted, 1);
	for (s = k->k_sleepq; s != NULL; s = s->next) {
		hyp_vsleep_wake(&s->vs);
		atomic_store(&s->word, 1);
		hyp_word_wake(&s->word);
	}
	hyp_mutex_unlock(&k->k_sched_mtx);
}

void
kern_proc_interrupt(struct proc *p, bool on)
{
	struct kern *k = p->p_kern;
	struct ksleeper *s;

	hyp_mutex_lock(&k->k_sched_mtx);
	atomic_store(&p->p_intr, on ? 1 : 0);
	for (s = k->k_sleepq; on && s != NULL; s = s->next)
		if (s->proc == p) {
			hyp_vsleep_wake(&s->vs);
			atomic_store(&s->word, 1);
			hyp_word_wake(&s->word);
		}
	hyp_mutex_unlock(&k->k_sched_mtx);
}

void
kern_block_enter(struct kern *k)
{
	/* keep this thread's virtual-clock busy mark: release, then re-mark */
	int v = kern_tls.vcount;
	struct lwp *l = kern_tls.cur;

	if (l != NULL && l->l_proc->p_rcopy != NULL && l->l_proc->p_rcopy->rc_block != NULL)
		l->l_proc->p_rcopy->rc_block(l->l_proc->p_rcopy);	/* a sysproxy client's */
	cred_pin(k, kern_tls.cur);
	vcpu_release(k);
	if (v > kern_tls.vcount) {
		kern_tls.vcount++;
		hyp_sched_busy(1);
	}
}

void
kern_block_exit(struct kern *k)
{
	int v = kern_tls.vcount;

	vcpu_take(k);
	if (kern_tls.vcount > v) {
		kern_tls.vcount--;
		hyp_sched_busy(-1);
	}
}

void
kern_pollnotify(struct kern *k)
{
	/* Nothing to do while nobody polls: a poller registers in k_pollers (sequentially
	 * consistent) before it reads k_pollgen and scans, and the fence orders the caller's
	 * change before this load, so either it sees us or we see it.  Threads on other
	 * vCPUs then share no counter per send and receive.  (With one vCPU its hand-over
	 * orders both sides: no fence.) */
	if (k->k_ncpu > 1)
		atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&k->k_pollers, memory_order_relaxed) == 0)
		return;
	atomic_fetch_add(&k->k_pollgen, 1);
	cv_broadcast(&k->k_pollcv);
}

/* ---------------------------------------------------------------- callouts */

/*
 * Invariants (k_callout_lock): a callout is linked (on k_callouts) from schedule until it
 * runs or is stopped; deferred (on k_deferred) between an expiry that found no free vCPU
 * and its run; k_softrunning names the callout whose function runs right now.
 */

static void
callout_unlink_locked(struct callout *c)
{
	struct kern *k = c->k;

	if (c->deferred) {
		struct callout **pp;
		for (pp = &k->k_deferred; *pp != NULL; pp = &(*pp)->dnext)
			if (*pp == c) {
				*pp = c->dnext;
				break;
			}
		c->deferred = false;
		c->dnext = NULL;
	}
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

/* vCPU of k held: run every queued callout, one at a time. */
/* Whether a thread releasing k runs another round of its deferred work: a few rounds,
 * then only while callouts wait (they have no other runner; queued frames have net's
 * timer), so another thread that keeps queuing frames cannot hold it forever. */
#define KERN_SOFT_ROUNDS	4
int
kern_soft_more(struct kern *k, int round)
{
	int more;

	if (round < KERN_SOFT_ROUNDS)
		return 1;
	hyp_mutex_lock(&k->k_callout_lock);
	more = k->k_deferred != NULL;
	hyp_mutex_unlock(&k->k_callout_lock);
	return more;
}

void
kern_softrun(struct kern *k)
{
	struct kern_tls *t = &kern_tls;
	struct lwp implicit, *prev = t->cur;

	implicit.l_proc = k->k_proc1;
	implicit.l_kern = k;
	implicit.l_lid = 0;
	implicit.l_flag = LW_IMPLICIT;
	implicit.l_next = NULL;
	implicit.l_cred = NULL;
	for (int round = 0; kern_soft_more(k, round) && atomic_exchange(&k->k_softpending, 0);
	    round++) {
		if (atomic_load_explicit(&k->k_softnet, memory_order_relaxed) &&
		    atomic_exchange(&k->k_softnet, 0) && k->k_softnet_fn != NULL) {
			t->cur = &implicit;
			k->k_softnet_fn(k);
			t->cur = prev;
		}
		for (;;) {
			struct callout *c;

			hyp_mutex_lock(&k->k_callout_lock);
			if ((c = k->k_deferred) == NULL) {
				hyp_mutex_unlock(&k->k_callout_lock);
				break;
			}
			k->k_deferred = c->dnext;
			c->dnext = NULL;
			c->deferred = false;
			/* armed again since it expired: it will expire again */
			if (!c->linked || hyp_timer_pending(&c->t) || atomic_load(&k->k_halted)) {
				hyp_mutex_unlock(&k->k_callout_lock);
				continue;
			}
			callout_unlink_locked(c);
			k->k_softrunning = c;
			k->k_softrunner = t;
			hyp_mutex_unlock(&k->k_callout_lock);
			t->cur = &implicit;
			c->fn(c->arg);
			t->cur = prev;
			hyp_mutex_lock(&k->k_callout_lock);
			k->k_softrunning = NULL;
			k->k_softrunner = NULL;
			hyp_cond_broadcast(&k->k_callout_cv);
			hyp_mutex_unlock(&k->k_callout_lock);
		}
	}
}

/* Expiry, on hyper's scheduler thread: queue the callout for a vCPU holder, then run the
 * queue ourselves if a vCPU is free.  Never waits for a vCPU. */
static void
callout_fire(void *arg)
{
	struct callout *c = arg;
	struct kern *k = c->k;

	if (atomic_load(&k->k_halted))
		return;
	hyp_mutex_lock(&k->k_callout_lock);
	if (c->linked && !c->deferred && !hyp_timer_pending(&c->t)) {
		c->deferred = true;
		c->dnext = k->k_deferred;
		k->k_deferred = c;
	}
	atomic_store(&k->k_softpending, 1);
	hyp_mutex_unlock(&k->k_callout_lock);
	/* a holder releasing with a plain store must see k_softpending, or we its release */
	if (k->k_vcpu_fastrel)
		hyp_membarrier();
	{
		int virt = atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed);
		if (virt)
			hyp_sched_busy(1);
		vcpu_softcheck(k);
		if (virt)
			hyp_sched_busy(-1);
	}
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

	/* under k_callout_lock so that destroy, which halts under it, misses no arming */
	hyp_mutex_lock(&k->k_callout_lock);
	if (atomic_load(&k->k_halted)) {
		hyp_mutex_unlock(&k->k_callout_lock);
		return;
	}
	if (c->deferred)
		callout_unlink_locked(c);	/* the pending run is replaced by the new one */
	if (!c->linked) {
		c->prev = NULL;
		c->next = k->k_callouts;
		if (c->next != NULL)
			c->next->prev = c;
		k->k_callouts = c;
		c->linked = true;
	}
	hyp_timer_arm(&c->t, hyp_clock_mono() + delay);
	hyp_mutex_unlock(&k->k_callout_lock);
}

bool
callout_pending(struct callout *c)
{
	bool p;

	hyp_mutex_lock(&c->k->k_callout_lock);
	p = c->linked;
	hyp_mutex_unlock(&c->k->k_callout_lock);
	return p;
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
	struct kern *k = c->k;
	bool was = callout_stop(c);

	/* the expiry on the scheduler thread never waits for a vCPU, so this is short */
	hyp_timer_disarm(&c->t);
	hyp_mutex_lock(&k->k_callout_lock);
	callout_unlink_locked(c);
	while (k->k_softrunning == c && k->k_softrunner != &kern_tls)
		hyp_cond_wait(&k->k_callout_cv, &k->k_callout_lock);
	hyp_mutex_unlock(&k->k_callout_lock);
	return was;
}
