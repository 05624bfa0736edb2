/*
 * tcp_xfer.h: one end of a checked TCP transfer between kernels, run on a thread of its
 * own (tcp_impair_test.c, tcp_loss_test.c; include after tcp_nb.h): the sender writes
 * n bytes of x_pat (offset by its descriptor) and shuts down writing, the receiver reads
 * to end of file; each keeps the FNV-1a hash of its bytes, so the two hashes and counts
 * agree exactly when the stream arrived intact.
 */
#ifndef TEST_TCP_XFER_H
#define TEST_TCP_XFER_H

#include <errno.h>

struct xfer { struct rumpus_kernel *k; int fd, send; size_t n; uint64_t hash; int err; };

static inline uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Runs x in its kernel on this thread, in writes and reads of up to size bytes through
 * buf: x->hash the hash of the bytes, the receiver's x->n how many came, x->err the
 * errno of a failed write or read. */
static inline void
xfer_run(struct xfer *x, uint8_t *buf, size_t size)
{
	size_t off = 0;

	x->hash = 0xcbf29ce484222325ULL;
	rumpus_kernel_switch(x->k);
	if (x->send) {
		while (off < x->n) {
			size_t c = x->n - off < size ? x->n - off : size;
			for (size_t i = 0; i < c; i++)
				buf[i] = x_pat(off + i + (uint64_t)x->fd * 977);
			x->hash = fnv(x->hash, buf, c);
			for (size_t o = 0; o < c;) {
				ssize_t w = rump_sys_write(x->fd, buf + o, c - o);
				if (w <= 0) {
					x->err = errno;
					goto out;
				}
				o += (size_t)w;
			}
			off += c;
		}
		rump_sys_shutdown(x->fd, X_SHUT_WR);
	} else {
		for (;;) {
			ssize_t r = rump_sys_read(x->fd, buf, size);
			if (r < 0) {
				x->err = errno;
				break;
			}
			if (r == 0)
				break;
			x->hash = fnv(x->hash, buf, (size_t)r);
			off += (size_t)r;
		}
		x->n = off;
	}
out:
	rumpus_kernel_switch(NULL);
}

#endif
