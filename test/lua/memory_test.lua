-- Memory: mmap, munmap, mprotect, madvise, msync, mlock(all), munlock(all), mremap, mincore.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local tonumber = ffi.tonumber or tonumber -- PUC Lua: pointers are converted by ffi.tonumber
local c = S.c

local ps = S.getpagesize()
local charp = ffi.typeof("char *")

local function anon(len, prot)
  local p = assert(S.mmap(nil, len, prot or "read, write", "private, anonymous"))
  T.defer(function() S.munmap(p, len) end)
  return p
end

local function addrof(p) return tonumber(ffi.cast("intptr_t", p)) end

-- The /proc/self/maps line of the mapping holding address p, or nil.  (Neighbouring
-- mappings with the same attributes may be merged by the kernel, so ranges are compared.)
local function mapline(p)
  local a = addrof(p)
  for l in io.lines("/proc/self/maps") do
    local lo, hi = l:match("^(%x+)%-(%x+)")
    if a >= tonumber(lo, 16) and a < tonumber(hi, 16) then return l end
  end
  return nil
end
local function perms(p)
  local l = mapline(p)
  return l and l:match("^%x+%-%x+ (%S+)")
end
-- Whether [p, p + len) is one mapping.
local function covered(p, len)
  local l = mapline(p)
  if not l then return false end
  local hi = tonumber(l:match("^%x+%-(%x+)"), 16)
  return addrof(p) + len <= hi
end

local function vmlck()
  for l in io.lines("/proc/self/status") do
    local v = l:match("^VmLck:%s+(%d+) kB")
    if v then return tonumber(v) end
  end
end

-- Runs fn in a forked child; returns how the child ended: "exit", code or "signal", number.
local function inchild(fn)
  local C = S.C
  local pid = C.fork()
  assert(pid >= 0, "fork failed")
  if pid == 0 then
    C.setrlimit(c.RLIMIT.CORE, S.t.rlimit(0, 0)) -- no core file from the expected crash
    local ok = pcall(fn)
    C._exit(ok and 0 or 1)
  end
  local st = ffi.new("int[1]")
  assert(C.waitpid(pid, st, 0) == pid)
  local s = st[0]
  local sig = s % 128
  if sig ~= 0 and sig ~= 0x7f then return "signal", sig end
  return "exit", math.floor(s / 256) % 256
end

T.case("getpagesize is a power of two of at least 4096", function()
  T.ok(ps >= 4096)
  T.eq(S.bit.band(ps, ps - 1), 0)
  T.eq(S.getpagesize(), ps)
end)

T.case("mmap: an anonymous mapping is zeroed, writable and listed in /proc/self/maps", function()
  local p = anon(2 * ps)
  local b = ffi.cast(charp, p)
  T.eq(b[0], 0)
  T.eq(b[2 * ps - 1], 0)
  ffi.copy(b, "hello", 5)
  b[2 * ps - 1] = 7
  T.eq(ffi.string(b, 5), "hello")
  T.eq(b[2 * ps - 1], 7)
  T.eq(perms(p), "rw-p")
  T.ok(covered(p, 2 * ps), "mapped whole")
end)

T.case("mmap: a shared file mapping writes are seen by read()", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.defer(function() fd:close() end)
  assert(fd:ftruncate(ps))
  local p = assert(S.mmap(nil, ps, "read, write", "shared", fd, 0))
  T.defer(function() S.munmap(p, ps) end)
  ffi.copy(p, "through the map", 15)
  T.eq(S.pread(fd, nil, 15, 0), "through the map")
  T.eq(perms(p), "rw-s")
end)

T.case("mmap: a file's contents appear in the mapping, at an offset too", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.defer(function() fd:close() end)
  assert(fd:ftruncate(2 * ps))
  assert(S.pwrite(fd, "first", 5, 0))
  assert(S.pwrite(fd, "second", 6, ps))
  local p = assert(fd:mmap(nil, 2 * ps, "read", "private", 0))
  T.defer(function() S.munmap(p, 2 * ps) end)
  T.eq(ffi.string(p, 5), "first")
  T.eq(ffi.string(ffi.cast(charp, p) + ps, 6), "second")
  local q = assert(S.mmap(nil, ps, "read", "shared", fd, ps))
  T.defer(function() S.munmap(q, ps) end)
  T.eq(ffi.string(q, 6), "second")
end)

