/*
 * stress_thread_test.c: many host threads in many kernels at once, bounded in operations.
 *
 * Part 1, for 4, 16 and 64 host threads over 1, 4 and 8 kernels of 1, 2 and 4 virtual
 * CPUs: each thread, in the kernel i % K, loops over files (write, read back), pipes,
 * AF_UNIX stream pairs, UDP to itself over lo0 and lwproc churn (rfork, a file in the new
 * process, release).  Every call succeeds and every byte read back is the byte written.
 * Part 2, kernels destroyed while frames arrive: two threads in kernel A broadcast UDP on
 * a bus while the main thread boots kernel B on the bus, waits for a datagram from A,
 * and destroys B, again and again.  Both parts end with every kernel destroyed cleanly
 * and every byte returned.  Prints the figures (threads x kernels x vCPUs, operations).
 */
#include <pthread.h>
#include <sched.h>

#include "tap.h"
#include "inet_util.h"

/* the host errno (holding NetBSD values after a rump call), without the host's E* names */
int *__errno_location(void);
#define ERRNO	(*__errno_location())

int rump___sysimpl_socket30(int, int, int);
int rump___sysimpl_bind(int, const void *, unsigned);
long rump___sysimpl_sendto(int, const void *, size_t, int, const void *, unsigned);
long rump___sysimpl_recvfrom(int, void *, size_t, int, void *, void *);
int rump___sysimpl_setsockopt(int, int, int, const void *, unsigned);
int rump___sysimpl_close(int);
int rump___sysimpl_open(const char *, int, ...);
long rump___sysimpl_read(int, void *, size_t);
long rump___sysimpl_write(int, const void *, size_t);
long rump___sysimpl_pread(int, void *, size_t, int64_t);
int rump___sysimpl_pipe2(int *, int);
int rump___sysimpl_socketpair(int, int, int, int *);
int rump___sysimpl_unlink(const char *);
int rump___sysimpl_getpid(void);
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

#define X_O_RDWR	2
#define X_O_CREAT	0x200
#define X_O_TRUNC	0x400
#define X_SOCK_STREAM	1
#define X_SOCK_DGRAM	2
#define X_AF_UNIX	1
#define X_SOL_SOCKET	0xffff
#define X_SO_BROADCAST	0x20
#define X_SO_RCVTIMEO	0x100c
#define X_RFFDG		1

struct nb_tv { int64_t sec; int32_t usec, pad; };

/* ---------------------------------------------------------------- part 1 */

struct cfg { int threads, kernels, ncpu, rounds; };
static const struct cfg cfgs[] = {
	{ 4, 1, 1, 4000 }, { 16, 4, 2, 1000 }, { 64, 8, 4, 250 },
};

struct worker {
	int id;
	struct rumpus_kernel *k;
	pthread_barrier_t *go;
	int rounds;
	long ops;
	int failures;
	char why[160];
};

static void
wfail(struct worker *w, const char *what, long r)
{
	if (w->failures++ == 0)
		snprintf(w->why, sizeof(w->why), "thread %d: %s (returned %ld, errno %d)", w->id,
		    what, r, ERRNO);
}

static void
fill(char *buf, size_t n, int id, int round)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)(id * 31 + round * 7 + (int)i);
}

