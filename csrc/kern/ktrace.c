/*
 * ktrace.c: ktrace(2) and fktrace(2), NetBSD's formats, for the record types KTR_SYSCALL
 * (the call's number and its argument slots) and KTR_SYSRET (number, error, two return
 * values).  Other facilities (namei, genio, psig, csw, emul, user, exec, mib) are
 * accepted in facs and record nothing: those events are not traced here.
 *
 * ops: KTROP_SET starts tracing the facilities of facs for pid (> 0: a process; < 0: the
 * process group -pid) into the file; KTROP_CLEAR stops them (the process's trace file is
 * dropped when none is left); KTROP_CLEARFILE stops every process tracing into that file.
 * KTRFAC_INHERIT makes rfork'd children inherit the tracing.  The file: ktrace opens
 * fname (an existing regular file, opened for reading and writing: EACCES for anything
 * else), fktrace takes a descriptor open for writing
 * (EBADF otherwise).  A caller may trace a process of its own uid only, unless root
 * (EPERM).  Records go through the file's write operation, at its end for a vnode
 * (NetBSD appends too).  Header: struct ktr_header (56 bytes on LP64) in the version of
 * facs (KTRFAC_VER_MASK, 0, 1 or 2), comm "rump".
 *
 * State: p_traceflag and p_tracefp of each process, changed under k_proc_lock; the
 * syscall path reads p_traceflag without the lock (a relaxed atomic load) and takes a
 * hold on the file under the lock for each record.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

#define KTR_SYSCALL	1
#define KTR_SYSRET	2
#define KTROP_SET	0
#define KTROP_CLEAR	1
#define KTROP_CLEARFILE	2
#define KTROP_MASK	3
#define KTRFLAG_DESCEND	4
#define KTRFAC_MASK	0x00ffffffU
#define KTRFAC_VER_MASK	0x0f000000U
#define KTRFAC_PERSISTENT 0x80000000U
#define KTRFAC_INHERIT	0x40000000U
#define KTRFAC_TRC_EMUL	0x10000000U

struct ktr_header_nb {
	int32_t ktr_len;
	int16_t ktr_type;
	int16_t ktr_version;
	nb_pid_t ktr_pid;
	char ktr_comm[17];
	union {
		struct { struct { int32_t tv_sec; long tv_usec; } tv; const void *buf; } v0;
		struct { struct { int32_t tv_sec; long tv_nsec; } ts; int32_t lid; } v1;
		struct { struct nb_timespec ts; int32_t lid; } v2;
	} v;
};
_Static_assert(sizeof(struct ktr_header_nb) == 56, "NetBSD struct ktr_header is 56 bytes");

struct ktr_sysret_nb {
	int16_t ktr_code;
	int16_t ktr_eosys;
	int32_t ktr_error;
	int64_t ktr_retval;
	int64_t ktr_retval_1;
};

/* Writes one record (header + body) to the trace file of l's process. */
static void
ktr_write(struct lwp *l, int type, const void *body, size_t len)
{
	struct proc *p = l->l_proc;
	struct kern *k = l->l_kern;
	struct ktr_header_nb *h;
	struct nb_iovec iov;
	struct uio uio;
	struct file *fp;
	struct nb_stat st;
	unsigned flag;
	uint64_t now;
	nb_off_t off = 0;
	char *buf;

	mutex_enter(&k->k_proc_lock);
	if ((fp = p->p_tracefp) != NULL && (p->p_traceflag & (1u << type)))
		file_hold(fp);
	else
		fp = NULL;
	flag = p->p_traceflag;
	mutex_exit(&k->k_proc_lock);
	if (fp == NULL)
		return;
	if ((buf = kmem_zalloc(k, sizeof(*h) + len)) == NULL) {
		file_release(fp);
		return;
	}
	h = (struct ktr_header_nb *)buf;
	h->ktr_len = (int32_t)len;
	h->ktr_type = (int16_t)type;
	h->ktr_version = (int16_t)((flag & KTRFAC_VER_MASK) >> 24);
	h->ktr_pid = p->p_pid;
	memcpy(h->ktr_comm, "rump", 5);
	now = kern_realtime(k);
	switch (h->ktr_version) {
	case 0:
		h->v.v0.tv.tv_sec = (int32_t)(now / 1000000000u);
		h->v.v0.tv.tv_usec = (long)(now % 1000000000u / 1000u);
		break;
	case 1:
		h->v.v1.ts.tv_sec = (int32_t)(now / 1000000000u);
		h->v.v1.ts.tv_nsec = (long)(now % 1000000000u);
		h->v.v1.lid = l->l_lid;
		break;
	default:
		h->v.v2.ts.tv_sec = (int64_t)(now / 1000000000u);
		h->v.v2.ts.tv_nsec = (long)(now % 1000000000u);
		h->v.v2.lid = l->l_lid;
		break;
	}
	memcpy(buf + sizeof(*h), body, len);
	iov.iov_base = buf;
	iov.iov_len = sizeof(*h) + len;
	uio.uio_iov = &iov;
	uio.uio_iovcnt = 1;
	uio.uio_offset = 0;
	uio.uio_resid = iov.iov_len;
	uio.uio_rw = UIO_WRITE;
	uio.uio_user = false;
	/* a vnode gets the record at its end, whatever the descriptor's offset */
	if (fp->f_type == DTYPE_VNODE && fp->f_ops->fo_stat != NULL &&
	    fp->f_ops->fo_stat(fp, &st) == 0)
		off = st.st_size;
	if (fp->f_ops->fo_write != NULL)
		(void)fp->f_ops->fo_write(fp, &off, &uio, 0);	/* a failed write is lost */
	kmem_free(k, buf, sizeof(*h) + len);
	file_release(fp);
}

