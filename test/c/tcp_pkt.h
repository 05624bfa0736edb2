/*
 * tcp_pkt.h: packet-level TCP test helpers (packetdrill style): the test is a host on
 * the kernel's bus with a port of its own; it injects hand-built Ethernet/IPv4/TCP
 * frames (inject), reads the kernel's segments field by field (next, pop answer ARP for
 * it) and moves the virtual clock by hand (advance_ms).  One includer per program: the
 * capture and the addresses are the program's statics.
 */
#ifndef TEST_TCP_PKT_H
#define TEST_TCP_PKT_H

#include <time.h>
#include <pthread.h>

#include "tap.h"
#include "tcp_nb.h"

/* The bus door of the kernel library (net/bus.h): a port of our own on the bus. */
#include "net/bus.h"
#include "hyper/hyper.h"

static const uint8_t mymac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static uint8_t kmac[6];
static uint32_t myip, kip;
static struct bus_port port;

/* captured frames */
#define NCAP 256
static pthread_mutex_t caplock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t cap[NCAP][2048];
static size_t caplen[NCAP];
static int caphead, captail;

static inline void
rx(struct bus_port *bp, const void *frame, size_t len)
{
	(void)bp;
	pthread_mutex_lock(&caplock);
	if (captail - caphead < NCAP && len <= 2048) {
		memcpy(cap[captail % NCAP], frame, len);
		caplen[captail % NCAP] = len;
		captail++;
	}
	pthread_mutex_unlock(&caplock);
}

static inline uint16_t
get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t
get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void
put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void
put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }

