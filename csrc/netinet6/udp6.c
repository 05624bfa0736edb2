/*
 * udp6.c: the AF_INET6 domain: UDP (RFC 768 over RFC 8200: the checksum is mandatory)
 * and raw IPv6 sockets (IPPROTO_ICMPV6 with ICMP6_FILTER and the kernel's checksum),
 * their pcbs, the IPV6_* socket options and ancillary data.
 *
 * NetBSD's rules: sockets are IPV6_V6ONLY by default (net.inet6.ip6.v6only, 1); a
 * v4-mapped address on such a socket is EINVAL.  A link-local address names its zone
 * in sin6_scope_id (0: none, then it is not ours: EADDRNOTAVAIL; an interface that
 * does not exist: ENXIO); addresses that are tentative or duplicated cannot be bound
 * (EADDRNOTAVAIL).  Received datagrams carry the sender with its zone; IPV6_RECVPKTINFO,
 * IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS add cmsgs; IPV6_PKTINFO, IPV6_HOPLIMIT and
 * IPV6_TCLASS cmsgs on send override per datagram.  The ICMP6_FILTER bit of a type set
 * means "pass" (KAME's ICMP6_FILTER_WILLPASS).
 */
#include "netinet6/in6_var.h"
#include "netinet/tcp_var.h"

#define UDP6_SENDSPACE	9216
#define UDP6_RECVSPACE	(40 * 1024 + 1600)
#define RIP6_SPACE	8192

static int
in6p_priv(void)
{
	struct lwp *l = curlwp();

	return l == NULL ? 0 : cred_super(lwp_cred(l));
}

static struct in6pcb *
in6p_of(struct socket *so)
{
	return so->so_pcb;
}

/* ---------------------------------------------------------------- v4-mapped */

static void
in6_mapped(struct nb_in6_addr *a, uint32_t v4)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	memcpy(a->s6_addr + 12, &v4, 4);
}

static uint32_t
in6_v4of(const struct nb_in6_addr *a)
{
	uint32_t v;

	memcpy(&v, a->s6_addr + 12, 4);
	return v;
}

/* ---------------------------------------------------------------- ports */

/*
 * Is port taken for me binding a?  NetBSD's in6_pcbbind_port / in6_pcblookup_port: an IPv6
 * address or :: sees the AF_INET6 pcbs not bound to a mapped address; a mapped (IPv4)
 * address sees the dual-stack ones on :: or a mapped address, and the IPv4 pcbs of the
 * port (udp4_port_inuse).  :: and ::ffff:0.0.0.0 are wildcards.  A wildcard meets a specific
 * address only for a newcomer without SO_REUSEADDR and SO_REUSEPORT; a pcb met is a
 * conflict unless both have SO_REUSEPORT (for a multicast address SO_REUSEADDR counts as
 * SO_REUSEPORT).
 */
static int
udp6_wildaddr(const struct nb_in6_addr *a)
{
	return in6_is_unspec(a) || (in6_is_v4mapped(a) && in6_v4of(a) == INADDR_ANY);
}

static int
udp6_port_conflict(struct inet6_state *s, struct in6pcb *me, const struct nb_in6_addr *a,
    uint16_t port)
{
	int opts = me->in6p_socket != NULL ? me->in6p_socket->so_options : 0;
	int reuseport = opts & SO_REUSEPORT, wild = !(opts & (SO_REUSEADDR | SO_REUSEPORT));
	int mapped = in6_is_v4mapped(a);
	struct in6pcb *p;

	if (in6_is_mcast(a) && (opts & (SO_REUSEADDR | SO_REUSEPORT)))
		reuseport = SO_REUSEADDR | SO_REUSEPORT;
	if (mapped && udp4_port_inuse(s->i6_kern, in6_v4of(a), port,
	    (opts & SO_REUSEADDR ? INP_REUSEADDR : 0) | (opts & SO_REUSEPORT ? INP_REUSEPORT : 0)))
		return 1;
	for (p = s->i6_pcbs; p != NULL; p = p->in6p_next) {
		int wildcard = 0;
		if (p == me || p->in6p_raw || p->in6p_lport != port || !(p->in6p_flags & IN6P_BOUND))
			continue;
		if (mapped && ((p->in6p_flags & IN6P_V6ONLY) || (!in6_is_unspec(&p->in6p_laddr) &&
		    !in6_is_v4mapped(&p->in6p_laddr))))
			continue;
		if (!mapped && in6_is_v4mapped(&p->in6p_laddr))
			continue;
		if (!udp6_wildaddr(&p->in6p_laddr)) {
			if (udp6_wildaddr(a))
				wildcard = 1;
			else if (!in6_eq(&p->in6p_laddr, a))
				continue;
		} else if (!udp6_wildaddr(a))
			wildcard = 1;
		if (wildcard && !wild)
			continue;
		if (p->in6p_socket != NULL && (reuseport & p->in6p_socket->so_options))
			continue;
		return 1;
	}
	return 0;
}

/* net.netinet's IPv4 bind of (laddr, lport) meets the dual-stack pcbs on :: or a mapped
 * address (NetBSD's in_pcbbind_port looks them up with the mapped address). */
static int
udp6_inuse4(struct kern *k, uint32_t laddr, uint16_t lport, int flags)
{
	struct inet6_state *s = inet6_state(k);
	int wild = !(flags & (INP_REUSEADDR | INP_REUSEPORT));
	struct in6pcb *p;

	if (s == NULL)
		return 0;
	for (p = s->i6_pcbs; p != NULL; p = p->in6p_next) {
		int exact;
		if (p->in6p_raw || p->in6p_lport != lport || !(p->in6p_flags & IN6P_BOUND) ||
		    (p->in6p_flags & IN6P_V6ONLY))
			continue;
		if (!in6_is_unspec(&p->in6p_laddr) && !in6_is_v4mapped(&p->in6p_laddr))
			continue;
		exact = in6_is_v4mapped(&p->in6p_laddr) && in6_v4of(&p->in6p_laddr) == laddr;
		if (!exact && !(wild && (in6_is_unspec(&p->in6p_laddr) || laddr == INADDR_ANY ||
		    in6_v4of(&p->in6p_laddr) == INADDR_ANY)))
			continue;
		if ((flags & INP_REUSEPORT) && p->in6p_socket != NULL &&
		    (p->in6p_socket->so_options & SO_REUSEPORT))
			continue;
		return 1;
	}
	return 0;
}

static int
udp6_ephemeral(struct inet6_state *s, struct in6pcb *me, const struct nb_in6_addr *a,
    uint16_t *portp)
{
	int lo = s->i6_anonportmin, hi = s->i6_anonportmax, n = hi - lo + 1, i;
	uint16_t port;

	if (s->i6_lastport < lo || s->i6_lastport > hi)
		s->i6_lastport = (uint16_t)(lo + kern_random32(s->i6_kern) % (uint32_t)n);
	for (i = 0; i < n; i++) {
		port = s->i6_lastport;
		s->i6_lastport = port >= hi ? (uint16_t)lo : (uint16_t)(port + 1);
		if (!udp6_port_conflict(s, me, a, htons_(port))) {
			*portp = htons_(port);
			return 0;
		}
	}
	return EAGAIN;
}

/* ---------------------------------------------------------------- pcbs */

