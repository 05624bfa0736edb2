/*
 * kern.h: the kernel's internal interfaces, for kern/ and for the components built on it
 * (vfs/, net/, ...).  docs/kernel.md explains them with examples.
 *
 * The one rule: kernel code keeps no mutable global state.  Everything hangs off a
 * struct kern (one kernel instance), reached through the lwp a syscall runs on
 * (l->l_proc->p_kern) or kern_cur().  Process-wide services live in hyper/.
 *
 * Kernel files include "kern/nbabi.h" for errno and flag values: NetBSD numbers, never
 * the host's.  Every function here returns 0 or a NetBSD errno unless it says otherwise.
 */
#ifndef KERN_KERN_H
#define KERN_KERN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hyper/hyper.h"
#include "kern/nbabi.h"

#define KERN_HIDDEN	__attribute__((visibility("hidden")))
#define KERN_EXPORT	__attribute__((visibility("default")))
#define __predict_true(x)	__builtin_expect(!!(x), 1)
#define __predict_false(x)	__builtin_expect(!!(x), 0)

typedef int64_t register_t;
typedef int32_t nb_pid_t;
typedef uint32_t nb_uid_t;
typedef uint32_t nb_gid_t;
typedef uint32_t nb_mode_t;
typedef int64_t nb_off_t;

struct kern;
struct proc;
struct lwp;
struct file;
struct uio;

/* ---------------------------------------------------------------- components */

/* Component ids: fixed, so syscall entries and private slots need no lookup.  The names
 * are NetBSD's librump library names without "librump". */
enum kern_comp_id {
	COMP_KERN = 0, COMP_VFS, COMP_FS_TMPFS, COMP_NET, COMP_NET_NET, COMP_NET_LOCAL,
	COMP_NET_NETINET, COMP_NET_NETINET6, COMP_NET_SHMIF, COMP_NET_TAP, COMP_FS_EXT2,
	COMP_TEST1, COMP_TEST2, COMP_TEST3,	/* reserved for unit tests */
	COMP_DEV, COMP_KERN_TTY, COMP_FS_PTYFS, COMP_FS_KERNFS,
	KERN_NCOMP = 24
};

/*
 * A component.  Define one in your own file and list it with KERN_COMPONENT(); the
 * kernel finds it through a linker section, so no table needs editing.  init runs at
 * boot after the init of every dependency, with the kernel's virtual CPU held and curlwp
 * an lwp of process 1; fini runs at destroy in reverse order.  A component keeps its
 * per-kernel state in a private slot: kern_priv_set(k, COMP_VFS, state).
 * proc_fork/proc_exit (optional) let a component copy or drop per-process state, e.g.
 * the current directory.  sysctl (optional) hangs nodes into the sysctl tree.
 */
struct sysctl_attach;
struct kern_component {
	const char *name;
	int id;
	const char *deps[4];		/* names, NULL-terminated */
	int (*init)(struct kern *k);
	void (*fini)(struct kern *k);
	int (*proc_fork)(struct proc *parent, struct proc *child);
	void (*proc_exit)(struct proc *p);
	/* sysctl, two ways (kern/sysctl.h): sysctl_nodes hangs static node tables into the
	 * tree (merged with other components', listed by CTL_QUERY); or a raw handler owns a
	 * whole top level: ctl_top (e.g. CTL_NET) and sysctl get every name under it */
	const struct sysctl_attach *sysctl_nodes;	/* ended by a NULL node name */
	int ctl_top;
	int (*sysctl)(struct lwp *l, const int *name, unsigned namelen, void *oldp,
	    size_t *oldlenp, const void *newp, size_t newlen);
};
#define KERN_COMPONENT(c) \
	static const struct kern_component *const kern_comp_ptr_##c \
	__attribute__((used, section("rumpus_comps"), aligned(sizeof(void *)))) = &c

const struct kern_component *kern_component_find(const char *name) KERN_HIDDEN;
static inline void *kern_priv(struct kern *k, int id);
static inline void kern_priv_set(struct kern *k, int id, void *p);
static inline bool kern_has(struct kern *k, int id);

/* ---------------------------------------------------------------- locks, sleep */

/* A word lock (kern/brlock.h: br_lock, br_unlock): 0 free, 1 held, 2 held with sleepers. */
typedef struct br_lock {
	atomic_uint w;
} br_lock_t;

/* A kernel mutex: with one virtual CPU nothing can run concurrently in the kernel, so it
 * costs nothing; with more it is a word lock (one compare-and-swap to take, one exchange
 * to give back).  Never sleep holding one (cv_wait drops its interlock). */
typedef struct kmutex {
	br_lock_t m;
	struct kern *k;
} kmutex_t;
void mutex_init(kmutex_t *mtx, struct kern *k) KERN_HIDDEN;
void mutex_destroy(kmutex_t *mtx) KERN_HIDDEN;
void mutex_enter(kmutex_t *mtx) KERN_HIDDEN;
void mutex_exit(kmutex_t *mtx) KERN_HIDDEN;

/* A condition variable.  cv_wait releases the interlock and the virtual CPU, sleeps,
 * then takes both back.  interlock may be NULL (single-CPU code that holds no mutex).
 * Returns 0 when woken, EWOULDBLOCK when the deadline passed, ENXIO when the kernel is
 * halting (callers return that error).  Deadlines are absolute hyp_clock_mono() ns;
 * 0 means none. */
typedef struct kcondvar {
	hyp_cond_t c;
	atomic_int waiters;
	struct kern *k;
} kcondvar_t;
/* A sleeping thread, on its own stack, listed in k->k_sleepq (k_sched_mtx).  Wakers
 * set woken: the wakeup is kept even if it comes before the sleeper waits.  Under the
 * virtual clock a timed sleep has its own hyper timer (armed before the vCPU goes, so
 * time cannot pass its deadline unseen) which sets timedout; every wakeup marks vs
 * runnable (see hyp_vsleep_begin). */
