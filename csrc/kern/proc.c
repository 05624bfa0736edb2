/*
 * proc.c: processes, lwps, credentials and the identity syscalls; NetBSD's lwproc
 * interface (rump_pub_lwproc_*) that binds host threads to lwps.
 *
 * Invariants: k->k_procs lists every process of the kernel, process 1 (created at boot)
 * included; a process exits when its last lwp is released, and process 1 only at
 * destroy.  A process's cred is shared, reference-counted, with its children, the files it
 * opened and its running syscalls (l_cred); changing credentials installs a changed copy
 * (cred_modify/cred_commit), so a cred is never written once shared.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "rump/rumpus.h"

/* ---------------------------------------------------------------- credentials */

struct cred *
cred_alloc(struct kern *k)
{
	struct cred *c = kmem_zalloc(k, sizeof(*c));

	if (c != NULL)
		atomic_init(&c->cr_ref, 1);
	return c;
}

struct cred *
cred_copy(struct kern *k, const struct cred *from)
{
	struct cred *c = kmem_alloc(k, sizeof(*c));

	if (c != NULL) {
		memcpy(c, from, sizeof(*c));
		atomic_init(&c->cr_ref, 1);
	}
	return c;
}

void
cred_hold(struct cred *c)
{
	atomic_fetch_add(&c->cr_ref, 1);
}

void
cred_free(struct kern *k, struct cred *c)
{
	if (c != NULL && atomic_fetch_sub(&c->cr_ref, 1) == 1)
		kmem_free(k, c, sizeof(*c));
}

int
cred_super(const struct cred *c)
{
	return c->cr_euid == 0 ? 0 : EPERM;
}

bool
cred_groupmember(const struct cred *c, nb_gid_t gid)
{
	int i;

	if (c->cr_egid == gid)
		return true;
	for (i = 0; i < c->cr_ngroups; i++)
		if (c->cr_groups[i] == gid)
			return true;
	return false;
}

