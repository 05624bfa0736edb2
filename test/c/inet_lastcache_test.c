/*
 * inet_lastcache_test.c: the short cuts a datagram out takes (issue 16, all-to-one on a
 * 1,000-kernel bus) answer as the full lookups did after every change:
 *   - the address filters (in_ifaddr_of, in_broadcast): an address added, deleted, its
 *     mask changed, and more addresses than the filters have bits;
 *   - the last route (rt_lookup's ns_rtlast): a longer prefix added after a lookup, a
 *     route's gateway changed, routes deleted;
 *   - the last ARP entry (arp_find's is_arplast): the subnet's address deleted and
 *     added, the interface destroyed (its entries freed) and made again, then asked for
 *     again (under ASan a stale entry is a use after free);
 *   - two threads sending from one kernel to two peers at once, each its own
 *     destination, while the main thread changes the routes (and under TSan).
 * Kernels A (10.20.0.1), B (.2) and C (.3) on one bus; B and C both have 10.40.1.1 on
 * lo0, so where a datagram to it lands tells which route A took.
 */
#include <pthread.h>

#include "tap.h"
#include "inet_nb.h"

#define BUS	"lastcache"

static struct rumpus_kernel *ka, *kb, *kc;

/* a UDP socket of the current kernel bound to addr:port, non-blocking reads */
static int
udp_bound(const char *addr, int port)
{
	struct x_sin sin = x_sin(addr, port);
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);

	if (s >= 0 && rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		rump_sys_close(s);
		return -1;
	}
	return s;
}

/* bind(2) in the current kernel: 0 or errno */
static int
bind_err(const char *addr)
{
	struct x_sin sin = x_sin(addr, 0);
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	if (rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

/* sendto(2) of a 32-byte datagram: 0 or errno */
static int
send_err(int s, const char *addr, int port)
{
	struct x_sin sin = x_sin(addr, port);
	char msg[32];

	memset(msg, 'm', sizeof(msg));
	return rump_sys_sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&sin, sizeof(sin)) ==
	    sizeof(msg) ? 0 : errno;
}

/* datagrams waiting on socket s of kernel k (read and counted) */
static int
drain(struct rumpus_kernel *k, int s)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	char buf[256];
	int n = 0;

	while (rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) >= 0)
		n++;
	rumpus_kernel_switch(old);
	return n;
}

