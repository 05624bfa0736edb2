/*
 * sp_serv.c: a sysproxy server for rumpus kernels.  NetBSD's librumpclient connects,
 * reads our banner, makes a HANDSHAKE_GUEST request naming itself, then sends SYSCALL
 * requests (the syscall number in the header, the argument block, 8-byte slots, as the
 * body).  Each connection is one process of the kernel (an rfork with a fresh descriptor
 * table).  While a syscall runs, the kernel's copies (kern/copy.c, p_rcopy) become
 * COPYIN/COPYINSTR requests (the client answers with the bytes) and COPYOUT/COPYOUTSTR
 * requests (no answer); the syscall's answer carries error and retval[2].
 *
 * Concurrency.  librumpclient multiplexes its threads' requests on one connection (each
 * has its own request number; whichever client thread is receiving answers the server's
 * copy requests).  So a connection is served by a small set of host threads of ours,
 * leader/follower style: one of them at a time holds the reader role and reads frames;
 * when it reads a SYSCALL it lets go of the role and runs the syscall itself, on an lwp
 * of its own in the client's process, then answers it and takes the role back if it is
 * still free.  Only when a call is about to wait (for a copy's answer, or a sleep in the
 * kernel: rc_block), or starts while a copy is pending, is another thread woken (an idle
 * one of the set, or a new one, up to SP_MAXTHREADS; beyond that a request is answered
 * "try again", which librumpclient resends) to take the role: so a call that does not
 * wait costs no thread switch.  Answers to our copy requests are read by whoever holds
 * the reader role and handed to the waiting thread by request number.  So one client
 * thread may block in the kernel (a read on an empty pipe) while its siblings' calls
 * complete.  At most SP_MAXIDLE idle threads stay per connection.
 *
 * A remote copy keeps the virtual CPU, as a local one does: its caller may be inside a
 * kmutex section (VFS copies under the vnode lock), and giving the vCPU away there would
 * let other threads into that section with one vCPU, or deadlock with several (threads
 * spinning on the host mutex hold every vCPU the copier needs back).  So a client stalls
 * its kernel while it answers a copy; SP_COPY_TIMEOUT bounds that, then the connection
 * closes and the copy fails with EFAULT.
 *
 * fork and exec, as NetBSD's protocol does them.  PREFORK (before the host fork) makes a
 * child process with a copy of the caller's descriptor table and answers a random 16-byte
 * cookie; the forked client connects anew and makes a HANDSHAKE_FORK request with the
 * cookie (and a cancel flag): its connection becomes that process.  A prefork outlives
 * its parent's connection for SP_PF_LINGER ms (the parent may exit right after fork), then
 * a reaper thread of the listener releases it (librumpclient has no fork cancel: a client
 * whose host fork failed never comes back for it).  HANDSHAKE_EXEC on a running connection (a program that execs keeps the
 * connection's descriptor, librumpclient's rumpclient_exec): the process's other calls
 * are interrupted (kern_proc_interrupt: their sleeps return EINTR, their copies fail, their
 * answers are dropped), the descriptors marked close-on-exec close, and the process goes
 * on for the new program.
 *
 * Signals.  Under the RAISE signal model (the default) a signal the kernel posts to a
 * client's process (SIGPIPE for a write on a broken pipe) goes to the client as a RAISE
 * request (kern/sig.c, rc_raise); it is never raised in the server.  ANONMMAP (the server
 * asking the client for anonymous memory) is part of the protocol, but our kernel has no
 * call that maps user memory, so it never sends one; an unasked answer closes the
 * connection like any other.
 *
 * A client that goes away (or breaks the protocol) is released whole: its process is
 * interrupted, every copy waiting for it fails, each of its threads leaves when its call
 * returns, and the last one releases the process (its descriptors close).
 *
 * Bad input never crashes the server: a frame shorter than its header or longer than
 * SP_MAXBODY, or an answer that does not match a copy in progress, closes the connection
 * (the client's process exits and its descriptors close); an unknown request type gets an
 * ERROR (malformed) answer.
 */
#include "kern/kern.h"
#include "hyper/sp.h"
#include "sysproxy/sp_wire.h"
#include "rump/rumpus.h"
#include "rump/rumpus_sp.h"

/* NetBSD's lwproc calls (kern/proc.c) */
int  rump_pub_lwproc_rfork(int flags);
int  rump_pub_lwproc_newlwp(nb_pid_t pid);
void rump_pub_lwproc_switch(struct lwp *l);
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

/* How long a client may keep a copy (or a write of ours) waiting with no progress, in
 * ms.  A copy holds the virtual CPU (see above), so this bounds how long one client can
 * stall its kernel. */
#define SP_COPY_TIMEOUT	5000
#define SP_MAXBODY	4096		/* requests: syscall arguments, a program name */
#define SP_MAXARGS	(SP_MAXBODY / sizeof(register_t))
#define SP_MAXTHREADS	64		/* threads serving one connection */
#define SP_MAXIDLE	4		/* idle ones kept */
#define SP_PF_PERCONN	16		/* preforks one connection may have outstanding */
#define SP_PF_MAX	256		/* and a listener in all */
#define SP_PF_LINGER	10000		/* ms a prefork waits for its child once its parent left */
#define SP_COOKIE	16		/* AUTHLEN (4) 32-bit words */

