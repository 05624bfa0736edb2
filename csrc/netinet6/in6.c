/*
 * in6.c: the net.netinet6 component: IPv6 addresses on interfaces (SIOCAIFADDR_IN6 and
 * friends, link-local addresses when an interface comes up), multicast memberships,
 * the IPv6 routing table, source address selection, net.inet6 sysctls and the timer.
 *
 * The routing table is a list sorted by prefix length (longest first): IPv6 routes are
 * few here (connected prefixes, a default route, host routes learnt from redirects and
 * path MTU), and net/route.c's table is IPv4's (uint32_t keys).  A link-local route
 * belongs to its interface's zone: lookups of a scoped destination only see the routes
 * of that zone.
 */
#include <stdio.h>

#include "netinet6/in6_var.h"

const struct nb_in6_addr in6_allnodes = { { 0xff, 0x02, [15] = 1 } };
const struct nb_in6_addr in6_allrouters = { { 0xff, 0x02, [15] = 2 } };

int
in6_prefix_match(const struct nb_in6_addr *a, const struct nb_in6_addr *b, int plen)
{
	int n = plen / 8, r = plen % 8;

	if (memcmp(a, b, (size_t)n) != 0)
		return 0;
	if (r == 0)
		return 1;
	return ((a->s6_addr[n] ^ b->s6_addr[n]) & (0xff00 >> r)) == 0;
}

void
in6_solicited(const struct nb_in6_addr *a, struct nb_in6_addr *sn)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	memcpy(sn->s6_addr, pfx, 13);
	memcpy(sn->s6_addr + 13, a->s6_addr + 13, 3);
}

void
in6_sockaddr(struct nb_sockaddr_in6 *sin6, const struct nb_in6_addr *a, uint16_t port,
    uint32_t zone)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_len = sizeof(*sin6);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = port;
	if (a != NULL)
		sin6->sin6_addr = *a;
	sin6->sin6_scope_id = a != NULL && in6_scoped(a) ? zone : 0;
}

/* A user's sockaddr_in6: EINVAL if short, EAFNOSUPPORT if another family. */
int
sin6_check(const struct nb_sockaddr *sa, size_t salen, struct nb_sockaddr_in6 *sin6)
{
	if (sa == NULL || salen < sizeof(*sin6))
		return EINVAL;
	memcpy(sin6, sa, sizeof(*sin6));
	if (sin6->sin6_family != AF_INET6)
		return EAFNOSUPPORT;
	return 0;
}

struct ifnet *
in6_zone_ifp(struct inet6_state *s, uint32_t zone)
{
	return zone == 0 || zone > 0xffff ? NULL : if_byindex(s->i6_ns, (int)zone);
}

/* ---------------------------------------------------------------- addresses */

struct in6_ifaddr *
in6_ifaddr_on(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct in6_ifaddr *ia;

	for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next)
		if (ia->ia6_ifp == ifp && in6_eq(&ia->ia6_addr, a))
			return ia;
	return NULL;
}

struct in6_ifaddr *
in6_ifaddr_of(struct inet6_state *s, const struct nb_in6_addr *a, struct ifnet *ifp)
{
	struct in6_ifaddr *ia;

	for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next)
		if (in6_eq(&ia->ia6_addr, a) &&
		    (ifp == NULL || !in6_is_linklocal(a) || ia->ia6_ifp == ifp))
			return ia;
	return NULL;
}

struct in6_ifaddr *
in6_linklocal(struct inet6_state *s, struct ifnet *ifp, int ready)
{
	struct in6_ifaddr *ia;

	for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next)
		if (ia->ia6_ifp == ifp && in6_is_linklocal(&ia->ia6_addr) &&
		    (!ready || !(ia->ia6_flags & IN6_IFF_NOTREADY)))
			return ia;
	return NULL;
}

static int
in6_common_len(const struct nb_in6_addr *a, const struct nb_in6_addr *b)
{
	int n;

	for (n = 0; n < 128; n++)
		if (((a->s6_addr[n / 8] ^ b->s6_addr[n / 8]) & (0x80 >> (n % 8))) != 0)
			break;
	return n;
}

/*
 * Source address selection, the parts of RFC 6724 that matter here: a usable address
 * (not tentative, duplicated or anycast); the destination itself; the same scope (a
 * link-local destination gets the outgoing interface's link-local address); an address
 * of the outgoing interface; the longest common prefix.
 */
int
in6_selectsrc(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *ifp,
    struct nb_in6_addr *src)
{
	struct in6_ifaddr *ia, *best = NULL;
	int bestscore = -1;

	for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next) {
		int score;

		if (ia->ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_ANYCAST | IN6_IFF_DETACHED))
			continue;
		if (in6_eq(&ia->ia6_addr, dst)) {
			best = ia;
			break;
		}
		if (in6_is_linklocal(&ia->ia6_addr) && ia->ia6_ifp != ifp)
			continue;	/* another zone */
		if (in6_is_loopback(&ia->ia6_addr) && ifp != NULL && ifp->if_type != IFT_LOOP)
			continue;
		score = 0;
		if ((in6_scoped(dst) != 0) == (in6_is_linklocal(&ia->ia6_addr) != 0))
			score += 1000;
		if (ia->ia6_ifp == ifp)
			score += 500;
		if (!(ia->ia6_flags & IN6_IFF_DEPRECATED))
			score += 200;
		score += in6_common_len(&ia->ia6_addr, dst);
		if (score > bestscore)
			bestscore = score, best = ia;
	}
	if (best == NULL)
		return EADDRNOTAVAIL;
	*src = best->ia6_addr;
	return 0;
}

static void in6_rtmsg_addr(struct inet6_state *s, int type, struct in6_ifaddr *ia);