int
cred_access(const struct cred *c, nb_uid_t fuid, nb_gid_t fgid, nb_mode_t fmode, int acc,
    bool isdir)
{
	nb_mode_t mask = 0;

	if (c->cr_euid == 0) {
		/* root may do anything, but exec needs some x bit (or a directory) */
		if ((acc & VEXEC) && !isdir && !(fmode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			return EACCES;
		return 0;
	}
	if (c->cr_euid == fuid) {
		if (acc & VEXEC) mask |= S_IXUSR;
		if (acc & VREAD) mask |= S_IRUSR;
		if (acc & VWRITE) mask |= S_IWUSR;
	} else if (cred_groupmember(c, fgid)) {
		if (acc & VEXEC) mask |= S_IXGRP;
		if (acc & VREAD) mask |= S_IRGRP;
		if (acc & VWRITE) mask |= S_IWGRP;
	} else {
		if (acc & VEXEC) mask |= S_IXOTH;
		if (acc & VREAD) mask |= S_IROTH;
		if (acc & VWRITE) mask |= S_IWOTH;
	}
	return (fmode & mask) == mask ? 0 : EACCES;
}

struct cred *
cred_take(struct proc *p)
{
	struct kern *k = p->p_kern;
	struct cred *c;

	/* With one vCPU no set*id runs while we hold it; with more, the swap in cred_commit
	 * and the reference taken here exclude each other. */
	if (k->k_ncpu == 1) {
		c = p->p_cred;
		cred_hold(c);
		return c;
	}
	hyp_mutex_lock(&k->k_cred_mtx);
	c = p->p_cred;
	cred_hold(c);
	hyp_mutex_unlock(&k->k_cred_mtx);
	return c;
}

/* The slow path of cred_enter (kern.h): a new snapshot for l's cache (its own, or the
 * thread's for implicit lwps of its current kernel), the old one dropped; gen was read
 * before p_cred, so a change racing with this is seen again at the next entry. */
struct cred *
cred_refresh(struct kern *k, struct lwp *l, unsigned gen)
{
	struct kern_tls *t = &kern_tls;
	struct cred *c = cred_take(l->l_proc), *old;

	if (!(l->l_flag & LW_IMPLICIT)) {
		old = l->l_ccred;
		l->l_ccred = c;
		l->l_ccgen = gen;
	} else if (t->k == k) {
		old = t->icred;
		t->icred = c;
		t->icgen = gen;
	} else {
		/* the default kernel of a thread with none current: a reference for this call */
		l->l_flag |= LW_CREDREF;
		return c;
	}
	if (old != NULL)
		cred_free(k, old);
	return c;
}

/* The thread leaves kernel old (rumpus_kernel_switch): its cached implicit snapshot goes.
 * Inside a syscall of old running with it (a switch from inside a call), that syscall's
 * return drops it instead. */
void
cred_icache_drop(struct kern_tls *t, struct kern *old)
{
	struct cred *c = t->icred;

	if (c == NULL)
		return;
	t->icred = NULL;
	if (t->cur != NULL && t->cur->l_kern == old && t->cur->l_cred == c &&
	    !(t->cur->l_flag & LW_CREDREF)) {
		t->cur->l_flag |= LW_CREDREF;
		return;
	}
	cred_free(old, c);
}

/*
 * A change of p's credentials: cred_modify returns a private copy of p_cred (NULL: ENOMEM)
 * with set*id changes serialised per kernel; decide on the copy, then cred_commit installs
 * it or cred_abort drops it.  The cred others hold is never written.
 */
static struct cred *
cred_modify(struct proc *p)
{
	struct kern *k = p->p_kern;
	struct cred *n;

	hyp_mutex_lock(&k->k_cred_mtx);
	if ((n = cred_copy(k, p->p_cred)) == NULL)
		hyp_mutex_unlock(&k->k_cred_mtx);
	return n;
}

static int
cred_commit(struct proc *p, struct cred *n)
{
	struct kern *k = p->p_kern;
	struct cred *old = p->p_cred;

	cred_pin(k, kern_tls.cur);	/* this syscall may run with old, borrowed */
	__atomic_store_n(&p->p_cred, n, __ATOMIC_RELEASE);
	/* after the store: an entry that sees the new generation takes the new cred */
	atomic_fetch_add_explicit(&p->p_credgen, 1, memory_order_release);
	p->p_flag |= PK_SUGID;
	hyp_mutex_unlock(&k->k_cred_mtx);
	cred_free(k, old);		/* lwps still running with it hold their own */
	return 0;
}

static int
cred_abort(struct proc *p, struct cred *n, int error)
{
	hyp_mutex_unlock(&p->p_kern->k_cred_mtx);
	cred_free(p->p_kern, n);
	return error;
}

/* ---------------------------------------------------------------- processes */

/* Called with k_proc_lock held. */
struct proc *
proc_find(struct kern *k, nb_pid_t pid)
{
	struct proc *p;

	for (p = k->k_procs; p != NULL; p = p->p_next)
		if (p->p_pid == pid)
			return p;
	return NULL;
}

static nb_pid_t
proc_newpid(struct kern *k)
{
	/* XXX: linear probe over the list; fine for the hundreds of processes tests use */
	for (;;) {
		nb_pid_t pid = k->k_nextpid++;
		if (k->k_nextpid > 30000)
			k->k_nextpid = 2;
		if (proc_find(k, pid) == NULL)
			return pid;
	}
}

int
proc_create(struct kern *k, struct proc *parent, int flags, struct proc **pp)
{
	struct proc *p;
	int error, i;

	if ((flags & (RUMP_RFFDG | RUMP_RFCFDG)) == (RUMP_RFFDG | RUMP_RFCFDG) ||
	    (flags & ~(RUMP_RFFDG | RUMP_RFCFDG)) != 0)
		return EINVAL;
	if (parent == NULL && !(flags & RUMP_RFCFDG))
		return EINVAL;
	if ((p = kmem_zalloc(k, sizeof(*p))) == NULL)
		return ENOMEM;
	p->p_kern = k;
	p->p_nextlid = 1;
	if (parent != NULL) {
		p->p_cred = cred_take(parent);
		p->p_umask = parent->p_umask;
		p->p_pgid = parent->p_pgid;
		p->p_sid = parent->p_sid;
		p->p_flag = parent->p_flag & PK_SUGID;
		memcpy(p->p_login, parent->p_login, sizeof(p->p_login));
		memcpy(p->p_rlimit, parent->p_rlimit, sizeof(p->p_rlimit));
		for (i = 0; i < 4; i++)		/* the mask is inherited, nothing is pending */
			p->p_sigmask[i] = __atomic_load_n(&parent->p_sigmask[i], __ATOMIC_RELAXED);
	} else {
		if ((p->p_cred = cred_alloc(k)) == NULL) {
			error = ENOMEM;
			goto fail;
		}
		p->p_umask = 022;
		for (i = 0; i < RLIM_NLIMITS; i++)
			p->p_rlimit[i].rlim_cur = p->p_rlimit[i].rlim_max = RLIM_INFINITY;
		p->p_rlimit[RLIMIT_NOFILE].rlim_cur = OPEN_MAX;
		p->p_rlimit[RLIMIT_NOFILE].rlim_max = (uint64_t)k->k_maxfiles;
		p->p_rlimit[RLIMIT_NPROC].rlim_cur = p->p_rlimit[RLIMIT_NPROC].rlim_max =
		    (uint64_t)k->k_maxproc;
	}
	if (flags & RUMP_RFCFDG)
		error = fd_table_new(k, &p->p_fd);
	else if (flags & RUMP_RFFDG)
		error = fd_table_copy(k, parent->p_fd, &p->p_fd);
	else {
		p->p_fd = parent->p_fd;
		atomic_fetch_add(&p->p_fd->fd_ref, 1);
		error = 0;
	}
	if (error != 0)
		goto fail;

	mutex_enter(&k->k_proc_lock);
	if (k->k_nprocs >= k->k_maxproc) {
		mutex_exit(&k->k_proc_lock);
		fd_table_free(k, p->p_fd);
		error = EAGAIN;
		goto fail;
	}
	p->p_pid = proc_newpid(k);
	if (parent == NULL)
		p->p_pgid = p->p_sid = p->p_pid;
	p->p_pptr = parent;
	p->p_next = k->k_procs;
	if (k->k_procs != NULL)
		k->k_procs->p_prev = p;
	k->k_procs = p;
	k->k_nprocs++;
	mutex_exit(&k->k_proc_lock);

	/* component hooks: e.g. vfs copies the current directory */
	for (i = 0; i < k->k_ncomps; i++) {
		const struct kern_component *c = k->k_comps[i];
		if (parent != NULL && c->proc_fork != NULL && (error = c->proc_fork(parent, p)) != 0) {
			while (i-- > 0)
				if (k->k_comps[i]->proc_exit != NULL)
					k->k_comps[i]->proc_exit(p);
			proc_free(p);
			return error;
		}
	}
	if (parent != NULL)
		ktr_proc_fork(parent, p);	/* KTRFAC_INHERIT */
	*pp = p;
	return 0;

fail:
	if (p->p_cred != NULL)
		cred_free(k, p->p_cred);
	kmem_free(k, p, sizeof(*p));
	return error;
}

int
lwp_create(struct proc *p, struct lwp **lp)
{
	struct kern *k = p->p_kern;
	struct lwp *l;

	if ((l = kmem_zalloc(k, sizeof(*l))) == NULL)
		return ENOMEM;
	l->l_proc = p;
	l->l_kern = k;
	mutex_enter(&k->k_proc_lock);
	l->l_lid = p->p_nextlid++;
	l->l_next = p->p_lwps;
	p->p_lwps = l;
	p->p_nlwps++;
	mutex_exit(&k->k_proc_lock);
	*lp = l;
	return 0;
}

/* Unlinks and frees l; with the last lwp of a process other than 1, the process exits. */
void
lwp_free(struct lwp *l)
{
	struct proc *p = l->l_proc;
	struct kern *k = p->p_kern;
	struct lwp **lpp;
	bool last;

	mutex_enter(&k->k_proc_lock);
	for (lpp = &p->p_lwps; *lpp != NULL; lpp = &(*lpp)->l_next)
		if (*lpp == l) {
			*lpp = l->l_next;
			p->p_nlwps--;
			break;
		}
	last = p->p_nlwps == 0 && p != k->k_proc1;
	if (last)
		p->p_flag |= PK_EXITING;	/* newlwp can no longer join it */
	mutex_exit(&k->k_proc_lock);
	cred_free(k, l->l_ccred);
	kmem_free(k, l, sizeof(*l));
	if (last)
		proc_exit(p);
}

void
proc_release(struct proc *p)
{
	struct kern *k = p->p_kern;
	int i;

	ktr_proc_exit(p);

	for (i = k->k_ncomps - 1; i >= 0; i--)
		if (k->k_comps[i]->proc_exit != NULL)
			k->k_comps[i]->proc_exit(p);
	if (p->p_fd != NULL) {
		fd_table_free(k, p->p_fd);
		p->p_fd = NULL;
	}
	ptimers_free(p);
	while (p->p_lwps != NULL) {
		struct lwp *l = p->p_lwps;
		p->p_lwps = l->l_next;
		p->p_nlwps--;
		cred_free(k, l->l_ccred);
		kmem_free(k, l, sizeof(*l));
	}
}

void
proc_free(struct proc *p)
{
	struct kern *k = p->p_kern;
	struct proc *q;

	mutex_enter(&k->k_proc_lock);
	if (p->p_prev != NULL)
		p->p_prev->p_next = p->p_next;
	else
		k->k_procs = p->p_next;
	if (p->p_next != NULL)
		p->p_next->p_prev = p->p_prev;
	k->k_nprocs--;
	for (q = k->k_procs; q != NULL; q = q->p_next)
		if (q->p_pptr == p)
			q->p_pptr = (p == k->k_proc1) ? NULL : k->k_proc1;
	mutex_exit(&k->k_proc_lock);
	cred_free(k, p->p_cred);
	kmem_free(k, p, sizeof(*p));
}

void
proc_exit(struct proc *p)
{
	proc_release(p);
	proc_free(p);
}

/* ---------------------------------------------------------------- lwproc (NetBSD API) */

/* These run on the calling thread's current kernel (or the default one). */
static struct kern *
lwproc_kern(void)
{
	struct kern *k = kern_tls.k;

	if (k == NULL)
		k = hyp_default_kernel();
	if (k != NULL && kern_tls.k == NULL) {
		/* bind the thread to the default kernel so its lwp is found again */
		rumpus_kernel_switch((struct rumpus_kernel *)k);
	}
	return k;
}

static void
bind_lwp(struct lwp *l)
{
	if (kern_tls.bound != NULL)
		kern_tls.bound->l_flag &= ~LW_BOUND;
	kern_tls.bound = l;
	if (l != NULL)
		l->l_flag |= LW_BOUND;
}

int rump_pub_lwproc_rfork(int flags) KERN_EXPORT;
int rump_lwproc_rfork(int flags) KERN_EXPORT;
int
rump_pub_lwproc_rfork(int flags)
{
	struct kern *k = lwproc_kern();
	struct lwp implicit, *prev, *l;
	struct proc *p;
	int error;

	if (k == NULL)
		return ENXIO;
	if (atomic_load(&k->k_halted))
		return ENXIO;
	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		return error;
	error = proc_create(k, curlwp()->l_proc, flags, &p);
	if (error == 0 && (error = lwp_create(p, &l)) != 0)
		proc_exit(p);
	kern_leave(k, prev);
	if (error == 0)
		bind_lwp(l);
	return error;
}

int
rump_lwproc_rfork(int flags)
{
	return rump_pub_lwproc_rfork(flags);
}

int rump_pub_lwproc_newlwp(nb_pid_t pid) KERN_EXPORT;
int rump_lwproc_newlwp(nb_pid_t pid) KERN_EXPORT;
int
rump_pub_lwproc_newlwp(nb_pid_t pid)
{
	struct kern *k = lwproc_kern();
	struct lwp implicit, *prev, *l = NULL;
	struct proc *p;
	int error;

	if (k == NULL || atomic_load(&k->k_halted))
		return ENXIO;
	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		return error;
	if ((l = kmem_zalloc(k, sizeof(*l))) == NULL) {
		kern_leave(k, prev);
		return ENOMEM;
	}
	mutex_enter(&k->k_proc_lock);
	if ((p = proc_find(k, pid)) == NULL || (p->p_flag & PK_EXITING))
		error = ESRCH;	/* process 1 too takes lwps, as on NetBSD (lwp_free never exits it) */
	else {
		l->l_proc = p;
		l->l_kern = k;
		l->l_lid = p->p_nextlid++;
		l->l_next = p->p_lwps;
		p->p_lwps = l;
		p->p_nlwps++;
	}
	mutex_exit(&k->k_proc_lock);
	if (error != 0)
		kmem_free(k, l, sizeof(*l));
	kern_leave(k, prev);
	if (error == 0)
		bind_lwp(l);
	return error;
}

int
rump_lwproc_newlwp(nb_pid_t pid)
{
	return rump_pub_lwproc_newlwp(pid);
}

void rump_pub_lwproc_switch(struct lwp *l) KERN_EXPORT;
void rump_lwproc_switch(struct lwp *l) KERN_EXPORT;
void
rump_pub_lwproc_switch(struct lwp *l)
{
	struct kern *k = lwproc_kern();

	if (l == NULL) {
		bind_lwp(NULL);
		return;
	}
	/* NetBSD panics on these; we refuse and keep the current binding. */
	if (k == NULL || l->l_kern != k || ((l->l_flag & LW_BOUND) && l != kern_tls.bound))
		return;
	bind_lwp(l);
}

void
rump_lwproc_switch(struct lwp *l)
{
	rump_pub_lwproc_switch(l);
}

void rump_pub_lwproc_releaselwp(void) KERN_EXPORT;
void rump_lwproc_releaselwp(void) KERN_EXPORT;
void
rump_pub_lwproc_releaselwp(void)
{
	struct kern *k = kern_tls.k;
	struct lwp implicit, *prev, *l = kern_tls.bound;

	if (k == NULL || l == NULL)
		return;
	bind_lwp(NULL);
	if (kern_enter(k, &implicit, &prev) != 0)
		return;
	lwp_free(l);
	kern_leave(k, prev);
}

void
rump_lwproc_releaselwp(void)
{
	rump_pub_lwproc_releaselwp();
}

struct lwp *rump_pub_lwproc_curlwp(void) KERN_EXPORT;
struct lwp *rump_lwproc_curlwp(void) KERN_EXPORT;
struct lwp *
rump_pub_lwproc_curlwp(void)
{
	return kern_tls.k != NULL ? kern_tls.bound : NULL;
}

struct lwp *
rump_lwproc_curlwp(void)
{
	return rump_pub_lwproc_curlwp();
}

/* ---------------------------------------------------------------- identity syscalls */

int
sys_getpid_with_ppid(struct lwp *l, const void *v, register_t *retval)
{
	struct proc *p = l->l_proc;

	(void)v;
	retval[0] = p->p_pid;
	retval[1] = p->p_pptr ? p->p_pptr->p_pid : 0;
	return 0;
}

int
sys_getppid(struct lwp *l, const void *v, register_t *retval)
{
	struct proc *p = l->l_proc;

	(void)v;
	retval[0] = p->p_pptr ? p->p_pptr->p_pid : 0;
	return 0;
}

int
sys_getuid_with_euid(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = lwp_cred(l)->cr_uid;
	retval[1] = lwp_cred(l)->cr_euid;
	return 0;
}

int
sys_geteuid(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = lwp_cred(l)->cr_euid;
	return 0;
}

int
sys_getgid_with_egid(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = lwp_cred(l)->cr_gid;
	retval[1] = lwp_cred(l)->cr_egid;
	return 0;
}

int
sys_getegid(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = lwp_cred(l)->cr_egid;
	return 0;
}

int
sys_issetugid(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = (l->l_proc->p_flag & PK_SUGID) ? 1 : 0;
	return 0;
}

/* POSIX setuid: root sets all three ids; others may set the effective id to the real
 * or saved one. */
int
sys_setuid(struct lwp *l, const struct sys_setuid_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	nb_uid_t uid = SCARG(uap, uid);
	struct cred *c;

	(void)retval;
	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	if (c->cr_euid == 0)
		c->cr_uid = c->cr_euid = c->cr_svuid = uid;
	else if (uid == c->cr_uid || uid == c->cr_svuid)
		c->cr_euid = uid;
	else
		return cred_abort(p, c, EPERM);
	return cred_commit(p, c);
}

int
sys_seteuid(struct lwp *l, const struct sys_seteuid_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	nb_uid_t uid = SCARG(uap, euid);
	struct cred *c;

	(void)retval;
	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	if (c->cr_euid != 0 && uid != c->cr_uid && uid != c->cr_svuid)
		return cred_abort(p, c, EPERM);
	c->cr_euid = uid;
	return cred_commit(p, c);
}

int
sys_setgid(struct lwp *l, const struct sys_setgid_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	nb_gid_t gid = SCARG(uap, gid);
	struct cred *c;

	(void)retval;
	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	if (c->cr_euid == 0)
		c->cr_gid = c->cr_egid = c->cr_svgid = gid;
	else if (gid == c->cr_gid || gid == c->cr_svgid)
		c->cr_egid = gid;
	else
		return cred_abort(p, c, EPERM);
	return cred_commit(p, c);
}

int
sys_setegid(struct lwp *l, const struct sys_setegid_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	nb_gid_t gid = SCARG(uap, egid);
	struct cred *c;

	(void)retval;
	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	if (c->cr_euid != 0 && gid != c->cr_gid && gid != c->cr_svgid)
		return cred_abort(p, c, EPERM);
	c->cr_egid = gid;
	return cred_commit(p, c);
}

/* setre[ug]id: -1 leaves an id alone; an unprivileged caller may only swap among its
 * real, effective and saved ids.  The saved id follows a changed effective id. */
static int
setreid(struct proc *p, uint32_t r, uint32_t e, bool isgid)
{
	struct cred *c;
	uint32_t cr, ce, cs;

	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	cr = isgid ? c->cr_gid : c->cr_uid;
	ce = isgid ? c->cr_egid : c->cr_euid;
	cs = isgid ? c->cr_svgid : c->cr_svuid;
	if (c->cr_euid != 0) {
		if (r != (uint32_t)-1 && r != cr && r != ce)
			return cred_abort(p, c, EPERM);
		if (e != (uint32_t)-1 && e != cr && e != ce && e != cs)
			return cred_abort(p, c, EPERM);
	}
	if (isgid) {
		if (r != (uint32_t)-1) c->cr_gid = r;
		if (e != (uint32_t)-1) c->cr_egid = c->cr_svgid = e;
	} else {
		if (r != (uint32_t)-1) c->cr_uid = r;
		if (e != (uint32_t)-1) c->cr_euid = c->cr_svuid = e;
	}
	return cred_commit(p, c);
}

int
sys_setreuid(struct lwp *l, const struct sys_setreuid_args *uap, register_t *retval)
{
	(void)retval;
	return setreid(l->l_proc, SCARG(uap, ruid), SCARG(uap, euid), false);
}

int
sys_setregid(struct lwp *l, const struct sys_setregid_args *uap, register_t *retval)
{
	(void)retval;
	return setreid(l->l_proc, SCARG(uap, rgid), SCARG(uap, egid), true);
}

int
sys_getgroups(struct lwp *l, const struct sys_getgroups_args *uap, register_t *retval)
{
	const struct cred *c = lwp_cred(l);
	int n = SCARG(uap, gidsetsize), error;

	if (n == 0) {
		retval[0] = c->cr_ngroups;
		return 0;
	}
	if (n < c->cr_ngroups)
		return EINVAL;
	error = copyout(c->cr_groups, SCARG(uap, gidset), sizeof(nb_gid_t) * (size_t)c->cr_ngroups);
	if (error == 0)
		retval[0] = c->cr_ngroups;
	return error;
}

int
sys_setgroups(struct lwp *l, const struct sys_setgroups_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	nb_gid_t groups[CRED_NGROUPS];
	int n = SCARG(uap, gidsetsize), error;
	struct cred *c;

	(void)retval;
	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	if (n < 0 || n > CRED_NGROUPS)
		return EINVAL;
	if ((error = copyin(SCARG(uap, gidset), groups, sizeof(nb_gid_t) * (size_t)n)) != 0)
		return error;
	if ((c = cred_modify(p)) == NULL)
		return ENOMEM;
	if (cred_super(c) != 0)		/* changed by another thread meanwhile */
		return cred_abort(p, c, EPERM);
	memcpy(c->cr_groups, groups, sizeof(nb_gid_t) * (size_t)n);
	c->cr_ngroups = n;
	return cred_commit(p, c);
}

int
sys___getlogin(struct lwp *l, const struct sys___getlogin_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	size_t len = strlen(p->p_login) + 1, n = SCARG(uap, namelen);

	(void)retval;
	if (n < len)
		return ERANGE;
	return copyout(p->p_login, SCARG(uap, namebuf), len);
}

int
sys___setlogin(struct lwp *l, const struct sys___setlogin_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	char name[MAXLOGNAME + 1];
	int error;

	(void)retval;
	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((error = copyinstr(SCARG(uap, namebuf), name, sizeof(name), NULL)) != 0)
		return error == ENAMETOOLONG ? EINVAL : error;
	memcpy(p->p_login, name, sizeof(name));
	return 0;
}

int
sys_getpgrp(struct lwp *l, const void *v, register_t *retval)
{
	(void)v;
	retval[0] = l->l_proc->p_pgid;
	return 0;
}

int
sys_getpgid(struct lwp *l, const struct sys_getpgid_args *uap, register_t *retval)
{
	nb_pid_t pid = SCARG(uap, pid);
	struct proc *p;
	int error = 0;

	mutex_enter(&l->l_kern->k_proc_lock);
	if ((p = pid == 0 ? l->l_proc : proc_find(l->l_kern, pid)) == NULL)
		error = ESRCH;
	else
		retval[0] = p->p_pgid;
	mutex_exit(&l->l_kern->k_proc_lock);
	return error;
}

int
sys_getsid(struct lwp *l, const struct sys_getsid_args *uap, register_t *retval)
{
	nb_pid_t pid = SCARG(uap, pid);
	struct proc *p;
	int error = 0;

	mutex_enter(&l->l_kern->k_proc_lock);
	if ((p = pid == 0 ? l->l_proc : proc_find(l->l_kern, pid)) == NULL)
		error = ESRCH;
	else
		retval[0] = p->p_sid;
	mutex_exit(&l->l_kern->k_proc_lock);
	return error;
}

int
sys_setsid(struct lwp *l, const void *v, register_t *retval)
{
	struct proc *p = l->l_proc, *q;

	(void)v;
	/* EPERM if a process group with our pid exists already (we would not lead it) */
	mutex_enter(&l->l_kern->k_proc_lock);
	for (q = l->l_kern->k_procs; q != NULL; q = q->p_next)
		if (q->p_pgid == p->p_pid)
			break;
	if (q == NULL) {
		p->p_sid = p->p_pgid = p->p_pid;
		retval[0] = p->p_sid;
	}
	mutex_exit(&l->l_kern->k_proc_lock);
	return q == NULL ? 0 : EPERM;
}

int
sys_setpgid(struct lwp *l, const struct sys_setpgid_args *uap, register_t *retval)
{
	nb_pid_t pid = SCARG(uap, pid), pgid = SCARG(uap, pgid);
	struct proc *p, *q;

	int error = 0;

	(void)retval;
	if (pgid < 0)
		return EINVAL;
	mutex_enter(&l->l_kern->k_proc_lock);
	p = pid == 0 ? l->l_proc : proc_find(l->l_kern, pid);
	if (p == NULL || (p != l->l_proc && p->p_pptr != l->l_proc))
		error = ESRCH;
	else if (p->p_sid == p->p_pid)
		error = EPERM;		/* a session leader keeps its group */
	else {
		if (pgid == 0)
			pgid = p->p_pid;
		if (pgid != p->p_pid) {
			for (q = l->l_kern->k_procs; q != NULL; q = q->p_next)
				if (q->p_pgid == pgid && q->p_sid == p->p_sid)
					break;
			if (q == NULL)
				error = EPERM;
		}
		if (error == 0)
			p->p_pgid = pgid;
	}
	mutex_exit(&l->l_kern->k_proc_lock);
	return error;
}

int
sys_umask(struct lwp *l, const struct sys_umask_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;

	retval[0] = p->p_umask;
	p->p_umask = SCARG(uap, newmask) & 07777;
	return 0;
}

int
sys_getrlimit(struct lwp *l, const struct sys_getrlimit_args *uap, register_t *retval)
{
	int which = SCARG(uap, which);

	(void)retval;
	if (which < 0 || which >= RLIM_NLIMITS)
		return EINVAL;
	return copyout(&l->l_proc->p_rlimit[which], SCARG(uap, rlp), sizeof(struct nb_rlimit));
}

int
sys_setrlimit(struct lwp *l, const struct sys_setrlimit_args *uap, register_t *retval)
{
	struct proc *p = l->l_proc;
	int which = SCARG(uap, which), error;
	struct nb_rlimit r;

	(void)retval;
	if (which < 0 || which >= RLIM_NLIMITS)
		return EINVAL;
	if ((error = copyin(SCARG(uap, rlp), &r, sizeof(r))) != 0)
		return error;
	if (r.rlim_cur > r.rlim_max)
		return EINVAL;
	if (r.rlim_max > p->p_rlimit[which].rlim_max && cred_super(lwp_cred(l)) != 0)
		return EPERM;
	if (which == RLIMIT_NOFILE) {
		if (r.rlim_cur > (uint64_t)l->l_kern->k_maxfiles)
			r.rlim_cur = (uint64_t)l->l_kern->k_maxfiles;
		if (r.rlim_max > (uint64_t)l->l_kern->k_maxfiles)
			r.rlim_max = (uint64_t)l->l_kern->k_maxfiles;
	}
	p->p_rlimit[which] = r;
	return 0;
}

/* utrace: a record for ktrace.  No process is ever traced by rumpus (there is no ktrace),
 * and NetBSD's utrace does nothing for an untraced process but check the length. */
int
sys_utrace(struct lwp *l, const struct sys_utrace_args *uap, register_t *retval)
{
	(void)l;
	(void)retval;
	return SCARG(uap, len) > 2048 ? EINVAL : 0;	/* KTR_USER_MAXLEN */
}
