/*
 * tcp_var.h: TCP internals of one kernel: the control block (struct tcpcb, NetBSD's
 * names), the per-kernel TCP state with its sysctls, timers and statistics.
 *
 * Invariants.  A tcpcb lives from attach (or a SYN on a listener) until tcp_close; it is
 * on ts_tcbs for the timer scan and owns its inpcb (inp_ppcb points back).  While a
 * socket is attached, t_socket is set and the send buffer is the socket's so_snd; after
 * close the tcpcb is an orphan (t_socket NULL) that finishes the close on its own and
 * keeps the unacknowledged bytes in t_osnd.  All of it is guarded by the kernel's net
 * lock.  Sequence numbers compare with SEQ_* (modulo 2^32); times are hyp_clock_mono()
 * nanoseconds; a timer is an absolute deadline, 0 when off.
 */
#ifndef NETINET_TCP_VAR_H
#define NETINET_TCP_VAR_H

#include "netinet/in_var.h"
#include "netinet/tcp.h"

#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((a) - (b)) >= 0)
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))

/* RFC 9293 states, NetBSD's numbers (TCPS_*) */
#define TCPS_CLOSED		0
#define TCPS_LISTEN		1
#define TCPS_SYN_SENT		2
#define TCPS_SYN_RECEIVED	3
#define TCPS_ESTABLISHED	4
#define TCPS_CLOSE_WAIT		5
#define TCPS_FIN_WAIT_1		6
#define TCPS_CLOSING		7
#define TCPS_LAST_ACK		8
#define TCPS_FIN_WAIT_2		9
#define TCPS_TIME_WAIT		10
#define TCP_NSTATES		11
#define TCPS_HAVERCVDSYN(s)	((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s)	((s) >= TCPS_ESTABLISHED)
#define TCPS_HAVERCVDFIN(s)	((s) >= TCPS_TIME_WAIT || (s) == TCPS_CLOSE_WAIT || \
				 (s) == TCPS_CLOSING || (s) == TCPS_LAST_ACK)

/* timers */
#define TCPT_REXMT	0	/* retransmission */
#define TCPT_PERSIST	1	/* zero-window probes */
#define TCPT_KEEP	2	/* keepalive, connection establishment */
#define TCPT_2MSL	3	/* TIME_WAIT, FIN_WAIT_2 of an orphan */
#define TCPT_DELACK	4	/* delayed ACK */
#define TCPT_TLP	5	/* tail loss probe (RFC 8985 7) */
#define TCPT_NTIMERS	6

#define TCP_MAXRXTSHIFT	12	/* retransmissions before ETIMEDOUT */

/* t_flags */
#define TF_ACKNOW	0x0001	/* send an ACK now */
#define TF_DELACK	0x0002	/* an ACK is owed (delayed) */
#define TF_NODELAY	0x0004	/* TCP_NODELAY: no Nagle */
#define TF_NOOPT	0x0008	/* no options */
#define TF_SENTFIN	0x0010	/* a FIN went out */
#define TF_REQ_SCALE	0x0020	/* we offer window scaling */
#define TF_RCVD_SCALE	0x0040	/* the peer offered it */
#define TF_REQ_TSTMP	0x0080	/* we offer timestamps */
#define TF_RCVD_TSTMP	0x0100	/* the peer offered them */
#define TF_PASSIVE	0x0200	/* came from a listener (RST in SYN_RECEIVED) */
#define TF_FORCE	0x0400	/* tcp_output: a probe (persist) */
#define TF_USRCLOSED	0x0800	/* the user closed the send side */
#define TF_RECOVERY	0x1000	/* NewReno fast recovery */
#define TF_REQ_SACK	0x2000	/* we offer SACK (RFC 2018) */
#define TF_SACK_PERMIT	0x4000	/* both ends agreed on SACK */
#define TF_MORETOCOME	0x8000	/* the user's send call has more: no partial segment */

/* A range of sequence space [sb_start, sb_end). */
struct sackblk {
	uint32_t sb_start, sb_end;
};
#define TCP_SACK_MAX	16	/* SACKed ranges the sender remembers */

