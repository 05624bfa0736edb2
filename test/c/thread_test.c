/*
 * thread_test.c: many host threads in one kernel at once (1 and 2 virtual CPUs): null
 * syscalls, descriptor churn on the shared table of process 1, per-thread processes, and
 * threads spread over several kernels.  Run under ASan/UBSan too.
 */
#include <pthread.h>

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

int
main(void)
{
	struct rumpus_memstats m;

	ok(run(1, 1), "all threads in one kernel, one vCPU: destroyed");
	ok(run(2, 1), "all threads in one kernel, two vCPUs: destroyed");
	ok(run(1, 3), "threads over three kernels, one vCPU: destroyed");
	ok(run(2, 3), "threads over three kernels, two vCPUs: destroyed");
	rumpus_memstats(&m);
	ok(m.bytes == 0 && m.leaked == 0, "no bytes left (%llu)", (unsigned long long)m.bytes);
	return tap_done();
}
