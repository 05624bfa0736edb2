/*
 * fd.c: descriptor tables, files with reference counts, and the descriptor syscalls that
 * work on any file through its fileops: close, dup, dup2, dup3, fcntl, read, write, readv,
 * writev, ioctl, poll, fstat.
 *
 * Invariants: a slot holds a file (one reference owned by the slot), is reserved
 * (FE_RESERVED, between fd_allocfile and fd_affix/fd_abort), or is free.  fd_lastfile is
 * an upper bound of the used slots.  A table starts with the four slots inside it and
 * doubles, up to the process's RLIMIT_NOFILE.  The table lock is never held across a
 * file operation: syscalls take a file reference and let go of the lock.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

/* A descriptor slot let go of fp (the slot's reference, now dropped). */
static int
fd_closed(struct proc *p, struct file *fp)
{
	if (fp->f_ops != NULL && fp->f_ops->fo_fdclose != NULL)
		fp->f_ops->fo_fdclose(fp, p);
	return file_release(fp);
}

int
fd_table_new(struct kern *k, struct filedesc **fdp)
{
	struct filedesc *fd = kmem_zalloc(k, sizeof(*fd));

	if (fd == NULL)
		return ENOMEM;
	atomic_init(&fd->fd_ref, 1);
	mutex_init(&fd->fd_lock, k);
	fd->fd_nfiles = 4;
	fd->fd_lastfile = -1;
	fd->fd_ofiles = fd->fd_small;
	*fdp = fd;
	return 0;
}

static int
fd_grow(struct kern *k, struct filedesc *fd, int want)
{
	int n = fd->fd_nfiles;
	struct fdentry *nf;

	while (n <= want)
		n *= 2;
	if ((nf = kmem_zalloc(k, sizeof(*nf) * (size_t)n)) == NULL)
		return ENOMEM;
	memcpy(nf, fd->fd_ofiles, sizeof(*nf) * (size_t)fd->fd_nfiles);
	if (fd->fd_ofiles != fd->fd_small)
		kmem_free(k, fd->fd_ofiles, sizeof(*nf) * (size_t)fd->fd_nfiles);
	fd->fd_ofiles = nf;
	fd->fd_nfiles = n;
	return 0;
}

int
fd_table_copy(struct kern *k, struct filedesc *from, struct filedesc **fdp)
{
	struct filedesc *fd;
	int error, i;

	if ((error = fd_table_new(k, &fd)) != 0)
		return error;
	mutex_enter(&from->fd_lock);
	if (from->fd_lastfile >= fd->fd_nfiles &&
	    (error = fd_grow(k, fd, from->fd_lastfile)) != 0) {
		mutex_exit(&from->fd_lock);
		fd_table_free(k, fd);
		return error;
	}
	for (i = 0; i <= from->fd_lastfile; i++) {
		struct fdentry *fe = &from->fd_ofiles[i];
		if (fe->fe_file == NULL)
			continue;
		file_hold(fe->fe_file);
		fd->fd_ofiles[i].fe_file = fe->fe_file;
		fd->fd_ofiles[i].fe_flags = fe->fe_flags & FE_CLOEXEC;
		fd->fd_lastfile = i;
	}
	mutex_exit(&from->fd_lock);
	*fdp = fd;
	return 0;
}

void
fd_table_free(struct kern *k, struct filedesc *fd)
{
	int i;

	if (atomic_fetch_sub(&fd->fd_ref, 1) != 1)
		return;
	for (i = 0; i <= fd->fd_lastfile; i++) {
		struct file *fp = fd->fd_ofiles[i].fe_file;
		if (fp != NULL) {
			fd->fd_ofiles[i].fe_file = NULL;
			fd_closed(NULL, fp);
		}
	}
	if (fd->fd_ofiles != fd->fd_small)
		kmem_free(k, fd->fd_ofiles, sizeof(struct fdentry) * (size_t)fd->fd_nfiles);
	mutex_destroy(&fd->fd_lock);
	kmem_free(k, fd, sizeof(*fd));
}

static int
fd_limit(struct proc *p)
{
	uint64_t lim = p->p_rlimit[RLIMIT_NOFILE].rlim_cur;

	if (lim > (uint64_t)p->p_kern->k_maxfiles)
		lim = (uint64_t)p->p_kern->k_maxfiles;
	return (int)lim;
}

