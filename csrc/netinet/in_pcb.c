/*
 * in_pcb.c: UDP and raw IPv4 protocol control blocks: binding (port rules, ephemeral
 * ports), connecting, sending, receive queues and options.  The inp_* functions are the
 * door for the socket layer (and for tests); each takes the kernel's lock.
 *
 * Port rules (as BSD's in_pcbbind): two UDP pcbs may share a local port when their
 * local addresses differ and neither is the wildcard; when one is the wildcard, the
 * newcomer needs SO_REUSEADDR; when the addresses are equal both need SO_REUSEPORT.
 * Ports below 1024 need root (EACCES).
 *
 * UDP pcbs are all on is_udb (creation order); a bound one is also in two hashes: by
 * local port (bind conflicts, broadcast input, ICMP errors) and, for unicast input, by
 * (laddr, lport) while unconnected or by 4-tuple once connected.  Input tries the buckets
 * best match first: connected to the sender on the destination address, connected on the
 * wildcard, bound to the destination address, bound to the wildcard; among equals the
 * newest pcb wins, as the list walk of before chose.  The tables double when they hold
 * twice as many pcbs as buckets, so every step is O(1) however many sockets a kernel
 * has.  Raw pcbs hash by protocol (protocol 0, any, has bucket 0).
 *
 * TCP's pcbs, of both families, have tables of their own (tcp_pcb.c).
 */
#include "netinet/in_var.h"

#define UDP_RECVSPACE	(40 * 1024 + 1600)

static int
inp_priv(void)
{
	struct lwp *l = curlwp();

	return l == NULL ? 0 : cred_super(lwp_cred(l));
}

static void
inp_enqueue(struct inpcb *inp, struct pkt *p)
{
	if (inp->inp_rqbytes + p->p_len > inp->inp_rqmax) {
		inet_state(inp->inp_kern)->is_stat.udps_fullsock++;
		pkt_free(p);
		return;
	}
	p->p_next = NULL;
	*inp->inp_rqtail = p;
	inp->inp_rqtail = &p->p_next;
	inp->inp_rqlen++;
	inp->inp_rqbytes += p->p_len;
	kern_pollnotify(inp->inp_kern);
}

static void
inp_deliver(struct inpcb *inp, struct pkt *p)
{
	if (inp->inp_input != NULL)
		inp->inp_input(inp, p);
	else
		inp_enqueue(inp, p);
}

/* ---------------------------------------------------------------- UDP and raw hashes */

#define UDB_MINBUCKETS	16

static inline unsigned
udb_mix(uint32_t h, unsigned mask)
{
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	return h & mask;
}

static inline struct inpcb **
udb_portb(struct inet_state *is, uint16_t lport)
{
	return &is->is_udbport[udb_mix(lport * 0x9e3779b1U, is->is_udbmask)];
}

static inline struct inpcb **
udb_bindb(struct inet_state *is, uint32_t laddr, uint16_t lport)
{
	return &is->is_udbbind[udb_mix(laddr ^ (lport * 0x9e3779b1U), is->is_udbmask)];
}

static inline struct inpcb **
udb_connb(struct inet_state *is, uint32_t faddr, uint16_t fport, uint32_t laddr,
    uint16_t lport)
{
	return &is->is_udbconn[udb_mix(faddr ^ (laddr * 0x9e3779b1U) ^
	    ((uint32_t)fport << 16 | lport), is->is_udbmask)];
}

/* The lookup bucket inp is in (bound), by its current addresses. */
static struct inpcb **
udb_lookupb(struct inet_state *is, struct inpcb *inp)
{
	if (inp->inp_faddr != INADDR_ANY)
		return udb_connb(is, inp->inp_faddr, inp->inp_fport, inp->inp_laddr, inp->inp_lport);
	return udb_bindb(is, inp->inp_laddr, inp->inp_lport);
}

static void
udb_link(struct inet_state *is, struct inpcb *inp)
{
	struct inpcb **b = udb_portb(is, inp->inp_lport);

	inp->inp_pnext = *b;
	*b = inp;
	b = udb_lookupb(is, inp);
	inp->inp_hnext = *b;
	*b = inp;
}

static void
udb_unchain(struct inpcb **pp, struct inpcb *inp, int port)
{
	for (; *pp != NULL; pp = port ? &(*pp)->inp_pnext : &(*pp)->inp_hnext)
		if (*pp == inp) {
			*pp = port ? inp->inp_pnext : inp->inp_hnext;
			return;
		}
}

