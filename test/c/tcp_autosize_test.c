/*
 * tcp_autosize_test.c: NetBSD's socket-buffer auto-sizing (net.inet.tcp.recvbuf_auto,
 * recvbuf_inc, recvbuf_max, sendbuf_auto, sendbuf_inc, sendbuf_max):
 *   - the sysctls: NetBSD's defaults (1, 16384, 262144, 1, 8192, 262144) at the numbers
 *     NetBSD's rump kernel gives them (1071..1076), writable, bad values refused;
 *   - packet by packet in virtual time (tcp_pkt.h, the test the peer with window scaling
 *     and timestamps): a round trip (our segments echoing a timestamp the kernel sent
 *     after the count began) that brought more than 7/8 of the receive buffer grows it by
 *     recvbuf_inc and the advertised window with it; a round that brought less does not;
 *     growth stops at recvbuf_max;
 *   - sockets between two kernels, a thread per end: a transfer grows both buffers (the
 *     sender's send buffer, the receiver's receive buffer) and arrives intact;
 *     SO_RCVBUF/SO_SNDBUF set by the application keep their size (an accepted socket
 *     starts at its listener's set sizes and is auto-sized all the same, as NetBSD's
 *     rump kernel does); the sysctls off keep 32 KB.
 */
#include "tcp_pkt.h"
#include "tcp_xfer.h"

enum { RBAUTO = 1071, RBINC = 1072, RBMAX = 1073, SBAUTO = 1074, SBINC = 1075, SBMAX = 1076,
	DELACK_TICKS = 25 };

/* 32768 rounded up to whole segments at establishment (NetBSD's rule): 23 segments of
 * 1460 (receive: the MSS offered) and of 1448 (send: the MSS less the timestamps) */
#define R32	33580
#define S32	33304

static int
getint(int fd, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (rump_sys_getsockopt(fd, X_SOL_SOCKET, name, &v, &l) < 0)
		return -1;
	return v;
}

static int
sysget(int id)
{
	int v = -1;

	return x_sysctl_tcp(id, &v, NULL) == 0 ? v : -1;
}

static void
sysctls(void)
{
	int v;

	ok(sysget(RBAUTO) == 1 && sysget(RBINC) == 16384 && sysget(RBMAX) == 262144,
	    "recvbuf_auto 1, recvbuf_inc 16384, recvbuf_max 262144 (%d %d %d)",
	    sysget(RBAUTO), sysget(RBINC), sysget(RBMAX));
	ok(sysget(SBAUTO) == 1 && sysget(SBINC) == 8192 && sysget(SBMAX) == 262144,
	    "sendbuf_auto 1, sendbuf_inc 8192, sendbuf_max 262144 (%d %d %d)",
	    sysget(SBAUTO), sysget(SBINC), sysget(SBMAX));
	v = 0;
	ok(x_sysctl_tcp(RBINC, NULL, &v) == X_EINVAL && x_sysctl_tcp(SBMAX, NULL, &v) == X_EINVAL,
	    "an increment or ceiling of 0: EINVAL");
	v = 2;
	ok(x_sysctl_tcp(RBAUTO, NULL, &v) == X_EINVAL, "recvbuf_auto 2: EINVAL");
	v = 32768;
	ok(x_sysctl_tcp(SBINC, NULL, &v) == 0 && sysget(SBINC) == 32768, "sendbuf_inc set");
	v = 8192;
	x_sysctl_tcp(SBINC, NULL, &v);
}

/* ---------------------------------------------------------------- packet level */

static uint16_t pport = 43000;
static uint32_t base, pseq, kts;	/* the kernel's first byte, ours next, its timestamp */
static uint32_t maxwin;			/* the largest window it advertised (scaled) */
static int rscale;

/* Reads what the kernel sent: its latest timestamp and the largest window. */
static void
collect(void)
{
	struct seg s;

	while (next(&s, 5)) {
		if (s.ts)
			kts = s.tsval;
		if ((uint32_t)s.win << rscale > maxwin)
			maxwin = (uint32_t)s.win << rscale;
	}
}

