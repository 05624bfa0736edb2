/*
 * in6_var.h: IPv6 internals of one kernel (component net.netinet6, NetBSD's
 * librumpnet_netinet6).  docs/netinet6.md describes the design.
 *
 * Everything here runs with the kernel's network lock held (ifs_lock), like netinet/.
 * Addresses are kept as 16 bytes in network order; a link-local address is never
 * "embedded" with its zone as KAME does: the zone (interface index) travels beside it
 * (sin6_scope_id at the socket API, an ifnet pointer or index inside).
 */
#ifndef NETINET6_IN6_VAR_H
#define NETINET6_IN6_VAR_H

#include "net/if.h"
#include "netinet/in_var.h"

/* ---------------------------------------------------------------- NetBSD ABI */

#define IPPROTO_HOPOPTS		0
#define IPPROTO_IPV6		41
#define IPPROTO_ROUTING		43
#define IPPROTO_FRAGMENT	44
#define IPPROTO_ICMPV6		58
#define IPPROTO_NONE		59
#define IPPROTO_DSTOPTS		60

struct nb_in6_addr {
	uint8_t s6_addr[16];
};
struct nb_sockaddr_in6 {
	uint8_t sin6_len;
	uint8_t sin6_family;
	uint16_t sin6_port;		/* network order */
	uint32_t sin6_flowinfo;
	struct nb_in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};
_Static_assert(sizeof(struct nb_sockaddr_in6) == 28, "sockaddr_in6");
_Static_assert(offsetof(struct nb_sockaddr_in6, sin6_scope_id) == 24, "sockaddr_in6");

struct nb_in6_addrlifetime {
	int64_t ia6t_expire, ia6t_preferred;
	uint32_t ia6t_vltime, ia6t_pltime;
};
struct nb_in6_aliasreq {
	char ifra_name[NB_IFNAMSIZ];
	struct nb_sockaddr_in6 ifra_addr, ifra_dstaddr, ifra_prefixmask;
	int ifra_flags;
	struct nb_in6_addrlifetime ifra_lifetime;
};
_Static_assert(sizeof(struct nb_in6_aliasreq) == 128, "in6_aliasreq");
_Static_assert(offsetof(struct nb_in6_aliasreq, ifra_flags) == 100, "in6_aliasreq");
_Static_assert(offsetof(struct nb_in6_aliasreq, ifra_lifetime) == 104, "in6_aliasreq");
struct nb_in6_ifreq {
	char ifr_name[NB_IFNAMSIZ];
	union {
		struct nb_sockaddr_in6 ifru_addr;
		int ifru_flags6;
		struct nb_in6_addrlifetime ifru_lifetime;
		uint8_t ifru_space[272];
	} ifr_ifru;
};
_Static_assert(sizeof(struct nb_in6_ifreq) == 288, "in6_ifreq");
struct nb_in6_nbrinfo {
	char ifname[NB_IFNAMSIZ];
	struct nb_in6_addr addr;
	long asked;
	int isrouter;
	int state;
	int expire;
};
_Static_assert(sizeof(struct nb_in6_nbrinfo) == 56, "in6_nbrinfo");
struct nb_ipv6_mreq {
	struct nb_in6_addr ipv6mr_multiaddr;
	unsigned ipv6mr_interface;
};
struct nb_in6_pktinfo {
	struct nb_in6_addr ipi6_addr;
	unsigned ipi6_ifindex;
};
struct nb_icmp6_filter {
	uint32_t icmp6_filt[8];
};

#define SIOCAIFADDR_IN6		0x8080696bUL
#define SIOCDIFADDR_IN6		0x81206919UL
#define SIOCGIFADDR_IN6		0xc1206921UL
#define SIOCGIFNETMASK_IN6	0xc1206925UL
#define SIOCGIFAFLAG_IN6	0xc1206949UL
#define SIOCGIFALIFETIME_IN6	0xc120696aUL
#define SIOCGNBRINFO_IN6	0xc038694eUL

