/*
 * kqueue_test.c: kqueue/kevent over the generic file layer: read/write filters with byte
 * counts, oneshot/disable/delete/clear/dispatch, errors reported in the event list,
 * timers on the real and the virtual clock, a kevent sleeping until another thread
 * writes, poll on a kqueue, knotes going away with their descriptor.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

struct kev {
	uintptr_t ident;
	uint32_t filter, flags, fflags;
	int64_t data;
	intptr_t udata;
};
struct ts { int64_t sec; long nsec; };

static struct rumpus_kernel *k;

static void
set(struct kev *e, uintptr_t ident, uint32_t filter, uint32_t flags, int64_t data, intptr_t udata)
{
	memset(e, 0, sizeof(*e));
	e->ident = ident;
	e->filter = filter;
	e->flags = flags;
	e->data = data;
	e->udata = udata;
}

static void *
writer(void *arg)
{
	int fd = *(int *)arg;
	struct kern *kk = (struct kern *)k;

	rumpus_kernel_switch(k);
	for (int i = 0; i < 100000 && atomic_load(&kk->k_sleepers) == 0; i++)
		usleep(100);	/* up to 10 s for the other thread to fall asleep */
	rump_sys_write(fd, "wake", 4);
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct kev ch[4], ev[8];
	struct ts zero = { 0, 0 }, ms5 = { 0, 5000000 };
	int err, kq, fd, fd2, r;
	pthread_t t;
	uint64_t t0;

	k = rumpus_kernel_create(NULL, NULL, &err);
	rumpus_kernel_switch(k);
	fd = tf_open(k);
	fd2 = tf_open(k);
	kq = rump_sys_kqueue();
	ok(kq == 2, "kqueue is fd 2");
	r = rump_sys_kqueue1(0x1);
	ok(r == -1 && errno == EINVAL, "kqueue1 with bad flags is EINVAL");
	r = rump_sys_kqueue1(O_CLOEXEC);
	ok(r == 3 && rump_sys_fcntl(3, F_GETFD) == FD_CLOEXEC && rump_sys_close(3) == 0,
	    "kqueue1(O_CLOEXEC)");

	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_ADD, 0, 77);
	set(&ch[1], (uintptr_t)fd, EVFILT_WRITE, EV_ADD | EV_ONESHOT, 0, 78);
	ok(rump_sys_kevent(kq, (void *)ch, 2, NULL, 0, NULL) == 0, "register read and oneshot write");
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero);
	ok(r == 1 && ev[0].filter == EVFILT_WRITE && ev[0].udata == 78 && ev[0].ident == (uintptr_t)fd,
	    "only the write filter fires on an empty file");
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero);
	ok(r == 0, "the oneshot is gone");
	rump_sys_write(fd, "12345", 5);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero);
	ok(r == 1 && ev[0].filter == EVFILT_READ && ev[0].data == 5 && ev[0].udata == 77,
	    "read fires with data = 5 bytes (FIONREAD)");
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 1, "level-triggered: again");

	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_DISABLE, 0, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 0, "EV_DISABLE silences it");
	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_ENABLE, 0, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 1, "EV_ENABLE brings it back");

	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 1 &&
	    rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 0,
	    "EV_CLEAR reports once until something changes");
	rump_sys_write(fd, "6", 1);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero);
	ok(r == 1 && ev[0].data == 6, "more data: reported again with 6");

	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_DELETE, 0, 0);
	ok(rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL) == 0, "EV_DELETE");
	r = rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	ok(r == -1 && errno == ENOENT, "deleting it again is ENOENT");

	/* errors go to the event list when there is room */
	set(&ch[0], 99, EVFILT_READ, EV_ADD, 0, 5);
	set(&ch[1], (uintptr_t)fd2, 42, EV_ADD, 0, 6);
	set(&ch[2], 1, EVFILT_TIMER, EV_ADD, 0, 7);
	r = rump_sys_kevent(kq, (void *)ch, 3, (void *)ev, 8, (void *)&zero);
	ok(r == 3 && (ev[0].flags & EV_ERROR) && ev[0].data == EBADF && ev[1].data == EINVAL &&
	    ev[2].data == EINVAL && ev[2].udata == 7,
	    "bad fd EBADF, unknown filter EINVAL, zero timer EINVAL, as EV_ERROR events");
	r = rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	ok(r == -1 && errno == EBADF, "without room the call fails with the error");
	set(&ch[0], (uintptr_t)fd2, EVFILT_WRITE, EV_ADD | EV_RECEIPT, 0, 0);
	r = rump_sys_kevent(kq, (void *)ch, 1, (void *)ev, 8, NULL);
	ok(r == 1 && (ev[0].flags & EV_ERROR) && ev[0].data == 0, "EV_RECEIPT acknowledges with data 0");
	ok(rump_sys_close(fd2) == 0, "close the watched fd");
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&zero) == 0,
	    "its knote went away with it");

	r = rump_sys_kevent(fd, NULL, 0, (void *)ev, 8, (void *)&zero);
	ok(r == -1 && errno == EBADF, "kevent on a non-kqueue is EBADF");
	ms5.nsec = 1000000000;
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&ms5);
	ok(r == -1 && errno == EINVAL, "a bad timeout is EINVAL");
	ms5.nsec = 5000000;
	r = rump_sys_kevent(kq, (void *)8, 1, (void *)ev, 8, (void *)&zero);
	ok(r == -1 && errno == EFAULT, "a bad changelist is EFAULT");
	rump_sys_read(fd, ev, sizeof(ev));
	set(&ch[0], (uintptr_t)fd, EVFILT_READ, EV_ADD, 0, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	rump_sys_write(fd, "x", 1);
	r = rump_sys_kevent(kq, NULL, 0, (void *)8, 8, (void *)&zero);
	ok(r == -1 && errno == EFAULT, "a bad event list is EFAULT");
	rump_sys_read(fd, ev, sizeof(ev));
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, (void *)&ms5) == 0, "a 5 ms wait times out");

	/* sleeping until another thread writes */
	pthread_create(&t, NULL, writer, &fd);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, NULL);
	pthread_join(t, NULL);
	ok(r == 1 && ev[0].data == 4, "an unbounded kevent wakes when another thread writes");
	{
		struct { int fd; short ev, rev; } p = { kq, POLLIN, 0 };
		ok(rump_sys_poll((void *)&p, 1, 0) == 1 && p.rev == POLLIN, "poll on the kqueue: POLLIN");
		rump_sys_read(fd, ev, sizeof(ev));
		ok(rump_sys_poll((void *)&p, 1, 0) == 0, "and nothing once drained");
	}

	/* timers */
	set(&ch[0], 1, EVFILT_TIMER, EV_ADD, 2, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, NULL);
	ok(r == 1 && ev[0].filter == EVFILT_TIMER && ev[0].data >= 1, "a 2 ms timer fires");
	set(&ch[0], 1, EVFILT_TIMER, EV_DELETE, 0, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	rumpus_clock_virtual(1);
	t0 = rumpus_clock_now();
	set(&ch[0], 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 60000, 0);
	rump_sys_kevent(kq, (void *)ch, 1, NULL, 0, NULL);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 8, NULL);
	ok(r == 1 && ev[0].ident == 2 && rumpus_clock_now() - t0 >= 60000000000ULL,
	    "a one-minute timer fires at once on the virtual clock (+%.0f s)",
	    (rumpus_clock_now() - t0) / 1e9);
	rumpus_clock_virtual(0);

	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy with a kqueue open");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "no bytes left (%llu)", (unsigned long long)m.bytes);
	}
	return tap_done();
}
