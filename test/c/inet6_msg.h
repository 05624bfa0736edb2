/*
 * inet6_msg.h: NetBSD's struct msghdr / iovec as the kernel takes them (64-bit), and
 * bind / sendto to an IPv6 address given as text, returning 0 or the errno, and the walk
 * through received control data: what the IPv6 socket option tests (inet6_sock_test.c,
 * inet6_xopts_test.c) share.
 */
#ifndef TEST_INET6_MSG_H
#define TEST_INET6_MSG_H

#include "inet6_nb.h"

struct x_iov { void *base; size_t len; };
struct x_msghdr { void *name; unsigned namelen; struct x_iov *iov; int iovlen; void *control;
	unsigned controllen; int flags; };

static inline int
x6_bind(int s, const char *a, int port, unsigned scope)
{
	struct x_sin6 sin6 = x_sin6(a, port, scope);

	return rump_sys_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ? errno : 0;
}

static inline int
x6_send(int s, const void *d, size_t len, const char *a, int port, unsigned scope)
{
	struct x_sin6 sin6 = x_sin6(a, port, scope);

	return rump_sys_sendto(s, d, len, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ?
	    errno : 0;
}

/* The next cmsg from *off in the control data cbuf[0..controllen) (NetBSD's 64-bit
 * struct cmsghdr: length, level, type, then the data at 16; each padded to 8 bytes): its
 * data, with its level, type and data length, *off moved past it; NULL at the end or at
 * a cmsg shorter than its header. */
static inline const uint8_t *
x_cmsg_next(const uint8_t *cbuf, unsigned controllen, size_t *off, int *lvl, int *type,
    unsigned *dlen)
{
	const uint8_t *c = cbuf + *off;
	unsigned clen;

	if (*off + 16 > controllen)
		return NULL;
	memcpy(&clen, c, 4);
	memcpy(lvl, c + 4, 4);
	memcpy(type, c + 8, 4);
	if (clen < 16)
		return NULL;
	*dlen = clen - 16;
	*off += (clen + 7) & ~7U;
	return c + 16;
}

#endif
