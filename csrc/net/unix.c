/*
 * unix.c: the AF_UNIX (AF_LOCAL) domain, component "net.local": stream, datagram and
 * seqpacket sockets, socketpair, descriptor passing.
 *
 * Invariants:
 *   - unp_conn is the peer.  For stream and seqpacket sockets the link is mutual; a
 *     datagram socket connected to a target is on the target's unp_refs list, so closing
 *     the target can disconnect it (with ECONNRESET as NetBSD's unp_drop).
 *   - Flow control of connected sockets: data goes straight into the peer's receive
 *     buffer; the sender's so_snd counts mirror it (sb_cc, sb_mbcnt), so the generic send
 *     path blocks on the sender's own buffer.  pr_rcvd refreshes the mirror and wakes the
 *     sender when the reader took data.
 *   - Names.  A bound socket has unp_addr (the sockaddr as given, sa_len = its length).
 *     When the kernel has the vfs component and it provides the three functions below,
 *     names are socket nodes in the kernel's file system: bind creates one (EADDRINUSE if
 *     the path exists), connect looks it up (ENOENT, ENOTSOCK, EACCES, ECONNREFUSED when
 *     no socket is bound to the node), and a closed socket detaches from its node (the
 *     node stays until unlink, as in NetBSD).  Without them, names live in a per-kernel
 *     table and disappear when the socket closes.
 */
#include "net/net.h"

/*
 * The VFS hook, implemented by csrc/vfs (weak here, so net.local builds and runs without
 * it).  All are called with the net lock held and a vCPU of the kernel; they must not
 * sleep.
 *   vfs_unp_bind(l, path, mode, so, &node): create a VSOCK node at path (relative paths
 *     from l's cwd) with mode & ~umask, remember so in it, return a held node.
 *   vfs_unp_lookup(l, path, &so): the socket bound to the node at path (write access
 *     needed): ENOENT, ENOTSOCK (not a socket node), EACCES, ECONNREFUSED (no socket).
 *   vfs_unp_unbind(k, node): the socket closed: forget it and drop the node reference.
 */
int  vfs_unp_bind(struct lwp *l, const char *path, nb_mode_t mode, struct socket *so,
    void **nodep) __attribute__((weak)) KERN_HIDDEN;
int  vfs_unp_lookup(struct lwp *l, const char *path, struct socket **sop)
    __attribute__((weak)) KERN_HIDDEN;
void vfs_unp_unbind(struct kern *k, void *node) __attribute__((weak)) KERN_HIDDEN;

#define UNP_PATHMAX	104		/* sun_path */
#define UNP_ADDRMAX	(2 + UNP_PATHMAX)	/* sizeof(struct sockaddr_un) */

/* NetBSD's defaults: net.local.{stream,dgram,seqpacket}.{send,recv}space */
#define UNPST_SENDSPACE	4096
#define UNPST_RECVSPACE	4096
#define UNPDG_SENDSPACE	2048		/* the largest datagram */
#define UNPDG_RECVSPACE	16384

struct unp_name {
	struct unp_name *n_next;
	struct unpcb *n_unp;
	size_t n_size;
	char n_path[];
};

struct unp_vbind;
struct unix_state {
	struct unp_name *us_names;
	struct unp_vbind *us_vbinds;	/* unix_vfs.c's bindings of vnodes to sockets */
};

struct unp_vbind **unix_vbinds(struct kern *k) KERN_HIDDEN;
struct unp_vbind **
unix_vbinds(struct kern *k)
{
	return &((struct unix_state *)kern_priv(k, COMP_NET_LOCAL))->us_vbinds;
}

struct unpcb {
	struct socket *unp_socket;
	struct unpcb *unp_conn;
	struct unpcb *unp_refs, *unp_nextref;
	struct nb_sockaddr *unp_addr;	/* bound or inherited name, kmem, sa_len bytes */
	void *unp_node;			/* vfs node, when bound in the file system */
	struct unp_name *unp_name;	/* in-kernel name, when bound without vfs */
};

/* The name of an unbound socket, as NetBSD's sun_noname: a whole sockaddr_un (sun_len
 * 106) with an empty path.  NetBSD has no abstract names: a reader sees sun_path[0] == 0
 * and nothing else, not a 14-byte abstract name as the 16-byte sockaddr made it. */
