/*
 * hyper.h: the hypercall interface, the only door from kernel code to the host.
 *
 * Everything here is process-wide: memory with global counters, host locks, threads,
 * clocks (real or virtual), randomness, host file I/O and the one scheduler that runs
 * deferred work (timers) for every kernel in the process.  No hypercall depends on a
 * particular kernel; the kernel layer above keeps per-instance state.
 *
 * Conventions: a hypercall returns 0 or a NetBSD errno value and passes results through
 * pointers.  Host errno values are translated in exactly one function, hyp_errno().
 * This header is included by kernel files, so it must not pull in host headers that
 * define errno, clock or limit macros with Linux values: the lock types are opaque
 * storage of the host's size, checked by static assertions in hyper.c.
 *
 * A hypercall that may block (hyp_cond_wait and friends) does not know about virtual
 * CPUs: the kernel layer releases its virtual CPU before calling it (kern/sleep.c).
 */
#ifndef HYPER_H
#define HYPER_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#define HYP_HIDDEN __attribute__((visibility("hidden")))

/* Memory.  Sizes are passed back on free, as NetBSD's kmem does, so nothing is stored
 * in front of a block.  The counters cover every byte the kernels hold. */
void *hyp_malloc(size_t n);			/* NULL when the host has no memory */
void *hyp_zalloc(size_t n);
void  hyp_free(void *p, size_t n);
struct hyp_memstats {
	uint64_t bytes;		/* bytes currently allocated through hyp_malloc */
	uint64_t blocks;	/* blocks currently allocated */
	uint64_t leaked;	/* bytes kernels still held when destroyed (should stay 0) */
};
void hyp_memstats(struct hyp_memstats *st);
void hyp_memleak_note(uint64_t bytes);

/* Allocation-failure injection (fault.c).  A fault state fails the n-th allocation it is
 * asked about (HYP_FAULT_NTH, n from 1) or each one with a probability (HYP_FAULT_RATE,
 * 0..1, drawn from the seed and the call's index).  hyp_fault_proc is the process-wide
 * state hyp_malloc/hyp_zalloc consult (set from RUMPUS_FAULT at load time); kernels embed
 * their own for kmem.  hyp_fault_active counts the states that are on: an allocator calls
 * hyp_fault_hit() only when it is non-zero, so the mode costs one branch when unused.
 * hyp_fault_set resets the counters; a state must be set OFF before its memory is freed. */
#define HYP_FAULT_OFF	0
#define HYP_FAULT_NTH	1
#define HYP_FAULT_RATE	2
struct hyp_fault {
	atomic_int mode;
	_Atomic uint64_t n, threshold, seed;	/* nth; rate as a fraction of 2^64; seed */
	_Atomic uint64_t calls, injected;	/* allocations asked about, failed */
};
extern HYP_HIDDEN atomic_int hyp_fault_active;
extern HYP_HIDDEN struct hyp_fault hyp_fault_proc;
int  hyp_fault_set(struct hyp_fault *f, int mode, double n_or_rate, uint64_t seed); /* 0, EINVAL */
int  hyp_fault_hit(struct hyp_fault *f);		/* 1: fail this allocation */
void hyp_fault_get(struct hyp_fault *f, int *modep, uint64_t *callsp, uint64_t *injectedp);
int  hyp_fault_parse(const char *s, int *modep, double *valp, uint64_t *seedp);
#define HYP_FAULT_CHECK(f) \
	(__builtin_expect(atomic_load_explicit(&hyp_fault_active, memory_order_relaxed) != 0, 0) && \
	 hyp_fault_hit(f))

