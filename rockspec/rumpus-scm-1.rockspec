-- LuaRocks spec: `luarocks make rockspec/rumpus-scm-1.rockspec` from the repository root.
package = "rumpus"
version = "scm-1"
source = { url = "git+https://example.invalid/rumpus.git" }
description = {
  summary = "Script kernels from Lua: Linux syscalls via FFI, and in-process NetBSD-ABI rump kernels",
  detailed = [[
    require "syscall": the Linux system calls from Lua (ljsyscall-compatible), on LuaJIT and on
    Lua 5.3/5.4 through a libffi-based ffi module.  require "rump": in-process kernels with the
    NetBSD rump-kernel interface, many per process, with the same syscall API.
  ]],
  license = "BSD-2-Clause",
}
dependencies = { "lua >= 5.1" }
build = {
  type = "make",
  build_target = "all",
  install_target = "install",
  install_variables = { PREFIX = "$(PREFIX)" },
}
