/*
 * tty.c: the kern.tty component: pseudo-terminals with NetBSD's device numbers and ioctls.
 *
 * A pty is a pair: the master (ptc, major 6) and the slave (pts, major 5), minor = unit.
 * Units are allocated by opening /dev/ptmx (or /dev/ptm; major 165, a clone device: each
 * open makes a new unit and returns its master) or by opening an old BSD master node
 * /dev/ptypN (unit N).  The slave is /dev/pts/N in a mounted ptyfs (fs.ptyfs) or
 * /dev/ttypN.  TIOCPTSNAME on a master names its slave "/dev/pts/N" (NetBSD's name with
 * ptyfs mounted there, as ljsyscall's rump setup does); TIOCGRANTPT gives the slave to the
 * caller (its uid, group tty (4), mode 0620).  /dev/tty (major 1) is the controlling
 * terminal: a rump process has none, so opening it is ENXIO, as on NetBSD without one.
 *
 * Line discipline (termios, NetBSD's defaults at first open: ICRNL IXON IXANY BRKINT
 * IMAXBEL, OPOST ONLCR OXTABS, ECHO ICANON ISIG IEXTEN ECHOE ECHOKE ECHOCTL, CS8 CREAD
 * HUPCL, 9600 baud):
 * - input (master writes, slave reads): IGNCR, ICRNL, INLCR; with ICANON the slave reads
 *   whole lines only (ended by NL, VEOL or VEOF; VEOF on an empty line reads as end of
 *   file); VERASE removes the last byte of the unfinished line and VKILL the line; ECHO
 *   echoes input to the master (ECHONL: newlines only);
 * - output (slave writes, master reads): OPOST with ONLCR sends NL as CR NL, OCRNL CR as
 *   NL; TIOCSTOP holds the output until TIOCSTART;
 * - not done: signals from ISIG characters and job control (rump processes have no
 *   sessions: TIOCSCTTY, TIOCGSID and TIOCGPGRP answer ENOTTY), VMIN/VTIME beyond "one
 *   byte", tab expansion (OXTABS), IXON flow control by characters, parity.
 * When the master closes, the slave reads end of file and writes fail with EIO; when the
 * slave closes, the master reads end of file.  Queues hold TTY_QSIZE bytes each; a full
 * queue blocks the writer (EAGAIN with O_NONBLOCK).
 *
 * Locking: ts_lock guards every pty of the kernel; sleepers wait on ts_cv.  vs_lock, when
 * both are held, is taken first (device opens run under it).
 */
#include <stdio.h>

#include "vfs/vfs.h"
#include "vfs/tty.h"
#include "kern/sysargs_gen.h"

#define TTY_QSIZE	4096
#define TTY_MAXPTY	256

/* NetBSD ioctls (abi/netbsd/constants.tsv) */
#define TIOCGETA	0x402c7413UL
#define TIOCSETA	0x802c7414UL
#define TIOCSETAW	0x802c7415UL
#define TIOCSETAF	0x802c7416UL
#define TIOCGWINSZ	0x40087468UL
#define TIOCSWINSZ	0x80087467UL
#define TIOCFLUSH	0x80047410UL
#define TIOCDRAIN	0x2000745eUL
#define TIOCSTOP	0x2000746fUL
#define TIOCSTART	0x2000746eUL
#define TIOCSBRK	0x2000747bUL
#define TIOCCBRK	0x2000747aUL
#define TIOCOUTQ	0x40047473UL
#define TIOCGRANTPT	0x20007447UL
#define TIOCPTSNAME	0x48087448UL
#define TIOCEXCL	0x2000740dUL
#define TIOCNXCL	0x2000740eUL

/* termios bits */
#define IGNCR	0x80
#define ICRNL	0x100
#define INLCR	0x40
#define OPOST	0x1
#define ONLCR	0x2
#define OCRNL	0x10
#define ECHO	0x8
#define ECHONL	0x10
#define ICANON	0x100
#define VEOF	0
#define VEOL	1
#define VERASE	3
#define VKILL	5
#define VDISABLE 0xff

#define MAJ_CTTY	1
#define MAJ_PTS		5
#define MAJ_PTC		6
#define MAJ_PTM		165

struct ttyq {
	unsigned char q_buf[TTY_QSIZE];
	size_t q_head, q_len;
};

