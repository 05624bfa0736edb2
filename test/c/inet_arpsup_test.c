/*
 * inet_arpsup_test.c: ARP suppression on the bus (bus.c, bus_port_setaddrs).
 *   - ports without kernels: a broadcast ARP request reaches the owner of its target
 *     address, the owner of its sender address, promiscuous and unregistered ports and
 *     no one else; gratuitous ARP, replies, malformed requests and other broadcasts reach
 *     every port; capture sees every request; a re-attached port keeps its addresses;
 *     unregistering or turning suppression off floods again;
 *   - kernels: first contact reaches only the owner, an address added later (alias), an
 *     address moved to another kernel, an interface down and up and a destroyed
 *     interface keep the bus's registrations in step;
 *   - threads: one kernel adds and deletes addresses while another sends to them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

/* ---------------------------------------------------------------- ports */

struct tp {
	struct bus_port port;
	atomic_int rx;
};

static void
tp_rx(struct bus_port *bp, const void *f, size_t len)
{
	struct tp *t = bp->bp_arg;

	(void)f, (void)len;
	atomic_fetch_add(&t->rx, 1);
}

static void
tp_init(struct tp *t, int id, int promisc)
{
	uint8_t mac[6] = { 0xb2, 0xa1, 0, 0, 0, (uint8_t)id };

	memset(t, 0, sizeof(*t));
	t->port.bp_rx = tp_rx;
	t->port.bp_arg = t;
	bus_port_set(&t->port, mac, promisc);
}

static size_t
arpframe(uint8_t *f, int op, const char *spa, const char *tpa, int id)
{
	uint32_t s = ku_ip(spa), t = ku_ip(tpa);

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	f[6] = 0xb2, f[7] = 0xa1, f[11] = (uint8_t)id;
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = (uint8_t)op;
	memcpy(f + 22, f + 6, 6);
	memcpy(f + 28, &s, 4);
	memcpy(f + 38, &t, 4);
	return 60;
}

#define NTP 6
static struct tp T[NTP];

static int
rxmask(int *counts)
{
	int i, m = 0;

	for (i = 0; i < NTP; i++) {
		int r = atomic_load(&T[i].rx);
		if (r != counts[i])
			m |= 1 << i;
		counts[i] = r;
	}
	return m;
}

/* Counts the ARP requests for tpa in a pcap file. */
static int
pcap_count(const char *path, const char *tpa)
{
	FILE *fp = fopen(path, "rb");
	uint8_t hdr[24], rec[16], f[2048];
	uint32_t t = ku_ip(tpa), incl;
	int n = 0;

	if (fp == NULL || fread(hdr, 1, 24, fp) != 24)
		return fp != NULL ? (fclose(fp), -1) : -1;
	while (fread(rec, 1, 16, fp) == 16) {
		memcpy(&incl, rec + 8, 4);
		if (incl > sizeof(f) || fread(f, 1, incl, fp) != incl)
			break;
		if (incl >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1 &&
		    memcmp(f + 38, &t, 4) == 0)
			n++;
	}
	fclose(fp);
	return n;
}

