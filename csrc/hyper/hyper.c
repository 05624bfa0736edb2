/*
 * hyper.c: the hypercall layer on a Linux/glibc host.
 *
 * Invariants of the scheduler:
 *  - sched_root is a pairing heap of the armed timers ordered by (deadline, arming
 *    order); a timer is in it exactly when t->pending is 1.  Insertion is O(1), removal
 *    and taking the first O(log n) amortised, and the links live in the timers, so
 *    arming never allocates.  Everything is guarded by sched_mtx.
 *  - sched_firing names the timer whose fn runs right now (at most one: one scheduler
 *    thread); the scheduler touches no timer after calling its fn, so a timer may live on
 *    the stack of a thread that disarms it.
 *  - Under the virtual clock, vnow only grows.  It jumps to the first deadline when
 *    sched_busy == 0 (no thread holds or waits for a virtual CPU), sched_runnable == 0
 *    (no sleeper was woken that has not got its vCPU back yet) and sched_sleepers > 0
 *    (someone waits in a kernel), or when hyp_vclock_advance() is called.  A wakeup moves
 *    a sleeper from sched_sleepers to sched_runnable in one step under sched_mtx, and a
 *    timer's fn runs before the scheduler looks again, so a sleeper's own timeout makes
 *    it runnable before time can move past its deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <linux/membarrier.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "hyper.h"

/* NetBSD errno values this file returns itself. */
#define NB_EBUSY	16
#define NB_EINVAL	22
#define NB_ETIMEDOUT	60
#define NB_EIO		5
#define NB_EFAULT	14
#define NB_ENAMETOOLONG	63
#define NB_EDEADLK	11
#define NB_EAGAIN	35

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(hyp_mutex_t), "hyp_mutex_t too small");
_Static_assert(sizeof(pthread_cond_t) <= sizeof(hyp_cond_t), "hyp_cond_t too small");
_Static_assert(sizeof(pthread_rwlock_t) <= sizeof(hyp_rwlock_t), "hyp_rwlock_t too small");
_Static_assert(sizeof(pthread_t) <= sizeof(hyp_thread_t), "hyp_thread_t too small");

#define PM(m)	((pthread_mutex_t *)(void *)(m)->opaque)
#define PC(c)	((pthread_cond_t *)(void *)(c)->opaque)
#define PRW(r)	((pthread_rwlock_t *)(void *)(r)->opaque)

/* Deterministic-mode state (see the scheduler below). */
enum { VS_NONE, VS_SLEEPING, VS_RUNNABLE };
HYP_HIDDEN atomic_int hyp_det_on;
static __thread int tls_depth __attribute__((tls_model("initial-exec")));
static __thread int tls_firing __attribute__((tls_model("initial-exec")));
static __thread struct hyp_vsleep *tls_vsleep __attribute__((tls_model("initial-exec")));
static __thread int tls_sched __attribute__((tls_model("initial-exec")));	/* the scheduler thread */

/* ---- memory ---- */

/*
 * Process-wide counts without process-wide atomics on the hot path (issue 16): every
 * thread counts what it allocates and frees in a counter of its own (plain loads and
 * stores of its own cache line; a thread's counts go negative when it frees what another
 * allocated), and hyp_memstats adds them up.  Counters are linked on a thread's first
 * allocation (mem_reg_mtx) and folded into mem_gone when the thread exits, after which
 * that thread counts in mem_gone directly (its own destructors may still free).
 */
struct memctr {
	_Atomic int64_t bytes, blocks;	/* written by the owner only */
	struct memctr *next, **prevp;	/* mem_threads (mem_reg_mtx) */
};
static atomic_uint_fast64_t mem_leaked;
static _Atomic int64_t mem_gone_bytes, mem_gone_blocks;	/* exited threads, late frees */
static pthread_mutex_t mem_reg_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct memctr *mem_threads;
static pthread_key_t mem_key;
static pthread_once_t mem_once = PTHREAD_ONCE_INIT;
static __thread struct memctr *mem_mine;
static __thread int mem_exited;

static void
mem_thread_exit(void *arg)
{
	struct memctr *c = arg;

	pthread_mutex_lock(&mem_reg_mtx);
	atomic_fetch_add(&mem_gone_bytes, atomic_load(&c->bytes));
	atomic_fetch_add(&mem_gone_blocks, atomic_load(&c->blocks));
	if ((*c->prevp = c->next) != NULL)
		c->next->prevp = c->prevp;
	pthread_mutex_unlock(&mem_reg_mtx);
	mem_mine = NULL;
	mem_exited = 1;
	free(c);
}

static void malloc_tune(void);

static void
mem_key_init(void)
{
	pthread_key_create(&mem_key, mem_thread_exit);
	malloc_tune();
}

