/*
 * net_compat_prog.c: a program written for NetBSD's rump kernels using AF_LOCAL sockets,
 * linked against the drop-in libraries only (-lrumpnet_local -lrumpnet -lrump
 * -lrumpuser).  Built with -DNO_NET it links no net library: socket() must then be ENOSYS.
 * Exit status 0 when every check held.  Run by net_sock_compat_test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int rump_init(void);
int rump___sysimpl_socketpair(int, int, int, int *);
long rump___sysimpl_write(int, const void *, unsigned long);
long rump___sysimpl_read(int, void *, unsigned long);
int rump___sysimpl_socket30(int, int, int);

int
main(void)
{
	int bad = 0;

	if (rump_init() != 0) {
		printf("not ok - rump_init\n");
		return 3;
	}
#ifdef NO_NET
	errno = 0;
	if (rump___sysimpl_socket30(1, 1, 0) == -1 && errno == 78)
		printf("ok - socket without librumpnet is ENOSYS\n");
	else {
		printf("not ok - socket without librumpnet: errno %d\n", errno);
		bad = 1;
	}
#else
	int sv[2];
	char buf[8];

	if (rump___sysimpl_socketpair(1, 1, 0, sv) == 0)
		printf("ok - socketpair(AF_LOCAL)\n");
	else {
		printf("not ok - socketpair: errno %d\n", errno);
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	if (rump___sysimpl_write(sv[0], "net", 3) == 3 && rump___sysimpl_read(sv[1], buf, 8) == 3 &&
	    strcmp(buf, "net") == 0)
		printf("ok - data through the pair\n");
	else {
		printf("not ok - data through the pair\n");
		bad = 1;
	}
#endif
	return bad;
}
