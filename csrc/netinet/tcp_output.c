/*
 * tcp_output.c: deciding what to send and building segments: the send window (the
 * smaller of the peer's window and the congestion window), Nagle's algorithm
 * (TCP_NODELAY turns it off), sender and receiver silly-window avoidance (RFC 9293
 * 3.8.6.2), window updates, zero-window probes, retransmissions from snd_una, the SYN
 * options (MSS, window scale, timestamps) and the timestamp on every later segment, the
 * urgent pointer (MSG_OOB) while urgent data is unsent.
 *
 * The send buffer holds every byte not yet acknowledged: offset 0 is snd_una (once the
 * SYN is acknowledged).  Segments are built in a fresh packet with room for the IP and
 * link headers in front and handed to ip_output; a packet for another kernel is
 * delivered inline or queued, never re-entering this kernel, so tcp_output may loop.
 */
#include "netinet/tcp_var.h"

static const int tcp_outflags[TCP_NSTATES] = {
	[TCPS_CLOSED] = TH_RST | TH_ACK,
	[TCPS_LISTEN] = 0,
	[TCPS_SYN_SENT] = TH_SYN,
	[TCPS_SYN_RECEIVED] = TH_SYN | TH_ACK,
	[TCPS_ESTABLISHED] = TH_ACK,
	[TCPS_CLOSE_WAIT] = TH_ACK,
	[TCPS_FIN_WAIT_1] = TH_FIN | TH_ACK,
	[TCPS_CLOSING] = TH_FIN | TH_ACK,
	[TCPS_LAST_ACK] = TH_FIN | TH_ACK,
	[TCPS_FIN_WAIT_2] = TH_ACK,
	[TCPS_TIME_WAIT] = TH_ACK,
};

static uint32_t
tcp_rcvspace(struct tcpcb *tp)
{
	if (tp->t_socket != NULL)
		return (uint32_t)sb_space(&tp->t_socket->so_rcv);
	return tp->t_rcvspace;
}

static size_t
tcp_rcvhiwat(struct tcpcb *tp)
{
	return tp->t_socket != NULL ? tp->t_socket->so_rcv.sb_hiwat : tp->t_rcvspace;
}

/* Timestamps on this connection (both ends agreed)? */
static int
tcp_ts_on(const struct tcpcb *tp)
{
	return (tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP);
}

int
tcp_output_rst(struct tcpcb *tp)
{
	struct inpcb *inp = tp->t_inpcb;

	tcp_respond(tp->t_ts, NULL, &inp->inp_laddr46, inp->inp_lport, &inp->inp_faddr46,
	    inp->inp_fport, tp->snd_nxt, tp->rcv_nxt, TH_RST | TH_ACK);
	return 0;
}

/*
 * TCP segmentation offload: new data goes down as one datagram of many segments when
 * the route's interface has IFCAP_TSOv4 (IFCAP_TSOv6 for IPv6, net.netinet6 says:
 * ns_tcp6_tso) on (if.h; the interface or its bus cuts it where it must).  Never for
 * retransmissions, probes or urgent data, nor with IPv6 sticky options.
 */
#define TCP_TSO_MAX	(65535 - 20 - TCP_HLEN - TCP_MAXOLEN)
static int
tcp_tso_ok(struct tcpcb *tp)
{
	struct inpcb *inp = tp->t_inpcb;
	struct ifnet_state *ns = tp->t_ts->ts_is->is_ns;
	struct rtentry *rt;
	uint32_t faddr;

	if (SEQ_LT(tp->snd_nxt, tp->snd_max) || SEQ_GT(tp->snd_up, tp->snd_nxt) ||
	    (tp->t_flags & TF_FORCE))
		return 0;
	if (!in46_is4(&inp->inp_faddr46))
		return ns->ns_tcp6_tso != NULL &&
		    ns->ns_tcp6_tso(tp->t_ts->ts_kern, &inp->inp_faddr46, inp->inp_in6opts);
	faddr = in46_v4(&inp->inp_faddr46);
	if (in_ifaddr_of(ns, faddr) != NULL || (rt = rt_lookup(ns, faddr)) == NULL ||
	    rt->rt_ifp == NULL)
		return 0;
	return (rt->rt_ifp->if_capenable & IFCAP_TSOv4) != 0;
}