static struct memctr *
mem_ctr_slow(void)
{
	struct memctr *c;

	if (mem_exited || pthread_once(&mem_once, mem_key_init) != 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	pthread_mutex_lock(&mem_reg_mtx);
	if ((c->next = mem_threads) != NULL)
		mem_threads->prevp = &c->next;
	c->prevp = &mem_threads;
	mem_threads = c;
	pthread_mutex_unlock(&mem_reg_mtx);
	if (pthread_setspecific(mem_key, c) != 0) {
		mem_thread_exit(c);
		mem_exited = 0;
		return NULL;
	}
	mem_mine = c;
	return c;
}

static inline void
mem_count(int64_t bytes, int64_t blocks)
{
	struct memctr *c = mem_mine;

	if (__builtin_expect(c == NULL, 0) && (c = mem_ctr_slow()) == NULL) {
		atomic_fetch_add_explicit(&mem_gone_bytes, bytes, memory_order_relaxed);
		atomic_fetch_add_explicit(&mem_gone_blocks, blocks, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&c->bytes, atomic_load_explicit(&c->bytes, memory_order_relaxed) +
	    bytes, memory_order_relaxed);
	atomic_store_explicit(&c->blocks, atomic_load_explicit(&c->blocks, memory_order_relaxed) +
	    blocks, memory_order_relaxed);
}

void *
hyp_malloc(size_t n)
{
	void *p;

	if (HYP_FAULT_CHECK(&hyp_fault_proc))
		return NULL;
	p = malloc(n ? n : 1);

	if (p != NULL)
		mem_count((int64_t)n, 1);
	return p;
}

void *
hyp_zalloc(size_t n)
{
	void *p;

	if (HYP_FAULT_CHECK(&hyp_fault_proc))
		return NULL;
	p = calloc(1, n ? n : 1);

	if (p != NULL)
		mem_count((int64_t)n, 1);
	return p;
}

void
hyp_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	mem_count(-(int64_t)n, -1);
	free(p);
}

void
hyp_memstats(struct hyp_memstats *st)
{
	struct memctr *c;
	int64_t bytes, blocks;

	pthread_mutex_lock(&mem_reg_mtx);
	bytes = atomic_load(&mem_gone_bytes);
	blocks = atomic_load(&mem_gone_blocks);
	for (c = mem_threads; c != NULL; c = c->next) {
		bytes += atomic_load_explicit(&c->bytes, memory_order_relaxed);
		blocks += atomic_load_explicit(&c->blocks, memory_order_relaxed);
	}
	pthread_mutex_unlock(&mem_reg_mtx);
	st->bytes = bytes < 0 ? 0 : (uint64_t)bytes;
	st->blocks = blocks < 0 ? 0 : (uint64_t)blocks;
	st->leaked = atomic_load(&mem_leaked);
}

void
hyp_memleak_note(uint64_t bytes)
{
	atomic_fetch_add(&mem_leaked, bytes);
}

/* ---- locks ---- */

/* A world of host threads exists (hyp_world_begin to hyp_world_end): its threads count the
 * host locks they hold (a wakeup is a preemption point once the waker holds none) and
 * wait on condition variables through the world (below, "Host threads of a world"). */
HYP_HIDDEN atomic_int hyp_world_act;	/* hyp_world_act in hyper.h */
static void world_locked(int delta);
static int world_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
static void world_cond_wake(pthread_cond_t *c);
#define WORLD_ACT()	__builtin_expect(atomic_load_explicit(&hyp_world_act, memory_order_relaxed), 0)

void hyp_mutex_init(hyp_mutex_t *m) { pthread_mutex_init(PM(m), NULL); }
void hyp_mutex_destroy(hyp_mutex_t *m) { pthread_mutex_destroy(PM(m)); }

void
hyp_mutex_lock(hyp_mutex_t *m)
{
	pthread_mutex_lock(PM(m));
	if (WORLD_ACT())
		world_locked(1);
}

void
hyp_mutex_unlock(hyp_mutex_t *m)
{
	pthread_mutex_unlock(PM(m));
	if (WORLD_ACT())
		world_locked(-1);
}

int
hyp_mutex_trylock(hyp_mutex_t *m)
{
	if (pthread_mutex_trylock(PM(m)) != 0)
		return NB_EBUSY;
	if (WORLD_ACT())
		world_locked(1);
	return 0;
}

void
hyp_cond_init(hyp_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(PC(c), &a);
	pthread_condattr_destroy(&a);
}

void hyp_cond_destroy(hyp_cond_t *c) { pthread_cond_destroy(PC(c)); }
static void det_wait(struct hyp_vsleep *s, pthread_cond_t *c, pthread_mutex_t *m);

void
hyp_cond_wait(hyp_cond_t *c, hyp_mutex_t *m)
{
	struct hyp_vsleep *s = tls_vsleep;

	if (WORLD_ACT() && world_cond_wait(PC(c), PM(m)))
		return;		/* a world's thread: the wait was a preemption point */
	if (__builtin_expect(atomic_load_explicit(&hyp_det_on, memory_order_relaxed), 0) &&
	    s != NULL && s->state == VS_SLEEPING && !tls_firing)
		det_wait(s, PC(c), PM(m));
	else
		pthread_cond_wait(PC(c), PM(m));
}

void
hyp_cond_signal(hyp_cond_t *c)
{
	if (WORLD_ACT())
		world_cond_wake(PC(c));
	pthread_cond_signal(PC(c));
}

void
hyp_cond_broadcast(hyp_cond_t *c)
{
	if (WORLD_ACT())
		world_cond_wake(PC(c));
	pthread_cond_broadcast(PC(c));
}

int
hyp_word_wait(atomic_uint *w, unsigned val, uint64_t deadline)
{
	struct timespec ts;
	long r;

	if (deadline != 0) {
		ts.tv_sec = (time_t)(deadline / 1000000000);
		ts.tv_nsec = (long)(deadline % 1000000000);
	}
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time */
	r = syscall(SYS_futex, (void *)w, FUTEX_WAIT_BITSET_PRIVATE, val,
	    deadline != 0 ? &ts : NULL, NULL, FUTEX_BITSET_MATCH_ANY);
	return r != 0 && errno == ETIMEDOUT ? NB_ETIMEDOUT : 0;
}

static atomic_int spin_ncpu;	/* online CPUs, 0 until asked */
static atomic_llong spin_env = -1;	/* RUMPUS_SPIN_NS, or -1: the caller's */

uint64_t
hyp_spin_ns(uint64_t dflt)
{
	int ncpu = atomic_load_explicit(&spin_ncpu, memory_order_relaxed);
	long long env;

	if (ncpu == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		const char *e = getenv("RUMPUS_SPIN_NS");

		atomic_store_explicit(&spin_env, e != NULL && *e != '\0' ? atoll(e) : -1,
		    memory_order_relaxed);
		ncpu = n > 0 ? (int)n : 1;
		atomic_store_explicit(&spin_ncpu, ncpu, memory_order_relaxed);
	}
	if (ncpu < 2 || atomic_load_explicit(&hyp_det_on, memory_order_relaxed))
		return 0;
	if ((env = atomic_load_explicit(&spin_env, memory_order_relaxed)) >= 0)
		return (uint64_t)env;
	return dflt;
}

int
hyp_word_spin(atomic_uint *w, unsigned val, uint64_t ns)
{
	uint64_t end = 0;

	if (ns == 0)
		return 0;
	for (unsigned i = 0;; i++) {
		if (atomic_load_explicit(w, memory_order_acquire) != val)
			return 1;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		if ((i & 31) == 31) {
			uint64_t now = hyp_clock_mono();
			if (end == 0)
				end = now + ns;
			else if (now >= end)
				return 0;
		}
	}
}

void
hyp_word_wake(atomic_uint *w)
{
	syscall(SYS_futex, (void *)w, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

void hyp_rw_init(hyp_rwlock_t *rw) { pthread_rwlock_init(PRW(rw), NULL); }
void hyp_rw_destroy(hyp_rwlock_t *rw) { pthread_rwlock_destroy(PRW(rw)); }

void
hyp_rw_rdlock(hyp_rwlock_t *rw)
{
	pthread_rwlock_rdlock(PRW(rw));
	if (WORLD_ACT())
		world_locked(1);
}

int
hyp_rw_tryrdlock(hyp_rwlock_t *rw)
{
	if (pthread_rwlock_tryrdlock(PRW(rw)) != 0)
		return NB_EBUSY;
	if (WORLD_ACT())
		world_locked(1);
	return 0;
}

void
hyp_rw_wrlock(hyp_rwlock_t *rw)
{
	pthread_rwlock_wrlock(PRW(rw));
	if (WORLD_ACT())
		world_locked(1);
}

void
hyp_rw_unlock(hyp_rwlock_t *rw)
{
	pthread_rwlock_unlock(PRW(rw));
	if (WORLD_ACT())
		world_locked(-1);
}

/* ---- threads ---- */

int
hyp_thread_create(hyp_thread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_t pt;
	int e = pthread_create(&pt, NULL, fn, arg);

	if (e != 0)
		return hyp_errno(e);
	memcpy(&t->opaque, &pt, sizeof(pt));
	return 0;
}

int
hyp_thread_join(hyp_thread_t *t)
{
	pthread_t pt;

	memcpy(&pt, &t->opaque, sizeof(pt));
	return hyp_errno(pthread_join(pt, NULL));
}

/* ---- clocks and the scheduler ---- */

HYP_HIDDEN atomic_int hyp_vclock_on;
static _Atomic uint64_t vnow;		/* virtual monotonic time */
static uint64_t vreal_base, vmono_base;	/* real time at the moment the clock went virtual */

static pthread_mutex_t sched_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv;		/* wakes the scheduler thread */
static pthread_cond_t sched_done_cv;	/* a fired timer's fn returned */
static pthread_once_t sched_once = PTHREAD_ONCE_INIT;
static struct hyp_timer *sched_root;
static uint64_t sched_seq;
static struct hyp_timer *sched_firing;
static pthread_t sched_tid;
static int sched_started, sched_busy, sched_sleepers, sched_runnable;

/* The seeded deterministic mode (hyp_det_on: a run seed is set and the clock is virtual):
 * the scheduler thread fires nothing; timers run on the threads that use the kernels, at
 * points they reach in program order (det_run_due, det_wait).  tls_firing marks a thread
 * that runs a timer's fn now (the scheduler thread always): no nested polling there, and
 * disarm/drain do not wait for themselves.  tls_vsleep is the thread's current sleep. */
static int seed_isset;
static uint64_t run_seed, seed_index, run_counter;
static uint64_t aux_index;		/* hyp_aux_seed */
static int kernels_live;	/* between hyp_kernel_seed and hyp_kernel_gone */
/* Where a seeded virtual clock starts: 1 s after boot, 2020-01-01T00:00:00Z. */
#define DET_MONO0	1000000000ULL
#define DET_REAL0	(1577836800ULL * 1000000000ULL)

static void
det_update_locked(void)
{
	atomic_store(&hyp_det_on, seed_isset && atomic_load(&hyp_vclock_on));
}

static uint64_t
host_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
hyp_clock_mono(void)
{
	if (atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed))
		return atomic_load_explicit(&vnow, memory_order_acquire);
	return host_clock(CLOCK_MONOTONIC);
}

uint64_t
hyp_clock_coarse(void)
{
	if (atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed))
		return atomic_load_explicit(&vnow, memory_order_acquire);
	return host_clock(CLOCK_MONOTONIC_COARSE);
}

uint64_t
hyp_clock_real(void)
{
	if (atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed))
		return vreal_base + (atomic_load(&vnow) - vmono_base);
	return host_clock(CLOCK_REALTIME);
}

static void vthr_key_init(void);

static void
sched_init_once(void)
{
	pthread_condattr_t a;

	vthr_key_init();
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&sched_cv, &a);
	pthread_cond_init(&sched_done_cv, &a);
	pthread_condattr_destroy(&a);
}

