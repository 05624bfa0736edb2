-- syscall.linux.memory: mappings and memory locking on Linux.
--
--   mmap(addr, length, prot, flags, fd, offset)  -> a void * (nil, err on MAP_FAILED)
--   munmap, mprotect, madvise, msync, mlock, munlock, mlockall, munlockall
--   mremap(old, oldsize, newsize, flags, newaddr) -> a void *
--   mincore(addr, length, vec)  -> a list of booleans, one per page (resident or not)
--   getpagesize()
-- Addresses are pointers (any cdata pointer) or numbers; lengths are numbers.  As in
-- ljsyscall, mmap is also a descriptor method: fd:mmap(addr, length, prot, flags, offset).

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, error, math = type, tonumber, error, math
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

local declared = false
local function declare()
  if declared then return end
  declared = true
  pcall(ffi.cdef, 'int rumpus_lx_getpagesize(void) __asm__("getpagesize");')
end

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  local err = t.error
  local errno = env.errno or ffi.errno
  local getfd, flag = env.getfd or fdm.getfd, h.flag
  local retbool = S.retbool
  local function fail() return nil, err(errno()) end

  declare()
  if C.getpagesize == nil then
    local ok, f = pcall(function() return ffi.C.rumpus_lx_getpagesize end)
    if ok then C.getpagesize = f end
  end

  local voidp = ffi.typeof("void *")
  local intptr = ffi.typeof("intptr_t")

  local function addr(v, fname, argn)
    local tv = type(v)
    if v == nil then return nil end
    if tv == "cdata" then return ffi.cast(voidp, v) end
    if tv == "number" then return ffi.cast(voidp, v) end
    h.argerror(fname, argn, "address (pointer or number)", v)
  end
  local function len(v, fname, argn)
    if type(v) == "number" then
      if v < 0 then error("bad argument #" .. argn .. " to '" .. fname .. "' (length must not be negative)", 3) end
      return v
    end
    if type(v) == "cdata" then return v end
    h.argerror(fname, argn, "length (number)", v)
  end
  local function retptr(p)
    if tonumber(ffi.cast(intptr, p)) == -1 then return fail() end
    return p
  end

  local pagesize
  function S.getpagesize()
    if not pagesize then pagesize = C.getpagesize and tonumber(C.getpagesize()) or 4096 end
    return pagesize
  end

  function S.mmap(a, length, prot, flags, fd, offset)
    local n = -1
    if fd then n = getfd(fd, "mmap", 5) end
    return retptr(C.mmap(addr(a, "mmap", 1), len(length, "mmap", 2), flag(c.PROT, prot, "mmap", 3),
      flag(c.MAP, flags, "mmap", 4), n, h.checknumber(offset or 0, "mmap", 6)))
  end
  function S.munmap(a, length)
    return retbool(C.munmap(addr(a, "munmap", 1), len(length, "munmap", 2)))
  end
  function S.mprotect(a, length, prot)
    return retbool(C.mprotect(addr(a, "mprotect", 1), len(length, "mprotect", 2), flag(c.PROT, prot, "mprotect", 3)))
  end
  function S.madvise(a, length, advice)
    return retbool(C.madvise(addr(a, "madvise", 1), len(length, "madvise", 2), flag(c.MADV, advice or "normal", "madvise", 3)))
  end
  function S.msync(a, length, flags)
    return retbool(C.msync(addr(a, "msync", 1), len(length, "msync", 2), flag(c.MS_SYNC, flags or "sync", "msync", 3)))
  end
  function S.mlock(a, length) return retbool(C.mlock(addr(a, "mlock", 1), len(length, "mlock", 2))) end
  function S.munlock(a, length) return retbool(C.munlock(addr(a, "munlock", 1), len(length, "munlock", 2))) end
  function S.mlockall(flags) return retbool(C.mlockall(flag(c.MCL, flags, "mlockall", 1))) end
  function S.munlockall() return retbool(C.munlockall()) end
  function S.mremap(old, oldsize, newsize, flags, new)
    return retptr(C.mremap(addr(old, "mremap", 1), len(oldsize, "mremap", 2), len(newsize, "mremap", 3),
      flag(c.MREMAP, flags, "mremap", 4), addr(new, "mremap", 5)))
  end
  -- mincore: with no vector, a list of booleans (page resident); with a byte vector (one byte
  -- per page), the vector filled in.
  function S.mincore(a, length, vec)
    local p = addr(a, "mincore", 1)
    length = len(length, "mincore", 2)
    local ps = S.getpagesize()
    local pages = math.floor((tonumber(length) + ps - 1) / ps)
    local v = vec
    if v == nil then v = t.uchars(pages > 0 and pages or 1)
    elseif type(v) ~= "cdata" then h.argerror("mincore", 3, "byte vector", v) end
    if C.mincore(p, length, v) == -1 then return fail() end
    if vec ~= nil then return vec end
    local list = {}
    for i = 0, pages - 1 do list[i + 1] = v[i] % 2 == 1 end
    return list
  end

  S.fdmethods.mmap = function(fd, a, length, prot, flags, offset) return S.mmap(a, length, prot, flags, fd, offset) end
end

return M
