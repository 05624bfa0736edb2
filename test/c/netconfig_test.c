/*
 * netconfig_test.c: NetBSD's rump_pub_netconfig_* calls (csrc/netconfig/netconfig.c).
 * Kernels configured with nothing else exchange UDP over a bus and through a router
 * kernel by their default routes; every error case returns its NetBSD errno (and leaves
 * errno alone); a NetBSD-style program linked by NetBSD's library names configures with
 * them; the exported names are NetBSD's 29 of librumpnet_config.so.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "inet_nb.h"
#include "rump/netconfig.h"
#include "compat_run.h"

enum { X_ENOSYS = 78, X_ENOTTY = 25, X_EOPNOTSUPP = 45, X_ENETUNREACH_ = 51 };
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

static struct rumpus_kernel *
boot(const char *c1, const char *c2)
{
	const char *comps[] = { c1, c2, NULL };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL)
		diag("boot failed: %d %s", err, rumpus_error());
	return k;
}

static int
ifflags(const char *ifname)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), r;

	if (s < 0)	/* a kernel without inet: interface ioctls work on any socket */
		s = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	r = rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) < 0 ? -errno : (uint16_t)ifr.u.flags;
	rump_sys_close(s);
	return r;
}

/* The first IPv4 address of ifname and its netmask (network order), or -errno. */
static int
ifaddr(const char *ifname, uint32_t *addr, uint32_t *mask)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	if (rump_sys_ioctl(s, X_SIOCGIFADDR, &ifr) < 0)
		e = -errno;
	*addr = ifr.u.addr.addr;
	if (e == 0 && rump_sys_ioctl(s, 0xc0906925UL /* SIOCGIFNETMASK */, &ifr) < 0)
		e = -errno;
	*mask = ifr.u.addr.addr;
	rump_sys_close(s);
	return e;
}

/* A UDP socket of the current kernel bound to port, with a receive timeout. */
static int
udp(int port)
{
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	struct x_sin sin = x_sin("0.0.0.0", port);

	if (s < 0 || rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	x_rcvtimeo(s, 2000000);
	return s;
}

/* Sends msg from socket s (kernel from) to dst:port, receives it on socket r (kernel to);
 * returns 1 when it arrived from src. */
static int
udp_pass(struct rumpus_kernel *from, int s, struct rumpus_kernel *to, int r,
    const char *dst, int port, const char *src, const char *msg)
{
	struct x_sin sin = x_sin(dst, port), fa;
	socklen_t flen = sizeof(fa);
	char buf[64];
	ssize_t n;

	rumpus_kernel_switch(from);
	if (rump_sys_sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		diag("sendto %s: %d", dst, errno);
		return 0;
	}
	rumpus_kernel_switch(to);
	n = rump_sys_recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&fa, &flen);
	if (n < 0) {
		diag("recvfrom: %d", errno);
		return 0;
	}
	return (size_t)n == strlen(msg) && memcmp(buf, msg, (size_t)n) == 0 && fa.addr == x_ip(src);
}

/* RTM_GET of dst: the gateway of the route found (network order) or 0. */
static uint32_t
route_gw(const char *dst)
{
	uint8_t rep[512];
	struct x_rt_msghdr *h = (struct x_rt_msghdr *)rep;
	struct x_sin gw;

	if (x_route(X_RTM_GET, dst, -1, NULL, 0, (struct x_rt_msghdr *)rep, sizeof(rep)) != 0 ||
	    !(h->addrs & X_RTA_GATEWAY) || !(h->flags & X_RTF_GATEWAY))
		return 0;
	memcpy(&gw, rep + sizeof(*h) + 16, sizeof(gw));	/* after RTA_DST */
	return gw.addr;
}

