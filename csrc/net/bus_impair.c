/*
 * bus_impair.c: netem-style impairments of a bus (issue 10, "Impaired links"; the fault
 * sites of issue 11).  docs/net.md, "Impaired links", is the user's description.
 *
 * An impairment is a rule: the bus's one (every frame on the bus) or a port's, keyed by
 * the sending port's MAC address, which replaces the bus's for the frames that port sends
 * (the sending side, as netem on an interface's egress).  Keying by MAC rather than by
 * the port lets a rule be set before its interface attaches and survive a re-attach.
 *
 * A frame sent while a rule applies goes through, in this order: a partition (dropped, or
 * held until the partition ends), loss (random or Gilbert-Elliott), duplication (the copy
 * goes on through the steps below on its own), corruption (one bit flipped after the
 * 14-byte Ethernet header, so that it still reaches its station and the IP, ICMP, UDP or
 * TCP checksum catches it), reordering (netem's: every gap-th frame may skip the delay),
 * rate (the link serialises frames at rate_bps: a frame leaves when the one before it has
 * left plus its own transmission time) and delay with jitter.  A frame whose time has
 * come is put on the wire at once by the sending thread; the others wait in the bus's
 * queue, ordered by (release time, arrival), and a timer of hyper's scheduler (on the
 * kernels' clock, virtual when it is on; in the deterministic mode run by the kernels'
 * own threads at their fixed points) puts them on the wire.  Jitter therefore reorders
 * frames, as netem's does.  Capture (pcap) sees a frame when it goes on the wire: lost
 * frames never, delayed ones at their release time, duplicates twice, corrupted ones as
 * corrupted.
 *
 * Locking: the bus's b_lock (read by senders and the timer, written when a setting
 * changes, so the transmit path's b_imp pointer needs no atomics) and i_lock, a mutex
 * over the rules, the generator, the queue and the counters, never held while a frame
 * is delivered (a receiver may send on this bus again from inside its input).  The state
 * lives until the bus is freed; bus_impair_free disarms the timer (waiting for a running
 * one) before it frees the frames.
 *
 * Memory: a waiting frame is one hyp_malloc block (counted in the process's memory
 * statistics); a rule holds at most `limit` frames (1000 by default, as netem) and a
 * bus at most IMP_BYTES_MAX bytes of them; beyond either a frame is tail-dropped.
 */
#include "net/if.h"
#include "rump/rumpus.h"

#define IMP_LIMIT_DEFAULT	1000
#define IMP_LIMIT_MAX		1000000
#define IMP_BYTES_MAX		(64u << 20)
#define IMP_TIME_MAX		(3600ull * 1000000000ull)
#define IMP_RULES_MAX		4096
#define IMP_BACKLOG_MAX		(1ull << 60)	/* ns of rate backlog (36 years) */
#define ETHER_HDR		14

struct imp_rule;
struct imp_frame {
	struct imp_frame *f_next;
	uint64_t f_when, f_seq;		/* release time, arrival order */
	struct imp_rule *f_rule;
	struct bus_port *f_from;	/* the sender (compared only: bus_port_find) */
	uint64_t f_gen;			/* its attachment (a MAC change keeps it) */
	size_t f_len;
	uint8_t f_data[];
};

struct imp_rule {
	struct imp_rule *r_next;
	uint8_t r_mac[6];
	int r_active;
	struct rumpus_impair r_p;
	int r_bad;			/* Gilbert-Elliott: in the bad state */
	unsigned r_rcount;		/* reorder: frames since the last one sent at once */
	uint64_t r_busy;		/* rate: the link is busy until then */
	unsigned r_queued;		/* frames waiting (queue and held) */
	struct imp_frame *r_held, **r_heldtail;
	struct rumpus_impair_stats r_st;
};

struct bus_impair {
	hyp_mutex_t i_lock;
	struct bus *i_b;
	uint64_t i_rng;
	struct imp_rule i_bus;		/* the bus's rule (r_mac unused) */
	struct imp_rule *i_ports;	/* ports' rules, never freed before the bus */
	int i_nrules, i_nactive;
	struct imp_frame *i_q, *i_qtail;	/* waiting frames by (f_when, f_seq) */
	uint64_t i_seq;
	size_t i_bytes;			/* bytes of every waiting or held frame */
	struct hyp_timer i_timer;
};

