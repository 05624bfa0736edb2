/*
 * inet6_compat_test.c: NetBSD's librumpnet_netinet6.so as a drop-in: inet6_compat_prog
 * links it with the other NetBSD-named libraries and uses IPv6 through rump_sys_* only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tap.h"

int
main(void)
{
	const char *b = getenv("RUMPUS_BUILD");
	char cmd[4096];
	int st;

	if (b == NULL)
		b = "build";
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/inet6_compat_prog "
	    ">%s/test/inet6_compat_prog.out 2>&1; st=$?; sed 's/^/# /' %s/test/inet6_compat_prog.out; "
	    "exit $st", b, b, b, b);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a NetBSD program linked with -lrumpnet_netinet6 "
	    "-lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net configures IPv6 and sends UDP");
	return tap_done();
}