struct ksleeper {
	kcondvar_t *cv;
	struct ksleeper *next, *prev;
	bool woken;
	bool timedout;
	atomic_uint word;		/* 1 once woken, timed out or halted: the futex */
	atomic_uint spinning;		/* 1 while the sleeper spins on word: no wake needed */
	struct hyp_vsleep vs;
	struct hyp_timer t;
	struct proc *proc;		/* the sleeping lwp's process, or NULL */
};
void cv_init(kcondvar_t *cv, struct kern *k) KERN_HIDDEN;
void cv_destroy(kcondvar_t *cv) KERN_HIDDEN;
int  cv_wait(kcondvar_t *cv, kmutex_t *interlock) KERN_HIDDEN;
int  cv_timedwait(kcondvar_t *cv, kmutex_t *interlock, uint64_t deadline) KERN_HIDDEN;
/* Sleeps only if *gen still equals seen (checked under the sleep lock): for waiters on an
 * event counter such as k_pollgen, where the wakers bump *gen before cv_broadcast. */
int  cv_timedwait_gen(kcondvar_t *cv, kmutex_t *interlock, uint64_t deadline,
    atomic_uint *gen, unsigned seen) KERN_HIDDEN;
void cv_signal(kcondvar_t *cv) KERN_HIDDEN;
void cv_broadcast(kcondvar_t *cv) KERN_HIDDEN;

/* Around a hypercall that may block in the host (host file I/O...): give the virtual CPU
 * away so other threads run in the kernel, take it back after.  The thread still counts
 * as busy for the virtual clock (host work is not idleness).  Hold no kmutex. */
void kern_block_enter(struct kern *k) KERN_HIDDEN;
/* Halts k: later entries get ENXIO and every sleeper wakes with ENXIO.  (reboot, destroy) */
void kern_halt(struct kern *k) KERN_HIDDEN;
void kern_block_exit(struct kern *k) KERN_HIDDEN;

/*
 * Callouts: a function to run once after a delay, with a virtual CPU of k held and curlwp
 * an implicit lwp of process 1.  The expiry comes on hyper's scheduler thread; if a vCPU
 * is free it runs the callout there, otherwise it queues it and the thread holding the
 * vCPU runs it when it gives the vCPU back (so an expiry never waits for a vCPU).
 * callout_stop cancels without waiting: a run already in progress on another vCPU goes
 * on.  callout_halt also waits for such a run, and may be called while holding a vCPU;
 * after it the struct may be freed.  Do not hold a kmutex the callout takes when halting
 * with several vCPUs.  A callout may re-schedule itself.
 */
struct callout {
	struct hyp_timer t;
	struct kern *k;
	void (*fn)(void *);
	void *arg;
	struct callout *next, *prev;	/* k->k_callouts: armed ones, for destroy */
	struct callout *dnext;		/* k->k_deferred: expired, waiting for a vCPU */
	bool linked;			/* armed (k_callout_lock) */
	bool deferred;			/* on k->k_deferred */
};
void callout_init(struct callout *c, struct kern *k, void (*fn)(void *), void *arg) KERN_HIDDEN;
void callout_schedule_ns(struct callout *c, uint64_t delay_ns) KERN_HIDDEN;
bool callout_pending(struct callout *c) KERN_HIDDEN;
bool callout_stop(struct callout *c) KERN_HIDDEN;	/* true if it was pending */
bool callout_halt(struct callout *c) KERN_HIDDEN;
/* Runs expired callouts queued for k; called with a vCPU of k held (vcpu release does). */
void kern_softrun(struct kern *k) KERN_HIDDEN;
int kern_soft_more(struct kern *k, int round) KERN_HIDDEN;
int  vcpu_trytake(struct kern *k) KERN_HIDDEN;

/* ---------------------------------------------------------------- memory */

/* Per-kernel accounted allocation.  Returns NULL when the kernel is over its memory
 * limit or the host is out of memory; callers return ENOMEM (ENOSPC for file data). */
/* The kernel's random numbers: every source of randomness in kernel code (IP ids,
 * ephemeral ports, TCP initial sequence numbers, jitter, hash seeds, kern.arandom) draws
 * from here, never from the host, so a seeded run replays (docs/race.md).  A splitmix64
 * stream seeded from the run's seed and the kernel's creation index, or from getrandom
 * when no seed is set; safe with several vCPUs (one atomic add per 8 bytes).  Not
 * cryptographic: a peer that sees many outputs can predict later ones. */
void     kern_random(struct kern *k, void *buf, size_t len) KERN_HIDDEN;
uint32_t kern_random32(struct kern *k) KERN_HIDDEN;
void *kmem_alloc(struct kern *k, size_t n) KERN_HIDDEN;
void *kmem_zalloc(struct kern *k, size_t n) KERN_HIDDEN;
void  kmem_free(struct kern *k, void *p, size_t n) KERN_HIDDEN;
/* Bytes the kernel holds now (k_mem_used + k_mem_held: kmem_alloc in kern.c). */
size_t kmem_used(const struct kern *k) KERN_HIDDEN;
void kmem_tls_return(struct kern *old) KERN_HIDDEN;	/* the thread leaves old */
char *kmem_strdup(struct kern *k, const char *s, size_t *sizep) KERN_HIDDEN;

/* ---------------------------------------------------------------- user memory */

/* "User" memory is the caller's memory in this same process.  EFAULT, never a crash, for:
 * NULL and the first page, ranges that wrap around or end above the user address limit
 * (0x800000000000 on x86_64), lengths above KERN_COPY_MAX (range checks), and addresses
 * that are not mapped or not writable (hyper's fault-catching copy).  Memory that is
 * mapped but belongs to something else cannot be told apart in-process. */
#define KERN_USER_MIN	4096UL
#define KERN_USER_MAX	0x800000000000UL
#define KERN_COPY_MAX	((size_t)1 << 40)
int copyin(const void *uaddr, void *kaddr, size_t len) KERN_HIDDEN;
int copyout(const void *kaddr, void *uaddr, size_t len) KERN_HIDDEN;
/* Copies a NUL-terminated string of at most len bytes including the NUL: ENAMETOOLONG
 * if there is no NUL within len.  *done (may be NULL) gets the length with the NUL. */
int copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done) KERN_HIDDEN;
int copyoutstr(const char *kaddr, void *uaddr, size_t len, size_t *done) KERN_HIDDEN;
int kern_uaddr_ok(const void *uaddr, size_t len) KERN_HIDDEN;	/* 0 or EFAULT */
/* Remote user memory: a process whose p_rcopy is set (a sysproxy client, csrc/sysproxy/)
 * has its "user" memory in another host process.  copyin/copyout and the string copies
 * range-check the address as usual, then call these (vCPU held; they give it away while
 * they wait for the client).  rc_in with str set copies a NUL-terminated string of at
 * most len bytes: ENAMETOOLONG without a NUL, *done the length with the NUL. */
struct kern_rcopy {
	int (*rc_in)(struct kern_rcopy *rc, const void *uaddr, void *kaddr, size_t len,
	    bool str, size_t *done);
	int (*rc_out)(struct kern_rcopy *rc, void *uaddr, const void *kaddr, size_t len,
	    bool str);
	/* The RAISE signal model's action for a remote process: the signal goes to the
	 * client (kern/sig.c), not to a host thread of ours.  NULL: none. */
	void (*rc_raise)(struct kern_rcopy *rc, int sig);
	/* An lwp of the remote process is about to sleep (kern/sleep.c), vCPU and maybe a
	 * kmutex held: must not block.  NULL: none. */
	void (*rc_block)(struct kern_rcopy *rc);
};

/* Scatter/gather I/O descriptor (NetBSD's struct uio).  uio_iov points to a kernel copy
 * of the iovec array; the buffers are user space if uio_user, else kernel space. */
struct nb_iovec {
	void *iov_base;
	size_t iov_len;
};
enum uio_rw { UIO_READ, UIO_WRITE };
struct uio {
	struct nb_iovec *uio_iov;
	int uio_iovcnt;
	nb_off_t uio_offset;
	size_t uio_resid;
	enum uio_rw uio_rw;
	bool uio_user;
};
/* Moves up to n bytes between kbuf and the uio (direction by uio_rw: UIO_READ copies
 * kbuf out to the iovecs), advancing it. */
int uiomove(void *kbuf, size_t n, struct uio *uio) KERN_HIDDEN;

/* ---------------------------------------------------------------- credentials */

#define CRED_NGROUPS	NGROUPS_MAX
struct cred {
	atomic_int cr_ref;
	nb_uid_t cr_uid, cr_euid, cr_svuid;
	nb_gid_t cr_gid, cr_egid, cr_svgid;
	int cr_ngroups;
	nb_gid_t cr_groups[CRED_NGROUPS];
};
struct cred *cred_alloc(struct kern *k) KERN_HIDDEN;		/* root, refcount 1 */
struct cred *cred_copy(struct kern *k, const struct cred *c) KERN_HIDDEN;
void cred_hold(struct cred *c) KERN_HIDDEN;
void cred_free(struct kern *k, struct cred *c) KERN_HIDDEN;	/* drops a reference */
/* The process's credentials now, with a reference for the caller (vCPU held). */
struct cred *cred_take(struct proc *p) KERN_HIDDEN;
/* Permission checks for VFS and others.  acc is a mask of VREAD/VWRITE/VEXEC
 * (R_OK/W_OK/X_OK << 6, as NetBSD's S_IRUSR bits). */
#define VREAD	0400
#define VWRITE	0200
#define VEXEC	0100
int  cred_super(const struct cred *c) KERN_HIDDEN;		/* 0 if root, else EPERM */
bool cred_groupmember(const struct cred *c, nb_gid_t gid) KERN_HIDDEN;
int  cred_access(const struct cred *c, nb_uid_t fuid, nb_gid_t fgid, nb_mode_t fmode,
    int acc, bool isdir) KERN_HIDDEN;				/* 0 or EACCES */

/* ---------------------------------------------------------------- files */

/* Descriptor types, NetBSD's DTYPE_* */
#define DTYPE_VNODE	1
#define DTYPE_SOCKET	2
#define DTYPE_PIPE	3
#define DTYPE_KQUEUE	4
#define DTYPE_MISC	5

/* f_flag bits: FREAD/FWRITE plus the O_* status flags (FFLAGS(oflags) = oflags + 1) */
#define FREAD		0x00000001
#define FWRITE		0x00000002
#define FNONBLOCK	O_NONBLOCK
#define FAPPEND		O_APPEND
#define FASYNC		O_ASYNC
#define FFLAGS(o)	((o) + 1)
#define OFLAGS(f)	((f) - 1)
#define FCNTLFLAGS	(FAPPEND | FASYNC | FNONBLOCK | O_DSYNC | O_RSYNC | O_ALT_IO | O_DIRECT | O_NOSIGPIPE)

/* NetBSD struct stat (the __stat50 ABI): 152 bytes. */
struct nb_timespec {
	int64_t tv_sec;
	long tv_nsec;
};
struct nb_stat {
	uint64_t st_dev;
	nb_mode_t st_mode;
	uint64_t st_ino;
	uint32_t st_nlink;
	nb_uid_t st_uid;
	nb_gid_t st_gid;
	uint64_t st_rdev;
	struct nb_timespec st_atim, st_mtim, st_ctim, st_birthtim;
	nb_off_t st_size;
	int64_t st_blocks;
	int32_t st_blksize;
	uint32_t st_flags;
	uint32_t st_gen;
	uint32_t st_spare[2];
};

