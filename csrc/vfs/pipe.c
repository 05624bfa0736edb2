/*
 * pipe.c: pipes (pipe2) and fifos, NetBSD semantics.
 *
 * A pipe is a ring buffer of PIPE_SIZE bytes (allocated at the first write) with counts
 * of open read and write ends.  pipe2 makes one with two files: fd[0] reads, fd[1]
 * writes.  A fifo vnode gets a pipe at its first open (v_fifo); each opener counts as a
 * reader and/or writer and the pipe goes when the last one closes (data included).
 *
 * - read: data if any; else EOF (0) when no writer is left; else EAGAIN (non-blocking)
 *   or sleep.
 * - write: EPIPE when no reader is left (rump kernels send no SIGPIPE).  Writes of at
 *   most PIPE_BUF bytes are atomic: they wait for room for all of it.  Longer ones move
 *   what fits and continue; a non-blocking one returns the count moved, or EAGAIN.
 * - poll: readable with data or at EOF (POLLHUP too); writable with PIPE_BUF free bytes;
 *   POLLHUP for a write end without readers.  Every change calls kern_pollnotify().
 * - fifo open: a reader waits for a writer and a writer for a reader unless O_NONBLOCK:
 *   then a reader opens at once and a writer fails with ENXIO if there is no reader.
 *   O_RDWR never waits.
 *
 * Locking: pp_lock guards the pipe; sleepers wait on pp_cv with it as the interlock.  The
 * VFS lock, when both are needed, is taken first.
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

#define PIPE_SIZE	16384

struct pipe {
	kmutex_t pp_lock;
	kcondvar_t pp_cv;
	struct kern *pp_kern;
	char *pp_buf;
	size_t pp_start, pp_cnt;
	int pp_readers, pp_writers;	/* open ends */
	int pp_refs;			/* files, plus one for a fifo vnode */
	unsigned pp_rgen, pp_wgen;	/* reader/writer opens so far (fifo waits) */
};

static int
pipe_alloc(struct kern *k, struct pipe **pp)
{
	struct pipe *pi = kmem_zalloc(k, sizeof(*pi));

	if (pi == NULL)
		return ENOMEM;
	mutex_init(&pi->pp_lock, k);
	cv_init(&pi->pp_cv, k);
	pi->pp_kern = k;
	*pp = pi;
	return 0;
}

static void
pipe_free(struct pipe *pi)
{
	struct kern *k = pi->pp_kern;

	if (pi->pp_buf != NULL)
		kmem_free(k, pi->pp_buf, PIPE_SIZE);
	cv_destroy(&pi->pp_cv);
	mutex_destroy(&pi->pp_lock);
	kmem_free(k, pi, sizeof(*pi));
}

static void
pipe_changed(struct pipe *pi)
{
	cv_broadcast(&pi->pp_cv);
	kern_pollnotify(pi->pp_kern);
}

static int
pipe_rw_read(struct pipe *pi, struct uio *uio, bool nonblock)
{
	int error = 0;

	mutex_enter(&pi->pp_lock);
	while (pi->pp_cnt == 0) {
		if (pi->pp_writers == 0 || uio->uio_resid == 0)
			goto out;		/* EOF */
		if (nonblock) {
			error = EAGAIN;
			goto out;
		}
		if ((error = cv_wait(&pi->pp_cv, &pi->pp_lock)) != 0)
			goto out;
	}
	while (uio->uio_resid > 0 && pi->pp_cnt > 0) {
		size_t n = PIPE_SIZE - pi->pp_start;
		if (n > pi->pp_cnt)
			n = pi->pp_cnt;
		if (n > uio->uio_resid)
			n = uio->uio_resid;
		if ((error = uiomove(pi->pp_buf + pi->pp_start, n, uio)) != 0)
			break;
		pi->pp_start = (pi->pp_start + n) % PIPE_SIZE;
		pi->pp_cnt -= n;
	}
	if (pi->pp_cnt == 0)
		pi->pp_start = 0;
	pipe_changed(pi);
out:
	mutex_exit(&pi->pp_lock);
	return error;
}

