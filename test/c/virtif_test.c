/*
 * virtif_test.c: net.virtif against Linux's own stack, through a tap device in a network
 * namespace this test makes for itself (the process unshares its network namespace before
 * anything else, so every tap, address and route lives and dies with the test; the host's
 * namespace is never touched).  As root; skipped with the reason otherwise.
 *
 * Covered: the link string's rules and errors (EBUSY, ENAMETOOLONG, EINVAL, ENXIO for
 * an unknown interface, a second kernel on a held tap), the tap appearing and vanishing
 * on the host, ICMP echo both ways, UDP both ways, TCP connects both ways with data, and
 * tear-down under load: interfaces and whole kernels destroyed while a Linux thread floods
 * them, with the tap's host thread joined every time (no tap left open, no leak); the tap
 * as a FIFO link (hyp_tap_send: a frame another thread sends while the tap's thread has
 * frames for later does not overtake them).  The
 * bulk, abort and loss cases are in test/rump/virtif_test.lua.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tcp_nb.h"
#include "hyper/tap.h"

/* <net/if.h> would be the kernel's (-Icsrc) */
unsigned int if_nametoindex(const char *ifname);

#define X_ENOENT	2
#define X_EBUSY		16
#define X_ENAMETOOLONG	63
#define X_SIOCGLINKSTR	0xc0286987UL

static const char *comps[] = { "net.netinet", "net.virtif", NULL };

static int
sh(const char *fmt, const char *arg)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static struct rumpus_kernel *
boot(void)
{
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL)
		printf("# boot failed: %d %s\n", err, rumpus_error());
	return k;
}

/* SIOCSLINKSTR on ifname in the current kernel (cmd 0 sets, 1 unsets); 0 or errno. */
static int
linkstr(const char *ifname, const char *str, int cmd)
{
	struct x_ifdrv ifd;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.name, sizeof(ifd.name), "%s", ifname);
	ifd.cmd = (unsigned long)cmd;
	ifd.data = (void *)str;
	ifd.len = str != NULL ? strlen(str) + 1 : 0;
	if (rump_sys_ioctl(s, X_SIOCSLINKSTR, &ifd) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

static int
ifreq_ioctl(unsigned long cmd, const char *ifname)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	if (rump_sys_ioctl(s, cmd, &ifr) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

static int
setflags(const char *ifname, int up)
{
	struct x_ifreq ifr;
	int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0), e = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.name, sizeof(ifr.name), "%s", ifname);
	if (rump_sys_ioctl(s, X_SIOCGIFFLAGS, &ifr) < 0)
		e = errno;
	ifr.u.flags = (short)(up ? (ifr.u.flags | X_IFF_UP) : (ifr.u.flags & ~X_IFF_UP));
	if (e == 0 && rump_sys_ioctl(s, X_SIOCSIFFLAGS, &ifr) < 0)
		e = errno;
	rump_sys_close(s);
	return e;
}

