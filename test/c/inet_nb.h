/*
 * inet_nb.h: NetBSD values and layouts for network tests that go through rump_sys_*
 * (the host's headers carry Linux values), and helpers to configure kernels with
 * ioctls on sockets, as a NetBSD program would.  Values from abi/netbsd.
 */
#ifndef TEST_INET_NB_H
#define TEST_INET_NB_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

enum {
	X_EPERM = 1, X_ESRCH = 3, X_ENXIO = 6, X_E2BIG = 7, X_EACCES = 13, X_EFAULT = 14, X_EEXIST = 17,
	X_EINVAL = 22, X_EAGAIN = 35, X_EMSGSIZE = 40, X_ENOPROTOOPT = 42,
	X_EPROTONOSUPPORT = 43, X_EAFNOSUPPORT = 47, X_EADDRINUSE = 48, X_EADDRNOTAVAIL = 49,
	X_ENETUNREACH = 51, X_EISCONN = 56, X_ECONNREFUSED = 61, X_EHOSTUNREACH = 65,
};
enum { X_AF_INET = 2, X_AF_LINK = 18, X_PF_ROUTE = 34, X_SOCK_DGRAM = 2, X_SOCK_RAW = 3,
	X_IPPROTO_ICMP = 1, X_IPPROTO_UDP = 17, X_SOL_SOCKET = 0xffff, X_SO_BROADCAST = 32,
	X_SO_REUSEADDR = 4, X_SO_RCVTIMEO = 0x100c, X_IP_TTL = 4, X_MSG_DONTWAIT = 0x80,
	X_CTL_NET = 4, X_NET_RT_DUMP = 1, X_NET_RT_IFLIST = 5, X_IPCTL_FORWARDING = 1,
	X_IPCTL_DEFTTL = 3, X_IFF_UP = 1, X_IFF_LOOPBACK = 8,
	X_RTM_ADD = 1, X_RTM_DELETE = 2, X_RTM_CHANGE = 3, X_RTM_GET = 4, X_RTM_NEWADDR = 12,
	X_RTM_IFINFO = 20, X_RTF_UP = 1, X_RTF_GATEWAY = 2, X_RTF_HOST = 4, X_RTF_REJECT = 8,
	X_RTF_DONE = 0x40, X_RTF_BLACKHOLE = 0x1000, X_RTF_STATIC = 0x800,
	X_RTA_DST = 1, X_RTA_GATEWAY = 2, X_RTA_NETMASK = 4, X_RTA_IFP = 0x10, X_RTA_IFA = 0x20 };
#define X_SIOCSIFFLAGS	0x80906910UL
#define X_SIOCGIFFLAGS	0xc0906911UL
#define X_SIOCGIFADDR	0xc0906921UL
#define X_SIOCAIFADDR	0x8040691aUL
#define X_SIOCDIFADDR	0x80906919UL
#define X_SIOCGIFCONF	0xc0106926UL
#define X_SIOCSIFMTU	0x8090697fUL
#define X_SIOCGIFMTU	0xc090697eUL
#define X_SIOCIFCREATE	0x8090697aUL
#define X_SIOCIFDESTROY	0x80906979UL
#define X_SIOCSLINKSTR	0x80286988UL
#define X_SIOCGIFDATA	0xc0986985UL

struct x_sin { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; };
struct x_ifreq { char name[16]; union { struct x_sin addr; short flags; int mtu; uint8_t space[128]; } u; };
struct x_aliasreq { char name[16]; struct x_sin addr, dst, mask; };
struct x_ifdrv { char name[16]; unsigned long cmd; size_t len; void *data; };
struct x_ifconf { int len; void *buf; };
struct x_if_data {
	uint8_t type, addrlen, hdrlen, pad; int link_state;
	uint64_t mtu, metric, baudrate, ipackets, ierrors, opackets, oerrors, collisions;
	uint64_t ibytes, obytes, imcasts, omcasts, iqdrops, noproto;
	int64_t lc_sec; long lc_nsec;
};
struct x_ifdatareq { char name[16]; struct x_if_data d; };
struct x_rt_msghdr {
	uint16_t msglen; uint8_t version, type; uint16_t index; int flags, addrs;
	int32_t pid; int seq, errno_, use, inits; uint64_t rmx[10];
};
_Static_assert(sizeof(struct x_ifreq) == 144 && sizeof(struct x_rt_msghdr) == 120 &&
    sizeof(struct x_if_data) == 136 && sizeof(struct x_ifdrv) == 40, "layouts");

static inline uint32_t
x_ip(const char *s)
{
	unsigned v[4] = { 0, 0, 0, 0 };

	sscanf(s, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]);
	return __builtin_bswap32(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
}
static inline struct x_sin
x_sin(const char *a, int port)
{
	struct x_sin s;

	memset(&s, 0, sizeof(s));
	s.len = 16;
	s.family = X_AF_INET;
	s.port = __builtin_bswap16((uint16_t)port);
	s.addr = x_ip(a);
	return s;
}
static inline uint32_t
x_mask(int plen)
{
	return plen == 0 ? 0 : __builtin_bswap32(~0U << (32 - plen));
}

