/*
 * bench/getpid.c: the C baseline for bench/host.lua.  Times, in ns per call, the same
 * operations that host.lua times through require "syscall": syscall(SYS_getpid), getpid(),
 * a 4 KiB read from /dev/zero, a 4 KiB write to /dev/null, open+close of /dev/null.
 * Each figure is the best of ROUNDS rounds of a fixed number of calls, timed with
 * clock_gettime(CLOCK_MONOTONIC).
 *
 *   getpid [-t] [-s SCALE]    -t: "name<TAB>ns" lines for host.lua; SCALE multiplies the
 *                             number of calls (default 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	5

static int zfd = -1, nfd = -1;
static char buf[4096];
static volatile long sink;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
op_syscall_getpid(void)
{
	sink = syscall(SYS_getpid);
}

static void
op_getpid(void)
{
	sink = getpid();
}

static void
op_read(void)
{
	if (read(zfd, buf, sizeof buf) != (ssize_t)sizeof buf) {
		perror("read /dev/zero");
		exit(1);
	}
}

static void
op_write(void)
{
	if (write(nfd, buf, sizeof buf) != (ssize_t)sizeof buf) {
		perror("write /dev/null");
		exit(1);
	}
}

static void
op_openclose(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("open /dev/null");
		exit(1);
	}
	close(fd);
}

static const struct bench {
	const char *name;
	void (*fn)(void);
	long calls;
} benches[] = {
	{ "syscall(SYS_getpid)", op_syscall_getpid, 500000 },
	{ "getpid()", op_getpid, 500000 },
	{ "read 4 KiB /dev/zero", op_read, 100000 },
	{ "write 4 KiB /dev/null", op_write, 100000 },
	{ "open+close /dev/null", op_openclose, 30000 },
};

static double
measure(const struct bench *b, long calls)
{
	double best = 1e300;

	for (long i = 0; i < calls / 100 + 1; i++)	/* warm up */
		b->fn();
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now();
		for (long i = 0; i < calls; i++)
			b->fn();
		double dt = (now() - t0) / calls;
		if (dt < best)
			best = dt;
	}
	return best;
}

int
main(int argc, char **argv)
{
	int tsv = 0;
	double scale = 1;
	int c;

	while ((c = getopt(argc, argv, "ts:")) != -1) {
		switch (c) {
		case 't':
			tsv = 1;
			break;
		case 's':
			scale = strtod(optarg, NULL);
			if (scale <= 0) {
				fprintf(stderr, "getpid: bad scale '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: getpid [-t] [-s SCALE]\n");
			return 2;
		}
	}
	zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (zfd < 0 || nfd < 0) {
		fprintf(stderr, "getpid: open /dev/zero, /dev/null: %s\n", strerror(errno));
		return 1;
	}
	if (!tsv)
		printf("C baseline (best of %d):\n", ROUNDS);
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		long calls = (long)(benches[i].calls * scale);
		double ns = measure(&benches[i], calls > 0 ? calls : 1);
		if (tsv)
			printf("%s\t%.1f\n", benches[i].name, ns);
		else
			printf("  %-40s %8.1f ns\n", benches[i].name, ns);
	}
	close(zfd);
	close(nfd);
	return 0;
}
