/*
 * race_host_hunt_test.c: host-thread worlds (rumpus_det_*) pointed at what the coroutine
 * worlds cannot run -- calls that really sleep in the kernel: F_SETLKW and flock between
 * processes, pipe writes beyond the pipe's buffer -- on many seeds with the random and the
 * PCT scheduler.  Each thread runs as a process of its own (made with rump_pub_lwproc_rfork
 * before the run, so that the first process holds no descriptor of the scenario).  The
 * kernel's promises are checked at every step and at the end:
 *
 * - locks: three processes take overlapping fcntl locks (F_SETLKW, read and write) and
 *   an flock on one tmpfs file; a write lock never overlaps another process's lock, a
 *   read lock never a write lock; every run ends (no deadlock: there is no cycle), every
 *   wait is granted, and nothing stays allocated;
 * - pipes: a writer writes 3 x 20,000 bytes (each beyond the buffer: it sleeps), two
 *   readers read in chunks until EOF; the readers get every byte exactly once, and each
 *   reader's bytes come in the writer's order.
 *
 * RACE_HUNT_SEEDS (default 150) runs that many seeds per scenario and strategy; the
 * session's hunt ran 3,000.  RACE_HUNT_NCPU (default 1) gives the kernels that many vCPUs:
 * with two, a wakeup point inside a call lets another thread run in the kernel beside
 * the waker (session 5).  A failure prints the seed and the choice list that replays it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"
#include "rump/rumpus_race.h"

static struct rumpus_kernel *K;
static int FD;			/* /f, opened before the processes fork */
static int P[2];
static char bad[256];		/* the first broken promise of the run */
static void *LW[3];		/* each thread's process, made by main before the run */

static void broke(const char *msg, long a, long b);
static int closers_check(void);
static int so_check(void);
static unsigned outcome;	/* bits: which results the run's racing calls gave */

/* main, proc 1 current: three processes with copies of its descriptors */
static void
fork3(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0)
			broke("rfork", i, errno);
		LW[i] = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(NULL);
	}
}

static void
become(int me)
{
	rumpus_kernel_switch(K);
	rump_pub_lwproc_switch(LW[me]);
}

static void
broke(const char *msg, long a, long b)
{
	if (bad[0] == '\0')
		snprintf(bad, sizeof(bad), "%s (%ld, %ld)", msg, a, b);
}

/* ------------------------------------------------------------------ locks */

/* who holds what, by the world's threads (one runs at a time: plain state) */
static int wr_held[3], rd_held[3];
static long lo[3], hi[3];

static int
overlap(int i, int j)
{
	return lo[i] < hi[j] && lo[j] < hi[i];
}

static void
locker(int me, short type, long start, long len)
{
	struct nb_flock fl = { start, len, 0, type, NB_SEEK_SET };
	int j, r;

	r = rump_sys_fcntl(FD, NB_F_SETLKW, &fl);
	if (r != 0) {
		broke("F_SETLKW failed", me, errno);
		return;
	}
	lo[me] = start;
	hi[me] = start + len;
	for (j = 0; j < 3; j++)
		if (j != me && overlap(me, j) && (wr_held[j] || (type == NB_F_WRLCK && rd_held[j])))
			broke("a lock granted over another process's conflicting lock", me, j);
	if (type == NB_F_WRLCK)
		wr_held[me] = 1;
	else
		rd_held[me] = 1;
	rump_sys_pwrite(FD, "x", 1, start);
	rumpus_det_yield();
	wr_held[me] = rd_held[me] = 0;
	fl.l_type = NB_F_UNLCK;
	if (rump_sys_fcntl(FD, NB_F_SETLK, &fl) != 0)
		broke("unlock failed", me, errno);
}

static void
lock_thread(void *arg)
{
	int me = (int)(intptr_t)arg;

	become(me);
	switch (me) {
	case 0:
		locker(0, NB_F_WRLCK, 0, 10);
		locker(0, NB_F_RDLCK, 5, 10);
		break;
	case 1:
		locker(1, NB_F_RDLCK, 5, 10);
		locker(1, NB_F_WRLCK, 8, 4);
		break;
	default:
		/* flock and fcntl locks of one file conflict (as on NetBSD), also within one
		 * process: the flock goes before the fcntl lock */
		if (rump_sys_flock(FD, NB_LOCK_EX) != 0)
			broke("flock", me, errno);
		rump_sys_pwrite(FD, "y", 1, 20);
		rumpus_det_yield();
		rump_sys_flock(FD, NB_LOCK_UN);
		locker(2, NB_F_WRLCK, 9, 20);
		break;
	}
	rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
}

