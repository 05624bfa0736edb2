/*
 * ip_output.c: IPv4 output: the Internet checksum, routing a datagram, building its
 * header, fragmenting it to the interface MTU and handing it to the link.
 */
#include "netinet/in_var.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

uint32_t
in_cksum_add(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Sum native 32-bit words into 64 bits, fold, and swap into the big-endian domain
	 * the callers add pseudo-header numbers in (RFC 1071: byte order only swaps the
	 * halves of the result). */
	uint64_t acc = 0, acc2 = 0, acc3 = 0, acc4 = 0, w64;
	uint32_t w32;
	uint16_t w16;

#if defined(__SSE2__)
	/* the same with SSE2 (every x86-64): the 32-bit halves of 64-bit words (a mask and
	 * a shift, no shuffles) into the 64-bit lanes of two accumulators, 32 bytes per
	 * round */
	if (len >= 64) {
		__m128i lo = _mm_set_epi32(0, -1, 0, -1), s0 = _mm_setzero_si128(), s1 = s0;
		uint64_t lanes[2];

		while (len >= 32) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)b);
			__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(b + 16));

			s0 = _mm_add_epi64(s0, _mm_and_si128(x, lo));
			s1 = _mm_add_epi64(s1, _mm_srli_epi64(x, 32));
			s0 = _mm_add_epi64(s0, _mm_and_si128(y, lo));
			s1 = _mm_add_epi64(s1, _mm_srli_epi64(y, 32));
			b += 32;
			len -= 32;
		}
		_mm_storeu_si128((__m128i *)(void *)lanes, _mm_add_epi64(s0, s1));
		acc = (lanes[0] & 0xffffffff) + (lanes[0] >> 32) + (lanes[1] & 0xffffffff) +
		    (lanes[1] >> 32);
	}
#endif
	/* 32-bit halves into four independent 64-bit sums: no carry chain between the
	 * adds (the ones' complement sum folds them at the end), none lost below 2^32
	 * words */
	while (len >= 16) {
		uint64_t y;

		memcpy(&w64, b, 8);
		memcpy(&y, b + 8, 8);
		acc += (uint32_t)w64;
		acc2 += w64 >> 32;
		acc3 += (uint32_t)y;
		acc4 += y >> 32;
		b += 16;
		len -= 16;
	}
	acc += acc2 + acc3 + acc4;
	if (len >= 8) {
		memcpy(&w64, b, 8);
		acc += (uint32_t)w64;
		acc += w64 >> 32;
		b += 8;
		len -= 8;
	}
	while (len >= 4) {
		memcpy(&w32, b, 4);
		acc += w32;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, b, 2);
		acc += w16;
		b += 2;
		len -= 2;
	}
	if (len)
		acc += b[0];		/* the last byte is the high byte of a big-endian word */
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return sum + __builtin_bswap16((uint16_t)acc);
#else
	while (len > 1) {
		sum += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(b[0] << 8);
	return sum;
#endif
}