static inline struct rumpus_kernel *
x_boot(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL)
		printf("# boot failed: %d %s\n", err, rumpus_error());
	return k;
}

/* In the current kernel: shmif <ifname> on <bus>, up, with addr/plen (addr may be NULL).
 * Returns 0 or the errno of the failing step. */
static inline int
x_ifconfig(const char *ifname, const char *bus, const char *addr, int plen)
{
	struct x_ifreq ifr;
	struct x_ifdrv ifd;
	struct x_aliasreq ifra;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	if (s < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	if (bus != NULL) {
		if (rump_sys_ioctl(s, X_SIOCIFCREATE, &ifr) < 0) { e = errno; goto out; }
		memset(&ifd, 0, sizeof(ifd));
		snprintf(ifd.name, sizeof(ifd.name), "%s", ifname);
		ifd.data = (void *)bus;
		ifd.len = strlen(bus) + 1;
		if (rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0) { e = errno; goto out; }
	}
	if (rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) < 0) { e = errno; goto out; }
	ifr.u.flags |= X_IFF_UP;
	if (rump_sys_ioctl(s, X_SIOCSIFFLAGS, &ifr) < 0) { e = errno; goto out; }
	if (addr != NULL) {
		memset(&ifra, 0, sizeof(ifra));
		snprintf(ifra.name, sizeof(ifra.name), "%s", ifname);
		ifra.addr = x_sin(addr, 0);
		ifra.mask = x_sin("0.0.0.0", 0);
		ifra.mask.addr = x_mask(plen);
		if (rump_sys_ioctl(s, X_SIOCAIFADDR, &ifra) < 0) { e = errno; goto out; }
	}
out:
	rump_sys_close(s);
	return e;
}

/* The current kernel's counters of ifname (SIOCGIFDATA): 0 or errno. */
static inline int
x_ifdata(const char *ifname, struct x_ifdatareq *r)
{
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	if (s < 0)
		return errno;
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", ifname);
	if (rump_sys_ioctl(s, X_SIOCGIFDATA, r) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

/* Interface capabilities (SIOCGIFCAP; with set, SIOCSIFCAP to *enabled first): 0 or
 * errno; *caps and *enabled get what the interface reports afterwards. */
#define X_SIOCSIFCAP	0x80206975UL
#define X_SIOCGIFCAP	0xc0206976UL
#define X_IFCAP_TSOv4	0x80
struct x_ifcapreq { char name[16]; uint64_t caps, enabled; };
static inline int
x_ifcap(const char *ifname, int set, uint64_t *caps, uint64_t *enabled)
{
	struct x_ifcapreq r;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	if (s < 0)
		return errno;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", ifname);
	r.enabled = *enabled;
	if ((set && rump_sys_ioctl(s, X_SIOCSIFCAP, &r) < 0) ||
	    rump_sys_ioctl(s, X_SIOCGIFCAP, &r) < 0)
		e = errno;
	else
		*caps = r.caps, *enabled = r.enabled;
	rump_sys_close(s);
	return e;
}

/* A routing message on a PF_ROUTE socket: type, dst/plen (plen < 0: no netmask), gw
 * (NULL: none).  The kernel's answer lands in *reply.  Returns 0 or errno. */
static inline int
x_route(int type, const char *dst, int plen, const char *gw, int flags,
    struct x_rt_msghdr *reply, size_t replysize)
{
	uint8_t buf[512];
	struct x_rt_msghdr *h = (struct x_rt_msghdr *)buf;
	struct x_sin sin;
	size_t len = sizeof(*h);
	int s = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0), e = 0;
	ssize_t n;

	if (s < 0)
		return errno;
	memset(buf, 0, sizeof(buf));
	h->version = 4;
	h->type = (uint8_t)type;
	h->flags = flags;
	h->seq = 42;
	h->addrs = X_RTA_DST;
	sin = x_sin(dst, 0);
	memcpy(buf + len, &sin, 16), len += 16;
	if (gw != NULL) {
		sin = x_sin(gw, 0);
		memcpy(buf + len, &sin, 16), len += 16;
		h->addrs |= X_RTA_GATEWAY;
	}
	if (plen >= 0) {
		sin = x_sin("0.0.0.0", 0);
		sin.addr = x_mask(plen);
		memcpy(buf + len, &sin, 16), len += 16;
		h->addrs |= X_RTA_NETMASK;
	}
	h->msglen = (uint16_t)len;
	if (rump_sys_write(s, buf, len) < 0)
		e = errno;
	/* our own message comes back (SO_USELOOPBACK), answered */
	if (reply != NULL) {
		memset(reply, 0, replysize);
		n = rump_sys_recvfrom(s, reply, replysize, X_MSG_DONTWAIT, NULL, NULL);
		if (n < 0 && e == 0)
			e = errno;
	}
	rump_sys_close(s);
	return e;
}

static inline int
x_sysctl_ip(int id, int *oldv, const int *newv)
{
	int name[4] = { X_CTL_NET, X_AF_INET, 0, id };
	size_t len = sizeof(int);

	return rump_sys___sysctl(name, 4, oldv, oldv ? &len : NULL, newv,
	    newv ? sizeof(int) : 0) < 0 ? errno : 0;
}

static inline uint16_t
x_cksum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return __builtin_bswap16((uint16_t)~sum);
}

