/*
 * tcp_fsm_test.c: the TCP state walk's rows that need C (test/rump/tcp_fsm_test.lua has the
 * table that runs on rumpus and NetBSD's kernels): transitions that wake a thread blocked
 * in a system call on the socket, and the closer's side of close() (a socket closed is
 * gone for the application; its connection lives on as an orphan, read here through the
 * tests' door tcp_pcbstate).  Each row is named "STATE --event--> STATE" and checks the
 * state before and after (getsockopt TCP_INFO's tcpi_state on a socket, tcp_pcbstate on
 * an orphan) and what the application sees.  Two kernels on a bus, virtual clock.
 */
#include <pthread.h>

#include "tap.h"
#include "tcp_nb.h"

enum { X_TCP_INFO = 9 };

static struct rumpus_kernel *ka, *kb;
static int port = 30000;

/* tcpi_state of socket s of the current kernel; -errno when getsockopt fails */
static int
info_state(int s)
{
	uint8_t ti[236];
	socklen_t len = sizeof(ti);

	memset(ti, 0xff, sizeof(ti));
	if (rump_sys_getsockopt(s, X_IPPROTO_TCP, X_TCP_INFO, ti, &len) < 0)
		return -errno;
	return len == sizeof(ti) ? ti[0] : -1000;
}

/* a connection from A (*c, current kernel A) to B (*s, accepted there, with *l) */
static int
pair(int *c, int *s, int *l)
{
	int p = ++port;

	rumpus_kernel_switch(kb);
	*l = x_listen("10.71.0.2", p, 4);
	rumpus_kernel_switch(ka);
	*c = x_connect("10.71.0.2", p);
	rumpus_kernel_switch(kb);
	*s = rump_sys_accept(*l, NULL, NULL);
	rumpus_kernel_switch(ka);
	return *l >= 0 && *c >= 0 && *s >= 0 ? 0 : -1;
}

struct blocked {
	struct rumpus_kernel *k;
	int fd, op;		/* 0: recv, 1: poll for POLLIN */
	ssize_t ret;
	int err, revents;
};

