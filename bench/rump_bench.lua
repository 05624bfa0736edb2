-- Kernel benchmarks from Lua: boot+destroy, the null syscall through k.S and through the raw
-- FFI function, side by side with the host's getpid.
local rump = require "rump"
local S = require "syscall"
local ffi = require "syscall.ffi"

local function now() return S.clock_gettime("monotonic").time end
local function best(n, fn)
  fn(math.min(n, 1000))
  local b = math.huge
  for _ = 1, 5 do
    local t0 = now()
    fn(n)
    local dt = (now() - t0) / n
    if dt < b then b = dt end
  end
  return b * 1e9
end
local function median(n, fn)
  local xs = {}
  for i = 1, n do
    local t0 = now(); fn(); xs[i] = now() - t0
  end
  table.sort(xs)
  return xs[math.floor(n / 2) + 1] * 1e9
end

io.write("kernels from LuaJIT:\n")
local k = rump.kernel{}
local kS = k.S
local row = "  %-44s %10.1f ns\n"
io.write(string.format(row, "k.S.getpid() (kernel null syscall)", best(2000000, function(n) local f = kS.getpid for _ = 1, n do f() end end)))
local raw = rump.library()
ffi.cdef "int rumpus_bench_nb_getpid(void) __asm__(\"rump___sysimpl_getpid\");"
raw.rumpus_kernel_switch(k.ptr)
io.write(string.format(row, "raw rump___sysimpl_getpid via ffi", best(2000000, function(n) for _ = 1, n do raw.rumpus_bench_nb_getpid() end end)))
io.write(string.format(row, "host S.getpid() (same run)", best(2000000, function(n) local f = S.getpid for _ = 1, n do f() end end)))
k:destroy()
io.write(string.format(row, "rump.kernel{} + destroy (median of 2000)", median(2000, function() rump.kernel{}:destroy() end)))
io.write(string.format(row, "rump.kernel{} + destroy (loop)", best(20000, function(n) for _ = 1, n do rump.kernel{}:destroy() end end)))
io.write(string.format(row, "  + a first k.S.getpid() (median of 2000)", median(2000, function() local k = rump.kernel{}; k.S.getpid(); k:destroy() end)))
io.write(string.format(row, "rump.kernel{} left to the GC (loop)", best(20000, function(n) for _ = 1, n do rump.kernel{} end collectgarbage() end)))

-- create + write 4 KiB + close + unlink: tmpfs in a kernel against the host's /dev/shm.
do
  local fk = rump.kernel{ "vfs", "fs.tmpfs" }
  local kS = fk.S
  local data = string.rep("x", 4096)
  local function cycle(S, path) return function(n)
    for _ = 1, n do
      local fd = S.open(path, "creat, wronly, trunc", "0644")
      fd:write(data)
      fd:close()
      S.unlink(path)
    end
  end end
  local kns = best(20000, cycle(kS, "/bench-file"))
  local hns = best(20000, cycle(S, "/dev/shm/rumpus-bench-" .. S.getpid()))
  io.write(string.format("  %-44s %10.0f ops/s\n", "tmpfs create+write 4K+close+unlink (kernel)", 1e9 / kns))
  io.write(string.format("  %-44s %10.0f ops/s\n", "host /dev/shm, same cycle", 1e9 / hns))
  fk:destroy()
end

-- Idle kernels from Lua: boot many, see the process grow.
do
  local function rss()
    for line in io.lines("/proc/self/status") do
      local kb = line:match("^VmRSS:%s+(%d+)")
      if kb then return tonumber(kb) * 1024 end
    end
  end
  collectgarbage(); collectgarbage()
  local n = 10000
  local before, kb0 = rss(), rump.memstats().bytes
  local ks = {}
  for i = 1, n do ks[i] = rump.kernel{ "vfs", "fs.tmpfs" } end
  collectgarbage()
  local after, kb1 = rss(), rump.memstats().bytes
  io.write(string.format("  %-44s %10.1f KiB\n", "kernel memory per idle vfs+tmpfs kernel", (kb1 - kb0) / n / 1024))
  io.write(string.format("  %-44s %10.1f KiB\n", "process RSS per kernel, incl. Lua objects", (after - before) / n / 1024))
  for i = 1, n do ks[i]:destroy() end
end
