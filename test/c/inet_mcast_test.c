/*
 * inet_mcast_test.c: IPv4 multicast through the system calls a NetBSD program makes
 * (setsockopt IP_ADD_MEMBERSHIP & co on UDP and raw sockets), on kernels sharing buses,
 * under the virtual clock:
 *   - bad input: wrong sizes EINVAL, a unicast group EINVAL, an unknown interface address
 *     and no route to the group EADDRNOTAVAIL, the same join twice EADDRINUSE, the 21st
 *     group ETOOMANYREFS, the drop of a group not joined EADDRNOTAVAIL, the
 *     source-specific options NetBSD 7.99 lacks ENOPROTOOPT; defaults (TTL 1, loop 1);
 *   - delivery: to every socket of the port in every member kernel, not to kernels that
 *     did not join (their interface's filter drops the frame), not to other ports; leave
 *     stops it once the interface's last member leaves;
 *   - loop on and off, IP_MULTICAST_IF choosing the interface (and the source address),
 *     TTL 1 by default and never forwarded by a router kernel (no multicast routing);
 *   - IGMP on the bus: a v2 report at join and a second one later, a leave, answers to a
 *     query within its maximum response time and suppression by another member's report,
 *     a v1 querier, all on the pcap with correct checksums (tshark decodes them without
 *     complaint), framed as NetBSD 7.99 frames them (leave to the group, no options);
 *   - raw IGMP sockets see the reports; threads: joins and leaves in one thread while
 *     another sends, then nothing leaked.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"
#include "vsleep.h"
#include "tshark.h"

int rump_sys_socket(int, int, int) __asm__("rump___sysimpl_socket30");
int rump_sys_close(int) __asm__("rump___sysimpl_close");
int rump_sys_bind(int, const void *, unsigned) __asm__("rump___sysimpl_bind");
int rump_sys_setsockopt(int, int, int, const void *, unsigned)
    __asm__("rump___sysimpl_setsockopt");
int rump_sys_getsockopt(int, int, int, void *, unsigned *)
    __asm__("rump___sysimpl_getsockopt");
long rump_sys_sendto(int, const void *, size_t, int, const void *, unsigned)
    __asm__("rump___sysimpl_sendto");
long rump_sys_recvfrom(int, void *, size_t, int, void *, unsigned *)
    __asm__("rump___sysimpl_recvfrom");
extern int *__errno_location(void);
#define ERR (*__errno_location())

#define MSG_DONTWAIT_	0x80
#define IP_ADD_SOURCE_MEMBERSHIP_ 70	/* FreeBSD's number: NetBSD 7.99 has none */
#define MCAST_JOIN_GROUP_	80

#define vsleep(k, sec) x_vsleep_in(k, sec, 0)

/* setsockopt in kernel k: 0 or the errno */
static int
so_set(struct rumpus_kernel *k, int s, int name, const void *v, unsigned len)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	int r = rump_sys_setsockopt(s, IPPROTO_IP, name, v, len);
	int e = r < 0 ? ERR : 0;

	rumpus_kernel_switch(old);
	return e;
}

static int
mreq(struct rumpus_kernel *k, int s, int name, const char *grp, const char *ifa)
{
	struct nb_ip_mreq m = { ku_ip(grp), ku_ip(ifa) };

	return so_set(k, s, name, &m, sizeof(m));
}

static int
udp_sock(struct rumpus_kernel *k, const char *addr, int port, int reuse)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct nb_sockaddr_in sin;

	if (reuse)
		rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (addr != NULL) {
		in_sockaddr(&sin, ku_ip(addr), htons((uint16_t)port));
		if (rump_sys_bind(s, &sin, sizeof(sin)) < 0) {
			rump_sys_close(s);
			s = -1;
		}
	}
	rumpus_kernel_switch(old);
	return s;
}

static int
send_to(struct rumpus_kernel *k, int s, const char *msg, const char *addr, int port)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	struct nb_sockaddr_in sin;
	long n;
	int e;

	in_sockaddr(&sin, ku_ip(addr), htons((uint16_t)port));
	n = rump_sys_sendto(s, msg, strlen(msg), 0, &sin, sizeof(sin));
	e = n < 0 ? ERR : 0;
	rumpus_kernel_switch(old);
	return e;
}

/* The datagrams waiting on s, each compared with msg (and its source with from). */
static int
count_recv(struct rumpus_kernel *k, int s, const char *msg, const char *from)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	struct nb_sockaddr_in sin;
	char buf[256];
	unsigned sl;
	long n;
	int c = 0;

	for (;;) {
		sl = sizeof(sin);
		n = rump_sys_recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT_, &sin, &sl);
		if (n < 0)
			break;
		if ((msg == NULL || ((size_t)n == strlen(msg) && memcmp(buf, msg, (size_t)n) == 0)) &&
		    (from == NULL || sin.sin_addr.s_addr == ku_ip(from)))
			c++;
		else
			c += 1000;	/* something else: fails every count the test expects */
	}
	rumpus_kernel_switch(old);
	return c;
}

