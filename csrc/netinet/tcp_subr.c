/*
 * tcp_subr.c: TCP's per-kernel state, control blocks (create, close, drop, orphan),
 * initial sequence numbers, bare segments (RST, ACK, keepalive probes), the MSS, ICMP
 * errors about our segments and the net.inet.tcp sysctls.
 *
 * Initial sequence numbers follow RFC 6528: a 4 microsecond clock plus a keyed hash of
 * the 4-tuple under a secret drawn from the host's random source when the kernel boots,
 * so they are neither guessable from outside nor reused by an incarnation of the same
 * connection within the wrap time of the clock.
 */
#include "netinet/tcp_var.h"

uint32_t
tcp_now_ms(void)
{
	return (uint32_t)(hyp_clock_mono() / 1000000u);
}

int
tcp_ratecheck(uint64_t *sec, int *count, int limit)
{
	uint64_t now = hyp_clock_mono() / 1000000000u;

	if (limit < 0)
		return 1;
	if (now != *sec) {
		*sec = now;
		*count = 0;
	}
	if (*count >= limit)
		return 0;
	(*count)++;
	return 1;
}

/* ---------------------------------------------------------------- ISS (RFC 6528) */

static uint64_t
tcp_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint32_t
tcp_new_iss(struct tcp_state *ts, const struct in46_addr *laddr, uint16_t lport,
    const struct in46_addr *faddr, uint16_t fport)
{
	uint64_t w[4], h;

	memcpy(w, laddr->ia_addr, 16);
	memcpy(w + 2, faddr->ia_addr, 16);
	h = tcp_mix(ts->ts_secret[0] ^ w[0]);
	h = tcp_mix(h ^ w[1]);
	h = tcp_mix(h ^ w[2]);
	h = tcp_mix(h ^ w[3] ^ ((uint64_t)laddr->ia_zone << 32 | faddr->ia_zone));
	h = tcp_mix(h ^ ts->ts_secret[1] ^ ((uint64_t)lport << 16 | fport));
	return (uint32_t)(hyp_clock_mono() / 4000u) + (uint32_t)h;
}

/* ---------------------------------------------------------------- control blocks */

struct tcpcb *
tcp_newtcpcb(struct tcp_state *ts, struct inpcb *inp)
{
	struct tcpcb *tp = kmem_zalloc(ts->ts_kern, sizeof(*tp));

	if (tp == NULL)
		return NULL;
	tp->t_ts = ts;
	tp->t_inpcb = inp;
	tp->t_socket = inp->inp_socket;
	tp->t_snd = tp->t_socket != NULL ? &((struct socket *)tp->t_socket)->so_snd : &tp->t_osnd;
	tp->t_state = TCPS_CLOSED;
	tp->t_maxseg = tp->t_peermss = (uint32_t)ts->ts_mssdflt;
	tp->t_rxtcur = tcp_ms(ts->ts_rexmit_init);
	tp->snd_cwnd = TCP_MAXWIN << TCP_MAX_WINSHIFT;
	tp->snd_ssthresh = TCP_MAXWIN << TCP_MAX_WINSHIFT;
	tp->t_keepidle = tcp_sec(ts->ts_keepidle);
	tp->t_keepintvl = tcp_sec(ts->ts_keepintvl);
	tp->t_keepinit = tcp_sec(ts->ts_keepinit);
	tp->t_keepcnt = ts->ts_keepcnt;
	if (ts->ts_do_rfc1323 && ts->ts_do_wscale)
		tp->t_flags |= TF_REQ_SCALE;
	if (ts->ts_do_rfc1323 && ts->ts_do_tstamp)
		tp->t_flags |= TF_REQ_TSTMP;
	if (ts->ts_do_sack)
		tp->t_flags |= TF_REQ_SACK;
	kern_random(ts->ts_kern, &tp->ts_offset, sizeof(tp->ts_offset));
	tp->t_rcvtime = hyp_clock_mono();
	inp->inp_ppcb = tp;
	tp->t_next = ts->ts_tcbs;
	if (tp->t_next != NULL)
		tp->t_next->t_prev = tp;
	ts->ts_tcbs = tp;
	ts->ts_ntcbs++;
	return tp;
}

