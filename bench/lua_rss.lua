-- Idle kernels from LuaJIT, in a fresh process (bench/run.lua starts one for this alone):
-- the growth of the process RSS per rump.kernel{ "vfs", "fs.tmpfs" } with N alive (the
-- kernel, its Lua object and its S table), the kernel's own accounting beside it, and the
-- cold boot (each kernel timed as the population grows) beside the hot loop.
--   luajit bench/lua_rss.lua [N]      (default 100000; BENCH_QUICK: 10000)
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local rump = require "rump"

local n = tonumber(arg[1]) or (B.quick and 10000 or 100000)
B.section("idle kernels from LuaJIT in a fresh process; cold boot beside the hot loop")

-- Load everything a kernel needs once (library, wrappers, the S table), then measure.
rump.kernel{ "vfs", "fs.tmpfs" }:destroy()
collectgarbage(); collectgarbage()
local now = B.now
local before, acct0 = B.rss(), rump.memstats().bytes
local ks, tc = {}, {}
for i = 1, n do
  local t0 = now()
  ks[i] = rump.kernel{ "vfs", "fs.tmpfs" }
  tc[i] = now() - t0
end
collectgarbage(); collectgarbage()
local after, acct1 = B.rss(), rump.memstats().bytes
B.fig("mem.lua.rss", ("idle kernel from LuaJIT: growth of a fresh process's RSS per kernel, %d alive"):format(n),
  (after - before) / n / 1024, "KiB")
B.fig("mem.lua.acct", "the kernel's own accounting per kernel, same kernels", (acct1 - acct0) / n / 1024, "KiB")
B.cmp("mem.lua.rss", "mem.lua.acct", "fresh LuaJIT process")
B.cmp("mem.lua.rss", "mem.C.rss", "both fresh processes (C: kern_bench)")

local last = {}
for i = n - math.floor(n / 10) + 1, n do last[#last + 1] = tc[i] end
local cold, p99 = B.median(last), B.quantile(last, 0.99)
local hot = B.interleave{ n = 200, rounds = 41, fns = { { "hot", B.timed(function(m)
  for _ = 1, m do rump.kernel{ "vfs", "fs.tmpfs" }:destroy() end
end) } } }.hot.med
B.fig("kern.lua.boot.cold", ("cold boot from LuaJIT: rump.kernel{} with %d-%d alive"):format(n - #last, n),
  cold / 1e3, "us", ("p99 %.2f us"):format(p99 / 1e3))
B.fig("kern.lua.boot.hotn", ("rump.kernel{} + destroy, hot loop, %d others alive"):format(n), hot / 1e3, "us")
B.cmp("kern.lua.boot.cold", "kern.lua.boot.hotn", "same process")
for i = 1, n do ks[i]:destroy() end
os.exit(0)