T.case("mmap: a private file mapping does not write the file", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.defer(function() fd:close() end)
  assert(fd:write("original"))
  local p = assert(S.mmap(nil, ps, "read, write", "private", fd, 0))
  T.defer(function() S.munmap(p, ps) end)
  ffi.copy(p, "modified", 8)
  T.eq(ffi.string(p, 8), "modified")
  T.eq(S.pread(fd, nil, 8, 0), "original")
end)

T.case("mmap: shared anonymous memory is shared with a forked child", function()
  local p = assert(S.mmap(nil, ps, "read, write", "shared, anonymous"))
  T.defer(function() S.munmap(p, ps) end)
  local priv = anon(ps)
  local how, code = inchild(function()
    ffi.copy(p, "from child", 10)
    ffi.copy(priv, "private", 7)
  end)
  T.eq(how, "exit"); T.eq(code, 0)
  T.eq(ffi.string(p, 10), "from child")
  T.eq(ffi.cast(charp, priv)[0], 0, "private page not changed by the child")
end)

T.case("mmap: fixed address replaces a mapping in place", function()
  local p = anon(2 * ps)
  ffi.cast(charp, p)[ps] = 9
  local q = assert(S.mmap(ffi.cast(charp, p) + ps, ps, "read, write", "private, anonymous, fixed"))
  T.eq(addrof(q), addrof(p) + ps)
  T.eq(ffi.cast(charp, q)[0], 0, "fresh page")
end)

T.case("mmap: errors EINVAL, EBADF, EACCES, ENODEV", function()
  T.fails("INVAL", S.mmap(nil, 0, "read", "private, anonymous"))
  -- neither shared nor private
  T.fails("INVAL", S.mmap(nil, ps, "read", "anonymous"))
  T.fails("INVAL", S.mmap(nil, ps, "read", "private", nil, 1))
  T.fails("BADF", S.mmap(nil, ps, "read", "private", 9999, 0))
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  fd:close()
  local ro = assert(S.open(dir .. "/f", "rdonly"))
  T.defer(function() ro:close() end)
  T.fails("ACCES", S.mmap(nil, ps, "read, write", "shared", ro, 0))
  -- unaligned offset
  T.fails("INVAL", S.mmap(nil, ps, "read", "private", ro, 100))
  local d = assert(S.open(dir, "rdonly, directory"))
  T.defer(function() d:close() end)
  T.fails("NODEV", S.mmap(nil, ps, "read", "private", d, 0))
end)

T.case("mmap: bad argument types raise errors", function()
  T.err(function() S.mmap(nil, "big", "read", "private, anonymous") end, "bad argument #2 to 'mmap'")
  T.err(function() S.mmap(nil, -1, "read", "private, anonymous") end, "bad argument #2 to 'mmap'")
  T.err(function() S.mmap(nil, ps, "read, bogus", "private, anonymous") end, "unknown flag")
  T.err(function() S.mmap(nil, ps, "read", "private, nosuch") end, "unknown flag")
  T.err(function() S.mmap({}, ps, "read", "private, anonymous") end, "bad argument #1 to 'mmap'")
  T.err(function() S.mmap(nil, ps, "read", "private", {}, 0) end, "bad argument #5 to 'mmap'")
  T.err(function() S.mmap(nil, ps, "read", "private, anonymous", nil, "zero") end, "bad argument #6 to 'mmap'")
end)