/* ---------------------------------------------------------------- randomness */

static double
imp_u01(struct bus_impair *im)
{
	return (double)(hyp_splitmix64(&im->i_rng) >> 11) * 0x1.0p-53;
}

/* True with probability p; draws nothing when p is 0 (so a setting that does not use a
 * step leaves the stream of the others alone). */
static int
imp_chance(struct bus_impair *im, double p)
{
	return p > 0 && imp_u01(im) < p;
}

static uint64_t
imp_delay(struct bus_impair *im, const struct rumpus_impair *p)
{
	double d = (double)p->delay_ns, j = (double)p->jitter_ns, z = 0;
	int i;

	if (p->jitter_ns == 0)
		return p->delay_ns;
	if (p->delay_dist == RUMPUS_DIST_NORMAL) {
		for (i = 0; i < 12; i++)	/* Irwin-Hall: mean 6, variance 1 */
			z += imp_u01(im);
		d += (z - 6) * j;
	} else
		d += (2 * imp_u01(im) - 1) * j;
	return d <= 0 ? 0 : (uint64_t)d;
}

/* ---------------------------------------------------------------- the queue */

static void
imp_insert(struct bus_impair *im, struct imp_frame *f)
{
	struct imp_frame **pp;

	f->f_seq = im->i_seq++;
	f->f_next = NULL;
	if (im->i_q == NULL || f->f_when >= im->i_qtail->f_when) {
		if (im->i_q == NULL)
			im->i_q = f;
		else
			im->i_qtail->f_next = f;
		im->i_qtail = f;
	} else {
		for (pp = &im->i_q; (*pp)->f_when <= f->f_when; pp = &(*pp)->f_next)
			;
		f->f_next = *pp;
		*pp = f;
	}
	if (im->i_q == f)
		hyp_timer_arm(&im->i_timer, f->f_when);
}

static struct imp_frame *
imp_frame_new(struct bus_impair *im, struct imp_rule *r, struct bus_port *from,
    const void *frame, size_t len)
{
	struct imp_frame *f;

	if (r->r_queued >= (r->r_p.limit ? r->r_p.limit : IMP_LIMIT_DEFAULT) ||
	    im->i_bytes + len > IMP_BYTES_MAX ||
	    (f = hyp_malloc(sizeof(*f) + len)) == NULL) {
		r->r_st.queue_drops++;
		return NULL;
	}
	f->f_rule = r;
	f->f_from = from;
	f->f_gen = from->bp_gen;
	f->f_len = len;
	memcpy(f->f_data, frame, len);
	r->r_queued++;
	im->i_bytes += len;
	return f;
}

static void
imp_frame_free(struct bus_impair *im, struct imp_frame *f)
{
	f->f_rule->r_queued--;
	im->i_bytes -= f->f_len;
	hyp_free(f, sizeof(*f) + f->f_len);
}

static void
imp_corrupt(struct bus_impair *im, uint8_t *data, size_t len)
{
	size_t off = 0, n = len;

	if (len > ETHER_HDR)
		off = ETHER_HDR, n = len - ETHER_HDR;
	if (n == 0)
		return;
	uint64_t x = hyp_splitmix64(&im->i_rng);
	data[off + (size_t)(x % n)] ^= (uint8_t)(1u << ((x >> 32) & 7));
}

/* Puts a list of frames on the wire (no lock but b_lock, read-held) and frees them. */
static void
imp_wire_list(struct bus_impair *im, struct imp_frame *list)
{
	struct imp_frame *f;

	while ((f = list) != NULL) {
		list = f->f_next;
		bus_wire(im->i_b, bus_port_find(im->i_b, f->f_from, f->f_gen), f->f_data,
		    f->f_len);
		hyp_free(f, sizeof(*f) + f->f_len);
	}
}

