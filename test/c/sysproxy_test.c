/*
 * sysproxy_test.c: rumpus_server (csrc/sysproxy/) driven over its socket.
 *
 * Part 1 needs nothing outside the checkout: a wire client of our own (the format in
 * csrc/sysproxy/sp_wire.h) does syscalls whose arguments and results travel as
 * COPYIN/COPYINSTR/COPYOUT requests, several clients at once from threads, picks a
 * kernel by URL, and sends malformed frames (truncated headers, huge and short lengths,
 * unknown types, answers that do not match the copy asked for): each gets an error
 * frame or a closed connection, and the server keeps serving.
 * Part 2 runs test/c/sysproxy_nb_prog (linked with NetBSD's librumpclient) against the
 * server when $RUMPUS_NETBSD_RUMP
 * has the NetBSD build; otherwise it is skipped with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "sysproxy/sp_wire.h"
#include "nb_resolve.h"

/* NetBSD syscall numbers and values */
enum { SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6, SYS_getpid = 20,
	SYS_recvfrom = 29, SYS_getppid = 39, SYS_bind = 104, SYS_mkdir = 136,
	SYS_socket = 394, SYS_stat50 = 439, SYS_pipe2 = 453 };
enum { NB_O_RDONLY = 0, NB_O_RDWR = 2, NB_O_CREAT = 0x200, NB_O_CLOEXEC = 0x400000,
	NB_EBADF = 9, NB_EFAULT = 14, NB_EEXIST = 17, NB_EPIPE = 32, NB_EADDRINUSE = 48,
	NB_ENOSYS = 78, NB_ENAMETOOLONG = 63, NB_SIGPIPE = 13 };

static char dir[64], url1[160], url2[160], url3[160], path1[128], path2[128], path3[128];
static pid_t server, server3;

/* ---------------------------------------------------------------- a wire client */

struct cl {
	int fd;
	uint64_t reqno;
	int misbehave;		/* MIS_*: how to answer the next copy-in request */
	int ncopyin, ncopyout;	/* requests served */
	int nraise, raised;	/* RAISE requests: how many, the last signal */
	struct { uint64_t reqno; struct sp_sysresp r; } stash[8];	/* others' answers */
	int nstash;
};
enum { MIS_NONE, MIS_REQNO, MIS_SHORT, MIS_LONG, MIS_CLASS };

static int
cl_connect(struct cl *c, const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { 10, 0 };
	char banner[128];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->reqno = 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* a server that hangs fails the test instead of hanging it */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(c->fd);
		return -1;
	}
	/* the banner comes first, one line */
	n = read(c->fd, banner, sizeof(banner) - 1);
	if (n <= 0 || banner[n - 1] != '\n' || strncmp(banner, "RUMPSP-", 7) != 0) {
		close(c->fd);
		return -1;
	}
	return 0;
}

