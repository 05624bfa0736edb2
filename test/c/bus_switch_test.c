/*
 * bus_switch_test.c: the bus switches (issue 16).  A unicast frame reaches only the ports
 * with its destination MAC (and promiscuous ones), broadcast and multicast reach every
 * port, a MAC change or promiscuity moves a port in the table, and attaching, detaching
 * and changing ports while other threads send is safe.  Then the same with kernels: on a
 * 1,000-kernel bus a unicast datagram enters only its destination kernel (counted by each
 * interface's input packets), first contact (ARP) works and all-to-one traffic arrives.
 */
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "tap.h"
#include "inet_nb.h"
#include "net/bus.h"

/* ---------------------------------------------------------------- ports without kernels */

struct tport {
	struct bus_port port;
	atomic_int rx;
	int id;
};

static void
tport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct tport *tp = bp->bp_arg;

	(void)frame;
	(void)len;
	atomic_fetch_add(&tp->rx, 1);
}

static void
tmac(uint8_t *mac, int id)
{
	mac[0] = 0xb2, mac[1] = 0xa0, mac[2] = 0x7e;
	mac[3] = (uint8_t)(id >> 16), mac[4] = (uint8_t)(id >> 8), mac[5] = (uint8_t)id;
}

static int
tport_attach(struct tport *tp, const char *bus, int id)
{
	uint8_t mac[6];

	memset(tp, 0, sizeof(*tp));
	tp->id = id;
	tp->port.bp_rx = tport_rx;
	tp->port.bp_arg = tp;
	tmac(mac, id);
	bus_port_set(&tp->port, mac, 0);
	return bus_attach(bus, &tp->port);
}

static void
frame_to(uint8_t *f, const uint8_t *dst)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	f[12] = 0x08;
}

/* Sends one frame to dst from port `from` and returns how many ports got it; *only gets
 * the one port that did when exactly one did. */
static int
deliveries(struct tport *tp, int n, int from, const uint8_t *dst, int *only)
{
	uint8_t f[60];
	int before[1000], i, got = 0;

	for (i = 0; i < n; i++)
		before[i] = atomic_load(&tp[i].rx);
	frame_to(f, dst);
	bus_xmit(&tp[from].port, f, sizeof(f));
	*only = -1;
	for (i = 0; i < n; i++)
		if (atomic_load(&tp[i].rx) != before[i]) {
			got += atomic_load(&tp[i].rx) - before[i];
			*only = i;
		}
	if (got != 1)
		*only = -1;
	return got;
}

