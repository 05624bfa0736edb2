-- The library on each interpreter: S.getpid(), a 4 KiB fd:read into a buffer and into a new
-- string, a kernel's null syscall (k.S.getpid()) and rump.kernel{} + destroy.  Run by
-- bench/three_luas.sh once per interpreter.
local S = require "syscall"
local ffi = require "syscall.ffi"
local rump = require "rump"

local function now() return S.clock_gettime("monotonic").time end
local function best(n, fn)
  fn(math.max(1, math.floor(n / 100)))
  local b = math.huge
  for _ = 1, 5 do
    local t0 = now()
    fn(n)
    local dt = (now() - t0) / n
    if dt < b then b = dt end
  end
  return b * 1e9
end

local lua = S.abi.lua
local getpid = best(200000, function(n) local f = S.getpid for _ = 1, n do f() end end)
local fd = assert(S.open("/dev/zero", "rdonly"))
local buf = S.t.buffer(4096)
local read = best(100000, function(n) for _ = 1, n do fd:read(buf, 4096) end end)
local rstr = best(100000, function(n) for _ = 1, n do fd:read() end end)
fd:close()
local k = rump.kernel{}
local kS = k.S
local kget = best(200000, function(n) local f = kS.getpid for _ = 1, n do f() end end)
k:destroy()
local boot = best(20000, function(n) for _ = 1, n do rump.kernel{}:destroy() end end)
io.write(string.format("  %-8s %14.1f %16.1f %16.1f %18.1f %16.1f\n", lua, getpid, read, rstr, kget, boot))