int
in6_addaddr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a, int plen,
    int flags, uint32_t vltime, uint32_t pltime)
{
	struct in6_ifaddr *ia, **pp;
	struct nb_in6_addr sn, pfx;
	int error, i;

	if (plen < 0 || plen > 128 || in6_is_unspec(a) || in6_is_mcast(a) || in6_is_v4mapped(a))
		return EINVAL;
	if (in6_is_loopback(a) && ifp->if_type != IFT_LOOP)
		return EINVAL;
	if ((ia = in6_ifaddr_on(s, ifp, a)) != NULL) {
		/* an update: new prefix length, flags or lifetimes */
		if (ia->ia6_plen != plen) {
			struct nb_in6_addr o = *a;
			int oflags = ia->ia6_flags;
			in6_deladdr(s, ifp, &o);
			flags |= oflags & IN6_IFF_NODAD;
			return in6_addaddr(s, ifp, &o, plen, flags, vltime, pltime);
		}
		ia->ia6_vltime = vltime, ia->ia6_pltime = pltime;
		ia->ia6_created = hyp_clock_mono();
		ia->ia6_flags = (ia->ia6_flags & ~(IN6_IFF_ANYCAST | IN6_IFF_AUTOCONF)) |
		    (flags & (IN6_IFF_ANYCAST | IN6_IFF_AUTOCONF));
		return 0;
	}
	if (!in6_is_linklocal(a) && in6_ifaddr_of(s, a, NULL) != NULL)
		return EEXIST;
	if ((ia = kmem_zalloc(s->i6_kern, sizeof(*ia))) == NULL)
		return ENOBUFS;
	ia->ia6_ifp = ifp;
	ia->ia6_addr = *a;
	ia->ia6_plen = plen;
	ia->ia6_flags = flags & (IN6_IFF_ANYCAST | IN6_IFF_NODAD | IN6_IFF_AUTOCONF);
	ia->ia6_vltime = vltime, ia->ia6_pltime = pltime;
	ia->ia6_created = hyp_clock_mono();
	/* the connected route of the prefix (a /128 needs none) */
	if (plen < 128) {
		memset(&pfx, 0, sizeof(pfx));
		for (i = 0; i < 16; i++) {
			int bits = plen - i * 8;
			pfx.s6_addr[i] = bits >= 8 ? a->s6_addr[i] : bits <= 0 ? 0 :
			    (uint8_t)(a->s6_addr[i] & (0xff00 >> bits));
		}
		error = rt6_add(s, &pfx, plen, NULL, RTF_CONNECTED | RTF_UP, ifp, NULL);
		if (error != 0 && error != EEXIST) {
			kmem_free(s->i6_kern, ia, sizeof(*ia));
			return error;
		}
	}
	for (pp = &s->i6_addrs; *pp != NULL; pp = &(*pp)->ia6_next)
		continue;
	*pp = ia;
	/* the groups ND needs: all-nodes and this address's solicited-node group */
	if (ifp->if_type == IFT_ETHER) {
		if (in6_multi_find(s, ifp, &in6_allnodes) == NULL)
			in6_multi_join(s, ifp, &in6_allnodes);
		in6_solicited(a, &sn);
		in6_multi_join(s, ifp, &sn);
		/* NetBSD's Ethernet drivers come up when they get an address */
		if (!(ifp->if_flags & IFF_UP))
			if_up_down(ifp, ifp->if_flags | IFF_UP);
	}
	in6_rtmsg_addr(s, RTM_NEWADDR, ia);
	if (ifp->if_type == IFT_ETHER && !(ia->ia6_flags & IN6_IFF_NODAD) &&
	    !(ia->ia6_flags & IN6_IFF_ANYCAST) && s->i6_dad_count > 0) {
		ia->ia6_flags |= IN6_IFF_TENTATIVE;
		nd6_dad_start(s, ia);
	}
	return 0;
}

int
in6_deladdr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct in6_ifaddr **pp, *ia, *o;
	struct nb_in6_addr sn, pfx;
	int plen, i, keep = 0;

	for (pp = &s->i6_addrs; (ia = *pp) != NULL; pp = &ia->ia6_next)
		if (ia->ia6_ifp == ifp && (a == NULL || in6_eq(&ia->ia6_addr, a)))
			break;
	if (ia == NULL)
		return EADDRNOTAVAIL;
	*pp = ia->ia6_next;
	in6_rtmsg_addr(s, RTM_DELADDR, ia);
	plen = ia->ia6_plen;
	if (plen < 128) {
		memset(&pfx, 0, sizeof(pfx));
		for (i = 0; i < 16; i++) {
			int bits = plen - i * 8;
			pfx.s6_addr[i] = bits >= 8 ? ia->ia6_addr.s6_addr[i] : bits <= 0 ? 0 :
			    (uint8_t)(ia->ia6_addr.s6_addr[i] & (0xff00 >> bits));
		}
		for (o = s->i6_addrs; o != NULL; o = o->ia6_next)
			if (o->ia6_ifp == ifp && o->ia6_plen == plen &&
			    in6_prefix_match(&o->ia6_addr, &pfx, plen))
				keep = 1;	/* another address of the prefix keeps it */
		if (!keep)
			rt6_delete(s, &pfx, plen, ifp);
	}
	if (ifp->if_type == IFT_ETHER) {
		in6_solicited(&ia->ia6_addr, &sn);
		in6_multi_leave(s, ifp, &sn);
	}
	nd6_purge_addr(s, ifp, &ia->ia6_addr);
	kmem_free(s->i6_kern, ia, sizeof(*ia));
	return 0;
}

/* ---------------------------------------------------------------- multicast */

struct in6_multi *
in6_multi_find(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct in6_multi *m;

	for (m = s->i6_multi; m != NULL; m = m->in6m_next)
		if (m->in6m_ifp == ifp && in6_eq(&m->in6m_addr, a))
			return m;
	return NULL;
}

int
in6_multi_join(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct in6_multi *m;

	if (!in6_is_mcast(a))
		return EINVAL;
	if ((m = in6_multi_find(s, ifp, a)) != NULL) {
		m->in6m_refs++;
		return 0;
	}
	if ((m = kmem_zalloc(s->i6_kern, sizeof(*m))) == NULL)
		return ENOBUFS;
	m->in6m_ifp = ifp;
	m->in6m_addr = *a;
	m->in6m_refs = 1;
	m->in6m_next = s->i6_multi;
	s->i6_multi = m;
	/* RFC 2710: no reports for all-nodes or interface-local groups */
	if (ifp->if_type == IFT_ETHER && !in6_eq(a, &in6_allnodes) &&
	    (a->s6_addr[1] & 0x0f) > 1)
		mld6_report(s, m, MLD_LISTENER_REPORT);
	return 0;
}

void
in6_multi_leave(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct in6_multi **pp, *m;

	for (pp = &s->i6_multi; (m = *pp) != NULL; pp = &m->in6m_next)
		if (m->in6m_ifp == ifp && in6_eq(&m->in6m_addr, a))
			break;
	if (m == NULL || --m->in6m_refs > 0)
		return;
	*pp = m->in6m_next;
	if (ifp->if_type == IFT_ETHER && !in6_eq(a, &in6_allnodes) &&
	    (a->s6_addr[1] & 0x0f) > 1 && (ifp->if_flags & IFF_UP))
		mld6_report(s, m, MLD_LISTENER_DONE);
	kmem_free(s->i6_kern, m, sizeof(*m));
}

/* The Ethernet filter: 33:33 + the group's low 32 bits (RFC 2464 7). */
static int
in6_ether_mcast(struct ifnet *ifp, const uint8_t *mac)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct in6_multi *m;

	if (s == NULL || mac[0] != 0x33 || mac[1] != 0x33)
		return 0;
	for (m = s->i6_multi; m != NULL; m = m->in6m_next)
		if (m->in6m_ifp == ifp && memcmp(m->in6m_addr.s6_addr + 12, mac + 2, 4) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- routes */

/*
 * The routes hang in a radix tree by prefix (net/radix.h: longest-prefix match in about
 * log2(routes) steps, as IPv4's route.c) and on an unordered list (i6_rt) for the walks
 * by interface and expiry.  A scoped prefix (fe80::/64, ff02::/16) exists once per zone:
 * the tree holds one bucket per prefix, its routes chained (rt6_dup) in the order they
 * came.  Changed and read under ns_lock.
 */
#define RT6_MAXROUTES	65536

struct rt6_bucket {
	struct rt6entry *b_rt;		/* never empty while in the tree */
};

static void
rt6_tree_init(struct inet6_state *s)
{
	if (s->i6_rtree.rh_keybits == 0) {
		radix_init(&s->i6_rtree, s->i6_kern, 128);
		rt6_changed(s);
	}
}

static void
rt6_mask(struct nb_in6_addr *a, int plen)
{
	int i;

	for (i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		if (bits < 8)
			a->s6_addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff00 >> bits);
	}
}

