/*
 * tcp_bench.c: TCP figures between two kernels on a bus, each beside the host's own TCP
 * over 127.0.0.1 measured in the same run and the same way (the baseline; Linux over a
 * veth pair between namespaces is the reference and needs root: not here).
 *   - bulk throughput, one thread driving both ends (non-blocking) and one thread per
 *     end (blocking), with NetBSD's default buffers (32 KB, auto-sized as NetBSD's
 *     net.inet.tcp.recvbuf_auto/sendbuf_auto), with 200 KB and (a thread per end) with
 *     auto-sizing off, the kernels'
 *     shmif0 with TCP segmentation offload on (IFCAP_TSOv4, as veth has TSO on), and
 *     without (the .notso figures);
 *   - connections per second: connect, one byte each way, close;
 *   - one-byte request/response round trip (TCP_NODELAY): median and p99;
 *   - memory per idle connection in a kernel.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tcp_nb.h"

static struct rumpus_kernel *ka, *kb;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmpdbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- the two sides */

/* A "stack": the kernels (switching between them) or the host.  A host side that serves
 * has a listener (lfd, at sin); a host side that connects makes its sockets in network
 * namespace nsfd (-1: wherever the thread is). */
struct side {
	int host;
	struct rumpus_kernel *k;
	int lfd, nsfd;
	struct sockaddr_in sin;
};
static int ns_cur = -1;
static void
ns_to(int fd)
{
	if (fd >= 0 && fd != ns_cur && setns(fd, CLONE_NEWNET) == 0)
		ns_cur = fd;
}
static void enter(const struct side *s) { if (!s->host) rumpus_kernel_switch(s->k); }
static ssize_t
xsend(const struct side *s, int fd, const void *b, size_t n, int nb)
{
	if (s->host)
		return send(fd, b, n, nb ? MSG_DONTWAIT : 0);
	return rump_sys_sendto(fd, b, n, nb ? X_MSG_DONTWAIT : 0, NULL, 0);
}
static ssize_t
xrecv(const struct side *s, int fd, void *b, size_t n, int nb)
{
	if (s->host)
		return recv(fd, b, n, nb ? MSG_DONTWAIT : 0);
	return rump_sys_recvfrom(fd, b, n, nb ? X_MSG_DONTWAIT : 0, NULL, NULL);
}
static void
xclose(const struct side *s, int fd)
{
	if (s->host)
		close(fd);
	else
		rump_sys_close(fd);
}
static void
xbuf(const struct side *s, int fd, int size)
{
	if (s->host) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	} else {
		x_setint(fd, X_SOL_SOCKET, X_SO_SNDBUF, size);
		x_setint(fd, X_SOL_SOCKET, X_SO_RCVBUF, size);
	}
}
static void
xnodelay(const struct side *s, int fd)
{
	int one = 1;

	if (s->host)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	else
		x_setint(fd, X_IPPROTO_TCP, X_TCP_NODELAY, 1);
}

static int hl = -1;		/* the host's listener */
static int kl = -1;		/* B's */
static struct sockaddr_in hsin;

/* A connected pair: *c on side a, *s on side b (kernels: A connects to B; a kernel
 * connects to a host side at its listener). */
static void
xpair(const struct side *a, const struct side *b, int bufsize, int *c, int *s)
{
	if (a->host) {
		ns_to(a->nsfd);
		*c = socket(AF_INET, SOCK_STREAM, 0);
		if (bufsize)
			xbuf(a, *c, bufsize);
		connect(*c, (struct sockaddr *)&b->sin, sizeof(b->sin));
		*s = accept(b->lfd, NULL, NULL);
		return;
	}
	enter(a);
	*c = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	if (bufsize)
		xbuf(a, *c, bufsize);
	struct x_sin to = x_sin("10.60.0.2", 80);
	if (b->host) {
		to.addr = b->sin.sin_addr.s_addr;
		to.port = b->sin.sin_port;
	}
	rump_sys_connect(*c, (struct sockaddr *)&to, sizeof(to));
	if (b->host) {
		*s = accept(b->lfd, NULL, NULL);
		if (bufsize)
			xbuf(b, *s, bufsize);
		return;
	}
	enter(b);
	*s = rump_sys_accept(kl, NULL, NULL);
	if (bufsize)
		xbuf(b, *s, bufsize);
}

