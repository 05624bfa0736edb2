#!/bin/bash
# make install PREFIX=...: a prefix that works with the interpreters' standard paths.
#   share/lua/5.1, 5.3, 5.4   the Lua modules (syscall, rump), for LuaJIT, Lua 5.3 and 5.4
#   lib/lua/5.3, 5.4          rumpus_ffi.so, the FFI for PUC Lua (loaded by syscall.ffi)
#   lib/librumpus.so          the kernel library; require "rump" finds it from its own path
#                             (<prefix>/share/lua/5.x/rump/ -> <prefix>/lib), C links it
#   lib/rumpus-netbsd/        the thin NetBSD-named libraries (librump.so, ...), if built
#   include/rump/*.h          the C headers; lib/pkgconfig/rumpus.pc for pkg-config
# DESTDIR is honoured as usual (files go to $DESTDIR$prefix, paths inside name $prefix).
set -euo pipefail
prefix=$1 build=$2
dest="${DESTDIR:-}$prefix"
case "$prefix" in /*) ;; *) echo "install: PREFIX must be an absolute path (got '$prefix')" >&2; exit 1 ;; esac

for v in 5.1 5.3 5.4; do
  d="$dest/share/lua/$v"
  mkdir -p "$d"
  rm -rf "$d/syscall" "$d/rump"
  cp -R lua/syscall.lua lua/syscall lua/rump "$d/"
done
for v in 5.3 5.4; do
  if [ -f "$build/lua$v/rumpus_ffi.so" ]; then
    install -D -m 755 "$build/lua$v/rumpus_ffi.so" "$dest/lib/lua/$v/rumpus_ffi.so"
  fi
done
install -D -m 755 "$build/lib/librumpus.so" "$dest/lib/librumpus.so"
if [ -d "$build/netbsd-compat/lib" ]; then
  mkdir -p "$dest/lib/rumpus-netbsd"
  # regular files and their symlinks (librump.so -> librump.so.0) as they are
  cp -P "$build"/netbsd-compat/lib/*.so* "$dest/lib/rumpus-netbsd/"
fi
install -D -m 755 bin/rumpus-test "$dest/bin/rumpus-test"
mkdir -p "$dest/include/rump"
install -m 644 csrc/include/rump/*.h "$dest/include/rump/"
mkdir -p "$dest/lib/pkgconfig"
cat > "$dest/lib/pkgconfig/rumpus.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: rumpus
Description: in-process kernels with the NetBSD rump-kernel interface
Version: 0.1
Libs: -L\${libdir} -lrumpus
Libs.private: -pthread
Cflags: -I\${includedir}
PC
echo "installed into $dest (Lua: share/lua/5.1 5.3 5.4, lib/lua/5.3 5.4; C: lib, include/rump, lib/pkgconfig/rumpus.pc)"