static int
conn(int l)
{
	struct seg s;
	uint8_t opt[24];
	int n = 0;

	pport++;
	opt[n++] = 2, opt[n++] = 4, put16(opt + n, 1448), n += 2;
	opt[n++] = 1, opt[n++] = 3, opt[n++] = 3, opt[n++] = 7;		/* window scale 7 */
	n += tsopt(opt + n, 1000, 0);
	pseq = 9000;
	inject(pport, 80, pseq, 0, SYN, 65535, opt, n, NULL, 0);
	if (!next(&s, 1000) || s.flags != (SYN | ACK) || !s.ts || s.ws < 0)
		return -1;
	rscale = s.ws;
	kts = s.tsval;
	base = s.seq + 1;
	pseq++;
	n = tsopt(opt, 1001, kts);
	inject(pport, 80, pseq, base, ACK, 2048, opt, n, NULL, 0);
	return rump_sys_accept(l, NULL, NULL);
}

/* n bytes of data in full segments echoing ecr, the socket read empty after each. */
static void
feed(int fd, size_t n, uint32_t ecr)
{
	static uint8_t buf[1448], rd[65536];
	uint8_t opt[12];

	while (n > 0) {
		int len = n < sizeof(buf) ? (int)n : (int)sizeof(buf);
		inject(pport, 80, pseq, base, ACK, 2048, opt, tsopt(opt, 2000, ecr), buf, len);
		pseq += (uint32_t)len;
		n -= (size_t)len;
		while (rump_sys_recvfrom(fd, rd, sizeof(rd), X_MSG_DONTWAIT, NULL, NULL) > 0)
			continue;
		collect();
	}
}

/*
 * One measured round trip: the count began at the kernel's timestamp t (its ACKs of the
 * last round); we send n bytes echoing t, the clock moves 1 ms, one more segment echoing
 * t brings an ACK with the kernel's next timestamp, and the segment that echoes that one
 * ends the round (the kernel compares the count with 7/8 of its buffer).  Returns the
 * receive buffer's size after it.
 */
static int
round_trip(int fd, size_t n)
{
	uint32_t t = kts;

	feed(fd, n, t);
	advance_ms(1);
	feed(fd, 1448, t);
	feed(fd, 1448, kts);		/* kts moved: one RTT is over */
	return getint(fd, X_SO_RCVBUF);
}