static int
rd(int fd, void *b, size_t n)
{
	char *p = b;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
wr(int fd, const void *b, size_t n)
{
	return send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static int
cl_send(struct cl *c, uint64_t reqno, int class, int type, uint32_t arg, const void *body,
    size_t n)
{
	struct sp_hdr h = { SP_HDRSZ + n, reqno, (uint16_t)class, (uint16_t)type, arg };

	if (wr(c->fd, &h, sizeof(h)) != 0)
		return -1;
	return n > 0 ? wr(c->fd, body, n) : 0;
}

/* The next frame; its body (at most max bytes) into body.  -1 at end of stream. */
static int
cl_recv(struct cl *c, struct sp_hdr *h, void *body, size_t max)
{
	if (rd(c->fd, h, sizeof(*h)) != 0 || h->len < SP_HDRSZ || h->len - SP_HDRSZ > max)
		return -1;
	return rd(c->fd, body, h->len - SP_HDRSZ);
}

static int
cl_handshake(struct cl *c, const char *name)
{
	struct sp_hdr h;
	int32_t answer = -1;

	if (cl_send(c, c->reqno++, SP_REQ, SP_HANDSHAKE, SP_HS_GUEST, name, strlen(name) + 1))
		return -1;
	if (cl_recv(c, &h, &answer, sizeof(answer)) != 0 || h.class != SP_RESP ||
	    h.type != SP_HANDSHAKE || h.len != SP_HDRSZ + 4)
		return -1;
	return answer;
}

/* One syscall; serves the server's copy requests from this process's memory.  Returns
 * the NetBSD errno, -1 if the connection closed. */
static int
cl_wait(struct cl *c, uint64_t my, int64_t *rv)
{
	static __thread char body[1 << 16], pad[1 << 16];
	struct sp_hdr h;

	for (int i = 0; i < c->nstash; i++)
		if (c->stash[i].reqno == my) {
			struct sp_sysresp r = c->stash[i].r;

			c->stash[i] = c->stash[--c->nstash];
			if (rv != NULL)
				*rv = r.retval[0];
			return r.error;
		}
	for (;;) {
		struct sp_copydata *cd = (void *)body;

		if (cl_recv(c, &h, body, sizeof(body)) != 0)
			return -1;
		if (h.class == SP_RESP && h.type == SP_SYSCALL) {
			struct sp_sysresp r;

			if (h.len != SP_HDRSZ + sizeof(r))
				return -1;
			memcpy(&r, body, sizeof(r));
			if (h.reqno != my) {	/* another request's: kept for its waiter */
				if (c->nstash == 8)
					return -1;
				c->stash[c->nstash].reqno = h.reqno;
				c->stash[c->nstash++].r = r;
				continue;
			}
			if (rv != NULL)
				*rv = r.retval[0];
			return r.error;
		}
		if (h.class == SP_REQ && h.type == SP_RAISE && h.len == SP_HDRSZ) {
			c->nraise++;
			c->raised = (int)h.arg;
			continue;
		}
		if (h.class != SP_REQ || h.len < SP_HDRSZ + sizeof(*cd))
			return -1;
		if (h.type == SP_COPYOUT || h.type == SP_COPYOUTSTR) {
			if (h.len != SP_HDRSZ + sizeof(*cd) + cd->len)
				return -1;
			memcpy((void *)(uintptr_t)cd->addr, body + sizeof(*cd), cd->len);
			c->ncopyout++;
		} else if (h.type == SP_COPYIN || h.type == SP_COPYINSTR) {
			const char *src = (const char *)(uintptr_t)cd->addr;
			size_t n = cd->len, valid;
			uint64_t reqno = h.reqno;
			int class = SP_RESP;

			if (h.type == SP_COPYINSTR && strnlen(src, n) < n)
				n = strnlen(src, n) + 1;
			if (cd->len > sizeof(pad))
				return -1;
			valid = n;
			c->ncopyin++;
			switch (c->misbehave) {
			case MIS_REQNO: reqno += 1000; break;
			case MIS_SHORT: n = n > 1 ? n - 1 : 0; break;
			case MIS_LONG: n += 8; break;
			case MIS_CLASS: class = SP_ERROR; break;
			}
			c->misbehave = MIS_NONE;
			if (n > sizeof(pad))
				return -1;
			memcpy(pad, src, n < valid ? n : valid);
			if (n > valid)		/* MIS_LONG: junk past what was asked */
				memset(pad + valid, 'Z', n - valid);
			if (cl_send(c, reqno, class, SP_COPYIN, 0, pad, n) != 0)
				return -1;
		} else
			return -1;
	}
}

/* Sends a syscall request without waiting: its request number (0 if the send failed). */
static uint64_t
cl_start(struct cl *c, int num, const int64_t *args, int nargs)
{
	uint64_t my = c->reqno++;

	if (cl_send(c, my, SP_REQ, SP_SYSCALL, (uint32_t)num, args, (size_t)nargs * 8) != 0)
		return 0;
	return my;
}

static int
cl_syscall(struct cl *c, int num, const int64_t *args, int nargs, int64_t *rv)
{
	uint64_t my = cl_start(c, num, args, nargs);

	return my == 0 ? -1 : cl_wait(c, my, rv);
}

/* Waits until the peer closes (or times out: then 0). */
static int
cl_closed(struct cl *c)
{
	char b[256];
	ssize_t n;

	while ((n = read(c->fd, b, sizeof(b))) > 0)
		continue;
	return n == 0 || errno == ECONNRESET;
}

static void
cl_close(struct cl *c)
{
	close(c->fd);
}

#define A(x)	((int64_t)(intptr_t)(x))

/* ---------------------------------------------------------------- the server */

static const char *
builddir(void)
{
	const char *b = getenv("RUMPUS_BUILD");

	return b != NULL ? b : "build";
}

static int
start_server(void)
{
	char bin[512];
	struct cl c;
	int i;

	snprintf(bin, sizeof(bin), "%s/bin/rumpus_server", builddir());
	if ((server = fork()) == -1)
		return -1;
	if (server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);	/* no server outlives a crashed test */
		execl(bin, bin, "-s", "-l", "librumpvfs.so.0", "-l", "librumpfs_tmpfs",
		    "-l", "librumpnet", "-l", "librumpnet_net", "-l", "librumpnet_netinet",
		    "-l", "librumpkern_sysproxy", url1, url2, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {	/* bounded wait for the socket, not a timing check */
		struct timespec ts = { 0, 10000000 };

		if (cl_connect(&c, path2) == 0) {
			cl_close(&c);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* A second server: two virtual CPUs and a memory limit, one URL. */
static int
start_server3(void)
{
	char bin[512];
	struct cl c;

	snprintf(bin, sizeof(bin), "%s/bin/rumpus_server", builddir());
	if ((server3 = fork()) == -1)
		return -1;
	if (server3 == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "-s", "-c", "2", "-r", "64m", "-l", "vfs", "-l", "fs.tmpfs", url3,
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10000000 };

		if (cl_connect(&c, path3) == 0) {
			cl_close(&c);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Without -s the server goes to the background once it listens: the foreground process
 * exits 0, the socket serves, SIGTERM (to the pid the socket reports) removes it. */
static void
test_daemon(void)
{
	char bin[512], path[160], url[192];
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct cl c;
	int status, gone = 0;
	pid_t p;

	snprintf(bin, sizeof(bin), "%s/bin/rumpus_server", builddir());
	snprintf(path, sizeof(path), "%s/d", dir);
	snprintf(url, sizeof(url), "unix://%s", path);
	if ((p = fork()) == 0) {
		execl(bin, bin, "-l", "vfs", url, (char *)NULL);
		_exit(127);
	}
	waitpid(p, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "without -s: the foreground exits 0");
	if (!ok(cl_connect(&c, path) == 0 && cl_handshake(&c, "d") == 0 &&
	    cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "... once the socket serves"))
		return;
	if (!ok(getsockopt(c.fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 && cr.pid != p &&
	    cr.pid > 1, "... from another process")) {
		cl_close(&c);
		return;
	}
	cl_close(&c);
	kill(cr.pid, SIGTERM);
	for (int i = 0; i < 500 && !gone; i++) {	/* bounded wait, not a timing check */
		struct timespec ts = { 0, 10000000 };

		gone = access(path, F_OK) != 0;
		if (!gone)
			nanosleep(&ts, NULL);
	}
	ok(gone, "SIGTERM: the background server removes its socket");
}

/* Bad command lines end the server with status 1 and a message, not a hang. */
static void
test_badargs(void)
{
	static const char *urls[] = { "tcp://127.0.0.1", "tcp://127.0.0.1:99999",
	    "tcp://1.2.3.4.5:80", "foo://x", "unix://" };
	char bin[512];
	int good = 0, status;

	snprintf(bin, sizeof(bin), "%s/bin/rumpus_server", builddir());
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]) + 2; i++) {
		pid_t p = fork();

		if (p == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 2);
			if (i == sizeof(urls) / sizeof(urls[0]))
				execl(bin, bin, "-s", "-l", "librumpdev_disk", url3, (char *)NULL);
			else if (i > sizeof(urls) / sizeof(urls[0]))
				execl(bin, bin, "-s", "-r", "12q", url3, (char *)NULL);
			else
				execl(bin, bin, "-s", urls[i], (char *)NULL);
			_exit(127);
		}
		waitpid(p, &status, 0);
		good += WIFEXITED(status) && WEXITSTATUS(status) == 1;
	}
	ok(good == (int)(sizeof(urls) / sizeof(urls[0])) + 2,
	    "bad URLs, a component we lack, a bad -r: exit status 1");
}

static int
server_alive(void)
{
	return waitpid(server, NULL, WNOHANG) == 0;
}

/* ---------------------------------------------------------------- part 1 */

static void
test_basic(void)
{
	struct cl c;
	char buf[64];
	int64_t rv = -1, args[4];
	int fd, e;

	ok(cl_connect(&c, path1) == 0, "connect, banner");
	ok(cl_handshake(&c, "sysproxy_test") == 0, "HANDSHAKE_GUEST answered 0");
	e = cl_syscall(&c, SYS_getpid, NULL, 0, &rv);
	ok(e == 0 && rv > 1, "getpid: a process of its own (%lld)", (long long)rv);
	args[0] = A("/w"); args[1] = 0755;
	e = cl_syscall(&c, SYS_mkdir, args, 2, NULL);
	ok(e == 0 && c.ncopyin == 1, "mkdir: the path came by COPYINSTR");
	args[0] = A("/w/f"); args[1] = NB_O_RDWR | NB_O_CREAT; args[2] = 0600;
	e = cl_syscall(&c, SYS_open, args, 3, &rv);
	fd = (int)rv;
	ok(e == 0 && fd >= 0, "open O_CREAT: fd %d", fd);
	args[0] = fd; args[1] = A("0123456789"); args[2] = 10;
	ok(cl_syscall(&c, SYS_write, args, 3, &rv) == 0 && rv == 10, "write 10 bytes (COPYIN)");
	cl_syscall(&c, SYS_close, args, 1, NULL);
	args[0] = A("/w/f"); args[1] = NB_O_RDONLY;
	cl_syscall(&c, SYS_open, args, 2, &rv);
	args[0] = rv; args[1] = A(buf); args[2] = sizeof(buf);
	memset(buf, 0, sizeof(buf));
	e = cl_syscall(&c, SYS_read, args, 3, &rv);
	ok(e == 0 && rv == 10 && memcmp(buf, "0123456789", 10) == 0 && c.ncopyout >= 1,
	    "read them back (COPYOUT)");
	args[0] = A("/w"); args[1] = 0755;
	ok(cl_syscall(&c, SYS_mkdir, args, 2, NULL) == NB_EEXIST, "mkdir again: EEXIST");
	ok(cl_syscall(&c, 9999, NULL, 0, NULL) == NB_ENOSYS, "syscall 9999: ENOSYS answered");
	ok(cl_syscall(&c, 0x7fffffff, args, 2, NULL) == NB_ENOSYS, "syscall 2^31-1: ENOSYS");
	args[0] = A("/w/f"); args[1] = A(8);
	ok(cl_syscall(&c, SYS_stat50, args, 2, NULL) == NB_EFAULT, "stat into 0x8: EFAULT");
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, &rv) == 0, "still served");
	cl_close(&c);

	/* the other URL is another kernel: no /w there */
	ok(cl_connect(&c, path2) == 0 && cl_handshake(&c, "k2") == 0, "second URL");
	args[0] = A("/w"); args[1] = 0755;
	ok(cl_syscall(&c, SYS_mkdir, args, 2, NULL) == 0, "second URL: another kernel (mkdir /w works)");
	cl_close(&c);
}

/* ---------------------------------------------------------------- one connection, many calls */

static int cl_prefork(struct cl *c, uint8_t cookie[16]);

/* A second request while a copy-in is pending (another client thread's): not refused.
 * With one vCPU the copy holds it (sp_serv.c), so getpid completes once the copy is
 * answered; with two it completes before. */
static void
test_copy_pending(const char *path, bool twocpu)
{
	static const char dirpath[] = "/again";
	struct sp_copydata cd;
	struct sp_hdr h;
	struct cl c;
	int64_t args[2], pid = -1;
	uint64_t copyreq, m, g;
	int e1 = -1, e2 = -1;

	if (!ok(cl_connect(&c, path) == 0 && cl_handshake(&c, "again") == 0, "connect (%s)",
	    twocpu ? "2 vCPUs" : "1 vCPU"))
		return;
	args[0] = A(dirpath); args[1] = 0755;
	m = cl_start(&c, SYS_mkdir, args, 2);
	ok(cl_recv(&c, &h, &cd, sizeof(cd)) == 0 && h.type == SP_COPYINSTR,
	    "mkdir: COPYINSTR asked (left pending)");
	copyreq = h.reqno;
	g = cl_start(&c, SYS_getpid, NULL, 0);
	if (twocpu)
		ok(cl_wait(&c, g, &pid) == 0 && pid > 1,
		    "getpid on the same connection answered while mkdir waits for its copy");
	cl_send(&c, copyreq, SP_RESP, SP_COPYIN, 0, dirpath, sizeof(dirpath));
	if (!twocpu)
		e2 = cl_wait(&c, g, &pid);
	e1 = cl_wait(&c, m, NULL);
	ok(e1 == 0 && (twocpu || (e2 == 0 && pid > 1)),
	    "the copy answered: mkdir done, getpid answered too (no \"try again\")");
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "the connection goes on");
	cl_close(&c);
}

/* A call that blocks in the kernel (read on an empty pipe) while others on the same
 * connection complete; the write that wakes it comes on the same connection too. */
static void
test_blocking(const char *path, const char *what)
{
	struct cl c;
	int fds[2] = { -1, -1 };
	char buf[16];
	int64_t args[3], rv = -1, rv2 = -1;
	uint64_t r;
	int e;

	if (!ok(cl_connect(&c, path) == 0 && cl_handshake(&c, "block") == 0, "connect (%s)", what))
		return;
	args[0] = A(fds); args[1] = 0;
	ok(cl_syscall(&c, SYS_pipe2, args, 2, NULL) == 0 && fds[0] >= 0 && fds[1] >= 0,
	    "pipe2: %d %d", fds[0], fds[1]);
	memset(buf, 0, sizeof(buf));
	args[0] = fds[0]; args[1] = A(buf); args[2] = sizeof(buf);
	r = cl_start(&c, SYS_read, args, 3);
	ok(r != 0 && cl_syscall(&c, SYS_getpid, NULL, 0, &rv) == 0 && rv > 1,
	    "read on the empty pipe blocks; getpid on the same connection is answered");
	for (int i = 0; i < 3; i++)
		e = cl_syscall(&c, SYS_getpid, NULL, 0, &rv2);
	ok(e == 0 && rv2 == rv, "... three more times");
	args[0] = fds[1]; args[1] = A("wake"); args[2] = 4;
	e = cl_syscall(&c, SYS_write, args, 3, &rv);
	ok(e == 0 && rv == 4, "write on the same connection");
	ok(cl_wait(&c, r, &rv) == 0 && rv == 4 && memcmp(buf, "wake", 4) == 0,
	    "the blocked read returns the 4 bytes (%s)", what);
	cl_close(&c);
}

/* A client that goes away while its call blocks in the kernel: its process is released
 * (the call is interrupted, its lwps and descriptors go), so the UDP port its socket
 * held is free again. */
static void
test_vanish(void)
{
	struct nb_sin { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; } a;
	struct cl c, d;
	char buf[16];
	int64_t args[6], s = -1, s2 = -1;
	int e = -1, i;

	memset(&a, 0, sizeof(a));
	a.len = sizeof(a);
	a.family = 2;
	a.port = htons(7999);
	a.addr = htonl(0x7f000001);
	if (!ok(cl_connect(&c, path1) == 0 && cl_handshake(&c, "vanish") == 0, "connect"))
		return;
	args[0] = 2; args[1] = 2; args[2] = 0;
	ok(cl_syscall(&c, SYS_socket, args, 3, &s) == 0, "socket AF_INET SOCK_DGRAM");
	args[0] = s; args[1] = A(&a); args[2] = sizeof(a);
	ok(cl_syscall(&c, SYS_bind, args, 3, NULL) == 0, "bind 127.0.0.1:7999");
	args[0] = s; args[1] = A(buf); args[2] = sizeof(buf); args[3] = 0; args[4] = 0;
	args[5] = 0;
	ok(cl_start(&c, SYS_recvfrom, args, 6) != 0, "recvfrom: blocks");
	/* make sure it is in the kernel: a call after it is answered */
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "getpid after it answered");
	cl_close(&c);		/* the client goes, its recvfrom still blocked */

	if (!ok(cl_connect(&d, path1) == 0 && cl_handshake(&d, "after") == 0, "another client"))
		return;
	args[0] = 2; args[1] = 2; args[2] = 0;
	cl_syscall(&d, SYS_socket, args, 3, &s2);
	for (i = 0; i < 500; i++) {	/* bounded wait for the teardown, not a timing check */
		struct timespec ts = { 0, 10000000 };

		args[0] = s2; args[1] = A(&a); args[2] = sizeof(a);
		if ((e = cl_syscall(&d, SYS_bind, args, 3, NULL)) != NB_EADDRINUSE)
			break;
		nanosleep(&ts, NULL);
	}
	ok(e == 0, "a client gone mid-recvfrom is released: its port binds again (error %d)", e);
	cl_close(&d);

	/* a fork whose child never connects (librumpclient cannot cancel one): after the
	 * parent left, the prefork is released in a while (10 s), its copy of the socket too */
	{
		uint8_t cookie[16];
		int64_t s3 = -1;

		a.port = htons(7998);
		cl_connect(&c, path1);
		cl_handshake(&c, "forker");
		args[0] = 2; args[1] = 2; args[2] = 0;
		cl_syscall(&c, SYS_socket, args, 3, &s);
		args[0] = s; args[1] = A(&a); args[2] = sizeof(a);
		ok(cl_syscall(&c, SYS_bind, args, 3, NULL) == 0 && cl_prefork(&c, cookie) == 0,
		    "bind 127.0.0.1:7998, PREFORK, then the parent leaves and no child comes");
		cl_close(&c);
		cl_connect(&d, path1);
		cl_handshake(&d, "after");
		args[0] = 2; args[1] = 2; args[2] = 0;
		cl_syscall(&d, SYS_socket, args, 3, &s3);
		for (i = 0; i < 3000; i++) {	/* bounded wait (30 s), not a timing check */
			struct timespec ts = { 0, 10000000 };

			args[0] = s3; args[1] = A(&a); args[2] = sizeof(a);
			if ((e = cl_syscall(&d, SYS_bind, args, 3, NULL)) != NB_EADDRINUSE)
				break;
			nanosleep(&ts, NULL);
		}
		ok(e == 0, "the orphaned prefork was released: the port binds again (error %d)", e);
		cl_close(&d);
	}
}

/* fork as librumpclient does it: PREFORK on the parent's connection, then the child's new
 * connection makes HANDSHAKE_FORK with the cookie and is the child process, with a copy
 * of the parent's descriptor table. */
static int
cl_forkjoin(struct cl *c, const char *path, const uint8_t cookie[16], int32_t cancel)
{
	uint8_t body[20];
	struct sp_hdr h;
	int32_t answer = -1;

	memcpy(body, cookie, 16);
	memcpy(body + 16, &cancel, 4);
	if (cl_connect(c, path) != 0 || cl_send(c, c->reqno++, SP_REQ, SP_HANDSHAKE,
	    SP_HS_FORK, body, sizeof(body)) != 0)
		return -1;
	if (cl_recv(c, &h, &answer, sizeof(answer)) != 0)
		return -1;
	if (h.class == SP_ERROR)
		return 1000 + (int)h.arg;
	return h.class == SP_RESP && h.type == SP_HANDSHAKE ? answer : -1;
}

static int
cl_prefork(struct cl *c, uint8_t cookie[16])
{
	struct sp_hdr h;

	if (cl_send(c, c->reqno++, SP_REQ, SP_PREFORK, 0, NULL, 0) != 0 ||
	    cl_recv(c, &h, cookie, 16) != 0)
		return -1;
	return h.class == SP_RESP && h.type == SP_PREFORK && h.len == SP_HDRSZ + 16 ? 0 : -1;
}

static void
test_fork(void)
{
	struct cl p, ch, x;
	uint8_t cookie[16], c2[16], c3[16];
	int64_t args[3], fd = -1, ppid = -1, cpid = -1, rv = -1;

	if (!ok(cl_connect(&p, path1) == 0 && cl_handshake(&p, "parent") == 0, "parent"))
		return;
	args[0] = A("/w/forkf"); args[1] = NB_O_RDWR | NB_O_CREAT; args[2] = 0600;
	cl_syscall(&p, SYS_open, args, 3, &fd);
	cl_syscall(&p, SYS_getpid, NULL, 0, &ppid);
	ok(cl_prefork(&p, cookie) == 0, "PREFORK: a cookie");
	ok(cl_forkjoin(&ch, path1, cookie, 0) == 0, "HANDSHAKE_FORK with it: 0");
	ok(cl_syscall(&ch, SYS_getpid, NULL, 0, &cpid) == 0 && cpid != ppid && cpid > 1,
	    "the child is a process of its own (%lld, parent %lld)", (long long)cpid,
	    (long long)ppid);
	ok(cl_syscall(&ch, SYS_getppid, NULL, 0, &rv) == 0 && rv == ppid,
	    "its parent is the parent's process");
	args[0] = fd; args[1] = A("child"); args[2] = 5;
	ok(cl_syscall(&ch, SYS_write, args, 3, &rv) == 0 && rv == 5,
	    "it inherited the parent's descriptor %lld", (long long)fd);
	ok(cl_syscall(&ch, SYS_close, args, 1, NULL) == 0 &&
	    cl_syscall(&ch, SYS_write, args, 3, NULL) == NB_EBADF, "and closes its copy");
	args[1] = A("parent"); args[2] = 6;
	ok(cl_syscall(&p, SYS_write, args, 3, &rv) == 0 && rv == 6,
	    "the parent's stays open (a copy of the table)");
	cl_close(&ch);
	ok(cl_forkjoin(&x, path1, cookie, 0) == 1000 + SPERR_INVALID_PREFORK && cl_closed(&x),
	    "the cookie again: ERROR invalid prefork, closed");
	cl_close(&x);
	memset(c2, 0x5a, sizeof(c2));
	ok(cl_forkjoin(&x, path1, c2, 0) == 1000 + SPERR_INVALID_PREFORK && cl_closed(&x),
	    "a made-up cookie: ERROR invalid prefork, closed");
	cl_close(&x);
	/* cancelled: closed without an answer, the cookie is gone */
	ok(cl_prefork(&p, c2) == 0 && cl_forkjoin(&x, path1, c2, 1) == -1, "a cancelled fork: closed");
	cl_close(&x);
	ok(cl_forkjoin(&x, path1, c2, 0) == 1000 + SPERR_INVALID_PREFORK, "... its cookie is gone");
	cl_close(&x);
	/* a body that is not 20 bytes */
	cl_connect(&x, path1);
	cl_send(&x, 1, SP_REQ, SP_HANDSHAKE, SP_HS_FORK, cookie, 8);
	{
		struct sp_hdr h;
		char b[16];

		ok(cl_recv(&x, &h, b, sizeof(b)) == 0 && h.class == SP_ERROR && cl_closed(&x),
		    "HANDSHAKE_FORK with 8 bytes: ERROR and closed");
	}
	cl_close(&x);
	/* the parent leaves before the child connects (fork, then the parent exits) */
	ok(cl_prefork(&p, c3) == 0, "PREFORK, then the parent leaves");
	cl_close(&p);
	ok(cl_forkjoin(&ch, path1, c3, 0) == 0, "the child still joins");
	args[0] = fd; args[1] = A("orphan"); args[2] = 6;
	ok(cl_syscall(&ch, SYS_write, args, 3, &rv) == 0 && rv == 6,
	    "with the parent's descriptors");
	cl_close(&ch);
}

/* exec as librumpclient does it: the new program keeps the connection and makes
 * HANDSHAKE_EXEC; the process goes on, its close-on-exec descriptors closed, a call of
 * the old program still blocked is interrupted. */
static void
test_exec(void)
{
	struct cl c;
	struct sp_hdr h;
	int32_t answer = -1;
	int fds[2];
	char buf[8];
	int64_t args[3], fd1 = -1, fd2 = -1, pid = -1, pid2 = -2;

	if (!ok(cl_connect(&c, path1) == 0 && cl_handshake(&c, "oldprog") == 0, "connect"))
		return;
	args[0] = A("/w/e1"); args[1] = NB_O_RDWR | NB_O_CREAT; args[2] = 0600;
	cl_syscall(&c, SYS_open, args, 3, &fd1);
	args[0] = A("/w/e2"); args[1] = NB_O_RDWR | NB_O_CREAT | NB_O_CLOEXEC;
	cl_syscall(&c, SYS_open, args, 3, &fd2);
	cl_syscall(&c, SYS_getpid, NULL, 0, &pid);
	args[0] = A(fds); args[1] = 0;
	cl_syscall(&c, SYS_pipe2, args, 2, NULL);
	args[0] = fds[0]; args[1] = A(buf); args[2] = sizeof(buf);
	ok(fd1 >= 0 && fd2 >= 0 && cl_start(&c, SYS_read, args, 3) != 0,
	    "two files (one close-on-exec), a read blocked on a pipe");
	cl_send(&c, c.reqno++, SP_REQ, SP_HANDSHAKE, SP_HS_EXEC, "newprog", 8);
	ok(cl_recv(&c, &h, &answer, sizeof(answer)) == 0 && h.class == SP_RESP &&
	    h.type == SP_HANDSHAKE && answer == 0, "HANDSHAKE_EXEC: 0 (the blocked read ended)");
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, &pid2) == 0 && pid2 == pid, "the same process");
	args[0] = fd1; args[1] = A("x"); args[2] = 1;
	ok(cl_syscall(&c, SYS_write, args, 3, NULL) == 0, "its descriptor stays open");
	args[0] = fd2;
	ok(cl_syscall(&c, SYS_write, args, 3, NULL) == NB_EBADF, "the close-on-exec one closed");
	cl_close(&c);
	/* the same where the exec is read by a thread that never ran a call of the process
	 * (no copy-in before: the connection's first thread runs pipe2 and the read itself,
	 * and the read's sleep brings a new thread to read the exec) */
	if (ok(cl_connect(&c, path1) == 0 && cl_handshake(&c, "oldprog2") == 0, "connect")) {
		int ce[2] = { -1, -1 };

		args[0] = A(fds); args[1] = 0;
		cl_syscall(&c, SYS_pipe2, args, 2, NULL);
		args[0] = A(ce); args[1] = NB_O_CLOEXEC;
		cl_syscall(&c, SYS_pipe2, args, 2, NULL);
		args[0] = fds[0]; args[1] = A(buf); args[2] = sizeof(buf);
		ok(ce[1] >= 0 && cl_start(&c, SYS_read, args, 3) != 0,
		    "a close-on-exec pipe, a read blocked on another");
		cl_send(&c, c.reqno++, SP_REQ, SP_HANDSHAKE, SP_HS_EXEC, "newprog", 8);
		ok(cl_recv(&c, &h, &answer, sizeof(answer)) == 0 && h.class == SP_RESP &&
		    h.type == SP_HANDSHAKE && answer == 0, "HANDSHAKE_EXEC: 0");
		args[0] = ce[1]; args[1] = A("x"); args[2] = 1;
		ok(cl_syscall(&c, SYS_write, args, 3, NULL) == NB_EBADF,
		    "the close-on-exec pipe closed");
		args[0] = fds[1];
		ok(cl_syscall(&c, SYS_write, args, 3, NULL) == 0, "the other stays open");
		cl_close(&c);
	}
	/* exec before the handshake: an error, closed */
	cl_connect(&c, path1);
	cl_send(&c, 1, SP_REQ, SP_HANDSHAKE, SP_HS_EXEC, "x", 2);
	ok(cl_recv(&c, &h, buf, sizeof(buf)) == 0 && h.class == SP_ERROR && cl_closed(&c),
	    "HANDSHAKE_EXEC before HANDSHAKE_GUEST: ERROR, closed");
	cl_close(&c);
}

