/*
 * fuzz_regress_test.c: every input that once crashed a harness or broke one of its
 * invariants (fuzz/regress/<harness>-<what>.bin), replayed through the same decoders on
 * every make test (make asan runs them under ASan/UBSan, which is how most of them were
 * found).  Where the fix changed behaviour that a plain build can observe, a direct check
 * follows.  The list of fixes is in fuzz/README.md.
 */
#include "fuzz_replay.h"

/* Lua checks of the ffi fixes, run in an embedded Lua 5.4 with the PUC ffi. */
static const struct {
	const char *what, *code;
} ffi_checks[] = {
	{ "ffi.copy of a string into a 16-byte member array refuses the 17th byte",
	  "local ffi = require 'ffi'\n"
	  "local s = ffi.new('struct { char name[16]; int after; }', { after = 7 })\n"
	  "assert(not pcall(ffi.copy, s.name, ('x'):rep(16)), 'copy accepted')\n"
	  "assert(s.after == 7, 'the next member was overwritten')\n"
	  "ffi.copy(s.name, ('y'):rep(15))\n"
	  "assert(ffi.string(s.name) == ('y'):rep(15))\n" },
	{ "ffi.fill/copy/string through a member struct reference stop at its size",
	  "local ffi = require 'ffi'\n"
	  "local o = ffi.new('struct { struct { int z[6]; } in; int after; }', { after = 9 })\n"
	  "assert(not pcall(ffi.fill, o['in'], 25, 1), 'fill accepted')\n"
	  "assert(not pcall(ffi.string, o['in'], 25), 'string accepted')\n"
	  "assert(not pcall(ffi.copy, o['in'], 'x', 25), 'copy accepted')\n"
	  "ffi.fill(o['in'], 24, 1)\n"
	  "assert(o.after == 9 and o['in'].z[5] == 0x01010101)\n" },
	{ "flexible and variable members keep C's freedom (no size check)",
	  "local ffi = require 'ffi'\n"
	  "ffi.cdef('struct fl { int n; char d[]; }; struct vl { int n; char d[?]; };')\n"
	  "local v = ffi.new('struct vl', 32)\n"
	  "ffi.copy(v.d, ('z'):rep(31))\n"
	  "assert(ffi.string(v.d) == ('z'):rep(31))\n"
	  "local buf = ffi.new('char[64]')\n"
	  "local f = ffi.cast('struct fl *', buf)\n"
	  "ffi.copy(f.d, 'abcdefgh')\n"
	  "assert(ffi.string(buf + 4) == 'abcdefgh')\n" },
};

int
main(int argc, char **argv)
{
	char dir[4096], msg[512];
	int n = 0, r;
	size_t i;

	(void)argc;
	(void)argv;
	alarm(300);
	snprintf(dir, sizeof(dir), "%s/fuzz/regress", FUZZ_SRCDIR);
	if ((r = replay_dir(dir, "sys-", "sys", fz_sys_run)) > 0)
		n += r;
	if ((r = replay_dir(dir, "cdef-", "cdef", fz_cdef_run)) > 0)
		n += r;
	if ((r = replay_dir(dir, "packet-", "packet", fz_packet_run)) > 0)
		n += r;
	ok(n > 0, "%d regression inputs replayed from %s", n, dir);
	for (i = 0; i < sizeof(ffi_checks) / sizeof(ffi_checks[0]); i++) {
		r = fz_cdef_lua(ffi_checks[i].code, msg, sizeof(msg));
		if (r != 0)
			diag("%s", msg);
		ok(r == 0, "%s", ffi_checks[i].what);
	}
	return tap_done();
}
