/*
 * tcp_tso_test.c: TCP segmentation offload between kernels on a bus (IFCAP_TSOv4,
 * csrc/net/if_tso.c, bus_tso.c): the capability ioctls (SIOCGIFCAP/SIOCSIFCAP and
 * NetBSD's EINVAL for what an interface does not offer); transfers with a checksum of
 * the data, one thread driving both ends and a thread per end, where the frames really
 * were offload frames (the interfaces' packet counters); a TSO sender to a kernel with
 * TSO off (cut on the bus, every frame within the MTU); a capture of a TSO transfer
 * (every frame within the MTU with valid IP and TCP checksums, checked here, and clean
 * in tshark when it is installed); impairments on a TSO bus acting per MTU-sized frame.
 * tcp_tsofwd_test.c has a router (under TSan too since the buses' locks have one order:
 * bus_order_test.c); tcp6_tso_test.c does the same for IPv6 (IFCAP_TSOv6).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tso_xfer.h"
#include "bus_raw.h"

int rumpus_bus_pcap(const char *bus, const char *path);

/* Frames of a classic pcap file: all within 1514 bytes with valid IPv4 and TCP
 * checksums?  *nframes, *ntcp, *ndata get the counts. */
static int
pcap_check(const char *path, size_t *nframes, size_t *ntcp, size_t *maxlen, int *bad)
{
	static uint8_t f[70000];
	uint8_t h[24];
	FILE *fp = fopen(path, "rb");

	*nframes = *ntcp = *maxlen = 0;
	*bad = 0;
	if (fp == NULL || fread(h, 1, 24, fp) != 24) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	for (;;) {
		uint32_t incl;

		if (fread(h, 1, 16, fp) != 16)
			break;
		memcpy(&incl, h + 8, 4);
		if (incl > sizeof(f) || fread(f, 1, incl, fp) != incl) {
			(*bad)++;
			break;
		}
		(*nframes)++;
		if (incl > *maxlen)
			*maxlen = incl;
		if (incl >= 14 + 40 && f[12] == 0x08 && f[13] == 0 && f[14 + 9] == 6) {
			const uint8_t *ip = f + 14;
			size_t hl = (size_t)(ip[0] & 15) * 4, tl = (size_t)(ip[2] << 8 | ip[3]);
			uint32_t ps = 0;

			(*ntcp)++;
			if (tl > incl - 14 || hl < 20 || tl < hl + 20 || x_cksum16(ip, hl) != 0) {
				(*bad)++;
				continue;
			}
			for (int i = 12; i < 20; i += 2)
				ps += (uint32_t)(ip[i] << 8 | ip[i + 1]);
			ps += 6 + (uint32_t)(tl - hl);
			if (x_fold(x_sum16(ps, ip + hl, tl - hl)) != 0)
				(*bad)++;
		}
	}
	fclose(fp);
	return 0;
}

/* the shmif0 counters of ka in *da and of kb in *db (kb current after) */
static void
counters(struct rumpus_kernel *ka, struct x_ifdatareq *da, struct rumpus_kernel *kb,
    struct x_ifdatareq *db)
{
	rumpus_kernel_switch(ka);
	x_ifdata("shmif0", da);
	rumpus_kernel_switch(kb);
	x_ifdata("shmif0", db);
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	struct x_ifdatareq da0, da1, db0, db1;
	uint64_t caps, en;
	int l, c, s, e;
	const size_t big = 8u << 20;

	a = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	e = x_ifconfig("shmif0", "tsobus", "10.7.0.1", 24);
	rumpus_kernel_switch(b);
	e |= x_ifconfig("shmif0", "tsobus", "10.7.0.2", 24);
	ok(e == 0, "two kernels on tsobus");

	/* ---- the capability ioctls */
	en = 0, caps = 0;
	e = x_ifcap("shmif0", 0, &caps, &en);
	ok(e == 0 && caps == (X_IFCAP_TSOv4 | 0x40000) && en == 0,
	    "SIOCGIFCAP: shmif offers IFCAP_TSOv4 and IFCAP_TSOv6 (tcp6_tso_test), off by "
	    "default (caps %#llx on %#llx)", (unsigned long long)caps, (unsigned long long)en);
	en = 0x80000;			/* IFCAP_LRO */
	ok(x_ifcap("shmif0", 1, &caps, &en) == X_EINVAL, "SIOCSIFCAP LRO: EINVAL (not offered)");
	en = 0x800 | X_IFCAP_TSOv4;	/* IFCAP_CSUM_TCPv4_Tx too */
	ok(x_ifcap("shmif0", 1, &caps, &en) == X_EINVAL, "a checksum capability: EINVAL");
	en = 0;
	ok(x_ifcap("shmif0", 0, &caps, &en) == 0 && en == 0, "and nothing changed");
	en = X_IFCAP_TSOv4;
	ok(x_ifcap("lo0", 1, &caps, &en) == X_EINVAL, "lo0 offers nothing: EINVAL");
	en = 0;
	ok(x_ifcap("lo0", 0, &caps, &en) == 0 && caps == 0 && en == 0, "lo0: no capabilities");
	ok(x_ifcap("nosuch0", 0, &caps, &en) == X_ENXIO, "no such interface: ENXIO");
	ok(tso_on(a, "shmif0", 1) == 0 && tso_on(b, "shmif0", 1) == 0,
	    "SIOCSIFCAP IFCAP_TSOv4 on both, read back on");

	rumpus_kernel_switch(b);
	l = x_listen("0.0.0.0", 80, 5);

