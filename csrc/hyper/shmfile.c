/*
 * shmfile.c: a host file mapped shared, with a watcher thread that is told when another
 * process writes it: the host half of the file-backed bus (net/bus_file.c, NetBSD's shmif
 * bus file format).  Only this layer touches the host.
 *
 * The watcher is a host thread blocked in poll() on an inotify descriptor watching the
 * file for IN_MODIFY (writers announce a new frame with a pwrite(), as NetBSD's shmif
 * does, because stores into a shared mapping raise no inotify event) and on an eventfd
 * that hyp_shmfile_close() uses to stop it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "hyper.h"

struct hyp_shmfile {
	int sf_fd;		/* the file */
	int sf_ino;		/* inotify, -1 until watched */
	int sf_stop;		/* eventfd, -1 until watched */
	void *sf_mem;
	size_t sf_len;
	pthread_t sf_thread;
	int sf_running;
	void (*sf_fn)(void *);
	void *sf_arg;
};

int
hyp_shmfile_open(const char *path, size_t len, struct hyp_shmfile **fp, void **memp)
{
	struct hyp_shmfile *f;
	struct stat st;
	int fd, e;

	if (path == NULL || fp == NULL || memp == NULL || len == 0)
		return hyp_errno(EINVAL);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return hyp_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return hyp_errno(e);
	}
	/* a new file grows to the bus size (zeros: an uninitialised bus); a bigger one is
	 * left as it is, as NetBSD's ftruncate would shrink it: only grow */
	if ((size_t)st.st_size < len && ftruncate(fd, (off_t)len) != 0) {
		e = errno;
		close(fd);
		return hyp_errno(e);
	}
	if ((f = hyp_zalloc(sizeof(*f))) == NULL) {
		close(fd);
		return hyp_errno(ENOMEM);
	}
	f->sf_mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f->sf_mem == MAP_FAILED) {
		e = errno;
		hyp_free(f, sizeof(*f));
		close(fd);
		return hyp_errno(e);
	}
	f->sf_fd = fd;
	f->sf_ino = f->sf_stop = -1;
	f->sf_len = len;
	*fp = f;
	*memp = f->sf_mem;
	return 0;
}

static void *
shmfile_watcher(void *arg)
{
	struct hyp_shmfile *f = arg;
	struct pollfd pfd[2];
	char buf[4096] __attribute__((aligned(8)));

	pfd[0].fd = f->sf_ino;
	pfd[0].events = POLLIN;
	pfd[1].fd = f->sf_stop;
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & POLLIN) {
			/* drain the events: one call reads whatever the writers added */
			while (read(f->sf_ino, buf, sizeof(buf)) > 0)
				;
			f->sf_fn(f->sf_arg);
		} else if (pfd[0].revents)
			break;
	}
	return NULL;
}

int
hyp_shmfile_watch(struct hyp_shmfile *f, const char *path, void (*fn)(void *), void *arg)
{
	int e;

	if (f == NULL || fn == NULL || f->sf_running)
		return hyp_errno(EINVAL);
	if ((f->sf_ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return hyp_errno(errno);
	if (inotify_add_watch(f->sf_ino, path, IN_MODIFY) < 0 ||
	    (f->sf_stop = eventfd(0, EFD_CLOEXEC)) < 0) {
		e = errno;
		close(f->sf_ino);
		f->sf_ino = -1;
		return hyp_errno(e);
	}
	f->sf_fn = fn;
	f->sf_arg = arg;
	if ((e = pthread_create(&f->sf_thread, NULL, shmfile_watcher, f)) != 0) {
		close(f->sf_ino);
		close(f->sf_stop);
		f->sf_ino = f->sf_stop = -1;
		return hyp_errno(e);
	}
	f->sf_running = 1;
	return 0;
}

/* Tells the watchers of every process that the file changed: a 4-byte write at off (the
 * value already there, so the contents do not change). */
int
hyp_shmfile_poke(struct hyp_shmfile *f, const void *word, uint64_t off)
{
	if (pwrite(f->sf_fd, word, 4, (off_t)off) != 4)
		return hyp_errno(errno);
	return 0;
}

void
hyp_shmfile_close(struct hyp_shmfile *f)
{
	uint64_t one = 1;

	if (f == NULL)
		return;
	if (f->sf_running) {
		while (write(f->sf_stop, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		pthread_join(f->sf_thread, NULL);
		f->sf_running = 0;
	}
	if (f->sf_ino >= 0)
		close(f->sf_ino);
	if (f->sf_stop >= 0)
		close(f->sf_stop);
	munmap(f->sf_mem, f->sf_len);
	close(f->sf_fd);
	hyp_free(f, sizeof(*f));
}

/* A short host sleep, for a spinning lock's cool-down (the bus lock of a bus file is a
 * word another process may hold). */
void
hyp_pause_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A random number drawn once per process: what keeps the MAC addresses of this process's
 * interfaces apart from those of other processes on a shared bus file. */
uint32_t
hyp_process_salt(void)
{
	static atomic_uint salt;
	static atomic_int ready;
	uint32_t v;

	if (atomic_load_explicit(&ready, memory_order_acquire))
		return atomic_load_explicit(&salt, memory_order_relaxed);
	if (hyp_random(&v, sizeof(v)) != 0)
		v = (uint32_t)getpid() * 0x9e3779b1u;
	/* two threads may race here: the first store wins, both return it */
	{
		unsigned zero = 0;

		if (!atomic_compare_exchange_strong(&salt, &zero, v | 1))
			v = atomic_load(&salt);
		else
			v |= 1;
	}
	atomic_store_explicit(&ready, 1, memory_order_release);
	return v;
}
