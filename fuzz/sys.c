/*
 * sys.c: the syscall harness.  One input is a small program for 1-3 kernels (vfs,
 * fs.tmpfs, net, net.local; each kernel's header byte may leave components out and picks
 * a memory limit and 1 or 2 vCPUs): syscalls with decoded arguments, lwproc calls
 * (rfork, newlwp, switch, releaselwp), kernel switches, kernel recycling, and writes into
 * the user memory the calls point at.  At the end every kernel is destroyed, and the
 * harness checks what must hold whatever the input:
 *
 *   - every syscall answers 0 or a NetBSD errno (1..ELAST);
 *   - destroy succeeds, and the process-wide kernel allocation count is back where it
 *     was, with nothing added to the leak counter;
 *   - a bystander kernel (made once per process, never handed to the input) still has
 *     the same memory use, file contents and queued socket data.
 *
 * Crashes are left to the sanitizers (libFuzzer build) or to the process dying (replay).
 *
 * Input format (bytes past the end read as 0; at most FZ_MAXOPS operations):
 *   header:  n = 1 + b%3 kernels, then one byte per kernel: bit0 no vfs/tmpfs, bit1 no
 *            net.local, bit2 no net (nor net.local), bits3-4 memory limit (4 MiB, 1 MiB,
 *            128 KiB, 16 KiB), bit5 two vCPUs, bit6 also net.netinet and net.shmif
 *            (IPv4, interfaces on buses: kernels of one input may share a bus);
 *            bit7 of the first kernel's byte: two-thread mode (below, "two threads")
 *   op byte, o % 32:
 *     0-19  syscall: index byte into the implemented syscalls, then per argument slot a
 *           kind byte and its payload (see arg())
 *     20 switch kernel (byte)       21 rfork (byte: 0, RFFDG, RFCFDG, or a raw value)
 *     22 newlwp (pid kind byte)     23 lwproc switch (byte: own lwp, NULL, foreign lwp)
 *     24 releaselwp                 25 poke zone A: u16 offset, u8 length, bytes
 *     26 poke zone B: u16 offset, u8 words, 8 bytes each
 *     27 build iovecs in zone B: slot, count, (u16 zone A offset, u16 length) each
 *     28 build a msghdr in zone B: slot, name offset/length, iovec slot/count,
 *        control offset/length, flags
 *     29 build an SCM_RIGHTS message in zone A: u16 offset, count, fd ring indexes
 *     30 recycle: destroy one kernel and boot it again
 *     31 raw syscall number (u16 % 1024) with arguments, for the ENOSYS paths
 *
 * Nothing may sleep forever in a single-threaded harness, so descriptors are made
 * non-blocking (open, socket, pipe2, paccept flags; F_SETFL and FIONBIO keep
 * O_NONBLOCK), sends and receives get MSG_DONTWAIT, F_SETLKW becomes F_SETLK, flock gets
 * LOCK_NB, and poll/select time out at once; timed sleeps run on the virtual clock,
 * which jumps when the only thread sleeps.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
/* pthread.h brings the host's clock ids; the kernel headers carry NetBSD's */
#undef CLOCK_REALTIME
#undef CLOCK_MONOTONIC
#undef CLOCK_PROCESS_CPUTIME_ID
#undef CLOCK_THREAD_CPUTIME_ID

#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "rump/rumpus.h"
#include "fz.h"

int rump_pub_lwproc_rfork(int);
int rump_pub_lwproc_newlwp(nb_pid_t);
void rump_pub_lwproc_switch(struct lwp *);
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

/* NetBSD values not in kern/nbabi.h (abi/netbsd/constants.tsv) */
#define FZ_SOCK_NONBLOCK	0x20000000
#define FZ_MSG_DONTWAIT		0x80
#define FZ_LOCK_NB		4
#define FZ_AF_LOCAL		1

#define FZ_MAXOPS	256
#define FZ_MAXK		3
#define FZ_MAXLWP	16
#define STR_BASE	(48 * 1024)	/* zone A: 16 string slots of 1 KiB */
#define STR_SLOT	1024
#define SA_BASE		(40 * 1024)	/* zone A: 8 sockaddr slots of 1 KiB */

int fz_sys_trace;

struct reader {
	const uint8_t *p;
	size_t n, off;
	uint8_t *out;			/* fz_sys_canon: the bytes read, syscall ops rewritten */
	size_t outn, outcap;
};

static uint8_t
u8(struct reader *r)
{
	uint8_t b = 0;

	if (r->off < r->n)
		b = r->p[r->off++];
	if (r->out != NULL && r->outn < r->outcap)
		r->out[r->outn++] = b;
	return b;
}

/* fz_sys_canon: the op and index bytes just read become op 31 and the number. */
static void
canon_sysop(struct reader *r, int num)
{
	if (r->out == NULL || r->outn < 2 || r->outn + 1 > r->outcap)
		return;
	r->out[r->outn - 2] = 31;
	r->out[r->outn - 1] = (uint8_t)num;
	r->out[r->outn++] = (uint8_t)(num >> 8);
}

