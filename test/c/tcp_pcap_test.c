/*
 * tcp_pcap_test.c: a capture of a TCP session between two kernels (handshake with
 * options, 2 MB of data both ways, half-close, FINs, a RST from a closed port) decodes
 * in tshark with checksums checked: no malformed packet, no bad checksum, no expert
 * error.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "tcp_nb.h"
#include "tshark.h"

static int
pump(struct rumpus_kernel *ka, int a, struct rumpus_kernel *kb, int b, size_t total)
{
	static uint8_t buf[32768];
	size_t sent = 0, got = 0;

	memset(buf, 'p', sizeof(buf));
	while (got < total) {
		rumpus_kernel_switch(ka);
		if (sent < total) {
			size_t c = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
			ssize_t w = rump_sys_sendto(a, buf, c, X_MSG_DONTWAIT, NULL, 0);
			if (w > 0)
				sent += (size_t)w;
		}
		rumpus_kernel_switch(kb);
		ssize_t r = rump_sys_recvfrom(b, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL);
		if (r == 0)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	char path[] = "/tmp/rumpus_tcppcap_XXXXXX", cmd[512];
	static char out[64 << 20];
	int fd, l, c, s, e;
	size_t n = 0;
	char ch;

	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("tcpcapbus", path) == 0, "capture of tcpcapbus into %s", path);
	a = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "tcpcapbus", "10.6.0.1", 24);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "tcpcapbus", "10.6.0.2", 24);
	ok(e == 0, "two kernels on tcpcapbus");
	l = x_listen("0.0.0.0", 80, 5);
	rumpus_kernel_switch(a);
	c = x_connect("10.6.0.2", 80);
	rumpus_kernel_switch(b);
	s = rump_sys_accept(l, NULL, NULL);
	ok(c >= 0 && s >= 0, "connected");
	ok(pump(a, c, b, s, 1 << 20) == 0 && pump(b, s, a, c, 1 << 20) == 0, "1 MB each way");
	rumpus_kernel_switch(a);
	rump_sys_shutdown(c, X_SHUT_WR);
	rumpus_kernel_switch(b);
	rump_sys_read(s, &ch, 1);
	rump_sys_close(s);
	rumpus_kernel_switch(a);
	rump_sys_read(c, &ch, 1);
	rump_sys_close(c);
	c = x_connect("10.6.0.2", 81);
	ok(c == -X_ECONNREFUSED, "a refused connection too");
	ok(rumpus_bus_pcap("tcpcapbus", NULL) == 0, "capture stopped");
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);

	if (!x_tshark_or_skip(path))
		return tap_done();
	snprintf(cmd, sizeof(cmd), "tshark -n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
	    "-o tcp.analyze_sequence_numbers:TRUE -r %s -V 2>&1", path);
	e = x_tshark_read(cmd, out, sizeof(out), &n);
	ok(e == 0 && n > 0, "tshark -r -V reads it (status %d, %zu bytes of text)", e, n);
	ok(!has(out, "Malformed") && !has(out, "malformed"), "no malformed packets");
	ok(has(out, "Transmission Control Protocol") && has(out, "Flags: 0x002 (SYN)") &&
	    has(out, "Flags: 0x012 (SYN, ACK)"), "SYN and SYN|ACK");
	ok(has(out, "Maximum segment size: 1460 bytes") && has(out, "Window scale: 3") &&
	    has(out, "Timestamps: TSval"), "MSS, window scale and timestamp options");
	ok(has(out, "(FIN, ACK)") && has(out, "(RST, ACK)"), "FIN and RST");
	ok(!has(out, "[incorrect") && !has(out, "Bad checksum") && !has(out, "[Expert Info (Error"),
	    "no bad checksums or expert errors");
	if (tap_failed || getenv("TCP_PCAP_KEEP") != NULL)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
