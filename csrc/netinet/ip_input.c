/*
 * ip_input.c: IPv4 input: header checks, local delivery, forwarding and fragment
 * reassembly.
 *
 * Every field read from a packet is checked against the bytes that arrived: the header
 * length against the packet and the total length, the total length against the packet
 * (extra link padding is trimmed), fragment offsets against 65535.
 *
 * Reassembly keeps at most is_maxfragpackets datagrams in progress (NetBSD's
 * ip_maxfragpackets, net.inet.ip.maxfragpackets, 200), IPQ_MAXFRAGS fragments each, and
 * is_maxfrags fragments in all (NetBSD's ip_maxfrags, a quarter of its mbuf clusters; here
 * net.inet.ip.maxfrags, by default a quarter of the kernel's memory in standard packet
 * buffers, at most IPQ_MAXFRAGS_DEFAULT), each for is_frag_ttl_ns.  When a limit is
 * reached the oldest datagrams in progress are dropped to make room, so a flood of
 * fragments that never complete pins a bounded amount of memory and fresh datagrams
 * still get through.  Fragments are kept whole (header included),
 * sorted by offset; p_src holds the offset and p_dst the end of the data in the
 * datagram, p_dport the more-fragments bit.  An overlap drops the datagram.
 */
#include "netinet/in_var.h"
#include "netinet/tcp_var.h"

#define IPQ_MAXFRAGS_DEFAULT	4096

static void
ipq_free(struct inet_state *is, struct ipq *q)
{
	struct pkt *p;

	while ((p = q->ipq_frags) != NULL) {
		q->ipq_frags = p->p_next;
		pkt_free(p);
	}
	is->is_nfragments -= q->ipq_nfrags;
	is->is_fragbytes -= q->ipq_bytes;
	is->is_nfrags--;
	kmem_free(is->is_kern, q, sizeof(*q));
}

static void
ipq_unlink(struct inet_state *is, struct ipq *q)
{
	struct ipq **pp;

	for (pp = &is->is_frags; *pp != NULL; pp = &(*pp)->ipq_next)
		if (*pp == q) {
			*pp = q->ipq_next;
			break;
		}
	ipq_free(is, q);
}

void
ip_reass_init(struct inet_state *is)
{
	struct kern *k = is->is_kern;
	uint64_t mem = k->k_mem_limit ? k->k_mem_limit : 64ULL << 20;
	uint64_t n = mem / 4 / (PKT_STDSIZE + sizeof(struct pkt));

	is->is_maxfragpackets = 200;
	is->is_maxfrags = n > IPQ_MAXFRAGS_DEFAULT ? IPQ_MAXFRAGS_DEFAULT : (int)n;
}

/* Drops the oldest datagram in progress other than keep: 0 if there is none. */
static int
ipq_drop_oldest(struct inet_state *is, struct ipq *keep)
{
	struct ipq *q, *old = NULL;

	for (q = is->is_frags; q != NULL; q = q->ipq_next)
		if (q != keep)
			old = q;	/* newest first: the last one is the oldest */
	if (old == NULL)
		return 0;
	is->is_stat.ips_fragdropped += (uint64_t)old->ipq_nfrags;
	ipq_unlink(is, old);
	return 1;
}

void
ip_reass_flush(struct inet_state *is)
{
	while (is->is_frags != NULL)
		ipq_unlink(is, is->is_frags);
}

uint64_t
ip_reass_timer(struct inet_state *is, uint64_t now)
{
	struct ipq *q, *next;
	uint64_t soonest = 0;

	for (q = is->is_frags; q != NULL; q = next) {
		next = q->ipq_next;
		if (q->ipq_expire <= now) {
			is->is_stat.ips_fragtimeout++;
			if (q->ipq_frags != NULL && q->ipq_frags->p_src == 0)
				icmp_error(is, q->ipq_frags, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, 0);
			ipq_unlink(is, q);
		} else if (soonest == 0 || q->ipq_expire < soonest)
			soonest = q->ipq_expire;
	}
	return soonest;
}