/* SIGPIPE under the default (RAISE) signal model goes to the client as a RAISE request;
 * it was raised in the server, which it killed. */
static void
test_raise(void)
{
	struct cl c;
	int fds[2];
	int64_t args[3];
	int e;

	if (!ok(cl_connect(&c, path1) == 0 && cl_handshake(&c, "sigpipe") == 0, "connect"))
		return;
	args[0] = A(fds); args[1] = 0;
	cl_syscall(&c, SYS_pipe2, args, 2, NULL);
	args[0] = fds[0];
	cl_syscall(&c, SYS_close, args, 1, NULL);
	args[0] = fds[1]; args[1] = A("x"); args[2] = 1;
	e = cl_syscall(&c, SYS_write, args, 3, NULL);
	ok(e == NB_EPIPE, "write on a pipe with no reader: EPIPE (%d)", e);
	ok(c.nraise == 1 && c.raised == NB_SIGPIPE, "a RAISE request for SIGPIPE came first (%d, %d)",
	    c.nraise, c.raised);
	ok(server_alive(), "the server lives");
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "the connection goes on");
	cl_close(&c);
}

/* Each malformed input: an error frame or a closed connection, then the server still
 * serves a new client. */
static void
test_malformed(void)
{
	struct cl c;
	struct sp_hdr h;
	char body[64];
	int64_t args[3];

	/* a truncated header, then the client goes */
	cl_connect(&c, path1);
	wr(c.fd, "\x30\0\0\0\0\0\0\0\1\0", 10);
	cl_close(&c);

	/* a length shorter than the header */
	cl_connect(&c, path1);
	cl_handshake(&c, "t");
	h = (struct sp_hdr){ 8, 5, SP_REQ, SP_SYSCALL, SYS_getpid };
	wr(c.fd, &h, sizeof(h));
	ok(cl_closed(&c), "len 8 < header: connection closed");
	cl_close(&c);

	/* a huge length */
	cl_connect(&c, path1);
	cl_handshake(&c, "t");
	h = (struct sp_hdr){ (uint64_t)1 << 62, 6, SP_REQ, SP_SYSCALL, SYS_getpid };
	wr(c.fd, &h, sizeof(h));
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR &&
	    h.arg == SPERR_MALFORMED && h.reqno == 6, "len 2^62: ERROR malformed");
	ok(cl_closed(&c), "... and closed");
	cl_close(&c);

	/* an unknown request type: error, the connection goes on */
	cl_connect(&c, path1);
	cl_handshake(&c, "t");
	cl_send(&c, 7, SP_REQ, 77, 0, "xyz", 3);
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && h.reqno == 7 &&
	    h.arg == SPERR_MALFORMED, "type 77: ERROR malformed");
	cl_send(&c, 8, SP_REQ, SP_PREFORK, 0, NULL, 0);
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_RESP && h.reqno == 8 &&
	    h.type == SP_PREFORK && h.len == SP_HDRSZ + 16, "PREFORK: a 16-byte cookie");
	cl_send(&c, 9, SP_REQ, SP_HANDSHAKE, SP_HS_FORK, "0123456789abcdef\0\0\0\0", 20);
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && h.reqno == 9,
	    "HANDSHAKE_FORK on a running connection: ERROR");
	c.reqno = 10;
	ok(cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "the connection goes on");
	/* a response where a request belongs */
	cl_send(&c, 11, SP_RESP, SP_SYSCALL, 0, NULL, 0);
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && cl_closed(&c),
	    "a stray RESP: ERROR and closed");
	cl_close(&c);

	/* a syscall before the handshake */
	cl_connect(&c, path1);
	cl_send(&c, 1, SP_REQ, SP_SYSCALL, SYS_getpid, NULL, 0);
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && cl_closed(&c),
	    "syscall before handshake: ERROR and closed");
	cl_close(&c);

	/* a body larger than any argument block */
	cl_connect(&c, path1);
	cl_handshake(&c, "t");
	{
		static char big[8192];

		cl_send(&c, 3, SP_REQ, SP_SYSCALL, SYS_getpid, big, sizeof(big));
	}
	ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && cl_closed(&c),
	    "8 KiB argument block: ERROR and closed");
	cl_close(&c);

	/* copy-in answers that do not fit the request: the connection closes */
	static const struct { int mis; const char *what; } bad[] = {
		{ MIS_REQNO, "wrong reqno" }, { MIS_SHORT, "a byte short" },
		{ MIS_LONG, "8 bytes too many" }, { MIS_CLASS, "an ERROR frame" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e1, e2;

		cl_connect(&c, path1);
		cl_handshake(&c, "t");
		c.misbehave = bad[i].mis;
		args[0] = A("/w/x"); args[1] = NB_O_RDONLY;
		e1 = cl_syscall(&c, SYS_open, args, 2, NULL);	/* COPYINSTR */
		cl_close(&c);
		cl_connect(&c, path1);
		cl_handshake(&c, "t");
		args[0] = A("/w/f"); args[1] = NB_O_RDWR;
		cl_syscall(&c, SYS_open, args, 2, &args[0]);
		c.misbehave = bad[i].mis;
		args[1] = A("abcdefgh"); args[2] = 8;
		e2 = cl_syscall(&c, SYS_write, args, 3, NULL);	/* COPYIN */
		cl_close(&c);
		ok(e1 == -1 && e2 == -1, "string and buffer copy-in answered with %s: closed",
		    bad[i].what);
	}
	/* a string answer with no NUL within the length asked: ENAMETOOLONG, not a crash */
	{
		static char nonul[1200];

		memset(nonul, 'x', sizeof(nonul) - 1);
		cl_connect(&c, path1);
		cl_handshake(&c, "t");
		args[0] = A(nonul); args[1] = 0755;
		ok(cl_syscall(&c, SYS_mkdir, args, 2, NULL) == NB_ENAMETOOLONG,
		    "a path longer than MAXPATHLEN: ENAMETOOLONG");
		cl_close(&c);
	}

	test_copy_pending(path1, false);

	/* a client that never answers a copy-in: after the copy timeout its connection
	 * closes (the kernel is not held forever) and the kernel serves others again */
	{
		struct cl c2;
		struct sp_copydata cd = { 4, 0x10000 };

		cl_connect(&c, path1);
		cl_handshake(&c, "mute");
		cd.len = 0;
		args[0] = A("/w/mute"); args[1] = 0755;
		cl_send(&c, 50, SP_REQ, SP_SYSCALL, SYS_mkdir, args, 16);
		ok(cl_recv(&c, &h, &cd, sizeof(cd)) == 0 && h.class == SP_REQ &&
		    h.type == SP_COPYINSTR, "mkdir: COPYINSTR asked (left unanswered)");
		ok(cl_closed(&c), "an unanswered copy: the connection closes");
		cl_close(&c);
		ok(cl_connect(&c2, path1) == 0 && cl_handshake(&c2, "next") == 0 &&
		    cl_syscall(&c2, SYS_getpid, NULL, 0, NULL) == 0, "... and the kernel serves the next client");
		cl_close(&c2);
	}

	/* an ANONMMAP answer nobody asked for (we never send ANONMMAP requests) */
	cl_connect(&c, path1);
	cl_handshake(&c, "t");
	{
		uint64_t addr = 0x10000;

		cl_send(&c, 77, SP_RESP, SP_ANONMMAP, 0, &addr, sizeof(addr));
		ok(cl_recv(&c, &h, body, sizeof(body)) == 0 && h.class == SP_ERROR && cl_closed(&c),
		    "an unasked ANONMMAP answer: ERROR and closed");
	}
	cl_close(&c);

	/* seeded random frames after the handshake, several in a row, then the client goes:
	 * every one is answered, refused or closes the connection, never the server.  Only
	 * harmless syscall numbers (the kernel's own argument checks are fuzzed elsewhere). */
	{
		static const uint32_t safe[] = { SYS_getpid, SYS_getppid, SYS_read, SYS_write,
		    SYS_close, 9999 };
		unsigned seed = 14;
		char junk[96];

		for (int i = 0; i < 150; i++) {
			cl_connect(&c, path1);
			cl_handshake(&c, "fuzz");
			for (int j = 0; j < 4; j++) {
				uint64_t n = (uint64_t)(rand_r(&seed) % 96);

				h.len = SP_HDRSZ + n;
				if (rand_r(&seed) % 8 == 0)
					h.len = (uint64_t)rand_r(&seed) % 40;	/* short or odd */
				h.reqno = (uint64_t)rand_r(&seed) % 16;
				h.class = (uint16_t)(rand_r(&seed) % 4);
				h.type = (uint16_t)(rand_r(&seed) % 10);
				h.arg = h.type == SP_SYSCALL ? safe[rand_r(&seed) % 6] :
				    (uint32_t)rand_r(&seed) % 8;
				for (size_t k = 0; k < sizeof(junk); k++)
					junk[k] = (char)rand_r(&seed);
				if (wr(c.fd, &h, sizeof(h)) != 0 || wr(c.fd, junk, (size_t)n) != 0)
					break;
			}
			cl_close(&c);
		}
		ok(server_alive(), "150 clients sending seeded random frames: the server lives");
	}

	ok(server_alive(), "the server survived every malformed input");
	ok(cl_connect(&c, path1) == 0 && cl_handshake(&c, "after") == 0 &&
	    cl_syscall(&c, SYS_getpid, NULL, 0, NULL) == 0, "and serves a new client");
	cl_close(&c);
}