static uint64_t
uN(struct reader *r, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)u8(r) << (8 * i);
	return v;
}

struct kslot {
	struct rumpus_kernel *k;
	unsigned cfg;
	struct lwp *lwps[FZ_MAXLWP];
	int nlwps;
};

struct state {
	struct reader r;
	struct kslot ks[FZ_MAXK];
	int nk, cur;
	register_t fds[8];
	unsigned nfd;
	register_t pids[4];
	unsigned npid;
	unsigned strslot, saslot;
	int nosan;
	int two;			/* two-thread mode */
	char *msg;
	size_t msglen;
	int failed;
};

/* ---------------------------------------------------------------- tables */

/* Syscall op index -> number.  The first entries are fixed (the syscalls implemented
 * when the harness was written, so saved inputs keep their meaning); syscalls
 * implemented later are appended at start-up, never inserted. */
static const uint16_t sysorder[] = {
	3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 20, 22, 23, 24, 25, 27, 28, 29, 30, 31, 32, 33, 36,
	39, 41, 43, 47, 49, 50, 54, 57, 58, 60, 61, 79, 80, 81, 82, 90, 92, 95, 98, 104, 105,
	106, 118, 120, 121, 123, 124, 126, 127, 128, 131, 132, 133, 134, 135, 136, 137, 147,
	173, 174, 181, 182, 183, 191, 192, 194, 195, 199, 200, 201, 202, 207, 208, 209, 241,
	270, 274, 275, 283, 284, 285, 286, 289, 290, 296, 297, 305, 356, 357, 358, 390, 394,
	410, 416, 417, 418, 419, 420, 423, 424, 427, 428, 429, 430, 436, 437, 439, 440, 441,
	450, 453, 454, 456, 457, 458, 459, 460, 461, 462, 463, 464, 466, 467, 468, 469, 470,
	471, 472, 477,
};
static int sysnums[KERN_NSYSENT + 256], nsys;
static char longname[600], longpath[1024];

static const char *const paths[] = {
	"/", "/a", "/a/b", "/a/b/c", "a", "b", ".", "..", "", "/mnt", "/mnt/f", "/mnt/d",
	"/fifo", "/sock", "/s2", "/lnk", "/lnk/x", "/loop", "/a/../a/b", "//a//b/", "/f",
	"f", "/a/f", "/a/b/c/d/e/f", "/a/", "/f/", "/mnt/..", "/nonexistent/x", "/tmp",
	NULL /* longname */, NULL /* longpath */, "/\xff\x01",
};
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

static const int64_t consts[] = {
	0, 1, 2, 3, 4, 5, 8, 16, 64, 100, 106, 128, 255, 256, 511, 512, 1024, 4096, 8192,
	65536, 1 << 20, -1, -2, -100 /* AT_FDCWD */, 0x7fffffff, 0x80000000LL, 0xffffffffLL,
	INT64_MIN, INT64_MAX, 1LL << 40, (1LL << 40) + 1, 1LL << 62,
	0x202 /* O_RDWR|O_CREAT */, 0xa01 /* O_WRONLY|O_CREAT|O_EXCL */, 0x209 /* +APPEND */,
	0x200000 /* O_DIRECTORY */, 0x100 /* O_NOFOLLOW */, 0x30 /* O_EXLOCK|O_SHLOCK */,
	0644, 0777, 04755, 01777, 010644 /* S_IFIFO */, 0140777 /* S_IFSOCK */,
	FZ_AF_LOCAL, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 2 /* SOCK_DGRAM */,
	5 /* SOCK_SEQPACKET */, 0x10000000 /* SOCK_CLOEXEC */, 0xffff /* SOL_SOCKET */,
	0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006, 0x100b, 0x100c, 0x80 /* SO_LINGER */,
	4 /* SO_REUSEADDR */, 2 /* MSG_PEEK */, 0x40 /* MSG_WAITALL */, 1 /* MSG_OOB */,
	8 /* MSG_EOR */, 0x400 /* MSG_NOSIGNAL */, 0x800 /* MSG_CMSG_CLOEXEC */,
	0x4004667f /* FIONREAD */, 0x40046679 /* FIONWRITE */, 0x40046678 /* FIONSPACE */,
	0x8004667d /* FIOASYNC */, 0x20006601 /* FIOCLEX */, 0x20006602 /* FIONCLEX */,
	0x4004667b /* FIOGETOWN */, 0x40047307 /* SIOCATMARK */, 0xc0906911 /* SIOCGIFFLAGS */,
	0x1007 /* SO_ERROR */, 0x1008 /* SO_TYPE */, 0x2000 /* SO_TIMESTAMP */,
	16 /* SCM_CREDS */, 0x4 /* LOCAL_CREDS */,
	3 /* F_GETFL */, 2 /* F_SETFD */, 7 /* F_GETLK */, 8 /* F_SETLK */, 12, 0x200, 0x400,
	0x800 /* AT_REMOVEDIR */, 1000, 1001, 0x80000 /* MNT_FORCE */,
};
#define NCONSTS	(sizeof(consts) / sizeof(consts[0]))

