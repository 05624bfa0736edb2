/*
 * in_proto.c: the AF_INET domain for the socket layer: UDP (SOCK_DGRAM) and raw IP
 * (SOCK_RAW, any protocol; ping uses IPPROTO_ICMP) on top of the pcbs of in_pcb.c.
 *
 * Every entry is called with the kernel's net lock held.  Datagrams for a socket go
 * straight into its receive buffer (sb_append_rec, the sender as a sockaddr_in); a full
 * buffer drops the datagram, as UDP does.  Before returning, each entry runs input that
 * its own output queued on this kernel (loopback, replies from kernels it reached).
 */
#include "netinet/in_var.h"
#include "netinet/tcp_var.h"

#define UDP_SENDSPACE	9216
#define UDP_RECVSPACE_	(40 * 1024 + 1600)
#define RIP_SPACE	8192

static void
in_so_input(struct inpcb *inp, struct pkt *p)
{
	struct socket *so = inp->inp_socket;
	struct nb_sockaddr_in sin;

	in_sockaddr(&sin, p->p_src, p->p_sport);
	if (sb_append_rec(inp->inp_kern, &so->so_rcv, (struct nb_sockaddr *)&sin,
	    pkt_data(p), p->p_len, NULL, 0) == 0)
		so_rwakeup(so);
	else
		inet_state(inp->inp_kern)->is_stat.udps_fullsock++;
	pkt_free(p);
}

/* SO_REUSEADDR, SO_REUSEPORT and SO_BROADCAST live in so_options. */
static struct inpcb *
in_sopcb(struct socket *so)
{
	struct inpcb *inp = so->so_pcb;

	inp->inp_flags &= ~(INP_REUSEADDR | INP_REUSEPORT | INP_BROADCAST);
	if (so->so_options & SO_REUSEADDR)
		inp->inp_flags |= INP_REUSEADDR;
	if (so->so_options & SO_REUSEPORT)
		inp->inp_flags |= INP_REUSEPORT;
	if (so->so_options & SO_BROADCAST)
		inp->inp_flags |= INP_BROADCAST;
	return inp;
}

static int
in_attach(struct socket *so, int proto)
{
	struct kern *k = so->so_kern;
	struct inet_state *is = inet_state(k);
	struct inpcb *inp;
	size_t snd = so->so_type == SOCK_DGRAM ? UDP_SENDSPACE : RIP_SPACE;
	size_t rcv = so->so_type == SOCK_DGRAM ? UDP_RECVSPACE_ : RIP_SPACE;
	int error;

	if (is == NULL)
		return EAFNOSUPPORT;
	if ((error = sb_reserve(k, &so->so_snd, snd)) != 0 ||
	    (error = sb_reserve(k, &so->so_rcv, rcv)) != 0)
		return error;
	if ((error = inp_create_locked(is, so->so_type, proto, &inp)) != 0)
		return error;
	inp->inp_socket = so;
	inp->inp_input = in_so_input;
	so->so_pcb = inp;
	return 0;
}

static void
in_detach(struct socket *so)
{
	struct inpcb *inp = so->so_pcb;

	if (inp != NULL)
		inp_free(inet_state(so->so_kern), inp);
	so->so_pcb = NULL;
}

static int
in_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct nb_sockaddr_in sin;
	int error;

	(void)l;
	if ((error = sin_check(nam, nam->sa_len, &sin)) != 0)
		return error;
	return inp_bind_locked(inet_state(so->so_kern), in_sopcb(so), &sin);
}

static int
in_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct nb_sockaddr_in sin;
	int error;

	(void)l;
	if ((error = sin_check(nam, nam->sa_len, &sin)) != 0)
		return error;
	if ((error = inp_connect_locked(inet_state(so->so_kern), in_sopcb(so), &sin)) != 0)
		return error;
	so_isconnected(so);
	return 0;
}

static int
in_disconnect(struct socket *so)
{
	inp_disconnect_locked(inet_state(so->so_kern), so->so_pcb);
	so->so_state &= ~SS_ISCONNECTED;
	return 0;
}

static int
in_shutdown(struct socket *so)
{
	so_cantsendmore(so);
	return 0;
}

