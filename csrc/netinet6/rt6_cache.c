/*
 * rt6_cache.c: what stands in front of the IPv6 radix tree (in6.c) in rt6_lookup, as
 * route.c's cache and flat index stand in front of IPv4's.
 *
 *   - A 4-way set-associative cache of recent lookups, (destination, zone) -> route, 256
 *     slots, for tables of more than RT6_CACHEFROM routes: one probe of a set for the few
 *     destinations a kernel talks to at a time.
 *   - Behind it, for tables of more than RT6_INDEXFROM routes, a flat index for unscoped
 *     destinations: the longest matches cut the 128-bit address space into at most
 *     2 * prefixes + 1 intervals, each with one route (or none), in an array by address.
 *     The starts after the first share a common prefix (the window: 2001:db8::/32 when
 *     every route is under it); a table of the first interval of each of 2^bits buckets
 *     of the window narrows the search to an interval or two.  An address before the
 *     window is in the first interval, one after it in the last.
 *
 * Invalidation: every change of the table that can change an answer (a route added or
 * freed, its interface or expiry changed in place: rt6_changed) bumps i6_rtgen; a cache
 * slot and the index hold the generation they were made in and are used only while it is
 * current.  A route with an expiry time is never cached and never answers from the index:
 * an interval whose longest match expires is marked RT6_TREE and its lookups walk the tree,
 * which passes over an expired route as the clock says; a lookup that met an expiring route
 * on its way (rt6_ok sets q_now) is not cached.  Scoped destinations (link-local, link-scope
 * multicast) skip the index (their routes depend on the zone) and go cache, then tree.
 * After a change, lookups walk the tree until as many of them as 1/8 of the routes have
 * paid for a rebuild (a table changing as often as it is read costs the tree walk).
 *
 * Threads: the cache and index are changed by lookups, so, like the table itself, they are
 * read and written only under the kernel's network lock held exclusively (net_lock).
 * Memory comes from the kernel (kmem); without it every lookup walks the tree.
 */
#include "netinet6/in6_var.h"

#define RT6_CACHESETS	64		/* a power of 2 */
#define RT6_CACHEWAYS	4
#define RT6_CACHEFROM	16		/* routes: smaller tables are as quick to walk */
#define RT6_INDEXFROM	64		/* routes: smaller tables walk the tree */

__extension__ typedef unsigned __int128 u128;

/* an interval whose answer depends on the clock: ask the tree (never dereferenced) */
#define RT6_TREE	((struct rt6entry *)(uintptr_t)1)

struct rt6_cslot {
	struct nb_in6_addr cs_dst;
	struct ifnet *cs_zone;		/* NULL for an unscoped destination */
	struct rt6entry *cs_rt;
	uint32_t cs_gen;		/* i6_rtgen when filled; 0: empty */
};

struct rt6_ient {
	u128 ie_start;			/* the interval's first address */
	struct rt6entry *ie_rt;		/* its route, NULL: none, RT6_TREE: the tree decides */
};

struct rt6_index {
	uint32_t ri_gen;		/* i6_rtgen it stands for; 0: none */
	unsigned ri_n;			/* intervals */
	unsigned ri_bits;		/* bits of the bucket table (0: no table) */
	int ri_wshift;			/* 128 - window prefix length - bits */
	u128 ri_wstart, ri_wlast;	/* the window */
	size_t ri_size;			/* bytes of this allocation */
	struct rt6_ient *ri_ent;	/* ri_n intervals, by address */
	uint32_t *ri_bucket;		/* (1 << bits) + 1: first interval of each bucket */
};

struct rt6_cache {
	struct rt6_cslot rc_slot[RT6_CACHESETS][RT6_CACHEWAYS];
	uint8_t rc_next[RT6_CACHESETS];	/* the way a miss fills next */
	struct rt6_index *rc_index;	/* NULL: none built (or no memory) */
	unsigned rc_stale;		/* tree lookups since the index went stale */
};