static inline uint16_t
cksum(const uint8_t *d, size_t n, uint32_t sum)
{
	for (; n > 1; n -= 2, d += 2)
		sum += (uint32_t)(d[0] << 8 | d[1]);
	if (n)
		sum += (uint32_t)(d[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t
pseudo(uint32_t src, uint32_t dst, size_t len)
{
	const uint8_t *s = (const uint8_t *)&src, *d = (const uint8_t *)&dst;

	return (uint32_t)(s[0] << 8 | s[1]) + (uint32_t)(s[2] << 8 | s[3]) +
	    (uint32_t)(d[0] << 8 | d[1]) + (uint32_t)(d[2] << 8 | d[3]) + 6 + (uint32_t)len;
}

/* A segment as seen on the wire. */
struct seg {
	uint16_t sport, dport, win;
	uint32_t seq, ack;
	int flags, len, optlen, urp;
	uint8_t opt[40], data[1500];
	int cksum_ok, ipcksum_ok;
	int mss, ws, ts, sackok, nsack;
	uint32_t tsval, tsecr, sack[4][2];
};

static inline void
parse_opts(struct seg *s)
{
	int i = 0;

	s->mss = s->ws = -1;
	s->ts = s->sackok = s->nsack = 0;
	while (i < s->optlen) {
		int k = s->opt[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->optlen || s->opt[i + 1] < 2)
			break;
		if (k == 2)
			s->mss = get16(s->opt + i + 2);
		else if (k == 3)
			s->ws = s->opt[i + 2];
		else if (k == 4)
			s->sackok = 1;
		else if (k == 5) {
			for (int j = 0; j + 8 <= s->opt[i + 1] - 2 && s->nsack < 4; j += 8, s->nsack++) {
				s->sack[s->nsack][0] = get32(s->opt + i + 2 + j);
				s->sack[s->nsack][1] = get32(s->opt + i + 6 + j);
			}
		} else if (k == 8) {
			s->ts = 1;
			s->tsval = get32(s->opt + i + 2);
			s->tsecr = get32(s->opt + i + 6);
		}
		i += s->opt[i + 1];
	}
}

/* Answers ARP requests for us; returns 1 and the segment for a TCP frame. */
static inline int
pop(struct seg *s)
{
	uint8_t f[2048];
	size_t n;

	for (;;) {
		pthread_mutex_lock(&caplock);
		if (caphead == captail) {
			pthread_mutex_unlock(&caplock);
			return 0;
		}
		n = caplen[caphead % NCAP];
		memcpy(f, cap[caphead % NCAP], n);
		caphead++;
		pthread_mutex_unlock(&caplock);
		if (get16(f + 12) == 0x0806 && n >= 42) {
			memcpy(kmac, f + 6, 6);
			if (get16(f + 20) == 1 && memcmp(f + 38, &myip, 4) == 0) {
				uint8_t r[60];
				memset(r, 0, sizeof(r));
				memcpy(r, f + 6, 6);
				memcpy(r + 6, mymac, 6);
				put16(r + 12, 0x0806);
				put16(r + 14, 1), put16(r + 16, 0x0800), r[18] = 6, r[19] = 4;
				put16(r + 20, 2);
				memcpy(r + 22, mymac, 6), memcpy(r + 28, &myip, 4);
				memcpy(r + 32, f + 22, 6), memcpy(r + 38, f + 28, 4);
				bus_xmit(&port, r, sizeof(r));
			}
			continue;
		}
		if (get16(f + 12) != 0x0800 || n < 14 + 40 || f[14 + 9] != 6)
			continue;
		{
			const uint8_t *ip = f + 14, *th;
			int hl = (ip[0] & 15) * 4, tl = get16(ip + 2), off;
			memcpy(kmac, f + 6, 6);
			th = ip + hl;
			memset(s, 0, sizeof(*s));
			s->ipcksum_ok = cksum(ip, (size_t)hl, 0) == 0;
			uint32_t is, id;
			memcpy(&is, ip + 12, 4);
			memcpy(&id, ip + 16, 4);
			s->cksum_ok = cksum(th, (size_t)(tl - hl), pseudo(is, id, (size_t)(tl - hl))) == 0;
			s->sport = get16(th), s->dport = get16(th + 2);
			s->seq = get32(th + 4), s->ack = get32(th + 8);
			off = (th[12] >> 4) * 4;
			s->flags = th[13];
			s->win = get16(th + 14);
			s->urp = get16(th + 18);
			s->optlen = off - 20;
			memcpy(s->opt, th + 20, (size_t)s->optlen);
			s->len = tl - hl - off;
			memcpy(s->data, th + off, (size_t)s->len);
			parse_opts(s);
			return 1;
		}
	}
}

/* Waits (real time, bounded) for the next TCP segment. */
static inline int
next(struct seg *s, int ms)
{
	struct timespec d = { 0, 1000000 };

	for (int i = 0; i <= ms; i++) {
		if (pop(s))
			return 1;
		if (ms > 0)
			nanosleep(&d, NULL);
	}
	return 0;
}

static inline void
drain(void)
{
	struct seg s;

	while (next(&s, 20))
		continue;
}

/* Moves virtual time and lets the kernel's timers run. */
static inline void
advance_ms(uint64_t ms)
{
	struct timespec d = { 0, 2000000 };

	rumpus_clock_advance(ms * 1000000ULL);
	/* the timers that fell due run on hyper's scheduler thread, which a loaded host may
	 * run late: wait until they have (bounded), then a little for what they queued */
	(void)hyp_vclock_settle(5000000000ULL);
	nanosleep(&d, NULL);
}

/* The timestamps option (RFC 7323) at o, after two NOPs: its 12 bytes. */
static inline int
tsopt(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
	put32(o + 4, val);
	put32(o + 8, ecr);
	return 12;
}

/* Retransmission i + 1 due in ms: the clock to 1 ms before it, where nothing may have
 * come (else it is reported early and 0 returned), then to it. */
static inline int
not_early(uint64_t ms, int i)
{
	struct seg s;
	int good = 1;

	advance_ms(ms - 1);
	if (next(&s, 0)) {
		good = 0;
		diag("retransmission %d early", i + 1);
	}
	advance_ms(1);
	return good;
}

/* The Ethernet + IPv4 + TCP frame of a segment from us to the kernel in f (zeroed as far
 * as the payload), both checksums set; urp: the urgent pointer field.  Returns the
 * frame's length (unpadded). */
static inline size_t
pkt_frame(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, int flags,
    uint16_t win, const uint8_t *opt, int optlen, const void *data, int len, uint16_t urp)
{
	uint8_t *ip = f + 14, *th = ip + 20;
	int tl = 20 + optlen + len;

	memset(f, 0, 14 + 40);
	memcpy(f, kmac, 6);
	memcpy(f + 6, mymac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + tl));
	ip[8] = 64, ip[9] = 6;
	memcpy(ip + 12, &myip, 4);
	memcpy(ip + 16, &kip, 4);
	put16(ip + 10, cksum(ip, 20, 0));
	put16(th, sport), put16(th + 2, dport);
	put32(th + 4, seq), put32(th + 8, ack);
	th[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	th[13] = (uint8_t)flags;
	put16(th + 14, win);
	put16(th + 18, urp);
	if (optlen > 0)
		memcpy(th + 20, opt, (size_t)optlen);
	if (len > 0)
		memcpy(th + 20 + optlen, data, (size_t)len);
	put16(th + 16, cksum(th, (size_t)tl, pseudo(myip, kip, (size_t)tl)));
	return (size_t)(14 + 20 + tl);
}

/* A segment from us to the kernel; urp: the urgent pointer field. */
static inline void
inject_urp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, int flags,
    uint16_t win, const uint8_t *opt, int optlen, const void *data, int len, uint16_t urp)
{
	uint8_t f[1600];
	size_t n;

	memset(f, 0, sizeof(f));
	n = pkt_frame(f, sport, dport, seq, ack, flags, win, opt, optlen, data, len, urp);
	bus_xmit(&port, f, n < 60 ? 60 : n);
}

static inline void
inject(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, int flags, uint16_t win,
    const uint8_t *opt, int optlen, const void *data, int len)
{
	inject_urp(sport, dport, seq, ack, flags, win, opt, optlen, data, len, 0);
}

/* ARP: who has kip, tell myip (the kernel learns our MAC from it; its reply is drained). */
static inline void
pkt_arp(void)
{
	uint8_t r[60];

	memset(r, 0, sizeof(r));
	memset(r, 0xff, 6);
	memcpy(r + 6, mymac, 6);
	put16(r + 12, 0x0806);
	put16(r + 14, 1), put16(r + 16, 0x0800), r[18] = 6, r[19] = 4, put16(r + 20, 1);
	memcpy(r + 22, mymac, 6), memcpy(r + 28, &myip, 4), memcpy(r + 38, &kip, 4);
	bus_xmit(&port, r, sizeof(r));
	drain();
}

/* Boots a kernel at 10.4.0.1/24 on bus, makes it current, attaches the test's port
 * (10.4.0.2) and lets the kernel learn our MAC.  NULL on failure. */
static inline struct rumpus_kernel *
pkt_setup(const char *bus)
{
	struct rumpus_kernel *k = x_boot();

	if (k == NULL)
		return NULL;
	rumpus_kernel_switch(k);
	if (x_ifconfig("shmif0", bus, "10.4.0.1", 24) != 0)
		return NULL;
	myip = x_ip("10.4.0.2");
	kip = x_ip("10.4.0.1");
	port.bp_rx = rx;
	memcpy(port.bp_mac, mymac, 6);
	port.bp_promisc = 1;
	if (bus_attach(bus, &port) != 0)
		return NULL;
	drain();
	pkt_arp();
	return k;
}

static inline void
x_linger_abort(int fd)
{
	struct x_linger lg = { 1, 0 };

	rump_sys_setsockopt(fd, X_SOL_SOCKET, X_SO_LINGER, &lg, sizeof(lg));
	rump_sys_close(fd);
}

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16, URG = 32 };

#endif