/* Clients in threads at once: each its own process, files and answers. */
#define NTHR	4
#define NOPS	100
static const char *thr_path;
static void *
thr(void *arg)
{
	intptr_t id = (intptr_t)arg;
	struct cl c;
	char path[32], buf[32], want[32];
	int64_t args[3], rv = 0, fd = -1;
	int bad = 0, e;

	if (cl_connect(&c, thr_path) != 0 || cl_handshake(&c, "thr") != 0)
		return (void *)1;
	snprintf(path, sizeof(path), "/t%d", (int)id);
	args[0] = A(path); args[1] = NB_O_RDWR | NB_O_CREAT; args[2] = 0600;
	if (cl_syscall(&c, SYS_open, args, 3, &fd) != 0) {
		diag("thread %d: open O_CREAT failed", (int)id);
		bad++;
	}
	for (int i = 0; i < NOPS && !bad; i++) {
		int n = snprintf(want, sizeof(want), "%d:%d", (int)id, i);

		args[0] = fd; args[1] = A(want); args[2] = n;
		if (cl_syscall(&c, SYS_write, args, 3, &rv) != 0 || rv != n) {
			diag("thread %d: write %d failed", (int)id, i);
			bad++;
		}
	}
	cl_syscall(&c, SYS_close, args, 1, NULL);
	args[0] = A(path); args[1] = NB_O_RDONLY;
	if (cl_syscall(&c, SYS_open, args, 2, &fd) != 0)
		bad++;
	args[0] = fd; args[1] = A(buf); args[2] = 4;
	memset(buf, 0, sizeof(buf));
	snprintf(want, sizeof(want), "%d:0%d", (int)id, (int)id);	/* "i:0" "i:1"... */
	if ((e = cl_syscall(&c, SYS_read, args, 3, &rv)) != 0 || rv != 4 ||
	    memcmp(buf, want, 4) != 0) {
		diag("thread %d: read back: error %d, %lld bytes, \"%.4s\"", (int)id, e,
		    (long long)rv, buf);
		bad++;
	}
	cl_close(&c);
	return (void *)(intptr_t)bad;
}