/* An out-of-order segment waiting in the reassembly queue. */
struct tcpqent {
	struct tcpqent *tq_next;
	uint32_t tq_seq;
	uint32_t tq_len;
	int tq_fin;
	uint8_t tq_data[];
};

struct tcpcb {
	struct tcpcb *t_next, *t_prev;		/* ts_tcbs */
	struct tcp_state *t_ts;
	struct inpcb *t_inpcb;
	struct socket *t_socket;		/* NULL: orphan */
	struct sockbuf *t_snd;			/* &so->so_snd or &t_osnd */
	struct sockbuf t_osnd;			/* an orphan's unacknowledged data */
	int t_state;
	int t_flags;
	uint64_t t_timer[TCPT_NTIMERS];
	int t_rxtshift;				/* retransmissions in a row */
	uint64_t t_rxtcur;			/* the current RTO, ns */
	int t_dupacks;
	uint32_t t_maxseg;			/* data bytes per segment (options included) */
	uint32_t t_peermss;			/* what the peer offered */
	uint32_t t_ourmss;			/* what we offered */
	int t_softerror;			/* reported on ETIMEDOUT */
	uint64_t t_rcvtime;			/* last segment received */
	uint64_t t_sndtime;			/* last segment sent with data */
	/* send sequence space */
	uint32_t snd_una, snd_nxt, snd_max, snd_up, snd_wl1, snd_wl2, iss;
	uint32_t snd_wnd, max_sndwnd;
	uint32_t snd_cwnd, snd_ssthresh, snd_recover;
	/* receive sequence space */
	uint32_t rcv_nxt, rcv_wnd, rcv_adv, rcv_up, irs, last_ack_sent;
	uint8_t snd_scale, rcv_scale, request_r_scale, requested_s_scale;
	/* RTT (RFC 6298) */
	uint64_t t_rtttime;			/* when the timed segment left, 0: none */
	uint32_t t_rtseq;
	uint64_t t_srtt, t_rttvar;		/* ns, 0: no sample yet */
	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	uint64_t ts_recent_age;
	uint32_t ts_offset;			/* random per connection */
	/* SACK: the sender's scoreboard (sorted, disjoint, above snd_una) and the next
	 * hole to retransmit in this recovery; the receiver's latest out-of-order segment */
	struct sackblk t_sacked[TCP_SACK_MAX];
	int t_nsacked;
	uint32_t t_sack_rxnext;
	uint32_t t_rcv_lastsack;
	/* reassembly */
	struct tcpqent *t_segq;
	int t_segqlen;
	size_t t_segqbytes;
	/* per-socket settings */
	uint64_t t_keepidle, t_keepintvl, t_keepinit;
	int t_keepcnt;
	int t_keepsent;
	uint32_t t_rcvspace;			/* an orphan's advertised window */
	/* urgent data received: the out-of-band byte (at rcv_up - 1) once pulled out */
	int t_oobflags;				/* TCPOOB_* */
	uint8_t t_iobc;
	struct syn_cache *t_synq;		/* a listener's SYN cache entries */
	/* tail loss probe: one out (TLPRxtOut) until snd_una passes t_tlp_high */
	int t_tlp_out;
	uint32_t t_tlp_high;
	/* RFC 6675 recovery: snd_max when the last retransmission went out */
	uint32_t t_rxt_mark;
	/* undo of a spurious recovery (RFC 3708 with D-SACK, RFC 2883): cwnd and ssthresh
	 * before it, its retransmissions and the D-SACKs that reported them needless */
	uint32_t t_undo_cwnd, t_undo_ssthresh;
	int t_undo_rexmits, t_undo_dsacks;
	/* RFC 6675's RescueRxt (NextSeg rule 4): the recovery point of the last rescue
	 * retransmission, valid once one went */
	uint32_t t_rescue_rxt;
	int t_rescue_valid;
	/* PRR (RFC 6937, net.inet.tcp.prr): bytes delivered and sent in this recovery,
	 * FlightSize at its start, and snd_una and the SACKed bytes when last counted */
	uint32_t t_prr_delivered, t_prr_out, t_prr_recoverfs, t_prr_una, t_prr_sacked;
	uint32_t t_sndrexmitpack;		/* segments retransmitted (TCP_INFO) */
	uint32_t t_rcvoopack;			/* out-of-order segments queued (TCP_INFO) */
	uint32_t t_sndzerowin;			/* segments sent offering a zero window (TCP_INFO) */
	/* receive buffer auto-sizing (net.inet.tcp.recvbuf_auto, NetBSD's rfbuf_*): the
	 * timestamp we sent when this measurement began (valid with t_rfbuf_on) and the
	 * in-order bytes received since */
	uint32_t t_rfbuf_ts, t_rfbuf_cnt;
	int t_rfbuf_on;
};
#define TCPOOB_HAVEDATA	0x01	/* t_iobc holds the byte */
#define TCPOOB_HADDATA	0x02	/* it was read */
#define TCPOOB_PENDING	0x04	/* the byte at rcv_up - 1 is to be pulled out when it
				 * arrives in order (rumpus: NetBSD pulls it from the segment
				 * that carries it) */

