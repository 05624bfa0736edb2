/*
 * tcp_input.c: segment arrival (RFC 9293 3.10.7): checksum and header checks, the pcb
 * lookup, the listener (a SYN goes to the SYN cache, tcp_syncache.c; the ACK that
 * completes the handshake comes back from it as a SYN_RECEIVED connection), the
 * handshake from SYN_SENT (simultaneous open included), then for synchronized states:
 * PAWS (RFC 7323), RST and SYN under RFC 5961 (exact RST or a challenge ACK), trimming
 * to the receive window, ACK processing (RTT samples, Karn, congestion control of RFC
 * 5681 with NewReno fast retransmit/recovery of RFC 6582), window updates, in-order
 * data and the reassembly queue, delayed ACKs, FIN and the closing states.
 *
 * Every length is checked against the bytes present before it is used.  A segment for
 * no connection is answered with a RST (never a RST with a RST); the RST of a connection
 * request is what the other end reports as ECONNREFUSED.
 */
#include "netinet/tcp_var.h"

#define TCP_REASS_MAX	512	/* out-of-order segments held per connection */

struct tcp_opts {
	uint32_t mss;			/* 0: none */
	int wscale;			/* -1: none */
	int ts;				/* a timestamp option was present */
	uint32_t ts_val, ts_ecr;
	int sack_ok;			/* SACK permitted (in a SYN) */
	const uint8_t *sack;		/* the blocks of a SACK option, sacklen bytes */
	int sacklen;
};

