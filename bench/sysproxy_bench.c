/*
 * sysproxy_bench.c: a syscall's round trip through the sysproxy protocol, to our
 * rumpus_server and to NetBSD's rump_server, in the same run.  One client of our own
 * (the wire format of csrc/sysproxy/sp_wire.h, which both servers speak) calls getpid
 * over a unix socket; batches alternate between the two servers, each call is timed,
 * and the figures are medians with p99.  NetBSD's server comes from $RUMPUS_NETBSD_RUMP
 * (the only place it is looked up); without it the baseline is
 * skipped with the reason.  Prints @fig/@cmp/@skip lines for bench/run.lua.
 *
 * Concurrent throughput: N client threads (1, 2, 4) share one connection, as
 * librumpclient's threads do (each request its own number, a receiver thread hands the
 * answers out); each round every thread makes THR_CALLS getpid calls, and the figure is
 * the median over rounds of calls per second, rounds alternating between the servers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysproxy/sp_wire.h"
#include "nb_resolve.h"
#include "bench.h"

#define SYS_getpid	20

static char dir[64];

static int
rd(int fd, void *b, size_t n)
{
	char *p = b;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

struct conn {
	int fd;
	uint64_t reqno;
};

/* One request, one answer (getpid copies nothing).  Returns the answer's error field. */
static int
call(struct conn *c, int type, uint32_t arg, const void *body, size_t n, void *ans, size_t an)
{
	struct sp_hdr h = { SP_HDRSZ + n, c->reqno++, SP_REQ, (uint16_t)type, arg };
	char buf[256];

	if (send(c->fd, &h, sizeof(h), MSG_NOSIGNAL | (n ? MSG_MORE : 0)) != sizeof(h) ||
	    (n > 0 && send(c->fd, body, n, MSG_NOSIGNAL) != (ssize_t)n))
		return -1;
	if (rd(c->fd, &h, sizeof(h)) != 0 || h.class != SP_RESP || h.len - SP_HDRSZ > sizeof(buf) ||
	    rd(c->fd, buf, h.len - SP_HDRSZ) != 0 || h.len - SP_HDRSZ < an)
		return -1;
	memcpy(ans, buf, an);
	return 0;
}

static int
connect_to(struct conn *c, const char *path)
{
	struct sockaddr_un sun;
	char banner[128];
	int32_t answer;
	int i;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->reqno = 1;
	for (i = 0; i < 2000; i++) {	/* the server is starting: poll 10 ms, at most 20 s */
		struct timespec ts = { 0, 10000000 };

		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		close(c->fd);
		c->fd = -1;
		nanosleep(&ts, NULL);
	}
	if (c->fd == -1 || read(c->fd, banner, sizeof(banner)) <= 0)
		return -1;
	if (call(c, SP_HANDSHAKE, SP_HS_GUEST, "sysproxy_bench", 15, &answer, sizeof(answer)) != 0)
		return -1;
	return answer;
}

static pid_t
spawn(char *const argv[], const char *ldpath)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (ldpath != NULL)
			setenv("LD_LIBRARY_PATH", ldpath, 1);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* ---------------------------------------------------------------- N threads, one connection */

#define THR_MAX		4
#define THR_CALLS	2000
#define NSLOT		64

struct mux {
	int fd;
	pthread_mutex_t mtx;		/* guards everything below; one frame at a time out */
	pthread_cond_t cv;
	uint64_t nextreq;
	int done[NSLOT];		/* by reqno % NSLOT: answered */
	int failed;
};

static void *
mux_receiver(void *arg)
{
	struct mux *m = arg;
	struct sp_hdr h;
	char buf[256];

	for (;;) {
		if (rd(m->fd, &h, sizeof(h)) != 0 || h.len < SP_HDRSZ || h.len - SP_HDRSZ > sizeof(buf) ||
		    rd(m->fd, buf, h.len - SP_HDRSZ) != 0 || h.class != SP_RESP ||
		    ((struct sp_sysresp *)buf)->error != 0) {
			pthread_mutex_lock(&m->mtx);
			m->failed = 1;
			pthread_cond_broadcast(&m->cv);
			pthread_mutex_unlock(&m->mtx);
			return NULL;
		}
		pthread_mutex_lock(&m->mtx);
		m->done[h.reqno % NSLOT] = 1;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mtx);
	}
}