static void
packets(void)
{
	int l, fd, zero = 0, v, sz, grew, i;

	x_sysctl_tcp(DELACK_TICKS, NULL, &zero);	/* an ACK for every segment */
	l = x_listen("0.0.0.0", 80, 5);
	fd = conn(l);
	ok(fd >= 0 && rscale == 3, "connected with window scaling (the kernel's shift %d: "
	    "sb_max 256 KB) and timestamps", rscale);
	x_nonblock(fd, 1);
	collect();
	ok(getint(fd, X_SO_RCVBUF) == R32, "the receive buffer starts at recvspace (32768) "
	    "rounded up to whole segments at establishment (23 * 1460, as NetBSD's)");
	/* a round that brings under 7/8 of the buffer: no growth */
	feed(fd, 1448, kts);
	sz = round_trip(fd, 20000);
	ok(sz == R32, "a round trip bringing 20000 + 1448 bytes (under 7/8 of the buffer) keeps "
	    "it (%d)", sz);
	/* a round that brings more: one step */
	maxwin = 0;
	sz = round_trip(fd, 30000);
	ok(sz == R32 + 16384, "a round trip bringing 30000 + 1448 bytes grows it by "
	    "recvbuf_inc (%d)", sz);
	feed(fd, 1448, kts);
	ok(maxwin > R32 && maxwin <= (uint32_t)sz, "the advertised window grows with it (%u)",
	    maxwin);
	/* more data in the same round trip: still one step per round */
	feed(fd, 60000, kts);
	ok(getint(fd, X_SO_RCVBUF) == R32 + 16384, "more data before the next timestamp: no second "
	    "step in the round");
	/* a ceiling of 100000: steps of 16384, then the ceiling, then no more */
	v = 100000;
	x_sysctl_tcp(RBMAX, NULL, &v);
	grew = 1;
	for (i = 0; i < 3; i++) {
		int want = R32 + 16384 * (i + 2);
		sz = round_trip(fd, (size_t)want);
		if (sz != want)
			grew = 0;
	}
	ok(grew, "three full rounds: steps of 16384 (%d)", sz);
	sz = round_trip(fd, 100000);
	ok(sz == 100000, "the next stops at recvbuf_max 100000 (%d)", sz);
	sz = round_trip(fd, 100000);
	ok(sz == 100000, "and stays there (%d)", sz);
	maxwin = 0;
	feed(fd, 1448, kts);
	ok(maxwin <= 100000 && maxwin > 100000 - 2 * 1448, "the window offered is the buffer (%u)",
	    maxwin);
	v = 262144;
	x_sysctl_tcp(RBMAX, NULL, &v);
	/* off: no growth */
	v = 0;
	x_sysctl_tcp(RBAUTO, NULL, &v);
	sz = round_trip(fd, 100000);
	ok(sz == 100000, "recvbuf_auto 0: a full round trip grows nothing (%d)", sz);
	v = 1;
	x_sysctl_tcp(RBAUTO, NULL, &v);
	sz = round_trip(fd, 100000);
	ok(sz == 100000 + 16384, "on again: it grows (%d)", sz);
	/* SO_RCVBUF turns it off for the socket */
	ok(x_setint(fd, X_SOL_SOCKET, X_SO_RCVBUF, 120000) == 0, "SO_RCVBUF 120000");
	sz = round_trip(fd, 120000);
	sz = round_trip(fd, 120000);
	ok(sz == 120000, "after SO_RCVBUF the buffer keeps its size (%d)", sz);
	x_linger_abort(fd);
	rump_sys_close(fd);
	rump_sys_close(l);
	drain();
	v = 20;
	x_sysctl_tcp(DELACK_TICKS, NULL, &v);
}

/* ---------------------------------------------------------------- sockets */

static struct rumpus_kernel *ka, *kb;

static void *
xthread(void *arg)
{
	static uint8_t bufs[2][65536];
	struct xfer *x = arg;

	xfer_run(x, bufs[x->send], sizeof(bufs[0]));
	return NULL;
}

/* A connection from A to B's listener l (lbuf: its SO_*BUF, 0 none; cbuf the client's)
 * carrying n bytes A -> B with a thread per end; the four buffer sizes after it. */
static int
transfer(size_t n, int lbuf, int cbuf, int sizes[4])
{
	struct x_sin to = x_sin("10.61.0.2", 81);
	struct xfer x[2];
	pthread_t t[2];
	int l, c, s, r;

	rumpus_kernel_switch(kb);
	l = x_listen("0.0.0.0", 81, 5);
	if (lbuf) {
		x_setint(l, X_SOL_SOCKET, X_SO_RCVBUF, lbuf);
		x_setint(l, X_SOL_SOCKET, X_SO_SNDBUF, lbuf);
	}
	rumpus_kernel_switch(ka);
	c = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	if (cbuf) {
		x_setint(c, X_SOL_SOCKET, X_SO_RCVBUF, cbuf);
		x_setint(c, X_SOL_SOCKET, X_SO_SNDBUF, cbuf);
	}
	r = rump_sys_connect(c, (struct sockaddr *)&to, sizeof(to));
	rumpus_kernel_switch(kb);
	s = rump_sys_accept(l, NULL, NULL);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	if (r < 0 || s < 0)
		return -1;
	memset(x, 0, sizeof(x));
	x[0] = (struct xfer){ ka, c, 1, n, 0, 0 };
	x[1] = (struct xfer){ kb, s, 0, 0, 0, 0 };
	pthread_create(&t[0], NULL, xthread, &x[0]);
	pthread_create(&t[1], NULL, xthread, &x[1]);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	rumpus_kernel_switch(ka);
	sizes[0] = getint(c, X_SO_SNDBUF);
	sizes[1] = getint(c, X_SO_RCVBUF);
	rump_sys_close(c);
	rumpus_kernel_switch(kb);
	sizes[2] = getint(s, X_SO_SNDBUF);
	sizes[3] = getint(s, X_SO_RCVBUF);
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return x[0].err == 0 && x[1].err == 0 && x[1].n == n && x[0].hash == x[1].hash ? 0 : -1;
}

