/*
 * inet6_radix_test.c: the IPv6 routing table in the radix tree (csrc/netinet6/in6.c over
 * csrc/net/radix.c).  Thousands of random prefixes, global and scoped (the same
 * link-local or link-scope multicast prefix on two interfaces), some of them expired,
 * against a brute-force oracle with the rules of the list the tree replaced: the longest
 * prefix wins; a scoped destination only goes by routes of its zone; an unscoped one
 * never by a scoped prefix; an expired route is passed over.  Random deletions keep the
 * tree sound and the oracle in step; detach takes an interface's routes; the dump comes
 * in NetBSD's order.  (Threads: inet6_rtthread_test.c.)
 */

#include "tap.h"
#define RT6_SEED 0x2545f4914f6cdd1dULL
#include "inet6_rt.h"


#define NR	6000
/* Under a sanitizer (make asan, make tsan) the brute-force oracle, not rt6_lookup, takes the
 * time: there every tenth of the random lookups is checked against it (the same random
 * draws, so the same routes later on; make test checks every one). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ORACLE_EVERY	10
#else
#define ORACLE_EVERY	1
#endif

struct r6 {
	struct nb_in6_addr dst;
	int plen, live, expired;
	struct ifnet *ifp;
};

static int
pmatch(const struct nb_in6_addr *a, const struct nb_in6_addr *p, int plen)
{
	struct nb_in6_addr k = *a;

	mask(&k, plen);
	return memcmp(&k, p, 16) == 0;
}

/* An address near a few bases (so prefixes nest): 2001:db8::, 2001:db8:1::, fe80::,
 * ff02::, or anything. */
static void
randaddr(struct nb_in6_addr *a)
{
	static const uint8_t base[4][4] = { { 0x20, 0x01, 0x0d, 0xb8 }, { 0x20, 0x01, 0x0d, 0xb8 },
		{ 0xfe, 0x80, 0, 0 }, { 0xff, 0x02, 0, 0 } };
	int i, b = (int)(rnd() % 5), keep = 2 + (int)(rnd() % 8);

	for (i = 0; i < 16; i++)
		a->s6_addr[i] = (uint8_t)rnd();
	if (b < 4) {
		memcpy(a->s6_addr, base[b], 4);
		for (i = 4; i < keep; i++)
			a->s6_addr[i] = (uint8_t)(i + b);
	}
}

static struct r6 *
oracle(struct r6 *r, int n, const struct nb_in6_addr *dst, struct ifnet *zone)
{
	struct r6 *best = NULL;
	int i;

	for (i = 0; i < n; i++) {
		if (!r[i].live || r[i].expired || !pmatch(dst, &r[i].dst, r[i].plen))
			continue;
		if (in6_scoped(dst) && r[i].ifp != zone)
			continue;
		if (!in6_scoped(dst) && in6_scoped(&r[i].dst) && r[i].plen > 0)
			continue;
		if (best == NULL || r[i].plen > best->plen)
			best = &r[i];
	}
	return best;
}

static int
agrees(struct inet6_state *s, struct r6 *r, int n, const struct nb_in6_addr *dst,
    struct ifnet *zone)
{
	struct r6 *o = oracle(r, n, dst, zone);
	struct rt6entry *rt = rt6_lookup(s, dst, zone);

	if (o == NULL)
		return rt == NULL;
	return rt != NULL && rt->rt6_plen == o->plen && memcmp(&rt->rt6_dst, &o->dst, 16) == 0 &&
	    rt->rt6_ifp == o->ifp;
}

struct dumpst { struct nb_in6_addr prev; int prevplen, n, bad; };
static int
dumpcheck(void *entry, void *arg)
{
	struct dumpst *d = arg;
	struct rt6entry *rt = *(struct rt6entry **)entry;	/* the bucket's first route */
	int c;

	if (d->n++ > 0) {
		c = memcmp(&d->prev, &rt->rt6_dst, 16);
		/* in key order; an equal key only as a longer prefix after a shorter */
		if (c > 0 && !pmatch(&d->prev, &rt->rt6_dst, rt->rt6_plen))
			d->bad++;
		if (c == 0 && rt->rt6_plen <= d->prevplen)
			d->bad++;
	}
	d->prev = rt->rt6_dst;
	mask(&d->prev, rt->rt6_plen);
	d->prevplen = rt->rt6_plen;
	return 0;
}