struct sp_prefork {
	struct sp_prefork *next;
	uint8_t cookie[SP_COOKIE];
	struct lwp *lwp;		/* the child process's only lwp, bound to nobody */
	struct sp_conn *owner;		/* the parent's connection, NULL once it left */
	uint64_t expires;		/* hyp_clock_mono() deadline once owner is NULL */
};

struct sp_listener {
	struct kern *k;
	int fd;
	hyp_mutex_t mtx;		/* guards the preforks and refs */
	struct sp_prefork *preforks;
	int npreforks;
	int refs;			/* the accept thread, every connection, the reaper */
	bool reaping;			/* a reaper thread waits for orphaned preforks */
	hyp_cond_t reapcv;
};

/* A copy-in waiting for its answer (on the stack of the thread that asked). */
struct sp_copy {
	struct sp_copy *next;
	uint64_t reqno;
	void *buf;
	size_t len;
	bool str;
	int state;			/* SPC_* */
	int error;
};
enum { SPC_PENDING, SPC_FILLING, SPC_DONE };

struct sp_conn {
	struct kern_rcopy rc;		/* first: the hook points here */
	struct kern *k;
	struct sp_listener *sl;
	int fd;
	hyp_mutex_t smtx;		/* one frame at a time on the way out */
	hyp_mutex_t mtx;		/* guards everything below */
	hyp_cond_t idlecv;		/* idle threads wait here for the reader role */
	hyp_cond_t cv;			/* copy waiters, exec's drain */
	int nthreads, nidle, nbusy;	/* serving threads; idle ones; running a request */
	bool reading;			/* a thread holds the reader role */
	bool kicked;			/* a thread was woken (or made) to take the role */
	bool dead;			/* out of step or gone: every thread leaves */
	bool joined;			/* handshake done: a process of the kernel */
	bool inexec;			/* an exec is draining the process */
	unsigned gen;			/* exec generation: older requests' answers are dropped */
	int npreforks;			/* outstanding preforks made here */
	struct lwp *mainlwp;		/* keeps the process alive; bound to nobody */
	struct proc *proc;
	nb_pid_t pid;
	uint64_t nextreq;		/* our requests' numbers */
	struct sp_copy *copies;
};

static void *sp_thread_main(void *arg);
static void sp_kick(struct sp_conn *c);
static bool sp_end(struct sp_conn *c, unsigned gen);

/* ---------------------------------------------------------------- connection state */

/* Marks c dead (mtx held): wakes everybody, ends the stream, interrupts the process. */
static void
sp_kill_locked(struct sp_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	hyp_sp_shutdown(c->fd);
	hyp_cond_broadcast(&c->idlecv);
	hyp_cond_broadcast(&c->cv);
	if (c->proc != NULL)
		kern_proc_interrupt(c->proc, true);
}

static void
sp_kill(struct sp_conn *c)
{
	hyp_mutex_lock(&c->mtx);
	sp_kill_locked(c);
	hyp_mutex_unlock(&c->mtx);
}

static uint64_t
sp_reqno(struct sp_conn *c)
{
	uint64_t r;

	hyp_mutex_lock(&c->mtx);
	r = c->nextreq++;
	hyp_mutex_unlock(&c->mtx);
	return r;
}

/* One frame, whole, under the send lock; an error kills the connection. */
static int
sp_send(struct sp_conn *c, uint64_t reqno, int class, int type, uint32_t arg,
    const void *b1, size_t n1, const void *b2, size_t n2)
{
	char small[256];
	struct sp_hdr h;
	int error;

	h.len = SP_HDRSZ + n1 + n2;
	h.reqno = reqno;
	h.class = (uint16_t)class;
	h.type = (uint16_t)type;
	h.arg = arg;
	hyp_mutex_lock(&c->smtx);
	if (SP_HDRSZ + n1 + n2 <= sizeof(small)) {
		/* one write: small frames (every answer) go out in one segment */
		memcpy(small, &h, SP_HDRSZ);
		if (n1 > 0)
			memcpy(small + SP_HDRSZ, b1, n1);
		if (n2 > 0)
			memcpy(small + SP_HDRSZ + n1, b2, n2);
		error = hyp_sp_write(c->fd, small, SP_HDRSZ + n1 + n2, SP_COPY_TIMEOUT);
	} else {
		error = hyp_sp_write(c->fd, &h, sizeof(h), SP_COPY_TIMEOUT);
		if (error == 0 && n1 > 0)
			error = hyp_sp_write(c->fd, b1, n1, SP_COPY_TIMEOUT);
		if (error == 0 && n2 > 0)
			error = hyp_sp_write(c->fd, b2, n2, SP_COPY_TIMEOUT);
	}
	hyp_mutex_unlock(&c->smtx);
	if (error != 0)
		sp_kill(c);
	return error;
}