/* Finds and reserves the lowest free slot >= want.  Called with fd_lock held. */
static int
fd_alloc_locked(struct proc *p, int want, int *result)
{
	struct filedesc *fd = p->p_fd;
	int lim = fd_limit(p), i, error;

	if (want < 0 || want >= lim)
		return want < 0 ? EINVAL : EMFILE;
	for (i = want; i < fd->fd_nfiles; i++)
		if (fd->fd_ofiles[i].fe_file == NULL && !(fd->fd_ofiles[i].fe_flags & FE_RESERVED))
			break;
	if (i >= lim)
		return EMFILE;
	if (i >= fd->fd_nfiles && (error = fd_grow(p->p_kern, fd, i)) != 0)
		return error;
	fd->fd_ofiles[i].fe_flags = FE_RESERVED;
	if (i > fd->fd_lastfile)
		fd->fd_lastfile = i;
	*result = i;
	return 0;
}

int
fd_allocfile(struct lwp *l, struct file **fpp, int *fdp)
{
	struct proc *p = l->l_proc;
	struct kern *k = p->p_kern;
	struct file *fp;
	int error;

	/* kern.maxfiles bounds the open files of the whole kernel (NetBSD's nfiles) */
	if (atomic_fetch_add(&k->k_nfiles, 1) >= k->k_maxfiles) {
		atomic_fetch_sub(&k->k_nfiles, 1);
		return ENFILE;
	}
	if ((fp = kmem_zalloc(k, sizeof(*fp))) == NULL) {
		atomic_fetch_sub(&k->k_nfiles, 1);
		return ENOMEM;
	}
	mutex_enter(&p->p_fd->fd_lock);
	error = fd_alloc_locked(p, 0, fdp);
	mutex_exit(&p->p_fd->fd_lock);
	if (error != 0) {
		kmem_free(k, fp, sizeof(*fp));
		atomic_fetch_sub(&k->k_nfiles, 1);
		return error;
	}
	fp->f_kern = k;
	atomic_init(&fp->f_count, 1);
	mutex_init(&fp->f_lock, k);
	fp->f_cred = lwp_cred(l);
	cred_hold(fp->f_cred);
	*fpp = fp;
	return 0;
}

void
fd_affix(struct lwp *l, struct file *fp, int fdn)
{
	struct filedesc *fd = l->l_proc->p_fd;

	mutex_enter(&fd->fd_lock);
	fd->fd_ofiles[fdn].fe_file = fp;
	fd->fd_ofiles[fdn].fe_flags &= ~FE_RESERVED;
	mutex_exit(&fd->fd_lock);
}

void
fd_abort(struct lwp *l, struct file *fp, int fdn)
{
	struct filedesc *fd = l->l_proc->p_fd;
	struct kern *k = l->l_kern;

	mutex_enter(&fd->fd_lock);
	fd->fd_ofiles[fdn].fe_file = NULL;
	fd->fd_ofiles[fdn].fe_flags = 0;
	mutex_exit(&fd->fd_lock);
	if (fp != NULL) {
		cred_free(k, fp->f_cred);
		mutex_destroy(&fp->f_lock);
		kmem_free(k, fp, sizeof(*fp));
		atomic_fetch_sub(&k->k_nfiles, 1);
	}
}

void
file_hold(struct file *fp)
{
	atomic_fetch_add_explicit(&fp->f_count, 1, memory_order_relaxed);
}

int
file_release(struct file *fp)
{
	struct kern *k = fp->f_kern;
	int error = 0;

	if (atomic_fetch_sub_explicit(&fp->f_count, 1, memory_order_acq_rel) != 1)
		return 0;
	if (fp->f_ops != NULL && fp->f_ops->fo_close != NULL)
		error = fp->f_ops->fo_close(fp);
	cred_free(k, fp->f_cred);
	mutex_destroy(&fp->f_lock);
	kmem_free(k, fp, sizeof(*fp));
	atomic_fetch_sub(&k->k_nfiles, 1);
	return error;
}

