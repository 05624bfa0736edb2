/*
 * inet_route_test.c: three kernels in a line, A - R - B, on two buses: default routes,
 * forwarding on R, traffic across (ping, UDP, fragmentation at R), and the ICMP errors
 * where they belong: time exceeded (TTL 1), net unreachable (no route), host
 * unreachable (reject route), nothing from a blackhole, port unreachable from B, and
 * nothing forwarded while net.inet.ip.forwarding is 0.
 */
#include "tap.h"
#include "inet_nb.h"

static int
set_ttl(int s, int ttl)
{
	return rump_sys_setsockopt(s, 0, X_IP_TTL, &ttl, sizeof(ttl));
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *r, *b;
	struct x_rt_msghdr rep;
	struct x_sin sin;
	uint32_t from;
	char buf[2048];
	int s, sa, sb, v, t, ttl;
	ssize_t n;

	rumpus_memstats(&m0);
	a = x_boot(), r = x_boot(), b = x_boot();
	ok(a && r && b, "three kernels");
	rumpus_kernel_switch(a);
	ok(x_ifconfig("shmif0", "left", "10.10.1.2", 24) == 0, "A: 10.10.1.2/24 on left");
	ok(x_route(X_RTM_ADD, "0.0.0.0", 0, "10.10.1.1", X_RTF_GATEWAY, &rep, sizeof(rep)) == 0,
	    "A: default route via 10.10.1.1");
	rumpus_kernel_switch(r);
	ok(x_ifconfig("shmif0", "left", "10.10.1.1", 24) == 0 &&
	    x_ifconfig("shmif1", "right", "10.10.2.1", 24) == 0, "R: on left and right");
	ok(x_route(X_RTM_ADD, "10.10.8.0", 24, "10.10.2.2", X_RTF_GATEWAY | X_RTF_REJECT, NULL, 0) == 0,
	    "R: reject route 10.10.8/24");
	ok(x_route(X_RTM_ADD, "10.10.7.0", 24, "10.10.2.2", X_RTF_GATEWAY | X_RTF_BLACKHOLE, NULL, 0) == 0,
	    "R: blackhole route 10.10.7/24");
	rumpus_kernel_switch(b);
	ok(x_ifconfig("shmif0", "right", "10.10.2.2", 24) == 0, "B: 10.10.2.2/24 on right");
	ok(x_route(X_RTM_ADD, "0.0.0.0", 0, "10.10.2.1", X_RTF_GATEWAY, NULL, 0) == 0,
	    "B: default route via 10.10.2.1");

	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
	x_rcvtimeo(s, 300000);
	t = x_ping(s, "10.10.2.2", 7, 1, &from, &ttl);
	ok(t == -X_EAGAIN, "forwarding off: no answer from B (%d)", t);

	rumpus_kernel_switch(r);
	v = 1;
	ok(x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &v) == 0, "R: net.inet.ip.forwarding=1");
	rumpus_kernel_switch(a);
	x_rcvtimeo(s, 2000000);
	t = x_ping(s, "10.10.2.2", 7, 2, &from, &ttl);
	ok(t == 0 && from == x_ip("10.10.2.2") && ttl == 63,
	    "ping A -> B through R: reply from B with TTL 63 (type %d ttl %d)", t, ttl);
	t = x_ping(s, "10.10.2.1", 7, 3, &from, &ttl);
	ok(t == 0 && ttl == 64, "R's far address answers itself (TTL 64)");

	set_ttl(s, 1);
	t = x_ping(s, "10.10.2.2", 7, 4, &from, &ttl);
	ok(t == 11 && from == x_ip("10.10.1.1"), "TTL 1: time exceeded from R 10.10.1.1 (type %d)", t);
	set_ttl(s, 64);
	t = x_ping(s, "10.10.9.9", 7, 5, &from, NULL);
	ok(t == 3 && from == x_ip("10.10.1.1"), "no route at R: unreachable from R (type %d)", t);
	t = x_ping(s, "10.10.8.1", 7, 6, &from, NULL);
	ok(t == 3, "reject route at R: unreachable (type %d)", t);
	x_rcvtimeo(s, 300000);
	t = x_ping(s, "10.10.7.1", 7, 7, &from, NULL);
	ok(t == -X_EAGAIN, "blackhole route at R: silence (%d)", t);
	x_rcvtimeo(s, 2000000);

	/* UDP across, and port unreachable from B to a connected socket */
	rumpus_kernel_switch(b);
	sb = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("0.0.0.0", 6000);
	rump_sys_bind(sb, (struct sockaddr *)&sin, sizeof(sin));
	x_rcvtimeo(sb, 2000000);
	rumpus_kernel_switch(a);
	sa = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("10.10.2.2", 6000);
	ok(rump_sys_sendto(sa, "across", 6, 0, (struct sockaddr *)&sin, sizeof(sin)) == 6,
	    "A: UDP to B:6000");
	{
		static char big[1400];
		memset(big, 'z', sizeof(big));
		ok(rump_sys_sendto(sa, big, sizeof(big), 0, (struct sockaddr *)&sin, sizeof(sin)) == 1400,
		    "A: 1400 bytes to B (R's right side will have MTU 576)");
	}
	rumpus_kernel_switch(b);
	n = rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL);
	ok(n == 6 && memcmp(buf, "across", 6) == 0, "B: received through R");
	n = rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL);
	ok(n == 1400, "B: and the 1400 bytes (%zd)", n);
	rumpus_kernel_switch(r);
	{
		int rs = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		struct x_ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif1");
		ifr.u.mtu = 576;
		ok(rump_sys_ioctl(rs, X_SIOCSIFMTU, &ifr) == 0, "R: shmif1 MTU 576");
		rump_sys_close(rs);
	}
	rumpus_kernel_switch(a);
	{
		static char big[1400];
		memset(big, 'q', sizeof(big));
		big[1399] = '!';
		rump_sys_sendto(sa, big, sizeof(big), 0, (struct sockaddr *)&sin, sizeof(sin));
		rumpus_kernel_switch(b);
		n = rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL);
		ok(n == 1400 && buf[0] == 'q' && buf[1399] == '!',
		    "R fragments to 576 and B reassembles 1400 bytes (%zd)", n);
	}
	rumpus_kernel_switch(a);
	{
		int sc = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		struct x_sin dst = x_sin("10.10.2.2", 6001);
		x_rcvtimeo(sc, 2000000);
		ok(rump_sys_connect(sc, (struct sockaddr *)&dst, sizeof(dst)) == 0 &&
		    rump_sys_write(sc, "x", 1) == 1, "A: connected UDP to B:6001 (closed port)");
		errno = 0;
		n = rump_sys_read(sc, buf, sizeof(buf));
		ok(n < 0 && errno == X_ECONNREFUSED, "port unreachable from B: ECONNREFUSED (%d)", errno);
		rump_sys_close(sc);
	}
	rump_sys_close(sa);
	rump_sys_close(s);

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(r) == 0 &&
	    rumpus_kernel_destroy(b) == 0, "destroyed");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
