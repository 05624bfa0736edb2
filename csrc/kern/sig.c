/*
 * sig.c: signals as a NetBSD rump kernel has them.  A kernel runs no signal handler and
 * delivers nothing inside itself: a signal posted to a process (kern_psignal: SIGPIPE
 * for a write on a broken connection or pipe, or rumpus_psignal) does what the kernel's
 * signal model says, NetBSD's enum rump_sigmodel:
 *   PANIC   the process aborts, except for SIGPIPE and SIGSYS, which are dropped;
 *   IGNORE  dropped;
 *   RAISE   raised in the calling host thread (hyp_raise translates the number); this
 *           is the default, as NetBSD's, and the old HOST model (2) means it too; for a
 *           sysproxy client's process it is sent to the client (p_rcopy->rc_raise);
 *   RECORD  kept pending on the process (p_sigpend) unless its mask has it; read and
 *           cleared with rumpus_sigpending/rumpus_sigclear, the mask set with
 *           rumpus_sigprocmask (rump's mask is its ps_sigignore: a masked signal is not
 *           recorded at all).
 * A kernel's model comes from rump_boot_setsigmodel() when it boots and may be changed
 * with rumpus_kernel_sigmodel().  Sets are NetBSD's sigset_t (4 words, bit sig - 1) and
 * change with atomics, so posting needs no lock.  XXX a recorded signal does not
 * interrupt sleeps (no EINTR yet), and timers post nothing (kern/timer.c).
 */
#include "kern/kern.h"
#include "rump/rumpus.h"

#define RUMP_SIGMODEL_PANIC	0
#define RUMP_SIGMODEL_IGNORE	1
#define RUMP_SIGMODEL_HOST	2	/* NetBSD's __HOST_NOTANYMORE: RAISE */
#define RUMP_SIGMODEL_RAISE	3
#define RUMP_SIGMODEL_RECORD	4
#define NB_SIGSYS	12

#define NB_NSIG		128		/* bits in a sigset_t */
#define NB_SIG_BLOCK	1
#define NB_SIG_UNBLOCK	2
#define NB_SIG_SETMASK	3

static bool
sig_member(const uint32_t *set, int sig)
{
	return (__atomic_load_n(&set[(sig - 1) >> 5], __ATOMIC_ACQUIRE) &
	    (1u << ((sig - 1) & 31))) != 0;
}

/* What a model other than RECORD does with a signal. */
static void
sig_act(int model, int sig)
{
	switch (model) {
	case RUMP_SIGMODEL_PANIC:
		if (sig == NB_SIGPIPE || sig == NB_SIGSYS)
			return;
		hyp_panic("unhandled signal", sig);
	case RUMP_SIGMODEL_IGNORE:
		return;
	default:
		(void)hyp_raise(sig);
	}
}

static void
sig_record(struct proc *p, int sig)
{
	if (!sig_member(p->p_sigmask, sig))
		__atomic_fetch_or(&p->p_sigpend[(sig - 1) >> 5], 1u << ((sig - 1) & 31),
		    __ATOMIC_RELEASE);
}

/* Called by syscalls on their own process, with no kernel lock held (a handler the
 * RAISE model runs may call into the kernel again). */
void
kern_psignal(struct proc *p, int sig)
{
	int model = atomic_load(&p->p_kern->k_sigmodel);

	if (sig <= 0 || sig > NB_NSIG)
		return;
	if (model == RUMP_SIGMODEL_RECORD)
		sig_record(p, sig);
	else if ((model == RUMP_SIGMODEL_RAISE || model == RUMP_SIGMODEL_HOST) &&
	    p->p_rcopy != NULL && p->p_rcopy->rc_raise != NULL)
		p->p_rcopy->rc_raise(p->p_rcopy, sig);	/* a sysproxy client's: raised there */
	else
		sig_act(model, sig);
}

static int
kern_null(const void *p, const char *what)
{
	if (p != NULL)
		return 0;
	(void)what;
	hyp_set_errno(EINVAL);
	return 1;
}

KERN_EXPORT int
rumpus_kernel_sigmodel(struct rumpus_kernel *rk, int model)
{
	struct kern *k = (struct kern *)rk;

	if (kern_null(rk, "kernel") || model < -1 || model > RUMP_SIGMODEL_RECORD)
		return -1;
	if (model == -1)
		return atomic_load(&k->k_sigmodel);
	return atomic_exchange(&k->k_sigmodel, model);
}

/* Runs fn on the process pid (0: the caller's) of k, with k entered and its process
 * table locked. */
static int
sig_onproc(struct rumpus_kernel *rk, int pid, int (*fn)(struct proc *, void *), void *arg)
{
	struct kern *k = (struct kern *)rk;
	struct lwp implicit, *prev;
	struct proc *p;
	int error;

	if (kern_null(rk, "kernel") || pid < 0)
		return EINVAL;
	if (atomic_load(&k->k_halted))
		return ENXIO;
	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		return error;
	mutex_enter(&k->k_proc_lock);
	p = pid == 0 ? curlwp()->l_proc : proc_find(k, (nb_pid_t)pid);
	error = p == NULL || (p->p_flag & PK_EXITING) ? ESRCH : fn(p, arg);
	mutex_exit(&k->k_proc_lock);
	kern_leave(k, prev);
	return error;
}

