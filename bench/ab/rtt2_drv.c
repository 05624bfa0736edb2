/*
 * rtt2_drv.c: one commit's side of bench/ab/rtt2_ab.sh, linked with that commit's
 * librumpus.a into a library of its own.  drv_init boots two kernels on a bus with a UDP
 * socket each; drv_batch runs n two-thread round trips of 64 bytes (a server thread in
 * kernel b answers; this thread, in kernel a, is the client) and puts each trip's ns in
 * lat[].  Both return 0 or an error number.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "inet_nb.h"

#define EXPORT		__attribute__((visibility("default")))
#define NB_SOL_SOCKET	0xffff
#define NB_SO_RCVTIMEO	0x100c
struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
	int32_t pad;
};

static struct rumpus_kernel *ka, *kb;
static int fa, fb;
static struct x_sin aa, ab;

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *
server(void *arg)
{
	char buf[2048];
	long r;

	(void)arg;
	rumpus_kernel_switch(kb);
	while ((r = rump_sys_recvfrom(fb, buf, sizeof(buf), 0, NULL, NULL)) > 1)
		(void)rump_sys_sendto(fb, buf, (size_t)r, 0, (struct sockaddr *)&aa, sizeof(aa));
	rumpus_kernel_switch(NULL);
	return NULL;
}

EXPORT int
drv_batch(double *lat, int n)
{
	char m[64], buf[2048];
	pthread_t t;
	int e = 0;

	memset(m, 'm', sizeof(m));
	if (pthread_create(&t, NULL, server, NULL) != 0)
		return EAGAIN;
	rumpus_kernel_switch(ka);
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();

		if (rump_sys_sendto(fa, m, sizeof(m), 0, (struct sockaddr *)&ab, sizeof(ab)) !=
		    sizeof(m) || rump_sys_recvfrom(fa, buf, sizeof(buf), 0, NULL, NULL) != sizeof(m)) {
			e = errno ? errno : EIO;
			break;
		}
		lat[i] = (double)(now_ns() - t0);
	}
	(void)rump_sys_sendto(fa, "q", 1, 0, (struct sockaddr *)&ab, sizeof(ab));
	rumpus_kernel_switch(NULL);
	pthread_join(t, NULL);
	return e;
}

static int
end(struct rumpus_kernel *k, const char *bus, const char *a, struct x_sin *sin, int *fd)
{
	struct nb_timeval tv = { 2, 0, 0 };

	rumpus_kernel_switch(k);
	*sin = x_sin(a, 5001);
	if (x_ifconfig("shmif0", bus, a, 24) != 0 ||
	    (*fd = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0)) < 0 ||
	    rump_sys_bind(*fd, (struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    rump_sys_setsockopt(*fd, NB_SOL_SOCKET, NB_SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		return errno ? errno : EIO;
	rumpus_kernel_switch(NULL);
	return 0;
}

EXPORT int
drv_init(const char *bus)
{
	int e;

	if ((ka = x_boot()) == NULL || (kb = x_boot()) == NULL)
		return ENOMEM;
	if ((e = end(ka, bus, "10.9.0.1", &aa, &fa)) != 0 ||
	    (e = end(kb, bus, "10.9.0.2", &ab, &fb)) != 0)
		return e;
	return 0;
}