static inline u128
rt6_u128(const struct nb_in6_addr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->s6_addr, 8);
	memcpy(&lo, a->s6_addr + 8, 8);
	return (u128)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

void
rt6_changed(struct inet6_state *s)
{
	struct rt6_cache *rc = s->i6_rtcache;

	if (++s->i6_rtgen == 0)
		s->i6_rtgen = 1;	/* 0 marks an empty slot */
	if (rc == NULL)
		return;
	if (s->i6_rtgen == 1) {	/* wrapped: nothing may look current */
		memset(rc->rc_slot, 0, sizeof(rc->rc_slot));
		if (rc->rc_index != NULL)
			rc->rc_index->ri_gen = 0;
	}
	rc->rc_stale = 0;
}

static void
rt6_index_free(struct inet6_state *s, struct rt6_cache *rc)
{
	if (rc->rc_index != NULL)
		kmem_free(s->i6_kern, rc->rc_index, rc->rc_index->ri_size);
	rc->rc_index = NULL;
}

void
rt6_cache_free(struct inet6_state *s)
{
	if (s->i6_rtcache != NULL) {
		rt6_index_free(s, s->i6_rtcache);
		kmem_free(s->i6_kern, s->i6_rtcache, sizeof(struct rt6_cache));
	}
	s->i6_rtcache = NULL;
}

/* A table grew: the cache is allocated past RT6_CACHEFROM routes (no memory: none). */
void
rt6_cache_grow(struct inet6_state *s)
{
	if (s->i6_rtcache == NULL && s->i6_nroutes > RT6_CACHEFROM)
		s->i6_rtcache = kmem_zalloc(s->i6_kern, sizeof(struct rt6_cache));
}

/* ---- the build: buckets arrive in dump order (a prefix before the longer ones it
 * covers); a stack holds the prefixes covering the point reached, each inside the one
 * below it.  Addresses are inclusive (the last address of ::/0 is 2^128 - 1). */
struct rt6_build {
	struct rt6_index *ri;
	unsigned cap;
	u128 at;			/* the first address not yet in an interval */
	int done;			/* at went past the last address */
	int depth;
	struct rt6entry *stack[129];
	u128 last[129];
};

static void
rt6_emit(struct rt6_build *b, u128 last, struct rt6entry *rt)
{
	struct rt6_index *ri = b->ri;

	if (b->done || last < b->at)
		return;
	if (ri->ri_n > 0 && ri->ri_ent[ri->ri_n - 1].ie_rt == rt)
		;		/* the same route goes on */
	else if (ri->ri_n < b->cap) {
		ri->ri_ent[ri->ri_n].ie_start = b->at;
		ri->ri_ent[ri->ri_n++].ie_rt = rt;
	}
	if (last == ~(u128)0)
		b->done = 1;
	else
		b->at = last + 1;
}

/* everything before address `to` */
static void
rt6_build_to(struct rt6_build *b, u128 to)
{
	while (b->depth > 0 && b->last[b->depth - 1] < to) {
		b->depth--;
		rt6_emit(b, b->last[b->depth], b->stack[b->depth]);
	}
	if (to > b->at)
		rt6_emit(b, to - 1, b->depth > 0 ? b->stack[b->depth - 1] : NULL);
}

static int
rt6_build_one(void *entry, void *arg)
{
	struct rt6_build *b = arg;
	struct rt6entry *rt = *(struct rt6entry **)entry;	/* the bucket's first route */
	u128 start = rt6_u128(&rt->rt6_dst), hmask;

	/* what rt6_ok passes over for an unscoped destination: a scoped prefix */
	if (in6_scoped(&rt->rt6_dst) && rt->rt6_plen > 0)
		return 0;
	hmask = rt->rt6_plen == 0 ? ~(u128)0 : rt->rt6_plen == 128 ? 0 :
	    ((u128)1 << (128 - rt->rt6_plen)) - 1;
	start &= ~hmask;
	rt6_build_to(b, start);
	if (b->depth >= 129)
		return 1;	/* cannot be: 129 nested prefixes of 128 bits */
	/* an unscoped prefix has one route; one with an expiry: the tree decides */
	b->stack[b->depth] = rt->rt6_expire != 0 || rt->rt6_dup != NULL ? RT6_TREE : rt;
	b->last[b->depth++] = start | hmask;
	return 0;
}