/* Only the datagrams equal to msg, the others read and ignored. */
static int
count_only(struct rumpus_kernel *k, int s, const char *msg)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	char buf[256];
	long n;
	int c = 0;

	while ((n = rump_sys_recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT_, NULL, NULL)) >= 0)
		c += (size_t)n == strlen(msg) && memcmp(buf, msg, (size_t)n) == 0;
	rumpus_kernel_switch(old);
	return c;
}

static void
sclose(struct rumpus_kernel *k, int s)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);

	rump_sys_close(s);
	rumpus_kernel_switch(old);
}

/* ---------------------------------------------------------------- the capture */

struct igmpmsg { int type; uint32_t group, src, dst; int ttl, ra, cksum_ok, macok; };

/* Reads the IGMP messages of a pcap file into out[] (at most max); -1 if unreadable. */
static int
pcap_igmp(const char *path, struct igmpmsg *out, int max, int *udp_ttl1, int *udp_other)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16], fr[2048];
	int n = 0;

	*udp_ttl1 = *udp_other = 0;
	if (f == NULL || fread(gh, 1, 24, f) != 24) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t cap;
		memcpy(&cap, rh + 8, 4);
		if (cap > sizeof(fr) || fread(fr, 1, cap, f) != cap)
			break;
		if (cap < 34 || fr[12] != 0x08 || fr[13] != 0x00)
			continue;
		const uint8_t *ip = fr + 14;
		int hlen = (ip[0] & 15) * 4, iplen = ip[2] << 8 | ip[3];
		uint32_t dst;
		memcpy(&dst, ip + 16, 4);
		if (ip[9] == IPPROTO_UDP && IN_MULTICAST_(dst)) {
			if (ip[8] == 1)
				(*udp_ttl1)++;
			else
				(*udp_other)++;
		}
		if (ip[9] != IPPROTO_IGMP || n >= max || 14 + iplen > (int)cap || iplen < hlen + 8)
			continue;
		struct igmpmsg *m = &out[n++];
		const uint8_t *ig = ip + hlen;
		m->type = ig[0];
		memcpy(&m->group, ig + 4, 4);
		memcpy(&m->src, ip + 12, 4);
		m->dst = dst;
		m->ttl = ip[8];
		m->ra = hlen == 20;	/* no options, as NetBSD's */
		m->cksum_ok = in_cksum(ip, (size_t)hlen, 0) == 0 &&
		    in_cksum(ig, (size_t)(iplen - hlen), 0) == 0;
		m->macok = fr[0] == 1 && fr[1] == 0 && fr[2] == 0x5e &&
		    fr[3] == ((const uint8_t *)&dst)[1] && fr[4] == ((const uint8_t *)&dst)[2] &&
		    fr[5] == ((const uint8_t *)&dst)[3];
	}
	fclose(f);
	return n;
}

static int
count_msgs(const struct igmpmsg *m, int n, int type, const char *group)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (m[i].type == type && (group == NULL || m[i].group == ku_ip(group)))
			c++;
	return c;
}

/* ---------------------------------------------------------------- threads */

struct thr {
	struct rumpus_kernel *k;
	int s;
	atomic_int *stop;
	int errors, ops;
};

