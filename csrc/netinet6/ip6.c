/*
 * ip6.c: IPv6 input and output (RFC 8200): header checks, extension headers (hop-by-hop
 * and destination options, routing headers, fragments with reassembly), local delivery,
 * forwarding, source fragmentation and path MTU.
 *
 * Every length read from a packet is checked against the bytes that arrived.  Errors
 * about a bad header answer with ICMPv6 parameter problem pointing at the offending
 * byte, as RFC 8200 says; a truncated header is dropped silently (NetBSD's
 * IP6_EXTHDR_GET).  A routing header of type 0 (or any type we do not implement) with
 * segments left is refused with a parameter problem (RFC 5095); with none left it is
 * skipped.  At most net.inet6.ip6.hdrnestlimit (50) extension headers are followed.
 *
 * Reassembly keeps at most maxfragpackets datagrams and maxfrags fragments in all
 * (net.inet6.ip6.maxfragpackets / maxfrags; -1: no limit, 0: no fragments accepted),
 * IP6Q_MAXFRAGS per datagram, each for 60 s (IPV6_FRAGTTL); overlapping fragments drop
 * the whole datagram (RFC 5722); at the limit the oldest datagram makes room.
 *
 * Packets to ourselves (and multicast copies for our own groups) go through lo0's queue;
 * p_flags PKT_ZONE with p_dport = interface index keeps the zone they belong to.
 */
#include "netinet6/in6_var.h"

#define PKT_ZONE	0x100	/* looped back: p_dport is the zone's interface index */

uint16_t
in6_cksum(const struct nb_in6_addr *src, const struct nb_in6_addr *dst, int nxt,
    const void *data, size_t len)
{
	uint32_t ps = in_cksum_add(src, 16, 0);

	ps = in_cksum_add(dst, 16, ps);
	ps += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + (uint32_t)nxt;
	return in_cksum(data, len, ps);
}

/* ---------------------------------------------------------------- output */

static int
ip6_link_output(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *nexthop)
{
	if (ifp->if_type == IFT_LOOP)
		return ifp->if_output(ifp, p, 0);
	return nd6_output(s, ifp, p, nexthop);
}

/* A copy of p for ourselves through lo0, in zone ifp. */
static void
ip6_loop(struct inet6_state *s, struct pkt *p, struct ifnet *ifp)
{
	struct ifnet *lo = s->i6_ns->ns_lo0;
	struct pkt *c;

	if (lo == NULL || (c = pkt_alloc(s->i6_kern, p->p_len, PKT_HEADROOM)) == NULL)
		return;
	memcpy(pkt_data(c), pkt_data(p), p->p_len);
	c->p_flags |= PKT_ZONE;
	c->p_dport = (uint16_t)ifp->if_index;
	lo->if_output(lo, c, 0);
}

/*
 * A TCP datagram larger than mtu built for segmentation offload (p_tsosz, if_tso.c; TCP
 * right after the fixed header): whole to an interface with IFCAP_TSOv6 on whose own MTU
 * the segments fit (its medium carries or cuts it), else cut here into TCP segments that
 * fit mtu, each a datagram of its own (a route with a smaller MTU, an interface without
 * TSOv6, a forwarded offload frame): not fragmentation, which IPv6 routers never do.
 */
struct ip6_tso_to {
	struct inet6_state *s;
	struct ifnet *ifp;
	const struct nb_in6_addr *nexthop;
	uint16_t dport;
};

static int
ip6_tso_send(void *arg, struct pkt *seg)
{
	struct ip6_tso_to *to = arg;

	seg->p_dport = to->dport;
	return ip6_link_output(to->s, to->ifp, seg, to->nexthop);
}

static int
ip6_output_tso(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *nexthop, uint32_t mtu, size_t hdr)
{
	uint32_t mss = p->p_tsosz;
	struct ip6_tso_to to = { s, ifp, nexthop, p->p_dport };

	if ((ifp->if_capenable & IFCAP_TSOv6) && hdr + mss <= mtu && mtu == ifp->if_mtu)
		return ip6_link_output(s, ifp, p, nexthop);
	if (hdr + mss > mtu)
		mss = mtu - (uint32_t)hdr;
	return tso_cut(s->i6_kern, p, hdr, mss, ip6_tso_send, &to);
}

/* Sends p (a whole IPv6 packet, header first) in fragments of at most mtu bytes.  The
 * unfragmentable part is the IPv6 header and the unfrag bytes of extension headers after
 * it (hop-by-hop, destination options before a routing header, the routing header: RFC
 * 8200 4.5); nxtoff is the offset of the next-header byte the fragment header goes
 * after. */
