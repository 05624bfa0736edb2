/*
 * inet6_route_test.c: the line A - R - B over IPv6 (virtual clock).  Routes through
 * PF_ROUTE (a global gateway on A, R's link-local gateway with its scope id on B), R
 * forwarding (net.inet6.ip6.forwarding): ping6 and UDP across, the hop limit decremented
 * once, hop limit 1 -> time exceeded from R, no route at R -> unreachable, a neighbour
 * that never answers -> address unreachable after R's three solicitations, forwarding
 * off -> silence, source fragmentation and reassembly of a 3000-byte datagram, a packet
 * too big from R (MTU 1280 behind it) -> A's path MTU, then the datagram gets through in
 * fragments, and a redirect from R when A's packet leaves R where it came in.
 */
#include "tap.h"
#include "inet6_nb.h"

static struct rumpus_kernel *
sw(struct rumpus_kernel *k)
{
	return rumpus_kernel_switch(k);
}

static void
mtu(const char *ifname, int m)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.name, ifname);
	ifr.u.mtu = m;
	rump_sys_ioctl(s, X_SIOCSIFMTU, &ifr);
	rump_sys_close(s);
}

/* A's UDP datagram of size bytes to B's port 9000: the size B received, or -errno. */
static ssize_t
udp_across(struct rumpus_kernel *a, struct rumpus_kernel *b, int ua, int ub, size_t size,
    int *hlim)
{
	static char out[4000], in[4000], cbuf[256];
	struct x_sin6 to = x_sin6("2001:db8:b::2", 9000, 0);
	struct { void *base; size_t len; } iov = { in, sizeof(in) };
	struct { void *name; unsigned namelen; void *iov; int iovlen; void *control;
	    unsigned controllen; int flags; } msg = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	ssize_t n;

	memset(out, 'z', sizeof(out));
	sw(a);
	if (rump_sys_sendto(ua, out, size, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	sw(b);
	n = rump_sys_recvmsg(ub, (struct msghdr *)&msg, 0);
	if (n < 0)
		return -errno;
	if (hlim != NULL && msg.controllen >= 20) {
		uint8_t *c = (uint8_t *)cbuf;
		int lvl, type;
		memcpy(&lvl, c + 4, 4);
		memcpy(&type, c + 8, 4);
		if (lvl == X_IPPROTO_IPV6 && type == X_IPV6_HOPLIMIT)
			memcpy(hlim, c + 16, 4);
	}
	return n;
}

int
main(void)
{
	struct rumpus_kernel *a, *r, *b;
	char llr0[64], llr1[64];
	int s, ua, ub, one = 1, zero = 0, v, hl, code;
	unsigned r0;
	ssize_t n;

	rumpus_clock_virtual(1);
	a = x6_boot(), r = x6_boot(), b = x6_boot();
	ok(a && r && b, "three kernels");
	sw(r);
	v = x_ifconfig("shmif0", "line6a", NULL, 0) | x_ifconfig("shmif1", "line6b", NULL, 0);
	v |= x6_addr("shmif0", "2001:db8:a::1", 64, 0) | x6_addr("shmif1", "2001:db8:b::1", 64, 0);
	ok(v == 0, "R: shmif0 2001:db8:a::1/64, shmif1 2001:db8:b::1/64");
	ok(x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one) == 0, "R forwards");
	x_lladdr6("shmif0", llr0, sizeof(llr0));
	x_lladdr6("shmif1", llr1, sizeof(llr1));
	r0 = x_ifindex("shmif0");
	sw(a);
	v = x_ifconfig("shmif0", "line6a", NULL, 0) | x6_addr("shmif0", "2001:db8:a::2", 64, 0);
	ok(v == 0, "A: 2001:db8:a::2/64");
	ok(x6_route(X_RTM_ADD, "::", 0, "2001:db8:a::1", 0, X_RTF_GATEWAY) == 0,
	    "A: default route via 2001:db8:a::1 (RTM_ADD)");
	ok(x6_route(X_RTM_ADD, "2001:db8:f::", 64, "2001:db8:99::1", 0, X_RTF_GATEWAY) ==
	    X_ENETUNREACH, "a gateway not on a connected prefix: ENETUNREACH");
	ok(x6_route(X_RTM_ADD, "2001:db8:f::", 64, "fe80::1", 0, X_RTF_GATEWAY) == X_EINVAL,
	    "a link-local gateway without a scope id: EINVAL");
	sw(b);
	v = x_ifconfig("shmif0", "line6b", NULL, 0) | x6_addr("shmif0", "2001:db8:b::2", 64, 0);
	ok(v == 0, "B: 2001:db8:b::2/64");
	ok(x6_route(X_RTM_ADD, "::", 0, llr1, x_ifindex("shmif0"), X_RTF_GATEWAY) == 0,
	    "B: default route via R's link-local %s%%shmif0", llr1);
	ub = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	{
		struct x_sin6 sin6 = x_sin6("::", 9000, 0);
		rump_sys_bind(ub, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	rump_sys_setsockopt(ub, X_IPPROTO_IPV6, X_IPV6_RECVHOPLIMIT, &one, sizeof(one));
	x_rcvtimeo(ub, 3000000);
	sw(a);
	{
		struct x_sin6 sin6 = x_sin6("::", 0, 0);
		ua = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		(void)sin6;
	}
	s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	x_rcvtimeo(s, 5000000);
	{
		struct { int64_t s; long ns; } ts = { 2, 0 };
		int rump___sysimpl_nanosleep50(const void *, void *);
		rump___sysimpl_nanosleep50(&ts, NULL);	/* DAD everywhere */
	}

	ok(x6_ping(s, "2001:db8:b::2", 0, 1, 64, NULL) == 129, "ping6 B through R");
	hl = 0;
	n = udp_across(a, b, ua, ub, 100, &hl);
	ok(n == 100 && hl == 63, "UDP A -> B through R: %zd bytes, hop limit 63 (%d)", n, hl);
	n = udp_across(a, b, ua, ub, 3000, NULL);
	ok(n == 3000, "a 3000-byte datagram: fragmented by A, reassembled by B (%zd)", n);
	sw(a);
	rump_sys_setsockopt(s, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &one, sizeof(one));
	code = -1;
	ok(x6_ping(s, "2001:db8:b::2", 0, 2, 64, &code) == 3 && code == 0,
	    "hop limit 1: time exceeded in transit from R");
	v = 64;
	rump_sys_setsockopt(s, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &v, sizeof(v));
	ok(x6_ping(s, "2001:db8:c::1", 0, 3, 64, &code) == 1 && code == 0,
	    "no route at R: destination unreachable, no route");
	ok(x6_ping(s, "2001:db8:b::99", 0, 4, 64, &code) == 1 && code == 3,
	    "nobody answers R's solicitations: address unreachable");
	sw(r);
	{
		struct x_in6_nbrinfo nb;
		ok(x6_nbr("shmif1", "2001:db8:b::99", &nb) == -X_EINVAL,
		    "R's incomplete entry is gone after its tries");
	}

	/* path MTU: R's link to B shrinks to 1280 */
	mtu("shmif1", 1280);
	sw(b);
	mtu("shmif0", 1280);
	sw(a);
	code = -1;
	ok(x6_ping(s, "2001:db8:b::2", 0, 5, 1400, &code) == 2,
	    "a 1400-byte echo to B: packet too big from R");
	ok(x6_ping(s, "2001:db8:b::2", 0, 6, 1400, NULL) == 129,
	    "again: A fragments to the path MTU, B answers");
	n = udp_across(a, b, ua, ub, 1400, NULL);
	ok(n == 1400, "a 1400-byte datagram gets through in fragments (%zd)", n);

	/* forwarding off: silence */
	sw(r);
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &zero);
	sw(a);
	x_rcvtimeo(s, 2000000);
	ok(x6_ping(s, "2001:db8:b::2", 0, 7, 64, NULL) == -X_EAGAIN,
	    "R no longer forwards: no answer (EAGAIN)");
	sw(r);
	x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one);

	/* redirect: R's route to 2001:db8:c::/64 goes back out on A's link, to D */
	{
		struct rumpus_kernel *d = x6_boot();
		char lld[64], la[64];
		sw(d);
		v = x_ifconfig("shmif0", "line6a", NULL, 0) | x6_addr("shmif0", "2001:db8:a::4", 64, 0);
		v |= x_ifconfig("shmif1", "line6c", NULL, 0) | x6_addr("shmif1", "2001:db8:c::4", 64, 0);
		v |= x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one);
		x_lladdr6("shmif0", lld, sizeof(lld));
		ok(v == 0, "D on A's link (2001:db8:a::4) and on 2001:db8:c::/64 (2001:db8:c::4)");
		sw(r);
		ok(x6_route(X_RTM_ADD, "2001:db8:c::", 64, lld, r0, X_RTF_GATEWAY) == 0,
		    "R: 2001:db8:c::/64 via D's link-local");
		sw(a);
		x6_route(X_RTM_DELETE, "::", 0, NULL, 0, 0);
		ok(x6_route(X_RTM_ADD, "::", 0, llr0, x_ifindex("shmif0"), X_RTF_GATEWAY) == 0,
		    "A: default route via R's link-local");
		{
			struct { int64_t s; long ns; } ts = { 2, 0 };
			int rump___sysimpl_nanosleep50(const void *, void *);
			rump___sysimpl_nanosleep50(&ts, NULL);	/* D's DAD */
		}
		x_rcvtimeo(s, 5000000);
		{
			int rts = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0), seen = 0;
			uint8_t m[512];
			ok(x6_ping(s, "2001:db8:c::4", 0, 8, 64, NULL) == 129,
			    "ping6 D's far address: through R and back out to D");
			while ((n = rump_sys_recvfrom(rts, m, sizeof(m), X_MSG_DONTWAIT, NULL, NULL)) > 0)
				if (n >= 4 && m[3] == 6 /* RTM_REDIRECT */)
					seen = 1;
			ok(seen, "the redirect was announced on the routing socket (RTM_REDIRECT)");
			rump_sys_close(rts);
		}
		(void)la;
		{
			uint8_t buf[512];
			struct x_rt_msghdr *h = (struct x_rt_msghdr *)buf;
			struct x_sin6 q = x_sin6("2001:db8:c::4", 0, 0), *g;
			int rs = rump_sys_socket(X_PF_ROUTE, X_SOCK_RAW, 0);
			char t[64] = "";
			memset(buf, 0, sizeof(buf));
			h->version = 4, h->type = X_RTM_GET, h->addrs = X_RTA_DST, h->seq = 9;
			memcpy(buf + sizeof(*h), &q, 28);
			h->msglen = (uint16_t)(sizeof(*h) + 32);
			rump_sys_write(rs, buf, h->msglen);
			n = rump_sys_read(rs, buf, sizeof(buf));
			g = (struct x_sin6 *)(buf + sizeof(*h) + 32);
			if (n > (ssize_t)sizeof(*h) + 64 && g->family == X_AF_INET6)
				inet_ntop(AF_INET6, g->addr, t, sizeof(t));
			ok(strcmp(t, lld) == 0 && (h->flags & X_RTF_HOST),
			    "after R's redirect A's route to 2001:db8:c::4 is a host route via D "
			    "(%s)", t);
			rump_sys_close(rs);
		}
		ok(x6_ping(s, "2001:db8:c::4", 0, 9, 64, NULL) == 129, "and it works");
		rumpus_kernel_destroy(d);
	}

	sw(a);
	rump_sys_close(s);
	rump_sys_close(ua);
	sw(b);
	rump_sys_close(ub);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);
	return tap_done();
}
