/*
 * bus_bench.c: a 1,000-kernel bus from C (issue 16), the switching bus against the hub
 * it was (bus_set_switch(bus, 0): every frame enters every kernel), in the same process,
 * in interleaved batches (docs/bench.md):
 *   - all to one: kernels 1..999 in turn send a 64-byte UDP datagram to kernel 0, which
 *     receives them in batches of 32 (ARP resolved beforehand); time per datagram; and
 *     the same loop with one sender (kernel 1 every time, its lines in the CPU's caches):
 *     the difference is what the 999 senders' cold cache lines cost (docs/netinet.md);
 *   - first contact: kernel c sends a datagram to a kernel t it has never talked to (an
 *     ARP request to every kernel, the reply, the datagram) and t receives it; a fresh
 *     pair for every contact; time per contact, median and p99.
 * First contact is also measured on the switching bus without ARP suppression
 * (bus_set_arpfilter 0: the request enters every kernel), the baseline of suppression.
 * One thread throughout (the sending thread runs each receiving kernel's input inline).
 */
#include <stdlib.h>
#include <time.h>

#include "inet_nb.h"
#include "net/bus.h"
#include "bench.h"

#define BUS	"bus_bench"

static double
quantile(double *v, int n, double q)
{
	int i = (int)(q * (n - 1) + 0.5);

	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return v[i < n ? i : n - 1];
}

enum { N = 1000, PORT = 7777, A2O_BATCH = 32, FC_BATCH = 4 };
static struct rumpus_kernel *k[N];
static int fd[N];
static struct x_sin addr[N];

/* kernels 1..999 in turn, `n` datagrams to kernel 0, received in batches */
static int a2o_next = 1;
static int
all_to_one(int n, int one)
{
	char msg[64], buf[128];
	int i, j, c;

	memset(msg, 'a', sizeof(msg));
	for (i = 0; i < n; i += A2O_BATCH) {
		for (j = 0; j < A2O_BATCH; j++) {
			c = one ? 1 : a2o_next;
			a2o_next = a2o_next % (N - 1) + 1;
			rumpus_kernel_switch(k[c]);
			if (rump_sys_sendto(fd[c], msg, sizeof(msg), 0, (struct sockaddr *)&addr[0],
			    sizeof(addr[0])) != sizeof(msg))
				return -1;
		}
		rumpus_kernel_switch(k[0]);
		for (j = 0; j < A2O_BATCH; j++)
			if (rump_sys_recvfrom(fd[0], buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) !=
			    sizeof(msg))
				return -1;
	}
	return 0;
}

/* one first contact: c -> t, never talked before; the time in us, < 0 on failure */
static int fc_n;
static double
first_contact(void)
{
	char msg[64], buf[128];
	int c, t;
	uint64_t t0;

	/* distinct clients, distinct targets (7 is prime to 999), never the same kernel */
	c = 1 + fc_n % (N - 1);
	t = 1 + (fc_n * 7 + 500) % (N - 1);
	if (t == c)
		t = t % (N - 1) + 1;
	fc_n++;
	memset(msg, 'f', sizeof(msg));
	t0 = now_ns();
	rumpus_kernel_switch(k[c]);
	if (rump_sys_sendto(fd[c], msg, sizeof(msg), 0, (struct sockaddr *)&addr[t],
	    sizeof(addr[t])) != sizeof(msg))
		return -1;
	rumpus_kernel_switch(k[t]);
	if (rump_sys_recvfrom(fd[t], buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) != sizeof(msg))
		return -1;
	return (double)(now_ns() - t0) / 1e3;
}

