/*
 * netconfig.c: NetBSD's rump_pub_netconfig_* / rump_netconfig_* (librumpnet_config),
 * written as a NetBSD program would configure a kernel: a socket, interface ioctls
 * (SIOCIFCREATE, SIOCSLINKSTR, SIOCGIFFLAGS/SIOCSIFFLAGS, SIOCAIFADDR, SIOCSDRVSPEC) and
 * an RTM_ADD message written to a PF_ROUTE socket.  Every step is a system call entered
 * through kern_syscall(), the dispatcher behind every rump_sys_* wrapper, so it runs in
 * the calling thread's current kernel (or rump_init()'s), as its current lwp, with that
 * lwp's credentials and descriptor table, and nothing here touches kernel state
 * directly.  The errors are the kernel's, returned (not -1 with errno: the caller's errno
 * is left alone), plus the argument checks below.
 *
 * Where rumpus differs from NetBSD's library:
 * - The sockets are opened in the caller's process for the call and closed after it
 *   (NetBSD keeps three kernel sockets from boot); a caller at its descriptor limit gets
 *   EMFILE.
 * - No 50 ms pause follows an address: frames on a bus are delivered inline, so the
 *   gratuitous ARP has been seen when SIOCAIFADDR returns (which brings an Ethernet
 *   interface up, as NetBSD's SIOCINITIFADDR does).
 * - IPv6 (net.netinet6): ipv6_ifaddr (SIOCAIFADDR_IN6) and ipv6_gw (RTM_ADD ::/0); without
 *   inet6 they and auto_ipv6 return what NetBSD returns, EAFNOSUPPORT (auto_ipv6 checks the
 *   interface first: ENXIO, EINVAL if not Ethernet, as NetBSD); with inet6 auto_ipv6 is
 *   EOPNOTSUPP (no router solicitation client).
 * - No DHCP client: dhcp_ipv4_oneshot returns EOPNOTSUPP for an existing interface of an
 *   inet kernel (ENXIO for an unknown one, EAFNOSUPPORT without inet).
 * - No bridge(4): bradd/brdel send NetBSD's SIOCSDRVSPEC (BRDGADD/BRDGDEL) to the bridge
 *   all the same, and the kernel answers: ENXIO (no such interface, since no bridge can
 *   be created) or ENOTTY (an interface that is not a bridge).
 * - Bad arguments never crash: NULL strings are EFAULT, unparsable addresses or masks
 *   EINVAL, an interface name of IFNAMSIZ (16) bytes or more ENXIO (EINVAL for ifcreate,
 *   as the kernel answers names it cannot clone).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "net/if.h"

#pragma GCC visibility push(default)
#include "rump/netconfig.h"
#pragma GCC visibility pop

#define SIOCSDRVSPEC	0x8028697bUL	/* constants.tsv */
#define BRDGADD		0
#define BRDGDEL		1
#define IPPROTO_ICMPV6	58

/* NetBSD's struct ifbreq (net/if_bridgevar.h); only the member name is read here. */
struct nb_ifbreq {
	char ifbr_ifsname[NB_IFNAMSIZ];
	uint32_t ifbr_ifsflags;
	uint8_t ifbr_state, ifbr_priority, ifbr_path_cost, ifbr_portno;
};

/* ---------------------------------------------------------------- system calls */

static int
nc_socket(int domain, int type, int proto, int *fdp)
{
	struct sys___socket30_args a;
	register_t rv[2] = { 0, 0 };
	int error;

	memset(&a, 0, sizeof(a));
	SCARG(&a, domain) = domain;
	SCARG(&a, type) = type | SOCK_CLOEXEC;
	SCARG(&a, protocol) = proto;
	if ((error = kern_syscall(SYS___socket30, &a, rv)) == 0)
		*fdp = (int)rv[0];
	return error;
}

static void
nc_close(int fd)
{
	struct sys_close_args a;
	register_t rv[2] = { 0, 0 };

	memset(&a, 0, sizeof(a));
	SCARG(&a, fd) = fd;
	(void)kern_syscall(SYS_close, &a, rv);
}

static int
nc_ioctl(int fd, unsigned long cmd, void *data)
{
	struct sys_ioctl_args a;
	register_t rv[2] = { 0, 0 };

	memset(&a, 0, sizeof(a));
	SCARG(&a, fd) = fd;
	SCARG(&a, com) = cmd;
	SCARG(&a, data) = data;
	return kern_syscall(SYS_ioctl, &a, rv);
}

