/*
 * tcp_syncache.c: NetBSD's SYN cache ("compressed TCP state engine").  A SYN on a
 * listener makes no socket and no tcpcb: it makes a small entry in a per-kernel hash
 * table, answered with a SYN|ACK built from the entry.  Only the ACK that completes the
 * handshake makes the socket (on the listener's completed queue, when NetBSD's
 * sonewconn rule lets it in) and its tcpcb, with the options the SYN negotiated.
 *
 * Invariants (all under the kernel's net lock):
 *   - An entry is on exactly three lists: its hash bucket (oldest first), its listener's
 *     list (tcpcb t_synq) and the timer queue of its retransmission count (sc_rxtshift).
 *     sc_count is the number of entries; a bucket holds at most syn_bucket_limit, the
 *     table at most syn_cache_limit (a new SYN evicts as NetBSD's syn_cache_insert does:
 *     the oldest of a full bucket, else the oldest of the first non-empty bucket from the
 *     new entry's own).
 *   - The retransmission time depends only on the count (NetBSD's SYN_CACHE_TIMER_ARM:
 *     3 s (TCPTV_SRTTDFLT) times tcp_backoff[shift], within net.inet.tcp.rexmit_min and
 *     rexmit_max), so each timer queue is in deadline order when appended at arming: the
 *     earliest deadline is at one of the queue heads, and the timer serves them in O(1)
 *     an entry.  An entry goes after TCP_MAXRXTSHIFT retransmissions or once it has
 *     waited net.inet.tcp.keepinit in total (NetBSD's sc_rxttot check), silently.
 *   - Entries are kmem memory, counted against the kernel's memory limit; a SYN that
 *     finds no memory is dropped (the peer retries).
 *   - The bucket hash is keyed by a secret drawn from the kernel's generator, drawn anew
 *     whenever the cache is empty (NetBSD: syn_hash1/2), so buckets cannot be aimed at
 *     from outside, and a seeded kernel replays.
 * Memory for the table itself (TCP_SYN_HASH_SIZE buckets) is allocated with the first
 * SYN, so kernels that never listen pay nothing.
 *
 * The sysctls (net.inet.tcp.*): syn_cache_limit (5), syn_bucket_limit (6), NetBSD's
 * numbers and defaults (293 * 35 and 3 * 35), and syn_cache_interval (7, NetBSD's
 * obsolete TCPCTL_SYN_CACHE_INTER: the timer's granularity in 500 ms slow ticks; when the
 * timer runs it also serves the entries due within that much, so a flood's entries are
 * served in batches).  See docs/netinet.md.
 */
#include "netinet/tcp_var.h"

#define TCP_SYN_HASH_SIZE	293	/* NetBSD's buckets */
#define TCP_SYN_BUCKET_SIZE	35
#define TCP_SYNCACHE_SRTTDFLT_MS 3000	/* NetBSD's TCPTV_SRTTDFLT */
#define TCP_SLOWTICK_NS		500000000ULL	/* PR_SLOWHZ = 2 */

/* sc_flags */
#define SCF_TIMESTAMP	0x01	/* both ends do timestamps */
#define SCF_WSCALE	0x02	/* both ends do window scaling */
#define SCF_SACK_PERMIT	0x04	/* both ends do SACK */
#define SCF_UNREACH	0x08	/* an ICMP unreachable quoted our SYN|ACK (syn_cache_unreach) */