/*
 * File operations.  Each op may be NULL, meaning: read/write EOPNOTSUPP... as NetBSD's
 * fbadop; ioctl ENOTTY; poll "always ready for what f_flag allows"; stat zeroed st with
 * the mode from f_type; fcntl EINVAL.  read/write get *offset (the file's f_offset for
 * read/write, a private one for pread/pwrite) in uio->uio_offset too, and store the new
 * offset in *offset when flags has FOF_UPDATE_OFFSET (seekable files only).
 * ioctl receives data already copied in (IOC_IN) and copies it out after (IOC_OUT).
 * poll returns the ready events among `events` right now and never sleeps: sys_poll
 * sleeps on the kernel's poll condvar, which files wake with kern_pollnotify(k).
 * close is called once, when the last reference goes.
 */
#define FOF_UPDATE_OFFSET 0x01
struct fileops {
	int (*fo_read)(struct file *fp, nb_off_t *offset, struct uio *uio, int flags);
	int (*fo_write)(struct file *fp, nb_off_t *offset, struct uio *uio, int flags);
	int (*fo_ioctl)(struct file *fp, unsigned long cmd, void *data);
	int (*fo_fcntl)(struct file *fp, int cmd, void *arg);
	int (*fo_poll)(struct file *fp, int events);
	int (*fo_stat)(struct file *fp, struct nb_stat *st);
	int (*fo_close)(struct file *fp);
	/* A descriptor of the file is being closed by process p (NULL: the table of an
	 * exiting process), before its reference is dropped: POSIX record locks of p go
	 * (closing any descriptor of a file releases them), AF_UNIX collects in-flight
	 * cycles.  Optional. */
	void (*fo_fdclose)(struct file *fp, struct proc *p);
	/* kqueue's fflags with EV_EOF on EVFILT_READ/WRITE (a socket's so_error, as
	 * NetBSD's filt_soread/filt_sowrite).  Optional. */
	int (*fo_eoferror)(struct file *fp);
};

struct file {
	const struct fileops *f_ops;
	struct kern *f_kern;
	atomic_int f_count;		/* references: descriptors and in-flight syscalls */
	int f_type;			/* DTYPE_* */
	unsigned f_flag;		/* FREAD, FWRITE, FNONBLOCK, FAPPEND ... */
	void *f_data;			/* the object: vnode, socket, pipe end (in the line a
					 * syscall on the descriptor reads) */
	nb_off_t f_offset;		/* guarded by f_lock */
	kmutex_t f_lock;
	struct cred *f_cred;		/* credentials at open, held */
};

/* Allocates a file with one reference and a descriptor in the current process's table
 * (lowest free >= 0).  The descriptor is reserved but not visible until fd_affix(). On a
 * later error call fd_abort(). */
int  fd_allocfile(struct lwp *l, struct file **fpp, int *fdp) KERN_HIDDEN;
void fd_affix(struct lwp *l, struct file *fp, int fd) KERN_HIDDEN;
void fd_abort(struct lwp *l, struct file *fp, int fd) KERN_HIDDEN;
/* Looks up fd and takes a reference: EBADF if it is not open.  fd_putfile drops it. */
int  fd_getfile(struct lwp *l, int fd, struct file **fpp) KERN_HIDDEN;
void fd_putfile(struct file *fp) KERN_HIDDEN;
void fd_setcloexec(struct lwp *l, int fd, bool on) KERN_HIDDEN;
/* Drops one reference; the last one calls fo_close and frees the file. */
int  file_release(struct file *fp) KERN_HIDDEN;
void file_hold(struct file *fp) KERN_HIDDEN;

/* Per-kernel poll wakeup: a file that becomes readable/writable calls this. */
void kern_pollnotify(struct kern *k) KERN_HIDDEN;

/* ---------------------------------------------------------------- processes */

struct fdentry {
	struct file *fe_file;
	uint8_t fe_flags;		/* FE_CLOEXEC, FE_RESERVED */
};
#define FE_CLOEXEC	0x01
#define FE_RESERVED	0x02

struct filedesc {
	atomic_int fd_ref;		/* processes sharing it (RUMP_RFFD_SHARE) */
	kmutex_t fd_lock;
	int fd_nfiles;			/* slots in fd_ofiles */
	int fd_lastfile;		/* highest slot in use, -1 if none */
	struct fdentry *fd_ofiles;
	struct fdentry fd_small[4];	/* the first slots, so small tables need no alloc */
};

struct lwp {
	struct proc *l_proc;
	struct kern *l_kern;
	int l_lid;
	int l_flag;			/* LW_* */
	struct lwp *l_next;		/* p->p_lwps */
	struct cred *l_cred;		/* snapshot held for the running syscall, or NULL */
	struct cred *l_ccred;		/* cached snapshot (a reference), valid while... */
	unsigned l_ccgen;		/* ...p_credgen still equals this (cred_enter) */
};
#define LW_IMPLICIT	0x01		/* a host thread's stand-in, lives for one call */
#define LW_BOUND	0x02		/* bound to a host thread right now */
#define LW_CREDREF	0x04		/* l_cred is a reference of its own, dropped at return */
#define LW_CREDBORROW	0x08		/* l_cred is p_cred, no reference (one vCPU, held) */

struct nb_rlimit {
	uint64_t rlim_cur, rlim_max;
};

struct proc {
	struct kern *p_kern;
	nb_pid_t p_pid;
	nb_pid_t p_pgid, p_sid;
	struct proc *p_pptr;		/* parent; process 1 adopts orphans */
	struct proc *p_next, *p_prev;	/* k->k_procs */
	struct lwp *p_lwps;
	int p_nlwps;
	int p_nextlid;
	int p_flag;			/* PK_* */
	unsigned p_traceflag;		/* ktrace facilities (kern/ktrace.c), k_proc_lock */
	/* read by every syscall: p_cred, p_fd, p_rcopy and p_traceflag in one line */
	struct cred *p_cred;
	atomic_uint p_credgen;		/* bumped by every p_cred swap (cred_commit) */
	struct filedesc *p_fd;
	struct kern_rcopy *p_rcopy;	/* user memory is remote (sysproxy), or NULL */
	nb_mode_t p_umask;
	void *p_cwd, *p_rdir;		/* owned by vfs (proc_fork/proc_exit hooks) */
	void *p_priv[2];		/* more per-process component state */
	struct ptimers *p_timers;	/* itimers and POSIX timers, made on first use */
	char p_login[17];		/* MAXLOGNAME + 1 */
	struct nb_rlimit p_rlimit[RLIM_NLIMITS];
	struct file *p_tracefp;		/* ktrace file, held; k_proc_lock */
	/* signals (kern/sig.c): NetBSD sigset_t words, changed with atomics */
	uint32_t p_sigpend[4];		/* recorded (RUMP_SIGMODEL_RECORD) */
	uint32_t p_sigmask[4];		/* not recorded (rump's ps_sigignore) */
	atomic_int p_intr;		/* its sleeps end with EINTR (kern_proc_interrupt) */
};
/* Sets (on) or clears p's interrupt mark: while set, every sleep of an lwp of p, now
 * sleeping or later, returns EINTR (sleep.c), so its syscalls return.  The sysproxy
 * server uses it when a client goes away or execs (NetBSD's lwpexit of the process). */
