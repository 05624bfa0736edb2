/*
 * fuzz_packet_test.c: the packet harness (fuzz/packet.c: raw Ethernet frames onto the
 * buses of a three-kernel IPv4 network) over its seed corpus (fuzz/corpus/packet), built
 * with the plain compiler.  With file arguments it replays those.
 */
#include "fuzz_replay.h"

int fz_sys_trace;

int
main(int argc, char **argv)
{
	return replay_main(argc, argv, "packet", fz_packet_run, 8);
}
