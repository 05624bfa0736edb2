/*
 * rumpus.h: create, enter and destroy rumpus kernels.
 *
 * A process holds any number of kernels.  Each host thread has a current kernel (a
 * thread-local pointer); every rump_sys_* call goes to it, or to the default kernel made
 * by rump_init() when the thread has none.  Switching is cheap, so a binding can make a
 * kernel current before each call.
 *
 *	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
 *	struct rumpus_config cfg = { .ncpu = 1, .hostname = "a" };
 *	int err;
 *	struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, &err);
 *	struct rumpus_kernel *old = rumpus_kernel_switch(k);
 *	pid_t pid = rump_sys_getpid();
 *	rumpus_kernel_switch(old);
 *	rumpus_kernel_destroy(k);
 *
 * Errors are NetBSD errno values; rumpus_error() gives the calling thread a sentence
 * about the last failed rumpus_* call.
 */
#ifndef RUMP_RUMPUS_H
#define RUMP_RUMPUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rumpus_kernel;

struct rumpus_config {
	unsigned ncpu;		/* virtual CPUs; 0 means 1 */
	const char *hostname;	/* kern.hostname; NULL means "rumpus" */
	size_t memlimit;	/* bytes the kernel may allocate; 0 means no limit */
	unsigned flags;		/* none yet: pass 0 */
};

/* Boots a kernel with the base and the named components (NULL-terminated list, may be
 * NULL) and their dependencies.  Returns NULL and sets *errp (if not NULL): EINVAL for an
 * unknown component or a bad setting, ENOMEM when out of memory. */
struct rumpus_kernel *rumpus_kernel_create(const char *const *components,
    const struct rumpus_config *cfg, int *errp);
/* Frees everything the kernel holds.  EBUSY if a thread other than the caller still has
 * it current or sleeps in it; then nothing is freed.  EINVAL for NULL. */
int rumpus_kernel_destroy(struct rumpus_kernel *k);
/* The calling thread's current kernel (NULL if none), and switching it: returns the
 * previous one.  An lwp bound with rump_pub_lwproc_* stays with its kernel. */
struct rumpus_kernel *rumpus_kernel_current(void);
struct rumpus_kernel *rumpus_kernel_switch(struct rumpus_kernel *k);
/* Runs fn(arg) with k current, then restores the previous kernel; returns fn's value, or
 * EINVAL without calling anything when k or fn is NULL. */
int rumpus_kernel_call(struct rumpus_kernel *k, int (*fn)(void *), void *arg);

/* Facts about a kernel.  A NULL kernel (or component name) is not one: memused returns 0
 * (no kernel uses 0 bytes), the others -1, with errno EINVAL and rumpus_error() set. */
size_t rumpus_kernel_memused(const struct rumpus_kernel *k);	/* accounted bytes */
int rumpus_kernel_has(const struct rumpus_kernel *k, const char *component);
int rumpus_kernel_ncpu(const struct rumpus_kernel *k);
int rumpus_kernel_halted(const struct rumpus_kernel *k);	/* after reboot() */

/* Signals (docs/kernel.md), as NetBSD's rump kernel: nothing runs a handler inside a
 * kernel; a signal the kernel posts to a process (SIGPIPE for a write on a broken
 * connection or pipe) follows the kernel's model, NetBSD's enum rump_sigmodel: PANIC (0:
 * the process aborts, except for SIGPIPE and SIGSYS, which are dropped), IGNORE (1),
 * RAISE (3, and 2: raised in the calling host thread, under the host's number), RECORD
 * (4: kept pending on the process unless its mask has it).  A kernel takes the model
 * rump_boot_setsigmodel() set last when it boots; until that is called, RAISE (NetBSD's
 * default) for rump_init()'s kernel and RECORD for kernels made by rumpus_kernel_create
 * (a peer's RST must not end a process full of other kernels); sigmodel changes
 * one kernel's (model -1 only asks) and returns the previous one, -1 for a bad model.
 * Sets are NetBSD sigset_t words (bit sig - 1).  pid 0 is the calling thread's process
 * in k.  These return 0 or an errno: EINVAL for a NULL kernel or bad argument, ESRCH
 * for no such process, ENXIO for a halted kernel. */
void rump_boot_setsigmodel(int model);	/* NetBSD's; kernels booted from now on */
int rumpus_kernel_sigmodel(struct rumpus_kernel *k, int model);
int rumpus_sigpending(struct rumpus_kernel *k, int pid, uint32_t set[4]);
int rumpus_sigclear(struct rumpus_kernel *k, int pid, const uint32_t set[4]); /* NULL: all */
/* how: NetBSD's SIG_BLOCK 1, SIG_UNBLOCK 2, SIG_SETMASK 3; set, oset may be NULL */
int rumpus_sigprocmask(struct rumpus_kernel *k, int pid, int how, const uint32_t set[4],
    uint32_t oset[4]);
