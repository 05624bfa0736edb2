/*
 * rtsock.c: the routing socket's messages (RTM_ADD, RTM_DELETE, RTM_GET, RTM_CHANGE)
 * and the sysctl listings net.route.0.<af>.NET_RT_DUMP / NET_RT_IFLIST, in NetBSD's
 * formats: a header (rt_msghdr 120 bytes, if_msghdr 152, ifa_msghdr 24) followed by
 * the sockaddrs named by the RTA_* bits, in bit order, each padded to RT_ROUNDUP (a
 * multiple of 8; an empty one takes 8).
 */
#include "net/if.h"
#include "netinet/in_var.h"

static void rts_deliver(struct kern *k, struct socket *from, const void *msg, size_t len);

/* A message under construction in a kernel buffer. */
struct rtbuf {
	uint8_t *b;
	size_t len, size;
	int overflow;
};

static void
rb_put(struct rtbuf *rb, const void *p, size_t n, size_t padded)
{
	if (rb->len + padded > rb->size) {
		rb->overflow = 1;
		rb->len += padded;
		return;
	}
	memset(rb->b + rb->len, 0, padded);
	if (p != NULL)
		memcpy(rb->b + rb->len, p, n);
	rb->len += padded;
}

static void
rb_sin(struct rtbuf *rb, uint32_t addr)
{
	struct nb_sockaddr_in sin;

	in_sockaddr(&sin, addr, 0);
	rb_put(rb, &sin, sizeof(sin), RT_ROUNDUP(sizeof(sin)));
}

static void
rb_sdl(struct rtbuf *rb, struct ifnet *ifp)
{
	uint8_t sdl[64];
	size_t n;

	if_link_sdl(ifp, sdl, sizeof(sdl), &n);
	rb_put(rb, sdl, n, RT_ROUNDUP(n));
}

/* Appends a route's rt_msghdr and addresses. */
static void
rt_msg(struct rtbuf *rb, struct rtentry *rt, int type, int seq, int error)
{
	struct nb_rt_msghdr h;
	size_t start = rb->len;

	memset(&h, 0, sizeof(h));
	h.rtm_version = RTM_VERSION;
	h.rtm_type = (uint8_t)type;
	h.rtm_index = (uint16_t)rt->rt_ifp->if_index;
	h.rtm_flags = rt->rt_flags | RTF_DONE;
	h.rtm_addrs = RTA_DST | RTA_GATEWAY | RTA_NETMASK | RTA_IFP | RTA_IFA;
	h.rtm_seq = seq;
	h.rtm_errno = error;
	h.rtm_use = (int)rt->rt_use;
	h.rtm_rmx.rmx_mtu = rt->rt_mtu;
	rb_put(rb, &h, sizeof(h), sizeof(h));
	rb_sin(rb, rt->rt_dst);
	if (rt->rt_flags & RTF_GATEWAY)
		rb_sin(rb, rt->rt_gateway);
	else
		rb_sdl(rb, rt->rt_ifp);
	rb_sin(rb, rt->rt_mask);
	rb_sdl(rb, rt->rt_ifp);
	rb_sin(rb, rt->rt_ifa);
	if (!rb->overflow) {
		uint16_t n = (uint16_t)(rb->len - start);
		memcpy(rb->b + start, &n, 2);
	}
}

static void
if_msg(struct rtbuf *rb, struct ifnet *ifp)
{
	struct nb_if_msghdr h;
	size_t start = rb->len;

	memset(&h, 0, sizeof(h));
	h.ifm_version = RTM_VERSION;
	h.ifm_type = RTM_IFINFO;
	h.ifm_addrs = RTA_IFP;
	h.ifm_flags = ifp->if_flags;
	h.ifm_index = (uint16_t)ifp->if_index;
	h.ifm_data = ifp->if_data;
	h.ifm_data.ifi_mtu = ifp->if_mtu;
	h.ifm_data.ifi_ierrors += atomic_load(&ifp->if_rxerrors);
	h.ifm_data.ifi_iqdrops += atomic_load(&ifp->if_rxdrops);
	rb_put(rb, &h, sizeof(h), sizeof(h));
	rb_sdl(rb, ifp);
	if (!rb->overflow) {
		uint16_t n = (uint16_t)(rb->len - start);
		memcpy(rb->b + start, &n, 2);
	}
}

