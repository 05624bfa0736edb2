/*
 * inet6_mtuopt_test.c: what the IPPROTO_IPV6 options of a TCP socket and RFC 3542's path
 * MTU options do on the wire, seen from a promiscuous raw port on the bus between A and B.
 *   - TCP: IPV6_UNICAST_HOPS and IPV6_TCLASS set before connect go on every segment of
 *     the connection (the SYN too), a change after connect on the next segment; a sticky
 *     IPV6_DSTOPTS rides along and B still reads the stream; B's segments keep the
 *     defaults; RFC 3542's IPV6_DONTFRAG and IPV6_RECVPATHMTU are accepted and read 0.
 *   - the MSS: IPV6_USE_MIN_MTU 1 keeps A's segments in 1280-byte packets, a sticky
 *     64-byte IPV6_DSTOPTS takes its room from the segments (no fragments either way).
 *   - the options stay with a connection after its socket closed: A closes, then B does,
 *     and A's ACK of B's FIN (sent by the pcb alone) still has hop limit 7, class 0x28.
 *   - UDP IPV6_USE_MIN_MTU: 1 sends a 1400-byte datagram in fragments of 1280 bytes at
 *     most, 0 and -1 (unicast) in one frame; a cmsg overrides the socket's value.
 *   - IPV6_DONTFRAG: a datagram past the link's MTU is EMSGSIZE and the sockets with
 *     IPV6_RECVPATHMTU (connected to it or unconnected) get an IPV6_PATHMTU notification;
 *     under the link's MTU it goes whole even past a smaller path MTU.
 *   - A packet too big from the raw port quoting A's datagram: IPV6_PATHMTU notifications
 *     (1280) to the sockets that asked, none to one connected elsewhere; getsockopt
 *     IPV6_PATHMTU of the connected socket reads 1280 (the address zeroed, as NetBSD).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"
#include "vsleep.h"
#include "tcp_nb.h"
#include "inet6_nb.h"
#include "net/bus.h"

enum { X_IPV6_USE_MIN_MTU = 42, X_IPV6_RECVPATHMTU = 43, X_IPV6_PATHMTU = 44,
	X_IPV6_DONTFRAG = 62, X_IPV6_DSTOPTS_ = 50 };

struct x_iov { void *base; size_t len; };
struct x_msghdr { void *name; unsigned namelen; struct x_iov *iov; int iovlen; void *control;
	unsigned controllen; int flags; };

/* ---- the raw port: every IPv6 frame, kept in order */
#define NF 512
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct { uint8_t f[96]; size_t len; } fr[NF];
static int nfr;
static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x66, 0x66 }, amac[6], bmac[6];

static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f;

	(void)bp;
	if (len < 54 || e[12] != 0x86 || e[13] != 0xdd)
		return;
	pthread_mutex_lock(&mu);
	if (nfr < NF) {
		memcpy(fr[nfr].f, e, len < 96 ? len : 96);
		fr[nfr++].len = len;
	}
	pthread_mutex_unlock(&mu);
}

static void
clearfr(void)
{
	pthread_mutex_lock(&mu);
	nfr = 0;
	pthread_mutex_unlock(&mu);
}

/* frames from mac with next header nxt (first header): how many, and how many had hop
 * limit hl and traffic class tc (-1: any) and were at most maxlen bytes */
struct fstat { int n, match, maxlen; };
static struct fstat
frames(const uint8_t *mac, int nxt, int hl, int tc)
{
	struct fstat st = { 0, 0, 0 };
	int i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < nfr; i++) {
		const uint8_t *e = fr[i].f;
		int t = ((e[14] & 0x0f) << 4) | (e[15] >> 4);
		if (memcmp(e + 6, mac, 6) != 0 || e[20] != nxt)
			continue;
		st.n++;
		st.match += (hl < 0 || e[21] == hl) && (tc < 0 || t == tc);
		if ((int)fr[i].len > st.maxlen)
			st.maxlen = (int)fr[i].len;
	}
	pthread_mutex_unlock(&mu);
	return st;
}