/* The same, taking b_lock in the order of bus locks (bus_enter): when this thread may not
 * wait for it, the frames go later, after the bus locks it holds (bus_later_add). */
static void
imp_wire_enter(struct bus_impair *im, struct imp_frame *list)
{
	struct imp_frame *f;
	uintptr_t save;

	if (bus_enter(im->i_b, &save) == 0) {
		imp_wire_list(im, list);
		bus_leave(im->i_b, save);
		return;
	}
	while ((f = list) != NULL) {
		list = f->f_next;
		bus_later_add(im->i_b, BUS_LATER_WIRE, f->f_from, f->f_gen, f->f_data,
		    f->f_len);
		hyp_free(f, sizeof(*f) + f->f_len);
	}
}

/* The timer: what is due goes on the wire, in (release time, arrival) order. */
static void
imp_timer(void *arg)
{
	struct bus_impair *im = arg;
	struct imp_frame *list = NULL, **tail = &list, *f;
	uint64_t now;

	hyp_mutex_lock(&im->i_lock);
	now = hyp_clock_mono();
	while ((f = im->i_q) != NULL && f->f_when <= now) {
		im->i_q = f->f_next;
		f->f_rule->r_st.delivered++;
		f->f_rule->r_queued--;
		im->i_bytes -= f->f_len;
		*tail = f;
		tail = &f->f_next;
	}
	*tail = NULL;
	if (im->i_q == NULL)
		im->i_qtail = NULL;
	else
		hyp_timer_arm(&im->i_timer, im->i_q->f_when);
	hyp_mutex_unlock(&im->i_lock);
	if (list != NULL)
		imp_wire_enter(im, list);
}

/* ---------------------------------------------------------------- the transmit path */

static struct imp_rule *
imp_rule_for(struct bus_impair *im, const uint8_t *mac)
{
	struct imp_rule *r;

	for (r = im->i_ports; r != NULL; r = r->r_next)
		if (r->r_active && memcmp(r->r_mac, mac, 6) == 0)
			return r;
	return im->i_bus.r_active ? &im->i_bus : NULL;
}

/* One copy of a frame after loss and duplication: corruption, reordering, rate, delay.
 * Returns a copy to put on the wire now (*now_out: 1, the frame as it is; 2, a corrupted
 * copy in *copyp), or queues it. */
static void
imp_one(struct bus_impair *im, struct imp_rule *r, struct bus_port *from, const void *frame,
    size_t len, uint64_t now, int *now_out, uint8_t **copyp)
{
	const struct rumpus_impair *p = &r->r_p;
	int corrupt = imp_chance(im, p->corrupt), at_once = 0;
	uint64_t when, d;
	struct imp_frame *f;

	*now_out = 0;
	if (corrupt)
		r->r_st.corrupted++;
	if (p->reorder > 0 && (p->delay_ns > 0 || p->jitter_ns > 0)) {
		unsigned gap = p->gap ? p->gap : 1;

		if (r->r_rcount < gap - 1 || !imp_chance(im, p->reorder))
			r->r_rcount++;
		else {
			r->r_rcount = 0;
			at_once = 1;
			r->r_st.reordered++;
		}
	}
	if (at_once)
		when = now;
	else {
		d = imp_delay(im, p);
		if (p->rate_bps > 0) {
			uint64_t start = r->r_busy > now ? r->r_busy : now;
			uint64_t bits = (uint64_t)len * 8 * 1000000000ull;
			uint64_t tx = bits / p->rate_bps + (bits % p->rate_bps != 0);

			if (r->r_queued >= (p->limit ? p->limit : IMP_LIMIT_DEFAULT) ||
			    start - now + tx > IMP_BACKLOG_MAX) {
				r->r_st.queue_drops++;	/* the link's queue is full */
				return;
			}
			r->r_busy = start + tx;
			when = r->r_busy + d;
		} else
			when = now + d;
	}
	if (when <= now) {
		r->r_st.delivered++;
		if (!corrupt) {
			*now_out = 1;
			return;
		}
		if ((*copyp = hyp_malloc(len)) == NULL) {
			r->r_st.delivered--;
			r->r_st.queue_drops++;
			return;
		}
		memcpy(*copyp, frame, len);
		imp_corrupt(im, *copyp, len);
		*now_out = 2;
		return;
	}
	if ((f = imp_frame_new(im, r, from, frame, len)) == NULL)
		return;
	if (corrupt)
		imp_corrupt(im, f->f_data, len);
	f->f_when = when;
	r->r_st.delayed++;
	imp_insert(im, f);
}

