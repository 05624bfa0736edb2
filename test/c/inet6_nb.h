/*
 * inet6_nb.h: NetBSD IPv6 values and layouts for tests that go through rump_sys_* (the
 * host's headers carry Linux values), and helpers that configure kernels with the in6
 * ioctls and routing messages as a NetBSD program would.  Values from abi/netbsd.
 */
#ifndef TEST_INET6_NB_H
#define TEST_INET6_NB_H

#include <arpa/inet.h>

#ifndef TEST_INET_NB_H	/* its x_net50_build is outside its guard */
#include "inet_nb.h"
#endif

enum { X_AF_INET6 = 24, X_IPPROTO_IPV6 = 41, X_IPPROTO_ICMPV6 = 58, X_EHOSTUNREACH6 = 65,
	X_IPV6_UNICAST_HOPS = 4, X_IPV6_MULTICAST_IF = 9, X_IPV6_MULTICAST_HOPS = 10,
	X_IPV6_MULTICAST_LOOP = 11, X_IPV6_JOIN_GROUP = 12, X_IPV6_LEAVE_GROUP = 13,
	X_IPV6_CHECKSUM = 26, X_IPV6_V6ONLY = 27, X_IPV6_RECVPKTINFO = 36,
	X_IPV6_RECVHOPLIMIT = 37, X_IPV6_PKTINFO = 46, X_IPV6_HOPLIMIT = 47,
	X_IPV6_TCLASS = 61, X_ICMP6_FILTER = 18,
	X_IN6_IFF_ANYCAST = 1, X_IN6_IFF_TENTATIVE = 2, X_IN6_IFF_DUPLICATED = 4,
	X_IN6_IFF_NODAD = 0x20, X_IN6_IFF_AUTOCONF = 0x40,
	X_IPV6CTL_FORWARDING = 1, X_IPV6CTL_DEFHLIM = 3, X_IPV6CTL_MAXFRAGPACKETS = 9,
	X_IPV6CTL_ACCEPT_RTADV = 12, X_IPV6CTL_DAD_COUNT = 16, X_IPV6CTL_V6ONLY = 24,
	X_IPV6CTL_MAXFRAGS = 41, X_ICMPV6CTL_ERRPPSLIMIT = 14,
	X_ND6_LLINFO_INCOMPLETE = 0, X_ND6_LLINFO_REACHABLE = 1, X_ND6_LLINFO_STALE = 2,
	X_ND6_LLINFO_DELAY = 3, X_ND6_LLINFO_PROBE = 4, X_ECONNREFUSED6 = 61 };

#define X_SIOCAIFADDR_IN6	0x8080696bUL
#define X_SIOCDIFADDR_IN6	0x81206919UL
#define X_SIOCGIFADDR_IN6	0xc1206921UL
#define X_SIOCGIFAFLAG_IN6	0xc1206949UL
#define X_SIOCGNBRINFO_IN6	0xc038694eUL

struct x_sin6 {
	uint8_t len, family;
	uint16_t port;
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};
struct x_in6_aliasreq {
	char name[16];
	struct x_sin6 addr, dst, mask;
	int flags;
	struct { int64_t expire, preferred; uint32_t vltime, pltime; } lifetime;
};
struct x_in6_ifreq {
	char name[16];
	union { struct x_sin6 addr; int flags6; uint8_t space[272]; } u;
};
struct x_in6_nbrinfo {
	char ifname[16];
	uint8_t addr[16];
	long asked;
	int isrouter, state, expire;
};
struct x_ipv6_mreq { uint8_t addr[16]; unsigned ifindex; };
struct x_in6_pktinfo { uint8_t addr[16]; unsigned ifindex; };
_Static_assert(sizeof(struct x_in6_aliasreq) == 128, "in6_aliasreq");
_Static_assert(sizeof(struct x_in6_ifreq) == 288, "in6_ifreq");
_Static_assert(sizeof(struct x_in6_nbrinfo) == 56, "in6_nbrinfo");

