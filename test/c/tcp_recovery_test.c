/*
 * tcp_recovery_test.c: loss recovery pinned segment by segment (packetdrill style, the
 * virtual clock, tcp_pkt.h): the kernel sends, the test is the receiver that "loses"
 * segments and answers with hand-built (duplicate) ACKs and SACK blocks.  Pinned:
 *   - limited transmit (RFC 3042): one new segment on the first and on the second
 *     duplicate ACK, with SACK (as pipe allows, RFC 6675 step 3) and without;
 *   - RFC 6675: recovery on the third duplicate ACK retransmits the first hole and
 *     nothing more while pipe >= cwnd; pipe accounting (a lost hole leaves the pipe, its
 *     retransmission enters it); NextSeg rule 1 (a lost hole before new data), rule 2
 *     (new data when no hole is lost), partial ACKs, the end of recovery; a lost
 *     retransmission (data sent after it SACKed) sent again;
 *   - NewReno (RFC 6582) without SACK: a partial ACK retransmits the next hole at once;
 *   - early retransmit (RFC 5827): with three segments outstanding and nothing new to
 *     send the second duplicate ACK retransmits, with two the first; with and without
 *     SACK;
 *   - reordering within the duplicate ACK threshold: no retransmission at all;
 *   - the tail loss probe (RFC 8985 7) at 2 SRTT on a SACK connection, none without;
 *   - a spurious recovery undone when the peer's D-SACK reports its retransmission.
 * Segments are 1000 bytes (MSS 1000, no timestamps), the peer's window 65535.
 */
#include "tcp_pkt.h"

#define SEG 1000u

static uint16_t pport = 41000;
static uint32_t base;		/* the kernel's first data byte */
static uint32_t pseq;		/* our next sequence number */
static uint16_t pwin = 65535;	/* the window we offer */

/* A connection from us to the kernel's listener l, the kernel's initial window iw
 * segments; returns the accepted socket (TCP_NODELAY). */
static int
conn(int l, int sack, int iw)
{
	struct seg s;
	uint8_t opt[8];
	int n = 0, a;

	x_sysctl_tcp(8, NULL, &iw);			/* net.inet.tcp.init_win */
	pport++;
	opt[n++] = 2, opt[n++] = 4, put16(opt + n, (uint16_t)SEG), n += 2;
	if (sack)
		opt[n++] = 1, opt[n++] = 1, opt[n++] = 4, opt[n++] = 2;
	pseq = 5000;
	inject(pport, 80, pseq, 0, SYN, 65535, opt, n, NULL, 0);
	if (!next(&s, 1000) || s.flags != (SYN | ACK))
		return -1;
	base = s.seq + 1;
	pseq++;
	inject(pport, 80, pseq, base, ACK, pwin, NULL, 0, NULL, 0);
	a = rump_sys_accept(l, NULL, NULL);
	if (a >= 0)
		x_setint(a, X_IPPROTO_TCP, X_TCP_NODELAY, 1);
	return a;
}

/* An ACK of ack (segments from base) with up to three SACK blocks [s, e) in segments. */
static void
sack_ack(uint32_t ack, int nb, const uint32_t (*b)[2])
{
	uint8_t o[40];
	int n = 0;

	if (nb > 0) {
		o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (uint8_t)(2 + 8 * nb);
		for (int i = 0; i < nb; i++, n += 8) {
			put32(o + n, base + b[i][0] * SEG);
			put32(o + n + 4, base + b[i][1] * SEG);
		}
	}
	inject(pport, 80, pseq, base + ack * SEG, ACK, pwin, o, n, NULL, 0);
}

/* The next segment is data segment i (a full one); else reports what came. */
static int
expect(int i, const char *what)
{
	struct seg s;

	/* no waiting: an ACK's answer is sent on the injecting thread, and a timer's segment
	 * (sent on hyper's scheduler thread) is out once advance_ms returns, which waits until
	 * the timers that fell due have run (hyp_vclock_settle) */
	if (!next(&s, 0)) {
		ok(0, "%s: segment %d (nothing came)", what, i);
		return 0;
	}
	return ok(s.seq == base + (uint32_t)i * SEG && s.len == (int)SEG,
	    "%s: segment %d (got segment %d, %d bytes)", what, i, (int)(s.seq - base) / (int)SEG, s.len);
}