struct syn_cache {
	struct syn_cache *sc_bnext, *sc_bprev;	/* bucket, oldest first */
	struct syn_cache *sc_lnext, *sc_lprev;	/* the listener's (t_synq) */
	struct syn_cache *sc_tnext, *sc_tprev;	/* timer queue sc_rxtshift */
	struct tcpcb *sc_tp;			/* the listener */
	uint64_t sc_timer;			/* next retransmission, absolute ns */
	uint64_t sc_rxttot;			/* waited so far, ns */
	uint64_t sc_sent;			/* the first SYN|ACK left (RTT sample) */
	struct in46_addr sc_src, sc_dst;	/* the peer's, ours (IPv4 mapped) */
	uint16_t sc_sport, sc_dport;
	uint32_t sc_iss, sc_irs;
	uint32_t sc_ourwin;			/* the window our SYN|ACK offers */
	uint32_t sc_timestamp;			/* the peer's tsval, echoed */
	uint32_t sc_tsoffset;			/* our timestamps' random offset */
	uint16_t sc_peermss;			/* 0: no MSS option */
	uint16_t sc_ourmss;
	uint8_t sc_rxtshift;
	uint8_t sc_requested_s_scale, sc_request_r_scale;
	uint8_t sc_flags;
	uint16_t sc_bucket;
	int8_t sc_queued;			/* on a timer queue */
};

struct syn_cache_head {
	struct syn_cache *sch_first, *sch_last;
	int sch_length;
};

struct syn_cache_set {
	struct tcp_state *scs_ts;
	struct syn_cache_head *scs_buckets;	/* TCP_SYN_HASH_SIZE, or NULL */
	int scs_count;
	uint32_t scs_hash1, scs_hash2;
	/* the timer queues: entries by retransmission count, each in deadline order */
	struct syn_cache *scs_tq[TCP_MAXRXTSHIFT + 1], *scs_tqtail[TCP_MAXRXTSHIFT + 1];
	struct hyp_timer scs_timer;
	uint64_t scs_timer_at;			/* 0: not armed */
	/* sysctls */
	int scs_limit, scs_bucket_limit, scs_interval;
	struct tcp_syncache_stat scs_stat;
};

static const int tcp_backoff[TCP_MAXRXTSHIFT + 1] = {
	1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64, 64, 64
};

static void syn_cache_timeout(void *arg);

/* The kernel's set, made on first use (a SYN or a sysctl); NULL without memory. */
static struct syn_cache_set *
syn_cache_set(struct tcp_state *ts)
{
	struct syn_cache_set *scs = ts->ts_syncache;

	if (scs != NULL)
		return scs;
	if ((scs = kmem_zalloc(ts->ts_kern, sizeof(*scs))) == NULL)
		return NULL;
	scs->scs_ts = ts;
	scs->scs_limit = TCP_SYN_HASH_SIZE * TCP_SYN_BUCKET_SIZE;
	scs->scs_bucket_limit = 3 * TCP_SYN_BUCKET_SIZE;
	scs->scs_interval = 1;
	hyp_timer_init(&scs->scs_timer, syn_cache_timeout, scs);
	ts->ts_syncache = scs;
	return scs;
}

static unsigned
syn_cache_hash(const struct syn_cache_set *scs, const struct in46_addr *src, uint16_t sport,
    uint16_t dport)
{
	/* NetBSD's SYN_HASH: the peer's address and both ports under two secrets; the
	 * product is mixed once more so a short table sees every bit */
	uint32_t w[4], f, h;

	memcpy(w, src->ia_addr, 16);
	f = w[0] ^ w[1] ^ w[2] ^ w[3] ^ src->ia_zone;
	h = (f ^ scs->scs_hash1) * ((((uint32_t)dport << 16) + sport) ^ scs->scs_hash2);

	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	return (h & 0x7fffffff) % TCP_SYN_HASH_SIZE;
}

/* The retransmission time for shift (NetBSD: TCPTV_SRTTDFLT * tcp_backoff[shift] within
 * TCPTV_MIN and TCPTV_REXMTMAX, ours the rexmit_min/max sysctls). */
static uint64_t
syn_cache_rxtcur(const struct tcp_state *ts, int shift)
{
	uint64_t t = tcp_ms(TCP_SYNCACHE_SRTTDFLT_MS) * (uint64_t)tcp_backoff[shift];
	uint64_t lo = tcp_ms(ts->ts_rexmit_min), hi = tcp_ms(ts->ts_rexmit_max);

	return t < lo ? lo : t > hi ? hi : t;
}

