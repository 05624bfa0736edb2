/*
 * inet6_bench.c: the UDP round trip between two kernels on a bus over IPv6, beside the
 * same over IPv4 in the same process and run (docs/bench.md): one thread, 64-byte
 * datagrams, A sends, B echoes, A receives; short batches of each family interleaved,
 * p50 and p99 of the per-round-trip times of the batches.
 */
#include <stdlib.h>
#include <time.h>

#include "inet6_nb.h"
#include "bench.h"

enum { ROUNDS = 61, BATCH = 200 };

/* One batch of BATCH round trips: ns per round trip, 0 if a datagram was lost. */
static uint64_t
batch(struct rumpus_kernel *a, struct rumpus_kernel *b, int sa, int sb, const void *to,
    unsigned tolen)
{
	char msg[64], buf[128];
	uint8_t from[32];
	socklen_t fl;
	uint64_t t0 = now_ns();
	int i;

	memset(msg, 'r', sizeof(msg));
	for (i = 0; i < BATCH; i++) {
		rumpus_kernel_switch(a);
		if (rump_sys_sendto(sa, msg, sizeof(msg), 0, to, tolen) != sizeof(msg))
			return 0;
		rumpus_kernel_switch(b);
		fl = sizeof(from);
		if (rump_sys_recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)from, &fl) != 64)
			return 0;
		if (rump_sys_sendto(sb, buf, 64, 0, (struct sockaddr *)from, fl) != 64)
			return 0;
		rumpus_kernel_switch(a);
		if (rump_sys_recvfrom(sa, buf, sizeof(buf), 0, NULL, NULL) != 64)
			return 0;
	}
	return (now_ns() - t0) / BATCH;
}

int
main(void)
{
	uint64_t v4[ROUNDS], v6[ROUNDS];
	struct rumpus_kernel *a, *b;
	struct x_sin to4, any4;
	struct x_sin6 to6, any6;
	int a4, b4, a6, b6, r;

	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(b);
	x_ifconfig("shmif0", "rtt6", "10.66.0.2", 24);
	x6_addr("shmif0", "2001:db8:66::2", 64, X_IN6_IFF_NODAD);
	b4 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	any4 = x_sin("0.0.0.0", 7);
	rump_sys_bind(b4, (struct sockaddr *)&any4, sizeof(any4));
	b6 = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	any6 = x_sin6("::", 7, 0);
	rump_sys_bind(b6, (struct sockaddr *)&any6, sizeof(any6));
	x_rcvtimeo(b4, 2000000), x_rcvtimeo(b6, 2000000);
	rumpus_kernel_switch(a);
	x_ifconfig("shmif0", "rtt6", "10.66.0.1", 24);
	x6_addr("shmif0", "2001:db8:66::1", 64, X_IN6_IFF_NODAD);
	a4 = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	a6 = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	x_rcvtimeo(a4, 2000000), x_rcvtimeo(a6, 2000000);
	to4 = x_sin("10.66.0.2", 7);
	to6 = x_sin6("2001:db8:66::2", 7, 0);
	/* warm up: ARP and ND resolved, caches filled */
	batch(a, b, a4, b4, &to4, sizeof(to4));
	batch(a, b, a6, b6, &to6, sizeof(to6));
	for (r = 0; r < ROUNDS; r++) {
		if (r & 1) {
			v6[r] = batch(a, b, a6, b6, &to6, sizeof(to6));
			v4[r] = batch(a, b, a4, b4, &to4, sizeof(to4));
		} else {
			v4[r] = batch(a, b, a4, b4, &to4, sizeof(to4));
			v6[r] = batch(a, b, a6, b6, &to6, sizeof(to6));
		}
		if (v4[r] == 0 || v6[r] == 0)
			return printf("inet6_bench: a datagram was lost\n"), 1;
	}
	qsort(v4, ROUNDS, sizeof(v4[0]), cmp64);
	qsort(v6, ROUNDS, sizeof(v6[0]), cmp64);
	printf("== UDP round trip between two kernels on a bus, IPv6 beside IPv4 (one thread)\n");
	printf("  %-58s %8.2f us  p99 %8.2f us\n", "IPv6, 64-byte UDP round trip (p50 of batches)",
	    v6[ROUNDS / 2] / 1e3, v6[ROUNDS * 99 / 100] / 1e3);
	printf("  %-58s %8.2f us  p99 %8.2f us\n", "IPv4, the same, interleaved (baseline)",
	    v4[ROUNDS / 2] / 1e3, v4[ROUNDS * 99 / 100] / 1e3);
	printf("@fig\tinet6.C.udp_rtt\tUDP round trip over IPv6 between two kernels, 64 bytes, C\t%.17g\tus\tp99 %.2f us\n",
	    v6[ROUNDS / 2] / 1e3, v6[ROUNDS * 99 / 100] / 1e3);
	printf("@fig\tinet6.C.udp_rtt.v4\tthe same over IPv4 (baseline, same run)\t%.17g\tus\tp99 %.2f us\n",
	    v4[ROUNDS / 2] / 1e3, v4[ROUNDS * 99 / 100] / 1e3);
	printf("@cmp\tinet6.C.udp_rtt\tinet6.C.udp_rtt.v4\tsame process, interleaved batches of %d round trips, p50 of %d\n",
	    BATCH, ROUNDS);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	return 0;
}