static int
in6p_bind(struct inet6_state *s, struct in6pcb *in6p, const struct nb_sockaddr_in6 *sin6)
{
	struct nb_in6_addr a = sin6->sin6_addr;
	uint16_t port = sin6->sin6_port;
	int error;

	if (in6p->in6p_flags & IN6P_BOUND)
		return EINVAL;
	if (in6_is_v4mapped(&a) && in6p->in6p_raw)
		return EADDRNOTAVAIL;	/* NetBSD's rip6_bind: no mapped addresses, v6only or not */
	if (in6_is_v4mapped(&a)) {
		/* a dual-stack socket bound to one of our IPv4 addresses (or ::ffff:0.0.0.0) */
		if (in6p->in6p_flags & IN6P_V6ONLY)
			return EINVAL;
		if (in6_v4of(&a) != INADDR_ANY && in_ifaddr_of(s->i6_ns, in6_v4of(&a)) == NULL)
			return EADDRNOTAVAIL;
	} else if (sin6->sin6_scope_id != 0 && in6_zone_ifp(s, sin6->sin6_scope_id) == NULL)
		return ENXIO;
	else if (!in6_is_unspec(&a) && !in6_is_mcast(&a)) {
		struct ifnet *zone = in6_zone_ifp(s, sin6->sin6_scope_id);
		struct in6_ifaddr *ia;

		if (in6_is_linklocal(&a) && zone == NULL)
			return EADDRNOTAVAIL;
		ia = in6_ifaddr_of(s, &a, zone);
		if (ia == NULL || (ia->ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_ANYCAST |
		    IN6_IFF_DETACHED)))
			return EADDRNOTAVAIL;
		in6p->in6p_lzone = in6_is_linklocal(&a) ? (uint32_t)zone->if_index : 0;
	}
	if (in6p->in6p_raw) {
		in6p->in6p_laddr = a;
		in6p->in6p_flags |= IN6P_BOUND;
		return 0;
	}
	if (port == 0) {
		if ((error = udp6_ephemeral(s, in6p, &a, &port)) != 0)
			return error;
	} else {
		if (ntohs_(port) < 1024 && in6p_priv() != 0)
			return EACCES;
		if (udp6_port_conflict(s, in6p, &a, port))
			return EADDRINUSE;
	}
	in6p->in6p_laddr = a;
	in6p->in6p_lport = port;
	in6p->in6p_flags |= IN6P_BOUND;
	return 0;
}

/* The route for dst (zone: its scope id): the outgoing interface, for the source. */
static int
in6p_route(struct inet6_state *s, struct in6pcb *in6p, const struct nb_in6_addr *dst,
    uint32_t zoneid, int pktif, struct ifnet **ifpp)
{
	struct ifnet *zone = NULL;
	struct rt6entry *rt;

	if (zoneid != 0 && (zone = in6_zone_ifp(s, zoneid)) == NULL)
		return ENXIO;
	if (pktif != 0 && (zone = in6_zone_ifp(s, (uint32_t)pktif)) == NULL)
		return ENXIO;
	if (in6_is_mcast(dst)) {
		if (zone == NULL && in6p->in6p_mifindex != 0)
			zone = in6_zone_ifp(s, (uint32_t)in6p->in6p_mifindex);
		if (zone == NULL && !in6_is_mc_linklocal(dst) &&
		    (rt = rt6_lookup(s, dst, NULL)) != NULL)
			zone = rt->rt6_ifp;
		if (zone == NULL)
			return EHOSTUNREACH;
		*ifpp = zone;
		return 0;
	}
	if (in6_scoped(dst)) {
		if (zone == NULL)
			return EHOSTUNREACH;
		*ifpp = zone;
		return 0;
	}
	if (in6_ifaddr_of(s, dst, NULL) != NULL) {
		*ifpp = s->i6_ns->ns_lo0;
		return 0;
	}
	if ((rt = rt6_lookup(s, dst, NULL)) == NULL)
		return EHOSTUNREACH;
	*ifpp = zone != NULL ? zone : rt->rt6_ifp;
	return 0;
}

static int
in6p_connect(struct inet6_state *s, struct in6pcb *in6p, const struct nb_sockaddr_in6 *sin6)
{
	struct nb_in6_addr dst = sin6->sin6_addr, src;
	struct nb_sockaddr_in6 any;
	struct ifnet *ifp;
	int error;

	if (sin6->sin6_port == 0 && !in6p->in6p_raw)
		return EADDRNOTAVAIL;
	if (in6_is_v4mapped(&dst) && in6p->in6p_raw)
		return EHOSTUNREACH;	/* NetBSD's rip6_connect: no route to a mapped address */
	if (in6_is_v4mapped(&dst)) {
		struct inet_state *is = inet_state(s->i6_kern);
		uint32_t src4;
		if ((in6p->in6p_flags & IN6P_V6ONLY) || is == NULL)
			return EINVAL;
		if (!in6_is_unspec(&in6p->in6p_laddr) && !in6_is_v4mapped(&in6p->in6p_laddr))
			return EINVAL;		/* bound to an IPv6 address */
		if (in6_is_unspec(&in6p->in6p_laddr) || in6_v4of(&in6p->in6p_laddr) == 0) {
			if ((error = in_selectsrc(is, in6_v4of(&dst), &src4)) != 0)
				return error;
		} else
			src4 = in6_v4of(&in6p->in6p_laddr);
		if (!(in6p->in6p_flags & IN6P_BOUND)) {
			in6_sockaddr(&any, NULL, 0, 0);
			if ((error = in6p_bind(s, in6p, &any)) != 0)
				return error;
		}
		in6_mapped(&in6p->in6p_laddr, src4);
		in6p->in6p_faddr = dst;
		in6p->in6p_fport = sin6->sin6_port;
		in6p->in6p_lzone = in6p->in6p_fzone = 0;
		return 0;
	}
	if (in6_is_unspec(&dst))
		dst.s6_addr[15] = 1;	/* NetBSD: :: means the loopback address */
	if ((error = in6p_route(s, in6p, &dst, sin6->sin6_scope_id, 0, &ifp)) != 0)
		return error;
	if (in6_is_unspec(&in6p->in6p_laddr)) {
		if ((error = in6_selectsrc(s, &dst, ifp, &src)) != 0)
			return error;
	} else
		src = in6p->in6p_laddr;
	if (!(in6p->in6p_flags & IN6P_BOUND)) {
		in6_sockaddr(&any, NULL, 0, 0);
		if ((error = in6p_bind(s, in6p, &any)) != 0)
			return error;
	}
	if (!in6p->in6p_raw && udp6_port_conflict(s, in6p, &src, in6p->in6p_lport) &&
	    !in6_is_unspec(&in6p->in6p_laddr))
		return EADDRINUSE;
	in6p->in6p_laddr = src;
	in6p->in6p_lzone = in6_is_linklocal(&src) ? (uint32_t)ifp->if_index : 0;
	in6p->in6p_faddr = dst;
	in6p->in6p_fport = sin6->sin6_port;
	in6p->in6p_fzone = in6_scoped(&dst) ? (uint32_t)ifp->if_index : 0;
	return 0;
}

static void in6p_xclear(struct inet6_state *s, struct in6pcb *in6p);

static void
in6p_free(struct inet6_state *s, struct in6pcb *in6p)
{
	struct in6pcb **pp;
	struct in6pcb_mship *m;

	for (pp = &s->i6_pcbs; *pp != NULL; pp = &(*pp)->in6p_next)
		if (*pp == in6p) {
			*pp = in6p->in6p_next;
			break;
		}
	while ((m = in6p->in6p_mships) != NULL) {
		in6p->in6p_mships = m->m_next;
		in6_multi_leave(s, m->m_ifp, &m->m_addr);
		kmem_free(s->i6_kern, m, sizeof(*m));
	}
	in6p_xclear(s, in6p);
	kmem_free(s->i6_kern, in6p, sizeof(*in6p));
}

/* A TCP socket's IPPROTO_IPV6 options live in a pcb of their own, on i6_tcpopts, never
 * on i6_pcbs (so no UDP datagram or bind meets it). */
struct in6pcb *
in6p_optalloc(struct inet6_state *s, struct socket *so)
{
	struct in6pcb *in6p = kmem_zalloc(s->i6_kern, sizeof(*in6p));

	if (in6p == NULL)
		return NULL;
	in6p->in6p_kern = s->i6_kern;
	in6p->in6p_socket = so;
	in6p->in6p_proto = IPPROTO_TCP;
	in6p->in6p_flags = IN6P_TCP;
	in6p->in6p_hops = in6p->in6p_mhops = in6p->in6p_tclass = -1;
	in6p->in6p_minmtu = -1;
	in6p->in6p_cksum = -1;
	in6p->in6p_next = s->i6_tcpopts;
	s->i6_tcpopts = in6p;
	return in6p;
}

void
in6p_optfree(struct inet6_state *s, struct in6pcb *in6p)
{
	struct in6pcb **pp;

	for (pp = &s->i6_tcpopts; *pp != NULL; pp = &(*pp)->in6p_next)
		if (*pp == in6p) {
			*pp = in6p->in6p_next;
			break;
		}
	in6p->in6p_next = NULL;
	in6p_free(s, in6p);	/* memberships, sticky headers */
}

