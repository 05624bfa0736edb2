/*
 * if.h: network interfaces, packets, buses and the routing table of one kernel
 * (components net.net and net.shmif), shared with netinet/.
 *
 * Locking.  Each kernel's network state has one host mutex, ns_lock.  A thread holds it
 * while it runs any network code of that kernel (a syscall, a callout, or an inline
 * delivery from another kernel).  A thread holding one kernel's lock never waits for
 * another's: delivering a frame to another kernel only *tries* to take that kernel's
 * virtual CPU and lock (ifs_enter_try); when either is busy the frame stays on the
 * receiving interface's input queue and a callout of that kernel drains it.  A kernel
 * that finds frames queued for itself (its own reply looping back) drains them before
 * it lets go of its lock (net_leave).  So there is no lock order to get wrong, and frames
 * travel inline, run to completion, whenever the path is free.
 *
 * Packets (struct pkt) are contiguous buffers with headroom, owned by one kernel and
 * counted in its memory.  Every length read from a packet is checked against p_len.
 */
#ifndef NET_IF_H
#define NET_IF_H

#include "kern/kern.h"
#include "net/net.h"
#include "net/bus.h"
#include "net/radix.h"

/* ---------------------------------------------------------------- NetBSD ABI */

#define NB_IFNAMSIZ	16
#ifndef PF_ROUTE
#define PF_ROUTE	AF_ROUTE
#endif

#define IFF_UP		0x0001
#define IFF_BROADCAST	0x0002
#define IFF_DEBUG	0x0004
#define IFF_LOOPBACK	0x0008
#define IFF_POINTOPOINT	0x0010
#define IFF_RUNNING	0x0040
#define IFF_NOARP	0x0080
#define IFF_PROMISC	0x0100
#define IFF_SIMPLEX	0x0800
#define IFF_MULTICAST	0x8000
#define IFF_CANTCHANGE	36690

#define IFT_ETHER	6
#define IFT_LOOP	24
#define LINK_STATE_UNKNOWN 0
#define LINK_STATE_DOWN	1
#define LINK_STATE_UP	2

/* ioctl numbers (constants.tsv) */
#define SIOCSIFFLAGS	0x80906910UL
#define SIOCGIFFLAGS	0xc0906911UL
#define SIOCSIFADDR	0x8090690cUL
#define SIOCGIFADDR	0xc0906921UL
#define SIOCGIFDSTADDR	0xc0906922UL
#define SIOCGIFBRDADDR	0xc0906923UL
#define SIOCGIFNETMASK	0xc0906925UL
#define SIOCAIFADDR	0x8040691aUL
#define SIOCDIFADDR	0x80906919UL
#define SIOCGIFCONF	0xc0106926UL
#define SIOCSIFMTU	0x8090697fUL
#define SIOCGIFMTU	0xc090697eUL
#define SIOCGIFMETRIC	0xc0906917UL
#define SIOCSIFMETRIC	0x80906918UL
#define SIOCIFCREATE	0x8090697aUL
#define SIOCIFDESTROY	0x80906979UL
#define SIOCIFGCLONERS	0xc0106978UL
#define SIOCSLINKSTR	0x80286988UL
#define SIOCGLINKSTR	0xc0286987UL
#define SIOCGIFDATA	0xc0986985UL
#define SIOCZIFDATA	0xc0986986UL
#define SIOCGIFINDEX	0xc090698cUL
#define SIOCSIFCAP	0x80206975UL
#define SIOCGIFCAP	0xc0206976UL

/* interface capabilities (struct ifcapreq; net/if.h).  Ours: IFCAP_TSOv4 and IFCAP_TSOv6 on
 * shmif and virtif (if_tso.c) */
#define IFCAP_TSOv4		0x00080
#define IFCAP_CSUM_IPv4_Rx	0x00100
#define IFCAP_CSUM_IPv4_Tx	0x00200
#define IFCAP_CSUM_TCPv4_Rx	0x00400
#define IFCAP_CSUM_TCPv4_Tx	0x00800
#define IFCAP_CSUM_UDPv4_Rx	0x01000
#define IFCAP_CSUM_UDPv4_Tx	0x02000
#define IFCAP_CSUM_TCPv6_Rx	0x04000
#define IFCAP_CSUM_TCPv6_Tx	0x08000
#define IFCAP_CSUM_UDPv6_Rx	0x10000
#define IFCAP_CSUM_UDPv6_Tx	0x20000
#define IFCAP_TSOv6		0x40000
#define IFCAP_LRO		0x80000