int
main(void)
{
	int quick = getenv("BENCH_QUICK") != NULL && *getenv("BENCH_QUICK") != '\0' &&
	    strcmp(getenv("BENCH_QUICK"), "0") != 0;
	int rounds = quick ? 11 : 41, a2o_n = quick ? 64 : 128;
	double *a2o[3], *fc[3], *fcall[3], v;
	int nfc[3] = { 0, 0, 0 }, r, side, s, i;
	char a[16];
	uint64_t t0;

	for (s = 0; s < 3; s++) {
		a2o[s] = calloc((size_t)rounds, sizeof(double));
		fc[s] = calloc((size_t)rounds, sizeof(double));
		fcall[s] = calloc((size_t)rounds * FC_BATCH, sizeof(double));
	}
	printf("== a 1,000-kernel bus from C: switching against the hub it was (medians)\n");
	for (i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "10.99.%d.%d", ((i + 1) >> 8) & 255, (i + 1) & 255);
		addr[i] = x_sin(a, PORT);
		if ((k[i] = x_boot()) == NULL)
			return printf("bus_bench: boot failed\n"), 1;
		rumpus_kernel_switch(k[i]);
		if (x_ifconfig("shmif0", BUS, a, 16) != 0)
			return printf("bus_bench: ifconfig failed\n"), 1;
		fd[i] = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		if (fd[i] < 0 || rump_sys_bind(fd[i], (struct sockaddr *)&addr[i], sizeof(addr[i])) < 0)
			return printf("bus_bench: socket failed\n"), 1;
	}

	/* first contact (before all to one, so that kernel 0 does not know everyone yet) */
	for (r = 0; r < rounds; r++)
		for (side = 0; side < 3; side++) {
			/* 0: switch, 1: hub, 2: switch without ARP suppression; rotating order */
			s = (r + side) % 3;
			bus_set_switch(BUS, s != 1);
			bus_set_arpfilter(BUS, s == 0);
			t0 = now_ns();
			for (i = 0; i < FC_BATCH; i++) {
				if ((v = first_contact()) < 0)
					return printf("bus_bench: first contact failed\n"), 1;
				fcall[s][nfc[s]++] = v;
			}
			fc[s][r] = (double)(now_ns() - t0) / 1e3 / FC_BATCH;
		}

	/* all to one: every client resolves kernel 0 first */
	bus_set_switch(BUS, 1);
	bus_set_arpfilter(BUS, 1);
	if (all_to_one(((N - 1) / A2O_BATCH + 1) * A2O_BATCH, 0) != 0)
		return printf("bus_bench: all to one failed (warm-up)\n"), 1;
	for (r = 0; r < rounds; r++)
		for (side = 0; side < 3; side++) {
			/* 0: switch, 1: hub, 2: switch, one sender; rotating order */
			s = (r + side) % 3;
			bus_set_switch(BUS, s != 1);
			t0 = now_ns();
			if (all_to_one(a2o_n, s == 2) != 0)
				return printf("bus_bench: all to one failed\n"), 1;
			a2o[s][r] = (double)(now_ns() - t0) / 1e3 / a2o_n;
		}
	bus_set_switch(BUS, 1);

	{
		double as = quantile(a2o[0], rounds, 0.5), ah = quantile(a2o[1], rounds, 0.5);
		double aw = quantile(a2o[2], rounds, 0.5);
		double fs = quantile(fc[0], rounds, 0.5), fh = quantile(fc[1], rounds, 0.5);
		double fs50 = quantile(fcall[0], nfc[0], 0.5), fs99 = quantile(fcall[0], nfc[0], 0.99);
		double fh50 = quantile(fcall[1], nfc[1], 0.5), fh99 = quantile(fcall[1], nfc[1], 0.99);
		double fn = quantile(fc[2], rounds, 0.5);
		double fn50 = quantile(fcall[2], nfc[2], 0.5), fn99 = quantile(fcall[2], nfc[2], 0.99);

		printf("  %-62s %9.3f us  (hub %.3f us)\n",
		    "all to one: a 64-byte datagram to kernel 0 of 1,000 on one bus", as, ah);
		printf("  %-62s %9.3f us  (hub %.3f us; p50 %.1f / p99 %.1f us, hub %.1f / %.1f)\n",
		    "first contact (ARP, then the datagram) on the 1,000-kernel bus", fs, fh,
		    fs50, fs99, fh50, fh99);
		printf("@fig\tbus.C.all2one\tall-to-one 64-byte datagram on a 1,000-kernel bus, switching bus, C\t%.17g\tus\t\n", as);
		printf("@fig\tbus.C.all2one.hub\tthe same on the bus as a hub (every frame enters every kernel)\t%.17g\tus\t\n", ah);
		printf("@cmp\tbus.C.all2one\tbus.C.all2one.hub\tsame process, interleaved batches of %d datagrams from %d kernels in turn\n",
		    a2o_n, N - 1);
		printf("  %-62s %9.3f us\n", "all to one from one sender (its cache lines warm)", aw);
		printf("@fig\tbus.C.all2one.warm\tthe same from one sender every time (its lines in the caches: the difference is the senders' cold lines)\t%.17g\tus\t\n", aw);
		printf("@cmp\tbus.C.all2one\tbus.C.all2one.warm\tsame process, interleaved batches of %d datagrams\n",
		    a2o_n);
		printf("@fig\tbus.C.arp\tfirst contact (ARP + datagram) on a 1,000-kernel bus, switching bus, C\t%.17g\tus\tp50 %.1f, p99 %.1f us\n",
		    fs, fs50, fs99);
		printf("  %-62s %9.3f us  (p50 %.1f / p99 %.1f us)\n",
		    "first contact, switching bus without ARP suppression", fn, fn50, fn99);
		printf("@fig\tbus.C.arp.hub\tthe same on the bus as a hub\t%.17g\tus\tp50 %.1f, p99 %.1f us\n",
		    fh, fh50, fh99);
		printf("@fig\tbus.C.arp.nosup\tthe same on the switching bus without ARP suppression (the request enters every kernel)\t%.17g\tus\tp50 %.1f, p99 %.1f us\n",
		    fn, fn50, fn99);
		printf("@cmp\tbus.C.arp\tbus.C.arp.nosup\tsame process, interleaved batches of %d contacts, a fresh pair of kernels each\n",
		    FC_BATCH);
		printf("@cmp\tbus.C.arp\tbus.C.arp.hub\tsame process, interleaved batches of %d contacts, a fresh pair of kernels each\n",
		    FC_BATCH);
	}
	rumpus_kernel_switch(NULL);
	for (i = 0; i < N; i++)
		rumpus_kernel_destroy(k[i]);
	return 0;
}
