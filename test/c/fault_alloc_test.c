/*
 * fault_alloc_test.c: allocation-failure injection (rump/rumpus_fault.h) and what kernels
 * do when an allocation fails.
 *
 * A fixed single-threaded workload (files, a rename, a pipe, AF_UNIX stream and datagram
 * sockets, descriptor passing, UDP over lo0, an rfork'd process) runs once to count its
 * allocations, then once per allocation with exactly that one failed (nth sweep), then
 * with random failures at several rates and seeds, and kernel creation runs once per
 * allocation it makes with that one failed (process-wide), and 4 threads run the workload
 * at once in one kernel of 2 vCPUs with random failures.  Every time: each syscall
 * either succeeds or fails with ENOMEM, ENOBUFS or ENOSPC (a datagram may also be dropped:
 * its receive says EAGAIN), the kernel destroys cleanly, and every byte comes back.
 * Under ASan (make asan, make faults) LeakSanitizer also checks the host heap.
 *
 * FAULT_SEEDS=n runs n seeds per rate (default 4; make faults uses more); FAULT_VERBOSE=1
 * lists every bad run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vfs_util.h"
#include "rump/rumpus_fault.h"

enum {
	NB_ENOMEM = 12, NB_ENOBUFS = 55, NB_EAGAIN_ = 35,
	NB_AF_UNIX = 1, NB_AF_INET = 2, NB_SOCK_STREAM = 1, NB_SOCK_DGRAM = 2,
	NB_MSG_DONTWAIT = 0x80, NB_SOCK_NONBLOCK = 0x20000000, NB_SOL_SOCKET = 0xffff,
	NB_SCM_RIGHTS = 1,
};
struct nb_sockaddr_in { uint8_t len, family; uint16_t port; uint32_t addr; char zero[8]; };
struct nb_sockaddr_un { uint8_t len, family; char path[104]; };
struct nb_iovec { void *base; size_t len; };
struct nb_msghdr {
	void *name; uint32_t namelen; struct nb_iovec *iov; int iovlen;
	void *control; uint32_t controllen; int flags;
};
/* NetBSD aligns cmsg data to 8 bytes: CMSG_LEN(4) 20, CMSG_SPACE(4) 24 */
struct nb_cmsg { uint32_t len; int level, type; int pad; int fd; int pad2; };

/* Names of the workload: "/d" etc. for one thread, "/t<n>d" for thread n of the threaded
 * runs, so that threads in one kernel do not meet. */
static __thread int wid;
static __thread char namebuf[4][32];
static const char *
NM(int slot, const char *name)
{
	if (wid == 0)
		return name;
	snprintf(namebuf[slot], sizeof(namebuf[slot]), "/t%d%s", wid, name + 1);
	return namebuf[slot];
}

/* What one run saw. */
struct run {
	int bad;		/* a syscall failed with an unexpected errno, or data was wrong */
	int errors;		/* syscalls that failed with an allocation errno */
	char why[160];
};

static void
bad(struct run *r, const char *what, long ret, int e)
{
	if (r->bad++ == 0)
		snprintf(r->why, sizeof(r->why), "%s: returned %ld errno %d", what, ret, e);
}

/* A syscall's result: 1 on success, 0 on an allocation error (counted), 0 and r->bad on
 * anything else. */
static int
chk(struct run *r, const char *what, long ret)
{
	int e = errno;

	if (ret >= 0)
		return 1;
	if (e == NB_ENOMEM || e == NB_ENOBUFS || e == NB_ENOSPC)
		r->errors++;
	else
		bad(r, what, ret, e);
	return 0;
}

#define CALL(r, what, call)	(errno = 0, chk(r, what, (long)(call)))

