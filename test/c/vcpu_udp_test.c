/*
 * vcpu_udp_test.c: UDP over lo0 on kernels with several vCPUs (docs/locking.md, "UDP"):
 * sends to a local address run with the net lock shared and the receiving socket's
 * stripe, receives with the net lock shared, and everything else falls back to the
 * exclusive path.  Processes with a pair of UDP sockets each (sendto and connected send);
 * four senders into one socket read by three threads, with flow control so that no
 * datagram may be dropped, while another thread opens and closes raw UDP sockets (which
 * turn the shared path off), binds, connects and closes sockets and sends to a closed
 * port; errors that must survive the shared path (ECONNREFUSED after a port unreachable,
 * EISCONN, EFAULT with nothing delivered, a full buffer); lo0's counters equal on one and
 * two vCPUs (the reader slots' counts folded in).  Every datagram is checked exactly once,
 * in order per sender, from the right port; results only, never timing.  Runs under
 * `make tsan`.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "inet_nb.h"
#include "tap.h"
#include "workers.h"

#define NB_IPPROTO_UDP	17
#define NB_ECONNREFUSED	61
#define NB_EISCONN	56
#define NB_EFAULT	14

struct x_tv { int64_t sec; int32_t usec, pad; };

static struct rumpus_kernel *K;

static struct rumpus_kernel *
boot(unsigned ncpu)
{
	static const char *comps[] = { "net.netinet", NULL };
	struct rumpus_config cfg = { 0 };
	int err;

	cfg.ncpu = ncpu;
	return rumpus_kernel_create(comps, &cfg, &err);
}

/* A UDP socket bound to 127.0.0.1:port (0: the kernel picks); *sin gets its address. */
static int
udp_on(int port, struct x_sin *sin, int timeo)
{
	struct x_tv tv = { timeo, 0, 0 };
	socklen_t len = sizeof(*sin);
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);

	*sin = x_sin("127.0.0.1", port);
	if (s < 0 || rump_sys_bind(s, (struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    rump_sys_getsockname(s, (struct sockaddr *)sin, &len) != 0 ||
	    (timeo > 0 && rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_RCVTIMEO, &tv,
	    sizeof(tv)) != 0)) {
		if (s >= 0)
			rump_sys_close(s);
		return -1;
	}
	return s;
}

/* ---------------------------------------------------------------- a pair per process */

#define PAIR_ROUNDS	300
#define BURST		16