static const struct {
	uint8_t sun_len, sun_family;
	char sun_path[UNP_PATHMAX];
} unp_noname_un = { UNP_ADDRMAX, AF_LOCAL, { 0 } };
#define unp_noname	(*(const struct nb_sockaddr *)(const void *)&unp_noname_un)

static inline struct unpcb *sotounpcb(struct socket *so) { return so->so_pcb; }

static bool
unp_use_vfs(struct kern *k)
{
	return kern_has(k, COMP_VFS) && vfs_unp_bind != NULL && vfs_unp_lookup != NULL &&
	    vfs_unp_unbind != NULL;
}

/* Extracts the path of a sockaddr_un (not necessarily NUL-terminated). */
static int
unp_path(const struct nb_sockaddr *nam, char *path)
{
	/* the path runs past sa_data[14] into the caller's storage (sa_len bytes): read it
	 * through a byte pointer, not as an out-of-bounds index of sa_data */
	const char *data = (const char *)nam + offsetof(struct nb_sockaddr, sa_data);
	size_t n, i;

	if (nam->sa_family != AF_LOCAL)
		return EAFNOSUPPORT;
	if (nam->sa_len > UNP_ADDRMAX || nam->sa_len < 2)
		return EINVAL;
	n = (size_t)nam->sa_len - 2;
	for (i = 0; i < n && data[i] != '\0'; i++)
		path[i] = data[i];
	path[i] = '\0';
	return i == 0 ? ENOENT : 0;
}

static struct unp_name *
unp_name_find(struct kern *k, const char *path)
{
	struct unix_state *us = kern_priv(k, COMP_NET_LOCAL);
	struct unp_name *n;

	for (n = us->us_names; n != NULL; n = n->n_next)
		if (strcmp(n->n_path, path) == 0)
			return n;
	return NULL;
}

static void
unp_name_remove(struct kern *k, struct unp_name *name)
{
	struct unix_state *us = kern_priv(k, COMP_NET_LOCAL);
	struct unp_name **pp;

	for (pp = &us->us_names; *pp != NULL; pp = &(*pp)->n_next) {
		if (*pp == name) {
			*pp = name->n_next;
			break;
		}
	}
	kmem_free(k, name, name->n_size);
}

static struct nb_sockaddr *
unp_addr_dup(struct kern *k, const struct nb_sockaddr *sa)
{
	struct nb_sockaddr *c = kmem_alloc(k, sa->sa_len);

	if (c != NULL)
		memcpy(c, sa, sa->sa_len);
	return c;
}

static void
unp_fill(struct nb_sockaddr_storage *nam, const struct nb_sockaddr *sa)
{
	memcpy(nam, sa != NULL ? sa : &unp_noname, sa != NULL ? sa->sa_len : unp_noname.sa_len);
}

/* ---------------------------------------------------------------- attach, detach */

static int
unp_attach(struct socket *so, int proto)
{
	struct kern *k = so->so_kern;
	struct unpcb *unp;
	int error;

	(void)proto;
	if (so->so_type == SOCK_DGRAM) {
		if ((error = sb_reserve(k, &so->so_snd, UNPDG_SENDSPACE)) != 0 ||
		    (error = sb_reserve(k, &so->so_rcv, UNPDG_RECVSPACE)) != 0)
			return error;
	} else {
		if ((error = sb_reserve(k, &so->so_snd, UNPST_SENDSPACE)) != 0 ||
		    (error = sb_reserve(k, &so->so_rcv, UNPST_RECVSPACE)) != 0)
			return error;
	}
	if ((unp = kmem_zalloc(k, sizeof(*unp))) == NULL)
		return ENOMEM;
	unp->unp_socket = so;
	so->so_pcb = unp;
	return 0;
}

/* Breaks the link from unp to its peer (and, for streams, back). */
static void
unp_disconnect(struct unpcb *unp)
{
	struct unpcb *unp2 = unp->unp_conn, **pp;
	struct socket *so = unp->unp_socket;

	if (unp2 == NULL)
		return;
	unp->unp_conn = NULL;
	if (so->so_type == SOCK_DGRAM) {
		for (pp = &unp2->unp_refs; *pp != NULL; pp = &(*pp)->unp_nextref) {
			if (*pp == unp) {
				*pp = unp->unp_nextref;
				break;
			}
		}
		unp->unp_nextref = NULL;
		so->so_state &= ~SS_ISCONNECTED;
		return;
	}
	unp2->unp_conn = NULL;
	/* the peer reads what is buffered, then EOF; its writes get EPIPE */
	unp2->unp_socket->so_snd.sb_cc = 0;
	unp2->unp_socket->so_snd.sb_mbcnt = 0;
	so->so_snd.sb_cc = 0;
	so->so_snd.sb_mbcnt = 0;
	so_isdisconnected(so);
	so_isdisconnected(unp2->unp_socket);
}

