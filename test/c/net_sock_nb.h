/*
 * net_sock_nb.h: NetBSD socket ABI values and layouts for the net C tests (the host's
 * <sys/socket.h> has Linux's), plus small helpers.  Checked against the fact tables by
 * net_sock_abi_test.c through csrc/net/net.h.
 */
#ifndef TEST_NET_SOCK_NB_H
#define TEST_NET_SOCK_NB_H

#include <stdint.h>
#include <string.h>

#include <errno.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

#define NB_EPERM 1
#define NB_ENOENT 2
#define NB_EBADF 9
#define NB_ENOMEM 12
#define NB_EFAULT 14
#define NB_EINVAL 22
#define NB_EPIPE 32
#define NB_EDOM 33
#define NB_EAGAIN 35
#define NB_EINPROGRESS 36
#define NB_ENOTSOCK 38
#define NB_EDESTADDRREQ 39
#define NB_EMSGSIZE 40
#define NB_EPROTOTYPE 41
#define NB_ENOPROTOOPT 42
#define NB_EPROTONOSUPPORT 43
#define NB_EOPNOTSUPP 45
#define NB_EAFNOSUPPORT 47
#define NB_EADDRINUSE 48
#define NB_ECONNRESET 54
#define NB_ENOBUFS 55
#define NB_EISCONN 56
#define NB_ENOTCONN 57
#define NB_ECONNREFUSED 61
#define NB_ENOSYS 78

#define NB_AF_LOCAL 1
#define NB_AF_INET 2
#define NB_SOCK_STREAM 1
#define NB_SOCK_DGRAM 2
#define NB_SOCK_RAW 3
#define NB_SOCK_SEQPACKET 5
#define NB_SOCK_CLOEXEC 0x10000000
#define NB_SOCK_NONBLOCK 0x20000000
#define NB_SOL_SOCKET 0xffff
#define NB_SO_REUSEADDR 0x0004
#define NB_SO_KEEPALIVE 0x0008
#define NB_SO_BROADCAST 0x0020
#define NB_SO_LINGER 0x0080
#define NB_SO_REUSEPORT 0x0200
#define NB_SO_ACCEPTCONN 0x0002
#define NB_SO_SNDBUF 0x1001
#define NB_SO_RCVBUF 0x1002
#define NB_SO_SNDLOWAT 0x1003
#define NB_SO_RCVLOWAT 0x1004
#define NB_SO_ERROR 0x1007
#define NB_SO_TYPE 0x1008
#define NB_SO_SNDTIMEO 0x100b
#define NB_SO_RCVTIMEO 0x100c
#define NB_MSG_PEEK 0x2
#define NB_MSG_EOR 0x8
#define NB_MSG_TRUNC 0x10
#define NB_MSG_CTRUNC 0x20
#define NB_MSG_WAITALL 0x40
#define NB_MSG_DONTWAIT 0x80
#define NB_MSG_CMSG_CLOEXEC 0x800
#define NB_SCM_RIGHTS 1
#define NB_SHUT_RD 0
#define NB_SHUT_WR 1
#define NB_SHUT_RDWR 2
#define NB_F_GETFD 1
#define NB_F_GETFL 3
#define NB_O_NONBLOCK 4
#define NB_FIONBIO 2147772030UL
#define NB_FIONREAD 1074030207UL
#define NB_SIOCGIFFLAGS 3230689553UL
#define NB_POLLIN 1
#define NB_POLLOUT 4
#define NB_S_IFSOCK 0140000
#define NB_RFFDG 1
#define NB_RFCFDG 2