/* Posts sig (1..128) to the process as the kernel would (NetBSD's psignal). */
int rumpus_psignal(struct rumpus_kernel *k, int pid, int sig);

/* Components this build knows, by index (NULL past the end). */
const char *rumpus_component_name(int i);

/* The process-wide clock.  Virtual time stands still until every kernel is idle while
 * some thread sleeps in a kernel; then it jumps to the next timer.  Switch it on before
 * threads enter kernels.  Times are nanoseconds of the monotonic clock. */
int rumpus_clock_virtual(int on);		/* returns the previous setting */
void rumpus_clock_advance(uint64_t ns);		/* virtual clock only */
uint64_t rumpus_clock_now(void);

/* Process-wide allocation counters (every kernel byte goes through them). */
struct rumpus_memstats {
	uint64_t bytes, blocks, leaked;
};
void rumpus_memstats(struct rumpus_memstats *st);

/* Virtual Ethernet buses (component net.shmif): capture every frame on the named bus into a
 * classic pcap file (Ethernet link type) at path; path NULL stops.  0 or an errno. */
int rumpus_bus_pcap(const char *bus, const char *path);

/*
 * Impaired links, in the style of Linux's netem (docs/net.md, "Impaired links").  An
 * impairment sits on the sending side: the bus's applies to every frame put on the bus;
 * a port's (named by its MAC address) applies instead to the frames that port sends.
 * Every random choice comes from the bus's generator, seeded from the run's seed
 * (RUMPUS_SEED, rump.seed) when one is set (so a seeded run under the virtual clock
 * replays exactly) and from the host's getrandom otherwise.  Delays run on the kernels'
 * clock (virtual when it is on).  A call replaces the whole setting; a zeroed struct (or
 * NULL) takes the impairment off.  Probabilities are 0..1.
 */
#define RUMPUS_LOSS_RANDOM	0	/* each frame lost with probability loss */
#define RUMPUS_LOSS_GE		1	/* Gilbert-Elliott: ge_p, ge_r, ge_bad_loss, ge_good_loss */
#define RUMPUS_DIST_UNIFORM	0	/* delay +- jitter, uniform */
#define RUMPUS_DIST_NORMAL	1	/* delay + N(0, jitter^2) (Irwin-Hall approximation) */
#define RUMPUS_PART_NONE	0
#define RUMPUS_PART_DROP	1	/* every frame lost while partitioned */
#define RUMPUS_PART_HOLD	2	/* frames held (up to limit) until the partition ends */
struct rumpus_impair {
	int loss_model;			/* RUMPUS_LOSS_* */
	double loss;			/* RANDOM: probability of losing a frame */
	double ge_p, ge_r;		/* GE: good->bad and bad->good per frame */
	double ge_bad_loss, ge_good_loss;	/* GE: loss in the bad state (1-h), good (1-k) */
	uint64_t delay_ns, jitter_ns;	/* at most 3600 s each */
	int delay_dist;			/* RUMPUS_DIST_* */
	uint64_t rate_bps;		/* bits per second the link carries; 0: no limit */
	unsigned limit;			/* frames held at most (delayed, queued, held); 0: 1000 */
	double duplicate;		/* probability of sending a frame twice */
	double reorder;			/* netem's "reorder P gap G": with delay set, frame */
	unsigned gap;			/*  G, 2G ... (0 counts as 1) goes at once with probability P */
	double corrupt;			/* probability of flipping one bit after the Ethernet header */
	int partition;			/* RUMPUS_PART_* */
	int drop_held;			/* ending a HOLD: 0 delivers the held frames, 1 drops them */
};
struct rumpus_impair_stats {
	uint64_t frames;		/* frames the impairment saw */
	uint64_t delivered;		/* put on the wire (copies included) */
	uint64_t lost;			/* by loss or a DROP partition */
	uint64_t duplicated, corrupted, reordered;
	uint64_t delayed;		/* went through the delay queue */
	uint64_t queue_drops;		/* tail drops: over limit (or the bus's byte cap) */
	uint64_t held, held_dropped;	/* held by a HOLD partition; dropped when it ended */
	uint64_t queued;		/* frames waiting now (delay queue and held) */
};
/* 0; ENOENT no such bus; EINVAL a bad value or bus name (rumpus_error() names it); ENOMEM.
 * port_mac NULL: the bus. */
int rumpus_bus_impair(const char *bus, const uint8_t *port_mac, const struct rumpus_impair *im);
/* The current setting and counters (zeroes where nothing was ever set); 0, ENOENT, EINVAL. */
int rumpus_bus_impair_get(const char *bus, const uint8_t *port_mac, struct rumpus_impair *im,
    struct rumpus_impair_stats *st);

/* The last error of a rumpus_* call in this thread, as a sentence ("" if none). */
const char *rumpus_error(void);

#ifdef __cplusplus
}
#endif
#endif