struct nb_in_addr {
	uint32_t s_addr;		/* network order */
};
struct nb_sockaddr_in {
	uint8_t sin_len;
	uint8_t sin_family;
	uint16_t sin_port;		/* network order */
	struct nb_in_addr sin_addr;
	int8_t sin_zero[8];
};
struct nb_sockaddr_dl {
	uint8_t sdl_len;
	uint8_t sdl_family;
	uint16_t sdl_index;
	uint8_t sdl_type, sdl_nlen, sdl_alen, sdl_slen;
	char sdl_data[12];		/* name then address; may run past the struct */
};
struct nb_timespec_if {
	int64_t tv_sec;
	long tv_nsec;
};
struct nb_if_data {
	uint8_t ifi_type, ifi_addrlen, ifi_hdrlen, ifi_pad;
	int ifi_link_state;
	uint64_t ifi_mtu, ifi_metric, ifi_baudrate;
	uint64_t ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions;
	uint64_t ifi_ibytes, ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_noproto;
	struct nb_timespec_if ifi_lastchange;
};
struct nb_ifreq {
	char ifr_name[NB_IFNAMSIZ];
	union {
		struct nb_sockaddr ifru_addr;
		struct nb_sockaddr ifru_dstaddr;
		struct nb_sockaddr ifru_broadaddr;
		unsigned char ifru_space[128];
		short ifru_flags;
		int ifru_metric;
		int ifru_mtu;
		int ifru_index;
		void *ifru_data;
	} ifr_ifru;
};
struct nb_ifaliasreq {
	char ifra_name[NB_IFNAMSIZ];
	struct nb_sockaddr ifra_addr, ifra_dstaddr, ifra_mask;
};
struct nb_in_aliasreq {
	char ifra_name[NB_IFNAMSIZ];
	struct nb_sockaddr_in ifra_addr, ifra_dstaddr, ifra_mask;
};
struct nb_ifdrv {
	char ifd_name[NB_IFNAMSIZ];
	unsigned long ifd_cmd;
	size_t ifd_len;
	void *ifd_data;
};
struct nb_ifconf {
	int ifc_len;
	void *ifc_buf;
};
struct nb_ifdatareq {
	char ifdr_name[NB_IFNAMSIZ];
	struct nb_if_data ifdr_data;
};
struct nb_ifcapreq {
	char ifcr_name[NB_IFNAMSIZ];
	uint64_t ifcr_capabilities;	/* what the interface can do */
	uint64_t ifcr_capenable;	/* what is on */
};
_Static_assert(sizeof(struct nb_ifcapreq) == 32, "ifcapreq");
struct nb_if_clonereq {
	int ifcr_total;
	int ifcr_count;
	char *ifcr_buffer;
};
_Static_assert(sizeof(struct nb_ifreq) == 144, "ifreq");
_Static_assert(sizeof(struct nb_ifaliasreq) == 64, "ifaliasreq");
_Static_assert(sizeof(struct nb_in_aliasreq) == 64, "in_aliasreq");
_Static_assert(sizeof(struct nb_ifdrv) == 40, "ifdrv");
_Static_assert(sizeof(struct nb_if_data) == 136, "if_data");
_Static_assert(sizeof(struct nb_ifdatareq) == 152, "ifdatareq");
_Static_assert(sizeof(struct nb_ifconf) == 16, "ifconf");
_Static_assert(sizeof(struct nb_sockaddr_dl) == 20, "sockaddr_dl");
_Static_assert(offsetof(struct nb_if_data, ifi_lastchange) == 120, "if_data");

