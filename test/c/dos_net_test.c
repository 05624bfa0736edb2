/*
 * dos_net_test.c: a victim kernel (4 MiB memory limit) on a bus is flooded, one
 * resource at a time, by a neighbour that forges frames or by an unprivileged process
 * of its own; after each flood the victim must still answer a ping and a UDP echo from
 * a neighbour it has never seen (a fresh kernel on the bus).  The figures (entries,
 * bytes held, the victim's memory before and after) are printed as diagnostics.
 *
 *   1. ARP hold queues: a process sends to 3,000 absent neighbours.
 *   2. ARP table exhaustion: 10,000 ARP requests from forged sources (issue 9: the
 *      table refused new entries at 4096, so the victim could reach no new neighbour).
 *   3. Reassembly: 200 datagrams of 44 fragments that never complete (issue 9: 18 MB
 *      pinned; under a 4 MiB limit the victim stopped answering).
 *   4. Socket buffers: 5,000 datagrams to a socket nobody reads; SO_RCVBUF beyond
 *      kern.sbmax is refused.
 *   5. Descriptors: an unprivileged process opens sockets until RLIMIT_NOFILE (EMFILE),
 *      processes together until kern.maxfiles (ENFILE).
 *   6. tmpfs without a size in the memory-limited kernel: a file written until ENOSPC.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

/* syscalls with NetBSD numbers (the host's headers cannot be mixed with the kernel's) */
int rump___sysimpl_socket30(int domain, int type, int protocol);
int rump___sysimpl_close(int fd);
int rump___sysimpl_bind(int s, const void *name, uint32_t namelen);
int rump___sysimpl_setsockopt(int s, int level, int name, const void *val, uint32_t valsize);
int rump___sysimpl_ioctl(int fd, unsigned long com, void *data);
ssize_t rump___sysimpl_recvfrom(int s, void *buf, size_t len, int flags, void *from,
    void *fromlenaddr);
ssize_t rump___sysimpl_sendto(int s, const void *buf, size_t len, int flags, const void *to,
    uint32_t tolen);
int rump___sysimpl_setuid(uint32_t uid);
int rump___sysimpl_open(const char *path, int flags, uint32_t mode);
ssize_t rump___sysimpl_write(int fd, const void *buf, size_t nbyte);
int rump___sysimpl_mkdir(const char *path, uint32_t mode);
int rump___sysimpl_mount50(const char *type, const char *path, int flags, void *data,
    size_t data_len);
int rump___sysimpl___sysctl(const void *name, unsigned int namelen, void *oldv, void *oldlenp,
    const void *newv, size_t newlen);
int *__errno_location(void);	/* the host's errno, which rump_sys_* set to NetBSD values */
#define errno (*__errno_location())
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);
void *rump_pub_lwproc_curlwp(void);
void rump_pub_lwproc_switch(void *l);
#define RFCFDG		2
#define X_FIONREAD	0x4004667fUL
#define X_SO_RCVBUF	0x1002
#define X_SOL_SOCKET	0xffff
#define X_O_RDWR_CREAT	(2 | 0x200)
#define X_MSG_DONTWAIT	0x80
struct x_sin { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; };

#define VICTIM		"10.9.0.1"
#define MEMLIMIT	(4u << 20)

static struct rumpus_kernel *V;
static uint8_t vmac[6];
static struct bus_port atk;	/* the attacker's raw port */
static int echo = -1;		/* the victim's UDP echo service, port 7 (a socket) */
static int fresh;		/* fresh neighbours made so far */

static void atk_rx(struct bus_port *bp, const void *f, size_t len) { (void)bp, (void)f, (void)len; }

static void
pause_ms(int ms)
{
	usleep((useconds_t)ms * 1000);
}

static size_t vmem(void) { return rumpus_kernel_memused(V); }

#define ip_hdr ku_ip_hdr

static void
forged_mac(uint8_t *mac, uint32_t n)
{
	mac[0] = 0x02, mac[1] = 0xee;
	mac[2] = (uint8_t)(n >> 24), mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8), mac[5] = (uint8_t)n;
}

/* Polls the pcb for a datagram for up to 2 s. */
static int
recv_wait(struct rumpus_kernel *k, struct inpcb *inp, void *buf, size_t *len,
    struct nb_sockaddr_in *from)
{
	size_t room = *len;
	int i, e = EWOULDBLOCK;

