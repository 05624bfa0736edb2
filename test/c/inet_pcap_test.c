/*
 * inet_pcap_test.c: a capture of a bus (rumpus_bus_pcap) holds ARP, ICMP echo, UDP,
 * IP fragments and ICMP errors, and tshark decodes every frame without "Malformed".
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet_nb.h"
#include "tshark.h"

int
main(void)
{
	struct rumpus_kernel *a, *r, *b;
	char path[] = "/tmp/rumpus_pcap_XXXXXX", cmd[256];
	static char out[4 << 20], big[3000];
	struct x_sin sin;
	int fd, s, one = 1, ttl = 1, e;
	size_t n = 0;

	ok(rumpus_bus_pcap("", "/tmp/x") == X_EINVAL, "empty bus name: EINVAL");
	ok(rumpus_bus_pcap("capbus", "/nonexistent/dir/file") != 0, "an unwritable path fails");
	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("capbus", path) == 0, "capture of capbus into %s", path);
	a = x_boot(), r = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "capbus", "10.20.0.2", 24);
	e |= x_route(X_RTM_ADD, "0.0.0.0", 0, "10.20.0.1", X_RTF_GATEWAY, NULL, 0);
	rumpus_kernel_switch(r);
	e |= x_ifconfig("shmif0", "capbus", "10.20.0.1", 24);
	e |= x_ifconfig("shmif1", "capbus2", "10.21.0.1", 24);
	e |= x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "capbus2", "10.21.0.2", 24);
	e |= x_route(X_RTM_ADD, "0.0.0.0", 0, "10.21.0.1", X_RTF_GATEWAY, NULL, 0);
	ok(e == 0, "A - R - B configured");

	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
	x_rcvtimeo(s, 2000000);
	ok(x_ping(s, "10.21.0.2", 1, 1, NULL, NULL) == 0, "ping B through R");
	rump_sys_setsockopt(s, 0, X_IP_TTL, &ttl, sizeof(ttl));
	ok(x_ping(s, "10.21.0.2", 1, 2, NULL, NULL) == 11, "TTL 1: time exceeded");
	ttl = 64;
	rump_sys_setsockopt(s, 0, X_IP_TTL, &ttl, sizeof(ttl));
	ok(x_ping(s, "10.99.0.1", 1, 3, NULL, NULL) == 3, "no route: unreachable");
	rump_sys_close(s);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	memset(big, 'u', sizeof(big));
	sin = x_sin("10.21.0.2", 7777);
	ok(rump_sys_sendto(s, big, sizeof(big), 0, (struct sockaddr *)&sin, sizeof(sin)) == 3000,
	    "3000 bytes of UDP (fragmented) to a closed port of B");
	sin = x_sin("10.20.0.1", 7777);
	ok(rump_sys_sendto(s, "hi", 2, 0, (struct sockaddr *)&sin, sizeof(sin)) == 2,
	    "UDP to a closed port of R");
	rump_sys_close(s);
	ok(rumpus_bus_pcap("capbus", NULL) == 0, "capture stopped");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(b);

	if (!x_tshark_or_skip(path))
		return tap_done();
	snprintf(cmd, sizeof(cmd), "tshark -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r %s -V 2>&1", path);
	e = x_tshark_read(cmd, out, sizeof(out), &n);
	ok(e == 0 && n > 0, "tshark -r -V reads it (status %d, %zu bytes of text)", e, n);
	ok(!has(out, "Malformed") && !has(out, "malformed"), "no malformed packets");
	ok(has(out, "Address Resolution Protocol (request)") &&
	    has(out, "Address Resolution Protocol (reply)"), "ARP request and reply");
	ok(has(out, "Echo (ping) request") && has(out, "Echo (ping) reply"), "ICMP echo and reply");
	ok(has(out, "Time-to-live exceeded"), "ICMP time exceeded");
	ok(has(out, "Destination unreachable") && has(out, "Port unreachable"),
	    "ICMP unreachable (network and port)");
	ok(has(out, "Fragment offset: 1480") || has(out, "Fragment Offset: 1480"),
	    "IP fragments of the 3000-byte datagram");
	ok(has(out, "User Datagram Protocol, Src Port"), "UDP");
	ok(!has(out, "[incorrect") && !has(out, "Bad checksum") && !has(out, "[Expert Info (Error"),
	    "no bad checksums or errors flagged");
	if (tap_failed)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