static int
host_has(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* ---------------------------------------------------------------- the link string */

static void
test_linkstr(void)
{
	struct rumpus_kernel *k = boot(), *k2 = boot();
	char got[32];
	struct x_ifdrv ifd;
	int s;

	if (!ok(k != NULL && k2 != NULL, "two kernels with net.virtif boot"))
		return;
	rumpus_kernel_switch(k);
	ok(ifreq_ioctl(X_SIOCIFCREATE, "virtx") == X_EINVAL, "virtx is not a unit: EINVAL");
	ok(ifreq_ioctl(X_SIOCIFCREATE, "virt0") == 0, "SIOCIFCREATE virt0");
	ok(ifreq_ioctl(X_SIOCIFCREATE, "virt0") == X_EEXIST, "again: EEXIST");
	ok(linkstr("virt0", "a-very-long-tap-name", 0) == X_ENAMETOOLONG,
	    "a tap name over 15 bytes: ENAMETOOLONG");
	ok(linkstr("virt0", "bad/name", 0) == X_EINVAL, "a name with '/': EINVAL");
	ok(linkstr("virt0", "tap%d", 0) == X_EINVAL, "a name the host would choose (%%d): EINVAL");
	ok(linkstr("virt0", NULL, 1) == X_ENOENT, "unset without a device: ENOENT");
	ok(linkstr("virt9", "vt0", 0) == X_ENXIO, "no such interface: ENXIO");
	ok(!host_has("vt0"), "no vt0 on the host yet");
	ok(linkstr("virt0", "vt0", 0) == 0, "SIOCSLINKSTR vt0 opens the tap");
	ok(host_has("vt0"), "vt0 exists on the host (in the test's namespace)");
	ok(hyp_tap_count() == 1, "one tap open");
	ok(linkstr("virt0", "vt1", 0) == X_EBUSY, "a second link string: EBUSY");
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	memset(&ifd, 0, sizeof(ifd));
	memset(got, 0, sizeof(got));
	snprintf(ifd.name, sizeof(ifd.name), "virt0");
	ifd.data = got;
	ifd.len = sizeof(got);
	ok(rump_sys_ioctl(s, X_SIOCGLINKSTR, &ifd) == 0 && strcmp(got, "vt0") == 0,
	    "SIOCGLINKSTR: vt0 (%s)", got);
	rump_sys_close(s);
	ok(setflags("virt0", 1) == 0, "up");
	ok(linkstr("virt0", NULL, 1) == X_EBUSY, "unset while up: EBUSY");
	rumpus_kernel_switch(k2);
	ok(ifreq_ioctl(X_SIOCIFCREATE, "virt0") == 0, "the other kernel's virt0");
	ok(linkstr("virt0", "vt0", 0) == X_EBUSY, "the tap another kernel holds: EBUSY");
	rumpus_kernel_switch(k);
	ok(setflags("virt0", 0) == 0 && linkstr("virt0", NULL, 1) == 0, "down, then unset");
	ok(!host_has("vt0") && hyp_tap_count() == 0, "the tap is gone from the host");
	rumpus_kernel_switch(k2);
	ok(linkstr("virt0", "vt0", 0) == 0, "now the other kernel gets it");
	rumpus_kernel_switch(k);
	ok(linkstr("virt0", "vt1", 0) == 0, "and this one a new tap vt1");
	ok(ifreq_ioctl(X_SIOCIFDESTROY, "virt0") == 0, "SIOCIFDESTROY closes it");
	ok(!host_has("vt1") && host_has("vt0"), "vt1 gone, vt0 still held by the other kernel");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k2) == 0 && !host_has("vt0") && hyp_tap_count() == 0,
	    "destroying the kernel closes its tap");
	ok(rumpus_kernel_destroy(k) == 0, "destroy");
}

/* ---------------------------------------------------------------- traffic */

struct peer {			/* a Linux socket thread */
	int fd;
	atomic_int stop, sent, got;
	char buf[2048];
};

static int
host_udp(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { 2, 0 };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/* Linux pings the kernel from a raw socket: the echo reply's type, or -1. */
static int
host_ping(const char *dst)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t pkt[64], in[2048];
	struct timeval tv = { 2, 0 };
	uint16_t sum;
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP), i;
	ssize_t n;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	inet_pton(AF_INET, dst, &to.sin_addr);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 8;
	pkt[4] = 0x12, pkt[5] = 0x34, pkt[7] = 1;
	memcpy(pkt + 8, "linux ping", 10);
	sum = x_cksum(pkt, sizeof(pkt));
	memcpy(pkt + 2, &sum, 2);
	if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(s);
		return -1;
	}
	for (i = 0; i < 10; i++) {
		if ((n = recv(s, in, sizeof(in), 0)) < 28)
			break;
		int hl = (in[0] & 15) * 4;
		if (in[hl] == 0 && in[hl + 4] == 0x12 && memcmp(in + hl + 8, "linux ping", 10) == 0) {
			close(s);
			return 0;
		}
	}
	close(s);
	return -1;
}

static void *
tcp_accept_host(void *arg)
{
	int l = *(int *)arg, s;
	char buf[64];
	ssize_t n;

	if ((s = accept(l, NULL, NULL)) < 0)
		return (void *)1;
	n = read(s, buf, sizeof(buf));
	if (n > 0 && write(s, buf, (size_t)n) != n)
		n = -1;
	close(s);
	return n > 0 ? NULL : (void *)1;
}

