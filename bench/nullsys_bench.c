/*
 * nullsys_bench.c: the kernel's null syscall (getpid) against the entry paths it replaced,
 * all in this process, in interleaved batches (docs/bench.md).
 *
 *   now        rump_sys_getpid(): the library's entry (kern_syscall_inline)
 *   session 2  the entry as session 2 left it: a credential reference taken and dropped on
 *              every call (cred_take_fast/cred_drop_fast) and the deferred-wake check
 *   before     the entry before the credential snapshot (no snapshot, no wake check): the
 *              cost the issue asks to get back to
 * The two old paths are copies kept here (they call the same table entry of the same
 * kernel), so they measure the same machine at the same moment.  Each runs on a kernel
 * with one vCPU and on one with two; the thread is unbound (the implicit lwp of process 1)
 * and then bound to an lwp of its own (rump_pub_lwproc_rfork).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"
#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#define BENCH_OWN_CLOCK	/* now_ns() below: the host clock through hyper/ */
#include "bench.h"

int rump_pub_lwproc_rfork(int flags);
void kern_seterrno(int e);
void rump_pub_lwproc_releaselwp(void);

static volatile long sink;

/* (the kernel's headers carry NetBSD's clock ids: the host clock comes through hyper/) */
static double
now_ns(void)
{
	return (double)hyp_clock_mono();
}

/* Session 2's credential reference per call (ncpu == 1 plain, else cred_take). */
static inline struct cred *
s2_cred_take(struct kern *k, struct proc *p)
{
	struct cred *c;

	if (__predict_false(k->k_ncpu != 1))
		return cred_take(p);
	c = p->p_cred;
	atomic_store_explicit(&c->cr_ref,
	    atomic_load_explicit(&c->cr_ref, memory_order_relaxed) + 1, memory_order_relaxed);
	return c;
}

static inline void
s2_cred_drop(struct kern *k, struct cred *c)
{
	int n;

	if (__predict_true(k->k_ncpu == 1) &&
	    (n = atomic_load_explicit(&c->cr_ref, memory_order_relaxed)) > 1) {
		atomic_store_explicit(&c->cr_ref, n - 1, memory_order_relaxed);
		return;
	}
	cred_free(k, c);
}

/* The entry of session 2 (snapshot = 1) or of before it (snapshot = 0). */
static inline __attribute__((always_inline)) int
old_syscall(unsigned num, const void *uap, register_t *retval, int snapshot)
{
	struct kern_tls *t = &kern_tls;
	struct kern *k = t->k;
	const struct sysent *se;
	struct lwp *l, *prev, implicit;
	int error;

	if (__predict_false(k == NULL)) {
		if ((k = hyp_default_kernel()) == NULL)
			return ENXIO;
	}
	prev = t->cur;
	if (__predict_false(prev != NULL && prev->l_kern == k)) {
		if (__predict_false(num >= KERN_NSYSENT))
			return ENOSYS;
		se = &kern_sysent[num];
		if (se->sy_call == NULL || !(k->k_compmask & se->sy_compmask))
			return ENOSYS;
		return se->sy_call(prev, uap, retval);
	}
	vcpu_take_fast(k);
	if (__predict_false(atomic_load_explicit(&k->k_halted, memory_order_relaxed))) {
		vcpu_release_nowake(k);
		return ENXIO;
	}
	if ((l = t->bound) == NULL || __predict_false(l->l_kern != k)) {
		implicit.l_proc = k->k_proc1;
		implicit.l_kern = k;
		implicit.l_lid = 0;
		implicit.l_flag = LW_IMPLICIT;
		implicit.l_next = NULL;
		l = &implicit;
	}
	if (snapshot)
		l->l_cred = s2_cred_take(k, l->l_proc);
	t->cur = l;
	se = __predict_true(num < KERN_NSYSENT) ? &kern_sysent[num] : NULL;
	if (__predict_false(se == NULL || se->sy_call == NULL ||
	    !(k->k_compmask & se->sy_compmask)))
		error = ENOSYS;
	else
		error = se->sy_call(l, uap, retval);
	if (snapshot) {
		s2_cred_drop(k, l->l_cred);
		l->l_cred = NULL;
	}
	t->cur = prev;
	if (snapshot && __predict_false(k->k_nwake != 0))
		vcpu_release_wake(k);
	else
		vcpu_release_nowake(k);
	return error;
}

