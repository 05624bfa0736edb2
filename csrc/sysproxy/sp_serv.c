/*
 * sp_serv.c: a sysproxy server for rumpus kernels.  NetBSD's librumpclient connects,
 * reads our banner, makes a HANDSHAKE_GUEST request naming itself, then sends SYSCALL
 * requests (the syscall number in the header, the argument block, 8-byte slots, as the
 * body).  Each connection is one process of the kernel (an rfork with a fresh descriptor
 * table) and one host thread whose bound lwp runs the requests one at a time.  While a
 * syscall runs, the kernel's copies (kern/copy.c, p_rcopy) become COPYIN/COPYINSTR
 * requests (the client answers with the bytes) and COPYOUT/COPYOUTSTR requests (no
 * answer); the syscall's answer carries error and retval[2].
 *
 * A remote copy keeps the virtual CPU, as a local one does: its caller may be inside a
 * kmutex section (VFS copies under the vnode lock), and giving the vCPU away there would
 * let other threads into that section with one vCPU, or deadlock with several (threads
 * spinning on the host mutex hold every vCPU the copier needs back).  So a client stalls
 * its kernel while it answers a copy; SP_COPY_TIMEOUT bounds that, then the connection
 * closes and the copy fails with EFAULT.
 *
 * Bad input never crashes the server: a frame shorter than its header or longer than
 * SP_MAXBODY, or an answer that does not match the copy in progress, closes the
 * connection (the client's process exits and its descriptors close); an unknown request
 * type gets an ERROR (malformed) answer.  Not done (XXX): fork (PREFORK and
 * HANDSHAKE_FORK/AUTH get an error), signals (RAISE), ANONMMAP, and a second syscall of
 * the same client while one is running: it is answered "try again", which
 * librumpclient retries, so a thread blocked in the kernel blocks its siblings.
 */
#include "kern/kern.h"
#include "hyper/sp.h"
#include "sysproxy/sp_wire.h"
#include "rump/rumpus.h"
#include "rump/rumpus_sp.h"

/* NetBSD's lwproc calls (kern/proc.c) */
int  rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

/* How long a client may keep a copy waiting (no progress), in ms.  The copy holds the
 * virtual CPU (see sp_rc_in), so this bounds how long one client can stall its kernel. */
#define SP_COPY_TIMEOUT	5000
#define SP_MAXBODY	4096		/* requests: syscall arguments, a program name */
#define SP_MAXARGS	(SP_MAXBODY / sizeof(register_t))

struct sp_listener {
	struct kern *k;
	int fd;
};

struct sp_conn {
	struct kern_rcopy rc;		/* first: the hook points here */
	struct kern *k;
	int fd;
	int tmo;			/* the wait limit of reads/writes now: -1 or SP_COPY_TIMEOUT */
	bool dead;			/* the stream is out of step: close after this request */
	uint64_t nextreq;		/* our requests' numbers */
	register_t args[SP_MAXARGS];
};

static int
sp_send(struct sp_conn *c, uint64_t reqno, int class, int type, uint32_t arg,
    const void *b1, size_t n1, const void *b2, size_t n2)
{
	struct sp_hdr h;
	int error;

	h.len = SP_HDRSZ + n1 + n2;
	h.reqno = reqno;
	h.class = (uint16_t)class;
	h.type = (uint16_t)type;
	h.arg = arg;
	if ((error = hyp_sp_write(c->fd, &h, sizeof(h), c->tmo)) == 0 && n1 > 0)
		error = hyp_sp_write(c->fd, b1, n1, c->tmo);
	if (error == 0 && n2 > 0)
		error = hyp_sp_write(c->fd, b2, n2, c->tmo);
	if (error != 0)
		c->dead = true;
	return error;
}

/* Reads and drops n bytes of a body we do not want. */
static int
sp_skip(struct sp_conn *c, uint64_t n)
{
	char buf[256];
	int error = 0;

	while (n > 0 && error == 0) {
		size_t m = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		error = hyp_sp_read(c->fd, buf, m, c->tmo);
		n -= m;
	}
	return error;
}

/* A frame's header, checked: 0, or an errno after which the connection is closed. */
static int
sp_readhdr(struct sp_conn *c, struct sp_hdr *h)
{
	int error;

	if ((error = hyp_sp_read(c->fd, h, sizeof(*h), c->tmo)) != 0)
		return error;
	if (h->len < SP_HDRSZ)
		return EPROTO;
	return 0;
}

/* ---------------------------------------------------------------- remote copies */

/* Waits for the answer to our request reqno.  Requests from other client threads
 * meanwhile get "try again".  0 with *lenp the body's length (body left unread). */
