/*
 * tcp6_synunreach_test.c: ICMPv6 errors for a SYN|ACK of the SYN cache, as NetBSD's
 * tcp6_ctlinput hands them to syn_cache_unreach: only "no route to destination" (code
 * 0, PRC_UNREACH_NET) quoting the entry's ISS acts: the first marks the entry, one more
 * once its SYN|ACK went out 3 times more removes it; address unreachable (NetBSD's
 * PRC_HOSTDEAD, notified without the ports), administratively prohibited, port
 * unreachable and a wrong sequence number do nothing.  The test is a host on the
 * kernel's bus (2001:db8:7::2) that injects hand-built frames in virtual time.
 */
#include <pthread.h>
#include <time.h>

#include "tap.h"
#include "inet6_nb.h"
#include "tcp_nb.h"
#include "net/bus.h"
#include "bus_raw.h"

static const uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x77, 0x02 };
static uint8_t kmac[6], me[16], kaddr[16], rtr[16];
static struct bus_port port;

/* captured SYN|ACKs: the last one's destination port and sequence number */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int nsynack;
static uint16_t synack_dport;
static uint32_t synack_seq;

static void
rx(struct bus_port *bp, const void *frame, size_t len)
{
	const uint8_t *f = frame, *th = f + 54;

	(void)bp;
	if (len < 54 + 20 || f[12] != 0x86 || f[13] != 0xdd || f[20] != 6)
		return;
	if (th[13] == 0x12) {		/* SYN|ACK */
		pthread_mutex_lock(&lock);
		nsynack++;
		synack_dport = (uint16_t)(th[2] << 8 | th[3]);
		synack_seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
		pthread_mutex_unlock(&lock);
	}
}

static int
synacks(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = nsynack;
	pthread_mutex_unlock(&lock);
	return n;
}

/* An IPv6 frame src -> the kernel with next header nxt and payload pl; the upper-layer
 * checksum at offset ck of the payload. */
static void
send6(const uint8_t *src, int nxt, const uint8_t *pl, size_t plen, size_t ck)
{
	uint8_t f[1514];
	uint16_t c;

	x_frame6n(f, kmac, mymac, src, kaddr, (unsigned)plen, nxt, 255, pl, plen);
	f[54 + ck] = f[54 + ck + 1] = 0;
	c = x_cksum6(src, kaddr, nxt, f + 54, plen);
	f[54 + ck] = (uint8_t)(c >> 8), f[54 + ck + 1] = (uint8_t)c;
	bus_xmit(&port, f, 54 + plen);
}

static void
syn(uint16_t sport)
{
	uint8_t t[24];

	memset(t, 0, sizeof(t));
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport, t[3] = 80;
	t[4] = 0x10;				/* seq 0x10000000 */
	t[12] = 6 << 4, t[13] = 0x02;		/* SYN */
	t[14] = 0xff, t[15] = 0xff;
	t[20] = 2, t[21] = 4, t[22] = 1400 >> 8, t[23] = 1400 & 0xff;
	send6(me, 6, t, sizeof(t), 16);
}

/* ICMPv6 destination unreachable (code) from a router, quoting the kernel's segment
 * 80 -> dport with sequence number seq. */
static void
unreach6(int code, uint16_t dport, uint32_t seq)
{
	uint8_t m[8 + 40 + 8];

	memset(m, 0, sizeof(m));
	m[0] = 1, m[1] = (uint8_t)code;
	m[8] = 0x60, m[8 + 5] = 24, m[8 + 6] = 6, m[8 + 7] = 64;
	memcpy(m + 8 + 8, kaddr, 16);
	memcpy(m + 8 + 24, me, 16);
	m[48 + 1] = 80, m[48 + 2] = (uint8_t)(dport >> 8), m[48 + 3] = (uint8_t)dport;
	m[48 + 4] = (uint8_t)(seq >> 24), m[48 + 5] = (uint8_t)(seq >> 16);
	m[48 + 6] = (uint8_t)(seq >> 8), m[48 + 7] = (uint8_t)seq;
	send6(rtr, 58, m, sizeof(m), 2);
}


