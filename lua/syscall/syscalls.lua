-- syscall.syscalls: the system-call wrappers every target shares, written once.
--
-- They are assembled by injection (as in ljsyscall): init(S, env) fills S from
--   env.C   the C functions (libc on the host, a kernel's rump_sys_* for a kernel)
--   env.c   the target's constants, env.t / env.pt / env.s its types
--   env.fd  the constructor of the target's descriptor objects
-- Each wrapper returns a value (or true) on success and nil, err on failure; a wrong
-- argument type is a programming mistake and raises an error naming the argument.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, ipairs, select, math, setmetatable =
      type, tonumber, tostring, error, ipairs, select, math, setmetatable
-- rawtype is Lua's own type(): cheap, and enough for numbers, strings and nil; type says
-- "cdata" for cdata on PUC Lua too, at the cost of a call into the ffi module there.
local rawtype = type
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

function M.init(S, env)
  local C, c, t, pt, s = env.C, env.c, env.t, env.pt, env.s
  local mkfd = env.fd
  local errno = env.errno or ffi.errno
  local getfd = env.getfd or fdm.getfd
  local flag = h.flag
  local checkstring, checkbuf = h.checkstring, h.checkbuf
  local AT_FDCWD = c.AT_FDCWD.FDCWD
  local err = t.error

  -- Return helpers.
  local function retbool(r)
    if r == -1 then return nil, err(errno()) end
    return true
  end
  local function retnum(r)
    if rawtype(r) ~= "number" then r = tonumber(r) end   -- 64-bit results are cdata on LuaJIT
    if r == -1 then return nil, err(errno()) end
    return r
  end
  local function retfd(r)
    if r == -1 then return nil, err(errno()) end
    return mkfd(r)
  end
  S.retbool, S.retnum = retbool, retnum
  S.retfd = function(r) return retfd(h.int(r, "retfd", 1)) end
  local function fail() return nil, err(errno()) end
  S.fail = fail

  -- A path: a string with no NUL byte (C would stop at it: "/d/a\0junk" is /d/a).
  local function path(v, fname, argn)
    if rawtype(v) ~= "string" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. type(v) .. ")", 3)
    end
    if v:find("\0", 1, true) then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (path contains a NUL byte)", 3)
    end
    return v
  end
  local function dirfd(v, fname, argn)
    if v == nil then return AT_FDCWD end
    if type(v) == "string" and (v == "FDCWD" or v == "fdcwd" or v == "AT_FDCWD") then return AT_FDCWD end
    return getfd(v, fname, argn)
  end
  -- getdirfd(v): the number of a directory descriptor argument (nil and "fdcwd" are
  -- AT_FDCWD).  env.dirfd(v, fname, argn) is the same for wrappers, naming their argument.
  function S.getdirfd(v) return dirfd(v, "getdirfd", 1) end
  env.dirfd = dirfd
  local function mode(v, fname, argn)
    if v == nil then return 0 end
    return flag(c.MODE, v, fname, argn)
  end
  -- A uid or gid: nil and -1 mean "no change".
  local function id(v, fname, argn)
    if v == nil then return -1 end
    return h.uint(v, fname, argn)
  end
  local int, optint, off = h.int, h.optint, h.off
  -- The size of a cdata buffer, remembered per object: ffi.sizeof of a variable-length array
  -- is not compiled by LuaJIT, and read/write are hot.  false for a pointer (size unknown).
  local sizes = setmetatable({}, { __mode = "k" })
  -- (The first look at a buffer is never compiled by LuaJIT: see helpers.flag.)
  local function newbufsize(buf)
    local size = ffi.sizeof(buf) or false
    if tostring(ffi.typeof(buf)):find("%*>?$") then size = false end
    sizes[buf] = size
    return size
  end
  if rawget(_G, "jit") then jit.off(newbufsize) end
  local function bufsize(buf)
    local size = sizes[buf]
    if size == nil then size = newbufsize(buf) end
    return size
  end
  -- A byte count must fit the string or array it refers to (size; false for a pointer, whose
  -- size is unknown).
  local function checkcount(size, count, fname, argn)
    if rawtype(count) ~= "number" then h.argerror(fname, argn, "number", count) end
    if count < 0 then error("bad argument #" .. argn .. " to '" .. fname .. "' (negative count)", 3) end
    if size and count > size then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (count " .. count .. " larger than the buffer's " .. size .. " bytes)", 3)
    end
  end
  local function fits(buf, count, fname, argn)
    if rawtype(count) == "nil" then return end  -- (a NULL pointer cdata == nil too: refused below)
    if rawtype(count) ~= "number" then h.argerror(fname, argn, "number", count) end
    local size
    if rawtype(buf) == "string" then size = #buf else size = bufsize(buf) end
    checkcount(size, count, fname, argn)
  end
  -- Reads that return a string read into one scratch buffer (then copy what was read into the
  -- string) instead of a new zeroed buffer per call.  The buffer is taken while in use: a
  -- read made meanwhile (by a finalizer) gets a buffer of its own.
  local SCRATCH = 65536
  local scratch = t.buffer(SCRATCH)
  local function take(count)
    local b = scratch
    if b ~= nil and rawtype(count) == "number" and count >= 0 and count <= SCRATCH then
      scratch = nil
      return b
    end
    return nil
  end

  -- A caller's buffer for data the kernel writes: a cdata, and not a descriptor object (whose
  -- few bytes would be overwritten).
  local ckind = h.ckind
  local charp = ffi.typeof("char *")
  local function outdata(buf, fname, argn, chars)
    local k = type(buf) == "cdata" and not fdm.istype(buf) and not h.isnull(buf) and ckind(buf)
    if not (k == "array" or k == "pointer" or (k == "struct" and not chars)) then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (buffer expected, got " .. h.describe(buf) .. ")", 3)
    end
    return buf
  end
  -- A byte count for a buffer the wrapper allocates.
  local function newcount(count, fname, argn)
    if type(count) ~= "number" or count ~= count or count < 0 or count >= 2147483648 then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (count " .. tostring(count) .. " out of range)", 3)
    end
    return count
  end
  env.outdata, env.newcount = outdata, newcount
  -- A structure the kernel fills in: nil (a new one is made) or a cdata of that type or a
  -- pointer to one.  The kernel's prototypes take void *: anything else would be overwritten
  -- past its end.
  local ptrs = setmetatable({}, { __mode = "k" })
  local function outstruct(ct, v, fname, argn)
    if v == nil then return ct() end
    if type(v) == "cdata" and not h.isnull(v) then
      if ffi.istype(ct, v) then return v end
      local pct = ptrs[ct]
      if not pct then pct = require("syscall.ctypes").ptr(ct); ptrs[ct] = pct end
      if ffi.istype(pct, v) and v ~= nil then return v end
    end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(ct) .. " expected, got " ..
      (type(v) == "cdata" and tostring(ffi.typeof(v)) or type(v)) .. ")", 3)
  end
  env.outstruct = outstruct
  -- A time the kernel reads: a number of seconds, a table ({sec, nsec}, {tv_sec=...}) or a
  -- value of the type ct.  Nothing else: a pointer would be read wherever it points.
  local function timearg(ct, v, fname, argn)
    if type(v) == "cdata" and ffi.istype(ct, v) and not h.isnull(v) then return v end
    local tv = rawtype(v)
    if tv ~= "number" and tv ~= "table" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (number or table expected (a time, or a " ..
        tostring(ct):gsub("^ctype<(.*)>$", "%1") .. "), got " .. h.describe(v) .. ")", 3)
    end
    local ok, r = pcall(ct, v)
    if not ok then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 3)
    end
    return r
  end
  env.timearg = timearg

  -- Descriptors and files -------------------------------------------------------------------

  function S.open(p, flags, m)
    return retfd(C.open(path(p, "open", 1), flag(c.O, flags, "open", 2), mode(m, "open", 3)))
  end
  function S.openat(d, p, flags, m)
    return retfd(C.openat(dirfd(d, "openat", 1), path(p, "openat", 2), flag(c.O, flags, "openat", 3), mode(m, "openat", 4)))
  end
  function S.creat(p, m) return S.open(p, "creat, wronly, trunc", m) end
  local isfd = fdm.istype
  -- Closing a descriptor object a second time does nothing and returns true, as in ljsyscall
  -- (the object never closes a number twice); a closed number is EBADF.
  function S.close(fd)
    if rawtype(fd) ~= "number" and isfd(fd) and fd.filenum == -1 then return true end
    local n = getfd(fd, "close", 1)
    local r = C.close(n)
    if rawtype(fd) ~= "number" and isfd(fd) then fd.filenum = -1 end
    return retbool(r)
  end

  -- The size of a buffer argument to read into (a cdata; false for a pointer).  A buffer seen
  -- before is answered by one lookup in sizes, which holds only cdata.
  local function inbuf(buf, fname)
    local size = sizes[buf]
    if size ~= nil then return size end
    if type(buf) ~= "cdata" then h.argerror(fname, 2, "buffer", buf) end
    outdata(buf, fname, 2)
    return bufsize(buf)
  end
  -- The same for data to write: a string or a cdata.
  local function outbuf(buf, fname)
    if rawtype(buf) == "string" then return #buf end
    local size = sizes[buf]
    if size ~= nil then return size end
    checkbuf(buf, fname, 2)
    return bufsize(buf)
  end
  -- read, write, pread and pwrite are the hot calls, written out flat: on PUC Lua every call
  -- of a function (Lua's or C's) costs as much as a table lookup ten times over.
  --   * descriptors go through getfd, which also refuses another kernel's (or the host's);
  --   * a buffer seen before is found in `sizes`; a count equal to its size needs no check,
  --     another is checked by badcount, and checkcount raises the error when it is wrong;
  --   * their C functions return ssize_t: a Lua integer on PUC Lua, an int64 cdata that
  --     compares with -1 and needs tonumber on LuaJIT.
  local LJ = rawget(_G, "jit") ~= nil
  -- (LuaJIT compares a descriptor object with a number through its __eq, so a count that is
  -- a descriptor could pass `count ~= size`: the type is checked first there.  PUC Lua never
  -- calls __eq between a userdata and a number.)
  local function badcount(size, count)
    return rawtype(count) ~= "number" or count < 0 or (size and count > size)
  end
  function S.read(fd, buf, count)
    local n
    n = getfd(fd, "read", 1)
    local r
    if buf ~= nil then
      local size = sizes[buf]
      if size == nil then size = inbuf(buf, "read") end
      if count == nil then count = size or ffi.sizeof(buf)
      elseif (LJ and rawtype(count) ~= "number") or (count ~= size and badcount(size, count)) then checkcount(size, count, "read", 3) end
      r = C.read(n, buf, count)
      if r == -1 then return fail() end
      if LJ then return (tonumber(r)) end
      return r
    end
    count = newcount(count or 4096, "read", 3)
    local b = take(count)
    if b then
      r = C.read(n, b, count)
      if LJ then r = tonumber(r) end
      local str = r ~= -1 and ffi.string(b, r)
      scratch = b
      if not str then return fail() end
      return str
    end
    b = t.buffer(count)
    r = tonumber(C.read(n, b, count))
    if r == -1 then return fail() end
    return ffi.string(b, r)
  end
  function S.write(fd, buf, count)
    local size
    if rawtype(buf) == "string" then size = #buf else
      size = sizes[buf]
      if size == nil then size = outbuf(buf, "write") end
    end
    if count == nil then count = size or ffi.sizeof(buf)
    elseif (LJ and rawtype(count) ~= "number") or (count ~= size and badcount(size, count)) then checkcount(size, count, "write", 3) end
    local n
    n = getfd(fd, "write", 1)
    local r = C.write(n, buf, count)
    if r == -1 then return fail() end
    if LJ then return (tonumber(r)) end
    return r
  end
  function S.pread(fd, buf, count, offset)
    local n
    n = getfd(fd, "pread", 1)
    -- An integer offset is taken as it is, anything else is checked by off().  PUC Lua: 0
    -- skips even the type test (a call into C, a tenth of the wrapper's cost there); a
    -- userdata is never == 0 there.  LuaJIT compiles the test to nothing.
    if offset == nil then offset = 0
    elseif (LJ or offset ~= 0) and (rawtype(offset) ~= "number" or offset % 1 ~= 0 or offset >= 9223372036854775808 or offset < -9223372036854775808) then
      offset = off(offset, "pread", 4)
    end
    local r
    if buf == nil then
      count = newcount(count or 4096, "pread", 3)
      local b = take(count)
      if b then
        r = C.pread(n, b, count, offset)
        if LJ then r = tonumber(r) end
        local str = r ~= -1 and ffi.string(b, r)
        scratch = b
        if not str then return fail() end
        return str
      end
      b = t.buffer(count)
      r = tonumber(C.pread(n, b, count, offset))
      if r == -1 then return fail() end
      return ffi.string(b, r)
    end
    local size = sizes[buf]
    if size == nil then size = inbuf(buf, "pread") end
    if count == nil then count = size or ffi.sizeof(buf)
    elseif (LJ and rawtype(count) ~= "number") or (count ~= size and badcount(size, count)) then checkcount(size, count, "pread", 3) end
    r = C.pread(n, buf, count, offset)
    if r == -1 then return fail() end
    if LJ then return (tonumber(r)) end
    return r
  end
  function S.pwrite(fd, buf, count, offset)
    local size
    if rawtype(buf) == "string" then size = #buf else
      size = sizes[buf]
      if size == nil then size = outbuf(buf, "pwrite") end
    end
    if count == nil then count = size or ffi.sizeof(buf)
    elseif (LJ and rawtype(count) ~= "number") or (count ~= size and badcount(size, count)) then checkcount(size, count, "pwrite", 3) end
    local n
    n = getfd(fd, "pwrite", 1)
    if offset == nil then offset = 0
    elseif (LJ or offset ~= 0) and (rawtype(offset) ~= "number" or offset % 1 ~= 0 or offset >= 9223372036854775808 or offset < -9223372036854775808) then
      offset = off(offset, "pwrite", 4)
    end
    local r = C.pwrite(n, buf, count, offset)
    if r == -1 then return fail() end
    if LJ then return (tonumber(r)) end
    return r
  end
  local function iovs(v, fname, into)
    if type(v) ~= "table" then h.argerror(fname, 2, "iovecs", v) end
    if not (v.iov and v.count) then
      local ok, r = pcall(t.iovecs, v)
      if not ok then error("bad argument #2 to '" .. fname .. "' (" .. tostring(r):gsub("^.-: ", "") .. ")", 3) end
      v = r
    elseif type(v.iov) ~= "cdata" or ckind(v.iov) ~= "array" or rawtype(v.count) ~= "number" or v.count < 0
        or v.count * ffi.sizeof(t.iovec) > ffi.sizeof(v.iov) then
      error("bad argument #2 to '" .. fname .. "' (iovecs count does not fit its array)", 3)
    end
    -- The kernel writes into the buffers of readv: a Lua string is immutable and shared.
    if into and v.readonly then error("bad argument #2 to '" .. fname .. "' (a string cannot be read into)", 3) end
    return v
  end
  function S.readv(fd, iov)
    iov = iovs(iov, "readv", true)
    return retnum(C.readv(getfd(fd, "readv", 1), iov.iov, iov.count))
  end
  function S.writev(fd, iov)
    iov = iovs(iov, "writev")
    return retnum(C.writev(getfd(fd, "writev", 1), iov.iov, iov.count))
  end
  if C.preadv then
    function S.preadv(fd, iov, offset)
      iov = iovs(iov, "preadv", true)
      return retnum(C.preadv(getfd(fd, "preadv", 1), iov.iov, iov.count, off(offset, "preadv", 3, 0)))
    end
    function S.pwritev(fd, iov, offset)
      iov = iovs(iov, "pwritev")
      return retnum(C.pwritev(getfd(fd, "pwritev", 1), iov.iov, iov.count, off(offset, "pwritev", 3, 0)))
    end
  end
  function S.lseek(fd, offset, whence)
    if offset == nil then offset = 0
    elseif (LJ or offset ~= 0) and (rawtype(offset) ~= "number" or offset % 1 ~= 0 or offset >= 9223372036854775808 or offset < -9223372036854775808) then
      offset = off(offset, "lseek", 2)
    end
    local r = C.lseek(getfd(fd, "lseek", 1), offset, flag(c.SEEK, whence or "set", "lseek", 3))
    if r == -1 then return fail() end
    return (tonumber(r))
  end
  function S.dup(fd) return retfd(C.dup(getfd(fd, "dup", 1))) end
  -- dup2/dup3 onto a descriptor object return that object (it owns the number already; a
  -- second object would close it twice); onto a plain number, a new object.
  local function retdup(r, nfd)
    if r == -1 then return fail() end
    if type(nfd) == "cdata" and fdm.istype(nfd) then return nfd end
    return mkfd(r)
  end
  function S.dup2(fd, nfd) return retdup(C.dup2(getfd(fd, "dup2", 1), getfd(nfd, "dup2", 2)), nfd) end
  if C.dup3 then
    function S.dup3(fd, nfd, flags) return retdup(C.dup3(getfd(fd, "dup3", 1), getfd(nfd, "dup3", 2), flag(c.O, flags, "dup3", 3)), nfd) end
  end

  -- fcntl: the argument's meaning depends on the command.
  function S.fcntl(fd, cmd, arg)
    local n = getfd(fd, "fcntl", 1)
    cmd = flag(c.F, cmd, "fcntl", 2)
    local F = c.F
    if cmd == F.SETFL then return retbool(C.fcntl(n, cmd, flag(c.O, arg, "fcntl", 3))) end
    if cmd == F.SETFD then return retbool(C.fcntl(n, cmd, flag(c.FD, arg, "fcntl", 3))) end
    if F.ADD_SEALS and cmd == F.ADD_SEALS and c.F_SEAL then  -- seals by name, as ljsyscall
      return retbool(C.fcntl(n, cmd, flag(c.F_SEAL, arg, "fcntl", 3)))
    end
    if cmd == F.GETFL or cmd == F.GETFD or cmd == F.GETOWN or (F.GETPIPE_SZ and cmd == F.GETPIPE_SZ) then
      return retnum(C.fcntl(n, cmd, 0))
    end
    if cmd == F.DUPFD or (F.DUPFD_CLOEXEC and cmd == F.DUPFD_CLOEXEC) then
      return retfd(C.fcntl(n, cmd, optint(arg, "fcntl", 3, 0)))
    end
    if cmd == F.GETLK or cmd == F.SETLK or cmd == F.SETLKW then
      local lk = arg
      if type(lk) == "table" then
        lk = t.flock()
        lk.l_type = c.FCNTL_LOCK[arg.type or arg.l_type or "rdlck"]
        lk.l_whence = c.SEEK[arg.whence or arg.l_whence or "set"]
        lk.l_start = arg.start or arg.l_start or 0
        lk.l_len = arg.len or arg.l_len or 0
      elseif lk == nil then lk = t.flock()
      end
      local r = C.fcntl(n, cmd, ffi.cast("long", ffi.cast("void *", lk)))
      if r == -1 then return fail() end
      if cmd == F.GETLK then return lk end
      return true
    end
    if type(arg) == "cdata" and not fdm.istype(arg) and ckind(arg) ~= "scalar" then
      return retnum(C.fcntl(n, cmd, ffi.cast("long", ffi.cast("void *", outdata(arg, "fcntl", 3)))))
    end
    return retnum(C.fcntl(n, cmd, optint(arg, "fcntl", 3, 0)))
  end

  -- ioctl(fd, request, arg).  The request's encoding gives the size of what the kernel reads
  -- or writes at arg (NetBSD: IOC_VOID/IOC_OUT/IOC_IN in bits 29-31, the length in bits
  -- 16-28; Linux: _IOC_WRITE/_IOC_READ in bits 30-31, the length in bits 16-29; Linux's old
  -- requests (0x54xx, 0x89xx) encode nothing and are known by name below).  arg is
  --   * a number: passed in an int when the request takes an int (the int is returned after
  --     the call), as the value itself for NetBSD's IOC_VOID; refused for any other request
  --     (the kernel would write a structure past the 4-byte int);
  --   * a buffer (array or struct cdata): refused when smaller than the encoded size; a
  --     pointer is the caller's (its size is unknown);
  --   * nil: NULL (FIONREAD and TIOCOUTQ return the count as a number).
  local floor = math.floor
  local iocenc, legacy
  if S.target == "netbsd" then
    -- size, takes_value (IOC_VOID); nil when unencoded
    iocenc = function(req)
      local dir = floor(req / 0x20000000) % 8
      if dir == 0 then return nil end
      return floor(req / 65536) % 8192, dir == 1
    end
  else
    iocenc = function(req)
      local dir = floor(req / 0x40000000) % 4
      if dir == 0 then return nil end
      return floor(req / 65536) % 16384, false
    end
    -- Linux's unencoded requests: the size of their argument (4: an int), or 0: none.
    local I = c.IOCTL
    legacy = { [0x540f] = 4, [0x5410] = 4, [0x5415] = 4, [0x5416] = 4, [0x5417] = 4, [0x5418] = 4,
      [0x5420] = 4, [0x5423] = 4, [0x5424] = 4, [0x5429] = 4 }  -- TIOC[GS]PGRP, TIOCM*, TIOCPKT, TIOC[GS]ETD, TIOCGSID
    if I then
      for _, nm in ipairs{ "FIONREAD", "FIONBIO", "FIOASYNC", "TIOCOUTQ", "SIOCOUTQ", "SIOCINQ" } do
        if I[nm] then legacy[I[nm]] = 4 end
      end
      if I.FIOCLEX then legacy[I.FIOCLEX] = 0 end
      if I.FIONCLEX then legacy[I.FIONCLEX] = 0 end
      if I.TIOCGWINSZ then legacy[I.TIOCGWINSZ] = 8 end
      if I.TIOCSWINSZ then legacy[I.TIOCSWINSZ] = 8 end
      if I.SIOCGIFCONF then legacy[I.SIOCGIFCONF] = 16 end
      for nm, v in pairs(I) do
        if rawtype(nm) == "string" and nm:match("^SIOC[GS]IF") and legacy[v] == nil then legacy[v] = 40 end  -- struct ifreq
      end
    end
  end
  -- Linux areas add their unencoded requests here (request -> argument size, 0: the value).
  env.ioctl_legacy = legacy
  local function iocsize(req)
    local size, value = iocenc(req)
    if size == nil and legacy then size = legacy[req] end
    return size, value
  end
  local voidp = ffi.typeof("void *")
  function S.ioctl(fd, request, arg)
    local n = getfd(fd, "ioctl", 1)
    local req = c.IOCTL and c.IOCTL[request] or request
    if type(req) == "cdata" and ckind(req) == "scalar" then req = tonumber(req) end
    if rawtype(req) ~= "number" then error("bad argument #2 to 'ioctl' (unknown request " .. tostring(request) .. ")", 2) end
    if req ~= req or req % 1 ~= 0 or req < -2147483648 or req >= 4294967296 then
      error("bad argument #2 to 'ioctl' (request " .. tostring(request) .. " out of range)", 2)
    end
    if req < 0 then req = req + 4294967296 end
    local size, value = iocsize(req)
    if arg == nil and c.IOCTL and (req == c.IOCTL.FIONREAD or req == c.IOCTL.TIOCOUTQ) then
      local v = t.int1()
      if C.ioctl(n, req, ffi.cast(voidp, v)) == -1 then return fail() end
      return (tonumber(v[0]))
    end
    if type(arg) == "cdata" and ckind(arg) == "scalar" and not fdm.istype(arg) then arg = tonumber(arg) end
    if rawtype(arg) == "number" then
      if arg ~= arg or arg % 1 ~= 0 or arg < -2147483648 or arg >= 4294967296 then
        error("bad argument #3 to 'ioctl' (" .. tostring(arg) .. " out of range)", 2)
      end
      if value or size == 0 then
        local r = C.ioctl(n, req, ffi.cast(voidp, arg))
        if r == -1 then return fail() end
        return true
      end
      if size ~= 4 then
        error("bad argument #3 to 'ioctl' (request " .. tostring(request) .. " takes " ..
          (size and (size .. " bytes at a pointer") or "a pointer to a structure of unknown size") ..
          ", not a number: pass a buffer)", 2)
      end
      local v = t.int1(arg)
      local r = C.ioctl(n, req, ffi.cast(voidp, v))
      if r == -1 then return fail() end
      return (tonumber(v[0]))
    end
    if arg ~= nil then
      local k = type(arg) == "cdata" and not fdm.istype(arg) and ckind(arg)
      if k ~= "array" and k ~= "struct" and k ~= "pointer" then
        error("bad argument #3 to 'ioctl' (number or buffer expected, got " .. h.describe(arg) .. ")", 2)
      end
      if k ~= "pointer" and size and size > 0 then
        local have = ffi.sizeof(arg)
        if have and have < size then
          error("bad argument #3 to 'ioctl' (request " .. tostring(request) .. " takes " .. size ..
            " bytes, the buffer has " .. have .. ")", 2)
        end
      end
    end
    local r = C.ioctl(n, req, arg and ffi.cast(voidp, arg) or nil)
    if r == -1 then return fail() end
    return arg or true
  end

  -- Descriptor flag helpers.
  local O_NONBLOCK = c.O.NONBLOCK
  function S.nonblock(fd)
    local fl, e = S.fcntl(fd, "getfl")
    if not fl then return nil, e end
    return S.fcntl(fd, "setfl", h.bor(fl, O_NONBLOCK))
  end
  function S.block(fd)
    local fl, e = S.fcntl(fd, "getfl")
    if not fl then return nil, e end
    if math.floor(fl / O_NONBLOCK) % 2 == 1 then fl = fl - O_NONBLOCK end
    return S.fcntl(fd, "setfl", fl)
  end
  function S.setcloexec(fd) return S.fcntl(fd, "setfd", "cloexec") end
  -- The file position (lseek(fd, 0, "cur")).
  function S.tell(fd) return S.lseek(fd, 0, "cur") end

  -- lockf(fd, cmd, len): POSIX record locks on len bytes from the current position (0: to the
  -- end of the file), through fcntl as in libc.  cmd "lock" waits, "tlock" fails at once
  -- (EAGAIN/EACCES), "ulock" releases, and "test" returns true when the region is free (or this
  -- process holds it), false when another process holds it.
  if c.LOCKF then
    function S.lockf(fd, cmd, len)
      local lc = flag(c.LOCKF, cmd, "lockf", 2)
      if len ~= nil then off(len, "lockf", 3) end
      local lk = { whence = "cur", start = 0, len = len or 0, type = "wrlck" }
      if lc == c.LOCKF.LOCK then return S.fcntl(fd, "setlkw", lk) end
      if lc == c.LOCKF.TLOCK then return S.fcntl(fd, "setlk", lk) end
      if lc == c.LOCKF.ULOCK then lk.type = "unlck"; return S.fcntl(fd, "setlk", lk) end
      if lc == c.LOCKF.TEST then
        local r, e = S.fcntl(fd, "getlk", lk)
        if not r then return nil, e end
        return r.l_type == c.FCNTL_LOCK.UNLCK or r.l_pid == S.getpid()
      end
      error("bad argument #2 to 'lockf' (unknown command " .. tostring(cmd) .. ")", 2)
    end
  end

  -- Metadata.
  function S.stat(p, buf)
    buf = outstruct(t.stat, buf, "stat", 2)
    if C.stat(path(p, "stat", 1), buf) == -1 then return fail() end
    return buf
  end
  function S.lstat(p, buf)
    buf = outstruct(t.stat, buf, "lstat", 2)
    if C.lstat(path(p, "lstat", 1), buf) == -1 then return fail() end
    return buf
  end
  function S.fstat(fd, buf)
    buf = outstruct(t.stat, buf, "fstat", 2)
    if C.fstat(getfd(fd, "fstat", 1), buf) == -1 then return fail() end
    return buf
  end
  function S.fstatat(d, p, buf, flags)
    buf = outstruct(t.stat, buf, "fstatat", 3)
    if C.fstatat(dirfd(d, "fstatat", 1), path(p, "fstatat", 2), buf, flag(c.AT, flags, "fstatat", 4)) == -1 then return fail() end
    return buf
  end
  -- access modes: names ("r, w"), or ljsyscall's letters ("rw", "rwx", "f").
  local function okmode(m, fname, argn)
    if m == nil then return c.OK.F end
    if type(m) == "string" and m:match("^[rwxfRWXF]+$") then
      local v = 0
      for ch in m:upper():gmatch(".") do v = h.bor(v, c.OK[ch]) end
      return v
    end
    return flag(c.OK, m, fname, argn)
  end
  function S.access(p, m) return retbool(C.access(path(p, "access", 1), okmode(m, "access", 2))) end
  if C.faccessat then
    function S.faccessat(d, p, m, flags)
      return retbool(C.faccessat(dirfd(d, "faccessat", 1), path(p, "faccessat", 2), okmode(m, "faccessat", 3), flag(c.AT, flags, "faccessat", 4)))
    end
  end
  function S.chmod(p, m) return retbool(C.chmod(path(p, "chmod", 1), mode(m, "chmod", 2))) end
  function S.fchmod(fd, m) return retbool(C.fchmod(getfd(fd, "fchmod", 1), mode(m, "fchmod", 2))) end
  if C.fchmodat then
    function S.fchmodat(d, p, m, flags) return retbool(C.fchmodat(dirfd(d, "fchmodat", 1), path(p, "fchmodat", 2), mode(m, "fchmodat", 3), flag(c.AT, flags, "fchmodat", 4))) end
  end
  function S.chown(p, u, g) return retbool(C.chown(path(p, "chown", 1), id(u, "chown", 2), id(g, "chown", 3))) end
  function S.fchown(fd, u, g) return retbool(C.fchown(getfd(fd, "fchown", 1), id(u, "fchown", 2), id(g, "fchown", 3))) end
  function S.lchown(p, u, g) return retbool(C.lchown(path(p, "lchown", 1), id(u, "lchown", 2), id(g, "lchown", 3))) end
  if C.fchownat then
    function S.fchownat(d, p, u, g, flags) return retbool(C.fchownat(dirfd(d, "fchownat", 1), path(p, "fchownat", 2), id(u, "fchownat", 3), id(g, "fchownat", 4), flag(c.AT, flags, "fchownat", 5))) end
  end
  function S.truncate(p, len) return retbool(C.truncate(path(p, "truncate", 1), off(len, "truncate", 2, 0))) end
  function S.ftruncate(fd, len) return retbool(C.ftruncate(getfd(fd, "ftruncate", 1), off(len, "ftruncate", 2, 0))) end
  function S.fsync(fd) return retbool(C.fsync(getfd(fd, "fsync", 1))) end
  if C.fdatasync then function S.fdatasync(fd) return retbool(C.fdatasync(getfd(fd, "fdatasync", 1))) end end
  if C.sync then function S.sync() C.sync(); return true end end
  if C.flock then function S.flock(fd, op) return retbool(C.flock(getfd(fd, "flock", 1), flag(c.LOCK, op, "flock", 2))) end end

  -- Names.
  function S.mkdir(p, m) return retbool(C.mkdir(path(p, "mkdir", 1), mode(m or "0777", "mkdir", 2))) end
  function S.mkdirat(d, p, m) return retbool(C.mkdirat(dirfd(d, "mkdirat", 1), path(p, "mkdirat", 2), mode(m or "0777", "mkdirat", 3))) end
  function S.rmdir(p) return retbool(C.rmdir(path(p, "rmdir", 1))) end
  function S.unlink(p) return retbool(C.unlink(path(p, "unlink", 1))) end
  function S.unlinkat(d, p, flags) return retbool(C.unlinkat(dirfd(d, "unlinkat", 1), path(p, "unlinkat", 2), flag(c.AT, flags, "unlinkat", 3))) end
  function S.rename(a, b) return retbool(C.rename(path(a, "rename", 1), path(b, "rename", 2))) end
  function S.renameat(d1, a, d2, b)
    return retbool(C.renameat(dirfd(d1, "renameat", 1), path(a, "renameat", 2), dirfd(d2, "renameat", 3), path(b, "renameat", 4)))
  end
  function S.link(a, b) return retbool(C.link(path(a, "link", 1), path(b, "link", 2))) end
  function S.linkat(d1, a, d2, b, flags)
    return retbool(C.linkat(dirfd(d1, "linkat", 1), path(a, "linkat", 2), dirfd(d2, "linkat", 3), path(b, "linkat", 4), flag(c.AT, flags, "linkat", 5)))
  end
  function S.symlink(a, b) return retbool(C.symlink(path(a, "symlink", 1), path(b, "symlink", 2))) end
  function S.symlinkat(a, d, b) return retbool(C.symlinkat(path(a, "symlinkat", 1), dirfd(d, "symlinkat", 2), path(b, "symlinkat", 3))) end
  function S.readlink(p, buf, size)
    -- A caller's buffer: its size by default, and a size that does not fit it is refused.
    if type(buf) ~= "nil" then
      outdata(buf, "readlink", 2, true)
      fits(buf, size, "readlink", 3)
      size = size or bufsize(buf) or ffi.sizeof(buf)
    end
    size = newcount(size or c.PATH_MAX, "readlink", 3)
    buf = buf or t.buffer(size)
    local r = tonumber(C.readlink(path(p, "readlink", 1), ffi.cast(charp, buf), size))
    if r == -1 then return fail() end
    return ffi.string(ffi.cast(charp, buf), r)
  end
  function S.readlinkat(d, p, buf, size)
    -- A caller's buffer: its size by default, and a size that does not fit it is refused.
    if type(buf) ~= "nil" then
      outdata(buf, "readlinkat", 3, true)
      fits(buf, size, "readlinkat", 4)
      size = size or bufsize(buf) or ffi.sizeof(buf)
    end
    size = newcount(size or c.PATH_MAX, "readlinkat", 4)
    buf = buf or t.buffer(size)
    local r = tonumber(C.readlinkat(dirfd(d, "readlinkat", 1), path(p, "readlinkat", 2), ffi.cast(charp, buf), size))
    if r == -1 then return fail() end
    return ffi.string(ffi.cast(charp, buf), r)
  end
  -- dev: a number, a t.device, or {major, minor} (as ljsyscall).
  local function devarg(dev)
    if type(dev) == "table" and dev.dev == nil and dev[1] ~= nil and t.device then return t.device(dev[1], dev[2]).dev end
    if type(dev) == "table" then return dev.dev end
    return dev
  end
  function S.mknod(p, m, dev)
    dev = devarg(dev)
    return retbool(C.mknod(path(p, "mknod", 1), flag(c.S_I, m, "mknod", 2), off(dev, "mknod", 3, 0)))
  end
  if C.mknodat then
    function S.mknodat(d, p, m, dev)
      dev = devarg(dev)
      return retbool(C.mknodat(dirfd(d, "mknodat", 1), path(p, "mknodat", 2), flag(c.S_I, m, "mknodat", 3), off(dev, "mknodat", 4, 0)))
    end
  end
  if C.mkfifo then function S.mkfifo(p, m) return retbool(C.mkfifo(path(p, "mkfifo", 1), mode(m or "0666", "mkfifo", 2))) end end
  function S.chdir(p) return retbool(C.chdir(path(p, "chdir", 1))) end
  function S.fchdir(fd) return retbool(C.fchdir(getfd(fd, "fchdir", 1))) end
  if C.chroot then function S.chroot(p) return retbool(C.chroot(path(p, "chroot", 1))) end end
  function S.getcwd(buf, size)
    -- A caller's buffer: its size by default, and a size that does not fit it is refused.
    if type(buf) ~= "nil" then
      outdata(buf, "getcwd", 1, true)
      fits(buf, size, "getcwd", 2)
      size = size or bufsize(buf) or ffi.sizeof(buf)
    end
    size = newcount(size or c.PATH_MAX, "getcwd", 2)
    buf = buf or t.buffer(size)
    local r = C.getcwd(ffi.cast(charp, buf), size)
    if r == nil or (type(r) == "number" and r == -1) then return fail() end
    return ffi.string(ffi.cast(charp, buf))
  end
  function S.umask(m) return (tonumber(C.umask(mode(m, "umask", 1)))) end

  -- utimensat/futimens: times are {atime, mtime}, each a number, a timespec, "now" or "omit".
  local function ts2(times, fname, argn)
    if times == nil then return nil end
    if type(times) == "cdata" and ffi.istype(t.timespec2, times) then return times end
    if type(times) ~= "table" then h.argerror(fname, argn, "table of times", times) end
    local ts = t.timespec2()
    for i = 1, 2 do
      local v = times[i]
      local sv = type(v) == "string" and v:lower()
      if sv == "now" then ts[i - 1].tv_sec, ts[i - 1].tv_nsec = 0, c.UTIME.NOW
      elseif sv == "omit" or type(v) == "nil" then ts[i - 1].tv_sec, ts[i - 1].tv_nsec = 0, c.UTIME.OMIT
      else ts[i - 1] = timearg(t.timespec, v, fname, argn) end
    end
    return ts
  end
  if C.utimensat then
    function S.utimensat(d, p, times, flags)
      return retbool(C.utimensat(dirfd(d, "utimensat", 1), path(p, "utimensat", 2), ts2(times, "utimensat", 3), flag(c.AT, flags, "utimensat", 4)))
    end
    function S.utimens(p, times) return S.utimensat(nil, p, times, 0) end
  end
  if C.futimens then
    function S.futimens(fd, times) return retbool(C.futimens(getfd(fd, "futimens", 1), ts2(times, "futimens", 2))) end
  end
  -- futimes/lutimes (timevals or numbers, nil for now) over utimensat, and the old utime(path,
  -- actime, modtime) over utimes, as ljsyscall provides them.
  local function tv2ts(times)
    if times == nil then return nil end
    if type(times) ~= "table" then return times end
    local r = {}
    for i = 1, 2 do
      local v = times[i]
      if type(v) == "cdata" and ffi.istype(t.timeval, v) then v = t.timespec(tonumber(v.tv_sec), tonumber(v.tv_usec) * 1000) end
      r[i] = v
    end
    return r
  end
  if C.futimens then
    function S.futimes(fd, times) return retbool(C.futimens(getfd(fd, "futimes", 1), ts2(tv2ts(times), "futimes", 2))) end
  end
  if C.utimensat then
    function S.lutimes(p, times)
      return retbool(C.utimensat(AT_FDCWD, path(p, "lutimes", 1), ts2(tv2ts(times), "lutimes", 2), c.AT.SYMLINK_NOFOLLOW))
    end
  end
  if C.utimes then
    function S.utime(p, actime, modtime)
      path(p, "utime", 1)
      modtime = modtime or actime
      if actime ~= nil then
        -- timearg here, so that an error names utime and its argument
        return S.utimes(p, { timearg(t.timeval, actime, "utime", 2), timearg(t.timeval, modtime, "utime", 3) })
      end
      return S.utimes(p)
    end
    function S.utimes(p, times)
      local tv
      path(p, "utimes", 1)
      if type(times) == "cdata" and ffi.istype(t.timeval2, times) then tv = times
      elseif times ~= nil then
        if type(times) ~= "table" then h.argerror("utimes", 2, "table of two times", times) end
        tv = t.timeval2()
        tv[0], tv[1] = timearg(t.timeval, times[1], "utimes", 2), timearg(t.timeval, times[2], "utimes", 2)
      end
      return retbool(C.utimes(p, tv))
    end
  end

  -- Pipes.
  function S.pipe(flags)
    local fds = t.int2()
    local r
    if flags and C.pipe2 then r = C.pipe2(fds, flag(c.O, flags, "pipe", 1)) else r = C.pipe(fds) end
    if r == -1 then return fail() end
    return true, nil, mkfd(fds[0]), mkfd(fds[1])
  end
  if C.pipe2 then S.pipe2 = function(flags) return S.pipe(flags or 0) end end

  -- Identity.
  function S.getpid() return C.getpid() end
  function S.getppid() return C.getppid() end
  function S.getuid() return (tonumber(C.getuid())) end
  function S.geteuid() return (tonumber(C.geteuid())) end
  function S.getgid() return (tonumber(C.getgid())) end
  function S.getegid() return (tonumber(C.getegid())) end
  function S.setuid(u) return retbool(C.setuid(h.uint(u, "setuid", 1))) end
  function S.setgid(g) return retbool(C.setgid(h.uint(g, "setgid", 1))) end
  if C.seteuid then function S.seteuid(u) return retbool(C.seteuid(h.uint(u, "seteuid", 1))) end end
  if C.setegid then function S.setegid(g) return retbool(C.setegid(h.uint(g, "setegid", 1))) end end
  function S.getgroups()
    local n = tonumber(C.getgroups(0, nil))
    if n == -1 then return fail() end
    local list = t.uints(n + 1)
    n = tonumber(C.getgroups(n + 1, list))
    if n == -1 then return fail() end
    local r = {}
    for i = 0, n - 1 do r[i + 1] = tonumber(list[i]) end
    return r
  end
  function S.setgroups(groups)
    if type(groups) ~= "table" then h.argerror("setgroups", 1, "table", groups) end
    local list = t.uints(#groups + 1)
    for i, g in ipairs(groups) do list[i - 1] = h.uint(g, "setgroups", 1) end
    return retbool(C.setgroups(#groups, list))
  end

  -- Time.
  function S.clock_gettime(clk, ts)
    ts = outstruct(t.timespec, ts, "clock_gettime", 2)
    if C.clock_gettime(flag(c.CLOCK, clk or "realtime", "clock_gettime", 1), ts) == -1 then return fail() end
    return ts
  end
  function S.clock_getres(clk, ts)
    ts = outstruct(t.timespec, ts, "clock_getres", 2)
    if C.clock_getres(flag(c.CLOCK, clk or "realtime", "clock_getres", 1), ts) == -1 then return fail() end
    return ts
  end
  if C.clock_settime then
    function S.clock_settime(clk, ts) return retbool(C.clock_settime(flag(c.CLOCK, clk, "clock_settime", 1), timearg(t.timespec, ts, "clock_settime", 2))) end
  end
  -- nanosleep returns true; interrupted by a signal, true, nil and the time left (ljsyscall's
  -- shape: the sleep itself did not fail).  Other failures are nil, err.
  local EINTR = c.E.INTR
  function S.nanosleep(req, rem)
    req = timearg(t.timespec, req, "nanosleep", 1)
    rem = outstruct(t.timespec, rem, "nanosleep", 2)
    if C.nanosleep(req, rem) == -1 then
      local e = errno()
      if e == EINTR then return true, nil, rem end
      return nil, err(e)
    end
    return true
  end
  -- sleep(sec) returns the whole seconds left: 0 unless a signal cut the sleep short.
  function S.sleep(sec)
    if rawtype(sec) ~= "number" or sec ~= sec or sec < 0 or sec == math.huge then
      error("bad argument #1 to 'sleep' (seconds expected, got " .. tostring(sec) .. ")", 2)
    end
    local ok, e, rem = S.nanosleep(sec)
    if not ok then return nil, e end
    if rem then return (tonumber(rem.tv_sec)) end
    return 0
  end
  function S.gettimeofday(tv)
    tv = outstruct(t.timeval, tv, "gettimeofday", 1)
    if C.gettimeofday(tv, nil) == -1 then return fail() end
    return tv
  end
  -- time([t]) returns the seconds since the epoch, also stored in t[0] when given (as time(2)).
  function S.time(tp)
    if tp ~= nil and type(tp) ~= "table" and not (type(tp) == "cdata" and pcall(function() tp[0] = 0 end)) then
      h.argerror("time", 1, "array of one number", tp)
    end
    local sec = tonumber(S.clock_gettime("realtime").tv_sec)
    if tp ~= nil then tp[0] = sec end
    return sec
  end
  if C.settimeofday then
    function S.settimeofday(tv)
      if tv ~= nil then tv = timearg(t.timeval, tv, "settimeofday", 1) end  -- nil: NULL, as ljsyscall
      return retbool(C.settimeofday(tv, nil))
    end
  end

  -- Sockets (shared parts; ABIs differ only in types).
  local function sproto(domain, protocol)
    if protocol == nil then return 0 end
    if c.NETLINK and domain == c.AF.NETLINK then return flag(c.NETLINK, protocol, "socket", 3) end
    return flag(c.IPPROTO, protocol, "socket", 3)
  end
  function S.socket(domain, stype, protocol)
    domain = flag(c.AF, domain, "socket", 1)
    return retfd(C.socket(domain, flag(c.SOCK, stype, "socket", 2), sproto(domain, protocol)))
  end
  function S.socketpair(domain, stype, protocol)
    domain = flag(c.AF, domain, "socketpair", 1)
    local sv = t.int2()
    if C.socketpair(domain, flag(c.SOCK, stype, "socketpair", 2), sproto(domain, protocol), sv) == -1 then return fail() end
    return true, nil, mkfd(sv[0]), mkfd(sv[1])
  end
  local function lenof(addr) return #addr end
  local haslen = {}   -- ctype id -> whether #v gives a length (LuaJIT)
  -- A sockaddr argument and its length (len, else #addr for our sockaddr types, else its size).
  -- optional: nil is allowed (sendto on a connected socket).
  local function addrlen(addr, len, fname, argn, optional)
    if optional and type(addr) == "nil" then return nil, 0 end
    if type(addr) ~= "cdata" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (sockaddr expected, got " .. type(addr) .. ")", 3)
    end
    if fdm.istype(addr) then error("bad argument #" .. argn .. " to '" .. fname .. "' (sockaddr expected, got a descriptor)", 3) end
    local k = ckind(addr)
    if k ~= "struct" and k ~= "array" and k ~= "pointer" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (sockaddr expected, got " .. h.describe(addr) .. ")", 3)
    end
    if len == nil then
      -- #addr where the type has a length (our sockaddr types), else its size.  LuaJIT:
      -- remembered per ctype id, so the hot path makes no pcall.
      local id, has = nil, nil
      if LJ then id = tonumber(ffi.typeof(addr)); has = haslen[id] end
      if has then len = #addr
      elseif has == false then len = ffi.sizeof(addr)
      else
        local ok, n = pcall(lenof, addr)
        len = ok and n or ffi.sizeof(addr)
        if id then haslen[id] = ok and rawtype(n) == "number" end
      end
    else
      -- The kernel reads len bytes: a length beyond the structure is given a zeroed copy of
      -- that length (the kernel refuses it as before, EINVAL, without reading past the object).
      if rawtype(len) ~= "number" or len ~= len or len % 1 ~= 0 or len < 0 or len > 65536 then
        error("bad argument #" .. (argn + 1) .. " to '" .. fname .. "' (address length " .. tostring(len) .. " out of range)", 3)
      end
      local size = k ~= "pointer" and ffi.sizeof(addr)
      if size and len > size then
        local tmp = t.buffer(len)
        ffi.copy(tmp, addr, size)
        addr = tmp
      end
    end
    return pt.sockaddr(addr), len
  end
  function S.bind(fd, addr, len)
    local sa, n = addrlen(addr, len, "bind", 2)
    return retbool(C.bind(getfd(fd, "bind", 1), sa, n))
  end
  function S.connect(fd, addr, len)
    local sa, n = addrlen(addr, len, "connect", 2)
    return retbool(C.connect(getfd(fd, "connect", 1), sa, n))
  end
  function S.listen(fd, backlog) return retbool(C.listen(getfd(fd, "listen", 1), optint(backlog, "listen", 2, c.SOMAXCONN))) end
  -- accept returns the new descriptor, nil (the error slot, as every call) and the peer's address.
  -- An address length: a number, a socklen1 cdata (kept, as ljsyscall passes it), or #addr.
  -- An address the kernel writes (accept, recvfrom, getsockname, getpeername): nil (a new
  -- sockaddr_storage) or a sockaddr structure or array, whose size bounds the length given to
  -- the kernel.  A pointer is refused: its size is unknown, and the binding reads the address
  -- back after the call.  len: nil (the structure's size), a number up to it, or a socklen_t[1]
  -- holding one (kept, as ljsyscall passes it).  Returns the address, its size and the length.
  local function outaddr(addr, len, fname, addrn, lenn)
    if addr == nil then
      if len ~= nil and type(len) ~= "number" then h.argerror(fname, lenn, "number", len) end
      addr = t.sockaddr_storage()
      local size = s.sockaddr_storage or ffi.sizeof(addr)
      if len ~= nil then checkcount(size, len, fname, lenn) end
      return addr, size, t.socklen1(len or size)
    end
    local k = type(addr) == "cdata" and not fdm.istype(addr) and ckind(addr)
    if k ~= "struct" and k ~= "array" then
      error("bad argument #" .. addrn .. " to '" .. fname .. "' (sockaddr expected, got " .. h.describe(addr) ..
        (k == "pointer" and ": a pointer's size is unknown" or "") .. ")", 3)
    end
    local size = ffi.sizeof(addr)
    local l
    if len == nil then l = t.socklen1(size)
    elseif rawtype(len) == "number" then
      if len ~= len or len % 1 ~= 0 then h.argerror(fname, lenn, "integer", len) end
      checkcount(size, len, fname, lenn)
      l = t.socklen1(len)
    elseif type(len) == "cdata" and ffi.istype(t.socklen1, len) then
      checkcount(size, tonumber(len[0]), fname, lenn)
      l = len
    else h.argerror(fname, lenn, "number or socklen_t[1]", len) end
    return addr, size, l
  end
  -- The address the kernel wrote, as the type of its family (the length it answered may be
  -- larger than the buffer: the address was cut to the buffer).
  local function retaddr(addr, size, l)
    local n = tonumber(l[0])
    if n > size then n = size end
    if size < 2 then return addr end
    return t.sa(addr, n)
  end
  local function accept(fname, fd, flags, addr, len)
    local n = getfd(fd, fname, 1)
    local size, l
    addr, size, l = outaddr(addr, len, fname, 3, 4)
    local fl = flag(c.SOCK, flags, fname, 2)
    local r
    if fl ~= 0 and C.accept4 then r = C.accept4(n, pt.sockaddr(addr), l, fl)
    elseif fl ~= 0 and C.paccept then r = C.paccept(n, pt.sockaddr(addr), l, nil, fl)
    else r = C.accept(n, pt.sockaddr(addr), l) end
    if r == -1 then return fail() end
    return mkfd(r), nil, retaddr(addr, size, l)
  end
  -- accept(fd [, flags [, addr [, len]]]); also ljsyscall's accept(fd, addr [, len]).
  function S.accept(fd, flags, addr, len)
    if type(flags) == "cdata" then return accept("accept", fd, nil, flags, addr) end
    return accept("accept", fd, flags, addr, len)
  end
  -- accept4(fd, flags [, addr [, len]]); also ljsyscall's accept4(fd, addr, len, flags).
  if C.accept4 or C.paccept then
    function S.accept4(fd, flags, addr, len)
      if type(flags) == "cdata" then return accept("accept4", fd, len, flags, addr) end
      return accept("accept4", fd, flags, addr, len)
    end
  end
  -- send, recv and sendto end in no tail call (LuaJIT counts the tail calls of a trace
  -- against its loop-unroll limit, 15: a loop of a few socket calls through the kernel
  -- binders would abort its trace).
  -- The length of data to send: count, else the string's length or the buffer's size.
  local function buflen(buf, count)
    if count then return count end
    if type(buf) == "string" then return #buf end
    return ffi.sizeof(buf)
  end
  function S.send(fd, buf, count, flags)
    checkbuf(buf, "send", 2)
    fits(buf, count, "send", 3)
    local r = C.sendto(getfd(fd, "send", 1), buf, buflen(buf, count), flag(c.MSG, flags, "send", 4), nil, 0)
    if r == -1 then return fail() end
    return (tonumber(r))
  end
  function S.recv(fd, buf, count, flags)
    local n = getfd(fd, "recv", 1)
    if buf == nil then
      count = newcount(count or 4096, "recv", 3)
      local fl = flag(c.MSG, flags, "recv", 4)
      local b = take(count)
      if b then
        local r = C.recvfrom(n, b, count, fl, nil, nil)
        if rawtype(r) ~= "number" then r = tonumber(r) end
        local str = r ~= -1 and ffi.string(b, r)
        scratch = b
        if not str then return fail() end
        return str
      end
      b = t.buffer(count)
      local r = tonumber(C.recvfrom(n, b, count, fl, nil, nil))
      if r == -1 then return fail() end
      return ffi.string(b, r)
    end
    outdata(buf, "recv", 2)
    fits(buf, count, "recv", 3)
    local r = C.recvfrom(n, buf, count or ffi.sizeof(buf), flag(c.MSG, flags, "recv", 4), nil, nil)
    if r == -1 then return fail() end
    return (tonumber(r))
  end
  function S.sendto(fd, buf, count, flags, addr, len)
    checkbuf(buf, "sendto", 2)
    fits(buf, count, "sendto", 3)
    local sa, n = addrlen(addr, len, "sendto", 5, true)
    local r = C.sendto(getfd(fd, "sendto", 1), buf, buflen(buf, count), flag(c.MSG, flags, "sendto", 4), sa, n)
    if r == -1 then return fail() end
    return (tonumber(r))
  end
  -- recvfrom returns the count, nil (the error slot) and the sender's address, as ljsyscall;
  -- with no buffer, the data as a string in place of the count.
  function S.recvfrom(fd, buf, count, flags, addr, len)
    local n = getfd(fd, "recvfrom", 1)
    local size, l
    addr, size, l = outaddr(addr, len, "recvfrom", 5, 6)
    local b = buf
    if b == nil then count = newcount(count or 4096, "recvfrom", 3); b = t.buffer(count)
    else outdata(b, "recvfrom", 2); fits(b, count, "recvfrom", 3) end
    local r = tonumber(C.recvfrom(n, b, count or ffi.sizeof(b), flag(c.MSG, flags, "recvfrom", 4), pt.sockaddr(addr), l))
    if r == -1 then return fail() end
    if buf == nil then return ffi.string(b, r), nil, retaddr(addr, size, l) end
    return r, nil, retaddr(addr, size, l)
  end
  -- A message: a t.msghdr (or a non-NULL pointer to one); any other cdata would be read
  -- and written as one past its end.  The descriptor objects its SCM_RIGHTS messages were
  -- built from must be this table's (another kernel's would send ours of that number).
  local msghdr_p = require("syscall.ctypes").ptr(t.msghdr)
  local rights = require "syscall.shared_sockets".rights
  local function msghdr(m, fname)
    if type(m) ~= "cdata" or h.isnull(m) or not (ffi.istype(t.msghdr, m) or ffi.istype(msghdr_p, m)) then
      error("bad argument #2 to '" .. fname .. "' (msghdr expected, got " .. h.describe(m) .. ")", 3)
    end
    local r = rights[m]
    if r then for _, f in ipairs(r) do getfd(f, fname, 2) end end
    return m
  end
  -- sendmsg with no message sends one zero byte (enough to carry credentials), as ljsyscall.
  local onebyte
  function S.sendmsg(fd, msg, flags)
    if msg == nil then
      onebyte = onebyte or t.msghdr{ iov = { "\0" } }
      msg = onebyte
    end
    return retnum(C.sendmsg(getfd(fd, "sendmsg", 1), msghdr(msg, "sendmsg"), flag(c.MSG, flags, "sendmsg", 3)))
  end
  function S.recvmsg(fd, msg, flags) return retnum(C.recvmsg(getfd(fd, "recvmsg", 1), msghdr(msg, "recvmsg"), flag(c.MSG, flags, "recvmsg", 3))) end
  function S.getsockname(fd, addr, len)
    local n = getfd(fd, "getsockname", 1)
    local size, l
    addr, size, l = outaddr(addr, len, "getsockname", 2, 3)
    if C.getsockname(n, pt.sockaddr(addr), l) == -1 then return fail() end
    return retaddr(addr, size, l)
  end
  function S.getpeername(fd, addr, len)
    local n = getfd(fd, "getpeername", 1)
    local size, l
    addr, size, l = outaddr(addr, len, "getpeername", 2, 3)
    if C.getpeername(n, pt.sockaddr(addr), l) == -1 then return fail() end
    return retaddr(addr, size, l)
  end
  function S.shutdown(fd, how) return retbool(C.shutdown(getfd(fd, "shutdown", 1), flag(c.SHUT, how or "rdwr", "shutdown", 2))) end

  -- Socket options.  The option's level picks its name table; values: number, boolean,
  -- or a cdata (with optlen).  getsockopt returns a number unless a buffer is given.
  local levels = {}
  local function optname(level, name)
    local tab = levels[level]
    if tab then
      local v = tab[name]
      if v then return v end
    end
    if type(name) == "number" then return name end
    return nil
  end
  S.sockopt_levels = levels
  levels[c.SOL.SOCKET] = c.SO
  if c.IPPROTO.IP and c.IP then levels[c.IPPROTO.IP] = c.IP end
  if c.IPPROTO.TCP and c.TCP then levels[c.IPPROTO.TCP] = c.TCP end
  if c.IPPROTO.IPV6 and c.IPV6 then levels[c.IPPROTO.IPV6] = c.IPV6 end
  if c.IPPROTO.UDP and c.UDP then levels[c.IPPROTO.UDP] = c.UDP end
  local function level(l, fname)
    local v = c.SOL[l]
    if v == nil then v = c.IPPROTO[l] end
    if v == nil then error("bad argument #2 to '" .. fname .. "' (unknown level " .. tostring(l) .. ")", 3) end
    return v
  end
  function S.setsockopt(fd, lvl, name, val, len)
    local lv = level(lvl, "setsockopt")
    local on = optname(lv, name)
    if on == nil then error("bad argument #3 to 'setsockopt' (unknown option " .. tostring(name) .. ")", 2) end
    if type(val) == "boolean" then val = val and 1 or 0 end
    if type(val) == "number" then
      val, len = t.int1(val), s.int
    elseif type(val) ~= "cdata" then
      error("bad argument #4 to 'setsockopt' (number, boolean or cdata expected, got " .. type(val) .. ")", 2)
    else
      fits(val, len, "setsockopt", 5)
    end
    return retbool(C.setsockopt(getfd(fd, "setsockopt", 1), lv, on, val, len or ffi.sizeof(val)))
  end
  function S.getsockopt(fd, lvl, name, val, len)
    local lv = level(lvl, "getsockopt")
    local on = optname(lv, name)
    if on == nil then error("bad argument #3 to 'getsockopt' (unknown option " .. tostring(name) .. ")", 2) end
    local int = rawequal(val, nil)
    if int then val, len = t.int1(), s.int
    else outdata(val, "getsockopt", 4); fits(val, len, "getsockopt", 5) end
    local l = t.socklen1(len or ffi.sizeof(val))
    if C.getsockopt(getfd(fd, "getsockopt", 1), lv, on, val, l) == -1 then return fail() end
    if int then return (tonumber(val[0])) end
    return val, tonumber(l[0])
  end

  -- poll over t.pollfds (or a plain list of {fd=, events=}); returns the count ready.
  -- The descriptor objects of a pollfds (t.pollfds keeps them in .fds) must be this table's:
  -- another kernel's (or the host's) number would poll whatever is open here under it.
  local function pollfds(fds, fname)
    if type(fds) == "table" and not fds.pfd then
      local ok, r = pcall(t.pollfds, fds)
      if not ok then error("bad argument #1 to '" .. fname .. "' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 3) end
      fds = r
    end
    if type(fds) ~= "table" or rawtype(fds.count) ~= "number" or type(fds.pfd) ~= "cdata" then
      h.argerror(fname, 1, "pollfds", fds)
    end
    local room = ffi.sizeof(fds.pfd)
    if ckind(fds.pfd) ~= "array" or fds.count < 0 or fds.count * s.pollfd > room then
      error("bad argument #1 to '" .. fname .. "' (pollfds count " .. tostring(fds.count) .. " does not fit its array)", 3)
    end
    local list = fds.fds
    if list then for i = 1, fds.count do local f = list[i]; if f ~= nil and rawtype(f) ~= "number" then getfd(f, fname, 1) end end end
    return fds
  end
  env.pollfds = pollfds
  function S.poll(fds, timeout)
    fds = pollfds(fds, "poll")
    return retnum(C.poll(fds.pfd, fds.count, optint(timeout, "poll", 2, -1)))
  end

  -- The methods of this target's descriptors.
  S.fdmethods = {}
  for k, v in pairs(fdm.methods) do S.fdmethods[k] = v end
  S.fdmethods.nonblock = S.nonblock
  S.fdmethods.block = S.block
  S.fdmethods.setcloexec = S.setcloexec
  S.fdmethods.close = S.close
  S.fdmethods.stat = S.fstat
  S.fdmethods.accept = S.accept
  -- ljsyscall's other method names.
  S.fdmethods.lock = S.flock
  S.fdmethods.utimes = S.futimes
  S.fdmethods.tell = S.tell
  S.fdmethods.lockf = S.lockf

  return S
end

return M
