/*
 * tcp_sigurg_test.c: urgent data signals its socket's owner as NetBSD does
 * (sohasoutofband -> fownsignal(so_pgid, SIGURG)).  The owner is set with fcntl
 * F_SETOWN, ioctl FIOSETOWN, SIOCSPGRP (a pid, or a process group as its negative) or
 * TIOCSPGRP (a group, positive), read back with F_GETOWN / FIOGETOWN / SIOCGPGRP /
 * TIOCGPGRP, ESRCH for nobody, and inherited by accepted sockets (sonewconn).  The
 * signal does what the kernel's signal model says: RECORD keeps it pending on the owner
 * (every process of a group), RAISE raises it in the host thread that delivered the
 * segment, IGNORE drops it.  Only a new urgent pointer signals (a retransmission does
 * not).  kqueue as NetBSD's filt_soread: EVFILT_READ counts the bytes in the stream, so
 * the out-of-band byte pulled out of it makes no event (NetBSD has no NOTE_OOB), while
 * with SO_OOBINLINE it is an ordinary byte.  Segments are injected from the bus in
 * virtual time, as in tcp_urg_test.
 */
#include <signal.h>
#include <stdatomic.h>

#include "tcp_pkt.h"

enum { X_F_GETOWN = 5, X_F_SETOWN = 6, X_SIGURG = 16, X_SO_OOBINLINE = 0x100,
	X_POLLPRI = 2, X_EVFILT_READ = 0, X_EV_ADD = 1 };
#define X_FIOSETOWN	0x8004667cUL
#define X_FIOGETOWN	0x4004667bUL
#define X_SIOCSPGRP	0x80047308UL
#define X_SIOCGPGRP	0x40047309UL
#define X_TIOCSPGRP	0x80047476UL
#define X_TIOCGPGRP	0x40047477UL
#define URGBIT		(1u << (X_SIGURG - 1))
#define RUMP_SIGMODEL_IGNORE	1
#define RUMP_SIGMODEL_RAISE	3
#define RUMP_SIGMODEL_RECORD	4

struct kev {
	uintptr_t ident;
	uint32_t filter, flags, fflags;
	int64_t data;
	intptr_t udata;
};
struct ts { int64_t sec; long nsec; };

static atomic_int nurg;

static void
onurg(int sig)
{
	(void)sig;
	atomic_fetch_add(&nurg, 1);
}

static struct rumpus_kernel *k;

/* A passive connection from our port sport: the accepted socket; *rnxt our next
 * sequence number, *iss the kernel's. */
static int
handshake(int l, uint16_t sport, uint32_t *rnxt, uint32_t *iss)
{
	struct seg s;
	int a;

	inject(sport, 80, 1000, 0, SYN, 65535, NULL, 0, NULL, 0);
	if (!next(&s, 0) || s.flags != (SYN | ACK))
		return -1;
	*iss = s.seq;
	inject(sport, 80, 1001, s.seq + 1, ACK, 65535, NULL, 0, NULL, 0);
	*rnxt = 1001;
	a = rump_sys_accept(l, NULL, NULL);
	if (a >= 0)
		x_nonblock(a, 1);
	return a;
}

/* Urgent data from us: len bytes, the pointer after the last (BSD). */
static void
urgent(uint16_t sport, uint32_t *rnxt, uint32_t iss, const char *data, int len)
{
	inject_urp(sport, 80, *rnxt, iss + 1, ACK | PSH | URG, 65535, NULL, 0, data, len,
	    (uint16_t)len);
	*rnxt += (uint32_t)len;
}

static uint32_t
pending(int pid)
{
	uint32_t set[4] = { 0 };

	rumpus_sigpending(k, pid, set);
	return set[0] & URGBIT;
}

static void
clear(int pid)
{
	uint32_t set[4] = { URGBIT, 0, 0, 0 };

	rumpus_sigclear(k, pid, set);
}

static int
ioc(int s, unsigned long cmd, int v)
{
	return rump_sys_ioctl(s, cmd, &v) < 0 ? -errno : 0;
}