#define IN6_IFF_ANYCAST		0x01
#define IN6_IFF_TENTATIVE	0x02
#define IN6_IFF_DUPLICATED	0x04
#define IN6_IFF_DETACHED	0x08
#define IN6_IFF_DEPRECATED	0x10
#define IN6_IFF_NODAD		0x20
#define IN6_IFF_AUTOCONF	0x40
#define IN6_IFF_NOTREADY	(IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED)

#define ND6_LLINFO_PURGE	-3
#define ND6_LLINFO_NOSTATE	-2
#define ND6_LLINFO_INCOMPLETE	0
#define ND6_LLINFO_REACHABLE	1
#define ND6_LLINFO_STALE	2
#define ND6_LLINFO_DELAY	3
#define ND6_LLINFO_PROBE	4

/* socket options, level IPPROTO_IPV6 */
#define IPV6_UNICAST_HOPS	4
#define IPV6_MULTICAST_IF	9
#define IPV6_MULTICAST_HOPS	10
#define IPV6_MULTICAST_LOOP	11
#define IPV6_JOIN_GROUP		12
#define IPV6_LEAVE_GROUP	13
#define IPV6_CHECKSUM		26
#define IPV6_V6ONLY		27
#define IPV6_RTHDRDSTOPTS	35
#define IPV6_RECVPKTINFO	36
#define IPV6_RECVHOPLIMIT	37
#define IPV6_RECVRTHDR		38
#define IPV6_RECVHOPOPTS	39
#define IPV6_RECVDSTOPTS	40
#define IPV6_PKTINFO		46
#define IPV6_HOPLIMIT		47
#define IPV6_NEXTHOP		48
#define IPV6_HOPOPTS		49
#define IPV6_DSTOPTS		50
#define IPV6_RTHDR		51
#define IPV6_RECVTCLASS		57
#define IPV6_TCLASS		61
#define IPV6_USE_MIN_MTU	42	/* RFC 3542 11.1: -1 multicast only, 0 never, 1 always */
#define IPV6_RECVPATHMTU	43
#define IPV6_PATHMTU		44	/* getsockopt (connected) and the cmsg: ip6_mtuinfo */
#define IPV6_DONTFRAG		62
/* struct ip6_mtuinfo: the destination and its path MTU */
struct nb_ip6_mtuinfo {
	struct nb_sockaddr_in6 ip6m_addr;
	uint32_t ip6m_mtu;
};
_Static_assert(sizeof(struct nb_ip6_mtuinfo) == 32, "ip6_mtuinfo");
#define ICMP6_FILTER		18	/* level IPPROTO_ICMPV6 */

/* net.inet6.ip6 (IPV6CTL_*) and net.inet6.icmp6 (ICMPV6CTL_*) */
#define IPV6CTL_FORWARDING	1
#define IPV6CTL_SENDREDIRECTS	2
#define IPV6CTL_DEFHLIM		3
#define IPV6CTL_MAXFRAGPACKETS	9
#define IPV6CTL_ACCEPT_RTADV	12
#define IPV6CTL_HDRNESTLIMIT	15
#define IPV6CTL_DAD_COUNT	16
#define IPV6CTL_DEFMCASTHLIM	18
#define IPV6CTL_V6ONLY		24
#define IPV6CTL_ANONPORTMIN	28
#define IPV6CTL_ANONPORTMAX	29
#define IPV6CTL_AUTO_LINKLOCAL	35
#define IPV6CTL_MAXFRAGS	41
#define ICMPV6CTL_REDIRACCEPT	2
#define ICMPV6CTL_ND6_DELAY	8
#define ICMPV6CTL_ND6_UMAXTRIES	9
#define ICMPV6CTL_ND6_MMAXTRIES	10
#define ICMPV6CTL_ERRPPSLIMIT	14

