/*
 * tcp_syncache_test.c: NetBSD's SYN cache (csrc/netinet/tcp_syncache.c) pinned segment
 * by segment in virtual time.  The test is a host on the kernel's bus (10.4.0.2) that
 * injects hand-built segments and checks the replies field by field: a SYN answered from
 * the cache (no pcb, no socket until the ACK), the options of the SYN kept in the entry
 * and in force on the connection, a retransmitted SYN, SYN|ACK retransmissions with
 * NetBSD's backoff (3 s * 1, 2, 4, 8 ... within rexmit_max) until keepinit or 12 tries,
 * the cache and bucket limits dropping the oldest entry as NetBSD's syn_cache_insert,
 * RSTs (for an ACK of no entry; a RST that removes an entry), kern.somaxconn and the
 * 3/2 rule of the listen queue, a 10,000-SYN flood under a small limit with memory
 * bounded while a real client kernel connects, threads: SYNs and handshakes arriving
 * from other threads while this one accepts and closes listeners, and entries counted
 * against a kernel's memory limit (a flood stops there, the SYNs dropped).
 */
#include "tcp_pkt.h"

#define N16(x) __builtin_bswap16(x)

/* The cache entry of our port sport -> the kernel's port 80: its retransmissions so far,
 * -1 when there is none. */
static int
entry(struct rumpus_kernel *k, uint16_t sport)
{
	return tcp_syncache_info(k, NULL, myip, N16(sport), kip, N16(80), NULL);
}

static int
bucket_of(struct rumpus_kernel *k, uint16_t sport)
{
	int b = -1;

	tcp_syncache_info(k, NULL, myip, N16(sport), kip, N16(80), &b);
	return b;
}

static int
set_tcp(int id, int v)
{
	return x_sysctl_tcp(id, NULL, &v);
}

static int
get_tcp(int id)
{
	int v = -1;

	x_sysctl_tcp(id, &v, NULL);
	return v;
}

static int
somaxconn(int *oldv, const int *newv)
{
	int name[2] = { 1 /* CTL_KERN */, 1024 /* KERN_SOMAXCONN */ };
	size_t len = sizeof(int);

	return rump_sys___sysctl(name, 2, oldv, oldv ? &len : NULL, newv,
	    newv ? sizeof(int) : 0) < 0 ? errno : 0;
}

/* A SYN from sport (no options) and its SYN|ACK's sequence number (0 if none came). */
static uint32_t
syn(uint16_t sport, uint32_t seq)
{
	struct seg s;

	inject(sport, 80, seq, 0, SYN, 65535, NULL, 0, NULL, 0);
	if (!next(&s, 0) || s.flags != (SYN | ACK) || s.dport != sport)
		return 0;
	return s.seq;
}

enum { SYN_CACHE_LIMIT = 5, SYN_BUCKET_LIMIT = 6, SYN_CACHE_INTERVAL = 7 };

static void
sysctls(void)
{
	int v = 0;

	ok(get_tcp(SYN_CACHE_LIMIT) == 10255 && get_tcp(SYN_BUCKET_LIMIT) == 105 &&
	    get_tcp(SYN_CACHE_INTERVAL) == 1, "net.inet.tcp.syn_cache_limit 10255, "
	    "syn_bucket_limit 105, syn_cache_interval 1 (NetBSD's defaults)");
	ok(set_tcp(SYN_CACHE_LIMIT, 0) == EINVAL && set_tcp(SYN_BUCKET_LIMIT, -1) == EINVAL &&
	    set_tcp(SYN_CACHE_INTERVAL, 0) == EINVAL, "limits below 1 are EINVAL");
	somaxconn(&v, NULL);
	ok(v == 128, "kern.somaxconn 128 (SOMAXCONN) (%d)", v);
	v = -1;
	ok(somaxconn(NULL, &v) == EINVAL, "kern.somaxconn -1: EINVAL");
}

