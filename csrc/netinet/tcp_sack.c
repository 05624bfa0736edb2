/*
 * tcp_sack.c: selective acknowledgements (RFC 2018) and the SACK-based loss recovery
 * built on them.
 *
 * Receiver: while out-of-order data waits in the reassembly queue, every ACK carries its
 * ranges as SACK blocks (four, or three beside a timestamp option), the first one
 * holding the segment that arrived last, as RFC 2018 section 4 asks.
 *
 * Sender: the scoreboard is the sorted, merged list of ranges the peer reported above
 * snd_una (at most TCP_SACK_MAX; a block that does not fit is forgotten, which only
 * costs a needless retransmission).  Loss recovery is RFC 6675's when SACK was agreed
 * (NewReno's, in tcp_input.c, otherwise): recovery starts on DupThresh duplicate ACKs or
 * when IsLost(snd_una) (DupThresh SACKed segments above it); what may be sent is
 * cwnd - pipe; NextSeg picks lost holes first, then new data, then holes that may be
 * lost.  Before recovery, duplicate ACKs let new data out as pipe allows (limited
 * transmit, RFC 3042); with fewer than four segments outstanding and nothing new to
 * send, DupThresh is early retransmit's (RFC 5827).  A retransmission timeout clears
 * the scoreboard (the peer may renege).  The tail loss probe (RFC 8985 section 7) is
 * here too: it makes the peer's SACKs come when the end of a flight was lost.
 */
#include "netinet/tcp_var.h"

/* Adds [start, end) to the scoreboard, merging neighbours. */
static void
tcp_sack_add(struct tcpcb *tp, uint32_t start, uint32_t end)
{
	struct sackblk *b = tp->t_sacked;
	int n = tp->t_nsacked, i, j;

	for (i = 0; i < n && SEQ_LT(b[i].sb_end, start); i++)
		continue;
	/* b[i] is the first range that ends at or after start: merge what overlaps */
	j = i;
	while (j < n && SEQ_LEQ(b[j].sb_start, end)) {
		start = SEQ_MIN(start, b[j].sb_start);
		end = SEQ_MAX(end, b[j].sb_end);
		j++;
	}
	if (j > i) {
		b[i].sb_start = start;
		b[i].sb_end = end;
		memmove(&b[i + 1], &b[j], (size_t)(n - j) * sizeof(*b));
		tp->t_nsacked = n - (j - i - 1);
		return;
	}
	if (n == TCP_SACK_MAX) {
		if (i == n)
			return;			/* full: forget the highest */
		n--;
	}
	memmove(&b[i + 1], &b[i], (size_t)(n - i) * sizeof(*b));
	b[i].sb_start = start;
	b[i].sb_end = end;
	tp->t_nsacked = n + 1;
}

/* Drops what snd_una passed. */
void
tcp_sack_prune(struct tcpcb *tp)
{
	struct sackblk *b = tp->t_sacked;
	int i = 0, n = tp->t_nsacked;

	while (i < n && SEQ_LEQ(b[i].sb_end, tp->snd_una))
		i++;
	if (i > 0) {
		memmove(b, b + i, (size_t)(n - i) * sizeof(*b));
		tp->t_nsacked = n - i;
	}
	if (tp->t_nsacked > 0 && SEQ_LT(b[0].sb_start, tp->snd_una))
		b[0].sb_start = tp->snd_una;
}

/* The blocks of a SACK option (its data: len bytes after kind and length). */
/* The bytes on the scoreboard. */
static uint32_t
tcp_sack_bytes(const struct tcpcb *tp)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < tp->t_nsacked; i++)
		n += tp->t_sacked[i].sb_end - tp->t_sacked[i].sb_start;
	return n;
}

