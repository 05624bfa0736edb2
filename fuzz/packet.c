/*
 * packet.c: the packet harness.  Raw Ethernet frames go onto the virtual buses of a
 * small network through a port of our own (bus_attach/bus_xmit in csrc/net/bus.c, the
 * door every shmif interface uses), so they arrive at the kernels' input paths exactly as
 * another kernel's frames would, and run to completion inline (ARP, IPv4, reassembly,
 * ICMP, UDP, forwarding):
 *
 *      A 10.0.0.1 --- bus fz0 --- 10.0.0.2 R 10.1.0.1 --- bus fz1 --- 10.1.0.2 B
 *                                  (forwarding on)
 *
 * A and B have a UDP socket on port 53 and a raw ICMP socket; all three listen on TCP port
 * 80, and A has a connection to R's port 80 over fz0, established before the input runs.
 * Our port records the MAC addresses it sees (the interfaces announce their addresses),
 * so inputs can aim frames at an interface, and which of them are A's and R's.  A bystander kernel on its own bus must see nothing.  At the end the three
 * kernels are destroyed: destroy succeeds, no kernel byte is left or leaked, and the
 * bystander's interface counters and memory are unchanged.
 *
 * Every kernel also runs IPv6 (net.netinet6): A 2001:db8::1, R 2001:db8::2 and
 * 2001:db8:1::1 (forwarding), B 2001:db8:1::2, /64s without DAD; A and B have a UDP
 * socket on [::]:53 too.  The bystander stays IPv4 only.
 *
 * Input (bytes past the end read as 0; at most 128 operations), op byte % 8:
 *   0-3 frame: flags, u16 length (% 1600; flag 0x80: 65535), then the bytes.  Flags:
 *       0x01 bus fz1 (else fz0); 0x02 destination MAC broadcast, 0x04 destination MAC of
 *       the interface number in the first byte (else the frame's own bytes); 0x08 fill
 *       in the IPv4 header checksum, 0x10 the UDP/ICMP/TCP checksum; 0x20 source MAC
 *       ours; 0x40 a TCP segment for the A-R connection: the bytes are the TCP header
 *       (and options and data) as the receiver (0x01: R, else A) should see it, the
 *       harness adds Ethernet and IPv4 (addresses of the two ends) and the ports, and
 *       takes a sequence or acknowledgment number whose top bit is clear as a signed
 *       16-bit offset from the receiver's rcv_nxt or snd_una (so segments land in the
 *       window); 0x10 fills in its checksum
 *   4   an IPv6 frame from the generator (pk_ip6): flags (0x01 bus fz1; 0x02 the payload
 *       length field from the input, else the right one; 0x04 no upper-layer checksum;
 *       0x08 Ethernet multicast 33:33 of the destination, else the MAC of interface
 *       [byte] of those seen), a byte for that interface, source (% 6: X's global and
 *       link-local, ::, ff02::1, ::1, X on the far side), destination (% 12: the four
 *       interfaces, the target's link-local, ff02::1, ff02::2, A's solicited-node group,
 *       ff02::16, ::1, an unrouted 2001:db8:9::9, ff05::1:3), hop limit (0: 255), then
 *       up to 4 extension headers (count % 5; each type % 4: hop-by-hop or destination
 *       options of (len % 4) * 8 + 6 option bytes with an option from the input laid
 *       over the start (% 6: raw, PadN, router alert, jumbo payload, an unknown type,
 *       Pad1s), a routing header (type byte, 0-2 addresses from the destinations,
 *       segments left byte % 4), a fragment header (offset u16 in 8-byte units, M flag,
 *       identification % 4)), then the upper layer (% 8: UDP to port 53 or another,
 *       TCP to port 80 with flags from the input, ICMPv6 of any type and code (0: echo
 *       request), neighbour solicitation, advertisement, router advertisement with a
 *       prefix and an MTU option, MLD (query v1/v2, report v1/v2 with records), raw
 *       bytes with any next header) of lengths from the input; checksums right unless
 *       asked not to be
 *   5   A or B (byte) sends a UDP datagram of length byte to one of 8 addresses (byte):
 *       the four interfaces, 10.0.0.255, silent 10.0.0.99 and 10.1.0.99, 255.255.255.255
 *       (A and B have no default route: off-link sends fail with EHOSTUNREACH)
 *   6   sleep byte % 64 virtual seconds in a kernel (timers: ARP retries and expiry,
 *       reassembly timeouts, queued input)
 *   7   receive whatever the sockets of A and B hold (non-blocking)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "rump/rumpus.h"
#include "net/if.h"
#include "netinet/tcp_var.h"
#include "netinet6/in6_var.h"
#include "fz.h"

#define PK_MAXOPS	128
#define PK_MAXMAC	8
#define FZ_SOCK_NONBLOCK 0x20000000
#define FZ_MSG_DONTWAIT	0x80

struct pk_reader {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t
rd8(struct pk_reader *r)
{
	return r->off < r->n ? r->p[r->off++] : 0;
}

/* What our ports saw: the source MACs of the kernels' frames. */
struct pk_port {
	struct bus_port bp;
	uint8_t macs[PK_MAXMAC][6];
	int nmacs;
	unsigned long frames;
	uint8_t ipmac[3][6];		/* from ARP: the MAC of 10.x.0.1 and 10.x.0.2 */
};
static struct pk_port ports[2];

