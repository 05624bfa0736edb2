/*
 * igmp.c: IGMP host side, versions 1 and 2 (RFC 1112, RFC 2236), as NetBSD 7.99's igmp.c
 * (which has no IGMPv3: a v3 query, longer than 8 bytes, is answered as a v2 one, as RFC
 * 3376 7.2.1 asks of a v2 host; v3 reports are not sent).
 *
 * Joining a group (in_addmulti's first reference) sends an unsolicited report at once and
 * a second one after a random delay of up to 10 s (IGMP_MAX_HOST_REPORT_DELAY); groups
 * in 224.0.0.0/24 (all-hosts among them) and groups on loopback interfaces are never
 * reported.  A query arms each matching group's timer with a random delay up to the
 * query's maximum response time (a v1 query: 10 s; it also marks a v1 querier present on
 * the interface for 400 s, when reports are v1 and leaves are not sent); when the timer
 * runs out the report goes.  Hearing another host's report for a group cancels ours (the
 * group is "sleeping": that host reported last).  Leaving a group sends a leave when
 * this host reported last and the querier speaks v2.  States and their
 * transitions are NetBSD's (IGMP_*_MEMBER).
 *
 * Delays are whole ticks of NetBSD's fast timeout (200 ms), drawn from the kernel's seeded
 * generator, and run on the kernel clock (the inet timer): under the virtual clock a
 * report due in 7 s costs nothing.  Every message goes to the group address (the leave
 * too) with TTL 1 and no IP options, as NetBSD 7.99's do on the wire (seen on its shmif
 * bus; RFC 2236 sends leaves to 224.0.0.2 and RFC 2113's Router Alert), is not looped
 * back, and is checksummed; input checks the length and checksum (igps_* counters)
 * before anything else.
 */
#include "netinet/in_var.h"

#define IGMP_HOST_MEMBERSHIP_QUERY	0x11
#define IGMP_v1_HOST_MEMBERSHIP_REPORT	0x12
#define IGMP_v2_HOST_MEMBERSHIP_REPORT	0x16
#define IGMP_HOST_LEAVE_MESSAGE		0x17
#define IGMP_MINLEN			8
#define IGMP_MAX_HOST_REPORT_DELAY	10	/* seconds */
#define IGMP_TIMER_SCALE		10	/* max resp time is in tenths of a second */
#define PR_FASTHZ			5	/* NetBSD's fast timeout: ticks of 200 ms */
#define IGMP_TICK_NS			(1000000000ULL / PR_FASTHZ)
#define IGMP_V1_ROUTER_NS		(400ULL * 1000000000)	/* RFC 2236 8.11 */

enum {
	IGMP_DELAYING_MEMBER = 1, IGMP_IDLE_MEMBER, IGMP_LAZY_MEMBER, IGMP_SLEEPING_MEMBER,
	IGMP_AWAKENING_MEMBER,
};

static struct igmp_rti *
rti_find(struct inet_state *is, struct ifnet *ifp, int create)
{
	struct igmp_rti *rti;

	for (rti = is->is_rti; rti != NULL; rti = rti->rti_next)
		if (rti->rti_ifp == ifp)
			return rti;
	if (!create || (rti = kmem_zalloc(is->is_kern, sizeof(*rti))) == NULL)
		return NULL;
	rti->rti_ifp = ifp;
	rti->rti_next = is->is_rti;
	is->is_rti = rti;
	return rti;
}

/* Is a v1 querier present on ifp? */
static int
rti_v1(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_rti *rti = rti_find(is, ifp, 0);

	if (rti == NULL || rti->rti_v1_until == 0)
		return 0;
	if (rti->rti_v1_until <= hyp_clock_mono()) {
		rti->rti_v1_until = 0;	/* the v1 querier went quiet: back to v2 */
		return 0;
	}
	return 1;
}

/* A random delay of 1..ticks fast-timeout ticks, as a deadline. */
static uint64_t
igmp_random_delay(struct inet_state *is, unsigned ticks)
{
	if (ticks == 0)
		ticks = 1;
	return hyp_clock_mono() + (uint64_t)(kern_random32(is->is_kern) % ticks + 1) * IGMP_TICK_NS;
}