static void
syn_cache_timer_want(struct syn_cache_set *scs, uint64_t at)
{
	uint64_t now = hyp_clock_mono();

	if (atomic_load(&scs->scs_ts->ts_kern->k_halted))
		return;
	if (scs->scs_timer_at != 0 && scs->scs_timer_at <= at)
		return;
	scs->scs_timer_at = at;
	hyp_timer_arm(&scs->scs_timer, at > now ? at : now);
}

/* Puts sc at the tail of its shift's timer queue, due at now + its RTO. */
static void
syn_cache_timer_arm(struct syn_cache_set *scs, struct syn_cache *sc, uint64_t now)
{
	int s = sc->sc_rxtshift;

	sc->sc_timer = now + syn_cache_rxtcur(scs->scs_ts, s);
	sc->sc_tnext = NULL;
	sc->sc_tprev = scs->scs_tqtail[s];
	if (scs->scs_tq[s] == NULL)
		scs->scs_tq[s] = sc;
	else
		scs->scs_tqtail[s]->sc_tnext = sc;
	scs->scs_tqtail[s] = sc;
	sc->sc_queued = 1;
	syn_cache_timer_want(scs, sc->sc_timer);
}

/* Takes sc off its timer queue. */
static void
syn_cache_timer_remove(struct syn_cache_set *scs, struct syn_cache *sc)
{
	int s = sc->sc_rxtshift;

	if (!sc->sc_queued)
		return;
	if (sc->sc_tprev != NULL)
		sc->sc_tprev->sc_tnext = sc->sc_tnext;
	else
		scs->scs_tq[s] = sc->sc_tnext;
	if (sc->sc_tnext != NULL)
		sc->sc_tnext->sc_tprev = sc->sc_tprev;
	else
		scs->scs_tqtail[s] = sc->sc_tprev;
	sc->sc_tnext = sc->sc_tprev = NULL;
	sc->sc_queued = 0;
}

/* Unlinks sc from everything and frees it. */
static void
syn_cache_rm(struct syn_cache_set *scs, struct syn_cache *sc)
{
	struct syn_cache_head *scp = &scs->scs_buckets[sc->sc_bucket];

	if (sc->sc_bprev != NULL)
		sc->sc_bprev->sc_bnext = sc->sc_bnext;
	else
		scp->sch_first = sc->sc_bnext;
	if (sc->sc_bnext != NULL)
		sc->sc_bnext->sc_bprev = sc->sc_bprev;
	else
		scp->sch_last = sc->sc_bprev;
	scp->sch_length--;
	if (sc->sc_lprev != NULL)
		sc->sc_lprev->sc_lnext = sc->sc_lnext;
	else
		sc->sc_tp->t_synq = sc->sc_lnext;
	if (sc->sc_lnext != NULL)
		sc->sc_lnext->sc_lprev = sc->sc_lprev;
	syn_cache_timer_remove(scs, sc);
	scs->scs_count--;
	kmem_free(scs->scs_ts->ts_kern, sc, sizeof(*sc));
}

static struct syn_cache *
syn_cache_lookup(struct syn_cache_set *scs, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst,
    uint16_t dport)
{
	struct syn_cache *sc;

	if (scs == NULL || scs->scs_buckets == NULL || scs->scs_count == 0)
		return NULL;
	for (sc = scs->scs_buckets[syn_cache_hash(scs, src, sport, dport)].sch_first;
	    sc != NULL; sc = sc->sc_bnext)
		if (in46_eq(&sc->sc_src, src) && sc->sc_sport == sport && in46_eq(&sc->sc_dst, dst) &&
		    sc->sc_dport == dport)
			return sc;
	return NULL;
}

/* The SYN|ACK of an entry (NetBSD's syn_cache_respond): our ISS, the peer's ISN + 1, the
 * options the SYN asked for in tcp_output's order. */