/* Sticky extension headers and next hop: setting, reading, freeing (NetBSD's
 * ip6_setpktopt / ip6_getpcbopt for the sticky case). */
static const int in6p_xopt[4] = { IPV6_HOPOPTS, IPV6_RTHDRDSTOPTS, IPV6_RTHDR, IPV6_DSTOPTS };

static int
in6p_xindex(int optname)
{
	int i;

	for (i = 0; i < 4; i++)
		if (in6p_xopt[i] == optname)
			return i;
	return -1;
}

static void
in6p_xset(struct inet6_state *s, struct in6pcb *in6p, int i, uint8_t *h)
{
	if (in6p->in6p_xhdr[i] != NULL)
		kmem_free(s->i6_kern, in6p->in6p_xhdr[i], (size_t)(in6p->in6p_xhdr[i][1] + 1) * 8);
	in6p->in6p_xhdr[i] = h;
}

static void
in6p_xclear(struct inet6_state *s, struct in6pcb *in6p)
{
	int i;

	for (i = 0; i < 4; i++)
		in6p_xset(s, in6p, i, NULL);
	if (in6p->in6p_nexthop != NULL)
		kmem_free(s->i6_kern, in6p->in6p_nexthop, sizeof(*in6p->in6p_nexthop));
	in6p->in6p_nexthop = NULL;
}

/* IPV6_NEXTHOP's value (sticky or ancillary): a sockaddr_in6 of a unicast address, its
 * zone known.  0, EINVAL, EAFNOSUPPORT or ENXIO, as NetBSD. */
static int
in6_nexthop_check(struct inet6_state *s, const uint8_t *buf, size_t len,
    struct nb_sockaddr_in6 *out)
{
	struct nb_sockaddr_in6 sin6;

	if (len < 16 || len < buf[0])
		return EINVAL;
	if (buf[1] != AF_INET6)
		return EAFNOSUPPORT;
	if (buf[0] != sizeof(sin6) || len < sizeof(sin6))
		return EINVAL;
	memcpy(&sin6, buf, sizeof(sin6));
	if (in6_is_unspec(&sin6.sin6_addr) || in6_is_mcast(&sin6.sin6_addr))
		return EINVAL;
	if (sin6.sin6_scope_id != 0 && in6_zone_ifp(s, sin6.sin6_scope_id) == NULL)
		return ENXIO;
	*out = sin6;
	return 0;
}

static int
in6p_xsetopt(struct inet6_state *s, struct in6pcb *in6p, struct sockopt *sopt)
{
	const uint8_t *buf = sopt->sopt_data;
	size_t len = sopt->sopt_size;
	int i = in6p_xindex(sopt->sopt_name), error;

	if (sopt->sopt_name == IPV6_NEXTHOP) {
		struct nb_sockaddr_in6 nh, *n;
		if (len == 0) {		/* just removes it */
			if (in6p->in6p_nexthop != NULL)
				kmem_free(s->i6_kern, in6p->in6p_nexthop, sizeof(nh));
			in6p->in6p_nexthop = NULL;
			return 0;
		}
		if ((error = in6_nexthop_check(s, buf, len, &nh)) != 0)
			return error;
		if ((n = in6p->in6p_nexthop) == NULL &&
		    (n = kmem_alloc(s->i6_kern, sizeof(*n))) == NULL)
			return ENOBUFS;
		*n = nh;
		in6p->in6p_nexthop = n;
		return 0;
	}
	if (len == 0) {
		in6p_xset(s, in6p, i, NULL);
		return 0;
	}
	if ((error = ip6_xhdr_check(sopt->sopt_name, buf, len)) != 0)
		return error;
	{
		uint8_t *h = kmem_alloc(s->i6_kern, len);
		if (h == NULL)
			return ENOBUFS;
		memcpy(h, buf, len);
		in6p_xset(s, in6p, i, h);
	}
	return 0;
}

static int
in6p_xgetopt(struct in6pcb *in6p, struct sockopt *sopt)
{
	const uint8_t *h;
	size_t len;

	if (sopt->sopt_name == IPV6_NEXTHOP)
		return in6p->in6p_nexthop == NULL ? sockopt_set(sopt, "", 0) :
		    sockopt_set(sopt, in6p->in6p_nexthop, sizeof(*in6p->in6p_nexthop));
	if ((h = in6p->in6p_xhdr[in6p_xindex(sopt->sopt_name)]) == NULL)
		return sockopt_set(sopt, "", 0);	/* unset: nothing */
	len = (size_t)(h[1] + 1) * 8;
	if (len > sizeof(sopt->sopt_buf))
		return EMSGSIZE;	/* more than an answer holds here (128 bytes) */
	return sockopt_set(sopt, h, len);
}

void
in6pcb_ifdetach(struct inet6_state *s, struct ifnet *ifp)
{
	struct in6pcb *p;
	struct in6pcb_mship **pp, *m;

	for (p = s->i6_pcbs; p != NULL; p = p->in6p_next) {
		for (pp = &p->in6p_mships; (m = *pp) != NULL;)
			if (m->m_ifp == ifp) {
				*pp = m->m_next;
				kmem_free(s->i6_kern, m, sizeof(*m));
			} else
				pp = &m->m_next;
		if (p->in6p_mifindex == ifp->if_index)
			p->in6p_mifindex = 0;
	}
}

/* ---------------------------------------------------------------- input */

static int
in6p_append(struct inet6_state *s, struct in6pcb *in6p, struct pkt *p, int off,
    uint16_t sport)
{
	struct socket *so = in6p->in6p_socket;
	uint8_t *ip6 = pkt_data(p);
	struct nb_sockaddr_in6 from;
	struct nb_in6_addr src;
	struct sbctl *ctl = NULL;
	struct ifnet *zone = p->p_rcvif;
	int v;

	memcpy(&src, ip6 + 8, 16);
	in6_sockaddr(&from, &src, sport, zone != NULL ? (uint32_t)zone->if_index : 0);
	if (in6p->in6p_flags & IN6P_RECVPKTINFO) {
		struct nb_in6_pktinfo pi;
		memcpy(&pi.ipi6_addr, ip6 + 24, 16);
		pi.ipi6_ifindex = zone != NULL ? (unsigned)zone->if_index : 0;
		sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (in6p->in6p_flags & IN6P_RECVHOPLIMIT) {
		v = ip6[7];
		sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_HOPLIMIT, &v, sizeof(v));
	}
	if (in6p->in6p_flags & IN6P_RECVTCLASS) {
		v = ((ip6[0] & 0x0f) << 4) | (ip6[1] >> 4);
		sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
	}
	if (in6p->in6p_flags & (IN6P_RECVHOPOPTS | IN6P_RECVDSTOPTS | IN6P_RECVRTHDR)) {
		/* the extension headers between the IPv6 header and the transport one (ip6_input
		 * checked their lengths), each as it came: IPV6_HOPOPTS, IPV6_DSTOPTS (either
		 * side of a routing header), IPV6_RTHDR, as NetBSD's ip6_savecontrol */
		int nxt = ip6[6], o = IP6_HDRLEN, hl;
		while (o + 8 <= off && (nxt == IPPROTO_HOPOPTS || nxt == IPPROTO_DSTOPTS ||
		    nxt == IPPROTO_ROUTING || nxt == IPPROTO_FRAGMENT)) {
			hl = nxt == IPPROTO_FRAGMENT ? 8 : (ip6[o + 1] + 1) * 8;
			if (o + hl > off)
				break;
			if (nxt == IPPROTO_HOPOPTS && (in6p->in6p_flags & IN6P_RECVHOPOPTS))
				sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_HOPOPTS, ip6 + o,
				    (size_t)hl);
			else if (nxt == IPPROTO_DSTOPTS && (in6p->in6p_flags & IN6P_RECVDSTOPTS))
				sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_DSTOPTS, ip6 + o,
				    (size_t)hl);
			else if (nxt == IPPROTO_ROUTING && (in6p->in6p_flags & IN6P_RECVRTHDR))
				sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_RTHDR, ip6 + o,
				    (size_t)hl);
			nxt = ip6[o];
			o += hl;
		}
	}
	if (sb_append_rec(s->i6_kern, &so->so_rcv, (struct nb_sockaddr *)&from, ip6 + off,
	    p->p_len - (size_t)off, ctl, 0) == 0) {
		so_rwakeup(so);
		return 1;
	}
	if (ctl != NULL)
		net_defer_ctl(s->i6_kern, ctl);
	s->i6_stat.udp6s_fullsock++;
	return 0;
}