T.case("munmap: the mapping disappears from /proc/self/maps", function()
  local p = assert(S.mmap(nil, 3 * ps, "read", "private, anonymous"))
  T.ok(mapline(p), "mapped")
  assert(S.munmap(ffi.cast(charp, p) + ps, ps))
  T.ok(mapline(p) and mapline(ffi.cast(charp, p) + 2 * ps), "both ends still mapped")
  T.eq(mapline(ffi.cast(charp, p) + ps), nil, "the middle page is gone")
  assert(S.munmap(p, 3 * ps))
  T.eq(mapline(p), nil)
  T.eq(mapline(ffi.cast(charp, p) + 2 * ps), nil)
end)

T.case("munmap: a child touching an unmapped page dies of SIGSEGV", function()
  local p = assert(S.mmap(nil, ps, "read, write", "private, anonymous"))
  assert(S.munmap(p, ps))
  local how, sig = inchild(function() ffi.cast("volatile char *", p)[0] = 1 end)
  T.eq(how, "signal")
  T.eq(sig, c.SIG.SEGV)
end)

T.case("munmap: errors EINVAL", function()
  local p = anon(ps)
  T.fails("INVAL", S.munmap(p, 0))
  -- unaligned address
  T.fails("INVAL", S.munmap(ffi.cast(charp, p) + 1, ps))
  T.err(function() S.munmap(p, "x") end, "bad argument #2 to 'munmap'")
end)

T.case("mprotect: read-only shows in /proc/self/maps and a write kills a child", function()
  local p = anon(ps)
  ffi.cast(charp, p)[0] = 42
  assert(S.mprotect(p, ps, "read"))
  T.eq(perms(p), "r--p")
  T.eq(ffi.cast(charp, p)[0], 42, "still readable")
  local how, sig = inchild(function() ffi.cast("volatile char *", p)[0] = 1 end)
  T.eq(how, "signal")
  T.eq(sig, c.SIG.SEGV)
  assert(S.mprotect(p, ps, "read, write"))
  T.eq(perms(p), "rw-p")
  local how2, code = inchild(function() ffi.cast("volatile char *", p)[0] = 1 end)
  T.eq(how2, "exit"); T.eq(code, 0)
end)

T.case("mprotect: none makes even reading fault; exec shows x", function()
  local p = anon(ps)
  assert(S.mprotect(p, ps, "none"))
  T.eq(perms(p), "---p")
  local how, sig = inchild(function() local _ = ffi.cast("volatile char *", p)[0] end)
  T.eq(how, "signal")
  T.eq(sig, c.SIG.SEGV)
  assert(S.mprotect(p, ps, "read, exec"))
  T.eq(perms(p), "r-xp")
end)

T.case("mprotect: errors EINVAL, ENOMEM, EACCES", function()
  local p = anon(ps)
  T.fails("INVAL", S.mprotect(ffi.cast(charp, p) + 1, ps, "read"))
  T.fails("INVAL", S.mprotect(p, ps, 0x100))
  local q = assert(S.mmap(nil, ps, "read", "private, anonymous"))
  assert(S.munmap(q, ps))
  T.fails("NOMEM", S.mprotect(q, ps, "read"))
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  assert(fd:ftruncate(ps))
  fd:close()
  local ro = assert(S.open(dir .. "/f", "rdonly"))
  T.defer(function() ro:close() end)
  local m = assert(S.mmap(nil, ps, "read", "shared", ro, 0))
  T.defer(function() S.munmap(m, ps) end)
  T.fails("ACCES", S.mprotect(m, ps, "read, write"))
  T.err(function() S.mprotect(p, ps, "bogus") end, "bad argument #3 to 'mprotect'")
end)

T.case("madvise: dontneed drops private anonymous pages to zero", function()
  local p = anon(2 * ps)
  local b = ffi.cast(charp, p)
  b[0], b[ps] = 11, 22
  assert(S.madvise(p, ps, "dontneed"))
  T.eq(b[0], 0, "dropped page reads zero")
  T.eq(b[ps], 22, "the other page kept")
end)