static inline struct rumpus_kernel *
x6_boot(void)
{
	static const char *comps[] = { "net.netinet", "net.netinet6", "net.shmif", NULL };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL)
		printf("# boot failed: %d %s\n", err, rumpus_error());
	return k;
}

static inline struct x_sin6
x_sin6(const char *a, int port, unsigned scope)
{
	struct x_sin6 s;

	memset(&s, 0, sizeof(s));
	s.len = sizeof(s);
	s.family = X_AF_INET6;
	s.port = htons((uint16_t)port);
	if (a != NULL)
		inet_pton(AF_INET6, a, s.addr);
	s.scope_id = scope;
	return s;
}

static inline unsigned
x_ifindex(const char *ifname)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	if (rump_sys_ioctl(s, 0xc090698cUL /* SIOCGIFINDEX */, &ifr) < 0)
		ifr.u.mtu = 0;
	rump_sys_close(s);
	return (unsigned)ifr.u.mtu;
}

/* The MAC of ifname (SIOCGIFCONF's AF_LINK entry): 0 or -1. */
static inline int
x_lladdr(const char *ifname, uint8_t mac[6])
{
	static struct x_ifreq reqs[32];
	struct x_ifconf ifc = { sizeof(reqs), reqs };
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), i, r = -1;

	if (rump_sys_ioctl(s, X_SIOCGIFCONF, &ifc) == 0)
		for (i = 0; i < ifc.len / (int)sizeof(reqs[0]); i++)
			if (strcmp(reqs[i].name, ifname) == 0 && reqs[i].u.space[1] == X_AF_LINK &&
			    reqs[i].u.space[6] == 6) {
				memcpy(mac, reqs[i].u.space + 8 + reqs[i].u.space[5], 6);
				r = 0;
				break;
			}
	rump_sys_close(s);
	return r;
}

/* The link-local address NetBSD gives ifname (modified EUI-64 of its MAC) into buf. */
static inline void
x_lladdr6(const char *ifname, char *buf, size_t size)
{
	uint8_t m[6] = { 0 };

	x_lladdr(ifname, m);
	snprintf(buf, size, "fe80::%x:%x:%x:%x", ((m[0] ^ 2) << 8) | m[1], (m[2] << 8) | 0xff,
	    0xfe00 | m[3], (m[4] << 8) | m[5]);
}

/* In the current kernel: SIOCAIFADDR_IN6 addr/plen on ifname with flags. */
static inline int
x6_addr(const char *ifname, const char *addr, int plen, int flags)
{
	struct x_in6_aliasreq ifra;
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0), e = 0, i;

	if (s < 0)
		return errno;
	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.name, sizeof(ifra.name), "%s", ifname);
	ifra.addr = x_sin6(addr, 0, 0);
	ifra.mask = x_sin6("::", 0, 0);
	for (i = 0; i < 16; i++)
		ifra.mask.addr[i] = plen >= (i + 1) * 8 ? 0xff : plen <= i * 8 ? 0 :
		    (uint8_t)(0xff00 >> (plen - i * 8));
	ifra.flags = flags;
	ifra.lifetime.vltime = ifra.lifetime.pltime = 0xffffffffU;
	if (rump_sys_ioctl(s, X_SIOCAIFADDR_IN6, &ifra) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

/* SIOCGIFAFLAG_IN6: the IN6_IFF_* flags of addr on ifname, or -errno. */
static inline int
x6_aflag(const char *ifname, const char *addr)
{
	struct x_in6_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0), r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	ifr.u.addr = x_sin6(addr, 0, 0);
	r = rump_sys_ioctl(s, X_SIOCGIFAFLAG_IN6, &ifr) < 0 ? -errno : ifr.u.flags6;
	rump_sys_close(s);
	return r;
}