static int
syn_cache_respond(struct syn_cache_set *scs, struct syn_cache *sc)
{
	struct tcp_state *ts = scs->scs_ts;
	uint8_t opt[TCP_MAXOLEN], *th;
	int optlen = 0;
	struct pkt *p;

	opt[optlen++] = TCPOPT_MAXSEG;
	opt[optlen++] = TCPOLEN_MAXSEG;
	opt[optlen++] = (uint8_t)(sc->sc_ourmss >> 8);
	opt[optlen++] = (uint8_t)sc->sc_ourmss;
	if (sc->sc_flags & SCF_WSCALE) {
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_WINDOW;
		opt[optlen++] = TCPOLEN_WINDOW;
		opt[optlen++] = sc->sc_request_r_scale;
	}
	if (sc->sc_flags & SCF_SACK_PERMIT) {
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_SACK_PERMITTED;
		opt[optlen++] = TCPOLEN_SACK_PERMITTED;
	}
	if (sc->sc_flags & SCF_TIMESTAMP) {
		uint32_t v = htonl_(tcp_now_ms() + sc->sc_tsoffset), e = htonl_(sc->sc_timestamp);

		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_TIMESTAMP;
		opt[optlen++] = TCPOLEN_TIMESTAMP;
		memcpy(opt + optlen, &v, 4);
		memcpy(opt + optlen + 4, &e, 4);
		optlen += 8;
	}
	if ((p = pkt_alloc(ts->ts_kern, (size_t)(TCP_HLEN + optlen), PKT_HEADROOM)) == NULL)
		return ENOBUFS;
	th = pkt_data(p);
	tcp_fill_header(th, sc->sc_dport, sc->sc_sport, sc->sc_iss, sc->sc_irs + 1,
	    TCP_HLEN + optlen, TH_SYN | TH_ACK, (uint16_t)sc->sc_ourwin);
	memcpy(th + TCP_HLEN, opt, (size_t)optlen);
	ts->ts_stat.tcps_sndctrl++;
	return tcp_send_segment(ts, p, &sc->sc_dst, &sc->sc_src);
}

/* Makes room for one more entry in bucket scp (NetBSD's syn_cache_insert). */
static void
syn_cache_evict(struct syn_cache_set *scs, struct syn_cache_head *scp)
{
	struct syn_cache_head *end = scs->scs_buckets + TCP_SYN_HASH_SIZE, *p2;

	if (scp->sch_length >= scs->scs_bucket_limit) {
		scs->scs_stat.sc_bucketoverflow++;
		syn_cache_rm(scs, scp->sch_first);	/* the oldest in the bucket */
		return;
	}
	if (scs->scs_count < scs->scs_limit || scs->scs_count == 0)
		return;
	scs->scs_stat.sc_overflowed++;
	/* the oldest entry of the first non-empty bucket from ours on */
	for (p2 = scp; p2->sch_first == NULL;)
		if (++p2 == end)
			p2 = scs->scs_buckets;
	syn_cache_rm(scs, p2->sch_first);
}