static void
tables_init(void)
{
	int i;

	if (nsys != 0)
		return;
	for (i = 0; i < (int)(sizeof(sysorder) / sizeof(sysorder[0])); i++)
		sysnums[nsys++] = sysorder[i];
	for (i = 0; i < KERN_NSYSENT; i++) {
		int j;
		if (kern_sysent[i].sy_call == NULL)
			continue;
		for (j = 0; j < nsys && sysnums[j] != i; j++)
			;
		if (j == nsys)
			sysnums[nsys++] = i;
	}
	longname[0] = '/';
	memset(longname + 1, 'n', 512);		/* a 512-byte component: ENAMETOOLONG */
	longpath[0] = '/';
	for (i = 1; i < 1022; i += 2)
		longpath[i] = 'p', longpath[i + 1] = '/';	/* 1023 bytes: 511 lookups */
}

static const char *
path_at(unsigned i)
{
	i %= NPATHS;
	if (i == NPATHS - 3)
		return longname;
	if (i == NPATHS - 2)
		return longpath;
	return paths[i];
}

/* ---------------------------------------------------------------- failure report */

__attribute__((format(printf, 2, 3))) static void
fail(struct state *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(s->msg, s->msglen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- arguments */

static register_t
ptr(const void *p)
{
	return (register_t)(uintptr_t)p;
}

static uint8_t *
str_slot(struct state *s)
{
	return fz_mem.za + STR_BASE + (s->strslot++ % 16) * STR_SLOT;
}

/* Every value is passed through fz_sanitize when it could be the address of memory
 * outside the harness's layout: the kernel may take any argument for a pointer.  Except
 * an ioctl's command (s->nosan), which the kernel never dereferences and whose useful
 * values (IOC_IN|IOC_OUT...) are exactly the ones sanitizing would change. */
static register_t
san(struct state *s, uint64_t v)
{
	return (register_t)(s->nosan ? v : fz_sanitize(v));
}

static register_t
arg(struct state *s)
{
	struct reader *r = &s->r;
	uint8_t kind = u8(r), b;
	uint8_t *p;
	const char *path;
	size_t n;

	switch (kind % 16) {
	case 0: return 0;
	case 1: return (register_t)(int8_t)u8(r);
	case 2: return (register_t)uN(r, 2);
	case 3: return san(s, (uint64_t)(int64_t)(int32_t)uN(r, 4));
	case 4: return san(s, uN(r, 8));
	case 5: return s->fds[u8(r) % 8];
	case 6: return ptr(fz_mem.za + uN(r, 2) % FZ_ZA_SIZE);
	case 7:
		p = str_slot(s);
		path = path_at(u8(r));
		n = strlen(path);
		memcpy(p, path, n + 1);
		return ptr(p);
	case 8:
		p = str_slot(s);
		n = u8(r);
		for (size_t i = 0; i < n; i++)
			p[i] = u8(r);
		p[n] = '\0';
		return ptr(p);
	case 9: return (register_t)fz_badptr(u8(r));
	case 10: return san(s, (uint64_t)consts[u8(r) % NCONSTS]);
	case 11: return ptr(fz_mem.zb + (u8(r) % 16) * 1024);
	case 12:	/* a NetBSD sockaddr_un holding a dictionary path */
		p = fz_mem.za + SA_BASE + (s->saslot++ % 8) * 1024;
		b = u8(r);
		path = path_at(b);
		n = strlen(path);
		if (n > 103)
			n = 103;
		p[0] = (uint8_t)(2 + n + 1);
		p[1] = FZ_AF_LOCAL;
		memcpy(p + 2, path, n);
		p[2 + n] = '\0';
		return ptr(p);
	case 13: return ptr(fz_mem.ro + u8(r) * 16 % FZ_RO_SIZE);
	case 14: return s->pids[u8(r) % 4];
	default: return san(s, uN(r, 4));
	}
}

/* Syscalls that read pointers out of user memory; their structure argument is aligned
 * and both zones are sanitized first (see fz.h). */
static int
ptr_struct_arg(int num)
{
	switch (num) {
	case SYS_readv: case SYS_writev: case SYS_sendmsg: case SYS_recvmsg:
		return 1;
	case SYS_preadv: case SYS_pwritev:
		return 1;
	case SYS_ioctl:
		return 2;
	case SYS___mount50:
		return 3;
	default:
		return -1;
	}
}

static int
in_zones(register_t v)
{
	uintptr_t a = (uintptr_t)v;

	return (a >= (uintptr_t)fz_mem.za && a < (uintptr_t)fz_mem.za + FZ_ZA_SIZE) ||
	    (a >= (uintptr_t)fz_mem.zb && a < (uintptr_t)fz_mem.zb + FZ_ZB_SIZE);
}

/* Keep the single thread from sleeping without a deadline. */
static void
no_sleep(int num, register_t *a)
{
	switch (num) {
	case SYS_open: a[1] |= O_NONBLOCK; break;
	case SYS_openat: a[2] |= O_NONBLOCK; break;
	case SYS_fcntl:
		/* F_SETFL takes FFLAGS(arg) = arg + 1: access mode bits 3 would carry into
		 * O_NONBLOCK and clear it (then a read sleeps: a false timeout).  F_SETFL
		 * ignores the access mode, so drop it. */
		if ((int)a[1] == F_SETFL)
			a[2] = (a[2] & ~(register_t)O_ACCMODE) | O_NONBLOCK;
		else if ((int)a[1] == F_SETLKW)
			a[1] = F_SETLK;
		break;
	case SYS_flock: a[1] |= FZ_LOCK_NB; break;
	case SYS_ioctl:
		if ((uint32_t)a[1] == (uint32_t)FIONBIO)
			a[2] = ptr(fz_mem.ro + 64);	/* an int 1 */
		break;
	case SYS___socket30: case SYS_socketpair: a[1] |= FZ_SOCK_NONBLOCK; break;
	case SYS_pipe2: a[1] |= O_NONBLOCK; break;
	case SYS_paccept: a[4] |= FZ_SOCK_NONBLOCK; break;
	case SYS_recvfrom: case SYS_sendto: a[3] |= FZ_MSG_DONTWAIT; break;
	case SYS_recvmsg: case SYS_sendmsg: a[2] |= FZ_MSG_DONTWAIT; break;
	case SYS_poll: a[2] = 0; break;
	case SYS___pollts50: a[2] = ptr(fz_mem.ro); break;	/* zero timespec */
	case SYS___select50: case SYS___pselect50: a[4] = ptr(fz_mem.ro); break;
	}
}

static void
push_fd(struct state *s, register_t fd)
{
	s->fds[s->nfd++ % 8] = fd;
}

/* One decoded syscall: arguments in, answer out. */
struct call {
	int num;
	register_t a[8], rv[2];
	int e;
};

/* Decodes num's arguments from the input and makes them safe (no_sleep, the zones). */
static void
prep_syscall(struct state *s, struct call *c, int num)
{
	int nargs, i, pa;

	c->num = num;
	nargs = num < KERN_NSYSENT ? kern_sysent[num].sy_argsize / 8 : 8;
	if (nargs > 8)
		nargs = 8;
	memset(c->a, 0, sizeof(c->a));
	c->rv[0] = c->rv[1] = 0;
	c->e = 0;
	for (i = 0; i < nargs; i++) {
		s->nosan = num == SYS_ioctl && i == 1;
		c->a[i] = arg(s);
	}
	s->nosan = 0;
	no_sleep(num, c->a);
	if ((pa = ptr_struct_arg(num)) >= 0) {
		if (in_zones(c->a[pa]))
			c->a[pa] &= ~(register_t)7;
		fz_sanitize_zones();
	}
}

static void
exec_syscall(struct call *c)
{
	c->e = kern_syscall((unsigned)c->num, c->a, c->rv);
}

/* Checks the answer and remembers the descriptors and pids it made. */
static void
end_syscall(struct state *s, struct call *c, const char *who)
{
	register_t *a = c->a, *rv = c->rv;
	int num = c->num, e = c->e;

	if (fz_sys_trace)
		fprintf(stderr, "fz k%d%s sys %d (%lx %lx %lx %lx %lx %lx) = %d rv %ld\n", s->cur,
		    who, num, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
		    (long)a[5], e, (long)rv[0]);
	if (e < 0 || e > ELAST) {
		fail(s, "syscall %d answered %d, not an errno", num, e);
		return;
	}
	if (e != 0)
		return;
	if (rv[0] >= 0 && rv[0] < 4096)
		push_fd(s, rv[0]);
	if (num == SYS_getpid)
		s->pids[s->npid++ % 4] = rv[0];
	if ((num == SYS_pipe2 || num == SYS_socketpair) && in_zones(a[num == SYS_pipe2 ? 0 :
	    3])) {
		int fd2[2];
		uintptr_t p = (uintptr_t)a[num == SYS_pipe2 ? 0 : 3];
		if (in_zones((register_t)(p + 7))) {
			memcpy(fd2, (void *)p, sizeof(fd2));
			push_fd(s, fd2[0]);
			push_fd(s, fd2[1]);
		}
	}
}

static void
do_syscall(struct state *s, int num)
{
	struct call c;

	prep_syscall(s, &c, num);
	exec_syscall(&c);
	end_syscall(s, &c, "");
}

/* ---------------------------------------------------------------- two threads */

/*
 * Two-thread mode (bit 7 of the first kernel's header byte): two syscall ops in a row
 * run at once in the current kernel, the first on the harness's thread (as its current
 * lwp), the second on a helper thread (as an implicit lwp of process 1).  Decoding and
 * the checks stay on the harness's thread, before and after both calls, so the input
 * still reads the same way; only the interleaving inside the kernel is up to the host.
 * The helper thread lives as long as the process and holds no kernel between calls.
 */
static struct {
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	pthread_t tid;
	int started, posted, done;
	struct call *job;
	struct rumpus_kernel *k;
} helper = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL };

static void *
helper_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct call *c;
		struct rumpus_kernel *k;

		pthread_mutex_lock(&helper.mtx);
		while (!helper.posted)
			pthread_cond_wait(&helper.cv, &helper.mtx);
		helper.posted = 0;
		c = helper.job, k = helper.k;
		pthread_mutex_unlock(&helper.mtx);
		rumpus_kernel_switch(k);
		exec_syscall(c);
		rumpus_kernel_switch(NULL);
		pthread_mutex_lock(&helper.mtx);
		helper.done = 1;
		pthread_cond_broadcast(&helper.cv);
		pthread_mutex_unlock(&helper.mtx);
	}
	return NULL;
}