void
bus_impair_xmit(struct bus *b, struct bus_impair *im, struct bus_port *from,
    const void *frame, size_t len)
{
	struct imp_rule *r;
	const struct rumpus_impair *p;
	uint8_t *copy[2] = { NULL, NULL };
	int out[2] = { 0, 0 }, n = 1, lost, i;
	uint64_t now;

	hyp_mutex_lock(&im->i_lock);
	if ((r = imp_rule_for(im, from->bp_mac)) == NULL) {
		hyp_mutex_unlock(&im->i_lock);
		bus_wire(b, from, frame, len);
		return;
	}
	p = &r->r_p;
	r->r_st.frames++;
	if (p->partition == RUMPUS_PART_DROP) {
		r->r_st.lost++;
		hyp_mutex_unlock(&im->i_lock);
		return;
	}
	if (p->partition == RUMPUS_PART_HOLD) {
		struct imp_frame *f = imp_frame_new(im, r, from, frame, len);

		if (f != NULL) {
			f->f_next = NULL;
			*r->r_heldtail = f;
			r->r_heldtail = &f->f_next;
			r->r_st.held++;
		}
		hyp_mutex_unlock(&im->i_lock);
		return;
	}
	if (p->loss_model == RUMPUS_LOSS_GE) {
		lost = imp_chance(im, r->r_bad ? p->ge_bad_loss : p->ge_good_loss);
		if (r->r_bad ? imp_chance(im, p->ge_r) : imp_chance(im, p->ge_p))
			r->r_bad = !r->r_bad;
	} else
		lost = imp_chance(im, p->loss);
	if (lost) {
		r->r_st.lost++;
		hyp_mutex_unlock(&im->i_lock);
		return;
	}
	if (imp_chance(im, p->duplicate)) {
		r->r_st.duplicated++;
		n = 2;
	}
	now = hyp_clock_mono();
	for (i = 0; i < n; i++)
		imp_one(im, r, from, frame, len, now, &out[i], &copy[i]);
	hyp_mutex_unlock(&im->i_lock);
	for (i = 0; i < n; i++)
		if (out[i] == 1)
			bus_wire(b, from, frame, len);
		else if (out[i] == 2) {
			bus_wire(b, from, copy[i], len);
			hyp_free(copy[i], len);
		}
}

/* ---------------------------------------------------------------- settings */

static int
imp_prob_ok(double p)
{
	return p >= 0 && p <= 1;	/* false for NaN */
}

/* The first field of p out of range, or NULL. */
static const char *
imp_bad(const struct rumpus_impair *p)
{
	if (p->loss_model != RUMPUS_LOSS_RANDOM && p->loss_model != RUMPUS_LOSS_GE)
		return "loss_model";
	if (!imp_prob_ok(p->loss))
		return "loss";
	if (!imp_prob_ok(p->ge_p))
		return "ge_p";
	if (!imp_prob_ok(p->ge_r))
		return "ge_r";
	if (!imp_prob_ok(p->ge_bad_loss))
		return "ge_bad_loss";
	if (!imp_prob_ok(p->ge_good_loss))
		return "ge_good_loss";
	if (!imp_prob_ok(p->duplicate))
		return "duplicate";
	if (!imp_prob_ok(p->reorder))
		return "reorder";
	if (!imp_prob_ok(p->corrupt))
		return "corrupt";
	if (p->delay_ns > IMP_TIME_MAX)
		return "delay_ns";
	if (p->jitter_ns > IMP_TIME_MAX)
		return "jitter_ns";
	if (p->delay_dist != RUMPUS_DIST_UNIFORM && p->delay_dist != RUMPUS_DIST_NORMAL)
		return "delay_dist";
	if (p->limit > IMP_LIMIT_MAX)
		return "limit";
	if (p->partition < RUMPUS_PART_NONE || p->partition > RUMPUS_PART_HOLD)
		return "partition";
	if (p->drop_held != 0 && p->drop_held != 1)
		return "drop_held";
	return NULL;
}

