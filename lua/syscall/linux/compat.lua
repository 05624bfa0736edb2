-- syscall.linux.compat: the rest of ljsyscall's Linux API that no other area carries.
--
--   S.settimeofday(tv)       nil is passed to the kernel as NULL (glibc would crash on it)
--   S.adjtimex(timex)        -> t.timex (.state: c.TIME name; fields as struct timex)
--   S.remap_file_pages(addr, size, prot, pgoff, flags)
--   S.io_setup(nr) -> ctx, S.io_destroy(ctx), S.io_submit(ctx, iocbs), S.io_getevents(ctx, min, nr, events, timeout),
--   S.io_cancel(ctx, iocb, result)          (Linux native AIO; t.iocb, t.iocb_array, t.io_events)
--   S.mq_open(name, flags, mode, attr) -> fd, S.mq_unlink(name), S.mq_getsetattr(fd, new, old),
--   S.mq_timedsend(fd, msg, len, prio, timeout), S.mq_timedreceive(fd, buf, len, prio, timeout)
-- Each goes through the raw system call (syscall.linux.nr), so nothing depends on libc
-- having a wrapper.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local bit = require "syscall.bit"
local nr = require "syscall.linux.nr"

local type, tonumber, tostring, error, ipairs, pairs, select =
      type, tonumber, tostring, error, ipairs, pairs, select
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local SYS = nr.SYS
local M = {}

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  local err = t.error
  local errno = env.errno or ffi.errno
  local getfd, flag = env.getfd, h.flag
  local function fail() return nil, err(errno()) end
  local long = ffi.typeof("long")
  local voidp = ffi.typeof("void *")
  local function sys(n, ...)
    local a = { ... }
    for i = 1, select("#", ...) do
      local v = a[i]
      if v == nil then a[i] = ffi.cast(long, 0)
      elseif type(v) == "cdata" then a[i] = ffi.cast(long, ffi.cast(voidp, v))
      else a[i] = ffi.cast(long, v) end
    end
    return tonumber(C.syscall(n, (table.unpack or unpack)(a, 1, select("#", ...))))
  end
  env.sys = sys
  local function retbool(r) if r == -1 then return fail() end return true end
  local function retnum(r) if r == -1 then return fail() end return r end

  if S.settimeofday then
    local timeval = t.timeval
    function S.settimeofday(tv)
      if tv ~= nil then tv = env.timearg(timeval, tv, "settimeofday", 1) end
      return retbool(sys(SYS.settimeofday, tv, nil))
    end
  end

  function S.remap_file_pages(addr, size, prot, pgoff, flags)
    if type(addr) ~= "cdata" and type(addr) ~= "number" then h.argerror("remap_file_pages", 1, "address", addr) end
    return retbool(sys(SYS.remap_file_pages, addr, h.off(size, "remap_file_pages", 2),
      flag(c.PROT, prot, "remap_file_pages", 3), h.off(pgoff, "remap_file_pages", 4, 0),
      flag(c.MAP, flags, "remap_file_pages", 5)))
  end

  return S
end

return M