static int
pipe_rw_write(struct pipe *pi, struct uio *uio, bool nonblock)
{
	size_t start = uio->uio_resid;
	bool atomic = uio->uio_resid <= PIPE_BUF;
	int error = 0;

	mutex_enter(&pi->pp_lock);
	if (pi->pp_buf == NULL && uio->uio_resid > 0 &&
	    (pi->pp_buf = kmem_alloc(pi->pp_kern, PIPE_SIZE)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	while (uio->uio_resid > 0) {
		size_t space, n, end;

		if (pi->pp_readers == 0) {
			error = EPIPE;
			break;
		}
		space = PIPE_SIZE - pi->pp_cnt;
		if (space == 0 || (atomic && space < uio->uio_resid)) {
			if (nonblock) {
				error = EAGAIN;
				break;
			}
			if ((error = cv_wait(&pi->pp_cv, &pi->pp_lock)) != 0)
				break;
			continue;
		}
		end = (pi->pp_start + pi->pp_cnt) % PIPE_SIZE;
		n = PIPE_SIZE - end;
		if (n > space)
			n = space;
		if (n > uio->uio_resid)
			n = uio->uio_resid;
		if ((error = uiomove(pi->pp_buf + end, n, uio)) != 0)
			break;
		pi->pp_cnt += n;
		pipe_changed(pi);
	}
out:
	mutex_exit(&pi->pp_lock);
	/* the caller turns EAGAIN after a partial transfer into the count; EPIPE stays */
	(void)start;
	return error;
}

static int
pipe_poll_ends(struct pipe *pi, unsigned fflag, int events)
{
	int rev = 0;

	mutex_enter(&pi->pp_lock);
	if (fflag & FREAD) {
		if (pi->pp_cnt > 0 || pi->pp_writers == 0)
			rev |= events & (POLLIN | POLLRDNORM);
		if (pi->pp_writers == 0)
			rev |= POLLHUP;
	}
	if (fflag & FWRITE) {
		if (pi->pp_readers == 0)
			rev |= POLLHUP;
		else if (PIPE_SIZE - pi->pp_cnt >= PIPE_BUF)
			rev |= events & (POLLOUT | POLLWRNORM);
	}
	mutex_exit(&pi->pp_lock);
	return rev;
}

/* Drops an open end; returns true when the pipe has no references left. */
static bool
pipe_close_end(struct pipe *pi, unsigned fflag)
{
	bool last;

	mutex_enter(&pi->pp_lock);
	if (fflag & FREAD)
		pi->pp_readers--;
	if (fflag & FWRITE)
		pi->pp_writers--;
	last = (--pi->pp_refs == 0);
	pipe_changed(pi);
	mutex_exit(&pi->pp_lock);
	return last;
}

/* ---------------------------------------------------------------- pipe2 files */

static int
pipe_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pipe_rw_read(fp->f_data, uio, (fp->f_flag & FNONBLOCK) != 0);
}

static int
pipe_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pipe_rw_write(fp->f_data, uio, (fp->f_flag & FNONBLOCK) != 0);
}

static int
pipe_poll(struct file *fp, int events)
{
	return pipe_poll_ends(fp->f_data, fp->f_flag, events);
}

static int
pipe_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct pipe *pi = fp->f_data;

	switch (cmd) {
	case FIONREAD:
		mutex_enter(&pi->pp_lock);
		*(int *)data = (fp->f_flag & FREAD) ? (int)pi->pp_cnt : 0;
		mutex_exit(&pi->pp_lock);
		return 0;
	case FIONWRITE:
		mutex_enter(&pi->pp_lock);
		*(int *)data = (fp->f_flag & FWRITE) ? (int)pi->pp_cnt : 0;
		mutex_exit(&pi->pp_lock);
		return 0;
	case FIONSPACE:
		mutex_enter(&pi->pp_lock);
		*(int *)data = (fp->f_flag & FWRITE) ? (int)(PIPE_SIZE - pi->pp_cnt) : 0;
		mutex_exit(&pi->pp_lock);
		return 0;
	case FIONBIO:
	case FIOASYNC:
		return 0;
	default:
		return ENOTTY;
	}
}

