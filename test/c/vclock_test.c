/*
 * vclock_test.c: the virtual clock wakes every sleeper at its own deadline.  Time may
 * jump only to the earliest pending deadline, and not again until the thread woken there
 * has run: with a later timer pending, a sleep must not overshoot to it, whether the
 * sleeper wakes by its own timeout or by a callout's cv_signal.  Each scenario runs 100
 * times; every wake-up time is read while the woken thread holds its vCPU (virtual time
 * stands still then), so the checks are exact, to the nanosecond.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "testfile.h"
#include "kcallout.h"

#define SEC	1000000000ULL
#define REPS	100

struct ts { int64_t sec; long nsec; };

static uint64_t
ns(const struct ts *t)
{
	return (uint64_t)t->sec * SEC + (uint64_t)t->nsec;
}

static void
nop_fn(void *arg)
{
	(void)arg;
}

/* ---- a sleeper woken by a callout's cv_signal at T1, another timer at T2 ---- */

struct signaller {
	kcondvar_t cv;
	int flag;		/* guarded by the vCPU (one vCPU kernel) */
	uint64_t fired_at;
};

static void
signal_fn(void *arg)
{
	struct signaller *s = arg;

	s->fired_at = hyp_clock_mono();
	s->flag = 1;
	cv_signal(&s->cv);
}

/* ---- staggered sleepers ---- */

#define NSLEEP 6
static const unsigned stagger[NSLEEP] = { 3, 1, 4, 1, 5, 9 };	/* seconds after base */

struct sleeper {
	struct rumpus_kernel *rk;
	uint64_t deadline;
	uint64_t woke;
	int error;
	pthread_t tid;
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct kern *k = (struct kern *)s->rk;
	struct lwp implicit, *prev;
	kcondvar_t cv;

	kern_enter(k, &implicit, &prev);
	cv_init(&cv, k);
	do
		s->error = cv_timedwait(&cv, NULL, s->deadline);
	while (s->error == 0);		/* nobody signals cv: only a timeout ends it */
	s->woke = hyp_clock_mono();	/* vCPU held: time stands still */
	cv_destroy(&cv);
	kern_leave(k, prev);
	return NULL;
}

static int
sleepers_in(struct rumpus_kernel *a, struct rumpus_kernel *b)
{
	return atomic_load(&((struct kern *)a)->k_sleepers) +
	    atomic_load(&((struct kern *)b)->k_sleepers);
}

