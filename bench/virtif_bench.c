/*
 * virtif_bench.c: TCP bulk between a kernel and Linux through a tap (net.virtif), both
 * ways, beside Linux TCP over a veth pair between two network namespaces, measured in the
 * same process and run (root only; skipped with the reason otherwise).
 *
 * One thread drives both ends, non-blocking (as tcp_bench's bulk1): 64 MB per figure on a
 * new connection, in interleaved rounds (VIRTIF_BENCH_ROUNDS, default 5, BENCH_QUICK 3),
 * medians:
 *   - kernel -> Linux with TSO off on virt0 (MTU frames, one write each) and on (the
 *     kernel writes GSO frames of up to 64 KB: the host cuts);
 *   - Linux -> kernel with TSO off (Linux sends MTU frames) and on (receive offload: Linux
 *     hands over its GSO frames, virtif takes them whole);
 *   - Linux A -> Linux B over the veth pair (TSO/GSO/GRO on, Linux's defaults).
 * The process's own namespace is left as it was: the two namespaces are made with
 * unshare and go with the process.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcp_nb.h"
#include "bench.h"

#define TOTAL	(64u << 20)

static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
host_listen(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, addr, &sin.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 16) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static int
host_connect(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static struct rumpus_kernel *kv;
static int nsa, nsb, hl_tap, hl_veth, kl;
static uint8_t buf[65536];

static void
ns_to(int fd)
{
	setns(fd, CLONE_NEWNET);
}

/* The sender's and the receiver's non-blocking send and receive, on the host (k NULL)
 * or in kernel k. */
static ssize_t
snd(struct rumpus_kernel *k, int fd, size_t n)
{
	if (k == NULL)
		return send(fd, buf, n, MSG_DONTWAIT);
	rumpus_kernel_switch(k);
	return rump_sys_sendto(fd, buf, n, X_MSG_DONTWAIT, NULL, 0);
}

static ssize_t
rcv(struct rumpus_kernel *k, int fd)
{
	if (k == NULL)
		return recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	rumpus_kernel_switch(k);
	return rump_sys_recvfrom(fd, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL);
}

/* TOTAL bytes from fd c (in ks, NULL: the host) to fd s (in kr): MB/s. */
static double
bulk(struct rumpus_kernel *ks, int c, struct rumpus_kernel *kr, int s)
{
	size_t sent = 0, got = 0;
	uint64_t t0 = now_ns();
	ssize_t n;

	while (got < TOTAL) {
		while (sent < TOTAL) {
			n = snd(ks, c, TOTAL - sent < sizeof(buf) ? TOTAL - sent : sizeof(buf));
			if (n <= 0)
				break;
			sent += (size_t)n;
		}
		while ((n = rcv(kr, s)) > 0)
			got += (size_t)n;
	}
	t0 = now_ns() - t0;
	rumpus_kernel_switch(NULL);
	return (double)TOTAL / (1 << 20) / ((double)t0 / 1e9);
}

static void
kclose(int fd)
{
	rumpus_kernel_switch(kv);
	rump_sys_close(fd);
	rumpus_kernel_switch(NULL);
}

static double
k2l(void)
{
	int c, s;
	double v;

	rumpus_kernel_switch(kv);
	c = x_connect("10.65.0.1", 81);
	rumpus_kernel_switch(NULL);
	s = accept(hl_tap, NULL, NULL);
	if (c < 0 || s < 0)
		return 0;
	v = bulk(kv, c, NULL, s);
	kclose(c);
	close(s);
	return v;
}

static double
l2k(void)
{
	int c, s;
	double v;

	ns_to(nsb);
	c = host_connect("10.65.0.2", 82);
	rumpus_kernel_switch(kv);
	s = rump_sys_accept(kl, NULL, NULL);
	rumpus_kernel_switch(NULL);
	if (c < 0 || s < 0)
		return 0;
	v = bulk(NULL, c, kv, s);
	close(c);
	kclose(s);
	return v;
}

static double
veth(void)
{
	int c, s;
	double v;

	ns_to(nsa);
	c = host_connect("10.64.0.2", 80);
	s = accept(hl_veth, NULL, NULL);
	ns_to(nsb);
	if (c < 0 || s < 0)
		return 0;
	v = bulk(NULL, c, NULL, s);
	close(c);
	close(s);
	return v;
}

static void
tso(int on)
{
	uint64_t caps, en = on ? X_IFCAP_TSOv4 : 0;

	rumpus_kernel_switch(kv);
	x_ifcap("virt0", 1, &caps, &en);
	rumpus_kernel_switch(NULL);
}