static void
unp_detach(struct socket *so)
{
	struct unpcb *unp = sotounpcb(so), *ref;
	struct kern *k = so->so_kern;

	if (unp == NULL)
		return;
	if (unp->unp_node != NULL)
		vfs_unp_unbind(k, unp->unp_node);
	if (unp->unp_name != NULL)
		unp_name_remove(k, unp->unp_name);
	unp_disconnect(unp);
	while ((ref = unp->unp_refs) != NULL) {
		unp_disconnect(ref);
		so_seterror(ref->unp_socket, ECONNRESET);
	}
	if (unp->unp_addr != NULL)
		kmem_free(k, unp->unp_addr, unp->unp_addr->sa_len);
	kmem_free(k, unp, sizeof(*unp));
	so->so_pcb = NULL;
}

/* ---------------------------------------------------------------- names */

static int
unp_bind(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so);
	struct kern *k = so->so_kern;
	char path[UNP_PATHMAX + 1];
	struct unp_name *n;
	size_t plen;
	int error;

	if ((error = unp_path(nam, path)) != 0)
		return error;
	if (unp->unp_addr != NULL || unp->unp_node != NULL || unp->unp_name != NULL)
		return EINVAL;
	if ((unp->unp_addr = unp_addr_dup(k, nam)) == NULL)
		return ENOMEM;
	if (unp_use_vfs(k)) {
		error = vfs_unp_bind(l, path, 0777 & ~l->l_proc->p_umask, so, &unp->unp_node);
	} else if (unp_name_find(k, path) != NULL) {
		error = EADDRINUSE;
	} else {
		plen = strlen(path) + 1;
		if ((n = kmem_alloc(k, sizeof(*n) + plen)) == NULL)
			error = ENOMEM;
		else {
			struct unix_state *us = kern_priv(k, COMP_NET_LOCAL);
			n->n_unp = unp;
			n->n_size = sizeof(*n) + plen;
			memcpy(n->n_path, path, plen);
			n->n_next = us->us_names;
			us->us_names = n;
			unp->unp_name = n;
		}
	}
	if (error != 0) {
		kmem_free(k, unp->unp_addr, unp->unp_addr->sa_len);
		unp->unp_addr = NULL;
		unp->unp_node = NULL;
	}
	return error;
}

/* Finds the socket bound to nam, of the same type as so. */
static int
unp_lookup(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l, struct socket **sop)
{
	char path[UNP_PATHMAX + 1];
	struct unp_name *n;
	int error;

	if ((error = unp_path(nam, path)) != 0)
		return error;
	if (unp_use_vfs(so->so_kern)) {
		if ((error = vfs_unp_lookup(l, path, sop)) != 0)
			return error;
	} else {
		if ((n = unp_name_find(so->so_kern, path)) == NULL)
			return ENOENT;
		*sop = n->n_unp->unp_socket;
	}
	if ((*sop)->so_type != so->so_type)
		return EPROTOTYPE;
	return 0;
}

static int
unp_sockaddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	unp_fill(nam, sotounpcb(so)->unp_addr);
	return 0;
}

static int
unp_peeraddr(struct socket *so, struct nb_sockaddr_storage *nam)
{
	struct unpcb *unp2 = sotounpcb(so)->unp_conn;

	unp_fill(nam, unp2 != NULL ? unp2->unp_addr : NULL);
	return 0;
}

/* ---------------------------------------------------------------- connections */

static int
unp_listen(struct socket *so, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so);

	(void)l;
	if (unp->unp_node == NULL && unp->unp_name == NULL)
		return EINVAL;
	return 0;
}

