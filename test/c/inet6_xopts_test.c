/*
 * inet6_xopts_test.c: RFC 3542's sticky options and their ancillary-data overrides as
 * NetBSD has them, on a bus under the virtual clock, and jumbograms on input.
 *   - IPV6_HOPOPTS / IPV6_DSTOPTS / IPV6_RTHDRDSTOPTS / IPV6_RTHDR / IPV6_NEXTHOP set
 *     with setsockopt go on every datagram; getsockopt gives them back; an empty value
 *     removes one; malformed ones are EINVAL (length, routing header type and segments),
 *     a next hop not IPv6 EAFNOSUPPORT, multicast EINVAL; sticky IPV6_HOPLIMIT is
 *     ENOPROTOOPT (NetBSD: RFC 3542 dropped it).
 *   - The receiver's IPV6_RECVHOPOPTS / IPV6_RECVDSTOPTS / IPV6_RECVRTHDR give the
 *     headers as they came; destination options before a routing header only go with one.
 *   - A datagram's own cmsgs replace the sticky ones one by one (an empty one: none).
 *   - A routing header type 0 sends to its first address (which, refusing type 0 with
 *     segments left, answers a parameter problem); a next hop takes a datagram to a
 *     destination without a route; a 3000-byte datagram with hop-by-hop options is
 *     fragmented after them and reassembled.
 *   - Jumbograms from a raw port: a Jumbo Payload option with a wrong length, with a
 *     non-zero payload length, with a value of 65535 or less, twice; payload length 0
 *     without one: parameter problems pointing where NetBSD's do; a well-formed one
 *     claiming more than the frame holds is dropped silently.
 */
#include "tap.h"
#include "inet6_nb.h"
#include "inet6_msg.h"
#include "net/bus.h"
#include "bus_raw.h"

enum { X_IPV6_RTHDRDSTOPTS = 35, X_IPV6_RECVRTHDR = 38, X_IPV6_RECVHOPOPTS = 39,
	X_IPV6_RECVDSTOPTS = 40, X_IPV6_NEXTHOP = 48, X_IPV6_HOPOPTS = 49, X_IPV6_DSTOPTS = 50,
	X_IPV6_RTHDR = 51 };

#define vsleep(sec) x_vsleep(sec, 0)

/* bind and sendto: 0 or the errno (inet6_msg.h) */
#define bind6(s, a, port) x6_bind(s, a, port, 0)
#define send6(s, d, len, a, port) x6_send(s, d, len, a, port, 0)

/* sendmsg with one cmsg (IPPROTO_IPV6, type, data/dlen) */
static int
sendctl(int s, const void *d, size_t len, const char *a, int port, int type,
    const void *data, size_t dlen)
{
	uint8_t cbuf[512];
	struct x_sin6 sin6 = x_sin6(a, port, 0);
	struct x_iov iov = { (void *)d, len };
	unsigned clen = (unsigned)(16 + dlen);
	int lvl = X_IPPROTO_IPV6;
	struct x_msghdr m = { &sin6, sizeof(sin6), &iov, 1, cbuf, (clen + 7) & ~7U, 0 };

	memset(cbuf, 0, sizeof(cbuf));
	memcpy(cbuf, &clen, 4);
	memcpy(cbuf + 4, &lvl, 4);
	memcpy(cbuf + 8, &type, 4);
	if (dlen > 0)
		memcpy(cbuf + 16, data, dlen);
	return rump_sys_sendmsg(s, (struct msghdr *)&m, 0) < 0 ? errno : 0;
}

/* Receives one datagram: its length or -errno; the cmsgs of level IPPROTO_IPV6 kept by
 * type (the data of the last of each, and how many came). */
struct rx { uint8_t data[4][256]; size_t len[4]; int n[4]; };
static int rxtype[4] = { X_IPV6_HOPOPTS, X_IPV6_DSTOPTS, X_IPV6_RTHDR, X_IPV6_TCLASS };

static ssize_t
recvx(int s, char *buf, size_t len, struct rx *r)
{
	uint8_t cbuf[2048];
	struct x_iov iov = { buf, len };
	struct x_msghdr m = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	ssize_t n = rump_sys_recvmsg(s, (struct msghdr *)&m, X_MSG_DONTWAIT);
	const uint8_t *d;
	size_t off = 0;
	unsigned dlen;
	int i, lvl, t;

	memset(r, 0, sizeof(*r));
	if (n < 0)
		return -errno;
	while ((d = x_cmsg_next(cbuf, m.controllen, &off, &lvl, &t, &dlen)) != NULL)
		for (i = 0; i < 4; i++)
			if (lvl == X_IPPROTO_IPV6 && t == rxtype[i]) {
				r->n[i]++;
				r->len[i] = dlen < 256 ? dlen : 256;
				memcpy(r->data[i], d, r->len[i]);
			}
	return n;
}