	for (i = 0; i < 2000 && e == EWOULDBLOCK; i++) {
		*len = room;
		if ((e = ku_recv(k, inp, buf, len, from)) == EWOULDBLOCK)
			pause_ms(1);
	}
	return e;
}

/* A neighbour the victim has never seen pings it and asks the echo service. */
static int
alive(const char *what)
{
	struct rumpus_kernel *n = ku_boot();
	struct inpcb *raw, *u;
	struct nb_sockaddr_in from;
	uint8_t pkt[64], in[2048];
	char addr[32], msg[32], got[64];
	size_t len;
	int e, pinged = 0, echoed = 0, hl;
	uint16_t sum;

	fresh++;
	snprintf(addr, sizeof(addr), "10.9.250.%d", fresh);
	if (n == NULL || ku_shmif(n, "shmif0", "dosbus") != 0 || ku_addr(n, "shmif0", addr, 16) != 0) {
		diag("fresh neighbour %s did not come up", addr);
		return 0;
	}
	/* ping */
	raw = ku_socket(n, 3, IPPROTO_ICMP, &e);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ICMP_ECHO;
	pkt[4] = 0x12, pkt[5] = (uint8_t)fresh;
	memcpy(pkt + 8, "dos ping", 8);
	sum = in_cksum(pkt, sizeof(pkt), 0);
	memcpy(pkt + 2, &sum, 2);
	if (raw != NULL && ku_sendto(n, raw, pkt, sizeof(pkt), VICTIM, 0) == 0) {
		for (;;) {
			len = sizeof(in);
			if (recv_wait(n, raw, in, &len, &from) != 0)
				break;
			hl = (in[0] & 15) * 4;
			if (len >= (size_t)hl + 8 && in[hl] == ICMP_ECHOREPLY && in[hl + 5] == (uint8_t)fresh) {
				pinged = 1;
				break;
			}
		}
	}
	/* UDP echo: the victim's service (a socket) answers what it got */
	u = ku_socket(n, 2, 0, &e);
	snprintf(msg, sizeof(msg), "echo %d", fresh);
	if (u != NULL && ku_sendto(n, u, msg, strlen(msg), VICTIM, 7) == 0) {
		struct x_sin sfrom;
		uint32_t flen;
		ssize_t r = -1;
		int tries;

		rumpus_kernel_switch(V);
		for (tries = 0; tries < 2000; tries++) {
			flen = sizeof(sfrom);
			r = rump___sysimpl_recvfrom(echo, got, sizeof(got), X_MSG_DONTWAIT, &sfrom, &flen);
			if (r == (ssize_t)strlen(msg) && memcmp(got, msg, (size_t)r) == 0)
				break;
			if (r < 0)
				pause_ms(1);
		}
		if (tries < 2000 && rump___sysimpl_sendto(echo, got, (size_t)r, 0, &sfrom, flen) < 0)
			diag("echo sendto: errno %d", errno);
		if (tries == 2000)
			diag("echo: nothing received (last %zd errno %d)", r, errno);
		rumpus_kernel_switch(NULL);
		len = sizeof(got);
		echoed = tries < 2000 && recv_wait(n, u, got, &len, NULL) == 0 &&
		    len == strlen(msg) && memcmp(got, msg, len) == 0;
	}
	if (raw != NULL)
		ku_close(n, raw);
	if (u != NULL)
		ku_close(n, u);
	rumpus_kernel_destroy(n);
	if (!echoed)
		diag("udps_fullsock %llu sbdrops %llu sbbytes %zu",
		    (unsigned long long)inet_state(KOF(V))->is_stat.udps_fullsock,
		    (unsigned long long)net_state(KOF(V))->ns_sbdrops, net_state(KOF(V))->ns_sbbytes);
	ok(pinged && echoed, "%s: the victim answers a fresh neighbour (%s): ping %s, UDP echo %s",
	    what, addr, pinged ? "yes" : "NO", echoed ? "yes" : "NO");
	return pinged && echoed;
}

