/*
 * impair_bench.c: what impairments cost (docs/net.md, "Impaired links"), in the same
 * process, in interleaved batches (docs/bench.md), medians:
 *   - a 64-byte unicast frame between two ports of a bus (no kernel: bus_xmit to a port
 *     that counts it): the bus as it is (no impairment anywhere: the fast path), with an
 *     impairment on the bus that applies to another port only (the impaired path with
 *     nothing to do for this frame), and with 1% loss applied to it;
 *   - a 64-byte UDP datagram from kernel A to kernel B on one bus, sent and received by one
 *     thread: no impairment against an impairment for another port.
 * Built against a rumpus.h without impairments, only the unimpaired rows run: the same program measures the fast path before and after.
 */
#include <stdlib.h>
#include <time.h>

#include "inet_nb.h"
#include "net/bus.h"
#include "bench.h"

#ifdef RUMPUS_LOSS_RANDOM
#define HAVE_IMPAIR	1
#else		/* an older rumpus.h: the unimpaired rows only */
#define HAVE_IMPAIR	0
struct rumpus_impair { double loss; };
static int rumpus_bus_impair(const char *b, const uint8_t *m, const struct rumpus_impair *i)
{ (void)b, (void)m, (void)i; return 0; }
#endif

static void
rx(struct bus_port *bp, const void *frame, size_t len)
{
	(void)frame, (void)len;
	(*(volatile long *)bp->bp_arg)++;
}

static struct bus_port pa, pb;
static volatile long got;

static double
frames(int n)
{
	uint8_t f[64] = { 0 };
	uint64_t t0;
	int i;

	memcpy(f, pb.bp_mac, 6);
	memcpy(f + 6, pa.bp_mac, 6);
	f[12] = 0x08;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		bus_xmit(&pa, f, sizeof(f));
	return (double)(now_ns() - t0) / n;
}

static struct rumpus_kernel *ka, *kb;
static int sa, sb;

