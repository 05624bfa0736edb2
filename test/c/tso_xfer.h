/*
 * tso_xfer.h: the transfers of the segmentation offload tests (tcp_tso_test.c,
 * tcp_tsofwd_test.c): TSO on or off for an interface, a connected pair, and bulk data
 * checked by hash with one thread driving both ends or a thread per end.
 */
#ifndef TEST_TSO_XFER_H
#define TEST_TSO_XFER_H

#include <pthread.h>

#include "tap.h"
#include "tcp_nb.h"
#include "tcp_xfer.h"	/* fnv */

static inline void
fill(uint8_t *buf, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		*state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
		buf[i] = (uint8_t)*state;
	}
}

static inline int
tso_on(struct rumpus_kernel *k, const char *ifname, int on)
{
	uint64_t caps, en = on ? X_IFCAP_TSOv4 : 0;
	int e;

	rumpus_kernel_switch(k);
	e = x_ifcap(ifname, 1, &caps, &en);
	return e != 0 ? e : (en == (on ? X_IFCAP_TSOv4 : 0u) ? 0 : -1);
}

/* total bytes from c (in ka) to s (in kb), one thread, non-blocking: 0 when the data
 * arrived intact */
static inline int
xfer1(struct rumpus_kernel *ka, int c, struct rumpus_kernel *kb, int s, size_t total)
{
	static uint8_t out[65536], in[65536];
	uint64_t hs = 0xcbf29ce484222325ULL, hr = hs, st = 7;
	size_t sent = 0, got = 0, pend = 0, poff = 0;

	while (got < total) {
		rumpus_kernel_switch(ka);
		while (sent < total) {
			if (pend == 0) {
				pend = total - sent < sizeof(out) ? total - sent : sizeof(out);
				fill(out, pend, &st);
				hs = fnv(hs, out, pend);
				poff = 0;
			}
			ssize_t w = rump_sys_sendto(c, out + poff, pend, X_MSG_DONTWAIT, NULL, 0);
			if (w < 0) {
				if (errno != X_EAGAIN)
					return -1;
				break;
			}
			sent += (size_t)w, poff += (size_t)w, pend -= (size_t)w;
		}
		rumpus_kernel_switch(kb);
		for (;;) {
			ssize_t r = rump_sys_recvfrom(s, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL);
			if (r < 0) {
				if (errno != X_EAGAIN)
					return -2;
				break;
			}
			if (r == 0)
				return -3;
			hr = fnv(hr, in, (size_t)r);
			got += (size_t)r;
		}
	}
	return hs == hr ? 0 : -4;
}

/* a thread per end, blocking calls */
struct half {
	struct rumpus_kernel *k;
	int fd, send;
	size_t n;
	uint64_t hash;
	int err;
};

static inline void *
half(void *arg)
{
	struct half *h = arg;
	uint8_t buf[32768];
	uint64_t st = 99;
	size_t done = 0;

	h->hash = 0xcbf29ce484222325ULL;
	rumpus_kernel_switch(h->k);
	while (done < h->n) {
		size_t c = h->n - done < sizeof(buf) ? h->n - done : sizeof(buf);
		ssize_t r;

		if (h->send) {
			fill(buf, c, &st);
			h->hash = fnv(h->hash, buf, c);
			for (size_t off = 0; off < c; off += (size_t)r)
				if ((r = rump_sys_write(h->fd, buf + off, c - off)) <= 0) {
					h->err = errno;
					goto out;
				}
			done += c;
		} else {
			if ((r = rump_sys_read(h->fd, buf, sizeof(buf))) <= 0) {
				h->err = r == 0 ? -1 : errno;
				goto out;
			}
			h->hash = fnv(h->hash, buf, (size_t)r);
			done += (size_t)r;
		}
	}
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static inline int
xfer2(struct rumpus_kernel *ka, int c, struct rumpus_kernel *kb, int s, size_t total)
{
	struct half h[2] = { { ka, c, 1, total, 0, 0 }, { kb, s, 0, total, 0, 0 } };
	pthread_t t[2];

	rumpus_kernel_switch(NULL);
	pthread_create(&t[0], NULL, half, &h[0]);
	pthread_create(&t[1], NULL, half, &h[1]);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	if (h[0].err != 0 || h[1].err != 0)
		return -1;
	return h[0].hash == h[1].hash ? 0 : -4;
}

/* A connection from ka to kb's listener l at addr. */
static inline int
pair(struct rumpus_kernel *ka, struct rumpus_kernel *kb, int l, const char *addr, int *c, int *s)
{
	rumpus_kernel_switch(ka);
	*c = x_connect(addr, 80);
	rumpus_kernel_switch(kb);
	*s = rump_sys_accept(l, NULL, NULL);
	return *c >= 0 && *s >= 0 ? 0 : -1;
}

static inline void
unpair(struct rumpus_kernel *ka, int c, struct rumpus_kernel *kb, int s)
{
	rumpus_kernel_switch(ka);
	rump_sys_close(c);
	rumpus_kernel_switch(kb);
	rump_sys_close(s);
}

#endif