static int
nc_write(int fd, const void *buf, size_t n)
{
	struct sys_write_args a;
	register_t rv[2] = { 0, 0 };
	int error;

	memset(&a, 0, sizeof(a));
	SCARG(&a, fd) = fd;
	SCARG(&a, buf) = buf;
	SCARG(&a, nbyte) = n;
	if ((error = kern_syscall(SYS_write, &a, rv)) == 0 && (size_t)rv[0] != n)
		error = EIO;
	return error;
}

/* A socket for interface ioctls: AF_INET datagram as NetBSD's, or a routing socket in a
 * kernel without inet (interface ioctls work on a socket of any family). */
static int
nc_ifsock(int *fdp)
{
	int error = nc_socket(AF_INET, SOCK_DGRAM, 0, fdp);

	if (error == EAFNOSUPPORT)
		error = nc_socket(AF_ROUTE, SOCK_RAW, 0, fdp);
	return error;
}

/* ---------------------------------------------------------------- arguments */

/* 0, EFAULT (NULL) or ENXIO (no interface can have that name). */
static int
nc_ifname(const char *name, char out[NB_IFNAMSIZ])
{
	size_t n;

	if (name == NULL)
		return EFAULT;
	n = strnlen(name, NB_IFNAMSIZ);
	if (n == 0 || n >= NB_IFNAMSIZ)
		return ENXIO;
	memset(out, 0, NB_IFNAMSIZ);
	memcpy(out, name, n);
	return 0;
}

/* An IPv4 address as inet_addr(3) reads it: 1 to 4 parts separated by dots, each decimal,
 * octal (leading 0) or hexadecimal (0x); the last part fills the remaining bytes.  Host
 * order in *vp; EFAULT for NULL, EINVAL otherwise. */
static int
nc_inet(const char *s, uint32_t *vp)
{
	uint64_t part[4];
	int n = 0;

	if (s == NULL)
		return EFAULT;
	for (;;) {
		uint64_t v = 0;
		unsigned base = 10, digits = 0;

		if (*s == '0') {
			base = 8;
			if (s[1] == 'x' || s[1] == 'X') {
				base = 16;
				s += 2;
			}
		}
		for (;; s++, digits++) {
			unsigned d;
			if (*s >= '0' && *s <= '9')
				d = (unsigned)(*s - '0');
			else if (base == 16 && *s >= 'a' && *s <= 'f')
				d = (unsigned)(*s - 'a' + 10);
			else if (base == 16 && *s >= 'A' && *s <= 'F')
				d = (unsigned)(*s - 'A' + 10);
			else
				break;
			if (d >= base)
				return EINVAL;
			v = v * base + d;
			if (v > 0xffffffffULL)
				return EINVAL;
		}
		if (digits == 0 && base != 8)
			return EINVAL;		/* empty part, or "0x" alone */
		part[n++] = v;
		if (*s == '\0')
			break;
		if (*s != '.' || n == 4)
			return EINVAL;
		s++;
	}
	for (int i = 0; i < n - 1; i++)
		if (part[i] > 255)
			return EINVAL;
	switch (n) {
	case 1:
		*vp = (uint32_t)part[0];
		break;
	case 2:
		if (part[1] > 0xffffff)
			return EINVAL;
		*vp = (uint32_t)(part[0] << 24 | part[1]);
		break;
	case 3:
		if (part[2] > 0xffff)
			return EINVAL;
		*vp = (uint32_t)(part[0] << 24 | part[1] << 16 | part[2]);
		break;
	default:
		if (part[3] > 255)
			return EINVAL;
		*vp = (uint32_t)(part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3]);
		break;
	}
	return 0;
}

static void
nc_sin(struct nb_sockaddr_in *sin, uint32_t host)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = __builtin_bswap32(host);
}

/* ---------------------------------------------------------------- interfaces */

int
rump_netconfig_ifcreate(const char *ifname)
{
	struct nb_ifreq ifr;
	int fd, error;

	memset(&ifr, 0, sizeof(ifr));
	if ((error = nc_ifname(ifname, ifr.ifr_name)) != 0)
		return error == ENXIO ? EINVAL : error;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCIFCREATE, &ifr);
	nc_close(fd);
	return error;
}

