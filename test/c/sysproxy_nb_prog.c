/*
 * sysproxy_nb_prog.c: a program linked with NetBSD's librumpclient (nothing of ours),
 * run by test/c/sysproxy_test.c against rumpus_server with RUMP_SERVER set.  It knows
 * only NetBSD's names and values (the host's headers carry Linux ones).  Prints TAP-ish
 * "ok"/"FAIL" lines and exits 0 if every check held.
 *
 *   sysproxy_nb_prog all     file, socket and bad-pointer checks
 *   sysproxy_nb_prog mkdir   mkdir /k: prints "mkdir 0" or "mkdir <errno>" (kernel choice)
 *   sysproxy_nb_prog threads one thread blocked in read on an empty pipe while three
 *                            others do file work on the same connection
 *   sysproxy_nb_prog fork    rumpclient_fork: the child is a process of its own with the
 *                            parent's descriptors
 *   sysproxy_nb_prog exec    rumpclient_exec of itself ("exec2 ..."): the same process goes
 *                            on, its close-on-exec descriptor closed
 *   sysproxy_nb_prog sigpipe a write on a pipe with no reader: EPIPE, and SIGPIPE raised
 *                            here (the server's RAISE request), not in the server
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
pid_t rumpclient_fork(void);
int rumpclient_exec(const char *, char *const [], char *const []);
int rump_sys_getppid(void) __asm__("rump___sysimpl_getppid");
int rump_sys_pipe2(int *, int) __asm__("rump___sysimpl_pipe2");

int rumpclient_init(void);
int rump_sys_getpid(void) __asm__("rump___sysimpl_getpid");
int rump_sys_mkdir(const char *, uint32_t) __asm__("rump___sysimpl_mkdir");
int rump_sys_open(const char *, int, ...) __asm__("rump___sysimpl_open");
ssize_t rump_sys_read(int, void *, size_t) __asm__("rump___sysimpl_read");
ssize_t rump_sys_write(int, const void *, size_t) __asm__("rump___sysimpl_write");
int rump_sys_close(int) __asm__("rump___sysimpl_close");
int rump_sys_stat(const char *, void *) __asm__("rump___sysimpl_stat50");
int rump_sys_socket(int, int, int) __asm__("rump___sysimpl_socket30");
int rump_sys_bind(int, const void *, unsigned) __asm__("rump___sysimpl_bind");
ssize_t rump_sys_sendto(int, const void *, size_t, int, const void *, unsigned)
    __asm__("rump___sysimpl_sendto");
ssize_t rump_sys_recvfrom(int, void *, size_t, int, void *, unsigned *)
    __asm__("rump___sysimpl_recvfrom");

/* NetBSD values */
enum { NB_O_CLOEXEC = 0x400000, NB_EBADF = 9, NB_EPIPE = 32 };
enum { NB_O_RDONLY = 0, NB_O_RDWR = 2, NB_O_CREAT = 0x200, NB_AF_INET = 2, NB_SOCK_DGRAM = 2,
	NB_EFAULT = 14, NB_EEXIST = 17, NB_ENAMETOOLONG = 63, NB_S_IFREG = 0100000 };
struct nb_timespec { int64_t sec; long nsec; };
struct nb_stat {			/* __stat50: 152 bytes */
	uint64_t dev; uint32_t mode; uint64_t ino; uint32_t nlink, uid, gid; uint64_t rdev;
	struct nb_timespec at, mt, ct, bt; int64_t size, blocks; int32_t blksize;
	uint32_t flags, gen, spare[2];
};
struct nb_sin { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; };
_Static_assert(sizeof(struct nb_stat) == 152, "stat50");

static int failed;

static void
check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		failed = 1;
}

static void
files(void)
{
	struct nb_stat st;
	char buf[16], longpath[2100];
	int fd;

	check(rump_sys_mkdir("/d", 0755) == 0, "mkdir /d");
	fd = rump_sys_open("/d/f", NB_O_RDWR | NB_O_CREAT, 0644);
	check(fd >= 0, "open /d/f O_CREAT");
	check(rump_sys_write(fd, "hello sysproxy", 14) == 14, "write 14 bytes");
	check(rump_sys_close(fd) == 0, "close");
	fd = rump_sys_open("/d/f", NB_O_RDONLY);
	memset(buf, 0, sizeof(buf));
	check(fd >= 0 && rump_sys_read(fd, buf, sizeof(buf)) == 14 &&
	    memcmp(buf, "hello sysproxy", 14) == 0, "read them back");
	rump_sys_close(fd);
	memset(&st, 0, sizeof(st));
	check(rump_sys_stat("/d/f", &st) == 0 && st.size == 14 &&
	    (st.mode & 0170000) == NB_S_IFREG && (st.mode & 0777) == 0644, "stat: size, mode");
	check(rump_sys_mkdir("/d", 0755) == -1 && errno == NB_EEXIST, "mkdir again: EEXIST");
	/* a path with no NUL within MAXPATHLEN: the copyinstr answer is cut, ENAMETOOLONG */
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	check(rump_sys_mkdir(longpath, 0755) == -1 && errno == NB_ENAMETOOLONG,
	    "a 2099-byte path: ENAMETOOLONG");
}