/* Locks and condition variables (opaque host storage). */
typedef struct { _Alignas(8) unsigned char opaque[40]; } hyp_mutex_t;
typedef struct { _Alignas(8) unsigned char opaque[48]; } hyp_cond_t;
typedef struct { _Alignas(8) unsigned char opaque[56]; } hyp_rwlock_t;
void hyp_mutex_init(hyp_mutex_t *m);
void hyp_mutex_destroy(hyp_mutex_t *m);
void hyp_mutex_lock(hyp_mutex_t *m);
int  hyp_mutex_trylock(hyp_mutex_t *m);		/* 0 when taken, EBUSY otherwise */
void hyp_mutex_unlock(hyp_mutex_t *m);
void hyp_cond_init(hyp_cond_t *c);
void hyp_cond_destroy(hyp_cond_t *c);
void hyp_cond_wait(hyp_cond_t *c, hyp_mutex_t *m);
/* Waits until signalled or until the hyp monotonic clock reaches deadline (ns).
 * Returns 0 or ETIMEDOUT.  Under the virtual clock the deadline is a virtual time, and
 * the wait may return with the mutex dropped and retaken once (callers recheck). */
int  hyp_cond_timedwait(hyp_cond_t *c, hyp_mutex_t *m, uint64_t deadline);
void hyp_cond_signal(hyp_cond_t *c);
void hyp_cond_broadcast(hyp_cond_t *c);
/* A word to sleep on (a futex): hyp_word_wait sleeps while *w == val, until
 * hyp_word_wake(w), a spurious wake-up, or the host monotonic clock reaches deadline
 * (0: none; real clock only: under the virtual clock callers arm a timer that wakes them).
 * Returns 0 or ETIMEDOUT; callers recheck *w.  A wake costs one system call, and none
 * when nobody sleeps (the caller knows: it set *w itself first). */
int  hyp_word_wait(atomic_uint *w, unsigned val, uint64_t deadline);
int  hyp_word_sleep(atomic_uint *w, uint64_t deadline);	/* a kernel sleeper's wait (sleep.c); runs due timers itself in the deterministic mode */
void hyp_word_wake(atomic_uint *w);
/* Spins up to about ns nanoseconds while *w == val, and returns whether *w changed: a
 * sleeper about to wait for a word another running thread is about to set may avoid the
 * two system calls and the context switch.  hyp_spin_ns(dflt) is how long to spin: 0 on a
 * host with one CPU (the setter cannot run meanwhile) or in the deterministic mode, else
 * RUMPUS_SPIN_NS from the environment (read once), else dflt. */
uint64_t hyp_spin_ns(uint64_t dflt);
int  hyp_word_spin(atomic_uint *w, unsigned val, uint64_t ns);
void hyp_rw_init(hyp_rwlock_t *rw);
void hyp_rw_destroy(hyp_rwlock_t *rw);
void hyp_rw_rdlock(hyp_rwlock_t *rw);
void hyp_rw_wrlock(hyp_rwlock_t *rw);
int  hyp_rw_tryrdlock(hyp_rwlock_t *rw);	/* 0 when read-held, EBUSY otherwise */
void hyp_rw_unlock(hyp_rwlock_t *rw);

/* Threads. */
typedef struct { uint64_t opaque; } hyp_thread_t;
int  hyp_thread_create(hyp_thread_t *t, void *(*fn)(void *), void *arg);
int  hyp_thread_join(hyp_thread_t *t);

/* Clocks, in nanoseconds.  hyp_clock_mono() is the time base of every deadline.  When the
 * virtual clock is on, both clocks stand still until every kernel is idle (no thread holds
 * or waits for a virtual CPU, no woken sleeper waits to run) while some thread sleeps in
 * a kernel; then time jumps to the next deadline.  hyp_clock_advance() moves virtual time
 * by hand. */
uint64_t hyp_clock_mono(void);
uint64_t hyp_clock_real(void);			/* since the Unix epoch */
/* hyp_clock_mono() as the host last ticked (a few ms behind at most; the virtual clock
 * exactly): for per-packet expiry checks that need no precision, at a third of the cost. */
uint64_t hyp_clock_coarse(void);
int  hyp_vclock_set(int on);			/* returns the previous setting */
void hyp_vclock_advance(uint64_t ns);
int  hyp_vclock_settle(uint64_t max_ns);	/* due timers run (outside every kernel) */
extern HYP_HIDDEN atomic_int hyp_vclock_on;	/* read inline on the syscall path */
/* Activity accounting for the virtual clock (kern calls these only when it is on). */
void hyp_sched_busy(int delta);			/* a thread takes/leaves a virtual CPU */
/* One sleep of a thread in a kernel, for the virtual clock.  begin (with a vCPU still
 * held) counts the thread as sleeping; wake (by whoever wakes it, its own timeout
 * included) turns that into runnable, which holds virtual time like a busy vCPU; end (by
 * the sleeper once it holds a vCPU again) drops the mark.  Time never jumps between a
 * wakeup and the woken thread running.  begin is a no-op when the clock is real; wake
 * and end are idempotent.  The caller serialises begin and wake on one sleep (kern holds
 * its k_sched_mtx); end runs when nobody can wake it any more. */
