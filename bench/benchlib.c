/*
 * benchlib.c: the C side of the benchmarks, loaded by the Lua benchmarks through the FFI
 * ($BUILD/bench/libbench.so), so that every Lua figure has its C baseline measured in the
 * same process, in the same run, in batches interleaved with the Lua ones.
 *
 * Every loop takes a count and returns the nanoseconds it took (CLOCK_MONOTONIC), or a
 * negative errno when an operation failed.  Loops that enter a kernel make it current for
 * the calling thread and restore the previous one, so Lua's idea of the current kernel
 * stays true.  Latency loops write one figure per trip into lat[] (ns).
 *
 * The library links librumpus.so by its soname: loaded after (or before) require "rump"
 * loaded $BUILD/lib/librumpus.so, both name the same object (rb_same_library checks it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

#define EXPORT	__attribute__((visibility("default")))

/* NetBSD values the kernel side uses (the host headers carry Linux's). */
#define NB_O_WRONLY	1
#define NB_O_CREAT	0x200
#define NB_O_TRUNC	0x400
#define NB_MSG_DONTWAIT	0x80
#define NB_SOL_SOCKET	0xffff
#define NB_SO_RCVTIMEO	0x100c
#define NB_EAGAIN	35
struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
	int32_t pad;
};

static volatile long sink;

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

EXPORT double
rb_now(void)
{
	return (double)now_ns();
}

/* The address of the kernel library's rumpus_kernel_create as this library sees it. */
EXPORT void *
rb_kernel_create_addr(void)
{
	return (void *)rumpus_kernel_create;
}

/* ------------------------------------------------------------------ the host */

EXPORT double
rb_host_getpid(long n)
{
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++)
		sink = syscall(SYS_getpid);
	return (double)(now_ns() - t0);
}

EXPORT double
rb_host_read(int fd, void *buf, long len, long n)
{
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++)
		if (read(fd, buf, (size_t)len) != len)
			return -(double)(errno ? errno : EIO);
	return (double)(now_ns() - t0);
}

EXPORT double
rb_host_write(int fd, const void *buf, long len, long n)
{
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++)
		if (write(fd, buf, (size_t)len) != len)
			return -(double)(errno ? errno : EIO);
	return (double)(now_ns() - t0);
}

EXPORT double
rb_host_openclose(const char *path, long n)
{
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -(double)errno;
		close(fd);
	}
	return (double)(now_ns() - t0);
}

/* create, write len bytes, close, unlink: the file cycle of the tmpfs comparison. */
EXPORT double
rb_host_filecycle(const char *path, const void *data, long len, long n)
{
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return -(double)errno;
		if (write(fd, data, (size_t)len) != len) {
			close(fd);
			return -(double)EIO;
		}
		close(fd);
		unlink(path);
	}
	return (double)(now_ns() - t0);
}

/* ------------------------------------------------------------------ kernels */

EXPORT double
rb_kern_getpid(struct rumpus_kernel *k, long n)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	int64_t t0 = now_ns();

	for (long i = 0; i < n; i++)
		sink = rump_sys_getpid();
	t0 = now_ns() - t0;
	rumpus_kernel_switch(old);
	return (double)t0;
}

EXPORT double
rb_kern_boot(const char *const *comps, long n)
{
	int64_t t0 = now_ns();
	int err = 0;

	for (long i = 0; i < n; i++) {
		struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);

		if (k == NULL)
			return -(double)err;
		rumpus_kernel_destroy(k);
	}
	return (double)(now_ns() - t0);
}

EXPORT double
rb_kern_filecycle(struct rumpus_kernel *k, const char *path, const void *data, long len, long n)
{
	struct rumpus_kernel *old = rumpus_kernel_switch(k);
	int64_t t0 = now_ns();
	double rv;

	for (long i = 0; i < n; i++) {
		int fd = rump_sys_open(path, NB_O_CREAT | NB_O_WRONLY | NB_O_TRUNC, 0644);

		if (fd < 0) {
			rv = -(double)errno;
			goto out;
		}
		if (rump_sys_write(fd, data, (size_t)len) != len) {
			rump_sys_close(fd);
			rv = -(double)EIO;
			goto out;
		}
		rump_sys_close(fd);
		rump_sys_unlink(path);
	}
	rv = (double)(now_ns() - t0);
out:
	rumpus_kernel_switch(old);
	return rv;
}