void kern_proc_interrupt(struct proc *p, bool on) KERN_HIDDEN;
void kern_psignal(struct proc *p, int sig) KERN_HIDDEN;	/* sig.c: post, per the model */
#define NB_SIGPIPE	13				/* NetBSD's number */
#define NB_SIGURG	16
/* An owner (F_SETOWN: pid > 0, -pgid < 0): 0, ESRCH (no process), EINVAL (no group),
 * EPERM (a group of another session); signal it with no lock held. */
int  kern_owner_check(struct kern *k, int id) KERN_HIDDEN;
void kern_gsignal(struct kern *k, int id, int sig) KERN_HIDDEN;
#define PK_SUGID	0x01		/* credentials changed: issetugid() */
#define PK_EXITING	0x02		/* its last lwp is gone */

/* Looks a process up by pid; call with k->k_proc_lock held. */

struct proc *proc_find(struct kern *k, nb_pid_t pid) KERN_HIDDEN;
/* Credentials, as NetBSD's kauth: a syscall runs with a snapshot of its process's p_cred,
 * held in l_cred from entry to return (kern_syscall_inline), so set*id in another thread
 * never frees what a running check reads.  set*id never changes a cred in place: it copies
 * p_cred, changes the copy and swaps p_cred (under k_cred_mtx); the old one is freed when
 * its last holder (process, lwp snapshot, open file, socket) lets go.  kern_enter takes a
 * snapshot too.  lwp_cred() is what permission checks read: the snapshot, or p_cred where
 * there is none (packet input and callouts, which run as process 1 and check nothing). */
static inline struct cred *
lwp_cred(const struct lwp *l)
{
	return l->l_cred != NULL ? l->l_cred :
	    __atomic_load_n(&l->l_proc->p_cred, __ATOMIC_ACQUIRE);
}

/* ---------------------------------------------------------------- the kernel */

struct kern_tls_bind {
	uint64_t kid;
	struct lwp *l;
};
#define KERN_TLS_NBIND 8
struct kern_tls {
	struct kern *k;			/* current kernel of this host thread */
	struct lwp *bound;		/* its lwp in k, or NULL: implicit (process 1) */
	struct lwp *cur;		/* lwp running a syscall right now */
	int vcount;			/* virtual-clock busy marks this thread holds */
	bool exit_hooked;		/* hyp_thread_onexit registered */
	unsigned icgen;			/* icred is process 1's of k while p_credgen == icgen */
	struct cred *icred;		/* cached snapshot of k's implicit lwps (a reference) */
	uint8_t spin_fail, spin_skip;	/* cv_wait's spin before sleeping: recent failures */
	uint8_t vhint;			/* several vCPUs: the slot this thread took last */
	size_t mres;			/* bytes counted in k's k_mem_used, not yet allocated
					 * (kmem_alloc, several vCPUs; returned at a switch) */
	struct kern_tls_bind saved[KERN_TLS_NBIND];	/* lwps bound in other kernels */
	/* kernels this thread holds further up its stack while it delivers a frame inline
	 * into another (net's ifs_enter_try): waiting for one of them to come free is
	 * waiting for ourselves (if_handoff) */
	struct kern *outer[4];
	int nouter;
};
extern __thread struct kern_tls kern_tls __attribute__((tls_model("initial-exec"))) KERN_HIDDEN;