static int
addr_change(unsigned long cmd, const char *ifname, const char *addr, int plen)
{
	/* SIOCAIFADDR takes an in_aliasreq, SIOCDIFADDR an ifreq (longer): the address is
	 * at the same place in both */
	union { struct x_aliasreq a; struct x_ifreq r; } u;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	memset(&u, 0, sizeof(u));
	snprintf(u.a.name, sizeof(u.a.name), "%s", ifname);
	u.a.addr = x_sin(addr, 0);
	if (cmd == X_SIOCAIFADDR) {
		u.a.mask = x_sin("0.0.0.0", 0);
		u.a.mask.addr = x_mask(plen);
	}
	if (rump_sys_ioctl(s, cmd, &u) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

static void
filters(void)
{
	char a[32];
	int s, i, bad;

	rumpus_kernel_switch(ka);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(bind_err("10.20.0.77") == X_EADDRNOTAVAIL, "10.20.0.77 is not A's");
	ok(addr_change(X_SIOCAIFADDR, "shmif0", "10.20.0.77", 24) == 0, "A: alias 10.20.0.77/24");
	ok(bind_err("10.20.0.77") == 0, "A binds 10.20.0.77 now");
	ok(addr_change(X_SIOCDIFADDR, "shmif0", "10.20.0.77", 24) == 0, "A: alias deleted");
	ok(bind_err("10.20.0.77") == X_EADDRNOTAVAIL, "... and cannot bind it any more");
	ok(bind_err("10.20.0.1") == 0, "A still binds 10.20.0.1");

	/* the directed broadcast follows the mask */
	ok(send_err(s, "10.20.0.255", 9) == X_EACCES, "10.20.0.255 is a broadcast (/24): EACCES");
	ok(send_err(s, "10.20.0.0", 9) == X_EACCES, "so is 10.20.0.0 (the subnet)");
	ok(addr_change(X_SIOCDIFADDR, "shmif0", "10.20.0.1", 24) == 0 &&
	    addr_change(X_SIOCAIFADDR, "shmif0", "10.20.0.1", 16) == 0, "A: 10.20.0.1/16 now");
	ok(send_err(s, "10.20.255.255", 9) == X_EACCES, "10.20.255.255 is the broadcast (/16)");
	ok(send_err(s, "10.20.0.255", 9) == 0, "10.20.0.255 is a host now (sent)");
	ok(addr_change(X_SIOCDIFADDR, "shmif0", "10.20.0.1", 16) == 0 &&
	    addr_change(X_SIOCAIFADDR, "shmif0", "10.20.0.1", 24) == 0, "A: back to /24");
	ok(send_err(s, "10.20.0.255", 9) == X_EACCES, "10.20.0.255 a broadcast again");
	i = send_err(s, "10.20.255.255", 9);
	ok(i == X_EHOSTUNREACH, "10.20.255.255 not one: no route to it (%d)", i);

	/* more addresses than the filter has bits: every one still found, others not */
	for (i = 0, bad = 0; i < 150; i++) {
		snprintf(a, sizeof(a), "10.50.%d.%d", i / 100, 1 + i % 100);
		bad += addr_change(X_SIOCAIFADDR, "lo0", a, 32) != 0;
	}
	ok(bad == 0, "150 aliases on lo0");
	for (i = 0, bad = 0; i < 150; i++) {
		snprintf(a, sizeof(a), "10.50.%d.%d", i / 100, 1 + i % 100);
		bad += bind_err(a) != 0;
		snprintf(a, sizeof(a), "10.51.%d.%d", i / 100, 1 + i % 100);
		bad += bind_err(a) != X_EADDRNOTAVAIL;
	}
	ok(bad == 0, "each binds, none of 150 others (%d wrong)", bad);
	for (i = 0, bad = 0; i < 150; i++) {
		snprintf(a, sizeof(a), "10.50.%d.%d", i / 100, 1 + i % 100);
		bad += addr_change(X_SIOCDIFADDR, "lo0", a, 32) != 0;
		bad += bind_err(a) != X_EADDRNOTAVAIL;
	}
	ok(bad == 0, "deleted one by one, each unbindable at once (%d wrong)", bad);
	rump_sys_close(s);
}

static void
routes(int sb, int sc)
{
	int s, n;

	rumpus_kernel_switch(ka);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(x_route(X_RTM_ADD, "10.40.0.0", 16, "10.20.0.2", 2, NULL, 0) == 0, "A: 10.40/16 via B");
	ok(send_err(s, "10.40.1.1", 9) == 0 && send_err(s, "10.40.1.1", 9) == 0, "two to 10.40.1.1");
	n = drain(kb, sb);
	ok(n == 2 && drain(kc, sc) == 0, "both at B (%d)", n);
	ok(x_route(X_RTM_ADD, "10.40.1.1", 32, "10.20.0.3", 2 | X_RTF_HOST, NULL, 0) == 0,
	    "A: host route 10.40.1.1 via C");
	ok(send_err(s, "10.40.1.1", 9) == 0, "one more");
	ok(drain(kc, sc) == 1 && drain(kb, sb) == 0, "at C: the longer prefix");
	ok(x_route(X_RTM_CHANGE, "10.40.1.1", 32, "10.20.0.2", 2 | X_RTF_HOST, NULL, 0) == 0,
	    "A: the host route's gateway changed to B");
	ok(send_err(s, "10.40.1.1", 9) == 0, "one more");
	ok(drain(kb, sb) == 1 && drain(kc, sc) == 0, "at B: the changed route");
	ok(x_route(X_RTM_CHANGE, "10.40.1.1", 32, "10.20.0.3", 2 | X_RTF_HOST | X_RTF_REJECT,
	    NULL, 0) == 0, "A: now a reject route");
	n = send_err(s, "10.40.1.1", 9);
	ok(n == X_EHOSTUNREACH, "sendto: EHOSTUNREACH (%d)", n);
	ok(x_route(X_RTM_DELETE, "10.40.1.1", 32, NULL, 0, NULL, 0) == 0, "A: host route deleted");
	ok(send_err(s, "10.40.1.1", 9) == 0, "one more");
	ok(drain(kb, sb) == 1 && drain(kc, sc) == 0, "at B again, by 10.40/16");
	ok(x_route(X_RTM_DELETE, "10.40.0.0", 16, NULL, 0, NULL, 0) == 0, "A: 10.40/16 deleted");
	n = send_err(s, "10.40.1.1", 9);
	ok(n == X_EHOSTUNREACH || n == X_ENETUNREACH, "sendto: no route (%d)", n);
	ok(drain(kb, sb) == 0 && drain(kc, sc) == 0, "nothing arrived");
	rump_sys_close(s);
}

static void
arp_entries(void)
{
	struct x_ifreq ifr;
	int s, sb, n;

	rumpus_kernel_switch(kb);
	sb = udp_bound("10.20.0.2", 10);
	rumpus_kernel_switch(ka);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(send_err(s, "10.20.0.2", 10) == 0 && send_err(s, "10.20.0.2", 10) == 0, "A -> B twice");
	n = drain(kb, sb);
	ok(n == 2, "B got both (%d)", n);
	/* the subnet's address goes, and its ARP entries with it */
	ok(addr_change(X_SIOCDIFADDR, "shmif0", "10.20.0.1", 24) == 0, "A: 10.20.0.1 deleted");
	n = send_err(s, "10.20.0.2", 10);
	ok(n == X_EHOSTUNREACH || n == X_ENETUNREACH, "no route to B now (%d)", n);
	ok(addr_change(X_SIOCAIFADDR, "shmif0", "10.20.0.1", 24) == 0, "A: 10.20.0.1/24 again");
	ok(send_err(s, "10.20.0.2", 10) == 0, "A -> B (a new ARP entry)");
	n = drain(kb, sb);
	ok(n == 1, "B got it (%d)", n);
	/* the interface goes, and its ARP entries (freed) with it; a new one asks again */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "shmif0");
	ok(rump_sys_ioctl(s, X_SIOCIFDESTROY, &ifr) == 0, "A: shmif0 destroyed");
	n = send_err(s, "10.20.0.2", 10);
	ok(n == X_EHOSTUNREACH || n == X_ENETUNREACH, "no route to B (%d)", n);
	ok(x_ifconfig("shmif0", BUS, "10.20.0.1", 24) == 0, "A: a new shmif0, 10.20.0.1/24");
	ok(send_err(s, "10.20.0.2", 10) == 0 && send_err(s, "10.20.0.2", 10) == 0,
	    "A -> B twice (a new ARP entry)");
	n = drain(kb, sb);
	ok(n == 2, "B got both (%d)", n);
	rump_sys_close(s);
	rumpus_kernel_switch(kb);
	rump_sys_close(sb);
}

/* ---------------------------------------------------------------- threads */

#define TN	300

struct sender {
	const char *to;
	int sent;
	pthread_barrier_t *go;
};

static void *
sender(void *arg)
{
	struct sender *t = arg;
	int s, i;

	rumpus_kernel_switch(ka);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	pthread_barrier_wait(t->go);
	for (i = 0; i < TN; i++)
		t->sent += send_err(s, t->to, 11) == 0;
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
threads(void)
{
	struct sender tb = { "10.20.0.2", 0, NULL }, tc = { "10.20.0.3", 0, NULL };
	pthread_barrier_t go;
	pthread_t t1, t2;
	int sb, sc, nb = 0, nc = 0, i, rounds;

	rumpus_kernel_switch(kb);
	sb = udp_bound("10.20.0.2", 11);
	rumpus_kernel_switch(kc);
	sc = udp_bound("10.20.0.3", 11);
	rumpus_kernel_switch(NULL);
	pthread_barrier_init(&go, NULL, 3);
	tb.go = tc.go = &go;
	pthread_create(&t1, NULL, sender, &tb);
	pthread_create(&t2, NULL, sender, &tc);
	pthread_barrier_wait(&go);
	/* meanwhile: routes that do not cover them come and go in A (each bumps the
	 * generation the last route stands for), and B and C read */
	for (i = 0; i < 100; i++) {
		rumpus_kernel_switch(ka);
		x_route(X_RTM_ADD, "10.60.0.0", 16, "10.20.0.2", 2, NULL, 0);
		x_route(X_RTM_DELETE, "10.60.0.0", 16, NULL, 0, NULL, 0);
		rumpus_kernel_switch(NULL);
		nb += drain(kb, sb);
		nc += drain(kc, sc);
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	/* anything queued while a kernel was busy runs on its timer */
	for (rounds = 0; rounds < 200 && (nb < tb.sent || nc < tc.sent); rounds++) {
		struct timespec ts = { 0, 5000000 };

		nb += drain(kb, sb);
		nc += drain(kc, sc);
		if (nb < tb.sent || nc < tc.sent)
			nanosleep(&ts, NULL);
	}
	ok(tb.sent == TN && tc.sent == TN, "two threads sent %d and %d from A", tb.sent, tc.sent);
	/* each to its own peer: none crossed over (a socket buffer may drop some) */
	ok(nb > 0 && nc > 0 && nb <= tb.sent && nc <= tc.sent,
	    "B got %d, C got %d (of %d each)", nb, nc, TN);
	pthread_barrier_destroy(&go);
	rumpus_kernel_switch(kb);
	rump_sys_close(sb);
	rumpus_kernel_switch(kc);
	rump_sys_close(sc);
}

int
main(void)
{
	int sb, sc;

	ka = x_boot(), kb = x_boot(), kc = x_boot();
	ok(ka && kb && kc, "three kernels");
	rumpus_kernel_switch(ka);
	ok(x_ifconfig("shmif0", BUS, "10.20.0.1", 24) == 0, "A: 10.20.0.1/24");
	rumpus_kernel_switch(kb);
	ok(x_ifconfig("shmif0", BUS, "10.20.0.2", 24) == 0 &&
	    x_ifconfig("lo0", NULL, "10.40.1.1", 32) == 0, "B: 10.20.0.2/24, 10.40.1.1 on lo0");
	sb = udp_bound("10.40.1.1", 9);
	rumpus_kernel_switch(kc);
	ok(x_ifconfig("shmif0", BUS, "10.20.0.3", 24) == 0 &&
	    x_ifconfig("lo0", NULL, "10.40.1.1", 32) == 0, "C: 10.20.0.3/24, 10.40.1.1 on lo0");
	sc = udp_bound("10.40.1.1", 9);
	ok(sb >= 0 && sc >= 0, "B and C listen on 10.40.1.1:9");

	filters();
	routes(sb, sc);
	arp_entries();
	threads();

	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(ka);
	rumpus_kernel_destroy(kb);
	rumpus_kernel_destroy(kc);
	return tap_done();
}
