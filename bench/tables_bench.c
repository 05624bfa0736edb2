/*
 * tables_bench.c: lookups that should not grow with their tables (issue 16), each beside
 * its small-table baseline in the same process, interleaved batches, medians:
 *   - routes: rt_lookup in a kernel with 10,000 random routes against a kernel with 10:
 *     for 64 destinations a kernel talks to (the lookup cache in front of the tree), and
 *     for 4,096 random destinations through the radix tree alone (rt_lookup_tree), which
 *     also pays the cache misses of a 10,000-route tree (ns per lookup); and for the same
 *     4,096 random destinations through rt_lookup as the stack calls it (the cache, then
 *     the flat index of a big table, route.c; the 10-route table walks its tree);
 *   - UDP: a datagram sent over lo0 to one of 10 active sockets in a kernel holding
 *     100,000 bound ones, and received there, against a kernel with 10 bound sockets
 *     (bind hash, input demux); and to one of all 100,000 at random (cache misses of
 *     100,000 pcbs included); the kernel memory each bound UDP pcb holds (pcb and hash
 *     share), counted by the kernel's allocator; and a socket made with socket(2).
 * The pcb figures use the pcbs' C door (inp_*), as test/c/inet_udp_test.c does, so that
 * 100,000 of them need no descriptors; one kernel entry per operation, as a syscall.
 */
#include <stdlib.h>
#include <time.h>

#include "inet_util.h"
#include "bench.h"

int rump___sysimpl_socket30(int, int, int);
int rump___sysimpl_bind(int, const void *, unsigned);
int rump___sysimpl_close(int);

static double
quantile(double *v, int n, double q)
{
	int i = (int)(q * (n - 1) + 0.5);

	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return v[i < n ? i : n - 1];
}

static uint64_t rs = 0x853c49e6748fea9bULL;
static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

/* ---------------------------------------------------------------- routes */

#define NDST	4096
static uint32_t dsts[NDST];
static volatile uintptr_t sink;

static int
add_routes(struct rumpus_kernel *rk, int n)
{
	struct kin ki;
	struct ifnet_state *ns;
	int added = 0, tries = 0;

	ku_enter(&ki, rk);
	ns = ifstate(ki.k);
	ifs_lock(ns);
	while (added < n && tries++ < 10 * n) {
		int plen = 8 + (int)(rnd() % 21);
		uint32_t d = htonl_(rnd()) & plen_to_mask(plen);
		if (rt_add(ns, d, plen_to_mask(plen), 0, 0, ns->ns_lo0, 0, NULL) == 0)
			added++;
	}
	ifs_unlock(ns);
	ku_leave(&ki);
	return added;
}

/* ns per lookup over the first n destinations, 4096 lookups */
static double
lookups(struct rumpus_kernel *rk, int n, int cached)
{
	struct kin ki;
	struct ifnet_state *ns;
	uint64_t t0;
	int i;

	ku_enter(&ki, rk);
	ns = ifstate(ki.k);
	ifs_lock(ns);
	t0 = now_ns();
	if (cached)	/* 1 or 2: the same call, rt_lookup */
		for (i = 0; i < NDST; i++)
			sink += (uintptr_t)rt_lookup(ns, dsts[i & (n - 1)]);
	else
		for (i = 0; i < NDST; i++)
			sink += (uintptr_t)rt_lookup_tree(ns, dsts[i & (n - 1)]);
	t0 = now_ns() - t0;
	ifs_unlock(ns);
	ku_leave(&ki);
	return (double)t0 / NDST;
}