T.case("madvise: dontneed on a shared file mapping keeps the data", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.defer(function() fd:close() end)
  assert(fd:ftruncate(ps))
  local p = assert(S.mmap(nil, ps, "read, write", "shared", fd, 0))
  T.defer(function() S.munmap(p, ps) end)
  ffi.copy(p, "kept", 4)
  assert(S.madvise(p, ps, "dontneed"))
  T.eq(ffi.string(p, 4), "kept")
end)

T.case("madvise: willneed, sequential, random, normal succeed; errors", function()
  local p = anon(ps)
  for _, a in ipairs { "willneed", "sequential", "random", "normal", c.MADV.DONTFORK, "dofork" } do
    T.ok(S.madvise(p, ps, a), tostring(a))
  end
  T.fails("INVAL", S.madvise(p, ps, 9999))
  T.fails("INVAL", S.madvise(ffi.cast(charp, p) + 1, ps, "normal"))
  T.err(function() S.madvise(p, ps, "bogus") end, "bad argument #3 to 'madvise'")
end)

T.case("madvise: dontfork hides a mapping from a forked child", function()
  local p = anon(ps)
  assert(S.madvise(p, ps, "dontfork"))
  local how, sig = inchild(function() local _ = ffi.cast("volatile char *", p)[0] end)
  T.eq(how, "signal")
  T.eq(sig, c.SIG.SEGV)
  assert(S.madvise(p, ps, "dofork"))
  local how2 = inchild(function() local _ = ffi.cast("volatile char *", p)[0] end)
  T.eq(how2, "exit")
end)

T.case("msync: data written through the map reaches the file", function()
  local dir = T.tmpdir()
  local path = dir .. "/f"
  local fd = assert(S.open(path, "creat, rdwr", "0600"))
  assert(fd:ftruncate(ps))
  local p = assert(S.mmap(nil, ps, "read, write", "shared", fd, 0))
  T.defer(function() S.munmap(p, ps) end)
  fd:close()
  ffi.copy(p, "synced", 6)
  assert(S.msync(p, ps, "sync"))
  assert(S.msync(p, ps, "async"))
  assert(S.msync(p, ps))
  local f = assert(io.open(path, "rb"))
  local data = f:read(6)
  f:close()
  T.eq(data, "synced")
end)

T.case("msync: errors EINVAL, ENOMEM", function()
  local p = anon(ps)
  T.fails("INVAL", S.msync(ffi.cast(charp, p) + 1, ps, "sync"))
  T.fails("INVAL", S.msync(p, ps, "sync, async"))
  local q = assert(S.mmap(nil, ps, "read", "private, anonymous"))
  assert(S.munmap(q, ps))
  T.fails("NOMEM", S.msync(q, ps, "sync"))
  T.ok(S.msync(p, ps, c.MS_SYNC.INVALIDATE))
  T.err(function() S.msync(p, ps, "bogus") end, "bad argument #3 to 'msync'")
end)

T.case("mlock/munlock: VmLck grows and shrinks", function()
  if not T.root() then return T.skip("needs root (RLIMIT_MEMLOCK)") end
  local p = anon(4 * ps)
  local before = vmlck()
  assert(S.mlock(p, 4 * ps))
  T.eq(vmlck() - before, 4 * ps / 1024)
  T.ok(mapline(p), "still mapped")
  assert(S.munlock(p, 4 * ps))
  T.eq(vmlck(), before)
end)

T.case("mlock: locked pages are resident (mincore)", function()
  if not T.root() then return T.skip("needs root (RLIMIT_MEMLOCK)") end
  local p = anon(2 * ps)
  local res = assert(S.mincore(p, 2 * ps))
  T.same(res, { false, false }, "untouched anonymous pages are not resident")
  assert(S.mlock(p, 2 * ps))
  T.same(assert(S.mincore(p, 2 * ps)), { true, true })
  assert(S.munlock(p, 2 * ps))
end)

T.case("mlock/munlock: errors", function()
  local q = assert(S.mmap(nil, ps, "read", "private, anonymous"))
  assert(S.munmap(q, ps))
  T.fails("NOMEM", S.mlock(q, ps))
  T.fails("NOMEM", S.munlock(q, ps))
  T.err(function() S.mlock(q, {}) end, "bad argument #2 to 'mlock'")
end)