static int
sp_senderr(struct sp_conn *c, uint64_t reqno, uint32_t err)
{
	return sp_send(c, reqno, SP_ERROR, 0, err, NULL, 0, NULL, 0);
}

/* Reads and drops n bytes of a body we do not want. */
static int
sp_skip(struct sp_conn *c, uint64_t n)
{
	char buf[256];
	int error = 0;

	while (n > 0 && error == 0) {
		size_t m = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		error = hyp_sp_read(c->fd, buf, m, SP_COPY_TIMEOUT);
		n -= m;
	}
	return error;
}

/* ---------------------------------------------------------------- remote copies */

/* A thread running a call is about to wait (for a copy's answer, a sleep in the
 * kernel): if nobody holds the reader role, wake an idle thread to take it, or make one
 * (mtx held).  Does not block. */
static void
sp_kick(struct sp_conn *c)
{
	if (c->reading || c->kicked || c->dead)
		return;
	if (c->nidle > 0) {
		c->kicked = true;
		hyp_cond_signal(&c->idlecv);
	} else if (c->nthreads < SP_MAXTHREADS) {
		c->nthreads++;
		c->kicked = true;
		if (hyp_sp_spawn(sp_thread_main, c) != 0) {
			c->nthreads--;
			c->kicked = false;	/* the caller's own return takes the role */
		}
	}
}

static void
sp_rc_block(struct kern_rcopy *rc)
{
	struct sp_conn *c = (struct sp_conn *)rc;

	hyp_mutex_lock(&c->mtx);
	sp_kick(c);
	hyp_mutex_unlock(&c->mtx);
}

static int
sp_rc_in(struct kern_rcopy *rc, const void *uaddr, void *kaddr, size_t len, bool str,
    size_t *done)
{
	struct sp_conn *c = (struct sp_conn *)rc;
	struct sp_copydata cd;
	struct sp_copy w, **wp;
	uint64_t deadline;
	int error;

	memset(&w, 0, sizeof(w));
	w.buf = kaddr;
	w.len = len;
	w.str = str;
	w.state = SPC_PENDING;
	hyp_mutex_lock(&c->mtx);
	if (c->dead || c->inexec) {
		hyp_mutex_unlock(&c->mtx);
		return EFAULT;
	}
	w.reqno = c->nextreq++;
	w.next = c->copies;
	c->copies = &w;
	sp_kick(c);			/* somebody must read the answer */
	hyp_mutex_unlock(&c->mtx);

	cd.len = len;
	cd.addr = (uint64_t)(uintptr_t)uaddr;
	(void)sp_send(c, w.reqno, SP_REQ, str ? SP_COPYINSTR : SP_COPYIN, 0, &cd, sizeof(cd),
	    NULL, 0);
	deadline = hyp_clock_mono() + (uint64_t)SP_COPY_TIMEOUT * 1000000u;
	hyp_mutex_lock(&c->mtx);
	/* a reader filling our buffer finishes (or fails) first: the buffer is ours */
	while (w.state != SPC_DONE && !((c->dead || c->inexec) && w.state == SPC_PENDING)) {
		if (w.state == SPC_FILLING)
			hyp_cond_wait(&c->cv, &c->mtx);	/* the reader's read is bounded */
		else if (hyp_cond_timedwait(&c->cv, &c->mtx, deadline) != 0 &&
		    w.state == SPC_PENDING && hyp_clock_mono() >= deadline)
			sp_kill_locked(c);		/* the client does not answer */
	}
	for (wp = &c->copies; *wp != NULL; wp = &(*wp)->next)
		if (*wp == &w) {
			*wp = w.next;
			break;
		}
	error = w.state == SPC_DONE ? w.error : EFAULT;
	hyp_mutex_unlock(&c->mtx);
	if (error != 0)
		return error;
	if (str && done != NULL)
		*done = w.len;			/* the answer's length, NUL included */
	return 0;
}

static int
sp_rc_out(struct kern_rcopy *rc, void *uaddr, const void *kaddr, size_t len, bool str)
{
	struct sp_conn *c = (struct sp_conn *)rc;
	struct sp_copydata cd;
	uint64_t reqno;

	hyp_mutex_lock(&c->mtx);
	if (c->dead || c->inexec) {
		hyp_mutex_unlock(&c->mtx);
		return EFAULT;
	}
	reqno = c->nextreq++;
	hyp_mutex_unlock(&c->mtx);
	cd.len = len;
	cd.addr = (uint64_t)(uintptr_t)uaddr;
	return sp_send(c, reqno, SP_REQ, str ? SP_COPYOUTSTR : SP_COPYOUT, 0, &cd, sizeof(cd),
	    kaddr, len) != 0 ? EFAULT : 0;
}

/* The RAISE signal model for the client's process: the client raises it (NetBSD's
 * number; librumpclient translates it to its host's). */
