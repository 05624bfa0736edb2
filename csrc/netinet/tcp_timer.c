/*
 * tcp_timer.c: TCP's timers: retransmission (RFC 6298: Karn's rule, exponential
 * backoff between net.inet.tcp.rexmit_min and rexmit_max), zero-window probes,
 * keepalives and connection establishment, 2MSL, delayed ACKs.
 *
 * Each tcpcb keeps its timers as absolute deadlines on the kernel's clock.  One timer of
 * hyper's scheduler thread per kernel (as in.c's, never a kernel callout: see
 * docs/netinet.md) is armed for the earliest deadline; when it fires it tries to enter
 * the kernel (and retries shortly while the kernel is busy), runs every expired timer of
 * every tcpcb and arms itself again.  Under the virtual clock a 2MSL wait or an RTO
 * backoff series takes no real time.
 */
#include "netinet/tcp_var.h"

static void
tcp_timer_want(struct tcp_state *ts, uint64_t at)
{
	uint64_t now;

	if (atomic_load(&ts->ts_kern->k_halted))	/* tcp_fini is disarming it for good */
		return;
	if (ts->ts_timer_at != 0 && ts->ts_timer_at <= at)
		return;
	/* the clock only when the timer moves (this runs for every segment sent) */
	now = tcp_clock(ts);
	ts->ts_timer_at = at;
	hyp_timer_arm(&ts->ts_timer, at > now ? at : now);
}

void
tcp_timer_set(struct tcpcb *tp, int which, uint64_t delta)
{
	tcp_timer_arm(tp, which, tcp_clock(tp->t_ts) + delta);
}

/* The same with the deadline computed by the caller (who read the clock already). */
void
tcp_timer_arm(struct tcpcb *tp, int which, uint64_t at)
{
	if (at == 0)
		at = 1;
	tp->t_timer[which] = at;
	tcp_timer_want(tp->t_ts, at);
}

void
tcp_timer_cancel(struct tcpcb *tp, int which)
{
	tp->t_timer[which] = 0;
}

void
tcp_canceltimers(struct tcpcb *tp)
{
	int i;

	for (i = 0; i < TCPT_NTIMERS; i++)
		tp->t_timer[i] = 0;
}

/* The RTO before backoff: srtt + max(G, 4 rttvar) within the sysctl bounds. */
uint64_t
tcp_rto_base(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;
	uint64_t rto, v, lo = tcp_ms(ts->ts_rexmit_min), hi = tcp_ms(ts->ts_rexmit_max);

	if (tp->t_srtt == 0)
		rto = tcp_ms(ts->ts_rexmit_init);
	else {
		v = 4 * tp->t_rttvar;
		if (v < 1000000)
			v = 1000000;		/* G: the clock granularity we claim, 1 ms */
		rto = tp->t_srtt + v;
	}
	return rto < lo ? lo : rto > hi ? hi : rto;
}

static uint64_t
tcp_rto_backoff(struct tcpcb *tp)
{
	uint64_t rto = tcp_rto_base(tp), hi = tcp_ms(tp->t_ts->ts_rexmit_max);
	int i;

	for (i = 0; i < tp->t_rxtshift && rto < hi; i++)
		rto *= 2;
	return rto > hi ? hi : rto;
}

/* A round-trip sample (RFC 6298 (2.2), (2.3)); rtt in ns. */
void
tcp_xmit_timer(struct tcpcb *tp, uint64_t rtt)
{
	tp->t_ts->ts_stat.tcps_rttupdated++;
	if (rtt == 0)
		rtt = 1;
	if (tp->t_srtt == 0) {
		tp->t_srtt = rtt;
		tp->t_rttvar = rtt / 2;
	} else {
		uint64_t d = tp->t_srtt > rtt ? tp->t_srtt - rtt : rtt - tp->t_srtt;
		tp->t_rttvar = (3 * tp->t_rttvar + d) / 4;
		tp->t_srtt = (7 * tp->t_srtt + rtt) / 8;
	}
	tp->t_rtttime = 0;
	tp->t_rxtshift = 0;
	tp->t_rxtcur = tcp_rto_base(tp);
}

