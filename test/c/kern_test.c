/*
 * kern_test.c: kernel instances: create/destroy, components, settings, current kernel,
 * memory accounting and limits, ENOSYS for absent components, no leaks over 10,000 boots.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

#define NB_ENOSYS 78
#define NB_ENXIO 6
#define NB_EBADF 9

int rump_init(void);

static struct rumpus_kernel *seen;

static int
callee(void *arg)
{
	seen = rumpus_kernel_current();
	return rump_sys_getpid() + *(int *)arg;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k, *k2, *old;
	const char *bad[] = { "no.such.component", NULL };
	const char *none[] = { NULL };
	struct rumpus_config cfg = { .ncpu = 2, .hostname = "box" };
	int err = 0, i, leakfree;
	size_t used;

	rumpus_memstats(&m0);

	k = rumpus_kernel_create(bad, NULL, &err);
	ok(k == NULL && err == EINVAL, "unknown component fails with EINVAL (err %d)", err);
	ok(strstr(rumpus_error(), "no.such.component") != NULL,
	    "the error names the component: \"%s\"", rumpus_error());

	cfg.ncpu = 65;
	k = rumpus_kernel_create(none, &cfg, &err);
	ok(k == NULL && err == EINVAL, "ncpu 65 is rejected");
	cfg.ncpu = 2;
	cfg.memlimit = 16;
	k = rumpus_kernel_create(none, &cfg, &err);
	ok(k == NULL && err == ENOMEM, "a memlimit below an empty kernel is ENOMEM");
	cfg.memlimit = 0;

	ok(rumpus_kernel_current() == NULL, "no current kernel at start");
	errno = 0;
	i = rump_sys_getpid();
	ok(i == -1 && errno == NB_ENXIO,
	    "a syscall with no kernel and no rump_init fails with ENXIO (errno %d)", errno);

	k = rumpus_kernel_create(none, &cfg, &err);
	ok(k != NULL, "kernel with the base only boots");
	ok(rumpus_kernel_ncpu(k) == 2, "two virtual CPUs as configured");
	ok(rumpus_kernel_has(k, "kern") && !rumpus_kernel_has(k, "vfs"), "has kern, not vfs");
	used = rumpus_kernel_memused(k);
	ok(used > 0 && used <= 32 * 1024, "idle kernel accounts %zu bytes (<= 32 KiB)", used);

	old = rumpus_kernel_switch(k);
	ok(old == NULL && rumpus_kernel_current() == k, "switch makes it current");
	ok(rump_sys_getpid() == 1, "implicit threads run as process 1");
	ok(rump_sys_getppid() == 0, "process 1 has parent 0");
	errno = 0;
	ok(rump_sys_close(5) == -1 && errno == NB_EBADF, "close of a closed fd is EBADF");
	errno = 0;
	i = rump_sys_mkdir("/x", 0755);
	ok(i == -1 && errno == NB_ENOSYS,
	    "a vfs syscall without the vfs component is ENOSYS (errno %d)", errno);
	errno = 0;
	i = rump_sys_socket(2, 1, 0);
	ok(i == -1 && errno == NB_ENOSYS, "socket without net is ENOSYS (errno %d)", errno);

	ok(rump_sys_utrace("lbl", &err, sizeof(err)) == 0, "utrace of an untraced process is 0");
	i = rump_sys_utrace("lbl", &err, 4096);
	ok(i == -1 && errno == 22, "utrace longer than KTR_USER_MAXLEN is EINVAL");

	k2 = rumpus_kernel_create(NULL, NULL, &err);
	ok(k2 != NULL, "a second kernel boots next to the first");
	rumpus_kernel_switch(k2);
	ok(rump_sys_umask(0) == (mode_t)-1 && errno == NB_ENOSYS, "umask belongs to vfs: ENOSYS");
	rumpus_kernel_switch(k);
	ok(rumpus_kernel_destroy(k2) == 0, "destroy a kernel that is not current");

	i = 41;
	ok(rumpus_kernel_call(k2 = rumpus_kernel_create(NULL, NULL, &err), callee, &i) == 42 &&
	    seen == k2 && rumpus_kernel_current() == k,
	    "rumpus_kernel_call runs fn with the kernel current, then restores the previous one");
	rumpus_kernel_destroy(k2);
	ok(rumpus_kernel_destroy(k) == 0, "destroy the current kernel");
	ok(rumpus_kernel_current() == NULL, "it is no longer current");

	/* 10,000 boots: accounting back to zero everywhere */
	leakfree = 1;
	for (i = 0; i < 10000; i++) {
		k = rumpus_kernel_create(NULL, NULL, &err);
		if (k == NULL) {
			leakfree = 0;
			break;
		}
		rumpus_kernel_switch(k);
		if (rump_sys_getpid() != 1)
			leakfree = 0;
		rumpus_kernel_switch(NULL);
		rumpus_kernel_destroy(k);
	}
	rumpus_memstats(&m1);
	ok(leakfree && m1.bytes == m0.bytes && m1.blocks == m0.blocks && m1.leaked == 0,
	    "10,000 boot/destroy cycles leave no bytes (%llu -> %llu, leaked %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes,
	    (unsigned long long)m1.leaked);
	/* rump_init: the default kernel for threads with none current */
	ok(rump_init() == 0, "rump_init boots the default kernel");
	ok(rump_init() == 0, "a second rump_init is a no-op");
	ok(rumpus_kernel_current() == NULL && rump_sys_getpid() == 1,
	    "a thread with no current kernel now reaches the default one");
	{
		int name[2] = { 1, 10 };	/* kern.hostname */
		char host[64];
		size_t len = sizeof(host);
		ok(rump_sys___sysctl(name, 2, host, &len, NULL, 0) == 0 && strcmp(host, "rump") == 0,
		    "its hostname is \"rump\"");
	}
	return tap_done();
}