/* Frees tp and its pcb.  A socket still attached sees the connection end (its pcb is
 * gone: later requests answer EINVAL or ENOTCONN, as NetBSD's); an embryonic socket on
 * a listener's incomplete queue is freed with it. */
struct tcpcb *
tcp_close(struct tcpcb *tp)
{
	struct tcp_state *ts = tp->t_ts;
	struct inpcb *inp = tp->t_inpcb;
	struct socket *so = tp->t_socket;
	struct tcpqent *q;

	if (tp->t_synq != NULL)
		syn_cache_cleanup(tp);		/* a listener's half-open connections */
	while ((q = tp->t_segq) != NULL) {
		tp->t_segq = q->tq_next;
		kmem_free(ts->ts_kern, q, sizeof(*q) + q->tq_len);
	}
	if (tp->t_snd == &tp->t_osnd)
		sb_drop(ts->ts_kern, &tp->t_osnd, tp->t_osnd.sb_cc);
	if (tp->t_prev != NULL)
		tp->t_prev->t_next = tp->t_next;
	else
		ts->ts_tcbs = tp->t_next;
	if (tp->t_next != NULL)
		tp->t_next->t_prev = tp->t_prev;
	ts->ts_ntcbs--;
	ts->ts_stat.tcps_closed++;
	in_pcbremove_tcp(&ts->ts_tbl, inp);
	ip_freemoptions(ts->ts_is, inp);	/* multicast options (in_mcast.c) */
	if (inp->inp_in6opts != NULL && ts->ts_is->is_ns->ns_tcp6_optfree != NULL)
		ts->ts_is->is_ns->ns_tcp6_optfree(ts->ts_kern, inp->inp_in6opts);
	kmem_free(ts->ts_kern, inp, sizeof(*inp));
	kmem_free(ts->ts_kern, tp, sizeof(*tp));
	if (so != NULL) {
		so->so_pcb = NULL;
		so_isdisconnected(so);
		so_drop_incomplete(so);
	}
	return NULL;
}

/* Ends a connection with an error for the user: a RST if synchronized. */
struct tcpcb *
tcp_drop(struct tcpcb *tp, int error)
{
	struct socket *so = tp->t_socket;

	if (TCPS_HAVERCVDSYN(tp->t_state)) {
		tp->t_state = TCPS_CLOSED;
		(void)tcp_output_rst(tp);
		tp->t_ts->ts_stat.tcps_drops++;
	} else
		tp->t_ts->ts_stat.tcps_conndrops++;
	if (error == ETIMEDOUT && tp->t_softerror != 0)
		error = tp->t_softerror;
	if (so != NULL)
		so->so_error = error;
	return tcp_close(tp);
}

/* The socket is being freed with the connection still closing: keep the bytes not yet
 * acknowledged and finish alone. */
void
tcp_orphan(struct tcpcb *tp)
{
	struct socket *so = tp->t_socket;

	tp->t_rcvspace = (uint32_t)sb_space(&so->so_rcv);
	memset(&tp->t_osnd, 0, sizeof(tp->t_osnd));
	tp->t_osnd.sb_head = so->so_snd.sb_head;
	tp->t_osnd.sb_tail = so->so_snd.sb_tail;
	tp->t_osnd.sb_cc = so->so_snd.sb_cc;
	tp->t_osnd.sb_mbcnt = so->so_snd.sb_mbcnt;
	tp->t_osnd.sb_nrec = so->so_snd.sb_nrec;
	tp->t_osnd.sb_hiwat = so->so_snd.sb_hiwat;
	tp->t_osnd.sb_mbmax = so->so_snd.sb_mbmax;
	so->so_snd.sb_head = so->so_snd.sb_tail = NULL;
	so->so_snd.sb_cc = so->so_snd.sb_mbcnt = 0;
	so->so_snd.sb_nrec = 0;
	tp->t_snd = &tp->t_osnd;
	tp->t_socket = NULL;
	tp->t_inpcb->inp_socket = NULL;
	so->so_pcb = NULL;
}

/* ---------------------------------------------------------------- segments */