static void
igmp_sendpkt(struct inet_state *is, struct in_multi *inm, int type)
{
	struct ifnet *ifp = inm->inm_ifp;
	struct ip_moptions imo;
	uint32_t src = in_ifaddr_first(ifp), dst = inm->inm_addr;
	struct pkt *p;
	uint8_t *ip, *ig;
	uint16_t sum;

	if (src == INADDR_ANY || !(ifp->if_flags & IFF_UP))
		return;
	/* every message, the leave too, goes to the group itself, without IP options:
	 * what NetBSD 7.99's igmp_sendpkt puts on a shmif bus (RFC 2236 would send the leave
	 * to 224.0.0.2 with a Router Alert option) */
	if ((p = pkt_alloc(is->is_kern, 20 + IGMP_MINLEN, PKT_HEADROOM)) == NULL)
		return;
	ip = pkt_data(p);
	memset(ip, 0, 20 + IGMP_MINLEN);
	ip[0] = 0x45;
	ip[9] = IPPROTO_IGMP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ig = ip + 20;
	ig[0] = (uint8_t)type;
	memcpy(ig + 4, &inm->inm_addr, 4);
	sum = in_cksum(ig, IGMP_MINLEN, 0);
	memcpy(ig + 2, &sum, 2);
	memset(&imo, 0, sizeof(imo));
	imo.imo_ifindex = ifp->if_index;
	imo.imo_ttl = 1;
	imo.imo_loop = 0;
	is->igps_snd_reports++;
	(void)ip_mcast_output(is, p, src, dst, IPPROTO_IGMP, &imo, IPOUT_RAWHDR);
}

static int
igmp_reported(struct in_multi *inm)
{
	return !IN_LOCAL_GROUP_(inm->inm_addr) && !(inm->inm_ifp->if_flags & IFF_LOOPBACK);
}

void
igmp_joingroup(struct inet_state *is, struct in_multi *inm)
{
	inm->inm_state = IGMP_IDLE_MEMBER;
	inm->inm_timer = 0;
	if (!igmp_reported(inm))
		return;
	igmp_sendpkt(is, inm, rti_v1(is, inm->inm_ifp) ? IGMP_v1_HOST_MEMBERSHIP_REPORT :
	    IGMP_v2_HOST_MEMBERSHIP_REPORT);
	inm->inm_state = IGMP_DELAYING_MEMBER;
	inm->inm_timer = igmp_random_delay(is, IGMP_MAX_HOST_REPORT_DELAY * PR_FASTHZ);
	inet_timer_want(is, inm->inm_timer);
}

void
igmp_leavegroup(struct inet_state *is, struct in_multi *inm)
{
	switch (inm->inm_state) {
	case IGMP_DELAYING_MEMBER:
	case IGMP_IDLE_MEMBER:
		if (igmp_reported(inm) && !rti_v1(is, inm->inm_ifp))
			igmp_sendpkt(is, inm, IGMP_HOST_LEAVE_MESSAGE);
		break;
	default:
		break;		/* another host reported last: it answers for the group */
	}
}

uint64_t
igmp_timer(struct inet_state *is, uint64_t now)
{
	struct in_multi *inm;
	uint64_t soonest = 0;

	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next) {
		if (inm->inm_timer == 0)
			continue;
		if (inm->inm_timer <= now) {
			inm->inm_timer = 0;
			if (inm->inm_state == IGMP_DELAYING_MEMBER) {
				igmp_sendpkt(is, inm, rti_v1(is, inm->inm_ifp) ?
				    IGMP_v1_HOST_MEMBERSHIP_REPORT : IGMP_v2_HOST_MEMBERSHIP_REPORT);
				inm->inm_state = IGMP_IDLE_MEMBER;
			}
		} else if (soonest == 0 || inm->inm_timer < soonest)
			soonest = inm->inm_timer;
	}
	return soonest;
}

