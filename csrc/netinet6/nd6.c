/*
 * nd6.c: Neighbor Discovery (RFC 4861), duplicate address detection (RFC 4862) and the
 * MLDv1 listener side (RFC 2710) for the groups ND needs.
 *
 * Neighbour cache: an entry goes INCOMPLETE (multicast solicitations every retrans
 * interval, net.inet6.icmp6.nd6_mmaxtries of them, then it goes and the held packets
 * get "address unreachable") -> REACHABLE (a solicited advertisement; for reachable
 * time, 30 s) -> STALE (time ran out, or unsolicited news; kept for the garbage
 * collection time, NetBSD's nd6_gctimer, one day) -> DELAY (a packet was sent to a stale
 * entry; nd6_delay, 5 s) -> PROBE (unicast solicitations, nd6_umaxtries, then it goes).
 * All deadlines are on the kernel clock (hyp_clock_mono), so under the virtual clock
 * they pass when the test advances it.
 *
 * DAD: a new address is tentative (IN6_IFF_TENTATIVE) while dad_count solicitations
 * from :: go out a retrans interval apart; a solicitation from :: or an advertisement
 * for it from another node meanwhile marks it IN6_IFF_DUPLICATED, as NetBSD's
 * nd6_dad_duplicated.  Tentative and duplicated addresses are not used as a source,
 * take no traffic and cannot be bound (EADDRNOTAVAIL).
 *
 * Every ND message is validated as RFC 4861 says before it changes anything: hop limit
 * 255 (it came from the link), code 0, its length, option lengths (none zero, none past
 * the end), no multicast target, a solicitation from :: only to a solicited-node group
 * and without a link-layer option.  Forged messages from the bus can at worst fill the
 * cache up to its bound (ND6_MAXENTRIES, then stale entries make room).
 */
#include "netinet6/in6_var.h"

#define ND6_MAXENTRIES	4096
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define ND_OPT_PREFIX	3
#define ND_OPT_REDIRECTED 4
#define ND_OPT_MTU	5
#define ND_NA_ROUTER	0x80
#define ND_NA_SOLICITED	0x40
#define ND_NA_OVERRIDE	0x20
#define REDIRECT_EXPIRE_NS	(600ULL * 1000000000)

static const uint8_t *
nd6_opt_lla(const uint8_t *opts, int len, int type, int *bad)
{
	const uint8_t *found = NULL;
	int i = 0;

	*bad = 0;
	while (i < len) {
		int olen;
		if (i + 2 > len || opts[i + 1] == 0 || i + opts[i + 1] * 8 > len) {
			*bad = 1;
			return NULL;
		}
		olen = opts[i + 1] * 8;
		if (opts[i] == type && olen >= 8 && found == NULL)
			found = opts + i + 2;
		i += olen;
	}
	return found;
}

/* ---------------------------------------------------------------- cache */

struct nd6_entry *
nd6_lookup(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct nd6_entry *ln;

	for (ln = s->i6_nd; ln != NULL; ln = ln->ln_next)
		if (ln->ln_ifp == ifp && in6_eq(&ln->ln_addr, a))
			return ln;
	return NULL;
}

