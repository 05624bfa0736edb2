/*
 * net.h: the socket layer and the protocol switch (component "net").
 *
 * docs/net.md explains how a protocol plugs in, with an example.  In short:
 *
 *   - A domain (struct domain) is a protocol family with a table of protosw entries.  A
 *     component registers its domain in a kernel from its init: net_domain_add(k, &dom).
 *     Domains and protosw tables are const; everything mutable is per kernel.
 *   - A socket (struct socket) is generic: state bits, two socket buffers, the listen
 *     queues, options.  The protocol keeps its own state in so->so_pcb.
 *   - The socket layer calls the protocol through pr_usrreqs (attach, bind, connect,
 *     send, rcvd ...) and pr_ctloutput (options of levels other than SOL_SOCKET).  The
 *     protocol calls back into the socket layer with sb_append*, so_isconnected,
 *     so_cantrcvmore, so_rwakeup ...
 *
 * Locking: one mutex per kernel, net_lock(k), guards every socket of that kernel (it is
 * free with one virtual CPU).  The socket layer holds it while it calls pr_usrreqs and
 * pr_ctloutput; protocols hold it when they call back (for input from a timer or from
 * another kernel: net_lock(k) ... net_unlock(k) with a vCPU of k held).  Sleeping
 * (so_sbwait) drops it.  Never release a file (file_release) with it held: closing a
 * file may need it; control messages carrying files are freed with sbctl_free() after
 * net_unlock().
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "kern/kern.h"
#include "kern/brlock.h"

/* ---------------------------------------------------------------- NetBSD ABI */

#define AF_UNSPEC	0
#define AF_LOCAL	1
#define AF_UNIX		AF_LOCAL
#define AF_INET		2
#define AF_LINK		18
#define AF_INET6	24
#define AF_ROUTE	34
#define AF_MAX		35

#define SOCK_STREAM	1
#define SOCK_DGRAM	2
#define SOCK_RAW	3
#define SOCK_RDM	4
#define SOCK_SEQPACKET	5
#define SOCK_CLOEXEC	0x10000000
#define SOCK_NONBLOCK	0x20000000
#define SOCK_NOSIGPIPE	0x40000000
#define SOCK_FLAGS_MASK	0xf0000000

#define SOL_SOCKET	0xffff
#define SOMAXCONN	128

#define SO_DEBUG	0x0001
#define SO_ACCEPTCONN	0x0002
#define SO_REUSEADDR	0x0004
#define SO_KEEPALIVE	0x0008
#define SO_DONTROUTE	0x0010
#define SO_BROADCAST	0x0020
#define SO_USELOOPBACK	0x0040
#define SO_LINGER	0x0080
#define SO_OOBINLINE	0x0100
#define SO_REUSEPORT	0x0200
#define SO_NOSIGPIPE	0x0800
#define SO_ACCEPTFILTER	0x1000
#define SO_TIMESTAMP	0x2000
#define SO_SNDBUF	0x1001
#define SO_RCVBUF	0x1002
#define SO_SNDLOWAT	0x1003
#define SO_RCVLOWAT	0x1004
#define SO_ERROR	0x1007
#define SO_TYPE		0x1008
#define SO_OVERFLOWED	0x1009
#define SO_NOHEADER	0x100a
#define SO_SNDTIMEO	0x100b
#define SO_OSNDTIMEO	0x1005		/* NetBSD 5's, with struct timeval50 */
#define SO_ORCVTIMEO	0x1006
#define SO_RCVTIMEO	0x100c

#define MSG_OOB		0x0001
#define MSG_PEEK	0x0002
#define MSG_DONTROUTE	0x0004
#define MSG_EOR		0x0008
#define MSG_TRUNC	0x0010
#define MSG_CTRUNC	0x0020
#define MSG_WAITALL	0x0040
#define MSG_DONTWAIT	0x0080
#define MSG_BCAST	0x0100
#define MSG_MCAST	0x0200
#define MSG_NOSIGNAL	0x0400
#define MSG_CMSG_CLOEXEC 0x0800
#define MSG_NBIO	0x1000
#define MSG_WAITFORONE	0x2000
#define MSG_USERFLAGS	0x0ffffff
#define PRUS_MORETOCOME	0x10000000	/* pr_send: the same send call has more data */

#define SCM_RIGHTS	0x01
#define SCM_TIMESTAMP	0x08
#define SCM_CREDS	0x10

#define SHUT_RD		0
#define SHUT_WR		1
#define SHUT_RDWR	2

