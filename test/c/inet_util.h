/*
 * inet_util.h: helpers for the network C tests: boot kernels with interfaces on buses,
 * configure addresses and routes the NetBSD way (ioctls, routing messages), and run
 * code inside a kernel as a syscall would (a virtual CPU held, process 1's lwp).
 */
#ifndef TEST_INET_UTIL_H
#define TEST_INET_UTIL_H

#include <stdio.h>
#include <string.h>

/* the kernel headers below carry NetBSD's clock ids: the host's (<time.h>, <pthread.h>)
 * go, and after this header CLOCK_* are NetBSD's */
#undef CLOCK_MONOTONIC
#undef CLOCK_PROCESS_CPUTIME_ID
#undef CLOCK_PROF
#undef CLOCK_REALTIME
#undef CLOCK_THREAD_CPUTIME_ID
#undef CLOCK_VIRTUAL

#include "rump/rumpus.h"
#include "net/if.h"
#include "netinet/in_var.h"

#define KOF(rk) ((struct kern *)(rk))

/* Enters rk as a syscall does; ku_leave undoes it. */
struct kin { struct kern *k; struct lwp implicit, *prev; };
static inline void
ku_enter(struct kin *ki, struct rumpus_kernel *rk)
{
	ki->k = KOF(rk);
	kern_enter(ki->k, &ki->implicit, &ki->prev);
}
static inline void ku_leave(struct kin *ki) { kern_leave(ki->k, ki->prev); }

static inline struct rumpus_kernel *
ku_boot(void)
{
	static const char *comps[] = { "net.netinet", "net.shmif", NULL };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

	if (k == NULL)
		fprintf(stderr, "# boot failed: %d %s\n", err, rumpus_error());
	return k;
}

static inline int
ku_ioctl(struct rumpus_kernel *rk, unsigned long cmd, void *data)
{
	struct kin ki;
	int e;

	ku_enter(&ki, rk);
	e = ifioctl(ki.k, cmd, data);
	ku_leave(&ki);
	return e;
}

#define htons(x) __builtin_bswap16(x)
#define ntohs(x) __builtin_bswap16(x)
/* "a.b.c.d" in network order */
static inline uint32_t
ku_ip(const char *s)
{
	unsigned v[4] = { 0, 0, 0, 0 };

	sscanf(s, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]);
	return htonl_(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
}

static inline int
ku_ifflags(struct rumpus_kernel *rk, const char *ifname, int set, int clear)
{
	struct nb_ifreq ifr;
	int e;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if ((e = ku_ioctl(rk, SIOCGIFFLAGS, &ifr)) != 0)
		return e;
	ifr.ifr_ifru.ifru_flags = (short)((ifr.ifr_ifru.ifru_flags | set) & ~clear);
	return ku_ioctl(rk, SIOCSIFFLAGS, &ifr);
}

/* SIOCIFCREATE + SIOCSLINKSTR + up, as NetBSD's rump tests configure shmif. */
static inline int
ku_shmif(struct rumpus_kernel *rk, const char *ifname, const char *bus)
{
	struct nb_ifreq ifr;
	struct nb_ifdrv ifd;
	int e;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if ((e = ku_ioctl(rk, SIOCIFCREATE, &ifr)) != 0)
		return e;
	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.ifd_name, sizeof(ifd.ifd_name), "%s", ifname);
	ifd.ifd_cmd = 0;
	ifd.ifd_data = (void *)bus;
	ifd.ifd_len = strlen(bus) + 1;
	if ((e = ku_ioctl(rk, SIOCSLINKSTR, &ifd)) != 0)
		return e;
	return ku_ifflags(rk, ifname, IFF_UP, 0);
}

static inline int
ku_addr(struct rumpus_kernel *rk, const char *ifname, const char *addr, int plen)
{
	struct nb_in_aliasreq ifra;

	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "%s", ifname);
	in_sockaddr(&ifra.ifra_addr, ku_ip(addr), 0);
	in_sockaddr(&ifra.ifra_mask, plen_to_mask(plen), 0);
	return ku_ioctl(rk, SIOCAIFADDR, &ifra);
}

/* A routing message: type with dst/plen and gateway (NULL: none); flags RTF_*.
 * The answer (if any) is left in *reply (512 bytes). */