static void
files(struct run *r)
{
	char data[3000], back[3000];
	struct nb_stat st;
	int fd, i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7 + 1);
	if (!CALL(r, "mkdir", rump_sys_mkdir(NM(0, "/d"), 0755)))
		return;
	fd = rump_sys_open(NM(0, "/d/f"), NB_O_RDWR | NB_O_CREAT, 0644);
	if (!chk(r, "open", fd))
		return;
	if (CALL(r, "write", rump_sys_write(fd, data, sizeof(data)))) {
		/* the write returned the full count or failed: a short write is an error */
		if (rump_sys_pread(fd, back, sizeof(back), 0) != (ssize_t)sizeof(back) ||
		    memcmp(back, data, sizeof(data)) != 0)
			bad(r, "read back", -1, errno);
	}
	CALL(r, "close", rump_sys_close(fd));
	if (CALL(r, "rename", rump_sys_rename(NM(0, "/d/f"), NM(1, "/d/g"))))
		if (rump_sys_stat(NM(1, "/d/g"), ST(&st)) != 0)
			bad(r, "stat after rename", -1, errno);
	CALL(r, "symlink", rump_sys_symlink("g", NM(2, "/d/l")));
}

static void
pipes(struct run *r)
{
	int p[2];
	char buf[100], back[100];

	memset(buf, 'p', sizeof(buf));
	if (!CALL(r, "pipe2", rump_sys_pipe2(p, NB_O_NONBLOCK)))
		return;
	if (CALL(r, "pipe write", rump_sys_write(p[1], buf, sizeof(buf))))
		if (rump_sys_read(p[0], back, sizeof(back)) != (ssize_t)sizeof(back) ||
		    memcmp(buf, back, sizeof(buf)) != 0)
			bad(r, "pipe read back", -1, errno);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

static void
unix_sockets(struct run *r)
{
	struct nb_sockaddr_un sun = { 0, NB_AF_UNIX, "" };
	struct nb_iovec iov;
	struct nb_msghdr mh;
	struct nb_cmsg cm;
	char buf[64], back[64];
	int sv[2], a, b, p[2];
	ssize_t n;

	snprintf(sun.path, sizeof(sun.path), "%s", NM(0, "/sock"));
	memset(buf, 'u', sizeof(buf));
	if (CALL(r, "socketpair", rump_sys_socketpair(NB_AF_UNIX, NB_SOCK_STREAM | NB_SOCK_NONBLOCK,
	    0, sv))) {
		if (CALL(r, "stream send", rump_sys_sendto(sv[0], buf, sizeof(buf), 0, NULL, 0))) {
			n = rump_sys_recvfrom(sv[1], back, sizeof(back), 0, NULL, NULL);
			if (n != (ssize_t)sizeof(back) || memcmp(buf, back, sizeof(buf)) != 0)
				bad(r, "stream receive", n, errno);
		}
		/* pass a pipe's read end over the pair, then close everything */
		if (CALL(r, "pipe for passing", rump_sys_pipe2(p, NB_O_NONBLOCK))) {
			iov.base = buf, iov.len = 1;
			cm.len = 20, cm.level = NB_SOL_SOCKET, cm.type = NB_SCM_RIGHTS;
			cm.fd = p[0];
			memset(&mh, 0, sizeof(mh));
			mh.iov = &iov, mh.iovlen = 1, mh.control = &cm, mh.controllen = sizeof(cm);
			if (CALL(r, "sendmsg SCM_RIGHTS", rump_sys_sendmsg(sv[0], (void *)&mh, 0))) {
				memset(&cm, 0, sizeof(cm));
				mh.controllen = sizeof(cm);
				n = rump_sys_recvmsg(sv[1], (void *)&mh, 0);
				if (chk(r, "recvmsg SCM_RIGHTS", n)) {
					if (n != 1 || mh.controllen < 20 || cm.type != NB_SCM_RIGHTS)
						bad(r, "received descriptor", n, 0);
					else
						rump_sys_close(cm.fd);
				}
			}
			rump_sys_close(p[0]);
			rump_sys_close(p[1]);
		}
		rump_sys_close(sv[0]);
		rump_sys_close(sv[1]);
	}
	sun.len = sizeof(sun);
	a = rump_sys_socket(NB_AF_UNIX, NB_SOCK_DGRAM | NB_SOCK_NONBLOCK, 0);
	if (!chk(r, "unix dgram socket", a))
		return;
	b = rump_sys_socket(NB_AF_UNIX, NB_SOCK_DGRAM | NB_SOCK_NONBLOCK, 0);
	if (chk(r, "unix dgram socket", b)) {
		if (CALL(r, "unix bind", rump_sys_bind(a, (void *)&sun, sizeof(sun))) &&
		    CALL(r, "unix sendto", rump_sys_sendto(b, buf, 20, 0, (void *)&sun, sizeof(sun)))) {
			n = rump_sys_recvfrom(a, back, sizeof(back), 0, NULL, NULL);
			if (n != 20 || memcmp(buf, back, 20) != 0)
				bad(r, "unix dgram receive", n, errno);
		}
		rump_sys_close(b);
	}
	rump_sys_close(a);
}

static void
udp(struct run *r)
{
	struct nb_sockaddr_in sin = { sizeof(sin), NB_AF_INET, __builtin_bswap16((uint16_t)(7777 + wid)),
	    __builtin_bswap32(0x7f000001), { 0 } };
	char buf[300], back[300];
	int a, b;
	ssize_t n;

	memset(buf, 'i', sizeof(buf));
	a = rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM | NB_SOCK_NONBLOCK, 0);
	if (!chk(r, "udp socket", a))
		return;
	b = rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM | NB_SOCK_NONBLOCK, 0);
	if (chk(r, "udp socket", b)) {
		if (CALL(r, "udp bind", rump_sys_bind(a, (void *)&sin, sizeof(sin))) &&
		    CALL(r, "udp sendto", rump_sys_sendto(b, buf, sizeof(buf), 0, (void *)&sin,
		    sizeof(sin)))) {
			n = rump_sys_recvfrom(a, back, sizeof(back), NB_MSG_DONTWAIT, NULL, NULL);
			/* loopback input may drop the datagram for want of memory */
			if (n < 0 && errno == NB_EAGAIN_)
				r->errors++;
			else if (n != (ssize_t)sizeof(back) || memcmp(buf, back, sizeof(buf)) != 0)
				bad(r, "udp receive", n, errno);
		}
		rump_sys_close(b);
	}
	rump_sys_close(a);
}

