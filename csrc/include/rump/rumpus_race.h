/*
 * rumpus_race.h: seeds, the deterministic mode and the event trace, for race hunting
 * (docs/race.md).
 *
 * The run's seed: rumpus_seed(s) (or RUMPUS_SEED=s in the environment when the library
 * loads) makes every kernel created afterwards draw its random numbers (IP ids, ephemeral
 * ports, TCP initial sequence numbers, MAC addresses of shmif interfaces, kern.arandom)
 * from splitmix64(s + its creation index since the call).  Without a seed they come from
 * the host's getrandom.  Seeding again restarts the index (and, with no kernel alive
 * and no timer pending, the virtual clock at 1 s), so a scenario that destroys its kernels runs again from the
 * same state in one process.
 *
 * With a seed set and the virtual clock on (rumpus_clock_virtual(1)), the process is in
 * the deterministic mode: hyper's scheduler thread runs no deferred work; due timers
 * (callouts, queued frames, protocol timers) run on the calling thread when it leaves its
 * last kernel, and a thread sleeping in a kernel runs them and moves virtual time itself.
 * A scenario driven from one thread then replays exactly.
 *
 * The event trace: between rumpus_trace_start(max) and rumpus_trace_stop(), every frame
 * put on a bus, every timer firing and every rumpus_trace_note() is folded into a digest,
 * and the first max events are kept for rumpus_trace_get().
 */
#ifndef RUMP_RUMPUS_RACE_H
#define RUMP_RUMPUS_RACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rumpus_kernel;

int      rumpus_seed(uint64_t seed);		/* 0 */
void     rumpus_seed_clear(void);
int      rumpus_seed_get(uint64_t *seedp);	/* 1 when a seed is set */
uint64_t rumpus_kernel_seed(const struct rumpus_kernel *k);
int      rumpus_deterministic(void);		/* 1 in the deterministic mode */
void     rumpus_det_poll(void);			/* run due deferred work now (that mode) */
/* 1 and the first pending timer's deadline (monotonic ns, virtual under the virtual
 * clock), or 0 when no timer is pending: where a cooperative scheduler moves time when
 * every thread of control waits (lua/rump/race.lua). */
int      rumpus_det_next(uint64_t *deadlinep);

#define RUMPUS_TRACE_FRAME	1	/* info: the frame's length */
#define RUMPUS_TRACE_TIMER	2	/* info: 1 on hyper's scheduler thread, 0 on a caller's */
#define RUMPUS_TRACE_NOTE	3	/* info: the caller's */
#define RUMPUS_TRACE_SCHED	4	/* info: the thread a world's scheduler chose */
struct rumpus_trace_event {
	uint32_t kind, info;
	uint64_t vtime;		/* virtual (or real) monotonic time, ns */
	uint64_t hash;		/* FNV-1a of the event's data */
};
void     rumpus_trace_start(size_t max);
void     rumpus_trace_stop(void);
void     rumpus_trace_note(uint32_t info, const void *data, size_t len);
void     rumpus_trace_digest(uint64_t *digestp, uint64_t *countp);
int      rumpus_trace_get(size_t i, struct rumpus_trace_event *ev);	/* 1, or 0 past the end */

/*
 * Host threads of a world (docs/race.md, "Host threads"): in the deterministic mode,
 * rumpus_det_world() begins a world, rumpus_det_spawn() makes its host threads (at most
 * 16, ids 0, 1, ... in spawn order; each runs fn(arg) and may call any rump_sys_*), and
 * rumpus_det_run() runs them one at a time until every one has returned: at each
 * thread's syscall entry and exit, sleep in a kernel and end, the scheduler chooses who
 * runs next (0: the running thread goes on, then the others that can run in id order);
 * a wakeup of one world thread by another is a point too, taken once the waker holds no
 * host lock (inside its call: a thread then needing a vCPU it holds waits through the
 * world, and the vCPU's release, a hand-off, is a wakeup point again),
 * uniformly at random or by PCT from opts.seed, or from opts.choices (a recorded list:
 * positions past its end choose 0).  Time moves (due timers, then the first deadline)
 * only when no thread can run.  The same seed (and the same kernels' seeds) gives the
 * same interleaving and the same trace digest.  rumpus_det_choices() gives the run's
 * list; rumpus_det_end() joins the threads and ends the world.  rumpus_det_run() returns
 * 0, EDEADLK when every thread sleeps with no timer pending, or ETIMEDOUT when they all
 * sleep while only timers beyond opts.maxtime of virtual time remain (a keepalive every 2
 * hours): the world then runs free (end what the threads wait for before
 * rumpus_det_end()).  The thread
 * calling rumpus_det_run() makes no system call until it returns.  Errors: EINVAL (not in
 * the deterministic mode, a bad option, spawn after run), EBUSY (a world already), EAGAIN
 * (too many threads); rumpus_det_spawn returns the negated errno.
 */