/* Checksums and sends a TCP segment p (header at pkt_data). */
int
tcp_send_segment(struct tcp_state *ts, struct pkt *p, const struct in46_addr *src46,
    const struct in46_addr *dst46)
{
	uint8_t *th = pkt_data(p);
	uint32_t ps, src = in46_v4(src46), dst = in46_v4(dst46);
	uint16_t sum;

	if (!in46_is4(dst46)) {		/* TCP over IPv6: net.netinet6 sends it */
		struct ifnet_state *ns = ts->ts_is->is_ns;
		ts->ts_stat.tcps_sndtotal++;
		if (ns->ns_tcp6_send == NULL) {
			pkt_free(p);
			return EAFNOSUPPORT;
		}
		return ns->ns_tcp6_send(ts->ts_kern, p, src46, dst46);
	}
	th[16] = th[17] = 0;
	ps = in_cksum_add(&src, 4, 0);
	ps = in_cksum_add(&dst, 4, ps);
	ps += IPPROTO_TCP + p->p_len;
	sum = in_cksum(th, p->p_len, ps);
	memcpy(th + 16, &sum, 2);
	ts->ts_stat.tcps_sndtotal++;
	/* DF on everything: path MTU discovery (RFC 1191) through ICMP needfrag */
	return ip_output(ts->ts_is, p, src, dst, IPPROTO_TCP, ts->ts_is->is_ttl, IPOUT_DF);
}

void
tcp_fill_header(uint8_t *th, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    int hlen, int flags, uint16_t win)
{
	uint32_t s = htonl_(seq), a = htonl_(ack);
	uint16_t w = htons_(win);

	memcpy(th, &sport, 2);
	memcpy(th + 2, &dport, 2);
	memcpy(th + 4, &s, 4);
	memcpy(th + 8, &a, 4);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = (uint8_t)flags;
	memcpy(th + 14, &w, 2);
	th[16] = th[17] = th[18] = th[19] = 0;
}

/* A bare segment (RST, challenge ACK, keepalive probe) outside tcp_output.  src/sport
 * are ours.  With tp, the window and a timestamp are those of the connection. */
void
tcp_respond(struct tcp_state *ts, struct tcpcb *tp, const struct in46_addr *src,
    uint16_t sport, const struct in46_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack,
    int flags)
{
	int hlen = TCP_HLEN, win = 0;
	struct pkt *p;
	uint8_t *th;

	if (tp != NULL && (tp->t_flags & (TF_RCVD_TSTMP | TF_REQ_TSTMP)) ==
	    (TF_RCVD_TSTMP | TF_REQ_TSTMP) && !(flags & TH_RST))
		hlen += TCPOLEN_TSTAMP_APPA;
	if ((p = pkt_alloc(ts->ts_kern, (size_t)hlen, PKT_HEADROOM)) == NULL)
		return;
	th = pkt_data(p);
	if (tp != NULL && !(flags & TH_RST)) {
		uint32_t space = tp->t_socket != NULL ?
		    (uint32_t)sb_space(&tp->t_socket->so_rcv) : tp->t_rcvspace;
		if (space > ((uint32_t)TCP_MAXWIN << tp->rcv_scale))
			space = (uint32_t)TCP_MAXWIN << tp->rcv_scale;
		win = (int)(space >> tp->rcv_scale);
	}
	tcp_fill_header(th, sport, dport, seq, ack, hlen, flags, (uint16_t)win);
	if (hlen > TCP_HLEN) {
		uint32_t v = htonl_(tcp_now_ms() + tp->ts_offset), e = htonl_(tp->ts_recent);
		th[20] = TCPOPT_NOP, th[21] = TCPOPT_NOP;
		th[22] = TCPOPT_TIMESTAMP, th[23] = TCPOLEN_TIMESTAMP;
		memcpy(th + 24, &v, 4);
		memcpy(th + 28, &e, 4);
	}
	if (flags & TH_RST)
		ts->ts_stat.tcps_sndctrl++;
	else
		ts->ts_stat.tcps_sndacks++;
	(void)tcp_send_segment(ts, p, src, dst);
}

/* ---------------------------------------------------------------- MSS, ICMP */

