/*
 * inet_tables_test.c: the UDP and raw pcb hashes (in_pcb.c) against an oracle that
 * applies the rules as the linear list did: random pcbs bound to specific and wildcard
 * addresses with and without SO_REUSEADDR/SO_REUSEPORT, connected, disconnected,
 * reconnected and closed, through enough of them that the tables grow several times.
 * Bind results must match the port rules; every unicast datagram must reach the pcb the
 * oracle picks (best match, newest among equals) or none; broadcasts reach every pcb
 * bound to the port that accepts the addresses; raw pcbs get the protocols they asked
 * for.  Then threads bind, connect, send and close at once against one receiver; the ARP
 * table's hash through thousands of neighbours and eviction; and nothing leaks.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

#define NP	2500

struct o {
	struct inpcb *inp;
	int alive, bound, flags;
	uint32_t laddr, faddr;
	uint16_t lport, fport;
	int order;
	int rq;		/* datagrams expected queued */
};
static struct o P[NP];
static int order;

static uint64_t rs = 0x2545f4914f6cdd1dULL;
static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static const char *laddrs[] = { "0.0.0.0", "127.0.0.1", "10.9.0.1" };
static const char *faddrs[] = { "127.0.0.2", "127.0.0.3", "10.9.0.7" };
#define PORT(i)	(htons((uint16_t)(6000 + (i))))
#define NPORTS	6

/* The port rules of in_pcb.c's header, over the oracle. */
static int
oracle_conflict(int self, uint32_t laddr, uint16_t lport, int flags)
{
	int i;

	for (i = 0; i < NP; i++) {
		struct o *o = &P[i];
		if (i == self || !o->alive || !o->bound || o->lport != lport)
			continue;
		if ((o->flags & INP_REUSEPORT) && (flags & INP_REUSEPORT))
			continue;
		if (o->laddr == laddr)
			return 1;
		if (o->laddr == 0 || laddr == 0) {
			if (flags & (INP_REUSEADDR | INP_REUSEPORT))
				continue;
			return 1;
		}
	}
	return 0;
}

/* Unicast demux as the list did: best score, the newest pcb among equals. */
static int
oracle_demux(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	int i, best = -1, bestscore = -1;

	for (i = 0; i < NP; i++) {
		struct o *o = &P[i];
		int score = 0;
		if (!o->alive || !o->bound || o->lport != dport)
			continue;
		if (o->laddr != 0) {
			if (o->laddr != dst)
				continue;
			score++;
		}
		if (o->faddr != 0) {
			if (o->faddr != src || o->fport != sport)
				continue;
			score += 2;
		}
		if (score > bestscore || (score == bestscore && o->order > P[best].order))
			best = i, bestscore = score;
	}
	return best;
}

static struct pkt *
mkdgram(struct kern *k, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, int bcast)
{
	struct pkt *p = pkt_alloc(k, 29, PKT_HEADROOM);
	uint8_t *ip;

	if (p == NULL)
		return NULL;
	ip = pkt_data(p);
	memset(ip, 0, 29);
	ip[0] = 0x45, ip[3] = 29, ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	memcpy(ip + 20, &sport, 2);
	memcpy(ip + 22, &dport, 2);
	ip[25] = 9;
	ip[28] = 'x';
	if (bcast)
		p->p_flags |= PKT_BCAST;
	return p;
}

static int
rqlen(struct inpcb *inp)
{
	return inp->inp_rqlen;
}

