/*
 * timer.c: interval timers (getitimer/setitimer) and POSIX timers (timer_create,
 * timer_settime, timer_gettime, timer_getoverrun, timer_delete), per process.
 *
 * As in NetBSD, one table per process holds both: slots 0..3 are ITIMER_REAL,
 * ITIMER_VIRTUAL, ITIMER_PROF and ITIMER_MONOTONIC, POSIX timers get ids 4..31.
 * Timers are kept as an absolute next expiry on their clock and brought up to date when
 * read, so an idle timer costs nothing.  What is not done (XXX): signals are not
 * delivered to callers (a rump kernel has no signal path to the host), so an expiry only
 * counts (timer_getoverrun); ITIMER_VIRTUAL and ITIMER_PROF measure CPU time, which is not
 * accounted, so they never run down; SIGEV_THREAD/SIGEV_SA are EINVAL.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

#define PT_MAX		32	/* TIMER_MAX */
#define PT_MIN		4	/* TIMER_MIN: below are the itimers */
#define NS		1000000000ULL

struct ptimer {
	bool used;
	int clock;		/* CLOCK_REALTIME or CLOCK_MONOTONIC; -1: CPU time (never runs) */
	uint64_t value;		/* next expiry, ns on its clock; 0: disarmed */
	uint64_t interval;	/* ns; 0: one-shot */
	uint64_t expired;	/* expiries since it was set */
};

struct ptimers {
	struct ptimer pt[PT_MAX];
};

struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
	int32_t pad;
};
struct nb_itimerval {
	struct nb_timeval it_interval, it_value;
};
struct nb_itimerspec {
	struct nb_timespec it_interval, it_value;
};
struct nb_sigevent {
	int sigev_notify;
	int sigev_signo;
	intptr_t sigev_value;
	void *sigev_notify_function;
	void *sigev_notify_attributes;
};
_Static_assert(sizeof(struct nb_itimerval) == 32, "itimerval is 32 bytes");
_Static_assert(sizeof(struct nb_itimerspec) == 32, "itimerspec is 32 bytes");
_Static_assert(sizeof(struct nb_sigevent) == 32, "sigevent is 32 bytes");

void
ptimers_free(struct proc *p)
{
	if (p->p_timers != NULL) {
		kmem_free(p->p_kern, p->p_timers, sizeof(struct ptimers));
		p->p_timers = NULL;
	}
}

/* The process's table, made on first use.  Two lwps of the process (on two vCPUs) may
 * get here at once: one table wins, the other is freed (a plain store leaked one). */
static struct ptimers *
ptimers_get(struct proc *p)
{
	struct ptimers *pts = __atomic_load_n(&p->p_timers, __ATOMIC_ACQUIRE), *cur = NULL;

	if (pts != NULL)
		return pts;
	if ((pts = kmem_zalloc(p->p_kern, sizeof(struct ptimers))) == NULL)
		return NULL;
	if (!__atomic_compare_exchange_n(&p->p_timers, &cur, pts, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE)) {
		kmem_free(p->p_kern, pts, sizeof(struct ptimers));
		return cur;
	}
	return pts;
}

static uint64_t
pt_now(struct kern *k, const struct ptimer *pt)
{
	return pt->clock == CLOCK_REALTIME ? kern_realtime(k) : hyp_clock_mono();
}

/* Brings pt up to date and returns the time left to its next expiry (0: disarmed). */
static uint64_t
pt_update(struct kern *k, struct ptimer *pt)
{
	uint64_t now;

	if (pt->value == 0)
		return 0;
	if (pt->clock < 0)
		return pt->value;		/* CPU-time timers: value is what is left */
	now = pt_now(k, pt);
	if (now >= pt->value) {
		if (pt->interval != 0) {
			uint64_t n = 1 + (now - pt->value) / pt->interval;
			pt->expired += n;
			pt->value += n * pt->interval;
		} else {
			pt->expired++;
			pt->value = 0;
			return 0;
		}
	}
	return pt->value - now;
}