static void
udb_free_tables(struct inet_state *is)
{
	size_t sz = (is->is_udbmask + 1) * sizeof(struct inpcb *);

	if (is->is_udbmask == 0)
		return;
	kmem_free(is->is_kern, is->is_udbport, sz);
	kmem_free(is->is_kern, is->is_udbbind, sz);
	kmem_free(is->is_kern, is->is_udbconn, sz);
	is->is_udbport = is->is_udbbind = is->is_udbconn = NULL;
	is->is_udbmask = 0;
}

/* Tables of n buckets with every bound pcb rehashed; ENOBUFS leaves the old ones. */
static int
udb_resize(struct inet_state *is, unsigned n)
{
	struct inpcb **port, **bind, **conn, *inp;
	size_t sz = n * sizeof(struct inpcb *);

	port = kmem_zalloc(is->is_kern, sz);
	bind = kmem_zalloc(is->is_kern, sz);
	conn = kmem_zalloc(is->is_kern, sz);
	if (port == NULL || bind == NULL || conn == NULL) {
		if (port != NULL)
			kmem_free(is->is_kern, port, sz);
		if (bind != NULL)
			kmem_free(is->is_kern, bind, sz);
		if (conn != NULL)
			kmem_free(is->is_kern, conn, sz);
		return ENOBUFS;
	}
	udb_free_tables(is);
	is->is_udbport = port, is->is_udbbind = bind, is->is_udbconn = conn;
	is->is_udbmask = n - 1;
	for (inp = is->is_udb; inp != NULL; inp = inp->inp_next)
		if (inp->inp_flags & INP_BOUND)
			udb_link(is, inp);
	return 0;
}

/* inp just became bound: into the hashes (they grow when full). */
static int
udb_insert(struct inet_state *is, struct inpcb *inp)
{
	int error;

	if (is->is_udbmask == 0 && (error = udb_resize(is, UDB_MINBUCKETS)) != 0)
		return error;
	if (is->is_udbhashed >= 2 * (is->is_udbmask + 1) && is->is_udbmask < (1U << 22))
		(void)udb_resize(is, 4 * (is->is_udbmask + 1));	/* else stay, slower */
	udb_link(is, inp);
	is->is_udbhashed++;
	return 0;
}

static void
udb_remove(struct inet_state *is, struct inpcb *inp)
{
	udb_unchain(udb_portb(is, inp->inp_lport), inp, 1);
	udb_unchain(udb_lookupb(is, inp), inp, 0);
	inp->inp_pnext = inp->inp_hnext = NULL;
	is->is_udbhashed--;
}

/* The newest pcb of a lookup chain with exactly these addresses. */
static struct inpcb *
udb_best(struct inpcb *inp, uint32_t faddr, uint16_t fport, uint32_t laddr, uint16_t lport)
{
	struct inpcb *best = NULL;

	for (; inp != NULL; inp = inp->inp_hnext)
		if (inp->inp_lport == lport && inp->inp_laddr == laddr &&
		    inp->inp_faddr == faddr && inp->inp_fport == fport &&
		    (best == NULL || inp->inp_serial > best->inp_serial))
			best = inp;
	return best;
}

/* Unicast input demux (see the top of the file). */
static struct inpcb *
udb_lookup(struct inet_state *is, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct inpcb *inp;

	if (is->is_udbmask == 0)
		return NULL;
	if ((inp = udb_best(*udb_connb(is, src, sport, dst, dport), src, sport, dst, dport)) ||
	    (inp = udb_best(*udb_connb(is, src, sport, INADDR_ANY, dport), src, sport,
	    INADDR_ANY, dport)) ||
	    (inp = udb_best(*udb_bindb(is, dst, dport), INADDR_ANY, 0, dst, dport)))
		return inp;
	return udb_best(*udb_bindb(is, INADDR_ANY, dport), INADDR_ANY, 0, INADDR_ANY, dport);
}

static void
rawb_unchain(struct inet_state *is, struct inpcb *inp)
{
	udb_unchain(&is->is_rawhash[inp->inp_proto % RAWHASH_SIZE], inp, 0);
}

