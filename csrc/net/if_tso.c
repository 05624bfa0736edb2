/*
 * if_tso.c: TCP segmentation offload done in software (if.h, "segmentation offload").
 *
 * tcp_output hands down one TCP datagram of up to 64 KB (p_tsosz data bytes per segment)
 * when the route's interface has IFCAP_TSOv4 (IPv4) or IFCAP_TSOv6 (IPv6) on.  Where it
 * cannot travel as it is (a bus port that does not take large frames of its family, a
 * capture, impairments, a bus file, an interface or route without TSO), it is cut here
 * into the segments the sender would have sent one by one: the same headers with the
 * sequence number advanced, FIN and PSH only on the last segment, CWR only on the first,
 * for IPv4 the IP id advanced per segment, and the checksums (IPv4's header, TCP's with
 * either family's pseudo-header) computed anew over each segment's own bytes, after the
 * datagram's own TCP checksum was checked (so the data stays covered end to end).  An
 * IPv6 datagram qualifies only with TCP right after the fixed header (no extension
 * header: tcp_output sends none with TSO).
 */
#include "net/if.h"
#include "netinet/in_var.h"

#define IP6_FIXED	40

/* The IP header length, total length and TCP header length of ip; 0 if not cuttable. */
static size_t
tso_check_v6(const uint8_t *ip, size_t len)
{
	size_t tot, thl;

	if (len < IP6_FIXED + 20 || ip[6] != 6)
		return 0;			/* not TCP right after the fixed header */
	tot = IP6_FIXED + (size_t)(ip[4] << 8 | ip[5]);
	if (tot > len || tot < IP6_FIXED + 20)
		return 0;
	thl = (size_t)(ip[IP6_FIXED + 12] >> 4) * 4;
	if (thl < 20 || IP6_FIXED + thl > tot)
		return 0;
	if (ip[IP6_FIXED + 13] & (0x20 | 0x02 | 0x04))
		return 0;			/* URG, SYN, RST: sent whole by tcp_output */
	return IP6_FIXED + thl;
}

/* Header length (ihl), total length of ip (either family). */
static size_t
tso_ihl(const uint8_t *ip)
{
	return (ip[0] >> 4) == 6 ? IP6_FIXED : (size_t)(ip[0] & 0x0f) * 4;
}

static size_t
tso_tot(const uint8_t *ip)
{
	return (ip[0] >> 4) == 6 ? IP6_FIXED + (size_t)(ip[4] << 8 | ip[5]) :
	    (size_t)(ip[2] << 8 | ip[3]);
}

/* The TCP pseudo-header sum of ip for a TCP length of tlen. */
static uint32_t
tso_pseudo(const uint8_t *ip, size_t tlen)
{
	if ((ip[0] >> 4) == 6)
		return in_cksum_add(ip + 8, 32, 0) + 6 + (uint32_t)tlen;
	return in_cksum_add(ip + 12, 8, 0) + 6 + (uint32_t)tlen;
}

size_t
tso_check(const uint8_t *ip, size_t len)
{
	size_t ihl, thl, tot;

	if (len > 0 && (ip[0] >> 4) == 6)
		return tso_check_v6(ip, len);
	if (len < 40 || (ip[0] >> 4) != 4 || ip[9] != 6)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || tot > len || tot < ihl + 20)
		return 0;
	if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
		return 0;			/* a fragment (MF or an offset) */
	thl = (size_t)(ip[ihl + 12] >> 4) * 4;
	if (thl < 20 || ihl + thl > tot)
		return 0;
	if (ip[ihl + 13] & (0x20 | 0x02 | 0x04))
		return 0;			/* URG, SYN, RST: sent whole by tcp_output */
	return ihl + thl;
}

/* The TCP checksum of the whole datagram, checked before it is cut: the segments get new
 * checksums, so corruption on the way here (a forwarded offload frame) must not pass. */
int
tso_cksum_ok(const uint8_t *ip)
{
	size_t ihl = tso_ihl(ip), tot = tso_tot(ip);

	return in_cksum(ip + ihl, tot - ihl, tso_pseudo(ip, tot - ihl)) == 0;
}