static void
pk_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct pk_port *p = bp->bp_arg;
	const uint8_t *f = frame;
	int i;

	p->frames++;
	if (len < 14)
		return;
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[31] >= 1 && f[31] <= 2)
		memcpy(p->ipmac[f[31]], f + 22, 6);	/* ARP: sender 10.x.0.{1,2} */
	for (i = 0; i < p->nmacs; i++)
		if (memcmp(p->macs[i], f + 6, 6) == 0)
			return;
	if (p->nmacs < PK_MAXMAC)
		memcpy(p->macs[p->nmacs++], f + 6, 6);
}

/* ---------------------------------------------------------------- configuration */

static int
pk_sys(int num, register_t a0, register_t a1, register_t a2, register_t a3, register_t a4,
    register_t a5, register_t *rv)
{
	register_t a[8] = { a0, a1, a2, a3, a4, a5, 0, 0 }, r[2] = { 0, 0 };
	int e = kern_syscall((unsigned)num, a, r);

	if (rv != NULL)
		*rv = r[0];
	return e;
}
#define P(x) ((register_t)(uintptr_t)(x))

static uint32_t
ip4(int a, int b, int c, int d)
{
	return __builtin_bswap32((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d);
}

static void
sin_set(struct nb_sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_port = __builtin_bswap16(port);
	sin->sin_addr.s_addr = addr;
}

/* In the current kernel: shmifN on bus, up, with addr/24. */
static int
pk_iface(int s, const char *name, const char *bus, uint32_t addr)
{
	struct nb_ifreq ifr;
	struct nb_ifdrv ifd;
	struct nb_in_aliasreq ifra;
	int e;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if ((e = pk_sys(SYS_ioctl, s, (register_t)SIOCIFCREATE, P(&ifr), 0, 0, 0, NULL)) != 0)
		return e;
	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.ifd_name, sizeof(ifd.ifd_name), "%s", name);
	ifd.ifd_data = (void *)(uintptr_t)bus;
	ifd.ifd_len = strlen(bus) + 1;
	if ((e = pk_sys(SYS_ioctl, s, (register_t)SIOCSLINKSTR, P(&ifd), 0, 0, 0, NULL)) != 0)
		return e;
	if ((e = pk_sys(SYS_ioctl, s, (register_t)SIOCGIFFLAGS, P(&ifr), 0, 0, 0, NULL)) != 0)
		return e;
	ifr.ifr_ifru.ifru_flags |= IFF_UP;
	if ((e = pk_sys(SYS_ioctl, s, (register_t)SIOCSIFFLAGS, P(&ifr), 0, 0, 0, NULL)) != 0)
		return e;
	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "%s", name);
	sin_set(&ifra.ifra_addr, addr, 0);
	sin_set(&ifra.ifra_mask, ip4(255, 255, 255, 0), 0);
	return pk_sys(SYS_ioctl, s, (register_t)SIOCAIFADDR, P(&ifra), 0, 0, 0, NULL);
}

struct pk_kernel {
	struct rumpus_kernel *k;
	register_t ctl, udp, raw, tl, udp6;
};

/* In the current kernel: addr/64 on name, without DAD (the clock is virtual). */
static int
pk_iface6(const char *name, const uint8_t *addr)
{
	struct nb_in6_aliasreq ifra;
	register_t s6;
	int e;

	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "%s", name);
	ifra.ifra_addr.sin6_len = sizeof(ifra.ifra_addr);
	ifra.ifra_addr.sin6_family = AF_INET6;
	memcpy(&ifra.ifra_addr.sin6_addr, addr, 16);
	ifra.ifra_prefixmask = ifra.ifra_addr;
	memset(&ifra.ifra_prefixmask.sin6_addr, 0, 16);
	memset(&ifra.ifra_prefixmask.sin6_addr, 0xff, 8);
	ifra.ifra_flags = IN6_IFF_NODAD;
	ifra.ifra_lifetime.ia6t_vltime = ifra.ifra_lifetime.ia6t_pltime = 0xffffffffU;
	if ((e = pk_sys(SYS___socket30, AF_INET6, 2, 0, 0, 0, 0, &s6)) != 0)
		return e;
	e = pk_sys(SYS_ioctl, s6, (register_t)SIOCAIFADDR_IN6, P(&ifra), 0, 0, 0, NULL);
	pk_sys(SYS_close, s6, 0, 0, 0, 0, 0, NULL);
	return e;
}

/* The IPv6 addresses of the network: 2001:db8:<net>::<host>. */
static void
pk_a6(uint8_t *a, int net, int host)
{
	memset(a, 0, 16);
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	a[5] = (uint8_t)net;
	a[14] = (uint8_t)(host >> 8), a[15] = (uint8_t)host;
}