struct tcpstat {
	uint64_t tcps_connattempt, tcps_accepts, tcps_connects, tcps_drops, tcps_conndrops;
	uint64_t tcps_closed, tcps_rttupdated, tcps_delack, tcps_timeoutdrop, tcps_rexmttimeo;
	uint64_t tcps_persisttimeo, tcps_keeptimeo, tcps_keepprobe, tcps_keepdrops;
	uint64_t tcps_sndtotal, tcps_sndpack, tcps_sndbyte, tcps_sndrexmitpack,
	    tcps_sndrexmitbyte, tcps_sndacks, tcps_sndprobe, tcps_sndwinup, tcps_sndctrl;
	uint64_t tcps_rcvtotal, tcps_rcvpack, tcps_rcvbyte, tcps_rcvbadsum, tcps_rcvbadoff,
	    tcps_rcvshort, tcps_rcvduppack, tcps_rcvdupbyte, tcps_rcvoopack, tcps_rcvoobyte,
	    tcps_rcvpackafterwin, tcps_rcvafterclose, tcps_rcvdupack, tcps_rcvacktoomuch,
	    tcps_rcvackpack, tcps_rcvackbyte, tcps_rcvwinupd, tcps_pawsdrop, tcps_rcvwinprobe;
	uint64_t tcps_listendrop, tcps_noport, tcps_badsyn, tcps_challengeack, tcps_fastrexmit,
	    tcps_partialack, tcps_sack_rexmits, tcps_sack_rcvblocks, tcps_sack_sndblocks,
	    tcps_rstlimited, tcps_acklimited, tcps_listenevict;
	uint64_t tcps_tlp_probes, tcps_sack_lostrexmt, tcps_dsack_undo;
	uint64_t tcps_sack_rescue;		/* rescue retransmissions (RFC 6675 rule 4) */
};

/* net.inet.tcp sysctl ids: NetBSD's TCPCTL_* numbers; the RTO bounds and keepinit,
 * which NetBSD keeps as constants or dynamic nodes, get numbers of their own. */
#define TCPCTL_RFC1323		1
#define TCPCTL_SENDSPACE	2
#define TCPCTL_RECVSPACE	3
#define TCPCTL_MSSDFLT		4
#define TCPCTL_SYN_CACHE_LIMIT	5
#define TCPCTL_SYN_BUCKET_LIMIT	6
#define TCPCTL_SYN_CACHE_INTER	7	/* NetBSD's, obsolete there (tcp_syncache.c) */
#define TCPCTL_INIT_WIN		8
#define TCPCTL_SACK		10
#define TCPCTL_WSCALE		11
#define TCPCTL_TSTAMP		12
#define TCPCTL_ACK_ON_PUSH	16
#define TCPCTL_KEEPIDLE		17
#define TCPCTL_KEEPINTVL	18
#define TCPCTL_KEEPCNT		19
#define TCPCTL_SLOWHZ		20
#define TCPCTL_NEWRENO		21
#define TCPCTL_RSTPPSLIMIT	24
#define TCPCTL_DELACK_TICKS	25
#define TCPCTL_ACKDROPRATELIMIT	28
#define TCPCTL_MSL		34
#define TCPCTL_KEEPINIT		100	/* rumpus: seconds */
#define TCPCTL_REXMIT_MIN	101	/* rumpus: ms, RFC 6298 (2.4) */
#define TCPCTL_REXMIT_MAX	102	/* rumpus: ms */
#define TCPCTL_REXMIT_INIT	103	/* rumpus: ms, RFC 6298 (2.1) */
#define TCPCTL_PRR		104	/* rumpus: 1: PRR (RFC 6937) in SACK recovery */
/* socket-buffer auto-sizing: NetBSD creates these by name (CTL_CREATE); the numbers are
 * the ones its rump kernel gives them (found there with CTL_QUERY) */
