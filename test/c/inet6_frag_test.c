/*
 * inet6_frag_test.c: IPv6 reassembly and its limits (RFC 8200 4.5, RFC 5722, RFC 6946;
 * csrc/netinet6/ip6.c), fragments forged by a raw port on the bus to kernel B, under the
 * virtual clock:
 *   - a datagram in two fragments is delivered; an atomic fragment is delivered alone;
 *   - overlapping fragments drop the datagram (its correct last fragment afterwards does
 *     not revive it);
 *   - a non-final fragment whose length is not a multiple of 8: parameter problem pointing
 *     at the payload length (4); one ending past 65535: at the fragment offset (42);
 *   - net.inet6.ip6.maxfragpackets 3: a fourth datagram pushes out the oldest; 0: nothing
 *     is reassembled;
 *   - net.inet6.ip6.maxfrags 4: a datagram's fragments push out an older datagram's;
 *   - 64 fragments make a datagram, a 65th drops it;
 *   - a datagram left incomplete 60 s: time exceeded (fragment reassembly time exceeded) to
 *     its source if its first fragment came, nothing otherwise.
 */
#include "tap.h"
#include "inet6_nb.h"
#include "net/bus.h"
#include "bus_raw.h"

static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x55, 0x55 }, bmac[6];
static struct bus_port port;
static int icmp_type = -1, icmp_code = -1;
static uint32_t icmp_ptr;

/* the last ICMPv6 error sent to the raw port */
static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f;

	(void)bp;
	if (len >= 14 + 48 && e[12] == 0x86 && e[13] == 0xdd && e[14 + 6] == 58 &&
	    memcmp(e, mymac, 6) == 0 && e[54] < 128) {
		icmp_type = e[54];
		icmp_code = e[55];
		icmp_ptr = (uint32_t)(e[58] << 24 | e[59] << 16 | e[60] << 8 | e[61]);
	}
}

static uint8_t srca[16], dsta[16];

/* A UDP datagram from the port's 7501 to B's 7500: n bytes of data tagged tag. */
static size_t
udpdgram(uint8_t *u, size_t n, uint8_t tag)
{
	uint16_t c;
	size_t i;

	u[0] = 7501 >> 8, u[1] = 7501 & 0xff, u[2] = 7500 >> 8, u[3] = 7500 & 0xff;
	u[4] = (uint8_t)((8 + n) >> 8), u[5] = (uint8_t)(8 + n);
	u[6] = u[7] = 0;
	for (i = 0; i < n; i++)
		u[8 + i] = (uint8_t)(tag + i);
	c = x_cksum6(srca, dsta, 17, u, 8 + n);
	u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
	return 8 + n;
}

/* Sends one fragment of datagram id: bytes [off, off + n) of d, more fragments mf. */
static void
frag(uint32_t id, const uint8_t *d, unsigned off, size_t n, int mf)
{
	uint8_t f[14 + 40 + 8 + 1500], p[8 + 1500];

	/* the fragment header (next header UDP), then the bytes */
	p[0] = 17, p[1] = 0;
	p[2] = (uint8_t)(off >> 8), p[3] = (uint8_t)((off & 0xf8) | (mf ? 1 : 0));
	p[4] = (uint8_t)(id >> 24), p[5] = (uint8_t)(id >> 16), p[6] = (uint8_t)(id >> 8);
	p[7] = (uint8_t)id;
	memcpy(p + 8, d + off, n);
	bus_xmit(&port, f, x_frame6n(f, bmac, mymac, srca, dsta, (unsigned)(8 + n), 44, 64, p,
	    8 + n));
}

/* what B's socket received: the number of datagrams, the last one's length and tag */
static int
received(int s, int *lastlen, uint8_t *lasttag)
{
	uint8_t buf[70000];
	int n = 0;
	ssize_t r;

	*lastlen = -1;
	while ((r = rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL)) >= 0) {
		n++;
		*lastlen = (int)r;
		*lasttag = r > 0 ? buf[0] : 0;
	}
	return n;
}

/* A neighbour solicitation with our link-layer address: B knows where its errors go (a
 * STALE entry; the port answers no probes, so before each error it expects). */
static void
announce(void)
{
	uint8_t ns[32], f[14 + 40 + 32];
	uint16_t c;

	memset(ns, 0, sizeof(ns));
	ns[0] = 135;
	memcpy(ns + 8, dsta, 16);
	ns[24] = 1, ns[25] = 1;
	memcpy(ns + 26, mymac, 6);
	c = x_cksum6(srca, dsta, 58, ns, 32);
	ns[2] = (uint8_t)(c >> 8), ns[3] = (uint8_t)c;
	bus_xmit(&port, f, x_frame6n(f, bmac, mymac, srca, dsta, 32, 58, 255, ns, 32));
}

