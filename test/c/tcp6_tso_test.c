/*
 * tcp6_tso_test.c: TCP segmentation offload for IPv6 (IFCAP_TSOv6, csrc/net/if_tso.c,
 * bus_tso.c, csrc/netinet6/ip6.c ip6_output_tso, tcp6.c tcp6_tso).  First the cutting
 * itself, with ports of the test's own: an IPv6 offload frame sent through the bus's
 * offload door reaches a port that takes IPv6 offload frames whole, and a port without
 * it (or with IPv4 offload only) as MTU-sized segments: payload lengths, sequence
 * numbers advanced, FIN and PSH on the last only, CWR on the first only, each TCP
 * checksum valid over the segment; a corrupt one is dropped, one with an extension
 * header goes as it is.  Then kernels: the capability ioctls (shmif offers TSOv4 and
 * TSOv6), 8 MB over IPv6 with one thread and with a thread per end, as offload frames
 * (the interface counters), not with TSOv4 alone; a receiver with TSOv6 off gets
 * MTU-sized frames; a capture of a transfer holds MTU-sized frames with valid checksums
 * and contiguous sequence numbers (and is clean in tshark when installed); a router
 * with TSOv6 on its first link and none on its second cuts what it forwards (ip6_output
 * does, no Packet Too Big).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tso_xfer.h"
#include "inet6_nb.h"
#include "bus_raw.h"
#include "net/bus.h"

#define X_IFCAP_TSOv6	0x40000		/* NetBSD's net/if.h */

int rumpus_bus_pcap(const char *bus, const char *path);

/* ---------------------------------------------------------------- the cutting */

#define NSEG_MAX	16
struct rport {
	struct bus_port port;
	int n;
	size_t len[NSEG_MAX];
	uint8_t f[NSEG_MAX][1600];
	size_t bigger;			/* frames that did not fit f */
};

static void
rport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct rport *r = bp->bp_arg;

	if (len > sizeof(r->f[0]) || r->n >= NSEG_MAX) {
		r->bigger++;
		return;
	}
	memcpy(r->f[r->n], frame, len);
	r->len[r->n++] = len;
}

static void
rport_attach(struct rport *r, const char *bus, int id, int tso)
{
	uint8_t mac[6] = { 0xb2, 0xa0, 0x76, 0, 0, (uint8_t)id };

	memset(r, 0, sizeof(*r));
	r->port.bp_rx = rport_rx;
	r->port.bp_arg = r;
	bus_port_set(&r->port, mac, 0);
	bus_port_settso(&r->port, tso);
	bus_attach(bus, &r->port);
}

static const char *src6 = "2001:db8:77::1", *dst6 = "2001:db8:77::2";

/* An IPv6 TCP frame to dmac: seq, flags, dlen data bytes, a valid checksum (bad: one
 * data byte flipped after it), nxt 6 (or a hop-by-hop header first with hbh). */
static size_t
frame6(uint8_t *f, const uint8_t *dmac, uint32_t seq, int flags, size_t dlen, int bad, int hbh)
{
	static uint8_t pl[8 + 20 + 8000];
	uint8_t smac[6] = { 0xb2, 0xa0, 0x76, 0, 0, 1 }, s[16], d[16], *th = pl + (hbh ? 8 : 0);
	size_t plen = (hbh ? 8 : 0) + 20 + dlen, n;
	uint16_t sum;

	inet_pton(AF_INET6, src6, s);
	inet_pton(AF_INET6, dst6, d);
	memset(pl, 0, sizeof(pl));
	if (hbh)
		pl[0] = 6, pl[2] = 1, pl[3] = 4;	/* hop-by-hop: PadN */
	th[0] = 0x9c, th[1] = 0x40, th[2] = 0, th[3] = 80;
	th[4] = (uint8_t)(seq >> 24), th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8), th[7] = (uint8_t)seq;
	th[11] = 1;
	th[12] = 5 << 4;
	th[13] = (uint8_t)flags;
	th[14] = 0xff, th[15] = 0xff;
	for (size_t i = 0; i < dlen; i++)
		th[20 + i] = (uint8_t)(i * 31 + 7);
	sum = htons(x_cksum6(s, d, 6, th, 20 + dlen));
	memcpy(th + 16, &sum, 2);
	if (bad)
		th[20 + dlen / 2] ^= 0x04;
	n = x_frame6n(f, dmac, smac, s, d, (unsigned)plen, hbh ? 0 : 6, 64, pl, plen);
	return n;
}

