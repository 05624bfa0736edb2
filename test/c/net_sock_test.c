/*
 * net_sock_test.c: the socket layer through its syscalls (AF_LOCAL is the vehicle, the
 * only family of net.local): what a kernel lacks, socket() argument errors and flags,
 * socket options and their errors, blocking/non-blocking send and receive, timeouts,
 * poll, ioctl, shutdown, bad addresses and lengths, msghdr/cmsg errors, and a thread
 * blocked in recv woken by another host thread.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "net_sock_nb.h"

static int
getint(int s, int name, int *v)
{
	socklen_t len = sizeof(*v);

	return rump_sys_getsockopt(s, NB_SOL_SOCKET, name, v, &len);
}

static int
setint(int s, int name, int v)
{
	return rump_sys_setsockopt(s, NB_SOL_SOCKET, name, &v, sizeof(v));
}

static void
test_missing(void)
{
	struct rumpus_kernel *k;

	k = nb_boot(NULL, NULL);
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0), NB_ENOSYS),
	    "socket() in a kernel without net is ENOSYS");
	ok(ERRNO_IS(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, NULL), NB_ENOSYS),
	    "socketpair() without net is ENOSYS");
	nb_halt(k);

	k = nb_boot("net", NULL);
	ok(k != NULL, "a kernel with net only boots");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0), NB_EAFNOSUPPORT),
	    "AF_LOCAL without net.local is EAFNOSUPPORT");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM, 0), NB_EAFNOSUPPORT),
	    "AF_INET without net.netinet is EAFNOSUPPORT");
	nb_halt(k);
}

static void
test_create(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	unsigned char st[152];
	uint32_t mode;
	int s, v;

	ok(rumpus_kernel_has(k, "net"), "net.local brings net in");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_INET, NB_SOCK_STREAM, 0), NB_EAFNOSUPPORT),
	    "AF_INET is still EAFNOSUPPORT");
	ok(ERRNO_IS(rump_sys_socket(99, NB_SOCK_STREAM, 0), NB_EAFNOSUPPORT),
	    "an unknown family is EAFNOSUPPORT");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, 77, 0), NB_EPROTOTYPE),
	    "an unknown type is EPROTOTYPE");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_RAW, 0), NB_EPROTOTYPE),
	    "SOCK_RAW in AF_LOCAL is EPROTOTYPE");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 6), NB_EPROTONOSUPPORT),
	    "protocol 6 in AF_LOCAL is EPROTONOSUPPORT");
	ok(ERRNO_IS(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM | (int)0x80000000, 0), NB_EINVAL),
	    "an unknown type flag is EINVAL");

	s = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM | NB_SOCK_NONBLOCK | NB_SOCK_CLOEXEC, 0);
	ok(s >= 0, "socket with SOCK_NONBLOCK|SOCK_CLOEXEC (fd %d)", s);
	ok((rump_sys_fcntl(s, NB_F_GETFL) & NB_O_NONBLOCK) != 0, "SOCK_NONBLOCK sets O_NONBLOCK");
	ok(rump_sys_fcntl(s, NB_F_GETFD) == 1, "SOCK_CLOEXEC sets FD_CLOEXEC");
	ok(rump_sys_fstat(s, (struct stat *)st) == 0, "fstat on a socket");
	memcpy(&mode, st + 8, 4);
	ok((mode & 0170000) == NB_S_IFSOCK, "st_mode is S_IFSOCK (0%o)", mode);
	ok(getint(s, NB_SO_TYPE, &v) == 0 && v == NB_SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
	ok(rump_sys_close(s) == 0, "close");
	ok(ERRNO_IS(rump_sys_listen(s, 1), NB_EBADF), "listen on a closed fd is EBADF");
	ok(ERRNO_IS(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, (int *)8), NB_EFAULT),
	    "socketpair with a bad result pointer is EFAULT");
	nb_halt(k);
}

static void
test_options(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_tv tv = { 1, 250000, 0 }, tv2;
	struct nb_linger_t lg = { 1, 7 }, lg2;
	socklen_t len;
	short sh = 1;
	int s, v;

	s = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	ok(getint(s, NB_SO_REUSEADDR, &v) == 0 && v == 0, "SO_REUSEADDR starts off");
	ok(setint(s, NB_SO_REUSEADDR, 1) == 0 && getint(s, NB_SO_REUSEADDR, &v) == 0 && v == 1,
	    "SO_REUSEADDR on");
	ok(setint(s, NB_SO_REUSEPORT, 5) == 0 && getint(s, NB_SO_REUSEPORT, &v) == 0 && v == 1,
	    "SO_REUSEPORT on (any non-zero)");
	ok(setint(s, NB_SO_KEEPALIVE, 1) == 0 && setint(s, NB_SO_KEEPALIVE, 0) == 0 &&
	    getint(s, NB_SO_KEEPALIVE, &v) == 0 && v == 0, "SO_KEEPALIVE on then off");
	ok(setint(s, NB_SO_BROADCAST, 1) == 0 && getint(s, NB_SO_BROADCAST, &v) == 0 && v == 1,
	    "SO_BROADCAST on");
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_REUSEADDR, &sh, sizeof(sh)),
	    NB_EINVAL), "a 2-byte int option is EINVAL");
	ok(ERRNO_IS(setint(s, 0x7777, 1), NB_ENOPROTOOPT), "an unknown option is ENOPROTOOPT");
	ok(ERRNO_IS(rump_sys_setsockopt(s, 12345, 1, &v, sizeof(v)), NB_ENOPROTOOPT),
	    "an unknown level is ENOPROTOOPT");
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_REUSEADDR, NULL, 4), NB_EFAULT),
	    "a NULL value with a length is EFAULT");
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_REUSEADDR, (void *)16, 4),
	    NB_EFAULT), "a value in the first page is EFAULT");
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_REUSEADDR, &v, 4096), NB_EINVAL),
	    "a 4096-byte value is EINVAL");
	ok(ERRNO_IS(setint(s, NB_SO_TYPE, 2), NB_ENOPROTOOPT), "SO_TYPE cannot be set");
	ok(ERRNO_IS(setint(s, NB_SO_ERROR, 2), NB_ENOPROTOOPT), "SO_ERROR cannot be set");
	ok(getint(s, NB_SO_ERROR, &v) == 0 && v == 0, "SO_ERROR is 0");
	ok(getint(s, NB_SO_ACCEPTCONN, &v) == 0 && v == 0, "SO_ACCEPTCONN is 0");

	ok(setint(s, NB_SO_RCVBUF, 8192) == 0 && getint(s, NB_SO_RCVBUF, &v) == 0 && v == 8192,
	    "SO_RCVBUF 8192");
	ok(setint(s, NB_SO_SNDBUF, 100000) == 0 && getint(s, NB_SO_SNDBUF, &v) == 0 && v == 100000,
	    "SO_SNDBUF 100000");
	ok(ERRNO_IS(setint(s, NB_SO_RCVBUF, 0), NB_EINVAL), "SO_RCVBUF 0 is EINVAL");
	ok(ERRNO_IS(setint(s, NB_SO_RCVBUF, -5), NB_EINVAL), "SO_RCVBUF -5 is EINVAL");
	ok(ERRNO_IS(setint(s, NB_SO_RCVBUF, 10 << 20), NB_ENOBUFS),
	    "SO_RCVBUF 10 MiB is ENOBUFS");
	ok(setint(s, NB_SO_RCVLOWAT, 1 << 30) == 0 && getint(s, NB_SO_RCVLOWAT, &v) == 0 &&
	    v == 8192, "SO_RCVLOWAT is clamped to the buffer size");

	ok(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	    "SO_RCVTIMEO with a 16-byte timeval");
	memset(&tv2, 0xff, sizeof(tv2));
	len = sizeof(tv2);
	ok(rump_sys_getsockopt(s, NB_SOL_SOCKET, NB_SO_RCVTIMEO, &tv2, &len) == 0 &&
	    len == 16 && tv2.tv_sec == 1 && tv2.tv_usec == 250000,
	    "SO_RCVTIMEO reads back 1.25 s (len %u)", (unsigned)len);
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_SNDTIMEO, &tv, 8), NB_EINVAL),
	    "SO_SNDTIMEO with 8 bytes is EINVAL");
	tv.tv_usec = 2000000;
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_SNDTIMEO, &tv, sizeof(tv)),
	    NB_EDOM), "tv_usec 2000000 is EDOM");
	tv.tv_usec = 0;
	tv.tv_sec = -1;
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_SNDTIMEO, &tv, sizeof(tv)),
	    NB_EDOM), "a negative timeout is EDOM");

	ok(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER");
	len = sizeof(lg2);
	ok(rump_sys_getsockopt(s, NB_SOL_SOCKET, NB_SO_LINGER, &lg2, &len) == 0 && len == 8 &&
	    lg2.l_onoff == 1 && lg2.l_linger == 7, "SO_LINGER reads back on, 7 s");
	lg.l_linger = -1;
	ok(ERRNO_IS(rump_sys_setsockopt(s, NB_SOL_SOCKET, NB_SO_LINGER, &lg, sizeof(lg)), NB_EDOM),
	    "l_linger -1 is EDOM");

	len = 2;
	v = 0x55555555;
	ok(rump_sys_getsockopt(s, NB_SOL_SOCKET, NB_SO_TYPE, &v, &len) == 0 && len == 2,
	    "getsockopt into 2 bytes copies 2 and says so");
	ok(ERRNO_IS(rump_sys_getsockopt(s, NB_SOL_SOCKET, NB_SO_TYPE, &v, (socklen_t *)8),
	    NB_EFAULT), "a bad length pointer is EFAULT");
	len = sizeof(v);
	ok(ERRNO_IS(rump_sys_getsockopt(s, NB_SOL_SOCKET, NB_SO_TYPE, (void *)8, &len),
	    NB_EFAULT), "a bad value pointer is EFAULT");
	ok(ERRNO_IS(rump_sys_getsockopt(s, NB_SOL_SOCKET, 0x7777, &v, &len), NB_ENOPROTOOPT),
	    "getsockopt of an unknown option is ENOPROTOOPT");
	rump_sys_close(s);
	nb_halt(k);
}

static void
test_io(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_pollfd_t pfd[2];
	char buf[65536], c;
	int sv[2], n, v, on = 1, off = 0;
	ssize_t r, total;

	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	ok(rump_sys_write(sv[0], "hello", 5) == 5, "write 5 bytes");
	ok(rump_sys_ioctl(sv[1], NB_FIONREAD, &v) == 0 && v == 5, "FIONREAD says 5");
	pfd[0].fd = sv[1];
	pfd[0].events = NB_POLLIN | NB_POLLOUT;
	pfd[1].fd = sv[0];
	pfd[1].events = NB_POLLIN;
	ok(rump_sys_poll((struct pollfd *)pfd, 2, 0) == 1 &&
	    pfd[0].revents == (NB_POLLIN | NB_POLLOUT) && pfd[1].revents == 0,
	    "poll: reader is readable and writable, writer not readable");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_recvfrom(sv[1], buf, 3, NB_MSG_PEEK, NULL, NULL) == 3 &&
	    memcmp(buf, "hel", 3) == 0, "MSG_PEEK sees the data");
	ok(rump_sys_read(sv[1], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
	    "read gets all 5 bytes after the peek");
	ok(ERRNO_IS(rump_sys_recvfrom(sv[1], buf, 1, NB_MSG_DONTWAIT, NULL, NULL), NB_EAGAIN),
	    "MSG_DONTWAIT on an empty socket is EAGAIN (35)");
	ok(rump_sys_ioctl(sv[1], NB_FIONBIO, &on) == 0, "FIONBIO on");
	ok(ERRNO_IS(rump_sys_read(sv[1], buf, 1), NB_EAGAIN), "non-blocking read is EAGAIN");
	ok(rump_sys_ioctl(sv[1], NB_FIONBIO, &off) == 0, "FIONBIO off");

	/* fill the pipe in non-blocking mode */
	rump_sys_ioctl(sv[0], NB_FIONBIO, &on);
	total = 0;
	while ((r = rump_sys_write(sv[0], buf, sizeof(buf))) > 0)
		total += r;
	ok(r == -1 && errno == NB_EAGAIN && total > 0,
	    "a full socket says EAGAIN after %zd bytes", total);
	pfd[0].fd = sv[0];
	pfd[0].events = NB_POLLOUT;
	ok(rump_sys_poll((struct pollfd *)pfd, 1, 0) == 0, "a full socket is not writable");
	n = 0;
	while ((r = rump_sys_recvfrom(sv[1], buf, sizeof(buf), NB_MSG_DONTWAIT, NULL, NULL)) > 0)
		n += (int)r;
	ok(n == total, "the reader gets exactly what was written (%d of %zd)", n, total);
	ok(rump_sys_poll((struct pollfd *)pfd, 1, 0) == 1 && pfd[0].revents == NB_POLLOUT,
	    "after reading, the writer is writable again");

	ok(rump_sys_write(sv[0], "ab", 2) == 2 && rump_sys_shutdown(sv[0], NB_SHUT_WR) == 0,
	    "write then shutdown(SHUT_WR)");
	ok(rump_sys_read(sv[1], buf, 10) == 2 && rump_sys_read(sv[1], buf, 10) == 0,
	    "the peer reads the data, then EOF");
	ok(ERRNO_IS(rump_sys_write(sv[0], "x", 1), NB_EPIPE),
	    "write after SHUT_WR is EPIPE, no signal");
	ok(ERRNO_IS(rump_sys_shutdown(sv[0], 7), NB_EINVAL), "shutdown how=7 is EINVAL");
	ok(rump_sys_write(sv[1], "z", 1) == 1 && rump_sys_shutdown(sv[0], NB_SHUT_RD) == 0 &&
	    rump_sys_read(sv[0], &c, 1) == 0, "shutdown(SHUT_RD) drops buffered data: EOF");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);

	/* datagrams: boundaries, truncation */
	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	ok(rump_sys_send(sv[0], "one", 3, 0) == 3 && rump_sys_send(sv[0], "twotwo", 6, 0) == 6 &&
	    rump_sys_send(sv[0], "", 0, 0) == 0, "send three datagrams (one empty)");
	ok(rump_sys_recv(sv[1], buf, 100, 0) == 3, "first datagram: 3 bytes");
	{
		struct nb_iovec_t iov = { buf, 2 };
		struct nb_msghdr_t m = { NULL, 0, &iov, 1, NULL, 0, 0 };
		ok(rump_sys_recvmsg(sv[1], (struct msghdr *)&m, 0) == 2 &&
		    (m.msg_flags & NB_MSG_TRUNC), "a 6-byte datagram into 2 bytes sets MSG_TRUNC");
	}
	ok(rump_sys_recv(sv[1], buf, 100, 0) == 0, "the empty datagram arrives as 0 bytes");
	memset(buf, 0, 4096);
	ok(ERRNO_IS(rump_sys_send(sv[0], buf, 4096, 0), NB_EMSGSIZE),
	    "a 4096-byte AF_LOCAL datagram is EMSGSIZE");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	nb_halt(k);
}

