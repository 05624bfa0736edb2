/*
 * tcp6.c: TCP over IPv6 on net.netinet's TCP (csrc/netinet/tcp_*.c), and dual stack.
 *
 * TCP's pcbs hold 128-bit addresses of either family (struct in46_addr, netinet/in_var.h:
 * IPv4 as ::ffff:a.b.c.d, the zone of a link-local address beside it), so IPv4 and IPv6
 * connections share TCP's code and tables (netinet/tcp_pcb.c).  This file is TCP's IPv6
 * edge: input (header checks, checksum, then tcp_input_seg), output (ns_tcp6_send:
 * checksum and ip6_output), the MSS (ns_tcp6_mss: the route's MTU less 60), ICMPv6
 * errors, and the AF_INET6 SOCK_STREAM requests, which convert sockaddr_in6 and hand the
 * rest to TCP's own (tcp_usrreqs).
 *
 * Dual stack, NetBSD's rules: a new AF_INET6 socket is IPV6_V6ONLY when sysctl
 * net.inet6.ip6.v6only is 1 (the default); the option may change until the socket is
 * bound (EINVAL after).  Without it the socket binds ::ffff:a.b.c.d (one of our IPv4
 * addresses or the IPv4 wildcard), connects to ::ffff:a.b.c.d (the segments are IPv4),
 * and on :: it also takes IPv4 connections no AF_INET listener takes; every address it
 * reports is then in that mapped form.  With it, a mapped address is EINVAL.
 */
#include "netinet6/in6_var.h"
#include "netinet/tcp_var.h"

/* An IPv6 address (with its zone, if scoped) as TCP's pcbs hold it. */
static void
in46_of6(struct in46_addr *o, const struct nb_in6_addr *a, uint32_t zone)
{
	memcpy(o->ia_addr, a->s6_addr, 16);
	o->ia_zone = in6_scoped(a) && !in6_is_v4mapped(a) ? zone : 0;
}

static const struct nb_in6_addr *
in46_6(const struct in46_addr *a)
{
	return (const struct nb_in6_addr *)(const void *)a->ia_addr;
}

static uint32_t
ifindex(struct ifnet *ifp)
{
	return ifp != NULL ? (uint32_t)ifp->if_index : 0;
}

/* ---------------------------------------------------------------- output, MSS */

/* The IPPROTO_IPV6 options of the connection a segment from src to dst belongs to (NULL:
 * none set, or no connection: a listener's SYN-ACK, a RST for no pcb). */
static struct in6pcb *
tcp6_opts_of(struct inet6_state *s, const uint8_t *th, const struct in46_addr *src,
    const struct in46_addr *dst)
{
	struct inet_state *is = inet_state(s->i6_kern);
	struct inpcb *inp;
	uint16_t sport, dport;

	if (s->i6_tcpopts == NULL || is == NULL || is->is_tcp == NULL)
		return NULL;
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	if ((inp = in_pcblookup_conn(&is->is_tcp->ts_tbl, dst, dport, src, sport)) == NULL)
		return NULL;
	return inp->inp_in6opts;	/* kept after the socket closed, till tcp_close */
}

/* ns_tcp6_send: segment p (TCP header at pkt_data) from src to dst, with its socket's
 * IPV6_UNICAST_HOPS, IPV6_TCLASS and sticky extension headers, as NetBSD's tcp_output
 * hands ip6_output the in6pcb's options (tcp_output left room for them: tcp6_optmss). */