/*
 * Send buffer auto-sizing (net.inet.tcp.sendbuf_auto, as NetBSD's): when the buffer is
 * nearly full (7/8), the peer's window would take about all of it (5/4 of the window
 * reaches it) and the window in force allows everything not yet sent, the application
 * is what holds the connection back: the buffer grows by sendbuf_inc, up to
 * sendbuf_max.  A growth the kernel's memory refuses ends auto-sizing of the buffer.
 */
static void
tcp_autosndbuf(struct tcpcb *tp, struct sockbuf *sb)
{
	struct tcp_state *ts = tp->t_ts;
	uint32_t win = tp->snd_wnd < tp->snd_cwnd ? tp->snd_wnd : tp->snd_cwnd;
	uint32_t unsent = (uint32_t)sb->sb_cc - (tp->snd_nxt - tp->snd_una);
	size_t n;

	if (!ts->ts_autosndbuf || !TCPS_HAVEESTABLISHED(tp->t_state) ||
	    (size_t)tp->snd_wnd / 4 * 5 < sb->sb_hiwat || sb->sb_cc < sb->sb_hiwat / 8 * 7 ||
	    sb->sb_cc >= (size_t)ts->ts_autosndbuf_max ||
	    sb->sb_hiwat >= (size_t)ts->ts_autosndbuf_max || win < unsent)
		return;
	n = sb->sb_hiwat + (size_t)ts->ts_autosndbuf_inc;
	if (n > (size_t)ts->ts_autosndbuf_max)
		n = (size_t)ts->ts_autosndbuf_max;
	if (sb_autogrow(ts->ts_kern, sb, n) != 0)
		sb->sb_flags &= ~SB_AUTOSIZE;
}