#define TCPCTL_RECVBUF_AUTO	1071
#define TCPCTL_RECVBUF_INC	1072
#define TCPCTL_RECVBUF_MAX	1073
#define TCPCTL_SENDBUF_AUTO	1074
#define TCPCTL_SENDBUF_INC	1075
#define TCPCTL_SENDBUF_MAX	1076

#define TCP_HZ		100		/* NetBSD's hz: delack_ticks are in its ticks */
#define TCP_HASHSIZE	64		/* buckets of each pcb hash at first (they grow) */

struct tcp_state {
	struct inet_state *ts_is;
	struct kern *ts_kern;
	struct inpcbtable ts_tbl;
	struct tcpcb *ts_tcbs;
	int ts_ntcbs;
	struct hyp_timer ts_timer;
	uint64_t ts_timer_at;			/* 0: not armed */
	uint64_t ts_secret[2];			/* ISS hash key (RFC 6528) */
	/* sysctl net.inet.tcp.* */
	int ts_do_rfc1323, ts_do_wscale, ts_do_tstamp, ts_sendspace, ts_recvspace;
	int ts_mssdflt, ts_init_win, ts_ack_on_push, ts_newreno, ts_delack_ticks, ts_do_sack;
	int ts_keepidle, ts_keepintvl, ts_keepcnt, ts_keepinit, ts_msl;	/* seconds */
	int ts_rexmit_min, ts_rexmit_max, ts_rexmit_init;		/* ms */
	int ts_rstppslimit, ts_ackdropppslimit;		/* per second, -1: no limit */
	int ts_prr;					/* 0 (default): RFC 6675's (C) */
	/* socket-buffer auto-sizing: on, the step and the ceiling of each buffer */
	int ts_autorcvbuf, ts_autorcvbuf_inc, ts_autorcvbuf_max;
	int ts_autosndbuf, ts_autosndbuf_inc, ts_autosndbuf_max;
	/* rate limits: the current second and what went out in it */
	uint64_t ts_rst_sec, ts_ack_sec;
	int ts_rst_count, ts_ack_count;
	struct tcpstat ts_stat;
	struct syn_cache_set *ts_syncache;	/* tcp_syncache.c, made on first use */
	uint64_t ts_clock;			/* the segment being input read the clock: its
						 * value, 0 outside tcp_input_seg */
};

static inline struct tcp_state *tcp_state(struct inet_state *is) { return is->is_tcp; }

/* The kernel's clock, read once per input segment for the output and timers it causes. */
static inline uint64_t
tcp_clock(const struct tcp_state *ts)
{
	return ts->ts_clock != 0 ? ts->ts_clock : hyp_clock_mono();
}
/* Data bytes in a full segment: the MSS less the timestamp option when it is on.  The
 * congestion window counts in these. */
static inline uint32_t
tcp_segsz(const struct tcpcb *tp)
{
	return tp->t_maxseg - ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) ==
	    (TF_REQ_TSTMP | TF_RCVD_TSTMP) ? 12 : 0);
}
static inline uint64_t tcp_ms(int ms) { return (uint64_t)ms * 1000000u; }
static inline uint64_t tcp_sec(int s) { return (uint64_t)s * 1000000000u; }

