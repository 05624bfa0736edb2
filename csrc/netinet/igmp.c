/*
 * igmp.c: IGMP host side, versions 1 and 2 (RFC 1112, RFC 2236) as NetBSD 7.99's igmp.c,
 * and version 3 (RFC 3376) once a v3 querier speaks on the link.
 *
 * Versions (RFC 3376 7.2.1, the host compatibility mode per interface): v1 while a v1
 * querier was heard in the last 400 s; else v2 while a v2 querier was heard within the
 * Older Version Querier Present Timeout (robustness x query interval + response time of
 * the last v3 query, 260 s by default) after a v3 one; else v3 if a v3 querier was ever
 * heard there; else v2, as NetBSD (which has no IGMPv3) on a link without a querier.
 * Switching to an older version cancels what v3 had pending.
 *
 * In v3 mode (RFC 3376 5): joining sends CHANGE_TO_EXCLUDE {} and leaving
 * CHANGE_TO_INCLUDE {} state-change reports, robustness-variable times a random part of
 * the Unsolicited Report Interval (1 s) apart (a leave before the join's copies went out
 * replaces them); a general query is answered after a random part of its maximum
 * response time with one current-state report of MODE_IS_EXCLUDE {} for every group of
 * the interface (split at the MTU); a group-specific query with MODE_IS_EXCLUDE {} for
 * that group; a group-and-source-specific one with MODE_IS_INCLUDE of the sources asked
 * about (we exclude none; more than IGMP_V3_MAXSRCS pending: answered as
 * group-specific).  A report already due sooner covers a later query.  There is no
 * suppression in v3.  Reports go to 224.0.0.22 with TTL 1 and the Router Alert option.
 * Since NetBSD has no source-filter socket options (in_mcast.c), every group is in
 * EXCLUDE mode with no sources.
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
#define IGMP_v3_HOST_MEMBERSHIP_REPORT	0x22
#define IGMP_V3_QUERY_MINLEN		12
#define IGMP_UNSOL_NS			1000000000ULL	/* Unsolicited Report Interval */
#define IGMP_QRV_DEFAULT		2
#define IGMP_QI_DEFAULT			125	/* s */
#define IGMP_QRI_DEFAULT		100	/* 1/10 s */
enum { MODE_IS_INCLUDE = 1, MODE_IS_EXCLUDE, CHANGE_TO_INCLUDE, CHANGE_TO_EXCLUDE };

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

/* The interface's compatibility mode: 1, 2 or 3. */
static int
igmp_version(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_rti *rti;

	if (rti_v1(is, ifp))
		return 1;
	if ((rti = rti_find(is, ifp, 0)) == NULL || !rti->rti_v3)
		return 2;
	if (rti->rti_v2_until != 0) {
		if (rti->rti_v2_until > hyp_clock_mono())
			return 2;
		rti->rti_v2_until = 0;
	}
	return 3;
}

/* RFC 3376 4.1.1: a Max Resp Code or QQIC of 128 and more is a floating-point value. */
static unsigned
igmp_v3_fp(uint8_t code)
{
	return code < 128 ? code : (unsigned)((code & 0x0f) | 0x10) << (((code >> 4) & 7) + 3);
}

