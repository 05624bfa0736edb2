-- syscall.linux.files: the Linux-only file calls (the POSIX ones are in syscall.syscalls).
--
--   S.getdents(fd, buf, size)   directory entries (getdents64), a table keyed by name that is
--                               also an iterator: `for name, d in pairs(ents)` or `for d in ents`
--   S.statfs / S.fstatfs        file-system figures (t.statfs with .bsize, .blocks, .bfree...)
--   S.sendfile, S.splice, S.tee, S.fallocate, S.fadvise, S.syncfs, S.renameat2,
--   S.memfd_create: each defined only when the host libc has the function.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, setmetatable, rawget, select, pcall, ipairs, pairs, package =
      type, tonumber, tostring, error, setmetatable, rawget, select, pcall, ipairs, pairs, package
local bit = require "syscall.bit"
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

-- The extended-attribute and other file calls ljsyscall also has.
if not package.loaded["syscall.linux.files.decl"] then
  ffi.cdef([[
long rumpus_lx_listxattr(const char *path, char *list, size_t size) __asm__("listxattr");
long rumpus_lx_llistxattr(const char *path, char *list, size_t size) __asm__("llistxattr");
long rumpus_lx_flistxattr(int fd, char *list, size_t size) __asm__("flistxattr");
long rumpus_lx_getxattr(const char *path, const char *name, void *value, size_t size) __asm__("getxattr");
long rumpus_lx_lgetxattr(const char *path, const char *name, void *value, size_t size) __asm__("lgetxattr");
long rumpus_lx_fgetxattr(int fd, const char *name, void *value, size_t size) __asm__("fgetxattr");
int rumpus_lx_setxattr(const char *path, const char *name, const void *value, size_t size, int flags) __asm__("setxattr");
int rumpus_lx_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) __asm__("lsetxattr");
int rumpus_lx_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) __asm__("fsetxattr");
int rumpus_lx_removexattr(const char *path, const char *name) __asm__("removexattr");
int rumpus_lx_lremovexattr(const char *path, const char *name) __asm__("lremovexattr");
int rumpus_lx_fremovexattr(int fd, const char *name) __asm__("fremovexattr");
long rumpus_lx_readahead(int fd, int64_t offset, size_t count) __asm__("readahead");
int rumpus_lx_sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags) __asm__("sync_file_range");
long rumpus_lx_vmsplice(int fd, const struct rumpus_lx_iovec *iov, unsigned long nr_segs, unsigned int flags) __asm__("vmsplice");
]])
  package.loaded["syscall.linux.files.decl"] = true
end

