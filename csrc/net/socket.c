/*
 * socket.c: the component "net": per-kernel socket state, the domain table, socket
 * buffers, socket creation and teardown, the generic send and receive paths, and the
 * socket fileops.
 *
 * Invariants:
 *   - Every socket of a kernel is on net_state's ns_socks list from so_create/so_newconn
 *     until so_free; ns_nsocks counts them.  Nothing else is allocated per kernel until
 *     the first socket (the state itself is a few hundred bytes).
 *   - A socket is referenced by at most one file (f_data) or, while it waits in a listen
 *     queue, by its head (SS_NOFDREF set, so_head set).  It is freed when neither holds
 *     it: so_close (file gone) or the head's close (queued, never accepted).
 *   - All socket state is guarded by the kernel's net lock.  Files are never released
 *     with it held: control data carrying files is put on ns_deferred and freed by
 *     net_unlock.
 */
#include "net/net.h"
#include "kern/sysargs_gen.h"
#include "kern/sysctl.h"

/* ---------------------------------------------------------------- lock, deferred frees */

void
net_lock(struct kern *k)
{
	br_enter(&net_state(k)->ns_lock);
}

/* Takes the owners to signal (at most NET_MAXSIGQ, distinct) into sig: the queue, then
 * the owners of flagged sockets, whose flags it clears; what does not fit stays for the
 * next round of net_unlock.  Returns how many. */
static int
net_sigurg_take(struct net_state *ns, int *sig)
{
	struct socket *so;
	int n = ns->ns_nsigurg, i;

	memcpy(sig, ns->ns_sigurg, sizeof(int) * (size_t)n);
	ns->ns_nsigurg = 0;
	for (so = ns->ns_socks; so != NULL && ns->ns_nsigurgpend > 0; so = so->so_next) {
		if (!so->so_sigurgpend)
			continue;
		for (i = 0; i < n && sig[i] != so->so_pgid; i++)
			continue;
		if (i == n && so->so_pgid != 0) {
			if (n == NET_MAXSIGQ)
				break;		/* full: the next round */
			sig[n++] = so->so_pgid;
		}
		so->so_sigurgpend = 0;
		ns->ns_nsigurgpend--;
	}
	return n;
}

void
net_unlock(struct kern *k)
{
	struct net_state *ns = net_state(k);
	struct sbctl *list, *c;
	int sig[NET_MAXSIGQ], n, i;

	for (;;) {
		while ((list = ns->ns_deferred) != NULL) {
			ns->ns_deferred = NULL;
			br_exit(&ns->ns_lock);
			while ((c = list) != NULL) {
				list = c->sc_next;
				sbctl_free(k, c);
			}
			br_enter(&ns->ns_lock);
		}
		if (ns->ns_nsigurg == 0 && ns->ns_nsigurgpend == 0)
			break;
		/* SIGURG to socket owners, outside the lock (a RAISE handler may call in) */
		n = net_sigurg_take(ns, sig);
		br_exit(&ns->ns_lock);
		for (i = 0; i < n; i++)
			kern_gsignal(k, sig[i], NB_SIGURG);
		br_enter(&ns->ns_lock);
	}
	br_exit(&ns->ns_lock);
}

void
net_defer_ctl(struct kern *k, struct sbctl *ctl)
{
	struct net_state *ns = net_state(k);

	if (ctl == NULL)
		return;
	ctl->sc_next = ns->ns_deferred;
	ns->ns_deferred = ctl;
}

void
sbctl_free(struct kern *k, struct sbctl *ctl)
{
	int i;

	if (ctl == NULL)
		return;
	for (i = 0; i < ctl->sc_nfiles; i++)
		if (ctl->sc_files[i] != NULL)
			file_release(ctl->sc_files[i]);
	if (ctl->sc_files != NULL)
		kmem_free(k, ctl->sc_files, sizeof(struct file *) * (size_t)ctl->sc_nfiles);
	if (ctl->sc_raw != NULL)
		kmem_free(k, ctl->sc_raw, ctl->sc_rawlen);
	kmem_free(k, ctl, sizeof(*ctl));
}

int
sbctl_add(struct kern *k, struct sbctl **ctlp, int level, int type, const void *data,
    size_t len)
{
	struct sbctl *ctl = *ctlp;
	struct nb_cmsghdr *cm;
	size_t add = NB_CMSG_SPACE(len), nlen;
	uint8_t *raw;

	if (ctl == NULL) {
		if ((ctl = kmem_zalloc(k, sizeof(*ctl))) == NULL)
			return ENOMEM;
		*ctlp = ctl;
	}
	nlen = ctl->sc_rawlen + add;
	if ((raw = kmem_zalloc(k, nlen)) == NULL)
		return ENOMEM;
	if (ctl->sc_raw != NULL) {
		memcpy(raw, ctl->sc_raw, ctl->sc_rawlen);
		kmem_free(k, ctl->sc_raw, ctl->sc_rawlen);
	}
	cm = (struct nb_cmsghdr *)(raw + ctl->sc_rawlen);
	cm->cmsg_len = (nb_socklen_t)NB_CMSG_LEN(len);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	memcpy((uint8_t *)cm + NB_CMSG_HDRSZ, data, len);
	ctl->sc_raw = raw;
	ctl->sc_rawlen = nlen;
	return 0;
}

/* ---------------------------------------------------------------- domains */

int
net_domain_add(struct kern *k, const struct domain *dom)
{
	struct net_state *ns = net_state(k);

	if (ns == NULL)
		return ENXIO;
	if (net_domain_find(k, dom->dom_family) != NULL)
		return EEXIST;
	if (ns->ns_ndomains == NET_MAXDOMAINS)
		return ENOSPC;
	ns->ns_domains[ns->ns_ndomains++] = dom;
	return 0;
}

const struct domain *
net_domain_find(struct kern *k, int family)
{
	struct net_state *ns = net_state(k);
	int i;

	for (i = 0; ns != NULL && i < ns->ns_ndomains; i++)
		if (ns->ns_domains[i]->dom_family == family)
			return ns->ns_domains[i];
	return NULL;
}

/* ---------------------------------------------------------------- socket buffers */

static void
sb_init(struct kern *k, struct sockbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
	cv_init(&sb->sb_cv, k);
}

int
sb_reserve(struct kern *k, struct sockbuf *sb, size_t hiwat)
{
	/* NetBSD's limit: sb_max scaled by the share of an mbuf cluster that is data */
	if (hiwat == 0 || hiwat > net_state(k)->ns_sb_max * 2048 / (2048 + 512))
		return ENOBUFS;
	sb->sb_hiwat = hiwat;
	sb->sb_mbmax = 2 * hiwat + 8 * SBREC_OVERHEAD;
	if (sb->sb_lowat > hiwat)
		sb->sb_lowat = hiwat;
	return 0;
}

int
sb_autogrow(struct kern *k, struct sockbuf *sb, size_t hiwat)
{
	struct net_state *ns = net_state(k);

	if (hiwat <= sb->sb_hiwat)
		return 0;
	/* the kernel's record memory must hold what the buffers have plus the growth */
	if (ns->ns_sbbytes_max != 0 &&
	    ns->ns_sbbytes + (hiwat - sb->sb_hiwat) > ns->ns_sbbytes_max)
		return ENOBUFS;
	return sb_reserve(k, sb, hiwat);
}