static int
pipe_stat(struct file *fp, struct nb_stat *st)
{
	struct pipe *pi = fp->f_data;
	uint64_t ns = kern_realtime(fp->f_kern);

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | S_IRUSR | S_IWUSR;
	st->st_nlink = 1;
	st->st_uid = fp->f_cred->cr_euid;
	st->st_gid = fp->f_cred->cr_egid;
	st->st_blksize = PIPE_SIZE;
	mutex_enter(&pi->pp_lock);
	st->st_size = (nb_off_t)pi->pp_cnt;
	mutex_exit(&pi->pp_lock);
	st->st_ino = (uint64_t)(uintptr_t)pi;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
	    st->st_birthtim.tv_sec = (int64_t)(ns / 1000000000u);
	return 0;
}

static int
pipe_close(struct file *fp)
{
	struct pipe *pi = fp->f_data;

	if (pipe_close_end(pi, fp->f_flag & (FREAD | FWRITE)))
		pipe_free(pi);
	return 0;
}

static const struct fileops pipe_fileops = {
	.fo_read = pipe_read,
	.fo_write = pipe_write,
	.fo_ioctl = pipe_ioctl,
	.fo_poll = pipe_poll,
	.fo_stat = pipe_stat,
	.fo_close = pipe_close,
};

int
sys_pipe2(struct lwp *l, const struct sys_pipe2_args *uap, register_t *retval)
{
	int flags = SCARG(uap, flags), fds[2], error;
	struct file *rf, *wf;
	struct pipe *pi;
	unsigned extra;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_NOSIGPIPE))
		return EINVAL;
	extra = (unsigned)flags & (FNONBLOCK | O_NOSIGPIPE);
	if ((error = pipe_alloc(l->l_kern, &pi)) != 0)
		return error;
	if ((error = fd_allocfile(l, &rf, &fds[0])) != 0) {
		pipe_free(pi);
		return error;
	}
	if ((error = fd_allocfile(l, &wf, &fds[1])) != 0) {
		fd_abort(l, rf, fds[0]);
		pipe_free(pi);
		return error;
	}
	if ((error = copyout(fds, SCARG(uap, fildes), sizeof(fds))) != 0) {
		fd_abort(l, wf, fds[1]);
		fd_abort(l, rf, fds[0]);
		pipe_free(pi);
		return error;
	}
	pi->pp_readers = pi->pp_writers = 1;
	pi->pp_refs = 2;
	rf->f_type = wf->f_type = DTYPE_PIPE;
	rf->f_ops = wf->f_ops = &pipe_fileops;
	rf->f_data = wf->f_data = pi;
	rf->f_flag = FREAD | extra;
	wf->f_flag = FWRITE | extra;
	fd_affix(l, rf, fds[0]);
	fd_affix(l, wf, fds[1]);
	if (flags & O_CLOEXEC) {
		fd_setcloexec(l, fds[0], true);
		fd_setcloexec(l, fds[1], true);
	}
	retval[0] = 0;
	return 0;
}

/* ---------------------------------------------------------------- fifos */

int
pipe_fifo_attach(struct vnode *vp)
{
	struct pipe *pi = vp->v_fifo;
	struct kern *k = kern_cur();
	int error;

	if (pi == NULL) {
		if ((error = pipe_alloc(k, &pi)) != 0)
			return error;
		vp->v_fifo = pi;
	}
	mutex_enter(&pi->pp_lock);
	pi->pp_refs++;
	mutex_exit(&pi->pp_lock);
	return 0;
}

/* vs_lock held; drops the reference pipe_fifo_attach took (or a file's, at close). */
void
pipe_fifo_detach(struct vnode *vp)
{
	struct pipe *pi = vp->v_fifo;
	bool last;

	mutex_enter(&pi->pp_lock);
	last = (--pi->pp_refs == 0);
	mutex_exit(&pi->pp_lock);
	if (last) {
		vp->v_fifo = NULL;
		pipe_free(pi);
	}
}