static void
test_cut(void)
{
	static uint8_t f[14 + 40 + 8 + 20 + 8000];
	static struct rport snd, plain, v6, v4;
	uint8_t s[16], d[16];
	size_t n, dlen = 3500, off = 0;
	int i, bad = 0;

	rport_attach(&snd, "tso6raw", 1, 0);
	rport_attach(&plain, "tso6raw", 2, 0);
	rport_attach(&v6, "tso6raw", 3, BUS_TSO6);
	rport_attach(&v4, "tso6raw", 4, BUS_TSO4);
	inet_pton(AF_INET6, src6, s);
	inet_pton(AF_INET6, dst6, d);

	/* to a port that takes IPv6 offload frames: whole */
	n = frame6(f, v6.port.bp_mac, 1000, 0x80 | 0x10 | 0x08 | 0x01, dlen, 0, 0);
	bus_xmit_tso(&snd.port, f, n, 1000);
	ok(v6.bigger == 1 && v6.n == 0, "a port with BUS_TSO6 takes the 3500-byte frame whole");

	/* to one without, and to one with IPv4 offload only: segments */
	for (int which = 0; which < 2; which++) {
		struct rport *r = which == 0 ? &plain : &v4;

		n = frame6(f, r->port.bp_mac, 1000, 0x80 | 0x10 | 0x08 | 0x01, dlen, 0, 0);
		bus_xmit_tso(&snd.port, f, n, 1000);
		bad = 0, off = 0;
		for (i = 0; i < r->n; i++) {
			const uint8_t *g = r->f[i], *ip = g + 14, *th = ip + 40;
			size_t want = dlen - off < 1000 ? dlen - off : 1000;
			unsigned plen = (unsigned)(ip[4] << 8 | ip[5]);
			uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
			    (uint32_t)th[6] << 8 | th[7];
			int last = i == r->n - 1, fl = th[13];

			if (g[12] != 0x86 || g[13] != 0xdd || plen != 20 + want ||
			    r->len[i] != 14 + 40 + 20 + want || seq != 1000 + off ||
			    x_cksum6(ip + 8, ip + 24, 6, th, plen) != 0 ||
			    ((fl & 0x01) != 0) != last || ((fl & 0x08) != 0) != last ||
			    ((fl & 0x80) != 0) != (i == 0) || !(fl & 0x10) ||
			    memcmp(th + 20, f + 14 + 40 + 20 + off, want) != 0) {
				diag("segment %d: len %zu plen %u seq %u flags %#x", i, r->len[i], plen,
				    seq, fl);
				bad++;
			}
			off += want;
		}
		ok(r->n == 4 && r->bigger == 0 && bad == 0 && off == dlen,
		    "%s: 4 segments of at most 1000 bytes, payload lengths, sequence numbers, "
		    "FIN/PSH on the last, CWR on the first, checksums and data right",
		    which == 0 ? "a port without offload" : "a port with IPv4 offload only");
	}

	plain.n = 0;
	n = frame6(f, plain.port.bp_mac, 1000, 0x10, dlen, 1, 0);
	bus_xmit_tso(&snd.port, f, n, 1000);
	ok(plain.n == 0 && plain.bigger == 0, "a corrupt offload frame is dropped, not cut");
	n = frame6(f, plain.port.bp_mac, 1000, 0x10, 1200, 0, 1);
	bus_xmit_tso(&snd.port, f, n, 1000);
	ok(plain.n == 1 && plain.len[0] == n,
	    "one with an extension header before TCP is not ours to cut: as it is");
	bus_detach(&snd.port);
	bus_detach(&plain.port);
	bus_detach(&v6.port);
	bus_detach(&v4.port);
}

/* ---------------------------------------------------------------- kernels */