T.case("mlockall/munlockall: everything locked then nothing", function()
  if not T.root() then return T.skip("needs root (RLIMIT_MEMLOCK)") end
  T.defer(function() S.munlockall() end)
  assert(S.mlockall("current"))
  T.ok(vmlck() > 0, "VmLck > 0")
  assert(S.munlockall())
  T.eq(vmlck(), 0)
  T.fails("INVAL", S.mlockall(0))
  T.fails("INVAL", S.mlockall(0x100))
  T.err(function() S.mlockall("forever") end, "bad argument #1 to 'mlockall'")
end)

T.case("mremap: growing with maymove keeps the data", function()
  local p = assert(S.mmap(nil, ps, "read, write", "private, anonymous"))
  ffi.copy(p, "keep me", 7)
  local q = assert(S.mremap(p, ps, 8 * ps, "maymove"))
  T.defer(function() S.munmap(q, 8 * ps) end)
  T.eq(ffi.string(q, 7), "keep me")
  T.ok(covered(q, 8 * ps), "one mapping of the new size")
  local b = ffi.cast(charp, q)
  b[8 * ps - 1] = 1
  T.eq(b[8 * ps - 1], 1, "the new end is usable")
end)

T.case("mremap: shrinking in place frees the tail", function()
  local p = assert(S.mmap(nil, 4 * ps, "read, write", "private, anonymous"))
  local q = assert(S.mremap(p, 4 * ps, ps, 0))
  T.defer(function() S.munmap(q, ps) end)
  T.eq(addrof(q), addrof(p))
  T.eq(mapline(ffi.cast(charp, p) + ps), nil)
end)

T.case("mremap: errors EINVAL, EFAULT, ENOMEM", function()
  local p = anon(ps)
  T.fails("INVAL", S.mremap(p, ps, 0, "maymove"))
  T.fails("INVAL", S.mremap(ffi.cast(charp, p) + 1, ps, 2 * ps, "maymove"))
  -- fixed needs maymove
  T.fails("INVAL", S.mremap(p, ps, 2 * ps, "fixed"))
  local q = assert(S.mmap(nil, ps, "read", "private, anonymous"))
  assert(S.munmap(q, ps))
  T.fails("FAULT", S.mremap(q, ps, 2 * ps, "maymove"))
  T.err(function() S.mremap(p, ps, 2 * ps, "bogus") end, "bad argument #4 to 'mremap'")
end)

T.case("mincore: touched pages are resident, errors ENOMEM and EINVAL", function()
  local p = anon(3 * ps)
  ffi.cast(charp, p)[ps] = 1
  local res = assert(S.mincore(p, 3 * ps))
  T.eq(#res, 3)
  T.eq(res[2], true)
  T.eq(res[1], false)
  local vec = ffi.new("unsigned char[3]")
  T.ok(S.mincore(p, 3 * ps, vec) == vec, "a given vector is filled and returned")
  T.eq(vec[1] % 2, 1)
  T.fails("INVAL", S.mincore(ffi.cast(charp, p) + 1, ps))
  local q = assert(S.mmap(nil, ps, "read", "private, anonymous"))
  assert(S.munmap(q, ps))
  T.fails("NOMEM", S.mincore(q, ps))
  T.err(function() S.mincore(p, ps, "vec") end, "bad argument #3 to 'mincore'")
end)

T.case("mmap: populate makes pages resident at once; fixed_noreplace refuses to overwrite", function()
  local p = assert(S.mmap(nil, 2 * ps, "read, write", "private, anonymous, populate"))
  T.defer(function() S.munmap(p, 2 * ps) end)
  T.same(assert(S.mincore(p, 2 * ps)), { true, true })
  T.fails("EXIST", S.mmap(p, ps, "read", "private, anonymous, fixed_noreplace"))
end)
