/*
 * bus_raw.h: what the tests share that run kernels under the virtual clock and talk to
 * them through a raw port of their own on the bus (net/bus.h): vsleep.h's sleeps, the
 * Internet checksum (RFC 1071) and its IPv6 pseudo-header form (RFC 8200 8.1), and the
 * Ethernet + IPv6 header of a forged frame.  (Its <arpa/inet.h> does not mix with the
 * kernel's own headers: tests that include those take vsleep.h alone.)
 */
#ifndef TEST_BUS_RAW_H
#define TEST_BUS_RAW_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vsleep.h"

/* the 16-bit one's complement sum of n bytes added to sum, not yet folded */
static inline uint32_t
x_sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/* the checksum of a sum: folded to 16 bits, complemented */
static inline uint16_t
x_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* the Internet checksum of n bytes as a number (0 over bytes that hold a right one;
 * inet_nb.h's x_cksum gives it in network byte order) */
static inline uint16_t
x_cksum16(const uint8_t *p, size_t n)
{
	return x_fold(x_sum16(0, p, n));
}

/* the checksum of an upper-layer packet of len bytes (next header nxt) from src to dst
 * (16 bytes each) with IPv6's pseudo-header */
static inline uint16_t
x_cksum6(const uint8_t *src, const uint8_t *dst, int nxt, const uint8_t *data, size_t len)
{
	uint32_t sum = x_sum16(0, src, 16);

	sum = x_sum16(sum, dst, 16);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + (uint32_t)nxt;
	return x_fold(x_sum16(sum, data, len));
}

/* An Ethernet frame from smac to dmac: IPv6 (no flow label, traffic class 0) from src to
 * dst (16 bytes each) with payload length field plen_field, next header nxt, hop limit
 * hlim, then the payload pl (plen bytes).  Returns the frame's length. */
static inline size_t
x_frame6n(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
    const uint8_t *dst, unsigned plen_field, int nxt, int hlim, const uint8_t *pl, size_t plen)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	f[18] = (uint8_t)(plen_field >> 8), f[19] = (uint8_t)plen_field;
	f[20] = (uint8_t)nxt;
	f[21] = (uint8_t)hlim;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	memcpy(f + 54, pl, plen);
	return 54 + plen;
}

/* The same with the addresses as text. */
static inline size_t
x_frame6(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src,
    const char *dst, unsigned plen_field, int nxt, int hlim, const uint8_t *pl, size_t plen)
{
	uint8_t s[16], d[16];

	inet_pton(AF_INET6, src, s);
	inet_pton(AF_INET6, dst, d);
	return x_frame6n(f, dmac, smac, s, d, plen_field, nxt, hlim, pl, plen);
}

#endif
