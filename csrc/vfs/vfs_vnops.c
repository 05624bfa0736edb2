/*
 * vfs_vnops.c: struct file operations on vnodes (read, write, stat, fcntl locks, ioctl,
 * poll, close) and advisory record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, flock).
 *
 * Locks: a vnode keeps a list of ranges [lf_start, lf_end] (inclusive; INT64_MAX means
 * "to the end of file, however it grows"), each with an owner: the process for POSIX
 * locks, the open file for flock locks.  Ranges of one owner never overlap; setting or
 * clearing a range first cuts the owner's ranges around it.  Two locks conflict when
 * their owners differ, their ranges overlap and one is a write lock.  A waiter (F_SETLKW,
 * flock without LOCK_NB) sleeps on vs_lockcv and looks again after every change.  POSIX
 * locks of a process go when it closes any descriptor of the file or exits; flock locks
 * when their file closes.  Vnodes with locks are listed on vs_lockvnodes for the exit
 * hook.
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

struct lockf {
	struct lockf *lf_next;
	void *lf_owner;
	nb_pid_t lf_pid;		/* -1 for flock locks */
	short lf_type;			/* F_RDLCK, F_WRLCK */
	short lf_flags;			/* LF_POSIX, LF_FLOCK */
	nb_off_t lf_start, lf_end;
};

#define LF_EOF	INT64_MAX

static void
lf_vnode_listed(struct vfs_state *vs, struct vnode *vp, bool want)
{
	struct vnode **vpp;

	for (vpp = &vs->vs_lockvnodes; *vpp != NULL; vpp = &(*vpp)->v_lknext)
		if (*vpp == vp) {
			if (!want) {
				*vpp = vp->v_lknext;
				vp->v_lknext = NULL;
			}
			return;
		}
	if (want) {
		vp->v_lknext = vs->vs_lockvnodes;
		vs->vs_lockvnodes = vp;
	}
}

static struct lockf *
lf_conflict(struct vnode *vp, void *owner, int type, nb_off_t start, nb_off_t end)
{
	struct lockf *lf;

	for (lf = vp->v_lockf; lf != NULL; lf = lf->lf_next)
		if (lf->lf_owner != owner && lf->lf_start <= end && start <= lf->lf_end &&
		    (type == F_WRLCK || lf->lf_type == F_WRLCK))
			return lf;
	return NULL;
}

/* Cuts owner's ranges around [start, end]; spare holds up to one preallocated lock for a
 * split.  Returns whether anything changed. */
static bool
lf_cut(struct kern *k, struct vnode *vp, void *owner, nb_off_t start, nb_off_t end,
    struct lockf **spare)
{
	struct lockf **lfp = &vp->v_lockf, *lf;
	bool changed = false;

	while ((lf = *lfp) != NULL) {
		if (lf->lf_owner != owner || lf->lf_end < start || lf->lf_start > end) {
			lfp = &lf->lf_next;
			continue;
		}
		changed = true;
		if (lf->lf_start < start && lf->lf_end > end) {
			/* split: lf keeps the left part, the spare takes the right */
			struct lockf *r = *spare;
			*spare = NULL;
			*r = *lf;
			r->lf_start = end + 1;
			lf->lf_end = start - 1;
			r->lf_next = lf->lf_next;
			lf->lf_next = r;
			lfp = &r->lf_next;
		} else if (lf->lf_start < start) {
			lf->lf_end = start - 1;
			lfp = &lf->lf_next;
		} else if (lf->lf_end > end) {
			lf->lf_start = end + 1;
			lfp = &lf->lf_next;
		} else {
			*lfp = lf->lf_next;
			kmem_free(k, lf, sizeof(*lf));
		}
	}
	return changed;
}