static void *
pair_worker(void *arg)
{
	struct worker *w = arg;
	struct x_sin a, b, from;
	char buf[64];
	int sa = -1, sb = -1, seq = 0;

	rumpus_kernel_switch(K);
	if (rump_pub_lwproc_rfork(1 /* RUMP_RFFDG */) != 0) {
		fail(w, "rfork", 0);
		goto out;
	}
	if ((sa = udp_on(0, &a, 5)) < 0 || (sb = udp_on(0, &b, 5)) < 0) {
		fail(w, "sockets", 0);
		goto rel;
	}
	/* odd processes send connected (no address), even ones with sendto */
	if ((w->id & 1) && rump_sys_connect(sa, (struct sockaddr *)&b, sizeof(b)) != 0)
		fail(w, "connect", 0);
	for (int r = 0; r < PAIR_ROUNDS && !w->failures; r++) {
		for (int i = 0; i < BURST; i++) {
			int n = snprintf(buf, sizeof(buf), "%d/%d", w->id, seq + i);
			ssize_t sent = (w->id & 1) ? rump_sys_sendto(sa, buf, (size_t)n, 0, NULL, 0) :
			    rump_sys_sendto(sa, buf, (size_t)n, 0, (struct sockaddr *)&b, sizeof(b));

			if (sent != n)
				fail(w, "send", (long)sent);
		}
		for (int i = 0; i < BURST; i++) {
			socklen_t fl = sizeof(from);
			ssize_t got;
			int id = -1, n = -1;

			memset(buf, 0, sizeof(buf));
			got = rump_sys_recvfrom(sb, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from,
			    &fl);
			if (got <= 0) {
				fail(w, "receive (a datagram lost?)", (long)got);
				break;
			}
			if (sscanf(buf, "%d/%d", &id, &n) != 2 || id != w->id || n != seq + i)
				fail(w, "not the next datagram of this process", n);
			if (fl != sizeof(from) || from.port != a.port || from.addr != a.addr)
				fail(w, "not from the sending socket", from.port);
			w->count++;
		}
		seq += BURST;
	}
	if (rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != -1 ||
	    errno != X_EAGAIN)
		fail(w, "a datagram more than was sent", 0);
rel:
	if (sa >= 0)
		rump_sys_close(sa);
	if (sb >= 0)
		rump_sys_close(sb);
	rump_pub_lwproc_releaselwp();
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_pairs(unsigned ncpu)
{
	struct worker w[4];
	long total = 0;

	memset(w, 0, sizeof(w));
	K = boot(ncpu);
	if (!ok(K != NULL, "pairs, %u vCPUs: kernel", ncpu))
		return;
	for (int i = 0; i < 4; i++) {
		w[i].id = i;
		pthread_create(&w[i].t, NULL, pair_worker, &w[i]);
	}
	ok(join_all(w, 4, "pairs"), "%u vCPUs: 4 processes, a pair of UDP sockets each "
	    "(sendto and connected): every datagram once, in order, from its socket", ncpu);
	for (int i = 0; i < 4; i++)
		total += w[i].count;
	ok(total == 4L * PAIR_ROUNDS * BURST, "%u vCPUs: %ld datagrams received", ncpu, total);
	ok(rumpus_kernel_destroy(K) == 0, "pairs, %u vCPUs: destroy", ncpu);
}

/* ---------------------------------------------------------------- many to one */

#define NSEND	4
#define NRECV	3
#define MSGS	1500
#define WINDOW	8	/* per sender: 4 x 8 datagrams never fill the receive buffer */

static int rsock;
static struct x_sin raddr, saddr[NSEND];
static atomic_int received[NSEND], churn_stop;
static atomic_uchar seen[NSEND][MSGS];

static void *
send_worker(void *arg)
{
	struct worker *w = arg;
	char buf[32];
	int s;

	rumpus_kernel_switch(K);
	if ((s = udp_on(0, &saddr[w->id], 0)) < 0) {
		fail(w, "socket", 0);
		goto out;
	}
	for (int i = 0; i < MSGS && !w->failures; i++) {
		int n = snprintf(buf, sizeof(buf), "%d/%d", w->id, i);

		while (i - atomic_load(&received[w->id]) >= WINDOW)
			sched_yield();
		if (rump_sys_sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&raddr,
		    sizeof(raddr)) != n)
			fail(w, "send", i);
	}
	/* every datagram read before the socket goes (its port is in the datagrams) */
	while (atomic_load(&received[w->id]) < MSGS && !w->failures)
		sched_yield();
	rump_sys_close(s);
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
recv_worker(void *arg)
{
	struct worker *w = arg;
	struct x_sin from;
	char buf[32];
	int id, n;

	rumpus_kernel_switch(K);
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t r;

		memset(buf, 0, sizeof(buf));
		if ((r = rump_sys_recvfrom(rsock, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from,
		    &fl)) <= 0) {
			fail(w, "receive (a datagram lost: 5 s without one)", (long)r);
			break;
		}
		if (strcmp(buf, "end") == 0)
			break;
		if (sscanf(buf, "%d/%d", &id, &n) != 2 || id < 0 || id >= NSEND || n < 0 ||
		    n >= MSGS || atomic_fetch_add(&seen[id][n], 1) != 0) {
			fail(w, "a datagram twice or garbled", (long)r);
			continue;
		}
		if (from.port != saddr[id].port || from.addr != saddr[id].addr)
			fail(w, "not from its sender's socket", n);
		atomic_fetch_add(&received[id], 1);
		w->count++;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

/* Turns the shared path off and on while the others send: raw sockets that see UDP,
 * sockets bound, connected and closed, a send to a closed port (ICMP on lo0). */
static void *
churn_worker(void *arg)
{
	struct worker *w = arg;
	struct x_sin a, closed = x_sin("127.0.0.1", 9);

	rumpus_kernel_switch(K);
	while (!atomic_load(&churn_stop)) {
		int r = rump_sys_socket(X_AF_INET, X_SOCK_RAW, NB_IPPROTO_UDP);
		int s = udp_on(0, &a, 0);

		if (r < 0 || s < 0)
			fail(w, "sockets", r);
		if (s >= 0) {
			if (rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&closed,
			    sizeof(closed)) != 1)
				fail(w, "send to a closed port", 0);
			if (rump_sys_connect(s, (struct sockaddr *)&raddr, sizeof(raddr)) != 0)
				fail(w, "connect", 0);
			rump_sys_close(s);
		}
		if (r >= 0)
			rump_sys_close(r);
		w->count++;
		usleep(100);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_many_to_one(unsigned ncpu)
{
	struct worker s[NSEND], r[NRECV], c;
	int missing = 0, joined;
	long total = 0;

	memset(s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < NSEND; i++)
		atomic_store(&received[i], 0);
	atomic_store(&churn_stop, 0);
	K = boot(ncpu);
	if (!ok(K != NULL, "many to one, %u vCPUs: kernel", ncpu))
		return;
	rumpus_kernel_switch(K);
	rsock = udp_on(0, &raddr, 5);
	rumpus_kernel_switch(NULL);
	if (!ok(rsock >= 0, "the receiving socket"))
		return;
	for (int i = 0; i < NRECV; i++) {
		r[i].id = i;
		pthread_create(&r[i].t, NULL, recv_worker, &r[i]);
	}
	pthread_create(&c.t, NULL, churn_worker, &c);
	for (int i = 0; i < NSEND; i++) {
		s[i].id = i;
		pthread_create(&s[i].t, NULL, send_worker, &s[i]);
	}
	ok(join_all(s, NSEND, "senders"), "%u vCPUs: 4 threads send 1,500 datagrams each to "
	    "one socket", ncpu);
	atomic_store(&churn_stop, 1);
	joined = join_all(&c, 1, "churn");
	ok(joined && c.count > 0, "meanwhile another thread opened raw UDP "
	    "sockets, bound, connected and closed sockets, sent to a closed port (%ld times)",
	    c.count);
	rumpus_kernel_switch(K);
	{
		struct x_sin e;
		int es = udp_on(0, &e, 0);

		for (int i = 0; i < NRECV; i++)
			if (rump_sys_sendto(es, "end", 3, 0, (struct sockaddr *)&raddr,
			    sizeof(raddr)) != 3)
				diag("end: errno %d", errno);
		rump_sys_close(es);
	}
	rumpus_kernel_switch(NULL);
	ok(join_all(r, NRECV, "receivers"), "%u vCPUs: 3 threads receive from it", ncpu);
	for (int i = 0; i < NRECV; i++)
		total += r[i].count;
	for (int i = 0; i < NSEND; i++)
		for (int j = 0; j < MSGS; j++)
			missing += atomic_load(&seen[i][j]) != 1;
	ok(total == NSEND * MSGS && missing == 0, "%u vCPUs: every datagram received exactly "
	    "once, from its sender (%ld received, %d missing)", ncpu, total, missing);
	rumpus_kernel_switch(K);
	rump_sys_close(rsock);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "many to one, %u vCPUs: destroy", ncpu);
}

/* ---------------------------------------------------------------- errors */

static void
test_errors(unsigned ncpu)
{
	struct x_sin a, b, closed, from;
	socklen_t fl = sizeof(from);
	char buf[64];
	int sa, sb, sc, sp, su, n, e, last = -1, inorder = 1;
	ssize_t r;

	K = boot(ncpu);
	if (!ok(K != NULL, "errors, %u vCPUs: kernel", ncpu))
		return;
	rumpus_kernel_switch(K);
	sa = udp_on(0, &a, 0);
	sb = udp_on(0, &b, 0);
	sc = udp_on(0, &from, 0);
	ok(sa >= 0 && sb >= 0 && sc >= 0, "%u vCPUs: sockets", ncpu);

	/* a port unreachable on lo0 is reported on the connected socket's next send, even
	 * when a socket has been bound to that port since (the shared path would deliver) */
	sp = udp_on(0, &closed, 0);
	rump_sys_close(sp);
	ok(rump_sys_connect(sc, (struct sockaddr *)&closed, sizeof(closed)) == 0 &&
	    rump_sys_sendto(sc, "x", 1, 0, NULL, 0) == 1, "%u vCPUs: send to a closed port",
	    ncpu);
	sp = udp_on(__builtin_bswap16(closed.port), &closed, 0);
	r = rump_sys_sendto(sc, "x", 1, 0, NULL, 0);
	e = errno;
	ok(sp >= 0 && r == -1 && e == NB_ECONNREFUSED, "%u vCPUs: the next send: ECONNREFUSED "
	    "though the port has a socket now (%zd, errno %d)", ncpu, r, e);
	ok(rump_sys_sendto(sc, "z", 1, 0, NULL, 0) == 1 &&
	    rump_sys_recvfrom(sp, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 1 &&
	    buf[0] == 'z', "%u vCPUs: the send after it arrives", ncpu);
	rump_sys_close(sp);

	/* a raw socket of UDP sees every datagram (the exclusive path, rip_input) */
	sp = rump_sys_socket(X_AF_INET, X_SOCK_RAW, NB_IPPROTO_UDP);
	ok(sp >= 0 && rump_sys_sendto(sa, "raw", 3, 0, (struct sockaddr *)&b, sizeof(b)) == 3 &&
	    rump_sys_recvfrom(sp, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 20 + 8 + 3 &&
	    rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 3,
	    "%u vCPUs: a raw UDP socket gets a copy of a datagram between two UDP sockets", ncpu);
	rump_sys_close(sp);
	ok(rump_sys_sendto(sa, "raw", 3, 0, (struct sockaddr *)&b, sizeof(b)) == 3 &&
	    rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 3,
	    "%u vCPUs: ... and when it is closed, datagrams still arrive", ncpu);
	ok(rump_sys_connect(sc, (struct sockaddr *)&b, sizeof(b)) == 0 &&
	    rump_sys_sendto(sc, "y", 1, 0, (struct sockaddr *)&b, sizeof(b)) == -1 &&
	    errno == NB_EISCONN, "%u vCPUs: sendto on a connected socket: EISCONN", ncpu);
	ok(rump_sys_sendto(sa, (void *)16, 8, 0, (struct sockaddr *)&b, sizeof(b)) == -1 &&
	    errno == NB_EFAULT, "%u vCPUs: a send from a bad address: EFAULT", ncpu);
	ok(rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == -1 &&
	    errno == X_EAGAIN, "%u vCPUs: ... and nothing arrived", ncpu);

	/* an unbound socket: bound by its first send, then the same port */
	su = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(rump_sys_sendto(su, "1", 1, 0, (struct sockaddr *)&b, sizeof(b)) == 1 &&
	    rump_sys_sendto(su, "2", 1, 0, (struct sockaddr *)&b, sizeof(b)) == 1,
	    "%u vCPUs: two sends from an unbound socket", ncpu);
	{
		struct x_sin f1, f2;
		socklen_t l1 = sizeof(f1), l2 = sizeof(f2);
		char c1 = 0, c2 = 0;

		ok(rump_sys_recvfrom(sb, &c1, 1, X_MSG_DONTWAIT, (struct sockaddr *)&f1, &l1) == 1 &&
		    rump_sys_recvfrom(sb, &c2, 1, X_MSG_DONTWAIT, (struct sockaddr *)&f2, &l2) == 1 &&
		    c1 == '1' && c2 == '2' && f1.port == f2.port && f1.port != 0 &&
		    f1.addr == x_ip("127.0.0.1"), "%u vCPUs: both arrive from one port", ncpu);
	}
	rump_sys_close(su);

	/* a full buffer drops datagrams; what is kept is the first ones, in order */
	for (int i = 0; i < 2000; i++) {
		n = snprintf(buf, sizeof(buf), "%d", i);
		if (rump_sys_sendto(sa, buf, (size_t)n, 0, (struct sockaddr *)&b, sizeof(b)) != n)
			inorder = 0;
	}
	ok(inorder, "%u vCPUs: 2,000 sends into a socket nobody reads all succeed", ncpu);
	n = 0;
	while ((r = rump_sys_recvfrom(sb, buf, sizeof(buf) - 1, X_MSG_DONTWAIT,
	    (struct sockaddr *)&from, &fl)) > 0) {
		buf[r] = 0;
		if (atoi(buf) != last + 1)
			inorder = 0;
		last = atoi(buf);
		n++;
	}
	ok(inorder && n > 0 && n < 2000 && errno == X_EAGAIN, "%u vCPUs: the receiver holds the "
	    "first %d, in order, the rest were dropped", ncpu, n);
	rump_sys_close(sa);
	rump_sys_close(sb);
	rump_sys_close(sc);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "errors, %u vCPUs: destroy", ncpu);
}

/* ---------------------------------------------------------------- counters */

#define CNT_MSGS	1000

static void *
count_worker(void *arg)
{
	struct worker *w = arg;
	struct x_sin a, b;
	char buf[64];
	int sa, sb;

	memset(buf, 'c', sizeof(buf));
	rumpus_kernel_switch(K);
	if ((sa = udp_on(0, &a, 5)) < 0 || (sb = udp_on(0, &b, 5)) < 0) {
		fail(w, "sockets", 0);
		goto out;
	}
	for (int i = 0; i < CNT_MSGS; i++)
		if (rump_sys_sendto(sa, buf, 64, 0, (struct sockaddr *)&b, sizeof(b)) != 64 ||
		    rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL) != 64)
			fail(w, "send and receive", i);
	rump_sys_close(sa);
	rump_sys_close(sb);
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
lo0_data(struct x_if_data *d)
{
	struct x_ifdatareq req;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e;

	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "lo0");
	e = rump_sys_ioctl(s, X_SIOCGIFDATA, &req);
	rump_sys_close(s);
	*d = req.d;
	return e;
}

/* lo0's counters after 2 threads x CNT_MSGS datagrams (deltas: packets, bytes). */
static void
counters(unsigned ncpu, uint64_t out[4])
{
	struct worker w[2];
	struct x_if_data d0, d1;

	memset(w, 0, sizeof(w));
	memset(out, 0xff, 4 * sizeof(uint64_t));
	if ((K = boot(ncpu)) == NULL)
		return;
	rumpus_kernel_switch(K);
	lo0_data(&d0);
	rumpus_kernel_switch(NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i].t, NULL, count_worker, &w[i]);
	ok(join_all(w, 2, "counters"), "%u vCPUs: 2 threads, %d datagrams each", ncpu, CNT_MSGS);
	rumpus_kernel_switch(K);
	if (lo0_data(&d1) == 0) {
		out[0] = d1.opackets - d0.opackets;
		out[1] = d1.ipackets - d0.ipackets;
		out[2] = d1.obytes - d0.obytes;
		out[3] = d1.ibytes - d0.ibytes;
	}
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(K);
}

static void
test_counters(void)
{
	uint64_t one[4], two[4], want[4] = { 2 * CNT_MSGS, 2 * CNT_MSGS, 2 * CNT_MSGS * 92,
	    2 * CNT_MSGS * 92 };

	counters(1, one);
	counters(2, two);
	ok(memcmp(one, want, sizeof(want)) == 0, "1 vCPU: lo0 counted %llu/%llu packets, "
	    "%llu/%llu bytes out/in", (unsigned long long)one[0], (unsigned long long)one[1],
	    (unsigned long long)one[2], (unsigned long long)one[3]);
	ok(memcmp(two, want, sizeof(want)) == 0, "2 vCPUs: the same (%llu/%llu packets, "
	    "%llu/%llu bytes)", (unsigned long long)two[0], (unsigned long long)two[1],
	    (unsigned long long)two[2], (unsigned long long)two[3]);
}

int
main(void)
{
	struct rumpus_memstats ms;

	test_pairs(2);
	test_pairs(1);
	test_pairs(3);
	test_many_to_one(2);
	test_many_to_one(1);
	test_errors(2);
	test_errors(1);
	test_counters();
	rumpus_memstats(&ms);
	ok(ms.leaked == 0, "no kernel leaked a byte (%llu)", (unsigned long long)ms.leaked);
	return tap_done();
}
