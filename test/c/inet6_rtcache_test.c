/*
 * inet6_rtcache_test.c: the IPv6 route lookup cache and flat index (csrc/netinet6/
 * rt6_cache.c) against the radix tree alone (rt6_lookup_tree): thousands of random global
 * and scoped prefixes, every lookup made twice (the second from the cache) and through the
 * index alone; then every change that can change an answer — a longer prefix added, a
 * route deleted, an expiry set in place, a scoped route moved to another interface by
 * PF_ROUTE RTM_CHANGE, all routes gone — followed at once by the lookup that would see a
 * stale answer; and threads changing the table while others look up (part of make tsan).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tap.h"
#define RT6_SEED 0x9e3779b97f4a7c15ULL
#include "inet6_rt.h"

static void
addr6(struct nb_in6_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	int i;

	a->s6_addr[0] = b0, a->s6_addr[1] = b1, a->s6_addr[2] = b2, a->s6_addr[3] = b3;
	for (i = 4; i < 16; i++)
		a->s6_addr[i] = (uint8_t)rnd();
}

/* rt6_lookup twice (the second may come from the cache) and the index agree with the tree */
static int
agree(struct inet6_state *s, const struct nb_in6_addr *a, struct ifnet *zone)
{
	struct rt6entry *t = rt6_lookup_tree(s, a, zone), *x;

	if (rt6_lookup(s, a, zone) != t || rt6_lookup(s, a, zone) != t)
		return 0;
	x = in6_scoped(a) ? NULL : rt6_lookup_index(s, a);
	return x == NULL ? in6_scoped(a) || t == NULL : rt6_is_tree(x) || x == t;
}

static struct nb_in6_addr pfx[4000];
static int plens[4000];

