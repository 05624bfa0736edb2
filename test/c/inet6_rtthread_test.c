/*
 * inet6_rtthread_test.c: the IPv6 routing table (a radix tree, csrc/netinet6/in6.c) under
 * host threads: one adds and deletes routes by PF_ROUTE messages while another sends
 * datagrams by them and a third asks RTM_GET for static routes; no error but "no route",
 * every RTM_GET answered, and the table ends as it began (part of make tsan).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"
#include "inet6_nb.h"

/* The routes of the current kernel (NET_RT_DUMP's messages). */
static int
nroutes(void)
{
	static uint8_t buf[1 << 16];
	int name[6] = { X_CTL_NET, X_PF_ROUTE, 0, X_AF_INET6, X_NET_RT_DUMP, 0 };
	size_t len = sizeof(buf), off;
	int n = 0;

	if (rump_sys___sysctl(name, 6, buf, &len, NULL, 0) < 0)
		return -1;
	for (off = 0; off + 4 <= len; n++) {
		uint16_t ml;
		memcpy(&ml, buf + off, 2);
		if (ml == 0)
			return -1;
		off += ml;
	}
	return n;
}

/* Threads: routes by PF_ROUTE messages changing while datagrams go out by them. */
struct thr { struct rumpus_kernel *a; atomic_int stop; int changes, sent, unreach, other,
	gets, getbad; };

static void *
changer(void *arg)
{
	struct thr *t = arg;
	char net[64];
	int i;

	rumpus_kernel_switch(t->a);
	for (i = 0; i < 300 || !atomic_load(&t->stop); i++) {
		snprintf(net, sizeof(net), "2001:db8:9:%x::", i % 40);
		if (x6_route(1, net, 64, "2001:db8:1::2", 0, X_RTF_GATEWAY) == 0 &&
		    x6_route(2, net, 64, NULL, 0, 0) == 0)
			t->changes++;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
sender(void *arg)
{
	struct thr *t = arg;
	char dst[64];
	struct x_sin6 to;
	int s, i;

	rumpus_kernel_switch(t->a);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	for (i = 0; i < 3000; i++) {
		snprintf(dst, sizeof(dst), "2001:db8:9:%x::5", i % 40);
		to = x_sin6(dst, 9, 0);
		if (rump_sys_sendto(s, "r", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1)
			t->sent++;
		else if (errno == X_EHOSTUNREACH6 || errno == 51 /* ENETUNREACH */)
			t->unreach++;
		else {
			if (t->other++ == 0)
				printf("# sendto: errno %d\n", errno);
		}
	}
	atomic_store(&t->stop, 1);
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
getter(void *arg)
{
	struct thr *t = arg;
	char dst[64];
	int i, e;

	rumpus_kernel_switch(t->a);
	for (i = 0; !atomic_load(&t->stop) || i < 200; i++) {
		snprintf(dst, sizeof(dst), "2001:db8:20:%x::1", i % 30);
		e = x6_route(4 /* RTM_GET */, dst, -1, NULL, 0, 0);
		t->gets++;
		t->getbad += e != 0;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
threads(void)
{
	struct thr t;
	pthread_t th[3];
	char net[64], bus[32];
	int i, n0, ok1;

	memset(&t, 0, sizeof(t));
	snprintf(bus, sizeof(bus), "r6radix%d", (int)getpid());
	t.a = x6_boot();
	rumpus_kernel_switch(t.a);
	ok(t.a != NULL && x_ifconfig("shmif0", bus, NULL, 0) == 0 &&
	    x6_addr("shmif0", "2001:db8:1::1", 64, X_IN6_IFF_NODAD) == 0,
	    "threads: a kernel on 2001:db8:1::1/64");
	for (i = 0, ok1 = 1; i < 30; i++) {
		snprintf(net, sizeof(net), "2001:db8:20:%x::", i);
		ok1 &= x6_route(1, net, 64, "2001:db8:1::2", 0, X_RTF_GATEWAY) == 0;
	}
	n0 = nroutes();
	ok(ok1 && n0 > 30, "30 static routes (%d in all)", n0);
	rumpus_kernel_switch(NULL);
	pthread_create(&th[0], NULL, changer, &t);
	pthread_create(&th[1], NULL, sender, &t);
	pthread_create(&th[2], NULL, getter, &t);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	ok(t.changes >= 300 && t.other == 0 && t.sent + t.unreach == 3000, "%d routes added and "
	    "deleted while 3000 datagrams went out: %d by them, %d found none, %d other errors",
	    t.changes, t.sent, t.unreach, t.other);
	ok(t.gets >= 200 && t.getbad == 0, "%d RTM_GETs of the static routes meanwhile, %d failed",
	    t.gets, t.getbad);
	rumpus_kernel_switch(t.a);
	ok(nroutes() == n0, "the table ends as it began (%d routes)", nroutes());
	for (i = 0, ok1 = 0; i < 40; i++) {
		snprintf(net, sizeof(net), "2001:db8:9:%x::5", i);
		ok1 += x6_route(4, net, -1, NULL, 0, 0) == X_ESRCH;
	}
	ok(ok1 == 40, "the changed routes are gone (%d of 40 RTM_GETs: ESRCH)", ok1);
	ok(x6_route(4, "2001:db8:20:3::5", -1, NULL, 0, 0) == 0, "a static route is still found");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(t.a);
}

int
main(void)
{
	threads();
	return tap_done();
}
