/*
 * tcp_tsofwd_test.c: a router kernel with TCP segmentation offload on its first bus and
 * none on its second: the offload frames A sends it are cut by ip_output to the second
 * bus's MTU when forwarded (csrc/netinet/ip_output.c, ip_output_tso); 8 MB with one
 * thread and 4 MB with a thread per end arrive intact at D.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tso_xfer.h"


int
main(void)
{
	struct rumpus_kernel *a, *r, *d;
	struct x_ifdatareq rd0, rd1, dd0, dd1;
	int c, s, e, l2, one = 1;

	a = x_boot(), r = x_boot(), d = x_boot();
	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "tsofwd1", "10.7.0.1", 24);
	e |= tso_on(a, "shmif0", 1);
	rumpus_kernel_switch(r);
	e |= x_ifconfig("shmif0", "tsofwd1", "10.7.0.254", 24);
	e |= x_ifconfig("shmif1", "tsofwd2", "10.8.0.1", 24);
	e |= x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	e |= tso_on(r, "shmif0", 1);
	rumpus_kernel_switch(d);
	e |= x_ifconfig("shmif0", "tsofwd2", "10.8.0.2", 24);
	e |= x_route(X_RTM_ADD, "0.0.0.0", 0, "10.8.0.1", X_RTF_GATEWAY, NULL, 0);
	rumpus_kernel_switch(a);
	e |= x_route(X_RTM_ADD, "10.8.0.0", 24, "10.7.0.254", X_RTF_GATEWAY, NULL, 0);
	ok(e == 0, "A - R - D: R forwards from tsofwd1 (TSO on) to tsofwd2 (none)");
	rumpus_kernel_switch(d);
	l2 = x_listen("0.0.0.0", 80, 5);
	x_ifdata("shmif0", &dd0);
	rumpus_kernel_switch(r);
	x_ifdata("shmif0", &rd0);
	ok(pair(a, d, l2, "10.8.0.2", &c, &s) == 0, "A connected to D through R");
	ok(xfer1(a, c, d, s, 8u << 20) == 0, "8 MB A -> D: intact");
	ok(xfer2(a, c, d, s, 4u << 20) == 0, "4 MB more with a thread per end: intact");
	ok(xfer2(d, s, a, c, 2u << 20) == 0, "2 MB D -> A: intact");
	rumpus_kernel_switch(r);
	x_ifdata("shmif0", &rd1);
	rumpus_kernel_switch(d);
	x_ifdata("shmif0", &dd1);
	ok(rd1.d.ipackets - rd0.d.ipackets < (12u << 20) / 1448 / 2,
	    "R got offload frames (%llu frames)",
	    (unsigned long long)(rd1.d.ipackets - rd0.d.ipackets));
	ok(dd1.d.ipackets - dd0.d.ipackets >= (12u << 20) / 1448 && dd1.d.ierrors == dd0.d.ierrors &&
	    dd1.d.ibytes - dd0.d.ibytes <= (dd1.d.ipackets - dd0.d.ipackets) * 1514,
	    "D got MTU-sized frames (%llu), no input errors",
	    (unsigned long long)(dd1.d.ipackets - dd0.d.ipackets));
	unpair(a, c, d, s);
	rumpus_kernel_switch(d);
	rump_sys_close(l2);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(d);
	return tap_done();
}