static int
tmr_before(const struct hyp_timer *a, const struct hyp_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Links two heaps (roots without siblings) and returns the new root. */
static struct hyp_timer *
tmr_meld(struct hyp_timer *a, struct hyp_timer *b)
{
	struct hyp_timer *t;

	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	if (tmr_before(b, a)) {
		t = a;
		a = b;
		b = t;
	}
	b->prev = a;
	b->next = a->child;
	if (a->child != NULL)
		a->child->prev = b;
	a->child = b;
	a->next = a->prev = NULL;
	return a;
}

/* Melds a list of sibling heaps into one: pairs left to right, then right to left. */
static struct hyp_timer *
tmr_merge_pairs(struct hyp_timer *first)
{
	struct hyp_timer *paired = NULL, *a, *b, *rest, *r;

	/* pass 1: meld pairs, pushing each result on a list (linked through next) */
	while (first != NULL) {
		a = first;
		b = a->next;
		rest = b != NULL ? b->next : NULL;
		a->next = a->prev = NULL;
		if (b != NULL)
			b->next = b->prev = NULL;
		r = tmr_meld(a, b);
		r->next = paired;
		paired = r;
		first = rest;
	}
	/* pass 2: meld the results together (the list is already reversed) */
	r = NULL;
	while (paired != NULL) {
		a = paired;
		paired = a->next;
		a->next = NULL;
		r = tmr_meld(r, a);
	}
	return r;
}

static void
heap_insert(struct hyp_timer *t)
{
	t->child = t->next = t->prev = NULL;
	t->seq = sched_seq++;
	sched_root = tmr_meld(sched_root, t);
	t->pending = 1;
}

static void
list_remove(struct hyp_timer *t)
{
	struct hyp_timer *sub;

	if (t == sched_root)
		sched_root = tmr_merge_pairs(t->child);
	else {
		if (t->prev->child == t)
			t->prev->child = t->next;
		else
			t->prev->next = t->next;
		if (t->next != NULL)
			t->next->prev = t->prev;
		sub = tmr_merge_pairs(t->child);
		sched_root = tmr_meld(sched_root, sub);
	}
	t->child = t->next = t->prev = NULL;
	t->pending = 0;
}

/* Virtual time may jump: every kernel idle, nobody woken waits to run, someone sleeps. */
static int
sched_idle_locked(void)
{
	return sched_busy == 0 && sched_runnable == 0 && sched_sleepers > 0;
}

/*
 * Threads between two system calls (issue 11: a poll of 10 s in one thread timed out
 * under the virtual clock although another thread sent the byte it waited for).  The
 * counts above see a thread only while it is inside a kernel; one that has just left a
 * kernel and is about to enter it again (a nanosleep's return, then the send that wakes
 * the poller) is invisible, and virtual time jumped to the poller's deadline in that
 * window.  So every thread that has used a kernel under the virtual clock is on vthr_list;
 * one outside every kernel (out: not inside one, not asleep in one) holds virtual time
 * while the host runs it (state R in /proc: running or waiting for a CPU) and lets it go
 * when it blocks in the host (pthread_join, a host sleep, a read).  A thread that is
 * entering a kernel counts in enter_pending before it takes sched_mtx, so one that blocks
 * on that mutex still holds time.
 */
struct vthr {
	pid_t tid;
	int out;			/* outside every kernel (sched_mtx) */
	struct vthr *next, **prevp;	/* vthr_list (sched_mtx) */
};
static __thread struct vthr tls_vthr;
static struct vthr *vthr_list;
static pthread_key_t vthr_key;
static int vthr_key_ok;
static atomic_int enter_pending;

static void
vthr_exit(void *arg)
{
	struct vthr *v = arg;

	pthread_mutex_lock(&sched_mtx);
	if (v->prevp != NULL) {
		if ((*v->prevp = v->next) != NULL)
			v->next->prevp = v->prevp;
		v->prevp = NULL;
	}
	pthread_mutex_unlock(&sched_mtx);
}

static void
vthr_key_init(void)
{
	vthr_key_ok = pthread_key_create(&vthr_key, vthr_exit) == 0;
}

/* sched_mtx held: the calling thread left its last kernel (out) or entered one. */
static void
vthr_mark_locked(int out)
{
	struct vthr *v = &tls_vthr;

	if (v->prevp == NULL) {
		if (!out || !vthr_key_ok || pthread_setspecific(vthr_key, v) != 0)
			return;
		v->tid = (pid_t)syscall(SYS_gettid);
		if ((v->next = vthr_list) != NULL)
			vthr_list->prevp = &v->next;
		v->prevp = &vthr_list;
		vthr_list = v;
	}
	v->out = out;
}

/* 1 when the host runs thread tid now (or it waits for a CPU). */
static int
vthr_host_running(pid_t tid)
{
	char path[64], buf[128], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;	/* gone (or forked away) */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "tid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')' */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2] == 'R';
}

/* sched_mtx held, sched_idle_locked(): may virtual time jump, or does some thread outside
 * every kernel still run (or wait to enter one)?  /proc is read only for threads that are
 * out, and enter_pending after it (a thread blocked on sched_mtx counted itself first). */
static int
vthr_busy_locked(void)
{
	struct vthr *v;

	for (v = vthr_list; v != NULL; v = v->next)
		if (v->out && v != &tls_vthr && vthr_host_running(v->tid))
			return 1;
	return atomic_load(&enter_pending) != 0;
}

static void fire_locked(struct hyp_timer *t);

static void det_run_due_locked(void);

/* Wakes the scheduler thread to look again; in the deterministic mode it has nothing to
 * do (and a wakeup of another thread costs tens of microseconds on a small machine). */
static inline void
sched_kick_locked(void)
{
	if (!atomic_load_explicit(&hyp_det_on, memory_order_relaxed))
		pthread_cond_broadcast(&sched_cv);
}

static void *
sched_main(void *arg)
{
	uint64_t backoff = 0;	/* ns between looks while a thread outside holds time */

	(void)arg;
	tls_firing = 1;
	tls_sched = 1;
	pthread_mutex_lock(&sched_mtx);
	for (;;) {
		struct hyp_timer *t = sched_root;
		int virt = atomic_load(&hyp_vclock_on);

		if (atomic_load(&hyp_det_on) || sched_firing != NULL) {
			/* deterministic mode: the kernels' own threads run the timers */
			pthread_cond_wait(&sched_cv, &sched_mtx);
			continue;
		}
		if (t != NULL && t->deadline <= hyp_clock_mono()) {
			fire_locked(t);
			continue;
		}
		if (virt) {
			if (t != NULL && sched_idle_locked()) {
				if (!vthr_busy_locked()) {
					backoff = 0;
					atomic_store(&vnow, t->deadline);
					continue;
				}
				/* a thread between two calls: look again soon (it may block in the
				 * host without entering a kernel, which wakes nobody) */
				backoff = backoff == 0 ? 20000 : backoff < 5000000 ? backoff * 2 : backoff;
				{
					uint64_t d = host_clock(CLOCK_MONOTONIC) + backoff;
					struct timespec ts = {
						.tv_sec = (time_t)(d / 1000000000u),
						.tv_nsec = (long)(d % 1000000000u),
					};
					pthread_cond_timedwait(&sched_cv, &sched_mtx, &ts);
				}
				continue;
			}
			pthread_cond_wait(&sched_cv, &sched_mtx);
		} else if (t != NULL) {
			struct timespec ts = {
				.tv_sec = (time_t)(t->deadline / 1000000000u),
				.tv_nsec = (long)(t->deadline % 1000000000u),
			};
			pthread_cond_timedwait(&sched_cv, &sched_mtx, &ts);
		} else
			pthread_cond_wait(&sched_cv, &sched_mtx);
	}
	return NULL;
}

/* Called with sched_mtx held. */
static void
sched_start_locked(void)
{
	pthread_attr_t a;

	if (sched_started)
		return;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&sched_tid, &a, sched_main, NULL) == 0)
		sched_started = 1;
	pthread_attr_destroy(&a);
}

int
hyp_vclock_set(int on)
{
	int old;

	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	old = atomic_load(&hyp_vclock_on);
	if (on && !old) {
		/* seeded with nothing pending: from the fixed origin (no deadline to break) */
		int det0 = seed_isset && kernels_live == 0 && sched_root == NULL &&
		    sched_firing == NULL;

		vmono_base = det0 ? DET_MONO0 : host_clock(CLOCK_MONOTONIC);
		vreal_base = det0 ? DET_REAL0 : host_clock(CLOCK_REALTIME);
		atomic_store(&vnow, vmono_base);
		atomic_store(&hyp_vclock_on, 1);
		sched_start_locked();
	} else if (!on && old) {
		/* Real time never runs behind virtual time: pending deadlines stay valid. */
		atomic_store(&hyp_vclock_on, 0);
	}
	det_update_locked();
	/* the scheduler thread looks again only when something changed (waking it costs
	 * tens of microseconds; race hunting sets the clock on once per run) */
	if (!on != !old)
		pthread_cond_broadcast(&sched_cv);
	pthread_mutex_unlock(&sched_mtx);
	return old;
}

uint64_t
hyp_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
hyp_seed_set(int on, uint64_t seed)
{
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	seed_isset = on != 0;
	run_seed = seed;
	seed_index = 0;
	aux_index = 0;
	run_counter = 0;
	/* A run starts from the same clock and arming order when no kernel exists (none holds
	 * a time) and nothing is pending. */
	if (seed_isset && kernels_live == 0 && sched_root == NULL && sched_firing == NULL) {
		sched_seq = 0;
		if (atomic_load(&hyp_vclock_on)) {
			vmono_base = DET_MONO0;
			vreal_base = DET_REAL0;
			atomic_store(&vnow, vmono_base);
		}
	}
	{
		int was = atomic_load(&hyp_det_on);

		det_update_locked();
		if (was != atomic_load(&hyp_det_on))
			pthread_cond_broadcast(&sched_cv);
	}
	pthread_mutex_unlock(&sched_mtx);
	return 0;
}

void
hyp_kernel_gone(void)
{
	pthread_mutex_lock(&sched_mtx);
	kernels_live--;
	pthread_mutex_unlock(&sched_mtx);
}

/* A seed for a process-wide consumer that is not a kernel (a bus's impairments): from the
 * run's seed and its own creation index (restarted by hyp_seed_set, apart from the
 * kernels' so that it shifts no kernel's seed), or from getrandom when unseeded. */
uint64_t
hyp_aux_seed(int *seeded)
{
	uint64_t x, r = 0;

	pthread_mutex_lock(&sched_mtx);
	*seeded = seed_isset;
	if (seed_isset) {
		x = (run_seed ^ 0x6a09e667f3bcc909ULL) + aux_index++;
		r = hyp_splitmix64(&x);
		pthread_mutex_unlock(&sched_mtx);
		return r;
	}
	pthread_mutex_unlock(&sched_mtx);
	while (r == 0)
		(void)hyp_random(&r, sizeof(r));
	return r;
}

int
hyp_seed_get(uint64_t *seedp)
{
	int on;

	pthread_mutex_lock(&sched_mtx);
	on = seed_isset;
	if (seedp != NULL)
		*seedp = run_seed;
	pthread_mutex_unlock(&sched_mtx);
	return on;
}

static __thread uint64_t tls_seedstate;	/* unseeded kernels' seeds (hyp_kernel_seed) */

static void
seedstate_atfork_child(void)
{
	tls_seedstate = 0;
}

__attribute__((constructor)) static void
seedstate_init(void)
{
	pthread_atfork(NULL, NULL, seedstate_atfork_child);
}

uint64_t
hyp_kernel_seed(int *seeded)
{
	uint64_t x, r;

	pthread_mutex_lock(&sched_mtx);
	kernels_live++;
	*seeded = seed_isset;
	if (seed_isset) {
		x = run_seed + seed_index++;
		r = hyp_splitmix64(&x);
		pthread_mutex_unlock(&sched_mtx);
		return r;
	}
	pthread_mutex_unlock(&sched_mtx);
	/* Unseeded, the seed only has to differ between kernels (kern_random takes getrandom
	 * itself then): a per-thread stream keyed once from getrandom, not a system call per
	 * boot.  Reset in a forked child (below), which must not repeat its parent's seeds. */
	if (__builtin_expect(tls_seedstate == 0, 0))
		while (tls_seedstate == 0)
			(void)hyp_random(&tls_seedstate, sizeof(tls_seedstate));
	r = hyp_splitmix64(&tls_seedstate);
	return r;
}

/*
 * The kernels' packets and socket buffers cycle through blocks of 16 to 64 KB (a TCP
 * transfer with NetBSD's auto-sized 200 KB buffers holds a few hundred KB at a time).
 * glibc's default gives the top of its heap back to the system each time more than
 * 128 KB lie free there, and the next packets fault their pages in again: 48,000 page
 * faults and a third of the throughput in a 256 MB transfer.  Keep up to 32 MB free
 * memory instead (the kernels' memory limits count their own allocations, not this),
 * and blocks under 4 MB on the heap, unless the user tuned malloc (GLIBC_TUNABLES).
 * Done once, at the kernels' first allocation (not when the library is loaded: a
 * process that never boots a kernel keeps glibc's defaults).
 */
static void
malloc_tune(void)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	const char *t = getenv("GLIBC_TUNABLES");

	if (t != NULL && strstr(t, "glibc.malloc.") != NULL)
		return;
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif
}

/* RUMPUS_SEED=n (decimal or 0x hex) seeds the run when the library is loaded. */
__attribute__((constructor)) static void
seed_from_env(void)
{
	const char *v = getenv("RUMPUS_SEED");
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || *v == '-') {
		static const char msg[] = "rumpus: ignoring RUMPUS_SEED (expected a whole number)\n";
		ssize_t r = write(2, msg, sizeof(msg) - 1);
		(void)r;
		return;
	}
	pthread_once(&sched_once, sched_init_once);
	hyp_seed_set(1, (uint64_t)n);
}

