/*
 * in.c: the net.netinet component: IPv4 addresses on interfaces (SIOCAIFADDR and
 * friends), connected routes, net.inet.ip sysctls and the protocol timer.
 *
 * Adding an address adds its connected route (the subnet through the interface) and
 * announces it with a gratuitous ARP; deleting it removes both and the ARP entries the
 * subnet held.  One timer per kernel (is_timer) serves ARP and reassembly: it is
 * armed for the earliest deadline either has.
 */
#include "netinet/in_var.h"
#include "netinet/tcp_var.h"

void
in_sockaddr(struct nb_sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_port = port;
	sin->sin_addr.s_addr = addr;
}

/*
 * The address filters (ns_inaddr_bits, ns_inbcast_bits): one bit of a 64-bit word per
 * address.  A set bit may be stale (a deleted address; in_addrs_rebits clears them) or
 * another address's, so only a clear bit is an answer.  The datagram path asks both on
 * every send, for addresses that are neither ours nor broadcast: on a big bus each
 * sender's interfaces are cold, and the walk cost five cache misses a datagram.
 */
static uint64_t
in_addr_bit(uint32_t addr)
{
	return (uint64_t)1 << ((addr * 0x9e3779b1U) >> 26);
}

static void
in_addr_setbits(struct ifnet_state *ns, const struct in_ifaddr *ia)
{
	ns->ns_inaddr_bits |= in_addr_bit(ia->ia_addr);
	ns->ns_inbcast_bits |= in_addr_bit(ia->ia_broad) | in_addr_bit(ia->ia_net);
}

/* Recomputes the filters from the interfaces' addresses (after a deletion). */
static void
in_addrs_rebits(struct ifnet_state *ns)
{
	struct ifnet *ifp;
	struct in_ifaddr *ia;

	ns->ns_inaddr_bits = ns->ns_inbcast_bits = 0;
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next)
			in_addr_setbits(ns, ia);
}

struct in_ifaddr *
in_ifaddr_of(struct ifnet_state *ns, uint32_t addr)
{
	struct ifnet *ifp;
	struct in_ifaddr *ia;

	if (!(ns->ns_inaddr_bits & in_addr_bit(addr)))
		return NULL;
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next)
			if (ia->ia_addr == addr)
				return ia;
	return NULL;
}

uint32_t
in_ifaddr_first(struct ifnet *ifp)
{
	return ifp->if_inaddrs != NULL ? ifp->if_inaddrs->ia_addr : 0;
}

/* Is addr a broadcast address (limited, or a directed one of a subnet on ifp, or of
 * any interface when ifp is NULL)? */
