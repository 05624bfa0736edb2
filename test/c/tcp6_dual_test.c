/*
 * tcp6_dual_test.c: dual-stack TCP under load.  Threads: B listens on [::]:80 without
 * IPV6_V6ONLY; two IPv4 and two IPv6 client threads in A connect to it at once, each
 * running connect / write / echo / close cycles, while two threads in B accept and echo,
 * each checking the peer's name (::ffff:10.61.0.1 for IPv4, 2001:db8:61::1 for IPv6); the
 * bus capture is clean in tshark (TCP checksums checked, IPv4 and IPv6).  Scale: 10,000
 * connections in one kernel (5,000 IPv4 and 5,000 IPv6 clients on one dual-stack
 * listener, 20,000 TCP pcbs in its hash), each pair carrying its own token; closed, the
 * kernel's memory comes back to where it was (the tables shrink again).
 */
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>

#include "tap.h"
#include "tcp_nb.h"
#include "inet6_nb.h"
#include "tshark.h"

#define NCYCLES	50
#ifndef NCONN
#if defined(__SANITIZE_THREAD__)
/* make tsan: the many-connections case runs on one thread, so its size adds no race for
 * TSan to see, only 40 s; 2,000 go through the same paths (make test and make asan: 10,000) */
#define NCONN	2000
#else
#define NCONN	10000
#endif
#endif

static struct rumpus_kernel *ka, *kb;
static int lsock;
static atomic_int cycles_ok, peers4, peers6, badpeer, served;

