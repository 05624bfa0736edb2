/*
 * in_mcast.c: IPv4 multicast membership, as NetBSD 7.99 has it (no MROUTING).
 *
 * A group joined on an interface is an in_multi on is_multi, counted by its memberships:
 * one per socket that joined it there (IP_ADD_MEMBERSHIP) and one per IPv4 address of
 * the interface for 224.0.0.1 (NetBSD's in_ifinit joins all-hosts for every address of a
 * multicast-capable interface).  The first reference sends IGMP's report (igmp.c), the
 * last its leave.  The interface's multicast filter is this list: an Ethernet frame to a
 * group address (01:00:5e and the low 23 bits of the group) passes ether_input only when
 * a joined group maps to it (ether_mcast_hook), and ip_input drops a datagram to a group
 * not joined on the arrival interface (NetBSD's in_multi_group check, ips_cantforward).
 *
 * A socket's options (ip_moptions, made on first use): IP_MULTICAST_IF (struct in_addr
 * of a local address, or 0.0.0.N for interface index N as RFC 1724 and NetBSD allow, also
 * in ip_mreq's imr_interface; INADDR_ANY: by route again), IP_MULTICAST_TTL (default 1) and
 * IP_MULTICAST_LOOP (default 1), each a u_char or an int as NetBSD's ip_getoptval takes
 * it (getsockopt answers a u_char), and up to IP_MAX_MEMBERSHIPS (20) groups.  Errors are
 * NetBSD's: a wrong size EINVAL, a group that is not multicast EINVAL, an interface
 * address no interface has (or, with INADDR_ANY, no route to the group) EADDRNOTAVAIL,
 * a second join of the same group and interface EADDRINUSE, the 21st ETOOMANYREFS, the
 * drop of a group not joined EADDRNOTAVAIL.  NetBSD has no source-specific options (its
 * netinet/in.h defines none of IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP,
 * IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE, MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP and the
 * rest): any such number is ENOPROTOOPT, as there, so every membership listens to every
 * source (IGMPv3's EXCLUDE {}) and no source is filtered on input.
 *
 * Everything runs with the kernel's net lock held.
 */
#include "netinet/in_var.h"
#include "netinet/tcp_var.h"

struct in_multi *
in_lookup_multi(struct inet_state *is, uint32_t addr, struct ifnet *ifp)
{
	struct in_multi *inm;

	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next)
		if (inm->inm_addr == addr && inm->inm_ifp == ifp)
			return inm;
	return NULL;
}

struct in_multi *
in_addmulti(struct inet_state *is, uint32_t addr, struct ifnet *ifp)
{
	struct in_multi *inm = in_lookup_multi(is, addr, ifp);

	if (inm != NULL) {
		inm->inm_refcount++;
		return inm;
	}
	if ((inm = kmem_zalloc(is->is_kern, sizeof(*inm))) == NULL)
		return NULL;
	inm->inm_ifp = ifp;
	inm->inm_addr = addr;
	inm->inm_refcount = 1;
	inm->inm_next = is->is_multi;
	is->is_multi = inm;
	igmp_joingroup(is, inm);
	return inm;
}

void
in_delmulti(struct inet_state *is, struct in_multi *inm)
{
	struct in_multi **pp;

	if (--inm->inm_refcount > 0)
		return;
	igmp_leavegroup(is, inm);
	for (pp = &is->is_multi; *pp != NULL; pp = &(*pp)->inm_next)
		if (*pp == inm) {
			*pp = inm->inm_next;
			break;
		}
	kmem_free(is->is_kern, inm, sizeof(*inm));
}

void
in_mcast_addaddr(struct inet_state *is, struct ifnet *ifp)
{
	if (ifp->if_flags & IFF_MULTICAST)
		(void)in_addmulti(is, htonl_(INADDR_ALLHOSTS_GROUP_H), ifp);
}

void
in_mcast_deladdr(struct inet_state *is, struct ifnet *ifp)
{
	struct in_multi *inm;

	if ((ifp->if_flags & IFF_MULTICAST) &&
	    (inm = in_lookup_multi(is, htonl_(INADDR_ALLHOSTS_GROUP_H), ifp)) != NULL)
		in_delmulti(is, inm);
}

/* Forgets a pcb's memberships on ifp (it is going away). */
static void
in_mcast_purge1(struct inet_state *is, struct inpcb *inp, struct ifnet *ifp)
{
	struct ip_moptions *imo = inp->inp_moptions;
	int i, j;

	if (imo == NULL)
		return;
	if (imo->imo_ifindex == ifp->if_index) {
		imo->imo_ifindex = 0;
		imo->imo_ifaddr = INADDR_ANY;
	}
	for (i = j = 0; i < imo->imo_num; i++) {
		if (imo->imo_membership[i]->inm_ifp == ifp)
			in_delmulti(is, imo->imo_membership[i]);
		else
			imo->imo_membership[j++] = imo->imo_membership[i];
	}
	imo->imo_num = j;
}