static void
sp_rc_raise(struct kern_rcopy *rc, int sig)
{
	struct sp_conn *c = (struct sp_conn *)rc;

	(void)sp_send(c, sp_reqno(c), SP_REQ, SP_RAISE, (uint32_t)sig, NULL, 0, NULL, 0);
}

/* The reader read the header of an answer: hand its body to the copy waiting for it.
 * 0, or an errno after which the connection is killed. */
static int
sp_answer(struct sp_conn *c, const struct sp_hdr *h)
{
	uint64_t n = h->len - SP_HDRSZ;
	struct sp_copy *w;
	int error = 0;

	if (h->class != SP_RESP || h->type != SP_COPYIN)
		return EPROTO;		/* ERROR frames, ANONMMAP answers: we asked for none */
	hyp_mutex_lock(&c->mtx);
	for (w = c->copies; w != NULL; w = w->next)
		if (w->reqno == h->reqno && w->state == SPC_PENDING)
			break;
	/* a copy answers exactly len bytes; a string up to and including its first NUL, or
	 * len bytes without one */
	if (w == NULL || (w->str ? (n == 0 || n > w->len) : n != w->len)) {
		hyp_mutex_unlock(&c->mtx);
		return EPROTO;
	}
	w->state = SPC_FILLING;
	hyp_mutex_unlock(&c->mtx);

	error = hyp_sp_read(c->fd, w->buf, (size_t)n, SP_COPY_TIMEOUT);
	if (error == 0 && w->str) {
		const char *s = w->buf;

		if ((n < w->len || memchr(s, '\0', (size_t)n) != NULL) &&
		    strnlen(s, (size_t)n) + 1 != n)
			error = EPROTO;		/* a NUL inside, or a short answer without */
	}
	hyp_mutex_lock(&c->mtx);
	if (error != 0) {
		w->error = EFAULT;
		sp_kill_locked(c);
	} else if (w->str && ((char *)w->buf)[n - 1] != '\0')
		w->error = ENAMETOOLONG;	/* no NUL within len */
	else {
		w->error = 0;
		w->len = (size_t)n;
	}
	w->state = SPC_DONE;
	hyp_cond_broadcast(&c->cv);
	hyp_mutex_unlock(&c->mtx);
	return error;
}

/* ---------------------------------------------------------------- fork */

/* Releases a prefork's process (this thread's own binding is kept). */
static void
sp_pf_release(struct sp_prefork *pf)
{
	struct lwp *me = rump_pub_lwproc_curlwp();

	rump_pub_lwproc_switch(pf->lwp);
	rump_pub_lwproc_releaselwp();		/* its only lwp: the process exits */
	rump_pub_lwproc_switch(me);
	hyp_free(pf, sizeof(*pf));
}

/* Takes the preforks whose parent left more than SP_PF_LINGER ago off the list (sl->mtx
 * held); the caller releases them. */
static struct sp_prefork *
sp_pf_expired(struct sp_listener *sl)
{
	struct sp_prefork **pp = &sl->preforks, *pf, *out = NULL;
	uint64_t now = hyp_clock_mono();

	while ((pf = *pp) != NULL) {
		if (pf->owner == NULL && now >= pf->expires) {
			*pp = pf->next;
			sl->npreforks--;
			pf->next = out;
			out = pf;
		} else
			pp = &pf->next;
	}
	return out;
}

static void sp_listener_rele(struct sp_listener *sl);

/* While there are preforks whose parent left, a thread of the listener releases each
 * SP_PF_LINGER after its parent left (a client whose host fork failed never comes). */
static void *
sp_reaper_main(void *arg)
{
	struct sp_listener *sl = arg;
	struct sp_prefork *pf, *out, *next;

	rumpus_kernel_switch((struct rumpus_kernel *)sl->k);
	hyp_mutex_lock(&sl->mtx);
	for (;;) {
		uint64_t first = 0;

		out = sp_pf_expired(sl);
		for (pf = sl->preforks; pf != NULL; pf = pf->next)
			if (pf->owner == NULL && (first == 0 || pf->expires < first))
				first = pf->expires;
		if (out != NULL) {
			hyp_mutex_unlock(&sl->mtx);
			for (pf = out; pf != NULL; pf = next) {
				next = pf->next;
				sp_pf_release(pf);
			}
			hyp_mutex_lock(&sl->mtx);
			continue;
		}
		if (first == 0)
			break;
		(void)hyp_cond_timedwait(&sl->reapcv, &sl->mtx, first);
	}
	sl->reaping = false;
	hyp_mutex_unlock(&sl->mtx);
	rumpus_kernel_switch(NULL);
	sp_listener_rele(sl);
	return NULL;
}

static void
sp_pf_reap(struct sp_listener *sl)
{
	struct sp_prefork *pf, *next;

	hyp_mutex_lock(&sl->mtx);
	pf = sp_pf_expired(sl);
	hyp_mutex_unlock(&sl->mtx);
	for (; pf != NULL; pf = next) {
		next = pf->next;
		sp_pf_release(pf);
	}
}