int
fd_getfile(struct lwp *l, int fdn, struct file **fpp)
{
	struct filedesc *fd = l->l_proc->p_fd;
	struct file *fp = NULL;

	mutex_enter(&fd->fd_lock);
	if (fdn >= 0 && fdn < fd->fd_nfiles && (fp = fd->fd_ofiles[fdn].fe_file) != NULL)
		file_hold(fp);
	mutex_exit(&fd->fd_lock);
	if (fp == NULL)
		return EBADF;
	*fpp = fp;
	return 0;
}

void
fd_putfile(struct file *fp)
{
	file_release(fp);
}

void
fd_setcloexec(struct lwp *l, int fdn, bool on)
{
	struct filedesc *fd = l->l_proc->p_fd;

	mutex_enter(&fd->fd_lock);
	if (fdn >= 0 && fdn < fd->fd_nfiles && fd->fd_ofiles[fdn].fe_file != NULL) {
		if (on)
			fd->fd_ofiles[fdn].fe_flags |= FE_CLOEXEC;
		else
			fd->fd_ofiles[fdn].fe_flags &= ~FE_CLOEXEC;
	}
	mutex_exit(&fd->fd_lock);
}

int
fd_close(struct lwp *l, int fdn)
{
	struct filedesc *fd = l->l_proc->p_fd;
	struct file *fp = NULL;

	mutex_enter(&fd->fd_lock);
	if (fdn >= 0 && fdn < fd->fd_nfiles && (fp = fd->fd_ofiles[fdn].fe_file) != NULL) {
		fd->fd_ofiles[fdn].fe_file = NULL;
		fd->fd_ofiles[fdn].fe_flags = 0;
	}
	mutex_exit(&fd->fd_lock);
	if (fp == NULL)
		return EBADF;
	return fd_closed(l->l_proc, fp);
}

/* Installs fp at exactly slot `to` (closing what was there) or at the lowest free slot
 * >= `to` if !exact.  Takes a new reference on fp. */
static int
fd_dup(struct lwp *l, struct file *fp, int to, bool exact, bool cloexec, int *result)
{
	struct proc *p = l->l_proc;
	struct filedesc *fd = p->p_fd;
	struct file *old = NULL;
	int error = 0, n = to;

	mutex_enter(&fd->fd_lock);
	if (exact) {
		if (to < 0 || to >= fd_limit(p))
			error = EBADF;
		else if (to >= fd->fd_nfiles)
			error = fd_grow(p->p_kern, fd, to);
		if (error == 0 && (fd->fd_ofiles[to].fe_flags & FE_RESERVED))
			error = EBUSY;
		if (error == 0) {
			old = fd->fd_ofiles[to].fe_file;
			if (to > fd->fd_lastfile)
				fd->fd_lastfile = to;
		}
	} else
		error = fd_alloc_locked(p, to, &n);
	if (error == 0) {
		file_hold(fp);
		fd->fd_ofiles[n].fe_file = fp;
		fd->fd_ofiles[n].fe_flags = cloexec ? FE_CLOEXEC : 0;
	}
	mutex_exit(&fd->fd_lock);
	if (old != NULL)
		fd_closed(p, old);
	*result = n;
	return error;
}

/* ---------------------------------------------------------------- syscalls */

int
sys_close(struct lwp *l, const struct sys_close_args *uap, register_t *retval)
{
	(void)retval;
	return fd_close(l, SCARG(uap, fd));
}

int
sys_dup(struct lwp *l, const struct sys_dup_args *uap, register_t *retval)
{
	struct file *fp;
	int error, n;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	error = fd_dup(l, fp, 0, false, false, &n);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = n;
	return error;
}

static int
dodup3(struct lwp *l, int from, int to, int flags, register_t *retval)
{
	struct file *fp;
	int error, n;

	if ((error = fd_getfile(l, from, &fp)) != 0)
		return error;
	if (from == to) {
		fd_putfile(fp);
		retval[0] = to;
		return 0;
	}
	error = fd_dup(l, fp, to, true, (flags & O_CLOEXEC) != 0, &n);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = n;
	return error;
}

int
sys_dup2(struct lwp *l, const struct sys_dup2_args *uap, register_t *retval)
{
	return dodup3(l, SCARG(uap, from), SCARG(uap, to), 0, retval);
}