void
ktr_syscall(struct lwp *l, unsigned code, const void *uap, size_t argsize)
{
	char body[8 + 8 * 16];
	int32_t c = (int32_t)code, n;

	if (argsize > sizeof(body) - 8)
		argsize = sizeof(body) - 8;
	n = (int32_t)argsize;
	memcpy(body, &c, 4);
	memcpy(body + 4, &n, 4);
	if (argsize > 0)
		memcpy(body + 8, uap, argsize);
	ktr_write(l, KTR_SYSCALL, body, 8 + argsize);
}

void
ktr_sysret(struct lwp *l, unsigned code, int error, const register_t *retval)
{
	struct ktr_sysret_nb r;

	memset(&r, 0, sizeof(r));
	r.ktr_code = (int16_t)code;
	r.ktr_error = error;
	if (error == 0) {
		r.ktr_retval = (int64_t)retval[0];
		r.ktr_retval_1 = (int64_t)retval[1];
	}
	ktr_write(l, KTR_SYSRET, &r, sizeof(r));
}

/* k_proc_lock held: stops p's tracing of facs (all with fp == NULL... see callers) */
static void
ktr_clear(struct proc *p, unsigned facs, struct file **dropp)
{
	p->p_traceflag &= ~(facs & KTRFAC_MASK);
	if ((p->p_traceflag & KTRFAC_MASK) == 0) {
		*dropp = p->p_tracefp;
		p->p_tracefp = NULL;
		p->p_traceflag = 0;
	}
}

static bool
ktr_canset(const struct cred *c, const struct proc *p)
{
	const struct cred *pc = p->p_cred;

	return c->cr_euid == 0 || (c->cr_euid == pc->cr_uid && c->cr_euid == pc->cr_euid &&
	    !(p->p_flag & PK_SUGID));
}

/* The call that started tracing its own process gets its SYSRET record, as on NetBSD
 * (the syscall path saw the process untraced at entry and writes none). */
static void
ktr_selfret(struct lwp *l, unsigned code, unsigned was, int error, register_t *retval)
{
	if (was == 0 && __atomic_load_n(&l->l_proc->p_traceflag, __ATOMIC_RELAXED) != 0)
		ktr_sysret(l, code, error, retval);
}

