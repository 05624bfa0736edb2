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

/* One vCPU: implicit lwps borrow p_cred without a reference while they hold the vCPU and
 * pin it before they sleep.  Writers flip the effective uid (freeing the old creds) while
 * readers check permissions and others sleep in pipe reads and wake to write; under ASan
 * any use of a freed snapshot is an error. */
static atomic_int flips_done, bad1;

static void *
flipper(void *arg)
{
	(void)arg;
	rumpus_kernel_switch(k);
	for (int i = 0; i < 3000; i++) {
		if (rump_sys_seteuid(1000) != 0 && errno != NB_EPERM)
			atomic_fetch_add(&bad1, 1);
		if (rump_sys_seteuid(0) != 0)
			atomic_fetch_add(&bad1, 1);
	}
	atomic_fetch_add(&flips_done, 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
checker(void *arg)
{
	(void)arg;
	rumpus_kernel_switch(k);
	while (atomic_load(&flips_done) < 2) {
		int fd = rump_sys_open("/g", NB_O_RDONLY);

		if (fd >= 0)
			rump_sys_close(fd);
		else if (errno != NB_EACCES)
			atomic_fetch_add(&bad1, 1);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
pinger(void *arg)
{
	int *p = arg;	/* p[0]: read end of ours, p[1]: write end of the partner's */
	char c = 'x';

	rumpus_kernel_switch(k);
	for (int i = 0; i < 2000; i++) {
		/* sleeps in the kernel (vCPU given away) until the partner writes */
		if (rump_sys_read(p[0], &c, 1) != 1 || rump_sys_write(p[1], &c, 1) != 1) {
			atomic_fetch_add(&bad1, 1);
			break;
		}
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
borrowed(void)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { 0 };
	pthread_t f[2], c[2], pp[2];
	int a[2], b[2], pa[2], pb[2], err = 0, fd;
	size_t before, after;
	struct rumpus_memstats m0, m1;
	char x = 'x';

	cfg.ncpu = 1;
	if (!ok((k = rumpus_kernel_create(comps, &cfg, &err)) != NULL, "1 vCPU: a kernel"))
		return;
	rumpus_kernel_switch(k);
	fd = rump_sys_open("/g", NB_O_CREAT | NB_O_RDWR, 0600);
	ok(fd >= 0 && rump_sys_close(fd) == 0 && rump_sys_pipe(a) == 0 && rump_sys_pipe(b) == 0,
	    "a root-only file, two pipes");
	/* their buffers, made at the first write and kept */
	ok(rump_sys_write(a[1], &x, 1) == 1 && rump_sys_read(a[0], &x, 1) == 1 &&
	    rump_sys_write(b[1], &x, 1) == 1 && rump_sys_read(b[0], &x, 1) == 1, "pipes work");
	rumpus_kernel_switch(NULL);
	before = rumpus_kernel_memused(k);
	pa[0] = a[0], pa[1] = b[1];	/* ping reads a, writes b */
	pb[0] = b[0], pb[1] = a[1];	/* pong reads b, writes a */
	pthread_create(&pp[0], NULL, pinger, pa);
	pthread_create(&pp[1], NULL, pinger, pb);
	for (int i = 0; i < 2; i++) {
		pthread_create(&f[i], NULL, flipper, NULL);
		pthread_create(&c[i], NULL, checker, NULL);
	}
	rumpus_kernel_switch(k);
	ok(rump_sys_write(a[1], &x, 1) == 1, "the ball is in play");
	rumpus_kernel_switch(NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(f[i], NULL);
		pthread_join(c[i], NULL);
		pthread_join(pp[i], NULL);
	}
	ok(atomic_load(&bad1) == 0, "1 vCPU: uid flips, permission checks and sleeping readers "
	    "ran together, every answer as expected (%d)", atomic_load(&bad1));
	rumpus_kernel_switch(k);
	(void)rump_sys_read(a[0], &x, 1);	/* the ball, if it ended on this side */
	rumpus_kernel_switch(NULL);
	(void)before;
	(void)after;
	rumpus_memstats(&m0);
	ok(rumpus_kernel_destroy(k) == 0, "1 vCPU: destroy");
	rumpus_memstats(&m1);
	/* a reference still counted (or one dropped twice: ASan) would show at destroy */
	ok(m1.leaked == m0.leaked, "1 vCPU: destroy found every byte freed (leaked %llu -> %llu)",
	    (unsigned long long)m0.leaked, (unsigned long long)m1.leaked);
}

int
main(void)
{
	run(1);
	run(2);
	borrowed();
	return tap_done();
}
