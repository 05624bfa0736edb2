/*
 * time.c: clocks and sleeping.  CLOCK_MONOTONIC is hyper's monotonic clock (virtual when
 * the virtual clock is on); CLOCK_REALTIME is hyper's real clock plus the kernel's own
 * offset, which settimeofday/clock_settime move (root only) without touching the host.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
};
_Static_assert(sizeof(struct nb_timeval) == 16, "NetBSD timeval is 16 bytes");
_Static_assert(sizeof(struct nb_timespec) == 16, "NetBSD timespec is 16 bytes");

#define NS 1000000000ULL

/* adjtime slews the kernel's wall clock by at most ADJ_PPM microseconds per second, as
 * NetBSD's does (500 ppm); the part slewed so far is adj_done(). */
#define ADJ_PPM 500

static int64_t
adj_done(struct kern *k, uint64_t now)
{
	int64_t max = (int64_t)((now - k->k_adj_start) / 1000000u * ADJ_PPM);
	int64_t d = k->k_adj_delta;

	if (d >= 0)
		return d < max ? d : max;
	return -d < max ? d : -max;
}

uint64_t
kern_realtime(struct kern *k)
{
	/* modular arithmetic: a clock set far away must not overflow a signed sum (UB) */
	uint64_t off = (uint64_t)k->k_realtime_off;

	if (__predict_false(k->k_adj_delta != 0))
		off += (uint64_t)adj_done(k, hyp_clock_mono());
	return hyp_clock_real() + off;
}

static int
clock_read(struct kern *k, int id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
		*ns = kern_realtime(k);
		return 0;
	case CLOCK_MONOTONIC:
		*ns = hyp_clock_mono();
		return 0;
	default:
		/* XXX: CLOCK_VIRTUAL, CLOCK_PROF and the CPU-time clocks are not kept */
		return EINVAL;
	}
}

static int
set_realtime(struct lwp *l, uint64_t ns)
{
	int error;

	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	l->l_kern->k_realtime_off = (int64_t)(ns - hyp_clock_real());	/* modular, no UB */
	l->l_kern->k_adj_delta = 0;	/* stepping the clock cancels a slew */
	return 0;
}

static int
ts_valid(const struct nb_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS;
}

int
sys___clock_gettime50(struct lwp *l, const struct sys___clock_gettime50_args *uap,
    register_t *retval)
{
	struct nb_timespec ts;
	uint64_t ns;
	int error;

	(void)retval;
	if ((error = clock_read(l->l_kern, SCARG(uap, clock_id), &ns)) != 0)
		return error;
	ts.tv_sec = (int64_t)(ns / NS);
	ts.tv_nsec = (long)(ns % NS);
	return copyout(&ts, SCARG(uap, tp), sizeof(ts));
}

