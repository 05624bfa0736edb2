#!/bin/bash
# make install: the Lua modules for LuaJIT, Lua 5.3 and 5.4, the kernel libraries and headers.
set -euo pipefail
prefix=$1 build=$2
for v in 5.1 5.3 5.4; do
  d="$prefix/share/lua/$v"
  mkdir -p "$d"
  cp -R lua/syscall.lua lua/syscall lua/rump "$d/"
done
for v in 5.3 5.4; do
  if [ -f "$build/lua$v/ffi.so" ]; then
    mkdir -p "$prefix/lib/lua/$v"
    cp "$build/lua$v/ffi.so" "$prefix/lib/lua/$v/"
  fi
done
if [ -d "$build/lib" ]; then mkdir -p "$prefix/lib"; cp -P "$build"/lib/*.so* "$prefix/lib/" 2>/dev/null || true; fi
if [ -d "$build/netbsd-compat/lib" ]; then
  mkdir -p "$prefix/lib/rumpus-netbsd"
  cp -P "$build"/netbsd-compat/lib/*.so* "$prefix/lib/rumpus-netbsd/" 2>/dev/null || true
fi
install -D -m 755 bin/rumpus-test "$prefix/bin/rumpus-test"
if [ -d csrc/include/rump ]; then mkdir -p "$prefix/include/rump"; cp csrc/include/rump/*.h "$prefix/include/rump/"; fi
echo "installed into $prefix"
