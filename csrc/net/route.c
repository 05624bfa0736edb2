/*
 * route.c: the IPv4 routing table of one kernel.
 *
 * A list ordered by prefix length, longest first, so the first entry that matches a
 * destination is the longest-prefix match.  Kernels hold tens of routes, not millions:
 * a list keeps add/delete/lookup simple and cache-friendly.  XXX: a radix tree would be
 * the way to scale to full tables.  Changed and read under ns_lock.
 */
#include "net/if.h"

int
rt_add(struct ifnet_state *ns, uint32_t dst, uint32_t mask, uint32_t gw, int flags,
    struct ifnet *ifp, uint32_t ifa, struct rtentry **rtp)
{
	struct rtentry *rt, **pp;
	int plen = mask_to_plen(mask);

	if (plen < 0 || ifp == NULL)
		return EINVAL;
	dst &= mask;
	if (rt_exact(ns, dst, mask) != NULL)
		return EEXIST;
	if (ns->ns_nroutes >= 65536)
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
	for (pp = &ns->ns_rt; *pp != NULL && (*pp)->rt_plen >= plen; pp = &(*pp)->rt_next)
		continue;
	rt->rt_next = *pp;
	*pp = rt;
	ns->ns_nroutes++;
	if (rtp != NULL)
		*rtp = rt;
	return 0;
}

struct rtentry *
rt_exact(struct ifnet_state *ns, uint32_t dst, uint32_t mask)
{
	struct rtentry *rt;

	for (rt = ns->ns_rt; rt != NULL; rt = rt->rt_next)
		if (rt->rt_dst == (dst & mask) && rt->rt_mask == mask)
			return rt;
	return NULL;
}

int
rt_delete(struct ifnet_state *ns, uint32_t dst, uint32_t mask, struct rtentry *out)
{
	struct rtentry **pp, *rt;

	for (pp = &ns->ns_rt; (rt = *pp) != NULL; pp = &rt->rt_next)
		if (rt->rt_dst == (dst & mask) && rt->rt_mask == mask) {
			*pp = rt->rt_next;
			if (out != NULL)
				*out = *rt;
			kmem_free(ns->ns_kern, rt, sizeof(*rt));
			ns->ns_nroutes--;
			return 0;
		}
	return ESRCH;
}

struct rtentry *
rt_lookup(struct ifnet_state *ns, uint32_t dst)
{
	struct rtentry *rt;

	for (rt = ns->ns_rt; rt != NULL; rt = rt->rt_next)
		if ((dst & rt->rt_mask) == rt->rt_dst && (rt->rt_flags & RTF_UP)) {
			rt->rt_use++;
			return rt;
		}
	return NULL;
}

void
rt_ifdetach(struct ifnet_state *ns, struct ifnet *ifp)
{
	struct rtentry **pp, *rt;

	for (pp = &ns->ns_rt; (rt = *pp) != NULL;)
		if (rt->rt_ifp == ifp) {
			*pp = rt->rt_next;
			kmem_free(ns->ns_kern, rt, sizeof(*rt));
			ns->ns_nroutes--;
		} else
			pp = &rt->rt_next;
}

void
rt_flush(struct ifnet_state *ns)
{
	struct rtentry *rt;

	while ((rt = ns->ns_rt) != NULL) {
		ns->ns_rt = rt->rt_next;
		kmem_free(ns->ns_kern, rt, sizeof(*rt));
	}
	ns->ns_nroutes = 0;
}