/*
 * Record memory of all socket buffers of a kernel with a memory limit stays under half of
 * it (ns_sbbytes_max), as NetBSD's mbufs are bounded by nmbclusters: sockets filled by a
 * flood cannot take the memory the rest of the kernel needs.  A buffer that holds nothing
 * may still take one small record over the bound, so a flood of other sockets does not
 * silence a fresh one (at most kern.maxfiles such records).
 */
#define SB_FLOOR	2048

static struct sbrec *
sbrec_alloc(struct kern *k, struct sockbuf *sb, size_t cap)
{
	struct net_state *ns = net_state(k);
	size_t size = sizeof(struct sbrec) + cap;
	struct sbrec *r;

	/* counted only under a bound (nothing else reads it): without one, senders on
	 * other vCPUs share no counter (PR_MPSAFE) */
	if (ns->ns_sbbytes_max != 0) {
		if (atomic_fetch_add(&ns->ns_sbbytes, size) + size > ns->ns_sbbytes_max &&
		    (sb->sb_cc != 0 || cap > SB_FLOOR)) {
			atomic_fetch_sub(&ns->ns_sbbytes, size);
			atomic_fetch_add(&ns->ns_sbdrops, 1);
			return NULL;
		}
	}
	if ((r = kmem_alloc(k, size)) == NULL) {
		if (ns->ns_sbbytes_max != 0)
			atomic_fetch_sub(&ns->ns_sbbytes, size);
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->r_cap = cap;
	return r;
}

static void
sbrec_free(struct kern *k, struct sbrec *r)
{
	struct net_state *ns = net_state(k);

	if (ns->ns_sbbytes_max != 0)
		atomic_fetch_sub(&ns->ns_sbbytes, sizeof(*r) + r->r_cap);
	kmem_free(k, r, sizeof(*r) + r->r_cap);
}

static void
sb_link(struct sockbuf *sb, struct sbrec *r)
{
	r->r_next = NULL;
	if (sb->sb_tail != NULL)
		sb->sb_tail->r_next = r;
	else
		sb->sb_head = r;
	sb->sb_tail = r;
	sb->sb_nrec++;
	sb->sb_cc += r->r_len;
	sb->sb_mbcnt += r->r_len + SBREC_OVERHEAD;
}

/* Unlinks and frees the head record; its control data is deferred (not freed here). */
static void
sb_free_head(struct kern *k, struct sockbuf *sb)
{
	struct sbrec *r = sb->sb_head;

	sb->sb_head = r->r_next;
	if (sb->sb_head == NULL)
		sb->sb_tail = NULL;
	sb->sb_nrec--;
	sb->sb_cc -= r->r_len;
	sb->sb_mbcnt -= r->r_len + SBREC_OVERHEAD;
	if (r->r_ctl != NULL)
		net_defer_ctl(k, r->r_ctl);
	if (r->r_addr != NULL)
		kmem_free(k, r->r_addr, r->r_addr->sa_len);
	sbrec_free(k, r);
}

/*
 * The room of a new stream record for len bytes: a chunk of SB_STREAM_CHUNK (at most the
 * buffer's high-water mark) so that the segments that follow are appended into its spare
 * room (one allocation per chunk, not one per segment, as mbuf clusters do).  The spare
 * room is counted in the kernel's record memory (ns_sbbytes); when the kernel's bound
 * leaves no room for a chunk the record is exactly sized as before.
 */
#define SB_STREAM_CHUNK	(16 * 1024)

static size_t
sb_stream_cap(struct kern *k, const struct sockbuf *sb, size_t len)
{
	struct net_state *ns = net_state(k);
	size_t cap = sb->sb_hiwat < SB_STREAM_CHUNK ? sb->sb_hiwat : SB_STREAM_CHUNK;

	if (cap < 512)
		cap = 512;
	if (len >= cap)
		return len;
	if (ns->ns_sbbytes_max != 0 &&
	    ns->ns_sbbytes + sizeof(struct sbrec) + cap > ns->ns_sbbytes_max)
		return len < 512 ? 512 : len;
	return cap;
}

int
sb_append_stream(struct kern *k, struct sockbuf *sb, const void *data, size_t len)
{
	struct sbrec *t = sb->sb_tail, *r;
	size_t n;

	if (len == 0)
		return 0;
	/* fill the tail record first; records of a stream are never EOR-delimited */
	if (t != NULL && !(t->r_flags & MSG_EOR) && t->r_addr == NULL) {
		n = t->r_cap - t->r_off - t->r_len;
		if (n > len)
			n = len;
		if (n > 0 && t->r_off + t->r_len + n <= t->r_cap) {
			memcpy(t->r_data + t->r_off + t->r_len, data, n);
			t->r_len += n;
			sb->sb_cc += n;
			sb->sb_mbcnt += n;
			data = (const uint8_t *)data + n;
			len -= n;
		}
	}
	if (len == 0)
		return 0;
	if ((r = sbrec_alloc(k, sb, sb_stream_cap(k, sb, len))) == NULL)
		return ENOBUFS;
	memcpy(r->r_data, data, len);
	r->r_len = len;
	sb_link(sb, r);
	return 0;
}

int
sb_append_stream_uio(struct kern *k, struct sockbuf *sb, struct uio *uio, size_t len)
{
	struct sbrec *t = sb->sb_tail, *r = NULL;
	size_t n = 0;
	int error;

	if (len == 0)
		return 0;
	/* the tail record's spare room first, then one new record for the rest; both are
	 * filled before anything is counted, so a fault leaves the buffer as it was */
	if (t != NULL && !(t->r_flags & MSG_EOR) && t->r_addr == NULL &&
	    t->r_off + t->r_len < t->r_cap) {
		n = t->r_cap - t->r_off - t->r_len;
		if (n > len)
			n = len;
	}
	if (len > n && (r = sbrec_alloc(k, sb, sb_stream_cap(k, sb, len - n))) == NULL)
		return ENOBUFS;
	if ((n > 0 && (error = uiomove(t->r_data + t->r_off + t->r_len, n, uio)) != 0) ||
	    (r != NULL && (error = uiomove(r->r_data, len - n, uio)) != 0)) {
		if (r != NULL)
			sbrec_free(k, r);
		return error;
	}
	if (n > 0) {
		t->r_len += n;
		sb->sb_cc += n;
		sb->sb_mbcnt += n;
	}
	if (r != NULL) {
		r->r_len = len - n;
		sb_link(sb, r);
	}
	return 0;
}

int
sb_append_rec(struct kern *k, struct sockbuf *sb, const struct nb_sockaddr *from,
    const void *data, size_t len, struct sbctl *ctl, int flags)
{
	struct sbrec *r;
	size_t need = len + SBREC_OVERHEAD + (from ? from->sa_len : 0);

	if (sb->sb_cc + len > sb->sb_hiwat || sb->sb_mbcnt + need > sb->sb_mbmax) {
		sb->sb_overflowed++;
		return ENOBUFS;
	}
	if ((r = sbrec_alloc(k, sb, len)) == NULL) {
		sb->sb_overflowed++;
		return ENOBUFS;
	}
	if (from != NULL) {
		if ((r->r_addr = kmem_alloc(k, from->sa_len)) == NULL) {
			sbrec_free(k, r);
			return ENOMEM;
		}
		memcpy(r->r_addr, from, from->sa_len);
	}
	if (len > 0)
		memcpy(r->r_data, data, len);
	r->r_len = len;
	r->r_ctl = ctl;
	r->r_flags = flags & MSG_EOR;
	sb_link(sb, r);
	return 0;
}

int
sb_append_force(struct kern *k, struct sockbuf *sb, const void *data, size_t len,
    struct sbctl *ctl, int flags)
{
	struct sbrec *r;

	if ((r = sbrec_alloc(k, sb, len)) == NULL)
		return ENOBUFS;
	if (len > 0)
		memcpy(r->r_data, data, len);
	r->r_len = len;
	r->r_ctl = ctl;
	r->r_flags = flags & MSG_EOR;
	sb_link(sb, r);
	return 0;
}

void
sb_copy(const struct sockbuf *sb, size_t off, size_t len, void *dst)
{
	const struct sbrec *r;
	uint8_t *d = dst;

	for (r = sb->sb_head; r != NULL && len > 0; r = r->r_next) {
		size_t n;

		if (off >= r->r_len) {
			off -= r->r_len;
			continue;
		}
		n = r->r_len - off;
		if (n > len)
			n = len;
		memcpy(d, r->r_data + r->r_off + off, n);
		d += n;
		len -= n;
		off = 0;
	}
}

void
sb_drop(struct kern *k, struct sockbuf *sb, size_t len)
{
	while (len > 0 && sb->sb_head != NULL) {
		struct sbrec *r = sb->sb_head;
		size_t n = r->r_len < len ? r->r_len : len;

		r->r_off += n;
		r->r_len -= n;
		sb->sb_cc -= n;
		sb->sb_mbcnt -= n;
		len -= n;
		if (r->r_len == 0)
			sb_free_head(k, sb);
	}
}

/* Drops every record (their control is deferred). */
static void
sb_flush(struct kern *k, struct sockbuf *sb)
{
	while (sb->sb_head != NULL)
		sb_free_head(k, sb);
}

void
so_rflush(struct socket *so)
{
	so_cantrcvmore(so);
	sb_flush(so->so_kern, &so->so_rcv);
}

/* ---------------------------------------------------------------- socket state */

void
so_rwakeup(struct socket *so)
{
	cv_broadcast(&so->so_rcv.sb_cv);
	kern_pollnotify(so->so_kern);
}

void
so_wwakeup(struct socket *so)
{
	cv_broadcast(&so->so_snd.sb_cv);
	kern_pollnotify(so->so_kern);
}

void
so_hasoutofband(struct socket *so)
{
	struct net_state *ns = net_state(so->so_kern);
	int i;

	if (so->so_pgid != 0) {
		for (i = 0; i < ns->ns_nsigurg && ns->ns_sigurg[i] != so->so_pgid; i++)
			continue;
		/* pending signals coalesce; past NET_MAXSIGQ owners the socket is flagged
		 * and net_unlock finds its owner on ns_socks */
		if (i == ns->ns_nsigurg && i < NET_MAXSIGQ)
			ns->ns_sigurg[ns->ns_nsigurg++] = so->so_pgid;
		else if (i == ns->ns_nsigurg && !so->so_sigurgpend) {
			so->so_sigurgpend = 1;
			ns->ns_nsigurgpend++;
		}
	}
	so_rwakeup(so);
}

static void
so_wakeall(struct socket *so)
{
	cv_broadcast(&so->so_cv);
	cv_broadcast(&so->so_rcv.sb_cv);
	cv_broadcast(&so->so_snd.sb_cv);
	kern_pollnotify(so->so_kern);
}

int
so_sbwait(struct socket *so, struct sockbuf *sb)
{
	uint64_t deadline = sb->sb_timeo ? hyp_clock_mono() + sb->sb_timeo : 0;

	return br_cv_timedwait(&sb->sb_cv, &net_state(so->so_kern)->ns_lock, deadline);
}

void
so_isconnecting(struct socket *so)
{
	so->so_state &= ~(SS_ISCONNECTED | SS_ISDISCONNECTING);
	so->so_state |= SS_ISCONNECTING;
}

static void
so_qremove(struct socket *so)
{
	struct socket *head = so->so_head, **pp;

	if (head == NULL)
		return;
	for (pp = so->so_onq0 ? &head->so_q0 : &head->so_q; *pp != NULL; pp = &(*pp)->so_qnext) {
		if (*pp == so) {
			*pp = so->so_qnext;
			break;
		}
	}
	if (so->so_onq0)
		head->so_q0len--;
	else
		head->so_qlen--;
	so->so_qnext = NULL;
	so->so_head = NULL;
	so->so_onq0 = false;
}

static void
so_qinsert(struct socket *head, struct socket *so, bool q0)
{
	struct socket **pp = q0 ? &head->so_q0 : &head->so_q;

	while (*pp != NULL)
		pp = &(*pp)->so_qnext;
	*pp = so;
	so->so_qnext = NULL;
	so->so_head = head;
	so->so_onq0 = q0;
	if (q0)
		head->so_q0len++;
	else
		head->so_qlen++;
}

void
so_isconnected(struct socket *so)
{
	struct socket *head = so->so_head;

	so->so_state &= ~(SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISDISCONNECTED);
	so->so_state |= SS_ISCONNECTED;
	if (head != NULL && so->so_onq0) {
		so_qremove(so);
		so_qinsert(head, so, false);
		so_wakeall(head);
	}
	so_wakeall(so);
}

void
so_isdisconnecting(struct socket *so)
{
	so->so_state &= ~SS_ISCONNECTING;
	so->so_state |= SS_ISDISCONNECTING | SS_CANTRCVMORE | SS_CANTSENDMORE;
	so_wakeall(so);
}

void
so_isdisconnected(struct socket *so)
{
	so->so_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
	so->so_state |= SS_CANTRCVMORE | SS_CANTSENDMORE | SS_ISDISCONNECTED;
	so_wakeall(so);
}

void
so_cantsendmore(struct socket *so)
{
	so->so_state |= SS_CANTSENDMORE;
	so_wwakeup(so);
}

void
so_cantrcvmore(struct socket *so)
{
	so->so_state |= SS_CANTRCVMORE;
	so_rwakeup(so);
}

void
so_seterror(struct socket *so, int error)
{
	so->so_error = error;
	so_wakeall(so);
}

/* ---------------------------------------------------------------- create and free */

static struct socket *
so_alloc(struct kern *k, const struct protosw *prp, int type, struct cred *cred)
{
	struct net_state *ns = net_state(k);
	struct socket *so = kmem_zalloc(k, sizeof(*so));

	if (so == NULL)
		return NULL;
	so->so_kern = k;
	so->so_type = (short)type;
	so->so_proto = prp;
	so->so_cred = cred;
	cred_hold(cred);
	sb_init(k, &so->so_rcv);
	sb_init(k, &so->so_snd);
	cv_init(&so->so_cv, k);
	so->so_rcv.sb_lowat = 1;
	so->so_snd.sb_lowat = 2048;
	so->so_next = ns->ns_socks;
	if (so->so_next != NULL)
		so->so_next->so_prev = so;
	ns->ns_socks = so;
	ns->ns_nsocks++;
	return so;
}

/* Frees the socket itself: protocol state must be gone (pr_detach called). */
static void
so_free(struct socket *so)
{
	struct kern *k = so->so_kern;
	struct net_state *ns = net_state(k);

	sb_flush(k, &so->so_rcv);
	sb_flush(k, &so->so_snd);
	if (so->so_sigurgpend) {
		/* its SIGURG is still due: to the queue if there is room, else it is lost
		 * with the socket (its owner is gone from the list net_unlock reads) */
		so->so_sigurgpend = 0;
		ns->ns_nsigurgpend--;
		if (ns->ns_nsigurg < NET_MAXSIGQ && so->so_pgid != 0)
			ns->ns_sigurg[ns->ns_nsigurg++] = so->so_pgid;
	}
	if (so->so_prev != NULL)
		so->so_prev->so_next = so->so_next;
	else
		ns->ns_socks = so->so_next;
	if (so->so_next != NULL)
		so->so_next->so_prev = so->so_prev;
	ns->ns_nsocks--;
	cv_destroy(&so->so_cv);
	cv_destroy(&so->so_rcv.sb_cv);
	cv_destroy(&so->so_snd.sb_cv);
	cred_free(k, so->so_cred);
	kmem_free(k, so, sizeof(*so));
}

static const struct protosw *
pr_find(const struct domain *dom, int type, int proto)
{
	const struct protosw *pr, *maybe = NULL;
	int i;

	for (i = 0; i < dom->dom_nprotosw; i++) {
		pr = &dom->dom_protosw[i];
		if (proto != 0) {
			if (pr->pr_protocol == proto && pr->pr_type == type)
				return pr;
			/* a raw socket takes any protocol number (wildcard entry) */
			if (type == SOCK_RAW && pr->pr_type == SOCK_RAW && pr->pr_protocol == 0 &&
			    maybe == NULL)
				maybe = pr;
		} else if (pr->pr_type == type)
			return pr;
	}
	return maybe;
}

int
so_create(struct lwp *l, int family, int type, int proto, struct socket **sop)
{
	struct kern *k = l->l_kern;
	const struct domain *dom;
	const struct protosw *prp;
	struct socket *so;
	int error;

	if ((dom = net_domain_find(k, family)) == NULL)
		return EAFNOSUPPORT;
	if ((prp = pr_find(dom, type, proto)) == NULL) {
		int i;

		/* the protocol exists with another type: wrong type for it */
		for (i = 0; proto != 0 && i < dom->dom_nprotosw; i++)
			if (dom->dom_protosw[i].pr_protocol == proto)
				return EPROTOTYPE;
		return proto == 0 ? EPROTOTYPE : EPROTONOSUPPORT;
	}
	if (prp->pr_usrreqs == NULL)
		return EPROTONOSUPPORT;
	net_lock(k);
	if ((so = so_alloc(k, prp, type, lwp_cred(l))) == NULL) {
		net_unlock(k);
		return ENOMEM;
	}
	if ((error = prp->pr_usrreqs->pr_attach(so, proto)) != 0) {
		so->so_state |= SS_NOFDREF;
		so_free(so);
		net_unlock(k);
		return error;
	}
	net_unlock(k);
	*sop = so;
	return 0;
}

struct socket *
so_newconn(struct socket *head, bool connected)
{
	struct socket *so;

	if (head->so_qlen + head->so_q0len > 3 * head->so_qlimit / 2)
		return NULL;
	if ((so = so_alloc(head->so_kern, head->so_proto, head->so_type, head->so_cred)) == NULL)
		return NULL;
	so->so_options = head->so_options & ~SO_ACCEPTCONN;
	so->so_linger = head->so_linger;
	so->so_pgid = head->so_pgid;		/* NetBSD's sonewconn */
	so->so_state = SS_NOFDREF;
	so->so_rcv.sb_lowat = head->so_rcv.sb_lowat;
	so->so_snd.sb_lowat = head->so_snd.sb_lowat;
	so->so_rcv.sb_timeo = head->so_rcv.sb_timeo;
	so->so_snd.sb_timeo = head->so_snd.sb_timeo;
	so_qinsert(head, so, !connected);
	if (so->so_proto->pr_usrreqs->pr_attach(so, 0) != 0) {
		so_qremove(so);
		so_free(so);
		return NULL;
	}
	/* keep the listener's buffer sizes (the protocol may have set its defaults); they
	 * stay auto-sized as the protocol's attach made them even when the listener's were
	 * set (NetBSD's rump kernel grows such an accepted socket's SO_RCVBUF) */
	so->so_rcv.sb_hiwat = head->so_rcv.sb_hiwat;
	so->so_rcv.sb_mbmax = head->so_rcv.sb_mbmax;
	so->so_snd.sb_hiwat = head->so_snd.sb_hiwat;
	so->so_snd.sb_mbmax = head->so_snd.sb_mbmax;
	if (connected) {
		so->so_state |= SS_ISCONNECTED;
		so_wakeall(head);
	}
	return so;
}

/* A connection that died before its handshake completed: free its socket from the
 * listener's incomplete queue (the protocol detached its pcb already).  Anything else
 * (a socket with a file, or on the completed queue, where accept() will report it) is
 * left alone. */
void
so_drop_incomplete(struct socket *so)
{
	if (so->so_head == NULL || !so->so_onq0 || !(so->so_state & SS_NOFDREF) ||
	    so->so_pcb != NULL)
		return;
	so_qremove(so);
	so_free(so);
}

/* Detaches the protocol and frees a socket no file refers to.  Net lock held. */
static void
so_destroy(struct socket *so)
{
	so->so_proto->pr_usrreqs->pr_detach(so);
	so_free(so);
}

/* Aborts the connections still queued on a listening socket. */
static void
so_dropqueues(struct socket *head)
{
	struct socket *so;

	while ((so = head->so_q0) != NULL || (so = head->so_q) != NULL) {
		so_qremove(so);
		if (so->so_proto->pr_usrreqs->pr_abort != NULL)
			(void)so->so_proto->pr_usrreqs->pr_abort(so);
		so_destroy(so);
	}
}

static bool
so_holds_rights(struct socket *so)
{
	struct sockbuf *sbs[2] = { &so->so_rcv, &so->so_snd };
	struct sbrec *r;
	int i;

	for (i = 0; i < 2; i++)
		for (r = sbs[i]->sb_head; r != NULL; r = r->r_next)
			if (r->r_ctl != NULL && r->r_ctl->sc_nfiles > 0)
				return true;
	return false;
}

int
so_close(struct socket *so)
{
	struct kern *k = so->so_kern;
	const struct pr_usrreqs *pu = so->so_proto->pr_usrreqs;
	int error = 0;

	bool rights = false;

	net_lock(k);
	if (so->so_proto->pr_flags & PR_RIGHTS)	/* files it held may be a cycle's last link */
		rights = so_holds_rights(so);
	so_dropqueues(so);
	if ((so->so_state & SS_ISCONNECTED) && pu->pr_disconnect != NULL) {
		error = pu->pr_disconnect(so);
		/* SO_LINGER: wait (at most so_linger seconds) until the protocol is done */
		if (error == 0 && (so->so_options & SO_LINGER) && so->so_linger > 0) {
			uint64_t deadline = hyp_clock_mono() +
			    (uint64_t)so->so_linger * 1000000000u;
			while ((so->so_state & SS_ISCONNECTED) && so->so_pcb != NULL) {
				if (br_cv_timedwait(&so->so_cv, &net_state(k)->ns_lock, deadline) != 0)
					break;
			}
		}
	}
	so->so_state |= SS_NOFDREF;
	so_destroy(so);
	net_unlock(k);
	if (rights)
		net_unp_gc(k, NULL);
	return error == ENOTCONN ? 0 : error;
}

void
net_gc(struct kern *k)
{
	struct net_state *ns = net_state(k);
	struct socket *so;
	bool found;

	if (ns == NULL)
		return;
	do {
		found = false;
		net_lock(k);
		for (so = ns->ns_socks; so != NULL; so = so->so_next) {
			struct sockbuf *sbs[2] = { &so->so_rcv, &so->so_snd };
			int i;

			for (i = 0; i < 2; i++) {
				struct sbrec *r;
				for (r = sbs[i]->sb_head; r != NULL; r = r->r_next) {
					if (r->r_ctl != NULL && r->r_ctl->sc_nfiles > 0) {
						net_defer_ctl(k, r->r_ctl);
						r->r_ctl = NULL;
						found = true;
					}
				}
			}
		}
		net_unlock(k);		/* releases the files: their sockets close */
	} while (found);
}

/* ---------------------------------------------------------------- send */

/* Stream data goes to the protocol in pieces of at most this (one buffer per call). */
#define SO_SEND_CHUNK	(16 * 1024)
/* A protocol with pr_send_uio takes a write in pieces of at most this (one TSO segment's
 * worth): the buffer's room, not one record of a whole big buffer. */
#define SO_SEND_UIO_MAX	(64 * 1024)

/*
 * The send of a PR_MPSAFE protocol on a kernel with several vCPUs (docs/locking.md): the
 * net lock shared, so no connection, binding or socket changes under it, and the stripes
 * of so and of the peer its data goes to.  Only the common case: a record that fits
 * (never a wait), no address, no control, no urgent data; anything else, or anything
 * that would block or fail, returns -1 untouched and so_send does it the usual way.
 */
static __attribute__((noinline)) int
so_send_shared(struct socket *so, struct uio *uio, int flags, struct lwp *l)
{
	struct net_state *ns = net_state(so->so_kern);
	const struct protosw *pr = so->so_proto;
	uint8_t buf[SO_SEND_CHUNK];
	size_t len = uio->uio_resid;
	br_lock_t *m1, *m2;
	struct socket *peer;
	int slot, error = -1;

	slot = br_shared_enter(&ns->ns_lock);
	if ((peer = pr->pr_usrreqs->pr_peer(so)) == NULL)
		goto out;
	br_stripe2_lock(&ns->ns_lock, so, peer, &m1, &m2);
	if ((so->so_state & (SS_CANTSENDMORE | SS_ISCONNECTED)) == SS_ISCONNECTED &&
	    so->so_error == 0 && sb_space(&so->so_snd) >= len) {
		if ((error = uiomove(buf, len, uio)) == 0 &&
		    (error = pr->pr_usrreqs->pr_send(so, buf, len, NULL, NULL, flags | MSG_EOR,
		    l)) != 0)
			uio->uio_resid += len;	/* not queued: not sent */
	}
	br_stripe2_unlock(m1, m2);
out:
	br_shared_exit(&ns->ns_lock, slot);
	return error;
}

/* The send of a protocol with pr_send_shared (several vCPUs): the net lock shared, the
 * rest is the protocol's.  -1: not done, so_send does it the usual way. */
static __attribute__((noinline)) int
so_send_proto_shared(struct socket *so, const struct nb_sockaddr *nam, struct uio *uio,
    void *buf)
{
	struct net_state *ns = net_state(so->so_kern);
	int slot, error;

	slot = br_shared_enter(&ns->ns_lock);
	error = so->so_proto->pr_usrreqs->pr_send_shared(so, nam, uio, buf, slot);
	br_shared_exit(&ns->ns_lock, slot);
	return error;
}

/*
 * The generic send: data from uio (user or kernel), destination nam (may be NULL),
 * control ctl (owned: passed to the protocol or freed).  flags: MSG_* plus MSG_NBIO for
 * a non-blocking file.  Called without the net lock.
 */
int
so_send(struct socket *so, const struct nb_sockaddr *nam, struct uio *uio, struct sbctl *ctl,
    int flags, struct lwp *l)
{
	struct kern *k = so->so_kern;
	const struct protosw *pr = so->so_proto;
	bool atomic = (pr->pr_flags & PR_ATOMIC) != 0;
	bool nbio = (flags & (MSG_DONTWAIT | MSG_NBIO)) != 0;
	size_t resid = uio->uio_resid, space, chunk;
	uint8_t stackbuf[SO_SEND_CHUNK], *buf = stackbuf;
	size_t bufsz = sizeof(stackbuf);
	int error = 0;

	if ((flags & MSG_OOB) && pr->pr_usrreqs->pr_sendoob == NULL) {
		sbctl_free(k, ctl);
		return EOPNOTSUPP;
	}
	if ((flags & MSG_OOB) && ctl != NULL) {
		sbctl_free(k, ctl);
		return EINVAL;		/* no control with urgent data (NetBSD's tcp_sendoob) */
	}
	if (atomic && resid > so->so_snd.sb_hiwat) {
		sbctl_free(k, ctl);
		return EMSGSIZE;
	}
	if ((pr->pr_flags & PR_MPSAFE) && net_state(k)->ns_lock.br_n != 0 &&
	    ctl == NULL && !(flags & MSG_OOB) && resid <= SO_SEND_CHUNK &&
	    (error = pr->pr_usrreqs->pr_send_shared != NULL ?
	    so_send_proto_shared(so, nam, uio, stackbuf) :
	    nam == NULL ? so_send_shared(so, uio, flags, l) : -1) >= 0)
		return error;
	error = 0;
	net_lock(k);
	for (;;) {
		if (so->so_state & SS_CANTSENDMORE) {
			error = EPIPE;
			break;
		}
		if (so->so_error != 0) {
			error = so->so_error;
			so->so_error = 0;
			break;
		}
		if (!(so->so_state & SS_ISCONNECTED)) {
			if (pr->pr_flags & PR_CONNREQUIRED) {
				error = ENOTCONN;
				break;
			}
			if (nam == NULL) {
				error = EDESTADDRREQ;
				break;
			}
		}
		if (!atomic && uio->uio_resid == 0 && ctl == NULL)
			break;
		space = sb_space(&so->so_snd);
		if (flags & MSG_OOB)
			space += 1024;	/* urgent data may overfill the buffer a little */
		if (atomic ? space < uio->uio_resid :
		    (space < uio->uio_resid && space < so->so_snd.sb_lowat) || space == 0) {
			if (nbio) {
				error = EWOULDBLOCK;
				break;
			}
			if ((error = so_sbwait(so, &so->so_snd)) != 0)
				break;
			continue;
		}
		chunk = atomic ? uio->uio_resid : (uio->uio_resid < space ? uio->uio_resid : space);
		if (pr->pr_usrreqs->pr_send_uio != NULL && !(flags & MSG_OOB) && nam == NULL &&
		    ctl == NULL) {
			/* straight into the send buffer, as much as it has room for (the
			 * protocol sees the write in pieces of the buffer's room up to
			 * SO_SEND_UIO_MAX, not of SO_SEND_CHUNK) */
			size_t left = uio->uio_resid;

			if (chunk > SO_SEND_UIO_MAX)
				chunk = SO_SEND_UIO_MAX;
			if ((error = pr->pr_usrreqs->pr_send_uio(so, uio, chunk,
			    flags | (left > chunk ? PRUS_MORETOCOME : 0), l)) != 0) {
				uio->uio_resid = left;	/* not queued: not sent */
				break;
			}
			if (uio->uio_resid == 0)
				break;
			continue;
		}
		if (!atomic && chunk > SO_SEND_CHUNK)
			chunk = SO_SEND_CHUNK;
		if (chunk > bufsz) {
			if (buf != stackbuf)		/* a bigger piece than before */
				kmem_free(k, buf, bufsz);
			if ((buf = kmem_alloc(k, chunk)) == NULL) {
				buf = stackbuf;
				error = ENOBUFS;
				break;
			}
			bufsz = chunk;
		}
		if ((error = uiomove(buf, chunk, uio)) != 0)
			break;
		if (flags & MSG_OOB)
			error = pr->pr_usrreqs->pr_sendoob(so, buf, chunk, l);
		else
			error = pr->pr_usrreqs->pr_send(so, buf, chunk, nam, ctl,
		    flags | (uio->uio_resid == 0 && (pr->pr_flags & PR_ATOMIC) ? MSG_EOR : 0) |
		    (uio->uio_resid > 0 && !atomic ? PRUS_MORETOCOME : 0), l);
		ctl = NULL;
		if (error != 0) {
			/* the chunk was not queued (no memory, ...): it was not sent.  Only
			 * the residual count matters to the callers, not the iovecs. */
			uio->uio_resid += chunk;
			break;
		}
		if (uio->uio_resid == 0)
			break;
	}
	if (ctl != NULL)
		net_defer_ctl(k, ctl);
	net_unlock(k);
	if (buf != stackbuf)
		kmem_free(k, buf, bufsz);
	/* a stream send that moved some bytes before blocking/failing reports them */
	if (error != 0 && uio->uio_resid < resid && !atomic && error != EPIPE)
		error = 0;
	return error;
}

/* ---------------------------------------------------------------- receive */

/*
 * The receive of a record of a PR_MPSAFE protocol on a kernel with several vCPUs: the net
 * lock shared and the socket's stripe.  Only a record that is there and carries no
 * control; otherwise (nothing queued, an error, end of file...) -1, and so_receive does
 * it the usual way.
 */
static int
so_receive_shared(struct socket *so, struct nb_sockaddr_storage *from, struct uio *uio,
    int *flagsp)
{
	struct net_state *ns = net_state(so->so_kern);
	struct sockbuf *sb = &so->so_rcv;
	br_lock_t *m;
	struct sbrec *r;
	int slot, error = -1, outflags = 0;
	size_t n;

	slot = br_shared_enter(&ns->ns_lock);
	m = br_stripe(&ns->ns_lock, so);
	br_stripe_lock(m);
	if ((r = sb->sb_head) != NULL && r->r_ctl == NULL) {
		n = r->r_len < uio->uio_resid ? r->r_len : uio->uio_resid;
		if (from != NULL && r->r_addr != NULL)
			memcpy(from, r->r_addr, r->r_addr->sa_len);
		if ((error = uiomove(r->r_data + r->r_off, n, uio)) == 0) {
			if (n < r->r_len)
				outflags |= MSG_TRUNC;
			outflags |= r->r_flags & MSG_EOR;
			if (!(*flagsp & MSG_PEEK))
				sb_free_head(so->so_kern, sb);
		}
	}
	br_stripe_unlock(m);
	br_shared_exit(&ns->ns_lock, slot);
	if (error >= 0)
		*flagsp = error == 0 ? outflags : 0;
	return error;
}

/*
 * The generic receive.  from (may be NULL) gets the sender's address of a record,
 * *ctlp (may be NULL: control is then dropped) the record's control data, owned by the
 * caller.  *flagsp: MSG_* in (PEEK, WAITALL, DONTWAIT, NBIO), MSG_TRUNC/CTRUNC/EOR out.
 */
int
so_receive(struct socket *so, struct nb_sockaddr_storage *from, struct uio *uio,
    struct sbctl **ctlp, int *flagsp, struct lwp *l)
{
	struct kern *k = so->so_kern;
	const struct protosw *pr = so->so_proto;
	struct sockbuf *sb = &so->so_rcv;
	int flags = *flagsp, outflags = 0, error = 0;
	bool nbio = (flags & (MSG_DONTWAIT | MSG_NBIO)) != 0;
	bool peek = (flags & MSG_PEEK) != 0;
	size_t orig = uio->uio_resid;
	bool took = false, atctl = false, atmark = false;

	(void)l;
	if (ctlp != NULL)
		*ctlp = NULL;
	if (from != NULL)
		from->ss_len = 0;
	if (flags & MSG_OOB) {
		uint8_t c;

		if (pr->pr_usrreqs->pr_recvoob == NULL)
			return EOPNOTSUPP;
		net_lock(k);
		error = pr->pr_usrreqs->pr_recvoob(so, &c, peek);
		net_unlock(k);
		if (error == 0 && uio->uio_resid > 0)
			error = uiomove(&c, 1, uio);
		*flagsp = error == 0 ? MSG_OOB : 0;
		return error;
	}
	if ((pr->pr_flags & (PR_MPSAFE | PR_ATOMIC | PR_WANTRCVD)) == (PR_MPSAFE | PR_ATOMIC) &&
	    net_state(k)->ns_lock.br_n != 0 &&
	    (error = so_receive_shared(so, from, uio, flagsp)) >= 0)
		return error;
	error = 0;
	net_lock(k);
restart:
	while (sb->sb_head == NULL) {
		if (so->so_error != 0) {
			if (uio->uio_resid == orig) {
				error = so->so_error;
				so->so_error = 0;
			}
			goto out;
		}
		if (so->so_state & SS_CANTRCVMORE)
			goto out;
		if ((pr->pr_flags & PR_CONNREQUIRED) &&
		    !(so->so_state & (SS_ISCONNECTED | SS_ISCONNECTING))) {
			if (uio->uio_resid == orig)
				error = ENOTCONN;
			goto out;
		}
		if (uio->uio_resid == 0 || took)
			goto out;
		if (nbio) {
			error = EWOULDBLOCK;
			goto out;
		}
		if ((error = so_sbwait(so, sb)) != 0)
			goto out;
	}

	if (pr->pr_flags & PR_ATOMIC) {
		struct sbrec *r = sb->sb_head;
		size_t n = r->r_len < uio->uio_resid ? r->r_len : uio->uio_resid;

		if (from != NULL && r->r_addr != NULL)
			memcpy(from, r->r_addr, r->r_addr->sa_len);
		if ((error = uiomove(r->r_data + r->r_off, n, uio)) != 0)
			goto out;
		if (n < r->r_len)
			outflags |= MSG_TRUNC;
		outflags |= r->r_flags & MSG_EOR;
		if (!peek) {
			if (ctlp != NULL && r->r_ctl != NULL) {
				*ctlp = r->r_ctl;
				r->r_ctl = NULL;
			}
			sb_free_head(k, sb);
			took = true;
		}
	} else {
		struct sbrec *r;
		size_t skip = 0, offset = 0;

		for (r = sb->sb_head; r != NULL && uio->uio_resid > 0;) {
			size_t n;

			so->so_state &= ~SS_RCVATMARK;

			if (r->r_ctl != NULL) {
				/* control rides on the first byte of its record: stop before it
				 * unless it is where we start */
				if (uio->uio_resid != orig || took) {
					atctl = true;
					break;
				}
				if (!peek) {
					if (ctlp != NULL) {
						*ctlp = r->r_ctl;
						r->r_ctl = NULL;
					} else {
						net_defer_ctl(k, r->r_ctl);
						r->r_ctl = NULL;
					}
				}
				took = true;
			}
			n = r->r_len - skip;
			if (n > uio->uio_resid)
				n = uio->uio_resid;
			/* a read stops at the urgent mark (NetBSD's soreceive) */
			if (so->so_oobmark != 0 && n > so->so_oobmark - offset)
				n = so->so_oobmark - offset;
			if ((error = uiomove(r->r_data + r->r_off + skip, n, uio)) != 0)
				goto out;
			if (so->so_oobmark != 0) {
				if (peek)
					offset += n;
				else if ((so->so_oobmark -= n) == 0)
					so->so_state |= SS_RCVATMARK;
				if (peek ? offset == so->so_oobmark : so->so_oobmark == 0) {
					atmark = true;
					if (peek)
						break;
				}
			}
			if (peek) {
				skip += n;
				if (skip == r->r_len) {
					r = r->r_next;
					skip = 0;
				}
				continue;
			}
			r->r_off += n;
			r->r_len -= n;
			sb->sb_cc -= n;
			sb->sb_mbcnt -= n;
			if (n > 0)
				took = true;
			if (r->r_len == 0) {
				sb_free_head(k, sb);
				r = sb->sb_head;
			}
			if (atmark)
				break;
		}
		/* a zero-length record that carried only control is consumed too */
		if (!peek && sb->sb_head != NULL && sb->sb_head->r_len == 0 &&
		    sb->sb_head->r_ctl == NULL)
			sb_free_head(k, sb);
	}
	if (took && (pr->pr_flags & PR_WANTRCVD) && so->so_pcb != NULL &&
	    pr->pr_usrreqs->pr_rcvd != NULL)
		(void)pr->pr_usrreqs->pr_rcvd(so, flags);
	if (!(pr->pr_flags & PR_ATOMIC) && (flags & MSG_WAITALL) && !peek &&
	    uio->uio_resid > 0 && !(so->so_state & SS_CANTRCVMORE) && so->so_error == 0 &&
	    !atctl && !atmark && !nbio) {
		/* keep what we got (orig stays: errors after this point are not returned
		 * over the data) and wait for more */
		took = false;
		goto restart;
	}
out:
	net_unlock(k);
	/* a partial read counts even if the wait for more failed */
	if (error == EWOULDBLOCK || error == ENXIO) {
		if (uio->uio_resid < orig)
			error = 0;
	}
	*flagsp = outflags;
	return error;
}

/* ---------------------------------------------------------------- fileops */

static int
soo_read(struct file *fp, nb_off_t *off, struct uio *uio, int flags)
{
	int mflags = (fp->f_flag & FNONBLOCK) ? MSG_NBIO : 0;

	(void)off;
	(void)flags;
	return so_receive(fp->f_data, NULL, uio, NULL, &mflags, curlwp());
}

static int
soo_write(struct file *fp, nb_off_t *off, struct uio *uio, int flags)
{
	(void)off;
	(void)flags;
	return so_send(fp->f_data, NULL, uio, NULL, (fp->f_flag & FNONBLOCK) ? MSG_NBIO : 0,
	    curlwp());
}

#define IOCGROUP(x)	(((x) >> IOCGROUP_SHIFT) & 0xff)
#ifndef SIOCATMARK
#define SIOCATMARK	1074033415UL
#endif

/* The owner (NetBSD's fsetown/fgetown): TIOC[SG]PGRP count in process groups. */
#ifndef SIOCSPGRP
#define SIOCSPGRP	2147775240UL
#define SIOCGPGRP	1074033417UL
#endif
#ifndef TIOCSPGRP
#define TIOCSPGRP	2147775606UL
#define TIOCGPGRP	1074033783UL
#endif

static int
soo_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct socket *so = fp->f_data;
	struct kern *k = so->so_kern;
	struct net_state *ns = net_state(k);
	int error = 0, id;

	if (cmd == FIOSETOWN || cmd == SIOCSPGRP || cmd == TIOCSPGRP) {
		id = *(int *)data;
		if (cmd == TIOCSPGRP) {
			if (id < 0)
				return EINVAL;
			id = -id;
		}
		if ((error = kern_owner_check(k, id)) != 0)	/* before the net lock */
			return error;
		net_lock(k);
		so->so_pgid = id;
		net_unlock(k);
		return 0;
	}
	net_lock(k);
	switch (cmd) {
	case FIOGETOWN:
	case SIOCGPGRP:
		*(int *)data = so->so_pgid;
		break;
	case TIOCGPGRP:
		*(int *)data = -so->so_pgid;
		break;
	case FIONBIO:
	case FIOASYNC:
		break;		/* sys_ioctl set the file flag */
	case FIONREAD:
		*(int *)data = (int)so->so_rcv.sb_cc;
		break;
	case FIONWRITE:
		*(int *)data = (int)so->so_snd.sb_cc;
		break;
	case FIONSPACE:
		*(int *)data = (int)sb_space(&so->so_snd);
		break;
	case SIOCATMARK:
		*(int *)data = (so->so_state & SS_RCVATMARK) != 0;
		break;
	default:
		if (IOCGROUP(cmd) == 'i')
			error = ns->ns_ifioctl ? ns->ns_ifioctl(so, cmd, data, curlwp()) : EOPNOTSUPP;
		else if (IOCGROUP(cmd) == 'r')
			error = ns->ns_rtioctl ? ns->ns_rtioctl(so, cmd, data, curlwp()) : EOPNOTSUPP;
		else if (so->so_proto->pr_usrreqs->pr_ioctl != NULL)
			error = so->so_proto->pr_usrreqs->pr_ioctl(so, cmd, data, curlwp());
		else
			error = EOPNOTSUPP;
	}
	net_unlock(k);
	return error;
}