static void
advance_ms(uint64_t ms)
{
	struct timespec d = { 0, 2000000 };

	rumpus_clock_advance(ms * 1000000ULL);
	nanosleep(&d, NULL);
}

int
main(void)
{
	struct rumpus_kernel *k;
	uint32_t iss1, iss2;
	uint8_t ns[32];
	struct x_sin6 sin6 = x_sin6("::", 80, 0);
	int l, n;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	k = x6_boot();
	rumpus_kernel_switch(k);
	ok(k != NULL && x_ifconfig("shmif0", "tcp6unbus", NULL, 0) == 0 &&
	    x6_addr("shmif0", "2001:db8:7::1", 64, 0) == 0, "a kernel at 2001:db8:7::1/64");
	x_lladdr("shmif0", kmac);
	inet_pton(AF_INET6, "2001:db8:7::2", me);
	inet_pton(AF_INET6, "2001:db8:7::1", kaddr);
	inet_pton(AF_INET6, "2001:db8:7::fe", rtr);
	x_vsleep(3, 0);		/* DAD: in the kernel, so its callouts run */
	ok(x6_aflag("shmif0", "2001:db8:7::1") == 0, "the address passed DAD");
	port.bp_rx = rx;
	memcpy(port.bp_mac, mymac, 6);
	port.bp_promisc = 1;
	ok(bus_attach("tcp6unbus", &port) == 0, "our port at 2001:db8:7::2");
	/* a neighbour solicitation for the kernel's address with our link-layer address:
	 * the kernel learns it (RFC 4861 7.2.3) */
	memset(ns, 0, sizeof(ns));
	ns[0] = 135;
	memcpy(ns + 8, kaddr, 16);
	ns[24] = 1, ns[25] = 1;
	memcpy(ns + 26, mymac, 6);
	send6(me, 58, ns, sizeof(ns), 2);
	l = rump_sys_socket(X_AF_INET6, 1 /* SOCK_STREAM */, 0);
	ok(l >= 0 && rump_sys_bind(l, (void *)&sin6, sizeof(sin6)) == 0 &&
	    rump_sys_listen(l, 16) == 0, "a listener on [::]:80");

	syn(43000);
	n = synacks();
	iss1 = synack_seq;
	ok(n == 1 && synack_dport == 43000 && x_synstats(k).count == 1, "SYN: a SYN|ACK from the "
	    "cache (%d)", n);
	syn(43001);
	iss2 = synack_seq;
	ok(synacks() == 2 && x_synstats(k).count == 2, "a second entry");
	unreach6(0, 43000, iss1);
	ok(x_synstats(k).count == 2, "no route quoting the first: marked, it stays");
	unreach6(0, 43001, iss2 + 1);
	advance_ms(3000);
	advance_ms(6000);
	advance_ms(12000);
	ok(synacks() == 8, "21 s: each retransmitted 3 times (%d SYN|ACKs)", synacks());
	unreach6(3, 43000, iss1);	/* address unreachable: PRC_HOSTDEAD */
	unreach6(1, 43000, iss1);	/* administratively prohibited */
	unreach6(4, 43000, iss1);	/* port unreachable */
	unreach6(0, 43000, iss1 - 1);
	ok(x_synstats(k).count == 2 && x_synstats(k).unreach == 0, "address, admin, port unreachable "
	    "and a wrong sequence number: nothing");
	unreach6(0, 43000, iss1);
	ok(x_synstats(k).count == 1 && x_synstats(k).unreach == 1, "no route again after 3 "
	    "retransmissions: the entry goes");
	unreach6(0, 43001, iss2);
	ok(x_synstats(k).count == 1, "the other, never marked (a wrong number does not): marked now");
	unreach6(0, 43001, iss2);
	ok(x_synstats(k).count == 0 && x_synstats(k).unreach == 2, "and removed by the next");

	rump_sys_close(l);
	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
	return tap_done();
}
