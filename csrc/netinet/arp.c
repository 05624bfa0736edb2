/*
 * arp.c: ARP for Ethernet interfaces (RFC 826).
 *
 * The cache is a list per kernel (for the timer, eviction and detach walks) and a hash by
 * address for the per-packet lookups, which doubles as entries come, so resolving a
 * neighbour costs the same with 10 or 100,000 entries.  An entry is
 *   - resolved (la_resolved, la_mac valid until la_expire),
 *   - incomplete (a request went out; up to is_arp_maxhold packets wait in la_hold, the
 *     oldest dropped first; la_expire is when the next request goes), or
 *   - down (la_down): is_arp_maxtries requests went unanswered.  Its packets were
 *     dropped and sends to it fail with EHOSTDOWN (EHOSTUNREACH through a gateway) until
 *     la_expire, is_arp_down_ns later, when the entry goes and the next send asks again.
 *     This is NetBSD's RTF_REJECT with arpt_down (net.inet.arp.down, 20 s).
 * The table holds at most is_arp_maxentries entries: a new one evicts the least recently
 * used (la_used) down entry, else incomplete one that went unanswered for a retry, else
 * the least recently used of the rest, so a flood of forged requests cannot lock out new
 * neighbours (it evicts its own oldest entries).  Held packets are bounded per
 * entry (net.inet.arp.maxqueuelen) and per kernel (is_arp_maxheld, a share of the
 * kernel's memory as NetBSD's mbuf clusters are).  The kernel's inet timer calls
 * arp_timer at the earliest deadline.
 */
#include "netinet/in_var.h"

#define ARPOP_REQUEST	1
#define ARPOP_REPLY	2

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define ARP_MINBUCKETS	16

static inline unsigned
arp_hash(const struct inet_state *is, uint32_t addr)
{
	uint32_t h = addr * 0x9e3779b1U;

	return (h ^ h >> 16) & is->is_arpmask;
}

/* A table of n buckets holding every entry; ENOMEM keeps the old one. */
static int
arp_rehash(struct inet_state *is, unsigned n)
{
	struct llentry **t = kmem_zalloc(is->is_kern, n * sizeof(*t)), *la;

	if (t == NULL)
		return ENOMEM;
	if (is->is_arphash != NULL)
		kmem_free(is->is_kern, is->is_arphash, (is->is_arpmask + 1) * sizeof(*t));
	is->is_arphash = t;
	is->is_arpmask = n - 1;
	for (la = is->is_arp; la != NULL; la = la->la_next) {
		struct llentry **b = &t[arp_hash(is, la->la_addr)];
		la->la_hnext = *b;
		*b = la;
	}
	return 0;
}

static void
arp_hash_insert(struct inet_state *is, struct llentry *la)
{
	struct llentry **b;

	/* la is on is_arp already: a new table takes it in with the rest */
	if (is->is_arphash == NULL || (unsigned)is->is_narp > 2 * (is->is_arpmask + 1))
		if (arp_rehash(is, is->is_arphash == NULL ? ARP_MINBUCKETS :
		    4 * (is->is_arpmask + 1)) == 0)
			return;
	if (is->is_arphash == NULL)
		return;		/* no memory: arp_find walks the list */
	b = &is->is_arphash[arp_hash(is, la->la_addr)];
	la->la_hnext = *b;
	*b = la;
}

static void
arp_hash_remove(struct inet_state *is, struct llentry *la)
{
	struct llentry **pp;

	if (is->is_arphash == NULL)
		return;
	for (pp = &is->is_arphash[arp_hash(is, la->la_addr)]; *pp != NULL; pp = &(*pp)->la_hnext)
		if (*pp == la) {
			*pp = la->la_hnext;
			return;
		}
}

/* Frees la, which the caller took off is_arp. */
static void
arp_free(struct inet_state *is, struct llentry *la)
{
	struct pkt *p;

	arp_hash_remove(is, la);
	if (is->is_arplast == la)
		is->is_arplast = NULL;
	while ((p = la->la_hold) != NULL) {
		la->la_hold = p->p_next;
		pkt_free(p);
	}
	is->is_arp_nheld -= la->la_numheld;
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

	/* the same neighbour as last time: no bucket line (arp_free forgets it) */
	if ((la = is->is_arplast) != NULL && la->la_addr == addr && la->la_ifp == ifp)
		return la;
	if (is->is_arphash == NULL) {
		for (la = is->is_arp; la != NULL; la = la->la_next)
			if (la->la_addr == addr && la->la_ifp == ifp)
				break;
	} else
		for (la = is->is_arphash[arp_hash(is, addr)]; la != NULL; la = la->la_hnext)
			if (la->la_addr == addr && la->la_ifp == ifp)
				break;
	if (la != NULL)
		is->is_arplast = la;
	return la;
}