static void
test_ports(void)
{
	const char *bus = "arpsup.ports";
	uint32_t a0 = ku_ip("10.3.0.1"), a1 = ku_ip("10.3.0.2"), a1b = ku_ip("10.3.0.22"),
	    a2 = ku_ip("10.3.0.3");
	int c[NTP] = { 0 }, i, m, e = 0;
	uint8_t f[60];
	char path[64];

	/* 0, 1, 2 registered (2 promiscuous), 3 unregistered, 4 registered without addresses,
	 * 5 the sender */
	for (i = 0; i < NTP; i++)
		tp_init(&T[i], i, i == 2);
	e |= bus_port_setaddrs(&T[0].port, &a0, 1);
	{
		uint32_t two[3] = { a1, a1b, a1 };
		e |= bus_port_setaddrs(&T[1].port, two, 3);
	}
	e |= bus_port_setaddrs(&T[2].port, &a2, 1);
	e |= bus_port_setaddrs(&T[4].port, NULL, 0);
	e |= bus_port_setaddrs(&T[5].port, NULL, 0);
	for (i = 0; i < NTP; i++)
		e |= bus_attach(bus, &T[i].port);
	ok(e == 0 && bus_nports(bus) == NTP, "six ports, four registered (one twice the same address)");
	snprintf(path, sizeof(path), "/tmp/arpsup-%d.pcap", (int)getpid());
	ok(bus_pcap(bus, path) == 0, "capture on");

	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == (1 << 0 | 1 << 2 | 1 << 3), "request for port 0's address: 0, the promiscuous "
	    "and the unregistered port (mask %#x)", m);
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.22", 5));
	m = rxmask(c);
	ok(m == (1 << 1 | 1 << 2 | 1 << 3), "request for port 1's second address: port 1 (mask %#x)",
	    m);
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.2", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == (1 << 0 | 1 << 1 | 1 << 2 | 1 << 3), "a sender claiming port 1's address: port 1 "
	    "hears it too (mask %#x)", m);
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.99", "10.3.0.98", 5));
	m = rxmask(c);
	ok(m == (1 << 2 | 1 << 3), "request for an address nobody registered: promiscuous and "
	    "unregistered only (mask %#x)", m);
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.9", 5));
	m = rxmask(c);
	ok(m == 0x1f, "gratuitous ARP: everyone (mask %#x)", m);
	bus_xmit(&T[5].port, f, arpframe(f, 2, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == 0x1f, "a broadcast ARP reply: everyone (mask %#x)", m);
	arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5);
	f[18] = 7;
	bus_xmit(&T[5].port, f, 60);
	m = rxmask(c);
	ok(m == 0x1f, "a malformed request: everyone (mask %#x)", m);
	bus_xmit(&T[5].port, f, 41);
	m = rxmask(c);
	ok(m == 0x1f, "a short one: everyone (mask %#x)", m);
	arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5);
	f[12] = 0x08, f[13] = 0x00;
	bus_xmit(&T[5].port, f, 60);
	m = rxmask(c);
	ok(m == 0x1f, "another broadcast: everyone (mask %#x)", m);

	/* re-attach keeps the registration; a new address set replaces the old */
	bus_detach(&T[0].port);
	ok(bus_attach(bus, &T[0].port) == 0, "port 0 re-attached");
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == (1 << 0 | 1 << 2 | 1 << 3), "its address still reaches it (mask %#x)", m);
	ok(bus_port_setaddrs(&T[4].port, &a0, 1) == 0 && bus_port_setaddrs(&T[0].port, NULL, 0) ==
	    0, "port 0's address moves to port 4");
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == (1 << 4 | 1 << 2 | 1 << 3), "the request now reaches port 4, not 0 (mask %#x)", m);
	ok(bus_port_setaddrs(&T[1].port, NULL, -1) == 0, "port 1 unregisters");
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == (1 << 1 | 1 << 4 | 1 << 2 | 1 << 3), "and hears every request (mask %#x)", m);
	ok(bus_set_arpfilter(bus, 0) == 1, "suppression off");
	bus_xmit(&T[5].port, f, arpframe(f, 1, "10.3.0.9", "10.3.0.1", 5));
	m = rxmask(c);
	ok(m == 0x1f, "every port hears every request (mask %#x)", m);
	ok(bus_set_arpfilter(bus, 1) == 0 && bus_set_arpfilter("arpsup.none", 1) == -1,
	    "suppression on again; no such bus: -1");
	ok(bus_pcap(bus, NULL) == 0, "capture off");
	ok(pcap_count(path, "10.3.0.1") == 7, "the capture holds all 7 requests for 10.3.0.1 "
	    "(%d)", pcap_count(path, "10.3.0.1"));
	unlink(path);
	for (i = 0; i < NTP; i++) {
		bus_detach(&T[i].port);
		bus_port_setaddrs(&T[i].port, NULL, -1);
	}
	ok(bus_nports(bus) == -1, "the bus is gone");
}

