/*
 * bus_impair_test.c: netem-style impairments of a bus (issue 10, "Impaired links").
 * Ports without kernels (the test's own) send numbered frames through an impaired bus,
 * seeded and under the virtual clock (the deterministic mode: delayed frames go out when
 * the test advances the clock, on this thread), and the arrivals are checked against each
 * impairment's statistics within wide bounds: random and Gilbert-Elliott loss (bursts),
 * delay and jitter (uniform and normal) in virtual time, rate with a queue limit (tail
 * drops), duplication, netem's reordering with a gap, corruption (one bit after the
 * Ethernet header), partitions (drop; hold, then release or drop), a port's rule over the
 * bus's, bad input, freeing queued frames with the bus, and replay (two runs with one
 * seed give byte-identical pcaps, another seed another one).  Then, on the real clock,
 * two threads send while a third keeps changing the settings; every frame is accounted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rumpus_race.h"
#include "net/bus.h"

#define MS	1000000ull
#define NMAX	40000

struct tport {
	struct bus_port port;
	uint8_t mac[6];
	atomic_int rx;
	int n;				/* arrivals recorded (deterministic mode: one thread) */
	uint32_t seq[NMAX + 2 * NMAX];
	uint64_t when[NMAX + 2 * NMAX];
	uint8_t last[2048];
	size_t lastlen;
};
static struct tport pa, pb, pc;
static int recording = 1;	/* off while several threads deliver */

static void
tport_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct tport *tp = bp->bp_arg;
	uint32_t s = 0;

	atomic_fetch_add(&tp->rx, 1);
	if (!recording)
		return;
	if (len >= 18)
		memcpy(&s, (const uint8_t *)frame + 14, 4);
	if (tp->n < (int)(sizeof(tp->seq) / sizeof(tp->seq[0]))) {
		tp->seq[tp->n] = s;
		tp->when[tp->n] = rumpus_clock_now();
		tp->n++;
	}
	if (len <= sizeof(tp->last)) {
		memcpy(tp->last, frame, len);
		tp->lastlen = len;
	}
}

static int
tport_attach(struct tport *tp, const char *bus, int id)
{
	memset(tp, 0, sizeof(*tp));
	tp->port.bp_rx = tport_rx;
	tp->port.bp_arg = tp;
	tp->mac[0] = 0xb2, tp->mac[1] = 0xa0, tp->mac[2] = 0x7f, tp->mac[5] = (uint8_t)id;
	bus_port_set(&tp->port, tp->mac, 0);
	return bus_attach(bus, &tp->port);
}

static void
tport_reset(struct tport *tp)
{
	atomic_store(&tp->rx, 0);
	tp->n = 0;
}

