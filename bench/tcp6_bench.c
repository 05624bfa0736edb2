/*
 * tcp6_bench.c: TCP over IPv6 beside TCP over IPv4, and TCP's pcb lookups with 10 and with
 * 10,000 connections, each figure beside its baseline measured in the same process and
 * run, in short interleaved batches (docs/bench.md):
 *   - connections per second between two kernels on a bus (connect, one byte each way,
 *     close), IPv6 against IPv4 (the same kernels, the same listener: dual stack);
 *   - one-byte request/response round trip (TCP_NODELAY), IPv6 against IPv4: median and
 *     p99 over every trip;
 *   - the round trip between two kernels with 10,000 other connections open against two
 *     with 10 (every segment is a 4-tuple lookup in a table of 20,000 pcbs or of 20);
 *   - a 4-tuple lookup (tcp_pcbseq, the tests' door: kernel entry, lock, hash lookup) of a
 *     random connection among 10,000 against among 10 (cache misses included: 20,000
 *     pcbs and tcpcbs do not fit in a cache), and of one connection again and again (the
 *     hash's own cost).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tcp_nb.h"
#include "inet6_nb.h"
#include "bench.h"

int tcp_pcbseq(struct rumpus_kernel *k, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, uint32_t seq[4]);

#define ROUNDS	31
#define MANY	10000

/* A pair of kernels on a bus with IPv4 and IPv6 addresses; B listens on [::]:80 (dual). */
struct pair {
	struct rumpus_kernel *a, *b;
	int l;
	char a4[16], b4[16], b6[40];
};

static int
pair_up(struct pair *p, const char *bus, int net)
{
	char a6[40];
	int e, zero = 0, one = 1;
	struct x_sin6 sin6;

	snprintf(p->a4, sizeof(p->a4), "10.%d.0.1", net);
	snprintf(p->b4, sizeof(p->b4), "10.%d.0.2", net);
	snprintf(a6, sizeof(a6), "2001:db8:%x::1", net);
	snprintf(p->b6, sizeof(p->b6), "2001:db8:%x::2", net);
	p->a = x6_boot(), p->b = x6_boot();
	if (p->a == NULL || p->b == NULL)
		return -1;
	rumpus_kernel_switch(p->a);
	e = x_ifconfig("shmif0", bus, p->a4, 24) | x6_addr("shmif0", a6, 64, X_IN6_IFF_NODAD);
	e |= x_maxfiles(MANY + 64);
	rumpus_kernel_switch(p->b);
	e |= x_ifconfig("shmif0", bus, p->b4, 24) | x6_addr("shmif0", p->b6, 64, X_IN6_IFF_NODAD);
	e |= x_maxfiles(MANY + 64);
	p->l = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	sin6 = x_sin6("::", 80, 0);
	e |= rump_sys_setsockopt(p->l, X_IPPROTO_IPV6, X_IPV6_V6ONLY, &zero, sizeof(zero));
	e |= rump_sys_setsockopt(p->l, X_SOL_SOCKET, X_SO_REUSEADDR, &one, sizeof(one));
	e |= rump_sys_bind(p->l, (struct sockaddr *)&sin6, sizeof(sin6));
	e |= rump_sys_listen(p->l, 128);
	return e;
}

