/*
 * tcp_nb.h: NetBSD's TCP numbers for tests that go through rump_sys_* (the host's
 * headers carry Linux values), and helpers: two kernels on a bus, a connected pair, a
 * reader that checks a byte pattern.
 */
#ifndef TEST_TCP_NB_H
#define TEST_TCP_NB_H

#include "inet_nb.h"

enum {
	X_SOCK_STREAM = 1, X_IPPROTO_TCP = 6, X_SO_KEEPALIVE = 8, X_SO_LINGER = 0x80,
	X_SO_REUSEPORT = 0x200, X_SO_SNDBUF = 0x1001, X_SO_RCVBUF = 0x1002, X_SO_ERROR = 0x1007,
	X_SO_NOSIGPIPE = 0x800, X_TCP_NODELAY = 1, X_TCP_MAXSEG = 2, X_TCP_KEEPIDLE = 3,
	X_TCP_KEEPINTVL = 5, X_TCP_KEEPCNT = 6, X_TCP_KEEPINIT = 7,
	X_ENOBUFS = 55, X_ENOMEM = 12, X_ECONNRESET = 54, X_ECONNABORTED = 53, X_ENOTCONN = 57, X_ETIMEDOUT = 60,
	X_EINPROGRESS = 36, X_EALREADY = 37, X_EPIPE = 32, X_EOPNOTSUPP = 45,
	X_SHUT_RD = 0, X_SHUT_WR = 1, X_SHUT_RDWR = 2, X_MSG_PEEK = 2, X_MSG_WAITALL = 0x40,
	X_MSG_NOSIGNAL = 0x400, X_O_NONBLOCK = 4, X_F_GETFL = 3, X_F_SETFL = 4,
	X_POLLIN = 1, X_POLLOUT = 4, X_POLLERR = 8, X_POLLHUP = 16,
	X_TCPCTL_KEEPIDLE = 17, X_TCPCTL_MSL = 34, X_TCPCTL_KEEPINIT = 100,
	X_TCPCTL_REXMIT_MIN = 101, X_TCPCTL_SENDSPACE = 2, X_TCPCTL_RECVSPACE = 3,
};
struct x_linger { int onoff, linger; };
struct x_pollfd { int fd; short events, revents; };

static inline int
x_sysctl_tcp(int id, int *oldv, const int *newv)
{
	int name[4] = { X_CTL_NET, X_AF_INET, X_IPPROTO_TCP, id };
	size_t len = sizeof(int);

	return rump_sys___sysctl(name, 4, oldv, oldv ? &len : NULL, newv,
	    newv ? sizeof(int) : 0) < 0 ? errno : 0;
}

/* kern.maxfiles and the process's RLIMIT_NOFILE to n (for thousands of connections): 0 or
 * the errno */
static inline int
x_maxfiles(int n)
{
	int name[2] = { 1, 7 };		/* kern.maxfiles */
	struct { uint64_t cur, max; } rl = { (uint64_t)n, (uint64_t)n };

	if (rump_sys___sysctl(name, 2, NULL, NULL, &n, sizeof(n)) < 0)
		return errno;
	return rump_sys_setrlimit(8, (void *)&rl) < 0 ? errno : 0;	/* RLIMIT_NOFILE */
}

static inline int
x_setint(int s, int level, int name, int v)
{
	return rump_sys_setsockopt(s, level, name, &v, sizeof(v)) < 0 ? errno : 0;
}

static inline int
x_getint(int s, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (rump_sys_getsockopt(s, level, name, &v, &len) < 0)
		return -errno;
	return v;
}

static inline int
x_nonblock(int s, int on)
{
	int fl = rump_sys_fcntl(s, X_F_GETFL, 0);

	return rump_sys_fcntl(s, X_F_SETFL, on ? (fl | X_O_NONBLOCK) : (fl & ~X_O_NONBLOCK));
}

/* A listener on addr:port in the current kernel (backlog bl); -errno on failure. */
static inline int
x_listen(const char *addr, int port, int bl)
{
	struct x_sin sin = x_sin(addr, port);
	int s = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0), one = 1;

	if (s < 0)
		return -errno;
	rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_REUSEADDR, &one, sizeof(one));
	if (rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    rump_sys_listen(s, bl) < 0) {
		int e = errno;
		rump_sys_close(s);
		return -e;
	}
	return s;
}