/* A frame of len bytes from `from` to `to` carrying seq, the rest a pattern. */
static void
send_seq(struct tport *from, struct tport *to, uint32_t seq, size_t len)
{
	uint8_t f[2048];
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	memcpy(f, to->mac, 6);
	memcpy(f + 6, from->mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	memcpy(f + 14, &seq, 4);
	bus_xmit(&from->port, f, len);
}

static double
xsqrt(double v)		/* no libm in the test's link */
{
	double x = v > 1 ? v : 1;

	for (int i = 0; i < 60; i++)
		x = (x + v / x) / 2;
	return x;
}

/* Moves virtual time by total in steps (due frames go out at each step). */
static void
step(uint64_t total, uint64_t by)
{
	for (uint64_t t = 0; t < total; t += by)
		rumpus_clock_advance(by);
}

static struct rumpus_impair_stats
stats(const char *bus, const uint8_t *mac)
{
	struct rumpus_impair_stats st;

	memset(&st, 0xff, sizeof(st));
	if (rumpus_bus_impair_get(bus, mac, NULL, &st) != 0)
		memset(&st, 0xff, sizeof(st));
	return st;
}

/* Every frame a rule saw is lost, tail-dropped, delivered (copies too), dropped from a
 * hold or still waiting. */
static int
balanced(const struct rumpus_impair_stats *s)
{
	return s->frames + s->duplicated ==
	    s->lost + s->queue_drops + s->delivered + s->held_dropped + s->queued;
}

static int
setup(const char *bus)
{
	tport_attach(&pa, bus, 1);
	tport_attach(&pb, bus, 2);
	return tport_attach(&pc, bus, 3);
}

static void
teardown(void)
{
	bus_detach(&pa.port);
	bus_detach(&pb.port);
	bus_detach(&pc.port);
}

/* ---------------------------------------------------------------- bad input */

static void
t_badinput(void)
{
	struct rumpus_impair im;
	const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	char longname[200];

	setup("impbad");
	memset(&im, 0, sizeof(im));
	ok(rumpus_bus_impair(NULL, NULL, &im) == EINVAL, "NULL bus: EINVAL");
	ok(rumpus_bus_impair("", NULL, &im) == EINVAL, "empty bus name: EINVAL");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(rumpus_bus_impair(longname, NULL, &im) == EINVAL, "too long a bus name: EINVAL");
	ok(rumpus_bus_impair("impnosuch", NULL, &im) == ENOENT, "no such bus: ENOENT");
	ok(rumpus_bus_impair_get("impnosuch", NULL, &im, NULL) == ENOENT, "get, no such bus: ENOENT");
	im.loss = 1.5;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "loss 1.5: EINVAL");
	im.loss = -0.1;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "loss -0.1: EINVAL");
	im.loss = __builtin_nan("");
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "loss NaN: EINVAL");
	memset(&im, 0, sizeof(im));
	im.ge_r = 2;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "ge_r 2: EINVAL");
	memset(&im, 0, sizeof(im));
	im.loss_model = 7;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "unknown loss model: EINVAL");
	memset(&im, 0, sizeof(im));
	im.delay_dist = 2;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "unknown distribution: EINVAL");
	memset(&im, 0, sizeof(im));
	im.delay_ns = 3601ull * 1000000000ull;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "delay over an hour: EINVAL");
	memset(&im, 0, sizeof(im));
	im.partition = 3;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "unknown partition: EINVAL");
	memset(&im, 0, sizeof(im));
	im.drop_held = 2;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "drop_held 2: EINVAL");
	memset(&im, 0, sizeof(im));
	im.limit = 2000000;
	ok(rumpus_bus_impair("impbad", NULL, &im) == EINVAL, "limit over a million: EINVAL");
	memset(&im, 0, sizeof(im));
	im.loss = 0.5;
	ok(rumpus_bus_impair("impbad", mcast, &im) == EINVAL, "a multicast port address: EINVAL");
	ok(rumpus_bus_impair("impbad", NULL, NULL) == 0, "NULL setting: off");
	ok(rumpus_bus_impair("impbad", pa.mac, NULL) == 0, "off for a port that had no rule: 0");
	memset(&im, 0x55, sizeof(im));
	ok(rumpus_bus_impair_get("impbad", NULL, &im, NULL) == 0 && im.loss == 0 &&
	    im.partition == 0, "get where nothing is set: zeroes");
	teardown();
}

/* ---------------------------------------------------------------- loss */