struct llentry *
arp_lookup(struct inet_state *is, uint32_t addr)
{
	struct llentry *la;

	if (is->is_arphash == NULL) {
		for (la = is->is_arp; la != NULL; la = la->la_next)
			if (la->la_addr == addr)
				return la;
		return NULL;
	}
	for (la = is->is_arphash[arp_hash(is, addr)]; la != NULL; la = la->la_hnext)
		if (la->la_addr == addr)
			return la;
	return NULL;
}

/* Which entries go first: down ones, then incomplete ones that went a retry without an
 * answer, then the rest (resolved, and lookups just started, which must not evict each
 * other while a flood of resolved entries sits in the table). */
static int
arp_evict_class(const struct llentry *la)
{
	if (la->la_down)
		return 0;
	if (!la->la_resolved && la->la_asked >= 2)
		return 1;
	return 2;
}

/* Frees the least recently used entry of the first class that has one. */
static int
arp_evict(struct inet_state *is)
{
	struct llentry **pp, **victim = NULL, *la;
	int vclass = 3;

	for (pp = &is->is_arp; (la = *pp) != NULL; pp = &la->la_next) {
		int c = arp_evict_class(la);
		if (victim == NULL || c < vclass || (c == vclass && la->la_used < (*victim)->la_used))
			victim = pp, vclass = c;
	}
	if (victim == NULL)
		return 0;
	la = *victim;
	*victim = la->la_next;
	arp_free(is, la);
	is->is_arp_evicted++;
	return 1;
}

