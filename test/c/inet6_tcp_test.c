/*
 * inet6_tcp_test.c: TCP over IPv6 (net.netinet's TCP through net.netinet6's tcp6.c):
 * connect, accept, getsockname/getpeername with sockaddr_in6, data both ways, a
 * connection over a link-local address with its scope, loopback ::1, an IPv4 and an
 * IPv6 listener on the same port each taking its own family, a closed port (RST:
 * ECONNREFUSED), bad addresses, 1 MB through a router whose far link has MTU 1280 (the
 * packet too big lowers the MSS), closes, and no memory left.
 */
#include "tap.h"
#include "tcp_nb.h"
#include "inet6_nb.h"

struct nb_ts { int64_t sec; long nsec; };

static int
listen6(const char *addr, int port, unsigned scope)
{
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	struct x_sin6 sin6 = x_sin6(addr, port, scope);

	if (s < 0 || rump_sys_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    rump_sys_listen(s, 5) < 0)
		return -errno;
	return s;
}

static int
connect6(const char *addr, int port, unsigned scope)
{
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	struct x_sin6 sin6 = x_sin6(addr, port, scope);

	if (s < 0)
		return -errno;
	if (rump_sys_connect(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		int e = errno;
		rump_sys_close(s);
		return -e;
	}
	return s;
}

static const char *
ntop(const struct x_sin6 *s, char *buf)
{
	inet_ntop(AF_INET6, s->addr, buf, 64);
	return buf;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b, *r;
	struct x_sin6 name;
	socklen_t nl;
	char buf[4096], t[64], lla[64];
	static char big[1 << 20], got[1 << 20];
	int ls, cs, as, l4, v, one = 1;
	unsigned ia;
	ssize_t n;
	size_t off;

	rumpus_memstats(&m0);
	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(a);
	v = x_ifconfig("shmif0", "tcp6bus", "10.6.0.1", 24) |
	    x6_addr("shmif0", "2001:db8:6::1", 64, X_IN6_IFF_NODAD);
	ia = x_ifindex("shmif0");
	rumpus_kernel_switch(b);
	v |= x_ifconfig("shmif0", "tcp6bus", "10.6.0.2", 24) |
	    x6_addr("shmif0", "2001:db8:6::2", 64, X_IN6_IFF_NODAD);
	x_lladdr6("shmif0", lla, sizeof(lla));
	ok(v == 0, "A and B, dual stack, on tcp6bus");
	{
		struct nb_ts ts = { 1, 500000000 };
		int rump___sysimpl_nanosleep50(const struct nb_ts *, struct nb_ts *);
		rump___sysimpl_nanosleep50(&ts, NULL);	/* the link-local addresses' DAD */
	}

	ls = listen6("::", 80, 0);
	ok(ls >= 0, "B listens on [::]:80");
	l4 = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	{
		struct x_sin sin = x_sin("0.0.0.0", 80);
		ok(rump_sys_bind(l4, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    rump_sys_listen(l4, 5) == 0, "and on 0.0.0.0:80 (IPv4 and IPv6 share no pcb)");
	}
	rumpus_kernel_switch(a);
	cs = connect6("2001:db8:6::2", 80, 0);
	ok(cs >= 0, "A connects to [2001:db8:6::2]:80 (%d)", cs);
	nl = sizeof(name);
	v = rump_sys_getsockname(cs, (struct sockaddr *)&name, &nl);
	ok(v == 0 && nl == 28 && name.family == X_AF_INET6 &&
	    strcmp(ntop(&name, t), "2001:db8:6::1") == 0 && ntohs(name.port) >= 49152,
	    "getsockname: [%s]:%d", t, ntohs(name.port));
	nl = sizeof(name);
	v = rump_sys_getpeername(cs, (struct sockaddr *)&name, &nl);
	ok(v == 0 && strcmp(ntop(&name, t), "2001:db8:6::2") == 0 && ntohs(name.port) == 80,
	    "getpeername: [%s]:80", t);
	ok(rump_sys_write(cs, "hello over six", 14) == 14, "A writes");
	rumpus_kernel_switch(b);
	nl = sizeof(name);
	as = rump_sys_accept(ls, (struct sockaddr *)&name, &nl);
	ok(as >= 0 && nl == 28 && strcmp(ntop(&name, t), "2001:db8:6::1") == 0,
	    "B accepts, the peer is [%s]", t);
	n = rump_sys_read(as, buf, sizeof(buf));
	ok(n == 14 && memcmp(buf, "hello over six", 14) == 0, "B reads what A wrote");
	ok(rump_sys_write(as, "and back", 8) == 8, "B answers");
	rumpus_kernel_switch(a);
	n = rump_sys_read(cs, buf, sizeof(buf));
	ok(n == 8 && memcmp(buf, "and back", 8) == 0, "A reads the answer");
	rump_sys_close(cs);
	rumpus_kernel_switch(b);
	ok(rump_sys_read(as, buf, sizeof(buf)) == 0, "A closed: B reads EOF");
	rump_sys_close(as);

	/* IPv4 to the same port goes to the IPv4 listener */
	rumpus_kernel_switch(a);
	{
		int c4 = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
		struct x_sin sin = x_sin("10.6.0.2", 80);
		ok(rump_sys_connect(c4, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "A connects to 10.6.0.2:80 over IPv4");
		rumpus_kernel_switch(b);
		{
			struct x_pollfd pf[2] = { { ls, X_POLLIN, 0 }, { l4, X_POLLIN, 0 } };
			rump_sys_poll((struct pollfd *)pf, 2, 0);
			ok(!(pf[0].revents & X_POLLIN) && (pf[1].revents & X_POLLIN),
			    "the IPv4 listener has it, the IPv6 one nothing");
		}
		as = rump_sys_accept(l4, NULL, NULL);
		rump_sys_close(as);
		rumpus_kernel_switch(a);
		rump_sys_close(c4);
	}

	/* link-local with a scope id, loopback, errors */
	cs = connect6(lla, 80, ia);
	ok(cs >= 0, "A connects to B's link-local %s%%shmif0", lla);
	nl = sizeof(name);
	v = rump_sys_getsockname(cs, (struct sockaddr *)&name, &nl);
	ok(v == 0 && strncmp(ntop(&name, t), "fe80::", 6) == 0 && name.scope_id == ia,
	    "from A's link-local address %s with scope id %u", t, name.scope_id);
	rumpus_kernel_switch(b);
	nl = sizeof(name);
	as = rump_sys_accept(ls, (struct sockaddr *)&name, &nl);
	ok(as >= 0 && name.scope_id == x_ifindex("shmif0"), "B sees the peer's scope (%u)",
	    name.scope_id);
	rump_sys_close(as);
	rumpus_kernel_switch(a);
	rump_sys_close(cs);
	ok(connect6(lla, 80, 0) == -X_EHOSTUNREACH, "a link-local address without scope: EHOSTUNREACH");
	ok(connect6("2001:db8:6::2", 81, 0) == -X_ECONNREFUSED, "a closed port: RST, ECONNREFUSED");
	ok(connect6("ff02::1", 80, ia) == -X_EADDRNOTAVAIL, "multicast: EADDRNOTAVAIL");
	ok(connect6("::ffff:10.6.0.2", 80, 0) == -X_EINVAL,
	    "a v4-mapped address on an IPV6_V6ONLY socket (the default): EINVAL");
	{
		int l = listen6("::1", 8080, 0), c, x;
		ok(l >= 0, "A listens on [::1]:8080");
		c = connect6("::1", 8080, 0);
		x = rump_sys_accept(l, NULL, NULL);
		ok(c >= 0 && x >= 0 && rump_sys_write(c, "lo", 2) == 2 &&
		    rump_sys_read(x, buf, sizeof(buf)) == 2, "over loopback ::1");
		rump_sys_close(c), rump_sys_close(x), rump_sys_close(l);
		v = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
		{
			struct x_sin e4 = x_sin("240.0.0.1", 0);
			ok(rump_sys_bind(v, (struct sockaddr *)&e4, sizeof(e4)) < 0 &&
			    errno == X_EADDRNOTAVAIL,
			    "an IPv4 TCP bind to class E: EADDRNOTAVAIL");
		}
		rump_sys_close(v);
		v = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
		name = x_sin6("2001:db8:6::99", 0, 0);
		ok(rump_sys_bind(v, (struct sockaddr *)&name, sizeof(name)) < 0 &&
		    errno == X_EADDRNOTAVAIL, "binding an address we lack: EADDRNOTAVAIL");
		rump_sys_close(v);
	}
	rumpus_kernel_switch(b);
	rump_sys_close(ls);
	rump_sys_close(l4);

	/* 1 MB through a router whose far link has MTU 1280 */
	r = x6_boot();
	rumpus_kernel_switch(r);
	v = x_ifconfig("shmif0", "tcp6bus", NULL, 0) | x6_addr("shmif0", "2001:db8:6::3", 64, X_IN6_IFF_NODAD);
	v |= x_ifconfig("shmif1", "tcp6far", NULL, 0) | x6_addr("shmif1", "2001:db8:7::3", 64, X_IN6_IFF_NODAD);
	v |= x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one);
	{
		struct x_ifreq ifr;
		int t2 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif1");
		ifr.u.mtu = 1280;
		v |= rump_sys_ioctl(t2, X_SIOCSIFMTU, &ifr);
		rump_sys_close(t2);
	}
	rumpus_kernel_switch(b);
	{
		struct x_ifreq ifr;
		int t2 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif1");
		v |= x_ifconfig("shmif1", "tcp6far", NULL, 0) |
		    x6_addr("shmif1", "2001:db8:7::2", 64, X_IN6_IFF_NODAD);
		ifr.u.mtu = 1280;
		v |= rump_sys_ioctl(t2, X_SIOCSIFMTU, &ifr);
		rump_sys_close(t2);
	}
	rumpus_kernel_switch(a);
	v |= x6_route(X_RTM_ADD, "2001:db8:7::", 64, "2001:db8:6::3", 0, X_RTF_GATEWAY);
	ok(v == 0, "R between A and B's second link (MTU 1280), A routes through R");
	rumpus_kernel_switch(b);
	ls = listen6("2001:db8:7::2", 9000, 0);
	rumpus_kernel_switch(a);
	cs = connect6("2001:db8:7::2", 9000, 0);
	ok(ls >= 0 && cs >= 0, "A connects to [2001:db8:7::2]:9000 (its SYN|ACK comes back "
	    "directly over B's first link)");
	for (off = 0; off < sizeof(big); off++)
		big[off] = (char)(off * 7 + off / 1000);
	rumpus_kernel_switch(b);
	as = rump_sys_accept(ls, NULL, NULL);
	rumpus_kernel_switch(a);
	{
		size_t sent = 0, recvd = 0;
		int rounds = 0;
		x_setint(cs, X_SOL_SOCKET, X_SO_SNDBUF, 1 << 16);
		while ((sent < sizeof(big) || recvd < sizeof(big)) && rounds++ < 200000) {
			if (sent < sizeof(big)) {
				rumpus_kernel_switch(a);
				n = rump_sys_sendto(cs, big + sent, sizeof(big) - sent > 32768 ?
				    32768 : sizeof(big) - sent, X_MSG_DONTWAIT, NULL, 0);
				if (n > 0)
					sent += (size_t)n;
			}
			rumpus_kernel_switch(b);
			n = rump_sys_recvfrom(as, got + recvd, sizeof(got) - recvd, X_MSG_DONTWAIT,
			    NULL, NULL);
			if (n > 0)
				recvd += (size_t)n;
			else if (n == 0)
				break;
			else {
				struct x_pollfd pf = { as, X_POLLIN, 0 };
				rump_sys_poll((struct pollfd *)&pf, 1, 10);
			}
		}
		ok(recvd == sizeof(big) && memcmp(big, got, sizeof(big)) == 0,
		    "1 MB arrived intact (%zu bytes)", recvd);
	}
	{
		int mss = 0;
		socklen_t ml = sizeof(mss);
		rumpus_kernel_switch(a);
		rump_sys_getsockopt(cs, X_IPPROTO_TCP, X_TCP_MAXSEG, &mss, &ml);
		ok(mss > 0 && mss <= 1280 - 60, "A's MSS came down to the path (%d <= 1220)", mss);
	}
	rump_sys_close(cs);
	rumpus_kernel_switch(b);
	rump_sys_close(as);
	rump_sys_close(ls);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_kernel_destroy(r);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "no memory left");
	return tap_done();
}