static int
rt6_clz128(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;

	if (hi != 0)
		return __builtin_clzll(hi);
	return lo != 0 ? 64 + __builtin_clzll(lo) : 128;
}

static int
rt6_index_build(struct inet6_state *s, struct rt6_cache *rc)
{
	unsigned cap = 2 * s->i6_rtree.rh_count + 1, bits = 4, i, j, cp;
	struct rt6_build *b;
	struct rt6_index *ri;
	size_t size;

	while (bits < 16 && (1u << (bits + 2)) <= cap)
		bits++;
	size = sizeof(*ri) + (size_t)cap * sizeof(struct rt6_ient) +
	    ((size_t)(1u << bits) + 1) * sizeof(uint32_t);
	if (rc->rc_index != NULL && rc->rc_index->ri_size == size)
		ri = rc->rc_index;
	else {
		rt6_index_free(s, rc);
		if ((ri = kmem_alloc(s->i6_kern, size)) == NULL)
			return ENOMEM;
		rc->rc_index = ri;
	}
	if ((b = kmem_zalloc(s->i6_kern, sizeof(*b))) == NULL)
		return ENOMEM;
	memset(ri, 0, sizeof(*ri));
	ri->ri_size = size;
	ri->ri_ent = (struct rt6_ient *)(ri + 1);
	ri->ri_bucket = (uint32_t *)(ri->ri_ent + cap);
	b->ri = ri;
	b->cap = cap;
	if (radix_walk(&s->i6_rtree, rt6_build_one, b) != 0) {
		kmem_free(s->i6_kern, b, sizeof(*b));
		return EINVAL;
	}
	rt6_build_to(b, ~(u128)0);
	rt6_emit(b, ~(u128)0, b->depth > 0 ? b->stack[b->depth - 1] : NULL);
	while (b->depth > 0) {	/* the prefixes still open end at the last address */
		b->depth--;
		rt6_emit(b, ~(u128)0, b->stack[b->depth]);
	}
	kmem_free(s->i6_kern, b, sizeof(*b));
	/* the window: the common prefix of the starts after the first (which is ::) */
	if (ri->ri_n >= 2) {
		u128 a = ri->ri_ent[1].ie_start, z = ri->ri_ent[ri->ri_n - 1].ie_start;
		cp = (unsigned)rt6_clz128(a ^ z);
		if (cp + bits > 128)
			bits = 128 - cp;
		ri->ri_bits = bits;
		ri->ri_wshift = (int)(128 - cp - bits);
		ri->ri_wstart = cp == 0 ? 0 : a & ~((((u128)1) << (128 - cp)) - 1);
		if (cp == 128)
			ri->ri_wstart = a;
		ri->ri_wlast = cp == 0 ? ~(u128)0 : ri->ri_wstart | ((((u128)1) << (128 - cp)) - 1);
		if (cp == 128)
			ri->ri_wlast = a;
		/* bucket i: the interval holding its first address (the last start at or
		 * before it); the entry past the last bucket: the last interval */
		for (i = 0, j = 0; i < (1u << bits); i++) {
			u128 base = ri->ri_wstart + ((u128)i << ri->ri_wshift);
			while (j + 1 < ri->ri_n && ri->ri_ent[j + 1].ie_start <= base)
				j++;
			ri->ri_bucket[i] = j;
		}
		ri->ri_bucket[1u << bits] = ri->ri_n - 1;
	}
	ri->ri_gen = s->i6_rtgen;
	return 0;
}

