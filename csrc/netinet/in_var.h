/*
 * in_var.h: IPv4 internals of one kernel (component net.netinet).
 *
 * Everything here runs with the kernel's ns_lock held, except the inp_* entry points
 * (the socket layer's and the tests' door), which take it themselves.
 */
#ifndef NETINET_IN_VAR_H
#define NETINET_IN_VAR_H

#include "net/if.h"

#define IPPROTO_IP	0
#define IPPROTO_ICMP	1
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IPPROTO_RAW	255
#define INADDR_ANY	0x00000000U
#define INADDR_BROADCAST 0xffffffffU
#define IP_HDRINCL	2
#define IP_TTL		4

/* multicast (netinet/in.h of NetBSD 7.99.34; it has no source-specific options) */
#define IPPROTO_IGMP	2
#define IP_MULTICAST_IF		9	/* struct in_addr */
#define IP_MULTICAST_TTL	10	/* u_char (or int) */
#define IP_MULTICAST_LOOP	11	/* u_char (or int) */
#define IP_ADD_MEMBERSHIP	12	/* struct ip_mreq */
#define IP_DROP_MEMBERSHIP	13	/* struct ip_mreq */
#define IP_DEFAULT_MULTICAST_TTL	1
#define IP_DEFAULT_MULTICAST_LOOP	1
#define IP_MAX_MEMBERSHIPS	20
#define IN_MULTICAST_(a)	((ntohl_(a) >> 28) == 14)	/* network order */
#define IN_LOCAL_GROUP_(a)	((ntohl_(a) & 0xffffff00U) == 0xe0000000U)
#define INADDR_ALLHOSTS_GROUP_H	0xe0000001U	/* host order */
#define INADDR_ALLRTRS_GROUP_H	0xe0000002U
struct nb_ip_mreq {
	uint32_t imr_multiaddr, imr_interface;	/* struct in_addr, network order */
};
_Static_assert(sizeof(struct nb_ip_mreq) == 8, "ip_mreq");

#define ICMP_ECHOREPLY	0
#define ICMP_UNREACH	3
#define ICMP_UNREACH_NET	0
#define ICMP_UNREACH_HOST	1
#define ICMP_UNREACH_PROTOCOL	2
#define ICMP_UNREACH_PORT	3
#define ICMP_UNREACH_NEEDFRAG	4
#define ICMP_ECHO	8
#define ICMP_TIMXCEED	11
#define ICMP_TIMXCEED_INTRANS	0
#define ICMP_TIMXCEED_REASS	1
#define ICMP_PARAMPROB	12

/* net.inet.ip sysctl ids (IPCTL_*) */
#define IPCTL_FORWARDING	1
#define IPCTL_SENDREDIRECTS	2
#define IPCTL_DEFTTL		3
#define IPCTL_ANONPORTMIN	10
#define IPCTL_ANONPORTMAX	11
#define IPCTL_MAXFRAGPACKETS	18

static inline uint32_t ntohl_(uint32_t v) { return __builtin_bswap32(v); }
static inline uint16_t ntohs_(uint16_t v) { return __builtin_bswap16(v); }
#define htonl_ ntohl_
#define htons_ ntohs_

/* An address of TCP's pcbs, either family (NetBSD's in6pcb addresses): 16 bytes in
 * network order, an IPv4 address as v4-mapped ::ffff:a.b.c.d (so ::ffff:0.0.0.0 is the
 * IPv4 wildcard and :: the IPv6 one), and the zone (interface index) of a scoped IPv6
 * address (link-local), 0 otherwise.  The zone travels beside the address, never embedded
 * in it (netinet6/in6_var.h). */