int
inp_create_locked(struct inet_state *is, int type, int proto, struct inpcb **inpp)
{
	struct inpcb *inp;

	if (type == SOCK_DGRAM) {
		if (proto != 0 && proto != IPPROTO_UDP)
			return EPROTONOSUPPORT;
		proto = IPPROTO_UDP;
	} else if (type == SOCK_RAW) {
		if (proto < 0 || proto > 255)
			return EINVAL;
		if (inp_priv() != 0)
			return EACCES;
	} else
		return EPROTONOSUPPORT;
	if ((inp = kmem_zalloc(is->is_kern, sizeof(*inp))) == NULL)
		return ENOBUFS;
	inp->inp_kern = is->is_kern;
	inp->inp_proto = proto;
	inp->inp_raw = type == SOCK_RAW;
	inp->inp_ttl = -1;
	inp->inp_rqtail = &inp->inp_rq;
	inp->inp_rqmax = UDP_RECVSPACE;
	if (inp->inp_raw && proto == IPPROTO_RAW)
		inp->inp_flags |= INP_HDRINCL;
	inp->inp_serial = ++is->is_pcbserial;
	{
		struct inpcb **head = inp->inp_raw ? &is->is_rawb : &is->is_udb;
		if ((inp->inp_next = *head) != NULL)
			inp->inp_next->inp_prevp = &inp->inp_next;
		inp->inp_prevp = head;
		*head = inp;
	}
	if (inp->inp_raw) {
		struct inpcb **b = &is->is_rawhash[proto % RAWHASH_SIZE];
		inp->inp_hnext = *b;
		*b = inp;
	}
	*inpp = inp;
	return 0;
}

int
inp_create(struct kern *k, int type, int proto, struct inpcb **inpp)
{
	struct inet_state *is;
	int error;

	if (!kern_has(k, COMP_NET_NETINET) || (is = inet_state(k)) == NULL)
		return EAFNOSUPPORT;
	ifs_lock(is->is_ns);
	error = inp_create_locked(is, type, proto, inpp);
	ifs_unlock(is->is_ns);
	return error;
}

void
inp_free(struct inet_state *is, struct inpcb *inp)
{
	struct pkt *p;

	ip_freemoptions(is, inp);	/* leaves its groups */
	if (inp->inp_raw)
		rawb_unchain(is, inp);
	else if (inp->inp_flags & INP_BOUND)
		udb_remove(is, inp);
	if ((*inp->inp_prevp = inp->inp_next) != NULL)
		inp->inp_next->inp_prevp = inp->inp_prevp;
	while ((p = inp->inp_rq) != NULL) {
		inp->inp_rq = p->p_next;
		pkt_free(p);
	}
	kmem_free(inp->inp_kern, inp, sizeof(*inp));
}

void
inp_destroy(struct inpcb *inp)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	struct ifnet_state *ns = is->is_ns;

	ifs_lock(ns);
	inp_free(is, inp);
	ifs_unlock(ns);
}

void
inp_flushall(struct inet_state *is)
{
	while (is->is_udb != NULL)
		inp_free(is, is->is_udb);
	while (is->is_rawb != NULL)
		inp_free(is, is->is_rawb);
	udb_free_tables(is);
}

int
sin_check(const void *sa, size_t salen, struct nb_sockaddr_in *sin)
{
	if (sa == NULL)
		return EFAULT;
	if (salen < sizeof(*sin))
		return EINVAL;
	memcpy(sin, sa, sizeof(*sin));
	if (sin->sin_family != AF_INET)
		return EAFNOSUPPORT;
	if (sin->sin_len != 0 && sin->sin_len != sizeof(*sin))
		return EINVAL;
	return 0;
}

/* Is (laddr, lport) usable by inp under the port rules? */
static int
udp_port_conflict(struct inet_state *is, struct inpcb *inp, uint32_t laddr, uint16_t lport)
{
	struct inpcb *o;

	if (is->is_udbmask == 0)
		return 0;
	for (o = *udb_portb(is, lport); o != NULL; o = o->inp_pnext) {
		if (o == inp || o->inp_lport != lport || !(o->inp_flags & INP_BOUND))
			continue;
		if ((o->inp_flags & INP_REUSEPORT) && (inp->inp_flags & INP_REUSEPORT))
			continue;
		if (o->inp_laddr == laddr)
			return 1;
		if (o->inp_laddr == INADDR_ANY || laddr == INADDR_ANY) {
			if (inp->inp_flags & (INP_REUSEADDR | INP_REUSEPORT))
				continue;
			return 1;
		}
	}
	return 0;
}

/* For net.netinet6's dual-stack binds (udp6.c): is IPv4 (laddr, lport) in use by an IPv4
 * UDP pcb under the port rules, for a newcomer with these INP_REUSEADDR/INP_REUSEPORT? */
