/*
 * inet_bench.c: network figures from C (interfaces, buses, IPv4), medians (docs/bench.md).
 *   - packets per second through a router kernel (A -> R -> B, 64-byte UDP, one thread):
 *     the median of short batches;
 *   - time to build the 50-kernel, 11-bus network of inet_net50_test (boot, ioctls,
 *     routes) and to destroy it, median of NET_RUNS, and the memory each kernel holds there.
 * The UDP round trip between two kernels is in bench/udp_rtt.lua, beside Linux's in the
 * same process.
 */
#include <stdlib.h>
#include <time.h>

#include "inet_nb.h"
#include "bench.h"

static int
udp_bound(const char *addr, int port)
{
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	struct x_sin sin = x_sin(addr, port);

	rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin));
	return s;
}

int
main(void)
{
	enum { PPS_ROUNDS = 41, PPS_N = 256, BATCH = 32, NET_RUNS = 21 };
	uint64_t pps[PPS_ROUNDS], nb[NET_RUNS], nd[NET_RUNS], med;
	struct rumpus_kernel *a, *r, *b, *k[NET50_N];
	char addr[NET50_N][16], buf[128], msg[64];
	struct x_sin to_b;
	int sa, sb, i, j, one = 1;
	uint64_t t0, t1, mem = 0;
	int round;

	memset(msg, 'm', sizeof(msg));

	/* 1. through a router */
	a = x_boot(), r = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	x_ifconfig("shmif0", "bl", "10.41.1.2", 24);
	x_route(X_RTM_ADD, "0.0.0.0", 0, "10.41.1.1", X_RTF_GATEWAY, NULL, 0);
	sa = udp_bound("0.0.0.0", 0);
	rumpus_kernel_switch(r);
	x_ifconfig("shmif0", "bl", "10.41.1.1", 24);
	x_ifconfig("shmif1", "br", "10.41.2.1", 24);
	x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	rumpus_kernel_switch(b);
	x_ifconfig("shmif0", "br", "10.41.2.2", 24);
	x_route(X_RTM_ADD, "0.0.0.0", 0, "10.41.2.1", X_RTF_GATEWAY, NULL, 0);
	sb = udp_bound("0.0.0.0", 3333);
	to_b = x_sin("10.41.2.2", 3333);
	printf("== IPv4 from C: a router kernel, the 50-kernel network (medians)\n");
	for (round = -2; round < PPS_ROUNDS; round++) {
		t0 = now_ns();
		for (i = 0; i < PPS_N; i += BATCH) {
			rumpus_kernel_switch(a);
			for (j = 0; j < BATCH; j++)
				rump_sys_sendto(sa, msg, 64, 0, (struct sockaddr *)&to_b, sizeof(to_b));
			rumpus_kernel_switch(b);
			for (j = 0; j < BATCH; j++)
				if (rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != 64 &&
				    rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL) != 64)
					return printf("inet_bench: router lost a datagram\n"), 1;
		}
		if (round >= 0)
			pps[round] = now_ns() - t0;
	}
	qsort(pps, PPS_ROUNDS, sizeof(pps[0]), cmp64);
	med = pps[PPS_ROUNDS / 2];
	printf("  %-58s %10.0f pkt/s  (%.3f us per packet end to end)\n",
	    "64-byte UDP through a router kernel, A -> R -> B, one thread", PPS_N / (med / 1e9),
	    med / 1e3 / PPS_N);
	printf("@fig\tinet.C.router\t64-byte UDP through a router kernel (A -> R -> B), one thread, C\t%.17g\tpkt/s\t\n",
	    PPS_N / (med / 1e9));
	printf("@cmp\tinet.C.router\t-\tmedian of batches of %d packets\n", PPS_N);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(b);

	/* 2. the 50-kernel network */
	for (i = 0; i < NET_RUNS; i++) {
		t0 = now_ns();
		if (x_net50_build(k, addr) != 0)
			return printf("inet_bench: building the network failed\n"), 1;
		t1 = now_ns();
		nb[i] = t1 - t0;
		if (i == 0)
			for (j = 0; j < NET50_N; j++)
				mem += rumpus_kernel_memused(k[j]);
		for (j = 0; j < NET50_N; j++)
			rumpus_kernel_destroy(k[j]);
		nd[i] = now_ns() - t1;
	}
	qsort(nb, NET_RUNS, sizeof(nb[0]), cmp64);
	qsort(nd, NET_RUNS, sizeof(nd[0]), cmp64);
	printf("  %-58s %10.3f ms   (destroy %.3f ms, median of %d)\n",
	    "build the 50-kernel, 11-bus routed network of inet_net50_test", nb[NET_RUNS / 2] / 1e6,
	    nd[NET_RUNS / 2] / 1e6, NET_RUNS);
	printf("@fig\tinet.C.net50\tbuild the 50-kernel, 11-bus network of inet_net50_test from C\t%.17g\tms\tdestroy %.3f ms\n",
	    nb[NET_RUNS / 2] / 1e6, nd[NET_RUNS / 2] / 1e6);
	printf("@cmp\tinet.C.net50\t-\tmedian of %d builds (not the topology of rump.net.line)\n", NET_RUNS);
	printf("  %-58s %10.1f KiB\n", "memory of a configured kernel in that network (average)",
	    mem / 1024.0 / NET50_N);
	return 0;
}