static int
in6p_match_local(struct in6pcb *in6p, const struct nb_in6_addr *dst, struct ifnet *zone)
{
	if (in6_is_unspec(&in6p->in6p_laddr))
		return 1;
	if (!in6_eq(&in6p->in6p_laddr, dst))
		return 0;
	return in6p->in6p_lzone == 0 || zone == NULL || in6p->in6p_lzone == (uint32_t)zone->if_index;
}

void
udp6_input(struct inet6_state *s, struct pkt *p, int off)
{
	uint8_t *ip6 = pkt_data(p), *uh = ip6 + off;
	size_t len = p->p_len - (size_t)off;
	struct nb_in6_addr src, dst;
	struct in6pcb *in6p, *best = NULL;
	uint16_t sport, dport, ulen;
	int bestscore = -1, delivered = 0;

	if (len < 8) {
		s->i6_stat.ip6s_tooshort++;
		goto drop;
	}
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	ulen = (uint16_t)(uh[4] << 8 | uh[5]);
	if (ulen != len) {
		s->i6_stat.udp6s_badsum++;
		goto drop;
	}
	if ((uh[6] == 0 && uh[7] == 0) ||
	    in6_cksum(&src, &dst, IPPROTO_UDP, uh, len) != 0) {
		s->i6_stat.udp6s_badsum++;	/* RFC 8200 8.1: a zero checksum is bad */
		goto drop;
	}
	s->i6_stat.udp6s_ipackets++;
	memcpy(&sport, uh, 2);
	memcpy(&dport, uh + 2, 2);
	for (in6p = s->i6_pcbs; in6p != NULL; in6p = in6p->in6p_next) {
		int score = 0;

		if (in6p->in6p_raw || in6p->in6p_lport != dport || in6p->in6p_socket == NULL)
			continue;
		if (!in6p_match_local(in6p, &dst, p->p_rcvif))
			continue;
		if (!in6_is_unspec(&in6p->in6p_faddr)) {
			if (!in6_eq(&in6p->in6p_faddr, &src) || in6p->in6p_fport != sport)
				continue;
			score += 2;
		}
		if (!in6_is_unspec(&in6p->in6p_laddr))
			score += 1;
		if (in6_is_mcast(&dst)) {	/* every matching socket gets a copy */
			in6p_append(s, in6p, p, off + 8, sport);
			delivered = 1;
			continue;
		}
		if (score > bestscore)
			bestscore = score, best = in6p;
	}
	if (best != NULL) {
		in6p_append(s, best, p, off + 8, sport);
		delivered = 1;
	}
	if (!delivered) {
		s->i6_stat.udp6s_noport++;
		if (!(p->p_flags & (PKT_MCAST | PKT_BCAST)))
			icmp6_error(s, p, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0);
	}
drop:
	pkt_free(p);
}

int
rip6_input(struct inet6_state *s, struct pkt *p, int off, int nxt)
{
	uint8_t *ip6 = pkt_data(p);
	struct nb_in6_addr src, dst;
	struct in6pcb *in6p;
	int n = 0;

	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	for (in6p = s->i6_pcbs; in6p != NULL; in6p = in6p->in6p_next) {
		if (!in6p->in6p_raw || in6p->in6p_socket == NULL)
			continue;
		if (in6p->in6p_proto != 0 && in6p->in6p_proto != nxt)
			continue;
		if (!in6_is_mcast(&dst) && !in6p_match_local(in6p, &dst, p->p_rcvif))
			continue;
		if (!in6_is_unspec(&in6p->in6p_faddr) && !in6_eq(&in6p->in6p_faddr, &src))
			continue;
		if (nxt == IPPROTO_ICMPV6 && (size_t)off < p->p_len) {
			int type = ip6[off];
			if (!(in6p->in6p_filter.icmp6_filt[type >> 5] & (1U << (type & 31))))
				continue;
		}
		n += in6p_append(s, in6p, p, off, 0);
	}
	return n;
}

void
udp6_ctlinput(struct inet6_state *s, int type, int code, const uint8_t *ip6, size_t len)
{
	struct nb_in6_addr src, dst;
	struct in6pcb *in6p;
	uint16_t sport, dport;
	int error, nxt = ip6[6], off = IP6_HDRLEN;

	if (nxt != IPPROTO_UDP || len < (size_t)off + 8)
		return;		/* only a plain UDP header right after the IPv6 one */
	if (type == ICMP6_DST_UNREACH)
		error = code == ICMP6_DST_UNREACH_NOPORT ? ECONNREFUSED : EHOSTUNREACH;
	else if (type == ICMP6_PARAM_PROB && code == ICMP6_PARAMPROB_NEXTHEADER)
		error = ECONNREFUSED;
	else if (type == ICMP6_TIME_EXCEEDED)
		error = EHOSTUNREACH;
	else
		return;
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	memcpy(&sport, ip6 + off, 2);
	memcpy(&dport, ip6 + off + 2, 2);
	for (in6p = s->i6_pcbs; in6p != NULL; in6p = in6p->in6p_next)
		if (!in6p->in6p_raw && in6p->in6p_socket != NULL && in6p->in6p_lport == sport &&
		    in6p->in6p_fport == dport && in6_eq(&in6p->in6p_faddr, &dst) &&
		    in6_eq(&in6p->in6p_laddr, &src))
			so_seterror(in6p->in6p_socket, error);
}

/* NetBSD's in6_pcbnotify for PRC_MSGSIZE: every socket of the kind with IPV6_RECVPATHMTU,
 * unconnected or connected to dst, gets an empty datagram from dst with an IPV6_PATHMTU
 * cmsg (ip6_notify_pmtu). */
void
in6p_pmtu_notify(struct inet6_state *s, int udp, const struct nb_in6_addr *dst,
    struct ifnet *zone, uint32_t mtu)
{
	struct nb_ip6_mtuinfo mi;
	struct in6pcb *in6p;

	memset(&mi, 0, sizeof(mi));
	in6_sockaddr(&mi.ip6m_addr, dst, 0,
	    in6_scoped(dst) && zone != NULL ? (uint32_t)zone->if_index : 0);
	mi.ip6m_mtu = mtu;
	for (in6p = s->i6_pcbs; in6p != NULL; in6p = in6p->in6p_next) {
		struct sbctl *ctl = NULL;
		struct socket *so = in6p->in6p_socket;
		if (so == NULL || in6p->in6p_raw == udp || !(in6p->in6p_flags & IN6P_RECVPATHMTU))
			continue;
		if (!in6_is_unspec(&in6p->in6p_faddr) && !in6_eq(&in6p->in6p_faddr, dst))
			continue;
		if (sbctl_add(s->i6_kern, &ctl, IPPROTO_IPV6, IPV6_PATHMTU, &mi, sizeof(mi)) != 0)
			continue;
		if (sb_append_rec(s->i6_kern, &so->so_rcv, (struct nb_sockaddr *)&mi.ip6m_addr,
		    NULL, 0, ctl, 0) == 0)
			so_rwakeup(so);
		else
			net_defer_ctl(s->i6_kern, ctl);
	}
}

/* ---------------------------------------------------------------- output */

struct ip6_pktopts {
	struct nb_in6_pktinfo pi;
	int havepi, hlim, tclass;
	int minmtu;			/* IPV6_USE_MIN_MTU cmsg, -2: none */
	int dontfrag;			/* IPV6_DONTFRAG cmsg, -1: none */
	const uint8_t *xh[4];		/* extension headers given for this datagram */
	int havexh[4];			/* 1: xh[i] replaces the sticky one (NULL: none) */
	struct nb_sockaddr_in6 nh;
	int havenh;
};

