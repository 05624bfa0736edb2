/*
 * ksem.c: POSIX semaphores, NetBSD's _ksem_* system calls (what libc's sem_* call).
 *
 * A semaphore is anonymous (_ksem_init; gone at _ksem_destroy) or named (_ksem_open with
 * a name starting with '/'; _ksem_close drops an opener's reference, _ksem_unlink removes
 * the name, the semaphore goes when both happened).  Ids are numbers the kernel hands
 * out (written to *idp as an intptr_t), shared by every process of the kernel (NetBSD 7
 * keeps them per system too); a wrong id is EINVAL.  Values go up to SEM_VALUE_MAX
 * (0x7fffffff): posting beyond is EOVERFLOW.  _ksem_wait sleeps (EINTR when
 * interrupted), _ksem_trywait is EAGAIN at zero, _ksem_timedwait ETIMEDOUT at its
 * absolute CLOCK_REALTIME deadline; destroying a semaphore others wait on is EBUSY.
 *
 * State: the kernel's (the base component's private slot, made at first use under
 * k_proc_lock); ks_lock guards it, waiters sleep on ks_cv.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

#define SEM_VALUE_MAX	0x7fffffffU
#define KSEM_NAMEMAX	255
#define KSEM_MAX	1024		/* semaphores per kernel */

struct ksem {
	struct ksem *ks_next;
	intptr_t ks_id;
	unsigned ks_value;
	unsigned ks_waiters;
	unsigned ks_refs;		/* named: openers that did not close */
	bool ks_named, ks_unlinked;
	nb_mode_t ks_mode;
	nb_uid_t ks_uid;
	nb_gid_t ks_gid;
	char ks_name[KSEM_NAMEMAX + 1];
};

struct ksem_state {
	kmutex_t ks_lock;
	kcondvar_t ks_cv;
	struct ksem *ks_list;
	intptr_t ks_nextid;
	unsigned ks_count;
};

static struct ksem_state *
ksem_state(struct kern *k)
{
	struct ksem_state *st;

	mutex_enter(&k->k_proc_lock);
	if ((st = kern_priv(k, COMP_KERN)) == NULL &&
	    (st = kmem_zalloc(k, sizeof(*st))) != NULL) {
		mutex_init(&st->ks_lock, k);
		cv_init(&st->ks_cv, k);
		st->ks_nextid = 1;
		kern_priv_set(k, COMP_KERN, st);
	}
	mutex_exit(&k->k_proc_lock);
	return st;
}

/* at kernel destroy (kern.c's base component) */
void
ksem_fini(struct kern *k)
{
	struct ksem_state *st = kern_priv(k, COMP_KERN);
	struct ksem *ks;

	if (st == NULL)
		return;
	while ((ks = st->ks_list) != NULL) {
		st->ks_list = ks->ks_next;
		kmem_free(k, ks, sizeof(*ks));
	}
	cv_destroy(&st->ks_cv);
	mutex_destroy(&st->ks_lock);
	kern_priv_set(k, COMP_KERN, NULL);
	kmem_free(k, st, sizeof(*st));
}

static struct ksem *
ksem_byid(struct ksem_state *st, intptr_t id)
{
	struct ksem *ks;

	for (ks = st->ks_list; ks != NULL; ks = ks->ks_next)
		if (ks->ks_id == id && !(ks->ks_named && ks->ks_refs == 0))
			return ks;
	return NULL;
}

static struct ksem *
ksem_byname(struct ksem_state *st, const char *name)
{
	struct ksem *ks;

	for (ks = st->ks_list; ks != NULL; ks = ks->ks_next)
		if (ks->ks_named && !ks->ks_unlinked && strcmp(ks->ks_name, name) == 0)
			return ks;
	return NULL;
}

static void
ksem_free(struct kern *k, struct ksem_state *st, struct ksem *ks)
{
	struct ksem **pp;

	for (pp = &st->ks_list; *pp != NULL; pp = &(*pp)->ks_next)
		if (*pp == ks) {
			*pp = ks->ks_next;
			break;
		}
	st->ks_count--;
	kmem_free(k, ks, sizeof(*ks));
}

