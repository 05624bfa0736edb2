/*
 * thread_test.c: many host threads in one kernel at once (1 and 2 virtual CPUs): null
 * syscalls, descriptor churn on the shared table of process 1, per-thread processes, and
 * threads spread over several kernels.  Run under ASan/UBSan too.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int);
void rump_pub_lwproc_releaselwp(void);

#define NTHREADS 6
#define NITER 3000

static struct rumpus_kernel *kerns[3];
static int nk = 3;
static atomic_int bad;

static void *
hammer(void *arg)
{
	int id = (int)(intptr_t)arg, i, d;
	struct rumpus_kernel *k = kerns[id % nk];
	char c = 'x';

	rumpus_kernel_switch(k);
	for (i = 0; i < NITER; i++) {
		if (rump_sys_getpid() != 1)
			atomic_fetch_add(&bad, 1);
		if ((d = rump_sys_dup(0)) < 0)
			atomic_fetch_add(&bad, 1);
		else if (rump_sys_write(d, &c, 1) != 1 || rump_sys_close(d) != 0)
			atomic_fetch_add(&bad, 1);
		if (rump_sys_read(0, &c, 1) < 0)
			atomic_fetch_add(&bad, 1);
	}
	/* a process of our own */
	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0) {
		atomic_fetch_add(&bad, 1);
		return NULL;
	}
	for (i = 0; i < NITER / 10; i++) {
		int fd = tf_open(k);
		if (fd != 0 || rump_sys_getpid() <= 1 || rump_sys_close(fd) != 0)
			atomic_fetch_add(&bad, 1);
	}
	rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
run(unsigned ncpu, int nkern)
{
	struct rumpus_config cfg = { .ncpu = ncpu };
	pthread_t t[NTHREADS];
	int i, err, maxfd;

	for (i = 0; i < 3; i++) {
		kerns[i] = rumpus_kernel_create(NULL, &cfg, &err);
		rumpus_kernel_switch(kerns[i]);
		tf_open(kerns[i]);
	}
	atomic_store(&bad, 0);
	nk = nkern;
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)(intptr_t)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	ok(atomic_load(&bad) == 0, "%d threads x %d iterations on %d kernel(s) with %u vCPU(s): "
	    "no wrong result (%d)", NTHREADS, NITER, nkern, ncpu, atomic_load(&bad));
	rumpus_kernel_switch(kerns[0]);
	maxfd = rump_sys_fcntl(0, F_MAXFD);
	ok(maxfd == 0, "every dup was closed again (F_MAXFD %d)", maxfd);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < 3; i++)
		if (rumpus_kernel_destroy(kerns[i]) != 0)
			return 0;
	return 1;
}

static atomic_int sleep_rv, sleep_errno;

/* callouts re-arming themselves every 50 us while threads keep the vCPUs busy */
static struct callout ticks[4];
static atomic_int nticks, stop_ticks;

static void
tick_fn(void *arg)
{
	struct callout *c = arg;

	atomic_fetch_add(&nticks, 1);
	kern_pollnotify(curlwp()->l_kern);
	if (!atomic_load(&stop_ticks))
		callout_schedule_ns(c, 50000);
}

static void *
busy(void *arg)
{
	struct { int fd; short ev, rev; } p = { 0, POLLIN, 0 };
	struct { int64_t sec; long nsec; } z = { 0, 20000 };

	rumpus_kernel_switch(arg);
	for (int i = 0; i < 2000; i++) {
		if (rump_sys_getpid() != 1)
			atomic_fetch_add(&bad, 1);
		(void)rump_sys_poll((void *)&p, 1, i % 7 == 0 ? 1 : 0);
		if (i % 50 == 0)
			(void)rump_sys_nanosleep((void *)&z, NULL);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
tick_storm(unsigned ncpu)
{
	struct rumpus_config cfg = { .ncpu = ncpu };
	struct rumpus_kernel *k = rumpus_kernel_create(NULL, &cfg, NULL);
	struct kern *kk = (struct kern *)k;
	struct lwp implicit, *prev;
	pthread_t t[4];
	int i;

	atomic_store(&nticks, 0);
	atomic_store(&stop_ticks, 0);
	atomic_store(&bad, 0);
	kern_enter(kk, &implicit, &prev);
	for (i = 0; i < 4; i++) {
		callout_init(&ticks[i], kk, tick_fn, &ticks[i]);
		callout_schedule_ns(&ticks[i], 50000);
	}
	kern_leave(kk, prev);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, busy, k);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 5000 && atomic_load(&nticks) == 0; i++)
		usleep(1000);	/* a starved scheduler thread gets up to 5 s to tick once */
	atomic_store(&stop_ticks, 1);
	ok(atomic_load(&bad) == 0 && atomic_load(&nticks) > 0,
	    "4 threads busy in a %u-vCPU kernel while 4 callouts re-arm every 50 us: %d runs",
	    ncpu, atomic_load(&nticks));
	return rumpus_kernel_destroy(k) == 0;
}

static void *
forget(void *arg)
{
	rumpus_kernel_switch(arg);
	(void)rump_sys_getpid();
	return NULL;	/* no switch back */
}

static void *
sleeper(void *arg)
{
	struct { int64_t sec; long nsec; } rq = { 3600, 0 };

	rumpus_kernel_switch(arg);
	atomic_store(&sleep_rv, rump_sys_nanosleep((void *)&rq, NULL));
	atomic_store(&sleep_errno, errno);
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_memstats m;
	struct rumpus_kernel *k;
	struct kern *kk;
	pthread_t t;
	int err, i;

	ok(tick_storm(1), "destroyed with its callouts armed (1 vCPU)");
	ok(tick_storm(2), "destroyed with its callouts armed (2 vCPUs)");

	/* reboot wakes a thread sleeping for an hour; destroy waits for it to leave */
	k = rumpus_kernel_create(NULL, NULL, &err);
	kk = (struct kern *)k;
	pthread_create(&t, NULL, sleeper, k);
	for (i = 0; i < 100000 && atomic_load(&kk->k_sleepers) == 0; i++)
		usleep(100);
	ok(atomic_load(&kk->k_sleepers) == 1, "a thread sleeps in nanosleep(1 hour)");
	ok(rumpus_kernel_destroy(k) == EBUSY, "destroy is EBUSY while it is inside");
	rumpus_kernel_switch(k);
	ok(rump_sys_reboot(0, NULL) == 0, "reboot");
	pthread_join(t, NULL);
	ok(atomic_load(&sleep_rv) == -1 && atomic_load(&sleep_errno) == ENXIO,
	    "the sleeper woke with ENXIO at once");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "then destroy succeeds");

	/* a thread that exits with a kernel current lets go of it */
	k = rumpus_kernel_create(NULL, NULL, &err);
	pthread_create(&t, NULL, forget, k);
	pthread_join(t, NULL);
	ok(rumpus_kernel_destroy(k) == 0, "a thread that exited with the kernel current does not pin it");

	ok(run(1, 1), "all threads in one kernel, one vCPU: destroyed");
	ok(run(2, 1), "all threads in one kernel, two vCPUs: destroyed");
	ok(run(1, 3), "threads over three kernels, one vCPU: destroyed");
	ok(run(2, 3), "threads over three kernels, two vCPUs: destroyed");
	rumpus_memstats(&m);
	ok(m.bytes == 0 && m.leaked == 0, "no bytes left (%llu)", (unsigned long long)m.bytes);
	return tap_done();
}