/* The ones' complement checksum in network order, ready to store. */
uint16_t
in_cksum(const void *data, size_t len, uint32_t sum)
{
	sum = in_cksum_add(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons_((uint16_t)~sum);
}

static int
ip_send_link(struct ifnet *ifp, struct pkt *p, uint32_t nexthop)
{
	if (ifp->if_type == IFT_ETHER)
		return arp_output(ifp, p, nexthop);
	return ifp->if_output(ifp, p, nexthop);
}

static void
ip_setsum(uint8_t *ip, int hlen)
{
	ip[10] = ip[11] = 0;
	uint16_t s = in_cksum(ip, (size_t)hlen, 0);
	memcpy(ip + 10, &s, 2);
}

/* Sends p (an IP datagram with its header) in pieces of at most mtu bytes. */
static int
ip_fragment(struct inet_state *is, struct ifnet *ifp, struct pkt *p, uint32_t nexthop,
    uint32_t mtu)
{
	uint8_t *ip = pkt_data(p);
	int hlen = (ip[0] & 0x0f) * 4;
	size_t total = p->p_len, off, chunk, datalen = total - (size_t)hlen;
	uint16_t ofield = (uint16_t)(ip[6] << 8 | ip[7]);
	size_t base = (size_t)(ofield & 0x1fff) * 8;
	int mf = ofield & 0x2000, error = 0;

	if (mtu < (uint32_t)hlen + 8) {
		pkt_free(p);
		return EMSGSIZE;
	}
	chunk = (mtu - (uint32_t)hlen) & ~7U;
	for (off = 0; off < datalen && error == 0; off += chunk) {
		size_t n = datalen - off < chunk ? datalen - off : chunk;
		struct pkt *f = pkt_alloc(is->is_kern, (size_t)hlen + n, PKT_HEADROOM);
		uint8_t *fip;
		uint16_t of;

		if (f == NULL) {
			error = ENOBUFS;
			break;
		}
		fip = pkt_data(f);
		memcpy(fip, ip, (size_t)hlen);
		memcpy(fip + hlen, ip + hlen + off, n);
		fip[2] = (uint8_t)((hlen + n) >> 8);
		fip[3] = (uint8_t)(hlen + n);
		of = (uint16_t)((base + off) / 8);
		if (off + n < datalen || mf)
			of |= 0x2000;
		fip[6] = (uint8_t)(of >> 8);
		fip[7] = (uint8_t)of;
		ip_setsum(fip, hlen);
		f->p_flags = p->p_flags;
		is->is_stat.ips_fragmented++;
		error = ip_send_link(ifp, f, nexthop);
	}
	pkt_free(p);
	return error;
}

/*
 * A TCP datagram larger than the MTU built for segmentation offload (p_tsosz, if_tso.c):
 * whole to an interface with IFCAP_TSOv4 on whose own MTU the segments fit (its medium
 * carries or cuts it), else cut here into segments that fit mtu (a route with a
 * smaller MTU, an interface without TSO, a forwarded offload frame).
 */
struct ip_tso_to { struct ifnet *ifp; uint32_t nexthop; };

static int
ip_tso_send(void *arg, struct pkt *seg)
{
	struct ip_tso_to *to = arg;

	return ip_send_link(to->ifp, seg, to->nexthop);
}

static int
ip_output_tso(struct inet_state *is, struct ifnet *ifp, struct pkt *p, uint32_t nexthop,
    uint32_t mtu)
{
	size_t hdr = tso_check(pkt_data(p), p->p_len);
	uint32_t mss = p->p_tsosz;
	struct ip_tso_to to = { ifp, nexthop };

	if (hdr == 0 || mtu < hdr + 8) {
		pkt_free(p);
		return EMSGSIZE;
	}
	if ((ifp->if_capenable & IFCAP_TSOv4) && hdr + mss <= mtu && mtu == ifp->if_mtu)
		return ip_send_link(ifp, p, nexthop);
	if (hdr + mss > mtu)
		mss = mtu - (uint32_t)hdr;
	return tso_cut(is->is_kern, p, hdr, mss, ip_tso_send, &to);
}

int
ip_output(struct inet_state *is, struct pkt *p, uint32_t src, uint32_t dst, int proto,
    int ttl, int flags)
{
	struct ifnet_state *ns = is->is_ns;
	struct rtentry *rt = NULL;
	struct ifnet *ifp = NULL;
	struct in_ifaddr *ia;
	uint32_t nexthop = dst, mtu;
	uint8_t *ip;
	int hlen = 20;

	if (IN_MULTICAST_(dst) && !(flags & IPOUT_FORWARDING))
		return ip_mcast_output(is, p, src, dst, proto, NULL, flags);	/* defaults */
	if ((ia = in_ifaddr_of(ns, dst)) != NULL) {
		ifp = ns->ns_lo0;		/* to ourselves */
		if (src == 0)
			src = dst;
	} else if (dst == INADDR_BROADCAST) {
		/* the interface of the source address, or the first that broadcasts */
		if (src != 0 && (ia = in_ifaddr_of(ns, src)) != NULL)
			ifp = ia->ia_ifp;
		for (struct ifnet *i = ns->ns_ifs; ifp == NULL && i != NULL; i = i->if_next)
			if ((i->if_flags & IFF_BROADCAST) && (i->if_flags & IFF_UP) &&
			    i->if_inaddrs != NULL)
				ifp = i;
		if (ifp == NULL) {
			is->is_stat.ips_noroute++;
			pkt_free(p);
			return ENETUNREACH;
		}
		if (src == 0)
			src = in_ifaddr_first(ifp);
	} else {
		rt = rt_lookup(ns, dst);
		if (rt == NULL || (rt->rt_flags & RTF_REJECT)) {
			is->is_stat.ips_noroute++;
			pkt_free(p);
			return EHOSTUNREACH;
		}
		if (rt->rt_flags & RTF_BLACKHOLE) {
			pkt_free(p);
			return 0;
		}
		ifp = rt->rt_ifp;
		if (rt->rt_flags & RTF_GATEWAY)
			nexthop = rt->rt_gateway;
		if (src == 0)
			src = rt->rt_ifa != 0 ? rt->rt_ifa : in_ifaddr_first(ifp);
	}
	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if (!(flags & IPOUT_FORWARDING) && in_broadcast(ns, dst, ifp)) {
		if (!(flags & IPOUT_BROADCAST)) {
			pkt_free(p);
			return EACCES;
		}
		p->p_flags |= PKT_BCAST;
	}

	if (flags & (IPOUT_FORWARDING | IPOUT_RAWHDR)) {
		ip = pkt_data(p);
		hlen = (ip[0] & 0x0f) * 4;
		if (flags & IPOUT_RAWHDR) {
			if (p->p_len < 20 || hlen < 20 || (size_t)hlen > p->p_len ||
			    (ip[0] >> 4) != 4) {
				pkt_free(p);
				return EINVAL;
			}
			ip[2] = (uint8_t)(p->p_len >> 8);
			ip[3] = (uint8_t)p->p_len;
			if (ip[4] == 0 && ip[5] == 0) {
				uint16_t id = htons_(is->is_ip_id++);
				memcpy(ip + 4, &id, 2);
			}
			if (memcmp(ip + 12, &(uint32_t){ 0 }, 4) == 0)
				memcpy(ip + 12, &src, 4);
			ip_setsum(ip, hlen);
		}
	} else {
		uint16_t len, id;

		if (p->p_len + 20 > 65535) {
			pkt_free(p);
			return EMSGSIZE;
		}
		if ((ip = pkt_prepend(p, 20)) == NULL) {
			pkt_free(p);
			return ENOBUFS;
		}
		len = htons_((uint16_t)p->p_len);
		id = htons_(is->is_ip_id++);
		ip[0] = 0x45;
		ip[1] = 0;
		memcpy(ip + 2, &len, 2);
		memcpy(ip + 4, &id, 2);
		ip[6] = (flags & IPOUT_DF) ? 0x40 : 0;
		ip[7] = 0;
		ip[8] = (uint8_t)ttl;
		ip[9] = (uint8_t)proto;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		ip_setsum(ip, 20);
		is->is_stat.ips_localout++;
	}
	mtu = ifp->if_mtu;
	if (rt != NULL && rt->rt_mtu != 0 && rt->rt_mtu < mtu)
		mtu = (uint32_t)rt->rt_mtu;
	if (p->p_len <= mtu)
		return ip_send_link(ifp, p, nexthop);
	if (p->p_tsosz != 0)
		return ip_output_tso(is, ifp, p, nexthop, mtu);
	if (ip[6] & 0x40) {		/* DF */
		if (flags & IPOUT_FORWARDING)
			icmp_error(is, p, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
		pkt_free(p);
		return EMSGSIZE;
	}
	return ip_fragment(is, ifp, p, nexthop, mtu);
}

/* The interface a datagram to group dst leaves by: IP_MULTICAST_IF's, else the route's. */
int
ip_mcast_ifp(struct inet_state *is, const struct ip_moptions *imo, uint32_t dst,
    struct ifnet **ifpp)
{
	struct ifnet *ifp = NULL;
	struct rtentry *rt;

	if (imo != NULL && imo->imo_ifindex != 0) {
		if ((ifp = if_byindex(is->is_ns, imo->imo_ifindex)) == NULL)
			return ENETUNREACH;
	} else {
		rt = rt_lookup(is->is_ns, dst);
		if (rt == NULL || (rt->rt_flags & RTF_REJECT)) {
			is->is_stat.ips_noroute++;
			return EHOSTUNREACH;
		}
		ifp = rt->rt_ifp;
	}
	if (!(ifp->if_flags & IFF_MULTICAST))
		return ENETUNREACH;
	*ifpp = ifp;
	return 0;
}

/*
 * Multicast output (NetBSD's ip_output for a class D destination): by imo's interface
 * or the route's, the source that interface's first address unless given, TTL imo's
 * (default 1), never fragmented with DF; a copy loops back to this kernel's own sockets
 * (through lo0, as received on ifp) when the interface has joined the group and loop is
 * on; TTL 0 (or a loopback interface) goes no further.  The Ethernet destination is the
 * group's 01:00:5e address (arp_output), no ARP.
 */
int
ip_mcast_output(struct inet_state *is, struct pkt *p, uint32_t src, uint32_t dst,
    int proto, const struct ip_moptions *imo, int flags)
{
	struct ifnet_state *ns = is->is_ns;
	struct ifnet *ifp;
	uint8_t *ip;
	int hlen = 20, error, ttl = imo != NULL ? imo->imo_ttl : IP_DEFAULT_MULTICAST_TTL;

	if ((error = ip_mcast_ifp(is, imo, dst, &ifp)) != 0) {
		pkt_free(p);
		return error;
	}
	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if (src == INADDR_ANY && (src = in_ifaddr_first(ifp)) == INADDR_ANY) {
		pkt_free(p);
		return EADDRNOTAVAIL;
	}
	if (flags & IPOUT_RAWHDR) {
		ip = pkt_data(p);
		hlen = (ip[0] & 0x0f) * 4;
		if (p->p_len < 20 || hlen < 20 || (size_t)hlen > p->p_len || (ip[0] >> 4) != 4) {
			pkt_free(p);
			return EINVAL;
		}
		ip[2] = (uint8_t)(p->p_len >> 8);
		ip[3] = (uint8_t)p->p_len;
		if (ip[4] == 0 && ip[5] == 0) {
			uint16_t id = htons_(is->is_ip_id++);
			memcpy(ip + 4, &id, 2);
		}
		if (memcmp(ip + 12, &(uint32_t){ 0 }, 4) == 0)
			memcpy(ip + 12, &src, 4);
		ip[8] = (uint8_t)ttl;
		ip_setsum(ip, hlen);
	} else {
		uint16_t len, id;

		if (p->p_len + 20 > 65535) {
			pkt_free(p);
			return EMSGSIZE;
		}
		if ((ip = pkt_prepend(p, 20)) == NULL) {
			pkt_free(p);
			return ENOBUFS;
		}
		len = htons_((uint16_t)p->p_len);
		id = htons_(is->is_ip_id++);
		ip[0] = 0x45;
		ip[1] = 0;
		memcpy(ip + 2, &len, 2);
		memcpy(ip + 4, &id, 2);
		ip[6] = ip[7] = 0;
		ip[8] = (uint8_t)ttl;
		ip[9] = (uint8_t)proto;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		ip_setsum(ip, 20);
		is->is_stat.ips_localout++;
	}
	if ((imo == NULL || imo->imo_loop) && in_lookup_multi(is, dst, ifp) != NULL &&
	    ns->ns_lo0 != NULL) {
		struct pkt *c = pkt_alloc(is->is_kern, p->p_len, PKT_HEADROOM);

		if (c != NULL) {
			memcpy(pkt_data(c), pkt_data(p), p->p_len);
			(void)ns->ns_lo0->if_output(ns->ns_lo0, c, dst);
		}
	}
	if (ttl == 0 || (ifp->if_flags & IFF_LOOPBACK)) {
		pkt_free(p);
		return 0;
	}
	if (p->p_len <= ifp->if_mtu)
		return ip_send_link(ifp, p, dst);
	return ip_fragment(is, ifp, p, dst, ifp->if_mtu);
}