/* A random deadline in [now, now + max) (max in ns; 0: now). */
static uint64_t
igmp_v3_delay(struct inet_state *is, uint64_t max)
{
	uint64_t now = hyp_clock_mono();

	return max == 0 ? now : now + (uint64_t)kern_random32(is->is_kern) *
	    (max / 1000) / 4294967296ULL * 1000;
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

/* ---------------------------------------------------------------- IGMPv3 */

struct igmp_rec {
	int type;
	uint32_t group;
	int nsrcs;
	const uint32_t *srcs;
};

/* Sends one v3 report with records recs[0..n) (the caller keeps it within the MTU). */
static void
igmp_v3_send(struct inet_state *is, struct ifnet *ifp, const struct igmp_rec *recs, int n)
{
	struct ip_moptions imo;
	uint32_t src = in_ifaddr_first(ifp), dst = htonl_(0xe0000016);	/* 224.0.0.22 */
	size_t len = 24 + 8, off;
	struct pkt *p;
	uint8_t *ip, *ig;
	uint16_t sum;
	int i;

	if (src == INADDR_ANY || !(ifp->if_flags & IFF_UP) || n == 0)
		return;
	for (i = 0; i < n; i++)
		len += 8 + 4 * (size_t)recs[i].nsrcs;
	if ((p = pkt_alloc(is->is_kern, len, PKT_HEADROOM)) == NULL)
		return;
	ip = pkt_data(p);
	memset(ip, 0, len);
	ip[0] = 0x46;				/* with the Router Alert option (RFC 2113) */
	ip[9] = IPPROTO_IGMP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ip[20] = 0x94, ip[21] = 4;
	ig = ip + 24;
	ig[0] = IGMP_v3_HOST_MEMBERSHIP_REPORT;
	ig[6] = (uint8_t)(n >> 8), ig[7] = (uint8_t)n;
	for (i = 0, off = 8; i < n; i++) {
		int j;
		ig[off] = (uint8_t)recs[i].type;
		ig[off + 2] = (uint8_t)(recs[i].nsrcs >> 8), ig[off + 3] = (uint8_t)recs[i].nsrcs;
		memcpy(ig + off + 4, &recs[i].group, 4);
		off += 8;
		for (j = 0; j < recs[i].nsrcs; j++, off += 4)
			memcpy(ig + off, &recs[i].srcs[j], 4);
	}
	sum = in_cksum(ig, len - 24, 0);
	memcpy(ig + 2, &sum, 2);
	memset(&imo, 0, sizeof(imo));
	imo.imo_ifindex = ifp->if_index;
	imo.imo_ttl = 1;
	imo.imo_loop = 0;
	is->igps_snd_reports++;
	(void)ip_mcast_output(is, p, src, dst, IPPROTO_IGMP, &imo, IPOUT_RAWHDR);
}

/* The answer to a general query: MODE_IS_EXCLUDE {} for every group of ifp, in reports
 * that fit the MTU. */
static void
igmp_v3_current(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_rec recs[64];
	struct in_multi *inm;
	int n = 0, max = (int)((ifp->if_mtu - 24 - 8) / 8);

	if (max > 64)
		max = 64;
	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next) {
		if (inm->inm_ifp != ifp || !igmp_reported(inm))
			continue;
		recs[n].type = MODE_IS_EXCLUDE, recs[n].group = inm->inm_addr;
		recs[n].nsrcs = 0, recs[n].srcs = NULL;
		if (++n == max) {
			igmp_v3_send(is, ifp, recs, n);
			n = 0;
		}
	}
	igmp_v3_send(is, ifp, recs, n);
}

static int
igmp_qrv(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_rti *rti = rti_find(is, ifp, 0);

	return rti != NULL && rti->rti_qrv > 0 ? rti->rti_qrv : IGMP_QRV_DEFAULT;
}

/* A state change of group on ifp: sent now, then again robustness - 1 times. */
static void
igmp_v3_statechange(struct inet_state *is, struct ifnet *ifp, uint32_t group, int type)
{
	struct igmp_rec rec = { type, group, 0, NULL };
	struct igmp_sc *sc;

	for (sc = is->is_igmpsc; sc != NULL; sc = sc->sc_next)
		if (sc->sc_ifp == ifp && sc->sc_addr == group)
			break;
	if (sc == NULL && (sc = kmem_zalloc(is->is_kern, sizeof(*sc))) != NULL) {
		sc->sc_ifp = ifp;
		sc->sc_addr = group;
		sc->sc_next = is->is_igmpsc;
		is->is_igmpsc = sc;
	}
	igmp_v3_send(is, ifp, &rec, 1);
	if (sc != NULL) {
		sc->sc_type = type;
		sc->sc_left = igmp_qrv(is, ifp) - 1;
		sc->sc_at = igmp_v3_delay(is, IGMP_UNSOL_NS);
		inet_timer_want(is, sc->sc_at);
	}
}

/* Drops what v3 had pending on ifp (a switch to an older version; detach). */
static void
igmp_v3_cancel(struct inet_state *is, struct ifnet *ifp)
{
	struct igmp_sc **pp, *sc;
	struct igmp_rti *rti = rti_find(is, ifp, 0);
	struct in_multi *inm;

	if (rti != NULL)
		rti->rti_gq = 0;
	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next)
		if (inm->inm_ifp == ifp && inm->inm_v3pend) {
			inm->inm_v3pend = 0;
			inm->inm_nsrcs = 0;
			inm->inm_timer = 0;
		}
	for (pp = &is->is_igmpsc; (sc = *pp) != NULL;)
		if (sc->sc_ifp == ifp) {
			*pp = sc->sc_next;
			kmem_free(is->is_kern, sc, sizeof(*sc));
		} else
			pp = &sc->sc_next;
}

