/*
 * tcp_usrreq.c: the socket layer's requests for SOCK_STREAM/IPPROTO_TCP (attach, bind,
 * listen, connect, accept, send, sendoob, recvoob, rcvd, shutdown, disconnect, abort,
 * detach) and the IPPROTO_TCP socket options.
 *
 * Every entry runs with the kernel's net lock held and ends with ifs_flush: output to
 * ourselves (loopback) and answers other kernels queued for us run before the socket
 * layer decides whether to sleep, so a connect through lo0 or to a kernel that was free
 * completes inside the connect call.  After ifs_flush the tcpcb may be gone.
 *
 * Close: the socket layer calls pr_disconnect (FIN, or RST for SO_LINGER with a zero
 * time), waits for SO_LINGER if set, then pr_detach.  A connection still closing then
 * lives on as an orphan that keeps its unacknowledged bytes (tcp_orphan) until the
 * peer acknowledges the FIN and TIME_WAIT ends, or a timer gives up.
 */
#include "netinet/tcp_var.h"

static struct tcpcb *
tcp_sototcpcb(struct socket *so)
{
	struct inpcb *inp = so->so_pcb;

	return inp != NULL ? inp->inp_ppcb : NULL;
}

static void
tcp_flush(struct socket *so)
{
	ifs_flush(inet_state(so->so_kern)->is_ns);
}

/* SO_REUSEADDR and SO_REUSEPORT as the pcb's flags, for the port rules. */
void
tcp_sopcbflags(struct socket *so, struct inpcb *inp)
{
	inp->inp_flags &= ~(INP_REUSEADDR | INP_REUSEPORT);
	if (so->so_options & SO_REUSEADDR)
		inp->inp_flags |= INP_REUSEADDR;
	if (so->so_options & SO_REUSEPORT)
		inp->inp_flags |= INP_REUSEPORT;
}

static int
tcp_attach(struct socket *so, int proto)
{
	struct kern *k = so->so_kern;
	struct inet_state *is = inet_state(k);
	struct tcp_state *ts;
	struct inpcb *inp;
	int error;

	(void)proto;
	if (is == NULL || (ts = is->is_tcp) == NULL)
		return EAFNOSUPPORT;
	if ((error = sb_reserve(k, &so->so_snd, (size_t)ts->ts_sendspace)) != 0 ||
	    (error = sb_reserve(k, &so->so_rcv, (size_t)ts->ts_recvspace)) != 0)
		return error;
	/* NetBSD's tcp_attach: both buffers auto-sized until SO_SNDBUF/SO_RCVBUF */
	so->so_snd.sb_flags |= SB_AUTOSIZE;
	so->so_rcv.sb_flags |= SB_AUTOSIZE;
	if ((inp = kmem_zalloc(k, sizeof(*inp))) == NULL)
		return ENOBUFS;
	inp->inp_kern = k;
	inp->inp_proto = IPPROTO_TCP;
	inp->inp_ttl = -1;
	inp->inp_socket = so;
	inp->inp_rqtail = &inp->inp_rq;
	if (tcp_newtcpcb(ts, inp) == NULL) {
		kmem_free(k, inp, sizeof(*inp));
		return ENOBUFS;
	}
	so->so_pcb = inp;
	return 0;
}

void
tcp_usrclosed(struct tcpcb *tp)
{
	struct socket *so = tp->t_socket;

	tp->t_flags |= TF_USRCLOSED;
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		tp->t_state = TCPS_CLOSED;
		(void)tcp_close(tp);
		return;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tp->t_state = TCPS_FIN_WAIT_1;
		break;
	case TCPS_CLOSE_WAIT:
		tp->t_state = TCPS_LAST_ACK;
		break;
	}
	if (tp->t_state >= TCPS_FIN_WAIT_2 && so != NULL) {
		so_isdisconnected(so);
		if (tp->t_state == TCPS_FIN_WAIT_2)
			tcp_timer_set(tp, TCPT_2MSL, (uint64_t)tp->t_keepcnt * tp->t_keepintvl);
	}
}

