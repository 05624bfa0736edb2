-- Core of require "syscall": constants, errors, descriptors, return conventions.
local T = require "rump.test"
local S = require "syscall"
local c, t = S.c, S.t

T.case("constants accept names, lower case, prefixes and lists", function()
  T.eq(c.AF.inet, c.AF.INET)
  T.eq(c.AF.AF_INET, 2)
  T.eq(c.O["creat, rdwr"], c.O.CREAT + c.O.RDWR)
  T.eq(c.O["CREAT|RDWR"], c.O.CREAT + c.O.RDWR)
  T.eq(c.MODE["0755"], 493)
  T.eq(c.MODE["rusr, wusr"], 384)
  T.eq(c.O.NOSUCHFLAG, nil)
  T.err(function() return c.O["creat, nosuchflag"] end, "unknown flag 'nosuchflag'")
end)

T.case("errors: errno, sym, flags and message", function()
  local fd, err = S.open("/nonexistent/rumpus/x", "rdonly")
  T.eq(fd, nil)
  T.eq(err.errno, c.E.NOENT)
  T.eq(err.NOENT, true)
  T.eq(err.ENOENT, true)
  T.eq(err.EXIST, false)
  T.eq(err.sym, "ENOENT")
  T.eq(tostring(err), "No such file or directory")
  T.ok(err == t.error(c.E.NOENT))
end)

T.case("bad descriptor gives EBADF", function()
  T.fails("BADF", S.close(987654))
  T.fails("BADF", S.read(987654))
  T.fails("BADF", S.write(987654, "x"))
end)

T.case("wrong argument types raise errors naming the argument", function()
  T.err(function() S.open(42) end, "bad argument #1 to 'open'")
  T.err(function() S.open("/tmp", "rdonly, bogus") end, "unknown flag")
  T.err(function() S.read({}) end, "bad argument #1 to 'read'")
  T.err(function() S.write(1, 42) end, "bad argument #2 to 'write'")
end)

T.case("a descriptor closed by hand is never closed again by the GC", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/a", "creat, rdwr", "0600"))
  local n = fd:getfd()
  assert(fd:close())
  T.eq(fd:getfd(), -1)
  -- The number is reused by the next open; collecting the old object must not close it.
  local fd2 = assert(S.open(dir .. "/b", "creat, rdwr", "0600"))
  T.eq(fd2:getfd(), n)
  fd = nil
  collectgarbage(); collectgarbage()
  T.eq(fd2:write("still open"), 10)
  assert(fd2:close())
end)

T.case("a forgotten descriptor is closed by the GC", function()
  local dir = T.tmpdir()
  local n
  do
    local fd = assert(S.open(dir .. "/a", "creat, rdwr", "0600"))
    n = fd:getfd()
  end
  collectgarbage(); collectgarbage()
  T.fails("BADF", S.fstat(n))
end)

T.case("nogc hands the number to the caller", function()
  local dir = T.tmpdir()
  local n
  do
    local fd = assert(S.open(dir .. "/a", "creat, rdwr", "0600"))
    fd:nogc()
    n = fd:getfd()
  end
  collectgarbage(); collectgarbage()
  T.ok(S.fstat(n), "still open")
  assert(S.close(n))
end)
