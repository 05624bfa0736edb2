/*
 * bus_order_test.c: the one order of bus locks (csrc/net/bus.c, "Lock order").  A receiver
 * that sends onto another bus from inside its input (a router) waits for that bus only
 * when it is above the bus it holds; onto a lower bus that a writer holds, the frame goes
 * later, once the thread holds no bus lock, still inside the send that caused it, and
 * arrives exactly once.  Then two kernels forward through two routers between two buses
 * in opposite directions at once (A -> R1 -> B and B -> R2 -> A: the buses nest in both
 * orders) while writer threads attach, detach and change ports on both buses: nothing
 * deadlocks (and make tsan sees no lock-order inversion), datagrams arrive both ways, and
 * the network works afterwards.
 *
 * A frame for later keeps its place and its sender (test_later): a router's input sends
 * onto the lower bus while a writer holds it (the frame goes later), the writer lets go,
 * and then, still inside that input, the router sends a second frame there (it goes
 * behind the first, not at once before it: an Ethernet link is FIFO), or its port takes a
 * new MAC address (the frame still goes as that port's: the port does not get its own
 * broadcast back), or its port leaves the bus (the frame is dropped with it).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "inet_nb.h"
#include "net/bus.h"

/* ---------------------------------------------------------------- ports without kernels */

struct tport {
	struct bus_port port;
	atomic_int rx;
	atomic_int rx_after;		/* frames that came after the forwarder's send returned */
	struct bus_port *fwd;		/* sends what it gets on this port (a router) */
	atomic_int *done;		/* set once that send returned */
};

static void
tport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct tport *tp = bp->bp_arg;

	atomic_fetch_add(&tp->rx, 1);
	if (tp->done != NULL && tp->fwd == NULL && atomic_load(tp->done))
		atomic_fetch_add(&tp->rx_after, 1);
	if (tp->fwd != NULL) {
		bus_xmit(tp->fwd, frame, len);
		atomic_store(tp->done, 1);
	}
}

static void
tmac(uint8_t *mac, int id)
{
	mac[0] = 0xb2, mac[1] = 0xa0, mac[2] = 0x7f;
	mac[3] = (uint8_t)(id >> 16), mac[4] = (uint8_t)(id >> 8), mac[5] = (uint8_t)id;
}

static int
tport_attach(struct tport *tp, const char *bus, int id)
{
	uint8_t mac[6];

	memset(tp, 0, sizeof(*tp));
	tp->port.bp_rx = tport_rx;
	tp->port.bp_arg = tp;
	tmac(mac, id);
	bus_port_set(&tp->port, mac, 0);
	return bus_attach(bus, &tp->port);
}

struct holder {
	struct bus *b;
	atomic_int *done;		/* NULL: hold a while; else until it is set */
	pthread_barrier_t held;
};

static void *
hold(void *arg)
{
	struct holder *h = arg;
	int i;

	bus_wrlock(h->b);
	pthread_barrier_wait(&h->held);
	if (h->done == NULL)
		usleep(20000);		/* the sender waits for the lock meanwhile (or not yet) */
	else
		for (i = 0; i < 100000 && !atomic_load(h->done); i++)
			usleep(100);
	bus_unlock(h->b);
	return NULL;
}

/*
 * One router hop: src sends on bus `in` to r; r's input sends on bus `out` to dst.  With
 * `writer`, another thread holds `out` write-locked from before the send.
 */
static void
hop(struct tport *src, struct tport *r, struct tport *rout, struct tport *dst, int writer,
    const char *what)
{
	uint8_t f[60];
	atomic_int done = 0;
	struct holder h;
	pthread_t t;
	int lower = (uintptr_t)rout->port.bp_bus < (uintptr_t)r->port.bp_bus;

	memset(f, 0, sizeof(f));
	memcpy(f, r->port.bp_mac, 6);
	f[12] = 0x08;
	r->fwd = &rout->port;
	r->done = dst->done = &done;
	atomic_store(&dst->rx, 0);
	atomic_store(&dst->rx_after, 0);
	if (writer) {
		h.b = rout->port.bp_bus;
		h.done = lower ? &done : NULL;
		pthread_barrier_init(&h.held, NULL, 2);
		pthread_create(&t, NULL, hold, &h);
		pthread_barrier_wait(&h.held);
	}
	bus_xmit(&src->port, f, sizeof(f));
	if (writer) {
		pthread_join(t, NULL);
		pthread_barrier_destroy(&h.held);
	}
	r->fwd = NULL;
	if (!writer)
		ok(atomic_load(&dst->rx) == 1 && atomic_load(&dst->rx_after) == 0,
		    "%s: forwarded inline, once", what);
	else if (lower)
		ok(atomic_load(&dst->rx) == 1 && atomic_load(&dst->rx_after) == 1,
		    "%s, a writer holding the lower bus: the frame goes later, once, before "
		    "the first send returns", what);
	else
		ok(atomic_load(&dst->rx) == 1 && atomic_load(&dst->rx_after) == 0,
		    "%s, a writer holding the higher bus: the router waits for it and "
		    "forwards inline, once", what);
	r->done = dst->done = NULL;
}

