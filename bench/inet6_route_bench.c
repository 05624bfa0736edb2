/*
 * inet6_route_bench.c: IPv6 route lookups (rt6_lookup: the lookup cache and flat index of
 * csrc/netinet6/rt6_cache.c in front of the radix tree of in6.c) in a table of 10,000
 * random prefixes beside one of 10 (the baseline), and the radix tree alone
 * (rt6_lookup_tree, what rt6_lookup was before the index) in the same table, in the same
 * process and run: batches of 20 x 4,096 lookups of addresses inside the prefixes,
 * interleaved, p50 and p90 of the per-lookup times of 31 batches (docs/bench.md).
 */
#include <stdlib.h>
#include <time.h>

#include "inet_util.h"		/* after <time.h>: it takes the host's CLOCK_* away */
#include "netinet6/in6_var.h"
#define BENCH_OWN_CLOCK
#include "bench.h"

enum { NQ = 4096, ROUNDS = 31, REP = 20 };
static struct nb_in6_addr q[2][NQ];
static uint64_t rs = 88172645463325252ULL;

static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)rs;
}

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(1 /* host CLOCK_MONOTONIC */, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* n random prefixes /32../64 under 2001:db8::/32 on ifp; q[w] gets addresses inside them. */
static int
fill(struct inet6_state *s, struct ifnet *ifp, int n, int w)
{
	int i, j, added = 0;

	for (i = 0; i < n; i++) {
		struct nb_in6_addr a;
		int plen = 32 + (int)(rnd() % 33);
		memset(&a, 0, sizeof(a));
		a.s6_addr[0] = 0x20, a.s6_addr[1] = 0x01, a.s6_addr[2] = 0x0d, a.s6_addr[3] = 0xb8;
		for (j = 4; j < 8; j++)
			a.s6_addr[j] = (uint8_t)rnd();
		for (j = plen / 8 + 1; j < 16; j++)
			a.s6_addr[j] = 0;
		added += rt6_add(s, &a, plen, NULL, 0, ifp, NULL) == 0;
		q[w][i % NQ] = a;
		q[w][i % NQ].s6_addr[15] = (uint8_t)rnd();
	}
	for (i = n; i < NQ; i++)
		q[w][i] = q[w][i % n];
	return added;
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.netinet6", NULL };
	struct rumpus_kernel *k[2];
	struct kin ki;
	static double t[3][ROUNDS];
	int sizes[2] = { 10, 10000 }, added[2], r, w, i, err;
	volatile uintptr_t sink = 0;

	for (w = 0; w < 2; w++) {
		struct inet6_state *s;
		if ((k[w] = rumpus_kernel_create(comps, NULL, &err)) == NULL)
			return printf("inet6_route_bench: boot failed (%d)\n", err), 1;
		ku_enter(&ki, k[w]);
		s = inet6_state(ki.k);
		ifs_lock(s->i6_ns);
		added[w] = fill(s, s->i6_ns->ns_lo0, sizes[w], w);
		ifs_unlock(s->i6_ns);
		ku_leave(&ki);
	}
	for (r = 0; r < ROUNDS; r++)
		for (w = 0; w < 3; w++) {	/* 2: the 10,000-prefix kernel's tree alone */
			struct inet6_state *s;
			double t0;
			int rep, kw = w == 2 ? 1 : w;
			ku_enter(&ki, k[kw]);
			s = inet6_state(ki.k);
			ifs_lock(s->i6_ns);
			t0 = now_ns();
			for (rep = 0; rep < REP; rep++)
				for (i = 0; i < NQ; i++)
					sink += (uintptr_t)(w == 2 ? rt6_lookup_tree(s, &q[kw][i], NULL) :
					    rt6_lookup(s, &q[kw][i], NULL));
			t[w][r] = (now_ns() - t0) / (REP * NQ);
			ifs_unlock(s->i6_ns);
			ku_leave(&ki);
		}
	for (w = 0; w < 3; w++)
		qsort(t[w], ROUNDS, sizeof(double), cmpd);
	printf("== IPv6 route lookups (cache, flat index, radix tree), %d routes beside %d\n",
	    added[1], added[0]);
	printf("  %-58s %8.1f ns  p90 %8.1f ns\n", "10,000 random prefixes: one lookup (p50 of batches)",
	    t[1][ROUNDS / 2], t[1][ROUNDS * 9 / 10]);
	printf("  %-58s %8.1f ns  p90 %8.1f ns\n", "the same, radix tree alone (before the index)",
	    t[2][ROUNDS / 2], t[2][ROUNDS * 9 / 10]);
	printf("  %-58s %8.1f ns  p90 %8.1f ns\n", "10 prefixes, interleaved (baseline)",
	    t[0][ROUNDS / 2], t[0][ROUNDS * 9 / 10]);
	printf("@fig\tinet6.C.route_lookup_10k\tIPv6 route lookup in 10,000 random prefixes, C\t%.17g\tns\tp90 %.1f ns\n",
	    t[1][ROUNDS / 2], t[1][ROUNDS * 9 / 10]);
	printf("@fig\tinet6.C.route_lookup_10\tthe same in 10 prefixes (baseline, same run)\t%.17g\tns\tp90 %.1f ns\n",
	    t[0][ROUNDS / 2], t[0][ROUNDS * 9 / 10]);
	printf("@fig\tinet6.C.route_tree_10k\tthe same 10,000 prefixes, radix tree alone (rt6_lookup before its index, same run)\t%.17g\tns\tp90 %.1f ns\n",
	    t[2][ROUNDS / 2], t[2][ROUNDS * 9 / 10]);
	printf("@cmp\tinet6.C.route_lookup_10k\tinet6.C.route_lookup_10\tsame process, interleaved batches of %d lookups, p50 of %d\n",
	    REP * NQ, ROUNDS);
	printf("@cmp\tinet6.C.route_lookup_10k\tinet6.C.route_tree_10k\tsame process and table, interleaved batches of %d lookups, p50 of %d\n",
	    REP * NQ, ROUNDS);
	(void)sink;
	for (w = 0; w < 2; w++)
		rumpus_kernel_destroy(k[w]);
	return 0;
}
