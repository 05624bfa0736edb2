/*
 * tcp_thread_test.c: TCP from many threads in kernels with two virtual CPUs: two
 * accepting threads in B echo whatever arrives, three client threads in A each run 150
 * connect / write / read-back / close cycles while a fourth streams 8 MB to a sink in B.
 * No deadlock, every echo and every byte right, both kernels destroyable after.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tap.h"
#include "tcp_nb.h"

static struct rumpus_kernel *ka, *kb;
static int lecho, lsink;
static atomic_int echoed, cycles_ok, sunk;

static void *
echo_server(void *arg)
{
	char buf[512];

	(void)arg;
	rumpus_kernel_switch(kb);
	for (;;) {
		int s = rump_sys_accept(lecho, NULL, NULL);
		if (s < 0)
			break;
		for (;;) {
			ssize_t n = rump_sys_read(s, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (rump_sys_write(s, buf, (size_t)n) != n)
				break;
			atomic_fetch_add(&echoed, 1);
		}
		rump_sys_close(s);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
sink(void *arg)
{
	static uint8_t buf[16384];
	int s;

	(void)arg;
	rumpus_kernel_switch(kb);
	s = rump_sys_accept(lsink, NULL, NULL);
	for (;;) {
		ssize_t n = rump_sys_read(s, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != x_pat((uint64_t)sunk + (uint64_t)i)) {
				rump_sys_close(s);
				rumpus_kernel_switch(NULL);
				return NULL;
			}
		atomic_fetch_add(&sunk, (int)n);
	}
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
client(void *arg)
{
	int id = (int)(intptr_t)arg, i;
	char msg[64], back[64];

	rumpus_kernel_switch(ka);
	for (i = 0; i < 150; i++) {
		int c = x_connect("10.9.0.2", 7), n = snprintf(msg, sizeof(msg), "client %d cycle %d", id, i);
		if (c < 0)
			continue;
		if (rump_sys_write(c, msg, (size_t)n) == n &&
		    rump_sys_recvfrom(c, back, (size_t)n, X_MSG_WAITALL, NULL, NULL) == n &&
		    memcmp(back, msg, (size_t)n) == 0)
			atomic_fetch_add(&cycles_ok, 1);
		rump_sys_close(c);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
streamer(void *arg)
{
	static uint8_t buf[16384];
	size_t total = 8u << 20, off = 0;
	int c;

	(void)arg;
	rumpus_kernel_switch(ka);
	c = x_connect("10.9.0.2", 9);
	while (off < total) {
		size_t n = total - off < sizeof(buf) ? total - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = x_pat(off + i);
		ssize_t w = rump_sys_write(c, buf, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	rump_sys_close(c);
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_config cfg = { 2, NULL, 0, 0 };
	pthread_t srv[2], cl[3], st, sk;
	int err = 0, i, e;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ka = rumpus_kernel_create(comps, &cfg, &err);
	kb = rumpus_kernel_create(comps, &cfg, &err);
	ok(ka && kb, "two kernels with 2 virtual CPUs each");
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "tcpthrbus", "10.9.0.1", 24);
	rumpus_kernel_switch(kb);
	e |= x_ifconfig("shmif0", "tcpthrbus", "10.9.0.2", 24);
	lecho = x_listen("0.0.0.0", 7, 64);
	lsink = x_listen("0.0.0.0", 9, 4);
	ok(e == 0 && lecho >= 0 && lsink >= 0, "B: echo on 7, sink on 9");
	rumpus_kernel_switch(NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&srv[i], NULL, echo_server, NULL);
	pthread_create(&sk, NULL, sink, NULL);
	pthread_create(&st, NULL, streamer, NULL);
	for (i = 0; i < 3; i++)
		pthread_create(&cl[i], NULL, client, (void *)(intptr_t)i);
	for (i = 0; i < 3; i++)
		pthread_join(cl[i], NULL);
	pthread_join(st, NULL);
	pthread_join(sk, NULL);
	ok(atomic_load(&cycles_ok) == 450, "450 connect/echo/close cycles from three threads (%d)",
	    atomic_load(&cycles_ok));
	ok(atomic_load(&sunk) == 8 << 20, "8 MB streamed alongside, intact (%d)", atomic_load(&sunk));
	/* stop the echo servers: shutting the listener down wakes accept() */
	rumpus_kernel_switch(kb);
	rump_sys_shutdown(lecho, X_SHUT_RDWR);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < 2; i++)
		pthread_join(srv[i], NULL);
	ok(1, "echo threads ended");
	rumpus_kernel_switch(kb);
	rump_sys_close(lecho);
	rump_sys_close(lsink);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "destroyed");
	return tap_done();
}