/* SIOCGNBRINFO_IN6: the ND state of addr on ifname, or -errno. */
static inline int
x6_nbr(const char *ifname, const char *addr, struct x_in6_nbrinfo *out)
{
	struct x_in6_nbrinfo nbi;
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0), r;

	memset(&nbi, 0, sizeof(nbi));
	snprintf(nbi.ifname, sizeof(nbi.ifname), "%s", ifname);
	inet_pton(AF_INET6, addr, nbi.addr);
	r = rump_sys_ioctl(s, X_SIOCGNBRINFO_IN6, &nbi) < 0 ? -errno : nbi.state;
	if (out != NULL)
		*out = nbi;
	rump_sys_close(s);
	return r;
}

/* A PF_ROUTE message for an IPv6 route: dst/plen via gw (scope: gw's zone). */
static inline int
x6_route(int type, const char *dst, int plen, const char *gw, unsigned scope, int flags)
{
	uint8_t buf[512];
	struct x_rt_msghdr *h = (struct x_rt_msghdr *)buf;
	struct x_sin6 sin6;
	size_t len = sizeof(*h);
	int s = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0), e = 0, i;

	if (s < 0)
		return errno;
	memset(buf, 0, sizeof(buf));
	h->version = 4;
	h->type = (uint8_t)type;
	h->flags = flags;
	h->seq = 6;
	h->addrs = X_RTA_DST;
	sin6 = x_sin6(dst, 0, 0);
	memcpy(buf + len, &sin6, 28), len += 32;
	if (gw != NULL) {
		sin6 = x_sin6(gw, 0, scope);
		memcpy(buf + len, &sin6, 28), len += 32;
		h->addrs |= X_RTA_GATEWAY;
	}
	if (plen >= 0) {
		sin6 = x_sin6("::", 0, 0);
		for (i = 0; i < 16; i++)
			sin6.addr[i] = plen >= (i + 1) * 8 ? 0xff : plen <= i * 8 ? 0 :
			    (uint8_t)(0xff00 >> (plen - i * 8));
		memcpy(buf + len, &sin6, 28), len += 32;
		h->addrs |= X_RTA_NETMASK;
	}
	h->msglen = (uint16_t)len;
	if (rump_sys_write(s, buf, len) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

static inline int
x6_sysctl(int proto, int id, int *oldv, const int *newv)
{
	int name[4] = { X_CTL_NET, X_AF_INET6, proto, id };
	size_t len = sizeof(int);

	return rump_sys___sysctl(name, 4, oldv, oldv ? &len : NULL, newv,
	    newv ? sizeof(int) : 0) < 0 ? errno : 0;
}

/* ICMPv6 echo on raw socket s (IPPROTO_ICMPV6) to dst: the type of the first ICMPv6
 * message that is not an echo request or ND/MLD, or -errno; *code gets its code. */
static inline int
x6_ping(int s, const char *dst, unsigned scope, uint16_t seq, size_t size, int *code)
{
	uint8_t pkt[4096], in[4096];
	struct x_sin6 to = x_sin6(dst, 0, scope), src;
	socklen_t slen = sizeof(src);
	ssize_t n;
	size_t i;

	if (size < 16 || size > sizeof(pkt))
		return -X_EINVAL;
	while (rump_sys_recvfrom(s, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL) >= 0)
		continue;		/* what earlier traffic left */
	memset(pkt, 0, size);
	pkt[0] = 128;
	pkt[4] = 0x12, pkt[5] = 0x34;
	memcpy(pkt + 6, &seq, 2);
	for (i = 8; i < size; i++)
		pkt[i] = (uint8_t)i;
	if (rump_sys_sendto(s, pkt, size, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		n = rump_sys_recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&src, &slen);
		if (n < 0)
			return -errno;
		if (n < 8 || in[0] == 128 || (in[0] >= 130 && in[0] <= 143))
			continue;
		if (code != NULL)
			*code = in[1];
		if (in[0] == 129 && ((size_t)n != size || memcmp(in + 6, &seq, 2) != 0 ||
		    memcmp(in + 8, pkt + 8, size - 8) != 0))
			continue;	/* a reply to an earlier request */
		return in[0];
	}
}

#endif
