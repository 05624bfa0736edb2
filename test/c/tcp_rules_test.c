/*
 * tcp_rules_test.c: window, Nagle and timer rules segment by segment (packetdrill style, virtual
 * time, tcp_pkt.h), the test being the peer of a connection to the kernel's listener
 * (MSS 1000, no window scaling, no timestamps, no SACK):
 *   - receiver: the buffer fills to a zero window; reads that free less than two
 *     segments and less than half the buffer send no window update (receiver
 *     silly-window avoidance, RFC 9293 3.8.6.2.2), the read that frees two segments does,
 *     and the window it offers is never a small one;
 *   - sender: Nagle (a small segment waits while another is unacknowledged, TCP_NODELAY
 *     sends at once), sender silly-window avoidance (a window under half the largest
 *     the peer offered and under a segment takes nothing while more data waits, the
 *     persist timer forces it out at 5 s; a window update of half the largest lets full
 *     segments go);
 *   - the RTO bounds: net.inet.tcp.rexmit_min raises the first timeout, rexmit_max caps
 *     the backoff (RFC 6298 2.4, 5.5);
 *   - NetBSD's keepalive sysctls (net.inet.tcp.keepidle, keepintvl, keepcnt) on a
 *     connection with SO_KEEPALIVE and no per-socket values: probes at keepidle, then
 *     every keepintvl, the connection dropped (ETIMEDOUT) after keepcnt unanswered;
 *     an answered probe keeps it;
 *   - poll, kqueue and read after the peer's RST;
 *   - slow start and congestion avoidance (RFC 5681 3.1) after a NewReno recovery: the
 *     flight doubles a round below ssthresh, then grows by about a segment a round;
 *   - Karn's rule: the ACK of a retransmitted segment gives no RTT sample (the
 *     backed-off RTO stays); the restart after idle (RFC 5681 4.1): after more than an
 *     RTO without sending, cwnd is back to the initial window.
 */
#include "tcp_pkt.h"

enum { TCPCTL_REXMIT_MIN = 101, TCPCTL_REXMIT_MAX = 102, TCPCTL_KEEPIDLE = 17,
	TCPCTL_KEEPINTVL = 18, TCPCTL_KEEPCNT = 19 };

static uint16_t pport = 42000;
static uint32_t base;		/* the kernel's first data byte */
static uint32_t pseq;		/* our next sequence number */

/* A connection from us (MSS 1000, window win) to the kernel's listener l: the accepted
 * socket; *synwin the window of the SYN|ACK. */
static int
conn(int l, uint16_t win, int *synwin)
{
	struct seg s;
	uint8_t opt[4];

	pport++;
	opt[0] = 2, opt[1] = 4, put16(opt + 2, 1000);
	pseq = 7000;
	inject(pport, 80, pseq, 0, SYN, win, opt, 4, NULL, 0);
	if (!next(&s, 1000) || s.flags != (SYN | ACK))
		return -1;
	*synwin = s.win;
	base = s.seq + 1;
	pseq++;
	inject(pport, 80, pseq, base, ACK, win, NULL, 0, NULL, 0);
	return rump_sys_accept(l, NULL, NULL);
}

/* Our data to the kernel: len bytes at pseq. */
static void
data(int len, uint16_t win)
{
	static const uint8_t buf[1000];

	inject(pport, 80, pseq, base, ACK | PSH, win, NULL, 0, buf, len);
	pseq += (uint32_t)len;
}

/* The last of the segments that came (0 if none). */
static int
last(struct seg *s)
{
	int n = 0;

	while (next(s, 0))
		n++;
	return n;
}