/* ICMPv6 (RFC 4443, 4861, 2710) */
#define ICMP6_DST_UNREACH		1
#define ICMP6_DST_UNREACH_NOROUTE	0
#define ICMP6_DST_UNREACH_ADMIN		1
#define ICMP6_DST_UNREACH_BEYONDSCOPE	2
#define ICMP6_DST_UNREACH_ADDR		3
#define ICMP6_DST_UNREACH_NOPORT	4
#define ICMP6_PACKET_TOO_BIG		2
#define ICMP6_TIME_EXCEEDED		3
#define ICMP6_TIME_EXCEED_TRANSIT	0
#define ICMP6_TIME_EXCEED_REASSEMBLY	1
#define ICMP6_PARAM_PROB		4
#define ICMP6_PARAMPROB_HEADER		0
#define ICMP6_PARAMPROB_NEXTHEADER	1
#define ICMP6_PARAMPROB_OPTION		2
#define ICMP6_ECHO_REQUEST		128
#define ICMP6_ECHO_REPLY		129
#define MLD_LISTENER_QUERY		130
#define MLD_LISTENER_REPORT		131
#define MLD_LISTENER_DONE		132
#define ND_ROUTER_SOLICIT		133
#define ND_ROUTER_ADVERT		134
#define ND_NEIGHBOR_SOLICIT		135
#define ND_NEIGHBOR_ADVERT		136
#define ND_REDIRECT			137
#define MLDV2_LISTENER_REPORT		143
#define MLD6_RESPONSE			0x100	/* internal: a report answering a query */

#define IPV6_MMTU		1280
#define IP6_HDRLEN		40

/* ---------------------------------------------------------------- state */

/* An address of an interface. */
struct in6_ifaddr {
	struct in6_ifaddr *ia6_next;
	struct ifnet *ia6_ifp;
	struct nb_in6_addr ia6_addr;
	int ia6_plen;
	int ia6_flags;			/* IN6_IFF_* */
	int ia6_dadsent;		/* DAD probes sent */
	uint64_t ia6_dadat;		/* next DAD event, 0: none */
	uint32_t ia6_vltime, ia6_pltime;	/* lifetimes, seconds (~0: infinite) */
	uint64_t ia6_created;
};

/* A multicast group an interface listens to (MLD). */
#define MLD_V2_MAXSRCS	8		/* more in queries: answered as group-specific */
struct in6_multi {
	struct in6_multi *in6m_next;
	struct ifnet *in6m_ifp;
	struct nb_in6_addr in6m_addr;
	int in6m_refs;
	uint64_t in6m_reportat;		/* pending MLD report, 0: none */
	/* MLDv2 (nd6.c): the pending answer is 0 MODE_IS_EXCLUDE {} (general or
	 * group-specific), 2 MODE_IS_INCLUDE of the sources asked about */
	int in6m_v2pend, in6m_nsrcs;
	struct nb_in6_addr in6m_srcs[MLD_V2_MAXSRCS];
};

/* A neighbour cache entry (RFC 4861 7.3). */
struct nd6_entry {
	struct nd6_entry *ln_next;
	struct ifnet *ln_ifp;
	struct nb_in6_addr ln_addr;
	uint8_t ln_mac[6];
	int ln_state;			/* ND6_LLINFO_* */
	int ln_asked;			/* solicitations sent in this state */
	int ln_router;
	uint64_t ln_expire;		/* next state event */
	struct pkt *ln_hold;		/* waiting for resolution */
	int ln_nhold;
};
#define ND6_MAXHOLD	16

/* An IPv6 route: dst/plen through ifp (to gateway gw, or on-link); link-local
 * destinations and gateways belong to ifp's zone. */
struct rt6entry {
	struct rt6entry *rt6_next;	/* every route, unordered (walks by interface, timer) */
	struct rt6entry **rt6_prevp;
	struct rt6entry *rt6_dup;	/* the same prefix in other zones (scoped prefixes) */
	struct nb_in6_addr rt6_dst, rt6_gw;
	int rt6_plen;
	int rt6_flags;			/* RTF_* */
	struct ifnet *rt6_ifp;
	uint32_t rt6_mtu;		/* path MTU (packet too big), 0: the link's */
	uint64_t rt6_expire;		/* 0: never (router advertisements, redirects, pmtu) */
	uint64_t rt6_use;
};

