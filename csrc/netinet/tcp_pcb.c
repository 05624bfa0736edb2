/*
 * tcp_pcb.c: TCP's protocol control blocks of both families (NetBSD's inpcb and in6pcb
 * in one table): binding with the port rules, connecting, and the lookups of input.
 *
 * Addresses are struct in46_addr (in_var.h): 128 bits, IPv4 as ::ffff:a.b.c.d, the zone
 * of a link-local address beside it.  An AF_INET pcb always has an IPv4 (mapped)
 * address, ::ffff:0.0.0.0 when bound to the wildcard; an AF_INET6 pcb (INP_V6) has an
 * IPv6 address or :: and, without IPV6_V6ONLY, may have a mapped one (bound or connected
 * to IPv4).
 *
 * Invariants.  Every bound pcb is in it_port (by local port); a connected one is also in
 * it_conn (by 4-tuple), a listener in it_listen (by local port).  The three tables have
 * the same number of buckets, a power of two, doubled when the bound pcbs outnumber
 * twice the buckets and halved when they fill less than an eighth, so every lookup walks
 * O(1) pcbs whatever the number of connections of a kernel; the tables are kmem of the
 * kernel (counted in its memory, given back as connections go).  All of it runs under
 * the kernel's net lock.
 *
 * Port rules (NetBSD's in_pcbbind_port and in6_pcbbind_port): a newcomer sees the pcbs
 * of its own family on the port, and across families as NetBSD: an IPv4 address (of an
 * AF_INET socket, or mapped on a dual-stack one) also sees the dual-stack AF_INET6 pcbs
 * bound to :: or to a mapped address; an IPv6 address (or ::) sees only AF_INET6 pcbs not
 * bound to a mapped address; IPV6_V6ONLY pcbs are never seen from IPv4.  Between two pcbs
 * that see each other: different specific addresses never conflict; a wildcard and a
 * specific address conflict unless the newcomer set SO_REUSEADDR or SO_REUSEPORT; equal
 * addresses conflict unless both set SO_REUSEPORT; a pcb whose socket is gone (TIME_WAIT,
 * a closing orphan) does not conflict with a newcomer that set SO_REUSEADDR.  Ports below
 * 1024 need root.  Ephemeral ports start at a random point of the range (RFC 6056) and a
 * 4-tuple in use is EADDRINUSE.
 *
 * Listener lookup (NetBSD's tcp_input: in_pcblookup_bind, then in6_pcblookup_bind with
 * the mapped address): a listener bound to the destination address wins; then, for
 * IPv4, an AF_INET wildcard listener, then a dual-stack AF_INET6 one on ::; for IPv6, an
 * AF_INET6 one on ::.
 */
#include "netinet/in_var.h"

#define TCB_MINBUCKETS	64

static int
tcb_priv(void)
{
	struct lwp *l = curlwp();

	return l == NULL ? 0 : cred_super(lwp_cred(l));
}

static inline uint32_t
tcb_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

static uint32_t
tcb_addrhash(const struct in46_addr *a)
{
	uint32_t w[4];

	memcpy(w, a->ia_addr, 16);
	return w[0] ^ w[1] * 0x9e3779b1U ^ w[2] * 0x7feb352dU ^ w[3] ^ a->ia_zone * 0x846ca68bU;
}

static unsigned
tcb_hash4(const struct inpcbtable *t, const struct in46_addr *faddr, uint16_t fport,
    const struct in46_addr *laddr, uint16_t lport)
{
	uint32_t h = tcb_addrhash(faddr) ^ tcb_mix(tcb_addrhash(laddr)) ^
	    ((uint32_t)fport << 16 | lport);

	return tcb_mix(h) & t->it_mask;
}

static unsigned
tcb_hashport(const struct inpcbtable *t, uint16_t lport)
{
	return tcb_mix(lport) & t->it_mask;
}

static int
tcb_alloc(struct kern *k, struct inpcbtable *t, unsigned n)
{
	t->it_conn = kmem_zalloc(k, n * sizeof(*t->it_conn));
	t->it_port = kmem_zalloc(k, n * sizeof(*t->it_port));
	t->it_listen = kmem_zalloc(k, n * sizeof(*t->it_listen));
	t->it_mask = n - 1;
	if (t->it_conn == NULL || t->it_port == NULL || t->it_listen == NULL) {
		in_pcbtable_fini(k, t);
		return ENOMEM;
	}
	return 0;
}