/* A blocking connect from the current kernel; -errno on failure. */
static inline int
x_connect(const char *addr, int port)
{
	struct x_sin sin = x_sin(addr, port);
	int s = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);

	if (s < 0)
		return -errno;
	if (rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = errno;
		rump_sys_close(s);
		return -e;
	}
	return s;
}

/* The pattern byte at stream offset off (not periodic at any power of two). */
static inline uint8_t
x_pat(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13 ^ off / 7919);
}


/* The tests' door into a kernel's TCP (tcp_subr.c): the state of a connection. */
int tcp_pcbstate(void *k, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport);
enum { X_TCPS_CLOSED, X_TCPS_LISTEN, X_TCPS_SYN_SENT, X_TCPS_SYN_RECEIVED,
	X_TCPS_ESTABLISHED, X_TCPS_CLOSE_WAIT, X_TCPS_FIN_WAIT_1, X_TCPS_CLOSING,
	X_TCPS_LAST_ACK, X_TCPS_FIN_WAIT_2, X_TCPS_TIME_WAIT };

/* The SYN cache's door (tcp_syncache.c): its counters (struct tcp_syncache_stat), and
 * for the half-open connection (src, sport) -> (dst, dport), network order, its bucket
 * and its retransmissions so far (returned; -1: no entry). */
struct x_synstat {
	uint64_t added, completed, timed_out, overflowed, bucketoverflow, reset, aborted,
	    dupesyn, dropped, retransmitted, count, entrysize, unreach;
};
int tcp_syncache_info(void *k, struct x_synstat *st, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, int *bucket);

/* the SYN cache counters of kernel k */
static inline struct x_synstat
x_synstats(struct rumpus_kernel *k)
{
	struct x_synstat st;

	memset(&st, 0, sizeof(st));
	tcp_syncache_info(k, &st, 0, 0, 0, 0, NULL);
	return st;
}

struct x_tuple { uint32_t la, fa; uint16_t lp, fp; };
/* The 4-tuple of a connected socket of the current kernel. */
static inline struct x_tuple
x_tuple(int s)
{
	struct x_sin a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);
	struct x_tuple t;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rump_sys_getsockname(s, (struct sockaddr *)&a, &la);
	rump_sys_getpeername(s, (struct sockaddr *)&b, &lb);
	t.la = a.addr, t.lp = a.port, t.fa = b.addr, t.fp = b.port;
	return t;
}
static inline int
x_state(struct rumpus_kernel *k, struct x_tuple t)
{
	return tcp_pcbstate(k, t.la, t.lp, t.fa, t.fp);
}

/* Sleeps in the current kernel (virtual time passes while every kernel is idle). */
static inline void
x_sleep_ms(long ms)
{
	struct { int64_t sec; long nsec; } ts = { ms / 1000, (ms % 1000) * 1000000L };

	rump_sys_nanosleep((void *)&ts, NULL);
}

static inline int
x_poll1(int s, int events, int ms)
{
	struct x_pollfd p = { s, (short)events, 0 };
	int n = rump_sys_poll((void *)&p, 1, ms);

	return n < 0 ? -errno : n == 0 ? 0 : p.revents;
}

/* NetBSD's struct kevent, and one kevent for fd's filter (a kqueue of its own, no
 * waiting): its flags with *ev filled, or -1 when it is not ready */
struct x_kevent { uintptr_t ident; uint32_t filter, flags, fflags; int64_t data; intptr_t udata; };

static inline int
x_kevent1(int fd, uint32_t filter, struct x_kevent *ev)
{
	struct x_kevent ch;
	struct { int64_t sec; long nsec; } zero = { 0, 0 };
	int kq = rump_sys_kqueue(), n;

	memset(&ch, 0, sizeof(ch));
	ch.ident = (uintptr_t)fd, ch.filter = filter, ch.flags = 1;	/* EV_ADD */
	n = rump_sys_kevent(kq, (void *)&ch, 1, (void *)ev, 1, (void *)&zero);
	rump_sys_close(kq);
	return n == 1 ? (int)ev->flags : -1;
}

#endif