/* A reassembly queue (RFC 8200 4.5). */
struct ip6q {
	struct ip6q *ip6q_next;
	struct nb_in6_addr ip6q_src, ip6q_dst;
	uint32_t ip6q_id;
	int ip6q_nfrags;
	size_t ip6q_bytes;
	uint64_t ip6q_expire;
	struct pkt *ip6q_frags;		/* sorted: p_src offset, p_dst end, p_dport MF */
	struct ifnet *ip6q_ifp;
	int ip6q_unfrglen;		/* bytes before the fragment header */
	uint8_t ip6q_nxt;		/* next header after the fragment header */
};
#define IP6Q_MAXFRAGS	64

struct mld6_v2if {			/* an interface whose querier speaks MLDv2 */
	struct mld6_v2if *v_next;
	struct ifnet *v_ifp;
	int v_qrv;			/* robustness of its last query */
	uint64_t v_oldto;		/* Older Version Querier Present Timeout (ns) */
	uint64_t v_v1_until;		/* an MLDv1 querier heard among v2 ones */
	uint64_t v_gq;			/* our answer to its general query due; 0: none */
};
struct mld6_sc {			/* an MLDv2 state change still to be (re)sent */
	struct mld6_sc *sc_next;
	struct ifnet *sc_ifp;
	struct nb_in6_addr sc_addr;
	int sc_type, sc_left;
	uint64_t sc_at;
};
struct in6pcb_mship {
	struct in6pcb_mship *m_next;
	struct nb_in6_addr m_addr;
	struct ifnet *m_ifp;
};

/* A UDP or raw IPv6 pcb. */
struct in6pcb {
	struct in6pcb *in6p_next;
	struct kern *in6p_kern;
	struct socket *in6p_socket;
	int in6p_proto;			/* IPPROTO_UDP or the raw protocol (0: any) */
	int in6p_raw;
	struct nb_in6_addr in6p_laddr, in6p_faddr;
	uint16_t in6p_lport, in6p_fport;
	uint32_t in6p_lzone, in6p_fzone;	/* scope of link-local addresses */
	int in6p_flags;			/* IN6P_* */
	int in6p_hops, in6p_mhops, in6p_tclass;	/* -1: the default */
	int in6p_minmtu;		/* IPV6_USE_MIN_MTU: -1 (multicast only), 0, 1 */
	int in6p_mifindex;		/* IPV6_MULTICAST_IF, 0: default */
	int in6p_cksum;			/* IPV6_CHECKSUM offset, -1: none */
	struct nb_in6_pktinfo in6p_pktinfo;	/* sticky IPV6_PKTINFO */
	struct nb_icmp6_filter in6p_filter;	/* ICMP6_FILTER (raw ICMPv6) */
	struct in6pcb_mship *in6p_mships;
	/* sticky extension headers (IP6X_*; kmem, length from their second byte) and
	 * IPV6_NEXTHOP */
	uint8_t *in6p_xhdr[4];
	struct nb_sockaddr_in6 *in6p_nexthop;
};
#define IP6X_HBH	0		/* IPV6_HOPOPTS */
#define IP6X_DEST1	1		/* IPV6_RTHDRDSTOPTS: before the routing header */
#define IP6X_RTHDR	2		/* IPV6_RTHDR */
#define IP6X_DEST2	3		/* IPV6_DSTOPTS: after it */
/* What a packet carries of those (sticky options, overridden one by one by ancillary
 * data): headers as the application gave them, NULL: none. */
struct ip6_xhdrs {
	const uint8_t *x_hdr[4];
	const struct nb_sockaddr_in6 *x_nexthop;
};
#define IN6P_RECVHOPOPTS 0x40
#define IN6P_RECVDSTOPTS 0x80
#define IN6P_RECVRTHDR	0x100
#define IN6P_DONTFRAG	0x200		/* IPV6_DONTFRAG */
#define IN6P_RECVPATHMTU 0x400		/* IPV6_RECVPATHMTU */
#define IN6P_TCP	0x800		/* the options of a TCP socket (tcp6.c), no UDP pcb */
#define IN6P_V6ONLY	0x01
#define IN6P_RECVPKTINFO 0x02
#define IN6P_RECVHOPLIMIT 0x04
#define IN6P_RECVTCLASS	0x08
#define IN6P_MCASTNOLOOP 0x10
#define IN6P_BOUND	0x20