static void
test_ports(void)
{
	enum { N = 1000 };
	static struct tport tp[N];
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t mac[6], nobody[6];
	int i, e = 0, only, n;

	for (i = 0; i < N; i++)
		e |= tport_attach(&tp[i], "bst.ports", i);
	ok(e == 0 && bus_nports("bst.ports") == N, "1,000 ports attach (%d)", bus_nports("bst.ports"));
	tmac(mac, 500);
	ok(deliveries(tp, N, 3, mac, &only) == 1 && only == 500,
	    "a unicast frame reaches only the port with its MAC");
	tmac(mac, 3);
	ok(deliveries(tp, N, 3, mac, &only) == 0, "a frame to the sender's own MAC is not looped back");
	ok(deliveries(tp, N, 3, bcast, &only) == N - 1, "a broadcast reaches every other port");
	ok(deliveries(tp, N, 3, mcast, &only) == N - 1, "a multicast reaches every other port");
	tmac(nobody, 77777);
	ok(deliveries(tp, N, 3, nobody, &only) == 0, "a unicast frame nobody owns reaches nobody");

	/* promiscuous */
	tmac(mac, 7);
	bus_port_set(&tp[7].port, mac, 1);
	tmac(mac, 500);
	n = deliveries(tp, N, 3, mac, &only);
	ok(n == 2 && atomic_load(&tp[7].rx) > 0, "a promiscuous port gets unicast frames too (%d)", n);
	ok(deliveries(tp, N, 3, nobody, &only) == 1 && only == 7,
	    "and frames nobody owns");
	ok(deliveries(tp, N, 7, mac, &only) == 1 && only == 500,
	    "but not its own frames back");
	tmac(mac, 7);
	bus_port_set(&tp[7].port, mac, 0);
	tmac(mac, 500);
	ok(deliveries(tp, N, 3, mac, &only) == 1 && only == 500, "promiscuity off again");

	/* a MAC change */
	bus_port_set(&tp[500].port, nobody, 0);
	ok(deliveries(tp, N, 3, mac, &only) == 0, "after a MAC change the old MAC reaches nobody");
	ok(deliveries(tp, N, 3, nobody, &only) == 1 && only == 500, "and the new one the port");
	/* two ports with one MAC both get its frames */
	bus_port_set(&tp[600].port, nobody, 0);
	ok(deliveries(tp, N, 3, nobody, &only) == 2, "two ports sharing a MAC both get its frames");
	bus_port_set(&tp[500].port, mac, 0);
	tmac(mac, 600);
	bus_port_set(&tp[600].port, mac, 0);

	/* the hub the benchmark compares with */
	tmac(mac, 500);
	ok(bus_set_switch("bst.ports", 0) == 1, "switching can be turned off");
	ok(deliveries(tp, N, 3, mac, &only) == N - 1, "then a unicast frame reaches every port");
	ok(bus_set_switch("bst.ports", 1) == 0 && deliveries(tp, N, 3, mac, &only) == 1 &&
	    only == 500, "and on again");
	ok(bus_set_switch("bst.nosuchbus", 0) == -1, "no such bus: -1");

	/* detach in an order that exercises the doubly linked list */
	for (i = 0; i < N; i += 2)
		bus_detach(&tp[i].port);
	tmac(mac, 501);
	ok(bus_nports("bst.ports") == N / 2 && deliveries(tp, N, 1, mac, &only) == 1 && only == 501,
	    "half detached: %d ports, unicast still switched", bus_nports("bst.ports"));
	ok(deliveries(tp, N, 1, bcast, &only) == N / 2 - 1, "broadcast reaches the rest");
	tmac(mac, 500);
	ok(deliveries(tp, N, 1, mac, &only) == 0, "a detached port gets nothing");
	for (i = 1; i < N; i += 2)
		bus_detach(&tp[i].port);
	ok(bus_nports("bst.ports") == -1, "the bus goes with its last port");
}

/* ---------------------------------------------------------------- threads */

enum { TH_STABLE = 64, TH_CHURN = 64, TH_SENDERS = 3, TH_FRAMES = 20000 };
static struct tport th_stable[TH_STABLE], th_churn[TH_CHURN], th_from[TH_SENDERS];
static atomic_int th_stop, th_sent[TH_STABLE], th_bcasts;

static void *
th_send(void *arg)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int me = (int)(intptr_t)arg, i, to;
	uint8_t f[60], mac[6];

	for (i = 0; i < TH_FRAMES; i++) {
		if (i % 101 == 0) {
			frame_to(f, bcast);
			atomic_fetch_add(&th_bcasts, 1);
		} else if (i % 3 == 2) {
			tmac(mac, 2000 + (i * 7 + me) % TH_CHURN);	/* a port that comes and goes */
			frame_to(f, mac);
		} else {
			to = (i * 13 + me) % TH_STABLE;
			tmac(mac, 1000 + to);
			frame_to(f, mac);
			atomic_fetch_add(&th_sent[to], 1);
		}
		bus_xmit(&th_from[me].port, f, sizeof(f));
	}
	return NULL;
}

static void *
th_churn_fn(void *arg)
{
	uint8_t mac[6];
	int i = 0, c;

	(void)arg;
	while (!atomic_load(&th_stop)) {
		c = i % TH_CHURN;
		bus_detach(&th_churn[c].port);
		if (tport_attach(&th_churn[c], "bst.threads", 2000 + c) != 0)
			break;
		if (i % 5 == 0) {
			tmac(mac, 2000 + c);
			bus_port_set(&th_churn[c].port, mac, i % 10 == 0);	/* promiscuous now and then */
		}
		i++;
	}
	return (void *)(intptr_t)i;
}