typedef uint32_t nb_socklen_t;
typedef uint8_t nb_sa_family_t;

struct nb_sockaddr {
	uint8_t sa_len;
	nb_sa_family_t sa_family;
	char sa_data[14];
};
/* The largest address any protocol uses (NetBSD's sockaddr_storage). */
struct nb_sockaddr_storage {
	uint8_t ss_len;
	nb_sa_family_t ss_family;
	char ss_pad[126];
};
#define NB_SOCK_MAXADDRLEN	255	/* longest sockaddr the syscalls accept */

struct nb_msghdr {
	void *msg_name;
	nb_socklen_t msg_namelen;
	struct nb_iovec *msg_iov;
	int msg_iovlen;
	void *msg_control;
	nb_socklen_t msg_controllen;
	int msg_flags;
};
struct nb_cmsghdr {
	nb_socklen_t cmsg_len;		/* header + data, unaligned */
	int cmsg_level;
	int cmsg_type;
	/* data at CMSG_DATA: offset 16 */
};
#define NB_CMSG_ALIGN(n)	(((n) + 7) & ~(size_t)7)
#define NB_CMSG_HDRSZ		NB_CMSG_ALIGN(sizeof(struct nb_cmsghdr))	/* 16 */
#define NB_CMSG_LEN(n)		(NB_CMSG_HDRSZ + (n))
#define NB_CMSG_SPACE(n)	(NB_CMSG_HDRSZ + NB_CMSG_ALIGN(n))

struct nb_linger {
	int l_onoff;
	int l_linger;
};
struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
};

/* ---------------------------------------------------------------- control messages */

/*
 * Control data travelling with a record: SCM_RIGHTS files (held references, in order)
 * and other control messages in NetBSD cmsg layout (protocol ones such as IP_RECVDSTADDR,
 * and on send whatever the user passed besides SCM_RIGHTS).  Files are only ever present
 * for domains that set PR_RIGHTS.  Free with sbctl_free() without net_lock held.
 */
struct sbctl {
	struct sbctl *sc_next;		/* net_state's deferred list */
	struct file **sc_files;
	int sc_nfiles;
	void *sc_raw;			/* cmsgs, NetBSD layout, sc_rawlen bytes */
	size_t sc_rawlen;
};
void sbctl_free(struct kern *k, struct sbctl *ctl) KERN_HIDDEN;
/* Adds one cmsg (level, type, data) to ctl's raw part (for protocols: IP_RECVDSTADDR...). */
int  sbctl_add(struct kern *k, struct sbctl **ctlp, int level, int type, const void *data,
    size_t len) KERN_HIDDEN;

/* ---------------------------------------------------------------- socket buffers */

/*
 * A socket buffer is a list of records.  A stream protocol appends bytes (sb_append_stream
 * may fill the tail record); an atomic one appends whole records with an optional sender
 * address and control data (sb_append_rec).  sb_cc counts data bytes, sb_mbcnt data plus
 * a fixed overhead per record (so floods of empty datagrams are bounded too).
 * sb_space() = what may still be appended before hiwat.
 */
struct sbrec {
	struct sbrec *r_next;
	size_t r_len;			/* valid bytes in r_data after r_off */
	size_t r_off;			/* consumed bytes at the front */
	size_t r_cap;			/* bytes allocated for r_data */
	struct nb_sockaddr *r_addr;	/* sender (datagrams), kmem, sa_len bytes */
	struct sbctl *r_ctl;		/* control data, or NULL */
	int r_flags;			/* MSG_EOR ... */
	uint8_t r_data[];
};
#define SBREC_OVERHEAD	64

struct sockbuf {
	struct sbrec *sb_head, *sb_tail;
	size_t sb_cc;			/* data bytes */
	size_t sb_mbcnt;		/* data + per-record overhead */
	size_t sb_hiwat, sb_lowat;
	size_t sb_mbmax;		/* limit of sb_mbcnt: 2 * hiwat */
	uint64_t sb_timeo;		/* SO_*TIMEO in ns, 0: none */
	unsigned sb_nrec;
	int sb_overflowed;		/* datagrams dropped for lack of space */
	int sb_flags;			/* SB_AUTOSIZE */
	kcondvar_t sb_cv;
};
#define SB_AUTOSIZE	0x0800		/* NetBSD's: the protocol may grow sb_hiwat (TCP's
					 * auto-sizing); SO_SNDBUF/SO_RCVBUF clear it */