static void
sockets(void)
{
	struct nb_sin a, from;
	unsigned fromlen = sizeof(from);
	char buf[32];
	int s = rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM, 0);

	check(s >= 0, "socket AF_INET SOCK_DGRAM");
	memset(&a, 0, sizeof(a));
	a.len = sizeof(a);
	a.family = NB_AF_INET;
	a.port = __builtin_bswap16(7777);
	a.addr = __builtin_bswap32(0x7f000001);
	check(rump_sys_bind(s, &a, sizeof(a)) == 0, "bind 127.0.0.1:7777");
	check(rump_sys_sendto(s, "ping", 4, 0, &a, sizeof(a)) == 4, "sendto itself");
	memset(&from, 0, sizeof(from));
	memset(buf, 0, sizeof(buf));
	check(rump_sys_recvfrom(s, buf, sizeof(buf), 0, &from, &fromlen) == 4 &&
	    memcmp(buf, "ping", 4) == 0, "recvfrom: the datagram");
	check(fromlen == sizeof(from) && from.family == NB_AF_INET && from.port == a.port &&
	    from.addr == a.addr, "recvfrom: the sender's address");
	rump_sys_close(s);
}

static void
badinput(void)
{
	int fd = rump_sys_open("/d/f", NB_O_RDWR);

	/* addresses the server refuses before asking the client (NULL page, kernel half) */
	check(rump_sys_write(fd, (void *)8, 4) == -1 && errno == NB_EFAULT, "write from 0x8: EFAULT");
	check(rump_sys_read(fd, (void *)0xffff800000000000UL, 4) == -1 && errno == NB_EFAULT,
	    "read into the kernel half: EFAULT");
	check(rump_sys_open(NULL, NB_O_RDONLY) == -1 && errno == NB_EFAULT, "open(NULL): EFAULT");
	check(rump_sys_stat("/d/f", (void *)16) == -1 && errno == NB_EFAULT, "stat into 0x10: EFAULT");
	rump_sys_close(fd);
	check(rump_sys_getpid() > 1, "the connection still works");
}

/* ---------------------------------------------------------------- threads */

static int pfds[2];
static char rbuf[16];
static ssize_t rgot = -2;

static void *
reader(void *arg)
{
	(void)arg;
	/* blocks: the pipe is empty */
	__atomic_store_n(&rgot, rump_sys_read(pfds[0], rbuf, sizeof(rbuf)), __ATOMIC_RELEASE);
	return NULL;
}

static void *
worker(void *arg)
{
	intptr_t id = (intptr_t)arg;
	char path[32], want[16], buf[16];
	int fd, bad = 0;

	snprintf(path, sizeof(path), "/thr%d", (int)id);
	snprintf(want, sizeof(want), "w%d", (int)id);
	for (int i = 0; i < 50 && !bad; i++) {
		fd = rump_sys_open(path, NB_O_RDWR | NB_O_CREAT, 0600);
		memset(buf, 0, sizeof(buf));
		bad = fd < 0 || rump_sys_write(fd, want, strlen(want)) != (ssize_t)strlen(want) ||
		    rump_sys_close(fd) != 0 || (fd = rump_sys_open(path, NB_O_RDONLY)) < 0 ||
		    rump_sys_read(fd, buf, sizeof(buf)) != (ssize_t)strlen(want) ||
		    memcmp(buf, want, strlen(want)) != 0 || rump_sys_close(fd) != 0 ||
		    rump_sys_getpid() <= 1;
	}
	return (void *)(intptr_t)bad;
}

static void
threads(void)
{
	pthread_t r, w[3];
	void *res;
	int bad = 0;

	check(rump_sys_pipe2(pfds, 0) == 0, "pipe2");
	pthread_create(&r, NULL, reader, NULL);
	for (intptr_t i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, worker, (void *)i);
	for (int i = 0; i < 3; i++) {
		pthread_join(w[i], &res);
		bad += (int)(intptr_t)res;
	}
	check(bad == 0, "3 threads x 50 open/write/read/getpid on the connection while a 4th "
	    "blocks in read");
	check(__atomic_load_n(&rgot, __ATOMIC_ACQUIRE) == -2, "the reader is still blocked");
	check(rump_sys_write(pfds[1], "wake", 4) == 4, "write wakes it");
	pthread_join(r, NULL);
	check(rgot == 4 && memcmp(rbuf, "wake", 4) == 0, "the blocked read returned the bytes");
}