/* tcp_subr.c */
int  tcp_init(struct inet_state *is) KERN_HIDDEN;
/* At establishment: buffers of at least a segment rounded up to whole segments (NetBSD). */
void tcp_sbround(struct tcpcb *tp) KERN_HIDDEN;
void tcp_fini(struct inet_state *is) KERN_HIDDEN;
struct tcpcb *tcp_newtcpcb(struct tcp_state *ts, struct inpcb *inp) KERN_HIDDEN;
struct tcpcb *tcp_close(struct tcpcb *tp) KERN_HIDDEN;	/* NULL */
struct tcpcb *tcp_drop(struct tcpcb *tp, int error) KERN_HIDDEN;
void tcp_respond(struct tcp_state *ts, struct tcpcb *tp, const struct in46_addr *src,
    uint16_t sport, const struct in46_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack,
    int flags) KERN_HIDDEN;
uint32_t tcp_new_iss(struct tcp_state *ts, const struct in46_addr *laddr, uint16_t lport,
    const struct in46_addr *faddr, uint16_t fport) KERN_HIDDEN;
uint32_t tcp_mss_to(struct tcp_state *ts, const struct in46_addr *faddr) KERN_HIDDEN;
void tcp_mss_update(struct tcpcb *tp, uint32_t offer) KERN_HIDDEN;
void tcp_orphan(struct tcpcb *tp) KERN_HIDDEN;
void tcp_ctlinput(struct inet_state *is, int type, int code, const uint8_t *ip, size_t len,
    uint32_t mtu) KERN_HIDDEN;
int  tcp_pcbstate(struct kern *k, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport) KERN_HIDDEN;
int  tcp_pcbseq(struct kern *k, uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, uint32_t seq[4]) KERN_HIDDEN;
int  tcp_sysctl(struct inet_state *is, const int *name, unsigned namelen, void *oldp,
    size_t *oldlenp, const void *newp, size_t newlen) KERN_HIDDEN;
uint32_t tcp_now_ms(void) KERN_HIDDEN;
/* ppsratecheck: may one more go out this second under limit (-1: no limit)? */
int  tcp_ratecheck(uint64_t *sec, int *count, int limit) KERN_HIDDEN;
int  tcp_send_segment(struct tcp_state *ts, struct pkt *p, const struct in46_addr *src,
    const struct in46_addr *dst) KERN_HIDDEN;
void tcp_fill_header(uint8_t *th, uint16_t sport, uint16_t dport, uint32_t seq,
    uint32_t ack, int hlen, int flags, uint16_t win) KERN_HIDDEN;
/* tcp_timer.c */
void tcp_timer_set(struct tcpcb *tp, int which, uint64_t delta) KERN_HIDDEN;
void tcp_timer_arm(struct tcpcb *tp, int which, uint64_t at) KERN_HIDDEN;
void tcp_timer_cancel(struct tcpcb *tp, int which) KERN_HIDDEN;
void tcp_canceltimers(struct tcpcb *tp) KERN_HIDDEN;
void tcp_setpersist(struct tcpcb *tp) KERN_HIDDEN;
void tcp_timeout(void *arg) KERN_HIDDEN;
uint64_t tcp_rto_base(struct tcpcb *tp) KERN_HIDDEN;
void tcp_xmit_timer(struct tcpcb *tp, uint64_t rtt) KERN_HIDDEN;
/* tcp_sack.c */
void tcp_sack_update(struct tcpcb *tp, const uint8_t *opt, int len) KERN_HIDDEN;
void tcp_sack_dsack(struct tcpcb *tp, const uint8_t *opt, int len, uint32_t ack) KERN_HIDDEN;
void tcp_sack_prune(struct tcpcb *tp) KERN_HIDDEN;
int  tcp_dupthresh(const struct tcpcb *tp) KERN_HIDDEN;
void tcp_sack_dupack(struct tcpcb *tp, uint32_t ack) KERN_HIDDEN;
void tcp_sack_partialack(struct tcpcb *tp) KERN_HIDDEN;
void tcp_sack_recovered(struct tcpcb *tp) KERN_HIDDEN;
void tcp_limited_transmit(struct tcpcb *tp) KERN_HIDDEN;
void tcp_tlp_schedule(struct tcpcb *tp, uint64_t now) KERN_HIDDEN;
void tcp_tlp_timeout(struct tcpcb *tp) KERN_HIDDEN;
int  tcp_sack_option(struct tcpcb *tp, uint8_t *opt, int room) KERN_HIDDEN;
/* tcp_output.c */
int  tcp_output(struct tcpcb *tp) KERN_HIDDEN;
int  tcp_output_rst(struct tcpcb *tp) KERN_HIDDEN;	/* RST|ACK at snd_nxt */
/* tcp_input.c */
void tcp_input(struct inet_state *is, struct pkt *p, int hlen) KERN_HIDDEN;
/* the same after the IP layer's checks, addresses of either family (IPv4 mapped) */
void tcp_input_seg(struct inet_state *is, struct pkt *p, int hlen,
    const struct in46_addr *src, const struct in46_addr *dst) KERN_HIDDEN;