static inline size_t
sb_space(const struct sockbuf *sb)
{
	size_t a = sb->sb_cc < sb->sb_hiwat ? sb->sb_hiwat - sb->sb_cc : 0;
	size_t b = sb->sb_mbcnt < sb->sb_mbmax ? sb->sb_mbmax - sb->sb_mbcnt : 0;

	return a < b ? a : b;
}

/* Stream data: returns ENOMEM (nothing appended) when the kernel is out of memory.
 * The caller checked sb_space. */
int  sb_append_stream(struct kern *k, struct sockbuf *sb, const void *data, size_t len) KERN_HIDDEN;
/* The same from uio (user or kernel): EFAULT or ENOBUFS with nothing appended (uio may
 * have advanced). */
struct uio;
int  sb_append_stream_uio(struct kern *k, struct sockbuf *sb, struct uio *uio, size_t len)
    KERN_HIDDEN;
/* One record with optional sender address and control (ownership of ctl passes to the
 * buffer on success).  ENOBUFS if it does not fit (counted in sb_overflowed), ENOMEM. */
int  sb_append_rec(struct kern *k, struct sockbuf *sb, const struct nb_sockaddr *from,
    const void *data, size_t len, struct sbctl *ctl, int flags) KERN_HIDDEN;
/* A record without the space check, for protocols that do their own flow control
 * (AF_UNIX stream data carrying control, seqpacket records).  ENOMEM. */
int  sb_append_force(struct kern *k, struct sockbuf *sb, const void *data, size_t len,
    struct sbctl *ctl, int flags) KERN_HIDDEN;
/* Copies len bytes at byte offset off of a stream buffer (TCP retransmission). */
void sb_copy(const struct sockbuf *sb, size_t off, size_t len, void *dst) KERN_HIDDEN;
/* Drops len bytes from the front of a stream buffer (TCP: data acknowledged). */
void sb_drop(struct kern *k, struct sockbuf *sb, size_t len) KERN_HIDDEN;
/* Sets hiwat (SO_SNDBUF/SO_RCVBUF): ENOBUFS above the kernel's sb_max. */
int  sb_reserve(struct kern *k, struct sockbuf *sb, size_t hiwat) KERN_HIDDEN;
/* Auto-sizing grows hiwat to a larger size: as sb_reserve, and ENOBUFS when the kernel's
 * bound of buffer memory (a memory limit) has no room left for the growth. */
int  sb_autogrow(struct kern *k, struct sockbuf *sb, size_t hiwat) KERN_HIDDEN;

/* ---------------------------------------------------------------- sockets */

/* so_state */
#define SS_NOFDREF		0x001	/* no file refers to it (being closed, or queued) */
#define SS_ISCONNECTED		0x002
#define SS_ISCONNECTING		0x004
#define SS_ISDISCONNECTING	0x008
#define SS_CANTSENDMORE		0x010
#define SS_CANTRCVMORE		0x020
#define SS_RCVATMARK		0x040
#define SS_ISDISCONNECTED	0x800
#define SS_ISAPIPE		0x1000	/* socketpair */

struct protosw;

struct socket {
	struct kern *so_kern;
	short so_type;			/* SOCK_* */
	int so_options;			/* SO_* flags */
	int so_linger;			/* seconds */
	unsigned so_state;		/* SS_* */
	int so_error;			/* pending error, returned once */
	const struct protosw *so_proto;
	void *so_pcb;			/* protocol state */
	struct cred *so_cred;		/* creator's, held */
	/* listen queues: so_q0 half-open, so_q complete; both linked by so_qnext */
	struct socket *so_head;		/* the listening socket we are queued on */
	struct socket *so_q0, *so_q;
	struct socket *so_qnext;
	int so_q0len, so_qlen, so_qlimit;
	bool so_onq0;
	struct sockbuf so_rcv, so_snd;
	kcondvar_t so_cv;		/* connection state changes (connect, accept) */
	struct socket *so_next, *so_prev;	/* net_state's list of all sockets */
	uint8_t so_gcflag;		/* unp_gc.c: in flight (during a pass, net lock) */
	uint8_t so_sigurgpend;		/* SIGURG due to so_pgid at net_unlock, the queue
					 * (ns_sigurg) being full */
	size_t so_oobmark;		/* bytes of so_rcv before the urgent mark (0: none,
					 * or at it: SS_RCVATMARK) */
	int so_pgid;			/* owner (F_SETOWN): pid > 0, -pgid < 0, 0: none */
};

/* ---------------------------------------------------------------- protocol switch */