/* routing messages (rtsock.c) */
#define RTM_VERSION	4
#define RTM_ADD		1
#define RTM_DELETE	2
#define RTM_CHANGE	3
#define RTM_GET		4
#define RTM_NEWADDR	12
#define RTM_IFINFO	20
#define RTM_DELADDR	13
#define RTM_IFANNOUNCE	16
#define IFAN_ARRIVAL	0
#define IFAN_DEPARTURE	1
#define RTA_DST		0x1
#define RTA_GATEWAY	0x2
#define RTA_NETMASK	0x4
#define RTA_GENMASK	0x8
#define RTA_IFP		0x10
#define RTA_IFA		0x20
#define RTA_AUTHOR	0x40
#define RTA_BRD		0x80
#define RTAX_MAX	9
#define NET_RT_DUMP	1
#define NET_RT_FLAGS	2
#define NET_RT_IFLIST	5
#define RT_ROUNDUP(n)	((n) > 0 ? (((n) + 7) & ~7UL) : 8)

struct nb_rt_metrics {
	uint64_t rmx_locks, rmx_mtu, rmx_hopcount, rmx_recvpipe, rmx_sendpipe;
	uint64_t rmx_ssthresh, rmx_rtt, rmx_rttvar;
	int64_t rmx_expire, rmx_pksent;
};
struct nb_rt_msghdr {
	uint16_t rtm_msglen;
	uint8_t rtm_version, rtm_type;
	uint16_t rtm_index;
	int rtm_flags, rtm_addrs;
	int32_t rtm_pid;
	int rtm_seq, rtm_errno, rtm_use, rtm_inits;
	struct nb_rt_metrics rtm_rmx;
};
struct nb_if_msghdr {
	uint16_t ifm_msglen;
	uint8_t ifm_version, ifm_type;
	int ifm_addrs, ifm_flags;
	uint16_t ifm_index;
	struct nb_if_data ifm_data;
};
struct nb_ifa_msghdr {
	uint16_t ifam_msglen;
	uint8_t ifam_version, ifam_type;
	int ifam_addrs, ifam_flags, ifam_metric;
	uint16_t ifam_index;
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct nb_rt_msghdr) == 120, "rt_msghdr");
_Static_assert(offsetof(struct nb_rt_msghdr, rtm_rmx) == 40, "rt_msghdr");
_Static_assert(sizeof(struct nb_if_msghdr) == 152, "if_msghdr");
_Static_assert(offsetof(struct nb_if_msghdr, ifm_data) == 16, "if_msghdr");
_Static_assert(sizeof(struct nb_ifa_msghdr) == 24, "ifa_msghdr");


/* ---------------------------------------------------------------- packets */

#define PKT_HEADROOM	64	/* room for Ethernet + IP + UDP headers in front */
#define PKT_BCAST	0x01	/* arrived as a link-level broadcast */
#define PKT_MCAST	0x02	/* arrived as a link-level multicast to a group ifp joined */

struct pkt {
	struct pkt *p_next;
	struct kern *p_kern;		/* whose memory it is */
	struct ifnet *p_rcvif;		/* arriving interface */
	uint32_t p_size;		/* bytes in p_buf */
	uint32_t p_off, p_len;		/* data: p_buf[p_off .. p_off + p_len) */
	uint32_t p_flags;
	uint32_t p_src, p_dst;		/* IPv4 addresses, for a socket's receive queue */
	uint16_t p_sport, p_dport;
	uint32_t p_tsosz;		/* TCP segmentation offload: data bytes per segment of
					 * this larger-than-MTU IPv4 or IPv6 TCP datagram
					 * (if_tso.c), 0: none */
	uint8_t p_buf[];
};
/* pkt_alloc/pkt_free run with the owning kernel's lock held (they keep a small cache of
 * standard-size buffers); the _nc forms may run anywhere. */
