/*
 * inet6_compat_test.c: NetBSD's librumpnet_netinet6.so as a drop-in: inet6_compat_prog
 * links it with the other NetBSD-named libraries and uses IPv6 through rump_sys_* only.
 */
#include "tap.h"
#include "compat_run.h"

int
main(void)
{
	ok(compat_run("inet6_compat_prog") == 0, "a NetBSD program linked with -lrumpnet_netinet6 "
	    "-lrumpnet_shmif -lrumpnet_netinet -lrumpnet_net configures IPv6 and sends UDP");
	return tap_done();
}