/* Runs c1 here and c2 on the helper thread at the same time, in the current kernel. */
static void
run_pair(struct state *s, struct call *c1, struct call *c2)
{
	if (!helper.started) {
		if (pthread_create(&helper.tid, NULL, helper_main, NULL) != 0) {
			exec_syscall(c1);
			exec_syscall(c2);
			return;
		}
		pthread_detach(helper.tid);
		helper.started = 1;
	}
	pthread_mutex_lock(&helper.mtx);
	helper.job = c2;
	helper.k = s->ks[s->cur].k;
	helper.done = 0;
	helper.posted = 1;
	pthread_cond_broadcast(&helper.cv);
	pthread_mutex_unlock(&helper.mtx);
	exec_syscall(c1);
	pthread_mutex_lock(&helper.mtx);
	while (!helper.done)
		pthread_cond_wait(&helper.cv, &helper.mtx);
	pthread_mutex_unlock(&helper.mtx);
}

/* The syscall number of a syscall op (op byte already read). */
static int
op_sysnum(struct state *s, uint8_t op)
{
	int num;

	if (op == 31)
		return (int)(uN(&s->r, 2) % 1024);
	num = sysnums[u8(&s->r) % nsys];
	canon_sysop(&s->r, num);
	return num;
}

static int
is_sysop(uint8_t op)
{
	return op < 20 || op == 31;
}