/* ------------------------------------------------------------------ UDP round trips */

/*
 * One end of a round trip: a socket, in a kernel (k != NULL: rump_sys_*, NetBSD flags) or
 * on the host (k == NULL), and the address of the other end.
 */
struct rb_end {
	struct rumpus_kernel *k;
	int s;
	const void *to;		/* the peer's address, in the ABI of this end */
	int tolen;
};

static inline long
end_send(const struct rb_end *e, const void *buf, size_t len)
{
	if (e->k != NULL)
		return rump_sys_sendto(e->s, buf, len, 0, e->to, (socklen_t)e->tolen);
	return sendto(e->s, buf, len, 0, e->to, (socklen_t)e->tolen);
}

/* Receives one datagram; dontwait: spin on EAGAIN (one thread drives both ends). */
static inline long
end_recv(const struct rb_end *e, void *buf, size_t len, int dontwait)
{
	long r;

	for (;;) {
		if (e->k != NULL) {
			r = rump_sys_recvfrom(e->s, buf, len, dontwait ? NB_MSG_DONTWAIT : 0, NULL, NULL);
			if (r >= 0 || !dontwait || errno != NB_EAGAIN)
				return r;
		} else {
			r = recvfrom(e->s, buf, len, dontwait ? MSG_DONTWAIT : 0, NULL, NULL);
			if (r >= 0 || !dontwait || (errno != EAGAIN && errno != EWOULDBLOCK))
				return r;
		}
	}
}

static int
end_timeout(const struct rb_end *e, int sec)
{
	if (e->k != NULL) {
		struct nb_timeval tv = { sec, 0, 0 };
		struct rumpus_kernel *old = rumpus_kernel_switch(e->k);
		int r = rump_sys_setsockopt(e->s, NB_SOL_SOCKET, NB_SO_RCVTIMEO, &tv, sizeof(tv));

		rumpus_kernel_switch(old);
		return r;
	}
	struct timeval tv = { sec, 0 };
	return setsockopt(e->s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/*
 * One thread drives both ends: a sends 64 bytes to b, b receives and answers, a receives;
 * every receive is non-blocking (spins while nothing is there).  Kernels are switched
 * as a binding does before each call.  lat[i]: ns of trip i.  Returns 0 or an errno.
 */
EXPORT int
rb_udp_rtt1(struct rumpus_kernel *ka, int sa, const void *tob, int toblen,
    struct rumpus_kernel *kb, int sb, const void *toa, int toalen, long n, double *lat)
{
	struct rb_end a = { ka, sa, tob, toblen }, b = { kb, sb, toa, toalen };
	struct rumpus_kernel *old = rumpus_kernel_current();
	char msg[64], buf[2048];
	int rv = 0;

	memset(msg, 'm', sizeof(msg));
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_ns();

		if (ka)
			rumpus_kernel_switch(ka);
		if (end_send(&a, msg, sizeof(msg)) != sizeof(msg))
			goto fail;
		if (kb)
			rumpus_kernel_switch(kb);
		if (end_recv(&b, buf, sizeof(buf), 1) != sizeof(msg) ||
		    end_send(&b, buf, sizeof(msg)) != sizeof(msg))
			goto fail;
		if (ka)
			rumpus_kernel_switch(ka);
		if (end_recv(&a, buf, sizeof(buf), 1) != sizeof(msg))
			goto fail;
		lat[i] = (double)(now_ns() - t0);
	}
	goto out;
fail:
	rv = errno ? errno : EIO;
out:
	rumpus_kernel_switch(old);
	return rv;
}

/* Two threads: the server answers every datagram until it gets a 1-byte one. */
struct rtt2 {
	struct rb_end cli, srv;
	long n;
	double *lat;
	int err;
	int ready;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
};

static int
serve(const struct rb_end *e)
{
	char buf[2048];

	for (;;) {
		long r = end_recv(e, buf, sizeof(buf), 0);

		if (r < 0)
			return errno ? errno : EIO;
		if (r == 1)
			return 0;
		if (end_send(e, buf, (size_t)r) != r)
			return errno ? errno : EIO;
	}
}

static void *
server_thread(void *arg)
{
	struct rtt2 *t = arg;

	if (t->srv.k)
		rumpus_kernel_switch(t->srv.k);
	pthread_mutex_lock(&t->mtx);
	t->ready = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mtx);
	t->err = serve(&t->srv);
	if (t->srv.k)
		rumpus_kernel_switch(NULL);
	return NULL;
}

