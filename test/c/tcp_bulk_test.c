/*
 * tcp_bulk_test.c: TCP at scale, through a router kernel (A - R - B, two buses):
 * 100 MB from A to B with a checksum (one thread driving both ends), 16 MB each way at
 * once from four threads (a sender and a receiver per kernel, blocking calls), and
 * 1,000 concurrent connections each echoing a byte, then closed, their TIME_WAITs
 * expired, and the kernels' memory back where it was.
 */
#include <pthread.h>
#include <time.h>

#include "tap.h"
#include "tcp_nb.h"
#include "tso_xfer.h"

static struct rumpus_kernel *ka, *kr, *kb;

/* ---- one thread, 100 MB (tso_xfer.h's xfer1), timed */
static int
bulk1(int c, int s, size_t total, double *secs)
{
	struct timespec r0, r1;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &r0);
	e = xfer1(ka, c, kb, s, total);
	clock_gettime(CLOCK_MONOTONIC, &r1);
	*secs = (double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) / 1e9;
	return e;
}

/* ---- threads: a sender and a receiver in each kernel (tcp_xfer.h's xfer_run) */
static void *
xfer_thread(void *arg)
{
	uint8_t buf[16384];

	xfer_run(arg, buf, sizeof(buf));
	return NULL;
}

#define NCONN 1000