static void
test_threads(void)
{
	pthread_t s[TH_SENDERS], c;
	void *churns;
	int i, e = 0, bad = 0;

	for (i = 0; i < TH_STABLE; i++)
		e |= tport_attach(&th_stable[i], "bst.threads", 1000 + i);
	for (i = 0; i < TH_CHURN; i++)
		e |= tport_attach(&th_churn[i], "bst.threads", 2000 + i);
	for (i = 0; i < TH_SENDERS; i++)
		e |= tport_attach(&th_from[i], "bst.threads", 3000 + i);
	ok(e == 0, "threads: ports attached");
	pthread_create(&c, NULL, th_churn_fn, NULL);
	for (i = 0; i < TH_SENDERS; i++)
		pthread_create(&s[i], NULL, th_send, (void *)(intptr_t)i);
	for (i = 0; i < TH_SENDERS; i++)
		pthread_join(s[i], NULL);
	atomic_store(&th_stop, 1);
	pthread_join(c, &churns);
	/* a stable port gets exactly its unicast frames and every broadcast, whatever the
	 * other ports did meanwhile */
	for (i = 0; i < TH_STABLE; i++)
		bad += atomic_load(&th_stable[i].rx) != atomic_load(&th_sent[i]) + atomic_load(&th_bcasts);
	ok(bad == 0, "threads: every stable port got exactly its frames and the broadcasts while "
	    "ports churned %d times (%d wrong)", (int)(intptr_t)churns, bad);
	for (i = 0; i < TH_SENDERS; i++)
		bus_detach(&th_from[i].port);
	for (i = 0; i < TH_CHURN; i++)
		bus_detach(&th_churn[i].port);
	for (i = 0; i < TH_STABLE; i++)
		bus_detach(&th_stable[i].port);
	ok(bus_nports("bst.threads") == -1, "threads: the bus is gone");
}

/* ---------------------------------------------------------------- kernels */

static uint64_t
ipackets(struct rumpus_kernel *k)
{
	struct x_ifdatareq d;
	int s;

	rumpus_kernel_switch(k);
	memset(&d, 0, sizeof(d));
	strcpy(d.name, "shmif0");
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	if (s < 0 || rump_sys_ioctl(s, X_SIOCGIFDATA, &d) < 0)
		d.d.ipackets = ~0ULL;
	if (s >= 0)
		rump_sys_close(s);
	return d.d.ipackets;
}

static void
kaddr(char *buf, int i)
{
	snprintf(buf, 16, "10.77.%d.%d", ((i + 1) >> 8) & 255, (i + 1) & 255);
}