int
udp4_port_inuse(struct kern *k, uint32_t laddr, uint16_t lport, int flags)
{
	struct inpcb tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.inp_flags = flags & (INP_REUSEADDR | INP_REUSEPORT);
	return udp_port_conflict(inet_state(k), &tmp, laddr, lport);
}

static int
udp_ephemeral(struct inet_state *is, struct inpcb *inp, uint32_t laddr, uint16_t *portp)
{
	int lo = is->is_anonportmin, hi = is->is_anonportmax, n = hi - lo + 1, i;
	uint16_t port;

	if (is->is_lastport < lo || is->is_lastport > hi) {
		uint16_t r = (uint16_t)kern_random32(is->is_kern);
		is->is_lastport = (uint16_t)(lo + r % n);
	}
	for (i = 0; i < n; i++) {
		port = is->is_lastport;
		is->is_lastport = port >= hi ? (uint16_t)lo : (uint16_t)(port + 1);
		if (!udp_port_conflict(is, inp, laddr, htons_(port))) {
			*portp = htons_(port);
			return 0;
		}
	}
	return EADDRINUSE;
}

int
inp_bind_locked(struct inet_state *is, struct inpcb *inp, const struct nb_sockaddr_in *sin)
{
	uint32_t addr = sin->sin_addr.s_addr;
	uint16_t port = sin->sin_port;
	int error;

	if (inp->inp_flags & INP_BOUND)
		return EINVAL;
	if (addr != INADDR_ANY && in_ifaddr_of(is->is_ns, addr) == NULL &&
	    !(in_broadcast(is->is_ns, addr, NULL) && !inp->inp_raw) &&
	    (ntohl_(addr) >> 28) != 14)
		return EADDRNOTAVAIL;
	if (inp->inp_raw) {
		inp->inp_laddr = addr;
		inp->inp_flags |= INP_BOUND;
		return 0;
	}
	if (port == 0) {
		if ((error = udp_ephemeral(is, inp, addr, &port)) != 0)
			return error;
	} else {
		if (ntohs_(port) < 1024 && inp_priv() != 0)
			return EACCES;
		if (udp_port_conflict(is, inp, addr, port))
			return EADDRINUSE;
		/* NetBSD's in_pcbbind_port: dual-stack IPv6 sockets hold IPv4 ports too */
		if (is->is_ns->ns_udp6_inuse4 != NULL && is->is_ns->ns_udp6_inuse4(is->is_kern,
		    addr, port, inp->inp_flags & (INP_REUSEADDR | INP_REUSEPORT)))
			return EADDRINUSE;
	}
	inp->inp_laddr = addr;
	inp->inp_lport = port;
	if ((error = udb_insert(is, inp)) != 0) {
		inp->inp_laddr = INADDR_ANY;
		inp->inp_lport = 0;
		return error;
	}
	inp->inp_flags |= INP_BOUND;
	return 0;
}

int
inp_bind(struct inpcb *inp, const void *sa, size_t salen)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	struct nb_sockaddr_in sin;
	int error;

	if ((error = sin_check(sa, salen, &sin)) != 0)
		return error;
	ifs_lock(is->is_ns);
	error = inp_bind_locked(is, inp, &sin);
	ifs_unlock(is->is_ns);
	return error;
}

static int inp_autobind(struct inet_state *is, struct inpcb *inp);
static int
inp_autobind(struct inet_state *is, struct inpcb *inp)
{
	struct nb_sockaddr_in sin;

	if (inp->inp_flags & INP_BOUND)
		return 0;
	in_sockaddr(&sin, INADDR_ANY, 0);
	return inp_bind_locked(is, inp, &sin);
}

int
inp_connect_locked(struct inet_state *is, struct inpcb *inp, struct nb_sockaddr_in *sin)
{
	int error;

	if (!inp->inp_raw && sin->sin_port == 0)
		return EADDRNOTAVAIL;
	if (sin->sin_addr.s_addr == INADDR_ANY)
		sin->sin_addr.s_addr = htonl_(0x7f000001U);
	if (!inp->inp_raw && in_broadcast(is->is_ns, sin->sin_addr.s_addr, NULL) &&
	    !(inp->inp_flags & INP_BROADCAST))
		return EACCES;
	if ((error = inp_autobind(is, inp)) != 0)
		return error;
	if (!inp->inp_raw)
		udb_unchain(udb_lookupb(is, inp), inp, 0);
	inp->inp_faddr = sin->sin_addr.s_addr;
	inp->inp_fport = sin->sin_port;
	if (!inp->inp_raw) {
		struct inpcb **b = udb_lookupb(is, inp);
		inp->inp_hnext = *b;
		*b = inp;
	}
	inp->inp_error = 0;
	return 0;
}

