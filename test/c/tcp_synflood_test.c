/*
 * tcp_synflood_test.c: a SYN flood from the bus.  10,000 forged SYNs (ours, from 10,000
 * source ports, never completing) at a listener with backlog 16: the kernel's memory
 * stays bounded (the embryos never exceed NetBSD's 3 * backlog / 2 + 1) and a real client
 * kernel on the same bus still connects at once, without waiting for the embryos'
 * keepinit (the oldest embryo makes room, as NetBSD's SYN cache drops its oldest entry);
 * a backlog full of completed connections still drops a SYN (tcp_sock_test pins that).
 * Then 5,000 forged SYNs from another thread while this one connects and echoes: real
 * clients get in during the flood (not every one: with no SYN cache or cookies, a real
 * embryo that is the oldest when the queue overflows goes too) and after it.
 */
#include "tcp_pkt.h"

struct flood {
	uint16_t base;
	int n;
};

static void *
flooder(void *arg)
{
	struct flood *f = arg;
	int i;

	for (i = 0; i < f->n; i++)
		inject((uint16_t)(f->base + i), 80, 1000u * (uint32_t)i, 0, SYN, 65535, NULL, 0,
		    NULL, 0);
	return NULL;
}

/* A blocking connect from kernel c to 10.4.0.1:80, one byte echoed by the server. */
static int
client_echo(struct rumpus_kernel *c, struct rumpus_kernel *k, int l)
{
	char b = 0;
	int s, a, ok_ = 0;

	rumpus_kernel_switch(c);
	s = x_connect("10.4.0.1", 80);
	rumpus_kernel_switch(k);
	if (s < 0)
		return s;
	/* the forged SYNs never complete: a completed connection is the client's.  During a
	 * flood from another thread the client's embryo may be the oldest when the queue
	 * overflows, and be dropped: then nothing comes (bounded wait) */
	a = x_poll1(l, X_POLLIN, 2000) == X_POLLIN ? rump_sys_accept(l, NULL, NULL) : -1;
	if (a >= 0) {
		rumpus_kernel_switch(c);
		rump_sys_write(s, "q", 1);
		rumpus_kernel_switch(k);
		ok_ = rump_sys_read(a, &b, 1) == 1 && b == 'q';
		rump_sys_close(a);
	}
	rumpus_kernel_switch(c);
	rump_sys_close(s);
	rumpus_kernel_switch(k);
	return ok_ ? 0 : -1;
}

int
main(void)
{
	struct rumpus_kernel *k, *c;
	struct flood f = { 20000, 10000 };
	size_t before, after;
	uint64_t t0;
	pthread_t t;
	int l, i, bad;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	c = x_boot();
	rumpus_kernel_switch(c);
	ok(x_ifconfig("shmif0", "tcpsynbus", "10.4.0.3", 24) == 0, "a client kernel at 10.4.0.3");
	rumpus_kernel_switch(NULL);
	k = pkt_setup("tcpsynbus");
	ok(k != NULL, "the server kernel at 10.4.0.1, our port at 10.4.0.2");
	l = x_listen("0.0.0.0", 80, 16);
	ok(l >= 0, "listen, backlog 16");
	drain();
	before = rumpus_kernel_memused(k);
	flooder(&f);
	drain();
	after = rumpus_kernel_memused(k);
	ok(after < before + 2 * 1024 * 1024, "10,000 forged SYNs: the server's memory grew %zu "
	    "bytes (bounded: at most 25 embryos)", after - before);
	ok(x_state(k, (struct x_tuple){ kip, myip, __builtin_bswap16(80),
	    __builtin_bswap16(20000 + 9999) }) == X_TCPS_SYN_RECEIVED &&
	    x_state(k, (struct x_tuple){ kip, myip, __builtin_bswap16(80),
	    __builtin_bswap16(20000) }) == -1, "the latest SYN has an embryo, the first one's "
	    "was dropped");
	t0 = rumpus_clock_now();
	ok(client_echo(c, k, l) == 0, "a real client connects and echoes a byte");
	ok(rumpus_clock_now() == t0, "at once: no virtual time passed (no wait for keepinit)");

	/* the flood from another thread while this one connects */
	f.base = 40000;
	f.n = 5000;
	pthread_create(&t, NULL, flooder, &f);
	for (i = 0, bad = 0; i < 20; i++)
		bad += client_echo(c, k, l) != 0;
	pthread_join(t, NULL);
	ok(bad < 20, "20 connections during a flood from another thread: %d echo (an embryo "
	    "may be the oldest when the queue overflows)", 20 - bad);
	ok(client_echo(c, k, l) == 0, "after the flood a client connects and echoes");
	drain();
	ok(rumpus_kernel_memused(k) < before + 2 * 1024 * 1024, "memory still bounded");

	bus_detach(&port);
	rump_sys_close(l);
	rumpus_kernel_destroy(k);
	rumpus_kernel_destroy(c);
	return tap_done();
}