void
syn_cache_add(struct tcpcb *lp, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport,
    uint32_t seq, uint32_t win, const struct syn_opts *o)
{
	struct tcp_state *ts = lp->t_ts;
	struct socket *head = lp->t_socket;
	struct syn_cache_set *scs = syn_cache_set(ts);
	struct syn_cache_head *scp;
	struct syn_cache *sc;
	uint64_t now = hyp_clock_mono();
	size_t space, max;
	unsigned b;

	if (scs == NULL || head == NULL)
		return;
	/* a retransmitted SYN: the same SYN|ACK again (NetBSD: sc_dupesyn) */
	if ((sc = syn_cache_lookup(scs, src, sport, dst, dport)) != NULL) {
		scs->scs_stat.sc_dupesyn++;
		if (o->ts)
			sc->sc_timestamp = o->ts_val;
		(void)syn_cache_respond(scs, sc);
		return;
	}
	if (scs->scs_buckets == NULL) {
		scs->scs_buckets = kmem_zalloc(ts->ts_kern,
		    sizeof(*scs->scs_buckets) * TCP_SYN_HASH_SIZE);
		if (scs->scs_buckets == NULL)
			return;
	}
	if (scs->scs_count == 0) {		/* new secrets while nothing depends on them */
		scs->scs_hash1 = kern_random32(ts->ts_kern);
		scs->scs_hash2 = kern_random32(ts->ts_kern);
	}
	if ((sc = kmem_zalloc(ts->ts_kern, sizeof(*sc))) == NULL) {
		scs->scs_stat.sc_dropped++;
		return;
	}
	sc->sc_src = *src, sc->sc_sport = sport, sc->sc_dst = *dst, sc->sc_dport = dport;
	sc->sc_irs = seq;
	sc->sc_iss = tcp_new_iss(ts, dst, dport, src, sport);
	(void)win;	/* the handshake's ACK sets the send window, as NetBSD's */
	sc->sc_tp = lp;
	/* our MSS: the route's, or less with TCP_MAXSEG on the listener */
	{
		uint32_t mss = tcp_mss_to(ts, src);

		if (lp->t_ourmss != 0 && lp->t_ourmss < mss)
			mss = lp->t_ourmss;
		sc->sc_ourmss = (uint16_t)mss;
	}
	sc->sc_peermss = (uint16_t)(o->mss > 65535 ? 65535 : o->mss);
	if (!(lp->t_flags & TF_NOOPT)) {
		if (o->wscale >= 0 && (lp->t_flags & TF_REQ_SCALE)) {
			uint8_t s = 0;

			max = net_state(ts->ts_kern)->ns_sb_max;
			while (s < TCP_MAX_WINSHIFT && ((size_t)TCP_MAXWIN << s) < max)
				s++;
			sc->sc_flags |= SCF_WSCALE;
			sc->sc_requested_s_scale = (uint8_t)o->wscale;
			sc->sc_request_r_scale = s;
		}
		if (o->ts && (lp->t_flags & TF_REQ_TSTMP)) {
			sc->sc_flags |= SCF_TIMESTAMP;
			sc->sc_timestamp = o->ts_val;
			kern_random(ts->ts_kern, &sc->sc_tsoffset, sizeof(sc->sc_tsoffset));
		}
	}
	if (o->sack_ok && (lp->t_flags & TF_REQ_SACK))
		sc->sc_flags |= SCF_SACK_PERMIT;
	/* the window a new connection's socket will have (the listener's buffer size) */
	space = head->so_rcv.sb_hiwat;
	sc->sc_ourwin = (uint32_t)(space > TCP_MAXWIN ? TCP_MAXWIN : space);

	b = syn_cache_hash(scs, src, sport, dport);
	scp = &scs->scs_buckets[b];
	syn_cache_evict(scs, scp);
	sc->sc_bucket = (uint16_t)b;
	sc->sc_bprev = scp->sch_last;
	if (scp->sch_last != NULL)
		scp->sch_last->sc_bnext = sc;
	else
		scp->sch_first = sc;
	scp->sch_last = sc;
	scp->sch_length++;
	sc->sc_lnext = lp->t_synq;
	if (sc->sc_lnext != NULL)
		sc->sc_lnext->sc_lprev = sc;
	lp->t_synq = sc;
	scs->scs_count++;
	scs->scs_stat.sc_added++;
	syn_cache_timer_arm(scs, sc, now);
	sc->sc_sent = now;
	ts->ts_stat.tcps_accepts++;
	(void)syn_cache_respond(scs, sc);
}

/* The tcpcb of a completed handshake, as tcp_output would have left it after our
 * SYN|ACK: SYN_RECEIVED, snd_nxt past our SYN, the options of the entry. */