static void
oracle_rounds(struct rumpus_kernel *rk)
{
	struct kin ki;
	struct inet_state *is;
	int round, i, j, badbind = 0, baddemux = 0, badq = 0, bcasts = 0, delivered = 0;
	int binds = 0, ok_binds = 0, maxalive = 0;
	unsigned maxmask = 0;

	ku_enter(&ki, rk);
	is = inet_state(ki.k);
	for (round = 0; round < 8; round++) {
		ifs_lock(is->is_ns);
		/* mutate: create, bind, connect, disconnect, close */
		for (j = 0; j < NP; j++) {
			struct o *o = &P[rnd() % NP];
			int what = (int)(rnd() % 8), e;
			if (!o->alive) {
				if (inp_create_locked(is, 2, 0, &o->inp) != 0)
					continue;
				o->alive = 1, o->bound = 0, o->flags = 0, o->rq = 0;
				o->laddr = o->faddr = 0, o->lport = o->fport = 0;
				o->order = ++order;
				if (rnd() % 3 == 0)
					o->inp->inp_flags |= o->flags |= INP_REUSEADDR;
				if (rnd() % 3 == 0)
					o->inp->inp_flags |= o->flags |= INP_REUSEPORT;
			}
			if (!o->bound && what < 5) {
				struct nb_sockaddr_in sin;
				uint32_t la = ku_ip(laddrs[rnd() % 3]);
				uint16_t lp = what == 0 ? 0 : PORT(rnd() % NPORTS);
				int want = lp != 0 && oracle_conflict((int)(o - P), la, lp, o->flags);
				in_sockaddr(&sin, la, lp);
				e = inp_bind_locked(is, o->inp, &sin);
				binds++;
				if (lp == 0 && e == 0) {
					if (ntohs(o->inp->inp_lport) < is->is_anonportmin ||
					    oracle_conflict((int)(o - P), la, o->inp->inp_lport, o->flags))
						badbind++;
				} else if (e != (want ? EADDRINUSE : 0))
					badbind++;
				if (e == 0) {
					o->bound = 1, o->laddr = la, o->lport = o->inp->inp_lport;
					ok_binds++;
				}
			} else if (o->bound && what == 5) {
				struct nb_sockaddr_in sin;
				uint32_t fa = ku_ip(faddrs[rnd() % 3]);
				uint16_t fp = PORT(rnd() % NPORTS);
				in_sockaddr(&sin, fa, fp);
				if (inp_connect_locked(is, o->inp, &sin) != 0)
					badbind++;
				o->faddr = fa, o->fport = fp;
			} else if (o->bound && what == 6 && o->faddr != 0) {
				inp_disconnect_locked(is, o->inp);
				o->faddr = 0, o->fport = 0;
			} else if (what == 7) {
				inp_free(is, o->inp);
				o->alive = 0, o->inp = NULL;
			}
		}
		for (i = 0, j = 0; i < NP; i++)
			j += P[i].alive;
		if (j > maxalive)
			maxalive = j;
		if (is->is_udbmask > maxmask)
			maxmask = is->is_udbmask;
		/* unicast input */
		for (j = 0; j < 3000; j++) {
			uint32_t src = ku_ip(faddrs[rnd() % 3]), dst = ku_ip(laddrs[1 + rnd() % 2]);
			uint16_t sport = PORT(rnd() % NPORTS), dport = PORT(rnd() % (NPORTS + 1));
			int want = oracle_demux(src, sport, dst, dport), before = want >= 0 ?
			    rqlen(P[want].inp) : 0;
			struct pkt *p = mkdgram(ki.k, src, sport, dst, dport, 0);
			if (p == NULL)
				continue;
			udp_input(is, p, 20);
			if (want >= 0) {
				if (rqlen(P[want].inp) != before + 1)
					baddemux++;
				else
					P[want].rq++, delivered++;
			}
		}
		/* broadcast input: every pcb of the port that accepts the addresses */
		for (j = 0; j < 100; j++) {
			uint32_t src = ku_ip(faddrs[2]), dst = ku_ip("10.9.255.255");
			uint16_t sport = PORT(rnd() % NPORTS), dport = PORT(rnd() % NPORTS);
			struct pkt *p = mkdgram(ki.k, src, sport, dst, dport, 1);
			if (p == NULL)
				continue;
			for (i = 0; i < NP; i++) {
				struct o *o = &P[i];
				if (o->alive && o->bound && o->lport == dport &&
				    (o->laddr == 0 || o->laddr == dst) &&
				    (o->faddr == 0 || (o->faddr == src && o->fport == sport)))
					o->rq++, bcasts++;
			}
			udp_input(is, p, 20);
		}
		for (i = 0; i < NP; i++)
			if (P[i].alive && rqlen(P[i].inp) != P[i].rq)
				badq++;
		ifs_unlock(is->is_ns);
	}
	ku_leave(&ki);
	ok(binds > 1000 && ok_binds > 500 && badbind == 0,
	    "%d binds and connects follow the port rules (%d bound, %d wrong)", binds, ok_binds,
	    badbind);
	ok(baddemux == 0 && delivered > 1000, "unicast input reaches the oracle's pcb (%d "
	    "delivered, %d wrong)", delivered, baddemux);
	ok(badq == 0 && bcasts > 100, "broadcasts reach every pcb of the port that accepts them "
	    "and nothing else queues (%d copies, %d pcbs off)", bcasts, badq);
	ok(maxmask >= 255, "the tables grew with %d pcbs alive (%u buckets)", maxalive, maxmask + 1);
}