/* SYN -> SYN|ACK from the cache, field by field; the options live on in the connection. */
static void
handshake(struct rumpus_kernel *k, int l)
{
	struct seg s;
	uint8_t opt[40];
	uint32_t iss;
	int n = 0, a;
	char buf[4096];

	opt[n++] = 2, opt[n++] = 4, put16(opt + n, 1000), n += 2;
	opt[n++] = 1, opt[n++] = 3, opt[n++] = 3, opt[n++] = 2;	/* wscale 2 */
	n += tsopt(opt + n, 500, 0);
	opt[n++] = 1, opt[n++] = 1, opt[n++] = 4, opt[n++] = 2;	/* SACK permitted */
	inject(41000, 80, 7000, 0, SYN, 65535, opt, n, NULL, 0);
	memset(&s, 0, sizeof(s));
	next(&s, 0);
	ok(s.flags == (SYN | ACK) && s.ack == 7001 && s.sport == 80 &&
	    s.dport == 41000 && s.cksum_ok && s.ipcksum_ok, "SYN: SYN|ACK from the cache, "
	    "ack 7001, checksums valid (flags %#x)", s.flags);
	ok(s.mss == 1460 && s.ws == 3 && s.sackok && s.ts && s.tsecr == 500 &&
	    s.win == 32768 && s.optlen == 24, "options MSS 1460, NOP WS 3, NOP NOP SACKOK, "
	    "NOP NOP TS echoing 500; window 32768 (mss %d ws %d)", s.mss, s.ws);
	iss = s.seq;
	ok(x_state(k, (struct x_tuple){ kip, myip, N16(80), N16(41000) }) == -1 &&
	    entry(k, 41000) == 0, "no pcb: a cache entry, no retransmission yet");
	a = rump_sys_accept(l, NULL, NULL);
	ok(a < 0 && errno == X_EAGAIN, "nothing to accept before the ACK");

	/* a retransmitted SYN: the same SYN|ACK (NetBSD: sc_dupesyn) */
	inject(41000, 80, 7000, 0, SYN, 65535, opt, n, NULL, 0);
	ok(next(&s, 0) && s.flags == (SYN | ACK) && s.seq == iss && s.ack == 7001,
	    "the SYN again: the same SYN|ACK (iss %u)", s.seq);
	ok(x_synstats(k).dupesyn == 1, "counted as a duplicate SYN");

	/* an ACK that does not acknowledge our SYN: the SYN|ACK again, no connection */
	n = tsopt(opt, 501, s.tsval);
	inject(41000, 80, 7001, iss + 2, ACK, 100, opt, n, NULL, 0);
	ok(next(&s, 0) && s.flags == (SYN | ACK) && s.seq == iss, "an ACK of iss + 2: the "
	    "SYN|ACK again");
	ok(entry(k, 41000) == 0 && rump_sys_accept(l, NULL, NULL) < 0, "the entry stays");

	/* the handshake's ACK: the socket now, silently */
	inject(41000, 80, 7001, iss + 1, ACK, 100, opt, n, NULL, 0);
	ok(!next(&s, 0), "the ACK completes it silently");
	ok(entry(k, 41000) == -1 && x_state(k, (struct x_tuple){ kip, myip, N16(80),
	    N16(41000) }) == X_TCPS_ESTABLISHED, "the entry became an ESTABLISHED pcb");
	a = rump_sys_accept(l, NULL, NULL);
	ok(a >= 0, "accept()");
	ok(x_getint(a, X_IPPROTO_TCP, X_TCP_MAXSEG) == 1000 - 12, "TCP_MAXSEG: the SYN's MSS "
	    "1000 less the timestamp option (%d)", x_getint(a, X_IPPROTO_TCP, X_TCP_MAXSEG));
	/* the peer's window 100 << 2 = 400: the first write sends 400 bytes */
	memset(buf, 'x', sizeof(buf));
	ok(rump_sys_write(a, buf, 1000) == 1000, "write 1000 bytes");
	ok(next(&s, 0) && s.len == 400 && s.seq == iss + 1 && s.ts && s.tsecr == 501,
	    "400 bytes go: the window 100 scaled by the SYN's wscale 2; the timestamp echoes "
	    "501 (len %d tsecr %u)", s.len, s.tsecr);
	ok(!next(&s, 0), "and no more into the closed window");
	/* out of order data from us: the kernel's ACK carries a SACK block (SACK agreed) and
	 * its window is scaled by the 3 it offered */
	n = tsopt(opt, 502, s.tsval);
	inject(41000, 80, 7101, iss + 401, ACK, 100, opt, n, "abcd", 4);
	ok(next(&s, 0) && s.ack == 7001 && s.nsack == 1 && s.sack[0][0] == 7101 &&
	    s.sack[0][1] == 7105, "out-of-order data: a duplicate ACK with the SACK block "
	    "7101-7105 (nsack %d)", s.nsack);
	ok(s.win == (33580 - 4) >> 3 || s.win == 33580 >> 3, "its window (32768 rounded up to "
	    "23 segments of 1460) is scaled by 2^3 "
	    "(%u)", s.win);
	x_linger_abort(a);
	drain();
	ok(x_synstats(k).completed == 1 && x_synstats(k).count == 0, "one entry completed, none left");

	/* a SYN without options: a SYN|ACK with the MSS alone */
	inject(41001, 80, 100, 0, SYN, 8192, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == (SYN | ACK) && s.mss == 1460 && s.ws == -1 && !s.ts &&
	    !s.sackok && s.optlen == 4, "a SYN without options: the MSS alone (optlen %d)",
	    s.optlen);
	iss = s.seq;
	inject(41001, 80, 101, iss + 1, ACK, 8192, NULL, 0, NULL, 0);
	a = rump_sys_accept(l, NULL, NULL);
	ok(a >= 0 && x_getint(a, X_IPPROTO_TCP, X_TCP_MAXSEG) == 536, "accepted; the MSS is "
	    "mssdflt 536 without the option (%d)", a >= 0 ? x_getint(a, X_IPPROTO_TCP,
	    X_TCP_MAXSEG) : -1);
	x_linger_abort(a);
	drain();
}