static int
sp_wait_answer(struct sp_conn *c, uint64_t reqno, uint64_t *lenp)
{
	struct sp_hdr h;
	int error;

	for (;;) {
		if ((error = sp_readhdr(c, &h)) != 0)
			return error;
		if (h.class == SP_REQ) {
			if (h.len - SP_HDRSZ > SP_MAXBODY)
				return EPROTO;
			if ((error = sp_skip(c, h.len - SP_HDRSZ)) != 0)
				return error;
			if ((error = sp_send(c, h.reqno, SP_ERROR, 0, SPERR_TRYAGAIN,
			    NULL, 0, NULL, 0)) != 0)
				return error;
			continue;
		}
		if (h.reqno != reqno || h.class != SP_RESP || h.type != SP_COPYIN)
			return EPROTO;
		*lenp = h.len - SP_HDRSZ;
		return 0;
	}
}

static int
sp_rc_in(struct kern_rcopy *rc, const void *uaddr, void *kaddr, size_t len, bool str,
    size_t *done)
{
	struct sp_conn *c = (struct sp_conn *)rc;
	struct sp_copydata cd;
	uint64_t reqno, n = 0;
	int error;

	if (c->dead)
		return EFAULT;
	cd.len = len;
	cd.addr = (uint64_t)(uintptr_t)uaddr;
	reqno = c->nextreq++;
	c->tmo = SP_COPY_TIMEOUT;
	error = sp_send(c, reqno, SP_REQ, str ? SP_COPYINSTR : SP_COPYIN, 0, &cd, sizeof(cd),
	    NULL, 0);
	if (error == 0)
		error = sp_wait_answer(c, reqno, &n);
	/* a copy answers exactly len bytes; a string up to and including its first NUL, or
	 * len bytes without one */
	if (error == 0 && (str ? (n == 0 || n > len) : n != len))
		error = EPROTO;
	if (error == 0)
		error = hyp_sp_read(c->fd, kaddr, (size_t)n, c->tmo);
	if (error == 0 && str && (n < len || memchr(kaddr, '\0', (size_t)n) != NULL) &&
	    strnlen(kaddr, (size_t)n) + 1 != n)
		error = EPROTO;			/* a NUL inside, or a short answer without */
	c->tmo = -1;
	if (error != 0) {
		c->dead = true;
		return EFAULT;
	}
	if (str) {
		if (((char *)kaddr)[n - 1] != '\0')
			return ENAMETOOLONG;	/* no NUL within len */
		if (done != NULL)
			*done = (size_t)n;
	}
	return 0;
}

static int
sp_rc_out(struct kern_rcopy *rc, void *uaddr, const void *kaddr, size_t len, bool str)
{
	struct sp_conn *c = (struct sp_conn *)rc;
	struct sp_copydata cd;
	int error;

	if (c->dead)
		return EFAULT;
	cd.len = len;
	cd.addr = (uint64_t)(uintptr_t)uaddr;
	c->tmo = SP_COPY_TIMEOUT;
	error = sp_send(c, c->nextreq++, SP_REQ, str ? SP_COPYOUTSTR : SP_COPYOUT, 0,
	    &cd, sizeof(cd), kaddr, len);
	c->tmo = -1;
	return error != 0 ? EFAULT : 0;
}

/* ---------------------------------------------------------------- requests */

static int
sp_syscall(struct sp_conn *c, const struct sp_hdr *h)
{
	uint64_t n = h->len - SP_HDRSZ;
	struct sp_sysresp r;
	register_t rv[2] = { 0, 0 };
	int error;

	memset(c->args, 0, sizeof(c->args));
	if ((error = hyp_sp_read(c->fd, c->args, (size_t)n, -1)) != 0)
		return error;
	error = kern_syscall(h->arg, c->args, rv);
	if (c->dead)
		return EPROTO;
	memset(&r, 0, sizeof(r));
	r.error = error;
	r.retval[0] = rv[0];
	r.retval[1] = rv[1];
	return sp_send(c, h->reqno, SP_RESP, SP_SYSCALL, 0, &r, sizeof(r), NULL, 0);
}