static void
raw_protocols(struct rumpus_kernel *rk)
{
	struct kin ki;
	struct inet_state *is;
	struct inpcb *r[5];
	static const int protos[5] = { 0, 1, 17, 33, 255 };
	int i, n, bad = 0;

	ku_enter(&ki, rk);
	is = inet_state(ki.k);
	ifs_lock(is->is_ns);
	for (i = 0; i < 5; i++)
		if (inp_create_locked(is, 3, protos[i], &r[i]) != 0)
			bad++;
	/* protocol 1 (bucket 1), 33 (bucket 1 too), 17, 0 (any) */
	for (i = 0; i < 4 && bad == 0; i++) {
		static const int sendp[4] = { 1, 33, 17, 64 };
		struct pkt *p = mkdgram(ki.k, ku_ip("10.9.0.7"), 1, ku_ip("10.9.0.1"), 2, 0);
		int before[5], k2;
		if (p == NULL)
			continue;
		((uint8_t *)pkt_data(p))[9] = (uint8_t)sendp[i];
		for (k2 = 0; k2 < 5; k2++)
			before[k2] = r[k2]->inp_rqlen;
		n = rip_input(is, p);
		pkt_free(p);
		for (k2 = 0; k2 < 5; k2++) {
			int want = protos[k2] == 0 || protos[k2] == sendp[i];
			if (r[k2]->inp_rqlen != before[k2] + want)
				bad++;
		}
		if (n != 1 + (sendp[i] != 64))
			bad++;
	}
	for (i = 0; i < 5; i++)
		inp_free(is, r[i]);
	ifs_unlock(is->is_ns);
	ku_leave(&ki);
	ok(bad == 0, "raw pcbs get their protocol's packets and protocol 0 gets all");
}

/* Threads: each binds an ephemeral port, connects to the server, sends, closes, again. */
#define NTHR	3
#define NITER	400
struct thr { struct rumpus_kernel *k; int sent, errors; };

static void *
churn(void *arg)
{
	struct thr *t = arg;
	int i;

	for (i = 0; i < NITER; i++) {
		struct inpcb *inp;
		struct nb_sockaddr_in sin;
		struct kin ki;
		int e;
		if ((inp = ku_socket(t->k, 2, 0, &e)) == NULL) {
			t->errors++;
			continue;
		}
		in_sockaddr(&sin, ku_ip("127.0.0.1"), htons(7777));
		ku_enter(&ki, t->k);
		if ((e = inp_connect(inp, &sin, sizeof(sin))) == 0 &&
		    (e = inp_send(inp, "t", 1, NULL, 0)) == 0)
			t->sent++;
		else
			t->errors++;
		inp_destroy(inp);
		ku_leave(&ki);
	}
	return NULL;
}

static void
threads(struct rumpus_kernel *rk)
{
	pthread_t th[NTHR];
	struct thr t[NTHR];
	struct inpcb *srv;
	char buf[16];
	size_t len;
	int i, e, sent = 0, errors = 0, got = 0;
	struct nb_sockaddr_in from;

	srv = ku_socket(rk, 2, 0, &e);
	ok(srv != NULL && ku_bind(rk, srv, "127.0.0.1", 7777) == 0, "server on 127.0.0.1:7777");
	srv->inp_rqmax = 1 << 24;
	for (i = 0; i < NTHR; i++) {
		t[i].k = rk, t[i].sent = t[i].errors = 0;
		pthread_create(&th[i], NULL, churn, &t[i]);
	}
	for (i = 0; i < NTHR; i++) {
		pthread_join(th[i], NULL);
		sent += t[i].sent, errors += t[i].errors;
	}
	for (;;) {
		len = sizeof(buf);
		if (ku_recv(rk, srv, buf, &len, &from) != 0)
			break;
		got++;
	}
	ok(errors == 0 && sent == NTHR * NITER && got == sent, "%d threads bound, connected, sent "
	    "and closed %d times; the server got %d of %d", NTHR, NITER, got, sent);
	ku_close(rk, srv);
	{
		struct kin ki;
		struct inet_state *is;
		ku_enter(&ki, rk);
		is = inet_state(ki.k);
		ok(is->is_udbhashed == 0, "no pcb left in the hashes (%u)", is->is_udbhashed);
		ku_leave(&ki);
	}
}

