/*
 * kqueue.c: kqueue, kqueue1 and kevent over the generic file layer.
 *
 * Filters: EVFILT_READ and EVFILT_WRITE on any descriptor (readiness from fo_poll, the
 * byte count from fo_ioctl FIONREAD / FIONSPACE when the file answers it), EVFILT_TIMER
 * (data = period in ms).  Flags: EV_ADD, EV_DELETE, EV_ENABLE, EV_DISABLE, EV_ONESHOT,
 * EV_CLEAR, EV_DISPATCH, EV_RECEIPT; EV_EOF and EV_ERROR are reported.
 * EVFILT_VNODE on vnode descriptors: fflags NOTE_DELETE, WRITE, EXTEND, ATTRIB, LINK,
 * RENAME, REVOKE; the VFS counts each event per vnode (vn_knote) and a knote reports the
 * kinds whose counts moved since it was added (EV_CLEAR: since its last report).
 * XXX: EVFILT_PROC, EVFILT_SIGNAL and EVFILT_AIO are EINVAL for now.
 *
 * Invariants: kq->knotes lists the registered (ident, filter) pairs, at most one each,
 * guarded by kq->lock.  A knote for a descriptor does not hold the file: it names the
 * descriptor, and it goes away when a scan finds the descriptor closed (NetBSD drops
 * knotes at close; ours are dropped lazily, with the same visible result unless the
 * number is reused in between).  Timers are computed from the clock at each scan; a
 * sleeping kevent wakes at the next timer deadline.  XXX: poll() on a kqueue is not
 * woken by a timer expiring, only by file activity.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

struct nb_kevent {
	uintptr_t ident;
	uint32_t filter;
	uint32_t flags;
	uint32_t fflags;
	int64_t data;
	intptr_t udata;
};
_Static_assert(sizeof(struct nb_kevent) == 40, "NetBSD struct kevent is 40 bytes");
_Static_assert(offsetof(struct nb_kevent, data) == 24, "kevent.data at 24");

#define KN_NNOTES	7		/* NOTE_DELETE ... NOTE_REVOKE, bits 0-6 */
int vn_knote_counts(struct file *fp, unsigned counts[KN_NNOTES]) KERN_HIDDEN;	/* vfs */

struct knote {
	struct knote *next;
	struct nb_kevent kev;		/* as registered (flags: the persistent ones) */
	bool disabled;
	bool lastready;			/* EV_CLEAR: reported and not drained since */
	int64_t lastdata;
	uint64_t tperiod, tnext;	/* EVFILT_TIMER, ns */
	unsigned vseen[KN_NNOTES];	/* EVFILT_VNODE: the vnode's event counts seen */
};

struct kq {
	kmutex_t lock;
	struct knote *knotes;
	int count;
};

#define KQ_MAXNOTES	4096
#define KQ_MAXEVENTS	1024	/* returned per call at most */
#define KN_PERSIST	(EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_RECEIPT)

static int kq_fo_poll(struct file *fp, int events);
static int kq_fo_close(struct file *fp);

static const struct fileops kq_fileops = {
	.fo_poll = kq_fo_poll,
	.fo_close = kq_fo_close,
};

static void
knote_free(struct kern *k, struct kq *kq, struct knote **pp)
{
	struct knote *kn = *pp;

	*pp = kn->next;
	kq->count--;
	kmem_free(k, kn, sizeof(*kn));
}

