/*
 * vcpu_bench.c: does a second virtual CPU give parallelism?  (issue 16)
 *
 * Two processes of one kernel, each driven by its own host thread with its own lwp
 * (rump_pub_lwproc_rfork), do independent work: a file loop (pwrite and pread of 64 bytes
 * on a tmpfs file of their own) or a socket loop (send and receive of 64 bytes on an
 * AF_LOCAL datagram pair of their own).  The figure is the operations per second of both
 * together against one of them alone on the same kernel, in alternating rounds of a fixed
 * duration; medians.  On a kernel with two vCPUs (the goal: 1.6x on two host cores) and
 * with one (where a second thread can only wait for the vCPU: 1.0x at best).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

#define NB_O_CREAT	0x200
#define NB_O_RDWR	2
#define ROUNDS		9
#define ROUND_NS	60000000LL	/* 60 ms */

static struct rumpus_kernel *k;
static atomic_int go, stop;

struct worker {
	pthread_t t;
	int id, sock;
	long ops;
	int err;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	char buf[64], path[32];
	int fd = -1, sv[2] = { -1, -1 };

	memset(buf, 'x', sizeof(buf));
	rumpus_kernel_switch(k);
	if (rump_pub_lwproc_rfork(1 /* RUMP_RFFDG */) != 0) {
		w->err = 1;
		goto out;
	}
	snprintf(path, sizeof(path), "/f%d", w->id);
	if (w->sock) {
		if (rump_sys_socketpair(1, 2, 0, sv) != 0)
			w->err = 2;
	} else if ((fd = rump_sys_open(path, NB_O_CREAT | NB_O_RDWR, 0644)) < 0)
		w->err = 3;
	while (!atomic_load(&go))
		;
	while (!atomic_load_explicit(&stop, memory_order_relaxed) && !w->err) {
		for (int i = 0; i < 64; i++) {
			if (w->sock) {
				if (rump_sys_sendto(sv[0], buf, sizeof(buf), 0, NULL, 0) != sizeof(buf) ||
				    rump_sys_recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL) != sizeof(buf))
					w->err = 4;
			} else if (rump_sys_pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
			    rump_sys_pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
				w->err = 5;
		}
		w->ops += 128;
	}
	if (fd >= 0)
		rump_sys_close(fd);
	if (sv[0] >= 0) {
		rump_sys_close(sv[0]);
		rump_sys_close(sv[1]);
	}
	rump_sys_unlink(path);
	rump_pub_lwproc_releaselwp();
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

/* ops/s of n workers together, one round */
static double
round_of(int n, int sock)
{
	struct worker w[2];
	int64_t t0, t1;
	long ops = 0;

	atomic_store(&go, 0);
	atomic_store(&stop, 0);
	for (int i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].sock = sock;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	usleep(2000);
	t0 = now_ns();
	atomic_store(&go, 1);
	while ((t1 = now_ns()) - t0 < ROUND_NS)
		usleep(1000);
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].err) {
			fprintf(stderr, "vcpu_bench: worker error %d\n", w[i].err);
			exit(1);
		}
		ops += w[i].ops;
	}
	return ops / ((t1 - t0) / 1e9);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", NULL };

	printf("== two processes of one kernel on its vCPUs: ops/s of both against one alone "
	    "(medians of alternating %d ms rounds)\n", (int)(ROUND_NS / 1000000));
	for (unsigned ncpu = 1; ncpu <= 2; ncpu++) {
		for (int sock = 0; sock <= 1; sock++) {
			struct rumpus_config cfg = { 0 };
			double one[ROUNDS], two[ROUNDS];
			char key1[64], key2[64], label[128];
			int err;

			cfg.ncpu = ncpu;
			if ((k = rumpus_kernel_create(comps, &cfg, &err)) == NULL) {
				fprintf(stderr, "vcpu_bench: kernel: %d\n", err);
				return 1;
			}
			for (int r = 0; r < ROUNDS; r++) {
				if (r % 2 == 0) {
					one[r] = round_of(1, sock);
					two[r] = round_of(2, sock);
				} else {
					two[r] = round_of(2, sock);
					one[r] = round_of(1, sock);
				}
			}
			rumpus_kernel_destroy(k);
			qsort(one, ROUNDS, sizeof(double), cmpd);
			qsort(two, ROUNDS, sizeof(double), cmpd);
			snprintf(key1, sizeof(key1), "vcpu.%u.%s.one", ncpu, sock ? "sock" : "file");
			snprintf(key2, sizeof(key2), "vcpu.%u.%s.two", ncpu, sock ? "sock" : "file");
			snprintf(label, sizeof(label), "%u vCPU%s, %s loop: two processes", ncpu,
			    ncpu > 1 ? "s" : "", sock ? "socket" : "file");
			printf("  %-58s %11.0f ops/s\n@fig\t%s\t%s\t%.17g\tops/s\t\n", label,
			    two[ROUNDS / 2], key2, label, two[ROUNDS / 2]);
			snprintf(label, sizeof(label), "%u vCPU%s, %s loop: one process alone", ncpu,
			    ncpu > 1 ? "s" : "", sock ? "socket" : "file");
			printf("  %-58s %11.0f ops/s\n@fig\t%s\t%s\t%.17g\tops/s\t\n", label,
			    one[ROUNDS / 2], key1, label, one[ROUNDS / 2]);
			printf("  %-58s %10.2fx\n", "  ratio", two[ROUNDS / 2] / one[ROUNDS / 2]);
			printf("@cmp\t%s\t%s\tsame process and kernel, alternating rounds (ratio above 1: faster)\n",
			    key2, key1);
		}
	}
	return 0;
}