static int
in_send(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	struct inet_state *is = inet_state(so->so_kern);
	struct nb_sockaddr_in sin;
	int error;

	(void)flags, (void)l;
	net_defer_ctl(so->so_kern, ctl);
	if (nam != NULL && (error = sin_check(nam, nam->sa_len, &sin)) != 0)
		return error;
	error = inp_send_locked(is, in_sopcb(so), data, len, nam != NULL ? &sin : NULL, 1);
	ifs_flush(is->is_ns);
	return error;
}

static int
in_sockaddr_(struct socket *so, struct nb_sockaddr_storage *nam)
{
	memset(nam, 0, sizeof(*nam));
	inp_sockname(so->so_pcb, (struct nb_sockaddr_in *)nam, 0);
	return 0;
}

static int
in_peeraddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	memset(nam, 0, sizeof(*nam));
	inp_sockname(so->so_pcb, (struct nb_sockaddr_in *)nam, 1);
	return 0;
}

static int
ip_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct inpcb *inp = so->so_pcb;
	int v, error;

	if (sopt->sopt_level == SOL_SOCKET)
		return 0;		/* the socket layer keeps them; in_sopcb reads them */
	if (sopt->sopt_level != IPPROTO_IP)
		return ENOPROTOOPT;
	switch (sopt->sopt_name) {
	case IP_MULTICAST_IF:
	case IP_MULTICAST_TTL:
	case IP_MULTICAST_LOOP:
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP: {	/* in_mcast.c */
		struct inet_state *is = inet_state(so->so_kern);
		uint8_t buf[8];
		size_t len = sizeof(buf);

		if (op != PRCO_GETOPT)
			return ip_mcast_setopt(is, inp, sopt->sopt_name, sopt->sopt_data,
			    sopt->sopt_size);
		if ((error = ip_mcast_getopt(is, inp, sopt->sopt_name, buf, &len)) != 0)
			return error;
		return sockopt_set(sopt, buf, len);
	}
	case IP_TTL:
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, inp->inp_ttl >= 0 ? inp->inp_ttl :
			    inet_state(so->so_kern)->is_ttl);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v < -1 || v > 255)
			return EINVAL;
		inp->inp_ttl = v;
		return 0;
	case IP_HDRINCL:
		if (!inp->inp_raw)
			return ENOPROTOOPT;
		if (op == PRCO_GETOPT)
			return sockopt_setint(sopt, (inp->inp_flags & INP_HDRINCL) != 0);
		if ((error = sockopt_getint(sopt, &v)) != 0)
			return error;
		if (v)
			inp->inp_flags |= INP_HDRINCL;
		else
			inp->inp_flags &= ~INP_HDRINCL;
		return 0;
	}
	return ENOPROTOOPT;
}

static const struct pr_usrreqs in_usrreqs = {
	.pr_attach = in_attach, .pr_detach = in_detach, .pr_bind = in_bind,
	.pr_connect = in_connect, .pr_disconnect = in_disconnect, .pr_shutdown = in_shutdown,
	.pr_send = in_send, .pr_sockaddr = in_sockaddr_, .pr_peeraddr = in_peeraddr,
};
static const struct domain inetdomain;
static const struct protosw inetsw[] = {
	{ .pr_type = SOCK_DGRAM, .pr_domain = &inetdomain, .pr_protocol = IPPROTO_UDP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_ctloutput = ip_ctloutput,
	  .pr_usrreqs = &in_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_domain = &inetdomain, .pr_protocol = 0,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_ctloutput = ip_ctloutput,
	  .pr_usrreqs = &in_usrreqs },
	{ .pr_type = SOCK_STREAM, .pr_domain = &inetdomain, .pr_protocol = IPPROTO_TCP,
	  .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_LISTEN, .pr_ctloutput = tcp_ctloutput,
	  .pr_usrreqs = &tcp_usrreqs },
};
static const struct domain inetdomain = {
	.dom_family = AF_INET, .dom_name = "inet", .dom_protosw = inetsw, .dom_nprotosw = 3,
};

int
in_domain_add(struct kern *k)
{
	return net_domain_add(k, &inetdomain);
}