static void
receiver(int l)
{
	struct seg s;
	static uint8_t buf[8192];
	int a, w = -1, i, n;

	a = conn(l, 65535, &w);
	ok(a >= 0 && w == 8192, "SO_RCVBUF 8192: the SYN|ACK offers "
	    "8192 (%d)", w);
	for (i = 0; i < 8; i++)
		data(1000, 65535);
	data(760, 65535);		/* 8192 rounded up to 6 segments of 1460 (NetBSD) */
	advance_ms(200);		/* the delayed ACK of the last one */
	n = last(&s);
	ok(n > 0 && s.ack == pseq && s.win == 0, "8760 bytes unread: the window is 0 (%d "
	    "ACKs, the last ack +%u win %u)", n, s.ack - 7001, s.win);
	ok(rump_sys_read(a, buf, 100) == 100 && !next(&s, 0), "read 100: no window update "
	    "(100 free: under a segment and a quarter of the buffer)");
	ok(rump_sys_read(a, buf, 900) == 900 && !next(&s, 0), "read 900 more: none (1000 "
	    "free: under two segments and half the buffer)");
	n = rump_sys_read(a, buf, 1000) == 1000 && next(&s, 0);
	ok(n && s.flags == ACK && s.ack == pseq && s.win == 2000, "read 1000 more: a window "
	    "update offering 2000 (two segments) (flags %#x win %u)", s.flags, s.win);
	ok(!next(&s, 0), "one");
	/* fill the 2000 again, then free 100: the window it advertises stays 0, not 100 */
	data(1000, 65535);
	data(1000, 65535);
	n = last(&s);
	ok(n > 0 && s.win == 0, "2000 more: the window 0 again (win %u)", s.win);
	ok(rump_sys_read(a, buf, 100) == 100, "read 100");
	inject(pport, 80, pseq - 1, base, ACK, 65535, NULL, 0, NULL, 0);	/* keepalive-ish */
	n = last(&s);
	ok(n > 0 && s.win == 0, "an ACK it answers offers 0, not 100 (no small window) (win %u)",
	    s.win);
	x_linger_abort(a);
	drain();
}

static void
sender(int l)
{
	struct seg s;
	static uint8_t buf[8000];
	int a, w, n;
	uint32_t snd;

	memset(buf, 's', sizeof(buf));
	/* Nagle */
	ok((a = conn(l, 4000, &w)) >= 0, "a connection, our window 4000");
	snd = base;
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.len == 100 && s.seq == snd,
	    "Nagle: 100 bytes on an idle connection go at once");
	ok(rump_sys_write(a, buf, 100) == 100 && !next(&s, 0), "100 more wait: a small segment "
	    "is unacknowledged");
	ok(rump_sys_write(a, buf, 100) == 100 && !next(&s, 0), "and 100 more");
	inject(pport, 80, pseq, snd + 100, ACK, 4000, NULL, 0, NULL, 0);
	n = next(&s, 0);
	ok(n && s.len == 200 && s.seq == snd + 100, "its ACK: the 200 waiting go in one "
	    "segment (len %d)", s.len);
	ok(!next(&s, 0), "one");
	snd += 300;
	inject(pport, 80, pseq, snd, ACK, 4000, NULL, 0, NULL, 0);
	ok(x_setint(a, X_IPPROTO_TCP, X_TCP_NODELAY, 1) == 0, "TCP_NODELAY");
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.len == 100, "100 go");
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.len == 100 && s.seq ==
	    snd + 100, "and 100 more at once, the first unacknowledged");
	snd += 200;
	inject(pport, 80, pseq, snd, ACK, 4000, NULL, 0, NULL, 0);
	ok(x_setint(a, X_IPPROTO_TCP, X_TCP_NODELAY, 0) == 0, "TCP_NODELAY off");
	drain();

	/* sender silly-window avoidance: the largest window seen is 4000 */
	ok(rump_sys_write(a, buf, 6000) == 6000, "write 6000");
	n = 0;
	while (next(&s, 0))
		n += s.len;
	ok(n == 4000, "4000 go (our window) (%d)", n);
	snd += 4000;
	inject(pport, 80, pseq, snd, ACK, 500, NULL, 0, NULL, 0);
	ok(!next(&s, 0), "all ACKed with the window 500 (under a segment and under half of "
	    "4000) while 2000 wait: nothing goes");
	advance_ms(4999);
	ok(!next(&s, 0), "nothing before the persist timer (5 s)");
	advance_ms(1);
	n = next(&s, 20);
	ok(n && s.len == 500 && s.seq == snd, "at 5 s the persist timer forces the 500 the "
	    "window takes (len %d)", s.len);
	snd += 500;
	inject(pport, 80, pseq, snd, ACK, 2000, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.len == 1000 && s.seq == snd && next(&s, 0) && s.len == 500 &&
	    !next(&s, 0), "ACKed with the window 2000 (half the largest): the 1500 left go, "
	    "1000 + 500 (the last piece: everything there is)");
	snd += 1500;
	inject(pport, 80, pseq, snd, ACK, 4000, NULL, 0, NULL, 0);
	x_linger_abort(a);
	drain();
}