/* v6: NULL (IPv4 only) or the IPv6 hosts { net, host } of if0 and if1 */
static int
pk_boot(struct pk_kernel *pk, const char *if0, const char *bus0, uint32_t a0,
    const char *if1, const char *bus1, uint32_t a1, int forward, const int *v6)
{
	static const char *comps4[] = { "net.netinet", "net.shmif", NULL };
	static const char *comps6[] = { "net.netinet", "net.netinet6", "net.shmif", NULL };
	struct nb_sockaddr_in sin;
	uint8_t a6[16];
	int err, e;

	memset(pk, 0, sizeof(*pk));
	pk->udp = pk->raw = pk->tl = pk->udp6 = -1;
	if ((pk->k = rumpus_kernel_create(v6 != NULL ? comps6 : comps4, NULL, &err)) == NULL)
		return err;
	rumpus_kernel_switch(pk->k);
	if ((e = pk_sys(SYS___socket30, AF_INET, 2 | FZ_SOCK_NONBLOCK, 0, 0, 0, 0,
	    &pk->ctl)) != 0)
		return e;
	if ((e = pk_iface((int)pk->ctl, if0, bus0, a0)) != 0)
		return e;
	if (if1 != NULL && (e = pk_iface((int)pk->ctl, if1, bus1, a1)) != 0)
		return e;
	if (v6 != NULL) {
		pk_a6(a6, v6[0], v6[1]);
		if ((e = pk_iface6(if0, a6)) != 0)
			return e;
		pk_a6(a6, v6[2], v6[3]);
		if (if1 != NULL && (e = pk_iface6(if1, a6)) != 0)
			return e;
	}
	/* a TCP listener on port 80 (backlog 4: the queues fill too) */
	if ((e = pk_sys(SYS___socket30, AF_INET, SOCK_STREAM | FZ_SOCK_NONBLOCK, 0, 0, 0, 0,
	    &pk->tl)) != 0)
		return e;
	sin_set(&sin, 0, 80);
	if ((e = pk_sys(SYS_bind, pk->tl, P(&sin), sizeof(sin), 0, 0, 0, NULL)) != 0 ||
	    (e = pk_sys(SYS_listen, pk->tl, 4, 0, 0, 0, 0, NULL)) != 0)
		return e;
	if (forward) {
		int name[4] = { 4 /* CTL_NET */, AF_INET, 0 /* IPPROTO_IP */, 1 }, one = 1;
		int name6[4] = { 4, AF_INET6, IPPROTO_IPV6, 1 /* forwarding */ };
		if ((e = pk_sys(SYS___sysctl, P(name), 4, 0, 0, P(&one), sizeof(one), NULL)) != 0)
			return e;
		if (v6 != NULL && (e = pk_sys(SYS___sysctl, P(name6), 4, 0, 0, P(&one),
		    sizeof(one), NULL)) != 0)
			return e;
	} else {
		if ((e = pk_sys(SYS___socket30, AF_INET, 2 | FZ_SOCK_NONBLOCK, 0, 0, 0, 0,
		    &pk->udp)) != 0)
			return e;
		sin_set(&sin, 0, 53);
		if ((e = pk_sys(SYS_bind, pk->udp, P(&sin), sizeof(sin), 0, 0, 0, NULL)) != 0)
			return e;
		if ((e = pk_sys(SYS___socket30, AF_INET, SOCK_RAW | FZ_SOCK_NONBLOCK, 1, 0, 0,
		    0, &pk->raw)) != 0)
			return e;
		if (v6 != NULL) {
			struct nb_sockaddr_in6 sin6;
			if ((e = pk_sys(SYS___socket30, AF_INET6, 2 | FZ_SOCK_NONBLOCK, 0, 0, 0,
			    0, &pk->udp6)) != 0)
				return e;
			memset(&sin6, 0, sizeof(sin6));
			sin6.sin6_len = sizeof(sin6);
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = __builtin_bswap16(53);
			if ((e = pk_sys(SYS_bind, pk->udp6, P(&sin6), sizeof(sin6), 0, 0, 0,
			    NULL)) != 0)
				return e;
		}
	}
	rumpus_kernel_switch(NULL);
	return 0;
}

/* ---------------------------------------------------------------- checksums */

static uint16_t
cksum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
fix_sums(uint8_t *f, size_t len, int ip, int l4)
{
	size_t hl, tot;
	uint16_t s;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	hl = (size_t)(f[14] & 0xf) * 4;
	if (hl < 20 || 14 + hl > len)
		return;
	if (ip) {
		f[24] = f[25] = 0;
		s = cksum(f + 14, hl, 0);
		f[24] = (uint8_t)(s >> 8), f[25] = (uint8_t)s;
	}
	tot = (size_t)f[16] << 8 | f[17];
	if (!l4 || tot < hl || 14 + tot > len)
		return;
	if (f[23] == 1 && tot >= hl + 4) {		/* ICMP */
		uint8_t *icmp = f + 14 + hl;
		icmp[2] = icmp[3] = 0;
		s = cksum(icmp, tot - hl, 0);
		icmp[2] = (uint8_t)(s >> 8), icmp[3] = (uint8_t)s;
	} else if ((f[23] == 17 && tot >= hl + 8) || (f[23] == 6 && tot >= hl + 20)) {
		/* UDP or TCP, with the pseudo header */
		uint8_t *l4 = f + 14 + hl;
		int at = f[23] == 17 ? 6 : 16;
		uint32_t sum = 0;
		int i;
		for (i = 0; i < 8; i += 2)
			sum += (uint32_t)f[26 + i] << 8 | f[27 + i];
		sum += f[23] + (uint32_t)(tot - hl);
		l4[at] = l4[at + 1] = 0;
		s = cksum(l4, tot - hl, sum);
		l4[at] = (uint8_t)(s >> 8), l4[at + 1] = (uint8_t)s;
	}
}