/* ---------------------------------------------------------------- kernels */

static uint64_t
ipk(struct rumpus_kernel *rk, const char *ifname)
{
	struct kin ki;
	struct ifnet *ifp;
	uint64_t n = ~0ULL;

	ku_enter(&ki, rk);
	ifs_lock(ifstate(ki.k));
	if ((ifp = if_find(ifstate(ki.k), ifname)) != NULL)
		n = ifp->if_data.ifi_ipackets;
	ifs_unlock(ifstate(ki.k));
	ku_leave(&ki);
	return n;
}

static int
ku_deladdr(struct rumpus_kernel *rk, const char *ifname, const char *addr)
{
	struct nb_ifreq ifr;
	struct nb_sockaddr_in sin;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	in_sockaddr(&sin, ku_ip(addr), 0);
	memcpy(&ifr.ifr_ifru.ifru_addr, &sin, sizeof(sin));
	return ku_ioctl(rk, SIOCDIFADDR, &ifr);
}

/* A sends "x" to addr:port from a fresh pcb; does rcv get it? */
static int
contact(struct rumpus_kernel *a, struct rumpus_kernel *b, struct inpcb *rcv, const char *addr)
{
	struct inpcb *s;
	struct nb_sockaddr_in from;
	char buf[16];
	size_t len = sizeof(buf);
	int e, i;

	if ((s = ku_socket(a, 2, 0, &e)) == NULL)
		return 0;
	e = ku_sendto(a, s, "x", 1, addr, 5555);
	ku_close(a, s);
	if (e != 0)
		return 0;
	for (i = 0; i < 100; i++) {
		len = sizeof(buf);
		if (ku_recv(b, rcv, buf, &len, &from) == 0)
			return 1;
		usleep(1000);
	}
	return 0;
}

static void
test_kernels(void)
{
	const char *bus = "arpsup.k";
	struct rumpus_kernel *a = ku_boot(), *b = ku_boot(), *c = ku_boot();
	struct inpcb *rb, *rc;
	uint64_t c0, b0;
	int e;

	ok(a && b && c && ku_shmif(a, "shmif0", bus) == 0 && ku_shmif(b, "shmif0", bus) == 0 &&
	    ku_shmif(c, "shmif0", bus) == 0 && ku_addr(a, "shmif0", "10.4.0.1", 24) == 0 &&
	    ku_addr(b, "shmif0", "10.4.0.2", 24) == 0 && ku_addr(c, "shmif0", "10.4.0.3", 24) == 0,
	    "three kernels on a bus: 10.4.0.1, .2, .3");
	rb = ku_socket(b, 2, 0, &e);
	rc = ku_socket(c, 2, 0, &e);
	ok(ku_bind(b, rb, "0.0.0.0", 5555) == 0 && ku_bind(c, rc, "0.0.0.0", 5555) == 0,
	    "B and C listen on 5555");
	c0 = ipk(c, "shmif0");
	ok(contact(a, b, rb, "10.4.0.2"), "first contact A -> B: the datagram arrives");
	ok(ipk(c, "shmif0") == c0, "C saw nothing of it (%llu frames)",
	    (unsigned long long)(ipk(c, "shmif0") - c0));
	ok(ku_addr(c, "shmif0", "10.4.0.9", 24) == 0, "C gets an alias 10.4.0.9");
	ok(contact(a, c, rc, "10.4.0.9"), "A reaches C's new address");
	ok(ku_deladdr(c, "shmif0", "10.4.0.9") == 0 && ku_addr(b, "shmif0", "10.4.0.10", 24) == 0 &&
	    ku_deladdr(b, "shmif0", "10.4.0.10") == 0 && ku_addr(c, "shmif0", "10.4.0.10", 24) == 0,
	    "10.4.0.10 goes to B, back, then to C");
	b0 = ipk(b, "shmif0");
	ok(contact(a, c, rc, "10.4.0.10") && ipk(b, "shmif0") == b0,
	    "A reaches it on C; B, which had it, saw nothing");
	ok(ku_addr(c, "shmif0", "10.4.0.11", 24) == 0 && ku_ifflags(c, "shmif0", 0, IFF_UP) == 0,
	    "C gets 10.4.0.11 and goes down");
	ok(!contact(a, c, rc, "10.4.0.11"), "down: nothing arrives");
	ok(ku_ifflags(c, "shmif0", IFF_UP, 0) == 0 && ku_addr(c, "shmif0", "10.4.0.12", 24) == 0,
	    "C up again, with 10.4.0.12 too");
	ok(contact(b, c, rc, "10.4.0.11"), "B reaches 10.4.0.11 on C (kept across down and up)");
	ok(contact(a, c, rc, "10.4.0.12"), "A reaches 10.4.0.12 on C");
	{
		struct nb_ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "shmif0");
		ok(ku_ioctl(c, SIOCIFDESTROY, &ifr) == 0 && bus_nports(bus) == 2,
		    "C's interface destroyed: two ports left");
	}
	ok(ku_shmif(c, "shmif1", bus) == 0 && ku_addr(c, "shmif1", "10.4.0.13", 24) == 0 &&
	    contact(a, c, rc, "10.4.0.13"), "a new interface on C answers for its address");
	ku_close(b, rb);
	ku_close(c, rc);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_kernel_destroy(c);
	ok(bus_nports(bus) == -1, "the bus is gone with the kernels");
}