/* ---------------------------------------------------------------- bulk */

static double
bulk1(const struct side *a, const struct side *b, size_t total, int bufsize)
{
	static uint8_t buf[65536];
	size_t sent = 0, got = 0;
	uint64_t t0;
	int c, s;

	xpair(a, b, bufsize, &c, &s);
	t0 = now_ns();
	while (got < total) {
		enter(a);
		while (sent < total) {
			ssize_t w = xsend(a, c, buf, total - sent < sizeof(buf) ? total - sent : sizeof(buf), 1);
			if (w <= 0)
				break;
			sent += (size_t)w;
		}
		enter(b);
		for (;;) {
			ssize_t r = xrecv(b, s, buf, sizeof(buf), 1);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
	}
	t0 = now_ns() - t0;
	enter(a);
	xclose(a, c);
	enter(b);
	xclose(b, s);
	return (double)total / (1 << 20) / ((double)t0 / 1e9);
}

struct half { const struct side *side; int fd, send; size_t n; };

static void *
half_thread(void *arg)
{
	struct half *h = arg;
	static __thread uint8_t buf[65536];
	size_t done = 0;

	enter(h->side);
	while (done < h->n) {
		ssize_t r = h->send ? xsend(h->side, h->fd, buf, h->n - done < sizeof(buf) ?
		    h->n - done : sizeof(buf), 0) : xrecv(h->side, h->fd, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	if (!h->side->host)
		rumpus_kernel_switch(NULL);
	return NULL;
}

static double
bulk2(const struct side *a, const struct side *b, size_t total, int bufsize)
{
	struct half h[2];
	pthread_t t[2];
	uint64_t t0;
	int c, s;

	xpair(a, b, bufsize, &c, &s);
	if (!a->host)
		rumpus_kernel_switch(NULL);
	h[0] = (struct half){ a, c, 1, total };
	h[1] = (struct half){ b, s, 0, total };
	t0 = now_ns();
	pthread_create(&t[0], NULL, half_thread, &h[0]);
	pthread_create(&t[1], NULL, half_thread, &h[1]);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	t0 = now_ns() - t0;
	enter(a);
	xclose(a, c);
	enter(b);
	xclose(b, s);
	return (double)total / (1 << 20) / ((double)t0 / 1e9);
}

/* TCP segmentation offload on both kernels' shmif0 (SIOCSIFCAP, IFCAP_TSOv4) or off */
static void
tso(int on)
{
	uint64_t caps, en = on ? X_IFCAP_TSOv4 : 0;

	rumpus_kernel_switch(ka);
	x_ifcap("shmif0", 1, &caps, &en);
	en = on ? X_IFCAP_TSOv4 : 0;
	rumpus_kernel_switch(kb);
	x_ifcap("shmif0", 1, &caps, &en);
	rumpus_kernel_switch(NULL);
}

/* NetBSD's socket-buffer auto-sizing (net.inet.tcp.recvbuf_auto and sendbuf_auto, on by
 * default) on both kernels, or off: the fixed 32 KB buffers of sendspace/recvspace */
#define TCPCTL_RECVBUF_AUTO	1071
#define TCPCTL_SENDBUF_AUTO	1074
static void
autosize(int on)
{
	rumpus_kernel_switch(ka);
	x_sysctl_tcp(TCPCTL_RECVBUF_AUTO, NULL, &on);
	x_sysctl_tcp(TCPCTL_SENDBUF_AUTO, NULL, &on);
	rumpus_kernel_switch(kb);
	x_sysctl_tcp(TCPCTL_RECVBUF_AUTO, NULL, &on);
	x_sysctl_tcp(TCPCTL_SENDBUF_AUTO, NULL, &on);
	rumpus_kernel_switch(NULL);
}

/* ---------------------------------------------------------------- connections, RR */

static double
conns(const struct side *a, const struct side *b, int n)
{
	uint64_t t0 = now_ns();
	char ch = 'x';
	int i, c, s;

	for (i = 0; i < n; i++) {
		xpair(a, b, 0, &c, &s);
		enter(a);
		xsend(a, c, &ch, 1, 0);
		enter(b);
		xrecv(b, s, &ch, 1, 0);
		xsend(b, s, &ch, 1, 0);
		enter(a);
		xrecv(a, c, &ch, 1, 0);
		xclose(a, c);
		enter(b);
		xrecv(b, s, &ch, 1, 0);		/* EOF */
		xclose(b, s);
	}
	return n / ((double)(now_ns() - t0) / 1e9);
}

static void
rr(const struct side *a, const struct side *b, int n, double *med, double *p99)
{
	static uint64_t lat[200000];
	char ch = 'r';
	int i, c, s;

	xpair(a, b, 0, &c, &s);
	enter(a);
	xnodelay(a, c);
	enter(b);
	xnodelay(b, s);
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		enter(a);
		xsend(a, c, &ch, 1, 0);
		enter(b);
		xrecv(b, s, &ch, 1, 0);
		xsend(b, s, &ch, 1, 0);
		enter(a);
		xrecv(a, c, &ch, 1, 0);
		lat[i] = now_ns() - t0;
	}
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp64);
	*med = (double)lat[n / 2] / 1000;
	*p99 = (double)lat[n * 99 / 100] / 1000;
	enter(a);
	xclose(a, c);
	enter(b);
	xclose(b, s);
}

/* A figure and its baseline for bench/run.lua's table (docs/bench.md): key, label, value. */
static void
fig2(const char *key, const char *label, double v, const char *bkey, const char *blabel, double b,
    const char *unit, const char *how)
{
	printf("@fig\ttcp.%s\t%s\t%.17g\t%s\t\n", key, label, v, unit);
	printf("@fig\ttcp.%s\t%s\t%.17g\t%s\t\n", bkey, blabel, b, unit);
	printf("@cmp\ttcp.%s\ttcp.%s\t%s\n", key, bkey, how);
}

/*
 * Linux's side (root only): two network namespaces, A (10.61.0.1, the connecting end)
 * and B (10.61.0.2, a listener), joined by a veth pair; in B also a tap (10.62.0.1, a
 * listener) for kernel kv's virt0 (10.62.0.2).  The process's own namespace is left as
 * it was; the namespaces go with the process.  Returns 0, or -1 with the reason printed.
 */
static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
static int
linux_setup(struct side *V, struct side *VS, struct side *KV, struct side *TS)
{
	int home, na, nb, one = 1;
	char cmd[512];
	static const char *kvcomps[] = { "net.netinet", "net.virtif", NULL };
	int err = 0;

	if (geteuid() != 0) {
		printf("tcp: Linux over veth and the virtif figures skipped: not root (network namespaces)\n");
		printf("@skip\ttcp.*.veth, tcp.virtif.*\tnot root (network namespaces)\n");
		return -1;
	}
	if ((home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) != 0 ||
	    (na = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) != 0 ||
	    (nb = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		printf("tcp: Linux over veth skipped: no network namespace\n");
		printf("@skip\ttcp.*.veth, tcp.virtif.*\tno network namespace\n");
		return -1;
	}
	ns_cur = nb;
	snprintf(cmd, sizeof(cmd), "ip link set lo up && ip link add vb type veth peer name va "
	    "netns /proc/%d/fd/%d && ip addr add 10.61.0.2/24 dev vb && ip link set vb up",
	    (int)getpid(), na);
	if (sh(cmd) != 0) {
		ns_to(home);
		printf("tcp: Linux over veth skipped: ip(8) failed\n");
		printf("@skip\ttcp.*.veth, tcp.virtif.*\tip(8) failed\n");
		return -1;
	}
	VS->host = 1, VS->nsfd = nb;
	VS->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(VS->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	VS->sin.sin_family = AF_INET;
	VS->sin.sin_port = htons(80);
	inet_pton(AF_INET, "10.61.0.2", &VS->sin.sin_addr);
	bind(VS->lfd, (struct sockaddr *)&VS->sin, sizeof(VS->sin));
	listen(VS->lfd, 128);
	/* the virtif kernel: its tap is made in B */
	KV->host = 0, KV->lfd = -1, KV->nsfd = -1;
	if ((KV->k = rumpus_kernel_create(kvcomps, NULL, &err)) != NULL) {
		rumpus_kernel_switch(KV->k);
		if (x_ifconfig("virt0", "vtbench", "10.62.0.2", 24) != 0 ||
		    sh("ip addr add 10.62.0.1/24 dev vtbench && ip link set vtbench up") != 0) {
			rumpus_kernel_switch(NULL);
			rumpus_kernel_destroy(KV->k);
			KV->k = NULL;
		} else {
			rumpus_kernel_switch(NULL);
			TS->host = 1, TS->nsfd = nb;
			TS->lfd = socket(AF_INET, SOCK_STREAM, 0);
			setsockopt(TS->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			TS->sin.sin_family = AF_INET;
			TS->sin.sin_port = htons(81);
			inet_pton(AF_INET, "10.62.0.1", &TS->sin.sin_addr);
			bind(TS->lfd, (struct sockaddr *)&TS->sin, sizeof(TS->sin));
			listen(TS->lfd, 128);
		}
	}
	if (KV->k == NULL) {
		printf("tcp: kernel <-> Linux over virtif skipped: no tap\n");
		printf("@skip\ttcp.virtif.*\tno tap (/dev/net/tun)\n");
	}
	ns_to(na);
	if (sh("ip link set lo up && ip addr add 10.61.0.1/24 dev va && ip link set va up") != 0) {
		ns_to(home);
		printf("tcp: Linux over veth skipped: ip(8) failed in A\n");
		printf("@skip\ttcp.*.veth, tcp.virtif.*\tip(8) failed\n");
		return -1;
	}
	V->host = 1, V->nsfd = na, V->lfd = -1;
	ns_to(home);
	return 0;
}

int
main(void)
{
	struct side K = { 0, NULL, -1, -1, { 0 } }, KB = K, H = { 1, NULL, -1, -1, { 0 } };
	struct side V = H, VS = H, KV = K, TS = H;
	double k1, h1, k2, h2, kc, hc, km, kp, hm, hp, v1 = 0, v2 = 0, vc = 0, vm = 0, vp = 0;
	int veth;
	size_t before;
	int l, i, fds[1000];
	socklen_t sl = sizeof(hsin);

	ka = x_boot(), kb = x_boot();
	rumpus_kernel_switch(ka);
	x_ifconfig("shmif0", "tcpbench", "10.60.0.1", 24);
	rumpus_kernel_switch(kb);
	x_ifconfig("shmif0", "tcpbench", "10.60.0.2", 24);
	kl = l = x_listen("0.0.0.0", 80, 128);
	if (l < 0) {
		printf("tcp_bench: listen: %d\n", l);
		return 1;
	}
	K.k = ka, KB.k = kb;
	hl = socket(AF_INET, SOCK_STREAM, 0);
	memset(&hsin, 0, sizeof(hsin));
	hsin.sin_family = AF_INET;
	hsin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(hl, (struct sockaddr *)&hsin, sizeof(hsin));
	listen(hl, 128);
	getsockname(hl, (struct sockaddr *)&hsin, &sl);
	H.lfd = hl, H.sin = hsin;
	veth = linux_setup(&V, &VS, &KV, &TS) == 0;
	H.nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ns_cur = H.nsfd;

	if (getenv("TCP_BENCH_RR") != NULL) {
		/* the 1-byte round trip between the kernels only: N runs of 100,000, the
		 * median of their medians and p99s (before/after figures of the fast path) */
		int rounds = atoi(getenv("TCP_BENCH_RR")), r;
		double m[2][64];

		if (rounds < 1 || rounds > 64)
			rounds = 5;
		for (r = 0; r < rounds; r++)
			rr(&K, &KB, 100000, &m[0][r], &m[1][r]);
		for (i = 0; i < 2; i++)
			qsort(m[i], (size_t)rounds, sizeof(double), cmpdbl);
		printf("tcp 1-byte round trip between two kernels, median of %d runs: p50 %.3f us, p99 %.3f us\n",
		    rounds, m[0][rounds / 2], m[1][rounds / 2]);
		return 0;
	}
	if (getenv("TCP_BENCH_BULK") != NULL) {
		/* bulk only, for profiling and before/after figures: N rounds (the variable's
		 * value), each 64 MB per shape and stack interleaved, medians; the kernels
		 * with segmentation offload (TSO) on their bus interfaces and without */
		int rounds = atoi(getenv("TCP_BENCH_BULK")), r;
		double m[10][64];

		if (rounds < 1 || rounds > 64)
			rounds = 5;
		for (r = 0; r < rounds; r++) {
			tso(1);
			m[0][r] = bulk1(&K, &KB, 64u << 20, 0);
			m[1][r] = veth ? bulk1(&V, &VS, 64u << 20, 0) : 0;
			m[2][r] = bulk2(&K, &KB, 64u << 20, 0);
			m[3][r] = veth ? bulk2(&V, &VS, 64u << 20, 0) : 0;
			/* a thread per end with 200 KB buffers at both ends, both stacks (the
			 * window NetBSD's buffer auto-sizing would reach; Linux's SO_*BUF turns
			 * its own auto-tuning off) */
			m[6][r] = bulk2(&K, &KB, 64u << 20, 256 * 1024 * 8 / 10);
			m[7][r] = veth ? bulk2(&V, &VS, 64u << 20, 256 * 1024 * 8 / 10) : 0;
			/* fixed 32 KB buffers (auto-sizing off: the figures before it) */
			autosize(0);
			m[8][r] = bulk1(&K, &KB, 64u << 20, 0);
			m[9][r] = bulk2(&K, &KB, 64u << 20, 0);
			autosize(1);
			tso(0);
			m[4][r] = bulk1(&K, &KB, 64u << 20, 0);
			m[5][r] = bulk2(&K, &KB, 64u << 20, 0);
		}
		for (i = 0; i < 10; i++)
			qsort(m[i], (size_t)rounds, sizeof(double), cmpdbl);
		printf("tcp bulk, median of %d interleaved rounds of 64 MB: 1 thread %.0f MB/s "
		    "(veth %.0f, ratio %.2f; without TSO %.0f); a thread per end %.0f MB/s "
		    "(veth %.0f, ratio %.2f; without TSO %.0f)\n",
		    rounds, m[0][rounds / 2], m[1][rounds / 2], m[0][rounds / 2] / m[1][rounds / 2],
		    m[4][rounds / 2], m[2][rounds / 2], m[3][rounds / 2],
		    m[2][rounds / 2] / m[3][rounds / 2], m[5][rounds / 2]);
		printf("tcp bulk, a thread per end, 200 KB buffers at both ends: %.0f MB/s with TSO "
		    "(veth %.0f, ratio %.2f)\n", m[6][rounds / 2], m[7][rounds / 2],
		    m[6][rounds / 2] / m[7][rounds / 2]);
		printf("tcp bulk, fixed 32 KB buffers (auto-sizing off), with TSO: 1 thread %.0f MB/s, "
		    "a thread per end %.0f MB/s\n", m[8][rounds / 2], m[9][rounds / 2]);
		return 0;
	}
	if (getenv("TCP_BENCH_VIRTIF") != NULL && veth && KV.k != NULL) {
		/* kernel -> Linux through the tap only: N interleaved rounds of 64 MB without and
		 * with TSO on virt0, medians */
		int rounds = atoi(getenv("TCP_BENCH_VIRTIF")), r;
		double m[2][64];
		uint64_t caps, en;

		if (rounds < 1 || rounds > 64)
			rounds = 5;
		for (r = 0; r < rounds; r++)
			for (i = 0; i < 2; i++) {
				en = i ? X_IFCAP_TSOv4 : 0;
				rumpus_kernel_switch(KV.k);
				x_ifcap("virt0", 1, &caps, &en);
				rumpus_kernel_switch(NULL);
				m[i][r] = bulk1(&KV, &TS, 64u << 20, 0);
			}
		for (i = 0; i < 2; i++)
			qsort(m[i], (size_t)rounds, sizeof(double), cmpdbl);
		printf("tcp bulk kernel -> Linux through a tap, median of %d rounds of 64 MB: %.0f MB/s "
		    "without TSO, %.0f MB/s with TSO on virt0\n", rounds, m[0][rounds / 2], m[1][rounds / 2]);
		return 0;
	}
	if (getenv("TCP_BENCH_TSO") != NULL)		/* profiling: with TSO */
		tso(1);
	if (getenv("TCP_BENCH_NOAUTO") != NULL)		/* profiling: fixed buffers */
		autosize(0);
	if (getenv("TCP_BENCH_BULK1") != NULL) {	/* profiling: one thread only */
		printf("%.0f MB/s\n", bulk1(&K, &KB, 256u << 20, 0));
		return 0;
	}
	if (getenv("TCP_BENCH_BULK2") != NULL) {	/* profiling: a thread per end only */
		printf("%.0f MB/s\n", bulk2(&K, &KB, 256u << 20, 0));
		return 0;
	}
	if (getenv("TCP_BENCH_BULK200") != NULL) {
		printf("%.0f MB/s\n", bulk1(&K, &KB, 256u << 20, 256 * 1024 * 8 / 10));
		return 0;
	}
	/* the bulk figures with segmentation offload on the kernels' bus interfaces (as
	 * Linux's veth and loopback have TSO/GSO on by default), then without */
	tso(1);
	k1 = bulk1(&K, &KB, 256u << 20, 0);
	h1 = bulk1(&H, &H, 256u << 20, 0);
	if (veth)
		v1 = bulk1(&V, &VS, 256u << 20, 0);
	printf("tcp: bulk A -> B on a bus, 1 thread, NetBSD's default buffers (32 KB, auto-sized): %.0f MB/s (host loopback %.0f MB/s, ratio %.2f)\n",
	    k1, h1, k1 / h1);
	if (veth) {
		printf("tcp:   Linux over veth, 1 thread non-blocking, Linux's default buffers: %.0f MB/s (ratio %.2f)\n",
		    v1, k1 / v1);
		printf("@fig\ttcp.bulk1.veth\tLinux TCP over veth between two namespaces, 1 thread, default buffers\t%.17g\tMB/s\t\n", v1);
		printf("@cmp\ttcp.bulk1\ttcp.bulk1.veth\tsame process, 256 MB each, one after the other\n");
	}
	fig2("bulk1", "TCP bulk between two kernels on a bus, 1 thread, default (auto-sized) buffers", k1,
	    "bulk1.host", "Linux loopback TCP, 1 thread, same buffers", h1, "MB/s",
	    "same process, 256 MB each, one after the other");
	k1 = bulk1(&K, &KB, 256u << 20, 256 * 1024 * 8 / 10);
	h1 = bulk1(&H, &H, 256u << 20, 256 * 1024 * 8 / 10);
	printf("tcp: bulk A -> B on a bus, 1 thread, 200 KB buffers: %.0f MB/s (host loopback %.0f MB/s, ratio %.2f)\n",
	    k1, h1, k1 / h1);
	k2 = bulk2(&K, &KB, 256u << 20, 0);
	h2 = bulk2(&H, &H, 256u << 20, 0);
	if (veth)
		v2 = bulk2(&V, &VS, 256u << 20, 0);
	printf("tcp: bulk A -> B on a bus, a thread per end: %.0f MB/s (host loopback %.0f MB/s, ratio %.2f)\n",
	    k2, h2, k2 / h2);
	if (veth) {
		printf("tcp:   Linux over veth, a thread per end: %.0f MB/s (ratio %.2f)\n", v2, k2 / v2);
		printf("@fig\ttcp.bulk2.veth\tLinux TCP over veth between two namespaces, a thread per end\t%.17g\tMB/s\t\n", v2);
		printf("@cmp\ttcp.bulk2\ttcp.bulk2.veth\tsame process, 256 MB each, one after the other\n");
	}
	fig2("bulk2", "TCP bulk between two kernels on a bus, a thread per end", k2,
	    "bulk2.host", "Linux loopback TCP, a thread per end", h2, "MB/s",
	    "same process, 256 MB each, one after the other");
	/* the same with auto-sizing off: the fixed 32 KB buffers of the figures before it */
	autosize(0);
	k2 = bulk2(&K, &KB, 256u << 20, 0);
	autosize(1);
	printf("tcp: the same with auto-sizing off (fixed 32 KB buffers): %.0f MB/s\n", k2);
	printf("@fig\ttcp.bulk2.fixed32\tTCP bulk between two kernels, a thread per end, auto-sizing off (32 KB)\t%.17g\tMB/s\t\n", k2);
	printf("@cmp\ttcp.bulk2.fixed32\t%s\tsame process, 256 MB each\n", veth ? "tcp.bulk2.veth" : "tcp.bulk2.host");
	tso(0);
	k1 = bulk1(&K, &KB, 256u << 20, 0);
	k2 = bulk2(&K, &KB, 256u << 20, 0);
	tso(1);
	printf("tcp: the same without TSO on the kernels' interfaces: 1 thread %.0f MB/s, a thread per end %.0f MB/s\n",
	    k1, k2);
	printf("@fig\ttcp.bulk1.notso\tTCP bulk between two kernels, 1 thread, without segmentation offload\t%.17g\tMB/s\t\n", k1);
	printf("@cmp\ttcp.bulk1.notso\t%s\tsame process, 256 MB each\n", veth ? "tcp.bulk1.veth" : "tcp.bulk1.host");
	printf("@fig\ttcp.bulk2.notso\tTCP bulk between two kernels, a thread per end, without segmentation offload\t%.17g\tMB/s\t\n", k2);
	printf("@cmp\ttcp.bulk2.notso\t%s\tsame process, 256 MB each\n", veth ? "tcp.bulk2.veth" : "tcp.bulk2.host");
	kc = conns(&K, &KB, 10000);
	hc = conns(&H, &H, 10000);
	if (veth)
		vc = conns(&V, &VS, 10000);
	printf("tcp: connections/s (connect, 1 byte each way, close), 1 thread: %.0f (host loopback %.0f, ratio %.2f)\n",
	    kc, hc, kc / hc);
	if (veth) {
		printf("tcp:   Linux over veth: %.0f (ratio %.2f)\n", vc, kc / vc);
		printf("@fig\ttcp.conns.veth\tLinux TCP connections/s over veth between two namespaces, 1 thread\t%.17g\tconn/s\t\n", vc);
		printf("@cmp\ttcp.conns\ttcp.conns.veth\tsame process, 10,000 each, one after the other\n");
	}
	fig2("conns", "TCP connections/s between two kernels (connect, 1 byte each way, close), 1 thread", kc,
	    "conns.host", "Linux loopback TCP, the same, 1 thread", hc, "conn/s",
	    "same process, 10,000 each, one after the other");
	rr(&K, &KB, 100000, &km, &kp);
	rr(&H, &H, 100000, &hm, &hp);
	if (veth)
		rr(&V, &VS, 100000, &vm, &vp);
	printf("tcp: 1-byte request/response round trip, 1 thread: median %.2f us, p99 %.2f us "
	    "(host loopback %.2f / %.2f us, ratio %.2f)\n", km, kp, hm, hp, hm / km);
	if (veth) {
		printf("tcp:   Linux over veth: median %.2f us, p99 %.2f us (ratio %.2f)\n", vm, vp, vm / km);
		printf("@fig\ttcp.rr.veth\tLinux TCP 1-byte request/response over veth between two namespaces, 1 thread\t%.17g\tus\tp99 %.2f us\n", vm, vp);
		printf("@cmp\ttcp.rr\ttcp.rr.veth\tsame process, median of 100,000 trips each\n");
	}
	if (veth && KV.k != NULL) {
		/* a kernel and Linux through net.virtif (the kernel connects; Linux listens) */
		double t1, t1t, tc, tm, tp;

		t1 = bulk1(&KV, &TS, 64u << 20, 0);
		{
			/* with segmentation offload on virt0 (the host cuts, virtio_net_hdr GSO) */
			uint64_t caps, en = X_IFCAP_TSOv4;

			rumpus_kernel_switch(KV.k);
			x_ifcap("virt0", 1, &caps, &en);
			rumpus_kernel_switch(NULL);
			t1t = bulk1(&KV, &TS, 64u << 20, 0);
			en = 0;
			rumpus_kernel_switch(KV.k);
			x_ifcap("virt0", 1, &caps, &en);
			rumpus_kernel_switch(NULL);
		}
		tc = conns(&KV, &TS, 2000);
		rr(&KV, &TS, 20000, &tm, &tp);
		printf("tcp: a kernel and Linux through a tap (net.virtif): bulk kernel -> Linux, 1 thread, "
		    "default (auto-sized) buffers %.0f MB/s; connections/s %.0f; 1-byte round trip median %.2f us, p99 %.2f us\n",
		    t1, tc, tm, tp);
		printf("@fig\ttcp.virtif.bulk1\tTCP bulk kernel -> Linux through a tap (net.virtif), 1 thread\t%.17g\tMB/s\t\n", t1);
		printf("tcp:   the same with TSO on virt0 (the host cuts): %.0f MB/s\n", t1t);
		printf("@fig\ttcp.virtif.bulk1.tso\tTCP bulk kernel -> Linux through a tap, 1 thread, TSO on virt0\t%.17g\tMB/s\t\n", t1t);
		printf("@cmp\ttcp.virtif.bulk1.tso\ttcp.bulk1.veth\tsame process, 64 MB\n");
		printf("@cmp\ttcp.virtif.bulk1\ttcp.bulk1.veth\tsame process, 64 MB\n");
		printf("@fig\ttcp.virtif.conns\tTCP connections/s kernel -> Linux through a tap\t%.17g\tconn/s\t\n", tc);
		printf("@cmp\ttcp.virtif.conns\ttcp.conns.veth\tsame process, 2,000\n");
		printf("@fig\ttcp.virtif.rr\tTCP 1-byte request/response kernel <-> Linux through a tap\t%.17g\tus\tp99 %.2f us\n", tm, tp);
		printf("@cmp\ttcp.virtif.rr\ttcp.rr.veth\tsame process, median of 20,000 trips\n");
		rumpus_kernel_destroy(KV.k);
	}
	printf("@fig\ttcp.rr\tTCP 1-byte request/response between two kernels, 1 thread\t%.17g\tus\tp99 %.2f us\n", km, kp);
	printf("@fig\ttcp.rr.host\tLinux loopback TCP 1-byte request/response, 1 thread, non-blocking\t%.17g\tus\tp99 %.2f us\n", hm, hp);
	printf("@cmp\ttcp.rr\ttcp.rr.host\tsame process, median of 100,000 trips each\n");
	/* memory per idle connection (both ends, socket + pcb + tcpcb + file) */
	rumpus_kernel_switch(ka);
	before = rumpus_kernel_memused(ka) + rumpus_kernel_memused(kb);
	{
		struct { uint64_t cur, max; } rlim = { 1100, 1100 };
		rump_sys_setrlimit(8, (void *)&rlim);
		rumpus_kernel_switch(kb);
		rump_sys_setrlimit(8, (void *)&rlim);
		rump_sys_dup2(kl, 1050);
		rump_sys_close(1050);
		rumpus_kernel_switch(ka);
		int t = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
		rump_sys_dup2(t, 1050);
		rump_sys_close(1050);
		rump_sys_close(t);
		before = rumpus_kernel_memused(ka) + rumpus_kernel_memused(kb);
	}
	for (i = 0; i < 500; i++) {
		int c, s;
		xpair(&K, &KB, 0, &c, &s);
		fds[2 * i] = c, fds[2 * i + 1] = s;
	}
	printf("tcp: memory per idle connection (both ends, in the kernels): %zu bytes\n",
	    (rumpus_kernel_memused(ka) + rumpus_kernel_memused(kb) - before) / 500);
	printf("@fig\ttcp.idle\tTCP memory per idle connection, both ends\t%.17g\tbytes\t\n",
	    (double)((rumpus_kernel_memused(ka) + rumpus_kernel_memused(kb) - before) / 500));
	printf("@cmp\ttcp.idle\t-\tthe kernels' own accounting, 500 connections\n");
	for (i = 0; i < 500; i++) {
		rumpus_kernel_switch(ka);
		rump_sys_close(fds[2 * i]);
		rumpus_kernel_switch(kb);
		rump_sys_close(fds[2 * i + 1]);
	}
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(ka);
	rumpus_kernel_destroy(kb);
	close(hl);
	return 0;
}