/* A syscall op; in two-thread mode, paired with the next op if that is one too. */
static void
sys_op(struct state *s, uint8_t op)
{
	struct call c1, c2;

	if (!s->two) {
		do_syscall(s, op_sysnum(s, op));
		return;
	}
	prep_syscall(s, &c1, op_sysnum(s, op));
	if (s->r.off < s->r.n && is_sysop(s->r.p[s->r.off] % 32)) {
		uint8_t op2 = u8(&s->r) % 32;

		prep_syscall(s, &c2, op_sysnum(s, op2));
		run_pair(s, &c1, &c2);
		end_syscall(s, &c1, "");
		end_syscall(s, &c2, " helper");
		return;
	}
	exec_syscall(&c1);
	end_syscall(s, &c1, "");
}

/* ---------------------------------------------------------------- kernels */

static struct rumpus_kernel *
boot(unsigned cfgbyte)
{
	static const size_t limits[4] = { 4 << 20, 1 << 20, 128 << 10, 16 << 10 };
	const char *comps[7];
	struct rumpus_config cfg = { 0, NULL, 0, 0 };
	int n = 0, err;

	if (!(cfgbyte & 1)) {
		comps[n++] = "vfs";
		comps[n++] = "fs.tmpfs";
	}
	if (!(cfgbyte & 4)) {
		comps[n++] = "net";
		if (!(cfgbyte & 2))
			comps[n++] = "net.local";
		if (cfgbyte & 0x40) {
			comps[n++] = "net.netinet";
			comps[n++] = "net.shmif";
		}
	}
	comps[n] = NULL;
	cfg.memlimit = limits[(cfgbyte >> 3) & 3];
	cfg.ncpu = (cfgbyte & 0x20) ? 2 : 1;
	cfg.hostname = "fuzz";
	return rumpus_kernel_create(comps, &cfg, &err);
}

static void
enter(struct state *s, int i)
{
	s->cur = i;
	rumpus_kernel_switch(s->ks[i].k);
}

