/*
 * inet6_compat_prog.c: a NetBSD-style rump program (only rump_init and rump_sys_*) linked
 * with -lrumpnet_netinet6 -lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net -lrumpnet -lrump
 * -lrumpuser from build/netbsd-compat/lib: the drop-in library boots net.netinet6, so
 * AF_INET6 sockets exist, lo0 has ::1, SIOCAIFADDR_IN6 configures shmif0, and UDP over
 * IPv6 works on lo0 and to the shmif address.  Exit 0 when all works.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inet6_nb.h"

int rump_init(void);

#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s (errno %d)\n", what, errno); return 1; } } while (0)

int
main(void)
{
	struct x_sin6 sin6, from;
	socklen_t slen = sizeof(from);
	char buf[64];
	int s, r, i;

	CHECK(rump_init() == 0, "rump_init");
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	CHECK(s >= 0, "socket(AF_INET6): net.netinet6 is there");
	CHECK(x6_aflag("lo0", "::1") >= 0, "lo0 has ::1");
	CHECK(x_ifconfig("shmif0", "compat6bus", NULL, 0) == 0, "shmif0 up");
	CHECK(x6_addr("shmif0", "2001:db8:30::1", 64, X_IN6_IFF_NODAD) == 0, "SIOCAIFADDR_IN6");
	sin6 = x_sin6("::", 9999, 0);
	CHECK(rump_sys_bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) == 0, "bind [::]:9999");
	for (i = 0; i < 2; i++) {
		sin6 = x_sin6(i == 0 ? "::1" : "2001:db8:30::1", 9999, 0);
		r = (int)rump_sys_sendto(s, "six", 3, 0, (struct sockaddr *)&sin6, sizeof(sin6));
		CHECK(r == 3, "sendto");
		slen = sizeof(from);
		r = (int)rump_sys_recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &slen);
		CHECK(r == 3 && memcmp(buf, "six", 3) == 0, "recvfrom");
	}
	rump_sys_close(s);
	printf("ok\n");
	return 0;
}