/* The user's close (or a disconnect): FIN after the data, or an abort. */
static void
tcp_disconnect1(struct socket *so, struct tcpcb *tp)
{
	if (tp->t_state < TCPS_ESTABLISHED) {
		tp->t_state = TCPS_CLOSED;
		(void)tcp_close(tp);
	} else if ((so->so_options & SO_LINGER) && so->so_linger == 0)
		(void)tcp_drop(tp, 0);		/* linger 0: RST, buffered data dropped */
	else {
		/* also after a shutdown(SHUT_WR), as NetBSD's tcp_disconnect: tcp_usrclosed
		 * arms FIN_WAIT_2's idle timer once the socket cannot receive */
		so_isdisconnecting(so);
		so_rflush(so);
		tcp_usrclosed(tp);
		if (so->so_pcb != NULL)
			(void)tcp_output(tp);
	}
}

static void
tcp_detach(struct socket *so)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	if (tp == NULL)
		return;
	if (tp->t_state >= TCPS_ESTABLISHED)
		tcp_disconnect1(so, tp);
	if ((tp = tcp_sototcpcb(so)) == NULL)
		return;
	if (tp->t_state < TCPS_ESTABLISHED) {
		tp->t_state = TCPS_CLOSED;
		(void)tcp_close(tp);
	} else
		tcp_orphan(tp);
	so->so_pcb = NULL;
	tcp_flush(so);
}

static int
tcp_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in sin;
	struct in46_addr a;
	int error;

	(void)l;
	if (inp == NULL)
		return EINVAL;
	if ((error = sin_check(nam, nam->sa_len, &sin)) != 0)
		return error;
	/* multicast, broadcast, and class E */
	if ((ntohl_(sin.sin_addr.s_addr) >> 28) >= 14 ||
	    in_broadcast(inet_state(so->so_kern)->is_ns, sin.sin_addr.s_addr, NULL)) {
		if (sin.sin_addr.s_addr != INADDR_ANY)
			return EADDRNOTAVAIL;
	}
	tcp_sopcbflags(so, inp);
	in46_set4(&a, sin.sin_addr.s_addr);
	return in_pcbbind_tcp(inet_state(so->so_kern), &tcp_state(inet_state(so->so_kern))->ts_tbl,
	    inp, &a, sin.sin_port);
}

static int
tcp_listen(struct socket *so, struct lwp *l)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct tcpcb *tp;
	int error;

	(void)l;
	if (inp == NULL || (tp = inp->inp_ppcb) == NULL)
		return EINVAL;
	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
		return EINVAL;
	if (!(inp->inp_flags & INP_BOUND)) {	/* the wildcard of the family, any port */
		struct in46_addr any;
		memset(&any, 0, sizeof(any));
		if (!(inp->inp_flags & INP_V6))
			in46_set4(&any, INADDR_ANY);
		tcp_sopcbflags(so, inp);
		if ((error = in_pcbbind_tcp(is, &tcp_state(is)->ts_tbl, inp, &any, 0)) != 0)
			return error;
	}
	in_pcblisten_tcp(&tcp_state(is)->ts_tbl, inp);
	tp->t_state = TCPS_LISTEN;
	return 0;
}

static int
tcp_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct inpcb *inp = so->so_pcb;
	struct nb_sockaddr_in sin;
	struct in46_addr la, fa;
	uint32_t faddr, laddr;
	struct tcpcb *tp;
	int error;

	(void)l;
	if (inp == NULL || (tp = inp->inp_ppcb) == NULL)
		return EINVAL;
	if ((error = sin_check(nam, nam->sa_len, &sin)) != 0)
		return error;
	if (tp->t_state != TCPS_CLOSED)
		return tp->t_state == TCPS_LISTEN ? EOPNOTSUPP : EISCONN;
	if (sin.sin_port == 0)
		return EADDRNOTAVAIL;
	if ((faddr = sin.sin_addr.s_addr) == INADDR_ANY)
		faddr = htonl_(0x7f000001U);
	if (in_broadcast(is->is_ns, faddr, NULL) || (ntohl_(faddr) >> 28) == 14)
		return EADDRNOTAVAIL;		/* no TCP to broadcasts or multicast */
	laddr = (inp->inp_flags & INP_BOUND) ? in46_v4(&inp->inp_laddr46) : INADDR_ANY;
	if (laddr == INADDR_ANY && (error = in_selectsrc(is, faddr, &laddr)) != 0)
		return error;
	in46_set4(&la, laddr);
	in46_set4(&fa, faddr);
	return tcp_connect_pcb(so, &la, &fa, sin.sin_port);
}