static void
tcp_dooptions(const uint8_t *cp, int cnt, int syn, struct tcp_opts *o)
{
	int opt, optlen;

	o->mss = 0;
	o->wscale = -1;
	o->ts = 0;
	o->ts_val = o->ts_ecr = 0;
	o->sack_ok = 0;
	o->sack = NULL;
	o->sacklen = 0;
	for (; cnt > 0; cnt -= optlen, cp += optlen) {
		opt = cp[0];
		if (opt == TCPOPT_EOL)
			break;
		if (opt == TCPOPT_NOP) {
			optlen = 1;
			continue;
		}
		if (cnt < 2 || (optlen = cp[1]) < 2 || optlen > cnt)
			break;
		switch (opt) {
		case TCPOPT_MAXSEG:
			if (optlen == TCPOLEN_MAXSEG && syn)
				o->mss = (uint32_t)(cp[2] << 8 | cp[3]);
			break;
		case TCPOPT_WINDOW:
			if (optlen == TCPOLEN_WINDOW && syn)
				o->wscale = cp[2] > TCP_MAX_WINSHIFT ? TCP_MAX_WINSHIFT : cp[2];
			break;
		case TCPOPT_SACK_PERMITTED:
			if (optlen == TCPOLEN_SACK_PERMITTED && syn)
				o->sack_ok = 1;
			break;
		case TCPOPT_SACK:
			if (optlen >= 10 && (optlen - 2) % 8 == 0 && !syn) {
				o->sack = cp + 2;
				o->sacklen = optlen - 2;
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (optlen == TCPOLEN_TIMESTAMP) {
				o->ts = 1;
				o->ts_val = (uint32_t)cp[2] << 24 | (uint32_t)cp[3] << 16 |
				    (uint32_t)cp[4] << 8 | cp[5];
				o->ts_ecr = (uint32_t)cp[6] << 24 | (uint32_t)cp[7] << 16 |
				    (uint32_t)cp[8] << 8 | cp[9];
			}
			break;
		}
	}
}

/* The options of a SYN: MSS, window scale and timestamps as both ends agreed. */
static void
tcp_syn_options(struct tcpcb *tp, const struct tcp_opts *o)
{
	if (o->wscale >= 0 && (tp->t_flags & TF_REQ_SCALE)) {
		tp->t_flags |= TF_RCVD_SCALE;
		tp->requested_s_scale = (uint8_t)o->wscale;
	} else
		tp->t_flags &= ~TF_REQ_SCALE;
	if (o->ts && (tp->t_flags & TF_REQ_TSTMP)) {
		tp->t_flags |= TF_RCVD_TSTMP;
		tp->ts_recent = o->ts_val;
		tp->ts_recent_age = hyp_clock_mono();
	} else
		tp->t_flags &= ~TF_REQ_TSTMP;
	if (o->sack_ok && (tp->t_flags & TF_REQ_SACK))
		tp->t_flags |= TF_SACK_PERMIT;
	else
		tp->t_flags &= ~TF_REQ_SACK;
	tcp_mss_update(tp, o->mss);
}

/* Both ends established: scaling applies, the congestion window opens (RFC 5681 3.1). */
static void
tcp_established(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;

	tp->t_state = TCPS_ESTABLISHED;
	if ((tp->t_flags & (TF_RCVD_SCALE | TF_REQ_SCALE)) == (TF_RCVD_SCALE | TF_REQ_SCALE)) {
		tp->snd_scale = tp->requested_s_scale;
		tp->rcv_scale = tp->request_r_scale;
	}
	if (ts->ts_init_win == 0) {
		uint32_t iw = 4380;
		if (iw > 4 * tcp_segsz(tp))
			iw = 4 * tcp_segsz(tp);
		if (iw < 2 * tcp_segsz(tp))
			iw = 2 * tcp_segsz(tp);
		tp->snd_cwnd = iw;
	} else
		tp->snd_cwnd = (uint32_t)ts->ts_init_win * tcp_segsz(tp);
	tcp_timer_set(tp, TCPT_KEEP, tp->t_keepidle);
	tcp_sbround(tp);
}

/* Appends in-order data [seq, seq + len) to the socket (discarded after
 * shutdown(SHUT_RD)).  The urgent byte, when it is among them and not to be read in
 * line, is taken out into t_iobc (NetBSD's tcp_pulloutofband). */
static int
tcp_deliver(struct tcpcb *tp, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct socket *so = tp->t_socket;
	struct kern *k = tp->t_ts->ts_kern;
	uint32_t u;

	if (len == 0 || so == NULL || (so->so_state & SS_CANTRCVMORE))
		return 0;
	if ((tp->t_oobflags & TCPOOB_PENDING) && (u = tp->rcv_up - 1 - seq) < len) {
		tp->t_iobc = data[u];
		tp->t_oobflags = (tp->t_oobflags & ~TCPOOB_PENDING) | TCPOOB_HAVEDATA;
		if (sb_append_stream(k, &so->so_rcv, data, u) != 0 ||
		    sb_append_stream(k, &so->so_rcv, data + u + 1, len - u - 1) != 0)
			return 0; /* XXX out of memory: the bytes are acknowledged but lost */
		so_rwakeup(so);
		return 0;
	}
	if (sb_append_stream(k, &so->so_rcv, data, len) != 0)
		return ENOMEM;	/* nothing appended: the caller takes the bytes back */
	so_rwakeup(so);
	return 0;
}

/*
 * Receive buffer auto-sizing (net.inet.tcp.recvbuf_auto, as NetBSD's): in-order data of
 * a bulk stream is counted from the segment whose timestamp tcp_output noted
 * (t_rfbuf_ts) until the peer echoes a later one, about one RTT (under NetBSD's bound of
 * one second).  If that RTT brought more than 7/8 of the buffer, the peer is held back
 * by our window: the buffer grows by recvbuf_inc, up to recvbuf_max, at most one step a
 * round trip; then the count starts over.  A growth the kernel's memory refuses ends
 * auto-sizing of the buffer (NetBSD clears SB_AUTOSIZE when sbreserve fails).
 */
static void
tcp_autorcvbuf(struct tcpcb *tp, struct socket *so, uint32_t ecr, uint32_t tlen)
{
	struct tcp_state *ts = tp->t_ts;
	struct sockbuf *sb = &so->so_rcv;

	if (!ts->ts_autorcvbuf || !(sb->sb_flags & SB_AUTOSIZE) ||
	    (tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) != (TF_REQ_TSTMP | TF_RCVD_TSTMP))
		return;
	if (tp->t_rfbuf_on && (int32_t)(ecr - tp->t_rfbuf_ts) > 0 &&
	    ecr - tp->t_rfbuf_ts < 1000) {
		if (tp->t_rfbuf_cnt > sb->sb_hiwat / 8 * 7 &&
		    sb->sb_hiwat < (size_t)ts->ts_autorcvbuf_max) {
			size_t n = sb->sb_hiwat + (size_t)ts->ts_autorcvbuf_inc;
			if (n > (size_t)ts->ts_autorcvbuf_max)
				n = (size_t)ts->ts_autorcvbuf_max;
			if (sb_autogrow(ts->ts_kern, sb, n) != 0)
				sb->sb_flags &= ~SB_AUTOSIZE;
		}
		tp->t_rfbuf_on = 0;		/* start over with the next RTT */
		tp->t_rfbuf_cnt = 0;
	} else
		tp->t_rfbuf_cnt += tlen;
}

/*
 * An urgent pointer (RFC 9293 3.8.5) urp bytes after seq, the segment's first data byte
 * (already trimmed to the window's left edge).  As NetBSD: the pointer names the byte
 * after the urgent data, so the out-of-band byte is at rcv_up - 1; a pointer beyond the
 * one known marks the stream (so_oobmark counts the bytes before the byte) and readers
 * of POLLPRI wake.  Unless SO_OOBINLINE, the byte is pulled out of the stream when it
 * arrives (tcp_deliver) for recv(MSG_OOB).  Returns 0 when the pointer is ignored (it
 * lies past what a socket buffer could ever hold, NetBSD's sb_max check).
 */
static int
tcp_urgent(struct tcpcb *tp, struct socket *so, uint32_t seq, uint32_t urp)
{
	if ((size_t)urp + so->so_rcv.sb_cc > net_state(so->so_kern)->ns_sb_max)
		return 0;
	if (SEQ_GT(seq + urp, tp->rcv_up)) {
		tp->rcv_up = seq + urp;
		so->so_oobmark = so->so_rcv.sb_cc + (tp->rcv_up - tp->rcv_nxt) - 1;
		if (so->so_oobmark == 0)
			so->so_state |= SS_RCVATMARK;
		tp->t_oobflags &= ~(TCPOOB_HAVEDATA | TCPOOB_HADDATA | TCPOOB_PENDING);
		if (!(so->so_options & SO_OOBINLINE))
			tp->t_oobflags |= TCPOOB_PENDING;
		so_hasoutofband(so);	/* SIGURG to the owner (F_SETOWN), POLLPRI */
	}
	return 1;
}

/* Queues an out-of-order segment and delivers what became contiguous.  Returns 1 if
 * a FIN was reached in order. */
static int
tcp_reass(struct tcpcb *tp, uint32_t seq, const uint8_t *data, uint32_t len, int fin)
{
	struct tcp_state *ts = tp->t_ts;
	struct tcpqent **pp, *q, *n;
	int gotfin = 0;

	if (len > 0 || fin) {
		/* trim against the segment before and the ones after */
		for (pp = &tp->t_segq; *pp != NULL && SEQ_LEQ((*pp)->tq_seq, seq);
		    pp = &(*pp)->tq_next) {
			q = *pp;
			if (SEQ_GEQ(q->tq_seq + q->tq_len, seq + len) && !(fin && !q->tq_fin)) {
				ts->ts_stat.tcps_rcvduppack++;
				goto deliver;		/* nothing new */
			}
			if (SEQ_GT(q->tq_seq + q->tq_len, seq)) {
				uint32_t d = q->tq_seq + q->tq_len - seq;
				if (d > len)
					d = len;
				data += d, seq += d, len -= d;
			}
		}
		while ((q = *pp) != NULL && SEQ_LEQ(q->tq_seq, seq + len)) {
			if (SEQ_GT(q->tq_seq + q->tq_len, seq + len) ||
			    (q->tq_fin && q->tq_seq + q->tq_len == seq + len && !fin)) {
				/* q reaches past us: keep our part before q only */
				len = q->tq_seq - seq;
				fin = 0;
				break;
			}
			*pp = q->tq_next;
			tp->t_segqlen--;
			tp->t_segqbytes -= q->tq_len;
			kmem_free(ts->ts_kern, q, sizeof(*q) + q->tq_len);
		}
		if (tp->t_segqlen >= TCP_REASS_MAX)
			goto deliver;
		if ((len > 0 || fin) && (n = kmem_alloc(ts->ts_kern, sizeof(*n) + len)) != NULL) {
			tp->t_rcv_lastsack = seq;
			n->tq_seq = seq;
			n->tq_len = len;
			n->tq_fin = fin;
			memcpy(n->tq_data, data, len);
			n->tq_next = *pp;
			*pp = n;
			tp->t_segqlen++;
			tp->t_segqbytes += len;
			ts->ts_stat.tcps_rcvoopack++;
			tp->t_rcvoopack++;
			ts->ts_stat.tcps_rcvoobyte += len;
		}
	}
deliver:
	while ((q = tp->t_segq) != NULL && SEQ_LEQ(q->tq_seq, tp->rcv_nxt) &&
	    TCPS_HAVEESTABLISHED(tp->t_state)) {
		uint32_t skip = tp->rcv_nxt - q->tq_seq;

		tp->t_segq = q->tq_next;
		tp->t_segqlen--;
		tp->t_segqbytes -= q->tq_len;
		if (skip <= q->tq_len) {
			(void)tcp_deliver(tp, q->tq_seq + skip, q->tq_data + skip, q->tq_len - skip);
			tp->rcv_nxt += q->tq_len - skip;
			if (q->tq_fin)
				gotfin = 1;
		}
		kmem_free(ts->ts_kern, q, sizeof(*q) + q->tq_len);
		if (gotfin)
			break;
	}
	return gotfin;
}

static void
tcp_challenge_ack(struct tcpcb *tp)
{
	struct inpcb *inp = tp->t_inpcb;
	struct tcp_state *ts = tp->t_ts;

	/* RFC 5961 (7): at most net.inet.tcp.ackdropppslimit a second */
	if (!tcp_ratecheck(&ts->ts_ack_sec, &ts->ts_ack_count, ts->ts_ackdropppslimit)) {
		ts->ts_stat.tcps_acklimited++;
		return;
	}
	tp->t_ts->ts_stat.tcps_challengeack++;
	tcp_respond(tp->t_ts, tp, &inp->inp_laddr46, inp->inp_lport, &inp->inp_faddr46,
	    inp->inp_fport, tp->snd_nxt, tp->rcv_nxt, TH_ACK);
}

void
tcp_input(struct inet_state *is, struct pkt *p, int hlen)
{
	struct tcp_state *ts = is->is_tcp;
	uint8_t *ip = pkt_data(p), *th;
	uint32_t src, dst, ps;
	struct in46_addr src46, dst46;
	size_t total;

	if (ts == NULL) {
		pkt_free(p);
		return;
	}
	ts->ts_stat.tcps_rcvtotal++;
	total = p->p_len - (size_t)hlen;
	if (p->p_len < (size_t)hlen || total < TCP_HLEN) {
		ts->ts_stat.tcps_rcvshort++;
		pkt_free(p);
		return;
	}
	th = ip + hlen;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	ps = in_cksum_add(&src, 4, 0);
	ps = in_cksum_add(&dst, 4, ps);
	ps += IPPROTO_TCP + (uint32_t)total;
	if (in_cksum(th, total, ps) != 0) {
		ts->ts_stat.tcps_rcvbadsum++;
		pkt_free(p);
		return;
	}
	in46_set4(&src46, src);
	in46_set4(&dst46, dst);
	tcp_input_seg(is, p, hlen, &src46, &dst46);
}

/* A segment (TCP header at offset hlen of p, checksum verified) from src to dst, either
 * family (IPv4 mapped; IPv6 from net.netinet6's tcp6_input). */
static void tcp_input_seg1(struct inet_state *, struct pkt *, int, const struct in46_addr *,
    const struct in46_addr *, uint64_t);

void
tcp_input_seg(struct inet_state *is, struct pkt *p, int hlen, const struct in46_addr *src,
    const struct in46_addr *dst)
{
	struct tcp_state *ts = is->is_tcp;
	uint64_t outer = ts->ts_clock, now = hyp_clock_mono();

	/* one clock read per segment: the output and timers it causes use it (ts_clock).
	 * A segment input inside another's processing (loopback) leaves its newer value to
	 * the outer one, so the clock seen never goes back. */
	ts->ts_clock = now;
	tcp_input_seg1(is, p, hlen, src, dst, now);
	if (outer == 0)
		ts->ts_clock = 0;
}

static void
tcp_input_seg1(struct inet_state *is, struct pkt *p, int hlen, const struct in46_addr *src,
    const struct in46_addr *dst, uint64_t now)
{
	struct tcp_state *ts = is->is_tcp;
	uint8_t *th = pkt_data(p) + hlen, *data;
	uint32_t seq, ack, tiwin, rawwin, rcv_wnd, urp;
	uint16_t sport, dport;
	size_t total = p->p_len - (size_t)hlen;
	int off, tlen, flags, needoutput = 0, ourfinisacked = 0, todrop, sackpartial = 0;
	struct inpcb *inp;
	struct tcpcb *tp = NULL;
	struct socket *so;
	struct tcp_opts o;

	off = (th[12] >> 4) * 4;
	if (off < TCP_HLEN || (size_t)off > total) {
		ts->ts_stat.tcps_rcvbadoff++;
		goto drop;
	}
	tlen = (int)(total - (size_t)off);
	data = th + off;
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 | (uint32_t)th[10] << 8 | th[11];
	flags = th[13];
	tiwin = rawwin = (uint32_t)(th[14] << 8 | th[15]);
	urp = (uint32_t)(th[18] << 8 | th[19]);
	/* no TCP with broadcasts or multicast, nor from port 0 */
	if ((p->p_flags & PKT_BCAST) || in46_ismcast(dst) || sport == 0 || dport == 0)
		goto drop;
	tcp_dooptions(th + TCP_HLEN, off - TCP_HLEN, flags & TH_SYN, &o);

	inp = in_pcblookup_conn(&ts->ts_tbl, src, sport, dst, dport);
	/* a new SYN for a connection in TIME_WAIT, above what it received (or with a newer
	 * timestamp): the old incarnation goes, a listener takes it (RFC 6191, BSD) */
	if (inp != NULL && (tp = inp->inp_ppcb) != NULL && tp->t_state == TCPS_TIME_WAIT &&
	    (flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	    (SEQ_GT(seq, tp->rcv_nxt) || (o.ts && (tp->t_flags & TF_RCVD_TSTMP) &&
	    (int32_t)(o.ts_val - tp->ts_recent) > 0))) {
		tp = tcp_close(tp);
		inp = NULL;
	}
	if (inp == NULL)
		inp = in_pcblookup_listen(&ts->ts_tbl, dst, dport);
	if (inp == NULL || (tp = inp->inp_ppcb) == NULL) {
		ts->ts_stat.tcps_noport++;
		tp = NULL;
		goto dropwithreset;
	}
	if (tp->t_state == TCPS_CLOSED)
		goto drop;
	so = tp->t_socket;
	if (!(flags & TH_SYN))
		tiwin <<= tp->snd_scale;

	if (tp->t_state == TCPS_LISTEN) {
		/* half-open connections live in the SYN cache (tcp_syncache.c) */
		if (flags & TH_RST) {
			syn_cache_reset(ts, src, sport, dst, dport, seq);
			goto drop;
		}
		if (flags & TH_ACK) {
			int reset;

			if ((flags & TH_SYN) ||
			    (tp = syn_cache_get(tp, src, sport, dst, dport, seq, ack, &reset)) ==
			    NULL) {
				/* a SYN|ACK, or an ACK for no entry (NetBSD's badsyn) */
				if ((flags & TH_SYN) || reset)
					ts->ts_stat.tcps_badsyn++;
				tp = NULL;
				if ((flags & TH_SYN) || reset)
					goto dropwithreset;
				goto drop;
			}
			so = tp->t_socket;	/* SYN_RECEIVED: the ACK goes on below */
		} else {
			struct socket *head = tp->t_socket;
			struct syn_opts so_;

			if (!(flags & TH_SYN) || (in46_eq(src, dst) && sport == dport))
				goto drop;
			/* NetBSD: a SYN while more than the backlog wait for accept() */
			if (head == NULL || head->so_qlen > head->so_qlimit) {
				ts->ts_stat.tcps_listendrop++;
				goto drop;
			}
			so_.mss = o.mss, so_.wscale = o.wscale, so_.ts = o.ts;
			so_.ts_val = o.ts_val, so_.sack_ok = o.sack_ok;
			syn_cache_add(tp, src, sport, dst, dport, seq, rawwin, &so_);
			goto drop;
		}
	}
	tp->t_rcvtime = now;
	tp->t_keepsent = 0;
	ts->ts_stat.tcps_rcvpack++;
	rcv_wnd = so != NULL ? (uint32_t)sb_space(&so->so_rcv) : tp->t_rcvspace;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) && rcv_wnd < tp->rcv_adv - tp->rcv_nxt)
		rcv_wnd = tp->rcv_adv - tp->rcv_nxt;
	tp->rcv_wnd = rcv_wnd;		/* NetBSD keeps it (TCP_INFO's tcpi_rcv_space) */

	if (tp->t_state == TCPS_SYN_SENT) {
		if ((flags & TH_ACK) && (SEQ_LEQ(ack, tp->iss) || SEQ_GT(ack, tp->snd_max))) {
			if (flags & TH_RST)
				goto drop;
			goto dropwithreset;
		}
		if (flags & TH_RST) {
			if (flags & TH_ACK)
				tp = tcp_drop(tp, ECONNREFUSED);
			goto drop;
		}
		if (!(flags & TH_SYN))
			goto drop;
		if (flags & TH_ACK) {
			tp->snd_una = ack;
			if (SEQ_LT(tp->snd_nxt, tp->snd_una))
				tp->snd_nxt = tp->snd_una;
			tcp_timer_cancel(tp, TCPT_REXMT);
		}
		tp->irs = seq;
		tp->rcv_nxt = tp->rcv_adv = seq + 1;
		tp->t_flags |= TF_ACKNOW;
		tcp_syn_options(tp, &o);
		if ((flags & TH_ACK) && SEQ_GT(tp->snd_una, tp->iss)) {
			ts->ts_stat.tcps_connects++;
			if (tp->t_rtttime != 0)
				tcp_xmit_timer(tp, now - tp->t_rtttime);
			tcp_established(tp);
			if (so != NULL)
				so_isconnected(so);
		} else {
			/* simultaneous open: SYN|ACK from our first sequence number */
			tp->t_state = TCPS_SYN_RECEIVED;
			tp->snd_nxt = tp->iss;
			tcp_timer_cancel(tp, TCPT_REXMT);
		}
		/* data with the SYN: what fits the window, after the SYN's number */
		seq++;
		if (urp > 1)
			urp--;
		else
			flags &= ~TH_URG;
		if (tlen > (int)rcv_wnd) {
			tlen = (int)rcv_wnd;
			flags &= ~TH_FIN;
		}
		tp->snd_wl1 = seq - 1;
		tp->rcv_up = seq;
		goto step6;
	}

	/* PAWS (RFC 7323 5.3) */
	if (o.ts && (tp->t_flags & TF_RCVD_TSTMP) && !(flags & TH_RST) && tp->ts_recent != 0 &&
	    (int32_t)(o.ts_val - tp->ts_recent) < 0) {
		if (now - tp->ts_recent_age > 24ULL * 24 * 3600 * 1000000000ULL)
			tp->ts_recent = 0;	/* idle 24 days: the old value means nothing */
		else {
			ts->ts_stat.tcps_pawsdrop++;
			ts->ts_stat.tcps_rcvduppack++;
			goto dropafterack;
		}
	}

	/* RST (RFC 5961 3.2): exactly rcv_nxt resets, elsewhere in the window challenges */
	if (flags & TH_RST) {
		if (seq == tp->rcv_nxt) {
			switch (tp->t_state) {
			case TCPS_SYN_RECEIVED:
				if (tp->t_flags & TF_PASSIVE)
					tp = tcp_close(tp);	/* the embryo goes; listener stays */
				else {
					tp->t_state = TCPS_CLOSED;	/* no RST for a RST */
					tp = tcp_drop(tp, ECONNREFUSED);
				}
				break;
			case TCPS_ESTABLISHED:
			case TCPS_FIN_WAIT_1:
			case TCPS_FIN_WAIT_2:
			case TCPS_CLOSE_WAIT:
				if (so != NULL)
					so->so_error = ECONNRESET;
				tp->t_state = TCPS_CLOSED;
				ts->ts_stat.tcps_drops++;
				tp = tcp_close(tp);
				break;
			default:
				tp = tcp_close(tp);
			}
		} else if (SEQ_GT(seq, tp->rcv_nxt) && SEQ_LT(seq, tp->rcv_nxt + (rcv_wnd ?
		    rcv_wnd : 1)))
			tcp_challenge_ack(tp);
		goto drop;
	}

	/* SYN in a synchronized state (RFC 5961 4.2): a challenge ACK; our SYN|ACK again
	 * for a retransmitted SYN while we wait for the handshake's ACK */
	if (flags & TH_SYN) {
		if (tp->t_state == TCPS_SYN_RECEIVED && seq == tp->irs) {
			tp->snd_nxt = tp->snd_una;
			(void)tcp_output(tp);
		} else
			tcp_challenge_ack(tp);
		goto drop;
	}

	/* trim what was received before */
	todrop = (int32_t)(tp->rcv_nxt - seq);
	if (todrop > 0) {
		if (todrop > tlen || (todrop == tlen && !(flags & TH_FIN))) {
			/* a duplicate: ACK it (also how a keepalive probe gets its answer);
			 * in TIME_WAIT a retransmitted FIN restarts 2 MSL (RFC 9293) */
			if ((flags & TH_FIN) && tp->t_state == TCPS_TIME_WAIT)
				tcp_timer_set(tp, TCPT_2MSL, 2 * tcp_sec(ts->ts_msl));
			flags &= ~TH_FIN;
			tp->t_flags |= TF_ACKNOW;
			todrop = tlen;
			ts->ts_stat.tcps_rcvduppack++;
			ts->ts_stat.tcps_rcvdupbyte += (uint64_t)tlen;
		}
		data += todrop;
		seq += (uint32_t)todrop;
		tlen -= todrop;
		if (urp > (uint32_t)todrop)
			urp -= (uint32_t)todrop;
		else
			flags &= ~TH_URG;
	}
	/* data for a connection whose socket is gone: reset it (RFC 9293 3.10.7.4) */
	if (so == NULL && tp->t_state > TCPS_CLOSE_WAIT && tlen > 0) {
		ts->ts_stat.tcps_rcvafterclose++;
		tp->t_state = TCPS_CLOSED;
		tp = tcp_close(tp);
		goto dropwithreset;
	}
	/* trim what lies beyond the window */
	todrop = (int32_t)((seq + (uint32_t)tlen) - (tp->rcv_nxt + rcv_wnd));
	if (todrop > 0) {
		ts->ts_stat.tcps_rcvpackafterwin++;
		if (todrop >= tlen) {
			if (rcv_wnd == 0 && seq == tp->rcv_nxt) {
				/* a zero-window probe: ACK with the window we have */
				tp->t_flags |= TF_ACKNOW;
				ts->ts_stat.tcps_rcvwinprobe++;
			} else
				goto dropafterack;
			todrop = tlen;
		}
		tlen -= todrop;
		flags &= ~(TH_PUSH | TH_FIN);
	}
	/* the timestamp to echo (RFC 7323 4.3) */
	if (o.ts && (tp->t_flags & TF_RCVD_TSTMP) && SEQ_LEQ(seq, tp->last_ack_sent) &&
	    SEQ_LEQ(tp->last_ack_sent, seq + (uint32_t)tlen + ((flags & TH_FIN) ? 1 : 0))) {
		tp->ts_recent = o.ts_val;
		tp->ts_recent_age = now;
	}

	if (!(flags & TH_ACK)) {
		if (tp->t_flags & TF_ACKNOW)
			goto dropafterack;
		goto drop;
	}

	/* ACK */
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (SEQ_LEQ(ack, tp->snd_una) || SEQ_GT(ack, tp->snd_max))
			goto dropwithreset;	/* it must acknowledge our SYN */
		ts->ts_stat.tcps_connects++;
		tcp_established(tp);
		tiwin = rawwin << tp->snd_scale;	/* scaling holds from here on */
		tp->snd_wl1 = seq - 1;
		if (so != NULL)
			so_isconnected(so);
	}
	if (SEQ_GT(ack, tp->snd_max)) {
		ts->ts_stat.tcps_rcvacktoomuch++;
		goto dropafterack_ratelim;
	}
	if (SEQ_LT(ack, tp->snd_una - tp->max_sndwnd)) {
		tcp_challenge_ack(tp);	/* RFC 5961 5.2: too old to be real */
		goto drop;
	}
	if (o.sack != NULL && (tp->t_flags & TF_SACK_PERMIT)) {
		tcp_sack_dsack(tp, o.sack, o.sacklen, ack);
		tcp_sack_update(tp, o.sack, o.sacklen);
	}
	if (SEQ_LEQ(ack, tp->snd_una)) {
		/* A duplicate ACK (RFC 5681 2) has the same window; one that carries SACK
		 * blocks counts whatever its window (RFC 6675 2): Linux's receiver grows its
		 * window (buffer auto-tuning) in the very ACKs that report a loss. */
		int sackdup = o.sack != NULL && (tp->t_flags & TF_SACK_PERMIT);

		if (tlen == 0 && (tiwin == tp->snd_wnd || sackdup) && ack == tp->snd_una &&
		    !(flags & TH_FIN) && tp->t_timer[TCPT_REXMT] != 0) {
			ts->ts_stat.tcps_rcvdupack++;
			tp->t_dupacks++;
			if (tp->t_flags & TF_SACK_PERMIT) {
				tcp_sack_dupack(tp, ack);	/* RFC 6675 (tcp_sack.c) */
				goto step6;
			}
			if (tp->t_dupacks >= tcp_dupthresh(tp) && !(tp->t_flags & TF_RECOVERY) &&
			    (!ts->ts_newreno || SEQ_GT(ack, tp->snd_recover) ||
			     ack == tp->snd_recover)) {
				/* fast retransmit (RFC 5681 3.2, RFC 6582 3.2) */
				uint32_t onxt = tp->snd_nxt, w = tp->snd_max - tp->snd_una;

				if (w > tp->snd_wnd)
					w = tp->snd_wnd;
				w /= 2;
				if (w < 2 * tcp_segsz(tp))
					w = 2 * tcp_segsz(tp);
				tp->snd_ssthresh = w;
				tp->snd_recover = tp->snd_max;
				tcp_timer_cancel(tp, TCPT_REXMT);
				tp->t_rtttime = 0;
				tp->snd_nxt = ack;
				tp->snd_cwnd = tcp_segsz(tp);
				ts->ts_stat.tcps_fastrexmit++;
				(void)tcp_output(tp);
				tp->snd_cwnd = tp->snd_ssthresh + (uint32_t)tp->t_dupacks * tcp_segsz(tp);
				if (SEQ_GT(onxt, tp->snd_nxt))
					tp->snd_nxt = onxt;
				tp->t_flags |= TF_RECOVERY;
				goto drop;
			} else if (tp->t_flags & TF_RECOVERY) {
				/* one segment per duplicate ACK: new data in the inflated window */
				tp->snd_cwnd += tcp_segsz(tp);
				(void)tcp_output(tp);
				goto drop;
			} else
				tcp_limited_transmit(tp);	/* RFC 3042 */
		} else if (tlen > 0 || tiwin != tp->snd_wnd)
			tp->t_dupacks = 0;
		goto step6;
	}

	/* new data acknowledged */
	if (tp->t_flags & TF_RECOVERY) {
		if (SEQ_LT(ack, tp->snd_recover)) {
			/* partial ACK (RFC 6582 3.2 step 5): resend the next hole now */
			uint32_t onxt = tp->snd_nxt, ocwnd = tp->snd_cwnd, acked = ack - tp->snd_una;

			ts->ts_stat.tcps_partialack++;
			if (tp->t_flags & TF_SACK_PERMIT)
				sackpartial = 1;	/* RFC 6675: once snd_una moved */
			else {
				tcp_timer_cancel(tp, TCPT_REXMT);
				tp->t_rtttime = 0;
				tp->snd_nxt = ack;
				tp->snd_cwnd = tcp_segsz(tp) + acked;
				(void)tcp_output(tp);
				tp->snd_cwnd = ocwnd > acked ? ocwnd - acked : 0;
				tp->snd_cwnd += tcp_segsz(tp);
				if (SEQ_GT(onxt, tp->snd_nxt))
					tp->snd_nxt = onxt;
			}
		} else {
			/* full ACK: deflate (RFC 6582 3.2 step 6) */
			uint32_t flight = tp->snd_max - ack;

			tp->snd_cwnd = flight + tcp_segsz(tp) < tp->snd_ssthresh ?
			    flight + tcp_segsz(tp) : tp->snd_ssthresh;
			tp->t_flags &= ~TF_RECOVERY;
			tp->t_dupacks = 0;
			if (tp->t_flags & TF_SACK_PERMIT)
				tcp_sack_recovered(tp);	/* a spurious one undone */
		}
	} else
		tp->t_dupacks = 0;
	{
		uint32_t acked = ack - tp->snd_una;
		struct sockbuf *sb = tp->t_snd;

		ts->ts_stat.tcps_rcvackpack++;
		ts->ts_stat.tcps_rcvackbyte += acked;
		/* RTT: from the echoed timestamp, else from the timed segment (Karn) */
		uint32_t nowms = (uint32_t)(now / 1000000u);

		if (o.ts && (tp->t_flags & TF_RCVD_TSTMP) && o.ts_ecr != 0 &&
		    (int32_t)(nowms + tp->ts_offset - o.ts_ecr) >= 0)
			tcp_xmit_timer(tp, (uint64_t)(nowms + tp->ts_offset - o.ts_ecr) * 1000000u);
		else if (tp->t_rtttime != 0 && SEQ_GT(ack, tp->t_rtseq))
			tcp_xmit_timer(tp, now - tp->t_rtttime);
		if (ack == tp->snd_max) {
			tcp_timer_cancel(tp, TCPT_REXMT);
			needoutput = 1;
		} else if (tp->t_timer[TCPT_PERSIST] == 0)
			tcp_timer_arm(tp, TCPT_REXMT, now + tp->t_rxtcur);
		if (!(tp->t_flags & TF_RECOVERY)) {
			/* slow start below ssthresh, congestion avoidance above (RFC 5681 3.1) */
			uint32_t incr = tcp_segsz(tp);

			if (tp->snd_cwnd > tp->snd_ssthresh)
				incr = incr * incr / tp->snd_cwnd;
			else if (acked < incr)
				incr = acked;
			if (incr == 0)
				incr = 1;
			if (tp->snd_cwnd + incr <= (uint32_t)TCP_MAXWIN << TCP_MAX_WINSHIFT)
				tp->snd_cwnd += incr;
		}
		if (acked > sb->sb_cc) {
			tp->snd_wnd -= tp->snd_wnd > sb->sb_cc ? (uint32_t)sb->sb_cc : tp->snd_wnd;
			sb_drop(ts->ts_kern, sb, sb->sb_cc);
			ourfinisacked = 1;
		} else {
			sb_drop(ts->ts_kern, sb, acked);
			tp->snd_wnd -= tp->snd_wnd > acked ? acked : tp->snd_wnd;
		}
		if (so != NULL) {
			/* a writer blocked on a full buffer wakes once a quarter of it is
			 * free or nothing is left in flight (no later ACK would wake it), not
			 * at every ACK: it then writes in large pieces and sleeps less often
			 * (Linux wakes at a third); poll and kqueue hear of every change */
			if (sb_space(sb) >= sb->sb_hiwat / 4 || ack == tp->snd_max ||
			    sb->sb_cc == 0)
				so_wwakeup(so);
			else
				kern_pollnotify(so->so_kern);
		}
		tp->snd_una = ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		tcp_sack_prune(tp);
		if (sackpartial)
			tcp_sack_partialack(tp);
		tcp_tlp_schedule(tp, now);	/* RFC 8985 7 (tcp_sack.c) */
		if (!(tp->t_flags & TF_RECOVERY) && SEQ_LT(tp->snd_recover, tp->snd_una))
			tp->snd_recover = tp->snd_una - 1;	/* keep it behind (no wrap) */
	}
	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
		if (ourfinisacked) {
			if (so == NULL || (so->so_state & SS_CANTRCVMORE)) {
				if (so != NULL)
					so_isdisconnected(so);
				tcp_timer_set(tp, TCPT_2MSL, (uint64_t)tp->t_keepcnt *
				    tp->t_keepintvl);
			}
			tp->t_state = TCPS_FIN_WAIT_2;
		}
		break;
	case TCPS_CLOSING:
		if (ourfinisacked) {
			tp->t_state = TCPS_TIME_WAIT;
			tcp_canceltimers(tp);
			tcp_timer_set(tp, TCPT_2MSL, 2 * tcp_sec(ts->ts_msl));
			if (so != NULL)
				so_isdisconnected(so);
		}
		break;
	case TCPS_LAST_ACK:
		if (ourfinisacked) {
			tp = tcp_close(tp);
			goto drop;
		}
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_set(tp, TCPT_2MSL, 2 * tcp_sec(ts->ts_msl));
		goto dropafterack;
	}

