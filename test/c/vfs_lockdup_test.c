/*
 * vfs_lockdup_test.c: POSIX record locks (fcntl F_SETLK) belong to the process and go
 * when the process closes ANY descriptor of the file: a dup, a dup2 over it, the
 * original while a dup stays open.  flock locks belong to the open file and stay while
 * a descriptor of it is open.  Issue 9: closing a dup released nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"

static struct rumpus_kernel *K;

/* As process lb: is bytes 0-9 of /f write-lockable?  0 or the errno. */
static int
probe(void *lb, int fb)
{
	struct nb_flock fl = { 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };
	int rc, err = 0;

	rump_pub_lwproc_switch(lb);
	rc = rump_sys_fcntl(fb, NB_F_SETLK, &fl);
	if (rc != 0)
		err = errno;
	else {
		fl.l_type = NB_F_UNLCK;
		rump_sys_fcntl(fb, NB_F_SETLK, &fl);
	}
	rump_pub_lwproc_switch(NULL);
	return err;
}

/* As process la: write-lock bytes 0-9 through fd. */
static int
lock_as(void *la, int fd)
{
	struct nb_flock fl = { 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };
	int rc;

	rump_pub_lwproc_switch(la);
	rc = rump_sys_fcntl(fd, NB_F_SETLK, &fl);
	rump_pub_lwproc_switch(NULL);
	return rc;
}

struct waiter {
	void *l;
	int fd, rc, err;
};

/* As process w->l in its own host thread: F_SETLKW on bytes 0-9 (waits for A). */
static void *
setlkw(void *arg)
{
	struct waiter *w = arg;
	struct nb_flock fl = { 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };

	rumpus_kernel_switch(K);
	rump_pub_lwproc_switch(w->l);
	w->rc = rump_sys_fcntl(w->fd, NB_F_SETLKW, &fl);
	w->err = w->rc == 0 ? 0 : errno;
	rump_pub_lwproc_switch(NULL);
	rumpus_kernel_switch(NULL);
	return NULL;
}