struct ip6stat {
	uint64_t ip6s_total, ip6s_tooshort, ip6s_toosmall, ip6s_badvers, ip6s_badoptions;
	uint64_t ip6s_fragments, ip6s_fragdropped, ip6s_fragtimeout, ip6s_reassembled;
	uint64_t ip6s_forward, ip6s_cantforward, ip6s_noroute, ip6s_delivered, ip6s_localout;
	uint64_t ip6s_odropped, ip6s_fragmented, ip6s_toomanyhdr, ip6s_badscope;
	uint64_t icp6s_error, icp6s_toofreq, icp6s_badlen, icp6s_checksum, icp6s_echo;
	uint64_t icp6s_badns, icp6s_badna, icp6s_badra, icp6s_badredirect, icp6s_pmtuchg;
	uint64_t udp6s_ipackets, udp6s_badsum, udp6s_noport, udp6s_fullsock, udp6s_opackets;
	uint64_t nd6s_dupdetected;
};

struct inet6_state {
	struct ifnet_state *i6_ns;
	struct kern *i6_kern;
	struct in6_ifaddr *i6_addrs;
	struct in6_multi *i6_multi;
	struct nd6_entry *i6_nd;
	int i6_nnd;
	struct rt6entry *i6_rt;		/* every route, unordered */
	struct radix_head i6_rtree;	/* by prefix: a chain (rt6_dup) per prefix */
	int i6_nroutes;
	uint32_t i6_rtgen;		/* bumped by every change of the table (rt6_changed) */
	struct rt6_cache *i6_rtcache;	/* rt6_cache.c; NULL: none (small table, no memory) */
	struct ip6q *i6_frags;
	int i6_nfragpackets, i6_nfrags;
	struct in6pcb *i6_pcbs;
	uint16_t i6_lastport;
	uint32_t i6_fragid;
	struct hyp_timer i6_timer;	/* ND, DAD, MLD, reassembly, route expiry */
	uint64_t i6_timer_at;
	/* icmp6 error rate (NetBSD's ppsratecheck: errors in the current second) */
	uint64_t i6_errsec;
	int i6_errcount;
	/* sysctls */
	int i6_forwarding, i6_sendredirects, i6_hlim, i6_maxfragpackets, i6_maxfrags;
	int i6_accept_rtadv, i6_hdrnestlimit, i6_dad_count, i6_mcasthlim, i6_v6only;
	int i6_anonportmin, i6_anonportmax, i6_auto_linklocal;
	int i6_rediraccept, i6_nd_delay, i6_nd_umaxtries, i6_nd_mmaxtries, i6_errppslimit;
	uint64_t i6_reachable_ns, i6_retrans_ns, i6_gc_ns, i6_frag_ttl_ns;
	struct ip6stat i6_stat;
	/* nd6.c: interfaces whose querier speaks MLDv2 (their reports are version 2) */
	struct mld6_v2if *i6_mldv2;
	struct mld6_sc *i6_mldsc;
	/* tcp6.c: the IPPROTO_IPV6 options of TCP sockets that set any (in6p_next chain) */
	struct in6pcb *i6_tcpopts;
};

static inline struct inet6_state *inet6_state(struct kern *k) { return kern_priv(k, COMP_NET_NETINET6); }

/* ---------------------------------------------------------------- addresses */

