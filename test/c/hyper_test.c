/*
 * hyper_test.c: the hypercall layer and the kernel's small helpers on their own: memory
 * counters, errno translation, host files, randomness, locks and timed waits, timers
 * (order, cancel, disarm), threads; copyin/copyout/copyinstr/uiomove bounds;
 * credentials' access checks; kern_block_enter/exit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "testfile.h"

static char fired[8];
static atomic_int nfired;

static void
tmr(void *arg)
{
	fired[atomic_fetch_add(&nfired, 1)] = *(char *)arg;
}

/* many timers: fire order on the virtual clock */
#define NT 5000
static struct hyp_timer many[NT];
static uint64_t many_dl[NT];
static int many_order[NT];
static atomic_int many_n;

static void
many_fn(void *arg)
{
	int i = (int)(intptr_t)arg, n = atomic_load(&many_n);

	if (n < NT)
		many_order[n] = i;
	atomic_store(&many_n, n + 1);
}

static void *
thr(void *arg)
{
	*(int *)arg = 7;
	return NULL;
}

int
main(void)
{
	struct hyp_memstats m0, m1;
	char path[] = "/tmp/rumpus-hyp-XXXXXX", buf[64];
	int fd, hfd, r, v = 0;
	size_t done;
	uint64_t size, t0;
	void *p;
	hyp_mutex_t mtx;
	hyp_cond_t cv;
	hyp_thread_t th;
	struct hyp_timer ta, tb, tc;
	char a = 'a', b = 'b', c = 'c';

	hyp_memstats(&m0);
	p = hyp_malloc(100);
	hyp_memstats(&m1);
	ok(p != NULL && m1.bytes == m0.bytes + 100 && m1.blocks == m0.blocks + 1,
	    "hyp_malloc counts bytes and blocks");
	hyp_free(p, 100);
	hyp_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.blocks == m0.blocks, "hyp_free uncounts them");

	ok(hyp_errno(0) == 0 && hyp_errno(1) == 1 && hyp_errno(11) == 35 && hyp_errno(38) == 78 &&
	    hyp_errno(110) == 60 && hyp_errno(111) == 61 && hyp_errno(95) == 45 &&
	    hyp_errno(97) == 47 && hyp_errno(4095) == 5,
	    "Linux errno -> NetBSD (EAGAIN 35, ENOSYS 78, ETIMEDOUT 60, unknown -> EIO)");

	/* host files */
	fd = mkstemp(path);
	close(fd);
	ok(hyp_file_open(path, HYP_O_RDWR | HYP_O_TRUNC, &hfd) == 0, "open a host file");
	ok(hyp_file_pwrite(hfd, "hypercall", 9, 3, &done) == 0 && done == 9, "pwrite at offset 3");
	ok(hyp_file_size(hfd, &size) == 0 && size == 12, "size is 12");
	memset(buf, 0, sizeof(buf));
	ok(hyp_file_pread(hfd, buf, 4, 3, &done) == 0 && done == 4 && !memcmp(buf, "hype", 4),
	    "pread it back");
	ok(hyp_file_close(hfd) == 0, "close");
	unlink(path);
	ok(hyp_file_open(path, HYP_O_RDONLY, &hfd) == ENOENT, "a missing file is ENOENT (NetBSD 2)");
	ok(hyp_file_open("/", HYP_O_RDWR, &hfd) == EISDIR, "a directory for writing is EISDIR");
	ok(hyp_file_open(path, 3, &hfd) == EINVAL, "bad open mode is EINVAL");
	ok(hyp_file_close(-1) == EBADF, "close(-1) is EBADF");

	memset(buf, 0, sizeof(buf));
	ok(hyp_random(buf, 32) == 0 && memcmp(buf, buf + 32, 32) != 0, "random bytes");

	/* locks, timed waits */
	hyp_mutex_init(&mtx);
	hyp_cond_init(&cv);
	ok(hyp_mutex_trylock(&mtx) == 0 && hyp_mutex_trylock(&mtx) == EBUSY, "trylock");
	t0 = hyp_clock_mono();
	r = hyp_cond_timedwait(&cv, &mtx, t0 + 2000000);
	ok(r == ETIMEDOUT && hyp_clock_mono() >= t0 + 2000000, "a timed wait times out (ETIMEDOUT 60)");
	hyp_mutex_unlock(&mtx);
	hyp_cond_destroy(&cv);
	hyp_mutex_destroy(&mtx);
	ok(hyp_clock_real() / 1000000000u > 1600000000u, "real clock is epoch-based");

	ok(hyp_thread_create(&th, thr, &v) == 0 && hyp_thread_join(&th) == 0 && v == 7,
	    "thread create/join");

	/* timers fire in deadline order; cancel takes one out */
	hyp_timer_init(&ta, tmr, &a);
	hyp_timer_init(&tb, tmr, &b);
	hyp_timer_init(&tc, tmr, &c);
	t0 = hyp_clock_mono();
	hyp_timer_arm(&tb, t0 + 2000000);
	hyp_timer_arm(&ta, t0 + 1000000);
	hyp_timer_arm(&tc, t0 + 3000000);
	ok(hyp_timer_pending(&tc) && hyp_timer_cancel(&tc) == 1 && !hyp_timer_pending(&tc),
	    "cancel a pending timer");
	for (int i = 0; i < 5000 && atomic_load(&nfired) < 2; i++)
		usleep(1000);
	hyp_timer_disarm(&ta);
	hyp_timer_disarm(&tb);
	ok(atomic_load(&nfired) == 2 && fired[0] == 'a' && fired[1] == 'b',
	    "timers fired in deadline order (%.*s)", atomic_load(&nfired), fired);
	ok(hyp_timer_disarm(&ta) == 0, "disarming a fired timer returns 0");

	/* 5000 timers in random order with ties, a third cancelled, some re-armed: on the
	 * virtual clock they fire once time jumps, in (deadline, arming) order */
	{
		unsigned long long x = 12345;
		uint64_t base;
		int i, armed = 0, inorder = 1, cancelled_fired = 0;
		char dead[NT];

		hyp_vclock_set(1);
		base = hyp_clock_mono();
		memset(dead, 0, sizeof(dead));
		for (i = 0; i < NT; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			many_dl[i] = base + 1000 + (x >> 33) % 500;	/* many equal deadlines */
			hyp_timer_init(&many[i], many_fn, (void *)(intptr_t)i);
			hyp_timer_arm(&many[i], many_dl[i]);
		}
		for (i = 0; i < NT; i += 3) {
			hyp_timer_cancel(&many[i]);
			dead[i] = 1;
		}
		for (i = 1; i < NT; i += 7)
			if (!dead[i]) {
				many_dl[i] = base + 1000 + (uint64_t)(i % 300);
				hyp_timer_arm(&many[i], many_dl[i]);	/* re-arm: goes last among ties */
			}
		for (i = 0; i < NT; i++)
			armed += !dead[i];
		hyp_vclock_advance(10000);
		for (i = 0; i < 10000 && atomic_load(&many_n) < armed; i++)
			usleep(1000);
		for (i = 0; i < armed && i < NT; i++) {
			if (dead[many_order[i]])
				cancelled_fired++;
			if (i > 0 && many_dl[many_order[i]] < many_dl[many_order[i - 1]])
				inorder = 0;
		}
		ok(atomic_load(&many_n) == armed && cancelled_fired == 0,
		    "%d of %d timers fired, none of the cancelled", atomic_load(&many_n), armed);
		ok(inorder, "in deadline order");
		hyp_vclock_set(0);
	}

	/* user-memory bounds */
	{
		char k[16];
		size_t n;
		char ok1[] = "abc";
		ok(copyin(NULL, k, 1) == EFAULT && copyin((void *)4095, k, 1) == EFAULT,
		    "copyin from NULL / the first page is EFAULT");
		ok(copyin(NULL, k, 0) == 0, "a zero-length copy checks nothing");
		ok(copyout(k, (void *)(KERN_USER_MAX - 4), 8) == EFAULT, "past the user limit is EFAULT");
		ok(copyout(k, (void *)~(uintptr_t)0, 2) == EFAULT, "wrap-around is EFAULT");
		ok(copyin(ok1, k, KERN_COPY_MAX + 1) == EFAULT, "a length over KERN_COPY_MAX is EFAULT");
		ok(copyinstr(ok1, k, sizeof(k), &n) == 0 && n == 4 && !strcmp(k, "abc"), "copyinstr");
		ok(copyinstr(ok1, k, 3, &n) == ENAMETOOLONG, "no NUL within len: ENAMETOOLONG");
		ok(copyinstr((void *)16, k, 3, &n) == EFAULT, "copyinstr from a low address: EFAULT");
		ok(copyoutstr("hello", k, 3, &n) == ENAMETOOLONG && n == 3, "copyoutstr truncates");
	}
	{
		char src[] = "0123456789", dst[16] = { 0 };
		struct nb_iovec iov[2] = { { dst, 3 }, { dst + 8, 5 } };
		struct uio uio = { iov, 2, 0, 8, UIO_READ, false };
		ok(uiomove(src, 10, &uio) == 0 && uio.uio_resid == 0 && uio.uio_offset == 8 &&
		    !memcmp(dst, "012", 3) && !memcmp(dst + 8, "34567", 5), "uiomove scatters over iovecs");
	}

	/* credentials */
	{
		struct cred c = { .cr_uid = 10, .cr_euid = 10, .cr_egid = 20, .cr_ngroups = 1,
		    .cr_groups = { 30 } };
		struct cred root = { 0 };
		ok(cred_access(&c, 10, 0, 0600, VREAD | VWRITE, false) == 0, "owner rw on 0600");
		ok(cred_access(&c, 11, 0, 0600, VREAD, false) == EACCES, "other on 0600: EACCES");
		ok(cred_access(&c, 11, 30, 0040, VREAD, false) == 0, "supplementary group read");
		ok(cred_access(&c, 10, 30, 0070, VREAD, false) == EACCES, "owner bits rule the owner");
		ok(cred_access(&root, 1, 1, 0000, VREAD | VWRITE, false) == 0, "root reads anything");
		ok(cred_access(&root, 1, 1, 0644, VEXEC, false) == EACCES, "root exec needs an x bit");
		ok(cred_access(&root, 1, 1, 0644, VEXEC, true) == 0, "but may search a directory");
		ok(cred_super(&root) == 0 && cred_super(&c) == EPERM, "cred_super");
	}

	/* a blocking hypercall gives the vCPU away */
	{
		struct rumpus_kernel *rk;
		struct kern *k;
		struct lwp implicit, *prev;
		int err;

		rk = rumpus_kernel_create(NULL, NULL, &err);
		k = (struct kern *)rk;
		kern_enter(k, &implicit, &prev);
		ok(atomic_load(&k->k_vcpu_free) == 0, "inside the kernel the only vCPU is taken");
		kern_block_enter(k);
		ok(atomic_load(&k->k_vcpu_free) == 1, "kern_block_enter releases it");
		kern_block_exit(k);
		ok(atomic_load(&k->k_vcpu_free) == 0, "kern_block_exit takes it back");
		kern_leave(k, prev);
		rumpus_kernel_destroy(rk);
	}
	hyp_memstats(&m1);
	ok(m1.bytes == m0.bytes, "nothing left allocated");
	return tap_done();
}
