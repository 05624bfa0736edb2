/*
 * inet_radix_test.c: the radix tree (csrc/net/radix.c) against a brute-force oracle over
 * random prefixes, for 32-bit (IPv4) and 128-bit (IPv6) keys: inserts, duplicates,
 * removals, exact lookups, longest-prefix matches of random keys near and far from the
 * prefixes, the dump order, the tree's invariants after every batch, and the node count
 * after everything is gone.  Then the kernel's IPv4 table (route.c) the same way with
 * 10,000 routes, the lookup cache through changes, an interface's routes going at
 * detach; one thread changing routes by routing messages while another sends by them;
 * and no leaks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

#define NPFX	3000
/* Under a sanitizer (make asan, make tsan) the brute-force oracle's loops, not the tree, take
 * the time: there every fourth random match of a round, and every tenth lookup of the
 * routing table, is checked against it (the same random draws, so the same trees and
 * routes; make test checks every one). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ORACLE_EVERY	4
#define RT_ORACLE_EVERY	10
#else
#define ORACLE_EVERY	1
#define RT_ORACLE_EVERY	1
#endif

struct pfx {
	uint8_t key[16];
	int plen;
	int live;
	int id;
};

static uint64_t rs = 0x9e3779b97f4a7c15ULL;
static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static void
maskkey(uint8_t *k, int plen, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int bits = plen - i * 8;
		if (bits <= 0)
			k[i] = 0;
		else if (bits < 8)
			k[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

static int
matches(const struct pfx *p, const uint8_t *key, int bytes)
{
	uint8_t k[16];

	memcpy(k, key, (size_t)bytes);
	maskkey(k, p->plen, bytes);
	return memcmp(k, p->key, (size_t)bytes) == 0;
}

/* A key near the prefixes: a few base patterns with random low bits, so prefixes nest. */
static void
randkey(uint8_t *k, int bytes)
{
	static const uint8_t base[4][16] = {
		{ 10, 0, 0, 0 }, { 10, 1, 2, 0 }, { 192, 168, 0, 0 }, { 0x20, 0x01, 0x0d, 0xb8 } };
	int i, b = (int)(rnd() % 5), keep = (int)(rnd() % (unsigned)(bytes + 1));

	for (i = 0; i < bytes; i++)
		k[i] = (uint8_t)rnd();
	if (b < 4)
		for (i = 0; i < keep && i < bytes; i++)
			k[i] = base[b][i];
}

struct walkst { const uint8_t *prev; int prevplen; int n; int bad; int bytes; };

static int
walk1(void *entry, void *arg)
{
	struct walkst *w = arg;
	struct pfx *p = entry;

	if (w->prev != NULL) {
		int c = memcmp(w->prev, p->key, (size_t)w->bytes);
		if (c > 0 || (c == 0 && w->prevplen >= p->plen))
			w->bad++;
	}
	w->prev = p->key, w->prevplen = p->plen;
	w->n++;
	return 0;
}

static int
even(const void *entry, void *arg)
{
	(void)arg;
	return (((const struct pfx *)entry)->id & 1) == 0;
}