int
main(void)
{
	static uint8_t d[70000], d2[2000];
	struct rumpus_kernel *b;
	struct x_sin6 sa = x_sin6("::", 7500, 0);
	int s, v, n, len, def_frags = 0, i;
	uint8_t tag = 0;
	size_t dl;

	rumpus_clock_virtual(1);
	inet_pton(AF_INET6, "2001:db8:9::99", srca);
	inet_pton(AF_INET6, "2001:db8:9::2", dsta);
	b = x6_boot();
	rumpus_kernel_switch(b);
	v = x_ifconfig("shmif0", "fragbus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:9::2", 64, X_IN6_IFF_NODAD);
	x_lladdr("shmif0", bmac);
	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	ok(v == 0 && bus_attach("fragbus", &port) == 0, "B 2001:db8:9::2 and a raw port on its bus");
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(rump_sys_bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "B listens on [::]:7500");
	announce();
	x_vsleep(1, 0);

	/* two fragments; an atomic fragment */
	dl = udpdgram(d, 1000, 1);
	frag(1, d, 0, 512, 1);
	frag(1, d, 512, dl - 512, 0);
	n = received(s, &len, &tag);
	ok(n == 1 && len == 1000 && tag == 1, "a datagram in two fragments arrives whole (%d, %d)",
	    n, len);
	dl = udpdgram(d, 100, 2);
	frag(2, d, 0, dl, 0);
	n = received(s, &len, &tag);
	ok(n == 1 && len == 100 && tag == 2, "an atomic fragment arrives alone");

	/* overlaps */
	dl = udpdgram(d, 100, 3);
	frag(3, d, 0, 16, 1);
	frag(3, d, 8, dl - 8, 0);
	frag(3, d, 16, dl - 16, 0);
	n = received(s, &len, &tag);
	ok(n == 0, "overlapping fragments drop the datagram; its right last fragment after "
	    "them does not revive it (%d)", n);

	/* malformed */
	icmp_type = -1;
	dl = udpdgram(d, 100, 4);
	frag(4, d, 0, 12, 1);
	x_vsleep(1, 0);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 4, "a non-final fragment of 12 bytes: "
	    "parameter problem at the payload length (%d/%d/%u)", icmp_type, icmp_code, icmp_ptr);
	icmp_type = -1;
	frag(5, d, 0, 16, 1);
	{
		static uint8_t big[65600];
		memcpy(big + 65528, d, 16);
		frag(5, big, 65528, 16, 0);
	}
	x_vsleep(1, 0);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 42, "a fragment ending past 65535: "
	    "parameter problem at its offset field (%d/%d/%u)", icmp_type, icmp_code, icmp_ptr);
	received(s, &len, &tag);

	/* maxfragpackets */
	v = 3;
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGPACKETS, NULL, &v) == 0,
	    "net.inet6.ip6.maxfragpackets = 3");
	dl = udpdgram(d, 100, 10);
	for (i = 10; i <= 13; i++)
		frag((uint32_t)i, d, 0, 16, 1);
	frag(10, d, 16, dl - 16, 0);	/* a datagram of its own now: 11 goes */
	n = received(s, &len, &tag);
	ok(n == 0, "four incomplete datagrams: the oldest went, its last fragment completes "
	    "nothing");
	frag(13, d, 16, dl - 16, 0);
	frag(12, d, 16, dl - 16, 0);
	frag(11, d, 16, dl - 16, 0);
	n = received(s, &len, &tag);
	ok(n == 2, "the two newest complete, the one its tail pushed out does not (%d)", n);
	v = 0;
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGPACKETS, NULL, &v);
	frag(14, d, 0, 16, 1);
	frag(14, d, 16, dl - 16, 0);
	n = received(s, &len, &tag);
	ok(n == 0, "maxfragpackets 0: nothing is reassembled");
	v = 200;
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGPACKETS, NULL, &v);

	/* maxfrags */
	v = x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGS, &def_frags, NULL);
	ok(v == 0 && def_frags > 64, "net.inet6.ip6.maxfrags defaults to %d", def_frags);
	v = 4;
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGS, NULL, &v);
	dl = udpdgram(d2, 100, 20);
	frag(20, d2, 0, 8, 1);
	frag(20, d2, 8, 8, 1);
	frag(20, d2, 16, 8, 1);
	frag(21, d2, 0, 8, 1);
	frag(21, d2, 8, 8, 1);		/* the fifth fragment: 20's go */
	frag(21, d2, 16, dl - 16, 0);
	frag(20, d2, 24, dl - 24, 0);
	n = received(s, &len, &tag);
	ok(n == 1 && len == 100, "maxfrags 4: the newer datagram completes, the older was pushed "
	    "out (%d)", n);
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_MAXFRAGS, NULL, &def_frags);

	/* 64 fragments a datagram */
	dl = udpdgram(d, 1000, 30);
	for (i = 0; i < 63; i++)
		frag(30, d, (unsigned)i * 8, 8, 1);
	frag(30, d, 63 * 8, dl - 63 * 8, 0);
	n = received(s, &len, &tag);
	ok(n == 1 && len == 1000, "64 fragments make a datagram");
	for (i = 0; i < 64; i++)
		frag(31, d, (unsigned)i * 8, 8, 1);
	frag(31, d, 64 * 8, dl - 64 * 8, 0);
	n = received(s, &len, &tag);
	ok(n == 0, "a 65th fragment drops it");

	/* timeouts */
	icmp_type = -1;
	dl = udpdgram(d, 100, 40);
	frag(40, d, 0, 16, 1);
	x_vsleep(59, 0);
	ok(icmp_type == -1, "59 s with a first fragment alone: nothing yet");
	announce();
	x_vsleep(2, 0);
	ok(icmp_type == 3 && icmp_code == 1, "at 60 s: time exceeded, reassembly (%d/%d)",
	    icmp_type, icmp_code);
	icmp_type = -1;
	frag(41, d, 16, dl - 16, 0);
	x_vsleep(61, 0);
	ok(icmp_type == -1, "a datagram whose first fragment never came times out silently");
	frag(40, d, 16, dl - 16, 0);
	n = received(s, &len, &tag);
	ok(n == 0, "the timed-out datagram's last fragment completes nothing");

	bus_detach(&port);
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(b);
	return tap_done();
}