static void
test_timeout(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_tv tv = { 0, 20000, 0 };
	char buf[8];
	int sv[2];

	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	ok(rump_sys_setsockopt(sv[1], NB_SOL_SOCKET, NB_SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	    "SO_RCVTIMEO 20 ms");
	ok(ERRNO_IS(rump_sys_read(sv[1], buf, 1), NB_EAGAIN),
	    "a blocking read with nothing to read ends in EWOULDBLOCK");
	ok(rump_sys_write(sv[0], "q", 1) == 1 && rump_sys_read(sv[1], buf, 8) == 1,
	    "data after the timeout still arrives");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	nb_halt(k);
}

struct waiter {
	struct rumpus_kernel *k;
	int fd;
	ssize_t got;
	int err;
	int flags;
	size_t len;
	char buf[16];
};

static void *
reader_thread(void *arg)
{
	struct waiter *w = arg;

	rumpus_kernel_switch(w->k);
	w->got = rump_sys_recvfrom(w->fd, w->buf, w->len ? w->len : sizeof(w->buf), w->flags,
	    NULL, NULL);
	w->err = errno;
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_wakeup(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct waiter w;
	pthread_t t;
	int sv[2];

	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	memset(&w, 0, sizeof(w));
	w.k = k;
	w.fd = sv[1];
	pthread_create(&t, NULL, reader_thread, &w);
	usleep(20000);	/* let it block; the result does not depend on it */
	ok(rump_sys_write(sv[0], "wake", 4) == 4, "main thread writes");
	pthread_join(t, NULL);
	ok(w.got == 4 && memcmp(w.buf, "wake", 4) == 0,
	    "a thread blocked in read is woken with the data (got %zd)", w.got);

	memset(&w, 0, sizeof(w));
	w.k = k;
	w.fd = sv[1];
	pthread_create(&t, NULL, reader_thread, &w);
	usleep(20000);
	ok(rump_sys_close(sv[0]) == 0, "main thread closes the other end");
	pthread_join(t, NULL);
	ok(w.got == 0, "the blocked reader sees EOF (got %zd)", w.got);
	rump_sys_close(sv[1]);

	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	memset(&w, 0, sizeof(w));
	w.k = k;
	w.fd = sv[1];
	w.flags = NB_MSG_WAITALL;
	w.len = 4;
	rump_sys_write(sv[0], "12", 2);
	pthread_create(&t, NULL, reader_thread, &w);
	usleep(20000);
	rump_sys_write(sv[0], "34", 2);
	pthread_join(t, NULL);
	ok(w.got == 4 && memcmp(w.buf, "1234", 4) == 0,
	    "MSG_WAITALL waits across two writes (got %zd)", w.got);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	nb_halt(k);
}

struct pump {
	struct rumpus_kernel *k;
	int fd;
	size_t n;
	int bad;
};

static void *
pump_thread(void *arg)
{
	struct pump *p = arg;
	unsigned char buf[3000];
	size_t sent = 0, i, want;
	ssize_t r;

	rumpus_kernel_switch(p->k);
	while (sent < p->n) {
		want = p->n - sent < sizeof(buf) ? p->n - sent : sizeof(buf);
		for (i = 0; i < want; i++)
			buf[i] = (unsigned char)((sent + i) * 7);
		if ((r = rump_sys_write(p->fd, buf, want)) <= 0) {
			p->bad = 1;
			break;
		}
		sent += (size_t)r;
	}
	rump_sys_close(p->fd);
	rumpus_kernel_switch(NULL);
	return NULL;
}

/* Two virtual CPUs: a writer thread and the main thread as reader run in the kernel at
 * the same time; the socket lock keeps the byte stream intact. */
static void
test_twocpu(void)
{
	struct rumpus_config cfg = { .ncpu = 2 };
	const char *comps[] = { "net.local", NULL };
	struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, NULL);
	struct pump p = { k, -1, 1 << 20, 0 };
	unsigned char buf[5000];
	size_t got = 0, i;
	int sv[2], bad = 0;
	ssize_t r;
	pthread_t t;

	rumpus_kernel_switch(k);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	p.fd = sv[0];
	pthread_create(&t, NULL, pump_thread, &p);
	while ((r = rump_sys_read(sv[1], buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != (unsigned char)((got + i) * 7))
				bad = 1;
		got += (size_t)r;
	}
	pthread_join(t, NULL);
	ok(r == 0 && got == p.n && !bad && !p.bad,
	    "1 MiB through a 4 KiB socket between two threads on two vCPUs arrives intact (%zu)",
	    got);
	rump_sys_close(sv[1]);
	nb_halt(k);
}

static void
test_bad_args(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_sockaddr_un sun;
	unsigned char big[300];
	struct nb_iovec_t iov = { big, 1 };
	struct nb_msghdr_t m;
	union { char b[64]; uint64_t a; } ctl;
	struct nb_cmsghdr_t *cm = (struct nb_cmsghdr_t *)ctl.b;
	socklen_t len;
	int s, d, sv[2], bad = 999;

	s = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	d = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_DGRAM, 0);
	memset(big, 0, sizeof(big));
	big[1] = NB_AF_LOCAL;
	ok(ERRNO_IS(rump_sys_bind(s, (struct sockaddr *)big, 300), NB_EINVAL),
	    "bind with a 300-byte address is EINVAL");
	ok(ERRNO_IS(rump_sys_bind(s, (struct sockaddr *)big, 1), NB_EINVAL),
	    "bind with a 1-byte address is EINVAL");
	ok(ERRNO_IS(rump_sys_bind(s, NULL, 10), NB_EFAULT), "bind with a NULL address is EFAULT");
	ok(ERRNO_IS(rump_sys_connect(s, (struct sockaddr *)12, 10), NB_EFAULT),
	    "connect with a wild address is EFAULT");
	nb_sun(&sun, "/x");
	sun.sun_family = NB_AF_INET;
	ok(ERRNO_IS(rump_sys_bind(s, (struct sockaddr *)&sun, sun.sun_len), NB_EAFNOSUPPORT),
	    "bind of an AF_INET address to an AF_LOCAL socket is EAFNOSUPPORT");
	len = sizeof(sun);
	ok(ERRNO_IS(rump_sys_getpeername(s, (struct sockaddr *)&sun, &len), NB_ENOTCONN),
	    "getpeername of an unconnected socket is ENOTCONN");
	ok(ERRNO_IS(rump_sys_getsockname(s, (struct sockaddr *)&sun, NULL), NB_EFAULT),
	    "getsockname with a NULL length is EFAULT");
	ok(ERRNO_IS(rump_sys_accept(s, NULL, NULL), NB_EINVAL),
	    "accept on a socket that does not listen is EINVAL");
	ok(ERRNO_IS(rump_sys_listen(d, 5), NB_EOPNOTSUPP), "listen on a datagram socket is EOPNOTSUPP");
	ok(ERRNO_IS(rump_sys_accept(d, NULL, NULL), NB_EOPNOTSUPP),
	    "accept on a datagram socket is EOPNOTSUPP");
	ok(ERRNO_IS(rump_sys_listen(s, 5), NB_EINVAL), "listen on an unbound AF_LOCAL socket is EINVAL");
	ok(ERRNO_IS(rump_sys_send(s, "x", 1, 0), NB_ENOTCONN), "send on an unconnected stream is ENOTCONN");
	ok(ERRNO_IS(rump_sys_recv(s, big, 1, 0), NB_ENOTCONN), "recv on an unconnected stream is ENOTCONN");
	ok(ERRNO_IS(rump_sys_send(d, "x", 1, 0), NB_EDESTADDRREQ),
	    "send without address on an unconnected datagram socket is EDESTADDRREQ");
	ok(ERRNO_IS(rump_sys_send(s, "x", 1, 1 /* MSG_OOB */), NB_EOPNOTSUPP),
	    "MSG_OOB is EOPNOTSUPP");
	ok(ERRNO_IS(rump_sys_ioctl(s, NB_SIOCGIFFLAGS, big), NB_EOPNOTSUPP),
	    "an interface ioctl without net.net is EOPNOTSUPP");

	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 2000;
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), 40 /* EMSGSIZE */),
	    "sendmsg with 2000 iovecs is EMSGSIZE");
	m.msg_iovlen = 1;
	m.msg_iov = (struct nb_iovec_t *)24;
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), NB_EFAULT),
	    "sendmsg with a wild iovec pointer is EFAULT");
	m.msg_iov = &iov;
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)8, 0), NB_EFAULT),
	    "sendmsg with a wild msghdr is EFAULT");
	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_len = 200;
	m.msg_control = ctl.b;
	m.msg_controllen = 24;
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), NB_EINVAL),
	    "a cmsg longer than the control buffer is EINVAL");
	m.msg_controllen = 4;
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), NB_EINVAL),
	    "a 4-byte control buffer is EINVAL");
	cm->cmsg_len = NB_CMSG_LEN(4);
	cm->cmsg_level = NB_SOL_SOCKET;
	cm->cmsg_type = NB_SCM_RIGHTS;
	memcpy(NB_CMSG_DATA(cm), &bad, 4);
	m.msg_controllen = NB_CMSG_SPACE(4);
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), NB_EBADF),
	    "SCM_RIGHTS with a closed descriptor is EBADF");
	cm->cmsg_len = NB_CMSG_LEN(3);
	ok(ERRNO_IS(rump_sys_sendmsg(sv[0], (struct msghdr *)&m, 0), NB_EINVAL),
	    "SCM_RIGHTS with 3 data bytes is EINVAL");
	ok(rump_sys_recvfrom(sv[1], big, 1, NB_MSG_DONTWAIT, NULL, NULL) == -1 && errno == NB_EAGAIN,
	    "nothing was sent by the failed calls");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	rump_sys_close(s);
	rump_sys_close(d);
	nb_halt(k);
}

int
main(void)
{
	/* EPIPE's SIGPIPE is recorded, not raised in this process (tcp_sigpipe_test
	 * tests the models) */
	rump_boot_setsigmodel(4);
	test_missing();
	test_create();
	test_options();
	test_io();
	test_timeout();
	test_wakeup();
	test_twocpu();
	test_bad_args();
	return tap_done();
}