static int
none(const char *what)
{
	struct seg s;

	if (next(&s, 0))
		return ok(0, "%s: nothing (got segment %d, %d bytes, flags %#x)", what,
		    (int)(s.seq - base) / (int)SEG, s.len, s.flags);
	return ok(1, "%s: nothing", what);
}

/* The kernel sends its first n segments of w (the initial window). */
static int
flight(int a, int w, int n)
{
	static uint8_t buf[64 * SEG];
	struct seg s;
	int i, good = 1;

	memset(buf, 'r', sizeof(buf));
	rump_sys_write(a, buf, (size_t)w * SEG);
	for (i = 0; i < n; i++)
		good &= next(&s, 0) && s.seq == base + (uint32_t)i * SEG && s.len == (int)SEG;
	return good;
}

/* Three duplicate ACKs of segment 0 (with sack, SACKing 1, 1-2, 1-3): limited transmit
 * sends new segments lt and lt + 1, the third fast-retransmits segment 0. */
static void
dupacks3(int sack, int lt)
{
	static const uint32_t s1[][2] = { { 1, 2 } }, s2[][2] = { { 1, 3 } },
	    s3[][2] = { { 1, 4 } };

	sack_ack(0, sack, s1);
	expect(lt, "dupack 1: limited transmit");
	sack_ack(0, sack, s2);
	expect(lt + 1, "dupack 2: limited transmit");
	sack_ack(0, sack, s3);
	expect(0, "dupack 3: fast retransmit of segment 0");
}

/* How many of the segments sent now start below segment end (all are taken). */
static int
sent_below(uint32_t end)
{
	struct seg sg;
	int n = 0;

	while (next(&sg, 0))
		if ((int32_t)(sg.seq - (base + end * SEG)) < 0)
			n++;
	return n;
}

static void
finish(int a)
{
	x_linger_abort(a);
	drain();
}