static int
iocget(int s, unsigned long cmd)
{
	int v = 12345;

	return rump_sys_ioctl(s, cmd, &v) < 0 ? -errno : v;
}

/* ---- more owners than fit the old queue, in one hold of the net lock */

/* The kernel's entry points (kern/kern.h), to hold its only vCPU from a thread while
 * segments arrive: they queue, and the holder's release runs them all in one hold. */
int kern_enter(void *k, void *implicit, void **prevp);
void kern_leave(void *k, void *prev);
void *rump_pub_lwproc_curlwp(void);
void rump_pub_lwproc_switch(void *l);

struct holder {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int stage;		/* 1: holding, 2: may leave, 3: left */
};

static void
stage_set(struct holder *h, int st)
{
	pthread_mutex_lock(&h->m);
	h->stage = st;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->m);
}

static void
stage_wait(struct holder *h, int st)
{
	pthread_mutex_lock(&h->m);
	while (h->stage < st)
		pthread_cond_wait(&h->cv, &h->m);
	pthread_mutex_unlock(&h->m);
}

static void *
hold(void *arg)
{
	struct holder *h = arg;
	_Alignas(16) char implicit[256];
	void *prev;

	kern_enter(k, implicit, &prev);
	stage_set(h, 1);
	stage_wait(h, 2);
	kern_leave(k, prev);	/* runs the queued segments (kern_softrun), then net_unlock */
	stage_set(h, 3);
	return NULL;
}

/* N connections, each owned by a process of its own; their urgent data arrives while
 * another thread holds the kernel, so one hold of the net lock meets N owners: each
 * gets its SIGURG (the queue held 32, the rest were lost). */
static void
many_owners(int l, int n, const char *what)
{
	enum { NMAX = 300 };
	static int pids[NMAX], socks[NMAX];
	static void *lw[NMAX];
	static uint32_t rn[NMAX], is[NMAX];
	struct holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	void *me = rump_pub_lwproc_curlwp();
	pthread_t t;
	int i, made = 1, got = 0;

	for (i = 0; i < n; i++) {
		if (rump_pub_lwproc_rfork(0) != 0) {
			made = 0;
			break;
		}
		pids[i] = rump_sys_getpid();
		lw[i] = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
	}
	for (i = 0; made && i < n; i++) {
		socks[i] = handshake(l, (uint16_t)(41000 + i), &rn[i], &is[i]);
		if (socks[i] < 0 || rump_sys_fcntl(socks[i], X_F_SETOWN, pids[i]) != 0)
			made = 0;
	}
	ok(made, "%s: %d processes, each owning a connection", what, n);
	drain();
	pthread_create(&t, NULL, hold, &h);
	stage_wait(&h, 1);
	for (i = 0; i < n; i++)
		urgent((uint16_t)(41000 + i), &rn[i], is[i], "!", 1);
	stage_set(&h, 2);
	stage_wait(&h, 3);
	pthread_join(t, NULL);
	for (i = 0; i < n; i++)
		if (pending(pids[i]) != 0)
			got++;
	ok(got == n, "%s: after one release, SIGURG pending on all %d owners (%d)", what, n,
	    got);
	drain();
	for (i = 0; i < n; i++) {
		clear(pids[i]);
		x_linger_abort(socks[i]);
	}
	drain();
	for (i = 0; i < n; i++) {
		rump_pub_lwproc_switch(lw[i]);
		rump_pub_lwproc_releaselwp();
		rump_pub_lwproc_switch(me);
	}
}