static void
test_traffic(void)
{
	struct rumpus_kernel *k = boot();
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct x_sin from;
	socklen_t flen = sizeof(from);
	char buf[256];
	uint32_t src = 0;
	pthread_t th;
	void *res;
	int s, l, hs, type;
	ssize_t n;

	if (!ok(k != NULL, "boot"))
		return;
	rumpus_kernel_switch(k);
	ok(x_ifconfig("virt0", "vt2", "10.213.0.2", 24) == 0, "virt0 on vt2, 10.213.0.2/24");
	ok(sh("ip addr add 10.213.0.1/24 dev %s && ip link set vt2 up", "vt2") == 0,
	    "Linux side: 10.213.0.1/24 on vt2, up");

	/* ICMP both ways */
	s = rump_sys_socket(X_AF_INET, X_SOCK_RAW, X_IPPROTO_ICMP);
	x_rcvtimeo(s, 3000000);
	type = x_ping(s, "10.213.0.1", 0x4242, 1, &src, NULL);
	ok(type == 0 && src == x_ip("10.213.0.1"), "the kernel pings Linux: echo reply (%d)", type);
	rump_sys_close(s);
	ok(host_ping("10.213.0.2") == 0, "Linux pings the kernel: echo reply");

	/* UDP both ways */
	hs = host_udp("10.213.0.1", 5353);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	{
		struct x_sin me = x_sin("10.213.0.2", 5300), to = x_sin("10.213.0.1", 5353);
		rump_sys_bind(s, (struct sockaddr *)&me, sizeof(me));
		x_rcvtimeo(s, 3000000);
		ok(rump_sys_sendto(s, "to linux", 8, 0, (struct sockaddr *)&to, sizeof(to)) == 8,
		    "kernel sends a datagram");
	}
	struct sockaddr_in hfrom;
	socklen_t hlen = sizeof(hfrom);
	n = recvfrom(hs, buf, sizeof(buf), 0, (struct sockaddr *)&hfrom, &hlen);
	ok(n == 8 && memcmp(buf, "to linux", 8) == 0 && ntohs(hfrom.sin_port) == 5300,
	    "Linux receives it from port 5300");
	ok(sendto(hs, "to kernel", 9, 0, (struct sockaddr *)&hfrom, hlen) == 9, "Linux answers");
	n = rump_sys_recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	ok(n == 9 && memcmp(buf, "to kernel", 9) == 0 && from.addr == x_ip("10.213.0.1"),
	    "the kernel receives the answer");
	rump_sys_close(s);
	close(hs);

	/* TCP: Linux connects to the kernel */
	l = x_listen("10.213.0.2", 8080, 4);
	hs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin.sin_port = htons(8080);
	inet_pton(AF_INET, "10.213.0.2", &sin.sin_addr);
	ok(connect(hs, (struct sockaddr *)&sin, sizeof(sin)) == 0, "Linux connects to the kernel's listener");
	s = rump_sys_accept(l, NULL, NULL);
	ok(s >= 0 && write(hs, "hello", 5) == 5, "accepted; Linux writes");
	ok(rump_sys_recvfrom(s, buf, 5, X_MSG_WAITALL, NULL, NULL) == 5 && memcmp(buf, "hello", 5) == 0,
	    "the kernel reads it");
	ok(rump_sys_write(s, "world", 5) == 5 && read(hs, buf, 5) == 5 && memcmp(buf, "world", 5) == 0,
	    "and answers");
	rump_sys_close(s);
	ok(read(hs, buf, sizeof(buf)) == 0, "Linux reads EOF after the kernel's close");
	close(hs);
	rump_sys_close(l);

	/* TCP: the kernel connects to Linux */
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	{
		int one = 1;
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	sin.sin_port = htons(8081);
	inet_pton(AF_INET, "10.213.0.1", &sin.sin_addr);
	ok(bind(l, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(l, 4) == 0, "Linux listens");
	pthread_create(&th, NULL, tcp_accept_host, &l);
	s = x_connect("10.213.0.1", 8081);
	ok(s >= 0, "the kernel connects to Linux (%d)", s);
	ok(rump_sys_write(s, "echo me", 7) == 7 &&
	    rump_sys_recvfrom(s, buf, 7, X_MSG_WAITALL, NULL, NULL) == 7 && memcmp(buf, "echo me", 7) == 0,
	    "Linux echoes");
	ok(rump_sys_read(s, buf, sizeof(buf)) == 0, "EOF after Linux's close");
	pthread_join(th, &res);
	ok(res == NULL, "the Linux thread was content");
	rump_sys_close(s);
	close(l);
	s = x_connect("10.213.0.1", 8099);
	ok(s == -X_ECONNREFUSED, "a closed Linux port: ECONNREFUSED (%d)", s);

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0 && !host_has("vt2") && hyp_tap_count() == 0,
	    "destroy: the tap is closed");
}

/* ---------------------------------------------------------------- tear-down under load */

static atomic_int flood_stop;
static void *
flood(void *arg)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char pkt[512];

	(void)arg;
	memset(pkt, 'f', sizeof(pkt));
	inet_pton(AF_INET, "10.213.1.2", &to.sin_addr);
	while (!atomic_load(&flood_stop))
		if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			usleep(100);
	close(s);
	return NULL;
}

