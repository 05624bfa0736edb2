/*
 * timer_race_test.c: two lwps of one fresh process on a 2-vCPU kernel ask for their
 * interval timer at the same moment, 400 times: the process's timer table is made once
 * (the packet fuzzer's syscall twin found 1024 bytes leaked at destroy when both made
 * one), and destroying the kernel finds no leaked byte.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int flags);
int rump_pub_lwproc_newlwp(int pid);
void rump_pub_lwproc_releaselwp(void);
void *rump_pub_lwproc_curlwp(void);
void rump_pub_lwproc_switch(void *l);

struct job {
	struct rumpus_kernel *k;
	int pid;
	atomic_int *go;
	int err;
};

static void *
second(void *arg)
{
	struct job *j = arg;
	struct { int64_t a[8]; } itv;

	rumpus_kernel_switch(j->k);
	j->err = rump_pub_lwproc_newlwp(j->pid);
	atomic_fetch_add(j->go, 1);
	while (atomic_load(j->go) < 2)
		continue;
	if (j->err == 0 && rump_sys_getitimer(0, (void *)&itv) != 0)
		j->err = -1;
	if (j->err == 0)
		rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_config cfg = { 2, "race", 0, 0 };
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k;
	int i, err = 0, bad = 0;

	rumpus_memstats(&m0);
	k = rumpus_kernel_create(NULL, &cfg, &err);
	ok(k != NULL, "a kernel with 2 vCPUs");
	rumpus_kernel_switch(k);
	for (i = 0; i < 400; i++) {
		struct { int64_t a[8]; } itv;
		atomic_int go = 0;
		struct job j = { k, 0, &go, 0 };
		pthread_t t;

		if (rump_pub_lwproc_rfork(2) != 0) {
			bad++;
			break;
		}
		j.pid = rump_sys_getpid();
		pthread_create(&t, NULL, second, &j);
		atomic_fetch_add(&go, 1);
		while (atomic_load(&go) < 2)
			continue;
		if (rump_sys_getitimer(0, (void *)&itv) != 0)
			bad++;
		pthread_join(t, NULL);
		bad += j.err != 0;
		rump_pub_lwproc_releaselwp();	/* the process exits with its last lwp */
	}
	ok(bad == 0, "400 rounds of two lwps reading ITIMER_REAL at once (%d failed)", bad);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy");
	rumpus_memstats(&m1);
	ok(m1.leaked == m0.leaked && m1.bytes == m0.bytes, "no byte leaked (%llu) or left (%llu)",
	    (unsigned long long)(m1.leaked - m0.leaked), (unsigned long long)(m1.bytes - m0.bytes));
	return tap_done();
}