static int
udpsock(int port, const char *peer, int pport)
{
	int s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	struct x_sin6 a = x_sin6("::", port, 0);

	if (port != 0)
		rump_sys_bind(s, (struct sockaddr *)&a, sizeof(a));
	if (peer != NULL) {
		a = x_sin6(peer, pport, 0);
		rump_sys_connect(s, (struct sockaddr *)&a, sizeof(a));
	}
	return s;
}

static int
setint(int s, int opt, int v)
{
	return rump_sys_setsockopt(s, X_IPPROTO_IPV6, opt, &v, sizeof(v)) < 0 ? errno : 0;
}

static int
getint(int s, int opt)
{
	int v = -99;
	socklen_t l = sizeof(v);

	return rump_sys_getsockopt(s, X_IPPROTO_IPV6, opt, &v, &l) < 0 ? -errno : v;
}

/* getsockopt IPV6_PATHMTU: the ip6_mtuinfo's MTU, or -errno */
static int
getpmtu(int s)
{
	uint8_t mi[32];
	socklen_t l = sizeof(mi);
	uint32_t mtu;

	if (rump_sys_getsockopt(s, X_IPPROTO_IPV6, X_IPV6_PATHMTU, mi, &l) < 0)
		return -errno;
	if (l != 32)
		return -1000;
	memcpy(&mtu, mi + 28, 4);
	return (int)mtu;
}