/* SYN|ACK retransmissions from the cache: NetBSD's backoff, then the entry goes. */
static void
backoff(struct rumpus_kernel *k)
{
	static const int waits[] = { 3000, 6000, 12000, 24000 };
	struct seg s;
	uint32_t iss;
	int i, good = 1;

	iss = syn(41010, 9000);
	ok(iss != 0, "SYN: SYN|ACK");
	for (i = 0; i < 4; i++) {
		good &= not_early((uint64_t)waits[i], i);
		if (!next(&s, 20) || s.flags != (SYN | ACK) || s.seq != iss || s.ack != 9001) {
			good = 0;
			diag("retransmission %d missing", i + 1);
		}
	}
	ok(good, "SYN|ACK again after 3, 6, 12 and 24 s (NetBSD: 3 s * tcp_backoff)");
	ok(entry(k, 41010) == 4 && x_synstats(k).retransmitted == 4, "the entry counts 4 "
	    "retransmissions");
	/* the next one would be at 45 + 48 = 93 s, past keepinit (75 s): the entry goes then,
	 * silently */
	advance_ms(47999);
	ok(!next(&s, 0) && entry(k, 41010) == 4, "nothing before 93 s");
	advance_ms(1);
	ok(!next(&s, 20) && entry(k, 41010) == -1 && x_synstats(k).timed_out == 1, "at 93 s the "
	    "entry goes silently (waited keepinit 75 s in all)");
	inject(41010, 80, 9001, iss + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == iss + 1 && s.ack == 0, "its late ACK: a "
	    "RST at the ACK's number (flags %#x)", s.flags);

	/* with keepinit 1000 s: the backoff stops at rexmit_max (64 s) and the entry goes
	 * after TCP_MAXRXTSHIFT (12) retransmissions */
	ok(x_sysctl_tcp(X_TCPCTL_KEEPINIT, NULL, &(int){ 1000 }) == 0, "keepinit 1000 s");
	iss = syn(41011, 9500);
	{
		static const int w2[] = { 3, 6, 12, 24, 48, 64, 64, 64, 64, 64, 64, 64 };
		int n = 0;

		good = 1;
		for (i = 0; i < 12; i++) {
			advance_ms((uint64_t)w2[i] * 1000 - 1);
			if (next(&s, 0))
				good = 0;
			advance_ms(1);
			if (next(&s, 20) && s.flags == (SYN | ACK) && s.seq == iss)
				n++;
			else
				good = 0;
		}
		ok(good && n == 12, "12 retransmissions after 3, 6, 12, 24, 48, then 64 s each "
		    "(rexmit_max) (%d)", n);
	}
	advance_ms(64000);
	ok(!next(&s, 20) && entry(k, 41011) == -1, "then the entry goes (TCP_MAXRXTSHIFT)");
	x_sysctl_tcp(X_TCPCTL_KEEPINIT, NULL, &(int){ 75 });
	drain();
}