int
hyp_run_counter(uint64_t *np)
{
	int on;

	pthread_mutex_lock(&sched_mtx);
	on = seed_isset;
	*np = run_counter++;
	pthread_mutex_unlock(&sched_mtx);
	return on;
}

void
hyp_vclock_advance(uint64_t ns)
{
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (atomic_load(&hyp_vclock_on))
		atomic_fetch_add(&vnow, ns);
	sched_kick_locked();	/* not in the deterministic mode: that thread fires nothing */
	/* deterministic mode: what fell due runs here, on the caller, now (or when it leaves
	 * its last kernel, if it is inside one) */
	if (tls_depth == 0 && atomic_load(&hyp_det_on))
		det_run_due_locked();
	pthread_mutex_unlock(&sched_mtx);
}

/* Waits (real time, at most max_ns) until no timer that fell due on the virtual clock is
 * left to run on the scheduler thread; 0 when none is left, ETIMEDOUT.  For a caller
 * outside every kernel that moved the clock (the packet-level tests: a timer's segment is
 * out when this returns, however late a loaded host runs the scheduler thread). */
int
hyp_vclock_settle(uint64_t max_ns)
{
	uint64_t end = host_clock(CLOCK_MONOTONIC) + max_ns;
	struct timespec d = { 0, 100000 };

	pthread_once(&sched_once, sched_init_once);
	if (atomic_load(&hyp_det_on))
		return 0;	/* deterministic mode: the caller's own calls run them */
	for (;;) {
		int due;

		pthread_mutex_lock(&sched_mtx);
		due = sched_firing != NULL || (atomic_load(&hyp_vclock_on) && sched_root != NULL &&
		    sched_root->deadline <= atomic_load(&vnow));
		pthread_mutex_unlock(&sched_mtx);
		if (!due)
			return 0;
		if (host_clock(CLOCK_MONOTONIC) >= end)
			return NB_ETIMEDOUT;
		nanosleep(&d, NULL);
	}
}

static void *(*det_ctx_enter)(void);
static void (*det_ctx_leave)(void *);

void
hyp_det_hooks(void *(*enter)(void), void (*leave)(void *))
{
	det_ctx_enter = enter;
	det_ctx_leave = leave;
}

/* Runs one timer t taken off the heap on the calling thread (sched_mtx held, dropped
 * around fn). */
static void
fire_locked(struct hyp_timer *t)
{
	int was = tls_firing;
	void *ctx = NULL;

	list_remove(t);
	sched_firing = t;
	tls_firing = 1;
	pthread_mutex_unlock(&sched_mtx);
	if (__builtin_expect(atomic_load_explicit(&hyp_trace_on, memory_order_relaxed), 0)) {
		uint64_t d[2] = { t->deadline, t->seq };
		hyp_trace_note(HYP_TR_TIMER, tls_sched, d, sizeof(d));
	}
	if (!tls_sched && det_ctx_enter != NULL)
		ctx = det_ctx_enter();
	t->fn(t->arg);
	if (!tls_sched && det_ctx_leave != NULL)
		det_ctx_leave(ctx);
	pthread_mutex_lock(&sched_mtx);
	tls_firing = was;
	sched_firing = NULL;
	pthread_cond_broadcast(&sched_done_cv);
	sched_kick_locked();
}

/* Deterministic mode, a thread left its last kernel: run every timer that is due, in
 * (deadline, arming) order, here.  Time does not move. */
static void
det_run_due_locked(void)
{
	struct hyp_timer *t;

	while (!tls_firing && sched_firing == NULL && (t = sched_root) != NULL &&
	    t->deadline <= atomic_load(&vnow) && atomic_load(&hyp_det_on))
		fire_locked(t);
}

/*
 * Host threads of a world (issue 11, rumpus_det_* in rump/rumpus_race.h): in the
 * deterministic mode, host threads made by hyp_world_spawn run one at a time.  The one that
 * runs holds the baton (world.holder); it chooses who runs next at its preemption points:
 * a system call's entry and exit (the thread's first kernel entry and its last exit,
 * hyp_sched_busy), a sleep in a kernel (hyp_vsleep_begin marks it, the vCPU's release
 * passes the baton) and the thread's end.  A wakeup (hyp_vsleep_wake) makes the sleeper
 * a candidate at once, whatever the host does; the sleeper, when it gets there, waits at
 * its next kernel entry until it is chosen.  When no thread can run, the holder runs the
 * due timers or moves virtual time to the first deadline itself, so timers fire at fixed
 * points too; with every thread asleep and nothing pending the run ends with EDEADLK and
 * the world runs free (the caller destroys its kernels to end the sleepers).
 *
 * The candidates at a point: the holder first when it can go on (choice 0: no preemption),
 * then the others that can run in spawn order.  Each point with two candidates or more is
 * one recorded choice: from the replayed list while it lasts (0 past its end, or for a
 * value out of range), else uniformly at random or by PCT (random distinct priorities
 * d..d+n-1, d-1 change points among the first k steps that drop the holder's priority to
 * d-i; the highest priority runs), from a splitmix64 stream of the world's seed.  Every
 * choice is also a trace event (kind 4, info the chosen thread's id).
 */
/*
 * Wakeups and vCPU hand-offs (session 5).  A wakeup the holder makes (hyp_vsleep_wake of a
 * world thread's sleep, a signal of a condition variable a world thread waits on) is a
 * preemption point of its own, taken as soon as the waker holds no host lock (the unlock
 * that brings its count to zero, world_locked): the waker may be inside a call there,
 * holding vCPUs.  A world thread that then needs a vCPU another holds waits for it
 * through the world (hyp_cond_wait -> world_cond_wait: WT_CVWAIT, the baton passes), and
 * the vCPU's release signals that condition variable: the waiter becomes a candidate and
 * the releaser reaches a wakeup point (the hand-off).  No point is taken with a host lock
 * held, so a thread preempted there holds only vCPUs, which every other thread waits for
 * through the world.  opts nowake (RUMPUS_DET_NOWAKE) turns this off: the points of
 * session 4 only.
 */
enum { WT_FREE, WT_READY, WT_RUN, WT_SLEEP, WT_DONE, WT_CVWAIT };
#define WORLD_MAX	HYP_WORLD_MAX
#define WORLD_PCT_MAX	8

struct hyp_wthr {
	int id, state, arriving, prio, faulted;
	pthread_t pt;
	pthread_cond_t cv;
	pthread_cond_t *wchan;		/* WT_CVWAIT: the condition variable */
	const atomic_int *gate;		/* asleep: its kernel's vCPU count (one vCPU) */
	void (*fn)(void *);
	void *arg;
};

static struct {
	int on, ran, running, freerun, nthr, ndone, holder, result;
	struct hyp_wthr thr[WORLD_MAX];
	pthread_cond_t done_cv;
	uint64_t rng, t0, maxtime;	/* virtual ns: the run's start, its bound */
	int strategy, depth, steps;
	uint64_t step, change[WORLD_PCT_MAX];
	uint32_t *choices, *ns;		/* each choice, and how many candidates it had */
	size_t nchoices, cap;
	uint32_t *replay;
	size_t nreplay;
	int replaying, nowake;
	uint64_t alloc_ppm;		/* the allocation fault site: per million entries */
} world;
static __thread struct hyp_wthr *tls_wt;
static __thread int tls_nlocks;	/* host locks this world thread holds */
static __thread int tls_woke;	/* it woke a world thread since its last point */

/* this thread takes part in a running world that schedules (sched_mtx held) */
static inline int
world_mine_locked(void)
{
	return tls_wt != NULL && world.running && !world.freerun && !tls_firing;
}

static void
world_wait_locked(struct hyp_wthr *w)
{
	while (!world.freerun && world.holder != w->id)	/* before the run too */
		pthread_cond_wait(&w->cv, &sched_mtx);
}

static uint64_t
world_rand(void)
{
	return hyp_splitmix64(&world.rng);
}

static void
world_record(uint32_t v, uint32_t n)
{
	if (world.nchoices == world.cap) {
		size_t cap = world.cap ? world.cap * 2 : 64;
		uint32_t *c = realloc(world.choices, cap * sizeof(*c)), *m;

		if (c == NULL)
			return;
		world.choices = c;
		if ((m = realloc(world.ns, cap * sizeof(*m))) == NULL)
			return;
		world.ns = m;
		world.cap = cap;
	}
	world.ns[world.nchoices] = n;
	world.choices[world.nchoices++] = v;
}

/* Chooses who runs next (sched_mtx held, dropped while timers run): self_ok when the
 * holder can go on.  Returns the chosen id, or -1 when the run ended (every thread done,
 * or a deadlock). */