static int
sendto6(int s, const void *d, size_t len, const char *a, int port)
{
	struct x_sin6 sin6 = x_sin6(a, port, 0);

	return rump_sys_sendto(s, d, len, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ?
	    errno : 0;
}

/* sendmsg with one int cmsg of level IPPROTO_IPV6 */
static int
sendctl(int s, const void *d, size_t len, const char *a, int port, int type, int v)
{
	uint8_t cbuf[24];
	struct x_sin6 sin6 = x_sin6(a, port, 0);
	struct x_iov iov = { (void *)d, len };
	unsigned clen = 20;
	int lvl = X_IPPROTO_IPV6;
	struct x_msghdr m = { &sin6, sizeof(sin6), &iov, 1, cbuf, 24, 0 };

	memset(cbuf, 0, sizeof(cbuf));
	memcpy(cbuf, &clen, 4);
	memcpy(cbuf + 4, &lvl, 4);
	memcpy(cbuf + 8, &type, 4);
	memcpy(cbuf + 16, &v, 4);
	return rump_sys_sendmsg(s, (struct msghdr *)&m, 0) < 0 ? errno : 0;
}

/* A path MTU notification waiting on s: its MTU and the address's last byte, or -errno /
 * -1 when the next record is not one. */
static int
pmtu_note(int s, int *lastbyte)
{
	uint8_t cbuf[256], buf[64];
	struct x_iov iov = { buf, sizeof(buf) };
	struct x_msghdr m = { NULL, 0, &iov, 1, cbuf, sizeof(cbuf), 0 };
	ssize_t n = rump_sys_recvmsg(s, (struct msghdr *)&m, X_MSG_DONTWAIT);
	unsigned clen;
	int lvl, t;
	uint32_t mtu;

	if (n < 0)
		return -errno;
	if (n != 0 || m.controllen < 16 + 32)
		return -1;
	memcpy(&clen, cbuf, 4);
	memcpy(&lvl, cbuf + 4, 4);
	memcpy(&t, cbuf + 8, 4);
	if (clen != 16 + 32 || lvl != X_IPPROTO_IPV6 || t != X_IPV6_PATHMTU)
		return -1;
	memcpy(&mtu, cbuf + 16 + 28, 4);
	*lastbyte = cbuf[16 + 8 + 15];	/* sin6_addr's last byte */
	return (int)mtu;
}

static uint16_t
cksum6(const uint8_t *src, const uint8_t *dst, int nxt, const uint8_t *data, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 16; i += 2)
		sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + (uint32_t)nxt;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)(data[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A packet too big (mtu) from a router's address to A, quoting A's UDP datagram from
 * port sport to B's 7300. */
#define PTBLEN (14 + 40 + 8 + 48)
static size_t
ptb_frame(uint8_t *f, unsigned mtu, int sport)
{
	uint8_t *ic = f + 54;
	uint16_t c;

	memset(f, 0, PTBLEN);
	memcpy(f, amac, 6);
	memcpy(f + 6, mymac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	f[14] = 0x60;
	f[18] = 0, f[19] = 8 + 48;
	f[20] = 58, f[21] = 64;
	inet_pton(AF_INET6, "2001:db8:8::fe", f + 22);
	inet_pton(AF_INET6, "2001:db8:8::1", f + 38);
	ic[0] = 2;				/* packet too big */
	ic[4] = (uint8_t)(mtu >> 24), ic[5] = (uint8_t)(mtu >> 16);
	ic[6] = (uint8_t)(mtu >> 8), ic[7] = (uint8_t)mtu;
	ic[8] = 0x60;
	ic[8 + 4] = 0x05, ic[8 + 5] = 0x00;
	ic[8 + 6] = 17, ic[8 + 7] = 64;
	inet_pton(AF_INET6, "2001:db8:8::1", ic + 8 + 8);
	inet_pton(AF_INET6, "2001:db8:8::2", ic + 8 + 24);
	ic[48] = (uint8_t)(sport >> 8), ic[49] = (uint8_t)sport;
	ic[50] = 7300 >> 8, ic[51] = 7300 & 0xff;
	c = cksum6(f + 22, f + 38, 58, ic, 8 + 48);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
	return PTBLEN;
}

static void
tcp(struct rumpus_kernel *a, struct rumpus_kernel *b)
{
	struct x_sin6 sa = x_sin6("::", 7100, 0);
	uint8_t d8[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };	/* PadN */
	char buf[512];
	int l, c, s, n, got, v;
	struct fstat st;

	rumpus_kernel_switch(b);
	l = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	ok(rump_sys_bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && rump_sys_listen(l, 4) == 0,
	    "B listens on [::]:7100");
	rumpus_kernel_switch(a);
	c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	ok(getint(c, X_IPV6_UNICAST_HOPS) == -1 && getint(c, X_IPV6_TCLASS) == 0 &&
	    getint(c, X_IPV6_USE_MIN_MTU) == -1, "a TCP socket's defaults: hops -1, tclass 0, "
	    "use_min_mtu -1");
	ok(setint(c, X_IPV6_UNICAST_HOPS, 7) == 0 && setint(c, X_IPV6_TCLASS, 0x28) == 0 &&
	    getint(c, X_IPV6_UNICAST_HOPS) == 7 && getint(c, X_IPV6_TCLASS) == 0x28,
	    "IPV6_UNICAST_HOPS 7 and IPV6_TCLASS 0x28 on a TCP socket");
	ok(setint(c, X_IPV6_UNICAST_HOPS, 256) == X_EINVAL, "IPV6_UNICAST_HOPS 256: EINVAL");
	ok(setint(c, X_IPV6_DONTFRAG, 1) == 0 && getint(c, X_IPV6_DONTFRAG) == 0 &&
	    setint(c, X_IPV6_RECVPATHMTU, 1) == 0 && getint(c, X_IPV6_RECVPATHMTU) == 0,
	    "IPV6_DONTFRAG and IPV6_RECVPATHMTU accepted and ignored on TCP (read 0, as NetBSD)");
	ok(getpmtu(c) == -X_ENOTCONN, "IPV6_PATHMTU unconnected: ENOTCONN");
	clearfr();
	sa = x_sin6("2001:db8:8::2", 7100, 0);
	ok(rump_sys_connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0, "A connects");
	ok(rump_sys_write(c, "hello", 5) == 5, "and writes");
	rumpus_kernel_switch(b);
	s = rump_sys_accept(l, NULL, NULL);
	n = s >= 0 ? (int)rump_sys_read(s, buf, sizeof(buf)) : -1;
	ok(n == 5, "B accepts and reads 5 bytes");
	ok(rump_sys_write(s, "back", 4) == 4, "B answers");
	rumpus_kernel_switch(a);
	ok(rump_sys_read(c, buf, sizeof(buf)) == 4, "A reads the answer");
	st = frames(amac, 6, 7, 0x28);
	ok(st.n >= 3 && st.match == st.n, "every segment of A's (%d, the SYN among them) has hop "
	    "limit 7 and traffic class 0x28 (%d do)", st.n, st.match);
	st = frames(bmac, 6, 64, 0);
	ok(st.n >= 2 && st.match == st.n, "B's %d segments keep hop limit 64, class 0", st.n);
	clearfr();
	ok(setint(c, X_IPV6_UNICAST_HOPS, 9) == 0 && rump_sys_write(c, "x", 1) == 1,
	    "hops 9 after connect, and a byte");
	st = frames(amac, 6, 9, 0x28);
	ok(st.n >= 1 && st.match == st.n, "the next segments have hop limit 9");
	v = 1;
	rump_sys_setsockopt(c, X_IPPROTO_TCP, X_TCP_NODELAY, &v, sizeof(v));
	clearfr();
	ok(rump_sys_setsockopt(c, X_IPPROTO_IPV6, X_IPV6_DSTOPTS_, d8, 8) == 0 &&
	    rump_sys_write(c, "dst", 3) == 3, "a sticky IPV6_DSTOPTS on the TCP socket, 3 bytes");
	st = frames(amac, 60, 9, -1);
	rumpus_kernel_switch(b);
	got = (int)rump_sys_read(s, buf, sizeof(buf));
	ok(st.n >= 1 && got == 4 && memcmp(buf, "xdst", 4) == 0, "the segment carries "
	    "destination options (%d frames) and B reads the stream (%d bytes)", st.n, got);
	rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(a);
	v = getpmtu(c);
	ok(v == 1500, "IPV6_PATHMTU of the connection: 1500 (%d)", v);
	rump_sys_close(c);
	rumpus_kernel_switch(NULL);
}

static void
minmtu(struct rumpus_kernel *a, struct rumpus_kernel *b)
{
	static char big[1400], buf[2048];
	struct fstat st;
	int u, r;

	rumpus_kernel_switch(b);
	r = udpsock(7200, NULL, 0);
	rumpus_kernel_switch(a);
	u = udpsock(0, NULL, 0);
	ok(getint(u, X_IPV6_USE_MIN_MTU) == -1 && setint(u, X_IPV6_USE_MIN_MTU, 2) == X_EINVAL &&
	    setint(u, X_IPV6_USE_MIN_MTU, -2) == X_EINVAL, "IPV6_USE_MIN_MTU: -1 by default, "
	    "2 and -2 EINVAL");
	clearfr();
	ok(sendto6(u, big, sizeof(big), "2001:db8:8::2", 7200) == 0, "1400 bytes, -1 (unicast)");
	st = frames(amac, 17, -1, -1);
	ok(st.n == 1 && frames(amac, 44, -1, -1).n == 0, "one frame, not fragmented");
	clearfr();
	ok(setint(u, X_IPV6_USE_MIN_MTU, 1) == 0 && getint(u, X_IPV6_USE_MIN_MTU) == 1 &&
	    sendto6(u, big, sizeof(big), "2001:db8:8::2", 7200) == 0, "IPV6_USE_MIN_MTU 1, "
	    "1400 bytes again");
	st = frames(amac, 44, -1, -1);
	ok(st.n == 2 && st.maxlen <= 14 + 1280, "two fragments of at most 1280 bytes (the "
	    "largest frame %d bytes)", st.maxlen);
	clearfr();
	ok(sendctl(u, big, sizeof(big), "2001:db8:8::2", 7200, X_IPV6_USE_MIN_MTU, 0) == 0 &&
	    frames(amac, 44, -1, -1).n == 0 && frames(amac, 17, -1, -1).n == 1,
	    "a cmsg IPV6_USE_MIN_MTU 0 overrides it: one frame");
	ok(sendctl(u, big, sizeof(big), "2001:db8:8::2", 7200, X_IPV6_USE_MIN_MTU, 5) == X_EINVAL,
	    "a cmsg IPV6_USE_MIN_MTU 5: EINVAL");
	rumpus_kernel_switch(b);
	ok(rump_sys_recvfrom(r, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 1400 &&
	    rump_sys_recvfrom(r, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 1400 &&
	    rump_sys_recvfrom(r, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 1400,
	    "B got the three datagrams whole");
	rump_sys_close(r);
	rumpus_kernel_switch(a);
	rump_sys_close(u);
	rumpus_kernel_switch(NULL);
}

static void
dontfrag(struct rumpus_kernel *a, struct rumpus_kernel *b, struct bus_port *port)
{
	static char big[2000], buf[2048];
	int u, un, other, r, lb = -1, v;
	uint8_t f[PTBLEN];
	size_t flen;
	struct fstat st;

	rumpus_kernel_switch(b);
	r = udpsock(7300, NULL, 0);
	rumpus_kernel_switch(a);
	u = udpsock(7301, "2001:db8:8::2", 7300);
	un = udpsock(7302, NULL, 0);
	other = udpsock(7303, "2001:db8:8::77", 7300);
	ok(getint(u, X_IPV6_DONTFRAG) == 0 && setint(u, X_IPV6_DONTFRAG, 5) == 0 &&
	    getint(u, X_IPV6_DONTFRAG) == 1, "IPV6_DONTFRAG: 0 by default, any non-zero is 1");
	ok(setint(u, X_IPV6_RECVPATHMTU, 1) == 0 && setint(un, X_IPV6_RECVPATHMTU, 1) == 0 &&
	    setint(other, X_IPV6_RECVPATHMTU, 1) == 0, "IPV6_RECVPATHMTU on three sockets: "
	    "connected to B, unconnected, connected elsewhere");
	ok(rump_sys_write(u, big, sizeof(big)) < 0 && errno == X_EMSGSIZE,
	    "2000 bytes with IPV6_DONTFRAG on a 1500-byte link: EMSGSIZE");
	v = pmtu_note(u, &lb);
	ok(v == 1500 && lb == 2, "the connected socket gets IPV6_PATHMTU 1500 for "
	    "2001:db8:8::2 (%d)", v);
	v = pmtu_note(un, &lb);
	ok(v == 1500, "so does the unconnected one (%d)", v);
	ok(pmtu_note(other, &lb) == -X_EAGAIN, "not the one connected elsewhere");
	ok(setint(u, X_IPV6_DONTFRAG, 0) == 0 && rump_sys_write(u, big, sizeof(big)) == 2000,
	    "without it the 2000 bytes go (in fragments)");
	flen = ptb_frame(f, 1280, 7301);
	bus_xmit(port, f, flen);
	rumpus_kernel_switch(a);
	v = pmtu_note(u, &lb);
	ok(v == 1280 && lb == 2, "a packet too big of 1280: IPV6_PATHMTU 1280 to the connected "
	    "socket (%d)", v);
	ok(pmtu_note(un, &lb) == 1280, "and to the unconnected one");
	ok(pmtu_note(other, &lb) == -X_EAGAIN, "not to the one connected elsewhere");
	v = getpmtu(u);
	ok(v == 1280, "getsockopt IPV6_PATHMTU: 1280 (%d)", v);
	{
		uint8_t mi[32];
		socklen_t l = sizeof(mi);
		int i, z = 0;
		memset(mi, 0xee, sizeof(mi));
		rump_sys_getsockopt(u, X_IPPROTO_IPV6, X_IPV6_PATHMTU, mi, &l);
		for (i = 0; i < 28; i++)
			z += mi[i] == 0;
		ok(l == 32 && z == 28, "its ip6_mtuinfo: 32 bytes, the address zeroed as NetBSD's");
	}
	clearfr();
	ok(setint(u, X_IPV6_DONTFRAG, 1) == 0 && rump_sys_write(u, big, 1400) == 1400,
	    "IPV6_DONTFRAG, 1400 bytes: past the path's 1280 but within the link's MTU");
	st = frames(amac, 17, -1, -1);
	ok(st.n == 1 && frames(amac, 44, -1, -1).n == 0, "sent whole (a router would answer "
	    "packet too big), as NetBSD");
	clearfr();
	ok(setint(u, X_IPV6_DONTFRAG, 0) == 0 && rump_sys_write(u, big, 1400) == 1400 &&
	    frames(amac, 44, -1, -1).n == 2, "without it: two fragments for the 1280 path");
	rumpus_kernel_switch(b);
	for (v = 0; rump_sys_recvfrom(r, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) > 0; v++)
		continue;
	ok(v == 3, "B received the three datagrams that went (%d)", v);
	rump_sys_close(r);
	rumpus_kernel_switch(a);
	rump_sys_close(u);
	rump_sys_close(un);
	rump_sys_close(other);
	rumpus_kernel_switch(NULL);
}

/* Threads: A's TCP socket changing its options while it sends, UDP sockets asking for
 * path MTU notifications coming and going, and packets too big arriving from the raw port
 * (each changing a host route under the route cache) all at once; B reads the stream. */
struct thr { struct rumpus_kernel *a, *b; struct bus_port *port; int c, s, nbytes, notes;
	int bad[3];		/* one per thread: t_tcp, t_udp, t_read */
	atomic_int done; };

static void *
t_tcp(void *arg)
{
	struct thr *t = arg;
	uint8_t d8[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	int i;
	char ch;

	rumpus_kernel_switch(t->a);
	for (i = 0; i < 300; i++) {
		ch = (char)('a' + i % 26);
		t->bad[0] += setint(t->c, X_IPV6_UNICAST_HOPS, 1 + i % 200) != 0;
		t->bad[0] += setint(t->c, X_IPV6_TCLASS, i % 256) != 0;
		t->bad[0] += rump_sys_setsockopt(t->c, X_IPPROTO_IPV6, X_IPV6_DSTOPTS_, d8,
		    i & 1 ? 8 : 0) != 0;
		t->bad[0] += rump_sys_write(t->c, &ch, 1) != 1;
	}
	atomic_fetch_add(&t->done, 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
t_udp(void *arg)
{
	struct thr *t = arg;
	int i, lb;

	rumpus_kernel_switch(t->a);
	for (i = 0; i < 200; i++) {
		int u = udpsock(7301, i & 1 ? "2001:db8:8::2" : NULL, 7300);
		t->bad[1] += setint(u, X_IPV6_RECVPATHMTU, 1) != 0;
		usleep(200);
		while (pmtu_note(u, &lb) > 0)
			t->notes++;
		rump_sys_close(u);
	}
	atomic_fetch_add(&t->done, 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
t_ptb(void *arg)
{
	struct thr *t = arg;
	uint8_t f[PTBLEN];
	int i;

	for (i = 0; i < 300 || atomic_load(&t->done) < 2; i++) {
		size_t n = ptb_frame(f, 1280 + (unsigned)(i % 4) * 8, 7301);
		bus_xmit(t->port, f, n);
	}
	return NULL;
}

static void *
t_read(void *arg)
{
	struct thr *t = arg;
	char buf[512];
	int i;

	rumpus_kernel_switch(t->b);
	while (t->nbytes < 300) {
		ssize_t n = rump_sys_read(t->s, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			t->bad[2] += buf[i] != (char)('a' + (t->nbytes + i) % 26);
		t->nbytes += (int)n;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
threads(struct rumpus_kernel *a, struct rumpus_kernel *b, struct bus_port *port)
{
	struct x_sin6 sa = x_sin6("::", 7400, 0);
	pthread_t th[4];
	struct thr t;
	int l, i, one = 1;

	memset(&t, 0, sizeof(t));
	t.a = a, t.b = b, t.port = port;
	rumpus_kernel_switch(b);
	l = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	rump_sys_bind(l, (struct sockaddr *)&sa, sizeof(sa));
	rump_sys_listen(l, 1);
	rumpus_kernel_switch(a);
	t.c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	rump_sys_setsockopt(t.c, X_IPPROTO_TCP, X_TCP_NODELAY, &one, sizeof(one));
	sa = x_sin6("2001:db8:8::2", 7400, 0);
	ok(rump_sys_connect(t.c, (struct sockaddr *)&sa, sizeof(sa)) == 0, "threads: A connects");
	rumpus_kernel_switch(b);
	t.s = rump_sys_accept(l, NULL, NULL);
	rumpus_kernel_switch(NULL);
	pthread_create(&th[0], NULL, t_tcp, &t);
	pthread_create(&th[1], NULL, t_udp, &t);
	pthread_create(&th[2], NULL, t_ptb, &t);
	pthread_create(&th[3], NULL, t_read, &t);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ok(t.bad[0] + t.bad[1] + t.bad[2] == 0 && t.nbytes == 300, "300 bytes in order while "
	    "their options changed, sockets asked for path MTU notes and packets too big came "
	    "(%d errors, %d notes)", t.bad[0] + t.bad[1] + t.bad[2], t.notes);
	rumpus_kernel_switch(a);
	rump_sys_close(t.c);
	rumpus_kernel_switch(b);
	rump_sys_close(t.s);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
}
/* A sends 3000 bytes to B on a connection with option opt set (v: an int, or with
 * len > 0 a buffer): A's largest TCP frame (first header nxt) and its fragments. */
static void
bulk(struct rumpus_kernel *a, struct rumpus_kernel *b, int port, int opt, const void *v,
    size_t len, int nxt, int *maxlen, int *nfrag)
{
	struct x_sin6 sa = x_sin6("::", port, 0);
	static char data[3000], buf[4000];
	int l, c, s, got = 0, n, one = 1;

	rumpus_kernel_switch(b);
	l = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	rump_sys_bind(l, (struct sockaddr *)&sa, sizeof(sa));
	rump_sys_listen(l, 4);
	rumpus_kernel_switch(a);
	c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	rump_sys_setsockopt(c, X_IPPROTO_TCP, X_TCP_NODELAY, &one, sizeof(one));
	ok(rump_sys_setsockopt(c, X_IPPROTO_IPV6, opt, v, (socklen_t)len) == 0,
	    "option %d on A's socket", opt);
	sa = x_sin6("2001:db8:8::2", port, 0);
	ok(rump_sys_connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0, "A connects to B:%d",
	    port);
	rumpus_kernel_switch(b);
	s = rump_sys_accept(l, NULL, NULL);
	rumpus_kernel_switch(a);
	memset(data, 'm', sizeof(data));
	clearfr();
	ok(rump_sys_write(c, data, sizeof(data)) == (ssize_t)sizeof(data), "A writes 3000 bytes");
	rumpus_kernel_switch(b);
	while (s >= 0 && got < (int)sizeof(data) &&
	    (n = (int)rump_sys_read(s, buf, sizeof(buf))) > 0)
		got += n;
	ok(got == (int)sizeof(data), "B reads them all (%d)", got);
	*maxlen = frames(amac, nxt, -1, -1).maxlen;
	*nfrag = frames(amac, 44, -1, -1).n;
	rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(a);
	rump_sys_close(c);
	rumpus_kernel_switch(NULL);
}

static void
mss(struct rumpus_kernel *a, struct rumpus_kernel *b)
{
	uint8_t d64[64] = { 0, 7, 1, 60 };	/* destination options: one PadN, 64 bytes */
	int one = 1, maxlen, nfrag;

	bulk(a, b, 7102, X_IPV6_USE_MIN_MTU, &one, sizeof(one), 6, &maxlen, &nfrag);
	ok(maxlen > 1000 && maxlen <= 14 + 1280 && nfrag == 0, "IPV6_USE_MIN_MTU 1: A's "
	    "segments fit 1280-byte packets (largest frame %d, %d fragments)", maxlen, nfrag);
	bulk(a, b, 7103, X_IPV6_DSTOPTS_, d64, sizeof(d64), 60, &maxlen, &nfrag);
	ok(maxlen > 1400 && maxlen <= 14 + 1500 && nfrag == 0, "a sticky 64-byte IPV6_DSTOPTS: "
	    "A's segments shrink to fit the 1500 MTU (largest frame %d, %d fragments)", maxlen,
	    nfrag);
}

/* A closes first; its pcb then answers B's FIN alone, with the socket's options. */
static void
closed(struct rumpus_kernel *a, struct rumpus_kernel *b)
{
	struct x_sin6 sa = x_sin6("::", 7101, 0);
	char buf[16];
	int l, c, s, i, n;
	struct fstat st;

	rumpus_kernel_switch(b);
	l = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	ok(rump_sys_bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && rump_sys_listen(l, 4) == 0,
	    "B listens on [::]:7101");
	rumpus_kernel_switch(a);
	c = rump_sys_socket(X_AF_INET6, X_SOCK_STREAM, 0);
	sa = x_sin6("2001:db8:8::2", 7101, 0);
	ok(setint(c, X_IPV6_UNICAST_HOPS, 7) == 0 && setint(c, X_IPV6_TCLASS, 0x28) == 0 &&
	    rump_sys_connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "A connects with hops 7 and class 0x28");
	rumpus_kernel_switch(b);
	s = rump_sys_accept(l, NULL, NULL);
	rumpus_kernel_switch(a);
	ok(s >= 0 && rump_sys_close(c) == 0, "B accepts, A closes its socket");
	rumpus_kernel_switch(b);
	n = (int)rump_sys_read(s, buf, sizeof(buf));
	ok(n == 0, "B reads the end of the stream (%d)", n);
	clearfr();
	rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < 200 && frames(amac, 6, -1, -1).n == 0; i++)
		x_vsleep_in(a, 0, 10 * 1000 * 1000);	/* bounded: A's ACK comes from its input */
	st = frames(amac, 6, 7, 0x28);
	ok(st.n >= 1 && st.match == st.n, "A's ACK of B's FIN, after A's socket closed, has hop "
	    "limit 7 and class 0x28 (%d of %d)", st.match, st.n);
}


int
main(void)
{
	struct rumpus_kernel *a, *b;
	struct bus_port port;
	int v;

	a = x6_boot(), b = x6_boot();
	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	port.bp_promisc = 1;
	ok(bus_attach("mtuoptbus", &port) == 0, "a promiscuous raw port on the bus");
	rumpus_kernel_switch(a);
	v = x_ifconfig("shmif0", "mtuoptbus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:8::1", 64, X_IN6_IFF_NODAD);
	x_lladdr("shmif0", amac);
	rumpus_kernel_switch(b);
	v |= x_ifconfig("shmif0", "mtuoptbus", NULL, 0) |
	    x6_addr("shmif0", "2001:db8:8::2", 64, X_IN6_IFF_NODAD);
	x_lladdr("shmif0", bmac);
	rumpus_kernel_switch(NULL);
	ok(v == 0, "A 2001:db8:8::1, B 2001:db8:8::2");
	tcp(a, b);
	closed(a, b);
	mss(a, b);
	minmtu(a, b);
	dontfrag(a, b, &port);
	threads(a, b, &port);
	bus_detach(&port);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	return tap_done();
}
