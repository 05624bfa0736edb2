/*
 * tcp_synflood_test.c: a SYN flood from the bus.  10,000 forged SYNs (ours, from 10,000
 * source ports, never completing) at a listener with backlog 16: they live in the SYN
 * cache (tcp_syncache.c), not as sockets, so the kernel's memory grows by at most one
 * small entry each (bounded by net.inet.tcp.syn_cache_limit, 10,255), and a real client
 * kernel on the same bus still connects at once.  Then 5,000 forged SYNs from another
 * thread while this one connects and echoes: the cache overflows and drops its oldest
 * entries (NetBSD's rule), never a real client's fresh one, so every client gets in.
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
	/* the forged SYNs never complete: a completed connection is the client's (bounded
	 * wait: a lost one shows as a failure) */
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
	{
		struct x_synstat st;

		ok(tcp_syncache_info(k, &st, myip, __builtin_bswap16(20000), kip,
		    __builtin_bswap16(80), NULL) == 0 && tcp_syncache_info(k, &st, myip,
		    __builtin_bswap16(20000 + 9999), kip, __builtin_bswap16(80), NULL) == 0,
		    "the first and the latest SYN have a cache entry");
		ok(st.count == 10000 && st.added == 10000, "10,000 entries (%llu)",
		    (unsigned long long)st.count);
		ok(after < before + 10000 * (st.entrysize + 64) + 64 * 1024, "10,000 forged SYNs: "
		    "the server's memory grew %zu bytes (%llu a entry, bounded)", after - before,
		    (unsigned long long)st.entrysize);
		ok(x_state(k, (struct x_tuple){ kip, myip, __builtin_bswap16(80),
		    __builtin_bswap16(20000) }) == -1, "and no pcb for any of them");
	}
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
	/* a full cache drops the oldest entry of the new SYN's bucket: a client's entry is
	 * the newest of its bucket and would need some 10,000 more SYNs to become the oldest */
	ok(bad == 0, "20 connections during a flood from another thread: %d echo", 20 - bad);
	{
		struct x_synstat st;

		tcp_syncache_info(k, &st, 0, 0, 0, 0, NULL);
		ok(st.count <= 10255 && st.overflowed > 0, "the cache stays within its limit "
		    "(%llu entries, %llu overflows)", (unsigned long long)st.count,
		    (unsigned long long)st.overflowed);
	}
	ok(client_echo(c, k, l) == 0, "after the flood a client connects and echoes");
	drain();
	ok(rumpus_kernel_memused(k) < before + 3 * 1024 * 1024, "memory still bounded");

	bus_detach(&port);
	rump_sys_close(l);
	rumpus_kernel_destroy(k);
	rumpus_kernel_destroy(c);
	return tap_done();
}