/* pr_flags */
#define PR_ATOMIC	0x01	/* records, never split (datagram, seqpacket) */
#define PR_ADDR		0x02	/* records carry the sender's address */
#define PR_CONNREQUIRED	0x04	/* send/recv need a connection */
#define PR_WANTRCVD	0x08	/* call pr_rcvd after the user took data */
#define PR_RIGHTS	0x10	/* passes SCM_RIGHTS */
#define PR_LISTEN	0x20	/* supports listen/accept */
#define PR_MPSAFE	0x40	/* with several vCPUs, a send without address or control on a
				 * connected socket and a receive of a record without control
				 * run with the net lock shared (docs/locking.md): pr_send
				 * then touches only so and pr_peer(so), under their stripes;
				 * or, when the protocol has pr_send_shared, a send without
				 * control goes there */

/* pr_ctloutput ops */
#define PRCO_GETOPT	0
#define PRCO_SETOPT	1

/* A socket option being set or got.  For SETOPT, so_data/so_size are the user's value
 * (copied in); for GETOPT the protocol stores the answer with sockopt_set(). */
struct sockopt {
	int sopt_level;
	int sopt_name;
	void *sopt_data;
	size_t sopt_size;
	uint8_t sopt_buf[256];		/* sopt_data points here (struct tcp_info: 236) */
};
int sockopt_get(const struct sockopt *sopt, void *buf, size_t len) KERN_HIDDEN;	/* EINVAL if size differs */
int sockopt_getint(const struct sockopt *sopt, int *val) KERN_HIDDEN;
int sockopt_set(struct sockopt *sopt, const void *buf, size_t len) KERN_HIDDEN;	/* len <= 128 */
int sockopt_setint(struct sockopt *sopt, int val) KERN_HIDDEN;

/*
 * The user requests, called with net_lock held.  Return 0 or a NetBSD errno.  NULL entries
 * answer EOPNOTSUPP (pr_attach and pr_detach are required).
 *   attach(so, proto)     a new socket (also from so_newconn): allocate so_pcb, set the
 *                         buffer sizes with sb_reserve.
 *   detach(so)            free so_pcb; the socket layer frees the socket after.
 *   bind(so, nam, l)      nam is a kernel copy, nam->sa_len = the caller's namelen.
 *   listen(so, l)         after the socket layer checked the state; so_qlimit is set.
 *   connect(so, nam, l)   start (so_isconnecting) or complete (so_isconnected).
 *   connect2(so1, so2)    socketpair.
 *   disconnect(so), shutdown(so) (the write side: call so_cantsendmore), abort(so).
 *   accept(so, nam)       store the peer address of a new connection in *nam.
 *   ioctl(so, cmd, data)  protocol ioctls (data is kernel memory, copied per IOC_*).
 *   sockaddr(so, nam), peeraddr(so, nam): fill a nb_sockaddr_storage.
 *   rcvd(so, flags)       the user took data from so_rcv (PR_WANTRCVD).
 *   send(so, data, len, nam, ctl, flags, l): data is a kernel buffer (the caller owns
 *                         it); nam is NULL or a destination; ctl (may be NULL) passes to
 *                         the protocol, which frees it (sbctl_free after net_unlock; use
 *                         net_defer_ctl) or attaches it to a record.  For stream
 *                         sockets the caller only passes len <= sb_space(&so->so_snd).
 */