static int
ip6_fragment(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *nexthop, uint32_t mtu, size_t unfrag, size_t nxtoff)
{
	uint8_t *ip6 = pkt_data(p);
	size_t hl = IP6_HDRLEN + unfrag, datalen = p->p_len - hl, off, chunk;
	uint32_t id = htonl_(++s->i6_fragid);
	uint8_t nxt = ip6[nxtoff];
	int error = 0;

	if (mtu < hl + 8 + 8) {
		pkt_free(p);
		return EMSGSIZE;
	}
	chunk = (mtu - hl - 8) & ~7U;
	for (off = 0; off < datalen && error == 0; off += chunk) {
		size_t n = datalen - off < chunk ? datalen - off : chunk;
		struct pkt *f = pkt_alloc(s->i6_kern, hl + 8 + n, PKT_HEADROOM);
		uint8_t *fh;
		uint16_t of;

		if (f == NULL) {
			error = ENOBUFS;
			break;
		}
		fh = pkt_data(f);
		memcpy(fh, ip6, hl);
		fh[4] = (uint8_t)((unfrag + 8 + n) >> 8);
		fh[5] = (uint8_t)(unfrag + 8 + n);
		fh[nxtoff] = IPPROTO_FRAGMENT;
		fh[hl] = nxt;
		fh[hl + 1] = 0;
		of = (uint16_t)(off | (off + n < datalen ? 1 : 0));
		fh[hl + 2] = (uint8_t)(of >> 8);
		fh[hl + 3] = (uint8_t)of;
		memcpy(fh + hl + 4, &id, 4);
		memcpy(fh + hl + 8, ip6 + hl + off, n);
		s->i6_stat.ip6s_fragmented++;
		error = ip6_link_output(s, ifp, f, nexthop);
	}
	pkt_free(p);
	return error;
}

/* Validates an extension header for a sticky option or ancillary data, as NetBSD's
 * ip6_setpktopt: at least 8 bytes, exactly the length its second byte says; a routing
 * header only of type 0 with at least one address, an even length and as many segments
 * left as addresses. */
int
ip6_xhdr_check(int optname, const uint8_t *buf, size_t len)
{
	if (len < 8 || len != (size_t)(buf[1] + 1) * 8)
		return EINVAL;
	if (optname == IPV6_RTHDR) {
		if (buf[2] != 0)		/* IPV6_RTHDR_TYPE_0 only */
			return EINVAL;
		if (buf[1] == 0 || (buf[1] & 1) || buf[1] / 2 != buf[3])
			return EINVAL;
	}
	return 0;
}

static int ip6_output1(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *srcp,
    const struct nb_in6_addr *dstp, struct ifnet *zone, int nxt, int hlim, int tclass,
    int flags, const struct ip6_xhdrs *x);

int
ip6_output(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *srcp,
    const struct nb_in6_addr *dstp, struct ifnet *zone, int nxt, int hlim, int tclass,
    int flags)
{
	return ip6_output1(s, p, srcp, dstp, zone, nxt, hlim, tclass, flags, NULL);
}

int
ip6_output_x(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *srcp,
    const struct nb_in6_addr *dstp, struct ifnet *zone, int nxt, int hlim, int tclass,
    int flags, const struct ip6_xhdrs *x)
{
	return ip6_output1(s, p, srcp, dstp, zone, nxt, hlim, tclass, flags, x);
}

/* Room for n more bytes in front of p (headers and the link's): p itself, or a copy
 * with the room (p freed). */
static struct pkt *
ip6_room(struct inet6_state *s, struct pkt *p, size_t n)
{
	struct pkt *c;

	if (p->p_off >= n)
		return p;
	if ((c = pkt_alloc(s->i6_kern, p->p_len, n)) != NULL) {
		memcpy(pkt_data(c), pkt_data(p), p->p_len);
		c->p_flags = p->p_flags;
		c->p_dport = p->p_dport;
	}
	pkt_free(p);
	return c;
}

static size_t
ip6_xlen(const uint8_t *h)
{
	return h != NULL ? (size_t)(h[1] + 1) * 8 : 0;
}

