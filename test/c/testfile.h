/*
 * testfile.h: a file type for tests of the generic descriptor layer: a byte queue.
 * write appends, read consumes (EWOULDBLOCK when empty and non-blocking, else 0 = EOF),
 * poll says POLLIN when there are bytes, FIONREAD counts them, stat says S_IFCHR, close
 * counts itself in tf_closed.  Opened from outside with tf_open(k) as the calling
 * thread's current lwp in k.
 */
#ifndef TEST_TESTFILE_H
#define TEST_TESTFILE_H

/* Host headers first (they guard against double inclusion), then their Linux values of
 * names the kernel defines with NetBSD values are dropped. */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include "rump/rump_syscalls.h"
#undef CLOCK_REALTIME
#undef CLOCK_MONOTONIC
#undef CLOCK_PROCESS_CPUTIME_ID
#undef CLOCK_THREAD_CPUTIME_ID
#undef TIMER_ABSTIME
#undef SIGEV_NONE
#undef SIGEV_SIGNAL
#undef SIGEV_THREAD
#undef FIOGETOWN
#undef FIOSETOWN
#undef ITIMER_REAL
#undef ITIMER_VIRTUAL
#undef ITIMER_PROF
#include "kern/kern.h"
#include "rump/rumpus.h"

#define errno (*__errno_location())
extern int *__errno_location(void);

static atomic_int tf_closed;

struct tf {
	size_t len;
	char buf[4096];
};

static int
tf_read(struct file *fp, nb_off_t *off, struct uio *uio, int flags)
{
	struct tf *t = fp->f_data;
	size_t n = uio->uio_resid < t->len ? uio->uio_resid : t->len;
	int error;

	(void)off;
	(void)flags;
	mutex_enter(&fp->f_lock);
	n = uio->uio_resid < t->len ? uio->uio_resid : t->len;
	if (t->len == 0) {
		mutex_exit(&fp->f_lock);
		return (fp->f_flag & FNONBLOCK) ? EWOULDBLOCK : 0;
	}
	if ((error = uiomove(t->buf, n, uio)) == 0) {
		memmove(t->buf, t->buf + n, t->len - n);
		t->len -= n;
	}
	mutex_exit(&fp->f_lock);
	return error;
}

static int
tf_write(struct file *fp, nb_off_t *off, struct uio *uio, int flags)
{
	struct tf *t = fp->f_data;
	size_t n = uio->uio_resid;
	int error;

	(void)off;
	(void)flags;
	if (n == 0)
		return 0;
	mutex_enter(&fp->f_lock);
	if (n > sizeof(t->buf) - t->len)
		n = sizeof(t->buf) - t->len;
	if (n == 0) {
		mutex_exit(&fp->f_lock);
		return ENOSPC;
	}
	if ((error = uiomove(t->buf + t->len, n, uio)) == 0)
		t->len += n;
	mutex_exit(&fp->f_lock);
	kern_pollnotify(fp->f_kern);
	return error;
}

static int
tf_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct tf *t = fp->f_data;

	if (cmd == FIONREAD) {
		*(int *)data = (int)t->len;
		return 0;
	}
	return ENOTTY;
}

static int
tf_poll(struct file *fp, int events)
{
	struct tf *t = fp->f_data;
	int r = events & (POLLOUT | POLLWRNORM);

	if (t->len > 0)
		r |= events & (POLLIN | POLLRDNORM);
	return r;
}

static int
tf_stat(struct file *fp, struct nb_stat *st)
{
	struct tf *t = fp->f_data;

	st->st_mode = S_IFCHR | 0600;
	st->st_size = (nb_off_t)t->len;
	return 0;
}

static int
tf_close(struct file *fp)
{
	kmem_free(fp->f_kern, fp->f_data, sizeof(struct tf));
	atomic_fetch_add(&tf_closed, 1);
	return 0;
}

static const struct fileops tf_ops = {
	.fo_read = tf_read, .fo_write = tf_write, .fo_ioctl = tf_ioctl,
	.fo_poll = tf_poll, .fo_stat = tf_stat, .fo_close = tf_close,
};

/* Returns a new descriptor in the calling thread's current process of k, or -errno. */
__attribute__((unused)) static int
tf_open(struct rumpus_kernel *rk)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;
	struct file *fp;
	struct tf *t;
	int fd, error;

	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		return -error;
	if ((t = kmem_zalloc(k, sizeof(*t))) == NULL) {
		kern_leave(k, prev);
		return -ENOMEM;
	}
	if ((error = fd_allocfile(curlwp(), &fp, &fd)) != 0) {
		kmem_free(k, t, sizeof(*t));
		kern_leave(k, prev);
		return -error;
	}
	fp->f_type = DTYPE_MISC;
	fp->f_flag = FREAD | FWRITE;
	fp->f_ops = &tf_ops;
	fp->f_data = t;
	fd_affix(curlwp(), fp, fd);
	kern_leave(k, prev);
	return fd;
}

#endif