int
pipe_fifo_open(struct vnode *vp, struct file *fp)
{
	struct pipe *pi = vp->v_fifo;
	unsigned ff = fp->f_flag;
	bool nonblock = (ff & FNONBLOCK) != 0;
	unsigned gen;
	int error = 0;

	mutex_enter(&pi->pp_lock);
	if (ff & FREAD) {
		pi->pp_readers++;
		pi->pp_rgen++;
	}
	if (ff & FWRITE) {
		if (nonblock && !(ff & FREAD) && pi->pp_readers == 0) {
			mutex_exit(&pi->pp_lock);
			return ENXIO;
		}
		pi->pp_writers++;
		pi->pp_wgen++;
	}
	pipe_changed(pi);
	if ((ff & (FREAD | FWRITE)) == FREAD && !nonblock) {
		gen = pi->pp_wgen;
		while (pi->pp_writers == 0 && pi->pp_wgen == gen)
			if ((error = cv_wait(&pi->pp_cv, &pi->pp_lock)) != 0)
				break;
	} else if ((ff & (FREAD | FWRITE)) == FWRITE) {
		gen = pi->pp_rgen;
		while (pi->pp_readers == 0 && pi->pp_rgen == gen)
			if ((error = cv_wait(&pi->pp_cv, &pi->pp_lock)) != 0)
				break;
	}
	if (error != 0) {
		if (ff & FREAD)
			pi->pp_readers--;
		if (ff & FWRITE)
			pi->pp_writers--;
		pipe_changed(pi);
	}
	mutex_exit(&pi->pp_lock);
	return error;
}

static struct pipe *
fifo_pipe(struct file *fp)
{
	return ((struct vnode *)fp->f_data)->v_fifo;
}

static int
fifo_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pipe_rw_read(fifo_pipe(fp), uio, (fp->f_flag & FNONBLOCK) != 0);
}

static int
fifo_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pipe_rw_write(fifo_pipe(fp), uio, (fp->f_flag & FNONBLOCK) != 0);
}

static int
fifo_poll(struct file *fp, int events)
{
	return pipe_poll_ends(fifo_pipe(fp), fp->f_flag, events);
}

static int
fifo_stat(struct file *fp, struct nb_stat *st)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	int error;

	br_enter(&vs->vs_lock);
	error = vn_stat(fp->f_data, st);
	br_exit(&vs->vs_lock);
	return error;
}

static int
fifo_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct pipe *pi = fifo_pipe(fp);

	switch (cmd) {
	case FIONREAD:
		mutex_enter(&pi->pp_lock);
		*(int *)data = (fp->f_flag & FREAD) ? (int)pi->pp_cnt : 0;
		mutex_exit(&pi->pp_lock);
		return 0;
	case FIONBIO:
	case FIOASYNC:
		return 0;
	default:
		return ENOTTY;
	}
}

static int
fifo_close(struct file *fp)
{
	struct vfs_state *vs = vfs_state(fp->f_kern);
	struct vnode *vp = fp->f_data;
	struct pipe *pi;

	br_enter(&vs->vs_lock);
	pi = vp->v_fifo;
	mutex_enter(&pi->pp_lock);
	if (fp->f_flag & FREAD)
		pi->pp_readers--;
	if (fp->f_flag & FWRITE)
		pi->pp_writers--;
	pipe_changed(pi);
	mutex_exit(&pi->pp_lock);
	pipe_fifo_detach(vp);
	if (vp->v_lockf != NULL) {
		lf_release_owner(fp->f_kern, vp, fp);
		if (curproc() != NULL)
			lf_release_owner(fp->f_kern, vp, curproc());
	}
	vrele(vp);
	br_exit(&vs->vs_lock);
	return 0;
}

const struct fileops fifo_fileops = {
	.fo_read = fifo_read,
	.fo_write = fifo_write,
	.fo_ioctl = fifo_ioctl,
	.fo_poll = fifo_poll,
	.fo_stat = fifo_stat,
	.fo_close = fifo_close,
	.fo_fdclose = vn_fdclose,
};