/* Makes some live kernel current; returns 0 if none is left. */
static int
enter_live(struct state *s, int want)
{
	int i;

	for (i = 0; i < s->nk; i++) {
		int j = (want + i) % s->nk;
		if (s->ks[j].k != NULL) {
			enter(s, j);
			return 1;
		}
	}
	rumpus_kernel_switch(NULL);
	return 0;
}

static void
destroy(struct state *s, int i)
{
	int e;

	if (s->ks[i].k == NULL)
		return;
	if (s->cur == i)
		rumpus_kernel_switch(NULL);
	e = rumpus_kernel_destroy(s->ks[i].k);
	if (e != 0)
		fail(s, "destroy of kernel %d: %d (%s)", i, e, rumpus_error());
	s->ks[i].k = NULL;
	s->ks[i].nlwps = 0;
	if (s->cur == i)
		s->cur = -1;
}

/* ---------------------------------------------------------------- lwproc */

static void
lwp_add(struct kslot *ks, struct lwp *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < ks->nlwps; i++)
		if (ks->lwps[i] == l)
			return;
	if (ks->nlwps < FZ_MAXLWP)
		ks->lwps[ks->nlwps++] = l;
}

static void
lwp_forget(struct kslot *ks, struct lwp *l)
{
	int i;

	for (i = 0; i < ks->nlwps; i++)
		if (ks->lwps[i] == l) {
			ks->lwps[i] = ks->lwps[--ks->nlwps];
			return;
		}
}

static void
lwproc_op(struct state *s, int op)
{
	struct kslot *ks = &s->ks[s->cur];
	register_t rv[2] = { 0, 0 }, noargs[1] = { 0 };
	uint8_t b;
	int e;

	switch (op) {
	case 21:
		b = u8(&s->r);
		if (ks->nlwps >= FZ_MAXLWP)
			return;
		e = rump_pub_lwproc_rfork(b % 4 == 3 ? b : b % 4 == 2 ? RUMP_RFCFDG :
		    b % 4 == 1 ? RUMP_RFFDG : 0);
		if (fz_sys_trace)
			fprintf(stderr, "fz k%d rfork %#x = %d\n", s->cur, b, e);
		if (e == 0) {
			lwp_add(ks, rump_pub_lwproc_curlwp());
			if (kern_syscall(SYS_getpid, noargs, rv) == 0)
				s->pids[s->npid++ % 4] = rv[0];
		}
		break;
	case 22: {
		register_t pid = arg(s);
		if (ks->nlwps >= FZ_MAXLWP)
			return;
		e = rump_pub_lwproc_newlwp((nb_pid_t)pid);
		if (fz_sys_trace)
			fprintf(stderr, "fz k%d newlwp %ld = %d\n", s->cur, (long)pid, e);
		if (e == 0)
			lwp_add(ks, rump_pub_lwproc_curlwp());
		break;
	}
	case 23:
		b = u8(&s->r);
		if (b < ks->nlwps) {
			rump_pub_lwproc_switch(ks->lwps[b]);
		} else if (b >= 0xf0 && s->nk > 1) {
			/* another kernel's lwp: refused, the binding stays */
			struct kslot *o = &s->ks[(s->cur + 1) % s->nk];
			struct lwp *before = rump_pub_lwproc_curlwp();
			if (o->k != NULL && o->nlwps > 0) {
				rump_pub_lwproc_switch(o->lwps[b % o->nlwps]);
				if (rump_pub_lwproc_curlwp() != before)
					fail(s, "lwproc_switch accepted another kernel's lwp");
			}
		} else {
			rump_pub_lwproc_switch(NULL);
		}
		if (fz_sys_trace)
			fprintf(stderr, "fz k%d switch %u -> %p\n", s->cur, b,
			    (void *)rump_pub_lwproc_curlwp());
		break;
	case 24: {
		struct lwp *l = rump_pub_lwproc_curlwp();
		if (fz_sys_trace)
			fprintf(stderr, "fz k%d releaselwp %p\n", s->cur, (void *)l);
		if (l != NULL)
			lwp_forget(ks, l);
		rump_pub_lwproc_releaselwp();
		break;
	}
	}
}

/* ---------------------------------------------------------------- memory builders */

static void
poke_a(struct state *s)
{
	size_t off = uN(&s->r, 2) % FZ_ZA_SIZE, n = u8(&s->r), i;

	for (i = 0; i < n && off + i < FZ_ZA_SIZE; i++)
		fz_mem.za[off + i] = u8(&s->r);
}

static void
poke_b(struct state *s)
{
	size_t off = (uN(&s->r, 2) % FZ_ZB_SIZE) & ~(size_t)7, n = u8(&s->r) % 64, i;

	for (i = 0; i < n && off + 8 * i < FZ_ZB_SIZE; i++) {
		uint64_t v = uN(&s->r, 8);
		memcpy(fz_mem.zb + off + 8 * i, &v, 8);
	}
}