void
inp_disconnect_locked(struct inet_state *is, struct inpcb *inp)
{
	int hashed = !inp->inp_raw && (inp->inp_flags & INP_BOUND);

	if (hashed)
		udb_unchain(udb_lookupb(is, inp), inp, 0);
	inp->inp_faddr = INADDR_ANY;
	inp->inp_fport = 0;
	if (hashed) {
		struct inpcb **b = udb_lookupb(is, inp);
		inp->inp_hnext = *b;
		*b = inp;
	}
}

int
inp_connect(struct inpcb *inp, const void *sa, size_t salen)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	struct nb_sockaddr_in sin;
	int error;

	if ((error = sin_check(sa, salen, &sin)) != 0)
		return error;
	ifs_lock(is->is_ns);
	error = inp_connect_locked(is, inp, &sin);
	ifs_unlock(is->is_ns);
	return error;
}

/* NetBSD's in_selectsrc when the route goes through the loopback (a blackhole route, say)
 * and so gives no source: an address on dst's net, the most specific one (ifa_ifwithnet:
 * the longest mask, the first of equal ones), else the first non-loopback IPv4 address,
 * else EADDRNOTAVAIL.  (dst itself being ours was matched before.) */
static int
in_selectsrc_noroute(struct ifnet_state *ns, uint32_t dst, uint32_t *srcp)
{
	struct in_ifaddr *ia, *best = NULL, *any = NULL;
	struct ifnet *ifp;

	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next) {
			if ((dst & ia->ia_mask) == ia->ia_net && (best == NULL ||
			    ntohl_(ia->ia_mask) > ntohl_(best->ia_mask)))
				best = ia;
			if (any == NULL && !(ifp->if_flags & IFF_LOOPBACK))
				any = ia;
		}
	if (best == NULL && (best = any) == NULL)
		return EADDRNOTAVAIL;
	*srcp = best->ia_addr;
	return 0;
}

/* The source address a datagram to dst leaves with. */
int
in_selectsrc(struct inet_state *is, uint32_t dst, uint32_t *srcp)
{
	struct ifnet_state *ns = is->is_ns;
	struct rtentry *rt;
	struct ifnet *ifp;

	if (in_ifaddr_of(ns, dst) != NULL) {
		*srcp = dst;
		return 0;
	}
	if (dst == INADDR_BROADCAST) {
		for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
			if ((ifp->if_flags & IFF_BROADCAST) && ifp->if_inaddrs != NULL) {
				*srcp = ifp->if_inaddrs->ia_addr;
				return 0;
			}
		return ENETUNREACH;
	}
	if ((rt = rt_lookup(ns, dst)) == NULL || (rt->rt_flags & RTF_REJECT))
		return EHOSTUNREACH;
	if (rt->rt_ifp != NULL && (rt->rt_ifp->if_flags & IFF_LOOPBACK))
		return in_selectsrc_noroute(ns, dst, srcp);
	*srcp = rt->rt_ifa != 0 ? rt->rt_ifa : in_ifaddr_first(rt->rt_ifp);
	return 0;
}

static int
inp_copy(void *dst, const void *src, size_t len, int kdata)
{
	if (len == 0)
		return 0;
	if (kdata) {
		memcpy(dst, src, len);
		return 0;
	}
	return copyin(src, dst, len);
}