struct pkt *pkt_alloc(struct kern *k, size_t len, size_t headroom) KERN_HIDDEN;
void pkt_free(struct pkt *p) KERN_HIDDEN;
struct pkt *pkt_alloc_nc(struct kern *k, size_t len, size_t headroom) KERN_HIDDEN;
void pkt_free_nc(struct pkt *p) KERN_HIDDEN;
#define PKT_STDSIZE	2048	/* buffers up to this size come from the cache */
#define PKT_CACHEMAX	64
static inline uint8_t *pkt_data(struct pkt *p) { return p->p_buf + p->p_off; }
/* Makes n more bytes in front (NULL if there is no headroom). */
static inline uint8_t *
pkt_prepend(struct pkt *p, size_t n)
{
	if (p->p_off < n)
		return NULL;
	p->p_off -= n;
	p->p_len += n;
	return p->p_buf + p->p_off;
}
/* Drops n bytes in front; the caller checked n <= p_len. */
static inline void pkt_adj(struct pkt *p, size_t n) { p->p_off += n; p->p_len -= n; }

/* ---------------------------------------------------------------- buses: net/bus.h */

/* ---------------------------------------------------------------- interfaces */

struct in_ifaddr;
struct ifnet {
	/* what a datagram out reads first (one cache line when aligned, see if_alloc) */
	struct ifnet *if_next;
	struct kern *if_kern;
	int if_index;
	int if_flags;
	int if_type;			/* IFT_ETHER, IFT_LOOP */
	uint32_t if_mtu;
	/* the medium of an Ethernet interface other than shmif (NULL: shmif's): sends a
	 * frame */
	void (*if_start)(struct ifnet *ifp, const void *frame, size_t len);
	void *if_softc;
	struct in_ifaddr *if_inaddrs;
	uint8_t if_lladdr[6];
	/* sends a packet holding an IPv4 datagram to next hop nexthop (network order) */
	int (*if_output)(struct ifnet *ifp, struct pkt *p, uint32_t nexthop);
	char if_xname[NB_IFNAMSIZ];
	int if_metric;
	struct nb_if_data if_data;	/* statistics (counters updated under ns_lock) */
	atomic_uint_least64_t if_rxerrors, if_rxdrops;	/* from other threads (bus, queue) */
	void (*if_free)(struct ifnet *ifp);	/* detach the medium, free softc */
	/* frames that arrived while the kernel was busy (guarded by if_qlock) */
	hyp_mutex_t if_qlock;
	struct pkt *if_qhead, **if_qtail;
	int if_qlen;
	char *if_linkstr;		/* shmif: the bus name */
	size_t if_linkstrsize;
	/* ... and sets (linkstr non-NULL) or clears the link string (SIOCSLINKSTR) */
	int (*if_setlinkstr)(struct ifnet *ifp, const char *linkstr);
	/* capabilities (SIOCGIFCAP/SIOCSIFCAP): IFCAP_* the medium offers, and those on;
	 * if_setcap (NULL: none to tell) tells the medium about a change (ns lock held) */
	uint64_t if_capabilities, if_capenable;
	void (*if_setcap)(struct ifnet *ifp);
	/* a medium other than shmif that takes offload frames (virtif: the host cuts them);
	 * NULL: cut here (if_tso.c) */
	void (*if_start_tso)(struct ifnet *ifp, const void *frame, size_t len, uint32_t mss);
};
#define IFQ_MAXLEN	256