static int
imp_is_on(const struct rumpus_impair *p)
{
	return p->loss_model != RUMPUS_LOSS_RANDOM || p->loss > 0 || p->delay_ns > 0 ||
	    p->jitter_ns > 0 || p->rate_bps > 0 || p->duplicate > 0 || p->reorder > 0 ||
	    p->corrupt > 0 || p->partition != RUMPUS_PART_NONE;
}

static void
imp_rule_init(struct imp_rule *r)
{
	r->r_heldtail = &r->r_held;
}

/* The bus's state, made on first use (b_lock write-held). */
static struct bus_impair *
imp_get(struct bus *b)
{
	struct bus_impair **slot = bus_impair_slot(b), *im;
	int seeded;

	if (*slot != NULL)
		return *slot;
	if ((im = hyp_zalloc(sizeof(*im))) == NULL)
		return NULL;
	hyp_mutex_init(&im->i_lock);
	im->i_b = b;
	imp_rule_init(&im->i_bus);
	hyp_timer_init(&im->i_timer, imp_timer, im);
	/* from the run's seed and the order in which buses got their first setting since it
	 * was set (not their names: a network's names carry a counter of the process) */
	im->i_rng = hyp_aux_seed(&seeded);
	*slot = im;
	return im;
}

static struct imp_rule *
imp_rule_find(struct bus_impair *im, const uint8_t *mac, int make)
{
	struct imp_rule *r;

	if (mac == NULL)
		return &im->i_bus;
	for (r = im->i_ports; r != NULL; r = r->r_next)
		if (memcmp(r->r_mac, mac, 6) == 0)
			return r;
	if (!make || im->i_nrules >= IMP_RULES_MAX || (r = hyp_zalloc(sizeof(*r))) == NULL)
		return NULL;
	imp_rule_init(r);
	memcpy(r->r_mac, mac, 6);
	r->r_next = im->i_ports;
	im->i_ports = r;
	im->i_nrules++;
	return r;
}

static int
imp_name_ok(const char *bus)
{
	size_t n;

	if (bus == NULL)
		return 0;
	n = strnlen(bus, BUS_NAMEMAX);
	return n > 0 && n < BUS_NAMEMAX;
}

int
bus_impair_set(const char *bus, const uint8_t *mac, const struct rumpus_impair *in)
{
	static const struct rumpus_impair off;
	const struct rumpus_impair *p = in != NULL ? in : &off;
	struct imp_frame *release = NULL, *f;
	struct bus_impair *im;
	struct imp_rule *r;
	struct bus *b;
	const char *bad;
	int on, error = 0;

	if (!imp_name_ok(bus)) {
		kern_seterror("bus name NULL, empty or longer than %d bytes", BUS_NAMEMAX - 1);
		return EINVAL;
	}
	if ((bad = imp_bad(p)) != NULL) {
		kern_seterror("impairment: %s out of range", bad);
		return EINVAL;
	}
	if (mac != NULL && (mac[0] & 1)) {
		kern_seterror("a port's address is unicast (the group bit is set)");
		return EINVAL;
	}
	if ((b = bus_ref(bus)) == NULL) {
		kern_seterror("no bus named '%s'", bus);
		return ENOENT;
	}
	on = imp_is_on(p);
	bus_wrlock(b);
	if ((im = imp_get(b)) == NULL) {
		bus_unlock(b);
		bus_unref(b);
		return ENOMEM;
	}
	hyp_mutex_lock(&im->i_lock);
	if ((r = imp_rule_find(im, mac, on)) == NULL) {
		error = on ? ENOMEM : 0;	/* off for a port that never had a rule: done */
		if (error)
			kern_seterror("too many port settings on bus '%s' or no memory", bus);
		goto out;
	}
	if (r->r_p.partition == RUMPUS_PART_HOLD && p->partition != RUMPUS_PART_HOLD &&
	    r->r_held != NULL) {
		/* the partition ends: the held frames go on the wire now, in order, or die */
		release = r->r_held;
		r->r_held = NULL;
		r->r_heldtail = &r->r_held;
		for (f = release; f != NULL; f = f->f_next) {
			r->r_queued--;
			im->i_bytes -= f->f_len;
			if (p->drop_held)
				r->r_st.held_dropped++;
			else
				r->r_st.delivered++;
		}
	}
	im->i_nactive += on - r->r_active;
	r->r_active = on;
	r->r_p = *p;
	if (p->loss_model != RUMPUS_LOSS_GE)
		r->r_bad = 0;
	if (p->rate_bps == 0)
		r->r_busy = 0;
out:
	bus_impair_active(b, im->i_nactive > 0);
	hyp_mutex_unlock(&im->i_lock);
	bus_unlock(b);
	if (release != NULL) {
		if (p->drop_held)
			while ((f = release) != NULL) {
				release = f->f_next;
				hyp_free(f, sizeof(*f) + f->f_len);
			}
		else
			imp_wire_enter(im, release);
	}
	bus_unref(b);
	return error;
}