/* The work of both calls; fp is held by the caller (dropped by it). */
static int
ktrace_common(struct lwp *l, struct file *fp, int ops, unsigned facs, nb_pid_t pid)
{
	struct kern *k = l->l_kern;
	const struct cred *cred = lwp_cred(l);
	struct file *drops[64];
	int ndrops = 0, found = 0, error = 0, i;
	struct proc *p;
	int op = ops & KTROP_MASK;

	if (op != KTROP_SET && op != KTROP_CLEAR && op != KTROP_CLEARFILE)
		return EINVAL;
	if (op != KTROP_CLEARFILE && (facs & KTRFAC_MASK) == 0)
		return EINVAL;
	if (((facs & KTRFAC_VER_MASK) >> 24) > 2)
		return EINVAL;
	mutex_enter(&k->k_proc_lock);
	for (p = k->k_procs; p != NULL; p = p->p_next) {
		struct file *drop = NULL;
		if (op == KTROP_CLEARFILE) {
			if (p->p_tracefp != fp || !ktr_canset(cred, p))
				continue;
			ktr_clear(p, KTRFAC_MASK, &drop);
		} else {
			if ((pid > 0 && p->p_pid != pid) || (pid < 0 && p->p_pgid != -pid) ||
			    pid == 0 || (p->p_flag & PK_EXITING))
				continue;
			found++;
			if (!ktr_canset(cred, p)) {
				error = EPERM;
				continue;
			}
			if (op == KTROP_SET) {
				if (p->p_tracefp != fp) {
					drop = p->p_tracefp;
					file_hold(fp);
					p->p_tracefp = fp;
				}
				p->p_traceflag = (p->p_traceflag & KTRFAC_MASK) |
				    (facs & ~KTRFAC_VER_MASK) | (facs & KTRFAC_VER_MASK);
			} else
				ktr_clear(p, facs, &drop);
		}
		if (drop != NULL) {
			if (ndrops == (int)(sizeof(drops) / sizeof(drops[0]))) {
				error = ENOMEM;		/* cannot happen with 64 files a call */
				break;
			}
			drops[ndrops++] = drop;
		}
	}
	mutex_exit(&k->k_proc_lock);
	for (i = 0; i < ndrops; i++)
		file_release(drops[i]);
	if (op != KTROP_CLEARFILE && found == 0)
		return ESRCH;
	return error;
}

int
sys_fktrace(struct lwp *l, const struct sys_fktrace_args *uap, register_t *retval)
{
	struct file *fp;
	int error;

	unsigned was = l->l_proc->p_traceflag;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (!(fp->f_flag & FWRITE))
		error = EBADF;
	else
		error = ktrace_common(l, fp, SCARG(uap, ops), (unsigned)SCARG(uap, facs),
		    SCARG(uap, pid));
	fd_putfile(fp);
	ktr_selfret(l, SYS_fktrace, was, error, retval);
	return error;
}

/* ktrace(fname, ...): opens fname for writing in the caller's table, takes the file and
 * closes the descriptor again (sys_open is the VFS's). */
int
sys_ktrace(struct lwp *l, const struct sys_ktrace_args *uap, register_t *retval)
{
	struct sys_open_args oa;
	struct file *fp;
	register_t rv[2] = { 0, 0 };
	int error, fd, op = SCARG(uap, ops) & KTROP_MASK;
	unsigned was = l->l_proc->p_traceflag;

	if (!kern_has(l->l_kern, COMP_VFS))
		return ENOSYS;
	if (op == KTROP_CLEAR)		/* no file needed to stop tracing */
		return ktrace_common(l, NULL, SCARG(uap, ops), (unsigned)SCARG(uap, facs),
		    SCARG(uap, pid));
	SCARG(&oa, path) = SCARG(uap, fname);
	SCARG(&oa, flags) = O_RDWR | O_APPEND;	/* NetBSD's FREAD|FWRITE: a fifo does not wait */
	SCARG(&oa, mode) = 0;
	if ((error = sys_open(l, &oa, rv)) != 0)
		return error;
	fd = (int)rv[0];
	if ((error = fd_getfile(l, fd, &fp)) == 0) {
		struct nb_stat st;
		(void)fd_close(l, fd);
		if (fp->f_type != DTYPE_VNODE || fp->f_ops->fo_stat == NULL ||
		    fp->f_ops->fo_stat(fp, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG)
			error = EACCES;		/* regular files only, as NetBSD */
		else
			error = ktrace_common(l, fp, SCARG(uap, ops), (unsigned)SCARG(uap, facs),
			    SCARG(uap, pid));
		fd_putfile(fp);
	}
	ktr_selfret(l, SYS_ktrace, was, error, retval);
	return error;
}

/* the process is going away: its trace file is dropped (proc.c) */
void
ktr_proc_exit(struct proc *p)
{
	struct kern *k = p->p_kern;
	struct file *fp;

	mutex_enter(&k->k_proc_lock);
	fp = p->p_tracefp;
	p->p_tracefp = NULL;
	p->p_traceflag = 0;
	mutex_exit(&k->k_proc_lock);
	if (fp != NULL)
		file_release(fp);
}

/* rfork: a child of a process traced with KTRFAC_INHERIT is traced too (proc.c) */
void
ktr_proc_fork(struct proc *parent, struct proc *child)
{
	struct kern *k = parent->p_kern;

	mutex_enter(&k->k_proc_lock);
	if (parent->p_tracefp != NULL && (parent->p_traceflag & KTRFAC_INHERIT)) {
		file_hold(parent->p_tracefp);
		child->p_tracefp = parent->p_tracefp;
		child->p_traceflag = parent->p_traceflag;
	}
	mutex_exit(&k->k_proc_lock);
}