static struct rt6_bucket *
rt6_bucket(struct inet6_state *s, const struct nb_in6_addr *dst, int plen)
{
	struct nb_in6_addr k = *dst;

	if (s->i6_rtree.rh_keybits == 0 || plen < 0 || plen > 128)
		return NULL;
	rt6_mask(&k, plen);
	return radix_exact(&s->i6_rtree, &k, plen);
}

/* Unlinks rt from its bucket (the bucket goes with its last route) and the list, frees it. */
static void
rt6_free(struct inet6_state *s, struct rt6entry *rt)
{
	struct rt6_bucket *b = rt6_bucket(s, &rt->rt6_dst, rt->rt6_plen);
	struct rt6entry **pp;

	if (b != NULL) {
		for (pp = &b->b_rt; *pp != NULL && *pp != rt; pp = &(*pp)->rt6_dup)
			continue;
		if (*pp == rt)
			*pp = rt->rt6_dup;
		if (b->b_rt == NULL) {
			struct nb_in6_addr k = rt->rt6_dst;
			rt6_mask(&k, rt->rt6_plen);
			radix_remove(&s->i6_rtree, &k, rt->rt6_plen);
			kmem_free(s->i6_kern, b, sizeof(*b));
		}
	}
	if ((*rt->rt6_prevp = rt->rt6_next) != NULL)
		rt->rt6_next->rt6_prevp = rt->rt6_prevp;
	s->i6_nroutes--;
	kmem_free(s->i6_kern, rt, sizeof(*rt));
	rt6_changed(s);
}

int
rt6_add(struct inet6_state *s, const struct nb_in6_addr *dst, int plen,
    const struct nb_in6_addr *gw, int flags, struct ifnet *ifp, struct rt6entry **rtp)
{
	struct rt6entry *rt, **pp;
	struct rt6_bucket *b;
	struct nb_in6_addr k;
	int error;

	if (plen < 0 || plen > 128 || ifp == NULL)
		return EINVAL;
	rt6_tree_init(s);
	if ((b = rt6_bucket(s, dst, plen)) != NULL)
		for (rt = b->b_rt; rt != NULL; rt = rt->rt6_dup)
			if (!in6_scoped(dst) || rt->rt6_ifp == ifp) {
				if (rtp != NULL)
					*rtp = rt;
				return EEXIST;
			}
	if (s->i6_nroutes >= RT6_MAXROUTES)
		return ENOBUFS;
	if ((rt = kmem_zalloc(s->i6_kern, sizeof(*rt))) == NULL)
		return ENOBUFS;
	rt->rt6_dst = *dst;
	rt->rt6_plen = plen;
	if (gw != NULL)
		rt->rt6_gw = *gw;
	rt->rt6_flags = flags | RTF_UP | (gw != NULL ? RTF_GATEWAY : 0) |
	    (plen == 128 ? RTF_HOST : 0);
	rt->rt6_ifp = ifp;
	if (b == NULL) {
		if ((b = kmem_zalloc(s->i6_kern, sizeof(*b))) == NULL) {
			kmem_free(s->i6_kern, rt, sizeof(*rt));
			return ENOBUFS;
		}
		k = *dst;
		rt6_mask(&k, plen);
		if ((error = radix_insert(&s->i6_rtree, &k, plen, b)) != 0) {
			kmem_free(s->i6_kern, b, sizeof(*b));
			kmem_free(s->i6_kern, rt, sizeof(*rt));
			return error == ENOMEM ? ENOBUFS : error;
		}
	}
	for (pp = &b->b_rt; *pp != NULL; pp = &(*pp)->rt6_dup)
		continue;
	*pp = rt;
	if ((rt->rt6_next = s->i6_rt) != NULL)
		rt->rt6_next->rt6_prevp = &rt->rt6_next;
	rt->rt6_prevp = &s->i6_rt;
	s->i6_rt = rt;
	s->i6_nroutes++;
	rt6_changed(s);
	rt6_cache_grow(s);
	if (rtp != NULL)
		*rtp = rt;
	return 0;
}

int
rt6_delete(struct inet6_state *s, const struct nb_in6_addr *dst, int plen, struct ifnet *ifp)
{
	struct rt6_bucket *b = rt6_bucket(s, dst, plen);
	struct rt6entry *rt;

	for (rt = b != NULL ? b->b_rt : NULL; rt != NULL; rt = rt->rt6_dup)
		if (ifp == NULL || rt->rt6_ifp == ifp) {
			rt6_free(s, rt);
			return 0;
		}
	return ESRCH;
}

/* The route of exactly dst/plen (the first of its zones), or NULL. */
struct rt6entry *
rt6_exact(struct inet6_state *s, const struct nb_in6_addr *dst, int plen)
{
	struct rt6_bucket *b = rt6_bucket(s, dst, plen);

	return b != NULL ? b->b_rt : NULL;
}

struct rt6_q {
	const struct nb_in6_addr *q_dst;
	struct ifnet *q_zone;
	uint64_t q_now;
	struct rt6entry *q_rt;
};

/* Whether a prefix's bucket holds a route for the destination: a scoped destination
 * only goes by routes of its zone, an unscoped one never by a scoped prefix (but the
 * default route), an expiring route not past its time (the timer removes it). */
static int
rt6_ok(const void *entry, void *arg)
{
	const struct rt6_bucket *b = entry;
	struct rt6_q *q = arg;
	struct rt6entry *rt;

	for (rt = b->b_rt; rt != NULL; rt = rt->rt6_dup) {
		if (in6_scoped(q->q_dst) && rt->rt6_ifp != q->q_zone)
			continue;
		if (!in6_scoped(q->q_dst) && in6_scoped(&rt->rt6_dst) && rt->rt6_plen > 0)
			continue;
		if (rt->rt6_expire != 0) {
			if (q->q_now == 0)
				q->q_now = hyp_clock_mono();
			if (rt->rt6_expire <= q->q_now)
				continue;
		}
		q->q_rt = rt;
		return 1;
	}
	return 0;
}

/* The tree alone (tests and the benchmark compare it with rt6_lookup); *nowp: nonzero
 * when the answer depended on an expiring route (not to be cached). */
static struct rt6entry *
rt6_tree_match(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone,
    uint64_t *nowp)
{
	struct rt6_q q = { dst, zone, 0, NULL };

	*nowp = 0;
	if (s->i6_rtree.rh_keybits == 0)
		return NULL;
	if (radix_match(&s->i6_rtree, dst, rt6_ok, &q) == NULL)
		return NULL;
	*nowp = q.q_now;
	return q.q_rt;
}

struct rt6entry *
rt6_lookup_tree(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone)
{
	uint64_t now;

	return rt6_tree_match(s, dst, zone, &now);
}