static uint64_t
za_ptr(size_t off)
{
	return (uint64_t)(uintptr_t)(fz_mem.za + off % FZ_ZA_SIZE);
}

/* iovecs (NetBSD: base, len; 16 bytes) at zone B slot */
static void
build_iov(struct state *s)
{
	uint8_t *slot = fz_mem.zb + (u8(&s->r) % 16) * 1024;
	unsigned n = u8(&s->r) % 9, i;

	for (i = 0; i < n; i++) {
		uint64_t v[2];
		v[0] = za_ptr(uN(&s->r, 2));
		v[1] = uN(&s->r, 2);
		memcpy(slot + 16 * i, v, 16);
	}
}

/* NetBSD struct msghdr: name 0, namelen 8, iov 16, iovlen 24, control 32,
 * controllen 40, flags 44 (48 bytes) */
static void
build_msghdr(struct state *s)
{
	uint8_t *slot = fz_mem.zb + (u8(&s->r) % 16) * 1024;
	uint64_t name, iov, control;
	uint32_t namelen, iovlen, controllen, flags;
	uint8_t b;

	b = u8(&s->r);
	name = b == 0 ? 0 : (uint64_t)(uintptr_t)(fz_mem.za + SA_BASE + (b % 8) * 1024);
	namelen = u8(&s->r);
	b = u8(&s->r);
	iov = b == 0xff ? 0 : (uint64_t)(uintptr_t)(fz_mem.zb + (b % 16) * 1024);
	iovlen = u8(&s->r) % 10;
	b = u8(&s->r);
	control = b == 0 ? 0 : za_ptr((size_t)b * 64);
	controllen = (uint32_t)uN(&s->r, 2);
	flags = u8(&s->r);
	memcpy(slot + 0, &name, 8);
	memcpy(slot + 8, &namelen, 4);
	memcpy(slot + 16, &iov, 8);
	memcpy(slot + 24, &iovlen, 4);
	memcpy(slot + 32, &control, 8);
	memcpy(slot + 40, &controllen, 4);
	memcpy(slot + 44, &flags, 4);
}

/* cmsghdr (len 4, level 4, type 4), data at 16 (NetBSD aligns to 8): SCM_RIGHTS */
static void
build_rights(struct state *s)
{
	size_t off = ((size_t)u8(&s->r) * 64) % FZ_ZA_SIZE;
	unsigned n = u8(&s->r) % 8, i;
	uint32_t h[3] = { 16 + 4 * n, 0xffff /* SOL_SOCKET */, 1 /* SCM_RIGHTS */ };
	uint8_t *p = fz_mem.za + off;

	if (off + 16 + 4 * n > FZ_ZA_SIZE)
		return;
	memcpy(p, h, sizeof(h));
	for (i = 0; i < n; i++) {
		int32_t fd = (int32_t)s->fds[u8(&s->r) % 8];
		memcpy(p + 16 + 4 * i, &fd, 4);
	}
}

/* ---------------------------------------------------------------- the bystander */

static struct rumpus_kernel *bystander;
static size_t bystander_mem;
static const char canary[] = "the bystander kernel's file: nobody else may change it";
static register_t by_fd, by_sock;

static int
by_call(int num, register_t a0, register_t a1, register_t a2, register_t a3,
    register_t a4, register_t *rv)
{
	register_t a[8] = { a0, a1, a2, a3, a4, 0, 0, 0 };

	return kern_syscall((unsigned)num, a, rv);
}

static int
bystander_init(void)
{
	const char *comps[] = { "vfs", "fs.tmpfs", "net", "net.local", NULL };
	register_t rv[2];
	int sv[2], err;
	struct rumpus_kernel *old;

	bystander = rumpus_kernel_create(comps, NULL, &err);
	if (bystander == NULL)
		return -1;
	old = rumpus_kernel_switch(bystander);
	if (by_call(SYS_open, ptr("/canary"), O_RDWR | O_CREAT, 0644, 0, 0, rv) != 0)
		return -1;
	by_fd = rv[0];
	if (by_call(SYS_write, by_fd, ptr(canary), sizeof(canary), 0, 0, rv) != 0)
		return -1;
	if (by_call(SYS_socketpair, FZ_AF_LOCAL, 1, 0, ptr(sv), 0, rv) != 0)
		return -1;
	by_sock = sv[1];
	if (by_call(SYS_write, sv[0], ptr(canary), 10, 0, 0, rv) != 0)
		return -1;
	rumpus_kernel_switch(old);
	bystander_mem = rumpus_kernel_memused(bystander);
	return 0;
}

