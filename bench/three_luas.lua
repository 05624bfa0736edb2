-- The library on one interpreter (bench/three_luas.sh runs it on LuaJIT, Lua 5.3 and 5.4):
-- medians of interleaved batches, ns per call.
--   k.S.getpid()          a kernel's null syscall: no host syscall in it, so the figure is
--                         the binding's own cost; beside the bare FFI call into the same
--                         kernel function on this interpreter (same process), and beside
--                         LuaJIT's k.S.getpid() (another process of the same run)
--   S.getpid()            a host syscall through the binding, beside LuaJIT's
--   fd:read(buf) 4 KiB    from /dev/zero
--   rump.kernel{} + destroy
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local ffi = require "syscall.ffi"
local rump = require "rump"

local lua = B.lua
B.section("the library on " .. lua .. " (median of interleaved batches)")
local scale = lua == "luajit" and 15 or 1
local timed = B.timed

local k = rump.kernel{}
local kS = k.S
local raw = rump.library()
ffi.cdef "int rumpus_bench_nb_getpid(void) __asm__(\"rump___sysimpl_getpid\");"
local rawf = raw.rumpus_bench_nb_getpid
local r = B.interleave{ n = 2000 * scale, rounds = 41, fns = {
  { "kS", timed(function(n) local f = kS.getpid for _ = 1, n do f() end end) },
  { "raw", function(n)
    local old = raw.rumpus_kernel_switch(k.ptr)
    local t0 = B.now()
    for _ = 1, n do rawf() end
    local t = B.now() - t0
    raw.rumpus_kernel_switch(old)
    return t
  end },
} }
B.fig(lua .. ".kS.getpid", "k.S.getpid() on " .. lua, r.kS.med, "ns")
B.fig(lua .. ".raw.getpid", "the bare FFI call rump___sysimpl_getpid() on " .. lua, r.raw.med, "ns")
B.cmp(lua .. ".kS.getpid", lua .. ".raw.getpid", "same process, interleaved batches")
if lua ~= "luajit" then B.cmp(lua .. ".kS.getpid", "luajit.kS.getpid", "separate processes, same run") end
k:destroy()

local fd = assert(S.open("/dev/zero", "rdonly"))
local buf = S.t.buffer(4096)
local getpid = S.getpid
r = B.interleave{ rounds = 41, fns = {
  { "getpid", timed(function(n) for _ = 1, n do getpid() end end), 1000 },
  { "read", timed(function(n) for _ = 1, n do fd:read(buf, 4096) end end), 300 },
  { "boot", timed(function(n) for _ = 1, n do rump.kernel{}:destroy() end end), 100 },
} }
fd:close()
B.fig(lua .. ".S.getpid", "S.getpid() on " .. lua, r.getpid.med, "ns")
B.fig(lua .. ".read", "fd:read(buf, 4096) from /dev/zero on " .. lua, r.read.med, "ns")
B.fig(lua .. ".boot", "rump.kernel{} + destroy on " .. lua, r.boot.med / 1e3, "us")
if lua ~= "luajit" then
  for _, w in ipairs{ "S.getpid", "read", "boot" } do
    B.cmp(lua .. "." .. w, "luajit." .. w, "separate processes, same run")
  end
end
os.exit(0)