/* Adds fragment p; returns the whole datagram when it is complete, else NULL. */
static struct pkt *
ip_reass(struct inet_state *is, struct pkt *p, int hlen)
{
	uint8_t *ip = pkt_data(p);
	uint16_t ofield = (uint16_t)(ip[6] << 8 | ip[7]), id;
	uint32_t src, dst, off = (uint32_t)(ofield & 0x1fff) * 8;
	uint32_t end = off + p->p_len - (uint32_t)hlen, next;
	int mf = (ofield & 0x2000) != 0;
	struct ipq *q;
	struct pkt **pp, *f, *whole;
	uint8_t *wip;
	size_t whlen;

	is->is_stat.ips_fragments++;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&id, ip + 4, 2);
	if (end > 65535 - 20 || (mf && ((end - off) == 0 || ((end - off) & 7) != 0)))
		goto drop;
	for (q = is->is_frags; q != NULL; q = q->ipq_next)
		if (q->ipq_src == src && q->ipq_dst == dst && q->ipq_id == id &&
		    q->ipq_p == ip[9])
			break;
	if (q == NULL) {
		if (is->is_maxfragpackets == 0)
			goto drop;
		while (is->is_nfrags >= is->is_maxfragpackets && ipq_drop_oldest(is, NULL))
			continue;
		if ((q = kmem_zalloc(is->is_kern, sizeof(*q))) == NULL)
			goto drop;
		q->ipq_src = src, q->ipq_dst = dst, q->ipq_id = id, q->ipq_p = ip[9];
		q->ipq_expire = hyp_clock_mono() + is->is_frag_ttl_ns;
		q->ipq_next = is->is_frags;
		is->is_frags = q;
		is->is_nfrags++;
		inet_timer_want(is, q->ipq_expire);
	}
	if (q->ipq_nfrags >= IPQ_MAXFRAGS)
		goto bad;
	while (is->is_nfragments >= is->is_maxfrags && ipq_drop_oldest(is, q))
		continue;
	if (is->is_nfragments >= is->is_maxfrags)
		goto bad;		/* this datagram alone is over the limit */
	p->p_src = off;
	p->p_dst = end;
	p->p_dport = (uint16_t)mf;
	for (pp = &q->ipq_frags; *pp != NULL && (*pp)->p_src < off; pp = &(*pp)->p_next)
		continue;
	/* overlaps with the neighbours drop the datagram (no fragment games) */
	if (*pp != NULL && (*pp)->p_src < end)
		goto bad;
	if (pp != &q->ipq_frags) {
		struct pkt *prev = q->ipq_frags;
		while (prev->p_next != *pp)
			prev = prev->p_next;
		if (prev->p_dst > off)
			goto bad;
		if (!prev->p_dport)
			goto bad;		/* data after the last fragment */
	}
	if (!mf && *pp != NULL)
		goto bad;
	p->p_next = *pp;
	*pp = p;
	q->ipq_nfrags++;
	q->ipq_bytes += sizeof(*p) + p->p_size;
	is->is_nfragments++;
	is->is_fragbytes += sizeof(*p) + p->p_size;

	/* complete? */
	next = 0;
	for (f = q->ipq_frags; f != NULL; f = f->p_next) {
		if (f->p_src != next)
			return NULL;
		next = f->p_dst;
		if (!f->p_dport)
			break;
	}
	if (f == NULL)
		return NULL;
	f = q->ipq_frags;
	whlen = (size_t)(pkt_data(f)[0] & 0x0f) * 4;
	if ((whole = pkt_alloc(is->is_kern, whlen + next, PKT_HEADROOM)) == NULL) {
		ipq_unlink(is, q);
		return NULL;
	}
	wip = pkt_data(whole);
	memcpy(wip, pkt_data(f), whlen);
	for (; f != NULL; f = f->p_next) {
		size_t fh = (size_t)(pkt_data(f)[0] & 0x0f) * 4;
		memcpy(wip + whlen + f->p_src, pkt_data(f) + fh, f->p_dst - f->p_src);
	}
	wip[2] = (uint8_t)((whlen + next) >> 8);
	wip[3] = (uint8_t)(whlen + next);
	wip[6] = wip[7] = 0;
	wip[10] = wip[11] = 0;
	{
		uint16_t sum = in_cksum(wip, whlen, 0);
		memcpy(wip + 10, &sum, 2);
	}
	whole->p_rcvif = q->ipq_frags->p_rcvif;
	whole->p_flags = q->ipq_frags->p_flags;
	ipq_unlink(is, q);
	is->is_stat.ips_reassembled++;
	return whole;
bad:
	ipq_unlink(is, q);
drop:
	is->is_stat.ips_fragdropped++;
	pkt_free(p);
	return NULL;
}

