-- syscall.linux.files: the Linux-only file calls (the POSIX ones are in syscall.syscalls).
--
--   S.getdents(fd, buf, size)   directory entries (getdents64), a table keyed by name that is
--                               also an iterator: `for name, d in pairs(ents)` or `for d in ents`
--   S.statfs / S.fstatfs        file-system figures (t.statfs with .bsize, .blocks, .bfree...)
--   S.sendfile, S.splice, S.tee, S.fallocate, S.fadvise, S.syncfs, S.renameat2,
--   S.memfd_create: each defined only when the host libc has the function.

local ffi = require "ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, setmetatable, rawget =
      type, tonumber, tostring, error, setmetatable, rawget
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

function M.init(S, env)
  local C, c, t, pt = env.C, env.c, env.t, env.pt
  local getfd, flag = fdm.getfd, h.flag
  local fail, retbool, retnum, retfd = S.fail, S.retbool, S.retnum, S.retfd

  -- Constants only these calls use.
  c.POSIX_FADV = c.POSIX_FADV or h.strflag({
    NORMAL = 0, RANDOM = 1, SEQUENTIAL = 2, WILLNEED = 3, DONTNEED = 4, NOREUSE = 5,
  }, "POSIX_FADV")
  c.FALLOC_FL = c.FALLOC_FL or h.multiflags({
    KEEP_SIZE = 1, PUNCH_HOLE = 2, NO_HIDE_STALE = 4, COLLAPSE_RANGE = 8, ZERO_RANGE = 0x10,
    INSERT_RANGE = 0x20, UNSHARE_RANGE = 0x40,
  }, "FALLOC_FL")
  c.MFD = c.MFD or h.multiflags({ CLOEXEC = 1, ALLOW_SEALING = 2, HUGETLB = 4 }, "MFD")
  c.SPLICE_F = c.SPLICE_F or h.multiflags({ MOVE = 1, NONBLOCK = 2, MORE = 4, GIFT = 8 }, "SPLICE_F")

  local function path(v, fname, argn)
    if type(v) ~= "string" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. type(v) .. ")", 3)
    end
    return v
  end
  local function int(v, fname, argn)
    if type(v) == "number" or (type(v) == "cdata" and not fdm.istype(v)) then return v end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (number expected, got " .. type(v) .. ")", 3)
  end

  -- statfs ---------------------------------------------------------------------------------
  local statfs_get = {
    type = function(s) return tonumber(s.f_type) end,
    bsize = function(s) return tonumber(s.f_bsize) end,
    blocks = function(s) return tonumber(s.f_blocks) end,
    bfree = function(s) return tonumber(s.f_bfree) end,
    bavail = function(s) return tonumber(s.f_bavail) end,
    files = function(s) return tonumber(s.f_files) end,
    ffree = function(s) return tonumber(s.f_ffree) end,
    fsid = function(s) return { tonumber(s.f_fsid[0]), tonumber(s.f_fsid[1]) } end,
    namelen = function(s) return tonumber(s.f_namelen) end,
    frsize = function(s) return tonumber(s.f_frsize) end,
    flags = function(s) return tonumber(s.f_flags) end,
  }
  ffi.metatype(t.statfs, { __index = function(s, k) local g = statfs_get[k]; if g then return g(s) end end })

  -- flock (fcntl record locks): .type .whence .start .len .pid as numbers.
  local flock_get = {
    type = function(l) return tonumber(l.l_type) end,
    whence = function(l) return tonumber(l.l_whence) end,
    start = function(l) return tonumber(l.l_start) end,
    len = function(l) return tonumber(l.l_len) end,
    pid = function(l) return tonumber(l.l_pid) end,
  }
  ffi.metatype(t.flock, { __index = function(l, k) local g = flock_get[k]; if g then return g(l) end end })

  if C.statfs then
    function S.statfs(p, buf)
      buf = buf or t.statfs()
      if C.statfs(path(p, "statfs", 1), buf) == -1 then return fail() end
      return buf
    end
  end
  if C.fstatfs then
    function S.fstatfs(fd, buf)
      local n = getfd(fd, "fstatfs", 1)
      buf = buf or t.statfs()
      if C.fstatfs(n, buf) == -1 then return fail() end
      return buf
    end
  end

  -- getdents -------------------------------------------------------------------------------
  -- Each entry is a Lua table copied out of the buffer (so the buffer may be reused):
  -- .name .ino .off .type (a c.DT number) .typename, tests .isdir .isreg .islnk .ischr .isblk
  -- .isfifo .issock .isunknown, and the DT names themselves (d.DIR, d.REG...).
  local DT = c.DT
  local typenames = { [DT.FIFO] = "fifo", [DT.CHR] = "character", [DT.DIR] = "directory",
    [DT.BLK] = "block", [DT.REG] = "file", [DT.LNK] = "link", [DT.SOCK] = "socket",
    [DT.UNKNOWN] = "unknown" }
  -- The S_IF* file type of each DT value (DTTOIF).
  local function toif(dt) return dt * 4096 end
  local ent_tests = {
    isdir = DT.DIR, isreg = DT.REG, islnk = DT.LNK, ischr = DT.CHR, isblk = DT.BLK,
    isfifo = DT.FIFO, issock = DT.SOCK, isunknown = DT.UNKNOWN,
  }
  local ent_mt = {
    __index = function(d, k)
      local v = ent_tests[k]
      if v then return rawget(d, "type") == v end
      if k == "typename" then return typenames[rawget(d, "type")] or "unknown" end
      if k == "toif" then return toif(rawget(d, "type")) end
      if k == "d_name" then return rawget(d, "name") end
      if k == "d_ino" then return rawget(d, "ino") end
      if k == "d_type" then return rawget(d, "type") end
      if type(k) == "string" then
        local n = DT[k]
        if n then return rawget(d, "type") == n end
      end
      return nil
    end,
    __tostring = function(d) return rawget(d, "name") end,
  }
  -- The table returned is keyed by name; calling it iterates over the entries in the order
  -- the kernel gave them, so `for d in ents do` works as well as `pairs`.
  local function entsiter(list)
    return function(ents, _, prev)
      local i = (prev and prev.index or 0) + 1
      return list[i]
    end
  end
  local direntp = pt.dirent
  local nameoff = ffi.offsetof(t.dirent, "d_name")
  local charp = ffi.typeof("char *")

  if C.getdents64 then
    function S.getdents(fd, buf, size)
      local n = getfd(fd, "getdents", 1)
      if buf ~= nil and type(buf) ~= "cdata" then h.argerror("getdents", 2, "buffer", buf) end
      if size ~= nil and type(size) ~= "number" then h.argerror("getdents", 3, "number", size) end
      if buf ~= nil and size ~= nil and (size < 0 or (size > ffi.sizeof(buf)
          and not tostring(ffi.typeof(buf)):find("%*>?$"))) then
        error("bad argument #3 to 'getdents' (size " .. size .. " does not fit the buffer)", 2)
      end
      size = size or (buf and ffi.sizeof(buf)) or 4096
      buf = buf or t.buffer(size)
      local r = tonumber(C.getdents64(n, buf, size))
      if r == -1 then return fail() end
      local list, ents = {}, {}
      local p = ffi.cast(charp, buf)
      local off = 0
      while off < r do
        local d = ffi.cast(direntp, p + off)
        local reclen = tonumber(d.d_reclen)
        if reclen == 0 then break end
        local e = setmetatable({
          name = ffi.string(p + off + nameoff), ino = tonumber(d.d_ino), off = tonumber(d.d_off),
          type = tonumber(d.d_type), reclen = reclen, index = #list + 1,
        }, ent_mt)
        list[#list + 1] = e
        ents[e.name] = e
        off = off + reclen
      end
      return setmetatable(ents, { __call = entsiter(list), __len = function() return #list end })
    end
  end

  -- Data movement --------------------------------------------------------------------------
  -- An offset argument: nil (use and move the file position), a number (read from there;
  -- the position is left alone), or an int64[1] cdata that the kernel advances.
  local function offp(v, fname, argn)
    if v == nil then return nil end
    if type(v) == "number" then return t.off1(v) end
    if type(v) == "cdata" then return v end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (offset expected, got " .. type(v) .. ")", 3)
  end

  if C.sendfile then
    function S.sendfile(outfd, infd, offset, count)
      local o, i = getfd(outfd, "sendfile", 1), getfd(infd, "sendfile", 2)
      local op = offp(offset, "sendfile", 3)
      return retnum(C.sendfile(o, i, op, int(count, "sendfile", 4)))
    end
  end
  if C.splice then
    function S.splice(fdin, offin, fdout, offout, len, flags)
      local i, o = getfd(fdin, "splice", 1), getfd(fdout, "splice", 3)
      return retnum(C.splice(i, offp(offin, "splice", 2), o, offp(offout, "splice", 4),
        int(len, "splice", 5), flag(c.SPLICE_F, flags, "splice", 6)))
    end
  end
  if C.tee then
    function S.tee(fdin, fdout, len, flags)
      return retnum(C.tee(getfd(fdin, "tee", 1), getfd(fdout, "tee", 2), int(len, "tee", 3),
        flag(c.SPLICE_F, flags, "tee", 4)))
    end
  end

  -- Space and caching ----------------------------------------------------------------------
  if C.fallocate then
    function S.fallocate(fd, mode, offset, len)
      local n = getfd(fd, "fallocate", 1)
      return retbool(C.fallocate(n, flag(c.FALLOC_FL, mode, "fallocate", 2), offset or 0, int(len, "fallocate", 4)))
    end
  end
  -- posix_fadvise returns the error number instead of setting errno.
  if C.posix_fadvise then
    function S.fadvise(fd, advice, offset, len)
      local n = getfd(fd, "fadvise", 1)
      local r = C.posix_fadvise(n, offset or 0, len or 0, flag(c.POSIX_FADV, advice, "fadvise", 2))
      if r ~= 0 then return nil, t.error(r) end
      return true
    end
    S.posix_fadvise = S.fadvise
  end
  if C.syncfs then function S.syncfs(fd) return retbool(C.syncfs(getfd(fd, "syncfs", 1))) end end

  -- Names ----------------------------------------------------------------------------------
  if C.renameat2 then
    function S.renameat2(d1, a, d2, b, flags)
      return retbool(C.renameat2(S.getdirfd(d1, "renameat2", 1), path(a, "renameat2", 2),
        S.getdirfd(d2, "renameat2", 3), path(b, "renameat2", 4), flag(c.RENAME, flags, "renameat2", 5)))
    end
  end
  if C.memfd_create then
    function S.memfd_create(name, flags)
      return retfd(C.memfd_create(path(name, "memfd_create", 1), flag(c.MFD, flags, "memfd_create", 2)))
    end
  end

  -- Descriptor methods that are not plain aliases.
  S.fdmethods.getdents = S.getdents
  S.fdmethods.sendfile = S.sendfile
  return S
end

return M