static void
two_kernels(void)
{
	struct rumpus_kernel *a = boot("net.netinet", "net.shmif"), *b = boot("net.netinet", "net.shmif");
	uint32_t ad, mk;
	int sa, sb;

	ok(a && b, "two kernels");
	rumpus_kernel_switch(a);
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0, "A: ifcreate shmif0");
	ok(rump_pub_netconfig_ifsetlinkstr("shmif0", "ncbus") == 0, "A: ifsetlinkstr shmif0 ncbus");
	ok(ifflags("shmif0") >= 0 && !(ifflags("shmif0") & X_IFF_UP), "A: shmif0 exists, down");
	ok(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.77.0.1", "255.255.255.0") == 0,
	    "A: ipv4_ifaddr shmif0 10.77.0.1 255.255.255.0");
	ok(ifflags("shmif0") > 0 && (ifflags("shmif0") & X_IFF_UP),
	    "A: the address brought shmif0 up, as NetBSD's Ethernet interfaces come up");
	ok(ifaddr("shmif0", &ad, &mk) == 0 && ad == x_ip("10.77.0.1") && mk == x_ip("255.255.255.0"),
	    "A: SIOCGIFADDR/SIOCGIFNETMASK read 10.77.0.1/255.255.255.0 back");
	rumpus_kernel_switch(b);
	ok(ifflags("shmif0") == -X_ENXIO, "B: untouched by A's configuration");
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0 &&
	    rump_pub_netconfig_ifsetlinkstr("shmif0", "ncbus") == 0 &&
	    rump_pub_netconfig_ifup("shmif0") == 0 &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.77.0.2", 24) == 0,
	    "B: ifcreate, ifsetlinkstr, ifup, ipv4_ifaddr_cidr 10.77.0.2/24");
	ok(ifaddr("shmif0", &ad, &mk) == 0 && ad == x_ip("10.77.0.2") && mk == x_ip("255.255.255.0"),
	    "B: /24 became mask 255.255.255.0");

	rumpus_kernel_switch(a);
	sa = udp(7001);
	rumpus_kernel_switch(b);
	sb = udp(7002);
	ok(sa >= 0 && sb >= 0, "UDP sockets on both");
	ok(udp_pass(a, sa, b, sb, "10.77.0.2", 7002, "10.77.0.1", "hello b"), "A -> B over the bus");
	ok(udp_pass(b, sb, a, sa, "10.77.0.1", 7001, "10.77.0.2", "hello a"), "B -> A over the bus");

	/* ifdown / ifup */
	rumpus_kernel_switch(b);
	ok(rump_pub_netconfig_ifdown("shmif0") == 0 && !(ifflags("shmif0") & X_IFF_UP), "B: ifdown clears IFF_UP");
	{
		struct x_sin sin = x_sin("10.77.0.2", 7002);
		char buf[16];
		rumpus_kernel_switch(a);
		rump_sys_sendto(sa, "lost", 4, 0, (struct sockaddr *)&sin, sizeof(sin));
		rumpus_kernel_switch(b);
		ok(rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) < 0 && errno == X_EAGAIN,
		    "B down: A's datagram does not arrive");
	}
	ok(rump_pub_netconfig_ifup("shmif0") == 0 && (ifflags("shmif0") & X_IFF_UP), "B: ifup sets IFF_UP");
	ok(udp_pass(a, sa, b, sb, "10.77.0.2", 7002, "10.77.0.1", "again"), "B up again: A -> B");

	/* ifdestroy */
	rumpus_kernel_switch(b);
	ok(rump_pub_netconfig_ifdestroy("shmif0") == 0 && ifflags("shmif0") == -X_ENXIO,
	    "B: ifdestroy removes shmif0");
	ok(rump_pub_netconfig_ifdestroy("shmif0") == X_ENXIO, "B: ifdestroy again: ENXIO");
	rump_sys_close(sb);
	rumpus_kernel_switch(a);
	rump_sys_close(sa);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0, "destroyed");
}