/* The MSS we offer to faddr: the MTU of the interface the route takes, less 40. */
uint32_t
tcp_mss_to(struct tcp_state *ts, const struct in46_addr *faddr46)
{
	struct ifnet_state *ns = ts->ts_is->is_ns;
	uint32_t mtu, faddr = in46_v4(faddr46);
	struct rtentry *rt;

	if (!in46_is4(faddr46))		/* TCP over IPv6: net.netinet6's route */
		return ns->ns_tcp6_mss != NULL ? ns->ns_tcp6_mss(ts->ts_kern, faddr46) :
		    (uint32_t)ts->ts_mssdflt;
	if (in_ifaddr_of(ns, faddr) != NULL)
		mtu = ns->ns_lo0->if_mtu;
	else if ((rt = rt_lookup(ns, faddr)) != NULL && rt->rt_ifp != NULL) {
		mtu = rt->rt_ifp->if_mtu;
		if (rt->rt_mtu != 0 && rt->rt_mtu < mtu)
			mtu = (uint32_t)rt->rt_mtu;
	} else
		return (uint32_t)ts->ts_mssdflt;
	if (mtu > 65535)
		mtu = 65535;
	return mtu > 40 + TCP_MINMSS ? mtu - 40 : TCP_MINMSS;
}

/* The peer's MSS option (0: none) sets t_maxseg: the smaller of both ends. */
void
tcp_mss_update(struct tcpcb *tp, uint32_t offer)
{
	uint32_t mss = tp->t_ourmss != 0 ? tp->t_ourmss :
	    tcp_mss_to(tp->t_ts, &tp->t_inpcb->inp_faddr46);

	if (offer == 0)
		offer = (uint32_t)tp->t_ts->ts_mssdflt;
	if (offer < TCP_MINMSS)
		offer = TCP_MINMSS;
	tp->t_peermss = offer;
	if (offer < mss)
		mss = offer;
	if (tp->t_maxseg != 0 && tp->t_maxseg < mss && tp->t_state >= TCPS_SYN_SENT &&
	    tp->t_maxseg != (uint32_t)tp->t_ts->ts_mssdflt)
		mss = tp->t_maxseg;	/* TCP_MAXSEG asked for less */
	tp->t_maxseg = mss;
}

/*
 * NetBSD's rounding of the socket buffers when the connection is established
 * (tcp_mss_from_peer for the send buffer, tcp_established for the receive buffer): a
 * send buffer of at least the peer's MSS (at least 256, less the timestamp option when
 * it is on) and a receive buffer larger than the MSS we offered become whole multiples
 * of it.  Sizes set by SO_SNDBUF/SO_RCVBUF are rounded too and auto-sizing stays as it
 * was; a size past the kernel's limit (kern.sbmax's share for data) is left as it is,
 * as NetBSD ignores its sbreserve failing.
 */
void
tcp_sbround(struct tcpcb *tp)
{
	struct socket *so = tp->t_socket;
	struct kern *k = tp->t_ts->ts_kern;
	uint32_t mss = tp->t_peermss < 256 ? 256 : tp->t_peermss;
	size_t n;

	if (so == NULL)
		return;
	if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP))
		mss -= 12;
	if (so->so_snd.sb_hiwat >= mss &&
	    (n = (so->so_snd.sb_hiwat + mss - 1) / mss * mss) != so->so_snd.sb_hiwat)
		(void)sb_reserve(k, &so->so_snd, n);
	mss = tp->t_ourmss;
	if (mss != 0 && so->so_rcv.sb_hiwat > mss &&
	    (n = (so->so_rcv.sb_hiwat + mss - 1) / mss * mss) != so->so_rcv.sb_hiwat)
		(void)sb_reserve(k, &so->so_rcv, n);
}

/* An ICMP error quoting one of our segments.  Unreachables while connecting and
 * fragmentation needed (path MTU) act at once; other errors are soft: remembered and
 * reported if the connection then times out (RFC 1122 4.2.3.9). */