static struct rt6entry *
rt6_index_find(const struct rt6_index *ri, const struct nb_in6_addr *dst)
{
	u128 h = rt6_u128(dst);
	unsigned lo, hi, bk;

	if (ri->ri_n < 2 || h < ri->ri_wstart)
		return ri->ri_ent[0].ie_rt;
	if (h > ri->ri_wlast)
		return ri->ri_ent[ri->ri_n - 1].ie_rt;
	bk = (unsigned)((h - ri->ri_wstart) >> ri->ri_wshift);
	lo = ri->ri_bucket[bk], hi = ri->ri_bucket[bk + 1];
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

/* rt6_lookup's answer from the cache or the index: the route (NULL: none), or RT6_TREE
 * when the tree must decide; *setp gets the cache set for rt6_cache_fill. */
struct rt6entry *
rt6_cache_lookup(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone,
    unsigned *setp)
{
	struct rt6_cache *rc = s->i6_rtcache;
	struct rt6_index *ri;
	uint32_t w[4];
	unsigned set, i;

	if (rc == NULL)
		return RT6_TREE;
	/* an unscoped destination of a big table: the index when current (no cheaper probe) */
	ri = rc->rc_index;
	if (ri != NULL && ri->ri_gen == s->i6_rtgen && !in6_scoped(dst) &&
	    s->i6_nroutes > RT6_INDEXFROM) {
		struct rt6entry *rt = rt6_index_find(ri, dst);
		if (!rt6_is_tree(rt))
			return rt;
	}
	memcpy(w, dst, 16);
	set = (((w[0] ^ w[1] ^ w[2] ^ w[3] ^ (uint32_t)(uintptr_t)zone) * 0x9e3779b1U) >> 16) &
	    (RT6_CACHESETS - 1);
	*setp = set;
	for (i = 0; i < RT6_CACHEWAYS; i++) {
		struct rt6_cslot *cs = &rc->rc_slot[set][i];
		if (cs->cs_gen == s->i6_rtgen && cs->cs_zone == zone &&
		    memcmp(&cs->cs_dst, dst, 16) == 0)
			return cs->cs_rt;
	}
	if (in6_scoped(dst) || s->i6_nroutes <= RT6_INDEXFROM || (ri != NULL && ri->ri_gen == s->i6_rtgen))
		return RT6_TREE;	/* scoped: its routes depend on the zone; or the index said so */
	if (++rc->rc_stale > (unsigned)s->i6_nroutes / 8 && rt6_index_build(s, rc) != 0) {
		rt6_index_free(s, rc);		/* the tree, and another try as much later */
		rc->rc_stale = 0;
	}
	if ((ri = rc->rc_index) == NULL || ri->ri_gen != s->i6_rtgen)
		return RT6_TREE;
	return rt6_index_find(ri, dst);
}

int
rt6_is_tree(const struct rt6entry *rt)
{
	return rt == RT6_TREE;
}

/* A lookup's answer from the tree that met no expiring route goes into the cache. */
void
rt6_cache_fill(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone,
    unsigned set, struct rt6entry *rt)
{
	struct rt6_cache *rc = s->i6_rtcache;
	struct rt6_cslot *cs;

	if (rc == NULL || rt == NULL)
		return;
	cs = &rc->rc_slot[set][rc->rc_next[set]++ % RT6_CACHEWAYS];
	cs->cs_dst = *dst, cs->cs_zone = zone, cs->cs_gen = s->i6_rtgen, cs->cs_rt = rt;
}

/* Through the flat index alone, built now if stale (tests compare it with the tree);
 * RT6_TREE when the table is too small for one, memory is short or the interval's answer
 * depends on the clock. */
struct rt6entry *
rt6_lookup_index(struct inet6_state *s, const struct nb_in6_addr *dst)
{
	rt6_cache_grow(s);
	if (s->i6_rtcache == NULL || s->i6_nroutes <= RT6_INDEXFROM || in6_scoped(dst))
		return RT6_TREE;
	if ((s->i6_rtcache->rc_index == NULL || s->i6_rtcache->rc_index->ri_gen != s->i6_rtgen) &&
	    rt6_index_build(s, s->i6_rtcache) != 0)
		return RT6_TREE;
	return rt6_index_find(s->i6_rtcache->rc_index, dst);
}