static struct tcpcb *
syn_cache_newconn(struct syn_cache_set *scs, struct syn_cache *sc, struct socket *so)
{
	struct tcp_state *ts = scs->scs_ts;
	struct tcpcb *lp = sc->sc_tp, *tp;
	struct inpcb *inp = so->so_pcb;

	tp = inp->inp_ppcb;
	in_pcbsetconn_tcp(&ts->ts_tbl, inp, &sc->sc_dst, sc->sc_dport, &sc->sc_src, sc->sc_sport);
	tp->t_flags |= TF_PASSIVE | (lp->t_flags & (TF_NODELAY | TF_NOOPT));
	tp->t_keepidle = lp->t_keepidle;
	tp->t_keepintvl = lp->t_keepintvl;
	tp->t_keepinit = lp->t_keepinit;
	tp->t_keepcnt = lp->t_keepcnt;
	tp->t_ourmss = sc->sc_ourmss;
	tp->t_state = TCPS_SYN_RECEIVED;
	if (sc->sc_flags & SCF_WSCALE) {
		tp->t_flags |= TF_REQ_SCALE | TF_RCVD_SCALE;
		tp->requested_s_scale = sc->sc_requested_s_scale;
		tp->request_r_scale = sc->sc_request_r_scale;
	} else
		tp->t_flags &= ~TF_REQ_SCALE;
	if (sc->sc_flags & SCF_TIMESTAMP) {
		tp->t_flags |= TF_REQ_TSTMP | TF_RCVD_TSTMP;
		tp->ts_recent = sc->sc_timestamp;
		tp->ts_recent_age = hyp_clock_mono();
		tp->ts_offset = sc->sc_tsoffset;
	} else
		tp->t_flags &= ~TF_REQ_TSTMP;
	if (sc->sc_flags & SCF_SACK_PERMIT)
		tp->t_flags |= TF_REQ_SACK | TF_SACK_PERMIT;
	else
		tp->t_flags &= ~TF_REQ_SACK;
	tcp_mss_update(tp, sc->sc_peermss);
	tp->iss = sc->sc_iss;
	tp->irs = sc->sc_irs;
	tp->snd_una = tp->snd_up = tp->snd_recover = tp->iss;
	tp->snd_nxt = tp->snd_max = tp->iss + 1;
	tp->rcv_nxt = tp->rcv_up = tp->irs + 1;
	tp->rcv_adv = tp->rcv_nxt + sc->sc_ourwin;
	tp->last_ack_sent = tp->rcv_nxt;
	tp->snd_wnd = tp->max_sndwnd = 0;	/* the ACK's window, scaled, comes next */
	tp->snd_wl1 = tp->irs;
	tp->snd_wl2 = tp->iss;
	if (sc->sc_rxtshift == 0) {		/* Karn: time only an unrepeated SYN|ACK */
		tp->t_rtttime = sc->sc_sent;
		tp->t_rtseq = tp->iss;
	}
	tcp_timer_set(tp, TCPT_KEEP, tp->t_keepinit);
	return tp;
}

struct tcpcb *
syn_cache_get(struct tcpcb *lp, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport,
    uint32_t seq, uint32_t ack, int *resetp)
{
	struct tcp_state *ts = lp->t_ts;
	struct syn_cache_set *scs = ts->ts_syncache;
	struct socket *head = lp->t_socket, *so;
	struct syn_cache *sc;
	struct tcpcb *tp;

	*resetp = 0;
	if ((sc = syn_cache_lookup(scs, src, sport, dst, dport)) == NULL || sc->sc_tp != lp) {
		*resetp = 1;		/* no SYN for this ACK: a RST (NetBSD's badsyn) */
		return NULL;
	}
	/* it must acknowledge our SYN and lie in the window we offered; else our SYN|ACK
	 * again (NetBSD) */
	if (ack != sc->sc_iss + 1 || SEQ_LEQ(seq, sc->sc_irs) ||
	    SEQ_GT(seq, sc->sc_irs + 1 + sc->sc_ourwin)) {
		(void)syn_cache_respond(scs, sc);
		return NULL;
	}
	/* the listen queue (NetBSD's sonewconn: qlen + q0len <= 3 * qlimit / 2) */
	if (head == NULL || (so = so_newconn(head, false)) == NULL) {
		/* no room: RST and forget it (NetBSD's resetandabort) */
		scs->scs_stat.sc_aborted++;
		ts->ts_stat.tcps_listendrop++;
		syn_cache_rm(scs, sc);
		*resetp = 1;
		return NULL;
	}
	tp = syn_cache_newconn(scs, sc, so);
	scs->scs_stat.sc_completed++;
	syn_cache_rm(scs, sc);
	return tp;
}