/* ---------------------------------------------------------------- fork, exec, signals */

static void
forks(void)
{
	int fd = rump_sys_open("/forkf", NB_O_RDWR | NB_O_CREAT, 0600), status = -1;
	int ppid = rump_sys_getpid();
	char buf[32];
	pid_t pid;

	check(fd >= 0 && rump_sys_write(fd, "parent", 6) == 6, "parent: open, write");
	fflush(stdout);
	pid = rumpclient_fork();
	if (pid == 0) {
		int ok = rump_sys_getpid() != ppid && rump_sys_getppid() == ppid &&
		    rump_sys_write(fd, "child", 5) == 5 && rump_sys_close(fd) == 0;

		_exit(ok ? 0 : 1);
	}
	check(pid > 0, "rumpclient_fork");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the child: a process of its own, our child, wrote to the inherited descriptor");
	rump_sys_close(fd);
	memset(buf, 0, sizeof(buf));
	fd = rump_sys_open("/forkf", NB_O_RDONLY);
	check(rump_sys_read(fd, buf, sizeof(buf)) == 11 && memcmp(buf, "parentchild", 11) == 0,
	    "the file has both writes (one shared offset)");
	check(rump_sys_write(fd, "x", 1) == -1 && errno == NB_EBADF,
	    "(read-only: EBADF on write)");
	rump_sys_close(fd);
}

static void
execs(const char *self)
{
	int fd = rump_sys_open("/execf", NB_O_RDWR | NB_O_CREAT, 0600);
	int fdce = rump_sys_open("/execce", NB_O_RDWR | NB_O_CREAT | NB_O_CLOEXEC, 0600);
	char a1[16], a2[16], a3[16];
	char *args[] = { (char *)self, "exec2", a1, a2, a3, NULL };

	check(fd >= 0 && fdce >= 0, "open two files, one O_CLOEXEC");
	snprintf(a1, sizeof(a1), "%d", fd);
	snprintf(a2, sizeof(a2), "%d", fdce);
	snprintf(a3, sizeof(a3), "%d", rump_sys_getpid());
	fflush(stdout);
	rumpclient_exec(self, args, environ);
	check(0, "rumpclient_exec returned");
}

static void
exec2(char **argv)
{
	int fd = atoi(argv[2]), fdce = atoi(argv[3]), pid = atoi(argv[4]);

	check(rump_sys_getpid() == pid, "after exec: the same process");
	check(rump_sys_write(fd, "y", 1) == 1, "after exec: its descriptor works");
	check(rump_sys_write(fdce, "y", 1) == -1 && errno == NB_EBADF,
	    "after exec: the close-on-exec one is closed");
}

static volatile sig_atomic_t gotpipe;
static void onpipe(int sig) { (void)sig; gotpipe++; }

static void
sigpipe(void)
{
	int fds[2];

	signal(SIGPIPE, onpipe);
	check(rump_sys_pipe2(fds, 0) == 0 && rump_sys_close(fds[0]) == 0, "a pipe, reader closed");
	check(rump_sys_write(fds[1], "x", 1) == -1 && errno == NB_EPIPE, "write: EPIPE");
	check(gotpipe == 1, "SIGPIPE raised here (the server's RAISE request)");
	check(rump_sys_getpid() > 1, "the server lives");
}

int
main(int argc, char **argv)
{
	if (rumpclient_init() != 0) {
		printf("FAIL rumpclient_init: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "mkdir") == 0) {
		int r = rump_sys_mkdir("/k", 0755);

		printf("mkdir %d\n", r == 0 ? 0 : errno);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "threads") == 0)
		threads();
	else if (argc > 1 && strcmp(argv[1], "fork") == 0)
		forks();
	else if (argc > 1 && strcmp(argv[1], "exec") == 0)
		execs(argv[0]);
	else if (argc > 4 && strcmp(argv[1], "exec2") == 0)
		exec2(argv);
	else if (argc > 1 && strcmp(argv[1], "sigpipe") == 0)
		sigpipe();
	if (argc > 1 && strcmp(argv[1], "all") != 0)
		return failed;
	check(rump_sys_getpid() > 1, "getpid: a process of its own");
	files();
	sockets();
	badinput();
	return failed;
}