static void
tree_vs_oracle(struct kern *k, int keybits)
{
	static struct pfx px[NPFX];
	struct radix_head h;
	int bytes = keybits / 8, i, j, round, bad = 0, badexact = 0, dup = 0, nlive = 0;
	int checks = 0;

	radix_init(&h, k, keybits);
	memset(px, 0, sizeof(px));
	for (i = 0; i < NPFX; i++) {
		randkey(px[i].key, bytes);
		px[i].plen = (int)(rnd() % (unsigned)(keybits + 1));
		if (i % 17 == 0)
			px[i].plen = keybits;	/* host routes */
		maskkey(px[i].key, px[i].plen, bytes);
		px[i].id = i;
	}
	ok(radix_insert(&h, px[0].key, keybits + 1, &px[0]) == EINVAL &&
	    radix_insert(&h, px[0].key, -1, &px[0]) == EINVAL &&
	    radix_insert(&h, px[0].key, 3, NULL) == EINVAL, "/%d: bad plen or NULL entry: EINVAL",
	    keybits);
	ok(radix_match(&h, px[0].key, NULL, NULL) == NULL && radix_check(&h) == 0,
	    "/%d: the empty tree matches nothing", keybits);
	for (round = 0; round < 6; round++) {
		/* insert or remove a random half */
		for (i = 0; i < NPFX; i++) {
			if (rnd() % 2)
				continue;
			if (!px[i].live) {
				int e = radix_insert(&h, px[i].key, px[i].plen, &px[i]);
				/* an equal prefix may be live already under another index */
				int twin = 0;
				for (j = 0; j < NPFX; j++)
					if (px[j].live && px[j].plen == px[i].plen &&
					    memcmp(px[j].key, px[i].key, (size_t)bytes) == 0)
						twin = 1;
				if (twin ? e != EEXIST : e != 0)
					bad++;
				if (twin)
					dup++;
				else
					px[i].live = 1;
			} else {
				if (radix_remove(&h, px[i].key, px[i].plen) != &px[i])
					bad++;
				px[i].live = 0;
				if (radix_remove(&h, px[i].key, px[i].plen) != NULL)
					bad++;
			}
		}
		nlive = 0;
		for (i = 0; i < NPFX; i++) {
			void *x = radix_exact(&h, px[i].key, px[i].plen);
			nlive += px[i].live;
			if (px[i].live ? x != &px[i] : (x != NULL && ((struct pfx *)x)->live == 0))
				badexact++;
		}
		/* longest-prefix matches of random keys against the brute-force oracle */
		for (i = 0; i < 4000; i++) {
			uint8_t key[16];
			struct pfx *best = NULL, *got;
			randkey(key, bytes);
			if (i % 4 == 0) {	/* a key inside a live prefix */
				j = (int)(rnd() % NPFX);
				memcpy(key, px[j].key, (size_t)bytes);
				key[bytes - 1] ^= (uint8_t)(rnd() & 1);
			}
			if (i % ORACLE_EVERY != 0)
				continue;
			for (j = 0; j < NPFX; j++)
				if (px[j].live && matches(&px[j], key, bytes) &&
				    (best == NULL || px[j].plen > best->plen))
					best = &px[j];
			got = radix_match(&h, key, NULL, NULL);
			if (got != best)
				bad++;
			checks++;
		}
		if (radix_check(&h) != 0 || h.rh_count != (unsigned)nlive ||
		    h.rh_nodes > 2 * h.rh_count)
			bad++;
	}
	ok(bad == 0 && badexact == 0, "/%d: %d matches, inserts, removals agree with the oracle "
	    "(%d wrong, %d exact wrong, %d duplicates refused, %u entries, %u nodes)", keybits,
	    checks, bad, badexact, dup, h.rh_count, h.rh_nodes);
	{
		struct walkst w = { NULL, 0, 0, 0, bytes };
		radix_walk(&h, walk1, &w);
		ok(w.n == nlive && w.bad == 0, "/%d: the walk lists %d entries in key order, shorter "
		    "prefix first (%d out of order)", keybits, w.n, w.bad);
	}
	/* a predicate skips entries: the match falls back to the next shorter prefix */
	{
		int wrong = 0;
		for (i = 0; i < 500; i++) {
			uint8_t key[16];
			struct pfx *best = NULL, *best2 = NULL;
			randkey(key, bytes);
			for (j = 0; j < NPFX; j++)
				if (px[j].live && matches(&px[j], key, bytes)) {
					if (best == NULL || px[j].plen > best->plen)
						best = &px[j];
					if ((px[j].id & 1) == 0 && (best2 == NULL || px[j].plen > best2->plen))
						best2 = &px[j];
				}
			if (radix_match(&h, key, NULL, NULL) != best ||
			    radix_match(&h, key, even, NULL) != best2)
				wrong++;
		}
		ok(wrong == 0, "/%d: matches with and without a predicate (even ids only) agree with "
		    "the oracle (%d wrong)", keybits, wrong);
	}
	for (i = 0; i < NPFX; i++)
		if (px[i].live && radix_remove(&h, px[i].key, px[i].plen) != &px[i])
			bad++;
	ok(bad == 0 && h.rh_root == NULL && h.rh_count == 0 && h.rh_nodes == 0,
	    "/%d: removing everything leaves an empty tree", keybits);
	radix_fini(&h);
}