struct hyp_vsleep { int state; void *owner; };	/* owner: a world's thread (hyper.c) */
void hyp_vsleep_begin(struct hyp_vsleep *s);
void hyp_vsleep_wake(struct hyp_vsleep *s);
void hyp_vsleep_end(struct hyp_vsleep *s);

/* Deferred work: timers run by the process-wide scheduler thread (started on first use).
 * A timer is owned by its caller; fn runs on the scheduler thread (in the deterministic
 * mode, hyp_det_on, on a calling thread instead), never concurrently with itself or with
 * another timer's fn.  hyp_timer_disarm() returns 1 if it cancelled a pending timer, 0
 * otherwise, and waits until a running fn has returned (unless called from a timer fn),
 * cancelling an expiry that fn armed meanwhile: with whatever arms t stopped first (a
 * halted kernel), one disarm stops it for good. */
struct hyp_timer {
	struct hyp_timer *child, *next, *prev;	/* pairing heap links (hyper's) */
	uint64_t deadline;
	uint64_t seq;				/* arming order, for equal deadlines */
	void (*fn)(void *);
	void *arg;
	int pending;
};
void hyp_timer_init(struct hyp_timer *t, void (*fn)(void *), void *arg);
void hyp_timer_arm(struct hyp_timer *t, uint64_t deadline);
int  hyp_timer_disarm(struct hyp_timer *t);
int  hyp_timer_cancel(struct hyp_timer *t);	/* like disarm, never waits */
/* Waits until no timer function is running (unless called from one). */
void hyp_timer_drain(void);
int  hyp_timer_pending(struct hyp_timer *t);

/* Asymmetric barrier (Linux membarrier): makes every running thread of the process
 * execute a full memory barrier.  Lets the hot side of a handshake use plain stores
 * (a vCPU release) while the rare side pays.  hyp_membarrier_init() registers the
 * process once and returns 1 when available; hyp_membarrier_ok says it was. */
int  hyp_membarrier_init(void);
int  hyp_membarrier(void);
extern HYP_HIDDEN atomic_int hyp_membarrier_ok;

/* Copies that survive bad pointers.  hyp_copy copies n bytes; if touching src or dst
 * faults (SIGSEGV/SIGBUS: an unmapped or protected caller address) the copy stops and
 * EFAULT is returned.  hyp_copystr copies a NUL-terminated string of at most max bytes
 * including the NUL: 0, ENAMETOOLONG, or EFAULT; *done gets the bytes copied.
 * hyp_fault_init() installs the process's fault handler once (kernel create calls it);
 * a fault outside these copies goes to the handler that was there before (or the default
 * action).  A host program that later replaces the SIGSEGV handler loses the recovery. */
int  hyp_fault_init(void);
int  hyp_copy(void *dst, const void *src, size_t n);
int  hyp_copystr(char *dst, const char *src, size_t max, size_t *done);

/* Randomness from the host (getrandom). */
int hyp_random(void *buf, size_t n);

/* The run's seed (race hunting, docs/race.md).  hyp_seed_set(1, s) sets it (0 clears it)
 * and restarts the kernel creation index; when no kernel exists and no timer is pending
 * it also restarts the arming order and, under the virtual clock, the clock itself (1 s
 * monotonic, 2020-01-01 real), so a run begins from the same state.  hyp_kernel_seed()
 * gives the next kernel's seed: splitmix64(run seed + creation index) when seeded,
 * getrandom otherwise.  hyp_run_counter() counts up from 0 after each hyp_seed_set
 * (deterministic ids such as MAC addresses) and returns whether a seed is set.
 * hyp_det_on: a seed is set and the clock is virtual, the deterministic mode: hyper's
 * scheduler thread fires nothing; due timers run on the calling thread when it leaves
 * its last kernel (and on hyp_det_poll()), and a thread sleeping in a kernel runs them
 * and moves virtual time itself. */