static int
setup(void)
{
	static const char *comps[] = { "net.netinet", "net.virtif", NULL };
	char cmd[512];
	int err = 0;

	if (geteuid() != 0)
		return printf("@skip\tvirtif.*\tnot root (network namespaces, a tap)\n"), -1;
	if (unshare(CLONE_NEWNET) != 0 ||
	    (nsa = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) != 0 ||
	    (nsb = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return printf("@skip\tvirtif.*\tno network namespace\n"), -1;
	/* in B: the veth's end, the tap, the listeners */
	snprintf(cmd, sizeof(cmd), "ip link set lo up && ip link add vb type veth peer name va "
	    "netns /proc/%d/fd/%d && ip addr add 10.64.0.2/24 dev vb && ip link set vb up",
	    (int)getpid(), nsa);
	if (sh(cmd) != 0)
		return printf("@skip\tvirtif.*\tip(8) failed\n"), -1;
	if ((kv = rumpus_kernel_create(comps, NULL, &err)) == NULL)
		return printf("@skip\tvirtif.*\tno kernel (%d)\n", err), -1;
	rumpus_kernel_switch(kv);
	if (x_ifconfig("virt0", "vtbench", "10.65.0.2", 24) != 0) {
		rumpus_kernel_switch(NULL);
		return printf("@skip\tvirtif.*\tno tap (/dev/net/tun)\n"), -1;
	}
	kl = x_listen("0.0.0.0", 82, 16);
	rumpus_kernel_switch(NULL);
	if (sh("ip addr add 10.65.0.1/24 dev vtbench && ip link set vtbench up") != 0)
		return printf("@skip\tvirtif.*\tip(8) failed on the tap\n"), -1;
	hl_tap = host_listen("10.65.0.1", 81);
	hl_veth = host_listen("10.64.0.2", 80);
	ns_to(nsa);
	if (sh("ip link set lo up && ip addr add 10.64.0.1/24 dev va && ip link set va up") != 0)
		return printf("@skip\tvirtif.*\tip(8) failed in A\n"), -1;
	ns_to(nsb);
	if (kl < 0 || hl_tap < 0 || hl_veth < 0)
		return printf("@skip\tvirtif.*\tno listener\n"), -1;
	return 0;
}

int
main(void)
{
	const char *q = getenv("BENCH_QUICK"), *r = getenv("VIRTIF_BENCH_ROUNDS");
	int rounds = r != NULL ? atoi(r) : q != NULL && *q != '\0' && strcmp(q, "0") != 0 ? 3 : 5;
	double m[5][64];
	static const char *key[5] = { "virtif.k2l", "virtif.k2l.tso", "virtif.l2k", "virtif.l2k.tso",
	    "virtif.veth" };
	static const char *label[5] = {
		"TCP bulk kernel -> Linux through a tap (net.virtif), 1 thread, TSO off",
		"the same with TSO on virt0 (the kernel writes GSO frames)",
		"TCP bulk Linux -> kernel through a tap, 1 thread, TSO off (MTU frames)",
		"the same with TSO on virt0 (receive offload: Linux's GSO frames taken whole)",
		"Linux TCP over veth between two namespaces, 1 thread (the baseline)" };
	int i;

	if (setup() != 0)
		return 0;
	if (rounds < 1 || rounds > 64)
		rounds = 5;
	if ((q = getenv("VIRTIF_BENCH_PROFILE")) != NULL) {
		/* for perf: one direction with TSO on, rounds times ("k2l" or "l2k") */
		tso(1);
		for (int n = 0; n < rounds; n++)
			printf("%s %.0f MB/s\n", q, strcmp(q, "k2l") == 0 ? k2l() : l2k());
		return 0;
	}
	for (int n = 0; n < rounds; n++) {
		tso(0);
		m[0][n] = k2l();
		m[2][n] = l2k();
		tso(1);
		m[1][n] = k2l();
		m[3][n] = l2k();
		m[4][n] = veth();
	}
	for (i = 0; i < 5; i++) {
		double v = median(m[i], rounds);

		printf("virtif: %-70s %7.0f MB/s\n", label[i], v);
		printf("@fig\t%s\t%s\t%.17g\tMB/s\t\n", key[i], label[i], v);
		if (i < 4)
			printf("@cmp\t%s\tvirtif.veth\tsame process, 64 MB each, median of %d "
			    "interleaved rounds\n", key[i], rounds);
	}
	rumpus_kernel_destroy(kv);
	return 0;
}
