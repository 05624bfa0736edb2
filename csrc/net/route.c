/*
 * route.c: the IPv4 routing table of one kernel.
 *
 * The routes hang in a radix tree by prefix (radix.h: longest-prefix match in
 * log2(routes) steps, as NetBSD's radix.c, whatever the table's size) and on an unordered
 * list (ns_rt) for the walks that go by interface (detach) or free everything.  A dump
 * (NET_RT_DUMP) walks the tree: in address order, a prefix before the longer ones it
 * covers, as NetBSD lists them.  Changed and read under ns_lock.
 *
 * In front of the tree of a table of more than RT_CACHEFROM routes, a small 4-way
 * set-associative cache of recent lookups (destination -> route, 256 of them), as NetBSD's
 * per-pcb route caches and Linux's old route cache: a kernel talks to a few destinations
 * at a time, and for those a lookup costs one probe of one cache line whatever the size
 * of the table.  Every change of the table bumps ns_rtgen, which invalidates the cache
 * (a slot holds the generation it was filled in), so a cached route is never one that was
 * deleted or that a newer, longer prefix now beats.
 *
 * Behind the cache, for tables of more than RT_INDEXFROM routes, a flat index of the
 * table (issue 16: a random destination in a 10,000-route tree cost 5x one in a 10-route
 * tree, the cache misses of a 20-level walk): the longest matches partition the address
 * space into at most 2 * routes + 1 intervals, each with one route (or none); they sit
 * in an array by address (start, route), and a table of the first interval of each of
 * 2^bits buckets of the address space narrows the search to about two entries.  A
 * lookup costs a probe of the bucket table and one or two of the intervals (usually one
 * cache line), whatever the table's size.  The index is
 * built from a walk of the tree in NetBSD's dump order (a prefix before the longer ones
 * it covers), O(routes), and stands for one generation (ns_rtgen): after a change,
 * lookups walk the tree until as many of them as 1/8 of the routes have paid for a
 * rebuild, so a table that changes as often as it is read costs the tree walk and no
 * more.  Its memory comes from the kernel (kmem), as the routes'.
 */
#include "net/if.h"

#define RT_MAXROUTES	65536
#define RT_CACHESETS	64		/* a power of 2 */
#define RT_CACHEWAYS	4		/* slots of a set, one cache line */
#define RT_CACHEFROM	16		/* routes: smaller tables are as quick to walk */

struct rt_cslot {
	uint32_t cs_dst;
	uint32_t cs_gen;		/* ns_rtgen when filled; 0: empty */
	struct rtentry *cs_rt;
};
#define RT_INDEXFROM	64		/* routes: smaller tables walk the tree */

struct rt_ient {
	uint32_t ie_start;		/* the interval's first address (host order) */
	struct rtentry *ie_rt;		/* its route, NULL: none */
};
struct rt_index {
	uint32_t ri_gen;		/* ns_rtgen it stands for */
	unsigned ri_n;			/* intervals */
	int ri_shift;			/* 32 - bits of the bucket table */
	size_t ri_size;			/* bytes of this allocation */
	struct rt_ient *ri_ent;		/* ri_n intervals, by address */
	uint32_t *ri_bucket;		/* (1 << bits) + 1: first interval of each bucket */
};

struct rt_cache {
	struct rt_cslot rc_slot[RT_CACHESETS][RT_CACHEWAYS];
	uint8_t rc_next[RT_CACHESETS];	/* the way a miss fills next */
	struct rt_index *rc_index;	/* NULL: none built (or no memory) */
	unsigned rc_stale;		/* tree lookups since the index went stale */
};

static inline void
rt_changed(struct ifnet_state *ns)
{
	if (++ns->ns_rtgen == 0)
		ns->ns_rtgen = 1;	/* 0 marks an empty slot */
	if (ns->ns_rtgen == 1)
		ns->ns_rtlast_gen = 0;
	if (ns->ns_rtgen == 1 && ns->ns_rtcache != NULL) {
		struct rt_index *ri = ns->ns_rtcache->rc_index;

		memset(ns->ns_rtcache->rc_slot, 0, sizeof(ns->ns_rtcache->rc_slot));
		if (ri != NULL)
			ri->ri_gen = 0;	/* never a current generation */
	}
	if (ns->ns_rtcache != NULL)
		ns->ns_rtcache->rc_stale = 0;
}

/* ---- the flat index */