/* The cache and flat index first (rt6_cache.c), the tree when they cannot answer. */
struct rt6entry *
rt6_lookup(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone)
{
	struct rt6entry *rt;
	unsigned set = 0;
	uint64_t now;

	if (s->i6_rtree.rh_keybits == 0)
		return NULL;
	if (!in6_scoped(dst))
		zone = NULL;		/* rt6_ok ignores it */
	rt = rt6_cache_lookup(s, dst, zone, &set);
	if (rt6_is_tree(rt)) {
		rt = rt6_tree_match(s, dst, zone, &now);
		if (rt != NULL && now == 0)
			rt6_cache_fill(s, dst, zone, set, rt);
	}
	if (rt != NULL)
		rt->rt6_use++;
	return rt;
}

void
rt6_ifdetach(struct inet6_state *s, struct ifnet *ifp)
{
	struct rt6entry *rt, *next;

	for (rt = s->i6_rt; rt != NULL; rt = next) {
		next = rt->rt6_next;
		if (ifp == NULL || rt->rt6_ifp == ifp)
			rt6_free(s, rt);
	}
	if (s->i6_rt == NULL && s->i6_rtree.rh_keybits != 0) {
		radix_fini(&s->i6_rtree);
		s->i6_rtree.rh_keybits = 0;
	}
	if (s->i6_rt == NULL)
		rt6_cache_free(s);
}

static uint64_t
rt6_timer(struct inet6_state *s, uint64_t now)
{
	struct rt6entry *rt, *nx;
	uint64_t next = 0;

	for (rt = s->i6_rt; rt != NULL; rt = nx) {
		nx = rt->rt6_next;
		if (rt->rt6_expire != 0 && rt->rt6_expire <= now) {
			rt6_free(s, rt);
			continue;
		}
		if (rt->rt6_expire != 0 && (next == 0 || rt->rt6_expire < next))
			next = rt->rt6_expire;
	}
	return next;
}

/* Addresses whose valid lifetime ran out go (SLAAC ones, or given a lifetime). */
static uint64_t
in6_addr_timer(struct inet6_state *s, uint64_t now)
{
	struct in6_ifaddr *ia, *next;
	uint64_t soonest = 0, at;

	for (ia = s->i6_addrs; ia != NULL; ia = next) {
		next = ia->ia6_next;
		if (ia->ia6_pltime != ~0U && !(ia->ia6_flags & IN6_IFF_DEPRECATED)) {
			at = ia->ia6_created + (uint64_t)ia->ia6_pltime * 1000000000;
			if (at <= now)
				ia->ia6_flags |= IN6_IFF_DEPRECATED;
			else if (soonest == 0 || at < soonest)
				soonest = at;
		}
		if (ia->ia6_vltime != ~0U) {
			at = ia->ia6_created + (uint64_t)ia->ia6_vltime * 1000000000;
			if (at <= now) {
				in6_deladdr(s, ia->ia6_ifp, &ia->ia6_addr);
				next = s->i6_addrs;	/* the list changed */
				continue;
			}
			if (soonest == 0 || at < soonest)
				soonest = at;
		}
	}
	return soonest;
}

/* ---------------------------------------------------------------- routing messages */

/* An ifa_msghdr for an IPv6 address into buf (512 bytes): the netmask, the interface's
 * link address and the address (RTA_NETMASK | RTA_IFP | RTA_IFA), as NetBSD's
 * rt_newaddrmsg; returns its length. */