static int
world_pick_locked(int self_ok)
{
	int c[WORLD_MAX], n, i, idx = 0, self = tls_wt != NULL ? tls_wt->id : -1;
	struct hyp_timer *t;

	tls_woke = 0;
	for (;;) {
		int gated = 0;

		n = 0;
		if (self >= 0 && (self_ok || world.thr[self].state == WT_READY))
			c[n++] = self;
		for (i = 0; i < world.nthr; i++)
			if (i != self && world.thr[i].state == WT_READY) {
				/* a woken sleeper whose kernel's only vCPU is held would only wait
				 * for it: the same order as not choosing it, so no candidate */
				if (world.thr[i].gate != NULL && !world.nowake &&
				    atomic_load_explicit(world.thr[i].gate, memory_order_relaxed) == 0) {
					gated++;
					continue;
				}
				c[n++] = i;
			}
		if (n == 0 && gated > 0)	/* (only those: let them run, and wait) */
			for (i = 0; i < world.nthr; i++)
				if (i != self && world.thr[i].state == WT_READY)
					c[n++] = i;
		if (n > 0)
			break;
		/* nobody can run: the holder runs what is due, or moves time */
		if (sched_firing != NULL) {
			pthread_cond_wait(&sched_done_cv, &sched_mtx);
			continue;
		}
		t = sched_root;
		if (t != NULL && t->deadline <= atomic_load(&vnow)) {
			int was = tls_firing;

			fire_locked(t);	/* tls_firing: no points inside the timer's fn */
			tls_firing = was;
			continue;
		}
		if (t != NULL && t->deadline - world.t0 <= world.maxtime) {
			atomic_store(&vnow, t->deadline);
			continue;
		}
		/* nothing pending (a deadlock), or only timers far beyond the time bound (a
		 * keepalive every 2 hours while every thread waits) */
		world.holder = -1;
		if (world.ndone < world.nthr) {
			world.result = t != NULL ? NB_ETIMEDOUT : NB_EDEADLK;
			world.freerun = 1;
			for (i = 0; i < world.nthr; i++)
				pthread_cond_signal(&world.thr[i].cv);
		}
		world.running = 0;
		pthread_cond_broadcast(&world.done_cv);
		return -1;
	}
	if (n > 1) {
		world.step++;
		if (world.replaying) {
			if (world.nchoices < world.nreplay && world.replay[world.nchoices] < (uint32_t)n)
				idx = (int)world.replay[world.nchoices];
		} else if (world.strategy == HYP_WORLD_PCT) {
			int j, best = 0;

			for (j = 0; j < world.depth - 1 && j < WORLD_PCT_MAX; j++)
				if (world.change[j] == world.step && self >= 0)
					world.thr[self].prio = world.depth - 1 - j;
			for (j = 1; j < n; j++)
				if (world.thr[c[j]].prio > world.thr[c[best]].prio)
					best = j;
			idx = best;
		} else
			idx = (int)(world_rand() % (uint64_t)n);
		world_record((uint32_t)idx, (uint32_t)n);
	}
	if (__builtin_expect(atomic_load_explicit(&hyp_trace_on, memory_order_relaxed), 0)) {
		uint32_t d[2] = { (uint32_t)n, (uint32_t)idx };
		hyp_trace_note(HYP_TR_SCHED, (uint32_t)c[idx], d, sizeof(d));
	}
	world.holder = c[idx];
	if (self >= 0 && c[idx] != self && world.thr[self].state == WT_RUN)
		world.thr[self].state = WT_READY;
	world.thr[c[idx]].state = WT_RUN;
	world.thr[c[idx]].gate = NULL;
	if (c[idx] != self)
		pthread_cond_signal(&world.thr[c[idx]].cv);
	return c[idx];
}

/* A preemption point of the calling thread, sched_mtx held: kind 0 entry or exit (it can
 * go on), 1 a sleep (it cannot until woken). */
static void
world_point_locked(int sleeping)
{
	struct hyp_wthr *w = tls_wt;

	if (w->arriving) {		/* back from a sleep: chosen already, or wait to be */
		w->arriving = 0;
		world_wait_locked(w);
		return;
	}
	if (world.holder != w->id)
		return;
	if (sleeping) {
		w->arriving = 1;
		(void)world_pick_locked(0);	/* itself only if woken already */
		if (world.holder == w->id)
			w->arriving = 0;	/* woken already, and chosen: go on */
		return;		/* then it sleeps; at its next entry it waits */
	}
	(void)world_pick_locked(1);
	world_wait_locked(w);
}

/* The allocation fault site (alloc_ppm): at a thread's system call entry, a recorded choice
 * (two candidates: 0 no fault, 1 fault) whether the call's first allocation fails, drawn
 * with probability alloc_ppm / 10^6 or taken from the replayed list.  The fault is the
 * process-wide "nth = 1" (rumpus_fault.h), taken back when the thread next leaves its
 * kernels (its exit or a sleep), so it never reaches another thread's allocation. */
static void
world_fault_locked(struct hyp_wthr *w)
{
	uint32_t idx = 0;

	if (world.replaying) {
		if (world.nchoices < world.nreplay && world.replay[world.nchoices] < 2)
			idx = world.replay[world.nchoices];
	} else
		idx = world_rand() % 1000000u < world.alloc_ppm;
	world.step++;
	world_record(idx, 2);
	if (__builtin_expect(atomic_load_explicit(&hyp_trace_on, memory_order_relaxed), 0)) {
		uint32_t d[2] = { 2, idx };
		hyp_trace_note(HYP_TR_SCHED, 0x10000u | (uint32_t)w->id, d, sizeof(d));
	}
	if (idx != 0 && hyp_fault_set(&hyp_fault_proc, HYP_FAULT_NTH, 1, 0) == 0)
		w->faulted = 1;
}

static void
world_unfault_locked(struct hyp_wthr *w)
{
	if (w->faulted) {
		(void)hyp_fault_set(&hyp_fault_proc, HYP_FAULT_OFF, 0, 0);
		w->faulted = 0;
	}
}

/* The calling world thread has woken another and holds no host lock: a preemption point
 * (when it is the running holder, not asleep). */
static void
world_wake_point(void)
{
	struct hyp_wthr *w = tls_wt;

	pthread_mutex_lock(&sched_mtx);
	tls_woke = 0;
	if (world_mine_locked() && !world.nowake && world.holder == w->id && w->state == WT_RUN)
		world_point_locked(0);
	pthread_mutex_unlock(&sched_mtx);
}

/* The calling thread, asleep in a kernel with one vCPU, says where that vCPU's free count
 * is: woken while another thread holds the vCPU, it is no candidate (world_pick_locked). */
void
hyp_world_gate(const atomic_int *free)
{
	if (tls_wt == NULL)
		return;
	pthread_mutex_lock(&sched_mtx);
	if (tls_wt->state == WT_SLEEP)
		tls_wt->gate = free;
	pthread_mutex_unlock(&sched_mtx);
}

/* A word lock of the kernel (kern/brlock.h) taken (1) or given back (-1) while a world
 * exists: counted as the host locks are, so a world thread is never preempted holding one
 * (the next thread to want it would sleep on the word where the scheduler cannot see it). */
void
hyp_world_locked(int delta)
{
	world_locked(delta);
}

/* A world thread took (1) or let go (-1) of a host lock (hyp_mutex_*, hyp_rw_*). */
static void
world_locked(int delta)
{
	if (tls_wt == NULL)
		return;
	tls_nlocks += delta;
	if (delta < 0 && tls_nlocks == 0 && tls_woke && !tls_firing)
		world_wake_point();
}

/* The running holder waits on c (m held): a block point.  Returns 0 when the wait is not
 * the world's (another thread, a world running free, nowake). */
static int
world_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct hyp_wthr *w = tls_wt;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&sched_mtx);
	if (!world_mine_locked() || world.nowake || world.holder != w->id || w->state != WT_RUN) {
		pthread_mutex_unlock(&sched_mtx);
		return 0;
	}
	w->state = WT_CVWAIT;
	w->wchan = c;
	pthread_mutex_unlock(m);	/* a signaller takes m, then sched_mtx: it finds us waiting */
	(void)world_pick_locked(0);
	world_wait_locked(w);
	w->wchan = NULL;
	if (w->state == WT_CVWAIT)
		w->state = WT_RUN;	/* the world runs free (a deadlock): a spurious wakeup */
	pthread_mutex_unlock(&sched_mtx);
	pthread_mutex_lock(m);
	return 1;
}

/* c is signalled: the world threads waiting on it are candidates again (all of them: a
 * spurious wakeup is allowed, and the order stays the scheduler's). */
static void
world_cond_wake(pthread_cond_t *c)
{
	int i, n = 0;

	pthread_mutex_lock(&sched_mtx);
	for (i = 0; i < world.nthr; i++)
		if (world.thr[i].state == WT_CVWAIT && world.thr[i].wchan == c) {
			world.thr[i].state = WT_READY;
			world.thr[i].wchan = NULL;
			n++;
		}
	if (n > 0 && tls_wt != NULL && world.holder == tls_wt->id && !tls_firing)
		tls_woke = 1;
	pthread_mutex_unlock(&sched_mtx);
}

static void *
world_thread_main(void *arg)
{
	struct hyp_wthr *w = arg;

	tls_wt = w;
	pthread_mutex_lock(&sched_mtx);
	world_wait_locked(w);
	pthread_mutex_unlock(&sched_mtx);
	w->fn(w->arg);
	pthread_mutex_lock(&sched_mtx);
	w->state = WT_DONE;
	world.ndone++;
	if (world.running && !world.freerun && world.holder == w->id)
		(void)world_pick_locked(0);
	else if (world.ndone == world.nthr) {
		world.running = 0;
		pthread_cond_broadcast(&world.done_cv);
	}
	pthread_mutex_unlock(&sched_mtx);
	tls_wt = NULL;
	return NULL;
}

int
hyp_world_self(void)
{
	return tls_wt != NULL;
}

int
hyp_world_begin(const struct hyp_world_opts *o)
{
	int i, e = 0;

	if (o == NULL || (o->strategy != HYP_WORLD_RANDOM && o->strategy != HYP_WORLD_PCT) ||
	    (o->nchoices > 0 && o->choices == NULL))
		return NB_EINVAL;
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (world.on)
		e = NB_EBUSY;
	else if (!atomic_load(&hyp_det_on))
		e = NB_EINVAL;	/* a seed and the virtual clock first */
	if (e != 0) {
		pthread_mutex_unlock(&sched_mtx);
		return e;
	}
	free(world.replay);
	free(world.choices);
	free(world.ns);
	memset(&world, 0, sizeof(world));
	pthread_cond_init(&world.done_cv, NULL);
	world.on = 1;
	world.holder = -1;
	world.rng = o->seed;
	world.strategy = o->strategy;
	world.depth = o->depth > 0 ? o->depth : 3;
	if (world.depth > WORLD_PCT_MAX + 1)
		world.depth = WORLD_PCT_MAX + 1;
	world.steps = o->steps > 0 ? o->steps : 64;
	world.maxtime = o->maxtime > 0 ? o->maxtime : 86400ULL * 1000000000ULL;
	world.nowake = o->nowake != 0;
	world.alloc_ppm = o->alloc_ppm > 1000000 ? 1000000 : o->alloc_ppm;
	atomic_store(&hyp_world_act, 1);
	if (o->choices != NULL) {
		world.replaying = 1;
		if (o->nchoices > 0 && (world.replay = malloc(o->nchoices * sizeof(uint32_t))) != NULL) {
			memcpy(world.replay, o->choices, o->nchoices * sizeof(uint32_t));
			world.nreplay = o->nchoices;
		}
	}
	for (i = 0; i < world.depth - 1; i++)
		world.change[i] = 1 + world_rand() % (uint64_t)world.steps;
	pthread_mutex_unlock(&sched_mtx);
	return 0;
}

