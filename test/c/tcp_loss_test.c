/*
 * tcp_loss_test.c: TCP across a lossy link.  The test is a bridge between two buses
 * (a port on each): every frame between kernel A and kernel B passes through it, and a
 * seeded generator drops 5% of the TCP segments, duplicates 1% and delays 5% behind the
 * next frame (reordering).  A thread in each kernel sends 8 MB to the other while a
 * thread in each receives; everything must arrive intact (SACK recovery, NewReno,
 * retransmission timeouts, reassembly and duplicate detection all at work).  The same
 * with SACK off (net.inet.tcp.sack 0).
 *
 * The real clock, with the RTO floor at 20 ms (net.inet.tcp.rexmit_min) and delayed ACKs
 * at 10 ms: the bridge is a host thread, which the virtual clock does not wait for (time
 * would jump through every retransmission while a frame waits in the bridge).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>

#include "tap.h"
#include "tcp_nb.h"
#include "tcp_xfer.h"

#include "net/bus.h"

#define QMAX 4096
struct fq {
	pthread_mutex_t lock;
	uint8_t *buf[QMAX];
	size_t len[QMAX];
	int head, tail;
};
static struct fq q[2];
static struct bus_port port[2];

static void
rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct fq *f = &q[bp == &port[0] ? 0 : 1];
	uint8_t *c = malloc(len);

	if (c == NULL)
		return;
	memcpy(c, frame, len);
	pthread_mutex_lock(&f->lock);
	if (f->tail - f->head < QMAX) {
		f->buf[f->tail % QMAX] = c;
		f->len[f->tail % QMAX] = len;
		f->tail++;
		c = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	free(c);
}

static uint8_t *
qpop(struct fq *f, size_t *len)
{
	uint8_t *c = NULL;

	pthread_mutex_lock(&f->lock);
	if (f->head != f->tail) {
		c = f->buf[f->head % QMAX];
		*len = f->len[f->head % QMAX];
		f->head++;
	}
	pthread_mutex_unlock(&f->lock);
	return c;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static unsigned
rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng >> 11) % 1000;
}

static struct rumpus_kernel *ka, *kb;
static atomic_int done;
static unsigned long ndrop, ndup, nreord, nfwd;

static void *
xfer_thread(void *arg)
{
	uint8_t buf[8192];

	xfer_run(arg, buf, sizeof(buf));
	atomic_fetch_add(&done, 1);
	return NULL;
}

/* Forwards what waits on either side, impaired; returns the frames moved. */
static int
bridge_once(uint8_t **held, size_t *heldlen, int *heldto)
{
	int moved = 0;

	for (int side = 0; side < 2; side++) {
		size_t len;
		uint8_t *f;

		while ((f = qpop(&q[side], &len)) != NULL) {
			int tcp = len >= 34 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 6;
			unsigned r = tcp ? rnd() : 999;

			moved++;
			nfwd++;
			if (r < 50) {			/* 5% lost */
				ndrop++;
				free(f);
				continue;
			}
			if (r < 100 && *held == NULL) {	/* 5% overtaken by the next frame */
				nreord++;
				*held = f, *heldlen = len, *heldto = !side;
				continue;
			}
			bus_xmit(&port[!side], f, len);
			if (r < 110) {			/* 1% twice */
				ndup++;
				bus_xmit(&port[!side], f, len);
			}
			free(f);
			if (*held != NULL) {
				bus_xmit(&port[*heldto], *held, *heldlen);
				free(*held);
				*held = NULL;
			}
		}
	}
	return moved;
}

