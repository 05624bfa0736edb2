/*
 * inet6_sock_test.c: the IPV6_* socket options and ancillary data on a bus (virtual
 * clock): multicast join/leave with delivery (Ethernet 33:33 group addresses), loop,
 * hops and interface; IPV6_RECVPKTINFO / IPV6_PKTINFO / IPV6_TCLASS / IPV6_RECVTCLASS /
 * IPV6_UNICAST_HOPS; ICMP6_FILTER; IPV6_CHECKSUM; ICMPv6 error rate limiting
 * (net.inet6.icmp6.errppslimit); router advertisements: ignored with SLAAC off,
 * an autoconfigured address and a default route with net.inet6.ip6.accept_rtadv on.
 */
#include "tap.h"
#include "inet6_nb.h"
#include "inet6_msg.h"
#include "bus_raw.h"

#define vsleep(sec) x_vsleep(sec, 0)

/* bind and sendto: 0 or the errno (inet6_msg.h) */
#define bind6 x6_bind
#define send6 x6_send

/* Receives one datagram with its cmsgs: length or -errno; finds cmsg (IPPROTO_IPV6, type)
 * and copies its data into out. */
static ssize_t
recvctl(int s, char *buf, size_t len, int type, void *out, size_t outlen, int *found)
{
	uint8_t cbuf[256];
	struct x_iov iov = { buf, len };
	struct x_msghdr m = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	ssize_t n = rump_sys_recvmsg(s, (struct msghdr *)&m, X_MSG_DONTWAIT);
	const uint8_t *d;
	size_t off = 0;
	unsigned dlen;
	int lvl, t;

	*found = 0;
	if (n < 0)
		return -errno;
	while ((d = x_cmsg_next(cbuf, m.controllen, &off, &lvl, &t, &dlen)) != NULL)
		if (lvl == X_IPPROTO_IPV6 && t == type && dlen >= outlen) {
			memcpy(out, d, outlen);
			*found = 1;
		}
	return n;
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	struct x_ipv6_mreq mr;
	struct x_in6_pktinfo pi;
	char buf[2048], llb[64], t[64];
	unsigned ia, ib;
	int ua, ub, ub2, s, v, found, one = 1, zero = 0;
	socklen_t sl;
	ssize_t n;

	rumpus_clock_virtual(1);
	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(a);
	v = x_ifconfig("shmif0", "sockbus", NULL, 0) | x6_addr("shmif0", "2001:db8:5::1", 64, 0);
	ia = x_ifindex("shmif0");
	rumpus_kernel_switch(b);
	v |= x_ifconfig("shmif0", "sockbus", NULL, 0) | x6_addr("shmif0", "2001:db8:5::2", 64, 0);
	ib = x_ifindex("shmif0");
	x_lladdr6("shmif0", llb, sizeof(llb));
	vsleep(2);
	ok(v == 0, "A 2001:db8:5::1 and B 2001:db8:5::2 on sockbus");

	/* multicast */
	ub = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ub2 = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(bind6(ub, "::", 5000, 0) == 0 && bind6(ub2, "::", 5000, 0) == X_EADDRINUSE,
	    "a second bind of [::]:5000: EADDRINUSE");
	rump_sys_setsockopt(ub, X_SOL_SOCKET, 0x200 /* SO_REUSEPORT */, &one, sizeof(one));
	rump_sys_setsockopt(ub2, X_SOL_SOCKET, 0x200, &one, sizeof(one));
	ok(bind6(ub2, "::", 5000, 0) == 0, "with SO_REUSEPORT on both it binds");
	memset(&mr, 0, sizeof(mr));
	inet_pton(AF_INET6, "ff12::4242", mr.addr);
	mr.ifindex = ib;
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr)) == 0,
	    "B joins ff12::4242 on shmif0");
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 &&
	    errno == X_EADDRINUSE, "joining twice: EADDRINUSE");
	mr.ifindex = 0;
	inet_pton(AF_INET6, "ff02::77", mr.addr);
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 &&
	    errno == X_EADDRNOTAVAIL, "a link-local group without an interface: EADDRNOTAVAIL");
	inet_pton(AF_INET6, "2001:db8::1", mr.addr);
	mr.ifindex = ib;
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 &&
	    errno == X_EINVAL, "a unicast group: EINVAL");
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVPKTINFO, &one, sizeof(one));
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVHOPLIMIT, &one, sizeof(one));
	rumpus_kernel_switch(a);
	ua = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	ok(send6(ua, "m1", 2, "ff12::4242", 5000, 0) == X_EHOSTUNREACH,
	    "a link-scope group without an interface: EHOSTUNREACH");
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_MULTICAST_IF, &ia, sizeof(ia)) == 0,
	    "IPV6_MULTICAST_IF shmif0");
	v = 99;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_MULTICAST_IF, &v, sizeof(v)) < 0 &&
	    errno == X_ENXIO, "IPV6_MULTICAST_IF of no interface: ENXIO");
	v = 7;
	rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_MULTICAST_HOPS, &v, sizeof(v));
	ok(send6(ua, "m1", 2, "ff12::4242", 5000, 0) == 0, "A sends to ff12::4242");
	rumpus_kernel_switch(b);
	{
		int hl = 0;
		n = recvctl(ub, buf, sizeof(buf), X_IPV6_PKTINFO, &pi, sizeof(pi), &found);
		inet_ntop(AF_INET6, pi.addr, t, sizeof(t));
		ok(n == 2 && found && strcmp(t, "ff12::4242") == 0 && pi.ifindex == ib,
		    "the member got it, IPV6_PKTINFO: to %s on shmif0", t);
		(void)hl;
	}
	ok(rump_sys_recvfrom(ub2, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 2,
	    "the other socket on the port gets a copy too");
	memset(&mr, 0, sizeof(mr));
	inet_pton(AF_INET6, "ff12::4242", mr.addr);
	mr.ifindex = ib;
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_LEAVE_GROUP, &mr, sizeof(mr)) == 0,
	    "B leaves the group");
	ok(rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_LEAVE_GROUP, &mr, sizeof(mr)) < 0 &&
	    errno == X_EADDRNOTAVAIL, "leaving again: EADDRNOTAVAIL");
	rumpus_kernel_switch(a);
	send6(ua, "m2", 2, "ff12::4242", 5000, 0);
	rumpus_kernel_switch(b);
	ok(rump_sys_recvfrom(ub, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) < 0 &&
	    errno == X_EAGAIN, "after the leave nothing arrives (the bus filters 33:33:00:00:42:42)");
	/* loop: A's own member socket hears its own multicast unless IPV6_MULTICAST_LOOP 0 */
	rumpus_kernel_switch(a);
	{
		int ua2 = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		bind6(ua2, "::", 5001, 0);
		memset(&mr, 0, sizeof(mr));
		inet_pton(AF_INET6, "ff12::55", mr.addr);
		mr.ifindex = ia;
		rump_sys_setsockopt(ua2, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr));
		send6(ua, "lp", 2, "ff12::55", 5001, 0);
		vsleep(1);
		ok(rump_sys_recvfrom(ua2, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 2,
		    "IPV6_MULTICAST_LOOP (default 1): our own member gets a copy");
		sl = sizeof(v);
		ok(rump_sys_getsockopt(ua, X_IPPROTO_IPV6, X_IPV6_MULTICAST_LOOP, &v, &sl) == 0 &&
		    v == 1, "getsockopt IPV6_MULTICAST_LOOP: 1");
		rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_MULTICAST_LOOP, &zero, sizeof(zero));
		send6(ua, "lp", 2, "ff12::55", 5001, 0);
		vsleep(1);
		ok(rump_sys_recvfrom(ua2, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) < 0,
		    "IPV6_MULTICAST_LOOP 0: no copy");
		rump_sys_close(ua2);
	}

	/* unicast hops, tclass, pktinfo */
	v = 9;
	rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &v, sizeof(v));
	v = 0x28;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_TCLASS, &v, sizeof(v)) == 0,
	    "IPV6_TCLASS 0x28");
	v = 256;
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &v, sizeof(v)) < 0 &&
	    errno == X_EINVAL, "IPV6_UNICAST_HOPS 256: EINVAL");
	rumpus_kernel_switch(b);
	rump_sys_close(ub2);
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, 57 /* RECVTCLASS */, &one, sizeof(one));
	while (rump_sys_recvfrom(ub, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) >= 0)
		continue;
	rumpus_kernel_switch(a);
	send6(ua, "u1", 2, "2001:db8:5::2", 5000, 0);
	send6(ua, "u2", 2, "2001:db8:5::2", 5000, 0);
	rumpus_kernel_switch(b);
	{
		int hl = -1, tc = -1;
		n = recvctl(ub, buf, sizeof(buf), X_IPV6_HOPLIMIT, &hl, sizeof(hl), &found);
		ok(n == 2 && found && hl == 9, "IPV6_UNICAST_HOPS 9 arrives as hop limit %d", hl);
		n = recvctl(ub, buf, sizeof(buf), X_IPV6_TCLASS, &tc, sizeof(tc), &found);
		ok(n == 2 && found && tc == 0x28, "IPV6_TCLASS 0x28 arrives (IPV6_RECVTCLASS %#x)", tc);
	}
	rumpus_kernel_switch(a);
	memset(&pi, 0, sizeof(pi));
	inet_pton(AF_INET6, "2001:db8:5::99", pi.addr);
	ok(rump_sys_setsockopt(ua, X_IPPROTO_IPV6, X_IPV6_PKTINFO, &pi, sizeof(pi)) < 0 &&
	    errno == X_EADDRNOTAVAIL, "IPV6_PKTINFO with an address we lack: EADDRNOTAVAIL");
	{
		/* a per-datagram IPV6_PKTINFO cmsg choosing the link-local source */
		uint8_t cbuf[40];
		struct x_sin6 to = x_sin6(llb, 5000, ia);
		struct x_iov iov = { "pk", 2 };
		struct x_msghdr m = { &to, sizeof(to), &iov, 1, cbuf, 40, 0 };
		unsigned clen = 16 + 20;
		int lvl = X_IPPROTO_IPV6, ty = X_IPV6_PKTINFO;
		char lla[64];
		struct x_sin6 from;
		socklen_t fl = sizeof(from);
		x_lladdr6("shmif0", lla, sizeof(lla));
		memset(cbuf, 0, sizeof(cbuf));
		memcpy(cbuf, &clen, 4), memcpy(cbuf + 4, &lvl, 4), memcpy(cbuf + 8, &ty, 4);
		inet_pton(AF_INET6, lla, cbuf + 16);
		memcpy(cbuf + 32, &ia, 4);
		ok(rump_sys_sendmsg(ua, (struct msghdr *)&m, 0) == 2, "sendmsg with IPV6_PKTINFO");
		rumpus_kernel_switch(b);
		n = rump_sys_recvfrom(ub, buf, sizeof(buf), X_MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		inet_ntop(AF_INET6, from.addr, t, sizeof(t));
		ok(n == 2 && strcmp(t, lla) == 0, "it came from A's link-local address %s", t);
		rumpus_kernel_switch(a);
	}

	/* raw: ICMP6_FILTER, IPV6_CHECKSUM */
	s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	v = 4;
	ok(rump_sys_setsockopt(s, X_IPPROTO_IPV6, X_IPV6_CHECKSUM, &v, sizeof(v)) < 0 &&
	    errno == X_EINVAL, "IPV6_CHECKSUM on an ICMPv6 socket: EINVAL (always the kernel's)");
	{
		uint32_t filt[8];
		memset(filt, 0, sizeof(filt));		/* block everything ... */
		filt[129 >> 5] |= 1U << (129 & 31);	/* ... but echo replies */
		ok(rump_sys_setsockopt(s, X_IPPROTO_ICMPV6, X_ICMP6_FILTER, filt, sizeof(filt)) == 0,
		    "ICMP6_FILTER: pass only echo replies");
		x_rcvtimeo(s, 2000000);
		ok(x6_ping(s, "2001:db8:5::2", 0, 1, 64, NULL) == 129, "ping6 still works");
		send6(ua, "x", 1, "2001:db8:5::2", 5999, 0);
		ok(rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) < 0,
		    "the port unreachable that came back was filtered out");
		memset(filt, 0xff, sizeof(filt));
		rump_sys_setsockopt(s, X_IPPROTO_ICMPV6, X_ICMP6_FILTER, filt, sizeof(filt));
	}

	/* rate limit: 300 datagrams to a closed port within one (virtual) second */
	{
		int i, errs = 0;
		while (rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) >= 0)
			continue;
		for (i = 0; i < 300; i++)
			send6(ua, "x", 1, "2001:db8:5::2", 5999, 0);
		while ((n = rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL)) >= 0)
			if (n >= 8 && buf[0] == 1)
				errs++;
		ok(errs <= 100 && errs >= 50,
		    "300 datagrams to a closed port: %d port unreachables (errppslimit 100/s)", errs);
	}

	/* MLD: a version 2 query gets version 2 reports, a version 1 query version 1 again */
	rumpus_kernel_switch(b);
	{
		int q = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6), nv2 = 0, nv1 = 0;
		int sawsn = 0, sawjoin = 0, k;
		uint8_t qm[28], in[256], sn[16], g[16];
		struct x_ipv6_mreq m16;
		memset(&m16, 0, sizeof(m16));
		inet_pton(AF_INET6, "ff02::16", m16.addr);
		m16.ifindex = ib;
		ok(rump_sys_setsockopt(q, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &m16, sizeof(m16)) == 0,
		    "B listens to ff02::16 (MLDv2 reports) on a raw ICMPv6 socket");
		inet_pton(AF_INET6, "ff02::2", m16.addr);
		rump_sys_setsockopt(q, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &m16, sizeof(m16));
		rump_sys_setsockopt(q, X_IPPROTO_IPV6, X_IPV6_MULTICAST_IF, &ib, sizeof(ib));
		memset(qm, 0, sizeof(qm));
		qm[0] = 130;			/* general query, max response 0, MLDv2 length */
		ok(send6(q, qm, 28, "ff02::1", 0, ib) == 0, "B sends an MLDv2 general query");
		vsleep(1);
		inet_pton(AF_INET6, "ff02::1:ff00:1", sn);
		while ((n = rump_sys_recvfrom(q, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL)) >= 0) {
			if (n >= 28 && in[0] == 143) {
				/* one report with a record per group: look at each */
				int r, nr = in[6] << 8 | in[7];
				size_t o = 8;
				nv2++;
				for (r = 0; r < nr && o + 20 <= (size_t)n; r++) {
					if (in[o] == 2 && memcmp(in + o + 4, sn, 16) == 0)
						sawsn = 1;
					o += 20 + 16 * (size_t)(in[o + 2] << 8 | in[o + 3]);
				}
			} else if (n >= 24 && in[0] == 131)
				nv1++;
		}
		ok(nv2 > 0 && nv1 == 0 && sawsn,
		    "A answered with MLDv2 reports (%d), MODE_IS_EXCLUDE for its solicited-node group", nv2);
		rumpus_kernel_switch(a);
		memset(&mr, 0, sizeof(mr));
		inet_pton(AF_INET6, "ff12::999", mr.addr);
		mr.ifindex = ia;
		k = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		rump_sys_setsockopt(k, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &mr, sizeof(mr));
		rumpus_kernel_switch(b);
		inet_pton(AF_INET6, "ff12::999", g);
		while ((n = rump_sys_recvfrom(q, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL)) >= 0)
			if (n >= 28 && in[0] == 143 && in[8] == 4 && memcmp(in + 12, g, 16) == 0)
				sawjoin = 1;
		ok(sawjoin, "A's join of ff12::999: an MLDv2 CHANGE_TO_EXCLUDE record");
		inet_pton(AF_INET6, "ff02::1:ff00:1", m16.addr);	/* to see A's v1 report */
		rump_sys_setsockopt(q, X_IPPROTO_IPV6, X_IPV6_JOIN_GROUP, &m16, sizeof(m16));
		while (rump_sys_recvfrom(q, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL) >= 0)
			continue;
		qm[0] = 130;
		ok(send6(q, qm, 24, "ff02::1", 0, ib) == 0, "B sends an MLDv1 query");
		vsleep(1);
		nv1 = nv2 = 0;
		while ((n = rump_sys_recvfrom(q, in, sizeof(in), X_MSG_DONTWAIT, NULL, NULL)) >= 0)
			if (n >= 24 && in[0] == 131)
				nv1++;
			else if (n >= 28 && in[0] == 143)
				nv2++;
		rumpus_kernel_switch(a);
		rump_sys_close(k);
		rumpus_kernel_switch(b);
		ok(nv2 == 0 && nv1 > 0, "A is back to MLDv1: a v1 report for its solicited-node group "
		    "(%d), no v2 ones", nv1);
		rump_sys_close(q);
	}

	/* dual stack: IPV6_V6ONLY 0 and v4-mapped addresses */
	rumpus_kernel_switch(a);
	v = x_ifconfig("shmif0", NULL, "10.5.0.1", 24);
	rumpus_kernel_switch(b);
	v |= x_ifconfig("shmif0", NULL, "10.5.0.2", 24);
	ok(v == 0, "A 10.5.0.1 and B 10.5.0.2 as well (dual stack)");
	{
		int d = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0), four, d4;
		struct x_sin6 from;
		struct x_sin sin;
		socklen_t fl = sizeof(from);
		char tt[64];
		ok(rump_sys_setsockopt(d, X_IPPROTO_IPV6, X_IPV6_V6ONLY, &zero, sizeof(zero)) == 0,
		    "B: IPV6_V6ONLY 0 before bind");
		ok(bind6(d, "::", 6000, 0) == 0, "binds [::]:6000");
		ok(rump_sys_setsockopt(d, X_IPPROTO_IPV6, X_IPV6_V6ONLY, &one, sizeof(one)) < 0 &&
		    errno == X_EINVAL, "IPV6_V6ONLY after bind: EINVAL");
		rumpus_kernel_switch(a);
		four = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		sin = x_sin("10.5.0.2", 6000);
		ok(rump_sys_sendto(four, "v4", 2, 0, (struct sockaddr *)&sin, sizeof(sin)) == 2,
		    "A sends IPv4 UDP to 10.5.0.2:6000");
		rumpus_kernel_switch(b);
		n = rump_sys_recvfrom(d, buf, sizeof(buf), X_MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		inet_ntop(AF_INET6, from.addr, tt, sizeof(tt));
		ok(n == 2 && fl == 28 && from.family == X_AF_INET6 && strcmp(tt, "::ffff:10.5.0.1") == 0,
		    "the dual-stack socket got it from [%s]:%d", tt, ntohs(from.port));
		ok(rump_sys_sendto(d, "re", 2, 0, (struct sockaddr *)&from, fl) == 2,
		    "it answers to the v4-mapped address");
		rumpus_kernel_switch(a);
		{
			struct x_sin f4;
			socklen_t l4 = sizeof(f4);
			n = rump_sys_recvfrom(four, buf, sizeof(buf), X_MSG_DONTWAIT, (struct sockaddr *)&f4, &l4);
			ok(n == 2 && f4.addr == x_ip("10.5.0.2") && ntohs(f4.port) == 6000,
			    "A's IPv4 socket got the answer from 10.5.0.2:6000 over IPv4");
		}
		rump_sys_close(four);
		rumpus_kernel_switch(b);
		d4 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		sin = x_sin("0.0.0.0", 6000);
		ok(rump_sys_bind(d4, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == X_EADDRINUSE,
		    "an IPv4 socket of B cannot bind 0.0.0.0:6000: the dual-stack [::]:6000 holds "
		    "it (NetBSD's in_pcbbind_port)");
		{
			int one = 1;
			rump_sys_setsockopt(d4, X_SOL_SOCKET, X_SO_REUSEADDR, &one, sizeof(one));
		}
		ok(rump_sys_bind(d4, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "with SO_REUSEADDR it binds 0.0.0.0:6000 too (:: and 0.0.0.0, two wildcards)");
		rumpus_kernel_switch(a);
		{
			int d6 = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
			struct x_sin6 to = x_sin6("::ffff:10.5.0.2", 6000, 0);
			ok(rump_sys_sendto(d6, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
			    errno == X_EINVAL, "A: a v6only socket cannot send to a v4-mapped address");
			rump_sys_setsockopt(d6, X_IPPROTO_IPV6, X_IPV6_V6ONLY, &zero, sizeof(zero));
			ok(rump_sys_connect(d6, (struct sockaddr *)&to, sizeof(to)) == 0,
			    "a dual-stack socket connects to ::ffff:10.5.0.2:6000");
			ok(rump_sys_sendto(d6, "mapped", 6, 0, NULL, 0) == 6, "and sends");
			rump_sys_close(d6);
		}
		rumpus_kernel_switch(b);
		ok(rump_sys_recvfrom(d4, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 6 &&
		    rump_sys_recvfrom(d, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) < 0,
		    "the IPv4 socket on the port takes precedence over the dual-stack one");
		rump_sys_close(d4);
		rump_sys_close(d);
	}

	/* router advertisements: SLAAC off, then on */
	rumpus_kernel_switch(b);
	{
		int r = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6), h = 255;
		uint8_t ra[48];
		char auto_a[64];
		uint8_t mac[6];
		memset(ra, 0, sizeof(ra));
		ra[0] = 134;
		ra[4] = 64;
		ra[6] = 0x07, ra[7] = 0x08;		/* router lifetime 1800 s */
		ra[16] = 3, ra[17] = 4, ra[18] = 64, ra[19] = 0xc0;	/* prefix: L and A */
		ra[20] = 0, ra[21] = 0, ra[22] = 0x0e, ra[23] = 0x10;	/* valid 3600 s */
		ra[24] = 0, ra[25] = 0, ra[26] = 0x07, ra[27] = 0x08;	/* preferred 1800 s */
		inet_pton(AF_INET6, "2001:db8:77::", ra + 32);
		rump_sys_setsockopt(r, X_IPPROTO_IPV6, X_IPV6_MULTICAST_HOPS, &h, sizeof(h));
		rump_sys_setsockopt(r, X_IPPROTO_IPV6, X_IPV6_MULTICAST_IF, &ib, sizeof(ib));
		ok(send6(r, ra, 48, "ff02::1", 0, ib) == 0, "B sends a router advertisement");
		rumpus_kernel_switch(a);
		x_lladdr(("shmif0"), mac);
		snprintf(auto_a, sizeof(auto_a), "2001:db8:77::%x:%x:%x:%x", ((mac[0] ^ 2) << 8) | mac[1],
		    (mac[2] << 8) | 0xff, 0xfe00 | mac[3], (mac[4] << 8) | mac[5]);
		ok(x6_aflag("shmif0", auto_a) == -X_EADDRNOTAVAIL,
		    "accept_rtadv 0 (NetBSD's default): no address from it");
		ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_ACCEPT_RTADV, NULL, &one) == 0,
		    "net.inet6.ip6.accept_rtadv = 1");
		rumpus_kernel_switch(b);
		send6(r, ra, 48, "ff02::1", 0, ib);
		rumpus_kernel_switch(a);
		v = x6_aflag("shmif0", auto_a);
		ok(v == (X_IN6_IFF_AUTOCONF | X_IN6_IFF_TENTATIVE),
		    "SLAAC: %s, autoconf and tentative (%d)", auto_a, v);
		vsleep(2);
		ok(x6_aflag("shmif0", auto_a) == X_IN6_IFF_AUTOCONF, "after DAD: ready");
		ok(x6_ping(s, "2001:db8:99::1", 0, 2, 64, NULL) == -X_EAGAIN,
		    "the default route through B works (B does not forward: silence)");
		vsleep(3700);
		ok(x6_aflag("shmif0", auto_a) == -X_EADDRNOTAVAIL,
		    "after its valid lifetime (3600 s) the address is gone");
		rumpus_kernel_switch(b);
		rump_sys_close(r);
	}

	rumpus_kernel_switch(a);
	rump_sys_close(s);
	rump_sys_close(ua);
	rumpus_kernel_switch(b);
	rump_sys_close(ub);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);
	return tap_done();
}