static void
table(struct rumpus_kernel *rk)
{
	static struct r6 r[NR + 64];
	struct inet6_state *s;
	struct kin ki;
	struct ifnet *lo, fake, *ifs[2];
	struct rt6entry *rt;
	int i, j, n = 0, added = 0, dup = 0, bad = 0, n0, lookups = 0;

	s = rt6t_enter(&ki, rk);
	lo = rt6t_zones(s, &fake, ifs);
	n0 = s->i6_nroutes;
	/* the routes the kernel has (lo0's) go into the oracle as they are */
	for (rt = s->i6_rt; rt != NULL; rt = rt->rt6_next) {
		r[n].dst = rt->rt6_dst, r[n].plen = rt->rt6_plen, r[n].ifp = rt->rt6_ifp;
		mask(&r[n].dst, r[n].plen);
		r[n].live = 1, r[n].expired = rt->rt6_expire != 0;
		n++;
	}
	ok(n == n0 && n > 0, "the kernel starts with %d routes (lo0's)", n0);
	for (i = 0; i < NR; i++) {
		struct r6 *x = &r[n];
		int e;
		randaddr(&x->dst);
		x->plen = (int)(rnd() % 129);
		if (in6_scoped(&x->dst) && x->plen < 16)
			x->plen = 16 + (int)(rnd() % 113);
		mask(&x->dst, x->plen);
		x->ifp = ifs[rnd() & 1];
		e = rt6_add(s, &x->dst, x->plen, NULL, 0, x->ifp, &rt);
		if (e == 0) {
			x->live = 1;
			if (rnd() % 16 == 0) {
				rt->rt6_expire = 1;	/* long past: lookups pass it over */
				x->expired = 1;
			}
			added++;
			n++;
		} else if (e == EEXIST) {
			/* the oracle has it: only a scoped prefix may repeat, in another zone */
			for (j = 0; j < n; j++)
				if (r[j].live && r[j].plen == x->plen &&
				    memcmp(&r[j].dst, &x->dst, 16) == 0 &&
				    (!in6_scoped(&x->dst) || r[j].ifp == x->ifp))
					break;
			if (j == n)
				bad++;
			dup++;
		} else
			bad++;
	}
	ok(bad == 0 && added > NR / 2 && s->i6_nroutes == n0 + added,
	    "%d random routes added, %d refused as EEXIST (the same prefix, or a scoped one in "
	    "the same zone), %d wrong answers", added, dup, bad);
	for (i = 0, j = 0; i < n; i++)
		if (r[i].live && in6_scoped(&r[i].dst))
			j++;
	ok(j > 100, "%d of them scoped", j);
	ok(radix_check(&s->i6_rtree) == 0, "the tree is sound");
	/* lookups: random addresses, and addresses inside the prefixes */
	for (i = 0, bad = 0; i < 20000; i++) {
		struct nb_in6_addr a;
		struct ifnet *zone = ifs[rnd() & 1];
		randaddr(&a);
		if (i & 1) {
			const struct r6 *x = &r[rnd() % (unsigned)n];
			struct nb_in6_addr p = a;
			mask(&p, x->plen);
			for (j = 0; j < 16; j++)
				a.s6_addr[j] = (uint8_t)(x->dst.s6_addr[j] | (a.s6_addr[j] ^ p.s6_addr[j]));
		}
		if (i % ORACLE_EVERY != 0)
			continue;
		bad += !agrees(s, r, n, &a, zone);
		lookups++;
	}
	ok(bad == 0, "rt6_lookup agrees with the brute-force oracle over %d lookups (%d differ)",
	    lookups, bad);
	{
		struct dumpst d;
		memset(&d, 0, sizeof(d));
		radix_walk(&s->i6_rtree, dumpcheck, &d);
		ok(d.bad == 0 && d.n == (int)s->i6_rtree.rh_count, "the walk goes in address order, "
		    "a prefix before the longer ones it covers (%d prefixes)", d.n);
	}
	/* random deletions, checked as they go */
	for (i = 0, bad = 0; i < 3000; i++) {
		j = n0 + (int)(rnd() % (unsigned)(n - n0));
		if (!r[j].live)
			continue;
		if (rt6_delete(s, &r[j].dst, r[j].plen, r[j].ifp) != 0)
			bad++;
		r[j].live = 0;
		if (i % 100 == 0) {
			struct nb_in6_addr a = r[j].dst;
			a.s6_addr[15] ^= 1;
			bad += !agrees(s, r, n, &r[j].dst, r[j].ifp);
			bad += !agrees(s, r, n, &a, r[j].ifp);
			bad += radix_check(&s->i6_rtree) != 0;
		}
	}
	for (i = 0; i < 5000; i++) {
		struct nb_in6_addr a;
		struct ifnet *zone;
		const struct r6 *x = &r[rnd() % (unsigned)n];
		a = x->dst;
		a.s6_addr[15] ^= (uint8_t)rnd();
		zone = ifs[rnd() & 1];
		if (i % ORACLE_EVERY == 0)
			bad += !agrees(s, r, n, &a, zone);
	}
	ok(bad == 0, "3,000 random deletions, the answers and the tree stay right");
	/* deleting a scoped prefix in one zone leaves the other zone's */
	{
		struct nb_in6_addr ll;
		memset(&ll, 0, sizeof(ll));
		ll.s6_addr[0] = 0xfe, ll.s6_addr[1] = 0x80, ll.s6_addr[2] = 0xab;
		ok(rt6_add(s, &ll, 48, NULL, 0, lo, NULL) == 0 &&
		    rt6_add(s, &ll, 48, NULL, 0, &fake, NULL) == 0 &&
		    rt6_add(s, &ll, 48, NULL, 0, &fake, NULL) == EEXIST,
		    "fe80:ab::/48 on two interfaces, not twice on one");
		ll.s6_addr[15] = 7;
		ok(rt6_lookup(s, &ll, &fake) != NULL && rt6_lookup(s, &ll, &fake)->rt6_ifp == &fake &&
		    rt6_lookup(s, &ll, lo)->rt6_ifp == lo, "each zone finds its own");
		ll.s6_addr[15] = 0;
		ok(rt6_delete(s, &ll, 48, lo) == 0 && rt6_lookup(s, &ll, lo) != NULL &&
		    rt6_lookup(s, &ll, lo)->rt6_plen != 48 && rt6_lookup(s, &ll, &fake) != NULL &&
		    rt6_lookup(s, &ll, &fake)->rt6_plen == 48 &&
		    rt6_delete(s, &ll, 48, lo) == ESRCH && rt6_delete(s, &ll, 48, &fake) == 0,
		    "deleting it in one zone leaves the other");
	}
	rt6_ifdetach(s, &fake);
	for (i = n0, j = 0; i < n; i++)
		if (r[i].live && r[i].ifp == &fake) {
			if (rt6_exact(s, &r[i].dst, r[i].plen) != NULL &&
			    rt6_exact(s, &r[i].dst, r[i].plen)->rt6_ifp == &fake)
				j++;
			r[i].live = 0;
		}
	for (i = 0, bad = 0; i < 5000; i++) {
		struct nb_in6_addr a;
		randaddr(&a);
		if (i % ORACLE_EVERY == 0)
			bad += !agrees(s, r, n, &a, lo);
	}
	ok(j == 0 && bad == 0 && radix_check(&s->i6_rtree) == 0,
	    "detach takes the interface's routes (%d left), the rest still agree", j);
	for (i = n0, bad = 0; i < n; i++)
		if (r[i].live && rt6_delete(s, &r[i].dst, r[i].plen, r[i].ifp) != 0)
			bad++;
	ok(bad == 0 && s->i6_nroutes == n0 && s->i6_rtree.rh_count <= (unsigned)n0 &&
	    radix_check(&s->i6_rtree) == 0, "deleting the rest leaves the %d routes of before", n0);
	rt6t_leave(&ki, s);
}

int
main(void)
{
	struct rumpus_kernel *k;

	static const char *comps[] = { "net.netinet", "net.netinet6", "net.shmif", NULL };
	int err = 0;

	k = rumpus_kernel_create(comps, NULL, &err);
	ok(k != NULL, "a kernel with net.netinet6");
	if (k == NULL)
		return tap_done();
	table(k);
	rumpus_kernel_destroy(k);
	return tap_done();
}
