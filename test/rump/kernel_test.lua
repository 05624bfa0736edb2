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

T.case("kernels never see each other's files", function()
  local a = rump.kernel{ "vfs", "fs.tmpfs" }
  local b = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() a:destroy(); b:destroy() end)
  local fa = assert(a.S.open("/only-in-a", "creat, rdwr", "0644"))
  T.eq(fa:write("a"), 1)
  T.fails("NOENT", b.S.stat("/only-in-a"))
  local fb = assert(b.S.open("/only-in-a", "creat, rdwr, excl", "0600"))
  T.eq(fb:write("bb"), 2)
  T.eq(a.S.stat("/only-in-a").size, 1)
  T.eq(b.S.stat("/only-in-a").size, 2)
  -- Descriptor objects stay with their kernel even when used alternately.
  T.eq(fa:seek(0), 0); T.eq(fb:seek(0), 0)
  T.eq(fa:read(), "a"); T.eq(fb:read(), "bb")
  fa:close(); fb:close()
end)

T.case("a destroyed kernel's descriptors are inert", function()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  local fd = assert(k.S.open("/x", "creat, rdwr", "0644"))
  assert(k:destroy())
  T.err(function() fd:write("x") end, "destroyed")
  fd = nil
  collectgarbage(); collectgarbage()
end)

T.case("processes in one kernel have their own descriptors and credentials", function()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:switch(nil); k:destroy() end)
  local S = k.S
  assert(S.mkdir("/priv", "0700"))
  local fd = assert(S.open("/f", "creat, rdwr", "0644"))
  local n = fd:getfd()
  -- A child with a copied table sees the descriptor; one with a clean table does not.
  local copy = assert(k:rfork("copy"))
  T.ok(S.fstat(n), "copied table has the descriptor")
  local clean = assert(k:rfork("clean"))
  T.fails("BADF", S.fstat(n))
  -- Credentials: the clean child drops to uid 1000 and loses access; the others keep root.
  assert(S.setuid(1000))
  T.eq(S.getuid(), 1000)
  T.fails("ACCES", S.open("/priv/x", "creat, rdwr", "0644"))
  k:switch(copy)
  T.eq(S.getuid(), 0)
  T.ok(S.open("/priv/x", "creat, rdwr", "0644"))
  T.ne(S.getpid(), 1)
  k:switch(nil)
  T.eq(S.getuid(), 0)
  T.ok(S.fstat(n))
  -- Releasing the clean child's only lwp ends it.
  k:switch(clean)
  k:release()
  T.err(function() k:rfork("bogus") end, "bad argument #1 to 'rfork'")
  T.err(function() k:switch({}) end, "bad argument #1 to 'switch'")
end)