int
lf_advlock(struct lwp *l, struct vnode *vp, void *owner, int op, struct nb_flock *fl,
    int flags, nb_off_t base)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct lockf *lf, *spare = NULL, *nlf = NULL;
	nb_off_t start, end;
	int error = 0;
	bool changed;

	/* the range, from l_whence/l_start/l_len; base is the offset SEEK_CUR/END mean */
	if (flags & LF_FLOCK) {
		start = 0;
		end = LF_EOF;
	} else {
		if (fl->l_start < 0 && base + fl->l_start < 0)
			return EINVAL;
		start = base + fl->l_start;
		if (start < 0)
			return EINVAL;
		if (fl->l_len == 0)
			end = LF_EOF;
		else if (fl->l_len > 0) {
			if (fl->l_len - 1 > LF_EOF - start)
				return EOVERFLOW;
			end = start + fl->l_len - 1;
		} else {
			end = start - 1;
			if (start + fl->l_len < 0)
				return EINVAL;
			start += fl->l_len;
		}
	}
	if (op == F_GETLK) {
		if ((lf = lf_conflict(vp, owner, fl->l_type, start, end)) == NULL) {
			fl->l_type = F_UNLCK;
			return 0;
		}
		fl->l_type = lf->lf_type;
		fl->l_whence = SEEK_SET;
		fl->l_start = lf->lf_start;
		fl->l_len = lf->lf_end == LF_EOF ? 0 : lf->lf_end - lf->lf_start + 1;
		fl->l_pid = lf->lf_pid;
		return 0;
	}
	if (op == F_SETLK && fl->l_type != F_UNLCK) {
		while (lf_conflict(vp, owner, fl->l_type, start, end) != NULL) {
			if (!(flags & LF_WAIT))
				return EAGAIN;
			vref(vp);	/* the file may be closed by another thread meanwhile */
			error = br_cv_wait(&vs->vs_lockcv, &vs->vs_lock);
			vrele(vp);
			if (error != 0)
				return error;
		}
		if ((nlf = kmem_zalloc(k, sizeof(*nlf))) == NULL)
			return ENOLCK;
	}
	if ((spare = kmem_zalloc(k, sizeof(*spare))) == NULL) {
		if (nlf != NULL)
			kmem_free(k, nlf, sizeof(*nlf));
		return ENOLCK;
	}
	changed = lf_cut(k, vp, owner, start, end, &spare);
	if (nlf != NULL) {
		nlf->lf_owner = owner;
		nlf->lf_pid = (flags & LF_FLOCK) ? -1 : l->l_proc->p_pid;
		nlf->lf_type = fl->l_type;
		nlf->lf_flags = (flags & LF_FLOCK) ? LF_FLOCK : LF_POSIX;
		nlf->lf_start = start;
		nlf->lf_end = end;
		nlf->lf_next = vp->v_lockf;
		vp->v_lockf = nlf;
		changed = true;
	}
	if (spare != NULL)
		kmem_free(k, spare, sizeof(*spare));
	lf_vnode_listed(vs, vp, vp->v_lockf != NULL);
	if (changed)
		cv_broadcast(&vs->vs_lockcv);
	return 0;
}

void
lf_release_owner(struct kern *k, struct vnode *vp, void *owner)
{
	struct vfs_state *vs = vfs_state(k);
	struct lockf **lfp = &vp->v_lockf, *lf;
	bool changed = false;

	while ((lf = *lfp) != NULL) {
		if (lf->lf_owner == owner) {
			*lfp = lf->lf_next;
			kmem_free(k, lf, sizeof(*lf));
			changed = true;
		} else
			lfp = &lf->lf_next;
	}
	if (changed) {
		lf_vnode_listed(vs, vp, vp->v_lockf != NULL);
		cv_broadcast(&vs->vs_lockcv);
	}
}

void
lf_proc_exit(struct proc *p)
{
	struct kern *k = p->p_kern;
	struct vfs_state *vs = vfs_state(k);
	struct vnode *vp, *next;

	for (vp = vs->vs_lockvnodes; vp != NULL; vp = next) {
		next = vp->v_lknext;
		lf_release_owner(k, vp, p);
	}
}

/* ---------------------------------------------------------------- fileops */

static int
vn_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;
	struct vn_shlock sl;
	int error;

	vn_lock_data(vs, vp, &sl);
	uio->uio_offset = *offset;
	if (vp->v_type == VDIR)
		error = EISDIR;
	else
		error = vp->v_op->vop_read(vp, uio, 0);
	if (flags & FOF_UPDATE_OFFSET)	/* (dofileio peeks at it unlocked) */
		__atomic_store_n(offset, uio->uio_offset, __ATOMIC_RELAXED);
	vn_unlock_data(vs, &sl);
	return error;
}

static int
vn_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;
	const struct cred *cred = fp->f_cred;
	size_t start = uio->uio_resid;
	int error;

	struct vattr before;
	struct vn_shlock sl;
	bool knoted = atomic_load_explicit(&vp->v_knoted, memory_order_relaxed);
	before.va_size = 0;
	vn_lock_data(vs, vp, &sl);
	uio->uio_offset = *offset;
	if (knoted && vp->v_op->vop_getattr(vp, &before) != 0)
		before.va_size = 0;	/* (unknown: any growth counts as EXTEND) */
	error = vp->v_op->vop_write(vp, uio, (fp->f_flag & FAPPEND) ? IO_APPEND : 0);
	if (knoted && uio->uio_resid != start) {
		struct vattr after;
		vn_knote(vp, NOTE_WRITE | (vp->v_op->vop_getattr(vp, &after) == 0 &&
		    after.va_size > before.va_size ? NOTE_EXTEND : 0));
	}
	if (uio->uio_resid != start && cred->cr_euid != 0) {
		/* writing by anyone but root drops set-id bits */
		struct vattr va;
		if (vp->v_op->vop_getattr(vp, &va) == 0 &&
		    (va.va_mode & (S_ISUID | S_ISGID))) {
			va.va_mode &= ~(nb_mode_t)(S_ISUID | S_ISGID);
			(void)vp->v_op->vop_setattr(vp, &va, VA_MODE);
		}
	}
	if (flags & FOF_UPDATE_OFFSET)	/* (dofileio peeks at it unlocked) */
		__atomic_store_n(offset, uio->uio_offset, __ATOMIC_RELAXED);
	vn_unlock_data(vs, &sl);
	return error;
}

