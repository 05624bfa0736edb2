-- LuaRocks spec.  From the repository root, for the Lua LuaRocks is configured for:
--   luarocks make --tree <tree> rockspec/rumpus-scm-1.rockspec       (--lua-version 5.1 is LuaJIT)
-- Supported: LuaJIT 2.1 (Lua 5.1 API), PUC Lua 5.3 and 5.4 (through rumpus_ffi, built here
-- against libffi).  PUC Lua 5.1 and 5.2 are refused at build time (tools/rock.sh): no ffi.
-- Linux x86_64 and arm64 only.  Needs a C compiler, make, pkg-config and libffi headers.
rockspec_format = "3.0"
package = "rumpus"
version = "scm-1"
source = { url = "git+https://example.invalid/rumpus.git" }
description = {
  summary = "Script kernels from Lua: Linux syscalls via FFI, and in-process NetBSD-ABI rump kernels",
  detailed = [[
    require "syscall": the Linux system calls from Lua (ljsyscall-compatible), on LuaJIT and on
    Lua 5.3/5.4 through a libffi-based ffi module (rumpus_ffi).  require "rump": in-process
    kernels with the NetBSD rump-kernel interface, many per process, with the same syscall API.
  ]],
  license = "BSD-2-Clause",
  labels = { "ffi", "syscall", "kernel", "testing", "networking" },
}
supported_platforms = { "linux" }
-- LuaJIT reports itself as 5.1; 5.2 has no ffi here; 5.5 is untested.
dependencies = { "lua >= 5.1, < 5.5, ~= 5.2" }
build = {
  type = "make",
  build_target = "rock",
  build_variables = {
    CC = "$(CC)", CFLAGS = "$(CFLAGS)", LUA = "$(LUA)", LUA_INCDIR = "$(LUA_INCDIR)",
  },
  install_target = "rock-install",
  install_variables = {
    LUA = "$(LUA)", LUADIR = "$(LUADIR)", LIBDIR = "$(LIBDIR)",
  },
  copy_directories = { "docs" },
}