step6:
	/* the send window (RFC 9293 3.10.7.4: newer segment, or same with newer ACK) */
	if ((flags & TH_ACK) && (SEQ_LT(tp->snd_wl1, seq) || (tp->snd_wl1 == seq &&
	    (SEQ_LT(tp->snd_wl2, ack) || (tp->snd_wl2 == ack && tiwin > tp->snd_wnd))))) {
		if (tlen == 0 && tp->snd_wl2 == ack && tiwin > tp->snd_wnd)
			ts->ts_stat.tcps_rcvwinupd++;
		tp->snd_wnd = tiwin;
		tp->snd_wl1 = seq;
		tp->snd_wl2 = ack;
		if (tp->snd_wnd > tp->max_sndwnd)
			tp->max_sndwnd = tp->snd_wnd;
		needoutput = 1;
	}
	/* urgent data (not after a FIN: then the pointer is ignored) */
	if ((flags & TH_URG) && urp != 0 && !TCPS_HAVERCVDFIN(tp->t_state) && so != NULL) {
		if (!tcp_urgent(tp, so, seq, urp))
			flags &= ~TH_URG;
	} else if (SEQ_GT(tp->rcv_nxt, tp->rcv_up))
		tp->rcv_up = tp->rcv_nxt;	/* none expected: drag it along */

	if ((tlen > 0 || (flags & TH_FIN)) && !TCPS_HAVERCVDFIN(tp->t_state)) {
		int fin;

		if (seq == tp->rcv_nxt && tp->t_segq == NULL &&
		    tp->t_state == TCPS_ESTABLISHED) {
			/* in order: ACK every second segment, else delay (RFC 9293 3.8.6.3); a
			 * segment larger than a full-sized one (segmentation offload) counts
			 * as two (RFC 5681 4.2: an ACK at least every second full-sized one) */
			if ((tp->t_flags & TF_DELACK) || ((flags & TH_PUSH) && ts->ts_ack_on_push) ||
			    ts->ts_delack_ticks == 0 || (uint32_t)tlen > tp->t_maxseg)
				tp->t_flags |= TF_ACKNOW;
			else if (tlen > 0) {
				tp->t_flags |= TF_DELACK;
				tcp_timer_arm(tp, TCPT_DELACK, now + (uint64_t)ts->ts_delack_ticks *
				    (1000000000u / TCP_HZ));
			}
			tp->rcv_nxt += (uint32_t)tlen;
			ts->ts_stat.tcps_rcvbyte += (uint64_t)tlen;
			if (o.ts && o.ts_ecr != 0 && so != NULL)
				tcp_autorcvbuf(tp, so, o.ts_ecr, (uint32_t)tlen);
			fin = (flags & TH_FIN) != 0;
			if (tcp_deliver(tp, seq, data, (uint32_t)tlen) != 0) {
				/* the kernel has no memory for the bytes (its bound of
				 * buffer memory): not received after all, the peer's
				 * retransmission brings them again (no ACK for them: on a
				 * loopback an answer would be answered at once, again
				 * and again, while nothing frees memory) */
				tp->rcv_nxt -= (uint32_t)tlen;
				ts->ts_stat.tcps_rcvbyte -= (uint64_t)tlen;
				fin = 0;
			}
		} else {
			/* out of order or early: queue it and ACK at once (RFC 5681 4.2) */
			if (TCPS_HAVEESTABLISHED(tp->t_state) && seq == tp->rcv_nxt)
				ts->ts_stat.tcps_rcvbyte += (uint64_t)tlen;
			fin = tcp_reass(tp, seq, data, (uint32_t)tlen, (flags & TH_FIN) != 0);
			tp->t_flags |= TF_ACKNOW;
		}
		if (fin)
			flags |= TH_FIN;
		else
			flags &= ~TH_FIN;
	} else
		flags &= ~TH_FIN;

	if (flags & TH_FIN) {
		if (!TCPS_HAVERCVDFIN(tp->t_state)) {
			if (so != NULL)
				so_cantrcvmore(so);
			tp->t_flags |= TF_ACKNOW;
			tp->rcv_nxt++;
		}
		switch (tp->t_state) {
		case TCPS_SYN_RECEIVED:
		case TCPS_ESTABLISHED:
			tp->t_state = TCPS_CLOSE_WAIT;
			break;
		case TCPS_FIN_WAIT_1:
			tp->t_state = TCPS_CLOSING;
			break;
		case TCPS_FIN_WAIT_2:
			tp->t_state = TCPS_TIME_WAIT;
			tcp_canceltimers(tp);
			tcp_timer_set(tp, TCPT_2MSL, 2 * tcp_sec(ts->ts_msl));
			if (so != NULL)
				so_isdisconnected(so);
			break;
		case TCPS_TIME_WAIT:
			tcp_timer_set(tp, TCPT_2MSL, 2 * tcp_sec(ts->ts_msl));
			break;
		}
	}
	if (needoutput || (tp->t_flags & TF_ACKNOW))
		(void)tcp_output(tp);
	pkt_free(p);
	return;