/* PREFORK: a child process with a copy of our descriptor table, named by a cookie. */
static int
sp_prefork(struct sp_conn *c, const struct sp_hdr *h)
{
	struct sp_listener *sl = c->sl;
	struct sp_prefork *pf;
	struct lwp *me = rump_pub_lwproc_curlwp();
	int error;

	sp_pf_reap(sl);
	if ((pf = hyp_zalloc(sizeof(*pf))) == NULL)
		return sp_senderr(c, h->reqno, SPERR_NOMEM);
	if (hyp_sp_random(pf->cookie, sizeof(pf->cookie)) != 0) {
		hyp_free(pf, sizeof(*pf));
		return sp_senderr(c, h->reqno, SPERR_RFORK_FAILED);
	}
	hyp_mutex_lock(&sl->mtx);
	if (c->npreforks >= SP_PF_PERCONN || sl->npreforks >= SP_PF_MAX) {
		hyp_mutex_unlock(&sl->mtx);
		hyp_free(pf, sizeof(*pf));
		return sp_senderr(c, h->reqno, SPERR_NOMEM);
	}
	c->npreforks++;
	sl->npreforks++;
	hyp_mutex_unlock(&sl->mtx);
	/* forked from the process this thread's lwp belongs to; the child's lwp is bound
	 * to this thread by rfork, then to nobody */
	if ((error = rump_pub_lwproc_rfork(RUMP_RFFDG)) == 0) {
		pf->lwp = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
	}
	hyp_mutex_lock(&sl->mtx);
	if (error != 0) {
		c->npreforks--;
		sl->npreforks--;
	} else {
		pf->owner = c;
		pf->next = sl->preforks;
		sl->preforks = pf;
	}
	hyp_mutex_unlock(&sl->mtx);
	if (error != 0) {
		hyp_free(pf, sizeof(*pf));
		return sp_senderr(c, h->reqno, SPERR_RFORK_FAILED);
	}
	return sp_send(c, h->reqno, SP_RESP, SP_PREFORK, 0, pf->cookie, sizeof(pf->cookie),
	    NULL, 0);
}

/* HANDSHAKE_FORK on a new connection: it becomes the prefork's process.  body is the
 * 20-byte struct handshake_fork (cookie, then int cancel). */
static int
sp_forkjoin(struct sp_conn *c, const struct sp_hdr *h, const uint8_t *body)
{
	struct sp_listener *sl = c->sl;
	struct sp_prefork **pp, *pf;
	int32_t cancel, answer = 0;

	memcpy(&cancel, body + SP_COOKIE, sizeof(cancel));
	sp_pf_reap(sl);
	hyp_mutex_lock(&sl->mtx);
	for (pp = &sl->preforks; (pf = *pp) != NULL; pp = &pf->next)
		if (memcmp(pf->cookie, body, SP_COOKIE) == 0) {
			*pp = pf->next;
			sl->npreforks--;
			if (pf->owner != NULL)
				pf->owner->npreforks--;
			break;
		}
	hyp_mutex_unlock(&sl->mtx);
	if (pf == NULL) {
		(void)sp_senderr(c, h->reqno, SPERR_INVALID_PREFORK);
		return EPROTO;
	}
	if (cancel != 0) {
		sp_pf_release(pf);
		return EPROTO;			/* nothing to answer: the client closes */
	}
	hyp_mutex_lock(&c->mtx);
	c->mainlwp = pf->lwp;
	c->proc = pf->lwp->l_proc;
	c->pid = c->proc->p_pid;
	c->proc->p_rcopy = &c->rc;		/* no lwp of it runs yet */
	hyp_mutex_unlock(&c->mtx);
	hyp_free(pf, sizeof(*pf));
	if (rump_pub_lwproc_newlwp(c->pid) != 0) {
		(void)sp_senderr(c, h->reqno, SPERR_RFORK_FAILED);
		return EPROTO;
	}
	hyp_mutex_lock(&c->mtx);
	c->joined = true;
	hyp_mutex_unlock(&c->mtx);
	return sp_send(c, h->reqno, SP_RESP, SP_HANDSHAKE, 0, &answer, sizeof(answer), NULL, 0);
}

/* ---------------------------------------------------------------- exec */

/* Closes the descriptors marked close-on-exec of p, from a thread bound to an lwp of p. */
static void
sp_closeexec(struct kern *k, struct proc *p)
{
	struct lwp implicit, *prev, *l;
	struct filedesc *fd;
	int i;

	if (kern_enter(k, &implicit, &prev) != 0)
		return;
	l = curlwp();
	if (l->l_proc != p) {		/* not bound to it: nothing to do here */
		kern_leave(k, prev);
		return;
	}
	fd = l->l_proc->p_fd;
	for (i = 0;; i++) {
		bool close;

		mutex_enter(&fd->fd_lock);
		if (i > fd->fd_lastfile || i >= fd->fd_nfiles) {
			mutex_exit(&fd->fd_lock);
			break;
		}
		close = fd->fd_ofiles[i].fe_file != NULL &&
		    (fd->fd_ofiles[i].fe_flags & FE_CLOEXEC) != 0;
		mutex_exit(&fd->fd_lock);
		if (close)
			(void)fd_close(l, i);
	}
	kern_leave(k, prev);
}