static void
flood_arp(void)
{
	struct inet_state *is = inet_state(KOF(V));
	uint8_t f[42];
	size_t m0 = vmem();
	uint32_t i, tpa = ku_ip(VICTIM);

	for (i = 0; i < 10000; i++) {
		uint32_t spa = htonl_(0x0a090000U | (((i / 250) + 1) << 8) | ((i % 250) + 2));
		memset(f, 0xff, 6);
		forged_mac(f + 6, i);
		f[12] = 0x08, f[13] = 0x06;
		f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
		memcpy(f + 22, f + 6, 6);
		memcpy(f + 28, &spa, 4);
		memset(f + 32, 0, 6);
		memcpy(f + 38, &tpa, 4);
		bus_xmit(&atk, f, sizeof(f));
	}
	pause_ms(50);
	diag("ARP flood: 10000 forged requests; table %d entries (net.inet.arp.maxentries %d), "
	    "%llu evicted; victim memory %zu -> %zu bytes", is->is_narp, is->is_arp_maxentries,
	    (unsigned long long)is->is_arp_evicted, m0, vmem());
	ok(is->is_narp <= is->is_arp_maxentries, "ARP table within its bound (%d)", is->is_narp);
	alive("ARP table exhaustion");
}

static void
flood_frags(void)
{
	struct inet_state *is = inet_state(KOF(V));
	uint8_t f[14 + 20 + 1480];
	size_t m0 = vmem(), peak = 0;
	int d, j, maxn = 0;

	for (d = 0; d < 200; d++) {
		uint32_t src = htonl_(0x0a090000U | ((100 + d / 200) << 8) | (d % 200 + 2));
		for (j = 0; j < 44; j++) {	/* fragments 0..43 of 45: never complete */
			memcpy(f, vmac, 6);
			forged_mac(f + 6, 0x10000u + (uint32_t)d);
			f[12] = 0x08, f[13] = 0x00;
			ip_hdr(f + 14, 20 + 1480, IPPROTO_UDP, src, ku_ip(VICTIM), 0x4000 + d,
			    0x2000 | (j * 185));
			memset(f + 34, 'F', 1480);
			bus_xmit(&atk, f, sizeof(f));
			if (is->is_nfragments > maxn)
				maxn = is->is_nfragments;
			if (vmem() > peak)
				peak = vmem();
		}
	}
	pause_ms(50);
	diag("reassembly flood: 200 x 44 fragments of 1480 bytes; held at most %d fragments "
	    "(net.inet.ip.maxfrags %d), now %d in %d datagrams, %zu bytes; victim memory %zu -> "
	    "%zu bytes (peak %zu, limit %u)", maxn, is->is_maxfrags, is->is_nfragments,
	    is->is_nfrags, is->is_fragbytes, m0, vmem(), peak, MEMLIMIT);
	ok(maxn <= is->is_maxfrags && is->is_nfrags <= is->is_maxfragpackets,
	    "reassembly within net.inet.ip.maxfrags and maxfragpackets");
	alive("reassembly memory");
}

static void
flood_hold(void)
{
	struct inet_state *is = inet_state(KOF(V));
	struct inpcb *u;
	size_t m0 = vmem();
	char addr[32], payload[512];
	int i, e, maxheld = 0, refused = 0;

	u = ku_socket(V, 2, 0, &e);
	memset(payload, 'H', sizeof(payload));
	for (i = 0; i < 3000; i++) {
		snprintf(addr, sizeof(addr), "10.9.%d.%d", 150 + i / 250, i % 250 + 2);
		if (ku_sendto(V, u, payload, sizeof(payload), addr, 9) != 0)
			refused++;
		if (ku_sendto(V, u, payload, sizeof(payload), addr, 9) != 0)
			refused++;
		if (is->is_arp_nheld > maxheld)
			maxheld = is->is_arp_nheld;
	}
	ku_close(V, u);
	diag("hold-queue flood: 6000 datagrams to 3000 absent neighbours; at most %d held "
	    "(bound %d, %d per entry), %d sends refused; table %d entries; victim memory %zu -> %zu",
	    maxheld, is->is_arp_maxheld, is->is_arp_maxhold, refused, is->is_narp, m0, vmem());
	ok(maxheld <= is->is_arp_maxheld, "held packets within the kernel's bound");
	alive("ARP hold queues");
}