int
sys_dup3(struct lwp *l, const struct sys_dup3_args *uap, register_t *retval)
{
	int flags = SCARG(uap, flags);

	if ((flags & ~(O_CLOEXEC | O_NOSIGPIPE)) != 0 || SCARG(uap, from) == SCARG(uap, to))
		return EINVAL;
	return dodup3(l, SCARG(uap, from), SCARG(uap, to), flags, retval);
}

int
sys_fcntl(struct lwp *l, const struct sys_fcntl_args *uap, register_t *retval)
{
	struct filedesc *fd = l->l_proc->p_fd;
	int fdn = SCARG(uap, fd), cmd = SCARG(uap, cmd), error, n, i;
	intptr_t arg = (intptr_t)SCARG(uap, arg);
	struct file *fp;

	if (cmd == F_CLOSEM) {
		if (fdn < 0)
			return EBADF;
		for (i = fdn; i <= fd->fd_lastfile; i++)
			(void)fd_close(l, i);
		return 0;
	}
	if (cmd == F_MAXFD) {
		mutex_enter(&fd->fd_lock);
		for (n = fd->fd_lastfile; n >= 0 && fd->fd_ofiles[n].fe_file == NULL; n--)
			continue;
		mutex_exit(&fd->fd_lock);
		retval[0] = n;
		return 0;
	}
	if ((error = fd_getfile(l, fdn, &fp)) != 0)
		return error;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= fd_limit(l->l_proc)) {
			error = EINVAL;
			break;
		}
		error = fd_dup(l, fp, (int)arg, false, cmd == F_DUPFD_CLOEXEC, &n);
		if (error == 0)
			retval[0] = n;
		break;
	case F_GETFD:
		mutex_enter(&fd->fd_lock);
		retval[0] = (fd->fd_ofiles[fdn].fe_flags & FE_CLOEXEC) ? FD_CLOEXEC : 0;
		mutex_exit(&fd->fd_lock);
		break;
	case F_SETFD:
		fd_setcloexec(l, fdn, (arg & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		retval[0] = OFLAGS(fp->f_flag) & (O_ACCMODE | FCNTLFLAGS);
		break;
	case F_SETFL:
		mutex_enter(&fp->f_lock);
		fp->f_flag = (fp->f_flag & ~(unsigned)FCNTLFLAGS) |
		    ((unsigned)FFLAGS((int)arg) & (unsigned)FCNTLFLAGS);
		mutex_exit(&fp->f_lock);
		break;
	case F_GETOWN:		/* NetBSD: the file's FIOGETOWN / FIOSETOWN */
	case F_SETOWN:
		if (fp->f_ops == NULL || fp->f_ops->fo_ioctl == NULL) {
			error = EINVAL;
			break;
		}
		n = (int)arg;
		error = fp->f_ops->fo_ioctl(fp, cmd == F_GETOWN ? FIOGETOWN : FIOSETOWN, &n);
		if (error == 0 && cmd == F_GETOWN)
			retval[0] = n;
		break;
	case F_GETNOSIGPIPE:
		retval[0] = (fp->f_flag & O_NOSIGPIPE) != 0;
		break;
	case F_SETNOSIGPIPE:
		mutex_enter(&fp->f_lock);
		if (arg)
			fp->f_flag |= O_NOSIGPIPE;
		else
			fp->f_flag &= ~(unsigned)O_NOSIGPIPE;
		mutex_exit(&fp->f_lock);
		break;
	default:
		if (fp->f_ops != NULL && fp->f_ops->fo_fcntl != NULL)
			error = fp->f_ops->fo_fcntl(fp, cmd, (void *)arg);
		else
			error = EINVAL;
	}
	fd_putfile(fp);
	return error;
}

