/*
 * vcpu_bench.c: does a second virtual CPU give parallelism?  (issue 16)
 *
 * Processes of one kernel, each driven by its own host thread with its own lwp
 * (rump_pub_lwproc_rfork), do independent work: a file loop (pwrite and pread of 64 bytes
 * on a tmpfs file of their own), a socket loop (send and receive of 64 bytes on an
 * AF_LOCAL datagram pair of their own) or a UDP loop (sendto and recvfrom of 64 bytes
 * between two UDP sockets of their own bound to 127.0.0.1, over lo0).  Two kernels live side by side, one with one
 * vCPU and one with two, and four shapes run in rounds of a fixed duration, in an order
 * that rotates every round; medians of the operations per second:
 *   - one thread on the two-vCPU kernel beside one thread on the one-vCPU kernel (what
 *     the multi-vCPU path costs a thread alone);
 *   - two threads on the two-vCPU kernel beside one thread on it (the scaling; goal of
 *     issue 16: 1.6x on two host cores);
 *   - two threads on the one-vCPU kernel beside one thread on it (1.0x at best: the
 *     second thread can only wait for the vCPU).
 * Beside each figure: the host cores the process kept busy (CPU time over wall time, median
 * of the rounds): on a loaded machine two threads get less than two cores, and the ratio
 * then says how much of the scaling the host allowed.
 * `vcpu_bench file|sock|udp NCPU NTHREADS SECONDS` runs one shape alone (for a profiler);
 * `vcpu_bench file|sock|udp` runs that loop's four shapes only.
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
#define BENCH_OWN_CLOCK
#include "bench.h"

int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

#define NB_O_CREAT	0x200
#define NB_O_RDWR	2
#define NB_AF_INET	2
#define NB_SOCK_DGRAM	2

enum { L_FILE, L_SOCK, L_UDP, NLOOP };

struct nb_sin { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; };
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
	struct nb_sin to;
	unsigned tolen = sizeof(to);

	memset(buf, 'x', sizeof(buf));
	rumpus_kernel_switch(k);
	if (rump_pub_lwproc_rfork(1 /* RUMP_RFFDG */) != 0) {
		w->err = 1;
		goto out;
	}
	snprintf(path, sizeof(path), "/f%d", w->id);
	if (w->sock == L_UDP) {
		/* two sockets on 127.0.0.1, ports the kernel picks */
		memset(&to, 0, sizeof(to));
		to.len = sizeof(to);
		to.family = NB_AF_INET;
		to.addr = __builtin_bswap32(0x7f000001);
		for (int i = 0; i < 2; i++)
			if ((sv[i] = rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM, 0)) < 0 ||
			    rump_sys_bind(sv[i], (void *)&to, sizeof(to)) != 0)
				w->err = 6;
		if (!w->err && rump_sys_getsockname(sv[1], (void *)&to, &tolen) != 0)
			w->err = 7;
	} else if (w->sock) {
		if (rump_sys_socketpair(1, 2, 0, sv) != 0)
			w->err = 2;
	} else if ((fd = rump_sys_open(path, NB_O_CREAT | NB_O_RDWR, 0644)) < 0)
		w->err = 3;
	while (!atomic_load(&go))
		;
	while (!atomic_load_explicit(&stop, memory_order_relaxed) && !w->err) {
		for (int i = 0; i < 64; i++) {
			if (w->sock == L_UDP) {
				if (rump_sys_sendto(sv[0], buf, sizeof(buf), 0, (void *)&to,
				    sizeof(to)) != sizeof(buf) ||
				    rump_sys_recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL) != sizeof(buf))
					w->err = 8;
			} else if (w->sock) {
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

static int64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double last_cores;	/* host cores the last round kept busy (CPU time / wall time) */

/* ops/s of n workers together on kernel kk, one round of ns nanoseconds */
static double
round_of(struct rumpus_kernel *kk, int n, int sock, int64_t ns)
{
	struct worker w[2];
	int64_t t0, t1, c0, c1;
	long ops = 0;

	k = kk;
	atomic_store(&go, 0);
	atomic_store(&stop, 0);
	for (int i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].sock = sock;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	usleep(2000);
	c0 = cpu_ns();
	t0 = now_ns();
	atomic_store(&go, 1);
	while ((t1 = now_ns()) - t0 < ns)
		usleep(1000);
	c1 = cpu_ns();
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].err) {
			fprintf(stderr, "vcpu_bench: worker error %d\n", w[i].err);
			exit(1);
		}
		ops += w[i].ops;
	}
	last_cores = (double)(c1 - c0) / (double)(t1 - t0);
	return ops / ((t1 - t0) / 1e9);
}

static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", "net.netinet", NULL };

static struct rumpus_kernel *
boot(unsigned ncpu)
{
	struct rumpus_config cfg = { 0 };
	struct rumpus_kernel *kk;
	int err;

	cfg.ncpu = ncpu;
	if ((kk = rumpus_kernel_create(comps, &cfg, &err)) == NULL) {
		fprintf(stderr, "vcpu_bench: kernel: %d\n", err);
		exit(1);
	}
	return kk;
}

