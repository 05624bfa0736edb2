#!/bin/bash
# FFI benchmarks side by side: LuaJIT's builtin ffi, then our module on Lua 5.3 and 5.4
# (medians of short batches, bench/ffi_bench.lua).
# usage: bench/ffi_bench.sh [BUILD_DIR]
build=${1:-${RUMPUS_BUILD:-build}}
cd "$(dirname "$0")/.." || exit 1
export LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;${LUA_PATH:-;}"   # syscall.ffi, the FFI shim
echo "== ffi: C calls, reads and cdata access (LuaJIT builtin ffi vs rumpus ffi on PUC Lua; medians)"
"${LUAJIT:-luajit}" bench/ffi_bench.lua || exit 1
for v in 5.3 5.4; do
  if ! command -v lua$v >/dev/null; then
    echo "  lua$v: skipped: lua$v is not installed"
    printf '@skip\tffi figures on lua%s\tlua%s is not installed\n' $v $v
    continue
  fi
  LUA_CPATH="$build/lua$v/?.so;;" lua$v bench/ffi_bench.lua || exit 1
done