int
hyp_world_spawn(void (*fn)(void *), void *arg)
{
	struct hyp_wthr *w;
	int id, e;

	if (fn == NULL)
		return -NB_EINVAL;
	pthread_mutex_lock(&sched_mtx);
	if (!world.on || world.ran) {
		pthread_mutex_unlock(&sched_mtx);
		return -NB_EINVAL;
	}
	if (world.nthr == WORLD_MAX) {
		pthread_mutex_unlock(&sched_mtx);
		return -NB_EAGAIN;
	}
	id = world.nthr;
	w = &world.thr[id];
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->state = WT_READY;
	w->fn = fn;
	w->arg = arg;
	pthread_cond_init(&w->cv, NULL);
	if ((e = pthread_create(&w->pt, NULL, world_thread_main, w)) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_unlock(&sched_mtx);
		return -hyp_errno(e);
	}
	world.nthr++;
	pthread_mutex_unlock(&sched_mtx);
	return id;
}

int
hyp_world_run(void)
{
	int i, r;

	pthread_mutex_lock(&sched_mtx);
	if (!world.on || world.ran || tls_wt != NULL) {
		pthread_mutex_unlock(&sched_mtx);
		return NB_EINVAL;
	}
	world.ran = 1;
	/* PCT's priorities: a random permutation of d..d+n-1 */
	for (i = 0; i < world.nthr; i++)
		world.thr[i].prio = world.depth + i;
	for (i = world.nthr - 1; i > 0; i--) {
		int j = (int)(world_rand() % (uint64_t)(i + 1)), p = world.thr[i].prio;

		world.thr[i].prio = world.thr[j].prio;
		world.thr[j].prio = p;
	}
	world.t0 = atomic_load(&vnow);
	if (world.nthr > 0) {
		world.running = 1;
		(void)world_pick_locked(0);
		while (world.running)
			pthread_cond_wait(&world.done_cv, &sched_mtx);
	}
	r = world.result;
	pthread_mutex_unlock(&sched_mtx);
	return r;
}

int
hyp_world_end(void)
{
	int i, n;

	pthread_mutex_lock(&sched_mtx);
	if (!world.on || world.running || tls_wt != NULL) {
		pthread_mutex_unlock(&sched_mtx);
		return NB_EBUSY;
	}
	world.freerun = 1;	/* a world never run: its threads start and run free */
	for (i = 0; i < world.nthr; i++)
		pthread_cond_signal(&world.thr[i].cv);
	n = world.nthr;
	pthread_mutex_unlock(&sched_mtx);
	for (i = 0; i < n; i++)
		pthread_join(world.thr[i].pt, NULL);
	pthread_mutex_lock(&sched_mtx);
	for (i = 0; i < n; i++)
		pthread_cond_destroy(&world.thr[i].cv);
	pthread_cond_destroy(&world.done_cv);
	world.on = 0;
	atomic_store(&hyp_world_act, 0);
	world.nthr = 0;
	pthread_mutex_unlock(&sched_mtx);
	return 0;
}

size_t
hyp_world_choices(uint32_t *buf, size_t max)
{
	size_t n;

	pthread_mutex_lock(&sched_mtx);
	n = world.nchoices;
	if (buf != NULL && n > 0)
		memcpy(buf, world.choices, (n < max ? n : max) * sizeof(*buf));
	pthread_mutex_unlock(&sched_mtx);
	return n;
}

/* How many candidates each recorded choice had (an exhaustive search's alternatives). */
size_t
hyp_world_choice_counts(uint32_t *buf, size_t max)
{
	size_t n;

	pthread_mutex_lock(&sched_mtx);
	n = world.nchoices;
	if (buf != NULL && n > 0)
		memcpy(buf, world.ns, (n < max ? n : max) * sizeof(*buf));
	pthread_mutex_unlock(&sched_mtx);
	return n;
}

void
hyp_world_yield(void)
{
	pthread_mutex_lock(&sched_mtx);
	if (world_mine_locked() && tls_depth == 0)
		world_point_locked(0);
	pthread_mutex_unlock(&sched_mtx);
}

void
hyp_sched_busy(int delta)
{
	int entering = delta > 0 && !tls_sched;

	pthread_once(&sched_once, sched_init_once);
	if (entering)
		atomic_fetch_add(&enter_pending, 1);
	pthread_mutex_lock(&sched_mtx);
	if (entering) {
		atomic_fetch_sub(&enter_pending, 1);
		if (tls_vthr.out)
			tls_vthr.out = 0;
		/* a host thread of a world: its syscall entry is a preemption point */
		if (__builtin_expect(tls_wt != NULL, 0) && tls_depth == 0 && world_mine_locked()) {
			int back = tls_wt->arriving;	/* back from a sleep: no new call */

			world_point_locked(0);
			if (!back && world.alloc_ppm > 0 && world_mine_locked())
				world_fault_locked(tls_wt);
		}
	}
	sched_busy += delta;
	tls_depth += delta;
	if (__builtin_expect(tls_wt != NULL, 0) && delta < 0 && tls_depth == 0)
		world_unfault_locked(tls_wt);
	if (!entering && delta < 0 && tls_depth == 0 && tls_vsleep == NULL && !tls_sched)
		vthr_mark_locked(1);
	if (sched_idle_locked())
		sched_kick_locked();
	if (delta < 0 && tls_depth == 0 && atomic_load_explicit(&hyp_det_on,
	    memory_order_relaxed))
		det_run_due_locked();
	/* and its exit, or its sleep (vCPU given away while asleep in a kernel) */
	if (__builtin_expect(tls_wt != NULL, 0) && delta < 0 && tls_depth == 0 &&
	    world_mine_locked())
		world_point_locked(tls_vsleep != NULL);
	pthread_mutex_unlock(&sched_mtx);
}

void
hyp_det_poll(void)
{
	if (!atomic_load_explicit(&hyp_det_on, memory_order_relaxed) || tls_depth != 0)
		return;
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	det_run_due_locked();
	pthread_mutex_unlock(&sched_mtx);
}

/* The first pending timer's deadline (virtual or real monotonic ns): 1, or 0 when no timer
 * is pending.  Race hunting's cooperative scheduler moves virtual time there when every
 * thread of control it runs waits. */
int
hyp_det_next(uint64_t *deadlinep)
{
	int r = 0;

	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (sched_root != NULL) {
		*deadlinep = sched_root->deadline;
		r = 1;
	}
	pthread_mutex_unlock(&sched_mtx);
	return r;
}

/* One step of a sleeper in the deterministic mode, while s sleeps (and, with w, while *w is
 * still 0): run the first due timer on this thread, or move virtual time to the first
 * deadline when every kernel is idle and look again.  Returns 1 when it ran a timer (the
 * caller rechecks its condition), 0 when there was nothing to do, -1 when time would
 * jump but a thread outside every kernel still runs (look again soon). */
static int
det_step(struct hyp_vsleep *s, atomic_uint *w)
{
	struct hyp_timer *t;
	int acted = 0;

	pthread_mutex_lock(&sched_mtx);
	while ((w == NULL || atomic_load(w) == 0) && s->state == VS_SLEEPING &&
	    atomic_load(&hyp_det_on)) {
		if (sched_firing != NULL) {
			pthread_cond_wait(&sched_done_cv, &sched_mtx);
			continue;
		}
		t = sched_root;
		if (t != NULL && t->deadline <= atomic_load(&vnow)) {
			fire_locked(t);
			acted = 1;
			break;
		}
		if (t != NULL && sched_idle_locked()) {
			if (vthr_busy_locked()) {
				acted = -1;	/* a thread between two calls holds time */
				break;
			}
			atomic_store(&vnow, t->deadline);
			continue;
		}
		break;
	}
	pthread_mutex_unlock(&sched_mtx);
	return acted;
}

/* Deterministic mode, the calling thread sleeps in a kernel (s) and waits on c under m:
 * instead of waiting for the scheduler thread, it runs the next due timer itself, or
 * moves virtual time to the first deadline when every kernel is idle, and returns (a
 * spurious wakeup: the caller rechecks under m).  With nothing to run it waits for
 * another host thread, for at most 10 ms of real time at a stretch. */
static void
det_wait(struct hyp_vsleep *s, pthread_cond_t *c, pthread_mutex_t *m)
{
	int acted;

	pthread_mutex_unlock(m);
	acted = det_step(s, NULL);
	pthread_mutex_lock(m);
	if (acted <= 0 && s->state == VS_SLEEPING) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += acted < 0 ? 100000 : 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(c, m, &ts);
	}
}


/* A sleeper's wait on its word (sleep.c).  Outside the deterministic mode a futex wait.  In
 * it, as det_wait: the sleeping thread itself runs a due timer (perhaps its own timeout,
 * which sets the word) or moves virtual time to the first deadline when every kernel is
 * idle; with nothing to run it waits for another host thread, 10 ms of real time at most
 * at a stretch.  Returns NB_ETIMEDOUT only for a real deadline that passed. */
int
hyp_word_sleep(atomic_uint *w, uint64_t deadline)
{
	struct hyp_vsleep *s = tls_vsleep;
	struct timespec ts;
	int acted;

	if (!(atomic_load_explicit(&hyp_det_on, memory_order_relaxed) && s != NULL && !tls_firing))
		return hyp_word_wait(w, 0, deadline);
	if (tls_wt != NULL) {
		int mine;

		pthread_mutex_lock(&sched_mtx);
		mine = world.running && !world.freerun;
		pthread_mutex_unlock(&sched_mtx);
		if (mine)
			return hyp_word_wait(w, 0, 0);	/* a world's thread: the holder moves time */
	}
	if ((acted = det_step(s, w)) <= 0 && atomic_load(w) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		(void)hyp_word_wait(w, 0, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
		    (acted < 0 ? 100000u : 10000000u));
	}
	return 0;
}


void
hyp_vsleep_begin(struct hyp_vsleep *s)
{
	s->state = VS_NONE;
	if (!atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed))
		return;
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	sched_sleepers++;
	s->state = VS_SLEEPING;
	s->owner = NULL;
	tls_vsleep = s;
	if (__builtin_expect(tls_wt != NULL, 0) && world_mine_locked() &&
	    world.holder == tls_wt->id) {
		s->owner = tls_wt;
		tls_wt->state = WT_SLEEP;
	}
	if (sched_idle_locked())
		sched_kick_locked();
	pthread_mutex_unlock(&sched_mtx);
}