struct pty {
	int pt_unit;
	int pt_mopen, pt_sopen;		/* open files of each side */
	bool pt_mgone, pt_sgone;	/* a side was opened and all its files closed */
	bool pt_stopped;		/* TIOCSTOP */
	int64_t pt_sgen;		/* revoke(2)s of the slave so far */
	struct nb_termios pt_t;
	struct nb_winsize pt_ws;
	struct ttyq pt_in;		/* master -> slave, processed input */
	size_t pt_inready;		/* bytes of pt_in the slave may read */
	unsigned pt_eofs;		/* VEOF on empty lines, each reads as end of file */
	struct ttyq pt_out;		/* slave -> master */
	nb_uid_t pt_uid;
	nb_gid_t pt_gid;
	nb_mode_t pt_mode;
	struct nb_timespec pt_time;
	struct vnode pt_mvp;		/* the master's vnode for files made by the clone device */
};

struct tty_state {
	kmutex_t ts_lock;
	kcondvar_t ts_cv;
	struct kern *ts_kern;
	bool ts_dying;			/* fini ran while pty files were still open */
	struct pty *ts_pty[TTY_MAXPTY];
};

static void tty_state_free(struct tty_state *ts);

static struct tty_state *
tty_state(struct kern *k)
{
	return kern_priv(k, COMP_KERN_TTY);
}

/* ---------------------------------------------------------------- queues */

static size_t
q_room(const struct ttyq *q)
{
	return TTY_QSIZE - q->q_len;
}

static void
q_put(struct ttyq *q, unsigned char c)
{
	q->q_buf[(q->q_head + q->q_len) % TTY_QSIZE] = c;
	q->q_len++;
}

static bool
q_unput(struct ttyq *q, size_t keep)
{
	if (q->q_len <= keep)
		return false;
	q->q_len--;
	return true;
}

/* Moves up to n bytes from the head of q to uio. */
static int
q_out(struct ttyq *q, size_t n, struct uio *uio)
{
	int error = 0;

	while (n > 0 && uio->uio_resid > 0 && error == 0) {
		size_t run = TTY_QSIZE - q->q_head, before = uio->uio_resid;
		if (run > n)
			run = n;
		if (run > uio->uio_resid)
			run = uio->uio_resid;
		error = uiomove(q->q_buf + q->q_head, run, uio);
		run = before - uio->uio_resid;
		q->q_head = (q->q_head + run) % TTY_QSIZE;
		q->q_len -= run;
		n -= run;
		if (run == 0)
			break;
	}
	return error;
}

/* ---------------------------------------------------------------- ptys */

static void
pty_defaults(struct pty *pt)
{
	static const unsigned char cc[NB_NCCS] = {
		4, VDISABLE, VDISABLE, 0177, 027, 025, 022, VDISABLE, 003, 034, 032, 031,
		021, 023, 026, 017, 1, 0, 024, VDISABLE,
	};

	memset(&pt->pt_t, 0, sizeof(pt->pt_t));
	pt->pt_t.c_iflag = 0x2 | 0x100 | 0x2000 | 0x200 | 0x800;	/* BRKINT ICRNL IMAXBEL IXON IXANY */
	pt->pt_t.c_oflag = OPOST | ONLCR | 0x4;				/* OXTABS */
	pt->pt_t.c_lflag = ECHO | ICANON | 0x80 | 0x400 | 0x2 | 0x1 | 0x40;
	pt->pt_t.c_cflag = 0x800 | 0x300 | 0x4000;			/* CREAD CS8 HUPCL */
	memcpy(pt->pt_t.c_cc, cc, sizeof(cc));
	pt->pt_t.c_ispeed = pt->pt_t.c_ospeed = 9600;
	memset(&pt->pt_ws, 0, sizeof(pt->pt_ws));
}

static int
pty_vop_getattr(struct vnode *vp, struct vattr *va)
{
	struct pty *pt = vp->v_data;

	memset(va, 0, sizeof(*va));
	va->va_type = VCHR;
	va->va_mode = 0620;
	va->va_uid = pt->pt_uid;
	va->va_gid = 4;
	va->va_nlink = 1;
	va->va_rdev = nb_makedev(MAJ_PTC, (uint32_t)pt->pt_unit);
	va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime = pt->pt_time;
	return 0;
}

static int
pty_vop_lookup(struct vnode *dvp, const char *name, size_t len, struct vnode **vpp)
{
	(void)dvp; (void)name; (void)len; (void)vpp;
	return ENOTDIR;
}

static int
pty_vop_create(struct vnode *dvp, const char *name, size_t len, const struct vattr *va,
    const char *target, struct vnode **vpp)
{
	(void)dvp; (void)name; (void)len; (void)va; (void)target; (void)vpp;
	return ENOTDIR;
}