static int
sp_handshake(struct sp_conn *c, const struct sp_hdr *h, bool *joined)
{
	uint64_t n = h->len - SP_HDRSZ;
	int32_t answer;
	int error;

	if ((error = sp_skip(c, n)) != 0)	/* the program name: not kept (XXX) */
		return error;
	switch (h->arg) {
	case SP_HS_GUEST:
		if (*joined)
			return sp_send(c, h->reqno, SP_ERROR, 0, SPERR_MALFORMED, NULL, 0, NULL, 0);
		rumpus_kernel_switch((struct rumpus_kernel *)c->k);
		answer = rump_pub_lwproc_rfork(RUMP_RFCFDG);
		if (answer == 0) {
			kern_tls.bound->l_proc->p_rcopy = &c->rc;
			*joined = true;
		}
		return sp_send(c, h->reqno, SP_RESP, SP_HANDSHAKE, 0, &answer, sizeof(answer),
		    NULL, 0);
	case SP_HS_EXEC:
		/* the same process goes on under a new program name */
		if (!*joined)
			return sp_send(c, h->reqno, SP_ERROR, 0, SPERR_MALFORMED, NULL, 0, NULL, 0);
		answer = 0;
		return sp_send(c, h->reqno, SP_RESP, SP_HANDSHAKE, 0, &answer, sizeof(answer),
		    NULL, 0);
	default:
		/* fork is not supported: HANDSHAKE_FORK/AUTH name a PREFORK we never made */
		return sp_send(c, h->reqno, SP_ERROR, 0, SPERR_INVALID_PREFORK, NULL, 0, NULL, 0);
	}
}

static void *
sp_conn_main(void *arg)
{
	struct sp_conn *c = arg;
	static const char banner[] = "RUMPSP-0.1-rumpus-Linux/x86_64-1.0\n";
	struct sp_hdr h;
	bool joined = false;
	int error;

	error = hyp_sp_write(c->fd, banner, sizeof(banner) - 1, -1);
	while (error == 0 && !c->dead) {
		if ((error = sp_readhdr(c, &h)) != 0)
			break;
		if (h.len - SP_HDRSZ > SP_MAXBODY || h.class != SP_REQ) {
			/* cannot resynchronise: say so and close */
			(void)sp_send(c, h.reqno, SP_ERROR, 0, SPERR_MALFORMED, NULL, 0, NULL, 0);
			break;
		}
		if (h.type == SP_HANDSHAKE)
			error = sp_handshake(c, &h, &joined);
		else if (!joined) {
			(void)sp_send(c, h.reqno, SP_ERROR, 0, SPERR_MALFORMED, NULL, 0, NULL, 0);
			break;
		} else if (h.type == SP_SYSCALL)
			error = sp_syscall(c, &h);
		else if ((error = sp_skip(c, h.len - SP_HDRSZ)) == 0)
			error = sp_send(c, h.reqno, SP_ERROR, 0, h.type == SP_PREFORK ?
			    SPERR_RFORK_FAILED : SPERR_MALFORMED, NULL, 0, NULL, 0);
	}
	if (joined)
		rump_pub_lwproc_releaselwp();	/* last lwp: the process exits */
	rumpus_kernel_switch(NULL);
	hyp_sp_close(c->fd);
	hyp_free(c, sizeof(*c));
	return NULL;
}

static void *
sp_accept_main(void *arg)
{
	struct sp_listener *sl = arg;
	struct sp_conn *c;
	int fd;

	for (;;) {
		if (hyp_sp_accept(sl->fd, &fd) != 0)
			break;
		if ((c = hyp_zalloc(sizeof(*c))) == NULL) {
			hyp_sp_close(fd);
			continue;
		}
		c->rc.rc_in = sp_rc_in;
		c->rc.rc_out = sp_rc_out;
		c->k = sl->k;
		c->fd = fd;
		c->nextreq = 1;
		c->tmo = -1;
		if (hyp_sp_spawn(sp_conn_main, c) != 0) {
			hyp_sp_close(fd);
			hyp_free(c, sizeof(*c));
		}
	}
	hyp_sp_close(sl->fd);
	hyp_free(sl, sizeof(*sl));
	return NULL;
}

int rumpus_sp_listen(struct rumpus_kernel *k, const char *url) KERN_EXPORT;
int
rumpus_sp_listen(struct rumpus_kernel *k, const char *url)
{
	struct sp_listener *sl;
	int error;

	if (k == NULL || url == NULL)
		return EINVAL;
	if ((sl = hyp_zalloc(sizeof(*sl))) == NULL)
		return ENOMEM;
	sl->k = (struct kern *)k;
	if ((error = hyp_sp_listen(url, &sl->fd)) != 0) {
		hyp_free(sl, sizeof(*sl));
		return error;
	}
	if ((error = hyp_sp_spawn(sp_accept_main, sl)) != 0) {
		hyp_sp_close(sl->fd);
		hyp_free(sl, sizeof(*sl));
	}
	return error;
}