static void
test_ports(void)
{
	static struct tport x1, xr, y1, yr;
	int e = 0;

	e |= tport_attach(&x1, "bord.x", 1);
	e |= tport_attach(&xr, "bord.x", 2);
	e |= tport_attach(&y1, "bord.y", 3);
	e |= tport_attach(&yr, "bord.y", 4);
	ok(e == 0, "two buses, a router's port on each");
	/* the forwarded frame is addressed to the router's port on the input bus; make the
	 * receivers on the other bus take it (promiscuous: every unicast frame) */
	bus_port_set(&y1.port, y1.port.bp_mac, 1);
	bus_port_set(&x1.port, x1.port.bp_mac, 1);
	hop(&x1, &xr, &yr, &y1, 0, "x -> y");
	hop(&y1, &yr, &xr, &x1, 0, "y -> x");
	hop(&x1, &xr, &yr, &y1, 1, "x -> y");
	hop(&y1, &yr, &xr, &x1, 1, "y -> x");
	bus_detach(&x1.port);
	bus_detach(&xr.port);
	bus_detach(&y1.port);
	bus_detach(&yr.port);
}

/* ---------------------------------------------------------------- kernels, both ways */

#define NDGRAM	3000

struct side {
	struct rumpus_kernel *k;
	const char *peer;
	int sock;
	long sent, received;
	pthread_barrier_t *go;
};