/* Is kn ready now?  Fills *ev with what to report.  *gone: its descriptor is closed. */
static bool
knote_check(struct lwp *l, struct knote *kn, uint64_t now, struct nb_kevent *ev, bool *gone)
{
	struct file *fp;
	int rev, want, n = 0;
	bool ready;

	*gone = false;
	*ev = kn->kev;
	ev->flags &= KN_PERSIST;
	ev->data = 0;
	if (kn->kev.filter == EVFILT_TIMER) {
		if (now < kn->tnext)
			return false;
		ev->data = (int64_t)(1 + (now - kn->tnext) / kn->tperiod);
		return true;
	}
	if (kn->kev.ident > INT32_MAX || fd_getfile(l, (int)kn->kev.ident, &fp) != 0) {
		*gone = true;
		return false;
	}
	if (kn->kev.filter == EVFILT_VNODE) {
		unsigned counts[KN_NNOTES];
		int i;
		ev->fflags = 0;
		if (vn_knote_counts(fp, counts) == 0)
			for (i = 0; i < KN_NNOTES; i++)
				if ((kn->kev.fflags & (1u << i)) && counts[i] != kn->vseen[i])
					ev->fflags |= 1u << i;
		fd_putfile(fp);
		return ev->fflags != 0;
	}
	want = kn->kev.filter == EVFILT_READ ? (POLLIN | POLLRDNORM) : (POLLOUT | POLLWRNORM);
	if (fp->f_ops != NULL && fp->f_ops->fo_poll != NULL)
		rev = fp->f_ops->fo_poll(fp, want | POLLHUP);
	else
		rev = ((fp->f_flag & FREAD) ? (POLLIN | POLLRDNORM) : 0) |
		    ((fp->f_flag & FWRITE) ? (POLLOUT | POLLWRNORM) : 0);
	ready = (rev & (want | POLLHUP)) != 0;
	if (ready && fp->f_ops != NULL && fp->f_ops->fo_ioctl != NULL &&
	    fp->f_ops->fo_ioctl(fp, kn->kev.filter == EVFILT_READ ? FIONREAD : FIONSPACE, &n) == 0)
		ev->data = n;
	if (rev & POLLHUP) {
		ev->flags |= EV_EOF;
		if (fp->f_ops != NULL && fp->f_ops->fo_eoferror != NULL)
			ev->fflags = (uint32_t)fp->f_ops->fo_eoferror(fp);
	}
	fd_putfile(fp);
	if (!ready) {
		kn->lastready = false;
		return false;
	}
	if ((kn->kev.flags & EV_CLEAR) && kn->lastready && ev->data == kn->lastdata)
		return false;	/* nothing new since the last report */
	return true;
}

/* EVFILT_VNODE: takes the vnode's current counts as seen */
static void
knote_vseen(struct lwp *l, struct knote *kn)
{
	struct file *fp;

	if (kn->kev.ident > INT32_MAX || fd_getfile(l, (int)kn->kev.ident, &fp) != 0)
		return;
	(void)vn_knote_counts(fp, kn->vseen);
	fd_putfile(fp);
}

/* Collects up to max ready events into out (NULL: just count, change nothing).
 * *next gets the earliest timer deadline among enabled timers (0: none). */
static int
kq_scan(struct lwp *l, struct kq *kq, struct nb_kevent *out, int max, uint64_t *next)
{
	struct kern *k = l->l_kern;
	struct knote **pp, *kn;
	uint64_t now = hyp_clock_mono(), earliest = 0;
	int n = 0;

	mutex_enter(&kq->lock);
	for (pp = &kq->knotes; (kn = *pp) != NULL && n < max;) {
		struct nb_kevent ev;
		bool gone;

		if (kn->disabled) {
			pp = &kn->next;
			continue;
		}
		if (!knote_check(l, kn, now, &ev, &gone)) {
			if (gone && out != NULL) {
				knote_free(k, kq, pp);
				continue;
			}
			if (kn->kev.filter == EVFILT_TIMER && (earliest == 0 || kn->tnext < earliest))
				earliest = kn->tnext;
			pp = &kn->next;
			continue;
		}
		n++;
		if (out == NULL) {
			pp = &kn->next;
			continue;
		}
		out[n - 1] = ev;
		if (kn->kev.filter == EVFILT_VNODE && (kn->kev.flags & EV_CLEAR))
			knote_vseen(l, kn);
		if (kn->kev.filter == EVFILT_TIMER)
			kn->tnext += (uint64_t)ev.data * kn->tperiod;
		kn->lastready = true;
		kn->lastdata = ev.data;
		if (kn->kev.flags & EV_ONESHOT) {
			knote_free(k, kq, pp);
			continue;
		}
		if (kn->kev.flags & EV_DISPATCH)
			kn->disabled = true;
		pp = &kn->next;
	}
	mutex_exit(&kq->lock);
	if (next != NULL)
		*next = earliest;
	return n;
}