static void
rto_bounds(int l)
{
	struct seg s;
	static uint8_t buf[100];
	int a, w, i, good = 1;
	static const int waits[] = { 3000, 4000, 4000, 4000 };

	ok(x_sysctl_tcp(TCPCTL_REXMIT_MIN, NULL, &(int){ 3000 }) == 0 &&
	    x_sysctl_tcp(TCPCTL_REXMIT_MAX, NULL, &(int){ 4000 }) == 0, "rexmit_min 3000 ms, "
	    "rexmit_max 4000 ms");
	ok(x_sysctl_tcp(TCPCTL_REXMIT_MIN, NULL, &(int){ 5000 }) == X_EINVAL,
	    "rexmit_min above rexmit_max: EINVAL");
	ok((a = conn(l, 8000, &w)) >= 0, "a connection");
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.len == 100, "100 bytes, "
	    "never ACKed");
	for (i = 0; i < 4; i++) {
		good &= not_early((uint64_t)waits[i], i);
		if (!next(&s, 20) || s.len != 100 || s.seq != base) {
			good = 0;
			diag("retransmission %d missing", i + 1);
		}
	}
	ok(good, "retransmitted after 3 s (rexmit_min), then 4, 4, 4 s (backoff capped at "
	    "rexmit_max)");
	x_sysctl_tcp(TCPCTL_REXMIT_MIN, NULL, &(int){ 1000 });
	x_sysctl_tcp(TCPCTL_REXMIT_MAX, NULL, &(int){ 64000 });
	x_linger_abort(a);
	drain();
}

static void
keepalive(void)
{
	struct seg s;
	int l, a, w, i, good = 1, e;
	char c;
	static const int at[] = { 20000, 3000, 3000 };

	ok(x_sysctl_tcp(TCPCTL_KEEPIDLE, NULL, &(int){ 20 }) == 0 &&
	    x_sysctl_tcp(TCPCTL_KEEPINTVL, NULL, &(int){ 3 }) == 0 &&
	    x_sysctl_tcp(TCPCTL_KEEPCNT, NULL, &(int){ 2 }) == 0, "net.inet.tcp.keepidle 20, "
	    "keepintvl 3, keepcnt 2");
	/* a listener made now: its connections take the sysctls' values (an accepted
	 * socket inherits its listener's, as NetBSD's syn_cache_get does) */
	l = x_listen("0.0.0.0", 80, 5);
	ok((a = conn(l, 8000, &w)) >= 0 && x_setint(a, X_SOL_SOCKET, X_SO_KEEPALIVE, 1) == 0,
	    "a connection with SO_KEEPALIVE to a listener made after");
	ok(x_getint(a, X_IPPROTO_TCP, X_TCP_KEEPIDLE) == 20 &&
	    x_getint(a, X_IPPROTO_TCP, X_TCP_KEEPINTVL) == 3 &&
	    x_getint(a, X_IPPROTO_TCP, X_TCP_KEEPCNT) == 2, "its TCP_KEEPIDLE/INTVL/CNT are "
	    "the sysctls'");
	/* an answered probe: the idle time starts again */
	advance_ms(19999);
	ok(!next(&s, 0), "nothing before 20 s of silence");
	advance_ms(1);
	e = next(&s, 20);
	ok(e && s.flags == ACK && s.len == 0 && s.seq == base - 1 && s.ack == pseq,
	    "at 20 s a keepalive probe: an ACK at snd_una - 1 (flags %#x len %d seq %+d)",
	    s.flags, s.len, (int)(s.seq - base));
	inject(pport, 80, pseq, base, ACK, 8000, NULL, 0, NULL, 0);
	advance_ms(3000);
	ok(!next(&s, 0), "answered: no probe 3 s later");
	advance_ms(16999);
	ok(!next(&s, 0), "none before 20 s after the answer");
	advance_ms(1);
	e = next(&s, 20);
	ok(e && s.len == 0 && s.seq == base - 1, "20 s after the answer: a probe");
	/* now unanswered: probes at 3 s intervals, dropped after keepcnt 2 */
	for (i = 1; i < 2; i++) {
		advance_ms((uint64_t)at[i] - 1);
		if (next(&s, 0))
			good = 0;
		advance_ms(1);
		if (!next(&s, 20) || s.len != 0 || s.seq != base - 1)
			good = 0;
	}
	ok(good, "unanswered: the next probe 3 s later");
	advance_ms(2999);
	ok(!next(&s, 0) && x_poll1(a, X_POLLIN, 0) == 0, "still there before keepcnt * "
	    "keepintvl");
	advance_ms(1);
	e = next(&s, 20);
	ok(e && (s.flags & RST), "after 2 unanswered probes, 3 s apart: dropped with a RST "
	    "(flags %#x)", s.flags);
	ok(rump_sys_read(a, &c, 1) < 0 && errno == X_ETIMEDOUT, "read: ETIMEDOUT");
	rump_sys_close(a);
	rump_sys_close(l);
	x_sysctl_tcp(TCPCTL_KEEPIDLE, NULL, &(int){ 7200 });
	x_sysctl_tcp(TCPCTL_KEEPINTVL, NULL, &(int){ 75 });
	x_sysctl_tcp(TCPCTL_KEEPCNT, NULL, &(int){ 8 });
	drain();
}