static int
ksem_create(struct kern *k, struct ksem_state *st, unsigned value, struct ksem **ksp)
{
	struct ksem *ks;

	if (value > SEM_VALUE_MAX)
		return EINVAL;
	if (st->ks_count >= KSEM_MAX)
		return ENFILE;
	if ((ks = kmem_zalloc(k, sizeof(*ks))) == NULL)
		return ENOSPC;
	ks->ks_id = st->ks_nextid++;
	ks->ks_value = value;
	ks->ks_next = st->ks_list;
	st->ks_list = ks;
	st->ks_count++;
	*ksp = ks;
	return 0;
}

int
sys__ksem_init(struct lwp *l, const struct sys__ksem_init_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct ksem_state *st = ksem_state(k);
	struct ksem *ks;
	intptr_t id;
	int error;

	(void)retval;
	if (st == NULL)
		return ENOSPC;
	mutex_enter(&st->ks_lock);
	error = ksem_create(k, st, SCARG(uap, value), &ks);
	id = error == 0 ? ks->ks_id : 0;
	mutex_exit(&st->ks_lock);
	if (error == 0 && (error = copyout(&id, SCARG(uap, idp), sizeof(id))) != 0) {
		mutex_enter(&st->ks_lock);
		if ((ks = ksem_byid(st, id)) != NULL)
			ksem_free(k, st, ks);
		mutex_exit(&st->ks_lock);
	}
	return error;
}

int
sys__ksem_open(struct lwp *l, const struct sys__ksem_open_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct ksem_state *st = ksem_state(k);
	const struct cred *cred = lwp_cred(l);
	char name[KSEM_NAMEMAX + 1];
	int oflag = SCARG(uap, oflag), error;
	struct ksem *ks;
	intptr_t id = 0;
	bool created = false;

	(void)retval;
	if (st == NULL)
		return ENOSPC;
	if ((error = copyinstr(SCARG(uap, name), name, sizeof(name), NULL)) != 0)
		return error == EFAULT ? EFAULT : ENAMETOOLONG;
	if (name[0] != '/' || name[1] == '\0')
		return EINVAL;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byname(st, name)) != NULL) {
		if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			error = EEXIST;
		else if (cred->cr_euid != 0 && !(cred->cr_euid == ks->ks_uid ?
		    (ks->ks_mode & 0600) == 0600 : (ks->ks_mode & 0006) == 0006))
			error = EACCES;
		else
			ks->ks_refs++;
	} else if (!(oflag & O_CREAT))
		error = ENOENT;
	else if ((error = ksem_create(k, st, SCARG(uap, value), &ks)) == 0) {
		ks->ks_named = true;
		ks->ks_refs = 1;
		ks->ks_mode = SCARG(uap, mode) & 0777;
		ks->ks_uid = cred->cr_euid;
		ks->ks_gid = cred->cr_egid;
		memcpy(ks->ks_name, name, sizeof(name));
		created = true;
	}
	if (error == 0)
		id = ks->ks_id;
	mutex_exit(&st->ks_lock);
	if (error == 0 && (error = copyout(&id, SCARG(uap, idp), sizeof(id))) != 0) {
		mutex_enter(&st->ks_lock);
		if ((ks = ksem_byid(st, id)) != NULL) {
			ks->ks_refs--;
			if (created)
				ks->ks_unlinked = true;
			if (ks->ks_refs == 0 && ks->ks_unlinked)
				ksem_free(k, st, ks);
		}
		mutex_exit(&st->ks_lock);
	}
	return error;
}

int
sys__ksem_unlink(struct lwp *l, const struct sys__ksem_unlink_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct ksem_state *st = ksem_state(k);
	const struct cred *cred = lwp_cred(l);
	char name[KSEM_NAMEMAX + 1];
	struct ksem *ks;
	int error;

	(void)retval;
	if (st == NULL)
		return ENOSPC;
	if ((error = copyinstr(SCARG(uap, name), name, sizeof(name), NULL)) != 0)
		return error == EFAULT ? EFAULT : ENAMETOOLONG;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byname(st, name)) == NULL)
		error = ENOENT;
	else if (cred->cr_euid != 0 && cred->cr_euid != ks->ks_uid)
		error = EACCES;
	else {
		ks->ks_unlinked = true;
		if (ks->ks_refs == 0)
			ksem_free(k, st, ks);
	}
	mutex_exit(&st->ks_lock);
	return error;
}

int
sys__ksem_close(struct lwp *l, const struct sys__ksem_close_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct ksem_state *st = ksem_state(k);
	struct ksem *ks;
	int error = 0;

	(void)retval;
	if (st == NULL)
		return EINVAL;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byid(st, SCARG(uap, id))) == NULL || !ks->ks_named)
		error = EINVAL;
	else if (--ks->ks_refs == 0 && ks->ks_unlinked)
		ksem_free(k, st, ks);
	mutex_exit(&st->ks_lock);
	return error;
}