static int
tcp6_send(struct kern *kk, struct pkt *p, const struct in46_addr *src,
    const struct in46_addr *dst)
{
	struct inet6_state *s = inet6_state(kk);
	uint8_t *th = pkt_data(p);
	struct in6pcb *o;
	struct ip6_xhdrs x;
	uint16_t sum;
	int hlim, tclass = -1, i, anyx = 0, flags = IP6OUT_DONTFRAG;

	if (s == NULL) {
		pkt_free(p);
		return EHOSTUNREACH;
	}
	th[16] = th[17] = 0;
	sum = in6_cksum(in46_6(src), in46_6(dst), IPPROTO_TCP, th, p->p_len);
	memcpy(th + 16, &sum, 2);
	hlim = s->i6_hlim;
	if ((o = tcp6_opts_of(s, th, src, dst)) != NULL) {
		if (o->in6p_hops >= 0)
			hlim = o->in6p_hops;
		tclass = o->in6p_tclass;
		for (i = 0; i < 4; i++) {
			x.x_hdr[i] = o->in6p_xhdr[i];
			anyx |= x.x_hdr[i] != NULL;
		}
		x.x_nexthop = NULL;
		if (anyx)
			flags = 0;
	}
	return ip6_output_x(s, p, in46_6(src), in46_6(dst),
	    in6_zone_ifp(s, dst->ia_zone != 0 ? dst->ia_zone : src->ia_zone), IPPROTO_TCP,
	    hlim, tclass, flags, anyx ? &x : NULL);
}

/* ns_tcp6_optmss: the MSS of a connection with options o, from mss (the smaller of ours and
 * the peer's): at most IPV6_MMTU less 60 with IPV6_USE_MIN_MTU 1 (every packet at the
 * minimum MTU, RFC 3542 11.1), then less the sticky extension headers, as NetBSD's
 * tcp_segsize subtracts ip6_optlen (the destination options before a routing header
 * only with one). */
static uint32_t
tcp6_optmss(struct kern *kk, void *opts, uint32_t mss)
{
	struct in6pcb *o = opts;
	uint32_t xlen = 0;
	int i;

	(void)kk;
	if (o->in6p_minmtu == 1 && mss > IPV6_MMTU - 60)
		mss = IPV6_MMTU - 60;
	for (i = 0; i < 4; i++)
		if (o->in6p_xhdr[i] != NULL && (i != 1 || o->in6p_xhdr[2] != NULL))
			xlen += (uint32_t)(o->in6p_xhdr[i][1] + 1) * 8;
	return mss > xlen + TCP_MINMSS ? mss - xlen : TCP_MINMSS;
}

/* ns_tcp6_mss: the MSS we offer towards key faddr: the path's MTU less 60 (RFC 8200's
 * 40-byte header and TCP's 20), 1220 without a route. */
