/*
 * fuzz_packet_test.c: the packet harness (fuzz/packet.c: raw Ethernet frames and
 * generated IPv6 frames onto the buses of a three-kernel network) over its seed corpus
 * (fuzz/corpus/packet), built with the plain compiler; then a short fuzz smoke: the same
 * seeds mutated a few hundred times by a fixed-seed generator (byte changes, inserts,
 * deletions, splices of two seeds), each run checked as the fuzzer checks it.  A failing
 * mutant is written to build/fuzz-smoke-packet-<n>.bin to replay (and keep in
 * fuzz/regress).  With file arguments it replays those.
 */
#include "fuzz_replay.h"

int fz_sys_trace;

#define SMOKE_RUNS	1000

static uint64_t smoke_rs = 0x5eed0f1a6c0ffeeULL;
static uint32_t
smoke_rnd(void)
{
	smoke_rs ^= smoke_rs << 13, smoke_rs ^= smoke_rs >> 7, smoke_rs ^= smoke_rs << 17;
	return (uint32_t)(smoke_rs >> 11);
}

static void
smoke(void)
{
	static const char *names[] = { "11-ip6_echo", "12-ip6_nd", "13-ip6_ext", "14-ip6_forward",
		"15-ip6_tcp", "05-fragments", "07-malformed" };
	enum { NS = sizeof(names) / sizeof(names[0]) };
	uint8_t *seed[NS], buf[4096];
	size_t len[NS];
	char path[4200], msg[512];
	int i, failed = 0, runs = 0, have = 0;

	for (i = 0; i < NS; i++) {
		snprintf(path, sizeof(path), "%s/fuzz/corpus/packet/%s.bin", FUZZ_SRCDIR, names[i]);
		seed[i] = replay_read(path, &len[i]);
		have += seed[i] != NULL;
	}
	if (have != NS) {
		ok(0, "fuzz smoke: the seeds it mutates are there (%d of %d)", have, NS);
		goto out;
	}
	for (runs = 0; runs < SMOKE_RUNS && failed == 0; runs++) {
		int s = (int)(smoke_rnd() % NS), k, m = 1 + (int)(smoke_rnd() % 8);
		size_t n = len[s] < sizeof(buf) ? len[s] : sizeof(buf);
		memcpy(buf, seed[s], n);
		for (k = 0; k < m && n > 0; k++) {
			size_t at = smoke_rnd() % n;
			switch (smoke_rnd() % 5) {
			case 0: buf[at] = (uint8_t)smoke_rnd(); break;
			case 1: buf[at] ^= (uint8_t)(1u << (smoke_rnd() % 8)); break;
			case 2:			/* insert a byte */
				if (n < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = (uint8_t)smoke_rnd();
					n++;
				}
				break;
			case 3:			/* delete a byte */
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			default:		/* splice: the tail of another seed */
			{
				int o = (int)(smoke_rnd() % NS);
				size_t from = smoke_rnd() % len[o], cnt = len[o] - from;
				if (at + cnt > sizeof(buf))
					cnt = sizeof(buf) - at;
				memcpy(buf + at, seed[o] + from, cnt);
				n = at + cnt;
				break;
			}
			}
		}
		if (fz_packet_run(buf, n, msg, sizeof(msg)) != 0) {
			FILE *f;
			snprintf(path, sizeof(path), "%s/build/fuzz-smoke-packet-%d.bin", FUZZ_SRCDIR,
			    runs);
			if ((f = fopen(path, "wb")) != NULL) {
				fwrite(buf, 1, n, f);
				fclose(f);
			}
			diag("fuzz smoke run %d: %s (input in %s)", runs, msg, path);
			failed = 1;
		}
	}
	ok(failed == 0, "fuzz smoke: %d mutants of the seeds, every one run clean", runs);
out:
	for (i = 0; i < NS; i++)
		free(seed[i]);
}

int
main(int argc, char **argv)
{
	char dir[4096];
	int n;

	if (argc > 1)
		return replay_main(argc, argv, "packet", fz_packet_run, 8);
	alarm(300);
	if (getenv("FZ_TRACE") != NULL)
		fz_sys_trace = 1;
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/packet", FUZZ_SRCDIR);
	n = replay_dir(dir, "", "packet", fz_packet_run);
	ok(n >= 15, "%d packet seed inputs replayed from %s (want at least 15)", n, dir);
	smoke();
	return tap_done();
}
