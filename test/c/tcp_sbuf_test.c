/*
 * tcp_sbuf_test.c: a stream socket buffer (TCP's receive and send buffers) as the socket
 * layer keeps it: segments appended into the spare room of chunked records (one record
 * per chunk, not per segment), chunks no larger than SO_RCVBUF's high-water mark, the
 * kernel's record memory counting each chunk's whole size and back to where it was when
 * the data is gone, exactly sized records when the kernel's bound leaves no room for a
 * chunk, and the bytes read back at every offset.
 */
#include "tap.h"
#include "inet_util.h"

static uint8_t
pat(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 8));
}

/* Appends n bytes of the pattern from offset at, in segments of seg bytes. */
static int
append(struct kern *k, struct sockbuf *sb, size_t at, size_t n, size_t seg)
{
	static uint8_t buf[65536];
	size_t done = 0;

	while (done < n) {
		size_t c = n - done < seg ? n - done : seg;

		for (size_t i = 0; i < c; i++)
			buf[i] = pat(at + done + i);
		if (sb_append_stream(k, sb, buf, c) != 0)
			return -1;
		done += c;
	}
	return 0;
}

/* Reads the whole buffer back with sb_copy at several offsets and lengths. */
static int
check(const struct sockbuf *sb, size_t base)
{
	static uint8_t out[200000];
	size_t offs[] = { 0, 1, 1447, 1448, 16383, 16384, 16385, 50000 };

	for (size_t j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
		size_t off = offs[j], n;

		if (off >= sb->sb_cc)
			continue;
		n = sb->sb_cc - off;
		memset(out, 0, n);
		sb_copy(sb, off, n, out);
		for (size_t i = 0; i < n; i++)
			if (out[i] != pat(base + off + i))
				return -1;
	}
	return 0;
}

int
main(void)
{
	struct rumpus_kernel *rk = ku_boot();
	struct sockbuf sb;
	struct net_state *ns;
	struct kin ki;
	size_t b0, max0;
	unsigned nrec;

	ok(rk != NULL, "kernel");
	if (rk == NULL)
		return tap_done();
	ku_enter(&ki, rk);
	ns = net_state(ki.k);
	net_lock(ki.k);
	/* record memory is counted only under a bound (the kernel's memory limit): give
	 * this kernel one before any record exists */
	if (ns->ns_sbbytes_max == 0)
		ns->ns_sbbytes_max = (size_t)1 << 40;
	b0 = ns->ns_sbbytes;

	/* a 64 KB buffer fed 1448-byte segments, as TCP input does */
	memset(&sb, 0, sizeof(sb));
	ok(sb_reserve(ki.k, &sb, 65536) == 0, "SO_RCVBUF 64 KB");
	ok(append(ki.k, &sb, 0, 45 * 1448, 1448) == 0, "45 segments of 1448 bytes appended");
	diag("%u records for %zu bytes", sb.sb_nrec, sb.sb_cc);
	ok(sb.sb_cc == 45 * 1448 && sb.sb_nrec <= (45 * 1448 + 16383) / 16384 + 1,
	    "they fill %u chunked records, not one record each (sb_cc %zu)", sb.sb_nrec, sb.sb_cc);
	ok(sb.sb_mbcnt == sb.sb_cc + sb.sb_nrec * SBREC_OVERHEAD,
	    "sb_mbcnt counts the data and each record's overhead (%zu)", sb.sb_mbcnt);
	ok(ns->ns_sbbytes - b0 >= sb.sb_cc + sb.sb_nrec * sizeof(struct sbrec) &&
	    ns->ns_sbbytes - b0 <= sb.sb_nrec * (sizeof(struct sbrec) + 16384),
	    "the kernel's record memory counts each chunk's whole size (%zu)", ns->ns_sbbytes - b0);
	ok(check(&sb, 0) == 0, "every byte reads back in order at every offset");

	/* read in pieces as the socket layer does: spare room is reused at the tail only */
	sb_drop(ki.k, &sb, 20000);
	ok(sb.sb_cc == 45 * 1448 - 20000 && check(&sb, 20000) == 0,
	    "after dropping 20000 bytes the rest reads back");
	ok(append(ki.k, &sb, 45 * 1448, 3000, 1000) == 0 && check(&sb, 20000) == 0,
	    "more data appended after a partial drop reads back in order");
	sb_drop(ki.k, &sb, sb.sb_cc);
	ok(sb.sb_cc == 0 && sb.sb_nrec == 0 && sb.sb_head == NULL && sb.sb_mbcnt == 0,
	    "dropping everything empties the buffer");
	ok(ns->ns_sbbytes == b0, "the kernel's record memory is back (%zu, was %zu)",
	    ns->ns_sbbytes, b0);

	/* a small SO_RCVBUF: records no larger than it */
	ok(sb_reserve(ki.k, &sb, 1000) == 0, "SO_RCVBUF 1000 bytes");
	ok(append(ki.k, &sb, 0, 900, 300) == 0, "three 300-byte segments appended");
	ok(sb.sb_nrec == 1 && ns->ns_sbbytes - b0 == sizeof(struct sbrec) + 1000,
	    "they share one record of the buffer's size (%zu bytes)",
	    ns->ns_sbbytes - b0);
	sb_drop(ki.k, &sb, sb.sb_cc);

	/* near the kernel's bound: an exactly sized record instead of a chunk */
	ok(sb_reserve(ki.k, &sb, 65536) == 0, "SO_RCVBUF 64 KB again");
	max0 = ns->ns_sbbytes_max;
	ns->ns_sbbytes_max = ns->ns_sbbytes + 2 * (sizeof(struct sbrec) + 1448);
	ok(append(ki.k, &sb, 0, 1448, 1448) == 0 && sb.sb_nrec == 1 &&
	    ns->ns_sbbytes - b0 == sizeof(struct sbrec) + 1448,
	    "a segment is stored in an exactly sized record when a chunk would pass the bound");
	ok(append(ki.k, &sb, 1448, 1448, 1448) == 0 && sb.sb_nrec == 2 && check(&sb, 0) == 0,
	    "and the next one in another");
	nrec = sb.sb_nrec;
	ok(append(ki.k, &sb, 2896, 1448, 1448) != 0 && sb.sb_nrec == nrec &&
	    sb.sb_cc == 2 * 1448, "one more past the bound is refused, nothing appended");
	sb_drop(ki.k, &sb, sb.sb_cc);
	ns->ns_sbbytes_max = max0;
	ok(ns->ns_sbbytes == b0, "the kernel's record memory is back");

	net_unlock(ki.k);
	ku_leave(&ki);
	rumpus_kernel_destroy(rk);
	return tap_done();
}