static int
bench_routes(int rounds)
{
	struct rumpus_kernel *k[2];
	double *v[2], *u[2], *x[2];
	int r, s, n[2] = { 10, 10000 }, got[2];

	for (s = 0; s < 2; s++) {
		if ((k[s] = ku_boot()) == NULL)
			return 1;
		/* 10 or 10,000 random routes and a default: every lookup finds a route */
		got[s] = add_routes(k[s], n[s]);
		if (ku_route(k[s], "0.0.0.0", 0, "127.0.0.1") != 0 || got[s] != n[s])
			return printf("tables_bench: routes (%d of %d)\n", got[s], n[s]), 1;
		v[s] = calloc((size_t)rounds, sizeof(double));
		u[s] = calloc((size_t)rounds, sizeof(double));
		x[s] = calloc((size_t)rounds, sizeof(double));
	}
	for (r = 0; r < NDST; r++)
		dsts[r] = htonl_(rnd());
	lookups(k[0], 64, 1), lookups(k[1], 64, 1);		/* warm */
	lookups(k[0], NDST, 0), lookups(k[1], NDST, 0);
	lookups(k[0], NDST, 2), lookups(k[1], NDST, 2);		/* the index is built */
	for (r = 0; r < rounds; r++)
		for (s = 0; s < 2; s++) {
			int w = (r & 1) ^ s;
			v[w][r] = lookups(k[w], 64, 1);
			u[w][r] = lookups(k[w], NDST, 0);
			x[w][r] = lookups(k[w], NDST, 2);
		}
	{
		double big = quantile(v[1], rounds, 0.5), small = quantile(v[0], rounds, 0.5);
		double big99 = quantile(v[1], rounds, 0.99), small99 = quantile(v[0], rounds, 0.99);
		double tbig = quantile(u[1], rounds, 0.5), tsmall = quantile(u[0], rounds, 0.5);
		double tbig99 = quantile(u[1], rounds, 0.99), tsmall99 = quantile(u[0], rounds, 0.99);
		printf("  %-62s %9.1f ns  (10 routes %.1f ns; %.2fx)\n",
		    "route lookup, 64 destinations, 10,000 routes", big, small, big / small);
		printf("  %-62s %9.1f ns  (10 routes %.1f ns; %.2fx)\n",
		    "route lookup, radix tree only, 4,096 random destinations", tbig, tsmall,
		    tbig / tsmall);
		printf("@fig\troute.lookup.10k\troute lookup (lookup cache, radix tree), 64 destinations, 10,000 random routes, C\t%.17g\tns\tp99 of batches %.1f ns\n",
		    big, big99);
		printf("@fig\troute.lookup.10\tthe same with 10 routes\t%.17g\tns\tp99 of batches %.1f ns\n",
		    small, small99);
		printf("@cmp\troute.lookup.10k\troute.lookup.10\tsame process, two kernels, interleaved batches of %d lookups\n",
		    NDST);
		printf("@fig\troute.tree.10k\troute lookup in the radix tree alone, 4,096 random destinations, 10,000 random routes, C\t%.17g\tns\tp99 of batches %.1f ns\n",
		    tbig, tbig99);
		printf("@fig\troute.tree.10\tthe same with 10 routes\t%.17g\tns\tp99 of batches %.1f ns\n",
		    tsmall, tsmall99);
		printf("@cmp\troute.tree.10k\troute.tree.10\tsame process, two kernels, interleaved batches of %d lookups\n",
		    NDST);
	}
	{
		double big = quantile(x[1], rounds, 0.5), small = quantile(x[0], rounds, 0.5);
		double big99 = quantile(x[1], rounds, 0.99), small99 = quantile(x[0], rounds, 0.99);

		printf("  %-62s %9.1f ns  (10 routes %.1f ns; %.2fx)\n",
		    "route lookup, 4,096 random destinations (flat index)", big, small, big / small);
		printf("@fig\troute.rand.10k\troute lookup as the stack makes it (cache, flat index), 4,096 random destinations, 10,000 random routes, C\t%.17g\tns\tp99 of batches %.1f ns\n",
		    big, big99);
		printf("@fig\troute.rand.10\tthe same with 10 routes (the tree)\t%.17g\tns\tp99 of batches %.1f ns\n",
		    small, small99);
		printf("@cmp\troute.rand.10k\troute.rand.10\tsame process, two kernels, interleaved batches of %d lookups\n",
		    NDST);
	}
	for (s = 0; s < 2; s++) {
		rumpus_kernel_destroy(k[s]);
		free(v[s]);
		free(u[s]);
		free(x[s]);
	}
	return 0;
}

/* ---------------------------------------------------------------- UDP pcbs */

struct side {
	struct rumpus_kernel *k;
	struct inpcb **pcb;
	uint32_t *addr;
	uint16_t *port;
	int n;
	struct inpcb *tx;
};