static void *
sender(void *arg)
{
	struct side *s = arg;
	struct x_sin to = x_sin(s->peer, 7000);
	char msg[200];
	int i;

	memset(msg, 's', sizeof(msg));
	rumpus_kernel_switch(s->k);
	pthread_barrier_wait(s->go);
	for (i = 0; i < NDGRAM; i++) {
		if (rump_sys_sendto(s->sock, msg, sizeof(msg), 0, (void *)&to, sizeof(to)) ==
		    sizeof(msg))
			s->sent++;
		if ((i & 15) == 15)
			sched_yield();
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
receiver(void *arg)
{
	struct side *s = arg;
	char buf[300];

	rumpus_kernel_switch(s->k);
	x_rcvtimeo(s->sock, 500000);
	pthread_barrier_wait(s->go);
	while (rump_sys_recvfrom(s->sock, buf, sizeof(buf), 0, NULL, NULL) == 200)
		s->received++;
	rumpus_kernel_switch(NULL);
	return NULL;
}

struct writer {
	const char *bus;
	int base;
	atomic_int *stop;
	long changes;
};

static void *
writer(void *arg)
{
	struct writer *w = arg;
	static struct tport tp[2][4];
	struct tport *t = tp[w->base & 1];
	uint8_t mac[6];
	int i, n = 0;

	while (!atomic_load(w->stop)) {
		for (i = 0; i < 4; i++)
			tport_attach(&t[i], w->bus, w->base + i);
		tmac(mac, w->base + 100 + n % 7);
		bus_port_set(&t[0].port, mac, n & 1);	/* promiscuous now and then */
		for (i = 0; i < 4; i++)
			bus_detach(&t[i].port);
		w->changes++;
		n++;
		sched_yield();
	}
	return NULL;
}

static int
udp_on(struct rumpus_kernel *k)
{
	struct x_sin sin = x_sin("0.0.0.0", 7000);
	int s;

	rumpus_kernel_switch(k);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rump_sys_bind(s, (void *)&sin, sizeof(sin));
	rumpus_kernel_switch(NULL);
	return s;
}

/* One datagram from k's socket s to peer, read on the peer's socket ps: 1 if it came. */
static int
one_dgram(struct side *from, struct side *to)
{
	struct x_sin dst = x_sin(from->peer, 7000);
	char buf[300];
	long n;
	int tries;

	for (tries = 0; tries < 3; tries++) {	/* the first may wait in ARP */
		rumpus_kernel_switch(from->k);
		rump_sys_sendto(from->sock, "hello", 5, 0, (void *)&dst, sizeof(dst));
		rumpus_kernel_switch(to->k);
		n = rump_sys_recvfrom(to->sock, buf, sizeof(buf), 0, NULL, NULL);
		rumpus_kernel_switch(NULL);
		if (n == 5 && memcmp(buf, "hello", 5) == 0)
			return 1;
	}
	return 0;
}

static void
test_kernels(void)
{
	struct rumpus_kernel *a, *b, *r1, *r2;
	struct side sa, sb;
	struct writer wa, wb;
	pthread_t ts[4], tw[2];
	pthread_barrier_t go;
	atomic_int stop = 0;
	int e = 0, one = 1, i;

	a = x_boot(), b = x_boot(), r1 = x_boot(), r2 = x_boot();
	rumpus_kernel_switch(r1);
	e |= x_ifconfig("shmif0", "bord.a", "10.61.0.254", 24);
	e |= x_ifconfig("shmif1", "bord.b", "10.62.0.254", 24);
	e |= x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	rumpus_kernel_switch(r2);
	e |= x_ifconfig("shmif0", "bord.a", "10.61.0.253", 24);
	e |= x_ifconfig("shmif1", "bord.b", "10.62.0.253", 24);
	e |= x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	rumpus_kernel_switch(a);
	e |= x_ifconfig("shmif0", "bord.a", "10.61.0.1", 24);
	e |= x_route(X_RTM_ADD, "10.62.0.0", 24, "10.61.0.254", X_RTF_GATEWAY, NULL, 0);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "bord.b", "10.62.0.1", 24);
	e |= x_route(X_RTM_ADD, "10.61.0.0", 24, "10.62.0.253", X_RTF_GATEWAY, NULL, 0);
	rumpus_kernel_switch(NULL);
	ok(e == 0, "A -> R1 -> B and B -> R2 -> A between buses bord.a and bord.b");

	pthread_barrier_init(&go, NULL, 4);
	sa = (struct side){ .k = a, .peer = "10.62.0.1", .sock = udp_on(a), .go = &go };
	sb = (struct side){ .k = b, .peer = "10.61.0.1", .sock = udp_on(b), .go = &go };
	rumpus_kernel_switch(a);
	x_rcvtimeo(sa.sock, 500000);
	rumpus_kernel_switch(b);
	x_rcvtimeo(sb.sock, 500000);
	rumpus_kernel_switch(NULL);
	ok(one_dgram(&sa, &sb) && one_dgram(&sb, &sa), "a datagram each way before");

	wa = (struct writer){ .bus = "bord.a", .base = 1000, .stop = &stop };
	wb = (struct writer){ .bus = "bord.b", .base = 2001, .stop = &stop };
	pthread_create(&tw[0], NULL, writer, &wa);
	pthread_create(&tw[1], NULL, writer, &wb);
	pthread_create(&ts[0], NULL, sender, &sa);
	pthread_create(&ts[1], NULL, sender, &sb);
	pthread_create(&ts[2], NULL, receiver, &sa);
	pthread_create(&ts[3], NULL, receiver, &sb);
	for (i = 0; i < 2; i++)
		pthread_join(ts[i], NULL);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(tw[i], NULL);
	for (i = 2; i < 4; i++)
		pthread_join(ts[i], NULL);
	pthread_barrier_destroy(&go);
	diag("A -> B %ld of %ld, B -> A %ld of %ld, port changes %ld + %ld", sb.received,
	    sa.sent, sa.received, sb.sent, wa.changes, wb.changes);
	ok(sa.sent == NDGRAM && sb.sent == NDGRAM, "both senders sent all their datagrams");
	ok(sb.received > 0 && sa.received > 0 && sb.received <= sa.sent && sa.received <= sb.sent,
	    "datagrams arrived both ways through opposite routers at once, none twice");
	ok(wa.changes > 0 && wb.changes > 0, "ports attached and detached on both buses meanwhile");
	ok(bus_nports("bord.a") == 3 && bus_nports("bord.b") == 3,
	    "the writers' ports are gone again");
	ok(one_dgram(&sa, &sb) && one_dgram(&sb, &sa), "a datagram each way after");
	rumpus_kernel_switch(a);
	rump_sys_close(sa.sock);
	rumpus_kernel_switch(b);
	rump_sys_close(sb.sock);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_kernel_destroy(r1);
	rumpus_kernel_destroy(r2);
}

/* ---------------------------------------------------------------- frames for later */

enum { LATER_ORDER, LATER_NEWMAC, LATER_DETACH };

struct lport {
	struct bus_port port;
	struct bus_port *fwd;		/* the router's input: sends onto this port */
	int mode;			/* LATER_* */
	int order[8], n;		/* frame numbers as they came */
};

static struct bus *later_bus;		/* the bus the writer holds */
static pthread_barrier_t later_held, later_released;
static atomic_int later_release;

static void *
later_writer(void *arg)
{
	(void)arg;
	bus_wrlock(later_bus);
	pthread_barrier_wait(&later_held);
	while (!atomic_load(&later_release))
		usleep(100);
	bus_unlock(later_bus);
	pthread_barrier_wait(&later_released);
	return NULL;
}

static void
lport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	static const uint8_t nmac[6] = { 0xb2, 0xa0, 0x7e, 0, 1, 0x99 };
	struct lport *lp = bp->bp_arg;
	uint8_t f[60];

	if (lp->fwd == NULL) {
		if (lp->n < 8 && len >= 15)
			lp->order[lp->n++] = ((const uint8_t *)frame)[14];
		return;
	}
	/* the router: a broadcast onto `out`, which the writer holds: for later */
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, lp->fwd->bp_mac, 6);
	f[12] = 0x08;
	f[14] = 1;
	bus_xmit(lp->fwd, f, sizeof(f));
	atomic_store(&later_release, 1);
	pthread_barrier_wait(&later_released);		/* `out` is free now */
	if (lp->mode == LATER_ORDER) {
		f[14] = 2;
		bus_xmit(lp->fwd, f, sizeof(f));
	} else if (lp->mode == LATER_NEWMAC)
		bus_port_set(lp->fwd, nmac, 0);		/* SIOCSIFLLADDR */
	else
		bus_detach(lp->fwd);
}