static int
pty_vop_remove(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	(void)dvp; (void)vp; (void)name; (void)len;
	return ENOTDIR;
}

static int
pty_vop_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname, size_t flen,
    struct vnode *tdvp, struct vnode *tvp, const char *tname, size_t tlen)
{
	(void)fdvp; (void)fvp; (void)fname; (void)flen; (void)tdvp; (void)tvp; (void)tname;
	(void)tlen;
	return EXDEV;
}

static int
pty_vop_rw(struct vnode *vp, struct uio *uio, int ioflag)
{
	(void)vp; (void)uio; (void)ioflag;
	return EOPNOTSUPP;
}

static int
pty_vop_setattr(struct vnode *vp, const struct vattr *va, int mask)
{
	(void)vp; (void)va; (void)mask;
	return EOPNOTSUPP;
}

static int
pty_vop_readdir(struct vnode *vp, struct uio *uio, nb_off_t *offp)
{
	(void)vp; (void)uio; (void)offp;
	return ENOTDIR;
}

static int
pty_vop_readlink(struct vnode *vp, struct uio *uio)
{
	(void)vp; (void)uio;
	return EINVAL;
}

static int
pty_vop_getname(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp)
{
	(void)dvp; (void)vp; (void)buf; (void)lenp;
	return ENOENT;
}

static void
pty_vop_inactive(struct vnode *vp)
{
	(void)vp;	/* lives in its pty, freed with it */
}

/* The master vnode of a cloned pty: no file system holds it (v_mount NULL). */
static const struct vnodeops pty_vnodeops = {
	.vop_lookup = pty_vop_lookup,
	.vop_create = pty_vop_create,
	.vop_remove = pty_vop_remove,
	.vop_link = pty_vop_remove,
	.vop_rename = pty_vop_rename,
	.vop_read = pty_vop_rw,
	.vop_write = pty_vop_rw,
	.vop_getattr = pty_vop_getattr,
	.vop_setattr = pty_vop_setattr,
	.vop_readdir = pty_vop_readdir,
	.vop_readlink = pty_vop_readlink,
	.vop_getname = pty_vop_getname,
	.vop_inactive = pty_vop_inactive,
};

/* ts_lock held */
static int
pty_alloc(struct tty_state *ts, int unit, const struct cred *cred, struct pty **ptp)
{
	struct pty *pt;

	if (unit < 0 || unit >= TTY_MAXPTY)
		return ENXIO;
	if ((pt = kmem_zalloc(ts->ts_kern, sizeof(*pt))) == NULL)
		return ENOMEM;
	pt->pt_unit = unit;
	pt->pt_uid = cred->cr_euid;
	pt->pt_gid = 4;
	pt->pt_mode = 0600;
	pty_defaults(pt);
	vfs_now(ts->ts_kern, &pt->pt_time);
	pt->pt_mvp.v_op = &pty_vnodeops;
	pt->pt_mvp.v_type = VCHR;
	pt->pt_mvp.v_data = pt;
	pt->pt_mvp.v_rdev = nb_makedev(MAJ_PTC, (uint32_t)unit);
	ts->ts_pty[unit] = pt;
	*ptp = pt;
	return 0;
}

/* ts_lock held: frees the pty once no file of either side is open */
static void
pty_maybe_free(struct tty_state *ts, struct pty *pt)
{
	if (pt->pt_mopen > 0 || pt->pt_sopen > 0 || pt->pt_mvp.v_usecount > 0)
		return;
	ts->ts_pty[pt->pt_unit] = NULL;
	kmem_free(ts->ts_kern, pt, sizeof(*pt));
}

static void
pty_wakeup(struct tty_state *ts)
{
	cv_broadcast(&ts->ts_cv);
	kern_pollnotify(ts->ts_kern);
}

static struct pty *
fp_pty(struct file *fp)
{
	struct vnode *vp = fp->f_data;
	struct tty_state *ts = tty_state(fp->f_kern);
	uint32_t unit = nb_minor(vp->v_rdev);

	return unit < TTY_MAXPTY ? ts->ts_pty[unit] : NULL;
}

/* Output processing of one byte into the master's queue (room checked by the caller). */
static void
pty_output(struct pty *pt, unsigned char c)
{
	if (pt->pt_t.c_oflag & OPOST) {
		if (c == '\n' && (pt->pt_t.c_oflag & ONLCR)) {
			q_put(&pt->pt_out, '\r');
		} else if (c == '\r' && (pt->pt_t.c_oflag & OCRNL))
			c = '\n';
	}
	q_put(&pt->pt_out, c);
}