static int
kq_fo_poll(struct file *fp, int events)
{
	struct lwp *l = curlwp();

	if (l == NULL || !(events & (POLLIN | POLLRDNORM)))
		return 0;
	return kq_scan(l, fp->f_data, NULL, 1, NULL) > 0 ? (events & (POLLIN | POLLRDNORM)) : 0;
}

static int
kq_fo_close(struct file *fp)
{
	struct kq *kq = fp->f_data;
	struct kern *k = fp->f_kern;

	while (kq->knotes != NULL)
		knote_free(k, kq, &kq->knotes);
	mutex_destroy(&kq->lock);
	kmem_free(k, kq, sizeof(*kq));
	return 0;
}

static int
kq_register(struct lwp *l, struct kq *kq, const struct nb_kevent *ch)
{
	struct kern *k = l->l_kern;
	struct knote **pp, *kn;
	struct file *fp;
	int error = 0;

	switch (ch->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		if ((ch->flags & EV_ADD) && (ch->ident > INT32_MAX ||
		    fd_getfile(l, (int)ch->ident, &fp) != 0))
			return EBADF;
		if (ch->flags & EV_ADD)
			fd_putfile(fp);
		break;
	case EVFILT_TIMER:
		if ((ch->flags & EV_ADD) && ch->data <= 0)
			return EINVAL;
		break;
	case EVFILT_VNODE:
		if (ch->flags & EV_ADD) {
			unsigned counts[KN_NNOTES];
			if (ch->ident > INT32_MAX || fd_getfile(l, (int)ch->ident, &fp) != 0)
				return EBADF;
			error = vn_knote_counts(fp, counts);
			fd_putfile(fp);
			if (error != 0)
				return error;	/* not a vnode: EINVAL */
		}
		break;
	default:
		return EINVAL;
	}
	mutex_enter(&kq->lock);
	for (pp = &kq->knotes; (kn = *pp) != NULL; pp = &kn->next)
		if (kn->kev.ident == ch->ident && kn->kev.filter == ch->filter)
			break;
	if (ch->flags & EV_DELETE) {
		if (kn == NULL)
			error = ENOENT;
		else
			knote_free(k, kq, pp);
		goto out;
	}
	if (kn == NULL) {
		if (!(ch->flags & EV_ADD)) {
			error = ENOENT;
			goto out;
		}
		if (kq->count >= KQ_MAXNOTES || (kn = kmem_zalloc(k, sizeof(*kn))) == NULL) {
			error = ENOMEM;
			goto out;
		}
		kn->next = kq->knotes;
		kq->knotes = kn;
		kq->count++;
	}
	if (ch->flags & EV_ADD) {
		kn->kev = *ch;
		kn->kev.flags = ch->flags & KN_PERSIST;
		kn->disabled = false;
		kn->lastready = false;
		if (ch->filter == EVFILT_TIMER) {
			kn->tperiod = (uint64_t)ch->data * 1000000u;
			kn->tnext = hyp_clock_mono() + kn->tperiod;
		}
		if (ch->filter == EVFILT_VNODE)
			knote_vseen(l, kn);
	}
	if (ch->flags & EV_DISABLE)
		kn->disabled = true;
	if (ch->flags & EV_ENABLE)
		kn->disabled = false;
out:
	mutex_exit(&kq->lock);
	if (error == 0)
		kern_pollnotify(k);	/* a poll on the kqueue may have something now */
	return error;
}