static double cores_med[4];	/* per shape: median of the cores its rounds kept busy */

static void
fig(const char *key, const char *label, double v, double cores)
{
	printf("  %-62s %11.0f ops/s  (%.2f cores busy)\n@fig\t%s\t%s\t%.17g\tops/s\t\n",
	    label, v, cores, key, label, v);
}

static void
cmp(const char *key, const char *base, double v, double b)
{
	printf("  %-62s %10.2fx\n", "  ratio", v / b);
	printf("@cmp\t%s\t%s\tsame process, alternating rounds (ratio above 1: faster)\n", key, base);
}

enum { S_1CPU_ONE, S_2CPU_ONE, S_2CPU_TWO, S_1CPU_TWO, NSHAPE };

int
main(int argc, char **argv)
{
	static const char *kind[NLOOP] = { "file", "sock", "udp" };
	static const char *what[NLOOP] = { "file", "socket", "UDP" };
	int only = -1;

	for (int i = 0; argc >= 2 && i < NLOOP; i++)
		if (strcmp(argv[1], kind[i]) == 0)
			only = i;
	if (argc == 5) {	/* one shape alone, for a profiler */
		int sock = only < 0 ? 0 : only;
		struct rumpus_kernel *kk = boot((unsigned)atoi(argv[2]));
		double v = round_of(kk, atoi(argv[3]) > 1 ? 2 : 1, sock,
		    (int64_t)(atof(argv[4]) * 1e9));

		printf("%s, %s vCPU(s), %s thread(s): %.0f ops/s, %.1f ns of CPU an op\n", argv[1],
		    argv[2], argv[3], v, last_cores * 1e9 / v);
		rumpus_kernel_destroy(kk);
		return 0;
	}
	printf("== processes of one kernel on its vCPUs, each its own thread and files or "
	    "sockets (medians of rotating %d ms rounds)\n", (int)(ROUND_NS / 1000000));
	for (int sock = 0; sock < NLOOP; sock++) {
		if (only >= 0 && sock != only)
			continue;
		struct rumpus_kernel *k1 = boot(1), *k2 = boot(2);
		double v[NSHAPE][ROUNDS], c[NSHAPE][ROUNDS], m[NSHAPE];
		char key[NSHAPE][64], label[NSHAPE][128];

		for (int r = 0; r < ROUNDS; r++)
			for (int j = 0; j < NSHAPE; j++) {
				int s = (r + j) % NSHAPE;

				v[s][r] = round_of(s == S_1CPU_ONE || s == S_1CPU_TWO ? k1 : k2,
				    s == S_2CPU_TWO || s == S_1CPU_TWO ? 2 : 1, sock, ROUND_NS);
				c[s][r] = last_cores;
			}
		rumpus_kernel_destroy(k1);
		rumpus_kernel_destroy(k2);
		for (int s = 0; s < NSHAPE; s++) {
			static const char *sk[NSHAPE] = { "1.one", "2.one", "2.two", "1.two" };
			static const char *sl[NSHAPE] = { "1 vCPU, one process", "2 vCPUs, one process",
			    "2 vCPUs, two processes", "1 vCPU, two processes" };

			qsort(v[s], ROUNDS, sizeof(double), cmpd);
			m[s] = v[s][ROUNDS / 2];
			qsort(c[s], ROUNDS, sizeof(double), cmpd);
			cores_med[s] = c[s][ROUNDS / 2];
			snprintf(key[s], sizeof(key[s]), "vcpu.%s.%s", kind[sock], sk[s]);
			snprintf(label[s], sizeof(label[s]), "%s loop, %s", what[sock], sl[s]);
		}
		fig(key[S_2CPU_ONE], label[S_2CPU_ONE], m[S_2CPU_ONE], cores_med[S_2CPU_ONE]);
		fig(key[S_1CPU_ONE], label[S_1CPU_ONE], m[S_1CPU_ONE], cores_med[S_1CPU_ONE]);
		cmp(key[S_2CPU_ONE], key[S_1CPU_ONE], m[S_2CPU_ONE], m[S_1CPU_ONE]);
		fig(key[S_2CPU_TWO], label[S_2CPU_TWO], m[S_2CPU_TWO], cores_med[S_2CPU_TWO]);
		printf("  %-62s %11s\n", "  (beside: 2 vCPUs, one process, above)", "");
		cmp(key[S_2CPU_TWO], key[S_2CPU_ONE], m[S_2CPU_TWO], m[S_2CPU_ONE]);
		printf("  %-62s %11s\n", "  (beside: 1 vCPU, one process, above)", "");
		cmp(key[S_2CPU_TWO], key[S_1CPU_ONE], m[S_2CPU_TWO], m[S_1CPU_ONE]);
		fig(key[S_1CPU_TWO], label[S_1CPU_TWO], m[S_1CPU_TWO], cores_med[S_1CPU_TWO]);
		printf("  %-62s %11s\n", "  (beside: 1 vCPU, one process, above)", "");
		cmp(key[S_1CPU_TWO], key[S_1CPU_ONE], m[S_1CPU_TWO], m[S_1CPU_ONE]);
	}
	return 0;
}