static size_t
in6_ifa_msg(uint8_t *buf, int type, struct in6_ifaddr *ia)
{
	struct nb_ifa_msghdr *ifam = (struct nb_ifa_msghdr *)buf;
	struct nb_sockaddr_in6 mask, addr;
	size_t len = sizeof(*ifam), sdlen;
	int i;

	memset(buf, 0, 512);
	memset(&mask, 0, sizeof(mask));
	mask.sin6_len = sizeof(mask);
	mask.sin6_family = AF_INET6;
	for (i = 0; i < 16; i++) {
		int bits = ia->ia6_plen - i * 8;
		mask.sin6_addr.s6_addr[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 :
		    (uint8_t)(0xff00 >> bits);
	}
	memcpy(buf + len, &mask, sizeof(mask));
	len += RT_ROUNDUP(sizeof(mask));
	if_link_sdl(ia->ia6_ifp, buf + len, 512 - len, &sdlen);
	len += sdlen;
	in6_sockaddr(&addr, &ia->ia6_addr, 0, (uint32_t)ia->ia6_ifp->if_index);
	memcpy(buf + len, &addr, sizeof(addr));
	len += RT_ROUNDUP(sizeof(addr));
	ifam->ifam_msglen = (uint16_t)len;
	ifam->ifam_version = RTM_VERSION;
	ifam->ifam_type = (uint8_t)type;
	ifam->ifam_addrs = RTA_NETMASK | RTA_IFP | RTA_IFA;
	ifam->ifam_flags = ia->ia6_flags;
	ifam->ifam_metric = ia->ia6_ifp->if_metric;
	ifam->ifam_index = (uint16_t)ia->ia6_ifp->if_index;
	return len;
}

/* RTM_NEWADDR / RTM_DELADDR to every routing socket. */
static void
in6_rtmsg_addr(struct inet6_state *s, int type, struct in6_ifaddr *ia)
{
	uint8_t buf[512];
	size_t len = in6_ifa_msg(buf, type, ia);

	rt_rawmsg(s->i6_kern, buf, len);
}

/* ---------------------------------------------------------------- ioctls */

/* in6_mask2len, in6_masksa: below */
static int in6_mask2len(const struct nb_sockaddr_in6 *m);
static void in6_masksa(struct nb_sockaddr_in6 *sin6, int plen);


static int
in6_super(void)
{
	struct lwp *l = curlwp();

	return l == NULL ? 0 : cred_super(lwp_cred(l));
}

/* An address of an in6 ioctl: AF_INET6, its zone (if any) must be ifp's. */
static int
in6_ioctl_addr(struct ifnet *ifp, const struct nb_sockaddr_in6 *sin6, struct nb_in6_addr *a)
{
	if (sin6->sin6_family != AF_INET6)
		return EAFNOSUPPORT;
	if (sin6->sin6_len != sizeof(*sin6))
		return EINVAL;
	if (sin6->sin6_scope_id != 0 &&
	    (!in6_scoped(&sin6->sin6_addr) || sin6->sin6_scope_id != (uint32_t)ifp->if_index))
		return EINVAL;
	*a = sin6->sin6_addr;
	return 0;
}

static int
in6_mask2len(const struct nb_sockaddr_in6 *m)
{
	int i, n = 0;

	for (i = 0; i < 16 && m->sin6_addr.s6_addr[i] == 0xff; i++)
		n += 8;
	if (i < 16) {
		uint8_t b = m->sin6_addr.s6_addr[i];
		int z = __builtin_popcount(b);
		if (b != (uint8_t)(0xff00 >> z))
			return -1;
		n += z;
		for (i++; i < 16; i++)
			if (m->sin6_addr.s6_addr[i] != 0)
				return -1;
	}
	return n;
}

static void
in6_masksa(struct nb_sockaddr_in6 *sin6, int plen)
{
	int i;

	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_len = sizeof(*sin6);
	sin6->sin6_family = AF_INET6;
	for (i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		sin6->sin6_addr.s6_addr[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 :
		    (uint8_t)(0xff00 >> bits);
	}
}

/* A sockaddr_in6 of a routing message (a netmask may be shortened). */
static int
rt6_sa(const uint8_t *sa, struct nb_sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	if (sa[1] != AF_INET6 && !(sa[1] == AF_UNSPEC && sa[0] <= 8))
		return EAFNOSUPPORT;
	memcpy(sin6, sa, sa[0] < sizeof(*sin6) ? sa[0] : sizeof(*sin6));
	return 0;
}

/* Appends sockaddr sa (len bytes, rounded up) to a message at *off. */
static void
rt6_put(uint8_t *buf, size_t size, size_t *off, const void *sa, size_t len, int *over)
{
	size_t padded = RT_ROUNDUP(len);

	if (*off + padded > size) {
		*over = 1;
		return;
	}
	memset(buf + *off, 0, padded);
	memcpy(buf + *off, sa, len);
	*off += padded;
}

/* A route's rt_msghdr and sockaddrs (DST, GATEWAY, NETMASK, IFP) into buf: its length,
 * 0 if it does not fit. */
static size_t
rt6_msg(uint8_t *buf, size_t bufsize, struct rt6entry *rt, int type)
{
	struct nb_rt_msghdr h;
	struct nb_sockaddr_in6 dst, gw, mask;
	uint8_t sdl[64];
	size_t off, n;
	int over = 0;

	memset(&h, 0, sizeof(h));
	h.rtm_version = RTM_VERSION;
	h.rtm_type = (uint8_t)type;
	h.rtm_index = (uint16_t)rt->rt6_ifp->if_index;
	h.rtm_flags = rt->rt6_flags | RTF_DONE;
	h.rtm_addrs = RTA_DST | RTA_GATEWAY | RTA_NETMASK | RTA_IFP;
	h.rtm_use = (int)rt->rt6_use;
	h.rtm_rmx.rmx_mtu = rt->rt6_mtu;
	if (rt->rt6_expire != 0) {
		uint64_t now = hyp_clock_mono();
		h.rtm_rmx.rmx_expire = rt->rt6_expire > now ?
		    (int64_t)((rt->rt6_expire - now) / 1000000000) : 0;
	}
	off = sizeof(h);
	in6_sockaddr(&dst, &rt->rt6_dst, 0, (uint32_t)rt->rt6_ifp->if_index);
	rt6_put(buf, bufsize, &off, &dst, sizeof(dst), &over);
	if (rt->rt6_flags & RTF_GATEWAY) {
		in6_sockaddr(&gw, &rt->rt6_gw, 0, (uint32_t)rt->rt6_ifp->if_index);
		rt6_put(buf, bufsize, &off, &gw, sizeof(gw), &over);
	} else {
		if_link_sdl(rt->rt6_ifp, sdl, sizeof(sdl), &n);
		rt6_put(buf, bufsize, &off, sdl, n, &over);
	}
	in6_masksa(&mask, rt->rt6_plen);
	rt6_put(buf, bufsize, &off, &mask, sizeof(mask), &over);
	if_link_sdl(rt->rt6_ifp, sdl, sizeof(sdl), &n);
	rt6_put(buf, bufsize, &off, sdl, n, &over);
	if (over || bufsize < sizeof(h))
		return 0;
	h.rtm_msglen = (uint16_t)off;
	memcpy(buf, &h, sizeof(h));
	return off;
}

/*
 * PF_ROUTE RTM_ADD / RTM_DELETE / RTM_CHANGE / RTM_GET for IPv6 destinations (the
 * routing socket hands them over, net/rtsock.c).  The gateway is an IPv6 address (a
 * link-local one with its scope id, or one on a connected prefix) or an interface
 * (AF_LINK); the answer is the route in NetBSD's layout: DST, GATEWAY, NETMASK, IFP.
 */
static int
rt6_request(struct kern *k, void *buf, size_t len, size_t bufsize, size_t *outlen,
    const uint8_t *const *sa)
{
	struct inet6_state *s = inet6_state(k);
	struct nb_rt_msghdr h;
	struct nb_sockaddr_in6 dst, gw, mask;
	struct rt6entry *rt = NULL, tmp;
	struct ifnet *ifp = NULL;
	int error = 0, plen = 128, flags;
	size_t off;

	(void)len;
	memcpy(&h, buf, sizeof(h));
	if ((error = rt6_sa(sa[0], &dst)) != 0)
		return error;
	if (in6_is_v4mapped(&dst.sin6_addr))
		return EINVAL;
	if (sa[2] != NULL) {
		if ((error = rt6_sa(sa[2], &mask)) != 0)
			return error;
		mask.sin6_len = sizeof(mask);
		if ((plen = in6_mask2len(&mask)) < 0)
			return EINVAL;
	} else if (h.rtm_type == RTM_GET)
		plen = -1;		/* a lookup */
	if (h.rtm_flags & RTF_HOST)
		plen = 128;
	if (plen >= 0) {	/* the prefix itself */
		int i;
		for (i = 0; i < 16; i++) {
			int bits = plen - i * 8;
			if (bits < 8)
				dst.sin6_addr.s6_addr[i] &= bits <= 0 ? 0 : (uint8_t)(0xff00 >> bits);
		}
	}
	switch (h.rtm_type) {
	case RTM_ADD:
	case RTM_CHANGE:
		flags = h.rtm_flags & (RTF_GATEWAY | RTF_REJECT | RTF_BLACKHOLE | RTF_STATIC |
		    RTF_PROTO_MASK);
		if (sa[1] == NULL)
			return EINVAL;
		memset(&gw, 0, sizeof(gw));
		if (sa[1][1] == AF_LINK) {
			uint16_t idx;
			if (sa[1][0] < 4)
				return EINVAL;
			memcpy(&idx, sa[1] + 2, 2);
			if ((ifp = if_byindex(s->i6_ns, idx)) == NULL)
				return ENETUNREACH;
			flags &= ~RTF_GATEWAY;
		} else {
			if ((error = rt6_sa(sa[1], &gw)) != 0)
				return error;
			if (in6_is_mcast(&gw.sin6_addr) || in6_is_unspec(&gw.sin6_addr))
				return EINVAL;
			if (in6_is_linklocal(&gw.sin6_addr)) {
				if ((ifp = in6_zone_ifp(s, gw.sin6_scope_id)) == NULL)
					return gw.sin6_scope_id == 0 ? EINVAL : ENXIO;
				flags |= RTF_GATEWAY;
			} else if (in6_ifaddr_of(s, &gw.sin6_addr, NULL) != NULL &&
			    !(flags & RTF_GATEWAY)) {
				ifp = in6_ifaddr_of(s, &gw.sin6_addr, NULL)->ia6_ifp;
				memset(&gw.sin6_addr, 0, 16);
			} else {
				struct rt6entry *c = rt6_lookup(s, &gw.sin6_addr, NULL);
				if (c == NULL || (c->rt6_flags & RTF_GATEWAY))
					return ENETUNREACH;
				ifp = c->rt6_ifp;
				flags |= RTF_GATEWAY;
			}
		}
		if (h.rtm_type == RTM_ADD) {
			error = rt6_add(s, &dst.sin6_addr, plen, (flags & RTF_GATEWAY) ?
			    &gw.sin6_addr : NULL, flags | RTF_STATIC, ifp, &rt);
		} else {
			if ((rt = rt6_exact(s, &dst.sin6_addr, plen)) == NULL)
				return ESRCH;
			rt->rt6_gw = gw.sin6_addr;
			rt->rt6_ifp = ifp;
			rt->rt6_flags = (rt->rt6_flags & ~(RTF_GATEWAY | RTF_REJECT |
			    RTF_BLACKHOLE)) | flags;
			rt6_changed(s);		/* its interface may have changed */
		}
		break;
	case RTM_DELETE:
		if ((rt = rt6_exact(s, &dst.sin6_addr, plen)) == NULL)
			return ESRCH;
		tmp = *rt;
		rt6_delete(s, &rt->rt6_dst, plen, rt->rt6_ifp);
		rt = &tmp;
		break;
	case RTM_GET:
		if (plen >= 0) {
			rt = rt6_exact(s, &dst.sin6_addr, plen);
		} else
			rt = rt6_lookup(s, &dst.sin6_addr, in6_zone_ifp(s, dst.sin6_scope_id));
		if (rt == NULL)
			return ESRCH;
		break;
	default:
		return EOPNOTSUPP;
	}
	if (error != 0)
		return error;
	/* the answer */
	memcpy(&h, buf, sizeof(h));
	if ((off = rt6_msg(buf, bufsize, rt, h.rtm_type)) == 0)
		return ENOBUFS;
	memcpy(&((struct nb_rt_msghdr *)buf)->rtm_pid, &h.rtm_pid, 8);	/* pid, seq */
	*outlen = off;
	return 0;
}

/* A route the kernel made or removed on its own (router advertisements, redirects):
 * RTM_ADD / RTM_DELETE / RTM_REDIRECT to every routing socket, as NetBSD's rt_newmsg. */
void
rt6_announce(struct inet6_state *s, int type, struct rt6entry *rt)
{
	uint8_t buf[512];
	size_t n = rt6_msg(buf, sizeof(buf), rt, type);

	if (n > 0)
		rt_rawmsg(s->i6_kern, buf, n);
}

struct rt6_dump {
	int d_op, d_arg;
	void (*d_put)(void *rb, const void *msg, size_t len);
	void *d_rb;
};

static int
rt6_dump1(void *entry, void *arg)
{
	struct rt6_dump *d = arg;
	struct rt6entry *rt;
	uint8_t buf[512];
	size_t n;

	for (rt = ((struct rt6_bucket *)entry)->b_rt; rt != NULL; rt = rt->rt6_dup)
		if ((d->d_op == NET_RT_DUMP || (rt->rt6_flags & d->d_arg)) &&
		    (n = rt6_msg(buf, sizeof(buf), rt, RTM_GET)) > 0)
			d->d_put(d->d_rb, buf, n);
	return 0;
}

/* NET_RT_DUMP / NET_RT_FLAGS (ifp NULL): every IPv6 route, in address order, a prefix
 * before the longer ones it covers (NetBSD's radix dump order); NET_RT_IFLIST: ifp's
 * addresses. */
static void
rt6_list(struct kern *k, int op, int arg, struct ifnet *ifp,
    void (*put)(void *rb, const void *msg, size_t len), void *rb)
{
	struct inet6_state *s = inet6_state(k);
	uint8_t buf[512];
	size_t n;

	if (ifp != NULL) {
		struct in6_ifaddr *ia;
		for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next)
			if (ia->ia6_ifp == ifp && (n = in6_ifa_msg(buf, RTM_NEWADDR, ia)) > 0)
				put(rb, buf, n);
		return;
	}
	if (op != NET_RT_DUMP && op != NET_RT_FLAGS)
		return;
	if (s->i6_rtree.rh_keybits != 0) {
		struct rt6_dump d = { op, arg, put, rb };
		radix_walk(&s->i6_rtree, rt6_dump1, &d);
	}
}

static int
in6_control(struct ifnet *ifp, unsigned long cmd, void *data)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct nb_in6_aliasreq *ifra = data;
	struct nb_in6_ifreq *ifr = data;
	struct nb_in6_nbrinfo *nbi = data;
	struct in6_ifaddr *ia;
	struct nd6_entry *ln;
	struct nb_in6_addr a;
	int error, plen, fam = ifstate(ifp->if_kern)->ns_ioctl_family;

	switch (cmd) {
	case SIOCAIFADDR_IN6:
	case SIOCDIFADDR_IN6:
	case SIOCGIFADDR_IN6:
	case SIOCGIFNETMASK_IN6:
	case SIOCGIFAFLAG_IN6:
	case SIOCGIFALIFETIME_IN6:
	case SIOCGNBRINFO_IN6:
		/* as NetBSD: in6_control is the AF_INET6 protocol's ioctl; on another
		 * family's socket the command is unknown */
		if (fam != 0 && fam != AF_INET6)
			return ENOTTY;
		break;
	default:
		return ENOTTY;
	}
	switch (cmd) {
	case SIOCAIFADDR_IN6:
		if ((error = in6_super()) != 0)
			return error;
		if ((error = in6_ioctl_addr(ifp, &ifra->ifra_addr, &a)) != 0)
			return error;
		if (ifra->ifra_dstaddr.sin6_len != 0 && ifra->ifra_dstaddr.sin6_family != AF_INET6)
			return EAFNOSUPPORT;
		ia = in6_ifaddr_on(s, ifp, &a);
		if (ifra->ifra_prefixmask.sin6_len != 0) {
			if (ifra->ifra_prefixmask.sin6_len != sizeof(struct nb_sockaddr_in6) ||
			    (plen = in6_mask2len(&ifra->ifra_prefixmask)) <= 0)
				return EINVAL;	/* NetBSD: a (non 0) contiguous prefix */
		} else if (ia != NULL)
			plen = ia->ia6_plen;
		else
			return EINVAL;
		if (in6_is_linklocal(&a) && plen != 64)
			return EINVAL;		/* as NetBSD: link-local prefixes are /64 */
		if (ifra->ifra_lifetime.ia6t_pltime > ifra->ifra_lifetime.ia6t_vltime)
			return EINVAL;
		if (ifra->ifra_lifetime.ia6t_vltime == 0)
			return 0;	/* NetBSD: a zero valid lifetime adds nothing */
		return in6_addaddr(s, ifp, &a, plen, ifra->ifra_flags,
		    ifra->ifra_lifetime.ia6t_vltime, ifra->ifra_lifetime.ia6t_pltime);
	case SIOCDIFADDR_IN6:
		if ((error = in6_super()) != 0)
			return error;
		if ((error = in6_ioctl_addr(ifp, &ifr->ifr_ifru.ifru_addr, &a)) != 0)
			return error;
		return in6_deladdr(s, ifp, &a);
	case SIOCGIFADDR_IN6:
	case SIOCGIFNETMASK_IN6:
	case SIOCGIFAFLAG_IN6:
	case SIOCGIFALIFETIME_IN6:
		if ((error = in6_ioctl_addr(ifp, &ifr->ifr_ifru.ifru_addr, &a)) != 0)
			return error;
		if (in6_is_unspec(&a)) {
			for (ia = s->i6_addrs; ia != NULL && ia->ia6_ifp != ifp; ia = ia->ia6_next)
				continue;
		} else
			ia = in6_ifaddr_on(s, ifp, &a);
		if (ia == NULL)
			return EADDRNOTAVAIL;
		memset(&ifr->ifr_ifru, 0, sizeof(ifr->ifr_ifru));
		if (cmd == SIOCGIFADDR_IN6)
			in6_sockaddr(&ifr->ifr_ifru.ifru_addr, &ia->ia6_addr, 0,
			    (uint32_t)ifp->if_index);
		else if (cmd == SIOCGIFNETMASK_IN6)
			in6_masksa(&ifr->ifr_ifru.ifru_addr, ia->ia6_plen);
		else if (cmd == SIOCGIFAFLAG_IN6)
			ifr->ifr_ifru.ifru_flags6 = ia->ia6_flags;
		else {
			struct nb_in6_addrlifetime *lt = &ifr->ifr_ifru.ifru_lifetime;
			uint64_t up = ia->ia6_created / 1000000000;
			lt->ia6t_vltime = ia->ia6_vltime;
			lt->ia6t_pltime = ia->ia6_pltime;
			lt->ia6t_expire = ia->ia6_vltime == ~0U ? 0 : (int64_t)(up + ia->ia6_vltime);
			lt->ia6t_preferred = ia->ia6_pltime == ~0U ? 0 :
			    (int64_t)(up + ia->ia6_pltime);
		}
		return 0;
	case SIOCGNBRINFO_IN6:
		if ((ln = nd6_lookup(s, ifp, &nbi->addr)) == NULL)
			return EINVAL;		/* as NetBSD's nd6_ioctl */
		nbi->asked = ln->ln_asked;
		nbi->isrouter = ln->ln_router;
		nbi->state = ln->ln_state;
		nbi->expire = (int)(ln->ln_expire / 1000000000);
		return 0;
	}
	return ENOTTY;
}

