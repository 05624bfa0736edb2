/*
 * inet_sock_test.c: the network configured and used through rump_sys_* as a NetBSD
 * program would: interface ioctls on a socket, UDP sockets between two kernels, ping
 * with a raw ICMP socket, a routing socket (RTM_ADD/GET/CHANGE/DELETE), getifaddrs'
 * sysctl (NET_RT_IFLIST), net.inet.ip sysctls, and the errors of each.
 */
#include "tap.h"
#include "inet_nb.h"

static int
find_iflist(const uint8_t *buf, size_t len, const char *ifname, uint32_t addr, int *nif)
{
	size_t off = 0;
	int found_if = 0, found_addr = 0;

	*nif = 0;
	while (off + 4 <= len) {
		uint16_t mlen;
		memcpy(&mlen, buf + off, 2);
		if (mlen < 4 || off + mlen > len || buf[off + 2] != 4)
			return -1;
		if (buf[off + 3] == X_RTM_IFINFO) {
			const uint8_t *sdl = buf + off + 152;
			(*nif)++;
			if (sdl[1] == X_AF_LINK && sdl[5] == strlen(ifname) &&
			    memcmp(sdl + 8, ifname, sdl[5]) == 0 && sdl[6] == 6)
				found_if = 1;
		} else if (buf[off + 3] == X_RTM_NEWADDR) {
			/* netmask then ifa, each 16 bytes */
			struct x_sin ifa;
			memcpy(&ifa, buf + off + 24 + 16, 16);
			if (ifa.family == X_AF_INET && ifa.addr == addr)
				found_addr = 1;
		}
		off += mlen;
	}
	return found_if && found_addr && off == len;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b, *c;
	struct x_sin sin, from;
	struct x_ifreq ifr;
	socklen_t slen;
	char buf[4096];
	ssize_t n;
	int s, sb, r, v, e;

	rumpus_memstats(&m0);
	a = x_boot();
	b = x_boot();
	ok(a && b, "two kernels");

	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "sockbus", "10.2.0.1", 24);
	ok(e == 0, "A: shmif0 on sockbus, 10.2.0.1/24 through ioctls on a socket (%d)", e);
	rumpus_kernel_switch(b);
	e = x_ifconfig("shmif0", "sockbus", "10.2.0.2", 24);
	ok(e == 0, "B: 10.2.0.2/24 (%d)", e);

	/* UDP */
	sb = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("10.2.0.2", 4000);
	ok(sb >= 0 && rump_sys_bind(sb, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "B: UDP socket bound to 10.2.0.2:4000");
	x_rcvtimeo(sb, 2000000);
	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	n = rump_sys_sendto(s, "datagram", 8, 0, (struct sockaddr *)&sin, sizeof(sin));
	ok(n == 8, "A: sendto 10.2.0.2:4000 (%zd)", n);
	rumpus_kernel_switch(b);
	slen = sizeof(from);
	n = rump_sys_recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &slen);
	ok(n == 8 && memcmp(buf, "datagram", 8) == 0 && slen == 16 &&
	    from.addr == x_ip("10.2.0.1") && from.family == X_AF_INET,
	    "B: recvfrom gets it from 10.2.0.1 (n %zd)", n);
	n = rump_sys_sendto(sb, "reply", 5, 0, (struct sockaddr *)&from, slen);
	ok(n == 5, "B: answers to the sender's port");
	rumpus_kernel_switch(a);
	x_rcvtimeo(s, 2000000);
	n = rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
	ok(n == 5 && memcmp(buf, "reply", 5) == 0, "A: got the reply");
	slen = sizeof(from);
	ok(rump_sys_getsockname(s, (struct sockaddr *)&from, &slen) == 0 && from.port != 0 &&
	    from.addr == 0, "getsockname: the ephemeral port, wildcard address");
	sin = x_sin("10.2.0.2", 4000);
	sin.family = 99;
	errno = 0;
	ok(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno == X_EAFNOSUPPORT, "sendto family 99: EAFNOSUPPORT");
	sin = x_sin("10.2.0.2", 4000);
	errno = 0;
	ok(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin, 8) < 0 && errno == X_EINVAL,
	    "sendto with an 8-byte address: EINVAL");
	sin = x_sin("10.99.0.1", 4000);
	errno = 0;
	ok(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno == X_EHOSTUNREACH, "no route: EHOSTUNREACH");
	sin = x_sin("10.2.0.255", 4000);
	errno = 0;
	ok(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno == 13, "broadcast without SO_BROADCAST: EACCES");
	v = 1;
	ok(rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_BROADCAST, &v, sizeof(v)) == 0 &&
	    rump_sys_sendto(s, "bc", 2, 0, (struct sockaddr *)&sin, sizeof(sin)) == 2,
	    "with SO_BROADCAST it goes");
	v = 300;
	errno = 0;
	ok(rump_sys_setsockopt(s, 0, X_IP_TTL, &v, sizeof(v)) < 0 && errno == X_EINVAL,
	    "IP_TTL 300: EINVAL");
	v = 7;
	{
		int got = 0;
		socklen_t gl = sizeof(got);
		ok(rump_sys_setsockopt(s, 0, X_IP_TTL, &v, sizeof(v)) == 0 &&
		    rump_sys_getsockopt(s, 0, X_IP_TTL, &got, &gl) == 0 && got == 7,
		    "IP_TTL 7 reads back");
	}
	sin = x_sin("10.2.0.1", 4000);
	{
		int s2 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), s3;
		ok(rump_sys_bind(s2, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind 10.2.0.1:4000");
		s3 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		errno = 0;
		ok(rump_sys_bind(s3, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
		    errno == X_EADDRINUSE, "again in another socket: EADDRINUSE");
		rump_sys_close(s2);
		ok(rump_sys_bind(s3, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "after close the port is free");
		rump_sys_close(s3);
	}
	{
		int p1 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		int p2 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		struct x_sin any = x_sin("0.0.0.0", 4500);
		v = 1;
		rump_sys_setsockopt(p1, X_SOL_SOCKET, 512, &v, sizeof(v));
		rump_sys_setsockopt(p2, X_SOL_SOCKET, 512, &v, sizeof(v));
		ok(rump_sys_bind(p1, (struct sockaddr *)&any, sizeof(any)) == 0 &&
		    rump_sys_bind(p2, (struct sockaddr *)&any, sizeof(any)) == 0,
		    "two sockets with SO_REUSEPORT share *:4500");
		rump_sys_close(p1);
		rump_sys_close(p2);
	}
	rump_sys_close(s);

	/* create and destroy an interface, heard on a routing socket */
	{
		int mon = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0);
		uint8_t m[512];
		int types[8], nt = 0, what[2] = { -1, -1 }, nw = 0;
		uint32_t naddr = 0;

		s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif6");
		rump_sys_ioctl(s, X_SIOCIFCREATE, &ifr);
		rump_sys_close(s);
		x_ifconfig("shmif6", NULL, "10.66.0.1", 24);
		s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		{
			struct x_ifreq d;
			memset(&d, 0, sizeof(d));
			strcpy(d.name, "shmif6");
			d.u.addr = x_sin("10.66.0.1", 0);
			rump_sys_ioctl(s, X_SIOCDIFADDR, &d);
			rump_sys_ioctl(s, X_SIOCIFDESTROY, &d);
		}
		rump_sys_close(s);
		while (nt < 8 && (n = rump_sys_recvfrom(mon, m, sizeof(m), X_MSG_DONTWAIT, NULL,
		    NULL)) > 4) {
			types[nt++] = m[3];
			if (m[3] == 16 && nw < 2 && n == 24 && strcmp((char *)m + 6, "shmif6") == 0)
				what[nw++] = m[22] | m[23] << 8;
			if (m[3] == 12 && n >= 24 + 32) {
				struct x_sin ifa;
				memcpy(&ifa, m + 24 + 16, 16);
				naddr = ifa.addr;
			}
		}
		ok(nt == 5 && types[0] == 16 && types[1] == 20 && types[2] == 12 && types[3] == 13 &&
		    types[4] == 16, "routing socket hears IFANNOUNCE, IFINFO, NEWADDR, DELADDR, "
		    "IFANNOUNCE (%d messages)", nt);
		ok(what[0] == 0 && what[1] == 1 && naddr == x_ip("10.66.0.1"),
		    "arrival, then departure; NEWADDR carries 10.66.0.1");
		rump_sys_close(mon);
	}
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.name, "shmif7");
	ok(rump_sys_ioctl(s, X_SIOCIFCREATE, &ifr) == 0, "SIOCIFCREATE shmif7");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCIFCREATE, &ifr) < 0 && errno == X_EEXIST, "twice: EEXIST");
	ok(rump_sys_ioctl(s, X_SIOCIFDESTROY, &ifr) == 0, "SIOCIFDESTROY shmif7");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) < 0 && errno == X_ENXIO, "it is gone: ENXIO");
	strcpy(ifr.name, "lo0");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCIFDESTROY, &ifr) < 0 && errno == X_EINVAL, "lo0 cannot be destroyed");
	{
		struct x_ifdrv ifd;
		memset(&ifd, 0, sizeof(ifd));
		strcpy(ifd.name, "shmif0");
		ifd.data = (void *)"no-nul";
		ifd.len = 6;
		errno = 0;
		ok(rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0 && errno == X_EINVAL,
		    "SIOCSLINKSTR without a NUL in ifd_len: EINVAL");
		ifd.len = 100000;
		errno = 0;
		ok(rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0 && errno == X_E2BIG,
		    "SIOCSLINKSTR with a huge ifd_len: E2BIG (longer than MAXPATHLEN), as NetBSD");
		ifd.data = (void *)16;
		ifd.len = 8;
		errno = 0;
		ok(rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0 && errno == X_EFAULT,
		    "SIOCSLINKSTR with a bad pointer: EFAULT");
	}
	rump_sys_close(s);

	/* ping */
	s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
	ok(s >= 0, "raw ICMP socket");
	x_rcvtimeo(s, 2000000);
	{
		uint32_t src = 0;
		r = x_ping(s, "10.2.0.2", 0x1234, 1, &src, NULL);
		ok(r == 0 && src == x_ip("10.2.0.2"), "ping 10.2.0.2: echo reply from it (%d)", r);
		r = x_ping(s, "127.0.0.1", 0x1234, 2, &src, NULL);
		ok(r == 0 && src == x_ip("127.0.0.1"), "ping 127.0.0.1 over lo0 (%d)", r);
		r = x_ping(s, "10.2.0.1", 0x1234, 3, &src, NULL);
		ok(r == 0, "ping our own address (%d)", r);
	}
	rump_sys_close(s);

	/* interface listing */
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	{
		struct x_ifreq reqs[8];
		struct x_ifconf ifc = { sizeof(reqs), reqs };
		int i, lo = 0, sh = 0;
		ok(rump_sys_ioctl(s, X_SIOCGIFCONF, &ifc) == 0 && ifc.len % 144 == 0,
		    "SIOCGIFCONF (%d bytes)", ifc.len);
		for (i = 0; i < ifc.len / 144; i++) {
			if (strcmp(reqs[i].name, "lo0") == 0 && reqs[i].u.addr.family == X_AF_INET &&
			    reqs[i].u.addr.addr == x_ip("127.0.0.1"))
				lo = 1;
			if (strcmp(reqs[i].name, "shmif0") == 0 && reqs[i].u.addr.family == X_AF_INET &&
			    reqs[i].u.addr.addr == x_ip("10.2.0.1"))
				sh = 1;
		}
		ok(lo && sh, "it lists lo0 127.0.0.1 and shmif0 10.2.0.1");
		ifc.buf = NULL;
		ifc.len = 0;
		ok(rump_sys_ioctl(s, X_SIOCGIFCONF, &ifc) == 0 && ifc.len == 4 * 144,
		    "with no buffer it tells the size (%d)", ifc.len);
	}
	{
		struct x_ifdatareq d;
		memset(&d, 0, sizeof(d));
		strcpy(d.name, "shmif0");
		ok(rump_sys_ioctl(s, X_SIOCGIFDATA, &d) == 0 && d.d.opackets > 0 && d.d.ipackets > 0 &&
		    d.d.obytes > 0 && d.d.mtu == 1500 && d.d.type == 6,
		    "SIOCGIFDATA: %llu packets out, %llu in", (unsigned long long)d.d.opackets,
		    (unsigned long long)d.d.ipackets);
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.name, "shmif9");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) < 0 && errno == X_ENXIO, "unknown interface: ENXIO");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCGIFFLAGS, (void *)16) < 0 && errno == X_EFAULT, "bad pointer: EFAULT");
	{
		int name[6] = { X_CTL_NET, X_PF_ROUTE, 0, 0, X_NET_RT_IFLIST, 0 }, nif;
		size_t len = 0;
		ok(rump_sys___sysctl(name, 6, NULL, &len, NULL, 0) == 0 && len > 152,
		    "NET_RT_IFLIST size %zu", len);
		ok(len <= sizeof(buf) && rump_sys___sysctl(name, 6, buf, &len, NULL, 0) == 0 &&
		    find_iflist((uint8_t *)buf, len, "shmif0", x_ip("10.2.0.1"), &nif) == 1 && nif == 2,
		    "NET_RT_IFLIST: if_msghdr with shmif0's sockaddr_dl, ifa_msghdr with 10.2.0.1");
		len = 10;
		errno = 0;
		ok(rump_sys___sysctl(name, 6, buf, &len, NULL, 0) < 0 && errno == 12,
		    "a 10-byte buffer: ENOMEM");
		name[3] = 77;
		len = sizeof(buf);
		errno = 0;
		ok(rump_sys___sysctl(name, 6, buf, &len, NULL, 0) < 0 && errno == X_EAFNOSUPPORT,
		    "family 77: EAFNOSUPPORT");
	}
	rump_sys_close(s);

	/* routing socket */
	{
		struct x_rt_msghdr *rep = (struct x_rt_msghdr *)buf;
		struct x_sin gw;
		ok(x_route(X_RTM_ADD, "10.50.0.0", 16, "10.2.0.2", X_RTF_GATEWAY, rep, 512) == 0 &&
		    rep->type == X_RTM_ADD && rep->errno_ == 0 && (rep->flags & X_RTF_DONE) &&
		    rep->seq == 42, "RTM_ADD 10.50/16 via 10.2.0.2; the answer comes back RTF_DONE");
		ok(x_route(X_RTM_GET, "10.50.3.4", -1, NULL, 0, rep, 512) == 0 &&
		    rep->type == X_RTM_GET && (rep->flags & X_RTF_GATEWAY) &&
		    (rep->addrs & (X_RTA_DST | X_RTA_GATEWAY | X_RTA_NETMASK)) ==
		    (X_RTA_DST | X_RTA_GATEWAY | X_RTA_NETMASK), "RTM_GET 10.50.3.4 finds it");
		memcpy(&gw, buf + 120 + 16, 16);
		ok(gw.family == X_AF_INET && gw.addr == x_ip("10.2.0.2"), "with gateway 10.2.0.2");
		ok(x_route(X_RTM_ADD, "10.50.0.0", 16, "10.2.0.2", X_RTF_GATEWAY, rep, 512) == X_EEXIST &&
		    rep->errno_ == X_EEXIST, "adding it again: EEXIST, in rtm_errno too");
		{
			int listener = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0);
			struct x_rt_msghdr heard;
			x_route(X_RTM_ADD, "10.70.0.0", 16, "10.2.0.2", X_RTF_GATEWAY, NULL, 0);
			n = rump_sys_recvfrom(listener, &heard, sizeof(heard), X_MSG_DONTWAIT, NULL, NULL);
			ok(n >= 120 && heard.type == X_RTM_ADD && heard.seq == 42 && heard.errno_ == 0,
			    "another routing socket hears the RTM_ADD (%zd bytes)", n);
			x_route(X_RTM_DELETE, "10.70.0.0", 16, NULL, 0, NULL, 0);
			n = rump_sys_recvfrom(listener, &heard, sizeof(heard), X_MSG_DONTWAIT, NULL, NULL);
			ok(n >= 120 && heard.type == X_RTM_DELETE, "and the RTM_DELETE");
			rump_sys_close(listener);
		}
		ok(x_route(X_RTM_ADD, "10.60.0.0", 16, "10.3.0.9", X_RTF_GATEWAY, NULL, 0) ==
		    X_ENETUNREACH, "a gateway off every subnet: ENETUNREACH");
		ok(x_route(X_RTM_CHANGE, "10.50.0.0", 16, "10.2.0.2", X_RTF_GATEWAY | X_RTF_REJECT,
		    NULL, 0) == 0, "RTM_CHANGE makes it a reject route");
		s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		sin = x_sin("10.50.1.1", 9);
		errno = 0;
		ok(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
		    errno == X_EHOSTUNREACH, "sending over a reject route: EHOSTUNREACH");
		rump_sys_close(s);
		ok(x_route(X_RTM_DELETE, "10.50.0.0", 16, NULL, 0, NULL, 0) == 0, "RTM_DELETE");
		ok(x_route(X_RTM_GET, "10.50.3.4", -1, NULL, 0, NULL, 0) == X_ESRCH,
		    "then RTM_GET: ESRCH");
		ok(x_route(X_RTM_DELETE, "10.50.0.0", 16, NULL, 0, NULL, 0) == X_ESRCH,
		    "deleting it again: ESRCH");
		s = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0);
		memset(buf, 0, 200);
		rep->msglen = 136;
		rep->version = 3;
		rep->type = X_RTM_GET;
		errno = 0;
		ok(rump_sys_write(s, buf, 136) < 0 && errno == X_EPROTONOSUPPORT,
		    "rtm_version 3: EPROTONOSUPPORT");
		rep->version = 4;
		rep->msglen = 300;
		errno = 0;
		ok(rump_sys_write(s, buf, 136) < 0 && errno == X_EINVAL, "rtm_msglen beyond the write: EINVAL");
		rep->msglen = 136;
		rep->addrs = X_RTA_DST;
		buf[120] = 200;		/* sa_len past the end */
		buf[121] = X_AF_INET;
		errno = 0;
		ok(rump_sys_write(s, buf, 136) < 0 && errno == X_EINVAL, "a sockaddr past the end: EINVAL");
		errno = 0;
		ok(rump_sys_write(s, buf, 20) < 0 && errno == X_EINVAL, "a 20-byte message: EINVAL");
		rump_sys_close(s);
		{
			int name[6] = { X_CTL_NET, X_PF_ROUTE, 0, X_AF_INET, X_NET_RT_DUMP, 0 };
			size_t len = sizeof(buf);
			ok(rump_sys___sysctl(name, 6, buf, &len, NULL, 0) == 0 && len >= 2 * 120,
			    "NET_RT_DUMP lists the connected routes (%zu bytes)", len);
		}
	}

	/* an unprivileged process */
	ok(rump_pub_lwproc_rfork(1) == 0 && rump_sys_setuid(1000) == 0, "a process with uid 1000");
	errno = 0;
	ok(rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP) < 0 && errno == X_EACCES,
	    "raw socket: EACCES");
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("0.0.0.0", 80);
	errno = 0;
	ok(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == X_EACCES,
	    "bind to port 80: EACCES");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.name, "shmif0");
	ok(rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) == 0, "SIOCGIFFLAGS is allowed");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCSIFFLAGS, &ifr) < 0 && errno == X_EPERM, "SIOCSIFFLAGS: EPERM");
	strcpy(ifr.name, "shmif5");
	errno = 0;
	ok(rump_sys_ioctl(s, X_SIOCIFCREATE, &ifr) < 0 && errno == X_EPERM, "SIOCIFCREATE: EPERM");
	rump_sys_close(s);
	v = 1;
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &v) == X_EPERM, "setting forwarding: EPERM");
	ok(x_route(X_RTM_ADD, "10.80.0.0", 16, "10.2.0.2", X_RTF_GATEWAY, NULL, 0) == X_EACCES,
	    "RTM_ADD: EACCES");
	ok(x_route(X_RTM_GET, "10.2.0.9", -1, NULL, 0, NULL, 0) == 0, "RTM_GET is allowed");
	rump_pub_lwproc_releaselwp();

	/* sysctl net.inet.ip */
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, &v, NULL) == 0 && v == 0, "net.inet.ip.forwarding is 0");
	v = 1;
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &v) == 0, "set to 1");
	v = -1;
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, &v, NULL) == 0 && v == 1, "reads 1");
	v = 5;
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &v) == X_EINVAL, "5: EINVAL");
	ok(x_sysctl_ip(X_IPCTL_DEFTTL, &v, NULL) == 0 && v == 64, "net.inet.ip.ttl is 64");
	v = 0;
	ok(x_sysctl_ip(X_IPCTL_DEFTTL, NULL, &v) == X_EINVAL, "ttl 0: EINVAL");

	/* without net.netinet */
	{
		static const char *comps[] = { "net", NULL };
		c = rumpus_kernel_create(comps, NULL, &e);
		rumpus_kernel_switch(c);
		errno = 0;
		ok(rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0) < 0 && errno == X_EAFNOSUPPORT,
		    "socket(AF_INET) without net.netinet: EAFNOSUPPORT");
		rumpus_kernel_switch(NULL);
		rumpus_kernel_destroy(c);
	}

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0,
	    "kernels destroyed with sockets open");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