/* HANDSHAKE_EXEC: the client's program exec'd with the connection kept.  Run by the
 * reader (no frame is read meanwhile): the process's other calls are interrupted and
 * waited for, then the close-on-exec descriptors close. */
static int
sp_exec(struct sp_conn *c, const struct sp_hdr *h)
{
	int32_t answer = 0;

	hyp_mutex_lock(&c->mtx);
	c->inexec = true;
	c->gen++;				/* the old program's answers are dropped */
	hyp_cond_broadcast(&c->cv);		/* its pending copies fail */
	kern_proc_interrupt(c->proc, true);
	while (c->nbusy > 0 && !c->dead)
		hyp_cond_wait(&c->cv, &c->mtx);
	/* nothing of the old program runs now, and nothing new starts: we hold the reader
	 * role */
	if (!c->dead)
		kern_proc_interrupt(c->proc, false);
	c->inexec = false;
	hyp_mutex_unlock(&c->mtx);
	/* the reader may never have run a call: its own lwp in the process first */
	if (rump_pub_lwproc_curlwp() == NULL && rump_pub_lwproc_newlwp(c->pid) != 0) {
		(void)sp_senderr(c, h->reqno, SPERR_NOMEM);
		return EPROTO;
	}
	sp_closeexec(c->k, c->proc);
	return sp_send(c, h->reqno, SP_RESP, SP_HANDSHAKE, 0, &answer, sizeof(answer), NULL, 0);
}

/* ---------------------------------------------------------------- requests */

static int
sp_handshake(struct sp_conn *c, const struct sp_hdr *h)
{
	uint64_t n = h->len - SP_HDRSZ;
	uint8_t body[32];
	int32_t answer;
	int error;

	if (h->arg == SP_HS_FORK && !c->joined) {
		if (n != SP_COOKIE + sizeof(int32_t)) {
			(void)sp_senderr(c, h->reqno, SPERR_MALFORMED);
			return EPROTO;
		}
		if ((error = hyp_sp_read(c->fd, body, (size_t)n, SP_COPY_TIMEOUT)) != 0)
			return error;
		return sp_forkjoin(c, h, body);
	}
	if ((error = sp_skip(c, n)) != 0)	/* the program name: not kept (XXX) */
		return error;
	switch (h->arg) {
	case SP_HS_GUEST:
		if (c->joined)
			return sp_senderr(c, h->reqno, SPERR_MALFORMED);
		answer = rump_pub_lwproc_rfork(RUMP_RFCFDG);
		if (answer == 0) {
			struct lwp *main = rump_pub_lwproc_curlwp();

			hyp_mutex_lock(&c->mtx);
			c->mainlwp = main;
			c->proc = main->l_proc;
			c->pid = c->proc->p_pid;
			c->proc->p_rcopy = &c->rc;
			hyp_mutex_unlock(&c->mtx);
			/* this thread's own lwp; main is then bound to nobody */
			if ((answer = rump_pub_lwproc_newlwp(c->pid)) != 0)
				return EPROTO;
			hyp_mutex_lock(&c->mtx);
			c->joined = true;
			hyp_mutex_unlock(&c->mtx);
		}
		return sp_send(c, h->reqno, SP_RESP, SP_HANDSHAKE, 0, &answer, sizeof(answer),
		    NULL, 0);
	case SP_HS_EXEC:
		if (!c->joined) {
			(void)sp_senderr(c, h->reqno, SPERR_MALFORMED);
			return EPROTO;
		}
		return sp_exec(c, h);
	default:
		/* HANDSHAKE_FORK on a running connection, AUTH, unknown kinds */
		if (!c->joined) {
			(void)sp_senderr(c, h->reqno, SPERR_AUTH);
			return EPROTO;
		}
		return sp_senderr(c, h->reqno, SPERR_MALFORMED);
	}
}

/* The reader read a request it runs on an lwp of the process (SYSCALL, PREFORK): hands
 * the reader role on (to an idle thread, or a new one), since this may need the vCPU
 * and another thread's copy may hold it waiting for an answer only a reader reads.
 * 0 with *genp set, or an errno: "try again" was answered (every thread is busy). */