int      hyp_seed_set(int on, uint64_t seed);
int      hyp_seed_get(uint64_t *seedp);		/* 1 when set */
uint64_t hyp_kernel_seed(int *seeded);		/* a kernel is born: its seed; *seeded: from the run's */
uint64_t hyp_aux_seed(int *seeded);		/* the same for a process-wide consumer (bus impairments), its own index */
void     hyp_kernel_gone(void);			/* and freed */
int      hyp_run_counter(uint64_t *np);
uint64_t hyp_splitmix64(uint64_t *state);
void     hyp_det_poll(void);
int      hyp_det_next(uint64_t *deadlinep);	/* 1: the first pending timer's deadline */
/* The kernel layer's thread context around a timer fn run by a thread that is itself in
 * a kernel (sleeping, or blocked): enter hides it (the fn enters kernels from outside),
 * leave puts it back.  Set once by kern. */
void     hyp_det_hooks(void *(*enter)(void), void (*leave)(void *));
extern HYP_HIDDEN atomic_int hyp_det_on;

/* Host threads of a world (rumpus_det_* in rump/rumpus_race.h, docs/race.md): in the
 * deterministic mode, threads made by hyp_world_spawn run one at a time, the scheduler
 * choosing at their syscall entries and exits, sleeps and ends.  Errors: NetBSD errno
 * (spawn: its negation). */
#define HYP_WORLD_RANDOM	0
#define HYP_WORLD_PCT		1
#define HYP_WORLD_MAX		16
struct hyp_world_opts {
	uint64_t seed;
	int strategy, depth, steps;
	const uint32_t *choices;	/* non-NULL: replay this list (0 past its end) */
	size_t nchoices;
	uint64_t maxtime;		/* virtual ns a run may span (0: one day) */
	int nowake;			/* wakeups and vCPU hand-offs are no points */
	uint32_t alloc_ppm;		/* the allocation fault site, per million calls */
};
int      hyp_world_begin(const struct hyp_world_opts *o);
/* A world exists (read inline by the kernel's word locks), and a world thread's count of
 * the locks it holds (it is never preempted holding one). */
extern HYP_HIDDEN atomic_int hyp_world_act;
void     hyp_world_locked(int delta) HYP_HIDDEN;
int      hyp_world_spawn(void (*fn)(void *), void *arg);	/* the thread's id, or -errno */
int      hyp_world_run(void);		/* 0, EDEADLK or ETIMEDOUT (the world then runs free) */
int      hyp_world_end(void);		/* joins the threads */
size_t   hyp_world_choices(uint32_t *buf, size_t max);
size_t   hyp_world_choice_counts(uint32_t *buf, size_t max);
void     hyp_world_yield(void);
int      hyp_world_self(void);		/* 1 on a world's thread */
/* A world thread asleep in a kernel with one vCPU: that vCPU's free count (hyper.c). */
void     hyp_world_gate(const atomic_int *free);
/* A world thread running a Lua chunk in a fresh state (det_lua.c): its id or -errno. */
int      hyp_world_spawn_lua(const char *chunk, size_t len, const char *name);
int      hyp_world_lua_result(int id, char *buf, size_t max, size_t *lenp);
void     hyp_world_lua_clear(void);

/* The event trace of the determinism self-check: while on, each event (a frame on a bus,
 * a timer firing, a note from outside) is folded into a digest (FNV-1a over the events,
 * with their virtual time) and the first max are kept.  hyp_trace_note costs one
 * relaxed load when the trace is off (callers test hyp_trace_on first). */
