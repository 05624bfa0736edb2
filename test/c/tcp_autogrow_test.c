/*
 * tcp_autogrow_test.c: socket-buffer auto-sizing against the kernel's bound of buffer
 * memory (ns_sbbytes_max, half the memory limit), reaching into the kernel:
 *   - sb_autogrow: a growth with room under the bound sets the new size; one whose
 *     increment does not fit, or above sb_max's share, is refused and changes nothing;
 *     shrinking is never auto-sizing's;
 *   - TCP over lo0 in virtual time: with the bound leaving less room than recvbuf_inc, a
 *     round trip that would grow the receive buffer is refused, auto-sizing ends for
 *     that socket (it stays 32 KB after the bound is lifted) and the data still arrives
 *     intact although some segments found no memory (they are taken back and sent
 *     again, not acknowledged and lost); a fresh connection without the bound grows.
 */
#include "tap.h"
#include "inet_util.h"
#include "netinet/tcp_var.h"

/* rump/rump_syscalls.h takes the host's socket headers, which clash with the kernel's
 * above: the calls this test makes, with the kernel's types */
ssize_t rump_sys_read(int, void *, size_t) __asm__("rump___sysimpl_read");
ssize_t rump_sys_write(int, const void *, size_t) __asm__("rump___sysimpl_write");
int rump_sys_close(int) __asm__("rump___sysimpl_close");
int rump_sys_accept(int, void *, uint32_t *) __asm__("rump___sysimpl_accept");
int rump_sys_ioctl(int, unsigned long, ...) __asm__("rump___sysimpl_ioctl");
int rump_sys_connect(int, const void *, uint32_t) __asm__("rump___sysimpl_connect");
int rump_sys_bind(int, const void *, uint32_t) __asm__("rump___sysimpl_bind");
int rump_sys_listen(int, int) __asm__("rump___sysimpl_listen");
int rump_sys_getsockopt(int, int, int, void *, uint32_t *) __asm__("rump___sysimpl_getsockopt");
int rump_sys___sysctl(const int *, unsigned int, void *, size_t *, const void *, size_t)
    __asm__("rump___sysimpl___sysctl");
int rump_sys_socket(int, int, int) __asm__("rump___sysimpl_socket30");

static uint8_t
pat(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 8));
}

static void
units(struct kin *ki)
{
	struct net_state *ns = net_state(ki->k);
	struct sockbuf sb;
	size_t max0 = ns->ns_sbbytes_max;

	memset(&sb, 0, sizeof(sb));
	ok(sb_reserve(ki->k, &sb, 32768) == 0, "a 32 KB buffer");
	ns->ns_sbbytes_max = ns->ns_sbbytes + 10000;
	ok(sb_autogrow(ki->k, &sb, 49152) == ENOBUFS && sb.sb_hiwat == 32768,
	    "growing by 16384 with 10000 left under the bound: ENOBUFS, still 32768");
	ns->ns_sbbytes_max = ns->ns_sbbytes + 20000;
	ok(sb_autogrow(ki->k, &sb, 49152) == 0 && sb.sb_hiwat == 49152,
	    "with 20000 left: 49152");
	ns->ns_sbbytes_max = (size_t)1 << 40;
	ok(sb_autogrow(ki->k, &sb, ns->ns_sb_max) == ENOBUFS && sb.sb_hiwat == 49152,
	    "sb_max itself (above its share for data): ENOBUFS");
	ok(sb_autogrow(ki->k, &sb, 1000) == 0 && sb.sb_hiwat == 49152,
	    "a smaller size changes nothing");
	ns->ns_sbbytes_max = max0;
}

static int
getint(int fd, int name)
{
	int v = -1;
	uint32_t l = sizeof(v);

	if (rump_sys_getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0)
		return -1;
	return v;
}

/* A connection over lo0: *c the client, *s the accepted socket (both non-blocking). */
static int
lopair(int l, int *c, int *s)
{
	struct nb_sockaddr_in to;
	int one = 1;

	memset(&to, 0, sizeof(to));
	to.sin_len = sizeof(to);
	to.sin_family = AF_INET;
	to.sin_port = htons_(90);
	to.sin_addr.s_addr = htonl_(0x7f000001);
	*c = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	rump_sys_ioctl(*c, FIONBIO, &one);
	rump_sys_connect(*c, &to, sizeof(to));
	for (int i = 0; i < 1000; i++) {
		rumpus_clock_advance(1000000);
		if ((*s = rump_sys_accept(l, NULL, NULL)) >= 0)
			break;
	}
	if (*s < 0)
		return -1;
	rump_sys_ioctl(*s, FIONBIO, &one);
	return 0;
}

/*
 * Moves n bytes c -> s in writes of chunk bytes, reading s empty after each and
 * advancing the virtual clock 1 ms every tick bytes (the round trips auto-sizing
 * measures); checks the bytes.  Returns 0 when all came intact.
 */
