/*
 * files_test.c: the generic descriptor syscalls over a test file type: read/write and
 * their vector forms, dup/dup2/dup3, fcntl, ioctl, poll (including a poll that sleeps
 * until another thread writes), fstat, and bad pointers/lengths giving EFAULT/EINVAL.
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/mman.h>

#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

struct nbiov { void *base; size_t len; };
struct nbpollfd { int fd; short events, revents; };

static struct rumpus_kernel *k;
static atomic_int writer_go;

static void *
writer(void *arg)
{
	int fd = *(int *)arg;
	struct kern *kk = (struct kern *)k;

	rumpus_kernel_switch(k);
	/* wait (bounded) until the main thread sleeps in poll */
	for (int i = 0; i < 100000 && atomic_load(&kk->k_sleepers) == 0; i++)
		usleep(100);	/* up to 10 s for the other thread to fall asleep */
	atomic_store(&writer_go, atomic_load(&kk->k_sleepers));
	rump_sys_write(fd, "z", 1);
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	char buf[64];
	struct nbiov iov[3];
	struct nbpollfd pfd[2];
	unsigned char st[152];
	int err, fd, d, r, n;
	pthread_t t;

	k = rumpus_kernel_create(NULL, NULL, &err);
	rumpus_kernel_switch(k);
	fd = tf_open(k);
	ok(fd == 0, "test file at fd 0");

	ok(rump_sys_write(fd, "hello", 5) == 5, "write 5 bytes");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(fd, buf, 3) == 3 && memcmp(buf, "hel", 3) == 0, "read 3 back");
	iov[0].base = "ab"; iov[0].len = 2;
	iov[1].base = ""; iov[1].len = 0;
	iov[2].base = "cde"; iov[2].len = 3;
	ok(rump_sys_writev(fd, (void *)iov, 3) == 5, "writev of 3 iovecs (one empty)");
	memset(buf, 0, sizeof(buf));
	iov[0].base = buf; iov[0].len = 4;
	iov[1].base = buf + 4; iov[1].len = 10;
	ok(rump_sys_readv(fd, (void *)iov, 2) == 7 && memcmp(buf, "loabcde", 7) == 0,
	    "readv gathers across iovecs");
	ok(rump_sys_read(fd, buf, 10) == 0, "empty file reads 0 (EOF)");

	/* descriptors */
	d = rump_sys_dup(fd);
	ok(d == 1, "dup gives the lowest free fd");
	ok(rump_sys_dup2(fd, 7) == 7, "dup2 to 7");
	ok(rump_sys_dup2(7, 7) == 7, "dup2 onto itself is a no-op");
	r = rump_sys_dup3(7, 7, 0);
	ok(r == -1 && errno == EINVAL, "dup3 onto itself is EINVAL");
	r = rump_sys_dup3(7, 8, 0x1);
	ok(r == -1 && errno == EINVAL, "dup3 with bad flags is EINVAL");
	ok(rump_sys_dup3(7, 8, O_CLOEXEC) == 8 && rump_sys_fcntl(8, F_GETFD) == FD_CLOEXEC,
	    "dup3 with O_CLOEXEC sets close-on-exec");
	ok(rump_sys_fcntl(7, F_GETFD) == 0, "dup2 result is not close-on-exec");
	ok(rump_sys_fcntl(7, F_SETFD, FD_CLOEXEC) == 0 && rump_sys_fcntl(7, F_GETFD) == FD_CLOEXEC,
	    "F_SETFD");
	ok(rump_sys_fcntl(fd, F_DUPFD, 3) == 3, "F_DUPFD from 3");
	ok(rump_sys_fcntl(fd, F_MAXFD) == 8, "F_MAXFD is 8");
	ok(rump_sys_fcntl(fd, F_GETFL) == O_RDWR, "F_GETFL is O_RDWR");
	ok(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND) == 0 &&
	    rump_sys_fcntl(fd, F_GETFL) == (O_RDWR | O_NONBLOCK | O_APPEND), "F_SETFL");
	r = rump_sys_read(d, buf, 1);
	ok(r == -1 && errno == EAGAIN, "non-blocking empty read is EAGAIN (shared by the dup)");
	ok(rump_sys_fcntl(fd, F_SETFL, 0) == 0, "clear the status flags");
	r = rump_sys_fcntl(fd, 9999);
	ok(r == -1 && errno == EINVAL, "unknown fcntl is EINVAL");
	r = rump_sys_fcntl(fd, F_DUPFD, -1);
	ok(r == -1 && errno == EINVAL, "F_DUPFD below 0 is EINVAL");
	ok(rump_sys_fcntl(3, F_CLOSEM) == 0 && rump_sys_fcntl(fd, F_MAXFD) == 1,
	    "F_CLOSEM closes 3 and above");
	r = rump_sys_close(7);
	ok(r == -1 && errno == EBADF, "closed by F_CLOSEM");
	r = rump_sys_dup(-1);
	ok(r == -1 && errno == EBADF, "dup(-1) is EBADF");
	r = rump_sys_dup2(fd, -1);
	ok(r == -1 && errno == EBADF, "dup2 to -1 is EBADF");

	/* ioctl */
	rump_sys_write(fd, "xyz", 3);
	n = -1;
	ok(rump_sys_ioctl(fd, FIONREAD, &n) == 0 && n == 3, "FIONREAD through fo_ioctl: %d", n);
	n = 1;
	ok(rump_sys_ioctl(fd, FIONBIO, &n) == 0 && (rump_sys_fcntl(fd, F_GETFL) & O_NONBLOCK),
	    "FIONBIO sets O_NONBLOCK");
	n = 0;
	rump_sys_ioctl(fd, FIONBIO, &n);
	ok(rump_sys_ioctl(fd, FIOCLEX) == 0 && rump_sys_fcntl(fd, F_GETFD) == FD_CLOEXEC, "FIOCLEX");
	ok(rump_sys_ioctl(fd, FIONCLEX) == 0 && rump_sys_fcntl(fd, F_GETFD) == 0, "FIONCLEX");
	r = rump_sys_ioctl(fd, 0x20007400UL);
	ok(r == -1 && errno == ENOTTY, "an unknown ioctl is ENOTTY");
	r = rump_sys_ioctl(fd, FIONREAD, (void *)8);
	ok(r == -1 && errno == EFAULT, "FIONREAD to a low address is EFAULT");
	r = rump_sys_ioctl(42, FIONREAD, &n);
	ok(r == -1 && errno == EBADF, "ioctl on a closed fd is EBADF");

	/* fstat */
	memset(st, 0xff, sizeof(st));
	ok(rump_sys_fstat(fd, (void *)st) == 0, "fstat");
	{
		uint32_t mode;
		int64_t size;
		memcpy(&mode, st + 8, 4);
		memcpy(&size, st + 112, 8);
		ok(mode == (S_IFCHR | 0600) && size == 3, "st_mode at 8 and st_size at 112 (NetBSD layout)");
	}
	r = rump_sys_fstat(fd, (void *)0x10);
	ok(r == -1 && errno == EFAULT, "fstat into a low address is EFAULT");

	/* poll */
	pfd[0].fd = fd; pfd[0].events = POLLIN | POLLOUT;
	pfd[1].fd = 55; pfd[1].events = POLLIN;
	ok(rump_sys_poll((void *)pfd, 2, 0) == 2 && pfd[0].revents == (POLLIN | POLLOUT) &&
	    pfd[1].revents == POLLNVAL, "poll: ready fd and POLLNVAL for a closed one");
	rump_sys_read(fd, buf, sizeof(buf));
	pfd[0].events = POLLIN;
	ok(rump_sys_poll((void *)pfd, 1, 0) == 0 && pfd[0].revents == 0, "nothing to read: 0");
	ok(rump_sys_poll((void *)pfd, 1, 20) == 0, "a 20 ms timeout expires with 0");
	r = rump_sys_poll((void *)pfd, 1, -2);
	ok(r == -1 && errno == EINVAL, "a timeout below -1 is EINVAL");
	r = rump_sys_poll(NULL, 1, 0);
	ok(r == -1 && errno == EFAULT, "poll on NULL is EFAULT");
	pthread_create(&t, NULL, writer, &fd);
	r = rump_sys_poll((void *)pfd, 1, -1);
	pthread_join(t, NULL);
	ok(r == 1 && pfd[0].revents == POLLIN && atomic_load(&writer_go) == 1,
	    "an infinite poll sleeps (vCPU released) until another thread writes");

	/* select and pselect (NetBSD fd_set: 32-bit words) */
	{
		uint32_t in[8], ou[8];
		struct { int64_t sec; int32_t usec, pad; } tv = { 0, 0, 0 };
		struct { int64_t sec; long nsec; } ts = { 0, 1000000 };

		rump_sys_read(fd, buf, sizeof(buf));
		memset(in, 0, sizeof(in));
		memset(ou, 0, sizeof(ou));
		in[0] = 1u << fd;
		ou[0] = 1u << fd;
		ok(rump_sys_select(fd + 1, (void *)in, (void *)ou, NULL, (void *)&tv) == 1 &&
		    in[0] == 0 && ou[0] == (1u << fd), "select: writable, not readable");
		rump_sys_write(fd, "s", 1);
		in[0] = 1u << fd;
		ok(rump_sys_select(fd + 1, (void *)in, NULL, NULL, (void *)&tv) == 1 &&
		    in[0] == (1u << fd), "select: readable after a write");
		rump_sys_read(fd, buf, sizeof(buf));
		in[0] = 1u << fd;
		ok(rump_sys_pselect(fd + 1, (void *)in, NULL, NULL, (void *)&ts, NULL) == 0 &&
		    in[0] == 0, "pselect with 1 ms times out with 0 and a cleared set");
		in[0] = 1u << 12;
		r = rump_sys_select(13, (void *)in, NULL, NULL, (void *)&tv);
		ok(r == -1 && errno == EBADF, "select on a closed descriptor is EBADF");
		r = rump_sys_select(-1, NULL, NULL, NULL, (void *)&tv);
		ok(r == -1 && errno == EINVAL, "select with nd -1 is EINVAL");
		tv.usec = 1000000;
		r = rump_sys_select(1, NULL, NULL, NULL, (void *)&tv);
		ok(r == -1 && errno == EINVAL, "a timeval with usec 1000000 is EINVAL");
		r = rump_sys_select(1, (void *)8, NULL, NULL, NULL);
		ok(r == -1 && errno == EFAULT, "a bad fd_set pointer is EFAULT");
	}
	ok(rump_sys_posix_fadvise(fd, 0, 0, 0) == ESPIPE,
	    "posix_fadvise on a non-file returns ESPIPE as its value");
	ok(rump_sys_posix_fadvise(99, 0, 0, 0) == EBADF, "posix_fadvise on a closed fd: EBADF");

	/* bad pointers and lengths */
	rump_sys_write(fd, "p", 1);
	r = rump_sys_read(fd, (void *)1, 1);
	ok(r == -1 && errno == EFAULT, "read into address 1 is EFAULT");
	rump_sys_write(fd, "q", 1);
	r = rump_sys_read(fd, NULL, 1);
	ok(r == -1 && errno == EFAULT, "read into NULL is EFAULT");
	r = rump_sys_write(fd, NULL, 4);
	ok(r == -1 && errno == EFAULT, "write from NULL is EFAULT");
	r = rump_sys_write(fd, (void *)0x7ffffffffff0UL, 100);
	ok(r == -1 && errno == EFAULT, "a range past the user limit is EFAULT");
	r = rump_sys_write(fd, (void *)~(uintptr_t)0x10, 100);
	ok(r == -1 && errno == EFAULT, "a range that wraps is EFAULT");
	{
		/* in range but not mapped: caught by the fault-catching copy */
		char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mprotect(page + 4096, 4096, PROT_NONE);
		rump_sys_write(fd, "0123456789", 10);
		r = rump_sys_read(fd, page + 4096, 4);
		ok(r == -1 && errno == EFAULT, "read into a PROT_NONE page is EFAULT");
		r = rump_sys_write(fd, page + 4096 - 2, 4);
		ok(r == -1 && errno == EFAULT, "write from a range running into it is EFAULT");
		mprotect(page, 4096, PROT_READ);
		r = rump_sys_read(fd, page, 2);
		ok(r == -1 && errno == EFAULT, "read into a read-only page is EFAULT");
		r = rump_sys___sysctl((void *)(page + 4096), 2, NULL, NULL, NULL, 0);
		ok(r == -1 && errno == EFAULT, "sysctl with its name in a PROT_NONE page is EFAULT");
		munmap(page, 8192);
		rump_sys_read(fd, buf, sizeof(buf));
	}
	r = rump_sys_read(fd, buf, (size_t)1 << 63);
	ok(r == -1 && errno == EINVAL, "a length above SSIZE_MAX is EINVAL");
	r = rump_sys_writev(fd, (void *)iov, 0);
	ok(r == -1 && errno == EINVAL, "writev of 0 iovecs is EINVAL");
	r = rump_sys_writev(fd, (void *)iov, 1025);
	ok(r == -1 && errno == EINVAL, "writev of 1025 iovecs is EINVAL");
	r = rump_sys_readv(fd, (void *)16, 2);
	ok(r == -1 && errno == EFAULT, "readv with a bad iovec array is EFAULT");
	r = rump_sys_write(fd, "", 0);
	ok(r == 0, "a zero-length write with a valid pointer is 0");
	r = rump_sys_read(-5, buf, 1);
	ok(r == -1 && errno == EBADF, "read(-5) is EBADF");

	ok(rumpus_kernel_destroy(k) == 0, "destroy with open files");
	ok(atomic_load(&tf_closed) >= 1, "destroy closed the files");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "no bytes left (%llu)", (unsigned long long)m.bytes);
	}
	return tap_done();
}