int
rump_netconfig_ifdestroy(const char *ifname)
{
	struct nb_ifreq ifr;
	int fd, error;

	memset(&ifr, 0, sizeof(ifr));
	if ((error = nc_ifname(ifname, ifr.ifr_name)) != 0)
		return error;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCIFDESTROY, &ifr);
	nc_close(fd);
	return error;
}

/* SIOCGIFFLAGS, then SIOCSIFFLAGS with set/clear applied (skipped when nothing changes). */
static int
nc_flags(int fd, const char *name, int set, int clear, int *wasp)
{
	struct nb_ifreq ifr;
	int error, was;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, NB_IFNAMSIZ);
	if ((error = nc_ioctl(fd, SIOCGIFFLAGS, &ifr)) != 0)
		return error;
	was = (uint16_t)ifr.ifr_ifru.ifru_flags;
	if (wasp != NULL)
		*wasp = was;
	ifr.ifr_ifru.ifru_flags = (short)((was | set) & ~clear);
	if ((uint16_t)ifr.ifr_ifru.ifru_flags == was && wasp != NULL)
		return 0;
	return nc_ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static int
nc_updown(const char *ifname, int up)
{
	char name[NB_IFNAMSIZ];
	int fd, error;

	if ((error = nc_ifname(ifname, name)) != 0)
		return error;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_flags(fd, name, up ? IFF_UP : 0, up ? 0 : IFF_UP, NULL);
	nc_close(fd);
	return error;
}

int rump_netconfig_ifup(const char *ifname) { return nc_updown(ifname, 1); }
int rump_netconfig_ifdown(const char *ifname) { return nc_updown(ifname, 0); }

int
rump_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr)
{
	struct nb_ifdrv ifd;
	int fd, error;

	memset(&ifd, 0, sizeof(ifd));
	if ((error = nc_ifname(ifname, ifd.ifd_name)) != 0)
		return error;
	if (linkstr == NULL)
		return EFAULT;
	ifd.ifd_cmd = 0;
	ifd.ifd_data = (void *)(uintptr_t)linkstr;
	ifd.ifd_len = strlen(linkstr) + 1;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCSLINKSTR, &ifd);
	nc_close(fd);
	return error;
}

static int
nc_bridge(const char *bridge, const char *ifname, unsigned long op)
{
	struct nb_ifdrv ifd;
	struct nb_ifbreq req;
	int fd, error;

	memset(&ifd, 0, sizeof(ifd));
	memset(&req, 0, sizeof(req));
	if ((error = nc_ifname(bridge, ifd.ifd_name)) != 0 ||
	    (error = nc_ifname(ifname, req.ifbr_ifsname)) != 0)
		return error;
	ifd.ifd_cmd = op;
	ifd.ifd_len = sizeof(req);
	ifd.ifd_data = &req;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCSDRVSPEC, &ifd);
	nc_close(fd);
	return error;
}

int rump_netconfig_bradd(const char *b, const char *i) { return nc_bridge(b, i, BRDGADD); }
int rump_netconfig_brdel(const char *b, const char *i) { return nc_bridge(b, i, BRDGDEL); }

/* ---------------------------------------------------------------- IPv4 */

static int
nc_ipv4(const char *ifname, const char *addr, uint32_t mask)
{
	struct nb_in_aliasreq ia;
	uint32_t a;
	int fd, error;

	memset(&ia, 0, sizeof(ia));
	if ((error = nc_ifname(ifname, ia.ifra_name)) != 0)
		return error;
	if ((error = nc_inet(addr, &a)) != 0)
		return error;
	nc_sin(&ia.ifra_addr, a);
	nc_sin(&ia.ifra_mask, mask);
	nc_sin(&ia.ifra_dstaddr, a | ~mask);	/* the broadcast address */
	if ((error = nc_socket(AF_INET, SOCK_DGRAM, 0, &fd)) != 0)
		return error;		/* EAFNOSUPPORT without inet, as NetBSD */
	error = nc_ioctl(fd, SIOCAIFADDR, &ia);	/* brings an Ethernet interface up */
	nc_close(fd);
	return error;
}

int
rump_netconfig_ipv4_ifaddr(const char *ifname, const char *addr, const char *mask)
{
	uint32_t m;
	int error;

	if ((error = nc_inet(mask, &m)) != 0)
		return error;
	if ((~m & (~m + 1)) != 0)
		return EINVAL;	/* a mask with holes (the kernel would take it, as NetBSD's) */
	return nc_ipv4(ifname, addr, m);
}

