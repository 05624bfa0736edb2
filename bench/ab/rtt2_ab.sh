#!/bin/bash
# bench/ab/rtt2_ab.sh: the two-thread UDP round trip (a client thread and a server thread,
# one kernel each, blocking receives with a 2 s timeout, as bench/udp_rtt.lua's udp2) of
# several commits IN ONE PROCESS, beside two Linux processes on loopback: each commit's
# librumpus.a is linked into a driver library of its own and dlopen'ed (RTLD_LOCAL |
# RTLD_DEEPBIND), and the batches of every commit and of Linux are interleaved.  Made to
# bisect a round-trip change on a noisy shared machine, where separate runs of the same
# build move by 5x (issue 16, session 4).  Not part of `make bench`.
#
#   bench/ab/rtt2_ab.sh [-r ROUNDS] COMMIT...        (LOAD=n: n spinning processes)
set -euo pipefail
rounds=16
if [ "${1:-}" = "-r" ]; then rounds=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [-r ROUNDS] COMMIT..." >&2; exit 2; }
top=$(git rev-parse --show-toplevel)
tmp=${TMPDIR:-/tmp}/rtt2_ab.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
drivers=()
for c in "$@"; do
	id=$(git -C "$top" rev-parse --short "$c")
	mkdir -p "$tmp/$id"
	git -C "$top" archive "$id" | tar -x -C "$tmp/$id"
	make -C "$tmp/$id" -s -j2 build/lib/librumpus.a >/dev/null
	cc -O2 -shared -fPIC -fvisibility=hidden -I"$tmp/$id/test/c" -I"$tmp/$id/csrc/include" \
	    -I"$tmp/$id/csrc" -o "$tmp/$id.so" "$top/bench/ab/rtt2_drv.c" \
	    -Wl,--whole-archive "$tmp/$id/build/lib/librumpus.a" -Wl,--no-whole-archive \
	    -Wl,-Bsymbolic -pthread
	drivers+=("$tmp/$id.so")
done
cc -O2 -o "$tmp/rtt2_ab" "$top/bench/ab/rtt2_ab.c" -ldl
"$tmp/rtt2_ab" "$rounds" "${drivers[@]}"