int
in_pcbtable_init(struct kern *k, struct inpcbtable *t, unsigned nbuckets)
{
	unsigned n = TCB_MINBUCKETS;

	while (n < nbuckets)
		n *= 2;
	memset(t, 0, sizeof(*t));
	t->it_kern = k;
	return tcb_alloc(k, t, n);
}

void
in_pcbtable_fini(struct kern *k, struct inpcbtable *t)
{
	size_t n = (size_t)t->it_mask + 1;

	if (t->it_conn != NULL)
		kmem_free(k, t->it_conn, n * sizeof(*t->it_conn));
	if (t->it_port != NULL)
		kmem_free(k, t->it_port, n * sizeof(*t->it_port));
	if (t->it_listen != NULL)
		kmem_free(k, t->it_listen, n * sizeof(*t->it_listen));
	t->it_conn = t->it_port = t->it_listen = NULL;
}

static void
tcb_insert_conn(struct inpcbtable *t, struct inpcb *inp)
{
	struct inpcb **pp = &t->it_conn[tcb_hash4(t, &inp->inp_faddr46, inp->inp_fport,
	    &inp->inp_laddr46, inp->inp_lport)];

	inp->inp_hnext = *pp;
	*pp = inp;
}

static void
tcb_insert_port(struct inpcbtable *t, struct inpcb *inp)
{
	struct inpcb **pp = &t->it_port[tcb_hashport(t, inp->inp_lport)];

	inp->inp_pnext = *pp;
	*pp = inp;
}

/* A listener goes after those of its bucket (the older listener wins among equals). */
static void
tcb_insert_listen(struct inpcbtable *t, struct inpcb *inp)
{
	struct inpcb **pp = &t->it_listen[tcb_hashport(t, inp->inp_lport)];

	while (*pp != NULL)
		pp = &(*pp)->inp_lnext;
	inp->inp_lnext = NULL;
	*pp = inp;
}

/* The tables with n buckets, the pcbs rehashed; out of memory the old tables stay
 * (longer chains, still correct). */
static void
tcb_resize(struct inpcbtable *t, unsigned n)
{
	struct inpcbtable o = *t;
	unsigned i;
	struct inpcb *inp, *next, *ls = NULL, **lt = &ls;

	if (tcb_alloc(t->it_kern, t, n) != 0) {
		*t = o;
		return;
	}
	/* listeners keep their order within a port: gather them first */
	for (i = 0; i <= o.it_mask; i++)
		for (inp = o.it_listen[i]; inp != NULL; inp = next) {
			next = inp->inp_lnext;
			inp->inp_lnext = NULL;
			*lt = inp;
			lt = &inp->inp_lnext;
		}
	for (i = 0; i <= o.it_mask; i++)
		for (inp = o.it_port[i]; inp != NULL; inp = next) {
			next = inp->inp_pnext;
			tcb_insert_port(t, inp);
			if (inp->inp_flags & INP_CONNECTED)
				tcb_insert_conn(t, inp);
		}
	for (inp = ls; inp != NULL; inp = next) {
		next = inp->inp_lnext;
		tcb_insert_listen(t, inp);
	}
	t->it_resizes++;
	in_pcbtable_fini(t->it_kern, &o);
}

/* Doubles the tables when the bound pcbs outnumber twice the buckets, halves them when
 * they fill less than an eighth (the kernel's memory comes back as connections go). */
static void
tcb_maybe_resize(struct inpcbtable *t)
{
	unsigned n = t->it_mask + 1;

	if (t->it_nbound > 2 * n && n < (1u << 24))
		tcb_resize(t, 2 * n);
	else if (n > TCB_MINBUCKETS && t->it_nbound < n / 8)
		tcb_resize(t, n / 2);
}

/* ---------------------------------------------------------------- port rules */

/* What pcb o's local address is to a newcomer binding an address of family v4 (1: an
 * IPv4 address, mapped; 0: IPv6 or ::): 0 if o is not seen, else 1 with *view set. */
static int
tcb_view(const struct inpcb *o, int v4, struct in46_addr *view)
{
	const struct in46_addr *a = &o->inp_laddr46;

	if (!(o->inp_flags & INP_V6)) {		/* AF_INET: always an IPv4 address */
		if (!v4)
			return 0;
		*view = *a;
		return 1;
	}
	if (v4) {
		if (o->inp_flags & INP_V6ONLY)
			return 0;
		if (in46_is6any(a))
			*view = *a;	/* a dual-stack :: is a wildcard for IPv4, never equal
					 * to an IPv4 address (not even 0.0.0.0) */
		else if (in46_is4(a))
			*view = *a;
		else
			return 0;
		return 1;
	}
	if (in46_is4(a))
		return 0;
	*view = *a;
	return 1;
}