struct in46_addr {
	uint8_t ia_addr[16];
	uint32_t ia_zone;
};
static inline void in46_set4(struct in46_addr *a, uint32_t v4)
{
	memset(a, 0, sizeof(*a));
	a->ia_addr[10] = a->ia_addr[11] = 0xff;
	memcpy(a->ia_addr + 12, &v4, 4);
}
static inline uint32_t in46_v4(const struct in46_addr *a)
{ uint32_t v; memcpy(&v, a->ia_addr + 12, 4); return v; }
static inline int in46_is4(const struct in46_addr *a)
{
	static const uint8_t p[12] = { [10] = 0xff, [11] = 0xff };
	return memcmp(a->ia_addr, p, 12) == 0;
}
static inline int in46_eq(const struct in46_addr *a, const struct in46_addr *b)
{ return memcmp(a->ia_addr, b->ia_addr, 16) == 0 && a->ia_zone == b->ia_zone; }
static inline int in46_is6any(const struct in46_addr *a)
{ static const uint8_t z[16]; return memcmp(a->ia_addr, z, 16) == 0; }
/* the wildcard of either family: :: or ::ffff:0.0.0.0 */
static inline int in46_isany(const struct in46_addr *a)
{ return in46_is6any(a) || (in46_is4(a) && in46_v4(a) == INADDR_ANY); }
static inline int in46_ismcast(const struct in46_addr *a)
{ return in46_is4(a) ? (a->ia_addr[12] >> 4) == 14 : a->ia_addr[0] == 0xff; }

/* An address on an interface (addresses in network order). */
struct in_ifaddr {
	struct in_ifaddr *ia_next;
	struct ifnet *ia_ifp;
	uint32_t ia_addr, ia_mask, ia_broad, ia_net;
};

/* An ARP cache entry. */
struct llentry {
	/* what a datagram out reads and writes first */
	struct llentry *la_hnext;	/* is_arphash chain */
	struct ifnet *la_ifp;
	uint32_t la_addr;
	uint8_t la_mac[6];
	int la_resolved;
	uint64_t la_expire;		/* resolved: when it goes; incomplete: next request */
	uint64_t la_used;		/* last lookup or update, for eviction (LRU) */
	int la_asked;			/* requests sent while incomplete */
	int la_down;			/* unanswered: sends fail (EHOSTDOWN) until la_expire */
	struct llentry *la_next;
	struct pkt *la_hold;		/* packets waiting for the answer */
	int la_numheld;
};
#define ARP_MAXHOLD	16		/* default of net.inet.arp.maxqueuelen */
#define ARP_MAXENTRIES	4096		/* default of net.inet.arp.maxentries */

/* net.inet.arp: NetBSD creates the node and its leaves with CTL_CREATE (numbers from
 * 1024 up, found by name); ours are fixed. */
#define INETCTL_ARP		1024
#define ARPCTL_KEEP		1	/* seconds a resolved entry lives */
#define ARPCTL_DOWN		2	/* seconds an unanswered entry refuses sends */
#define ARPCTL_BMAXTRIES	3	/* broadcast requests before giving up (nd_bmaxtries) */
#define ARPCTL_MAXQUEUELEN	4	/* packets held per incomplete entry */
#define ARPCTL_MAXENTRIES	5	/* entries per kernel, then the LRU one is evicted */
/* net.inet.ip.maxfrags: fragments held for reassembly per kernel (NetBSD's ip_maxfrags,
 * which it derives from nmbclusters without a sysctl). */
#define IPCTL_MAXFRAGS		1024

/* A fragment reassembly queue. */
struct ipq {
	struct ipq *ipq_next;
	uint32_t ipq_src, ipq_dst;
	uint16_t ipq_id;
	uint8_t ipq_p;
	int ipq_nfrags;
	size_t ipq_bytes;		/* buffers held by its fragments */
	uint64_t ipq_expire;
	struct pkt *ipq_frags;		/* sorted by offset; p_sport = offset, p_dport = MF */
	struct ifnet *ipq_ifp;
};
#define IPQ_MAXFRAGS	64		/* fragments per datagram */

