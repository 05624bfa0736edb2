/*
 * time_test.c: clocks, nanosleep and clock_nanosleep, settimeofday per kernel, callouts,
 * and the virtual clock (time jumps to the next deadline when every kernel is idle).
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "rump/rump_syscalls.h"
#include "testfile.h"
#include "kcallout.h"

int rump_pub_lwproc_rfork(int);
void rump_pub_lwproc_releaselwp(void);

struct ts { int64_t sec; long nsec; };
struct tv { int64_t sec; int32_t usec; int32_t pad; };

static uint64_t
ns(const struct ts *t)
{
	return (uint64_t)t->sec * 1000000000u + (uint64_t)t->nsec;
}

static atomic_int fired;
static pthread_t fired_by;

static void
callout_fn(void *arg)
{
	(void)arg;
	atomic_fetch_add(&fired, 1);
	fired_by = pthread_self();
	kern_pollnotify(curlwp()->l_kern);
}

static struct callout periodic;
static atomic_int periodic_n;

static void
periodic_fn(void *arg)
{
	(void)arg;
	if (++periodic_n < 5)
		callout_schedule_ns(&periodic, 100000);
}

static struct callout selfhalt;

static void
selfhalt_fn(void *arg)
{
	(void)arg;
	callout_halt(&selfhalt);	/* halting oneself from inside must not wait */
	atomic_fetch_add(&fired, 1);
}