int
rump_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr, int prefixlen)
{
	if (prefixlen < 0 || prefixlen > 32)
		return EINVAL;
	return nc_ipv4(ifname, addr, prefixlen == 0 ? 0 : ~0U << (32 - prefixlen));
}

/* The default route through gw: RTM_ADD (RTF_UP|RTF_GATEWAY|RTF_STATIC) with destination
 * 0.0.0.0, the gateway and mask 0.0.0.0, written to a PF_ROUTE socket; the kernel's
 * answer is write()'s error (EEXIST, ENETUNREACH...). */
int
rump_netconfig_ipv4_gw(const char *gwaddr)
{
	struct {
		struct nb_rt_msghdr rtm;
		struct nb_sockaddr_in dst, gw, mask;
	} msg;
	uint32_t gw;
	int fd, error;

	_Static_assert(sizeof(msg) == sizeof(struct nb_rt_msghdr) + 3 * RT_ROUNDUP(16), "rtmsg");
	if ((error = nc_inet(gwaddr, &gw)) != 0)
		return error;
	if ((error = nc_socket(AF_INET, SOCK_DGRAM, 0, &fd)) != 0)
		return error;		/* EAFNOSUPPORT without inet, as NetBSD */
	nc_close(fd);
	memset(&msg, 0, sizeof(msg));
	msg.rtm.rtm_msglen = sizeof(msg);
	msg.rtm.rtm_version = RTM_VERSION;
	msg.rtm.rtm_type = RTM_ADD;
	msg.rtm.rtm_flags = RTF_UP | RTF_GATEWAY | RTF_STATIC;
	msg.rtm.rtm_addrs = RTA_DST | RTA_GATEWAY | RTA_NETMASK;
	msg.rtm.rtm_seq = 1;
	nc_sin(&msg.dst, 0);
	nc_sin(&msg.gw, gw);
	nc_sin(&msg.mask, 0);
	if ((error = nc_socket(AF_ROUTE, SOCK_RAW, 0, &fd)) != 0)
		return error;
	error = nc_write(fd, &msg, sizeof(msg));
	nc_close(fd);
	return error;
}

/* DHCP: the interface must exist (ENXIO) in a kernel with inet (EAFNOSUPPORT); then
 * EOPNOTSUPP, since rumpus has no DHCP client. */
int
rump_netconfig_dhcp_ipv4_oneshot(const char *ifname)
{
	char name[NB_IFNAMSIZ];
	struct nb_ifreq ifr;
	int fd, error;

	if ((error = nc_ifname(ifname, name)) != 0)
		return error;
	if ((error = nc_socket(AF_INET, SOCK_DGRAM, 0, &fd)) != 0)
		return error;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, sizeof(name));
	error = nc_ioctl(fd, SIOCGIFFLAGS, &ifr);
	nc_close(fd);
	return error != 0 ? error : EOPNOTSUPP;
}

/* ---------------------------------------------------------------- IPv6 */

/* What an AF_INET6 socket says: EAFNOSUPPORT without the inet6 component. */
static int
nc_inet6(int type, int proto)
{
	int fd, error;

	if ((error = nc_socket(AF_INET6, type, proto, &fd)) != 0)
		return error;
	nc_close(fd);
	return EOPNOTSUPP;	/* auto_ipv6: no router solicitation client here */
}

/* IPv6 text (RFC 4291 2.2: eight groups, one "::", a dotted IPv4 tail) into 16 bytes:
 * 0, EFAULT (NULL) or EINVAL. */