/* The ARP table's hash: thousands of neighbours asked for, the table bounded by
 * maxentries with eviction, every entry findable, evicted ones gone, detach empties it. */
/* Every bucket's chain together holds exactly the table's entries, each in one place. */
static int
arp_consistent(struct inet_state *is)
{
	struct llentry *h;
	unsigned i;
	int n = 0;

	for (i = 0; i <= is->is_arpmask; i++)
		for (h = is->is_arphash[i]; h != NULL && n <= is->is_narp; h = h->la_hnext)
			n++;
	return n == is->is_narp;
}

static void
arp_table(struct rumpus_kernel *rk)
{
	struct kin ki;
	struct inet_state *is;
	struct ifnet *ifp;
	int i, found = 0, wrong = 0, evicted_found = 0, n = 6000;

	ku_enter(&ki, rk);
	is = inet_state(ki.k);
	ifs_lock(is->is_ns);
	ifp = if_find(is->is_ns, "shmif0");
	for (i = 0; i < n; i++) {
		uint32_t a = htonl_(0x0a090000U + 2 + (uint32_t)i);
		struct pkt *p = pkt_alloc(ki.k, 20, PKT_HEADROOM);
		if (p != NULL) {
			memset(pkt_data(p), 0, 20);
			arp_output(ifp, p, a);
		}
	}
	for (i = 0; i < n; i++) {
		uint32_t a = htonl_(0x0a090000U + 2 + (uint32_t)i);
		struct llentry *la = arp_lookup(is, a);
		if (la != NULL && la->la_addr != a)
			wrong++;
		if (la != NULL)
			found++;
		if (la != NULL && i < n - is->is_arp_maxentries)
			evicted_found++;
	}
	ok(is->is_narp == is->is_arp_maxentries && found == is->is_narp && wrong == 0 &&
	    evicted_found == 0 && arp_consistent(is), "%d neighbours asked for: %d entries "
	    "(maxentries), the newest, all found (%d), none wrong (%d), the evicted gone (%d), "
	    "list and hash agree (%u buckets)", n, is->is_narp, found, wrong, evicted_found,
	    is->is_arpmask + 1);
	arp_ifdetach(is, ifp);
	ok(is->is_narp == 0 && is->is_arp == NULL && arp_lookup(is, htonl_(0x0a090000U + 5000)) ==
	    NULL, "detach empties the table");
	ifs_unlock(is->is_ns);
	ku_leave(&ki);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *rk;
	char bus[32];

	rumpus_memstats(&m0);
	rk = ku_boot();
	snprintf(bus, sizeof(bus), "pcbh%d", (int)getpid());
	ok(rk != NULL && ku_shmif(rk, "shmif0", bus) == 0 &&
	    ku_addr(rk, "shmif0", "10.9.0.1", 16) == 0, "a kernel with 10.9.0.1/16 on shmif0");
	oracle_rounds(rk);
	raw_protocols(rk);
	{
		struct kin ki;
		struct inet_state *is;
		int i;
		ku_enter(&ki, rk);
		is = inet_state(ki.k);
		ifs_lock(is->is_ns);
		for (i = 0; i < NP; i++)
			if (P[i].alive)
				inp_free(is, P[i].inp), P[i].alive = 0;
		ifs_unlock(is->is_ns);
		ku_leave(&ki);
	}
	threads(rk);
	arp_table(rk);
	ok(rumpus_kernel_destroy(rk) == 0, "kernel destroyed");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes, "no leaks (%lld bytes)", (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
