/*
 * tcp_urg_test.c: urgent data as NetBSD handles it, segment by segment: the urgent
 * pointer names the byte after the urgent data (BSD), the byte before it is pulled out
 * of the stream for recv(MSG_OOB) unless SO_OOBINLINE, reads stop at the mark and
 * SIOCATMARK says when the next byte is the one after it, POLLPRI while a mark is
 * pending; recv(MSG_OOB) gives EINVAL with no mark, in line, or read twice, and
 * EWOULDBLOCK while the byte is still on its way; send(MSG_OOB) sets URG and the
 * pointer; a pointer in a retransmitted (trimmed) segment still names the same byte.
 * Then sockets only (loopback): both ends, UDP's EOPNOTSUPP, and a thread that sleeps
 * in poll(POLLPRI) woken by urgent data another thread sends.
 */
#include "tcp_pkt.h"

enum { X_MSG_OOB = 1, X_SO_OOBINLINE = 0x100, X_POLLPRI = 2, X_EWOULDBLOCK = 35 };
#define X_SIOCATMARK	0x40047307UL

static int
atmark(int s)
{
	int v = -1;

	return rump_sys_ioctl(s, X_SIOCATMARK, &v) < 0 ? -errno : v;
}

/* recv(MSG_OOB [| flags]): the byte, or -errno */
static int
oob(int s, int flags)
{
	char c;
	ssize_t n = rump_sys_recvfrom(s, &c, 1, X_MSG_OOB | flags, NULL, NULL);

	return n == 1 ? (unsigned char)c : n < 0 ? -errno : -1000;
}

static int
rd(int s, char *buf, size_t len)
{
	ssize_t n = rump_sys_read(s, buf, len);

	if (n >= 0)
		buf[n] = 0;
	return n < 0 ? -errno : (int)n;
}

/* A passive connection from us (port sport) to the kernel's listener l: returns the
 * accepted socket; *iss is the kernel's ISS.  No options: plain 20-byte headers. */
static int
handshake(int l, uint16_t sport, uint32_t irs, uint32_t *iss)
{
	struct seg s;
	int a;

	inject(sport, 80, irs, 0, SYN, 65535, NULL, 0, NULL, 0);
	if (!next(&s, 0) || s.flags != (SYN | ACK))
		return -1;
	*iss = s.seq;
	inject(sport, 80, irs + 1, s.seq + 1, ACK, 65535, NULL, 0, NULL, 0);
	a = rump_sys_accept(l, NULL, NULL);
	if (a >= 0)
		x_nonblock(a, 1);
	return a;
}

struct pollarg {
	struct rumpus_kernel *k;
	int fd, rev, tries;
};