static void
rt_index_free(struct ifnet_state *ns, struct rt_cache *rc)
{
	if (rc->rc_index != NULL)
		kmem_free(ns->ns_kern, rc->rc_index, rc->rc_index->ri_size);
	rc->rc_index = NULL;
}

/* The build: routes arrive in dump order; a stack holds the routes that cover the point
 * reached (each inside the one below it). */
struct rt_build {
	struct rt_index *ri;
	unsigned cap;
	uint64_t at;			/* the first address not yet in an interval */
	int depth;
	struct rtentry *stack[33];
	uint64_t end[33];		/* last address + 1 of each */
};

static void
rt_build_emit(struct rt_build *b, uint64_t upto, struct rtentry *rt)
{
	struct rt_index *ri = b->ri;

	if (upto <= b->at)
		return;
	if (ri->ri_n > 0 && ri->ri_ent[ri->ri_n - 1].ie_rt == rt)
		;		/* the same route goes on */
	else if (ri->ri_n < b->cap) {
		ri->ri_ent[ri->ri_n].ie_start = (uint32_t)b->at;
		ri->ri_ent[ri->ri_n++].ie_rt = rt;
	}
	b->at = upto;
}

/* up to address `to`: close the covering routes that end before it */
static void
rt_build_to(struct rt_build *b, uint64_t to)
{
	while (b->depth > 0 && b->end[b->depth - 1] <= to) {
		b->depth--;
		rt_build_emit(b, b->end[b->depth], b->stack[b->depth]);
	}
	rt_build_emit(b, to, b->depth > 0 ? b->stack[b->depth - 1] : NULL);
}

static int
rt_build_one(void *entry, void *arg)
{
	struct rt_build *b = arg;
	struct rtentry *rt = entry;
	uint64_t start = __builtin_bswap32(rt->rt_dst), end = start + (1ull << (32 - rt->rt_plen));

	if (!(rt->rt_flags & RTF_UP))
		return 0;
	rt_build_to(b, start);
	if (b->depth >= 33)
		return 1;	/* cannot be: 33 nested prefixes of 32 bits */
	b->stack[b->depth] = rt;
	b->end[b->depth++] = end;
	return 0;
}

/* Builds the index of the current table in rc (replacing the old one); 0 or ENOMEM. */
static int
rt_index_build(struct ifnet_state *ns, struct rt_cache *rc)
{
	unsigned cap = 2 * ns->ns_nroutes + 1, bits = 4, i, j;
	struct rt_build b;
	struct rt_index *ri;
	size_t size;
	uint64_t base;

	/* about two intervals a bucket (routes often make fewer than 2 * routes + 1) */
	while (bits < 16 && (1u << (bits + 2)) <= cap)
		bits++;
	size = sizeof(*ri) + (size_t)cap * sizeof(struct rt_ient) +
	    ((size_t)(1u << bits) + 1) * sizeof(uint32_t);
	if (rc->rc_index != NULL && rc->rc_index->ri_size == size)
		ri = rc->rc_index;
	else {
		rt_index_free(ns, rc);
		if ((ri = kmem_alloc(ns->ns_kern, size)) == NULL)
			return ENOMEM;
		rc->rc_index = ri;
	}
	ri->ri_size = size;
	ri->ri_gen = 0;
	ri->ri_n = 0;
	ri->ri_shift = 32 - (int)bits;
	ri->ri_ent = (struct rt_ient *)(ri + 1);
	ri->ri_bucket = (uint32_t *)(ri->ri_ent + cap);
	memset(&b, 0, sizeof(b));
	b.ri = ri;
	b.cap = cap;
	if (radix_walk(&ns->ns_rtree, rt_build_one, &b) != 0)
		return EINVAL;
	rt_build_to(&b, 1ull << 32);
	/* bucket i: the interval holding its first address (the last start at or before it) */
	for (i = 0, j = 0; i <= (1u << bits); i++) {
		base = (uint64_t)i << ri->ri_shift;
		while (j + 1 < ri->ri_n && ri->ri_ent[j + 1].ie_start <= base)
			j++;
		ri->ri_bucket[i] = i < (1u << bits) ? j : ri->ri_n - 1;
	}
	ri->ri_gen = ns->ns_rtgen;
	return 0;
}