static void
flood_sockbuf(void)
{
	uint8_t f[14 + 28 + 1000];
	struct { uint8_t len, family; uint16_t port; uint32_t addr; uint8_t zero[8]; } sin =
	    { 16, 2, 0, 0, { 0 } };
	size_t m0 = vmem();
	int s, i, queued = -1, big = 64 << 20, e;

	rumpus_kernel_switch(V);
	s = rump___sysimpl_socket30(2, 2, 0);
	sin.port = htons_(9);
	ok(s >= 0 && rump___sysimpl_bind(s, &sin, sizeof(sin)) == 0, "a UDP socket on port 9 nobody reads");
	e = rump___sysimpl_setsockopt(s, X_SOL_SOCKET, X_SO_RCVBUF, &big, sizeof(big)) == 0 ? 0 : errno;
	ok(e == ENOBUFS, "SO_RCVBUF of 64 MiB, beyond kern.sbmax: ENOBUFS (%d)", e);
	rumpus_kernel_switch(NULL);
	for (i = 0; i < 5000; i++) {
		memcpy(f, vmac, 6);
		forged_mac(f + 6, 0x20000u + (uint32_t)i);
		f[12] = 0x08, f[13] = 0x00;
		ip_hdr(f + 14, 28 + 1000, IPPROTO_UDP, htonl_(0x0a09c800U | (uint32_t)(i % 250 + 2)),
		    ku_ip(VICTIM), i, 0);
		f[34] = 0x30, f[35] = 0x39;
		f[36] = 0, f[37] = 9;
		f[38] = (uint8_t)((8 + 1000) >> 8), f[39] = (uint8_t)(8 + 1000);
		f[40] = f[41] = 0;		/* no checksum */
		memset(f + 42, 'S', 1000);
		bus_xmit(&atk, f, sizeof(f));
	}
	pause_ms(50);
	rumpus_kernel_switch(V);
	rump___sysimpl_ioctl(s, X_FIONREAD, &queued);
	rumpus_kernel_switch(NULL);
	diag("socket-buffer flood: 5000 datagrams of 1000 bytes to an unread socket; %d bytes "
	    "queued; victim memory %zu -> %zu", queued, m0, vmem());
	ok(queued > 0 && queued <= 256 * 1024, "the queue stays within the socket's buffer");
	alive("socket buffers");
	rumpus_kernel_switch(V);
	rump___sysimpl_close(s);
	rumpus_kernel_switch(NULL);
}

/* An unprivileged process fills 60 UDP sockets of its own over loopback. */
static void
flood_sockets(void)
{
	struct net_state *ns = net_state(KOF(V));
	struct x_sin sin = { 16, 2, 0, 0, { 0 } };
	static char data[1000];
	size_t m0 = vmem(), peak = 0;
	int s[60], snd, i, j, n = 0;

	void *proc;

	rumpus_kernel_switch(V);
	rump_pub_lwproc_rfork(RFCFDG);
	proc = rump_pub_lwproc_curlwp();
	rump___sysimpl_setuid(1000);
	sin.addr = ku_ip("127.0.0.1");
	snd = rump___sysimpl_socket30(2, 2, 0);
	for (i = 0; i < 60; i++) {
		s[i] = rump___sysimpl_socket30(2, 2, 0);
		sin.port = htons_((uint16_t)(3000 + i));
		rump___sysimpl_bind(s[i], &sin, sizeof(sin));
	}
	for (j = 0; j < 45; j++)
		for (i = 0; i < 60; i++) {
			sin.port = htons_((uint16_t)(3000 + i));
			if (rump___sysimpl_sendto(snd, data, sizeof(data), 0, &sin, sizeof(sin)) > 0)
				n++;
			if (ns->ns_sbbytes > peak)
				peak = ns->ns_sbbytes;
		}
	rump_pub_lwproc_switch(NULL);
	rumpus_kernel_switch(NULL);
	diag("socket flood: 60 sockets x 45 datagrams of 1000 bytes over loopback (%d sent); "
	    "socket buffers hold %zu bytes (peak %zu, bound %zu), %llu appends refused; victim "
	    "memory %zu -> %zu", n, ns->ns_sbbytes, peak, ns->ns_sbbytes_max,
	    (unsigned long long)ns->ns_sbdrops, m0, vmem());
	ok(peak <= ns->ns_sbbytes_max + 60 * 2200, "socket buffers within half the memory limit");
	alive("many socket buffers");
	rumpus_kernel_switch(V);
	rump_pub_lwproc_switch(proc);
	rump_pub_lwproc_releaselwp();	/* its sockets close */
	rumpus_kernel_switch(NULL);
	ok(ns->ns_sbbytes < 4096, "their buffers are freed with them (%zu bytes left)", ns->ns_sbbytes);
}

