# Host network configuration from Lua (issue 5): S.nl (rtnetlink), syscall.linux.netns,
# rump.hostnet.  Tests need `ip` (iproute2) to cross-check and nsenter (util-linux, always
# present on Debian) to run it inside a namespace.
DEPS_PKGS  += iproute2 util-linux
BENCH_LUA += bench/netns_bench.lua