static int
side_setup(struct side *sd, int n, uint64_t *bytesp)
{
	struct rumpus_memstats m0, m1;
	struct kin ki;
	struct inet_state *is;
	int i, e;

	if ((sd->k = ku_boot()) == NULL || ku_addr(sd->k, "lo0", "127.0.0.2", 32) != 0)
		return 1;
	sd->n = n;
	sd->pcb = calloc((size_t)n, sizeof(*sd->pcb));
	sd->addr = calloc((size_t)n, sizeof(*sd->addr));
	sd->port = calloc((size_t)n, sizeof(*sd->port));
	rumpus_memstats(&m0);
	ku_enter(&ki, sd->k);
	is = inet_state(ki.k);
	ifs_lock(is->is_ns);
	for (i = 0; i < n; i++) {
		struct nb_sockaddr_in sin;
		sd->addr[i] = ku_ip(i < 50000 ? "127.0.0.1" : "127.0.0.2");
		sd->port[i] = htons((uint16_t)(2000 + i % 50000));
		in_sockaddr(&sin, sd->addr[i], sd->port[i]);
		if ((e = inp_create_locked(is, 2, 0, &sd->pcb[i])) != 0 ||
		    (e = inp_bind_locked(is, sd->pcb[i], &sin)) != 0)
			break;
	}
	ifs_unlock(is->is_ns);
	ku_leave(&ki);
	rumpus_memstats(&m1);
	if (i < n)
		return printf("tables_bench: pcb %d: error %d\n", i, e), 1;
	*bytesp = m1.bytes - m0.bytes;
	if ((sd->tx = ku_socket(sd->k, 2, 0, &e)) == NULL || ku_bind(sd->k, sd->tx, "127.0.0.1", 1999))
		return 1;
	return 0;
}

/* ns per datagram: sent over lo0 to a random one of the first `active` pcbs, received */
static double
udp_batch(struct side *sd, int count, int active)
{
	struct kin ki;
	struct nb_sockaddr_in to, from;
	char buf[64];
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < count; i++) {
		int j = (int)(rnd() % (unsigned)active);
		size_t len = sizeof(buf), full;
		in_sockaddr(&to, sd->addr[j], sd->port[j]);
		ku_enter(&ki, sd->k);
		if (inp_send(sd->tx, "0123456789abcdef", 16, &to, sizeof(to)) != 0) {
			ku_leave(&ki);
			return -1;
		}
		ku_leave(&ki);
		ku_enter(&ki, sd->k);
		if (inp_recv(sd->pcb[j], buf, &len, &full, &from) != 0 || len != 16) {
			ku_leave(&ki);
			return -1;
		}
		ku_leave(&ki);
	}
	return (double)(now_ns() - t0) / count;
}

