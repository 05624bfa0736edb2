-- What the fast paths of require "rump" remember between calls (component arrays, the shared
-- boot configuration, bound functions, the current kernel) never changes what a call does.
local T = require "rump.test"
local rump = require "rump"

T.case("component lists: same, longer, shorter and changed lists boot what they name", function()
  local a = rump.kernel{ "vfs" }
  local b = rump.kernel{ "vfs", "fs.tmpfs" }
  local c = rump.kernel{ "vfs" }
  local d = rump.kernel{}
  T.defer(function() a:destroy(); b:destroy(); c:destroy(); d:destroy() end)
  T.eq(a:has("vfs"), true); T.eq(a:has("fs.tmpfs"), false)
  T.eq(b:has("vfs"), true); T.eq(b:has("fs.tmpfs"), true)
  T.eq(c:has("vfs"), true); T.eq(c:has("fs.tmpfs"), false)
  T.eq(d:has("vfs"), false)
  -- One options table reused with different contents.
  local opts = { "vfs", "fs.tmpfs" }
  local e = rump.kernel(opts)
  T.defer(function() e:destroy() end)
  opts[2] = nil
  local f = rump.kernel(opts)
  T.defer(function() f:destroy() end)
  T.eq(e:has("fs.tmpfs"), true)
  T.eq(f:has("fs.tmpfs"), false)
  T.ok(e.S.open("/x", "creat, rdwr", "0644"), "tmpfs root is writable in e")
end)

T.case("a list that failed to boot is still refused, then a good one boots", function()
  T.err(function() rump.kernel{ "vfs", "fs.nosuchfs" } end, "nosuchfs")
  T.err(function() rump.kernel{ "vfs", "fs.nosuchfs" } end, "nosuchfs")
  T.err(function() rump.kernel{ "vfs", 7 } end, "component 2 is a number")
  local k = rump.kernel{ "vfs" }
  T.defer(function() k:destroy() end)
  T.eq(k:has("vfs"), true)
end)

T.case("options of one boot never reach the next", function()
  local a = rump.kernel{ hostname = "first", cpus = 2, memlimit = 1024 * 1024 }
  local b = rump.kernel{}
  T.defer(function() a:destroy(); b:destroy() end)
  T.eq(a.S.sysctl("kern.hostname"), "first")
  T.ne(b.S.sysctl("kern.hostname"), "first")
  T.eq(a:ncpu(), 2)
  T.eq(b:ncpu(), 1)
  T.err(function() rump.kernel{ hostname = "x", cpus = "2" } end, "bad option 'cpus'")
  local c = rump.kernel{}
  T.defer(function() c:destroy() end)
  T.ne(c.S.sysctl("kern.hostname"), "x")
  T.eq(c:ncpu(), 1)
end)

T.case("a destroyed kernel that was current is never reached again", function()
  local a = rump.kernel{ hostname = "a" }
  local b = rump.kernel{ hostname = "b" }
  T.defer(function() b:destroy() end)
  local getpid, sysctl = a.S.getpid, a.S.sysctl
  T.eq(sysctl("kern.hostname"), "a")       -- a is now current
  assert(a:destroy())
  T.err(getpid, "destroyed kernel")
  T.err(function() sysctl("kern.hostname") end, "destroyed kernel")
  T.err(function() a:newlwp(1) end, "destroyed kernel")
  T.err(function() a:switch(nil) end, "destroyed kernel")
  T.err(function() a:curlwp() end, "destroyed kernel")
  T.eq(b.S.sysctl("kern.hostname"), "b")
  -- b, current now, is destroyed while a fresh kernel takes its place.
  local c = rump.kernel{ hostname = "c" }
  T.defer(function() c:destroy() end)
  T.eq(c.S.sysctl("kern.hostname"), "c")
  T.eq(b.S.sysctl("kern.hostname"), "b")
end)

T.case("the GC destroys a forgotten current kernel, even with a process bound", function()
  collectgarbage(); collectgarbage()
  local before = rump.memstats().bytes
  do
    local k = rump.kernel{ "vfs", "fs.tmpfs" }
    assert(k.S.open("/f", "creat, rdwr", "0644"))
    assert(k:rfork("copy"))               -- k current, with a bound lwp
  end
  collectgarbage(); collectgarbage()
  T.eq(rump.memstats().bytes, before, "every byte of the forgotten kernel freed")
  local k = rump.kernel{ hostname = "after" }
  T.defer(function() k:destroy() end)
  T.eq(k.S.sysctl("kern.hostname"), "after")
end)

T.case("descriptor methods of a kernel: bound ones, plain syscalls, and none", function()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  local fd = assert(k.S.open("/m", "creat, rdwr", "0644"))
  for _ = 1, 3 do                           -- the second and third lookups are remembered
    T.eq(fd:seek(0), 0)
    T.eq(fd:write("abc"), 3)
    T.eq(fd:stat().size, 3)
    T.eq(fd.nosuchmethod, nil)
    T.ok(not k.S.fdmethods.nosuchmethod)
  end
  T.ok(fd:close())
  T.fails("BADF", k.S.fstat(fd))
end)