void
tcp_ctlinput(struct inet_state *is, int type, int code, const uint8_t *ip, size_t len,
    uint32_t mtu)
{
	struct tcp_state *ts = is->is_tcp;
	int hlen = (ip[0] & 0x0f) * 4, error;
	uint32_t v, seq;
	struct in46_addr src, dst;
	uint16_t sport, dport;
	struct inpcb *inp;
	struct tcpcb *tp;

	if (ts == NULL || (size_t)hlen + 8 > len)
		return;
	memcpy(&v, ip + 12, 4);
	in46_set4(&src, v);
	memcpy(&v, ip + 16, 4);
	in46_set4(&dst, v);
	memcpy(&sport, ip + hlen, 2);
	memcpy(&dport, ip + hlen + 2, 2);
	memcpy(&seq, ip + hlen + 4, 4);
	seq = ntohl_(seq);
	if ((inp = in_pcblookup_conn(&ts->ts_tbl, &dst, dport, &src, sport)) == NULL ||
	    (tp = inp->inp_ppcb) == NULL) {
		/* no connection: a SYN|ACK of the SYN cache, for the errors NetBSD's
		 * inetctlerrmap makes EHOSTUNREACH (net, host, source route failed and the
		 * other host codes up to 15), never port, protocol or needfrag */
		if (type == ICMP_UNREACH && code <= 15 && code != ICMP_UNREACH_PROTOCOL &&
		    code != ICMP_UNREACH_PORT && code != ICMP_UNREACH_NEEDFRAG)
			syn_cache_unreach(ts, &dst, dport, &src, sport, seq);
		return;
	}
	/* RFC 5927: the quoted sequence number must be in flight */
	if (SEQ_LT(seq, tp->snd_una) || SEQ_GT(seq, tp->snd_max))
		return;
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		uint32_t mss;

		if (mtu < 68 || mtu <= 40)
			return;
		mss = mtu - 40;
		if (mss < TCP_MINMSS)
			mss = TCP_MINMSS;
		if (mss >= tp->t_maxseg)
			return;
		tp->t_maxseg = mss;
		tp->t_ourmss = mss;
		/* resend what was lost at the new size now */
		tp->snd_nxt = tp->snd_una;
		tp->t_rtttime = 0;
		(void)tcp_output(tp);
		return;
	}
	if (type == ICMP_UNREACH)
		error = code == ICMP_UNREACH_PORT || code == ICMP_UNREACH_PROTOCOL ?
		    ECONNREFUSED : code == ICMP_UNREACH_NET ? ENETUNREACH : EHOSTUNREACH;
	else if (type == ICMP_TIMXCEED)
		error = EHOSTUNREACH;
	else
		return;
	if (tp->t_state == TCPS_SYN_SENT && tp->t_rxtshift > 3 && error != ECONNREFUSED)
		(void)tcp_drop(tp, error);
	else
		tp->t_softerror = error;
}

/* ---------------------------------------------------------------- sysctl */

/* in.c's integer node (permission checked on the syscall's credential snapshot); a
 * read-only node reads back as any other and refuses a write with EPERM. */
static int
tcp_sysctl_int(int *v, int min, int max, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen, int ro)
{
	int error;

	if (ro && newp != NULL) {
		error = in_sysctl_int(v, min, max, oldp, oldlenp, NULL, 0);
		return error != 0 ? error : EPERM;
	}
	return in_sysctl_int(v, min, max, oldp, oldlenp, newp, newlen);
}

