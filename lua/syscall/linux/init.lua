-- syscall.linux.init: assembles the host's syscall table S for Linux.

local ffi = require "syscall.ffi"
local abi = require "syscall.abi"
local c = require "syscall.linux.constants"
local types = require "syscall.linux.types"
local C = require "syscall.linux.c"
local fdm = require "syscall.fd"

local S = { abi = abi, c = c, C = C, types = types, t = types.t, pt = types.pt, s = types.s,
  ctypes = types.ctypes, bit = require "syscall.bit", h = require "syscall.helpers",
  target = "linux", host = true }

local owner = fdm.register(S, 0)
local env = { C = C, c = c, t = types.t, pt = types.pt, s = types.s, owner = owner,
  getfd = fdm.getfd_of(owner),
  fd = function(n) return fdm.new(owner, n) end }
S.env = env

require "syscall.syscalls".init(S, env)
require "syscall.linux.syscalls".init(S, env)

S.errno = function(n)
  if n ~= nil then return ffi.errno(S.h.int(n, "errno", 1)) end
  return ffi.errno()
end
S.util = require "syscall.util".init(S)
require "syscall.linux.compat".util(S, S.util)
S.nl = require "syscall.linux.nl".init(S)
-- The netlink constants in S.c too (c.RTM, c.IFLA, c.NLM_F...), where ljsyscall has them.
for k, v in pairs(S.nl.c) do if rawget(c, k) == nil then c[k] = v end end

-- The standard descriptors, never closed by the GC.
S.stdin, S.stdout, S.stderr = env.fd(0):nogc(), env.fd(1):nogc(), env.fd(2):nogc()

S._VERSION = "rumpus 0.1 (ljsyscall API)"
S._DESCRIPTION = "rumpus: Linux system calls for Lua, compatible with ljsyscall"
S._COPYRIGHT = "Copyright (C) the rumpus authors"

return S