/* An ICMP destination unreachable (code) from a router 10.4.0.254 quoting the kernel's
 * segment 10.4.0.1:80 -> us:dport with sequence number seq (the first 8 bytes of TCP). */
static void
icmp_unreach(int code, uint16_t dport, uint32_t seq)
{
	uint8_t f[14 + 20 + 8 + 20 + 8];
	uint8_t *ip = f + 14, *ic = ip + 20, *q = ic + 8;
	uint32_t rtr = x_ip("10.4.0.254");

	memset(f, 0, sizeof(f));
	memcpy(f, kmac, 6);
	memcpy(f + 6, mymac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 20 + 8);
	ip[8] = 64, ip[9] = 1;
	memcpy(ip + 12, &rtr, 4);
	memcpy(ip + 16, &kip, 4);
	put16(ip + 10, cksum(ip, 20, 0));
	ic[0] = 3, ic[1] = (uint8_t)code;
	if (code == 4)
		put16(ic + 6, 1000);		/* needfrag: the next-hop MTU */
	q[0] = 0x45;
	put16(q + 2, 44);
	q[8] = 64, q[9] = 6;
	memcpy(q + 12, &kip, 4);
	memcpy(q + 16, &myip, 4);
	put16(q + 10, cksum(q, 20, 0));
	put16(q + 20, 80), put16(q + 22, dport);
	put32(q + 24, seq);
	put16(ic + 2, cksum(ic, 8 + 20 + 8, 0));
	bus_xmit(&port, f, sizeof(f));
}

/* ICMP errors for a SYN|ACK of the cache, as NetBSD's syn_cache_unreach: host and net
 * unreachables quoting the entry's ISS mark it, and one more once it has retransmitted
 * 3 times removes it; a wrong sequence number, port and protocol unreachables and
 * fragmentation needed do nothing. */
static void
unreach(struct rumpus_kernel *k)
{
	struct seg s;
	uint32_t iss, iss2;
	int good;

	/* one error marks; at 1 and 2 retransmissions more errors keep it */
	iss = syn(41040, 3000);
	ok(iss != 0, "SYN from 41040: SYN|ACK");
	icmp_unreach(1, 41040, iss);
	ok(!next(&s, 0) && entry(k, 41040) == 0, "host unreachable quoting it: the entry stays "
	    "(marked only)");
	icmp_unreach(1, 41040, iss);
	ok(entry(k, 41040) == 0, "a second one before 3 retransmissions: it stays");
	/* a second entry that gets only bogus errors */
	iss2 = syn(41041, 3100);
	ok(iss2 != 0, "SYN from 41041: SYN|ACK");
	icmp_unreach(1, 41041, iss2 + 1);
	advance_ms(3000);
	drain();
	ok(entry(k, 41040) == 1 && entry(k, 41041) == 1, "both retransmitted once at 3 s");
	icmp_unreach(0, 41040, iss);
	ok(entry(k, 41040) == 1, "net unreachable after 1 retransmission: it stays");
	advance_ms(6000);
	drain();
	icmp_unreach(1, 41040, iss);
	ok(entry(k, 41040) == 2, "host unreachable after 2: it stays");
	advance_ms(12000);
	drain();
	ok(entry(k, 41040) == 3 && entry(k, 41041) == 3, "3 retransmissions each at 21 s");
	/* errors that are not NetBSD's EHOSTUNREACH, or quote a wrong sequence number */
	icmp_unreach(3, 41040, iss);		/* port */
	icmp_unreach(2, 41040, iss);		/* protocol */
	icmp_unreach(4, 41040, iss);		/* needfrag */
	icmp_unreach(16, 41040, iss);		/* no such code */
	icmp_unreach(1, 41040, iss + 1);
	icmp_unreach(1, 41040, iss - 1);
	ok(entry(k, 41040) == 3, "port, protocol unreachable, needfrag, code 16 and a wrong "
	    "sequence number: it stays");
	icmp_unreach(1, 41041, iss2 + 1);
	icmp_unreach(1, 41041, iss2 + 1);
	ok(entry(k, 41041) == 3, "never marked by wrong sequence numbers: the other stays");
	good = x_synstats(k).unreach == 0;
	icmp_unreach(13, 41040, iss);		/* administratively prohibited */
	ok(good && entry(k, 41040) == -1 && x_synstats(k).unreach == 1, "a marked entry after 3 "
	    "retransmissions: admin prohibited (EHOSTUNREACH in NetBSD) removes it "
	    "(sc_unreach %llu)", (unsigned long long)x_synstats(k).unreach);
	ok(!next(&s, 0), "silently");
	inject(41040, 80, 3001, iss + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == iss + 1, "its late ACK: a RST");
	/* the other: the first correct error only marks, the next removes it */
	icmp_unreach(0, 41041, iss2);
	ok(entry(k, 41041) == 3, "41041: the first good error after 3 retransmissions marks");
	icmp_unreach(0, 41041, iss2);
	ok(entry(k, 41041) == -1 && x_synstats(k).unreach == 2, "the second removes it");
	/* an entry that was never hit keeps going */
	iss = syn(41042, 3200);
	advance_ms(3000);
	ok(next(&s, 20) && s.flags == (SYN | ACK) && s.seq == iss, "an entry without errors "
	    "retransmits as before");
	inject(41042, 80, 3201, 0, RST, 0, NULL, 0, NULL, 0);
	ok(entry(k, 41042) == -1, "(a RST removes it)");
	drain();
}