void
tcp_sack_update(struct tcpcb *tp, const uint8_t *opt, int len)
{
	int i;

	if (tp->t_ts->ts_prr) {
		/* PRR counts what this ACK delivers from here (tcp_prr_budget) */
		tp->t_prr_una = tp->snd_una;
		tp->t_prr_sacked = tcp_sack_bytes(tp);
	}

	for (i = 0; i + 8 <= len; i += 8) {
		uint32_t s = (uint32_t)opt[i] << 24 | (uint32_t)opt[i + 1] << 16 |
		    (uint32_t)opt[i + 2] << 8 | opt[i + 3];
		uint32_t e = (uint32_t)opt[i + 4] << 24 | (uint32_t)opt[i + 5] << 16 |
		    (uint32_t)opt[i + 6] << 8 | opt[i + 7];

		/* only blocks inside what we sent and not yet cumulatively acknowledged */
		if (SEQ_GEQ(s, e) || SEQ_LEQ(e, tp->snd_una) || SEQ_GT(e, tp->snd_max))
			continue;
		if (SEQ_LT(s, tp->snd_una))
			s = tp->snd_una;
		tp->t_ts->ts_stat.tcps_sack_rcvblocks++;
		tcp_sack_add(tp, s, e);
	}
}

/*
 * D-SACK (RFC 2883): a first block at or below the segment's ACK, or inside the second
 * block, reports data that arrived twice.  When every retransmission of the last
 * recovery was reported so, the recovery was spurious (reordering, not loss): cwnd and
 * ssthresh go back to what they were before it (RFC 3708's detection, the undo as
 * Linux does it), once the recovery is over.
 */
static void
tcp_undo_check(struct tcpcb *tp)
{
	if (tp->t_undo_rexmits <= 0 || tp->t_undo_dsacks < tp->t_undo_rexmits ||
	    (tp->t_flags & TF_RECOVERY))
		return;
	if (tp->snd_cwnd < tp->t_undo_cwnd)
		tp->snd_cwnd = tp->t_undo_cwnd;
	if (tp->snd_ssthresh < tp->t_undo_ssthresh)
		tp->snd_ssthresh = tp->t_undo_ssthresh;
	tp->t_undo_rexmits = 0;
	tp->t_ts->ts_stat.tcps_dsack_undo++;
}

void
tcp_sack_dsack(struct tcpcb *tp, const uint8_t *opt, int len, uint32_t ack)
{
	uint32_t s, e, s2, e2;

	if (len < 8)
		return;
	s = (uint32_t)opt[0] << 24 | (uint32_t)opt[1] << 16 | (uint32_t)opt[2] << 8 | opt[3];
	e = (uint32_t)opt[4] << 24 | (uint32_t)opt[5] << 16 | (uint32_t)opt[6] << 8 | opt[7];
	if (SEQ_GEQ(s, e))
		return;
	if (SEQ_GT(e, ack)) {
		if (len < 16)
			return;
		s2 = (uint32_t)opt[8] << 24 | (uint32_t)opt[9] << 16 | (uint32_t)opt[10] << 8 | opt[11];
		e2 = (uint32_t)opt[12] << 24 | (uint32_t)opt[13] << 16 | (uint32_t)opt[14] << 8 |
		    opt[15];
		if (SEQ_LT(s, s2) || SEQ_GT(e, e2))
			return;			/* an ordinary first block */
	}
	if (tp->t_undo_rexmits > 0) {
		tp->t_undo_dsacks++;
		tcp_undo_check(tp);
	}
}

/*
 * RFC 6675 loss recovery.  The holes are the unSACKed ranges between snd_una and
 * snd_max; IsLost is the same for every byte of a hole (the same SACKed bytes lie above
 * each), so the scoreboard is worked on hole by hole.  HighRxt is t_sack_rxnext (the byte
 * after the highest one retransmitted in this recovery; snd_una outside recovery, step
 * 3.1), HighData is snd_max, RecoveryPoint snd_recover, RescueRxt t_rescue_rxt (rule 4
 * of NextSeg, the rescue retransmission: once per recovery, when rules 1 to 3 find
 * nothing, the segment holding the highest unSACKed byte, so a loss at the end of the
 * window with no new data to send is not left to the RTO).
 */
#define TCP_NHOLES	(TCP_SACK_MAX + 1)
struct tcp_hole {
	uint32_t h_start, h_end;
	int h_lost;			/* IsLost(h_start) */
	int h_below;			/* below the highest SACKed byte */
};

