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
struct rt_cache {
	struct rt_cslot rc_slot[RT_CACHESETS][RT_CACHEWAYS];
	uint8_t rc_next[RT_CACHESETS];	/* the way a miss fills next */
};

static inline void
rt_changed(struct ifnet_state *ns)
{
	if (++ns->ns_rtgen == 0)
		ns->ns_rtgen = 1;	/* 0 marks an empty slot */
	if (ns->ns_rtgen == 1 && ns->ns_rtcache != NULL)
		memset(ns->ns_rtcache, 0, sizeof(struct rt_cache));
}

static void
rt_tree_init(struct ifnet_state *ns)
{
	if (ns->ns_rtree.rh_keybits == 0) {
		radix_init(&ns->ns_rtree, ns->ns_kern, 32);
		ns->ns_rtgen = 1;
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
	struct rt_cache *rc = ns->ns_rtcache;
	struct rtentry *rt;
	unsigned set = 0, i;

	if (ns->ns_rtree.rh_keybits == 0)
		return NULL;
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
	if ((rt = radix_match(&ns->ns_rtree, &dst, rt_isup, NULL)) != NULL) {
		rt->rt_use++;
		if (rc != NULL) {
			struct rt_cslot *cs = &rc->rc_slot[set][rc->rc_next[set]++ % RT_CACHEWAYS];
			cs->cs_dst = dst, cs->cs_gen = ns->ns_rtgen, cs->cs_rt = rt;
		}
	}
	return rt;
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
	if (ns->ns_rtcache != NULL)
		kmem_free(ns->ns_kern, ns->ns_rtcache, sizeof(struct rt_cache));
	ns->ns_rtcache = NULL;
	ns->ns_rtree.rh_keybits = 0;
}