int
main(void)
{
	static int cc[NCONN], ss[NCONN];
	struct rumpus_memstats m0, m1;
	size_t ua0, ub0;
	double secs = 0;
	int one = 1, l, c, s, e, i, n;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	rumpus_memstats(&m0);
	ka = x_boot(), kr = x_boot(), kb = x_boot();
	ok(ka && kr && kb, "A, R, B");
	rumpus_kernel_switch(kr);
	e = x_ifconfig("shmif0", "tcpbulk1", "10.5.1.1", 24);
	e = e ? e : x_ifconfig("shmif1", "tcpbulk2", "10.5.2.1", 24);
	e = e ? e : x_sysctl_ip(X_IPCTL_FORWARDING, NULL, &one);
	ok(e == 0, "R: 10.5.1.1 and 10.5.2.1, forwarding (%d)", e);
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "tcpbulk1", "10.5.1.2", 24);
	e = e ? e : x_route(X_RTM_ADD, "0.0.0.0", 0, "10.5.1.1", X_RTF_GATEWAY | X_RTF_STATIC, NULL, 0);
	e = e ? e : x_maxfiles(2048);
	ok(e == 0, "A: 10.5.1.2, default via R, 2048 files (%d)", e);
	rumpus_kernel_switch(kb);
	e = x_ifconfig("shmif0", "tcpbulk2", "10.5.2.2", 24);
	e = e ? e : x_route(X_RTM_ADD, "0.0.0.0", 0, "10.5.2.1", X_RTF_GATEWAY | X_RTF_STATIC, NULL, 0);
	e = e ? e : x_maxfiles(2048);
	ok(e == 0, "B: 10.5.2.2, default via R (%d)", e);
	l = x_listen("0.0.0.0", 80, 128);
	ok(l >= 0, "B listens");

	/* 100 MB, one thread */
	rumpus_kernel_switch(ka);
	c = x_connect("10.5.2.2", 80);
	rumpus_kernel_switch(kb);
	s = rump_sys_accept(l, NULL, NULL);
	ok(c >= 0 && s >= 0, "A connects to B through R");
	e = bulk1(c, s, 100u << 20, &secs);
	ok(e == 0, "100 MB A -> B through R, checksums equal (%d)", e);
	diag("100 MB in %.3f s (real time, %.0f MB/s)", secs, 100 / secs);
	rumpus_kernel_switch(ka);
	rump_sys_close(c);
	rumpus_kernel_switch(kb);
	rump_sys_close(s);

	/* threads: 16 MB each way at once */
	{
		int c1, s1, c2, s2;
		struct xfer x[4];
		pthread_t t[4];

		rumpus_kernel_switch(ka);
		c1 = x_connect("10.5.2.2", 80);
		c2 = x_connect("10.5.2.2", 80);
		rumpus_kernel_switch(kb);
		s1 = rump_sys_accept(l, NULL, NULL);
		s2 = rump_sys_accept(l, NULL, NULL);
		x[0] = (struct xfer){ ka, c1, 1, 16u << 20, 0, 0 };
		x[1] = (struct xfer){ kb, s1, 0, 0, 0, 0 };
		x[2] = (struct xfer){ kb, s2, 1, 16u << 20, 0, 0 };
		x[3] = (struct xfer){ ka, c2, 0, 0, 0, 0 };
		rumpus_kernel_switch(NULL);
		for (i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, xfer_thread, &x[i]);
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		ok(x[0].err == 0 && x[1].err == 0 && x[1].n == 16u << 20 && x[0].hash == x[1].hash,
		    "thread in A sends 16 MB, thread in B receives them (errors %d %d, %zu bytes)",
		    x[0].err, x[1].err, x[1].n);
		ok(x[2].err == 0 && x[3].err == 0 && x[3].n == 16u << 20 && x[2].hash == x[3].hash,
		    "and at the same time B -> A (errors %d %d, %zu bytes)", x[2].err, x[3].err, x[3].n);
		rumpus_kernel_switch(ka);
		rump_sys_close(c1);
		rump_sys_close(c2);
		rumpus_kernel_switch(kb);
		rump_sys_close(s1);
		rump_sys_close(s2);
	}

	/* path MTU: R's link to B carries 1000 bytes; DF segments get ICMP needfrag */
	{
		struct x_ifreq ifr;
		int t, mss;

		rumpus_kernel_switch(kr);
		t = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.name, "shmif1");
		ifr.u.mtu = 1000;
		ok(rump_sys_ioctl(t, X_SIOCSIFMTU, &ifr) == 0, "R: shmif1 MTU 1000");
		rumpus_kernel_switch(ka);
		c = x_connect("10.5.2.2", 80);
		rumpus_kernel_switch(kb);
		s = rump_sys_accept(l, NULL, NULL);
		rumpus_kernel_switch(ka);
		mss = x_getint(c, X_IPPROTO_TCP, X_TCP_MAXSEG);
		ok(mss == 1460 - 12, "A starts with the MSS of its own link (%d)", mss);
		e = bulk1(c, s, 1u << 20, &secs);
		ok(e == 0, "1 MB through the narrow link, intact (%d)", e);
		rumpus_kernel_switch(ka);
		mss = x_getint(c, X_IPPROTO_TCP, X_TCP_MAXSEG);
		ok(mss == 1000 - 40 - 12, "path MTU discovery: segments of %d bytes now", mss);
		rump_sys_close(c);
		rumpus_kernel_switch(kb);
		rump_sys_close(s);
		rumpus_kernel_switch(kr);
		ifr.u.mtu = 1500;
		rump_sys_ioctl(t, X_SIOCSIFMTU, &ifr);
		rump_sys_close(t);
	}

	/* 1,000 concurrent connections through R */
	rumpus_kernel_switch(ka);
	x_sleep_ms(61000);		/* TIME_WAITs of the above go */
	s = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
	rump_sys_dup2(s, 1500);		/* the descriptor tables grow now, not in the count */
	rump_sys_close(1500);
	rump_sys_close(s);
	ua0 = rumpus_kernel_memused(ka);
	rumpus_kernel_switch(kb);
	rump_sys_dup2(l, 1500);
	rump_sys_close(1500);
	ub0 = rumpus_kernel_memused(kb);
	{
		struct x_sin to = x_sin("10.5.2.2", 80);
		int accepted = 0, connected = 0;

		/* in batches of 50 that complete before the next starts, so that B's listen
		 * queue (backlog 128) never overflows: what a full queue does is
		 * tcp_synflood_test's subject; here all 1,000 stay open together */
		for (i = 0; i < NCONN; i++) {
			rumpus_kernel_switch(ka);
			cc[i] = rump_sys_socket(X_AF_INET, X_SOCK_STREAM, 0);
			x_nonblock(cc[i], 1);
			rump_sys_connect(cc[i], (struct sockaddr *)&to, sizeof(to));
			if (i % 50 == 49 || i == NCONN - 1) {
				int j;

				for (j = i - i % 50; j <= i; j++) {
					/* B accepts while A waits */
					rumpus_kernel_switch(kb);
					x_nonblock(l, 1);
					while (accepted < NCONN &&
					    (s = rump_sys_accept(l, NULL, NULL)) >= 0)
						ss[accepted++] = s;
					rumpus_kernel_switch(ka);
					if (x_poll1(cc[j], X_POLLOUT, 60000) == X_POLLOUT &&
					    x_getint(cc[j], X_SOL_SOCKET, X_SO_ERROR) == 0)
						connected++;
				}
			}
		}
		rumpus_kernel_switch(kb);
		while (accepted < NCONN && x_poll1(l, X_POLLIN, 60000) == X_POLLIN)
			while (accepted < NCONN && (s = rump_sys_accept(l, NULL, NULL)) >= 0)
				ss[accepted++] = s;
		ok(connected == NCONN && accepted == NCONN, "%d connected, %d accepted", connected,
		    accepted);
		diag("memory per connection: A %zu bytes, B %zu bytes",
		    (rumpus_kernel_memused(ka) - ua0) / NCONN, (rumpus_kernel_memused(kb) - ub0) / NCONN);
		/* each client writes its index; the server echoes it */
		rumpus_kernel_switch(ka);
		for (i = 0; i < NCONN; i++)
			rump_sys_write(cc[i], &i, sizeof(i));
		rumpus_kernel_switch(kb);
		n = 0;
		for (i = 0; i < accepted; i++) {
			int v = -1;
			if (rump_sys_read(ss[i], &v, sizeof(v)) == sizeof(v) &&
			    rump_sys_write(ss[i], &v, sizeof(v)) == sizeof(v))
				n++;
		}
		ok(n == NCONN, "B echoes on all of them (%d)", n);
		rumpus_kernel_switch(ka);
		n = 0;
		for (i = 0; i < NCONN; i++) {
			int v = -1;
			if (rump_sys_read(cc[i], &v, sizeof(v)) == sizeof(v) && v == i)
				n++;
			rump_sys_close(cc[i]);
		}
		ok(n == NCONN, "every client reads its own number back (%d)", n);
		rumpus_kernel_switch(kb);
		n = 0;
		for (i = 0; i < accepted; i++) {
			char ch;
			if (rump_sys_read(ss[i], &ch, 1) == 0)
				n++;
			rump_sys_close(ss[i]);
		}
		ok(n == NCONN, "B sees every EOF (%d)", n);
	}
	rumpus_kernel_switch(ka);
	x_sleep_ms(61000);
	ok(rumpus_kernel_memused(ka) == ua0, "A: after TIME_WAIT, memory as before (%zd)",
	    (ssize_t)(rumpus_kernel_memused(ka) - ua0));
	rumpus_kernel_switch(kb);
	ok(rumpus_kernel_memused(kb) <= ub0, "B: memory as before (%zd)",
	    (ssize_t)(rumpus_kernel_memused(kb) - ub0));
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0 &&
	    rumpus_kernel_destroy(kr) == 0, "kernels destroyed");
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no bytes left behind (%lld)",
	    (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