static void
test_teardown(void)
{
	pthread_t th;
	int i, good = 0, round;

	/* A permanent ARP entry on the Linux side, so the flood reaches the tap even while
	 * no kernel answers ARP. */
	if (sh("ip tuntap add dev %s mode tap && ip addr add 10.213.1.1/24 dev vt3 && "
	    "ip link set vt3 up && ip neigh replace 10.213.1.2 lladdr b2:0a:00:00:00:00 "
	    "dev vt3 nud permanent", "vt3") != 0) {
		ok(0, "a persistent tap vt3 for the flood");
		return;
	}
	pthread_create(&th, NULL, flood, NULL);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 10; i++) {
			struct rumpus_kernel *k = boot();
			int e;

			if (k == NULL)
				break;
			rumpus_kernel_switch(k);
			e = x_ifconfig("virt0", "vt3", "10.213.1.2", 24);
			/* frames arrive now (their MAC is not ours: counted and dropped, as a
			 * hub's are); wait for some */
			for (int w = 0; w < 200 && e == 0; w++) {
				struct x_ifdatareq d;
				int s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
				memset(&d, 0, sizeof(d));
				snprintf(d.name, sizeof(d.name), "virt0");
				rump_sys_ioctl(s, X_SIOCGIFDATA, &d);
				rump_sys_close(s);
				if (d.d.ipackets > 0)
					break;
				usleep(1000);
			}
			if (round == 0)		/* the interface first, then the kernel */
				e = e ? e : ifreq_ioctl(X_SIOCIFDESTROY, "virt0");
			rumpus_kernel_switch(NULL);
			if (e == 0 && rumpus_kernel_destroy(k) == 0 && hyp_tap_count() == 0)
				good++;
		}
	atomic_store(&flood_stop, 1);
	pthread_join(th, NULL);
	ok(good == 20, "20 kernels attached to a flooded tap, destroyed (10 interface first): "
	    "every tap thread joined (%d)", good);
	ok(host_has("vt3"), "a persistent tap outlives its users");

	/* The host deletes the device under a kernel: sends fail and are counted, the
	 * kernel still goes away cleanly. */
	{
		struct rumpus_kernel *k = boot();
		struct x_sin to = x_sin("10.213.1.1", 9);
		int s;

		rumpus_kernel_switch(k);
		ok(x_ifconfig("virt0", "vt3", "10.213.1.2", 24) == 0, "virt0 on vt3 again");
		ok(sh("ip link del %s", "vt3") == 0 && !host_has("vt3"), "the host deletes vt3");
		s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		for (i = 0; i < 3; i++)
			rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		rump_sys_close(s);
		rumpus_kernel_switch(NULL);
		ok(rumpus_kernel_destroy(k) == 0 && hyp_tap_count() == 0, "and the kernel is destroyed");
	}
}

/* A program written for NetBSD, linked with -lrumpnet_virtif and the other drop-ins. */
static void
test_compat(const char *argv0)
{
	char dir[512], cmd[4096];
	const char *slash = strrchr(argv0, '/');
	int st;

	/* the program is built next to this test, in the same build directory */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/../netbsd-compat/lib %s/virtif_compat_prog "
	    ">%s/virtif_compat_prog.out 2>&1; st=$?; sed 's/^/# /' %s/virtif_compat_prog.out; "
	    "exit $st", dir, dir, dir, dir);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a NetBSD program linked with -lrumpnet_virtif "
	    "finds the virt cloner and puts virt0 on a tap");
	ok(!host_has("vtcompat"), "its tap went with it");
}

/*
 * The tap keeps the order of the frames it is given.  Linux sends the tap a trigger frame
 * (a packet socket on the host side); rx, on the tap's thread, sends frame 1 (for later:
 * after rx) and has another thread send frame 2 before it returns (as the application
 * woken by the same ACK would).  The host must see 1 then 2: frame 2 goes behind frame 1
 * on the tap's list for later instead of being written at once.
 */
#define ORD_ETHERTYPE	0x88b5		/* IEEE local experimental */
struct ord {
	struct hyp_tap *tap;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int phase;			/* 1: rx asks the other thread to send; 2: it did */
	int triggered;
};

