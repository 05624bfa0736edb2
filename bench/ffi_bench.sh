#!/bin/bash
# FFI benchmarks side by side: LuaJIT's builtin ffi, then our module on Lua 5.3 and 5.4.
# usage: bench/ffi_bench.sh BUILD_DIR
build=${1:-${RUMPUS_BUILD:-build}}
cd "$(dirname "$0")/.."
export LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;${LUA_PATH:-;}"   # syscall.ffi, the FFI shim
echo "== ffi: null C call and 4 KiB read (LuaJIT builtin ffi vs rumpus ffi on PUC Lua)"
luajit bench/ffi_bench.lua
for v in 5.3 5.4; do
  LUA_CPATH="$build/lua$v/?.so;;" lua$v bench/ffi_bench.lua
done