void
hyp_vsleep_wake(struct hyp_vsleep *s)
{
	if (s->state != VS_SLEEPING)
		return;
	pthread_mutex_lock(&sched_mtx);
	sched_sleepers--;
	sched_runnable++;
	s->state = VS_RUNNABLE;
	if (s->owner != NULL) {		/* a world's thread: a candidate from now on */
		struct hyp_wthr *w = s->owner;

		if (w->state == WT_SLEEP)
			w->state = WT_READY;
		s->owner = NULL;
		if (tls_wt != NULL && tls_wt != w && world.holder == tls_wt->id && !tls_firing)
			tls_woke = 1;	/* a wakeup point at the waker's next unlock */
	}
	pthread_mutex_unlock(&sched_mtx);
}

void
hyp_vsleep_end(struct hyp_vsleep *s)
{
	if (s->state == VS_NONE)
		return;
	pthread_mutex_lock(&sched_mtx);
	if (s->state == VS_SLEEPING)
		sched_sleepers--;
	else
		sched_runnable--;
	s->state = VS_NONE;
	if (tls_vsleep == s)
		tls_vsleep = NULL;
	if (sched_idle_locked())
		sched_kick_locked();
	pthread_mutex_unlock(&sched_mtx);
}

void
hyp_timer_init(struct hyp_timer *t, void (*fn)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void
hyp_timer_arm(struct hyp_timer *t, uint64_t deadline)
{
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (t->pending)
		list_remove(t);
	t->deadline = deadline;
	heap_insert(t);
	sched_start_locked();
	if (sched_root == t)
		sched_kick_locked();
	pthread_mutex_unlock(&sched_mtx);
}

int
hyp_timer_disarm(struct hyp_timer *t)
{
	int was = 0;

	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (t->pending) {
		list_remove(t);
		was = 1;
	}
	/* a running fn may have armed t again (pending and running at once): wait for it
	 * either way, so a disarm that returns leaves fn neither pending nor running unless
	 * that fn arms t again before it returns */
	if (!tls_firing) {
		while (sched_firing == t) {
			pthread_cond_wait(&sched_done_cv, &sched_mtx);
			if (t->pending) {
				list_remove(t);
				was = 1;
			}
		}
	}
	pthread_mutex_unlock(&sched_mtx);
	return was;
}

void
hyp_timer_drain(void)
{
	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (!tls_firing)
		while (sched_firing != NULL)
			pthread_cond_wait(&sched_done_cv, &sched_mtx);
	pthread_mutex_unlock(&sched_mtx);
}

int
hyp_timer_cancel(struct hyp_timer *t)
{
	int was = 0;

	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	if (t->pending) {
		list_remove(t);
		was = 1;
	}
	pthread_mutex_unlock(&sched_mtx);
	return was;
}

int
hyp_timer_pending(struct hyp_timer *t)
{
	int p;

	pthread_once(&sched_once, sched_init_once);
	pthread_mutex_lock(&sched_mtx);
	p = t->pending;
	pthread_mutex_unlock(&sched_mtx);
	return p;
}

struct vwake {
	hyp_mutex_t *m;
	hyp_cond_t *c;
	int fired;
};

static void
vwake_fire(void *arg)
{
	struct vwake *w = arg;

	hyp_mutex_lock(w->m);
	w->fired = 1;
	hyp_cond_broadcast(w->c);
	hyp_mutex_unlock(w->m);
}

int
hyp_cond_timedwait(hyp_cond_t *c, hyp_mutex_t *m, uint64_t deadline)
{
	if (!atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed)) {
		struct timespec ts = {
			.tv_sec = (time_t)(deadline / 1000000000u),
			.tv_nsec = (long)(deadline % 1000000000u),
		};
		int e = pthread_cond_timedwait(PC(c), PM(m), &ts);
		return e == ETIMEDOUT ? NB_ETIMEDOUT : 0;
	} else {
		struct vwake w = { m, c, 0 };
		struct hyp_timer t;

		if (hyp_clock_mono() >= deadline)
			return NB_ETIMEDOUT;
		hyp_timer_init(&t, vwake_fire, &w);
		hyp_timer_arm(&t, deadline);
		pthread_cond_wait(PC(c), PM(m));
		/* The timer's fn takes m: drop it while the timer is taken down. */
		hyp_mutex_unlock(m);
		hyp_timer_disarm(&t);
		hyp_mutex_lock(m);
		return (w.fired || hyp_clock_mono() >= deadline) ? NB_ETIMEDOUT : 0;
	}
}

/* ---- membarrier ---- */

HYP_HIDDEN atomic_int hyp_membarrier_ok;
static pthread_once_t membarrier_once = PTHREAD_ONCE_INIT;

static void
membarrier_setup(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
		atomic_store(&hyp_membarrier_ok, 1);
}

int
hyp_membarrier_init(void)
{
	pthread_once(&membarrier_once, membarrier_setup);
	return atomic_load(&hyp_membarrier_ok);
}

int
hyp_membarrier(void)
{
	if (!atomic_load(&hyp_membarrier_ok))
		return 78;	/* ENOSYS */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		return hyp_errno(errno);
	return 0;
}

/* ---- fault-tolerant copies ---- */

static __thread sigjmp_buf *copy_env __attribute__((tls_model("initial-exec")));
static struct sigaction old_segv, old_bus;
static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static int fault_ok;

static void
fault_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *env = copy_env;
	struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;

	if (env != NULL) {
		copy_env = NULL;
		/* sigsetjmp(env, 0) does not save the mask (a syscall per copy), so leave with
		 * the interrupted code's mask by hand: SA_NODEFER keeps SIGSEGV unblocked, but
		 * a wrapper between the kernel and us (ThreadSanitizer's handler runs ours with
		 * every signal blocked) may not, and the next fault would then kill the process. */
		if (uc != NULL)
			pthread_sigmask(SIG_SETMASK, &((ucontext_t *)uc)->uc_sigmask, NULL);
		siglongjmp(*env, 1);
	}
	/* not a copy of ours: hand over to whoever was there before */
	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction != NULL)
		old->sa_sigaction(sig, si, uc);
	else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN)
		old->sa_handler(sig);
	else
		sigaction(sig, old, NULL);	/* the fault repeats with the old action */
}

static void
fault_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old_segv) == 0 && sigaction(SIGBUS, &sa, &old_bus) == 0)
		fault_ok = 1;
}

int
hyp_fault_init(void)
{
	pthread_once(&fault_once, fault_setup);
	return fault_ok;
}

int
hyp_copy(void *dst, const void *src, size_t n)
{
	sigjmp_buf env;

	if (sigsetjmp(env, 0) != 0)
		return NB_EFAULT;
	copy_env = &env;
	atomic_signal_fence(memory_order_seq_cst);
	memcpy(dst, src, n);
	atomic_signal_fence(memory_order_seq_cst);
	copy_env = NULL;
	return 0;
}

int
hyp_copystr(char *dst, const char *src, size_t max, size_t *done)
{
	sigjmp_buf env;
	size_t i;

	if (sigsetjmp(env, 0) != 0)
		return NB_EFAULT;
	copy_env = &env;
	atomic_signal_fence(memory_order_seq_cst);
	for (i = 0; i < max; i++) {
		if ((dst[i] = src[i]) == '\0') {
			atomic_signal_fence(memory_order_seq_cst);
			copy_env = NULL;
			*done = i + 1;
			return 0;
		}
	}
	atomic_signal_fence(memory_order_seq_cst);
	copy_env = NULL;
	*done = max;
	return NB_ENAMETOOLONG;
}

/* ---- randomness ---- */

int
hyp_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return hyp_errno(errno);
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- the event trace ---- */

HYP_HIDDEN atomic_int hyp_trace_on;
static pthread_mutex_t trace_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct hyp_trace_ev *trace_ev;
static size_t trace_n, trace_cap, trace_max;
static uint64_t trace_count, trace_digest;

/* FNV-1a, 64 bits. */
static uint64_t
fnv64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len-- > 0) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
hyp_trace_start(size_t max)
{
	pthread_mutex_lock(&trace_mtx);
	free(trace_ev);
	trace_ev = NULL;
	trace_n = trace_cap = 0;
	trace_max = max;
	trace_count = 0;
	trace_digest = 0xcbf29ce484222325ULL;
	atomic_store(&hyp_trace_on, 1);
	pthread_mutex_unlock(&trace_mtx);
}

void
hyp_trace_stop(void)
{
	pthread_mutex_lock(&trace_mtx);
	atomic_store(&hyp_trace_on, 0);
	pthread_mutex_unlock(&trace_mtx);
}

void
hyp_trace_note(uint32_t kind, uint32_t info, const void *data, size_t len)
{
	struct hyp_trace_ev e;

	e.kind = kind;
	e.info = info;
	e.vtime = hyp_clock_mono();
	e.hash = fnv64(0xcbf29ce484222325ULL, data, len);
	pthread_mutex_lock(&trace_mtx);
	if (!atomic_load(&hyp_trace_on)) {
		pthread_mutex_unlock(&trace_mtx);
		return;
	}
	trace_count++;
	trace_digest = fnv64(trace_digest, &e, sizeof(e));
	if (trace_n < trace_max) {
		if (trace_n == trace_cap) {
			size_t cap = trace_cap ? trace_cap * 2 : 256;
			struct hyp_trace_ev *ne = realloc(trace_ev, cap * sizeof(*ne));

			if (ne != NULL) {
				trace_ev = ne;
				trace_cap = cap;
			}
		}
		if (trace_n < trace_cap)
			trace_ev[trace_n++] = e;
	}
	pthread_mutex_unlock(&trace_mtx);
}

uint64_t
hyp_trace_digest(uint64_t *countp)
{
	uint64_t d;

	pthread_mutex_lock(&trace_mtx);
	d = trace_digest;
	if (countp != NULL)
		*countp = trace_count;
	pthread_mutex_unlock(&trace_mtx);
	return d;
}

int
hyp_trace_get(size_t i, struct hyp_trace_ev *e)
{
	int ok = 0;

	pthread_mutex_lock(&trace_mtx);
	if (i < trace_n) {
		*e = trace_ev[i];
		ok = 1;
	}
	pthread_mutex_unlock(&trace_mtx);
	return ok;
}