/* Zero-window probes: the RTO, backed off, between 5 and 60 seconds (TCPTV_PERSMIN/MAX). */
void
tcp_setpersist(struct tcpcb *tp)
{
	uint64_t t = tcp_rto_base(tp), lo = tcp_sec(5), hi = tcp_sec(60);
	int i;

	for (i = 0; i < tp->t_rxtshift && t < hi; i++)
		t *= 2;
	t = t < lo ? lo : t > hi ? hi : t;
	tcp_timer_set(tp, TCPT_PERSIST, t);
	if (tp->t_rxtshift < TCP_MAXRXTSHIFT)
		tp->t_rxtshift++;
}

/* The idle time after which a keepalive-probed or closing orphan connection dies. */
static uint64_t
tcp_maxidle(struct tcpcb *tp)
{
	return (uint64_t)tp->t_keepcnt * tp->t_keepintvl;
}

/* Each returns NULL if it closed tp. */
static struct tcpcb *
tcp_timer_rexmt(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;
	uint32_t win;

	if (++tp->t_rxtshift > TCP_MAXRXTSHIFT) {
		tp->t_rxtshift = TCP_MAXRXTSHIFT;
		ts->ts_stat.tcps_timeoutdrop++;
		return tcp_drop(tp, ETIMEDOUT);
	}
	ts->ts_stat.tcps_rexmttimeo++;
	tp->t_rxtcur = tcp_rto_backoff(tp);
	/* RFC 6298 (5.7): after several backoffs the estimate is suspect */
	if (tp->t_rxtshift > TCP_MAXRXTSHIFT / 4) {
		tp->t_rttvar += tp->t_srtt / 4;
		tp->t_srtt = 0;
	}
	tp->snd_nxt = tp->snd_una;
	tp->snd_recover = tp->snd_max;
	tp->t_nsacked = 0;		/* the peer may have reneged */
	tp->t_rtttime = 0;			/* Karn */
	/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = 1 SMSS */
	win = tp->snd_max - tp->snd_una;
	if (win > tp->snd_wnd)
		win = tp->snd_wnd;
	win /= 2;
	if (win < 2 * tcp_segsz(tp))
		win = 2 * tcp_segsz(tp);
	tp->snd_ssthresh = win;
	tp->snd_cwnd = tcp_segsz(tp);
	tp->t_dupacks = 0;
	tp->t_flags &= ~TF_RECOVERY;
	tp->t_tlp_out = 0;
	tp->t_undo_rexmits = 0;		/* no undo across a timeout */
	tcp_timer_cancel(tp, TCPT_TLP);
	(void)tcp_output(tp);
	return tp;
}

static struct tcpcb *
tcp_timer_persist(struct tcpcb *tp)
{
	tp->t_ts->ts_stat.tcps_persisttimeo++;
	/* a peer that never opens its window for maxidle after the probes maxed out */
	if (tp->t_rxtshift >= TCP_MAXRXTSHIFT &&
	    hyp_clock_mono() - tp->t_rcvtime >= tcp_maxidle(tp))
		return tcp_drop(tp, ETIMEDOUT);
	tcp_setpersist(tp);
	tp->t_flags |= TF_FORCE;
	(void)tcp_output(tp);
	tp->t_flags &= ~TF_FORCE;
	return tp;
}