static void
test_threads(const char *path, const char *what)
{
	pthread_t t[NTHR];
	void *r;
	int bad = 0;

	thr_path = path;
	for (intptr_t i = 0; i < NTHR; i++)
		pthread_create(&t[i], NULL, thr, (void *)i);
	for (int i = 0; i < NTHR; i++) {
		pthread_join(t[i], &r);
		bad += (int)(intptr_t)r;
	}
	ok(bad == 0, "%d clients at once, %d writes each, read back (%s)", NTHR, NOPS, what);
}

/* ---------------------------------------------------------------- part 2 */

/* Runs a program against our server with NetBSD's client library (env: more
 * variables, e.g. LD_PRELOAD); its ok/FAIL lines become diagnostics. */
static void
run_nbenv(const char *env, const char *url, const char *libdir, const char *prog,
    const char *mode, int want, const char *what)
{
	char cmd[4096], line[256];
	int nok = 0, nfail = 0, status;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s RUMP_SERVER=%s LD_LIBRARY_PATH=%s %s %s 2>&1", env, url,
	    libdir, prog, mode);
	if ((f = popen(cmd, "r")) == NULL) {
		ok(0, "run %s %s", prog, mode);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		printf("# nb %s: %s", what, line);
		if (strncmp(line, "ok ", 3) == 0)
			nok++;
		else
			nfail++;
	}
	status = pclose(f);
	ok(status == 0 && nfail == 0 && nok == want, "NetBSD librumpclient, %s: %d of %d checks "
	    "held, %d failed", what, nok, want, nfail);
}

