/*
 * vfs_stress_test.c: 10,000 boot/destroy cycles of kernels with vfs and tmpfs (no leak,
 * small idle size), and host threads hammering one kernel's file system at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"

#define NTHREADS 4
#define ROUNDS 400

static struct rumpus_kernel *K;

struct worker {
	int id;
	int failures;
	char why[128];
};

static void
fail(struct worker *w, const char *what)
{
	if (w->failures++ == 0)
		snprintf(w->why, sizeof(w->why), "%s (errno %d)", what, errno);
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	char dir[32], a[64], b[64], buf[256], data[200];
	struct nb_stat st;
	int i, fd, n;

	rumpus_kernel_switch(K);
	snprintf(dir, sizeof(dir), "/w%d", w->id);
	if (rump_sys_mkdir(dir, 0755) != 0)
		fail(w, "mkdir");
	for (i = 0; i < ROUNDS; i++) {
		snprintf(a, sizeof(a), "%s/f%d", dir, i % 17);
		snprintf(b, sizeof(b), "/shared/t%d-%d", w->id, i);
		n = snprintf(data, sizeof(data), "thread %d round %d", w->id, i);
		fd = rump_sys_open(a, NB_O_RDWR | NB_O_CREAT | NB_O_TRUNC, 0644);
		if (fd < 0) {
			fail(w, "open");
			continue;
		}
		if (rump_sys_write(fd, data, (size_t)n) != n)
			fail(w, "write");
		if (rump_sys_pread(fd, buf, sizeof(buf), 0) != n || memcmp(buf, data, (size_t)n) != 0)
			fail(w, "read back");
		rump_sys_close(fd);
		if (rump_sys_rename(a, b) != 0)
			fail(w, "rename into the shared directory");
		if (rump_sys_stat(b, ST(&st)) != 0 || st.st_size != n)
			fail(w, "stat after rename");
		if (i % 3 == 0 && rump_sys_unlink(b) != 0)
			fail(w, "unlink");
		if (i % 50 == 0) {
			char sub[64];
			snprintf(sub, sizeof(sub), "%s/d%d", dir, i);
			if (rump_sys_mkdir(sub, 0755) != 0 || rump_sys_rmdir(sub) != 0)
				fail(w, "mkdir/rmdir");
		}
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
count_dir(const char *path)
{
	char buf[4096];
	int fd = rump_sys_open(path, NB_O_RDONLY | NB_O_DIRECTORY, 0), n, total = 0;

	while ((n = rump_sys_getdents(fd, buf, sizeof(buf))) > 0) {
		int off = 0;
		while (off < n) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 8, 2);
			total++;
			off += reclen;
		}
	}
	rump_sys_close(fd);
	return total;
}

int
main(void)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { .ncpu = 2 };
	struct rumpus_memstats m0, m1;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct rumpus_kernel *k;
	int i, err, good = 1, failures = 0, expect;
	size_t idle;

	rumpus_memstats(&m0);
	k = rumpus_kernel_create(comps, NULL, &err);
	idle = rumpus_kernel_memused(k);
	ok(idle <= 32 * 1024, "an idle kernel with vfs and tmpfs accounts %zu bytes (<= 32 KiB)",
	    idle);
	rumpus_kernel_destroy(k);

	for (i = 0; i < 10000 && good; i++) {
		k = rumpus_kernel_create(comps, NULL, &err);
		if (k == NULL) {
			good = 0;
			break;
		}
		rumpus_kernel_switch(k);
		if ((i % 10) == 0) {
			int fd = rump_sys_open("/x", NB_O_RDWR | NB_O_CREAT, 0644);
			if (fd < 0 || rump_sys_write(fd, "abc", 3) != 3)
				good = 0;
			/* left open and linked on purpose: destroy must free it */
		}
		rumpus_kernel_switch(NULL);
		if (rumpus_kernel_destroy(k) != 0)
			good = 0;
	}
	rumpus_memstats(&m1);
	ok(good && m1.bytes == m0.bytes && m1.leaked == 0,
	    "10,000 boot/destroy cycles with vfs+tmpfs (some with open files) leak nothing "
	    "(%llu -> %llu, leaked %llu)", (unsigned long long)m0.bytes,
	    (unsigned long long)m1.bytes, (unsigned long long)m1.leaked);

	K = rumpus_kernel_create(comps, &cfg, &err);
	rumpus_kernel_switch(K);
	rump_sys_mkdir("/shared", 0777);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		pthread_create(&t[i], NULL, worker, &w[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].failures)
			diag("thread %d: %d failures, first: %s", i, w[i].failures, w[i].why);
		failures += w[i].failures;
	}
	ok(failures == 0, "%d threads x %d rounds of create/write/read/rename/unlink on one "
	    "2-CPU kernel: no failures", NTHREADS, ROUNDS);
	rumpus_kernel_switch(K);
	expect = NTHREADS * (ROUNDS - (ROUNDS + 2) / 3) + 2;
	ok(count_dir("/shared") == expect, "the shared directory holds exactly the survivors (%d)",
	    expect);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "destroy the hammered kernel");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == 0, "and nothing leaked");
	return tap_done();
}