	/* ---- one thread, both ends with TSO */
	ok(pair(a, b, l, "10.7.0.2", &c, &s) == 0, "connected");
	counters(a, &da0, b, &db0);
	ok(xfer1(a, c, b, s, big) == 0, "8 MB A -> B with TSO, one thread: intact");
	counters(a, &da1, b, &db1);
	ok(da1.d.opackets - da0.d.opackets < big / 1448 / 4,
	    "as offload frames: A sent %llu frames for %zu segments' worth",
	    (unsigned long long)(da1.d.opackets - da0.d.opackets), big / 1448);
	ok(db1.d.ipackets - db0.d.ipackets < big / 1448 / 4 && db1.d.ierrors == db0.d.ierrors,
	    "B took %llu frames, no input errors",
	    (unsigned long long)(db1.d.ipackets - db0.d.ipackets));
	/* ---- a thread per end, blocking */
	ok(xfer2(a, c, b, s, big) == 0, "8 MB A -> B with TSO, a thread per end: intact");
	ok(xfer2(b, s, a, c, 4u << 20) == 0, "4 MB B -> A too");
	unpair(a, c, b, s);

	/* ---- a TSO sender, a receiver with TSO off: cut on the bus */
	ok(tso_on(b, "shmif0", 0) == 0, "B's TSO off");
	ok(pair(a, b, l, "10.7.0.2", &c, &s) == 0, "connected");
	counters(a, &da0, b, &db0);
	ok(xfer1(a, c, b, s, big) == 0, "8 MB from a TSO sender to a kernel without: intact");
	counters(a, &da1, b, &db1);
	ok(db1.d.ipackets - db0.d.ipackets >= big / 1448 && db1.d.ierrors == db0.d.ierrors,
	    "B got MTU-sized frames (%llu), no input errors",
	    (unsigned long long)(db1.d.ipackets - db0.d.ipackets));
	ok(db1.d.ibytes - db0.d.ibytes <= (db1.d.ipackets - db0.d.ipackets) * 1514,
	    "none longer than 1514 bytes");
	ok(xfer2(a, c, b, s, 4u << 20) == 0, "4 MB with a thread per end: intact");
	unpair(a, c, b, s);
	ok(tso_on(b, "shmif0", 1) == 0, "B's TSO on again");

	/* ---- a capture of a TSO transfer: MTU-sized frames with valid checksums */
	{
		char path[] = "/tmp/rumpus_tsopcap_XXXXXX", cmd[512];
		static char out[1 << 20];
		size_t nf, nt, maxlen, n = 0;
		int fd = mkstemp(path), bad;
		FILE *p;

		close(fd);
		ok(rumpus_bus_pcap("tsobus", path) == 0, "capture of tsobus");
		ok(pair(a, b, l, "10.7.0.2", &c, &s) == 0 && xfer1(a, c, b, s, 1u << 20) == 0,
		    "1 MB with TSO on, captured: intact");
		unpair(a, c, b, s);
		rumpus_kernel_switch(NULL);
		ok(rumpus_bus_pcap("tsobus", NULL) == 0, "capture stopped");
		e = pcap_check(path, &nf, &nt, &maxlen, &bad);
		ok(e == 0 && nt >= (1u << 20) / 1448 && maxlen <= 1514 && bad == 0,
		    "%zu frames, %zu TCP, the longest %zu bytes, %d with a bad length or checksum",
		    nf, nt, maxlen, bad);
		if (system("command -v tshark >/dev/null 2>&1") != 0)
			skip("tshark is not installed (make deps installs it)", "tshark decodes it");
		else {
			/* the payload is random bytes to port 80, not HTTP: a segment that
			 * starts where the HTTP dissector guesses a request is "malformed" */
			snprintf(cmd, sizeof(cmd), "tshark -n --disable-protocol http "
			    "-o ip.check_checksum:TRUE "
			    "-o tcp.check_checksum:TRUE -o tcp.analyze_sequence_numbers:TRUE "
			    "-r %s -z expert,error 2>&1 | grep -ci -e malformed -e 'bad checksum' "
			    "-e '\\[incorrect' -e 'Error'", path);
			if ((p = popen(cmd, "r")) != NULL) {
				n = fread(out, 1, sizeof(out) - 1, p);
				pclose(p);
			}
			out[n] = '\0';
			ok(n > 0 && atoi(out) == 0, "tshark: no malformed frame, bad checksum or "
			    "expert error (%d lines)", atoi(out));
		}
		if (tap_failed)
			diag("capture kept in %s", path);
		else
			unlink(path);
	}

	/* ---- impairments on a TSO bus drop MTU-sized frames */
	{
		struct rumpus_impair im = { .loss = 0.03 };
		struct rumpus_impair_stats st;

		ok(rumpus_bus_impair("tsobus", NULL, &im) == 0, "3%% loss on tsobus");
		ok(pair(a, b, l, "10.7.0.2", &c, &s) == 0 && xfer1(a, c, b, s, 4u << 20) == 0,
		    "4 MB with TSO on through the loss: intact");
		unpair(a, c, b, s);
		rumpus_bus_impair_get("tsobus", NULL, NULL, &st);
		ok(st.frames >= (4u << 20) / 1448 && st.lost > 0,
		    "the impairment saw MTU-sized frames (%llu for 4 MB) and lost %llu",
		    (unsigned long long)st.frames, (unsigned long long)st.lost);
		rumpus_bus_impair("tsobus", NULL, NULL);
	}

	rumpus_kernel_switch(b);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	return tap_done();
}
