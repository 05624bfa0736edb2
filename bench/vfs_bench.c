/*
 * vfs_bench.c: the VFS's headline figures, printed as a table.
 *   boot+destroy   a kernel with vfs and fs.tmpfs: median and p90 over 5000
 *   idle kernel    accounted bytes of such a kernel
 *   file cycle     open(O_CREAT)+write 4 KiB+close+unlink on tmpfs: median, p90
 *   stat           rump_sys_stat of a 3-level path
 *   big directory  create 10,000 files in one directory, then stat them all
 *   pipe           write+read of 4 KiB through a pipe, one thread
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"
#include "bench.h"

#define NB_O_WRONLY 1
#define NB_O_RDWR 2
#define NB_O_CREAT 0x200

static void
report(const char *what, double *t, int n, const char *unit, double scale)
{
	qsort(t, (size_t)n, sizeof(*t), cmpd);
	printf("%-34s median %9.2f %s   p90 %9.2f %s\n", what, t[n / 2] / scale, unit,
	    t[n * 9 / 10] / scale, unit);
}

int
main(void)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	enum { NBOOT = 5000, NOPS = 20000, NDIR = 10000 };
	static double t[NOPS];
	static char page[4096];
	struct rumpus_kernel *k;
	char name[64], st[152];
	double t0;
	int i, err, fd, p[2];

	printf("== the VFS and tmpfs from C (median and p90 of single operations)\n");
	for (i = 0; i < NBOOT; i++) {
		t0 = now_ns();
		k = rumpus_kernel_create(comps, NULL, &err);
		if (k == NULL) {
			fprintf(stderr, "vfs_bench: create failed: %s\n", rumpus_error());
			return 1;
		}
		rumpus_kernel_destroy(k);
		t[i] = now_ns() - t0;
	}
	report("boot+destroy (vfs+fs.tmpfs)", t, NBOOT, "us", 1e3);

	k = rumpus_kernel_create(comps, NULL, &err);
	printf("%-34s %9zu bytes\n", "idle kernel (vfs+fs.tmpfs)", rumpus_kernel_memused(k));
	rumpus_kernel_switch(k);
	memset(page, 'x', sizeof(page));
	rump_sys_mkdir("/a", 0755);
	rump_sys_mkdir("/a/b", 0755);
	for (i = 0; i < NOPS; i++) {
		t0 = now_ns();
		fd = rump_sys_open("/a/b/f", NB_O_WRONLY | NB_O_CREAT, 0644);
		rump_sys_write(fd, page, sizeof(page));
		rump_sys_close(fd);
		rump_sys_unlink("/a/b/f");
		t[i] = now_ns() - t0;
	}
	report("create+write 4K+close+unlink", t, NOPS, "us", 1e3);
	fd = rump_sys_open("/a/b/c", NB_O_WRONLY | NB_O_CREAT, 0644);
	rump_sys_close(fd);
	for (i = 0; i < NOPS; i++) {
		t0 = now_ns();
		rump_sys_stat("/a/b/c", (struct stat *)(void *)st);
		t[i] = now_ns() - t0;
	}
	report("stat /a/b/c", t, NOPS, "ns", 1);

	rump_sys_mkdir("/big", 0755);
	t0 = now_ns();
	for (i = 0; i < NDIR; i++) {
		snprintf(name, sizeof(name), "/big/file%05d", i);
		fd = rump_sys_open(name, NB_O_WRONLY | NB_O_CREAT, 0644);
		rump_sys_close(fd);
	}
	printf("%-34s %9.2f us per file\n", "create 10,000 in one directory",
	    (now_ns() - t0) / NDIR / 1e3);
	t0 = now_ns();
	for (i = 0; i < NDIR; i++) {
		snprintf(name, sizeof(name), "/big/file%05d", (i * 7919) % NDIR);
		rump_sys_stat(name, (struct stat *)(void *)st);
	}
	printf("%-34s %9.2f ns per stat\n", "stat in a 10,000-entry directory",
	    (now_ns() - t0) / NDIR);

	rump_sys_pipe(p);
	for (i = 0; i < NOPS; i++) {
		t0 = now_ns();
		rump_sys_write(p[1], page, sizeof(page));
		rump_sys_read(p[0], page, sizeof(page));
		t[i] = now_ns() - t0;
	}
	report("pipe write+read 4 KiB", t, NOPS, "us", 1e3);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	return 0;
}