static int
nc_pton6(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	int n = 0, gap = -1, i;

	if (s == NULL)
		return EFAULT;
	memset(b, 0, sizeof(b));
	if (s[0] == ':') {
		if (s[1] != ':')
			return EINVAL;
		s++;
	}
	while (*s != '\0') {
		unsigned v = 0, digits = 0;
		const char *start = s;

		if (*s == ':') {
			if (gap >= 0)
				return EINVAL;		/* a second "::" */
			gap = n;
			s++;
			if (*s == '\0')
				break;
			continue;
		}
		for (; digits < 5; s++, digits++) {
			unsigned d;
			if (*s >= '0' && *s <= '9')
				d = (unsigned)(*s - '0');
			else if (*s >= 'a' && *s <= 'f')
				d = (unsigned)(*s - 'a' + 10);
			else if (*s >= 'A' && *s <= 'F')
				d = (unsigned)(*s - 'A' + 10);
			else
				break;
			v = v * 16 + d;
		}
		if (*s == '.') {		/* the dotted IPv4 tail */
			uint32_t a;
			if (n > 12 || nc_inet(start, &a) != 0)
				return EINVAL;
			for (i = 0; start[i] != '\0'; i++)	/* exactly four decimal parts */
				if (!((start[i] >= '0' && start[i] <= '9') || start[i] == '.'))
					return EINVAL;
			b[n++] = (uint8_t)(a >> 24), b[n++] = (uint8_t)(a >> 16);
			b[n++] = (uint8_t)(a >> 8), b[n++] = (uint8_t)a;
			break;
		}
		if (digits == 0 || digits > 4 || n > 14)
			return EINVAL;
		b[n++] = (uint8_t)(v >> 8);
		b[n++] = (uint8_t)v;
		if (*s == ':') {
			s++;
			if (*s == '\0')
				return EINVAL;		/* a trailing single ":" */
			if (*s == ':') {
				if (gap >= 0)
					return EINVAL;
				gap = n;
				s++;
			}
		} else if (*s != '\0')
			return EINVAL;
	}
	if (gap < 0 && n != 16)
		return EINVAL;
	if (gap >= 0) {
		if (n == 16)
			return EINVAL;
		memmove(b + 16 - (n - gap), b + gap, (size_t)(n - gap));
		memset(b + gap, 0, (size_t)(16 - n));
	}
	memcpy(out, b, 16);
	return 0;
}

/* NetBSD's structures (netinet6/in6.h, in6_var.h), as csrc/netinet6/in6_var.h. */
struct nc_sockaddr_in6 {
	uint8_t sin6_len, sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
};
struct nc_in6_aliasreq {
	char ifra_name[NB_IFNAMSIZ];
	struct nc_sockaddr_in6 ifra_addr, ifra_dstaddr, ifra_prefixmask;
	int ifra_flags;
	int64_t ia6t_expire, ia6t_preferred;
	uint32_t ia6t_vltime, ia6t_pltime;
};
_Static_assert(sizeof(struct nc_in6_aliasreq) == 128, "in6_aliasreq");
#define SIOCAIFADDR_IN6	0x8080696bUL	/* constants.tsv */

static void
nc_sin6(struct nc_sockaddr_in6 *sin6, const uint8_t a[16])
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_len = sizeof(*sin6);
	sin6->sin6_family = AF_INET6;
	memcpy(sin6->sin6_addr, a, 16);
}

/* addr/prefixlen on ifname: SIOCAIFADDR_IN6 with infinite lifetimes, on an AF_INET6 socket
 * (EAFNOSUPPORT without inet6, as NetBSD); the kernel answers the rest (EINVAL, ENXIO). */