static inline struct rtentry *
rt_index_lookup(const struct rt_index *ri, uint32_t dst)
{
	uint32_t h = __builtin_bswap32(dst);
	unsigned lo = ri->ri_bucket[h >> ri->ri_shift], hi = ri->ri_bucket[(h >> ri->ri_shift) + 1];

	/* the last start at or before h, in [lo, hi] (ri_ent[lo] starts at or before h) */
	while (lo < hi) {
		unsigned mid = (lo + hi + 1) / 2;

		if (ri->ri_ent[mid].ie_start <= h)
			lo = mid;
		else
			hi = mid - 1;
	}
	return ri->ri_ent[lo].ie_rt;
}

static void
rt_tree_init(struct ifnet_state *ns)
{
	if (ns->ns_rtree.rh_keybits == 0) {
		radix_init(&ns->ns_rtree, ns->ns_kern, 32);
		ns->ns_rtgen = 1;
		ns->ns_rtlast_gen = 0;
	}
}

static void
rt_unlink_free(struct ifnet_state *ns, struct rtentry *rt)
{
	rt_changed(ns);
	if ((*rt->rt_prevp = rt->rt_next) != NULL)
		rt->rt_next->rt_prevp = rt->rt_prevp;
	ns->ns_nroutes--;
	kmem_free(ns->ns_kern, rt, sizeof(*rt));
}

int
rt_add(struct ifnet_state *ns, uint32_t dst, uint32_t mask, uint32_t gw, int flags,
    struct ifnet *ifp, uint32_t ifa, struct rtentry **rtp)
{
	struct rtentry *rt;
	int plen = mask_to_plen(mask), error;

	if (plen < 0 || ifp == NULL)
		return EINVAL;
	rt_tree_init(ns);
	dst &= mask;
	if (rt_exact(ns, dst, mask) != NULL)
		return EEXIST;
	if (ns->ns_nroutes >= RT_MAXROUTES)
		return ENOBUFS;
	if ((rt = kmem_zalloc(ns->ns_kern, sizeof(*rt))) == NULL)
		return ENOBUFS;
	rt->rt_dst = dst;
	rt->rt_mask = mask;
	rt->rt_gateway = gw;
	rt->rt_flags = flags | RTF_UP | (plen == 32 ? RTF_HOST : 0);
	rt->rt_plen = plen;
	rt->rt_ifp = ifp;
	rt->rt_ifa = ifa;
	if ((error = radix_insert(&ns->ns_rtree, &rt->rt_dst, plen, rt)) != 0) {
		kmem_free(ns->ns_kern, rt, sizeof(*rt));
		return error == ENOMEM ? ENOBUFS : error;
	}
	if ((rt->rt_next = ns->ns_rt) != NULL)
		rt->rt_next->rt_prevp = &rt->rt_next;
	rt->rt_prevp = &ns->ns_rt;
	ns->ns_rt = rt;
	ns->ns_nroutes++;
	rt_changed(ns);
	/* without memory no cache: every lookup walks the tree */
	if (ns->ns_rtcache == NULL && ns->ns_nroutes > RT_CACHEFROM)
		ns->ns_rtcache = kmem_zalloc(ns->ns_kern, sizeof(struct rt_cache));
	if (rtp != NULL)
		*rtp = rt;
	return 0;
}

struct rtentry *
rt_exact(struct ifnet_state *ns, uint32_t dst, uint32_t mask)
{
	int plen = mask_to_plen(mask);

	if (plen < 0 || ns->ns_rtree.rh_keybits == 0)
		return NULL;
	dst &= mask;
	return radix_exact(&ns->ns_rtree, &dst, plen);
}

int
rt_delete(struct ifnet_state *ns, uint32_t dst, uint32_t mask, struct rtentry *out)
{
	struct rtentry *rt;
	int plen = mask_to_plen(mask);

	if (plen < 0 || ns->ns_rtree.rh_keybits == 0)
		return ESRCH;
	dst &= mask;
	if ((rt = radix_remove(&ns->ns_rtree, &dst, plen)) == NULL)
		return ESRCH;
	if (out != NULL)
		*out = *rt;
	rt_unlink_free(ns, rt);
	return 0;
}

static int
rt_isup(const void *entry, void *arg)
{
	(void)arg;
	return (((const struct rtentry *)entry)->rt_flags & RTF_UP) != 0;
}

