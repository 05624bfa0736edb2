/*
 * inet_compat_test.c: NetBSD's library names for the network components as drop-ins:
 * inet_compat_prog links -lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net -lrumpnet
 * -lrump -lrumpuser and configures shmif as NetBSD's rump tests do.
 */
#include "tap.h"
#include "compat_run.h"

int
main(void)
{
	ok(compat_run("inet_compat_prog") == 0, "a NetBSD program linked with -lrumpnet_shmif "
	    "-lrumpnet_netinet -lrumpnet_net configures shmif0 and sends UDP");
	return tap_done();
}