static int
ip6_ctlparse(struct inet6_state *s, const struct sbctl *ctl, struct ip6_pktopts *o)
{
	const uint8_t *raw, *end;

	if (ctl == NULL || ctl->sc_raw == NULL)
		return 0;
	raw = ctl->sc_raw;
	end = raw + ctl->sc_rawlen;
	while (raw + NB_CMSG_HDRSZ <= end) {
		struct nb_cmsghdr cm;
		size_t dlen;

		memcpy(&cm, raw, sizeof(cm));
		if (cm.cmsg_len < NB_CMSG_HDRSZ || raw + cm.cmsg_len > end)
			return EINVAL;
		dlen = cm.cmsg_len - NB_CMSG_HDRSZ;
		if (cm.cmsg_level != IPPROTO_IPV6)
			return EINVAL;
		switch (cm.cmsg_type) {
		case IPV6_PKTINFO:
			if (dlen != sizeof(o->pi))
				return EINVAL;
			memcpy(&o->pi, raw + NB_CMSG_HDRSZ, sizeof(o->pi));
			o->havepi = 1;
			break;
		case IPV6_HOPLIMIT:
		case IPV6_TCLASS:
		{
			int v;
			if (dlen != sizeof(int))
				return EINVAL;
			memcpy(&v, raw + NB_CMSG_HDRSZ, sizeof(v));
			if (v < -1 || v > 255)
				return EINVAL;
			if (cm.cmsg_type == IPV6_HOPLIMIT)
				o->hlim = v;
			else
				o->tclass = v;
			break;
		}
		case IPV6_USE_MIN_MTU:
		case IPV6_DONTFRAG:
		{
			int v;
			if (dlen != sizeof(int))
				return EINVAL;
			memcpy(&v, raw + NB_CMSG_HDRSZ, sizeof(v));
			if (cm.cmsg_type == IPV6_DONTFRAG)
				o->dontfrag = v != 0;
			else if (v < -1 || v > 1)
				return EINVAL;
			else
				o->minmtu = v;
			break;
		}
		case IPV6_HOPOPTS:
		case IPV6_DSTOPTS:
		case IPV6_RTHDRDSTOPTS:
		case IPV6_RTHDR:
		{
			int i = in6p_xindex(cm.cmsg_type), error;
			const uint8_t *d = raw + NB_CMSG_HDRSZ;
			if (dlen != 0 && (error = ip6_xhdr_check(cm.cmsg_type, d, dlen)) != 0)
				return error;
			o->xh[i] = dlen != 0 ? d : NULL;	/* empty: none this time */
			o->havexh[i] = 1;
			break;
		}
		case IPV6_NEXTHOP:
		{
			int error;
			if (dlen == 0) {
				o->havenh = -1;		/* none this time */
				break;
			}
			if ((error = in6_nexthop_check(s, raw + NB_CMSG_HDRSZ, dlen, &o->nh)) != 0)
				return error;
			o->havenh = 1;
			break;
		}
		default:
			return ENOPROTOOPT;
		}
		raw += NB_CMSG_ALIGN(cm.cmsg_len);
	}
	return 0;
}

/* A dual-stack socket's datagram to a v4-mapped destination: UDP over IPv4. */
static int
udp6_output4(struct inet6_state *s, struct in6pcb *in6p, const void *data, size_t len,
    const struct nb_in6_addr *dst, uint16_t dport, int hlim)
{
	struct inet_state *is = inet_state(s->i6_kern);
	struct nb_sockaddr_in6 any;
	uint32_t src4, dst4 = in6_v4of(dst), ps;
	uint16_t ulen, sum;
	struct pkt *p;
	uint8_t *uh;
	int error;

	if (is == NULL)
		return EAFNOSUPPORT;
	if (!in6_is_unspec(&in6p->in6p_laddr) && !in6_is_v4mapped(&in6p->in6p_laddr))
		return EINVAL;		/* bound to an IPv6 address */
	if (in6_is_v4mapped(&in6p->in6p_laddr) && in6_v4of(&in6p->in6p_laddr) != 0)
		src4 = in6_v4of(&in6p->in6p_laddr);
	else if ((error = in_selectsrc(is, dst4, &src4)) != 0)
		return error;
	if (!(in6p->in6p_flags & IN6P_BOUND)) {
		in6_sockaddr(&any, NULL, 0, 0);
		if ((error = in6p_bind(s, in6p, &any)) != 0)
			return error;
	}
	if ((p = pkt_alloc(s->i6_kern, 8 + len, PKT_HEADROOM)) == NULL)
		return ENOBUFS;
	uh = pkt_data(p);
	ulen = htons_((uint16_t)(8 + len));
	memcpy(uh, &in6p->in6p_lport, 2);
	memcpy(uh + 2, &dport, 2);
	memcpy(uh + 4, &ulen, 2);
	uh[6] = uh[7] = 0;
	if (len > 0)
		memcpy(uh + 8, data, len);
	ps = in_cksum_add(&src4, 4, 0);
	ps = in_cksum_add(&dst4, 4, ps);
	ps += IPPROTO_UDP + (uint32_t)(8 + len);
	sum = in_cksum(uh, 8 + len, ps);
	if (sum == 0)
		sum = 0xffff;
	memcpy(uh + 6, &sum, 2);
	is->is_stat.udps_opackets++;
	return ip_output(is, p, src4, dst4, IPPROTO_UDP, hlim >= 0 ? hlim :
	    in6p->in6p_hops >= 0 ? in6p->in6p_hops : is->is_ttl, 0);
}

/* IPv4 UDP no IPv4 socket took (net.netinet's udp_input): the best dual-stack IPv6 socket
 * on the port, the sender as ::ffff:a.b.c.d.  1 if taken (p consumed). */
static int
udp6_mapped_input(struct kern *k, struct pkt *p, int hlen, unsigned ulen)
{
	struct inet6_state *s = inet6_state(k);
	uint8_t *ip = pkt_data(p), *uh = ip + hlen;
	struct nb_in6_addr src, dst;
	struct in6pcb *in6p, *best = NULL;
	struct nb_sockaddr_in6 from;
	uint16_t sport, dport;
	uint32_t v;
	int score, bestscore = -1;

	if (s == NULL)
		return 0;
	memcpy(&v, ip + 12, 4);
	in6_mapped(&src, v);
	memcpy(&v, ip + 16, 4);
	in6_mapped(&dst, v);
	memcpy(&sport, uh, 2);
	memcpy(&dport, uh + 2, 2);
	for (in6p = s->i6_pcbs; in6p != NULL; in6p = in6p->in6p_next) {
		if (in6p->in6p_raw || in6p->in6p_socket == NULL || in6p->in6p_lport != dport ||
		    (in6p->in6p_flags & IN6P_V6ONLY))
			continue;
		score = 0;
		if (!in6_is_unspec(&in6p->in6p_laddr)) {
			if (!in6_is_v4mapped(&in6p->in6p_laddr))
				continue;
			if (in6_v4of(&in6p->in6p_laddr) != 0) {
				if (!in6_eq(&in6p->in6p_laddr, &dst))
					continue;
				score++;
			}
		}
		if (!in6_is_unspec(&in6p->in6p_faddr)) {
			if (!in6_eq(&in6p->in6p_faddr, &src) || in6p->in6p_fport != sport)
				continue;
			score += 2;
		}
		if (score > bestscore)
			bestscore = score, best = in6p;
	}
	if (best == NULL)
		return 0;
	in6_sockaddr(&from, &src, sport, 0);
	if (sb_append_rec(k, &best->in6p_socket->so_rcv, (struct nb_sockaddr *)&from, uh + 8,
	    ulen - 8, NULL, 0) == 0)
		so_rwakeup(best->in6p_socket);
	else
		s->i6_stat.udp6s_fullsock++;
	pkt_free(p);
	return 1;
}

