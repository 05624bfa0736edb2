/*
 * inet6_nd_test.c: Neighbor Discovery on a bus under the virtual clock.  DAD catches a
 * duplicate address (the newcomer's copy becomes IN6_IFF_DUPLICATED, cannot be bound,
 * the owner keeps it); a neighbour entry goes REACHABLE -> STALE (reachable time) ->
 * DELAY (a send) -> PROBE (5 s) -> REACHABLE (the unicast probe answered), and when the
 * neighbour goes away PROBE -> gone after three probes; a stale entry is collected after
 * a day.  Then a raw port on the bus sends forged and malformed packets: ND with a hop
 * limit below 255, bad option lengths, advertisements for the victim's own address,
 * truncated and malformed extension headers, a routing header type 0, random mutations:
 * the victim answers what RFC 8200 / 4861 say (parameter problems), changes nothing it
 * must not, never crashes, and still answers ping afterwards.
 */
#include "tap.h"
#include "inet6_nb.h"
#include "net/bus.h"
#include "bus_raw.h"

#define vsleep(sec) x_vsleep(sec, 0)

/* what the raw port saw: the last ICMPv6 message sent to it */
static int icmp_type = -1, icmp_code = -1;
static uint32_t icmp_ptr;
static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x66, 0x66 };

static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f;

	(void)bp;
	if (len >= 14 + 48 && e[12] == 0x86 && e[13] == 0xdd && e[14 + 6] == 58 &&
	    memcmp(e, mymac, 6) == 0) {
		icmp_type = e[54];
		icmp_code = e[55];
		icmp_ptr = (uint32_t)(e[58] << 24 | e[59] << 16 | e[60] << 8 | e[61]);
	}
}

/* An Ethernet frame from the raw port: IPv6 src -> dst, hop limit, next header nxt and
 * payload (its ICMPv6 checksum at ck, if ck >= 0, filled in over the bytes from ckfrom). */
static size_t
frame6(uint8_t *f, const uint8_t *dmac, const char *src, const char *dst, int hlim, int nxt,
    const uint8_t *pl, size_t plen, int ck, size_t ckfrom)
{
	x_frame6(f, dmac, mymac, src, dst, (unsigned)plen, nxt, hlim, pl, plen);
	if (ck >= 0) {
		uint16_t c;
		f[54 + ck] = f[54 + ck + 1] = 0;
		c = x_cksum6(f + 22, f + 38, 58, f + 54 + ckfrom, plen - ckfrom);
		f[54 + ck] = (uint8_t)(c >> 8), f[54 + ck + 1] = (uint8_t)c;
	}
	return 54 + plen;
}

static uint32_t rng = 4242;
static uint32_t
rnd(void)
{
	rng = rng * 1103515245 + 12345;
	return rng >> 8;
}

