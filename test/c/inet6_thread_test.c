/*
 * inet6_thread_test.c: IPv6 under several host threads (real clock; part of make tsan).
 * In kernel A one thread floods B with UDP, one sends to an address nobody answers (its
 * neighbour entry retries from the ND timer, then the timer sends "address unreachable"
 * for the held packets), one adds and removes addresses (DAD timers, MLD) and reads the
 * neighbour cache; a thread in B receives.  Nothing deadlocks, nothing races (tsan),
 * B gets datagrams, A's unresolvable sends come back as errors, no memory is left.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "inet6_nb.h"

#define N 3000

static struct rumpus_kernel *a, *b;
static pthread_barrier_t go;
static long sent, received, unreach_sent, addr_changes;
static atomic_int done;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
flood(void *arg)
{
	struct x_sin6 to = x_sin6("2001:db8:1::2", 7000, 0);
	char msg[200];
	int s, i;

	(void)arg;
	memset(msg, 'f', sizeof(msg));
	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	pthread_barrier_wait(&go);
	for (i = 0; i < N; i++) {
		if (rump_sys_sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
			sent++;
		if ((i & 15) == 15)
			sched_yield();
	}
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
silent(void *arg)
{
	struct x_sin6 to = x_sin6("2001:db8:1::99", 7000, 0);
	double t0;
	int s;

	(void)arg;
	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	pthread_barrier_wait(&go);
	t0 = now_s();
	while (now_s() - t0 < 3.6) {
		if (rump_sys_sendto(s, "q", 1, 0, (struct sockaddr *)&to, sizeof(to)) > 0)
			unreach_sent++;
		usleep(2000);
	}
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
churn(void *arg)
{
	char addr[64];
	int i = 0;

	(void)arg;
	rumpus_kernel_switch(a);
	pthread_barrier_wait(&go);
	while (!atomic_load(&done)) {
		struct x_in6_ifreq ifr;
		int t = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
		snprintf(addr, sizeof(addr), "2001:db8:1::%x", 0x100 + (i++ % 50));
		if (x6_addr("shmif0", addr, 64, 0) == 0)
			addr_changes++;
		x6_nbr("shmif0", "2001:db8:1::2", NULL);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif0");
		ifr.u.addr = x_sin6(addr, 0, 0);
		if (i % 2 == 0)
			rump_sys_ioctl(t, X_SIOCDIFADDR_IN6, &ifr);
		rump_sys_close(t);
		usleep(5000);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
receiver(void *arg)
{
	char buf[512];
	int s = *(int *)arg;

	rumpus_kernel_switch(b);
	pthread_barrier_wait(&go);
	for (;;) {
		ssize_t n = rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
		if (n < 0)
			break;		/* the timeout after the flood */
		received++;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	pthread_t th[4];
	int rs, es, i, v, errs = 0;
	char buf[512];
	ssize_t n;

	rumpus_memstats(&m0);
	a = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(b);
	v = x_ifconfig("shmif0", "thr6bus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:1::2", 64, X_IN6_IFF_NODAD);
	rs = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	{
		struct x_sin6 sin6 = x_sin6("::", 7000, 0);
		v |= rump_sys_bind(rs, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	x_rcvtimeo(rs, 1500000);
	rumpus_kernel_switch(a);
	v |= x_ifconfig("shmif0", "thr6bus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:1::1", 64, X_IN6_IFF_NODAD);
	es = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	ok(v == 0 && es >= 0, "A and B on thr6bus (no DAD for the fixed addresses)");
	rumpus_kernel_switch(NULL);

	pthread_barrier_init(&go, NULL, 4);
	pthread_create(&th[0], NULL, flood, NULL);
	pthread_create(&th[1], NULL, silent, NULL);
	pthread_create(&th[2], NULL, churn, NULL);
	pthread_create(&th[3], NULL, receiver, &rs);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	atomic_store(&done, 1);
	pthread_join(th[2], NULL);
	pthread_join(th[3], NULL);
	ok(sent == N, "the flood thread sent %ld datagrams", sent);
	ok(received > 0 && received <= sent, "B received %ld of them (the rest: full buffers)",
	    received);
	ok(addr_changes > 10, "%ld address additions ran beside it (DAD, MLD)", addr_changes);
	rumpus_kernel_switch(a);
	for (i = 0; i < 1000; i++) {
		n = rump_sys_recvfrom(es, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL);
		if (n < 0)
			break;
		if (n >= 8 && buf[0] == 1 && buf[1] == 3)
			errs++;
	}
	ok(unreach_sent > 0 && errs > 0,
	    "%ld sends to a silent neighbour came back as %d address unreachables (ND timer)",
	    unreach_sent, errs);
	rump_sys_close(es);
	rumpus_kernel_switch(b);
	rump_sys_close(rs);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "no memory left");
	return tap_done();
}