int
tcp_sysctl(struct inet_state *is, const int *name, unsigned namelen, void *oldp,
    size_t *oldlenp, const void *newp, size_t newlen)
{
	struct tcp_state *ts = is->is_tcp;
	int slowhz = 2, sbmax = (int)net_state(is->is_kern)->ns_sb_max;
	int *v;
	int min = 0, max = 1, ro = 0;

	if (ts == NULL)
		return ENOENT;
	if (namelen != 1)
		return namelen < 1 ? EISDIR : ENOTDIR;
	switch (name[0]) {
	case TCPCTL_RFC1323: v = &ts->ts_do_rfc1323; break;
	case TCPCTL_WSCALE: v = &ts->ts_do_wscale; break;
	case TCPCTL_TSTAMP: v = &ts->ts_do_tstamp; break;
	case TCPCTL_ACK_ON_PUSH: v = &ts->ts_ack_on_push; break;
	case TCPCTL_NEWRENO: v = &ts->ts_newreno; break;
	case TCPCTL_SACK: v = &ts->ts_do_sack; break;
	case TCPCTL_SENDSPACE: v = &ts->ts_sendspace, min = 1, max = sbmax; break;
	case TCPCTL_RECVSPACE: v = &ts->ts_recvspace, min = 1, max = sbmax; break;
	case TCPCTL_MSSDFLT: v = &ts->ts_mssdflt, min = TCP_MINMSS, max = 65535 - 40; break;
	case TCPCTL_INIT_WIN: v = &ts->ts_init_win, min = 0, max = 10; break;
	case TCPCTL_DELACK_TICKS: v = &ts->ts_delack_ticks, min = 0, max = TCP_HZ * 10; break;
	case TCPCTL_KEEPIDLE: v = &ts->ts_keepidle, min = 1, max = 86400 * 7; break;
	case TCPCTL_KEEPINTVL: v = &ts->ts_keepintvl, min = 1, max = 86400; break;
	case TCPCTL_KEEPCNT: v = &ts->ts_keepcnt, min = 1, max = 1000; break;
	case TCPCTL_KEEPINIT: v = &ts->ts_keepinit, min = 1, max = 86400; break;
	case TCPCTL_MSL: v = &ts->ts_msl, min = 0, max = 3600; break;
	case TCPCTL_SLOWHZ: v = &slowhz, ro = 1; break;
	case TCPCTL_REXMIT_MIN: v = &ts->ts_rexmit_min, min = 1, max = ts->ts_rexmit_max; break;
	case TCPCTL_REXMIT_MAX: v = &ts->ts_rexmit_max, min = ts->ts_rexmit_min, max = 3600000; break;
	case TCPCTL_REXMIT_INIT: v = &ts->ts_rexmit_init, min = 1, max = 3600000; break;
	case TCPCTL_RSTPPSLIMIT: v = &ts->ts_rstppslimit, min = -1, max = 1000000; break;
	case TCPCTL_PRR: v = &ts->ts_prr; break;
	case TCPCTL_ACKDROPRATELIMIT: v = &ts->ts_ackdropppslimit, min = -1, max = 1000000; break;
	case TCPCTL_RECVBUF_AUTO: v = &ts->ts_autorcvbuf; break;
	case TCPCTL_RECVBUF_INC: v = &ts->ts_autorcvbuf_inc, min = 1, max = 0x7fffffff; break;
	case TCPCTL_RECVBUF_MAX: v = &ts->ts_autorcvbuf_max, min = 1, max = 0x7fffffff; break;
	case TCPCTL_SENDBUF_AUTO: v = &ts->ts_autosndbuf; break;
	case TCPCTL_SENDBUF_INC: v = &ts->ts_autosndbuf_inc, min = 1, max = 0x7fffffff; break;
	case TCPCTL_SENDBUF_MAX: v = &ts->ts_autosndbuf_max, min = 1, max = 0x7fffffff; break;
	case TCPCTL_SYN_CACHE_LIMIT:
	case TCPCTL_SYN_BUCKET_LIMIT:
	case TCPCTL_SYN_CACHE_INTER:
		return syn_cache_sysctl(ts, name[0], oldp, oldlenp, newp, newlen);
	default: return ENOENT;
	}
	return tcp_sysctl_int(v, min, max, oldp, oldlenp, newp, newlen, ro);
}

/* ---------------------------------------------------------------- init */

int
tcp_init(struct inet_state *is)
{
	struct kern *k = is->is_kern;
	struct tcp_state *ts = kmem_zalloc(k, sizeof(*ts));
	int error;

	if (ts == NULL)
		return ENOMEM;
	if ((error = in_pcbtable_init(k, &ts->ts_tbl, TCP_HASHSIZE)) != 0) {
		kmem_free(k, ts, sizeof(*ts));
		return error;
	}
	ts->ts_is = is;
	ts->ts_kern = k;
	kern_random(k, ts->ts_secret, sizeof(ts->ts_secret));
	/* NetBSD's defaults */
	ts->ts_do_rfc1323 = ts->ts_do_wscale = ts->ts_do_tstamp = ts->ts_do_sack = 1;
	ts->ts_sendspace = ts->ts_recvspace = 32 * 1024;
	ts->ts_autorcvbuf = ts->ts_autosndbuf = 1;
	ts->ts_autorcvbuf_inc = 16 * 1024;
	ts->ts_autosndbuf_inc = 8 * 1024;
	ts->ts_autorcvbuf_max = ts->ts_autosndbuf_max = 256 * 1024;
	ts->ts_mssdflt = TCP_MSS;
	ts->ts_init_win = 4;			/* segments, capped by RFC 3390's bytes */
	ts->ts_ack_on_push = 0;
	ts->ts_newreno = 1;
	ts->ts_delack_ticks = TCP_HZ / 5;	/* 200 ms */
	ts->ts_keepidle = 2 * 60 * 60;
	ts->ts_keepintvl = 75;
	ts->ts_keepcnt = 8;
	ts->ts_keepinit = 75;
	ts->ts_msl = 30;
	ts->ts_rexmit_min = 1000;		/* RFC 6298 (2.4), NetBSD's TCPTV_MIN */
	ts->ts_rexmit_max = 64000;		/* TCPTV_REXMTMAX */
	ts->ts_rexmit_init = 1000;		/* RFC 6298 (2.1) */
	ts->ts_rstppslimit = 100;		/* NetBSD's */
	ts->ts_ackdropppslimit = 100;
	hyp_timer_init(&ts->ts_timer, tcp_timeout, ts);
	is->is_tcp = ts;
	return 0;
}