static void
in_mcast_purge(struct inet_state *is, struct inpcb *inp, struct ifnet *ifp)
{
	for (; inp != NULL; inp = inp->inp_next)
		in_mcast_purge1(is, inp, ifp);
}

/* ifp is being detached (its addresses are gone already): no group stays joined on it. */
void
in_mcast_ifdetach(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_rti **rp, *rti;
	struct in_multi **pp, *inm;

	in_mcast_purge(is, is->is_udb, ifp);
	in_mcast_purge(is, is->is_rawb, ifp);
	if (is->is_tcp != NULL)		/* TCP sockets take the options too (NetBSD) */
		for (struct tcpcb *tp = is->is_tcp->ts_tcbs; tp != NULL; tp = tp->t_next)
			in_mcast_purge1(is, tp->t_inpcb, ifp);
	for (pp = &is->is_multi; (inm = *pp) != NULL;) {
		if (inm->inm_ifp == ifp) {
			*pp = inm->inm_next;
			kmem_free(is->is_kern, inm, sizeof(*inm));
		} else
			pp = &inm->inm_next;
	}
	igmp_ifdetach(is, ifp);
	for (rp = &is->is_rti; (rti = *rp) != NULL;) {
		if (rti->rti_ifp == ifp) {
			*rp = rti->rti_next;
			kmem_free(is->is_kern, rti, sizeof(*rti));
		} else
			rp = &rti->rti_next;
	}
}

/* ether_input's filter: does ifp listen to Ethernet group address mac? */
int
ether_mcast_hook(struct ifnet *ifp, const uint8_t *mac)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	struct in_multi *inm;

	if (is == NULL || mac[0] != 0x01 || mac[1] != 0x00 || mac[2] != 0x5e || (mac[3] & 0x80))
		return 0;
	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next) {
		const uint8_t *g = (const uint8_t *)&inm->inm_addr;

		if (inm->inm_ifp == ifp && (g[1] & 0x7f) == mac[3] && g[2] == mac[4] &&
		    g[3] == mac[5])
			return 1;
	}
	return 0;
}

static struct ip_moptions *
imo_get(struct inet_state *is, struct inpcb *inp)
{
	struct ip_moptions *imo = inp->inp_moptions;

	if (imo == NULL && (imo = kmem_zalloc(is->is_kern, sizeof(*imo))) != NULL) {
		imo->imo_ttl = IP_DEFAULT_MULTICAST_TTL;
		imo->imo_loop = IP_DEFAULT_MULTICAST_LOOP;
		inp->inp_moptions = imo;
	}
	return imo;
}

void
ip_freemoptions(struct inet_state *is, struct inpcb *inp)
{
	struct ip_moptions *imo = inp->inp_moptions;
	int i;

	if (imo == NULL)
		return;
	for (i = 0; i < imo->imo_num; i++)
		in_delmulti(is, imo->imo_membership[i]);
	inp->inp_moptions = NULL;
	kmem_free(is->is_kern, imo, sizeof(*imo));
}