/* A group joined on an interface (NetBSD's in_multi), with its IGMP state (igmp.c). */
#define IGMP_V3_MAXSRCS	8		/* more in a query: answered as group-specific */
struct in_multi {
	struct in_multi *inm_next;	/* is_multi */
	struct ifnet *inm_ifp;
	uint32_t inm_addr;		/* network order */
	int inm_refcount;		/* memberships of sockets and addresses (all-hosts) */
	int inm_state;			/* IGMP_*_MEMBER */
	uint64_t inm_timer;		/* report due (kernel clock); 0: none */
	/* IGMPv3 (igmp.c): a pending answer to a group(-and-source)-specific query */
	int inm_v3pend;			/* 0 none, 1 group-specific, 2 with sources */
	int inm_nsrcs;
	uint32_t inm_srcs[IGMP_V3_MAXSRCS];	/* the sources asked about */
};
/* A socket's multicast options (NetBSD's ip_moptions), allocated on first use. */
struct ip_moptions {
	int imo_ifindex;		/* IP_MULTICAST_IF's interface; 0: by route */
	uint32_t imo_ifaddr;		/* 0.0.0.N when chosen by index N (RFC 1724), else 0 */
	uint8_t imo_ttl, imo_loop;
	int imo_num;
	struct in_multi *imo_membership[IP_MAX_MEMBERSHIPS];
};
/* An interface's querier version (NetBSD's router_info): v1 until the deadline; v2
 * until its deadline once a v3 querier was heard (RFC 3376 7.2.1); else v3 if one was. */
struct igmp_rti {
	struct igmp_rti *rti_next;
	struct ifnet *rti_ifp;
	uint64_t rti_v1_until;		/* 0: IGMPv2 querier (or none heard) */
	uint64_t rti_v2_until;		/* an IGMPv2 querier among v3 ones */
	int rti_v3;			/* an IGMPv3 querier was heard */
	int rti_qrv;			/* its robustness variable (2) */
	unsigned rti_qi, rti_qri;	/* its query interval (s) and response time (1/10 s) */
	uint64_t rti_gq;		/* our answer to its general query due; 0: none */
};
/* An IGMPv3 state-change record still to be (re)sent (RFC 3376 5.1): a join's
 * CHANGE_TO_EXCLUDE {} or a leave's CHANGE_TO_INCLUDE {}, robustness-variable times. */
struct igmp_sc {
	struct igmp_sc *sc_next;
	struct ifnet *sc_ifp;
	uint32_t sc_addr;
	int sc_type, sc_left;
	uint64_t sc_at;
};

/* A protocol control block: a UDP or raw socket's addresses. */
struct inpcb {
	struct inpcb *inp_next;
	struct kern *inp_kern;
	int inp_proto;			/* IPPROTO_UDP, or the raw protocol (0: any) */
	int inp_raw;
	uint32_t inp_laddr, inp_faddr;
	uint16_t inp_lport, inp_fport;
	int inp_flags;			/* INP_* */
	int inp_ttl;
	int inp_error;			/* asynchronous error (ICMP), reported once */
	/* the receive queue when no socket layer is attached */
	void (*inp_input)(struct inpcb *inp, struct pkt *p);
	void *inp_socket;
	struct pkt *inp_rq, **inp_rqtail;
	int inp_rqlen;
	size_t inp_rqbytes, inp_rqmax;
	/* TCP: hash chains (connections by 4-tuple, bound pcbs by port) and the tcpcb */
	struct inpcb *inp_hnext, *inp_pnext, *inp_lnext;
	struct in46_addr inp_laddr46, inp_faddr46;	/* TCP's addresses (not inp_laddr) */
	void *inp_ppcb;
	/* UDP and raw: is_udb/is_rawb back link; creation order (ties in input demux) */
	struct inpcb **inp_prevp;
	uint64_t inp_serial;
	struct ip_moptions *inp_moptions;	/* multicast options (in_mcast.c); NULL: defaults */
	void *inp_in6opts;		/* TCP: net.netinet6's IPPROTO_IPV6 options (NULL: none),
					 * kept until tcp_close (ns_tcp6_optfree) */
};
#define INP_REUSEADDR	0x01
#define INP_REUSEPORT	0x02
#define INP_BROADCAST	0x04
#define INP_HDRINCL	0x08
#define INP_BOUND	0x10
#define INP_LISTEN	0x20	/* TCP: a listener */
#define INP_CONNECTED	0x40	/* TCP: in the connection hash */
#define INP_V6		0x80	/* TCP: an AF_INET6 socket's pcb */
#define INP_V6ONLY	0x100	/* TCP: IPV6_V6ONLY (an INP_V6 pcb) */