/* tcp_usrreq.c */
int  tcp_domain_protosw(const struct protosw **pr) KERN_HIDDEN;
extern const struct pr_usrreqs tcp_usrreqs KERN_HIDDEN;
int  tcp_ctloutput(int op, struct socket *so, struct sockopt *sopt) KERN_HIDDEN;
void tcp_usrclosed(struct tcpcb *tp) KERN_HIDDEN;
/* connect a socket's pcb from laddr (the source) to faddr and send the SYN (both
 * families: tcp_connect, net.netinet6's tcp6_connect) */
int  tcp_connect_pcb(struct socket *so, const struct in46_addr *laddr,
    const struct in46_addr *faddr, uint16_t fport) KERN_HIDDEN;
/* SO_REUSEADDR and SO_REUSEPORT as the pcb's flags, for the port rules */
void tcp_sopcbflags(struct socket *so, struct inpcb *inp) KERN_HIDDEN;

/* tcp_syncache.c: NetBSD's SYN cache (half-open connections without sockets) */
struct syn_opts {			/* what a SYN offered */
	uint32_t mss;			/* 0: none */
	int wscale;			/* -1: none */
	int ts;
	uint32_t ts_val;
	int sack_ok;
};
struct tcp_syncache_stat {		/* NetBSD's tcps_sc_* counters */
	uint64_t sc_added, sc_completed, sc_timed_out, sc_overflowed, sc_bucketoverflow,
	    sc_reset, sc_aborted, sc_dupesyn, sc_dropped, sc_retransmitted;
	uint64_t sc_count, sc_entrysize;	/* entries now, bytes each */
	uint64_t sc_unreach;			/* removed by ICMP errors (syn_cache_unreach) */
};
void syn_cache_add(struct tcpcb *lp, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport, uint32_t seq, uint32_t win,
    const struct syn_opts *o) KERN_HIDDEN;
/* The ACK of a handshake on listener lp: the new connection's tcpcb (SYN_RECEIVED, its
 * socket on lp's queue), or NULL: *resetp says the caller answers with a RST. */
struct tcpcb *syn_cache_get(struct tcpcb *lp, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack,
    int *resetp) KERN_HIDDEN;
void syn_cache_reset(struct tcp_state *ts, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport, uint32_t seq) KERN_HIDDEN;
/* An ICMP host/net unreachable quoting our SYN|ACK (seq: the quoted sequence number). */
void syn_cache_unreach(struct tcp_state *ts, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport, uint32_t seq) KERN_HIDDEN;
void syn_cache_cleanup(struct tcpcb *lp) KERN_HIDDEN;	/* a listener closes */
int  syn_cache_sysctl(struct tcp_state *ts, int id, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen) KERN_HIDDEN;
void syn_cache_fini(struct tcp_state *ts) KERN_HIDDEN;
/* For tests: the counters, and (src, sport, dst, dport)'s bucket (-1: no table) and its
 * entry's retransmissions so far (the return value, -1: no entry). */
int  tcp_syncache_info(struct kern *k, struct tcp_syncache_stat *st, uint32_t src,
    uint16_t sport, uint32_t dst, uint16_t dport, int *bucket) KERN_HIDDEN;

#endif
