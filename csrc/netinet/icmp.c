/*
 * icmp.c: ICMP (RFC 792): echo replies, error messages about datagrams we could not
 * deliver or forward, and errors that come back to our UDP sockets.
 *
 * No error is sent about an ICMP error, a fragment other than the first, a link or IP
 * broadcast, or a datagram whose source could not be answered (RFC 1122 3.2.2).
 */
#include "netinet/in_var.h"
#include "netinet/tcp_var.h"

static int
icmp_is_error(int type)
{
	return type == ICMP_UNREACH || type == ICMP_TIMXCEED || type == ICMP_PARAMPROB ||
	    type == 4 /* source quench */ || type == 5 /* redirect */;
}

void
icmp_error(struct inet_state *is, struct pkt *orig, int type, int code, uint32_t mtu)
{
	struct ifnet_state *ns = is->is_ns;
	const uint8_t *oip = pkt_data(orig);
	int ohlen = (oip[0] & 0x0f) * 4;
	size_t quote;
	uint32_t src, dst;
	struct pkt *p;
	uint8_t *ic;
	uint16_t sum;

	if (orig->p_len < 20 || (size_t)ohlen > orig->p_len)
		return;
	memcpy(&src, oip + 12, 4);
	memcpy(&dst, oip + 16, 4);
	if (orig->p_flags & PKT_BCAST)
		return;
	if (((oip[6] << 8 | oip[7]) & 0x1fff) != 0)
		return;
	if (oip[9] == IPPROTO_ICMP && orig->p_len >= (size_t)ohlen + 1 &&
	    icmp_is_error(oip[ohlen]))
		return;
	if (src == 0 || in_broadcast(ns, src, NULL) || (ntohl_(src) >> 28) >= 14 ||
	    (ntohl_(dst) >> 28) == 14)
		return;
	quote = (size_t)ohlen + 8;
	if (quote > orig->p_len)
		quote = orig->p_len;
	if ((p = pkt_alloc(is->is_kern, 8 + quote, PKT_HEADROOM)) == NULL)
		return;
	ic = pkt_data(p);
	ic[0] = (uint8_t)type;
	ic[1] = (uint8_t)code;
	ic[2] = ic[3] = 0;
	memset(ic + 4, 0, 4);
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		ic[6] = (uint8_t)(mtu >> 8);
		ic[7] = (uint8_t)mtu;
	}
	memcpy(ic + 8, oip, quote);
	sum = in_cksum(ic, 8 + quote, 0);
	memcpy(ic + 2, &sum, 2);
	is->is_stat.icps_error++;
	ip_output(is, p, 0, src, IPPROTO_ICMP, is->is_ttl, 0);
}

void
icmp_input(struct ifnet *ifp, struct pkt *p, int hlen)
{
	struct inet_state *is = inet_state(ifp->if_kern);
	uint8_t *ip = pkt_data(p), *ic;
	size_t len = p->p_len - (size_t)hlen;
	uint32_t src, dst;
	struct pkt *r;
	uint16_t sum;

	if (len < 8) {
		is->is_stat.icps_badlen++;
		goto out;
	}
	ic = ip + hlen;
	if (in_cksum(ic, len, 0) != 0) {
		is->is_stat.icps_checksum++;
		goto out;
	}
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	switch (ic[0]) {
	case ICMP_ECHO:
		if (p->p_flags & PKT_BCAST)
			break;		/* net.inet.icmp.bmcastecho is 0, as NetBSD's */
		is->is_stat.icps_echo++;
		if ((r = pkt_alloc(is->is_kern, len, PKT_HEADROOM)) == NULL)
			break;
		memcpy(pkt_data(r), ic, len);
		pkt_data(r)[0] = ICMP_ECHOREPLY;
		pkt_data(r)[2] = pkt_data(r)[3] = 0;
		sum = in_cksum(pkt_data(r), len, 0);
		memcpy(pkt_data(r) + 2, &sum, 2);
		ip_output(is, r, dst, src, IPPROTO_ICMP, is->is_ttl, 0);
		break;
	case ICMP_UNREACH:
	case ICMP_TIMXCEED:
	case ICMP_PARAMPROB:
		if (len < 8 + 20 + 8)
			break;
		if ((ic[8] >> 4) != 4 || (ic[8] & 0x0f) * 4 < 20 ||
		    (size_t)(ic[8] & 0x0f) * 4 + 8 > len - 8)
			break;
		if (ic[8 + 9] == IPPROTO_UDP)
			udp_ctlinput(is, ic[0], ic[1], ic + 8, len - 8);
		else if (ic[8 + 9] == IPPROTO_TCP)
			tcp_ctlinput(is, ic[0], ic[1], ic + 8, len - 8,
			    (uint32_t)(ic[6] << 8 | ic[7]));
		break;
	}
out:
	pkt_free(p);
}
