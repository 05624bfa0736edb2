/*
 * inet6_msg.h: NetBSD's struct msghdr / iovec as the kernel takes them (64-bit), and
 * bind / sendto to an IPv6 address given as text, returning 0 or the errno: what the
 * IPv6 socket option tests (inet6_sock_test.c, inet6_xopts_test.c) share.
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

#endif