static void
pty_echo(struct pty *pt, unsigned char c)
{
	if (q_room(&pt->pt_out) < 2)
		return;		/* echoes are dropped when the master does not read */
	if ((pt->pt_t.c_lflag & ECHO) || (c == '\n' && (pt->pt_t.c_lflag & ECHONL)))
		pty_output(pt, c);
}

/* Input processing of one byte from the master (room for one byte checked). */
static void
pty_input(struct pty *pt, unsigned char c)
{
	const unsigned char *cc = pt->pt_t.c_cc;
	bool canon = (pt->pt_t.c_lflag & ICANON) != 0;

	if (c == '\r') {
		if (pt->pt_t.c_iflag & IGNCR)
			return;
		if (pt->pt_t.c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (pt->pt_t.c_iflag & INLCR))
		c = '\r';
	if (!canon) {
		q_put(&pt->pt_in, c);
		pt->pt_inready = pt->pt_in.q_len;
		pty_echo(pt, c);
		return;
	}
	if (c == cc[VERASE] && c != VDISABLE) {
		(void)q_unput(&pt->pt_in, pt->pt_inready);
		return;
	}
	if (c == cc[VKILL] && c != VDISABLE) {
		while (q_unput(&pt->pt_in, pt->pt_inready))
			;
		return;
	}
	if (c == cc[VEOF] && c != VDISABLE) {
		if (pt->pt_in.q_len == pt->pt_inready)
			pt->pt_eofs++;
		pt->pt_inready = pt->pt_in.q_len;
		return;
	}
	q_put(&pt->pt_in, c);
	pty_echo(pt, c);
	if (c == '\n' || (c == cc[VEOL] && c != VDISABLE))
		pt->pt_inready = pt->pt_in.q_len;
}

static int
pty_sleep(struct tty_state *ts, struct file *fp)
{
	if (fp->f_flag & FNONBLOCK)
		return EAGAIN;
	return cv_wait(&ts->ts_cv, &ts->ts_lock);
}

/* slave read */
static int
pts_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	int error = 0;

	(void)offset;
	(void)flags;
	mutex_enter(&ts->ts_lock);
	for (;;) {
		if ((pt = fp_pty(fp)) == NULL) {
			error = EIO;
			break;
		}
		if (fp->f_offset != pt->pt_sgen)
			break;		/* revoked: end of file */
		if (pt->pt_inready > 0) {
			size_t n = pt->pt_inready, before = pt->pt_in.q_len, i;
			if (pt->pt_t.c_lflag & ICANON)	/* one line per read */
				for (i = 0; i < pt->pt_inready; i++) {
					unsigned char c = pt->pt_in.q_buf[(pt->pt_in.q_head + i) %
					    TTY_QSIZE];
					if (c == '\n' || (c == pt->pt_t.c_cc[VEOL] && c != VDISABLE)) {
						n = i + 1;
						break;
					}
				}
			error = q_out(&pt->pt_in, n, uio);
			pt->pt_inready -= before - pt->pt_in.q_len;
			pty_wakeup(ts);
			break;
		}
		if (pt->pt_eofs > 0) {
			pt->pt_eofs--;
			break;
		}
		if (pt->pt_mgone || pt->pt_mopen == 0)
			break;		/* the master hung up: end of file */
		if ((error = pty_sleep(ts, fp)) != 0)
			break;
	}
	mutex_exit(&ts->ts_lock);
	return error;
}

/* A write to either side, a byte at a time as room comes: the slave's bytes go to the
 * master through output processing (room for two: NL may become CR NL), the master's to
 * the slave as input.  A slave whose master hung up, or that was revoked, gets EIO. */
static int
pty_write(struct file *fp, struct uio *uio, bool master)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	size_t start = uio->uio_resid;
	int error = 0;

	mutex_enter(&ts->ts_lock);
	while (uio->uio_resid > 0) {
		unsigned char c;
		if ((pt = fp_pty(fp)) == NULL || (!master && (pt->pt_mgone ||
		    pt->pt_mopen == 0 || fp->f_offset != pt->pt_sgen))) {
			error = EIO;	/* hung up or revoked */
			break;
		}
		if (master ? q_room(&pt->pt_in) == 0 : q_room(&pt->pt_out) < 2) {
			if (uio->uio_resid != start && (fp->f_flag & FNONBLOCK))
				break;
			if ((error = pty_sleep(ts, fp)) != 0)
				break;
			continue;
		}
		if ((error = uiomove(&c, 1, uio)) != 0)
			break;
		if (master)
			pty_input(pt, c);
		else
			pty_output(pt, c);
		pty_wakeup(ts);
	}
	mutex_exit(&ts->ts_lock);
	if (error == EAGAIN && uio->uio_resid != start)
		error = 0;
	return error;
}