function M.init(S, env)
  local C, c, t, pt = env.C, env.c, env.t, env.pt
  local getfd, flag = env.getfd or fdm.getfd, h.flag
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
  c.XATTR = c.XATTR or h.strflag({ CREATE = 1, REPLACE = 2 }, "XATTR")
  c.SYNC_FILE_RANGE = c.SYNC_FILE_RANGE or h.multiflags({ WAIT_BEFORE = 1, WRITE = 2, WAIT_AFTER = 4 }, "SYNC_FILE_RANGE")
  c.PC = c.PC or h.strflag({
    LINK_MAX = 0, MAX_CANON = 1, MAX_INPUT = 2, NAME_MAX = 3, PATH_MAX = 4, PIPE_BUF = 5,
    CHOWN_RESTRICTED = 6, NO_TRUNC = 7, VDISABLE = 8, SYNC_IO = 9, ASYNC_IO = 10, PRIO_IO = 11,
    SOCK_MAXBUF = 12, FILESIZEBITS = 13, REC_INCR_XFER_SIZE = 14, REC_MAX_XFER_SIZE = 15,
    REC_MIN_XFER_SIZE = 16, REC_XFER_ALIGN = 17, ALLOC_SIZE_MIN = 18, SYMLINK_MAX = 19,
    ["2_SYMLINKS"] = 20,
  }, "PC")

  local path = h.checkpath -- a string with no NUL byte
  -- a byte count (size_t)
  local function int(v, fname, argn)
    if type(v) == "number" and v % 1 == 0 and v >= 0 and v < 9223372036854775808 then return v end
    return h.checkint(v, fname, argn, 0, 9223372036854775807)
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
      buf = h.outstruct(t.statfs, buf, "statfs", 2)
      if C.statfs(path(p, "statfs", 1), buf) == -1 then return fail() end
      return buf
    end
  end
  if C.fstatfs then
    function S.fstatfs(fd, buf)
      local n = getfd(fd, "fstatfs", 1)
      buf = h.outstruct(t.statfs, buf, "fstatfs", 2)
      if C.fstatfs(n, buf) == -1 then return fail() end
      return buf
    end
  end

  -- getdents -------------------------------------------------------------------------------
  -- Each entry is a Lua table copied out of the buffer (so the buffer may be reused):
  -- .name .ino .off .type (a c.DT number) .typename, tests .isdir .isreg .islnk .ischr .isblk
  -- .isfifo .issock .isunknown, and the DT names themselves (d.DIR, d.REG...).
  local DT = c.DT
  -- The same names as st.typename (ljsyscall's), "other" when the type is not known.
  local typenames = { [DT.FIFO] = "named pipe", [DT.CHR] = "char device", [DT.DIR] = "directory",
    [DT.BLK] = "block device", [DT.REG] = "file", [DT.LNK] = "link", [DT.SOCK] = "socket" }
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
      if k == "typename" then return typenames[rawget(d, "type")] or "other" end
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
  -- the kernel gave them, so `for d in ents do` works as well as `pairs`.  Called with no
  -- argument at all it is ljsyscall's t.dirents iterator: each call gives the next entry, then
  -- nil (a generic for always passes two arguments, so the two uses are told apart).
  local function entsiter(list)
    local cursor = 0
    return function(ents, ...)
      if select("#", ...) == 0 then
        cursor = cursor + 1
        return list[cursor]
      end
      local prev = select(2, ...)
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
      if buf ~= nil then env.outdata(buf, "getdents", 2) end
      if size ~= nil then h.checkint(size, "getdents", 3, 0, 2147483647) end
      if buf ~= nil and size ~= nil and (size < 0 or (size > ffi.sizeof(buf)
          and not tostring(ffi.typeof(buf)):find("%*>?$"))) then
        error("bad argument #3 to 'getdents' (size " .. size .. " does not fit the buffer)", 2)
      end
      size = size or (buf and ffi.sizeof(buf)) or 4096
      buf = buf or t.buffer(size)
      local r = tonumber(C.getdents64(n, buf, size))
      if r == -1 then return fail() end
      return t.dirents(buf, r)
    end
  end
  -- t.dirents(buf, size): the entries in the first size bytes of a getdents64 buffer, as
  -- S.getdents returns them (ljsyscall's constructor of the same name).
  function t.dirents(buf, r)
    if type(buf) ~= "cdata" or h.isnull(buf) or fdm.istype(buf) then h.argerror("dirents", 1, "buffer", buf) end
    h.checkint(r, "dirents", 2, 0, h.ckind(buf) == "pointer" and 2147483647 or ffi.sizeof(buf))
    do
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
    if type(v) == "number" then return t.off1(h.off(v, fname, argn)) end
    if type(v) == "cdata" and ffi.istype(t.off1, v) then return v end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (offset (a number or an off1) expected, got " .. h.describe(v) .. ")", 3)
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
      return retbool(C.fallocate(n, flag(c.FALLOC_FL, mode, "fallocate", 2), h.off(offset, "fallocate", 3, 0), int(len, "fallocate", 4)))
    end
  end
  -- posix_fadvise returns the error number instead of setting errno.
  if C.posix_fadvise then
    function S.fadvise(fd, advice, offset, len)
      local n = getfd(fd, "fadvise", 1)
      local r = C.posix_fadvise(n, h.off(offset, "fadvise", 3, 0), h.off(len, "fadvise", 4, 0), flag(c.POSIX_FADV, advice, "fadvise", 2))
      if r ~= 0 then return nil, t.error(r) end
      return true
    end
    S.posix_fadvise = S.fadvise
  end
  if C.syncfs then function S.syncfs(fd) return retbool(C.syncfs(getfd(fd, "syncfs", 1))) end end

  -- Names ----------------------------------------------------------------------------------
  if C.renameat2 then
    function S.renameat2(d1, a, d2, b, flags)
      return retbool(C.renameat2(env.dirfd(d1, "renameat2", 1), path(a, "renameat2", 2),
        env.dirfd(d2, "renameat2", 3), path(b, "renameat2", 4), flag(c.RENAME, flags, "renameat2", 5)))
    end
  end
  if C.memfd_create then
    function S.memfd_create(name, flags)
      return retfd(C.memfd_create(path(name, "memfd_create", 1), flag(c.MFD, flags, "memfd_create", 2)))
    end
  end

  -- posix_fallocate(fd, offset, len): fallocate with mode 0; readahead; sync_file_range; vmsplice.
  if S.fallocate then
    function S.posix_fallocate(fd, offset, len) return S.fallocate(fd, 0, offset, len) end
  end
  local L = ffi.C
  function S.readahead(fd, offset, count)
    return retbool(tonumber(L.rumpus_lx_readahead(getfd(fd, "readahead", 1), h.off(offset, "readahead", 2, 0), int(count, "readahead", 3))))
  end
  function S.sync_file_range(fd, offset, count, flags)
    return retbool(L.rumpus_lx_sync_file_range(getfd(fd, "sync_file_range", 1), h.off(offset, "sync_file_range", 2, 0), h.off(count, "sync_file_range", 3, 0),
      flag(c.SYNC_FILE_RANGE, flags, "sync_file_range", 4)))
  end
  -- vmsplice(fd, iovecs, flags): user memory into a pipe; returns the bytes moved.
  function S.vmsplice(fd, iov, flags)
    local n = getfd(fd, "vmsplice", 1)
    if type(iov) ~= "table" then h.argerror("vmsplice", 2, "iovecs", iov) end
    if not (iov.iov and iov.count) then
      local ok, r = pcall(t.iovecs, iov)
      if not ok then error("bad argument #2 to 'vmsplice' (" .. tostring(r):gsub("^.-: ", "") .. ")", 2) end
      iov = r
    elseif type(iov.iov) ~= "cdata" or h.ckind(iov.iov) ~= "array" or type(iov.count) ~= "number" or iov.count < 0
        or iov.count * ffi.sizeof(t.iovec) > ffi.sizeof(iov.iov) then
      error("bad argument #2 to 'vmsplice' (iovecs count does not fit its array)", 2)
    end
    return retnum(L.rumpus_lx_vmsplice(n, iov.iov, iov.count, flag(c.SPLICE_F, flags, "vmsplice", 3)))
  end

  -- mkfifoat(dirfd, path, mode): mknodat of a FIFO.
  if S.mknodat then
    function S.mkfifoat(d, p, m)
      return S.mknodat(d, path(p, "mkfifoat", 2), bit.bor(flag(c.MODE, m or "0666", "mkfifoat", 3), c.S_I.FIFO), 0)
    end
  end

  -- pathconf(path, name) / fpathconf(fd, name): Linux's fixed answers, as glibc gives them
  -- (-1: no limit).  The path must exist (glibc checks it the same way).
  local PC = c.PC
  local pcvals = {
    [PC.LINK_MAX] = 127, [PC.MAX_CANON] = 255, [PC.MAX_INPUT] = 255, [PC.NAME_MAX] = 255,
    [PC.PATH_MAX] = 4096, [PC.PIPE_BUF] = 4096, [PC.CHOWN_RESTRICTED] = 1, [PC.NO_TRUNC] = 1,
    [PC.VDISABLE] = 0, [PC.SYNC_IO] = -1, [PC.ASYNC_IO] = -1, [PC.PRIO_IO] = -1,
    [PC.SOCK_MAXBUF] = -1, [PC.FILESIZEBITS] = 64, [PC.SYMLINK_MAX] = -1, [PC["2_SYMLINKS"]] = 1,
  }
  local function pcval(name, fname)
    local n = flag(PC, name, fname, 2)
    local v = pcvals[n]
    if v == nil then
      if n >= PC.REC_INCR_XFER_SIZE and n <= PC.ALLOC_SIZE_MIN then return S.getpagesize() end
      return nil, t.error(c.E.INVAL)
    end
    return v
  end
  function S.pathconf(p, name)
    local ok, e = S.stat(path(p, "pathconf", 1))
    if not ok then return nil, e end
    return pcval(name, "pathconf")
  end
  function S.fpathconf(fd, name)
    local ok, e = S.fstat(fd)
    if not ok then return nil, e end
    return pcval(name, "fpathconf")
  end

  -- shm_open(name, flags, mode) / shm_unlink(name): files under /dev/shm, as libc does it.
  local function shmpath(name, fname)
    path(name, fname, 1)
    if name:sub(1, 1) ~= "/" then name = "/" .. name end
    if name == "/" or name:find("/", 2, true) then
      error("bad argument #1 to '" .. fname .. "' (a name without '/' expected, got '" .. name .. "')", 3)
    end
    return "/dev/shm" .. name
  end
  function S.shm_open(name, flags, m)
    return S.open(shmpath(name, "shm_open"), h.bor(flag(c.O, flags, "shm_open", 2), c.O["nofollow, cloexec, nonblock"]), m)
  end
  function S.shm_unlink(name) return S.unlink(shmpath(name, "shm_unlink")) end

  -- Extended attributes.  get*xattr return the value as a string, list*xattr a list of names
  -- (both grow their buffer on ERANGE); set*xattr(x, name, value, flags) with flags "create" or
  -- "replace"; xattr(path [, tab]) reads all attributes into a table, or makes them tab's.
  local E_RANGE = c.E.RANGE
  local function grow(fn, a, b)
    local size = 256
    while true do
      local buf = t.buffer(size)
      local r
      if b ~= nil then r = tonumber(fn(a, b, buf, size)) else r = tonumber(fn(a, buf, size)) end
      if r ~= -1 then return ffi.string(buf, r) end
      local e = ffi.errno()
      if e ~= E_RANGE or size >= 65536 * 16 then return nil, t.error(e) end
      size = size * 4
    end
  end
  local function names(fn, a)
    local s, e = grow(fn, a)
    if not s then return nil, e end
    local list = {}
    for n in s:gmatch("([^%z]+)%z") do list[#list + 1] = n end
    return list
  end
  local function xval(v, fname)
    if type(v) == "string" then return v, #v end
    if h.copyable(v, 0) then return v, ffi.sizeof(v) end
    h.argerror(fname, 3, "string or buffer (array or structure)", v)
  end
  local xfns = {
    { "", path, L.rumpus_lx_listxattr, L.rumpus_lx_getxattr, L.rumpus_lx_setxattr, L.rumpus_lx_removexattr },
    { "l", path, L.rumpus_lx_llistxattr, L.rumpus_lx_lgetxattr, L.rumpus_lx_lsetxattr, L.rumpus_lx_lremovexattr },
    { "f", function(v, fname, argn) return getfd(v, fname, argn) end, L.rumpus_lx_flistxattr,
      L.rumpus_lx_fgetxattr, L.rumpus_lx_fsetxattr, L.rumpus_lx_fremovexattr },
  }
  for _, x in ipairs(xfns) do
    local pre, target, list, get, set, remove = x[1], x[2], x[3], x[4], x[5], x[6]
    local lname, gname, sname, rname = pre .. "listxattr", pre .. "getxattr", pre .. "setxattr", pre .. "removexattr"
    S[lname] = function(a) return names(list, target(a, lname, 1)) end
    S[gname] = function(a, name) return grow(get, target(a, gname, 1), path(name, gname, 2)) end
    S[sname] = function(a, name, value, flags)
      local v, n = xval(value, sname)
      return retbool(set(target(a, sname, 1), path(name, sname, 2), v, n, flag(c.XATTR, flags, sname, 4)))
    end
    S[rname] = function(a, name) return retbool(remove(target(a, rname, 1), path(name, rname, 2))) end
    S[pre .. "xattr"] = function(a, tab)
      local l, e = S[lname](a)
      if not l then return nil, e end
      if tab == nil then
        local r = {}
        for _, n in ipairs(l) do r[n] = S[gname](a, n) end
        return r
      end
      if type(tab) ~= "table" then h.argerror(pre .. "xattr", 2, "table", tab) end
      for _, n in ipairs(l) do
        if tab[n] == nil then
          local ok, e2 = S[rname](a, n)
          if not ok then return nil, e2 end
        end
      end
      for n, v in pairs(tab) do
        local ok, e2 = S[sname](a, n, v)
        if not ok then return nil, e2 end
      end
      return true
    end
  end

  -- Descriptor methods that are not plain aliases.
  S.fdmethods.setxattr = S.fsetxattr
  S.fdmethods.getxattr = S.fgetxattr
  S.fdmethods.removexattr = S.fremovexattr
  S.fdmethods.listxattr = S.flistxattr
  S.fdmethods.xattr = S.fxattr
  S.fdmethods.pathconf = S.fpathconf
  S.fdmethods.getdents = S.getdents
  S.fdmethods.sendfile = S.sendfile
  return S
end

return M