static inline int in6_eq(const struct nb_in6_addr *a, const struct nb_in6_addr *b)
{ return memcmp(a, b, 16) == 0; }
static inline int in6_is_unspec(const struct nb_in6_addr *a)
{ static const struct nb_in6_addr z; return memcmp(a, &z, 16) == 0; }
static inline int in6_is_mcast(const struct nb_in6_addr *a) { return a->s6_addr[0] == 0xff; }
static inline int in6_is_linklocal(const struct nb_in6_addr *a)
{ return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80; }
static inline int in6_is_loopback(const struct nb_in6_addr *a)
{ static const struct nb_in6_addr l = { { [15] = 1 } }; return memcmp(a, &l, 16) == 0; }
/* multicast of link-local (or interface-local) scope */
static inline int in6_is_mc_linklocal(const struct nb_in6_addr *a)
{ return a->s6_addr[0] == 0xff && (a->s6_addr[1] & 0x0f) <= 2; }
static inline int in6_is_v4mapped(const struct nb_in6_addr *a)
{ static const uint8_t p[12] = { [10] = 0xff, [11] = 0xff }; return memcmp(a, p, 12) == 0; }
/* needs a zone: link-local unicast and link/interface-local multicast */
static inline int in6_scoped(const struct nb_in6_addr *a)
{ return in6_is_linklocal(a) || in6_is_mc_linklocal(a); }
int  in6_prefix_match(const struct nb_in6_addr *a, const struct nb_in6_addr *b, int plen)
    KERN_HIDDEN;
void in6_solicited(const struct nb_in6_addr *a, struct nb_in6_addr *sn) KERN_HIDDEN;
extern const struct nb_in6_addr in6_allnodes, in6_allrouters KERN_HIDDEN;
void in6_sockaddr(struct nb_sockaddr_in6 *sin6, const struct nb_in6_addr *a, uint16_t port,
    uint32_t zone) KERN_HIDDEN;
int  sin6_check(const struct nb_sockaddr *sa, size_t salen, struct nb_sockaddr_in6 *sin6)
    KERN_HIDDEN;

/* in6.c */
struct in6_ifaddr *in6_ifaddr_on(struct inet6_state *s, struct ifnet *ifp,
    const struct nb_in6_addr *a) KERN_HIDDEN;
/* Our address a (of zone ifp when a is link-local; ifp NULL: any). */
struct in6_ifaddr *in6_ifaddr_of(struct inet6_state *s, const struct nb_in6_addr *a,
    struct ifnet *ifp) KERN_HIDDEN;
struct in6_ifaddr *in6_linklocal(struct inet6_state *s, struct ifnet *ifp, int ready)
    KERN_HIDDEN;
int  in6_selectsrc(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *ifp,
    struct nb_in6_addr *src) KERN_HIDDEN;
int  in6_addaddr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a,
    int plen, int flags, uint32_t vltime, uint32_t pltime) KERN_HIDDEN;