void
syn_cache_reset(struct tcp_state *ts, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst,
    uint16_t dport, uint32_t seq)
{
	struct syn_cache_set *scs = ts->ts_syncache;
	struct syn_cache *sc;

	if ((sc = syn_cache_lookup(scs, src, sport, dst, dport)) == NULL)
		return;
	/* NetBSD: the RST must carry the sequence number the entry expects */
	if (SEQ_LT(seq, sc->sc_irs) || SEQ_GT(seq, sc->sc_irs + 1))
		return;
	scs->scs_stat.sc_reset++;
	syn_cache_rm(scs, sc);
}

/* An ICMP error saying the peer's host or net is unreachable, quoting a SYN|ACK of ours,
 * for a 4-tuple no connection has (NetBSD's syn_cache_unreach, which tcp_ctlinput calls
 * for EHOSTUNREACH, ENETUNREACH and EHOSTDOWN when in_pcbnotify matched nothing): the
 * quoted sequence number must be the entry's ISS (else the message is bogus); the first
 * such error only marks the entry, and one that comes when it is marked and its SYN|ACK
 * has gone out 3 times more removes it (a short outage does not kill the handshake). */
void
syn_cache_unreach(struct tcp_state *ts, const struct in46_addr *src, uint16_t sport,
    const struct in46_addr *dst, uint16_t dport, uint32_t seq)
{
	struct syn_cache_set *scs = ts->ts_syncache;
	struct syn_cache *sc;

	if ((sc = syn_cache_lookup(scs, src, sport, dst, dport)) == NULL || seq != sc->sc_iss)
		return;
	if ((sc->sc_flags & SCF_UNREACH) == 0 || sc->sc_rxtshift < 3) {
		sc->sc_flags |= SCF_UNREACH;
		return;
	}
	scs->scs_stat.sc_unreach++;
	syn_cache_rm(scs, sc);
}

void
syn_cache_cleanup(struct tcpcb *lp)
{
	struct syn_cache_set *scs = lp->t_ts->ts_syncache;

	while (lp->t_synq != NULL && scs != NULL)
		syn_cache_rm(scs, lp->t_synq);
	lp->t_synq = NULL;
}

/* Runs the expired entries (and those due within the tick); returns the next deadline. */
static uint64_t
syn_cache_timer_run(struct syn_cache_set *scs)
{
	struct tcp_state *ts = scs->scs_ts;
	uint64_t now = hyp_clock_mono(), soonest = 0;
	uint64_t upto = now + (uint64_t)scs->scs_interval * TCP_SLOWTICK_NS - 1;
	struct syn_cache *sc;
	int s;

	if (scs->scs_interval <= 1)
		upto = now;		/* the default tick: every entry exactly on time */
	for (s = 0; s <= TCP_MAXRXTSHIFT; s++) {
		while ((sc = scs->scs_tq[s]) != NULL && sc->sc_timer <= upto) {
			syn_cache_timer_remove(scs, sc);
			/* NetBSD's syn_cache_timer: too many retransmissions, or waited
			 * keepinit in all */
			sc->sc_rxttot += syn_cache_rxtcur(ts, s);
			if (sc->sc_rxtshift == TCP_MAXRXTSHIFT ||
			    sc->sc_rxttot >= tcp_sec(ts->ts_keepinit)) {
				scs->scs_stat.sc_timed_out++;
				syn_cache_rm(scs, sc);
				continue;
			}
			scs->scs_stat.sc_retransmitted++;
			(void)syn_cache_respond(scs, sc);
			sc->sc_rxtshift++;
			syn_cache_timer_arm(scs, sc, now);
		}
	}
	for (s = 0; s <= TCP_MAXRXTSHIFT; s++)
		if ((sc = scs->scs_tq[s]) != NULL && (soonest == 0 || sc->sc_timer < soonest))
			soonest = sc->sc_timer;
	return soonest;
}

