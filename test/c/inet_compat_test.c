/*
 * inet_compat_test.c: NetBSD's library names for the network components as drop-ins:
 * inet_compat_prog links -lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net -lrumpnet
 * -lrump -lrumpuser and configures shmif as NetBSD's rump tests do.
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
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/inet_compat_prog "
	    ">%s/test/inet_compat_prog.out 2>&1; st=$?; sed 's/^/# /' %s/test/inet_compat_prog.out; "
	    "exit $st", b, b, b, b);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a NetBSD program linked with -lrumpnet_shmif "
	    "-lrumpnet_netinet -lrumpnet_net configures shmif0 and sends UDP");
	return tap_done();
}