int
main(void)
{
	struct rumpus_config two = { .ncpu = 2 };
	struct rumpus_kernel *k, *k2, *hold;
	struct callout c1, c2;
	struct ts a, b, rq;
	int err, i, j, bad, r;

	k = rumpus_kernel_create(NULL, NULL, &err);
	k2 = rumpus_kernel_create(NULL, &two, &err);
	hold = rumpus_kernel_create(NULL, NULL, &err);
	ok(k != NULL && k2 != NULL && hold != NULL, "three kernels (one with 2 vCPUs)");
	rumpus_kernel_switch(k);
	ok(rumpus_clock_virtual(1) == 0, "virtual clock on");

	/* 1. nanosleep until T1 with callouts pending at T1 + 1 s (another kernel too) */
	for (i = 0, bad = 0; i < REPS; i++) {
		kc_arm(k, &c1, nop_fn, NULL, 1200 * SEC);
		kc_arm(k2, &c2, nop_fn, NULL, 1200 * SEC + 1);
		rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a);
		rq.sec = 1199; rq.nsec = 0;
		r = rump_sys_nanosleep((void *)&rq, NULL);
		rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&b);
		/* ...and the later timers have not fired yet */
		if (r != 0 || ns(&b) - ns(&a) != 1199 * SEC || !callout_pending(&c1) ||
		    !callout_pending(&c2)) {
			if (bad++ == 0)
				diag("rep %d: nanosleep(1199 s) = %d took %llu ns", i, r,
				    (unsigned long long)(ns(&b) - ns(&a)));
		}
		kc_halt(k, &c1);
		kc_halt(k2, &c2);
	}
	ok(bad == 0, "nanosleep(1199 s) with timers due at 1200 s takes exactly 1199 s, "
	    "%d times (%d wrong)", REPS, bad);

	/* 2. a short sleep with a long timer pending, and a timer due before it */
	for (i = 0, bad = 0; i < REPS; i++) {
		kc_arm(k, &c1, nop_fn, NULL, 3600 * SEC);
		kc_arm(k2, &c2, nop_fn, NULL, 5 * SEC);
		rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a);
		rq.sec = 17; rq.nsec = 3;
		r = rump_sys_nanosleep((void *)&rq, NULL);
		rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&b);
		if (r != 0 || ns(&b) - ns(&a) != 17 * SEC + 3 || callout_pending(&c2) ||
		    !callout_pending(&c1)) {
			if (bad++ == 0)
				diag("rep %d: nanosleep(17 s + 3 ns) = %d took %llu ns", i, r,
				    (unsigned long long)(ns(&b) - ns(&a)));
		}
		kc_halt(k, &c1);
		kc_halt(k2, &c2);
	}
	ok(bad == 0, "nanosleep(17 s + 3 ns) across a timer at 5 s, one at 3600 s pending: "
	    "exact, %d times (%d wrong)", REPS, bad);

	/* 3. woken by a callout's cv_signal at T1 while a timer is due at T2 */
	for (i = 0, bad = 0; i < REPS; i++) {
		struct kern *kk = (struct kern *)k;
		struct lwp implicit, *prev;
		struct signaller s;
		struct callout later;
		uint64_t t0, woke;

		memset(&s, 0, sizeof(s));
		kern_enter(kk, &implicit, &prev);
		cv_init(&s.cv, kk);
		t0 = hyp_clock_mono();
		callout_init(&c1, kk, signal_fn, &s);
		callout_schedule_ns(&c1, 100 * SEC);
		callout_init(&later, kk, nop_fn, NULL);
		callout_schedule_ns(&later, 100 * SEC + 1);
		while (!s.flag)
			cv_wait(&s.cv, NULL);
		woke = hyp_clock_mono();
		if (woke != t0 + 100 * SEC || s.fired_at != t0 + 100 * SEC ||
		    !callout_pending(&later)) {
			if (bad++ == 0)
				diag("rep %d: signalled at +%llu ns, woke at +%llu ns", i,
				    (unsigned long long)(s.fired_at - t0),
				    (unsigned long long)(woke - t0));
		}
		callout_halt(&later);
		callout_halt(&c1);
		cv_destroy(&s.cv);
		kern_leave(kk, prev);
	}
	ok(bad == 0, "a sleeper signalled by a callout at T1 wakes at T1 with a timer at T1 + 1 ns, "
	    "%d times (%d wrong)", REPS, bad);

	/* 4. staggered sleepers in two kernels, each wakes at its own deadline */
	for (i = 0, bad = 0; i < REPS; i++) {
		struct sleeper sl[NSLEEP];
		struct kern *hk = (struct kern *)hold;
		struct lwp implicit, *prev;
		uint64_t base;
		int n;

		/* hold a vCPU (time stands still) until every sleeper sleeps */
		kern_enter(hk, &implicit, &prev);
		base = hyp_clock_mono();
		for (j = 0; j < NSLEEP; j++) {
			sl[j].rk = j % 2 ? k2 : k;
			sl[j].deadline = base + stagger[j] * SEC;
			sl[j].woke = 0;
			sl[j].error = -1;
			pthread_create(&sl[j].tid, NULL, sleeper_main, &sl[j]);
		}
		for (n = 0; n < 20000 && sleepers_in(k, k2) < NSLEEP; n++)
			usleep(100);
		if (sleepers_in(k, k2) < NSLEEP)
			diag("rep %d: only %d sleepers after 2 s", i, sleepers_in(k, k2));
		kern_leave(hk, prev);
		for (j = 0; j < NSLEEP; j++)
			pthread_join(sl[j].tid, NULL);
		for (j = 0; j < NSLEEP; j++)
			if (sl[j].error != EWOULDBLOCK || sl[j].woke != sl[j].deadline) {
				if (bad++ == 0)	/* counts sleepers, not repetitions */
					diag("rep %d: sleeper %d (deadline +%llu ns) woke at +%llu ns, "
					    "error %d", i, j,
					    (unsigned long long)(sl[j].deadline - base),
					    (unsigned long long)(sl[j].woke - base), sl[j].error);
			}
	}
	ok(bad == 0, "%d sleepers with staggered deadlines (two alike) in two kernels each wake "
	    "at their own deadline, %d times (%d wrong)", NSLEEP, REPS, bad);

	ok(rumpus_clock_virtual(0) == 1, "virtual clock off");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0 && rumpus_kernel_destroy(k2) == 0 &&
	    rumpus_kernel_destroy(hold) == 0, "kernels destroyed");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "nothing left (%llu bytes)",
		    (unsigned long long)m.bytes);
	}
	return tap_done();
}
