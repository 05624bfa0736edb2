/*
 * review6_bus_reorder_test.c: a thread's frames onto one bus keep their order (an
 * Ethernet link is FIFO; TCP counts a reordered segment as a loss signal).  A router's
 * input (the inline delivery of a frame on bus `in`) forwards two frames onto bus `out`,
 * which is below `in` in the bus lock order, so bus_enter only tries it.  A writer holds
 * `out` during the first forward only (a port attaching, say): the first frame goes on
 * the thread's list for later (bus_later_add), the writer lets go, and the second frame's
 * try succeeds and is delivered at once, before the first.
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
	/* the router: two frames of one flow onto `out`; the writer lets go in between */
	memcpy(f, frame, len < sizeof(f) ? len : sizeof(f));
	f[14] = 1;
	bus_xmit(tp->fwd, f, sizeof(f));
	atomic_store(&release, 1);
	pthread_barrier_wait(&released_bar);
	f[14] = 2;
	bus_xmit(tp->fwd, f, sizeof(f));
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
	bus_port_set(&dst->port, dst->port.bp_mac, 1);	/* promiscuous: takes the forwarded */
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
	ok(dst->n == 2, "both forwarded frames arrived (%d)", dst->n);
	ok(dst->n == 2 && dst->order[0] == 1 && dst->order[1] == 2,
	    "in the order the router sent them (got %d then %d)", dst->order[0], dst->order[1]);
	bus_detach(&a1.port);
	bus_detach(&a_r.port);
	bus_detach(&b_r.port);
	bus_detach(&b1.port);
	return tap_done();
}
