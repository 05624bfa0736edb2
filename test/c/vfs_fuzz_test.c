/*
 * vfs_fuzz_test.c: random arguments into every VFS syscall (and pipe2, flock,
 * fpathconf) of a kernel with vfs and fs.tmpfs.  Path arguments point at a rotating set
 * of real paths so that lookups, creations, renames and mounts really happen; other
 * arguments come from edge values, noise and bad pointers.  Every call must come back
 * with a result or a NetBSD errno, ASan/UBSan must stay quiet (make asan), and destroy
 * must free every byte.  Calls that could sleep forever are made non-blocking: open and
 * openat get O_NONBLOCK (fifos), flock gets LOCK_NB.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

static unsigned long long rng = 0x2545f4914f6cdd1dULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define BUFSZ (64 * 1024)
static char *buf;		/* [0..1024) path A, [1024..2048) path B, rest zeros */

static const char *const paths[] = {
	"/", "/a", "/a/b", "/a/b/c", "a", "b/../a", "/fifo", "/lnk", "/lnk/x", "/mnt",
	"/mnt/f", "..", ".", "", "/a/", "//a//b", "/nonexistent/x", "/mnt/sub", "/loop",
	"/a/b/c/d/e", "/file", "/file/", "/dev0",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* Under ASan the low and high memory are ASan's shadow: random values that pass the
 * range checks could land there, so that build draws them from safe ranges only. */
#ifdef __SANITIZE_ADDRESS__
#define WILD32()	((register_t)(rnd() % 4096))
#define WILDS32()	((register_t)-(int32_t)(rnd() % 0x7fffffff) - 1)
#else
#define WILD32()	((register_t)(uint32_t)rnd())
#define WILDS32()	((register_t)(int32_t)rnd())
#endif

static register_t
rnd_arg(void)
{
	switch (rnd() % 14) {
	case 0: return 0;
	case 1: return 1;
	case 2: return -1;
	case 3: return (register_t)(rnd() % 16);
	case 4: return WILD32();
	case 5: return (register_t)(rnd() % 4096);
	case 6: return 8;				/* first page */
	case 7: case 8: return (register_t)(uintptr_t)buf;
	case 9: case 10: return (register_t)(uintptr_t)(buf + 1024);
	case 11: return (register_t)(uintptr_t)(buf + 4096);	/* zeros, room for output */
	case 12: return (register_t)0x7ffffffffff0LL;	/* straddles the user limit */
	default: return WILDS32();
	}
}

static void
setup(void)
{
	register_t a[6], rv[2];
	static const char *dirs[] = { "/a", "/a/b", "/a/b/c", "/mnt" };
	size_t i;

	for (i = 0; i < 4; i++) {
		strcpy(buf, dirs[i]);
		a[0] = (register_t)(uintptr_t)buf;
		a[1] = 0755;
		kern_syscall(SYS_mkdir, a, rv);
	}
	strcpy(buf, "/fifo");
	a[0] = (register_t)(uintptr_t)buf;
	a[1] = 0666;
	kern_syscall(SYS_mkfifo, a, rv);
	strcpy(buf, "/a/b");
	strcpy(buf + 1024, "/lnk");
	a[1] = (register_t)(uintptr_t)(buf + 1024);
	kern_syscall(SYS_symlink, a, rv);
	strcpy(buf, "/loop");
	strcpy(buf + 1024, "/loop");
	kern_syscall(SYS_symlink, a, rv);
}

int
main(int argc, char **argv)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	int nums[KERN_NSYSENT], n = 0, i, err, iters = argc > 1 ? atoi(argv[1]) : 100000;
	unsigned long long calls = 0, errors = 0;
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k;
	int bad = 0;

	if (getenv("RUMPUS_SEED") != NULL)
		rng = strtoull(getenv("RUMPUS_SEED"), NULL, 0) | 1;
	diag("seed %#llx (set RUMPUS_SEED to replay another run)", rng);
	rumpus_memstats(&m0);
	buf = calloc(1, BUFSZ);
	k = rumpus_kernel_create(comps, NULL, &err);
	rumpus_kernel_switch(k);
	setup();
	for (i = 0; i < KERN_NSYSENT; i++)
		if (kern_sysent[i].sy_call != NULL &&
		    ((kern_sysent[i].sy_compmask & (1u << COMP_VFS)) || i == SYS_pipe2 ||
		    i == SYS_flock || i == SYS_fpathconf))
			nums[n++] = i;
	ok(n >= 60, "%d vfs syscalls to fuzz", n);

	for (int it = 0; it < iters; it++) {
		register_t args[8], rv[2] = { 0, 0 };
		int num = nums[rnd() % (unsigned)n], e;

		memset(buf, 0, BUFSZ);
		strcpy(buf, paths[rnd() % NPATHS]);
		strcpy(buf + 1024, paths[rnd() % NPATHS]);
		for (i = 0; i < 8; i++)
			args[i] = rnd_arg();
		switch (num) {
		case SYS_open:
			args[1] |= O_NONBLOCK;
			break;
		case SYS_openat:
			args[2] |= O_NONBLOCK;
			break;
		case SYS_flock:
			args[1] |= 4;		/* LOCK_NB */
			break;
		/* output sizes must not exceed the buffer: a caller lying about its own
		 * memory cannot be caught in-process */
		case SYS___getcwd:
		case SYS_getvfsstat:
			args[1] = (register_t)(rnd() % 8192);
			break;
		case SYS_pread:
			args[2] = (register_t)(rnd() % 8192);
			break;
		case SYS_preadv:
		case SYS_pwritev:	/* iovecs only from zeroed memory */
			if (args[1] == (register_t)(uintptr_t)buf ||
			    args[1] == (register_t)(uintptr_t)(buf + 1024))
				args[1] = (register_t)(uintptr_t)(buf + 4096);
			break;
		case SYS___getdents30:
		case SYS_readlink:
			args[2] = (register_t)(rnd() % 8192);
			break;
		case SYS_readlinkat:
			args[3] = (register_t)(rnd() % 8192);
			break;
		case SYS___mount50:
			if (rnd() % 2) {	/* often a real tmpfs mount */
				static const int ta[10] = { 1 };
				strcpy(buf + 1024, "tmpfs");
				memcpy(buf + 8192, ta, sizeof(ta));
				args[0] = (register_t)(uintptr_t)(buf + 1024);
				args[1] = (register_t)(uintptr_t)buf;
				args[3] = (register_t)(uintptr_t)(buf + 8192);
				args[4] = 40;
			}
			break;
		}
		if (getenv("VFS_FUZZ_TRACE")) { fprintf(stderr, "%d: %d %s|%s %lx %lx %lx %lx %lx\n", it, num, buf, buf + 1024, (long)args[0], (long)args[1], (long)args[2], (long)args[3], (long)args[4]); fflush(stderr); }
		e = kern_syscall((unsigned)num, args, rv);
		calls++;
		if (e != 0)
			errors++;
		if (e < 0 || e > ELAST) {
			ok(0, "syscall %d returned %d, not an errno", num, e);
			bad = 1;
			break;
		}
	}
	ok(!bad, "%llu random calls answered (%llu with an errno), no crash", calls, errors);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy after the storm");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == 0, "every kernel byte freed (%llu -> %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	free(buf);
	return tap_done();
}