static bool
so_readable(struct socket *so)
{
	return so->so_rcv.sb_cc >= so->so_rcv.sb_lowat ||
	    (so->so_rcv.sb_head != NULL && (so->so_proto->pr_flags & PR_ATOMIC)) ||
	    (so->so_rcv.sb_head != NULL && so->so_rcv.sb_head->r_ctl != NULL) ||
	    (so->so_state & SS_CANTRCVMORE) || so->so_qlen > 0 || so->so_error != 0;
}

static bool
so_writable(struct socket *so)
{
	return (sb_space(&so->so_snd) >= so->so_snd.sb_lowat &&
	    ((so->so_state & SS_ISCONNECTED) || !(so->so_proto->pr_flags & PR_CONNREQUIRED))) ||
	    (so->so_state & SS_CANTSENDMORE) || so->so_error != 0;
}

static int
soo_poll(struct file *fp, int events)
{
	struct socket *so = fp->f_data;
	int rev = 0;

	net_lock(so->so_kern);
	if ((events & (POLLIN | POLLRDNORM)) && so_readable(so))
		rev |= events & (POLLIN | POLLRDNORM);
	if ((events & (POLLOUT | POLLWRNORM)) && so_writable(so))
		rev |= events & (POLLOUT | POLLWRNORM);
	if ((events & (POLLPRI | POLLRDBAND)) &&
	    (so->so_oobmark != 0 || (so->so_state & SS_RCVATMARK)))
		rev |= events & (POLLPRI | POLLRDBAND);
	/* kqueue asks with POLLHUP alone (poll and select add POLLERR): EV_EOF as NetBSD's
	 * filt_soread/filt_sowrite, at the end of the receive or of the send side.  poll()
	 * itself never sees POLLHUP on a socket, as in NetBSD. */
	if ((events & POLLHUP) && !(events & POLLERR) &&
	    (((events & POLLIN) && (so->so_state & SS_CANTRCVMORE)) ||
	     ((events & POLLOUT) && (so->so_state & SS_CANTSENDMORE))))
		rev |= POLLHUP;
	net_unlock(so->so_kern);
	return rev;
}

