/*
 * arp.c: ARP for Ethernet interfaces (RFC 826).
 *
 * The cache is a list per kernel.  An entry is either resolved (la_resolved, la_mac
 * valid until la_expire) or incomplete (a request went out; up to ARP_MAXHOLD packets
 * wait in la_hold, the oldest dropped first; la_expire is when the next request goes,
 * and after is_arp_maxtries requests the entry and its packets are dropped).  The
 * kernel's inet timer calls arp_timer at the earliest deadline.
 */
#include "netinet/in_var.h"

#define ARP_MAXENTRIES	4096
#define ARPOP_REQUEST	1
#define ARPOP_REPLY	2

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
arp_free(struct inet_state *is, struct llentry *la)
{
	struct pkt *p;

	while ((p = la->la_hold) != NULL) {
		la->la_hold = p->p_next;
		pkt_free(p);
	}
	is->is_narp--;
	kmem_free(is->is_kern, la, sizeof(*la));
}

static void
arp_send(struct ifnet *ifp, int op, const uint8_t *tha, uint32_t spa, uint32_t tpa)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	struct pkt *p = pkt_alloc(ifp->if_kern, 28, PKT_HEADROOM);
	uint8_t *a;

	if (p == NULL)
		return;
	a = pkt_data(p);
	a[0] = 0, a[1] = 1;		/* Ethernet */
	a[2] = 0x08, a[3] = 0x00;	/* IPv4 */
	a[4] = 6, a[5] = 4;
	a[6] = 0, a[7] = (uint8_t)op;
	memcpy(a + 8, ifp->if_lladdr, 6);
	memcpy(a + 14, &spa, 4);
	if (op == ARPOP_REQUEST)
		memset(a + 18, 0, 6);
	else
		memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	is->is_stat.arps_sent++;
	ether_output_frame(ifp, p, op == ARPOP_REQUEST ? bcast : tha, 0x0806);
}

void
arp_announce(struct ifnet *ifp, uint32_t addr)
{
	arp_send(ifp, ARPOP_REQUEST, NULL, addr, addr);
}

static struct llentry *
arp_find(struct inet_state *is, struct ifnet *ifp, uint32_t addr)
{
	struct llentry *la;

	for (la = is->is_arp; la != NULL; la = la->la_next)
		if (la->la_addr == addr && la->la_ifp == ifp)
			return la;
	return NULL;
}

struct llentry *
arp_lookup(struct inet_state *is, uint32_t addr)
{
	struct llentry *la;

	for (la = is->is_arp; la != NULL; la = la->la_next)
		if (la->la_addr == addr)
			return la;
	return NULL;
}

static struct llentry *
arp_create(struct inet_state *is, struct ifnet *ifp, uint32_t addr)
{
	struct llentry *la;

	if (is->is_narp >= ARP_MAXENTRIES)
		return NULL;
	if ((la = kmem_zalloc(is->is_kern, sizeof(*la))) == NULL)
		return NULL;
	la->la_ifp = ifp;
	la->la_addr = addr;
	la->la_next = is->is_arp;
	is->is_arp = la;
	is->is_narp++;
	return la;
}

static void
arp_unlink(struct inet_state *is, struct llentry *la)
{
	struct llentry **pp;

	for (pp = &is->is_arp; *pp != NULL; pp = &(*pp)->la_next)
		if (*pp == la) {
			*pp = la->la_next;
			break;
		}
	arp_free(is, la);
}

static void
arp_resolved(struct inet_state *is, struct llentry *la, const uint8_t *mac)
{
	struct pkt *p, *list;

	memcpy(la->la_mac, mac, 6);
	la->la_resolved = 1;
	la->la_asked = 0;
	la->la_expire = hyp_clock_mono() + is->is_arp_keep_ns;
	inet_timer_want(is, la->la_expire);
	list = la->la_hold;
	la->la_hold = NULL;
	la->la_numheld = 0;
	while ((p = list) != NULL) {
		list = p->p_next;
		p->p_next = NULL;
		ether_output_frame(la->la_ifp, p, la->la_mac, 0x0800);
	}
}

