#!/bin/bash
# LuaRocks' side of the build (rockspec/rumpus-scm-1.rockspec, build type make):
#   tools/rock.sh build   LUA LUA_INCDIR BUILD CC CFLAGS   the FFI for a PUC Lua
#   tools/rock.sh install LUA LUADIR LIBDIR BUILD          copy into the rock's directories
# LuaRocks deploys LUADIR into <tree>/share/lua/5.x and LIBDIR into <tree>/lib/lua/5.x;
# require "rump" finds librumpus.so there on package.cpath.  Supported: LuaJIT (as Lua
# 5.1), Lua 5.3, Lua 5.4.  The kernel library is built by the Makefile before this runs.
set -euo pipefail
what=$1 lua=$2
info=$("$lua" -e 'io.write(rawget(_G, "jit") and "luajit" or _VERSION:match("%d+%.%d+"))')
case "$info" in
  luajit|5.3|5.4) ;;
  *) echo "rumpus: Lua $info is not supported: use LuaJIT (luarocks --lua-version 5.1 with luajit), Lua 5.3 or 5.4" >&2; exit 1 ;;
esac
case "$what" in
build)
  incdir=$3 build=$4 cc=$5 cflags=$6
  [ "$info" = luajit ] && exit 0   # LuaJIT has its own ffi
  if ! pkg-config --exists libffi; then
    echo "rumpus: libffi not found by pkg-config (Debian: apt-get install libffi-dev pkg-config)" >&2
    exit 1
  fi
  out="$build/rock/lua$info"
  mkdir -p "$out"
  # shellcheck disable=SC2046,SC2086
  $cc $cflags -fvisibility=hidden -I"$incdir" $(pkg-config --cflags libffi) -shared \
    -o "$out/rumpus_ffi.so" csrc/ffi/*.c $(pkg-config --libs libffi) -ldl
  ;;
install)
  luadir=$3 libdir=$4 build=$5
  mkdir -p "$luadir" "$libdir"
  cp -R lua/syscall.lua lua/syscall lua/rump "$luadir/"
  cp "$build/lib/librumpus.so" "$libdir/"
  if [ "$info" != luajit ]; then cp "$build/rock/lua$info/rumpus_ffi.so" "$libdir/"; fi
  ;;
*) echo "usage: tools/rock.sh build|install ..." >&2; exit 2 ;;
esac