int
main(void)
{
	struct rumpus_kernel *a, *b, *c;
	struct x_in6_nbrinfo nb;
	struct bus_port port;
	uint8_t amac[6], f[1600], pl[1500];
	char lla[64];
	int s, v;
	size_t n, i;

	rumpus_clock_virtual(1);
	a = x6_boot(), b = x6_boot(), c = x6_boot();
	ok(a && b && c, "three kernels");
	rumpus_kernel_switch(a);
	ok(x_ifconfig("shmif0", "ndbus", NULL, 0) == 0 && x6_addr("shmif0", "2001:db8:1::1", 64, 0) == 0,
	    "A: 2001:db8:1::1/64");
	x_lladdr("shmif0", amac);
	x_lladdr6("shmif0", lla, sizeof(lla));
	rumpus_kernel_switch(b);
	ok(x_ifconfig("shmif0", "ndbus", NULL, 0) == 0 && x6_addr("shmif0", "2001:db8:1::2", 64, 0) == 0,
	    "B: 2001:db8:1::2/64");
	vsleep(2);
	ok(x6_aflag("shmif0", "2001:db8:1::2") == 0, "B's address passed DAD");

	/* DAD catches a duplicate */
	rumpus_kernel_switch(c);
	ok(x_ifconfig("shmif0", "ndbus", NULL, 0) == 0 && x6_addr("shmif0", "2001:db8:1::2", 64, 0) == 0,
	    "C claims B's address 2001:db8:1::2");
	v = x6_aflag("shmif0", "2001:db8:1::2");
	ok(v == X_IN6_IFF_TENTATIVE || v == X_IN6_IFF_DUPLICATED,
	    "C's copy is not usable (tentative, or already caught: B answers at once)");
	vsleep(2);
	v = x6_aflag("shmif0", "2001:db8:1::2");
	ok(v == X_IN6_IFF_DUPLICATED, "B defended it: C's copy is IN6_IFF_DUPLICATED (%d)", v);
	{
		struct x_sin6 sin6 = x_sin6("2001:db8:1::2", 0, 0);
		int u = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		ok(rump_sys_bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 &&
		    errno == X_EADDRNOTAVAIL, "binding the duplicated address: EADDRNOTAVAIL");
		rump_sys_close(u);
	}
	rumpus_kernel_switch(b);
	ok(x6_aflag("shmif0", "2001:db8:1::2") == 0, "B keeps it");
	rumpus_kernel_destroy(c);

	/* NUD on the virtual clock */
	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	x_rcvtimeo(s, 3000000);
	ok(x6_ping(s, "2001:db8:1::2", 0, 1, 64, NULL) == 129, "A pings B");
	ok(x6_nbr("shmif0", "2001:db8:1::2", &nb) == X_ND6_LLINFO_REACHABLE,
	    "A's entry for B: REACHABLE");
	vsleep(50);		/* past 1.5 x the 30 s reachable time */
	ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == X_ND6_LLINFO_STALE, "50 s later: STALE");
	{
		struct x_sin6 to = x_sin6("2001:db8:1::2", 9, 0);
		int u = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == X_ND6_LLINFO_DELAY,
		    "a datagram to the stale entry: DELAY");
		vsleep(6);
		v = x6_nbr("shmif0", "2001:db8:1::2", NULL);
		ok(v == X_ND6_LLINFO_REACHABLE,
		    "after the 5 s delay A probed and B answered: REACHABLE (%d)", v);
		vsleep(50);
		rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		rumpus_kernel_switch(b);
		x_ifconfig("shmif0", NULL, NULL, 0);
		{
			struct x_ifreq ifr;
			int t = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
			memset(&ifr, 0, sizeof(ifr));
			strcpy(ifr.name, "shmif0");
			rump_sys_ioctl(t, X_SIOCGIFFLAGS, &ifr);
			ifr.u.flags &= ~X_IFF_UP;
			ok(rump_sys_ioctl(t, X_SIOCSIFFLAGS, &ifr) == 0, "B goes down");
			rump_sys_close(t);
		}
		rumpus_kernel_switch(a);
		vsleep(6);
		ok(x6_nbr("shmif0", "2001:db8:1::2", &nb) == X_ND6_LLINFO_PROBE,
		    "A probes the silent B: PROBE");
		vsleep(4);
		ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == -X_EINVAL,
		    "three unanswered probes: the entry is gone");
		rump_sys_close(u);
	}
	rumpus_kernel_switch(b);
	{
		struct x_ifreq ifr;
		int t = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif0");
		rump_sys_ioctl(t, X_SIOCGIFFLAGS, &ifr);
		ifr.u.flags |= X_IFF_UP;
		rump_sys_ioctl(t, X_SIOCSIFFLAGS, &ifr);
		rump_sys_close(t);
	}
	rumpus_kernel_switch(a);
	v = x6_ping(s, "2001:db8:1::2", 0, 2, 64, NULL);
	ok(v == 129, "B is back: ping works (%d)", v);
	vsleep(60);
	ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == X_ND6_LLINFO_STALE, "idle: STALE");
	vsleep(86400);
	ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == -X_EINVAL,
	    "a day later the stale entry was collected");

	/* forged and malformed input from a raw port on the bus */
	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	ok(bus_attach("ndbus", &port) == 0, "a raw port joins the bus");
	{
		uint8_t ns[32];
		/* NS for A's address with hop limit 64: must be ignored (no entry) */
		memset(ns, 0, sizeof(ns));
		ns[0] = 135;
		inet_pton(AF_INET6, "2001:db8:1::1", ns + 8);
		ns[24] = 1, ns[25] = 1;
		memcpy(ns + 26, mymac, 6);
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 58, ns, 32, 2, 0);
		bus_xmit(&port, f, n);
		ok(x6_nbr("shmif0", "2001:db8:1::66", NULL) == -X_EINVAL,
		    "an NS with hop limit 64 changes nothing");
		ns[25] = 0;	/* option length 0 */
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 255, 58, ns, 32, 2, 0);
		bus_xmit(&port, f, n);
		ok(x6_nbr("shmif0", "2001:db8:1::66", NULL) == -X_EINVAL,
		    "an NS with a zero-length option changes nothing");
		ns[25] = 1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 255, 58, ns, 32, 2, 0);
		icmp_type = -1;
		bus_xmit(&port, f, n);
		v = x6_nbr("shmif0", "2001:db8:1::66", NULL);
		ok(v == X_ND6_LLINFO_DELAY && icmp_type == 136,
		    "a valid NS: A caches us (STALE) and answers with an NA (so DELAY)");
		/* NA claiming A's own address */
		memset(ns, 0, sizeof(ns));
		ns[0] = 136;
		ns[4] = 0x20;
		inet_pton(AF_INET6, "2001:db8:1::1", ns + 8);
		ns[24] = 2, ns[25] = 1;
		memcpy(ns + 26, mymac, 6);
		n = frame6(f, amac, "fe80::66", "ff02::1", 255, 58, ns, 32, 2, 0);
		{
			uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
			memcpy(f, mc, 6);
		}
		bus_xmit(&port, f, n);
		ok(x6_aflag("shmif0", "2001:db8:1::1") == 0,
		    "an NA claiming A's ready address does not take it away");
	}
	/* extension headers */
	{
		uint8_t p[64];
		/* hop-by-hop with an option running past its header */
		memset(p, 0, sizeof(p));
		p[0] = 58, p[1] = 0, p[2] = 0x1e, p[3] = 10;
		p[8] = 128;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 0, p, 16, 10, 8);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 43,
		    "an option past the end of hop-by-hop: parameter problem at byte 43 (%d/%d/%u)",
		    icmp_type, icmp_code, icmp_ptr);
		/* unknown option type 0xc2 (discard + ICMP) in destination options */
		memset(p, 0, sizeof(p));
		p[0] = 58, p[1] = 0, p[2] = 0x82, p[3] = 4;
		p[8] = 128;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 60, p, 16, 10, 8);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 2 && icmp_ptr == 42,
		    "an unknown option of type 10xxxxxx: parameter problem code 2 at byte 42");
		/* routing header type 0 with a segment left */
		memset(p, 0, sizeof(p));
		p[0] = 58, p[1] = 2, p[2] = 0, p[3] = 1;
		inet_pton(AF_INET6, "2001:db8:1::2", p + 8);
		p[24] = 128;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 43, p, 32, 26, 24);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 42,
		    "a type 0 routing header with segments left: refused, parameter problem at 42");
		/* a hop-by-hop header after another header */
		memset(p, 0, sizeof(p));
		p[0] = 0, p[1] = 0, p[2] = 1, p[3] = 4;
		p[8] = 58, p[9] = 0, p[10] = 1, p[11] = 4;
		p[16] = 128;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 60, p, 24, 18, 16);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 1 && icmp_ptr == 40,
		    "hop-by-hop not first: parameter problem code 1 at byte 40");
		/* an unknown next header */
		memset(p, 0, sizeof(p));
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 253, p, 8, -1, 0);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 1 && icmp_ptr == 6,
		    "an unknown next header: parameter problem code 1 at byte 6");
		/* a truncated destination options header: dropped silently */
		memset(p, 0, sizeof(p));
		p[0] = 58, p[1] = 3;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 60, p, 16, -1, 0);
		bus_xmit(&port, f, n);
		ok(icmp_type == -1, "a truncated extension header is dropped silently");
		/* fragment: a non-final fragment not a multiple of 8 */
		memset(p, 0, sizeof(p));
		p[0] = 17, p[3] = 1;
		p[4] = 1;
		icmp_type = -1;
		n = frame6(f, amac, "2001:db8:1::66", "2001:db8:1::1", 64, 44, p, 8 + 13, -1, 0);
		bus_xmit(&port, f, n);
		ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 4,
		    "a fragment of 13 bytes with more to come: parameter problem at the length");
	}
	/* random mutations of valid packets: nothing may crash */
	{
		uint8_t tmpl[3][80];
		size_t tl[3];
		uint8_t echo[16];
		memset(tmpl, 0, sizeof(tmpl));
		memset(echo, 0, sizeof(echo));
		echo[0] = 128;
		tl[0] = frame6(tmpl[0], amac, "2001:db8:1::66", "2001:db8:1::1", 255, 58, echo, 16, 2, 0);
		memset(pl, 0, sizeof(pl));
		pl[0] = 60, pl[1] = 0, pl[2] = 1, pl[3] = 4;
		pl[8] = 44, pl[9] = 0, pl[10] = 0, pl[11] = 8 | 1;
		pl[16] = 58, pl[17] = 0;
		tl[1] = frame6(tmpl[1], amac, "2001:db8:1::66", "2001:db8:1::1", 255, 0, pl, 24, -1, 0);
		pl[0] = 136;
		tl[2] = frame6(tmpl[2], amac, "fe80::66", "2001:db8:1::1", 255, 58, pl, 24, 2, 0);
		for (i = 0; i < 20000; i++) {
			int t = (int)(rnd() % 3), k, nm = 1 + (int)(rnd() % 4);
			size_t len = tl[t];
			memcpy(f, tmpl[t], len);
			for (k = 0; k < nm; k++)
				f[14 + rnd() % (len - 14)] = (uint8_t)rnd();
			if (rnd() % 4 == 0)
				len = 14 + rnd() % (len - 13);
			bus_xmit(&port, f, len);
		}
		ok(1, "20000 mutated packets did not crash A");
	}
	bus_detach(&port);
	v = x6_ping(s, "2001:db8:1::2", 0, 3, 64, NULL);
	ok(v == 129, "A still answers and pings (%d)", v);
	ok(x6_aflag("shmif0", "2001:db8:1::1") == 0 && x6_aflag("shmif0", lla) == 0,
	    "A's addresses are intact");
	rump_sys_close(s);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);
	return tap_done();
}