static void
bystander_check(struct state *s)
{
	char buf[sizeof(canary) + 8];
	register_t rv[2];
	struct rumpus_kernel *old = rumpus_kernel_switch(bystander);

	if (rumpus_kernel_memused(bystander) != bystander_mem)
		fail(s, "bystander kernel's memory changed: %zu -> %zu", bystander_mem,
		    rumpus_kernel_memused(bystander));
	memset(buf, 0, sizeof(buf));
	if (by_call(SYS_pread, by_fd, ptr(buf), sizeof(buf), 0, 0, rv) != 0 ||
	    rv[0] != sizeof(canary) || memcmp(buf, canary, sizeof(canary)) != 0)
		fail(s, "bystander kernel's file changed");
	memset(buf, 0, sizeof(buf));
	if (by_call(SYS_recvfrom, by_sock, ptr(buf), sizeof(buf), 2 /* MSG_PEEK */ |
	    FZ_MSG_DONTWAIT, 0, rv) != 0 || rv[0] != 10 || memcmp(buf, canary, 10) != 0)
		fail(s, "bystander kernel's socket data changed");
	rumpus_kernel_switch(old);
}

/* ---------------------------------------------------------------- the run */

static int inited;

static int
sys_init(void)
{
	struct rumpus_kernel *k;
	const char *comps[] = { "vfs", "fs.tmpfs", "net", "net.local", NULL };
	int err;

	if (inited)
		return inited > 0 ? 0 : -1;
	inited = -1;
	tables_init();
	if (fz_mem_init() != 0)
		return -1;
	rump_boot_setsigmodel(4);	/* RECORD: EPIPE's SIGPIPE must not end the fuzzer */
	rumpus_clock_virtual(1);
	/* warm up process-wide state (hyper's scheduler, the fault handler) */
	if ((k = rumpus_kernel_create(comps, NULL, &err)) == NULL)
		return -1;
	rumpus_kernel_destroy(k);
	if (bystander_init() != 0)
		return -1;
	inited = 1;
	return 0;
}

static int
sys_run(const uint8_t *data, size_t size, char *msg, size_t msglen, uint8_t *out,
    size_t *outlen)
{
	struct state st;
	struct state *s = &st;
	struct rumpus_memstats m0, m1;
	int i, ops;

	if (sys_init() != 0) {
		snprintf(msg, msglen, "harness setup failed");
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->r.p = data;
	s->r.n = size;
	s->r.out = out;
	s->r.outcap = out != NULL ? *outlen : 0;
	s->msg = msg;
	s->msglen = msglen;
	msg[0] = '\0';
	for (i = 0; i < 8; i++)
		s->fds[i] = i;
	s->pids[0] = 1;
	s->pids[1] = 2;
	s->pids[2] = 3;
	s->pids[3] = -1;
	fz_mem_reset();
	rumpus_memstats(&m0);

	s->nk = 1 + u8(&s->r) % FZ_MAXK;
	for (i = 0; i < s->nk; i++) {
		s->ks[i].cfg = u8(&s->r);
		s->ks[i].k = boot(s->ks[i].cfg);
	}
	s->two = (s->ks[0].cfg & 0x80) != 0;
	s->cur = -1;
	enter_live(s, 0);
	for (ops = 0; ops < FZ_MAXOPS && s->r.off < s->r.n && s->cur >= 0 && !s->failed;
	    ops++) {
		uint8_t op = u8(&s->r) % 32;
		if (is_sysop(op)) {
			sys_op(s, op);
		} else if (op == 20) {
			enter_live(s, u8(&s->r) % s->nk);
		} else if (op <= 24) {
			lwproc_op(s, op);
		} else if (op == 25) {
			poke_a(s);
		} else if (op == 26) {
			poke_b(s);
		} else if (op == 27) {
			build_iov(s);
		} else if (op == 28) {
			build_msghdr(s);
		} else if (op == 29) {
			build_rights(s);
		} else {
			int j = u8(&s->r) % s->nk;
			destroy(s, j);
			s->ks[j].k = boot(s->ks[j].cfg);
			enter_live(s, s->cur >= 0 ? s->cur : j);
		}
	}
	rumpus_kernel_switch(NULL);
	for (i = 0; i < s->nk; i++)
		destroy(s, i);
	bystander_check(s);
	rumpus_memstats(&m1);
	if (m1.leaked != m0.leaked)
		fail(s, "kernel destroy found %llu leaked bytes",
		    (unsigned long long)(m1.leaked - m0.leaked));
	else if (m1.bytes != m0.bytes)
		fail(s, "kernel bytes not back: %llu before, %llu after",
		    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	if (outlen != NULL)
		*outlen = s->r.outn;
	return s->failed ? -1 : 0;
}

int
fz_sys_run(const uint8_t *data, size_t size, char *msg, size_t msglen)
{
	return sys_run(data, size, msg, msglen, NULL, NULL);
}

int
fz_sys_canon(const uint8_t *data, size_t size, uint8_t *out, size_t *outlen, char *msg,
    size_t msglen)
{
	return sys_run(data, size, msg, msglen, out, outlen);
}