static void
test_kernels(void)
{
	enum { N = 1000 };
	static struct rumpus_kernel *k[N];
	static uint64_t base[N];
	struct x_sin to, from;
	socklen_t fl;
	char a[16], buf[64];
	int i, e = 0, srv, s, bad, got, seen;
	static uint8_t who[N];

	for (i = 0; i < N; i++) {
		if ((k[i] = x_boot()) == NULL)
			break;
		rumpus_kernel_switch(k[i]);
		kaddr(a, i);
		if ((e = x_ifconfig("shmif0", "bst.big", a, 16)) != 0)
			break;
	}
	if (!ok(i == N && e == 0, "1,000 kernels on one bus (%d, error %d)", i, e)) {
		rumpus_kernel_switch(NULL);
		while (--i >= 0)
			if (k[i] != NULL)
				rumpus_kernel_destroy(k[i]);
		return;
	}
	rumpus_kernel_switch(k[0]);
	srv = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	to = x_sin("0.0.0.0", 7777);
	ok(srv >= 0 && rump_sys_bind(srv, (struct sockaddr *)&to, sizeof(to)) == 0, "server bound");
	to = x_sin("10.77.0.1", 7777);

	/* first contact: the ARP request only to the owner of its target address (ARP
	 * suppression), the reply and the datagram to one each */
	for (i = 0; i < N; i++)
		base[i] = ipackets(k[i]);
	rumpus_kernel_switch(k[1]);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(rump_sys_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5,
	    "first contact: sendto");
	rumpus_kernel_switch(k[0]);
	ok(rump_sys_recvfrom(srv, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 5,
	    "first contact: the datagram arrived (ARP resolved)");
	bad = 0;
	for (i = 2; i < N; i++)
		bad += ipackets(k[i]) != base[i];
	ok(ipackets(k[0]) - base[0] == 2 && ipackets(k[1]) - base[1] == 1 && bad == 0,
	    "first contact: request, reply and datagram entered only their destination (%d "
	    "others entered)", bad);

	/* the same without suppression: the request enters every kernel */
	ok(bus_set_arpfilter("bst.big", 0) == 1, "ARP suppression off");
	for (i = 0; i < N; i++)
		base[i] = ipackets(k[i]);
	rumpus_kernel_switch(k[2]);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	ok(rump_sys_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5 &&
	    rump_sys_close(s) == 0, "first contact without suppression: sendto");
	rumpus_kernel_switch(k[0]);
	ok(rump_sys_recvfrom(srv, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 5,
	    "first contact without suppression: the datagram arrived");
	bad = 0;
	for (i = 3; i < N; i++)
		bad += ipackets(k[i]) - base[i] != 1;
	ok(ipackets(k[0]) - base[0] == 2 && ipackets(k[1]) - base[1] == 1 &&
	    ipackets(k[2]) - base[2] == 1 && bad == 0, "first contact without suppression: the "
	    "request entered every kernel (%d others wrong)", bad);
	ok(bus_set_arpfilter("bst.big", 1) == 0, "ARP suppression on again");

	/* a unicast datagram enters only its destination */
	for (i = 0; i < N; i++)
		base[i] = ipackets(k[i]);
	rumpus_kernel_switch(k[1]);
	ok(rump_sys_sendto(s, "again", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5, "unicast: sendto");
	rump_sys_close(s);
	rumpus_kernel_switch(k[0]);
	ok(rump_sys_recvfrom(srv, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 5,
	    "unicast: arrived");
	bad = 0;
	for (i = 1; i < N; i++)
		bad += ipackets(k[i]) != base[i];
	ok(ipackets(k[0]) - base[0] == 1 && bad == 0,
	    "a unicast frame entered only its destination kernel (%d others entered)", bad);

	/* all to one: every other kernel sends one datagram (and makes first contact, but k[2]
	 * knows k[0] already) */
	for (i = 0; i < N; i++)
		base[i] = ipackets(k[i]);
	got = seen = 0;
	memset(who, 0, sizeof(who));
	for (i = 2; i < N; i++) {
		rumpus_kernel_switch(k[i]);
		s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		if (rump_sys_sendto(s, &i, sizeof(i), 0, (struct sockaddr *)&to, sizeof(to)) ==
		    sizeof(i))
			got++;
		rump_sys_close(s);
		if (i % 32 == 0 || i == N - 1) {
			int v;

			rumpus_kernel_switch(k[0]);
			fl = sizeof(from);
			while (rump_sys_recvfrom(srv, &v, sizeof(v), X_MSG_DONTWAIT,
			    (struct sockaddr *)&from, &fl) == sizeof(v))
				if (v >= 2 && v < N && !who[v]) {
					who[v] = 1;
					seen++;
				}
		}
	}
	ok(got == N - 2 && seen == N - 2, "all to one: %d sent, %d distinct received", got, seen);
	bad = 0;
	for (i = 3; i < N; i++)
		bad += ipackets(k[i]) - base[i] != 1;
	ok(ipackets(k[0]) - base[0] == 2 * (N - 3) + 1 && ipackets(k[1]) == base[1] &&
	    ipackets(k[2]) == base[2] && bad == 0, "all to one: each kernel saw its own ARP reply "
	    "only, none the others' requests (%d wrong)", bad);

	rumpus_kernel_switch(k[0]);
	rump_sys_close(srv);
	rumpus_kernel_switch(NULL);
	e = 0;
	for (i = 0; i < N; i++)
		e |= rumpus_kernel_destroy(k[i]);
	ok(e == 0 && bus_nports("bst.big") == -1, "1,000 kernels destroyed, the bus with them");
}

/* Kernels come and go on a bus (attach at SIOCSLINKSTR, detach in net_net_fini) while
 * two threads send unicast and broadcast across it from kernels of their own. */
static atomic_int kc_stop, kc_sent[2];
static struct rumpus_kernel *kc_snd[2];

static void *
kc_sender(void *arg)
{
	int who = (int)(intptr_t)arg;
	struct rumpus_kernel *me = kc_snd[who];
	struct x_sin to = x_sin("10.78.0.1", 7777), bto = x_sin("10.78.255.255", 7777);
	int s, i, one = 1, sent = 0;

	rumpus_kernel_switch(me);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_BROADCAST, &one, sizeof(one));
	for (i = 0; !atomic_load(&kc_stop) && i < 2000000; i++)
		if (rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)(i % 8 ? &to : &bto),
		    sizeof(to)) == 1)
			atomic_store(&kc_sent[who], ++sent);
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return (void *)(intptr_t)sent;
}

static void
test_kernel_churn(void)
{
	struct rumpus_kernel *srv, **snd = kc_snd, *c;
	struct x_sin sin;
	pthread_t t[2];
	char a[16];
	int i, e = 0, fd, churned = 0, n, got = 0;
	intptr_t sent[2];

	srv = x_boot();
	rumpus_kernel_switch(srv);
	e |= x_ifconfig("shmif0", "bst.churn", "10.78.0.1", 16);
	fd = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("0.0.0.0", 7777);
	e |= rump_sys_bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	for (i = 0; i < 2; i++) {
		snd[i] = x_boot();
		rumpus_kernel_switch(snd[i]);
		snprintf(a, sizeof(a), "10.78.1.%u", (unsigned)i % 2u + 1u);
		e |= x_ifconfig("shmif0", "bst.churn", a, 16);
	}
	rumpus_kernel_switch(NULL);
	ok(e == 0, "churn: server and two senders configured");
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, kc_sender, (void *)(intptr_t)i);
	for (i = 0; i < 100000 && (atomic_load(&kc_sent[0]) < 100 || atomic_load(&kc_sent[1]) < 100);
	    i++)
		usleep(100);		/* both senders under way (bounded: 10 s) */
	for (i = 0; i < 150; i++) {
		if ((c = x_boot()) == NULL)
			break;
		rumpus_kernel_switch(c);
		snprintf(a, sizeof(a), "10.78.2.%d", (i % 250 + 1) & 255);
		if (x_ifconfig("shmif0", "bst.churn", a, 16) == 0)
			churned++;
		rumpus_kernel_switch(NULL);
		if (rumpus_kernel_destroy(c) != 0)
			break;
		if (i % 16 == 0) {
			rumpus_kernel_switch(srv);
			while ((n = (int)rump_sys_recvfrom(fd, a, sizeof(a), X_MSG_DONTWAIT, NULL,
			    NULL)) == 1)
				got++;
			rumpus_kernel_switch(NULL);
		}
	}
	atomic_store(&kc_stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], (void **)&sent[i]);
	ok(churned == 150, "churn: 150 kernels joined and left the bus while frames flowed");
	rumpus_kernel_switch(srv);
	while (rump_sys_recvfrom(fd, a, sizeof(a), X_MSG_DONTWAIT, NULL, NULL) == 1)
		got++;
	ok(sent[0] > 0 && sent[1] > 0 && got > 0, "churn: datagrams arrived (%d of %d + %d sent)", got,
	    (int)sent[0], (int)sent[1]);
	rump_sys_close(fd);
	rumpus_kernel_switch(NULL);
	e = rumpus_kernel_destroy(srv);
	for (i = 0; i < 2; i++)
		e |= rumpus_kernel_destroy(snd[i]);
	ok(e == 0 && bus_nports("bst.churn") == -1, "churn: all destroyed, the bus gone");
}

int
main(void)
{
	test_ports();
	test_threads();
	test_kernels();
	test_kernel_churn();
	return tap_done();
}