static int
dokqueue(struct lwp *l, int flags, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct file *fp;
	struct kq *kq;
	int fd, error;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_NOSIGPIPE))
		return EINVAL;
	if ((kq = kmem_zalloc(k, sizeof(*kq))) == NULL)
		return ENOMEM;
	if ((error = fd_allocfile(l, &fp, &fd)) != 0) {
		kmem_free(k, kq, sizeof(*kq));
		return error;
	}
	mutex_init(&kq->lock, k);
	fp->f_type = DTYPE_KQUEUE;
	fp->f_flag = FREAD | FWRITE | ((unsigned)flags & (O_NONBLOCK | O_NOSIGPIPE));
	fp->f_ops = &kq_fileops;
	fp->f_data = kq;
	fd_affix(l, fp, fd);
	if (flags & O_CLOEXEC)
		fd_setcloexec(l, fd, true);
	retval[0] = fd;
	return 0;
}

int
sys_kqueue(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	return dokqueue(l, 0, retval);
}

int
sys_kqueue1(struct lwp *l, const struct sys_kqueue1_args *uap, register_t *retval)
{
	return dokqueue(l, SCARG(uap, flags), retval);
}

int
sys___kevent50(struct lwp *l, const struct sys___kevent50_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	const char *uch = SCARG(uap, changelist);
	size_t nchanges = SCARG(uap, nchanges), nevents = SCARG(uap, nevents), i;
	struct nb_kevent *out = NULL, ch;
	struct nb_timespec ts;
	uint64_t deadline = 0, tnext;
	struct file *fp;
	struct kq *kq;
	int error, n = 0, max;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_KQUEUE) {
		fd_putfile(fp);
		return EBADF;
	}
	kq = fp->f_data;
	if (SCARG(uap, timeout) != NULL) {
		if ((error = copyin(SCARG(uap, timeout), &ts, sizeof(ts))) != 0)
			goto done;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) {
			error = EINVAL;
			goto done;
		}
		deadline = (ts.tv_sec == 0 && ts.tv_nsec == 0) ? UINT64_MAX :
		    hyp_clock_mono() + (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	max = nevents > KQ_MAXEVENTS ? KQ_MAXEVENTS : (int)nevents;
	if (max > 0 && (out = kmem_alloc(k, sizeof(*out) * (size_t)max)) == NULL) {
		error = ENOMEM;
		goto done;
	}
	for (i = 0; i < nchanges; i++) {
		int e;

		if ((error = copyin(uch + i * sizeof(ch), &ch, sizeof(ch))) != 0)
			goto done;
		e = kq_register(l, kq, &ch);
		if (e != 0 || (ch.flags & EV_RECEIPT)) {
			/* report it in the event list if there is room, else fail the call */
			if (n >= max) {
				error = e;
				if (error == 0)
					continue;
				goto done;
			}
			ch.flags |= EV_ERROR;
			ch.data = e;
			out[n++] = ch;
		}
	}
	if (n > 0)
		goto out;	/* errors and receipts are returned without scanning */
	atomic_fetch_add(&k->k_pollers, 1);	/* before the scan: kern_pollnotify */
	for (;;) {
		unsigned gen = atomic_load(&k->k_pollgen);
		uint64_t dl = deadline;

		if (max == 0 || (n = kq_scan(l, kq, out, max, &tnext)) > 0 || deadline == UINT64_MAX)
			break;
		if (deadline != 0 && hyp_clock_mono() >= deadline)
			break;
		if (tnext != 0 && (dl == 0 || tnext < dl))
			dl = tnext;
		error = cv_timedwait_gen(&k->k_pollcv, NULL, dl, &k->k_pollgen, gen);
		if (error == EWOULDBLOCK)
			error = 0;
		if (error != 0) {
			atomic_fetch_sub(&k->k_pollers, 1);
			goto done;
		}
	}
	atomic_fetch_sub(&k->k_pollers, 1);
out:
	if (n > 0)
		error = copyout(out, SCARG(uap, eventlist), sizeof(*out) * (size_t)n);
	if (error == 0)
		retval[0] = n;
done:
	if (out != NULL)
		kmem_free(k, out, sizeof(*out) * (size_t)max);
	fd_putfile(fp);
	return error;
}
