/*
 * inet6_pcap_test.c: a capture of an IPv6 line A - R - B (rumpus_bus_pcap) holds DAD and
 * address resolution (neighbor solicitation/advertisement), MLD reports, ICMPv6 echo,
 * UDP, fragments, time exceeded, unreachable, packet too big and a redirect; tshark
 * decodes every frame with no malformed packet, bad checksum or expert error.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet6_nb.h"
#include "tshark.h"

int
main(void)
{
	struct rumpus_kernel *a, *r, *b;
	char path[] = "/tmp/rumpus_pcap6_XXXXXX", cmd[512], llr[64];
	static char out[8 << 20], big[3000];
	struct x_sin6 sin6;
	int fd, s, one = 1, e;
	size_t n = 0;

	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("cap6bus", path) == 0, "capture of cap6bus into %s", path);
	a = x6_boot(), r = x6_boot(), b = x6_boot();
	rumpus_kernel_switch(r);
	e = x_ifconfig("shmif0", "cap6bus", NULL, 0) | x6_addr("shmif0", "2001:db8:20::1", 64, 0);
	e |= x_ifconfig("shmif1", "cap6bus2", NULL, 0) | x6_addr("shmif1", "2001:db8:21::1", 64, 0);
	e |= x6_sysctl(X_IPPROTO_IPV6, X_IPV6CTL_FORWARDING, NULL, &one);
	x_lladdr6("shmif0", llr, sizeof(llr));
	rumpus_kernel_switch(a);
	e |= x_ifconfig("shmif0", "cap6bus", NULL, 0) | x6_addr("shmif0", "2001:db8:20::2", 64, 0);
	e |= x6_route(X_RTM_ADD, "::", 0, llr, x_ifindex("shmif0"), X_RTF_GATEWAY);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "cap6bus2", NULL, 0) | x6_addr("shmif0", "2001:db8:21::2", 64, 0);
	e |= x6_route(X_RTM_ADD, "::", 0, "2001:db8:21::1", 0, X_RTF_GATEWAY);
	ok(e == 0, "A - R - B configured");
	usleep(1500000);	/* DAD (real clock) */

	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_RAW, X_IPPROTO_ICMPV6);
	x_rcvtimeo(s, 3000000);
	ok(x6_ping(s, "2001:db8:21::2", 0, 1, 64, NULL) == 129, "ping6 B through R");
	rump_sys_setsockopt(s, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &one, sizeof(one));
	ok(x6_ping(s, "2001:db8:21::2", 0, 2, 64, NULL) == 3, "hop limit 1: time exceeded");
	e = 64;
	rump_sys_setsockopt(s, X_IPPROTO_IPV6, X_IPV6_UNICAST_HOPS, &e, sizeof(e));
	ok(x6_ping(s, "2001:db8:99::1", 0, 3, 64, NULL) == 1, "no route: unreachable");
	for (e = 0; e < 2; e++) {	/* the link R - B shrinks to 1280 */
		struct x_ifreq ifr;
		int t;
		rumpus_kernel_switch(e == 0 ? r : b);
		t = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, e == 0 ? "shmif1" : "shmif0");
		ifr.u.mtu = 1280;
		rump_sys_ioctl(t, X_SIOCSIFMTU, &ifr);
		rump_sys_close(t);
	}
	rumpus_kernel_switch(a);
	ok(x6_ping(s, "2001:db8:21::2", 0, 4, 1400, NULL) == 2, "packet too big from R");
	ok(x6_ping(s, "2001:db8:21::2", 0, 5, 1400, NULL) == 129, "then fragments get through");
	rump_sys_close(s);
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	memset(big, 'u', sizeof(big));
	sin6 = x_sin6("2001:db8:20::1", 7777, 0);
	ok(rump_sys_sendto(s, big, sizeof(big), 0, (struct sockaddr *)&sin6, sizeof(sin6)) == 3000,
	    "3000 bytes of UDP (fragmented) to a closed port of R");
	sin6 = x_sin6(llr, 7778, x_ifindex("shmif0"));
	ok(rump_sys_sendto(s, "hi", 2, 0, (struct sockaddr *)&sin6, sizeof(sin6)) == 2,
	    "UDP to R's link-local address");
	usleep(200000);
	rump_sys_close(s);
	ok(rumpus_bus_pcap("cap6bus", NULL) == 0, "capture stopped");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(b);

	if (!x_tshark_or_skip(path))
		return tap_done();
	snprintf(cmd, sizeof(cmd), "tshark -n -o udp.check_checksum:TRUE "
	    "-o icmpv6.checksum:TRUE -r %s -V 2>&1", path);
	e = x_tshark_read(cmd, out, sizeof(out), &n);
	if (e != 0) {	/* an older tshark without the icmpv6 preference */
		snprintf(cmd, sizeof(cmd), "tshark -n -o udp.check_checksum:TRUE -r %s -V 2>&1",
		    path);
		e = x_tshark_read(cmd, out, sizeof(out), &n);
	}
	ok(e == 0 && n > 0, "tshark -r -V reads it (status %d, %zu bytes of text)", e, n);
	ok(!has(out, "Malformed") && !has(out, "malformed"), "no malformed packets");
	ok(has(out, "Neighbor Solicitation") && has(out, "Neighbor Advertisement"),
	    "neighbor solicitation and advertisement");
	ok(has(out, "Multicast Listener Report"), "MLD reports");
	ok(has(out, "Echo (ping) request") && has(out, "Echo (ping) reply"), "ICMPv6 echo");
	ok(has(out, "Time Exceeded"), "time exceeded");
	ok(has(out, "Destination Unreachable") && has(out, "Port unreachable"),
	    "destination unreachable (no route and port)");
	ok(has(out, "Packet Too Big"), "packet too big");
	ok(has(out, "Fragment Header"), "fragment headers");
	ok(has(out, "User Datagram Protocol, Src Port"), "UDP");
	ok(!has(out, "[incorrect") && !has(out, "Bad checksum") && !has(out, "[Expert Info (Error"),
	    "no bad checksums or errors flagged");
	if (tap_failed)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
