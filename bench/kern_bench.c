/*
 * kern_bench.c: the kernel's headline figures, printed as a table.
 *   boot+destroy  median and p90 over 2000 kernels (with vfs and fs.tmpfs when built in)
 *   idle kernel   bytes from the kernel's own accounting, and process RSS growth per
 *                 kernel with 100,000 kernels alive at once
 *   null syscall  rump_sys_getpid() into a current kernel, next to the host's
 *                 syscall(SYS_getpid), in the same run
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

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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

int
main(int argc, char **argv)
{
	const char *full[] = { "vfs", "fs.tmpfs", NULL };
	const char *const *comps = full;
	const char *compdesc = "vfs+fs.tmpfs";
	enum { NBOOT = 2000, NKERN = 100000, NCALL = 27000000, NROUND = 9 };
	double rn[NROUND], rh[NROUND];
	static double t[NBOOT];
	struct rumpus_kernel *k, **ks;
	double t0, nul, host;
	long rss0, rss1;
	size_t used;
	int i, err, n = NKERN;

	if (argc > 1)
		n = atoi(argv[1]);
	k = rumpus_kernel_create(comps, NULL, &err);
	if (k == NULL) {
		comps = NULL;
		compdesc = "base only (vfs not built in yet)";
	} else
		rumpus_kernel_destroy(k);

	for (i = 0; i < 200; i++)
		rumpus_kernel_destroy(rumpus_kernel_create(comps, NULL, &err));
	for (i = 0; i < NBOOT; i++) {
		t0 = now_ns();
		k = rumpus_kernel_create(comps, NULL, &err);
		rumpus_kernel_destroy(k);
		t[i] = now_ns() - t0;
	}
	qsort(t, NBOOT, sizeof(t[0]), cmp);

	k = rumpus_kernel_create(comps, NULL, &err);
	used = rumpus_kernel_memused(k);
	rumpus_kernel_switch(k);
	for (i = 0; i < 1000000; i++)
		rump_sys_getpid();
	/* rounds on a shared VM vary: report the best and the median of 9 */
	for (int r = 0; r < NROUND; r++) {
		t0 = now_ns();
		for (i = 0; i < NCALL / NROUND; i++)
			rump_sys_getpid();
		rn[r] = (now_ns() - t0) / (NCALL / NROUND);
		t0 = now_ns();
		for (i = 0; i < NCALL / NROUND / 20; i++)
			syscall(SYS_getpid);
		rh[r] = (now_ns() - t0) / (NCALL / NROUND / 20);
	}
	qsort(rn, NROUND, sizeof(rn[0]), cmp);
	qsort(rh, NROUND, sizeof(rh[0]), cmp);
	nul = rn[0];
	host = rh[0];
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);

	ks = malloc(sizeof(*ks) * (size_t)n);
	rss0 = rss_bytes();
	for (i = 0; i < n; i++) {
		ks[i] = rumpus_kernel_create(comps, NULL, &err);
		if (ks[i] == NULL) {
			fprintf(stderr, "kernel %d: error %d: %s\n", i, err, rumpus_error());
			return 1;
		}
	}
	rss1 = rss_bytes();
	for (i = 0; i < n; i++)
		rumpus_kernel_destroy(ks[i]);
	free(ks);

	printf("kernel benchmark (components: %s)\n", compdesc);
	printf("  %-40s %10.2f us   (p90 %.2f us, %d runs)\n", "boot+destroy median",
	    t[NBOOT / 2] / 1000, t[NBOOT * 9 / 10] / 1000, NBOOT);
	printf("  %-40s %10zu bytes (kernel accounting)\n", "idle kernel memory", used);
	printf("  %-40s %10.0f bytes (RSS growth / kernel, %d alive)\n", "idle kernel RSS", 
	    (double)(rss1 - rss0) / n, n);
	printf("  %-40s %10.2f ns   (median %.2f ns, best of %d rounds)\n",
	    "null syscall rump_sys_getpid()", nul, rn[NROUND / 2], NROUND);
	printf("  %-40s %10.2f ns   (median %.2f ns)\n", "host syscall(SYS_getpid)", host,
	    rh[NROUND / 2]);
	return 0;
}