static void
locks_setup(void)
{
	FD = rump_sys_open("/f", NB_O_RDWR | NB_O_CREAT, 0644);
	fork3();
	rump_sys_close(FD);
	memset(wr_held, 0, sizeof(wr_held));
	memset(rd_held, 0, sizeof(rd_held));
}

/* ------------------------------------------------------------------ pipes */

#define CHUNK	20000
static long rd_total[2];
static unsigned char last[2];

static void
pipe_writer(void *arg)
{
	static unsigned char buf[CHUNK];
	int i, j;

	(void)arg;
	become(0);
	rump_sys_close(P[0]);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < CHUNK; j++)
			buf[j] = (unsigned char)((i * CHUNK + j) % 251);
		if (rump_sys_write(P[1], buf, CHUNK) != CHUNK)
			broke("a blocking pipe write came back short", i, errno);
	}
	rump_sys_close(P[1]);
	rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
}

static void
pipe_reader(void *arg)
{
	int me = (int)(intptr_t)arg - 1;
	unsigned char buf[7000];
	long n, i;
	int first = 1;

	become(me + 1);
	rump_sys_close(P[1]);
	while ((n = rump_sys_read(P[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			/* the stream is 0..250 repeating: within one reader, each byte follows
			 * the one it read before unless the other reader took bytes between */
			if (!first && i > 0 && buf[i] != (unsigned char)((buf[i - 1] + 1) % 251))
				broke("bytes out of order within one read", me, i);
			first = 0;
		}
		last[me] = buf[n - 1];
		rd_total[me] += n;
	}
	if (n < 0)
		broke("pipe read failed", me, errno);
	rump_sys_close(P[0]);
	rump_pub_lwproc_releaselwp();
	rumpus_kernel_switch(NULL);
}

static void
pipes_setup(void)
{
	rump_sys_pipe(P);
	fork3();
	rump_sys_close(P[0]);	/* only the three processes hold the pipe */
	rump_sys_close(P[1]);
	rd_total[0] = rd_total[1] = 0;
}

/* ------------------------------------------------------------------ closers */

/* One process (the first), three threads: a read sleeping on a pipe while another
 * thread closes that descriptor and a third writes and closes the other end.  The read
 * must end (the byte, EOF, or EBADF), the write must give 1 or EPIPE, the run must end. */
static long cl_read, cl_write;
static int cl_rerr, cl_werr;

static void
cl_reader(void *arg)
{
	char c;

	(void)arg;
	rumpus_kernel_switch(K);
	cl_read = rump_sys_read(P[0], &c, 1);
	cl_rerr = cl_read < 0 ? errno : 0;
	rumpus_kernel_switch(NULL);
}

static void
cl_closer(void *arg)
{
	(void)arg;
	rumpus_kernel_switch(K);
	rump_sys_close(P[0]);
	rumpus_kernel_switch(NULL);
}

static void
cl_writer(void *arg)
{
	(void)arg;
	rumpus_kernel_switch(K);
	cl_write = rump_sys_write(P[1], "z", 1);
	cl_werr = cl_write < 0 ? errno : 0;
	rump_sys_close(P[1]);
	rumpus_kernel_switch(NULL);
}

static void
closers_setup(void)
{
	rump_sys_pipe(P);
	cl_read = cl_write = -2;
}

static int
closers_check(void)
{
	outcome |= 1u << (cl_read == 1 ? 0 : cl_read == 0 ? 1 : 2);
	outcome |= 1u << (cl_write == 1 ? 3 : 4);
	if (!(cl_read == 1 || cl_read == 0 || (cl_read == -1 && cl_rerr == NB_EBADF)))
		broke("a read on a descriptor closed under it", cl_read, cl_rerr);
	if (!(cl_write == 1 || (cl_write == -1 && cl_werr == NB_EPIPE)))
		broke("a write to a pipe whose reader closed", cl_write, cl_werr);
	return 0;
}

/* ------------------------------------------------------------------ sockets */

/* AF_UNIX, one process, three threads: an accept sleeping on a listener that another
 * thread closes while a third connects; then a recv sleeping on a socket that the second
 * thread shuts down for reading.  Every call must end with a result or an error of the
 * documented kinds, the run must end, nothing may stay allocated. */
enum { X_AF_LOCAL = 1, X_SOCK_STREAM = 1, X_SHUT_RD = 0, X_ECONNABORTED = 53,
	X_ECONNREFUSED = 61, X_ENOTSOCK = 38 };
struct x_sun { uint8_t len, family; char path[104]; };
static int L, S1, S2;
static long so_acc, so_recv, so_conn;
static int so_accerr, so_recverr, so_connerr;

static struct x_sun
sun_path(void)
{
	struct x_sun a;

	memset(&a, 0, sizeof(a));
	a.len = sizeof(a);
	a.family = X_AF_LOCAL;
	strcpy(a.path, "/sock");
	return a;
}

static void
so_acceptor(void *arg)
{
	char c;

	(void)arg;
	rumpus_kernel_switch(K);
	so_acc = rump_sys_accept(L, NULL, NULL);
	so_accerr = so_acc < 0 ? errno : 0;
	if (so_acc >= 0)
		rump_sys_close((int)so_acc);
	so_recv = rump_sys_recvfrom(S1, &c, 1, 0, NULL, NULL);
	so_recverr = so_recv < 0 ? errno : 0;
	rumpus_kernel_switch(NULL);
}

static void
so_closer(void *arg)
{
	(void)arg;
	rumpus_kernel_switch(K);
	rump_sys_close(L);
	rump_sys_shutdown(S1, X_SHUT_RD);
	rumpus_kernel_switch(NULL);
}

static void
so_connector(void *arg)
{
	struct x_sun a = sun_path();
	int c;

	(void)arg;
	rumpus_kernel_switch(K);
	c = rump_sys_socket(X_AF_LOCAL, X_SOCK_STREAM, 0);
	so_conn = rump_sys_connect(c, (void *)&a, sizeof(a));
	so_connerr = so_conn < 0 ? errno : 0;
	rump_sys_close(c);
	rumpus_kernel_switch(NULL);
}

static struct rumpus_kernel *
boot_with(const char *const *comps)
{
	const char *e = getenv("RACE_HUNT_NCPU");
	struct rumpus_config cfg = { .ncpu = e != NULL && atoi(e) > 0 ? (unsigned)atoi(e) : 1 };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, &err);

	if (k == NULL) {
		diag("kernel create failed: %d", err);
		exit(2);
	}
	rumpus_kernel_switch(k);
	return k;
}

static struct rumpus_kernel *
fs_boot(void)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };

	return boot_with(comps);
}

