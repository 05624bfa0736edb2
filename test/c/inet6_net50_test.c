/*
 * inet6_net50_test.c: the 50-kernel network of inet_net50_test over IPv6 and IPv4 at once
 * (dual stack, virtual clock): a core bus with 10 routers (2001:db8:ff::<i+1>, 10.0.0.<i+1>),
 * each also on its leaf bus with 4 hosts (2001:db8:<i+1>::<j+1>/64, 10.<i+1>.0.<j+1>/24);
 * hosts route by default through their router, routers statically to every other leaf.
 * Every kernel pings every other one over IPv6 (2450 exchanges, up to three hops each
 * way, neighbour discovery on the way), and a sample over IPv4; no leaks.
 */
#include "tap.h"
#include "inet6_nb.h"

struct nb_ts { int64_t sec; long nsec; };
int rump___sysimpl_nanosleep50(const struct nb_ts *, struct nb_ts *);

static int
build(struct rumpus_kernel *k[NET50_N], char addr[NET50_N][40])
{
	char a[40], a4[32], bus[32], gw[40], dst[40];
	int i, j, e, one = 1;

	for (i = 0; i < 10; i++) {
		snprintf(bus, sizeof(bus), "leaf6_%d", i);
		for (j = 0; j < 5; j++) {
			int n = i * 5 + j;
			if ((k[n] = x6_boot()) == NULL)
				return X_EINVAL;
			rumpus_kernel_switch(k[n]);
			snprintf(a, sizeof(a), "2001:db8:%x::%x", i + 1, j + 1);
			snprintf(a4, sizeof(a4), "10.%d.0.%d", i + 1, j + 1);
			if ((e = x_ifconfig("shmif0", bus, a4, 24)) != 0 ||
			    (e = x6_addr("shmif0", a, 64, 0)) != 0)
				return e;
			if (j == 0) {
				snprintf(addr[n], 40, "2001:db8:ff::%x", i + 1);
				snprintf(a4, sizeof(a4), "10.0.0.%d", i + 1);
				if ((e = x_ifconfig("shmif1", "core6", a4, 24)) != 0 ||
				    (e = x6_addr("shmif1", addr[n], 64, 0)) != 0)
					return e;
				if ((e = x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one)) != 0 ||
				    (e = x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one)) != 0)
					return e;
			} else {
				snprintf(addr[n], 40, "%s", a);
				snprintf(gw, sizeof(gw), "2001:db8:%x::1", i + 1);
				if ((e = x6_route(X_RTM_ADD, "::", 0, gw, 0, X_RTF_GATEWAY)) != 0)
					return e;
				snprintf(gw, sizeof(gw), "10.%d.0.1", i + 1);
				if ((e = x_route(X_RTM_ADD, "0.0.0.0", 0, gw, X_RTF_GATEWAY, NULL, 0)) != 0)
					return e;
			}
		}
	}
	for (i = 0; i < 10; i++) {
		rumpus_kernel_switch(k[i * 5]);
		for (j = 0; j < 10; j++) {
			if (j == i)
				continue;
			snprintf(dst, sizeof(dst), "2001:db8:%x::", j + 1);
			snprintf(gw, sizeof(gw), "2001:db8:ff::%x", j + 1);
			if ((e = x6_route(X_RTM_ADD, dst, 64, gw, 0, X_RTF_GATEWAY)) != 0)
				return e;
		}
	}
	return x_net50_routes4(k);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k[NET50_N];
	char addr[NET50_N][40];
	int i, j, e, bad = 0, bad4 = 0, pairs = 0, s;

	rumpus_memstats(&m0);
	rumpus_clock_virtual(1);
	memset(k, 0, sizeof(k));
	e = build(k, addr);
	ok(e == 0, "50 dual-stack kernels, 11 buses, IPv6 and IPv4 routes (%d)", e);
	{
		struct nb_ts ts = { 2, 0 };
		rump___sysimpl_nanosleep50(&ts, NULL);	/* DAD */
	}
	for (i = 0; i < NET50_N && e == 0; i++) {
		rumpus_kernel_switch(k[i]);
		s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
		x_rcvtimeo(s, 2000000);
		for (j = 0; j < NET50_N; j++) {
			int t;
			if (j == i)
				continue;
			pairs++;
			t = x6_ping(s, addr[j], 0, (uint16_t)(i * 64 + j), 32, NULL);
			if (t != 129 && bad++ < 5)
				diag("%s -> %s: %d", addr[i], addr[j], t);
		}
		rump_sys_close(s);
		/* IPv4 beside it: this kernel to the next one's leaf or core address */
		s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
		x_rcvtimeo(s, 2000000);
		{
			char a4[32];
			int n = (i + 7) % NET50_N;
			if (n % 5 == 0)
				snprintf(a4, sizeof(a4), "10.0.0.%d", n / 5 + 1);
			else
				snprintf(a4, sizeof(a4), "10.%d.0.%d", n / 5 + 1, n % 5 + 1);
			if (x_ping(s, a4, 1, (uint16_t)i, NULL, NULL) != 0)
				bad4++;
		}
		rump_sys_close(s);
	}
	ok(e == 0 && bad == 0 && pairs == 2450,
	    "every pair reaches every other over IPv6 (%d of %d failed)", bad, pairs);
	ok(e == 0 && bad4 == 0, "and IPv4 works beside it (%d of 50 failed)", bad4);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < NET50_N; i++)
		if (k[i] != NULL && rumpus_kernel_destroy(k[i]) != 0)
			bad++;
	ok(bad == 0, "all destroyed");
	rumpus_clock_virtual(0);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