static double
datagrams(int n)
{
	char msg[64], buf[128];
	struct x_sin to = x_sin("10.98.0.2", 7000);
	uint64_t t0 = now_ns();

	memset(msg, 'u', sizeof(msg));
	for (int i = 0; i < n; i++) {
		rumpus_kernel_switch(ka);
		if (rump_sys_sendto(sa, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) != 64)
			return -1;
		rumpus_kernel_switch(kb);
		if (rump_sys_recvfrom(sb, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != 64)
			return -1;
	}
	rumpus_kernel_switch(NULL);
	return (double)(now_ns() - t0) / n;
}

enum { ROUNDS = 31, FB = 20000, DB = 2000 };

int
main(void)
{
	static const uint8_t other[6] = { 0xb2, 0xa0, 0x7e, 0, 0, 0x99 };
	struct rumpus_impair none, elsewhere, loss;
	double f0[ROUNDS], f1[ROUNDS], f2[ROUNDS], d0[ROUNDS], d1[ROUNDS];
	struct x_sin me = x_sin("0.0.0.0", 7000);
	int r, imp = HAVE_IMPAIR;
	char dummy[64];

	memset(&none, 0, sizeof(none));
	elsewhere = none, loss = none;
	elsewhere.loss = 1;		/* for a MAC that never sends here */
	loss.loss = 0.01;
	pa.bp_rx = pb.bp_rx = rx;
	pa.bp_arg = pb.bp_arg = (void *)&got;
	bus_port_set(&pa, (const uint8_t[6]){ 0xb2, 0xa0, 0x7e, 0, 0, 1 }, 0);
	bus_port_set(&pb, (const uint8_t[6]){ 0xb2, 0xa0, 0x7e, 0, 0, 2 }, 0);
	if (bus_attach("impbench", &pa) != 0 || bus_attach("impbench", &pb) != 0)
		return printf("impair_bench: attach failed\n"), 1;
	ka = x_boot(), kb = x_boot();
	rumpus_kernel_switch(ka);
	if (x_ifconfig("shmif0", "impbench2", "10.98.0.1", 24) != 0)
		return printf("impair_bench: ifconfig failed\n"), 1;
	sa = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rumpus_kernel_switch(kb);
	if (x_ifconfig("shmif0", "impbench2", "10.98.0.2", 24) != 0)
		return printf("impair_bench: ifconfig failed\n"), 1;
	sb = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rump_sys_bind(sb, (struct sockaddr *)&me, sizeof(me));
	rumpus_kernel_switch(ka);
	{
		struct x_sin to = x_sin("10.98.0.2", 7000);
		rump_sys_sendto(sa, "arp", 3, 0, (struct sockaddr *)&to, sizeof(to));
	}
	rumpus_kernel_switch(kb);
	x_rcvtimeo(sb, 1000000);
	rump_sys_recvfrom(sb, dummy, sizeof(dummy), 0, NULL, NULL);
	rumpus_kernel_switch(NULL);
	frames(FB);
	if (datagrams(DB) < 0)
		return printf("impair_bench: datagrams failed\n"), 1;
	for (r = 0; r < ROUNDS; r++) {
		if (imp)
			rumpus_bus_impair("impbench", NULL, NULL);
		f0[r] = frames(FB);
		if (imp) {
			rumpus_bus_impair("impbench", other, &elsewhere);
			f1[r] = frames(FB);
			rumpus_bus_impair("impbench", other, NULL);
			rumpus_bus_impair("impbench", NULL, &loss);
			f2[r] = frames(FB);
			rumpus_bus_impair("impbench", NULL, NULL);
		}
		if (imp)
			rumpus_bus_impair("impbench2", NULL, NULL);
		d0[r] = datagrams(DB);
		if (imp) {
			rumpus_bus_impair("impbench2", other, &elsewhere);
			d1[r] = datagrams(DB);
			rumpus_bus_impair("impbench2", other, NULL);
		}
	}
	printf("== impairments on a bus (medians of %d interleaved batches)\n", ROUNDS);
	printf("  %-62s %9.1f ns\n", "64-byte frame, port to port, no impairment", median(f0, ROUNDS));
	printf("@fig\tbus.impair.none\t64-byte frame between two ports of a bus (no kernel), no impairment\t%.17g\tns\t\n",
	    median(f0, ROUNDS));
	if (imp) {
		printf("  %-62s %9.1f ns\n", "the same, an impairment on for another port", median(f1, ROUNDS));
		printf("  %-62s %9.1f ns\n", "the same, 1% loss applied", median(f2, ROUNDS));
		printf("@fig\tbus.impair.other\tthe same with an impairment on the bus for another port\t%.17g\tns\t\n",
		    median(f1, ROUNDS));
		printf("@fig\tbus.impair.loss\tthe same with 1%% loss applied to it\t%.17g\tns\t\n",
		    median(f2, ROUNDS));
		printf("@cmp\tbus.impair.other\tbus.impair.none\tsame process, interleaved batches of %d frames\n", FB);
	}
	printf("  %-62s %9.3f us\n", "64-byte UDP datagram A -> B, one thread, no impairment",
	    median(d0, ROUNDS) / 1000);
	printf("@fig\tbus.impair.udp\t64-byte UDP datagram between two kernels, one thread, no impairment\t%.17g\tus\t\n",
	    median(d0, ROUNDS) / 1000);
	if (imp) {
		printf("  %-62s %9.3f us\n", "the same, an impairment on for another port",
		    median(d1, ROUNDS) / 1000);
		printf("@fig\tbus.impair.udp.other\tthe same with an impairment on the bus for another port\t%.17g\tus\t\n",
		    median(d1, ROUNDS) / 1000);
		printf("@cmp\tbus.impair.udp.other\tbus.impair.udp\tsame process, interleaved batches of %d datagrams\n", DB);
	}
	bus_detach(&pa);
	bus_detach(&pb);
	rumpus_kernel_destroy(ka);
	rumpus_kernel_destroy(kb);
	return 0;
}
