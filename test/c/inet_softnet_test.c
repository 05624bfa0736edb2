/*
 * inet_softnet_test.c: a frame for a kernel whose only vCPU another thread holds, and the
 * wake-ups of an inline delivery (issue 16, the two-thread round trip):
 *   - the frame is queued, and the holder drains the queue when it gives the vCPU back
 *     (k_softnet, kern_softrun), before its release returns: not later from a timer of
 *     hyper's scheduler thread;
 *   - a thread inside kernel B that delivers a datagram inline into kernel A wakes A's
 *     sleeping receiver only when it leaves B too (kern_wake_defer): woken at once, the
 *     receiver answered into B while B was still held, and its answer waited for the
 *     scheduler thread (a tail of the two-thread round trip);
 *   - threads ping-pong through two kernels and every datagram arrives.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

/* the public syscalls used here (rump_syscalls.h and the kernel's headers clash) */
struct sockaddr;
long rump_sys_recvfrom(int, void *, size_t, int, struct sockaddr *, void *)
    __asm__("rump___sysimpl_recvfrom");
long rump_sys_sendto(int, const void *, size_t, int, const struct sockaddr *, unsigned)
    __asm__("rump___sysimpl_sendto");
int rump_sys_socket(int, int, int) __asm__("rump___sysimpl_socket30");
int rump_sys_bind(int, const struct sockaddr *, unsigned) __asm__("rump___sysimpl_bind");
int rump_sys_close(int) __asm__("rump___sysimpl_close");

#define NB_MSG_DONTWAIT	0x80

static struct rumpus_kernel *ka, *kb;
static int fa, fb;
static struct nb_sockaddr_in sa, sb;

static int
udp(struct rumpus_kernel *k, struct nb_sockaddr_in *sin, const char *addr, int port)
{
	int fd;

	rumpus_kernel_switch(k);
	in_sockaddr(sin, ku_ip(addr), htons((uint16_t)port));
	fd = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 && rump_sys_bind(fd, (struct sockaddr *)sin, sizeof(*sin)) != 0) {
		rump_sys_close(fd);
		fd = -1;
	}
	rumpus_kernel_switch(NULL);
	return fd;
}

/* from k's socket fd to `to`: 0 or -1 */
static int
send1(struct rumpus_kernel *k, int fd, const struct nb_sockaddr_in *to, char c)
{
	long r;

	rumpus_kernel_switch(k);
	r = rump_sys_sendto(fd, &c, 1, 0, (const struct sockaddr *)to, sizeof(*to));
	rumpus_kernel_switch(NULL);
	return r == 1 ? 0 : -1;
}

/* one datagram on k's socket fd: its byte, or -1 */
static int
recv1(struct rumpus_kernel *k, int fd, int flags)
{
	char c;
	long r;

	rumpus_kernel_switch(k);
	r = rump_sys_recvfrom(fd, &c, 1, flags, NULL, NULL);
	rumpus_kernel_switch(NULL);
	return r == 1 ? (unsigned char)c : -1;
}

static unsigned
pending(struct rumpus_kernel *k)
{
	return (unsigned)atomic_load(&ifstate(KOF(k))->ns_pending);
}

/* ---- 1: the holder drains at its release */

struct holder {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int stage;		/* 1: holding B, 2: may leave, 3: left */
	unsigned after;		/* B's queued frames right after the release */
};

static void
stage_set(struct holder *h, int s)
{
	pthread_mutex_lock(&h->m);
	h->stage = s;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->m);
}

static void
stage_wait(struct holder *h, int s)
{
	pthread_mutex_lock(&h->m);
	while (h->stage < s)
		pthread_cond_wait(&h->cv, &h->m);
	pthread_mutex_unlock(&h->m);
}

static void *
hold_b(void *arg)
{
	struct holder *h = arg;
	struct kin ki;

	ku_enter(&ki, kb);
	stage_set(h, 1);
	stage_wait(h, 2);
	ku_leave(&ki);
	h->after = pending(kb);	/* no other thread enters B meanwhile but the timer's */
	stage_set(h, 3);
	return NULL;
}

static void
test_drain_at_release(void)
{
	struct holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 99 };
	pthread_t t;
	int queued;

	pthread_create(&t, NULL, hold_b, &h);
	stage_wait(&h, 1);
	ok(send1(ka, fa, &sb, 'q') == 0, "A sends to B while another thread holds B's vCPU");
	queued = (int)pending(kb);
	ok(queued == 1, "the frame waits in B's interface queue (%d queued)", queued);
	stage_set(&h, 2);
	stage_wait(&h, 3);
	pthread_join(t, NULL);
	ok(h.after == 0, "the holder's release drained it before returning (%u left)", h.after);
	ok(recv1(kb, fb, NB_MSG_DONTWAIT) == 'q', "B's socket has the datagram right away");
}

