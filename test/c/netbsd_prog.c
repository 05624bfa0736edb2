/*
 * netbsd_prog.c: a program written for NetBSD's rump kernels, not for rumpus: it knows
 * only NetBSD's names (rump_init, rump_sys_* renamed to rump___sysimpl_*, rump_pub_*)
 * and links with -lrump -lrumpuser (and -lrumpvfs for the _vfs build) from
 * build/netbsd-compat/lib, without an rpath.  test/c/compat_test.c runs it with only
 * LD_LIBRARY_PATH set.  Prints one line per check and exits 0 if all held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

int rump_init(void);
int rump_pub_lwproc_rfork(int);
void rump_pub_lwproc_releaselwp(void);
pid_t rump_sys_getpid(void) __asm__("rump___sysimpl_getpid");
pid_t rump_sys_getppid(void) __asm__("rump___sysimpl_getppid");
int rump_sys___sysctl(const int *, unsigned, void *, size_t *, const void *, size_t)
    __asm__("rump___sysimpl___sysctl");
int rump_sys_mkdir(const char *, mode_t) __asm__("rump___sysimpl_mkdir");

static int failed;

static void
check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		failed = 1;
}

int
main(void)
{
	int name[2] = { 1, 1 };		/* CTL_KERN, KERN_OSTYPE */
	char buf[32];
	size_t len = sizeof(buf);
	int e = rump_init();

#ifdef WANT_VFS
	if (e != 0) {
		printf("rump_init %d\n", e);
		return 3;	/* the vfs component is not built in */
	}
	errno = 0;
	check(rump_sys_mkdir("/x", 0755) == 0 || errno != 78, "mkdir reaches the vfs component");
#else
	check(e == 0, "rump_init");
	errno = 0;
	check(rump_sys_mkdir("/x", 0755) == -1 && errno == 78, "without librumpvfs mkdir is ENOSYS (78)");
#endif
	check(rump_sys_getpid() == 1, "getpid is 1");
	check(rump_sys___sysctl(name, 2, buf, &len, NULL, 0) == 0 && strcmp(buf, "NetBSD") == 0,
	    "kern.ostype is NetBSD");
	check(rump_pub_lwproc_rfork(1) == 0 && rump_sys_getpid() == 2 && rump_sys_getppid() == 1,
	    "rfork makes pid 2, child of 1");
	rump_pub_lwproc_releaselwp();
	check(rump_sys_getpid() == 1, "released: back to pid 1");
	return failed;
}