/* Does (laddr, lport) conflict with a pcb bound already, for inp's options? */
static int
tcb_port_conflict(struct inpcbtable *t, struct inpcb *inp, const struct in46_addr *laddr,
    uint16_t lport)
{
	int reuse = inp->inp_flags & (INP_REUSEADDR | INP_REUSEPORT), v4 = in46_is4(laddr);
	struct in46_addr view;
	struct inpcb *o;

	for (o = t->it_port[tcb_hashport(t, lport)]; o != NULL; o = o->inp_pnext) {
		if (o == inp || o->inp_lport != lport || !tcb_view(o, v4, &view))
			continue;
		if (!in46_eq(&view, laddr)) {
			if (!in46_isany(&view) && !in46_isany(laddr))
				continue;	/* two specific addresses */
			if (reuse)
				continue;	/* a wildcard and an address: SO_REUSE* */
		}
		if ((inp->inp_flags & INP_REUSEPORT) && (o->inp_flags & INP_REUSEPORT))
			continue;
		if (o->inp_socket == NULL && (inp->inp_flags & INP_REUSEADDR))
			continue;	/* TIME_WAIT or an orphan: SO_REUSEADDR may take it */
		return 1;
	}
	return 0;
}

/* The wildcard of laddr's family (what an ephemeral port must be free on). */
static void
tcb_wildcard(const struct in46_addr *laddr, struct in46_addr *any)
{
	if (in46_is4(laddr))
		in46_set4(any, INADDR_ANY);
	else
		memset(any, 0, sizeof(*any));
}

static void
tcb_bound(struct inpcbtable *t, struct inpcb *inp)
{
	tcb_insert_port(t, inp);
	inp->inp_flags |= INP_BOUND;
	t->it_nbound++;
	tcb_maybe_resize(t);
}

/* An ephemeral port for inp on laddr's family, free of binds and (faddr non-NULL) of
 * the 4-tuple to faddr: 0 if none. */
static uint16_t
tcb_ephemeral(struct inet_state *is, struct inpcbtable *t, struct inpcb *inp,
    const struct in46_addr *laddr, const struct in46_addr *faddr, uint16_t fport)
{
	int lo = is->is_anonportmin, hi = is->is_anonportmax, n = hi - lo + 1, i;
	int saved = inp->inp_flags;
	struct in46_addr any;
	uint16_t port = 0;
	uint32_t r = kern_random32(is->is_kern);

	tcb_wildcard(laddr, &any);
	/* an ephemeral port is never shared (in its family) */
	inp->inp_flags &= ~(INP_REUSEADDR | INP_REUSEPORT);
	for (i = 0; i < n; i++) {
		uint16_t c = htons_((uint16_t)(lo + (r + (uint32_t)i) % (uint32_t)n));

		if (tcb_port_conflict(t, inp, &any, c))
			continue;
		if (faddr != NULL && in_pcblookup_conn(t, faddr, fport, laddr, c) != NULL)
			continue;
		port = c;
		break;
	}
	inp->inp_flags = saved;
	return port;
}

int
in_pcbbind_tcp(struct inet_state *is, struct inpcbtable *t, struct inpcb *inp,
    const struct in46_addr *laddr, uint16_t lport)
{
	if (inp->inp_flags & INP_BOUND)
		return EINVAL;
	if (in46_is4(laddr) && in46_v4(laddr) != INADDR_ANY &&
	    in_ifaddr_of(is->is_ns, in46_v4(laddr)) == NULL)
		return EADDRNOTAVAIL;	/* (an IPv6 address: net.netinet6 checked it) */
	if (lport != 0) {
		if (ntohs_(lport) < 1024 && tcb_priv() != 0)
			return EACCES;
		if (tcb_port_conflict(t, inp, laddr, lport))
			return EADDRINUSE;
	} else if ((lport = tcb_ephemeral(is, t, inp, laddr, NULL, 0)) == 0)
		return EADDRINUSE;
	inp->inp_laddr46 = *laddr;
	inp->inp_lport = lport;
	tcb_bound(t, inp);
	return 0;
}

struct inpcb *
in_pcblookup_conn(struct inpcbtable *t, const struct in46_addr *faddr, uint16_t fport,
    const struct in46_addr *laddr, uint16_t lport)
{
	struct inpcb *inp;

	for (inp = t->it_conn[tcb_hash4(t, faddr, fport, laddr, lport)]; inp != NULL;
	    inp = inp->inp_hnext)
		if (inp->inp_fport == fport && inp->inp_lport == lport &&
		    in46_eq(&inp->inp_faddr46, faddr) && in46_eq(&inp->inp_laddr46, laddr))
			return inp;
	return NULL;
}

