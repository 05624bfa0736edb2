/*
 * kern.c: kernel instances, components, virtual CPUs, syscall entry, kmem.
 *
 * Virtual CPUs: k_vcpu_free counts free ones.  A thread takes one with a compare-and-swap
 * (the fast path of every syscall) and gives it back with an atomic add; only when that
 * finds waiters (k_vcpu_waiters, changed under k_sched_mtx) does it take the mutex to
 * wake one.  A waiter registers, then retries the CAS under the mutex before sleeping,
 * so a release that races with it either hands it the CPU or sees it and signals.
 *
 * Host threads and lwps: kern_tls.k is the thread's current kernel, kern_tls.bound its
 * lwp there (NULL: the thread runs as an implicit lwp of process 1, made on the stack of
 * each call).  Bindings in other kernels wait in kern_tls.saved, keyed by kernel id, so a
 * destroyed kernel's entries can never match a new kernel.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "kern/sysctl.h"
#include "rump/rumpus.h"
#include "rump/rumpus_race.h"

KERN_HIDDEN __thread struct kern_tls kern_tls __attribute__((tls_model("initial-exec")));
static __thread char kern_errbuf[160];

void
kern_seterror(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kern_errbuf, sizeof(kern_errbuf), fmt, ap);
	va_end(ap);
}

KERN_EXPORT const char *
rumpus_error(void)
{
	return kern_errbuf;
}

void kern_seterrno(int e) KERN_HIDDEN;
void
kern_seterrno(int e)
{
	hyp_set_errno(e);
}

/* ---------------------------------------------------------------- kmem */

/*
 * Memory accounting.  With one vCPU only its holder runs kernel code, so the bytes it
 * allocates and frees are counted in k_mem_held with plain loads and stores (the vCPU
 * hand-over orders them, as it orders every other kernel store): no atomic
 * read-modify-write, no cache line shared with other threads on the allocation path.
 * Everything else (kernels with several vCPUs, and frees or allocations made without the
 * vCPU: destroy, a thread dropping its cached credentials) counts in k_mem_used with
 * atomics.  The total is the sum (modulo 2^64: one part may go below zero), and the limit
 * is checked against it: exact for the vCPU holder; an allocation without the vCPU may
 * read k_mem_held a moment old.
 * With several vCPUs a thread whose current kernel it is counts in batches: it adds
 * KMEM_BATCH more than it needs to k_mem_used and allocates from that reservation
 * (kern_tls.mres) without atomics; frees go back to it, and past 2 * KMEM_BATCH the
 * excess goes back to the kernel; a switch to another kernel returns it all (so no
 * reservation outlives the kernel's being current, and destroy finds none).  Near the
 * limit it reserves only what it allocates: the limit may refuse an allocation while
 * other threads hold up to 2 * KMEM_BATCH each, never let one pass it.
 */
#define KMEM_BATCH	8192
static inline bool
kmem_holder(const struct kern *k)
{
	const struct lwp *cur = kern_tls.cur;

	return k->k_ncpu == 1 && cur != NULL && cur->l_kern == k;
}

size_t
kmem_used(const struct kern *k)
{
	return atomic_load_explicit(&k->k_mem_used, memory_order_relaxed) +
	    atomic_load_explicit(&k->k_mem_held, memory_order_relaxed);
}

void *
kmem_alloc(struct kern *k, size_t n)
{
	size_t used;
	void *p;

	if (HYP_FAULT_CHECK(&k->k_fault))
		return NULL;
	if (kmem_holder(k)) {
		used = atomic_load_explicit(&k->k_mem_held, memory_order_relaxed) + n;
		if (__predict_false(k->k_mem_limit != 0 && used +
		    atomic_load_explicit(&k->k_mem_used, memory_order_relaxed) > k->k_mem_limit))
			return NULL;
		if ((p = hyp_malloc(n)) != NULL)
			atomic_store_explicit(&k->k_mem_held, used, memory_order_relaxed);
		return p;
	}
	if (k->k_ncpu > 1 && kern_tls.k == k) {
		struct kern_tls *t = &kern_tls;

		if (__predict_false(t->mres < n)) {
			size_t want = n + KMEM_BATCH;

			if (k->k_mem_limit != 0 && kmem_used(k) + want > k->k_mem_limit)
				want = n;
			used = atomic_fetch_add_explicit(&k->k_mem_used, want,
			    memory_order_relaxed) + want;
			if (__predict_false(k->k_mem_limit != 0 && used +
			    atomic_load_explicit(&k->k_mem_held, memory_order_relaxed) >
			    k->k_mem_limit)) {
				atomic_fetch_sub_explicit(&k->k_mem_used, want, memory_order_relaxed);
				return NULL;
			}
			t->mres += want;
		}
		if ((p = hyp_malloc(n)) != NULL)
			t->mres -= n;
		return p;
	}
	used = atomic_fetch_add_explicit(&k->k_mem_used, n, memory_order_relaxed) + n;
	if (__predict_false(k->k_mem_limit != 0 && used +
	    atomic_load_explicit(&k->k_mem_held, memory_order_relaxed) > k->k_mem_limit)) {
		atomic_fetch_sub_explicit(&k->k_mem_used, n, memory_order_relaxed);
		return NULL;
	}
	p = hyp_malloc(n);
	if (p == NULL)
		atomic_fetch_sub_explicit(&k->k_mem_used, n, memory_order_relaxed);
	return p;
}