/* TCP's pcbs: a hash by 4-tuple, one by local port and one of listeners by port
 * (in_pcb.c); they double as the kernel's bound pcbs outgrow them. */
struct inpcbtable {
	struct kern *it_kern;
	struct inpcb **it_conn, **it_port, **it_listen;
	unsigned it_mask;
	unsigned it_nbound;		/* pcbs in it_port */
	uint64_t it_resizes;
};

struct ipstat {
	uint64_t ips_total, ips_badsum, ips_tooshort, ips_toosmall, ips_badhlen, ips_badlen;
	uint64_t ips_badvers, ips_fragments, ips_fragdropped, ips_fragtimeout, ips_reassembled;
	uint64_t ips_forward, ips_cantforward, ips_noroute, ips_delivered, ips_localout;
	uint64_t ips_odropped, ips_fragmented, ips_noproto, ips_timxceed;
	uint64_t icps_error, icps_echo, icps_badlen, icps_checksum;
	uint64_t udps_ipackets, udps_badsum, udps_badlen, udps_noport, udps_fullsock,
	    udps_opackets;
	uint64_t arps_sent, arps_received, arps_dropped;
};

struct inet_state {
	/* what a datagram out reads first (issue 16: cold on a big bus), in 24 bytes */
	struct ifnet_state *is_ns;
	int is_ttl;			/* net.inet.ip.ttl */
	uint16_t is_ip_id;
	struct llentry *is_arplast;	/* the entry arp_find found last, or NULL */
	struct kern *is_kern;
	struct llentry *is_arp;
	int is_narp;
	unsigned is_arpmask;		/* buckets - 1 */
	struct llentry **is_arphash;	/* by address (arp.c); NULL: not allocated yet */
	struct ipq *is_frags;
	int is_nfrags;
	struct hyp_timer is_timer;	/* ARP retries/expiry, reassembly timeouts */
	uint64_t is_timer_at;		/* 0: not armed */
	struct inpcb *is_udb, *is_rawb;
	/* UDP pcbs hashed (in_pcb.c): bound ones by port (inp_pnext) and by (laddr, lport)
	 * or, connected, by 4-tuple (inp_hnext); raw pcbs by protocol (inp_hnext) */
	struct inpcb **is_udbport, **is_udbbind, **is_udbconn;
	unsigned is_udbmask;		/* buckets - 1; 0: not allocated yet */
	unsigned is_udbhashed;		/* bound UDP pcbs */
	uint64_t is_pcbserial;
#define RAWHASH_SIZE	32
	struct inpcb *is_rawhash[RAWHASH_SIZE];
	uint16_t is_lastport;
	/* sysctl net.inet.ip.* */
	int is_forwarding, is_anonportmin, is_anonportmax, is_maxfragpackets;
	int is_sendredirects;
	uint64_t is_arp_keep_ns, is_arp_retry_ns, is_frag_ttl_ns, is_arp_down_ns;
	int is_arp_maxtries, is_arp_maxhold, is_arp_maxentries;
	int is_arp_nheld, is_arp_maxheld;	/* packets held by all entries, the bound */
	uint64_t is_arp_evicted;	/* entries evicted for room */
	int is_maxfrags, is_nfragments;	/* fragments held for reassembly, all queues */
	size_t is_fragbytes;		/* and their bytes */
	struct ipstat is_stat;
	struct tcp_state *is_tcp;	/* tcp_subr.c */
	/* multicast (in_mcast.c, igmp.c) */
	struct in_multi *is_multi;	/* groups joined, every interface */
	struct igmp_rti *is_rti;
	struct igmp_sc *is_igmpsc;	/* IGMPv3 state changes pending */
	uint64_t igps_rcv_total, igps_rcv_tooshort, igps_rcv_badsum, igps_rcv_queries,
	    igps_rcv_badqueries, igps_rcv_reports, igps_rcv_badreports, igps_rcv_ourreports,
	    igps_snd_reports;
};