static void
pt_set(struct kern *k, struct ptimer *pt, uint64_t value, uint64_t interval, bool abs)
{
	pt->interval = interval;
	pt->expired = 0;
	if (value == 0)
		pt->value = 0;
	else if (pt->clock < 0)
		pt->value = value;
	else if (abs)
		pt->value = value ? value : 1;
	else
		pt->value = pt_now(k, pt) + value;
	(void)pt_update(k, pt);	/* an absolute time in the past expires now */
}

static int
tv_ns(const struct nb_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return EINVAL;
	*ns = (uint64_t)tv->tv_sec * NS + (uint64_t)tv->tv_usec * 1000u;
	return 0;
}

static int
ts_ns(const struct nb_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS)
		return EINVAL;
	*ns = (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
	return 0;
}

static void
ns_tv(uint64_t ns, struct nb_timeval *tv)
{
	memset(tv, 0, sizeof(*tv));
	tv->tv_sec = (int64_t)(ns / NS);
	tv->tv_usec = (int32_t)((ns % NS + 999) / 1000);	/* round up: never report 0 early */
	if (tv->tv_usec == 1000000) {
		tv->tv_sec++;
		tv->tv_usec = 0;
	}
}

static void
ns_ts(uint64_t ns, struct nb_timespec *ts)
{
	ts->tv_sec = (int64_t)(ns / NS);
	ts->tv_nsec = (long)(ns % NS);
}

static struct ptimer *
itimer_slot(struct proc *p, int which, int *error)
{
	struct ptimers *pts;
	struct ptimer *pt;

	if (which < ITIMER_REAL || which > ITIMER_MONOTONIC) {
		*error = EINVAL;
		return NULL;
	}
	if ((pts = ptimers_get(p)) == NULL) {
		*error = ENOMEM;
		return NULL;
	}
	pt = &pts->pt[which];
	if (!pt->used) {
		pt->used = true;
		pt->clock = (which == ITIMER_VIRTUAL || which == ITIMER_PROF) ? -1 :
		    CLOCK_MONOTONIC;
	}
	return pt;
}

static void
itimer_read(struct kern *k, struct ptimer *pt, struct nb_itimerval *itv)
{
	ns_tv(pt_update(k, pt), &itv->it_value);
	ns_tv(pt->interval, &itv->it_interval);
}

int
sys___getitimer50(struct lwp *l, const struct sys___getitimer50_args *uap, register_t *retval)
{
	struct nb_itimerval itv;
	struct ptimer *pt;
	int error = 0;

	(void)retval;
	if ((pt = itimer_slot(l->l_proc, SCARG(uap, which), &error)) == NULL)
		return error;
	itimer_read(l->l_kern, pt, &itv);
	return copyout(&itv, SCARG(uap, itv), sizeof(itv));
}

int
sys___setitimer50(struct lwp *l, const struct sys___setitimer50_args *uap, register_t *retval)
{
	struct nb_itimerval itv, old;
	struct ptimer *pt;
	uint64_t value = 0, interval = 0;
	int error = 0;

	(void)retval;
	if ((pt = itimer_slot(l->l_proc, SCARG(uap, which), &error)) == NULL)
		return error;
	if (SCARG(uap, itv) != NULL) {
		if ((error = copyin(SCARG(uap, itv), &itv, sizeof(itv))) != 0 ||
		    (error = tv_ns(&itv.it_value, &value)) != 0 ||
		    (error = tv_ns(&itv.it_interval, &interval)) != 0)
			return error;
	}
	if (SCARG(uap, oitv) != NULL) {
		itimer_read(l->l_kern, pt, &old);
		if ((error = copyout(&old, SCARG(uap, oitv), sizeof(old))) != 0)
			return error;
	}
	if (SCARG(uap, itv) != NULL)
		pt_set(l->l_kern, pt, value, interval, false);
	return 0;
}

static struct ptimer *
ptimer_lookup(struct proc *p, int id)
{
	if (id < PT_MIN || id >= PT_MAX || p->p_timers == NULL || !p->p_timers->pt[id].used)
		return NULL;
	return &p->p_timers->pt[id];
}