/* A connected pair, IPv6 or IPv4: *c in A, *s in B. */
static int
connect_pair(struct pair *p, int v6, int *c, int *s)
{
	rumpus_kernel_switch(p->a);
	if (v6) {
		struct x_sin6 to = x_sin6(p->b6, 80, 0);
		*c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
		if (rump_sys_connect(*c, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -1;
	} else if ((*c = x_connect(p->b4, 80)) < 0)
		return -1;
	rumpus_kernel_switch(p->b);
	*s = rump_sys_accept(p->l, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

static void
nodelay(struct pair *p, int c, int s)
{
	int one = 1;

	rumpus_kernel_switch(p->a);
	rump_sys_setsockopt(c, X_IPPROTO_TCP, X_TCP_NODELAY, &one, sizeof(one));
	rumpus_kernel_switch(p->b);
	rump_sys_setsockopt(s, X_IPPROTO_TCP, X_TCP_NODELAY, &one, sizeof(one));
}

/* n connect / byte each way / close cycles: seconds per connection */
static double
conns(struct pair *p, int v6, int n)
{
	uint64_t t0 = now_ns();
	char ch = 'x';
	int i, c, s;

	for (i = 0; i < n; i++) {
		if (connect_pair(p, v6, &c, &s) != 0)
			return 1e9;
		rumpus_kernel_switch(p->a);
		rump_sys_write(c, &ch, 1);
		rumpus_kernel_switch(p->b);
		rump_sys_read(s, &ch, 1);
		rump_sys_write(s, &ch, 1);
		rumpus_kernel_switch(p->a);
		rump_sys_read(c, &ch, 1);
		rump_sys_close(c);
		rumpus_kernel_switch(p->b);
		rump_sys_read(s, &ch, 1);		/* EOF */
		rump_sys_close(s);
	}
	return (double)(now_ns() - t0) / 1e9 / n;
}

/* n round trips over (c, s) of pair p, each latency into lat */
static void
trips(struct pair *p, int c, int s, int n, uint64_t *lat)
{
	char ch = 'r';
	int i;

	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		rumpus_kernel_switch(p->a);
		rump_sys_write(c, &ch, 1);
		rumpus_kernel_switch(p->b);
		rump_sys_read(s, &ch, 1);
		rump_sys_write(s, &ch, 1);
		rumpus_kernel_switch(p->a);
		rump_sys_read(c, &ch, 1);
		lat[i] = now_ns() - t0;
	}
}

static void
fig(const char *key, const char *label, double v, const char *unit, const char *note)
{
	printf("@fig\t%s\t%s\t%.17g\t%s\t%s\n", key, label, v, unit, note);
}

#define TRIPS	500
static uint64_t lat6[ROUNDS * TRIPS], lat4[ROUNDS * TRIPS], latm[ROUNDS * TRIPS],
    latf[ROUNDS * TRIPS];

/* ROUNDS interleaved batches of TRIPS round trips on connection a (client ca, server sa of
 * pair pa) and on b, which goes first alternating; la and lb get every trip's time,
 * sorted. */
static void
trips2(struct pair *pa, int ca, int sa, uint64_t *la, struct pair *pb, int cb, int sb,
    uint64_t *lb)
{
	int r;

	for (r = 0; r < ROUNDS; r++) {
		if (r % 2 == 0) {
			trips(pa, ca, sa, TRIPS, la + r * TRIPS);
			trips(pb, cb, sb, TRIPS, lb + r * TRIPS);
		} else {
			trips(pb, cb, sb, TRIPS, lb + r * TRIPS);
			trips(pa, ca, sa, TRIPS, la + r * TRIPS);
		}
	}
	qsort(la, ROUNDS * TRIPS, sizeof(la[0]), cmp64);
	qsort(lb, ROUNDS * TRIPS, sizeof(lb[0]), cmp64);
}

/* The figure of the sorted round-trip times lat: their median, their p99 in the note. */
static void
fig_rr(const char *key, const char *label, const uint64_t *lat)
{
	char note[64];

	snprintf(note, sizeof(note), "p99 %.2f us", (double)lat[ROUNDS * TRIPS * 99 / 100] / 1000);
	fig(key, label, (double)lat[ROUNDS * TRIPS / 2] / 1000, "us", note);
}

int
main(void)
{
	struct pair p, q, m;
	double c6[ROUNDS], c4[ROUNDS], lm[ROUNDS], lf[ROUNDS], hm[ROUNDS], hf[ROUNDS], v;
	int i, r, c6s, s6s, c4s, s4s, cm, sm, cf, sf, n;
	static int cc[MANY], ss[MANY], mc[10];

	if (pair_up(&p, "tcp6bench", 71) != 0 || pair_up(&q, "tcp6bench2", 72) != 0 ||
	    pair_up(&m, "tcp6bench3", 73) != 0) {
		printf("tcp6_bench: setup failed\n");
		return 1;
	}

	/* 10,000 connections between q's kernels (half IPv6), 10 between p's */
	for (n = 0; n < MANY; n++)
		if (connect_pair(&q, n & 1, &cc[n], &ss[n]) != 0)
			break;
	if (n < MANY) {
		printf("tcp6_bench: only %d connections\n", n);
		return 1;
	}
	for (i = 0; i < 10; i++) {	/* m: 10 connections, the last one timed */
		if (connect_pair(&m, i & 1, &cm, &sm) != 0)
			return 1;
		mc[i] = cm;
	}
	if (connect_pair(&q, 0, &cf, &sf) != 0)
		return 1;
	nodelay(&q, cf, sf);
	nodelay(&m, cm, sm);
	trips2(&q, cf, sf, latf, &m, cm, sm, latm);
	fig_rr("tcp6.rr.10k", "TCP 1-byte request/response with 10,000 connections in each kernel",
	    latf);
	fig_rr("tcp6.rr.10", "TCP 1-byte request/response with 10 connections in each kernel", latm);
	printf("@cmp\ttcp6.rr.10k\ttcp6.rr.10\tsame process, interleaved batches of %d trips, "
	    "median of all\n", TRIPS);

	/* connections per second and round trips, IPv6 against IPv4, interleaved */
	for (r = 0; r < ROUNDS; r++) {
		if (r % 2 == 0) {
			c6[r] = conns(&p, 1, 50);
			c4[r] = conns(&p, 0, 50);
		} else {
			c4[r] = conns(&p, 0, 50);
			c6[r] = conns(&p, 1, 50);
		}
	}
	fig("tcp6.conn", "TCP over IPv6: connections per second (connect, 1 byte each way, close), "
	    "two kernels", 1 / median(c6, ROUNDS), "conn/s", "");
	fig("tcp6.conn.v4", "TCP over IPv4: the same, the same kernels and listener",
	    1 / median(c4, ROUNDS), "conn/s", "");
	printf("@cmp\ttcp6.conn\ttcp6.conn.v4\tsame process, interleaved batches of 50, median\n");

	if (connect_pair(&p, 1, &c6s, &s6s) != 0 || connect_pair(&p, 0, &c4s, &s4s) != 0) {
		printf("tcp6_bench: connect failed\n");
		return 1;
	}
	nodelay(&p, c6s, s6s);
	nodelay(&p, c4s, s4s);
	trips2(&p, c6s, s6s, lat6, &p, c4s, s4s, lat4);
	fig_rr("tcp6.rr", "TCP over IPv6 1-byte request/response between two kernels, 1 thread",
	    lat6);
	fig_rr("tcp6.rr.v4", "TCP over IPv4: the same, the same kernels", lat4);
	printf("@cmp\ttcp6.rr\ttcp6.rr.v4\tsame process, interleaved batches of %d trips, median "
	    "of all\n", TRIPS);

	/* the lookup alone: random connections of A's table (IPv4 ones: the door's addresses) */
	{
		uint32_t qa, qb, pa, pb, seq[4];
		uint16_t qport[MANY / 2], pport[5];
		int nq = 0, np = 0, k;
		struct x_sin6 nm;
		struct x_sin nm4;
		socklen_t nl;

		inet_pton(AF_INET, q.a4, &qa), inet_pton(AF_INET, q.b4, &qb);
		inet_pton(AF_INET, m.a4, &pa), inet_pton(AF_INET, m.b4, &pb);
		rumpus_kernel_switch(q.a);
		for (i = 0; i < MANY; i += 2) {
			nl = sizeof(nm4);
			if (rump_sys_getsockname(cc[i], (struct sockaddr *)&nm4, &nl) == 0)
				qport[nq++] = nm4.port;
		}
		rumpus_kernel_switch(m.a);
		for (i = 0; i < 10; i += 2) {	/* m's IPv4 connections */
			nl = sizeof(nm4);
			if (rump_sys_getsockname(mc[i], (struct sockaddr *)&nm4, &nl) == 0)
				pport[np++] = nm4.port;
		}
		(void)nm;
		rumpus_kernel_switch(NULL);
		for (r = 0; r < ROUNDS; r++) {
			uint64_t t0;
			uint32_t x = (uint32_t)r * 2654435761u;
			int hits = 0;

			for (k = 0; k < 2; k++) {
				int many = (r + k) % 2 == 0;
				t0 = now_ns();
				for (i = 0; i < 2000; i++) {
					x ^= x << 13, x ^= x >> 17, x ^= x << 5;
					if (many)
						hits += tcp_pcbseq(q.a, qa, qport[x % (uint32_t)nq], qb,
						    htons(80), seq) == 4;
					else
						hits += tcp_pcbseq(m.a, pa, pport[x % (uint32_t)np], pb,
						    htons(80), seq) == 4;
				}
				v = (double)(now_ns() - t0) / 2000;
				if (many)
					lf[r] = v;
				else
					lm[r] = v;
			}
			if (hits != 4000) {
				printf("tcp6_bench: lookups missed (%d of 4000 found)\n", hits);
				return 1;
			}
		}
		for (r = 0; r < ROUNDS; r++) {	/* one connection again and again: no cache misses */
			uint64_t t0;
			int hits = 0;

			for (k = 0; k < 2; k++) {
				int many = (r + k) % 2 == 0;
				t0 = now_ns();
				for (i = 0; i < 2000; i++) {
					if (many)
						hits += tcp_pcbseq(q.a, qa, qport[nq / 2], qb, htons(80),
						    seq) == 4;
					else
						hits += tcp_pcbseq(m.a, pa, pport[0], pb, htons(80), seq) == 4;
				}
				v = (double)(now_ns() - t0) / 2000;
				if (many)
					hf[r] = v;
				else
					hm[r] = v;
			}
			if (hits != 4000)
				return 1;
		}
		fig("tcp6.lookup1.10k", "TCP 4-tuple lookup of one connection (cached) among 10,000",
		    median(hf, ROUNDS), "ns", "");
		fig("tcp6.lookup1.10", "the same among 10", median(hm, ROUNDS), "ns", "");
		printf("@cmp\ttcp6.lookup1.10k\ttcp6.lookup1.10\tsame process, interleaved batches "
		    "of 2,000 lookups, median\n");
		fig("tcp6.lookup.10k", "TCP 4-tuple lookup (kernel entry, lock, hash) among 10,000 "
		    "connections", median(lf, ROUNDS), "ns", "");
		fig("tcp6.lookup.10", "the same among 10 connections", median(lm, ROUNDS), "ns", "");
		printf("@cmp\ttcp6.lookup.10k\ttcp6.lookup.10\tsame process, interleaved batches of "
		    "2,000 random lookups, median\n");
	}
	return 0;
}
