/*
 * vfs_pipe_test.c: pipes and fifos (blocking across host threads, non-blocking rules,
 * EOF, EPIPE, PIPE_BUF atomicity, poll readiness), and advisory locks (fcntl between
 * processes, F_SETLKW across threads, flock, release on close and exit).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"

static struct rumpus_kernel *K;

#define BIG (256 * 1024)

struct xfer {
	int fd;
	size_t done;
	unsigned sum;
	int err;
};

static void *
reader_thread(void *arg)
{
	struct xfer *x = arg;
	unsigned char buf[3000];
	ssize_t n;

	rumpus_kernel_switch(K);
	while ((n = rump_sys_read(x->fd, buf, sizeof(buf))) > 0) {
		ssize_t i;
		for (i = 0; i < n; i++)
			x->sum = x->sum * 31 + buf[i];
		x->done += (size_t)n;
	}
	if (n < 0)
		x->err = errno;
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
fifo_reader_open(void *arg)
{
	struct xfer *x = arg;

	rumpus_kernel_switch(K);
	x->fd = rump_sys_open("/fifo", NB_O_RDONLY, 0);
	if (x->fd < 0)
		x->err = errno;
	rumpus_kernel_switch(NULL);
	if (x->fd >= 0)
		reader_thread(x);
	return NULL;
}

static void *
poll_thread(void *arg)
{
	struct xfer *x = arg;
	struct nb_pollfd pfd = { x->fd, NB_POLLIN, 0 };

	rumpus_kernel_switch(K);
	x->done = (size_t)rump_sys_poll((void *)&pfd, 1, -1);
	x->sum = (unsigned)pfd.revents;
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_pipes(void)
{
	int p[2], i;
	char buf[20000];
	struct nb_stat st;
	struct nb_pollfd pfd[2];
	struct xfer x;
	pthread_t t;
	unsigned sum = 0;
	size_t left;
	ssize_t n;

	ok(rump_sys_pipe(p) == 0 && p[0] >= 0 && p[1] > p[0], "pipe gives two descriptors");
	ok(rump_sys_write(p[1], "ping", 4) == 4 && rump_sys_read(p[0], buf, sizeof(buf)) == 4 &&
	    memcmp(buf, "ping", 4) == 0, "data goes through");
	FAILS(rump_sys_write(p[0], "x", 1), NB_EBADF, "writing the read end: EBADF");
	FAILS(rump_sys_lseek(p[0], 0, NB_SEEK_SET), NB_ESPIPE, "lseek: ESPIPE");
	FAILS(rump_sys_pread(p[0], buf, 1, 0), NB_ESPIPE, "pread: ESPIPE");
	ok(rump_sys_fstat(p[0], ST(&st)) == 0 && (st.st_mode & NB_S_IFMT) == NB_S_IFIFO,
	    "fstat says fifo");
	pfd[0].fd = p[0]; pfd[0].events = NB_POLLIN;
	pfd[1].fd = p[1]; pfd[1].events = NB_POLLOUT;
	ok(rump_sys_poll((void *)pfd, 2, 0) == 1 && pfd[0].revents == 0 &&
	    pfd[1].revents == NB_POLLOUT, "empty pipe: writable, not readable");
	rump_sys_write(p[1], "a", 1);
	ok(rump_sys_poll((void *)pfd, 2, 0) == 2 && pfd[0].revents == NB_POLLIN,
	    "with data: readable");
	rump_sys_read(p[0], buf, 1);

	/* blocking transfer between two host threads */
	memset(&x, 0, sizeof(x));
	x.fd = p[0];
	pthread_create(&t, NULL, reader_thread, &x);
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	for (left = BIG; left > 0; left -= (size_t)n) {
		size_t c = left < sizeof(buf) ? left : sizeof(buf);
		if ((n = rump_sys_write(p[1], buf, c)) <= 0)
			break;
		for (i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
	}
	rump_sys_close(p[1]);
	pthread_join(t, NULL);
	ok(x.done == BIG && x.sum == sum && x.err == 0,
	    "256 KiB through a 16 KiB pipe between two threads, intact (%zu bytes)", x.done);
	ok(rump_sys_read(p[0], buf, 10) == 0, "EOF once every writer has closed");
	pfd[0].events = NB_POLLIN;
	ok(rump_sys_poll((void *)pfd, 1, 0) == 1 && (pfd[0].revents & NB_POLLHUP),
	    "poll reports POLLHUP at EOF");
	rump_sys_close(p[0]);

	/* EPIPE */
	rump_sys_pipe(p);
	rump_sys_close(p[0]);
	FAILS(rump_sys_write(p[1], "x", 1), NB_EPIPE, "write with no reader: EPIPE (no SIGPIPE)");
	rump_sys_close(p[1]);

	/* non-blocking and PIPE_BUF */
	ok(rump_sys_pipe2(p, NB_O_NONBLOCK | NB_O_CLOEXEC) == 0 &&
	    rump_sys_fcntl(p[0], NB_F_GETFD, 0) == 1 &&
	    (rump_sys_fcntl(p[1], NB_F_GETFL, 0) & NB_O_NONBLOCK), "pipe2 O_NONBLOCK|O_CLOEXEC");
	FAILS(rump_sys_read(p[0], buf, 1), NB_EAGAIN, "empty non-blocking read: EAGAIN");
	ok(rump_sys_write(p[1], buf, 16384 - 100) == 16384 - 100, "fill all but 100 bytes");
	FAILS(rump_sys_write(p[1], buf, NB_PIPE_BUF), NB_EAGAIN,
	    "a PIPE_BUF write that does not fit whole: EAGAIN, nothing written");
	ok(rump_sys_write(p[1], buf, 1000) == 100, "a larger write moves what fits (100)");
	FAILS(rump_sys_write(p[1], buf, 1), NB_EAGAIN, "full: EAGAIN");
	pfd[0].fd = p[1]; pfd[0].events = NB_POLLOUT;
	ok(rump_sys_poll((void *)pfd, 1, 0) == 0, "full pipe is not writable");
	ok(rump_sys_read(p[0], buf, 600) == 600 && rump_sys_poll((void *)pfd, 1, 0) == 1,
	    "after reading 600 it is writable again");
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	FAILS(rump_sys_pipe2(p, 0x40000000), NB_EINVAL, "pipe2 with a bad flag: EINVAL");
	FAILS(rump_sys_pipe((int *)8), NB_EFAULT, "pipe into a bad pointer: EFAULT");

	/* poll sleeping in one thread, woken by a write in another */
	rump_sys_pipe(p);
	memset(&x, 0, sizeof(x));
	x.fd = p[0];
	pthread_create(&t, NULL, poll_thread, &x);
	rump_sys_write(p[1], "w", 1);
	pthread_join(t, NULL);
	ok(x.done == 1 && (x.sum & NB_POLLIN), "a poll sleeping in another thread wakes on data");
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

static void
test_fifos(void)
{
	struct xfer x;
	pthread_t t;
	int r, w, rw;
	char buf[16];

	ok(rump_sys_mkfifo("/fifo", 0666) == 0, "mkfifo /fifo");
	FAILS(rump_sys_open("/fifo", NB_O_WRONLY | NB_O_NONBLOCK, 0), NB_ENXIO,
	    "non-blocking write open without a reader: ENXIO");
	r = rump_sys_open("/fifo", NB_O_RDONLY | NB_O_NONBLOCK, 0);
	ok(r >= 0, "non-blocking read open succeeds at once");
	w = rump_sys_open("/fifo", NB_O_WRONLY | NB_O_NONBLOCK, 0);
	ok(w >= 0, "with a reader, the non-blocking write open succeeds");
	ok(rump_sys_write(w, "fifo!", 5) == 5 && rump_sys_read(r, buf, sizeof(buf)) == 5 &&
	    memcmp(buf, "fifo!", 5) == 0, "data through the fifo");
	rump_sys_close(w);
	ok(rump_sys_read(r, buf, sizeof(buf)) == 0, "EOF after the writer closed");
	rump_sys_close(r);
	rw = rump_sys_open("/fifo", NB_O_RDWR, 0);
	ok(rw >= 0, "O_RDWR open does not wait");
	rump_sys_close(rw);

	/* a blocking read open waits for the writer, opened in another thread */
	memset(&x, 0, sizeof(x));
	pthread_create(&t, NULL, fifo_reader_open, &x);
	w = rump_sys_open("/fifo", NB_O_WRONLY, 0);
	ok(w >= 0, "blocking write open meets the blocking read open of another thread");
	ok(rump_sys_write(w, "0123456789", 10) == 10, "write 10 bytes");
	rump_sys_close(w);
	pthread_join(t, NULL);
	ok(x.fd >= 0 && x.done == 10 && x.err == 0, "the other thread read them (%zu)", x.done);
	if (x.fd >= 0)
		rump_sys_close(x.fd);
	ok(rump_sys_unlink("/fifo") == 0, "unlink the fifo");
}

struct lkarg {
	void *l;
	int fd, rc, err;
};

static void *
setlkw_thread(void *arg)
{
	struct nb_flock fl = { 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };
	struct lkarg *a = arg;

	rumpus_kernel_switch(K);
	if (a->l != NULL)
		rump_pub_lwproc_switch(a->l);
	a->rc = rump_sys_fcntl(a->fd, NB_F_SETLKW, &fl);
	a->err = a->rc < 0 ? errno : 0;
	if (a->l != NULL)
		rump_pub_lwproc_switch(NULL);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void *
flock_thread(void *arg)
{
	struct lkarg *a = arg;

	rumpus_kernel_switch(K);
	if (a->l != NULL)
		rump_pub_lwproc_switch(a->l);
	a->rc = rump_sys_flock(a->fd, NB_LOCK_EX);
	a->err = a->rc < 0 ? errno : 0;
	if (a->l != NULL)
		rump_pub_lwproc_switch(NULL);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_locks(void)
{
	struct nb_flock fl;
	struct lkarg a;
	void *la, *lb;
	int fa, fb, f1, f2, pida, p[2];
	pthread_t t;

	vt_writefile("/lockme", "0123456789abcdef");
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "process A");
	la = rump_pub_lwproc_curlwp();
	pida = rump_sys_getpid();
	fa = rump_sys_open("/lockme", NB_O_RDWR, 0);
	fl = (struct nb_flock){ 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fa, NB_F_SETLK, &fl) == 0, "A write-locks bytes 0-9");
	rump_pub_lwproc_switch(NULL);
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "process B");
	lb = rump_pub_lwproc_curlwp();
	fb = rump_sys_open("/lockme", NB_O_RDWR, 0);
	fl = (struct nb_flock){ 5, 2, 0, NB_F_RDLCK, NB_SEEK_SET };
	FAILS(rump_sys_fcntl(fb, NB_F_SETLK, &fl), NB_EAGAIN, "B's read lock on 5-6: EAGAIN");
	fl = (struct nb_flock){ 5, 2, 0, NB_F_RDLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fb, NB_F_GETLK, &fl) == 0 && fl.l_type == NB_F_WRLCK &&
	    fl.l_pid == pida && fl.l_start == 0 && fl.l_len == 10,
	    "F_GETLK names A's lock (pid %d, %lld+%lld)", fl.l_pid, (long long)fl.l_start,
	    (long long)fl.l_len);
	fl = (struct nb_flock){ 10, 0, 0, NB_F_WRLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fb, NB_F_SETLK, &fl) == 0, "B locks 10-EOF: no overlap");
	fl = (struct nb_flock){ 0, 0, 0, NB_F_UNLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fb, NB_F_SETLK, &fl) == 0, "B unlocks everything it has");
	fl = (struct nb_flock){ 0, 0, 0, 9, NB_SEEK_SET };
	FAILS(rump_sys_fcntl(fb, NB_F_SETLK, &fl), NB_EINVAL, "a bad l_type: EINVAL");
	fl = (struct nb_flock){ -20, 1, 0, NB_F_RDLCK, NB_SEEK_SET };
	FAILS(rump_sys_fcntl(fb, NB_F_SETLK, &fl), NB_EINVAL, "a negative start: EINVAL");
	rump_pub_lwproc_switch(NULL);

	/* F_SETLKW as B in another thread waits until A unlocks */
	a = (struct lkarg){ lb, fb, -2, 0 };
	pthread_create(&t, NULL, setlkw_thread, &a);
	rump_pub_lwproc_switch(la);
	fl = (struct nb_flock){ 0, 10, 0, NB_F_UNLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fa, NB_F_SETLK, &fl) == 0, "A unlocks 0-9");
	rump_pub_lwproc_switch(NULL);
	pthread_join(t, NULL);
	ok(a.rc == 0, "B's F_SETLKW got the lock (rc %d errno %d)", a.rc, a.err);
	rump_pub_lwproc_switch(la);
	fl = (struct nb_flock){ 3, 1, 0, NB_F_RDLCK, NB_SEEK_SET };
	FAILS(rump_sys_fcntl(fa, NB_F_SETLK, &fl), NB_EAGAIN, "now A is the one refused");
	rump_pub_lwproc_switch(lb);
	rump_pub_lwproc_releaselwp();	/* B exits: its locks go */
	rump_pub_lwproc_switch(la);
	fl = (struct nb_flock){ 3, 1, 0, NB_F_WRLCK, NB_SEEK_SET };
	ok(rump_sys_fcntl(fa, NB_F_SETLK, &fl) == 0, "B's exit released its lock");
	ok(rump_sys_close(fa) == 0, "A closes its file: its locks go");
	rump_pub_lwproc_releaselwp();

	/* flock: per open file */
	f1 = rump_sys_open("/lockme", NB_O_RDONLY, 0);
	f2 = rump_sys_open("/lockme", NB_O_RDONLY, 0);
	ok(rump_sys_flock(f1, NB_LOCK_SH) == 0 && rump_sys_flock(f2, NB_LOCK_SH) == 0,
	    "two shared flocks coexist");
	FAILS(rump_sys_flock(f2, NB_LOCK_EX | NB_LOCK_NB), NB_EAGAIN,
	    "upgrading one to exclusive with LOCK_NB: EWOULDBLOCK");
	ok(rump_sys_flock(f1, NB_LOCK_UN) == 0 && rump_sys_flock(f2, NB_LOCK_EX | NB_LOCK_NB) == 0,
	    "after the other unlocks, the upgrade works");
	a = (struct lkarg){ NULL, f1, -2, 0 };
	pthread_create(&t, NULL, flock_thread, &a);
	rump_sys_close(f2);
	pthread_join(t, NULL);
	ok(a.rc == 0, "a blocked LOCK_EX in another thread gets it once the holder closes");
	rump_sys_close(f1);
	FAILS(rump_sys_flock(f1, NB_LOCK_EX), NB_EBADF, "flock on a closed descriptor: EBADF");
	rump_sys_pipe(p);
	FAILS(rump_sys_flock(p[0], NB_LOCK_EX), NB_EOPNOTSUPP, "flock on a pipe: EOPNOTSUPP");
	f1 = rump_sys_open("/lockme", NB_O_RDONLY, 0);
	FAILS(rump_sys_flock(f1, 77), NB_EINVAL, "flock with a bad operation: EINVAL");
	f2 = rump_sys_open("/lockme", NB_O_RDONLY | NB_O_EXLOCK, 0);
	ok(f2 >= 0 && rump_sys_flock(f1, NB_LOCK_SH | NB_LOCK_NB) == -1,
	    "O_EXLOCK takes an exclusive flock at open");
	rump_sys_close(f2);
	ok(rump_sys_flock(f1, NB_LOCK_SH | NB_LOCK_NB) == 0, "released by its close");
	rump_sys_close(f1);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

int
main(void)
{
	struct rumpus_memstats m0, m1;

	/* EPIPE's SIGPIPE is recorded, not raised in this process (tcp_sigpipe_test
	 * tests the models) */
	rump_boot_setsigmodel(4);

	rumpus_memstats(&m0);
	K = vt_boot(0);
	test_pipes();
	test_fifos();
	test_locks();
	vt_down(K);
	rumpus_memstats(&m1);
	ok(m1.leaked == 0 && m1.bytes == m0.bytes, "no bytes leaked (%llu -> %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	return tap_done();
}