/* ---- 2: wake-ups of an inline delivery wait for the outer kernel's release */

static atomic_int got, rtid;

static void *
sleep_a(void *arg)
{
	(void)arg;
	atomic_store(&rtid, (int)syscall(SYS_gettid));
	atomic_store(&got, recv1(ka, fa, 0));
	return NULL;
}

/* the thread's state letter in /proc (S: sleeping), or '?' */
static char
tstate(int tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if ((f = fopen(path, "r")) == NULL)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) != NULL && p[1] == ' ' ? p[2] : '?';
}

static void
test_wake_after_outer(void)
{
	pthread_t t;
	struct kin ki;
	int i, early;
	long r;
	char c = 'w';

	atomic_store(&got, 0);
	atomic_store(&rtid, 0);
	pthread_create(&t, NULL, sleep_a, NULL);
	/* until the receiver sleeps in A (registered, and asleep on the host) */
	for (i = 0; i < 10000; i++) {
		if (atomic_load(&KOF(ka)->k_sleepers) > 0 && atomic_load(&rtid) != 0 &&
		    tstate(atomic_load(&rtid)) == 'S')
			break;
		usleep(1000);
	}
	usleep(20000);
	ok(atomic_load(&got) == 0, "the receiver sleeps in A");
	/* inside B as a syscall is, send to A (a nested call from inside B) */
	rumpus_kernel_switch(kb);
	ku_enter(&ki, kb);
	r = rump_sys_sendto(fb, &c, 1, 0, (const struct sockaddr *)&sa, sizeof(sa));
	for (i = 0; i < 200 && atomic_load(&got) == 0; i++)
		usleep(1000);
	early = atomic_load(&got);
	ku_leave(&ki);
	rumpus_kernel_switch(NULL);
	ok(r == 1, "B sends to A from inside B");
	ok(early == 0, "the receiver is not woken while the sender still holds B (got %d)",
	    early);
	if (r != 1)
		send1(kb, fb, &sa, 'w');	/* not to hang on the receiver */
	pthread_join(t, NULL);
	ok(atomic_load(&got) == 'w', "it wakes with the datagram once the sender left B");
}

/* ---- 3: two threads ping-pong */

enum { TRIPS = 3000 };

static int echo_err;

static void *
echo_b(void *arg)
{
	int c;

	(void)arg;
	while ((c = recv1(kb, fb, 0)) >= 0 && c != 'x')
		if (send1(kb, fb, &sa, (char)c) != 0) {
			echo_err = -2;
			break;
		}
	if (c < 0)
		echo_err = -1;
	if (echo_err != 0)
		send1(kb, fb, &sa, '!');	/* the client must not wait for ever */
	return NULL;
}

static void
test_pingpong(void)
{
	pthread_t t;
	int i, bad = 0;

	pthread_create(&t, NULL, echo_b, NULL);
	for (i = 0; i < TRIPS && bad == 0; i++) {
		char c = (char)('a' + i % 20);	/* never 'x' */

		if (send1(ka, fa, &sb, c) != 0 || recv1(ka, fa, 0) != (unsigned char)c)
			bad = i + 1;
	}
	send1(ka, fa, &sb, 'x');
	pthread_join(t, NULL);
	ok(bad == 0 && echo_err == 0, "%d round trips between a thread in A and a thread in B "
	    "(failed at %d, echo error %d)", TRIPS, bad, echo_err);
	ok(pending(ka) == 0 && pending(kb) == 0, "nothing left queued");
}

int
main(void)
{
	ka = ku_boot();
	kb = ku_boot();
	if (!ok(ka != NULL && kb != NULL, "two kernels"))
		return tap_done();
	if (!ok(ku_shmif(ka, "shmif0", "softnet") == 0 && ku_addr(ka, "shmif0", "10.8.0.1", 24) == 0 &&
	    ku_shmif(kb, "shmif0", "softnet") == 0 && ku_addr(kb, "shmif0", "10.8.0.2", 24) == 0,
	    "on one bus"))
		return tap_done();
	fa = udp(ka, &sa, "10.8.0.1", 4001);
	fb = udp(kb, &sb, "10.8.0.2", 4002);
	if (!ok(fa >= 0 && fb >= 0, "a UDP socket in each"))
		return tap_done();
	/* ARP both ways first */
	ok(send1(ka, fa, &sb, 'h') == 0 && recv1(kb, fb, 0) == 'h' &&
	    send1(kb, fb, &sa, 'h') == 0 && recv1(ka, fa, 0) == 'h', "A and B know each other");
	test_drain_at_release();
	test_wake_after_outer();
	test_pingpong();
	rumpus_kernel_destroy(ka);
	rumpus_kernel_destroy(kb);
	return tap_done();
}