void
kmem_tls_return(struct kern *old)
{
	struct kern_tls *t = &kern_tls;

	if (t->mres != 0) {
		atomic_fetch_sub_explicit(&old->k_mem_used, t->mres, memory_order_relaxed);
		t->mres = 0;
	}
}

void *
kmem_zalloc(struct kern *k, size_t n)
{
	void *p = kmem_alloc(k, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

void
kmem_free(struct kern *k, void *p, size_t n)
{
	if (p == NULL)
		return;
	hyp_free(p, n);
	if (kmem_holder(k))
		atomic_store_explicit(&k->k_mem_held,
		    atomic_load_explicit(&k->k_mem_held, memory_order_relaxed) - n, memory_order_relaxed);
	else if (k->k_ncpu > 1 && kern_tls.k == k) {
		struct kern_tls *t = &kern_tls;

		t->mres += n;
		if (__predict_false(t->mres > 2 * KMEM_BATCH)) {
			atomic_fetch_sub_explicit(&k->k_mem_used, t->mres - KMEM_BATCH,
			    memory_order_relaxed);
			t->mres = KMEM_BATCH;
		}
	} else
		atomic_fetch_sub_explicit(&k->k_mem_used, n, memory_order_relaxed);
}

char *
kmem_strdup(struct kern *k, const char *s, size_t *sizep)
{
	size_t n = strlen(s) + 1;
	char *p = kmem_alloc(k, n);

	if (p != NULL)
		memcpy(p, s, n);
	if (sizep != NULL)
		*sizep = n;
	return p;
}

/* ---------------------------------------------------------------- components */

extern const struct sysctl_attach kern_sysctl_base[] KERN_HIDDEN;	/* kern/sysctl.c */
void ksem_fini(struct kern *k) KERN_HIDDEN;				/* kern/ksem.c */
static const struct kern_component kern_base = {
	.name = "kern",
	.id = COMP_KERN,
	.fini = ksem_fini,
	.sysctl_nodes = kern_sysctl_base,
};
KERN_COMPONENT(kern_base);

extern const struct kern_component *const __start_rumpus_comps[] KERN_HIDDEN;
extern const struct kern_component *const __stop_rumpus_comps[] KERN_HIDDEN;

const struct kern_component *
kern_component_find(const char *name)
{
	const struct kern_component *const *cp;

	for (cp = __start_rumpus_comps; cp < __stop_rumpus_comps; cp++)
		if (strcmp((*cp)->name, name) == 0)
			return *cp;
	return NULL;
}

KERN_EXPORT const char *
rumpus_component_name(int i)
{
	if (i < 0 || i >= __stop_rumpus_comps - __start_rumpus_comps)
		return NULL;
	return __start_rumpus_comps[i]->name;
}

/* Appends c after its dependencies to list (no duplicates).  depth guards cycles. */
static int
comp_resolve(const struct kern_component *c, const struct kern_component **list, int *n,
    int depth)
{
	int i;

	if (depth > KERN_NCOMP) {
		kern_seterror("component dependency cycle at '%s'", c->name);
		return EINVAL;
	}
	for (i = 0; i < *n; i++)
		if (list[i] == c)
			return 0;
	for (i = 0; i < 4 && c->deps[i] != NULL; i++) {
		const struct kern_component *d = kern_component_find(c->deps[i]);
		int error;

		if (d == NULL) {
			kern_seterror("component '%s' needs '%s', which is not built in",
			    c->name, c->deps[i]);
			return EINVAL;
		}
		if ((error = comp_resolve(d, list, n, depth + 1)) != 0)
			return error;
	}
	for (i = 0; i < *n; i++)
		if (list[i]->id == c->id) {
			kern_seterror("components '%s' and '%s' share id %d", c->name,
			    list[i]->name, c->id);
			return EINVAL;
		}
	if (*n >= KERN_NCOMP || c->id < 0 || c->id >= KERN_NCOMP) {
		kern_seterror("component '%s': bad id or too many components", c->name);
		return EINVAL;
	}
	list[(*n)++] = c;
	return 0;
}

/* ---------------------------------------------------------------- virtual CPUs */

/* ---- several vCPUs: slots (kern.h, struct kern_vcpu) */

static inline uintptr_t vcpu_token(void) { return (uintptr_t)&kern_tls; }

/* Takes a free slot, the one this thread had last first: 1, or 0 if none is free. */
static int
vcpu_multi_try(struct kern *k)
{
	uintptr_t me = vcpu_token();
	int i, n = k->k_ncpu, h = kern_tls.vhint < n ? kern_tls.vhint : 0;

	for (i = 0; i < n; i++) {
		int j = h + i < n ? h + i : h + i - n;	/* (no division on this path) */
		uintptr_t o = 0;

		if ((i == 0 || atomic_load_explicit(&k->k_vcpus[j].owner,
		    memory_order_relaxed) == 0) &&
		    atomic_compare_exchange_strong_explicit(&k->k_vcpus[j].owner, &o, me,
		    memory_order_seq_cst, memory_order_relaxed)) {
			kern_tls.vhint = (uint8_t)j;
			return 1;
		}
	}
	return 0;
}

/* Gives back the slot this thread holds (the hint's, unless it took another kernel's
 * vCPU in between), then wakes a waiter if there is one.  With membarrier (the usual
 * case) a plain store: a waiter runs hyp_membarrier() after registering, which orders this
 * store before our load of k_vcpu_waiters or shows us its count (as the one-vCPU release,
 * kern.h); else an exchange and a load, both sequentially consistent. */
static __attribute__((noinline)) void
vcpu_release_multi_slow(struct kern *k)
{
	uintptr_t me = vcpu_token();
	int i, n = k->k_ncpu;

	for (i = 0; i < n; i++)
		if (atomic_load_explicit(&k->k_vcpus[i].owner, memory_order_relaxed) == me)
			break;
	if (i == n)
		hyp_panic("rumpus: vCPU released by a thread that holds none", 0);
	if (k->k_vcpu_multirel) {
		atomic_store_explicit(&k->k_vcpus[i].owner, 0, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&k->k_vcpu_waiters, memory_order_relaxed) != 0)
			vcpu_wake(k);
		return;
	}
	(void)atomic_exchange_explicit(&k->k_vcpus[i].owner, 0, memory_order_seq_cst);
	if (atomic_load_explicit(&k->k_vcpu_waiters, memory_order_seq_cst) != 0)
		vcpu_wake(k);
}

void
vcpu_release_multi(struct kern *k)
{
	struct kern_tls *t = &kern_tls;
	unsigned i = t->vhint;

	if (__predict_true(i < (unsigned)k->k_ncpu && k->k_vcpu_multirel &&
	    atomic_load_explicit(&k->k_vcpus[i].owner, memory_order_relaxed) == (uintptr_t)t)) {
		atomic_store_explicit(&k->k_vcpus[i].owner, 0, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
		if (__predict_false(atomic_load_explicit(&k->k_vcpu_waiters,
		    memory_order_relaxed) != 0))
			vcpu_wake(k);
		return;
	}
	vcpu_release_multi_slow(k);
}

static __attribute__((noinline)) void
vcpu_take_multi_slow(struct kern *k)
{
	if (vcpu_multi_try(k))
		return;
	hyp_mutex_lock(&k->k_vcpu_mtx);
	atomic_fetch_add(&k->k_vcpu_waiters, 1);
	if (k->k_vcpu_multirel)
		hyp_membarrier();	/* a release now sees us, or we see its store */
	while (!vcpu_multi_try(k))
		hyp_cond_wait(&k->k_vcpu_cv, &k->k_vcpu_mtx);
	atomic_fetch_sub(&k->k_vcpu_waiters, 1);
	hyp_mutex_unlock(&k->k_vcpu_mtx);
}

void
vcpu_take_slow(struct kern *k)
{
	if (k->k_vcpus != NULL) {
		struct kern_tls *t = &kern_tls;
		unsigned h = t->vhint;
		uintptr_t o = 0;

		/* the slot this thread had last, then any, then wait */
		if (__predict_true(h < (unsigned)k->k_ncpu &&
		    atomic_compare_exchange_strong_explicit(&k->k_vcpus[h].owner, &o,
		    (uintptr_t)t, memory_order_seq_cst, memory_order_relaxed)))
			return;
		vcpu_take_multi_slow(k);
		return;
	}
	hyp_mutex_lock(&k->k_vcpu_mtx);
	atomic_fetch_add(&k->k_vcpu_waiters, 1);
	if (k->k_vcpu_fastrel)
		hyp_membarrier();	/* a release now sees us, or we see its store */
	for (;;) {
		int n = atomic_load(&k->k_vcpu_free);
		if (n > 0 && atomic_compare_exchange_strong(&k->k_vcpu_free, &n, n - 1))
			break;
		hyp_cond_wait(&k->k_vcpu_cv, &k->k_vcpu_mtx);
	}
	atomic_fetch_sub(&k->k_vcpu_waiters, 1);
	hyp_mutex_unlock(&k->k_vcpu_mtx);
}

void
vcpu_wake(struct kern *k)
{
	hyp_mutex_lock(&k->k_vcpu_mtx);
	hyp_cond_signal(&k->k_vcpu_cv);
	hyp_mutex_unlock(&k->k_vcpu_mtx);
}

int
vcpu_trytake(struct kern *k)
{
	int n = atomic_load(&k->k_vcpu_free);

	if (k->k_vcpus != NULL)
		return vcpu_multi_try(k);
	while (n > 0)
		if (atomic_compare_exchange_weak(&k->k_vcpu_free, &n, n - 1))
			return 1;
	return 0;
}

/* Called right after a release found callouts queued: take a vCPU if one is free, run
 * them, give it back, and again while more come (or until someone else holds the vCPU:
 * then they run them at their release). */
void
vcpu_softcheck(struct kern *k)
{
	atomic_uint *w[KERN_WAKEQ];
	int nw;

	for (int round = 0; kern_soft_more(k, round) && atomic_load(&k->k_softpending) &&
	    vcpu_trytake(k); round++) {
		kern_softrun(k);
		nw = kern_wake_take(k, w);
		if (k->k_vcpus != NULL)
			vcpu_release_multi(k);
		else {
			if (k->k_vcpu_fastrel)
				atomic_store(&k->k_vcpu_free, 1);
			else
				atomic_fetch_add(&k->k_vcpu_free, 1);
			if (atomic_load(&k->k_vcpu_waiters) != 0)
				vcpu_wake(k);
		}
		kern_wake_run(w, nw);
	}
}

void vcpu_take(struct kern *k) { vcpu_take_fast(k); }
void vcpu_release(struct kern *k) { vcpu_release_fast(k); }

/* ---------------------------------------------------------------- entry */

int
kern_enter(struct kern *k, struct lwp *implicit, struct lwp **prevp)
{
	struct kern_tls *t = &kern_tls;
	struct lwp *l;

	*prevp = t->cur;
	if (t->cur != NULL && t->cur->l_kern == k)
		return EDEADLK;		/* already inside k: callers must not nest */
	vcpu_take_fast(k);
	if (t->k == k && t->bound != NULL)
		l = t->bound;
	else {
		implicit->l_proc = k->k_proc1;
		implicit->l_kern = k;
		implicit->l_lid = 0;
		implicit->l_flag = LW_IMPLICIT;
		implicit->l_next = NULL;
		implicit->l_cred = NULL;
		l = implicit;
	}
	l->l_cred = cred_take(l->l_proc);	/* as a syscall: a snapshot until kern_leave */
	t->cur = l;
	return 0;
}

void
kern_leave(struct kern *k, struct lwp *prev)
{
	struct lwp *l = kern_tls.cur;

	cred_free(k, l->l_cred);
	l->l_cred = NULL;
	kern_tls.cur = prev;
	vcpu_release_fast(k);
}

int
kern_syscall(unsigned num, const void *uap, register_t *retval)
{
	return kern_syscall_inline(num, uap, retval);
}

/* ---------------------------------------------------------------- thread bindings */

static void
tls_save(struct kern_tls *t)
{
	int i, slot = 0;

	if (t->k == NULL || t->bound == NULL)
		return;
	for (i = 0; i < KERN_TLS_NBIND; i++) {
		if (t->saved[i].l == NULL || t->saved[i].kid == t->k->k_id) {
			slot = i;
			break;
		}
	}
	/* XXX: when all slots are taken the oldest binding is forgotten: the lwp stays in
	 * its process (freed at destroy), the thread runs as implicit there again. */
	if (i == KERN_TLS_NBIND) {
		memmove(&t->saved[0], &t->saved[1], sizeof(t->saved[0]) * (KERN_TLS_NBIND - 1));
		slot = KERN_TLS_NBIND - 1;
	}
	t->saved[slot].kid = t->k->k_id;
	t->saved[slot].l = t->bound;
	t->bound->l_flag &= ~LW_BOUND;
	t->bound = NULL;
}

static void
tls_restore(struct kern_tls *t)
{
	int i;

	t->bound = NULL;
	if (t->k == NULL)
		return;
	for (i = 0; i < KERN_TLS_NBIND; i++) {
		if (t->saved[i].l != NULL && t->saved[i].kid == t->k->k_id) {
			t->bound = t->saved[i].l;
			t->bound->l_flag |= LW_BOUND;
			t->saved[i].l = NULL;
			t->saved[i].kid = 0;
			break;
		}
	}
}

KERN_EXPORT struct rumpus_kernel *
rumpus_kernel_current(void)
{
	return (struct rumpus_kernel *)kern_tls.k;
}

/* A thread that exits with a kernel current lets go of it (else destroy stays EBUSY). */
static void
kern_thread_exit(void)
{
	(void)rumpus_kernel_switch(NULL);
}

KERN_EXPORT struct rumpus_kernel *
rumpus_kernel_switch(struct rumpus_kernel *rk)
{
	struct kern_tls *t = &kern_tls;
	struct kern *k = (struct kern *)rk, *old = t->k;

	if (k == old)
		return rk;
	if (old != NULL) {
		tls_save(t);
		cred_icache_drop(t, old);
		kmem_tls_return(old);
		atomic_fetch_sub(&old->k_ncurrent, 1);
	}
	t->k = k;
	if (k != NULL) {
		atomic_fetch_add(&k->k_ncurrent, 1);
		tls_restore(t);
		if (!t->exit_hooked)
			t->exit_hooked = hyp_thread_onexit(kern_thread_exit) == 0;
	}
	return (struct rumpus_kernel *)old;
}

KERN_EXPORT int
rumpus_kernel_call(struct rumpus_kernel *k, int (*fn)(void *), void *arg)
{
	struct rumpus_kernel *old;
	int rv;

	if (k == NULL || fn == NULL) {
		kern_seterror("%s is NULL", k == NULL ? "kernel" : "function");
		return EINVAL;
	}
	old = rumpus_kernel_switch(k);
	rv = fn(arg);

	rumpus_kernel_switch(old);
	return rv;
}

/* ---------------------------------------------------------------- create/destroy */

static void
kern_free_shell(struct kern *k)
{
	size_t left;

	(void)hyp_fault_set(&k->k_fault, HYP_FAULT_OFF, 0, 0);
	cv_destroy(&k->k_pollcv);
	mutex_destroy(&k->k_proc_lock);
	hyp_mutex_destroy(&k->k_callout_lock);
	hyp_cond_destroy(&k->k_callout_cv);
	hyp_cond_destroy(&k->k_vcpu_cv);
	hyp_mutex_destroy(&k->k_vcpu_mtx);
	hyp_mutex_destroy(&k->k_cred_mtx);
	hyp_mutex_destroy(&k->k_sched_mtx);
	left = kmem_used(k) - sizeof(*k);
	if (left != 0)
		hyp_memleak_note(left);
	if (k->k_vcpumem != NULL)
		hyp_free(k->k_vcpumem, sizeof(struct kern_vcpu) * (size_t)(k->k_ncpu + 1));
	hyp_free(k, sizeof(*k));
	hyp_kernel_gone();
}

KERN_EXPORT struct rumpus_kernel *
rumpus_kernel_create(const char *const *names, const struct rumpus_config *cfg, int *errp)
{
	const struct kern_component *list[KERN_NCOMP];
	struct rumpus_config defcfg = { 0, NULL, 0, 0 };
	struct kern *k;
	struct lwp implicit, *prev;
	int n = 0, i, error, ninit = 0;
	size_t hlen;

	kern_errbuf[0] = '\0';
	if (cfg == NULL)
		cfg = &defcfg;
	if (cfg->ncpu > 64) {
		kern_seterror("ncpu %u out of range (1..64)", cfg->ncpu);
		error = EINVAL;
		goto fail0;
	}
	hlen = cfg->hostname ? strlen(cfg->hostname) : 6;
	if (hlen >= 256) {
		kern_seterror("hostname longer than 255 bytes");
		error = EINVAL;
		goto fail0;
	}
	if (cfg->memlimit != 0 && cfg->memlimit < sizeof(*k)) {
		kern_seterror("memlimit %zu below the %zu bytes of an empty kernel",
		    cfg->memlimit, sizeof(*k));
		error = ENOMEM;
		goto fail0;
	}
	if (cfg->flags != 0) {
		kern_seterror("unknown flags 0x%x", cfg->flags);
		error = EINVAL;
		goto fail0;
	}
	if ((error = comp_resolve(&kern_base, list, &n, 0)) != 0)
		goto fail0;
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		const struct kern_component *c = kern_component_find(names[i]);

		if (c == NULL) {
			kern_seterror("unknown component '%s'", names[i]);
			error = EINVAL;
			goto fail0;
		}
		if ((error = comp_resolve(c, list, &n, 0)) != 0)
			goto fail0;
	}

	if ((k = hyp_zalloc(sizeof(*k))) == NULL) {
		kern_seterror("out of memory");
		error = ENOMEM;
		goto fail0;
	}
	k->k_id = hyp_unique_id();
	k->k_ncpu = cfg->ncpu ? (int)cfg->ncpu : 1;
	atomic_init(&k->k_vcpu_free, k->k_ncpu);
	if (k->k_ncpu > 1) {	/* slots instead of the count (vcpu_multi_try) */
		if ((k->k_vcpumem = hyp_zalloc(sizeof(struct kern_vcpu) * (size_t)(k->k_ncpu + 1)))
		    == NULL) {
			hyp_free(k, sizeof(*k));
			kern_seterror("out of memory");
			error = ENOMEM;
			goto fail0;
		}
		k->k_vcpus = (struct kern_vcpu *)(((uintptr_t)k->k_vcpumem + 63) & ~(uintptr_t)63);
		k->k_vcpu_multirel = hyp_membarrier_init();
		atomic_init(&k->k_vcpu_free, 0);
	}
	k->k_vcpu_fastrel = k->k_ncpu == 1 && hyp_membarrier_init();
	(void)hyp_fault_init();
	atomic_init(&k->k_mem_used, sizeof(*k));
	atomic_init(&k->k_mem_held, 0);
	k->k_mem_limit = cfg->memlimit;
	/* the model rump_boot_setsigmodel() set; unset, RECORD: a signal a kernel posts (a
	 * peer's RST makes a write post SIGPIPE) must not end a process that holds other
	 * kernels.  rump_init()'s kernel takes NetBSD's RAISE instead (compat.c). */
	atomic_store(&k->k_sigmodel, hyp_sigmodel_get() >= 0 ? hyp_sigmodel_get() : 4);
	hyp_mutex_init(&k->k_sched_mtx);
	hyp_mutex_init(&k->k_vcpu_mtx);
	hyp_mutex_init(&k->k_cred_mtx);
	hyp_cond_init(&k->k_vcpu_cv);
	hyp_mutex_init(&k->k_callout_lock);
	hyp_cond_init(&k->k_callout_cv);
	mutex_init(&k->k_proc_lock, k);
	cv_init(&k->k_pollcv, k);
	memcpy(k->k_hostname, cfg->hostname ? cfg->hostname : "rumpus", hlen);
	k->k_hostnamelen = hlen;
	k->k_maxfiles = 1024;
	k->k_maxproc = 1024;
	k->k_nextpid = 1;
	k->k_boottime = hyp_clock_real();
	k->k_seed = hyp_kernel_seed(&k->k_seeded);
	atomic_init(&k->k_rng, k->k_seed);

	if ((error = proc_create(k, NULL, RUMP_RFCFDG, &k->k_proc1)) != 0) {
		kern_seterror("cannot create process 1");
		goto fail1;
	}
	for (i = 0; i < n; i++) {
		k->k_comps[i] = list[i];
		k->k_compmask |= 1u << list[i]->id;
	}
	k->k_ncomps = n;
	if ((error = kern_enter(k, &implicit, &prev)) != 0)
		goto fail2;
	for (ninit = 0; ninit < n; ninit++) {
		if (list[ninit]->init != NULL && (error = list[ninit]->init(k)) != 0) {
			kern_seterror("component '%s' failed to start (error %d)",
			    list[ninit]->name, error);
			/* out of memory, whatever the component called it */
			if (error == ENOSPC || error == ENOBUFS)
				error = ENOMEM;
			break;
		}
	}
	if (error != 0) {
		while (ninit-- > 0)
			if (list[ninit]->fini != NULL)
				list[ninit]->fini(k);
		kern_leave(k, prev);
		goto fail2;
	}
	kern_leave(k, prev);
	return (struct rumpus_kernel *)k;

fail2:
	atomic_store(&k->k_halted, 1);
	proc_exit(k->k_proc1);
fail1:
	kern_free_shell(k);
fail0:
	if (errp != NULL)
		*errp = error;
	return NULL;
}

KERN_EXPORT int
rumpus_kernel_destroy(struct rumpus_kernel *rk)
{
	struct kern *k = (struct kern *)rk;
	struct kern_tls *t = &kern_tls;
	struct lwp implicit, *prev;
	int mine, i;

	if (k == NULL)
		return EINVAL;
	mine = (t->k == k);
	if (atomic_load(&k->k_ncurrent) > mine || atomic_load(&k->k_sleepers) > 0 ||
	    (t->cur != NULL && t->cur->l_kern == k)) {
		kern_seterror("kernel is in use by another thread");
		return EBUSY;
	}
	if (mine)
		rumpus_kernel_switch(NULL);
	for (i = 0; i < KERN_TLS_NBIND; i++)
		if (t->saved[i].kid == k->k_id)
			t->saved[i].l = NULL, t->saved[i].kid = 0;
	hyp_default_kernel_set(k, NULL);

	/* Stop deferred work first: a running callout needs the vCPU we are about to take. */
	kern_halt(k);
	hyp_mutex_lock(&k->k_callout_lock);
	while (k->k_callouts != NULL) {
		struct callout *c = k->k_callouts;
		hyp_mutex_unlock(&k->k_callout_lock);
		callout_halt(c);
		hyp_mutex_lock(&k->k_callout_lock);
	}
	hyp_mutex_unlock(&k->k_callout_lock);
	/* an expiry of a callout that already ran may still be on its way out of k */
	hyp_timer_drain();

	kern_enter(k, &implicit, &prev);
	/* Processes go first (closing descriptors, dropping directories), then components,
	 * last first, then process 1. */
	while (k->k_procs != NULL && (k->k_procs != k->k_proc1 || k->k_procs->p_next != NULL)) {
		struct proc *p = k->k_procs == k->k_proc1 ? k->k_procs->p_next : k->k_procs;
		proc_exit(p);
	}
	proc_release(k->k_proc1);
	for (i = k->k_ncomps - 1; i >= 0; i--)
		if (k->k_comps[i]->fini != NULL)
			k->k_comps[i]->fini(k);
	proc_free(k->k_proc1);
	kern_leave(k, prev);
	kern_free_shell(k);
	return 0;
}

/* The facts below answer -1 (memused: 0, which no kernel uses) for a NULL kernel or
 * component name, with errno EINVAL and a sentence in rumpus_error(). */
static int
kern_null(const void *p, const char *what)
{
	if (p != NULL)
		return 0;
	kern_seterror("%s is NULL", what);
	kern_seterrno(EINVAL);
	return 1;
}

KERN_EXPORT size_t
rumpus_kernel_memused(const struct rumpus_kernel *rk)
{
	if (kern_null(rk, "kernel"))
		return 0;
	const struct kern *k = (const struct kern *)rk;

	/* less what this thread has reserved there (several vCPUs: kmem_alloc) */
	return kmem_used(k) - (kern_tls.k == k ? kern_tls.mres : 0);
}

KERN_EXPORT int
rumpus_kernel_has(const struct rumpus_kernel *rk, const char *name)
{
	const struct kern *k = (const struct kern *)rk;
	int i;

	if (kern_null(rk, "kernel") || kern_null(name, "component name"))
		return -1;
	for (i = 0; i < k->k_ncomps; i++)
		if (strcmp(k->k_comps[i]->name, name) == 0)
			return 1;
	return 0;
}

KERN_EXPORT int
rumpus_kernel_ncpu(const struct rumpus_kernel *rk)
{
	if (kern_null(rk, "kernel"))
		return -1;
	return ((const struct kern *)rk)->k_ncpu;
}

KERN_EXPORT int
rumpus_kernel_halted(const struct rumpus_kernel *rk)
{
	if (kern_null(rk, "kernel"))
		return -1;
	return atomic_load(&((const struct kern *)rk)->k_halted);
}

KERN_EXPORT int
rumpus_clock_virtual(int on)
{
	return hyp_vclock_set(on);
}

/* ---- seeds and the event trace (docs/race.md) ---- */

/* A timer fn run in the deterministic mode by a thread that sleeps in a kernel enters
 * kernels as if from outside: its curlwp is hidden meanwhile. */
static void *
det_ctx_enter(void)
{
	struct lwp *cur = kern_tls.cur;

	kern_tls.cur = NULL;
	return cur;
}

static void
det_ctx_leave(void *cur)
{
	kern_tls.cur = cur;
}

__attribute__((constructor)) static void
det_hooks_init(void)
{
	hyp_det_hooks(det_ctx_enter, det_ctx_leave);
}

static uint64_t
rng_next(struct kern *k)
{
	uint64_t z = atomic_fetch_add_explicit(&k->k_rng, 0x9e3779b97f4a7c15ULL,
	    memory_order_relaxed) + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The kernel's random numbers.  In a seeded run (docs/race.md) a splitmix64 stream from the
 * kernel's seed, so a run replays; otherwise the host's getrandom, so what a peer sees
 * (ephemeral ports, TCP's ISN key and timestamp offsets, IP ids) never lets it predict the
 * rest: splitmix64's state can be recovered from its outputs. */
void
kern_random(struct kern *k, void *buf, size_t len)
{
	unsigned char *p = buf;

	if (!k->k_seeded) {
		(void)hyp_random(buf, len);
		return;
	}
	while (len > 0) {
		uint64_t r = rng_next(k);
		size_t n = len < sizeof(r) ? len : sizeof(r);

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

uint32_t
kern_random32(struct kern *k)
{
	uint32_t r;

	if (!k->k_seeded) {
		(void)hyp_random(&r, sizeof(r));
		return r;
	}
	return (uint32_t)(rng_next(k) >> 32);
}

KERN_EXPORT int
rumpus_seed(uint64_t seed)
{
	return hyp_seed_set(1, seed);
}

KERN_EXPORT void
rumpus_seed_clear(void)
{
	(void)hyp_seed_set(0, 0);
}

KERN_EXPORT int
rumpus_seed_get(uint64_t *seedp)
{
	return hyp_seed_get(seedp);
}

KERN_EXPORT uint64_t
rumpus_kernel_seed(const struct rumpus_kernel *rk)
{
	const struct kern *k = (const struct kern *)rk;

	if (k == NULL) {
		kern_seterror("no kernel");
		return 0;
	}
	return k->k_seed;
}

KERN_EXPORT int
rumpus_deterministic(void)
{
	return atomic_load(&hyp_det_on);
}

KERN_EXPORT void
rumpus_det_poll(void)
{
	hyp_det_poll();
}

KERN_EXPORT int
rumpus_det_next(uint64_t *deadlinep)
{
	if (deadlinep == NULL)
		return 0;
	return hyp_det_next(deadlinep);
}

KERN_EXPORT void
rumpus_trace_start(size_t max)
{
	hyp_trace_start(max);
}

KERN_EXPORT void
rumpus_trace_stop(void)
{
	hyp_trace_stop();
}

KERN_EXPORT void
rumpus_trace_note(uint32_t info, const void *data, size_t len)
{
	if (atomic_load_explicit(&hyp_trace_on, memory_order_relaxed) && (data != NULL || len == 0))
		hyp_trace_note(HYP_TR_NOTE, info, data, len);
}

KERN_EXPORT void
rumpus_trace_digest(uint64_t *digestp, uint64_t *countp)
{
	uint64_t d = hyp_trace_digest(countp);

	if (digestp != NULL)
		*digestp = d;
}

KERN_EXPORT int
rumpus_trace_get(size_t i, struct rumpus_trace_event *ev)
{
	struct hyp_trace_ev e;

	if (ev == NULL || !hyp_trace_get(i, &e))
		return 0;
	ev->kind = e.kind;
	ev->info = e.info;
	ev->vtime = e.vtime;
	ev->hash = e.hash;
	return 1;
}

KERN_EXPORT void
rumpus_clock_advance(uint64_t ns)
{
	hyp_vclock_advance(ns);
}

KERN_EXPORT uint64_t
rumpus_clock_now(void)
{
	return hyp_clock_mono();
}

KERN_EXPORT void
rumpus_memstats(struct rumpus_memstats *st)
{
	struct hyp_memstats h;

	hyp_memstats(&h);
	st->bytes = h.bytes;
	st->blocks = h.blocks;
	st->leaked = h.leaked;
}