static void
ord_frame(uint8_t *f, uint8_t tag)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);
	f[12] = ORD_ETHERTYPE >> 8;
	f[13] = ORD_ETHERTYPE & 0xff;
	f[14] = tag;
}

static void
ord_rx(void *arg, void *frame, size_t len, const struct hyp_tap_meta *meta)
{
	struct ord *o = arg;
	const uint8_t *f = frame;
	uint8_t out[60];

	(void)meta;
	if (len < 15 || f[12] != ORD_ETHERTYPE >> 8 || f[13] != (ORD_ETHERTYPE & 0xff) ||
	    f[14] != 'T' || o->triggered)
		return;
	o->triggered = 1;
	ord_frame(out, 1);
	pthread_mutex_lock(&o->lock);
	(void)hyp_tap_send(o->tap, out, sizeof(out));	/* the tap's thread: for later */
	o->phase = 1;
	pthread_cond_broadcast(&o->cv);
	while (o->phase != 2)
		pthread_cond_wait(&o->cv, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

static void *
ord_other(void *arg)
{
	struct ord *o = arg;
	uint8_t out[60];

	pthread_mutex_lock(&o->lock);
	while (o->phase != 1)
		pthread_cond_wait(&o->cv, &o->lock);
	pthread_mutex_unlock(&o->lock);
	ord_frame(out, 2);
	(void)hyp_tap_send(o->tap, out, sizeof(out));
	pthread_mutex_lock(&o->lock);
	o->phase = 2;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static void
test_tap_order(void)
{
	struct ord o = { .tap = NULL };
	struct sockaddr_ll sll;
	struct timeval tv = { 5, 0 };
	uint8_t trig[60], buf[128];
	int got[2] = { 0, 0 }, n = 0, s, i;
	pthread_t th;
	ssize_t r;

	pthread_mutex_init(&o.lock, NULL);
	pthread_cond_init(&o.cv, NULL);
	/* o.tap under o.lock: hyp_tap_open sets it after the tap's thread started */
	pthread_mutex_lock(&o.lock);
	i = hyp_tap_open("vt8", ord_rx, &o, &o.tap);
	pthread_mutex_unlock(&o.lock);
	if (!ok(i == 0, "tap order: a tap opened") ||
	    !ok(sh("ip link set %s up", "vt8") == 0, "tap order: and up")) {
		hyp_tap_close(o.tap);
		return;
	}
	s = socket(AF_PACKET, SOCK_RAW, htons(ORD_ETHERTYPE));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ORD_ETHERTYPE);
	sll.sll_ifindex = (int)if_nametoindex("vt8");
	ok(s >= 0 && bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0 &&
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	    "tap order: a packet socket on the host's side");
	pthread_create(&th, NULL, ord_other, &o);
	ord_frame(trig, 'T');
	ok(send(s, trig, sizeof(trig), 0) == (ssize_t)sizeof(trig), "tap order: trigger sent");
	for (i = 0; i < 20 && n < 2; i++) {
		socklen_t sl = sizeof(sll);

		if ((r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl)) < 0)
			break;
		if (sll.sll_pkttype == PACKET_OUTGOING || r < 15)
			continue;			/* our trigger */
		got[n++] = buf[14];
	}
	pthread_join(th, NULL);
	ok(n == 2 && got[0] == 1 && got[1] == 2,
	    "tap order: the host gets the tap thread's frame for later before the frame "
	    "another thread sent after it (got %d: %d then %d)", n, got[0], got[1]);
	close(s);
	hyp_tap_close(o.tap);
	pthread_cond_destroy(&o.cv);
	pthread_mutex_destroy(&o.lock);
}

int
main(int argc, char **argv)
{
	if (geteuid() != 0) {
		skip("needs root (a network namespace and a tap device)", "virtif");
		return tap_done();
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		skip("no /dev/net/tun", "virtif");
		return tap_done();
	}
	/* Before any thread exists: the whole process moves to a namespace of its own. */
	if (unshare(CLONE_NEWNET) != 0) {
		skip("cannot make a network namespace", "virtif");
		return tap_done();
	}
	if (system("ip link set lo up") != 0) {
		skip("no ip(8) (iproute2)", "virtif");
		return tap_done();
	}
	(void)argc;
	test_compat(argv[0]);
	test_linkstr();
	test_traffic();
	test_teardown();
	test_tap_order();
	return tap_done();
}
