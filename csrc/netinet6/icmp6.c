/*
 * icmp6.c: ICMPv6 (RFC 4443): echo, error messages with NetBSD's rate limit, errors
 * that come back to UDP sockets, packet too big (path MTU, RFC 8201), and the dispatch
 * of Neighbor Discovery and MLD messages.
 *
 * No error is sent about an ICMPv6 error or redirect, a packet to a multicast address
 * (link or IPv6) other than packet too big or an unrecognised option (RFC 4443 2.4
 * e.3), or from an unspecified or multicast source; errors are limited to
 * net.inet6.icmp6.errppslimit per second (100; -1: no limit, 0: none).
 */
#include "netinet6/in6_var.h"

#define PMTU_EXPIRE_NS	(600ULL * 1000000000)	/* NetBSD's pmtu_expire: 10 minutes */

/* Skips the extension headers of the IPv6 packet at ip6 (len bytes): the upper-layer
 * protocol and its offset, or -1 if the chain is cut short. */
static int
ip6_lasthdr(const uint8_t *ip6, size_t len, int *nxtp)
{
	size_t off = IP6_HDRLEN;
	int nxt = ip6[6], n;

	for (n = 0; n < 16; n++) {
		switch (nxt) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 8 > len)
				return -1;
			nxt = ip6[off];
			off += (size_t)(ip6[off + 1] + 1) * 8;
			continue;
		case IPPROTO_FRAGMENT:
			if (off + 8 > len)
				return -1;
			if ((ip6[off + 2] << 8 | ip6[off + 3]) & 0xfff8)
				return -1;	/* not the first fragment */
			nxt = ip6[off];
			off += 8;
			continue;
		}
		*nxtp = nxt;
		return off <= len ? (int)off : -1;
	}
	return -1;
}

static int
icmp6_ratecheck(struct inet6_state *s)
{
	uint64_t sec = hyp_clock_mono() / 1000000000;

	if (s->i6_errppslimit < 0)
		return 1;
	if (sec != s->i6_errsec) {
		s->i6_errsec = sec;
		s->i6_errcount = 0;
	}
	if (s->i6_errcount >= s->i6_errppslimit)
		return 0;
	s->i6_errcount++;
	return 1;
}

