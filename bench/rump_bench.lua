-- Kernels from LuaJIT, each figure beside its C baseline in the same process (C through the
-- FFI: bench/benchlib.c), in interleaved batches; medians of the batches' ns per operation.
--   the null syscall: k.S.getpid() against C rump_sys_getpid() into the same kernel
--   boot + destroy: rump.kernel{ "vfs", "fs.tmpfs" } + destroy against the C calls
--   a file cycle (create, write 4 KiB, close, unlink): tmpfs in a kernel against the host's
--     /dev/shm and a tmpfs mounted for the run (needs root), the same op sequence from
--     LuaJIT (k.S against S) and from C (rump_sys_* against libc)
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"

-- A tmpfs of our own, in a mount namespace of this process (it goes away with the process).
-- Before require "rump": the kernel library starts a thread, and the namespace is per thread.
local tmpdir, tmpwhy
if S.geteuid() ~= 0 then
  tmpwhy = "mounting a tmpfs needs root"
else
  local ok, e = S.unshare("newns")
  if ok then ok, e = S.mount(nil, "/", nil, "rec, private") end
  if ok then
    tmpdir = "/tmp/rumpus-bench-" .. S.getpid()
    ok, e = S.mkdir(tmpdir, "0700")
    if ok then
      ok, e = S.mount("tmpfs", tmpdir, "tmpfs", 0, "size=16m")
      if not ok then S.rmdir(tmpdir) end
    end
  end
  if not ok then tmpdir, tmpwhy = nil, "cannot mount a tmpfs here: " .. tostring(e) end
end

local rump = require "rump"
local ffi = require "syscall.ffi"
local L = B.lib()
local timed = B.timed

B.section("kernels from LuaJIT beside the same calls in C, same process (median of interleaved batches)")

-- The null syscall.
do
  local k = rump.kernel{}
  local kS = k.S
  local raw = rump.library()
  ffi.cdef "int rumpus_bench_nb_getpid(void) __asm__(\"rump___sysimpl_getpid\");"
  local rawget_ = raw.rumpus_bench_nb_getpid
  local r = B.interleave{ n = 30000, rounds = 41, fns = {
    { "kS", timed(function(n) local f = kS.getpid for _ = 1, n do f() end end) },
    { "raw", function(n)
      local old = raw.rumpus_kernel_switch(k.ptr)
      local t0 = B.now()
      for _ = 1, n do rawget_() end
      local t = B.now() - t0
      raw.rumpus_kernel_switch(old)
      return t
    end },
    { "c", function(n) return L.rb_kern_getpid(k.ptr, n) end },
  } }
  B.pairfig("kern.kS.getpid", "k.S.getpid() from LuaJIT (kernel null syscall)", r.kS.med,
    "kern.C.getpid", "C rump_sys_getpid() into the same kernel, through the FFI", r.c.med, "ns",
    "same process, interleaved batches")
  B.fig("kern.raw.getpid", "rump___sysimpl_getpid() called through LuaJIT's FFI", r.raw.med, "ns")
  B.cmp("kern.raw.getpid", "kern.C.getpid", "same process, interleaved batches")
  k:destroy()
end

-- Boot + destroy, hot loop.
do
  local comps = ffi.new("const char *[3]", { "vfs", "fs.tmpfs", nil })
  local r = B.interleave{ n = 300, rounds = 41, fns = {
    { "lua", timed(function(n) for _ = 1, n do rump.kernel{ "vfs", "fs.tmpfs" }:destroy() end end) },
    { "c", function(n) return L.rb_kern_boot(comps, n) end },
  } }
  B.pairfig("kern.lua.boot", "rump.kernel{ \"vfs\", \"fs.tmpfs\" } + destroy (loop)", r.lua.med / 1e3,
    "kern.C.boot", "C rumpus_kernel_create + destroy, same components", r.c.med / 1e3, "us",
    "same process, interleaved batches")
end

-- The file cycle.
do
  local fk = rump.kernel{ "vfs", "fs.tmpfs" }
  local kS = fk.S
  local data = string.rep("x", 4096)
  local cdata = ffi.new("char[4096]")
  ffi.fill(cdata, 4096, 120)
  local function cycle(SS, path) return timed(function(n)
    for _ = 1, n do
      local fd = assert(SS.open(path, "creat, wronly, trunc", "0644"))
      fd:write(data)
      fd:close()
      SS.unlink(path)
    end
  end) end
  local shm = "/dev/shm/rumpus-bench-" .. S.getpid()
  local fns = {
    { "kern", cycle(kS, "/bench-file"), 200 },
    { "shm", cycle(S, shm), 10 },
    { "Ckern", function(n) return L.rb_kern_filecycle(fk.ptr, "/bench-file", cdata, 4096, n) end, 300 },
    { "Cshm", function(n) return L.rb_host_filecycle(shm, cdata, 4096, n) end, 10 },
  }
  if tmpdir then
    fns[#fns + 1] = { "tmp", cycle(S, tmpdir .. "/f"), 10 }
    fns[#fns + 1] = { "Ctmp", function(n) return L.rb_host_filecycle(tmpdir .. "/f", cdata, 4096, n) end, 10 }
  end
  local r = B.interleave{ rounds = 41, fns = fns }
  local how = "same process, same op sequence, interleaved batches"
  local u = function(x) return x / 1e3 end
  B.pairfig("tmpfs.lua", "tmpfs file cycle in a kernel, LuaJIT k.S (create, write 4 KiB, close, unlink)",
    u(r.kern.med), "tmpfs.lua.shm", "the same cycle on the host's /dev/shm, LuaJIT S", u(r.shm.med), "us", how)
  if tmpdir then
    B.fig("tmpfs.lua.tmp", "the same cycle on a fresh host tmpfs mount, LuaJIT S", u(r.tmp.med), "us")
    B.fig("tmpfs.lua2", "tmpfs file cycle in a kernel, LuaJIT k.S (same batches as above)", u(r.kern.med), "us")
    B.cmp("tmpfs.lua2", "tmpfs.lua.tmp", how)
  else
    B.skip("the file cycle on a host tmpfs mount", tmpwhy)
  end
  B.pairfig("tmpfs.C", "tmpfs file cycle in a kernel, C rump_sys_*", u(r.Ckern.med),
    "tmpfs.C.shm", "the same cycle on the host's /dev/shm, C", u(r.Cshm.med), "us", how)
  if tmpdir then
    B.fig("tmpfs.C.tmp", "the same cycle on a fresh host tmpfs mount, C", u(r.Ctmp.med), "us")
    B.fig("tmpfs.C2", "tmpfs file cycle in a kernel, C (same batches as above)", u(r.Ckern.med), "us")
    B.cmp("tmpfs.C2", "tmpfs.C.tmp", how)
  end
  fk:destroy()
  S.unlink(shm)
end

if tmpdir then
  S.umount(tmpdir)
  S.rmdir(tmpdir)
end
os.exit(0)