/* The holes in ascending order; returns how many. */
static int
tcp_sack_holes(const struct tcpcb *tp, struct tcp_hole *h, int thresh)
{
	const struct sackblk *b = tp->t_sacked;
	int n = tp->t_nsacked, i, nh = 0, j;
	uint32_t seg = tcp_segsz(tp), bytes = 0, segs = 0;
	struct tcp_hole t;

	/* from the top down: the SACKed bytes and segments above each hole */
	for (i = n; i >= 0; i--) {
		uint32_t s = i == 0 ? tp->snd_una : b[i - 1].sb_end;
		uint32_t e = i == n ? tp->snd_max : b[i].sb_start;

		if (i < n) {
			uint32_t l = b[i].sb_end - b[i].sb_start;
			bytes += l;
			segs += (l + seg - 1) / seg;
		}
		if (SEQ_LT(s, tp->snd_una))
			s = tp->snd_una;
		if (!SEQ_LT(s, e))
			continue;
		/* IsLost: DupThresh SACKed segments above, or more than (DupThresh - 1) *
		 * SMSS bytes */
		h[nh].h_start = s;
		h[nh].h_end = e;
		h[nh].h_lost = (int)segs >= thresh || bytes > (uint32_t)(thresh - 1) * seg;
		h[nh].h_below = i < n;
		nh++;
	}
	for (i = 0, j = nh - 1; i < j; i++, j--)
		t = h[i], h[i] = h[j], h[j] = t;
	return nh;
}

static uint32_t
tcp_highrxt(const struct tcpcb *tp)
{
	if (!(tp->t_flags & TF_RECOVERY))
		return tp->snd_una;
	return SEQ_MAX(tp->t_sack_rxnext, tp->snd_una);
}

/* SetPipe: the bytes presumed in the network: every unSACKed byte not lost, and every
 * unSACKed byte retransmitted (below HighRxt) once more. */
static uint32_t
tcp_sack_pipe(const struct tcpcb *tp, const struct tcp_hole *h, int nh)
{
	uint32_t pipe = 0, hr = tcp_highrxt(tp);
	int i;

	for (i = 0; i < nh; i++) {
		if (!h[i].h_lost)
			pipe += h[i].h_end - h[i].h_start;
		if (SEQ_GT(hr, h[i].h_start))
			pipe += SEQ_MIN(hr, h[i].h_end) - h[i].h_start;
	}
	return pipe;
}

/* Can a segment of new data go out (unsent data the peer's window takes)?  A piece
 * smaller than a segment only when Nagle would not hold it back. */
static int
tcp_cansend_new(const struct tcpcb *tp)
{
	uint32_t out = tp->snd_max - tp->snd_una, seg = tcp_segsz(tp), avail;
	size_t cc = tp->t_snd->sb_cc;

	if (cc <= out || tp->snd_wnd <= out || !TCPS_HAVEESTABLISHED(tp->t_state) ||
	    (tp->t_flags & TF_SENTFIN))
		return 0;
	avail = (uint32_t)(cc - out < tp->snd_wnd - out ? cc - out : tp->snd_wnd - out);
	if (avail >= seg)
		return 1;
	return avail == cc - out && (tp->t_flags & TF_NODELAY);
}

/* The duplicate ACK threshold: DupThresh 3 (RFC 5681), or early retransmit's ER_thresh
 * (RFC 5827 3.1/3.2): with fewer than four segments outstanding and no new segment to
 * send, one less than the outstanding segments. */
int
tcp_dupthresh(const struct tcpcb *tp)
{
	uint32_t seg = tcp_segsz(tp), out = tp->snd_max - tp->snd_una, oseg;

	if (out > tp->t_snd->sb_cc)
		out = (uint32_t)tp->t_snd->sb_cc;	/* data only: not a SYN or FIN */
	oseg = (out + seg - 1) / seg;
	if (oseg >= 2 && oseg < 4 && !tcp_cansend_new(tp))
		return (int)oseg - 1;
	return 3;
}

/* Sends up to len bytes at x (a retransmission), whatever the congestion window;
 * returns the bytes that went out. */
