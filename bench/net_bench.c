/*
 * bench/net_bench.c: figures for the socket layer and AF_UNIX.  Each figure is the median
 * of ROUNDS short batches of N operations (a few hundred microseconds each, so that most
 * run unpreempted on a shared machine), timed with CLOCK_MONOTONIC, in ns per operation:
 * boot+destroy of a base kernel and of one with net.local, the bytes net.local adds to
 * an idle kernel, socketpair+close, a 1-byte write+read on a stream pair, a 64-byte
 * datagram send+recv, and stream throughput with 4 KiB writes and reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"
#include "bench.h"

#define ROUNDS	31

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const char *comps_net[] = { "net.local", NULL };
static int sv[2];
static char buf[4096];

static void
die(const char *what)
{
	fprintf(stderr, "net_bench: %s failed\n", what);
	exit(1);
}

static void
op_boot_base(void)
{
	struct rumpus_kernel *k = rumpus_kernel_create(NULL, NULL, NULL);

	if (k == NULL)
		die("create");
	rumpus_kernel_destroy(k);
}

static void
op_boot_net(void)
{
	struct rumpus_kernel *k = rumpus_kernel_create(comps_net, NULL, NULL);

	if (k == NULL)
		die("create net.local");
	rumpus_kernel_destroy(k);
}

static void
op_socketpair(void)
{
	int p[2];

	if (rump_sys_socketpair(1, 1, 0, p) != 0)
		die("socketpair");
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

static void
op_stream1(void)
{
	if (rump_sys_write(sv[0], "x", 1) != 1 || rump_sys_read(sv[1], buf, 1) != 1)
		die("stream 1 byte");
}

static void
op_dgram64(void)
{
	if (rump_sys_sendto(sv[0], buf, 64, 0, NULL, 0) != 64 ||
	    rump_sys_recvfrom(sv[1], buf, 64, 0, NULL, NULL) != 64)
		die("dgram 64 bytes");
}

static void
op_stream4k(void)
{
	if (rump_sys_write(sv[0], buf, 4096) != 4096 || rump_sys_read(sv[1], buf, 4096) != 4096)
		die("stream 4 KiB");
}

static double
op_median(void (*op)(void), int n)
{
	double t[ROUNDS], t0;
	int r, i;

	for (i = 0; i < n; i++)		/* warm up */
		op();
	for (r = 0; r < ROUNDS; r++) {
		t0 = now();
		for (i = 0; i < n; i++)
			op();
		t[r] = (now() - t0) / n;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmpd);
	return t[ROUNDS / 2];
}

int
main(void)
{
	struct rumpus_kernel *k0, *k;
	double t;
	int one = 4096;

	printf("== the socket layer and AF_UNIX from C: median of %d batches, ns per operation\n", ROUNDS);
	printf("  %-36s %10.0f\n", "boot+destroy, base kernel", op_median(op_boot_base, 500));
	printf("  %-36s %10.0f\n", "boot+destroy, with net.local", op_median(op_boot_net, 500));
	k0 = rumpus_kernel_create(NULL, NULL, NULL);
	k = rumpus_kernel_create(comps_net, NULL, NULL);
	printf("  %-36s %10zu\n", "bytes net+net.local add (idle)",
	    rumpus_kernel_memused(k) - rumpus_kernel_memused(k0));
	rumpus_kernel_destroy(k0);
	rumpus_kernel_switch(k);
	printf("  %-36s %10.0f\n", "socketpair + 2 close", op_median(op_socketpair, 500));
	if (rump_sys_socketpair(1, 1, 0, sv) != 0)
		die("socketpair");
	printf("  %-36s %10.0f\n", "stream write+read 1 byte", op_median(op_stream1, 2000));
	/* throughput with a buffer that holds one 4 KiB write */
	rump_sys_setsockopt(sv[0], 0xffff, 0x1001, &one, sizeof(one));
	t = op_median(op_stream4k, 1000);
	printf("  %-36s %10.0f  (%.0f MB/s)\n", "stream write+read 4 KiB", t, 4096 / t * 1e3);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	if (rump_sys_socketpair(1, 2, 0, sv) != 0)
		die("socketpair dgram");
	printf("  %-36s %10.0f\n", "dgram send+recv 64 bytes", op_median(op_dgram64, 2000));
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	return 0;
}