int
tcp_connect_pcb(struct socket *so, const struct in46_addr *laddr,
    const struct in46_addr *faddr, uint16_t fport)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct tcp_state *ts = tcp_state(is);
	struct inpcb *inp = so->so_pcb;
	struct tcpcb *tp = inp->inp_ppcb;
	int error;

	tcp_sopcbflags(so, inp);
	if ((error = in_pcbconnect_tcp(is, &ts->ts_tbl, inp, laddr, faddr, fport)) != 0)
		return error;
	{
		uint32_t mss = tcp_mss_to(ts, &inp->inp_faddr46);
		if (tp->t_ourmss == 0 || tp->t_ourmss > mss)
			tp->t_ourmss = mss;
	}
	if (tp->t_flags & TF_NOOPT)
		tp->t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP);
	{
		size_t max = net_state(so->so_kern)->ns_sb_max;
		tp->request_r_scale = 0;
		while (tp->request_r_scale < TCP_MAX_WINSHIFT &&
		    ((size_t)TCP_MAXWIN << tp->request_r_scale) < max)
			tp->request_r_scale++;
	}
	tp->iss = tcp_new_iss(ts, &inp->inp_laddr46, inp->inp_lport, &inp->inp_faddr46,
	    inp->inp_fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_up = tp->snd_recover = tp->iss;
	tp->t_state = TCPS_SYN_SENT;
	tcp_timer_set(tp, TCPT_KEEP, tp->t_keepinit);
	ts->ts_stat.tcps_connattempt++;
	so_isconnecting(so);
	error = tcp_output(tp);
	tcp_flush(so);
	return error;
}

static int
tcp_accept(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct inpcb *inp = so->so_pcb;

	if (inp == NULL || (so->so_state & SS_ISDISCONNECTED))
		return ECONNABORTED;
	memset(nam, 0, sizeof(*nam));
	in_sockaddr((struct nb_sockaddr_in *)nam, in46_v4(&inp->inp_faddr46), inp->inp_fport);
	return 0;
}

static int
tcp_disconnect(struct socket *so)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	if (tp == NULL)
		return 0;
	tcp_disconnect1(so, tp);
	tcp_flush(so);
	return 0;
}

static int
tcp_shutdown(struct socket *so)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	so_cantsendmore(so);
	if (tp == NULL)
		return 0;
	if (tp->t_flags & TF_USRCLOSED)
		return 0;
	tcp_usrclosed(tp);
	if (so->so_pcb != NULL)
		(void)tcp_output(tp);
	tcp_flush(so);
	return 0;
}

static int
tcp_abort(struct socket *so)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	if (tp != NULL)
		(void)tcp_drop(tp, ECONNABORTED);
	return 0;
}

/* Send what was just appended to so_snd (more to come: PRUS_MORETOCOME) */
static int
tcp_send_push(struct socket *so, struct tcpcb *tp, int flags)
{
	int error;

	if (flags & PRUS_MORETOCOME)
		tp->t_flags |= TF_MORETOCOME;
	error = tcp_output(tp);
	tp->t_flags &= ~TF_MORETOCOME;
	tcp_flush(so);
	return error;
}