static uint32_t
tcp_send_at(struct tcpcb *tp, uint32_t x, uint32_t len)
{
	uint32_t onxt = tp->snd_nxt, ocwnd = tp->snd_cwnd, sent;

	tp->snd_nxt = x;
	tp->snd_cwnd = (x - tp->snd_una) + len;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	sent = SEQ_GT(tp->snd_nxt, x) ? tp->snd_nxt - x : 0;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	return sent;
}

/* Sends one segment of new data at snd_max, whatever the congestion window (the caller
 * decided it may go); returns the bytes that went out. */
static uint32_t
tcp_send_new(struct tcpcb *tp)
{
	uint32_t omax = tp->snd_max, ocwnd = tp->snd_cwnd;

	if (tp->snd_nxt != tp->snd_max)
		return 0;			/* resending after a timeout: go back N */
	tp->snd_cwnd = (tp->snd_max - tp->snd_una) + tcp_segsz(tp);
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	return tp->snd_max - omax;
}

/*
 * PRR (RFC 6937, PRR-SSRB), when net.inet.tcp.prr is 1: the bytes this ACK lets out in
 * recovery.  DeliveredData is what the ACK acknowledged or SACKed (since the counts
 * were last taken); while pipe > ssthresh the sending follows the deliveries in the
 * proportion ssthresh / RecoverFS, below it slow start up to ssthresh, at most one
 * segment more than delivered.  Returns the congestion window for step (C): pipe plus
 * that; RFC 6675 alone uses cwnd (= ssthresh in recovery).
 */
static uint32_t
tcp_prr_budget(struct tcpcb *tp, uint32_t pipe)
{
	uint32_t seg = tcp_segsz(tp), sacked = tcp_sack_bytes(tp), ss = tp->snd_ssthresh;
	int64_t dd = (int64_t)(int32_t)(tp->snd_una - tp->t_prr_una) + (int64_t)sacked -
	    (int64_t)tp->t_prr_sacked;
	uint64_t target, sndcnt, limit;

	if (dd < 0)
		dd = 0;			/* a forgotten block (a full scoreboard) */
	tp->t_prr_una = tp->snd_una;
	tp->t_prr_sacked = sacked;
	tp->t_prr_delivered += (uint32_t)dd;
	if (pipe > ss) {
		target = ((uint64_t)tp->t_prr_delivered * ss + tp->t_prr_recoverfs - 1) /
		    (tp->t_prr_recoverfs > 0 ? tp->t_prr_recoverfs : 1);
		sndcnt = target > tp->t_prr_out ? target - tp->t_prr_out : 0;
	} else {
		limit = tp->t_prr_delivered > tp->t_prr_out ?
		    tp->t_prr_delivered - tp->t_prr_out : 0;
		if (limit < (uint64_t)dd)
			limit = (uint64_t)dd;
		limit += seg;
		sndcnt = ss - pipe < limit ? ss - pipe : limit;
	}
	return pipe + (uint32_t)sndcnt;
}