size_t
tso_build(const uint8_t *ip, size_t len, size_t hdrlen, uint32_t mss, size_t off,
    uint8_t *out)
{
	size_t ihl = tso_ihl(ip), tot = tso_tot(ip);
	size_t dlen = tot - hdrlen, n = dlen - off < mss ? dlen - off : mss;
	uint8_t *th = out + ihl;
	uint32_t seq;
	uint16_t id, sum;

	(void)len;
	memcpy(out, ip, hdrlen);
	memcpy(out + hdrlen, ip + hdrlen + off, n);
	if ((ip[0] >> 4) == 6) {
		/* the payload length; IPv6 has no header checksum and no id */
		out[4] = (uint8_t)((hdrlen - ihl + n) >> 8);
		out[5] = (uint8_t)(hdrlen - ihl + n);
	} else {
		out[2] = (uint8_t)((hdrlen + n) >> 8);
		out[3] = (uint8_t)(hdrlen + n);
		id = (uint16_t)((ip[4] << 8 | ip[5]) + off / mss);
		out[4] = (uint8_t)(id >> 8);
		out[5] = (uint8_t)id;
		out[10] = out[11] = 0;
		sum = in_cksum(out, ihl, 0);
		memcpy(out + 10, &sum, 2);
	}
	memcpy(&seq, th + 4, 4);
	seq = htonl_(ntohl_(seq) + (uint32_t)off);
	memcpy(th + 4, &seq, 4);
	if (off + n < dlen)
		th[13] &= (uint8_t)~(0x01 | 0x08);	/* FIN, PSH: the last segment's */
	if (off != 0)
		th[13] &= (uint8_t)~0x80;		/* CWR: the first's */
	th[16] = th[17] = 0;
	sum = in_cksum(th, hdrlen - ihl + n, tso_pseudo(out, hdrlen - ihl + n));
	memcpy(th + 16, &sum, 2);
	return hdrlen + n;
}

void
tso_frames(const uint8_t *frame, size_t len, uint32_t mss,
    void (*emit)(void *arg, const void *frame, size_t len), void *arg)
{
	uint8_t *seg;
	size_t hdrlen, dlen, off, n, size;

	if (len < 14 + 40 || !((frame[12] == 0x08 && frame[13] == 0x00 && (frame[14] >> 4) == 4) ||
	    (frame[12] == 0x86 && frame[13] == 0xdd && (frame[14] >> 4) == 6)) ||
	    (hdrlen = tso_check(frame + 14, len - 14)) == 0 || mss == 0 || mss > 65535) {
		emit(arg, frame, len);		/* not ours to cut: as it is */
		return;
	}
	if (!tso_cksum_ok(frame + 14))
		return;				/* corrupt: dropped, as the receiver would */
	/* one segment's room from the heap: this may run deep in a chain of inline
	 * deliveries, on hyper's scheduler thread's small stack too */
	size = 14 + hdrlen + mss;
	if ((seg = hyp_malloc(size)) == NULL)
		return;				/* no memory: lost, TCP sends it again */
	dlen = tso_tot(frame + 14) - hdrlen;
	memcpy(seg, frame, 14);
	off = 0;
	do {
		n = tso_build(frame + 14, len - 14, hdrlen, mss, off, seg + 14);
		emit(arg, seg, 14 + n);
		off += mss;
	} while (off < dlen);
	hyp_free(seg, size);
}

int
tso_cut(struct kern *k, struct pkt *p, size_t hdrlen, uint32_t mss,
    int (*send)(void *arg, struct pkt *seg), void *arg)
{
	const uint8_t *ip = pkt_data(p);
	size_t dlen = p->p_len - hdrlen, off;
	int error = 0;

	if (!tso_cksum_ok(ip)) {
		pkt_free(p);		/* corrupt on its way here: dropped, as TCP would */
		return 0;
	}
	for (off = 0; off < dlen && error == 0; off += mss) {
		size_t n = dlen - off < mss ? dlen - off : mss;
		struct pkt *seg = pkt_alloc(k, hdrlen + n, PKT_HEADROOM);

		if (seg == NULL) {
			error = ENOBUFS;
			break;
		}
		(void)tso_build(ip, p->p_len, hdrlen, mss, off, pkt_data(seg));
		seg->p_flags = p->p_flags;
		error = send(arg, seg);
	}
	pkt_free(p);
	return error;
}
