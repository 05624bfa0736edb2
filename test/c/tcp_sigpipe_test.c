/*
 * tcp_sigpipe_test.c: EPIPE and SIGPIPE as NetBSD: a write on a reset or shut-down TCP
 * connection (or a pipe with no reader) fails with EPIPE and posts SIGPIPE unless
 * MSG_NOSIGNAL, SO_NOSIGPIPE (mirrored on the file: F_GETNOSIGPIPE), F_SETNOSIGPIPE or
 * SOCK_NOSIGPIPE; what the signal does is the kernel's signal model, NetBSD's rump
 * semantics: RAISE (the default) raises it in the writing host thread, RECORD keeps it
 * pending on the kernel process unless masked (per process, the mask inherited by
 * rfork), IGNORE drops it, PANIC drops SIGPIPE and aborts on other signals.  Threads: a
 * writer asleep on a full buffer when the peer resets wakes with EPIPE and the signal
 * is raised in its own thread;
 * writers posting while another thread reads and clears the pending set.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tcp_nb.h"

enum { X_SOCK_NOSIGPIPE = 0x40000000, X_F_GETNOSIGPIPE = 13, X_F_SETNOSIGPIPE = 14,
	X_SIGPIPE = 13, X_SIGUSR1 = 30, X_SIG_BLOCK = 1, X_SIG_UNBLOCK = 2, X_ESRCH_ = 3 };
#define PIPEBIT	(1u << (X_SIGPIPE - 1))
#define USR1BIT	(1u << (X_SIGUSR1 - 1))

static atomic_int nraised;
static _Atomic pthread_t raisedby;

static void
onpipe(int sig)
{
	(void)sig;
	atomic_fetch_add(&nraised, 1);
	atomic_store(&raisedby, pthread_self());
}

static struct rumpus_kernel *
boot(void)
{
	static const char *comps[] = { "vfs", "net.netinet", NULL };
	int err = 0;

	return rumpus_kernel_create(comps, NULL, &err);
}

/* A connection through lo0 of the current kernel: *c connected to *s. */
static void
pair(int port, int *c, int *s)
{
	int l = x_listen("127.0.0.1", port, 5);

	*c = x_connect("127.0.0.1", port);
	*s = rump_sys_accept(l, NULL, NULL);
	rump_sys_close(l);
}

/* *s whose peer aborted (RST): reads ECONNRESET once, then writes EPIPE. */
static int
broken(int port)
{
	struct x_linger lg = { 1, 0 };
	char b[8];
	int c, s;

	pair(port, &c, &s);
	rump_sys_setsockopt(c, X_SOL_SOCKET, X_SO_LINGER, &lg, sizeof(lg));
	rump_sys_close(c);
	(void)rump_sys_read(s, b, sizeof(b));
	return s;
}

static uint32_t
pending(struct rumpus_kernel *k, int pid)
{
	uint32_t set[4] = { 0xdead, 0, 0, 0 };
	int e = rumpus_sigpending(k, pid, set);

	return e != 0 ? 0xffffffffu : set[0];
}

static int
writepipe(int s)
{
	return rump_sys_write(s, "x", 1) < 0 ? errno : 0;
}

/* PANIC, in a child process: SIGPIPE is dropped, SIGUSR1 aborts. */
static void
panic_child(void)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		struct rumpus_kernel *k;
		int s;

		rump_boot_setsigmodel(0);
		if ((k = boot()) == NULL)
			_exit(2);
		rumpus_kernel_switch(k);
		s = broken(7500);
		if (writepipe(s) != X_EPIPE)	/* a raised SIGPIPE would end us here */
			_exit(3);
		if (pending(k, 0) != 0)
			_exit(4);
		rumpus_psignal(k, 0, X_SIGUSR1);
		_exit(5);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid, "a child process for the PANIC model");
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "PANIC: SIGPIPE dropped (EPIPE, nothing "
	    "raised or recorded), SIGUSR1 aborts (status %#x)", st);
}

/* rump_init()'s kernel (the NetBSD entry) keeps NetBSD's RAISE: in a child process with
 * SIGPIPE at its default action, a write on a broken connection ends it by SIGPIPE. */