struct inpcb *
in_pcblookup_listen(struct inpcbtable *t, const struct in46_addr *laddr, uint16_t lport)
{
	struct inpcb *inp, *wild4 = NULL, *wild6 = NULL;
	int v4 = in46_is4(laddr);

	for (inp = t->it_listen[tcb_hashport(t, lport)]; inp != NULL; inp = inp->inp_lnext) {
		const struct in46_addr *a = &inp->inp_laddr46;

		if (inp->inp_lport != lport)
			continue;
		if (in46_eq(a, laddr))
			return inp;
		if (v4 && in46_is4(a) && in46_v4(a) == INADDR_ANY) {
			if (wild4 == NULL)
				wild4 = inp;
		} else if (in46_is6any(a) && (inp->inp_flags & INP_V6) && wild6 == NULL &&
		    (!v4 || !(inp->inp_flags & INP_V6ONLY)))
			wild6 = inp;
	}
	return wild4 != NULL ? wild4 : wild6;
}

int
in_pcbconnect_tcp(struct inet_state *is, struct inpcbtable *t, struct inpcb *inp,
    const struct in46_addr *laddr, const struct in46_addr *faddr, uint16_t fport)
{
	if (fport == 0)
		return EADDRNOTAVAIL;
	if (inp->inp_flags & INP_BOUND) {
		if (in_pcblookup_conn(t, faddr, fport, laddr, inp->inp_lport) != NULL)
			return EADDRINUSE;
	} else {
		uint16_t port = tcb_ephemeral(is, t, inp, laddr, faddr, fport);

		if (port == 0)
			return EADDRNOTAVAIL;
		inp->inp_lport = port;
		inp->inp_laddr46 = *laddr;
		tcb_bound(t, inp);
	}
	inp->inp_laddr46 = *laddr;
	inp->inp_faddr46 = *faddr;
	inp->inp_fport = fport;
	tcb_insert_conn(t, inp);
	inp->inp_flags |= INP_CONNECTED;
	return 0;
}

/* A connection accepted on a listener: its pcb takes the 4-tuple of the SYN. */
void
in_pcbsetconn_tcp(struct inpcbtable *t, struct inpcb *inp, const struct in46_addr *laddr,
    uint16_t lport, const struct in46_addr *faddr, uint16_t fport)
{
	inp->inp_laddr46 = *laddr;
	inp->inp_lport = lport;
	inp->inp_faddr46 = *faddr;
	inp->inp_fport = fport;
	tcb_insert_conn(t, inp);
	inp->inp_flags |= INP_CONNECTED;
	tcb_bound(t, inp);
}

static void
tcb_unchain(struct inpcb **pp, struct inpcb *inp, size_t linkoff)
{
	for (; *pp != NULL; pp = (struct inpcb **)(void *)((char *)*pp + linkoff))
		if (*pp == inp) {
			*pp = *(struct inpcb **)(void *)((char *)inp + linkoff);
			return;
		}
}

void
in_pcbremove_tcp(struct inpcbtable *t, struct inpcb *inp)
{
	if (inp->inp_flags & INP_CONNECTED)
		tcb_unchain(&t->it_conn[tcb_hash4(t, &inp->inp_faddr46, inp->inp_fport,
		    &inp->inp_laddr46, inp->inp_lport)], inp, offsetof(struct inpcb, inp_hnext));
	if (inp->inp_flags & INP_BOUND) {
		tcb_unchain(&t->it_port[tcb_hashport(t, inp->inp_lport)], inp,
		    offsetof(struct inpcb, inp_pnext));
		t->it_nbound--;
	}
	if (inp->inp_flags & INP_LISTEN)
		tcb_unchain(&t->it_listen[tcb_hashport(t, inp->inp_lport)], inp,
		    offsetof(struct inpcb, inp_lnext));
	if (inp->inp_flags & INP_BOUND)
		tcb_maybe_resize(t);
	inp->inp_flags &= ~(INP_CONNECTED | INP_BOUND | INP_LISTEN);
}

/* A bound pcb starts listening. */
void
in_pcblisten_tcp(struct inpcbtable *t, struct inpcb *inp)
{
	if (inp->inp_flags & INP_LISTEN)
		return;
	tcb_insert_listen(t, inp);
	inp->inp_flags |= INP_LISTEN;
}
