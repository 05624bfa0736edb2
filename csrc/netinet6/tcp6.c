/*
 * tcp6.c: TCP over IPv6 on net.netinet's TCP (csrc/netinet/tcp_*.c).
 *
 * TCP's pcbs, hash tables, sequence state and timers hold 32-bit addresses.  An IPv6
 * address (with its zone, for a link-local one) stands in them as a key in 240.0.0.0/4
 * (netinet/in_var.h: in_is_key6), a block no IPv4 address can have, unique in the kernel
 * while a pcb uses it; 240.0.0.0 is the wildcard ::.  So IPv4 and IPv6 connections share
 * TCP's code and tables without meeting: an IPv6 listener is bound to a key, never to
 * INADDR_ANY, and tcp_input's listener lookup keeps the families apart.  This file maps
 * keys to addresses and back and is TCP's IPv6 edge: input (header checks, checksum, the
 * keys, then tcp_input_seg), output (ns_tcp6_send: checksum and ip6_output), the MSS
 * (ns_tcp6_mss: the route's MTU less 60), ICMPv6 errors, and the AF_INET6 SOCK_STREAM
 * requests, which convert sockaddr_in6 and hand the rest to TCP's own (tcp_usrreqs).
 *
 * Keys are created on input and by bind/connect and collected (mark and sweep over TCP's
 * control blocks) when there are twice as many as control blocks, so a flood of SYNs
 * from many sources pins no more memory than the connections it makes.
 */
#include "netinet6/in6_var.h"
#include "netinet/tcp_var.h"

struct in6_key {
	struct in6_key *k_next;
	struct nb_in6_addr k_addr;
	uint32_t k_zone;		/* interface index of a scoped address, else 0 */
	uint32_t k_key;			/* network order, in 240.0.0.0/4 */
	int k_mark;
};

static uint32_t
key_zone(const struct nb_in6_addr *a, struct ifnet *zone)
{
	return in6_scoped(a) && zone != NULL ? (uint32_t)zone->if_index : 0;
}

static struct in6_key *
key_find_key(struct inet6_state *s, uint32_t key)
{
	struct in6_key *k;

	for (k = s->i6_keys; k != NULL; k = k->k_next)
		if (k->k_key == key)
			return k;
	return NULL;
}

/* The key of address a (zone: its interface, for a scoped one); 0 when there is none and
 * create is 0, or when memory is short. */
static uint32_t
in6_key(struct inet6_state *s, const struct nb_in6_addr *a, struct ifnet *zone, int create)
{
	uint32_t z = key_zone(a, zone), id;
	struct in6_key *k;

	if (in6_is_unspec(a))
		return IN_KEY6_ANY;
	for (k = s->i6_keys; k != NULL; k = k->k_next)
		if (k->k_zone == z && in6_eq(&k->k_addr, a))
			return k->k_key;
	if (!create || (k = kmem_zalloc(s->i6_kern, sizeof(*k))) == NULL)
		return 0;
	do {
		id = s->i6_nextkey++ & 0x0fffffffU;
	} while (id == 0 || key_find_key(s, htonl_(0xf0000000U | id)) != NULL);
	k->k_addr = *a;
	k->k_zone = z;
	k->k_key = htonl_(0xf0000000U | id);
	k->k_next = s->i6_keys;
	s->i6_keys = k;
	s->i6_nkeys++;
	return k->k_key;
}

/* The address (and zone) of a key: 0 or EHOSTUNREACH. */
static int
in6_keyaddr(struct inet6_state *s, uint32_t key, struct nb_in6_addr *a, uint32_t *zone)
{
	struct in6_key *k;

	if (key == IN_KEY6_ANY) {
		memset(a, 0, sizeof(*a));
		*zone = 0;
		return 0;
	}
	if ((k = key_find_key(s, key)) == NULL)
		return EHOSTUNREACH;
	*a = k->k_addr;
	*zone = k->k_zone;
	return 0;
}