static void
predicate(struct kern *k)
{
	struct radix_head h;
	struct pfx a = { { 10 }, 8, 1, 0 }, b = { { 10, 1 }, 16, 1, 1 }, c = { { 10, 1, 2 }, 24, 1, 3 };
	uint8_t key[4] = { 10, 1, 2, 3 };

	radix_init(&h, k, 32);
	ok(radix_insert(&h, c.key, 24, &c) == 0 && radix_insert(&h, a.key, 8, &a) == 0 &&
	    radix_insert(&h, b.key, 16, &b) == 0, "10/8, 10.1/16, 10.1.2/24");
	ok(radix_match(&h, key, NULL, NULL) == &c, "10.1.2.3 -> /24");
	ok(radix_match(&h, key, even, NULL) == &a, "with /24 and /16 refused by the predicate: /8");
	ok(radix_insert(&h, b.key, 16, &a) == EEXIST, "10.1/16 again: EEXIST");
	ok(radix_remove(&h, b.key, 16) == &b && radix_check(&h) == 0 &&
	    radix_match(&h, key, NULL, NULL) == &c, "removing the middle keeps the rest");
	ok(radix_remove(&h, c.key, 24) == &c && radix_match(&h, key, NULL, NULL) == &a,
	    "removing /24: /8 matches");
	ok(radix_exact(&h, key, 32) == NULL && radix_exact(&h, a.key, 8) == &a, "exact lookups");
	radix_fini(&h);
	ok(h.rh_nodes == 0, "radix_fini frees every node");
}

