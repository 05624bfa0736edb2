/*
 * net_unpgc_test.c: descriptor-passing cycles are collected while the kernel runs, as
 * NetBSD's unp_gc does (issue 9: they were kept until the kernel was destroyed).  Each
 * shape of cycle is made, closed, and the kernel's accounted memory must return to its
 * baseline (rumpus_kernel_memused) without destroying the kernel; what is still
 * reachable (a descriptor waiting in a buffer of an open socket) must survive a
 * collection and work when received.  Then threads make and drop cycles concurrently.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "net_sock_nb.h"

static struct rumpus_kernel *K;

static int
pair(int type, int sv[2])
{
	return rump_sys_socketpair(NB_AF_LOCAL, type, 0, sv);
}

/* a <-> b: each end sent over the other (into its own buffer's peer) */
static void
cycle_pair(int type)
{
	int sv[2];

	pair(type, sv);
	nb_sendfds(sv[0], &sv[1], 1);
	nb_sendfds(sv[1], &sv[0], 1);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* one socket that holds itself: b sent over a lands in b's own buffer */
static void
cycle_self(void)
{
	int sv[2];

	pair(NB_SOCK_STREAM, sv);
	nb_sendfds(sv[0], &sv[1], 1);
	rump_sys_close(sv[1]);		/* b lives only in its own buffer */
	rump_sys_close(sv[0]);
}

/* a ring of n pairs: pair i's reader end is sent into pair i+1 (and the last into 0) */
static void
cycle_ring(int n)
{
	int sv[16][2], i;

	for (i = 0; i < n; i++)
		pair(NB_SOCK_STREAM, sv[i]);
	for (i = 0; i < n; i++) {
		int next = (i + 1) % n;
		nb_sendfds(sv[next][0], &sv[i][0], 1);	/* lands in sv[next][1]'s buffer */
		nb_sendfds(sv[next][0], &sv[i][1], 1);
	}
	for (i = 0; i < n; i++) {
		rump_sys_close(sv[i][0]);
		rump_sys_close(sv[i][1]);
	}
}

struct targ {
	int rounds, errors;
};

static void *
churn(void *arg)
{
	struct targ *t = arg;
	int i;

	rumpus_kernel_switch(K);
	for (i = 0; i < t->rounds; i++) {
		switch (i % 4) {
		case 0: cycle_pair(NB_SOCK_STREAM); break;
		case 1: cycle_pair(NB_SOCK_DGRAM); break;
		case 2: cycle_self(); break;
		case 3: cycle_ring(3); break;
		}
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	size_t base, mid;
	int sv[2], p[2], fds[2], flags, i;
	char buf[8];

	rumpus_memstats(&m0);
	K = nb_boot("net.local", NULL);
	ok(K != NULL, "kernel with net.local");
	/* warm up: the socket layer's per-kernel state comes with the first socket, and the
	 * descriptor table grows (never shrinks) to what the rings below use */
	{
		int w[20][2];
		for (i = 0; i < 20; i++)
			pair(NB_SOCK_STREAM, w[i]);
		for (i = 0; i < 20; i++) {
			rump_sys_close(w[i][0]);
			rump_sys_close(w[i][1]);
		}
	}
	base = rumpus_kernel_memused(K);
	diag("baseline: %zu bytes", base);

	cycle_pair(NB_SOCK_STREAM);
	ok(rumpus_kernel_memused(K) == base, "stream pair sent over itself, closed: collected");
	cycle_pair(NB_SOCK_DGRAM);
	ok(rumpus_kernel_memused(K) == base, "datagram pair: collected");
	cycle_pair(NB_SOCK_SEQPACKET);
	ok(rumpus_kernel_memused(K) == base, "seqpacket pair: collected");
	cycle_self();
	ok(rumpus_kernel_memused(K) == base, "a socket holding only itself: collected");
	cycle_ring(8);
	ok(rumpus_kernel_memused(K) == base, "a ring of 8 pairs: collected");

	/* many cycles at once */
	for (i = 0; i < 200; i++)
		cycle_pair(NB_SOCK_STREAM);
	ok(rumpus_kernel_memused(K) == base, "200 cycles made and closed: memory at baseline");

	/* reachable: a descriptor waiting in an open socket's buffer survives collections */
	pair(NB_SOCK_STREAM, sv);
	pair(NB_SOCK_STREAM, p);
	ok(nb_sendfds(sv[0], &p[0], 1) == 1, "p[0] sent into sv[1]'s buffer");
	rump_sys_close(p[0]);		/* only in flight now, reachable through sv[1] */
	cycle_pair(NB_SOCK_STREAM);	/* a collection runs */
	mid = rumpus_kernel_memused(K);
	ok(mid > base, "the in-flight socket is still held (%zu > %zu)", mid, base);
	ok(nb_recvfds(sv[1], fds, 2, NB_CMSG_SPACE(4), 0, &flags) == 1, "received after the GC");
	ok(rump_sys_write(fds[0], "hi", 2) == 2 && rump_sys_read(p[1], buf, sizeof(buf)) == 2 &&
	    memcmp(buf, "hi", 2) == 0, "and it works: the collector left it alone");
	rump_sys_close(fds[0]);
	rump_sys_close(p[1]);

	/* a cycle hanging off a reachable socket: still reachable */
	pair(NB_SOCK_STREAM, p);
	nb_sendfds(p[0], &p[1], 1);
	nb_sendfds(p[1], &p[0], 1);		/* p is a cycle ... */
	nb_sendfds(sv[0], &p[0], 1);		/* ... that open sv[1] can reach */
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	ok(rumpus_kernel_memused(K) > base, "a cycle reachable from an open socket is kept");
	rump_sys_close(sv[1]);		/* the last link: now it is garbage */
	rump_sys_close(sv[0]);
	ok(rumpus_kernel_memused(K) == base,
	    "closing the socket that reached it collects the cycle (%zu vs %zu)",
	    rumpus_kernel_memused(K), base);

	/* threads: 4 threads making and dropping cycles concurrently */
	{
		pthread_t th[4];
		struct targ ta[4];

		for (i = 0; i < 4; i++) {
			ta[i] = (struct targ){ 100, 0 };
			pthread_create(&th[i], NULL, churn, &ta[i]);
		}
		for (i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		ok(rumpus_kernel_memused(K) == base,
		    "4 threads x 100 cycles of 4 shapes: memory back at baseline (%zu vs %zu)",
		    rumpus_kernel_memused(K), base);
	}

	nb_halt(K);
	rumpus_memstats(&m1);
	ok(m1.leaked == m0.leaked && m1.bytes == m0.bytes, "nothing leaked");
	return tap_done();
}