/* NetBSD's ip_getoptval: a u_char or an int, at most maxval. */
static int
ip_getoptval(const void *val, size_t len, uint8_t *out, unsigned maxval)
{
	unsigned v;

	if (len == 1)
		v = *(const uint8_t *)val;
	else if (len == sizeof(int))
		memcpy(&v, val, sizeof(v));
	else
		return EINVAL;
	if (v > maxval)
		return EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* The interface of local address addr, or of index N for an address 0.0.0.N in 0/8 (RFC
 * 1724, as NetBSD's ip_multicast_if), if it can multicast; *byindex says which it was. */
static struct ifnet *
ip_multicast_if(struct inet_state *is, uint32_t addr, int *byindex)
{
	struct ifnet *ifp;
	struct in_ifaddr *ia;

	*byindex = (ntohl_(addr) >> 24) == 0;
	if (*byindex)
		ifp = if_byindex(is->is_ns, (int)(ntohl_(addr) & 0xffffff));
	else
		ifp = (ia = in_ifaddr_of(is->is_ns, addr)) != NULL ? ia->ia_ifp : NULL;
	if (ifp == NULL || !(ifp->if_flags & IFF_MULTICAST))
		return NULL;
	return ifp;
}

/* ip_mreq to (group, interface): NetBSD's ip_get_membership. */
static int
ip_get_membership(struct inet_state *is, const void *val, size_t len, uint32_t *grp,
    struct ifnet **ifpp)
{
	struct nb_ip_mreq mreq;
	struct rtentry *rt;
	int byindex;

	if (len != sizeof(mreq))
		return EINVAL;
	memcpy(&mreq, val, sizeof(mreq));
	if (!IN_MULTICAST_(mreq.imr_multiaddr))
		return EINVAL;
	*grp = mreq.imr_multiaddr;
	if (mreq.imr_interface != INADDR_ANY)
		*ifpp = ip_multicast_if(is, mreq.imr_interface, &byindex);
	else {
		/* no interface named: the one of the route to the group */
		rt = rt_lookup(is->is_ns, mreq.imr_multiaddr);
		*ifpp = rt != NULL && !(rt->rt_flags & RTF_REJECT) ? rt->rt_ifp : NULL;
	}
	return *ifpp == NULL ? EADDRNOTAVAIL : 0;
}

int
ip_mcast_setopt(struct inet_state *is, struct inpcb *inp, int name, const void *val,
    size_t len)
{
	struct ip_moptions *imo;
	struct ifnet *ifp;
	uint32_t addr;
	uint8_t v;
	int i, error, byindex = 0;

	switch (name) {
	case IP_MULTICAST_IF:
		if (len != sizeof(addr))
			return EINVAL;
		memcpy(&addr, val, sizeof(addr));
		ifp = NULL;
		if (addr != INADDR_ANY && (ifp = ip_multicast_if(is, addr, &byindex)) == NULL)
			return EADDRNOTAVAIL;
		if ((imo = imo_get(is, inp)) == NULL)
			return ENOBUFS;
		imo->imo_ifindex = ifp != NULL ? ifp->if_index : 0;
		imo->imo_ifaddr = byindex ? addr : INADDR_ANY;	/* getsockopt gives it back */
		return 0;
	case IP_MULTICAST_TTL:
	case IP_MULTICAST_LOOP:
		if ((error = ip_getoptval(val, len, &v, name == IP_MULTICAST_TTL ? 255 : 1)) != 0)
			return error;
		if ((imo = imo_get(is, inp)) == NULL)
			return ENOBUFS;
		if (name == IP_MULTICAST_TTL)
			imo->imo_ttl = v;
		else
			imo->imo_loop = v;
		return 0;
	case IP_ADD_MEMBERSHIP:
		if ((error = ip_get_membership(is, val, len, &addr, &ifp)) != 0)
			return error;
		if (!(ifp->if_flags & IFF_MULTICAST))
			return EADDRNOTAVAIL;
		if ((imo = imo_get(is, inp)) == NULL)
			return ENOBUFS;
		for (i = 0; i < imo->imo_num; i++)
			if (imo->imo_membership[i]->inm_ifp == ifp &&
			    imo->imo_membership[i]->inm_addr == addr)
				return EADDRINUSE;
		if (imo->imo_num == IP_MAX_MEMBERSHIPS)
			return ETOOMANYREFS;
		if ((imo->imo_membership[imo->imo_num] = in_addmulti(is, addr, ifp)) == NULL)
			return ENOBUFS;
		imo->imo_num++;
		return 0;
	case IP_DROP_MEMBERSHIP:
		if ((error = ip_get_membership(is, val, len, &addr, &ifp)) != 0)
			return error;
		if ((imo = inp->inp_moptions) == NULL)
			return EADDRNOTAVAIL;
		for (i = 0; i < imo->imo_num; i++)
			if (imo->imo_membership[i]->inm_ifp == ifp &&
			    imo->imo_membership[i]->inm_addr == addr)
				break;
		if (i == imo->imo_num)
			return EADDRNOTAVAIL;
		in_delmulti(is, imo->imo_membership[i]);
		imo->imo_num--;
		for (; i < imo->imo_num; i++)
			imo->imo_membership[i] = imo->imo_membership[i + 1];
		return 0;
	}
	return ENOPROTOOPT;
}

int
ip_mcast_getopt(struct inet_state *is, struct inpcb *inp, int name, void *val, size_t *len)
{
	const struct ip_moptions *imo = inp->inp_moptions;
	uint32_t addr = INADDR_ANY;
	uint8_t v;

	switch (name) {
	case IP_MULTICAST_IF:
		/* NetBSD's ip_getmoptions: the index form as given, else the interface's
		 * first address (not necessarily the one it was chosen by) */
		if (imo != NULL && imo->imo_ifindex != 0) {
			struct ifnet *ifp = if_byindex(is->is_ns, imo->imo_ifindex);
			if (ifp != NULL)
				addr = imo->imo_ifaddr != INADDR_ANY ? imo->imo_ifaddr :
				    in_ifaddr_first(ifp);
		}
		if (*len < sizeof(addr))
			return EINVAL;
		memcpy(val, &addr, sizeof(addr));
		*len = sizeof(addr);
		return 0;
	case IP_MULTICAST_TTL:
	case IP_MULTICAST_LOOP:
		if (name == IP_MULTICAST_TTL)
			v = imo != NULL ? imo->imo_ttl : IP_DEFAULT_MULTICAST_TTL;
		else
			v = imo != NULL ? imo->imo_loop : IP_DEFAULT_MULTICAST_LOOP;
		if (*len < 1)
			return EINVAL;
		*(uint8_t *)val = v;
		*len = 1;
		return 0;
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP:
		return EOPNOTSUPP;	/* NetBSD's ip_getmoptions */
	}
	return ENOPROTOOPT;
}