static void
through_router(void)
{
	struct rumpus_kernel *a = boot("net.netinet", "net.shmif"), *r = boot("net.netinet", "net.shmif"),
	    *b = boot("net.netinet", "net.shmif");
	int one = 1, sa, sb;

	ok(a && r && b, "A - R - B");
	rumpus_kernel_switch(r);
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif0", "nc-left") == 0 &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.78.1.1", 24) == 0 &&
	    rump_pub_netconfig_ifcreate("shmif1") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif1", "nc-right") == 0 &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif1", "10.78.2.1", "255.255.255.0") == 0,
	    "R: shmif0 10.78.1.1/24 on nc-left, shmif1 10.78.2.1/24 on nc-right");
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one) == 0, "R: forwarding on");
	rumpus_kernel_switch(a);
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif0", "nc-left") == 0 &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.78.1.2", 24) == 0, "A: 10.78.1.2/24");
	ok(rump_pub_netconfig_ipv4_gw("10.78.1.1") == 0, "A: ipv4_gw 10.78.1.1");
	ok(route_gw("10.78.2.2") == x_ip("10.78.1.1"), "A: RTM_GET 10.78.2.2 finds the gateway 10.78.1.1");
	ok(rump_pub_netconfig_ipv4_gw("10.78.1.1") == X_EEXIST, "A: the same default route again: EEXIST");
	rumpus_kernel_switch(b);
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif0", "nc-right") == 0 &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.78.2.2", 24) == 0, "B: 10.78.2.2/24");
	sb = udp(7100);
	rumpus_kernel_switch(a);
	sa = udp(7101);
	{
		struct x_sin sin = x_sin("10.78.2.2", 7100);
		char buf[16];
		rump_sys_sendto(sa, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
		rumpus_kernel_switch(b);
		ok(rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 1,
		    "A -> B through R (B has no route back yet)");
	}
	ok(rump_pub_netconfig_ipv4_gw("10.78.2.1") == 0, "B: ipv4_gw 10.78.2.1");
	ok(udp_pass(b, sb, a, sa, "10.78.1.2", 7101, "10.78.2.2", "back"), "B -> A through R by B's default route");
	ok(udp_pass(a, sa, b, sb, "10.78.2.2", 7100, "10.78.1.2", "fwd"), "A -> B through R");
	{
		int s, t;
		uint32_t from;
		rumpus_kernel_switch(a);
		s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
		x_rcvtimeo(s, 2000000);
		t = x_ping(s, "10.78.2.2", 9, 1, &from, NULL);
		ok(t == 0 && from == x_ip("10.78.2.2"), "A pings B through R (%d)", t);
		rump_sys_close(s);
	}
	rump_sys_close(sa);
	rumpus_kernel_switch(b);
	rump_sys_close(sb);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(r) == 0 && rumpus_kernel_destroy(b) == 0,
	    "destroyed");
}