void
igmp_ifdetach(struct inet_state *is, struct ifnet *ifp)
{
	igmp_v3_cancel(is, ifp);
}

static uint64_t
igmp_v3_timer(struct inet_state *is, uint64_t now)
{
	struct igmp_sc **pp, *sc;
	struct igmp_rti *rti;
	uint64_t soonest = 0;

	for (rti = is->is_rti; rti != NULL; rti = rti->rti_next) {
		if (rti->rti_gq == 0)
			continue;
		if (rti->rti_gq <= now) {
			rti->rti_gq = 0;
			if (igmp_version(is, rti->rti_ifp) == 3)
				igmp_v3_current(is, rti->rti_ifp);
		} else if (soonest == 0 || rti->rti_gq < soonest)
			soonest = rti->rti_gq;
	}
	for (pp = &is->is_igmpsc; (sc = *pp) != NULL;) {
		if (sc->sc_at <= now) {
			struct igmp_rec rec = { sc->sc_type, sc->sc_addr, 0, NULL };
			if (igmp_version(is, sc->sc_ifp) == 3)
				igmp_v3_send(is, sc->sc_ifp, &rec, 1);
			if (--sc->sc_left <= 0) {
				*pp = sc->sc_next;
				kmem_free(is->is_kern, sc, sizeof(*sc));
				continue;
			}
			sc->sc_at = now + (igmp_v3_delay(is, IGMP_UNSOL_NS) - hyp_clock_mono());
		}
		if (soonest == 0 || sc->sc_at < soonest)
			soonest = sc->sc_at;
		pp = &sc->sc_next;
	}
	return soonest;
}

/* A v3 query on ifp (checked: at least 12 bytes, its sources inside). */
static void
igmp_v3_query(struct inet_state *is, struct ifnet *ifp, const uint8_t *ig, uint32_t group)
{
	struct igmp_rti *rti = rti_find(is, ifp, 1);
	unsigned nsrcs = (unsigned)(ig[10] << 8 | ig[11]), i;
	uint64_t at;
	struct in_multi *inm;

	if (rti == NULL)
		return;
	rti->rti_v3 = 1;
	rti->rti_qrv = (ig[8] & 7) != 0 ? ig[8] & 7 : IGMP_QRV_DEFAULT;
	rti->rti_qi = ig[9] != 0 ? igmp_v3_fp(ig[9]) : IGMP_QI_DEFAULT;
	rti->rti_qri = igmp_v3_fp(ig[1]);
	if (igmp_version(is, ifp) != 3)
		return;			/* the caller answers in the older version */
	at = igmp_v3_delay(is, (uint64_t)rti->rti_qri * 100000000ULL);
	if (group == INADDR_ANY) {
		if (nsrcs != 0) {
			is->igps_rcv_badqueries++;
			return;
		}
		if (rti->rti_gq == 0 || at < rti->rti_gq) {
			rti->rti_gq = at;
			inet_timer_want(is, at);
		}
		return;
	}
	if ((inm = in_lookup_multi(is, group, ifp)) == NULL || !igmp_reported(inm))
		return;
	if (rti->rti_gq != 0 && rti->rti_gq <= at)
		return;			/* the general answer comes first and covers it */
	if (nsrcs == 0 || inm->inm_v3pend == 1 ||
	    (inm->inm_v3pend == 0 && nsrcs > IGMP_V3_MAXSRCS)) {
		inm->inm_v3pend = 1;
		inm->inm_nsrcs = 0;
	} else {
		for (i = 0; i < nsrcs; i++) {
			uint32_t a;
			int j;
			memcpy(&a, ig + 12 + 4 * i, 4);
			for (j = 0; j < inm->inm_nsrcs && inm->inm_srcs[j] != a; j++)
				continue;
			if (j < inm->inm_nsrcs)
				continue;
			if (inm->inm_nsrcs == IGMP_V3_MAXSRCS) {
				inm->inm_v3pend = 1;	/* too many: the whole group */
				inm->inm_nsrcs = 0;
				break;
			}
			inm->inm_srcs[inm->inm_nsrcs++] = a;
			inm->inm_v3pend = 2;
		}
	}
	if (inm->inm_timer == 0 || at < inm->inm_timer) {
		inm->inm_timer = at;
		inet_timer_want(is, at);
	}
}