static int
tcp_send(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	struct tcpcb *tp = tcp_sototcpcb(so);
	int error;

	(void)l;
	if (ctl != NULL) {
		net_defer_ctl(so->so_kern, ctl);
		return EINVAL;		/* no control data on TCP (NetBSD) */
	}
	if (tp == NULL)
		return so->so_error != 0 ? so->so_error : ECONNRESET;
	if (nam != NULL)
		return EISCONN;
	if ((error = sb_append_stream(so->so_kern, &so->so_snd, data, len)) != 0)
		return ENOBUFS;
	return tcp_send_push(so, tp, flags);
}

/* The same, len bytes taken straight from uio into the send buffer (pr_send_uio) */
static int
tcp_send_uio(struct socket *so, struct uio *uio, size_t len, int flags, struct lwp *l)
{
	struct tcpcb *tp = tcp_sototcpcb(so);
	int error;

	(void)l;
	if (tp == NULL)
		return so->so_error != 0 ? so->so_error : ECONNRESET;
	if ((error = sb_append_stream_uio(so->so_kern, &so->so_snd, uio, len)) != 0)
		return error;
	return tcp_send_push(so, tp, flags);
}

/* send(MSG_OOB): the data is urgent; the urgent pointer goes after its last byte
 * (NetBSD's tcp_sendoob; the socket layer let it overfill the buffer by 1024). */
static int
tcp_sendoob(struct socket *so, const void *data, size_t len, struct lwp *l)
{
	struct tcpcb *tp = tcp_sototcpcb(so);
	int error;

	(void)l;
	if (tp == NULL)
		return so->so_error != 0 ? so->so_error : ECONNRESET;
	if (sb_append_stream(so->so_kern, &so->so_snd, data, len) != 0)
		return ENOBUFS;
	tp->snd_up = tp->snd_una + (uint32_t)so->so_snd.sb_cc;
	tp->t_flags |= TF_FORCE;
	error = tcp_output(tp);
	tp->t_flags &= ~TF_FORCE;
	tcp_flush(so);
	return error;
}

/* recv(MSG_OOB): the out-of-band byte, as NetBSD's tcp_recvoob: EINVAL when there is
 * no urgent mark, the data is read in line (SO_OOBINLINE) or the byte was read already;
 * EWOULDBLOCK (never a sleep) while the byte has not arrived. */
static int
tcp_recvoob(struct socket *so, uint8_t *c, int peek)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	if (tp == NULL)
		return EINVAL;
	if ((so->so_oobmark == 0 && !(so->so_state & SS_RCVATMARK)) ||
	    (so->so_options & SO_OOBINLINE) || (tp->t_oobflags & TCPOOB_HADDATA))
		return EINVAL;
	if (!(tp->t_oobflags & TCPOOB_HAVEDATA))
		return EWOULDBLOCK;
	*c = tp->t_iobc;
	if (!peek)
		tp->t_oobflags ^= TCPOOB_HAVEDATA | TCPOOB_HADDATA;
	return 0;
}

static int
tcp_rcvd(struct socket *so, int flags)
{
	struct tcpcb *tp = tcp_sototcpcb(so);

	(void)flags;
	if (tp == NULL)
		return 0;
	(void)tcp_output(tp);
	tcp_flush(so);
	return 0;
}

static int
tcp_sockaddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct inpcb *inp = so->so_pcb;

	memset(nam, 0, sizeof(*nam));
	if (inp == NULL)
		return EINVAL;
	in_sockaddr((struct nb_sockaddr_in *)nam, in46_v4(&inp->inp_laddr46), inp->inp_lport);
	return 0;
}

static int
tcp_peeraddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct inpcb *inp = so->so_pcb;

	memset(nam, 0, sizeof(*nam));
	if (inp == NULL)
		return EINVAL;
	in_sockaddr((struct nb_sockaddr_in *)nam, in46_v4(&inp->inp_faddr46), inp->inp_fport);
	return 0;
}