static void
t_loss(void)
{
	struct rumpus_impair im = { .loss = 0.1 };
	struct rumpus_impair_stats st;
	int i, N = 20000;

	setup("imploss");
	ok(rumpus_bus_impair("imploss", NULL, &im) == 0, "loss 10%% set");
	for (i = 0; i < N; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	st = stats("imploss", NULL);
	ok(st.frames == (uint64_t)N && st.lost >= 1600 && st.lost <= 2400 &&
	    atomic_load(&pb.rx) == N - (int)st.lost && balanced(&st),
	    "random loss: %d of %d frames lost, the rest arrived", (int)st.lost, N);
	ok(atomic_load(&pc.rx) == 0 && atomic_load(&pa.rx) == 0, "unicast still switched");
	im.loss = 1;
	rumpus_bus_impair("imploss", NULL, &im);
	tport_reset(&pb);
	for (i = 0; i < 100; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	ok(atomic_load(&pb.rx) == 0, "loss 1: nothing arrives");
	rumpus_bus_impair("imploss", NULL, NULL);
	for (i = 0; i < 100; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	ok(atomic_load(&pb.rx) == 100, "off again: everything arrives");
	teardown();
}

/* Mean length of runs of consecutive lost frames, from the arrivals of 0..N-1. */
static double
burst_mean(struct tport *tp, int N, int *lostp)
{
	static uint8_t got[NMAX];
	int i, runs = 0, lost = 0, in = 0;

	memset(got, 0, sizeof(got));
	for (i = 0; i < tp->n; i++)
		if (tp->seq[i] < (uint32_t)N)
			got[tp->seq[i]] = 1;
	for (i = 0; i < N; i++)
		if (!got[i]) {
			lost++;
			if (!in)
				runs++;
			in = 1;
		} else
			in = 0;
	*lostp = lost;
	return runs ? (double)lost / runs : 0;
}

static void
t_gilbert(void)
{
	struct rumpus_impair ge = { .loss_model = RUMPUS_LOSS_GE, .ge_p = 0.01, .ge_r = 0.2,
	    .ge_bad_loss = 1, .ge_good_loss = 0 };
	struct rumpus_impair rnd = { .loss = 0.0476 };
	double mge, mrnd;
	int i, N = NMAX, lge, lrnd;

	setup("impge");
	ok(rumpus_bus_impair("impge", NULL, &ge) == 0, "Gilbert-Elliott set");
	for (i = 0; i < N; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	mge = burst_mean(&pb, N, &lge);
	tport_reset(&pb);
	rumpus_bus_impair("impge", NULL, &rnd);
	for (i = 0; i < N; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	mrnd = burst_mean(&pb, N, &lrnd);
	/* p/(p+r) = 4.8% lost, in bursts of 1/r = 5 on average; random loss at that rate
	 * gives bursts of about 1.05 */
	ok(lge > N * 0.03 && lge < N * 0.07, "GE loses %d of %d (expected about 4.8%%)", lge, N);
	ok(mge > 3.5 && mge < 7, "GE losses come in bursts (mean %.2f, expected 5)", mge);
	ok(lrnd > N * 0.035 && lrnd < N * 0.06 && mrnd < 1.3,
	    "random loss at that rate: %d lost, bursts of %.2f", lrnd, mrnd);
	teardown();
}

/* ---------------------------------------------------------------- delay */

static void
t_delay(void)
{
	struct rumpus_impair im = { .delay_ns = 100 * MS };
	struct rumpus_impair_stats st;
	uint64_t t0;
	int i, sorted = 1, inorder = 1, inrange = 1, N = 2000;
	double sum = 0, sq = 0, mean, sd;

	setup("impdelay");
	rumpus_bus_impair("impdelay", NULL, &im);
	t0 = rumpus_clock_now();
	for (i = 0; i < 10; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	ok(atomic_load(&pb.rx) == 0 && stats("impdelay", NULL).queued == 10,
	    "delay 100 ms: ten frames wait");
	rumpus_clock_advance(99 * MS);
	ok(atomic_load(&pb.rx) == 0, "nothing after 99 ms of virtual time");
	rumpus_clock_advance(1 * MS);
	for (i = 0; i < pb.n; i++)
		if (pb.seq[i] != (uint32_t)i || pb.when[i] != t0 + 100 * MS)
			inorder = 0;
	ok(pb.n == 10 && inorder, "all ten at 100 ms, in order");
	st = stats("impdelay", NULL);
	ok(st.delayed == 10 && st.delivered == 10 && st.queued == 0 && balanced(&st),
	    "counted: delayed 10, delivered 10");

	/* uniform jitter: 50 +- 10 ms, a frame every ms; arrivals in release order */
	tport_reset(&pb);
	im = (struct rumpus_impair){ .delay_ns = 50 * MS, .jitter_ns = 10 * MS };
	rumpus_bus_impair("impdelay", NULL, &im);
	t0 = rumpus_clock_now();
	for (i = 0; i < N; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 60);
		step(1 * MS, MS / 10);
	}
	step(100 * MS, MS / 10);
	for (i = 0; i < pb.n; i++) {
		uint64_t sent = t0 + pb.seq[i] * MS, d = pb.when[i] - sent;

		if (d < 40 * MS || d > 60 * MS + MS / 10)	/* a step late at most */
			inrange = 0;
		if (i > 0 && pb.when[i] < pb.when[i - 1])
			sorted = 0;
		if (i > 0 && pb.seq[i] < pb.seq[i - 1])
			inorder = 0;
	}
	ok(pb.n == N && inrange && sorted, "uniform jitter: every delay within 40..60 ms, "
	    "released in time order");
	ok(!inorder, "jitter reorders frames (as netem's does)");

	/* normal jitter: mean and deviation */
	tport_reset(&pb);
	im.delay_dist = RUMPUS_DIST_NORMAL;
	rumpus_bus_impair("impdelay", NULL, &im);
	t0 = rumpus_clock_now();
	for (i = 0; i < N; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 60);
		step(1 * MS, MS / 10);
	}
	step(200 * MS, MS / 10);
	for (i = 0; i < pb.n; i++) {
		double d = (double)(pb.when[i] - (t0 + pb.seq[i] * MS)) / MS;

		sum += d, sq += d * d;
	}
	mean = sum / pb.n;
	sd = xsqrt(sq / pb.n - mean * mean);
	ok(pb.n == N && mean > 48 && mean < 52 && sd > 8 && sd < 12,
	    "normal jitter: mean %.2f ms (50), deviation %.2f ms (10)", mean, sd);

	/* the queue limit holds for delayed frames too */
	tport_reset(&pb);
	im = (struct rumpus_impair){ .delay_ns = 10 * MS, .limit = 5 };
	rumpus_bus_impair("impdelay", NULL, &im);
	st = stats("impdelay", NULL);
	for (i = 0; i < 10; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	rumpus_clock_advance(10 * MS);
	ok(atomic_load(&pb.rx) == 5 && stats("impdelay", NULL).queue_drops == st.queue_drops + 5,
	    "limit 5: five delayed, five tail-dropped");
	teardown();
}

/* ---------------------------------------------------------------- rate */

static void
t_rate(void)
{
	struct rumpus_impair im = { .rate_bps = 1000000, .limit = 10 };
	struct rumpus_impair_stats st;
	uint64_t t0;
	int i, exact = 1;

	setup("imprate");
	rumpus_bus_impair("imprate", NULL, &im);
	t0 = rumpus_clock_now();
	for (i = 0; i < 50; i++)		/* 1000 bytes: 8 ms each at 1 Mbit/s */
		send_seq(&pa, &pb, (uint32_t)i, 1000);
	st = stats("imprate", NULL);
	ok(st.queue_drops == 40 && st.queued == 10, "a burst of 50 into a queue of 10: 40 dropped");
	step(200 * MS, 1 * MS);
	for (i = 0; i < pb.n; i++)
		if (pb.seq[i] != (uint32_t)i || pb.when[i] != t0 + (uint64_t)(i + 1) * 8 * MS)
			exact = 0;
	ok(pb.n == 10 && exact, "the ten leave one every 8 ms, in order");
	/* slower than the link: nothing dropped, each 8 ms after it was sent */
	tport_reset(&pb);
	t0 = rumpus_clock_now();
	for (i = 0; i < 20; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 1000);
		step(10 * MS, 1 * MS);
	}
	for (i = 0; i < pb.n; i++)
		if (pb.when[i] != t0 + (uint64_t)i * 10 * MS + 8 * MS)
			exact = 0;
	ok(pb.n == 20 && exact && stats("imprate", NULL).queue_drops == 40,
	    "paced under the rate: all 20 pass, 8 ms each");
	teardown();
}

/* ---------------------------------------------------------------- reorder, duplicate */

static void
t_reorder(void)
{
	struct rumpus_impair im = { .delay_ns = 10 * MS, .reorder = 0.25, .gap = 5 };
	struct rumpus_impair_stats st;
	uint64_t t0;
	int i, N = 2000, immediate = 0, last = -100, gapok = 1, delayok = 1;

	setup("impreord");
	rumpus_bus_impair("impreord", NULL, &im);
	t0 = rumpus_clock_now();
	for (i = 0; i < N; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 60);
		rumpus_clock_advance(1 * MS);
	}
	step(20 * MS, 1 * MS);
	for (i = 0; i < pb.n; i++) {
		uint64_t sent = t0 + pb.seq[i] * MS;

		if (pb.when[i] == sent) {
			immediate++;
			if ((int)pb.seq[i] - last < 5)
				gapok = 0;
			last = (int)pb.seq[i];
		} else if (pb.when[i] != sent + 10 * MS)
			delayok = 0;
	}
	st = stats("impreord", NULL);
	ok(pb.n == N && delayok, "reorder: every frame arrives, the others after 10 ms");
	ok(immediate == (int)st.reordered && immediate > 150 && immediate < 350 && gapok,
	    "reorder 25%% gap 5: %d frames went at once, never two within 5", immediate);
	teardown();

	setup("impdup");
	im = (struct rumpus_impair){ .duplicate = 0.1 };
	rumpus_bus_impair("impdup", NULL, &im);
	for (i = 0; i < 10000; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	st = stats("impdup", NULL);
	ok(st.duplicated > 800 && st.duplicated < 1200 &&
	    atomic_load(&pb.rx) == 10000 + (int)st.duplicated && balanced(&st),
	    "duplicate 10%%: %d copies more", (int)st.duplicated);
	teardown();
}

/* ---------------------------------------------------------------- corrupt */

static void
t_corrupt(void)
{
	struct rumpus_impair im = { .corrupt = 1 };
	uint8_t want[200];
	int i, j, one = 1, n;

	setup("impcorr");
	rumpus_bus_impair("impcorr", NULL, &im);
	for (i = 0; i < 100; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 200);
		for (j = 0; j < 200; j++)
			want[j] = (uint8_t)(j * 7 + 3);
		memcpy(want, pb.mac, 6);
		memcpy(want + 6, pa.mac, 6);
		want[12] = 0x08, want[13] = 0;
		memcpy(want + 14, &(uint32_t){ (uint32_t)i }, 4);
		for (n = 0, j = 0; j < 200; j++)
			n += __builtin_popcount(want[j] ^ pb.last[j]) + (j < 14 && want[j] != pb.last[j]) * 100;
		if (pb.lastlen != 200 || n != 1)
			one = 0;
	}
	ok(atomic_load(&pb.rx) == 100 && one && stats("impcorr", NULL).corrupted == 100,
	    "corrupt 1: every frame arrives with exactly one bit flipped after the header");
	teardown();
}

/* ---------------------------------------------------------------- partition */

static void
t_partition(void)
{
	struct rumpus_impair im = { .partition = RUMPUS_PART_HOLD };
	struct rumpus_impair_stats st;
	int i, inorder = 1;

	setup("imppart");
	rumpus_bus_impair("imppart", NULL, &im);
	for (i = 0; i < 5; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	rumpus_clock_advance(1000 * MS);
	st = stats("imppart", NULL);
	ok(atomic_load(&pb.rx) == 0 && st.held == 5 && st.queued == 5, "hold: five frames held");
	ok(rumpus_bus_impair("imppart", NULL, NULL) == 0, "partition ends");
	for (i = 0; i < pb.n; i++)
		if (pb.seq[i] != (uint32_t)i)
			inorder = 0;
	ok(pb.n == 5 && inorder && stats("imppart", NULL).queued == 0,
	    "the held frames arrive at once, in order");
	rumpus_bus_impair("imppart", NULL, &im);
	for (i = 0; i < 3; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	im = (struct rumpus_impair){ .drop_held = 1 };
	rumpus_bus_impair("imppart", NULL, &im);
	st = stats("imppart", NULL);
	ok(pb.n == 5 && st.held_dropped == 3 && st.queued == 0 && balanced(&st),
	    "ended with drop_held: the three held frames are dropped");
	im = (struct rumpus_impair){ .partition = RUMPUS_PART_HOLD, .limit = 4 };
	rumpus_bus_impair("imppart", NULL, &im);
	for (i = 0; i < 10; i++)
		send_seq(&pa, &pb, (uint32_t)i, 60);
	st = stats("imppart", NULL);
	ok(st.queued == 4 && st.queue_drops == 6, "a hold is bounded by the limit");
	im = (struct rumpus_impair){ .partition = RUMPUS_PART_DROP };
	rumpus_bus_impair("imppart", NULL, &im);	/* HOLD -> DROP releases what was held */
	ok(pb.n == 9, "HOLD to DROP releases the held frames");
	send_seq(&pa, &pb, 99, 60);
	st = stats("imppart", NULL);
	ok(pb.n == 9 && balanced(&st), "DROP: frames are lost");
	teardown();
}

/* ---------------------------------------------------------------- a port's rule */

static void
t_port(void)
{
	struct rumpus_impair all = { .loss = 1 }, slow = { .delay_ns = 1 * MS };
	struct rumpus_impair_stats sa, sb;

	setup("impport");
	rumpus_bus_impair("impport", NULL, &all);
	ok(rumpus_bus_impair("impport", pa.mac, &slow) == 0, "a rule for port A");
	send_seq(&pa, &pb, 1, 60);
	send_seq(&pc, &pb, 2, 60);
	ok(pb.n == 0, "nothing yet");
	rumpus_clock_advance(1 * MS);
	ok(pb.n == 1 && pb.seq[0] == 1, "A's frame was delayed, C's lost (the bus's rule)");
	sa = stats("impport", pa.mac);
	sb = stats("impport", NULL);
	ok(sa.frames == 1 && sa.delivered == 1 && sb.frames == 1 && sb.lost == 1,
	    "each rule counts its own frames");
	rumpus_bus_impair("impport", pa.mac, NULL);
	send_seq(&pa, &pb, 3, 60);
	rumpus_clock_advance(1 * MS);
	ok(pb.n == 1 && stats("impport", NULL).lost == 2, "A's rule off: the bus's applies");
	/* a rule set before its port attaches */
	{
		struct tport *pd = calloc(1, sizeof(*pd));
		uint8_t mac[6] = { 0xb2, 0xa0, 0x7f, 0, 0, 9 };

		rumpus_bus_impair("impport", NULL, NULL);
		ok(rumpus_bus_impair("impport", mac, &all) == 0, "a rule for a MAC not on the bus");
		tport_attach(pd, "impport", 9);
		send_seq(pd, &pb, 4, 60);
		send_seq(&pa, &pb, 5, 60);
		ok(pb.n == 2 && pb.seq[1] == 5, "it applies once that port sends");
		bus_detach(&pd->port);
		free(pd);
	}
	teardown();
}

/* ---------------------------------------------------------------- freed with the bus */

static void
t_free(void)
{
	struct rumpus_impair d = { .delay_ns = 1000 * MS, .limit = 500 };
	struct rumpus_impair h = { .partition = RUMPUS_PART_HOLD };
	struct rumpus_memstats m0, m1, m2;
	int i;

	rumpus_memstats(&m0);
	setup("impfree");
	rumpus_bus_impair("impfree", NULL, &d);
	rumpus_bus_impair("impfree", pc.mac, &h);
	for (i = 0; i < 200; i++) {
		send_seq(&pa, &pb, (uint32_t)i, 1000);
		send_seq(&pc, &pb, (uint32_t)i, 1000);
	}
	rumpus_memstats(&m1);
	ok(m1.bytes >= m0.bytes + 400 * 1000, "400 frames wait: counted (%llu bytes more)",
	    (unsigned long long)(m1.bytes - m0.bytes));
	teardown();
	rumpus_memstats(&m2);
	ok(m2.bytes == m0.bytes && m2.blocks == m0.blocks, "the bus went: every frame freed");
	rumpus_clock_advance(2000 * MS);
	ok(pb.n == 0, "nothing delivered after");
	ok(rumpus_bus_impair("impfree", NULL, &d) == ENOENT, "the bus is gone: ENOENT");
}

/* ---------------------------------------------------------------- replay */

static int
scenario(uint64_t seed, const char *path)
{
	struct rumpus_impair im = { .loss = 0.1, .delay_ns = 5 * MS, .jitter_ns = 3 * MS,
	    .delay_dist = RUMPUS_DIST_NORMAL, .duplicate = 0.05, .reorder = 0.2, .gap = 2,
	    .corrupt = 0.05, .rate_bps = 100000000 };
	int i, e;

	rumpus_seed(seed);
	setup("impreplay");
	e = rumpus_bus_pcap("impreplay", path);
	e |= rumpus_bus_impair("impreplay", NULL, &im);
	for (i = 0; i < 500; i++) {
		send_seq(i % 2 ? &pa : &pc, &pb, (uint32_t)i, 60 + (size_t)i % 900);
		rumpus_clock_advance((uint64_t)(i % 3) * MS / 2);
	}
	rumpus_clock_advance(100 * MS);
	e |= rumpus_bus_pcap("impreplay", NULL);
	teardown();
	return e;
}

static int
file_eq(const char *a, const char *b, long *sizep)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, eq = fa != NULL && fb != NULL;
	long n = 0;

	while (eq) {
		ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb)
			eq = 0;
		if (ca == EOF)
			break;
		n++;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	*sizep = n;
	return eq;
}

static void
t_replay(void)
{
	char p1[64], p2[64], p3[64];
	long n = 0;

	snprintf(p1, sizeof(p1), "/tmp/impair-%d-1.pcap", (int)getpid());
	snprintf(p2, sizeof(p2), "/tmp/impair-%d-2.pcap", (int)getpid());
	snprintf(p3, sizeof(p3), "/tmp/impair-%d-3.pcap", (int)getpid());
	ok(scenario(42, p1) == 0 && scenario(42, p2) == 0 && scenario(43, p3) == 0,
	    "three seeded runs captured");
	ok(file_eq(p1, p2, &n) && n > 24 + 400 * 16, "one seed: byte-identical pcaps");
	diag("%ld bytes of pcap", n);
	ok(!file_eq(p1, p3, &n), "another seed: another pcap");
	unlink(p1), unlink(p2), unlink(p3);
}

/* ---------------------------------------------------------------- threads */

static atomic_int th_done;
struct sender { struct tport *from, *to; int n; };

static void *
sender_main(void *arg)
{
	struct sender *s = arg;

	for (int i = 0; i < s->n; i++)
		send_seq(s->from, s->to, (uint32_t)i, 60 + (size_t)(i % 200));
	atomic_fetch_add(&th_done, 1);
	return NULL;
}

static void
t_threads(void)
{
	static const struct rumpus_impair set[] = {
		{ .loss = 0.1 },
		{ .delay_ns = 1 * MS, .jitter_ns = MS / 2 },
		{ .partition = RUMPUS_PART_HOLD, .limit = 200 },
		{ .duplicate = 0.2, .corrupt = 0.1 },
		{ .loss_model = RUMPUS_LOSS_GE, .ge_p = 0.1, .ge_r = 0.3, .ge_bad_loss = 0.9 },
		{ .rate_bps = 50000000, .limit = 50, .reorder = 0.5 },
		{ .partition = RUMPUS_PART_HOLD, .drop_held = 1 },
		{ .partition = RUMPUS_PART_DROP, .drop_held = 1 },
	};
	const int nset = (int)(sizeof(set) / sizeof(set[0]));
	struct sender s[2] = { { &pa, &pb, 20000 }, { &pc, &pb, 20000 } };
	struct rumpus_impair_stats b, p, q;
	pthread_t t[2];
	int i, rounds = 0, waited = 0;
	struct rumpus_impair keep = { .corrupt = 0.01 };

	recording = 0;
	setup("impthr");
	rumpus_bus_impair("impthr", NULL, &keep);	/* some rule always sees every frame */
	atomic_store(&th_done, 0);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sender_main, &s[i]);
	while (atomic_load(&th_done) < 2) {
		struct rumpus_impair bus = set[rounds % nset];

		if (bus.partition == 0 && bus.loss == 0 && bus.delay_ns == 0)
			bus.corrupt += 0.01;	/* stays on */
		rumpus_bus_impair("impthr", NULL, &bus);
		rumpus_bus_impair("impthr", pa.mac, rounds % 3 ? &set[(rounds * 5 + 1) % nset] : NULL);
		rounds++;
		usleep(200);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	rumpus_bus_impair("impthr", NULL, &keep);
	rumpus_bus_impair("impthr", pa.mac, NULL);
	for (;;) {
		b = stats("impthr", NULL);
		p = stats("impthr", pa.mac);
		if ((b.queued == 0 && p.queued == 0) || waited > 5000)
			break;
		usleep(1000);
		waited++;
	}
	q = stats("impthr", pc.mac);
	ok(b.frames + p.frames == 40000 && q.frames == 0, "%d setting changes while two threads "
	    "sent 40000 frames: every frame seen by a rule", rounds);
	ok(balanced(&b) && balanced(&p) && b.queued == 0 && p.queued == 0 &&
	    (uint64_t)atomic_load(&pb.rx) == b.delivered + p.delivered,
	    "every frame accounted: %d arrived = %llu + %llu delivered", atomic_load(&pb.rx),
	    (unsigned long long)b.delivered, (unsigned long long)p.delivered);
	teardown();
}

int
main(void)
{
	rumpus_clock_virtual(1);
	rumpus_seed(1);
	ok(rumpus_deterministic() == 1, "seeded, virtual clock: the deterministic mode");
	t_badinput();
	t_loss();
	t_gilbert();
	t_delay();
	t_rate();
	t_reorder();
	t_corrupt();
	t_partition();
	t_port();
	t_free();
	t_replay();
	/* threads on the real clock, unseeded: the scheduler thread releases frames */
	rumpus_seed_clear();
	rumpus_clock_virtual(0);
	t_threads();
	return tap_done();
}