/* Links two sockets of a connection (stream/seqpacket both ways, dgram one way). */
static void
unp_link(struct unpcb *unp, struct unpcb *unp2)
{
	unp->unp_conn = unp2;
	if (unp->unp_socket->so_type == SOCK_DGRAM) {
		unp->unp_nextref = unp2->unp_refs;
		unp2->unp_refs = unp;
		so_isconnected(unp->unp_socket);
		return;
	}
	unp2->unp_conn = unp;
	so_isconnected(unp->unp_socket);
	so_isconnected(unp2->unp_socket);
}

static int
unp_connect(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so), *unp3;
	struct socket *so2, *so3;
	int error;

	if ((error = unp_lookup(so, nam, l, &so2)) != 0)
		return error;
	if (so->so_type == SOCK_DGRAM) {
		unp_link(unp, sotounpcb(so2));
		return 0;
	}
	if (!(so2->so_options & SO_ACCEPTCONN) || (so3 = so_newconn(so2, false)) == NULL)
		return ECONNREFUSED;
	unp3 = sotounpcb(so3);
	/* the accepted socket answers getsockname with the listener's name, and the
	 * client's getpeername with it too */
	if (sotounpcb(so2)->unp_addr != NULL)
		unp3->unp_addr = unp_addr_dup(so->so_kern, sotounpcb(so2)->unp_addr);
	unp_link(unp, unp3);
	return 0;
}

static int
unp_connect2(struct socket *so1, struct socket *so2)
{
	struct unpcb *unp1 = sotounpcb(so1), *unp2 = sotounpcb(so2);

	if (so1->so_type == SOCK_DGRAM) {
		unp_link(unp1, unp2);
		unp_link(unp2, unp1);
	} else
		unp_link(unp1, unp2);
	return 0;
}

static int
unp_accept(struct socket *so, struct nb_sockaddr_storage *nam)
{
	return unp_peeraddr(so, nam);
}

static int
unp_disconnect1(struct socket *so)
{
	struct unpcb *unp = sotounpcb(so);

	if (unp->unp_conn == NULL)
		return ENOTCONN;
	unp_disconnect(unp);
	return 0;
}

static int
unp_shutdown(struct socket *so)
{
	struct unpcb *unp2 = sotounpcb(so)->unp_conn;

	so_cantsendmore(so);
	if (so->so_type != SOCK_DGRAM && unp2 != NULL)
		so_cantrcvmore(unp2->unp_socket);
	return 0;
}

static int
unp_abort(struct socket *so)
{
	unp_disconnect(sotounpcb(so));
	return 0;
}

/* ---------------------------------------------------------------- data */

/* Refreshes the sender's mirror of the peer's receive buffer. */
static void
unp_mirror(struct socket *sender, struct socket *receiver)
{
	sender->so_snd.sb_cc = receiver->so_rcv.sb_cc;
	sender->so_snd.sb_mbcnt = receiver->so_rcv.sb_mbcnt;
}

static int
unp_send(struct socket *so, const void *data, size_t len, const struct nb_sockaddr *nam,
    struct sbctl *ctl, int flags, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so), *unp2;
	struct kern *k = so->so_kern;
	struct socket *so2;
	int error;

	if (so->so_type == SOCK_DGRAM) {
		if (nam != NULL) {
			if (unp->unp_conn != NULL) {
				error = EISCONN;
				goto drop;
			}
			if ((error = unp_lookup(so, nam, l, &so2)) != 0)
				goto drop;
		} else {
			if (unp->unp_conn == NULL) {
				error = ENOTCONN;
				goto drop;
			}
			so2 = unp->unp_conn->unp_socket;
		}
		if (so2->so_state & SS_CANTRCVMORE) {
			net_defer_ctl(k, ctl);
			return 0;	/* dropped, as a datagram may be */
		}
		error = sb_append_rec(k, &so2->so_rcv, unp->unp_addr ? unp->unp_addr : &unp_noname,
		    data, len, ctl, 0);
		if (error != 0)
			goto drop;
		so_rwakeup(so2);
		return 0;
	}
	/* stream, seqpacket */
	if ((unp2 = unp->unp_conn) == NULL) {
		error = ENOTCONN;
		goto drop;
	}
	so2 = unp2->unp_socket;
	if (so2->so_state & SS_CANTRCVMORE) {
		net_defer_ctl(k, ctl);
		return 0;	/* the reader shut its side: data is discarded */
	}
	if (so->so_type == SOCK_SEQPACKET || ctl != NULL)
		error = sb_append_force(k, &so2->so_rcv, data, len, ctl,
		    so->so_type == SOCK_SEQPACKET ? MSG_EOR : 0);
	else
		error = sb_append_stream(k, &so2->so_rcv, data, len);
	if (error != 0)
		goto drop;
	unp_mirror(so, so2);
	so_rwakeup(so2);
	(void)flags;
	return 0;