int
main(void)
{
	struct rumpus_memstats m0, m1;
	void *la, *lb;
	int fa, fd2, fa2, fb, rc;

	rumpus_memstats(&m0);
	K = vt_boot(0);
	vt_writefile("/f", "0123456789abcdef");

	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "process B");
	lb = rump_pub_lwproc_curlwp();
	fb = rump_sys_open("/f", NB_O_RDWR, 0);
	rump_pub_lwproc_switch(NULL);
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "process A");
	la = rump_pub_lwproc_curlwp();
	fa = rump_sys_open("/f", NB_O_RDWR, 0);
	fd2 = rump_sys_dup(fa);
	rump_pub_lwproc_switch(NULL);
	ok(fa >= 0 && fd2 >= 0 && fb >= 0, "descriptors %d %d %d", fa, fd2, fb);

	/* 1. lock through fa, close the dup fd2: the lock goes (fa stays open) */
	ok(lock_as(la, fa) == 0, "A locks 0-9 through fd %d", fa);
	ok(probe(lb, fb) == NB_EAGAIN, "B is refused while A holds it");
	rump_pub_lwproc_switch(la);
	ok(rump_sys_close(fd2) == 0, "A closes the dup %d", fd2);
	rump_pub_lwproc_switch(NULL);
	rc = probe(lb, fb);
	ok(rc == 0, "closing the dup released A's lock (probe %d)", rc);

	/* 2. lock through a dup, close the original */
	rump_pub_lwproc_switch(la);
	fd2 = rump_sys_dup(fa);
	rump_pub_lwproc_switch(NULL);
	ok(lock_as(la, fd2) == 0, "A locks through the dup %d", fd2);
	ok(probe(lb, fb) == NB_EAGAIN, "B refused again");
	rump_pub_lwproc_switch(la);
	ok(rump_sys_close(fa) == 0, "A closes the original %d", fa);
	rump_pub_lwproc_switch(NULL);
	ok(probe(lb, fb) == 0, "closing the original released the lock taken via the dup");

	/* 3. a second open of the same file, closed: same rule (any descriptor of the file) */
	rump_pub_lwproc_switch(la);
	fa2 = rump_sys_open("/f", NB_O_RDONLY, 0);
	rump_pub_lwproc_switch(NULL);
	ok(lock_as(la, fd2) == 0, "A locks again");
	rump_pub_lwproc_switch(la);
	ok(rump_sys_close(fa2) == 0, "A closes another open of the file");
	rump_pub_lwproc_switch(NULL);
	ok(probe(lb, fb) == 0, "closing another open file of the vnode released it too");

	/* 4. dup2 over the locked descriptor's twin */
	ok(lock_as(la, fd2) == 0, "A locks again");
	rump_pub_lwproc_switch(la);
	fa = rump_sys_dup(fd2);
	fa2 = rump_sys_open("/f", NB_O_RDONLY, 0);
	ok(rump_sys_dup2(fa2, fa) == fa, "dup2 replaces the dup %d", fa);
	rump_pub_lwproc_switch(NULL);
	ok(probe(lb, fb) == 0, "dup2 closing a descriptor of the file released it");

	/* 5. closing a descriptor of ANOTHER file keeps the lock */
	ok(lock_as(la, fd2) == 0, "A locks again");
	vt_writefile("/g", "x");
	rump_pub_lwproc_switch(la);
	rc = rump_sys_open("/g", NB_O_RDONLY, 0);
	ok(rump_sys_close(rc) == 0, "A closes a descriptor of another file");
	rump_pub_lwproc_switch(NULL);
	ok(probe(lb, fb) == NB_EAGAIN, "the lock on /f stays");

	/* 5b. a waiter in F_SETLKW (another thread) wakes when A closes a dup */
	{
		struct waiter w = { lb, fb, -2, 0 };
		pthread_t t;
		int d;

		rump_pub_lwproc_switch(la);
		d = rump_sys_dup(fd2);
		rump_pub_lwproc_switch(NULL);
		pthread_create(&t, NULL, setlkw, &w);
		rump_pub_lwproc_switch(la);
		ok(rump_sys_close(d) == 0, "A closes a dup while B waits in F_SETLKW");
		rump_pub_lwproc_switch(NULL);
		pthread_join(t, NULL);
		ok(w.rc == 0, "B's F_SETLKW got the lock (rc %d errno %d)", w.rc, w.err);
		{
			struct nb_flock fl = { 0, 10, 0, NB_F_UNLCK, NB_SEEK_SET };
			rump_pub_lwproc_switch(lb);
			rump_sys_fcntl(fb, NB_F_SETLK, &fl);
			rump_pub_lwproc_switch(NULL);
		}
	}

	/* 6. B's locks are untouched by A's closes */
	rump_pub_lwproc_switch(la);
	rump_pub_lwproc_releaselwp();		/* A exits: its lock goes */
	ok(lock_as(lb, fb) == 0, "B locks after A's exit");
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "process C");
	la = rump_pub_lwproc_curlwp();
	fa = rump_sys_open("/f", NB_O_RDWR, 0);
	ok(rump_sys_close(fa) == 0, "C opens and closes /f");
	{
		struct nb_flock fl = { 0, 10, 0, NB_F_WRLCK, NB_SEEK_SET };
		fa = rump_sys_open("/f", NB_O_RDWR, 0);
		FAILS(rump_sys_fcntl(fa, NB_F_SETLK, &fl), NB_EAGAIN,
		    "C's close did not release B's lock");
	}
	rump_pub_lwproc_releaselwp();

	/* 7. flock is per open file: closing a dup keeps it */
	rump_pub_lwproc_switch(lb);
	rump_sys_close(fb);
	fb = rump_sys_open("/f", NB_O_RDONLY, 0);
	fd2 = rump_sys_dup(fb);
	ok(rump_sys_flock(fb, NB_LOCK_EX) == 0, "flock LOCK_EX");
	ok(rump_sys_close(fd2) == 0, "close a dup of the flocked file");
	fa = rump_sys_open("/f", NB_O_RDONLY, 0);
	FAILS(rump_sys_flock(fa, NB_LOCK_EX | NB_LOCK_NB), NB_EAGAIN,
	    "the flock lock stays while the open file lives");
	rump_sys_close(fb);
	ok(rump_sys_flock(fa, NB_LOCK_EX | NB_LOCK_NB) == 0, "last close releases flock");
	rump_pub_lwproc_releaselwp();

	vt_down(K);
	rumpus_memstats(&m1);
	ok(m1.leaked == 0 && m1.bytes == m0.bytes, "no bytes leaked (%llu -> %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	return tap_done();
}