static inline struct inet_state *inet_state(struct kern *k) { return kern_priv(k, COMP_NET_NETINET); }

/* in_proto.c */
int  in_domain_add(struct kern *k) KERN_HIDDEN;
/* in.c */
void in_sockaddr(struct nb_sockaddr_in *sin, uint32_t addr, uint16_t port) KERN_HIDDEN;
struct in_ifaddr *in_ifaddr_of(struct ifnet_state *ns, uint32_t addr) KERN_HIDDEN;
int  in_broadcast(struct ifnet_state *ns, uint32_t addr, struct ifnet *ifp) KERN_HIDDEN;
uint32_t in_ifaddr_first(struct ifnet *ifp) KERN_HIDDEN;
void inet_timer_want(struct inet_state *is, uint64_t at) KERN_HIDDEN;
int  udp4_port_inuse(struct kern *k, uint32_t laddr, uint16_t lport, int flags) KERN_HIDDEN;
int  in_addaddr(struct ifnet_state *ns, struct ifnet *ifp, uint32_t addr, uint32_t mask,
    uint32_t broad) KERN_HIDDEN;
int  in_deladdr(struct ifnet_state *ns, struct ifnet *ifp, uint32_t addr) KERN_HIDDEN;
/* arp.c */
void arp_input(struct ifnet *ifp, struct pkt *p) KERN_HIDDEN;
int  arp_output(struct ifnet *ifp, struct pkt *p, uint32_t nexthop) KERN_HIDDEN;
uint64_t arp_timer(struct inet_state *is, uint64_t now) KERN_HIDDEN;	/* next deadline */
void arp_ifdetach(struct inet_state *is, struct ifnet *ifp) KERN_HIDDEN;
void arp_flush(struct inet_state *is) KERN_HIDDEN;
struct llentry *arp_lookup(struct inet_state *is, uint32_t addr) KERN_HIDDEN;
void arp_announce(struct ifnet *ifp, uint32_t addr) KERN_HIDDEN;
void arp_init(struct inet_state *is) KERN_HIDDEN;	/* defaults */
int  arp_sysctl(struct inet_state *is, int id, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen) KERN_HIDDEN;
/* in.c: an int leaf of net.inet (needs root to write, min..max) */
int  in_sysctl_int(int *v, int min, int max, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen) KERN_HIDDEN;
/* ip_input.c */
void ip_input(struct ifnet *ifp, struct pkt *p) KERN_HIDDEN;
uint64_t ip_reass_timer(struct inet_state *is, uint64_t now) KERN_HIDDEN;
void ip_reass_flush(struct inet_state *is) KERN_HIDDEN;
void ip_reass_init(struct inet_state *is) KERN_HIDDEN;	/* defaults */
/* ip_output.c */
uint16_t in_cksum(const void *data, size_t len, uint32_t sum) KERN_HIDDEN;
uint32_t in_cksum_add(const void *data, size_t len, uint32_t sum) KERN_HIDDEN;
#define IPOUT_FORWARDING	0x01	/* header is built already, TTL decremented */
#define IPOUT_RAWHDR		0x02	/* header from the user (IP_HDRINCL) */
#define IPOUT_BROADCAST		0x04	/* allow sending to a broadcast address */
#define IPOUT_DF		0x08	/* set don't-fragment (TCP's path MTU discovery) */
/* Sends p (the payload, headroom left for the headers) from src (0: pick) to dst. */
int  ip_output(struct inet_state *is, struct pkt *p, uint32_t src, uint32_t dst,
    int proto, int ttl, int flags) KERN_HIDDEN;
