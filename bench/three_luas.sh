#!/bin/bash
# The same library calls on LuaJIT, Lua 5.3 and Lua 5.4 (bench/three_luas.lua), each a
# fresh process.  The interpreters are compared across processes, so the three take turns,
# ROUNDS times (LuaJIT, 5.3, 5.4, LuaJIT, ...): bench/run.lua takes the median of the
# reports of each figure.  The readable lines are those of the first round.
# PUC Lua loads our ffi module from $RUMPUS_BUILD/lua5.x.
build=${RUMPUS_BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
rounds=3
case "$BENCH_QUICK" in ""|0) ;; *) rounds=1 ;; esac
luas=("${LUAJIT:-luajit}")
for v in 5.3 5.4; do
  if command -v lua$v >/dev/null; then
    luas+=(lua$v)
  else
    echo "  lua$v: skipped: lua$v is not installed"
    printf '@skip\tlua%s figures\tlua%s is not installed\n' $v $v
  fi
done
for ((r = 1; r <= rounds; r++)); do
  for l in "${luas[@]}"; do
    v=${l#lua}
    if [ $r -eq 1 ]; then
      LUA_CPATH="$build/lua$v/?.so;;" "$l" bench/three_luas.lua || exit 1
    else
      out=$(LUA_CPATH="$build/lua$v/?.so;;" "$l" bench/three_luas.lua) || { echo "$out"; exit 1; }
      grep '^@' <<<"$out"
    fi
  done
done