struct rtentry;
struct rt_cache;
struct in46_addr;
struct ifnet_state {
	/* what a datagram out reads (issue 16: on a bus of 1,000 kernels each sender's
	 * lines are cold, so these share one or two) */
	struct kern *ns_kern;
	/* net.netinet's IPv4 address filters (in.c, in_addr_bit): a bit for every address
	 * on an interface, one for every subnet and directed broadcast address; a clear bit
	 * answers "not ours" / "not a broadcast" without walking the interfaces' lines */
	uint64_t ns_inaddr_bits, ns_inbcast_bits;
	struct pkt *ns_pktcache;	/* free PKT_STDSIZE buffers (ns lock) */
	int ns_npktcache;
	uint32_t ns_rtgen;		/* bumped by every change of the table */
	/* the last route rt_lookup found: for ns_rtlast_dst while ns_rtlast_gen is
	 * ns_rtgen (0: none) */
	struct rtentry *ns_rtlast;
	uint32_t ns_rtlast_dst, ns_rtlast_gen;
	atomic_int ns_pending;		/* packets queued on some interface */
	int ns_draining;
	struct ifnet *ns_ifs;
	int ns_nextindex;
	struct ifnet *ns_lo0;
	struct rtentry *ns_rt;		/* every route, unordered (detach, flush) */
	int ns_nroutes;
	struct radix_head ns_rtree;	/* the routes by prefix (route.c; lazily set up) */
	struct rt_cache *ns_rtcache;	/* recent lookups (route.c), NULL: none */
	struct hyp_timer ns_isr;	/* drains interface queues filled while busy */
	atomic_int ns_isr_armed;
	int ns_rtsock_seq;
	/* hooks filled in by net.netinet (NULL when it is not loaded) */
	void (*ns_ip_input)(struct ifnet *ifp, struct pkt *p);
	void (*ns_arp_input)(struct ifnet *ifp, struct pkt *p);
	void (*ns_if_detach)(struct ifnet *ifp);
	int (*ns_in_control)(struct ifnet *ifp, unsigned long cmd, void *data);
	int (*ns_inet_sysctl)(struct lwp *l, const int *name, unsigned namelen, void *oldp,
	    size_t *oldlenp, const void *newp, size_t newlen);
	void *ns_inet;
	/* hooks filled in by net.netinet6 (csrc/netinet6/; NULL when it is not loaded):
	 * IPv6 input (Ethernet type 0x86dd, and lo0 packets of version 6), interface
	 * detach and up, the in6 ioctls (ENOTTY: not one of them), net.inet6 sysctls, and
	 * the Ethernet multicast filter (nonzero: ifp listens to group address mac). */
	void (*ns_ip6_input)(struct ifnet *ifp, struct pkt *p);
	void (*ns_if_detach6)(struct ifnet *ifp);
	void (*ns_if_up6)(struct ifnet *ifp);
	int (*ns_in6_control)(struct ifnet *ifp, unsigned long cmd, void *data);
	int (*ns_inet6_sysctl)(struct lwp *l, const int *name, unsigned namelen, void *oldp,
	    size_t *oldlenp, const void *newp, size_t newlen);
	int (*ns_ether_mcast)(struct ifnet *ifp, const uint8_t *mac);
	/* a PF_ROUTE request whose destination is AF_INET6 (sa: the RTA_* sockaddrs) */
	int (*ns_rt6_request)(struct kern *k, void *buf, size_t len, size_t bufsize,
	    size_t *outlen, const uint8_t *const *sa);
	/* sysctl net.route listings: NET_RT_DUMP/FLAGS (ifp NULL) IPv6 routes, NET_RT_IFLIST
	 * the IPv6 addresses of ifp, each message handed to put(rb, msg, len) */
	void (*ns_rt6_list)(struct kern *k, int op, int arg, struct ifnet *ifp,
	    void (*put)(void *rb, const void *msg, size_t len), void *rb);
	/* an IPv4 UDP datagram (header at hlen, ulen bytes of UDP) no IPv4 socket wanted:
	 * nonzero if a dual-stack IPv6 socket took it (and p) */
	int (*ns_udp6_mapped)(struct kern *k, struct pkt *p, int hlen, unsigned ulen);
	/* an IPv4 UDP bind of (laddr, lport): nonzero if a dual-stack IPv6 socket holds it
	 * (flags: the newcomer's INP_REUSEADDR/INP_REUSEPORT) */
	int (*ns_udp6_inuse4)(struct kern *k, uint32_t laddr, uint16_t lport, int flags);
	/* TCP over IPv6: a segment (TCP header at pkt_data, checksum to fill in) between
	 * IPv6 addresses (struct in46_addr, netinet/in_var.h), and the MSS towards one */
	int (*ns_tcp6_send)(struct kern *k, struct pkt *p, const struct in46_addr *src,
	    const struct in46_addr *dst);
	/* SIOCGIFCONF: the n-th IPv6 address of ifp as a sockaddr_in6 into buf (128 bytes):
	 * 0, or nonzero when there is none */
	int (*ns_in6_ifconf)(struct ifnet *ifp, int n, void *buf);
	/* the family of the socket an interface ioctl came on (0: the C API, ifioctl) */
	int ns_ioctl_family;
	uint32_t (*ns_tcp6_mss)(struct kern *k, const struct in46_addr *faddr);
	/* tcp_output: nonzero if segments to faddr of a connection with IPPROTO_IPV6
	 * options opts (inp_in6opts, may be NULL) may go as one offload datagram: they
	 * leave through an interface with IFCAP_TSOv6 on (not to ourselves), with no
	 * extension header and not at the minimum MTU */
	int (*ns_tcp6_tso)(struct kern *k, const struct in46_addr *faddr, void *opts);
	/* tcp_close: frees a connection's IPPROTO_IPV6 options (inp_in6opts) */
	void (*ns_tcp6_optfree)(struct kern *k, void *opts);
	/* tcp_output: the MSS mss of a connection with IPPROTO_IPV6 options (inp_in6opts)
	 * less their extension headers, at most 1220 with IPV6_USE_MIN_MTU 1 */
	uint32_t (*ns_tcp6_optmss)(struct kern *k, void *opts, uint32_t mss);
	void *ns_inet6;
	/* net.netinet's Ethernet multicast filter: nonzero when ifp joined an IPv4 group
	 * that maps to mac (01:00:5e...) */
	int (*ns_ether_mcast4)(struct ifnet *ifp, const uint8_t *mac);
};