struct rtentry *
rt_lookup(struct ifnet_state *ns, uint32_t dst)
{
	struct rt_cache *rc;
	struct rtentry *rt;
	unsigned set = 0, i;

	/* the same destination as last time (a kernel sending to one peer): one line */
	if (ns->ns_rtlast_dst == dst && ns->ns_rtlast_gen == ns->ns_rtgen &&
	    ns->ns_rtlast_gen != 0) {
		ns->ns_rtlast->rt_use++;
		return ns->ns_rtlast;
	}
	if (ns->ns_rtree.rh_keybits == 0)
		return NULL;
	rc = ns->ns_rtcache;
	if (rc != NULL) {
		set = ((dst * 0x9e3779b1U) >> 16) & (RT_CACHESETS - 1);
		for (i = 0; i < RT_CACHEWAYS; i++) {
			struct rt_cslot *cs = &rc->rc_slot[set][i];
			if (cs->cs_dst == dst && cs->cs_gen == ns->ns_rtgen) {
				cs->cs_rt->rt_use++;
				return cs->cs_rt;
			}
		}
	}
	if (rc != NULL && ns->ns_nroutes > RT_INDEXFROM) {
		struct rt_index *ri = rc->rc_index;

		if ((ri == NULL || ri->ri_gen != ns->ns_rtgen) &&
		    ++rc->rc_stale > (unsigned)ns->ns_nroutes / 8 && rt_index_build(ns, rc) != 0) {
			rt_index_free(ns, rc);	/* the tree, and another try as much later */
			rc->rc_stale = 0;
		}
		if ((ri = rc->rc_index) != NULL && ri->ri_gen == ns->ns_rtgen)
			rt = rt_index_lookup(ri, dst);
		else
			rt = radix_match(&ns->ns_rtree, &dst, rt_isup, NULL);
	} else
		rt = radix_match(&ns->ns_rtree, &dst, rt_isup, NULL);
	if (rt != NULL) {
		rt->rt_use++;
		ns->ns_rtlast = rt;
		ns->ns_rtlast_dst = dst;
		ns->ns_rtlast_gen = ns->ns_rtgen;
		if (rc != NULL) {
			struct rt_cslot *cs = &rc->rc_slot[set][rc->rc_next[set]++ % RT_CACHEWAYS];
			cs->cs_dst = dst, cs->cs_gen = ns->ns_rtgen, cs->cs_rt = rt;
		}
	}
	return rt;
}

/* Through the flat index alone, built now if stale (tests compare it with the tree);
 * the tree when the table is too small for an index or memory is short. */
struct rtentry *
rt_lookup_index(struct ifnet_state *ns, uint32_t dst)
{
	struct rt_cache *rc = ns->ns_rtcache;

	if (ns->ns_rtree.rh_keybits == 0)
		return NULL;
	if (rc == NULL || ns->ns_nroutes <= RT_INDEXFROM ||
	    ((rc->rc_index == NULL || rc->rc_index->ri_gen != ns->ns_rtgen) &&
	    rt_index_build(ns, rc) != 0))
		return radix_match(&ns->ns_rtree, &dst, rt_isup, NULL);
	return rt_index_lookup(rc->rc_index, dst);
}

/* The same without the cache (tests compare the two; the benchmark's uncached figure). */
struct rtentry *
rt_lookup_tree(struct ifnet_state *ns, uint32_t dst)
{
	if (ns->ns_rtree.rh_keybits == 0)
		return NULL;
	return radix_match(&ns->ns_rtree, &dst, rt_isup, NULL);
}

int
rt_walk(struct ifnet_state *ns, int (*fn)(void *rt, void *arg), void *arg)
{
	if (ns->ns_rtree.rh_keybits == 0)
		return 0;
	return radix_walk(&ns->ns_rtree, fn, arg);
}

void
rt_ifdetach(struct ifnet_state *ns, struct ifnet *ifp)
{
	struct rtentry *rt, *next;

	for (rt = ns->ns_rt; rt != NULL; rt = next) {
		next = rt->rt_next;
		if (rt->rt_ifp == ifp) {
			radix_remove(&ns->ns_rtree, &rt->rt_dst, rt->rt_plen);
			rt_unlink_free(ns, rt);
		}
	}
}

void
rt_flush(struct ifnet_state *ns)
{
	radix_fini(&ns->ns_rtree);
	while (ns->ns_rt != NULL)
		rt_unlink_free(ns, ns->ns_rt);
	ns->ns_nroutes = 0;
	if (ns->ns_rtcache != NULL) {
		rt_index_free(ns, ns->ns_rtcache);
		kmem_free(ns->ns_kern, ns->ns_rtcache, sizeof(struct rt_cache));
	}
	ns->ns_rtcache = NULL;
	ns->ns_rtree.rh_keybits = 0;
	ns->ns_rtlast_gen = 0;
}