/* icmp.c */
void icmp_input(struct ifnet *ifp, struct pkt *p, int hlen) KERN_HIDDEN;
void icmp_error(struct inet_state *is, struct pkt *orig, int type, int code, uint32_t mtu)
    KERN_HIDDEN;
/* udp.c / raw.c */
void udp_input(struct inet_state *is, struct pkt *p, int hlen) KERN_HIDDEN;
/* The pcb unicast input from (src, sport) to (dst, dport) goes to (NULL: none).  Reads the
 * tables only: callable with the net lock shared (in_proto.c's udp_send_shared). */
struct inpcb *udp_lookup(struct inet_state *is, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport) KERN_HIDDEN;
/* The net lock's br_fold: what UDP sends with the lock shared counted (in_proto.c). */
void udp_fold_counts(struct brlock *b, const uint64_t *c) KERN_HIDDEN;
void udp_ctlinput(struct inet_state *is, int type, int code, const uint8_t *ip, size_t len)
    KERN_HIDDEN;
int  rip_input(struct inet_state *is, struct pkt *p) KERN_HIDDEN;	/* delivered copies */
/* in_mcast.c: group membership of interfaces and sockets, multicast output */
struct in_multi *in_lookup_multi(struct inet_state *is, uint32_t addr, struct ifnet *ifp)
    KERN_HIDDEN;
struct in_multi *in_addmulti(struct inet_state *is, uint32_t addr, struct ifnet *ifp)
    KERN_HIDDEN;
void in_delmulti(struct inet_state *is, struct in_multi *inm) KERN_HIDDEN;
void in_mcast_ifdetach(struct inet_state *is, struct ifnet *ifp) KERN_HIDDEN;
void in_mcast_addaddr(struct inet_state *is, struct ifnet *ifp) KERN_HIDDEN;	/* all-hosts */
void in_mcast_deladdr(struct inet_state *is, struct ifnet *ifp) KERN_HIDDEN;
int  ip_mcast_setopt(struct inet_state *is, struct inpcb *inp, int name, const void *val,
    size_t len) KERN_HIDDEN;
int  ip_mcast_getopt(struct inet_state *is, struct inpcb *inp, int name, void *val,
    size_t *len) KERN_HIDDEN;
void ip_freemoptions(struct inet_state *is, struct inpcb *inp) KERN_HIDDEN;
/* Sends p (payload, or a whole datagram with IPOUT_RAWHDR) to group dst with imo's
 * interface, TTL and loop (imo NULL: defaults). */
int  ip_mcast_output(struct inet_state *is, struct pkt *p, uint32_t src, uint32_t dst,
    int proto, const struct ip_moptions *imo, int flags) KERN_HIDDEN;
int  ip_mcast_ifp(struct inet_state *is, const struct ip_moptions *imo, uint32_t dst,
    struct ifnet **ifpp) KERN_HIDDEN;
int  ether_mcast_hook(struct ifnet *ifp, const uint8_t *mac) KERN_HIDDEN;
/* igmp.c */
void igmp_input(struct ifnet *ifp, struct pkt *p, int hlen) KERN_HIDDEN;
void igmp_joingroup(struct inet_state *is, struct in_multi *inm) KERN_HIDDEN;
void igmp_leavegroup(struct inet_state *is, struct in_multi *inm) KERN_HIDDEN;
uint64_t igmp_timer(struct inet_state *is, uint64_t now) KERN_HIDDEN;	/* next deadline */
void igmp_ifdetach(struct inet_state *is, struct ifnet *ifp) KERN_HIDDEN;
/* TCP's pcb tables (in_pcb.c) */
int  in_pcbtable_init(struct kern *k, struct inpcbtable *t, unsigned nbuckets) KERN_HIDDEN;
void in_pcbtable_fini(struct kern *k, struct inpcbtable *t) KERN_HIDDEN;
int  in_pcbbind_tcp(struct inet_state *is, struct inpcbtable *t, struct inpcb *inp,
    const struct in46_addr *laddr, uint16_t lport) KERN_HIDDEN;
