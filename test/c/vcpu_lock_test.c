/*
 * vcpu_lock_test.c: the finer locks of kernels with several vCPUs (docs/locking.md) under
 * many host threads: file data read and written with the VFS lock shared (per-vnode
 * stripes) while other threads rename, unlink and create in the same directory; appends
 * and writes of many threads to one file; tmpfs page accounting under concurrent writers;
 * a descriptor closed and reopened while other threads read through it; AF_LOCAL datagram
 * sends and receives with the net lock shared, one pair per thread and many threads on
 * one pair; poll and kevent sleepers woken by sends from other threads (kern_pollnotify
 * writes nothing while nobody polls); more threads than vCPUs.  Every check is on
 * results (contents, counts, errors), never on timing.  Runs under `make tsan`.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vfs_util.h"
#include "workers.h"

#define NB_AF_LOCAL	1
#define NB_SOCK_DGRAM	2
#define NB_MSG_DONTWAIT	0x80
#define NB_EVFILT_READ	0
#define NB_EV_ADD	1
#define NB_ENOBUFS	55
#define NB_EFAULT_	14


struct kev {
	uintptr_t ident;
	uint32_t filter, flags, fflags;
	int64_t data;
	intptr_t udata;
};
struct nb_ts { int64_t sec; long nsec; };

static struct rumpus_kernel *K;

static struct rumpus_kernel *
boot(unsigned ncpu)
{
	static const char *comps[] = { "vfs", "fs.tmpfs", "net.local", NULL };
	struct rumpus_config cfg = { 0 };
	int err;

	cfg.ncpu = ncpu;
	return rumpus_kernel_create(comps, &cfg, &err);
}

/* ---------------------------------------------------------------- files */

#define FILE_ROUNDS	150
#define FILE_SIZE	(3 * 4096 + 100)	/* crosses pages: page allocation in the shared path */

static void
pattern(char *buf, size_t n, int id, int round)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + (id * 7 + round + (int)i) % 26);
}

/* Its own process and file: rewrite it all each round, read it back, fstat it; the
 * path is stat'ed too (an exclusive lookup between shared reads and writes). */
static void *
file_worker(void *arg)
{
	struct worker *w = arg;
	static char bufs[16][2][FILE_SIZE];
	char *want = bufs[w->id][0], *got = bufs[w->id][1], path[32];
	struct nb_stat st;
	int fd, r;

	rumpus_kernel_switch(K);
	if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0) {
		fail(w, "rfork", 0);
		goto out;
	}
	snprintf(path, sizeof(path), "/own%d", w->id);
	if ((fd = rump_sys_open(path, NB_O_RDWR | NB_O_CREAT | NB_O_TRUNC, 0644)) < 0) {
		fail(w, "open", 0);
		goto rel;
	}
	for (r = 0; r < FILE_ROUNDS; r++) {
		pattern(want, FILE_SIZE, w->id, r);
		if (rump_sys_pwrite(fd, want, FILE_SIZE, 0) != FILE_SIZE)
			fail(w, "pwrite", r);
		memset(got, 0, FILE_SIZE);
		if (rump_sys_pread(fd, got, FILE_SIZE, 0) != FILE_SIZE ||
		    memcmp(got, want, FILE_SIZE) != 0)
			fail(w, "pread: not what this thread wrote", r);
		if (rump_sys_fstat(fd, ST(&st)) != 0 || st.st_size != FILE_SIZE)
			fail(w, "fstat size", (long)st.st_size);
		if (r % 10 == 0 && (rump_sys_stat(path, ST(&st)) != 0 || st.st_size != FILE_SIZE))
			fail(w, "stat by path", r);
		if (r % 50 == 49 && rump_sys_ftruncate(fd, 0) != 0)
			fail(w, "ftruncate", r);
	}
	rump_sys_close(fd);
	if (rump_sys_unlink(path) != 0)
		fail(w, "unlink own file", 0);
rel:
	rump_pub_lwproc_releaselwp();
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