/* Step (C): while cwnd - pipe >= 1 SMSS, the segment NextSeg () chooses. */
static void
tcp_sack_fill(struct tcpcb *tp, int thresh)
{
	struct tcp_state *ts = tp->t_ts;
	struct tcp_hole h[TCP_NHOLES];
	uint32_t seg = tcp_segsz(tp), hr, x = 0, len = 0, sent, cwnd = tp->snd_cwnd;
	int nh, i, iter, pick, prr = ts->ts_prr != 0;

	/* A lost retransmission (as RACK sees it, RFC 8985, by sequence instead of time):
	 * data sent after the last retransmission was SACKed while the holes retransmitted
	 * before it are still holes.  They go again (HighRxt back to snd_una). */
	if (tp->t_nsacked > 0 && SEQ_GT(tcp_highrxt(tp), tp->snd_una) &&
	    SEQ_GT(tp->t_sacked[tp->t_nsacked - 1].sb_end, tp->t_rxt_mark)) {
		tp->t_sack_rxnext = tp->snd_una;
		tp->t_rxt_mark = tp->snd_max;
		ts->ts_stat.tcps_sack_lostrexmt++;
	}
	for (iter = 0; iter < 256; iter++) {
		nh = tcp_sack_holes(tp, h, thresh);
		if (prr && iter == 0)
			cwnd = tcp_prr_budget(tp, tcp_sack_pipe(tp, h, nh));
		if (cwnd < tcp_sack_pipe(tp, h, nh) + seg)
			break;
		hr = tcp_highrxt(tp);
		pick = -1;
		/* rule 1: the first lost byte above HighRxt below the highest SACKed one */
		for (i = 0; i < nh && pick < 0; i++) {
			x = SEQ_MAX(h[i].h_start, hr);
			if (h[i].h_below && h[i].h_lost && SEQ_LT(x, h[i].h_end))
				pick = i;
		}
		if (pick < 0 && tcp_cansend_new(tp)) {
			/* rule 2: new data */
			if ((sent = tcp_send_new(tp)) == 0)
				break;
			tp->t_prr_out += sent;
			continue;
		}
		/* rule 3: a byte that may be lost (not yet IsLost) above HighRxt */
		for (i = 0; i < nh && pick < 0; i++) {
			x = SEQ_MAX(h[i].h_start, hr);
			if (h[i].h_below && SEQ_LT(x, h[i].h_end))
				pick = i;
		}
		if (pick < 0) {
			/* rule 4: the rescue retransmission, if HighACK > RescueRxt (or none
			 * went yet): up to a segment ending at the highest unSACKed byte, if
			 * that byte was not retransmitted in this recovery (above HighRxt);
			 * RescueRxt = RecoveryPoint, HighRxt stays */
			uint32_t e, lo, dend = tp->snd_una + (uint32_t)tp->t_snd->sb_cc;

			if (nh == 0 || (tp->t_rescue_valid && !SEQ_GT(tp->snd_una, tp->t_rescue_rxt)))
				break;
			e = h[nh - 1].h_end;
			lo = SEQ_MAX(h[nh - 1].h_start, hr);
			if (SEQ_GT(e, dend) && SEQ_GT(dend, lo))
				e = dend;	/* a FIN after the data goes with it */
			if (!SEQ_GT(e, lo))
				break;		/* retransmitted in this recovery already */
			len = e - lo < seg ? e - lo : seg;
			if ((sent = tcp_send_at(tp, e - len, len)) == 0)
				break;
			tp->t_prr_out += sent;
			tp->t_rescue_rxt = tp->snd_recover;
			tp->t_rescue_valid = 1;
			tp->t_undo_rexmits++;
			ts->ts_stat.tcps_sack_rescue++;
			continue;
		}
		len = h[pick].h_end - x;
		if (len > seg)
			len = seg;
		if ((sent = tcp_send_at(tp, x, len)) == 0)
			break;
		tp->t_sack_rxnext = x + sent;
		tp->t_rxt_mark = tp->snd_max;
		tp->t_prr_out += sent;
		tp->t_undo_rexmits++;
		ts->ts_stat.tcps_sack_rexmits++;
	}
}

/* A duplicate ACK on a SACK connection (its blocks already on the scoreboard): RFC 6675
 * section 5 steps 1-4 and (B)/(C). */