/* Frees the keys no TCP control block uses, when they are many. */
static void
in6_key_gc(struct inet6_state *s, int force)
{
	struct inet_state *is = inet_state(s->i6_kern);
	struct tcp_state *ts = is != NULL ? is->is_tcp : NULL;
	struct in6_key **pp, *k;
	struct tcpcb *tp;

	if (!force && s->i6_nkeys <= 2 * (ts != NULL ? ts->ts_ntcbs : 0) + 64)
		return;
	for (k = s->i6_keys; k != NULL; k = k->k_next)
		k->k_mark = 0;
	for (tp = ts != NULL ? ts->ts_tcbs : NULL; tp != NULL; tp = tp->t_next) {
		struct inpcb *inp = tp->t_inpcb;
		if (inp == NULL)
			continue;
		if (in_is_key6(inp->inp_laddr) && (k = key_find_key(s, inp->inp_laddr)) != NULL)
			k->k_mark = 1;
		if (in_is_key6(inp->inp_faddr) && (k = key_find_key(s, inp->inp_faddr)) != NULL)
			k->k_mark = 1;
	}
	for (pp = &s->i6_keys; (k = *pp) != NULL;)
		if (!k->k_mark) {
			*pp = k->k_next;
			s->i6_nkeys--;
			kmem_free(s->i6_kern, k, sizeof(*k));
		} else
			pp = &k->k_next;
}

void
tcp6_fini(struct inet6_state *s)
{
	struct in6_key *k;

	while ((k = s->i6_keys) != NULL) {
		s->i6_keys = k->k_next;
		kmem_free(s->i6_kern, k, sizeof(*k));
	}
	s->i6_nkeys = 0;
}

/* ---------------------------------------------------------------- output, MSS */

/* ns_tcp6_send: segment p (TCP header at pkt_data) from key src to key dst. */
static int
tcp6_send(struct kern *kk, struct pkt *p, uint32_t src, uint32_t dst)
{
	struct inet6_state *s = inet6_state(kk);
	struct nb_in6_addr sa, da;
	uint32_t sz, dz;
	uint8_t *th = pkt_data(p);
	uint16_t sum;

	if (s == NULL || in6_keyaddr(s, src, &sa, &sz) != 0 || in6_keyaddr(s, dst, &da, &dz) != 0) {
		pkt_free(p);
		return EHOSTUNREACH;
	}
	th[16] = th[17] = 0;
	sum = in6_cksum(&sa, &da, IPPROTO_TCP, th, p->p_len);
	memcpy(th + 16, &sum, 2);
	return ip6_output(s, p, &sa, &da, in6_zone_ifp(s, dz != 0 ? dz : sz), IPPROTO_TCP,
	    s->i6_hlim, -1, IP6OUT_DONTFRAG);
}

/* ns_tcp6_mss: the MSS we offer towards key faddr: the path's MTU less 60 (RFC 8200's
 * 40-byte header and TCP's 20), 1220 without a route. */
static uint32_t
tcp6_mss(struct kern *kk, uint32_t faddr)
{
	struct inet6_state *s = inet6_state(kk);
	struct nb_in6_addr a;
	struct rt6entry *rt;
	uint32_t zone, mtu;

	if (s == NULL || in6_keyaddr(s, faddr, &a, &zone) != 0)
		return IPV6_MMTU - 60;
	if (in6_ifaddr_of(s, &a, in6_zone_ifp(s, zone)) != NULL)
		mtu = s->i6_ns->ns_lo0->if_mtu;
	else if (in6_scoped(&a) && in6_zone_ifp(s, zone) != NULL)
		mtu = in6_zone_ifp(s, zone)->if_mtu;
	else if ((rt = rt6_lookup(s, &a, in6_zone_ifp(s, zone))) != NULL) {
		mtu = rt->rt6_ifp->if_mtu;
		if (rt->rt6_mtu != 0 && rt->rt6_mtu < mtu)
			mtu = rt->rt6_mtu;
		rt = rt6_lookup(s, &a, NULL);	/* a host route may know the path MTU */
		if (rt != NULL && rt->rt6_mtu != 0 && rt->rt6_mtu < mtu)
			mtu = rt->rt6_mtu;
	} else
		return IPV6_MMTU - 60;
	if (mtu > 65535)
		mtu = 65535;
	return mtu > 60 + TCP_MINMSS ? mtu - 60 : TCP_MINMSS;
}

/* ---------------------------------------------------------------- input */

