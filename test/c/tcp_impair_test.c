/*
 * tcp_impair_test.c: kernels across an impaired bus (issue 10: "TCP transfers stay exact
 * under 5% loss and reordering").  Corrupted UDP datagrams never reach the socket (the
 * receiving stack's checksum drops them); then, under the virtual clock, 12 MB from A to
 * B and 4 MB from B to A at once over a bus with 5% loss, a 1 ms delay that every third
 * frame may skip (netem's reordering), 2% duplication and a little jitter: both byte
 * streams arrive intact (checksums), and the impairment really happened (its counters).
 * The delayed frames are released by the bus's timer on the kernels' clock, so the
 * retransmission timeouts cost no real time.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "tcp_nb.h"
#include "tcp_xfer.h"
#include "rump/rumpus.h"

static struct rumpus_kernel *ka, *kb;

static void *
xfer_thread(void *arg)
{
	uint8_t buf[16384];

	xfer_run(arg, buf, sizeof(buf));
	return NULL;
}

/* UDP: a datagram arrives; with every frame corrupted none does. */
static void
udp_corrupt(void)
{
	struct rumpus_impair bad = { .corrupt = 1 };
	struct rumpus_impair_stats st;
	struct x_sin to = x_sin("10.12.0.2", 7000), me = x_sin("0.0.0.0", 7000);
	char buf[64];
	int sa, sb, i, got = 0;

	rumpus_kernel_switch(kb);
	sb = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rump_sys_bind(sb, (struct sockaddr *)&me, sizeof(me));
	x_nonblock(sb, 1);
	rumpus_kernel_switch(ka);
	sa = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	rump_sys_sendto(sa, "first", 5, 0, (struct sockaddr *)&to, sizeof(to));	/* ARP */
	rumpus_kernel_switch(kb);
	ok(x_poll1(sb, X_POLLIN, 2000) > 0 && rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL,
	    NULL) == 5, "UDP: a datagram across the bus");
	ok(rumpus_bus_impair("tcpimp", NULL, &bad) == 0, "every frame corrupted");
	rumpus_kernel_switch(ka);
	for (i = 0; i < 50; i++)
		rump_sys_sendto(sa, "datagram with a payload", 23, 0, (struct sockaddr *)&to,
		    sizeof(to));
	rumpus_kernel_switch(kb);
	x_poll1(sb, X_POLLIN, 100);
	while (rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL, NULL) > 0)
		got++;
	rumpus_bus_impair_get("tcpimp", NULL, NULL, &st);
	ok(got == 0 && st.corrupted == 50, "50 corrupted datagrams: none reached the socket");
	rumpus_bus_impair("tcpimp", NULL, NULL);
	rumpus_kernel_switch(ka);
	rump_sys_sendto(sa, "again", 5, 0, (struct sockaddr *)&to, sizeof(to));
	rumpus_kernel_switch(kb);
	ok(x_poll1(sb, X_POLLIN, 2000) > 0 && rump_sys_recvfrom(sb, buf, sizeof(buf), 0, NULL,
	    NULL) == 5, "impairment off: datagrams arrive again");
	rump_sys_close(sb);
	rumpus_kernel_switch(ka);
	rump_sys_close(sa);
	rumpus_kernel_switch(NULL);
}

int
main(void)
{
	struct rumpus_impair im = { .loss = 0.05, .delay_ns = 1000000, .jitter_ns = 100000,
	    .reorder = 0.25, .gap = 3, .duplicate = 0.02 };
	struct rumpus_impair_stats st;
	struct xfer x[4];
	pthread_t t[4];
	int l, c1, s1, c2, s2, e, i;
	const size_t big = 12u << 20, small = 4u << 20;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	ka = x_boot(), kb = x_boot();
	rumpus_kernel_switch(ka);
	e = x_ifconfig("shmif0", "tcpimp", "10.12.0.1", 24);
	rumpus_kernel_switch(kb);
	e |= x_ifconfig("shmif0", "tcpimp", "10.12.0.2", 24);
	rumpus_kernel_switch(NULL);
	ok(e == 0, "A and B on one bus");
	udp_corrupt();

	ok(rumpus_bus_impair("tcpimp", NULL, &im) == 0,
	    "5%% loss, 1 ms delay with reordering, 2%% duplication");
	rumpus_kernel_switch(kb);
	l = x_listen("0.0.0.0", 80, 5);
	rumpus_kernel_switch(ka);
	c1 = x_connect("10.12.0.2", 80);
	rumpus_kernel_switch(kb);
	s1 = rump_sys_accept(l, NULL, NULL);
	c2 = x_connect("10.12.0.1", 81);	/* refused: nobody listens */
	ok(c1 >= 0 && s1 >= 0 && c2 < 0 && errno == X_ECONNREFUSED,
	    "connected through the impaired bus (and refused where nobody listens)");
	rumpus_kernel_switch(ka);
	l = x_listen("0.0.0.0", 81, 5);
	rumpus_kernel_switch(kb);
	c2 = x_connect("10.12.0.1", 81);
	rumpus_kernel_switch(ka);
	s2 = rump_sys_accept(l, NULL, NULL);
	rumpus_kernel_switch(NULL);
	x[0] = (struct xfer){ ka, c1, 1, big, 0, 0 };
	x[1] = (struct xfer){ kb, s1, 0, 0, 0, 0 };
	x[2] = (struct xfer){ kb, c2, 1, small, 0, 0 };
	x[3] = (struct xfer){ ka, s2, 0, 0, 0, 0 };
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, xfer_thread, &x[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(x[0].err == 0 && x[1].err == 0 && x[1].n == big && x[1].hash == x[0].hash,
	    "12 MB A -> B intact (errors %d %d, %zu bytes)", x[0].err, x[1].err, x[1].n);
	ok(x[2].err == 0 && x[3].err == 0 && x[3].n == small && x[3].hash == x[2].hash,
	    "4 MB B -> A intact (errors %d %d, %zu bytes)", x[2].err, x[3].err, x[3].n);
	rumpus_bus_impair_get("tcpimp", NULL, NULL, &st);
	ok(st.lost > st.frames / 40 && st.reordered > 100 && st.duplicated > 100,
	    "the link was impaired: %llu frames, %llu lost, %llu sent early, %llu duplicated",
	    (unsigned long long)st.frames, (unsigned long long)st.lost,
	    (unsigned long long)st.reordered, (unsigned long long)st.duplicated);
	/* kernels destroyed while frames wait on their bus: the bus goes, and frees them
	 * (make asan checks nothing leaks) */
	im = (struct rumpus_impair){ .delay_ns = 1000000000 };
	rumpus_bus_impair("tcpimp", NULL, &im);
	rumpus_kernel_switch(ka);
	for (i = 0; i < 20; i++)
		rump_sys_write(c1, "x", 1);
	rump_sys_close(s2);
	rumpus_kernel_switch(kb);
	rump_sys_close(c2);
	rump_sys_close(s1);
	rumpus_kernel_switch(NULL);
	rumpus_bus_impair_get("tcpimp", NULL, NULL, &st);
	ok(st.queued > 0, "%llu frames wait in the delay queue", (unsigned long long)st.queued);
	ok(rumpus_kernel_destroy(ka) == 0 && rumpus_kernel_destroy(kb) == 0, "destroyed");
	ok(rumpus_bus_impair("tcpimp", NULL, NULL) == ENOENT, "the bus went with them");
	return tap_done();
}