int
main(void)
{
	struct seg s;
	uint32_t rnxt, iss;
	int l, a, b, pid, pid2, pgid, kq, n;
	char buf[16];
	struct kev ev[2];
	struct ts zero = { 0, 0 };

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	k = pkt_setup("tcpsigurgbus");
	ok(k != NULL, "a kernel at 10.4.0.1, our port at 10.4.0.2");
	ok(rumpus_kernel_sigmodel(k, RUMP_SIGMODEL_RECORD) >= 0, "the RECORD signal model");
	pid = rump_sys_getpid();
	pgid = rump_sys_getpgrp();
	l = x_listen("0.0.0.0", 80, 5);
	x_nonblock(l, 1);
	a = handshake(l, 40000, &rnxt, &iss);
	ok(a >= 0, "a connection from the bus");

	/* the owner's calls */
	ok(rump_sys_fcntl(a, X_F_GETOWN, 0) == 0, "no owner at first (F_GETOWN 0)");
	urgent(40000, &rnxt, iss, "u", 1);
	next(&s, 0);
	ok(pending(pid) == 0, "urgent data with no owner: no SIGURG");
	ok(rump_sys_fcntl(a, X_F_SETOWN, pid) == 0 && rump_sys_fcntl(a, X_F_GETOWN, 0) == pid &&
	    iocget(a, X_FIOGETOWN) == pid && iocget(a, X_SIOCGPGRP) == pid &&
	    iocget(a, X_TIOCGPGRP) == -pid, "F_SETOWN %d: F_GETOWN, FIOGETOWN, SIOCGPGRP "
	    "read it, TIOCGPGRP as its negative", pid);
	ok(rump_sys_fcntl(a, X_F_SETOWN, 9999) < 0 && errno == X_ESRCH &&
	    ioc(a, X_FIOSETOWN, -9999) == -X_EINVAL && rump_sys_fcntl(a, X_F_GETOWN, 0) == pid,
	    "no such process: ESRCH; no such group: EINVAL (NetBSD's pgid_in_session); the "
	    "owner stays");
	ok(ioc(a, X_TIOCSPGRP, -1) == -22, "TIOCSPGRP with a negative group: EINVAL");

	urgent(40000, &rnxt, iss, "ab", 2);
	next(&s, 0);
	ok(pending(pid) != 0, "urgent data: SIGURG pending on the owner");
	ok(rump_sys_recvfrom(a, buf, 1, 1 /* MSG_OOB */, NULL, NULL) == 1 && buf[0] == 'b',
	    "recv(MSG_OOB) gives the byte before the pointer");
	clear(pid);
	/* the same pointer again (a retransmission): no new signal */
	inject_urp(40000, 80, rnxt - 2, iss + 1, ACK | URG, 65535, NULL, 0, "ab", 2, 2);
	next(&s, 0);
	ok(pending(pid) == 0, "the same urgent pointer again: no new SIGURG");
	/* FIOSETOWN 0: no owner */
	ok(ioc(a, X_FIOSETOWN, 0) == 0 && rump_sys_fcntl(a, X_F_GETOWN, 0) == 0, "FIOSETOWN 0 "
	    "clears the owner");
	urgent(40000, &rnxt, iss, "c", 1);
	next(&s, 0);
	ok(pending(pid) == 0, "and urgent data signals nobody");

	/* a process group: every process in it (a second one forked into the group) */
	ok(rump_pub_lwproc_rfork(0) == 0, "a second process");
	pid2 = rump_sys_getpid();
	ok(rump_sys_getpgrp() == pgid && pid2 != pid, "process %d in group %d", pid2, pgid);
	ok(ioc(a, X_SIOCSPGRP, -pgid) == 0 && iocget(a, X_FIOGETOWN) == -pgid, "SIOCSPGRP "
	    "-%d: the group owns it", pgid);
	urgent(40000, &rnxt, iss, "d", 1);
	next(&s, 0);
	ok(pending(pid) != 0 && pending(pid2) != 0, "SIGURG pending on both processes");
	clear(pid);
	clear(pid2);
	ok(ioc(a, X_TIOCSPGRP, pgid) == 0 && iocget(a, X_SIOCGPGRP) == -pgid, "TIOCSPGRP %d "
	    "names the group too", pgid);
	rump_pub_lwproc_releaselwp();	/* the second process exits */
	/* a third process in a session of its own may not name group 1's (NetBSD's
	 * pgid_in_session: EPERM); it shares the descriptors */
	ok(rump_pub_lwproc_rfork(0) == 0 && rump_sys_setsid() == rump_sys_getpid(),
	    "a third process in a session of its own");
	ok(ioc(a, X_SIOCSPGRP, -pgid) == -X_EPERM, "SIOCSPGRP -%d from another session: "
	    "EPERM", pgid);
	ok(ioc(a, X_SIOCSPGRP, -rump_sys_getpid()) == 0, "its own group is fine");
	rump_pub_lwproc_releaselwp();
	ok(rump_sys_fcntl(a, X_F_SETOWN, pid2) < 0 && errno == X_ESRCH, "an exited process: "
	    "ESRCH");

	/* the listener's owner goes to the accepted socket (NetBSD's sonewconn) */
	ok(rump_sys_fcntl(l, X_F_SETOWN, pid) == 0, "F_SETOWN on the listener");
	{
		uint32_t rn2, iss2;

		b = handshake(l, 40001, &rn2, &iss2);
		ok(b >= 0 && rump_sys_fcntl(b, X_F_GETOWN, 0) == pid, "the accepted socket has "
		    "the listener's owner");
		urgent(40001, &rn2, iss2, "e", 1);
		next(&s, 0);
		ok(pending(pid) != 0, "its urgent data: SIGURG");
		clear(pid);

		/* kqueue: EVFILT_READ counts bytes in the stream; the pulled-out byte is none */
		kq = rump_sys_kqueue();
		memset(ev, 0, sizeof(ev));
		ev[0].ident = (uintptr_t)b;
		ev[0].filter = X_EVFILT_READ;
		ev[0].flags = X_EV_ADD;
		ok(rump_sys_kevent(kq, (void *)ev, 1, NULL, 0, NULL) == 0, "EVFILT_READ on it");
		n = rump_sys_kevent(kq, NULL, 0, (void *)ev, 2, (void *)&zero);
		ok(n == 0, "only the out-of-band byte arrived: no EVFILT_READ event (%d), as "
		    "NetBSD's filt_soread (no NOTE_OOB)", n);
		ok(x_poll1(b, X_POLLPRI, 0) == X_POLLPRI, "poll: POLLPRI");
		ok(x_setint(b, X_SOL_SOCKET, X_SO_OOBINLINE, 1) == 0, "SO_OOBINLINE");
		urgent(40001, &rn2, iss2, "f", 1);
		next(&s, 0);
		n = rump_sys_kevent(kq, NULL, 0, (void *)ev, 2, (void *)&zero);
		ok(n == 1 && ev[0].data == 1 && ev[0].fflags == 0, "in line, the urgent byte is a "
		    "byte of the stream: EVFILT_READ with data 1, no flag (n %d)", n);
		ok(pending(pid) != 0, "and SIGURG all the same");
		clear(pid);
		rump_sys_close(kq);
		x_linger_abort(b);
	}

	/* the RAISE model: raised in the host thread that delivered the segment (this one) */
	signal(SIGURG, onurg);
	rumpus_kernel_sigmodel(k, RUMP_SIGMODEL_RAISE);
	ok(rump_sys_fcntl(a, X_F_SETOWN, pid) == 0, "F_SETOWN again");
	urgent(40000, &rnxt, iss, "g", 1);
	next(&s, 0);
	ok(atomic_load(&nurg) == 1 && pending(pid) == 0, "RAISE: SIGURG raised in this thread "
	    "once (%d), nothing recorded", atomic_load(&nurg));
	rumpus_kernel_sigmodel(k, RUMP_SIGMODEL_IGNORE);
	urgent(40000, &rnxt, iss, "h", 1);
	next(&s, 0);
	ok(atomic_load(&nurg) == 1 && pending(pid) == 0, "IGNORE: dropped");
	signal(SIGURG, SIG_DFL);

	rumpus_kernel_sigmodel(k, RUMP_SIGMODEL_RECORD);
	many_owners(l, 32, "32 owners");
	many_owners(l, 40, "40 owners");
	many_owners(l, 100, "100 owners");

	x_linger_abort(a);
	rump_sys_close(l);
	drain();
	bus_detach(&port);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroyed");
	return tap_done();
}
