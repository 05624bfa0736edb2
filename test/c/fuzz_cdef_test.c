/*
 * fuzz_cdef_test.c: the ffi harness (fuzz/cdef.c: ffi.cdef of random text in an
 * embedded Lua 5.4, then ffi.new/cast of what it declared) over its seed corpus
 * (fuzz/corpus/cdef), built with the plain compiler.  With file arguments it replays
 * those.
 */
#include "fuzz_replay.h"

int fz_sys_trace;

int
main(int argc, char **argv)
{
	return replay_main(argc, argv, "cdef", fz_cdef_run, 10);
}
