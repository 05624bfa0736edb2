/*
 * fuzz_test.c: random arguments into every syscall the base kernel implements, through
 * the dispatch table: integers from edge values and noise, pointers from NULL, the first
 * page, the user limit, wrap-around and one zero-filled buffer.  The kernel must answer
 * every call with a result or an errno, never crash (ASan/UBSan watch in `make asan`),
 * and destroy must find every byte it allocated.
 *
 * The zero-filled buffer is refilled before each call: a caller's own memory full of wild
 * pointers (iovecs) cannot be checked in-process, so the fuzzer does not create any.
 * Timeouts are forced to zero so that nothing sleeps; reboot is called last.
 */
#include <stdlib.h>

#include "tap.h"
#include "testfile.h"
#include "kern/sysargs_gen.h"

int rump_pub_lwproc_rfork(int);
int rump_pub_lwproc_newlwp(pid_t);
void rump_pub_lwproc_switch(struct lwp *);
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char *zbuf;
#define ZBUF_SIZE (64 * 1024)

/* Under ASan the low and high memory of the process are ASan's shadow: random values
 * that could land there (and pass the range checks) are kept out of that build; the
 * plain build throws them at the fault-catching copies. */
#ifdef __SANITIZE_ADDRESS__
#define WILD32()	((register_t)(rnd() % 4096))
#define WILD64()	((register_t)(rnd() | (1ULL << 47)))
#define WILDS32()	((register_t)-(int32_t)(rnd() % 0x7fffffff) - 1)
#else
#define WILD32()	((register_t)(uint32_t)rnd())
#define WILD64()	((register_t)rnd())
#define WILDS32()	((register_t)(int32_t)rnd())
#endif

static register_t
rnd_arg(void)
{
	switch (rnd() % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return -1;
	case 3: return (register_t)(rnd() % 16);
	case 4: return WILD32();
	case 5: return WILD64();
	case 6: return 8;				/* first page */
	case 7: return (register_t)(uintptr_t)zbuf;
	case 8: return (register_t)(uintptr_t)(zbuf + 1);	/* unaligned */
	case 9: return (register_t)0x7ffffffffff0LL;	/* straddles the user limit */
	case 10: return (register_t)~(uint64_t)0x7;	/* wraps */
	default: return WILDS32();
	}
}