static void
errors(void)
{
	struct rumpus_kernel *k = boot("net.netinet", "net.shmif"), *k2;
	char big[1100];
	int e;

	/* no kernel current, no rump_init(): as every rump_sys_* call */
	rumpus_kernel_switch(NULL);
	ok(rump_pub_netconfig_ifcreate("shmif0") == X_ENXIO && rump_pub_netconfig_ipv4_gw("10.0.0.1") == X_ENXIO,
	    "no kernel: ENXIO");

	rumpus_kernel_switch(k);
	/* unknown interface */
	ok(rump_pub_netconfig_ifup("shmif9") == X_ENXIO && rump_pub_netconfig_ifdown("shmif9") == X_ENXIO &&
	    rump_pub_netconfig_ifdestroy("shmif9") == X_ENXIO &&
	    rump_pub_netconfig_ifsetlinkstr("shmif9", "b") == X_ENXIO &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif9", "10.1.0.1", "255.0.0.0") == X_ENXIO &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif9", "10.1.0.1", 8) == X_ENXIO &&
	    rump_pub_netconfig_dhcp_ipv4_oneshot("shmif9") == X_ENXIO &&
	    rump_pub_netconfig_auto_ipv6("shmif9") == X_ENXIO, "unknown interface: ENXIO from every call");
	ok(rump_pub_netconfig_ifup("shmif0123456789abc") == X_ENXIO && rump_pub_netconfig_ifup("") == X_ENXIO,
	    "names of 16 bytes or more, and \"\": ENXIO");
	ok(rump_pub_netconfig_ifcreate("shmif0123456789abc") == X_EINVAL &&
	    rump_pub_netconfig_ifcreate("bogus0") == X_EINVAL && rump_pub_netconfig_ifcreate("lo01") == X_EINVAL,
	    "ifcreate of a name nobody clones: EINVAL");
	ok(rump_pub_netconfig_ifcreate("lo1") == 0 && rump_pub_netconfig_ifcreate("lo1") == X_EEXIST &&
	    rump_pub_netconfig_ifdestroy("lo1") == 0 && rump_pub_netconfig_ifdestroy("lo0") == X_EINVAL,
	    "the loopback cloner: lo1 is made and destroyed, lo0 cannot be destroyed");
	ok(rump_pub_netconfig_ifdestroy("lo0") == X_EINVAL, "ifdestroy lo0: EINVAL");

	/* duplicates */
	ok(rump_pub_netconfig_ifcreate("shmif0") == 0, "ifcreate shmif0");
	ok(rump_pub_netconfig_ifcreate("shmif0") == X_EEXIST, "ifcreate shmif0 again: EEXIST");
	ok(rump_pub_netconfig_ifcreate("shmif1") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif0", "errbus") == 0 &&
	    rump_pub_netconfig_ifsetlinkstr("shmif1", "errbus2") == 0, "shmif0, shmif1 on buses");

	/* bad addresses and arguments */
	ok(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.1.0.300", "255.0.0.0") == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "ten.one", "255.0.0.0") == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.1.0.1 ", "255.0.0.0") == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "", "255.0.0.0") == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "1.2.3.4.5", "255.0.0.0") == X_EINVAL,
	    "unparsable addresses: EINVAL");
	ok(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.1.0.1", "255.0.255.0") == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.1.0.1", "mask") == X_EINVAL,
	    "a non-contiguous or unparsable mask: EINVAL");
	ok(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.1.0.1", 33) == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.1.0.1", -1) == X_EINVAL,
	    "prefix length outside 0..32: EINVAL");
	ok(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "0.0.0.0", 8) == X_EINVAL &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "224.0.0.1", 8) == X_EINVAL,
	    "the kernel refuses 0.0.0.0 and multicast: EINVAL");
	ok(!(ifflags("shmif0") & X_IFF_UP), "a refused address leaves a down interface down");
	ok(rump_pub_netconfig_ipv4_gw("10.1.0.x") == X_EINVAL && rump_pub_netconfig_ipv4_gw("") == X_EINVAL,
	    "ipv4_gw of an unparsable address: EINVAL");
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(rump_pub_netconfig_ifsetlinkstr("shmif0", "") == X_EINVAL,
	    "an empty link string: EINVAL");
	ok(rump_pub_netconfig_ifsetlinkstr("shmif0", big) == X_E2BIG,
	    "a link string longer than MAXPATHLEN (1024): E2BIG, as NetBSD's shmif");
	ok(rump_pub_netconfig_ifsetlinkstr("lo0", "b") == X_ENOTTY, "a link string for lo0: ENOTTY");
	ok(rump_pub_netconfig_ifcreate(NULL) == X_EFAULT && rump_pub_netconfig_ifup(NULL) == X_EFAULT &&
	    rump_pub_netconfig_ifsetlinkstr("shmif0", NULL) == X_EFAULT &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", NULL, "255.0.0.0") == X_EFAULT &&
	    rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.0.0.1", NULL) == X_EFAULT &&
	    rump_pub_netconfig_ipv4_gw(NULL) == X_EFAULT && rump_pub_netconfig_bradd(NULL, "shmif0") == X_EFAULT,
	    "NULL strings: EFAULT, no crash");
	ok(rump_pub_netconfig_ipv4_ifaddr("shmif0", "010.0x1.0.1", "0xffffff00") == 0,
	    "inet_addr forms: octal, hex parts, a one-part mask");
	{
		uint32_t ad, mk;
		ok(ifaddr("shmif0", &ad, &mk) == 0 && ad == x_ip("8.1.0.1") && mk == x_ip("255.255.255.0"),
		    "... read back as 8.1.0.1/24");
	}
	ok(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif1", "8.1.0.1", 24) == X_EEXIST,
	    "the same address on another interface: EEXIST");
	ok(rump_pub_netconfig_ipv4_gw("10.99.0.1") == X_ENETUNREACH_, "a gateway on no connected subnet: ENETUNREACH");
	ok(rump_pub_netconfig_ipv4_gw("8.1.0.254") == 0 && rump_pub_netconfig_ipv4_gw("8.1.0.253") == X_EEXIST,
	    "a second default route: EEXIST");

	/* errno stays the caller's */
	errno = 12345;
	e = rump_pub_netconfig_ifup("nothere0");
	ok(e == X_ENXIO && errno == 12345, "the error is returned, errno is left alone");

	/* not root */
	ok(rump_pub_lwproc_rfork(1) == 0 && rump_sys_setuid(1000) == 0, "a process of uid 1000");
	ok(rump_pub_netconfig_ifcreate("shmif5") == X_EPERM && rump_pub_netconfig_ifup("shmif0") == X_EPERM &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif1", "10.5.0.1", 16) == X_EPERM &&
	    rump_pub_netconfig_ipv4_gw("8.1.0.7") == X_EACCES,
	    "as uid 1000: EPERM for interface ioctls, EACCES for RTM_ADD (the calling lwp's credentials)");
	rump_pub_lwproc_releaselwp();

	/* no IPv6, no DHCP client, no bridge(4) */
	ok(rump_pub_netconfig_ipv6_ifaddr("shmif0", "fd00::1", 64) == X_EAFNOSUPPORT &&
	    rump_pub_netconfig_ipv6_gw("fd00::fe") == X_EAFNOSUPPORT &&
	    rump_pub_netconfig_auto_ipv6("shmif0") == X_EAFNOSUPPORT, "IPv6 calls: EAFNOSUPPORT (no inet6)");
	ok(rump_pub_netconfig_auto_ipv6("lo0") == X_EINVAL, "auto_ipv6 on lo0 (not Ethernet): EINVAL");
	ok(rump_pub_netconfig_dhcp_ipv4_oneshot("shmif0") == X_EOPNOTSUPP, "dhcp_ipv4_oneshot: EOPNOTSUPP (no DHCP client)");
	ok(rump_pub_netconfig_bradd("bridge0", "shmif0") == X_ENXIO &&
	    rump_pub_netconfig_brdel("bridge0", "shmif0") == X_ENXIO, "bradd/brdel to bridge0: ENXIO (no bridge can exist)");
	ok(rump_pub_netconfig_bradd("shmif1", "shmif0") == X_ENOTTY, "bradd to shmif1, not a bridge: ENOTTY");
	ok(rump_pub_netconfig_ifcreate("bridge0") == X_EINVAL, "... and bridge0 cannot be created: EINVAL");

	/* NetBSD's in-kernel names are the same calls */
	ok(rump_netconfig_ifcreate("shmif2") == 0 && rump_netconfig_ifsetlinkstr("shmif2", "errbus3") == 0 &&
	    rump_netconfig_ipv4_ifaddr_cidr("shmif2", "10.3.0.1", 16) == 0 && (ifflags("shmif2") & X_IFF_UP) &&
	    rump_netconfig_ifdown("shmif2") == 0 && rump_netconfig_ifup("nothere0") == X_ENXIO &&
	    rump_netconfig_ipv4_ifaddr("shmif2", "x", "255.0.0.0") == X_EINVAL &&
	    rump_netconfig_ipv4_gw("10.3.9.9") == X_EEXIST && rump_netconfig_ifdestroy("shmif2") == 0 &&
	    rump_netconfig_ipv6_ifaddr("shmif0", "::1", 64) == X_EAFNOSUPPORT &&
	    rump_netconfig_ipv6_gw("::1") == X_EAFNOSUPPORT && rump_netconfig_auto_ipv6("lo0") == X_EINVAL &&
	    rump_netconfig_dhcp_ipv4_oneshot("shmif0") == X_EOPNOTSUPP &&
	    rump_netconfig_bradd("bridge0", "shmif0") == X_ENXIO && rump_netconfig_brdel("shmif0", "shmif1") == X_ENOTTY,
	    "rump_netconfig_* behave as rump_pub_netconfig_*");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");

	/* missing components */
	k = boot("net.shmif", NULL);
	rumpus_kernel_switch(k);
	ok(k && rump_pub_netconfig_ifcreate("shmif0") == 0 && rump_pub_netconfig_ifsetlinkstr("shmif0", "nobus") == 0 &&
	    rump_pub_netconfig_ifup("shmif0") == 0 && ifflags("shmif0") > 0 && (ifflags("shmif0") & X_IFF_UP),
	    "without net.netinet: ifcreate, ifsetlinkstr and ifup still work (on a routing socket)");
	ok(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.0.0.1", "255.0.0.0") == X_EAFNOSUPPORT &&
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 8) == X_EAFNOSUPPORT &&
	    rump_pub_netconfig_ipv4_gw("10.0.0.2") == X_EAFNOSUPPORT &&
	    rump_pub_netconfig_dhcp_ipv4_oneshot("shmif0") == X_EAFNOSUPPORT,
	    "without net.netinet: the IPv4 calls are EAFNOSUPPORT, as NetBSD's without inet");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	k = boot("net.netinet", NULL);
	rumpus_kernel_switch(k);
	ok(k && rump_pub_netconfig_ifcreate("shmif0") == X_EINVAL, "without net.shmif: ifcreate shmif0 is EINVAL");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	k2 = boot(NULL, NULL);
	rumpus_kernel_switch(k2);
	ok(k2 && rump_pub_netconfig_ifcreate("shmif0") == X_ENOSYS &&
	    rump_pub_netconfig_ipv4_gw("10.0.0.1") == X_ENOSYS, "without net: ENOSYS (no socket syscalls)");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k2);
}