/* ---- errno translation: the only place host errno values are read ---- */

int
hyp_errno(int e)
{
	switch (e) {
	case 0: return 0;
	case EPERM: return 1;
	case ENOENT: return 2;
	case ESRCH: return 3;
	case EINTR: return 4;
	case EIO: return 5;
	case ENXIO: return 6;
	case E2BIG: return 7;
	case ENOEXEC: return 8;
	case EBADF: return 9;
	case ECHILD: return 10;
	case EDEADLK: return 11;
	case ENOMEM: return 12;
	case EACCES: return 13;
	case EFAULT: return 14;
	case ENOTBLK: return 15;
	case EBUSY: return 16;
	case EEXIST: return 17;
	case EXDEV: return 18;
	case ENODEV: return 19;
	case ENOTDIR: return 20;
	case EISDIR: return 21;
	case EINVAL: return 22;
	case ENFILE: return 23;
	case EMFILE: return 24;
	case ENOTTY: return 25;
	case ETXTBSY: return 26;
	case EFBIG: return 27;
	case ENOSPC: return 28;
	case ESPIPE: return 29;
	case EROFS: return 30;
	case EMLINK: return 31;
	case EPIPE: return 32;
	case EDOM: return 33;
	case ERANGE: return 34;
	case EAGAIN: return 35;
	case EINPROGRESS: return 36;
	case EALREADY: return 37;
	case ENOTSOCK: return 38;
	case EDESTADDRREQ: return 39;
	case EMSGSIZE: return 40;
	case EPROTOTYPE: return 41;
	case ENOPROTOOPT: return 42;
	case EPROTONOSUPPORT: return 43;
	case ESOCKTNOSUPPORT: return 44;
	case EOPNOTSUPP: return 45;
	case EPFNOSUPPORT: return 46;
	case EAFNOSUPPORT: return 47;
	case EADDRINUSE: return 48;
	case EADDRNOTAVAIL: return 49;
	case ENETDOWN: return 50;
	case ENETUNREACH: return 51;
	case ENETRESET: return 52;
	case ECONNABORTED: return 53;
	case ECONNRESET: return 54;
	case ENOBUFS: return 55;
	case EISCONN: return 56;
	case ENOTCONN: return 57;
	case ESHUTDOWN: return 58;
	case ETOOMANYREFS: return 59;
	case ETIMEDOUT: return 60;
	case ECONNREFUSED: return 61;
	case ELOOP: return 62;
	case ENAMETOOLONG: return 63;
	case EHOSTDOWN: return 64;
	case EHOSTUNREACH: return 65;
	case ENOTEMPTY: return 66;
	case EUSERS: return 68;
	case EDQUOT: return 69;
	case ESTALE: return 70;
	case EREMOTE: return 71;
	case ENOLCK: return 77;
	case ENOSYS: return 78;
	case EIDRM: return 82;
	case ENOMSG: return 83;
	case EOVERFLOW: return 84;
	case EILSEQ: return 85;
	case ECANCELED: return 87;
	case EBADMSG: return 88;
	case ENODATA: return 89;
	case ENOSR: return 90;
	case ENOSTR: return 91;
	case ETIME: return 92;
	case EMULTIHOP: return 94;
	case ENOLINK: return 95;
	case EPROTO: return 96;
	default: return NB_EIO;	/* no NetBSD equivalent */
	}
}

void
hyp_set_errno(int e)
{
	errno = e;
}

int
hyp_getenv(const char *name, char *buf, size_t len)
{
	const char *v = getenv(name);

	if (v == NULL)
		return 2;	/* ENOENT */
	if (strlen(v) >= len)
		return 63;	/* ENAMETOOLONG */
	strcpy(buf, v);
	return 0;
}

static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;

static void
exit_destructor(void *v)
{
	void (*fn)(void);

	memcpy(&fn, &v, sizeof(fn));
	fn();
}

static void
exit_setup(void)
{
	exit_key_ok = pthread_key_create(&exit_key, exit_destructor) == 0;
}

int
hyp_thread_onexit(void (*fn)(void))
{
	void *v;

	pthread_once(&exit_once, exit_setup);
	if (!exit_key_ok)
		return NB_EBUSY;
	memcpy(&v, &fn, sizeof(v));
	return pthread_setspecific(exit_key, v) == 0 ? 0 : NB_EINVAL;
}

uint64_t
hyp_physmem(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

uint64_t
hyp_unique_id(void)
{
	static atomic_uint_fast64_t next = 1;

	return atomic_fetch_add(&next, 1);
}

/* ---- host files ---- */

int
hyp_file_open(const char *path, int flags, int *fdp)
{
	int hf = O_CLOEXEC, fd;

	switch (flags & 3) {
	case HYP_O_RDONLY: hf |= O_RDONLY; break;
	case HYP_O_WRONLY: hf |= O_WRONLY; break;
	case HYP_O_RDWR: hf |= O_RDWR; break;
	default: return NB_EINVAL;
	}
	if (flags & HYP_O_CREAT)
		hf |= O_CREAT;
	if (flags & HYP_O_TRUNC)
		hf |= O_TRUNC;
	fd = open(path, hf, 0644);
	if (fd < 0)
		return hyp_errno(errno);
	*fdp = fd;
	return 0;
}

int
hyp_file_close(int fd)
{
	return close(fd) == 0 ? 0 : hyp_errno(errno);
}

int
hyp_file_pread(int fd, void *buf, size_t n, uint64_t off, size_t *done)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hyp_errno(errno);
	*done = (size_t)r;
	return 0;
}

int
hyp_file_pwrite(int fd, const void *buf, size_t n, uint64_t off, size_t *done)
{
	ssize_t r;

	do
		r = pwrite(fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hyp_errno(errno);
	*done = (size_t)r;
	return 0;
}

/* The console of NetBSD's rump kernel (descriptors 0-2 of rump_init's process 1):
 * writes go to the host's standard output, as rumpuser_putchar's do. */
int
hyp_console_write(const void *buf, size_t n, size_t *done)
{
	ssize_t r;

	do
		r = write(1, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hyp_errno(errno);
	*done = (size_t)r;
	return 0;
}

int
hyp_file_size(int fd, uint64_t *sizep)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return hyp_errno(errno);
	*sizep = (uint64_t)st.st_size;
	return 0;
}

/* ---- process-level facts for the NetBSD-compatible API ---- */

#define LINKED_MAX 32
static pthread_mutex_t global_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t linked_mtx = PTHREAD_MUTEX_INITIALIZER;
static void *_Atomic default_kernel;
static const char *linked[LINKED_MAX];
static int nlinked;

void *
hyp_default_kernel(void)
{
	return atomic_load_explicit(&default_kernel, memory_order_acquire);
}

int
hyp_default_kernel_set(void *expect, void *k)
{
	return atomic_compare_exchange_strong(&default_kernel, &expect, k) ? 0 : NB_EBUSY;
}

void
hyp_linked_add(const char *name)
{
	int i;

	pthread_mutex_lock(&linked_mtx);
	for (i = 0; i < nlinked; i++)
		if (strcmp(linked[i], name) == 0)
			break;
	if (i == nlinked && nlinked < LINKED_MAX)
		linked[nlinked++] = name;
	pthread_mutex_unlock(&linked_mtx);
}

int
hyp_linked_list(const char **names, int max)
{
	int i, n;

	pthread_mutex_lock(&linked_mtx);
	n = nlinked;
	for (i = 0; i < n && i < max; i++)
		names[i] = linked[i];
	pthread_mutex_unlock(&linked_mtx);
	return n;
}

void hyp_lock_global(void) { pthread_mutex_lock(&global_mtx); }
void hyp_unlock_global(void) { pthread_mutex_unlock(&global_mtx); }

/* ---- signals (rumpuser_kill) ---- */

static atomic_int sigmodel = -1;	/* -1: not set (kern.c picks the default) */

void hyp_sigmodel_set(int model) { atomic_store(&sigmodel, model); }
int hyp_sigmodel_get(void) { return atomic_load(&sigmodel); }

/* NetBSD's signal numbers (1..32) to the host's; 0: the host has no such signal. */
static int
hyp_sig_host(int nbsig)
{
	static const int map[33] = {
		[1] = SIGHUP, [2] = SIGINT, [3] = SIGQUIT, [4] = SIGILL, [5] = SIGTRAP,
		[6] = SIGABRT, [7] = 0 /* SIGEMT */, [8] = SIGFPE, [9] = SIGKILL, [10] = SIGBUS,
		[11] = SIGSEGV, [12] = SIGSYS, [13] = SIGPIPE, [14] = SIGALRM, [15] = SIGTERM,
		[16] = SIGURG, [17] = SIGSTOP, [18] = SIGTSTP, [19] = SIGCONT, [20] = SIGCHLD,
		[21] = SIGTTIN, [22] = SIGTTOU, [23] = SIGIO, [24] = SIGXCPU, [25] = SIGXFSZ,
		[26] = SIGVTALRM, [27] = SIGPROF, [28] = SIGWINCH, [29] = 0 /* SIGINFO */,
		[30] = SIGUSR1, [31] = SIGUSR2, [32] = SIGPWR,
	};

	return nbsig > 0 && nbsig <= 32 ? map[nbsig] : 0;
}

int
hyp_raise(int nbsig)
{
	int sig = hyp_sig_host(nbsig);

	if (sig == 0)
		return NB_EINVAL;
	return raise(sig) == 0 ? 0 : hyp_errno(errno);
}

void
hyp_panic(const char *msg, int nbsig)
{
	char buf[128];
	size_t n = 0;
	const char *p;

	for (p = "rumpus: panic: "; *p != 0 && n < sizeof(buf) - 16; p++)
		buf[n++] = *p;
	for (p = msg; *p != 0 && n < sizeof(buf) - 16; p++)
		buf[n++] = *p;
	if (nbsig > 0) {
		buf[n++] = ' ';
		if (nbsig >= 10)
			buf[n++] = (char)('0' + nbsig / 10 % 10);
		buf[n++] = (char)('0' + nbsig % 10);
	}
	buf[n++] = '\n';
	(void)!write(2, buf, n);
	abort();
}