int
tcp_output(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;
	struct inpcb *inp = tp->t_inpcb;
	struct sockbuf *sb = tp->t_snd;
	uint64_t now = tcp_clock(ts);
	uint8_t opt[TCP_MAXOLEN], *th;
	uint32_t off, win, rwin, segsz, startseq, seq;
	long len;
	int flags, optlen, hdrlen, sendalot, idle, error, tso;
	struct pkt *p;

	if (tp->t_state == TCPS_LISTEN || tp->t_state == TCPS_CLOSED)
		return 0;
	idle = tp->snd_max == tp->snd_una;
	/* RFC 5681 (4.1): after an idle period longer than the RTO, restart slowly */
	if (idle && tp->t_sndtime != 0 && now - tp->t_sndtime >= tp->t_rxtcur &&
	    TCPS_HAVEESTABLISHED(tp->t_state)) {
		uint32_t iw = ts->ts_init_win == 0 ? 4380 : (uint32_t)ts->ts_init_win * tcp_segsz(tp);
		if (tp->snd_cwnd > iw)
			tp->snd_cwnd = iw;
	}
	/* NetBSD's tcp_segsize: room for the sticky IPv6 headers (ip6_optlen) */
	if (inp->inp_in6opts != NULL && ts->ts_is->is_ns->ns_tcp6_optmss != NULL &&
	    TCPS_HAVEESTABLISHED(tp->t_state) && tp->t_ourmss != 0)
		tp->t_maxseg = ts->ts_is->is_ns->ns_tcp6_optmss(ts->ts_kern, inp->inp_in6opts,
		    tp->t_ourmss < tp->t_peermss ? tp->t_ourmss : tp->t_peermss);
	segsz = tcp_segsz(tp);
	if (tp->t_socket != NULL && sb == &tp->t_socket->so_snd && (sb->sb_flags & SB_AUTOSIZE))
		tcp_autosndbuf(tp, sb);
again:
	sendalot = 0;
	tso = 0;
	off = tp->snd_nxt - tp->snd_una;
	win = tp->snd_wnd < tp->snd_cwnd ? tp->snd_wnd : tp->snd_cwnd;
	flags = tcp_outflags[tp->t_state];
	if ((flags & TH_SYN) && SEQ_GT(tp->snd_nxt, tp->snd_una))
		flags &= ~TH_SYN;		/* sent already, not acknowledged yet */
	if (tp->t_flags & TF_FORCE) {
		if (win == 0) {
			if (off < sb->sb_cc)
				flags &= ~TH_FIN;
			win = 1;
		} else {
			tcp_timer_cancel(tp, TCPT_PERSIST);
			tp->t_rxtshift = 0;
		}
	}
	if (!TCPS_HAVEESTABLISHED(tp->t_state))
		len = 0;			/* no data with a SYN */
	else
		len = (long)(sb->sb_cc < win ? sb->sb_cc : win) - (long)off;
	if (len < 0) {
		/* the window shrank or closed: back to snd_una and probe */
		len = 0;
		if (win == 0) {
			tcp_timer_cancel(tp, TCPT_REXMT);
			tp->t_rxtshift = 0;
			tp->snd_nxt = tp->snd_una;
			if (tp->t_timer[TCPT_PERSIST] == 0)
				tcp_setpersist(tp);
		}
	}
	if (len > (long)segsz) {
		if (tcp_tso_ok(tp)) {
			/* whole segments only, unless this is the end of the data */
			long max = (long)(TCP_TSO_MAX - TCP_TSO_MAX % segsz);

			tso = 1;
			if (len > max) {
				len = max;
				sendalot = 1;
			} else if (off + (uint32_t)len < sb->sb_cc && len % (long)segsz != 0) {
				len -= len % (long)segsz;
				sendalot = 1;
			}
		} else {
			len = segsz;
			sendalot = 1;
		}
	}
	if (SEQ_LT(tp->snd_nxt + (uint32_t)len, tp->snd_una + (uint32_t)sb->sb_cc))
		flags &= ~TH_FIN;
	rwin = tcp_rcvspace(tp);

	if (len > 0) {
		if (len >= (long)segsz)
			goto send;
		if ((idle || (tp->t_flags & TF_NODELAY)) && !(tp->t_flags & TF_MORETOCOME) &&
		    (size_t)len + off >= sb->sb_cc)
			goto send;
		if (tp->t_flags & TF_FORCE)
			goto send;
		if (tp->max_sndwnd > 0 && len >= (long)(tp->max_sndwnd / 2))
			goto send;
		if (SEQ_LT(tp->snd_nxt, tp->snd_max))
			goto send;
	}
	if (rwin > 0 && TCPS_HAVEESTABLISHED(tp->t_state)) {
		/* a window update worth sending: two segments, or half the buffer */
		uint32_t maxw = (uint32_t)TCP_MAXWIN << tp->rcv_scale;
		long adv = (long)(rwin < maxw ? rwin : maxw) - (long)(tp->rcv_adv - tp->rcv_nxt);

		if (adv >= (long)(2 * tp->t_maxseg))
			goto send;
		if (2 * adv >= (long)tcp_rcvhiwat(tp))
			goto send;
	}
	if (tp->t_flags & TF_ACKNOW)
		goto send;
	/* urgent data not yet sent: tell the peer, even into a closed window */
	if (SEQ_GT(tp->snd_up, tp->snd_nxt) && TCPS_HAVEESTABLISHED(tp->t_state))
		goto send;
	if (flags & (TH_SYN | TH_RST))
		goto send;
	if ((flags & TH_FIN) && (!(tp->t_flags & TF_SENTFIN) || tp->snd_nxt == tp->snd_una))
		goto send;
	/* data waits for a window: make sure a probe will ask */
	if (sb->sb_cc > 0 && tp->t_timer[TCPT_REXMT] == 0 && tp->t_timer[TCPT_PERSIST] == 0) {
		tp->t_rxtshift = 0;
		tcp_setpersist(tp);
	}
	return 0;

send:
	optlen = 0;
	if (flags & TH_SYN) {
		uint16_t mss;

		if (tp->t_ourmss == 0)
			tp->t_ourmss = tcp_mss_to(ts, &inp->inp_faddr46);
		mss = htons_((uint16_t)tp->t_ourmss);
		opt[0] = TCPOPT_MAXSEG, opt[1] = TCPOLEN_MAXSEG;
		memcpy(opt + 2, &mss, 2);
		optlen = 4;
		if ((tp->t_flags & TF_REQ_SCALE) &&
		    (!(flags & TH_ACK) || (tp->t_flags & TF_RCVD_SCALE))) {
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_WINDOW;
			opt[optlen++] = TCPOLEN_WINDOW;
			opt[optlen++] = tp->request_r_scale;
		}
		if ((tp->t_flags & TF_REQ_SACK) &&
		    (!(flags & TH_ACK) || (tp->t_flags & TF_SACK_PERMIT))) {
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_SACK_PERMITTED;
			opt[optlen++] = TCPOLEN_SACK_PERMITTED;
		}
	}
	if ((tp->t_flags & TF_REQ_TSTMP) && !(flags & TH_RST) &&
	    (((flags & TH_SYN) && (!(flags & TH_ACK) || (tp->t_flags & TF_RCVD_TSTMP))) ||
	     tcp_ts_on(tp))) {
		uint32_t v = htonl_((uint32_t)(now / 1000000u) + tp->ts_offset);
		uint32_t e = htonl_(tp->ts_recent);

		/* receive buffer auto-sizing: a measurement starts at this timestamp */
		if (!tp->t_rfbuf_on && tp->t_socket != NULL &&
		    (tp->t_socket->so_rcv.sb_flags & SB_AUTOSIZE)) {
			tp->t_rfbuf_ts = (uint32_t)(now / 1000000u) + tp->ts_offset;
			tp->t_rfbuf_on = 1;
		}

		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_TIMESTAMP;
		opt[optlen++] = TCPOLEN_TIMESTAMP;
		memcpy(opt + optlen, &v, 4);
		memcpy(opt + optlen + 4, &e, 4);
		optlen += 8;
	}
	if (!(flags & (TH_SYN | TH_RST)) && (flags & TH_ACK))
		optlen += tcp_sack_option(tp, opt + optlen, TCP_MAXOLEN - optlen);
	/* options beyond the timestamp take room from the data (of each segment with TSO) */
	if (tso && (uint32_t)optlen + 1 > tp->t_maxseg)
		tso = 0, len = segsz, sendalot = 1;	/* no room: one segment, cut below */
	if (tso && (uint32_t)len + (uint32_t)optlen <= tp->t_maxseg)
		tso = 0;			/* fits one segment after all */
	if (!tso && len > 0 && (uint32_t)len + (uint32_t)optlen > tp->t_maxseg) {
		len = (long)tp->t_maxseg - optlen;
		if (len <= 0)
			len = 1;
		sendalot = 1;
		flags &= ~TH_FIN;
	}
	hdrlen = TCP_HLEN + optlen;
	if ((p = pkt_alloc(ts->ts_kern, (size_t)hdrlen + (size_t)len, PKT_HEADROOM)) == NULL) {
		/* out of memory: try again when the retransmission timer fires */
		if (tp->t_timer[TCPT_REXMT] == 0 && tp->t_timer[TCPT_PERSIST] == 0)
			tcp_timer_set(tp, TCPT_REXMT, tp->t_rxtcur);
		return ENOBUFS;
	}
	th = pkt_data(p);
	if (tso)
		p->p_tsosz = tp->t_maxseg - (uint32_t)optlen;
	if (len > 0) {
		sb_copy(sb, off, (size_t)len, th + hdrlen);
		if (SEQ_LT(tp->snd_nxt, tp->snd_max)) {
			ts->ts_stat.tcps_sndrexmitpack++;
			tp->t_sndrexmitpack++;
			ts->ts_stat.tcps_sndrexmitbyte += (uint64_t)len;
		} else {
			ts->ts_stat.tcps_sndpack++;
			ts->ts_stat.tcps_sndbyte += (uint64_t)len;
		}
		if (off + (uint32_t)len == sb->sb_cc)
			flags |= TH_PUSH;
	} else if (tp->t_flags & TF_ACKNOW)
		ts->ts_stat.tcps_sndacks++;
	else if (flags & (TH_SYN | TH_FIN | TH_RST))
		ts->ts_stat.tcps_sndctrl++;
	else
		ts->ts_stat.tcps_sndwinup++;

	/* a FIN sent before and not acknowledged goes out again at its own number */
	if ((flags & TH_FIN) && (tp->t_flags & TF_SENTFIN) && tp->snd_nxt == tp->snd_max)
		tp->snd_nxt--;
	if (len > 0 || (flags & (TH_SYN | TH_FIN)) || tp->t_timer[TCPT_PERSIST] != 0)
		seq = tp->snd_nxt;
	else
		seq = tp->snd_max;
	/* receiver silly-window avoidance: no small windows; never shrink an offer */
	if (rwin < tcp_rcvhiwat(tp) / 4 && rwin < tp->t_maxseg)
		rwin = 0;
	if (rwin > ((uint32_t)TCP_MAXWIN << tp->rcv_scale))
		rwin = (uint32_t)TCP_MAXWIN << tp->rcv_scale;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) && rwin < tp->rcv_adv - tp->rcv_nxt)
		rwin = tp->rcv_adv - tp->rcv_nxt;
	tcp_fill_header(th, inp->inp_lport, inp->inp_fport, seq,
	    (flags & TH_ACK) ? tp->rcv_nxt : 0, hdrlen, flags,
	    (uint16_t)((flags & TH_SYN) ? (rwin > TCP_MAXWIN ? TCP_MAXWIN : rwin) :
	    rwin >> tp->rcv_scale));
	if (th[14] == 0 && th[15] == 0)
		tp->t_sndzerowin++;	/* TCP_INFO's tcpi_snd_zerowin (NetBSD's count) */
	memcpy(th + TCP_HLEN, opt, (size_t)optlen);
	/* the urgent pointer: the byte after the urgent data, as an offset from this
	 * segment's number (BSD's reading of RFC 793, kept by NetBSD); once the urgent
	 * data went out it is dragged along with snd_una so it never wraps into the window */
	if (SEQ_GT(tp->snd_up, seq) && TCPS_HAVEESTABLISHED(tp->t_state)) {
		uint32_t urp = tp->snd_up - seq;

		if (urp > 65535)
			urp = 65535;
		th[13] |= TH_URG;
		th[18] = (uint8_t)(urp >> 8);
		th[19] = (uint8_t)urp;
	} else if (!SEQ_GT(tp->snd_up, tp->snd_nxt))
		tp->snd_up = tp->snd_una;

	if (!(tp->t_flags & TF_FORCE) || tp->t_timer[TCPT_PERSIST] == 0) {
		startseq = tp->snd_nxt;
		if (flags & TH_SYN)
			tp->snd_nxt++;
		if (flags & TH_FIN) {
			tp->snd_nxt++;
			tp->t_flags |= TF_SENTFIN;
		}
		tp->snd_nxt += (uint32_t)len;
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			tp->snd_max = tp->snd_nxt;
			if (tp->t_rtttime == 0) {	/* time this segment (Karn: new data only) */
				tp->t_rtttime = now;
				tp->t_rtseq = startseq;
			}
		}
		if (tp->t_timer[TCPT_REXMT] == 0 && tp->snd_nxt != tp->snd_una) {
			if (tp->t_timer[TCPT_PERSIST] != 0) {
				tcp_timer_cancel(tp, TCPT_PERSIST);
				tp->t_rxtshift = 0;
			}
			tcp_timer_arm(tp, TCPT_REXMT, now + tp->t_rxtcur);
		}
		if (len > 0 && tp->snd_nxt == tp->snd_max)
			tcp_tlp_schedule(tp, now);	/* new data out: the probe timer */
	} else if (SEQ_GT(tp->snd_nxt + (uint32_t)len, tp->snd_max))
		tp->snd_max = tp->snd_nxt + (uint32_t)len;	/* the probe byte */
	if (rwin > 0 && SEQ_GT(tp->rcv_nxt + rwin, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + rwin;
	if (flags & TH_ACK)
		tp->last_ack_sent = tp->rcv_nxt;
	tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
	tcp_timer_cancel(tp, TCPT_DELACK);
	if (len > 0)
		tp->t_sndtime = now;
	error = tcp_send_segment(ts, p, &inp->inp_laddr46, &inp->inp_faddr46);
	if (error != 0) {
		if (error == ENOBUFS) {
			if (tp->t_timer[TCPT_REXMT] == 0 && tp->t_timer[TCPT_PERSIST] == 0)
				tcp_timer_set(tp, TCPT_REXMT, tp->t_rxtcur);
			return 0;
		}
		if (error == EMSGSIZE) {
			/* the route's MTU shrank under us: smaller segments, resend now */
			uint32_t mss = tcp_mss_to(ts, &inp->inp_faddr46);
			if (mss < tp->t_maxseg) {
				tp->t_maxseg = tp->t_ourmss = mss;
				tp->snd_nxt = tp->snd_una;
				tp->t_rtttime = 0;
				segsz = tcp_segsz(tp);
				goto again;
			}
			if (tp->t_timer[TCPT_REXMT] == 0)
				tcp_timer_set(tp, TCPT_REXMT, tp->t_rxtcur);
			return 0;
		}
		if ((error == EHOSTUNREACH || error == ENETDOWN || error == ENETUNREACH) &&
		    TCPS_HAVERCVDSYN(tp->t_state)) {
			tp->t_softerror = error;
			return 0;
		}
		return error;
	}
	if (sendalot)
		goto again;
	return 0;
}