void
tcp6_input(struct inet6_state *s, struct pkt *p, int off)
{
	struct inet_state *is = inet_state(s->i6_kern);
	struct tcp_state *ts = is != NULL ? is->is_tcp : NULL;
	uint8_t *ip6 = pkt_data(p);
	struct nb_in6_addr src, dst;
	size_t total = p->p_len - (size_t)off;
	uint32_t skey, dkey;

	if (ts == NULL) {
		pkt_free(p);
		return;
	}
	ts->ts_stat.tcps_rcvtotal++;
	if (total < TCP_HLEN) {
		ts->ts_stat.tcps_rcvshort++;
		pkt_free(p);
		return;
	}
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	if (in6_cksum(&src, &dst, IPPROTO_TCP, ip6 + off, total) != 0) {
		ts->ts_stat.tcps_rcvbadsum++;
		pkt_free(p);
		return;
	}
	if (in6_is_mcast(&dst) || in6_is_unspec(&src)) {
		pkt_free(p);		/* no TCP with multicast */
		return;
	}
	skey = in6_key(s, &src, p->p_rcvif, 1);
	dkey = in6_key(s, &dst, p->p_rcvif, 1);
	if (skey == 0 || dkey == 0) {
		pkt_free(p);
		return;
	}
	tcp_input_seg(is, p, off, skey, dkey);
	in6_key_gc(s, 0);
}

/* An ICMPv6 error quoting a TCP segment of ours (inner IPv6 header at ip6, len bytes):
 * packet too big lowers the MSS and resends at once; unreachables are soft errors, fatal
 * while connecting after a few tries (as net.netinet's tcp_ctlinput). */
void
tcp6_ctlinput(struct inet6_state *s, int type, int code, const uint8_t *ip6, size_t len,
    uint32_t mtu, struct ifnet *zone)
{
	struct inet_state *is = inet_state(s->i6_kern);
	struct tcp_state *ts = is != NULL ? is->is_tcp : NULL;
	struct nb_in6_addr src, dst;
	uint32_t lkey, fkey, seq;
	uint16_t sport, dport;
	struct inpcb *inp;
	struct tcpcb *tp;
	int error;

	if (ts == NULL || ip6[6] != IPPROTO_TCP || len < IP6_HDRLEN + 8)
		return;
	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	memcpy(&sport, ip6 + IP6_HDRLEN, 2);
	memcpy(&dport, ip6 + IP6_HDRLEN + 2, 2);
	memcpy(&seq, ip6 + IP6_HDRLEN + 4, 4);
	seq = ntohl_(seq);
	if ((lkey = in6_key(s, &src, zone, 0)) == 0 || (fkey = in6_key(s, &dst, zone, 0)) == 0)
		return;
	if ((inp = in_pcblookup_conn(&ts->ts_tbl, fkey, dport, lkey, sport)) == NULL ||
	    (tp = inp->inp_ppcb) == NULL)
		return;
	if (SEQ_LT(seq, tp->snd_una) || SEQ_GT(seq, tp->snd_max))
		return;		/* RFC 5927: not in flight */
	if (type == ICMP6_PACKET_TOO_BIG) {
		uint32_t mss = (mtu < IPV6_MMTU ? IPV6_MMTU : mtu) - 60;
		if (mss >= tp->t_maxseg)
			return;
		tp->t_maxseg = mss;
		tp->t_ourmss = mss;
		tp->snd_nxt = tp->snd_una;
		tp->t_rtttime = 0;
		(void)tcp_output(tp);
		return;
	}
	if (type == ICMP6_DST_UNREACH)
		error = code == ICMP6_DST_UNREACH_NOPORT ? ECONNREFUSED : EHOSTUNREACH;
	else if (type == ICMP6_PARAM_PROB && code == ICMP6_PARAMPROB_NEXTHEADER)
		error = ECONNREFUSED;
	else if (type == ICMP6_TIME_EXCEEDED)
		error = EHOSTUNREACH;
	else
		return;
	if (tp->t_state == TCPS_SYN_SENT && tp->t_rxtshift > 3 && error != ECONNREFUSED)
		(void)tcp_drop(tp, error);
	else
		tp->t_softerror = error;
}

/* ---------------------------------------------------------------- socket requests */

static void
tcp6_sopcbflags(struct socket *so, struct inpcb *inp)
{
	inp->inp_flags &= ~(INP_REUSEADDR | INP_REUSEPORT);
	if (so->so_options & SO_REUSEADDR)
		inp->inp_flags |= INP_REUSEADDR;
	if (so->so_options & SO_REUSEPORT)
		inp->inp_flags |= INP_REUSEPORT;
}

static void
tcp6_flush(struct socket *so)
{
	ifs_flush(ifstate(so->so_kern));
}