static inline struct ifnet_state *ifstate(struct kern *k) { return kern_priv(k, COMP_NET_NET); }

/* Entering a kernel's network code: net_lock/net_unlock from a syscall or callout (the
 * vCPU is held), ifs_enter_try/ifs_leave_other from another kernel's delivery. */
void ifs_lock(struct ifnet_state *ns) KERN_HIDDEN;
void ifs_unlock(struct ifnet_state *ns) KERN_HIDDEN;
struct ifs_enter { struct lwp implicit, *prev; };
int  ifs_enter_try(struct kern *k, struct ifs_enter *ne) KERN_HIDDEN;	/* 0 or EBUSY */
void ifs_leave_other(struct kern *k, struct ifs_enter *ne) KERN_HIDDEN;
/* Runs the queued input of every interface (ns_lock held). */
void ifs_drain(struct ifnet_state *ns) KERN_HIDDEN;
/* The same unless a drain is running further up this thread's stack: protocol entry
 * points call it before they return to the socket layer. */
void ifs_flush(struct ifnet_state *ns) KERN_HIDDEN;
int  rts_domain_add(struct kern *k) KERN_HIDDEN;
int  ifioctl_locked(struct kern *k, struct ifnet_state *ns, unsigned long cmd, void *data)
    KERN_HIDDEN;

int  if_attach(struct ifnet_state *ns, struct ifnet *ifp) KERN_HIDDEN;	/* assigns index */
void if_detach(struct ifnet_state *ns, struct ifnet *ifp) KERN_HIDDEN;	/* unlinks, frees */
struct ifnet *if_alloc(struct kern *k, const char *name) KERN_HIDDEN;
struct ifnet *if_find(struct ifnet_state *ns, const char *name) KERN_HIDDEN;
struct ifnet *if_byindex(struct ifnet_state *ns, int index) KERN_HIDDEN;
/* A frame or packet arrived on ifp from another thread or kernel: queue it and run the
 * kernel's input now if it is free, else from a callout. */
void if_enqueue(struct ifnet *ifp, struct pkt *p) KERN_HIDDEN;
/* A frame from the medium (any thread): copied into the kernel and run now if the kernel
 * is free, else queued.  Frames longer than maxlen are input errors. */
void if_rx_frame(struct ifnet *ifp, const void *frame, size_t len, size_t maxlen) KERN_HIDDEN;
/* Link-level input with the kernel's lock held. */
void ether_input(struct ifnet *ifp, struct pkt *p) KERN_HIDDEN;
/* Ethernet output: builds the header and sends the frame to the bus. */
int  ether_output_frame(struct ifnet *ifp, struct pkt *p, const uint8_t *dst,
    uint16_t type) KERN_HIDDEN;
void if_up_down(struct ifnet *ifp, int flags) KERN_HIDDEN;