/* slave write */
static int
pts_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pty_write(fp, uio, false);
}

/* master read */
static int
ptc_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	int error = 0;

	(void)offset;
	(void)flags;
	mutex_enter(&ts->ts_lock);
	for (;;) {
		if ((pt = fp_pty(fp)) == NULL) {
			error = EIO;
			break;
		}
		if (pt->pt_out.q_len > 0 && !pt->pt_stopped) {
			error = q_out(&pt->pt_out, pt->pt_out.q_len, uio);
			pty_wakeup(ts);
			break;
		}
		if (pt->pt_sgone && pt->pt_sopen == 0)
			break;		/* the slave closed: end of file */
		if ((error = pty_sleep(ts, fp)) != 0)
			break;
	}
	mutex_exit(&ts->ts_lock);
	return error;
}

/* master write: input to the slave */
static int
ptc_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)offset;
	(void)flags;
	return pty_write(fp, uio, true);
}

/* ioctls both sides answer */
static int
tty_ioctl(struct tty_state *ts, struct pty *pt, struct file *fp, bool master,
    unsigned long cmd, void *data)
{
	int error = 0, what;

	switch (cmd) {
	case TIOCGETA:
		memcpy(data, &pt->pt_t, sizeof(pt->pt_t));
		return 0;
	case TIOCSETAW:
	case TIOCSETAF:
	case TIOCSETA:
		if (cmd != TIOCSETA) {	/* wait for output to drain (the master reads it) */
			while (pt->pt_out.q_len > 0 && pt->pt_mopen > 0 && !master) {
				if ((error = cv_wait(&ts->ts_cv, &ts->ts_lock)) != 0)
					return error;
				if ((pt = fp_pty(fp)) == NULL)
					return EIO;
			}
		}
		if (cmd == TIOCSETAF) {
			pt->pt_in.q_len = pt->pt_inready = 0;
			pt->pt_eofs = 0;
		}
		memcpy(&pt->pt_t, data, sizeof(pt->pt_t));
		if (!(pt->pt_t.c_lflag & ICANON))
			pt->pt_inready = pt->pt_in.q_len;
		pty_wakeup(ts);
		return 0;
	case TIOCGWINSZ:
		memcpy(data, &pt->pt_ws, sizeof(pt->pt_ws));
		return 0;
	case TIOCSWINSZ:
		memcpy(&pt->pt_ws, data, sizeof(pt->pt_ws));
		return 0;
	case TIOCFLUSH:
		what = *(int *)data;
		if (what == 0)
			what = FREAD | FWRITE;
		if (what & ~(FREAD | FWRITE))
			return EINVAL;
		/* FREAD and FWRITE are the slave's view: its input and its output */
		if (what & FREAD) {
			pt->pt_in.q_len = pt->pt_inready = 0;
			pt->pt_eofs = 0;
		}
		if (what & FWRITE)
			pt->pt_out.q_len = 0;
		pty_wakeup(ts);
		return 0;
	case TIOCDRAIN:
		while (pt->pt_out.q_len > 0 && pt->pt_mopen > 0 && !master) {
			if ((error = cv_wait(&ts->ts_cv, &ts->ts_lock)) != 0)
				return error;
			if ((pt = fp_pty(fp)) == NULL)
				return EIO;
		}
		return 0;
	case TIOCSTOP:
		pt->pt_stopped = true;
		return 0;
	case TIOCSTART:
		pt->pt_stopped = false;
		pty_wakeup(ts);
		return 0;
	case TIOCOUTQ:
		*(int *)data = (int)pt->pt_out.q_len;
		return 0;
	case FIONREAD:
		*(int *)data = master ? (int)pt->pt_out.q_len : (int)pt->pt_inready;
		return 0;
	case FIONBIO:
	case FIOASYNC:
	case TIOCEXCL:
	case TIOCNXCL:
		return 0;
	default:
		return ENOTTY;
	}
}

