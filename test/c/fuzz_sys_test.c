/*
 * fuzz_sys_test.c: the syscall fuzz harness (fuzz/sys.c) over its seed corpus
 * (fuzz/corpus/sys), built with the plain compiler: make test runs the decoder, the
 * kernels and the harness's invariants (errno answers, clean destroy, no leaked byte,
 * an untouched bystander kernel) on every seed.  With file arguments it replays those:
 *     build/test/fuzz_sys_test build/fuzz/crash-sys-...
 * and with FZ_CANON=out.bin and one file it also writes the input's canonical form (see
 * fz_sys_canon), the form regression inputs are kept in.
 */
#include "fuzz_replay.h"

static int
canon(const char *in, const char *outpath)
{
	size_t n = 0, outn;
	uint8_t *buf = replay_read(in, &n), *out;
	char msg[512];
	FILE *f;
	int rc;

	if (buf == NULL || (out = malloc(outn = 2 * n + 1024)) == NULL)
		return ok(0, "read %s", in);
	rc = fz_sys_canon(buf, n, out, &outn, msg, sizeof(msg));
	if (rc != 0)
		diag("%s", msg);
	ok(rc == 0, "sys %s (canonical form: %zu bytes)", in, outn);
	if ((f = fopen(outpath, "wb")) == NULL || fwrite(out, 1, outn, f) != outn)
		ok(0, "write %s", outpath);
	if (f != NULL)
		fclose(f);
	free(out);
	free(buf);
	return tap_done();
}

int
main(int argc, char **argv)
{
	if (argc == 2 && getenv("FZ_CANON") != NULL)
		return canon(argv[1], getenv("FZ_CANON"));
	return replay_main(argc, argv, "sys", fz_sys_run, 10);
}
