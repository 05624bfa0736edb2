/*
 * sysproxy_hijack_prog.c: a plain Linux program (nothing of rump linked in), run by
 * test/c/sysproxy_test.c with NetBSD's librumphijack.so preloaded (LD_PRELOAD) and
 * RUMP_SERVER naming our server.  The hijack library sends calls on paths under /rump
 * (and descriptors it handed out, numbered from 512 up) to the kernel through
 * librumpclient; everything else stays on the host.  It passes argument values through
 * unchanged, so this program gives the NetBSD ones where they differ (O_CREAT), and it
 * only uses calls the library wraps (open, read, write, close, mkdir, access, fork;
 * glibc's stat/fstat/openat are not wrapped: docs/netbsd.md, "NetBSD's hijack library").
 * Prints "ok"/"FAIL" lines; exits 0 if every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NB_O_CREAT	0x200		/* NetBSD's value (Linux's is 0x40) */

static int failed;

static void
check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!cond)
		failed = 1;
}

int
main(int argc, char **argv)
{
	char buf[64];
	int fd, status = -1;
	pid_t pid;

	if (argc < 2)
		return 2;
	/* a host file: not hijacked */
	memset(buf, 0, sizeof(buf));
	fd = open(argv[1], O_RDONLY);
	check(fd >= 0 && fd < 512 && read(fd, buf, sizeof(buf)) == 5 &&
	    memcmp(buf, "host\n", 5) == 0, "a host file is read from the host");
	close(fd);
	check(access("/rump/hj", F_OK) == -1, "/rump/hj: not there yet (the kernel's)");
	check(mkdir("/rump/hj", 0755) == 0, "mkdir /rump/hj in the kernel");
	check(access("/rump/hj", F_OK) == 0 && access(argv[1], F_OK) == 0,
	    "access: the kernel's directory and the host's file");
	fd = open("/rump/hj/f", O_RDWR | NB_O_CREAT, 0644);
	check(fd >= 512, "open /rump/hj/f: a kernel descriptor (512 up)");
	check(write(fd, "parent ", 7) == 7, "write");
	/* fork through the hijack: rumpclient_fork, the child with the parent's descriptors */
	pid = fork();
	if (pid == 0)
		_exit(write(fd, "child", 5) == 5 ? 0 : 1);
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "fork: the child writes to the inherited kernel descriptor");
	check(close(fd) == 0, "close");
	memset(buf, 0, sizeof(buf));
	fd = open("/rump/hj/f", O_RDONLY);
	check(fd >= 512 && read(fd, buf, sizeof(buf)) == 12 && memcmp(buf, "parent child", 12) == 0,
	    "read back both writes");
	close(fd);
	check(open("/rump/hj/none", O_RDONLY) == -1 && errno == ENOENT, "a missing file: ENOENT");
	return failed;
}