void
tcp_sack_dupack(struct tcpcb *tp, uint32_t ack)
{
	struct tcp_state *ts = tp->t_ts;
	struct tcp_hole h[TCP_NHOLES];
	uint32_t seg = tcp_segsz(tp), w, sent;
	int thresh = tcp_dupthresh(tp), nh, iter;

	if (tp->t_flags & TF_RECOVERY) {
		tcp_sack_fill(tp, thresh);
		return;
	}
	nh = tcp_sack_holes(tp, h, thresh);
	if ((tp->t_dupacks >= thresh || (nh > 0 && h[0].h_start == tp->snd_una && h[0].h_lost &&
	    h[0].h_below)) &&
	    (!ts->ts_newreno || SEQ_GEQ(ack, tp->snd_recover)) && tp->snd_nxt == tp->snd_max) {
		/* (4): enter recovery: ssthresh = cwnd = FlightSize / 2 (at least 2 SMSS) */
		w = tp->snd_max - tp->snd_una;
		if (w > tp->snd_wnd)
			w = tp->snd_wnd;
		w /= 2;
		if (w < 2 * seg)
			w = 2 * seg;
		tp->t_undo_cwnd = tp->snd_cwnd;
		tp->t_undo_ssthresh = tp->snd_ssthresh;
		tp->t_undo_rexmits = tp->t_undo_dsacks = 0;
		tp->snd_ssthresh = tp->snd_cwnd = w;
		tp->snd_recover = tp->snd_max;
		tcp_timer_cancel(tp, TCPT_REXMT);
		tp->t_rtttime = 0;
		tp->t_flags |= TF_RECOVERY;
		tp->t_sack_rxnext = tp->snd_una;
		ts->ts_stat.tcps_fastrexmit++;
		if (ts->ts_prr) {
			/* RFC 6937's start: RecoverFS = snd.nxt - snd.una; this ACK's SACKed
			 * bytes are the first delivered (when tcp_sack_update counted from
			 * this snd_una) */
			uint32_t sacked = tcp_sack_bytes(tp);

			tp->t_prr_recoverfs = tp->snd_max - tp->snd_una;
			tp->t_prr_delivered = tp->t_prr_una == tp->snd_una &&
			    sacked > tp->t_prr_sacked ? sacked - tp->t_prr_sacked : 0;
			tp->t_prr_out = 0;
			tp->t_prr_una = tp->snd_una;
			tp->t_prr_sacked = sacked;
		}
		/* (4.3): the first segment presumed lost (with PRR too, as Linux forces it) */
		w = nh > 0 && h[0].h_start == tp->snd_una ? h[0].h_end - tp->snd_una : seg;
		if ((sent = tcp_send_at(tp, tp->snd_una, w < seg ? w : seg)) > 0) {
			tp->t_sack_rxnext = tp->snd_una + sent;
			tp->t_prr_out += sent;
			tp->t_undo_rexmits++;
		}
		tp->t_rxt_mark = tp->snd_max;
		tcp_sack_fill(tp, thresh);
		return;
	}
	/* (3): limited transmit (RFC 3042) as pipe allows */
	for (iter = 0; iter < 8 && tcp_cansend_new(tp); iter++) {
		nh = tcp_sack_holes(tp, h, thresh);
		if (tp->snd_cwnd < tcp_sack_pipe(tp, h, nh) + seg || tcp_send_new(tp) == 0)
			break;
	}
}

/* After an ACK ended recovery: undo it if it was spurious (D-SACKs came already). */
void
tcp_sack_recovered(struct tcpcb *tp)
{
	tcp_undo_check(tp);
}

/* A partial ACK in SACK recovery, after snd_una moved: (B)/(C) */
void
tcp_sack_partialack(struct tcpcb *tp)
{
	tcp_sack_fill(tp, tcp_dupthresh(tp));
}

/* Limited transmit without SACK (RFC 3042): on the first and second duplicate ACK one
 * new segment, if the peer's window takes it and the flight stays within cwnd + 2 SMSS. */
void
tcp_limited_transmit(struct tcpcb *tp)
{
	uint32_t seg = tcp_segsz(tp);

	if (tcp_cansend_new(tp) && tp->snd_max - tp->snd_una + seg <= tp->snd_cwnd + 2 * seg)
		(void)tcp_send_new(tp);
}

/*
 * Tail loss probe (RFC 8985 section 7), on SACK connections: when the last segments of
 * a flight or their ACKs are lost, no duplicate ACK comes and only the RTO would
 * notice.  PTO = 2 SRTT (plus the delayed-ACK time when one segment is out), at least
 * 10 ms, armed after new data goes out or a cumulative ACK, while not in recovery and
 * before the RTO; it sends one new segment, else the last one again, so the peer's
 * ACK (with SACK blocks) starts fast recovery.  One probe until snd_una passes it.
 */
#define TCP_PTO_MIN	tcp_ms(10)