static void
ifa_msg(struct rtbuf *rb, struct ifnet *ifp, struct in_ifaddr *ia)
{
	struct nb_ifa_msghdr h;
	size_t start = rb->len;
	int brd = (ifp->if_flags & IFF_BROADCAST) != 0;

	memset(&h, 0, sizeof(h));
	h.ifam_version = RTM_VERSION;
	h.ifam_type = RTM_NEWADDR;
	h.ifam_addrs = RTA_NETMASK | RTA_IFA | (brd ? RTA_BRD : 0);
	h.ifam_flags = ifp->if_flags;
	h.ifam_metric = ifp->if_metric;
	h.ifam_index = (uint16_t)ifp->if_index;
	rb_put(rb, &h, sizeof(h), sizeof(h));
	rb_sin(rb, ia->ia_mask);
	rb_sin(rb, ia->ia_addr);
	if (brd)
		rb_sin(rb, ia->ia_broad);
	if (!rb->overflow) {
		uint16_t n = (uint16_t)(rb->len - start);
		memcpy(rb->b + start, &n, 2);
	}
}

struct rt_dumparg {
	struct rtbuf *rb;
	int op, arg;
};

static int
rt_dump1(void *entry, void *arg)
{
	struct rt_dumparg *d = arg;
	struct rtentry *rt = entry;

	if (d->op == NET_RT_DUMP || (rt->rt_flags & d->arg))
		rt_msg(d->rb, rt, RTM_GET, 0, 0);
	return 0;
}

/* For net.netinet6's listing hook: appends one finished message. */
static void
rb_msg(void *rb, const void *msg, size_t len)
{
	rb_put(rb, msg, len, len);
}

int
rt_sysctl(struct kern *k, const int *name, unsigned namelen, void *oldp, size_t *oldlenp)
{
	struct ifnet_state *ns = ifstate(k);
	struct rtbuf rb;
	struct ifnet *ifp;
	size_t room = oldp != NULL ? *oldlenp : 0;
	int af, op, arg, error = 0;

	/* net.route.0.<af>.<op>.<arg> */
	if (namelen != 4 || name[0] != 0)
		return namelen < 4 ? EISDIR : ENOENT;
	af = name[1], op = name[2], arg = name[3];
	if (af != 0 && af != AF_INET && !(af == AF_INET6 && ns->ns_rt6_list != NULL))
		return EAFNOSUPPORT;
	if (oldp != NULL && room > ((size_t)1 << 24))
		room = (size_t)1 << 24;
	rb.size = room;
	rb.len = 0;
	rb.overflow = 0;
	rb.b = NULL;
	if (room > 0 && (rb.b = kmem_alloc(k, room)) == NULL)
		return ENOMEM;
	if (room == 0)
		rb.overflow = 1;
	ifs_lock(ns);
	switch (op) {
	case NET_RT_DUMP:
	case NET_RT_FLAGS: {
		struct rt_dumparg d = { &rb, op, arg };
		if (af != AF_INET6)
			rt_walk(ns, rt_dump1, &d);
		if (af != AF_INET && ns->ns_rt6_list != NULL)	/* net.netinet6's routes */
			ns->ns_rt6_list(k, op, arg, NULL, rb_msg, &rb);
		break;
	}
	case NET_RT_IFLIST:
		for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next) {
			struct in_ifaddr *ia;
			if (arg != 0 && ifp->if_index != arg)
				continue;
			if_msg(&rb, ifp);
			for (ia = ifp->if_inaddrs; ia != NULL && af != AF_INET6; ia = ia->ia_next)
				ifa_msg(&rb, ifp, ia);
			if (af != AF_INET && ns->ns_rt6_list != NULL)	/* IPv6 addresses */
				ns->ns_rt6_list(k, op, arg, ifp, rb_msg, &rb);
		}
		break;
	default:
		error = EINVAL;
	}
	ifs_unlock(ns);
	if (error == 0) {
		if (oldp == NULL)
			*oldlenp = rb.len;
		else if (rb.overflow) {
			*oldlenp = rb.len;
			error = ENOMEM;
		} else {
			error = copyout(rb.b, oldp, rb.len);
			*oldlenp = rb.len;
		}
	}
	if (rb.b != NULL)
		kmem_free(k, rb.b, room);
	return error;
}