/* Runs the NetBSD-linked program in a mode; its ok/FAIL lines become diagnostics. */
static void
run_nb(const char *url, const char *libdir, const char *prog, const char *mode, int want,
    const char *what)
{
	run_nbenv("", url, libdir, prog, mode, want, what);
}

static void
test_netbsd_client(void)
{
	const char *nb = getenv("RUMPUS_NETBSD_RUMP");
	char prog[512], real[1536], nblib[600], libdir[128], link[256], cmd[4096],
	    line[256];
	struct stat st;
	FILE *f;
	int nok = 0, nfail = 0, status;

	if (nb == NULL || nb[0] == '\0') {
		skip("RUMPUS_NETBSD_RUMP is not set (NetBSD's build, an optional peer)",
		    "a program linked with NetBSD's librumpclient against our server");
		return;
	}
	snprintf(libdir, sizeof(libdir), "%s/lib", dir);
	snprintf(prog, sizeof(prog), "%s/test/sysproxy_nb_prog", builddir());
	if (strlen(nb) > 500)
		nb = "/nonexistent";
	snprintf(nblib, sizeof(nblib), "%s/lib", nb);
	if (nb_resolve(nblib, "librumpclient.so.0", real, sizeof(real)) != 0) {
		skip("no NetBSD build at $RUMPUS_NETBSD_RUMP",
		    "a program linked with NetBSD's librumpclient against our server");
		return;
	}
	if (stat(prog, &st) != 0) {
		skip("sysproxy_nb_prog was not built (the NetBSD build was absent at make time)",
		    "a program linked with NetBSD's librumpclient against our server");
		return;
	}
	/* a directory of real links: the loader cannot follow the text ones */
	mkdir(libdir, 0700);
	snprintf(link, sizeof(link), "%s/librumpclient.so.0", libdir);
	unlink(link);
	ok(symlink(real, link) == 0, "librumpclient.so.0 -> %s", real);
	snprintf(cmd, sizeof(cmd), "RUMP_SERVER=%s LD_LIBRARY_PATH=%s %s all 2>&1", url1, libdir,
	    prog);
	if ((f = popen(cmd, "r")) == NULL) {
		ok(0, "run %s", prog);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		printf("# nb: %s", line);
		if (strncmp(line, "ok ", 3) == 0)
			nok++;
		else
			nfail++;
	}
	status = pclose(f);
	ok(status == 0 && nfail == 0 && nok >= 19,
	    "NetBSD librumpclient program: %d checks held, %d failed (file, UDP, EFAULT)", nok, nfail);
	run_nb(url1, libdir, prog, "threads", 5, "4 threads on one connection, one blocked");
	run_nb(url1, libdir, prog, "fork", 5, "rumpclient_fork");
	run_nb(url1, libdir, prog, "exec", 4, "rumpclient_exec");
	run_nb(url1, libdir, prog, "sigpipe", 4, "SIGPIPE raised in the client");
	/* NetBSD's hijack library, preloaded into a plain program */
	{
		char hreal[1536], hlink[256], hprog[512], env[512], host[160];
		FILE *hf;

		snprintf(hprog, sizeof(hprog), "%s/test/sysproxy_hijack_prog", builddir());
		snprintf(hlink, sizeof(hlink), "%s/librumphijack.so.0", libdir);
		snprintf(host, sizeof(host), "%s/hostfile", dir);
		if (nb_resolve(nblib, "librumphijack.so.0", hreal, sizeof(hreal)) != 0) {
			skip("the NetBSD build has no librumphijack.so.0", "NetBSD's hijack library");
		} else {
			unlink(hlink);
			ok(symlink(hreal, hlink) == 0 && (hf = fopen(host, "w")) != NULL &&
			    fputs("host\n", hf) >= 0 && fclose(hf) == 0, "librumphijack.so.0 -> %s",
			    hreal);
			snprintf(env, sizeof(env), "LD_PRELOAD=%s", hlink);
			run_nbenv(env, url2, libdir, hprog, host, 10,
			    "LD_PRELOAD=librumphijack.so: /rump paths, fork, host files");
			unlink(hlink);
			unlink(host);
		}
	}
	/* kernel choice by URL, through NetBSD's client */
	{
		static const struct { const char *url; const char *want; } r[] = {
			{ url1, "mkdir 0" }, { url2, "mkdir 0" }, { url1, "mkdir 17" },
		};
		int good = 0;

		for (int i = 0; i < 3; i++) {
			snprintf(cmd, sizeof(cmd), "RUMP_SERVER=%s LD_LIBRARY_PATH=%s %s mkdir",
			    r[i].url, libdir, prog);
			line[0] = '\0';
			if ((f = popen(cmd, "r")) != NULL) {
				if (fgets(line, sizeof(line), f) == NULL)
					line[0] = '\0';
				pclose(f);
			}
			good += strncmp(line, r[i].want, strlen(r[i].want)) == 0;
		}
		ok(good == 3, "librumpclient picks the kernel by URL (mkdir /k: 0, 0, EEXIST)");
	}
	unlink(link);
	rmdir(libdir);
}

