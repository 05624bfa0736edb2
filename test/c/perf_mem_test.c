/*
 * perf_mem_test.c: a kernel's memory limit with several threads allocating at once.
 *
 * With one vCPU the holder counts its allocations without atomics (k_mem_held), everything
 * else with them (k_mem_used); the limit is checked against the sum (kern.c, kmem_alloc).
 * Threads fill tmpfs files and socket buffers of one kernel until it refuses (ENOSPC,
 * ENOBUFS), while a watcher samples the kernel's count: it never exceeds the limit, most
 * of the limit is usable, and once everything is freed the count is back where it was
 * (what one counter took, the other gave back).  On one vCPU and on two.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "vfs_util.h"

#define NTHR	4
#define NB_MSG_DONTWAIT	0x80
#define NB_ENOMEM	12
#define NB_ENOBUFS	55
#define LIMIT	(3u << 20)

static struct rumpus_kernel *k;
static atomic_int running, badflags;
static atomic_size_t maxseen;
static atomic_long written;

static void *
filler(void *arg)
{
	int id = (int)(intptr_t)arg, fd, sv[2] = { -1, -1 };
	char path[32], buf[4096];
	long n = 0;

	memset(buf, 'a' + id, sizeof(buf));
	rumpus_kernel_switch(k);
	snprintf(path, sizeof(path), "/f%d", id);
	fd = rump_sys_open(path, NB_O_CREAT | NB_O_RDWR, 0644);
	if (fd < 0)
		atomic_fetch_or(&badflags, 1);
	for (;;) {
		if (rump_sys_write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			if (errno != NB_ENOSPC)
				atomic_fetch_or(&badflags, 2);
			break;
		}
		n += sizeof(buf);
	}
	atomic_fetch_add(&written, n);
	/* the rest of the room in socket buffers: datagrams queued on an AF_LOCAL pair */
	if (rump_sys_socketpair(1 /* AF_LOCAL */, 2 /* SOCK_DGRAM */, 0, sv) == 0) {
		for (int i = 0; i < 100000; i++)
			if (rump_sys_sendto(sv[0], buf, 512, NB_MSG_DONTWAIT, NULL, 0) < 0) {
				if (errno != NB_ENOBUFS && errno != NB_EAGAIN && errno != NB_ENOMEM)
					atomic_fetch_or(&badflags, 4);
				break;
			}
	}
	atomic_fetch_sub(&running, 1);
	while (atomic_load(&running) > 0)	/* keep it all until every thread is full */
		sched_yield();
	if (sv[0] >= 0) {
		rump_sys_close(sv[0]);
		rump_sys_close(sv[1]);
	}
	rump_sys_close(fd);
	rump_sys_unlink(path);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
run(unsigned ncpu)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", NULL };
	struct rumpus_config cfg = { 0 };
	pthread_t t[NTHR];
	size_t before, after;
	int err = 0, i;

	cfg.ncpu = ncpu;
	cfg.memlimit = LIMIT;
	if (!ok((k = rumpus_kernel_create(comps, &cfg, &err)) != NULL, "%u vCPU(s): a kernel limited "
	    "to %u bytes", ncpu, LIMIT))
		return;
	/* what files and sockets make once and keep (the descriptor table grown to hold as
	 * many as the threads will have open at once) */
	rumpus_kernel_switch(k);
	{
		int fd[NTHR], sv[NTHR][2];

		for (i = 0; i < NTHR; i++) {
			fd[i] = rump_sys_open("/w", NB_O_CREAT | NB_O_RDWR, 0644);
			if (rump_sys_socketpair(1, 2, 0, sv[i]) != 0)
				sv[i][0] = sv[i][1] = -1;
		}
		for (i = 0; i < NTHR; i++) {
			rump_sys_close(fd[i]);
			rump_sys_close(sv[i][0]);
			rump_sys_close(sv[i][1]);
		}
		rump_sys_unlink("/w");
	}
	rumpus_kernel_switch(NULL);
	before = rumpus_kernel_memused(k);
	atomic_store(&running, NTHR);
	atomic_store(&badflags, 0);
	atomic_store(&maxseen, 0);
	atomic_store(&written, 0);
	for (i = 0; i < NTHR; i++)
		pthread_create(&t[i], NULL, filler, (void *)(intptr_t)i);
	while (atomic_load(&running) > 0) {
		size_t u = rumpus_kernel_memused(k);

		if (u > atomic_load(&maxseen))
			atomic_store(&maxseen, u);
		sched_yield();
	}
	for (i = 0; i < NTHR; i++)
		pthread_join(t[i], NULL);
	ok(atomic_load(&badflags) == 0, "%u vCPU(s): %d threads filled files to ENOSPC and socket "
	    "buffers to ENOBUFS, no other error (%d)", ncpu, NTHR, atomic_load(&badflags));
	ok(atomic_load(&maxseen) <= LIMIT, "%u vCPU(s): the count never passed the limit (%zu)",
	    ncpu, atomic_load(&maxseen));
	ok(atomic_load(&written) >= (long)LIMIT / 2, "%u vCPU(s): most of the limit was usable "
	    "(%ld bytes of file data)", ncpu, atomic_load(&written));
	after = rumpus_kernel_memused(k);
	ok(after == before, "%u vCPU(s): everything freed, the count is back (%zu, %zu)", ncpu,
	    before, after);
	ok(rumpus_kernel_destroy(k) == 0, "%u vCPU(s): destroy", ncpu);
}

int
main(void)
{
	run(1);
	run(2);
	return tap_done();
}