/* The interface ioctls (the 'i' group) on a kernel data buffer; ns_lock not held. */
int  ifioctl(struct kern *k, unsigned long cmd, void *data) KERN_HIDDEN;
/* sysctl CTL_NET (name below net.), for the net component. */
int  net_sysctl(struct lwp *l, const int *name, unsigned namelen, void *oldp,
    size_t *oldlenp, const void *newp, size_t newlen) KERN_HIDDEN;

/* Interface cloners: shmif registers itself (net.shmif). */
int  shmif_clone_create(struct kern *k, const char *name) KERN_HIDDEN;
int  shmif_set_linkstr(struct ifnet *ifp, const char *bus) KERN_HIDDEN;
void shmif_start(struct ifnet *ifp, const void *frame, size_t len) KERN_HIDDEN;
/* net.virtif (if_virt.c): virtN on a host tap device. */
int  virtif_clone_create(struct kern *k, const char *name) KERN_HIDDEN;
/* ifp's IPv4 addresses changed (n < 0: too many): shmif tells its bus (ARP suppression);
 * any other interface ignores it.  ns lock held. */
void shmif_setaddrs(struct ifnet *ifp, const uint32_t *addrs, int n) KERN_HIDDEN;
/* A sockaddr_dl for ifp into buf (room bytes); *lenp gets its rounded length. */
void if_link_sdl(struct ifnet *ifp, uint8_t *buf, size_t room, size_t *lenp) KERN_HIDDEN;

/* ---------------------------------------------------------------- segmentation offload */

/*
 * TCP segmentation offload (if_tso.c).  tcp_output builds one TCP datagram of up to
 * 64 KB when the route's interface has IFCAP_TSOv4 (IPv4) or IFCAP_TSOv6 (IPv6, no
 * extension headers) on, with p_tsosz the data bytes per segment and a valid checksum
 * over the whole of it.  A medium whose peer accepts
 * such datagrams (a bus port with TSO on) carries it as one frame; everywhere else it
 * is cut into MTU-sized segments, each with its own IP id, length, checksums, sequence
 * number and flags (FIN and PSH on the last, CWR on the first), as a NIC would.
 */
#define TSO_MAXFRAME	(14 + 65535)
/* Is ip (len bytes, an IPv4 or IPv6 datagram) one tso_build can cut?  Returns the IP +
 * TCP header length, 0 if not (not TCP, a fragment, an IPv6 extension header...). */
size_t tso_check(const uint8_t *ip, size_t len) KERN_HIDDEN;
/* Is the TCP checksum of the whole datagram right (checked before cutting)? */
int  tso_cksum_ok(const uint8_t *ip) KERN_HIDDEN;
/* Segment number `off / mss` of ip: its header and data [off, off + mss) into out
 * (room for hdrlen + mss bytes); returns its length. */
size_t tso_build(const uint8_t *ip, size_t len, size_t hdrlen, uint32_t mss, size_t off,
    uint8_t *out) KERN_HIDDEN;
/* p (such a datagram, hdrlen its IP + TCP header) checked and cut into segments of mss
 * data bytes, each a packet of k with p's flags handed to send(arg, seg) until one fails;
 * p is freed.  A wrong checksum drops p (0, as TCP would); ENOBUFS or send's error. */
int  tso_cut(struct kern *k, struct pkt *p, size_t hdrlen, uint32_t mss,
    int (*send)(void *arg, struct pkt *seg), void *arg) KERN_HIDDEN;
/* An Ethernet frame holding such a datagram: each segment (as a frame) to emit(arg, ..). */
void tso_frames(const uint8_t *frame, size_t len, uint32_t mss,
    void (*emit)(void *arg, const void *frame, size_t len), void *arg) KERN_HIDDEN;
/* shmif: a frame larger than the MTU (p_tsosz data bytes per segment) to the bus */
void shmif_start_tso(struct ifnet *ifp, const void *frame, size_t len, uint32_t mss) KERN_HIDDEN;

/* ---------------------------------------------------------------- routes */