static uint32_t
tcp6_mss(struct kern *kk, const struct in46_addr *faddr)
{
	struct inet6_state *s = inet6_state(kk);
	struct nb_in6_addr a = *in46_6(faddr);
	uint32_t zone = faddr->ia_zone, mtu;
	struct rt6entry *rt;

	if (s == NULL)
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

/* ns_tcp6_tso: may tcp_output send one offload datagram (IFCAP_TSOv6) to faddr? */
static int
tcp6_tso(struct kern *kk, const struct in46_addr *faddr, void *opts)
{
	struct inet6_state *s = inet6_state(kk);
	struct in6pcb *o = opts;
	struct nb_in6_addr a = *in46_6(faddr);
	struct ifnet *zifp;
	struct rt6entry *rt;
	int i;

	if (s == NULL)
		return 0;
	if (o != NULL) {
		if (o->in6p_minmtu == 1)
			return 0;
		for (i = 0; i < 4; i++)
			if (o->in6p_xhdr[i] != NULL)
				return 0;	/* ip6_output puts headers before TCP */
	}
	zifp = in6_zone_ifp(s, faddr->ia_zone);
	if (in6_is_mcast(&a) || in6_ifaddr_of(s, &a, zifp) != NULL)
		return 0;
	if (in6_scoped(&a))
		return zifp != NULL && (zifp->if_capenable & IFCAP_TSOv6) != 0;
	return (rt = rt6_lookup(s, &a, NULL)) != NULL && rt->rt6_ifp != NULL &&
	    !(rt->rt6_flags & (RTF_REJECT | RTF_BLACKHOLE)) &&
	    (rt->rt6_ifp->if_capenable & IFCAP_TSOv6) != 0;
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
	struct in46_addr src46, dst46;

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
	if (in6_is_v4mapped(&src) || in6_is_v4mapped(&dst)) {
		pkt_free(p);		/* RFC 4038: mapped addresses never go on the wire */
		return;
	}
	in46_of6(&src46, &src, ifindex(p->p_rcvif));
	in46_of6(&dst46, &dst, ifindex(p->p_rcvif));
	tcp_input_seg(is, p, off, &src46, &dst46);
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
	struct in46_addr la, fa;
	uint16_t sport, dport;
	uint32_t seq;
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
	in46_of6(&la, &src, ifindex(zone));
	in46_of6(&fa, &dst, ifindex(zone));
	if ((inp = in_pcblookup_conn(&ts->ts_tbl, &fa, dport, &la, sport)) == NULL ||
	    (tp = inp->inp_ppcb) == NULL) {
		/* no connection: a SYN|ACK of the SYN cache (NetBSD's tcp6_ctlinput calls
		 * syn_cache_unreach for no route, PRC_UNREACH_NET, alone: address
		 * unreachable is PRC_HOSTDEAD there, which notifies without the ports) */
		if (type == ICMP6_DST_UNREACH && code == ICMP6_DST_UNREACH_NOROUTE)
			syn_cache_unreach(ts, &fa, dport, &la, sport, seq);
		return;
	}
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
tcp6_flush(struct socket *so)
{
	ifs_flush(ifstate(so->so_kern));
}

static int
tcp6_attach(struct socket *so, int proto)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inpcb *inp;
	int error;

	if (s == NULL)
		return EAFNOSUPPORT;
	if ((error = tcp_usrreqs.pr_attach(so, proto)) != 0)
		return error;
	inp = so->so_pcb;
	inp->inp_flags |= INP_V6;
	if (so->so_head != NULL && so->so_head->so_pcb != NULL)	/* a listener's connection */
		inp->inp_flags |= ((struct inpcb *)so->so_head->so_pcb)->inp_flags & INP_V6ONLY;
	else if (s->i6_v6only)
		inp->inp_flags |= INP_V6ONLY;
	return 0;
}

/* A v4-mapped address a socket may bind (one of ours, or the IPv4 wildcard): 0 or EINVAL
 * (IPV6_V6ONLY), EADDRNOTAVAIL. */
static int
tcp6_mapped_ok(struct socket *so, struct inpcb *inp, const struct nb_in6_addr *a)
{
	struct inet_state *is = inet_state(so->so_kern);
	uint32_t v4;

	if (inp->inp_flags & INP_V6ONLY)
		return EINVAL;
	memcpy(&v4, a->s6_addr + 12, 4);
	if (v4 != INADDR_ANY && ((ntohl_(v4) >> 28) >= 14 || in_broadcast(is->is_ns, v4, NULL)))
		return EADDRNOTAVAIL;
	return 0;
}

static int
tcp6_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in6 sin6;
	struct ifnet *zone = NULL;
	struct in46_addr a;
	int error;

	(void)l;
	if (inp == NULL || is == NULL || is->is_tcp == NULL)
		return EINVAL;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	if (in6_is_v4mapped(&sin6.sin6_addr)) {
		if ((error = tcp6_mapped_ok(so, inp, &sin6.sin6_addr)) != 0)
			return error;
	} else {
		if (sin6.sin6_scope_id != 0 &&
		    (zone = in6_zone_ifp(s, sin6.sin6_scope_id)) == NULL)
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
	}
	in46_of6(&a, &sin6.sin6_addr, ifindex(zone));
	tcp_sopcbflags(so, inp);
	return in_pcbbind_tcp(is, &is->is_tcp->ts_tbl, inp, &a, sin6.sin6_port);
}

