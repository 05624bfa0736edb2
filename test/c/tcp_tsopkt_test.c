/*
 * tcp_tsopkt_test.c: segmentation offload (IFCAP_TSOv4) pinned segment by segment, as
 * tcp_pkt_test.c does (the test is a host with its own bus port that takes no offload
 * frames, the virtual clock moved by hand): a kernel with TSO on sends the test
 * MTU-sized segments, cut on the bus, with valid checksums, contiguous sequence numbers
 * and the data in order, PSH only where the data ends; an in-order offload frame
 * larger than one segment is acknowledged at once (it stands for two or more full-sized
 * segments, RFC 5681 4.2), a single segment still waits for the delayed ACK; with TSO
 * off the kernel takes no frame longer than its MTU (an input error, no ACK), and an
 * offload frame the bus cuts for it arrives as segments, unless its checksum is bad.
 */
#include "tcp_pkt.h"

/* An IPv4/TCP frame of any length up to 64 KB from us (inject_urp's, larger); how 0:
 * as it is, 1: through the bus's offload door (bus_xmit_tso: cut for a port without
 * TSO), 2: the same with a data byte flipped after the checksum. */
static void
inject_big(uint32_t seq, uint32_t ack, const uint8_t *opt, int optlen, const uint8_t *data, int len,
    int how)
{
	static uint8_t f[14 + 65535];
	size_t n = pkt_frame(f, 40000, 80, seq, ack, ACK, 65535, opt, optlen, data, len, 0);

	if (how == 2)
		f[14 + 20 + 20 + optlen + len / 2] ^= 0x10;
	if (how == 0)
		bus_xmit(&port, f, n);
	else
		bus_xmit_tso(&port, f, n, (uint32_t)(1460 - optlen));
}

static int
setcap(uint64_t on)
{
	uint64_t caps, en = on;

	return x_ifcap("shmif0", 1, &caps, &en) == 0 && en == on ? 0 : -1;
}