static void
both(int id, int v)
{
	rumpus_kernel_switch(ka);
	x_sysctl_tcp(id, NULL, &v);
	rumpus_kernel_switch(kb);
	x_sysctl_tcp(id, NULL, &v);
	rumpus_kernel_switch(NULL);
}

static void
sockets(void)
{
	int sz[4], r;

	ka = x_boot(), kb = x_boot();
	rumpus_kernel_switch(ka);
	ok(x_ifconfig("shmif0", "autosizebus", "10.61.0.1", 24) == 0, "A 10.61.0.1");
	rumpus_kernel_switch(kb);
	ok(x_ifconfig("shmif0", "autosizebus", "10.61.0.2", 24) == 0, "B 10.61.0.2");
	rumpus_kernel_switch(NULL);

	r = transfer(16u << 20, 0, 0, sz);
	ok(r == 0, "16 MB A -> B, a thread per end: intact");
	ok(sz[0] > 32768 && sz[0] <= 262144, "the sender's send buffer grew (%d)", sz[0]);
	ok(sz[3] > 32768 && sz[3] <= 262144, "the receiver's receive buffer grew (%d)", sz[3]);
	ok(sz[1] == R32 && sz[2] == S32, "the idle directions kept 32768 rounded to whole "
	    "segments (%d, %d)", sz[1],
	    sz[2]);

	r = transfer(8u << 20, 40000, 40000, sz);
	ok(r == 0, "8 MB with SO_SNDBUF/SO_RCVBUF 40000 "
	    "set on the client and the listener: intact");
	ok(sz[0] == 40544 && sz[1] == 40880, "the client's set buffers kept 40000 rounded to "
	    "whole segments (28 * 1448, 28 * 1460) (%d %d)",
	    sz[0], sz[1]);
	ok(sz[2] == 40544 && sz[3] > 40880, "the accepted socket started at its listener's "
	    "40000 (rounded) and its receive buffer grew from there all the same, as NetBSD's (%d %d)",
	    sz[2], sz[3]);

	both(RBAUTO, 0);
	both(SBAUTO, 0);
	r = transfer(8u << 20, 0, 0, sz);
	ok(r == 0, "8 MB with recvbuf_auto and sendbuf_auto 0: intact");
	ok(sz[0] == S32 && sz[3] == R32, "the buffers kept 32768 rounded (%d, %d)", sz[0], sz[3]);
	both(RBAUTO, 1);
	r = transfer(8u << 20, 0, 0, sz);
	ok(r == 0 && sz[3] > R32 && sz[0] == S32,
	    "recvbuf_auto alone on again: only the receive buffer grows (%d, %d)", sz[0], sz[3]);
	both(SBAUTO, 1);

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "destroyed");
}

int
main(void)
{
	struct rumpus_kernel *k;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ok((k = pkt_setup("tcpautobus")) != NULL, "kernel 10.4.0.1 on tcpautobus, the test at "
	    "10.4.0.2");
	sysctls();
	packets();
	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
	rumpus_clock_virtual(0);		/* the real clock for threads */
	sockets();
	return tap_done();
}