static int
lport_attach(struct lport *lp, const char *bus, int id)
{
	uint8_t mac[6] = { 0xb2, 0xa0, 0x7e, 0, 0, (uint8_t)id };

	memset(lp, 0, sizeof(*lp));
	lp->port.bp_rx = lport_rx;
	lp->port.bp_arg = lp;
	bus_port_set(&lp->port, mac, 0);
	return bus_attach(bus, &lp->port);
}

static void
test_later(int mode, const char *name)
{
	static struct lport a1, a_r, b_r, b1;
	struct lport *src, *rin, *rout, *dst;
	char ba[32], bb[32];
	uint8_t f[60];
	pthread_t t;
	int e = 0;

	snprintf(ba, sizeof(ba), "blat.%d.a", mode);
	snprintf(bb, sizeof(bb), "blat.%d.b", mode);
	e |= lport_attach(&a1, ba, 1);
	e |= lport_attach(&a_r, ba, 2);
	e |= lport_attach(&b_r, bb, 3);
	e |= lport_attach(&b1, bb, 4);
	ok(e == 0, "%s: two buses, a router's port on each", name);
	/* in: the higher bus (waited for), out: the lower (only tried) */
	if ((uintptr_t)a_r.port.bp_bus > (uintptr_t)b_r.port.bp_bus)
		src = &a1, rin = &a_r, rout = &b_r, dst = &b1;
	else
		src = &b1, rin = &b_r, rout = &a_r, dst = &a1;
	rin->fwd = &rout->port;
	rin->mode = mode;
	later_bus = rout->port.bp_bus;
	atomic_store(&later_release, 0);
	pthread_barrier_init(&later_held, NULL, 2);
	pthread_barrier_init(&later_released, NULL, 2);
	pthread_create(&t, NULL, later_writer, NULL);
	pthread_barrier_wait(&later_held);
	memset(f, 0, sizeof(f));
	memcpy(f, rin->port.bp_mac, 6);
	f[12] = 0x08;
	bus_xmit(&src->port, f, sizeof(f));
	pthread_join(t, NULL);
	pthread_barrier_destroy(&later_held);
	pthread_barrier_destroy(&later_released);
	if (mode == LATER_ORDER)
		ok(dst->n == 2 && dst->order[0] == 1 && dst->order[1] == 2,
		    "%s: the router's two frames arrived in the order it sent them (%d: %d then %d)",
		    name, dst->n, dst->order[0], dst->order[1]);
	else if (mode == LATER_NEWMAC) {
		ok(dst->n == 1, "%s: the other port got the broadcast once (%d)", name, dst->n);
		ok(rout->n == 0, "%s: the port that sent it did not get it back (%d)", name,
		    rout->n);
	} else
		ok(dst->n == 0 && rout->n == 0, "%s: the frame went with its port (%d, %d)",
		    name, dst->n, rout->n);
	bus_detach(&src->port);
	bus_detach(&rin->port);
	if (mode != LATER_DETACH)		/* else the router let it go */
		bus_detach(&rout->port);
	bus_detach(&dst->port);
	ok(bus_nports(ba) == -1 && bus_nports(bb) == -1, "%s: the buses are gone", name);
}

int
main(void)
{
	test_ports();
	test_later(LATER_ORDER, "later, then another frame");
	test_later(LATER_NEWMAC, "later, the port's MAC changed");
	test_later(LATER_DETACH, "later, the port left");
	test_kernels();
	return tap_done();
}