/* SIOCGIFCONF's hook: the n-th address of ifp, in the order they were added. */
static int
in6_ifconf(struct ifnet *ifp, int n, void *buf)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct in6_ifaddr *ia;

	for (ia = s != NULL ? s->i6_addrs : NULL; ia != NULL; ia = ia->ia6_next)
		if (ia->ia6_ifp == ifp && n-- == 0) {
			in6_sockaddr(buf, &ia->ia6_addr, 0, (uint32_t)ifp->if_index);
			return 0;
		}
	return ENOENT;
}

/* ---------------------------------------------------------------- interfaces */

/* Interface up: NetBSD's in6_if_up gives it its link-local address (auto_linklocal):
 * fe80::/64 with the interface identifier from the MAC (modified EUI-64, RFC 4291
 * appendix A); lo0 gets ::1 and fe80::1. */
static void
in6_if_up(struct ifnet *ifp)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct nb_in6_addr a;

	if (s == NULL)
		return;
	memset(&a, 0, sizeof(a));
	if (ifp->if_type == IFT_LOOP) {
		a.s6_addr[15] = 1;
		if (in6_ifaddr_on(s, ifp, &a) == NULL)
			in6_addaddr(s, ifp, &a, 128, IN6_IFF_NODAD, ~0U, ~0U);
		a.s6_addr[0] = 0xfe, a.s6_addr[1] = 0x80;
		if (in6_ifaddr_on(s, ifp, &a) == NULL)	/* flags 0 (NetBSD's; no DAD on lo0) */
			in6_addaddr(s, ifp, &a, 64, 0, ~0U, ~0U);
		return;
	}
	if (ifp->if_type != IFT_ETHER || !s->i6_auto_linklocal || in6_linklocal(s, ifp, 0))
		return;
	a.s6_addr[0] = 0xfe, a.s6_addr[1] = 0x80;
	a.s6_addr[8] = ifp->if_lladdr[0] ^ 0x02;
	a.s6_addr[9] = ifp->if_lladdr[1];
	a.s6_addr[10] = ifp->if_lladdr[2];
	a.s6_addr[11] = 0xff;
	a.s6_addr[12] = 0xfe;
	a.s6_addr[13] = ifp->if_lladdr[3];
	a.s6_addr[14] = ifp->if_lladdr[4];
	a.s6_addr[15] = ifp->if_lladdr[5];
	in6_addaddr(s, ifp, &a, 64, 0, ~0U, ~0U);
}