static int
ip6_output1(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *srcp,
    const struct nb_in6_addr *dstp, struct ifnet *zone, int nxt, int hlim, int tclass,
    int flags, const struct ip6_xhdrs *x)
{
	struct nb_in6_addr src, dst, nexthop;
	struct rt6entry *rt = NULL;
	struct ifnet *ifp = NULL;
	struct in6_ifaddr *ia;
	uint32_t mtu, plen;
	uint8_t *ip6;
	size_t unfrag = 0, nxtoff = 6;
	const uint8_t *xh[4] = { NULL, NULL, NULL, NULL };
	int error;

	if (flags & IP6OUT_FORWARDING) {
		ip6 = pkt_data(p);
		memcpy(&src, ip6 + 8, 16);
		memcpy(&dst, ip6 + 24, 16);
	} else {
		dst = *dstp;
		if (srcp != NULL)
			src = *srcp;
		else
			memset(&src, 0, sizeof(src));
		if (x != NULL) {
			memcpy(xh, x->x_hdr, sizeof(xh));
			if (xh[IP6X_RTHDR] == NULL)
				xh[IP6X_DEST1] = NULL;	/* only with a routing header */
			else	/* type 0 (checked): to its first address */
				memcpy(&dst, xh[IP6X_RTHDR] + 8, 16);
		}
	}
	nexthop = dst;
	if (in6_is_mcast(&dst)) {
		ifp = zone;
		if (ifp == NULL && !in6_is_mc_linklocal(&dst) &&
		    (rt = rt6_lookup(s, &dst, NULL)) != NULL)
			ifp = rt->rt6_ifp;
		if (ifp == NULL) {
			s->i6_stat.ip6s_noroute++;
			pkt_free(p);
			return EHOSTUNREACH;
		}
		rt = NULL;
	} else if ((ia = in6_ifaddr_of(s, &dst, zone)) != NULL &&
	    (!in6_is_linklocal(&dst) || zone != NULL)) {
		ifp = s->i6_ns->ns_lo0;		/* to ourselves */
		zone = ia->ia6_ifp;
		p->p_flags |= PKT_ZONE;
		p->p_dport = (uint16_t)zone->if_index;
	} else if (in6_scoped(&dst)) {
		if ((ifp = zone) == NULL) {
			s->i6_stat.ip6s_noroute++;
			pkt_free(p);
			return EHOSTUNREACH;
		}
	} else if (x != NULL && x->x_nexthop != NULL) {
		ifp = NULL;		/* the next hop says (below) */
	} else {
		rt = rt6_lookup(s, &dst, NULL);
		if (rt == NULL || (rt->rt6_flags & RTF_REJECT)) {
			s->i6_stat.ip6s_noroute++;
			pkt_free(p);
			return EHOSTUNREACH;
		}
		if (rt->rt6_flags & RTF_BLACKHOLE) {
			pkt_free(p);
			return 0;
		}
		ifp = rt->rt6_ifp;
		if (rt->rt6_flags & RTF_GATEWAY)
			nexthop = rt->rt6_gw;
	}
	if (ifp == NULL) {
		/* IPV6_NEXTHOP: a neighbour to send through, as NetBSD's in6_selectroute
		 * (an on-link address: not by a gateway) */
		const struct nb_sockaddr_in6 *nh = x->x_nexthop;
		struct rt6entry *r;
		if (in6_is_linklocal(&nh->sin6_addr)) {
			if ((ifp = nh->sin6_scope_id != 0 ?
			    in6_zone_ifp(s, nh->sin6_scope_id) : zone) == NULL) {
				pkt_free(p);
				return EHOSTUNREACH;
			}
		} else if ((r = rt6_lookup(s, &nh->sin6_addr, NULL)) == NULL ||
		    (r->rt6_flags & (RTF_GATEWAY | RTF_REJECT | RTF_BLACKHOLE))) {
			s->i6_stat.ip6s_noroute++;
			pkt_free(p);
			return EHOSTUNREACH;
		} else
			ifp = r->rt6_ifp;
		nexthop = nh->sin6_addr;
	}
	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if (!(flags & IP6OUT_FORWARDING)) {
		size_t hbh = (flags & IP6OUT_ROUTERALERT) && xh[IP6X_HBH] == NULL ? 8 : 0;
		size_t xlen = ip6_xlen(xh[0]) + ip6_xlen(xh[1]) + ip6_xlen(xh[2]) +
		    ip6_xlen(xh[3]);

		if (in6_is_unspec(&src) && !(flags & IP6OUT_UNSPECSRC) &&
		    (error = in6_selectsrc(s, &dst, ifp->if_type == IFT_LOOP && zone ? zone : ifp,
		    &src)) != 0) {
			pkt_free(p);
			return error;
		}
		plen = p->p_len + (uint32_t)hbh + (uint32_t)xlen;
		if (plen > 65535) {
			pkt_free(p);
			return EMSGSIZE;
		}
		if (xlen != 0) {
			/* the headers in reverse, each naming the next: [hop-by-hop]
			 * [destination options 1] [routing] [destination options 2] */
			int i;
			if ((p = ip6_room(s, p, xlen + PKT_HEADROOM)) == NULL)
				return ENOBUFS;
			for (i = 3; i >= 0; i--) {
				size_t n = ip6_xlen(xh[i]);
				uint8_t *h;
				if (n == 0)
					continue;
				h = pkt_prepend(p, n);
				memcpy(h, xh[i], n);
				h[0] = (uint8_t)nxt;
				nxt = i == IP6X_HBH ? IPPROTO_HOPOPTS : i == IP6X_RTHDR ?
				    IPPROTO_ROUTING : IPPROTO_DSTOPTS;
				if (i == IP6X_RTHDR && h[3] > 0) {
					/* type 0: the first address went to the header; the
					 * rest move up, the final destination goes last */
					memmove(h + 8, h + 24, (size_t)(h[3] - 1) * 16);
					memcpy(h + 8 + (size_t)(h[3] - 1) * 16, dstp, 16);
				}
				if (i < IP6X_DEST2)
					unfrag += n;
			}
			/* a fragment header would follow the last unfragmentable one */
			for (i = 0, plen = IP6_HDRLEN; i < IP6X_DEST2; i++)
				if (xh[i] != NULL) {
					nxtoff = plen;
					plen += (uint32_t)ip6_xlen(xh[i]);
				}
			plen = p->p_len + (uint32_t)hbh;
		}
		if (hbh != 0) {
			uint8_t *h = pkt_prepend(p, 8);
			if (h == NULL) {
				pkt_free(p);
				return ENOBUFS;
			}
			h[0] = (uint8_t)nxt, h[1] = 0;
			h[2] = 5, h[3] = 2, h[4] = 0, h[5] = 0;	/* router alert: MLD */
			h[6] = 1, h[7] = 0;			/* PadN */
			nxt = IPPROTO_HOPOPTS;
		}
		if ((ip6 = pkt_prepend(p, IP6_HDRLEN)) == NULL) {
			pkt_free(p);
			return ENOBUFS;
		}
		if (tclass < 0)
			tclass = 0;
		ip6[0] = (uint8_t)(0x60 | (tclass >> 4));
		ip6[1] = (uint8_t)((tclass & 0x0f) << 4);
		ip6[2] = ip6[3] = 0;
		ip6[4] = (uint8_t)(plen >> 8);
		ip6[5] = (uint8_t)plen;
		ip6[6] = (uint8_t)nxt;
		ip6[7] = (uint8_t)hlim;
		memcpy(ip6 + 8, &src, 16);
		memcpy(ip6 + 24, &dst, 16);
		s->i6_stat.ip6s_localout++;
	}
	/* our own multicast groups get a copy (IPV6_MULTICAST_LOOP) */
	if (in6_is_mcast(&dst) && !(flags & (IP6OUT_NOLOOP | IP6OUT_FORWARDING)) &&
	    ifp->if_type != IFT_LOOP && in6_multi_find(s, ifp, &dst) != NULL)
		ip6_loop(s, p, ifp);
	mtu = ifp->if_mtu;
	if (!in6_is_mcast(&dst)) {
		struct rt6entry *h = rt6_lookup(s, &dst, in6_scoped(&dst) ? ifp : NULL);
		if (h != NULL && h->rt6_mtu != 0 && h->rt6_mtu < mtu)
			mtu = h->rt6_mtu;
	}
	if ((flags & IP6OUT_MINMTU) && mtu > IPV6_MMTU)
		mtu = IPV6_MMTU;
	if (flags & IP6OUT_LINKMTU)
		mtu = ifp->if_mtu;	/* the path's routers answer packet too big */
	if (p->p_len <= mtu)
		return ip6_link_output(s, ifp, p, &nexthop);
	if (__predict_false(p->p_tsosz != 0)) {
		size_t hdr = tso_check(pkt_data(p), p->p_len);

		if (hdr != 0 && mtu >= hdr + 8)
			return ip6_output_tso(s, ifp, p, &nexthop, mtu, hdr);
		p->p_tsosz = 0;		/* not one we can cut: as any other packet */
	}
	if (flags & IP6OUT_ROUTERALERT)
		unfrag = 8, nxtoff = IP6_HDRLEN;
	if (flags & IP6OUT_FORWARDING) {
		icmp6_error(s, p, ICMP6_PACKET_TOO_BIG, 0, mtu);
		pkt_free(p);
		return EMSGSIZE;
	}
	if (flags & IP6OUT_DONTFRAG) {
		pkt_free(p);
		return EMSGSIZE;
	}
	return ip6_fragment(s, ifp, p, &nexthop, mtu, unfrag, nxtoff);
}