static void
random_table(struct rumpus_kernel *rk)
{
	struct inet6_state *s;
	struct kin ki;
	struct ifnet *lo, fake, *zones[2];
	struct nb_in6_addr a, any;
	struct rt6entry *rt;
	int i, n = 0, bad = 0, fromindex = 0;

	s = rt6t_enter(&ki, rk);
	lo = rt6t_zones(s, &fake, zones);
	memset(&any, 0, sizeof(any));
	ok(rt6_add(s, &any, 0, NULL, 0, lo, NULL) == 0, "a default route");
	for (i = 0; i < 4000; i++) {
		int kind = (int)(rnd() % 8);
		if (kind == 0)
			addr6(&a, 0xfe, 0x80, 0, (uint8_t)(rnd() % 4));
		else if (kind == 1)
			addr6(&a, (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd());
		else
			addr6(&a, 0x20, 0x01, 0x0d, 0xb8);
		plens[n] = kind == 0 ? 16 + (int)(rnd() % 113) : 24 + (int)(rnd() % 105);
		mask(&a, plens[n]);
		pfx[n] = a;
		if (rt6_add(s, &a, plens[n], NULL, 0, zones[rnd() & 1], &rt) == 0) {
			if (rnd() % 32 == 0)
				rt->rt6_expire = 1;	/* long past: passed over */
			else if (rnd() % 32 == 0)
				rt->rt6_expire = hyp_clock_mono() + 3600000000000ull;
			n++;
		}
	}
	rt6_changed(s);		/* the expiries above were set in place */
	ok(n > 3500, "%d random prefixes (global, scoped in two zones, some expiring)", n);
	for (i = 0; i < 40000; i++) {
		struct ifnet *zone = zones[rnd() & 1];
		int j = (int)(rnd() % (unsigned)n);
		a = pfx[j];
		if (i & 1) {	/* inside a prefix, or at its edges */
			int k;
			for (k = plens[j] / 8; k < 16; k++)
				a.s6_addr[k] |= (uint8_t)(rnd() & (rnd() & 1 ? 0xff : 0));
		} else
			addr6(&a, (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd());
		if (!agree(s, &a, zone))
			bad++;
		if (!in6_scoped(&a) && !rt6_is_tree(rt6_lookup_index(s, &a)))
			fromindex++;
	}
	ok(bad == 0 && fromindex > 10000, "40,000 lookups: the cache, the index and the tree "
	    "agree (%d differ; %d answered by the index)", bad, fromindex);
	/* every address at the edges of 500 prefixes: the first, the last, one past each */
	for (i = 0, bad = 0; i < 500; i++) {
		int j = (int)(rnd() % (unsigned)n), k, c;
		struct nb_in6_addr lo6 = pfx[j], hi6 = pfx[j];
		for (k = 0; k < 16; k++) {
			int bits = plens[j] - k * 8;
			if (bits < 8)
				hi6.s6_addr[k] |= bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
		}
		bad += !agree(s, &lo6, NULL) + !agree(s, &hi6, NULL);
		for (k = 15, c = 1; k >= 0 && c; k--)	/* one past the last */
			c = ++hi6.s6_addr[k] == 0;
		for (k = 15, c = 1; k >= 0 && c; k--)	/* one before the first */
			c = lo6.s6_addr[k]-- == 0;
		bad += !agree(s, &lo6, NULL) + !agree(s, &hi6, NULL);
	}
	ok(bad == 0, "the first and last address of 500 prefixes and their neighbours agree");
	/* changes, each followed by the lookup a stale cache or index would get wrong */
	for (i = 0, bad = 0; i < 300; i++) {
		struct nb_in6_addr d, p;
		struct rt6entry *before, *h;
		int pl = 100 + (int)(rnd() % 28);
		addr6(&d, 0x20, 0x01, 0x0d, 0xb8);
		before = rt6_lookup(s, &d, NULL);
		before = rt6_lookup(s, &d, NULL);	/* cached */
		(void)rt6_lookup_index(s, &d);		/* the index current */
		p = d;
		mask(&p, pl);
		if (rt6_add(s, &p, pl, NULL, 0, lo, &h) != 0)
			continue;
		bad += rt6_lookup(s, &d, NULL) != h;
		h->rt6_expire = 1;		/* expired, set in place */
		rt6_changed(s);
		bad += rt6_lookup(s, &d, NULL) != before;
		h->rt6_expire = 0;
		rt6_changed(s);
		bad += rt6_lookup(s, &d, NULL) != h;
		rt6_delete(s, &p, pl, lo);
		bad += rt6_lookup(s, &d, NULL) != before || !agree(s, &d, NULL);
	}
	ok(bad == 0, "300 times: a longer prefix added, expired, revived, deleted: each lookup "
	    "right at once (%d wrong)", bad);
	rt6_ifdetach(s, &fake);
	for (i = 0, bad = 0; i < 5000; i++) {
		addr6(&a, i & 1 ? 0xfe : 0x20, i & 1 ? 0x80 : 0x01, 0, 0);
		bad += !agree(s, &a, lo);
		bad += !agree(s, &a, &fake);
	}
	ok(bad == 0, "after detaching an interface no lookup finds its routes (%d wrong)", bad);
	rt6t_leave(&ki, s);
}

/* PF_ROUTE RTM_CHANGE moving a link-local prefix to another interface: the zone lookup
 * cached before must not answer after. */
static void
change_zone(struct rumpus_kernel *rk)
{
	struct inet6_state *s;
	struct kin ki;
	struct ifnet *sh;
	struct nb_ifreq ifr;
	struct nb_in6_addr ll, g;
	struct rt6entry *rt;
	int i, e;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "shmif0");
	ok(ku_ioctl(rk, SIOCIFCREATE, &ifr) == 0, "shmif0 created");
	s = rt6t_enter(&ki, rk);
	sh = if_find(s->i6_ns, "shmif0");
	memset(&ll, 0, sizeof(ll));
	ll.s6_addr[0] = 0xfe, ll.s6_addr[1] = 0x80, ll.s6_addr[2] = 0xcd;
	e = rt6_add(s, &ll, 48, NULL, 0, s->i6_ns->ns_lo0, &rt);
	ll.s6_addr[15] = 9;
	for (i = 0; i < 3; i++)
		(void)rt6_lookup(s, &ll, s->i6_ns->ns_lo0);
	ok(sh != NULL && e == 0 && rt6_lookup(s, &ll, s->i6_ns->ns_lo0) == rt &&
	    rt6_lookup(s, &ll, sh) != rt, "fe80:cd::/48 on lo0, looked up in lo0's zone");
	/* RTM_CHANGE through the routing socket's request: gateway fe80::1%shmif0 */
	{
		uint8_t buf[256];
		struct nb_rt_msghdr *h = (struct nb_rt_msghdr *)buf;
		struct nb_sockaddr_in6 *sa = (struct nb_sockaddr_in6 *)(h + 1);
		size_t outlen = 0;
		int plen = 48, j;
		memset(buf, 0, sizeof(buf));
		h->rtm_version = 4, h->rtm_type = 3 /* RTM_CHANGE */;
		h->rtm_addrs = 1 | 2 | 4;	/* DST, GATEWAY, NETMASK */
		memset(&g, 0, sizeof(g));
		g.s6_addr[0] = 0xfe, g.s6_addr[1] = 0x80, g.s6_addr[15] = 1;
		ll.s6_addr[15] = 0;
		in6_sockaddr(&sa[0], &ll, 0, 0);
		in6_sockaddr(&sa[1], &g, 0, (uint32_t)sh->if_index);
		in6_sockaddr(&sa[2], &ll, 0, 0);
		for (j = 0; j < 16; j++)
			sa[2].sin6_addr.s6_addr[j] = plen >= (j + 1) * 8 ? 0xff : 0;
		const uint8_t *sav[8] = { (const uint8_t *)&sa[0], (const uint8_t *)&sa[1],
			(const uint8_t *)&sa[2] };
		h->rtm_msglen = (uint16_t)(sizeof(*h) + 3 * sizeof(*sa));
		e = s->i6_ns->ns_rt6_request(ki.k, buf, h->rtm_msglen, sizeof(buf), &outlen, sav);
	}
	ll.s6_addr[15] = 9;
	ok(e == 0 && rt->rt6_ifp == sh && rt6_lookup(s, &ll, sh) == rt &&
	    rt6_lookup(s, &ll, s->i6_ns->ns_lo0) != rt,
	    "RTM_CHANGE moves it to shmif0: shmif0's zone finds it, lo0's no longer (e=%d)", e);
	rt6_delete(s, &ll, 48, sh);
	rt6t_leave(&ki, s);
}

/* Threads: two change routes (a /64 in and out under each of 40 /48s, 200 static
 * routes so the index is in use) while two look up and compare with the tree. */
struct thr { struct rumpus_kernel *rk; int id; atomic_int *stop; int n, bad; };

static void *
changer(void *arg)
{
	struct thr *t = arg;
	struct kin ki;
	int i;

	for (i = 0; i < 2000; i++) {
		struct inet6_state *s;
		struct nb_in6_addr p;
		memset(&p, 0, sizeof(p));
		p.s6_addr[0] = 0x20, p.s6_addr[1] = 0x01, p.s6_addr[2] = 0x0d, p.s6_addr[3] = 0xb8;
		p.s6_addr[5] = (uint8_t)(i / 2 % 40), p.s6_addr[7] = (uint8_t)(1 + t->id);
		s = rt6t_enter(&ki, t->rk);
		if (i & 1)
			t->bad += rt6_delete(s, &p, 64, s->i6_ns->ns_lo0) != 0;
		else
			t->bad += rt6_add(s, &p, 64, NULL, 0, s->i6_ns->ns_lo0, NULL) != 0;
		t->n++;
		rt6t_leave(&ki, s);
	}
	atomic_fetch_add(t->stop, 1);
	return NULL;
}

static void *
looker(void *arg)
{
	struct thr *t = arg;
	struct kin ki;
	int i;

	for (i = 0; i < 3000 || atomic_load(t->stop) < 2; i++) {
		struct inet6_state *s;
		struct nb_in6_addr a;
		memset(&a, 0, sizeof(a));
		a.s6_addr[0] = 0x20, a.s6_addr[1] = 0x01, a.s6_addr[2] = 0x0d, a.s6_addr[3] = 0xb8;
		a.s6_addr[5] = (uint8_t)(i % 40), a.s6_addr[7] = (uint8_t)(1 + (i & 1));
		a.s6_addr[15] = (uint8_t)t->id;
		s = rt6t_enter(&ki, t->rk);
		t->bad += rt6_lookup(s, &a, NULL) != rt6_lookup_tree(s, &a, NULL);
		t->n++;
		rt6t_leave(&ki, s);
	}
	return NULL;
}

static void
threads(struct rumpus_kernel *rk)
{
	struct thr t[4];
	pthread_t th[4];
	atomic_int stop = 0;
	struct inet6_state *s;
	struct kin ki;
	int i, ok1 = 1;

	s = rt6t_enter(&ki, rk);
	for (i = 0; i < 200; i++) {
		struct nb_in6_addr p;
		memset(&p, 0, sizeof(p));
		p.s6_addr[0] = 0x20, p.s6_addr[1] = 0x01, p.s6_addr[2] = 0x0d, p.s6_addr[3] = 0xb8;
		p.s6_addr[5] = (uint8_t)i;
		ok1 &= rt6_add(s, &p, 48, NULL, 0, s->i6_ns->ns_lo0, NULL) == 0;
	}
	rt6t_leave(&ki, s);
	ok(ok1, "threads: 200 static /48s");
	for (i = 0; i < 4; i++) {
		t[i].rk = rk, t[i].id = i & 1, t[i].stop = &stop, t[i].n = 0, t[i].bad = 0;
		pthread_create(&th[i], NULL, i < 2 ? changer : looker, &t[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ok(t[0].bad + t[1].bad == 0 && t[0].n + t[1].n == 4000,
	    "two threads added and deleted 4,000 /64s without an error");
	ok(t[2].bad + t[3].bad == 0 && t[2].n + t[3].n >= 6000, "meanwhile two threads made %d "
	    "lookups, every one as the tree answers (%d differ)", t[2].n + t[3].n,
	    t[2].bad + t[3].bad);
}

int
main(void)
{
	static const char *comps[] = { "net.netinet", "net.netinet6", "net.shmif", NULL };
	struct rumpus_kernel *k;
	int err = 0;

	k = rumpus_kernel_create(comps, NULL, &err);
	ok(k != NULL, "a kernel with net.netinet6");
	if (k == NULL)
		return tap_done();
	random_table(k);
	change_zone(k);
	threads(k);
	rumpus_kernel_destroy(k);
	return tap_done();
}