int
main(void)
{
	static uint8_t data[20000], big[3 * 1448];
	struct rumpus_kernel *k;
	struct x_ifdatareq d0, d1;
	struct seg s;
	uint8_t opt[40];
	uint32_t iss, rnxt = 1001, want, tsv = 100;
	int l, a, n, i, bad, pshbad, segs;

	ok(rumpus_clock_virtual(1) == 0, "virtual clock");
	k = pkt_setup("tsopktbus");
	ok(k != NULL && kmac[0] == 0xb2, "kernel 10.4.0.1 on tsopktbus, the test's port 10.4.0.2");
	ok(setcap(X_IFCAP_TSOv4) == 0, "TSO on in the kernel's shmif0");

	l = x_listen("0.0.0.0", 80, 5);
	x_nonblock(l, 1);
	n = 0;
	opt[n++] = 2, opt[n++] = 4, put16(opt + n, 1460), n += 2;
	opt[n++] = 1, opt[n++] = 3, opt[n++] = 3, opt[n++] = 7;
	n += tsopt(opt + n, tsv, 0);
	inject(40000, 80, 1000, 0, SYN, 65535, opt, n, NULL, 0);
	ok(next(&s, 0) && s.flags == (SYN | ACK), "SYN|ACK");
	iss = s.seq;
	inject(40000, 80, 1001, iss + 1, ACK, 65535, opt, tsopt(opt, ++tsv, s.tsval), NULL, 0);
	a = rump_sys_accept(l, NULL, NULL);
	ok(a >= 0, "accepted (window 65535 << 7 from us)");
	x_nonblock(a, 1);

	/* ---- the kernel's offload frames reach a port without TSO as segments */
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	x_ifdata("shmif0", &d0);
	ok(rump_sys_write(a, data, sizeof(data)) == (ssize_t)sizeof(data), "20000 bytes written");
	want = iss + 1;
	bad = pshbad = segs = 0;
	for (int round = 0; round < 50 && want != iss + 1 + sizeof(data); round++) {
		while (next(&s, 0)) {
			size_t off = s.seq - (iss + 1);

			segs++;
			if (s.len > 1448 || !s.cksum_ok || !s.ipcksum_ok || s.seq != want ||
			    (s.flags & (FIN | SYN | RST)) || !s.ts ||
			    off + (size_t)s.len > sizeof(data) ||
			    memcmp(s.data, data + off, (size_t)s.len) != 0) {
				diag("bad segment: seq %u (want %u) len %d flags %#x cksum %d/%d",
				    s.seq, want, s.len, s.flags, s.cksum_ok, s.ipcksum_ok);
				bad++;
				break;
			}
			if ((s.flags & PSH) && off + (size_t)s.len != sizeof(data))
				pshbad++;
			want += (uint32_t)s.len;
		}
		/* acknowledge everything so far */
		inject(40000, 80, rnxt, want, ACK, 65535, opt, tsopt(opt, ++tsv, s.tsval), NULL, 0);
	}
	ok(bad == 0 && want == iss + 1 + sizeof(data),
	    "all 20000 bytes in %d segments of at most 1448 bytes, valid checksums, in order, "
	    "the data as written", segs);
	ok(segs >= (int)(sizeof(data) / 1448) && pshbad == 0,
	    "PSH only on the segment that ends the data");
	x_ifdata("shmif0", &d1);
	ok(d1.d.opackets - d0.d.opackets < (uint64_t)segs,
	    "the kernel sent them as %llu offload frames",
	    (unsigned long long)(d1.d.opackets - d0.d.opackets));

	/* ---- an in-order offload frame of three segments: ACKed at once */
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	drain();
	inject_big(rnxt, want, opt, tsopt(opt, ++tsv, s.tsval), big, (int)sizeof(big), 0);
	rnxt += sizeof(big);
	i = next(&s, 0);
	ok(i && s.flags == ACK && s.ack == rnxt,
	    "a 4344-byte segment (three full-sized ones) is ACKed at once (ack %u, want %u)",
	    s.ack, rnxt);
	{
		static uint8_t in[8192];
		ssize_t r = rump_sys_read(a, in, sizeof(in));
		ok(r == (ssize_t)sizeof(big) && memcmp(in, big, sizeof(big)) == 0,
		    "and its data read back intact (%zd bytes)", r);
	}
	drain();
	inject(40000, 80, rnxt, want, ACK, 65535, opt, tsopt(opt, ++tsv, s.tsval), big, 1448);
	rnxt += 1448;
	ok(!next(&s, 0), "one full-sized segment: no ACK at once");
	advance_ms(200);
	ok(next(&s, 5000) && s.flags == ACK && s.ack == rnxt, "the delayed ACK at 200 ms");

	/* ---- TSO off: no frame beyond the MTU is taken */
	ok(setcap(0) == 0, "TSO off");
	drain();
	{
		int e = x_ifdata("shmif0", &d0);

		inject_big(rnxt, want, opt, tsopt(opt, ++tsv, s.tsval), big, (int)sizeof(big), 0);
		e |= x_ifdata("shmif0", &d1);
		ok(e == 0 && !next(&s, 0) && d1.d.ierrors == d0.d.ierrors + 1,
		    "a 4344-byte segment: an input error, no ACK (errors %llu -> %llu)",
		    (unsigned long long)d0.d.ierrors, (unsigned long long)d1.d.ierrors);
	}

	/* ---- an offload frame cut on the bus for a port without TSO: checked first */
	drain();
	x_ifdata("shmif0", &d0);
	inject_big(rnxt, want, opt, tsopt(opt, ++tsv, s.tsval), big, (int)sizeof(big), 2);
	x_ifdata("shmif0", &d1);
	ok(!next(&s, 0) && d1.d.ipackets == d0.d.ipackets,
	    "a corrupted offload frame is dropped before the bus cuts it (no new checksums "
	    "over bad data): nothing reaches the kernel");
	inject_big(rnxt, want, opt, tsopt(opt, ++tsv, s.tsval), big, (int)sizeof(big), 1);
	x_ifdata("shmif0", &d1);
	rnxt += sizeof(big);
	ok(d1.d.ipackets == d0.d.ipackets + 3 && d1.d.ierrors == d0.d.ierrors,
	    "the intact one reaches it as three segments (%llu frames)",
	    (unsigned long long)(d1.d.ipackets - d0.d.ipackets));
	advance_ms(200);
	{
		uint32_t last = 0;
		while (next(&s, 100))
			last = s.ack;
		ok(last == rnxt, "all of it acknowledged (ack %u, want %u)", last, rnxt);
	}
	x_linger_abort(a);
	rump_sys_close(l);
	rumpus_kernel_switch(NULL);
	rumpus_kernel_destroy(k);
	return tap_done();
}