static void
lwproc(struct run *r)
{
	int fd;

	if (!CALL(r, "rfork", rump_pub_lwproc_rfork(RUMP_RFFDG)))
		return;
	fd = rump_sys_open(NM(3, "/child"), NB_O_RDWR | NB_O_CREAT, 0600);
	if (chk(r, "open in child", fd))
		CALL(r, "write in child", rump_sys_write(fd, "c", 1));
	rump_pub_lwproc_releaselwp();
}

static void workload(struct run *r);

struct tw { int id; struct rumpus_kernel *k; struct run r; pthread_barrier_t *go; };

static void *
tworker(void *arg)
{
	struct tw *t = arg;

	wid = t->id;
	rumpus_kernel_switch(t->k);
	pthread_barrier_wait(t->go);
	workload(&t->r);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", "net.netinet", NULL };

static struct rumpus_kernel *
boot(int *errp)
{
	struct rumpus_config cfg = { .ncpu = 1 };

	return rumpus_kernel_create(comps, &cfg, errp);
}

static void
workload(struct run *r)
{
	files(r);
	pipes(r);
	unix_sockets(r);
	udp(r);
	lwproc(r);
}

/* NT threads run the workload at once in one kernel of 2 vCPUs, with random allocation
 * failures: the same rules as single-threaded, and the kernel destroys cleanly after. */
#define NT 4
static void
threaded(double rate, uint64_t seed, struct run *out, uint64_t *injected)
{
	struct rumpus_config cfg = { .ncpu = 2 };
	struct rumpus_memstats m0, m1;
	struct rumpus_fault_stats fs;
	struct tw tw[NT];
	pthread_t th[NT];
	pthread_barrier_t go;
	struct rumpus_kernel *k;
	int i, err = 0;

	memset(out, 0, sizeof(*out));
	rumpus_memstats(&m0);
	if ((k = rumpus_kernel_create(comps, &cfg, &err)) == NULL) {
		bad(out, "boot", -1, err);
		return;
	}
	rumpus_fault_set(k, RUMPUS_FAULT_RATE, rate, seed);
	pthread_barrier_init(&go, NULL, NT);
	for (i = 0; i < NT; i++) {
		memset(&tw[i], 0, sizeof(tw[i]));
		tw[i].id = i + 1, tw[i].k = k, tw[i].go = &go;
		pthread_create(&th[i], NULL, tworker, &tw[i]);
	}
	for (i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		out->errors += tw[i].r.errors;
		if (tw[i].r.bad && out->bad++ == 0)
			snprintf(out->why, sizeof(out->why), "thread %d: %s", i + 1, tw[i].r.why);
	}
	pthread_barrier_destroy(&go);
	rumpus_fault_stats(k, &fs);
	*injected = fs.injected;
	if ((err = rumpus_kernel_destroy(k)) != 0)
		bad(out, "destroy", -1, err);
	rumpus_memstats(&m1);
	if (m1.bytes != m0.bytes || m1.blocks != m0.blocks || m1.leaked != m0.leaked)
		bad(out, "memory after destroy", (long)(m1.bytes - m0.bytes), (int)(m1.leaked - m0.leaked));
}

/* Boots a kernel, applies the fault setting to it, runs the workload, destroys it and
 * checks that the memory came back.  Returns the allocations the kernel saw. */
static uint64_t
one(struct run *r, int mode, double v, uint64_t seed, uint64_t *injected)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_fault_stats fs;
	struct rumpus_kernel *k;
	int err = 0;

	memset(r, 0, sizeof(*r));
	rumpus_memstats(&m0);
	if ((k = boot(&err)) == NULL) {
		bad(r, "boot", -1, err);
		return 0;
	}
	rumpus_fault_set(k, mode, v, seed);
	rumpus_kernel_switch(k);
	workload(r);
	rumpus_kernel_switch(NULL);
	rumpus_fault_stats(k, &fs);
	if ((err = rumpus_kernel_destroy(k)) != 0)
		bad(r, "destroy", -1, err);
	rumpus_memstats(&m1);
	if (m1.bytes != m0.bytes || m1.blocks != m0.blocks || m1.leaked != m0.leaked)
		bad(r, "memory after destroy", (long)(m1.bytes - m0.bytes), (int)(m1.leaked - m0.leaked));
	if (injected != NULL)
		*injected = fs.injected;
	return fs.calls;
}