/* ---- readiness after a reset (NetBSD's sopoll, filt_soread, filt_sowrite) */
enum { X_EVFILT_READ = 0, X_EVFILT_WRITE = 1, X_EV_EOF = 0x8000, X_POLLPRI = 2 };

/* One kevent for fd's filter, without waiting: its flags (and fflags), or -1 if none. */
static int
kq1(int fd, uint32_t filter, uint32_t *fflags)
{
	struct x_kevent ev;
	int f = x_kevent1(fd, filter, &ev);

	if (f >= 0)
		*fflags = ev.fflags;
	return f;
}

static void
reset_readiness(int l)
{
	uint32_t ff = 0, fw = 0;
	int a, w, fr, fwr;
	char c;

	ok((a = conn(l, 8000, &w)) >= 0, "a connection");
	ok(x_poll1(a, X_POLLIN | X_POLLOUT | X_POLLPRI, 0) == X_POLLOUT, "established, "
	    "nothing to read: writable only");
	inject(pport, 80, pseq, 0, RST, 0, NULL, 0, NULL, 0);
	ok(x_poll1(a, X_POLLIN | X_POLLOUT | X_POLLPRI, 0) == (X_POLLIN | X_POLLOUT),
	    "reset by the peer: poll says readable and writable (no POLLHUP/POLLERR, as "
	    "NetBSD's sopoll)");
	{
		/* select (NetBSD's fd_set of 32-bit words): readable and writable too */
		uint32_t in[8], ou[8];
		struct { int64_t sec; int32_t usec, pad; } tv = { 0, 0, 0 };

		memset(in, 0, sizeof(in));
		memset(ou, 0, sizeof(ou));
		in[a / 32] = 1u << (a % 32);
		ou[a / 32] = 1u << (a % 32);
		ok(rump_sys_select(a + 1, (void *)in, (void *)ou, NULL, (void *)&tv) == 2 &&
		    in[a / 32] == 1u << (a % 32) && ou[a / 32] == 1u << (a % 32),
		    "select: readable and writable");
	}
	fr = kq1(a, X_EVFILT_READ, &ff);
	fwr = kq1(a, X_EVFILT_WRITE, &fw);
	ok(fr >= 0 && (fr & X_EV_EOF) && ff == X_ECONNRESET, "kqueue EVFILT_READ: EV_EOF, "
	    "fflags ECONNRESET (flags %#x fflags %u)", fr, ff);
	ok(fwr >= 0 && (fwr & X_EV_EOF) && fw == X_ECONNRESET, "EVFILT_WRITE: EV_EOF, fflags "
	    "ECONNRESET (flags %#x fflags %u)", fwr, fw);
	ok(rump_sys_read(a, &c, 1) < 0 && errno == X_ECONNRESET, "read: ECONNRESET");
	ok(rump_sys_read(a, &c, 1) == 0, "then EOF (the error is reported once)");
	ok(x_poll1(a, X_POLLIN | X_POLLOUT, 0) == (X_POLLIN | X_POLLOUT), "still readable and "
	    "writable");
	rump_sys_close(a);
	drain();
}