static void *
joiner(void *arg)
{
	struct thr *t = arg;

	rumpus_kernel_switch(t->k);
	for (int i = 0; i < 400; i++) {
		struct nb_ip_mreq m = { ku_ip("239.9.9.9"), ku_ip("10.40.0.2") };
		if (rump_sys_setsockopt(t->s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) < 0)
			t->errors++;
		if (rump_sys_setsockopt(t->s, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m)) < 0)
			t->errors++;
		t->ops += 2;
	}
	atomic_store(t->stop, 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
sender(void *arg)
{
	struct thr *t = arg;
	struct nb_sockaddr_in sin;

	rumpus_kernel_switch(t->k);
	in_sockaddr(&sin, ku_ip("239.9.9.9"), htons(46000));
	while (!atomic_load(t->stop) || t->ops < 10) {
		if (rump_sys_sendto(t->s, "t", 1, 0, &sin, sizeof(sin)) != 1)
			t->errors++;
		t->ops++;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b, *c, *n, *r, *d, *mh;
	struct igmpmsg msgs[64];
	char path[64], cmd[256];
	static char out[1 << 21];
	uint8_t u8;
	uint32_t addr;
	unsigned len;
	int s, sa, sb1, sb2, sb3, sc, sn, sd, i, e, nm, t1, to;

	rumpus_memstats(&m0);
	rumpus_clock_virtual(1);
	snprintf(path, sizeof(path), "/tmp/rumpus_mcast_%d.pcap", (int)getpid());
	a = ku_boot(), b = ku_boot(), c = ku_boot(), n = ku_boot(), r = ku_boot();
	d = ku_boot(), mh = ku_boot();
	ok(a && b && c && n && r && d && mh, "seven kernels");
	ok(ku_shmif(a, "shmif0", "mcbus") == 0 && ku_addr(a, "shmif0", "10.40.0.1", 24) == 0 &&
	    ku_shmif(b, "shmif0", "mcbus") == 0 && ku_addr(b, "shmif0", "10.40.0.2", 24) == 0 &&
	    ku_shmif(c, "shmif0", "mcbus") == 0 && ku_addr(c, "shmif0", "10.40.0.3", 24) == 0 &&
	    ku_shmif(n, "shmif0", "mcbus") == 0 && ku_addr(n, "shmif0", "10.40.0.4", 24) == 0,
	    "A, B, C, N on mcbus (10.40.0.1-4/24)");
	ok(ku_shmif(r, "shmif0", "mcbus") == 0 && ku_addr(r, "shmif0", "10.40.0.254", 24) == 0 &&
	    ku_shmif(r, "shmif1", "mcbus2") == 0 && ku_addr(r, "shmif1", "10.41.0.254", 24) == 0 &&
	    ku_sysctl_int(r, IPCTL_FORWARDING, &(int){ 0 }, &(int){ 1 }) == 0 &&
	    ku_shmif(d, "shmif0", "mcbus2") == 0 && ku_addr(d, "shmif0", "10.41.0.2", 24) == 0 &&
	    ku_route(d, "0.0.0.0", 0, "10.41.0.254") == 0,
	    "router R (forwarding on) between mcbus and mcbus2, D on mcbus2");
	ok(ku_shmif(mh, "shmif0", "mcbus") == 0 && ku_addr(mh, "shmif0", "10.40.0.9", 24) == 0 &&
	    ku_shmif(mh, "shmif1", "mcbus3") == 0 && ku_addr(mh, "shmif1", "10.42.0.9", 24) == 0,
	    "M on mcbus (10.40.0.9) and mcbus3 (10.42.0.9)");
	ok(rumpus_bus_pcap("mcbus", path) == 0, "capturing mcbus");

	/* ---- 224.0.0.1 joined implicitly */
	{
		struct kin ki;
		ku_enter(&ki, b);
		struct ifnet *ifp = if_find(ifstate(ki.k), "shmif0");
		e = in_lookup_multi(inet_state(ki.k), ku_ip("224.0.0.1"), ifp) != NULL &&
		    in_lookup_multi(inet_state(ki.k), ku_ip("224.0.0.1"),
		    ifstate(ki.k)->ns_lo0) != NULL;
		ku_leave(&ki);
		ok(e, "every multicast interface with an address is in 224.0.0.1 (shmif0, lo0)");
	}

	/* ---- bad input and defaults */
	s = udp_sock(a, NULL, 0, 0);
	ok(s >= 0, "A: a UDP socket");
	{
		struct nb_ip_mreq m[2] = { { ku_ip("239.1.1.1"), ku_ip("10.40.0.1") }, { 0, 0 } };
		ok(so_set(a, s, IP_ADD_MEMBERSHIP, m, 7) == EINVAL &&
		    so_set(a, s, IP_ADD_MEMBERSHIP, m, 12) == EINVAL &&
		    so_set(a, s, IP_ADD_MEMBERSHIP, NULL, 0) == EINVAL,
		    "IP_ADD_MEMBERSHIP of 7, 12 or 0 bytes: EINVAL");
	}
	ok(mreq(a, s, IP_ADD_MEMBERSHIP, "10.40.0.77", "10.40.0.1") == EINVAL,
	    "a unicast group: EINVAL");
	ok(mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.1", "10.99.0.1") == EADDRNOTAVAIL,
	    "an interface address no interface has: EADDRNOTAVAIL");
	ok(mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.1", "0.0.0.0") == EADDRNOTAVAIL,
	    "INADDR_ANY and no route to the group: EADDRNOTAVAIL (NetBSD)");
	ok(mreq(a, s, IP_DROP_MEMBERSHIP, "239.1.1.1", "10.40.0.1") == EADDRNOTAVAIL,
	    "dropping a group not joined: EADDRNOTAVAIL");
	ok(mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.1", "10.40.0.1") == 0 &&
	    mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.1", "10.40.0.1") == EADDRINUSE,
	    "join, then the same join again: EADDRINUSE");
	for (i = 2, e = 0; i <= 20; i++) {
		char g[32];
		snprintf(g, sizeof(g), "239.1.1.%d", i);
		e |= mreq(a, s, IP_ADD_MEMBERSHIP, g, "10.40.0.1");
	}
	ok(e == 0 && mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.21", "10.40.0.1") == ETOOMANYREFS,
	    "20 groups (IP_MAX_MEMBERSHIPS) join, the 21st: ETOOMANYREFS");
	ok(mreq(a, s, IP_DROP_MEMBERSHIP, "239.1.1.7", "10.40.0.1") == 0 &&
	    mreq(a, s, IP_ADD_MEMBERSHIP, "239.1.1.21", "10.40.0.1") == 0,
	    "after one drop a new group fits");
	ok(so_set(a, s, IP_MULTICAST_TTL, &(uint16_t){ 3 }, 2) == EINVAL &&
	    so_set(a, s, IP_MULTICAST_TTL, &(int){ 256 }, 4) == EINVAL &&
	    so_set(a, s, IP_MULTICAST_LOOP, &(int){ 2 }, 4) == EINVAL &&
	    so_set(a, s, IP_MULTICAST_IF, &(uint16_t){ 0 }, 2) == EINVAL,
	    "TTL of 2 bytes or 256, loop 2, IF of 2 bytes: EINVAL");
	addr = ku_ip("10.99.0.1");
	ok(so_set(a, s, IP_MULTICAST_IF, &addr, 4) == EADDRNOTAVAIL,
	    "IP_MULTICAST_IF of an address no interface has: EADDRNOTAVAIL");
	{
		uint8_t big[264];
		memset(big, 0, sizeof(big));
		ok(so_set(a, s, IP_ADD_SOURCE_MEMBERSHIP_, big, 12) == ENOPROTOOPT &&
		    so_set(a, s, MCAST_JOIN_GROUP_, big, 136) == ENOPROTOOPT,
		    "source-specific and protocol-independent joins: ENOPROTOOPT (NetBSD 7.99 has none)");
	}
	sclose(a, s);
	s = udp_sock(a, NULL, 0, 0);
	rumpus_kernel_switch(a);
	len = 4;
	u8 = 0;
	e = rump_sys_getsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &u8, &len);
	ok(e == 0 && len == 1 && u8 == 1, "IP_MULTICAST_TTL defaults to 1 (a u_char)");
	len = 4;
	e = rump_sys_getsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &u8, &len);
	ok(e == 0 && len == 1 && u8 == 1, "IP_MULTICAST_LOOP defaults to 1");
	len = 4;
	addr = 1;
	e = rump_sys_getsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &addr, &len);
	ok(e == 0 && len == 4 && addr == 0, "IP_MULTICAST_IF defaults to INADDR_ANY");
	e = send_to(a, s, "x", "239.1.1.1", 45000);
	ok(e == EHOSTUNREACH, "a send to a group with no route and no IP_MULTICAST_IF: "
	    "EHOSTUNREACH (%d)", e);
	rumpus_kernel_switch(NULL);
	sclose(a, s);

	/* ---- delivery to members */
	sb1 = udp_sock(b, "0.0.0.0", 45000, 1);
	sb2 = udp_sock(b, "0.0.0.0", 45000, 1);
	sb3 = udp_sock(b, "0.0.0.0", 45001, 1);
	sc = udp_sock(c, "239.5.5.5", 45000, 0);
	sn = udp_sock(n, "0.0.0.0", 45000, 0);
	sa = udp_sock(a, "0.0.0.0", 45000, 0);
	ok(sb1 >= 0 && sb2 >= 0 && sb3 >= 0 && sc >= 0 && sn >= 0 && sa >= 0,
	    "B: two sockets on port 45000 (SO_REUSEPORT), one on 45001; C on 239.5.5.5:45000; "
	    "N and A on 45000");
	ok(mreq(b, sb1, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.40.0.2") == 0 &&
	    mreq(b, sb2, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.40.0.2") == 0 &&
	    mreq(c, sc, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.40.0.3") == 0,
	    "B (both sockets) and C join 239.5.5.5");
	s = udp_sock(a, NULL, 0, 0);
	addr = ku_ip("10.40.0.1");
	ok(so_set(a, s, IP_MULTICAST_IF, &addr, 4) == 0, "A: IP_MULTICAST_IF 10.40.0.1");
	uint64_t nimc = ku_ifdata(n, "shmif0").ifi_imcasts;
	uint64_t ncant = inet_state(KOF(n))->is_stat.ips_cantforward;
	ok(send_to(a, s, "hello", "239.5.5.5", 45000) == 0, "A sends to 239.5.5.5:45000");
	ok(count_recv(b, sb1, "hello", "10.40.0.1") == 1 &&
	    count_recv(b, sb2, "hello", "10.40.0.1") == 1,
	    "both of B's sockets on the port get it, from 10.40.0.1");
	ok(count_recv(c, sc, "hello", "10.40.0.1") == 1, "C's socket bound to the group gets it");
	ok(count_recv(b, sb3, NULL, NULL) == 0, "B's socket on another port does not");
	ok(count_recv(n, sn, NULL, NULL) == 0 && count_recv(a, sa, NULL, NULL) == 0,
	    "N (not a member) and A (the sender, not a member) get nothing");
	ok(ku_ifdata(n, "shmif0").ifi_imcasts == nimc + 1 &&
	    inet_state(KOF(n))->is_stat.ips_cantforward == ncant,
	    "N's interface saw the frame and its group filter dropped it below IP");
	ok(count_recv(d, (sd = udp_sock(d, "0.0.0.0", 45000, 0)), NULL, NULL) == 0 &&
	    mreq(d, sd, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.41.0.2") == 0, "D joins behind R");
	uint64_t rfwd = inet_state(KOF(r))->is_stat.ips_forward;
	ok(send_to(a, s, "ttl1", "239.5.5.5", 45000) == 0 &&
	    so_set(a, s, IP_MULTICAST_TTL, &(uint8_t){ 64 }, 1) == 0 &&
	    send_to(a, s, "ttl64", "239.5.5.5", 45000) == 0, "A sends with TTL 1, then 64");
	ok(count_recv(b, sb1, NULL, NULL) == 2 && count_recv(b, sb2, NULL, NULL) == 2 &&
	    count_recv(c, sc, NULL, NULL) == 2, "B and C get both");
	ok(count_recv(d, sd, NULL, NULL) == 0 && inet_state(KOF(r))->is_stat.ips_forward == rfwd,
	    "D behind the router gets neither: no multicast forwarding");
	so_set(a, s, IP_MULTICAST_TTL, &(int){ 1 }, 4);

	/* leave */
	ok(mreq(b, sb1, IP_DROP_MEMBERSHIP, "239.5.5.5", "10.40.0.2") == 0, "B's first socket leaves");
	send_to(a, s, "after1", "239.5.5.5", 45000);
	ok(count_recv(b, sb1, "after1", NULL) == 1 && count_recv(b, sb2, "after1", NULL) == 1 &&
	    count_recv(c, sc, "after1", NULL) == 1,
	    "the interface is still in the group (the other socket): both sockets of the port get "
	    "it (NetBSD delivers to every socket of the port)");
	sclose(b, sb2);
	send_to(a, s, "after2", "239.5.5.5", 45000);
	i = count_recv(b, sb1, NULL, NULL);
	e = count_recv(c, sc, "after2", NULL);
	ok(i == 0 && e == 1,
	    "once B's last member closed, B gets nothing; C still does (%d, %d)", i, e);

	/* loop */
	ok(mreq(a, sa, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.40.0.1") == 0, "A's receiver joins too");
	send_to(a, s, "loop", "239.5.5.5", 45000);
	ok(count_recv(a, sa, "loop", "10.40.0.1") == 1 && count_recv(c, sc, "loop", NULL) == 1,
	    "loop on (default): the sender's kernel gets its own copy, C too");
	ok(so_set(a, s, IP_MULTICAST_LOOP, &(uint8_t){ 0 }, 1) == 0, "loop off");
	send_to(a, s, "noloop", "239.5.5.5", 45000);
	ok(count_recv(a, sa, NULL, NULL) == 0 && count_recv(c, sc, "noloop", NULL) == 1,
	    "no copy for the sender's kernel; C still gets it");
	rumpus_kernel_switch(a);
	len = 1;
	e = rump_sys_getsockopt(s, IPPROTO_IP, IP_MULTICAST_LOOP, &u8, &len);
	rumpus_kernel_switch(NULL);
	ok(e == 0 && u8 == 0, "getsockopt says loop 0");
	{
		/* TTL 0: only the loopback copy */
		int s2 = udp_sock(a, NULL, 0, 0);
		addr = ku_ip("10.40.0.1");
		so_set(a, s2, IP_MULTICAST_IF, &addr, 4);
		so_set(a, s2, IP_MULTICAST_TTL, &(uint8_t){ 0 }, 1);
		send_to(a, s2, "ttl0", "239.5.5.5", 45000);
		ok(count_recv(a, sa, "ttl0", NULL) == 1 && count_recv(c, sc, NULL, NULL) == 0,
		    "TTL 0: looped back to the sender's kernel, not sent on the bus");
		sclose(a, s2);
	}

	/* ---- IP_MULTICAST_IF picks the interface */
	{
		int sm = udp_sock(mh, NULL, 0, 0), rm3 = -1;
		struct rumpus_kernel *e3 = ku_boot();
		ok(e3 && ku_shmif(e3, "shmif0", "mcbus3") == 0 &&
		    ku_addr(e3, "shmif0", "10.42.0.5", 24) == 0 &&
		    (rm3 = udp_sock(e3, "0.0.0.0", 45000, 0)) >= 0 &&
		    mreq(e3, rm3, IP_ADD_MEMBERSHIP, "239.5.5.5", "10.42.0.5") == 0,
		    "E on mcbus3 joins 239.5.5.5");
		addr = ku_ip("10.42.0.9");
		ok(so_set(mh, sm, IP_MULTICAST_IF, &addr, 4) == 0, "M: IP_MULTICAST_IF 10.42.0.9");
		rumpus_kernel_switch(mh);
		len = 4;
		addr = 0;
		e = rump_sys_getsockopt(sm, IPPROTO_IP, IP_MULTICAST_IF, &addr, &len);
		rumpus_kernel_switch(NULL);
		ok(e == 0 && addr == ku_ip("10.42.0.9"), "getsockopt answers 10.42.0.9");
		send_to(mh, sm, "via3", "239.5.5.5", 45000);
		ok(count_recv(e3, rm3, "via3", "10.42.0.9") == 1 && count_recv(c, sc, NULL, NULL) == 0,
		    "it leaves by mcbus3 from 10.42.0.9: E gets it, C on mcbus does not");
		addr = ku_ip("10.40.0.9");
		so_set(mh, sm, IP_MULTICAST_IF, &addr, 4);
		send_to(mh, sm, "via0", "239.5.5.5", 45000);
		ok(count_recv(c, sc, "via0", "10.40.0.9") == 1 && count_recv(e3, rm3, NULL, NULL) == 0,
		    "with 10.40.0.9 it leaves by mcbus: C gets it, E does not");
		sclose(mh, sm);
		sclose(e3, rm3);
		rumpus_kernel_destroy(e3);
	}

	/* ---- IGMP: reports, queries, suppression, leave */
	int rawa;
	{
		rumpus_kernel_switch(a);
		rawa = rump_sys_socket(AF_INET, SOCK_RAW, IPPROTO_IGMP);
		rumpus_kernel_switch(NULL);
		addr = ku_ip("10.40.0.1");
		ok(rawa >= 0 && so_set(a, rawa, IP_MULTICAST_IF, &addr, 4) == 0,
		    "A: a raw IGMP socket (the querier)");
		count_recv(a, rawa, NULL, NULL);	/* what it heard so far */
	}
	ok(mreq(b, sb1, IP_ADD_MEMBERSHIP, "239.7.7.7", "10.40.0.2") == 0 &&
	    mreq(c, sc, IP_ADD_MEMBERSHIP, "239.7.7.7", "10.40.0.3") == 0,
	    "B and C join 239.7.7.7 (each reports at once)");
	vsleep(a, 11);
	{
		/* a general v2 query, max response 10 s (100 tenths) */
		uint8_t q[8] = { 0x11, 100, 0, 0, 0, 0, 0, 0 };
		uint16_t sum = in_cksum(q, 8, 0);
		memcpy(q + 2, &sum, 2);
		struct nb_sockaddr_in sin;
		in_sockaddr(&sin, ku_ip("224.0.0.1"), 0);
		rumpus_kernel_switch(a);
		ok(rump_sys_sendto(rawa, q, 8, 0, &sin, sizeof(sin)) == 8,
		    "A sends a general query to 224.0.0.1 from a raw socket");
		rumpus_kernel_switch(NULL);
	}
	vsleep(a, 11);
	ok(mreq(b, sb1, IP_DROP_MEMBERSHIP, "239.7.7.7", "10.40.0.2") == 0,
	    "B leaves 239.7.7.7");
	ok(mreq(c, sc, IP_DROP_MEMBERSHIP, "239.7.7.7", "10.40.0.3") == 0,
	    "C leaves 239.7.7.7");
	/* a v1 querier: v1 reports, no leave */
	ok(mreq(b, sb1, IP_ADD_MEMBERSHIP, "239.7.7.8", "10.40.0.2") == 0, "B joins 239.7.7.8");
	vsleep(a, 11);
	{
		uint8_t q[8] = { 0x11, 0, 0, 0, 0, 0, 0, 0 };
		uint16_t sum = in_cksum(q, 8, 0);
		struct nb_sockaddr_in sin;
		memcpy(q + 2, &sum, 2);
		in_sockaddr(&sin, ku_ip("224.0.0.1"), 0);
		rumpus_kernel_switch(a);
		ok(rump_sys_sendto(rawa, q, 8, 0, &sin, sizeof(sin)) == 8, "A sends a v1 query");
		rumpus_kernel_switch(NULL);
	}
	vsleep(a, 11);
	ok(mreq(b, sb1, IP_DROP_MEMBERSHIP, "239.7.7.8", "10.40.0.2") == 0, "B leaves 239.7.7.8");
	{
		/* A heard the reports on its raw socket (it is not a member, but 239.7.7.7's
		 * frames... are filtered: A hears only what is sent to groups it joined) */
		struct rumpus_kernel *old = rumpus_kernel_switch(a);
		int heard = 0;
		uint8_t buf[128];
		while (rump_sys_recvfrom(rawa, buf, sizeof(buf), MSG_DONTWAIT_, NULL, NULL) > 0)
			heard++;
		rumpus_kernel_switch(old);
		ok(heard >= 1, "A's raw IGMP socket got the query looped back (%d)", heard);
	}
	ok(rumpus_bus_pcap("mcbus", NULL) == 0, "capture stopped");
	{
		/* malformed IGMP to all-hosts (not captured: tshark would rightly flag it): counted and dropped by every kernel */
		uint8_t q[8] = { 0x11, 100, 0, 0, 0, 0, 0, 0 };
		struct nb_sockaddr_in sin;
		uint64_t shortb = inet_state(KOF(b))->igps_rcv_tooshort;
		uint64_t badb = inet_state(KOF(b))->igps_rcv_badsum;
		in_sockaddr(&sin, ku_ip("224.0.0.1"), 0);
		rumpus_kernel_switch(a);
		rump_sys_sendto(rawa, q, 6, 0, &sin, sizeof(sin));
		q[2] = 0x12, q[3] = 0x34;	/* a wrong checksum */
		rump_sys_sendto(rawa, q, 8, 0, &sin, sizeof(sin));
		rumpus_kernel_switch(NULL);
		ok(inet_state(KOF(b))->igps_rcv_tooshort == shortb + 1 &&
		    inet_state(KOF(b))->igps_rcv_badsum == badb + 1,
		    "a 6-byte IGMP message and one with a bad checksum are counted and dropped");
	}
	nm = pcap_igmp(path, msgs, 64, &t1, &to);
	ok(nm > 0, "the capture has %d IGMP messages", nm);
	for (i = 0, e = 1; i < nm; i++)
		if (msgs[i].type != 0x11)	/* the query is the test's own, from a raw socket */
			e &= msgs[i].ttl == 1 && msgs[i].ra && msgs[i].cksum_ok && msgs[i].macok;
	ok(e, "every report and leave: TTL 1, no IP options (as NetBSD), both checksums right, "
	    "01:00:5e MAC");
	ok(count_msgs(msgs, nm, 0x16, "224.0.0.1") == 0, "224.0.0.1 is never reported");
	ok(count_msgs(msgs, nm, 0x16, "239.5.5.5") >= 3,
	    "v2 reports for 239.5.5.5 (B, C and A joined it on mcbus)");
	/* 239.7.7.7: B and C each report at join; one more each within 10 s unless the other's
	 * came first (suppression); after the query exactly one answers */
	i = count_msgs(msgs, nm, 0x16, "239.7.7.7");
	ok(i == 4, "239.7.7.7: 2 reports at join, 1 repeat (the other suppressed), 1 answer "
	    "to the query (the other suppressed): %d", i);
	ok(count_msgs(msgs, nm, 0x17, "239.7.7.7") == 1,
	    "one leave for 239.7.7.7: from the host that reported last");
	for (i = 0, e = 0; i < nm; i++)
		if (msgs[i].type == 0x17)
			e += msgs[i].dst == msgs[i].group;
	ok(e == count_msgs(msgs, nm, 0x17, NULL) && e >= 1,
	    "leaves go to the group, as NetBSD 7.99's (%d)", e);
	ok(count_msgs(msgs, nm, 0x11, NULL) == 2, "the two queries are on the capture");
	ok(count_msgs(msgs, nm, 0x16, "239.7.7.8") == 2 && count_msgs(msgs, nm, 0x12, "239.7.7.8") == 1 &&
	    count_msgs(msgs, nm, 0x17, "239.7.7.8") == 0,
	    "239.7.7.8: two v2 reports at join, a v1 report after the v1 query, no leave while "
	    "a v1 querier is present");
	ok(t1 >= 5 && to == 1, "multicast UDP on mcbus: TTL 1 unless set (%d with TTL 1, %d other)",
	    t1, to);

	if (x_tshark_or_skip(NULL)) {
		size_t got;
		snprintf(cmd, sizeof(cmd), "tshark -n -o ip.check_checksum:TRUE -o "
		    "udp.check_checksum:TRUE -r %s -V 2>&1", path);
		e = x_tshark_read(cmd, out, sizeof(out), &got);
		ok(e == 0 && got > 0, "tshark reads the capture");
		ok(x_tshark_clean(out), "no malformed packets, no bad checksums");
		ok(has(out, "Membership Report") && has(out, "Leave Group") &&
		    has(out, "Membership Query"), "tshark sees reports, leaves and the queries");
	}

	/* ---- threads: joins and leaves while another thread sends */
	{
		atomic_int stop = 0;
		struct thr tj = { b, udp_sock(b, "0.0.0.0", 46000, 1), &stop, 0, 0 };
		struct thr ts = { a, udp_sock(a, NULL, 0, 0), &stop, 0, 0 };
		int keep = udp_sock(b, "0.0.0.0", 46000, 1);
		pthread_t t[2];
		addr = ku_ip("10.40.0.1");
		so_set(a, ts.s, IP_MULTICAST_IF, &addr, 4);
		ok(tj.s >= 0 && ts.s >= 0 && keep >= 0, "B: two sockets on 6000, A: a sender");
		pthread_create(&t[0], NULL, joiner, &tj);
		pthread_create(&t[1], NULL, sender, &ts);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		ok(tj.errors == 0 && ts.errors == 0 && tj.ops == 800,
		    "800 joins and leaves and %d sends, no error", ts.ops);
		vsleep(b, 1);	/* frames queued for B while it was busy are drained */
		ok(count_only(b, tj.s, "fin") == 0 && count_only(b, keep, "fin") == 0 &&
		    mreq(b, keep, IP_ADD_MEMBERSHIP, "239.9.9.9", "10.40.0.2") == 0 &&
		    send_to(a, ts.s, "fin", "239.9.9.9", 46000) == 0 &&
		    count_only(b, keep, "fin") == 1 && count_only(b, tj.s, "fin") == 1,
		    "afterwards a join still works: both sockets of the port get the next datagram");
		sclose(b, tj.s);
		sclose(b, keep);
		sclose(a, ts.s);
	}

	/* ---- TCP sockets take the options (NetBSD), and closing one leaves its groups */
	{
		int st;
		struct kin ki;
		rumpus_kernel_switch(n);
		st = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
		rumpus_kernel_switch(NULL);
		ok(st >= 0 && mreq(n, st, IP_ADD_MEMBERSHIP, "239.4.4.4", "10.40.0.4") == 0,
		    "N: a TCP socket joins 239.4.4.4");
		ku_enter(&ki, n);
		e = in_lookup_multi(inet_state(ki.k), ku_ip("239.4.4.4"),
		    if_find(ifstate(ki.k), "shmif0")) != NULL;
		ku_leave(&ki);
		sclose(n, st);
		ku_enter(&ki, n);
		e = e && in_lookup_multi(inet_state(ki.k), ku_ip("239.4.4.4"),
		    if_find(ifstate(ki.k), "shmif0")) == NULL;
		ku_leave(&ki);
		ok(e, "the interface is in the group while the socket is, not after its close");
	}

	/* ---- an interface destroyed under its members */
	{
		struct rumpus_kernel *g = ku_boot();
		struct nb_ifreq ifr;
		int sg1, sg2;
		ok(g && ku_shmif(g, "shmif0", "mcbus4") == 0 &&
		    ku_addr(g, "shmif0", "10.43.0.1", 24) == 0 && ku_shmif(g, "shmif1", "mcbus4b") == 0 &&
		    ku_addr(g, "shmif1", "10.44.0.1", 24) == 0, "G with two interfaces");
		sg1 = udp_sock(g, "0.0.0.0", 45000, 1);
		sg2 = udp_sock(g, NULL, 0, 0);
		addr = ku_ip("10.43.0.1");
		ok(mreq(g, sg1, IP_ADD_MEMBERSHIP, "239.8.8.8", "10.43.0.1") == 0 &&
		    mreq(g, sg1, IP_ADD_MEMBERSHIP, "239.8.8.8", "10.44.0.1") == 0 &&
		    so_set(g, sg2, IP_MULTICAST_IF, &addr, 4) == 0,
		    "G joins 239.8.8.8 on both, a sender picks shmif0");
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "shmif0");
		ok(ku_ioctl(g, SIOCIFDESTROY, &ifr) == 0, "G: shmif0 destroyed");
		{
			struct kin ki;
			ku_enter(&ki, g);
			struct inet_state *gis = inet_state(ki.k);
			struct inpcb *ip1 = NULL;
			for (struct inpcb *q = gis->is_udb; q != NULL; q = q->inp_next)
				if (q->inp_lport == htons(45000))
					ip1 = q;
			e = ip1 != NULL && ip1->inp_moptions != NULL && ip1->inp_moptions->imo_num == 1 &&
			    ip1->inp_moptions->imo_membership[0]->inm_ifp ==
			    if_find(ifstate(ki.k), "shmif1");
			ku_leave(&ki);
		}
		ok(e, "the socket keeps only its membership on shmif1");
		addr = 1;
		rumpus_kernel_switch(g);
		len = 4;
		e = rump_sys_getsockopt(sg2, IPPROTO_IP, IP_MULTICAST_IF, &addr, &len);
		rumpus_kernel_switch(NULL);
		ok(e == 0 && addr == 0, "the sender's IP_MULTICAST_IF is back to INADDR_ANY");
		ok(mreq(g, sg1, IP_DROP_MEMBERSHIP, "239.8.8.8", "10.44.0.1") == 0,
		    "the membership on shmif1 drops");
		sclose(g, sg1);
		sclose(g, sg2);
		rumpus_kernel_destroy(g);
	}

	sclose(a, s);
	sclose(a, sa);
	sclose(a, rawa);
	sclose(b, sb1);
	sclose(b, sb3);
	sclose(c, sc);
	sclose(n, sn);
	sclose(d, sd);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_kernel_destroy(c);
	rumpus_kernel_destroy(n);
	rumpus_kernel_destroy(r);
	rumpus_kernel_destroy(d);
	rumpus_kernel_destroy(mh);
	rumpus_clock_virtual(0);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "every byte freed (%lld)", (long long)(m1.bytes - m0.bytes));
	if (tap_failed)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