int
bus_impair_get(const char *bus, const uint8_t *mac, struct rumpus_impair *p,
    struct rumpus_impair_stats *st)
{
	struct bus_impair *im;
	struct imp_rule *r = NULL;
	struct bus *b;

	if (!imp_name_ok(bus) || (mac != NULL && (mac[0] & 1))) {
		kern_seterror("bad bus name or port address");
		return EINVAL;
	}
	if ((b = bus_ref(bus)) == NULL) {
		kern_seterror("no bus named '%s'", bus);
		return ENOENT;
	}
	bus_rdlock(b);
	if ((im = *bus_impair_slot(b)) != NULL) {
		hyp_mutex_lock(&im->i_lock);
		r = imp_rule_find(im, mac, 0);
	}
	if (p != NULL) {
		if (r != NULL)
			*p = r->r_p;
		else
			memset(p, 0, sizeof(*p));
	}
	if (st != NULL) {
		if (r != NULL) {
			*st = r->r_st;
			st->queued = r->r_queued;
		} else
			memset(st, 0, sizeof(*st));
	}
	if (im != NULL)
		hyp_mutex_unlock(&im->i_lock);
	bus_unlock(b);
	bus_unref(b);
	return 0;
}

static void
imp_rule_drop_held(struct bus_impair *im, struct imp_rule *r)
{
	struct imp_frame *f;

	while ((f = r->r_held) != NULL) {
		r->r_held = f->f_next;
		imp_frame_free(im, f);
	}
	r->r_heldtail = &r->r_held;
}

void
bus_impair_free(struct bus_impair *im)
{
	struct imp_frame *f;
	struct imp_rule *r;

	hyp_timer_disarm(&im->i_timer);	/* waits for a running imp_timer */
	while ((f = im->i_q) != NULL) {
		im->i_q = f->f_next;
		imp_frame_free(im, f);
	}
	imp_rule_drop_held(im, &im->i_bus);
	while ((r = im->i_ports) != NULL) {
		im->i_ports = r->r_next;
		imp_rule_drop_held(im, r);
		hyp_free(r, sizeof(*r));
	}
	hyp_mutex_destroy(&im->i_lock);
	hyp_free(im, sizeof(*im));
}

/* The public doors (librumpus). */
KERN_EXPORT int
rumpus_bus_impair(const char *bus, const uint8_t *port_mac, const struct rumpus_impair *im)
{
	return bus_impair_set(bus, port_mac, im);
}

KERN_EXPORT int
rumpus_bus_impair_get(const char *bus, const uint8_t *port_mac, struct rumpus_impair *im,
    struct rumpus_impair_stats *st)
{
	return bus_impair_get(bus, port_mac, im, st);
}