struct nb_sockaddr_un {
	uint8_t sun_len;
	uint8_t sun_family;
	char sun_path[104];
};
struct nb_iovec_t {
	void *iov_base;
	size_t iov_len;
};
struct nb_msghdr_t {
	void *msg_name;
	uint32_t msg_namelen;
	struct nb_iovec_t *msg_iov;
	int msg_iovlen;
	void *msg_control;
	uint32_t msg_controllen;
	int msg_flags;
};
struct nb_cmsghdr_t {
	uint32_t cmsg_len;
	int cmsg_level;
	int cmsg_type;
};
#define NB_CMSG_DATA(c) ((unsigned char *)(c) + 16)
#define NB_CMSG_LEN(n) (16 + (n))
#define NB_CMSG_SPACE(n) (16 + (((n) + 7) & ~7))
struct nb_tv {
	int64_t tv_sec;
	int32_t tv_usec;
	int32_t pad;
};
struct nb_pollfd_t {
	int fd;
	short events, revents;
};
struct nb_linger_t {
	int l_onoff, l_linger;
};

struct lwp;
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_switch(struct lwp *l);
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

#define rump_sys_send(s, b, l, f) rump_sys_sendto(s, b, l, f, NULL, 0)
#define rump_sys_recv(s, b, l, f) rump_sys_recvfrom(s, b, l, f, NULL, NULL)

/* True if call failed with NetBSD errno e; says what happened otherwise. */
static inline int
nb_errno_is(long r, int e, const char *expr)
{
	int got = errno;

	if (r == -1 && got == e)
		return 1;
	diag("%s: returned %ld, errno %d; wanted errno %d", expr, r, got, e);
	return 0;
}
#define ERRNO_IS(call, e) nb_errno_is((long)(call), (e), #call)

static inline socklen_t
nb_sun(struct nb_sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = NB_AF_LOCAL;
	strncpy(sun->sun_path, path, sizeof(sun->sun_path) - 1);
	sun->sun_len = (uint8_t)(2 + strlen(sun->sun_path) + 1);
	return sun->sun_len;
}

static inline struct rumpus_kernel *
nb_boot(const char *c1, const char *c2)
{
	const char *comps[3] = { c1, c2, NULL };
	int err;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k != NULL)
		rumpus_kernel_switch(k);
	return k;
}

static inline void
nb_halt(struct rumpus_kernel *k)
{
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
}

/* Sends fds over socket s with one data byte. */
static inline ssize_t
nb_sendfds(int s, const int *fds, int n)
{
	union { char buf[NB_CMSG_SPACE(4 * 16)]; uint64_t align; } u;
	struct nb_cmsghdr_t *cm = (struct nb_cmsghdr_t *)u.buf;
	char c = 'F';
	struct nb_iovec_t iov = { &c, 1 };
	struct nb_msghdr_t m = { NULL, 0, &iov, 1, u.buf, (uint32_t)NB_CMSG_SPACE(4 * n), 0 };

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_len = (uint32_t)NB_CMSG_LEN(4 * n);
	cm->cmsg_level = NB_SOL_SOCKET;
	cm->cmsg_type = NB_SCM_RIGHTS;
	memcpy(NB_CMSG_DATA(cm), fds, 4 * (size_t)n);
	return rump_sys_sendmsg(s, (const struct msghdr *)&m, 0);
}

/* Receives up to max fds; returns their count (-1 on error), *flags gets msg_flags. */
static inline int
nb_recvfds(int s, int *fds, int max, int ctlspace, int rflags, int *flags)
{
	union { char buf[NB_CMSG_SPACE(4 * 16)]; uint64_t align; } u;
	struct nb_cmsghdr_t *cm = (struct nb_cmsghdr_t *)u.buf;
	char c;
	struct nb_iovec_t iov = { &c, 1 };
	struct nb_msghdr_t m = { NULL, 0, &iov, 1, u.buf, (uint32_t)ctlspace, 0 };
	int n;

	memset(u.buf, 0, sizeof(u.buf));
	if (rump_sys_recvmsg(s, (struct msghdr *)&m, rflags) < 0)
		return -1;
	*flags = m.msg_flags;
	if (m.msg_controllen < NB_CMSG_LEN(0) || cm->cmsg_type != NB_SCM_RIGHTS)
		return 0;
	n = (int)(cm->cmsg_len - 16) / 4;
	if (n > max)
		n = max;
	memcpy(fds, NB_CMSG_DATA(cm), 4 * (size_t)n);
	return n;
}

#endif