static struct rumpus_kernel *
so_boot(void)
{
	const char *comps[] = { "vfs", "fs.tmpfs", "net", "net.local", NULL };

	return boot_with(comps);
}

static void
so_setup(void)
{
	struct x_sun a = sun_path();
	int sv[2];

	L = rump_sys_socket(X_AF_LOCAL, X_SOCK_STREAM, 0);
	if (rump_sys_bind(L, (void *)&a, sizeof(a)) != 0 || rump_sys_listen(L, 4) != 0)
		broke("listener", L, errno);
	if (rump_sys_socketpair(X_AF_LOCAL, X_SOCK_STREAM, 0, sv) != 0)
		broke("socketpair", 0, errno);
	S1 = sv[0];
	S2 = sv[1];
	so_acc = so_recv = so_conn = -2;
}

static int
so_check(void)
{
	outcome |= 1u << (so_acc >= 0 ? 0 : 1);
	outcome |= 1u << (so_conn == 0 ? 2 : 3);
	if (!(so_acc >= 0 || (so_acc == -1 && (so_accerr == NB_EBADF ||
	    so_accerr == X_ECONNABORTED || so_accerr == NB_EINVAL))))
		broke("an accept on a listener closed under it", so_acc, so_accerr);
	if (!(so_recv == 0 || (so_recv == -1 && so_recverr == NB_EBADF)))
		broke("a recv on a socket shut down for reading", so_recv, so_recverr);
	if (!(so_conn == 0 || (so_conn == -1 && (so_connerr == X_ECONNREFUSED ||
	    so_connerr == NB_ENOENT))))
		broke("a connect to a listener being closed", so_conn, so_connerr);
	rump_sys_close(S1);
	rump_sys_close(S2);
	rump_sys_unlink("/sock");
	return 0;
}

