/*
 * in_proto.c: the AF_INET domain for the socket layer: UDP (SOCK_DGRAM) and raw IP
 * (SOCK_RAW, any protocol; ping uses IPPROTO_ICMP) on top of the pcbs of in_pcb.c.
 *
 * Every entry is called with the kernel's net lock held (exclusively, but for
 * udp_send_shared: shared).  Datagrams for a socket go
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

/*
 * UDP's send with the net lock shared (a kernel with several vCPUs, docs/locking.md): a
 * datagram to an address of this kernel goes straight into the receiving socket's buffer
 * under that socket's stripe, as ip_output, lo0 and udp_input put it there under the
 * exclusive lock, and is counted where they count it (ipstat, udpstat, lo0's if_data),
 * through the reader slot's counters (udp_fold_counts adds them at the next exclusive
 * hold).  Everything read here changes only under the exclusive lock: the pcbs and their
 * tables, the addresses and flags of the interfaces, the sockets' states.  Anything else
 * (another host, broadcast, multicast, an unbound or erring sender, no socket on the
 * port, a raw socket that would see UDP, input queued for the kernel, a halted kernel)
 * returns -1 untouched and so_send takes the exclusive path.
 */
enum { UDPC_SENT, UDPC_BYTES, UDPC_FULL };	/* the reader slot's counters */

static int
udp_send_shared(struct socket *so, const struct nb_sockaddr *nam, struct uio *uio,
    void *buf, int slot)
{
	struct kern *k = so->so_kern;
	struct inet_state *is = inet_state(k);
	struct ifnet_state *ns = is->is_ns;
	struct inpcb *inp = so->so_pcb, *to;
	struct socket *rso;
	struct nb_sockaddr_in sin;
	size_t len = uio->uio_resid;
	uint32_t dst, src;
	uint16_t dport;
	br_lock_t *m;
	uint64_t *c;
	int error;

	if (inp == NULL || inp->inp_raw || !(inp->inp_flags & INP_BOUND) ||
	    inp->inp_error != 0 || so->so_error != 0 || (so->so_state & SS_CANTSENDMORE) ||
	    atomic_load_explicit(&ns->ns_pending, memory_order_relaxed) != 0 ||
	    atomic_load_explicit(&k->k_halted, memory_order_relaxed))
		return -1;
	if (inp->inp_faddr != INADDR_ANY) {
		if (nam != NULL)
			return -1;	/* EISCONN */
		dst = inp->inp_faddr;
		dport = inp->inp_fport;
	} else {
		if (nam == NULL || sin_check(nam, nam->sa_len, &sin) != 0)
			return -1;
		dst = sin.sin_addr.s_addr;
		dport = sin.sin_port;
	}
	if (dport == 0 || IN_MULTICAST_(dst) || !(ns->ns_lo0->if_flags & IFF_UP) ||
	    len + 28 > ns->ns_lo0->if_mtu || in_ifaddr_of(ns, dst) == NULL ||
	    in_broadcast(ns, dst, ns->ns_lo0))
		return -1;
	/* the source inp_send_locked picks: the bound address, else (in_selectsrc) dst */
	src = inp->inp_laddr;
	if (src == INADDR_ANY || (ntohl_(src) >> 28) == 14 || in_broadcast(ns, src, NULL))
		src = dst;
	if ((ntohl_(src) >> 28) >= 14)
		return -1;		/* martian: ip_input drops it */
	/* raw sockets of UDP or of every protocol get copies (rip_input) */
	if (is->is_rawhash[IPPROTO_UDP % RAWHASH_SIZE] != NULL || is->is_rawhash[0] != NULL)
		return -1;
	if ((to = udp_lookup(is, src, inp->inp_lport, dst, dport)) == NULL ||
	    (rso = to->inp_socket) == NULL || to->inp_input != in_so_input)
		return -1;		/* ICMP port unreachable, IPv6 mapped, a test's queue */

	if ((error = uiomove(buf, len, uio)) != 0)
		return error;
	in_sockaddr(&sin, src, inp->inp_lport);
	c = br_slot_count(&net_state(k)->ns_lock, slot);
	c[UDPC_SENT]++;
	c[UDPC_BYTES] += len + 28;
	m = br_stripe(&net_state(k)->ns_lock, rso);
	br_stripe_lock(m);
	if (sb_append_rec(k, &rso->so_rcv, (struct nb_sockaddr *)&sin, buf, len, NULL, 0) == 0)
		so_rwakeup(rso);
	else
		c[UDPC_FULL]++;
	br_stripe_unlock(m);
	return 0;
}

/* What udp_send_shared counted in the reader slots, added where the exclusive path counts
 * (the net lock exclusively held; c: the slots' sums). */
void
udp_fold_counts(struct brlock *b, const uint64_t *c)
{
	struct inet_state *is = inet_state(b->br_kern);
	struct ifnet *lo;

	if (is == NULL)
		return;
	is->is_stat.udps_opackets += c[UDPC_SENT];
	is->is_stat.ips_localout += c[UDPC_SENT];
	is->is_stat.ips_total += c[UDPC_SENT];
	is->is_stat.ips_delivered += c[UDPC_SENT];
	is->is_stat.udps_ipackets += c[UDPC_SENT];
	is->is_stat.udps_fullsock += c[UDPC_FULL];
	if ((lo = is->is_ns->ns_lo0) != NULL) {
		lo->if_data.ifi_opackets += c[UDPC_SENT];
		lo->if_data.ifi_ipackets += c[UDPC_SENT];
		lo->if_data.ifi_obytes += c[UDPC_BYTES];
		lo->if_data.ifi_ibytes += c[UDPC_BYTES];
	}
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
	.pr_send_shared = udp_send_shared,
};
static const struct domain inetdomain;
static const struct protosw inetsw[] = {
	{ .pr_type = SOCK_DGRAM, .pr_domain = &inetdomain, .pr_protocol = IPPROTO_UDP,
	  .pr_flags = PR_ATOMIC | PR_ADDR | PR_MPSAFE, .pr_ctloutput = ip_ctloutput,
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