int
inp_send_locked(struct inet_state *is, struct inpcb *inp, const void *data, size_t len,
    const struct nb_sockaddr_in *to, int kdata)
{
	uint32_t dst, src;
	uint16_t dport;
	struct pkt *p;
	int error, ttl = inp->inp_ttl >= 0 ? inp->inp_ttl : is->is_ttl;
	int flags = (inp->inp_flags & INP_BROADCAST) ? IPOUT_BROADCAST : 0;

	if (inp->inp_error != 0 && to == NULL) {
		error = inp->inp_error;
		inp->inp_error = 0;
		return error;
	}
	if (to != NULL) {
		if (inp->inp_faddr != INADDR_ANY)
			return EISCONN;
		dst = to->sin_addr.s_addr;
		dport = to->sin_port;
	} else {
		if (inp->inp_faddr == INADDR_ANY)
			return inp->inp_raw ? EDESTADDRREQ : ENOTCONN;
		dst = inp->inp_faddr;
		dport = inp->inp_fport;
	}
	if (inp->inp_raw) {
		if (len > 65535 - ((inp->inp_flags & INP_HDRINCL) ? 0 : 20))
			return EMSGSIZE;
		if ((p = pkt_alloc(is->is_kern, len, PKT_HEADROOM)) == NULL)
			return ENOBUFS;
		if ((error = inp_copy(pkt_data(p), data, len, kdata)) != 0) {
			pkt_free(p);
			return error;
		}
		if (inp->inp_flags & INP_HDRINCL) {
			if (len < 20) {
				pkt_free(p);
				return EINVAL;
			}
			memcpy(&dst, pkt_data(p) + 16, 4);
			if (IN_MULTICAST_(dst))
				return ip_mcast_output(is, p, inp->inp_laddr, dst, 0,
				    inp->inp_moptions, IPOUT_RAWHDR);
			return ip_output(is, p, inp->inp_laddr, dst, 0, 0,
			    IPOUT_RAWHDR | flags);
		}
		if (IN_MULTICAST_(dst))
			return ip_mcast_output(is, p, inp->inp_laddr, dst, inp->inp_proto,
			    inp->inp_moptions, 0);
		return ip_output(is, p, inp->inp_laddr, dst, inp->inp_proto, ttl, flags);
	}

	/* UDP */
	if (dport == 0)
		return EADDRNOTAVAIL;
	if (len > 65535 - 28)
		return EMSGSIZE;
	if ((error = inp_autobind(is, inp)) != 0)
		return error;
	src = inp->inp_laddr;
	if (IN_MULTICAST_(dst) && (src == INADDR_ANY || in_broadcast(is->is_ns, src, NULL) ||
	    (ntohl_(src) >> 28) == 14)) {
		/* to a group: the address of the interface it leaves by (NetBSD
		 * in_selectsrc with IP_MULTICAST_IF) */
		struct ifnet *ifp;

		if ((error = ip_mcast_ifp(is, inp->inp_moptions, dst, &ifp)) != 0)
			return error;
		if ((src = in_ifaddr_first(ifp)) == INADDR_ANY)
			return EADDRNOTAVAIL;
	} else if (src == INADDR_ANY || in_broadcast(is->is_ns, src, NULL) ||
	    (ntohl_(src) >> 28) == 14) {
		if ((error = in_selectsrc(is, dst, &src)) != 0)
			return error;
	}
	if ((p = pkt_alloc(is->is_kern, 8 + len, PKT_HEADROOM)) == NULL)
		return ENOBUFS;
	{
		uint8_t *uh = pkt_data(p);
		uint16_t ulen = htons_((uint16_t)(8 + len)), sum;
		uint32_t ps;

		memcpy(uh, &inp->inp_lport, 2);
		memcpy(uh + 2, &dport, 2);
		memcpy(uh + 4, &ulen, 2);
		uh[6] = uh[7] = 0;
		if ((error = inp_copy(uh + 8, data, len, kdata)) != 0) {
			pkt_free(p);
			return error;
		}
		ps = in_cksum_add(&src, 4, 0);
		ps = in_cksum_add(&dst, 4, ps);
		ps += IPPROTO_UDP + (uint32_t)(8 + len);
		sum = in_cksum(uh, 8 + len, ps);
		if (sum == 0)
			sum = 0xffff;
		memcpy(uh + 6, &sum, 2);
	}
	is->is_stat.udps_opackets++;
	if (IN_MULTICAST_(dst))
		return ip_mcast_output(is, p, src, dst, IPPROTO_UDP, inp->inp_moptions, 0);
	return ip_output(is, p, src, dst, IPPROTO_UDP, ttl, flags);
}

int
inp_send(struct inpcb *inp, const void *data, size_t len, const void *to, size_t tolen)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	struct nb_sockaddr_in sin;
	int error;

	if (to != NULL && (error = sin_check(to, tolen, &sin)) != 0)
		return error;
	ifs_lock(is->is_ns);
	error = inp_send_locked(is, inp, data, len, to != NULL ? &sin : NULL, 0);
	ifs_unlock(is->is_ns);
	return error;
}