static int
run(const char *what, int size)
{
	struct xfer x[4];
	pthread_t t[4];
	uint8_t *held = NULL;
	size_t heldlen = 0;
	int heldto = 0, la, lb, c1, s1, c2, s2, i, idle = 0;
	struct timespec d = { 0, 50000 };

	rumpus_kernel_switch(kb);
	lb = x_listen("0.0.0.0", 80, 5);
	x_nonblock(lb, 1);
	rumpus_kernel_switch(ka);
	la = x_listen("0.0.0.0", 80, 5);
	x_nonblock(la, 1);
	/* the connects need the bridge: non-blocking, pumped here */
	c1 = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	x_nonblock(c1, 1);
	struct x_sin to = x_sin("10.11.0.2", 80);
	rump_sys_connect(c1, (struct sockaddr *)&to, sizeof(to));
	rumpus_kernel_switch(kb);
	c2 = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	x_nonblock(c2, 1);
	to = x_sin("10.11.0.1", 80);
	rump_sys_connect(c2, (struct sockaddr *)&to, sizeof(to));
	s1 = s2 = -1;
	for (i = 0; i < 200000 && (s1 < 0 || s2 < 0); i++) {
		bridge_once(&held, &heldlen, &heldto);
		if (held != NULL) {
			bus_xmit(&port[heldto], held, heldlen);
			free(held);
			held = NULL;
		}
		rumpus_kernel_switch(kb);
		if (s1 < 0)
			s1 = rump_sys_accept(lb, NULL, NULL);
		rumpus_kernel_switch(ka);
		if (s2 < 0)
			s2 = rump_sys_accept(la, NULL, NULL);
		if (s1 < 0 || s2 < 0)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (s1 < 0 || s2 < 0) {
		diag("%s: connections not established", what);
		return -1;
	}
	rumpus_kernel_switch(ka);
	x_nonblock(c1, 0);
	x_nonblock(s2, 0);
	rumpus_kernel_switch(kb);
	x_nonblock(c2, 0);
	x_nonblock(s1, 0);
	rumpus_kernel_switch(NULL);
	x[0] = (struct xfer){ ka, c1, 1, (size_t)size, 0, 0 };
	x[1] = (struct xfer){ kb, s1, 0, 0, 0, 0 };
	x[2] = (struct xfer){ kb, c2, 1, (size_t)size, 0, 0 };
	x[3] = (struct xfer){ ka, s2, 0, 0, 0, 0 };
	atomic_store(&done, 0);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, xfer_thread, &x[i]);
	while (atomic_load(&done) < 4) {
		if (bridge_once(&held, &heldlen, &heldto) == 0) {
			if (held != NULL && ++idle > 20) {	/* nothing came after it */
				bus_xmit(&port[heldto], held, heldlen);
				free(held);
				held = NULL;
			}
			nanosleep(&d, NULL);
		} else
			idle = 0;
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	free(held);
	ok(x[0].err == 0 && x[1].err == 0 && x[1].n == (size_t)size && x[1].hash == x[0].hash,
	    "%s: %d bytes A -> B intact (errors %d %d, %zu bytes)", what, size, x[0].err,
	    x[1].err, x[1].n);
	ok(x[2].err == 0 && x[3].err == 0 && x[3].n == (size_t)size && x[3].hash == x[2].hash,
	    "%s: %d bytes B -> A intact (errors %d %d, %zu bytes)", what, size, x[2].err,
	    x[3].err, x[3].n);
	diag("%s: %lu frames, %lu dropped, %lu duplicated, %lu reordered", what, nfwd, ndrop,
	    ndup, nreord);
	rumpus_kernel_switch(ka);
	rump_sys_close(c1);
	rump_sys_close(s2);
	rump_sys_close(la);
	rumpus_kernel_switch(kb);
	rump_sys_close(c2);
	rump_sys_close(s1);
	rump_sys_close(lb);
	rumpus_kernel_switch(NULL);
	return 0;
}

int
main(void)
{
	int zero = 0, e;

	pthread_mutex_init(&q[0].lock, NULL);
	pthread_mutex_init(&q[1].lock, NULL);
	ka = x_boot(), kb = x_boot();
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "tcplossA", "10.11.0.1", 24);
	rumpus_kernel_switch(kb);
	e |= x_ifconfig("shmif0", "tcplossB", "10.11.0.2", 24);
	port[0].bp_rx = rx;
	port[1].bp_rx = rx;
	port[0].bp_promisc = port[1].bp_promisc = 1;	/* a bridge: every frame on its buses */
	e |= bus_attach("tcplossA", &port[0]) | bus_attach("tcplossB", &port[1]);
	{
		int v20 = 20, v1 = 1;
		for (int i = 0; i < 2; i++) {
			rumpus_kernel_switch(i ? kb : ka);
			e |= x_sysctl_tcp(X_TCPCTL_REXMIT_MIN, NULL, &v20);
			e |= x_sysctl_tcp(103, NULL, &v20);		/* rexmit_init */
			e |= x_sysctl_tcp(25, NULL, &v1);		/* delack_ticks */
		}
	}
	rumpus_kernel_switch(NULL);
	ok(e == 0, "A and B on two buses, the test bridging them");
	ok(run("SACK", 8 << 20) == 0, "SACK run done");
	nfwd = ndrop = ndup = nreord = 0;
	rumpus_kernel_switch(ka);
	x_sysctl_tcp(10, NULL, &zero);			/* net.inet.tcp.sack 0 */
	rumpus_kernel_switch(kb);
	x_sysctl_tcp(10, NULL, &zero);
	rumpus_kernel_switch(NULL);
	ok(run("NewReno", 4 << 20) == 0, "NewReno run done");
	bus_detach(&port[0]);
	bus_detach(&port[1]);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "destroyed");
	return tap_done();
}