static void *
blocker(void *arg)
{
	struct blocked *b = arg;
	char buf[16];

	rumpus_kernel_switch(b->k);
	if (b->op == 0) {
		b->ret = rump_sys_recvfrom(b->fd, buf, sizeof(buf), 0, NULL, NULL);
		b->err = b->ret < 0 ? errno : 0;
	} else {
		b->revents = x_poll1(b->fd, X_POLLIN, -1);
		b->ret = b->revents;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
linger0_close(int s)
{
	struct x_linger lg = { 1, 0 };

	rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_LINGER, &lg, sizeof(lg));
	return rump_sys_close(s);
}

/* Threaded: thread T blocks on A's socket (op), the peer's event ends it. */
static void
row_threaded(const char *name, int op, int rst, int from, int to, ssize_t want_ret, int want_err)
{
	struct blocked b = { ka, -1, op, 0, 0, 0 };
	pthread_t t;
	int c, s, l, f, st;

	ok(pair(&c, &s, &l) == 0, "%s: connected", name);
	f = info_state(c);
	b.fd = c;
	pthread_create(&t, NULL, blocker, &b);
	x_sleep_ms(100);	/* T is asleep in the call (virtual time moves only when it is) */
	rumpus_kernel_switch(kb);
	if (rst)
		linger0_close(s);
	else
		rump_sys_shutdown(s, X_SHUT_WR);
	rumpus_kernel_switch(NULL);
	pthread_join(t, NULL);
	rumpus_kernel_switch(ka);
	st = info_state(c);
	ok(f == from && st == to, "%s: state %d -> %d", name, f, st);
	if (op == 0)
		ok(b.ret == want_ret && b.err == want_err, "%s: the blocked recv returns %zd, errno %d",
		    name, b.ret, b.err);
	else
		ok(b.revents == want_ret, "%s: the blocked poll wakes with revents %#x", name, b.revents);
	rump_sys_close(c);
	rumpus_kernel_switch(kb);
	if (!rst)
		rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(ka);
}

/* The closer's side: close() in from (reached by prep), the orphan's state after. */
static void
row_close(const char *name, int linger0, int prep, int from, int to, long wait_ms)
{
	int c, s, l, f, st, e;
	struct x_tuple t;

	ok(pair(&c, &s, &l) == 0, "%s: connected", name);
	t = x_tuple(c);
	if (prep == 1) {	/* FIN_WAIT_2: A shut its side, B acknowledged */
		rump_sys_shutdown(c, X_SHUT_WR);
	} else if (prep == 2) {	/* CLOSE_WAIT: B shut its side */
		rumpus_kernel_switch(kb);
		rump_sys_shutdown(s, X_SHUT_WR);
		rumpus_kernel_switch(ka);
	}
	x_sleep_ms(10);
	f = info_state(c);
	e = linger0 ? linger0_close(c) : rump_sys_close(c);
	if (wait_ms > 0)
		x_sleep_ms(wait_ms);
	st = x_state(ka, t);
	ok(e == 0 && f == from && st == to, "%s: state %d -> %d (orphan; -1: gone)", name, f, st);
	rumpus_kernel_switch(kb);
	rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(ka);
}

/* The closer's side where the source state is not a plain connected pair. */
static void
row_close_more(void)
{
	int c, s, l, f, st, st2, e;
	struct x_tuple t;

	/* SYN_SENT: a connect to an address nobody answers on the bus (ARP unresolved) */
	c = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	x_nonblock(c, 1);
	{
		struct x_sin sin = x_sin("10.71.0.99", 9);

		e = rump_sys_connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? errno : 0;
	}
	t = x_tuple(c);
	f = info_state(c);
	st = linger0_close(c);
	ok(e == X_EINPROGRESS && f == X_TCPS_SYN_SENT && st == 0 && x_state(ka, t) == -1,
	    "SYN_SENT --close() linger 0--> CLOSED: connect %d, state %d -> %d", e, f, x_state(ka, t));

	/* TIME_WAIT: A closed first; close() leaves the orphan to its 2MSL (A's MSL is
	 * 1 s), a linger-0 close() drops it at once */
	for (int linger = 0; linger <= 1; linger++) {
		ok(pair(&c, &s, &l) == 0, "TIME_WAIT rows: connected");
		t = x_tuple(c);
		rump_sys_shutdown(c, X_SHUT_WR);
		rumpus_kernel_switch(kb);
		rump_sys_shutdown(s, X_SHUT_WR);
		rumpus_kernel_switch(ka);
		x_sleep_ms(10);
		f = info_state(c);
		e = linger ? linger0_close(c) : rump_sys_close(c);
		st = x_state(ka, t);
		x_sleep_ms(2100);
		st2 = x_state(ka, t);
		if (linger)
			ok(e == 0 && f == X_TCPS_TIME_WAIT && st == -1,
			    "TIME_WAIT --close() linger 0--> CLOSED: state %d -> %d", f, st);
		else
			ok(e == 0 && f == X_TCPS_TIME_WAIT && st == X_TCPS_TIME_WAIT && st2 == -1,
			    "TIME_WAIT --close()--> TIME_WAIT --2MSL--> CLOSED: state %d -> %d -> %d",
			    f, st, st2);
		rumpus_kernel_switch(kb);
		rump_sys_close(s);
		rump_sys_close(l);
		rumpus_kernel_switch(ka);
	}
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_config cfg = { 2, NULL, 0, 0 };
	int err = 0, e, msl = 1;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ka = rumpus_kernel_create(comps, &cfg, &err);
	kb = rumpus_kernel_create(comps, &cfg, &err);
	ok(ka && kb, "two kernels with 2 virtual CPUs each");
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "tcpfsmbus", "10.71.0.1", 24);
	e |= x_sysctl_tcp(X_TCPCTL_MSL, NULL, &msl);
	rumpus_kernel_switch(kb);
	e |= x_ifconfig("shmif0", "tcpfsmbus", "10.71.0.2", 24);
	rumpus_kernel_switch(ka);
	ok(e == 0, "A 10.71.0.1, B 10.71.0.2 on one bus; A's MSL 1 s");

	row_threaded("ESTABLISHED --RST--> CLOSED, a thread blocked in recv", 0, 1,
	    X_TCPS_ESTABLISHED, -X_ECONNRESET, -1, X_ECONNRESET);
	row_threaded("ESTABLISHED --FIN--> CLOSE_WAIT, a thread blocked in recv", 0, 0,
	    X_TCPS_ESTABLISHED, X_TCPS_CLOSE_WAIT, 0, 0);
	row_threaded("ESTABLISHED --RST--> CLOSED, a thread blocked in poll", 1, 1,
	    X_TCPS_ESTABLISHED, -X_ECONNRESET, X_POLLIN, 0);
	row_threaded("ESTABLISHED --FIN--> CLOSE_WAIT, a thread blocked in poll", 1, 0,
	    X_TCPS_ESTABLISHED, X_TCPS_CLOSE_WAIT, X_POLLIN, 0);

	row_close("ESTABLISHED --close(), ACK of the FIN--> FIN_WAIT_2", 0, 0,
	    X_TCPS_ESTABLISHED, X_TCPS_FIN_WAIT_2, 10);
	row_close("ESTABLISHED --close() linger 0--> CLOSED", 1, 0, X_TCPS_ESTABLISHED, -1, 0);
	row_close("FIN_WAIT_2 --close() linger 0--> CLOSED", 1, 1, X_TCPS_FIN_WAIT_2, -1, 0);
	row_close("CLOSE_WAIT --close() linger 0--> CLOSED", 1, 2, X_TCPS_CLOSE_WAIT, -1, 0);
	row_close("CLOSE_WAIT --close()--> LAST_ACK --ACK--> CLOSED", 0, 2, X_TCPS_CLOSE_WAIT, -1, 10);
	/* an orphan in FIN_WAIT_2 whose peer never closes gives up (NetBSD: tcp_maxidle
	 * after the close, 2MSL-timer driven) */
	row_close("FIN_WAIT_2 --close(), then the orphan's idle timeout--> CLOSED", 0, 1,
	    X_TCPS_FIN_WAIT_2, -1, 20 * 60 * 1000);
	row_close_more();

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "destroyed");
	return tap_done();
}