#define HYP_TR_FRAME	1
#define HYP_TR_TIMER	2	/* info: 1 when fired by the scheduler thread */
#define HYP_TR_NOTE	3
#define HYP_TR_SCHED	4	/* info: the thread a world's scheduler chose */
struct hyp_trace_ev {
	uint32_t kind, info;
	uint64_t vtime, hash;
};
extern HYP_HIDDEN atomic_int hyp_trace_on;
void     hyp_trace_start(size_t max);
void     hyp_trace_stop(void);
void     hyp_trace_note(uint32_t kind, uint32_t info, const void *data, size_t len);
uint64_t hyp_trace_digest(uint64_t *countp);
int      hyp_trace_get(size_t i, struct hyp_trace_ev *e);

/* Host errno -> NetBSD errno: the one translation point.  hyp_set_errno stores a NetBSD
 * errno value in the host errno variable, as NetBSD's rump_sys_* wrappers do. */
int hyp_errno(int host_errno);
void hyp_set_errno(int nb_errno);

/* The host environment: copies the value of name into buf; ENOENT if unset, ENAMETOOLONG
 * if it does not fit. */
int hyp_getenv(const char *name, char *buf, size_t len);

/* Calls fn when the calling host thread exits (pthread key destructor; not for the main
 * thread's exit()).  Once per thread is enough; repeated calls are cheap no-ops. */
int hyp_thread_onexit(void (*fn)(void));

/* The host's physical memory in bytes (0 if unknown). */
uint64_t hyp_physmem(void);

/* A process-unique number (kernel ids), never reused. */
uint64_t hyp_unique_id(void);

/* Host files.  flags: HYP_O_* below. */
#define HYP_O_RDONLY	0x0
#define HYP_O_WRONLY	0x1
#define HYP_O_RDWR	0x2
#define HYP_O_CREAT	0x4
#define HYP_O_TRUNC	0x8
int hyp_file_open(const char *path, int flags, int *fdp);
int hyp_file_close(int fd);
int hyp_file_pread(int fd, void *buf, size_t n, uint64_t off, size_t *done);
int hyp_file_pwrite(int fd, const void *buf, size_t n, uint64_t off, size_t *done);
int hyp_console_write(const void *buf, size_t n, size_t *done);	/* host stdout */
int hyp_file_size(int fd, uint64_t *sizep);

/* A host file mapped shared (shmfile.c), for buses that are files (NetBSD's shmif bus
 * files).  open creates the file if needed, grows it to len and maps len bytes; watch
 * starts a host thread that calls fn(arg) whenever some process writes the file (poke
 * writes the 4 bytes at off back, to wake every watcher); close stops the watcher (waits
 * for a running fn), unmaps and closes.  Errors: NetBSD errno values. */
struct hyp_shmfile;
int  hyp_shmfile_open(const char *path, size_t len, struct hyp_shmfile **fp, void **memp);
int  hyp_shmfile_watch(struct hyp_shmfile *f, const char *path, void (*fn)(void *), void *arg);
int  hyp_shmfile_poke(struct hyp_shmfile *f, const void *word, uint64_t off);
void hyp_shmfile_close(struct hyp_shmfile *f);
void hyp_pause_ns(uint64_t ns);		/* a host sleep of real time */
uint32_t hyp_process_salt(void);	/* random, drawn once per process, never 0 */

/* Process-level facts of the NetBSD-compatible API: the default kernel made by rump_init()
 * and the components whose NetBSD-named libraries are linked in. */
void *hyp_default_kernel(void);
int   hyp_default_kernel_set(void *expect, void *k);	/* 0, or EBUSY if not expect */
void  hyp_linked_add(const char *name);
int   hyp_linked_list(const char **names, int max);	/* returns the count */
void  hyp_lock_global(void);				/* serialises rump_init() */
void  hyp_unlock_global(void);

/* Signals, as NetBSD's rumpuser_kill: the process-wide signal model rump_boot_setsigmodel
 * chose (read by each kernel at boot; RUMP_SIGMODEL_RAISE, 3, until set), raising a
 * NetBSD-numbered signal in the calling host thread (translated here: 0, or EINVAL for a
 * signal the host lacks), and the end of the process for the PANIC model. */
void  hyp_sigmodel_set(int model);
int   hyp_sigmodel_get(void);
int   hyp_raise(int nbsig);
void  hyp_panic(const char *msg, int nbsig) __attribute__((noreturn));

#endif