/* ---------------------------------------------------------------- TCP */

/* The A-R connection: A's socket, R's accepted one, A's port. */
struct pk_conn {
	register_t a, r;
	uint16_t aport;
};

static int
pk_connect(struct pk_kernel *A, struct pk_kernel *R, struct pk_conn *c)
{
	struct nb_sockaddr_in sin;
	uint32_t len = sizeof(sin);
	int e, i;

	memset(c, 0, sizeof(*c));
	c->a = c->r = -1;
	rumpus_kernel_switch(A->k);
	e = pk_sys(SYS___socket30, AF_INET, SOCK_STREAM | FZ_SOCK_NONBLOCK, 0, 0, 0, 0, &c->a);
	sin_set(&sin, ip4(10, 0, 0, 2), 80);
	if (e == 0)
		e = pk_sys(SYS_connect, c->a, P(&sin), sizeof(sin), 0, 0, 0, NULL);
	if (e == EINPROGRESS)
		e = 0;
	if (e == 0)
		e = pk_sys(SYS_getsockname, c->a, P(&sin), P(&len), 0, 0, 0, NULL);
	c->aport = __builtin_bswap16(sin.sin_port);
	rumpus_kernel_switch(NULL);
	/* the handshake runs inline, or in the queued input of the next calls */
	for (i = 0; e == 0 && c->r < 0 && i < 100; i++) {
		int64_t ts[2] = { 0, 1000000 };
		rumpus_kernel_switch(R->k);
		if (pk_sys(SYS_accept, R->tl, 0, 0, 0, 0, 0, &c->r) != 0) {
			c->r = -1;
			pk_sys(SYS___nanosleep50, P(ts), 0, 0, 0, 0, 0, NULL);
		}
		rumpus_kernel_switch(NULL);
	}
	return e != 0 ? e : c->r >= 0 ? 0 : ETIMEDOUT;
}

/* A segment for the connection from the input bytes (flag 0x40): to R if toR. */
static size_t
pk_tcpseg(uint8_t *f, const uint8_t *tcp, size_t tlen, int toR, int sum,
    struct pk_kernel *A, struct pk_kernel *R, struct pk_conn *c)
{
	uint32_t a = ip4(10, 0, 0, 1), r = ip4(10, 0, 0, 2), seq[4] = { 0, 0, 0, 0 }, v;
	uint16_t src = toR ? c->aport : 80, dst = toR ? 80 : c->aport;
	uint8_t *ip = f + 14, *th = ip + 20;
	int i;

	if (tlen > 1500 - 20)
		tlen = 1500 - 20;
	memcpy(f, ports[0].ipmac[toR ? 2 : 1], 6);
	memcpy(f + 6, ports[0].ipmac[toR ? 1 : 2], 6);
	f[12] = 0x08, f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45, ip[8] = 64, ip[9] = 6;
	ip[2] = (uint8_t)((20 + tlen) >> 8), ip[3] = (uint8_t)(20 + tlen);
	memcpy(ip + 12, toR ? &a : &r, 4);
	memcpy(ip + 16, toR ? &r : &a, 4);
	memcpy(th, tcp, tlen);
	if (tlen >= 20) {
		if (toR)
			(void)tcp_pcbseq((struct kern *)R->k, r, __builtin_bswap16(80), a,
			    __builtin_bswap16(c->aport), seq);
		else
			(void)tcp_pcbseq((struct kern *)A->k, a, __builtin_bswap16(c->aport), r,
			    __builtin_bswap16(80), seq);
		th[0] = (uint8_t)(src >> 8), th[1] = (uint8_t)src;
		th[2] = (uint8_t)(dst >> 8), th[3] = (uint8_t)dst;
		for (i = 0; i < 2; i++) {
			uint8_t *fld = th + 4 + 4 * i;
			v = (uint32_t)fld[0] << 24 | (uint32_t)fld[1] << 16 | (uint32_t)fld[2] << 8 |
			    fld[3];
			if (!(v >> 31))
				v = seq[i] + (uint32_t)(int32_t)(int16_t)(v & 0xffff);
			fld[0] = (uint8_t)(v >> 24), fld[1] = (uint8_t)(v >> 16);
			fld[2] = (uint8_t)(v >> 8), fld[3] = (uint8_t)v;
		}
	}
	fix_sums(f, 14 + 20 + tlen, 1, sum);
	return 14 + 20 + tlen;
}

/* ---------------------------------------------------------------- IPv6 generator */

static void
pk_ll(uint8_t *a, const uint8_t *mac)
{
	memset(a, 0, 16);
	a[0] = 0xfe, a[1] = 0x80;
	a[8] = mac[0] ^ 2, a[9] = mac[1], a[10] = mac[2], a[11] = 0xff, a[12] = 0xfe;
	a[13] = mac[3], a[14] = mac[4], a[15] = mac[5];
}