int
sys__ksem_post(struct lwp *l, const struct sys__ksem_post_args *uap, register_t *retval)
{
	struct ksem_state *st = ksem_state(l->l_kern);
	struct ksem *ks;
	int error = 0;

	(void)retval;
	if (st == NULL)
		return EINVAL;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byid(st, SCARG(uap, id))) == NULL)
		error = EINVAL;
	else if (ks->ks_value >= SEM_VALUE_MAX)
		error = EOVERFLOW;
	else {
		ks->ks_value++;
		if (ks->ks_waiters > 0)
			cv_broadcast(&st->ks_cv);
	}
	mutex_exit(&st->ks_lock);
	return error;
}

/* deadline: 0 sleeps without a limit, UINT64_MAX never sleeps (trywait) */
static int
ksem_wait(struct lwp *l, intptr_t id, uint64_t deadline)
{
	struct ksem_state *st = ksem_state(l->l_kern);
	struct ksem *ks;
	int error = 0;

	if (st == NULL)
		return EINVAL;
	mutex_enter(&st->ks_lock);
	for (;;) {
		if ((ks = ksem_byid(st, id)) == NULL) {
			error = EINVAL;
			break;
		}
		if (ks->ks_value > 0) {
			ks->ks_value--;
			break;
		}
		if (deadline == UINT64_MAX) {
			error = EAGAIN;
			break;
		}
		ks->ks_waiters++;
		error = deadline == 0 ? cv_wait(&st->ks_cv, &st->ks_lock) :
		    cv_timedwait(&st->ks_cv, &st->ks_lock, deadline);
		if ((ks = ksem_byid(st, id)) != NULL)
			ks->ks_waiters--;
		if (error == EWOULDBLOCK)
			error = ETIMEDOUT;
		if (error != 0)
			break;
	}
	mutex_exit(&st->ks_lock);
	return error;
}

int
sys__ksem_wait(struct lwp *l, const struct sys__ksem_wait_args *uap, register_t *retval)
{
	(void)retval;
	return ksem_wait(l, SCARG(uap, id), 0);
}

int
sys__ksem_trywait(struct lwp *l, const struct sys__ksem_trywait_args *uap,
    register_t *retval)
{
	(void)retval;
	return ksem_wait(l, SCARG(uap, id), UINT64_MAX);
}

int
sys__ksem_timedwait(struct lwp *l, const struct sys__ksem_timedwait_args *uap,
    register_t *retval)
{
	struct nb_timespec ts;
	uint64_t abs, now, deadline;
	int error;

	(void)retval;
	if ((error = copyin(SCARG(uap, abstime), &ts, sizeof(ts))) != 0)
		return error;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return EINVAL;
	abs = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	now = kern_realtime(l->l_kern);
	deadline = hyp_clock_mono() + (abs > now ? abs - now : 1);
	return ksem_wait(l, SCARG(uap, id), deadline);
}

int
sys__ksem_getvalue(struct lwp *l, const struct sys__ksem_getvalue_args *uap,
    register_t *retval)
{
	struct ksem_state *st = ksem_state(l->l_kern);
	struct ksem *ks;
	unsigned value = 0;
	int error = 0;

	(void)retval;
	if (st == NULL)
		return EINVAL;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byid(st, SCARG(uap, id))) == NULL)
		error = EINVAL;
	else
		value = ks->ks_value;
	mutex_exit(&st->ks_lock);
	if (error == 0)
		error = copyout(&value, SCARG(uap, value), sizeof(value));
	return error;
}

int
sys__ksem_destroy(struct lwp *l, const struct sys__ksem_destroy_args *uap,
    register_t *retval)
{
	struct kern *k = l->l_kern;
	struct ksem_state *st = ksem_state(k);
	struct ksem *ks;
	int error = 0;

	(void)retval;
	if (st == NULL)
		return EINVAL;
	mutex_enter(&st->ks_lock);
	if ((ks = ksem_byid(st, SCARG(uap, id))) == NULL || ks->ks_named)
		error = EINVAL;
	else if (ks->ks_waiters > 0)
		error = EBUSY;
	else
		ksem_free(k, st, ks);
	mutex_exit(&st->ks_lock);
	return error;
}