int
main(void)
{
	struct rumpus_kernel *k, *k2;
	struct ts a, b, rq, rm;
	struct tv tv;
	struct callout c1, c2;
	int err, r, fd, i;
	uint64_t t0;

	k = rumpus_kernel_create(NULL, NULL, &err);
	k2 = rumpus_kernel_create(NULL, NULL, &err);
	rumpus_kernel_switch(k);

	ok(rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&a) == 0 && a.sec > 1600000000,
	    "CLOCK_REALTIME (NetBSD id 0) is wall time");
	ok(rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a) == 0, "CLOCK_MONOTONIC (id 3)");
	rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&b);
	ok(ns(&b) >= ns(&a), "monotonic does not go back");
	r = rump_sys_clock_gettime(1, (void *)&a);
	ok(r == -1 && errno == EINVAL, "CLOCK_VIRTUAL (1) is not kept: EINVAL");
	r = rump_sys_clock_gettime(CLOCK_REALTIME, (void *)64);
	ok(r == -1 && errno == EFAULT, "clock_gettime into a low address is EFAULT");
	ok(rump_sys_clock_getres(CLOCK_MONOTONIC, (void *)&a) == 0 && a.sec == 0 && a.nsec == 1,
	    "resolution 1 ns");
	ok(rump_sys_gettimeofday((void *)&tv, NULL) == 0 && tv.sec > 1600000000 &&
	    tv.usec >= 0 && tv.usec < 1000000, "gettimeofday");

	/* settimeofday moves only this kernel's clock */
	tv.sec = 1000000000; tv.usec = 0;
	ok(rump_sys_settimeofday((void *)&tv, NULL) == 0, "root sets the time to 2001");
	rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&a);
	ok(a.sec >= 1000000000 && a.sec < 1000000100, "this kernel says 2001 (%lld)", (long long)a.sec);
	rumpus_kernel_switch(k2);
	rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&a);
	ok(a.sec > 1600000000, "the other kernel is not affected");
	rumpus_kernel_switch(k);
	tv.usec = 1000000;
	r = rump_sys_settimeofday((void *)&tv, NULL);
	ok(r == -1 && errno == EINVAL, "usec 1000000 is EINVAL");
	rump_pub_lwproc_rfork(RUMP_RFCFDG);
	rump_sys_setuid(5);
	tv.usec = 0;
	r = rump_sys_settimeofday((void *)&tv, NULL);
	ok(r == -1 && errno == EPERM, "a user may not set the time");
	rump_pub_lwproc_releaselwp();

	/* nanosleep */
	rq.sec = 0; rq.nsec = 1000000000;
	r = rump_sys_nanosleep((void *)&rq, NULL);
	ok(r == -1 && errno == EINVAL, "nsec 1e9 is EINVAL");
	rq.sec = -1; rq.nsec = 0;
	r = rump_sys_nanosleep((void *)&rq, NULL);
	ok(r == -1 && errno == EINVAL, "a negative time is EINVAL");
	r = rump_sys_nanosleep(NULL, NULL);
	ok(r == -1 && errno == EFAULT, "nanosleep(NULL) is EFAULT");
	rq.sec = 0; rq.nsec = 2000000;
	rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a);
	rm.sec = 9;
	ok(rump_sys_nanosleep((void *)&rq, (void *)&rm) == 0 && rm.sec == 0 && rm.nsec == 0,
	    "a 2 ms nanosleep, remaining time 0");
	rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&b);
	ok(ns(&b) - ns(&a) >= 2000000, "at least 2 ms passed on the monotonic clock");
	ok(rump_sys_clock_nanosleep(77, 0, (void *)&rq, NULL) == EINVAL,
	    "clock_nanosleep returns its error (EINVAL), not -1");
	rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a);
	ok(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, (void *)&a, NULL) == 0,
	    "an absolute time in the past returns at once");

	/* interval timers and POSIX timers */
	{
		struct itv { struct tv interval, value; } itv, old;
		struct its { struct ts interval, value; } its, ots;
		struct { int notify, signo; intptr_t val; void *fn, *attr; } sev = { 0, 0, 0, 0, 0 };
		int id = -1, id2;

		memset(&itv, 0, sizeof(itv));
		itv.value.sec = 100;
		ok(rump_sys_setitimer(ITIMER_REAL, (void *)&itv, NULL) == 0, "setitimer(ITIMER_REAL, 100 s)");
		ok(rump_sys_getitimer(ITIMER_REAL, (void *)&old) == 0 && old.value.sec <= 100 &&
		    old.value.sec >= 99 && old.interval.sec == 0, "getitimer: about 100 s left");
		memset(&itv, 0, sizeof(itv));
		ok(rump_sys_setitimer(ITIMER_REAL, (void *)&itv, (void *)&old) == 0 && old.value.sec >= 99,
		    "disarming returns the old value");
		ok(rump_sys_getitimer(ITIMER_REAL, (void *)&old) == 0 && old.value.sec == 0 &&
		    old.value.usec == 0, "and it is disarmed");
		r = rump_sys_getitimer(7, (void *)&old);
		ok(r == -1 && errno == EINVAL, "an unknown itimer is EINVAL");
		itv.value.usec = 1000000;
		r = rump_sys_setitimer(ITIMER_REAL, (void *)&itv, NULL);
		ok(r == -1 && errno == EINVAL, "usec 1000000 is EINVAL");

		ok(rump_sys_timer_create(CLOCK_MONOTONIC, (void *)&sev, &id) == 0 && id >= 4,
		    "timer_create(CLOCK_MONOTONIC, SIGEV_NONE) gives id %d", id);
		memset(&its, 0, sizeof(its));
		its.value.nsec = 1000000;
		its.interval.nsec = 1000000;
		ok(rump_sys_timer_settime(id, 0, (void *)&its, NULL) == 0, "arm it: 1 ms, every 1 ms");
		rq.sec = 0; rq.nsec = 5500000;
		rump_sys_nanosleep((void *)&rq, NULL);
		r = rump_sys_timer_getoverrun(id);
		ok(r >= 4, "after 5.5 ms it has expired at least 5 times: overrun %d", r);
		ok(rump_sys_timer_gettime(id, (void *)&ots) == 0 && ots.value.sec == 0 &&
		    ots.value.nsec <= 1000000 && ots.interval.nsec == 1000000, "timer_gettime");
		memset(&its, 0, sizeof(its));
		ok(rump_sys_timer_settime(id, 0, (void *)&its, (void *)&ots) == 0 &&
		    rump_sys_timer_gettime(id, (void *)&ots) == 0 && ots.value.nsec == 0,
		    "disarm it");
		rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)&a);
		its.value = a;
		ok(rump_sys_timer_settime(id, TIMER_ABSTIME, (void *)&its, NULL) == 0 &&
		    rump_sys_timer_getoverrun(id) == 0 && rump_sys_timer_gettime(id, (void *)&ots) == 0 &&
		    ots.value.sec == 0 && ots.value.nsec == 0, "an absolute time in the past expires at once");
		sev.notify = 2;	/* SIGEV_THREAD */
		r = rump_sys_timer_create(CLOCK_MONOTONIC, (void *)&sev, &id2);
		ok(r == -1 && errno == EINVAL, "SIGEV_THREAD is EINVAL");
		r = rump_sys_timer_create(99, NULL, &id2);
		ok(r == -1 && errno == EINVAL, "an unknown clock is EINVAL");
		r = rump_sys_timer_create(CLOCK_REALTIME, NULL, (void *)8);
		ok(r == -1 && errno == EFAULT, "a bad timerid pointer is EFAULT");
		ok(rump_sys_timer_delete(id) == 0, "timer_delete");
		r = rump_sys_timer_delete(id);
		ok(r == -1 && errno == EINVAL, "deleting it again is EINVAL");
		r = rump_sys_timer_gettime(2, (void *)&ots);
		ok(r == -1 && errno == EINVAL, "itimer slots are not POSIX timer ids");
		for (i = 0; i < 40; i++)
			if (rump_sys_timer_create(CLOCK_REALTIME, NULL, &id2) != 0)
				break;
		ok(i == 28 && errno == EAGAIN, "28 POSIX timers per process, then EAGAIN");
	}

	/* callouts on the real clock */
	fd = tf_open(k);
	atomic_store(&fired, 0);
	kc_arm(k, &c1, callout_fn, NULL, 1000000);
	{
		struct { int fd; short ev, rev; } p = { fd, POLLIN, 0 };
		for (int i = 0; i < 1000 && atomic_load(&fired) == 0; i++)
			rump_sys_poll((void *)&p, 1, 10);
	}
	ok(atomic_load(&fired) == 1, "a 1 ms callout fires once");

	/* expiry while this thread holds the only vCPU: deferred to our release */
	{
		struct kern *kk = (struct kern *)k;
		struct lwp implicit, *prev;

		atomic_store(&fired, 0);
		kern_enter(kk, &implicit, &prev);
		callout_init(&c1, kk, callout_fn, NULL);
		callout_schedule_ns(&c1, 1000000);
		for (int i = 0; i < 5000 && !atomic_load(&kk->k_softpending); i++)
			usleep(1000);
		ok(atomic_load(&kk->k_softpending) && atomic_load(&fired) == 0,
		    "an expiry while the vCPU is held is queued, not run");
		/* the scheduler thread sets k_softpending before its own try for the vCPU:
		 * let that try (which fails: we hold it) end first, or it could take the vCPU
		 * our release frees and run the callout itself */
		hyp_timer_drain();
		kern_leave(kk, prev);
		ok(atomic_load(&fired) == 1 && pthread_equal(fired_by, pthread_self()),
		    "the holder runs it when it gives the vCPU back");

		kern_enter(kk, &implicit, &prev);
		callout_schedule_ns(&c1, 1000000);
		for (int i = 0; i < 5000 && !atomic_load(&kk->k_softpending); i++)
			usleep(1000);
		ok(callout_halt(&c1) && !callout_pending(&c1),
		    "callout_halt with the vCPU held cancels a queued expiry");
		kern_leave(kk, prev);
		ok(atomic_load(&fired) == 1, "and it never runs");

		/* a queued expiry runs when the holder goes to sleep, and may wake sleepers */
		kern_enter(kk, &implicit, &prev);
		callout_schedule_ns(&c1, 1000000);
		for (int i = 0; i < 5000 && !atomic_load(&kk->k_softpending); i++)
			usleep(1000);
		{
			struct { int fd; short ev, rev; } p = { fd, POLLIN, 0 };
			r = rump_sys_poll((void *)&p, 1, 30);	/* nested: sleeps in this kernel */
		}
		ok(r == 0 && atomic_load(&fired) == 2,
		    "going to sleep with an expiry queued runs it (it wakes pollers: no deadlock)");
		kern_leave(kk, prev);

		kern_enter(kk, &implicit, &prev);
		callout_init(&periodic, kk, periodic_fn, NULL);
		callout_schedule_ns(&periodic, 100000);
		callout_init(&selfhalt, kk, selfhalt_fn, NULL);
		callout_schedule_ns(&selfhalt, 100000);
		kern_leave(kk, prev);
		for (int i = 0; i < 5000 && (periodic_n < 5 || atomic_load(&fired) < 2); i++)
			usleep(1000);
		ok(periodic_n == 5, "a callout re-scheduling itself ran 5 times");
		ok(atomic_load(&fired) == 3, "a callout halting itself from inside returns");
	}

	/* the virtual clock */
	ok(rumpus_clock_virtual(1) == 0, "switch the virtual clock on");
	t0 = rumpus_clock_now();
	rq.sec = 3600; rq.nsec = 0;
	ok(rump_sys_nanosleep((void *)&rq, NULL) == 0, "sleep one virtual hour");
	ok(rumpus_clock_now() - t0 >= 3600ULL * 1000000000u,
	    "virtual time advanced by an hour (%.0f s)", (rumpus_clock_now() - t0) / 1e9);
	rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&a);
	ok(a.sec >= 1000003600, "the kernel's wall clock moved with it");
	atomic_store(&fired, 0);
	t0 = rumpus_clock_now();
	kc_arm(k, &c1, callout_fn, NULL, 500ULL * 1000000000u);
	kc_arm(k2, &c2, callout_fn, NULL, 100ULL * 1000000000u);
	{
		struct { int fd; short ev, rev; } p = { fd, POLLIN, 0 };
		r = rump_sys_poll((void *)&p, 1, 1000 * 1000);
	}
	ok(atomic_load(&fired) == 2 && r == 0,
	    "a 1000 s poll lets both callouts (100 s in another kernel, 500 s) fire");
	ok(rumpus_clock_now() - t0 >= 1000ULL * 1000000000u, "and times out at +1000 s virtual");
	/* adjtime slews at 500 ppm: +1 s takes 2000 s; after 10 s, 5 ms of it are done */
	{
		struct tv d = { 1, 0, 0 }, od;
		struct ts r0, r1;
		uint64_t m0, m1;
		int64_t drift;

		memset(&od, 0xff, sizeof(od));
		ok(rump_sys_adjtime((void *)&d, (void *)&od) == 0 && od.sec == 0 && od.usec == 0,
		    "adjtime(+1 s) as root; nothing was pending");
		rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&r0);
		m0 = rumpus_clock_now();
		rumpus_clock_advance(10ULL * 1000000000u);
		rump_sys_clock_gettime(CLOCK_REALTIME, (void *)&r1);
		m1 = rumpus_clock_now();
		drift = (int64_t)(ns(&r1) - ns(&r0)) - (int64_t)(m1 - m0);
		ok(drift == 5000000, "10 virtual seconds later the wall clock gained 5 ms (%lld ns)",
		    (long long)drift);
		ok(rump_sys_adjtime(NULL, (void *)&od) == 0 && od.sec == 0 && od.usec == 995000,
		    "olddelta: 0.995 s left (%lld.%06d)", (long long)od.sec, od.usec);
		d.sec = -1; d.usec = 500000;
		ok(rump_sys_adjtime((void *)&d, NULL) == 0, "a negative delta (-0.5 s)");
		d.usec = 1000000;
		r = rump_sys_adjtime((void *)&d, NULL);
		ok(r == -1 && errno == EINVAL, "usec 1000000 is EINVAL");
		rump_pub_lwproc_rfork(RUMP_RFCFDG);
		rump_sys_setuid(3);
		d.usec = 0;
		r = rump_sys_adjtime((void *)&d, NULL);
		ok(r == -1 && errno == EPERM, "a user may not adjtime");
		ok(rump_sys_adjtime(NULL, (void *)&od) == 0, "but may read what is left");
		rump_pub_lwproc_releaselwp();
	}
	t0 = rumpus_clock_now();
	rumpus_clock_advance(5000000000ULL);
	ok(rumpus_clock_now() - t0 == 5000000000ULL, "rumpus_clock_advance moves time by hand");
	kc_arm(k, &c1, callout_fn, NULL, 10ULL * 1000000000u);
	ok(rumpus_clock_virtual(0) == 1, "switch it off again");

	/* destroy with an armed callout */
	kc_arm(k2, &c2, callout_fn, NULL, 3600ULL * 1000000000u);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0 && rumpus_kernel_destroy(k2) == 0,
	    "kernels with armed callouts are destroyed");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "nothing left (%llu bytes)", (unsigned long long)m.bytes);
	}
	return tap_done();
}
