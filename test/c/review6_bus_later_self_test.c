/*
 * review6_bus_later_self_test.c: a deferred frame never comes back to the port that sent
 * it.  A router's input (the inline delivery of a frame on bus `in`) sends a broadcast
 * onto bus `out`, below `in` in the bus lock order, while a writer holds `out`: the frame
 * goes on the thread's list (bus_later_add keeps the sender's MAC, not the port).  Before
 * it goes, the sending port takes a new MAC address (SIOCSIFLLADDR from another thread,
 * once the sender's kernel is free).  bus_later_run finds no port by the old MAC, sends
 * the frame with from NULL (bus_wire, no impairment rule), and the sender's own port gets
 * its broadcast back (an ARP request, an IPv6 DAD probe looped back to its sender).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "net/bus.h"

struct tport {
	struct bus_port port;
	struct bus_port *fwd;
	int order[8], n;		/* the receiver: frame numbers as they came */
};

static struct bus *wlock_bus;
static pthread_barrier_t held, released_bar;
static atomic_int release;

static void *
writer(void *arg)
{
	(void)arg;
	bus_wrlock(wlock_bus);
	pthread_barrier_wait(&held);
	while (!atomic_load(&release))
		usleep(100);
	bus_unlock(wlock_bus);
	pthread_barrier_wait(&released_bar);
	return NULL;
}

static void
tport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct tport *tp = bp->bp_arg;
	uint8_t f[60];

	if (tp->fwd == NULL) {			/* the receiver */
		if (tp->n < 8 && len >= 15)
			tp->order[tp->n++] = ((const uint8_t *)frame)[14];
		return;
	}
	/* the router: a broadcast onto `out` (deferred: the writer holds it), then its port
	 * on `out` takes a new MAC address (SIOCSIFLLADDR) before the frame goes */
	(void)frame;
	(void)len;
	memset(f, 0xff, 6);
	memcpy(f + 6, tp->fwd->bp_mac, 6);
	f[12] = 0x08;
	f[14] = 1;
	bus_xmit(tp->fwd, f, sizeof(f));
	atomic_store(&release, 1);
	pthread_barrier_wait(&released_bar);
	{
		uint8_t nmac[6] = { 0xb2, 0xa0, 0x7e, 0, 1, 0x99 };

		bus_port_set(tp->fwd, nmac, 0);
	}
}

static int
tport_attach(struct tport *tp, const char *bus, int id)
{
	uint8_t mac[6] = { 0xb2, 0xa0, 0x7e, 0, 0, (uint8_t)id };

	memset(tp, 0, sizeof(*tp));
	tp->port.bp_rx = tport_rx;
	tp->port.bp_arg = tp;
	bus_port_set(&tp->port, mac, 0);
	return bus_attach(bus, &tp->port);
}

int
main(void)
{
	static struct tport a1, a_r, b_r, b1;
	struct tport *src, *rin, *rout, *dst;
	uint8_t f[60];
	pthread_t t;
	int e = 0;

	e |= tport_attach(&a1, "r6.a", 1);
	e |= tport_attach(&a_r, "r6.a", 2);
	e |= tport_attach(&b_r, "r6.b", 3);
	e |= tport_attach(&b1, "r6.b", 4);
	ok(e == 0, "two buses, a router's port on each");
	/* in: the higher bus (waited for), out: the lower (only tried) */
	if ((uintptr_t)a_r.port.bp_bus > (uintptr_t)b_r.port.bp_bus)
		src = &a1, rin = &a_r, rout = &b_r, dst = &b1;
	else
		src = &b1, rin = &b_r, rout = &a_r, dst = &a1;
	rin->fwd = &rout->port;
	
	wlock_bus = rout->port.bp_bus;
	pthread_barrier_init(&held, NULL, 2);
	pthread_barrier_init(&released_bar, NULL, 2);
	pthread_create(&t, NULL, writer, NULL);
	pthread_barrier_wait(&held);
	memset(f, 0, sizeof(f));
	memcpy(f, rin->port.bp_mac, 6);
	f[12] = 0x08;
	bus_xmit(&src->port, f, sizeof(f));
	pthread_join(t, NULL);
	ok(dst->n == 1, "the other port on `out` got the broadcast once (%d)", dst->n);
	ok(rout->n == 0, "the port that sent it did not get its own frame back (%d)", rout->n);
	bus_detach(&a1.port);
	bus_detach(&a_r.port);
	bus_detach(&b_r.port);
	bus_detach(&b1.port);
	return tap_done();
}
