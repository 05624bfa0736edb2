/*
 * perf_cred_test.c: the syscall entry's cached credentials (kern.h, cred_enter).
 *
 * A bound lwp keeps its snapshot between syscalls, and so does a thread for the implicit
 * lwps of its current kernel when the kernel has several vCPUs; both are good only while
 * the process's credential generation is unchanged.  Checked here: every change is seen
 * by the next syscall of the thread that made it and, once made, by every other thread;
 * switching kernels and back, and destroying, leave no reference behind (the kernel's
 * own memory count comes back to what it was); on one vCPU and on several.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "vfs_util.h"

int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

static struct rumpus_kernel *k;
static atomic_int stage, ack, seen_bad;

/* Another thread watches the effective uid the writer publishes, stage by stage. */
static void *
watcher(void *arg)
{
	int last = 0;

	(void)arg;
	rumpus_kernel_switch(k);
	while (last < 200) {
		int s = atomic_load(&stage);

		if (s == last) {
			sched_yield();
			continue;
		}
		/* stage s was published after the writer's seteuid returned */
		if ((int)rump_sys_geteuid() != (s % 2 ? 1000 : 0))
			atomic_fetch_add(&seen_bad, 1);
		last = s;
		atomic_store(&ack, s);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
run(unsigned ncpu)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { 0 };
	struct rumpus_kernel *other;
	size_t before, after;
	pthread_t w;
	int err = 0, i, bad = 0;

	cfg.ncpu = ncpu;
	k = rumpus_kernel_create(comps, &cfg, &err);
	other = rumpus_kernel_create(comps, &cfg, &err);
	if (!ok(k != NULL && other != NULL, "%u vCPU(s): two kernels", ncpu))
		return;
	before = rumpus_kernel_memused(k);

	/* an unbound thread (implicit lwps of process 1), switching kernels between changes */
	rumpus_kernel_switch(k);
	for (i = 0; i < 300 && !bad; i++) {
		uid_t want = i % 2 ? 1000 : 0;

		if (rump_sys_seteuid(want) != 0 || rump_sys_geteuid() != want ||
		    rump_sys_geteuid() != want)
			bad = 1;
		if (i % 7 == 0) {
			rumpus_kernel_switch(other);
			if (rump_sys_geteuid() != 0)	/* the other kernel's process 1 */
				bad = 2;
			rumpus_kernel_switch(k);
			if (rump_sys_geteuid() != want)
				bad = 3;
		}
	}
	ok(bad == 0, "%u vCPU(s), implicit lwp: each seteuid seen by the next call (%d)", ncpu, bad);
	rump_sys_seteuid(0);
	rumpus_kernel_switch(NULL);
	after = rumpus_kernel_memused(k);
	ok(after == before, "%u vCPU(s): no reference left after switching away (%zu, %zu bytes)",
	    ncpu, before, after);

	/* another thread sees each change once it is made */
	atomic_store(&stage, 0);
	atomic_store(&ack, 0);
	atomic_store(&seen_bad, 0);
	rumpus_kernel_switch(k);
	pthread_create(&w, NULL, watcher, NULL);
	for (i = 1; i <= 200; i++) {
		if (rump_sys_seteuid(i % 2 ? 1000 : 0) != 0)
			bad = 4;
		atomic_store(&stage, i);
		while (atomic_load(&ack) != i)	/* the watcher looked */
			sched_yield();
	}
	pthread_join(w, NULL);
	ok(bad == 0 && atomic_load(&seen_bad) == 0,
	    "%u vCPU(s): another thread never saw an older uid than the last published (%d)",
	    ncpu, atomic_load(&seen_bad));

	/* a bound lwp of a process of its own */
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0, "%u vCPU(s): a process with a bound lwp", ncpu);
	for (i = 0; i < 300 && !bad; i++) {
		uid_t want = i % 2 ? 1000 : 0;

		if (rump_sys_seteuid(want) != 0 || rump_sys_geteuid() != want ||
		    rump_sys_getpid() <= 1 || rump_sys_geteuid() != want)
			bad = 5;
	}
	ok(bad == 0, "%u vCPU(s), bound lwp: each seteuid seen by the next call (%d)", ncpu, bad);
	rump_sys_seteuid(0);
	rump_pub_lwproc_releaselwp();	/* the process exits with its lwp and cached cred */
	ok(rump_sys_geteuid() == 0, "%u vCPU(s): back in process 1, root", ncpu);
	rumpus_kernel_switch(NULL);
	after = rumpus_kernel_memused(k);
	ok(after == before, "%u vCPU(s): the exited process left no reference (%zu, %zu bytes)",
	    ncpu, before, after);
	ok(rumpus_kernel_destroy(k) == 0 && rumpus_kernel_destroy(other) == 0, "%u vCPU(s): destroy",
	    ncpu);
}

int
main(void)
{
	run(1);
	run(2);
	return tap_done();
}