static void
ip_forward(struct inet_state *is, struct pkt *p, int hlen)
{
	struct ifnet_state *ns = is->is_ns;
	uint8_t *ip = pkt_data(p);
	struct rtentry *rt;
	uint32_t dst, src;

	(void)hlen;
	memcpy(&dst, ip + 16, 4);
	memcpy(&src, ip + 12, 4);
	if ((p->p_flags & PKT_BCAST) || (ntohl_(dst) >> 28) == 14 ||
	    in_broadcast(ns, dst, NULL) || (ntohl_(dst) >> 24) == 127) {
		is->is_stat.ips_cantforward++;
		pkt_free(p);
		return;
	}
	if (ip[8] <= 1) {
		is->is_stat.ips_timxceed++;
		icmp_error(is, p, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0);
		pkt_free(p);
		return;
	}
	rt = rt_lookup(ns, dst);
	if (rt == NULL || (rt->rt_flags & RTF_REJECT)) {
		is->is_stat.ips_noroute++;
		icmp_error(is, p, ICMP_UNREACH, rt == NULL ? ICMP_UNREACH_NET :
		    ICMP_UNREACH_HOST, 0);
		pkt_free(p);
		return;
	}
	ip[8]--;
	ip[10] = ip[11] = 0;
	{
		uint16_t s = in_cksum(ip, (size_t)hlen, 0);
		memcpy(ip + 10, &s, 2);
	}
	is->is_stat.ips_forward++;
	ip_output(is, p, src, dst, ip[9], ip[8], IPOUT_FORWARDING);
}

void
ip_input(struct ifnet *ifp, struct pkt *p)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	struct ifnet_state *ns;
	uint8_t *ip;
	uint16_t iplen, ofield;
	uint32_t src, dst;
	int hlen, delivered, local;

	if (is == NULL) {
		pkt_free(p);
		return;
	}
	ns = is->is_ns;
	is->is_stat.ips_total++;
	if (p->p_len < 20) {
		is->is_stat.ips_toosmall++;
		goto drop;
	}
	ip = pkt_data(p);
	if ((ip[0] >> 4) != 4) {
		is->is_stat.ips_badvers++;
		goto drop;
	}
	hlen = (ip[0] & 0x0f) * 4;
	if (hlen < 20 || (size_t)hlen > p->p_len) {
		is->is_stat.ips_badhlen++;
		goto drop;
	}
	if (in_cksum(ip, (size_t)hlen, 0) != 0) {
		is->is_stat.ips_badsum++;
		goto drop;
	}
	iplen = (uint16_t)(ip[2] << 8 | ip[3]);
	if (iplen < hlen) {
		is->is_stat.ips_badlen++;
		goto drop;
	}
	if (iplen > p->p_len) {
		is->is_stat.ips_tooshort++;
		goto drop;
	}
	p->p_len = iplen;		/* trim link padding */
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if ((ntohl_(src) >> 28) >= 14 || src == INADDR_BROADCAST ||
	    (ifp->if_type != IFT_LOOP && (ntohl_(src) >> 24) == 127))
		goto drop;		/* martian source */

	local = ifp->if_type == IFT_LOOP || in_ifaddr_of(ns, dst) != NULL;
	if (!local && IN_MULTICAST_(dst)) {
		/* ours if the arrival interface joined the group (never forwarded: no
		 * MROUTING, as NetBSD without it) */
		if (in_lookup_multi(is, dst, ifp) == NULL) {
			is->is_stat.ips_cantforward++;
			goto drop;
		}
		local = 1;
	}
	if (!local && !in_broadcast(ns, dst, ifp)) {
		if (!is->is_forwarding) {
			is->is_stat.ips_cantforward++;
			goto drop;
		}
		ip_forward(is, p, hlen);
		return;
	}

	ofield = (uint16_t)(ip[6] << 8 | ip[7]);
	if (ofield & 0x3fff) {
		if ((p = ip_reass(is, p, hlen)) == NULL)
			return;
		ip = pkt_data(p);
		hlen = (ip[0] & 0x0f) * 4;
	}
	if (!local || dst == INADDR_BROADCAST || IN_MULTICAST_(dst))
		p->p_flags |= PKT_BCAST;	/* every socket of the port, no ICMP errors */
	is->is_stat.ips_delivered++;
	delivered = rip_input(is, p);
	switch (ip[9]) {
	case IPPROTO_ICMP:
		icmp_input(ifp, p, hlen);
		return;
	case IPPROTO_UDP:
		udp_input(is, p, hlen);
		return;
	case IPPROTO_TCP:
		tcp_input(is, p, hlen);
		return;
	case IPPROTO_IGMP:
		igmp_input(ifp, p, hlen);
		return;
	}
	if (!delivered) {
		is->is_stat.ips_noproto++;
		if (!(p->p_flags & PKT_BCAST))
			icmp_error(is, p, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0);
	}
drop:
	pkt_free(p);
}