static int
pts_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	int error;

	mutex_enter(&ts->ts_lock);
	if ((pt = fp_pty(fp)) == NULL || fp->f_offset != pt->pt_sgen)
		error = EIO;
	else
		error = tty_ioctl(ts, pt, fp, false, cmd, data);
	mutex_exit(&ts->ts_lock);
	return error;
}

static int
ptc_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct lwp *l = curlwp();
	struct pty *pt;
	int error = 0;

	mutex_enter(&ts->ts_lock);
	if ((pt = fp_pty(fp)) == NULL)
		error = EIO;
	else if (cmd == TIOCPTSNAME) {
		struct nb_ptmget *pm = data;
		memset(pm, 0, sizeof(*pm));
		pm->cfd = pm->sfd = -1;
		snprintf(pm->cn, sizeof(pm->cn), "/dev/ptm");
		snprintf(pm->sn, sizeof(pm->sn), "/dev/pts/%d", pt->pt_unit);
	} else if (cmd == TIOCGRANTPT) {
		pt->pt_uid = lwp_cred(l)->cr_euid;
		pt->pt_gid = 4;		/* tty */
		pt->pt_mode = 0620;
		vfs_now(fp->f_kern, &pt->pt_time);
	} else if (cmd == TIOCSBRK || cmd == TIOCCBRK)
		error = 0;		/* a break on a pty goes nowhere */
	else
		error = tty_ioctl(ts, pt, fp, true, cmd, data);
	mutex_exit(&ts->ts_lock);
	return error;
}

static int
pts_poll(struct file *fp, int events)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	int revents = 0;

	mutex_enter(&ts->ts_lock);
	if ((pt = fp_pty(fp)) == NULL || pt->pt_mgone || pt->pt_mopen == 0 ||
	    fp->f_offset != pt->pt_sgen)
		revents = POLLHUP | (events & (POLLIN | POLLRDNORM));
	else {
		if (pt->pt_inready > 0 || pt->pt_eofs > 0)
			revents |= events & (POLLIN | POLLRDNORM);
		if (q_room(&pt->pt_out) >= 2)
			revents |= events & (POLLOUT | POLLWRNORM);
	}
	mutex_exit(&ts->ts_lock);
	return revents;
}

static int
ptc_poll(struct file *fp, int events)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	struct pty *pt;
	int revents = 0;

	mutex_enter(&ts->ts_lock);
	if ((pt = fp_pty(fp)) == NULL)
		revents = POLLHUP;
	else {
		if (pt->pt_out.q_len > 0 && !pt->pt_stopped)
			revents |= events & (POLLIN | POLLRDNORM);
		if (pt->pt_sgone && pt->pt_sopen == 0)
			revents |= POLLHUP | (events & (POLLIN | POLLRDNORM));
		if (q_room(&pt->pt_in) > 0)
			revents |= events & (POLLOUT | POLLWRNORM);
	}
	mutex_exit(&ts->ts_lock);
	return revents;
}

static int
pty_close(struct file *fp, bool master)
{
	struct tty_state *ts = tty_state(fp->f_kern);
	uint32_t unit = nb_minor(((struct vnode *)fp->f_data)->v_rdev);
	struct pty *pt;

	vn_close(fp);		/* drops the vnode, which may free it (vs_lock before ts_lock) */
	mutex_enter(&ts->ts_lock);
	if (unit < TTY_MAXPTY && (pt = ts->ts_pty[unit]) != NULL) {
		if (master && --pt->pt_mopen == 0)
			pt->pt_mgone = true;
		if (!master && --pt->pt_sopen == 0)
			pt->pt_sgone = true;
		pty_wakeup(ts);
		pty_maybe_free(ts, pt);
	}
	if (ts->ts_dying) {
		/* the last file of a destroyed kernel's ptys frees what tty_fini left */
		int i;
		for (i = 0; i < TTY_MAXPTY && ts->ts_pty[i] == NULL; i++)
			;
		mutex_exit(&ts->ts_lock);
		if (i == TTY_MAXPTY)
			tty_state_free(ts);
		return 0;
	}
	mutex_exit(&ts->ts_lock);
	return 0;
}

static int
pts_close(struct file *fp)
{
	return pty_close(fp, false);
}

static int
ptc_close(struct file *fp)
{
	return pty_close(fp, true);
}

static const struct fileops pts_fileops = {
	.fo_read = pts_read, .fo_write = pts_write, .fo_ioctl = pts_ioctl,
	.fo_fcntl = vn_fcntl, .fo_poll = pts_poll, .fo_stat = vn_fo_stat,
	.fo_close = pts_close, .fo_fdclose = vn_fdclose,
};

