-- require "rump": booting kernels from Lua, their syscall tables, isolation, teardown.
local T = require "rump.test"
local rump = require "rump"
local S = require "syscall"

T.case("a kernel boots, answers getpid and is destroyed", function()
  local k = rump.kernel{}
  T.ok(k.S.getpid() >= 1)
  T.ok(k:destroy())
  T.ok(k.dead)
  T.err(function() k.S.getpid() end, "destroyed kernel")
  T.ok(k:destroy(), "destroy twice is harmless")
end)

T.case("unknown component is a clear error", function()
  T.err(function() rump.kernel{ "fs.nosuchfs" } end, "nosuchfs")
  T.err(function() rump.kernel{ 42 } end, "bad argument #1 to 'kernel'")
  T.err(function() rump.kernel(42) end, "bad argument #1 to 'kernel'")
  T.err(function() rump.kernel{ hostname = 7 } end, "hostname")
end)

T.case("components are listed and asked for", function()
  local list = rump.components()
  local have = {}
  for _, n in ipairs(list) do have[n] = true end
  T.ok(have.vfs and have["fs.tmpfs"], "vfs and fs.tmpfs known")
  local k = rump.kernel{}
  T.eq(k:has("vfs"), false)
  k:destroy()
end)

T.case("host and kernel tables coexist; kernel errors are NetBSD's", function()
  local k = rump.kernel{}
  T.defer(function() k:destroy() end)
  T.eq(S.c.E.AGAIN, 11)
  T.eq(k.S.c.E.AGAIN, 35)
  T.ne(S.getpid(), 0)
  -- A descriptor number that is open on the host is not open in the kernel.
  local _, e = k.S.close(0)
  T.ok(e and e.BADF, "close(0) in a fresh kernel is EBADF")
  T.eq(e.errno, 9)
  T.ok(S.fstat(0), "the host's stdin is untouched")
end)

T.case("without vfs, file syscalls fail as NetBSD's do (ENOSYS)", function()
  local k = rump.kernel{}
  T.defer(function() k:destroy() end)
  local fd, e = k.S.open("/etc/passwd", "rdonly")
  T.eq(fd, nil)
  T.ok(e.NOSYS, "open without vfs: " .. tostring(e))
end)

T.case("kernel hostname and sysctl are per kernel", function()
  local a = rump.kernel{ hostname = "alpha" }
  local b = rump.kernel{ hostname = "beta" }
  T.defer(function() a:destroy(); b:destroy() end)
  T.eq(a.S.sysctl("kern.hostname"), "alpha")
  T.eq(b.S.sysctl("kern.hostname"), "beta")
  T.eq(a.S.sysctl("kern.ostype"), "NetBSD")
  T.ok(a.S.sysctl("kern.hostname", "gamma"))
  T.eq(a.S.sysctl("kern.hostname"), "gamma")
  T.eq(b.S.sysctl("kern.hostname"), "beta")
  T.eq(a.S.sysctl("hw.ncpu"), 1)
  T.fails("NOENT", a.S.sysctl("kern.nosuchname"))
end)

T.case("cpus setting is honoured", function()
  local k = rump.kernel{ cpus = 2 }
  T.defer(function() k:destroy() end)
  T.eq(k:ncpu(), 2)
  T.eq(k.S.sysctl("hw.ncpu"), 2)
end)

T.case("many kernels at once, each its own", function()
  local ks = {}
  for i = 1, 200 do ks[i] = rump.kernel{ hostname = "k" .. i } end
  for i = 1, 200 do T.eq(ks[i].S.sysctl("kern.hostname"), "k" .. i) end
  for i = 1, 200 do T.ok(ks[i]:destroy()) end
end)

T.case("a forgotten kernel is destroyed by the GC", function()
  local before = rump.memstats().bytes
  for _ = 1, 50 do local k = rump.kernel{ hostname = "tmp" }; k.S.getpid() end
  collectgarbage(); collectgarbage()
  T.eq(rump.memstats().bytes, before, "every kernel byte freed")
end)

T.case("ljsyscall's syscall.rump.init entry gives a working table", function()
  local R = require "syscall.rump.init".init()
  T.ok(R.getpid() >= 1)
  T.eq(R.c.E.NOENT, 2)
end)
