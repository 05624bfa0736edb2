/*
 * cons.c: the console of the default kernel.  NetBSD's rump_init() gives process 1 the
 * kernel console on descriptors 0, 1 and 2 (so its first open file is 3), and so does
 * ours (rumpus_kernel_create, the many-kernels API, does not: there the first file is 0).
 * What NetBSD's rump console does, and this one too: write-only (reading is EBADF), each
 * write goes to the host's standard output; fstat says character device 0,0, mode 0600;
 * TIOCGETA succeeds (isatty() is true, the termios all zero) and other ioctls are ENOTTY;
 * lseek is ESPIPE.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

#define TIOCGETA	0x402c7413UL

static int
cons_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	char buf[256];
	int error = 0;

	(void)offset;
	(void)flags;
	while (uio->uio_resid > 0 && error == 0) {
		size_t n = uio->uio_resid < sizeof(buf) ? uio->uio_resid : sizeof(buf), done = 0;
		if ((error = uiomove(buf, n, uio)) != 0)
			break;
		while (done < n && error == 0) {
			size_t w = 0;
			kern_block_enter(fp->f_kern);
			error = hyp_console_write(buf + done, n - done, &w);
			kern_block_exit(fp->f_kern);
			done += w;
			if (w == 0)
				break;
		}
	}
	return error;
}

static int
cons_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	(void)fp;
	(void)data;
	switch (cmd) {
	case TIOCGETA:
	case FIONBIO:
	case FIOASYNC:
		return 0;
	default:
		return ENOTTY;
	}
}

static int
cons_stat(struct file *fp, struct nb_stat *st)
{
	(void)fp;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0600;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static const struct fileops cons_fileops = {
	.fo_write = cons_write,
	.fo_ioctl = cons_ioctl,
	.fo_stat = cons_stat,
};

/* Descriptors 0-2 of process 1 (its table must be empty). */
int
cons_attach(struct kern *k)
{
	struct lwp implicit, *prev;
	struct file *fp;
	int error, fd, i;

	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		return error;
	for (i = 0; i < 3; i++) {
		if ((error = fd_allocfile(curlwp(), &fp, &fd)) != 0)
			break;
		fp->f_type = DTYPE_MISC;
		fp->f_flag = FWRITE;
		fp->f_ops = &cons_fileops;
		fp->f_data = NULL;
		fd_affix(curlwp(), fp, fd);
	}
	kern_leave(k, prev);
	return error;
}