static int
udp_self(struct worker *w, int *portp)
{
	struct nb_sockaddr_in sin;
	struct nb_tv tv = { 5, 0, 0 };
	int s = rump___sysimpl_socket30(AF_INET, X_SOCK_DGRAM, 0);

	*portp = 20000 + w->id;
	in_sockaddr(&sin, ku_ip("127.0.0.1"), htons((uint16_t)*portp));
	if (s < 0 || rump___sysimpl_bind(s, &sin, sizeof(sin)) != 0 ||
	    rump___sysimpl_setsockopt(s, X_SOL_SOCKET, X_SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		wfail(w, "udp socket", s);
	return s;
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	char path[32], a[600], b[600];
	struct nb_sockaddr_in to;
	int i, fd, p[2], udp, port, pid;
	long r;

	rumpus_kernel_switch(w->k);
	snprintf(path, sizeof(path), "/t%d", w->id);
	udp = udp_self(w, &port);
	in_sockaddr(&to, ku_ip("127.0.0.1"), htons((uint16_t)port));
	pthread_barrier_wait(w->go);
	for (i = 0; i < w->rounds && w->failures == 0; i++) {
		fill(a, sizeof(a), w->id, i);
		switch (i % 5) {
		case 0:		/* a file of its own */
			fd = rump___sysimpl_open(path, X_O_RDWR | X_O_CREAT | X_O_TRUNC, 0600);
			if (fd < 0) {
				wfail(w, "open", fd);
				break;
			}
			if ((r = rump___sysimpl_write(fd, a, sizeof(a))) != (long)sizeof(a))
				wfail(w, "file write", r);
			else if ((r = rump___sysimpl_pread(fd, b, sizeof(b), 0)) != (long)sizeof(b) ||
			    memcmp(a, b, sizeof(a)) != 0)
				wfail(w, "file read back", r);
			rump___sysimpl_close(fd);
			break;
		case 1:		/* a pipe */
			if ((r = rump___sysimpl_pipe2(p, 0)) != 0) {
				wfail(w, "pipe2", r);
				break;
			}
			if ((r = rump___sysimpl_write(p[1], a, 512)) != 512)
				wfail(w, "pipe write", r);
			else if ((r = rump___sysimpl_read(p[0], b, 512)) != 512 || memcmp(a, b, 512) != 0)
				wfail(w, "pipe read", r);
			rump___sysimpl_close(p[0]);
			rump___sysimpl_close(p[1]);
			break;
		case 2:		/* an AF_UNIX stream pair */
			if ((r = rump___sysimpl_socketpair(X_AF_UNIX, X_SOCK_STREAM, 0, p)) != 0) {
				wfail(w, "socketpair", r);
				break;
			}
			if ((r = rump___sysimpl_write(p[0], a, sizeof(a))) != (long)sizeof(a))
				wfail(w, "unix send", r);
			else if ((r = rump___sysimpl_read(p[1], b, sizeof(b))) != (long)sizeof(b) ||
			    memcmp(a, b, sizeof(a)) != 0)
				wfail(w, "unix receive", r);
			rump___sysimpl_close(p[0]);
			rump___sysimpl_close(p[1]);
			break;
		case 3:		/* UDP to itself over lo0 */
			if ((r = rump___sysimpl_sendto(udp, a, 300, 0, &to, sizeof(to))) != 300)
				wfail(w, "udp send", r);
			else if ((r = rump___sysimpl_recvfrom(udp, b, sizeof(b), 0, NULL, NULL)) != 300 ||
			    memcmp(a, b, 300) != 0)
				wfail(w, "udp receive", r);
			break;
		case 4:		/* lwproc churn */
			if ((r = rump_pub_lwproc_rfork(X_RFFDG)) != 0) {
				wfail(w, "rfork", r);
				break;
			}
			if ((pid = rump___sysimpl_getpid()) <= 1)
				wfail(w, "getpid in the new process", pid);
			fd = rump___sysimpl_open(path, X_O_RDWR | X_O_CREAT, 0600);
			if (fd < 0)
				wfail(w, "open in the new process", fd);
			rump_pub_lwproc_releaselwp();
			break;
		}
		w->ops++;
	}
	rump___sysimpl_close(udp);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
part1(const struct cfg *c)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", "net.netinet", NULL };
	struct rumpus_config kc = { .ncpu = (unsigned)c->ncpu };
	struct rumpus_kernel *ks[8];
	struct worker *ws = calloc((size_t)c->threads, sizeof(*ws));
	pthread_t *ts = calloc((size_t)c->threads, sizeof(*ts));
	pthread_barrier_t go;
	long ops = 0;
	int i, e, failures = 0, destroyed = 0;
	const char *why = "";

	for (i = 0; i < c->kernels; i++)
		if ((ks[i] = rumpus_kernel_create(comps, &kc, &e)) == NULL) {
			ok(0, "boot kernel %d: %d %s", i, e, rumpus_error());
			exit(1);
		}
	pthread_barrier_init(&go, NULL, (unsigned)c->threads);
	for (i = 0; i < c->threads; i++) {
		ws[i].id = i, ws[i].k = ks[i % c->kernels], ws[i].go = &go;
		ws[i].rounds = c->rounds;
		pthread_create(&ts[i], NULL, worker, &ws[i]);
	}
	for (i = 0; i < c->threads; i++) {
		pthread_join(ts[i], NULL);
		ops += ws[i].ops;
		if (ws[i].failures && failures++ == 0)
			why = ws[i].why;
	}
	pthread_barrier_destroy(&go);
	for (i = 0; i < c->kernels; i++)
		destroyed += rumpus_kernel_destroy(ks[i]) == 0;
	ok(failures == 0, "%d threads x %d kernels x %d vCPUs: %ld operations (files, pipes, "
	    "AF_UNIX, UDP, lwproc), all correct %s", c->threads, c->kernels, c->ncpu, ops, why);
	ok(destroyed == c->kernels, "%d threads x %d kernels x %d vCPUs: every kernel destroyed",
	    c->threads, c->kernels, c->ncpu);
	diag("figures: %d threads x %d kernels x %d vCPUs, %ld operations", c->threads,
	    c->kernels, c->ncpu, ops);
	free(ws);
	free(ts);
}

/* ---------------------------------------------------------------- part 2 */

#define P2_CYCLES	200
#define P2_SENDERS	2

struct bcast {
	struct rumpus_kernel *k;
	atomic_int stop;
	long sent;
	int failures;
};

static void *
broadcaster(void *arg)
{
	struct bcast *bc = arg;
	struct nb_sockaddr_in to;
	int s, on = 1;
	long sent = 0;
	char msg[64];

	memset(msg, 'b', sizeof(msg));
	rumpus_kernel_switch(bc->k);
	s = rump___sysimpl_socket30(AF_INET, X_SOCK_DGRAM, 0);
	if (s < 0 || rump___sysimpl_setsockopt(s, X_SOL_SOCKET, X_SO_BROADCAST, &on, sizeof(on)) != 0)
		bc->failures++;
	in_sockaddr(&to, ku_ip("10.9.0.255"), htons(9999));
	while (!atomic_load(&bc->stop)) {
		/* a full interface queue may refuse one: ENOBUFS is not a failure */
		if (rump___sysimpl_sendto(s, msg, sizeof(msg), 0, &to, sizeof(to)) == sizeof(msg))
			sent++;
		else if (ERRNO != 55)
			bc->failures++;
		if ((sent & 63) == 0)
			sched_yield();
	}
	rump___sysimpl_close(s);
	rumpus_kernel_switch(NULL);
	__atomic_fetch_add(&bc->sent, sent, __ATOMIC_RELAXED);
	return NULL;
}

static void
part2(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_config kc = { .ncpu = 2 };
	struct bcast bc = { 0 };
	pthread_t ts[P2_SENDERS];
	int i, e, heard = 0, destroyed = 0, setup = 0;

	bc.k = rumpus_kernel_create(comps, &kc, &e);
	if (bc.k == NULL || ku_shmif(bc.k, "shmif0", "stressbus") != 0 ||
	    ku_addr(bc.k, "shmif0", "10.9.0.1", 24) != 0) {
		ok(0, "kernel A on stressbus");
		return;
	}
	for (i = 0; i < P2_SENDERS; i++)
		pthread_create(&ts[i], NULL, broadcaster, &bc);
	for (i = 0; i < P2_CYCLES; i++) {
		struct rumpus_kernel *b = rumpus_kernel_create(comps, &kc, &e);
		struct nb_sockaddr_in sin;
		struct nb_tv tv = { 5, 0, 0 };
		char buf[128];
		int s;

		if (b == NULL)
			continue;
		if (ku_shmif(b, "shmif0", "stressbus") == 0 && ku_addr(b, "shmif0", "10.9.0.2", 24) == 0)
			setup++;
		rumpus_kernel_switch(b);
		s = rump___sysimpl_socket30(AF_INET, X_SOCK_DGRAM, 0);
		in_sockaddr(&sin, 0, htons(9999));
		rump___sysimpl_bind(s, &sin, sizeof(sin));
		rump___sysimpl_setsockopt(s, X_SOL_SOCKET, X_SO_RCVTIMEO, &tv, sizeof(tv));
		if (rump___sysimpl_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL) == 64)
			heard++;
		/* destroyed with the socket open and frames still arriving */
		rumpus_kernel_switch(NULL);
		destroyed += rumpus_kernel_destroy(b) == 0;
	}
	atomic_store(&bc.stop, 1);
	for (i = 0; i < P2_SENDERS; i++)
		pthread_join(ts[i], NULL);
	ok(setup == P2_CYCLES && heard == P2_CYCLES && destroyed == P2_CYCLES,
	    "kernels destroyed while frames arrive: %d of %d booted on the bus, %d heard A, "
	    "%d destroyed", setup, P2_CYCLES, heard, destroyed);
	ok(bc.failures == 0, "A's broadcasters: every send succeeded or said ENOBUFS");
	ok(rumpus_kernel_destroy(bc.k) == 0, "kernel A destroyed");
	diag("figures: %d kernels destroyed under %ld broadcast datagrams from %d threads",
	    destroyed, bc.sent, P2_SENDERS);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	size_t i;

	rumpus_memstats(&m0);
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
		part1(&cfgs[i]);
	part2();
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked,
	    "every byte returned (%lld outstanding, %lld leaked)",
	    (long long)(m1.bytes - m0.bytes), (long long)(m1.leaked - m0.leaked));
	return tap_done();
}
