/*
 * lwproc_test.c: processes and lwps the NetBSD way (rump_pub_lwproc_*): fork flavours
 * and their descriptor tables, credentials per process, newlwp/switch/releaselwp, a
 * process exiting with its last lwp, bindings kept per kernel.
 */
#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int);
int rump_pub_lwproc_newlwp(pid_t);
void rump_pub_lwproc_switch(struct lwp *);
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

static int
fd_open(int fd)
{
	return rump_sys_fcntl(fd, F_GETFD) != -1;
}

int
main(void)
{
	struct rumpus_kernel *k, *k2;
	struct lwp *l1, *l2, *l3;
	int err, fd, fd2, closed0, r;
	pid_t child, child2;
	gid_t groups[20];

	k = rumpus_kernel_create(NULL, NULL, &err);
	k2 = rumpus_kernel_create(NULL, NULL, &err);
	rumpus_kernel_switch(k);

	ok(rump_pub_lwproc_curlwp() == NULL, "an unbound thread has no lwp (implicit)");
	fd = tf_open(k);
	ok(fd == 0, "a file opens as fd 0 in process 1");

	ok(rump_pub_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG) == EINVAL, "RFFDG|RFCFDG is EINVAL");
	ok(rump_pub_lwproc_rfork(0x100) == EINVAL, "unknown rfork flags are EINVAL");

	/* RFFDG: a copy of the table */
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0, "rfork(RUMP_RFFDG)");
	l1 = rump_pub_lwproc_curlwp();
	child = rump_sys_getpid();
	ok(l1 != NULL && child > 1, "the thread is bound to the child's lwp (pid %d)", (int)child);
	ok(rump_sys_getppid() == 1, "the child's parent is process 1");
	ok(fd_open(fd), "the copied table has fd %d", fd);
	ok(rump_sys_close(fd) == 0, "close it in the child");
	ok(!fd_open(fd), "gone in the child");
	rump_pub_lwproc_switch(NULL);
	ok(rump_sys_getpid() == 1 && fd_open(fd), "back in process 1 the fd is still open");

	/* RFCFDG: a clean table */
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork(RUMP_RFCFDG)");
	l2 = rump_pub_lwproc_curlwp();
	child2 = rump_sys_getpid();
	ok(child2 != child && !fd_open(fd), "new pid %d and an empty table", (int)child2);
	fd2 = tf_open(k);
	ok(fd2 == 0, "its first file is fd 0 again");

	/* credentials are per process */
	ok(rump_sys_setuid(1000) == 0 && rump_sys_getuid() == 1000 && rump_sys_geteuid() == 1000,
	    "setuid(1000) in the child");
	ok(rump_sys_issetugid() == 1, "issetugid after a credential change");
	errno = 0;
	r = rump_sys_setuid(0);
	ok(r == -1 && errno == EPERM, "an unprivileged setuid(0) is EPERM");
	r = rump_sys_setgroups(0, NULL);
	ok(r == -1 && errno == EPERM, "an unprivileged setgroups is EPERM");
	rump_pub_lwproc_switch(l1);
	ok(rump_sys_getpid() == child && rump_sys_getuid() == 0, "the first child is still root");
	groups[0] = 5;
	groups[1] = 6;
	ok(rump_sys_setgroups(2, groups) == 0, "root sets two groups");
	memset(groups, 0, sizeof(groups));
	ok(rump_sys_getgroups(0, NULL) == 2 && rump_sys_getgroups(20, groups) == 2 &&
	    groups[0] == 5 && groups[1] == 6, "getgroups returns them");
	r = rump_sys_getgroups(1, groups);
	ok(r == -1 && errno == EINVAL, "getgroups with a short buffer is EINVAL");
	r = rump_sys_setgroups(17, groups);
	ok(r == -1 && errno == EINVAL, "more than NGROUPS_MAX groups is EINVAL");
	ok(rump_sys_setregid(-1, 7) == 0 && rump_sys_getegid() == 7 && rump_sys_getgid() == 0,
	    "setregid(-1, 7) changes only the effective gid");
	ok(rump_sys_seteuid(33) == 0 && rump_sys_geteuid() == 33 && rump_sys_getuid() == 0,
	    "seteuid(33) keeps the real uid");
	ok(rump_sys_seteuid(0) == 0, "and back to 0 through the saved uid");

	/* a second lwp in the same process */
	rump_pub_lwproc_switch(l2);
	r = rump_pub_lwproc_newlwp(child2);
	l3 = rump_pub_lwproc_curlwp();
	ok(r == 0 && l3 != l2 && rump_sys_getpid() == child2, "newlwp joins process %d", (int)child2);
	ok(fd_open(fd2), "and shares its descriptors");
	ok(rump_pub_lwproc_newlwp(9999) == ESRCH, "newlwp of a missing pid is ESRCH");
	ok(rump_pub_lwproc_curlwp() == l3, "a failed newlwp keeps the binding");

	/* bindings survive a trip to another kernel */
	rumpus_kernel_switch(k2);
	ok(rump_sys_getpid() == 1 && rump_pub_lwproc_curlwp() == NULL,
	    "in another kernel the thread is implicit again");
	rumpus_kernel_switch(k);
	ok(rump_pub_lwproc_curlwp() == l3 && rump_sys_getpid() == child2,
	    "back in the first kernel the lwp is bound again");
	rump_pub_lwproc_switch(l1);
	ok(rump_pub_lwproc_curlwp() == l1, "switch to an lwp of another process");
	rumpus_kernel_switch(k2);
	rump_pub_lwproc_switch(l2);
	ok(rump_pub_lwproc_curlwp() == NULL, "an lwp of another kernel is refused");
	rumpus_kernel_switch(k);

	/* the process exits with its last lwp and closes its files */
	closed0 = atomic_load(&tf_closed);
	rump_pub_lwproc_switch(l3);
	rump_pub_lwproc_releaselwp();
	ok(rump_pub_lwproc_curlwp() == NULL, "releaselwp unbinds the thread");
	ok(atomic_load(&tf_closed) == closed0, "the process lives on with its other lwp");
	rump_pub_lwproc_switch(l2);
	rump_pub_lwproc_releaselwp();
	ok(atomic_load(&tf_closed) == closed0 + 1, "its last lwp gone, the process closed its file");
	ok(rump_pub_lwproc_newlwp(child2) == ESRCH, "and it no longer exists");

	/* process 1 takes new lwps too, as on NetBSD (ljsyscall's rump suite starts so) */
	ok(rump_pub_lwproc_newlwp(1) == 0 && rump_pub_lwproc_curlwp() != NULL &&
	    rump_sys_getpid() == 1, "newlwp(1) binds an lwp of process 1");
	rump_pub_lwproc_releaselwp();
	ok(rump_pub_lwproc_curlwp() == NULL && rump_sys_getpid() == 1,
	    "releasing it leaves process 1 alive");

	/* a shared table: rfork(0) */
	ok(rump_pub_lwproc_rfork(0) == 0, "rfork(0) shares the table of process 1");
	fd2 = tf_open(k);
	rump_pub_lwproc_releaselwp();
	ok(fd2 > 0 && fd_open(fd2), "a file the child opened is visible in process 1 (fd %d)", fd2);

	/* the descriptor limit */
	rump_pub_lwproc_switch(l1);
	{
		struct { uint64_t cur, max; } rl = { 2, 2 };
		int a, b, c;
		ok(rump_sys_setrlimit(RLIMIT_NOFILE, (void *)&rl) == 0, "RLIMIT_NOFILE lowered to 2");
		a = tf_open(k);
		b = tf_open(k);
		c = tf_open(k);
		ok(a == 0 && b == 1 && c == -EMFILE, "the third descriptor is EMFILE (%d, %d, %d)",
		    a, b, c);
		r = rump_sys_dup2(0, 5);
		ok(r == -1 && errno == EBADF, "dup2 beyond the limit is EBADF");
		rl.max = 100000;
		rl.cur = 3;
		r = rump_sys_setrlimit(RLIMIT_NOFILE, (void *)&rl);
		ok(r == 0, "raising the hard limit as root works (clamped to maxfiles)");
		ok(rump_sys_getrlimit(RLIMIT_NOFILE, (void *)&rl) == 0 && rl.cur == 3 && rl.max == 1024,
		    "getrlimit shows cur 3, max 1024");
		r = rump_sys_getrlimit(99, (void *)&rl);
		ok(r == -1 && errno == EINVAL, "an unknown resource is EINVAL");
	}
	rump_pub_lwproc_releaselwp();

	ok(rumpus_kernel_destroy(k) == 0 && rumpus_kernel_destroy(k2) == 0,
	    "both kernels destroyed with processes and lwps left in them");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "no kernel bytes remain (%llu)",
		    (unsigned long long)m.bytes);
	}
	return tap_done();
}