void
igmp_input(struct ifnet *ifp, struct pkt *p, int hlen)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	uint8_t *ip = pkt_data(p), *ig = ip + hlen;
	size_t len = p->p_len - (size_t)hlen;
	uint32_t src, dst, group;
	struct in_multi *inm;
	unsigned ticks;

	is->igps_rcv_total++;
	if (len < IGMP_MINLEN) {
		is->igps_rcv_tooshort++;
		goto drop;
	}
	if (in_cksum(ig, len, 0) != 0) {
		is->igps_rcv_badsum++;
		goto drop;
	}
	if (ifp->if_type == IFT_LOOP)
		goto drop;		/* nothing to report on lo0 */
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&group, ig + 4, 4);
	switch (ig[0]) {
	case IGMP_HOST_MEMBERSHIP_QUERY:
		is->igps_rcv_queries++;
		if (ig[1] == 0 && len == IGMP_MINLEN) {
			/* v1 query: general only, to all-hosts; a v1 querier is present */
			struct igmp_rti *rti;

			if (dst != htonl_(INADDR_ALLHOSTS_GROUP_H)) {
				is->igps_rcv_badqueries++;
				goto drop;
			}
			if ((rti = rti_find(is, ifp, 1)) != NULL)
				rti->rti_v1_until = hyp_clock_mono() + IGMP_V1_ROUTER_NS;
			for (inm = is->is_multi; inm != NULL; inm = inm->inm_next)
				if (inm->inm_ifp == ifp && igmp_reported(inm) && inm->inm_timer == 0) {
					inm->inm_state = IGMP_DELAYING_MEMBER;
					inm->inm_timer = igmp_random_delay(is,
					    IGMP_MAX_HOST_REPORT_DELAY * PR_FASTHZ);
					inet_timer_want(is, inm->inm_timer);
				}
			break;
		}
		/* v2 (or v3, read as v2): general to all-hosts, or about one group */
		if (group != INADDR_ANY && !IN_MULTICAST_(group)) {
			is->igps_rcv_badqueries++;
			goto drop;
		}
		ticks = (unsigned)ig[1] * PR_FASTHZ / IGMP_TIMER_SCALE;
		if (ticks == 0)
			ticks = 1;
		for (inm = is->is_multi; inm != NULL; inm = inm->inm_next) {
			uint64_t max = hyp_clock_mono() + (uint64_t)ticks * IGMP_TICK_NS;

			if (inm->inm_ifp != ifp || !igmp_reported(inm))
				continue;
			if (group != INADDR_ANY && group != inm->inm_addr)
				continue;
			switch (inm->inm_state) {
			case IGMP_DELAYING_MEMBER:
				if (inm->inm_timer > max)
					inm->inm_timer = igmp_random_delay(is, ticks);
				break;
			case IGMP_IDLE_MEMBER:
			case IGMP_LAZY_MEMBER:
			case IGMP_AWAKENING_MEMBER:
				inm->inm_state = IGMP_DELAYING_MEMBER;
				inm->inm_timer = igmp_random_delay(is, ticks);
				break;
			case IGMP_SLEEPING_MEMBER:
				inm->inm_state = IGMP_AWAKENING_MEMBER;
				break;
			}
			if (inm->inm_timer != 0)
				inet_timer_want(is, inm->inm_timer);
		}
		break;
	case IGMP_v1_HOST_MEMBERSHIP_REPORT:
	case IGMP_v2_HOST_MEMBERSHIP_REPORT:
		is->igps_rcv_reports++;
		if (in_ifaddr_of(is->is_ns, src) != NULL)
			break;		/* our own */
		if (!IN_MULTICAST_(group) || group != dst) {
			is->igps_rcv_badreports++;
			break;
		}
		/* another member reported: ours is not needed (suppression) */
		if ((inm = in_lookup_multi(is, group, ifp)) != NULL) {
			inm->inm_timer = 0;
			is->igps_rcv_ourreports++;
			switch (inm->inm_state) {
			case IGMP_IDLE_MEMBER:
			case IGMP_LAZY_MEMBER:
			case IGMP_AWAKENING_MEMBER:
			case IGMP_SLEEPING_MEMBER:
				inm->inm_state = IGMP_SLEEPING_MEMBER;
				break;
			case IGMP_DELAYING_MEMBER:
				inm->inm_state = rti_v1(is, ifp) ? IGMP_LAZY_MEMBER :
				    IGMP_SLEEPING_MEMBER;
				break;
			}
		}
		break;
	default:
		break;		/* leaves and v3 reports are for routers */
	}
drop:
	pkt_free(p);
}