int
sys___clock_settime50(struct lwp *l, const struct sys___clock_settime50_args *uap,
    register_t *retval)
{
	struct nb_timespec ts;
	int error;

	(void)retval;
	if ((error = copyin(SCARG(uap, tp), &ts, sizeof(ts))) != 0)
		return error;
	if (SCARG(uap, clock_id) != CLOCK_REALTIME)
		return EINVAL;
	if (!ts_valid(&ts))
		return EINVAL;
	return set_realtime(l, (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec);
}

int
sys___clock_getres50(struct lwp *l, const struct sys___clock_getres50_args *uap,
    register_t *retval)
{
	struct nb_timespec ts = { 0, 1 };
	uint64_t ns;
	int error;

	(void)retval;
	if ((error = clock_read(l->l_kern, SCARG(uap, clock_id), &ns)) != 0)
		return error;
	if (SCARG(uap, tp) == NULL)
		return 0;
	return copyout(&ts, SCARG(uap, tp), sizeof(ts));
}

int
sys___gettimeofday50(struct lwp *l, const struct sys___gettimeofday50_args *uap,
    register_t *retval)
{
	struct nb_timeval tv;
	uint64_t ns = kern_realtime(l->l_kern);
	int error = 0;

	(void)retval;
	if (SCARG(uap, tp) != NULL) {
		memset(&tv, 0, sizeof(tv));
		tv.tv_sec = (int64_t)(ns / NS);
		tv.tv_usec = (int32_t)((ns % NS) / 1000);
		error = copyout(&tv, SCARG(uap, tp), sizeof(tv));
	}
	if (error == 0 && SCARG(uap, tzp) != NULL) {
		int32_t tz[2] = { 0, 0 };	/* struct timezone: no offset, no DST */
		error = copyout(tz, SCARG(uap, tzp), sizeof(tz));
	}
	return error;
}

int
sys___settimeofday50(struct lwp *l, const struct sys___settimeofday50_args *uap,
    register_t *retval)
{
	struct nb_timeval tv;
	int error;

	(void)retval;
	if (SCARG(uap, tv) == NULL)
		return 0;
	if ((error = copyin(SCARG(uap, tv), &tv, sizeof(tv))) != 0)
		return error;
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return EINVAL;
	return set_realtime(l, (uint64_t)tv.tv_sec * NS + (uint64_t)tv.tv_usec * 1000);
}

/* Sleeps until the monotonic deadline.  Nothing wakes it early: there are no signals. */
static int
sleep_until(struct lwp *l, uint64_t deadline)
{
	kcondvar_t cv;
	int error = 0;

	cv_init(&cv, l->l_kern);
	while (hyp_clock_mono() < deadline) {
		error = cv_timedwait(&cv, NULL, deadline);
		if (error == EWOULDBLOCK)
			error = 0;
		if (error != 0)
			break;
	}
	cv_destroy(&cv);
	return error;
}

static int
donanosleep(struct lwp *l, int clock_id, int flags, const void *urq, void *urm)
{
	struct nb_timespec rq, rm = { 0, 0 };
	uint64_t now, target, deadline;
	int error;

	if ((error = copyin(urq, &rq, sizeof(rq))) != 0)
		return error;
	if (!ts_valid(&rq))
		return EINVAL;
	if ((error = clock_read(l->l_kern, clock_id, &now)) != 0)
		return error;
	target = (uint64_t)rq.tv_sec * NS + (uint64_t)rq.tv_nsec;
	if (flags & TIMER_ABSTIME) {
		if (target <= now)
			return 0;
		deadline = hyp_clock_mono() + (target - now);
	} else
		deadline = hyp_clock_mono() + target;
	if ((error = sleep_until(l, deadline)) != 0)
		return error;
	if (urm != NULL && !(flags & TIMER_ABSTIME))
		error = copyout(&rm, urm, sizeof(rm));
	return error;
}

int
sys___nanosleep50(struct lwp *l, const struct sys___nanosleep50_args *uap,
    register_t *retval)
{
	(void)retval;
	return donanosleep(l, CLOCK_MONOTONIC, 0, SCARG(uap, rqtp), SCARG(uap, rmtp));
}

/* clock_nanosleep returns its error as the value (NOERR), as POSIX says. */
int
sys_clock_nanosleep(struct lwp *l, const struct sys_clock_nanosleep_args *uap,
    register_t *retval)
{
	int id = SCARG(uap, clock_id);

	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC)
		retval[0] = EINVAL;
	else
		retval[0] = donanosleep(l, id, SCARG(uap, flags), SCARG(uap, rqtp),
		    SCARG(uap, rmtp));
	return 0;
}

int
sys___adjtime50(struct lwp *l, const struct sys___adjtime50_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	uint64_t now = hyp_clock_mono();
	int64_t left = k->k_adj_delta - adj_done(k, now), nd = 0;
	struct nb_timeval tv;
	int error;

	(void)retval;
	if (SCARG(uap, delta) != NULL) {
		if ((error = cred_super(lwp_cred(l))) != 0)
			return error;
		if ((error = copyin(SCARG(uap, delta), &tv, sizeof(tv))) != 0)
			return error;
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000 ||
		    tv.tv_sec > 0x7fffffff || tv.tv_sec < -0x7fffffff)
			return EINVAL;
		nd = tv.tv_sec * 1000000000LL + (int64_t)tv.tv_usec * 1000;
	}
	if (SCARG(uap, olddelta) != NULL) {
		/* what is left, in whole microseconds, rounded toward zero */
		int64_t us = left / 1000, sec = us / 1000000, rem = us % 1000000;
		memset(&tv, 0, sizeof(tv));
		if (rem < 0) {
			rem += 1000000;
			sec--;
		}
		tv.tv_sec = sec;
		tv.tv_usec = (int32_t)rem;
		if ((error = copyout(&tv, SCARG(uap, olddelta), sizeof(tv))) != 0)
			return error;
	}
	if (SCARG(uap, delta) != NULL) {
		/* what was slewed so far becomes part of the offset; the new slew starts now */
		k->k_realtime_off = (int64_t)((uint64_t)k->k_realtime_off +
		    (uint64_t)adj_done(k, now));
		k->k_adj_delta = nd;
		k->k_adj_start = now;
	}
	return 0;
}