static int
tcp6_listen(struct socket *so, struct lwp *l)
{
	struct inpcb *inp = so->so_pcb;

	if (inp == NULL)
		return EINVAL;
	return tcp_usrreqs.pr_listen(so, l);	/* unbound: :: (INP_V6), any port */
}

/* connect to ::ffff:a.b.c.d from a dual-stack socket: IPv4 underneath */
static int
tcp6_connect4(struct socket *so, struct inpcb *inp, const struct nb_sockaddr_in6 *sin6)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct in46_addr la, fa;
	uint32_t dst, src;
	int error;

	if (inp->inp_flags & INP_V6ONLY)
		return EINVAL;
	if ((inp->inp_flags & INP_BOUND) && !in46_is4(&inp->inp_laddr46) &&
	    !in46_is6any(&inp->inp_laddr46))
		return EINVAL;		/* bound to an IPv6 address */
	memcpy(&dst, sin6->sin6_addr.s6_addr + 12, 4);
	if (dst == INADDR_ANY)
		dst = htonl_(0x7f000001U);
	if (in_broadcast(is->is_ns, dst, NULL) || (ntohl_(dst) >> 28) >= 14)
		return EADDRNOTAVAIL;
	if ((inp->inp_flags & INP_BOUND) && in46_is4(&inp->inp_laddr46) &&
	    in46_v4(&inp->inp_laddr46) != INADDR_ANY)
		src = in46_v4(&inp->inp_laddr46);
	else if ((error = in_selectsrc(is, dst, &src)) != 0)
		return error;
	in46_set4(&la, src);
	in46_set4(&fa, dst);
	return tcp_connect_pcb(so, &la, &fa, sin6->sin6_port);
}

static int
tcp6_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in6 sin6;
	struct nb_in6_addr dst, src;
	struct ifnet *ifp = NULL, *zone = NULL;
	struct in46_addr la, fa;
	struct rt6entry *rt;
	struct tcpcb *tp;
	int error;

	(void)l;
	if (inp == NULL || (tp = inp->inp_ppcb) == NULL || is == NULL || is->is_tcp == NULL)
		return EINVAL;
	if ((error = sin6_check(nam, nam->sa_len, &sin6)) != 0)
		return error;
	if (tp->t_state != TCPS_CLOSED)
		return tp->t_state == TCPS_LISTEN ? EOPNOTSUPP : EISCONN;
	if (sin6.sin6_port == 0)
		return EADDRNOTAVAIL;
	if (in6_is_v4mapped(&sin6.sin6_addr))
		return tcp6_connect4(so, inp, &sin6);
	if ((inp->inp_flags & INP_BOUND) && in46_is4(&inp->inp_laddr46))
		return EINVAL;		/* bound to an IPv4 address */
	dst = sin6.sin6_addr;
	if (in6_is_mcast(&dst))
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
	if ((inp->inp_flags & INP_BOUND) && !in46_is6any(&inp->inp_laddr46))
		src = *in46_6(&inp->inp_laddr46);
	else if ((error = in6_selectsrc(s, &dst, ifp->if_type == IFT_LOOP && zone ? zone : ifp,
	    &src)) != 0)
		return error;
	in46_of6(&la, &src, ifindex(zone != NULL ? zone : ifp));
	in46_of6(&fa, &dst, ifindex(zone != NULL ? zone : ifp));
	return tcp_connect_pcb(so, &la, &fa, sin6.sin6_port);
}

