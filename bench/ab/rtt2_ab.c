/*
 * rtt2_ab.c: bench/ab/rtt2_ab.sh's main program.  rtt2_ab ROUNDS DRIVER.so...: loads each
 * driver (rtt2_drv.c linked with one commit's librumpus.a) into this process, and runs
 * interleaved batches of 500 two-thread round trips of every driver and of two Linux
 * processes on loopback (a forked server); prints p50 and p99 of every trip, and each
 * against Linux.  LOAD=n in the environment: n spinning processes during the batches.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { N = 500, MAXV = 8 };

static int la, lb;
static struct sockaddr_in sla, slb;

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
linux_batch(double *lat, int n)
{
	char m[64], buf[2048];
	pid_t p;
	long r;

	memset(m, 'm', sizeof(m));
	if ((p = fork()) < 0)
		return 1;
	if (p == 0) {
		while ((r = recv(lb, buf, sizeof(buf), 0)) > 1)
			(void)sendto(lb, buf, (size_t)r, 0, (struct sockaddr *)&sla, sizeof(sla));
		_exit(0);
	}
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();

		if (sendto(la, m, sizeof(m), 0, (struct sockaddr *)&slb, sizeof(slb)) != sizeof(m) ||
		    recv(la, buf, sizeof(buf), 0) != sizeof(m))
			return 1;
		lat[i] = (double)(now_ns() - t0);
	}
	(void)sendto(la, "q", 1, 0, (struct sockaddr *)&slb, sizeof(slb));
	waitpid(p, NULL, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	int (*batch[MAXV])(double *, int);
	double *res[MAXV + 1], w[N];
	int rounds, nv = argc - 2, nload, n;
	pid_t lp[64];
	socklen_t l;

	if (argc < 3 || nv > MAXV || (rounds = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: rtt2_ab ROUNDS DRIVER.so...\n");
		return 2;
	}
	for (int v = 0; v < nv; v++) {
		void *h = dlopen(argv[v + 2], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
		int (*init)(const char *);
		char bus[32];

		if (h == NULL)
			return fprintf(stderr, "%s\n", dlerror()), 1;
		init = (int (*)(const char *))dlsym(h, "drv_init");
		batch[v] = (int (*)(double *, int))dlsym(h, "drv_batch");
		snprintf(bus, sizeof(bus), "abbus%d", v);
		if (init == NULL || batch[v] == NULL || init(bus) != 0)
			return fprintf(stderr, "%s: init failed\n", argv[v + 2]), 1;
	}
	for (int v = 0; v <= nv; v++)
		res[v] = malloc(sizeof(double) * N * (size_t)rounds);
	la = socket(AF_INET, SOCK_DGRAM, 0);
	lb = socket(AF_INET, SOCK_DGRAM, 0);
	sla.sin_family = slb.sin_family = AF_INET;
	sla.sin_addr.s_addr = slb.sin_addr.s_addr = htonl(0x7f000001);
	if (bind(la, (struct sockaddr *)&sla, sizeof(sla)) != 0 ||
	    bind(lb, (struct sockaddr *)&slb, sizeof(slb)) != 0)
		return perror("bind"), 1;
	l = sizeof(sla);
	getsockname(la, (struct sockaddr *)&sla, &l);
	l = sizeof(slb);
	getsockname(lb, (struct sockaddr *)&slb, &l);
	nload = getenv("LOAD") != NULL ? atoi(getenv("LOAD")) : 0;
	nload = nload < 0 ? 0 : nload > 64 ? 64 : nload;
	for (int i = 0; i < nload; i++)
		if ((lp[i] = fork()) == 0) {
			alarm(120);
			for (volatile long x = 0;; x++)
				;
		}
	for (int v = 0; v < nv; v++)
		if (batch[v](w, N) != 0)
			return fprintf(stderr, "warm-up failed\n"), 1;
	if (linux_batch(w, N) != 0)
		return fprintf(stderr, "warm-up failed\n"), 1;
	for (int r = 0; r < rounds; r++)
		for (int j = 0; j <= nv; j++) {
			int v = (j + r) % (nv + 1);

			if ((v == nv ? linux_batch(res[v] + r * N, N) : batch[v](res[v] + r * N, N)) != 0)
				return fprintf(stderr, "batch failed\n"), 1;
		}
	for (int i = 0; i < nload; i++)
		if (lp[i] > 0) {
			kill(lp[i], SIGKILL);
			waitpid(lp[i], NULL, 0);
		}
	n = N * rounds;
	qsort(res[nv], (size_t)n, sizeof(double), cmpd);
	printf("two Linux processes, loopback   p50 %7.2f us  p99 %7.2f us\n",
	    res[nv][n / 2] / 1e3, res[nv][n * 99 / 100] / 1e3);
	for (int v = 0; v < nv; v++) {
		qsort(res[v], (size_t)n, sizeof(double), cmpd);
		printf("%-32s p50 %7.2f us  p99 %7.2f us  Linux/this: p50 %.2f, p99 %.2f\n",
		    strrchr(argv[v + 2], '/') ? strrchr(argv[v + 2], '/') + 1 : argv[v + 2],
		    res[v][n / 2] / 1e3, res[v][n * 99 / 100] / 1e3,
		    res[nv][n / 2] / res[v][n / 2], res[nv][n * 99 / 100] / res[v][n * 99 / 100]);
	}
	return 0;
}