/* ---------------------------------------------------------------- reassembly */

static void
ip6q_free(struct inet6_state *s, struct ip6q *q)
{
	struct ip6q **pp;
	struct pkt *p;

	for (pp = &s->i6_frags; *pp != NULL; pp = &(*pp)->ip6q_next)
		if (*pp == q) {
			*pp = q->ip6q_next;
			break;
		}
	while ((p = q->ip6q_frags) != NULL) {
		q->ip6q_frags = p->p_next;
		pkt_free(p);
	}
	s->i6_nfrags -= q->ip6q_nfrags;
	s->i6_nfragpackets--;
	kmem_free(s->i6_kern, q, sizeof(*q));
}

static int
ip6q_drop_oldest(struct inet6_state *s, struct ip6q *keep)
{
	struct ip6q *q, *old = NULL;

	for (q = s->i6_frags; q != NULL; q = q->ip6q_next)
		if (q != keep)
			old = q;
	if (old == NULL)
		return 0;
	s->i6_stat.ip6s_fragdropped += (uint64_t)old->ip6q_nfrags;
	ip6q_free(s, old);
	return 1;
}

void
frag6_flush(struct inet6_state *s)
{
	while (s->i6_frags != NULL)
		ip6q_free(s, s->i6_frags);
}

uint64_t
frag6_timer(struct inet6_state *s, uint64_t now)
{
	struct ip6q *q, *next;
	uint64_t soonest = 0;

	for (q = s->i6_frags; q != NULL; q = next) {
		next = q->ip6q_next;
		if (q->ip6q_expire <= now) {
			s->i6_stat.ip6s_fragtimeout++;
			if (q->ip6q_frags != NULL && q->ip6q_frags->p_src == 0)
				icmp6_error(s, q->ip6q_frags, ICMP6_TIME_EXCEEDED,
				    ICMP6_TIME_EXCEED_REASSEMBLY, 0);
			ip6q_free(s, q);
		} else if (soonest == 0 || q->ip6q_expire < soonest)
			soonest = q->ip6q_expire;
	}
	return soonest;
}

