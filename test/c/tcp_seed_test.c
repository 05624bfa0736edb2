/*
 * tcp_seed_test.c: TCP's initial sequence numbers, ephemeral ports and timestamp
 * offsets come from the kernel's generator (docs/netinet.md, "Sequence numbers and
 * ports"): unpredictable by default (two unseeded runs differ), reproducible when the
 * run has a seed (rumpus_seed, as RUMPUS_SEED and rump.seed set it): the same seed under
 * the virtual clock gives the same ports and ISNs on both ends, another seed others.
 * One run: two kernels on a bus, a connection from A to B's listener, its 4-tuple and
 * both ends' ISS read through the tests' door (tcp_pcbseq), then both kernels go.
 */
#include "tap.h"
#include "tcp_nb.h"

int tcp_pcbseq(void *k, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport,
    uint32_t seq[4]);
int rumpus_seed(uint64_t seed);
int rumpus_seed_clear(void);

struct run {
	int ok;
	uint16_t port[2];		/* A's ephemeral ports, two connections */
	uint32_t iss_a[2], iss_b[2];	/* each end's initial sequence number */
};

static struct run
one(void)
{
	struct run r;
	struct rumpus_kernel *a = x_boot(), *b = x_boot();
	uint32_t sa[4], sb[4];
	int l, c, s, i;

	memset(&r, 0, sizeof(r));
	if (a == NULL || b == NULL)
		return r;
	rumpus_kernel_switch(a);
	r.ok = x_ifconfig("shmif0", "tcpseedbus", "10.9.0.1", 24) == 0;
	rumpus_kernel_switch(b);
	r.ok &= x_ifconfig("shmif0", "tcpseedbus", "10.9.0.2", 24) == 0;
	l = x_listen("0.0.0.0", 80, 5);
	for (i = 0; i < 2 && r.ok; i++) {
		struct x_tuple t;

		rumpus_kernel_switch(a);
		c = x_connect("10.9.0.2", 80);
		t = x_tuple(c);
		rumpus_kernel_switch(b);
		s = rump_sys_accept(l, NULL, NULL);
		r.ok &= c >= 0 && s >= 0;
		r.ok &= tcp_pcbseq(a, t.la, t.lp, t.fa, t.fp, sa) == X_TCPS_ESTABLISHED;
		r.ok &= tcp_pcbseq(b, t.fa, t.fp, t.la, t.lp, sb) == X_TCPS_ESTABLISHED;
		r.port[i] = __builtin_bswap16(t.lp);
		r.iss_a[i] = sa[1] - 1;		/* snd_una: ISS + 1, nothing sent yet */
		r.iss_b[i] = sb[1] - 1;
		r.ok &= sa[0] == sb[1] && sb[0] == sa[1];	/* each end's rcv_nxt */
		rump_sys_close(s);
		rumpus_kernel_switch(a);
		rump_sys_close(c);
	}
	rumpus_kernel_switch(NULL);
	r.ok &= rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0;
	return r;
}

static int
same(const struct run *x, const struct run *y)
{
	return memcmp(x->port, y->port, sizeof(x->port)) == 0 &&
	    memcmp(x->iss_a, y->iss_a, sizeof(x->iss_a)) == 0 &&
	    memcmp(x->iss_b, y->iss_b, sizeof(x->iss_b)) == 0;
}

int
main(void)
{
	struct run s1, s2, s3, u1, u2;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ok(rumpus_seed(1234) == 0, "seed 1234");
	s1 = one();
	ok(s1.ok, "seeded run: two connections (ports %u %u, ISS %u %u / %u %u)", s1.port[0],
	    s1.port[1], s1.iss_a[0], s1.iss_a[1], s1.iss_b[0], s1.iss_b[1]);
	ok(s1.port[0] >= 49152 && s1.port[1] >= 49152 && s1.port[0] != s1.port[1],
	    "ephemeral ports from net.inet.ip.anonportmin.., two different ones");
	rumpus_seed(1234);
	s2 = one();
	ok(s2.ok && same(&s1, &s2), "seed 1234 again: the same ports and ISNs on both ends "
	    "(ports %u %u, ISS %u %u / %u %u)", s2.port[0], s2.port[1], s2.iss_a[0],
	    s2.iss_a[1], s2.iss_b[0], s2.iss_b[1]);
	rumpus_seed(1235);
	s3 = one();
	ok(s3.ok && s3.iss_a[0] != s1.iss_a[0] && s3.iss_b[0] != s1.iss_b[0] &&
	    (s3.port[0] != s1.port[0] || s3.port[1] != s1.port[1]), "seed 1235: other ISNs "
	    "and ports (ports %u %u, ISS %u / %u)", s3.port[0], s3.port[1], s3.iss_a[0],
	    s3.iss_b[0]);
	ok(rumpus_seed_clear() == 0, "no seed");
	u1 = one();
	u2 = one();
	/* 32-bit ISNs: equal by chance once in 2^32 runs */
	ok(u1.ok && u2.ok && u1.iss_a[0] != u2.iss_a[0] && u1.iss_b[0] != u2.iss_b[0],
	    "unseeded: two runs give other ISNs (%u %u / %u %u)", u1.iss_a[0], u2.iss_a[0],
	    u1.iss_b[0], u2.iss_b[0]);
	ok(!same(&u1, &s1) && !same(&u2, &s1), "and not the seeded ones");
	/* within a run: RFC 6528's keyed hash of the 4-tuple, not a counter: the two
	 * connections' ISS differ by far more than the 4 us clock moved (the seeded run's:
	 * the same every time) */
	ok(s1.iss_a[1] - s1.iss_a[0] > 1000000 && s1.iss_a[0] - s1.iss_a[1] > 1000000,
	    "two connections of one kernel: ISNs far apart (%u, %u)", s1.iss_a[0], s1.iss_a[1]);
	return tap_done();
}