/* an 8-byte options header: next header (kernel's), length 0, option 0x1e (skip if
 * unknown) of 4 bytes tagged */
static void
opthdr(uint8_t *h, uint8_t tag)
{
	h[0] = 0, h[1] = 0;
	h[2] = 0x1e, h[3] = 4;
	h[4] = tag, h[5] = 0xaa, h[6] = 0xbb, h[7] = 0xcc;
}

/* the raw port: the last ICMPv6 message sent to it */
static int icmp_type = -1, icmp_code = -1;
static uint32_t icmp_ptr;
static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x77, 0x77 };

static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f;

	(void)bp;
	if (len >= 14 + 48 && e[12] == 0x86 && e[13] == 0xdd && e[14 + 6] == 58 &&
	    memcmp(e, mymac, 6) == 0 && e[54] < 128) {	/* errors, not B's ND probes */
		icmp_type = e[54];
		icmp_code = e[55];
		icmp_ptr = (uint32_t)(e[58] << 24 | e[59] << 16 | e[60] << 8 | e[61]);
	}
}

/* An Ethernet frame from the raw port: IPv6 from src to dst with payload length field
 * plen_field, next header nxt and the payload pl. */
static size_t
frame6(uint8_t *f, const uint8_t *dmac, const char *src, const char *dst, unsigned plen_field,
    int nxt, const uint8_t *pl, size_t plen)
{
	return x_frame6(f, dmac, mymac, src, dst, plen_field, nxt, 64, pl, plen);
}

/* A hop-by-hop header with a Jumbo Payload option (length olen, value v), maybe twice,
 * then UDP; 16 bytes of header. */
static size_t
jumbo_hbh(uint8_t *pl, int olen, uint32_t v, int twice)
{
	memset(pl, 0, 64);
	pl[0] = 17, pl[1] = 1;
	pl[2] = 0, pl[3] = 0;			/* Pad1 Pad1: the value 4-aligned (RFC 2675) */
	pl[4] = 0xc2, pl[5] = (uint8_t)olen;
	pl[6] = (uint8_t)(v >> 24), pl[7] = (uint8_t)(v >> 16), pl[8] = (uint8_t)(v >> 8);
	pl[9] = (uint8_t)v;
	if (twice) {
		pl[10] = 0xc2, pl[11] = 4;
		pl[12] = (uint8_t)(v >> 24), pl[13] = (uint8_t)(v >> 16);
		pl[14] = (uint8_t)(v >> 8), pl[15] = (uint8_t)v;
	} else
		pl[10] = 1, pl[11] = 4;		/* PadN */
	memset(pl + 16, 0, 16);			/* UDP header and some data */
	return 32;
}

/* sends frame f (n bytes) from the port and gives B a second to answer: icmp_type stays
 * -1 unless an ICMPv6 error came back */
static void
xmit_wait(struct bus_port *port, const uint8_t *f, size_t n)
{
	icmp_type = -1;
	bus_xmit(port, f, n);
	vsleep(1);
}