int
inp_recv(struct inpcb *inp, void *buf, size_t *lenp, size_t *fullp,
    struct nb_sockaddr_in *from)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	struct pkt *p;
	size_t n;
	int error = 0;

	ifs_lock(is->is_ns);
	if ((p = inp->inp_rq) == NULL) {
		error = inp->inp_error != 0 ? inp->inp_error : EWOULDBLOCK;
		inp->inp_error = 0;
		ifs_unlock(is->is_ns);
		return error;
	}
	if ((inp->inp_rq = p->p_next) == NULL)
		inp->inp_rqtail = &inp->inp_rq;
	inp->inp_rqlen--;
	inp->inp_rqbytes -= p->p_len;
	n = p->p_len < *lenp ? p->p_len : *lenp;
	if (n > 0)
		error = copyout(pkt_data(p), buf, n);
	*lenp = n;
	if (fullp != NULL)
		*fullp = p->p_len;
	if (from != NULL)
		in_sockaddr(from, p->p_src, p->p_sport);
	pkt_free(p);
	ifs_unlock(is->is_ns);
	return error;
}

int
inp_pending(struct inpcb *inp)
{
	return inp->inp_rqlen;
}

void
inp_sockname(struct inpcb *inp, struct nb_sockaddr_in *sin, int peer)
{
	if (peer)
		in_sockaddr(sin, inp->inp_faddr, inp->inp_fport);
	else
		in_sockaddr(sin, inp->inp_laddr, inp->inp_lport);
}

int
inp_setopt(struct inpcb *inp, int level, int name, const void *val, size_t len)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	int v, flag = 0, error = 0;

	if (val == NULL || len != sizeof(int))
		return EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: flag = INP_REUSEADDR; break;
		case SO_REUSEPORT: flag = INP_REUSEPORT; break;
		case SO_BROADCAST: flag = INP_BROADCAST; break;
		default: return ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IP) {
		switch (name) {
		case IP_TTL:
			if (v < -1 || v > 255)
				return EINVAL;
			ifs_lock(is->is_ns);
			inp->inp_ttl = v;
			ifs_unlock(is->is_ns);
			return 0;
		case IP_HDRINCL:
			if (!inp->inp_raw)
				return EINVAL;
			flag = INP_HDRINCL;
			break;
		default:
			return ENOPROTOOPT;
		}
	} else
		return ENOPROTOOPT;
	ifs_lock(is->is_ns);
	if (v)
		inp->inp_flags |= flag;
	else
		inp->inp_flags &= ~flag;
	ifs_unlock(is->is_ns);
	return error;
}

int
inp_getopt(struct inpcb *inp, int level, int name, void *val, size_t *len)
{
	struct inet_state *is = inet_state(inp->inp_kern);
	int v, flag = 0;

	if (val == NULL || *len < sizeof(int))
		return EINVAL;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR: flag = INP_REUSEADDR; break;
		case SO_REUSEPORT: flag = INP_REUSEPORT; break;
		case SO_BROADCAST: flag = INP_BROADCAST; break;
		default: return ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		v = inp->inp_ttl >= 0 ? inp->inp_ttl : is->is_ttl;
		goto out;
	} else if (level == IPPROTO_IP && name == IP_HDRINCL && inp->inp_raw)
		flag = INP_HDRINCL;
	else
		return ENOPROTOOPT;
	v = (inp->inp_flags & flag) ? 1 : 0;
out:
	memcpy(val, &v, sizeof(v));
	*len = sizeof(int);
	return 0;
}

/* ---------------------------------------------------------------- input */