void
tcp_tlp_schedule(struct tcpcb *tp, uint64_t now)
{
	uint64_t pto;

	if (tp->t_tlp_out && SEQ_GEQ(tp->snd_una, tp->t_tlp_high))
		tp->t_tlp_out = 0;
	if (!(tp->t_flags & TF_SACK_PERMIT) || (tp->t_flags & TF_RECOVERY) || tp->t_tlp_out ||
	    tp->snd_max == tp->snd_una || tp->snd_nxt != tp->snd_max || tp->t_srtt == 0 ||
	    tp->t_state != TCPS_ESTABLISHED || tp->t_timer[TCPT_PERSIST] != 0 ||
	    tp->t_rxtshift != 0) {
		tp->t_timer[TCPT_TLP] = 0;
		return;
	}
	pto = 2 * tp->t_srtt;
	if (tp->snd_max - tp->snd_una <= tcp_segsz(tp))
		pto += (uint64_t)tp->t_ts->ts_delack_ticks * (1000000000u / TCP_HZ);
	if (pto < TCP_PTO_MIN)
		pto = TCP_PTO_MIN;
	if (tp->t_timer[TCPT_REXMT] != 0 && now + pto >= tp->t_timer[TCPT_REXMT]) {
		tp->t_timer[TCPT_TLP] = 0;	/* the RTO comes first */
		return;
	}
	tcp_timer_arm(tp, TCPT_TLP, now + pto);
}

void
tcp_tlp_timeout(struct tcpcb *tp)
{
	uint32_t seg = tcp_segsz(tp), out, len;

	if (!(tp->t_flags & TF_SACK_PERMIT) || (tp->t_flags & TF_RECOVERY) || tp->t_tlp_out ||
	    tp->snd_max == tp->snd_una || tp->snd_nxt != tp->snd_max ||
	    tp->t_state != TCPS_ESTABLISHED)
		return;
	tp->t_tlp_out = 1;
	tp->t_ts->ts_stat.tcps_tlp_probes++;
	if (tcp_cansend_new(tp) && tcp_send_new(tp) > 0) {
		tp->t_tlp_high = tp->snd_max;
	} else {
		/* the last segment of data again */
		out = tp->snd_max - tp->snd_una;
		if (out > tp->t_snd->sb_cc)
			out = (uint32_t)tp->t_snd->sb_cc;
		len = out < seg ? out : seg;
		tp->t_tlp_high = tp->snd_max;
		if (len > 0)
			(void)tcp_send_at(tp, tp->snd_una + out - len, len);
	}
	/* RFC 8985 7.3: the RTO restarts after the probe */
	tcp_timer_set(tp, TCPT_REXMT, tp->t_rxtcur);
}

/* Builds the SACK option for an ACK into opt (room bytes); returns its length. */
int
tcp_sack_option(struct tcpcb *tp, uint8_t *opt, int room)
{
	struct sackblk blk[4];
	struct tcpqent *q;
	int n = 0, max = (room - 4) / 8, i, len;

	if (!(tp->t_flags & TF_SACK_PERMIT) || tp->t_segq == NULL || max <= 0)
		return 0;
	if (max > 4)
		max = 4;
	/* the ranges of the reassembly queue; the most recent segment's range first */
	for (q = tp->t_segq; q != NULL;) {
		uint32_t s = q->tq_seq, e = q->tq_seq + q->tq_len;

		for (q = q->tq_next; q != NULL && q->tq_seq == e; q = q->tq_next)
			e += q->tq_len;
		if (s == e)
			continue;
		if (SEQ_GEQ(tp->t_rcv_lastsack, s) && SEQ_LT(tp->t_rcv_lastsack, e)) {
			memmove(&blk[1], &blk[0], (size_t)(n < max ? n : max - 1) * sizeof(blk[0]));
			blk[0].sb_start = s, blk[0].sb_end = e;
			if (n < max)
				n++;
		} else if (n < max) {
			blk[n].sb_start = s, blk[n].sb_end = e;
			n++;
		}
	}
	if (n == 0)
		return 0;
	opt[0] = TCPOPT_NOP;
	opt[1] = TCPOPT_NOP;
	opt[2] = TCPOPT_SACK;
	opt[3] = (uint8_t)(2 + 8 * n);
	for (i = 0, len = 4; i < n; i++, len += 8) {
		uint32_t s = htonl_(blk[i].sb_start), e = htonl_(blk[i].sb_end);
		memcpy(opt + len, &s, 4);
		memcpy(opt + len + 4, &e, 4);
	}
	tp->t_ts->ts_stat.tcps_sack_sndblocks += (uint64_t)n;
	return len;
}