static void
flood_fds(void)
{
	int mib[2] = { 1, 7 }, maxfiles, lowered, n1 = 0, n2 = 0, e1 = 0, e2 = 0, s;
	size_t len = sizeof(int), m0 = vmem();
	void *p1, *p2;

	rumpus_kernel_switch(V);
	rump___sysimpl___sysctl(mib, 2, &maxfiles, &len, NULL, 0);
	/* an unprivileged process opens sockets until its RLIMIT_NOFILE */
	rump_pub_lwproc_rfork(RFCFDG);
	p1 = rump_pub_lwproc_curlwp();
	rump___sysimpl_setuid(1000);
	while ((s = rump___sysimpl_socket30(2, 2, 0)) >= 0)
		n1++;
	e1 = errno;
	rump_pub_lwproc_switch(NULL);
	/* root lowers kern.maxfiles below what a second process could open */
	lowered = n1 + 100;
	rump___sysimpl___sysctl(mib, 2, NULL, NULL, &lowered, sizeof(lowered));
	rump_pub_lwproc_rfork(RFCFDG);
	p2 = rump_pub_lwproc_curlwp();
	rump___sysimpl_setuid(1001);
	while ((s = rump___sysimpl_socket30(2, 2, 0)) >= 0)
		n2++;
	e2 = errno;
	rump_pub_lwproc_switch(NULL);
	rumpus_kernel_switch(NULL);
	diag("descriptor flood: process 1 opened %d sockets (errno %d), process 2 %d more "
	    "(errno %d) under kern.maxfiles %d; victim memory %zu -> %zu", n1, e1, n2, e2,
	    lowered, m0, vmem());
	ok(e1 == EMFILE, "RLIMIT_NOFILE stops the first process: EMFILE");
	ok(e2 == ENFILE && n1 + n2 <= lowered, "kern.maxfiles stops the kernel's files: ENFILE");
	alive("descriptors");
	rumpus_kernel_switch(V);
	rump_pub_lwproc_switch(p1);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(p2);
	rump_pub_lwproc_releaselwp();
	rump___sysimpl___sysctl(mib, 2, NULL, NULL, &maxfiles, sizeof(maxfiles));
	rumpus_kernel_switch(NULL);
}

static void
flood_tmpfs(void)
{
	struct { int version; uint32_t uid, gid; int64_t size_max; uint32_t nodes_max;
	    int pad; uint32_t mode; } args = { 1, 0, 0, 0, 0, 0, 01777 };
	static char chunk[16384];
	size_t m0 = vmem();
	long written = 0;
	ssize_t w;
	int fd, e;

	rumpus_kernel_switch(V);
	rump___sysimpl_mkdir("/tmp", 0777);
	e = rump___sysimpl_mount50("tmpfs", "/tmp", 0, &args, sizeof(args));
	ok(e == 0, "tmpfs without a size on /tmp (errno %d)", e == 0 ? 0 : errno);
	rump_pub_lwproc_rfork(RFCFDG);
	rump___sysimpl_setuid(1000);
	fd = rump___sysimpl_open("/tmp/fill", X_O_RDWR_CREAT, 0600);
	while ((w = rump___sysimpl_write(fd, chunk, sizeof(chunk))) > 0)
		written += w;
	e = errno;
	rump___sysimpl_close(fd);
	rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
	diag("tmpfs flood: %ld bytes written until errno %d; victim memory %zu -> %zu of %u",
	    written, e, m0, vmem(), MEMLIMIT);
	ok(e == ENOSPC && vmem() < MEMLIMIT - (512u << 10),
	    "tmpfs stops at ENOSPC short of the memory limit");
	alive("tmpfs size");
}

/* Four host threads, each with its own port on the bus, forge ARP requests and
 * fragments at the same time. */
