/*
 * inet_thread_test.c: many host threads at once.  Kernels A and B (one, then two virtual
 * CPUs each) on a bus; a sender thread in each floods the other with UDP while a
 * receiver thread in each reads.  Nothing deadlocks, and every datagram is accounted
 * for: received, or dropped at a full socket buffer or a full interface queue.
 */
#include <pthread.h>
#include <sched.h>

#include "tap.h"
#include "inet_util.h"

int rump___sysimpl_socket30(int, int, int);
int rump___sysimpl_bind(int, const void *, unsigned);
long rump___sysimpl_sendto(int, const void *, size_t, int, const void *, unsigned);
long rump___sysimpl_recvfrom(int, void *, size_t, int, void *, void *);
int rump___sysimpl_setsockopt(int, int, int, const void *, unsigned);
int rump___sysimpl_close(int);

#define N 10000

struct side {
	struct rumpus_kernel *k;
	int sock;
	const char *peer;
	long sent, received;
	pthread_barrier_t *go;
};

static void *
sender(void *arg)
{
	struct side *s = arg;
	struct nb_sockaddr_in to;
	char msg[100];
	int i;

	memset(msg, 's', sizeof(msg));
	in_sockaddr(&to, ku_ip(s->peer), htons(7000));
	rumpus_kernel_switch(s->k);
	pthread_barrier_wait(s->go);
	for (i = 0; i < N; i++) {
		if (rump___sysimpl_sendto(s->sock, msg, sizeof(msg), 0, &to, sizeof(to)) == sizeof(msg))
			s->sent++;
		if ((i & 15) == 15)
			sched_yield();
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
receiver(void *arg)
{
	struct side *s = arg;
	char buf[200];
	struct { int64_t sec; int32_t usec, pad; } tv = { 0, 500000, 0 };

	rumpus_kernel_switch(s->k);
	rump___sysimpl_setsockopt(s->sock, 0xffff, 0x100c, &tv, sizeof(tv));
	pthread_barrier_wait(s->go);
	while (rump___sysimpl_recvfrom(s->sock, buf, sizeof(buf), 0, NULL, NULL) == 100)
		s->received++;
	rumpus_kernel_switch(NULL);
	return NULL;
}

static int
open_udp(struct rumpus_kernel *k)
{
	struct nb_sockaddr_in sin;
	int s;

	rumpus_kernel_switch(k);
	s = rump___sysimpl_socket30(AF_INET, 2, 0);
	in_sockaddr(&sin, 0, htons(7000));
	rump___sysimpl_bind(s, &sin, sizeof(sin));
	rumpus_kernel_switch(NULL);
	return s;
}

static uint64_t
drops(struct rumpus_kernel *k)
{
	struct nb_if_data d = ku_ifdata(k, "shmif0");

	return d.ifi_iqdrops + inet_state(KOF(k))->is_stat.udps_fullsock;
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_memstats m0, m1;
	int ncpu;

	rumpus_memstats(&m0);
	for (ncpu = 1; ncpu <= 2; ncpu++) {
		struct rumpus_config cfg = { .ncpu = (unsigned)ncpu };
		struct side sa = { 0 }, sb = { 0 };
		pthread_t t[4];
		pthread_barrier_t go;
		int e;
		struct inpcb *pa;
		struct rumpus_kernel *a = rumpus_kernel_create(comps, &cfg, &e);
		struct rumpus_kernel *b = rumpus_kernel_create(comps, &cfg, &e);

		ku_shmif(a, "shmif0", "threadbus");
		ku_shmif(b, "shmif0", "threadbus");
		ku_addr(a, "shmif0", "10.6.0.1", 24);
		ku_addr(b, "shmif0", "10.6.0.2", 24);
		/* resolve ARP first, so no datagram waits for it */
		pa = ku_socket(a, 2, 0, &e);
		ku_sendto(a, pa, "x", 1, "10.6.0.2", 9);
		ku_close(a, pa);
		pthread_barrier_init(&go, NULL, 4);
		sa.k = a, sa.peer = "10.6.0.2", sa.go = &go, sa.sock = open_udp(a);
		sb.k = b, sb.peer = "10.6.0.1", sb.go = &go, sb.sock = open_udp(b);
		pthread_create(&t[0], NULL, sender, &sa);
		pthread_create(&t[1], NULL, sender, &sb);
		pthread_create(&t[2], NULL, receiver, &sa);
		pthread_create(&t[3], NULL, receiver, &sb);
		for (e = 0; e < 4; e++)
			pthread_join(t[e], NULL);
		pthread_barrier_destroy(&go);
		ok(sa.sent == N && sb.sent == N, "ncpu %d: both senders sent %d datagrams", ncpu, N);
		ok(sb.received > 0 && sa.received > 0, "ncpu %d: both receivers got some (%ld, %ld)",
		    ncpu, sb.received, sa.received);
		ok((uint64_t)sb.received + drops(b) == (uint64_t)sa.sent &&
		    (uint64_t)sa.received + drops(a) == (uint64_t)sb.sent,
		    "ncpu %d: every datagram received or counted as dropped (B %ld + %llu, A %ld + %llu)",
		    ncpu, sb.received, (unsigned long long)drops(b), sa.received,
		    (unsigned long long)drops(a));
		ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0,
		    "ncpu %d: destroyed", ncpu);
	}
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