/* connect from laddr (the source, chosen by the caller) to faddr */
int  in_pcbconnect_tcp(struct inet_state *is, struct inpcbtable *t, struct inpcb *inp,
    const struct in46_addr *laddr, const struct in46_addr *faddr, uint16_t fport)
    KERN_HIDDEN;
void in_pcbsetconn_tcp(struct inpcbtable *t, struct inpcb *inp, const struct in46_addr *laddr,
    uint16_t lport, const struct in46_addr *faddr, uint16_t fport) KERN_HIDDEN;
void in_pcbremove_tcp(struct inpcbtable *t, struct inpcb *inp) KERN_HIDDEN;
void in_pcblisten_tcp(struct inpcbtable *t, struct inpcb *inp) KERN_HIDDEN;
struct inpcb *in_pcblookup_conn(struct inpcbtable *t, const struct in46_addr *faddr,
    uint16_t fport, const struct in46_addr *laddr, uint16_t lport) KERN_HIDDEN;
/* the listener a SYN to (laddr, lport) goes to: bound to laddr, else the wildcard of its
 * family, else (IPv4) an IPv6 wildcard listener without IPV6_V6ONLY */
struct inpcb *in_pcblookup_listen(struct inpcbtable *t, const struct in46_addr *laddr,
    uint16_t lport) KERN_HIDDEN;
int  in_selectsrc(struct inet_state *is, uint32_t dst, uint32_t *srcp) KERN_HIDDEN;
void inp_flushall(struct inet_state *is) KERN_HIDDEN;

/* The same with the kernel's lock held (the socket layer's pr_usrreqs). */
int  inp_create_locked(struct inet_state *is, int type, int proto, struct inpcb **inpp)
    KERN_HIDDEN;
void inp_free(struct inet_state *is, struct inpcb *inp) KERN_HIDDEN;
int  sin_check(const void *sa, size_t salen, struct nb_sockaddr_in *sin) KERN_HIDDEN;
int  inp_bind_locked(struct inet_state *is, struct inpcb *inp,
    const struct nb_sockaddr_in *sin) KERN_HIDDEN;
/* in_disconnect: forgets the peer of a UDP or raw pcb. */
void inp_disconnect_locked(struct inet_state *is, struct inpcb *inp) KERN_HIDDEN;
int  inp_connect_locked(struct inet_state *is, struct inpcb *inp, struct nb_sockaddr_in *sin)
    KERN_HIDDEN;
int  inp_send_locked(struct inet_state *is, struct inpcb *inp, const void *data, size_t len,
    const struct nb_sockaddr_in *to, int kdata) KERN_HIDDEN;

/* The pcb door for tests without sockets: each takes the kernel's lock. */
int  inp_create(struct kern *k, int type, int proto, struct inpcb **inpp) KERN_HIDDEN;
void inp_destroy(struct inpcb *inp) KERN_HIDDEN;
int  inp_bind(struct inpcb *inp, const void *sa, size_t salen) KERN_HIDDEN;
int  inp_connect(struct inpcb *inp, const void *sa, size_t salen) KERN_HIDDEN;
int  inp_send(struct inpcb *inp, const void *data, size_t len, const void *to, size_t tolen)
    KERN_HIDDEN;
/* Takes the next datagram: EWOULDBLOCK when none.  *lenp in: room, out: bytes copied;
 * *fullp: the datagram's length; from may be NULL. */
int  inp_recv(struct inpcb *inp, void *buf, size_t *lenp, size_t *fullp,
    struct nb_sockaddr_in *from) KERN_HIDDEN;
int  inp_setopt(struct inpcb *inp, int level, int name, const void *val, size_t len)
    KERN_HIDDEN;
int  inp_getopt(struct inpcb *inp, int level, int name, void *val, size_t *len) KERN_HIDDEN;
void inp_sockname(struct inpcb *inp, struct nb_sockaddr_in *sin, int peer) KERN_HIDDEN;
int  inp_pending(struct inpcb *inp) KERN_HIDDEN;	/* datagrams queued */

#endif