/* The kernel's IPv4 table: 10,000 random routes, lookups against the oracle. */
#define NRT	10000
static void
kernel_table(struct rumpus_kernel *rk)
{
	static uint32_t dst[NRT];
	static int plen[NRT], live[NRT];
	struct ifnet_state *ns;
	struct kin ki;
	struct ifnet *lo, fake;
	int i, j, bad = 0, ibad = 0, added = 0, n0;

	ku_enter(&ki, rk);
	ns = ifstate(ki.k);
	ifs_lock(ns);
	lo = ns->ns_lo0;
	n0 = ns->ns_nroutes;
	memset(&fake, 0, sizeof(fake));
	for (i = 0; i < NRT; i++) {
		uint8_t k[4];
		randkey(k, 4);
		plen[i] = 8 + (int)(rnd() % 25);
		memcpy(&dst[i], k, 4);
		dst[i] &= plen_to_mask(plen[i]);
		live[i] = rt_add(ns, dst[i], plen_to_mask(plen[i]), 0, 0, (i & 1) ? lo : &fake,
		    0, NULL) == 0;
		added += live[i];
	}
	ok(ns->ns_nroutes == n0 + added && added > NRT / 2, "%d of %d random routes added (the "
	    "rest repeat a prefix)", added, NRT);
	for (i = 0; i < 20000 && bad == 0; i++) {
		uint8_t k[4];
		uint32_t a;
		int best = -1;
		struct rtentry *rt;
		randkey(k, 4);
		memcpy(&a, k, 4);
		if (i % 2)
			a = dst[rnd() % NRT] | (a & ~plen_to_mask(24));
		if ((a & 0xff) == 127)
			continue;	/* lo0's 127/8, not in the oracle */
		for (j = 0; j < NRT && i % RT_ORACLE_EVERY == 0; j++)
			if (live[j] && (a & plen_to_mask(plen[j])) == dst[j] &&
			    (best < 0 || plen[j] > plen[best]))
				best = j;
		rt = rt_lookup(ns, a);
		if (i % RT_ORACLE_EVERY == 0 &&
		    (best >= 0 ? rt == NULL || rt->rt_dst != dst[best] || rt->rt_plen != plen[best] :
		    rt != NULL && rt->rt_plen >= 8))
			bad++;
		if (rt_lookup_index(ns, a) != rt)
			ibad++;
	}
	ok(bad == 0, "rt_lookup agrees with the oracle over %d lookups", i);
	ok(ibad == 0, "the flat index agrees with them (%d differ)", ibad);
	/* the edges of every route's interval: one below, first, last, one above */
	for (i = 0, ibad = 0; i < NRT; i++) {
		uint32_t first = ntohl_(dst[i]), last = first | ~ntohl_(plen_to_mask(plen[i]));
		uint32_t e[4] = { first - 1, first, last, last + 1 };
		if (!live[i])
			continue;
		for (j = 0; j < 4; j++)
			if (rt_lookup_index(ns, htonl_(e[j])) != rt_lookup_tree(ns, htonl_(e[j])))
				ibad++;
	}
	ok(ibad == 0, "and with the tree at both edges of every route (%d differ)", ibad);
	bad = 0;
	/* the lookup cache: warm it, change the table under it, compare with the tree */
	{
		static uint32_t probe[512];
		struct rtentry *before;
		int stale = 0, r;
		for (i = 0; i < 512; i++) {
			probe[i] = dst[rnd() % NRT] | htonl_(rnd() & 0xff);
			rt_lookup(ns, probe[i]);
		}
		for (r = 0; r < 200; r++) {
			j = (int)(rnd() % NRT);
			if (live[j] && (j & 1)) {
				rt_delete(ns, dst[j], plen_to_mask(plen[j]), NULL);
				live[j] = 0;
			}
			for (i = 0; i < 512; i++)
				if (rt_lookup(ns, probe[i]) != rt_lookup_tree(ns, probe[i]) ||
				    (r % 20 == 0 && rt_lookup_index(ns, probe[i]) !=
				    rt_lookup_tree(ns, probe[i])))
					stale++;
		}
		/* a longer prefix added under a cached destination wins at once */
		before = rt_lookup(ns, probe[0]);
		ok(rt_add(ns, probe[0], plen_to_mask(32), 0, 0, lo, 0, NULL) == 0 &&
		    rt_lookup(ns, probe[0]) != before && rt_lookup(ns, probe[0])->rt_plen == 32 &&
		    rt_delete(ns, probe[0], plen_to_mask(32), NULL) == 0 &&
		    rt_lookup(ns, probe[0]) == before, "a host route added over a cached lookup wins "
		    "at once, and its deletion restores the old answer");
		ok(stale == 0, "the lookup cache and the index agree with the tree through 200 "
		    "deletions (%d stale)", stale);
	}
	rt_ifdetach(ns, &fake);
	for (i = 0, j = 0; i < NRT; i++)
		if (live[i] && (i & 1) == 0 && rt_exact(ns, dst[i], plen_to_mask(plen[i])) != NULL)
			j++;
	ok(j == 0 && radix_check(&ns->ns_rtree) == 0 &&
	    ns->ns_rtree.rh_count == (unsigned)ns->ns_nroutes,
	    "detach removes the interface's routes (%d left), the tree stays sound", j);
	for (i = 1; i < NRT; i += 2)
		if (live[i] && rt_delete(ns, dst[i], plen_to_mask(plen[i]), NULL) != 0)
			bad++;
	ok(bad == 0 && ns->ns_nroutes == n0, "deleting the rest leaves the %d routes of before", n0);
	ok(rt_delete(ns, dst[1], plen_to_mask(plen[1]), NULL) == ESRCH, "deleting again: ESRCH");
	ifs_unlock(ns);
	ku_leave(&ki);
}

/* Threads: one changes routes through routing messages while another sends by them. */
struct rthr { struct rumpus_kernel *a; atomic_int stop; int changes, sent, unreach, other; };