static int
sig_pending1(struct proc *p, void *arg)
{
	uint32_t *set = arg;
	int i;

	for (i = 0; i < 4; i++)
		set[i] = __atomic_load_n(&p->p_sigpend[i], __ATOMIC_ACQUIRE);
	return 0;
}

KERN_EXPORT int
rumpus_sigpending(struct rumpus_kernel *rk, int pid, uint32_t set[4])
{
	if (set == NULL)
		return EINVAL;
	return sig_onproc(rk, pid, sig_pending1, set);
}

static int
sig_clear1(struct proc *p, void *arg)
{
	const uint32_t *set = arg;
	int i;

	for (i = 0; i < 4; i++)
		__atomic_fetch_and(&p->p_sigpend[i], set != NULL ? ~set[i] : 0, __ATOMIC_RELEASE);
	return 0;
}

KERN_EXPORT int
rumpus_sigclear(struct rumpus_kernel *rk, int pid, const uint32_t set[4])
{
	return sig_onproc(rk, pid, sig_clear1, (void *)(uintptr_t)set);
}

struct sigmask_args {
	int how;
	const uint32_t *set;
	uint32_t *oset;
};

/* rump's sigprocmask1: the mask is what RECORD leaves out */
static int
sig_mask1(struct proc *p, void *arg)
{
	struct sigmask_args *a = arg;
	uint32_t old[4];
	int i;

	if (a->set != NULL && a->how != NB_SIG_BLOCK && a->how != NB_SIG_UNBLOCK &&
	    a->how != NB_SIG_SETMASK)
		return EINVAL;
	for (i = 0; i < 4; i++) {
		old[i] = __atomic_load_n(&p->p_sigmask[i], __ATOMIC_ACQUIRE);
		if (a->set == NULL)
			continue;
		__atomic_store_n(&p->p_sigmask[i], a->how == NB_SIG_BLOCK ? old[i] | a->set[i] :
		    a->how == NB_SIG_UNBLOCK ? old[i] & ~a->set[i] : a->set[i], __ATOMIC_RELEASE);
	}
	if (a->oset != NULL)
		memcpy(a->oset, old, sizeof(old));
	return 0;
}

KERN_EXPORT int
rumpus_sigprocmask(struct rumpus_kernel *rk, int pid, int how, const uint32_t set[4],
    uint32_t oset[4])
{
	struct sigmask_args a = { how, set, oset };

	return sig_onproc(rk, pid, sig_mask1, &a);
}

static int
sig_post1(struct proc *p, void *arg)
{
	int sig = *(int *)arg;

	if (atomic_load(&p->p_kern->k_sigmodel) == RUMP_SIGMODEL_RECORD)
		sig_record(p, sig);
	return 0;
}

/* Posts outside the kernel for the other models: a host handler may call into it. */
KERN_EXPORT int
rumpus_psignal(struct rumpus_kernel *rk, int pid, int sig)
{
	int error, model;

	if (rk == NULL || sig <= 0 || sig > NB_NSIG)
		return EINVAL;
	model = atomic_load(&((struct kern *)rk)->k_sigmodel);
	if ((error = sig_onproc(rk, pid, sig_post1, &sig)) != 0)
		return error;
	if (model != RUMP_SIGMODEL_RECORD)
		sig_act(model, sig);
	return 0;
}

/* ---------------------------------------------------------------- owners (F_SETOWN) */

/* May the caller make id its file's owner (NetBSD's fsetown)?  A process id > 0 must
 * exist (ESRCH); a process group -id must exist (EINVAL) and be in the caller's session
 * (EPERM), NetBSD's pgid_in_session. */
int
kern_owner_check(struct kern *k, int id)
{
	struct lwp *l = curlwp();
	struct proc *p;
	int error, sid = l != NULL && l->l_proc != NULL ? l->l_proc->p_sid : -1;

	if (id == 0)
		return 0;
	error = id > 0 ? ESRCH : EINVAL;
	mutex_enter(&k->k_proc_lock);
	for (p = k->k_procs; p != NULL; p = p->p_next) {
		if ((p->p_flag & PK_EXITING) || (id > 0 ? p->p_pid != id : p->p_pgid != -id))
			continue;
		error = id < 0 && sid != -1 && p->p_sid != sid ? EPERM : 0;
		break;
	}
	mutex_exit(&k->k_proc_lock);
	return error;
}

/*
 * Posts sig to an owner (NetBSD's fownsignal): the process id > 0, or every process of
 * the group -id, each as the kernel's model says (recorded, raised in the calling host
 * thread, ignored...).  Called with no kernel lock held: a handler that RAISE runs may
 * call into the kernel.
 */
void
kern_gsignal(struct kern *k, int id, int sig)
{
	int model = atomic_load(&k->k_sigmodel), n = 0;
	struct proc *p;

	if (id == 0 || sig <= 0 || sig > NB_NSIG)
		return;
	mutex_enter(&k->k_proc_lock);
	for (p = k->k_procs; p != NULL; p = p->p_next) {
		if ((p->p_flag & PK_EXITING) || (id > 0 ? p->p_pid != id : p->p_pgid != -id))
			continue;
		if (model == RUMP_SIGMODEL_RECORD)
			sig_record(p, sig);
		n++;
	}
	mutex_exit(&k->k_proc_lock);
	if (model != RUMP_SIGMODEL_RECORD)
		while (n-- > 0)
			sig_act(model, sig);
}