int
in_broadcast(struct ifnet_state *ns, uint32_t addr, struct ifnet *ifp)
{
	struct ifnet *i;
	struct in_ifaddr *ia;

	if (addr == INADDR_BROADCAST || addr == INADDR_ANY)
		return 1;
	if (!(ns->ns_inbcast_bits & in_addr_bit(addr)))
		return 0;
	for (i = ns->ns_ifs; i != NULL; i = i->if_next) {
		if (ifp != NULL && i != ifp)
			continue;
		if (!(i->if_flags & IFF_BROADCAST))
			continue;
		for (ia = i->if_inaddrs; ia != NULL; ia = ia->ia_next)
			if (ia->ia_mask != 0xffffffffU &&
			    (addr == ia->ia_broad || addr == ia->ia_net))
				return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- timer */

/* A timer of hyper's scheduler thread (not a kernel callout, see ifs_isr in if.c): it
 * tries to enter the kernel and comes back shortly while the kernel is busy. */
static void
inet_timeout(void *arg)
{
	struct inet_state *is = arg;
	struct kern *k = is->is_kern;
	struct ifs_enter ne;
	uint64_t now, next, n2;

	if (atomic_load(&k->k_halted))
		return;
	if (ifs_enter_try(k, &ne) != 0) {
		hyp_timer_arm(&is->is_timer, hyp_clock_mono() + 20000);
		return;
	}
	now = hyp_clock_mono();
	is->is_timer_at = 0;
	next = arp_timer(is, now);
	n2 = ip_reass_timer(is, now);
	if (n2 != 0 && (next == 0 || n2 < next))
		next = n2;
	n2 = igmp_timer(is, now);
	if (n2 != 0 && (next == 0 || n2 < next))
		next = n2;
	if (next != 0)
		inet_timer_want(is, next);
	ifs_leave_other(k, &ne);
}

void
inet_timer_want(struct inet_state *is, uint64_t at)
{
	uint64_t now = hyp_clock_mono();

	if (atomic_load(&is->is_kern->k_halted))
		return;		/* being destroyed: netinet_fini stops the timer */
	if (is->is_timer_at != 0 && is->is_timer_at <= at)
		return;
	is->is_timer_at = at;
	hyp_timer_arm(&is->is_timer, at > now ? at : now);
}

/* ---------------------------------------------------------------- addresses */

/* The medium learns ifp's addresses (a shmif bus delivers ARP requests by them). */
static void
in_addrs_to_medium(struct ifnet *ifp)
{
	uint32_t a[32];
	struct in_ifaddr *ia;
	int n = 0;

	for (ia = ifp->if_inaddrs; ia != NULL && n < 32; ia = ia->ia_next)
		a[n++] = ia->ia_addr;
	shmif_setaddrs(ifp, a, ia == NULL ? n : -1);
}

int
in_addaddr(struct ifnet_state *ns, struct ifnet *ifp, uint32_t addr, uint32_t mask,
    uint32_t broad)
{
	struct in_ifaddr *ia, **pp;
	int plen = mask_to_plen(mask), error;

	/* a mask with holes is taken as NetBSD takes it (ljsyscall's util.ifaddr_inet4 makes
	 * one); it gets no connected route (the routing table keeps prefixes only) */
	if (addr == INADDR_ANY || addr == INADDR_BROADCAST || (ntohl_(addr) >> 28) >= 14)
		return EINVAL;		/* multicast and class E */
	for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_addr == addr) {
			/* a change of mask or broadcast address: replace it */
			in_deladdr(ns, ifp, addr);
			break;
		}
	if (in_ifaddr_of(ns, addr) != NULL)
		return EEXIST;
	if ((ia = kmem_zalloc(ns->ns_kern, sizeof(*ia))) == NULL)
		return ENOBUFS;
	ia->ia_ifp = ifp;
	ia->ia_addr = addr;
	ia->ia_mask = mask;
	ia->ia_net = addr & mask;
	ia->ia_broad = broad != 0 ? broad : (addr | ~mask);
	/* the connected route, unless another address has it already */
	if (plen >= 0 && (ifp->if_type != IFT_LOOP || plen != 32)) {
		error = rt_add(ns, ia->ia_net, mask, 0, RTF_CONNECTED, ifp, addr, NULL);
		if (error != 0 && error != EEXIST) {
			kmem_free(ns->ns_kern, ia, sizeof(*ia));
			return error;
		}
	}
	for (pp = &ifp->if_inaddrs; *pp != NULL; pp = &(*pp)->ia_next)
		continue;
	*pp = ia;
	in_addr_setbits(ns, ia);
	in_mcast_addaddr(inet_state(ns->ns_kern), ifp);	/* 224.0.0.1 (NetBSD in_ifinit) */
	in_addrs_to_medium(ifp);	/* before anyone asks for it */
	/* NetBSD's Ethernet drivers bring an interface up when it gets an address
	 * (SIOCINITIFADDR), and programs written for NetBSD's rump tests rely on it. */
	if (ifp->if_type == IFT_ETHER && !(ifp->if_flags & IFF_UP))
		if_up_down(ifp, ifp->if_flags | IFF_UP);
	if (ifp->if_type == IFT_ETHER)
		arp_announce(ifp, addr);
	rt_addrmsg(RTM_NEWADDR, ifp, ia->ia_addr, ia->ia_mask, ia->ia_broad);
	return 0;
}

int
in_deladdr(struct ifnet_state *ns, struct ifnet *ifp, uint32_t addr)
{
	struct in_ifaddr **pp, *ia;
	struct rtentry *rt;

	for (pp = &ifp->if_inaddrs; (ia = *pp) != NULL; pp = &ia->ia_next)
		if (ia->ia_addr == addr || addr == INADDR_ANY)
			break;
	if (ia == NULL)
		return EADDRNOTAVAIL;
	*pp = ia->ia_next;
	in_addrs_rebits(ns);
	in_mcast_deladdr(inet_state(ns->ns_kern), ifp);
	rt_addrmsg(RTM_DELADDR, ifp, ia->ia_addr, ia->ia_mask, ia->ia_broad);
	in_addrs_to_medium(ifp);
	rt = rt_exact(ns, ia->ia_net, ia->ia_mask);
	if (rt != NULL && (rt->rt_flags & RTF_CONNECTED) &&
	    (rt->rt_ifp == ifp || rt->rt_ifa == addr)) {
		struct ifnet *i;
		struct in_ifaddr *o;

		rt_delete(ns, ia->ia_net, ia->ia_mask, NULL);
		/* another address of the same subnet keeps the connected route */
		for (i = ns->ns_ifs; i != NULL; i = i->if_next)
			for (o = i->if_inaddrs; o != NULL; o = o->ia_next)
				if (o->ia_net == ia->ia_net && o->ia_mask == ia->ia_mask &&
				    rt_exact(ns, o->ia_net, o->ia_mask) == NULL)
					rt_add(ns, o->ia_net, o->ia_mask, 0, RTF_CONNECTED, i,
					    o->ia_addr, NULL);
	}
	kmem_free(ns->ns_kern, ia, sizeof(*ia));
	return 0;
}

static int
sin_get(const struct nb_sockaddr *sa, uint32_t *addr, int need)
{
	const struct nb_sockaddr_in *sin = (const struct nb_sockaddr_in *)sa;

	if (sin->sin_len == 0 && sin->sin_family == 0 && !need) {
		*addr = 0;
		return 0;
	}
	if (sin->sin_family != AF_INET)
		return EAFNOSUPPORT;
	if (sin->sin_len != sizeof(*sin) && !(sin->sin_len >= 8 && sin->sin_len < sizeof(*sin)))
		return EINVAL;
	*addr = sin->sin_addr.s_addr;
	return 0;
}

static int
in_control(struct ifnet *ifp, unsigned long cmd, void *data)
{
	struct ifnet_state *ns = ifstate(ifp->if_kern);
	struct nb_in_aliasreq *ifra = data;
	struct nb_ifreq *ifr = data;
	struct in_ifaddr *ia;
	uint32_t addr, mask, broad;
	struct lwp *l = curlwp();
	int error;

	switch (cmd) {
	case SIOCAIFADDR:
		if (l != NULL && (error = cred_super(lwp_cred(l))) != 0)
			return error;
		if ((error = sin_get((struct nb_sockaddr *)&ifra->ifra_addr, &addr, 1)) != 0)
			return error;
		if (ifra->ifra_mask.sin_len == 0)	/* no mask: the natural one, /8 /16 /24 */
			mask = (ntohl_(addr) >> 31) == 0 ? htonl_(0xff000000U) :
			    (ntohl_(addr) >> 30) == 2 ? htonl_(0xffff0000U) : htonl_(0xffffff00U);
		else {
			if (ifra->ifra_mask.sin_len > sizeof(struct nb_sockaddr_in))
				return EINVAL;
			mask = ifra->ifra_mask.sin_addr.s_addr;
		}
		if ((error = sin_get((struct nb_sockaddr *)&ifra->ifra_dstaddr, &broad, 0)) != 0)
			return error;
		return in_addaddr(ns, ifp, addr, mask, broad);
	case SIOCDIFADDR:
		if (l != NULL && (error = cred_super(lwp_cred(l))) != 0)
			return error;
		if ((error = sin_get(&ifr->ifr_ifru.ifru_addr, &addr, 0)) != 0)
			return error;
		return in_deladdr(ns, ifp, addr);
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		if ((ia = ifp->if_inaddrs) == NULL)
			return EADDRNOTAVAIL;
		if (cmd == SIOCGIFDSTADDR)
			return EINVAL;		/* no point-to-point interfaces */
		if (cmd == SIOCGIFBRDADDR && !(ifp->if_flags & IFF_BROADCAST))
			return EINVAL;
		memset(&ifr->ifr_ifru, 0, sizeof(ifr->ifr_ifru));
		in_sockaddr((struct nb_sockaddr_in *)&ifr->ifr_ifru.ifru_addr,
		    cmd == SIOCGIFADDR ? ia->ia_addr : cmd == SIOCGIFNETMASK ? ia->ia_mask :
		    ia->ia_broad, 0);
		return 0;
	}
	return ENOTTY;
}

static void
in_ifdetach(struct ifnet *ifp)
{
	struct ifnet_state *ns = ifstate(ifp->if_kern);

	while (ifp->if_inaddrs != NULL)
		in_deladdr(ns, ifp, ifp->if_inaddrs->ia_addr);
	arp_ifdetach(inet_state(ifp->if_kern), ifp);
	in_mcast_ifdetach(inet_state(ifp->if_kern), ifp);
}

/* ---------------------------------------------------------------- sysctl */

static int
sysctl_int(int *v, int min, int max, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen)
{
	int nv, error;

	if (oldp != NULL) {
		if (*oldlenp < sizeof(int))
			return ENOMEM;
		if ((error = copyout(v, oldp, sizeof(int))) != 0)
			return error;
	}
	*oldlenp = sizeof(int);
	if (newp != NULL) {
		struct lwp *l = curlwp();
		if (l != NULL && (error = cred_super(lwp_cred(l))) != 0)
			return error;
		if (newlen != sizeof(int))
			return EINVAL;
		if ((error = copyin(newp, &nv, sizeof(int))) != 0)
			return error;
		if (nv < min || nv > max)
			return EINVAL;
		*v = nv;
	}
	return 0;
}

int
in_sysctl_int(int *v, int min, int max, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen)
{
	return sysctl_int(v, min, max, oldp, oldlenp, newp, newlen);
}

static int
inet_sysctl(struct lwp *l, const int *name, unsigned namelen, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct inet_state *is = inet_state(l->l_kern);
	struct ifnet_state *ns = is->is_ns;
	int error, lo, hi;

	if (namelen == 2 && name[0] == INETCTL_ARP) {		/* net.inet.arp.<id> */
		ifs_lock(ns);
		error = arp_sysctl(is, name[1], oldp, oldlenp, newp, newlen);
		ifs_unlock(ns);
		return error;
	}
	/* net.inet.tcp.<id> */
	if (namelen >= 1 && name[0] == IPPROTO_TCP) {
		ifs_lock(ns);
		error = tcp_sysctl(is, name + 1, namelen - 1, oldp, oldlenp, newp, newlen);
		ifs_unlock(ns);
		return error;
	}
	/* net.inet.ip.<id> */
	if (namelen != 2 || name[0] != IPPROTO_IP)
		return namelen < 2 ? EISDIR : ENOENT;
	ifs_lock(ns);
	switch (name[1]) {
	case IPCTL_FORWARDING:
		error = sysctl_int(&is->is_forwarding, 0, 1, oldp, oldlenp, newp, newlen);
		break;
	case IPCTL_SENDREDIRECTS:
		error = sysctl_int(&is->is_sendredirects, 0, 1, oldp, oldlenp, newp, newlen);
		break;
	case IPCTL_DEFTTL:
		error = sysctl_int(&is->is_ttl, 1, 255, oldp, oldlenp, newp, newlen);
		break;
	case IPCTL_ANONPORTMIN:
	case IPCTL_ANONPORTMAX:
		lo = is->is_anonportmin, hi = is->is_anonportmax;
		error = sysctl_int(name[1] == IPCTL_ANONPORTMIN ? &lo : &hi, 1024, 65535,
		    oldp, oldlenp, newp, newlen);
		if (error == 0 && lo >= hi)
			error = EINVAL;
		if (error == 0)
			is->is_anonportmin = lo, is->is_anonportmax = hi;
		break;
	case IPCTL_MAXFRAGPACKETS:
		error = sysctl_int(&is->is_maxfragpackets, 0, 10000, oldp, oldlenp, newp, newlen);
		break;
	case IPCTL_MAXFRAGS:
		error = sysctl_int(&is->is_maxfrags, 0, 1000000, oldp, oldlenp, newp, newlen);
		break;
	default:
		error = ENOENT;
	}
	ifs_unlock(ns);
	return error;
}

/* ---------------------------------------------------------------- component */

static void ip_input_hook(struct ifnet *ifp, struct pkt *p) { ip_input(ifp, p); }

static int
netinet_init(struct kern *k)
{
	struct ifnet_state *ns = ifstate(k);
	struct inet_state *is = kmem_zalloc(k, sizeof(*is));
	int error;

	if (is == NULL)
		return ENOMEM;
	is->is_ns = ns;
	is->is_kern = k;
	is->is_ttl = 64;
	is->is_anonportmin = 49152;
	is->is_anonportmax = 65535;
	is->is_sendredirects = 0;
	is->is_frag_ttl_ns = 30ULL * 1000000000;
	arp_init(is);
	ip_reass_init(is);
	is->is_ip_id = (uint16_t)kern_random32(k);
	hyp_timer_init(&is->is_timer, inet_timeout, is);
	kern_priv_set(k, COMP_NET_NETINET, is);
	ifs_lock(ns);
	ns->ns_ip_input = ip_input_hook;
	ns->ns_arp_input = arp_input;
	ns->ns_if_detach = in_ifdetach;
	ns->ns_in_control = in_control;
	ns->ns_inet_sysctl = inet_sysctl;
	ns->ns_inet = is;
	ns->ns_ether_mcast4 = ether_mcast_hook;
	net_state(k)->ns_lock.br_fold = udp_fold_counts;	/* UDP's shared sends */
	/* lo0: 127.0.0.1/8 */
	error = in_addaddr(ns, ns->ns_lo0, htonl_(0x7f000001U), htonl_(0xff000000U), 0);
	ifs_unlock(ns);
	if (error == 0)
		error = tcp_init(is);
	if (error == 0 && (error = in_domain_add(k)) != 0)
		tcp_fini(is);
	if (error != 0) {
		ifs_lock(ns);
		in_ifdetach(ns->ns_lo0);	/* lo0's address, if it was added */
		ifs_unlock(ns);
		ns->ns_ip_input = NULL;
		ns->ns_arp_input = NULL;
		ns->ns_if_detach = NULL;
		ns->ns_in_control = NULL;
		ns->ns_inet_sysctl = NULL;
		ns->ns_inet = NULL;
		ns->ns_ether_mcast4 = NULL;
		net_state(k)->ns_lock.br_fold = NULL;
		kern_priv_set(k, COMP_NET_NETINET, NULL);
		kmem_free(k, is, sizeof(*is));
	}
	return error;
}

static void
netinet_fini(struct kern *k)
{
	struct inet_state *is = inet_state(k);
	struct ifnet_state *ns = is->is_ns;
	struct ifnet *ifp;

	net_gc(k);
	tcp_fini(is);
	ifs_lock(ns);
	inp_flushall(is);
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		in_ifdetach(ifp);
	arp_flush(is);
	ip_reass_flush(is);
	ns->ns_ip_input = NULL;
	ns->ns_arp_input = NULL;
	ns->ns_if_detach = NULL;
	ns->ns_in_control = NULL;
	ns->ns_inet_sysctl = NULL;
	ns->ns_inet = NULL;
	ns->ns_ether_mcast4 = NULL;
	net_state(k)->ns_lock.br_fold = NULL;	/* ifs_lock folded the last counts */
	ifs_unlock(ns);
	/* Last, when nothing can call into netinet: k_halted is set, so inet_timer_want
	 * and a running inet_timeout arm no more; disarm until neither pending nor running. */
	do
		hyp_timer_disarm(&is->is_timer);
	while (hyp_timer_pending(&is->is_timer));
	kern_priv_set(k, COMP_NET_NETINET, NULL);
	kmem_free(k, is, sizeof(*is));
}

static const struct kern_component netinet_component = {
	.name = "net.netinet", .id = COMP_NET_NETINET, .deps = { "net.net", NULL },
	.init = netinet_init, .fini = netinet_fini,
};
KERN_COMPONENT(netinet_component);