static void *
poller(void *arg)
{
	struct pollarg *pa = arg;

	rumpus_kernel_switch(pa->k);
	/* one poll of 10 s (virtual): the sender's moment between its nanosleep and its send
	 * no longer lets virtual time jump to this deadline (test/c/vclock_xwake_test.c) */
	pa->rev = x_poll1(pa->fd, X_POLLPRI, 10000);
	pa->tries = 1;
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_kernel *k;
	struct seg s;
	uint32_t iss = 0, r;
	int l, a, n, e;
	char buf[256];

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	k = pkt_setup("tcpurgbus");
	ok(k != NULL && kmac[0] == 0xb2, "a kernel at 10.4.0.1 on tcpurgbus, and our port");
	l = x_listen("0.0.0.0", 80, 5);
	x_nonblock(l, 1);

	/* ---- the urgent byte pulled out, a read stops at the mark */
	r = 1001;
	a = handshake(l, 40000, 1000, &iss);
	ok(a >= 0, "connected");
	ok(oob(a, 0) == -X_EINVAL, "recv(MSG_OOB) with no urgent data: EINVAL");
	ok(x_poll1(a, X_POLLPRI, 0) == 0, "no POLLPRI");
	inject_urp(40000, 80, r, iss + 1, ACK | PSH | URG, 65535, NULL, 0, "hello!", 6, 6);
	r += 6;
	inject(40000, 80, r, iss + 1, ACK | PSH, 65535, NULL, 0, "world", 5);
	r += 5;
	e = next(&s, 0);
	ok(e && s.ack == r, "both segments acknowledged: the urgent byte takes its "
	    "sequence number (ack %u)", s.ack);
	ok(x_poll1(a, X_POLLPRI | X_POLLIN, 0) == (X_POLLPRI | X_POLLIN), "POLLPRI and POLLIN");
	ok(atmark(a) == 0, "SIOCATMARK: not at the mark");
	ok(oob(a, X_MSG_PEEK) == '!', "recv(MSG_OOB|MSG_PEEK): '!', the byte before the pointer");
	ok(oob(a, 0) == '!', "recv(MSG_OOB): '!' again (the peek left it)");
	ok(oob(a, 0) == -X_EINVAL, "a second recv(MSG_OOB): EINVAL (read already)");
	n = rd(a, buf, sizeof(buf));
	ok(n == 5 && strcmp(buf, "hello") == 0, "read stops at the mark: 'hello' (%d '%s')", n, buf);
	ok(atmark(a) == 1, "SIOCATMARK: at the mark");
	n = rd(a, buf, sizeof(buf));
	ok(n == 5 && strcmp(buf, "world") == 0, "then 'world', the urgent byte is not in line "
	    "(%d '%s')", n, buf);
	ok(atmark(a) == 0, "past the mark");
	ok(x_poll1(a, X_POLLPRI, 0) == 0, "no POLLPRI after the mark");

	/* ---- the pointer ahead of the data: EWOULDBLOCK until the byte arrives */
	inject_urp(40000, 80, r, iss + 1, ACK | URG, 65535, NULL, 0, "ab", 2, 5);
	ok(x_poll1(a, X_POLLPRI, 0) == X_POLLPRI, "a pointer beyond the data: POLLPRI at once");
	ok(oob(a, 0) == -X_EWOULDBLOCK, "recv(MSG_OOB) before the byte came: EWOULDBLOCK");
	inject_urp(40000, 80, r + 2, iss + 1, ACK | URG, 65535, NULL, 0, "cdEf", 4, 3);
	r += 6;
	ok(oob(a, 0) == 'E', "the same pointer from the next segment: 'E' pulled out");
	n = rd(a, buf, sizeof(buf));
	ok(n == 4 && strcmp(buf, "abcd") == 0, "'abcd' up to the mark (%d '%s')", n, buf);
	n = rd(a, buf, sizeof(buf));
	ok(n == 1 && strcmp(buf, "f") == 0, "then 'f' (%d '%s')", n, buf);

	/* ---- a retransmission that overlaps: the pointer is trimmed with the data */
	inject_urp(40000, 80, r - 2, iss + 1, ACK | URG, 65535, NULL, 0, "ef..!", 5, 5);
	r += 3;
	ok(oob(a, 0) == '!', "two old bytes trimmed, the pointer moves with them: '!'");
	n = rd(a, buf, sizeof(buf));
	ok(n == 2 && strcmp(buf, "..") == 0, "and '..' in line (%d '%s')", n, buf);
	drain();

	/* ---- URG with a zero pointer is no urgent data */
	inject_urp(40000, 80, r, iss + 1, ACK | URG, 65535, NULL, 0, "zz", 2, 0);
	r += 2;
	ok(rd(a, buf, sizeof(buf)) == 2, "urgent pointer 0: the data in line");
	ok(x_poll1(a, X_POLLPRI, 0) == 0 && oob(a, 0) == -X_EINVAL, "and no urgent data");

	/* ---- SO_OOBINLINE: the byte stays in the stream, the mark still stops a read */
	ok(x_setint(a, X_SOL_SOCKET, X_SO_OOBINLINE, 1) == 0, "SO_OOBINLINE on");
	inject_urp(40000, 80, r, iss + 1, ACK | PSH | URG, 65535, NULL, 0, "xy!z", 4, 3);
	r += 4;
	ok(oob(a, 0) == -X_EINVAL, "recv(MSG_OOB) in line: EINVAL");
	n = rd(a, buf, sizeof(buf));
	ok(n == 2 && strcmp(buf, "xy") == 0, "read stops before the urgent byte (%d '%s')", n, buf);
	ok(atmark(a) == 1, "at the mark");
	n = rd(a, buf, sizeof(buf));
	ok(n == 2 && strcmp(buf, "!z") == 0, "then the byte itself, in line (%d '%s')", n, buf);
	ok(x_setint(a, X_SOL_SOCKET, X_SO_OOBINLINE, 0) == 0, "SO_OOBINLINE off");
	drain();

	/* ---- send(MSG_OOB): URG, the pointer after the last byte; dragged after */
	n = (int)rump_sys_sendto(a, "abc", 3, X_MSG_OOB, NULL, 0);
	ok(n == 3, "send(MSG_OOB) of 3 bytes (%d)", n);
	e = next(&s, 0);
	ok(e && s.len == 3 && s.seq == iss + 1 && (s.flags & URG) && s.urp == 3,
	    "one segment: URG, urgent pointer 3 (the byte after 'c') (flags %#x urp %d)",
	    s.flags, s.urp);
	inject(40000, 80, r, iss + 4, ACK, 65535, NULL, 0, NULL, 0);
	ok(rump_sys_write(a, "d", 1) == 1, "then plain data");
	e = next(&s, 0);
	ok(e && s.len == 1 && !(s.flags & URG) && s.urp == 0,
	    "no URG once the urgent data is acknowledged (flags %#x urp %d)", s.flags, s.urp);

	/* ---- into a closed window the urgent notice still goes out */
	inject(40000, 80, r, iss + 5, ACK, 0, NULL, 0, NULL, 0);	/* 'd' ACKed, window 0 */
	drain();
	ok(rump_sys_write(a, "p", 1) == 1, "a byte queued behind a zero window");
	drain();
	ok(!next(&s, 0), "nothing sent");
	n = (int)rump_sys_sendto(a, "U", 1, X_MSG_OOB, NULL, 0);
	ok(n == 1, "send(MSG_OOB) with the window closed");
	e = next(&s, 0);
	ok(e && (s.flags & URG) && s.seq == iss + 5 && s.urp == 2,
	    "a segment at once (one byte forced into the window) with URG, pointer 2: "
	    "after 'U' (flags %#x seq %u urp %d)", s.flags, s.seq - iss, s.urp);
	inject(40000, 80, r, iss + 7, ACK, 65535, NULL, 0, NULL, 0);
	drain();
	x_linger_abort(a);
	drain();

	/* ---- sockets only: loopback, both ends ours */
	{
		struct x_sin sin = x_sin("127.0.0.1", 81);
		struct pollarg pa;
		pthread_t t;
		int L = x_listen("127.0.0.1", 81, 5), c, u;

		c = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
		ok(rump_sys_sendto(c, "x", 1, X_MSG_OOB, NULL, 0) < 0 && errno == X_ENOTCONN,
		    "send(MSG_OOB) unconnected: ENOTCONN");
		ok(oob(L, 0) == -X_EINVAL, "recv(MSG_OOB) on a listener: EINVAL");
		ok(rump_sys_connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect");
		a = rump_sys_accept(L, NULL, NULL);
		ok(a >= 0, "accept");
		ok(rump_sys_write(c, "12345", 5) == 5 && rump_sys_sendto(c, "67", 2, X_MSG_OOB,
		    NULL, 0) == 2 && rump_sys_write(c, "89", 2) == 2, "'12345', urgent '67', '89'");
		ok(oob(a, 0) == '7', "the peer's recv(MSG_OOB): '7', the last urgent byte");
		n = rd(a, buf, sizeof(buf));
		ok(n == 6 && strcmp(buf, "123456") == 0, "'123456' up to the mark (%d '%s')", n, buf);
		ok(atmark(a) == 1, "at the mark");
		n = rd(a, buf, sizeof(buf));
		ok(n == 2 && strcmp(buf, "89") == 0, "then '89'");

		/* a thread asleep in poll(POLLPRI) wakes when another thread sends urgent data */
		pa.k = k;
		pa.fd = a;
		pa.rev = -1;
		pthread_create(&t, NULL, poller, &pa);
		x_sleep_ms(50);
		ok(rump_sys_sendto(c, "!", 1, X_MSG_OOB, NULL, 0) == 1, "urgent '!' from this thread");
		pthread_join(t, NULL);
		ok(pa.rev == X_POLLPRI, "the poller woke with POLLPRI (%d, poll %d)", pa.rev, pa.tries);
		ok(oob(a, 0) == '!', "and reads '!'");
		rump_sys_close(a);
		rump_sys_close(c);
		rump_sys_close(L);

		u = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		sin = x_sin("127.0.0.1", 9);
		e = rump_sys_sendto(u, "x", 1, X_MSG_OOB, (struct sockaddr *)&sin, sizeof(sin)) < 0 ?
		    errno : 0;
		ok(e == X_EOPNOTSUPP, "UDP send(MSG_OOB): EOPNOTSUPP (%d)", e);
		ok(oob(u, 0) == -X_EOPNOTSUPP, "UDP recv(MSG_OOB): EOPNOTSUPP");
		rump_sys_close(u);
	}

	bus_detach(&port);
	rump_sys_close(l);
	rumpus_kernel_destroy(k);
	return tap_done();
}