/* read and write share this: one direction, an iovec array already in kernel memory. */
static int
dofileio(struct lwp *l, int fdn, struct nb_iovec *iov, int iovcnt, enum uio_rw rw,
    register_t *retval)
{
	struct uio uio;
	struct file *fp;
	size_t total = 0, cnt;
	int error, i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return EINVAL;
		total += iov[i].iov_len;
	}
	if ((error = fd_getfile(l, fdn, &fp)) != 0)
		return error;
	if (!(fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE))) {
		fd_putfile(fp);
		return EBADF;
	}
	uio.uio_iov = iov;
	uio.uio_iovcnt = iovcnt;
	/* a hint only (devices start there): vnodes read *offset again under their lock */
	uio.uio_offset = __atomic_load_n(&fp->f_offset, __ATOMIC_RELAXED);
	uio.uio_resid = total;
	uio.uio_rw = rw;
	uio.uio_user = true;
	if (rw == UIO_READ)
		error = (fp->f_ops && fp->f_ops->fo_read) ?
		    fp->f_ops->fo_read(fp, &fp->f_offset, &uio, FOF_UPDATE_OFFSET) : EOPNOTSUPP;
	else
		error = (fp->f_ops && fp->f_ops->fo_write) ?
		    fp->f_ops->fo_write(fp, &fp->f_offset, &uio, FOF_UPDATE_OFFSET) : EOPNOTSUPP;
	cnt = total - uio.uio_resid;
	/* a partial transfer that was interrupted or would block still counts */
	if (error != 0 && cnt != 0 && (error == EINTR || error == EWOULDBLOCK))
		error = 0;
	/* EPIPE posts SIGPIPE unless the file says FNOSIGPIPE (NetBSD's dofilewrite) */
	if (error == EPIPE && rw == UIO_WRITE &&
	    !(__atomic_load_n(&fp->f_flag, __ATOMIC_RELAXED) & O_NOSIGPIPE)) {
		fd_putfile(fp);
		kern_psignal(l->l_proc, NB_SIGPIPE);
		return error;
	}
	fd_putfile(fp);
	if (error == 0)
		retval[0] = (register_t)cnt;
	return error;
}

int
sys_read(struct lwp *l, const struct sys_read_args *uap, register_t *retval)
{
	struct nb_iovec iov = { SCARG(uap, buf), SCARG(uap, nbyte) };

	return dofileio(l, SCARG(uap, fd), &iov, 1, UIO_READ, retval);
}

int
sys_write(struct lwp *l, const struct sys_write_args *uap, register_t *retval)
{
	struct nb_iovec iov = { (void *)(uintptr_t)SCARG(uap, buf), SCARG(uap, nbyte) };

	return dofileio(l, SCARG(uap, fd), &iov, 1, UIO_WRITE, retval);
}

static int
dofileiov(struct lwp *l, int fdn, const void *uiov, int iovcnt, enum uio_rw rw,
    register_t *retval)
{
	struct nb_iovec small[8], *iov = small;
	size_t sz;
	int error;

	if (iovcnt <= 0 || iovcnt > IOV_MAX)
		return EINVAL;
	sz = sizeof(*iov) * (size_t)iovcnt;
	if (iovcnt > 8 && (iov = kmem_alloc(l->l_kern, sz)) == NULL)
		return ENOMEM;
	if ((error = copyin(uiov, iov, sz)) == 0)
		error = dofileio(l, fdn, iov, iovcnt, rw, retval);
	if (iov != small)
		kmem_free(l->l_kern, iov, sz);
	return error;
}

int
sys_readv(struct lwp *l, const struct sys_readv_args *uap, register_t *retval)
{
	return dofileiov(l, SCARG(uap, fd), SCARG(uap, iovp), SCARG(uap, iovcnt), UIO_READ, retval);
}

int
sys_writev(struct lwp *l, const struct sys_writev_args *uap, register_t *retval)
{
	return dofileiov(l, SCARG(uap, fd), SCARG(uap, iovp), SCARG(uap, iovcnt), UIO_WRITE, retval);
}

#define IOCPARM_LEN(x)	(((x) >> IOCPARM_SHIFT) & IOCPARM_MASK)