/* Tree changes in the same directory meanwhile: create, write, rename, unlink. */
static void *
churn_worker(void *arg)
{
	struct worker *w = arg;
	char a[32], b[32];
	int i, fd;

	rumpus_kernel_switch(K);
	for (i = 0; i < FILE_ROUNDS * 2; i++) {
		snprintf(a, sizeof(a), "/churn%d-%d", w->id, i % 5);
		snprintf(b, sizeof(b), "/moved%d-%d", w->id, i % 3);
		if ((fd = rump_sys_open(a, NB_O_RDWR | NB_O_CREAT, 0644)) < 0) {
			fail(w, "churn open", i);
			continue;
		}
		if (rump_sys_write(fd, a, 8) != 8)
			fail(w, "churn write", i);
		rump_sys_close(fd);
		if (rump_sys_rename(a, b) != 0)
			fail(w, "churn rename", i);
		if (i % 2 == 0 && rump_sys_unlink(b) != 0)
			fail(w, "churn unlink", i);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_files(unsigned ncpu)
{
	struct worker w[8];
	int i, nfile = 6;

	memset(w, 0, sizeof(w));
	K = boot(ncpu);
	if (!ok(K != NULL, "files, %u vCPUs: kernel", ncpu))
		return;
	for (i = 0; i < 8; i++) {
		w[i].id = i;
		pthread_create(&w[i].t, NULL, i < nfile ? file_worker : churn_worker, &w[i]);
	}
	ok(join_all(w, 8, "files"), "files, %u vCPUs: 6 processes rewrite, read back and stat "
	    "their own files while 2 threads create, rename and unlink beside them", ncpu);
	ok(rumpus_kernel_destroy(K) == 0, "files, %u vCPUs: destroy", ncpu);
}

/* ---------------------------------------------------------------- one file, many threads */

#define REC		100
#define NREC		200
#define NAPPEND		4

/* Threads of process 1 share the descriptor: pwrite of their own records (one vnode, its
 * stripe serialises them), and O_APPEND writes of whole tagged records. */
static void *
onefile_worker(void *arg)
{
	struct worker *w = arg;
	int fd = *(int *)w->arg, i;
	char rec[REC];

	rumpus_kernel_switch(K);
	for (i = 0; i < NREC; i++) {
		memset(rec, 'A' + w->id, sizeof(rec));
		snprintf(rec, sizeof(rec), "%d:%d:", w->id, i);
		if (w->id < NAPPEND) {
			if (rump_sys_write(fd, rec, REC) != REC)
				fail(w, "append", i);
		} else if (rump_sys_pwrite(fd + 1, rec, REC,
		    (off_t)((w->id - NAPPEND) * NREC + i) * REC) != REC)
			fail(w, "pwrite record", i);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_onefile(void)
{
	struct worker w[8];
	int fds[2], i, j, bad = 0, seen[NAPPEND][NREC];
	static char all[NAPPEND * NREC * REC + 1];
	struct nb_stat st;

	memset(w, 0, sizeof(w));
	memset(seen, 0, sizeof(seen));
	K = boot(2);
	rumpus_kernel_switch(K);
	fds[0] = rump_sys_open("/log", NB_O_RDWR | NB_O_CREAT | NB_O_APPEND, 0644);
	fds[1] = rump_sys_open("/recs", NB_O_RDWR | NB_O_CREAT, 0644);
	ok(fds[0] >= 0 && fds[1] == fds[0] + 1, "one file: two descriptors");
	for (i = 0; i < 8; i++) {
		w[i].id = i;
		w[i].arg = &fds[0];
		pthread_create(&w[i].t, NULL, onefile_worker, &w[i]);
	}
	ok(join_all(w, 8, "onefile"), "one file: 4 threads append, 4 pwrite, sharing descriptors");
	if (rump_sys_fstat(fds[0], ST(&st)) != 0)
		st.st_size = -1;
	ok(st.st_size == NAPPEND * NREC * REC, "appends: the size is every record (%lld)",
	    (long long)st.st_size);
	ok(rump_sys_pread(fds[0], all, sizeof(all), 0) == NAPPEND * NREC * REC, "read the log");
	for (i = 0; i < NAPPEND * NREC; i++) {
		const char *r = all + (size_t)i * REC;
		int id, n;

		if (sscanf(r, "%d:%d:", &id, &n) != 2 || id < 0 || id >= NAPPEND || n < 0 ||
		    n >= NREC || seen[id][n]++ || r[REC - 1] != 'A' + id)
			bad++;
	}
	ok(bad == 0, "appends: every record whole, once (%d bad)", bad);
	ok(rump_sys_pread(fds[1], all, (size_t)(8 - NAPPEND) * NREC * REC, 0) ==
	    (8 - NAPPEND) * NREC * REC, "read the records");
	bad = 0;
	for (i = 0; i < 8 - NAPPEND; i++)
		for (j = 0; j < NREC; j++) {
			const char *r = all + ((size_t)i * NREC + (size_t)j) * REC;
			char want[32];

			snprintf(want, sizeof(want), "%d:%d:", i + NAPPEND, j);
			if (memcmp(r, want, strlen(want)) != 0 || r[REC - 1] != 'A' + i + NAPPEND)
				bad++;
		}
	ok(bad == 0, "pwrite: every record where its thread put it (%d bad)", bad);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "one file: destroy");
}

/* ---------------------------------------------------------------- tmpfs accounting */

static void *
fill_worker(void *arg)
{
	struct worker *w = arg;
	char path[32], page[4096];
	int fd;

	memset(page, 'p', sizeof(page));
	rumpus_kernel_switch(K);
	snprintf(path, sizeof(path), "/lim/f%d", w->id);
	if ((fd = rump_sys_open(path, NB_O_RDWR | NB_O_CREAT, 0644)) < 0)
		fail(w, "open", 0);
	else {
		for (;;) {
			ssize_t n = rump_sys_write(fd, page, sizeof(page));

			if (n <= 0) {
				if (errno != NB_ENOSPC)
					fail(w, "write: not ENOSPC", n);
				break;
			}
			w->count += n;
		}
		rump_sys_close(fd);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_tmpfs_limit(void)
{
	struct nb_tmpfs_args a = { 1, 0, 64 * 4096, 0, 0, 0777 };
	struct nb_statvfs sv;
	struct worker w[4];
	long total = 0;
	int i, round, good = 1;

	K = boot(2);
	rumpus_kernel_switch(K);
	rump_sys_mkdir("/lim", 0755);
	ok(rump_sys_mount("tmpfs", "/lim", 0, &a, sizeof(a)) == 0, "tmpfs of 64 pages");
	rumpus_kernel_switch(NULL);
	for (round = 0; round < 5; round++) {
		memset(w, 0, sizeof(w));
		for (i = 0; i < 4; i++) {
			w[i].id = i;
			pthread_create(&w[i].t, NULL, fill_worker, &w[i]);
		}
		good &= join_all(w, 4, "fill");
		for (total = 0, i = 0; i < 4; i++)
			total += w[i].count;
		rumpus_kernel_switch(K);
		if (total != 64 * 4096 || rump_sys_statvfs1("/lim", SV(&sv), 1) != 0 ||
		    sv.f_bfree != 0) {
			diag("round %d: %ld bytes written, %llu blocks free", round, total,
			    (unsigned long long)sv.f_bfree);
			good = 0;
		}
		for (i = 0; i < 4; i++) {
			char path[32];

			snprintf(path, sizeof(path), "/lim/f%d", i);
			rump_sys_unlink(path);
		}
		if (rump_sys_statvfs1("/lim", SV(&sv), 1) != 0 || sv.f_bfree != 64) {
			diag("round %d: %llu blocks free after unlink", round,
			    (unsigned long long)sv.f_bfree);
			good = 0;
		}
		rumpus_kernel_switch(NULL);
	}
	ok(good, "4 threads fill a 64-page tmpfs: exactly 64 pages written, every one "
	    "counted and given back (5 rounds)");
	rumpus_kernel_switch(K);
	ok(rump_sys_unmount("/lim", 0) == 0, "unmount");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "tmpfs limit: destroy");
}

/* ---------------------------------------------------------------- close while reading */

static atomic_int stop_flag;

static void *
reader_worker(void *arg)
{
	struct worker *w = arg;
	int fd = *(int *)w->arg;
	char buf[64];

	rumpus_kernel_switch(K);
	while (!atomic_load(&stop_flag)) {
		ssize_t n = rump_sys_pread(fd, buf, sizeof(buf), 0);

		if (n == 16 && (memcmp(buf, "AAAAAAAAAAAAAAAA", 16) == 0 ||
		    memcmp(buf, "BBBBBBBBBBBBBBBB", 16) == 0))
			w->count++;
		else if (n < 0 && errno == NB_EBADF)
			;	/* closed at this moment */
		else
			fail(w, "pread: neither a file's data nor EBADF", (long)n);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_close_while_reading(void)
{
	struct worker w[3];
	int fd, i, j, good = 1;
	int64_t before;

	K = boot(2);
	rumpus_kernel_switch(K);
	fd = rump_sys_open("/a", NB_O_RDWR | NB_O_CREAT, 0644);
	rump_sys_write(fd, "AAAAAAAAAAAAAAAA", 16);
	rump_sys_close(fd);
	fd = rump_sys_open("/b", NB_O_RDWR | NB_O_CREAT, 0644);
	rump_sys_write(fd, "BBBBBBBBBBBBBBBB", 16);
	rump_sys_close(fd);
	fd = rump_sys_open("/a", NB_O_RDONLY, 0);
	before = (int64_t)rumpus_kernel_memused(K);
	atomic_store(&stop_flag, 0);
	memset(w, 0, sizeof(w));
	for (i = 0; i < 3; i++) {
		w[i].id = i;
		w[i].arg = &fd;
		pthread_create(&w[i].t, NULL, reader_worker, &w[i]);
	}
	/* the same descriptor number, closed and opened again on one file or the other,
	 * and the files unlinked and made again under the readers */
	for (j = 0; j < 2000; j++) {
		const char *p = j % 2 ? "/a" : "/b";

		if (j % 7 == 0) {	/* (fd still open: the new file gets another number) */
			int nfd;

			rump_sys_unlink(p);
			nfd = rump_sys_open(p, NB_O_RDWR | NB_O_CREAT, 0644);
			rump_sys_write(nfd, j % 2 ? "AAAAAAAAAAAAAAAA" : "BBBBBBBBBBBBBBBB", 16);
			rump_sys_close(nfd);
		}
		rump_sys_close(fd);
		if (rump_sys_open(p, NB_O_RDONLY, 0) != fd)
			good = 0;
	}
	atomic_store(&stop_flag, 1);
	ok(join_all(w, 3, "readers") && good, "3 threads pread a descriptor that is closed and "
	    "reopened 2,000 times (files unlinked and remade): data or EBADF, nothing else");
	rump_sys_close(fd);
	ok((int64_t)rumpus_kernel_memused(K) <= before,
	    "nothing left behind (%lld bytes before, %lld after)", (long long)before,
	    (long long)rumpus_kernel_memused(K));
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "close while reading: destroy");
}

/* ---------------------------------------------------------------- AF_LOCAL datagrams */

#define MSGS	1500

/* Its own process and pair: numbered datagrams out and back, in order. */
static void *
pair_worker(void *arg)
{
	struct worker *w = arg;
	int sv[2], i, got;
	char buf[64];

	rumpus_kernel_switch(K);
	if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0 ||
	    rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, sv) != 0) {
		fail(w, "rfork/socketpair", 0);
		goto out;
	}
	for (i = 0; i < MSGS; i++) {
		int n = snprintf(buf, sizeof(buf), "%d/%d", w->id, i);

		if (rump_sys_sendto(sv[i % 2], buf, (size_t)n, 0, NULL, 0) != n) {
			fail(w, "send", i);
			continue;
		}
		memset(buf, 0, sizeof(buf));
		if (rump_sys_recvfrom(sv[1 - i % 2], buf, sizeof(buf) - 1, 0, NULL, NULL) != n ||
		    sscanf(buf, "%*d/%d", &got) != 1 || got != i)
			fail(w, "receive: not the datagram just sent", i);
	}
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	rump_pub_lwproc_releaselwp();
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_pairs(unsigned ncpu)
{
	struct worker w[6];
	int i;

	memset(w, 0, sizeof(w));
	K = boot(ncpu);
	for (i = 0; i < 6; i++) {
		w[i].id = i;
		pthread_create(&w[i].t, NULL, pair_worker, &w[i]);
	}
	ok(join_all(w, 6, "pairs"), "%u vCPUs: 6 processes, a datagram pair each: every "
	    "datagram back in order", ncpu);
	ok(rumpus_kernel_destroy(K) == 0, "pairs: destroy");
}

/* Many senders and receivers on one pair (process 1's descriptors). */
#define NSEND	4
#define NRECV	3
static int shared_sv[2];
static atomic_uchar seen_msgs[NSEND][MSGS];

static void *
send_worker(void *arg)
{
	struct worker *w = arg;
	char buf[32];
	int i;

	rumpus_kernel_switch(K);
	for (i = 0; i < MSGS; i++) {
		int n = snprintf(buf, sizeof(buf), "%d/%d", w->id, i);

		/* a full buffer: ENOBUFS (datagrams are not waited for); send again */
		while (rump_sys_sendto(shared_sv[0], buf, (size_t)n, 0, NULL, 0) != n)
			if (errno != NB_ENOBUFS && errno != NB_EAGAIN) {
				fail(w, "send", i);
				break;
			} else
				usleep(50);
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
recv_worker(void *arg)
{
	struct worker *w = arg;
	char buf[32];
	int id, n;

	rumpus_kernel_switch(K);
	for (;;) {
		ssize_t r;

		memset(buf, 0, sizeof(buf));
		if ((r = rump_sys_recvfrom(shared_sv[1], buf, sizeof(buf) - 1, 0, NULL, NULL)) <= 0) {
			fail(w, "receive", (long)r);
			break;
		}
		if (strcmp(buf, "end") == 0)
			break;
		if (sscanf(buf, "%d/%d", &id, &n) != 2 || id < 0 || id >= NSEND || n < 0 ||
		    n >= MSGS || atomic_fetch_add(&seen_msgs[id][n], 1) != 0)
			fail(w, "a datagram twice or garbled", (long)r);
		w->count++;
	}
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_shared_pair(void)
{
	struct worker s[NSEND], r[NRECV];
	int i, j, missing = 0;
	long total = 0;

	memset(s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	memset(seen_msgs, 0, sizeof(seen_msgs));
	K = boot(2);
	rumpus_kernel_switch(K);
	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, shared_sv) == 0, "one pair");
	rumpus_kernel_switch(NULL);
	for (i = 0; i < NRECV; i++) {
		r[i].id = i;
		pthread_create(&r[i].t, NULL, recv_worker, &r[i]);
	}
	for (i = 0; i < NSEND; i++) {
		s[i].id = i;
		pthread_create(&s[i].t, NULL, send_worker, &s[i]);
	}
	ok(join_all(s, NSEND, "senders"), "4 threads send 1,500 datagrams each to one socket");
	rumpus_kernel_switch(K);
	for (i = 0; i < NRECV; i++)
		while (rump_sys_sendto(shared_sv[0], "end", 3, 0, NULL, 0) != 3)
			usleep(50);
	rumpus_kernel_switch(NULL);
	ok(join_all(r, NRECV, "receivers"), "3 threads receive from it");
	for (i = 0; i < NRECV; i++)
		total += r[i].count;
	for (i = 0; i < NSEND; i++)
		for (j = 0; j < MSGS; j++)
			missing += atomic_load(&seen_msgs[i][j]) != 1;
	ok(total == NSEND * MSGS && missing == 0, "every datagram received exactly once "
	    "(%ld received, %d missing)", total, missing);
	rumpus_kernel_switch(K);
	rump_sys_close(shared_sv[0]);
	rump_sys_close(shared_sv[1]);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "shared pair: destroy");
}

/* ---------------------------------------------------------------- poll and kevent wakeups */

#define WAKES	500
static atomic_int wake_round;

/* Sends one datagram per round once the poller said it is about to wait. */
static void *
waker_worker(void *arg)
{
	struct worker *w = arg;
	int i;

	rumpus_kernel_switch(K);
	for (i = 0; i < WAKES; i++) {
		while (atomic_load(&wake_round) != 2 * i + 1)
			if (atomic_load(&stop_flag))
				goto out;
		if (i % 3 == 0)
			usleep(20);	/* sometimes the poller is asleep, sometimes scanning */
		if (rump_sys_sendto(shared_sv[0], "x", 1, 0, NULL, 0) != 1)
			fail(w, "send", i);
		atomic_store(&wake_round, 2 * i + 2);
	}
out:
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_wakeups(int use_kevent)
{
	struct worker w;
	struct nb_pollfd pfd;
	struct kev ch, ev;
	struct nb_ts ts = { 10, 0 };	/* a lost wakeup shows as a 10-second timeout */
	int i, kq = -1, good = 1;
	char c;

	memset(&w, 0, sizeof(w));
	K = boot(2);
	rumpus_kernel_switch(K);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, shared_sv);
	if (use_kevent) {
		kq = rump_sys_kqueue();
		memset(&ch, 0, sizeof(ch));
		ch.ident = (uintptr_t)shared_sv[1];
		ch.filter = NB_EVFILT_READ;
		ch.flags = NB_EV_ADD;
		ok(rump_sys_kevent(kq, (void *)&ch, 1, NULL, 0, NULL) == 0, "kevent: register");
	}
	atomic_store(&wake_round, 0);
	atomic_store(&stop_flag, 0);
	pthread_create(&w.t, NULL, waker_worker, &w);
	for (i = 0; i < WAKES && good; i++) {
		int n;

		atomic_store(&wake_round, 2 * i + 1);
		if (use_kevent)
			n = rump_sys_kevent(kq, NULL, 0, (void *)&ev, 1, (void *)&ts);
		else {
			pfd.fd = shared_sv[1];
			pfd.events = NB_POLLIN;
			pfd.revents = 0;
			n = rump_sys_poll((void *)&pfd, 1, 10000);
		}
		if (n != 1) {
			diag("round %d: %s returned %d", i, use_kevent ? "kevent" : "poll", n);
			good = 0;
		}
		while (atomic_load(&wake_round) != 2 * i + 2)
			;
		if (rump_sys_recvfrom(shared_sv[1], &c, 1, NB_MSG_DONTWAIT, NULL, NULL) != 1)
			good = 0;
	}
	atomic_store(&stop_flag, 1);
	ok(join_all(&w, 1, "waker") && good, "%s: woken by a send from another thread, %d "
	    "times", use_kevent ? "kevent" : "poll", WAKES);
	if (kq >= 0)
		rump_sys_close(kq);
	rump_sys_close(shared_sv[0]);
	rump_sys_close(shared_sv[1]);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "wakeups: destroy");
}

/* ---------------------------------------------------------------- bad pointers */

/* A copy that faults inside a shared section returns EFAULT and lets its locks go: the
 * next calls, from this thread and from another, get through. */
static void *
after_fault_worker(void *arg)
{
	struct worker *w = arg;
	int *fds = w->arg;
	char buf[8];

	rumpus_kernel_switch(K);
	if (rump_sys_pwrite(fds[0], "abcdefgh", 8, 0) != 8 ||
	    rump_sys_pread(fds[0], buf, 8, 0) != 8 || memcmp(buf, "abcdefgh", 8) != 0)
		fail(w, "file after a fault", 0);
	if (rump_sys_sendto(fds[1], "x", 1, 0, NULL, 0) != 1 ||
	    rump_sys_recvfrom(fds[2], buf, sizeof(buf), 0, NULL, NULL) != 1)
		fail(w, "datagram after a fault", 0);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_faults(void)
{
	void *bad = (void *)(uintptr_t)16;
	struct worker w;
	int fds[3], i, good = 1;
	char c;

	K = boot(2);
	rumpus_kernel_switch(K);
	fds[0] = rump_sys_open("/f", NB_O_RDWR | NB_O_CREAT, 0644);
	ok(fds[0] >= 0 && rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, &fds[1]) == 0,
	    "faults: a file and a datagram pair on 2 vCPUs");
	rump_sys_pwrite(fds[0], "12345678", 8, 0);
	for (i = 0; i < 100; i++) {
		if (rump_sys_pwrite(fds[0], bad, 8, 0) != -1 || errno != NB_EFAULT_ ||
		    rump_sys_pread(fds[0], bad, 8, 0) != -1 || errno != NB_EFAULT_)
			good = 0;
		if (rump_sys_sendto(fds[1], bad, 8, 0, NULL, 0) != -1 || errno != NB_EFAULT_)
			good = 0;
		if (rump_sys_sendto(fds[1], "y", 1, 0, NULL, 0) != 1 ||
		    rump_sys_recvfrom(fds[2], bad, 1, 0, NULL, NULL) != -1 || errno != NB_EFAULT_ ||
		    rump_sys_recvfrom(fds[2], &c, 1, 0, NULL, NULL) != 1 || c != 'y')
			good = 0;	/* the record stays after the faulting receive */
	}
	ok(good, "faults: EFAULT from pwrite, pread, send and receive with a bad buffer, "
	    "100 times; a record that could not be copied out stays");
	rumpus_kernel_switch(NULL);
	memset(&w, 0, sizeof(w));
	w.arg = fds;
	pthread_create(&w.t, NULL, after_fault_worker, &w);
	ok(join_all(&w, 1, "after faults"), "faults: another thread's calls get through after");
	rumpus_kernel_switch(K);
	for (i = 0; i < 3; i++)
		rump_sys_close(fds[i]);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(K) == 0, "faults: destroy");
}

int
main(void)
{
	struct rumpus_memstats ms;

	test_files(2);
	test_files(3);
	test_files(1);
	test_onefile();
	test_tmpfs_limit();
	test_close_while_reading();
	test_pairs(2);
	test_pairs(1);
	test_shared_pair();
	test_wakeups(0);
	test_wakeups(1);
	test_faults();
	rumpus_memstats(&ms);
	ok(ms.leaked == 0, "no kernel leaked a byte (%llu)", (unsigned long long)ms.leaked);
	return tap_done();
}
