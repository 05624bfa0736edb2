#!/bin/bash
# The same library calls on LuaJIT, Lua 5.3 and Lua 5.4 (ns per call, best of 5).
build=${RUMPUS_BUILD:-build}
cd "$(dirname "$0")/.."
echo "== require \"syscall\" and a kernel on three Luas (ns per call)"
printf '  %-8s %14s %16s %18s\n' lua "S.getpid()" "fd:read 4 KiB" "kernel k.S.getpid"
luajit bench/three_luas.lua
for v in 5.3 5.4; do LUA_CPATH="$build/lua$v/?.so;;" lua$v bench/three_luas.lua; done