static int
sp_begin(struct sp_conn *c, const struct sp_hdr *h, bool *holding, unsigned *genp)
{
	hyp_mutex_lock(&c->mtx);
	if (c->nbusy >= SP_MAXTHREADS - 1) {
		/* every thread is busy: librumpclient resends on "try again" */
		hyp_mutex_unlock(&c->mtx);
		(void)sp_senderr(c, h->reqno, SPERR_TRYAGAIN);
		return EAGAIN;
	}
	/* the role is free from here; another thread takes it only when this call is
	 * about to wait (sp_kick): a call that does not wait costs no thread switch */
	c->reading = false;
	*holding = false;
	c->nbusy++;
	*genp = c->gen;
	/* a copy is waiting for its answer: its caller holds a vCPU this call may wait
	 * for, so the answer must be read meanwhile */
	if (c->copies != NULL)
		sp_kick(c);
	hyp_mutex_unlock(&c->mtx);
	/* this thread's own lwp in the process, made on its first request */
	if (rump_pub_lwproc_curlwp() == NULL) {
		int error = rump_pub_lwproc_newlwp(c->pid);

		if (error != 0) {
			(void)sp_end(c, *genp);
			(void)sp_senderr(c, h->reqno, SPERR_TRYAGAIN);
			return error;
		}
	}
	return 0;
}

/* The request begun by sp_begin is done: true if its answer is still wanted. */
static bool
sp_end(struct sp_conn *c, unsigned gen)
{
	bool want;

	hyp_mutex_lock(&c->mtx);
	c->nbusy--;
	hyp_cond_broadcast(&c->cv);		/* exec may wait for this */
	want = !c->dead && c->gen == gen;
	hyp_mutex_unlock(&c->mtx);
	return want;
}

/* SYSCALL: reads the arguments, hands the reader role on and runs the call.  0, or an
 * errno that kills the connection. */
static int
sp_syscall(struct sp_conn *c, const struct sp_hdr *h, bool *holding)
{
	uint64_t n = h->len - SP_HDRSZ;
	register_t args[SP_MAXARGS];
	register_t rv[2] = { 0, 0 };
	struct sp_sysresp r;
	unsigned gen;
	int error;

	/* unused slots read as 0; no syscall has more than 16 */
	memset(args, 0, n > 16 * sizeof(register_t) ? sizeof(args) : 16 * sizeof(register_t));
	if ((error = hyp_sp_read(c->fd, args, (size_t)n, SP_COPY_TIMEOUT)) != 0)
		return error;
	if (sp_begin(c, h, holding, &gen) != 0)
		return 0;
	error = kern_syscall(h->arg, args, rv);
	if (!sp_end(c, gen))
		return 0;			/* nobody to answer */
	memset(&r, 0, sizeof(r));
	r.error = error;
	r.retval[0] = rv[0];
	r.retval[1] = rv[1];
	(void)sp_send(c, h->reqno, SP_RESP, SP_SYSCALL, 0, &r, sizeof(r), NULL, 0);
	return 0;
}

/* Reads one frame and does what it asks, holding the reader role (a SYSCALL gives it
 * away).  0, or an errno after which the connection is killed. */
static int
sp_frame(struct sp_conn *c, bool *holding)
{
	struct sp_hdr h;
	int error;

	if ((error = hyp_sp_read(c->fd, &h, sizeof(h), -1)) != 0)
		return error;
	if (h.len < SP_HDRSZ)
		return EPROTO;
	if (h.class != SP_REQ) {
		if ((error = sp_answer(c, &h)) == EPROTO)
			(void)sp_senderr(c, h.reqno, SPERR_MALFORMED);	/* and close */
		return error;
	}
	if (h.len - SP_HDRSZ > SP_MAXBODY) {
		/* cannot resynchronise: say so and close */
		(void)sp_senderr(c, h.reqno, SPERR_MALFORMED);
		return EPROTO;
	}
	if (h.type == SP_HANDSHAKE)
		return sp_handshake(c, &h);
	if (!c->joined) {
		(void)sp_senderr(c, h.reqno, SPERR_AUTH);
		return EPROTO;
	}
	if (h.type == SP_SYSCALL)
		return sp_syscall(c, &h, holding);
	if ((error = sp_skip(c, h.len - SP_HDRSZ)) != 0)
		return error;
	if (h.type == SP_PREFORK) {
		unsigned gen;

		if (sp_begin(c, &h, holding, &gen) != 0)
			return 0;
		error = sp_prefork(c, &h);
		(void)sp_end(c, gen);
		return error;
	}
	return sp_senderr(c, h.reqno, SPERR_MALFORMED);
}

static void
sp_listener_rele(struct sp_listener *sl)
{
	struct sp_prefork *pf;
	bool last;

	hyp_mutex_lock(&sl->mtx);
	last = --sl->refs == 0;
	hyp_mutex_unlock(&sl->mtx);
	if (!last)
		return;
	if (sl->preforks != NULL) {
		struct rumpus_kernel *was = rumpus_kernel_current();

		rumpus_kernel_switch((struct rumpus_kernel *)sl->k);
		while ((pf = sl->preforks) != NULL) {
			sl->preforks = pf->next;
			sp_pf_release(pf);
		}
		rumpus_kernel_switch(was);
	}
	hyp_cond_destroy(&sl->reapcv);
	hyp_mutex_destroy(&sl->mtx);
	hyp_free(sl, sizeof(*sl));
}