static void *
rt_changer(void *arg)
{
	struct rthr *t = arg;
	char net[32];
	int i;

	for (i = 0; i < 400 || !atomic_load(&t->stop); i++) {
		snprintf(net, sizeof(net), "10.9.%d.0", i % 40);
		if (ku_rtmsg(t->a, 1, net, 24, "10.8.0.2", RTF_GATEWAY, NULL, NULL) == 0 &&
		    ku_rtmsg(t->a, 2, net, 24, NULL, 0, NULL, NULL) == 0)
			t->changes++;
	}
	return NULL;
}

static void *
rt_sender(void *arg)
{
	struct rthr *t = arg;
	struct inpcb *s;
	char dst[32];
	int e, i = 0;

	s = ku_socket(t->a, 2, 0, &e);
	for (i = 0; i < 4000; i++) {
		snprintf(dst, sizeof(dst), "10.9.%d.5", i % 40);
		e = ku_sendto(t->a, s, "r", 1, dst, 9);
		if (e == 0)
			t->sent++;
		else if (e == EHOSTUNREACH || e == ENETUNREACH)
			t->unreach++;
		else
			t->other++;
	}
	atomic_store(&t->stop, 1);
	ku_close(t->a, s);
	return NULL;
}

static void
threads(void)
{
	struct rthr t;
	pthread_t th[2];
	struct kin ki;
	char net[32], bus[32];
	int i, n0, ok1;

	memset(&t, 0, sizeof(t));
	snprintf(bus, sizeof(bus), "radix%d", (int)getpid());
	t.a = ku_boot();
	ok(t.a != NULL && ku_shmif(t.a, "shmif0", bus) == 0 &&
	    ku_addr(t.a, "shmif0", "10.8.0.1", 24) == 0, "threads: a kernel on 10.8.0.1/24");
	for (i = 0, ok1 = 1; i < 100; i++) {	/* enough for the lookup cache and the index */
		snprintf(net, sizeof(net), "10.20.%d.0", i);
		ok1 &= ku_rtmsg(t.a, 1, net, 24, "10.8.0.2", RTF_GATEWAY, NULL, NULL) == 0;
	}
	ku_enter(&ki, t.a);
	n0 = ifstate(ki.k)->ns_nroutes;
	ku_leave(&ki);
	ok(ok1 && n0 > 100, "100 static routes (%d in all)", n0);
	pthread_create(&th[0], NULL, rt_changer, &t);
	pthread_create(&th[1], NULL, rt_sender, &t);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	ok(t.changes >= 400 && t.other == 0, "%d routes added and deleted "
	    "while 4000 datagrams went out: %d by them, %d found none, %d other errors", t.changes,
	    t.sent, t.unreach, t.other);
	ku_enter(&ki, t.a);
	ifs_lock(ifstate(ki.k));
	ok(ifstate(ki.k)->ns_nroutes == n0 && radix_check(&ifstate(ki.k)->ns_rtree) == 0 &&
	    rt_lookup(ifstate(ki.k), ku_ip("10.9.3.5")) == NULL &&
	    rt_lookup(ifstate(ki.k), ku_ip("10.20.3.5")) != NULL &&
	    rt_lookup(ifstate(ki.k), ku_ip("10.20.3.5"))->rt_plen == 24,
	    "the table is as before, the cache agrees");
	ifs_unlock(ifstate(ki.k));
	ku_leave(&ki);
	rumpus_kernel_destroy(t.a);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *rk;
	struct kin ki;

	rumpus_memstats(&m0);
	rk = ku_boot();
	ok(rk != NULL, "a kernel");
	ku_enter(&ki, rk);
	predicate(ki.k);
	tree_vs_oracle(ki.k, 32);
	tree_vs_oracle(ki.k, 128);
	ku_leave(&ki);
	kernel_table(rk);
	rumpus_kernel_destroy(rk);
	threads();
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "no leaks (%lld bytes)", (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