static int
soo_stat(struct file *fp, struct nb_stat *st)
{
	struct socket *so = fp->f_data;

	net_lock(so->so_kern);
	st->st_mode = S_IFSOCK | S_IRUSR | S_IWUSR;
	st->st_blksize = (int32_t)so->so_snd.sb_hiwat;
	st->st_size = (nb_off_t)so->so_rcv.sb_cc;
	st->st_uid = so->so_cred->cr_euid;
	st->st_gid = so->so_cred->cr_egid;
	net_unlock(so->so_kern);
	return 0;
}

static int
soo_close(struct file *fp)
{
	struct socket *so = fp->f_data;

	fp->f_data = NULL;
	return so != NULL ? so_close(so) : 0;
}

/* A descriptor of a socket that can carry rights closed while something else holds the
 * file (maybe only its own buffers, or a cycle's): collect cycles (unp_gc.c). */
static void
soo_fdclose(struct file *fp, struct proc *p)
{
	struct socket *so = fp->f_data;

	(void)p;
	if (so != NULL && (so->so_proto->pr_flags & PR_RIGHTS) && atomic_load(&fp->f_count) > 1)
		net_unp_gc(fp->f_kern, fp);
}

/* The pending error kqueue reports with EV_EOF (NetBSD: kn_fflags = so_error). */
static int
soo_eoferror(struct file *fp)
{
	struct socket *so = fp->f_data;
	int e;

	net_lock(so->so_kern);
	e = so->so_error;
	net_unlock(so->so_kern);
	return e;
}

