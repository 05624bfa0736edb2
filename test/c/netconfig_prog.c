/*
 * netconfig_prog.c: a program written for NetBSD's rump kernels, linked against
 * build/netbsd-compat/lib by NetBSD's names (-lrump -lrumpnet -lrumpnet_net
 * -lrumpnet_netinet -lrumpnet_shmif -lrumpnet_config -lrumpuser) and configured only with
 * rump_pub_netconfig_*, as NetBSD's rump network tests configure shmif.
 *
 * NetBSD's tests put the peer in a second process on a file-backed bus; rumpus' buses
 * live in one process, so the peer is a second kernel made with rumpus_kernel_create()
 * (the one rumpus call here, also exported by librump.so) and configured with the same
 * netconfig calls while it is the thread's current kernel.  Then, from rump_init()'s
 * kernel: UDP to the peer and back, a ping to the peer, and a default route read back.
 * Exit 0 when everything works; a line naming the failed step otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inet_nb.h"
#include "rump/netconfig.h"

int rump_init(void);

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s (errno %d)\n", what, errno); return 1; } } while (0)
#define NC(call) do { int rv_ = (call); if (rv_ != 0) { printf("FAIL: %s: %d\n", #call, rv_); return 1; } } while (0)

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_kernel *peer;
	struct x_sin sin, from;
	socklen_t slen;
	char buf[64];
	int s, ps, r, err = 0, t;
	uint32_t src;

	CHECK(rump_init() == 0, "rump_init");
	/* the NetBSD way, in rump_init()'s kernel */
	NC(rump_pub_netconfig_ifcreate("shmif0"));
	NC(rump_pub_netconfig_ifsetlinkstr("shmif0", "nc-compat"));
	NC(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.31.0.1", "255.255.255.0"));
	NC(rump_pub_netconfig_ipv4_gw("10.31.0.254"));
	CHECK(rump_pub_netconfig_ipv4_gw("10.31.0.254") == X_EEXIST, "second default route is EEXIST");
	CHECK(rump_pub_netconfig_ifup("shmif7") == X_ENXIO, "unknown interface is ENXIO");

	/* the peer */
	peer = rumpus_kernel_create(comps, NULL, &err);
	CHECK(peer != NULL, "peer kernel");
	rumpus_kernel_switch(peer);
	NC(rump_pub_netconfig_ifcreate("shmif0"));
	NC(rump_pub_netconfig_ifsetlinkstr("shmif0", "nc-compat"));
	NC(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.31.0.2", 24));
	ps = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("0.0.0.0", 5555);
	CHECK(ps >= 0 && rump_sys_bind(ps, (struct sockaddr *)&sin, sizeof(sin)) == 0, "peer bind");
	x_rcvtimeo(ps, 2000000);
	rumpus_kernel_switch(NULL);		/* back to rump_init()'s kernel */

	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	sin = x_sin("0.0.0.0", 5556);
	CHECK(s >= 0 && rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind");
	x_rcvtimeo(s, 2000000);
	sin = x_sin("10.31.0.2", 5555);
	CHECK(rump_sys_sendto(s, "ping", 4, 0, (struct sockaddr *)&sin, sizeof(sin)) == 4, "send to peer");
	rumpus_kernel_switch(peer);
	slen = sizeof(from);
	r = (int)rump_sys_recvfrom(ps, buf, sizeof(buf), 0, (struct sockaddr *)&from, &slen);
	CHECK(r == 4 && memcmp(buf, "ping", 4) == 0 && from.addr == x_ip("10.31.0.1"), "peer receives");
	CHECK(rump_sys_sendto(ps, "pong", 4, 0, (struct sockaddr *)&from, sizeof(from)) == 4, "peer answers");
	rump_sys_close(ps);
	rumpus_kernel_switch(NULL);
	r = (int)rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
	CHECK(r == 4 && memcmp(buf, "pong", 4) == 0, "answer received");
	rump_sys_close(s);

	s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
	CHECK(s >= 0, "raw ICMP socket");
	x_rcvtimeo(s, 2000000);
	t = x_ping(s, "10.31.0.2", 77, 1, &src, NULL);
	CHECK(t == 0 && src == x_ip("10.31.0.2"), "ping the peer");
	rump_sys_close(s);
	printf("ok: configured with netconfig, UDP and ping over bus nc-compat\n");
	return 0;
}
