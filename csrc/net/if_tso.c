/*
 * if_tso.c: TCP segmentation offload done in software (if.h, "segmentation offload").
 *
 * tcp_output hands down one IPv4 TCP datagram of up to 64 KB (p_tsosz data bytes per
 * segment) when the route's interface has IFCAP_TSOv4 on.  Where it cannot travel as it
 * is (a bus port that does not take large frames, a capture, impairments, a bus file, an
 * interface or route without TSO), it is cut here into the segments the sender would
 * have sent one by one: the same headers with the sequence number advanced, FIN and PSH
 * only on the last segment, CWR only on the first, the IP id advanced per segment, and
 * the IP and TCP checksums computed anew over each segment's own bytes, after the
 * datagram's own TCP checksum was checked (so the data stays covered end to end).
 */
#include "net/if.h"
#include "netinet/in_var.h"

size_t
tso_check(const uint8_t *ip, size_t len)
{
	size_t ihl, thl, tot;

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
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
	uint32_t ps = in_cksum_add(ip + 12, 8, 0) + 6 + (uint32_t)(tot - ihl);

	return in_cksum(ip + ihl, tot - ihl, ps) == 0;
}

size_t
tso_build(const uint8_t *ip, size_t len, size_t hdrlen, uint32_t mss, size_t off,
    uint8_t *out)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
	size_t dlen = tot - hdrlen, n = dlen - off < mss ? dlen - off : mss;
	uint8_t *th = out + ihl;
	uint32_t seq, ps;
	uint16_t id, sum;

	(void)len;
	memcpy(out, ip, hdrlen);
	memcpy(out + hdrlen, ip + hdrlen + off, n);
	out[2] = (uint8_t)((hdrlen + n) >> 8);
	out[3] = (uint8_t)(hdrlen + n);
	id = (uint16_t)((ip[4] << 8 | ip[5]) + off / mss);
	out[4] = (uint8_t)(id >> 8);
	out[5] = (uint8_t)id;
	out[10] = out[11] = 0;
	sum = in_cksum(out, ihl, 0);
	memcpy(out + 10, &sum, 2);
	memcpy(&seq, th + 4, 4);
	seq = htonl_(ntohl_(seq) + (uint32_t)off);
	memcpy(th + 4, &seq, 4);
	if (off + n < dlen)
		th[13] &= (uint8_t)~(0x01 | 0x08);	/* FIN, PSH: the last segment's */
	if (off != 0)
		th[13] &= (uint8_t)~0x80;		/* CWR: the first's */
	th[16] = th[17] = 0;
	ps = in_cksum_add(out + 12, 8, 0);
	ps += 6 + (uint32_t)(hdrlen - ihl + n);
	sum = in_cksum(th, hdrlen - ihl + n, ps);
	memcpy(th + 16, &sum, 2);
	return hdrlen + n;
}

void
tso_frames(const uint8_t *frame, size_t len, uint32_t mss,
    void (*emit)(void *arg, const void *frame, size_t len), void *arg)
{
	uint8_t *seg;
	size_t hdrlen, dlen, off, n, size;

	if (len < 14 + 40 || frame[12] != 0x08 || frame[13] != 0x00 ||
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
	dlen = (size_t)(frame[16] << 8 | frame[17]) - hdrlen;
	memcpy(seg, frame, 14);
	off = 0;
	do {
		n = tso_build(frame + 14, len - 14, hdrlen, mss, off, seg + 14);
		emit(arg, seg, 14 + n);
		off += mss;
	} while (off < dlen);
	hyp_free(seg, size);
}