static void
syn_cache_timeout(void *arg)
{
	struct syn_cache_set *scs = arg;
	struct kern *k = scs->scs_ts->ts_kern;
	struct ifs_enter ne;
	uint64_t next;

	if (atomic_load(&k->k_halted))
		return;
	if (ifs_enter_try(k, &ne) != 0) {
		hyp_timer_arm(&scs->scs_timer, hyp_clock_mono() + 20000);
		return;
	}
	scs->scs_timer_at = 0;
	next = syn_cache_timer_run(scs);
	if (next != 0)
		syn_cache_timer_want(scs, next);
	ifs_leave_other(k, &ne);
}

int
syn_cache_sysctl(struct tcp_state *ts, int id, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct syn_cache_set *scs = syn_cache_set(ts);

	if (scs == NULL)
		return ENOMEM;
	switch (id) {
	case TCPCTL_SYN_CACHE_LIMIT:
		return in_sysctl_int(&scs->scs_limit, 1, 1000000, oldp, oldlenp, newp, newlen);
	case TCPCTL_SYN_BUCKET_LIMIT:
		return in_sysctl_int(&scs->scs_bucket_limit, 1, 1000000, oldp, oldlenp, newp,
		    newlen);
	case TCPCTL_SYN_CACHE_INTER:
		return in_sysctl_int(&scs->scs_interval, 1, 120, oldp, oldlenp, newp, newlen);
	}
	return ENOENT;
}

void
syn_cache_fini(struct tcp_state *ts)
{
	struct syn_cache_set *scs = ts->ts_syncache;
	struct kern *k = ts->ts_kern;
	int i;

	if (scs == NULL)
		return;
	/* k_halted is set: the timer arms no more; wait until it neither pends nor runs */
	do
		hyp_timer_disarm(&scs->scs_timer);
	while (hyp_timer_pending(&scs->scs_timer));
	if (scs->scs_buckets != NULL) {
		for (i = 0; i < TCP_SYN_HASH_SIZE; i++)
			while (scs->scs_buckets[i].sch_first != NULL)
				syn_cache_rm(scs, scs->scs_buckets[i].sch_first);
		kmem_free(k, scs->scs_buckets, sizeof(*scs->scs_buckets) * TCP_SYN_HASH_SIZE);
	}
	ts->ts_syncache = NULL;
	kmem_free(k, scs, sizeof(*scs));
}

/* ---------------------------------------------------------------- the tests' door */

int
tcp_syncache_info(struct kern *k, struct tcp_syncache_stat *st, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, int *bucket)
{
	struct lwp implicit, *prev;
	struct inet_state *is;
	struct syn_cache_set *scs;
	struct syn_cache *sc;
	struct in46_addr src46, dst46;
	int found = -1;

	in46_set4(&src46, src);
	in46_set4(&dst46, dst);
	kern_enter(k, &implicit, &prev);
	if ((is = inet_state(k)) != NULL && is->is_tcp != NULL) {
		net_lock(k);
		if ((scs = is->is_tcp->ts_syncache) != NULL) {
			if (st != NULL) {
				*st = scs->scs_stat;
				st->sc_count = (uint64_t)scs->scs_count;
				st->sc_entrysize = sizeof(struct syn_cache);
			}
			if (bucket != NULL)
				*bucket = scs->scs_buckets != NULL && scs->scs_count > 0 ?
				    (int)syn_cache_hash(scs, &src46, sport, dport) : -1;
			sc = syn_cache_lookup(scs, &src46, sport, &dst46, dport);
			found = sc != NULL ? sc->sc_rxtshift : -1;
		} else if (st != NULL) {
			memset(st, 0, sizeof(*st));
			st->sc_entrysize = sizeof(struct syn_cache);
		}
		net_unlock(k);
	}
	kern_leave(k, prev);
	return found;
}