dropafterack_ratelim:
	/* an ACK for what we never sent: answered at most net.inet.tcp.ackdropppslimit a
	 * second (NetBSD), or two ends out of step ACK each other forever */
	if (!tcp_ratecheck(&ts->ts_ack_sec, &ts->ts_ack_count, ts->ts_ackdropppslimit)) {
		ts->ts_stat.tcps_acklimited++;
		goto drop;
	}
dropafterack:
	if (flags & TH_RST)
		goto drop;
	tp->t_flags |= TF_ACKNOW;
	(void)tcp_output(tp);
	goto drop;

dropwithreset:
	if (flags & TH_RST)
		goto drop;
	if (!tcp_ratecheck(&ts->ts_rst_sec, &ts->ts_rst_count, ts->ts_rstppslimit)) {
		ts->ts_stat.tcps_rstlimited++;	/* net.inet.tcp.rstppslimit */
		goto drop;
	}
	if (flags & TH_ACK)
		tcp_respond(ts, NULL, dst, dport, src, sport, ack, 0, TH_RST);
	else
		tcp_respond(ts, NULL, dst, dport, src, sport, 0,
		    seq + (uint32_t)tlen + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0),
		    TH_RST | TH_ACK);
drop:
	(void)tp;
	pkt_free(p);
}