/* An older querier heard while v3 ones are around: its version for the Older Version
 * Querier Present Timeout; v3's pending answers go. */
static void
igmp_v3_older(struct inet_state *is, struct ifnet *ifp, int version)
{
	struct igmp_rti *rti = rti_find(is, ifp, 0);

	if (rti == NULL || !rti->rti_v3)
		return;
	if (version == 2)
		rti->rti_v2_until = hyp_clock_mono() + ((uint64_t)rti->rti_qrv * rti->rti_qi *
		    1000000000ULL + (uint64_t)rti->rti_qri * 100000000ULL);
	igmp_v3_cancel(is, ifp);
}

/* ---------------------------------------------------------------- v1, v2 */

void
igmp_joingroup(struct inet_state *is, struct in_multi *inm)
{
	inm->inm_state = IGMP_IDLE_MEMBER;
	inm->inm_timer = 0;
	inm->inm_v3pend = 0;
	if (!igmp_reported(inm))
		return;
	if (igmp_version(is, inm->inm_ifp) == 3) {
		igmp_v3_statechange(is, inm->inm_ifp, inm->inm_addr, CHANGE_TO_EXCLUDE);
		return;
	}
	igmp_sendpkt(is, inm, rti_v1(is, inm->inm_ifp) ? IGMP_v1_HOST_MEMBERSHIP_REPORT :
	    IGMP_v2_HOST_MEMBERSHIP_REPORT);
	inm->inm_state = IGMP_DELAYING_MEMBER;
	inm->inm_timer = igmp_random_delay(is, IGMP_MAX_HOST_REPORT_DELAY * PR_FASTHZ);
	inet_timer_want(is, inm->inm_timer);
}

void
igmp_leavegroup(struct inet_state *is, struct in_multi *inm)
{
	if (igmp_reported(inm) && igmp_version(is, inm->inm_ifp) == 3) {
		igmp_v3_statechange(is, inm->inm_ifp, inm->inm_addr, CHANGE_TO_INCLUDE);
		return;
	}
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
	uint64_t soonest = igmp_v3_timer(is, now);

	for (inm = is->is_multi; inm != NULL; inm = inm->inm_next) {
		if (inm->inm_timer == 0)
			continue;
		if (inm->inm_timer <= now) {
			inm->inm_timer = 0;
			if (inm->inm_v3pend) {
				struct igmp_rec rec = { inm->inm_v3pend == 1 ? MODE_IS_EXCLUDE :
				    MODE_IS_INCLUDE, inm->inm_addr, inm->inm_v3pend == 1 ? 0 :
				    inm->inm_nsrcs, inm->inm_srcs };
				if (igmp_version(is, inm->inm_ifp) == 3)
					igmp_v3_send(is, inm->inm_ifp, &rec, 1);
				inm->inm_v3pend = 0;
				inm->inm_nsrcs = 0;
			} else if (inm->inm_state == IGMP_DELAYING_MEMBER) {
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
		if (len > IGMP_MINLEN) {
			/* v3 (RFC 3376 7.1: 9 to 11 bytes is no query) */
			if (len < IGMP_V3_QUERY_MINLEN ||
			    len < IGMP_V3_QUERY_MINLEN + 4 * (size_t)(ig[10] << 8 | ig[11])) {
				is->igps_rcv_badqueries++;
				goto drop;
			}
			if (group != INADDR_ANY && !IN_MULTICAST_(group)) {
				is->igps_rcv_badqueries++;
				goto drop;
			}
			igmp_v3_query(is, ifp, ig, group);
			if (igmp_version(is, ifp) == 3)
				break;
			/* an older mode: answered as that version's query (RFC 3376 7.2.1) */
		} else if (ig[1] == 0)
			igmp_v3_older(is, ifp, 1);
		else
			igmp_v3_older(is, ifp, 2);
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