static int
tcp6_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in6 sin6;
	struct ifnet *zone = NULL;
	uint32_t key;
	int error;

	(void)l;
	if (inp == NULL || is == NULL || is->is_tcp == NULL)
		return EINVAL;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	if (in6_is_v4mapped(&sin6.sin6_addr))
		return EINVAL;		/* IPV6_V6ONLY: TCP sockets are IPv6 only */
	if (sin6.sin6_scope_id != 0 && (zone = in6_zone_ifp(s, sin6.sin6_scope_id)) == NULL)
		return ENXIO;
	if (in6_is_mcast(&sin6.sin6_addr))
		return EADDRNOTAVAIL;
	if (!in6_is_unspec(&sin6.sin6_addr)) {
		struct in6_ifaddr *ia;
		if (in6_is_linklocal(&sin6.sin6_addr) && zone == NULL)
			return EADDRNOTAVAIL;
		ia = in6_ifaddr_of(s, &sin6.sin6_addr, zone);
		if (ia == NULL || (ia->ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_ANYCAST)))
			return EADDRNOTAVAIL;
		zone = ia->ia6_ifp;
	}
	in6_key_gc(s, 0);
	if ((key = in6_key(s, &sin6.sin6_addr, zone, 1)) == 0)
		return ENOBUFS;
	tcp6_sopcbflags(so, inp);
	return in_pcbbind_tcp(is, &is->is_tcp->ts_tbl, inp, key, sin6.sin6_port);
}

static int
tcp6_listen(struct socket *so, struct lwp *l)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct tcpcb *tp;
	int error;

	if (inp == NULL || (tp = inp->inp_ppcb) == NULL || is == NULL || is->is_tcp == NULL)
		return EINVAL;
	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
		return EINVAL;
	if (!(inp->inp_flags & INP_BOUND)) {	/* the IPv6 wildcard, an ephemeral port */
		tcp6_sopcbflags(so, inp);
		if ((error = in_pcbbind_tcp(is, &is->is_tcp->ts_tbl, inp, IN_KEY6_ANY, 0)) != 0)
			return error;
	}
	return tcp_usrreqs.pr_listen(so, l);
}

static int
tcp6_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in6 sin6;
	struct nb_sockaddr_in sin;
	struct nb_in6_addr dst, src;
	struct ifnet *ifp = NULL, *zone = NULL;
	struct rt6entry *rt;
	uint32_t lkey, fkey;
	struct tcpcb *tp;
	int error;

	if (inp == NULL || (tp = inp->inp_ppcb) == NULL || is == NULL || is->is_tcp == NULL)
		return EINVAL;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	if (tp->t_state != TCPS_CLOSED)
		return tp->t_state == TCPS_LISTEN ? EOPNOTSUPP : EISCONN;
	dst = sin6.sin6_addr;
	if (in6_is_v4mapped(&dst))
		return EINVAL;		/* IPV6_V6ONLY */
	if (in6_is_mcast(&dst) || sin6.sin6_port == 0)
		return EADDRNOTAVAIL;
	if (in6_is_unspec(&dst))
		dst.s6_addr[15] = 1;	/* :: is the loopback address */
	if (sin6.sin6_scope_id != 0 && (zone = in6_zone_ifp(s, sin6.sin6_scope_id)) == NULL)
		return ENXIO;
	if (in6_ifaddr_of(s, &dst, zone) != NULL && (!in6_is_linklocal(&dst) || zone != NULL)) {
		ifp = s->i6_ns->ns_lo0;
		if (zone == NULL)
			zone = in6_ifaddr_of(s, &dst, NULL)->ia6_ifp;
	} else if (in6_scoped(&dst)) {
		if ((ifp = zone) == NULL)
			return EHOSTUNREACH;
	} else {
		if ((rt = rt6_lookup(s, &dst, NULL)) == NULL || (rt->rt6_flags & RTF_REJECT))
			return EHOSTUNREACH;
		ifp = rt->rt6_ifp;
	}
	if (in_is_key6(inp->inp_laddr) && inp->inp_laddr != IN_KEY6_ANY) {
		uint32_t z;
		if (in6_keyaddr(s, inp->inp_laddr, &src, &z) != 0)
			return EADDRNOTAVAIL;
	} else if ((error = in6_selectsrc(s, &dst, ifp->if_type == IFT_LOOP && zone ? zone : ifp,
	    &src)) != 0)
		return error;
	in6_key_gc(s, 0);
	if ((lkey = in6_key(s, &src, zone != NULL ? zone : ifp, 1)) == 0 ||
	    (fkey = in6_key(s, &dst, zone != NULL ? zone : ifp, 1)) == 0)
		return ENOBUFS;
	if (!(inp->inp_flags & INP_BOUND)) {
		tcp6_sopcbflags(so, inp);
		if ((error = in_pcbbind_tcp(is, &is->is_tcp->ts_tbl, inp, lkey, 0)) != 0)
			return error;
	} else if (inp->inp_laddr == IN_KEY6_ANY)
		inp->inp_laddr = lkey;	/* bound to the wildcard: now the source (port kept) */
	/* TCP's connect with the keys (a sockaddr_in carrying them) */
	in_sockaddr(&sin, fkey, sin6.sin6_port);
	return tcp_usrreqs.pr_connect(so, (const struct nb_sockaddr *)&sin, l);
}