#define RUMPUS_DET_RANDOM	0
#define RUMPUS_DET_PCT		1
struct rumpus_det_opts {
	uint64_t seed;
	int strategy;			/* RUMPUS_DET_RANDOM or RUMPUS_DET_PCT */
	int depth, steps;		/* PCT's d (default 3) and k (default 64) */
	const uint32_t *choices;	/* non-NULL: replay this list (nchoices long) */
	size_t nchoices;
	uint64_t maxtime;		/* virtual ns a run may span (0: one day) */
	unsigned flags;			/* RUMPUS_DET_NOWAKE, RUMPUS_DET_SWARM */
	uint32_t alloc_ppm;		/* the allocation fault site: per million calls */
};
/* Wakeups and vCPU hand-offs are no preemption points (only syscall entries and exits,
 * sleeps, ends and rumpus_det_yield: the points before session 5). */
#define RUMPUS_DET_NOWAKE	1u
/* The allocation fault site swarm style: on for half the seeds, with a probability drawn
 * from 2, 5, 10 or 25 % (alloc_ppm is then ignored).  With the site on, each system call
 * entry is a recorded choice (0, or 1: the call's first allocation fails, so ENOMEM,
 * ENOBUFS or ENOSPC reaches the thread); it uses the process-wide fault state of
 * rumpus_fault.h, so do not set that yourself during such a run. */
#define RUMPUS_DET_SWARM	2u
int      rumpus_det_world(const struct rumpus_det_opts *o);
int      rumpus_det_spawn(void (*fn)(void *), void *arg);
int      rumpus_det_run(void);
int      rumpus_det_end(void);
size_t   rumpus_det_choices(uint32_t *buf, size_t max);	/* the list's length */
/* How many candidates each choice of the list had (the same length): an exhaustive search
 * replays a prefix (opts.choices, 0 past its end) and moves its last choice that has an
 * untried alternative on (docs/race.md, "dfs"). */
size_t   rumpus_det_choice_counts(uint32_t *buf, size_t max);
void     rumpus_det_yield(void);	/* an extra preemption point (host state shared) */
/*
 * Host threads that run Lua (docs/race.md, "Host threads from Lua"; lua/rump/race_host.lua
 * is the Lua face): rumpus_det_spawn_lua() makes a world thread that runs chunk (Lua
 * source, len bytes, its name for messages) in a fresh Lua state of the interpreter this
 * process runs (LuaJIT 2.x, Lua 5.3 or 5.4, its C API found by name), with the standard
 * libraries open, and keeps the one value the chunk returns, made a string.  Returns the
 * thread's id or -errno: -ENOSYS when the process has no Lua, else rumpus_det_spawn's.
 * rumpus_det_lua_result(): 0 when thread id's chunk ran to its end, 1 when it raised an
 * error (or did not load; the result is the message), -1 when id is no Lua thread or has
 * not ended; the result is copied to buf (NUL-terminated, cut to max - 1 bytes), its
 * whole length to *lenp.  rumpus_det_lua_clear() frees the kept results (a next world's
 * spawn replaces them too).
 */
int      rumpus_det_spawn_lua(const char *chunk, size_t len, const char *name);
int      rumpus_det_lua_result(int id, char *buf, size_t max, size_t *lenp);
void     rumpus_det_lua_clear(void);

#ifdef __cplusplus
}
#endif
#endif