struct pr_usrreqs {
	int  (*pr_attach)(struct socket *so, int proto);
	void (*pr_detach)(struct socket *so);
	int  (*pr_accept)(struct socket *so, struct nb_sockaddr_storage *nam);
	int  (*pr_bind)(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l);
	int  (*pr_listen)(struct socket *so, struct lwp *l);
	int  (*pr_connect)(struct socket *so, const struct nb_sockaddr *nam, struct lwp *l);
	int  (*pr_connect2)(struct socket *so1, struct socket *so2);
	int  (*pr_disconnect)(struct socket *so);
	int  (*pr_shutdown)(struct socket *so);
	int  (*pr_abort)(struct socket *so);
	int  (*pr_ioctl)(struct socket *so, unsigned long cmd, void *data, struct lwp *l);
	int  (*pr_sockaddr)(struct socket *so, struct nb_sockaddr_storage *nam);
	int  (*pr_peeraddr)(struct socket *so, struct nb_sockaddr_storage *nam);
	int  (*pr_rcvd)(struct socket *so, int flags);
	int  (*pr_send)(struct socket *so, const void *data, size_t len,
	    const struct nb_sockaddr *nam, struct sbctl *ctl, int flags, struct lwp *l);
	/* MSG_OOB (NULL: EOPNOTSUPP).  sendoob queues data as urgent (the urgent pointer
	 * after it); recvoob stores the out-of-band byte in *c (peek: keep it). */
	int  (*pr_sendoob)(struct socket *so, const void *data, size_t len, struct lwp *l);
	int  (*pr_recvoob)(struct socket *so, uint8_t *c, int peek);
	/* PR_MPSAFE: the socket a send on connected so puts its data in (NULL: none), read
	 * with the net lock shared, so connections do not change under it */
	struct socket *(*pr_peer)(struct socket *so);
	/* PR_MPSAFE, instead of pr_peer: the send of len = uio_resid bytes (at most
	 * SO_SEND_CHUNK, no control, no MSG_OOB) to nam (may be NULL) with the net lock
	 * shared in reader slot slot; buf has room for the data.  Returns -1 when it cannot
	 * be done that way (nothing done, uio untouched: the exclusive path follows), else
	 * 0 or the errno of the send. */
	int  (*pr_send_shared)(struct socket *so, const struct nb_sockaddr *nam,
	    struct uio *uio, void *buf, int slot);
	/* A stream protocol's send of len bytes of uio (no address, no control, no
	 * MSG_OOB; the caller checked sb_space), copied straight into so_snd (no staging
	 * buffer: one copy less per byte).  0, or an errno with nothing queued (uio_resid
	 * is then the caller's to restore).  NULL: pr_send. */
	int  (*pr_send_uio)(struct socket *so, struct uio *uio, size_t len, int flags,
	    struct lwp *l);
};

struct domain;
struct protosw {
	int pr_type;			/* SOCK_* */
	const struct domain *pr_domain;
	int pr_protocol;		/* IPPROTO_*, 0 for the domain's default */
	int pr_flags;			/* PR_* */
	int (*pr_ctloutput)(int op, struct socket *so, struct sockopt *sopt);
	const struct pr_usrreqs *pr_usrreqs;
};

struct domain {
	int dom_family;			/* AF_* */
	const char *dom_name;
	const struct protosw *dom_protosw;
	int dom_nprotosw;
};

/* ---------------------------------------------------------------- per-kernel state */

#define NET_MAXDOMAINS	8
#define NET_MAXSIGQ	32	/* owners with a SIGURG to post at net_unlock */
struct net_state {
	struct brlock ns_lock;		/* the net lock (net_lock), a big reader lock */
	const struct domain *ns_domains[NET_MAXDOMAINS];
	int ns_ndomains;
	struct socket *ns_socks;	/* every socket of the kernel */
	int ns_nsocks;
	size_t ns_sb_max;		/* largest SO_SNDBUF/SO_RCVBUF */
	int ns_somaxconn;
	bool ns_gc_busy, ns_gc_again;	/* unp_gc.c: a collection runs, run another pass */
	size_t ns_sbbytes_max;		/* bound of the record memory of all buffers... */
	_Atomic size_t ns_sbbytes;	/* ... counted when there is one (atomic: PR_MPSAFE) */
	_Atomic uint64_t ns_sbdrops;	/* appends refused for the bound */
	uint64_t ns_gc_collected;	/* passes that found garbage */
	/* Interface ioctls (IOC group 'i': SIOC*IF*...) on any socket go here; net.net sets
	 * it at init.  NULL: EOPNOTSUPP. */
	int (*ns_ifioctl)(struct socket *so, unsigned long cmd, void *data, struct lwp *l);
	/* Route ioctls (group 'r'), likewise. */
	int (*ns_rtioctl)(struct socket *so, unsigned long cmd, void *data, struct lwp *l);
	/* Control messages freed when the lock is released (net_unlock). */
	struct sbctl *ns_deferred;
	/* Owners to send SIGURG when the lock is released (so_hasoutofband), distinct;
	 * past NET_MAXSIGQ, the sockets are flagged (so_sigurgpend) and counted here, and
	 * net_unlock collects their owners from ns_socks, NET_MAXSIGQ at a time. */
	int ns_sigurg[NET_MAXSIGQ];
	int ns_nsigurg;
	int ns_nsigurgpend;
};

static inline struct net_state *net_state(struct kern *k) { return kern_priv(k, COMP_NET); }
void net_lock(struct kern *k) KERN_HIDDEN;
void net_unlock(struct kern *k) KERN_HIDDEN;	/* also frees deferred control data */
/* Frees ctl at the next net_unlock (for code that runs with the lock held). */
void net_defer_ctl(struct kern *k, struct sbctl *ctl) KERN_HIDDEN;