static void
jumbograms(struct rumpus_kernel *b, const uint8_t *bmac)
{
	struct bus_port port;
	uint8_t f[256], pl[64], ns[32];
	size_t n;
	uint16_t c;

	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	ok(bus_attach("xoptbus", &port) == 0, "a raw port joins the bus");
	rumpus_kernel_switch(b);
	/* a neighbour solicitation first, so B knows where errors go */
	memset(ns, 0, sizeof(ns));
	ns[0] = 135;
	inet_pton(AF_INET6, "2001:db8:7::2", ns + 8);
	ns[24] = 1, ns[25] = 1;
	memcpy(ns + 26, mymac, 6);
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 32, 58, ns, 32);
	f[21] = 255;
	c = x_cksum6(f + 22, f + 38, 58, f + 54, 32);
	f[54 + 2] = (uint8_t)(c >> 8), f[54 + 3] = (uint8_t)c;
	bus_xmit(&port, f, n);
	vsleep(1);

	/* payload length 0 and hop-by-hop options without a jumbo option */
	memset(pl, 0, sizeof(pl));
	pl[0] = 17, pl[1] = 0, pl[2] = 1, pl[3] = 4;	/* PadN */
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 0, 0, pl, 24);
	xmit_wait(&port, f, n);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 4, "payload length 0, no Jumbo Payload "
	    "option: parameter problem at the payload length (%d/%d/%u)", icmp_type, icmp_code,
	    icmp_ptr);

	/* jumbo option of the wrong length */
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 0, 0, pl, jumbo_hbh(pl, 3, 70000, 0));
	xmit_wait(&port, f, n);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 40 + 5, "a Jumbo Payload option of "
	    "length 3: parameter problem at its length (%d/%d/%u)", icmp_type, icmp_code, icmp_ptr);

	/* with a non-zero payload length */
	n = jumbo_hbh(pl, 4, 70000, 0);
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", (unsigned)n, 0, pl, n);
	xmit_wait(&port, f, n);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 40 + 4, "a Jumbo Payload option with "
	    "a payload length: parameter problem at the option (%d/%d/%u)", icmp_type, icmp_code,
	    icmp_ptr);

	/* a value of 65535 */
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 0, 0, pl, jumbo_hbh(pl, 4, 65535, 0));
	xmit_wait(&port, f, n);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 40 + 6, "a jumbo length of 65535: "
	    "parameter problem at the value (%d/%d/%u)", icmp_type, icmp_code, icmp_ptr);

	/* two of them */
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 0, 0, pl, jumbo_hbh(pl, 4, 70000, 1));
	xmit_wait(&port, f, n);
	ok(icmp_type == 4 && icmp_code == 0 && icmp_ptr == 40 + 12, "two Jumbo Payload options: "
	    "parameter problem at the second's value (%d/%d/%u)", icmp_type, icmp_code, icmp_ptr);

	/* well-formed, more than the frame holds: dropped without a word */
	n = frame6(f, bmac, "2001:db8:7::99", "2001:db8:7::2", 0, 0, pl, jumbo_hbh(pl, 4, 70000, 0));
	xmit_wait(&port, f, n);
	ok(icmp_type == -1, "a well-formed jumbogram of 70000 bytes in a short frame: dropped "
	    "silently (no link here carries one)");
	bus_detach(&port);
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	uint8_t h[64], g[64], bmac[6];
	char buf[4096], big[3000];
	struct rx r;
	socklen_t sl;
	int ua, ub, v, one = 1;
	ssize_t n;

	rumpus_clock_virtual(1);
	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(a);
	v = x_ifconfig("shmif0", "xoptbus", NULL, 0) | x6_addr("shmif0", "2001:db8:7::1", 64, 0);
	rumpus_kernel_switch(b);
	v |= x_ifconfig("shmif0", "xoptbus", NULL, 0) | x6_addr("shmif0", "2001:db8:7::2", 64, 0);
	v |= x6_addr("lo0", "2001:db8:99::1", 128, 0);
	x_lladdr("shmif0", bmac);
	vsleep(2);
	ok(v == 0, "A 2001:db8:7::1 and B 2001:db8:7::2 (and 2001:db8:99::1 on its lo0)");
	ub = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(bind6(ub, "::", 7000) == 0, "B listens on [::]:7000");
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVHOPOPTS, &one, sizeof(one));
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVDSTOPTS, &one, sizeof(one));
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVRTHDR, &one, sizeof(one));
	sl = sizeof(v);
	ok(rump_sys_getsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVHOPOPTS, &v, &sl) == 0 && v == 1,
	    "IPV6_RECVHOPOPTS reads back");

	rumpus_kernel_switch(a);
	ua = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	/* errors */
	opthdr(h, 1);
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPOPTS, h, 7) < 0 && errno == X_EINVAL,
	    "IPV6_HOPOPTS of 7 bytes: EINVAL");
	h[1] = 1;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPOPTS, h, 8) < 0 && errno == X_EINVAL,
	    "IPV6_HOPOPTS whose length byte says 16 given 8: EINVAL");
	h[1] = 0;
	v = 5;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPLIMIT, &v, sizeof(v)) < 0 &&
	    errno == X_ENOPROTOOPT, "sticky IPV6_HOPLIMIT: ENOPROTOOPT (as NetBSD: RFC 3542 "
	    "dropped it; IPV6_UNICAST_HOPS or the cmsg do that)");
	memset(g, 0, sizeof(g));
	g[1] = 2, g[2] = 0, g[3] = 1;		/* type 0, one address */
	inet_pton(AF_INET6, "2001:db8:7::2", g + 8);
	g[2] = 2;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, g, 24) < 0 && errno == X_EINVAL,
	    "IPV6_RTHDR of type 2: EINVAL");
	g[2] = 0, g[3] = 2;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, g, 24) < 0 && errno == X_EINVAL,
	    "IPV6_RTHDR type 0 with 2 segments left for one address: EINVAL");
	g[3] = 1;
	{
		struct x_sin6 nh = x_sin6("ff02::1", 0, 0);
		struct x_sin sin = x_sin("10.0.0.1", 0);
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_NEXTHOP, &nh, sizeof(nh)) < 0 &&
		    errno == X_EINVAL, "a multicast IPV6_NEXTHOP: EINVAL");
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_NEXTHOP, &sin, sizeof(sin)) < 0 &&
		    errno == X_EAFNOSUPPORT, "an IPv4 IPV6_NEXTHOP: EAFNOSUPPORT");
	}

	/* sticky hop-by-hop and destination options */
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPOPTS, h, 8) == 0,
	    "A sets a sticky IPV6_HOPOPTS");
	opthdr(g + 32, 2);
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_DSTOPTS, g + 32, 8) == 0,
	    "and IPV6_DSTOPTS");
	opthdr(g + 40, 3);
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDRDSTOPTS, g + 40, 8) == 0,
	    "and IPV6_RTHDRDSTOPTS (no routing header: not sent)");
	{
		uint8_t back[64];
		sl = sizeof(back);
		ok(rump_sys_getsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPOPTS, back, &sl) == 0 &&
		    sl == 8 && memcmp(back + 2, h + 2, 6) == 0, "getsockopt gives it back");
		sl = sizeof(back);
		ok(rump_sys_getsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, back, &sl) == 0 && sl == 0,
		    "an unset one reads as nothing");
	}
	ok(send6(ua, "one", 3, "2001:db8:7::2", 7000) == 0, "A sends");
	vsleep(1);
	rumpus_kernel_switch(b);
	n = recvx(ub, buf, sizeof(buf), &r);
	ok(n == 3 && r.n[0] == 1 && r.len[0] == 8 && r.data[0][0] == 60 &&
	    memcmp(r.data[0] + 2, h + 2, 6) == 0, "B gets it with the hop-by-hop header "
	    "(next: destination options) in IPV6_HOPOPTS (%zd, %d)", n, r.n[0]);
	ok(r.n[1] == 1 && r.len[1] == 8 && r.data[1][0] == 17 && r.data[1][4] == 2,
	    "and the destination options (next: UDP) in IPV6_DSTOPTS, only those after the "
	    "(absent) routing header");
	ok(r.n[2] == 0, "no routing header");

	/* per-datagram cmsgs replace the sticky ones */
	rumpus_kernel_switch(a);
	opthdr(g, 9);
	ok(sendctl(ua, "two", 3, "2001:db8:7::2", 7000, X_IPV6_HOPOPTS, g, 8) == 0,
	    "A sends with its own IPV6_HOPOPTS cmsg");
	ok(sendctl(ua, "three", 5, "2001:db8:7::2", 7000, X_IPV6_DSTOPTS, NULL, 0) == 0,
	    "and with an empty IPV6_DSTOPTS cmsg");
	g[1] = 1;
	ok(sendctl(ua, "x", 1, "2001:db8:7::2", 7000, X_IPV6_HOPOPTS, g, 8) == X_EINVAL,
	    "a malformed IPV6_HOPOPTS cmsg: EINVAL");
	g[1] = 0;
	vsleep(1);
	rumpus_kernel_switch(b);
	n = recvx(ub, buf, sizeof(buf), &r);
	ok(n == 3 && r.n[0] == 1 && r.data[0][4] == 9 && r.n[1] == 1 && r.data[1][4] == 2,
	    "the cmsg's hop-by-hop options went instead of the sticky ones, the sticky "
	    "destination options still");
	n = recvx(ub, buf, sizeof(buf), &r);
	ok(n == 5 && r.n[0] == 1 && r.data[0][4] == 1 && r.data[0][0] == 17 && r.n[1] == 0,
	    "the empty cmsg: no destination options on that one (hop-by-hop next: UDP)");

	/* fragmentation after the unfragmentable part */
	rumpus_kernel_switch(a);
	memset(big, 'f', sizeof(big));
	ok(send6(ua, big, sizeof(big), "2001:db8:7::2", 7000) == 0, "A sends 3000 bytes");
	vsleep(1);
	rumpus_kernel_switch(b);
	n = recvx(ub, buf, sizeof(buf), &r);
	ok(n == 3000 && r.n[0] == 1 && r.n[1] == 1, "B reassembles them with both headers: the "
	    "hop-by-hop one went before the fragment header (after it B would have refused it) "
	    "(%zd)", n);

	/* remove them; a routing header type 0 */
	rumpus_kernel_switch(a);
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_HOPOPTS, NULL, 0) == 0 &&
	    rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_DSTOPTS, NULL, 0) == 0,
	    "an empty setsockopt removes a sticky header");
	{
		int raw = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
		uint8_t ic[256];
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, g, 0) == 0, "no routing "
		    "header to remove: fine");
		memset(g, 0, 24);
		g[1] = 2, g[2] = 0, g[3] = 1;
		inet_pton(AF_INET6, "2001:db8:7::2", g + 8);
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, g, 24) == 0,
		    "IPV6_RTHDR type 0 through 2001:db8:7::2");
		v = send6(ua, "rh", 2, "2001:db8:99::1", 7000);
		ok(v == 0, "A sends to 2001:db8:99::1 by it "
		    "(no route needed: the first hop is B) (%d)", v);
		vsleep(1);
		n = rump_sys_recvfrom(raw, ic, sizeof(ic), X_MSG_DONTWAIT, NULL, NULL);
		/* what B quotes: IPv6 header, the sticky IPV6_RTHDRDSTOPTS (now that a routing
		 * header goes too), the routing header */
		ok(n == 8 + 40 + 8 + 24 + 8 + 2 && ic[0] == 4 && ic[1] == 0 && ic[8 + 6] == 60 &&
		    ic[8 + 40] == 43 && ic[8 + 40 + 4] == 3, "B got it with the destination options "
		    "before the routing header (%zd)", n);
		ok((ic[4] << 24 | ic[5] << 16 | ic[6] << 8 | ic[7]) == 40 + 8 + 2 &&
		    memcmp(ic + 8 + 24, g + 8, 16) == 0 && ic[8 + 48 + 2] == 0 && ic[8 + 48 + 3] == 1,
		    "sent to the header's first address, B refused the type 0 header with a "
		    "parameter problem at its segments left");
		{
			uint8_t fin[16];
			inet_pton(AF_INET6, "2001:db8:99::1", fin);
			ok(memcmp(ic + 8 + 48 + 8, fin, 16) == 0,
			    "the routing header carries the final destination in its place");
		}
		rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_RTHDR, NULL, 0);
		rump_sys_close(raw);
	}

	/* a next hop: a destination A has no route to, through B */
	ok(send6(ua, "nh", 2, "2001:db8:99::1", 7000) == X_EHOSTUNREACH,
	    "without a route 2001:db8:99::1 is unreachable");
	{
		struct x_sin6 nh = x_sin6("2001:db8:7::2", 0, 0), back;
		struct x_sin6 far = x_sin6("2001:db8:55::5", 0, 0);
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_NEXTHOP, &nh, sizeof(nh)) == 0,
		    "A sets IPV6_NEXTHOP 2001:db8:7::2");
		sl = sizeof(back);
		ok(rump_sys_getsockopt(ua, X_IPPROTO_IPV6, X_IPV6_NEXTHOP, &back, &sl) == 0 &&
		    sl == sizeof(back) && memcmp(back.addr, nh.addr, 16) == 0, "and reads it back");
		ok(send6(ua, "nh", 2, "2001:db8:99::1", 7000) == 0, "now the datagram goes");
		vsleep(1);
		rumpus_kernel_switch(b);
		n = recvx(ub, buf, sizeof(buf), &r);
		ok(n == 2 && memcmp(buf, "nh", 2) == 0, "B gets it on 2001:db8:99::1 (%zd)", n);
		rumpus_kernel_switch(a);
		ok(sendctl(ua, "nh", 2, "2001:db8:99::1", 7000, X_IPV6_NEXTHOP, &far, sizeof(far)) ==
		    X_EHOSTUNREACH, "a cmsg next hop not on a link: EHOSTUNREACH");
		ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_NEXTHOP, NULL, 0) == 0 &&
		    send6(ua, "nh", 2, "2001:db8:99::1", 7000) == X_EHOSTUNREACH,
		    "removed: unreachable again");
	}
	rump_sys_close(ua);
	jumbograms(b, bmac);
	rumpus_kernel_switch(b);
	rump_sys_close(ub);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);
	return tap_done();
}