/* ---- slow start and congestion avoidance (RFC 5681 3.1) after NewReno recovery */
static void
cong_avoid(int l)
{
	static uint8_t buf[150000];
	struct seg s;
	int a, w, i, r, n, rounds[10], ss, good;
	uint32_t una, max;

	x_sysctl_tcp(8, NULL, &(int){ 8 });		/* net.inet.tcp.init_win */
	ok((a = conn(l, 65535, &w)) >= 0, "a connection without SACK, initial window 8");
	x_setint(a, X_SOL_SOCKET, X_SO_SNDBUF, 200 * 1024);
	x_setint(a, X_IPPROTO_TCP, X_TCP_NODELAY, 1);
	ok(rump_sys_write(a, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "150000 bytes written");
	for (n = 0; next(&s, 0); n++)
		continue;
	ok(n == 8, "8 segments go (%d)", n);
	/* segment 0 lost: limited transmit twice, fast retransmit on the third (ssthresh =
	 * FlightSize 10 / 2 = 5 segments); the ACK of all 10 deflates cwnd to
	 * min(ssthresh, FlightSize 0 + 1 segment) = 1 segment, and slow start adds one
	 * for it */
	for (i = 0; i < 3; i++)
		inject(pport, 80, pseq, base, ACK, 65535, NULL, 0, NULL, 0);
	for (n = 0; next(&s, 0); n++)
		continue;
	ok(n == 3, "three duplicate ACKs: two new segments, the retransmission (%d)", n);
	una = base + 10 * 1000;
	inject(pport, 80, pseq, una, ACK, 65535, NULL, 0, NULL, 0);
	max = una;
	while (next(&s, 0))
		max = s.seq + (uint32_t)s.len;
	rounds[0] = (int)(max - una) / 1000;
	/* rounds: every outstanding segment ACKed one by one; what goes out meanwhile is the
	 * next round's flight */
	for (r = 1; r < 10; r++) {
		uint32_t end = max;

		while (una != end) {
			una += 1000;
			inject(pport, 80, pseq, una, ACK, 65535, NULL, 0, NULL, 0);
			while (next(&s, 0))
				max = s.seq + (uint32_t)s.len;
		}
		rounds[r] = (int)(max - end) / 1000;
	}
	diag("flight per round: %d %d %d %d %d %d %d %d %d %d", rounds[0], rounds[1],
	    rounds[2], rounds[3], rounds[4], rounds[5], rounds[6], rounds[7], rounds[8],
	    rounds[9]);
	ok(rounds[0] == 2 && rounds[1] == 4 && rounds[2] == 6, "slow start: 2, 4 segments a "
	    "round, then 6 (it passes ssthresh 5 in that round)");
	/* past ssthresh (5 segments) cwnd grows by SMSS * SMSS / cwnd an ACK: about one
	 * segment a round, never doubling */
	good = 1;
	for (r = 4, ss = rounds[1]; r < 10; r++) {
		if (rounds[r] < rounds[r - 1] || rounds[r] > rounds[r - 1] + 1)
			good = 0;
	}
	ok(good && rounds[9] - rounds[3] >= 4 && rounds[9] - rounds[3] <= 6 && ss == 4,
	    "then congestion avoidance: each round at most one segment more, %d to %d over "
	    "six rounds", rounds[3], rounds[9]);
	x_linger_abort(a);
	x_sysctl_tcp(8, NULL, &(int){ 4 });
	drain();
}

/* ---- Karn's rule, and the restart after idle (RFC 5681 4.1) */
static void
karn_idle(int l)
{
	static uint8_t buf[20000];
	struct seg s;
	int a, w, n, i;
	uint32_t snd;

	x_sysctl_tcp(8, NULL, &(int){ 4 });		/* init_win */
	ok((a = conn(l, 65535, &w)) >= 0, "a connection (no timestamps: RTT from timed "
	    "segments)");
	x_setint(a, X_SOL_SOCKET, X_SO_SNDBUF, 64 * 1024);
	snd = base;
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.len == 100, "100 bytes");
	advance_ms(1000);
	ok(next(&s, 20) && s.seq == snd && s.len == 100, "not ACKed: retransmitted at 1 s");
	advance_ms(5);
	snd += 100;
	inject(pport, 80, pseq, snd, ACK, 65535, NULL, 0, NULL, 0);
	/* ACKed 5 ms after the retransmission, 1005 ms after the first copy: Karn's rule
	 * takes no sample from it (one would make the RTO about 3 s) */
	ok(rump_sys_write(a, buf, 100) == 100 && next(&s, 0) && s.seq == snd, "100 more");
	advance_ms(1999);
	n = next(&s, 0);
	ok(!n, "no retransmission before 2 s (the backed-off RTO kept, no sample taken)");
	advance_ms(1);
	ok(next(&s, 20) && s.seq == snd, "retransmitted at 2 s: the ambiguous ACK gave no "
	    "sample (1005 ms would make it 3 s)");
	advance_ms(50);
	snd += 100;
	inject(pport, 80, pseq, snd, ACK, 65535, NULL, 0, NULL, 0);
	x_linger_abort(a);
	drain();

	/* restart after idle, on a fresh connection: grow cwnd by ACKing 4 segments one by
	 * one, then 8 go at once; after an idle time longer than the RTO only 4 */
	ok((a = conn(l, 65535, &w)) >= 0, "a fresh connection, initial window 4");
	x_setint(a, X_SOL_SOCKET, X_SO_SNDBUF, 64 * 1024);
	snd = base;
	ok(rump_sys_write(a, buf, 4000) == 4000, "4000 bytes");
	for (n = 0; next(&s, 0); n++)
		continue;
	ok(n == 4, "4 segments go (%d)", n);
	for (i = 1; i <= 4; i++)
		inject(pport, 80, pseq, snd + (uint32_t)i * 1000, ACK, 65535, NULL, 0, NULL, 0);
	snd += 4000;
	drain();
	ok(rump_sys_write(a, buf, 8000) == 8000, "8000 bytes at once");
	for (n = 0; next(&s, 0); n++)
		continue;
	ok(n == 8, "not idle: cwnd grew to 8 segments: 8 go (%d)", n);
	for (i = 1; i <= 8; i++)
		inject(pport, 80, pseq, snd + (uint32_t)i * 1000, ACK, 65535, NULL, 0, NULL, 0);
	snd += 8000;
	drain();
	advance_ms(3000);		/* idle longer than the RTO */
	ok(rump_sys_write(a, buf, 8000) == 8000, "after 3 s idle (more than the RTO), 8000 "
	    "bytes");
	for (n = 0; next(&s, 0); n++)
		continue;
	ok(n == 4, "cwnd restarted at the initial window: 4 go (%d)", n);
	x_linger_abort(a);
	drain();
}

int
main(void)
{
	struct rumpus_kernel *k;
	int l;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ok((k = pkt_setup("tcprulesbus")) != NULL, "kernel 10.4.0.1 on tcprulesbus, the test at "
	    "10.4.0.2");
	l = x_listen("0.0.0.0", 80, 5);
	ok(l >= 0 && x_setint(l, X_SOL_SOCKET, X_SO_RCVBUF, 8192) == 0, "a listener, "
	    "SO_RCVBUF 8192");
	receiver(l);
	sender(l);
	reset_readiness(l);
	cong_avoid(l);
	karn_idle(l);
	rto_bounds(l);
	rump_sys_close(l);
	keepalive();
	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
	return tap_done();
}