/* New keepalive settings take effect now (NetBSD's change_keepalive). */
static void
tcp_change_keepalive(struct socket *so, struct tcpcb *tp)
{
	if (tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_SYN_RECEIVED)
		tcp_timer_set(tp, TCPT_KEEP, tp->t_keepinit);
	else if ((so->so_options & SO_KEEPALIVE) && tp->t_state <= TCPS_CLOSE_WAIT &&
	    TCPS_HAVEESTABLISHED(tp->t_state))
		tcp_timer_set(tp, TCPT_KEEP, tp->t_keepidle);
	else if (TCPS_HAVEESTABLISHED(tp->t_state) && tp->t_state <= TCPS_CLOSE_WAIT)
		tcp_timer_set(tp, TCPT_KEEP, tp->t_keepidle);
}

/* TCP_INFO as NetBSD's tcp_fill_info fills it: the state, the options both ends agreed
 * on, the segment size as both MSS fields, cwnd and the send window in segments (the Linux
 * API's unit), the receive window in bytes, the absolute snd_nxt and rcv_nxt, the
 * connection's retransmitted segments in all three retransmission fields; the rest 0.
 * rumpus: tcpi_rto, tcpi_rtt and tcpi_rttvar in microseconds, as the fields are defined
 * (NetBSD multiplies its 500 ms slow-timer counts by the hardclock tick, 1/50 of the
 * value: docs/netinet.md). */
static int
tcp_getinfo(struct tcpcb *tp, struct sockopt *sopt)
{
	struct tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = (uint8_t)tp->t_state;
	if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) == (TF_REQ_TSTMP | TF_RCVD_TSTMP))
		ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->t_flags & TF_SACK_PERMIT)
		ti.tcpi_options |= TCPI_OPT_SACK;
	if ((tp->t_flags & (TF_REQ_SCALE | TF_RCVD_SCALE)) == (TF_REQ_SCALE | TF_RCVD_SCALE)) {
		ti.tcpi_options |= TCPI_OPT_WSCALE;
		ti.tcpi_snd_wscale = tp->snd_scale & 0xf;
		ti.tcpi_rcv_wscale = tp->rcv_scale & 0xf;
	}
	ti.tcpi_rto = (uint32_t)(tp->t_rxtcur / 1000);
	ti.tcpi_last_data_recv = (uint32_t)((hyp_clock_mono() - tp->t_rcvtime) / 1000);
	ti.tcpi_rtt = (uint32_t)(tp->t_srtt / 1000);
	ti.tcpi_rttvar = (uint32_t)(tp->t_rttvar / 1000);
	ti.tcpi_snd_ssthresh = tp->snd_ssthresh;
	ti.tcpi_snd_cwnd = tp->t_maxseg ? tp->snd_cwnd / tp->t_maxseg : 0;
	ti.tcpi_rcv_space = tp->rcv_wnd;
	ti.tcpi_snd_wnd = tp->t_maxseg ? tp->snd_wnd / tp->t_maxseg : 0;
	ti.tcpi_snd_nxt = tp->snd_nxt;
	ti.tcpi_rcv_nxt = tp->rcv_nxt;
	ti.tcpi_snd_mss = ti.tcpi_rcv_mss = tp->t_maxseg;
	ti.tcpi_snd_rexmitpack = ti.__tcpi_retrans = tp->t_sndrexmitpack;
	ti.__tcpi_retransmits = (uint8_t)tp->t_sndrexmitpack;
	ti.tcpi_rcv_ooopack = tp->t_rcvoopack;
	ti.tcpi_snd_zerowin = tp->t_sndzerowin;
	return sockopt_set(sopt, &ti, sizeof(ti));
}