static void *
flood_thread(void *arg)
{
	int t = (int)(intptr_t)arg, i, j;
	struct bus_port bp;
	uint8_t f[14 + 20 + 1480];
	uint32_t tpa = ku_ip(VICTIM);

	memset(&bp, 0, sizeof(bp));
	bp.bp_rx = atk_rx;
	if (bus_attach("dosbus", &bp) != 0)
		return NULL;
	for (i = 0; i < 2500; i++) {
		uint32_t n = 0x30000u + (uint32_t)(t * 2500 + i);
		uint32_t spa = htonl_(0x0a090000U | ((160 + (uint32_t)t * 11 + (uint32_t)i / 250) << 8) |
		    ((uint32_t)i % 250 + 2));
		memset(f, 0xff, 6);
		forged_mac(f + 6, n);
		f[12] = 0x08, f[13] = 0x06;
		f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
		memcpy(f + 22, f + 6, 6);
		memcpy(f + 28, &spa, 4);
		memset(f + 32, 0, 6);
		memcpy(f + 38, &tpa, 4);
		bus_xmit(&bp, f, 42);
		if (i % 50 == 0)
			for (j = 0; j < 44; j++) {
				memcpy(f, vmac, 6);
				forged_mac(f + 6, n);
				f[12] = 0x08, f[13] = 0x00;
				ip_hdr(f + 14, 20 + 1480, IPPROTO_UDP, spa, tpa, 0x6000 + t * 100 + i / 50,
				    0x2000 | (j * 185));
				memset(f + 34, 'T', 1480);
				bus_xmit(&bp, f, sizeof(f));
			}
	}
	bus_detach(&bp);
	return NULL;
}

static void
flood_threads(void)
{
	struct inet_state *is = inet_state(KOF(V));
	pthread_t th[4];
	size_t m0 = vmem();
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, flood_thread, (void *)(intptr_t)i);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pause_ms(50);
	diag("threaded flood (4 threads: 10000 ARP requests, 200 x 44 fragments): table %d, "
	    "fragments %d in %d datagrams; victim memory %zu -> %zu", is->is_narp,
	    is->is_nfragments, is->is_nfrags, m0, vmem());
	ok(is->is_narp <= is->is_arp_maxentries && is->is_nfragments <= is->is_maxfrags &&
	    is->is_nfrags <= is->is_maxfragpackets, "bounds hold under concurrent floods");
	alive("concurrent floods");
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { .ncpu = 1, .memlimit = MEMLIMIT };
	struct rumpus_memstats m0, m1;
	int err = 0;

	rumpus_memstats(&m0);
	V = rumpus_kernel_create(comps, &cfg, &err);
	ok(V != NULL, "victim kernel with a %u-byte memory limit (%d)", MEMLIMIT, err);
	if (V == NULL)
		return tap_done();
	ok(ku_shmif(V, "shmif0", "dosbus") == 0 && ku_addr(V, "shmif0", VICTIM, 16) == 0,
	    "victim %s/16 on dosbus", VICTIM);
	memcpy(vmac, if_find(ifstate(KOF(V)), "shmif0")->if_lladdr, 6);
	{
		struct x_sin sin = { 16, 2, 0, 0, { 0 } };
		sin.port = htons_(7);
		rumpus_kernel_switch(V);
		echo = rump___sysimpl_socket30(2, 2, 0);
		ok(echo >= 0 && rump___sysimpl_bind(echo, &sin, sizeof(sin)) == 0,
		    "its UDP echo service on port 7");
		rumpus_kernel_switch(NULL);
	}
	memset(&atk, 0, sizeof(atk));
	atk.bp_rx = atk_rx;
	ok(bus_attach("dosbus", &atk) == 0, "the attacker's raw port on dosbus");
	diag("victim memory at start: %zu bytes", vmem());
	alive("baseline");

	flood_hold();
	flood_arp();
	flood_frags();
	flood_sockbuf();
	flood_sockets();
	flood_fds();
	flood_tmpfs();
	flood_threads();

	bus_detach(&atk);
	rumpus_kernel_switch(V);
	rump___sysimpl_close(echo);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(V) == 0, "victim destroyed");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks");
	return tap_done();
}