static void
in6_ifdetach(struct ifnet *ifp)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct in6_multi **pp, *m;

	if (s == NULL)
		return;
	in6pcb_ifdetach(s, ifp);
	while (in6_deladdr(s, ifp, NULL) == 0)
		continue;
	for (pp = &s->i6_multi; (m = *pp) != NULL;)
		if (m->in6m_ifp == ifp) {
			*pp = m->in6m_next;
			kmem_free(s->i6_kern, m, sizeof(*m));
		} else
			pp = &m->in6m_next;
	nd6_ifdetach(s, ifp);
	rt6_ifdetach(s, ifp);
	mld6_ifdetach(s, ifp);
}

/* ---------------------------------------------------------------- timer */

static void
inet6_timeout(void *arg)
{
	struct inet6_state *s = arg;
	struct kern *k = s->i6_kern;
	struct ifs_enter ne;
	uint64_t now, next, n;

	if (atomic_load(&k->k_halted))
		return;
	if (ifs_enter_try(k, &ne) != 0) {
		hyp_timer_arm(&s->i6_timer, hyp_clock_mono() + 20000);
		return;
	}
	now = hyp_clock_mono();
	s->i6_timer_at = 0;
	next = nd6_timer(s, now);
	if ((n = frag6_timer(s, now)) != 0 && (next == 0 || n < next))
		next = n;
	if ((n = rt6_timer(s, now)) != 0 && (next == 0 || n < next))
		next = n;
	if ((n = in6_addr_timer(s, now)) != 0 && (next == 0 || n < next))
		next = n;
	if (next != 0)
		inet6_timer_want(s, next);
	ifs_leave_other(k, &ne);
}

void
inet6_timer_want(struct inet6_state *s, uint64_t at)
{
	uint64_t now = hyp_clock_mono();

	if (atomic_load(&s->i6_kern->k_halted))
		return;
	if (s->i6_timer_at != 0 && s->i6_timer_at <= at)
		return;
	s->i6_timer_at = at;
	hyp_timer_arm(&s->i6_timer, at > now ? at : now);
}

/* ---------------------------------------------------------------- sysctl */