void
udp_input(struct inet_state *is, struct pkt *p, int hlen)
{
	uint8_t *ip = pkt_data(p), *uh;
	uint32_t src, dst;
	uint16_t sport, dport, ulen, sum;
	struct inpcb *inp, *best = NULL;
	int bcast = (p->p_flags & PKT_BCAST) != 0;

	is->is_stat.udps_ipackets++;
	if (p->p_len < (size_t)hlen + 8) {
		is->is_stat.udps_badlen++;
		goto drop;
	}
	uh = ip + hlen;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&sport, uh, 2);
	memcpy(&dport, uh + 2, 2);
	ulen = (uint16_t)(uh[4] << 8 | uh[5]);
	if (ulen < 8 || ulen > p->p_len - (size_t)hlen) {
		is->is_stat.udps_badlen++;
		goto drop;
	}
	memcpy(&sum, uh + 6, 2);
	if (sum != 0) {
		uint32_t ps = in_cksum_add(&src, 4, 0);
		ps = in_cksum_add(&dst, 4, ps);
		ps += IPPROTO_UDP + ulen;
		if (in_cksum(uh, ulen, ps) != 0) {
			is->is_stat.udps_badsum++;
			goto drop;
		}
	}
	if (bcast) {
		/* every socket bound to the port gets a copy */
		for (inp = is->is_udbmask != 0 ? *udb_portb(is, dport) : NULL; inp != NULL;
		    inp = inp->inp_pnext) {
			struct pkt *c;
			if (inp->inp_lport != dport || !(inp->inp_flags & INP_BOUND))
				continue;
			if (inp->inp_laddr != INADDR_ANY && inp->inp_laddr != dst)
				continue;
			if (inp->inp_faddr != INADDR_ANY &&
			    (inp->inp_faddr != src || inp->inp_fport != sport))
				continue;
			if ((c = pkt_alloc(is->is_kern, ulen - 8u, 0)) == NULL)
				continue;
			memcpy(pkt_data(c), uh + 8, ulen - 8u);
			c->p_src = src, c->p_sport = sport, c->p_dst = dst, c->p_dport = dport;
			inp_deliver(inp, c);
		}
		goto drop;
	}
	best = udb_lookup(is, src, sport, dst, dport);
	if (best == NULL && is->is_ns->ns_udp6_mapped != NULL &&
	    is->is_ns->ns_udp6_mapped(is->is_kern, p, hlen, ulen))
		return;		/* net.netinet6: a dual-stack IPv6 socket took it */
	if (best == NULL) {
		is->is_stat.udps_noport++;
		icmp_error(is, p, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
		goto drop;
	}
	p->p_len = (uint32_t)hlen + ulen;
	pkt_adj(p, (size_t)hlen + 8);
	p->p_src = src, p->p_sport = sport, p->p_dst = dst, p->p_dport = dport;
	inp_deliver(best, p);
	return;
drop:
	pkt_free(p);
}

struct inpcb *
udp_lookup(struct inet_state *is, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return udb_lookup(is, src, sport, dst, dport);
}

void
udp_ctlinput(struct inet_state *is, int type, int code, const uint8_t *ip, size_t len)
{
	int hlen = (ip[0] & 0x0f) * 4, error;
	uint32_t src, dst;
	uint16_t sport, dport;
	struct inpcb *inp;

	if ((size_t)hlen + 4 > len)
		return;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&sport, ip + hlen, 2);
	memcpy(&dport, ip + hlen + 2, 2);
	if (type == ICMP_UNREACH)
		error = code == ICMP_UNREACH_PORT ? ECONNREFUSED :
		    code == ICMP_UNREACH_NEEDFRAG ? EMSGSIZE : EHOSTUNREACH;
	else if (type == ICMP_TIMXCEED)
		error = EHOSTUNREACH;
	else
		error = ENOPROTOOPT;
	/* only connected sockets hear about errors (BSD) */
	if (is->is_udbmask == 0)
		return;
	for (inp = *udb_portb(is, sport); inp != NULL; inp = inp->inp_pnext)
		if (inp->inp_lport == sport && inp->inp_faddr == dst && inp->inp_fport == dport) {
			if (inp->inp_socket != NULL)
				so_seterror(inp->inp_socket, error);
			else
				inp->inp_error = error;
			kern_pollnotify(inp->inp_kern);
		}
}

static int
rip_chain(struct inet_state *is, struct inpcb *inp, struct pkt *p)
{
	const uint8_t *ip = pkt_data(p);
	uint32_t src, dst;
	int n = 0;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	for (; inp != NULL; inp = inp->inp_hnext) {
		struct pkt *c;
		if (inp->inp_proto != 0 && inp->inp_proto != ip[9])
			continue;
		if (inp->inp_laddr != INADDR_ANY && inp->inp_laddr != dst)
			continue;
		if (inp->inp_faddr != INADDR_ANY && inp->inp_faddr != src)
			continue;
		if ((c = pkt_alloc(is->is_kern, p->p_len, 0)) == NULL)
			continue;
		memcpy(pkt_data(c), ip, p->p_len);
		c->p_src = src, c->p_dst = dst;
		c->p_flags = p->p_flags;
		inp_deliver(inp, c);
		n++;
	}
	return n;
}

int
rip_input(struct inet_state *is, struct pkt *p)
{
	unsigned b = ((const uint8_t *)pkt_data(p))[9] % RAWHASH_SIZE;
	int n;

	/* the protocol's bucket, then protocol 0's (any) when that is another */
	n = rip_chain(is, is->is_rawhash[b], p);
	if (b != 0)
		n += rip_chain(is, is->is_rawhash[0], p);
	return n;
}