int
rump_netconfig_ipv6_ifaddr(const char *ifname, const char *addr, int prefixlen)
{
	struct nc_in6_aliasreq ia;
	uint8_t a[16], m[16];
	int fd, error, i;

	memset(&ia, 0, sizeof(ia));
	if ((error = nc_ifname(ifname, ia.ifra_name)) != 0)
		return error;
	if ((error = nc_pton6(addr, a)) != 0)
		return error;
	if (prefixlen < 0 || prefixlen > 128)
		return EINVAL;
	for (i = 0; i < 16; i++) {
		int bits = prefixlen - i * 8;
		m[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff00 >> bits);
	}
	nc_sin6(&ia.ifra_addr, a);
	nc_sin6(&ia.ifra_prefixmask, m);
	ia.ia6t_vltime = ia.ia6t_pltime = 0xffffffffU;	/* ND6_INFINITE_LIFETIME */
	if ((error = nc_socket(AF_INET6, SOCK_DGRAM, 0, &fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCAIFADDR_IN6, &ia);
	nc_close(fd);
	return error;
}

/* The default route ::/0 through gw (RTM_ADD, RTF_UP|RTF_GATEWAY|RTF_STATIC), as
 * ipv4_gw; a link-local gateway needs a zone, which text without "%" cannot give: the
 * kernel answers EINVAL. */
int
rump_netconfig_ipv6_gw(const char *gwaddr)
{
	struct {
		struct nb_rt_msghdr rtm;
		struct nc_sockaddr_in6 dst;
		uint8_t pad1[4];
		struct nc_sockaddr_in6 gw;
		uint8_t pad2[4];
		struct nc_sockaddr_in6 mask;
		uint8_t pad3[4];
	} msg;
	static const uint8_t zero[16];
	uint8_t gw[16];
	int fd, error;

	_Static_assert(sizeof(msg) == sizeof(struct nb_rt_msghdr) + 3 * RT_ROUNDUP(28), "rtmsg6");
	if ((error = nc_pton6(gwaddr, gw)) != 0)
		return error;
	if ((error = nc_socket(AF_INET6, SOCK_DGRAM, 0, &fd)) != 0)
		return error;		/* EAFNOSUPPORT without inet6, as NetBSD */
	nc_close(fd);
	memset(&msg, 0, sizeof(msg));
	msg.rtm.rtm_msglen = sizeof(msg);
	msg.rtm.rtm_version = RTM_VERSION;
	msg.rtm.rtm_type = RTM_ADD;
	msg.rtm.rtm_flags = RTF_UP | RTF_GATEWAY | RTF_STATIC;
	msg.rtm.rtm_addrs = RTA_DST | RTA_GATEWAY | RTA_NETMASK;
	msg.rtm.rtm_seq = 1;
	nc_sin6(&msg.dst, zero);
	nc_sin6(&msg.gw, gw);
	nc_sin6(&msg.mask, zero);
	if ((error = nc_socket(AF_ROUTE, SOCK_RAW, 0, &fd)) != 0)
		return error;
	error = nc_write(fd, &msg, sizeof(msg));
	nc_close(fd);
	return error;
}

/* NetBSD's order: the interface (ENXIO), Ethernet only (EINVAL), then the ICMPv6 socket. */
int
rump_netconfig_auto_ipv6(const char *ifname)
{
	struct nb_ifdatareq ifdr;
	int fd, error;

	memset(&ifdr, 0, sizeof(ifdr));
	if ((error = nc_ifname(ifname, ifdr.ifdr_name)) != 0)
		return error;
	if ((error = nc_ifsock(&fd)) != 0)
		return error;
	error = nc_ioctl(fd, SIOCGIFDATA, &ifdr);
	nc_close(fd);
	if (error != 0)
		return error;
	if (ifdr.ifdr_data.ifi_type != IFT_ETHER)
		return EINVAL;
	return nc_inet6(SOCK_RAW, IPPROTO_ICMPV6);
}

void
rump_netconfig_unavailable(void)
{
	static const char msg[] = "rump_netconfig_unavailable: netconfig interface unavailable\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);

	(void)r;
	abort();
}

/* ---------------------------------------------------------------- rump_pub_ names */

int rump_pub_netconfig_ifcreate(const char *i) { return rump_netconfig_ifcreate(i); }
int rump_pub_netconfig_ifdestroy(const char *i) { return rump_netconfig_ifdestroy(i); }
int rump_pub_netconfig_ifup(const char *i) { return rump_netconfig_ifup(i); }
int rump_pub_netconfig_ifdown(const char *i) { return rump_netconfig_ifdown(i); }
int rump_pub_netconfig_ifsetlinkstr(const char *i, const char *s) { return rump_netconfig_ifsetlinkstr(i, s); }
int rump_pub_netconfig_bradd(const char *b, const char *i) { return rump_netconfig_bradd(b, i); }
int rump_pub_netconfig_brdel(const char *b, const char *i) { return rump_netconfig_brdel(b, i); }
int rump_pub_netconfig_ipv4_ifaddr(const char *i, const char *a, const char *m) { return rump_netconfig_ipv4_ifaddr(i, a, m); }
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *i, const char *a, int p) { return rump_netconfig_ipv4_ifaddr_cidr(i, a, p); }
int rump_pub_netconfig_ipv6_ifaddr(const char *i, const char *a, int p) { return rump_netconfig_ipv6_ifaddr(i, a, p); }
int rump_pub_netconfig_ipv4_gw(const char *g) { return rump_netconfig_ipv4_gw(g); }
int rump_pub_netconfig_ipv6_gw(const char *g) { return rump_netconfig_ipv6_gw(g); }
int rump_pub_netconfig_dhcp_ipv4_oneshot(const char *i) { return rump_netconfig_dhcp_ipv4_oneshot(i); }
int rump_pub_netconfig_auto_ipv6(const char *i) { return rump_netconfig_auto_ipv6(i); }
