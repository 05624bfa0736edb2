/*
 * net_sock_compat_test.c: NetBSD's net library names as drop-ins.  net_compat_prog links
 * -lrumpnet_local -lrumpnet -lrump -lrumpuser from build/netbsd-compat/lib: rump_init
 * boots with net and net.local and AF_LOCAL sockets work.  net_compat_prog_nonet links
 * no net library: its kernel has no sockets (ENOSYS), as NetBSD's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tap.h"

static int
run(const char *build, const char *prog)
{
	char cmd[4096];
	int st;

	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/%s "
	    ">%s/test/%s.out 2>&1; st=$?; sed 's/^/# /' %s/test/%s.out; exit $st",
	    build, build, prog, build, prog, build, prog);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
main(void)
{
	const char *b = getenv("RUMPUS_BUILD");

	if (b == NULL)
		b = "build";
	ok(run(b, "net_compat_prog") == 0,
	    "a NetBSD program linked with -lrumpnet_local -lrumpnet uses AF_LOCAL sockets");
	ok(run(b, "net_compat_prog_nonet") == 0,
	    "the same program without the net libraries gets ENOSYS from socket()");
	return tap_done();
}