static struct llentry *
arp_create(struct inet_state *is, struct ifnet *ifp, uint32_t addr)
{
	struct llentry *la;

	while (is->is_narp >= is->is_arp_maxentries)
		if (!arp_evict(is))
			return NULL;
	if ((la = kmem_zalloc(is->is_kern, sizeof(*la))) == NULL)
		return NULL;
	la->la_ifp = ifp;
	la->la_addr = addr;
	la->la_used = hyp_clock_mono();
	la->la_next = is->is_arp;
	is->is_arp = la;
	is->is_narp++;
	arp_hash_insert(is, la);
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
	la->la_down = 0;
	la->la_used = hyp_clock_mono();
	la->la_expire = la->la_used + is->is_arp_keep_ns;
	inet_timer_want(is, la->la_expire);
	list = la->la_hold;
	la->la_hold = NULL;
	is->is_arp_nheld -= la->la_numheld;
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
	uint64_t now;

	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if (in_broadcast(is->is_ns, nexthop, ifp) || (p->p_flags & PKT_BCAST))
		return ether_output_frame(ifp, p, bcast, 0x0800);
	if (IN_MULTICAST_(nexthop)) {
		/* RFC 1112 6.4: 01:00:5e and the group's low 23 bits, no ARP */
		const uint8_t *g = (const uint8_t *)&nexthop;
		uint8_t mac[6] = { 0x01, 0x00, 0x5e, (uint8_t)(g[1] & 0x7f), g[2], g[3] };
		return ether_output_frame(ifp, p, mac, 0x0800);
	}
	now = hyp_clock_coarse();	/* per packet: a tick behind at most (issue 16) */
	la = arp_find(is, ifp, nexthop);
	if (la != NULL)
		la->la_used = now;
	if (la != NULL && la->la_resolved) {
		if (la->la_expire > now)
			return ether_output_frame(ifp, p, la->la_mac, 0x0800);
		/* expired but the timer has not run yet: ask again */
		la->la_resolved = 0;
		la->la_asked = 0;
	}
	if (la != NULL && la->la_down) {
		uint32_t dst = 0;

		if (la->la_expire > now) {
			/* NetBSD: EHOSTDOWN for the neighbour itself, EHOSTUNREACH through it */
			if (p->p_len >= 20)
				memcpy(&dst, pkt_data(p) + 16, 4);
			pkt_free(p);
			return dst == nexthop ? EHOSTDOWN : EHOSTUNREACH;
		}
		la->la_down = 0;	/* its time is up: ask again */
		la->la_asked = 0;
	}
	if (la == NULL && (la = arp_create(is, ifp, nexthop)) == NULL) {
		pkt_free(p);
		return ENOBUFS;
	}
	p->p_next = NULL;
	if (la->la_numheld > 0 && (la->la_numheld >= is->is_arp_maxhold ||
	    is->is_arp_nheld >= is->is_arp_maxheld)) {
		struct pkt *old = la->la_hold;
		la->la_hold = old->p_next;
		pkt_free(old);
		la->la_numheld--;
		is->is_arp_nheld--;
		is->is_stat.arps_dropped++;
	}
	if (la->la_numheld >= is->is_arp_maxhold || is->is_arp_nheld >= is->is_arp_maxheld) {
		/* maxqueuelen 0, or the kernel's share of held packets is taken by others */
		pkt_free(p);
		is->is_stat.arps_dropped++;
	} else {
		struct pkt **pp = &la->la_hold;
		while (*pp != NULL)
			pp = &(*pp)->p_next;
		*pp = p;
		la->la_numheld++;
		is->is_arp_nheld++;
	}
	if (la->la_asked == 0) {
		la->la_asked = 1;
		la->la_expire = now + is->is_arp_retry_ns;
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
			if (la->la_resolved || la->la_down) {
				*pp = la->la_next;
				arp_free(is, la);
				continue;
			}
			if (la->la_asked >= is->is_arp_maxtries) {
				/* unanswered: drop what waits, refuse sends for a while */
				struct pkt *p;

				while ((p = la->la_hold) != NULL) {
					la->la_hold = p->p_next;
					pkt_free(p);
					is->is_stat.arps_dropped++;
				}
				is->is_arp_nheld -= la->la_numheld;
				la->la_numheld = 0;
				la->la_down = 1;
				la->la_asked = 0;
				la->la_expire = now + is->is_arp_down_ns;
			} else {
				la->la_asked++;
				la->la_expire = now + is->is_arp_retry_ns;
				arp_send(la->la_ifp, ARPOP_REQUEST, NULL,
				    in_ifaddr_first(la->la_ifp), la->la_addr);
			}
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
	if (is->is_arphash != NULL)
		kmem_free(is->is_kern, is->is_arphash, (is->is_arpmask + 1) * sizeof(*is->is_arphash));
	is->is_arphash = NULL;
	is->is_arpmask = 0;
}

/* Defaults: NetBSD's (arpt_keep 20 min, arpt_down 20 s, 5 tries a second apart), a table
 * of ARP_MAXENTRIES, and held packets within a share of the kernel's memory. */
void
arp_init(struct inet_state *is)
{
	struct kern *k = is->is_kern;
	uint64_t mem = k->k_mem_limit ? k->k_mem_limit : 64ULL << 20;

	is->is_arp_keep_ns = 1200ULL * 1000000000;
	is->is_arp_down_ns = 20ULL * 1000000000;
	is->is_arp_retry_ns = 1000000000ULL;
	is->is_arp_maxtries = 5;
	is->is_arp_maxhold = ARP_MAXHOLD;
	is->is_arp_maxentries = ARP_MAXENTRIES;
	/* an eighth of the kernel's memory in standard packet buffers */
	is->is_arp_maxheld = (int)(mem / 8 / (PKT_STDSIZE + sizeof(struct pkt)));
	if (is->is_arp_maxheld < ARP_MAXHOLD)
		is->is_arp_maxheld = ARP_MAXHOLD;
}

/* net.inet.arp.<id>; the inet lock is held. */
int
arp_sysctl(struct inet_state *is, int id, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen)
{
	uint64_t *nsp = NULL;
	int v, error;

	switch (id) {
	case ARPCTL_KEEP:
		nsp = &is->is_arp_keep_ns;
		break;
	case ARPCTL_DOWN:
		nsp = &is->is_arp_down_ns;
		break;
	case ARPCTL_BMAXTRIES:
		return in_sysctl_int(&is->is_arp_maxtries, 1, 100, oldp, oldlenp, newp, newlen);
	case ARPCTL_MAXQUEUELEN:
		return in_sysctl_int(&is->is_arp_maxhold, 0, 1000, oldp, oldlenp, newp, newlen);
	case ARPCTL_MAXENTRIES:
		error = in_sysctl_int(&is->is_arp_maxentries, 1, 1000000, oldp, oldlenp, newp,
		    newlen);
		while (error == 0 && is->is_narp > is->is_arp_maxentries && arp_evict(is))
			continue;
		return error;
	default:
		return ENOENT;
	}
	v = (int)(*nsp / 1000000000ULL);
	if ((error = in_sysctl_int(&v, 1, 86400 * 365, oldp, oldlenp, newp, newlen)) == 0)
		*nsp = (uint64_t)v * 1000000000ULL;
	return error;
}
