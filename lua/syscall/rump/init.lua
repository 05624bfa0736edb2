-- ljsyscall's entry for rump kernels:
--   local S = require "syscall.rump.init".init("vfs", "fs.tmpfs")   (or init{"vfs", "fs.tmpfs"})
-- boots a kernel with those components (once per process: the default kernel, as NetBSD's
-- rump_init) and returns its syscall table; later calls return the same table.  New code can
-- use require "rump" for many kernels.  The kernel is rumpus's, or NetBSD's own with
-- RUMPUS_BACKEND=netbsd (or init{ "vfs", backend = "netbsd" }): docs/netbsd.md.  A failed
-- boot leaves nothing behind: the next call tries again (or gives the same reason).
-- As ljsyscall's, the table also has:
--   S.__rump   true
--   S.abi      the host's abi fields, with rump = true and the kernel's ABI: types = "netbsd",
--              os = "netbsd", bsd = true (host keeps the host's OS name)
--   S.rump     the lwp calls: newlwp(pid), curlwp(), switchlwp(lwp), releaselwp(),
--              rfork(flags) ("CFDG": a clean descriptor table, "FDG": a copy, "share"),
--              and kernel (our rump kernel object)
local M = {}
local default

local function rumpabi()
  local host = require "syscall.abi"
  local abi = {}
  for k, v in pairs(host) do abi[k] = v end
  abi.rump, abi.types, abi.os, abi.bsd, abi.host = true, "netbsd", "netbsd", true, host.os
  return abi
end

local function rumptable(k)
  local r = { kernel = k }
  function r.newlwp(pid) return k:newlwp(pid) end
  function r.curlwp() return k:curlwp() end
  function r.switchlwp(lwp) return k:switch(lwp) end
  function r.releaselwp() return k:release() end
  function r.rfork(flags)
    if flags == nil or flags == 0 then flags = "share" end
    return k:rfork(flags)
  end
  return r
end

function M.init(...)
  local comps = { ... }
  if type(comps[1]) == "table" then comps = comps[1] end
  if default then return default.S end
  local rump = require "rump"
  default = rump.kernel(comps)
  M.kernel = default
  local S = default.S
  rawset(S, "__rump", true)
  rawset(S, "abi", rumpabi())
  rawset(S, "rump", rumptable(default))
  return S
end

return M