/* ---------------------------------------------------------------- requests */

static int
rt_getaddrs(const uint8_t *p, const uint8_t *end, int addrs, const uint8_t *sa[RTAX_MAX])
{
	int i;

	for (i = 0; i < RTAX_MAX; i++) {
		sa[i] = NULL;
		if (!(addrs & (1 << i)))
			continue;
		if (p >= end)
			return EINVAL;
		if (p[0] > end - p)
			return EINVAL;
		sa[i] = p;
		p += RT_ROUNDUP((size_t)p[0]);
	}
	return 0;
}

static int
sa_in(const uint8_t *sa, uint32_t *addr)
{
	if (sa[1] != AF_INET && !(sa[1] == AF_UNSPEC && sa[0] <= 8))
		return EAFNOSUPPORT;
	*addr = 0;
	/* a netmask may be shortened: sin_len covers only its nonzero bytes */
	if (sa[0] > 4)
		memcpy(addr, sa + 4, sa[0] >= 8 ? 4 : (size_t)sa[0] - 4);
	return 0;
}

static int rtsock_request_locked(struct kern *k, void *buf, size_t len, size_t bufsize,
    size_t *outlen);

int
rtsock_request(struct kern *k, void *buf, size_t len, size_t bufsize, size_t *outlen)
{
	struct ifnet_state *ns = ifstate(k);
	int error;

	ifs_lock(ns);
	error = rtsock_request_locked(k, buf, len, bufsize, outlen);
	ifs_unlock(ns);
	return error;
}