struct kern {
	/* hot: read by every syscall, kept in the first cache line */
	atomic_int k_vcpu_free;
	atomic_int k_vcpu_waiters;
	atomic_int k_halted;
	atomic_int k_softpending;	/* k_deferred is not empty */
	uint32_t k_compmask;		/* loaded components, bit (1 << id) */
	atomic_int k_ncurrent;		/* host threads that have k current */
	struct proc *k_proc1;
	uint64_t k_id;			/* unique in the process, never reused */
	int k_ncpu;
	bool k_vcpu_fastrel;		/* ncpu == 1 and membarrier works */
	uint8_t k_nwake;		/* k_wakeq entries (the vCPU's holder, ncpu == 1) */
	/* components' state: the network's entries are in the second line (a datagram
	 * from a kernel whose lines are cold misses each line once) */
	void *k_priv[KERN_NCOMP];
	/* virtual CPUs */
	hyp_mutex_t k_vcpu_mtx;		/* guards waits for a vCPU */
	hyp_mutex_t k_cred_mtx;		/* guards p_cred swaps against cred_take (ncpu > 1) */
	hyp_cond_t k_vcpu_cv;
	struct kern_vcpu *k_vcpus;	/* ncpu > 1: one slot per vCPU (k_vcpu_free stays 0) */
	void *k_vcpumem;		/* ... as allocated (k_vcpus is aligned) */
	bool k_vcpu_multirel;		/* ncpu > 1 and membarrier works: releases are stores */
	hyp_mutex_t k_sched_mtx;	/* guards sleeps and wakeups (cv_wait) */
	atomic_int k_sleepers;
	struct ksleeper *k_sleepq;	/* every thread in cv_wait (k_sched_mtx) */
#define KERN_WAKEQ	8
	atomic_uint *k_wakeq[KERN_WAKEQ];	/* sleepers' words to wake at vCPU release */
	/* state */
	int k_ncomps;
	const struct kern_component *k_comps[KERN_NCOMP];	/* in init order */
	/* memory */
	atomic_int k_sigmodel;		/* RUMP_SIGMODEL_* (kern/sig.c) */
	atomic_size_t k_mem_used;	/* counted with atomics: several vCPUs, or no vCPU held */
	atomic_size_t k_mem_held;	/* counted by the holder of the only vCPU, no atomic RMW */
	size_t k_mem_limit;		/* 0: none */
	struct hyp_fault k_fault;	/* allocation-failure injection (kern/fault.c) */
	/* processes */
	kmutex_t k_proc_lock;
	struct proc *k_procs;
	nb_pid_t k_nextpid;
	int k_nprocs;
	/* time */
	int64_t k_realtime_off;		/* ns added to host real time (settimeofday) */
	int64_t k_adj_delta;		/* adjtime: ns still to slew when it was set... */
	uint64_t k_adj_start;		/* ...at this monotonic time */
	uint64_t k_boottime;		/* real time at boot, ns */
	uint64_t k_seed;		/* from the run's seed (docs/race.md), or random */
	_Atomic uint64_t k_rng;		/* splitmix64 state of kern_random */
	int k_seeded;			/* from the run's seed: kern_random replays */
	struct callout *k_callouts;
	struct callout *k_deferred;	/* expired while no vCPU was free */
	/* Input queued while the only vCPU was held (net.net's if_queue): k_softnet set with
	 * k_softpending, and whoever releases the vCPU next runs k_softnet_fn in
	 * kern_softrun, instead of a timer of hyper's scheduler thread. */
	atomic_int k_softnet;
	void (*k_softnet_fn)(struct kern *);
	struct callout *k_softrunning;	/* the callout whose function runs now */
	struct kern_tls *k_softrunner;	/* ... on this thread */
	hyp_mutex_t k_callout_lock;	/* host mutex: callout_stop runs without a vCPU */
	hyp_cond_t k_callout_cv;	/* a callout function returned */
	/* poll wakeups */
	kcondvar_t k_pollcv;
	atomic_uint k_pollgen;
	atomic_int k_pollers;		/* threads in poll_wait/kevent (kern_pollnotify) */
	/* sysctl values */
	int k_maxfiles;
	atomic_int k_nfiles;		/* open files (struct file), bounded by k_maxfiles: ENFILE */
	int k_maxproc;
	size_t k_hostnamelen;
	char k_hostname[256];		/* MAXHOSTNAMELEN */
};

static inline void *kern_priv(struct kern *k, int id) { return k->k_priv[id]; }
static inline void kern_priv_set(struct kern *k, int id, void *p) { k->k_priv[id] = p; }
static inline bool kern_has(struct kern *k, int id) { return (k->k_compmask >> id) & 1; }

/* The lwp running the current syscall (NULL outside kernels). */
static inline struct lwp *curlwp(void) { return kern_tls.cur; }
static inline struct proc *curproc(void) { return kern_tls.cur ? kern_tls.cur->l_proc : NULL; }
static inline struct kern *kern_cur(void)
{
	return kern_tls.cur ? kern_tls.cur->l_kern : kern_tls.k;
}

/* Enter a kernel from outside (callouts, lwproc calls, rumpus_kernel_call): takes a
 * virtual CPU and sets curlwp to the thread's bound lwp or to *implicit, an lwp of
 * process 1 that the caller provides (on its stack).  kern_leave undoes it. */
int  kern_enter(struct kern *k, struct lwp *implicit, struct lwp **lp) KERN_HIDDEN;
void kern_leave(struct kern *k, struct lwp *prev) KERN_HIDDEN;
void vcpu_take_slow(struct kern *k) KERN_HIDDEN;
void vcpu_wake(struct kern *k) KERN_HIDDEN;
/* Several vCPUs: each is a slot on a cache line of its own holding its taker's token, so
 * threads on different vCPUs share no line on entry and return (docs/locking.md);
 * k_vcpu_free stays 0 and the fast path's CAS, a read only, sends them to the slow path. */
struct kern_vcpu {
	_Atomic uintptr_t owner;	/* 0: free */
} __attribute__((aligned(64)));
void vcpu_release_multi(struct kern *k) KERN_HIDDEN;
/* Called from cv_wait (kern/sleep.c): give the vCPU away while sleeping. */
void vcpu_release(struct kern *k) KERN_HIDDEN;
void vcpu_take(struct kern *k) KERN_HIDDEN;

/* Syscall dispatch (generated table, kern/sysent_gen.c). */
typedef int (*sy_call_t)(struct lwp *, const void *, register_t *);
struct sysent {
	sy_call_t sy_call;	/* NULL: not implemented anywhere -> ENOSYS */
	uint32_t sy_compmask;	/* the component that must be loaded (0: never available) */
	uint16_t sy_argsize;
};
#define KERN_NSYSENT 512
extern const struct sysent kern_sysent[KERN_NSYSENT] KERN_HIDDEN;
int kern_syscall(unsigned num, const void *uap, register_t *retval) KERN_HIDDEN;

/* The syscall fast path, inlined into every generated wrapper: take a vCPU with one
 * CAS, run the handler as the thread's lwp (or the kernel's shared implicit lwp of
 * process 1), give the vCPU back with one atomic add. */
static inline void
vclock_busy(int delta)
{
	if (delta > 0) {
		if (__predict_false(atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed))) {
			kern_tls.vcount++;
			hyp_sched_busy(1);
		}
	} else if (__predict_false(kern_tls.vcount > 0)) {
		kern_tls.vcount--;
		hyp_sched_busy(-1);
	}
}