int rump_init(void);
void hyp_linked_add(const char *name);	/* what a NetBSD-named library's constructor says */
static void
rumpinit_child(void)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int p[2];

		signal(SIGPIPE, SIG_DFL);
		hyp_linked_add("vfs");		/* as if linked with -lrumpvfs */
		if (rump_init() != 0 || rump_sys_pipe(p) != 0)
			_exit(2);
		rump_sys_close(p[0]);
		writepipe(p[1]);
		_exit(3);		/* not reached under RAISE */
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid, "a child process with rump_init()'s kernel");
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	    "rump_init()'s kernel raises SIGPIPE, NetBSD's default (status %#x)", st);
}

struct writer {
	struct rumpus_kernel *k;
	int fd, first, second, n;
	pthread_t self;
};

/* Blocks in a write the peer never reads, until the peer resets; then writes again. */
static void *
blocked_writer(void *arg)
{
	struct writer *w = arg;
	static char big[1 << 20];

	rumpus_kernel_switch(w->k);
	w->self = pthread_self();
	w->first = rump_sys_write(w->fd, big, sizeof(big)) < 0 ? errno : 0;
	w->second = writepipe(w->fd);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
many_writes(void *arg)
{
	struct writer *w = arg;
	int i;

	rumpus_kernel_switch(w->k);
	for (i = 0; i < 200; i++)
		w->n += writepipe(w->fd) == X_EPIPE;
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_kernel *k, *k2;
	struct sigaction sa;
	uint32_t set[4], old[4];
	int c, s, n, fl, child, p[2];

	panic_child();
	rumpinit_child();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onpipe;
	sigaction(SIGPIPE, &sa, NULL);
	k = boot();
	ok(k != NULL, "a kernel with vfs and netinet");
	rumpus_kernel_switch(k);
	ok(rumpus_kernel_sigmodel(k, -1) == 4,
	    "a rumpus_kernel_create kernel records by default (RECORD; rump_init's raises)");
	ok(rumpus_kernel_sigmodel(k, 3) == 4 && rumpus_kernel_sigmodel(k, -1) == 3,
	    "set to RAISE, NetBSD's default");

	/* ---- RAISE: in the writing host thread */
	s = broken(7000);
	ok(writepipe(s) == X_EPIPE, "write after the peer's reset: EPIPE");
	ok(atomic_load(&nraised) == 1 && pthread_equal(atomic_load(&raisedby), pthread_self()),
	    "SIGPIPE raised in this thread (%d)", atomic_load(&nraised));
	n = (int)rump_sys_sendto(s, "x", 1, X_MSG_NOSIGNAL, NULL, 0);
	ok(n < 0 && errno == X_EPIPE && atomic_load(&nraised) == 1, "MSG_NOSIGNAL: EPIPE, no signal");
	ok(x_setint(s, X_SOL_SOCKET, X_SO_NOSIGPIPE, 1) == 0 &&
	    rump_sys_fcntl(s, X_F_GETNOSIGPIPE) == 1, "SO_NOSIGPIPE, seen by F_GETNOSIGPIPE");
	ok(writepipe(s) == X_EPIPE && atomic_load(&nraised) == 1, "SO_NOSIGPIPE: EPIPE, no signal");
	ok(x_setint(s, X_SOL_SOCKET, X_SO_NOSIGPIPE, 0) == 0 &&
	    rump_sys_fcntl(s, X_F_GETNOSIGPIPE) == 0, "SO_NOSIGPIPE off");
	ok(writepipe(s) == X_EPIPE && atomic_load(&nraised) == 2, "a signal again");
	rump_sys_fcntl(s, X_F_SETNOSIGPIPE, 1);
	ok(writepipe(s) == X_EPIPE && atomic_load(&nraised) == 2, "F_SETNOSIGPIPE: no signal");
	ok(x_getint(s, X_SOL_SOCKET, X_SO_NOSIGPIPE) == 0,
	    "(the file flag is not the socket option, as NetBSD)");
	rump_sys_close(s);

	pair(7001, &c, &s);
	ok(rump_sys_shutdown(c, X_SHUT_WR) == 0, "shutdown(SHUT_WR)");
	ok(writepipe(c) == X_EPIPE && atomic_load(&nraised) == 3, "write after it: EPIPE and "
	    "SIGPIPE");
	rump_sys_close(c);
	rump_sys_close(s);
	{
		struct x_sin sin = x_sin("127.0.0.1", 7002);
		int l = x_listen("127.0.0.1", 7002, 5);

		c = rump_sys_socket(X_AF_INET, X_SOCK_STREAM | X_SOCK_NOSIGPIPE, 0);
		rump_sys_connect(c, (struct sockaddr *)&sin, sizeof(sin));
		s = rump_sys_accept(l, NULL, NULL);
		rump_sys_shutdown(c, X_SHUT_WR);
		ok(writepipe(c) == X_EPIPE && atomic_load(&nraised) == 3,
		    "SOCK_NOSIGPIPE: EPIPE, no signal");
		rump_sys_close(c);
		rump_sys_close(s);
		rump_sys_close(l);
	}

	/* ---- RECORD: pending on the process, unless masked */
	ok(rumpus_kernel_sigmodel(k, 4) == 3, "RECORD (the old model returned)");
	s = broken(7003);
	ok(pending(k, 0) == 0, "nothing pending");
	ok(writepipe(s) == X_EPIPE && atomic_load(&nraised) == 3, "EPIPE, nothing raised");
	ok(pending(k, 0) == PIPEBIT && pending(k, rump_sys_getpid()) == PIPEBIT,
	    "SIGPIPE pending on the process (pid 0 and its pid)");
	ok(rumpus_sigclear(k, 0, NULL) == 0 && pending(k, 0) == 0, "cleared");
	set[0] = PIPEBIT, set[1] = set[2] = set[3] = 0;
	ok(rumpus_sigprocmask(k, 0, X_SIG_BLOCK, set, old) == 0 && old[0] == 0, "SIGPIPE masked");
	ok(writepipe(s) == X_EPIPE && pending(k, 0) == 0, "a masked signal is not recorded");
	ok(rumpus_sigprocmask(k, 0, X_SIG_UNBLOCK, set, NULL) == 0, "unmasked");
	ok(rumpus_sigprocmask(k, 0, 7, set, NULL) == X_EINVAL, "a bad how: EINVAL");
	ok(writepipe(s) == X_EPIPE && pending(k, 0) == PIPEBIT, "recorded again");
	set[0] = PIPEBIT;
	ok(rumpus_sigclear(k, 0, set) == 0 && pending(k, 0) == 0, "cleared by set");

	/* per process: a child (descriptors copied) records on itself; the mask is inherited */
	set[0] = USR1BIT;
	rumpus_sigprocmask(k, 0, X_SIG_BLOCK, set, NULL);
	ok(rump_pub_lwproc_rfork(1) == 0, "rfork: a child process, now current");
	child = rump_sys_getpid();
	ok(writepipe(s) == X_EPIPE, "the child writes: EPIPE");
	ok(pending(k, child) == PIPEBIT && pending(k, 1) == 0, "recorded on the child (%d), not "
	    "on process 1", child);
	ok(rumpus_sigprocmask(k, child, X_SIG_BLOCK, NULL, old) == 0 && old[0] == USR1BIT,
	    "the child inherited the mask");
	ok(rumpus_psignal(k, 0, X_SIGUSR1) == 0 && pending(k, child) == PIPEBIT,
	    "a masked SIGUSR1 posted: not recorded");
	rump_pub_lwproc_releaselwp();
	ok(rumpus_sigpending(k, child, set) == X_ESRCH_, "the child gone: ESRCH");
	set[0] = USR1BIT;
	rumpus_sigprocmask(k, 0, X_SIG_UNBLOCK, set, NULL);
	ok(rumpus_psignal(k, 0, X_SIGUSR1) == 0 && pending(k, 0) == USR1BIT, "SIGUSR1 posted");
	rumpus_sigclear(k, 0, NULL);

	/* a pipe with no reader */
	ok(rump_sys_pipe(p) == 0, "pipe");
	rump_sys_close(p[0]);
	ok(writepipe(p[1]) == X_EPIPE && pending(k, 0) == PIPEBIT, "write to a pipe with no "
	    "reader: EPIPE, SIGPIPE recorded");
	rumpus_sigclear(k, 0, NULL);
	rump_sys_fcntl(p[1], X_F_SETNOSIGPIPE, 1);
	ok(writepipe(p[1]) == X_EPIPE && pending(k, 0) == 0, "F_SETNOSIGPIPE on the pipe: none");
	rump_sys_close(p[1]);

	/* ---- IGNORE */
	ok(rumpus_kernel_sigmodel(k, 1) == 4, "IGNORE");
	ok(writepipe(s) == X_EPIPE && pending(k, 0) == 0 && atomic_load(&nraised) == 3,
	    "EPIPE, nothing raised or recorded");
	rump_sys_close(s);

	/* ---- the boot-time model and bad arguments */
	rump_boot_setsigmodel(4);
	k2 = boot();
	ok(rumpus_kernel_sigmodel(k2, -1) == 4, "rump_boot_setsigmodel: kernels booted after it");
	rumpus_kernel_destroy(k2);
	rump_boot_setsigmodel(9);
	k2 = boot();
	ok(rumpus_kernel_sigmodel(k2, -1) == 4, "an unknown model is ignored");
	rumpus_kernel_destroy(k2);
	rump_boot_setsigmodel(3);
	ok(rumpus_kernel_sigmodel(k, 9) == -1 && rumpus_kernel_sigmodel(NULL, 1) == -1,
	    "rumpus_kernel_sigmodel: a bad model or kernel is -1");
	ok(rumpus_sigpending(NULL, 0, set) == X_EINVAL && rumpus_sigpending(k, 0, NULL) ==
	    X_EINVAL && rumpus_sigpending(k, -1, set) == X_EINVAL, "sigpending: EINVAL");
	ok(rumpus_sigpending(k, 4242, set) == X_ESRCH_, "no such process: ESRCH");
	ok(rumpus_psignal(k, 0, 0) == X_EINVAL && rumpus_psignal(k, 0, 129) == X_EINVAL,
	    "psignal: signals 1..128");

	/* ---- threads: a writer asleep on a full buffer when the peer resets, RAISE */
	{
		struct x_linger lg = { 1, 0 };
		struct writer w = { k, 0, -1, -1, 0, 0 };
		pthread_t t;
		int before;

		ok(rumpus_kernel_sigmodel(k, 3) == 1, "RAISE again");
		pair(7004, &c, &s);
		w.fd = c;
		before = atomic_load(&nraised);
		rumpus_kernel_switch(NULL);
		pthread_create(&t, NULL, blocked_writer, &w);
		rumpus_kernel_switch(k);
		while (x_getint(s, X_SOL_SOCKET, 0x1007 /* SO_ERROR */) == 0 &&
		    rump_sys_ioctl(c, 0x4004666e /* FIONWRITE */, &fl) == 0 && fl == 0)
			x_sleep_ms(1);	/* until the writer filled the send buffer */
		x_sleep_ms(20);
		rump_sys_setsockopt(s, X_SOL_SOCKET, X_SO_LINGER, &lg, sizeof(lg));
		rump_sys_close(s);
		rumpus_kernel_switch(NULL);
		pthread_join(t, NULL);
		rumpus_kernel_switch(k);
		ok(w.first == X_EPIPE, "the sleeping writer woke: EPIPE (the bytes it queued are "
		    "lost, as NetBSD's sosend) (%d)", w.first);
		ok(w.second == X_EPIPE && atomic_load(&nraised) == before + 2 &&
		    pthread_equal(atomic_load(&raisedby), w.self),
		    "and its next write: a SIGPIPE each, raised in its own thread (%d)",
		    atomic_load(&nraised) - before);
		rump_sys_close(c);
	}

	/* ---- threads: RECORD while writers post and this thread reads and clears */
	{
		struct writer w[3];
		pthread_t t[3];
		int i, total = 0, seen = 0;

		rumpus_kernel_sigmodel(k, 4);
		for (i = 0; i < 3; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].k = k;
			w[i].fd = broken(7010 + i);
		}
		rumpus_kernel_switch(NULL);
		for (i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, many_writes, &w[i]);
		for (i = 0; i < 200; i++) {
			uint32_t v = pending(k, 1);
			seen += v == PIPEBIT;
			if (v != 0 && v != PIPEBIT)
				seen = -10000;
			rumpus_sigclear(k, 1, NULL);
		}
		for (i = 0; i < 3; i++) {
			pthread_join(t[i], NULL);
			total += w[i].n;
		}
		rumpus_kernel_switch(k);
		ok(total == 600 && seen >= 0, "600 writes on three threads: EPIPE each, only SIGPIPE "
		    "ever pending (%d, %d)", total, seen);
		ok(writepipe(w[0].fd) == X_EPIPE && pending(k, 0) == PIPEBIT, "and recorded after");
		for (i = 0; i < 3; i++)
			rump_sys_close(w[i].fd);
	}

	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	return tap_done();
}