/*
 * Fragment p (fragment header at off, the next-header byte naming it at nxtoff).  Returns
 * the reassembled packet (its payload after the unfragmentable part, *nxtp its next
 * header), or NULL when the datagram is not complete yet or p was dropped.
 */
static struct pkt *
frag6_input(struct inet6_state *s, struct pkt *p, int *offp, int nxtoff, int *nxtp)
{
	int off = *offp;
	uint8_t *ip6 = pkt_data(p), *fh = ip6 + off;
	struct nb_in6_addr src, dst;
	uint32_t id, foff, end;

	size_t flen;
	int mf, limit;
	struct ip6q *q;
	struct pkt **pp, *f, *whole;
	uint8_t *w;

	s->i6_stat.ip6s_fragments++;
	flen = p->p_len - (size_t)off - 8;
	foff = (uint32_t)((fh[2] << 8 | fh[3]) & 0xfff8);
	mf = fh[3] & 1;
	if (mf && (flen == 0 || (flen & 7) != 0)) {
		icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, 4);
		goto drop;
	}
	end = foff + (uint32_t)flen;
	if ((size_t)off + 8 + end > 65535 + IP6_HDRLEN) {
		icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, (uint32_t)off + 2);
		goto drop;
	}
	if (foff == 0 && !mf) {		/* an atomic fragment (RFC 6946): no reassembly */
		*nxtp = fh[0];
		ip6[nxtoff] = fh[0];
		memmove(ip6 + 8, ip6, (size_t)off);
		pkt_adj(p, 8);
		ip6 = pkt_data(p);
		ip6[4] = (uint8_t)((p->p_len - IP6_HDRLEN) >> 8);
		ip6[5] = (uint8_t)(p->p_len - IP6_HDRLEN);
		return p;
	}
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	memcpy(&id, fh + 4, 4);
	for (q = s->i6_frags; q != NULL; q = q->ip6q_next)
		if (q->ip6q_id == id && in6_eq(&q->ip6q_src, &src) && in6_eq(&q->ip6q_dst, &dst))
			break;
	if (q == NULL) {
		if (s->i6_maxfragpackets == 0)
			goto drop;
		while (s->i6_maxfragpackets > 0 && s->i6_nfragpackets >= s->i6_maxfragpackets &&
		    ip6q_drop_oldest(s, NULL))
			continue;
		if ((q = kmem_zalloc(s->i6_kern, sizeof(*q))) == NULL)
			goto drop;
		q->ip6q_src = src, q->ip6q_dst = dst, q->ip6q_id = id;
		q->ip6q_expire = hyp_clock_mono() + s->i6_frag_ttl_ns;
		q->ip6q_ifp = p->p_rcvif;
		q->ip6q_next = s->i6_frags;
		s->i6_frags = q;
		s->i6_nfragpackets++;
		inet6_timer_want(s, q->ip6q_expire);
	}
	if (q->ip6q_nfrags >= IP6Q_MAXFRAGS)
		goto bad;
	limit = s->i6_maxfrags;
	if (limit == 0)
		goto bad;
	while (limit > 0 && s->i6_nfrags >= limit && ip6q_drop_oldest(s, q))
		continue;
	if (limit > 0 && s->i6_nfrags >= limit)
		goto bad;
	p->p_src = foff;
	p->p_dst = end;
	p->p_dport = (uint16_t)mf;
	p->p_sport = (uint16_t)off;		/* where its fragment header is */
	if (foff == 0) {
		q->ip6q_unfrglen = off;
		q->ip6q_nxt = fh[0];
		ip6[nxtoff] = fh[0];		/* for the reassembled header */
	}
	for (pp = &q->ip6q_frags; *pp != NULL && (*pp)->p_src < foff; pp = &(*pp)->p_next)
		continue;
	if (*pp != NULL && (*pp)->p_src < end)
		goto bad;			/* overlap (RFC 5722) */
	if (pp != &q->ip6q_frags) {
		struct pkt *prev = q->ip6q_frags;
		while (prev->p_next != *pp)
			prev = prev->p_next;
		if (prev->p_dst > foff || !prev->p_dport)
			goto bad;
	}
	if (!mf && *pp != NULL)
		goto bad;
	p->p_next = *pp;
	*pp = p;
	q->ip6q_nfrags++;
	s->i6_nfrags++;
	/* complete? contiguous from 0 to a last fragment */
	end = 0;
	for (f = q->ip6q_frags; f != NULL; f = f->p_next) {
		if (f->p_src != end)
			return NULL;
		end = f->p_dst;
		if (!f->p_dport)
			break;
	}
	if (f == NULL)
		return NULL;
	f = q->ip6q_frags;
	whole = pkt_alloc(s->i6_kern, (size_t)q->ip6q_unfrglen + end, PKT_HEADROOM);
	if (whole == NULL)
		goto bad;
	w = pkt_data(whole);
	memcpy(w, pkt_data(f), (size_t)q->ip6q_unfrglen);
	for (; f != NULL; f = f->p_next)
		memcpy(w + q->ip6q_unfrglen + f->p_src, pkt_data(f) + f->p_sport + 8,
		    f->p_dst - f->p_src);
	w[4] = (uint8_t)((q->ip6q_unfrglen - IP6_HDRLEN + end) >> 8);
	w[5] = (uint8_t)(q->ip6q_unfrglen - IP6_HDRLEN + end);
	whole->p_rcvif = q->ip6q_frags->p_rcvif;
	whole->p_flags = q->ip6q_frags->p_flags;
	*nxtp = q->ip6q_nxt;
	*offp = q->ip6q_unfrglen;
	ip6q_free(s, q);
	s->i6_stat.ip6s_reassembled++;
	return whole;