static int
inet6_sysctl(struct lwp *l, const int *name, unsigned namelen, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct inet6_state *s = inet6_state(l->l_kern);
	struct ifnet_state *ns = s->i6_ns;
	int *v = NULL, lo = 0, hi = 1, error, pmin, pmax;

	if (namelen < 2)
		return EISDIR;
	if (namelen != 2)
		return ENOENT;
	if (name[0] == IPPROTO_IPV6) {
		switch (name[1]) {
		case IPV6CTL_FORWARDING:	v = &s->i6_forwarding; break;
		case IPV6CTL_SENDREDIRECTS:	v = &s->i6_sendredirects; break;
		case IPV6CTL_DEFHLIM:		v = &s->i6_hlim, lo = 1, hi = 255; break;
		case IPV6CTL_MAXFRAGPACKETS:	v = &s->i6_maxfragpackets, lo = -1, hi = 100000; break;
		case IPV6CTL_ACCEPT_RTADV:	v = &s->i6_accept_rtadv; break;
		case IPV6CTL_HDRNESTLIMIT:	v = &s->i6_hdrnestlimit, lo = 0, hi = 1000; break;
		case IPV6CTL_DAD_COUNT:		v = &s->i6_dad_count, lo = 0, hi = 15; break;
		case IPV6CTL_DEFMCASTHLIM:	v = &s->i6_mcasthlim, lo = 0, hi = 255; break;
		case IPV6CTL_V6ONLY:		v = &s->i6_v6only; break;
		case IPV6CTL_AUTO_LINKLOCAL:	v = &s->i6_auto_linklocal; break;
		case IPV6CTL_MAXFRAGS:		v = &s->i6_maxfrags, lo = -1, hi = 1000000; break;
		case IPV6CTL_ANONPORTMIN:
		case IPV6CTL_ANONPORTMAX:
			ifs_lock(ns);
			pmin = s->i6_anonportmin, pmax = s->i6_anonportmax;
			error = in_sysctl_int(name[1] == IPV6CTL_ANONPORTMIN ? &pmin : &pmax,
			    1024, 65535, oldp, oldlenp, newp, newlen);
			if (error == 0 && pmin >= pmax)
				error = EINVAL;
			if (error == 0)
				s->i6_anonportmin = pmin, s->i6_anonportmax = pmax;
			ifs_unlock(ns);
			return error;
		default:
			return ENOENT;
		}
	} else if (name[0] == IPPROTO_ICMPV6) {
		switch (name[1]) {
		case ICMPV6CTL_REDIRACCEPT:	v = &s->i6_rediraccept; break;
		case ICMPV6CTL_ND6_DELAY:	v = &s->i6_nd_delay, lo = 0, hi = 3600; break;
		case ICMPV6CTL_ND6_UMAXTRIES:	v = &s->i6_nd_umaxtries, lo = 0, hi = 100; break;
		case ICMPV6CTL_ND6_MMAXTRIES:	v = &s->i6_nd_mmaxtries, lo = 0, hi = 100; break;
		case ICMPV6CTL_ERRPPSLIMIT:	v = &s->i6_errppslimit, lo = -1, hi = 1000000; break;
		default:
			return ENOENT;
		}
	} else
		return ENOENT;
	ifs_lock(ns);
	error = in_sysctl_int(v, lo, hi, oldp, oldlenp, newp, newlen);
	ifs_unlock(ns);
	return error;
}

/* ---------------------------------------------------------------- component */

static void ip6_input_hook(struct ifnet *ifp, struct pkt *p) { ip6_input(ifp, p); }

static void
netinet6_hooks(struct ifnet_state *ns, struct inet6_state *s)
{
	ns->ns_ip6_input = s ? ip6_input_hook : NULL;
	ns->ns_if_detach6 = s ? in6_ifdetach : NULL;
	ns->ns_if_up6 = s ? in6_if_up : NULL;
	ns->ns_in6_control = s ? in6_control : NULL;
	ns->ns_inet6_sysctl = s ? inet6_sysctl : NULL;
	ns->ns_ether_mcast = s ? in6_ether_mcast : NULL;
	ns->ns_rt6_request = s ? rt6_request : NULL;
	ns->ns_rt6_list = s ? rt6_list : NULL;
	ns->ns_in6_ifconf = s ? in6_ifconf : NULL;
	if (s != NULL)
		tcp6_init(s);
	else
		tcp6_hooks_off(ns);
	if (s == NULL)
		ns->ns_udp6_mapped = NULL, ns->ns_udp6_inuse4 = NULL;	/* in6_domain_add */
	ns->ns_inet6 = s;
}

static int
netinet6_init(struct kern *k)
{
	struct ifnet_state *ns = ifstate(k);
	struct inet6_state *s = kmem_zalloc(k, sizeof(*s));
	struct kern *kk = k;
	uint64_t mem = kk->k_mem_limit ? kk->k_mem_limit : 64ULL << 20;
	uint64_t n = mem / 4 / (PKT_STDSIZE + sizeof(struct pkt));
	struct ifnet *ifp;
	int error;

	if (s == NULL)
		return ENOMEM;
	s->i6_ns = ns;
	s->i6_kern = k;
	/* NetBSD's defaults */
	s->i6_forwarding = 0;
	s->i6_sendredirects = 1;
	s->i6_hlim = 64;
	s->i6_maxfragpackets = 200;
	s->i6_maxfrags = n > 4096 ? 4096 : (int)n;
	s->i6_accept_rtadv = 0;
	s->i6_hdrnestlimit = 50;
	s->i6_dad_count = 1;
	s->i6_mcasthlim = 1;
	s->i6_v6only = 1;
	s->i6_anonportmin = 49152;
	s->i6_anonportmax = 65535;
	s->i6_auto_linklocal = 1;
	s->i6_rediraccept = 1;
	s->i6_nd_delay = 5;
	s->i6_nd_umaxtries = 3;
	s->i6_nd_mmaxtries = 3;
	s->i6_errppslimit = 100;
	s->i6_reachable_ns = 30ULL * 1000000000;
	s->i6_retrans_ns = 1000000000ULL;
	s->i6_gc_ns = 86400ULL * 1000000000;
	s->i6_frag_ttl_ns = 60ULL * 1000000000;
	s->i6_fragid = kern_random32(k);
	hyp_timer_init(&s->i6_timer, inet6_timeout, s);
	kern_priv_set(k, COMP_NET_NETINET6, s);
	ifs_lock(ns);
	netinet6_hooks(ns, s);
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		if (ifp->if_flags & IFF_UP)
			in6_if_up(ifp);
	ifs_unlock(ns);
	if ((error = in6_domain_add(k)) != 0) {
		ifs_lock(ns);
		for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
			in6_ifdetach(ifp);
		netinet6_hooks(ns, NULL);
		ifs_unlock(ns);
		do
			hyp_timer_disarm(&s->i6_timer);
		while (hyp_timer_pending(&s->i6_timer));
		kern_priv_set(k, COMP_NET_NETINET6, NULL);
		kmem_free(k, s, sizeof(*s));
	}
	return error;
}

static void
netinet6_fini(struct kern *k)
{
	struct inet6_state *s = inet6_state(k);
	struct ifnet_state *ns = s->i6_ns;
	struct ifnet *ifp;

	net_gc(k);
	ifs_lock(ns);
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		in6_ifdetach(ifp);
	frag6_flush(s);
	while (s->i6_tcpopts != NULL)
		in6p_optfree(s, s->i6_tcpopts);
	rt6_ifdetach(s, NULL);
	netinet6_hooks(ns, NULL);
	mld6_ifdetach(s, NULL);
	ifs_unlock(ns);
	do
		hyp_timer_disarm(&s->i6_timer);
	while (hyp_timer_pending(&s->i6_timer));
	kern_priv_set(k, COMP_NET_NETINET6, NULL);
	kmem_free(k, s, sizeof(*s));
}

static const struct kern_component netinet6_component = {
	.name = "net.netinet6", .id = COMP_NET_NETINET6, .deps = { "net.netinet", NULL },
	.init = netinet6_init, .fini = netinet6_fini,
};
KERN_COMPONENT(netinet6_component);
