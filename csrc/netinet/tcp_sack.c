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
 * costs a needless retransmission).  In fast recovery each duplicate ACK lets one
 * segment out: the next hole below the highest SACKed byte that was not retransmitted
 * yet (RFC 6675's NextSeg rule 1), else new data as NewReno inflates the window; partial
 * ACKs move on to the next hole.  XXX: the pipe estimate of RFC 6675 is NewReno's
 * inflated window here, and recovery starts on the third duplicate ACK only (not on
 * DupThresh SACKed segments).  A retransmission timeout clears the scoreboard (the
 * peer may renege).
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
void
tcp_sack_update(struct tcpcb *tp, const uint8_t *opt, int len)
{
	int i;

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

/* Retransmits one segment of the next hole; returns 1 if it did. */
int
tcp_sack_rexmit(struct tcpcb *tp)
{
	struct sackblk *b = tp->t_sacked;
	uint32_t x = SEQ_MAX(tp->snd_una, tp->t_sack_rxnext), len, onxt, ocwnd, seg;
	int i;

	if (!(tp->t_flags & TF_SACK_PERMIT) || tp->t_nsacked == 0)
		return 0;
	for (i = 0; i < tp->t_nsacked; i++) {
		if (SEQ_LT(x, b[i].sb_start))
			break;			/* x is in the hole before b[i] */
		if (SEQ_LT(x, b[i].sb_end))
			x = b[i].sb_end;	/* inside a SACKed range: skip it */
	}
	if (i == tp->t_nsacked)
		return 0;			/* nothing known lost */
	seg = tcp_segsz(tp);
	len = b[i].sb_start - x;
	if (len > seg)
		len = seg;
	onxt = tp->snd_nxt;
	ocwnd = tp->snd_cwnd;
	tp->snd_nxt = x;
	tp->snd_cwnd = (x - tp->snd_una) + len;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	tp->t_sack_rxnext = x + len;
	tp->t_ts->ts_stat.tcps_sack_rexmits++;
	return 1;
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