static int
is_mapped(const uint8_t a[16], const char *v4)
{
	static const uint8_t p[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t b[4];

	inet_pton(AF_INET, v4, b);
	return memcmp(a, p, 12) == 0 && memcmp(a + 12, b, 4) == 0;
}

static int
dual_listener(const char *addr, int port, int backlog)
{
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	struct x_sin6 sin6 = x_sin6(addr, port, 0);

	if (s < 0 || x_setint(s, X_IPPROTO_IPV6, X_IPV6_V6ONLY, 0) != 0 ||
	    rump_sys_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    rump_sys_listen(s, backlog) < 0)
		return -1;
	return s;
}

static void *
server(void *arg)
{
	uint8_t v6[16];
	char buf[16];

	(void)arg;
	inet_pton(AF_INET6, "2001:db8:61::1", v6);
	rumpus_kernel_switch(kb);
	for (;;) {
		struct x_sin6 peer;
		socklen_t pl = sizeof(peer);
		int s = rump_sys_accept(lsock, (struct sockaddr *)&peer, &pl);
		ssize_t n;

		if (s < 0)
			break;
		if (is_mapped(peer.addr, "10.61.0.1"))
			atomic_fetch_add(&peers4, 1);
		else if (memcmp(peer.addr, v6, 16) == 0)
			atomic_fetch_add(&peers6, 1);
		else
			atomic_fetch_add(&badpeer, 1);
		if ((n = rump_sys_read(s, buf, sizeof(buf))) > 0 && rump_sys_write(s, buf, (size_t)n) == n)
			atomic_fetch_add(&served, 1);
		rump_sys_close(s);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
client(void *arg)
{
	int v6 = (int)(intptr_t)arg & 1, id = (int)(intptr_t)arg, i;

	rumpus_kernel_switch(ka);
	for (i = 0; i < NCYCLES; i++) {
		char out[8], in[8];
		int c;

		snprintf(out, sizeof(out), "%u:%04u", (unsigned)id % 10u, (unsigned)i % 10000u);
		if (v6) {
			struct x_sin6 to = x_sin6("2001:db8:61::2", 80, 0);
			c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
			if (c >= 0 && rump_sys_connect(c, (struct sockaddr *)&to, sizeof(to)) < 0) {
				rump_sys_close(c);
				c = -1;
			}
		} else
			c = x_connect("10.61.0.2", 80);
		if (c < 0)
			continue;
		if (rump_sys_write(c, out, sizeof(out)) == (ssize_t)sizeof(out) &&
		    rump_sys_read(c, in, sizeof(in)) == (ssize_t)sizeof(in) &&
		    memcmp(in, out, sizeof(in)) == 0)
			atomic_fetch_add(&cycles_ok, 1);
		rump_sys_close(c);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
threads_and_pcap(void)
{
	char path[] = "/tmp/rumpus_tcp6dual_XXXXXX", cmd[512];
	static char out[32 << 20];
	pthread_t st[2], ct[4];
	size_t n = 0;
	int e, i, fd;

	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("dualbus", path) == 0, "capture of dualbus into %s", path);
	ka = x6_boot(), kb = x6_boot();
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "dualbus", "10.61.0.1", 24);
	e = e ? e : x6_addr("shmif0", "2001:db8:61::1", 64, X_IN6_IFF_NODAD);
	rumpus_kernel_switch(kb);
	e = e ? e : x_ifconfig("shmif0", "dualbus", "10.61.0.2", 24);
	e = e ? e : x6_addr("shmif0", "2001:db8:61::2", 64, X_IN6_IFF_NODAD);
	ok(e == 0, "A and B on dualbus, IPv4 and IPv6 (%d)", e);
	lsock = dual_listener("::", 80, 64);
	ok(lsock >= 0, "B listens on [::]:80 without IPV6_V6ONLY");
	for (i = 0; i < 2; i++)
		pthread_create(&st[i], NULL, server, NULL);
	for (i = 0; i < 4; i++)
		pthread_create(&ct[i], NULL, client, (void *)(intptr_t)i);
	for (i = 0; i < 4; i++)
		pthread_join(ct[i], NULL);
	ok(atomic_load(&cycles_ok) == 4 * NCYCLES, "%d of %d echo cycles from four client threads",
	    atomic_load(&cycles_ok), 4 * NCYCLES);
	rumpus_kernel_switch(kb);
	rump_sys_shutdown(lsock, X_SHUT_RDWR);
	rump_sys_close(lsock);
	for (i = 0; i < 2; i++)
		pthread_join(st[i], NULL);
	ok(atomic_load(&peers4) == 2 * NCYCLES && atomic_load(&peers6) == 2 * NCYCLES &&
	    atomic_load(&badpeer) == 0, "the listener saw %d IPv4 peers as ::ffff:10.61.0.1 and "
	    "%d IPv6 peers (%d others)", atomic_load(&peers4), atomic_load(&peers6),
	    atomic_load(&badpeer));
	ok(atomic_load(&served) == 4 * NCYCLES, "two accepting threads echoed %d",
	    atomic_load(&served));
	ok(rumpus_bus_pcap("dualbus", NULL) == 0, "capture stopped");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "A and B destroyed");

	if (!x_tshark_or_skip(path))
		return;
	snprintf(cmd, sizeof(cmd), "tshark -n -o tcp.check_checksum:TRUE -r %s -V 2>&1", path);
	e = x_tshark_read(cmd, out, sizeof(out), &n);
	ok(e == 0 && n > 0, "tshark -r -V reads it (status %d, %zu bytes of text)", e, n);
	ok(!has(out, "Malformed") && !has(out, "malformed"), "no malformed packets");
	ok(!has(out, "[Checksum Status: Bad]") && !has(out, "incorrect"), "no bad checksum");
	ok(has(out, "Internet Protocol Version 4, Src: 10.61.0.1") &&
	    has(out, "Internet Protocol Version 6, Src: 2001:db8:61::1"),
	    "TCP over IPv4 and over IPv6 on the wire (never a mapped address)");
	ok(!has(out, "::ffff:"), "no v4-mapped address in any packet");
	unlink(path);
}

static void
ten_thousand(void)
{
	static int cs[NCONN], ss[NCONN];
	struct rumpus_kernel *k = x6_boot();
	int l, i, good = 0, mapped = 0, names = 0, tokens = 0, e;
	size_t m0, mpeak;

	ok(k != NULL, "a kernel");
	rumpus_kernel_switch(k);
	e = x_maxfiles(2 * NCONN + 64);
	ok(e == 0, "kern.maxfiles and RLIMIT_NOFILE %d (%d)", 2 * NCONN + 64, e);
	{	/* the descriptor table grows to 20,000 first (it never shrinks): the memory
		 * compared below is the network's */
		int d0 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		for (i = 0; i < 2 * NCONN + 8; i++)
			ss[i % NCONN] = rump_sys_dup(d0);
		for (i = 0; i < 2 * NCONN + 8; i++)
			rump_sys_close(d0 + 1 + i);
		rump_sys_close(d0);
	}
	l = dual_listener("::", 90, 128);
	ok(l >= 0, "a dual-stack listener on [::]:90");
	{	/* one connection of each family first: what the first use of a family allocates
		 * for good (4 KB, whatever the number of connections after) is not counted */
		struct x_sin6 to = x_sin6("::1", 90, 0);
		int c4 = x_connect("127.0.0.1", 90), c6 = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
		int a4 = rump_sys_accept(l, NULL, NULL), a6;
		rump_sys_connect(c6, (struct sockaddr *)&to, sizeof(to));
		a6 = rump_sys_accept(l, NULL, NULL);
		rump_sys_close(a4), rump_sys_close(a6), rump_sys_close(c4), rump_sys_close(c6);
		x_sleep_ms(61000);
	}
	m0 = rumpus_kernel_memused(k);
	for (i = 0; i < NCONN; i++) {
		struct x_sin6 peer, me;
		socklen_t pl = sizeof(peer), ml = sizeof(me);
		struct x_sin me4;
		socklen_t m4 = sizeof(me4);

		cs[i] = ss[i] = -1;
		if (i % 2 == 0)
			cs[i] = x_connect("127.0.0.1", 90);
		else {
			struct x_sin6 to = x_sin6("::1", 90, 0);
			cs[i] = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
			if (rump_sys_connect(cs[i], (struct sockaddr *)&to, sizeof(to)) < 0)
				break;
		}
		if (cs[i] < 0)
			break;
		ss[i] = rump_sys_accept(l, (struct sockaddr *)&peer, &pl);
		if (ss[i] < 0)
			break;
		good++;
		if (i % 2 == 0) {
			if (rump_sys_getsockname(cs[i], (struct sockaddr *)&me4, &m4) == 0 &&
			    is_mapped(peer.addr, "127.0.0.1") && peer.port == me4.port)
				mapped++;
		} else if (rump_sys_getsockname(cs[i], (struct sockaddr *)&me, &ml) == 0 &&
		    memcmp(peer.addr, me.addr, 16) == 0 && peer.port == me.port)
			names++;
	}
	ok(good == NCONN, "%d connections (of %d) to one listener in one kernel", good, NCONN);
	ok(mapped == NCONN / 2 && names == NCONN / 2,
	    "accept named each peer: %d IPv4 as ::ffff:127.0.0.1, %d IPv6, ports right", mapped,
	    names);
	mpeak = rumpus_kernel_memused(k);
	diag("kernel memory with %d connections: %zu bytes more", good, mpeak - m0);
	/* every connection carries its own token, in an order unlike the one they opened in */
	for (i = 0; i < good; i++) {
		int j = (int)(((unsigned)i * 7919u) % (unsigned)good);
		uint32_t v = (uint32_t)j * 2654435761u;
		if (rump_sys_write(cs[j], &v, 4) != 4)
			break;
	}
	for (i = 0; i < good; i++) {
		uint32_t v = 0;
		if (rump_sys_read(ss[i], &v, 4) == 4 && v == (uint32_t)i * 2654435761u)
			tokens++;
	}
	ok(tokens == good, "each of %d server sockets read its own client's token", tokens);
	for (i = 0; i < good; i++) {	/* the servers close first: TIME_WAIT is theirs */
		rump_sys_close(ss[i]);
		rump_sys_close(cs[i]);
	}
	x_sleep_ms(61000);		/* 2 MSL on the virtual clock */
	ok(rumpus_kernel_memused(k) == m0, "all closed and TIME_WAIT over: memory as before (%zd)",
	    (ssize_t)(rumpus_kernel_memused(k) - m0));
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
}

int
main(void)
{
	struct rumpus_memstats m0, m1;

	rumpus_memstats(&m0);
	threads_and_pcap();
	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ten_thousand();
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no bytes left behind (%lld)",
	    (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