static int
rtsock_request_locked(struct kern *k, void *buf, size_t len, size_t bufsize, size_t *outlen)
{
	struct ifnet_state *ns = ifstate(k);
	struct nb_rt_msghdr h;
	const uint8_t *sa[RTAX_MAX];
	uint32_t dst = 0, mask = 0xffffffffU, gw = 0;
	struct rtentry *rt, tmp;
	struct ifnet *ifp = NULL;
	struct rtbuf rb;
	struct lwp *l = curlwp();
	int error, flags;

	*outlen = 0;
	if (len < sizeof(h))
		return EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.rtm_msglen != len)
		return EINVAL;
	if (h.rtm_version != RTM_VERSION)
		return EPROTONOSUPPORT;
	if ((error = rt_getaddrs((uint8_t *)buf + sizeof(h), (uint8_t *)buf + len,
	    h.rtm_addrs, sa)) != 0)
		return error;
	if (h.rtm_type != RTM_GET && l != NULL && cred_super(lwp_cred(l)) != 0)
		return EACCES;
	if (sa[0] == NULL)
		return EINVAL;		/* every request names a destination */
	if (sa[0][0] >= 2 && sa[0][1] == AF_INET6)	/* net.netinet6's routes */
		return ns->ns_rt6_request != NULL ?
		    ns->ns_rt6_request(k, buf, len, bufsize, outlen, sa) : EAFNOSUPPORT;
	if ((error = sa_in(sa[0], &dst)) != 0)
		return error;
	if (sa[2] != NULL) {
		if ((error = sa_in(sa[2], &mask)) != 0)
			return error;
		if (mask_to_plen(mask) < 0)
			return EINVAL;
	} else if (!(h.rtm_flags & RTF_HOST) && h.rtm_type != RTM_GET)
		mask = 0xffffffffU;
	if (h.rtm_flags & RTF_HOST)
		mask = 0xffffffffU;
	switch (h.rtm_type) {
	case RTM_ADD:
	case RTM_CHANGE:
		flags = h.rtm_flags & (RTF_GATEWAY | RTF_REJECT | RTF_BLACKHOLE | RTF_STATIC |
		    RTF_PROTO_MASK);
		if (sa[1] == NULL) {
			error = EINVAL;
			break;
		}
		if (sa[1][1] == AF_LINK) {
			uint16_t idx;
			if (sa[1][0] < 4) {
				error = EINVAL;
				break;
			}
			memcpy(&idx, sa[1] + 2, 2);
			if ((ifp = if_byindex(ns, idx)) == NULL) {
				error = ENETUNREACH;
				break;
			}
			flags &= ~RTF_GATEWAY;
		} else {
			struct in_ifaddr *ia;
			if ((error = sa_in(sa[1], &gw)) != 0)
				break;
			if ((ia = in_ifaddr_of(ns, gw)) != NULL && !(flags & RTF_GATEWAY)) {
				ifp = ia->ia_ifp;	/* an interface route */
				gw = 0;
			} else {
				struct rtentry *c = rt_lookup(ns, gw);
				if (c == NULL || (c->rt_flags & RTF_GATEWAY)) {
					error = ENETUNREACH;
					break;
				}
				ifp = c->rt_ifp;
				flags |= RTF_GATEWAY;
			}
		}
		if (h.rtm_type == RTM_ADD) {
			error = rt_add(ns, dst, mask, gw, flags | RTF_STATIC, ifp,
			    in_ifaddr_first(ifp), &rt);
		} else if ((rt = rt_exact(ns, dst, mask)) == NULL)
			error = ESRCH;
		else {
			rt->rt_gateway = gw;
			rt->rt_ifp = ifp;
			rt->rt_ifa = in_ifaddr_first(ifp);
			rt->rt_flags = (rt->rt_flags & ~(RTF_GATEWAY | RTF_REJECT |
			    RTF_BLACKHOLE)) | flags;
		}
		break;
	case RTM_DELETE:
		if (rt_exact(ns, dst, mask) == NULL)
			error = ESRCH;
		else
			error = rt_delete(ns, dst, mask, &tmp);
		rt = &tmp;
		break;
	case RTM_GET:
		rt = sa[2] != NULL ? rt_exact(ns, dst, mask) : rt_lookup(ns, dst);
		if (rt == NULL)
			error = ESRCH;
		break;
	default:
		error = EOPNOTSUPP;
	}
	if (error == 0) {
		rb.b = buf;
		rb.size = bufsize;
		rb.len = 0;
		rb.overflow = 0;
		rt_msg(&rb, rt, h.rtm_type, h.rtm_seq, 0);
		if (rb.overflow)
			error = ENOBUFS;
		else {
			struct nb_rt_msghdr *o = buf;
			o->rtm_pid = h.rtm_pid;
			*outlen = rb.len;
		}
	}
	return error;
}

/* ---------------------------------------------------------------- PF_ROUTE sockets */

/* Hands a message to every routing socket of the kernel (the sender's own too when it
 * has SO_USELOOPBACK, on by default as in NetBSD). */
static void
rts_deliver(struct kern *k, struct socket *from, const void *msg, size_t len)
{
	struct nb_sockaddr route_sa = { .sa_len = 2, .sa_family = AF_ROUTE };
	struct socket *so;

	for (so = net_state(k)->ns_socks; so != NULL; so = so->so_next) {
		if (so->so_proto->pr_domain->dom_family != PF_ROUTE)
			continue;
		if (so == from && !(so->so_options & SO_USELOOPBACK))
			continue;
		if (so->so_state & SS_CANTRCVMORE)
			continue;
		if (sb_append_rec(k, &so->so_rcv, &route_sa, msg, len, NULL, 0) == 0)
			so_rwakeup(so);
	}
}

static int
rts_attach(struct socket *so, int proto)
{
	int error;

	(void)proto;
	if ((error = sb_reserve(so->so_kern, &so->so_rcv, 8192)) != 0 ||
	    (error = sb_reserve(so->so_kern, &so->so_snd, 8192)) != 0)
		return error;
	so->so_options |= SO_USELOOPBACK;
	so->so_pcb = so;
	so_isconnected(so);
	return 0;
}