/* The child of env_case: reports what RUMPUS_FAULT set, as its exit status. */
static int
env_child(void)
{
	struct rumpus_fault_stats fs;
	struct rumpus_kernel *k;
	int err = 0;

	rumpus_fault_stats(NULL, &fs);
	k = boot(&err);
	if (k != NULL)
		rumpus_kernel_destroy(k);
	/* mode in the low bits, 4 if the first kernel failed with ENOMEM */
	return fs.mode | (k == NULL && err == NB_ENOMEM ? 4 : 0);
}

/* Runs this program with RUMPUS_FAULT=val; returns the child's exit status. */
static int
env_case(const char *val)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		setenv("RUMPUS_FAULT", val, 1);
		execl("/proc/self/exe", "fault_alloc_test", "--env-child", (char *)NULL);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
main(int argc, char **argv)
{
	struct rumpus_fault_stats fs;
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k;
	struct run r;
	uint64_t total, n, inj, ncreate, injected_all = 0;
	int nbad, absorbed, err, s, nseeds, verbose;
	static const double rates[] = { 0.01, 0.05, 0.2 };
	const char *env = getenv("FAULT_SEEDS");
	char first[200] = "";

	if (argc > 1 && strcmp(argv[1], "--env-child") == 0)
		return env_child();
	nseeds = env ? atoi(env) : 4;
	verbose = getenv("FAULT_VERBOSE") != NULL;

	/* the API */
	ok(rumpus_fault_set(NULL, 7, 1, 0) == NB_EINVAL, "unknown mode: EINVAL");
	ok(rumpus_fault_set(NULL, RUMPUS_FAULT_NTH, 0, 0) == NB_EINVAL, "nth 0: EINVAL");
	ok(rumpus_fault_set(NULL, RUMPUS_FAULT_NTH, 1.5, 0) == NB_EINVAL, "nth 1.5: EINVAL");
	ok(rumpus_fault_set(NULL, RUMPUS_FAULT_RATE, 1.01, 0) == NB_EINVAL, "rate 1.01: EINVAL");
	ok(rumpus_fault_set(NULL, RUMPUS_FAULT_RATE, 0.0 / 0.0, 0) == NB_EINVAL, "rate NaN: EINVAL");
	ok(rumpus_fault_stats(NULL, NULL) == NB_EINVAL, "stats into NULL: EINVAL");
	ok(rumpus_fault_stats(NULL, &fs) == 0 && fs.mode == RUMPUS_FAULT_OFF,
	    "the process-wide state is off (RUMPUS_FAULT unset)");

	/* the environment variable, read when the library is loaded */
	ok(env_case("alloc:nth=1") == (RUMPUS_FAULT_NTH | 4),
	    "RUMPUS_FAULT=alloc:nth=1: nth mode, the first kernel creation fails with ENOMEM");
	ok(env_case("alloc:rate=1,seed=7") == (RUMPUS_FAULT_RATE | 4),
	    "RUMPUS_FAULT=alloc:rate=1,seed=7: rate mode, creation fails");
	ok(env_case("alloc:rate=0.0") == RUMPUS_FAULT_RATE, "RUMPUS_FAULT=alloc:rate=0.0: on, fails nothing");
	ok(env_case("alloc:nth=x") == RUMPUS_FAULT_OFF && env_case("bogus") == RUMPUS_FAULT_OFF &&
	    env_case("alloc:nth=1,rate=0.5") == RUMPUS_FAULT_OFF,
	    "malformed RUMPUS_FAULT values are ignored (with a warning on stderr)");

	/* the workload without faults: counts the allocations it makes */
	total = one(&r, RUMPUS_FAULT_NTH, 9007199254740992.0, 0, &inj);
	ok(r.bad == 0 && r.errors == 0 && inj == 0 && total > 50,
	    "the workload runs clean and makes %llu allocations %s", (unsigned long long)total, r.why);

	/* nth sweep: each allocation of the workload fails once */
	nbad = absorbed = 0;
	for (n = 1; n <= total; n++) {
		one(&r, RUMPUS_FAULT_NTH, (double)n, 0, &inj);
		injected_all += inj;
		if (r.bad && nbad++ == 0)
			snprintf(first, sizeof(first), "allocation %llu: %s", (unsigned long long)n, r.why);
		if (r.bad && verbose)
			diag("allocation %llu: %s", (unsigned long long)n, r.why);
		if (!r.bad && r.errors == 0)
			absorbed++;
	}
	ok(nbad == 0, "each of the %llu allocations failed in turn: every syscall succeeded or "
	    "said ENOMEM/ENOBUFS/ENOSPC, clean destroy, no byte lost (%d bad) %s",
	    (unsigned long long)total, nbad, first);
	diag("nth sweep: %llu runs, %d absorbed without a visible error", (unsigned long long)total,
	    absorbed);

	/* random failures */
	for (s = 0; s < (int)(sizeof(rates) / sizeof(rates[0])); s++) {
		int seed, errs = 0;

		nbad = 0, first[0] = '\0';
		for (seed = 1; seed <= nseeds; seed++) {
			one(&r, RUMPUS_FAULT_RATE, rates[s], (uint64_t)seed, &inj);
			injected_all += inj;
			errs += r.errors;
			if (r.bad && nbad++ == 0)
				snprintf(first, sizeof(first), "seed %d: %s", seed, r.why);
			if (r.bad && verbose)
				diag("rate %.2f seed %d: %s", rates[s], seed, r.why);
		}
		ok(nbad == 0, "rate %.2f, %d seeds: only allocation errors, clean destroy (%d syscall "
		    "errors) %s", rates[s], nseeds, errs, first);
	}
	/* threads */
	{
		int seed, errs = 0;
		uint64_t tinj = 0;

		nbad = 0, first[0] = '\0';
		for (seed = 1; seed <= nseeds; seed++) {
			threaded(0.05, (uint64_t)seed, &r, &inj);
			tinj += inj;
			errs += r.errors;
			if (r.bad && nbad++ == 0)
				snprintf(first, sizeof(first), "seed %d: %s", seed, r.why);
			if (r.bad && verbose)
				diag("threads seed %d: %s", seed, r.why);
		}
		injected_all += tinj;
		ok(nbad == 0 && tinj > 0, "%d threads in one kernel of 2 vCPUs at rate 0.05, %d seeds: "
		    "only allocation errors, clean destroy (%llu injected, %d syscall errors) %s", NT,
		    nseeds, (unsigned long long)tinj, errs, first);
	}
	one(&r, RUMPUS_FAULT_RATE, 1, 0, &inj);
	ok(r.bad == 0 && r.errors > 0, "rate 1 (every kernel allocation fails): only allocation "
	    "errors, clean destroy %s", r.why);

	/* kernel creation, process-wide: count, then fail each allocation in turn */
	rumpus_memstats(&m0);
	rumpus_fault_set(NULL, RUMPUS_FAULT_NTH, 9007199254740992.0, 0);
	k = boot(&err);
	rumpus_fault_stats(NULL, &fs);
	ncreate = fs.calls;
	rumpus_fault_set(NULL, RUMPUS_FAULT_OFF, 0, 0);
	ok(k != NULL && ncreate > 10, "creating a kernel makes %llu allocations",
	    (unsigned long long)ncreate);
	if (k != NULL)
		rumpus_kernel_destroy(k);
	nbad = 0, first[0] = '\0';
	for (n = 1; n <= ncreate; n++) {
		err = 0;
		rumpus_fault_set(NULL, RUMPUS_FAULT_NTH, (double)n, 0);
		k = boot(&err);
		rumpus_fault_stats(NULL, &fs);
		rumpus_fault_set(NULL, RUMPUS_FAULT_OFF, 0, 0);
		injected_all += fs.injected;
		if (k == NULL ? err != NB_ENOMEM : rumpus_kernel_destroy(k) != 0) {
			if (nbad++ == 0)
				snprintf(first, sizeof(first), "allocation %llu: %s error %d (%s)",
				    (unsigned long long)n, k ? "destroy" : "create", err, rumpus_error());
		}
		rumpus_memstats(&m1);
		if ((m1.bytes != m0.bytes || m1.leaked != m0.leaked) && nbad++ == 0)
			snprintf(first, sizeof(first), "allocation %llu: %lld bytes not returned",
			    (unsigned long long)n, (long long)(m1.bytes - m0.bytes));
	}
	ok(nbad == 0, "kernel creation with each allocation failed in turn: ENOMEM or a working "
	    "kernel, nothing left behind %s", first);
	diag("allocation failures injected in all: %llu", (unsigned long long)injected_all);
	return tap_done();
}
