/*
 * virtif_compat_prog.c: a NetBSD-style rump program (only rump_init and rump_sys_*),
 * linked against build/netbsd-compat/lib with -lrumpnet_virtif -lrumpnet_netinet
 * -lrumpnet_net -lrumpnet -lrump -lrumpuser: the default kernel has the virt cloner (and
 * no shmif), SIOCIFCREATE virt0 works, the link string
 * "vtcompat" opens that tap (run by virtif_test inside its own network namespace), and a
 * second link string while up is EBUSY.
 * Exit 0 when all works; messages on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inet_nb.h"

int rump_init(void);

#define X_SIOCIFGCLONERS	0xc0106978UL
#define CHECK(c, what) do { if (!(c)) { printf("FAIL: %s (errno %d)\n", what, errno); return 1; } } while (0)

int
main(void)
{
	struct { int total, count; char *buf; } ifcr;
	char names[4][16];
	struct x_ifdrv ifd;
	int s;

	CHECK(rump_init() == 0, "rump_init");
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	CHECK(s >= 0, "socket");
	memset(names, 0, sizeof(names));
	ifcr.total = 0, ifcr.count = 4, ifcr.buf = names[0];
	CHECK(rump_sys_ioctl(s, X_SIOCIFGCLONERS, &ifcr) == 0, "SIOCIFGCLONERS");
	CHECK(ifcr.total == 2 && strcmp(names[0], "lo") == 0 && strcmp(names[1], "virt") == 0,
	    "the cloners are exactly: lo (always) and virt");
	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.name, sizeof(ifd.name), "virt0");
	ifd.data = (void *)"bad/name";
	ifd.len = 9;
	CHECK(x_ifconfig("virt0", "vtcompat", "10.213.9.2", 24) == 0, "create virt0 on tap vtcompat, up, address");
	CHECK(rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0 && errno == 16,
	    "a link string on an interface that is up: EBUSY");
	printf("ok\n");
	return 0;
}
