/*
 * inet_bench.c: network figures (interfaces, buses, IPv4).
 *   - UDP round trip of 64 bytes between two kernels on one bus, one host thread doing
 *     both ends (send in A, receive and answer in B, receive in A): median and p99;
 *   - packets per second through a router kernel (A -> R -> B, 64-byte UDP);
 *   - time to build the 50-kernel, 11-bus network of inet_net50_test (boot, ioctls,
 *     routes), to destroy it, and the memory each kernel holds there.
 */
#include <stdlib.h>
#include <time.h>

#include "inet_nb.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

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
	enum { RTT_N = 200000, PPS_N = 400000, BATCH = 32, NET_RUNS = 5 };
	static uint64_t lat[RTT_N];
	struct rumpus_kernel *a, *r, *b, *k[NET50_N];
	char addr[NET50_N][16], buf[128], msg[64];
	struct x_sin to_b, to_a;
	int sa, sb, i, j, one = 1;
	uint64_t t0, t1, build = 0, destroy = 0, mem = 0;

	memset(msg, 'm', sizeof(msg));

	/* 1. round trip */
	a = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	x_ifconfig("shmif0", "benchbus", "10.40.0.1", 24);
	sa = udp_bound("10.40.0.1", 1111);
	rumpus_kernel_switch(b);
	x_ifconfig("shmif0", "benchbus", "10.40.0.2", 24);
	sb = udp_bound("10.40.0.2", 2222);
	to_b = x_sin("10.40.0.2", 2222);
	to_a = x_sin("10.40.0.1", 1111);
	for (i = -1000; i < RTT_N; i++) {
		t0 = now_ns();
		rumpus_kernel_switch(a);
		rump_sys_sendto(sa, msg, 64, 0, (struct sockaddr *)&to_b, sizeof(to_b));
		rumpus_kernel_switch(b);
		/* A frame meets the receiving kernel busy (its timers running on the scheduler
		 * thread) now and then and is queued: then wait for it. */
		if (rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != 64 &&
		    rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL) != 64)
			return printf("inet_bench: round trip lost a datagram\n"), 1;
		rump_sys_sendto(sb, buf, 64, 0, (struct sockaddr *)&to_a, sizeof(to_a));
		rumpus_kernel_switch(a);
		if (rump_sys_recvfrom(sa, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != 64 &&
		    rump_sys_recvfrom(sa, buf, sizeof(buf), 0, NULL, NULL) != 64)
			return printf("inet_bench: round trip lost a reply\n"), 1;
		t1 = now_ns();
		if (i >= 0)
			lat[i] = t1 - t0;
	}
	qsort(lat, RTT_N, sizeof(lat[0]), cmp64);
	printf("net: UDP 64-byte round trip between two kernels on a bus (1 thread): "
	    "median %.3f us, p99 %.3f us (%d trips)\n", lat[RTT_N / 2] / 1e3,
	    lat[RTT_N * 99 / 100] / 1e3, RTT_N);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);

	/* 2. through a router */
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
	t1 = now_ns();
	printf("net: 64-byte UDP through a router kernel (A -> R -> B, 1 thread): %.0f packets/s "
	    "(%.3f us per packet end to end)\n", PPS_N / ((t1 - t0) / 1e9), (t1 - t0) / 1e3 / PPS_N);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(b);

	/* 3. the 50-kernel network */
	for (i = 0; i < NET_RUNS; i++) {
		t0 = now_ns();
		if (x_net50_build(k, addr) != 0)
			return printf("inet_bench: building the network failed\n"), 1;
		t1 = now_ns();
		build += t1 - t0;
		if (i == 0)
			for (j = 0; j < NET50_N; j++)
				mem += rumpus_kernel_memused(k[j]);
		for (j = 0; j < NET50_N; j++)
			rumpus_kernel_destroy(k[j]);
		destroy += now_ns() - t1;
	}
	printf("net: build the 50-kernel, 11-bus routed network: %.3f ms (destroy %.3f ms), "
	    "mean of %d\n", build / 1e6 / NET_RUNS, destroy / 1e6 / NET_RUNS, NET_RUNS);
	printf("net: memory of a configured kernel in that network (net.netinet, shmif, "
	    "addresses, routes): %.1f KiB on average\n",
	    mem / 1024.0 / NET50_N);
	return 0;
}