static inline void
vcpu_take_fast(struct kern *k)
{
	int n = atomic_load_explicit(&k->k_vcpu_free, memory_order_relaxed);

	vclock_busy(1);
	if (__predict_true(n > 0 && atomic_compare_exchange_weak_explicit(&k->k_vcpu_free,
	    &n, n - 1, memory_order_acquire, memory_order_relaxed)))
		return;
	vcpu_take_slow(k);
}

/* With one vCPU nobody else writes k_vcpu_free while we hold it, so giving it back is a
 * plain store; the store->load race with a new waiter is closed by the waiter, which
 * runs hyp_membarrier() after registering (k_vcpu_fastrel says this kernel may). */
void vcpu_softcheck(struct kern *k) KERN_HIDDEN;
/* Gives the vCPU back, then runs callouts that expired meanwhile if some are queued (the
 * expiring side sets k_softpending, runs hyp_membarrier() and tries to take a vCPU
 * itself: one of the two sees the other).  Hold no host lock of the kernel here. */
static inline void
vcpu_release_nowake(struct kern *k)
{
	if (__predict_true(k->k_vcpu_fastrel)) {
		atomic_store_explicit(&k->k_vcpu_free, 1, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
		if (__predict_false(atomic_load_explicit(&k->k_vcpu_waiters,
		    memory_order_relaxed) != 0))
			vcpu_wake(k);
	} else if (k->k_vcpus != NULL)
		vcpu_release_multi(k);	/* several vCPUs (kern.c) */
	else {
		atomic_fetch_add_explicit(&k->k_vcpu_free, 1, memory_order_seq_cst);
		if (__predict_false(atomic_load_explicit(&k->k_vcpu_waiters,
		    memory_order_seq_cst) != 0))
			vcpu_wake(k);
	}
	if (__predict_false(atomic_load_explicit(&k->k_softpending, memory_order_relaxed)))
		vcpu_softcheck(k);
	vclock_busy(-1);
}
/* Wake-ups a holder of the only vCPU deferred to its release (sleep.c, cv_wake): the
 * woken threads need this vCPU first, so waking them earlier only makes them sleep again
 * in vcpu_take_slow.  kern_wake_take moves them out (vCPU held), kern_wake_run wakes. */
int  kern_wake_take(struct kern *k, atomic_uint **w) KERN_HIDDEN;
void kern_wake_run(atomic_uint **w, int n) KERN_HIDDEN;
void vcpu_release_wake(struct kern *k) KERN_HIDDEN;
void kern_wake_defer(struct kern *k, struct kern *to) KERN_HIDDEN;
static inline __attribute__((always_inline)) void
vcpu_release_fast(struct kern *k)
{
	if (__predict_false(k->k_nwake != 0))
		vcpu_release_wake(k);
	else
		vcpu_release_nowake(k);
}

/* A reference taken and dropped per call (vCPU held).  With one vCPU only the holder runs
 * kernel code, so the count needs no atomic read-modify-write (the vCPU hand-over orders
 * it, as it does every other kernel store); with more, cred_take's lock and atomics. */
static inline __attribute__((always_inline)) struct cred *
cred_take_fast(struct kern *k, struct proc *p)
{
	struct cred *c;

	if (__predict_false(k->k_ncpu != 1))
		return cred_take(p);
	c = p->p_cred;
	atomic_store_explicit(&c->cr_ref,
	    atomic_load_explicit(&c->cr_ref, memory_order_relaxed) + 1, memory_order_relaxed);
	return c;
}

static inline __attribute__((always_inline)) void
cred_drop_fast(struct kern *k, struct cred *c)
{
	int n;

	if (__predict_true(k->k_ncpu == 1) &&
	    (n = atomic_load_explicit(&c->cr_ref, memory_order_relaxed)) > 1) {
		atomic_store_explicit(&c->cr_ref, n - 1, memory_order_relaxed);
		return;
	}
	cred_free(k, c);
}

/* The syscall entry's credentials (vCPU held), a snapshot the syscall keeps to its return:
 *   - a bound lwp caches one with a reference of its own (l_ccred), good while its
 *     process's p_credgen is the one it was taken at (set*id bumps it after swapping
 *     p_cred): an unchanged credential costs a load and a compare, no atomic, on any
 *     number of vCPUs;
 *   - an implicit lwp (process 1) on a kernel with more vCPUs: the same cache kept by the
 *     thread for its current kernel (kern_tls.icred, dropped when the thread switches
 *     kernels, so a kernel is never destroyed under it);
 *   - an implicit lwp with one vCPU borrows p_cred without a reference: only the holder of
 *     the vCPU runs kernel code, so nobody swaps p_cred under it, and before it lets the
 *     vCPU go in the middle of the call (cv_wait, kern_block_enter) or swaps p_cred
 *     itself (cred_commit) it takes a reference (cred_pin) that its return drops.  (A
 *     cache would be dropped at every switch between kernels, the usual pattern of one
 *     thread driving several.)
 * cred_refresh takes the new snapshot (and, with no current kernel, one for this call). */
struct cred *cred_refresh(struct kern *k, struct lwp *l, unsigned gen) KERN_HIDDEN;
/* A borrowed snapshot becomes a reference of l's own (vCPU held, one vCPU). */
static inline void
cred_pin(struct kern *k, struct lwp *l)
{
	if (l != NULL && l->l_kern == k && __predict_false(l->l_flag & LW_CREDBORROW)) {
		struct cred *c = l->l_cred;

		atomic_store_explicit(&c->cr_ref, atomic_load_explicit(&c->cr_ref,
		    memory_order_relaxed) + 1, memory_order_relaxed);
		l->l_flag = (l->l_flag & ~LW_CREDBORROW) | LW_CREDREF;
	}
}
void cred_icache_drop(struct kern_tls *t, struct kern *old) KERN_HIDDEN;
static inline __attribute__((always_inline)) struct cred *
cred_enter(struct kern *k, struct kern_tls *t, struct lwp *l)
{
	unsigned g;

	if (__predict_true(!(l->l_flag & LW_IMPLICIT))) {
		g = atomic_load_explicit(&l->l_proc->p_credgen, memory_order_acquire);
		if (__predict_true(l->l_ccred != NULL && l->l_ccgen == g))
			return l->l_ccred;
	} else if (__predict_true(k->k_ncpu == 1)) {
		l->l_flag |= LW_CREDBORROW;
		return l->l_proc->p_cred;
	} else {
		g = atomic_load_explicit(&l->l_proc->p_credgen, memory_order_acquire);
		if (__predict_true(t->icred != NULL && t->icgen == g && t->k == k))
			return t->icred;
	}
	return cred_refresh(k, l, g);
}

static inline __attribute__((always_inline)) void
cred_leave(struct kern *k, struct lwp *l)
{
	if (__predict_false(l->l_flag & LW_CREDREF))
		cred_drop_fast(k, l->l_cred);
	l->l_flag &= ~(LW_CREDREF | LW_CREDBORROW);
	l->l_cred = NULL;
}

/* ktrace (kern/ktrace.c): records around a call of a traced process */
void ktr_syscall(struct lwp *l, unsigned code, const void *uap, size_t argsize) KERN_HIDDEN;
void ktr_sysret(struct lwp *l, unsigned code, int error, const register_t *retval) KERN_HIDDEN;
void ktr_proc_exit(struct proc *p) KERN_HIDDEN;
void ktr_proc_fork(struct proc *parent, struct proc *child) KERN_HIDDEN;
static inline int
ktr_syscall_traced(struct lwp *l, unsigned num, const struct sysent *se, const void *uap,
    register_t *retval)
{
	int error;

	ktr_syscall(l, num, uap, se->sy_argsize);
	error = se->sy_call(l, uap, retval);
	if (__atomic_load_n(&l->l_proc->p_traceflag, __ATOMIC_RELAXED) != 0)
		ktr_sysret(l, num, error, retval);
	return error;
}

static inline __attribute__((always_inline)) int
kern_syscall_inline(unsigned num, const void *uap, register_t *retval)
{
	struct kern_tls *t = &kern_tls;
	struct kern *k = t->k;
	const struct sysent *se;
	struct lwp *l, *prev, implicit;
	int error;

	if (__predict_false(k == NULL)) {
		if ((k = hyp_default_kernel()) == NULL)
			return ENXIO;
	}
	prev = t->cur;
	if (__predict_false(prev != NULL && prev->l_kern == k)) {
		/* a nested call from inside k (a component calling a syscall) */
		if (__predict_false(num >= KERN_NSYSENT))
			return ENOSYS;
		se = &kern_sysent[num];
		if (se->sy_call == NULL || !(k->k_compmask & se->sy_compmask))
			return ENOSYS;
		return se->sy_call(prev, uap, retval);
	}
	vcpu_take_fast(k);
	if (__predict_false(atomic_load_explicit(&k->k_halted, memory_order_relaxed))) {
		vcpu_release_fast(k);
		return ENXIO;
	}
	if ((l = t->bound) == NULL || __predict_false(l->l_kern != k)) {
		/* a stand-in of process 1 per call: host threads share no lwp state */
		implicit.l_proc = k->k_proc1;
		implicit.l_kern = k;
		implicit.l_lid = 0;
		implicit.l_flag = LW_IMPLICIT;
		implicit.l_next = NULL;
		l = &implicit;
	}
	l->l_cred = cred_enter(k, t, l);	/* the syscall's credentials (kauth) */
	t->cur = l;
	/* the table entry only after the range check: &kern_sysent[num] past the end is UB */
	se = __predict_true(num < KERN_NSYSENT) ? &kern_sysent[num] : NULL;
	if (__predict_false(se == NULL || se->sy_call == NULL ||
	    !(k->k_compmask & se->sy_compmask)))
		error = ENOSYS;
	else if (__predict_true(__atomic_load_n(&l->l_proc->p_traceflag, __ATOMIC_RELAXED) == 0))
		error = se->sy_call(l, uap, retval);
	else
		error = ktr_syscall_traced(l, num, se, uap, retval);
	cred_leave(k, l);
	t->cur = prev;
	vcpu_release_fast(k);
	return error;
}

/* rump_pub_lwproc_rfork flags (NetBSD's RUMP_RF*) */
#define RUMP_RFFDG	1	/* copy the descriptor table */
#define RUMP_RFCFDG	2	/* start with an empty one */

/* Processes and lwps (kern/proc.c).  proc_exit = proc_release (component hooks, close
 * descriptors, free lwps) + proc_free (unlink, reparent children, free). */
int  proc_create(struct kern *k, struct proc *parent, int rfflags, struct proc **pp) KERN_HIDDEN;
int  lwp_create(struct proc *p, struct lwp **lp) KERN_HIDDEN;
void lwp_free(struct lwp *l) KERN_HIDDEN;	/* last lwp: the process exits */
void proc_exit(struct proc *p) KERN_HIDDEN;
void proc_release(struct proc *p) KERN_HIDDEN;
void proc_free(struct proc *p) KERN_HIDDEN;
void ptimers_free(struct proc *p) KERN_HIDDEN;	/* kern/timer.c */
int  fd_table_new(struct kern *k, struct filedesc **fdp) KERN_HIDDEN;
int  fd_table_copy(struct kern *k, struct filedesc *from, struct filedesc **fdp) KERN_HIDDEN;
void fd_table_free(struct kern *k, struct filedesc *fdp) KERN_HIDDEN;
int  fd_close(struct lwp *l, int fd) KERN_HIDDEN;

/* Clocks as the kernel sees them (kern/time.c). */
uint64_t kern_realtime(struct kern *k) KERN_HIDDEN;	/* ns since epoch */

/* Error message for the caller of the public API (thread-local). */
void kern_seterror(const char *fmt, ...) KERN_HIDDEN __attribute__((format(printf, 1, 2)));

/* Syscall argument access, NetBSD style: each argument sits in an 8-byte slot. */
#define syscallarg(x)	union { register_t pad; x datum; }
#define SCARG(p, k)	((p)->k.datum)

#endif