#define RTF_UP		0x1
#define RTF_GATEWAY	0x2
#define RTF_HOST	0x4
#define RTF_REJECT	0x8
#define RTF_DYNAMIC	0x10
#define RTF_MODIFIED	0x20
#define RTF_DONE	0x40
#define RTF_MASK	0x80
#define RTF_CONNECTED	0x100
#define RTF_LLDATA	0x400
#define RTF_STATIC	0x800
#define RTF_BLACKHOLE	0x1000
#define RTF_LOCAL	0x40000
#define RTF_BROADCAST	0x80000
#define RTF_PROTO_MASK	(0x8000 | 0x4000)	/* RTF_PROTO1 | RTF_PROTO2 */

/* An IPv4 route.  Addresses are in network order. */
struct rtentry {
	struct rtentry *rt_next, **rt_prevp;	/* ns_rt */
	uint32_t rt_dst, rt_mask, rt_gateway;
	int rt_flags;
	int rt_plen;			/* prefix length, from rt_mask */
	struct ifnet *rt_ifp;
	uint32_t rt_ifa;		/* source address to use */
	uint64_t rt_use;
	uint64_t rt_mtu;		/* 0: the interface's */
};
int  rt_add(struct ifnet_state *ns, uint32_t dst, uint32_t mask, uint32_t gw, int flags,
    struct ifnet *ifp, uint32_t ifa, struct rtentry **rtp) KERN_HIDDEN;
int  rt_delete(struct ifnet_state *ns, uint32_t dst, uint32_t mask, struct rtentry *out)
    KERN_HIDDEN;
struct rtentry *rt_lookup(struct ifnet_state *ns, uint32_t dst) KERN_HIDDEN;
struct rtentry *rt_lookup_tree(struct ifnet_state *ns, uint32_t dst) KERN_HIDDEN;	/* uncached */
struct rtentry *rt_lookup_index(struct ifnet_state *ns, uint32_t dst) KERN_HIDDEN;	/* flat index (route.c) */
struct rtentry *rt_exact(struct ifnet_state *ns, uint32_t dst, uint32_t mask) KERN_HIDDEN;
void rt_ifdetach(struct ifnet_state *ns, struct ifnet *ifp) KERN_HIDDEN;
/* Calls fn on every route in dump order (radix_walk) until it returns non-zero. */
int  rt_walk(struct ifnet_state *ns, int (*fn)(void *rt, void *arg), void *arg) KERN_HIDDEN;
void rt_flush(struct ifnet_state *ns) KERN_HIDDEN;
/* Route socket: processes one message written to a PF_ROUTE socket (the kernel copy in
 * buf, len bytes); the answer replaces it in buf (bufsize bytes), *outlen its length. */
int  rtsock_request(struct kern *k, void *buf, size_t len, size_t bufsize, size_t *outlen)
    KERN_HIDDEN;
/* Announcements to every routing socket of the kernel (ns lock held): an interface came
 * or went (RTM_IFANNOUNCE), changed flags (RTM_IFINFO), got or lost an IPv4 address
 * (RTM_NEWADDR / RTM_DELADDR; addr, mask, broad in network order). */
void rt_ifannounce(struct ifnet *ifp, int what) KERN_HIDDEN;
void rt_ifmsg(struct ifnet *ifp) KERN_HIDDEN;
void rt_addrmsg(int type, struct ifnet *ifp, uint32_t addr, uint32_t mask, uint32_t broad)
    KERN_HIDDEN;
void rt_rawmsg(struct kern *k, const void *msg, size_t len) KERN_HIDDEN;	/* netinet6 */
int  rt_sysctl(struct kern *k, const int *name, unsigned namelen, void *oldp, size_t *oldlenp)
    KERN_HIDDEN;

static inline uint32_t
plen_to_mask(int plen)
{
	return plen == 0 ? 0 : __builtin_bswap32(~0U << (32 - plen));
}
static inline int
mask_to_plen(uint32_t mask)	/* network order; -1 if not contiguous */
{
	uint32_t m = __builtin_bswap32(mask);
	int n = __builtin_popcount(m);

	if (n == 0)
		return 0;
	return m == (~0U << (32 - n)) ? n : -1;
}

#endif