int
main(void)
{
	int status;

	snprintf(dir, sizeof(dir), "/tmp/rumpus-sp-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(path1, sizeof(path1), "%s/k1", dir);
	snprintf(path2, sizeof(path2), "%s/k2", dir);
	snprintf(url1, sizeof(url1), "unix://%s", path1);
	snprintf(url2, sizeof(url2), "unix://%s", path2);
	snprintf(path3, sizeof(path3), "%s/k3", dir);
	snprintf(url3, sizeof(url3), "unix://%s", path3);
	if (!ok(start_server() == 0, "rumpus_server -s listens on two URLs")) {
		if (server > 0)
			kill(server, SIGKILL);
		return tap_done();
	}
	test_basic();
	test_malformed();
	test_blocking(path1, "1 vCPU");
	test_vanish();
	test_fork();
	test_exec();
	test_raise();
	test_threads(path1, "1 vCPU");
	if (ok(start_server3() == 0, "rumpus_server -c 2 -r 64m")) {
		int st;

		test_threads(path3, "2 vCPUs");
		test_copy_pending(path3, true);
		test_blocking(path3, "2 vCPUs");
		if (waitpid(server3, &st, WNOHANG) == server3)
			diag("server3 died: %s %d", WIFSIGNALED(st) ? "signal" : "exit",
			    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	test_badargs();
	test_daemon();
	test_netbsd_client();
	if (server3 > 0) {
		kill(server3, SIGTERM);
		waitpid(server3, NULL, 0);
	}
	kill(server, SIGTERM);
	waitpid(server, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: the server exits 0");
	ok(access(path1, F_OK) != 0, "... and removed its sockets");
	rmdir(dir);
	return tap_done();
}