bad:
	ip6q_free(s, q);
drop:
	s->i6_stat.ip6s_fragdropped++;
	pkt_free(p);
	return NULL;
}

/* ---------------------------------------------------------------- input */

/* Hop-by-hop or destination options at off (length checked by the caller).  Returns 0
 * to go on, -1 when p was consumed (dropped, maybe with an error sent).  In hop-by-hop
 * options (jumbo not NULL) a Jumbo Payload option (RFC 2675) is read as NetBSD's
 * ip6_process_hopopts does: its length must be 4 (else a parameter problem at the
 * length), the IPv6 payload length 0 (else one at the option), only one (else one at
 * its value), the value above 65535 (else one at the value); *jumbo gets it. */
#define IP6OPT_JUMBO	0xc2
static int
ip6_options(struct inet6_state *s, struct pkt *p, int off, int hbh, uint32_t *jumbo)
{
	uint8_t *ip6 = pkt_data(p), *h = ip6 + off;
	int len = (h[1] + 1) * 8, i = 2;

	while (i < len) {
		int type = h[i], olen;

		if (type == 0) {		/* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + h[i + 1] > len) {
			s->i6_stat.ip6s_badoptions++;
			icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
			    (uint32_t)(off + i + (i + 2 > len ? 0 : 1)));
			pkt_free(p);
			return -1;
		}
		olen = h[i + 1];
		if (type == IP6OPT_JUMBO && hbh && jumbo != NULL) {
			uint32_t v;
			int at = -1;
			if (olen != 4)
				at = i + 1;
			else if (ip6[4] != 0 || ip6[5] != 0)
				at = i;
			else {
				v = (uint32_t)h[i + 2] << 24 | (uint32_t)h[i + 3] << 16 |
				    (uint32_t)h[i + 4] << 8 | h[i + 5];
				if (*jumbo != 0 || v <= 65535)
					at = i + 2;
				else
					*jumbo = v;
			}
			if (at >= 0) {
				s->i6_stat.ip6s_badoptions++;
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
				    (uint32_t)(off + at));
				pkt_free(p);
				return -1;
			}
		} else if (type == 1) {		/* PadN */
		} else if (type == 5 && hbh) {	/* router alert */
			if (olen != 2) {
				s->i6_stat.ip6s_badoptions++;
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
				    (uint32_t)(off + i + 1));
				pkt_free(p);
				return -1;
			}
		} else {
			switch (type >> 6) {
			case 0:
				break;
			case 1:
				s->i6_stat.ip6s_badoptions++;
				pkt_free(p);
				return -1;
			case 3:
				if (ip6[24] == 0xff) {
					s->i6_stat.ip6s_badoptions++;
					pkt_free(p);
					return -1;
				}
				/* FALLTHROUGH */
			case 2:
				s->i6_stat.ip6s_badoptions++;
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION,
				    (uint32_t)(off + i));
				pkt_free(p);
				return -1;
			}
		}
		i += 2 + olen;
	}
	return 0;
}