const struct fileops socketops = {
	.fo_read = soo_read,
	.fo_write = soo_write,
	.fo_ioctl = soo_ioctl,
	.fo_poll = soo_poll,
	.fo_stat = soo_stat,
	.fo_close = soo_close,
	.fo_fdclose = soo_fdclose,
	.fo_eoferror = soo_eoferror,
};

int
fd_getsock(struct lwp *l, int fd, struct socket **sop, struct file **fpp)
{
	struct file *fp;
	int error;

	if ((error = fd_getfile(l, fd, &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_SOCKET || fp->f_ops != &socketops) {
		fd_putfile(fp);
		return ENOTSOCK;
	}
	*sop = fp->f_data;
	*fpp = fp;
	return 0;
}

/* ---------------------------------------------------------------- the component */

static int
net_init(struct kern *k)
{
	struct net_state *ns = kmem_zalloc(k, sizeof(*ns));

	if (ns == NULL)
		return ENOMEM;
	if (br_init(&ns->ns_lock, k) != 0) {
		kmem_free(k, ns, sizeof(*ns));
		return ENOMEM;
	}
	ns->ns_sb_max = 256 * 1024;
	ns->ns_sbbytes_max = k->k_mem_limit / 2;	/* 0: no limit */
	ns->ns_somaxconn = SOMAXCONN;
	kern_priv_set(k, COMP_NET, ns);
	return 0;
}

static void
net_fini(struct kern *k)
{
	struct net_state *ns = net_state(k);

	net_gc(k);
	/* Sockets left now are bugs of a protocol; free them so the kernel does not leak. */
	net_lock(k);
	while (ns->ns_socks != NULL) {
		struct socket *so = ns->ns_socks;
		so_dropqueues(so);
		so_destroy(so);
	}
	net_unlock(k);
	br_destroy(&ns->ns_lock);
	kern_priv_set(k, COMP_NET, NULL);
	kmem_free(k, ns, sizeof(*ns));
}

/* At destroy, process 1 exits after every other process and before any component's fini:
 * collect the sockets kept alive only by descriptors in flight now, while the components
 * they hold on to (a vnode of vfs for a bound AF_UNIX socket) still exist, whatever the
 * order of the components' fini. */
static void
net_proc_exit(struct proc *p)
{
	struct kern *k = p->p_kern;

	if (p == k->k_proc1 && atomic_load(&k->k_halted))
		net_gc(k);
}

/* kern.sbmax: the largest socket buffer (NetBSD's sb_max, 256 KiB, at least 16 KiB). */
static int
net_sbmax_fn(struct sysctl_req *r)
{
	struct kern *k = r->l->l_kern;
	int v, error;

	net_lock(k);
	v = (int)net_state(k)->ns_sb_max;
	net_unlock(k);
	if ((error = sysctl_int(r, &v, true, 16 * 1024, 0x7fffffff)) != 0 || r->newp == NULL)
		return error;
	net_lock(k);
	net_state(k)->ns_sb_max = (size_t)v;
	net_unlock(k);
	return 0;
}

/*
 * kern.somaxconn: the cap on listen()'s backlog (NetBSD's somaxconn, SOMAXCONN = 128 by
 * default; a negative value is EINVAL).  NetBSD creates the node by name (CTL_CREATE; the
 * 7.99.34 rump kernel has none); ours has the fixed number KERN_SOMAXCONN, found by name
 * through CTL_QUERY.  The upper bound keeps sonewconn's 3 * qlimit / 2 within an int.
 */
#define KERN_SOMAXCONN	1024
static int
net_somaxconn_fn(struct sysctl_req *r)
{
	struct kern *k = r->l->l_kern;
	int v, error;

	net_lock(k);
	v = net_state(k)->ns_somaxconn;
	net_unlock(k);
	if ((error = sysctl_int(r, &v, true, 0, 1 << 24)) != 0 || r->newp == NULL)
		return error;
	net_lock(k);
	net_state(k)->ns_somaxconn = v;
	net_unlock(k);
	return 0;
}

static const struct sysctl_attach net_sysctl_nodes[] = {
	{ { CTL_KERN }, 1, { "sbmax", KERN_SBMAX, CTLTYPE_INT, CTLFLAG_READWRITE, net_sbmax_fn,
	    NULL, sizeof(int) } },
	{ { CTL_KERN }, 1, { "somaxconn", KERN_SOMAXCONN, CTLTYPE_INT, CTLFLAG_READWRITE,
	    net_somaxconn_fn, NULL, sizeof(int) } },
	{ { 0 }, 0, { NULL, 0, 0, 0, NULL, NULL, 0 } },
};

static const struct kern_component net_component = {
	.name = "net", .id = COMP_NET, .deps = { NULL },
	.init = net_init, .fini = net_fini, .proc_exit = net_proc_exit,
	.sysctl_nodes = net_sysctl_nodes,
};
KERN_COMPONENT(net_component);