int
tcp_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct tcpcb *tp = tcp_sototcpcb(so);
	int v, error;

	if (sopt->sopt_level == SOL_SOCKET)
		return 0;		/* the socket layer keeps them */
	if (sopt->sopt_level == IPPROTO_IP && sopt->sopt_name >= IP_MULTICAST_IF &&
	    sopt->sopt_name <= IP_DROP_MEMBERSHIP) {
		/* NetBSD's tcp_ctloutput hands IP options to ip_ctloutput: the multicast
		 * ones work on TCP sockets too (in_mcast.c) */
		uint8_t buf[8];
		size_t len = sizeof(buf);

		if (tp == NULL)
			return ECONNRESET;
		if (op != PRCO_GETOPT)
			return ip_mcast_setopt(tp->t_ts->ts_is, tp->t_inpcb, sopt->sopt_name,
			    sopt->sopt_data, sopt->sopt_size);
		if ((error = ip_mcast_getopt(tp->t_ts->ts_is, tp->t_inpcb, sopt->sopt_name, buf,
		    &len)) != 0)
			return error;
		return sockopt_set(sopt, buf, len);
	}
	if (sopt->sopt_level != IPPROTO_TCP)
		return ENOPROTOOPT;
	if (tp == NULL)
		return ECONNRESET;
	if (op == PRCO_GETOPT) {
		switch (sopt->sopt_name) {
		case TCP_NODELAY:
			return sockopt_setint(sopt, (tp->t_flags & TF_NODELAY) ? 1 : 0);
		case TCP_MAXSEG:	/* data per segment: less the timestamp option */
			return sockopt_setint(sopt, (int)tp->t_maxseg -
			    ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) ==
			    (TF_REQ_TSTMP | TF_RCVD_TSTMP) ? TCPOLEN_TSTAMP_APPA : 0));
		case TCP_KEEPIDLE:
			return sockopt_setint(sopt, (int)(tp->t_keepidle / 1000000000u));
		case TCP_KEEPINTVL:
			return sockopt_setint(sopt, (int)(tp->t_keepintvl / 1000000000u));
		case TCP_KEEPCNT:
			return sockopt_setint(sopt, tp->t_keepcnt);
		case TCP_KEEPINIT:
			return sockopt_setint(sopt, (int)(tp->t_keepinit / 1000000000u));
		case TCP_INFO:
			return tcp_getinfo(tp, sopt);
		}
		return ENOPROTOOPT;
	}
	if ((error = sockopt_getint(sopt, &v)) != 0)
		return error;
	switch (sopt->sopt_name) {
	case TCP_NODELAY:
		if (v)
			tp->t_flags |= TF_NODELAY;
		else
			tp->t_flags &= ~TF_NODELAY;
		if (v && TCPS_HAVEESTABLISHED(tp->t_state)) {
			(void)tcp_output(tp);	/* what Nagle held goes now */
			tcp_flush(so);
		}
		return 0;
	case TCP_MAXSEG:
		if (v <= 0 || v > 65535 - 40)
			return EINVAL;
		if ((uint32_t)v < TCP_MINMSS)
			v = TCP_MINMSS;
		tp->t_ourmss = (uint32_t)v;
		if (TCPS_HAVEESTABLISHED(tp->t_state) && (uint32_t)v < tp->t_maxseg)
			tp->t_maxseg = (uint32_t)v;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPINIT:
		if (v < 1 || v > 86400 * 7)
			return EINVAL;
		*(sopt->sopt_name == TCP_KEEPIDLE ? &tp->t_keepidle : sopt->sopt_name ==
		    TCP_KEEPINTVL ? &tp->t_keepintvl : &tp->t_keepinit) = tcp_sec(v);
		tcp_change_keepalive(so, tp);
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 1000)
			return EINVAL;
		tp->t_keepcnt = v;
		tcp_change_keepalive(so, tp);
		return 0;
	}
	return ENOPROTOOPT;
}

const struct pr_usrreqs tcp_usrreqs = {
	.pr_attach = tcp_attach, .pr_detach = tcp_detach, .pr_accept = tcp_accept,
	.pr_bind = tcp_bind, .pr_listen = tcp_listen, .pr_connect = tcp_connect,
	.pr_disconnect = tcp_disconnect, .pr_shutdown = tcp_shutdown, .pr_abort = tcp_abort,
	.pr_sockaddr = tcp_sockaddr, .pr_peeraddr = tcp_peeraddr, .pr_rcvd = tcp_rcvd,
	.pr_send = tcp_send, .pr_sendoob = tcp_sendoob, .pr_recvoob = tcp_recvoob,
	.pr_send_uio = tcp_send_uio,
};