int
sys_ioctl(struct lwp *l, const struct sys_ioctl_args *uap, register_t *retval)
{
	unsigned long com = SCARG(uap, com);
	void *udata = SCARG(uap, data);
	size_t size = IOCPARM_LEN(com);
	union {
		char buf[128];
		void *ptr;
		int i;
	} small;
	void *data = &small;
	struct file *fp;
	int error, tmp;

	(void)retval;
	if (size > IOCPARM_MAX)
		return ENOTTY;
	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (!(fp->f_flag & (FREAD | FWRITE))) {
		fd_putfile(fp);
		return EBADF;
	}
	switch (com) {
	case FIOCLEX:
	case FIONCLEX:
		fd_setcloexec(l, SCARG(uap, fd), com == FIOCLEX);
		fd_putfile(fp);
		return 0;
	}
	if (size > sizeof(small) && (data = kmem_zalloc(l->l_kern, size)) == NULL) {
		fd_putfile(fp);
		return ENOMEM;
	}
	memset(data, 0, size < sizeof(small) ? sizeof(small) : size);
	if (com & IOC_IN) {
		if (size != 0)
			error = copyin(udata, data, size);
		else
			*(void **)data = udata;
	} else if ((com & IOC_VOID) && size == 0)
		*(void **)data = udata;
	if (error == 0) {
		switch (com) {
		case FIONBIO:
		case FIOASYNC:
			tmp = *(int *)data;
			mutex_enter(&fp->f_lock);
			if (tmp)
				fp->f_flag |= (com == FIONBIO) ? FNONBLOCK : FASYNC;
			else
				fp->f_flag &= ~(unsigned)((com == FIONBIO) ? FNONBLOCK : FASYNC);
			mutex_exit(&fp->f_lock);
			/* the object may want to know too; not caring is fine */
			if (fp->f_ops && fp->f_ops->fo_ioctl &&
			    fp->f_ops->fo_ioctl(fp, com, data) == 0)
				break;
			error = 0;
			break;
		default:
			error = (fp->f_ops && fp->f_ops->fo_ioctl) ?
			    fp->f_ops->fo_ioctl(fp, com, data) : ENOTTY;
		}
	}
	if (error == 0 && (com & IOC_OUT) && size != 0)
		error = copyout(data, udata, size);
	if (data != &small)
		kmem_free(l->l_kern, data, size);
	fd_putfile(fp);
	return error;
}

struct nb_pollfd {
	int fd;
	short events, revents;
};

static int
poll_scan(struct lwp *l, struct nb_pollfd *fds, unsigned nfds)
{
	unsigned i;
	int n = 0;

	for (i = 0; i < nfds; i++) {
		struct file *fp;
		int ev = fds[i].events, rev = 0;

		if (fds[i].fd < 0) {
			fds[i].revents = 0;
			continue;
		}
		if (fd_getfile(l, fds[i].fd, &fp) != 0)
			rev = POLLNVAL;
		else {
			if (fp->f_ops && fp->f_ops->fo_poll)
				rev = fp->f_ops->fo_poll(fp, ev | POLLERR | POLLHUP);
			else {
				if (fp->f_flag & FREAD)
					rev |= ev & (POLLIN | POLLRDNORM);
				if (fp->f_flag & FWRITE)
					rev |= ev & (POLLOUT | POLLWRNORM);
			}
			fd_putfile(fp);
		}
		fds[i].revents = (short)rev;
		if (rev != 0)
			n++;
	}
	return n;
}

/* Waits until some of fds (kernel memory) are ready or the deadline passes: deadline 0 =
 * wait forever, UINT64_MAX = don't wait.  *np gets the number of ready entries. */
static int
poll_wait(struct lwp *l, struct nb_pollfd *fds, unsigned nfds, uint64_t deadline, int *np)
{
	struct kern *k = l->l_kern;
	int error = 0, n;

	atomic_fetch_add(&k->k_pollers, 1);	/* before the scan: kern_pollnotify */
	for (;;) {
		unsigned gen = atomic_load(&k->k_pollgen);

		if ((n = poll_scan(l, fds, nfds)) > 0 || deadline == UINT64_MAX)
			break;
		if (deadline != 0 && hyp_clock_mono() >= deadline)
			break;
		error = cv_timedwait_gen(&k->k_pollcv, NULL, deadline, &k->k_pollgen, gen);
		if (error == EWOULDBLOCK) {
			error = 0;
			n = poll_scan(l, fds, nfds);
			break;
		}
		if (error != 0)
			break;
	}
	atomic_fetch_sub(&k->k_pollers, 1);
	if (error != 0)
		return error;
	*np = n;
	return 0;
}

