-- Allocation-failure injection from Lua (rump.fault, k:fault): settings, counts, errors
-- that reach the caller, and kernels that still destroy cleanly with every byte returned.
local T = require "rump.test"
local rump = require "rump"

local function isalloc(err)
  return err ~= nil and (err.NOMEM or err.NOBUFS or err.NOSPC)
end

T.case("off by default; a setting reports its counts", function()
  T.same(rump.fault(), { mode = "off", calls = 0, injected = 0 })
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  T.same(k:fault(), { mode = "off", calls = 0, injected = 0 }, "a new kernel")
  T.same(k:fault{ nth = 1000000 }, { mode = "nth", calls = 0, injected = 0 })
  assert(k.S.mkdir("/d", "0755"))
  local st = k:fault()
  T.ok(st.calls > 0 and st.injected == 0, "mkdir counted " .. st.calls .. " allocations")
  T.same(k:fault(false), { mode = "off", calls = 0, injected = 0 }, "off resets")
end)

T.case("k:fault{nth} fails one allocation: the syscall says so, the next one works", function()
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  k:fault{ nth = 1 }
  local fd, err = k.S.open("/f", "creat, rdwr", "0644")
  T.ok(fd == nil and isalloc(err), "open failed with an allocation errno: " .. tostring(err))
  T.eq(k:fault().injected, 1)
  fd = assert(k.S.open("/f", "creat, rdwr", "0644"), "the next open works")
  T.eq(fd:write("abc"), 3)
  fd:close()
  assert(k:destroy())
  local m1 = rump.memstats()
  T.eq(m1.bytes, m0.bytes, "every byte returned")
  T.eq(m1.leaked, m0.leaked, "nothing leaked")
end)

T.case("k:fault{rate = 1}: every allocating call fails, the kernel still destroys", function()
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs", "net.local" }
  k:fault{ rate = 1, seed = 3 }
  local _, err = k.S.mkdir("/d", "0755")
  T.ok(isalloc(err), "mkdir: " .. tostring(err))
  _, err = k.S.pipe()
  T.ok(isalloc(err), "pipe: " .. tostring(err))
  _, err = k.S.socket("unix", "stream")
  T.ok(isalloc(err), "socket: " .. tostring(err))
  T.ok(k:fault().injected >= 3, "injected counted")
  assert(k:destroy())
  T.eq(rump.memstats().bytes, m0.bytes, "every byte returned")
end)

T.case("a seeded rate fails the same allocations on every run", function()
  local function run()
    local k = rump.kernel{ "vfs", "fs.tmpfs" }
    k:fault{ rate = 0.3, seed = 42 }
    local seen = {}
    for i = 1, 40 do
      local fd, err = k.S.open("/f" .. i, "creat, rdwr", "0644")
      if fd then fd:close() seen[i] = "ok" else T.ok(isalloc(err), tostring(err)) seen[i] = "fail" end
    end
    local st = k:fault()
    assert(k:destroy())
    return seen, st.injected
  end
  local a, na = run()
  local b, nb = run()
  T.same(a, b, "same outcome, call by call")
  T.eq(na, nb)
  T.ok(na > 0, "some failed (" .. na .. ")")
end)

T.case("process-wide: kernel creation fails with an error, then works again", function()
  local m0 = rump.memstats()
  rump.fault{ nth = 1 }
  T.defer(function() rump.fault(false) end)
  T.err(function() rump.kernel{ "vfs" } end, "rump.kernel: ")
  T.eq(rump.fault().injected, 1)
  rump.fault(false)
  local k = rump.kernel{ "vfs" }
  assert(k:destroy())
  T.eq(rump.memstats().bytes, m0.bytes, "every byte returned")
end)

T.case("bad settings raise, naming the option", function()
  T.err(function() rump.fault(5) end, "bad argument #1 to 'fault'")
  T.err(function() rump.fault{} end, "exactly one of nth and rate")
  T.err(function() rump.fault{ nth = 1, rate = 0.5 } end, "exactly one of nth and rate")
  T.err(function() rump.fault{ nth = 0 } end, "bad option 'nth'")
  T.err(function() rump.fault{ nth = 1.5 } end, "bad option 'nth'")
  T.err(function() rump.fault{ rate = 2 } end, "bad option 'rate'")
  T.err(function() rump.fault{ rate = 0 / 0 } end, "bad option 'rate'")
  T.err(function() rump.fault{ rate = 0.1, seed = -1 } end, "bad option 'seed'")
  T.err(function() rump.fault{ rate = "x" } end, "bad option 'rate'")
  T.same(rump.fault(), { mode = "off", calls = 0, injected = 0 }, "nothing was set")
  local k = rump.kernel{}
  assert(k:destroy())
  T.err(function() k:fault{ nth = 1 } end, "kernel destroyed")
end)
