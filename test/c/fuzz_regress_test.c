/*
 * fuzz_regress_test.c: every input that once crashed a harness or broke one of its
 * invariants (fuzz/regress/<harness>-<what>.bin), replayed through the same decoders on
 * every make test.  The list of fixes is in fuzz/README.md.
 */
#include "fuzz_replay.h"

int
main(int argc, char **argv)
{
	char dir[4096];
	int n = 0, r;

	(void)argc;
	(void)argv;
	alarm(300);
	snprintf(dir, sizeof(dir), "%s/fuzz/regress", FUZZ_SRCDIR);
	if ((r = replay_dir(dir, "sys-", "sys", fz_sys_run)) > 0)
		n += r;
	if ((r = replay_dir(dir, "cdef-", "cdef", fz_cdef_run)) > 0)
		n += r;
	ok(n > 0, "%d regression inputs replayed from %s", n, dir);
	return tap_done();
}