static int
dopoll(struct lwp *l, void *ufds, unsigned nfds, uint64_t deadline, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct nb_pollfd small[32], *fds = small;
	size_t sz = sizeof(*fds) * nfds;
	int error, n;

	if (nfds > (unsigned)(1000 + l->l_proc->p_fd->fd_nfiles))
		return EINVAL;
	if (nfds > 32 && (fds = kmem_alloc(k, sz)) == NULL)
		return ENOMEM;
	if ((error = copyin(ufds, fds, sz)) == 0 &&
	    (error = poll_wait(l, fds, nfds, deadline, &n)) == 0 &&
	    (error = copyout(fds, ufds, sz)) == 0)
		retval[0] = n;
	if (fds != small)
		kmem_free(k, fds, sz);
	return error;
}

/* select: the three fd_sets (NetBSD: 32-bit words) become a pollfd array.  Readable is
 * POLLRDNORM|POLLHUP|POLLERR, writable POLLWRNORM|POLLHUP|POLLERR, exceptional
 * POLLRDBAND.  A descriptor in a set that is not open is EBADF. */
#define SEL_IN	(POLLRDNORM | POLLHUP | POLLERR)
#define SEL_OU	(POLLWRNORM | POLLHUP | POLLERR)
#define SEL_EX	(POLLRDBAND)
static int
doselect(struct lwp *l, int nd, void *uin, void *uou, void *uex, uint64_t deadline,
    register_t *retval)
{
	struct kern *k = l->l_kern;
	void *usets[3] = { uin, uou, uex };
	static const int evs[3] = { SEL_IN, SEL_OU, SEL_EX };
	uint32_t *bits;
	struct nb_pollfd *fds;
	size_t words, bsz, fsz;
	int error = 0, i, s, n, nfds = 0, count = 0;

	if (nd < 0)
		return EINVAL;
	if (nd > l->l_proc->p_fd->fd_nfiles)
		nd = l->l_proc->p_fd->fd_nfiles;	/* NetBSD forgives this too */
	words = ((size_t)nd + 31) / 32;
	bsz = words * 4 * 3;
	fsz = sizeof(*fds) * (size_t)(nd ? nd : 1);
	if ((bits = kmem_zalloc(k, bsz ? bsz : 4)) == NULL)
		return ENOMEM;
	if ((fds = kmem_alloc(k, fsz)) == NULL) {
		kmem_free(k, bits, bsz ? bsz : 4);
		return ENOMEM;
	}
	for (s = 0; s < 3 && error == 0; s++)
		if (usets[s] != NULL)
			error = copyin(usets[s], bits + s * words, words * 4);
	for (i = 0; i < nd && error == 0; i++) {
		int ev = 0;
		for (s = 0; s < 3; s++)
			if (bits[s * words + (size_t)i / 32] & (1u << (i % 32)))
				ev |= evs[s];
		if (ev == 0)
			continue;
		fds[nfds].fd = i;
		fds[nfds].events = (short)ev;
		fds[nfds].revents = 0;
		nfds++;
	}
	if (error == 0)
		error = poll_wait(l, fds, (unsigned)nfds, deadline, &n);
	if (error == 0) {
		memset(bits, 0, bsz);
		for (i = 0; i < nfds && error == 0; i++) {
			int fd = fds[i].fd, rev = fds[i].revents;
			if (rev & POLLNVAL) {
				error = EBADF;
				break;
			}
			for (s = 0; s < 3; s++)
				if ((fds[i].events & evs[s]) && (rev & evs[s] & fds[i].events)) {
					bits[s * words + (size_t)fd / 32] |= 1u << (fd % 32);
					count++;
				}
		}
	}
	for (s = 0; s < 3 && error == 0; s++)
		if (usets[s] != NULL)
			error = copyout(bits + s * words, usets[s], words * 4);
	if (error == 0)
		retval[0] = count;
	kmem_free(k, fds, fsz);
	kmem_free(k, bits, bsz ? bsz : 4);
	return error;
}

