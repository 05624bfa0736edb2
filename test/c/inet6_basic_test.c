/*
 * inet6_basic_test.c: net.netinet6 on two kernels on a bus (virtual clock): lo0's ::1,
 * link-local addresses from the MAC when an interface comes up, SIOCAIFADDR_IN6 and its
 * checks, DAD (tentative, then usable; binding a tentative address is EADDRNOTAVAIL),
 * ping6 over global and link-local (scope id) addresses, UDP both ways with the
 * sender's address and scope, the net.inet6 sysctls with NetBSD's defaults, and the
 * bad-argument answers.  No leaks at the end.
 */
#include "tap.h"
#include "inet6_nb.h"
#include "rump/netconfig.h"

struct nb_ts { int64_t sec; long nsec; };
int rump___sysimpl_nanosleep50(const struct nb_ts *, struct nb_ts *);

static void
vsleep_ms(long ms)
{
	struct nb_ts ts = { ms / 1000, (ms % 1000) * 1000000 };

	rump___sysimpl_nanosleep50(&ts, NULL);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b;
	struct x_sin6 sin6, from;
	struct x_in6_ifreq ifr;
	socklen_t flen;
	char buf[2048], lla[64], llb[64];
	unsigned ia, ib;
	int s, u, ub, v, e, code;
	ssize_t n;

	rumpus_memstats(&m0);
	rumpus_clock_virtual(1);
	a = x6_boot();
	b = x6_boot();
	ok(a != NULL && b != NULL, "two kernels with net.netinet6 boot");

	rumpus_kernel_switch(a);
	v = x6_aflag("lo0", "::1");
	ok(v == X_IN6_IFF_NODAD, "lo0 has ::1 (IN6_IFF_NODAD, as NetBSD: no DAD on loopback)");
	ok(x6_aflag("lo0", "fe80::1") == 0, "lo0 has fe80::1 (flags 0, as NetBSD's)");
	{
		static struct x_ifreq reqs[32];
		struct x_ifconf ifc = { sizeof(reqs), reqs };
		int t = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), i, n6 = 0, order = 0;
		rump_sys_ioctl(t, X_SIOCGIFCONF, &ifc);
		for (i = 0; i < ifc.len / (int)sizeof(reqs[0]); i++)
			if (strcmp(reqs[i].name, "lo0") == 0) {
				if (reqs[i].u.space[1] == X_AF_INET6 && reqs[i].u.space[0] == 28)
					n6++;
				else if (reqs[i].u.space[1] == X_AF_INET && n6 == 2)
					order = 1;
			}
		rump_sys_close(t);
		ok(n6 == 2 && order, "SIOCGIFCONF lists lo0's two IPv6 addresses, before its IPv4 one "
		    "(as NetBSD)");
	}
	v = 0;
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_DEFHLIM, &v, NULL) == 0 && v == 64,
	    "net.inet6.ip6.hlim = 64");
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, &v, NULL) == 0 && v == 0,
	    "net.inet6.ip6.forwarding = 0");
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_ACCEPT_RTADV, &v, NULL) == 0 && v == 0,
	    "net.inet6.ip6.accept_rtadv = 0 (SLAAC off)");
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_V6ONLY, &v, NULL) == 0 && v == 1,
	    "net.inet6.ip6.v6only = 1");
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_DAD_COUNT, &v, NULL) == 0 && v == 1,
	    "net.inet6.ip6.dad_count = 1");
	ok(x6_sysctl(X_IPPROTO_ICMPV6, X_ICMPV6CTL_ERRPPSLIMIT, &v, NULL) == 0 && v == 100,
	    "net.inet6.icmp6.errppslimit = 100");
	v = 300;
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_DEFHLIM, NULL, &v) == X_EINVAL,
	    "hlim 300: EINVAL");
	ok(x6_sysctl(X_IPPROTO_IPV6, 9999, &v, NULL) == ENOENT, "an unknown leaf: ENOENT");

	/* ping ::1 */
	s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	ok(s >= 0, "raw ICMPv6 socket");
	x_rcvtimeo(s, 2000000);
	ok(x6_ping(s, "::1", 0, 1, 64, NULL) == 129, "ping6 ::1: echo reply");

	/* interfaces: link-local addresses appear when they come up */
	ok(x_ifconfig("shmif0", "v6bus", NULL, 0) == 0, "A: shmif0 on v6bus, up");
	ia = x_ifindex("shmif0");
	x_lladdr6("shmif0", lla, sizeof(lla));
	v = x6_aflag("shmif0", lla);
	ok(v == X_IN6_IFF_TENTATIVE, "A's link-local %s (modified EUI-64) is tentative (%d)",
	    lla, v);
	sin6 = x_sin6(lla, 0, ia);
	u = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(rump_sys_bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 &&
	    errno == X_EADDRNOTAVAIL, "binding the tentative address: EADDRNOTAVAIL");
	rumpus_kernel_switch(b);
	ok(x_ifconfig("shmif0", "v6bus", NULL, 0) == 0, "B: shmif0 on v6bus, up");
	ib = x_ifindex("shmif0");
	x_lladdr6("shmif0", llb, sizeof(llb));
	ok(x6_addr("shmif0", "2001:db8:1::2", 64, 0) == 0, "B: SIOCAIFADDR_IN6 2001:db8:1::2/64");
	rumpus_kernel_switch(a);
	ok(x6_addr("shmif0", "2001:db8:1::1", 64, 0) == 0, "A: SIOCAIFADDR_IN6 2001:db8:1::1/64");
	ok(x6_aflag("shmif0", "2001:db8:1::1") == X_IN6_IFF_TENTATIVE, "new address tentative");
	vsleep_ms(1500);
	ok(x6_aflag("shmif0", lla) == 0 && x6_aflag("shmif0", "2001:db8:1::1") == 0,
	    "after DAD (1 s) both addresses are ready");
	ok(rump_sys_bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) == 0,
	    "now the link-local address binds");
	rump_sys_close(u);
	rumpus_kernel_switch(b);
	ok(x6_aflag("shmif0", "2001:db8:1::2") == 0, "B's address is ready too");
	rumpus_kernel_switch(a);

	/* bad ioctls */
	{
		struct x_in6_aliasreq ifra;
		int t = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		memset(&ifra, 0, sizeof(ifra));
		strcpy(ifra.name, "shmif0");
		ifra.addr = x_sin6("2001:db8:9::1", 0, 0);
		ifra.addr.family = 2;
		ifra.lifetime.vltime = ifra.lifetime.pltime = 0xffffffffU;
		ifra.mask = x_sin6("ffff:ffff::", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_EAFNOSUPPORT,
		    "SIOCAIFADDR_IN6 with family 2: EAFNOSUPPORT");
		ifra.addr = x_sin6("2001:db8:9::1", 0, 0);
		ifra.mask = x_sin6("ffff:ff00:ff00::", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_EINVAL,
		    "a non-contiguous prefix mask: EINVAL");
		ifra.mask = x_sin6("::", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_EINVAL,
		    "a zero prefix length: EINVAL (NetBSD wants a non-0 prefix)");
		ifra.mask = x_sin6("ffff:ffff::", 0, 0);
		ifra.addr = x_sin6("ff02::1", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_EINVAL,
		    "a multicast address: EINVAL");
		ifra.addr = x_sin6("fe80::99", 0, 77);
		ifra.mask = x_sin6("ffff:ffff:ffff:ffff::", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_EINVAL,
		    "a link-local address with another interface's scope: EINVAL");
		strcpy(ifra.name, "nosuch0");
		ok(rump_sys_ioctl(t, X_SIOCAIFADDR_IN6, &ifra) < 0 && errno == X_ENXIO,
		    "a missing interface: ENXIO");
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif0");
		ifr.u.addr = x_sin6("2001:db8:77::1", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCGIFAFLAG_IN6, &ifr) < 0 && errno == X_EADDRNOTAVAIL,
		    "SIOCGIFAFLAG_IN6 of an address we lack: EADDRNOTAVAIL");
		ok(rump_sys_ioctl(t, X_SIOCGIFAFLAG_IN6, NULL) < 0 && errno == X_EFAULT,
		    "NULL argument: EFAULT");
		{
			int t4 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
			ifr.u.addr = x_sin6("2001:db8:1::1", 0, 0);
			ok(rump_sys_ioctl(t4, X_SIOCGIFAFLAG_IN6, &ifr) < 0 && errno == 25 /* ENOTTY */,
			    "an in6 ioctl on an AF_INET socket: ENOTTY, as NetBSD (in6_control is "
			    "the AF_INET6 protocol's)");
			rump_sys_close(t4);
		}
		rump_sys_close(t);
	}

	/* ping6 across the bus */
	ok(x6_ping(s, "2001:db8:1::2", 0, 2, 64, NULL) == 129, "ping6 B's global address");
	ok(x6_nbr("shmif0", "2001:db8:1::2", NULL) == X_ND6_LLINFO_REACHABLE,
	    "A's neighbour entry for B is REACHABLE");
	ok(x6_ping(s, llb, ib == ia ? ia : ia, 3, 1000, NULL) == 129,
	    "ping6 B's link-local address %s%%shmif0 (1000 bytes)", llb);
	ok(x6_ping(s, llb, 0, 4, 64, NULL) == -X_EHOSTUNREACH,
	    "a link-local destination without a scope id: EHOSTUNREACH");
	ok(x6_ping(s, "2001:db8:1::1", 0, 5, 64, NULL) == 129, "ping6 our own global address");
	ok(x6_ping(s, "2001:db8:2::1", 0, 6, 64, NULL) == -X_EHOSTUNREACH,
	    "no route: EHOSTUNREACH");

	/* UDP */
	rumpus_kernel_switch(b);
	ub = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	sin6 = x_sin6("::", 7000, 0);
	ok(rump_sys_bind(ub, (struct sockaddr *)&sin6, sizeof(sin6)) == 0, "B binds [::]:7000");
	x_rcvtimeo(ub, 2000000);
	rumpus_kernel_switch(a);
	u = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	sin6 = x_sin6("2001:db8:1::2", 7000, 0);
	ok(rump_sys_sendto(u, "hello6", 6, 0, (struct sockaddr *)&sin6, sizeof(sin6)) == 6,
	    "A sends a datagram to B");
	rumpus_kernel_switch(b);
	flen = sizeof(from);
	n = rump_sys_recvfrom(ub, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	ok(n == 6 && memcmp(buf, "hello6", 6) == 0, "B got it");
	{
		char t[64];
		inet_ntop(AF_INET6, from.addr, t, sizeof(t));
		ok(flen == 28 && from.family == X_AF_INET6 && strcmp(t, "2001:db8:1::1") == 0 &&
		    ntohs(from.port) >= 49152 && from.scope_id == 0,
		    "from [%s]:%d, an ephemeral port, no scope", t, ntohs(from.port));
	}
	ok(rump_sys_sendto(ub, "back", 4, 0, (struct sockaddr *)&from, flen) == 4, "B answers");
	rumpus_kernel_switch(a);
	x_rcvtimeo(u, 2000000);
	n = rump_sys_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL);
	ok(n == 4 && memcmp(buf, "back", 4) == 0, "A got the answer");
	/* link-local UDP: the sender's scope comes with it */
	sin6 = x_sin6(llb, 7000, ia);
	ok(rump_sys_sendto(u, "ll", 2, 0, (struct sockaddr *)&sin6, sizeof(sin6)) == 2,
	    "A sends to B's link-local address");
	rumpus_kernel_switch(b);
	flen = sizeof(from);
	n = rump_sys_recvfrom(ub, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	{
		char t[64];
		inet_ntop(AF_INET6, from.addr, t, sizeof(t));
		ok(n == 2 && strcmp(t, lla) == 0 && from.scope_id == ib,
		    "B got it from %s with scope id %u (its shmif0)", t, from.scope_id);
	}
	/* port unreachable comes back to a connected socket */
	rumpus_kernel_switch(a);
	sin6 = x_sin6("2001:db8:1::2", 7001, 0);
	ok(rump_sys_connect(u, (struct sockaddr *)&sin6, sizeof(sin6)) == 0, "connect to :7001");
	rump_sys_sendto(u, "x", 1, 0, NULL, 0);
	n = rump_sys_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL);
	ok(n < 0 && errno == X_ECONNREFUSED, "nobody there: ECONNREFUSED (port unreachable)");
	sin6 = x_sin6("::ffff:10.0.0.1", 7000, 0);
	e = rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ? errno : 0;
	ok(e == X_EISCONN || e == X_EINVAL, "sendto on a connected socket refused (%d)", e);
	rump_sys_close(u);
	u = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 &&
	    errno == X_EINVAL, "a v4-mapped destination on a v6only socket: EINVAL");
	ok(rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&sin6, 10) < 0 &&
	    errno == X_EINVAL, "a short sockaddr: EINVAL");
	sin6 = x_sin6("2001:db8:1::77", 0, 0);
	ok(rump_sys_bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 &&
	    errno == X_EADDRNOTAVAIL, "binding an address we lack: EADDRNOTAVAIL");
	sin6 = x_sin6(lla, 0, 99);
	ok(rump_sys_bind(u, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 &&
	    errno == X_ENXIO, "a scope id naming no interface: ENXIO");
	v = 0;
	flen = sizeof(v);
	ok(rump_sys_getsockopt(u, X_IPPROTO_IPV6, X_IPV6_V6ONLY, &v, &flen) == 0 && v == 1,
	    "IPV6_V6ONLY is on by default");
	rump_sys_close(u);
	rump_sys_close(s);
	(void)code;
	rumpus_kernel_switch(b);
	rump_sys_close(ub);

	/* NetBSD's netconfig calls with inet6 */
	rumpus_kernel_switch(b);
	ok(rump_pub_netconfig_ipv6_ifaddr("shmif0", "2001:db8:3::2", 64) == 0 &&
	    x6_aflag("shmif0", "2001:db8:3::2") == X_IN6_IFF_TENTATIVE,
	    "rump_pub_netconfig_ipv6_ifaddr adds 2001:db8:3::2/64 (tentative)");
	ok(rump_pub_netconfig_ipv6_ifaddr("shmif0", "2001:db8::zz", 64) == X_EINVAL &&
	    rump_pub_netconfig_ipv6_ifaddr("shmif0", "1:2:3:4:5:6:7:8:9", 64) == X_EINVAL &&
	    rump_pub_netconfig_ipv6_ifaddr("shmif0", "1::2::3", 64) == X_EINVAL &&
	    rump_pub_netconfig_ipv6_ifaddr("shmif0", "2001:db8:3::9", 129) == X_EINVAL &&
	    rump_pub_netconfig_ipv6_ifaddr("shmif0", NULL, 64) == X_EFAULT &&
	    rump_pub_netconfig_ipv6_ifaddr("nosuch0", "2001:db8:3::9", 64) == X_ENXIO,
	    "bad text, prefix lengths, NULL and unknown interfaces: EINVAL, EFAULT, ENXIO");
	ok(rump_pub_netconfig_ipv6_ifaddr("shmif0", "::ffff:10.1.2.3", 64) == X_EINVAL,
	    "a v4-mapped address parses and the kernel refuses it: EINVAL");
	ok(rump_pub_netconfig_ipv6_gw("2001:db8:1::1") == 0, "rump_pub_netconfig_ipv6_gw: ::/0 via A");
	ok(rump_pub_netconfig_ipv6_gw("2001:db8:1::1") == X_EEXIST, "twice: EEXIST");
	ok(rump_pub_netconfig_ipv6_gw("fe80::1") == X_EINVAL,
	    "a link-local gateway (no zone in the text): EINVAL");
	ok(rump_pub_netconfig_auto_ipv6("shmif0") == 45 /* EOPNOTSUPP */,
	    "auto_ipv6: EOPNOTSUPP (no router solicitation client)");

	/* SIOCDIFADDR_IN6 */
	rumpus_kernel_switch(a);
	{
		int t = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif0");
		ifr.u.addr = x_sin6("2001:db8:1::1", 0, 0);
		ok(rump_sys_ioctl(t, X_SIOCDIFADDR_IN6, &ifr) == 0, "SIOCDIFADDR_IN6 removes it");
		ok(rump_sys_ioctl(t, X_SIOCDIFADDR_IN6, &ifr) < 0 && errno == X_EADDRNOTAVAIL,
		    "again: EADDRNOTAVAIL");
		rump_sys_close(t);
	}

	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "kernels destroyed, no memory left");
	return tap_done();
}