static int
client(const struct rb_end *e, long n, double *lat)
{
	char msg[64], buf[2048];

	memset(msg, 'm', sizeof(msg));
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_ns();

		if (end_send(e, msg, sizeof(msg)) != sizeof(msg) ||
		    end_recv(e, buf, sizeof(buf), 0) != sizeof(msg))
			return errno ? errno : EIO;
		lat[i] = (double)(now_ns() - t0);
	}
	return 0;
}

static void *
client_thread(void *arg)
{
	struct rtt2 *t = arg;
	int e;

	if (t->cli.k)
		rumpus_kernel_switch(t->cli.k);
	e = client(&t->cli, t->n, t->lat);
	(void)end_send(&t->cli, "q", 1);
	if (t->cli.k)
		rumpus_kernel_switch(NULL);
	return (void *)(intptr_t)e;
}

/*
 * A client thread and a server thread, each in its own kernel (ka, kb) or both on the
 * host (ka == kb == NULL); blocking receives, with a 2 s receive timeout so that a lost
 * datagram ends the run with an error instead of a hang.  Returns 0 or an errno.
 */
EXPORT int
rb_udp_rtt2(struct rumpus_kernel *ka, int sa, const void *tob, int toblen,
    struct rumpus_kernel *kb, int sb, const void *toa, int toalen, long n, double *lat)
{
	struct rtt2 t = { { ka, sa, tob, toblen }, { kb, sb, toa, toalen }, n, lat, 0, 0,
	    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };
	pthread_t ts, tc;
	void *cr;

	if (end_timeout(&t.cli, 2) != 0 || end_timeout(&t.srv, 2) != 0)
		return errno ? errno : EINVAL;
	if (pthread_create(&ts, NULL, server_thread, &t) != 0)
		return EAGAIN;
	pthread_mutex_lock(&t.mtx);
	while (!t.ready)
		pthread_cond_wait(&t.cv, &t.mtx);
	pthread_mutex_unlock(&t.mtx);
	if (pthread_create(&tc, NULL, client_thread, &t) != 0) {
		(void)end_send(&t.cli, "q", 1);
		pthread_join(ts, NULL);
		return EAGAIN;
	}
	pthread_join(tc, &cr);
	pthread_join(ts, NULL);
	return cr != NULL ? (int)(intptr_t)cr : t.err;
}

/*
 * Two processes on the host: a forked child serves on sb; this process is the client on
 * sa.  The child only calls recvfrom, sendto and _exit.  Returns 0 or an errno.
 */
EXPORT int
rb_udp_rtt2_fork(int sa, const void *tob, int toblen, int sb, const void *toa, int toalen,
    long n, double *lat)
{
	struct rb_end c = { NULL, sa, tob, toblen }, s = { NULL, sb, toa, toalen };
	int e, status;
	pid_t pid;

	if (end_timeout(&c, 2) != 0 || end_timeout(&s, 2) != 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(serve(&s) == 0 ? 0 : 1);
	e = client(&c, n, lat);
	(void)end_send(&c, "q", 1);
	if (waitpid(pid, &status, 0) != pid)
		return e ? e : errno;
	if (e == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		e = EIO;
	return e;
}

/* ------------------------------------------------------------------ background load */

/*
 * Starts n processes that spin (each ends itself after maxsec seconds whatever happens);
 * their ids go to pids[].  rb_load_stop ends exactly those.
 */
EXPORT int
rb_load_start(int n, int maxsec, int *pids)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return errno;
		if (pid == 0) {
			alarm((unsigned)maxsec);
			for (;;)
				sink++;
		}
		pids[i] = pid;
	}
	return 0;
}

EXPORT void
rb_load_stop(int n, const int *pids)
{
	for (int i = 0; i < n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
}
