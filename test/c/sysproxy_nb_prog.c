/*
 * sysproxy_nb_prog.c: a program linked with NetBSD's librumpclient (nothing of ours),
 * run by test/c/sysproxy_test.c against rumpus_server with RUMP_SERVER set.  It knows
 * only NetBSD's names and values (the host's headers carry Linux ones).  Prints TAP-ish
 * "ok"/"FAIL" lines and exits 0 if every check held.
 *
 *   sysproxy_nb_prog all     file, socket and bad-pointer checks
 *   sysproxy_nb_prog mkdir   mkdir /k: prints "mkdir 0" or "mkdir <errno>" (kernel choice)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

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
	check(rump_sys_getpid() > 1, "getpid: a process of its own");
	files();
	sockets();
	badinput();
	return failed;
}