void
tcp_fini(struct inet_state *is)
{
	struct tcp_state *ts = is->is_tcp;

	if (ts == NULL)
		return;
	ifs_lock(is->is_ns);
	while (ts->ts_tcbs != NULL)
		(void)tcp_close(ts->ts_tcbs);
	ifs_unlock(is->is_ns);
	syn_cache_fini(ts);
	/* k_halted is set, so tcp_timer_want and a running tcp_timeout arm no more: disarm
	 * until the timer is neither pending nor running (hyp_timer_disarm alone does not wait
	 * for a running one when it cancels a pending one) */
	do
		hyp_timer_disarm(&ts->ts_timer);
	while (hyp_timer_pending(&ts->ts_timer));
	in_pcbtable_fini(is->is_kern, &ts->ts_tbl);
	is->is_tcp = NULL;
	kmem_free(is->is_kern, ts, sizeof(*ts));
}

/* ---------------------------------------------------------------- the tests' door */

/* The state of the connection (laddr, lport, faddr, fport) (network order) in kernel k,
 * TCPS_LISTEN for a listener when faddr is 0, -1 if there is none.  For tests, which
 * cannot see an orphan through a descriptor. */
int
tcp_pcbstate(struct kern *k, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
	struct lwp implicit, *prev;
	struct inet_state *is;
	struct in46_addr la, fa;
	struct inpcb *inp;
	int state = -1;

	in46_set4(&la, laddr);
	in46_set4(&fa, faddr);
	kern_enter(k, &implicit, &prev);
	if ((is = inet_state(k)) != NULL && is->is_tcp != NULL) {
		net_lock(k);
		inp = faddr == 0 ? in_pcblookup_listen(&is->is_tcp->ts_tbl, &la, lport) :
		    in_pcblookup_conn(&is->is_tcp->ts_tbl, &fa, fport, &la, lport);
		if (inp != NULL && inp->inp_ppcb != NULL)
			state = ((struct tcpcb *)inp->inp_ppcb)->t_state;
		net_unlock(k);
	}
	kern_leave(k, prev);
	return state;
}

/* The sequence state of a connection (as tcp_pcbstate finds it): rcv_nxt, snd_una,
 * snd_nxt and the receive window in seq[0..3]; returns the state or -1.  For harnesses
 * that forge in-window segments (fuzz/packet.c). */
int
tcp_pcbseq(struct kern *k, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport,
    uint32_t seq[4])
{
	struct lwp implicit, *prev;
	struct inet_state *is;
	struct in46_addr la, fa;
	struct inpcb *inp;
	struct tcpcb *tp;
	int state = -1;

	in46_set4(&la, laddr);
	in46_set4(&fa, faddr);
	kern_enter(k, &implicit, &prev);
	if ((is = inet_state(k)) != NULL && is->is_tcp != NULL) {
		net_lock(k);
		inp = in_pcblookup_conn(&is->is_tcp->ts_tbl, &fa, fport, &la, lport);
		if (inp != NULL && (tp = inp->inp_ppcb) != NULL) {
			state = tp->t_state;
			seq[0] = tp->rcv_nxt, seq[1] = tp->snd_una, seq[2] = tp->snd_nxt;
			seq[3] = tp->rcv_wnd;
		}
		net_unlock(k);
	}
	kern_leave(k, prev);
	return state;
}
