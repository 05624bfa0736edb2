/*
 * reliab_cred_test.c: credentials changed by one thread while others check them.
 *
 * Many host threads share process 1 of a kernel with several virtual CPUs.  Writers flip
 * the effective uid and the group list (seteuid, setegid, setgroups) while readers run
 * permission checks (access, open, getgroups) that read the credentials.  set*id used to
 * free the old credentials while the readers still used them (ASan: heap-use-after-free);
 * now each syscall holds a snapshot.  Every check must answer 0 or EACCES/EPERM, never
 * anything else, and the ids must be consistent at the end.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "vfs_util.h"

#define NREAD	6
#define NWRITE	2
#define NITER	20000

static struct rumpus_kernel *k;
static atomic_int bad, done_writers;
static atomic_long checks;

static void
fail(const char *what, int e)
{
	if (atomic_fetch_add(&bad, 1) < 5)
		diag("%s: unexpected errno %d", what, e);
}

static void *
writer(void *arg)
{
	int id = (int)(intptr_t)arg, i;
	uint32_t groups[3] = { 50, 60, 70 };

	rumpus_kernel_switch(k);
	for (i = 0; i < NITER; i++) {
		/* to uid 1000 and back: allowed, the saved uid stays 0 */
		if (rump_sys_seteuid(1000 + (uid_t)id) != 0 && errno != NB_EPERM)
			fail("seteuid", errno);
		if (rump_sys_seteuid(0) != 0)
			fail("seteuid(0)", errno);
		/* root may change its groups (EPERM if another writer is uid 1000 now) */
		if (rump_sys_setgroups(1 + i % 3, (const gid_t *)groups) != 0 && errno != NB_EPERM)
			fail("setgroups", errno);
		if (rump_sys_setegid((gid_t)(i & 1 ? 50 : 0)) != 0 && errno != NB_EPERM)
			fail("setegid", errno);
	}
	atomic_fetch_add(&done_writers, 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
reader(void *arg)
{
	uint32_t g[16];
	int fd, n;

	(void)arg;
	rumpus_kernel_switch(k);
	while (atomic_load(&done_writers) < NWRITE) {
		if (rump_sys_access("/f", 4 /* R_OK */) != 0 && errno != NB_EACCES)
			fail("access", errno);
		if ((fd = rump_sys_open("/f", NB_O_RDONLY)) >= 0)
			rump_sys_close(fd);
		else if (errno != NB_EACCES)
			fail("open", errno);
		if ((n = rump_sys_getgroups(16, (gid_t *)g)) < 0 || n > 3)
			fail("getgroups", n < 0 ? errno : 0);
		atomic_fetch_add(&checks, 3);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { 0 };
	pthread_t r[NREAD], w[NWRITE];
	uint32_t g[16];
	int i, fd, err = 0;

	cfg.ncpu = 4;
	if (!ok((k = rumpus_kernel_create(comps, &cfg, &err)) != NULL, "a kernel with 4 vCPUs"))
		return tap_done();
	rumpus_kernel_switch(k);
	/* readable by group 50 only */
	fd = rump_sys_open("/f", NB_O_CREAT | NB_O_RDWR, 0040);
	ok(fd >= 0 && rump_sys_close(fd) == 0 && rump_sys_chown("/f", 2000, 50) == 0 &&
	    rump_sys_chmod("/f", 0040) == 0, "a file readable by group 50 only");
	rumpus_kernel_switch(NULL);

	for (i = 0; i < NREAD; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	for (i = 0; i < NWRITE; i++)
		pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i);
	for (i = 0; i < NWRITE; i++)
		pthread_join(w[i], NULL);
	for (i = 0; i < NREAD; i++)
		pthread_join(r[i], NULL);
	ok(atomic_load(&bad) == 0, "%d writer threads changed credentials %d times each while "
	    "%d readers ran %ld checks: every answer 0, EACCES or EPERM", NWRITE, NITER, NREAD,
	    (long)atomic_load(&checks));

	rumpus_kernel_switch(k);
	ok(rump_sys_geteuid() == 0, "every writer ended as root");
	ok(rump_sys_setgroups(1, (const gid_t *)(uint32_t[]){ 60 }) == 0 &&
	    rump_sys_setegid(0) == 0 && rump_sys_seteuid(1000) == 0,
	    "uid 1000 in group 60 only");
	ok(rump_sys_open("/f", NB_O_RDONLY) == -1 && errno == NB_EACCES, "group 60: no read");
	ok(rump_sys_access("/f", 4) == 0, "access() checks the real uid, 0");
	ok(rump_sys_seteuid(0) == 0 &&
	    rump_sys_setgroups(2, (const gid_t *)(uint32_t[]){ 60, 50 }) == 0 &&
	    rump_sys_seteuid(1000) == 0, "uid 1000 in groups 60 and 50");
	ok((fd = rump_sys_open("/f", NB_O_RDONLY)) >= 0 && rump_sys_close(fd) == 0,
	    "group 50: read");
	ok(rump_sys_getgroups(16, (gid_t *)g) == 2 && g[0] == 60 && g[1] == 50,
	    "getgroups reads the installed list");
	ok(rump_sys_setgroups(0, NULL) == -1 && errno == NB_EPERM, "setgroups as uid 1000: EPERM");
	ok(rump_sys_seteuid(0) == 0, "back to root");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy");
	return tap_done();
}