static void
nd6_free_entry(struct inet6_state *s, struct nd6_entry *ln, int unreach)
{
	struct nd6_entry **pp;
	struct pkt *p;

	for (pp = &s->i6_nd; *pp != NULL; pp = &(*pp)->ln_next)
		if (*pp == ln) {
			*pp = ln->ln_next;
			break;
		}
	s->i6_nnd--;
	while ((p = ln->ln_hold) != NULL) {
		ln->ln_hold = p->p_next;
		p->p_next = NULL;
		if (unreach)
			icmp6_error(s, p, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
		pkt_free(p);
	}
	kmem_free(s->i6_kern, ln, sizeof(*ln));
}

static struct nd6_entry *
nd6_create(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct nd6_entry *ln, *victim = NULL;

	if (s->i6_nnd >= ND6_MAXENTRIES) {
		for (ln = s->i6_nd; ln != NULL; ln = ln->ln_next)
			if (ln->ln_state == ND6_LLINFO_STALE ||
			    ln->ln_state == ND6_LLINFO_INCOMPLETE)
				victim = ln;	/* the oldest such (newest first) */
		if (victim == NULL)
			return NULL;
		nd6_free_entry(s, victim, 0);
	}
	if ((ln = kmem_zalloc(s->i6_kern, sizeof(*ln))) == NULL)
		return NULL;
	ln->ln_ifp = ifp;
	ln->ln_addr = *a;
	ln->ln_state = ND6_LLINFO_NOSTATE;
	ln->ln_next = s->i6_nd;
	s->i6_nd = ln;
	s->i6_nnd++;
	return ln;
}

static void
nd6_set_state(struct inet6_state *s, struct nd6_entry *ln, int state, uint64_t dt)
{
	ln->ln_state = state;
	ln->ln_expire = hyp_clock_mono() + dt;
	inet6_timer_want(s, ln->ln_expire);
}

static uint64_t
nd6_reachable(struct inet6_state *s)
{
	/* RFC 4861 6.3.2: a random value between 0.5 and 1.5 times the base */
	return s->i6_reachable_ns / 2 +
	    (uint64_t)(kern_random32(s->i6_kern) % 1000) * (s->i6_reachable_ns / 1000);
}

static void
nd6_send_held(struct inet6_state *s, struct nd6_entry *ln)
{
	struct pkt *p;

	(void)s;
	while ((p = ln->ln_hold) != NULL) {
		ln->ln_hold = p->p_next;
		p->p_next = NULL;
		ln->ln_nhold--;
		ether_output_frame(ln->ln_ifp, p, ln->ln_mac, 0x86dd);
	}
	ln->ln_nhold = 0;
}

void
nd6_purge_addr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
{
	struct nd6_entry *ln = nd6_lookup(s, ifp, a);

	if (ln != NULL)
		nd6_free_entry(s, ln, 0);
}

void
nd6_ifdetach(struct inet6_state *s, struct ifnet *ifp)
{
	struct nd6_entry *ln, *next;

	for (ln = s->i6_nd; ln != NULL; ln = next) {
		next = ln->ln_next;
		if (ln->ln_ifp == ifp)
			nd6_free_entry(s, ln, 0);
	}
}

/* ---------------------------------------------------------------- messages out */

static void
nd6_send(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *src, const struct nb_in6_addr *dst)
{
	uint8_t *ic = pkt_data(p);
	uint16_t sum = in6_cksum(src, dst, IPPROTO_ICMPV6, ic, p->p_len);

	memcpy(ic + 2, &sum, 2);
	ip6_output(s, p, src, dst, ifp, IPPROTO_ICMPV6, 255, -1,
	    IP6OUT_NOLOOP | (in6_is_unspec(src) ? IP6OUT_UNSPECSRC : 0));
}

/* A neighbour solicitation for target: to dst (NULL: its solicited-node group), from
 * :: without a link-layer option when dad. */
static void
nd6_ns_output(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *target,
    const struct nb_in6_addr *dst, int dad)
{
	struct nb_in6_addr src, sn;
	struct pkt *p;
	uint8_t *ic;
	size_t len = dad ? 24 : 32;

	memset(&src, 0, sizeof(src));
	if (!dad && in6_selectsrc(s, target, ifp, &src) != 0)
		return;			/* no usable address yet */
	if (dst == NULL) {
		in6_solicited(target, &sn);
		dst = &sn;
	}
	if ((p = pkt_alloc(s->i6_kern, len, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	memset(ic, 0, len);
	ic[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(ic + 8, target, 16);
	if (!dad) {
		ic[24] = ND_OPT_SLLA;
		ic[25] = 1;
		memcpy(ic + 26, ifp->if_lladdr, 6);
	}
	nd6_send(s, ifp, p, &src, dst);
}

static void
nd6_na_output(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *dst,
    const struct nb_in6_addr *target, int flags)
{
	struct pkt *p;
	uint8_t *ic;

	if ((p = pkt_alloc(s->i6_kern, 32, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	memset(ic, 0, 32);
	ic[0] = ND_NEIGHBOR_ADVERT;
	ic[4] = (uint8_t)flags;
	memcpy(ic + 8, target, 16);
	ic[24] = ND_OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, ifp->if_lladdr, 6);
	nd6_send(s, ifp, p, target, dst);
}

/* ---------------------------------------------------------------- output */

int
nd6_output(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *nexthop)
{
	struct nd6_entry *ln;
	uint8_t mac[6];
	uint64_t now;

	if (in6_is_mcast(nexthop)) {
		mac[0] = 0x33, mac[1] = 0x33;
		memcpy(mac + 2, nexthop->s6_addr + 12, 4);
		return ether_output_frame(ifp, p, mac, 0x86dd);
	}
	if ((ln = nd6_lookup(s, ifp, nexthop)) == NULL) {
		if ((ln = nd6_create(s, ifp, nexthop)) == NULL) {
			pkt_free(p);
			return ENOBUFS;
		}
	}
	now = hyp_clock_mono();
	switch (ln->ln_state) {
	case ND6_LLINFO_NOSTATE:
		ln->ln_asked = 0;
		nd6_set_state(s, ln, ND6_LLINFO_INCOMPLETE, s->i6_retrans_ns);
		/* FALLTHROUGH */
	case ND6_LLINFO_INCOMPLETE:
		if (ln->ln_nhold >= ND6_MAXHOLD) {	/* the oldest goes */
			struct pkt *o = ln->ln_hold;
			ln->ln_hold = o->p_next;
			ln->ln_nhold--;
			pkt_free(o);
			s->i6_stat.ip6s_odropped++;
		}
		p->p_next = NULL;
		{
			struct pkt **pp = &ln->ln_hold;
			while (*pp != NULL)
				pp = &(*pp)->p_next;
			*pp = p;
		}
		ln->ln_nhold++;
		if (ln->ln_asked == 0) {
			ln->ln_asked = 1;
			nd6_ns_output(s, ifp, nexthop, NULL, 0);
		}
		return 0;
	case ND6_LLINFO_REACHABLE:
		if (ln->ln_expire <= now)
			nd6_set_state(s, ln, ND6_LLINFO_STALE, s->i6_gc_ns);
		else
			break;
		/* FALLTHROUGH */
	case ND6_LLINFO_STALE:
		ln->ln_asked = 0;
		nd6_set_state(s, ln, ND6_LLINFO_DELAY, (uint64_t)s->i6_nd_delay * 1000000000);
		break;
	}
	return ether_output_frame(ifp, p, ln->ln_mac, 0x86dd);
}

/* ---------------------------------------------------------------- timer */

static void
dad_timer(struct inet6_state *s, uint64_t now, uint64_t *next)
{
	struct in6_ifaddr *ia;

	for (ia = s->i6_addrs; ia != NULL; ia = ia->ia6_next) {
		if (ia->ia6_dadat == 0)
			continue;
		if (!(ia->ia6_flags & IN6_IFF_TENTATIVE)) {
			ia->ia6_dadat = 0;
			continue;
		}
		if (ia->ia6_dadat > now) {
			if (*next == 0 || ia->ia6_dadat < *next)
				*next = ia->ia6_dadat;
			continue;
		}
		if (ia->ia6_dadsent >= s->i6_dad_count) {
			ia->ia6_flags &= ~IN6_IFF_TENTATIVE;	/* no one objected */
			ia->ia6_dadat = 0;
			continue;
		}
		if (ia->ia6_ifp->if_flags & IFF_UP) {
			ia->ia6_dadsent++;
			nd6_ns_output(s, ia->ia6_ifp, &ia->ia6_addr, NULL, 1);
		}
		ia->ia6_dadat = now + s->i6_retrans_ns;
		if (*next == 0 || ia->ia6_dadat < *next)
			*next = ia->ia6_dadat;
	}
}

void
nd6_dad_start(struct inet6_state *s, struct in6_ifaddr *ia)
{
	ia->ia6_dadsent = 0;
	ia->ia6_dadat = hyp_clock_mono();
	inet6_timer_want(s, ia->ia6_dadat);
}

static void
nd6_dad_duplicated(struct inet6_state *s, struct in6_ifaddr *ia)
{
	ia->ia6_flags = (ia->ia6_flags & ~IN6_IFF_TENTATIVE) | IN6_IFF_DUPLICATED;
	ia->ia6_dadat = 0;
	s->i6_stat.nd6s_dupdetected++;
}

static void mld6_v2_timer(struct inet6_state *s, uint64_t now, uint64_t *next);

static void
mld6_timer(struct inet6_state *s, uint64_t now, uint64_t *next)
{
	struct in6_multi *m;

	mld6_v2_timer(s, now, next);

	for (m = s->i6_multi; m != NULL; m = m->in6m_next) {
		if (m->in6m_reportat == 0)
			continue;
		if (m->in6m_reportat <= now) {
			m->in6m_reportat = 0;
			mld6_report(s, m, MLD6_RESPONSE);
		} else if (*next == 0 || m->in6m_reportat < *next)
			*next = m->in6m_reportat;
	}
}

uint64_t
nd6_timer(struct inet6_state *s, uint64_t now)
{
	struct nd6_entry *ln, *nx;
	uint64_t next = 0;

	for (ln = s->i6_nd; ln != NULL; ln = nx) {
		nx = ln->ln_next;
		if (ln->ln_expire > now || ln->ln_state == ND6_LLINFO_NOSTATE) {
			if (ln->ln_state != ND6_LLINFO_NOSTATE &&
			    (next == 0 || ln->ln_expire < next))
				next = ln->ln_expire;
			continue;
		}
		switch (ln->ln_state) {
		case ND6_LLINFO_INCOMPLETE:
			if (ln->ln_asked < s->i6_nd_mmaxtries) {
				ln->ln_asked++;
				ln->ln_expire = now + s->i6_retrans_ns;
				nd6_ns_output(s, ln->ln_ifp, &ln->ln_addr, NULL, 0);
			} else {
				nd6_free_entry(s, ln, 1);
				nx = s->i6_nd;	/* an error may have changed the list */
				continue;
			}
			break;
		case ND6_LLINFO_REACHABLE:
			ln->ln_state = ND6_LLINFO_STALE;
			ln->ln_expire = now + s->i6_gc_ns;
			break;
		case ND6_LLINFO_STALE:
			nd6_free_entry(s, ln, 0);
			continue;
		case ND6_LLINFO_DELAY:
			ln->ln_state = ND6_LLINFO_PROBE;
			ln->ln_asked = 1;
			ln->ln_expire = now + s->i6_retrans_ns;
			nd6_ns_output(s, ln->ln_ifp, &ln->ln_addr, &ln->ln_addr, 0);
			break;
		case ND6_LLINFO_PROBE:
			if (ln->ln_asked < s->i6_nd_umaxtries) {
				ln->ln_asked++;
				ln->ln_expire = now + s->i6_retrans_ns;
				nd6_ns_output(s, ln->ln_ifp, &ln->ln_addr, &ln->ln_addr, 0);
			} else {
				nd6_free_entry(s, ln, 0);
				nx = s->i6_nd;
				continue;
			}
			break;
		}
		if (next == 0 || ln->ln_expire < next)
			next = ln->ln_expire;
	}
	dad_timer(s, now, &next);
	mld6_timer(s, now, &next);
	return next;
}

/* ---------------------------------------------------------------- messages in */

/* The link-layer address lla (6 bytes) of neighbour a on ifp, learnt from an
 * unsolicited message: a new entry or a changed address goes STALE. */
static struct nd6_entry *
nd6_cache_lladdr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a,
    const uint8_t *lla, int router)
{
	struct nd6_entry *ln = nd6_lookup(s, ifp, a);
	int changed;

	if (ln == NULL && (ln = nd6_create(s, ifp, a)) == NULL)
		return NULL;
	changed = ln->ln_state == ND6_LLINFO_NOSTATE ||
	    ln->ln_state == ND6_LLINFO_INCOMPLETE || memcmp(ln->ln_mac, lla, 6) != 0;
	if (changed) {
		memcpy(ln->ln_mac, lla, 6);
		ln->ln_asked = 0;
		nd6_set_state(s, ln, ND6_LLINFO_STALE, s->i6_gc_ns);
		nd6_send_held(s, ln);
	}
	if (router)
		ln->ln_router = 1;
	return ln;
}

void
nd6_ns_input(struct ifnet *ifp, struct pkt *p, int off, int len)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	struct nb_in6_addr src, dst, target, sn;
	struct in6_ifaddr *ia;
	const uint8_t *lla;
	int bad;

	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	if (ip6[7] != 255 || ic[1] != 0 || len < 24 || ifp->if_type != IFT_ETHER)
		goto bad;
	memcpy(&target, ic + 8, 16);
	if (in6_is_mcast(&target))
		goto bad;
	lla = nd6_opt_lla(ic + 24, len - 24, ND_OPT_SLLA, &bad);
	if (bad)
		goto bad;
	if (in6_is_unspec(&src)) {
		in6_solicited(&target, &sn);
		if (!in6_eq(&dst, &sn) || lla != NULL)
			goto bad;
	}
	if ((ia = in6_ifaddr_on(s, ifp, &target)) == NULL)
		return;			/* not for us (no proxy ND) */
	if (ia->ia6_flags & IN6_IFF_DUPLICATED)
		return;
	if (ia->ia6_flags & IN6_IFF_TENTATIVE) {
		/* RFC 4862 5.4.3: another node's DAD for our tentative address */
		if (in6_is_unspec(&src))
			nd6_dad_duplicated(s, ia);
		return;
	}
	if (in6_is_unspec(&src)) {	/* someone's DAD for our address: defend it */
		nd6_na_output(s, ifp, &in6_allnodes, &target,
		    ND_NA_OVERRIDE | (s->i6_forwarding ? ND_NA_ROUTER : 0));
		return;
	}
	if (lla != NULL)
		nd6_cache_lladdr(s, ifp, &src, lla, 0);
	nd6_na_output(s, ifp, &src, &target, ND_NA_SOLICITED | ND_NA_OVERRIDE |
	    (s->i6_forwarding ? ND_NA_ROUTER : 0));
	return;
bad:
	s->i6_stat.icp6s_badns++;
}

void
nd6_na_input(struct ifnet *ifp, struct pkt *p, int off, int len)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	struct nb_in6_addr dst, target;
	struct in6_ifaddr *ia;
	struct nd6_entry *ln;
	const uint8_t *lla;
	int bad, flags, changed;

	memcpy(&dst, ip6 + 24, 16);
	if (ip6[7] != 255 || ic[1] != 0 || len < 24 || ifp->if_type != IFT_ETHER)
		goto bad;
	flags = ic[4];
	memcpy(&target, ic + 8, 16);
	if (in6_is_mcast(&target) || (in6_is_mcast(&dst) && (flags & ND_NA_SOLICITED)))
		goto bad;
	lla = nd6_opt_lla(ic + 24, len - 24, ND_OPT_TLLA, &bad);
	if (bad)
		goto bad;
	if ((ia = in6_ifaddr_on(s, ifp, &target)) != NULL) {
		if (ia->ia6_flags & IN6_IFF_TENTATIVE)
			nd6_dad_duplicated(s, ia);	/* someone has it already */
		else
			s->i6_stat.nd6s_dupdetected++;	/* someone claims ours */
		return;
	}
	if ((ln = nd6_lookup(s, ifp, &target)) == NULL)
		return;			/* unsolicited news about a stranger: ignored */
	if (ln->ln_state == ND6_LLINFO_INCOMPLETE || ln->ln_state == ND6_LLINFO_NOSTATE) {
		if (lla == NULL)
			return;
		memcpy(ln->ln_mac, lla, 6);
		ln->ln_asked = 0;
		if (flags & ND_NA_SOLICITED)
			nd6_set_state(s, ln, ND6_LLINFO_REACHABLE, nd6_reachable(s));
		else
			nd6_set_state(s, ln, ND6_LLINFO_STALE, s->i6_gc_ns);
		ln->ln_router = (flags & ND_NA_ROUTER) != 0;
		nd6_send_held(s, ln);
		return;
	}
	changed = lla != NULL && memcmp(ln->ln_mac, lla, 6) != 0;
	if (!(flags & ND_NA_OVERRIDE) && changed) {
		if (ln->ln_state == ND6_LLINFO_REACHABLE)
			nd6_set_state(s, ln, ND6_LLINFO_STALE, s->i6_gc_ns);
		return;
	}
	if (changed)
		memcpy(ln->ln_mac, lla, 6);
	if (flags & ND_NA_SOLICITED) {
		ln->ln_asked = 0;
		nd6_set_state(s, ln, ND6_LLINFO_REACHABLE, nd6_reachable(s));
	} else if (changed)
		nd6_set_state(s, ln, ND6_LLINFO_STALE, s->i6_gc_ns);
	if (ln->ln_router && !(flags & ND_NA_ROUTER)) {
		/* no longer a router: default routes through it go (RFC 4861 7.2.5) */
		static const struct nb_in6_addr any;
		struct rt6entry *rt = rt6_lookup(s, &any, NULL);
		if (rt != NULL && rt->rt6_plen == 0 && in6_eq(&rt->rt6_gw, &target) &&
		    rt->rt6_ifp == ifp && rt->rt6_expire != 0)
			rt6_delete(s, &any, 0, ifp);
	}
	ln->ln_router = (flags & ND_NA_ROUTER) != 0;
	return;
bad:
	s->i6_stat.icp6s_badna++;
}

/* Router advertisements (RFC 4861 6.3.4) when net.inet6.ip6.accept_rtadv is on and we
 * do not forward: the default router, on-link prefixes, and SLAAC (RFC 4862 5.5.3)
 * addresses from prefixes with the autonomous flag. */
void
nd6_ra_input(struct ifnet *ifp, struct pkt *p, int off, int len)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	static const struct nb_in6_addr any;
	struct nb_in6_addr src;
	struct rt6entry *rt;
	const uint8_t *lla;
	uint16_t rlife;
	uint32_t v;
	int bad, i;

	memcpy(&src, ip6 + 8, 16);
	if (ip6[7] != 255 || ic[1] != 0 || len < 16 || !in6_is_linklocal(&src) ||
	    ifp->if_type != IFT_ETHER) {
		s->i6_stat.icp6s_badra++;
		return;
	}
	lla = nd6_opt_lla(ic + 16, len - 16, ND_OPT_SLLA, &bad);
	if (bad) {
		s->i6_stat.icp6s_badra++;
		return;
	}
	if (!s->i6_accept_rtadv || s->i6_forwarding)
		return;
	if (lla != NULL)
		nd6_cache_lladdr(s, ifp, &src, lla, 1);
	memcpy(&v, ic + 8, 4);
	if ((v = ntohl_(v)) != 0 && v <= 3600000)
		s->i6_reachable_ns = (uint64_t)v * 1000000;
	memcpy(&v, ic + 12, 4);
	if ((v = ntohl_(v)) != 0 && v <= 3600000)
		s->i6_retrans_ns = (uint64_t)v * 1000000;
	rlife = (uint16_t)(ic[6] << 8 | ic[7]);
	rt = NULL;
	i = rt6_add(s, &any, 0, &src, RTF_GATEWAY | RTF_DYNAMIC, ifp, &rt);
	if (i == EEXIST && (rt->rt6_expire == 0 || !in6_eq(&rt->rt6_gw, &src)))
		rt = NULL;	/* a static default route wins */
	else if (i == 0 && rlife != 0)
		rt6_announce(s, RTM_ADD, rt);
	if (rt != NULL) {
		if (rlife == 0) {
			if (i != 0)	/* one we announced */
				rt6_announce(s, RTM_DELETE, rt);
			rt6_delete(s, &any, 0, ifp);
		} else {
			rt->rt6_expire = hyp_clock_mono() + (uint64_t)rlife * 1000000000;
			rt6_changed(s);
			inet6_timer_want(s, rt->rt6_expire);
		}
	}
	for (i = 16; i + 2 <= len; i += ic[i + 1] * 8) {
		uint8_t *o = ic + i;
		struct nb_in6_addr pfx, a;
		struct in6_ifaddr *ll, *ia;
		uint32_t vl, pl;
		int plen;

		if (o[1] == 0)
			break;
		if (o[0] != ND_OPT_PREFIX || o[1] != 4 || i + 32 > len)
			continue;
		plen = o[2];
		memcpy(&vl, o + 4, 4), vl = ntohl_(vl);
		memcpy(&pl, o + 8, 4), pl = ntohl_(pl);
		memcpy(&pfx, o + 16, 16);
		if (plen > 128 || in6_is_linklocal(&pfx) || in6_is_mcast(&pfx) || pl > vl)
			continue;
		if (o[3] & 0x80) {		/* on-link */
			struct rt6entry *pr = NULL;
			int e = rt6_add(s, &pfx, plen, NULL, RTF_DYNAMIC, ifp, &pr);
			if (pr != NULL && (e == 0 || pr->rt6_expire != 0)) {
				if (vl == 0)
					rt6_delete(s, &pfx, plen, ifp);
				else if (vl != ~0U) {
					pr->rt6_expire = hyp_clock_mono() + (uint64_t)vl * 1000000000;
					rt6_changed(s);
					inet6_timer_want(s, pr->rt6_expire);
				} else {
					pr->rt6_expire = 0;
					rt6_changed(s);
				}
			}
		}
		if (!(o[3] & 0x40) || plen != 64 || vl == 0)
			continue;		/* autonomous /64 prefixes only */
		if ((ll = in6_linklocal(s, ifp, 0)) == NULL)
			continue;
		a = pfx;
		memcpy(a.s6_addr + 8, ll->ia6_addr.s6_addr + 8, 8);
		if ((ia = in6_ifaddr_on(s, ifp, &a)) != NULL) {
			if (!(ia->ia6_flags & IN6_IFF_AUTOCONF))
				continue;
			/* RFC 4862 5.5.3 e: the two-hour rule against shortening */
			{
				uint64_t now = hyp_clock_mono(), left = 0;
				if (ia->ia6_vltime != ~0U &&
				    ia->ia6_created + (uint64_t)ia->ia6_vltime * 1000000000 > now)
					left = (ia->ia6_created + (uint64_t)ia->ia6_vltime *
					    1000000000 - now) / 1000000000;
				if (vl > 7200 || (ia->ia6_vltime != ~0U && vl > left))
					;
				else if (left <= 7200)
					continue;
				else
					vl = 7200;
				ia->ia6_created = now;
				ia->ia6_vltime = vl;
				ia->ia6_pltime = pl;
				ia->ia6_flags &= ~IN6_IFF_DEPRECATED;
				if (vl != ~0U)
					inet6_timer_want(s, now + (uint64_t)vl * 1000000000);
			}
			continue;
		}
		if (in6_addaddr(s, ifp, &a, 64, IN6_IFF_AUTOCONF, vl, pl) == 0 && vl != ~0U)
			inet6_timer_want(s, hyp_clock_mono() + (uint64_t)vl * 1000000000);
	}
}

void
nd6_redirect_input(struct ifnet *ifp, struct pkt *p, int off, int len)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	struct nb_in6_addr src, target, dst;
	struct rt6entry *rt, *h = NULL;
	const uint8_t *lla;
	int bad, onlink, e;

	memcpy(&src, ip6 + 8, 16);
	if (ip6[7] != 255 || ic[1] != 0 || len < 40 || !in6_is_linklocal(&src) ||
	    ifp->if_type != IFT_ETHER)
		goto bad;
	memcpy(&target, ic + 8, 16);
	memcpy(&dst, ic + 24, 16);
	onlink = in6_eq(&target, &dst);
	if (in6_is_mcast(&dst) || (!onlink && !in6_is_linklocal(&target)))
		goto bad;
	lla = nd6_opt_lla(ic + 40, len - 40, ND_OPT_TLLA, &bad);
	if (bad)
		goto bad;
	if (!s->i6_rediraccept || s->i6_forwarding)
		return;
	/* only from the router we use for dst (RFC 4861 8.1) */
	rt = rt6_lookup(s, &dst, ifp);
	if (rt == NULL || !(rt->rt6_flags & RTF_GATEWAY) || !in6_eq(&rt->rt6_gw, &src) ||
	    rt->rt6_ifp != ifp)
		goto bad;
	if (lla != NULL)
		nd6_cache_lladdr(s, ifp, &target, lla, !onlink);
	if (rt->rt6_plen == 128 && in6_eq(&rt->rt6_dst, &dst))
		rt6_delete(s, &dst, 128, ifp);
	e = rt6_add(s, &dst, 128, onlink ? NULL : &target, RTF_DYNAMIC | RTF_MODIFIED,
	    ifp, &h);
	if (e == 0 && h != NULL) {
		h->rt6_expire = hyp_clock_mono() + REDIRECT_EXPIRE_NS;
		rt6_changed(s);
		inet6_timer_want(s, h->rt6_expire);
		rt6_announce(s, RTM_REDIRECT, h);
	}
	return;
bad:
	s->i6_stat.icp6s_badredirect++;
}

/* A redirect to the source of orig (which we forward back out of the link it came from):
 * target is the better first hop for its destination. */
void
nd6_redirect_output(struct inet6_state *s, struct pkt *orig, const struct nb_in6_addr *target)
{
	struct ifnet *ifp = orig->p_rcvif;
	const uint8_t *oip = pkt_data(orig);
	struct nb_in6_addr src, dst, me;
	struct in6_ifaddr *ll;
	struct nd6_entry *ln;
	size_t quote, len;
	struct pkt *p;
	uint8_t *ic;

	if (ifp == NULL || ifp->if_type != IFT_ETHER ||
	    (ll = in6_linklocal(s, ifp, 1)) == NULL)
		return;
	me = ll->ia6_addr;
	memcpy(&src, oip + 8, 16);
	memcpy(&dst, oip + 24, 16);
	if (!in6_eq(target, &dst) && !in6_is_linklocal(target))
		return;		/* a global next hop: its link-local address is unknown */
	ln = nd6_lookup(s, ifp, target);
	quote = orig->p_len;
	len = 40 + (ln != NULL ? 8 : 0) + 8;
	if (len + quote > IPV6_MMTU - IP6_HDRLEN)
		quote = (IPV6_MMTU - IP6_HDRLEN - len) & ~7U;
	quote &= ~(size_t)7;
	if ((p = pkt_alloc(s->i6_kern, len + quote, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	memset(ic, 0, len);
	ic[0] = ND_REDIRECT;
	memcpy(ic + 8, target, 16);
	memcpy(ic + 24, &dst, 16);
	len = 40;
	if (ln != NULL && ln->ln_state != ND6_LLINFO_INCOMPLETE) {
		ic[len] = ND_OPT_TLLA;
		ic[len + 1] = 1;
		memcpy(ic + len + 2, ln->ln_mac, 6);
		len += 8;
	}
	ic[len] = ND_OPT_REDIRECTED;
	ic[len + 1] = (uint8_t)(1 + quote / 8);
	memcpy(ic + len + 8, oip, quote);
	p->p_len = (uint32_t)(len + 8 + quote);
	nd6_send(s, ifp, p, &me, &src);
}

/* ---------------------------------------------------------------- MLD */

/*
 * MLD: version 1 (RFC 2710, NetBSD's mld6) until a querier speaks MLDv2 on the link, then
 * version 2 (RFC 3810) while no MLDv1 querier was heard within the Older Version Querier
 * Present Timeout (robustness x query interval + response time of the last v2 query).
 * In v2: a join sends CHANGE_TO_EXCLUDE {} and a leave CHANGE_TO_INCLUDE {},
 * robustness-variable times a random part of 1 s apart; a general query is answered
 * after a random part of its maximum response delay by one report with MODE_IS_EXCLUDE
 * {} for every group of the interface; a group-specific query by MODE_IS_EXCLUDE {};
 * a group-and-source-specific one by MODE_IS_INCLUDE of the sources asked about (no
 * socket option sets source filters in NetBSD: every group is EXCLUDE {}).  Reports go to
 * ff02::16 with hop limit 1 and the Router Alert option.
 */
#define MLD_UNSOL_NS	1000000000ULL
enum { MLD_IS_IN = 1, MLD_IS_EX, MLD_TO_IN, MLD_TO_EX };

static struct mld6_v2if **
mld6_v2find(struct inet6_state *s, struct ifnet *ifp)
{
	struct mld6_v2if **pp;

	for (pp = &s->i6_mldv2; *pp != NULL; pp = &(*pp)->v_next)
		if ((*pp)->v_ifp == ifp)
			return pp;
	return NULL;
}

static int
mld6_version(struct inet6_state *s, struct ifnet *ifp)
{
	struct mld6_v2if **vp = mld6_v2find(s, ifp);

	if (vp == NULL)
		return 1;
	if ((*vp)->v_v1_until != 0) {
		if ((*vp)->v_v1_until > hyp_clock_mono())
			return 1;
		(*vp)->v_v1_until = 0;
	}
	return 2;
}

static uint64_t
mld6_delay(struct inet6_state *s, uint64_t max)
{
	return hyp_clock_mono() + (max != 0 ? (uint64_t)kern_random32(s->i6_kern) *
	    (max / 1000) / 4294967296ULL * 1000 : 0);
}

static int
mld6_reported(const struct in6_multi *m)
{
	return !in6_eq(&m->in6m_addr, &in6_allnodes) && (m->in6m_addr.s6_addr[1] & 0x0f) > 1;
}

struct mld6_rec {
	int type;
	const struct nb_in6_addr *group;
	int nsrcs;
	const struct nb_in6_addr *srcs;
};

/* One MLDv2 report (RFC 3810 5.2) with records recs[0..n). */
static void
mld6_v2_send(struct inet6_state *s, struct ifnet *ifp, const struct mld6_rec *recs, int n)
{
	static const struct nb_in6_addr allmldv2 = { { 0xff, 0x02, [15] = 0x16 } };
	struct in6_ifaddr *ll = in6_linklocal(s, ifp, 1);
	struct nb_in6_addr src;
	size_t len = 8, off;
	struct pkt *p;
	uint8_t *ic;
	uint16_t sum;
	int i;

	if (!(ifp->if_flags & IFF_UP) || n == 0)
		return;
	for (i = 0; i < n; i++)
		len += 20 + 16 * (size_t)recs[i].nsrcs;
	if (ll != NULL)
		src = ll->ia6_addr;
	else
		memset(&src, 0, sizeof(src));	/* RFC 3590: before a link-local is ready */
	if ((p = pkt_alloc(s->i6_kern, len, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	memset(ic, 0, len);
	ic[0] = MLDV2_LISTENER_REPORT;
	ic[6] = (uint8_t)(n >> 8), ic[7] = (uint8_t)n;
	for (i = 0, off = 8; i < n; i++) {
		ic[off] = (uint8_t)recs[i].type;
		ic[off + 2] = (uint8_t)(recs[i].nsrcs >> 8), ic[off + 3] = (uint8_t)recs[i].nsrcs;
		memcpy(ic + off + 4, recs[i].group, 16);
		if (recs[i].nsrcs > 0)
			memcpy(ic + off + 20, recs[i].srcs, 16 * (size_t)recs[i].nsrcs);
		off += 20 + 16 * (size_t)recs[i].nsrcs;
	}
	sum = in6_cksum(&src, &allmldv2, IPPROTO_ICMPV6, ic, len);
	memcpy(ic + 2, &sum, 2);
	ip6_output(s, p, &src, &allmldv2, ifp, IPPROTO_ICMPV6, 1, -1, IP6OUT_NOLOOP |
	    IP6OUT_ROUTERALERT | (ll == NULL ? IP6OUT_UNSPECSRC : 0));
}

/* The answer to a general query: MODE_IS_EXCLUDE {} for every group, within the MTU. */
static void
mld6_v2_current(struct inet6_state *s, struct ifnet *ifp)
{
	struct mld6_rec recs[64];
	struct in6_multi *m;
	int n = 0, max = (int)((ifp->if_mtu - 40 - 8 - 8) / 20);

	if (max > 64)
		max = 64;
	for (m = s->i6_multi; m != NULL; m = m->in6m_next) {
		if (m->in6m_ifp != ifp || !mld6_reported(m))
			continue;
		recs[n].type = MLD_IS_EX, recs[n].group = &m->in6m_addr;
		recs[n].nsrcs = 0, recs[n].srcs = NULL;
		if (++n == max) {
			mld6_v2_send(s, ifp, recs, n);
			n = 0;
		}
	}
	mld6_v2_send(s, ifp, recs, n);
}

static void
mld6_v2_statechange(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *g,
    int type)
{
	struct mld6_rec rec = { type, g, 0, NULL };
	struct mld6_v2if **vp = mld6_v2find(s, ifp);
	struct mld6_sc *sc;

	for (sc = s->i6_mldsc; sc != NULL; sc = sc->sc_next)
		if (sc->sc_ifp == ifp && in6_eq(&sc->sc_addr, g))
			break;
	if (sc == NULL && (sc = kmem_zalloc(s->i6_kern, sizeof(*sc))) != NULL) {
		sc->sc_ifp = ifp;
		sc->sc_addr = *g;
		sc->sc_next = s->i6_mldsc;
		s->i6_mldsc = sc;
	}
	mld6_v2_send(s, ifp, &rec, 1);
	if (sc != NULL) {
		sc->sc_type = type;
		sc->sc_left = (vp != NULL && (*vp)->v_qrv > 0 ? (*vp)->v_qrv : 2) - 1;
		sc->sc_at = mld6_delay(s, MLD_UNSOL_NS);
		inet6_timer_want(s, sc->sc_at);
	}
}

/* Drops what MLDv2 had pending on ifp (NULL: everywhere). */
static void
mld6_v2_cancel(struct inet6_state *s, struct ifnet *ifp)
{
	struct mld6_sc **pp, *sc;
	struct mld6_v2if *v;
	struct in6_multi *m;

	for (v = s->i6_mldv2; v != NULL; v = v->v_next)
		if (ifp == NULL || v->v_ifp == ifp)
			v->v_gq = 0;
	for (m = s->i6_multi; m != NULL; m = m->in6m_next)
		if ((ifp == NULL || m->in6m_ifp == ifp) && m->in6m_v2pend) {
			m->in6m_v2pend = 0;
			m->in6m_nsrcs = 0;
		}
	for (pp = &s->i6_mldsc; (sc = *pp) != NULL;)
		if (ifp == NULL || sc->sc_ifp == ifp) {
			*pp = sc->sc_next;
			kmem_free(s->i6_kern, sc, sizeof(*sc));
		} else
			pp = &sc->sc_next;
}

static void
mld6_v2_timer(struct inet6_state *s, uint64_t now, uint64_t *next)
{
	struct mld6_sc **pp, *sc;
	struct mld6_v2if *v;

	for (v = s->i6_mldv2; v != NULL; v = v->v_next) {
		if (v->v_gq == 0)
			continue;
		if (v->v_gq <= now) {
			v->v_gq = 0;
			if (mld6_version(s, v->v_ifp) == 2)
				mld6_v2_current(s, v->v_ifp);
		} else if (*next == 0 || v->v_gq < *next)
			*next = v->v_gq;
	}
	for (pp = &s->i6_mldsc; (sc = *pp) != NULL;) {
		if (sc->sc_at <= now) {
			struct mld6_rec rec = { sc->sc_type, &sc->sc_addr, 0, NULL };
			if (mld6_version(s, sc->sc_ifp) == 2)
				mld6_v2_send(s, sc->sc_ifp, &rec, 1);
			if (--sc->sc_left <= 0) {
				*pp = sc->sc_next;
				kmem_free(s->i6_kern, sc, sizeof(*sc));
				continue;
			}
			sc->sc_at = mld6_delay(s, MLD_UNSOL_NS);
		}
		if (*next == 0 || sc->sc_at < *next)
			*next = sc->sc_at;
		pp = &sc->sc_next;
	}
}

void
mld6_ifdetach(struct inet6_state *s, struct ifnet *ifp)
{
	struct mld6_v2if **pp, *v;

	mld6_v2_cancel(s, ifp);
	for (pp = &s->i6_mldv2; (v = *pp) != NULL;)
		if (ifp == NULL || v->v_ifp == ifp) {
			*pp = v->v_next;
			kmem_free(s->i6_kern, v, sizeof(*v));
		} else
			pp = &v->v_next;
}

/*
 * A report about m: type MLD_LISTENER_REPORT (we joined), MLD_LISTENER_DONE (we left) or
 * MLD6_RESPONSE (answering a query): MLDv1 (RFC 2710) or MLDv2 as above.
 */
void
mld6_report(struct inet6_state *s, struct in6_multi *m, int type)
{
	struct ifnet *ifp = m->in6m_ifp;
	struct in6_ifaddr *ll;
	const struct nb_in6_addr *dst;
	struct nb_in6_addr src;
	size_t len = 24;
	struct pkt *p;
	uint8_t *ic;
	uint16_t sum;

	if (!(ifp->if_flags & IFF_UP))
		return;
	if (mld6_version(s, ifp) == 2) {
		if (type == MLD6_RESPONSE) {
			struct mld6_rec rec = { m->in6m_v2pend == 2 ? MLD_IS_IN : MLD_IS_EX,
			    &m->in6m_addr, m->in6m_v2pend == 2 ? m->in6m_nsrcs : 0, m->in6m_srcs };
			mld6_v2_send(s, ifp, &rec, 1);
			m->in6m_v2pend = 0;
			m->in6m_nsrcs = 0;
		} else
			mld6_v2_statechange(s, ifp, &m->in6m_addr,
			    type == MLD_LISTENER_DONE ? MLD_TO_IN : MLD_TO_EX);
		return;
	}
	ll = in6_linklocal(s, ifp, 1);
	if (ll != NULL)
		src = ll->ia6_addr;
	else
		memset(&src, 0, sizeof(src));	/* RFC 3590: before a link-local is ready */
	if ((p = pkt_alloc(s->i6_kern, len, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	memset(ic, 0, len);
	dst = type == MLD_LISTENER_DONE ? &in6_allrouters : &m->in6m_addr;
	ic[0] = (uint8_t)(type == MLD_LISTENER_DONE ? MLD_LISTENER_DONE : MLD_LISTENER_REPORT);
	memcpy(ic + 8, &m->in6m_addr, 16);
	sum = in6_cksum(&src, dst, IPPROTO_ICMPV6, ic, len);
	memcpy(ic + 2, &sum, 2);
	ip6_output(s, p, &src, dst, ifp, IPPROTO_ICMPV6, 1, -1, IP6OUT_NOLOOP |
	    IP6OUT_ROUTERALERT | (ll == NULL ? IP6OUT_UNSPECSRC : 0));
}

/* RFC 3810 5.1.3 / 5.1.9: exponential codes. */
static uint64_t
mld6_fp16(uint16_t code)
{
	return code < 32768 ? code :
	    (uint64_t)((code & 0x0fff) | 0x1000) << (((code >> 12) & 7) + 3);
}

static unsigned
mld6_fp8(uint8_t code)
{
	return code < 128 ? code : (unsigned)((code & 0x0f) | 0x10) << (((code >> 4) & 7) + 3);
}

/* An MLDv2 query in v2 mode: schedule the answer; 1 if it was handled. */
static int
mld6_v2_query(struct inet6_state *s, struct ifnet *ifp, const uint8_t *ic, int len,
    const struct nb_in6_addr *group, uint64_t delay)
{
	struct mld6_v2if *v = *mld6_v2find(s, ifp);
	unsigned nsrcs = (unsigned)(ic[26] << 8 | ic[27]), i;
	uint64_t at = mld6_delay(s, delay);
	struct in6_multi *m;

	(void)len;
	if (in6_is_unspec(group)) {
		if (nsrcs == 0 && (v->v_gq == 0 || at < v->v_gq)) {
			v->v_gq = at;
			inet6_timer_want(s, at);
		}
		return 1;
	}
	if ((m = in6_multi_find(s, ifp, group)) == NULL || !mld6_reported(m))
		return 1;
	if (v->v_gq != 0 && v->v_gq <= at)
		return 1;		/* the general answer comes first */
	if (m->in6m_reportat == 0)
		m->in6m_v2pend = 0, m->in6m_nsrcs = 0;
	if (nsrcs == 0 || (m->in6m_reportat != 0 && m->in6m_v2pend == 0))
		m->in6m_v2pend = 0, m->in6m_nsrcs = 0;	/* the whole group */
	else {
		for (i = 0; i < nsrcs; i++) {
			const uint8_t *a = ic + 28 + 16 * i;
			int j;
			for (j = 0; j < m->in6m_nsrcs && memcmp(&m->in6m_srcs[j], a, 16) != 0; j++)
				continue;
			if (j < m->in6m_nsrcs)
				continue;
			if (m->in6m_nsrcs == MLD_V2_MAXSRCS) {
				m->in6m_v2pend = 0, m->in6m_nsrcs = 0;
				break;
			}
			memcpy(&m->in6m_srcs[m->in6m_nsrcs++], a, 16);
			m->in6m_v2pend = 2;
		}
	}
	if (m->in6m_reportat == 0 || at < m->in6m_reportat) {
		m->in6m_reportat = at;
		inet6_timer_want(s, at);
	}
	return 1;
}

void
mld6_input(struct ifnet *ifp, struct pkt *p, int off, int len)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	struct nb_in6_addr src, group;
	struct in6_multi *m;
	uint64_t now, delay;

	memcpy(&src, ip6 + 8, 16);
	if (ic[0] == MLDV2_LISTENER_REPORT || len < 24 || !in6_is_linklocal(&src))
		return;			/* v2 reports are for routers */
	memcpy(&group, ic + 8, 16);
	now = hyp_clock_mono();
	if (ic[0] == MLD_LISTENER_QUERY) {
		struct mld6_v2if **vp = mld6_v2find(s, ifp), *v;
		if (len > 24 && (len < 28 || len < 28 + 16 * (ic[26] << 8 | ic[27])))
			return;		/* RFC 3810 5.1.10 / 8.1: no valid query */
		if (len >= 28) {	/* an MLDv2 query (RFC 3810 8.1) */
			if (vp == NULL && (v = kmem_zalloc(s->i6_kern, sizeof(*v))) != NULL) {
				v->v_ifp = ifp;
				v->v_next = s->i6_mldv2;
				s->i6_mldv2 = v;
				vp = &s->i6_mldv2;
			}
			/* maximum response code in ms, exponential above 32768 */
			delay = mld6_fp16((uint16_t)(ic[4] << 8 | ic[5])) * 1000000;
			if (vp != NULL) {
				v = *vp;
				v->v_qrv = (ic[24] & 7) != 0 ? ic[24] & 7 : 2;
				v->v_oldto = (uint64_t)v->v_qrv * (ic[25] != 0 ? mld6_fp8(ic[25]) : 125) *
				    1000000000ULL + delay;
				if (mld6_version(s, ifp) == 2 &&
				    mld6_v2_query(s, ifp, ic, len, &group, delay))
					return;
			}
		} else {
			if (vp != NULL && (*vp)->v_oldto != 0) {
				/* an MLDv1 querier among v2 ones: v1 for the Older Version
				 * Querier Present Timeout (RFC 3810 8.2.1) */
				(*vp)->v_v1_until = now + (*vp)->v_oldto;
				mld6_v2_cancel(s, ifp);
			}
			delay = (uint64_t)(ic[4] << 8 | ic[5]) * 1000000;	/* ms */
		}
		for (m = s->i6_multi; m != NULL; m = m->in6m_next) {
			uint64_t at;
			if (m->in6m_ifp != ifp || in6_eq(&m->in6m_addr, &in6_allnodes) ||
			    (m->in6m_addr.s6_addr[1] & 0x0f) <= 1)
				continue;
			if (!in6_is_unspec(&group) && !in6_eq(&group, &m->in6m_addr))
				continue;
			at = now + (delay ? kern_random32(s->i6_kern) % delay : 0);
			if (m->in6m_reportat == 0 || at < m->in6m_reportat) {
				m->in6m_reportat = at;
				inet6_timer_want(s, at);
			}
		}
	} else if (ic[0] == MLD_LISTENER_REPORT) {
		/* another listener answered: ours is suppressed */
		if ((m = in6_multi_find(s, ifp, &group)) != NULL)
			m->in6m_reportat = 0;
	}
}