int
main(int argc, char **argv)
{
	struct rumpus_kernel *k;
	struct rumpus_memstats m;
	int nums[KERN_NSYSENT], n = 0, i, err, iters = argc > 1 ? atoi(argv[1]) : 200000;
	unsigned long long calls = 0, errors = 0;

	if (getenv("RUMPUS_SEED") != NULL)
		rng = strtoull(getenv("RUMPUS_SEED"), NULL, 0) | 1;
	diag("seed %#llx (set RUMPUS_SEED to replay another run)", rng);
	zbuf = malloc(ZBUF_SIZE);
	k = rumpus_kernel_create(NULL, NULL, &err);
	rumpus_kernel_switch(k);
	for (i = 0; i < 3; i++)
		tf_open(k);
	for (i = 0; i < KERN_NSYSENT; i++)
		if (kern_sysent[i].sy_call != NULL && (kern_sysent[i].sy_compmask & (1u << COMP_KERN)) &&
		    i != SYS_reboot)
			nums[n++] = i;
	ok(n >= 40, "%d kern syscalls to fuzz", n);

	for (int it = 0; it < iters; it++) {
		register_t args[6], rv[2] = { 0, 0 };
		int num = nums[rnd() % (unsigned)n], e;

		for (i = 0; i < 6; i++)
			args[i] = rnd_arg();
		memset(zbuf, 0, ZBUF_SIZE);
		/* nothing may sleep: timeouts 0, time pointers at zeros or invalid */
		switch (num) {
		case SYS_poll:
			args[2] = 0;
			break;
		case SYS___pollts50:
		case SYS___nanosleep50:
			if (args[0] != 0 && args[0] != 8 && args[0] != (register_t)(uintptr_t)zbuf)
				args[0] = (register_t)(uintptr_t)zbuf;
			if (num == SYS___pollts50)
				args[2] = (register_t)(uintptr_t)zbuf;
			break;
		case SYS___select50:
		case SYS___pselect50:
			args[4] = (register_t)(uintptr_t)zbuf;
			break;
		case SYS_clock_nanosleep:
			args[2] = (register_t)(uintptr_t)zbuf;
			break;
		case SYS___kevent50:
			args[5] = (register_t)(uintptr_t)zbuf;
			break;
		case SYS__ksem_wait:		/* a semaphore at zero would wait for ever */
			num = SYS__ksem_trywait;
			break;
		case SYS__ksem_timedwait:	/* a deadline at the epoch: long past */
			args[1] = (register_t)(uintptr_t)zbuf;
			break;
		}
		e = kern_syscall((unsigned)num, args, rv);
		calls++;
		if (e != 0)
			errors++;
		if (e < 0 || e > ELAST) {
			ok(0, "syscall %d returned %d, not an errno", num, e);
			break;
		}
		/* keep a few descriptors open so there is something to work on */
		if (it % 1000 == 0)
			(void)tf_open(k);
	}
	ok(1, "%llu random calls answered (%llu with an errno), no crash", calls, errors);
	/* lwproc lifecycles at random over two kernels: fork flavours, new lwps, switches to
	 * remembered lwps (some of them released meanwhile are never switched to: a released
	 * lwp is freed, as in NetBSD), releases, kernel switches, a few syscalls */
	{
		struct rumpus_kernel *ks[2] = { k, rumpus_kernel_create(NULL, NULL, &err) };
		struct lwp *live[2][64];
		int nlive[2] = { 0, 0 }, cur = 0, bad = 0;
		unsigned long long ops = 0;

		for (int it = 0; it < iters / 10; it++) {
			int op = (int)(rnd() % 8), e;
			struct lwp *l;

			switch (op) {
			case 0:
			case 1:
				e = rump_pub_lwproc_rfork((int)(rnd() % 4) - (rnd() % 8 == 0));
				if (e == 0 && nlive[cur] < 64)
					live[cur][nlive[cur]++] = rump_pub_lwproc_curlwp();
				else if (e == 0)
					rump_pub_lwproc_releaselwp();
				break;
			case 2:
				e = rump_pub_lwproc_newlwp((pid_t)(rnd() % 12));
				if (e == 0 && nlive[cur] < 64)
					live[cur][nlive[cur]++] = rump_pub_lwproc_curlwp();
				else if (e == 0)
					rump_pub_lwproc_releaselwp();
				break;
			case 3:
				if (nlive[cur] > 0)
					rump_pub_lwproc_switch(live[cur][rnd() % (unsigned)nlive[cur]]);
				break;
			case 4:
				/* release the bound lwp and forget it */
				l = rump_pub_lwproc_curlwp();
				if (l != NULL) {
					for (int j = 0; j < nlive[cur]; j++)
						if (live[cur][j] == l)
							live[cur][j] = live[cur][--nlive[cur]];
					rump_pub_lwproc_releaselwp();
				}
				break;
			case 5:
				rump_pub_lwproc_switch(NULL);
				break;
			case 6:
				cur = (int)(rnd() % 2);
				rumpus_kernel_switch(ks[cur]);
				break;
			default:
				if (rump_sys_getpid() < 1)
					bad++;
				(void)tf_open(ks[cur]);
				(void)rump_sys_close((int)(rnd() % 8));
				(void)rump_sys_setuid((uid_t)(rnd() % 3));
			}
			ops++;
		}
		ok(bad == 0, "%llu random lwproc operations over two kernels, pids always valid", ops);
		rumpus_kernel_switch(ks[1]);
		rump_pub_lwproc_switch(NULL);
		rumpus_kernel_switch(k);
		rump_pub_lwproc_switch(NULL);
		rumpus_kernel_switch(NULL);
		ok(rumpus_kernel_destroy(ks[1]) == 0, "the second kernel is destroyed with what was left");
		rumpus_kernel_switch(k);
	}
	{
		register_t args[6] = { 0, 0, 0, 0, 0, 0 }, rv[2];
		int e = kern_syscall(SYS_reboot, args, rv);
		ok(e == 0 || e == EPERM, "reboot at the end: %d", e);
	}
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy after the storm");
	rumpus_memstats(&m);
	ok(m.bytes == 0 && m.leaked == 0, "every kernel byte freed (%llu)", (unsigned long long)m.bytes);
	free(zbuf);
	return tap_done();
}