static size_t sent, got;
static int
move(int c, int s, size_t n, size_t chunk, size_t tick)
{
	static uint8_t buf[65536];
	size_t end = sent + n, last = sent;
	int idle = 0;

	while (got < end && idle < 20000) {
		size_t k = end - sent < chunk ? end - sent : chunk;
		ssize_t r, wr = 0;

		if (k > 0) {
			for (size_t i = 0; i < k; i++)
				buf[i] = pat(sent + i);
			wr = rump_sys_write(c, buf, k);
			if (wr > 0)
				sent += (size_t)wr;
		}
		while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0) {
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != pat(got + (size_t)i))
					return -1;
			got += (size_t)r;
			idle = 0;
		}
		if (sent - last >= tick || wr <= 0) {
			rumpus_clock_advance(1000000);	/* retransmissions come with time */
			last = sent;
			idle++;
		}
	}
	if (got != end)
		diag("moved %zu of %zu (sent %zu)", got, end, sent);
	return got == end ? 0 : -1;
}

int
main(void)
{
	struct rumpus_kernel *rk = ku_boot();
	struct nb_sockaddr_in sin;
	struct net_state *ns;
	struct kin ki;
	size_t max0;
	int l, c, s, c2, s2, v, one = 1;

	ok(rk != NULL, "kernel");
	if (rk == NULL)
		return tap_done();
	ku_enter(&ki, rk);
	ns = net_state(ki.k);
	net_lock(ki.k);
	units(&ki);
	net_unlock(ki.k);
	ku_leave(&ki);

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	rumpus_kernel_switch(rk);
	v = 0;
	{
		int name[4] = { CTL_NET, AF_INET, IPPROTO_TCP, TCPCTL_DELACK_TICKS };
		rump_sys___sysctl(name, 4, NULL, NULL, &v, sizeof(v));	/* ACK every segment */
	}
	l = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons_(90);
	ok(rump_sys_bind(l, &sin, sizeof(sin)) == 0 && rump_sys_listen(l, 5) == 0,
	    "a listener on port 90");
	rump_sys_ioctl(l, FIONBIO, &one);

	/* control: without a tight bound the receive buffer grows */
	ok(lopair(l, &c2, &s2) == 0, "a connection over lo0");
	sent = got = 0;
	ok(move(c2, s2, 1u << 20, 2048, 32768) == 0, "1 MB moved intact");
	ok(getint(s2, SO_RCVBUF) > 32768, "its receive buffer grew (%d)", getint(s2, SO_RCVBUF));
	rump_sys_close(c2);
	rump_sys_close(s2);

	/* the bound leaves less room than recvbuf_inc */
	ok(lopair(l, &c, &s) == 0, "another connection over lo0");
	sent = got = 0;
	max0 = ns->ns_sbbytes_max;
	ns->ns_sbbytes_max = ns->ns_sbbytes + 12000;
	ok(move(c, s, 512u << 10, 2048, 32768) == 0, "512 KB moved intact with the buffer "
	    "memory bound 12000 bytes above what the buffers held");
	ok(getint(s, SO_RCVBUF) == 32768, "the receive buffer did not grow (%d)",
	    getint(s, SO_RCVBUF));
	ns->ns_sbbytes_max = max0;
	ok(move(c, s, 1u << 20, 2048, 32768) == 0, "1 MB more with the bound lifted: intact");
	ok(getint(s, SO_RCVBUF) == 32768, "the refused growth ended its auto-sizing: still "
	    "32768 (%d)", getint(s, SO_RCVBUF));
	/* bytes that found no memory: taken back, sent again (not acknowledged and lost) */
	{
		struct tcp_state *ts = inet_state(KOF(rk))->is_tcp;
		uint64_t rcv0 = ts->ts_stat.tcps_rcvbyte, snd0 = ts->ts_stat.tcps_sndrexmitbyte;
		size_t rec = sizeof(struct sbrec) + 4096;

		/* room for two 4 KB records: a second write before the read finds the
		 * receiver's first record there and no room for its own */
		static uint8_t b[4096];
		ssize_t w1, w2;

		ns->ns_sbbytes_max = ns->ns_sbbytes + 2 * rec + rec / 2;
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = pat(sent + i);
		w1 = rump_sys_write(c, b, sizeof(b));
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = pat(sent + 4096 + i);
		w2 = rump_sys_write(c, b, sizeof(b));
		ok(w1 == 4096 && w2 == 4096, "two 4 KB writes, not read, with room for two "
		    "records under the bound (the receiver's second finds none)");
		sent += 8192;
		ok(ts->ts_stat.tcps_rcvbyte - rcv0 == 4096, "the receiver took only the first "
		    "(%llu)", (unsigned long long)(ts->ts_stat.tcps_rcvbyte - rcv0));
		ns->ns_sbbytes_max = max0;
		ok(move(c, s, 256u << 10, 4096, 4096) == 0, "with the bound lifted the stream "
		    "goes on intact: the bytes that found no memory came again");
		ok(ts->ts_stat.tcps_sndrexmitbyte - snd0 >= 4096, "by retransmission (%llu bytes)",
		    (unsigned long long)(ts->ts_stat.tcps_sndrexmitbyte - snd0));
	}
	ns->ns_sbbytes_max = max0;
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	rumpus_clock_virtual(0);
	ok(rumpus_kernel_destroy(rk) == 0, "destroyed");
	return tap_done();
}