static int
setcaps(struct rumpus_kernel *k, const char *ifname, uint64_t on)
{
	uint64_t caps, en = on;
	int e;

	rumpus_kernel_switch(k);
	e = x_ifcap(ifname, 1, &caps, &en);
	return e != 0 ? e : en == on ? 0 : -1;
}

static int
listen6(const char *addr, int port)
{
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	struct x_sin6 sin6 = x_sin6(addr, port, 0);

	if (s < 0 || rump_sys_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    rump_sys_listen(s, 5) < 0)
		return -errno;
	return s;
}

static int
pair6(struct rumpus_kernel *ka, struct rumpus_kernel *kb, int l, const char *addr, int *c,
    int *s)
{
	struct x_sin6 sin6 = x_sin6(addr, 80, 0);

	rumpus_kernel_switch(ka);
	*c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	if (*c < 0 || rump_sys_connect(*c, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
		return -1;
	rumpus_kernel_switch(kb);
	*s = rump_sys_accept(l, NULL, NULL);
	return *s >= 0 ? 0 : -1;
}

static void
counters(struct rumpus_kernel *ka, struct x_ifdatareq *da, struct rumpus_kernel *kb,
    struct x_ifdatareq *db)
{
	rumpus_kernel_switch(ka);
	x_ifdata("shmif0", da);
	rumpus_kernel_switch(kb);
	x_ifdata("shmif0", db);
}

/* The frames of a classic pcap file: IPv6 TCP ones within 1514 bytes with valid
 * checksums, and the data segments from port sport contiguous (no loss here). */
static int
pcap_check6(const char *path, size_t *ntcp, size_t *maxlen, int *bad, int *gaps)
{
	static uint8_t f[70000];
	uint8_t h[24];
	FILE *fp = fopen(path, "rb");
	uint32_t next = 0;
	int have = 0;

	*ntcp = *maxlen = 0;
	*bad = *gaps = 0;
	if (fp == NULL || fread(h, 1, 24, fp) != 24) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	for (;;) {
		uint32_t incl, seq;
		const uint8_t *ip = f + 14, *th = f + 54;
		size_t plen, dl;

		if (fread(h, 1, 16, fp) != 16)
			break;
		memcpy(&incl, h + 8, 4);
		if (incl > sizeof(f) || fread(f, 1, incl, fp) != incl) {
			(*bad)++;
			break;
		}
		if (incl > *maxlen)
			*maxlen = incl;
		if (incl < 14 + 40 + 20 || f[12] != 0x86 || f[13] != 0xdd || ip[6] != 6)
			continue;
		(*ntcp)++;
		plen = (size_t)(ip[4] << 8 | ip[5]);
		if (plen + 54 > incl || plen < 20 ||
		    x_cksum6(ip + 8, ip + 24, 6, th, plen) != 0) {
			(*bad)++;
			continue;
		}
		dl = plen - (size_t)(th[12] >> 4) * 4;
		if (th[1] != 80 || th[0] != 0 || dl == 0)	/* data to port 80 */
			continue;
		seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
		if (have && seq != next)
			(*gaps)++;
		next = seq + (uint32_t)dl;
		have = 1;
	}
	fclose(fp);
	return 0;
}

static void
test_kernels(void)
{
	struct rumpus_kernel *a, *b, *r, *d;
	struct x_ifdatareq da0, da1, db0, db1;
	uint64_t caps = 0, en = 0;
	int l, c, s, e, one = 1;
	const size_t big = 8u << 20;

	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "tso6bus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:76::1", 64, X_IN6_IFF_NODAD);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "tso6bus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:76::2", 64, X_IN6_IFF_NODAD);
	ok(e == 0, "two kernels on tso6bus, IPv6");
	e = x_ifcap("shmif0", 0, &caps, &en);
	ok(e == 0 && caps == (X_IFCAP_TSOv4 | X_IFCAP_TSOv6) && en == 0,
	    "SIOCGIFCAP: shmif offers IFCAP_TSOv4 and IFCAP_TSOv6, off by default (%#llx, %#llx)",
	    (unsigned long long)caps, (unsigned long long)en);
	l = listen6("::", 80);

	/* ---- TSOv4 alone does nothing for IPv6 */
	ok(setcaps(a, "shmif0", X_IFCAP_TSOv4) == 0 && setcaps(b, "shmif0", X_IFCAP_TSOv4) == 0,
	    "TSOv4 (only) on both");
	ok(pair6(a, b, l, "2001:db8:76::2", &c, &s) == 0, "connected over IPv6");
	counters(a, &da0, b, &db0);
	ok(xfer1(a, c, b, s, 2u << 20) == 0, "2 MB A -> B: intact");
	counters(a, &da1, b, &db1);
	ok(da1.d.opackets - da0.d.opackets >= (2u << 20) / 1428,
	    "in MTU-sized frames (%llu): IPv6 needs TSOv6",
	    (unsigned long long)(da1.d.opackets - da0.d.opackets));
	unpair(a, c, b, s);

	/* ---- TSOv6 on both */
	ok(setcaps(a, "shmif0", X_IFCAP_TSOv6) == 0 && setcaps(b, "shmif0", X_IFCAP_TSOv6) == 0,
	    "SIOCSIFCAP IFCAP_TSOv6 on both, read back on");
	rumpus_kernel_switch(b);
	ok(pair6(a, b, l, "2001:db8:76::2", &c, &s) == 0, "connected");
	counters(a, &da0, b, &db0);
	ok(xfer1(a, c, b, s, big) == 0, "8 MB A -> B with TSOv6, one thread: intact");
	counters(a, &da1, b, &db1);
	ok(da1.d.opackets - da0.d.opackets < big / 1428 / 4,
	    "as offload frames: A sent %llu frames for %zu segments' worth",
	    (unsigned long long)(da1.d.opackets - da0.d.opackets), big / 1428);
	ok(db1.d.ipackets - db0.d.ipackets < big / 1428 / 4 && db1.d.ierrors == db0.d.ierrors,
	    "B took %llu frames, no input errors",
	    (unsigned long long)(db1.d.ipackets - db0.d.ipackets));
	ok(xfer2(a, c, b, s, big) == 0, "8 MB A -> B with TSOv6, a thread per end: intact");
	ok(xfer2(b, s, a, c, 4u << 20) == 0, "4 MB B -> A too");
	unpair(a, c, b, s);

	/* ---- B without TSOv6 (TSOv4 only): cut on the bus */
	ok(setcaps(b, "shmif0", X_IFCAP_TSOv4) == 0, "B: TSOv4 only");
	ok(pair6(a, b, l, "2001:db8:76::2", &c, &s) == 0, "connected");
	counters(a, &da0, b, &db0);
	ok(xfer1(a, c, b, s, big) == 0, "8 MB from a TSOv6 sender to a kernel without: intact");
	counters(a, &da1, b, &db1);
	ok(da1.d.opackets - da0.d.opackets < big / 1428 / 4, "A still sent offload frames");
	ok(db1.d.ipackets - db0.d.ipackets >= big / 1428 && db1.d.ierrors == db0.d.ierrors &&
	    db1.d.ibytes - db0.d.ibytes <= (db1.d.ipackets - db0.d.ipackets) * 1514,
	    "B got MTU-sized frames (%llu), no input errors",
	    (unsigned long long)(db1.d.ipackets - db0.d.ipackets));
	unpair(a, c, b, s);
	ok(setcaps(b, "shmif0", X_IFCAP_TSOv6) == 0, "B's TSOv6 on again");

	/* ---- a capture */
	{
		char path[] = "/tmp/rumpus_tso6pcap_XXXXXX", cmd[512];
		static char out[1 << 20];
		size_t nt, maxlen, n = 0;
		int fd = mkstemp(path), bad, gaps;
		FILE *p;

		close(fd);
		ok(rumpus_bus_pcap("tso6bus", path) == 0, "capture of tso6bus");
		ok(pair6(a, b, l, "2001:db8:76::2", &c, &s) == 0 &&
		    xfer1(a, c, b, s, 1u << 20) == 0, "1 MB with TSOv6 on, captured: intact");
		unpair(a, c, b, s);
		rumpus_kernel_switch(NULL);
		ok(rumpus_bus_pcap("tso6bus", NULL) == 0, "capture stopped");
		e = pcap_check6(path, &nt, &maxlen, &bad, &gaps);
		ok(e == 0 && nt >= (1u << 20) / 1428 && maxlen <= 1514 && bad == 0 && gaps == 0,
		    "%zu IPv6 TCP frames, the longest %zu bytes, %d with a bad length or checksum, "
		    "%d gaps in the data's sequence numbers", nt, maxlen, bad, gaps);
		if (system("command -v tshark >/dev/null 2>&1") != 0)
			skip("tshark is not installed (make deps installs it)", "tshark decodes it");
		else {
			snprintf(cmd, sizeof(cmd), "tshark -n -o tcp.check_checksum:TRUE "
			    "-o tcp.analyze_sequence_numbers:TRUE "
			    "-r %s -z expert,error 2>&1 | grep -ci -e malformed -e 'bad checksum' "
			    "-e '\\[incorrect' -e 'Error'", path);
			if ((p = popen(cmd, "r")) != NULL) {
				n = fread(out, 1, sizeof(out) - 1, p);
				pclose(p);
			}
			out[n] = '\0';
			ok(n > 0 && atoi(out) == 0, "tshark: no malformed frame, bad checksum or "
			    "expert error (%d lines)", atoi(out));
		}
		if (tap_failed)
			diag("capture kept in %s", path);
		else
			unlink(path);
	}
	rumpus_kernel_switch(b);
	rump_sys_close(l);

	/* ---- a router: TSOv6 on A's link, none on D's */
	r = x6_boot(), d = x6_boot();
	rumpus_kernel_switch(r);
	e = x_ifconfig("shmif0", "tso6bus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:76::fe", 64, X_IN6_IFF_NODAD) |
	    x_ifconfig("shmif1", "tso6fwd", NULL, 0) |
	    x6_addr("shmif1", "2001:db8:78::1", 64, X_IN6_IFF_NODAD) |
	    x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one);
	e |= setcaps(r, "shmif0", X_IFCAP_TSOv6);
	rumpus_kernel_switch(d);
	e |= x_ifconfig("shmif0", "tso6fwd", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:78::2", 64, X_IN6_IFF_NODAD) |
	    x6_route(X_RTM_ADD, "::", 0, "2001:db8:78::1", 0, X_RTF_GATEWAY);
	rumpus_kernel_switch(a);
	e |= x6_route(X_RTM_ADD, "2001:db8:78::", 64, "2001:db8:76::fe", 0, X_RTF_GATEWAY);
	ok(e == 0, "A - R - D: R forwards from tso6bus (TSOv6 on) to tso6fwd (none)");
	rumpus_kernel_switch(d);
	l = listen6("::", 80);
	x_ifdata("shmif0", &db0);
	rumpus_kernel_switch(r);
	x_ifdata("shmif0", &da0);
	ok(pair6(a, d, l, "2001:db8:78::2", &c, &s) == 0, "A connected to D through R");
	ok(xfer1(a, c, d, s, big) == 0, "8 MB A -> D: intact");
	ok(xfer2(a, c, d, s, 4u << 20) == 0, "4 MB more with a thread per end: intact");
	rumpus_kernel_switch(r);
	x_ifdata("shmif0", &da1);
	rumpus_kernel_switch(d);
	x_ifdata("shmif0", &db1);
	ok(da1.d.ipackets - da0.d.ipackets < (12u << 20) / 1428 / 2,
	    "R got offload frames (%llu frames)",
	    (unsigned long long)(da1.d.ipackets - da0.d.ipackets));
	ok(db1.d.ipackets - db0.d.ipackets >= (12u << 20) / 1428 &&
	    db1.d.ierrors == db0.d.ierrors &&
	    db1.d.ibytes - db0.d.ibytes <= (db1.d.ipackets - db0.d.ipackets) * 1514,
	    "D got MTU-sized frames (%llu), no input errors",
	    (unsigned long long)(db1.d.ipackets - db0.d.ipackets));
	unpair(a, c, d, s);
	rumpus_kernel_switch(d);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(d);
}

int
main(void)
{
	test_cut();
	test_kernels();
	return tap_done();
}