static struct tcpcb *
tcp_timer_keep(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;
	struct socket *so = tp->t_socket;
	uint64_t idle = hyp_clock_mono() - tp->t_rcvtime;

	ts->ts_stat.tcps_keeptimeo++;
	if (!TCPS_HAVEESTABLISHED(tp->t_state))
		goto drop;			/* connection establishment took keepinit */
	if (so != NULL && (so->so_options & SO_KEEPALIVE) && tp->t_state <= TCPS_CLOSE_WAIT) {
		if (idle < tp->t_keepidle) {
			tcp_timer_set(tp, TCPT_KEEP, tp->t_keepidle - idle);	/* heard lately */
			return tp;
		}
		if (idle >= tp->t_keepidle + tcp_maxidle(tp))
			goto drop;
		/* a probe: one byte before snd_una, so the peer answers with an ACK */
		ts->ts_stat.tcps_keepprobe++;
		tcp_respond(ts, tp, &tp->t_inpcb->inp_laddr46, tp->t_inpcb->inp_lport,
		    &tp->t_inpcb->inp_faddr46, tp->t_inpcb->inp_fport, tp->snd_una - 1,
		    tp->rcv_nxt, TH_ACK);
		tcp_timer_set(tp, TCPT_KEEP, tp->t_keepintvl);
	} else
		tcp_timer_set(tp, TCPT_KEEP, tp->t_keepidle);
	return tp;
drop:
	ts->ts_stat.tcps_keepdrops++;
	return tcp_drop(tp, ETIMEDOUT);
}

static struct tcpcb *
tcp_timer_2msl(struct tcpcb *tp)
{
	/* FIN_WAIT_2 of a connection that cannot receive: wait while the peer talks */
	if (tp->t_state != TCPS_TIME_WAIT &&
	    hyp_clock_mono() - tp->t_rcvtime <= tcp_maxidle(tp)) {
		tcp_timer_set(tp, TCPT_2MSL, tp->t_keepintvl);
		return tp;
	}
	return tcp_close(tp);
}

static struct tcpcb *
tcp_timer_delack(struct tcpcb *tp)
{
	tp->t_flags |= TF_ACKNOW;
	tp->t_ts->ts_stat.tcps_delack++;
	(void)tcp_output(tp);
	return tp;
}

static struct tcpcb *
tcp_timer_tlp(struct tcpcb *tp)
{
	tcp_tlp_timeout(tp);		/* tcp_sack.c */
	return tp;
}

static struct tcpcb *(*const tcp_timer_fn[TCPT_NTIMERS])(struct tcpcb *) = {
	[TCPT_REXMT] = tcp_timer_rexmt,
	[TCPT_PERSIST] = tcp_timer_persist,
	[TCPT_KEEP] = tcp_timer_keep,
	[TCPT_2MSL] = tcp_timer_2msl,
	[TCPT_DELACK] = tcp_timer_delack,
	[TCPT_TLP] = tcp_timer_tlp,
};

/* Runs every expired timer; returns the next deadline (0: none). */
static uint64_t
tcp_timer_run(struct tcp_state *ts)
{
	struct tcpcb *tp, *next;
	uint64_t now = hyp_clock_mono(), soonest = 0;
	int i;

	/* a timer function may close tp (and only tp): take the next one first.  Output
	 * queued for this kernel (loopback) runs when we leave. */
	for (tp = ts->ts_tcbs; tp != NULL; tp = next) {
		next = tp->t_next;
		for (i = 0; i < TCPT_NTIMERS && tp != NULL; i++) {
			if (tp->t_timer[i] == 0 || tp->t_timer[i] > now)
				continue;
			tp->t_timer[i] = 0;
			tp = tcp_timer_fn[i](tp);
		}
		for (i = 0; tp != NULL && i < TCPT_NTIMERS; i++)
			if (tp->t_timer[i] != 0 && (soonest == 0 || tp->t_timer[i] < soonest))
				soonest = tp->t_timer[i];
	}
	return soonest;
}

void
tcp_timeout(void *arg)
{
	struct tcp_state *ts = arg;
	struct kern *k = ts->ts_kern;
	struct ifs_enter ne;
	uint64_t next;

	if (atomic_load(&k->k_halted))
		return;
	if (ifs_enter_try(k, &ne) != 0) {
		hyp_timer_arm(&ts->ts_timer, hyp_clock_mono() + 20000);
		return;
	}
	ts->ts_timer_at = 0;
	next = tcp_timer_run(ts);
	if (next != 0)
		tcp_timer_want(ts, next);
	ifs_leave_other(k, &ne);
}