int
vn_fo_stat(struct file *fp, struct nb_stat *st)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vn_shlock sl;
	int error;

	vn_lock_data(vs, fp->f_data, &sl);
	error = vn_stat(fp->f_data, st);
	vn_unlock_data(vs, &sl);
	return error;
}

int
vn_fcntl(struct file *fp, int cmd, void *arg)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct lwp *l = curlwp();
	struct vnode *vp = fp->f_data;
	struct nb_flock fl;
	struct vattr va;
	nb_off_t base = 0;
	int error, op, flags = LF_POSIX;

	switch (cmd) {
	case F_GETLK: op = F_GETLK; break;
	case F_SETLK: op = F_SETLK; break;
	case F_SETLKW: op = F_SETLK; flags |= LF_WAIT; break;
	default: return EINVAL;
	}
	if ((error = copyin(arg, &fl, sizeof(fl))) != 0)
		return error;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return EINVAL;
	if (op == F_SETLK) {
		if (fl.l_type == F_RDLCK && !(fp->f_flag & FREAD))
			return EBADF;
		if (fl.l_type == F_WRLCK && !(fp->f_flag & FWRITE))
			return EBADF;
		if (fl.l_type == F_UNLCK)
			op = F_UNLCK;
	}
	br_enter(&vs->vs_lock);
	switch (fl.l_whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		base = fp->f_offset;
		break;
	case SEEK_END:
		if ((error = vp->v_op->vop_getattr(vp, &va)) == 0)
			base = va.va_size;
		break;
	default:
		error = EINVAL;
	}
	if (error == 0)
		error = lf_advlock(l, vp, l->l_proc, op, &fl, flags, base);
	br_exit(&vs->vs_lock);
	if (error == 0 && op == F_GETLK)
		error = copyout(&fl, arg, sizeof(fl));
	return error;
}

static int
vn_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;
	struct vattr va;
	int error;

	switch (cmd) {
	case FIONREAD:
		if (vp->v_type != VREG)
			return vp->v_type == VDIR ? ENOTTY : EINVAL;
		br_enter(&vs->vs_lock);
		error = vp->v_op->vop_getattr(vp, &va);
		if (error == 0)
			*(int *)data = va.va_size > fp->f_offset ?
			    (int)(va.va_size - fp->f_offset > INT32_MAX ? INT32_MAX :
			    va.va_size - fp->f_offset) : 0;
		br_exit(&vs->vs_lock);
		return error;
	case FIONBIO:
	case FIOASYNC:
		return 0;
	default:
		return ENOTTY;
	}
}

static int
vn_poll(struct file *fp, int events)
{
	(void)fp;
	/* files and directories never block */
	return events & (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
}

int
vn_close(struct file *fp)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;
	struct proc *p = curproc();

	br_enter(&vs->vs_lock);
	if (vp->v_lockf != NULL) {
		lf_release_owner(fp->f_kern, vp, fp);
		if (p != NULL)
			lf_release_owner(fp->f_kern, vp, p);
	}
	vrele(vp);
	br_exit(&vs->vs_lock);
	return 0;
}

/* POSIX: closing any descriptor of a file releases the closer's record locks on it,
 * even when other descriptors (dup, fork) keep the file open. */
void
vn_fdclose(struct file *fp, struct proc *p)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;

	if (p == NULL)
		return;			/* exit: lf_proc_exit releases them all */
	br_enter(&vs->vs_lock);
	if (vp->v_lockf != NULL)
		lf_release_owner(fp->f_kern, vp, p);
	br_exit(&vs->vs_lock);
}

const struct fileops vn_fileops = {
	.fo_read = vn_read,
	.fo_write = vn_write,
	.fo_ioctl = vn_ioctl,
	.fo_fcntl = vn_fcntl,
	.fo_poll = vn_poll,
	.fo_stat = vn_fo_stat,
	.fo_close = vn_close,
	.fo_fdclose = vn_fdclose,
};

/* ---------------------------------------------------------------- EVFILT_VNODE */

void
vn_knote(struct vnode *vp, unsigned notes)
{
	struct kern *k = kern_cur();
	int i;

	/* counts matter only once a knote took a snapshot of them (vn_knote_counts) */
	if (!atomic_load_explicit(&vp->v_knoted, memory_order_relaxed))
		return;
	for (i = 0; i < VN_NNOTES; i++)
		if (notes & (1u << i))
			atomic_fetch_add(&vp->v_note[i], 1);
	if (k != NULL)
		kern_pollnotify(k);
}

/* kqueue.c: the event counts of a vnode file (EINVAL for other files) */
int
vn_knote_counts(struct file *fp, unsigned counts[VN_NNOTES])
{
	struct vnode *vp;
	int i;

	if (fp->f_type != DTYPE_VNODE)
		return EINVAL;
	vp = fp->f_data;
	atomic_store(&vp->v_knoted, true);
	for (i = 0; i < VN_NNOTES; i++)
		counts[i] = atomic_load(&vp->v_note[i]);
	return 0;
}