static void
rts_detach(struct socket *so)
{
	so->so_pcb = NULL;
}

static int
rts_shutdown(struct socket *so)
{
	so_cantsendmore(so);
	return 0;
}

static int
rts_send(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	struct kern *k = so->so_kern;
	size_t size = len + 512, out = 0;
	uint8_t *buf;
	int error;

	(void)nam, (void)flags, (void)l;
	net_defer_ctl(k, ctl);
	if (len < sizeof(struct nb_rt_msghdr) || len > 2048)
		return EINVAL;
	if ((buf = kmem_alloc(k, size)) == NULL)
		return ENOBUFS;
	memcpy(buf, data, len);
	error = rtsock_request_locked(k, buf, len, size, &out);
	if (error != 0 && error != EINVAL && error != EPROTONOSUPPORT) {
		/* the request comes back with rtm_errno set */
		memcpy(buf, data, len);
		((struct nb_rt_msghdr *)buf)->rtm_errno = error;
		out = len;
	}
	if (out > 0)
		rts_deliver(k, so, buf, out);
	kmem_free(k, buf, size);
	ifs_flush(ifstate(k));
	return error;
}

static int
rts_sockaddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	(void)so;
	memset(nam, 0, sizeof(*nam));
	nam->ss_len = 2;
	nam->ss_family = AF_ROUTE;
	return 0;
}

static const struct pr_usrreqs route_usrreqs = {
	.pr_attach = rts_attach, .pr_detach = rts_detach, .pr_shutdown = rts_shutdown,
	.pr_send = rts_send, .pr_sockaddr = rts_sockaddr, .pr_peeraddr = rts_sockaddr,
};
static const struct domain routedomain;
static const struct protosw routesw[] = {
	{ .pr_type = SOCK_RAW, .pr_domain = &routedomain, .pr_protocol = 0,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &route_usrreqs },
};
static const struct domain routedomain = {
	.dom_family = PF_ROUTE, .dom_name = "route", .dom_protosw = routesw, .dom_nprotosw = 1,
};

void
rt_ifmsg(struct ifnet *ifp)
{
	uint8_t buf[256];
	struct rtbuf rb = { buf, 0, sizeof(buf), 0 };

	if_msg(&rb, ifp);
	if (!rb.overflow)
		rts_deliver(ifp->if_kern, NULL, buf, rb.len);
}

void
rt_ifannounce(struct ifnet *ifp, int what)
{
	uint8_t m[24];
	uint16_t v;

	memset(m, 0, sizeof(m));
	v = sizeof(m);
	memcpy(m, &v, 2);
	m[2] = RTM_VERSION;
	m[3] = RTM_IFANNOUNCE;
	v = (uint16_t)ifp->if_index;
	memcpy(m + 4, &v, 2);
	memcpy(m + 6, ifp->if_xname, NB_IFNAMSIZ);
	v = (uint16_t)what;
	memcpy(m + 22, &v, 2);
	rts_deliver(ifp->if_kern, NULL, m, sizeof(m));
}

void
rt_addrmsg(int type, struct ifnet *ifp, uint32_t addr, uint32_t mask, uint32_t broad)
{
	uint8_t buf[128];
	struct rtbuf rb = { buf, 0, sizeof(buf), 0 };
	struct in_ifaddr ia;

	memset(&ia, 0, sizeof(ia));
	ia.ia_ifp = ifp;
	ia.ia_addr = addr;
	ia.ia_mask = mask;
	ia.ia_broad = broad;
	ifa_msg(&rb, ifp, &ia);
	if (rb.overflow)
		return;
	buf[3] = (uint8_t)type;
	rts_deliver(ifp->if_kern, NULL, buf, rb.len);
}

int
rts_domain_add(struct kern *k)
{
	return net_domain_add(k, &routedomain);
}

/* A message built by another family (net.netinet6's RTM_NEWADDR...) for every routing
 * socket of the kernel (ns lock held). */
void
rt_rawmsg(struct kern *k, const void *msg, size_t len)
{
	rts_deliver(k, NULL, msg, len);
}