static void
pk_src6(uint8_t *a, int which)
{
	memset(a, 0, 16);
	switch (which % 6) {
	case 0: pk_a6(a, 0, 0x77); break;
	case 1: a[0] = 0xfe, a[1] = 0x80, a[15] = 0x77; break;
	case 2: break;					/* :: */
	case 3: a[0] = 0xff, a[1] = 0x02, a[15] = 1; break;
	case 4: a[15] = 1; break;			/* ::1 */
	default: pk_a6(a, 1, 0x77); break;
	}
}

static void
pk_dst6(uint8_t *a, int which, const uint8_t *tmac)
{
	memset(a, 0, 16);
	switch (which % 12) {
	case 0: pk_a6(a, 0, 1); break;
	case 1: pk_a6(a, 0, 2); break;
	case 2: pk_a6(a, 1, 1); break;
	case 3: pk_a6(a, 1, 2); break;
	case 4: pk_ll(a, tmac); break;
	case 5: a[0] = 0xff, a[1] = 0x02, a[15] = 1; break;
	case 6: a[0] = 0xff, a[1] = 0x02, a[15] = 2; break;
	case 7: a[0] = 0xff, a[1] = 0x02, a[11] = 1, a[12] = 0xff, a[15] = 1; break;
	case 8: a[0] = 0xff, a[1] = 0x02, a[15] = 0x16; break;
	case 9: a[15] = 1; break;
	case 10: pk_a6(a, 9, 9); break;
	default: a[0] = 0xff, a[1] = 0x05, a[13] = 1, a[15] = 3; break;
	}
}

static size_t
pk_bytes(struct pk_reader *r, uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = rd8(r);
	return n;
}