static void
ip6_forward(struct inet6_state *s, struct pkt *p, struct ifnet *inifp)
{
	uint8_t *ip6 = pkt_data(p);
	struct nb_in6_addr src, dst;
	struct rt6entry *rt;

	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	if (in6_is_mcast(&dst) || in6_is_unspec(&src) || in6_is_linklocal(&dst) ||
	    in6_is_loopback(&dst)) {
		s->i6_stat.ip6s_cantforward++;
		pkt_free(p);
		return;
	}
	if (ip6[7] <= 1) {
		icmp6_error(s, p, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, 0);
		s->i6_stat.ip6s_cantforward++;
		pkt_free(p);
		return;
	}
	rt = rt6_lookup(s, &dst, NULL);
	if (rt == NULL || (rt->rt6_flags & RTF_REJECT)) {
		s->i6_stat.ip6s_noroute++;
		icmp6_error(s, p, ICMP6_DST_UNREACH, rt == NULL ? ICMP6_DST_UNREACH_NOROUTE :
		    ICMP6_DST_UNREACH_ADMIN, 0);
		pkt_free(p);
		return;
	}
	if (in6_is_linklocal(&src) && rt->rt6_ifp != inifp) {
		s->i6_stat.ip6s_badscope++;
		icmp6_error(s, p, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
		pkt_free(p);
		return;
	}
	/* RFC 4861 8.2: leaving through the interface it came in on, to a source on that
	 * link: tell the source of the better first hop */
	if (rt->rt6_ifp == inifp && s->i6_sendredirects && !in6_is_linklocal(&src)) {
		struct rt6entry *srt = rt6_lookup(s, &src, NULL);
		if (srt != NULL && !(srt->rt6_flags & RTF_GATEWAY) && srt->rt6_ifp == inifp)
			nd6_redirect_output(s, p, rt->rt6_flags & RTF_GATEWAY ? &rt->rt6_gw : &dst);
	}
	ip6[7]--;
	s->i6_stat.ip6s_forward++;
	ip6_output(s, p, NULL, NULL, NULL, 0, 0, 0, IP6OUT_FORWARDING);
}

void
ip6_input(struct ifnet *ifp, struct pkt *p)
{
	struct inet6_state *s = inet6_state(ifp->if_kern);
	struct ifnet *zone = ifp;
	struct nb_in6_addr src, dst;
	struct in6_ifaddr *ia;
	uint8_t *ip6;
	uint32_t plen;
	int off, nxt, nxtoff, nest = 0, local;

	if (s == NULL) {
		pkt_free(p);
		return;
	}
	s->i6_stat.ip6s_total++;
	if (p->p_len < IP6_HDRLEN) {
		s->i6_stat.ip6s_toosmall++;
		goto drop;
	}
	ip6 = pkt_data(p);
	if ((ip6[0] >> 4) != 6) {
		s->i6_stat.ip6s_badvers++;
		goto drop;
	}
	plen = (uint32_t)(ip6[4] << 8 | ip6[5]);
	if (plen == 0 && ip6[6] == IPPROTO_HOPOPTS)
		plen = (uint32_t)p->p_len - IP6_HDRLEN;	/* a jumbogram? hop-by-hop says */
	else if (IP6_HDRLEN + plen > p->p_len) {
		s->i6_stat.ip6s_tooshort++;
		goto drop;
	}
	p->p_len = IP6_HDRLEN + plen;		/* trim link padding */
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	if (ifp->if_type == IFT_LOOP && (p->p_flags & PKT_ZONE)) {
		struct ifnet *z = if_byindex(s->i6_ns, p->p_dport);
		if (z != NULL)
			zone = z;
		p->p_dport = 0;
	}
	if (in6_is_mcast(&src) || in6_is_v4mapped(&src) || in6_is_v4mapped(&dst) ||
	    in6_is_unspec(&dst) ||
	    (ifp->if_type != IFT_LOOP && (in6_is_loopback(&src) || in6_is_loopback(&dst)))) {
		s->i6_stat.ip6s_badscope++;
		goto drop;
	}
	p->p_rcvif = zone;
	if (in6_is_mcast(&dst)) {
		local = in6_multi_find(s, zone, &dst) != NULL || in6_eq(&dst, &in6_allnodes) ||
		    (in6_eq(&dst, &in6_allrouters) && s->i6_forwarding);
		if (!local && zone->if_type == IFT_LOOP && in6_is_mc_linklocal(&dst))
			local = 1;
		p->p_flags |= PKT_MCAST;
	} else {
		ia = in6_ifaddr_of(s, &dst, zone);
		local = ia != NULL && !(ia->ia6_flags & IN6_IFF_NOTREADY) &&
		    (ifp->if_type == IFT_LOOP || !in6_is_linklocal(&dst) || ia->ia6_ifp == zone);
		if (ia != NULL && !local && (ia->ia6_flags & IN6_IFF_NOTREADY))
			goto drop;		/* to a tentative address: not ours yet */
	}
	off = IP6_HDRLEN;
	nxt = ip6[6];
	nxtoff = 6;
	if (nxt == IPPROTO_HOPOPTS) {
		if (p->p_len < (size_t)off + 8 ||
		    p->p_len < (size_t)off + (ip6[off + 1] + 1) * 8) {
			s->i6_stat.ip6s_tooshort++;
			goto drop;
		}
		uint32_t jumbo = 0;
		if (ip6_options(s, p, off, 1, &jumbo) != 0)
			return;
		if (ip6[4] == 0 && ip6[5] == 0) {
			/* payload length 0 with hop-by-hop options: a Jumbo Payload option must
			 * say the length (RFC 2675 3), else a parameter problem at the payload
			 * length field, as NetBSD's ip6_input */
			if (jumbo == 0) {
				s->i6_stat.ip6s_badoptions++;
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, 4);
				goto drop;
			}
			/* more than 65535 bytes: never on our links (the largest MTU is
			 * less than 65575), so never all here */
			if (IP6_HDRLEN + (uint64_t)jumbo > p->p_len) {
				s->i6_stat.ip6s_tooshort++;
				goto drop;
			}
		}
		nxtoff = off;
		nxt = ip6[off];
		off += (ip6[off + 1] + 1) * 8;
		nest++;
	}
	if (!local) {
		if (!s->i6_forwarding || in6_is_mcast(&dst)) {
			s->i6_stat.ip6s_cantforward++;
			goto drop;
		}
		ip6_forward(s, p, zone);
		return;
	}
	s->i6_stat.ip6s_delivered++;
	for (;;) {
		if (++nest > s->i6_hdrnestlimit && s->i6_hdrnestlimit > 0) {
			s->i6_stat.ip6s_toomanyhdr++;
			goto drop;
		}
		switch (nxt) {
		case IPPROTO_HOPOPTS:	/* only right after the IPv6 header */
			s->i6_stat.ip6s_badoptions++;
			icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER,
			    (uint32_t)nxtoff);
			goto drop;
		case IPPROTO_DSTOPTS:
		case IPPROTO_ROUTING:
			if (p->p_len < (size_t)off + 8 ||
			    p->p_len < (size_t)off + (ip6[off + 1] + 1) * 8) {
				s->i6_stat.ip6s_tooshort++;
				goto drop;
			}
			if (nxt == IPPROTO_DSTOPTS) {
				if (ip6_options(s, p, off, 0, NULL) != 0)
					return;
			} else if (ip6[off + 3] != 0) {
				/* segments left in a routing header we do not implement: type
				 * 0 (deprecated, RFC 5095) or unknown */
				s->i6_stat.ip6s_badoptions++;
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
				    (uint32_t)off + 2);
				goto drop;
			}
			nxtoff = off;
			nxt = ip6[off];
			off += (ip6[off + 1] + 1) * 8;
			continue;
		case IPPROTO_FRAGMENT:
			if (p->p_len < (size_t)off + 8) {
				s->i6_stat.ip6s_tooshort++;
				goto drop;
			}
			if ((p = frag6_input(s, p, &off, nxtoff, &nxt)) == NULL)
				return;
			p->p_rcvif = zone;
			ip6 = pkt_data(p);
			continue;
		case IPPROTO_NONE:
			goto drop;
		case IPPROTO_ICMPV6:		/* raw sockets get it after the checksum */
			icmp6_input(zone, p, off);
			return;
		case IPPROTO_UDP:
			rip6_input(s, p, off, nxt);
			udp6_input(s, p, off);
			return;
		case IPPROTO_TCP:
			rip6_input(s, p, off, nxt);
			tcp6_input(s, p, off);
			return;
		default:
			if (rip6_input(s, p, off, nxt) == 0 && !(p->p_flags & PKT_MCAST))
				icmp6_error(s, p, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER,
				    (uint32_t)nxtoff);
			goto drop;
		}
	}
drop:
	pkt_free(p);
}

/* The path MTU towards dst through ifp: a host route's (packet too big) below the link's. */
uint32_t
in6_pathmtu(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *ifp)
{
	uint32_t mtu = ifp != NULL ? ifp->if_mtu : IPV6_MMTU;

	if (!in6_is_mcast(dst)) {
		struct rt6entry *h = rt6_lookup(s, dst, in6_scoped(dst) ? ifp : NULL);
		if (h != NULL && h->rt6_mtu != 0 && h->rt6_mtu < mtu)
			mtu = h->rt6_mtu;
	}
	return mtu;
}