static int
in6p_output(struct inet6_state *s, struct in6pcb *in6p, const void *data, size_t len,
    const struct nb_sockaddr_in6 *to, const struct sbctl *ctl)
{
	struct ip6_pktopts o = { .hlim = -1, .tclass = -1, .minmtu = -2, .dontfrag = -1 };
	struct ip6_xhdrs x;
	struct nb_in6_addr dst, src, hop;
	uint32_t hopzone;
	int i, anyx = 0;
	struct nb_sockaddr_in6 any;
	struct ifnet *ifp;
	uint32_t zoneid;
	uint16_t dport;
	struct pkt *p;
	size_t hlen = in6p->in6p_raw ? 0 : 8;
	int hlim, tclass, error, flags = 0;

	if ((error = ip6_ctlparse(s, ctl, &o)) != 0)
		return error;
	if (!o.havepi && (!in6_is_unspec(&in6p->in6p_pktinfo.ipi6_addr) ||
	    in6p->in6p_pktinfo.ipi6_ifindex != 0)) {
		o.pi = in6p->in6p_pktinfo;
		o.havepi = 1;
	}
	if (to != NULL) {
		if (!in6_is_unspec(&in6p->in6p_faddr))
			return EISCONN;
		dst = to->sin6_addr;
		dport = to->sin6_port;
		zoneid = to->sin6_scope_id;
		if (in6_is_v4mapped(&dst) && in6p->in6p_raw)
			return EHOSTUNREACH;	/* NetBSD's rip6_output: no route */
		if (in6_is_v4mapped(&dst) && (in6p->in6p_flags & IN6P_V6ONLY))
			return EINVAL;
		if (!in6p->in6p_raw && dport == 0)
			return EINVAL;
		if (in6_is_unspec(&dst))
			dst.s6_addr[15] = 1;
	} else {
		if (in6_is_unspec(&in6p->in6p_faddr))
			return in6p->in6p_raw ? EDESTADDRREQ : ENOTCONN;
		dst = in6p->in6p_faddr;
		dport = in6p->in6p_fport;
		zoneid = in6p->in6p_fzone;
	}
	if (len + hlen > 65535)
		return EMSGSIZE;
	if (in6_is_v4mapped(&dst))
		return udp6_output4(s, in6p, data, len, &dst, dport, o.hlim);
	/* the sticky headers and next hop, each overridden by the datagram's own */
	for (i = 0; i < 4; i++) {
		x.x_hdr[i] = o.havexh[i] ? o.xh[i] : in6p->in6p_xhdr[i];
		anyx |= x.x_hdr[i] != NULL;
	}
	x.x_nexthop = o.havenh > 0 ? &o.nh : o.havenh < 0 ? NULL : in6p->in6p_nexthop;
	anyx |= x.x_nexthop != NULL;
	/* the route (so the interface and the source) is the one to the first hop: a type 0
	 * routing header's first address, or the next hop */
	hop = dst;
	hopzone = zoneid;
	if (x.x_hdr[IP6X_RTHDR] != NULL && !in6_is_mcast(&dst))
		memcpy(&hop, x.x_hdr[IP6X_RTHDR] + 8, 16);
	if (x.x_nexthop != NULL && !in6_is_mcast(&dst) && in6_ifaddr_of(s, &hop, NULL) == NULL) {
		hop = x.x_nexthop->sin6_addr;
		hopzone = x.x_nexthop->sin6_scope_id;
		if (!in6_scoped(&hop)) {
			struct rt6entry *r = rt6_lookup(s, &hop, NULL);
			if (r == NULL || (r->rt6_flags & (RTF_GATEWAY | RTF_REJECT | RTF_BLACKHOLE)))
				return EHOSTUNREACH;	/* not a neighbour */
		}
	}
	if ((error = in6p_route(s, in6p, &hop, hopzone, o.havepi ? (int)o.pi.ipi6_ifindex : 0,
	    &ifp)) != 0)
		return error;
	if (o.havepi && !in6_is_unspec(&o.pi.ipi6_addr)) {
		struct in6_ifaddr *ia = in6_ifaddr_of(s, &o.pi.ipi6_addr,
		    ifp->if_type == IFT_LOOP ? NULL : ifp);
		if (ia == NULL || (ia->ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_ANYCAST)))
			return EADDRNOTAVAIL;
		src = o.pi.ipi6_addr;
	} else if (!in6_is_unspec(&in6p->in6p_laddr) && !in6_is_mcast(&in6p->in6p_laddr))
		src = in6p->in6p_laddr;
	else if ((error = in6_selectsrc(s, &dst, ifp, &src)) != 0)
		return error;
	if (!in6p->in6p_raw && !(in6p->in6p_flags & IN6P_BOUND)) {
		in6_sockaddr(&any, NULL, 0, 0);
		if ((error = in6p_bind(s, in6p, &any)) != 0)
			return error;
	}
	if ((p = pkt_alloc(s->i6_kern, hlen + len, PKT_HEADROOM + 16)) == NULL)
		return ENOBUFS;
	if (len > 0)
		memcpy(pkt_data(p) + hlen, data, len);
	if (!in6p->in6p_raw) {
		uint8_t *uh = pkt_data(p);
		uint16_t ulen = htons_((uint16_t)(8 + len)), sum;
		memcpy(uh, &in6p->in6p_lport, 2);
		memcpy(uh + 2, &dport, 2);
		memcpy(uh + 4, &ulen, 2);
		uh[6] = uh[7] = 0;
		sum = in6_cksum(&src, &dst, IPPROTO_UDP, uh, 8 + len);
		if (sum == 0)
			sum = 0xffff;
		memcpy(uh + 6, &sum, 2);
		s->i6_stat.udp6s_opackets++;
	} else if (in6p->in6p_cksum >= 0) {
		uint8_t *d = pkt_data(p);
		uint16_t sum;
		if ((size_t)in6p->in6p_cksum + 2 > len) {
			pkt_free(p);
			return EINVAL;
		}
		d[in6p->in6p_cksum] = d[in6p->in6p_cksum + 1] = 0;
		sum = in6_cksum(&src, &dst, in6p->in6p_proto, d, len);
		memcpy(d + in6p->in6p_cksum, &sum, 2);
	}
	if (in6_is_mcast(&dst)) {
		hlim = o.hlim >= 0 ? o.hlim : in6p->in6p_mhops >= 0 ? in6p->in6p_mhops :
		    s->i6_mcasthlim;
		if (in6p->in6p_flags & IN6P_MCASTNOLOOP)
			flags |= IP6OUT_NOLOOP;
	} else
		hlim = o.hlim >= 0 ? o.hlim : in6p->in6p_hops >= 0 ? in6p->in6p_hops :
		    s->i6_hlim;
	tclass = o.tclass >= 0 ? o.tclass : in6p->in6p_tclass;
	/* RFC 3542 11: the minimum MTU (always, or for multicast: -1), no fragments */
	i = o.minmtu != -2 ? o.minmtu : in6p->in6p_minmtu;
	if (i == 1 || (i == -1 && in6_is_mcast(&dst)))
		flags |= IP6OUT_MINMTU;
	if (o.dontfrag >= 0 ? o.dontfrag : (in6p->in6p_flags & IN6P_DONTFRAG) != 0) {
		/* as NetBSD's ip6_output: past the link's MTU EMSGSIZE and a path MTU
		 * notification (to every socket that asked); within it sent whole, the
		 * path's routers answering packet too big */
		size_t tlen = IP6_HDRLEN + p->p_len;
		for (i = 0; i < 4; i++)
			if (x.x_hdr[i] != NULL)
				tlen += (size_t)(x.x_hdr[i][1] + 1) * 8;
		if (tlen > ifp->if_mtu) {
			uint32_t mtu = in6_pathmtu(s, &dst, ifp);
			pkt_free(p);
			in6p_pmtu_notify(s, 1, &dst, ifp, mtu);
			in6p_pmtu_notify(s, 0, &dst, ifp, mtu);
			return EMSGSIZE;
		}
		flags = (flags & ~IP6OUT_MINMTU) | IP6OUT_DONTFRAG | IP6OUT_LINKMTU;
	}
	return ip6_output_x(s, p, &src, &dst, ifp->if_type == IFT_LOOP ? NULL : ifp,
	    in6p->in6p_raw ? in6p->in6p_proto : IPPROTO_UDP, hlim, tclass, flags,
	    anyx ? &x : NULL);
}

/* ---------------------------------------------------------------- socket layer */