static inline int
ku_rtmsg(struct rumpus_kernel *rk, int type, const char *dst, int plen, const char *gw,
    int flags, uint8_t *reply, size_t *replylen)
{
	uint8_t buf[512];
	size_t len = 120, out = 0;
	struct nb_sockaddr_in sin;
	int addrs = 0x1, e;
	struct kin ki;

	memset(buf, 0, sizeof(buf));
	in_sockaddr(&sin, ku_ip(dst), 0);
	memcpy(buf + len, &sin, 16), len += 16;
	if (gw != NULL) {
		in_sockaddr(&sin, ku_ip(gw), 0);
		memcpy(buf + len, &sin, 16), len += 16;
		addrs |= 0x2;
	}
	if (plen >= 0) {
		in_sockaddr(&sin, plen_to_mask(plen), 0);
		memcpy(buf + len, &sin, 16), len += 16;
		addrs |= 0x4;
	}
	buf[0] = (uint8_t)len, buf[1] = (uint8_t)(len >> 8);
	buf[2] = 4;
	buf[3] = (uint8_t)type;
	memcpy(buf + 8, &flags, 4);
	memcpy(buf + 12, &addrs, 4);
	ku_enter(&ki, rk);
	e = rtsock_request(ki.k, buf, len, sizeof(buf), &out);
	ku_leave(&ki);
	if (reply != NULL && e == 0)
		memcpy(reply, buf, out);
	if (replylen != NULL)
		*replylen = out;
	return e;
}

static inline int
ku_route(struct rumpus_kernel *rk, const char *dst, int plen, const char *gw)
{
	return ku_rtmsg(rk, 1, dst, plen, gw, plen == 32 ? RTF_HOST | RTF_GATEWAY : RTF_GATEWAY,
	    NULL, NULL);
}

static inline int
ku_sysctl_int(struct rumpus_kernel *rk, int id, int *oldv, const int *newv)
{
	int name[3] = { AF_INET, IPPROTO_IP, id };
	size_t len = sizeof(int);
	struct kin ki;
	int e;

	ku_enter(&ki, rk);
	e = net_sysctl(curlwp(), name, 3, oldv, oldv ? &len : NULL, newv,
	    newv ? sizeof(int) : 0);
	ku_leave(&ki);
	return e;
}

/* UDP/raw pcbs from outside a kernel. */
static inline struct inpcb *
ku_socket(struct rumpus_kernel *rk, int type, int proto, int *errp)
{
	struct inpcb *inp = NULL;
	struct kin ki;
	int e;

	ku_enter(&ki, rk);
	e = inp_create(ki.k, type, proto, &inp);
	ku_leave(&ki);
	if (errp)
		*errp = e;
	return inp;
}

static inline int
ku_bind(struct rumpus_kernel *rk, struct inpcb *inp, const char *addr, int port)
{
	struct nb_sockaddr_in sin;
	struct kin ki;
	int e;

	in_sockaddr(&sin, ku_ip(addr), htons((uint16_t)port));
	ku_enter(&ki, rk);
	e = inp_bind(inp, &sin, sizeof(sin));
	ku_leave(&ki);
	return e;
}

static inline int
ku_sendto(struct rumpus_kernel *rk, struct inpcb *inp, const void *buf, size_t len,
    const char *addr, int port)
{
	struct nb_sockaddr_in sin;
	struct kin ki;
	int e;

	in_sockaddr(&sin, ku_ip(addr), htons((uint16_t)port));
	ku_enter(&ki, rk);
	e = inp_send(inp, buf, len, addr ? &sin : NULL, sizeof(sin));
	ku_leave(&ki);
	return e;
}

static inline int
ku_recv(struct rumpus_kernel *rk, struct inpcb *inp, void *buf, size_t *len,
    struct nb_sockaddr_in *from)
{
	struct kin ki;
	size_t full;
	int e;

	ku_enter(&ki, rk);
	e = inp_recv(inp, buf, len, &full, from);
	ku_leave(&ki);
	return e;
}

static inline void
ku_close(struct rumpus_kernel *rk, struct inpcb *inp)
{
	struct kin ki;

	ku_enter(&ki, rk);
	inp_destroy(inp);
	ku_leave(&ki);
}

static inline struct nb_if_data
ku_ifdata(struct rumpus_kernel *rk, const char *ifname)
{
	struct nb_ifdatareq ifdr;

	memset(&ifdr, 0, sizeof(ifdr));
	snprintf(ifdr.ifdr_name, sizeof(ifdr.ifdr_name), "%s", ifname);
	ku_ioctl(rk, SIOCGIFDATA, &ifdr);
	return ifdr.ifdr_data;
}

/* A 20-byte IPv4 header at ip: total length len, protocol, src and dst (network order),
 * id, fragment field off, TTL 64, its checksum filled in. */
static inline void
ku_ip_hdr(uint8_t *ip, int len, int proto, uint32_t src, uint32_t dst, int id, int off)
{
	uint16_t s;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(len >> 8), ip[3] = (uint8_t)len;
	ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(off >> 8), ip[7] = (uint8_t)off;
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	s = in_cksum(ip, 20, 0);
	memcpy(ip + 10, &s, 2);
}

#endif
