/*
 * netbsd_net.h: NetBSD's interface-configuration ABI (x86_64), for C programs on a Linux host
 * that configure rumpus kernels with ioctls on rump sockets, as a NetBSD program would:
 *
 *	#include <rump/rumpus.h>
 *	#include <rump/rump_syscalls.h>
 *	#include <rump/netbsd_net.h>
 *
 *	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
 *	struct ifreq ifr = { .ifr_name = "shmif0" };
 *	rump_sys_ioctl(s, SIOCIFCREATE, &ifr);
 *
 * The kernel speaks NetBSD's numbers and layouts, not the host's: struct ifreq is 144 bytes
 * here and 40 on Linux, SIOCGIFFLAGS is 0xc0906911 here and 0x8913 on Linux.  So this header
 * gives the NetBSD definitions under their NetBSD names and refuses to be mixed with the
 * host's <net/if.h> or <sys/ioctl.h> in one file.  Socket addresses, which the host's
 * <netinet/in.h> also defines, are named rump_sockaddr / rump_sockaddr_in (they carry
 * NetBSD's length byte).  Every value and offset is checked against abi/netbsd by
 * test/lua/install_test.lua.
 */
#ifndef RUMP_NETBSD_NET_H
#define RUMP_NETBSD_NET_H

#if defined(_NET_IF_H) || defined(SIOCGIFFLAGS) || defined(IFF_UP)
#error "rump/netbsd_net.h holds NetBSD's ifreq and SIOC* values: do not include the host's <net/if.h> or <sys/ioctl.h> in the same file"
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IFNAMSIZ	16

/* NetBSD's sockaddr and sockaddr_in: a length byte, then an 8-bit family. */
struct rump_sockaddr {
	uint8_t sa_len;
	uint8_t sa_family;
	char sa_data[14];
};

struct rump_in_addr {
	uint32_t s_addr;		/* network byte order */
} __attribute__((__packed__));

struct rump_sockaddr_in {
	uint8_t sin_len;		/* sizeof(struct rump_sockaddr_in), 16 */
	uint8_t sin_family;		/* AF_INET */
	uint16_t sin_port;		/* network byte order */
	struct rump_in_addr sin_addr;
	int8_t sin_zero[8];
};

struct rump_sockaddr_storage {
	uint8_t ss_len;
	uint8_t ss_family;
	char __ss_pad1[6];
	int64_t __ss_align;
	char __ss_pad2[112];
};

/* Interface requests (SIOCIFCREATE, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFMTU, ...). */
struct ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct rump_sockaddr ifru_addr;
		struct rump_sockaddr ifru_dstaddr;
		struct rump_sockaddr ifru_broadaddr;
		struct rump_sockaddr_storage ifru_space;
		short ifru_flags;
		int ifru_addrflags;
		int ifru_metric;
		int ifru_mtu;
		int ifru_dlt;
		unsigned int ifru_value;
		void *ifru_data;
		struct {
			uint32_t b_buflen;
			void *b_buf;
		} ifru_b;
	} ifr_ifru;
};
#define ifr_addr	ifr_ifru.ifru_addr
#define ifr_dstaddr	ifr_ifru.ifru_dstaddr
#define ifr_broadaddr	ifr_ifru.ifru_broadaddr
#define ifr_space	ifr_ifru.ifru_space
#define ifr_flags	ifr_ifru.ifru_flags
#define ifr_metric	ifr_ifru.ifru_metric
#define ifr_mtu		ifr_ifru.ifru_mtu
#define ifr_data	ifr_ifru.ifru_data
#define ifr_index	ifr_ifru.ifru_value

/* SIOCAIFADDR: an IPv4 address with its mask and broadcast (or destination) address. */
struct in_aliasreq {
	char ifra_name[IFNAMSIZ];
	struct rump_sockaddr_in ifra_addr;
	struct rump_sockaddr_in ifra_dstaddr;
#define ifra_broadaddr	ifra_dstaddr
	struct rump_sockaddr_in ifra_mask;
};

/* SIOCSLINKSTR / SIOCGLINKSTR (shmif's bus name) and SIOCSDRVSPEC. */
struct ifdrv {
	char ifd_name[IFNAMSIZ];
	unsigned long ifd_cmd;
	size_t ifd_len;
	void *ifd_data;
};

#define IFF_UP		0x1
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x8000

#define AF_LINK		18

#define SIOCSIFFLAGS	0x80906910UL
#define SIOCGIFFLAGS	0xc0906911UL
#define SIOCDIFADDR	0x80906919UL
#define SIOCAIFADDR	0x8040691aUL
#define SIOCGIFADDR	0xc0906921UL
#define SIOCIFDESTROY	0x80906979UL
#define SIOCIFCREATE	0x8090697aUL
#define SIOCGIFMTU	0xc090697eUL
#define SIOCSIFMTU	0x8090697fUL
#define SIOCGIFINDEX	0xc090698cUL
#define SIOCGLINKSTR	0xc0286987UL
#define SIOCSLINKSTR	0x80286988UL

#ifdef __cplusplus
}
#endif

#endif /* RUMP_NETBSD_NET_H */