static int
bench_udp(int rounds, int nbig)
{
	struct side sd[2];
	double *v[2], *u;
	uint64_t bytes[2];
	int r, s, n[2] = { 10, nbig }, batch = 256;

	for (s = 0; s < 2; s++) {
		if (side_setup(&sd[s], n[s], &bytes[s]) != 0)
			return printf("tables_bench: UDP setup failed\n"), 1;
		v[s] = calloc((size_t)rounds, sizeof(double));
		if (udp_batch(&sd[s], batch, 10) < 0)	/* warm */
			return printf("tables_bench: UDP send/recv failed\n"), 1;
	}
	u = calloc((size_t)rounds, sizeof(double));
	for (r = 0; r < rounds; r++) {
		for (s = 0; s < 2; s++) {
			int w = (r & 1) ^ s;
			if ((v[w][r] = udp_batch(&sd[w], batch, 10)) < 0)
				return printf("tables_bench: UDP send/recv failed\n"), 1;
		}
		if ((u[r] = udp_batch(&sd[1], batch, nbig)) < 0)
			return printf("tables_bench: UDP send/recv failed\n"), 1;
	}
	{
		double big = quantile(v[1], rounds, 0.5), small = quantile(v[0], rounds, 0.5);
		double big99 = quantile(v[1], rounds, 0.99), small99 = quantile(v[0], rounds, 0.99);
		double per = (double)bytes[1] / nbig;
		double all = quantile(u, rounds, 0.5), all99 = quantile(u, rounds, 0.99);
		char what[80];
		snprintf(what, sizeof(what), "UDP send + recv over lo0, 10 active of %d bound", nbig);
		printf("  %-62s %9.1f ns  (10 sockets %.1f ns; %.2fx)\n", what, big, small,
		    big / small);
		snprintf(what, sizeof(what), "UDP send + recv over lo0, any of %d bound", nbig);
		printf("  %-62s %9.1f ns  (%.2fx the 10-socket kernel)\n", what, all, all / small);
		printf("  %-62s %9.0f B\n", "kernel memory per bound UDP pcb (pcb + hash share)", per);
		printf("@fig\tudp.pcb.100k\tUDP datagram over lo0 to one of 10 active sockets among %d bound, received, C\t%.17g\tns\tp99 of batches %.1f ns\n",
		    nbig, big, big99);
		printf("@fig\tudp.pcb.100k.any\tthe same to any of the %d bound sockets at random (their cache misses included)\t%.17g\tns\tp99 of batches %.1f ns\n",
		    nbig, all, all99);
		printf("@cmp\tudp.pcb.100k.any\tudp.pcb.10\tsame process, interleaved batches of %d datagrams\n",
		    batch);
		printf("@fig\tudp.pcb.10\tthe same with 10 bound sockets\t%.17g\tns\tp99 of batches %.1f ns\n",
		    small, small99);
		printf("@cmp\tudp.pcb.100k\tudp.pcb.10\tsame process, two kernels, interleaved batches of %d datagrams to random sockets\n",
		    batch);
		printf("@fig\tudp.pcb.bytes\tkernel memory per bound UDP pcb (pcb and hash share), %d pcbs\t%.17g\tB\t\n",
		    nbig, per);
		printf("@cmp\tudp.pcb.bytes\t-\tcounted by the kernel allocator around %d binds\n", nbig);
	}
	for (s = 0; s < 2; s++) {
		rumpus_kernel_destroy(sd[s].k);
		free(sd[s].pcb), free(sd[s].addr), free(sd[s].port);
		free(v[s]);
	}
	free(u);
	return 0;
}

/* Memory of a whole socket, socket(2) + bind(2): descriptor, file, socket, buffers, pcb. */
static int
bench_sockmem(void)
{
	enum { NS = 100 };	/* within the default descriptor limit */
	static int fds[NS];
	struct rumpus_kernel *k = ku_boot();
	struct rumpus_memstats m0, m1;
	int i;

	if (k == NULL)
		return 1;
	rumpus_kernel_switch(k);
	rumpus_memstats(&m0);
	for (i = 0; i < NS; i++) {
		struct nb_sockaddr_in sin;
		in_sockaddr(&sin, ku_ip("127.0.0.1"), htons((uint16_t)(3000 + i)));
		if ((fds[i] = rump___sysimpl_socket30(2, 2, 0)) < 0 ||
		    rump___sysimpl_bind(fds[i], &sin, sizeof(sin)) != 0)
			return printf("tables_bench: socket %d failed\n", i), 1;
	}
	rumpus_memstats(&m1);
	printf("  %-62s %9.0f B\n", "kernel memory per UDP socket (socket(2) + bind(2))",
	    (double)(m1.bytes - m0.bytes) / NS);
	printf("@fig\tudp.socket.bytes\tkernel memory per UDP socket made with socket(2) and bind(2), %d sockets\t%.17g\tB\t\n",
	    NS, (double)(m1.bytes - m0.bytes) / NS);
	printf("@cmp\tudp.socket.bytes\t-\tcounted by the kernel allocator\n");
	for (i = 0; i < NS; i++)
		rump___sysimpl_close(fds[i]);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	return 0;
}

int
main(void)
{
	int quick = getenv("BENCH_QUICK") != NULL && *getenv("BENCH_QUICK") != '\0' &&
	    strcmp(getenv("BENCH_QUICK"), "0") != 0;
	int rounds = quick ? 11 : 41;

	printf("== tables: lookups against table size (medians of interleaved batches)\n");
	if (bench_routes(rounds) != 0 || bench_udp(rounds, quick ? 20000 : 100000) != 0 ||
	    bench_sockmem() != 0)
		return 1;
	return 0;
}
