/*
 * inet_compat_prog.c: a NetBSD-style rump program (only rump_init and rump_sys_*),
 * linked against build/netbsd-compat/lib with -lrumpnet_shmif -lrumpnet_netinet
 * -lrumpnet_net -lrumpnet -lrump -lrumpuser, configured as NetBSD's rump tests configure
 * shmif: SIOCIFCREATE shmif0, SIOCSLINKSTR to a bus, IFF_UP, SIOCAIFADDR; then UDP over
 * lo0 and to its own shmif address.  Exit 0 when all works; messages on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inet_nb.h"

int rump_init(void);

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s (errno %d)\n", what, errno); return 1; } } while (0)

int
main(void)
{
	struct x_sin sin, from;
	socklen_t slen = sizeof(from);
	char buf[64];
	int s, r;

	CHECK(rump_init() == 0, "rump_init");
	CHECK(x_ifconfig("shmif0", "compatbus", "10.30.0.1", 24) == 0, "configure shmif0");
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	CHECK(s >= 0, "socket");
	sin = x_sin("0.0.0.0", 9999);
	CHECK(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind");
	sin = x_sin("127.0.0.1", 9999);
	CHECK(rump_sys_sendto(s, "lo", 2, 0, (struct sockaddr *)&sin, sizeof(sin)) == 2, "send lo0");
	r = (int)rump_sys_recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &slen);
	CHECK(r == 2 && from.addr == x_ip("127.0.0.1"), "receive over lo0");
	sin = x_sin("10.30.0.1", 9999);
	CHECK(rump_sys_sendto(s, "me", 2, 0, (struct sockaddr *)&sin, sizeof(sin)) == 2, "send own");
	r = (int)rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL);
	CHECK(r == 2 && memcmp(buf, "me", 2) == 0, "receive own address");
	printf("ok\n");
	return 0;
}
