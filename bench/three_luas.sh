#!/bin/bash
# The same library calls on LuaJIT, Lua 5.3 and Lua 5.4, one fresh process each
# (bench/three_luas.lua); PUC Lua loads our ffi module from $RUMPUS_BUILD/lua5.x.
build=${RUMPUS_BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
"${LUAJIT:-luajit}" bench/three_luas.lua || exit 1
for v in 5.3 5.4; do
  if ! command -v lua$v >/dev/null; then
    echo "  lua$v: skipped: lua$v is not installed"
    printf '@skip\tlua%s figures\tlua%s is not installed\n' $v $v
    continue
  fi
  LUA_CPATH="$build/lua$v/?.so;;" lua$v bench/three_luas.lua || exit 1
done