/* ---------------------------------------------------------------- threads */

struct race { struct rumpus_kernel *a, *c; atomic_int stop; int changes, sends; };

static void *
changer(void *arg)
{
	struct race *r = arg;
	char addr[16];
	int i;

	for (i = 0; !atomic_load(&r->stop) || i < 300; i++) {
		snprintf(addr, sizeof(addr), "10.6.0.%d", 100 + i % 50);
		if (ku_addr(r->c, "shmif0", addr, 24) == 0 && ku_deladdr(r->c, "shmif0", addr) == 0)
			r->changes++;
	}
	return NULL;
}

static void *
sender(void *arg)
{
	struct race *r = arg;
	struct inpcb *s;
	char addr[16];
	int e, i = 0;

	s = ku_socket(r->a, 2, 0, &e);
	for (i = 0; i < 2000; i++) {
		snprintf(addr, sizeof(addr), "10.6.0.%d", 100 + i % 50);
		if (ku_sendto(r->a, s, "r", 1, addr, 5555) == 0)
			r->sends++;
	}
	atomic_store(&r->stop, 1);
	ku_close(r->a, s);
	return NULL;
}

static void
test_threads(void)
{
	const char *bus = "arpsup.t";
	struct race r;
	pthread_t t1, t2;
	struct inpcb *rc;
	int e;

	memset(&r, 0, sizeof(r));
	r.a = ku_boot(), r.c = ku_boot();
	ok(r.a && r.c && ku_shmif(r.a, "shmif0", bus) == 0 && ku_shmif(r.c, "shmif0", bus) == 0 &&
	    ku_addr(r.a, "shmif0", "10.6.0.1", 24) == 0 && ku_addr(r.c, "shmif0", "10.6.0.2", 24) == 0,
	    "threads: two kernels");
	pthread_create(&t1, NULL, changer, &r);
	pthread_create(&t2, NULL, sender, &r);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ok(r.changes >= 300 && r.sends == 2000, "C added and deleted addresses %d times while A "
	    "sent %d datagrams to them", r.changes, r.sends);
	rc = ku_socket(r.c, 2, 0, &e);
	ok(ku_bind(r.c, rc, "0.0.0.0", 5555) == 0 && ku_addr(r.c, "shmif0", "10.6.0.200", 24) == 0 &&
	    contact(r.a, r.c, rc, "10.6.0.200"), "afterwards a new address of C is reached");
	ku_close(r.c, rc);
	rumpus_kernel_destroy(r.a);
	rumpus_kernel_destroy(r.c);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;

	rumpus_memstats(&m0);
	test_ports();
	test_kernels();
	test_threads();
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "no leaks (%lld bytes)", (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