int
sys___select50(struct lwp *l, const struct sys___select50_args *uap, register_t *retval)
{
	struct { int64_t tv_sec; int32_t tv_usec; int32_t pad; } tv;
	uint64_t deadline = 0;
	int error;

	if (SCARG(uap, tv) != NULL) {
		if ((error = copyin(SCARG(uap, tv), &tv, sizeof(tv))) != 0)
			return error;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return EINVAL;
		deadline = (tv.tv_sec == 0 && tv.tv_usec == 0) ? UINT64_MAX :
		    hyp_clock_mono() + (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
	}
	return doselect(l, SCARG(uap, nd), SCARG(uap, in), SCARG(uap, ou), SCARG(uap, ex),
	    deadline, retval);
}

int
sys___pselect50(struct lwp *l, const struct sys___pselect50_args *uap, register_t *retval)
{
	struct nb_timespec ts;
	uint64_t deadline = 0;
	int error;

	/* XXX: the signal mask is ignored: rump kernels deliver no signals to callers */
	if (SCARG(uap, ts) != NULL) {
		if ((error = copyin(SCARG(uap, ts), &ts, sizeof(ts))) != 0)
			return error;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return EINVAL;
		deadline = (ts.tv_sec == 0 && ts.tv_nsec == 0) ? UINT64_MAX :
		    hyp_clock_mono() + (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	return doselect(l, SCARG(uap, nd), SCARG(uap, in), SCARG(uap, ou), SCARG(uap, ex),
	    deadline, retval);
}

/* posix_fadvise returns its error as the value (NOERR).  Advice is only checked: no file
 * type of ours has a cache to steer. */
int
sys___posix_fadvise50(struct lwp *l, const struct sys___posix_fadvise50_args *uap,
    register_t *retval)
{
	struct file *fp;
	int advice = SCARG(uap, advice), error;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) == 0) {
		if (fp->f_type != DTYPE_VNODE)
			error = ESPIPE;
		else if (advice < 0 || advice > 5 || SCARG(uap, len) < 0)
			error = EINVAL;
		fd_putfile(fp);
	}
	retval[0] = error;
	return 0;
}

int
sys_poll(struct lwp *l, const struct sys_poll_args *uap, register_t *retval)
{
	int timeout = SCARG(uap, timeout);
	uint64_t deadline;

	if (timeout < INFTIM)
		return EINVAL;
	if (timeout == INFTIM)
		deadline = 0;
	else if (timeout == 0)
		deadline = UINT64_MAX;
	else
		deadline = hyp_clock_mono() + (uint64_t)timeout * 1000000u;
	return dopoll(l, SCARG(uap, fds), SCARG(uap, nfds), deadline, retval);
}

int
sys___pollts50(struct lwp *l, const struct sys___pollts50_args *uap, register_t *retval)
{
	struct nb_timespec ts;
	uint64_t deadline = 0;
	int error;

	/* XXX: the signal mask is ignored: rump kernels deliver no signals to callers */
	if (SCARG(uap, ts) != NULL) {
		if ((error = copyin(SCARG(uap, ts), &ts, sizeof(ts))) != 0)
			return error;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return EINVAL;
		if (ts.tv_sec == 0 && ts.tv_nsec == 0)
			deadline = UINT64_MAX;
		else
			deadline = hyp_clock_mono() + (uint64_t)ts.tv_sec * 1000000000u +
			    (uint64_t)ts.tv_nsec;
	}
	return dopoll(l, SCARG(uap, fds), SCARG(uap, nfds), deadline, retval);
}

int
sys___fstat50(struct lwp *l, const struct sys___fstat50_args *uap, register_t *retval)
{
	struct nb_stat st;
	struct file *fp;
	int error;

	(void)retval;
	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	memset(&st, 0, sizeof(st));
	if (fp->f_ops && fp->f_ops->fo_stat)
		error = fp->f_ops->fo_stat(fp, &st);
	else {
		st.st_mode = fp->f_type == DTYPE_SOCKET ? S_IFSOCK :
		    fp->f_type == DTYPE_PIPE ? S_IFIFO : 0;
		st.st_uid = fp->f_cred->cr_euid;
		st.st_gid = fp->f_cred->cr_egid;
	}
	fd_putfile(fp);
	if (error == 0)
		error = copyout(&st, SCARG(uap, sb), sizeof(st));
	return error;
}

_Static_assert(sizeof(struct nb_stat) == 152, "NetBSD struct stat is 152 bytes");
_Static_assert(offsetof(struct nb_stat, st_size) == 112, "st_size at 112");
_Static_assert(offsetof(struct nb_stat, st_spare) == 140, "st_spare at 140");
_Static_assert(sizeof(struct nb_pollfd) == 8, "pollfd is 8 bytes");