static int
tcp6_name(struct socket *so, struct nb_sockaddr_storage *nam, int peer)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_in6_addr a;
	uint32_t zone = 0;

	memset(nam, 0, sizeof(*nam));
	if (inp == NULL)
		return EINVAL;
	memset(&a, 0, sizeof(a));
	if (in6_keyaddr(s, peer ? inp->inp_faddr : inp->inp_laddr, &a, &zone) != 0)
		memset(&a, 0, sizeof(a));	/* not bound or connected yet */
	in6_sockaddr((struct nb_sockaddr_in6 *)nam, &a, peer ? inp->inp_fport : inp->inp_lport,
	    zone);
	return 0;
}

static int
tcp6_accept(struct socket *so, struct nb_sockaddr_storage *nam)
{
	int error = tcp_usrreqs.pr_accept(so, nam);

	return error != 0 ? error : tcp6_name(so, nam, 1);
}
static int tcp6_sockaddr(struct socket *so, struct nb_sockaddr_storage *nam)
{ return tcp6_name(so, nam, 0); }
static int tcp6_peeraddr(struct socket *so, struct nb_sockaddr_storage *nam)
{ return tcp6_name(so, nam, 1); }

static int
tcp6_send_req(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	return tcp_usrreqs.pr_send(so, data, len, nam, ctl, flags, l);
}

static void
tcp6_detach(struct socket *so)
{
	tcp_usrreqs.pr_detach(so);
	tcp6_flush(so);
}

int
tcp6_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	int v, error;

	if (sopt->sopt_level != IPPROTO_IPV6)
		return tcp_ctloutput(op, so, sopt);
	if (sopt->sopt_name != IPV6_V6ONLY)
		return ENOPROTOOPT;
	if (op == PRCO_GETOPT)
		return sockopt_setint(sopt, 1);
	if ((error = sockopt_getint(sopt, &v)) != 0)
		return error;
	return v ? 0 : EINVAL;		/* TCP sockets are IPv6 only here */
}

void
tcp6_init(struct inet6_state *s)
{
	struct ifnet_state *ns = s->i6_ns;

	ns->ns_tcp6_send = tcp6_send;
	ns->ns_tcp6_mss = tcp6_mss;
}

void
tcp6_hooks_off(struct ifnet_state *ns)
{
	ns->ns_tcp6_send = NULL;
	ns->ns_tcp6_mss = NULL;
}

static int tcp6_attach(struct socket *so, int proto) { return tcp_usrreqs.pr_attach(so, proto); }
static int tcp6_disconnect(struct socket *so) { return tcp_usrreqs.pr_disconnect(so); }
static int tcp6_shutdown(struct socket *so) { return tcp_usrreqs.pr_shutdown(so); }
static int tcp6_abort(struct socket *so) { return tcp_usrreqs.pr_abort(so); }
static int tcp6_rcvd(struct socket *so, int flags) { return tcp_usrreqs.pr_rcvd(so, flags); }

/* AF_INET6 SOCK_STREAM: TCP's requests, the address ones converting sockaddr_in6. */
const struct pr_usrreqs tcp6_usrreqs = {
	.pr_attach = tcp6_attach, .pr_detach = tcp6_detach, .pr_bind = tcp6_bind,
	.pr_listen = tcp6_listen, .pr_connect = tcp6_connect, .pr_accept = tcp6_accept,
	.pr_disconnect = tcp6_disconnect, .pr_shutdown = tcp6_shutdown, .pr_abort = tcp6_abort,
	.pr_send = tcp6_send_req, .pr_rcvd = tcp6_rcvd, .pr_sockaddr = tcp6_sockaddr,
	.pr_peeraddr = tcp6_peeraddr,
};