static int
tcp6_name(struct socket *so, struct nb_sockaddr_storage *nam, int peer)
{
	struct inpcb *inp = so->so_pcb;
	const struct in46_addr *a;

	memset(nam, 0, sizeof(*nam));
	if (inp == NULL)
		return EINVAL;
	a = peer ? &inp->inp_faddr46 : &inp->inp_laddr46;
	/* (an unbound pcb's address is all zeros: ::) */
	in6_sockaddr((struct nb_sockaddr_in6 *)nam, in46_6(a),
	    peer ? inp->inp_fport : inp->inp_lport, a->ia_zone);
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

/* ns_tcp6_optfree: tcp_close frees the connection's options pcb. */
static void
tcp6_optfree(struct kern *kk, void *opts)
{
	struct inet6_state *s = inet6_state(kk);

	if (s != NULL)
		in6p_optfree(s, opts);
}

static void
tcp6_detach(struct socket *so)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct in6pcb *o;

	/* the options stay with a connection that finishes alone (a FIN resent carries
	 * them, as NetBSD's in6pcb lives till the tcpcb goes); tcp_close frees them */
	for (o = s != NULL ? s->i6_tcpopts : NULL; o != NULL; o = o->in6p_next)
		if (o->in6p_socket == so)
			o->in6p_socket = NULL;
	tcp_usrreqs.pr_detach(so);
	tcp6_flush(so);
}

/* IPV6_V6ONLY is TCP's own (a pcb flag); the other IPPROTO_IPV6 options are ip6_ctloutput's
 * on a pcb holding them (in6p_optalloc), made at the first setsockopt: NetBSD's
 * tcp_ctloutput hands every level but IPPROTO_TCP to ip6_ctloutput. */
int
tcp6_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct inet6_state *s = inet6_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct in6pcb *o, tmp;
	int v, error;

	if (sopt->sopt_level != IPPROTO_IPV6)
		return tcp_ctloutput(op, so, sopt);
	if (inp == NULL || s == NULL)
		return EINVAL;
	if (sopt->sopt_name != IPV6_V6ONLY) {
		for (o = s->i6_tcpopts; o != NULL && o->in6p_socket != so; o = o->in6p_next)
			continue;
		if (o == NULL && op == PRCO_GETOPT) {	/* the defaults */
			memset(&tmp, 0, sizeof(tmp));
			tmp.in6p_kern = s->i6_kern, tmp.in6p_socket = so;
			tmp.in6p_proto = IPPROTO_TCP, tmp.in6p_flags = IN6P_TCP;
			tmp.in6p_hops = tmp.in6p_mhops = tmp.in6p_tclass = -1;
			tmp.in6p_minmtu = tmp.in6p_cksum = -1;
			return in6p_ctloutput(s, &tmp, op, sopt);
		}
		if (o == NULL && (o = in6p_optalloc(s, so)) == NULL)
			return ENOBUFS;
		inp->inp_in6opts = o;
		return in6p_ctloutput(s, o, op, sopt);
	}
	if (op == PRCO_GETOPT)
		return sockopt_setint(sopt, (inp->inp_flags & INP_V6ONLY) != 0);
	if ((error = sockopt_getint(sopt, &v)) != 0)
		return error;
	if (inp->inp_flags & INP_BOUND)
		return EINVAL;		/* NetBSD: not after bind */
	if (v)
		inp->inp_flags |= INP_V6ONLY;
	else
		inp->inp_flags &= ~INP_V6ONLY;
	return 0;
}

void
tcp6_init(struct inet6_state *s)
{
	struct ifnet_state *ns = s->i6_ns;

	ns->ns_tcp6_send = tcp6_send;
	ns->ns_tcp6_mss = tcp6_mss;
	ns->ns_tcp6_tso = tcp6_tso;
	ns->ns_tcp6_optfree = tcp6_optfree;
	ns->ns_tcp6_optmss = tcp6_optmss;
}

void
tcp6_hooks_off(struct ifnet_state *ns)
{
	ns->ns_tcp6_send = NULL;
	ns->ns_tcp6_mss = NULL;
	ns->ns_tcp6_tso = NULL;
	ns->ns_tcp6_optmss = NULL;
	ns->ns_tcp6_optfree = NULL;	/* netinet6_fini frees what is left on i6_tcpopts */
}

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