drop:
	net_defer_ctl(k, ctl);
	return error;
}

static int
unp_rcvd(struct socket *so, int flags)
{
	struct unpcb *unp2 = sotounpcb(so)->unp_conn;

	(void)flags;
	if (unp2 != NULL && so->so_type != SOCK_DGRAM) {
		unp_mirror(unp2->unp_socket, so);
		so_wwakeup(unp2->unp_socket);
	}
	return 0;
}

/* PR_MPSAFE (datagrams): where a send without an address goes.  Called with the net lock
 * shared, under which unp_conn does not change (connect and disconnect take it
 * exclusively). */
static struct socket *
unp_peer(struct socket *so)
{
	struct unpcb *unp = sotounpcb(so);

	return unp != NULL && unp->unp_conn != NULL ? unp->unp_conn->unp_socket : NULL;
}

/* ---------------------------------------------------------------- the domain */

static const struct pr_usrreqs unp_usrreqs = {
	.pr_attach = unp_attach,
	.pr_detach = unp_detach,
	.pr_accept = unp_accept,
	.pr_bind = unp_bind,
	.pr_listen = unp_listen,
	.pr_connect = unp_connect,
	.pr_connect2 = unp_connect2,
	.pr_disconnect = unp_disconnect1,
	.pr_shutdown = unp_shutdown,
	.pr_abort = unp_abort,
	.pr_sockaddr = unp_sockaddr,
	.pr_peeraddr = unp_peeraddr,
	.pr_rcvd = unp_rcvd,
	.pr_send = unp_send,
	.pr_peer = unp_peer,
};

static const struct domain unixdomain;
static const struct protosw unixsw[] = {
	{ .pr_type = SOCK_STREAM, .pr_domain = &unixdomain, .pr_protocol = 0,
	  .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_RIGHTS | PR_LISTEN,
	  .pr_usrreqs = &unp_usrreqs },
	{ .pr_type = SOCK_DGRAM, .pr_domain = &unixdomain, .pr_protocol = 0,
	  .pr_flags = PR_ATOMIC | PR_ADDR | PR_RIGHTS | PR_MPSAFE,
	  .pr_usrreqs = &unp_usrreqs },
	{ .pr_type = SOCK_SEQPACKET, .pr_domain = &unixdomain, .pr_protocol = 0,
	  .pr_flags = PR_ATOMIC | PR_CONNREQUIRED | PR_WANTRCVD | PR_RIGHTS | PR_LISTEN,
	  .pr_usrreqs = &unp_usrreqs },
};
static const struct domain unixdomain = {
	.dom_family = AF_LOCAL, .dom_name = "unix",
	.dom_protosw = unixsw, .dom_nprotosw = 3,
};

static int
unix_init(struct kern *k)
{
	struct unix_state *us = kmem_zalloc(k, sizeof(*us));
	int error;

	if (us == NULL)
		return ENOMEM;
	kern_priv_set(k, COMP_NET_LOCAL, us);
	if ((error = net_domain_add(k, &unixdomain)) != 0) {
		kern_priv_set(k, COMP_NET_LOCAL, NULL);
		kmem_free(k, us, sizeof(*us));
	}
	return error;
}

static void
unix_fini(struct kern *k)
{
	struct unix_state *us = kern_priv(k, COMP_NET_LOCAL);

	/* sockets kept alive only by descriptors in flight close now, names with them */
	net_gc(k);
	net_lock(k);
	while (us->us_names != NULL) {		/* only if a socket leaked */
		us->us_names->n_unp->unp_name = NULL;
		unp_name_remove(k, us->us_names);
	}
	net_unlock(k);
	kern_priv_set(k, COMP_NET_LOCAL, NULL);
	kmem_free(k, us, sizeof(*us));
}

static const struct kern_component unix_component = {
	.name = "net.local", .id = COMP_NET_LOCAL, .deps = { "net", NULL },
	.init = unix_init, .fini = unix_fini,
};
KERN_COMPONENT(unix_component);