/* The last thread of a connection: releases the process and the connection. */
static void
sp_conn_free(struct sp_conn *c)
{
	struct sp_listener *sl = c->sl;
	struct sp_prefork *pf;
	uint64_t expires = hyp_clock_mono() + (uint64_t)SP_PF_LINGER * 1000000u;
	bool orphans = false;

	/* our preforks wait a while for their children, then are reaped */
	hyp_mutex_lock(&sl->mtx);
	for (pf = sl->preforks; pf != NULL; pf = pf->next)
		if (pf->owner == c) {
			pf->owner = NULL;
			pf->expires = expires;
			orphans = true;
		}
	if (orphans && !sl->reaping) {
		sl->refs++;
		sl->reaping = hyp_sp_spawn(sp_reaper_main, sl) == 0;
		if (!sl->reaping)
			sl->refs--;	/* reaped by the next PREFORK or HANDSHAKE_FORK */
	}
	hyp_mutex_unlock(&sl->mtx);
	if (c->mainlwp != NULL) {
		rump_pub_lwproc_switch(c->mainlwp);
		rump_pub_lwproc_releaselwp();	/* the last lwp: the process exits */
	}
	rumpus_kernel_switch(NULL);
	hyp_sp_close(c->fd);
	hyp_cond_destroy(&c->cv);
	hyp_cond_destroy(&c->idlecv);
	hyp_mutex_destroy(&c->mtx);
	hyp_mutex_destroy(&c->smtx);
	hyp_free(c, sizeof(*c));
	sp_listener_rele(sl);
}

/* A thread serving connection c: waits for the reader role, reads, serves, again. */
static void *
sp_thread_main(void *arg)
{
	struct sp_conn *c = arg;
	bool holding = false, last;

	rumpus_kernel_switch((struct rumpus_kernel *)c->k);
	hyp_mutex_lock(&c->mtx);
	while (!c->dead) {
		if (!holding) {
			if (c->reading) {
				c->kicked = false;	/* whoever was kicked: not needed */
				if (c->nidle >= SP_MAXIDLE)
					break;
				c->nidle++;
				hyp_cond_wait(&c->idlecv, &c->mtx);
				c->nidle--;
				continue;
			}
			c->reading = holding = true;
			c->kicked = false;
		}
		hyp_mutex_unlock(&c->mtx);
		/* a SYSCALL gives the role away (holding false); anything else keeps it */
		if (sp_frame(c, &holding) != 0)
			sp_kill(c);
		hyp_mutex_lock(&c->mtx);
	}
	if (holding)
		c->reading = false;
	if (!c->reading)
		hyp_cond_signal(&c->idlecv);	/* the role: someone else's */
	hyp_mutex_unlock(&c->mtx);
	if (rump_pub_lwproc_curlwp() != NULL)
		rump_pub_lwproc_releaselwp();
	hyp_mutex_lock(&c->mtx);
	last = --c->nthreads == 0;
	hyp_cond_broadcast(&c->cv);
	hyp_mutex_unlock(&c->mtx);
	if (last)
		sp_conn_free(c);
	else
		rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
sp_accept_main(void *arg)
{
	static const char banner[] = "RUMPSP-0.1-rumpus-Linux/x86_64-1.0\n";
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
		c->rc.rc_raise = sp_rc_raise;
		c->rc.rc_block = sp_rc_block;
		c->k = sl->k;
		c->sl = sl;
		c->fd = fd;
		c->nextreq = 1;
		c->nthreads = 1;
		hyp_mutex_init(&c->smtx);
		hyp_mutex_init(&c->mtx);
		hyp_cond_init(&c->idlecv);
		hyp_cond_init(&c->cv);
		hyp_mutex_lock(&sl->mtx);
		sl->refs++;
		hyp_mutex_unlock(&sl->mtx);
		if (hyp_sp_write(fd, banner, sizeof(banner) - 1, SP_COPY_TIMEOUT) != 0 ||
		    hyp_sp_spawn(sp_thread_main, c) != 0) {
			hyp_sp_close(fd);
			hyp_cond_destroy(&c->cv);
			hyp_cond_destroy(&c->idlecv);
			hyp_mutex_destroy(&c->mtx);
			hyp_mutex_destroy(&c->smtx);
			hyp_free(c, sizeof(*c));
			sp_listener_rele(sl);
		}
	}
	hyp_sp_close(sl->fd);
	sp_listener_rele(sl);
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
	sl->refs = 1;
	hyp_mutex_init(&sl->mtx);
	hyp_cond_init(&sl->reapcv);
	if ((error = hyp_sp_listen(url, &sl->fd)) != 0) {
		hyp_cond_destroy(&sl->reapcv);
		hyp_mutex_destroy(&sl->mtx);
		hyp_free(sl, sizeof(*sl));
		return error;
	}
	if ((error = hyp_sp_spawn(sp_accept_main, sl)) != 0) {
		hyp_sp_close(sl->fd);
		hyp_cond_destroy(&sl->reapcv);
		hyp_mutex_destroy(&sl->mtx);
		hyp_free(sl, sizeof(*sl));
	}
	return error;
}