static void
unavailable(void)
{
	int p[2], st;
	char buf[256];
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0) {
		skip("no pipe", "rump_netconfig_unavailable");
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(p[1], 2);
		rump_netconfig_unavailable();
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(buf, "netconfig interface unavailable") != NULL,
	    "rump_netconfig_unavailable aborts with a message, as NetBSD's panics");
}

/* NetBSD's 29 names (symbols.tsv, librumpnet_config.so) against what we export. */
static void
symbols(void)
{
	const char *b = getenv("RUMPUS_BUILD");
	char path[2048], line[512], want[40][64], cmd[2300];
	const char *libs[] = { "lib/librumpus.so", "netbsd-compat/lib/librump.so" };
	int nwant = 0, missing = 0;
	FILE *f;
	void *h;

	if (b == NULL)
		b = "build";
	snprintf(path, sizeof(path), "abi/netbsd/symbols.tsv");
	if ((f = fopen(path, "r")) == NULL) {
		ok(0, "the fact tables are in abi/netbsd (run from the repository root)");
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL && nwant < 40) {
		char lib[64], sym[64];
		if (sscanf(line, "%63s %63s", lib, sym) == 2 && strcmp(lib, "librumpnet_config.so") == 0)
			snprintf(want[nwant++], sizeof(want[0]), "%s", sym);
	}
	fclose(f);
	ok(nwant == 29, "symbols.tsv lists 29 librumpnet_config.so symbols (%d)", nwant);

	snprintf(path, sizeof(path), "%s/netbsd-compat/lib/librumpnet_config.so", b);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ok(h != NULL, "dlopen librumpnet_config.so");
	for (int i = 0; h != NULL && i < nwant; i++)
		if (dlsym(h, want[i]) == NULL) {
			diag("librumpnet_config.so: %s not found", want[i]);
			missing++;
		}
	ok(h != NULL && missing == 0, "all 29 resolve through librumpnet_config.so (and the librump.so it needs)");
	if (h != NULL)
		dlclose(h);

	for (int l = 0; l < 2; l++) {
		int found[40] = { 0 }, extra = 0, n = 0, all = 1;
		snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s/%s' 2>/dev/null", b, libs[l]);
		if ((f = popen(cmd, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			char addr[64], type[8], sym[256];
			int hit = 0;
			if (sscanf(line, "%63s %7s %255s", addr, type, sym) != 3 || strstr(sym, "netconfig") == NULL)
				continue;
			n++;
			for (int i = 0; i < nwant; i++)
				if (strcmp(want[i], sym) == 0 && type[0] == 'T')
					found[i] = hit = 1;
			if (!hit) {
				diag("%s exports %s (%s), not one of NetBSD's", libs[l], sym, type);
				extra++;
			}
		}
		pclose(f);
		for (int i = 0; i < nwant; i++)
			if (!found[i]) {
				diag("%s lacks %s", libs[l], want[i]);
				all = 0;
			}
		if (n == 0)
			skip("nm found nothing (binutils missing?)", "%s netconfig symbols", libs[l]);
		else
			ok(all && extra == 0 && n == nwant, "%s exports exactly NetBSD's %d netconfig functions",
			    libs[l], nwant);
	}
}

static void
compat_prog(void)
{
	ok(compat_run("netconfig_prog") == 0, "a NetBSD program linked with -lrump -lrumpnet -lrumpnet_net "
	    "-lrumpnet_netinet -lrumpnet_shmif -lrumpnet_config configures with netconfig, pings and sends UDP");
}

int
main(void)
{
	struct rumpus_memstats m0, m1;

	rumpus_memstats(&m0);
	errors();
	two_kernels();
	through_router();
	rumpus_memstats(&m1);
	ok(m1.leaked == m0.leaked && m1.bytes == m0.bytes, "no kernel memory left behind (%llu bytes)",
	    (unsigned long long)(m1.bytes - m0.bytes));
	unavailable();
	symbols();
	compat_prog();
	return tap_done();
}