/* Sends one ICMP echo request on raw socket s to dst; waits (rcvtimeo set by the
 * caller) for the reply and returns the ICMP type of the first ICMP packet that is not
 * our own request, or -errno.  *from gets its source. */
static inline int
x_ping(int s, const char *dst, uint16_t id, uint16_t seq, uint32_t *from, int *ttl)
{
	uint8_t pkt[64], in[2048];
	struct x_sin to = x_sin(dst, 0), src;
	socklen_t slen = sizeof(src);
	uint16_t sum;
	ssize_t n;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 8;
	memcpy(pkt + 4, &id, 2);
	memcpy(pkt + 6, &seq, 2);
	memcpy(pkt + 8, "rumpus ping payload", 19);
	sum = x_cksum(pkt, sizeof(pkt));
	memcpy(pkt + 2, &sum, 2);
	if (rump_sys_sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		n = rump_sys_recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&src, &slen);
		if (n < 0)
			return -errno;
		if (n < 28)
			continue;
		int hl = (in[0] & 15) * 4;
		if (in[9] != X_IPPROTO_ICMP || n < hl + 8 || in[hl] == 8)
			continue;
		if (from != NULL)
			*from = src.addr;
		if (ttl != NULL)
			*ttl = in[8];
		if (in[hl] == 0 && (memcmp(in + hl + 4, &id, 2) != 0 ||
		    memcmp(in + hl + 8, "rumpus ping payload", 19) != 0))
			return -1000;		/* a reply, but not to us */
		return in[hl];
	}
}

static inline int
x_rcvtimeo(int s, long usec)
{
	struct { int64_t sec; int32_t usec; int32_t pad; } tv = { usec / 1000000, (int32_t)(usec % 1000000), 0 };

	return rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_RCVTIMEO, &tv, sizeof(tv));
}


/*
 * The 50-kernel network: a core bus with 10 routers (10.0.0.1 .. 10.0.0.10), each also on
 * its own leaf bus leaf<i> (10.<i+1>.0.1/24) with 4 hosts (10.<i+1>.0.2 .. .5).  Hosts
 * route by default through their router; each router has a static route to every other
 * leaf through that leaf's router.  k[i*5] is router i, k[i*5+1..4] its hosts; addr[j]
 * gets kernel j's address.  Returns 0 or the first error.
 */
#define NET50_N 50

/* The routers' IPv4 routes of the 50-kernel network: router i (k[i*5]) to every other
 * leaf 10.<j+1>.0.0/24 through its router 10.0.0.<j+1>.  Returns 0 or the first error;
 * leaves the last router current. */
static inline int
x_net50_routes4(struct rumpus_kernel *k[NET50_N])
{
	char gw[32], dst[32];
	int i, j, e;

	for (i = 0; i < 10; i++) {
		rumpus_kernel_switch(k[i * 5]);
		for (j = 0; j < 10; j++) {
			if (j == i)
				continue;
			snprintf(dst, sizeof(dst), "10.%d.0.0", j + 1);
			snprintf(gw, sizeof(gw), "10.0.0.%d", j + 1);
			if ((e = x_route(X_RTM_ADD, dst, 24, gw, X_RTF_GATEWAY, NULL, 0)) != 0)
				return e;
		}
	}
	return 0;
}

static inline int
x_net50_build(struct rumpus_kernel *k[NET50_N], char addr[NET50_N][16])
{
	char a[32], bus[32], gw[32];
	int i, j, e, one = 1;

	for (i = 0; i < 10; i++) {
		snprintf(bus, sizeof(bus), "leaf%d", i);
		for (j = 0; j < 5; j++) {
			int n = i * 5 + j;
			if ((k[n] = x_boot()) == NULL)
				return X_EINVAL;
			rumpus_kernel_switch(k[n]);
			snprintf(a, sizeof(a), "10.%d.0.%d", i + 1, j + 1);
			if ((e = x_ifconfig("shmif0", bus, a, 24)) != 0)
				return e;
			if (j == 0) {
				snprintf(addr[n], 16, "10.0.0.%d", (i + 1) & 0xff);
				if ((e = x_ifconfig("shmif1", "core", addr[n], 24)) != 0)
					return e;
				if ((e = x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one)) != 0)
					return e;
			} else {
				snprintf(addr[n], 16, "%.15s", a);
				snprintf(gw, sizeof(gw), "10.%d.0.1", i + 1);
				if ((e = x_route(X_RTM_ADD, "0.0.0.0", 0, gw, X_RTF_GATEWAY, NULL, 0)) != 0)
					return e;
			}
		}
	}
	if ((e = x_net50_routes4(k)) != 0)
		return e;
	rumpus_kernel_switch(NULL);
	return 0;
}

#endif