/* Registers a domain in kernel k (from a component's init).  EEXIST if the family is
 * there already, ENOSPC if the table is full. */
int  net_domain_add(struct kern *k, const struct domain *dom) KERN_HIDDEN;
const struct domain *net_domain_find(struct kern *k, int family) KERN_HIDDEN;
/* Frees in-flight control data (SCM_RIGHTS files sitting in socket buffers) until no
 * socket is kept alive only by it.  Component fini functions of domains call it first;
 * it needs no lock held. */
void net_gc(struct kern *k) KERN_HIDDEN;
/* Collects descriptor-passing cycles (unp_gc.c); excl: a file whose reference the
 * caller is about to drop (not counted as a root), or NULL.  Needs no lock held. */
void net_unp_gc(struct kern *k, struct file *excl) KERN_HIDDEN;

/* ---------------------------------------------------------------- socket layer calls */

/* Creates a socket (no file): EAFNOSUPPORT, EPROTONOSUPPORT, EPROTOTYPE as socreate(). */
int  so_create(struct lwp *l, int family, int type, int proto, struct socket **sop) KERN_HIDDEN;
/* Closes a socket that has no file (the file's close calls it too). */
int  so_close(struct socket *so) KERN_HIDDEN;
/* The generic send and receive (sosend/soreceive), called without the net lock.
 * so_send: data from uio, destination nam (NULL: the connected peer), control ctl (owned:
 * handed to pr_send or freed); flags are MSG_* plus MSG_NBIO for a non-blocking file.
 * so_receive: from (may be NULL) gets a record's sender address (ss_len 0 if none), *ctlp
 * (may be NULL: control is dropped) its control, owned by the caller; *flagsp is MSG_*
 * in (PEEK, WAITALL, DONTWAIT, NBIO) and MSG_TRUNC/MSG_EOR out. */
int  so_send(struct socket *so, const struct nb_sockaddr *nam, struct uio *uio,
    struct sbctl *ctl, int flags, struct lwp *l) KERN_HIDDEN;
int  so_receive(struct socket *so, struct nb_sockaddr_storage *from, struct uio *uio,
    struct sbctl **ctlp, int *flagsp, struct lwp *l) KERN_HIDDEN;
/* For protocols: a new connection on listening socket head.  Returns the new socket
 * (queued on so_q0, or on so_q if connected is true) or NULL when the queue is full or
 * memory is short. */
struct socket *so_newconn(struct socket *head, bool connected) KERN_HIDDEN;
/* A connection that failed before completion: frees its socket from the listener's
 * incomplete queue (so_pcb already NULL); a no-op for any other socket. */
void so_drop_incomplete(struct socket *so) KERN_HIDDEN;
void so_isconnecting(struct socket *so) KERN_HIDDEN;
void so_isconnected(struct socket *so) KERN_HIDDEN;	/* moves q0 -> q on the head */
void so_isdisconnecting(struct socket *so) KERN_HIDDEN;
void so_isdisconnected(struct socket *so) KERN_HIDDEN;
void so_cantsendmore(struct socket *so) KERN_HIDDEN;
void so_cantrcvmore(struct socket *so) KERN_HIDDEN;
void so_rflush(struct socket *so) KERN_HIDDEN;		/* shutdown(SHUT_RD) */
void so_seterror(struct socket *so, int error) KERN_HIDDEN;	/* and wake everyone */
void so_rwakeup(struct socket *so) KERN_HIDDEN;	/* data arrived in so_rcv */
/* Urgent data arrived (NetBSD's sohasoutofband): SIGURG to the owner when the net lock
 * is released, and POLLPRI readers woken. */
void so_hasoutofband(struct socket *so) KERN_HIDDEN;
void so_wwakeup(struct socket *so) KERN_HIDDEN;	/* space appeared in so_snd */
/* Sleeps on a buffer's condvar until woken or its timeout: 0, EWOULDBLOCK, ENXIO. */
int  so_sbwait(struct socket *so, struct sockbuf *sb) KERN_HIDDEN;

/* Socket file glue */
extern const struct fileops socketops KERN_HIDDEN;
/* Returns the socket of descriptor fd with a file reference: EBADF, ENOTSOCK. */
int  fd_getsock(struct lwp *l, int fd, struct socket **sop, struct file **fpp) KERN_HIDDEN;

#endif