void
icmp6_error(struct inet6_state *s, struct pkt *orig, int type, int code, uint32_t param)
{
	const uint8_t *oip = pkt_data(orig);
	struct nb_in6_addr src, dst, me;
	struct ifnet *zone = orig->p_rcvif;
	struct in6_ifaddr *ia;
	size_t quote;
	struct pkt *p;
	uint8_t *ic;
	uint16_t sum;
	int nxt, off;

	if (orig->p_len < IP6_HDRLEN)
		return;
	memcpy(&src, oip + 8, 16);
	memcpy(&dst, oip + 24, 16);
	if ((in6_is_mcast(&dst) || (orig->p_flags & (PKT_BCAST | PKT_MCAST))) &&
	    type != ICMP6_PACKET_TOO_BIG &&
	    !(type == ICMP6_PARAM_PROB && code == ICMP6_PARAMPROB_OPTION))
		return;
	if (in6_is_unspec(&src) || in6_is_mcast(&src))
		return;
	if ((off = ip6_lasthdr(oip, orig->p_len, &nxt)) >= 0 && nxt == IPPROTO_ICMPV6) {
		if ((size_t)off + 1 > orig->p_len)
			return;
		if (oip[off] < 128 || oip[off] == ND_REDIRECT)
			return;
	}
	if (!icmp6_ratecheck(s)) {
		s->i6_stat.icp6s_toofreq++;
		return;
	}
	quote = orig->p_len;
	if (quote > IPV6_MMTU - IP6_HDRLEN - 8)
		quote = IPV6_MMTU - IP6_HDRLEN - 8;
	if ((p = pkt_alloc(s->i6_kern, 8 + quote, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	ic[0] = (uint8_t)type;
	ic[1] = (uint8_t)code;
	ic[2] = ic[3] = 0;
	param = htonl_(param);
	memcpy(ic + 4, &param, 4);
	memcpy(ic + 8, oip, quote);
	/* from the address the packet was sent to, if it is ours and unicast */
	ia = in6_is_mcast(&dst) ? NULL : in6_ifaddr_of(s, &dst, zone);
	if (ia != NULL && !(ia->ia6_flags & IN6_IFF_NOTREADY))
		me = dst;
	else if (in6_selectsrc(s, &src, zone, &me) != 0) {
		pkt_free(p);
		return;
	}
	sum = in6_cksum(&me, &src, IPPROTO_ICMPV6, ic, 8 + quote);
	memcpy(ic + 2, &sum, 2);
	s->i6_stat.icp6s_error++;
	ip6_output(s, p, &me, &src, zone, IPPROTO_ICMPV6, s->i6_hlim, -1, 0);
}

/* Packet too big for dst: a host route remembering the path MTU (RFC 8201). */
static void
icmp6_mtudisc(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone,
    uint32_t mtu)
{
	struct rt6entry *rt = rt6_lookup(s, dst, zone), *h;

	if (rt == NULL)
		return;
	if (mtu < IPV6_MMTU)
		mtu = IPV6_MMTU;
	if (mtu >= rt->rt6_ifp->if_mtu)
		return;
	if (rt->rt6_plen == 128 && in6_eq(&rt->rt6_dst, dst)) {
		h = rt;
	} else if (rt6_add(s, dst, 128, rt->rt6_flags & RTF_GATEWAY ? &rt->rt6_gw : NULL,
	    RTF_DYNAMIC | (rt->rt6_flags & RTF_GATEWAY), rt->rt6_ifp, &h) != 0)
		return;
	if (h->rt6_mtu == 0 || mtu < h->rt6_mtu) {
		h->rt6_mtu = mtu;
		s->i6_stat.icp6s_pmtuchg++;
	}
	if (h->rt6_flags & RTF_DYNAMIC) {
		h->rt6_expire = hyp_clock_mono() + PMTU_EXPIRE_NS;
		rt6_changed(s);
		inet6_timer_want(s, h->rt6_expire);
	}
}

void
icmp6_input(struct ifnet *zone, struct pkt *p, int off)
{
	struct inet6_state *s = inet6_state(zone->if_kern);
	uint8_t *ip6 = pkt_data(p), *ic = ip6 + off;
	size_t len = p->p_len - (size_t)off;
	struct nb_in6_addr src, dst, me;
	struct pkt *r;
	uint16_t sum;
	int nxt, ioff;

	if (len < 8) {
		s->i6_stat.icp6s_badlen++;
		goto out;
	}
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	if (in6_cksum(&src, &dst, IPPROTO_ICMPV6, ic, len) != 0) {
		s->i6_stat.icp6s_checksum++;
		goto out;
	}
	rip6_input(s, p, off, IPPROTO_ICMPV6);
	switch (ic[0]) {
	case ICMP6_ECHO_REQUEST:
		s->i6_stat.icp6s_echo++;
		if (in6_is_mcast(&dst)) {
			if (in6_selectsrc(s, &src, zone, &me) != 0)
				break;
		} else
			me = dst;
		if ((r = pkt_alloc(s->i6_kern, len, PKT_HEADROOM)) == NULL)
			break;
		memcpy(pkt_data(r), ic, len);
		pkt_data(r)[0] = ICMP6_ECHO_REPLY;
		pkt_data(r)[1] = 0;
		pkt_data(r)[2] = pkt_data(r)[3] = 0;
		sum = in6_cksum(&me, &src, IPPROTO_ICMPV6, pkt_data(r), len);
		memcpy(pkt_data(r) + 2, &sum, 2);
		ip6_output(s, r, &me, &src, zone, IPPROTO_ICMPV6, s->i6_hlim, -1, 0);
		break;
	case ICMP6_DST_UNREACH:
	case ICMP6_PACKET_TOO_BIG:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROB:
		if (len < 8 + IP6_HDRLEN)
			break;
		if ((ic[8] >> 4) != 6)
			break;
		if (ic[0] == ICMP6_PACKET_TOO_BIG) {
			struct nb_in6_addr idst;
			uint32_t mtu;
			memcpy(&idst, ic + 8 + 24, 16);
			memcpy(&mtu, ic + 4, 4);
			icmp6_mtudisc(s, &idst, zone, ntohl_(mtu));
			if ((ioff = ip6_lasthdr(ic + 8, len - 8, &nxt)) >= 0 && nxt != IPPROTO_TCP) {
				mtu = ntohl_(mtu);
				in6p_pmtu_notify(s, nxt == IPPROTO_UDP, &idst, zone,
				    mtu < IPV6_MMTU ? IPV6_MMTU : mtu);
			}
		}
		if ((ioff = ip6_lasthdr(ic + 8, len - 8, &nxt)) >= 0 && nxt == IPPROTO_UDP &&
		    (size_t)ioff + 8 <= len - 8)
			udp6_ctlinput(s, ic[0], ic[1], ic + 8, len - 8);
		else if (ioff >= 0 && nxt == IPPROTO_TCP && (size_t)ioff + 8 <= len - 8) {
			uint32_t param;
			memcpy(&param, ic + 4, 4);
			tcp6_ctlinput(s, ic[0], ic[1], ic + 8, len - 8, ntohl_(param), zone);
		}
		break;
	case MLD_LISTENER_QUERY:
	case MLD_LISTENER_REPORT:
	case MLD_LISTENER_DONE:
	case MLDV2_LISTENER_REPORT:
		mld6_input(zone, p, off, (int)len);
		break;
	case ND_ROUTER_ADVERT:
		nd6_ra_input(zone, p, off, (int)len);
		break;
	case ND_NEIGHBOR_SOLICIT:
		nd6_ns_input(zone, p, off, (int)len);
		break;
	case ND_NEIGHBOR_ADVERT:
		nd6_na_input(zone, p, off, (int)len);
		break;
	case ND_REDIRECT:
		nd6_redirect_input(zone, p, off, (int)len);
		break;
	}
out:
	pkt_free(p);
}