int
sys_timer_create(struct lwp *l, const struct sys_timer_create_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	int clock = SCARG(uap, clock_id), id, error;
	struct nb_sigevent ev;
	struct ptimers *pts;

	(void)retval;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	if (SCARG(uap, evp) != NULL) {
		if ((error = copyin(SCARG(uap, evp), &ev, sizeof(ev))) != 0)
			return error;
		if (ev.sigev_notify != SIGEV_NONE && ev.sigev_notify != SIGEV_SIGNAL)
			return EINVAL;
		if (ev.sigev_notify == SIGEV_SIGNAL && (ev.sigev_signo <= 0 || ev.sigev_signo >= 64))
			return EINVAL;
	}
	if ((pts = ptimers_get(p)) == NULL)
		return ENOMEM;
	for (id = PT_MIN; id < PT_MAX && pts->pt[id].used; id++)
		continue;
	if (id == PT_MAX)
		return EAGAIN;
	if ((error = copyout(&id, SCARG(uap, timerid), sizeof(id))) != 0)
		return error;
	memset(&pts->pt[id], 0, sizeof(pts->pt[id]));
	pts->pt[id].used = true;
	pts->pt[id].clock = clock;
	return 0;
}

int
sys_timer_delete(struct lwp *l, const struct sys_timer_delete_args *uap, register_t *retval)
{
	struct ptimer *pt = ptimer_lookup(l->l_proc, SCARG(uap, timerid));

	(void)retval;
	if (pt == NULL)
		return EINVAL;
	memset(pt, 0, sizeof(*pt));
	return 0;
}

static void
ptimer_read(struct kern *k, struct ptimer *pt, struct nb_itimerspec *its)
{
	ns_ts(pt_update(k, pt), &its->it_value);
	ns_ts(pt->interval, &its->it_interval);
}

int
sys___timer_settime50(struct lwp *l, const struct sys___timer_settime50_args *uap,
    register_t *retval)
{
	struct ptimer *pt = ptimer_lookup(l->l_proc, SCARG(uap, timerid));
	struct nb_itimerspec its, old;
	uint64_t value, interval;
	int error;

	(void)retval;
	if (pt == NULL)
		return EINVAL;
	if ((error = copyin(SCARG(uap, value), &its, sizeof(its))) != 0 ||
	    (error = ts_ns(&its.it_value, &value)) != 0 ||
	    (error = ts_ns(&its.it_interval, &interval)) != 0)
		return error;
	if (SCARG(uap, ovalue) != NULL) {
		ptimer_read(l->l_kern, pt, &old);
		if ((error = copyout(&old, SCARG(uap, ovalue), sizeof(old))) != 0)
			return error;
	}
	pt_set(l->l_kern, pt, value, interval, (SCARG(uap, flags) & TIMER_ABSTIME) != 0);
	return 0;
}

int
sys___timer_gettime50(struct lwp *l, const struct sys___timer_gettime50_args *uap,
    register_t *retval)
{
	struct ptimer *pt = ptimer_lookup(l->l_proc, SCARG(uap, timerid));
	struct nb_itimerspec its;

	(void)retval;
	if (pt == NULL)
		return EINVAL;
	ptimer_read(l->l_kern, pt, &its);
	return copyout(&its, SCARG(uap, value), sizeof(its));
}

int
sys_timer_getoverrun(struct lwp *l, const struct sys_timer_getoverrun_args *uap,
    register_t *retval)
{
	struct ptimer *pt = ptimer_lookup(l->l_proc, SCARG(uap, timerid));

	if (pt == NULL)
		return EINVAL;
	(void)pt_update(l->l_kern, pt);
	/* the first expiry is the signal itself, the rest are overruns */
	retval[0] = pt->expired > 1 ? (register_t)(pt->expired - 1 > 0x7fffffff ?
	    0x7fffffff : pt->expired - 1) : 0;
	return 0;
}