/* An IPv6 frame into f (at most cap bytes) from the input; see the top of the file. */
static size_t
pk_ip6(struct pk_reader *r, uint8_t fl, struct pk_port *p, uint8_t *f, size_t cap)
{
	static const uint8_t xmac[6] = { 0x02, 0xf2, 0, 0, 0, 1 };
	uint8_t tmac[6], src[16], dst[16], *ip = f + 14, *h, *nxtp;
	size_t off = 14 + 40, n, ul, i;
	int nh, ulp, cksum_at = -1, ulnxt;
	unsigned tsel = rd8(r);

	if (p->nmacs > 0)
		memcpy(tmac, p->macs[tsel % (unsigned)p->nmacs], 6);
	else
		memset(tmac, 0xff, 6);
	pk_src6(src, rd8(r));
	pk_dst6(dst, rd8(r), tmac);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[7] = rd8(r);
	if (ip[7] == 0)
		ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	if (fl & 0x08) {
		f[0] = 0x33, f[1] = 0x33;
		memcpy(f + 2, dst + 12, 4);
	} else
		memcpy(f, tmac, 6);
	memcpy(f + 6, xmac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	nxtp = ip + 6;
	nh = rd8(r) % 5;
	for (i = 0; i < (size_t)nh && off + 8 + 2 * 16 + 64 < cap; i++) {
		int t = rd8(r) % 4;
		h = f + off;
		if (t <= 1) {			/* hop-by-hop / destination options */
			size_t len = (size_t)(rd8(r) % 4) * 8 + 8;
			int kind = rd8(r) % 6;
			*nxtp = t == 0 ? 0 : 60;
			pk_bytes(r, h + 2, len - 2);
			h[1] = (uint8_t)(len / 8 - 1);
			switch (kind) {
			case 1: h[2] = 1, h[3] = (uint8_t)(len - 4); break;	/* PadN */
			case 2: h[2] = 5, h[3] = 2, h[4] = h[5] = 0; break;	/* router alert */
			case 3: h[2] = 0xc2, h[3] = 4; break;		/* jumbo, value from input */
			case 4: h[2] = (uint8_t)(h[2] | 0x1e); break;	/* some unknown type */
			case 5: memset(h + 2, 0, len - 2); break;	/* Pad1s */
			default: break;
			}
			off += len;
		} else if (t == 2) {		/* routing */
			int na = rd8(r) % 3, j;
			*nxtp = 43;
			h[1] = (uint8_t)(2 * na);
			h[2] = rd8(r);
			h[3] = rd8(r) % 4;
			h[4] = h[5] = h[6] = h[7] = 0;
			for (j = 0; j < na; j++)
				pk_dst6(h + 8 + 16 * j, rd8(r), tmac);
			off += 8 + 16 * (size_t)na;
		} else {			/* fragment */
			unsigned o = (unsigned)rd8(r) | (unsigned)rd8(r) << 8, m = rd8(r);
			*nxtp = 44;
			h[1] = 0;
			h[2] = (uint8_t)(o >> 5), h[3] = (uint8_t)((o << 3) | (m & 1));
			h[4] = h[5] = h[6] = 0, h[7] = (uint8_t)(m >> 1 & 3);
			off += 8;
		}
		nxtp = h;
	}
	/* the upper layer */
	h = f + off;
	ulp = rd8(r) % 8;
	ul = (size_t)rd8(r);
	if (off + 64 + ul > cap)
		ul = cap - off - 64;
	switch (ulp) {
	case 0:				/* UDP */
		ulnxt = 17;
		h[0] = 0x13, h[1] = 0x88;
		h[2] = 0, h[3] = (uint8_t)(rd8(r) & 1 ? 53 : rd8(r));
		n = 8 + pk_bytes(r, h + 8, ul % 64);
		h[4] = (uint8_t)(n >> 8), h[5] = (uint8_t)n;
		cksum_at = 6;
		break;
	case 1:				/* TCP to port 80 */
		ulnxt = 6;
		pk_bytes(r, h, 20);
		h[2] = 0, h[3] = 80;
		h[12] = 0x50;
		n = 20 + pk_bytes(r, h + 20, ul % 32);
		cksum_at = 16;
		break;
	case 2:				/* ICMPv6, any type */
		ulnxt = 58;
		h[0] = rd8(r), h[1] = rd8(r);
		if (h[0] == 0)
			h[0] = 128, h[1] = 0;	/* echo request */
		n = 4 + pk_bytes(r, h + 4, ul % 200);
		cksum_at = 2;
		break;
	case 3:				/* neighbour solicitation */
	case 4:				/* neighbour advertisement */
		ulnxt = 58;
		memset(h, 0, 32);
		h[0] = ulp == 3 ? 135 : 136;
		h[4] = ulp == 4 ? rd8(r) & 0xe0 : 0;
		pk_dst6(h + 8, rd8(r), tmac);
		h[24] = ulp == 3 ? 1 : 2;
		h[25] = rd8(r) % 3;		/* 1 is right; 0 and 2 are not */
		memcpy(h + 26, xmac, 6);
		n = 24 + (rd8(r) & 1 ? 8 : 0);
		cksum_at = 2;
		break;
	case 5:				/* router advertisement: prefix, MTU */
		ulnxt = 58;
		memset(h, 0, 64);
		h[0] = 134;
		h[4] = rd8(r), h[5] = rd8(r);
		h[6] = rd8(r), h[7] = rd8(r);
		h[16] = 3, h[17] = 4;		/* prefix information */
		h[18] = rd8(r), h[19] = rd8(r);
		pk_bytes(r, h + 20, 8);	/* lifetimes */
		pk_a6(h + 32, rd8(r) % 4, 0);
		h[48] = 5, h[49] = rd8(r) % 2;	/* MTU (length 0 is malformed) */
		h[52] = rd8(r), h[53] = rd8(r), h[54] = rd8(r), h[55] = rd8(r);
		n = 56;
		cksum_at = 2;
		break;
	case 6:				/* MLD */
	{
		int k = rd8(r) % 4, nrec, j;
		ulnxt = 58;
		memset(h, 0, 28);
		h[0] = k <= 1 ? 130 : k == 2 ? 131 : 143;
		h[4] = rd8(r), h[5] = rd8(r);
		if (k == 3) {			/* v2 report: records */
			nrec = rd8(r) % 3;
			h[7] = (uint8_t)nrec;
			n = 8;
			for (j = 0; j < nrec; j++) {
				int ns = rd8(r) % 3;
				h[n] = rd8(r), h[n + 1] = 0, h[n + 2] = 0, h[n + 3] = (uint8_t)ns;
				pk_dst6(h + n + 4, rd8(r), tmac);
				n += 20;
				for (; ns > 0; ns--, n += 16)
					pk_src6(h + n, rd8(r));
			}
		} else {
			pk_dst6(h + 8, rd8(r), tmac);
			if (rd8(r) & 1)
				memset(h + 8, 0, 16);	/* general */
			n = 24;
			if (k == 1) {		/* v2 query: sources */
				h[24] = rd8(r), h[25] = rd8(r);
				h[27] = (uint8_t)(rd8(r) % 3);
				n = 28;
				for (j = 0; j < h[27]; j++, n += 16)
					pk_src6(h + n, rd8(r));
			}
		}
		cksum_at = 2;
		break;
	}
	default:			/* anything */
		ulnxt = rd8(r);
		n = pk_bytes(r, h, ul);
		if (ulnxt == 58 && n >= 4)
			cksum_at = 2;
		break;
	}
	*nxtp = (uint8_t)ulnxt;
	if (cksum_at >= 0 && !(fl & 0x04)) {
		uint32_t sum = 0;
		uint16_t c;
		for (i = 0; i < 16; i += 2)
			sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
		sum += (uint32_t)n + (uint32_t)ulnxt;
		h[cksum_at] = h[cksum_at + 1] = 0;
		c = cksum(h, n, sum);
		if (c == 0 && ulnxt == 17)
			c = 0xffff;
		h[cksum_at] = (uint8_t)(c >> 8), h[cksum_at + 1] = (uint8_t)c;
	}
	off += n;
	if (fl & 0x02) {
		ip[4] = rd8(r), ip[5] = rd8(r);
	} else {
		ip[4] = (uint8_t)((off - 54) >> 8), ip[5] = (uint8_t)(off - 54);
	}
	return off;
}

/* ---------------------------------------------------------------- the run */

static struct pk_kernel bystander;
static size_t by_mem;
static uint64_t by_ipackets;
static int pk_inited;

static uint64_t
ipackets(struct pk_kernel *pk)
{
	struct nb_ifdatareq ifdr;

	memset(&ifdr, 0, sizeof(ifdr));
	snprintf(ifdr.ifdr_name, sizeof(ifdr.ifdr_name), "shmif0");
	rumpus_kernel_switch(pk->k);
	if (pk_sys(SYS_ioctl, pk->ctl, (register_t)SIOCGIFDATA, P(&ifdr), 0, 0, 0, NULL) != 0)
		ifdr.ifdr_data.ifi_ipackets = ~0ULL;
	rumpus_kernel_switch(NULL);
	return ifdr.ifdr_data.ifi_ipackets;
}

static int
pk_init(void)
{
	if (pk_inited)
		return pk_inited > 0 ? 0 : -1;
	pk_inited = -1;
	rumpus_clock_virtual(1);
	if (pk_boot(&bystander, "shmif0", "fzby", ip4(10, 0, 0, 1), NULL, NULL, 0, 0, NULL) != 0)
		return -1;
	by_mem = rumpus_kernel_memused(bystander.k);
	by_ipackets = ipackets(&bystander);
	pk_inited = 1;
	return 0;
}

int
fz_packet_run(const uint8_t *data, size_t size, char *msg, size_t msglen)
{
	struct pk_reader r = { data, size, 0 };
	struct pk_kernel ks[3];
	struct pk_conn conn;
	struct rumpus_memstats m0, m1;
	static uint8_t frame[65535], seg[1600];
	uint32_t addrs[8];
	static const int v6a[4] = { 0, 1, 0, 0 }, v6r[4] = { 0, 2, 1, 1 }, v6b[4] = { 1, 2, 0, 0 };
	int i, ops, e, failed = 0;

	msg[0] = '\0';
	if (pk_init() != 0) {
		snprintf(msg, msglen, "packet harness setup failed: %s", rumpus_error());
		return -1;
	}
	addrs[0] = ip4(10, 0, 0, 1), addrs[1] = ip4(10, 0, 0, 2), addrs[2] = ip4(10, 1, 0, 1);
	addrs[3] = ip4(10, 1, 0, 2), addrs[4] = ip4(10, 0, 0, 255), addrs[5] = ip4(10, 0, 0, 99);
	addrs[6] = ip4(10, 1, 0, 99), addrs[7] = ip4(255, 255, 255, 255);
	rumpus_memstats(&m0);
	memset(ports, 0, sizeof(ports));
	for (i = 0; i < 2; i++) {
		ports[i].bp.bp_rx = pk_rx;
		ports[i].bp.bp_arg = &ports[i];
		if (bus_attach(i ? "fz1" : "fz0", &ports[i].bp) != 0) {
			snprintf(msg, msglen, "bus_attach failed");
			return -1;
		}
	}
	e = pk_boot(&ks[0], "shmif0", "fz0", addrs[0], NULL, NULL, 0, 0, v6a);
	if (e == 0)
		e = pk_boot(&ks[1], "shmif0", "fz0", addrs[1], "shmif1", "fz1", addrs[2], 1, v6r);
	if (e == 0)
		e = pk_boot(&ks[2], "shmif0", "fz1", addrs[3], NULL, NULL, 0, 0, v6b);
	if (e == 0)
		e = pk_connect(&ks[0], &ks[1], &conn);
	if (e != 0) {
		snprintf(msg, msglen, "packet harness: boot failed: %d %s", e, rumpus_error());
		return -1;
	}

	for (ops = 0; ops < PK_MAXOPS && r.off < r.n; ops++) {
		uint8_t op = rd8(&r) % 8;
		if (op == 4) {
			uint8_t fl = rd8(&r);
			struct pk_port *p = &ports[fl & 1];
			size_t len = pk_ip6(&r, fl, p, frame, 1600);
			bus_xmit(&p->bp, frame, len);
		} else if (op <= 3) {
			uint8_t flags = rd8(&r);
			size_t len = (size_t)rd8(&r) | (size_t)rd8(&r) << 8, j;
			struct pk_port *p = &ports[flags & 1];
			len = (flags & 0x80) ? sizeof(frame) : len % 1600;
			for (j = 0; j < len; j++)
				frame[j] = rd8(&r);
			if (len >= 6 && (flags & 0x02))
				memset(frame, 0xff, 6);
			else if (len >= 6 && (flags & 0x04) && p->nmacs > 0)
				memcpy(frame, p->macs[frame[0] % p->nmacs], 6);
			if (len >= 12 && (flags & 0x20))
				memcpy(frame + 6, "\x02\xf2\x00\x00\x00\x01", 6);
			if (flags & 0x40) {
				len = pk_tcpseg(seg, frame, len, flags & 1, flags & 0x10, &ks[0],
				    &ks[1], &conn);
				bus_xmit(&ports[0].bp, seg, len);
				continue;
			}
			fix_sums(frame, len, flags & 0x08, flags & 0x10);
			bus_xmit(&p->bp, frame, len);
		} else if (op == 5) {
			struct pk_kernel *pk = &ks[rd8(&r) & 1 ? 2 : 0];
			struct nb_sockaddr_in sin;
			size_t n = rd8(&r);
			sin_set(&sin, addrs[rd8(&r) % 8], 53);
			rumpus_kernel_switch(pk->k);
			e = pk_sys(SYS_sendto, pk->udp, P(frame), n, FZ_MSG_DONTWAIT, P(&sin),
			    sizeof(sin), NULL);
			rumpus_kernel_switch(NULL);
			if (e < 0 || e > ELAST) {
				snprintf(msg, msglen, "sendto answered %d", e);
				failed = 1;
			}
		} else if (op == 6) {
			struct pk_kernel *pk = &ks[rd8(&r) % 3];
			int64_t ts[2] = { rd8(&r) % 64, 0 };
			rumpus_kernel_switch(pk->k);
			pk_sys(SYS___nanosleep50, P(ts), 0, 0, 0, 0, 0, NULL);
			rumpus_kernel_switch(NULL);
		} else {
			uint8_t buf[2048];
			register_t fd;

			/* the connection's data (until EOF or nothing more), and what the
			 * listeners queued */
			rumpus_kernel_switch(ks[0].k);
			while (pk_sys(SYS_recvfrom, conn.a, P(buf), sizeof(buf), FZ_MSG_DONTWAIT, 0,
			    0, &fd) == 0 && fd > 0)
				;
			rumpus_kernel_switch(ks[1].k);
			while (pk_sys(SYS_recvfrom, conn.r, P(buf), sizeof(buf), FZ_MSG_DONTWAIT, 0,
			    0, &fd) == 0 && fd > 0)
				;
			rumpus_kernel_switch(NULL);
			for (i = 0; i < 3; i++) {
				rumpus_kernel_switch(ks[i].k);
				while (pk_sys(SYS_accept, ks[i].tl, 0, 0, 0, 0, 0, &fd) == 0)
					pk_sys(SYS_close, fd, 0, 0, 0, 0, 0, NULL);
				rumpus_kernel_switch(NULL);
			}
			for (i = 0; i < 3; i += 2) {
				rumpus_kernel_switch(ks[i].k);
				while (pk_sys(SYS_recvfrom, ks[i].udp, P(buf), sizeof(buf),
				    FZ_MSG_DONTWAIT, 0, 0, NULL) == 0)
					;
				while (pk_sys(SYS_recvfrom, ks[i].raw, P(buf), sizeof(buf),
				    FZ_MSG_DONTWAIT, 0, 0, NULL) == 0)
					;
				while (pk_sys(SYS_recvfrom, ks[i].udp6, P(buf), sizeof(buf),
				    FZ_MSG_DONTWAIT, 0, 0, NULL) == 0)
					;
				rumpus_kernel_switch(NULL);
			}
		}
	}

	if (getenv("FZ_TRACE") != NULL)
		fprintf(stderr, "fz packet: %d ops; our ports saw %lu and %lu frames; A, R, B took "
		    "%llu, %llu, %llu\n", ops, ports[0].frames, ports[1].frames,
		    (unsigned long long)ipackets(&ks[0]), (unsigned long long)ipackets(&ks[1]),
		    (unsigned long long)ipackets(&ks[2]));
	if (getenv("FZ_TRACE") != NULL) {
		uint32_t sa[4] = { 0, 0, 0, 0 }, sr[4] = { 0, 0, 0, 0 };
		int st_a = tcp_pcbseq((struct kern *)ks[0].k, addrs[0], __builtin_bswap16(conn.aport),
		    addrs[1], __builtin_bswap16(80), sa);
		int st_r = tcp_pcbseq((struct kern *)ks[1].k, addrs[1], __builtin_bswap16(80),
		    addrs[0], __builtin_bswap16(conn.aport), sr);
		fprintf(stderr, "fz packet: the A-R connection: A in state %d (rcv_nxt %u snd_una "
		    "%u), R in %d (rcv_nxt %u snd_una %u)\n", st_a, sa[0], sa[1], st_r, sr[0],
		    sr[1]);
	}
	for (i = 0; i < 3; i++) {
		if ((e = rumpus_kernel_destroy(ks[i].k)) != 0 && !failed) {
			snprintf(msg, msglen, "destroy of kernel %d: %d (%s)", i, e, rumpus_error());
			failed = 1;
		}
	}
	for (i = 0; i < 2; i++)
		bus_detach(&ports[i].bp);
	rumpus_memstats(&m1);
	if (!failed && m1.leaked != m0.leaked) {
		snprintf(msg, msglen, "destroy found %llu leaked bytes",
		    (unsigned long long)(m1.leaked - m0.leaked));
		failed = 1;
	} else if (!failed && m1.bytes != m0.bytes) {
		snprintf(msg, msglen, "kernel bytes not back: %llu before, %llu after",
		    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
		failed = 1;
	} else if (!failed && (rumpus_kernel_memused(bystander.k) != by_mem ||
	    ipackets(&bystander) != by_ipackets)) {
		snprintf(msg, msglen, "the bystander kernel on its own bus was disturbed");
		failed = 1;
	}
	return failed ? -1 : 0;
}
