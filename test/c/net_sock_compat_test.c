/*
 * net_sock_compat_test.c: NetBSD's net library names as drop-ins.  net_compat_prog links
 * -lrumpnet_local -lrumpnet -lrump -lrumpuser from build/netbsd-compat/lib: rump_init
 * boots with net and net.local and AF_LOCAL sockets work.  net_compat_prog_nonet links
 * no net library: its kernel has no sockets (ENOSYS), as NetBSD's.
 */
#include "tap.h"
#include "compat_run.h"

int
main(void)
{
	ok(compat_run("net_compat_prog") == 0,
	    "a NetBSD program linked with -lrumpnet_local -lrumpnet uses AF_LOCAL sockets");
	ok(compat_run("net_compat_prog_nonet") == 0,
	    "the same program without the net libraries gets ENOSYS from socket()");
	return tap_done();
}