int  in6_deladdr(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
    KERN_HIDDEN;
struct in6_multi *in6_multi_find(struct inet6_state *s, struct ifnet *ifp,
    const struct nb_in6_addr *a) KERN_HIDDEN;
int  in6_multi_join(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
    KERN_HIDDEN;
void in6_multi_leave(struct inet6_state *s, struct ifnet *ifp, const struct nb_in6_addr *a)
    KERN_HIDDEN;
void inet6_timer_want(struct inet6_state *s, uint64_t at) KERN_HIDDEN;
struct ifnet *in6_zone_ifp(struct inet6_state *s, uint32_t zone) KERN_HIDDEN;
/* route6 (in6.c) */
int  rt6_add(struct inet6_state *s, const struct nb_in6_addr *dst, int plen,
    const struct nb_in6_addr *gw, int flags, struct ifnet *ifp, struct rt6entry **rtp)
    KERN_HIDDEN;
int  rt6_delete(struct inet6_state *s, const struct nb_in6_addr *dst, int plen,
    struct ifnet *ifp) KERN_HIDDEN;
struct rt6entry *rt6_exact(struct inet6_state *s, const struct nb_in6_addr *dst, int plen)
    KERN_HIDDEN;
struct rt6entry *rt6_lookup(struct inet6_state *s, const struct nb_in6_addr *dst,
    struct ifnet *zone) KERN_HIDDEN;
void rt6_ifdetach(struct inet6_state *s, struct ifnet *ifp) KERN_HIDDEN;
/* The tree alone, without the cache or index (tests, the benchmark's baseline). */
struct rt6entry *rt6_lookup_tree(struct inet6_state *s, const struct nb_in6_addr *dst,
    struct ifnet *zone) KERN_HIDDEN;
/* rt6_cache.c: the lookup cache and flat index.  Whoever changes a route in place in a
 * way that can change a lookup's answer (its expiry, its interface) calls rt6_changed. */
void rt6_changed(struct inet6_state *s) KERN_HIDDEN;
void rt6_cache_grow(struct inet6_state *s) KERN_HIDDEN;
void rt6_cache_free(struct inet6_state *s) KERN_HIDDEN;
struct rt6entry *rt6_cache_lookup(struct inet6_state *s, const struct nb_in6_addr *dst,
    struct ifnet *zone, unsigned *setp) KERN_HIDDEN;
void rt6_cache_fill(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *zone,
    unsigned set, struct rt6entry *rt) KERN_HIDDEN;
int  rt6_is_tree(const struct rt6entry *rt) KERN_HIDDEN;
/* The flat index alone (built now if stale), for tests; rt6_is_tree() when it cannot
 * answer (small table, scoped destination, an expiring route, no memory). */
struct rt6entry *rt6_lookup_index(struct inet6_state *s, const struct nb_in6_addr *dst)
    KERN_HIDDEN;
#define RTM_REDIRECT	6
void rt6_announce(struct inet6_state *s, int type, struct rt6entry *rt) KERN_HIDDEN;

/* ip6.c */
void ip6_input(struct ifnet *ifp, struct pkt *p) KERN_HIDDEN;
#define IP6OUT_FORWARDING	0x01	/* header built, hop limit decremented */
#define IP6OUT_NOLOOP		0x02	/* multicast: no copy to ourselves */
#define IP6OUT_ROUTERALERT	0x04	/* MLD: hop-by-hop router alert option */
#define IP6OUT_UNSPECSRC	0x08	/* keep the unspecified source (DAD) */
#define IP6OUT_DONTFRAG		0x10	/* EMSGSIZE rather than fragment */
#define IP6OUT_MINMTU		0x20	/* fragment to IPV6_MMTU (IPV6_USE_MIN_MTU) */
#define IP6OUT_LINKMTU		0x40	/* whole up to the link's MTU (IPV6_DONTFRAG) */
/* ip6_output with extension headers and a next hop (x NULL: none; ip6.c). */
int  ip6_output_x(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *src,
    const struct nb_in6_addr *dst, struct ifnet *zone, int nxt, int hlim, int tclass,
    int flags, const struct ip6_xhdrs *x) KERN_HIDDEN;
/* Checks an extension header given for IPV6_HOPOPTS..: 0 or EINVAL (NetBSD's rules). */
int  ip6_xhdr_check(int optname, const uint8_t *buf, size_t len) KERN_HIDDEN;
/* Sends p (payload; headroom for the headers) from src (NULL or :: : pick) to dst of
 * zone ifp (link-local, multicast: the interface; NULL: route).  tclass < 0: 0. */
int  ip6_output(struct inet6_state *s, struct pkt *p, const struct nb_in6_addr *src,
    const struct nb_in6_addr *dst, struct ifnet *ifp, int nxt, int hlim, int tclass,
    int flags) KERN_HIDDEN;
uint16_t in6_cksum(const struct nb_in6_addr *src, const struct nb_in6_addr *dst, int nxt,
    const void *data, size_t len) KERN_HIDDEN;
uint64_t frag6_timer(struct inet6_state *s, uint64_t now) KERN_HIDDEN;
void frag6_flush(struct inet6_state *s) KERN_HIDDEN;

/* icmp6.c */
void icmp6_input(struct ifnet *ifp, struct pkt *p, int off) KERN_HIDDEN;
/* An error about packet orig (its IPv6 header at pkt_data); param: the pointer or MTU. */
void icmp6_error(struct inet6_state *s, struct pkt *orig, int type, int code,
    uint32_t param) KERN_HIDDEN;

/* nd6.c */
int  nd6_output(struct inet6_state *s, struct ifnet *ifp, struct pkt *p,
    const struct nb_in6_addr *nexthop) KERN_HIDDEN;
void nd6_ns_input(struct ifnet *ifp, struct pkt *p, int off, int len) KERN_HIDDEN;
void nd6_na_input(struct ifnet *ifp, struct pkt *p, int off, int len) KERN_HIDDEN;
void nd6_ra_input(struct ifnet *ifp, struct pkt *p, int off, int len) KERN_HIDDEN;
void nd6_redirect_input(struct ifnet *ifp, struct pkt *p, int off, int len) KERN_HIDDEN;
void nd6_redirect_output(struct inet6_state *s, struct pkt *orig,
    const struct nb_in6_addr *target) KERN_HIDDEN;
void mld6_input(struct ifnet *ifp, struct pkt *p, int off, int len) KERN_HIDDEN;
void mld6_report(struct inet6_state *s, struct in6_multi *m, int type) KERN_HIDDEN;
void mld6_ifdetach(struct inet6_state *s, struct ifnet *ifp) KERN_HIDDEN;	/* NULL: all */
void nd6_dad_start(struct inet6_state *s, struct in6_ifaddr *ia) KERN_HIDDEN;
uint64_t nd6_timer(struct inet6_state *s, uint64_t now) KERN_HIDDEN;
struct nd6_entry *nd6_lookup(struct inet6_state *s, struct ifnet *ifp,
    const struct nb_in6_addr *a) KERN_HIDDEN;
void nd6_ifdetach(struct inet6_state *s, struct ifnet *ifp) KERN_HIDDEN;
void nd6_purge_addr(struct inet6_state *s, struct ifnet *ifp,
    const struct nb_in6_addr *a) KERN_HIDDEN;

/* udp6.c */
void udp6_input(struct inet6_state *s, struct pkt *p, int off) KERN_HIDDEN;
int  rip6_input(struct inet6_state *s, struct pkt *p, int off, int nxt) KERN_HIDDEN;
void udp6_ctlinput(struct inet6_state *s, int type, int code, const uint8_t *ip6,
    size_t len) KERN_HIDDEN;
/* Packet too big for dst (zone) with this MTU: the IPV6_PATHMTU notifications of the
 * sockets that asked (IPV6_RECVPATHMTU; unconnected or connected to dst), UDP ones for
 * a quoted UDP packet (udp: 1), raw ones otherwise, as NetBSD's in6_pcbnotify. */
void in6p_pmtu_notify(struct inet6_state *s, int udp, const struct nb_in6_addr *dst,
    struct ifnet *zone, uint32_t mtu) KERN_HIDDEN;
/* The IPPROTO_IPV6 options of in6p (ip6_ctloutput's, for TCP's option holder too). */
int  in6p_ctloutput(struct inet6_state *s, struct in6pcb *in6p, int op, struct sockopt *sopt)
    KERN_HIDDEN;
/* A pcb holding only options (a TCP socket's, on no list); freed by in6p_optfree. */
struct in6pcb *in6p_optalloc(struct inet6_state *s, struct socket *so) KERN_HIDDEN;
void in6p_optfree(struct inet6_state *s, struct in6pcb *in6p) KERN_HIDDEN;
/* The path MTU towards dst through ifp (a host route's, else the link's). */
uint32_t in6_pathmtu(struct inet6_state *s, const struct nb_in6_addr *dst, struct ifnet *ifp)
    KERN_HIDDEN;
void in6pcb_ifdetach(struct inet6_state *s, struct ifnet *ifp) KERN_HIDDEN;
int  in6_domain_add(struct kern *k) KERN_HIDDEN;

/* tcp6.c: TCP over IPv6 on net.netinet's TCP */
void tcp6_input(struct inet6_state *s, struct pkt *p, int off) KERN_HIDDEN;
void tcp6_ctlinput(struct inet6_state *s, int type, int code, const uint8_t *ip6, size_t len,
    uint32_t mtu, struct ifnet *zone) KERN_HIDDEN;
void tcp6_init(struct inet6_state *s) KERN_HIDDEN;
void tcp6_hooks_off(struct ifnet_state *ns) KERN_HIDDEN;
int  tcp6_ctloutput(int op, struct socket *so, struct sockopt *sopt) KERN_HIDDEN;
extern const struct pr_usrreqs tcp6_usrreqs KERN_HIDDEN;

#endif