static void *
mux_caller(void *arg)
{
	struct mux *m = arg;

	for (int i = 0; i < THR_CALLS; i++) {
		struct sp_hdr h = { SP_HDRSZ, 0, SP_REQ, SP_SYSCALL, SYS_getpid };
		uint64_t my;

		pthread_mutex_lock(&m->mtx);
		my = h.reqno = m->nextreq++;
		m->done[my % NSLOT] = 0;
		if (send(m->fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
			m->failed = 1;
		while (!m->done[my % NSLOT] && !m->failed)
			pthread_cond_wait(&m->cv, &m->mtx);
		pthread_mutex_unlock(&m->mtx);
		if (m->failed)
			return NULL;
	}
	return NULL;
}

/* calls per second of nthr threads on connection c (its receiver started here) */
static double
mux_round(struct mux *m, int nthr)
{
	pthread_t t[THR_MAX];
	uint64_t t0 = now_ns(), dt;

	for (int i = 0; i < nthr; i++)
		pthread_create(&t[i], NULL, mux_caller, m);
	for (int i = 0; i < nthr; i++)
		pthread_join(t[i], NULL);
	dt = now_ns() - t0;
	if (m->failed) {
		fprintf(stderr, "sysproxy_bench: a concurrent getpid failed\n");
		exit(1);
	}
	return (double)nthr * THR_CALLS / (dt / 1e9);
}

static void
mux_start(struct mux *m, struct conn *c)
{
	pthread_t t;

	memset(m, 0, sizeof(*m));
	m->fd = c->fd;
	m->nextreq = c->reqno;
	pthread_mutex_init(&m->mtx, NULL);
	pthread_cond_init(&m->cv, NULL);
	pthread_create(&t, NULL, mux_receiver, m);
	pthread_detach(t);
}

static void
batch(struct conn *c, uint64_t *lat, int n)
{
	struct sp_sysresp r;

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		if (call(c, SP_SYSCALL, SYS_getpid, NULL, 0, &r, sizeof(r)) != 0 || r.error != 0) {
			fprintf(stderr, "sysproxy_bench: getpid failed\n");
			exit(1);
		}
		lat[i] = now_ns() - t0;
	}
}

int
main(int argc, char **argv)
{
	const char *quick = getenv("BENCH_QUICK");
	int rounds = quick != NULL && *quick != '\0' && strcmp(quick, "0") != 0 ? 5 : 40;
	int per = 2000, n = 0, have_nb = 0;
	char self[1024], bin[1200], path1[128], path2[128], url1[160], url2[160];
	char nblib[1100], ldir[128], real[1536], link[256];
	const char *nb = getenv("RUMPUS_NETBSD_RUMP");
	uint64_t *ours, *theirs;
	struct conn c1, c2;
	pid_t p1, p2 = -1;

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(bin, sizeof(bin), "%s/../bin/rumpus_server", dirname(self));
	snprintf(dir, sizeof(dir), "/tmp/rumpus-spb-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path1, sizeof(path1), "%s/ours", dir);
	snprintf(path2, sizeof(path2), "%s/netbsd", dir);
	snprintf(url1, sizeof(url1), "unix://%s", path1);
	snprintf(url2, sizeof(url2), "unix://%s", path2);
	{
		char *a[] = { bin, "-s", url1, NULL };

		p1 = spawn(a, NULL);
	}
	if (nb == NULL || nb[0] == '\0')	/* an optional peer: only through the variable */
		nb = "/nonexistent (RUMPUS_NETBSD_RUMP not set)";
	{
		/* absolute: the library links made below live in another directory */
		static char absnb[900];
		char *r = realpath(nb, NULL);

		if (r != NULL && strlen(r) < sizeof(absnb)) {
			memcpy(absnb, r, strlen(r) + 1);
			nb = absnb;
		}
		free(r);
	}
	snprintf(nblib, sizeof(nblib), "%s/lib", nb);
	snprintf(ldir, sizeof(ldir), "%s/lib", dir);
	mkdir(ldir, 0700);
	{
		static const char *libs[] = { "librump.so.0", "librumpuser.so.0",
		    "librumpkern_sysproxy.so.0" };
		char server[1200];

		have_nb = 1;
		for (int i = 0; i < 3 && have_nb; i++) {
			snprintf(link, sizeof(link), "%s/%s", ldir, libs[i]);
			if (nb_resolve(nblib, libs[i], real, sizeof(real)) != 0 || symlink(real, link) != 0)
				have_nb = 0;
		}
		snprintf(server, sizeof(server), "%s/bin/rump_server", nb);
		if (have_nb && access(server, X_OK) == 0) {
			char *a[] = { server, "-s", url2, NULL };

			p2 = spawn(a, ldir);
		} else
			have_nb = 0;
	}
	if (connect_to(&c1, path1) != 0) {
		fprintf(stderr, "sysproxy_bench: our server did not answer\n");
		return 1;
	}
	if (have_nb && connect_to(&c2, path2) != 0)
		have_nb = 0;
	ours = calloc((size_t)rounds * per, sizeof(*ours));
	theirs = calloc((size_t)rounds * per, sizeof(*theirs));
	batch(&c1, ours, 200);		/* warm-up */
	if (have_nb)
		batch(&c2, theirs, 200);
	for (int r = 0; r < rounds; r++, n += per) {
		batch(&c1, ours + n, per);
		if (have_nb)
			batch(&c2, theirs + n, per);
	}
	qsort(ours, (size_t)n, sizeof(*ours), cmp64);
	printf("getpid through sysproxy, rumpus_server: p50 %.2f us, p99 %.2f us (%d calls)\n",
	    ours[n / 2] / 1e3, ours[n * 99 / 100] / 1e3, n);
	printf("@fig\tsp.getpid\tgetpid round trip through sysproxy to rumpus_server (unix socket)"
	    "\t%.17g\tus\tp99 %.2f us\n", ours[n / 2] / 1e3, ours[n * 99 / 100] / 1e3);
	if (have_nb) {
		qsort(theirs, (size_t)n, sizeof(*theirs), cmp64);
		printf("getpid through sysproxy, NetBSD rump_server: p50 %.2f us, p99 %.2f us\n",
		    theirs[n / 2] / 1e3, theirs[n * 99 / 100] / 1e3);
		printf("@fig\tsp.getpid.netbsd\tgetpid round trip through sysproxy to NetBSD's "
		    "rump_server (unix socket)\t%.17g\tus\tp99 %.2f us\n", theirs[n / 2] / 1e3,
		    theirs[n * 99 / 100] / 1e3);
		printf("@cmp\tsp.getpid\tsp.getpid.netbsd\tsame client process, interleaved "
		    "batches of %d calls, %d rounds, median and p99 of each call\n", per, rounds);
	} else
		printf("@skip\tsp.getpid.netbsd\tno NetBSD rump_server at %s ($RUMPUS_NETBSD_RUMP)\n", nb);

	/* concurrent throughput: from here the connections are multiplexed */
	{
		static const int nthrs[] = { 1, 2, 4 };
		int trounds = rounds < 10 ? 3 : 9;
		struct mux m1, m2;
		double a[9], b[9];

		mux_start(&m1, &c1);
		if (have_nb)
			mux_start(&m2, &c2);
		for (size_t j = 0; j < sizeof(nthrs) / sizeof(nthrs[0]); j++) {
			int nt = nthrs[j];

			for (int r = 0; r < trounds; r++) {
				a[r] = mux_round(&m1, nt);
				if (have_nb)
					b[r] = mux_round(&m2, nt);
			}
			qsort(a, (size_t)trounds, sizeof(a[0]), cmpd);
			printf("getpid, %d client thread%s on one connection, rumpus_server: %.0f calls/s\n",
			    nt, nt > 1 ? "s" : "", a[trounds / 2]);
			printf("@fig\tsp.thr%d\tgetpid throughput, %d client threads on one sysproxy "
			    "connection, rumpus_server\t%.17g\tcalls/s\tmedian of %d rounds\n", nt, nt,
			    a[trounds / 2], trounds);
			if (have_nb) {
				qsort(b, (size_t)trounds, sizeof(b[0]), cmpd);
				printf("getpid, %d client thread%s on one connection, NetBSD rump_server: "
				    "%.0f calls/s\n", nt, nt > 1 ? "s" : "", b[trounds / 2]);
				printf("@fig\tsp.thr%d.netbsd\tgetpid throughput, %d client threads on one "
				    "sysproxy connection, NetBSD's rump_server\t%.17g\tcalls/s\tmedian of %d "
				    "rounds\n", nt, nt, b[trounds / 2], trounds);
				printf("@cmp\tsp.thr%d\tsp.thr%d.netbsd\tsame client process, rounds of %d "
				    "calls per thread alternating between the servers\n", nt, nt, THR_CALLS);
			} else
				printf("@skip\tsp.thr%d.netbsd\tno NetBSD rump_server\n", nt);
		}
	}
	kill(p1, SIGTERM);
	waitpid(p1, NULL, 0);
	if (p2 > 0) {
		kill(p2, SIGTERM);
		waitpid(p2, NULL, 0);
	}
	for (int i = 0; i < 3; i++) {
		static const char *libs[] = { "librump.so.0", "librumpuser.so.0",
		    "librumpkern_sysproxy.so.0" };

		snprintf(link, sizeof(link), "%s/%s", ldir, libs[i]);
		unlink(link);
	}
	rmdir(ldir);
	unlink(path1);
	unlink(path2);
	rmdir(dir);
	return 0;
}