static int
in6_attach(struct socket *so, int proto)
{
	struct kern *k = so->so_kern;
	struct inet6_state *s = inet6_state(k);
	struct in6pcb *in6p;
	size_t snd = so->so_type == SOCK_DGRAM ? UDP6_SENDSPACE : RIP6_SPACE;
	size_t rcv = so->so_type == SOCK_DGRAM ? UDP6_RECVSPACE : RIP6_SPACE;
	int error;

	if (s == NULL)
		return EAFNOSUPPORT;
	if (so->so_type == SOCK_DGRAM) {
		if (proto != 0 && proto != IPPROTO_UDP)
			return EPROTONOSUPPORT;
		proto = IPPROTO_UDP;
	} else if (so->so_type == SOCK_RAW) {
		if (proto < 0 || proto > 255)
			return EINVAL;
		if (in6p_priv() != 0)
			return EACCES;
	} else
		return EPROTONOSUPPORT;
	if ((error = sb_reserve(k, &so->so_snd, snd)) != 0 ||
	    (error = sb_reserve(k, &so->so_rcv, rcv)) != 0)
		return error;
	if ((in6p = kmem_zalloc(k, sizeof(*in6p))) == NULL)
		return ENOBUFS;
	in6p->in6p_kern = k;
	in6p->in6p_socket = so;
	in6p->in6p_proto = proto;
	in6p->in6p_raw = so->so_type == SOCK_RAW;
	in6p->in6p_hops = in6p->in6p_mhops = in6p->in6p_tclass = -1;
	in6p->in6p_minmtu = -1;
	in6p->in6p_cksum = in6p->in6p_raw && proto == IPPROTO_ICMPV6 ? 2 : -1;
	memset(&in6p->in6p_filter, 0xff, sizeof(in6p->in6p_filter));
	if (s->i6_v6only)
		in6p->in6p_flags |= IN6P_V6ONLY;
	in6p->in6p_next = s->i6_pcbs;
	s->i6_pcbs = in6p;
	so->so_pcb = in6p;
	return 0;
}

static void
in6_detach(struct socket *so)
{
	if (so->so_pcb != NULL)
		in6p_free(inet6_state(so->so_kern), so->so_pcb);
	so->so_pcb = NULL;
}

static int
in6_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct nb_sockaddr_in6 sin6;
	int error;

	(void)l;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	return in6p_bind(inet6_state(so->so_kern), in6p_of(so), &sin6);
}

static int
in6_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct nb_sockaddr_in6 sin6;
	int error;

	(void)l;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	if (!in6_is_unspec(&in6p_of(so)->in6p_faddr))
		return EISCONN;
	if ((error = in6p_connect(s, in6p_of(so), &sin6)) != 0)
		return error;
	so_isconnected(so);
	return 0;
}

static int
in6_disconnect(struct socket *so)
{
	struct in6pcb *in6p = in6p_of(so);

	if (in6_is_unspec(&in6p->in6p_faddr))
		return ENOTCONN;
	memset(&in6p->in6p_faddr, 0, sizeof(in6p->in6p_faddr));
	in6p->in6p_fport = 0;
	in6p->in6p_fzone = 0;
	so->so_state &= ~SS_ISCONNECTED;
	return 0;
}

static int
in6_shutdown(struct socket *so)
{
	so_cantsendmore(so);
	return 0;
}

static int
in6_send(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct nb_sockaddr_in6 sin6;
	int error = 0;

	(void)flags, (void)l;
	if (nam != NULL)
		error = sin6_check(nam, nam->sa_len, &sin6);
	if (error == 0)
		error = in6p_output(s, in6p_of(so), data, len, nam != NULL ? &sin6 : NULL, ctl);
	net_defer_ctl(so->so_kern, ctl);
	ifs_flush(s->i6_ns);
	return error;
}

static int
in6_sockaddr_(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct in6pcb *in6p = in6p_of(so);

	memset(nam, 0, sizeof(*nam));
	in6_sockaddr((struct nb_sockaddr_in6 *)nam, &in6p->in6p_laddr, in6p->in6p_lport,
	    in6p->in6p_lzone);
	return 0;
}

static int
in6_peeraddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct in6pcb *in6p = in6p_of(so);

	if (in6_is_unspec(&in6p->in6p_faddr))
		return ENOTCONN;
	memset(nam, 0, sizeof(*nam));
	in6_sockaddr((struct nb_sockaddr_in6 *)nam, &in6p->in6p_faddr, in6p->in6p_fport,
	    in6p->in6p_fzone);
	return 0;
}

static int
in6p_flagopt(struct in6pcb *in6p, int op, struct sockopt *sopt, int flag)
{
	int v, error;

	if (op == PRCO_GETOPT)
		return sockopt_setint(sopt, (in6p->in6p_flags & flag) != 0);
	if ((error = sockopt_getint(sopt, &v)) != 0)
		return error;
	if (v)
		in6p->in6p_flags |= flag;
	else
		in6p->in6p_flags &= ~flag;
	return 0;
}

static int
in6p_membership(struct inet6_state *s, struct in6pcb *in6p, int join, struct sockopt *sopt)
{
	struct nb_ipv6_mreq mr;
	struct in6pcb_mship **pp, *m;
	struct ifnet *ifp;
	struct rt6entry *rt;
	int error;

	if ((error = sockopt_get(sopt, &mr, sizeof(mr))) != 0)
		return error;
	if (!in6_is_mcast(&mr.ipv6mr_multiaddr))
		return EINVAL;
	if (mr.ipv6mr_interface != 0) {
		if ((ifp = in6_zone_ifp(s, mr.ipv6mr_interface)) == NULL)
			return ENXIO;
	} else if (in6_is_mc_linklocal(&mr.ipv6mr_multiaddr))
		return EADDRNOTAVAIL;	/* NetBSD: a link-local group needs an interface */
	else if ((rt = rt6_lookup(s, &mr.ipv6mr_multiaddr, NULL)) != NULL)
		ifp = rt->rt6_ifp;
	else
		return EADDRNOTAVAIL;
	for (pp = &in6p->in6p_mships; (m = *pp) != NULL; pp = &m->m_next)
		if (m->m_ifp == ifp && in6_eq(&m->m_addr, &mr.ipv6mr_multiaddr))
			break;
	if (join) {
		if (m != NULL)
			return EADDRINUSE;
		if ((m = kmem_zalloc(s->i6_kern, sizeof(*m))) == NULL)
			return ENOBUFS;
		if ((error = in6_multi_join(s, ifp, &mr.ipv6mr_multiaddr)) != 0) {
			kmem_free(s->i6_kern, m, sizeof(*m));
			return error;
		}
		m->m_addr = mr.ipv6mr_multiaddr;
		m->m_ifp = ifp;
		m->m_next = in6p->in6p_mships;
		in6p->in6p_mships = m;
		return 0;
	}
	if (m == NULL)
		return EADDRNOTAVAIL;
	*pp = m->m_next;
	in6_multi_leave(s, ifp, &m->m_addr);
	kmem_free(s->i6_kern, m, sizeof(*m));
	return 0;
}

static int
ip6_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct in6pcb *in6p = in6p_of(so);

	if (sopt->sopt_level == SOL_SOCKET)
		return 0;
	if (sopt->sopt_level == IPPROTO_ICMPV6) {
		if (sopt->sopt_name != ICMP6_FILTER || !in6p->in6p_raw ||
		    in6p->in6p_proto != IPPROTO_ICMPV6)
			return ENOPROTOOPT;
		if (op == PRCO_GETOPT)
			return sockopt_set(sopt, &in6p->in6p_filter, sizeof(in6p->in6p_filter));
		return sockopt_get(sopt, &in6p->in6p_filter, sizeof(in6p->in6p_filter));
	}
	if (sopt->sopt_level != IPPROTO_IPV6)
		return ENOPROTOOPT;
	return in6p_ctloutput(s, in6p, op, sopt);
}

/* RFC 3542's path MTU options on a TCP socket: accepted and ignored, read as 0 (NetBSD's
 * ip6_setpktopt: "only for UDP and raw sockets"). */
static int
in6p_tcpignored(int op, struct sockopt *sopt)
{
	int v;

	if (op == PRCO_GETOPT)
		return sockopt_setint(sopt, 0);
	return sockopt_getint(sopt, &v);
}

