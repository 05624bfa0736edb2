-- Host benchmark: the cost of a syscall through require "syscall".
local S = require "syscall"
local ffi = require "ffi"
local function now() return S.clock_gettime("monotonic").time end

local function measure(name, n, fn)
  fn(1000)
  local best = math.huge
  for _ = 1, 5 do
    local t0 = now()
    fn(n)
    local dt = (now() - t0) / n
    if dt < best then best = dt end
  end
  io.write(string.format("  %-40s %8.1f ns\n", name, best * 1e9))
end

io.write("host syscalls (best of 5):\n")
measure("S.getpid() [LuaJIT]", 2000000, function(n) local f = S.getpid for _ = 1, n do f() end end)
ffi.cdef[[long rumpus_bench_syscall(long n) __asm__("syscall");]]
local nr = ffi.abi("64bit") and (jit and jit.arch == "arm64" and 172 or 39)
measure("ffi syscall(SYS_getpid) [LuaJIT]", 2000000, function(n) local C = ffi.C for _ = 1, n do C.rumpus_bench_syscall(nr) end end)