static const struct fileops ptc_fileops = {
	.fo_read = ptc_read, .fo_write = ptc_write, .fo_ioctl = ptc_ioctl,
	.fo_fcntl = vn_fcntl, .fo_poll = ptc_poll, .fo_stat = vn_fo_stat,
	.fo_close = ptc_close, .fo_fdclose = vn_fdclose,
};

/* opens: vs_lock held, vp referenced for fp */

static int
pts_open(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags, struct file *fp)
{
	struct tty_state *ts = tty_state(l->l_kern);
	struct pty *pt;
	int error = 0;

	(void)vp;
	(void)fflags;
	mutex_enter(&ts->ts_lock);
	if (minor >= TTY_MAXPTY || (pt = ts->ts_pty[minor]) == NULL || pt->pt_mopen == 0)
		error = ENXIO;	/* no master: nothing to talk to */
	else {
		pt->pt_sopen++;
		pt->pt_sgone = false;
		fp->f_offset = pt->pt_sgen;	/* a tty has no offset: the file's revoke mark */
	}
	mutex_exit(&ts->ts_lock);
	return error;
}

static int
ptc_open(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags, struct file *fp)
{
	struct tty_state *ts = tty_state(l->l_kern);
	struct pty *pt;
	int error = 0;

	(void)vp;
	(void)fflags;
	(void)fp;
	mutex_enter(&ts->ts_lock);
	if (minor >= TTY_MAXPTY)
		error = ENXIO;
	else if ((pt = ts->ts_pty[minor]) != NULL)
		error = EIO;	/* the master is open already (NetBSD: EIO) */
	else if ((error = pty_alloc(ts, (int)minor, lwp_cred(l), &pt)) == 0)
		pt->pt_mopen = 1;
	mutex_exit(&ts->ts_lock);
	return error;
}

/* /dev/ptmx, /dev/ptm: a new unit; the file becomes the master of it, on its own vnode */
static int
ptm_open(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags, struct file *fp)
{
	struct tty_state *ts = tty_state(l->l_kern);
	struct pty *pt = NULL;
	int unit, error = ENXIO;

	(void)minor;
	(void)fflags;
	mutex_enter(&ts->ts_lock);
	for (unit = 0; unit < TTY_MAXPTY; unit++)
		if (ts->ts_pty[unit] == NULL) {
			error = pty_alloc(ts, unit, lwp_cred(l), &pt);
			break;
		}
	if (error == 0) {
		pt->pt_mopen = 1;
		vref(&pt->pt_mvp);
		fp->f_data = &pt->pt_mvp;
		fp->f_ops = &ptc_fileops;
	}
	mutex_exit(&ts->ts_lock);
	(void)vp;	/* the file holds the pty's vnode instead; doopen drops vp */
	return error;
}

static int
ctty_open(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags, struct file *fp)
{
	(void)l;
	(void)vp;
	(void)minor;
	(void)fflags;
	(void)fp;
	return ENXIO;		/* no controlling terminal in a rump process */
}

/* revoke of a slave: its open files read end of file and fail to write (EIO) */
static int
pts_revoke(struct kern *k, uint32_t minor)
{
	struct tty_state *ts = tty_state(k);
	struct pty *pt;

	mutex_enter(&ts->ts_lock);
	if (minor < TTY_MAXPTY && (pt = ts->ts_pty[minor]) != NULL) {
		pt->pt_sgen++;
		pty_wakeup(ts);
	}
	mutex_exit(&ts->ts_lock);
	return 0;
}

static const struct devsw pts_devsw = {
	.d_major = MAJ_PTS, .d_comp = COMP_KERN_TTY, .d_open = pts_open,
	.d_fileops = &pts_fileops, .d_revoke = pts_revoke,
};
DEVSW(pts_devsw);
static const struct devsw ptc_devsw = {
	.d_major = MAJ_PTC, .d_comp = COMP_KERN_TTY, .d_open = ptc_open,
	.d_fileops = &ptc_fileops,
};
DEVSW(ptc_devsw);
static const struct devsw ptm_devsw = {
	.d_major = MAJ_PTM, .d_comp = COMP_KERN_TTY, .d_open = ptm_open,
	.d_fileops = &ptc_fileops,
};
DEVSW(ptm_devsw);
static const struct devsw ctty_devsw = {
	.d_major = MAJ_CTTY, .d_comp = COMP_KERN_TTY, .d_open = ctty_open,
	.d_fileops = &ptc_fileops,
};
DEVSW(ctty_devsw);