void
arp_input(struct ifnet *ifp, struct pkt *p)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	struct llentry *la;
	struct in_ifaddr *ia;
	const uint8_t *a = pkt_data(p);
	uint32_t spa, tpa;
	uint8_t sha[6];
	int op, forme = 0;

	is->is_stat.arps_received++;
	if (p->p_len < 28 || a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 ||
	    a[4] != 6 || a[5] != 4) {
		is->is_stat.arps_dropped++;
		goto out;
	}
	op = a[6] << 8 | a[7];
	memcpy(sha, a + 8, 6);
	memcpy(&spa, a + 14, 4);
	memcpy(&tpa, a + 24, 4);
	if ((op != ARPOP_REQUEST && op != ARPOP_REPLY) || (sha[0] & 1) ||
	    memcmp(sha, ifp->if_lladdr, 6) == 0) {
		is->is_stat.arps_dropped++;
		goto out;
	}
	for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next) {
		if (ia->ia_addr == spa && spa != tpa) {
			is->is_stat.arps_dropped++;	/* someone else claims our address */
			goto out;
		}
		if (ia->ia_addr == tpa)
			forme = 1;
	}
	if (spa != 0 && spa != INADDR_BROADCAST) {
		la = arp_find(is, ifp, spa);
		if (la == NULL && forme)
			la = arp_create(is, ifp, spa);
		if (la != NULL)
			arp_resolved(is, la, sha);
	}
	if (op == ARPOP_REQUEST && forme && spa != tpa)
		arp_send(ifp, ARPOP_REPLY, sha, tpa, spa);
out:
	pkt_free(p);
}

int
arp_output(struct ifnet *ifp, struct pkt *p, uint32_t nexthop)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	struct llentry *la;

	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if (in_broadcast(is->is_ns, nexthop, ifp) || (p->p_flags & PKT_BCAST))
		return ether_output_frame(ifp, p, bcast, 0x0800);
	la = arp_find(is, ifp, nexthop);
	if (la != NULL && la->la_resolved) {
		if (la->la_expire > hyp_clock_mono())
			return ether_output_frame(ifp, p, la->la_mac, 0x0800);
		/* expired but the timer has not run yet: ask again */
		la->la_resolved = 0;
		la->la_asked = 0;
	}
	if (la == NULL && (la = arp_create(is, ifp, nexthop)) == NULL) {
		pkt_free(p);
		return ENOBUFS;
	}
	p->p_next = NULL;
	if (la->la_numheld >= ARP_MAXHOLD) {
		struct pkt *old = la->la_hold;
		la->la_hold = old->p_next;
		pkt_free(old);
		la->la_numheld--;
		is->is_stat.arps_dropped++;
	}
	{
		struct pkt **pp = &la->la_hold;
		while (*pp != NULL)
			pp = &(*pp)->p_next;
		*pp = p;
		la->la_numheld++;
	}
	if (la->la_asked == 0) {
		la->la_asked = 1;
		la->la_expire = hyp_clock_mono() + is->is_arp_retry_ns;
		inet_timer_want(is, la->la_expire);
		arp_send(ifp, ARPOP_REQUEST, NULL, in_ifaddr_first(ifp), nexthop);
	}
	return 0;
}

uint64_t
arp_timer(struct inet_state *is, uint64_t now)
{
	struct llentry **pp, *la;
	uint64_t next = 0;

	for (pp = &is->is_arp; (la = *pp) != NULL;) {
		if (la->la_expire <= now) {
			if (la->la_resolved || la->la_asked >= is->is_arp_maxtries) {
				*pp = la->la_next;
				arp_free(is, la);
				continue;
			}
			la->la_asked++;
			la->la_expire = now + is->is_arp_retry_ns;
			arp_send(la->la_ifp, ARPOP_REQUEST, NULL, in_ifaddr_first(la->la_ifp),
			    la->la_addr);
		}
		if (next == 0 || la->la_expire < next)
			next = la->la_expire;
		pp = &la->la_next;
	}
	return next;
}

void
arp_ifdetach(struct inet_state *is, struct ifnet *ifp)
{
	struct llentry **pp, *la;

	if (is == NULL)
		return;
	for (pp = &is->is_arp; (la = *pp) != NULL;)
		if (la->la_ifp == ifp) {
			*pp = la->la_next;
			arp_free(is, la);
		} else
			pp = &la->la_next;
}

void
arp_flush(struct inet_state *is)
{
	while (is->is_arp != NULL)
		arp_unlink(is, is->is_arp);
}