/* RSTs: for an ACK of no entry, and a RST that removes an entry. */
static void
resets(struct rumpus_kernel *k)
{
	struct seg s;
	uint32_t iss;

	inject(41020, 80, 500, 123456, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == 123456 && s.sport == 80 &&
	    s.dport == 41020, "an ACK for no entry: RST at its ack (NetBSD's badsyn)");
	inject(41021, 80, 500, 77, SYN | ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == 77, "a SYN|ACK at a listener: RST");
	iss = syn(41022, 600);
	inject(41022, 80, 700, 0, RST, 0, NULL, 0, NULL, 0);
	ok(!next(&s, 0) && entry(k, 41022) == 0, "a RST out of the entry's window: ignored");
	inject(41022, 80, 601, 0, RST, 0, NULL, 0, NULL, 0);
	ok(!next(&s, 0) && entry(k, 41022) == -1 && x_synstats(k).reset == 1, "a RST at irs + 1: "
	    "the entry goes, silently");
	inject(41022, 80, 601, iss + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == iss + 1, "and its ACK then gets a RST");
}

/* The limits: a full cache and a full bucket drop their oldest entry. */
static void
limits(struct rumpus_kernel *k)
{
	struct seg s;
	uint32_t isa, isb;
	uint16_t ports[5] = { 0 }, p;
	int b[5], i, victim, want;

	ok(set_tcp(SYN_CACHE_LIMIT, 1) == 0, "syn_cache_limit 1");
	isa = syn(41030, 1000);
	isb = syn(41031, 2000);
	ok(isa != 0 && isb != 0, "two SYNs, two SYN|ACKs");
	ok(entry(k, 41030) == -1 && entry(k, 41031) == 0 && x_synstats(k).overflowed == 1 &&
	    x_synstats(k).count == 1, "the cache holds one: the older entry was dropped");
	inject(41030, 80, 1001, isa + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == isa + 1, "the dropped entry's ACK: RST");
	inject(41031, 80, 2001, isb + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(!next(&s, 0) && x_synstats(k).completed == 3, "the newer one completes");

	/* limit 3, four SYNs: the victim is the oldest entry of the first non-empty bucket
	 * from the new entry's own (NetBSD: "the first non-empty bucket we can find") */
	ok(set_tcp(SYN_CACHE_LIMIT, 3) == 0, "syn_cache_limit 3");
	for (i = 0; i < 3; i++)
		syn((uint16_t)(41040 + i), 3000u + 1000u * (uint32_t)i);
	for (i = 0; i < 4; i++)
		b[i] = bucket_of(k, (uint16_t)(41040 + i));
	victim = -1;
	for (int d = 0; d < 293 && victim < 0; d++)
		for (i = 0; i < 3 && victim < 0; i++)
			if (b[i] == (b[3] + d) % 293)
				victim = i;	/* the oldest of that bucket: lowest i */
	syn(41043, 6000);
	for (i = 0, want = 1; i < 4; i++)
		if ((entry(k, (uint16_t)(41040 + i)) == -1) != (i == victim))
			want = 0;
	ok(want && x_synstats(k).count == 3, "limit 3, a fourth SYN: the entry of port %d dropped "
	    "(buckets %d %d %d, new %d)", 41040 + victim, b[0], b[1], b[2], b[3]);
	/* forget them (RSTs) */
	for (i = 0; i < 4; i++)
		inject((uint16_t)(41040 + i), 80, 3001u + 1000u * (uint32_t)i, 0, RST, 0, NULL, 0,
		    NULL, 0);
	ok(x_synstats(k).count == 0, "RSTs emptied the cache");
	set_tcp(SYN_CACHE_LIMIT, 10255);

	/* a full bucket: three ports of one bucket with syn_bucket_limit 2 */
	ok(set_tcp(SYN_BUCKET_LIMIT, 2) == 0, "syn_bucket_limit 2");
	ports[0] = 42000;
	syn(ports[0], 100);		/* fixes the hash secrets (drawn while empty) */
	b[0] = bucket_of(k, ports[0]);
	for (p = 42001, i = 1; i < 3 && p < 60000; p++)
		if (bucket_of(k, p) == b[0])
			ports[i++] = p;
	ok(i == 3, "ports %u, %u, %u share bucket %d", ports[0], ports[1], ports[2], b[0]);
	syn(ports[1], 200);
	ok(entry(k, ports[0]) == 0 && entry(k, ports[1]) == 0, "two entries in the bucket");
	syn(ports[2], 300);
	ok(entry(k, ports[0]) == -1 && entry(k, ports[1]) == 0 && entry(k, ports[2]) == 0 &&
	    x_synstats(k).bucketoverflow == 1, "a third: the bucket's oldest entry dropped");
	set_tcp(SYN_BUCKET_LIMIT, 105);
	inject(ports[1], 80, 201, 0, RST, 0, NULL, 0, NULL, 0);
	inject(ports[2], 80, 301, 0, RST, 0, NULL, 0, NULL, 0);
	drain();
}

/* kern.somaxconn caps the backlog; the completed queue holds 3 * qlimit / 2 + 1. */
static void
listenq(struct rumpus_kernel *k)
{
	struct seg s;
	uint32_t iss[7];
	int l, i, n, v = 2, good;

	(void)k;
	ok(somaxconn(NULL, &v) == 0, "kern.somaxconn 2");
	l = x_listen("0.0.0.0", 81, 100);
	ok(l >= 0, "listen on port 81 with backlog 100: the queue limit is 2");
	x_nonblock(l, 1);
	for (i = 0, good = 1; i < 6; i++) {
		inject((uint16_t)(43000 + i), 81, 100u * (uint32_t)i, 0, SYN, 65535, NULL, 0, NULL,
		    0);
		if (!next(&s, 0) || s.flags != (SYN | ACK))
			good = 0;
		iss[i] = s.seq;
	}
	ok(good, "six SYNs while nothing waits for accept(): six SYN|ACKs from the cache");
	for (i = 0, good = 1; i < 4; i++) {
		inject((uint16_t)(43000 + i), 81, 100u * (uint32_t)i + 1, iss[i] + 1, ACK, 65535,
		    NULL, 0, NULL, 0);
		if (next(&s, 0))
			good = 0;
	}
	ok(good, "four ACKs complete silently (3 * 2 / 2 + 1 = 4 fit the queue)");
	inject(43004, 81, 401, iss[4] + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(next(&s, 0) && s.flags == RST && s.seq == iss[4] + 1, "the fifth: no room, a RST "
	    "(NetBSD's syn_cache_get resetandabort)");
	inject(43006, 81, 600, 0, SYN, 65535, NULL, 0, NULL, 0);
	ok(!next(&s, 0), "a new SYN while more than the backlog wait: dropped silently");
	for (n = 0; rump_sys_accept(l, NULL, NULL) >= 0; n++)
		continue;
	ok(n == 4, "accept() gives the four (%d)", n);
	inject(43005, 81, 501, iss[5] + 1, ACK, 65535, NULL, 0, NULL, 0);
	ok(!next(&s, 0), "with room again, the sixth's ACK completes silently");
	ok(rump_sys_accept(l, NULL, NULL) >= 0, "and is accepted");
	v = 128;
	somaxconn(NULL, &v);
	rump_sys_close(l);
	drain();
	/* the open descriptors of the accepted sockets go with the process */
}

/* 10,000 SYNs under syn_cache_limit 1000: memory bounded, a real client gets in. */
static void
flood(struct rumpus_kernel *k, struct rumpus_kernel *c, int l)
{
	struct x_synstat st;
	size_t before, after;
	int s, a, i;

	ok(set_tcp(SYN_CACHE_LIMIT, 1000) == 0, "syn_cache_limit 1000");
	drain();
	before = rumpus_kernel_memused(k);
	for (i = 0; i < 10000; i++)
		inject((uint16_t)(20000 + i), 80, 1000u * (uint32_t)i, 0, SYN, 65535, NULL, 0,
		    NULL, 0);
	drain();
	after = rumpus_kernel_memused(k);
	st = x_synstats(k);
	ok(st.count == 1000 && st.overflowed >= 9000, "10,000 SYNs: 1,000 entries (%llu), "
	    "%llu overflow drops", (unsigned long long)st.count,
	    (unsigned long long)st.overflowed);
	ok(after < before + 1000 * (st.entrysize + 64) + 64 * 1024, "memory grew %zd bytes: "
	    "bounded by the limit", (ssize_t)(after - before));
	ok(entry(k, 20000 + 9999) == 0 && entry(k, 20000) == -1, "the newest SYN has an "
	    "entry, the first one's was dropped");
	rumpus_kernel_switch(c);
	s = x_connect("10.4.0.1", 80);
	rumpus_kernel_switch(k);
	a = x_poll1(l, X_POLLIN, 2000) == X_POLLIN ? rump_sys_accept(l, NULL, NULL) : -1;
	ok(s >= 0 && a >= 0, "a real client kernel connects during the flood");
	if (a >= 0)
		rump_sys_close(a);
	rumpus_kernel_switch(c);
	rump_sys_close(s);
	rumpus_kernel_switch(k);
	set_tcp(SYN_CACHE_LIMIT, 10255);
}

/* Threads: SYNs and whole handshakes arrive from other threads while this one accepts,
 * and closes and reopens the listener (its entries go with it). */
static volatile int stop_flag;
static struct rumpus_kernel *tk, *tc;

/* Forgets what was captured (drain() would never end while a thread floods). */
static void
discard(void)
{
	pthread_mutex_lock(&caplock);
	caphead = captail;
	pthread_mutex_unlock(&caplock);
}

static void *
flooder(void *arg)
{
	uint16_t p = 0;

	(void)arg;
	while (!__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE)) {
		inject((uint16_t)(30000 + p % 8000), 82, 77u * p, 0, SYN, 65535, NULL, 0, NULL, 0);
		inject((uint16_t)(30000 + (p + 4000) % 8000), 82, 1, 12345, ACK, 65535, NULL, 0,
		    NULL, 0);
		/* a pause now and then: the flood must not fill the interface queue for good
		 * (then the real clients' ACKs are dropped there too, as on any host), only
		 * keep SYNs arriving while the other threads work (under TSan too, where the
		 * kernel runs many times slower than the injection) */
		if (++p % 32 == 0) {
			struct timespec d = { 0, 100000 };
			nanosleep(&d, NULL);
		}
	}
	return NULL;
}

static void *
connector(void *arg)
{
	int *done = arg, i, s;

	rumpus_kernel_switch(tc);
	for (i = 0; i < 200; i++) {
		s = x_connect("10.4.0.1", 82);
		if (s >= 0) {
			__atomic_fetch_add(done, 1, __ATOMIC_RELAXED);
			rump_sys_close(s);
		}
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
threads(struct rumpus_kernel *k, struct rumpus_kernel *c)
{
	pthread_t t1, t2;
	int l, i, done = 0, got = 0, closes = 0;

	tk = k, tc = c;
	l = x_listen("0.0.0.0", 82, 64);
	x_nonblock(l, 1);
	pthread_create(&t1, NULL, flooder, NULL);
	pthread_create(&t2, NULL, connector, &done);
	for (i = 0; i < 2000 && (__atomic_load_n(&done, __ATOMIC_RELAXED) < 200 || closes < 2);
	    i++) {
		int a = rump_sys_accept(l, NULL, NULL);

		if (a >= 0) {
			got++;
			rump_sys_close(a);
		}
		if (i % 25 == 24) {		/* the listener goes and comes back */
			rump_sys_close(l);
			closes++;
			l = x_listen("0.0.0.0", 82, 64);
			x_nonblock(l, 1);
		}
		discard();
		{
			struct timespec d = { 0, 200000 };
			nanosleep(&d, NULL);
		}
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	rump_sys_close(l);
	discard();
	drain();
	ok(got > 0 && closes > 0, "threads: %d accepted while SYNs and %d connects arrived "
	    "from two other threads, the listener closed %d times", got, done, closes);
	ok(x_synstats(k).count == 0, "the listener's close took its entries (%llu left)",
	    (unsigned long long)x_synstats(k).count);
}

static void discard(void);

/* A kernel with a memory limit: entries are kernel memory, so a flood stops at the limit
 * (SYNs dropped, counted), and nothing breaks. */
static void
memlimit(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_config cfg = { 0, NULL, 0, 0 };
	struct rumpus_kernel *m;
	struct x_synstat st;
	size_t base;
	int l, err = 0, i;

	m = rumpus_kernel_create(comps, NULL, &err);
	rumpus_kernel_switch(m);
	x_ifconfig("shmif0", "tcpscmem0", "10.4.0.1", 24);
	l = x_listen("0.0.0.0", 80, 16);
	base = rumpus_kernel_memused(m);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(m);
	cfg.memlimit = base + 256 * 1024;
	m = rumpus_kernel_create(comps, &cfg, &err);
	ok(m != NULL, "a kernel limited to %zu bytes", cfg.memlimit);
	rumpus_kernel_switch(m);
	ok(x_ifconfig("shmif0", "tcpscmem", "10.4.0.1", 24) == 0, "at 10.4.0.1 on tcpscmem");
	ok(bus_attach("tcpscmem", &port) == 0, "our port there");
	pkt_arp();
	l = x_listen("0.0.0.0", 80, 16);
	for (i = 0; i < 10000; i++) {
		inject((uint16_t)(20000 + i), 80, 1000u * (uint32_t)i, 0, SYN, 65535, NULL, 0,
		    NULL, 0);
		if (i % 200 == 199)
			discard();
	}
	drain();
	st = x_synstats(m);
	ok(st.dropped > 0 && st.count < 10000 && st.count + st.dropped == 10000,
	    "10,000 SYNs: %llu entries fit, %llu dropped for memory", (unsigned long long)st.count,
	    (unsigned long long)st.dropped);
	ok(rumpus_kernel_memused(m) <= cfg.memlimit, "within the limit (%zu of %zu)",
	    rumpus_kernel_memused(m), cfg.memlimit);
	rump_sys_close(l);
	ok(x_synstats(m).count == 0, "the listener's close frees them");
	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(m) == 0, "destroyed");
}

int
main(void)
{
	struct rumpus_kernel *k, *c;
	int l;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	c = x_boot();
	rumpus_kernel_switch(c);
	ok(x_ifconfig("shmif0", "tcpscbus", "10.4.0.3", 24) == 0, "a client kernel 10.4.0.3");
	rumpus_kernel_switch(NULL);
	k = pkt_setup("tcpscbus");
	ok(k != NULL, "the kernel at 10.4.0.1, our port at 10.4.0.2");
	sysctls();
	l = x_listen("0.0.0.0", 80, 16);
	ok(l >= 0, "listen on port 80");
	x_nonblock(l, 1);
	drain();
	handshake(k, l);
	backoff(k);
	resets(k);
	unreach(k);
	limits(k);
	listenq(k);
	flood(k, c, l);
	rump_sys_close(l);
	drain();
	ok(x_synstats(k).count == 0, "closing the listener empties the cache");
	threads(k, c);

	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	memlimit();
	{
		struct rumpus_memstats m0, m1;

		rumpus_memstats(&m0);
		ok(rumpus_kernel_destroy(k) == 0 && rumpus_kernel_destroy(c) == 0, "destroyed");
		rumpus_memstats(&m1);
		ok(m1.leaked == m0.leaked, "nothing leaked");
	}
	return tap_done();
}
