/*
 * reliab_netfini_test.c: a kernel destroyed while frames arrive from another thread.
 *
 * One thread boots a kernel with an interface on a bus, configures an address, sends a
 * datagram (so ARP and the netinet timer are busy) and destroys the kernel, in a loop.
 * Other threads broadcast ARP requests for that address and IP broadcasts on the same
 * bus the whole time.  A frame that arrives while the kernel is being destroyed used to
 * re-arm the interface input timer after net_net_fini had stopped it; the scheduler
 * thread then ran the timer on freed memory (ASan: heap-use-after-free).  Here every
 * boot and destroy must succeed, nothing may crash, and the kernels leak nothing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "tap.h"
#include "inet_util.h"

#define ROUNDS	3000
#define NSEND	2

static atomic_int stop;
static atomic_long frames;

static void
rx_none(struct bus_port *bp, const void *frame, size_t len)
{
	(void)bp, (void)frame, (void)len;
}

/* An ARP request "who has 10.77.0.1" and an IPv4/UDP broadcast, from a made-up MAC. */
static void
make_frames(uint8_t arp[60], uint8_t udp[60], int me)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, (uint8_t)me };

	memset(arp, 0, 60);
	memcpy(arp, bcast, 6);
	memcpy(arp + 6, mac, 6);
	arp[12] = 0x08, arp[13] = 0x06;
	arp[14] = 0, arp[15] = 1;		/* Ethernet */
	arp[16] = 0x08, arp[17] = 0;		/* IPv4 */
	arp[18] = 6, arp[19] = 4;
	arp[20] = 0, arp[21] = 1;		/* request */
	memcpy(arp + 22, mac, 6);
	arp[28] = 10, arp[29] = 77, arp[30] = 0, arp[31] = (uint8_t)(100 + me);
	arp[38] = 10, arp[39] = 77, arp[40] = 0, arp[41] = 1;

	memset(udp, 0, 60);
	memcpy(udp, bcast, 6);
	memcpy(udp + 6, mac, 6);
	udp[12] = 0x08, udp[13] = 0x00;
	udp[14] = 0x45;
	udp[17] = 28 + 4;			/* total length */
	udp[22] = 64, udp[23] = 17;		/* ttl, UDP */
	udp[26] = 10, udp[27] = 77, udp[28] = 0, udp[29] = (uint8_t)(100 + me);
	udp[30] = 10, udp[31] = 77, udp[32] = 0, udp[33] = 255;
	udp[34] = 0x1f, udp[35] = 0x40;		/* 8000 */
	udp[36] = 0x1f, udp[37] = 0x40;
	udp[39] = 8 + 4;
	{	/* IP header checksum */
		uint32_t sum = 0;
		int i;
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)udp[14 + i] << 8 | udp[15 + i];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		udp[24] = (uint8_t)(sum >> 8), udp[25] = (uint8_t)sum;
	}
}

static void *
broadcaster(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct bus_port port = { .bp_rx = rx_none };
	uint8_t arp[60], udp[60];
	long n = 0;

	make_frames(arp, udp, me);
	if (bus_attach("reliab_fini", &port) != 0)
		return NULL;
	while (!atomic_load(&stop)) {
		bus_xmit(&port, arp, sizeof(arp));
		bus_xmit(&port, udp, sizeof(udp));
		atomic_fetch_add(&frames, 2);
		if ((++n & 63) == 0)
			sched_yield();
	}
	bus_detach(&port);
	return NULL;
}

/* Boot, configure, use the network, destroy; returns the number of failed steps. */
static int
one_round(unsigned ncpu)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_config cfg = { 0 };
	struct rumpus_kernel *rk;
	struct inpcb *inp;
	int err = 0, bad = 0;

	cfg.ncpu = ncpu;
	if ((rk = rumpus_kernel_create(comps, &cfg, &err)) == NULL)
		return 1;
	bad += ku_shmif(rk, "shmif0", "reliab_fini") != 0;
	bad += ku_addr(rk, "shmif0", "10.77.0.1", 24) != 0;
	/* a datagram to an absent neighbour: ARP resolution and the netinet timer run */
	if ((inp = ku_socket(rk, 2 /* SOCK_DGRAM */, 17, &err)) != NULL)
		(void)ku_sendto(rk, inp, "x", 1, "10.77.0.9", 9);
	else
		bad++;
	bad += rumpus_kernel_destroy(rk) != 0;
	return bad;
}

int
main(void)
{
	pthread_t th[NSEND];
	struct rumpus_memstats before, after;
	int i, bad = 0;
	unsigned ncpu;

	rumpus_memstats(&before);
	for (ncpu = 1; ncpu <= 2; ncpu++) {
		atomic_store(&stop, 0);
		atomic_store(&frames, 0);
		for (i = 0; i < NSEND; i++)
			pthread_create(&th[i], NULL, broadcaster, (void *)(intptr_t)i);
		while (atomic_load(&frames) == 0)	/* traffic flows before the first boot */
			sched_yield();
		bad = 0;
		for (i = 0; i < ROUNDS; i++)
			bad += one_round(ncpu);
		atomic_store(&stop, 1);
		for (i = 0; i < NSEND; i++)
			pthread_join(th[i], NULL);
		ok(bad == 0, "%d kernels with %u vCPU booted, configured and destroyed while "
		    "%ld frames arrived (%d failures)", ROUNDS, ncpu, (long)atomic_load(&frames), bad);
	}
	rumpus_memstats(&after);
	ok(after.blocks == before.blocks && after.leaked == before.leaked,
	    "destroyed kernels leave no allocation (%zu -> %zu blocks)",
	    (size_t)before.blocks, (size_t)after.blocks);
	ok(bus_nports("reliab_fini") == -1, "the bus went away with its last port");
	return tap_done();
}