int
in6p_ctloutput(struct inet6_state *s, struct in6pcb *in6p, int op, struct sockopt *sopt)
{
	int v, error, *ip;
	struct socket *so = in6p->in6p_socket;

	switch (sopt->sopt_name) {
	case IPV6_USE_MIN_MTU:
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, in6p->in6p_minmtu);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v < -1 || v > 1)
			return EINVAL;
		in6p->in6p_minmtu = v;
		return 0;
	case IPV6_DONTFRAG:
		if (in6p->in6p_flags & IN6P_TCP)
			return in6p_tcpignored(op, sopt);
		return in6p_flagopt(in6p, op, sopt, IN6P_DONTFRAG);
	case IPV6_RECVPATHMTU:
		if (in6p->in6p_flags & IN6P_TCP)
			return in6p_tcpignored(op, sopt);
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVPATHMTU);
	case IPV6_PATHMTU:
	{
		/* NetBSD answers the MTU alone, the address zeroed */
		struct nb_ip6_mtuinfo mi;
		struct nb_in6_addr fa;
		struct ifnet *ifp = NULL;
		struct rt6entry *rt;
		if (op != PRCO_GETOPT)
			return ENOPROTOOPT;
		if (so == NULL || !(so->so_state & SS_ISCONNECTED))
			return ENOTCONN;
		fa = in6p->in6p_faddr;
		if (in6p->in6p_flags & IN6P_TCP) {
			struct inpcb *inp = so->so_pcb;
			if (inp == NULL)
				return ENOTCONN;
			memcpy(&fa, inp->inp_faddr46.ia_addr, 16);
			ifp = in6_zone_ifp(s, inp->inp_faddr46.ia_zone);
		} else if (in6p->in6p_fzone != 0)
			ifp = in6_zone_ifp(s, in6p->in6p_fzone);
		if (in6_is_v4mapped(&fa))
			return EINVAL;
		if (ifp == NULL && in6_ifaddr_of(s, &fa, NULL) != NULL)
			ifp = s->i6_ns->ns_lo0;		/* one of ours: looped */
		if (ifp == NULL) {
			if ((rt = rt6_lookup(s, &fa, NULL)) == NULL)
				return EHOSTUNREACH;
			ifp = rt->rt6_ifp;
		}
		memset(&mi, 0, sizeof(mi));
		mi.ip6m_mtu = in6_pathmtu(s, &fa, ifp);
		return sockopt_set(sopt, &mi, sizeof(mi));
	}
	case IPV6_UNICAST_HOPS:
	case IPV6_MULTICAST_HOPS:
	case IPV6_TCLASS:
		ip = sopt->sopt_name == IPV6_UNICAST_HOPS ? &in6p->in6p_hops :
		    sopt->sopt_name == IPV6_MULTICAST_HOPS ? &in6p->in6p_mhops : &in6p->in6p_tclass;
		/* unset: NetBSD reads -1 for the unicast hop limit (the kernel's default
		 * applies), the default for the others */
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, *ip >= 0 ? *ip :
			    sopt->sopt_name == IPV6_UNICAST_HOPS ? -1 :
			    sopt->sopt_name == IPV6_MULTICAST_HOPS ? s->i6_mcasthlim : 0);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v < -1 || v > 255)
			return EINVAL;
		*ip = v;
		return 0;
	case IPV6_MULTICAST_IF:
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, in6p->in6p_mifindex);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v < 0 || (v != 0 && in6_zone_ifp(s, (uint32_t)v) == NULL))
			return ENXIO;
		in6p->in6p_mifindex = v;
		return 0;
	case IPV6_MULTICAST_LOOP:
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, !(in6p->in6p_flags & IN6P_MCASTNOLOOP));
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v != 0 && v != 1)
			return EINVAL;
		if (v)
			in6p->in6p_flags &= ~IN6P_MCASTNOLOOP;
		else
			in6p->in6p_flags |= IN6P_MCASTNOLOOP;
		return 0;
	case IPV6_JOIN_GROUP:
	case IPV6_LEAVE_GROUP:
		if (op == PRCO_GETOPT)
			return EOPNOTSUPP;	/* as NetBSD */
		return in6p_membership(s, in6p, sopt->sopt_name == IPV6_JOIN_GROUP, sopt);
	case IPV6_V6ONLY:
		if (in6p->in6p_flags & IN6P_TCP)
			return ENOPROTOOPT;	/* tcp6_ctloutput's */
		if (op == PRCO_SETOPT && (in6p->in6p_flags & IN6P_BOUND))
			return EINVAL;		/* NetBSD: not after bind */
		return in6p_flagopt(in6p, op, sopt, IN6P_V6ONLY);
	case IPV6_RECVPKTINFO:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVPKTINFO);
	case IPV6_RECVHOPLIMIT:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVHOPLIMIT);
	case IPV6_RECVTCLASS:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVTCLASS);
	case IPV6_RECVHOPOPTS:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVHOPOPTS);
	case IPV6_RECVDSTOPTS:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVDSTOPTS);
	case IPV6_RECVRTHDR:
		return in6p_flagopt(in6p, op, sopt, IN6P_RECVRTHDR);
	case IPV6_HOPOPTS:
	case IPV6_DSTOPTS:
	case IPV6_RTHDRDSTOPTS:
	case IPV6_RTHDR:
	case IPV6_NEXTHOP:
		if (op == PRCO_GETOPT)
			return in6p_xgetopt(in6p, sopt);
		return in6p_xsetopt(s, in6p, sopt);
	case IPV6_PKTINFO:
		if (op == PRCO_GETOPT)
			return sockopt_set(sopt, &in6p->in6p_pktinfo, sizeof(in6p->in6p_pktinfo));
		{
			struct nb_in6_pktinfo pi;
			if ((error = sockopt_get(sopt, &pi, sizeof(pi))) != 0)
				return error;
			if (pi.ipi6_ifindex != 0 && in6_zone_ifp(s, pi.ipi6_ifindex) == NULL)
				return ENXIO;
			if (!in6_is_unspec(&pi.ipi6_addr)) {
				struct in6_ifaddr *ia = in6_ifaddr_of(s, &pi.ipi6_addr,
				    in6_zone_ifp(s, pi.ipi6_ifindex));
				if (ia == NULL || (ia->ia6_flags & IN6_IFF_NOTREADY))
					return EADDRNOTAVAIL;
			}
			in6p->in6p_pktinfo = pi;
			return 0;
		}
	case IPV6_CHECKSUM:
		if (!in6p->in6p_raw)
			return ENOPROTOOPT;
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, in6p->in6p_cksum);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (in6p->in6p_proto == IPPROTO_ICMPV6)
			return EINVAL;		/* RFC 3542 3.1: always the kernel's */
		if (v < -1 || (v >= 0 && (v & 1)))
			return EINVAL;
		in6p->in6p_cksum = v;
		return 0;
	}
	return ENOPROTOOPT;
}

static const struct pr_usrreqs in6_usrreqs = {
	.pr_attach = in6_attach, .pr_detach = in6_detach, .pr_bind = in6_bind,
	.pr_connect = in6_connect, .pr_disconnect = in6_disconnect, .pr_shutdown = in6_shutdown,
	.pr_send = in6_send, .pr_sockaddr = in6_sockaddr_, .pr_peeraddr = in6_peeraddr,
};
static const struct domain inet6domain;
static const struct protosw inet6sw[] = {
	{ .pr_type = SOCK_DGRAM, .pr_domain = &inet6domain, .pr_protocol = IPPROTO_UDP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_ctloutput = ip6_ctloutput,
	  .pr_usrreqs = &in6_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_domain = &inet6domain, .pr_protocol = 0,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_ctloutput = ip6_ctloutput,
	  .pr_usrreqs = &in6_usrreqs },
	{ .pr_type = SOCK_STREAM, .pr_domain = &inet6domain, .pr_protocol = IPPROTO_TCP,
	  .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_LISTEN, .pr_ctloutput = tcp6_ctloutput,
	  .pr_usrreqs = &tcp6_usrreqs },	/* tcp6.c */
};
static const struct domain inet6domain = {
	.dom_family = AF_INET6, .dom_name = "inet6", .dom_protosw = inet6sw, .dom_nprotosw = 3,
};

int
in6_domain_add(struct kern *k)
{
	int error = net_domain_add(k, &inet6domain);

	if (error == 0) {
		ifstate(k)->ns_udp6_mapped = udp6_mapped_input;
		ifstate(k)->ns_udp6_inuse4 = udp6_inuse4;
	}
	return error;
}