/* ------------------------------------------------------------------ runs */

struct scen {
	const char *name;
	struct rumpus_kernel *(*boot)(void);	/* NULL: vfs and tmpfs */
	void (*setup)(void);
	void (*fn[3])(void *);
	int (*check)(void);
};

static int
locks_check(void)
{
	return 0;
}

static int
pipes_check(void)
{
	if (rd_total[0] + rd_total[1] != 3 * CHUNK)
		broke("the readers got another total", rd_total[0] + rd_total[1], 3 * CHUNK);
	return 0;
}

static struct scen scens[] = {
	{ "locks", NULL, locks_setup, { lock_thread, lock_thread, lock_thread }, locks_check },
	{ "pipes", NULL, pipes_setup, { pipe_writer, pipe_reader, pipe_reader }, pipes_check },
	{ "closers", NULL, closers_setup, { cl_reader, cl_closer, cl_writer }, closers_check },
	{ "sockets", so_boot, so_setup, { so_acceptor, so_closer, so_connector }, so_check },
};

/* one seeded run: 0 when every promise held */
static int
one(struct scen *s, uint64_t seed, int strategy, uint32_t *list, size_t *n)
{
	struct rumpus_det_opts o = { .seed = seed, .strategy = strategy, .depth = 3 };
	struct rumpus_memstats m0, m1;
	int i, err;

	bad[0] = '\0';
	rumpus_seed(seed);
	rumpus_memstats(&m0);
	K = s->boot != NULL ? s->boot() : fs_boot();
	s->setup();
	rumpus_kernel_switch(NULL);
	err = rumpus_det_world(&o);
	for (i = 0; i < 3 && err == 0; i++)
		if (rumpus_det_spawn(s->fn[i], (void *)(intptr_t)i) < 0)
			err = -1;
	if (err == 0)
		err = rumpus_det_run();
	*n = rumpus_det_choices(list, 4096);
	if (err != 0) {
		/* the threads sleep in the kernel for good: report and stop here */
		ok(0, "%s seed %llu: every thread asleep with nothing pending (%d), %zu choices",
		    s->name, (unsigned long long)seed, err, *n);
		exit(tap_done());
	}
	rumpus_det_end();
	rumpus_kernel_switch(K);
	s->check();
	vt_down(K);
	rumpus_memstats(&m1);
	if (m1.bytes != m0.bytes || m1.leaked != m0.leaked)
		broke("kernel memory left behind", (long)m0.bytes, (long)m1.bytes);
	return bad[0] != '\0';
}

int
main(void)
{
	static uint32_t list[4096];
	const char *e = getenv("RACE_HUNT_SEEDS");
	int seeds = e != NULL && atoi(e) > 0 ? atoi(e) : 150;
	size_t si, n, j;
	int st;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	for (si = 0; si < sizeof(scens) / sizeof(scens[0]); si++)
		for (st = RUMPUS_DET_RANDOM; st <= RUMPUS_DET_PCT; st++) {
			int fails = 0, s, maxc = 0;

			outcome = 0;
			for (s = 1; s <= seeds; s++) {
				if (one(&scens[si], (uint64_t)s, st, list, &n)) {
					if (fails++ == 0) {
						char txt[512];
						size_t off = 0;

						for (j = 0; j < n && off < sizeof(txt) - 12; j++)
							off += (size_t)snprintf(txt + off, sizeof(txt) - off,
							    "%s%u", j ? "," : "", list[j]);
						txt[off] = '\0';
						diag("%s seed %d: %s; choices %s", scens[si].name, s, bad, txt);
					}
				}
				if ((int)n > maxc)
					maxc = (int)n;
			}
			ok(fails == 0 && maxc > 0, "%s, %s: %d seeds, every promise held (%d failed; "
			    "up to %d choices a run, outcomes %#x)", scens[si].name,
			    st ? "pct" : "random", seeds, fails, maxc, outcome);
			if (scens[si].check == closers_check || scens[si].check == so_check)
				ok(__builtin_popcount(outcome) >= 4, "%s, %s: the schedules reach "
				    "both results of each racing call (%#x)", scens[si].name,
				    st ? "pct" : "random", outcome);
		}
	rumpus_seed_clear();
	rumpus_clock_virtual(0);
	return tap_done();
}