static __attribute__((noinline)) int32_t
getpid_s2(void)
{
	register_t retval[2] = { 0, 0 };
	int error = old_syscall(SYS_getpid, NULL, retval, 1);

	if (error != 0) {
		kern_seterrno(error);
		return -1;
	}
	return (int32_t)retval[0];
}

static __attribute__((noinline)) int32_t
getpid_before(void)
{
	register_t retval[2] = { 0, 0 };
	int error = old_syscall(SYS_getpid, NULL, retval, 0);

	if (error != 0) {
		kern_seterrno(error);
		return -1;
	}
	return (int32_t)retval[0];
}

enum { ROUNDS = 41, N = 20000 };

static void
run(const char *tag, const char *desc)
{
	double rn[ROUNDS], r2[ROUNDS], r0[ROUNDS], t0;
	char key[64], key2[64], key0[64], label[160];

	for (int i = 0; i < N; i++)
		sink = rump_sys_getpid() + getpid_s2() + getpid_before();
	for (int r = 0; r < ROUNDS; r++) {
		/* rotate the order each round: a b c, b c a, c a b */
		for (int j = 0; j < 3; j++) {
			switch ((r + j) % 3) {
			case 0:
				t0 = now_ns();
				for (int i = 0; i < N; i++)
					sink = rump_sys_getpid();
				rn[r] = (now_ns() - t0) / N;
				break;
			case 1:
				t0 = now_ns();
				for (int i = 0; i < N; i++)
					sink = getpid_s2();
				r2[r] = (now_ns() - t0) / N;
				break;
			default:
				t0 = now_ns();
				for (int i = 0; i < N; i++)
					sink = getpid_before();
				r0[r] = (now_ns() - t0) / N;
			}
		}
	}
	snprintf(key, sizeof(key), "nullsys.%s.now", tag);
	snprintf(key2, sizeof(key2), "nullsys.%s.s2", tag);
	snprintf(key0, sizeof(key0), "nullsys.%s.before", tag);
	snprintf(label, sizeof(label), "null syscall, %s: now", desc);
	printf("  %-58s %11.1f ns\n@fig\t%s\t%s\t%.17g\tns\t\n", label, median(rn, ROUNDS), key, label,
	    median(rn, ROUNDS));
	snprintf(label, sizeof(label), "null syscall, %s: session 2's entry", desc);
	printf("  %-58s %11.1f ns\n@fig\t%s\t%s\t%.17g\tns\t\n", label, median(r2, ROUNDS), key2, label,
	    median(r2, ROUNDS));
	snprintf(label, sizeof(label), "null syscall, %s: entry before the snapshot", desc);
	printf("  %-58s %11.1f ns\n@fig\t%s\t%s\t%.17g\tns\t\n", label, median(r0, ROUNDS), key0, label,
	    median(r0, ROUNDS));
	printf("@cmp\t%s\t%s\tsame process and kernel, interleaved batches\n", key, key0);
	printf("@cmp\t%s\t%s\tsame process and kernel, interleaved batches\n", key2, key0);
}

int
main(void)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", NULL };

	printf("== the null syscall beside the entries it replaced (medians of interleaved batches)\n");
	for (int ncpu = 1; ncpu <= 2; ncpu++) {
		struct rumpus_config cfg = { 0, NULL, 0, 0 };
		struct rumpus_kernel *k;
		char tag[32], desc[64];
		int err;

		cfg.ncpu = ncpu;
		if ((k = rumpus_kernel_create(comps, &cfg, &err)) == NULL) {
			fprintf(stderr, "nullsys_bench: kernel: error %d\n", err);
			return 1;
		}
		rumpus_kernel_switch(k);
		snprintf(tag, sizeof(tag), "%dcpu.implicit", ncpu);
		snprintf(desc, sizeof(desc), "%d vCPU%s, unbound thread", ncpu, ncpu > 1 ? "s" : "");
		run(tag, desc);
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0) {
			fprintf(stderr, "nullsys_bench: rfork failed\n");
			return 1;
		}
		snprintf(tag, sizeof(tag), "%dcpu.bound", ncpu);
		snprintf(desc, sizeof(desc), "%d vCPU%s, bound lwp", ncpu, ncpu > 1 ? "s" : "");
		run(tag, desc);
		rump_pub_lwproc_releaselwp();
		rumpus_kernel_switch(NULL);
		rumpus_kernel_destroy(k);
	}
	return 0;
}