int
main(void)
{
	struct rumpus_kernel *k;
	int l, a;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ok((k = pkt_setup("tcprecbus")) != NULL, "kernel 10.4.0.1 on tcprecbus, the test at 10.4.0.2");
	l = x_listen("0.0.0.0", 80, 5);

	/* ---- limited transmit with SACK, RFC 6675 recovery: pipe and NextSeg */
	{
		static const uint32_t b1[][2] = { { 1, 2 } }, b2[][2] = { { 1, 3 } },
		    b3[][2] = { { 1, 4 } }, b4[][2] = { { 1, 5 } }, b5[][2] = { { 1, 6 } },
		    b6[][2] = { { 1, 7 } };

		ok((a = conn(l, 1, 4)) >= 0, "SACK connection, initial window 4 segments");
		ok(flight(a, 12, 4), "12 segments written: 0-3 sent (the initial window)");
		none("the window is full");
		/* segment 0 lost */
		sack_ack(0, 1, b1);
		expect(4, "first duplicate ACK (SACK 1): limited transmit: new data");
		none("one segment only");
		sack_ack(0, 1, b2);
		expect(5, "second duplicate ACK (SACK 1-2): limited transmit: new data");
		none("one segment only");
		sack_ack(0, 1, b3);
		expect(0, "third duplicate ACK (SACK 1-3): fast retransmit of the first hole");
		/* ssthresh = cwnd = 6 / 2 = 3 segments; pipe = 0 (hole 0 IsLost) + 1 (its
		 * retransmission) + 2 (segments 4, 5) = 3 */
		none("pipe 3 = cwnd 3: nothing more");
		sack_ack(0, 1, b4);
		/* pipe 2: NextSeg rule 1 finds no lost byte above HighRxt; rule 2: new data */
		expect(6, "segment 4 SACKed: pipe 2 < cwnd 3: new data (NextSeg rule 2)");
		none("one segment only");
		sack_ack(0, 1, b5);
		expect(7, "segment 5 SACKed: pipe 2 again: new data");
		none("one segment only");
		/* segment 6, sent after the retransmission, is SACKed while segment 0 is
		 * still missing: the retransmission was lost (RACK's rule by sequence);
		 * HighRxt goes back: pipe = 0 (hole 0 lost, its retransmission gone) + 1
		 * (segment 7) */
		sack_ack(0, 1, b6);
		expect(0, "SACK 1-6 (sent after the retransmission): segment 0 again");
		expect(8, "then pipe 2 < cwnd 3: new data");
		none("pipe 3");
		/* the ACK of the recovery point (6) ends recovery */
		sack_ack(7, 0, NULL);
		drain();
		finish(a);
	}

	/* ---- NextSeg rule 1 before new data: two holes */
	{
		static const uint32_t d1[][2] = { { 1, 2 } }, d2[][2] = { { 1, 2 }, { 3, 4 } },
		    d3[][2] = { { 1, 2 }, { 3, 5 } }, d4[][2] = { { 1, 2 }, { 3, 6 } },
		    d5[][2] = { { 1, 2 }, { 3, 7 } }, d6[][2] = { { 1, 2 }, { 3, 8 } },
		    p1[][2] = { { 3, 8 } };

		ok((a = conn(l, 1, 8)) >= 0, "SACK connection, initial window 8 segments");
		ok(flight(a, 20, 8), "20 segments written: 0-7 sent");
		/* segments 0 and 2 lost */
		sack_ack(0, 1, d1);
		expect(8, "dupack 1 (SACK 1): pipe 7 < cwnd 8: new data");
		sack_ack(0, 2, d2);
		expect(9, "dupack 2 (SACK 1, 3): new data");
		none("one each");
		sack_ack(0, 2, d3);
		/* FlightSize 10: cwnd = ssthresh = 5; hole 0 is lost (3 SACKed above), hole 2
		 * is not (2 above): pipe = 1 (retransmitted 0) + 1 (hole 2) + 5 (5-9) = 7 */
		expect(0, "dupack 3 (SACK 1, 3-4): fast retransmit of segment 0");
		none("pipe 7 >= cwnd 5");
		sack_ack(0, 2, d4);
		/* hole 2 now IsLost (3 SACKed above): pipe = 1 + 0 + 4 = 5 */
		none("SACK 3-5: pipe 5 = cwnd 5: nothing");
		sack_ack(0, 2, d5);
		expect(2, "SACK 3-6: pipe 4: NextSeg rule 1: the lost hole (segment 2), not new data");
		none("one segment only");
		sack_ack(0, 2, d6);
		/* pipe = 1 (0 again) + 1 (2 again) + 2 (8, 9) = 4 */
		expect(10, "SACK 3-7: pipe 4: no lost byte above HighRxt: new data");
		none("one segment only");
		/* partial ACK: segment 0 arrived (ACK 2, SACK 3-7): pipe = 1 (2 again) + 3 (8-10) */
		sack_ack(2, 1, p1);
		expect(11, "partial ACK of 0-1: pipe 4 < cwnd 5: new data");
		none("one segment only");
		finish(a);
	}

	/* ---- the rescue retransmission (RFC 6675 NextSeg rule 4): the last segment of the
	 * window lost too, nothing new to send */
	{
		static const uint32_t g1[][2] = { { 1, 2 } }, g2[][2] = { { 1, 3 } },
		    g3[][2] = { { 1, 4 } }, g4[][2] = { { 1, 5 } }, g5[][2] = { { 1, 6 } },
		    g6[][2] = { { 1, 7 } };

		ok((a = conn(l, 1, 8)) >= 0, "SACK connection, initial window 8 segments");
		ok(flight(a, 8, 8), "8 segments written and sent: nothing new to send");
		/* segments 0 and 7 lost */
		sack_ack(0, 1, g1);
		sack_ack(0, 1, g2);
		none("two duplicate ACKs: no new data for limited transmit");
		sack_ack(0, 1, g3);
		/* cwnd = ssthresh = 4; pipe = 1 (0 again) + 4 (4-7, not lost) */
		expect(0, "third duplicate ACK: fast retransmit of segment 0");
		none("pipe 5 >= cwnd 4");
		sack_ack(0, 1, g4);
		none("SACK 1-5: pipe 4 = cwnd 4: nothing");
		sack_ack(0, 1, g5);
		/* pipe 3: rule 1 (no lost hole above HighRxt), rule 2 (no new data), rule 3
		 * (no hole below the highest SACKed byte but 0, retransmitted) find nothing */
		expect(7, "SACK 1-6: pipe 3 < cwnd 4, rules 1-3 find nothing: the rescue "
		    "retransmission of the highest unSACKed segment (7)");
		none("one segment only");
		sack_ack(0, 1, g6);
		none("SACK 1-7: pipe 2, but one rescue per recovery (HighACK <= RescueRxt)");
		sack_ack(8, 0, NULL);
		none("both retransmissions arrived: ACK 8 ends recovery, nothing to send");
		finish(a);
	}

	/* ---- how much goes out during recovery: RFC 6675's (C) by default, PRR (RFC 6937,
	 * PRR-SSRB) with net.inet.tcp.prr 1.  Slow start to 20 segments out, segment 10
	 * lost, then each duplicate ACK SACKs one more */
	for (int prr = 0; prr <= 1; prr++) {
		/* the duplicate ACKs after the one that starts recovery that send new data:
		 * RFC 6675 waits until pipe (19) < cwnd (11), then one per ACK; PRR sends one
		 * per two deliveries (ssthresh / RecoverFS = 11 / 22) while pipe > ssthresh */
		static const int sends[2][12] = { { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 },
						  { 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0 } };
		const char *mode = prr ? "PRR" : "RFC 6675";
		uint32_t blk[1][2] = { { 11, 12 } }, nextnew = 32;
		int good = 1, i, k;
		struct seg sg;

		ok(x_sysctl_tcp(104, NULL, &prr) == 0, "net.inet.tcp.prr %d", prr);
		ok((a = conn(l, 1, 10)) >= 0, "%s: SACK connection, initial window 10", mode);
		x_setint(a, X_SOL_SOCKET, X_SO_SNDBUF, 128 * 1024);
		ok(flight(a, 60, 10), "%s: 60 segments written: 0-9 sent", mode);
		for (i = 1; i <= 10; i++) {
			sack_ack((uint32_t)i, 0, NULL);
			good &= next(&sg, 0) && sg.seq == base + (uint32_t)(8 + 2 * i) * SEG;
			good &= next(&sg, 0) && sg.seq == base + (uint32_t)(9 + 2 * i) * SEG;
		}
		good &= !next(&sg, 0);
		ok(good, "%s: ACKs of 0-9 one by one: slow start sends 10-29", mode);
		sack_ack(10, 1, blk);
		expect(30, "dupack 1 (SACK 11): limited transmit");
		blk[0][1] = 13;
		sack_ack(10, 1, blk);
		expect(31, "dupack 2 (SACK 11-12): limited transmit");
		blk[0][1] = 14;
		sack_ack(10, 1, blk);
		/* FlightSize 22: ssthresh = cwnd = 11; pipe = 1 (10 again) + 18 (14-31) */
		expect(10, "dupack 3 (SACK 11-13): fast retransmit of segment 10");
		none("pipe 19 > 11: nothing more");
		good = 1;
		for (k = 0; k < 12; k++) {
			blk[0][1] = 15 + (uint32_t)k;
			sack_ack(10, 1, blk);
			if (sends[prr][k]) {
				if (!next(&sg, 0) || sg.seq != base + nextnew * SEG) {
					good = 0;
					diag("%s: ACK %d: segment %u missing", mode, k + 1, nextnew);
				}
				nextnew++;
			}
			while (next(&sg, 0)) {
				good = 0;
				diag("%s: ACK %d: unexpected segment %d", mode, k + 1,
				    (int)(sg.seq - base) / (int)SEG);
			}
		}
		ok(good, "%s: the next 12 duplicate ACKs send new data as %s", mode, prr ?
		    "0 0 1 0 1 0 1 0 1 0 1 0 (one per two delivered)" :
		    "0 0 0 0 0 0 0 0 1 1 1 1 (once pipe < cwnd)");
		finish(a);
	}
	{
		int v = 0;
		ok(x_sysctl_tcp(104, &v, NULL) == 0 && v == 1 && x_sysctl_tcp(104, NULL,
		    &(int){ 2 }) == EINVAL, "net.inet.tcp.prr reads 1; 2 is EINVAL");
		x_sysctl_tcp(104, NULL, &(int){ 0 });
	}

	/* ---- limited transmit without SACK (RFC 3042), then NewReno */
	{
		ok((a = conn(l, 0, 4)) >= 0, "connection without SACK, initial window 4");
		ok(flight(a, 12, 4), "12 segments written: 0-3 sent");
		sack_ack(0, 0, NULL);
		expect(4, "first duplicate ACK: limited transmit: new data");
		none("one segment only");
		sack_ack(0, 0, NULL);
		expect(5, "second duplicate ACK: limited transmit: new data");
		none("one segment only");
		sack_ack(0, 0, NULL);
		expect(0, "third duplicate ACK: fast retransmit");
		finish(a);
	}

	/* ---- NewReno (RFC 6582) without SACK: a partial ACK retransmits the next hole at
	 * once, the ACK of the recovery point ends recovery */
	{
		int n, late;

		ok((a = conn(l, 0, 8)) >= 0, "connection without SACK, initial window 8");
		ok(flight(a, 30, 8), "30 segments written: 0-7 sent");
		/* segments 0 and 3 lost; recover = 10 segments sent */
		dupacks3(0, 8);
		sack_ack(0, 0, NULL);
		late = sent_below(10);
		ok(late == 0, "a further duplicate ACK: only new data in the inflated window (%d "
		    "old segments)", late);
		/* segment 0 arrived: the ACK covers 0-2, not the recovery point */
		sack_ack(3, 0, NULL);
		expect(3, "partial ACK of 0-2: segment 3 retransmitted at once");
		n = sent_below(10);
		ok(n == 0, "nothing else below the recovery point (%d)", n);
		sack_ack(12, 0, NULL);
		drain();
		finish(a);
	}

	/* ---- early retransmit (RFC 5827): few segments outstanding, nothing new to send */
	{
		static const uint32_t e1[][2] = { { 1, 2 } }, e2[][2] = { { 1, 3 } },
		    f1[][2] = { { 1, 2 } };

		ok((a = conn(l, 1, 4)) >= 0, "SACK connection");
		ok(flight(a, 3, 3), "3 segments written and sent");
		sack_ack(0, 1, e1);
		none("first duplicate ACK: ER_thresh 2: nothing");
		sack_ack(0, 1, e2);
		expect(0, "second duplicate ACK: early retransmit of segment 0");
		none("one segment only");
		finish(a);

		ok((a = conn(l, 1, 4)) >= 0, "SACK connection");
		ok(flight(a, 2, 2), "2 segments written and sent");
		sack_ack(0, 1, f1);
		expect(0, "two outstanding: the first duplicate ACK retransmits (ER_thresh 1)");
		finish(a);

		ok((a = conn(l, 0, 4)) >= 0, "connection without SACK");
		ok(flight(a, 3, 3), "3 segments written and sent");
		sack_ack(0, 0, NULL);
		none("first duplicate ACK: nothing");
		sack_ack(0, 0, NULL);
		expect(0, "second duplicate ACK: early retransmit of segment 0");
		finish(a);

		/* four outstanding: the usual threshold of 3 */
		ok((a = conn(l, 0, 4)) >= 0, "connection without SACK");
		ok(flight(a, 4, 4), "4 segments written and sent");
		sack_ack(0, 0, NULL);
		sack_ack(0, 0, NULL);
		none("four outstanding: two duplicate ACKs retransmit nothing");
		sack_ack(0, 0, NULL);
		expect(0, "the third does");
		finish(a);

		/* unsent data the peer's window does not take counts as nothing to send */
		pwin = 3 * SEG;
		ok((a = conn(l, 1, 4)) >= 0, "SACK connection, the peer's window 3 segments");
		pwin = 65535;
		ok(flight(a, 12, 3), "12 segments written: 0-2 sent (the peer's window)");
		none("no more");
		{
			uint8_t o[12];
			o[0] = 1, o[1] = 1, o[2] = 5, o[3] = 10;
			put32(o + 4, base + 1 * SEG), put32(o + 8, base + 2 * SEG);
			inject(pport, 80, pseq, base, ACK, 3 * SEG, o, 12, NULL, 0);
			none("first duplicate ACK: nothing (no limited transmit into the window)");
			put32(o + 8, base + 3 * SEG);
			inject(pport, 80, pseq, base, ACK, 3 * SEG, o, 12, NULL, 0);
			expect(0, "second duplicate ACK: early retransmit of segment 0");
		}
		finish(a);
	}

	/* ---- reordering within the threshold: never a retransmission */
	{
		static const uint32_t r1[][2] = { { 1, 2 } }, r2[][2] = { { 3, 4 } },
		    r3[][2] = { { 3, 5 } };
		struct seg s;
		uint32_t high;
		int bad = 0, got = 0;

		ok((a = conn(l, 1, 8)) >= 0, "SACK connection, initial window 8");
		ok(flight(a, 30, 8), "30 segments written (the send buffer takes them): 0-7 sent");
		high = base + 8 * SEG;
		/* 1 arrives before 0, then 0 */
		sack_ack(0, 1, r1);
		sack_ack(2, 0, NULL);
		/* 3 and 4 before 2, then 2 */
		sack_ack(2, 1, r2);
		sack_ack(2, 1, r3);
		sack_ack(5, 0, NULL);
		while (next(&s, 0)) {
			got++;
			if ((int32_t)(s.seq - high) < 0) {
				bad++;
				diag("retransmitted: seq +%d len %d flags %#x dport %u", (int)(s.seq - base), s.len, s.flags, s.dport);
			}
			else
				high = s.seq + (uint32_t)s.len;
		}
		ok(got > 0 && bad == 0, "reordered by one and by two segments: %d segments sent, "
		    "%d of them retransmissions", got, bad);
		finish(a);
	}

	/* ---- a spurious recovery undone by D-SACK (RFC 2883, RFC 3708) */
	{
		static const uint32_t dsack[][2] = { { 0, 1 } };

		ok((a = conn(l, 1, 4)) >= 0, "SACK connection, initial window 4");
		ok(flight(a, 20, 4), "20 segments written: 0-3 sent");
		/* segment 0 is only late: three duplicate ACKs, recovery (cwnd 4 -> 3), segment
		 * 0 again */
		dupacks3(1, 4);
		/* the original arrives: everything ACKed, recovery over: cwnd = min(FlightSize
		 * + 1, ssthresh) = 1 segment, plus slow start's 1 */
		sack_ack(6, 0, NULL);
		expect(6, "recovery over: new data");
		expect(7, "new data (cwnd 2)");
		none("cwnd 2 full");
		/* then the retransmission arrives: the peer reports it with a D-SACK below its
		 * ACK; the only retransmission was needless: cwnd back to 4 */
		sack_ack(6, 1, dsack);
		expect(8, "D-SACK of segment 0: the recovery undone (cwnd 4): new data");
		expect(9, "new data");
		none("cwnd 4 full");
		finish(a);
	}

	/* ---- tail loss probe (RFC 8985 7): PTO = max(2 SRTT, 10 ms), the last segment */
	{
		ok((a = conn(l, 1, 4)) >= 0, "SACK connection, initial window 4");
		ok(flight(a, 6, 4), "6 segments written: 0-3 sent");
		advance_ms(5);
		sack_ack(2, 0, NULL);
		/* SRTT 5 ms (segment 0 timed); slow start lets 4 and 5 out */
		expect(4, "ACK of 0-1 after 5 ms: new data");
		expect(5, "new data");
		none("all sent");
		advance_ms(9);
		none("no probe before 2 SRTT = 10 ms");
		advance_ms(1);
		expect(5, "at 10 ms: the probe, the last segment again");
		none("one probe");
		advance_ms(999);
		none("the RTO restarted at the probe: nothing before 1 s more");
		advance_ms(1);
		expect(2, "then the RTO: segment 2");
		finish(a);

		ok((a = conn(l, 0, 4)) >= 0, "without SACK: no probe");
		ok(flight(a, 6, 4), "6 segments written: 0-3 sent");
		advance_ms(5);
		sack_ack(2, 0, NULL);
		expect(4, "ACK after 5 ms: new data");
		expect(5, "new data");
		advance_ms(999);
		none("nothing before the RTO");
		advance_ms(1);
		expect(2, "the RTO at 1 s: segment 2");
		finish(a);
	}

	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
	return tap_done();
}
