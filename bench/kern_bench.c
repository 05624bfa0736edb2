/*
 * kern_bench.c: the kernel's headline figures from C, each beside its baseline in this
 * same process (docs/bench.md).
 *   idle kernels   the kernel's own accounting of an idle vfs+tmpfs kernel, and the growth
 *                  of this (fresh) process's RSS per kernel with N kernels alive
 *   cold boot      rumpus_kernel_create of a kernel that stays, timed one by one while the
 *                  population grows to N, beside the hot loop create+destroy (one kernel,
 *                  caches warm) with none and with N others alive; destroy of the N
 *   null syscall   rump_sys_getpid() into a current kernel beside the host's
 *                  syscall(SYS_getpid), in interleaved batches
 * Medians of batches (and p99 of the one-by-one creates).  Output: a readable line per
 * figure and the @fig/@cmp lines bench/run.lua collects.
 *
 *   kern_bench [N]      N kernels alive (default 100000; BENCH_QUICK set: 20000)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"
#include "bench.h"

static volatile long sink;

/* The q-quantile of t[0..n) (sorts t), nearest rank. */
static double
quantile(double *t, int n, double q)
{
	int i = (int)(q * n + 0.999999);

	qsort(t, (size_t)n, sizeof(*t), cmpd);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return t[i - 1];
}

static long
rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

static void
fig(const char *key, const char *label, double v, const char *unit, const char *note)
{
	printf("  %-58s %10.2f %-3s %s\n", label, v, unit, note ? note : "");
	printf("@fig\t%s\t%s\t%.17g\t%s\t%s\n", key, label, v, unit, note ? note : "");
}

static void
cmpfig(const char *key, const char *base, const char *how)
{
	printf("@cmp\t%s\t%s\t%s\n", key, base, how);
}

static const char *comps[] = { "vfs", "fs.tmpfs", NULL };

static struct rumpus_kernel *
boot(void)
{
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL) {
		fprintf(stderr, "kern_bench: create: error %d: %s\n", err, rumpus_error());
		exit(1);
	}
	return k;
}

enum { ROUNDS = 41, BOOTBATCH = 200 };

/* Median over ROUNDS batches of BOOTBATCH create+destroy, ns per kernel. */
static double
hotloop(void)
{
	double t[ROUNDS];

	for (int i = 0; i < BOOTBATCH; i++)
		rumpus_kernel_destroy(boot());
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (int i = 0; i < BOOTBATCH; i++)
			rumpus_kernel_destroy(boot());
		t[r] = (now_ns() - t0) / BOOTBATCH;
	}
	return quantile(t, ROUNDS, 0.5);
}

int
main(int argc, char **argv)
{
	const char *q = getenv("BENCH_QUICK");
	int n = q != NULL && *q != '\0' && strcmp(q, "0") != 0 ? 20000 : 100000;
	struct rumpus_kernel **ks, *k;
	double *tc, *td, hot0, hotn, cold, coldp99, dmed, t0;
	double rn[ROUNDS], rh[ROUNDS];
	long rss0, rss1;
	size_t used;
	char label[128], note[128];

	if (argc > 1)
		n = atoi(argv[1]);
	if (n < 100)
		n = 100;
	ks = malloc(sizeof(*ks) * (size_t)n);
	tc = malloc(sizeof(*tc) * (size_t)n);
	td = malloc(sizeof(*td) * (size_t)n);
	if (ks == NULL || tc == NULL || td == NULL)
		return 1;

	printf("== kernels from C: idle memory, cold boot beside the hot loop, null syscall beside "
	    "the host's (medians)\n");
	/* idle kernels and cold boots: first, while the process is fresh */
	k = boot();
	used = rumpus_kernel_memused(k);
	rumpus_kernel_destroy(k);
	rss0 = rss_bytes();
	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		ks[i] = boot();
		tc[i] = now_ns() - t0;
	}
	rss1 = rss_bytes();
	fig("mem.C.acct", "idle kernel, vfs+fs.tmpfs: the kernel's own accounting",
	    used / 1024.0, "KiB", NULL);
	cmpfig("mem.C.acct", "-", "rumpus_kernel_memused");
	snprintf(label, sizeof(label), "idle kernel: growth of the process RSS per kernel, %d alive", n);
	fig("mem.C.rss", label, (double)(rss1 - rss0) / n / 1024.0, "KiB", NULL);
	cmpfig("mem.C.rss", "mem.C.acct", "fresh C process");
	/* the creates while the last tenth was made: n*9/10 .. n alive */
	int tenth = n / 10;
	memmove(tc, tc + n - tenth, sizeof(*tc) * (size_t)tenth);
	cold = quantile(tc, tenth, 0.5);
	coldp99 = quantile(tc, tenth, 0.99);
	hotn = hotloop();
	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		rumpus_kernel_destroy(ks[i]);
		td[i] = now_ns() - t0;
	}
	dmed = quantile(td, n, 0.5);
	hot0 = hotloop();
	snprintf(note, sizeof(note), "p99 %.2f us", coldp99 / 1e3);
	snprintf(label, sizeof(label), "cold boot: create with %d-%d kernels alive", n - tenth, n);
	fig("kern.C.boot.cold", label, cold / 1e3, "us", note);
	fig("kern.C.boot.hot0", "boot+destroy, hot loop, no other kernel alive", hot0 / 1e3, "us", NULL);
	snprintf(label, sizeof(label), "boot+destroy, hot loop, %d other kernels alive", n);
	fig("kern.C.boot.hotn", label, hotn / 1e3, "us", NULL);
	snprintf(label, sizeof(label), "destroy of each of %d idle kernels", n);
	fig("kern.C.destroy.cold", label, dmed / 1e3, "us", NULL);
	cmpfig("kern.C.boot.hot0", "-", "median of batches");
	cmpfig("kern.C.boot.cold", "kern.C.boot.hot0", "same process");
	cmpfig("kern.C.boot.hotn", "kern.C.boot.hot0", "same process");
	free(ks);
	free(tc);
	free(td);

	/* the null syscall beside the host's */
	enum { NK = 30000, NH = 1000 };
	k = boot();
	rumpus_kernel_switch(k);
	for (int i = 0; i < NK; i++)
		sink = rump_sys_getpid();
	for (int r = 0; r < ROUNDS; r++) {
		t0 = now_ns();
		for (int i = 0; i < NK; i++)
			sink = rump_sys_getpid();
		rn[r] = (now_ns() - t0) / NK;
		t0 = now_ns();
		for (int i = 0; i < NH; i++)
			sink = syscall(SYS_getpid);
		rh[r] = (now_ns() - t0) / NH;
	}
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	fig("kern.C.nullsys", "C rump_sys_getpid() (kernel null syscall)", quantile(rn, ROUNDS, 0.5),
	    "ns", NULL);
	fig("host.C.getpid.k", "C syscall(SYS_getpid) on the host", quantile(rh, ROUNDS, 0.5), "ns", NULL);
	cmpfig("kern.C.nullsys", "host.C.getpid.k", "same process, interleaved batches");
	return 0;
}
