/*
 * inet_net50_test.c: 50 kernels on 11 buses (a core and ten leaves) with static routes:
 * every kernel pings every other one (2450 echo exchanges, up to three hops each way).
 */
#include "tap.h"
#include "inet_nb.h"

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k[NET50_N];
	char addr[NET50_N][16];
	int i, j, e, bad = 0, pairs = 0, s;
	uint32_t from = 0;

	rumpus_memstats(&m0);
	memset(k, 0, sizeof(k));
	e = x_net50_build(k, addr);
	ok(e == 0, "50 kernels, 11 buses, routes configured (%d)", e);
	for (i = 0; i < NET50_N && e == 0; i++) {
		rumpus_kernel_switch(k[i]);
		s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
		x_rcvtimeo(s, 2000000);
		for (j = 0; j < NET50_N; j++) {
			if (j == i)
				continue;
			pairs++;
			int t = x_ping(s, addr[j], (uint16_t)i, (uint16_t)j, &from, NULL);
			if (t != 0 || from != x_ip(addr[j])) {
				if (bad++ < 5)
					diag("%s -> %s: %d", addr[i], addr[j], t);
			}
		}
		rump_sys_close(s);
	}
	ok(e == 0 && bad == 0 && pairs == 2450, "every pair reaches every other (%d of %d failed)",
	    bad, pairs);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < NET50_N; i++)
		if (k[i] != NULL && rumpus_kernel_destroy(k[i]) != 0)
			bad++;
	ok(bad == 0, "all destroyed");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
