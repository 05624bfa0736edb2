-- What the fast paths of require "syscall" remember between calls (a scratch buffer for reads
-- returning strings, buffer sizes, parsed flags, known descriptors) never changes a result.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"

local function pipe()
  local ok, e, r, w = S.pipe()
  assert(ok, e)
  T.defer(function() r:close(); w:close() end)
  return r, w
end

T.case("read() returns exactly the bytes of each read, never those of an earlier one", function()
  local r, w = pipe()
  T.eq(w:write(string.rep("A", 5000)), 5000)
  T.eq(r:read(), string.rep("A", 4096))
  T.eq(r:read(), string.rep("A", 904))
  T.eq(w:write("xy"), 2)
  T.eq(r:read(), "xy")
  T.eq(w:write("z"), 1)
  T.eq(r:read(nil, 100), "z")
  local first = (function() w:write("first"); return r:read() end)()
  w:write("2nd")
  T.eq(r:read(), "2nd")
  T.eq(first, "first", "an earlier result is its own string")
  T.ok(S.nonblock(r))
  T.fails("AGAIN", r:read())
  T.eq(r:read(nil, 0), "")
end)

T.case("reads larger than the scratch buffer and pread/recv strings", function()
  local dir = T.tmpdir()
  local big = {}
  for i = 1, 20000 do big[i] = string.format("%05d", i) end
  big = table.concat(big)                   -- 100000 bytes, each position distinct
  local fd = assert(S.open(dir .. "/big", "creat, rdwr", "0600"))
  T.defer(function() fd:close() end)
  T.eq(fd:write(big), #big)
  T.eq(fd:pread(nil, #big, 0), big)
  T.eq(fd:pread(nil, 70000, 5), big:sub(6, 70005))
  T.eq(fd:pread(nil, 10, 99995), big:sub(99996))
  T.eq(fd:pread(nil, 4, 100000), "")
  T.eq(fd:seek(0), 0)
  T.eq(fd:read(nil, 65536), big:sub(1, 65536))
  T.eq(fd:read(nil, 65537), big:sub(65537))
  local ok, e, a, b = S.socketpair("unix", "stream")
  assert(ok, e)
  T.defer(function() a:close(); b:close() end)
  T.eq(a:write("hello world"), 11)
  T.eq(b:recv(nil, 5), "hello")
  T.eq(b:recv(), " world")
  T.eq(a:write("x"), 1)
  T.eq(b:recv(), "x")
  T.fails("AGAIN", b:recv(nil, 10, "dontwait"))
end)

T.case("a read made while a string read is under way gets a buffer of its own", function()
  -- A hook on every instruction reads from a second pipe whenever it finds S.read running,
  -- so some nested read lands between the outer read and its copy into the string.
  local r1, w1 = pipe()
  local r2, w2 = pipe()
  T.eq(w1:write("outer data"), 10)
  T.eq(w2:write(string.rep("inner", 200)), 1000)
  local inner, busy = 0, false
  local read = S.read
  debug.sethook(function()
    if busy then return end
    local info = debug.getinfo(2, "f")
    if info and info.func == read then
      busy = true
      if r2:read(nil, 5) == "inner" then inner = inner + 1 end
      busy = false
    end
  end, "", 1)
  local got = r1:read()
  debug.sethook()
  T.eq(got, "outer data")
  T.ok(inner > 0, "nested reads happened (" .. inner .. ")")
  T.eq(r1:read(nil, 0), "")
end)

T.case("buffer sizes are remembered per buffer, not per type or pointer", function()
  local r, w = pipe()
  local small, large = S.t.buffer(4), S.t.buffer(64)
  T.eq(w:write(small), 4)
  T.eq(w:write(large, 10), 10)
  T.err(function() w:write(small, 5) end, "count 5 larger than the buffer's 4 bytes")
  T.err(function() r:read(small, 5) end, "count 5 larger than the buffer's 4 bytes")
  T.eq(r:read(large, 14), 14)
  -- A pointer into the same memory has no known size: any count goes.
  local p = ffi.cast("char *", large)
  T.eq(w:write("abcdefgh"), 8)
  T.eq(r:read(p, 8), 8)
  T.eq(ffi.string(large, 8), "abcdefgh")
  T.err(function() w:write(small, -1) end, "negative count")
  T.err(function() w:write(small, "2") end, "bad argument #3 to 'write'")
  T.err(function() r:read({}, 1) end, "bad argument #2 to 'read'")
  T.err(function() r:pread("x", 1, 0) end, "bad argument #2 to 'pread'")
end)

T.case("parsed flags are remembered; unknown names stay errors", function()
  local dir = T.tmpdir()
  for _ = 1, 3 do
    local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0640"))
    T.eq(fd:stat().perm, tonumber("640", 8))
    T.eq(fd:seek(0, "end"), 0)
    fd:close()
    T.err(function() S.open(dir .. "/f", "creat, nosuchflag") end, "unknown flag 'nosuchflag'")
    T.err(function() S.open(dir .. "/f", "nosuchflag") end, "bad argument #2 to 'open'")
    T.err(function() S.lseek(0, 0, "nosuchwhence") end, "bad argument #3 to 'lseek'")
    T.eq(S.c.SEEK.set, S.c.SEEK.SET)
    T.eq(S.c.SEEK.nosuch, nil)
    T.eq(S.c.MODE["0640"], tonumber("640", 8))
  end
  T.ok(S.chmod(dir .. "/f", "0600"))
  T.eq(S.stat(dir .. "/f").perm, tonumber("600", 8))
end)

T.case("descriptors made outside S.open work like any other", function()
  local fdm = require "syscall.fd"
  local dir = T.tmpdir()
  local n = assert(S.open(dir .. "/g", "creat, rdwr", "0600")):nogc():getfd()
  local fd = fdm.type(n, 0)                 -- a bare descriptor object of the host
  T.ok(fdm.istype(fd))
  T.eq(fd:write("bare"), 4)
  T.eq(S.fstat(fd).size, 4)
  T.ok(fd:close())
  T.eq(fd:getfd(), -1)
  T.fails("BADF", S.fstat(n))
end)