/* ---------------------------------------------------------------- for ptyfs */

int
tty_pty_next(struct kern *k, int from, struct pty_info *pi)
{
	struct tty_state *ts = tty_state(k);
	int unit, error = ENOENT;

	if (ts == NULL)
		return ENOENT;
	mutex_enter(&ts->ts_lock);
	for (unit = from < 0 ? 0 : from; unit < TTY_MAXPTY; unit++) {
		struct pty *pt = ts->ts_pty[unit];
		if (pt != NULL && pt->pt_mopen > 0) {
			pi->pi_unit = unit;
			pi->pi_uid = pt->pt_uid;
			pi->pi_gid = pt->pt_gid;
			pi->pi_mode = pt->pt_mode;
			pi->pi_time = pt->pt_time;
			error = 0;
			break;
		}
	}
	mutex_exit(&ts->ts_lock);
	return error;
}

/* ---------------------------------------------------------------- the component */

static int
tty_init(struct kern *k)
{
	struct tty_state *ts = kmem_zalloc(k, sizeof(*ts));
	struct vfs_state *vs = vfs_state(k);
	char name[16];
	int error = 0, i;

	if (ts == NULL)
		return ENOMEM;
	mutex_init(&ts->ts_lock, k);
	cv_init(&ts->ts_cv, k);
	ts->ts_kern = k;
	kern_priv_set(k, COMP_KERN_TTY, ts);
	/* the nodes NetBSD's kern.tty makes: tty, ptmx, ptm, ptyp0-8 and ttyp0-8 */
	br_enter(&vs->vs_lock);
	error = vfs_makedevnode(k, "tty", 0644, nb_makedev(MAJ_CTTY, 0));
	if (error == 0)
		error = vfs_makedevnode(k, "ptmx", 0644, nb_makedev(MAJ_PTM, 0));
	if (error == 0)
		error = vfs_makedevnode(k, "ptm", 0644, nb_makedev(MAJ_PTM, 1));
	for (i = 0; i < 9 && error == 0; i++) {
		snprintf(name, sizeof(name), "ptyp%d", i);
		error = vfs_makedevnode(k, name, 0644, nb_makedev(MAJ_PTC, (uint32_t)i));
		snprintf(name, sizeof(name), "ttyp%d", i);
		if (error == 0)
			error = vfs_makedevnode(k, name, 0644, nb_makedev(MAJ_PTS, (uint32_t)i));
	}
	br_exit(&vs->vs_lock);
	if (error != 0) {
		kern_priv_set(k, COMP_KERN_TTY, NULL);
		cv_destroy(&ts->ts_cv);
		mutex_destroy(&ts->ts_lock);
		kmem_free(k, ts, sizeof(*ts));
	}
	return error;
}

static void
tty_state_free(struct tty_state *ts)
{
	struct kern *k = ts->ts_kern;

	kern_priv_set(k, COMP_KERN_TTY, NULL);
	cv_destroy(&ts->ts_cv);
	mutex_destroy(&ts->ts_lock);
	kmem_free(k, ts, sizeof(*ts));
}

/* Processes are gone by now, so their files are closed; a pty file may still be in flight
 * (an SCM_RIGHTS message freed by a component whose fini runs after this one): then the
 * state stays until that file's close (pty_close) frees it. */
static void
tty_fini(struct kern *k)
{
	struct tty_state *ts = tty_state(k);
	int i;

	mutex_enter(&ts->ts_lock);
	for (i = 0; i < TTY_MAXPTY; i++) {
		struct pty *pt = ts->ts_pty[i];
		if (pt != NULL && pt->pt_mopen == 0 && pt->pt_sopen == 0 &&
		    pt->pt_mvp.v_usecount == 0) {
			ts->ts_pty[i] = NULL;
			kmem_free(k, pt, sizeof(*pt));
		} else if (pt != NULL)
			ts->ts_dying = true;
	}
	mutex_exit(&ts->ts_lock);
	if (!ts->ts_dying)
		tty_state_free(ts);
}

static const struct kern_component tty_component = {
	.name = "kern.tty", .id = COMP_KERN_TTY, .deps = { "vfs", NULL },
	.init = tty_init, .fini = tty_fini,
};
KERN_COMPONENT(tty_component);

/* dev: NetBSD's device framework library; here the drivers need no setup of their own */
static const struct kern_component dev_component = {
	.name = "dev", .id = COMP_DEV, .deps = { NULL },
};
KERN_COMPONENT(dev_component);
